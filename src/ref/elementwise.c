/* elementwise.c - references for cl/elementwise.cl. */
#include "ref/ref.h"

#include <math.h>

void ref_add_fwd(float *out, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void ref_mul_fwd(float *out, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}

void ref_scale_fwd(float *out, const float *x, float alpha, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = alpha * x[i];
}

void ref_axpy_fwd(float *y, const float *x, float alpha, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

void ref_relu_fwd(float *out, const float *inp, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void ref_relu_bwd(float *dinp, const float *inp, const float *dout, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (inp[i] > 0.0f) dinp[i] += dout[i];
}

static const double gelu_c = 0.7978845608028654; /* sqrt(2/pi) */

void ref_gelu_fwd(float *out, const float *inp, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double x = inp[i];
        out[i] = (float)(0.5 * x * (1.0 + tanh(gelu_c * (x + 0.044715 * x * x * x))));
    }
}

void ref_gelu_bwd(float *dinp, const float *inp, const float *dout, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double x = inp[i];
        double t = tanh(gelu_c * (x + 0.044715 * x * x * x));
        double dt = (1.0 - t * t) * gelu_c * (1.0 + 3.0 * 0.044715 * x * x);
        dinp[i] += (float)(dout[i] * (0.5 * (1.0 + t) + 0.5 * x * dt));
    }
}

void ref_bias_add_fwd(float *out, const float *bias, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) out[r * cols + c] += bias[c];
}
