/* linear.c - launchers for cl/linear.cl (fused linear layer forward, dx and dw+db), on the
 * tuned work-group size (tuning.linear_wg) and tile (tuning.linear_rows x linear_blocks
 * blocks of linear_cols columns: LIN_ROWS, LIN_BLOCKS, LIN_COLS), and archllm_op_matmul,
 * which sends small GEMMs to them instead of CLBlast. */
#include "ops/common.h"
#include "ops/ops.h"
#include "ops/vqvae_ops.h"

/* items of a tile grid: rows / LIN_ROWS by cols / (LIN_BLOCKS LIN_COLS), each rounded up */
static size_t tiles(const archllm_ctx_t *ctx, size_t rows, size_t cols)
{
    size_t r = (size_t)ctx->tuning.linear_rows, c = (size_t)ctx->tuning.linear_blocks * ctx->tuning.linear_cols;
    return ((rows + r - 1) / r) * ((cols + c - 1) / c);
}

/* On the tuned work-group, spread over the compute units when the grid is small (16 items in
 * one group had run the VQ-VAE's 16-wide products on one of the cores) */
static archllm_status launch(archllm_ctx_t *ctx, cl_kernel k, size_t items)
{
    return archllm_launch_1d_spread(ctx, k, items, (size_t)ctx->tuning.linear_wg);
}

/* Products over more than LIN_KC of K and more than one row block run in chunks of it, a
 * launch each adding to y, with the items of a column block after each other: a chunk of w's
 * rows for one block of columns (LIN_KC x LIN_SPAN floats, 32-64 KB) then stays in a core's
 * cache while every row block passes, where over the whole K each row block re-read all of
 * w from memory (in a scratch harness on a 2-core Xeon: 2048^3 113 -> 240 GFLOP/s,
 * t5-small's output-head dx, K = 32128, 65 -> 263). */
#define LIN_KC 256

/* y(M, N) = act(alpha x(M, K) w(K, N) + pos + b + beta y), rows ldy, ldx, ldw apart; b.buf NULL: no bias;
 * mk.buf set: then 0 wherever mk (rows ldy apart, as y) is not above 0 */
static archllm_status nn(archllm_ctx_t *ctx, archllm_view y, size_t ldy, archllm_view x, size_t ldx, archllm_view w,
                         size_t ldw, archllm_view b, archllm_view pos, size_t npos, size_t M, size_t K, size_t N,
                         int relu, float alpha, float beta, archllm_view mk)
{
    OPS_CHECK_SIZE("linear_nn", y.off + (M - 1) * ldy + N);
    OPS_CHECK_SIZE("linear_nn", x.off + (M - 1) * ldx + K);
    OPS_CHECK_SIZE("linear_nn", w.off + (K - 1) * ldw + N);
    if (mk.buf) OPS_CHECK_SIZE("linear_nn", mk.off + (M - 1) * ldy + N);
    cl_kernel k;
    /* any valid buffer when unused */
    cl_mem bb = b.buf ? b.buf : y.buf, pb = npos ? pos.buf : bb, mb = mk.buf ? mk.buf : bb;
    cl_uint yo = U(y.off), bo = U(b.buf ? b.off : 0), po = U(npos ? pos.off : 0), mm = U(M), nn_ = U(N),
            ly = U(ldy), lx = U(ldx), lw = U(ldw);
    /* one row block reuses nothing across row blocks: one launch (decoding's few rows) */
    size_t kc = M > (size_t)ctx->tuning.linear_rows ? LIN_KC : (K ? K : 1);
    cl_uint cm = U(K > kc);
    ARCHLLM_TRY(archllm_kernel(ctx, "linear", "linear_nn", &k));
    for (size_t k0 = 0; k0 == 0 || k0 < K; k0 += kc) { /* (once when K is 0) */
        int last = k0 + kc >= K; /* the epilogue (bias, pos, ReLU) on the last chunk only */
        cl_uint xo = U(x.off + k0), wo = U(w.off + k0 * ldw), kk = U(last ? K - k0 : kc), bon = U(last && b.buf),
                np = U(last ? npos : 0), re = U(last && relu), mo = U(mk.buf ? mk.off : 0), mon = U(last && mk.buf);
        float bk = k0 ? 1.0f : beta;
        ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(y.buf), ARG_UINT(yo), ARG_UINT(ly), ARG_MEM(x.buf), ARG_UINT(xo),
                                        ARG_UINT(lx), ARG_MEM(w.buf), ARG_UINT(wo), ARG_UINT(lw), ARG_MEM(bb),
                                        ARG_UINT(bo), ARG_UINT(bon), ARG_MEM(pb), ARG_UINT(po), ARG_UINT(np),
                                        ARG_UINT(mm), ARG_UINT(kk), ARG_UINT(nn_), ARG_UINT(re), ARG_F32(alpha),
                                        ARG_F32(bk), ARG_UINT(cm), ARG_MEM(mb), ARG_UINT(mo), ARG_UINT(mon), ARG_END));
        ARCHLLM_TRY(launch(ctx, k, tiles(ctx, M, N)));
    }
    return ARCHLLM_OK;
}

/* w(n, k) transposed into ctx->scratch as (k, n) */
static archllm_status scratch_t(archllm_ctx_t *ctx, archllm_view w, size_t ldw, size_t n, size_t k, archllm_view *wt)
{
    ARCHLLM_TRY(archllm_ctx_scratch(ctx, n * k * sizeof(float)));
    *wt = (archllm_view){ctx->scratch, 0};
    return archllm_op_transpose(ctx, *wt, n, w, ldw, n, k);
}

/* dw = alpha dy^T x + beta dw (db += alpha colsum(dy) unless db.buf is NULL), rows lddw, lddy, ldx apart */
static archllm_status bwd_dw(archllm_ctx_t *ctx, archllm_view dw, size_t lddw, archllm_view db, archllm_view dy,
                             size_t lddy, archllm_view x, size_t ldx, size_t M, size_t O, size_t I, float alpha,
                             float beta)
{
    OPS_CHECK_SIZE("linear_bwd_dw", dw.off + (O - 1) * lddw + I);
    OPS_CHECK_SIZE("linear_bwd_dw", dy.off + (M - 1) * lddy + O);
    OPS_CHECK_SIZE("linear_bwd_dw", x.off + (M - 1) * ldx + I);
    cl_kernel k;
    cl_mem dbb = db.buf ? db.buf : dw.buf;
    cl_uint wo = U(dw.off), bo = U(db.buf ? db.off : 0), on = U(db.buf != NULL), yo = U(dy.off), xo = U(x.off),
            mm = U(M), oo = U(O), ii = U(I), lw = U(lddw), ly = U(lddy), lx = U(ldx);
    ARCHLLM_TRY(archllm_kernel(ctx, "linear", "linear_bwd_dw", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dw.buf), ARG_UINT(wo), ARG_UINT(lw), ARG_MEM(dbb), ARG_UINT(bo),
                                    ARG_UINT(on), ARG_MEM(dy.buf), ARG_UINT(yo), ARG_UINT(ly), ARG_MEM(x.buf),
                                    ARG_UINT(xo), ARG_UINT(lx), ARG_UINT(mm), ARG_UINT(oo), ARG_UINT(ii),
                                    ARG_F32(alpha), ARG_F32(beta), ARG_END));
    return launch(ctx, k, tiles(ctx, O, I) + (db.buf ? (O + 15) / 16 : 0)); /* then the bias sums */
}

archllm_status archllm_op_linear_fwd(archllm_ctx_t *ctx, archllm_view y, archllm_view x, archllm_view w,
                                     archllm_view b, archllm_view pos, size_t npos, size_t M, size_t N, size_t K,
                                     int relu)
{
    archllm_view wt;
    ARCHLLM_TRY(scratch_t(ctx, w, K, N, K, &wt));
    archllm_view none = {NULL, 0};
    return nn(ctx, y, N, x, K, wt, N, b, pos, npos, M, K, N, relu, 1.0f, 0.0f, none);
}

archllm_status archllm_op_linear_bwd_dx(archllm_ctx_t *ctx, archllm_view dx, archllm_view dy, archllm_view w,
                                        size_t M, size_t O, size_t I, int accumulate, archllm_view relu_y)
{
    archllm_view none = {NULL, 0};
    return nn(ctx, dx, I, dy, O, w, I, none, none, 0, M, O, I, 0, 1.0f, accumulate ? 1.0f : 0.0f, relu_y);
}

/* dw = alpha dy^T x + beta dw (db += alpha colsum(dy) unless db.buf is NULL), rows lddw, lddy,
 * ldx apart, by tuning.linear_dw: linear_bwd_dw's pass over dy's columns, or dy transposed
 * into the scratch and linear_nn on its rows (its K, the batch's rows, in chunks), the bias
 * sums then by linear_bwd_dw's bias items alone (no inputs).  Which is faster depends on the
 * tile (a VQ-VAE step on a 2-core Xeon: transposed 5-10% ahead at 4x2, 11% behind at 6x4). */
static archllm_status dw_path(archllm_ctx_t *ctx, archllm_view dw, size_t lddw, archllm_view db, archllm_view dy,
                              size_t lddy, archllm_view x, size_t ldx, size_t M, size_t O, size_t I, float alpha,
                              float beta)
{
    if (!ctx->tuning.linear_dw || !M) return bwd_dw(ctx, dw, lddw, db, dy, lddy, x, ldx, M, O, I, alpha, beta);
    archllm_view dyt, none = {NULL, 0};
    ARCHLLM_TRY(scratch_t(ctx, dy, lddy, M, O, &dyt)); /* (O, M) */
    ARCHLLM_TRY(nn(ctx, dw, lddw, dyt, M, x, ldx, none, none, 0, O, M, I, 0, alpha, beta, none));
    return db.buf ? bwd_dw(ctx, dw, lddw, db, dy, lddy, x, ldx, M, O, 0, alpha, 1.0f) : ARCHLLM_OK;
}

archllm_status archllm_op_linear_bwd_dw(archllm_ctx_t *ctx, archllm_view dw, archllm_view db, archllm_view dy,
                                        archllm_view x, size_t M, size_t O, size_t I)
{
    return dw_path(ctx, dw, I, db, dy, O, x, I, M, O, I, 1.0f, 1.0f);
}

/* ---- small GEMMs ---------------------------------------------------------------- */

static archllm_status transpose(archllm_ctx_t *ctx, archllm_view out, size_t ldout, archllm_view in, size_t ldin,
                                size_t R, size_t C, archllm_view scale)
{
    if (!R || !C) return ARCHLLM_OK;
    OPS_CHECK_SIZE("transpose", in.off + (R - 1) * ldin + C);
    OPS_CHECK_SIZE("transpose", out.off + (C - 1) * ldout + R);
    cl_kernel k;
    cl_mem    sb = scale.buf ? scale.buf : in.buf; /* any valid buffer when unused */
    cl_uint oo = U(out.off), lo = U(ldout), io = U(in.off), li = U(ldin), rr = U(R), cc = U(C),
            so = U(scale.buf ? scale.off : 0), son = U(scale.buf != NULL);
    ARCHLLM_TRY(archllm_kernel(ctx, "linear", "transpose", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_UINT(lo), ARG_MEM(in.buf), ARG_UINT(io),
                                    ARG_UINT(li), ARG_UINT(rr), ARG_UINT(cc), ARG_MEM(sb), ARG_UINT(so),
                                    ARG_UINT(son), ARG_END));
    return archllm_launch_1d(ctx, k, ((R + 15) / 16) * C, 0);
}

archllm_status archllm_op_transpose(archllm_ctx_t *ctx, archllm_view out, size_t ldout, archllm_view in, size_t ldin,
                                    size_t R, size_t C)
{
    return transpose(ctx, out, ldout, in, ldin, R, C, (archllm_view){NULL, 0});
}

archllm_status archllm_op_transpose_scaled(archllm_ctx_t *ctx, archllm_view out, size_t ldout, archllm_view in,
                                           size_t ldin, size_t R, size_t C, archllm_view scale)
{
    return transpose(ctx, out, ldout, in, ldin, R, C, scale);
}

archllm_status archllm_op_matmul_own(archllm_ctx_t *ctx, int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                                     archllm_view a, size_t lda, archllm_view b, size_t ldb, float beta,
                                     archllm_view c, size_t ldc)
{
    if (!m || !n) return ARCHLLM_OK;
    archllm_view none = {NULL, 0}, bt;
    if (!ta && tb) { /* A B^T as A (B^T): B (n, k) transposed, then the NN kernel */
        ARCHLLM_TRY(scratch_t(ctx, b, ldb, n, k, &bt));
        return nn(ctx, c, ldc, a, lda, bt, n, none, none, 0, m, k, n, 0, alpha, beta, none);
    }
    if (!ta && !tb) return nn(ctx, c, ldc, a, lda, b, ldb, none, none, 0, m, k, n, 0, alpha, beta, none);
    if (ta && !tb) return dw_path(ctx, c, ldc, none, a, lda, b, ldb, k, m, n, alpha, beta);
    return archllm_fail(ARCHLLM_EINVAL, "matmul: A^T B^T has no cl/linear.cl kernel");
}

int archllm_op_matmul_is_own(const archllm_ctx_t *ctx, int ta, int tb, size_t m, size_t n, size_t k)
{
    /* and every operand's elements within the kernels' 32-bit offsets (CLBlast takes the rest) */
    double lim = 4294967295.0, a = (double)m * k, b = (double)k * n, c = (double)m * n;
    return !(ta && tb) && k > 0 && (double)m * (double)n * (double)k <= ctx->tuning.matmul_max && a <= lim &&
           b <= lim && c <= lim;
}

archllm_status archllm_op_matmul(archllm_ctx_t *ctx, int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                                 archllm_view a, size_t lda, archllm_view b, size_t ldb, float beta, archllm_view c,
                                 size_t ldc)
{
    if (archllm_op_matmul_is_own(ctx, ta, tb, m, n, k))
        return archllm_op_matmul_own(ctx, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return archllm_sgemm(ctx, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

archllm_status archllm_op_matmul_rms(archllm_ctx_t *ctx, size_t m, size_t n, size_t k, float alpha, archllm_view x,
                                     size_t ldx, float eps, archllm_view w, size_t ldw, int epi, float beta,
                                     archllm_view y, size_t ldy)
{
    if (!m || !n) return ARCHLLM_OK;
    if (!k || epi < ARCHLLM_EPI_NONE || epi > ARCHLLM_EPI_GATED_GELU)
        return archllm_fail(ARCHLLM_EINVAL, "matmul_rms: %zu inputs, epilogue %d", k, epi);
    size_t cols = epi == ARCHLLM_EPI_GATED_GELU ? 2 * n : n;
    OPS_CHECK_SIZE("linear_nn_rms", y.off + (m - 1) * ldy + n);
    OPS_CHECK_SIZE("linear_nn_rms", x.off + (m - 1) * ldx + k);
    OPS_CHECK_SIZE("linear_nn_rms", w.off + (k - 1) * ldw + cols);
    cl_kernel kn;
    cl_uint yo = U(y.off), ly = U(ldy), xo = U(x.off), lx = U(ldx), wo = U(w.off), lw = U(ldw), mm = U(m), kk = U(k),
            nn_ = U(n), ep = U(epi);
    ARCHLLM_TRY(archllm_kernel(ctx, "linear", "linear_nn_rms", &kn));
    ARCHLLM_TRY(archllm_kernel_args(kn, ARG_MEM(y.buf), ARG_UINT(yo), ARG_UINT(ly), ARG_MEM(x.buf), ARG_UINT(xo),
                                    ARG_UINT(lx), ARG_MEM(w.buf), ARG_UINT(wo), ARG_UINT(lw), ARG_UINT(mm),
                                    ARG_UINT(kk), ARG_UINT(nn_), ARG_F32(eps), ARG_UINT(ep), ARG_F32(alpha),
                                    ARG_F32(beta), ARG_END));
    /* the gated GELU's tiles span half their columns in each half of w */
    return launch(ctx, kn, tiles(ctx, m, epi == ARCHLLM_EPI_GATED_GELU ? 2 * n : n));
}
