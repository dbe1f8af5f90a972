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

/* Fused attention for short sequences (Lq, Lk, dk up to 64; ops/attention.c checks that the
 * local memory fits and t5.c falls back to the GEMM path above otherwise).  Q, K, V are read
 * straight from the projection GEMMs' output, row = token, head h in columns [h*dk, (h+1)*dk)
 * with a row stride (ldq, ldkv: q|k|v interleaved in one fused output), and the context is
 * written merged (ldo), as the output projection reads it: no split_heads / merge_heads.
 * One work-group per (b, h) of any 1-D size; every phase is a loop over the elements of a
 * small matrix product, strided by the work-group size, between barriers.  Local memory
 * (floats), each region reused once its first tenant is dead:
 *   fwd  Qs (Lq x dk) | KV (Lk x ldl: K, then V) | S (Lq x Lk: scores, then P)
 *   bwd  X (Lq x dk: dout, then Q) | KV (Lk x ldl: V, then K) | S (Lq x Lk: P, then dS) | D (Lq)
 * ldl is dk, or dk + 1 when that still fits: the score loops read KV rows across neighbouring
 * work-items, and an odd stride keeps them off one local-memory bank on GPUs. */
__kernel void attn_fused_fwd(__global float *out, uint o_off, uint ldo, __global float *p, uint p_off,
                             __global const float *q, uint q_off, uint ldq, __global const float *kk, uint k_off,
                             __global const float *vv, uint v_off, uint ldkv, __global const float *table,
                             uint t_off, __global const int *buckets, uint bk_off, __global const int *keymask,
                             uint m_off, uint H, uint Lq, uint Lk, uint dk, uint ldl, uint flags,
                             __local float *lm)
{
    uint bh = get_group_id(0), lid = get_local_id(0), nl = get_local_size(0);
    uint b = bh / H, h = bh % H;
    __local float *Qs = lm, *KV = lm + Lq * dk, *S = KV + Lk * ldl;
    __global const float *qg = q + q_off + b * Lq * ldq + h * dk;
    __global const float *kg = kk + k_off + b * Lk * ldkv + h * dk;
    __global const float *vg = vv + v_off + b * Lk * ldkv + h * dk;
    for (uint e = lid; e < Lq * dk; e += nl) Qs[e] = qg[(e / dk) * ldq + e % dk];
    for (uint e = lid; e < Lk * dk; e += nl) KV[(e / dk) * ldl + e % dk] = kg[(e / dk) * ldkv + e % dk];
    barrier(CLK_LOCAL_MEM_FENCE);
    /* scores + bias, masked entries assigned -FLT_MAX (as attn_softmax_fwd) */
    for (uint e = lid; e < Lq * Lk; e += nl) {
        uint i = e / Lk, j = e % Lk;
        float s = 0.0f;
        for (uint c = 0; c < dk; c++) s += Qs[i * dk + c] * KV[j * ldl + c];
        if ((flags & ATT_BIAS) != 0) s += table[t_off + (uint)buckets[bk_off + e] * H + h];
        if (((flags & ATT_CAUSAL) != 0 && j > i) || ((flags & ATT_MASK) != 0 && keymask[m_off + b * Lk + j] == 0))
            s = -FLT_MAX;
        S[e] = s;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    /* V over K while the rows are normalised */
    for (uint e = lid; e < Lk * dk; e += nl) KV[(e / dk) * ldl + e % dk] = vg[(e / dk) * ldkv + e % dk];
    for (uint i = lid; i < Lq; i += nl) {
        __local float *r = S + i * Lk;
        float mx = -FLT_MAX;
        for (uint j = 0; j < Lk; j++) mx = fmax(mx, r[j]);
        float sum = 0.0f;
        for (uint j = 0; j < Lk; j++) {
            float x = exp(r[j] - mx);
            r[j] = x;
            sum += x;
        }
        float inv = 1.0f / sum;
        for (uint j = 0; j < Lk; j++) r[j] *= inv;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    __global float *pg = p + p_off + bh * Lq * Lk;
    for (uint e = lid; e < Lq * Lk; e += nl) pg[e] = S[e];
    __global float *og = out + o_off + b * Lq * ldo + h * dk;
    for (uint e = lid; e < Lq * dk; e += nl) {
        uint i = e / dk, c = e % dk;
        float acc = 0.0f;
        for (uint j = 0; j < Lk; j++) acc += S[i * Lk + j] * KV[j * ldl + c];
        og[i * ldo + c] = acc;
    }
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
                             uint ldkv, uint H, uint Lq, uint Lk, uint dk, uint ldl, __local float *lm)
{
    uint bh = get_group_id(0), lid = get_local_id(0), nl = get_local_size(0);
    uint b = bh / H, h = bh % H;
    __local float *X = lm, *KV = lm + Lq * dk, *S = KV + Lk * ldl, *D = S + Lq * Lk;
    uint qrow = b * Lq, krow = b * Lk, col = h * dk;
    __global const float *dog = dout + do_off + qrow * ldo + col;
    __global const float *og = out + o_off + qrow * ldo + col;
    __global const float *pg = p + p_off + bh * Lq * Lk;
    for (uint e = lid; e < Lq * dk; e += nl) X[e] = dog[(e / dk) * ldo + e % dk];
    for (uint e = lid; e < Lk * dk; e += nl) KV[(e / dk) * ldl + e % dk] = vv[v_off + (krow + e / dk) * ldkv + col + e % dk];
    for (uint e = lid; e < Lq * Lk; e += nl) S[e] = pg[e];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint i = lid; i < Lq; i += nl) {
        float acc = 0.0f;
        for (uint c = 0; c < dk; c++) acc += X[i * dk + c] * og[i * ldo + c];
        D[i] = acc;
    }
    for (uint e = lid; e < Lk * dk; e += nl) {
        uint j = e / dk, c = e % dk;
        float acc = 0.0f;
        for (uint i = 0; i < Lq; i++) acc += S[i * Lk + j] * X[i * dk + c];
        dv[dv_off + (krow + j) * ldkv + col + c] = acc;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint e = lid; e < Lq * Lk; e += nl) {
        uint i = e / Lk, j = e % Lk;
        float acc = 0.0f;
        for (uint c = 0; c < dk; c++) acc += X[i * dk + c] * KV[j * ldl + c];
        S[e] *= acc - D[i];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint e = lid; e < Lq * dk; e += nl) X[e] = q[q_off + (qrow + e / dk) * ldq + col + e % dk];
    for (uint e = lid; e < Lk * dk; e += nl) KV[(e / dk) * ldl + e % dk] = kk[k_off + (krow + e / dk) * ldkv + col + e % dk];
    if (want_ds != 0)
        for (uint e = lid; e < Lq * Lk; e += nl) ds[ds_off + bh * Lq * Lk + e] = S[e];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint e = lid; e < Lq * dk; e += nl) {
        uint i = e / dk, c = e % dk;
        float acc = 0.0f;
        for (uint j = 0; j < Lk; j++) acc += S[i * Lk + j] * KV[j * ldl + c];
        dq[dq_off + (qrow + i) * ldq + col + c] = acc;
    }
    for (uint e = lid; e < Lk * dk; e += nl) {
        uint j = e / dk, c = e % dk;
        float acc = 0.0f;
        for (uint i = 0; i < Lq; i++) acc += S[i * Lk + j] * X[i * dk + c];
        dkey[dk_off + (krow + j) * ldkv + col + c] = acc;
    }
}
