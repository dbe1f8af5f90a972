/* linear.c - references for cl/linear.cl: a linear layer (PyTorch's (out, in) weights)
 * with position embedding, bias and ReLU fused, and its gradients.  Double sums. */
#include "ref/vqvae_ref.h"
#include "ref/ref.h"
#include "ref/t5_ref.h"

#include <stdlib.h>
#include <string.h>

void ref_linear_fwd(float *y, const float *x, const float *w, const float *b, const float *pos, size_t npos,
                    size_t M, size_t N, size_t K, int relu)
{
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < N; n++) {
            double s = 0.0;
            for (size_t k = 0; k < K; k++) s += (double)x[m * K + k] * w[n * K + k];
            float v = (float)s;
            if (npos) v += pos[(m % npos) * N + n];
            v += b[n];
            y[m * N + n] = relu && !(v > 0.0f) ? 0.0f : v;
        }
}

void ref_linear_bwd_dx(float *dx, const float *dy, const float *w, size_t M, size_t O, size_t I)
{
    for (size_t m = 0; m < M; m++)
        for (size_t i = 0; i < I; i++) {
            double s = 0.0;
            for (size_t o = 0; o < O; o++) s += (double)dy[m * O + o] * w[o * I + i];
            dx[m * I + i] += (float)s;
        }
}

void ref_linear_bwd_dw(float *dw, float *db, const float *dy, const float *x, size_t M, size_t O, size_t I)
{
    for (size_t o = 0; o < O; o++) {
        for (size_t i = 0; i < I; i++) {
            double s = 0.0;
            for (size_t m = 0; m < M; m++) s += (double)dy[m * O + o] * x[m * I + i];
            dw[o * I + i] += (float)s;
        }
        if (db) {
            double s = 0.0;
            for (size_t m = 0; m < M; m++) s += dy[m * O + o];
            db[o] += (float)s;
        }
    }
}

void ref_linear_nn_rms(float *y, size_t ldy, const float *x, size_t ldx, const float *w, size_t ldw, size_t M,
                       size_t K, size_t N, float eps, int epi, float alpha, float beta)
{
    size_t cols = epi == 2 ? 2 * N : N;
    float *xs = calloc(M * K, sizeof *xs), *xn = malloc(M * K * sizeof *xn), *rstd = malloc(M * sizeof *rstd);
    float *ones = malloc(K * sizeof *ones), *pre = malloc(M * cols * sizeof *pre), *act = malloc(M * N * sizeof *act);
    if (xs && xn && rstd && ones && pre && act) {
        for (size_t m = 0; m < M; m++) memcpy(xs + m * K, x + m * ldx, K * sizeof *xs);
        for (size_t k = 0; k < K; k++) ones[k] = 1.0f;
        ref_rmsnorm_fwd(xn, rstd, xs, ones, M, K, eps);
        ref_sgemm(0, 0, M, cols, K, alpha, xn, K, w, ldw, 0.0f, pre, cols);
        if (epi == 2) ref_gated_gelu_fwd(act, pre, M, N);
        else
            for (size_t i = 0; i < M * N; i++) act[i] = epi == 1 && pre[i] < 0 ? 0.0f : pre[i];
        for (size_t m = 0; m < M; m++)
            for (size_t n = 0; n < N; n++) {
                float *p = y + m * ldy + n, v = act[m * N + n];
                if (beta != 0.0f) v += beta * *p; /* the kernels add beta y after the epilogue */
                *p = v;
            }
    }
    free(xs), free(xn), free(rstd), free(ones), free(pre), free(act);
}

void ref_transpose(float *out, size_t ldout, const float *in, size_t ldin, size_t R, size_t C, const float *scale)
{
    for (size_t r = 0; r < R; r++)
        for (size_t c = 0; c < C; c++) out[c * ldout + r] = in[r * ldin + c] * (scale ? scale[c] : 1.0f);
}
