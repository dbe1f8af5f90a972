/* cases_linear.c - op cases of cl/linear.cl against src/ref/linear.c, and gradient checks
 * of the references.  Odd sizes exercise every tile's row tail and column edges (blocks of
 * LIN_COLS, then single columns; the comments below count them at the default 4 x 2 x 16
 * tile), K in chunks, and the K tail of the norms' float16 pass; tests/test_ops_tiles.sh
 * runs them on every tile. */
#include "harness.h"
#include "ops/vqvae_ops.h"
#include "ref/vqvae_ref.h"

#include <math.h>

/* fwd: in = {x, w, b, pos}, out = {y}; s = {M, N, K, npos, relu} */
static void ref_lf(const op_case *c, float **in, float **out)
{
    ref_linear_fwd(out[0], in[0], in[1], in[2], in[3], c->s[3], c->s[0], c->s[1], c->s[2], (int)c->s[4]);
}
static archllm_status dev_lf(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_linear_fwd(x, out[0], in[0], in[1], in[2], in[3], c->s[3], c->s[0], c->s[1], c->s[2],
                                 (int)c->s[4]);
}
static void mk_lf(op_case *c, size_t M, size_t N, size_t K, size_t npos, int relu)
{
    harness_case(c, "", 4, 1);
    snprintf(c->name, sizeof c->name, "linear_fwd M=%zu N=%zu K=%zu npos=%zu relu=%d", M, N, K, npos, relu);
    c->s[0] = M, c->s[1] = N, c->s[2] = K, c->s[3] = npos, c->s[4] = (size_t)relu;
    c->in_n[0] = M * K, c->in_n[1] = N * K, c->in_n[2] = N, c->in_n[3] = npos ? npos * N : 1;
    c->out_n[0] = M * N;
    c->ref = ref_lf, c->dev = dev_lf;
    c->flops = 2.0 * M * N * K, c->bytes = 4.0 * (M * K + N * K + M * N);
    /* K float products vs a double sum */
    c->atol = 2e-6 * sqrt((double)K), c->rtol = 1e-5, c->nerr = 1e-6;
}
/* dx: in = {dy, w, relu_y}, out = {dx}; s = {M, O, I, accumulate, relu}.  dx starts random
 * either way, so a write that adds (or an add that writes) fails; relu_y has exact zeros */
static void init_ldx(const op_case *c, float **in, float **out)
{
    (void)out;
    for (size_t i = 0; i < c->in_n[2]; i += 7) in[2][i] = 0.0f;
}
static void ref_ldx(const op_case *c, float **in, float **out)
{
    if (!c->s[3]) memset(out[0], 0, c->out_n[0] * sizeof(float));
    ref_linear_bwd_dx(out[0], in[0], in[1], c->s[0], c->s[1], c->s[2]);
    if (c->s[4]) ref_relu_mask_bwd(out[0], in[2], c->out_n[0]);
}
static archllm_status dev_ldx(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    archllm_view none = {NULL, 0};
    return archllm_op_linear_bwd_dx(x, out[0], in[0], in[1], c->s[0], c->s[1], c->s[2], (int)c->s[3],
                                    c->s[4] ? in[2] : none);
}
static void mk_ldx(op_case *c, size_t M, size_t O, size_t I, int acc, int relu)
{
    harness_case(c, "", 3, 1);
    snprintf(c->name, sizeof c->name, "linear_bwd_dx M=%zu O=%zu I=%zu%s%s", M, O, I, acc ? " +=" : "",
             relu ? " relu" : "");
    c->s[0] = M, c->s[1] = O, c->s[2] = I, c->s[3] = (size_t)acc, c->s[4] = (size_t)relu;
    c->in_n[0] = M * O, c->in_n[1] = O * I, c->in_n[2] = M * I, c->out_n[0] = M * I;
    c->init = init_ldx;
    c->out_init = 1;
    c->ref = ref_ldx, c->dev = dev_ldx;
    c->flops = 2.0 * M * O * I, c->bytes = 4.0 * (M * O + O * I + (size_t)((acc ? 2 : 1) + relu) * M * I);
    c->atol = 2e-6 * sqrt((double)O), c->rtol = 1e-5, c->nerr = 1e-6;
}
/* dw: in = {dy, x}, out = {dw, db}; s = {M, O, I} */
static void ref_ldw(const op_case *c, float **in, float **out)
{
    ref_linear_bwd_dw(out[0], out[1], in[0], in[1], c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_ldw(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_linear_bwd_dw(x, out[0], out[1], in[0], in[1], c->s[0], c->s[1], c->s[2]);
}
static void mk_ldw(op_case *c, size_t M, size_t O, size_t I)
{
    harness_case(c, "", 2, 2);
    snprintf(c->name, sizeof c->name, "linear_bwd_dw M=%zu O=%zu I=%zu", M, O, I);
    c->s[0] = M, c->s[1] = O, c->s[2] = I;
    c->in_n[0] = M * O, c->in_n[1] = M * I, c->out_n[0] = O * I, c->out_n[1] = O;
    c->out_init = 1;
    c->ref = ref_ldw, c->dev = dev_ldw;
    c->flops = 2.0 * M * O * I, c->bytes = 4.0 * (M * O + M * I + 2 * O * I);
    /* sums over M rows in float */
    c->atol = 2e-6 * sqrt((double)M), c->rtol = 1e-5, c->nerr = 1e-6;
}

/* rms-normed product: in = {x, w}, out = {y}; s = {M, K, N, epi, ldx, ldw, ldy} */
static void ref_lrms(const op_case *c, float **in, float **out)
{
    ref_linear_nn_rms(out[0], c->s[6], in[0], c->s[4], in[1], c->s[5], c->s[0], c->s[1], c->s[2], c->f[0],
                      (int)c->s[3], c->f[1], c->f[2]);
}
static archllm_status dev_lrms(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_matmul_rms(x, c->s[0], c->s[2], c->s[1], c->f[1], in[0], c->s[4], c->f[0], in[1], c->s[5],
                                 (int)c->s[3], c->f[2], out[0], c->s[6]);
}
static void mk_lrms(op_case *c, size_t M, size_t K, size_t N, int epi, float beta, size_t pad)
{
    harness_case(c, "", 2, 1);
    snprintf(c->name, sizeof c->name, "linear_nn_rms M=%zu K=%zu N=%zu epi=%d beta=%g pad=%zu", M, K, N, epi,
             (double)beta, pad);
    size_t cols = epi == 2 ? 2 * N : N, ldx = K + pad, ldw = cols + pad, ldy = N + pad;
    c->s[0] = M, c->s[1] = K, c->s[2] = N, c->s[3] = (size_t)epi, c->s[4] = ldx, c->s[5] = ldw, c->s[6] = ldy;
    c->f[0] = 1e-6f, c->f[1] = epi == 2 ? 1.0f : 0.5f, c->f[2] = beta;
    c->in_n[0] = M * ldx, c->in_n[1] = K * ldw;
    c->out_n[0] = M * ldy;
    c->out_init = beta != 0.0f || pad; /* the padding between rows must stay as it was */
    c->ref = ref_lrms, c->dev = dev_lrms;
    c->flops = 2.0 * M * cols * K, c->bytes = 4.0 * (M * K + K * cols + M * N);
    c->atol = 4e-6 * sqrt((double)K), c->rtol = 1e-5, c->nerr = 2e-6;
}

/* transpose: in = {in, scale}, out = {out}; s = {R, C, ldin, ldout, scaled} */
static void ref_tr(const op_case *c, float **in, float **out)
{
    ref_transpose(out[0], c->s[3], in[0], c->s[2], c->s[0], c->s[1], c->s[4] ? in[1] : NULL);
}
static archllm_status dev_tr(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    if (c->s[4]) return archllm_op_transpose_scaled(x, out[0], c->s[3], in[0], c->s[2], c->s[0], c->s[1], in[1]);
    return archllm_op_transpose(x, out[0], c->s[3], in[0], c->s[2], c->s[0], c->s[1]);
}
static void mk_tr(op_case *c, size_t R, size_t C, size_t pad, int scaled)
{
    harness_case(c, "", 2, 1);
    snprintf(c->name, sizeof c->name, "transpose R=%zu C=%zu pad=%zu%s", R, C, pad, scaled ? " scaled" : "");
    c->s[0] = R, c->s[1] = C, c->s[2] = C + pad, c->s[3] = R + pad, c->s[4] = (size_t)scaled;
    c->in_n[0] = R * (C + pad), c->in_n[1] = C;
    c->out_n[0] = C * (R + pad);
    c->out_init = pad > 0;
    c->ref = ref_tr, c->dev = dev_tr;
    c->atol = 0, c->rtol = 0, c->nerr = 0; /* a copy, or one product an element */
}

int cases_linear(op_case *cases, int cap, int perf)
{
    int n = 0;
    if (perf) {
        HARNESS_ADD(n, cap, mk_lf(&cases[n], 1792, 128, 128, 0, 1));
        HARNESS_ADD(n, cap, mk_ldx(&cases[n], 1792, 128, 128, 0, 0)); /* as the VQ-VAE and PyTorch's dy @ W: written */
        HARNESS_ADD(n, cap, mk_ldw(&cases[n], 1792, 128, 128));
        /* the VQ-VAE's narrow layers: the latent projection (out 16) and the decoder's first (in 16) */
        HARNESS_ADD(n, cap, mk_lf(&cases[n], 1792, 16, 128, 0, 0));
        HARNESS_ADD(n, cap, mk_lf(&cases[n], 1792, 128, 16, 7, 1));
        HARNESS_ADD(n, cap, mk_ldw(&cases[n], 1792, 16, 128));
        HARNESS_ADD(n, cap, mk_ldw(&cases[n], 1792, 128, 16));
        HARNESS_ADD(n, cap, mk_ldx(&cases[n], 1792, 16, 128, 0, 0));
        /* the T5 shapes of the sgemm perf cases (cases_basic.c) */
        HARNESS_ADD(n, cap, mk_lf(&cases[n], 640, 192, 64, 0, 0));
        HARNESS_ADD(n, cap, mk_lf(&cases[n], 640, 64, 128, 0, 0));
        HARNESS_ADD(n, cap, mk_ldw(&cases[n], 640, 192, 64));
        HARNESS_ADD(n, cap, mk_ldx(&cases[n], 640, 192, 64, 0, 0));
        /* one decoding step at the pipeline's batch: q|k|v and the gated GELU */
        HARNESS_ADD(n, cap, mk_lrms(&cases[n], 500, 64, 192, 0, 0.0f, 0));
        HARNESS_ADD(n, cap, mk_lrms(&cases[n], 500, 64, 128, 2, 0.0f, 0));
        return n;
    }
    HARNESS_ADD(n, cap, mk_tr(&cases[n], 1, 1, 0, 0));
    HARNESS_ADD(n, cap, mk_tr(&cases[n], 37, 13, 3, 0));
    HARNESS_ADD(n, cap, mk_tr(&cases[n], 64, 192, 0, 1));
    HARNESS_ADD(n, cap, mk_tr(&cases[n], 5, 7, 2, 1));
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 1, 1, 1, 0, 0.0f, 0));
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 37, 64, 192, 0, 0.0f, 0));  /* the decoder's q|k|v */
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 13, 64, 128, 2, 0.0f, 3));  /* its gated GELU */
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 6, 24, 21, 1, 1.0f, 5));    /* column tail, ReLU, beta */
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 9, 33, 40, 2, 0.25f, 1));
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 4, 7, 16, 0, 0.0f, 0)); /* K off the 16-float norm pass */
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 7, 64, 53, 1, 0.5f, 2)); /* 32 + 16 + 5 columns, ReLU, beta */
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 5, 64, 37, 0, 0.0f, 0)); /* the head's 37 tokens */
    HARNESS_ADD(n, cap, mk_lrms(&cases[n], 5, 24, 12, 2, 0.0f, 0)); /* gated, narrower than a tile: single columns */
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 1, 1, 1, 0, 0));
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 37, 13, 12, 0, 1));
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 56, 32, 40, 7, 1));
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 35, 5, 128, 0, 0));
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 9, 21, 7, 0, 1));   /* a 16-column block, then 5 single columns */
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 11, 48, 17, 3, 0)); /* a 32-column block, then a 16-column one */
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 13, 40, 300, 5, 1)); /* K in two chunks: the epilogue once, at the end */
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 13, 70, 40, 5, 1));  /* full 64-column tiles with the epilogue */
    HARNESS_ADD(n, cap, mk_lf(&cases[n], 13, 70, 300, 5, 1)); /* the same, K in two chunks */
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 1, 1, 1, 1, 0));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 37, 13, 12, 1, 0));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 38, 64, 48, 1, 0));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 35, 5, 133, 1, 0));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 13, 520, 24, 1, 0)); /* K = O in three chunks, adding to dx */
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 1, 1, 1, 0, 0));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 38, 64, 48, 0, 0));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 35, 5, 133, 0, 0));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 13, 520, 24, 0, 0)); /* the first chunk writes, the others add */
    /* through a ReLU: an add then the mask, tile edges and single columns, the last chunk only */
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 37, 13, 12, 1, 1));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 38, 64, 48, 0, 1));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 35, 5, 133, 0, 1));
    HARNESS_ADD(n, cap, mk_ldx(&cases[n], 13, 520, 24, 0, 1));
    HARNESS_ADD(n, cap, mk_ldw(&cases[n], 1, 1, 1));
    HARNESS_ADD(n, cap, mk_ldw(&cases[n], 37, 13, 12));
    HARNESS_ADD(n, cap, mk_ldw(&cases[n], 301, 64, 48));
    HARNESS_ADD(n, cap, mk_ldw(&cases[n], 35, 5, 133));
    HARNESS_ADD(n, cap, mk_ldw(&cases[n], 29, 6, 56)); /* 32-wide block, then 16 + 8 scalar */
    HARNESS_ADD(n, cap, mk_ldw(&cases[n], 29, 7, 128));
    HARNESS_ADD(n, cap, mk_ldw(&cases[n], 29, 37, 40)); /* bias sums: two of 16 outputs, then 5 single */
    return n;
}

/* ---- gradients: y = relu(x w^T + pos + b); in = {x, w, b, pos} ------------------------ */
static void g_lin_init(const grad_case *g, float **in)
{
    (void)g;
    (void)in;
}
static void g_lin_fwd(const grad_case *g, float **in, float *out)
{
    ref_linear_fwd(out, in[0], in[1], in[2], in[3], g->s[3], g->s[0], g->s[1], g->s[2], 0);
}
static void g_lin_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    size_t M = g->s[0], N = g->s[1], K = g->s[2], np = g->s[3];
    ref_linear_bwd_dx(din[0], dout, in[1], M, N, K);
    ref_linear_bwd_dw(din[1], din[2], dout, in[0], M, N, K);
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < N; n++) din[3][(m % np) * N + n] += dout[m * N + n];
}

int grads_linear(grad_case *cases, int cap)
{
    int n = 0;
    if (n < cap) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "linear");
        g->n_in = 4;
        g->s[0] = 14, g->s[1] = 5, g->s[2] = 9, g->s[3] = 7;
        g->in_n[0] = 14 * 9, g->in_n[1] = 5 * 9, g->in_n[2] = 5, g->in_n[3] = 7 * 5, g->out_n = 14 * 5;
        g->wrt = 15;
        g->init = g_lin_init, g->fwd = g_lin_fwd, g->bwd = g_lin_bwd;
    }
    return n;
}
