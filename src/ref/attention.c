/* attention.c - references for cl/attention.cl (both paths, and KV-cache decoding) and the
 * relative position bucket. */
#include "ref/t5_ref.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

void ref_split_heads(float *out, const float *in, size_t B, size_t L, size_t H, size_t dk, size_t ld_in,
                     size_t Lcap, size_t l0)
{
    for (size_t b = 0; b < B; b++)
        for (size_t l = 0; l < L; l++)
            for (size_t h = 0; h < H; h++)
                for (size_t j = 0; j < dk; j++)
                    out[((b * H + h) * Lcap + l0 + l) * dk + j] = in[(b * L + l) * ld_in + h * dk + j];
}

void ref_merge_heads(float *out, const float *in, size_t B, size_t L, size_t H, size_t dk, size_t ld_out)
{
    for (size_t b = 0; b < B; b++)
        for (size_t l = 0; l < L; l++)
            for (size_t h = 0; h < H; h++)
                for (size_t j = 0; j < dk; j++)
                    out[(b * L + l) * ld_out + h * dk + j] = in[((b * H + h) * L + l) * dk + j];
}

void ref_attn_softmax_fwd(float *s, const float *table, const int32_t *buckets, const int32_t *keymask, size_t B,
                          size_t H, size_t Lq, size_t Lk, unsigned flags, size_t q0)
{
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++)
            for (size_t q = 0; q < Lq; q++) {
                float *x = s + ((b * H + h) * Lq + q) * Lk;
                double mx = -DBL_MAX, sum = 0.0;
                for (size_t k = 0; k < Lk; k++) {
                    float v = x[k];
                    if (flags & REF_ATT_BIAS) v += table[(size_t)buckets[q * Lk + k] * H + h];
                    if (((flags & REF_ATT_CAUSAL) && k > q + q0) || ((flags & REF_ATT_MASK) && keymask[b * Lk + k] == 0))
                        v = -FLT_MAX;
                    x[k] = v;
                    if (v > mx) mx = v;
                }
                for (size_t k = 0; k < Lk; k++) sum += exp((double)x[k] - mx);
                for (size_t k = 0; k < Lk; k++) x[k] = (float)(exp((double)x[k] - mx) / sum);
            }
}

void ref_attn_softmax_bwd(float *dp, const float *p, size_t rows, size_t Lk)
{
    for (size_t r = 0; r < rows; r++) {
        double dot = 0.0;
        for (size_t k = 0; k < Lk; k++) dot += (double)dp[r * Lk + k] * p[r * Lk + k];
        for (size_t k = 0; k < Lk; k++) dp[r * Lk + k] = (float)(p[r * Lk + k] * (dp[r * Lk + k] - dot));
    }
}

void ref_attn_bias_reduce(float *acc, const float *ds, size_t B, size_t H, size_t Lq, size_t Lk)
{
    size_t hw = H * Lq * Lk;
    for (size_t i = 0; i < hw; i++) {
        double s = 0.0;
        for (size_t b = 0; b < B; b++) s += ds[b * hw + i];
        acc[i] += (float)s;
    }
}

void ref_attn_bias_bwd(float *dtable, const float *acc, const int32_t *buckets, size_t NB, size_t H, size_t Lq,
                       size_t Lk)
{
    for (size_t h = 0; h < H; h++)
        for (size_t q = 0; q < Lq; q++)
            for (size_t k = 0; k < Lk; k++) {
                size_t nb = (size_t)buckets[q * Lk + k];
                if (nb < NB) dtable[nb * H + h] += acc[(h * Lq + q) * Lk + k];
            }
}

void ref_attn_decode(float *out, const float *q, size_t ldq, float *kc, float *vc, size_t cb, size_t ch, size_t cs,
                     const float *kn, const float *vn, size_t ldn, const float *table, const int32_t *buckets,
                     const int32_t *keymask, size_t B, size_t H, size_t Lk, size_t dk, unsigned flags)
{
    double *s = malloc((Lk ? Lk : 1) * sizeof *s);
    if (!s) return;
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++) {
            size_t bh = b * H + h;
            const float *qq = q + b * ldq + h * dk;
            float *K = kc + b * cb + h * ch, *V = vc + b * cb + h * ch;
            if (kn)
                for (size_t j = 0; j < dk; j++) {
                    K[(Lk - 1) * cs + j] = kn[b * ldn + h * dk + j];
                    V[(Lk - 1) * cs + j] = vn[b * ldn + h * dk + j];
                }
            double mx = -DBL_MAX, sum = 0.0;
            for (size_t k = 0; k < Lk; k++) {
                double v = 0.0;
                for (size_t j = 0; j < dk; j++) v += (double)qq[j] * K[k * cs + j];
                if (flags & REF_ATT_BIAS) v += table[(size_t)buckets[k] * H + h];
                if ((flags & REF_ATT_MASK) && keymask[b * Lk + k] == 0) v = -FLT_MAX;
                s[k] = v;
                if (v > mx) mx = v;
            }
            for (size_t k = 0; k < Lk; k++) sum += (s[k] = exp(s[k] - mx));
            for (size_t j = 0; j < dk; j++) {
                double acc = 0.0;
                for (size_t k = 0; k < Lk; k++) acc += s[k] * V[k * cs + j];
                out[bh * dk + j] = (float)(acc / sum);
            }
        }
    free(s);
}

/* Fused attention in the projection layout (ref/t5_ref.h): per (b, h) the scores
 * s = q_i . k_j (no 1/sqrt(dk)) + bias, masked entries assigned -FLT_MAX, p = softmax_j(s),
 * out_i = sum_j p_ij v_j; every sum in double. */
void ref_attn_fused_fwd(float *out, size_t ldo, float *p, const float *q, size_t ldq, const float *k,
                        const float *v, size_t ldkv, const float *table, const int32_t *buckets,
                        const int32_t *keymask, size_t B, size_t H, size_t Lq, size_t Lk, size_t dk, unsigned flags)
{
    double *s = malloc((Lk ? Lk : 1) * sizeof *s);
    if (!s) return;
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++)
            for (size_t i = 0; i < Lq; i++) {
                const float *qi = q + (b * Lq + i) * ldq + h * dk;
                double mx = -DBL_MAX, sum = 0.0;
                for (size_t j = 0; j < Lk; j++) {
                    const float *kj = k + (b * Lk + j) * ldkv + h * dk;
                    double acc = 0.0;
                    for (size_t c = 0; c < dk; c++) acc += (double)qi[c] * kj[c];
                    if (flags & REF_ATT_BIAS) acc += table[(size_t)buckets[i * Lk + j] * H + h];
                    if (((flags & REF_ATT_CAUSAL) && j > i) || ((flags & REF_ATT_MASK) && keymask[b * Lk + j] == 0))
                        acc = -FLT_MAX;
                    s[j] = acc;
                    if (acc > mx) mx = acc;
                }
                for (size_t j = 0; j < Lk; j++) sum += (s[j] = exp(s[j] - mx));
                float *pi = p + ((b * H + h) * Lq + i) * Lk;
                for (size_t j = 0; j < Lk; j++) pi[j] = (float)(s[j] / sum);
                for (size_t c = 0; c < dk; c++) {
                    double acc = 0.0;
                    for (size_t j = 0; j < Lk; j++) acc += s[j] / sum * v[(b * Lk + j) * ldkv + h * dk + c];
                    out[(b * Lq + i) * ldo + h * dk + c] = (float)acc;
                }
            }
    free(s);
}

/* dP = dout V^T, dV = P^T dout, dS = P (dP - rowsum(dP P)), dQ = dS K, dK = dS^T Q (doc/t5.md) */
void ref_attn_fused_bwd(float *dq, float *dkey, float *dv, float *ds, const float *dout, size_t ldo, const float *p,
                        const float *q, size_t ldq, const float *k, const float *v, size_t ldkv, size_t B, size_t H,
                        size_t Lq, size_t Lk, size_t dk)
{
    double *g = malloc((Lq * Lk > 0 ? Lq * Lk : 1) * sizeof *g);
    if (!g) return;
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++) {
            const float *P = p + (b * H + h) * Lq * Lk;
            for (size_t i = 0; i < Lq; i++) {
                const float *di = dout + (b * Lq + i) * ldo + h * dk;
                double dot = 0.0;
                for (size_t j = 0; j < Lk; j++) {
                    const float *vj = v + (b * Lk + j) * ldkv + h * dk;
                    double acc = 0.0;
                    for (size_t c = 0; c < dk; c++) acc += (double)di[c] * vj[c];
                    g[i * Lk + j] = acc;
                    dot += acc * P[i * Lk + j];
                }
                for (size_t j = 0; j < Lk; j++) g[i * Lk + j] = P[i * Lk + j] * (g[i * Lk + j] - dot);
            }
            if (ds)
                for (size_t i = 0; i < Lq * Lk; i++) ds[(b * H + h) * Lq * Lk + i] = (float)g[i];
            for (size_t i = 0; i < Lq; i++)
                for (size_t c = 0; c < dk; c++) {
                    double acc = 0.0;
                    for (size_t j = 0; j < Lk; j++) acc += g[i * Lk + j] * k[(b * Lk + j) * ldkv + h * dk + c];
                    dq[(b * Lq + i) * ldq + h * dk + c] = (float)acc;
                }
            for (size_t j = 0; j < Lk; j++)
                for (size_t c = 0; c < dk; c++) {
                    double ak = 0.0, av = 0.0;
                    for (size_t i = 0; i < Lq; i++) {
                        ak += g[i * Lk + j] * q[(b * Lq + i) * ldq + h * dk + c];
                        av += (double)P[i * Lk + j] * dout[(b * Lq + i) * ldo + h * dk + c];
                    }
                    dkey[(b * Lk + j) * ldkv + h * dk + c] = (float)ak;
                    dv[(b * Lk + j) * ldkv + h * dk + c] = (float)av;
                }
        }
    free(g);
}

/* T5.md 1.5: log in float32 as Hugging Face does (agrees with a double version everywhere
 * checked), truncation toward zero, clamp to the last bucket. */
int ref_t5_bucket(long rel, int bidirectional, int num_buckets, int max_distance)
{
    int ret = 0;
    long n;
    if (bidirectional) {
        num_buckets /= 2;
        if (rel > 0) ret += num_buckets;
        n = labs(rel);
    } else {
        n = rel < 0 ? -rel : 0;
    }
    int max_exact = num_buckets / 2;
    if (n < max_exact) return ret + (int)n;
    float lg = logf((float)n / (float)max_exact) / (float)log((double)max_distance / max_exact);
    long large = max_exact + (long)(lg * (float)(num_buckets - max_exact));
    if (large > num_buckets - 1) large = num_buckets - 1;
    return ret + (int)large;
}
