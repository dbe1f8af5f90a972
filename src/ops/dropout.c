/* dropout.c - launchers for cl/dropout.cl. */
#include "ops/common.h"
#include "ops/t5_ops.h"

uint32_t archllm_dropout_threshold(float p)
{
    /* keep when hash >= p 2^32, so P(drop) = p; p < 1 keeps it below 2^32, the clamp guards rounding */
    double t = (double)p * 4294967296.0;
    return t >= 4294967295.0 ? 4294967295u : (uint32_t)t;
}

static archllm_status run(archllm_ctx_t *ctx, const char *name, archllm_view a, archllm_view b, size_t n, float p,
                          uint32_t seed)
{
    OPS_CHECK_SIZE(name, a.off + n);
    if (!(p >= 0.0f && p < 1.0f)) return archllm_fail(ARCHLLM_EINVAL, "%s: rate %g outside [0, 1)", name, p);
    cl_kernel k;
    cl_uint ao = a.off, bo = b.off, nn = n, th = archllm_dropout_threshold(p), sd = seed;
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
