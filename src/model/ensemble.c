/* ensemble.c - the MLP-ensemble surrogate; see ensemble.h. */
#include "config.h"
#include "model/ensemble.h"

#include "ops/vqvae_ops.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct archllm_ensemble {
    archllm_ctx_t          *ctx;
    archllm_ensemble_params p;
    int                     F, MH, max_rows;
    archllm_params          params;
    int                     w1, b1, w2, b2;
    cl_mem                  x, tneg, h, out, dout, dh, mask; /* activations and the block mask */
    float                  *host;                            /* staging: targets (max_rows, M), the mask */
    double                  y_mean, y_std;                   /* standardisation of the last fit */
    int                     fitted;                          /* since the last forget */
};

archllm_ensemble_params archllm_ensemble_default_params(void)
{
    return (archllm_ensemble_params){.members = 5, .hidden = 32, .steps = 200, .refit_steps = 0, .lr = 0.01f, .weight_decay = 1e-4f};
}

int             archllm_ensemble_members(const archllm_ensemble *e) { return e->p.members; }
void            archllm_ensemble_forget(archllm_ensemble *e) { e->fitted = 0; }
archllm_params *archllm_ensemble_params_table(archllm_ensemble *e) { return &e->params; }

void archllm_ensemble_free(archllm_ensemble *e)
{
    if (!e) return;
    archllm_params_free(&e->params);
    cl_mem *bufs[] = {&e->x, &e->tneg, &e->h, &e->out, &e->dout, &e->dh, &e->mask};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) archllm_buf_free(bufs[i]);
    free(e->host);
    free(e);
}

archllm_status archllm_ensemble_init(archllm_ensemble **out, archllm_ctx_t *ctx, int features, int max_rows,
                                     const archllm_ensemble_params *p)
{
    *out = NULL;
    if (features < 1 || max_rows < 2 || p->members < 1 || p->hidden < 1 || p->steps < 1 || p->refit_steps < 0 ||
        !(p->lr > 0))
        return archllm_fail(ARCHLLM_EINVAL, "ensemble: %d features, %d rows, %d members of %d units, %d steps",
                            features, max_rows, p->members, p->hidden, p->steps);
    archllm_ensemble *e = calloc(1, sizeof *e);
    if (!e) return archllm_fail(ARCHLLM_ENOMEM, "ensemble");
    e->ctx = ctx;
    e->p = *p;
    e->F = features;
    e->MH = p->members * p->hidden;
    e->max_rows = max_rows;
    archllm_params_init(&e->params);
    const int M = p->members;
    size_t R = (size_t)max_rows, F = (size_t)features, MH = (size_t)e->MH;
    archllm_status s = ARCHLLM_OK;
    size_t staging = R > MH ? R : MH; /* rows of M floats: the targets, or the mask */
    e->host = malloc(staging * (size_t)M * sizeof *e->host);
    if (!e->host) s = archllm_fail(ARCHLLM_ENOMEM, "ensemble staging");
    int64_t s_w1[2] = {(int64_t)MH, (int64_t)F}, s_b1[1] = {(int64_t)MH}, s_w2[2] = {M, (int64_t)MH}, s_b2[1] = {M};
    if (!s) s = archllm_params_add(&e->params, "w1", 2, s_w1, 1, ARCHLLM_INIT_ZERO, 0, &e->w1);
    if (!s) s = archllm_params_add(&e->params, "b1", 1, s_b1, 0, ARCHLLM_INIT_ZERO, 0, &e->b1);
    if (!s) s = archllm_params_add(&e->params, "w2", 2, s_w2, 1, ARCHLLM_INIT_ZERO, 0, &e->w2);
    if (!s) s = archllm_params_add(&e->params, "b2", 1, s_b2, 0, ARCHLLM_INIT_ZERO, 0, &e->b2);
    if (!s) s = archllm_params_finalize(ctx, &e->params);
    if (!s) s = archllm_buf_alloc(ctx, &e->x, R * F * sizeof(float));
    if (!s) s = archllm_buf_alloc(ctx, &e->tneg, R * M * sizeof(float));
    if (!s) s = archllm_buf_alloc(ctx, &e->h, R * MH * sizeof(float));
    if (!s) s = archllm_buf_alloc(ctx, &e->out, R * M * sizeof(float));
    if (!s) s = archllm_buf_alloc(ctx, &e->dout, R * M * sizeof(float));
    if (!s) s = archllm_buf_alloc(ctx, &e->dh, R * MH * sizeof(float));
    if (!s) s = archllm_buf_alloc(ctx, &e->mask, MH * M * sizeof(float));
    if (!s) {
        float *mask = e->host;
        for (int j = 0; j < M; j++)
            for (size_t u = 0; u < MH; u++) mask[(size_t)j * MH + u] = (int)(u / (size_t)p->hidden) == j;
        s = archllm_buf_write(ctx, e->mask, 0, mask, MH * M * sizeof(float));
    }
    if (s) {
        archllm_ensemble_free(e);
        return s;
    }
    *out = e;
    return ARCHLLM_OK;
}

static archllm_status check_rows(const archllm_ensemble *e, int n)
{
    if (n < 1 || n > e->max_rows)
        return archllm_fail(ARCHLLM_EINVAL, "ensemble: %d rows (1..%d)", n, e->max_rows);
    return ARCHLLM_OK;
}

/* out (n, M) = the members' outputs for the rows already in e->x; h keeps the hidden units */
static archllm_status forward(archllm_ensemble *e, int n)
{
    archllm_view none = {NULL, 0};
    size_t M = (size_t)e->p.members;
    ARCHLLM_TRY(archllm_op_linear_fwd(e->ctx, (archllm_view){e->h, 0}, (archllm_view){e->x, 0},
                                      archllm_params_value(&e->params, e->w1), archllm_params_value(&e->params, e->b1),
                                      none, 0, (size_t)n, (size_t)e->MH, (size_t)e->F, 1));
    return archllm_op_linear_fwd(e->ctx, (archllm_view){e->out, 0}, (archllm_view){e->h, 0},
                                 archllm_params_value(&e->params, e->w2), archllm_params_value(&e->params, e->b2), none,
                                 0, (size_t)n, M, (size_t)e->MH, 0);
}

/* The gradient of mean((out - t)^2) over rows and members, for the rows in e->x and the
 * negated targets in e->tneg. */
static archllm_status backward(archllm_ensemble *e, int n)
{
    archllm_ctx_t *ctx = e->ctx;
    size_t N = (size_t)n, M = (size_t)e->p.members, MH = (size_t)e->MH;
    archllm_view dout = {e->dout, 0}, dh = {e->dh, 0}, dw2 = archllm_params_gradient(&e->params, e->w2);
    ARCHLLM_TRY(archllm_params_zero_grad(ctx, &e->params));
    ARCHLLM_TRY(forward(e, n));
    ARCHLLM_TRY(archllm_op_add(ctx, dout, (archllm_view){e->out, 0}, (archllm_view){e->tneg, 0}, N * M));
    ARCHLLM_TRY(archllm_op_scale(ctx, dout, dout, 2.0f / (float)(N * M), N * M));
    ARCHLLM_TRY(archllm_op_linear_bwd_dw(ctx, dw2, archllm_params_gradient(&e->params, e->b2), dout,
                                         (archllm_view){e->h, 0}, N, M, MH));
    ARCHLLM_TRY(archllm_op_mul(ctx, dw2, dw2, (archllm_view){e->mask, 0}, M * MH)); /* keep layer 2 block diagonal */
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, e->dh, 0, N * MH, 0.0f));
    ARCHLLM_TRY(archllm_op_linear_bwd_dx(ctx, dh, dout, archllm_params_value(&e->params, e->w2), N, M, MH));
    ARCHLLM_TRY(archllm_op_relu_mask_bwd(ctx, dh, (archllm_view){e->h, 0}, N * MH));
    return archllm_op_linear_bwd_dw(ctx, archllm_params_gradient(&e->params, e->w1),
                                    archllm_params_gradient(&e->params, e->b1), dh, (archllm_view){e->x, 0}, N, MH,
                                    (size_t)e->F);
}

static archllm_status upload_rows(archllm_ensemble *e, const float *x, int n)
{
    return archllm_buf_write(e->ctx, e->x, 0, x, (size_t)n * (size_t)e->F * sizeof(float));
}

/* t (n) standardised targets, replicated per member and negated into e->tneg */
static archllm_status upload_targets(archllm_ensemble *e, const float *t, int n)
{
    int M = e->p.members;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < M; j++) e->host[(size_t)i * M + j] = -t[i];
    return archllm_buf_write(e->ctx, e->tneg, 0, e->host, (size_t)n * M * sizeof(float));
}

archllm_status archllm_ensemble_gradient(archllm_ensemble *e, const float *x, const float *t, int n)
{
    ARCHLLM_TRY(check_rows(e, n));
    ARCHLLM_TRY(upload_rows(e, x, n));
    ARCHLLM_TRY(upload_targets(e, t, n));
    return backward(e, n);
}

/* PyTorch's nn.Linear initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and
 * biases, each member from its own draws; layer 2's off-block weights zero. */
static archllm_status initialise(archllm_ensemble *e, archllm_rng *rng)
{
    archllm_params *P = &e->params;
    float *host = calloc(P->total, sizeof *host);
    if (!host) return archllm_fail(ARCHLLM_ENOMEM, "ensemble initialisation");
    int H = e->p.hidden, M = e->p.members;
    float a1 = 1.0f / sqrtf((float)e->F), a2 = 1.0f / sqrtf((float)H);
    float *w1 = host + P->t[e->w1].offset, *b1 = host + P->t[e->b1].offset;
    float *w2 = host + P->t[e->w2].offset, *b2 = host + P->t[e->b2].offset;
    for (size_t i = 0; i < (size_t)e->MH * (size_t)e->F; i++) w1[i] = a1 * (2.0f * archllm_rng_uniform(rng) - 1.0f);
    for (int i = 0; i < e->MH; i++) b1[i] = a1 * (2.0f * archllm_rng_uniform(rng) - 1.0f);
    for (int j = 0; j < M; j++) {
        for (int u = 0; u < H; u++) w2[(size_t)j * e->MH + (size_t)j * H + u] = a2 * (2.0f * archllm_rng_uniform(rng) - 1.0f);
        b2[j] = a2 * (2.0f * archllm_rng_uniform(rng) - 1.0f);
    }
    archllm_status s = archllm_params_write(e->ctx, P, host);
    free(host);
    if (!s) s = archllm_buf_fill_f32(e->ctx, P->m, 0, P->total, 0.0f);
    if (!s) s = archllm_buf_fill_f32(e->ctx, P->v, 0, P->total, 0.0f);
    P->step = 0;
    return s;
}

archllm_status archllm_ensemble_fit(archllm_ensemble *e, const float *x, const double *y, int n, archllm_rng *rng)
{
    ARCHLLM_TRY(check_rows(e, n));
    if (n < 2) return archllm_fail(ARCHLLM_EINVAL, "ensemble: fitting needs at least 2 rows");
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++) mean += y[i];
    mean /= n;
    for (int i = 0; i < n; i++) var += (y[i] - mean) * (y[i] - mean);
    double sd = sqrt(var / n);
    e->y_mean = mean;
    e->y_std = sd > 1e-9 ? sd : 1.0; /* equal targets: predict them, with no spread to read */
    float *t = malloc((size_t)n * sizeof *t);
    if (!t) return archllm_fail(ARCHLLM_ENOMEM, "ensemble targets");
    for (int i = 0; i < n; i++) t[i] = (float)((y[i] - e->y_mean) / e->y_std);
    archllm_status s = upload_targets(e, t, n);
    free(t);
    if (!s) s = upload_rows(e, x, n);
    /* the first fit (or after archllm_ensemble_forget) starts afresh; later ones continue */
    int fresh = !e->fitted || e->p.refit_steps <= 0, steps = fresh ? e->p.steps : e->p.refit_steps;
    if (!s && fresh) s = initialise(e, rng);
    archllm_adamw_params hp = {.lr = e->p.lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                               .weight_decay = e->p.weight_decay, .max_norm = 0};
    for (int k = 0; k < steps && !s; k++) {
        s = backward(e, n);
        if (!s) s = archllm_params_adamw(e->ctx, &e->params, &hp, NULL);
    }
    e->fitted = !s;
    return s;
}

archllm_status archllm_ensemble_predict(archllm_ensemble *e, const float *x, int n, float *pred)
{
    size_t M = (size_t)e->p.members;
    for (int at = 0; at < n; at += e->max_rows) { /* chunks of the buffers' size */
        int k = n - at < e->max_rows ? n - at : e->max_rows;
        ARCHLLM_TRY(upload_rows(e, x + (size_t)at * (size_t)e->F, k));
        ARCHLLM_TRY(forward(e, k));
        ARCHLLM_TRY(archllm_buf_read(e->ctx, pred + (size_t)at * M, e->out, 0, (size_t)k * M * sizeof(float)));
    }
    for (size_t i = 0; i < (size_t)n * M; i++) pred[i] = (float)(pred[i] * e->y_std + e->y_mean);
    return ARCHLLM_OK;
}

archllm_status archllm_ensemble_mse(archllm_ensemble *e, const float *x, const double *y, int n, double *mse)
{
    size_t M = (size_t)e->p.members;
    float *pred = malloc((size_t)n * M * sizeof *pred);
    if (!pred) return archllm_fail(ARCHLLM_ENOMEM, "ensemble predictions");
    archllm_status s = archllm_ensemble_predict(e, x, n, pred);
    double sum = 0;
    for (int i = 0; i < n && !s; i++) {
        double m = 0;
        for (size_t j = 0; j < M; j++) m += pred[(size_t)i * M + j];
        m /= (double)M;
        sum += (m - y[i]) * (m - y[i]);
    }
    free(pred);
    if (!s) *mse = sum / n;
    return s;
}
