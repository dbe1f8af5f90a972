/* test_ensemble.c - the MLP-ensemble surrogate: the device gradient against central
 * differences of a plain-C forward over the same parameters, a fit that learns a
 * function of binary features and generalises to rows it did not see, members that
 * disagree where they were not trained, a fit that repeats bit for bit from the same seed, and rows of codes that fit
 * and predict as the rows of features they stand for. */
#include "model/ensemble.h"
#include "ops/ops.h"
#include "ref/ref.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F 6
#define M 3
#define H 16
#define N 7

/* the plain-C forward (src/ref/ensemble.c): mean over rows and members of (out - t)^2 */
static double ref_loss(const archllm_params *P, const float *w, const float *x, const float *t, int n)
{
    ref_ensemble_layout at = {P->t[0].offset, P->t[1].offset, P->t[2].offset, P->t[3].offset};
    return ref_ensemble_loss(w, &at, x, t, (size_t)n, F, M, H);
}

static void gradient_check(archllm_ctx_t *ctx)
{
    archllm_ensemble_params p = archllm_ensemble_default_params();
    p.members = M;
    p.hidden = H;
    p.steps = 3;
    archllm_ensemble *e;
    archllm_status s = archllm_ensemble_init(&e, ctx, F, 16, &p);
    CHECK(s == ARCHLLM_OK, "init: %s", archllm_last_error());
    if (s) return;
    archllm_rng rng;
    archllm_rng_seed(&rng, 5, 1);
    float x[N * F], t[N];
    double y[N];
    for (int i = 0; i < N * F; i++) x[i] = (float)(archllm_rng_uniform(&rng) < 0.5f);
    for (int i = 0; i < N; i++) y[i] = t[i] = archllm_rng_normal(&rng);
    /* a short fit leaves every parameter away from zero (the hidden units alive) */
    s = archllm_ensemble_fit(e, x, y, N, &rng);
    CHECK(s == ARCHLLM_OK, "a short fit: %s", archllm_last_error());
    archllm_params *P = archllm_ensemble_params_table(e);
    float *w = malloc(P->total * sizeof *w), *g = malloc(P->total * sizeof *g);
    if (!s) s = archllm_params_read(ctx, P, w);
    if (!s) s = archllm_ensemble_gradient(e, x, t, N);
    if (!s) s = archllm_params_read_grad(ctx, P, g);
    CHECK(s == ARCHLLM_OK, "gradient on the device: %s", archllm_last_error());
    double worst = 0;
    int checked = 0;
    for (int k = 0; k < P->n && !s; k++)
        for (size_t j = 0; j < P->t[k].numel; j++) {
            size_t at = P->t[k].offset + j;
            float keep = w[at], eps = 1e-3f;
            w[at] = keep + eps;
            double lp = ref_loss(P, w, x, t, N);
            w[at] = keep - eps;
            double lm = ref_loss(P, w, x, t, N);
            w[at] = keep;
            double fd = (lp - lm) / (2.0 * eps), err = fabs(fd - g[at]) / (fabs(fd) + 1e-2);
            if (err > worst) worst = err;
            checked++;
        }
    CHECK(worst < 2e-2, "device gradient vs central differences over %d parameters: worst relative error %.2e",
          checked, worst);
    free(w);
    free(g);
    archllm_ensemble_free(e);
}

/* y = 2 x0 - x1 + x2 x3 over 10 binary features: fit 120 rows, predict 200 others */
static double target(const float *x) { return 2.0 * x[0] - x[1] + x[2] * x[3]; }

static void fit_check(archllm_ctx_t *ctx)
{
    enum { FF = 10, TRAIN = 120, TEST = 200 };
    archllm_ensemble_params p = archllm_ensemble_default_params();
    archllm_ensemble *e;
    archllm_status s = archllm_ensemble_init(&e, ctx, FF, 128, &p);
    CHECK(s == ARCHLLM_OK, "init: %s", archllm_last_error());
    if (s) return;
    archllm_rng rng;
    archllm_rng_seed(&rng, 11, 2);
    float *x = malloc((TRAIN + TEST) * FF * sizeof *x);
    double y[TRAIN + TEST], var = 0, mean = 0;
    for (int i = 0; i < (TRAIN + TEST) * FF; i++) x[i] = (float)(archllm_rng_uniform(&rng) < 0.5f);
    for (int i = 0; i < TRAIN + TEST; i++) mean += (y[i] = 90.0 + target(x + i * FF)) / (TRAIN + TEST);
    for (int i = 0; i < TRAIN + TEST; i++) var += (y[i] - mean) * (y[i] - mean) / (TRAIN + TEST);
    archllm_rng fit_rng;
    archllm_rng_seed(&fit_rng, 3, 4);
    s = archllm_ensemble_fit(e, x, y, TRAIN, &fit_rng);
    CHECK(s == ARCHLLM_OK, "fit: %s", archllm_last_error());
    double train_mse = 1e9, test_mse = 1e9;
    if (!s) s = archllm_ensemble_mse(e, x, y, TRAIN, &train_mse);
    if (!s) s = archllm_ensemble_mse(e, x + TRAIN * FF, y + TRAIN, TEST, &test_mse);
    CHECK(s == ARCHLLM_OK && train_mse < 0.05 * var, "training error %.4f, below 5%% of the variance %.4f", train_mse,
          var);
    CHECK(s == ARCHLLM_OK && test_mse < 0.2 * var, "held-out error %.4f, below 20%% of the variance %.4f", test_mse,
          var);

    /* members agree on what they saw more than on a far-off input (all features on) */
    int nm = archllm_ensemble_members(e);
    float far[FF], *pred = calloc((size_t)nm, sizeof *pred), *pred2 = calloc((size_t)nm, sizeof *pred2);
    for (int f = 0; f < FF; f++) far[f] = 3.0f;
    float *tp = malloc((size_t)TRAIN * (size_t)nm * sizeof *tp);
    if (!s && !(pred && pred2 && tp)) s = archllm_fail(ARCHLLM_ENOMEM, "test");
    if (!s) s = archllm_ensemble_predict(e, x, TRAIN, tp);
    if (!s) s = archllm_ensemble_predict(e, far, 1, pred);
    double spread_seen = 0, m = 0, spread_far = 0;
    for (int i = 0; i < TRAIN && !s; i++) {
        double a = 0, q = 0;
        for (int j = 0; j < nm; j++) a += tp[i * nm + j] / nm;
        for (int j = 0; j < nm; j++) q += (tp[i * nm + j] - a) * (tp[i * nm + j] - a) / nm;
        spread_seen += sqrt(q) / TRAIN;
    }
    for (int j = 0; j < nm && !s; j++) m += pred[j] / nm;
    for (int j = 0; j < nm && !s; j++) spread_far += (pred[j] - m) * (pred[j] - m) / nm;
    spread_far = sqrt(spread_far);
    CHECK(s == ARCHLLM_OK && spread_far > 2 * spread_seen, "members spread %.3f far from the data, %.3f on it",
          spread_far, spread_seen);

    /* the same seed fits the same ensemble */
    archllm_rng_seed(&fit_rng, 3, 4);
    if (!s) s = archllm_ensemble_fit(e, x, y, TRAIN, &fit_rng);
    if (!s) s = archllm_ensemble_predict(e, far, 1, pred2);
    CHECK(s == ARCHLLM_OK && memcmp(pred, pred2, (size_t)nm * sizeof *pred) == 0,
          "a refit from the same seed repeats exactly");

    /* refit_steps: a later fit continues the last one and draws nothing; forget starts afresh */
    archllm_ensemble_params pr = p;
    pr.refit_steps = 20;
    archllm_ensemble *er = NULL;
    archllm_status sr = archllm_ensemble_init(&er, ctx, FF, 128, &pr);
    archllm_rng r1, r2;
    archllm_rng_seed(&r1, 3, 4);
    if (!sr) sr = archllm_ensemble_fit(er, x, y, TRAIN, &r1);
    if (!sr) sr = archllm_ensemble_predict(er, far, 1, pred2);
    CHECK(sr == ARCHLLM_OK && memcmp(pred, pred2, (size_t)nm * sizeof *pred) == 0,
          "with refit_steps the first fit is a fresh one");
    r2 = r1;
    if (!sr) sr = archllm_ensemble_fit(er, x, y, TRAIN, &r1);
    if (!sr) sr = archllm_ensemble_predict(er, far, 1, pred2);
    CHECK(sr == ARCHLLM_OK && r1.state == r2.state && memcmp(pred, pred2, (size_t)nm * sizeof *pred) != 0,
          "a refit continues (other predictions) and draws nothing from the rng");
    archllm_ensemble_forget(er);
    archllm_rng_seed(&r1, 3, 4);
    if (!sr) sr = archllm_ensemble_fit(er, x, y, TRAIN, &r1);
    if (!sr) sr = archllm_ensemble_predict(er, far, 1, pred2);
    CHECK(sr == ARCHLLM_OK && memcmp(pred, pred2, (size_t)nm * sizeof *pred) == 0,
          "after forget the fit is fresh again");
    archllm_ensemble_free(er);
    free(pred);
    free(pred2);

    archllm_ensemble *bad = NULL;
    archllm_ensemble_params odd = p;
    odd.hidden = 24;
    CHECK(archllm_ensemble_init(&bad, ctx, FF, 128, &odd) == ARCHLLM_EINVAL && !bad && strstr(archllm_last_error(), "24"),
          "24 hidden units a member: EINVAL naming them (%s)", archllm_last_error());
    CHECK(archllm_ensemble_fit(e, x, y, 129, &fit_rng) == ARCHLLM_EINVAL, "more rows than the buffers: EINVAL (%s)",
          archllm_last_error());
    free(x);
    free(tp);
    archllm_ensemble_free(e);
}

/* rows of codes: the same fit and predictions as the rows of features they stand for */
static void codes_check(archllm_ctx_t *ctx)
{
    enum { L = 5, K = 6, D = 3, ROWS = 60 };
    archllm_ensemble_params p = archllm_ensemble_default_params();
    archllm_rng rng;
    archllm_rng_seed(&rng, 21, 1);
    float   tab[K * D], x[ROWS * L * D];
    int32_t codes[ROWS * L];
    double  y[ROWS];
    for (int i = 0; i < K * D; i++) tab[i] = 2.0f * archllm_rng_uniform(&rng) - 1.0f;
    for (int i = 0; i < ROWS * L; i++) codes[i] = (int32_t)archllm_rng_below(&rng, K);
    ref_ensemble_expand(x, codes, tab, ROWS, L, D); /* the same rows as features */
    for (int i = 0; i < ROWS; i++) y[i] = 90.0 + x[i * L * D] - 2.0 * x[i * L * D + 4] * x[i * L * D + 7];
    archllm_ensemble *dense = NULL, *coded = NULL;
    archllm_status s = archllm_ensemble_init(&dense, ctx, L * D, 64, &p);
    if (!s) s = archllm_ensemble_init_codes(&coded, ctx, L, tab, K, D, 64, &p);
    CHECK(s == ARCHLLM_OK, "init, features and codes: %s", archllm_last_error());
    int    nm = p.members;
    float *pd = calloc((size_t)ROWS * nm, sizeof *pd), *pc = calloc((size_t)ROWS * nm, sizeof *pc);
    archllm_rng r1, r2;
    archllm_rng_seed(&r1, 8, 8);
    archllm_rng_seed(&r2, 8, 8);
    if (!s) s = archllm_ensemble_fit(dense, x, y, ROWS, &r1);
    if (!s) s = archllm_ensemble_fit_codes(coded, codes, y, ROWS, &r2);
    if (!s) s = archllm_ensemble_predict(dense, x, ROWS, pd);
    if (!s) s = archllm_ensemble_predict_codes(coded, codes, ROWS, pc);
    double worst = 0;
    for (int i = 0; i < ROWS * nm && !s; i++) worst = fmax(worst, fabs(pd[i] - pc[i]));
    CHECK(s == ARCHLLM_OK && worst < 1e-3, "200 steps on codes and on their features predict alike: max |diff| %.2e",
          worst);
    int32_t bad = K;
    CHECK(coded && archllm_ensemble_predict_codes(coded, &bad, 1, pc) == ARCHLLM_EINVAL &&
              strstr(archllm_last_error(), "code 6"),
          "a code past the table: EINVAL naming it (%s)", archllm_last_error());
    CHECK(coded && archllm_ensemble_predict(coded, x, 1, pc) == ARCHLLM_EINVAL,
          "features given to an ensemble of codes: EINVAL (%s)", archllm_last_error());
    free(pd);
    free(pc);
    archllm_ensemble_free(dense);
    archllm_ensemble_free(coded);
}

/* the code kernels read their scratch as float16 vectors: an offset off 16 floats is refused */
static void scratch_offset_check(archllm_ctx_t *ctx)
{
    cl_mem b = NULL;
    archllm_status s = archllm_buf_alloc(ctx, &b, 4096 * sizeof(float));
    archllm_ensemble_layout at = {0, 64, 128, 192};
    archllm_ensemble_rows rows = {.codes = {b, 0}, .tab = {b, 0}, .scratch = {b, 19}, .L = 2, .K = 2, .D = 2};
    archllm_adamw_params hp = {.lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    archllm_view t = {b, 0}, bc = {b, 256};
    if (!s) s = archllm_op_ensemble_fit(ctx, b, b, b, b, &at, &rows, t, bc, 1, 1, 16, 1, 1, &hp, 1);
    CHECK(s == ARCHLLM_EINVAL && strstr(archllm_last_error(), "multiple of 16"),
          "a scratch at float 19: EINVAL (%s)", archllm_last_error());
    archllm_buf_free(&b);
}

int main(void)
{
    archllm_ctx_t *ctx = test_open_ctx();
    gradient_check(ctx);
    fit_check(ctx);
    codes_check(ctx);
    scratch_offset_check(ctx);
    archllm_ctx_free(ctx);
    return test_finish();
}
