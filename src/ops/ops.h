/* ops.h - host launchers of the op families in cl/: outputs first, then inputs, then
 * sizes; every tensor a view (buffer + element offset).  Backward launchers add into
 * gradients (+=).  The references in ref/ref.h define what each computes. */
#ifndef ARCHLLM_OPS_H
#define ARCHLLM_OPS_H

#include "backend/backend.h"

/* elementwise (cl/elementwise.cl) */
archllm_status archllm_op_add(archllm_ctx_t *ctx, archllm_view out, archllm_view a, archllm_view b, size_t n);
archllm_status archllm_op_mul(archllm_ctx_t *ctx, archllm_view out, archllm_view a, archllm_view b, size_t n);
archllm_status archllm_op_scale(archllm_ctx_t *ctx, archllm_view out, archllm_view x, float alpha, size_t n);
archllm_status archllm_op_axpy(archllm_ctx_t *ctx, archllm_view y, archllm_view x, float alpha, size_t n);
archllm_status archllm_op_relu_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view inp, size_t n);
archllm_status archllm_op_relu_bwd(archllm_ctx_t *ctx, archllm_view dinp, archllm_view inp, archllm_view dout,
                                   size_t n);
archllm_status archllm_op_gelu_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view inp, size_t n);
archllm_status archllm_op_gelu_bwd(archllm_ctx_t *ctx, archllm_view dinp, archllm_view inp, archllm_view dout,
                                   size_t n);
/* out(rows, cols) += bias(cols) */
archllm_status archllm_op_bias_add(archllm_ctx_t *ctx, archllm_view out, archllm_view bias, size_t rows,
                                   size_t cols);

/* GEMMs, with archllm_sgemm's arguments: C = alpha op(A) op(B) + beta C.  Products of
 * m*n*k up to tuning.matmul_max (the crossover `archllm tune` measures) run on
 * cl/linear.cl's kernels, which need no padding; larger ones and A^T B^T on CLBlast. */
archllm_status archllm_op_matmul(archllm_ctx_t *ctx, int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                                 archllm_view a, size_t lda, archllm_view b, size_t ldb, float beta, archllm_view c,
                                 size_t ldc);
/* A product that reads its input through an RMS norm (cl/linear.cl's linear_nn_rms, for
 * the T5's decoding): y(m, n) = epi(alpha rstd(x) x w) + beta y, rstd(x) = 1/sqrt(mean x^2
 * + eps) a row of x (m, k, rows ldx apart), w (k, n) rows ldw apart with the norm's weight
 * folded into its rows (archllm_op_transpose_scaled); ARCHLLM_EPI_GATED_GELU reads w as
 * (k, 2n) and gives gelu(first half) * second half. */
enum { ARCHLLM_EPI_NONE = 0, ARCHLLM_EPI_RELU = 1, ARCHLLM_EPI_GATED_GELU = 2 };
archllm_status archllm_op_matmul_rms(archllm_ctx_t *ctx, size_t m, size_t n, size_t k, float alpha, archllm_view x,
                                     size_t ldx, float eps, archllm_view w, size_t ldw, int epi, float beta,
                                     archllm_view y, size_t ldy);
/* out(C, R) = in(R, C)^T, rows ldout and ldin apart (cl/linear.cl) */
archllm_status archllm_op_transpose(archllm_ctx_t *ctx, archllm_view out, size_t ldout, archllm_view in, size_t ldin,
                                    size_t R, size_t C);
/* the same with out's row c times scale[c] */
archllm_status archllm_op_transpose_scaled(archllm_ctx_t *ctx, archllm_view out, size_t ldout, archllm_view in,
                                           size_t ldin, size_t R, size_t C, archllm_view scale);
/* whether archllm_op_matmul would run this product on cl/linear.cl */
int archllm_op_matmul_is_own(const archllm_ctx_t *ctx, int ta, int tb, size_t m, size_t n, size_t k);
/* always cl/linear.cl (EINVAL for A^T B^T): for tests and the tuner */
archllm_status archllm_op_matmul_own(archllm_ctx_t *ctx, int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                                     archllm_view a, size_t lda, archllm_view b, size_t ldb, float beta,
                                     archllm_view c, size_t ldc);

/* reductions (cl/reduce.cl); out is one float */
archllm_status archllm_op_sum(archllm_ctx_t *ctx, archllm_view out, archllm_view x, size_t n);
archllm_status archllm_op_sumsq(archllm_ctx_t *ctx, archllm_view out, archllm_view x, size_t n);
/* out(cols) += column sums of inp(rows, cols) */
archllm_status archllm_op_sum_rows(archllm_ctx_t *ctx, archllm_view out, archllm_view inp, size_t rows,
                                   size_t cols);

/* AdamW (cl/adamw.cl) over n parameters; norm_sq holds the squared global gradient norm
 * (archllm_op_sumsq of the whole flat gradient), read on the device. */
typedef struct {
    float lr, beta1, beta2, eps, weight_decay, max_norm; /* max_norm <= 0: no clipping */
    int   step;                                          /* 1-based, for bias correction */
} archllm_adamw_params;
/* bc1 = 1 - beta1^step, bc2 = 1 - beta2^step (in double, then rounded) */
void           archllm_adamw_bias_corrections(const archllm_adamw_params *p, int step, float *bc1, float *bc2);
archllm_status archllm_op_adamw(archllm_ctx_t *ctx, archllm_view param, archllm_view m, archllm_view v,
                                archllm_view grad, archllm_view norm_sq, size_t n,
                                const archllm_adamw_params *p);

/* The search surrogate's MLP ensemble (cl/ensemble.cl): M members of H units (16, 32 or
 * 64) over F features, stored at these offsets of a parameter table's buffers:
 * w1 (F, M*H) with member m's units in columns m*H.., b1 (M*H), w2 (M*H), b2 (M). */
typedef struct {
    size_t w1, b1, w2, b2;
} archllm_ensemble_layout;
/* The rows an ensemble reads: x (n, F) floats; or, when codes.buf is set, (n, L) int32
 * codes in [0, K), each standing for a row of tab (K, D), so F = L*D (the kernels then
 * sum per-code products of layer 1 instead of multiplying F features: scratch holds
 * 2*L*K*H floats a member, from an offset that is a multiple of 16 floats). */
typedef struct {
    archllm_view x;
    size_t       F;
    archllm_view codes, tab, scratch;
    size_t       L, K, D;
} archllm_ensemble_rows;
/* steps full-batch AdamW steps of every member on n rows with targets t (n), the loss the
 * mean over rows and members of (out - t)^2, from global step first_step (1-based) on;
 * hp's lr, betas, eps and weight_decay (on w1 and w2) apply, its clipping does not.
 * bc: room for 2 * steps floats, which the launcher fills with the bias corrections.  The
 * last step's gradient stays in grad.  update = 0: that gradient only (steps 1). */
archllm_status archllm_op_ensemble_fit(archllm_ctx_t *ctx, cl_mem param, cl_mem grad, cl_mem m, cl_mem v,
                                       const archllm_ensemble_layout *at, const archllm_ensemble_rows *rows,
                                       archllm_view t, archllm_view bc, size_t n, size_t M, size_t H, size_t steps,
                                       int first_step, const archllm_adamw_params *hp, int update);
/* out (n, M): every member's output for n rows */
archllm_status archllm_op_ensemble_predict(archllm_ctx_t *ctx, archllm_view out, cl_mem param,
                                           const archllm_ensemble_layout *at, const archllm_ensemble_rows *rows,
                                           size_t n, size_t M, size_t H);

#endif
