/* recon.c - references for cl/recon.cl: op cross-entropy and adjacency
 * BCE-with-logits, forward and backward fused (the gradient needs the same softmax). */
#include "ref/vqvae_ref.h"

#include <math.h>

void ref_op_ce(float *loss, float *correct, float *dlogits, const float *logits, const float *target,
               const float *mask, float scale, size_t M, size_t F)
{
    for (size_t m = 0; m < M; m++) {
        const float *x = logits + m * F;
        size_t t = 0, am = 0;
        double mx = x[0];
        for (size_t f = 0; f < F; f++) {
            if (target[m * F + f] > target[m * F + t]) t = f;
            if (x[f] > x[am]) am = f;
            if (x[f] > mx) mx = x[f];
        }
        double z = 0.0;
        for (size_t f = 0; f < F; f++) z += exp(x[f] - mx);
        double lse = mx + log(z);
        loss[m] = (float)(mask[m] * (lse - x[t]));
        correct[m] = mask[m] * (am == t ? 1.0f : 0.0f);
        if (mask[m] == 0.0f) continue;
        for (size_t f = 0; f < F; f++)
            dlogits[m * F + f] += (float)(scale * (exp(x[f] - lse) - target[m * F + f]));
    }
}

void ref_adj_bce(float *loss, float *correct, float *dlogits, const float *logits, const float *adj,
                 const float *mask, float scale, size_t B, size_t N)
{
    for (size_t b = 0; b < B; b++)
        for (size_t v = 0; v < N; v++)
            for (size_t w = 0; w < N; w++) {
                size_t i = (b * N + v) * N + w;
                if (v >= w || mask[b * N + v] == 0.0f || mask[b * N + w] == 0.0f) {
                    loss[i] = correct[i] = 0.0f;
                    continue;
                }
                double x = logits[i], y = adj[i];
                loss[i] = (float)((x > 0 ? x : 0) - x * y + log1p(exp(-fabs(x))));
                correct[i] = ((x > 0) == (y > 0.5)) ? 1.0f : 0.0f;
                dlogits[i] += (float)(scale * (1.0 / (1.0 + exp(-x)) - y));
            }
}
