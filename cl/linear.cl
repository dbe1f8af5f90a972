/* linear.cl - the VQ-VAE's linear layers without CLBlast: y = act(x W^T + pos + b) and
 * its two gradients, register-blocked with float16 vectors (AVX-512 wide on PoCL).
 * On PoCL 3.1, CLBlast runs these (B*N, 128) x (128, 128) shapes at 6 GFLOP/s
 * (XgemmDirect) or pays ~3 ms a call on its padded indirect path; these kernels need
 * no padding, fuse the bias, position embedding and ReLU, and sum bias gradients in
 * the weight-gradient pass.  W is PyTorch's (out, in) layout; the forward reads it
 * transposed (transpose below).  Row strides, alpha and beta make the two product kernels
 * the NN, NT (through the transpose) and TN products of a GEMM too, which is how the T5
 * runs its small projections (archllm_op_matmul, src/ops/linear.c).
 * References: src/ref/linear.c. */

/* Columns per work-item of both product kernels (a tunable, src/backend/tuning.c):
 * 16 (the default), 8 or 4.  Each output element is the same chain of FMAs whatever the
 * width, so the choice changes speed only. */
#ifndef LIN_COLS
#define LIN_COLS 16
#endif
#define LIN_CAT_(a, b) a##b
#define LIN_CAT(a, b)  LIN_CAT_(a, b)
#define floatC  LIN_CAT(float, LIN_COLS)
#define vloadC  LIN_CAT(vload, LIN_COLS)
#define vstoreC LIN_CAT(vstore, LIN_COLS)

/* The two product loops of linear_nn and linear_nn_rms over the 4 rows xr[0..3] (K floats
 * each) and w's rows (ldw apart): acc[r] gets x_r . w for the LIN_COLS columns at n0, and
 * with two blocks acd[r] those at n0 + off2 too (8 FMA chains: 4 keep an AVX-512 core's FMA
 * units half idle, 1.5x measured).  Named accumulators, so they stay in registers. */
#define LIN_DOT_2BLOCKS(acc, acd, xr, wb, ldw, K, n0, off2)                                            \
    floatC acc[4], acd[4];                                                                             \
    do {                                                                                               \
        floatC a0_ = 0, a1_ = 0, a2_ = 0, a3_ = 0, c0_ = 0, c1_ = 0, c2_ = 0, c3_ = 0;                 \
        for (uint k = 0; k < (K); k++) {                                                               \
            floatC wv = vloadC(0, (wb) + k * (ldw) + (n0)), uv = vloadC(0, (wb) + k * (ldw) + (n0) + (off2)); \
            floatC s0 = (floatC)(xr[0][k]), s1 = (floatC)(xr[1][k]);                                   \
            floatC s2 = (floatC)(xr[2][k]), s3 = (floatC)(xr[3][k]);                                   \
            a0_ = fma(s0, wv, a0_), c0_ = fma(s0, uv, c0_);                                            \
            a1_ = fma(s1, wv, a1_), c1_ = fma(s1, uv, c1_);                                            \
            a2_ = fma(s2, wv, a2_), c2_ = fma(s2, uv, c2_);                                            \
            a3_ = fma(s3, wv, a3_), c3_ = fma(s3, uv, c3_);                                            \
        }                                                                                              \
        acc[0] = a0_, acc[1] = a1_, acc[2] = a2_, acc[3] = a3_;                                        \
        acd[0] = c0_, acd[1] = c1_, acd[2] = c2_, acd[3] = c3_;                                        \
    } while (0)

#define LIN_DOT_BLOCK(acc, xr, wb, ldw, K, n0)                                                         \
    floatC acc[4];                                                                                     \
    do {                                                                                               \
        floatC a0_ = 0, a1_ = 0, a2_ = 0, a3_ = 0;                                                     \
        for (uint k = 0; k < (K); k++) {                                                               \
            floatC wv = vloadC(0, (wb) + k * (ldw) + (n0));                                            \
            a0_ = fma((floatC)(xr[0][k]), wv, a0_);                                                    \
            a1_ = fma((floatC)(xr[1][k]), wv, a1_);                                                    \
            a2_ = fma((floatC)(xr[2][k]), wv, a2_);                                                    \
            a3_ = fma((floatC)(xr[3][k]), wv, a3_);                                                    \
        }                                                                                              \
        acc[0] = a0_, acc[1] = a1_, acc[2] = a2_, acc[3] = a3_;                                        \
    } while (0)

/* the epilogue of linear_nn for LIN_COLS columns from n0 of row m: act(alpha acc + bias +
 * pos + beta y) */
#define LIN_NN_STORE(acc, m, n0)                                                            \
    do {                                                                                    \
        __global float *p_ = y + y_off + (m) * ldy + (n0);                                  \
        floatC v_ = alpha * (acc) + (b_on ? vloadC(0, b + b_off + (n0)) : (floatC)(0.0f));  \
        if (npos) v_ += vloadC(0, pos + pos_off + ((m) % npos) * N + (n0));                 \
        if (beta != 0.0f) v_ += beta * vloadC(0, p_);                                       \
        vstoreC(relu ? fmax(v_, 0.0f) : v_, 0, p_);                                         \
    } while (0)

/* y(M, N) = act(alpha x(M, K) w(K, N) + pos[m % npos] + b + beta y), rows ldy, ldx, ldw
 * apart: one item per 4 rows x 2 LIN_COLS columns (LIN_DOT_2BLOCKS), then a LIN_COLS block
 * and single columns at the right edge.  The forward of a layer (w = W^T,
 * transposed by the launcher), dx = dy W, and the NN and NT products of archllm_op_matmul
 * all run here.  pos may be unused (npos = 0), b too (b_on = 0); y is not read when beta
 * is 0. */
__kernel void linear_nn(__global float *y, uint y_off, uint ldy, __global const float *x, uint x_off, uint ldx,
                        __global const float *w, uint w_off, uint ldw, __global const float *b, uint b_off, uint b_on,
                        __global const float *pos, uint pos_off, uint npos, uint M, uint K, uint N, uint relu,
                        float alpha, float beta)
{
    uint i = get_global_id(0), nbk = (N + 2 * LIN_COLS - 1) / (2 * LIN_COLS);
    GUARD(i, ((M + 3) / 4) * nbk);
    uint m0 = (i / nbk) * 4, n0 = (i % nbk) * 2 * LIN_COLS, done = n0;
    __global const float *xr[4], *wb = w + w_off;
    for (uint r = 0; r < 4; r++) xr[r] = x + x_off + min(m0 + r, M - 1) * ldx;
    if (n0 + 2 * LIN_COLS <= N) {
        LIN_DOT_2BLOCKS(acc, acd, xr, wb, ldw, K, n0, LIN_COLS);
        for (uint r = 0; r < 4 && m0 + r < M; r++) {
            LIN_NN_STORE(acc[r], m0 + r, n0);
            LIN_NN_STORE(acd[r], m0 + r, n0 + LIN_COLS);
        }
        return;
    }
    if (n0 + LIN_COLS <= N) { /* the edge: one block of LIN_COLS */
        LIN_DOT_BLOCK(acc, xr, wb, ldw, K, n0);
        for (uint r = 0; r < 4 && m0 + r < M; r++) LIN_NN_STORE(acc[r], m0 + r, n0);
        done = n0 + LIN_COLS;
    }
    for (uint r = 0; r < 4 && m0 + r < M; r++) /* then single columns */
        for (uint c = done; c < N; c++) {
            uint  m = m0 + r;
            float s = 0.0f;
            for (uint k = 0; k < K; k++) s = fma(xr[r][k], wb[k * ldw + c], s);
            float v = alpha * s;
            if (npos) v += pos[pos_off + (m % npos) * N + c];
            if (b_on) v += b[b_off + c];
            __global float *p = y + y_off + m * ldy + c;
            if (beta != 0.0f) v += beta * *p;
            *p = relu ? fmax(v, 0.0f) : v;
        }
}

/* dw(O, I) = alpha dy(M, O)^T x(M, I) + beta dw, rows lddw, lddy, ldx apart (dw not read
 * when beta is 0), and, when db_on, db(O) += alpha times the column sums of dy (by the
 * items of the first column block); one item per 8 outputs x LIN_COLS inputs, so each x row
 * read serves 8 FMA chains. */
__kernel void linear_bwd_dw(__global float *dw, uint dw_off, uint lddw, __global float *db, uint db_off,
                            uint db_on, __global const float *dy, uint dy_off, uint lddy, __global const float *x,
                            uint x_off, uint ldx, uint M, uint O, uint I, float alpha, float beta)
{
    uint i = get_global_id(0), ibk = (I + LIN_COLS - 1) / LIN_COLS;
    GUARD(i, ((O + 7) / 8) * ibk);
    uint o0 = (i / ibk) * 8, i0 = (i % ibk) * LIN_COLS;
    __global const float *g = dy + dy_off;
    __global const float *xb = x + x_off;
    float bsum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    if (i0 + LIN_COLS <= I && o0 + 8 <= O) { /* full block: the 8 dy values as one float8 */
        floatC a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (uint m = 0; m < M; m++) { /* dy broadcast straight from memory, not from a vector */
            floatC xv = vloadC(0, xb + m * ldx + i0);
            __global const float *gr = g + m * lddy + o0;
            a0 = fma((floatC)(gr[0]), xv, a0);
            a1 = fma((floatC)(gr[1]), xv, a1);
            a2 = fma((floatC)(gr[2]), xv, a2);
            a3 = fma((floatC)(gr[3]), xv, a3);
            a4 = fma((floatC)(gr[4]), xv, a4);
            a5 = fma((floatC)(gr[5]), xv, a5);
            a6 = fma((floatC)(gr[6]), xv, a6);
            a7 = fma((floatC)(gr[7]), xv, a7);
        }
        if (db_on && i0 == 0) {
            float8 bs = 0;
            for (uint m = 0; m < M; m++) bs += vload8(0, g + m * lddy + o0);
            vstore8(bs, 0, bsum);
        }
        floatC acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
        for (uint r = 0; r < 8; r++) {
            __global float *p = dw + dw_off + (o0 + r) * lddw + i0;
            floatC v = alpha * acc[r];
            vstoreC(beta != 0.0f ? v + beta * vloadC(0, p) : v, 0, p);
        }
    } else { /* the edges: an output at a time */
        for (uint r = 0; r < 8 && o0 + r < O; r++) {
            uint o = o0 + r;
            if (i0 + LIN_COLS <= I) {
                floatC a = 0;
                for (uint m = 0; m < M; m++) a = fma((floatC)(g[m * lddy + o]), vloadC(0, xb + m * ldx + i0), a);
                __global float *p = dw + dw_off + o * lddw + i0;
                floatC v = alpha * a;
                vstoreC(beta != 0.0f ? v + beta * vloadC(0, p) : v, 0, p);
            } else {
                for (uint c = i0; c < I; c++) {
                    float sm = 0.0f;
                    for (uint m = 0; m < M; m++) sm = fma(g[m * lddy + o], xb[m * ldx + c], sm);
                    __global float *p = dw + dw_off + o * lddw + c;
                    *p = beta != 0.0f ? alpha * sm + beta * *p : alpha * sm;
                }
            }
            if (db_on && i0 == 0)
                for (uint m = 0; m < M; m++) bsum[r] += g[m * lddy + o];
        }
    }
    if (db_on && i0 == 0)
        for (uint r = 0; r < 8 && o0 + r < O; r++) db[db_off + o0 + r] += alpha * bsum[r];
}

/* out(C, R) = in(R, C)^T, rows ldout and ldin apart: a weight (out, in) as (in, out) rows,
 * so that x W^T runs on linear_nn's vectors along the output columns (1.6-3x the earlier
 * kernel's float16 dot products along K at the VQ-VAE's and T5's shapes, K = 64..128).
 * scale_on: out's row c times scale[c] (an RMS norm's weight folded into the product that
 * reads the norm, linear_nn_rms). */
__kernel void transpose(__global float *out, uint out_off, uint ldout, __global const float *in, uint in_off,
                        uint ldin, uint R, uint C, __global const float *scale, uint scale_off, uint scale_on)
{
    uint i = get_global_id(0);
    GUARD(i, R * C);
    uint  r = i % R, c = i / R;
    float v = in[in_off + r * ldin + c];
    out[out_off + c * ldout + r] = scale_on ? v * scale[scale_off + c] : v;
}

/* A product of RMS-normed rows for decoding: y(M, N) = epi(alpha rstd_m x_m w) + beta y with
 * rstd_m = 1/sqrt(mean_k x_m[k]^2 + eps): the T5's norm in the product that reads it, its
 * weight folded into w's rows by the caller (transpose's scale), so one launch and the
 * normed rows never stored.  epi 1: ReLU; epi 2: gated GELU over w's two halves,
 * y[:, n] = gelu(a_n) * a_{N+n} (w holds 2N columns), as gated_gelu_fwd after a (M, 2N)
 * product; else none.  The sums of squares are a float16 pass over an item's 4 rows first;
 * then linear_nn's loops: columns n0 and n0 + LIN_COLS, or for the gated GELU column n0 of
 * both halves. */
#define LIN_RMS_STORE(v, m, n)                                       \
    do {                                                             \
        __global float *p_ = y + y_off + (m) * ldy + (n);            \
        floatC          v_ = epi == 1 ? fmax((v), 0.0f) : (v);       \
        vstoreC(beta != 0.0f ? v_ + beta * vloadC(0, p_) : v_, 0, p_); \
    } while (0)

__kernel void linear_nn_rms(__global float *y, uint y_off, uint ldy, __global const float *x, uint x_off, uint ldx,
                            __global const float *w, uint w_off, uint ldw, uint M, uint K, uint N, float eps,
                            uint epi, float alpha, float beta)
{
    uint gated = epi == 2, span = gated ? LIN_COLS : 2 * LIN_COLS, nbk = (N + span - 1) / span;
    uint i = get_global_id(0);
    GUARD(i, ((M + 3) / 4) * nbk);
    uint m0 = (i / nbk) * 4, n0 = (i % nbk) * span, off2 = gated ? N : LIN_COLS, done = n0;
    __global const float *xr[4], *wb = w + w_off;
    float sc[4];
    for (uint r = 0; r < 4; r++) {
        xr[r] = x + x_off + min(m0 + r, M - 1) * ldx;
        float16 q = 0.0f;
        uint    k = 0;
        for (; k + 16 <= K; k += 16) {
            float16 v = vload16(0, xr[r] + k);
            q = fma(v, v, q);
        }
        float ss = hsum16(q);
        for (; k < K; k++) ss = fma(xr[r][k], xr[r][k], ss);
        sc[r] = alpha * rsqrt(ss / (float)K + eps);
    }
    if (n0 + span <= N) {
        LIN_DOT_2BLOCKS(acc, acd, xr, wb, ldw, K, n0, off2);
        for (uint r = 0; r < 4 && m0 + r < M; r++) {
            floatC v = sc[r] * acc[r], u = sc[r] * acd[r];
            if (gated) {
                LIN_RMS_STORE(v * GELU_S(v) * u, m0 + r, n0);
            } else {
                LIN_RMS_STORE(v, m0 + r, n0);
                LIN_RMS_STORE(u, m0 + r, n0 + LIN_COLS);
            }
        }
        return;
    }
    if (!gated && n0 + LIN_COLS <= N) { /* the edge: one block of LIN_COLS */
        LIN_DOT_BLOCK(acc, xr, wb, ldw, K, n0);
        for (uint r = 0; r < 4 && m0 + r < M; r++) LIN_RMS_STORE(sc[r] * acc[r], m0 + r, n0);
        done = n0 + LIN_COLS;
    }
    for (uint r = 0; r < 4 && m0 + r < M; r++) /* then single columns */
        for (uint c = done; c < N; c++) {
            float a = 0.0f, b = 0.0f;
            for (uint k = 0; k < K; k++) {
                a = fma(xr[r][k], wb[k * ldw + c], a);
                if (gated) b = fma(xr[r][k], wb[k * ldw + N + c], b);
            }
            float v = sc[r] * a;
            if (gated) v = v * GELU_S(v) * (sc[r] * b);
            if (epi == 1) v = fmax(v, 0.0f);
            __global float *p = y + y_off + (m0 + r) * ldy + c;
            *p = beta != 0.0f ? v + beta * *p : v;
        }
}
