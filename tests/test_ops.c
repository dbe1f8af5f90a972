/* test_ops.c - the op test harness: every kernel against its plain-C reference on the
 * selected OpenCL device, table-driven (in the spirit of ggml's test-backend-ops).
 *
 *   test_ops [--filter SUBSTR] [--device SEL]   correctness (default)
 *   test_ops --grad [--filter SUBSTR]            reference backward vs central differences
 *   test_ops --perf [--filter SUBSTR]            time each op at a large size: ms, GB/s, GFLOP/s
 *
 * Correctness: inputs and outputs live at an offset inside buffers with guard regions
 * filled with a sentinel before and after; a kernel that writes outside its output or
 * ignores an offset fails.  Each output element must satisfy |d - r| <= atol + rtol*|r|,
 * the whole output ||d - r|| / ||r|| <= nerr, and no NaN/Inf where the reference is finite.
 * Exit 0 all passed, 1 a failure, 77 (automake SKIP) when there is no OpenCL device
 * and ARCHLLM_REQUIRE_DEVICE is unset. */
#include "ops/ops.h"
#include "ref/ref.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_T   6
#define GUARD_N 67 /* odd-sized guard, so offsets are not all aligned */
#define SENTINEL 1.2345678e30f

/* ---- deterministic inputs ----------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static float randu(void) /* [-1, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((rng_state >> 40) * (1.0 / 8388608.0)) - 1.0f;
}

/* ---- the case table --------------------------------------------------------- */

typedef struct op_case op_case;
struct op_case {
    char   name[96];
    int    n_in, n_out;
    size_t in_n[MAX_T], out_n[MAX_T];
    int    out_init;   /* outputs start random (accumulating ops, in-place updates) */
    size_t s[4];       /* sizes */
    float  f[8];       /* scalars */
    double flops, bytes;
    double atol, rtol, nerr;
    void (*ref)(const op_case *c, float **in, float **out);
    archllm_status (*dev)(archllm_ctx_t *ctx, const op_case *c, const archllm_view *in, const archllm_view *out);
};

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

/* GEMM through CLBlast -------------------------------------------------------- */
/* s = {m, n, k, trans_a | trans_b << 1}; f = {alpha, beta}; C starts random (beta). */
static void ref_gemm(const op_case *c, float **in, float **out)
{
    int ta = c->s[3] & 1, tb = (c->s[3] >> 1) & 1;
    size_t m = c->s[0], n = c->s[1], k = c->s[2];
    ref_sgemm(ta, tb, m, n, k, c->f[0], in[0], ta ? m : k, in[1], tb ? k : n, c->f[1], out[0], n);
}
static archllm_status dev_gemm(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    int ta = c->s[3] & 1, tb = (c->s[3] >> 1) & 1;
    size_t m = c->s[0], n = c->s[1], k = c->s[2];
    return archllm_sgemm(x, ta, tb, m, n, k, c->f[0], in[0], ta ? m : k, in[1], tb ? k : n, c->f[1], out[0], n);
}
static void mk_gemm(op_case *c, size_t m, size_t n, size_t k, int ta, int tb)
{
    snprintf(c->name, sizeof c->name, "sgemm %s%s (%zu,%zu)x(%zu,%zu)", ta ? "T" : "N", tb ? "T" : "N", m, k, k, n);
    c->n_in = 2;
    c->n_out = 1;
    c->in_n[0] = m * k;
    c->in_n[1] = k * n;
    c->out_n[0] = m * n;
    c->out_init = 1;
    c->s[0] = m;
    c->s[1] = n;
    c->s[2] = k;
    c->s[3] = (size_t)(ta | tb << 1);
    c->f[0] = 0.5f;
    c->f[1] = 0.25f;
    c->flops = 2.0 * m * n * k;
    c->bytes = 4.0 * (m * k + k * n + 2 * m * n);
    /* K float products summed in CLBlast's order vs a double reference */
    c->atol = 2e-6 * sqrt((double)k);
    c->rtol = 1e-5;
    c->nerr = 1e-6;
    c->ref = ref_gemm;
    c->dev = dev_gemm;
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

static int build_cases(op_case *cases, int cap, int perf)
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
    } else {
        ADD(mk_reduce(&cases[n], "sumsq", 1000003, ref_sumsqc, dev_sumsqc)); /* > 256 groups: grid-stride */
        ADD(mk_bias(&cases[n], 1, 7));
        ADD(mk_bias(&cases[n], 37, 129));
        ADD(mk_sum_rows(&cases[n], 1, 5));
        ADD(mk_sum_rows(&cases[n], 301, 67));
        for (int t = 0; t < 4; t++) ADD(mk_gemm(&cases[n], 33, 17, 65, t & 1, t >> 1));
        ADD(mk_gemm(&cases[n], 1, 1, 1, 0, 0));
        ADD(mk_gemm(&cases[n], 128, 96, 64, 0, 0));
    }
#undef ADD
    return n;
}

/* ---- running one case ------------------------------------------------------- */

static int verbose;

static float *alloc_f(size_t n)
{
    float *p = n < ((size_t)1 << 40) ? malloc((n ? n : 1) * sizeof(float)) : NULL;
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* Device buffer with guard regions; the view points past the front guard. */
static archllm_status guarded_upload(archllm_ctx_t *ctx, const float *data, size_t n, cl_mem *buf)
{
    size_t total = n + 2 * GUARD_N;
    float *tmp = alloc_f(total);
    for (size_t i = 0; i < total; i++) tmp[i] = SENTINEL;
    memcpy(tmp + GUARD_N, data, n * sizeof(float));
    archllm_status s = archllm_buf_alloc(ctx, buf, total * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, *buf, 0, tmp, total * sizeof(float));
    free(tmp);
    return s;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 0 pass, 1 fail */
static int compare(const op_case *c, int o, const float *dev, const float *ref, size_t n)
{
    double num = 0.0, den = 0.0, worst = 0.0;
    size_t bad = 0, first_bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = dev[i], r = ref[i], diff = fabs(d - r);
        int nonfinite = !isfinite(d) && isfinite(r);
        if (nonfinite || diff > c->atol + c->rtol * fabs(r)) {
            if (!bad) first_bad = i;
            bad++;
        }
        if (isfinite(diff) && diff > worst) worst = diff;
        num += diff * diff;
        den += r * r;
    }
    double nerr = den > 0 ? sqrt(num / den) : sqrt(num);
    if (bad || !(nerr <= c->nerr)) {
        printf("FAIL %s: output %d: %zu of %zu elements out of tolerance (atol %.1e rtol %.1e), normalized "
               "error %.3e (max %.1e), max |diff| %.3e",
               c->name, o, bad, n, c->atol, c->rtol, nerr, c->nerr, worst);
        if (bad) printf("; first at %zu: device %.9g, reference %.9g", first_bad, dev[first_bad], ref[first_bad]);
        printf("\n");
        return 1;
    }
    if (verbose) printf("  %s: output %d normalized error %.3e, max |diff| %.3e\n", c->name, o, nerr, worst);
    return 0;
}

static int run_case(archllm_ctx_t *ctx, const op_case *c, int perf)
{
    float *in[MAX_T] = {0}, *out[MAX_T] = {0}, *ref_out[MAX_T] = {0};
    cl_mem din[MAX_T] = {0}, dout[MAX_T] = {0};
    archllm_view vin[MAX_T], vout[MAX_T];
    int failed = 0;
    archllm_status s = ARCHLLM_OK;

    for (int i = 0; i < c->n_in; i++) {
        in[i] = alloc_f(c->in_n[i]);
        for (size_t j = 0; j < c->in_n[i]; j++) in[i][j] = randu();
        if (s == ARCHLLM_OK) s = guarded_upload(ctx, in[i], c->in_n[i], &din[i]);
        vin[i] = (archllm_view){din[i], GUARD_N};
    }
    for (int o = 0; o < c->n_out; o++) {
        out[o] = alloc_f(c->out_n[o] + 2 * GUARD_N);
        ref_out[o] = alloc_f(c->out_n[o]);
        for (size_t j = 0; j < c->out_n[o]; j++) ref_out[o][j] = c->out_init ? randu() : SENTINEL;
        if (s == ARCHLLM_OK) s = guarded_upload(ctx, ref_out[o], c->out_n[o], &dout[o]);
        vout[o] = (archllm_view){dout[o], GUARD_N};
    }
    if (s == ARCHLLM_OK && !perf) {
        c->ref(c, in, ref_out);
        s = c->dev(ctx, c, vin, vout);
        if (s == ARCHLLM_OK) s = archllm_ctx_finish(ctx);
        for (int o = 0; s == ARCHLLM_OK && o < c->n_out; o++) {
            size_t total = c->out_n[o] + 2 * GUARD_N;
            s = archllm_buf_read(ctx, out[o], dout[o], 0, total * sizeof(float));
            if (s != ARCHLLM_OK) break;
            for (size_t j = 0; j < GUARD_N; j++)
                if (out[o][j] != SENTINEL || out[o][GUARD_N + c->out_n[o] + j] != SENTINEL) {
                    printf("FAIL %s: output %d: write outside the output (guard element %zu changed)\n", c->name,
                           o, j);
                    failed = 1;
                    break;
                }
            failed |= compare(c, o, out[o] + GUARD_N, ref_out[o], c->out_n[o]);
        }
    } else if (s == ARCHLLM_OK) {
        double best = 1e30;
        for (int r = -1; r < 10 && s == ARCHLLM_OK; r++) {
            double t0 = now_s();
            s = c->dev(ctx, c, vin, vout);
            if (s == ARCHLLM_OK) s = archllm_ctx_finish(ctx);
            double t = now_s() - t0;
            if (r >= 0 && t < best) best = t;
        }
        if (s == ARCHLLM_OK)
            printf("%-44s %10.3f ms %9.2f GB/s %9.2f GFLOP/s\n", c->name, best * 1e3, c->bytes / best * 1e-9,
                   c->flops / best * 1e-9);
    }
    if (s != ARCHLLM_OK) {
        printf("FAIL %s: %s: %s\n", c->name, archllm_status_string(s), archllm_last_error());
        failed = 1;
    } else if (!failed && !perf) {
        printf("ok   %s\n", c->name);
    }
    for (int i = 0; i < MAX_T; i++) {
        free(in[i]);
        free(out[i]);
        free(ref_out[i]);
        archllm_buf_free(&din[i]);
        archllm_buf_free(&dout[i]);
    }
    return failed;
}

/* ---- gradient mode: reference backward vs central differences ------------ */

typedef struct {
    const char *name;
    void (*fwd)(float *out, const float *inp, size_t n);
    void (*bwd)(float *dinp, const float *inp, const float *dout, size_t n);
} grad_case;

static void fwd_bias_flat(float *out, const float *bias, size_t n)
{
    /* bias (n) broadcast over 3 rows; out (3, n) */
    for (size_t i = 0; i < 3 * n; i++) out[i] = 0.0f;
    ref_bias_add_fwd(out, bias, 3, n);
}
static void bwd_bias_flat(float *dbias, const float *bias, const float *dout, size_t n)
{
    ref_sum_rows(dbias, dout, 3, n); /* the bias gradient is the column sum */
}

static int grad_check(const grad_case *g, int out_mult)
{
    const size_t n = 64;
    const double h = 1e-3;
    float x[64], xp[64], dout[3 * 64], outp[3 * 64], outm[3 * 64], dx[64];
    for (size_t i = 0; i < n; i++) {
        x[i] = randu() * 2.0f;
        if (fabsf(x[i]) < 0.05f) x[i] = 0.3f; /* keep away from ReLU's kink */
        dx[i] = 0.0f;
    }
    for (size_t i = 0; i < n * out_mult; i++) dout[i] = randu();
    g->bwd(dx, x, dout, n);
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        memcpy(xp, x, sizeof x);
        xp[i] = (float)(x[i] + h);
        g->fwd(outp, xp, n);
        xp[i] = (float)(x[i] - h);
        g->fwd(outm, xp, n);
        double lp = 0, lm = 0;
        for (size_t j = 0; j < n * out_mult; j++) {
            lp += (double)dout[j] * outp[j];
            lm += (double)dout[j] * outm[j];
        }
        double num = (lp - lm) / (2 * h);
        double err = fabs(num - dx[i]) / fmax(1.0, fabs(num));
        if (err > worst) worst = err;
    }
    /* float forward with h = 1e-3: truncation + rounding about 1e-4 relative */
    int fail = worst > 2e-3;
    printf("%s grad %-10s max relative error %.2e\n", fail ? "FAIL" : "ok  ", g->name, worst);
    return fail;
}

static int run_grad(const char *filter)
{
    static const grad_case cases[] = {
        {"relu", ref_relu_fwd, ref_relu_bwd},
        {"gelu", ref_gelu_fwd, ref_gelu_bwd},
    };
    static const grad_case bias = {"bias_add", fwd_bias_flat, bwd_bias_flat};
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!filter || strstr(cases[i].name, filter)) failed |= grad_check(&cases[i], 1);
    if (!filter || strstr(bias.name, filter)) failed |= grad_check(&bias, 3);
    return failed;
}

/* ---- main ------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const char *filter = NULL, *device = getenv("ARCHLLM_DEVICE");
    int perf = 0, grad = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--perf") == 0) perf = 1;
        else if (strcmp(argv[i], "--grad") == 0) grad = 1;
        else if (strcmp(argv[i], "-v") == 0) verbose = 1;
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) filter = argv[++i];
        else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) device = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--grad | --perf] [--filter SUBSTR] [--device SEL] [-v]\n", argv[0]);
            return 2;
        }
    }
    if (grad) return run_grad(filter);

    archllm_ctx_t *ctx;
    archllm_status s = archllm_ctx_init(&ctx, device);
    if (s == ARCHLLM_ENODEVICE && !getenv("ARCHLLM_REQUIRE_DEVICE")) {
        printf("SKIP: %s\n", archllm_last_error());
        return 77;
    }
    if (s != ARCHLLM_OK) {
        printf("FAIL: opening the device: %s\n", archllm_last_error());
        return 1;
    }
    printf("device: %s (%s)\n", ctx->info.name, ctx->info.platform_name);
    static op_case cases[128];
    int n = build_cases(cases, 128, perf), failed = 0, ran = 0;
    for (int i = 0; i < n; i++) {
        if (filter && !strstr(cases[i].name, filter)) continue;
        ran++;
        failed += run_case(ctx, &cases[i], perf);
    }
    archllm_ctx_free(ctx);
    if (ran == 0) {
        printf("FAIL: no case matches '%s'\n", filter ? filter : "");
        return 1;
    }
    printf("%d of %d cases passed\n", ran - failed, ran);
    return failed ? 1 : 0;
}
