/* xent.c - launcher for cl/xent.cl. */
#include "ops/common.h"
#include "ops/t5_ops.h"

archllm_status archllm_op_xent_fwd_bwd(archllm_ctx_t *ctx, archllm_view x, archllm_view losses,
                                       archllm_view labels, size_t n, size_t V, float scale)
{
    return archllm_op_xent_fwd_bwd_kind(ctx, x, losses, labels, n, V, scale, ctx->info.type == ARCHLLM_DEVICE_GPU);
}

archllm_status archllm_op_xent_fwd_bwd_kind(archllm_ctx_t *ctx, archllm_view x, archllm_view losses,
                                            archllm_view labels, size_t n, size_t V, float scale, int groups)
{
    OPS_CHECK_SIZE("xent_fwd_bwd", x.off + n * V);
    cl_kernel k;
    cl_uint xo = x.off, lo = losses.off, bo = labels.off, nn = n, vv = V;
    ARCHLLM_TRY(archllm_kernel(ctx, "xent", groups ? "xent_fwd_bwd_wg" : "xent_fwd_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(x.buf), ARG_UINT(xo), ARG_MEM(losses.buf), ARG_UINT(lo),
                                    ARG_MEM(labels.buf), ARG_UINT(bo), ARG_UINT(nn), ARG_UINT(vv), ARG_F32(scale),
                                    ARG_END));
    size_t wg = (size_t)ctx->tuning.reduce_wg; /* REDUCE_WG of the program: one group per row */
    if (!groups) return archllm_launch_1d(ctx, k, n, 0);
    return archllm_launch_1d(ctx, k, n * wg, wg);
}
