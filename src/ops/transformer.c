/* transformer.c - launchers for cl/transformer.cl. */
#include "ops/common.h"
#include "ops/t5_ops.h"

archllm_status archllm_op_gated_gelu_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view in, size_t n, size_t f)
{
    OPS_CHECK_SIZE("gated_gelu_fwd", in.off + 2 * n * f);
    cl_kernel k;
    cl_uint oo = out.off, io = in.off, nn = n, ff = f;
    ARCHLLM_TRY(archllm_kernel(ctx, "transformer", "gated_gelu_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(in.buf), ARG_UINT(io), ARG_UINT(nn),
                                    ARG_UINT(ff), ARG_END));
    return archllm_launch_1d(ctx, k, (n * f + OPS_GELU_VEC - 1) / OPS_GELU_VEC, 0);
}

archllm_status archllm_op_gated_gelu_bwd(archllm_ctx_t *ctx, archllm_view din, archllm_view in, archllm_view dout,
                                         size_t n, size_t f)
{
    OPS_CHECK_SIZE("gated_gelu_bwd", din.off + 2 * n * f);
    cl_kernel k;
    cl_uint go = din.off, io = in.off, oo = dout.off, nn = n, ff = f;
    ARCHLLM_TRY(archllm_kernel(ctx, "transformer", "gated_gelu_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(din.buf), ARG_UINT(go), ARG_MEM(in.buf), ARG_UINT(io),
                                    ARG_MEM(dout.buf), ARG_UINT(oo), ARG_UINT(nn), ARG_UINT(ff), ARG_END));
    return archllm_launch_1d(ctx, k, (n * f + OPS_GELU_VEC - 1) / OPS_GELU_VEC, 0);
}
