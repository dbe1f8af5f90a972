/* ref.h - plain-C references of every op family: the oracle the kernels are tested
 * against, written for clarity, not speed.  Same argument order as the launchers in
 * ops/ops.h (outputs first); backward functions add into gradients (+=). */
#ifndef ARCHLLM_REF_H
#define ARCHLLM_REF_H

#include <stddef.h>

/* elementwise */
void ref_add_fwd(float *out, const float *a, const float *b, size_t n);
void ref_mul_fwd(float *out, const float *a, const float *b, size_t n);
void ref_scale_fwd(float *out, const float *x, float alpha, size_t n);
void ref_axpy_fwd(float *y, const float *x, float alpha, size_t n);
void ref_relu_fwd(float *out, const float *inp, size_t n);
void ref_relu_bwd(float *dinp, const float *inp, const float *dout, size_t n);
void ref_gelu_fwd(float *out, const float *inp, size_t n);
void ref_gelu_bwd(float *dinp, const float *inp, const float *dout, size_t n);
void ref_bias_add_fwd(float *out /* (rows, cols) */, const float *bias /* (cols) */, size_t rows, size_t cols);

/* reductions */
void ref_sum(float *out /* (1) */, const float *x, size_t n);
void ref_sumsq(float *out /* (1) */, const float *x, size_t n);
void ref_sum_rows(float *out /* (cols) += */, const float *inp /* (rows, cols) */, size_t rows, size_t cols);

/* GEMM, row-major: C(M,N) = alpha * op(A) * op(B) + beta * C */
void ref_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
               const float *b, size_t ldb, float beta, float *c, size_t ldc);

/* AdamW step with global-norm clipping (norm_sq: squared global gradient norm) */
typedef struct {
    float lr, beta1, beta2, eps, weight_decay, max_norm;
    int   step; /* 1-based, for bias correction */
} ref_adamw_params;
void ref_adamw(float *param, float *m, float *v, const float *grad, float norm_sq, size_t n,
               const ref_adamw_params *p);

/* the search surrogate's MLP ensemble, the layout of ops.h's archllm_ensemble_layout:
 * offsets of w1 (F, M*H), b1 (M*H), w2 (M*H), b2 (M) in one parameter array */
typedef struct {
    size_t w1, b1, w2, b2;
} ref_ensemble_layout;
/* rows of L codes in [0, K) into tab (K, D) as the rows of L*D features they stand for */
void   ref_ensemble_expand(float *x /* (n, L*D) */, const int *codes /* (n, L) */, const float *tab, size_t n,
                           size_t L, size_t D);
void   ref_ensemble_predict(float *out /* (n, M) */, const float *param, const ref_ensemble_layout *at,
                            const float *x /* (n, F) */, size_t n, size_t F, size_t M, size_t H);
/* the mean over rows and members of (out - t)^2 */
double ref_ensemble_loss(const float *param, const ref_ensemble_layout *at, const float *x, const float *t,
                         size_t n, size_t F, size_t M, size_t H);
/* grad += dout * d loss / d param */
void   ref_ensemble_grad(float *grad, float dout, const float *param, const ref_ensemble_layout *at, const float *x,
                         const float *t, size_t n, size_t F, size_t M, size_t H);
/* archllm_op_ensemble_fit: steps full-batch AdamW steps from global step first_step (hp's
 * step and clipping unused; weight decay on w1 and w2), grad left with the last gradient;
 * update = 0: that gradient alone */
void   ref_ensemble_fit(float *param, float *grad, float *m, float *v, const ref_ensemble_layout *at, const float *x,
                        const float *t, size_t n, size_t F, size_t M, size_t H, size_t steps, int first_step,
                        const ref_adamw_params *hp, int update);

#endif
