/* cases_ensemble.c - op cases of cl/ensemble.cl against src/ref/ensemble.c: every hidden
 * width, member counts that leave the predictions' last work-group short, row counts off
 * the 4-row blocks, gradient-only and multi-step fits from a later global step, dense rows and rows
 * of codes (whose reference is the dense one on the rows the codes stand for); and the
 * reference gradient against central differences of the reference loss. */
#include "harness.h"

#include <math.h>

/* one case's shape; L = 0: dense rows of F features, else L codes of K into a (K, D) table */
typedef struct {
    size_t n, F, M, H, steps;
    int    first_step, update;
    size_t L, K, D;
} shape;

static const shape shapes[] = {
    {7, 5, 3, 16, 1, 1, 0, 0, 0, 0},      {13, 30, 5, 32, 3, 1, 1, 0, 0, 0}, {50, 128, 2, 64, 2, 7, 1, 0, 0, 0},
    {1, 3, 1, 16, 4, 2, 1, 0, 0, 0},      {9, 12, 3, 16, 1, 1, 0, 4, 5, 3}, {37, 128, 10, 32, 3, 1, 1, 8, 16, 16},
    {5, 6, 2, 64, 2, 4, 1, 3, 7, 2},
    /* the perf shapes: archllm-guided's fit (200 queried cells of 8 codes of 16 latents,
     * 10 members) and its pool, dense and as codes */
    {200, 128, 10, 32, 50, 1, 1, 0, 0, 0}, {200, 128, 10, 32, 50, 1, 1, 8, 16, 16},
};
enum { PERF_DENSE = 7, PERF_CODES = 8 };

static const shape *shape_of(const op_case *c) { return &shapes[c->s[0]]; }

/* the table: w1 (F, MH), b1, w2, b2 after a 3-float gap, so the kernels' offsets matter */
static ref_ensemble_layout layout_of(size_t F, size_t M, size_t H)
{
    ref_ensemble_layout at;
    at.w1 = 3;
    at.b1 = at.w1 + F * M * H;
    at.w2 = at.b1 + M * H;
    at.b2 = at.w2 + M * H;
    return at;
}
static size_t table_size(size_t F, size_t M, size_t H) { return 3 + F * M * H + 2 * M * H + M; }

static archllm_ensemble_layout dev_layout(const shape *h, size_t base)
{
    ref_ensemble_layout r = layout_of(h->F, h->M, h->H);
    return (archllm_ensemble_layout){base + r.w1, base + r.b1, base + r.w2, base + r.b2};
}

/* the rows: in[0] x or codes; with codes, in[1] the table and in[2] the scratch */
static archllm_ensemble_rows dev_rows(const shape *h, const archllm_view *in)
{
    archllm_ensemble_rows r = {.x = in[0], .F = h->F};
    /* the scratch from the first multiple of 16 floats past the harness's odd offset */
    if (h->L)
        r = (archllm_ensemble_rows){.codes = in[0], .tab = in[1], .scratch = {in[2].buf, (in[2].off + 15) / 16 * 16},
                                    .L = h->L, .K = h->K, .D = h->D};
    return r;
}
static int rows_inputs(const shape *h) { return h->L ? 3 : 1; }

/* what the reference reads: the rows as features (expanded from codes) */
static float *ref_rows(const shape *h, float **in)
{
    if (!h->L) return in[0];
    float *x = malloc(h->n * h->F * sizeof *x);
    if (x) ref_ensemble_expand(x, (const int *)in[0], in[1], h->n, h->L, h->D);
    return x;
}

static void init_rows(const shape *h, float **in)
{
    if (!h->L) return;
    int32_t *codes = (int32_t *)in[0];
    for (size_t i = 0; i < h->n * h->L; i++) codes[i] = (int32_t)((harness_randu() + 1.0f) * 0.5f * (float)h->K) % (int32_t)h->K;
}

static void mk_rows(op_case *c, const shape *h)
{
    c->in_n[0] = h->n * (h->L ? h->L : h->F);
    if (h->L) {
        c->in_kind[0] = TENSOR_I32;
        c->in_n[1] = h->K * h->D;
        c->in_n[2] = 2 * h->M * h->L * h->K * h->H + 15; /* room to align it (dev_rows) */
    }
}

static void hp_of(ref_adamw_params *p)
{
    *p = (ref_adamw_params){.lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.1f};
}

/* fit: in = {rows..., t, bc}, out = {param, grad, m, v} */
static void init_fit(const op_case *c, float **in, float **out)
{
    const shape *h = shape_of(c);
    init_rows(h, in);
    for (size_t i = 0; i < c->out_n[3]; i++) out[3][i] = fabsf(out[3][i]); /* a second moment */
    /* a fit from the first step starts with no moments, as a fresh fit does: each step then
     * moves a parameter by about lr along its gradient's sign, far above the tolerance, so
     * a gradient AdamW read wrong shows in the parameters (under random O(1) moments a
     * step's gradient moves them by 1e-5 or so, near the tolerance) */
    if (h->first_step == 1)
        for (size_t i = 0; i < c->out_n[2]; i++) out[2][i] = out[3][i] = 0.0f;
}
static void ref_fit(const op_case *c, float **in, float **out)
{
    const shape        *h = shape_of(c);
    ref_ensemble_layout at = layout_of(h->F, h->M, h->H);
    ref_adamw_params    hp;
    hp_of(&hp);
    float *x = ref_rows(h, in);
    if (!x) return;
    ref_ensemble_fit(out[0], out[1], out[2], out[3], &at, x, in[rows_inputs(h)], h->n, h->F, h->M, h->H, h->steps,
                     h->first_step, &hp, h->update);
    if (x != in[0]) free(x);
}
static archllm_status dev_fit(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    const shape            *h = shape_of(c);
    archllm_ensemble_layout at = dev_layout(h, out[0].off);
    archllm_ensemble_rows   rows = dev_rows(h, in);
    ref_adamw_params        r;
    hp_of(&r);
    archllm_adamw_params hp = {r.lr, r.beta1, r.beta2, r.eps, r.weight_decay, 0, 0};
    int                  k = rows_inputs(h);
    return archllm_op_ensemble_fit(x, out[0].buf, out[1].buf, out[2].buf, out[3].buf, &at, &rows, in[k], in[k + 1],
                                   h->n, h->M, h->H, h->steps, h->first_step, &hp, h->update);
}
static void mk_fit(op_case *c, size_t which)
{
    const shape *h = &shapes[which];
    int          k = rows_inputs(h);
    harness_case(c, "", k + 2, 4);
    snprintf(c->name, sizeof c->name, "ensemble_fit n=%zu F=%zu M=%zu H=%zu steps=%zu from=%d%s%s", h->n, h->F, h->M,
             h->H, h->steps, h->first_step, h->update ? "" : " gradient", h->L ? " codes" : "");
    c->s[0] = which;
    mk_rows(c, h);
    c->in_n[k] = h->n, c->in_n[k + 1] = 2 * h->steps;
    size_t total = table_size(h->F, h->M, h->H);
    c->out_n[0] = c->out_n[1] = c->out_n[2] = c->out_n[3] = total;
    c->out_init = 1;
    c->init = init_fit;
    c->ref = ref_fit, c->dev = dev_fit;
    c->flops = 4.0 * h->steps * h->n * h->F * h->M * h->H;
    c->bytes = 4.0 * (c->in_n[0] + 4 * total);
    /* F- and n-long float sums vs double; AdamW's m/sqrt(v) passes them on lr-sized */
    c->atol = 2e-5, c->rtol = 1e-4, c->nerr = 1e-5;
}

/* predict: in = {rows..., param}, out = {pred} */
static void init_pred(const op_case *c, float **in, float **out)
{
    (void)out;
    init_rows(shape_of(c), in);
}
static void ref_pred(const op_case *c, float **in, float **out)
{
    const shape        *h = shape_of(c);
    ref_ensemble_layout at = layout_of(h->F, h->M, h->H);
    float              *x = ref_rows(h, in);
    if (!x) return;
    ref_ensemble_predict(out[0], in[rows_inputs(h)], &at, x, h->n, h->F, h->M, h->H);
    if (x != in[0]) free(x);
}
static archllm_status dev_pred(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    const shape            *h = shape_of(c);
    int                     k = rows_inputs(h);
    archllm_ensemble_layout at = dev_layout(h, in[k].off);
    archllm_ensemble_rows   rows = dev_rows(h, in);
    return archllm_op_ensemble_predict(x, out[0], in[k].buf, &at, &rows, h->n, h->M, h->H);
}
static void mk_pred(op_case *c, size_t which)
{
    const shape *h = &shapes[which];
    int          k = rows_inputs(h);
    harness_case(c, "", k + 1, 1);
    snprintf(c->name, sizeof c->name, "ensemble_predict n=%zu F=%zu M=%zu H=%zu%s", h->n, h->F, h->M, h->H,
             h->L ? " codes" : "");
    c->s[0] = which;
    mk_rows(c, h);
    c->in_n[k] = table_size(h->F, h->M, h->H);
    c->out_n[0] = h->n * h->M;
    c->init = init_pred;
    c->ref = ref_pred, c->dev = dev_pred;
    c->flops = 2.0 * h->n * h->F * h->M * h->H;
    c->bytes = 4.0 * (c->in_n[0] + c->in_n[k] + h->n * h->M);
    c->atol = 2e-6 * sqrt((double)(h->F * h->H)), c->rtol = 1e-5, c->nerr = 1e-6;
}

int cases_ensemble(op_case *cases, int cap, int perf)
{
    int n = 0;
    if (perf) {
        HARNESS_ADD(n, cap, mk_fit(&cases[n], PERF_DENSE));
        HARNESS_ADD(n, cap, mk_fit(&cases[n], PERF_CODES));
        HARNESS_ADD(n, cap, mk_pred(&cases[n], PERF_DENSE));
        HARNESS_ADD(n, cap, mk_pred(&cases[n], PERF_CODES));
        return n;
    }
    for (size_t i = 0; i < PERF_DENSE; i++) HARNESS_ADD(n, cap, mk_fit(&cases[n], i));
    for (size_t i = 0; i < PERF_DENSE; i++) HARNESS_ADD(n, cap, mk_pred(&cases[n], i));
    return n;
}

/* the loss, in = {param, x, t}, s = {n, F, M, H}: inputs nonnegative and small, biases
 * +-(0.5..1), so no pre-activation is near ReLU's kink */
static void g_init(const grad_case *g, float **in)
{
    ref_ensemble_layout at = layout_of(g->s[1], g->s[2], g->s[3]);
    for (size_t i = 0; i < g->in_n[1]; i++) in[1][i] = 0.05f * (in[1][i] + 1.0f);
    for (size_t i = 0; i < g->s[2] * g->s[3]; i++) {
        float b = in[0][at.b1 + i];
        in[0][at.b1 + i] = b < 0 ? b - 0.5f : b + 0.5f;
    }
}
static void g_fwd(const grad_case *g, float **in, float *out)
{
    ref_ensemble_layout at = layout_of(g->s[1], g->s[2], g->s[3]);
    out[0] = (float)ref_ensemble_loss(in[0], &at, in[1], in[2], g->s[0], g->s[1], g->s[2], g->s[3]);
}
static void g_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    ref_ensemble_layout at = layout_of(g->s[1], g->s[2], g->s[3]);
    ref_ensemble_grad(din[0], dout[0], in[0], &at, in[1], in[2], g->s[0], g->s[1], g->s[2], g->s[3]);
}

int grads_ensemble(grad_case *cases, int cap)
{
    int n = 0;
    if (n < cap) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "ensemble loss");
        g->n_in = 3;
        g->s[0] = 5, g->s[1] = 4, g->s[2] = 2, g->s[3] = 16;
        g->in_n[0] = table_size(4, 2, 16), g->in_n[1] = 5 * 4, g->in_n[2] = 5;
        g->out_n = 1;
        g->wrt = 1;
        g->init = g_init, g->fwd = g_fwd, g->bwd = g_bwd;
    }
    return n;
}
