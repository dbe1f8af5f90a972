/* xent.c - reference for cl/xent.cl (fused softmax cross-entropy, in place). */
#include "ref/t5_ref.h"

#include <math.h>

void ref_xent_fwd_bwd(float *x, float *losses, const int32_t *labels, size_t n, size_t V, float scale)
{
    for (size_t r = 0; r < n; r++) {
        float *z = x + r * V;
        int32_t lab = labels[r];
        if (lab < 0 || (size_t)lab >= V) {
            for (size_t k = 0; k < V; k++) z[k] = 0.0f;
            losses[r] = 0.0f;
            continue;
        }
        double mx = z[0], sum = 0.0;
        for (size_t k = 1; k < V; k++) if (z[k] > mx) mx = z[k];
        for (size_t k = 0; k < V; k++) sum += exp((double)z[k] - mx);
        losses[r] = (float)(mx + log(sum) - z[lab]);
        for (size_t k = 0; k < V; k++) z[k] = (float)(exp((double)z[k] - mx) / sum * scale);
        z[lab] -= scale;
    }
}
