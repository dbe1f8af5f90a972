/* transformer.c - reference for cl/transformer.cl (gated GELU, tanh approximation). */
#include "ref/t5_ref.h"

#include <math.h>

static const double gk = 0.7978845608028654; /* sqrt(2/pi) */

void ref_gated_gelu_fwd(float *out, const float *in, size_t n, size_t f)
{
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < f; j++) {
            double a = in[r * 2 * f + j], b = in[r * 2 * f + f + j];
            out[r * f + j] = (float)(0.5 * a * (1.0 + tanh(gk * (a + 0.044715 * a * a * a))) * b);
        }
}

void ref_gated_gelu_bwd(float *din, const float *in, const float *dout, size_t n, size_t f)
{
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < f; j++) {
            double a = in[r * 2 * f + j], b = in[r * 2 * f + f + j], g = dout[r * f + j];
            double t = tanh(gk * (a + 0.044715 * a * a * a));
            double dt = (1.0 - t * t) * gk * (1.0 + 3.0 * 0.044715 * a * a);
            din[r * 2 * f + j] = (float)(g * b * (0.5 * (1.0 + t) + 0.5 * a * dt));
            din[r * 2 * f + f + j] = (float)(g * 0.5 * a * (1.0 + t));
        }
}
