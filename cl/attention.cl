/* attention.cl - the non-GEMM parts of T5 attention (QK^T and PV are CLBlast strided-batched
 * GEMMs over the B*H heads): head split/merge between token-major (B*L, ld) and head-major
 * (B, H, L, dk) layouts, and the fused score kernel: relative position bias + masks +
 * softmax in place, its backward, and the bias-table gradient.  T5 does not scale scores
 * by 1/sqrt(dk).  Masked scores are *assigned* -FLT_MAX (never two masks added), so a fully
 * masked row gives a uniform distribution, as Hugging Face's finite minimum does. */

#define ATT_BIAS   1u /* add table[bucket(q, k), h] */
#define ATT_MASK   2u /* key padding mask (B, Lk), nonzero = keep */
#define ATT_CAUSAL 4u /* mask keys k > q + q0 */

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
    float sum = 0.0f;
    for (uint k = 0; k < Lk; k++) {
        float e = exp(x[k] - mx);
        x[k] = e;
        sum += e;
    }
    float inv = 1.0f / sum;
    for (uint k = 0; k < Lk; k++) x[k] *= inv;
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
 * (b, h).  q and out are (B, H, dk); keys and values (B, H, Lcap, dk) caches of which the
 * first Lk rows are used.  Replaces two tiny batched GEMMs per attention in KV-cache decoding
 * (about 1 ms each on PoCL); training keeps the CLBlast path. */
__kernel void attn_decode(__global float *out, uint o_off, __global const float *q, uint q_off,
                          __global const float *kc, uint k_off, __global const float *vc, uint v_off,
                          __global const float *table, uint t_off, __global const int *buckets, uint bk_off,
                          __global const int *keymask, uint m_off, uint B, uint H, uint Lk, uint dk, uint Lcap,
                          uint flags)
{
    uint bh = get_global_id(0);
    GUARD(bh, B * H);
    uint b = bh / H, h = bh % H;
    __global const float *qq = q + q_off + bh * dk;
    __global const float *K = kc + k_off + bh * Lcap * dk;
    __global const float *Vv = vc + v_off + bh * Lcap * dk;
    __global float *o = out + o_off + bh * dk;
    float mx = -FLT_MAX;
    for (uint k = 0; k < Lk; k++) {
        float s = 0.0f;
        for (uint j = 0; j < dk; j++) s += qq[j] * K[k * dk + j];
        if ((flags & ATT_BIAS) != 0) s += table[t_off + (uint)buckets[bk_off + k] * H + h];
        if ((flags & ATT_MASK) != 0 && keymask[m_off + b * Lk + k] == 0) s = -FLT_MAX;
        mx = fmax(mx, s);
    }
    float sum = 0.0f;
    for (uint j = 0; j < dk; j++) o[j] = 0.0f;
    for (uint k = 0; k < Lk; k++) {
        float s = 0.0f;
        for (uint j = 0; j < dk; j++) s += qq[j] * K[k * dk + j];
        if ((flags & ATT_BIAS) != 0) s += table[t_off + (uint)buckets[bk_off + k] * H + h];
        if ((flags & ATT_MASK) != 0 && keymask[m_off + b * Lk + k] == 0) s = -FLT_MAX;
        float e = exp(s - mx);
        sum += e;
        for (uint j = 0; j < dk; j++) o[j] += e * Vv[k * dk + j];
    }
    float inv = 1.0f / sum;
    for (uint j = 0; j < dk; j++) o[j] *= inv;
}
