/* quantize.c - references for cl/quantize.cl: nearest code, gather, straight-through and codebook
 * gradients, usage counts and the EMA codebook update. */
#include "ref/vqvae_ref.h"

void ref_vq_argmin(int32_t *idx, const float *z, const float *cb, size_t M, size_t K, size_t D)
{
    for (size_t m = 0; m < M; m++) {
        double best = 0.0;
        int32_t bk = 0;
        for (size_t k = 0; k < K; k++) {
            double d = 0.0;
            for (size_t j = 0; j < D; j++) {
                double e = (double)z[m * D + j] - cb[k * D + j];
                d += e * e;
            }
            if (k == 0 || d < best) {
                best = d;
                bk = (int32_t)k;
            }
        }
        idx[m] = bk;
    }
}

void ref_vq_gather(float *zq, const int32_t *idx, const float *cb, size_t M, size_t D)
{
    for (size_t m = 0; m < M; m++)
        for (size_t j = 0; j < D; j++) zq[m * D + j] = cb[(size_t)idx[m] * D + j];
}

void ref_vq_dist(float *loss, const float *z, const float *cb, const int32_t *idx, const float *mask, size_t M,
                 size_t D)
{
    for (size_t m = 0; m < M; m++) {
        double d = 0.0;
        for (size_t j = 0; j < D; j++) {
            double e = (double)z[m * D + j] - cb[(size_t)idx[m] * D + j];
            d += e * e;
        }
        loss[m] = (float)(mask[m] * d);
    }
}

void ref_vq_st_bwd(float *dz, const float *z, const float *cb, const int32_t *idx, const float *mask,
                   const float *dzq, float scale, float beta, size_t M, size_t D)
{
    for (size_t m = 0; m < M; m++)
        for (size_t j = 0; j < D; j++) {
            float diff = z[m * D + j] - cb[(size_t)idx[m] * D + j];
            dz[m * D + j] += dzq[m * D + j] + beta * scale * 2.0f * diff * mask[m];
        }
}

void ref_vq_cb_bwd(float *dcb, const float *z, const float *cb, const int32_t *idx, const float *mask, float scale,
                   size_t M, size_t K, size_t D)
{
    for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < D; j++) {
            double s = 0.0;
            for (size_t m = 0; m < M; m++)
                if ((size_t)idx[m] == k) s += (double)mask[m] * (cb[k * D + j] - z[m * D + j]);
            dcb[k * D + j] += (float)(2.0 * scale * s);
        }
}

void ref_vq_counts(float *counts, const int32_t *idx, const float *mask, size_t M, size_t K)
{
    for (size_t k = 0; k < K; k++) counts[k] = 0.0f;
    for (size_t m = 0; m < M; m++) counts[idx[m]] += mask[m];
}

void ref_vq_ema(float *cb, float *ema_n, float *ema_s, float *counts, const float *z, const int32_t *idx,
                const float *mask, const int32_t *restart, float decay, float threshold, size_t M, size_t K, size_t D)
{
    for (size_t k = 0; k < K; k++) {
        double n = 0.0;
        for (size_t m = 0; m < M; m++)
            if ((size_t)idx[m] == k) n += mask[m];
        counts[k] = (float)n;
        float en = decay * ema_n[k] + (1.0f - decay) * (float)n;
        int dead = en < threshold && restart[k] >= 0;
        ema_n[k] = dead ? 1.0f : en;
        for (size_t j = 0; j < D; j++) {
            double s = 0.0;
            for (size_t m = 0; m < M; m++)
                if ((size_t)idx[m] == k) s += (double)mask[m] * z[m * D + j];
            float es = decay * ema_s[k * D + j] + (1.0f - decay) * (float)s;
            if (dead) es = z[(size_t)restart[k] * D + j];
            ema_s[k * D + j] = es;
            cb[k * D + j] = es / (ema_n[k] > 1e-6f ? ema_n[k] : 1e-6f);
        }
    }
}
