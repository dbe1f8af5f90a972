/* attention.cl - T5 attention.  Two paths:
 *  - short sequences (Lq, Lk, dk up to 64): attn_fused_fwd / attn_fused_bwd do the whole
 *    attention of one (b, h) in one work-group, reading q, k, v in the projections' layout
 *    and writing the merged context (or dq, dk, dv) directly;
 *  - otherwise the non-GEMM parts of the GEMM path (QK^T and PV are CLBlast strided-batched
 *    GEMMs over the B*H heads): head split/merge between token-major (B*L, ld) and
 *    head-major (B, H, L, dk) layouts, and the score kernel: relative position bias + masks
 *    + softmax in place, and its backward.
 * Both share the bias-table gradient (attn_bias_reduce, attn_bias_bwd); KV-cache decoding has
 * attn_decode.  T5 does not scale scores by 1/sqrt(dk).  Masked scores are *assigned*
 * -FLT_MAX (never two masks added), so a fully masked row gives a uniform distribution, as
 * Hugging Face's finite minimum does. */

#define ATT_BIAS   1u /* add table[bucket(q, k), h] */
#define ATT_MASK   2u /* key padding mask (B, Lk), nonzero = keep */
#define ATT_CAUSAL 4u /* mask keys k > q + q0 */

/* x[0..n) = softmax of x given its maximum mx, in place; a macro so that one body serves
 * global and local rows (OpenCL 1.2 has no generic address space) */
#define ATT_SOFTMAX_ROW(x, n, mx)                  \
    do {                                          \
        float sum_ = 0.0f;                        \
        for (uint k_ = 0; k_ < (n); k_++) {       \
            float e_ = exp((x)[k_] - (mx));       \
            (x)[k_] = e_;                         \
            sum_ += e_;                           \
        }                                         \
        float inv_ = 1.0f / sum_;                 \
        for (uint k_ = 0; k_ < (n); k_++) (x)[k_] *= inv_; \
    } while (0)

/* out[b, h, l0 + l, j] (row length dk, Lcap rows per head) = in[(b*L + l)*ld_in + h*dk + j] */
__kernel void split_heads(__global float *out, uint out_off, __global const float *in, uint in_off,
                          uint B, uint L, uint H, uint dk, uint ld_in, uint Lcap, uint l0)
{
    uint i = get_global_id(0);
    GUARD(i, B * L * H * dk);
    uint j = i % dk, h = (i / dk) % H, l = (i / (dk * H)) % L, b = i / (dk * H * L);
    out[out_off + ((b * H + h) * Lcap + l0 + l) * dk + j] = in[in_off + (b * L + l) * ld_in + h * dk + j];
}

/* out[(b*L + l)*ld_out + h*dk + j] = in[b, h, l, j]  (head-major, L rows per head) */
__kernel void merge_heads(__global float *out, uint out_off, __global const float *in, uint in_off,
                          uint B, uint L, uint H, uint dk, uint ld_out)
{
    uint i = get_global_id(0);
    GUARD(i, B * L * H * dk);
    uint j = i % dk, h = (i / dk) % H, l = (i / (dk * H)) % L, b = i / (dk * H * L);
    out[out_off + (b * L + l) * ld_out + h * dk + j] = in[in_off + ((b * H + h) * L + l) * dk + j];
}

/* In place over s(B, H, Lq, Lk): s = softmax_k(s + bias, masked -> -FLT_MAX).  buckets(Lq, Lk)
 * are int32 rows of the bias table (NB, H); q0 is the absolute position of query 0 (KV-cache
 * decoding) for the causal mask. */
__kernel void attn_softmax_fwd(__global float *s, uint s_off, __global const float *table, uint t_off,
                               __global const int *buckets, uint bk_off, __global const int *keymask, uint m_off,
                               uint B, uint H, uint Lq, uint Lk, uint flags, uint q0)
{
    uint row = get_global_id(0);
    GUARD(row, B * H * Lq);
    uint q = row % Lq, h = (row / Lq) % H, b = row / (Lq * H);
    __global float *x = s + s_off + row * Lk;
    float mx = -FLT_MAX;
    for (uint k = 0; k < Lk; k++) {
        float v = x[k];
        if ((flags & ATT_BIAS) != 0) v += table[t_off + (uint)buckets[bk_off + q * Lk + k] * H + h];
        if (((flags & ATT_CAUSAL) != 0 && k > q + q0) || ((flags & ATT_MASK) != 0 && keymask[m_off + b * Lk + k] == 0))
            v = -FLT_MAX;
        x[k] = v;
        mx = fmax(mx, v);
    }
    ATT_SOFTMAX_ROW(x, Lk, mx);
}

/* In place: dp(rows, Lk) becomes dscores = p * (dp - sum_k dp*p) */
__kernel void attn_softmax_bwd(__global float *dp, uint dp_off, __global const float *p, uint p_off, uint rows,
                               uint Lk)
{
    uint row = get_global_id(0);
    GUARD(row, rows);
    __global float *g = dp + dp_off + row * Lk;
    __global const float *pr = p + p_off + row * Lk;
    float dot = 0.0f;
    for (uint k = 0; k < Lk; k++) dot += g[k] * pr[k];
    for (uint k = 0; k < Lk; k++) g[k] = pr[k] * (g[k] - dot);
}

/* acc(H, Lq, Lk) += sum over b of ds(B, H, Lq, Lk): every layer of a stack adds here, the
 * table gradient is taken once per stack by attn_bias_bwd. */
__kernel void attn_bias_reduce(__global float *acc, uint a_off, __global const float *ds, uint ds_off, uint B,
                               uint H, uint Lq, uint Lk)
{
    uint i = get_global_id(0);
    GUARD(i, H * Lq * Lk);
    uint hw = H * Lq * Lk;
    float s = 0.0f;
    for (uint b = 0; b < B; b++) s += ds[ds_off + b * hw + i];
    acc[a_off + i] += s;
}

/* dtable(NB, H) += sum over (q, k) with buckets[q, k] == nb of acc[h, q, k] */
__kernel void attn_bias_bwd(__global float *dtable, uint t_off, __global const float *acc, uint a_off,
                            __global const int *buckets, uint bk_off, uint NB, uint H, uint Lq, uint Lk)
{
    uint i = get_global_id(0);
    GUARD(i, NB * H);
    uint nb = i / H, h = i % H;
    float s = 0.0f;
    for (uint q = 0; q < Lq; q++)
        for (uint k = 0; k < Lk; k++)
            if ((uint)buckets[bk_off + q * Lk + k] == nb) s += acc[a_off + (h * Lq + q) * Lk + k];
    dtable[t_off + i] += s;
}

/* One decoding step (a single query per head), fused: scores q.k over the Lk cached keys
 * (+ bias row, masks as in attn_softmax_fwd), softmax, and out = p V, one work-item per
 * (b, h).  q is read from the projection's rows (ldq floats apart, head h at h*dk), out is
 * (B, H, dk) = (B, H*dk).  Key s of head (b, h) is kc[b*cb + h*ch + s*cs], its value at the
 * same place in vc: the (B, H, Lcap, dk) self-attention cache, or the encoder's k|v
 * projection rows (B, S, 2I) as they are.  With append, the step's own key and value (rows
 * kn, vn, ldn apart) are written into position Lk - 1 first, by the item that reads them:
 * no head split or merge copies.  Dots in float4 when dk allows; the context accumulates
 * in a private array of ATT_DEC_MAXD, a block of columns at a time. */
#define ATT_DEC_MAXD 128
static float att_dot(__global const float *a, __global const float *b, uint dk)
{
    float s = 0.0f;
    uint j = 0;
    if (dk % 4 == 0) {
        float4 acc = 0.0f;
        for (; j < dk; j += 4) acc = fma(vload4(0, a + j), vload4(0, b + j), acc);
        return (acc.x + acc.y) + (acc.z + acc.w);
    }
    for (; j < dk; j++) s = fma(a[j], b[j], s);
    return s;
}

__kernel void attn_decode(__global float *out, uint o_off, __global const float *q, uint q_off, uint ldq,
                          __global float *kc, uint k_off, __global float *vc, uint v_off, uint cb, uint ch, uint cs,
                          __global const float *kn, uint kn_off, __global const float *vn, uint vn_off, uint ldn,
                          uint append, __global const float *table, uint t_off, __global const int *buckets,
                          uint bk_off, __global const int *keymask, uint m_off, uint B, uint H, uint Lk, uint dk,
                          uint flags)
{
    uint bh = get_global_id(0);
    GUARD(bh, B * H);
    uint b = bh / H, h = bh % H;
    __global const float *qq = q + q_off + b * ldq + h * dk;
    __global float *K = kc + k_off + b * cb + h * ch;
    __global float *Vv = vc + v_off + b * cb + h * ch;
    __global float *o = out + o_off + bh * dk;
    if (append)
        for (uint j = 0; j < dk; j++) {
            K[(Lk - 1) * cs + j] = kn[kn_off + b * ldn + h * dk + j];
            Vv[(Lk - 1) * cs + j] = vn[vn_off + b * ldn + h * dk + j];
        }
    float mx = -FLT_MAX;
    for (uint k = 0; k < Lk; k++) {
        float s = att_dot(qq, K + k * cs, dk);
        if ((flags & ATT_BIAS) != 0) s += table[t_off + (uint)buckets[bk_off + k] * H + h];
        if ((flags & ATT_MASK) != 0 && keymask[m_off + b * Lk + k] == 0) s = -FLT_MAX;
        mx = fmax(mx, s);
    }
    /* the context ATT_DEC_MAXD columns at a time (one pass but for d_kv past it) */
    for (uint j0 = 0; j0 < dk; j0 += ATT_DEC_MAXD) {
        uint  nj = min(dk - j0, (uint)ATT_DEC_MAXD);
        float sum = 0.0f, acc[ATT_DEC_MAXD];
        for (uint j = 0; j < nj; j++) acc[j] = 0.0f;
        for (uint k = 0; k < Lk; k++) {
            float s = att_dot(qq, K + k * cs, dk);
            if ((flags & ATT_BIAS) != 0) s += table[t_off + (uint)buckets[bk_off + k] * H + h];
            if ((flags & ATT_MASK) != 0 && keymask[m_off + b * Lk + k] == 0) s = -FLT_MAX;
            float e = exp(s - mx);
            sum += e;
            __global const float *vr = Vv + k * cs + j0;
            for (uint j = 0; j < nj; j++) acc[j] = fma(e, vr[j], acc[j]);
        }
        float inv = 1.0f / sum;
        for (uint j = 0; j < nj; j++) o[j0 + j] = acc[j] * inv;
    }
}

/* Fused attention for short sequences (Lq, Lk, dk up to 64; ops/attention.c checks that the
 * local memory fits and t5.c falls back to the GEMM path above otherwise).  Q, K, V are read
 * straight from the projection GEMMs' output, row = token, head h in columns [h*dk, (h+1)*dk)
 * with a row stride (ldq, ldkv: q|k|v interleaved in one fused output), and the context is
 * written merged (ldo), as the output projection reads it: no split_heads / merge_heads.
 *
 * One work-group per (b, h), 2-D (nx, ny): every phase is a small matrix product whose rows
 * are strided over ly and columns over lx, between barriers, so no index is ever divided.
 * Local memory (floats), each region reused once its first tenant is dead:
 *   fwd  Qs (Lq x dk) | KV (Lk x ldl: K, then V) | S (Lq x Lk: scores, then P)
 *   bwd  X (Lq x dk: dout, then Q) | KV (Lk x ldl: V, then K) | S (Lq x Lk: P, then dS) | D (Lq)
 * ldl is dk, or dk + 1 when that still fits: the score loops read KV rows across neighbouring
 * work-items, and an odd stride keeps them off one local-memory bank on GPUs.
 * vw (1 or 8, the launcher's choice) is how many columns one work-item takes at a time: 8 on
 * CPUs, where PoCL vectorises neither a float reduction nor the work-item loop here (float8
 * measured 1.2-1.4x float4 on PoCL 3.1, AVX-512), 1 on GPUs, where the lanes are the vector.
 * No fma(): PoCL's is 2-3x slower than a multiply and an add here. */

/* a . b over n floats */
inline float fa_dot(__local const float *a, __local const float *b, uint n, uint vw)
{
    float s = 0.0f;
    uint c = 0;
    if (vw == 8) {
        float8 acc = (float8)(0.0f);
        for (; c + 8 <= n; c += 8) acc += vload8(0, a + c) * vload8(0, b + c);
        float4 h = acc.lo + acc.hi;
        s = (h.x + h.y) + (h.z + h.w);
    }
    for (; c < n; c++) s += a[c] * b[c];
    return s;
}

/* o[r*ldo + c] = sum_t a[r*ar + t*as] m[t*ldm + c] for r < R, c < dk: the (R x n)(n x dk)
 * products of both kernels, reading a through strides (ar, as) as P or as its transpose */
inline void fa_product(__global float *o, uint ldo, __local const float *a, uint ar, uint as,
                       __local const float *m, uint ldm, uint R, uint n, uint dk, uint vw)
{
    uint lx = get_local_id(0), ly = get_local_id(1), nx = get_local_size(0), ny = get_local_size(1);
    if (vw == 8 && (dk & 7u) == 0) {
        for (uint r = ly; r < R; r += ny)
            for (uint c = lx * 8; c < dk; c += nx * 8) {
                __local const float *ar_ = a + r * ar, *mc = m + c;
                float8 acc = (float8)(0.0f);
                for (uint t = 0; t < n; t++) acc += (float8)(ar_[t * as]) * vload8(0, mc + t * ldm);
                vstore8(acc, 0, o + r * ldo + c);
            }
    } else {
        for (uint r = ly; r < R; r += ny)
            for (uint c = lx; c < dk; c += nx) {
                __local const float *ar_ = a + r * ar, *mc = m + c;
                float acc = 0.0f;
                for (uint t = 0; t < n; t++) acc += ar_[t * as] * mc[t * ldm];
                o[r * ldo + c] = acc;
            }
    }
}

/* rows (R x n, stride ld) from global into local (stride ldl) */
inline void fa_load(__local float *dst, uint ldl, __global const float *src, uint ld, uint R, uint n)
{
    uint lx = get_local_id(0), ly = get_local_id(1), nx = get_local_size(0), ny = get_local_size(1);
    for (uint r = ly; r < R; r += ny)
        for (uint c = lx; c < n; c += nx) dst[r * ldl + c] = src[r * ld + c];
}

/* ... and back from local (stride ldl) to global (stride ld) */
inline void fa_store(__global float *dst, uint ld, __local const float *src, uint ldl, uint R, uint n)
{
    uint lx = get_local_id(0), ly = get_local_id(1), nx = get_local_size(0), ny = get_local_size(1);
    for (uint r = ly; r < R; r += ny)
        for (uint c = lx; c < n; c += nx) dst[r * ld + c] = src[r * ldl + c];
}

__kernel void attn_fused_fwd(__global float *out, uint o_off, uint ldo, __global float *p, uint p_off,
                             __global const float *q, uint q_off, uint ldq, __global const float *kk, uint k_off,
                             __global const float *vv, uint v_off, uint ldkv, __global const float *table,
                             uint t_off, __global const int *buckets, uint bk_off, __global const int *keymask,
                             uint m_off, uint H, uint Lq, uint Lk, uint dk, uint ldl, uint vw, uint flags,
                             __local float *lm)
{
    uint bh = get_group_id(0), lx = get_local_id(0), ly = get_local_id(1), nx = get_local_size(0),
         ny = get_local_size(1);
    uint b = bh / H, h = bh % H, qrow = b * Lq, krow = b * Lk, col = h * dk;
    __local float *Qs = lm, *KV = lm + Lq * dk, *S = KV + Lk * ldl;
    fa_load(Qs, dk, q + q_off + qrow * ldq + col, ldq, Lq, dk);
    fa_load(KV, ldl, kk + k_off + krow * ldkv + col, ldkv, Lk, dk);
    barrier(CLK_LOCAL_MEM_FENCE);
    /* scores + bias, masked entries assigned -FLT_MAX (as attn_softmax_fwd) */
    for (uint i = ly; i < Lq; i += ny)
        for (uint j = lx; j < Lk; j += nx) {
            float s = fa_dot(Qs + i * dk, KV + j * ldl, dk, vw);
            if ((flags & ATT_BIAS) != 0) s += table[t_off + (uint)buckets[bk_off + i * Lk + j] * H + h];
            if (((flags & ATT_CAUSAL) != 0 && j > i) ||
                ((flags & ATT_MASK) != 0 && keymask[m_off + krow + j] == 0))
                s = -FLT_MAX;
            S[i * Lk + j] = s;
        }
    barrier(CLK_LOCAL_MEM_FENCE);
    /* V over K while the rows are normalised */
    fa_load(KV, ldl, vv + v_off + krow * ldkv + col, ldkv, Lk, dk);
    for (uint i = ly * nx + lx; i < Lq; i += nx * ny) {
        __local float *r = S + i * Lk;
        float mx = -FLT_MAX;
        for (uint j = 0; j < Lk; j++) mx = fmax(mx, r[j]);
        ATT_SOFTMAX_ROW(r, Lk, mx);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    fa_store(p + p_off + bh * Lq * Lk, Lk, S, Lk, Lq, Lk);
    fa_product(out + o_off + qrow * ldo + col, ldo, S, Lk, 1, KV, ldl, Lq, Lk, dk, vw); /* P V */
}

/* Backward of attn_fused_fwd from dout (the context's gradient, layout of out): dV = P^T dout,
 * dS = P (dout V^T - D) with D_i = dout_i . out_i (= sum_j dP_ij P_ij, so no row reduction
 * over dP is needed), dQ = dS K, dK = dS^T Q, written (not added) in the layouts of q, k, v;
 * dS also to ds (B, H, Lq, Lk) when want_ds, for the bias gradient (attn_bias_reduce). */
__kernel void attn_fused_bwd(__global float *dq, uint dq_off, __global float *dkey, uint dk_off,
                             __global float *dv, uint dv_off, __global float *ds, uint ds_off, uint want_ds,
                             __global const float *dout, uint do_off, __global const float *out, uint o_off,
                             uint ldo, __global const float *p, uint p_off, __global const float *q, uint q_off,
                             uint ldq, __global const float *kk, uint k_off, __global const float *vv, uint v_off,
                             uint ldkv, uint H, uint Lq, uint Lk, uint dk, uint ldl, uint vw, __local float *lm)
{
    uint bh = get_group_id(0), lx = get_local_id(0), ly = get_local_id(1), nx = get_local_size(0),
         ny = get_local_size(1);
    uint b = bh / H, h = bh % H, qrow = b * Lq, krow = b * Lk, col = h * dk;
    __local float *X = lm, *KV = lm + Lq * dk, *S = KV + Lk * ldl, *D = S + Lq * Lk;
    __global const float *og = out + o_off + qrow * ldo + col;
    fa_load(X, dk, dout + do_off + qrow * ldo + col, ldo, Lq, dk);
    fa_load(KV, ldl, vv + v_off + krow * ldkv + col, ldkv, Lk, dk);
    fa_load(S, Lk, p + p_off + bh * Lq * Lk, Lk, Lq, Lk);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint i = ly * nx + lx; i < Lq; i += nx * ny) {
        float acc = 0.0f;
        for (uint c = 0; c < dk; c++) acc += X[i * dk + c] * og[i * ldo + c];
        D[i] = acc;
    }
    fa_product(dv + dv_off + krow * ldkv + col, ldkv, S, 1, Lk, X, dk, Lk, Lq, dk, vw); /* P^T dout */
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint i = ly; i < Lq; i += ny)
        for (uint j = lx; j < Lk; j += nx) S[i * Lk + j] *= fa_dot(X + i * dk, KV + j * ldl, dk, vw) - D[i];
    barrier(CLK_LOCAL_MEM_FENCE);
    fa_load(X, dk, q + q_off + qrow * ldq + col, ldq, Lq, dk);
    fa_load(KV, ldl, kk + k_off + krow * ldkv + col, ldkv, Lk, dk);
    if (want_ds != 0) fa_store(ds + ds_off + bh * Lq * Lk, Lk, S, Lk, Lq, Lk);
    barrier(CLK_LOCAL_MEM_FENCE);
    fa_product(dq + dq_off + qrow * ldq + col, ldq, S, Lk, 1, KV, ldl, Lq, Lk, dk, vw);   /* dS K */
    fa_product(dkey + dk_off + krow * ldkv + col, ldkv, S, 1, Lk, X, dk, Lk, Lq, dk, vw); /* dS^T Q */
}
