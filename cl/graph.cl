/* graph.cl - graph convolution kernels of the VQ-VAE: GIN aggregation (messages along
 * both edge directions), node position embeddings, and the adjacency decoder (inner
 * product or pair MLP).  Forward and backward side by side; backward adds (+=).
 * References: src/ref/graph.c.  Every pointer comes with an element offset. */

/* out[b,v,c] = (1+eps) h[b,v,c] + sum_w (adj[b,v,w] + adj[b,w,v]) h[b,w,c]; one item per
 * output element. */
__kernel void gin_agg_fwd(__global float *out, uint out_off, __global const float *h, uint h_off,
                          __global const float *adj, uint adj_off, __global const float *eps, uint eps_off,
                          uint B, uint N, uint C)
{
    uint i = get_global_id(0);
    GUARD(i, B * N * C);
    uint c = i % C, bv = i / C, v = bv % N, b = bv / N;
    __global const float *A = adj + adj_off + b * N * N;
    __global const float *hb = h + h_off + b * N * C + c;
    float s = (1.0f + eps[eps_off]) * hb[v * C];
    for (uint w = 0; w < N; w++) s += (A[v * N + w] + A[w * N + v]) * hb[w * C];
    out[out_off + i] = s;
}

/* The aggregation is symmetric in (v, w), so its input gradient has the same form; added
 * onto dh, or with acc = 0 written (the gradient's first writer: no zeroed arena). */
__kernel void gin_agg_bwd(__global float *dh, uint dh_off, __global const float *adj, uint adj_off,
                          __global const float *eps, uint eps_off, __global const float *dout, uint dout_off,
                          uint B, uint N, uint C, uint acc)
{
    uint i = get_global_id(0);
    GUARD(i, B * N * C);
    uint c = i % C, bw = i / C, w = bw % N, b = bw / N;
    __global const float *A = adj + adj_off + b * N * N;
    __global const float *db = dout + dout_off + b * N * C + c;
    float s = (1.0f + eps[eps_off]) * db[w * C];
    for (uint v = 0; v < N; v++) s += (A[v * N + w] + A[w * N + v]) * db[v * C];
    dh[dh_off + i] = acc ? dh[dh_off + i] + s : s;
}

/* The same two, 16 channels per item as float16 (C a multiple of 16): one item per
 * (b, v, 16-channel block), the adjacency read once per neighbour. */
__kernel void gin_agg_fwd16(__global float *out, uint out_off, __global const float *h, uint h_off,
                            __global const float *adj, uint adj_off, __global const float *eps, uint eps_off,
                            uint B, uint N, uint C)
{
    uint i = get_global_id(0), cb = C / 16;
    GUARD(i, B * N * cb);
    uint c0 = (i % cb) * 16, bv = i / cb, v = bv % N, b = bv / N;
    __global const float *A = adj + adj_off + b * N * N;
    __global const float *hb = h + h_off + b * N * C + c0;
    float16 s = (1.0f + eps[eps_off]) * vload16(0, hb + v * C);
    for (uint w = 0; w < N; w++) {
        float a = A[v * N + w] + A[w * N + v];
        if (a != 0.0f) s = fma((float16)(a), vload16(0, hb + w * C), s);
    }
    vstore16(s, 0, out + out_off + (b * N + v) * C + c0);
}

__kernel void gin_agg_bwd16(__global float *dh, uint dh_off, __global const float *adj, uint adj_off,
                            __global const float *eps, uint eps_off, __global const float *dout, uint dout_off,
                            uint B, uint N, uint C, uint acc)
{
    uint i = get_global_id(0), cb = C / 16;
    GUARD(i, B * N * cb);
    uint c0 = (i % cb) * 16, bw = i / cb, w = bw % N, b = bw / N;
    __global const float *A = adj + adj_off + b * N * N;
    __global const float *db = dout + dout_off + b * N * C + c0;
    float16 s = (1.0f + eps[eps_off]) * vload16(0, db + w * C);
    for (uint v = 0; v < N; v++) {
        float a = A[v * N + w] + A[w * N + v];
        if (a != 0.0f) s = fma((float16)(a), vload16(0, db + v * C), s);
    }
    __global float *p = dh + dh_off + (b * N + w) * C + c0;
    vstore16(acc ? vload16(0, p) + s : s, 0, p);
}

/* deps += sum_i dout[i] h[i]: one work-group of REDUCE_WG, fixed order.  An item takes 16
 * floats at a time, REDUCE_WG * 16 apart, so each cache line is read by one item (one
 * float at a time had 16 items read every line: a CPU work-group, which runs its items one
 * after another, swept the arrays 16 times). */
__kernel void gin_eps_bwd(__global float *deps, uint deps_off, __global const float *h, uint h_off,
                          __global const float *dout, uint dout_off, uint n)
{
    __local float acc[REDUCE_WG];
    uint    lid = get_local_id(0), i = lid * 16;
    float16 v = 0.0f;
    for (; i + 16 <= n; i += REDUCE_WG * 16) v = fma(vload16(0, dout + dout_off + i), vload16(0, h + h_off + i), v);
    float s = hsum16(v);
    for (uint j = i; j < i + 16 && j < n; j++) s = fma(dout[dout_off + j], h[h_off + j], s); /* the tail */
    acc[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint w = REDUCE_WG / 2; w > 0; w >>= 1) {
        if (lid < w) acc[lid] += acc[lid + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) deps[deps_off] += acc[0];
}

/* Loads and stores of W floats (1, or 16 as a float16) for the kernels below that are
 * written once for both widths: the vector one where the width is a multiple of 16, each
 * lane the scalar one's sum in its order. */
#define GR_LD1(p)     (*(p))
#define GR_LD16(p)    vload16(0, (p))
#define GR_ST1(v, p)  (*(p) = (v))
#define GR_ST16(v, p) vstore16((v), 0, (p))

/* dpos[v,c] += sum_b dout[b,v,c], W channels an item (one float an item had been 0.48 ms
 * of a VQ-VAE step) */
#define POS_ADD_BWD(name, T, W)                                                                      \
    __kernel void name(__global float *dpos, uint dpos_off, __global const float *dout, uint dout_off, \
                       uint B, uint N, uint C)                                                       \
    {                                                                                                \
        uint i = get_global_id(0) * W;                                                               \
        GUARD(i, N * C);                                                                             \
        T s = 0.0f;                                                                                  \
        for (uint b = 0; b < B; b++) s += GR_LD##W(dout + dout_off + b * N * C + i);                 \
        GR_ST##W(GR_LD##W(dpos + dpos_off + i) + s, dpos + dpos_off + i);                            \
    }
POS_ADD_BWD(pos_add_bwd, float, 1)
POS_ADD_BWD(pos_add_bwd16, float16, 16)

/* Adjacency decoder: one item per (b, v, w); st rows are [s (A) | t (A)],
 * par = [b1 (A) | w2 (A) | b0].  mode 0 inner product, 1 pair MLP. */
__kernel void adj_dec_fwd(__global float *logits, uint lg_off, __global const float *st, uint st_off,
                          __global const float *par, uint par_off, uint mode, uint B, uint N, uint A)
{
    uint i = get_global_id(0);
    GUARD(i, B * N * N);
    uint w = i % N, bv = i / N, v = bv % N, b = bv / N;
    if (v >= w) {
        logits[lg_off + i] = 0.0f;
        return;
    }
    __global const float *s = st + st_off + (b * N + v) * 2 * A;
    __global const float *t = st + st_off + (b * N + w) * 2 * A + A;
    __global const float *b1 = par + par_off, *w2 = par + par_off + A;
    float acc = 0.0f;
    if (mode == 0) {
        for (uint a = 0; a < A; a++) acc += s[a] * t[a];
    } else {
        for (uint a = 0; a < A; a++) acc += w2[a] * fmax(s[a] + t[a] + b1[a], 0.0f);
    }
    logits[lg_off + i] = acc + par[par_off + 2 * A];
}

/* Gradient of st (added onto dst, or written with acc = 0): one item per (b, v, W columns
 * of a) for both halves.  s[v] meets t[w] for w > v, t[w] meets s[v] for v < w.  The pair
 * MLP's ReLU adds a zero where it is off, which leaves a sum as it was. */
#define ADJ_DEC_BWD_ST(name, T, W)                                                                       \
    __kernel void name(__global float *dst, uint dst_off, __global const float *st, uint st_off,          \
                       __global const float *par, uint par_off, __global const float *dlogits, uint dl_off, \
                       uint mode, uint B, uint N, uint A, uint acc)                                      \
    {                                                                                                    \
        uint i = get_global_id(0), ab = A / W;                                                           \
        GUARD(i, B * N * ab);                                                                            \
        uint a0 = (i % ab) * W, bv = i / ab, v = bv % N, b = bv / N;                                     \
        __global const float *stb = st + st_off + b * N * 2 * A + a0;                                    \
        __global const float *dl = dlogits + dl_off + b * N * N;                                         \
        T b1 = GR_LD##W(par + par_off + a0), w2 = GR_LD##W(par + par_off + A + a0);                      \
        T sv = GR_LD##W(stb + v * 2 * A), tv = GR_LD##W(stb + v * 2 * A + A);                            \
        T ds = 0.0f, dt = 0.0f;                                                                          \
        for (uint w = v + 1; w < N; w++) { /* v as the source */                                         \
            T     tw = GR_LD##W(stb + w * 2 * A + A);                                                    \
            float g = dl[v * N + w];                                                                     \
            if (mode == 0) ds += g * tw;                                                                 \
            else ds += select((T)(0.0f), g * w2, isgreater(sv + tw + b1, (T)(0.0f)));                    \
        }                                                                                                \
        for (uint u = 0; u < v; u++) { /* v as the target */                                             \
            T     su = GR_LD##W(stb + u * 2 * A);                                                        \
            float g = dl[u * N + v];                                                                     \
            if (mode == 0) dt += g * su;                                                                 \
            else dt += select((T)(0.0f), g * w2, isgreater(su + tv + b1, (T)(0.0f)));                    \
        }                                                                                                \
        __global float *d = dst + dst_off + (b * N + v) * 2 * A + a0;                                    \
        GR_ST##W(acc ? GR_LD##W(d) + ds : ds, d);                                                        \
        GR_ST##W(acc ? GR_LD##W(d + A) + dt : dt, d + A);                                                \
    }
ADJ_DEC_BWD_ST(adj_dec_bwd_st, float, 1)
ADJ_DEC_BWD_ST(adj_dec_bwd_st16, float16, 16)

/* Gradient of par: item j < A / W sums both halves' W entries from W j over all pairs (pair
 * mode; nothing in inner mode), item A / W the logits' bias (one item per entry, each
 * summing every pair for one float, had been 3.7 ms a call in pair mode). */
#define ADJ_DEC_BWD_PAR(name, T, W)                                                                      \
    __kernel void name(__global float *dpar, uint dpar_off, __global const float *st, uint st_off,        \
                       __global const float *par, uint par_off, __global const float *dlogits, uint dl_off, \
                       uint mode, uint B, uint N, uint A)                                                \
    {                                                                                                    \
        uint j = get_global_id(0), ab = A / W;                                                           \
        GUARD(j, ab + 1);                                                                                \
        if (j == ab) {                                                                                   \
            float s = 0.0f;                                                                              \
            for (uint b = 0; b < B; b++)                                                                 \
                for (uint v = 0; v < N; v++)                                                             \
                    for (uint w = v + 1; w < N; w++) s += dlogits[dl_off + (b * N + v) * N + w];         \
            dpar[dpar_off + 2 * A] += s;                                                                 \
            return;                                                                                      \
        }                                                                                                \
        if (mode != 1) return;                                                                           \
        uint a0 = j * W;                                                                                 \
        T    b1 = GR_LD##W(par + par_off + a0), w2 = GR_LD##W(par + par_off + A + a0);                   \
        T    gw = 0.0f, gp = 0.0f;                                                                       \
        for (uint b = 0; b < B; b++)                                                                     \
            for (uint v = 0; v < N; v++) {                                                               \
                T sv = GR_LD##W(st + st_off + (b * N + v) * 2 * A + a0);                                 \
                for (uint w = v + 1; w < N; w++) {                                                       \
                    T     pre = sv + GR_LD##W(st + st_off + (b * N + w) * 2 * A + A + a0) + b1;          \
                    float g = dlogits[dl_off + (b * N + v) * N + w];                                     \
                    gw += select((T)(0.0f), g * w2, isgreater(pre, (T)(0.0f)));                          \
                    gp += select((T)(0.0f), g * pre, isgreater(pre, (T)(0.0f)));                         \
                }                                                                                        \
            }                                                                                            \
        GR_ST##W(GR_LD##W(dpar + dpar_off + a0) + gw, dpar + dpar_off + a0);                             \
        GR_ST##W(GR_LD##W(dpar + dpar_off + A + a0) + gp, dpar + dpar_off + A + a0);                     \
    }
ADJ_DEC_BWD_PAR(adj_dec_bwd_par, float, 1)
ADJ_DEC_BWD_PAR(adj_dec_bwd_par16, float16, 16)

/* dx = dy * [y > 0] in place on dy (the ReLU's output y decides). */
__kernel void relu_mask_bwd(__global float *dy, uint dy_off, __global const float *y, uint y_off, uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    if (!(y[y_off + i] > 0.0f)) dy[dy_off + i] = 0.0f;
}
