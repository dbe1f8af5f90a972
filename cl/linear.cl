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

/* An item's tile (tunables, src/backend/tuning.c): LIN_ROWS rows by LIN_BLOCKS blocks of
 * LIN_COLS columns (16, 8 or 4: float16 is AVX-512 wide on PoCL).  Each output element is the
 * same chain of FMAs whatever the tile, so the choice changes speed only.  The default 4 x 2
 * x 16 is 8 FMA chains (4 keep an AVX-512 core's FMA units half idle, 1.5x measured); larger
 * tiles need fewer loads an FMA where the registers hold them. */
#ifndef LIN_COLS
#define LIN_COLS 16
#endif
#ifndef LIN_ROWS
#define LIN_ROWS 4
#endif
#ifndef LIN_BLOCKS
#define LIN_BLOCKS 2
#endif
#define LIN_CAT_(a, b) a##b
#define LIN_CAT(a, b)  LIN_CAT_(a, b)
#define floatC  LIN_CAT(float, LIN_COLS)
#define vloadC  LIN_CAT(vload, LIN_COLS)
#define vstoreC LIN_CAT(vstore, LIN_COLS)
#define LIN_SPAN (LIN_BLOCKS * LIN_COLS)

/* X-macros over the tile, so that every (row r, block b) is a named accumulator a<r>_<b>:
 * indexed accumulator arrays spill on PoCL (3x slower measured).  LIN_FOR_PAIRS pairs block b
 * with b + LIN_BLOCKS / 2 (the gated GELU's value and gate columns). */
#if LIN_ROWS == 1
#define LIN_FOR_ROWS(X) X(0)
#elif LIN_ROWS == 2
#define LIN_FOR_ROWS(X) X(0) X(1)
#elif LIN_ROWS == 4
#define LIN_FOR_ROWS(X) X(0) X(1) X(2) X(3)
#elif LIN_ROWS == 6
#define LIN_FOR_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#elif LIN_ROWS == 8
#define LIN_FOR_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#else
#error "LIN_ROWS must be 1, 2, 4, 6 or 8"
#endif
#if LIN_BLOCKS == 2
#define LIN_FOR_BLOCKS(X, r) X(r, 0) X(r, 1)
#define LIN_FOR_PAIRS(X, r)  X(r, 0, 1)
#elif LIN_BLOCKS == 4
#define LIN_FOR_BLOCKS(X, r) X(r, 0) X(r, 1) X(r, 2) X(r, 3)
#define LIN_FOR_PAIRS(X, r)  X(r, 0, 2) X(r, 1, 3)
#else
#error "LIN_BLOCKS must be 2 or 4"
#endif

/* The product loop of all three kernels: a<r>_<b> = sum_k xr[r][k xs] w[k ldw + boff[b] ..
 * + LIN_COLS], over the rows xr[0 .. LIN_ROWS - 1] (K floats each, xs apart: 1 for rows of
 * x, a row stride for columns of dy) and the blocks' first columns boff[b] in w's rows. */
#define LIN_ACC_DECL(r, b) floatC a##r##_##b = 0;
#define LIN_ROW_DECL(r)    LIN_FOR_BLOCKS(LIN_ACC_DECL, r)
#define LIN_W_LOAD(r, b)   floatC w##b = vloadC(0, wk_ + boff[b]);
#define LIN_FMA(r, b)      a##r##_##b = fma(s_, w##b, a##r##_##b);
#define LIN_ROW_FMA(r)                                   \
    {                                                    \
        floatC s_ = (floatC)(xr[r][k_ * xs_]);           \
        LIN_FOR_BLOCKS(LIN_FMA, r)                       \
    }
#define LIN_TILE(xs, wb, ldw, K)                         \
    LIN_FOR_ROWS(LIN_ROW_DECL)                           \
    do {                                                 \
        const uint xs_ = (xs);                           \
        for (uint k_ = 0; k_ < (K); k_++) {              \
            __global const float *wk_ = (wb) + k_ * (ldw); \
            LIN_FOR_BLOCKS(LIN_W_LOAD, 0)                \
            LIN_FOR_ROWS(LIN_ROW_FMA)                    \
        }                                                \
    } while (0)

/* LIN_TILE with the rows side by side in one array, xc[r + k xs] (dy's columns): one
 * pointer for all rows, which keeps the loop's registers for the accumulators */
#define LIN_ROW_FMA_C(r)                                 \
    {                                                    \
        floatC s_ = (floatC)(xk_[r]);                    \
        LIN_FOR_BLOCKS(LIN_FMA, r)                       \
    }
#define LIN_TILE_C(xc, xs, wb, ldw, K)                   \
    LIN_FOR_ROWS(LIN_ROW_DECL)                           \
    do {                                                 \
        const uint xs_ = (xs);                           \
        for (uint k_ = 0; k_ < (K); k_++) {              \
            __global const float *wk_ = (wb) + k_ * (ldw); \
            __global const float *xk_ = (xc) + k_ * xs_; \
            LIN_FOR_BLOCKS(LIN_W_LOAD, 0)                \
            LIN_FOR_ROWS(LIN_ROW_FMA_C)                  \
        }                                                \
    } while (0)

/* The same over one block of LIN_COLS columns from n (a tile's right edge): e<r> */
#define LIN_ACC1_DECL(r) floatC e##r = 0;
#define LIN_FMA1(r)      e##r = fma((floatC)(xr[r][k_ * xs_]), wv_, e##r);
#define LIN_TILE1(xs, wb, ldw, K, n)                       \
    LIN_FOR_ROWS(LIN_ACC1_DECL)                            \
    do {                                                   \
        const uint xs_ = (xs);                             \
        for (uint k_ = 0; k_ < (K); k_++) {                \
            floatC wv_ = vloadC(0, (wb) + k_ * (ldw) + (n)); \
            LIN_FOR_ROWS(LIN_FMA1)                         \
        }                                                  \
    } while (0)

/* and over one column (the last ones): x . w[:, 0] */
inline float lin_dot1(__global const float *x, uint xs, __global const float *w, uint ldw, uint K)
{
    float s = 0.0f;
    for (uint k = 0; k < K; k++) s = fma(x[k * xs], w[k * ldw], s);
    return s;
}

/* the epilogue of linear_nn for LIN_COLS columns from n0 of row m: act(alpha acc + bias +
 * pos + beta y), masked by mk */
#define LIN_NN_STORE(acc, m, n0)                                                            \
    do {                                                                                    \
        __global float *p_ = y + y_off + (m) * ldy + (n0);                                  \
        floatC v_ = alpha * (acc) + (b_on ? vloadC(0, b + b_off + (n0)) : (floatC)(0.0f));  \
        if (npos) v_ += vloadC(0, pos + pos_off + ((m) % npos) * N + (n0));                 \
        if (beta != 0.0f) v_ += beta * vloadC(0, p_);                                       \
        if (mk_on) {                                                                        \
            floatC k_ = vloadC(0, mk + mk_off + (m) * ldy + (n0));                          \
            v_ = select((floatC)(0.0f), v_, isgreater(k_, (floatC)(0.0f)));                 \
        }                                                                                   \
        vstoreC(relu ? fmax(v_, 0.0f) : v_, 0, p_);                                         \
    } while (0);
#define LIN_NN_ST(r, b)  LIN_NN_STORE(a##r##_##b, m0 + r, boff[b])
#define LIN_NN_ROW(r)    if (m0 + r < M) { LIN_FOR_BLOCKS(LIN_NN_ST, r) }
#define LIN_NN_EDGE(r)   if (m0 + r < M) LIN_NN_STORE(e##r, m0 + r, nb)

/* y(M, N) = act(alpha x(M, K) w(K, N) + pos[m % npos] + b + beta y), rows ldy, ldx, ldw
 * apart: one item per tile (LIN_TILE), then LIN_COLS blocks and single columns at the right
 * edge.  The forward of a layer (w = W^T, transposed by the launcher), dx = dy W, and the
 * NN and NT products of archllm_op_matmul all run here.  pos may be unused (npos = 0), b
 * too (b_on = 0); y is not read when beta is 0.  mk_on: then 0 wherever mk (laid out as
 * y) is not above 0, a ReLU's gradient through its output folded into dx's epilogue (the
 * mask on the last chunk only, as the other epilogue terms).  The items of a row block
 * follow each other (they share its rows of x), or with cmajor those of a column block
 * (they share its rows of w: the launcher's order for a chunk of a long K). */
__kernel void linear_nn(__global float *y, uint y_off, uint ldy, __global const float *x, uint x_off, uint ldx,
                        __global const float *w, uint w_off, uint ldw, __global const float *b, uint b_off, uint b_on,
                        __global const float *pos, uint pos_off, uint npos, uint M, uint K, uint N, uint relu,
                        float alpha, float beta, uint cmajor, __global const float *mk, uint mk_off, uint mk_on)
{
    uint i = get_global_id(0), nbk = (N + LIN_SPAN - 1) / LIN_SPAN, mbk = (M + LIN_ROWS - 1) / LIN_ROWS;
    GUARD(i, mbk * nbk);
    uint m0 = (cmajor ? i % mbk : i / nbk) * LIN_ROWS, n0 = (cmajor ? i / mbk : i % nbk) * LIN_SPAN, nb = n0;
    __global const float *xr[LIN_ROWS], *wb = w + w_off;
    for (uint r = 0; r < LIN_ROWS; r++) xr[r] = x + x_off + min(m0 + r, M - 1) * ldx;
    if (n0 + LIN_SPAN <= N) {
        uint boff[LIN_BLOCKS];
        for (uint k = 0; k < LIN_BLOCKS; k++) boff[k] = n0 + k * LIN_COLS;
        LIN_TILE(1, wb, ldw, K);
        LIN_FOR_ROWS(LIN_NN_ROW)
        return;
    }
    for (; nb + LIN_COLS <= N; nb += LIN_COLS) { /* the edge: blocks of LIN_COLS */
        LIN_TILE1(1, wb, ldw, K, nb);
        LIN_FOR_ROWS(LIN_NN_EDGE)
    }
    for (uint r = 0; r < LIN_ROWS && m0 + r < M; r++) /* then single columns */
        for (uint c = nb; c < N; c++) {
            uint  m = m0 + r;
            float v = alpha * lin_dot1(xr[r], 1, wb + c, ldw, K);
            if (npos) v += pos[pos_off + (m % npos) * N + c];
            if (b_on) v += b[b_off + c];
            __global float *p = y + y_off + m * ldy + c;
            if (beta != 0.0f) v += beta * *p;
            if (mk_on && !(mk[mk_off + m * ldy + c] > 0.0f)) v = 0.0f;
            *p = relu ? fmax(v, 0.0f) : v;
        }
}

/* the epilogue of linear_bwd_dw for LIN_COLS inputs from i0 of output o: alpha acc + beta dw */
#define LIN_DW_STORE(acc, o, i0)                                       \
    do {                                                               \
        __global float *p_ = dw + dw_off + (o) * lddw + (i0);          \
        floatC          v_ = alpha * (acc);                            \
        vstoreC(beta != 0.0f ? v_ + beta * vloadC(0, p_) : v_, 0, p_); \
    } while (0);
#define LIN_DW_ST(r, b) LIN_DW_STORE(a##r##_##b, o0 + r, boff[b])
#define LIN_DW_ROW(r)   if (o0 + r < O) { LIN_FOR_BLOCKS(LIN_DW_ST, r) }
#define LIN_DW_EDGE(r)  if (o0 + r < O) LIN_DW_STORE(e##r, o0 + r, ib)

/* dw(O, I) = alpha dy(M, O)^T x(M, I) + beta dw, rows lddw, lddy, ldx apart (dw not read
 * when beta is 0), and, when db_on, db(O) += alpha times the column sums of dy.  linear_nn's
 * tile with dy's columns as its rows (the M products of each output in one chain); the items
 * of one input block follow each other, so they share its rows of x in the cache.  After
 * the tiles, 16 outputs' bias sums an item (in the tiles' first items they serialized 4
 * dependent adds a row: a third of the kernel's time). */
__kernel void linear_bwd_dw(__global float *dw, uint dw_off, uint lddw, __global float *db, uint db_off,
                            uint db_on, __global const float *dy, uint dy_off, uint lddy, __global const float *x,
                            uint x_off, uint ldx, uint M, uint O, uint I, float alpha, float beta)
{
    uint i = get_global_id(0), obk = (O + LIN_ROWS - 1) / LIN_ROWS, tiles = obk * ((I + LIN_SPAN - 1) / LIN_SPAN);
    GUARD(i, tiles + (db_on ? (O + 15) / 16 : 0));
    __global const float *g = dy + dy_off;
    if (i >= tiles) { /* bias sums: two chains of float16 */
        uint o = (i - tiles) * 16, m = 0;
        if (o + 16 <= O) {
            float16 s0 = 0.0f, s1 = 0.0f;
            for (; m + 2 <= M; m += 2) {
                s0 += vload16(0, g + m * lddy + o);
                s1 += vload16(0, g + (m + 1) * lddy + o);
            }
            if (m < M) s0 += vload16(0, g + m * lddy + o);
            vstore16(vload16(0, db + db_off + o) + alpha * (s0 + s1), 0, db + db_off + o);
        } else
            for (; o < O; o++) {
                float s = 0.0f;
                for (m = 0; m < M; m++) s += g[m * lddy + o];
                db[db_off + o] += alpha * s;
            }
        return;
    }
    uint o0 = (i % obk) * LIN_ROWS, i0 = (i / obk) * LIN_SPAN, ib = i0;
    __global const float *xr[LIN_ROWS], *xb = x + x_off;
    for (uint r = 0; r < LIN_ROWS; r++) xr[r] = g + min(o0 + r, O - 1);
    if (i0 + LIN_SPAN <= I) {
        uint boff[LIN_BLOCKS];
        for (uint k = 0; k < LIN_BLOCKS; k++) boff[k] = i0 + k * LIN_COLS;
        if (o0 + LIN_ROWS <= O) {
            LIN_TILE_C(g + o0, lddy, xb, ldx, M);
            LIN_FOR_ROWS(LIN_DW_ROW)
        } else {
            LIN_TILE(lddy, xb, ldx, M);
            LIN_FOR_ROWS(LIN_DW_ROW)
        }
        return;
    }
    for (; ib + LIN_COLS <= I; ib += LIN_COLS) { /* the edge: blocks of LIN_COLS */
        LIN_TILE1(lddy, xb, ldx, M, ib);
        LIN_FOR_ROWS(LIN_DW_EDGE)
    }
    for (uint r = 0; r < LIN_ROWS && o0 + r < O; r++) /* then single inputs */
        for (uint c = ib; c < I; c++) {
            float           s = alpha * lin_dot1(xr[r], lddy, xb + c, ldx, M);
            __global float *p = dw + dw_off + (o0 + r) * lddw + c;
            *p = beta != 0.0f ? s + beta * *p : s;
        }
}

/* out(C, R) = in(R, C)^T, rows ldout and ldin apart: a weight (out, in) as (in, out) rows,
 * so that x W^T runs on linear_nn's vectors along the output columns (1.6-3x the earlier
 * kernel's float16 dot products along K at the VQ-VAE's and T5's shapes, K = 64..128).
 * scale_on: out's row c times scale[c] (an RMS norm's weight folded into the product that
 * reads the norm, linear_nn_rms).  An item writes 16 floats of an out row (16 rows of in,
 * one column), the items of neighbouring columns after each other, so each line of in is
 * fetched once for its 16 columns (an element an item, down in's columns, fetched each
 * line 16 times: t5-small's output head, 15% of a training step). */
__kernel void transpose(__global float *out, uint out_off, uint ldout, __global const float *in, uint in_off,
                        uint ldin, uint R, uint C, __global const float *scale, uint scale_off, uint scale_on)
{
    uint i = get_global_id(0);
    GUARD(i, ((R + 15) / 16) * C);
    uint c = i % C, r0 = (i / C) * 16;
    float sc = scale_on ? scale[scale_off + c] : 1.0f;
    __global const float *p = in + in_off + r0 * ldin + c;
    __global float *q = out + out_off + c * ldout + r0;
    if (r0 + 16 <= R) {
        float16 v = (float16)(p[0], p[ldin], p[2 * ldin], p[3 * ldin], p[4 * ldin], p[5 * ldin], p[6 * ldin],
                              p[7 * ldin], p[8 * ldin], p[9 * ldin], p[10 * ldin], p[11 * ldin], p[12 * ldin],
                              p[13 * ldin], p[14 * ldin], p[15 * ldin]);
        vstore16(v * sc, 0, q);
    } else
        for (uint r = 0; r0 + r < R; r++) q[r] = p[r * ldin] * sc;
}

/* A product of RMS-normed rows for decoding: y(M, N) = epi(alpha rstd_m x_m w) + beta y with
 * rstd_m = 1/sqrt(mean_k x_m[k]^2 + eps): the T5's norm in the product that reads it, its
 * weight folded into w's rows by the caller (transpose's scale), so one launch and the
 * normed rows never stored.  epi 1: ReLU; epi 2: gated GELU over w's two halves,
 * y[:, n] = gelu(a_n) * a_{N+n} (w holds 2N columns), as gated_gelu_fwd after a (M, 2N)
 * product; else none.  The sums of squares are a float16 pass over an item's rows first;
 * then linear_nn's tile: its blocks side by side, or for the gated GELU the first half of
 * them at n0 and the second half at N + n0. */
#define LIN_RMS_STORE(v, m, n)                                         \
    do {                                                               \
        __global float *p_ = y + y_off + (m) * ldy + (n);              \
        floatC          v_ = epi == 1 ? fmax((v), 0.0f) : (v);         \
        vstoreC(beta != 0.0f ? v_ + beta * vloadC(0, p_) : v_, 0, p_); \
    } while (0);
#define LIN_RMS_ST(r, b) LIN_RMS_STORE(sc[r] * a##r##_##b, m0 + r, boff[b])
#define LIN_RMS_ROW(r)   if (m0 + r < M) { LIN_FOR_BLOCKS(LIN_RMS_ST, r) }
#define LIN_RMS_GATE(r, b, h)                                            \
    {                                                                    \
        floatC gv_ = sc[r] * a##r##_##b;                                 \
        LIN_RMS_STORE(gv_ * GELU_S(gv_) * (sc[r] * a##r##_##h), m0 + r, boff[b]) \
    }
#define LIN_RMS_GATED_ROW(r) if (m0 + r < M) { LIN_FOR_PAIRS(LIN_RMS_GATE, r) }
#define LIN_RMS_EDGE(r)      if (m0 + r < M) LIN_RMS_STORE(sc[r] * e##r, m0 + r, nb)

__kernel void linear_nn_rms(__global float *y, uint y_off, uint ldy, __global const float *x, uint x_off, uint ldx,
                            __global const float *w, uint w_off, uint ldw, uint M, uint K, uint N, float eps,
                            uint epi, float alpha, float beta)
{
    uint gated = epi == 2, span = gated ? LIN_SPAN / 2 : LIN_SPAN, nbk = (N + span - 1) / span;
    uint i = get_global_id(0);
    GUARD(i, ((M + LIN_ROWS - 1) / LIN_ROWS) * nbk);
    uint m0 = (i / nbk) * LIN_ROWS, n0 = (i % nbk) * span, nb = n0;
    __global const float *xr[LIN_ROWS], *wb = w + w_off;
    float sc[LIN_ROWS];
    for (uint r = 0; r < LIN_ROWS; r++) {
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
        uint boff[LIN_BLOCKS];
        for (uint k = 0; k < LIN_BLOCKS; k++)
            boff[k] = gated ? n0 + (k % (LIN_BLOCKS / 2)) * LIN_COLS + (k >= LIN_BLOCKS / 2 ? N : 0)
                            : n0 + k * LIN_COLS;
        LIN_TILE(1, wb, ldw, K);
        if (gated) {
            LIN_FOR_ROWS(LIN_RMS_GATED_ROW)
        } else {
            LIN_FOR_ROWS(LIN_RMS_ROW)
        }
        return;
    }
    if (!gated)
        for (; nb + LIN_COLS <= N; nb += LIN_COLS) { /* the edge: blocks of LIN_COLS */
            LIN_TILE1(1, wb, ldw, K, nb);
            LIN_FOR_ROWS(LIN_RMS_EDGE)
        }
    for (uint r = 0; r < LIN_ROWS && m0 + r < M; r++) /* then single columns */
        for (uint c = nb; c < N; c++) {
            float v = sc[r] * lin_dot1(xr[r], 1, wb + c, ldw, K);
            if (gated) v = v * GELU_S(v) * (sc[r] * lin_dot1(xr[r], 1, wb + N + c, ldw, K));
            if (epi == 1) v = fmax(v, 0.0f);
            __global float *p = y + y_off + (m0 + r) * ldy + c;
            *p = beta != 0.0f ? v + beta * *p : v;
        }
}
