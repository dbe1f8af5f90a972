/* linear.cl - the VQ-VAE's linear layers without CLBlast: y = act(x W^T + pos + b) and
 * its two gradients, register-blocked with float16 vectors (AVX-512 wide on PoCL).
 * On PoCL 3.1, CLBlast runs these (B*N, 128) x (128, 128) shapes at 6 GFLOP/s
 * (XgemmDirect) or pays ~3 ms a call on its padded indirect path; these kernels need
 * no padding, fuse the bias, position embedding and ReLU, and sum bias gradients in
 * the weight-gradient pass.  W is PyTorch's (out, in) layout.  Row strides, alpha and
 * beta make the three kernels the NT, NN and TN products of a GEMM too, which is how the
 * T5 runs its small projections (archllm_op_matmul, src/ops/linear.c).
 * References: src/ref/linear.c. */

#define LIN_R 4 /* rows of a block */

/* Columns per work-item of the two backward kernels (a tunable, src/backend/tuning.c):
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

static float hsum16(float16 v)
{
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    float2 c = b.lo + b.hi;
    return c.x + c.y;
}

/* y(M, N) = act(alpha x(M, K) w(N, K)^T + pos[m % npos] + b + beta y), rows ldy, ldx, ldw
 * apart; one item per 4x4 block, products as float16 dot products along K.  pos may be
 * unused (npos = 0), b too (b_on = 0); y is not read when beta is 0. */
__kernel void linear_fwd(__global float *y, uint y_off, uint ldy, __global const float *x, uint x_off, uint ldx,
                         __global const float *w, uint w_off, uint ldw, __global const float *b, uint b_off,
                         uint b_on, __global const float *pos, uint pos_off, uint npos, uint M, uint N, uint K,
                         uint relu, float alpha, float beta)
{
    uint i = get_global_id(0), nbk = (N + 3) / 4;
    GUARD(i, ((M + 3) / 4) * nbk);
    uint m0 = (i / nbk) * 4, n0 = (i % nbk) * 4;
    __global const float *xr0 = x + x_off + min(m0 + 0, M - 1) * ldx, *xr1 = x + x_off + min(m0 + 1, M - 1) * ldx;
    __global const float *xr2 = x + x_off + min(m0 + 2, M - 1) * ldx, *xr3 = x + x_off + min(m0 + 3, M - 1) * ldx;
    __global const float *wr0 = w + w_off + min(n0 + 0, N - 1) * ldw, *wr1 = w + w_off + min(n0 + 1, N - 1) * ldw;
    __global const float *wr2 = w + w_off + min(n0 + 2, N - 1) * ldw, *wr3 = w + w_off + min(n0 + 3, N - 1) * ldw;
    float16 a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
    float16 a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
    uint K16 = K & ~15u;
    for (uint k = 0; k < K16; k += 16) {
        float16 x0 = vload16(0, xr0 + k), x1 = vload16(0, xr1 + k), x2 = vload16(0, xr2 + k), x3 = vload16(0, xr3 + k);
        float16 w0 = vload16(0, wr0 + k), w1 = vload16(0, wr1 + k), w2 = vload16(0, wr2 + k), w3 = vload16(0, wr3 + k);
        a00 = fma(x0, w0, a00); a01 = fma(x0, w1, a01); a02 = fma(x0, w2, a02); a03 = fma(x0, w3, a03);
        a10 = fma(x1, w0, a10); a11 = fma(x1, w1, a11); a12 = fma(x1, w2, a12); a13 = fma(x1, w3, a13);
        a20 = fma(x2, w0, a20); a21 = fma(x2, w1, a21); a22 = fma(x2, w2, a22); a23 = fma(x2, w3, a23);
        a30 = fma(x3, w0, a30); a31 = fma(x3, w1, a31); a32 = fma(x3, w2, a32); a33 = fma(x3, w3, a33);
    }
    float s[4][4] = {{hsum16(a00), hsum16(a01), hsum16(a02), hsum16(a03)},
                     {hsum16(a10), hsum16(a11), hsum16(a12), hsum16(a13)},
                     {hsum16(a20), hsum16(a21), hsum16(a22), hsum16(a23)},
                     {hsum16(a30), hsum16(a31), hsum16(a32), hsum16(a33)}};
    __global const float *xr[4] = {xr0, xr1, xr2, xr3}, *wr[4] = {wr0, wr1, wr2, wr3};
    for (uint k = K16; k < K; k++)
        for (uint r = 0; r < 4; r++)
            for (uint c = 0; c < 4; c++) s[r][c] = fma(xr[r][k], wr[c][k], s[r][c]);
    for (uint r = 0; r < 4; r++) {
        uint m = m0 + r;
        if (m >= M) break;
        for (uint c = 0; c < 4; c++) {
            uint n = n0 + c;
            if (n >= N) break;
            float v = alpha * s[r][c];
            if (npos) v += pos[pos_off + (m % npos) * N + n];
            if (b_on) v += b[b_off + n];
            __global float *p = y + y_off + m * ldy + n;
            if (beta != 0.0f) v += beta * *p;
            *p = relu ? fmax(v, 0.0f) : v;
        }
    }
}

/* dx(M, I) = alpha dy(M, O) w(O, I) + beta dx, rows lddx, lddy, ldw apart (dx not read
 * when beta is 0); one item per 4 rows x LIN_COLS columns. */
__kernel void linear_bwd_dx(__global float *dx, uint dx_off, uint lddx, __global const float *dy, uint dy_off,
                            uint lddy, __global const float *w, uint w_off, uint ldw, uint M, uint O, uint I,
                            float alpha, float beta)
{
    uint i = get_global_id(0), ibk = (I + LIN_COLS - 1) / LIN_COLS;
    GUARD(i, ((M + 3) / 4) * ibk);
    uint m0 = (i / ibk) * 4, i0 = (i % ibk) * LIN_COLS;
    __global const float *d0 = dy + dy_off + min(m0 + 0, M - 1) * lddy, *d1 = dy + dy_off + min(m0 + 1, M - 1) * lddy;
    __global const float *d2 = dy + dy_off + min(m0 + 2, M - 1) * lddy, *d3 = dy + dy_off + min(m0 + 3, M - 1) * lddy;
    if (i0 + LIN_COLS <= I) {
        floatC a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (uint o = 0; o < O; o++) {
            floatC wv = vloadC(0, w + w_off + o * ldw + i0);
            a0 = fma((floatC)(d0[o]), wv, a0);
            a1 = fma((floatC)(d1[o]), wv, a1);
            a2 = fma((floatC)(d2[o]), wv, a2);
            a3 = fma((floatC)(d3[o]), wv, a3);
        }
        floatC acc[4] = {a0, a1, a2, a3};
        for (uint r = 0; r < 4 && m0 + r < M; r++) {
            __global float *p = dx + dx_off + (m0 + r) * lddx + i0;
            floatC v = alpha * acc[r];
            vstoreC(beta != 0.0f ? v + beta * vloadC(0, p) : v, 0, p);
        }
        return;
    }
    __global const float *dr[4] = {d0, d1, d2, d3};
    for (uint r = 0; r < 4 && m0 + r < M; r++)
        for (uint c = i0; c < I; c++) {
            float s = 0.0f;
            for (uint o = 0; o < O; o++) s = fma(dr[r][o], w[w_off + o * ldw + c], s);
            __global float *p = dx + dx_off + (m0 + r) * lddx + c;
            *p = beta != 0.0f ? alpha * s + beta * *p : alpha * s;
        }
}

/* dw(O, I) = alpha dy(M, O)^T x(M, I) + beta dw, rows lddw, lddy, ldx apart (dw not read
 * when beta is 0), and, when db_on, db(O) += alpha times the column sums of dy (by the
 * items of the first column block); one item per 4 outputs x LIN_COLS inputs. */
__kernel void linear_bwd_dw(__global float *dw, uint dw_off, uint lddw, __global float *db, uint db_off,
                            uint db_on, __global const float *dy, uint dy_off, uint lddy, __global const float *x,
                            uint x_off, uint ldx, uint M, uint O, uint I, float alpha, float beta)
{
    uint i = get_global_id(0), ibk = (I + LIN_COLS - 1) / LIN_COLS;
    GUARD(i, ((O + 3) / 4) * ibk);
    uint o0 = (i / ibk) * 4, i0 = (i % ibk) * LIN_COLS;
    uint c0 = min(o0 + 0, O - 1), c1 = min(o0 + 1, O - 1), c2 = min(o0 + 2, O - 1), c3 = min(o0 + 3, O - 1);
    __global const float *g = dy + dy_off;
    __global const float *xb = x + x_off;
    float b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    if (i0 + LIN_COLS <= I && o0 + 4 <= O) { /* full block: the 4 dy values as one float4 */
        floatC a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        float4 bs = 0;
        uint m = 0;
        for (; m + 2 <= M; m += 2) { /* two rows at a time: 8 independent FMA chains */
            floatC xv = vloadC(0, xb + m * ldx + i0), xw = vloadC(0, xb + (m + 1) * ldx + i0);
            float4 gv = vload4(0, g + m * lddy + o0), gw = vload4(0, g + (m + 1) * lddy + o0);
            a0 = fma((floatC)(gv.x), xv, a0);
            a1 = fma((floatC)(gv.y), xv, a1);
            a2 = fma((floatC)(gv.z), xv, a2);
            a3 = fma((floatC)(gv.w), xv, a3);
            a4 = fma((floatC)(gw.x), xw, a4);
            a5 = fma((floatC)(gw.y), xw, a5);
            a6 = fma((floatC)(gw.z), xw, a6);
            a7 = fma((floatC)(gw.w), xw, a7);
            bs += gv + gw;
        }
        for (; m < M; m++) {
            floatC xv = vloadC(0, xb + m * ldx + i0);
            float4 gv = vload4(0, g + m * lddy + o0);
            a0 = fma((floatC)(gv.x), xv, a0);
            a1 = fma((floatC)(gv.y), xv, a1);
            a2 = fma((floatC)(gv.z), xv, a2);
            a3 = fma((floatC)(gv.w), xv, a3);
            bs += gv;
        }
        b0 = bs.x, b1 = bs.y, b2 = bs.z, b3 = bs.w;
        floatC acc[4] = {a0 + a4, a1 + a5, a2 + a6, a3 + a7};
        for (uint r = 0; r < 4; r++) {
            __global float *p = dw + dw_off + (o0 + r) * lddw + i0;
            floatC v = alpha * acc[r];
            vstoreC(beta != 0.0f ? v + beta * vloadC(0, p) : v, 0, p);
        }
    } else if (i0 + LIN_COLS <= I) {
        floatC a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (uint m = 0; m < M; m++) {
            floatC xv = vloadC(0, xb + m * ldx + i0);
            float g0 = g[m * lddy + c0], g1 = g[m * lddy + c1], g2 = g[m * lddy + c2], g3 = g[m * lddy + c3];
            a0 = fma((floatC)(g0), xv, a0);
            a1 = fma((floatC)(g1), xv, a1);
            a2 = fma((floatC)(g2), xv, a2);
            a3 = fma((floatC)(g3), xv, a3);
            b0 += g0, b1 += g1, b2 += g2, b3 += g3;
        }
        floatC acc[4] = {a0, a1, a2, a3};
        for (uint r = 0; r < 4 && o0 + r < O; r++) {
            __global float *p = dw + dw_off + (o0 + r) * lddw + i0;
            floatC v = alpha * acc[r];
            vstoreC(beta != 0.0f ? v + beta * vloadC(0, p) : v, 0, p);
        }
    } else {
        for (uint r = 0; r < 4 && o0 + r < O; r++)
            for (uint c = i0; c < I; c++) {
                float s = 0.0f;
                for (uint m = 0; m < M; m++) s = fma(g[m * lddy + o0 + r], xb[m * ldx + c], s);
                __global float *p = dw + dw_off + (o0 + r) * lddw + c;
                *p = beta != 0.0f ? alpha * s + beta * *p : alpha * s;
            }
        for (uint m = 0; m < M; m++)
            b0 += g[m * lddy + c0], b1 += g[m * lddy + c1], b2 += g[m * lddy + c2], b3 += g[m * lddy + c3];
    }
    if (db_on && i0 == 0) {
        float bs[4] = {b0, b1, b2, b3};
        for (uint r = 0; r < 4 && o0 + r < O; r++) db[db_off + o0 + r] += alpha * bs[r];
    }
}

/* out(C, R) = in(R, C)^T, rows ldout and ldin apart: a weight (out, in) as (in, out) rows,
 * so that archllm_op_matmul runs x W^T on linear_bwd_dx's vectors along the output columns
 * (about twice linear_fwd's dot products at the T5's K = 64). */
__kernel void transpose(__global float *out, uint out_off, uint ldout, __global const float *in, uint in_off,
                        uint ldin, uint R, uint C)
{
    uint i = get_global_id(0);
    GUARD(i, R * C);
    uint r = i % R, c = i / R;
    out[out_off + c * ldout + r] = in[in_off + r * ldin + c];
}
