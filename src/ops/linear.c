/* linear.c - launchers for cl/linear.cl (fused linear layer forward, dx and dw+db), on the
 * tuned work-group size (tuning.linear_wg) and backward width (tuning.linear_cols = LIN_COLS). */
#include "ops/common.h"
#include "ops/vqvae_ops.h"

#define U(x) ((cl_uint)(x))

archllm_status archllm_op_linear_fwd(archllm_ctx_t *ctx, archllm_view y, archllm_view x, archllm_view w,
                                     archllm_view b, archllm_view pos, size_t npos, size_t M, size_t N, size_t K,
                                     int relu)
{
    OPS_CHECK_SIZE("linear_fwd", y.off + M * N);
    OPS_CHECK_SIZE("linear_fwd", x.off + M * K);
    cl_kernel k;
    cl_mem pb = npos ? pos.buf : b.buf; /* any valid buffer when unused */
    cl_uint yo = U(y.off), xo = U(x.off), wo = U(w.off), bo = U(b.off), po = U(npos ? pos.off : 0), np = U(npos),
            mm = U(M), nn = U(N), kk = U(K), re = U(relu != 0);
    ARCHLLM_TRY(archllm_kernel(ctx, "linear", "linear_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(y.buf), ARG_UINT(yo), ARG_MEM(x.buf), ARG_UINT(xo), ARG_MEM(w.buf),
                                    ARG_UINT(wo), ARG_MEM(b.buf), ARG_UINT(bo), ARG_MEM(pb), ARG_UINT(po),
                                    ARG_UINT(np), ARG_UINT(mm), ARG_UINT(nn), ARG_UINT(kk), ARG_UINT(re), ARG_END));
    return archllm_launch_1d(ctx, k, ((M + 3) / 4) * ((N + 3) / 4), (size_t)ctx->tuning.linear_wg);
}

archllm_status archllm_op_linear_bwd_dx(archllm_ctx_t *ctx, archllm_view dx, archllm_view dy, archllm_view w,
                                        size_t M, size_t O, size_t I)
{
    OPS_CHECK_SIZE("linear_bwd_dx", dx.off + M * I);
    OPS_CHECK_SIZE("linear_bwd_dx", dy.off + M * O);
    cl_kernel k;
    cl_uint xo = U(dx.off), yo = U(dy.off), wo = U(w.off), mm = U(M), oo = U(O), ii = U(I);
    ARCHLLM_TRY(archllm_kernel(ctx, "linear", "linear_bwd_dx", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dx.buf), ARG_UINT(xo), ARG_MEM(dy.buf), ARG_UINT(yo),
                                    ARG_MEM(w.buf), ARG_UINT(wo), ARG_UINT(mm), ARG_UINT(oo), ARG_UINT(ii), ARG_END));
    size_t cols = (size_t)ctx->tuning.linear_cols;
    return archllm_launch_1d(ctx, k, ((M + 3) / 4) * ((I + cols - 1) / cols), (size_t)ctx->tuning.linear_wg);
}

archllm_status archllm_op_linear_bwd_dw(archllm_ctx_t *ctx, archllm_view dw, archllm_view db, archllm_view dy,
                                        archllm_view x, size_t M, size_t O, size_t I)
{
    OPS_CHECK_SIZE("linear_bwd_dw", dy.off + M * O);
    OPS_CHECK_SIZE("linear_bwd_dw", x.off + M * I);
    cl_kernel k;
    cl_mem dbb = db.buf ? db.buf : dw.buf;
    cl_uint wo = U(dw.off), bo = U(db.buf ? db.off : 0), on = U(db.buf != NULL), yo = U(dy.off), xo = U(x.off),
            mm = U(M), oo = U(O), ii = U(I);
    ARCHLLM_TRY(archllm_kernel(ctx, "linear", "linear_bwd_dw", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dw.buf), ARG_UINT(wo), ARG_MEM(dbb), ARG_UINT(bo), ARG_UINT(on),
                                    ARG_MEM(dy.buf), ARG_UINT(yo), ARG_MEM(x.buf), ARG_UINT(xo), ARG_UINT(mm),
                                    ARG_UINT(oo), ARG_UINT(ii), ARG_END));
    size_t cols = (size_t)ctx->tuning.linear_cols;
    return archllm_launch_1d(ctx, k, ((O + 3) / 4) * ((I + cols - 1) / cols), (size_t)ctx->tuning.linear_wg);
}
