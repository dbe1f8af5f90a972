/* graph.c - references for cl/graph.cl: GIN aggregation, node position embeddings and
 * the adjacency decoder (inner product or pair MLP).  Double accumulators. */
#include "ref/vqvae_ref.h"

void ref_gin_agg_fwd(float *out, const float *h, const float *adj, const float *eps, size_t B, size_t N, size_t C)
{
    for (size_t b = 0; b < B; b++) {
        const float *A = adj + b * N * N;
        for (size_t v = 0; v < N; v++)
            for (size_t c = 0; c < C; c++) {
                double s = (1.0 + eps[0]) * h[(b * N + v) * C + c];
                for (size_t w = 0; w < N; w++)
                    s += (double)(A[v * N + w] + A[w * N + v]) * h[(b * N + w) * C + c];
                out[(b * N + v) * C + c] = (float)s;
            }
    }
}

void ref_gin_agg_bwd(float *dh, float *deps, const float *h, const float *adj, const float *eps, const float *dout,
                     size_t B, size_t N, size_t C)
{
    double de = 0.0;
    for (size_t b = 0; b < B; b++) {
        const float *A = adj + b * N * N;
        for (size_t w = 0; w < N; w++)
            for (size_t c = 0; c < C; c++) {
                size_t i = (b * N + w) * C + c;
                double s = (1.0 + eps[0]) * dout[i];
                for (size_t v = 0; v < N; v++)
                    s += (double)(A[v * N + w] + A[w * N + v]) * dout[(b * N + v) * C + c];
                dh[i] += (float)s;
                de += (double)dout[i] * h[i];
            }
    }
    deps[0] += (float)de;
}

void ref_pos_add_fwd(float *out, const float *pos, size_t B, size_t N, size_t C)
{
    for (size_t b = 0; b < B; b++)
        for (size_t i = 0; i < N * C; i++) out[b * N * C + i] += pos[i];
}

void ref_pos_add_bwd(float *dpos, const float *dout, size_t B, size_t N, size_t C)
{
    for (size_t i = 0; i < N * C; i++) {
        double s = 0.0;
        for (size_t b = 0; b < B; b++) s += dout[b * N * C + i];
        dpos[i] += (float)s;
    }
}

void ref_adj_dec_fwd(float *logits, const float *st, const float *par, int mode, size_t B, size_t N, size_t A)
{
    const float *b1 = par, *w2 = par + A, b0 = par[2 * A];
    for (size_t b = 0; b < B; b++)
        for (size_t v = 0; v < N; v++)
            for (size_t w = 0; w < N; w++) {
                float *o = &logits[(b * N + v) * N + w];
                if (v >= w) {
                    *o = 0.0f;
                    continue;
                }
                const float *s = st + (b * N + v) * 2 * A, *t = st + (b * N + w) * 2 * A + A;
                double acc = b0;
                for (size_t a = 0; a < A; a++) {
                    if (mode == ARCHLLM_ADJ_INNER) {
                        acc += (double)s[a] * t[a];
                    } else {
                        float pre = s[a] + t[a] + b1[a];
                        if (pre > 0.0f) acc += (double)w2[a] * pre;
                    }
                }
                *o = (float)acc;
            }
}

void ref_adj_dec_bwd(float *dst, float *dpar, const float *st, const float *par, const float *dlogits, int mode,
                     size_t B, size_t N, size_t A)
{
    const float *b1 = par, *w2 = par + A;
    for (size_t b = 0; b < B; b++)
        for (size_t v = 0; v < N; v++)
            for (size_t w = v + 1; w < N; w++) {
                float g = dlogits[(b * N + v) * N + w];
                const float *s = st + (b * N + v) * 2 * A, *t = st + (b * N + w) * 2 * A + A;
                float *ds = dst + (b * N + v) * 2 * A, *dt = dst + (b * N + w) * 2 * A + A;
                dpar[2 * A] += g;
                for (size_t a = 0; a < A; a++) {
                    if (mode == ARCHLLM_ADJ_INNER) {
                        ds[a] += g * t[a];
                        dt[a] += g * s[a];
                    } else {
                        float pre = s[a] + t[a] + b1[a];
                        if (pre > 0.0f) {
                            float gp = g * w2[a];
                            ds[a] += gp;
                            dt[a] += gp;
                            dpar[a] += gp;
                            dpar[A + a] += g * pre;
                        }
                    }
                }
            }
}

void ref_relu_mask_bwd(float *dy, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(y[i] > 0.0f)) dy[i] = 0.0f;
}
