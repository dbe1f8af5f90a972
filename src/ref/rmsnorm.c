/* rmsnorm.c - references for cl/rmsnorm.cl (T5LayerNorm), accumulating in double. */
#include "ref/t5_ref.h"

#include <math.h>

void ref_rmsnorm_fwd(float *out, float *rstd, const float *x, const float *w, size_t n, size_t d, float eps)
{
    for (size_t r = 0; r < n; r++) {
        double ss = 0.0;
        for (size_t j = 0; j < d; j++) ss += (double)x[r * d + j] * x[r * d + j];
        double rs = 1.0 / sqrt(ss / (double)d + eps);
        rstd[r] = (float)rs;
        for (size_t j = 0; j < d; j++) out[r * d + j] = (float)(w[j] * (x[r * d + j] * rs));
    }
}

void ref_rmsnorm_bwd(float *dx, float *dw, const float *x, const float *w, const float *rstd, const float *dout,
                     size_t n, size_t d)
{
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * d, *dy = dout + r * d;
        double rs = rstd[r], dot = 0.0;
        for (size_t j = 0; j < d; j++) dot += (double)w[j] * dy[j] * xr[j];
        double c = rs * rs * rs * dot / (double)d;
        for (size_t j = 0; j < d; j++) {
            dx[r * d + j] += (float)(rs * w[j] * dy[j] - xr[j] * c);
            dw[j] += (float)((double)dy[j] * xr[j] * rs);
        }
    }
}
