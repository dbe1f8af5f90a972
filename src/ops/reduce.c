/* reduce.c - launchers for cl/reduce.cl. */
#include "ops/common.h"

#define MAX_PARTIALS 256 /* work-groups of the first pass; enough to fill any device */

static archllm_status reduce(archllm_ctx_t *ctx, archllm_view out, archllm_view x, size_t n, cl_uint op)
{
    OPS_CHECK_SIZE("reduce", x.off + n);
    size_t wg = (size_t)ctx->tuning.reduce_wg;
    size_t groups = (n / 16 + wg - 1) / wg; /* items of 16 floats */
    if (groups > MAX_PARTIALS) groups = MAX_PARTIALS;
    if (groups == 0) groups = 1;
    ARCHLLM_TRY(archllm_ctx_scratch(ctx, MAX_PARTIALS * sizeof(float)));
    cl_kernel k1, k2;
    cl_uint xo = x.off, nn = n, oo = out.off, ng = groups;
    ARCHLLM_TRY(archllm_kernel(ctx, "reduce", "reduce_partial", &k1));
    ARCHLLM_TRY(archllm_kernel(ctx, "reduce", "reduce_final", &k2));
    ARCHLLM_TRY(archllm_kernel_args(k1, ARG_MEM(ctx->scratch), ARG_MEM(x.buf), ARG_UINT(xo), ARG_UINT(nn),
                                    ARG_UINT(op), ARG_END));
    ARCHLLM_TRY(archllm_launch_1d(ctx, k1, groups * wg, wg));
    ARCHLLM_TRY(archllm_kernel_args(k2, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(ctx->scratch), ARG_UINT(ng),
                                    ARG_END));
    return archllm_launch_1d(ctx, k2, wg, wg);
}

archllm_status archllm_op_sum(archllm_ctx_t *ctx, archllm_view out, archllm_view x, size_t n)
{
    return reduce(ctx, out, x, n, 0);
}

archllm_status archllm_op_sumsq(archllm_ctx_t *ctx, archllm_view out, archllm_view x, size_t n)
{
    return reduce(ctx, out, x, n, 1);
}

archllm_status archllm_op_sum_rows(archllm_ctx_t *ctx, archllm_view out, archllm_view inp, size_t rows,
                                   size_t cols)
{
    OPS_CHECK_SIZE("sum_rows", inp.off + rows * cols);
    cl_kernel k;
    cl_uint oo = out.off, io = inp.off, r = rows, c = cols;
    ARCHLLM_TRY(archllm_kernel(ctx, "reduce", "sum_rows_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(inp.buf), ARG_UINT(io),
                                    ARG_UINT(r), ARG_UINT(c), ARG_END));
    return archllm_launch_1d(ctx, k, cols, 0);
}
