/* reduce.c - references for cl/reduce.cl and for GEMM (accumulating in double, so they
 * are a stricter truth than any float kernel). */
#include "ref/ref.h"

void ref_sum(float *out, const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    out[0] = (float)s;
}

void ref_sumsq(float *out, const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    out[0] = (float)s;
}

void ref_sum_rows(float *out, const float *inp, size_t rows, size_t cols)
{
    for (size_t c = 0; c < cols; c++) {
        double s = 0.0;
        for (size_t r = 0; r < rows; r++) s += inp[r * cols + c];
        out[c] += (float)s;
    }
}

void ref_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
               const float *b, size_t ldb, float beta, float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t p = 0; p < k; p++) {
                double av = trans_a ? a[p * lda + i] : a[i * lda + p];
                double bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
                s += av * bv;
            }
            c[i * ldc + j] = (float)(alpha * s + (beta == 0.0f ? 0.0 : (double)beta * c[i * ldc + j]));
        }
}
