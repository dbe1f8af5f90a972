/* quantize.cl - vector quantization kernels: code norms and argmax over GEMM scores
 * (nearest code), gather, straight-through / commitment and codebook gradients, usage
 * counts and the EMA codebook update with dead-code restarts.
 * References: src/ref/quantize.c.  Indices are int32. */

/* hn[k] = -||cb[k]||^2 / 2: the bias of the score GEMM */
__kernel void vq_norms(__global float *hn, uint hn_off, __global const float *cb, uint cb_off, uint K, uint D)
{
    uint k = get_global_id(0);
    GUARD(k, K);
    float s = 0.0f;
    for (uint j = 0; j < D; j++) {
        float e = cb[cb_off + k * D + j];
        s += e * e;
    }
    hn[hn_off + k] = -0.5f * s;
}

/* idx[m] = argmin_k ||z - e_k||^2 = argmax_k scores[m,k] with scores = z.e_k - ||e_k||^2/2
 * (||z||^2 is common to a row); lowest k on ties.  16 lanes of running maxima first (each
 * keeps its first maximum), then the lowest index among the lanes' best, then the tail:
 * the scalar scan's branches were half of the quantizer's time. */
__kernel void vq_argmin(__global int *idx, uint idx_off, __global const float *scores, uint scores_off, uint M,
                        uint K)
{
    uint m = get_global_id(0);
    GUARD(m, M);
    __global const float *sc = scores + scores_off + (size_t)m * K;
    float best = sc[0];
    int bk = 0;
    uint k = 1;
    if (K >= 16) {
        const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        float16 bv = vload16(0, sc);
        int16 bi = lane, nan = isnan(bv);
        nan.s0 = 0; /* NaNs are skipped, as by the scalar scan (which starts from sc[0] whatever it is) */
        bv = select(bv, (float16)(-INFINITY), nan);
        for (k = 16; k + 16 <= K; k += 16) {
            float16 v = vload16(0, sc + k);
            int16 gt = isgreater(v, bv);
            bv = select(bv, v, gt);
            bi = select(bi, lane + (int)k, gt);
        }
        float b[16];
        int   bix[16];
        vstore16(bv, 0, b);
        vstore16(bi, 0, bix);
        best = b[0], bk = bix[0];
        for (int l = 1; l < 16; l++)
            if (b[l] > best || (b[l] == best && bix[l] < bk)) best = b[l], bk = bix[l];
    }
    for (; k < K; k++) {
        if (sc[k] > best) {
            best = sc[k];
            bk = (int)k;
        }
    }
    idx[idx_off + m] = bk;
}

/* zq[m,j] = cb[idx[m], j] */
__kernel void vq_gather(__global float *zq, uint zq_off, __global const int *idx, uint idx_off,
                        __global const float *cb, uint cb_off, uint M, uint D)
{
    uint i = get_global_id(0);
    GUARD(i, M * D);
    uint m = i / D, j = i % D;
    zq[zq_off + i] = cb[cb_off + (uint)idx[idx_off + m] * D + j];
}

/* loss[m] = mask[m] ||z[m] - cb[idx[m]]||^2 */
__kernel void vq_dist(__global float *loss, uint loss_off, __global const float *z, uint z_off,
                      __global const float *cb, uint cb_off, __global const int *idx, uint idx_off,
                      __global const float *mask, uint mask_off, uint M, uint D)
{
    uint m = get_global_id(0);
    GUARD(m, M);
    uint k = (uint)idx[idx_off + m];
    float s = 0.0f;
    for (uint j = 0; j < D; j++) {
        float e = z[z_off + m * D + j] - cb[cb_off + k * D + j];
        s += e * e;
    }
    loss[loss_off + m] = mask[mask_off + m] * s;
}

/* dz += dzq + beta * scale * 2 (z - e) mask (acc = 0: dz = that, for the gradient's first writer) */
__kernel void vq_st_bwd(__global float *dz, uint dz_off, __global const float *z, uint z_off,
                        __global const float *cb, uint cb_off, __global const int *idx, uint idx_off,
                        __global const float *mask, uint mask_off, __global const float *dzq, uint dzq_off,
                        float scale, float beta, uint M, uint D, uint acc)
{
    uint i = get_global_id(0);
    GUARD(i, M * D);
    uint m = i / D, j = i % D;
    float diff = z[z_off + i] - cb[cb_off + (uint)idx[idx_off + m] * D + j];
    float g = dzq[dzq_off + i] + beta * scale * 2.0f * diff * mask[mask_off + m];
    dz[dz_off + i] = acc ? dz[dz_off + i] + g : g;
}

/* dcb[k] += scale * 2 sum_{idx[m]=k} mask[m] (cb[k] - z[m]); one item per code (no atomics). */
__kernel void vq_cb_bwd(__global float *dcb, uint dcb_off, __global const float *z, uint z_off,
                        __global const float *cb, uint cb_off, __global const int *idx, uint idx_off,
                        __global const float *mask, uint mask_off, float scale, uint M, uint K, uint D)
{
    uint k = get_global_id(0);
    GUARD(k, K);
    float n = 0.0f;
    for (uint m = 0; m < M; m++) /* first the count: the cb[k] term is n * cb[k] */
        if ((uint)idx[idx_off + m] == k) n += mask[mask_off + m];
    if (n == 0.0f) return;
    for (uint j = 0; j < D; j++) {
        float s = n * cb[cb_off + k * D + j];
        for (uint m = 0; m < M; m++)
            if ((uint)idx[idx_off + m] == k) s -= mask[mask_off + m] * z[z_off + m * D + j];
        dcb[dcb_off + k * D + j] += 2.0f * scale * s;
    }
}

/* counts[k] = sum_{idx[m]=k} mask[m], 16 codes an item as the lanes of a float16: each
 * lane adds its rows' weights in row order and 0 for the others, so each count is the
 * scalar scan's sum (an item a code, each reading every row's code, took 0.165 ms at
 * 1792 rows and 512 codes in a stream; 16 lanes take 0.05 ms) */
__kernel void vq_counts(__global float *counts, uint counts_off, __global const int *idx, uint idx_off,
                        __global const float *mask, uint mask_off, uint M, uint K)
{
    uint k0 = get_global_id(0) * 16;
    GUARD(k0, K);
    const int16 code = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) + (int)k0;
    float16 n = 0.0f;
    for (uint m = 0; m < M; m++)
        n += select((float16)(0.0f), (float16)(mask[mask_off + m]), (int16)(idx[idx_off + m]) == code);
    if (k0 + 16 <= K) {
        vstore16(n, 0, counts + counts_off + k0);
        return;
    }
    float c[16];
    vstore16(n, 0, c);
    for (uint j = 0; k0 + j < K; j++) counts[counts_off + k0 + j] = c[j];
}

/* EMA update with dead-code restarts, one item per code (see ref_vq_ema). */
__kernel void vq_ema(__global float *cb, uint cb_off, __global float *ema_n, uint en_off, __global float *ema_s,
                     uint es_off, __global float *counts, uint counts_off, __global const float *z, uint z_off,
                     __global const int *idx, uint idx_off, __global const float *mask, uint mask_off,
                     __global const int *restart, uint rs_off, float decay, float threshold, uint M, uint K,
                     uint D)
{
    uint k = get_global_id(0);
    GUARD(k, K);
    /* the code's count and its sum of z, in its codebook row (overwritten below): one pass
     * over the rows, summed in row order as a pass per coordinate would */
    __global float *sum = cb + cb_off + k * D;
    float           n = 0.0f;
    for (uint j = 0; j < D; j++) sum[j] = 0.0f;
    for (uint m = 0; m < M; m++)
        if ((uint)idx[idx_off + m] == k) {
            n += mask[mask_off + m];
            for (uint j = 0; j < D; j++) sum[j] += mask[mask_off + m] * z[z_off + m * D + j];
        }
    counts[counts_off + k] = n;
    float en = decay * ema_n[en_off + k] + (1.0f - decay) * n;
    int r = restart[rs_off + k];
    int dead = en < threshold && r >= 0;
    en = dead ? 1.0f : en;
    ema_n[en_off + k] = en;
    for (uint j = 0; j < D; j++) {
        float es = decay * ema_s[es_off + k * D + j] + (1.0f - decay) * sum[j];
        if (dead) es = z[z_off + (uint)r * D + j];
        ema_s[es_off + k * D + j] = es;
        cb[cb_off + k * D + j] = es / fmax(en, 1e-6f);
    }
}
