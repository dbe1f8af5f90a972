/* ensemble.c - the MLP-ensemble surrogate; see ensemble.h. */
#include "config.h"
#include "model/ensemble.h"

#include "ops/ops.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct archllm_ensemble {
    archllm_ctx_t          *ctx;
    archllm_ensemble_params p;
    int                     F, MH, max_rows;
    archllm_params          params;
    archllm_ensemble_layout at;  /* the tensors' offsets, as cl/ensemble.cl reads them */
    archllm_ensemble_rows   rows;  /* what the kernels read the rows from */
    int                     L;     /* rows of L codes (0: of F features) */
    cl_mem                  x, t, out, bc; /* rows, targets, predictions, bias corrections */
    cl_mem                  tab, scratch;  /* code rows: the codes' features, Q and dQ */
    float                  *host;          /* staging for the targets */
    double                  y_mean, y_std; /* standardisation of the last fit */
    int                     fitted;        /* since the last forget */
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
    cl_mem *bufs[] = {&e->x, &e->t, &e->out, &e->bc, &e->tab, &e->scratch};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) archllm_buf_free(bufs[i]);
    free(e->host);
    free(e);
}

/* L > 0: rows of L codes into table (K, D), features = L*D */
static archllm_status ensemble_new(archllm_ensemble **out, archllm_ctx_t *ctx, int features, int max_rows,
                                   const archllm_ensemble_params *p, int L, const float *table, int K, int D)
{
    *out = NULL;
    if (features < 1 || max_rows < 2 || p->members < 1 || p->steps < 1 || p->refit_steps < 0 || !(p->lr > 0))
        return archllm_fail(ARCHLLM_EINVAL, "ensemble: %d features, %d rows, %d members, %d steps", features, max_rows,
                            p->members, p->steps);
    if (p->hidden != 16 && p->hidden != 32 && p->hidden != 64)
        return archllm_fail(ARCHLLM_EINVAL, "ensemble: %d hidden units a member (16, 32 or 64)", p->hidden);
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
    size_t most_steps = (size_t)(p->steps > p->refit_steps ? p->steps : p->refit_steps);
    archllm_status s = ARCHLLM_OK;
    e->host = malloc(R * sizeof *e->host);
    if (!e->host) s = archllm_fail(ARCHLLM_ENOMEM, "ensemble staging");
    int64_t s_w1[2] = {(int64_t)F, (int64_t)MH}, s_b1[1] = {(int64_t)MH}, s_b2[1] = {M};
    int     w1, b1, w2, b2;
    if (!s) s = archllm_params_add(&e->params, "w1", 2, s_w1, 1, ARCHLLM_INIT_ZERO, 0, &w1);
    if (!s) s = archllm_params_add(&e->params, "b1", 1, s_b1, 0, ARCHLLM_INIT_ZERO, 0, &b1);
    if (!s) s = archllm_params_add(&e->params, "w2", 1, s_b1, 1, ARCHLLM_INIT_ZERO, 0, &w2);
    if (!s) s = archllm_params_add(&e->params, "b2", 1, s_b2, 0, ARCHLLM_INIT_ZERO, 0, &b2);
    if (!s) s = archllm_params_finalize(ctx, &e->params);
    if (!s) {
        const archllm_params *P = &e->params;
        e->at = (archllm_ensemble_layout){P->t[w1].offset, P->t[b1].offset, P->t[w2].offset, P->t[b2].offset};
    }
    e->L = L;
    if (!s && !L) {
        s = archllm_buf_alloc(ctx, &e->x, R * F * sizeof(float));
        e->rows = (archllm_ensemble_rows){.x = {e->x, 0}, .F = F};
    } else if (!s) {
        size_t kd = (size_t)K * (size_t)D;
        s = archllm_buf_alloc(ctx, &e->x, R * (size_t)L * sizeof(int32_t));
        if (!s) s = archllm_buf_alloc(ctx, &e->tab, kd * sizeof(float));
        if (!s) s = archllm_buf_write(ctx, e->tab, 0, table, kd * sizeof(float));
        if (!s) s = archllm_buf_alloc(ctx, &e->scratch, 2 * (size_t)M * (size_t)L * (size_t)K * (size_t)p->hidden * sizeof(float));
        e->rows = (archllm_ensemble_rows){.codes = {e->x, 0}, .tab = {e->tab, 0}, .scratch = {e->scratch, 0},
                                          .L = (size_t)L, .K = (size_t)K, .D = (size_t)D};
    }
    if (!s) s = archllm_buf_alloc(ctx, &e->t, R * sizeof(float));
    if (!s) s = archllm_buf_alloc(ctx, &e->out, R * M * sizeof(float));
    if (!s) s = archllm_buf_alloc(ctx, &e->bc, 2 * most_steps * sizeof(float));
    if (s) {
        archllm_ensemble_free(e);
        return s;
    }
    *out = e;
    return ARCHLLM_OK;
}

archllm_status archllm_ensemble_init(archllm_ensemble **out, archllm_ctx_t *ctx, int features, int max_rows,
                                     const archllm_ensemble_params *p)
{
    return ensemble_new(out, ctx, features, max_rows, p, 0, NULL, 0, 0);
}

archllm_status archllm_ensemble_init_codes(archllm_ensemble **out, archllm_ctx_t *ctx, int positions,
                                           const float *table, int K, int D, int max_rows,
                                           const archllm_ensemble_params *p)
{
    *out = NULL;
    if (positions < 1 || K < 1 || D < 1 || !table)
        return archllm_fail(ARCHLLM_EINVAL, "ensemble: %d codes a row of %d, each %d features", positions, K, D);
    return ensemble_new(out, ctx, positions * D, max_rows, p, positions, table, K, D);
}

static archllm_status check_rows(const archllm_ensemble *e, int n)
{
    if (n < 1 || n > e->max_rows)
        return archllm_fail(ARCHLLM_EINVAL, "ensemble: %d rows (1..%d)", n, e->max_rows);
    return ARCHLLM_OK;
}

/* rows: n x F floats, or n x L int32 codes (checked: the kernels index with them) */
static archllm_status upload_rows(archllm_ensemble *e, const void *rows, int n)
{
    if (!e->L) return archllm_buf_write(e->ctx, e->x, 0, rows, (size_t)n * (size_t)e->F * sizeof(float));
    const int32_t *c = rows;
    for (size_t i = 0; i < (size_t)n * (size_t)e->L; i++)
        if (c[i] < 0 || (size_t)c[i] >= e->rows.K)
            return archllm_fail(ARCHLLM_EINVAL, "ensemble: row %zu, position %zu: code %d outside 0..%zu",
                                i / (size_t)e->L, i % (size_t)e->L, (int)c[i], e->rows.K - 1);
    return archllm_buf_write(e->ctx, e->x, 0, rows, (size_t)n * (size_t)e->L * sizeof(int32_t));
}
static size_t row_bytes(const archllm_ensemble *e)
{
    return e->L ? (size_t)e->L * sizeof(int32_t) : (size_t)e->F * sizeof(float);
}

/* each kind of row has its own entry points, so a caller cannot mix them up */
static archllm_status kind(const archllm_ensemble *e, int codes)
{
    if (!e->L == !codes) return ARCHLLM_OK;
    return archllm_fail(ARCHLLM_EINVAL, "ensemble: rows of %s given to an ensemble of %s", codes ? "codes" : "features",
                        e->L ? "codes" : "features");
}

/* steps of AdamW (update) or one gradient (not) on the rows and targets uploaded */
static archllm_status run_fit(archllm_ensemble *e, int n, int steps, int update)
{
    archllm_params      *P = &e->params;
    archllm_adamw_params hp = {.lr = e->p.lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                               .weight_decay = e->p.weight_decay};
    ARCHLLM_TRY(archllm_op_ensemble_fit(e->ctx, P->param, P->grad, P->m, P->v, &e->at, &e->rows, (archllm_view){e->t, 0},
                                        (archllm_view){e->bc, 0}, (size_t)n, (size_t)e->p.members,
                                        (size_t)e->p.hidden, (size_t)steps, P->step + 1, &hp, update));
    if (update) P->step += steps;
    return ARCHLLM_OK;
}

archllm_status archllm_ensemble_gradient(archllm_ensemble *e, const float *x, const float *t, int n)
{
    ARCHLLM_TRY(kind(e, 0));
    ARCHLLM_TRY(check_rows(e, n));
    ARCHLLM_TRY(upload_rows(e, x, n));
    ARCHLLM_TRY(archllm_buf_write(e->ctx, e->t, 0, t, (size_t)n * sizeof *t));
    return run_fit(e, n, 1, 0);
}

/* PyTorch's nn.Linear initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and
 * biases, each member from its own draws (unit by unit, w1's row of a unit first). */
static archllm_status initialise(archllm_ensemble *e, archllm_rng *rng)
{
    archllm_params *P = &e->params;
    float *host = calloc(P->total, sizeof *host);
    if (!host) return archllm_fail(ARCHLLM_ENOMEM, "ensemble initialisation");
    size_t H = (size_t)e->p.hidden, M = (size_t)e->p.members, MH = (size_t)e->MH, F = (size_t)e->F;
    float a1 = 1.0f / sqrtf((float)F), a2 = 1.0f / sqrtf((float)H);
    float *w1 = host + e->at.w1, *b1 = host + e->at.b1, *w2 = host + e->at.w2, *b2 = host + e->at.b2;
    for (size_t u = 0; u < MH; u++)
        for (size_t f = 0; f < F; f++) w1[f * MH + u] = a1 * (2.0f * archllm_rng_uniform(rng) - 1.0f);
    for (size_t u = 0; u < MH; u++) b1[u] = a1 * (2.0f * archllm_rng_uniform(rng) - 1.0f);
    for (size_t j = 0; j < M; j++) {
        for (size_t u = 0; u < H; u++) w2[j * H + u] = a2 * (2.0f * archllm_rng_uniform(rng) - 1.0f);
        b2[j] = a2 * (2.0f * archllm_rng_uniform(rng) - 1.0f);
    }
    archllm_status s = archllm_params_write(e->ctx, P, host);
    free(host);
    if (!s) s = archllm_buf_fill_f32(e->ctx, P->m, 0, P->total, 0.0f);
    if (!s) s = archllm_buf_fill_f32(e->ctx, P->v, 0, P->total, 0.0f);
    P->step = 0;
    return s;
}

static archllm_status fit_rows(archllm_ensemble *e, const void *x, const double *y, int n, archllm_rng *rng)
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
    for (int i = 0; i < n; i++) e->host[i] = (float)((y[i] - e->y_mean) / e->y_std);
    archllm_status s = archllm_buf_write(e->ctx, e->t, 0, e->host, (size_t)n * sizeof *e->host);
    if (!s) s = upload_rows(e, x, n);
    /* the first fit (or after archllm_ensemble_forget) starts afresh; later ones continue */
    int fresh = !e->fitted || e->p.refit_steps <= 0, steps = fresh ? e->p.steps : e->p.refit_steps;
    if (!s && fresh) s = initialise(e, rng);
    if (!s) s = run_fit(e, n, steps, 1);
    e->fitted = !s;
    return s;
}

static archllm_status predict_rows(archllm_ensemble *e, const void *x, int n, float *pred)
{
    size_t M = (size_t)e->p.members;
    if (n < 0) return archllm_fail(ARCHLLM_EINVAL, "ensemble: predicting %d rows", n);
    for (int at = 0; at < n; at += e->max_rows) { /* chunks of the buffers' size */
        int k = n - at < e->max_rows ? n - at : e->max_rows;
        ARCHLLM_TRY(upload_rows(e, (const char *)x + (size_t)at * row_bytes(e), k));
        ARCHLLM_TRY(archllm_op_ensemble_predict(e->ctx, (archllm_view){e->out, 0}, e->params.param, &e->at, &e->rows,
                                                (size_t)k, M, (size_t)e->p.hidden));
        ARCHLLM_TRY(archllm_buf_read(e->ctx, pred + (size_t)at * M, e->out, 0, (size_t)k * M * sizeof(float)));
    }
    for (size_t i = 0; i < (size_t)n * M; i++) pred[i] = (float)(pred[i] * e->y_std + e->y_mean);
    return ARCHLLM_OK;
}

archllm_status archllm_ensemble_fit(archllm_ensemble *e, const float *x, const double *y, int n, archllm_rng *rng)
{
    ARCHLLM_TRY(kind(e, 0));
    return fit_rows(e, x, y, n, rng);
}
archllm_status archllm_ensemble_fit_codes(archllm_ensemble *e, const int32_t *codes, const double *y, int n,
                                          archllm_rng *rng)
{
    ARCHLLM_TRY(kind(e, 1));
    return fit_rows(e, codes, y, n, rng);
}
archllm_status archllm_ensemble_predict(archllm_ensemble *e, const float *x, int n, float *pred)
{
    ARCHLLM_TRY(kind(e, 0));
    return predict_rows(e, x, n, pred);
}
archllm_status archllm_ensemble_predict_codes(archllm_ensemble *e, const int32_t *codes, int n, float *pred)
{
    ARCHLLM_TRY(kind(e, 1));
    return predict_rows(e, codes, n, pred);
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
