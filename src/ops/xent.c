/* xent.c - launcher for cl/xent.cl. */
#include "ops/common.h"
#include "ops/t5_ops.h"

archllm_status archllm_op_xent_fwd_bwd(archllm_ctx_t *ctx, archllm_view x, archllm_view losses,
                                       archllm_view labels, size_t n, size_t V, float scale)
{
    OPS_CHECK_SIZE("xent_fwd_bwd", x.off + n * V);
    cl_kernel k;
    cl_uint xo = x.off, lo = losses.off, bo = labels.off, nn = n, vv = V;
    ARCHLLM_TRY(archllm_kernel(ctx, "xent", "xent_fwd_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(x.buf), ARG_UINT(xo), ARG_MEM(losses.buf), ARG_UINT(lo),
                                    ARG_MEM(labels.buf), ARG_UINT(bo), ARG_UINT(nn), ARG_UINT(vv), ARG_F32(scale),
                                    ARG_END));
    return archllm_launch_1d(ctx, k, n, 0);
}
