/* ensemble.c - reference for cl/ensemble.cl: the members' forward, the loss's gradient
 * by hand (in double), and full-batch AdamW through ref_adamw. */
#include "ref/ref.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define REF_ENS_MAX_H 64 /* hidden units a member: 16, 32 or 64, as the kernels */

/* member m's hidden units on row x (pre-activations into a) and its output */
static double member(double *a, const float *param, const ref_ensemble_layout *at, const float *x, size_t F, size_t M,
                     size_t H, size_t m)
{
    size_t MH = M * H;
    double out = param[at->b2 + m];
    for (size_t u = 0; u < H; u++) {
        size_t c = m * H + u;
        double s = param[at->b1 + c];
        for (size_t f = 0; f < F; f++) s += (double)x[f] * param[at->w1 + f * MH + c];
        a[u] = s;
        if (s > 0) out += param[at->w2 + c] * s;
    }
    return out;
}

void ref_ensemble_expand(float *x, const int *codes, const float *tab, size_t n, size_t L, size_t D)
{
    for (size_t i = 0; i < n * L; i++) memcpy(x + i * D, tab + (size_t)codes[i] * D, D * sizeof *x);
}

void ref_ensemble_predict(float *out, const float *param, const ref_ensemble_layout *at, const float *x, size_t n,
                          size_t F, size_t M, size_t H)
{
    double a[REF_ENS_MAX_H];
    assert(H <= REF_ENS_MAX_H);
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < M; m++) out[i * M + m] = (float)member(a, param, at, x + i * F, F, M, H, m);
}

double ref_ensemble_loss(const float *param, const ref_ensemble_layout *at, const float *x, const float *t, size_t n,
                         size_t F, size_t M, size_t H)
{
    double a[REF_ENS_MAX_H], loss = 0;
    assert(H <= REF_ENS_MAX_H);
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < M; m++) {
            double e = member(a, param, at, x + i * F, F, M, H, m) - t[i];
            loss += e * e;
        }
    return loss / (double)(n * M);
}

void ref_ensemble_grad(float *grad, float dout, const float *param, const ref_ensemble_layout *at, const float *x,
                       const float *t, size_t n, size_t F, size_t M, size_t H)
{
    size_t MH = M * H;
    double a[REF_ENS_MAX_H];
    assert(H <= REF_ENS_MAX_H);
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < M; m++) {
            double d = dout * 2.0 * (member(a, param, at, x + i * F, F, M, H, m) - t[i]) / (double)(n * M);
            grad[at->b2 + m] += (float)d;
            for (size_t u = 0; u < H; u++) {
                size_t c = m * H + u;
                if (a[u] <= 0) continue;
                double dh = d * param[at->w2 + c];
                grad[at->w2 + c] += (float)(d * a[u]);
                grad[at->b1 + c] += (float)dh;
                for (size_t f = 0; f < F; f++) grad[at->w1 + f * MH + c] += (float)(dh * x[i * F + f]);
            }
        }
}

void ref_ensemble_fit(float *param, float *grad, float *m, float *v, const ref_ensemble_layout *at, const float *x,
                      const float *t, size_t n, size_t F, size_t M, size_t H, size_t steps, int first_step,
                      const ref_adamw_params *hp, int update)
{
    size_t MH = M * H;
    /* each tensor: offset, size, decayed */
    struct { size_t off, n; int decay; } ts[4] = {{at->w1, F * MH, 1}, {at->b1, MH, 0}, {at->w2, MH, 1}, {at->b2, M, 0}};
    for (size_t s = 0; s < steps; s++) {
        for (int k = 0; k < 4; k++) memset(grad + ts[k].off, 0, ts[k].n * sizeof *grad);
        ref_ensemble_grad(grad, 1.0f, param, at, x, t, n, F, M, H);
        if (!update) continue;
        for (int k = 0; k < 4; k++) {
            ref_adamw_params p = *hp;
            p.max_norm = 0;
            p.step = first_step + (int)s;
            if (!ts[k].decay) p.weight_decay = 0;
            ref_adamw(param + ts[k].off, m + ts[k].off, v + ts[k].off, grad + ts[k].off, 0, ts[k].n, &p);
        }
    }
}
