/* cases_basic.c - op cases of the foundation's families: elementwise, reductions,
 * GEMM through CLBlast, AdamW; and the gradient checks of their references. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define randu harness_randu

/* elementwise ---------------------------------------------------------------- */
static void ref_add(const op_case *c, float **in, float **out) { ref_add_fwd(out[0], in[0], in[1], c->s[0]); }
static archllm_status dev_add(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_add(x, out[0], in[0], in[1], c->s[0]);
}
static void ref_mul(const op_case *c, float **in, float **out) { ref_mul_fwd(out[0], in[0], in[1], c->s[0]); }
static archllm_status dev_mul(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_mul(x, out[0], in[0], in[1], c->s[0]);
}
static void ref_scale(const op_case *c, float **in, float **out) { ref_scale_fwd(out[0], in[0], c->f[0], c->s[0]); }
static archllm_status dev_scale(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_scale(x, out[0], in[0], c->f[0], c->s[0]);
}
static void ref_axpy(const op_case *c, float **in, float **out) { ref_axpy_fwd(out[0], in[0], c->f[0], c->s[0]); }
static archllm_status dev_axpy(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_axpy(x, out[0], in[0], c->f[0], c->s[0]);
}
static void ref_relu(const op_case *c, float **in, float **out) { ref_relu_fwd(out[0], in[0], c->s[0]); }
static archllm_status dev_relu(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_relu_fwd(x, out[0], in[0], c->s[0]);
}
static void ref_relub(const op_case *c, float **in, float **out) { ref_relu_bwd(out[0], in[0], in[1], c->s[0]); }
static archllm_status dev_relub(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_relu_bwd(x, out[0], in[0], in[1], c->s[0]);
}
static void ref_gelu(const op_case *c, float **in, float **out) { ref_gelu_fwd(out[0], in[0], c->s[0]); }
static archllm_status dev_gelu(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_gelu_fwd(x, out[0], in[0], c->s[0]);
}
static void ref_gelub(const op_case *c, float **in, float **out) { ref_gelu_bwd(out[0], in[0], in[1], c->s[0]); }
static archllm_status dev_gelub(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_gelu_bwd(x, out[0], in[0], in[1], c->s[0]);
}
static void ref_bias(const op_case *c, float **in, float **out) { ref_bias_add_fwd(out[0], in[0], c->s[0], c->s[1]); }
static archllm_status dev_bias(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_bias_add(x, out[0], in[0], c->s[0], c->s[1]);
}

/* Pointwise op over n elements: n_in inputs, one output. */
static void mk_pointwise(op_case *c, const char *name, size_t n, int n_in, int accumulate,
                         void (*ref)(const op_case *, float **, float **),
                         archllm_status (*dev)(archllm_ctx_t *, const op_case *, const archllm_view *,
                                               const archllm_view *))
{
    snprintf(c->name, sizeof c->name, "%s n=%zu", name, n);
    c->n_in = n_in;
    c->n_out = 1;
    for (int i = 0; i < n_in; i++) c->in_n[i] = n;
    c->out_n[0] = n;
    c->out_init = accumulate;
    c->s[0] = n;
    c->f[0] = -0.75f;
    c->flops = (double)n;
    c->bytes = (double)n * 4 * (n_in + 1 + accumulate);
    /* float ops against a double-accumulating reference: 1-2 ulp per element */
    c->atol = 1e-6;
    c->rtol = 1e-5;
    c->nerr = 1e-6;
    c->ref = ref;
    c->dev = dev;
}

static void mk_bias(op_case *c, size_t rows, size_t cols)
{
    snprintf(c->name, sizeof c->name, "bias_add rows=%zu cols=%zu", rows, cols);
    c->n_in = 1;
    c->n_out = 1;
    c->in_n[0] = cols;
    c->out_n[0] = rows * cols;
    c->out_init = 1;
    c->s[0] = rows;
    c->s[1] = cols;
    c->flops = (double)rows * cols;
    c->bytes = 8.0 * rows * cols;
    c->atol = 1e-6;
    c->rtol = 1e-6;
    c->nerr = 1e-7;
    c->ref = ref_bias;
    c->dev = dev_bias;
}

/* reductions ------------------------------------------------------------------ */
static void ref_sumc(const op_case *c, float **in, float **out) { ref_sum(out[0], in[0], c->s[0]); }
static archllm_status dev_sumc(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_sum(x, out[0], in[0], c->s[0]);
}
static void ref_sumsqc(const op_case *c, float **in, float **out) { ref_sumsq(out[0], in[0], c->s[0]); }
static archllm_status dev_sumsqc(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_sumsq(x, out[0], in[0], c->s[0]);
}
static void ref_rows(const op_case *c, float **in, float **out) { ref_sum_rows(out[0], in[0], c->s[0], c->s[1]); }
static archllm_status dev_rows(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_sum_rows(x, out[0], in[0], c->s[0], c->s[1]);
}

static void mk_reduce(op_case *c, const char *name, size_t n, void (*ref)(const op_case *, float **, float **),
                      archllm_status (*dev)(archllm_ctx_t *, const op_case *, const archllm_view *,
                                            const archllm_view *))
{
    snprintf(c->name, sizeof c->name, "%s n=%zu", name, n);
    c->n_in = 1;
    c->n_out = 1;
    c->in_n[0] = n;
    c->out_n[0] = 1;
    c->s[0] = n;
    c->flops = (double)n;
    c->bytes = 4.0 * n;
    /* float tree sum vs double sum: error grows like sqrt(n) ulps of the partial sums */
    c->atol = 1e-5 * sqrt((double)n);
    c->rtol = 1e-5;
    c->nerr = 1e-5;
    c->ref = ref;
    c->dev = dev;
}

static void mk_sum_rows(op_case *c, size_t rows, size_t cols)
{
    snprintf(c->name, sizeof c->name, "sum_rows rows=%zu cols=%zu", rows, cols);
    c->n_in = 1;
    c->n_out = 1;
    c->in_n[0] = rows * cols;
    c->out_n[0] = cols;
    c->out_init = 1;
    c->s[0] = rows;
    c->s[1] = cols;
    c->flops = (double)rows * cols;
    c->bytes = 4.0 * rows * cols;
    c->atol = 1e-5 * sqrt((double)rows); /* sequential float sum over rows */
    c->rtol = 1e-5;
    c->nerr = 1e-5;
    c->ref = ref_rows;
    c->dev = dev_rows;
}

/* GEMMs: through CLBlast (archllm_sgemm) or cl/linear.cl (archllm_op_matmul_own) ---------- */
/* s = {m, n, k, trans_a | trans_b << 1, own, pad}: every leading dimension `pad` elements
 * past its rows; f = {alpha, beta}; C starts random (beta). */
static void gemm_lds(const op_case *c, size_t *lda, size_t *ldb, size_t *ldc)
{
    int ta = c->s[3] & 1, tb = (c->s[3] >> 1) & 1;
    size_t m = c->s[0], n = c->s[1], k = c->s[2], pad = c->s[5];
    *lda = (ta ? m : k) + pad, *ldb = (tb ? k : n) + pad, *ldc = n + pad;
}
static void ref_gemm(const op_case *c, float **in, float **out)
{
    int ta = c->s[3] & 1, tb = (c->s[3] >> 1) & 1;
    size_t lda, ldb, ldc;
    gemm_lds(c, &lda, &ldb, &ldc);
    ref_sgemm(ta, tb, c->s[0], c->s[1], c->s[2], c->f[0], in[0], lda, in[1], ldb, c->f[1], out[0], ldc);
}
static archllm_status dev_gemm(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    int ta = c->s[3] & 1, tb = (c->s[3] >> 1) & 1;
    size_t m = c->s[0], n = c->s[1], k = c->s[2], lda, ldb, ldc;
    gemm_lds(c, &lda, &ldb, &ldc);
    if (c->s[4]) return archllm_op_matmul_own(x, ta, tb, m, n, k, c->f[0], in[0], lda, in[1], ldb, c->f[1], out[0], ldc);
    return archllm_sgemm(x, ta, tb, m, n, k, c->f[0], in[0], lda, in[1], ldb, c->f[1], out[0], ldc);
}
/* beta 0: C starts as NaN inside its m x n block (the padding stays random), so a kernel
 * that read C anyway would fail the comparison; the reference never reads it */
static void gemm_nan_c(const op_case *c, float **in, float **out)
{
    (void)in;
    size_t lda, ldb, ldc;
    gemm_lds(c, &lda, &ldb, &ldc);
    for (size_t i = 0; i < c->s[0]; i++)
        for (size_t j = 0; j < c->s[1]; j++) out[0][i * ldc + j] = NAN;
}
static void mk_gemm_on(op_case *c, size_t m, size_t n, size_t k, int ta, int tb, int own, size_t pad, float beta)
{
    snprintf(c->name, sizeof c->name, "%s %s%s (%zu,%zu)x(%zu,%zu)%s beta=%g", own ? "matmul" : "sgemm",
             ta ? "T" : "N", tb ? "T" : "N", m, k, k, n, pad ? " strided" : "", beta);
    c->n_in = 2;
    c->n_out = 1;
    c->s[0] = m;
    c->s[1] = n;
    c->s[2] = k;
    c->s[3] = (size_t)(ta | tb << 1);
    c->s[4] = (size_t)own;
    c->s[5] = pad;
    size_t lda, ldb, ldc;
    gemm_lds(c, &lda, &ldb, &ldc);
    c->in_n[0] = (ta ? k : m) * lda;
    c->in_n[1] = (tb ? n : k) * ldb;
    c->out_n[0] = m * ldc;
    c->out_init = 1;
    c->f[0] = 0.5f;
    c->f[1] = beta;
    c->flops = 2.0 * m * n * k;
    c->bytes = 4.0 * (m * k + k * n + 2 * m * n);
    /* K float products summed in the device's order vs a double reference */
    c->atol = 2e-6 * sqrt((double)k);
    c->rtol = 1e-5;
    c->nerr = 1e-6;
    c->ref = ref_gemm;
    c->dev = dev_gemm;
    if (beta == 0.0f) c->init = gemm_nan_c;
}
static void mk_gemm(op_case *c, size_t m, size_t n, size_t k, int ta, int tb)
{
    mk_gemm_on(c, m, n, k, ta, tb, 0, 0, 0.25f);
}

/* AdamW: in = {grad}, out = {param, m, v} updated in place; f = lr b1 b2 eps wd max_norm, s[1] = step */
static void adamw_params(const op_case *c, ref_adamw_params *p)
{
    p->lr = c->f[0];
    p->beta1 = c->f[1];
    p->beta2 = c->f[2];
    p->eps = c->f[3];
    p->weight_decay = c->f[4];
    p->max_norm = c->f[5];
    p->step = (int)c->s[1];
}
static void ref_adam(const op_case *c, float **in, float **out)
{
    ref_adamw_params p;
    float norm_sq;
    adamw_params(c, &p);
    ref_sumsq(&norm_sq, in[0], c->s[0]);
    /* the second moment must stay >= 0: the harness fills outputs with [-1,1) */
    for (size_t i = 0; i < c->s[0]; i++) out[2][i] = fabsf(out[2][i]);
    ref_adamw(out[0], out[1], out[2], in[0], norm_sq, c->s[0], &p);
}
static archllm_status dev_adam(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    ref_adamw_params rp;
    adamw_params(c, &rp);
    archllm_adamw_params p = {rp.lr, rp.beta1, rp.beta2, rp.eps, rp.weight_decay, rp.max_norm, rp.step};
    cl_mem norm;
    size_t n = c->s[0];
    float *v = malloc(n * sizeof(float));
    if (!v) return archllm_fail(ARCHLLM_ENOMEM, "adamw test");
    /* same |v| as the reference saw */
    archllm_status s = archllm_buf_read(x, v, out[2].buf, out[2].off * sizeof(float), n * sizeof(float));
    for (size_t i = 0; s == ARCHLLM_OK && i < n; i++) v[i] = fabsf(v[i]);
    if (s == ARCHLLM_OK) s = archllm_buf_write(x, out[2].buf, out[2].off * sizeof(float), v, n * sizeof(float));
    free(v);
    if (s != ARCHLLM_OK) return s;
    ARCHLLM_TRY(archllm_buf_alloc(x, &norm, sizeof(float)));
    s = archllm_op_sumsq(x, (archllm_view){norm, 0}, in[0], n);
    if (s == ARCHLLM_OK) s = archllm_op_adamw(x, out[0], out[1], out[2], in[0], (archllm_view){norm, 0}, n, &p);
    if (s == ARCHLLM_OK) s = archllm_ctx_finish(x);
    archllm_buf_free(&norm);
    return s;
}
static void mk_adamw(op_case *c, size_t n, float max_norm, int step)
{
    snprintf(c->name, sizeof c->name, "adamw n=%zu max_norm=%g step=%d", n, max_norm, step);
    c->n_in = 1;
    c->n_out = 3;
    c->in_n[0] = n;
    c->out_n[0] = c->out_n[1] = c->out_n[2] = n;
    c->out_init = 1;
    c->s[0] = n;
    c->s[1] = (size_t)step;
    c->f[0] = 1e-2f;
    c->f[1] = 0.9f;
    c->f[2] = 0.999f;
    c->f[3] = 1e-8f;
    c->f[4] = 0.1f;
    c->f[5] = max_norm;
    c->flops = 20.0 * n;
    c->bytes = 4.0 * 7 * n;
    /* m/sqrt(v) amplifies float rounding where v is tiny; the update is lr-sized */
    c->atol = 1e-5;
    c->rtol = 1e-4;
    c->nerr = 1e-5;
    c->ref = ref_adam;
    c->dev = dev_adam;
}

int cases_basic(op_case *cases, int cap, int perf)
{
    int n = 0;
#define ADD(call) do { if (n < cap) { memset(&cases[n], 0, sizeof cases[n]); call; n++; } } while (0)
    /* sizes: odd ones exercise the rounded-up global size and the bounds guards */
    static const size_t pw_small[] = {1, 63, 1000, 4099};
    static const size_t pw_perf[] = {1 << 22};
    const size_t *pw = perf ? pw_perf : pw_small;
    int npw = perf ? 1 : 4;
    for (int i = 0; i < npw; i++) {
        ADD(mk_pointwise(&cases[n], "add", pw[i], 2, 0, ref_add, dev_add));
        ADD(mk_pointwise(&cases[n], "mul", pw[i], 2, 0, ref_mul, dev_mul));
        ADD(mk_pointwise(&cases[n], "scale", pw[i], 1, 0, ref_scale, dev_scale));
        ADD(mk_pointwise(&cases[n], "axpy", pw[i], 1, 1, ref_axpy, dev_axpy));
        ADD(mk_pointwise(&cases[n], "relu_fwd", pw[i], 1, 0, ref_relu, dev_relu));
        ADD(mk_pointwise(&cases[n], "relu_bwd", pw[i], 2, 1, ref_relub, dev_relub));
        ADD(mk_pointwise(&cases[n], "gelu_fwd", pw[i], 1, 0, ref_gelu, dev_gelu));
        ADD(mk_pointwise(&cases[n], "gelu_bwd", pw[i], 2, 1, ref_gelub, dev_gelub));
        ADD(mk_reduce(&cases[n], "sum", pw[i], ref_sumc, dev_sumc));
        ADD(mk_reduce(&cases[n], "sumsq", pw[i], ref_sumsqc, dev_sumsqc));
        ADD(mk_adamw(&cases[n], pw[i], 0.0f, 1));
        ADD(mk_adamw(&cases[n], pw[i], 0.5f, 7)); /* clipping active: ||g|| > 0.5 */
    }
    if (perf) {
        ADD(mk_bias(&cases[n], 4096, 1024));
        ADD(mk_sum_rows(&cases[n], 4096, 1024));
        ADD(mk_gemm(&cases[n], 1024, 1024, 1024, 0, 0));
        ADD(mk_gemm(&cases[n], 4096, 128, 128, 0, 0));
        /* nb201-default's T5 at batch 64 (640 tokens): q|k|v, d_ff forward; dW and dx of q|k|v */
        ADD(mk_gemm(&cases[n], 640, 192, 64, 0, 1));
        ADD(mk_gemm(&cases[n], 640, 64, 128, 0, 1));
        ADD(mk_gemm(&cases[n], 192, 64, 640, 1, 0));
        ADD(mk_gemm(&cases[n], 640, 64, 192, 0, 0));
        ADD(mk_gemm_on(&cases[n], 640, 192, 64, 0, 1, 1, 0, 0.0f));
        ADD(mk_gemm_on(&cases[n], 640, 192, 64, 0, 0, 1, 0, 0.0f));
        ADD(mk_gemm_on(&cases[n], 1792, 128, 128, 0, 0, 1, 0, 0.0f)); /* the VQ-VAE's layers as NN */
        ADD(mk_gemm_on(&cases[n], 500, 192, 64, 0, 1, 1, 0, 0.0f));
        ADD(mk_gemm_on(&cases[n], 500, 192, 64, 0, 0, 1, 0, 0.0f));
        ADD(mk_gemm_on(&cases[n], 640, 64, 128, 0, 1, 1, 0, 1.0f));
        ADD(mk_gemm_on(&cases[n], 192, 64, 640, 1, 0, 1, 0, 1.0f));
        ADD(mk_gemm_on(&cases[n], 640, 64, 192, 0, 0, 1, 0, 0.0f));
        /* bench gemm's sizes, and t5-small's output head's dx (K = its vocabulary): timing only,
         * as every perf case; the chunks are checked at K = 600 above */
        ADD(mk_gemm_on(&cases[n], 512, 512, 512, 0, 0, 1, 0, 0.0f));
        ADD(mk_gemm_on(&cases[n], 1024, 1024, 1024, 0, 0, 1, 0, 0.0f));
        ADD(mk_gemm_on(&cases[n], 256, 512, 32128, 0, 0, 1, 0, 0.0f));
    } else {
        ADD(mk_reduce(&cases[n], "sumsq", 1000003, ref_sumsqc, dev_sumsqc)); /* > 256 groups: grid-stride */
        ADD(mk_bias(&cases[n], 1, 7));
        ADD(mk_bias(&cases[n], 37, 129));
        ADD(mk_sum_rows(&cases[n], 1, 5));
        ADD(mk_sum_rows(&cases[n], 301, 67));
        for (int t = 0; t < 4; t++) ADD(mk_gemm(&cases[n], 33, 17, 65, t & 1, t >> 1));
        ADD(mk_gemm(&cases[n], 1, 1, 1, 0, 0));
        /* cl/linear.cl as a GEMM: the three products it has, odd sizes (block and vector
         * tails), strided rows, beta 0 (C starts as NaN: it must not be read), 1 and 0.25 */
        for (int t = 0; t < 3; t++) {
            int ta = t == 2, tb = t == 0;
            ADD(mk_gemm_on(&cases[n], 33, 17, 65, ta, tb, 1, 0, 0.25f));
            ADD(mk_gemm_on(&cases[n], 37, 35, 18, ta, tb, 1, 3, 0.0f));
            ADD(mk_gemm_on(&cases[n], 8, 48, 32, ta, tb, 1, 5, 1.0f));
            ADD(mk_gemm_on(&cases[n], 1, 1, 1, ta, tb, 1, 0, 0.0f));
            /* K over linear.c's chunk of 256: NN and NT in three launches, the last one short */
            ADD(mk_gemm_on(&cases[n], 19, 70, 600, ta, tb, 1, 2, t == 1 ? 0.5f : 0.0f));
        }
        ADD(mk_gemm(&cases[n], 128, 96, 64, 0, 0));
    }
#undef ADD
    return n;
}


/* ---- gradients of the references ------------------------------------------- */

static void g_relu_fwd(const grad_case *g, float **in, float *out) { ref_relu_fwd(out, in[0], g->s[0]); }
static void g_relu_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    ref_relu_bwd(din[0], in[0], dout, g->s[0]);
}
static void g_relu_init(const grad_case *g, float **in)
{
    for (size_t i = 0; i < g->s[0]; i++)
        if (fabsf(in[0][i]) < 0.05f) in[0][i] = 0.3f; /* keep away from the kink */
}
static void g_gelu_fwd(const grad_case *g, float **in, float *out) { ref_gelu_fwd(out, in[0], g->s[0]); }
static void g_gelu_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    ref_gelu_bwd(din[0], in[0], dout, g->s[0]);
}
/* out(rows, cols) = x(rows, cols) + bias(cols): gradients of x (identity) and bias (column sums) */
static void g_bias_fwd(const grad_case *g, float **in, float *out)
{
    memcpy(out, in[0], g->s[0] * g->s[1] * sizeof(float));
    ref_bias_add_fwd(out, in[1], g->s[0], g->s[1]);
}
static void g_bias_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    ref_axpy_fwd(din[0], dout, 1.0f, g->s[0] * g->s[1]);
    ref_sum_rows(din[1], dout, g->s[0], g->s[1]);
}

static void mk_grad_unary(grad_case *g, const char *name, size_t n,
                          void (*fwd)(const grad_case *, float **, float *),
                          void (*bwd)(const grad_case *, float **, const float *, float **),
                          void (*init)(const grad_case *, float **))
{
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    g->n_in = 1;
    g->in_n[0] = g->out_n = g->s[0] = n;
    g->wrt = 1;
    g->fwd = fwd;
    g->bwd = bwd;
    g->init = init;
}

int grads_basic(grad_case *cases, int cap)
{
    int n = 0;
    HARNESS_ADD(n, cap, mk_grad_unary(&cases[n], "relu", 64, g_relu_fwd, g_relu_bwd, g_relu_init));
    HARNESS_ADD(n, cap, mk_grad_unary(&cases[n], "gelu", 64, g_gelu_fwd, g_gelu_bwd, NULL));
    if (n < cap) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "bias_add");
        g->n_in = 2;
        g->s[0] = 3;
        g->s[1] = 17;
        g->in_n[0] = g->out_n = 3 * 17;
        g->in_n[1] = 17;
        g->wrt = 3;
        g->fwd = g_bias_fwd;
        g->bwd = g_bias_bwd;
    }
    return n;
}
