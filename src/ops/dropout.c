/* dropout.c - launchers for cl/dropout.cl. */
#include "ops/common.h"
#include "ops/t5_ops.h"
#include "ref/t5_ref.h"

static archllm_status run(archllm_ctx_t *ctx, const char *name, archllm_view a, archllm_view b, size_t n, float p,
                          uint32_t seed)
{
    OPS_CHECK_SIZE(name, a.off + n);
    if (!(p >= 0.0f && p < 1.0f)) return archllm_fail(ARCHLLM_EINVAL, "%s: rate %g outside [0, 1)", name, p);
    cl_kernel k;
    cl_uint ao = a.off, bo = b.off, nn = n, th = ref_dropout_threshold(p), sd = seed;
    float scale = 1.0f / (1.0f - p);
    ARCHLLM_TRY(archllm_kernel(ctx, "dropout", name, &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(a.buf), ARG_UINT(ao), ARG_MEM(b.buf), ARG_UINT(bo), ARG_UINT(nn),
                                    ARG_UINT(th), ARG_F32(scale), ARG_UINT(sd), ARG_END));
    return archllm_launch_1d(ctx, k, n, 0);
}

archllm_status archllm_op_dropout_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view in, size_t n, float p,
                                      uint32_t seed)
{
    return run(ctx, "dropout_fwd", out, in, n, p, seed);
}

archllm_status archllm_op_dropout_bwd(archllm_ctx_t *ctx, archllm_view din, archllm_view dout, size_t n, float p,
                                      uint32_t seed)
{
    return run(ctx, "dropout_bwd", din, dout, n, p, seed);
}
