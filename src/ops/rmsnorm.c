/* rmsnorm.c - launchers for cl/rmsnorm.cl. */
#include "ops/common.h"
#include "ops/t5_ops.h"

#define RMS_DW_ROWS  256 /* rows a part of the weight's gradient sums */
#define RMS_DW_PARTS 64  /* and at most this many parts */

archllm_status archllm_op_rmsnorm_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view rstd, archllm_view x,
                                      archllm_view w, size_t n, size_t d, float eps)
{
    OPS_CHECK_SIZE("rmsnorm_fwd", out.off + n * d);
    OPS_CHECK_SIZE("rmsnorm_fwd", x.off + n * d);
    cl_kernel k;
    cl_uint oo = out.off, ro = rstd.off, xo = x.off, wo = w.off, nn = n, dd = d;
    ARCHLLM_TRY(archllm_kernel(ctx, "rmsnorm", "rmsnorm_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(rstd.buf), ARG_UINT(ro),
                                    ARG_MEM(x.buf), ARG_UINT(xo), ARG_MEM(w.buf), ARG_UINT(wo), ARG_UINT(nn),
                                    ARG_UINT(dd), ARG_F32(eps), ARG_END));
    return archllm_launch_1d(ctx, k, n, 0);
}

archllm_status archllm_op_rmsnorm_bwd(archllm_ctx_t *ctx, archllm_view dx, archllm_view dw, archllm_view x,
                                      archllm_view w, archllm_view rstd, archllm_view dout, size_t n, size_t d)
{
    OPS_CHECK_SIZE("rmsnorm_bwd", dx.off + n * d);
    OPS_CHECK_SIZE("rmsnorm_bwd", dout.off + n * d);
    cl_kernel k;
    cl_uint gxo = dx.off, xo = x.off, wo = w.off, ro = rstd.off, go = dout.off, nn = n, dd = d;
    ARCHLLM_TRY(archllm_kernel(ctx, "rmsnorm", "rmsnorm_bwd_dx", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dx.buf), ARG_UINT(gxo), ARG_MEM(x.buf), ARG_UINT(xo), ARG_MEM(w.buf),
                                    ARG_UINT(wo), ARG_MEM(rstd.buf), ARG_UINT(ro), ARG_MEM(dout.buf), ARG_UINT(go),
                                    ARG_UINT(nn), ARG_UINT(dd), ARG_END));
    ARCHLLM_TRY(archllm_launch_1d(ctx, k, n, 0));
    if (!n) return ARCHLLM_OK; /* no rows: dw gets nothing */
    /* the weight's gradient: parts of RMS_DW_ROWS rows (at most RMS_DW_PARTS; the part count
     * depends on n only, so the sum's order does too), then their column sums in order */
    size_t rows = RMS_DW_ROWS, parts = (n + rows - 1) / rows;
    if (parts > RMS_DW_PARTS) parts = RMS_DW_PARTS, rows = (n + parts - 1) / parts;
    ARCHLLM_TRY(archllm_ctx_scratch(ctx, parts * d * sizeof(float)));
    cl_uint rr = U(rows);
    ARCHLLM_TRY(archllm_kernel(ctx, "rmsnorm", "rmsnorm_bwd_dw_part", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(ctx->scratch), ARG_MEM(x.buf), ARG_UINT(xo), ARG_MEM(rstd.buf),
                                    ARG_UINT(ro), ARG_MEM(dout.buf), ARG_UINT(go), ARG_UINT(nn), ARG_UINT(dd),
                                    ARG_UINT(rr), ARG_END));
    ARCHLLM_TRY(archllm_launch_1d_spread(ctx, k, ((d + 15) / 16) * parts, 0));
    return archllm_op_sum_rows(ctx, dw, (archllm_view){ctx->scratch, 0}, parts, d);
}
