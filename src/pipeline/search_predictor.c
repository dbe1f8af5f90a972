/* search_predictor.c - search methods that learn from their queries: an MLP ensemble
 * fitted to the validation accuracies so far ranks a pool of candidates before each
 * round of queries.  BANANAS-style: mutations of the best cells in the adjacency
 * encoding.  archllm-guided: the T5's fill and generate proposals and single edits of the
 * best cells, in the VQ-VAE's quantized latents.  See pipeline.h. */
#include "config.h"
#include "pipeline/pipeline.h"

#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a pool candidate and its acquisition value */
typedef struct {
    double score;
    size_t i;
} scored;

/* What both methods share: the ensemble, the history's rows and the pool's. */
typedef struct predictor predictor;
/* a cell's row: F floats (bananas) or L int32 codes (archllm-guided) */
typedef archllm_status (*featurize_fn)(const predictor *P, const archllm_cell *c, void *row);

struct predictor {
    archllm_ensemble *ens;
    int               codes;          /* rows of codes (the ensemble's _codes entry points) */
    size_t            row_bytes;
    size_t            rows;           /* the largest pool or history fitted/predicted */
    char             *hx, *px;        /* (rows, row_bytes) history and pool */
    float            *pred;           /* (rows, members) */
    scored           *score;
    size_t           *order;
    archllm_cell     *pool;           /* (rows) */
    size_t            npool;          /* archllm-guided: candidates kept from earlier rounds */
    featurize_fn      featurize;
    archllm_space     space;
    /* archllm-guided */
    archllm_pipeline_models *pm;
    archllm_proposer         pr;
    archllm_guided_params    gp;
    archllm_bananas_params   bp;
};

static void predictor_free(predictor *P)
{
    if (!P) return;
    archllm_ensemble_free(P->ens);
    free(P->hx), free(P->px), free(P->pred), free(P->score), free(P->order), free(P->pool);
    archllm_proposer_free(&P->pr);
    free(P);
}

/* buffers for `rows` rows of row_bytes (the ensemble is made by the caller) */
static archllm_status predictor_alloc(predictor *P, size_t row_bytes, size_t rows, const archllm_ensemble_params *ep)
{
    P->row_bytes = row_bytes;
    P->rows = rows;
    P->hx = malloc(rows * row_bytes);
    P->px = malloc(rows * row_bytes);
    P->pred = malloc(rows * (size_t)ep->members * sizeof *P->pred);
    P->score = malloc(rows * sizeof *P->score);
    P->order = malloc(rows * sizeof *P->order);
    P->pool = malloc(rows * sizeof *P->pool);
    if (!P->hx || !P->px || !P->pred || !P->score || !P->order || !P->pool)
        return archllm_fail(ARCHLLM_ENOMEM, "search predictor (%zu rows of %zu bytes)", rows, row_bytes);
    return ARCHLLM_OK;
}

static int by_score_desc(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Fit the ensemble to the history, score pool[0..*np) by independent Thompson sampling
 * and write the k best into out.  Pool cells that cannot be featurized are dropped
 * (*np shrinks). */
static archllm_status rank_pool(predictor *P, const archllm_search_state *st, size_t *np, size_t k,
                                archllm_cell *out, size_t *n)
{
    size_t nh = st->n < P->rows ? st->n : P->rows, kept = 0;
    /* the most recent rows when the history outgrows the buffers (budgets past `rows`) */
    const archllm_cell *hist = st->cells + (st->n - nh);
    const double       *valid = st->valid + (st->n - nh);
    double             *y = malloc((nh ? nh : 1) * sizeof *y);
    if (!y) return archllm_fail(ARCHLLM_ENOMEM, "search predictor targets");
    size_t fitted = 0;
    for (size_t i = 0; i < nh; i++) {
        if (P->featurize(P, &hist[i], P->hx + fitted * P->row_bytes) != ARCHLLM_OK) continue;
        y[fitted++] = valid[i];
    }
    archllm_error_clear();
    archllm_status s = ARCHLLM_OK;
    if (fitted >= 2)
        s = P->codes ? archllm_ensemble_fit_codes(P->ens, (const int32_t *)P->hx, y, (int)fitted, st->rng)
                     : archllm_ensemble_fit(P->ens, (const float *)P->hx, y, (int)fitted, st->rng);
    free(y);
    ARCHLLM_TRY(s);
    for (size_t i = 0; i < *np; i++) {
        if (P->featurize(P, &P->pool[i], P->px + kept * P->row_bytes) != ARCHLLM_OK) continue;
        P->pool[kept++] = P->pool[i];
    }
    archllm_error_clear();
    *np = kept;
    *n = 0;
    if (!kept) return ARCHLLM_OK;
    int M = archllm_ensemble_members(P->ens);
    if (fitted >= 2)
        ARCHLLM_TRY(P->codes ? archllm_ensemble_predict_codes(P->ens, (const int32_t *)P->px, (int)kept, P->pred)
                             : archllm_ensemble_predict(P->ens, (const float *)P->px, (int)kept, P->pred));
    for (size_t i = 0; i < kept; i++) {
        double mean = 0, var = 0;
        if (fitted >= 2) {
            for (int j = 0; j < M; j++) mean += P->pred[i * M + j];
            mean /= M;
            for (int j = 0; j < M; j++) var += (P->pred[i * M + j] - mean) * (P->pred[i * M + j] - mean);
            var /= M > 1 ? M - 1 : 1;
        }
        /* a draw from each candidate's predictive spread; too little history to fit: a random order */
        P->score[i].score = fitted >= 2 ? mean + sqrt(var) * archllm_rng_normal(st->rng) : archllm_rng_uniform(st->rng);
        P->score[i].i = i;
    }
    qsort(P->score, kept, sizeof *P->score, by_score_desc);
    for (size_t i = 0; i < kept && i < k; i++) out[(*n)++] = P->pool[P->score[i].i];
    return ARCHLLM_OK;
}

/* a run starts with a fresh ensemble, so each seed's run is the same alone or in a series */
static archllm_status predictor_begin(void *user, const archllm_search_state *st)
{
    (void)st;
    predictor *P = user;
    archllm_ensemble_forget(P->ens);
    P->npool = 0;
    return ARCHLLM_OK;
}

/* ---- BANANAS-style ---- */

archllm_bananas_params archllm_bananas_default_params(void)
{
    return (archllm_bananas_params){
        .initial = 10, .candidates = 100, .parents = 10, .per_round = 10, .ens = archllm_ensemble_default_params()};
}

static archllm_status adjacency_features(const predictor *P, const archllm_cell *c, void *row)
{
    archllm_search_encode(P->space, c, row);
    return ARCHLLM_OK;
}

/* Append up to `want` distinct unqueried single mutations of the `parents` best cells to
 * the pool (P->npool grows; the pool's rows are noted in P->order to skip repeats). */
static void add_mutations(predictor *P, const archllm_search_state *st, size_t parents, size_t want)
{
    size_t top[64], k = archllm_search_top(st, parents < 64 ? parents : 64, top), *rows = P->order;
    size_t goal = P->npool + want < P->rows ? P->npool + want : P->rows;
    for (size_t j = 0; j < P->npool; j++) {
        archllm_oracle_answer a;
        rows[j] = archllm_oracle_peek(st->oracle, &P->pool[j], &a) == ARCHLLM_OK ? a.row : SIZE_MAX;
    }
    for (size_t tries = 0; k && P->npool < goal && tries < 20 * want; tries++) {
        archllm_cell c;
        archllm_oracle_answer a;
        if (archllm_mutate(&c, &st->cells[top[archllm_rng_below(st->rng, (uint32_t)k)]], st->space, st->rng))
            continue;
        if (archllm_oracle_peek(st->oracle, &c, &a) != ARCHLLM_OK || !a.is_new) continue;
        int dup = 0;
        for (size_t j = 0; j < P->npool && !dup; j++) dup = rows[j] == a.row;
        if (dup) continue;
        rows[P->npool] = a.row;
        P->pool[P->npool++] = c;
    }
    archllm_error_clear();
}

static archllm_status bananas_propose(void *user, const archllm_search_state *st, archllm_cell *out, size_t cap,
                                      size_t *n)
{
    predictor *P = user;
    *n = 0;
    if (st->n >= P->bp.initial) {
        P->npool = 0;
        add_mutations(P, st, P->bp.parents, P->bp.candidates);
        ARCHLLM_TRY(rank_pool(P, st, &P->npool, cap < P->bp.per_round ? cap : P->bp.per_round, out, n));
    }
    if (*n == 0) *n = archllm_oracle_sample_unqueried(st->oracle, st->rng, out) ? 1 : 0;
    return ARCHLLM_OK;
}

/* ---- archllm-guided ---- */

archllm_guided_params archllm_guided_default_params(void)
{
    archllm_guided_params p = {.fill = archllm_archllm_search_default_params(), .pool = 160, .proposals = 32,
                               .mutations = 16, .explore = 8, .per_round = 4, .ens = archllm_ensemble_default_params()};
    p.fill.group = 128;     /* a round's fills in one T5 call */
    p.fill.initial = 20;    /* 10 left more runs in far basins (BENCHMARKS.md) */
    p.ens.members = 10;     /* 5 members left more runs short of the best cell (BENCHMARKS.md) */
    p.ens.refit_steps = 50; /* a round adds 4 rows: continue the last fit, 4x cheaper */
    return p;
}

/* a cell's VQ-VAE codes; the ensemble reads each as its codebook vector */
static archllm_status latent_codes(const predictor *P, const archllm_cell *c, void *row)
{
    return archllm_pipeline_codes_of(P->pm, c, row);
}

/* The pool lives across rounds: candidates not queried yet stay, to be scored again by
 * the refitted ensemble, and each round adds `proposals` fresh ones (the oldest leave
 * when it is full), so the T5 draws a few dozen cells a round, not the whole pool. */
static void drop_queried(predictor *P, const archllm_search_state *st)
{
    size_t kept = 0, skip = 0;
    size_t room = P->gp.pool > P->gp.proposals ? P->gp.pool - P->gp.proposals : 0;
    for (size_t i = 0; i < P->npool; i++) {
        archllm_oracle_answer a;
        if (archllm_oracle_peek(st->oracle, &P->pool[i], &a) == ARCHLLM_OK && a.is_new) P->pool[kept++] = P->pool[i];
    }
    archllm_error_clear();
    if (kept > room) skip = kept - room;
    memmove(P->pool, P->pool + skip, (kept - skip) * sizeof *P->pool);
    P->npool = kept - skip;
}

static archllm_status guided_propose(void *user, const archllm_search_state *st, archllm_cell *out, size_t cap,
                                     size_t *n)
{
    predictor *P = user;
    const archllm_guided_params *p = &P->gp;
    size_t have = 0, want = cap < p->per_round ? cap : p->per_round;
    *n = 0;
    if (st->n < p->fill.initial) {
        ARCHLLM_TRY(archllm_proposer_generate(&P->pr, st, p->fill.temperature, want, 3, out, &have));
    } else {
        drop_queried(P, st);
        size_t fresh = p->proposals < p->pool ? p->proposals : p->pool;
        size_t mutations = p->mutations < fresh ? p->mutations : fresh;
        size_t explore = p->explore < fresh - mutations ? p->explore : fresh - mutations;
        size_t fills = fresh - mutations - explore;
        if (mutations) add_mutations(P, st, p->fill.top, mutations);
        if (fills) ARCHLLM_TRY(archllm_proposer_fill(&P->pr, st, &p->fill, fills, P->pool, &P->npool));
        if (explore) ARCHLLM_TRY(archllm_proposer_generate(&P->pr, st, p->fill.temperature, explore, 1, P->pool, &P->npool));
        ARCHLLM_TRY(rank_pool(P, st, &P->npool, want, out, &have));
    }
    /* one random cell is enough to keep the loop moving */
    if (have < want && archllm_oracle_sample_unqueried(st->oracle, st->rng, &out[have])) have++;
    *n = have;
    return ARCHLLM_OK;
}

/* ---- setup ---- */

/* m runs on P once its setup status s is OK; else P is released */
static archllm_status install(archllm_search_method *m, predictor *P, archllm_status s, const char *name,
                              archllm_status (*propose)(void *, const archllm_search_state *, archllm_cell *, size_t,
                                                        size_t *))
{
    if (s) {
        predictor_free(P);
        return archllm_fail_prefix(s, "%s search", name);
    }
    m->name = name;
    m->user = P;
    m->begin = predictor_begin;
    m->propose = propose;
    return ARCHLLM_OK;
}

archllm_status archllm_search_bananas(archllm_search_method *m, archllm_ctx_t *ctx, archllm_space space,
                                      const archllm_bananas_params *p)
{
    memset(m, 0, sizeof *m);
    predictor *P = calloc(1, sizeof *P);
    if (!P) return archllm_fail(ARCHLLM_ENOMEM, "bananas search");
    P->bp = *p;
    P->featurize = adjacency_features;
    P->space = space;
    size_t rows = p->candidates > 256 ? p->candidates : 256;
    int    F = archllm_search_features(space);
    archllm_status s = predictor_alloc(P, (size_t)F * sizeof(float), rows, &p->ens);
    if (!s) s = archllm_ensemble_init(&P->ens, ctx, F, (int)rows, &p->ens);
    return install(m, P, s, "bananas", bananas_propose);
}

archllm_status archllm_search_guided(archllm_search_method *m, archllm_pipeline_models *pm,
                                     const archllm_guided_params *p)
{
    memset(m, 0, sizeof *m);
    predictor *P = calloc(1, sizeof *P);
    if (!P) return archllm_fail(ARCHLLM_ENOMEM, "archllm-guided search");
    P->gp = *p;
    P->pm = pm;
    P->featurize = latent_codes;
    P->codes = 1;
    int    cb = archllm_params_find(&pm->vq.params, "vq.codebook"), D = pm->vq.hp.latent_dim;
    size_t rows = p->pool > 256 ? p->pool : 256;
    size_t kd = (size_t)pm->K * (size_t)D;
    float *codebook = malloc(kd * sizeof *codebook);
    archllm_status s = codebook ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "search codebook");
    if (!s && (cb < 0 || pm->vq.params.t[cb].numel != kd))
        s = archllm_fail(ARCHLLM_EFORMAT, "the VQ-VAE has no vq.codebook of %d x %d", pm->K, D);
    /* the codebook alone, not the whole parameter table */
    if (!s)
        s = archllm_buf_read(pm->ctx, codebook, pm->vq.params.param, pm->vq.params.t[cb].offset * sizeof(float),
                             kd * sizeof(float));
    if (!s) s = archllm_proposer_init(&P->pr, pm, rows);
    if (!s) s = predictor_alloc(P, (size_t)pm->L * sizeof(int32_t), rows, &p->ens);
    if (!s) s = archllm_ensemble_init_codes(&P->ens, pm->ctx, pm->L, codebook, pm->K, D, (int)rows, &p->ens);
    free(codebook);
    return install(m, P, s, "archllm-guided", guided_propose);
}

void archllm_search_predictor_free(archllm_search_method *m)
{
    predictor_free(m->user);
    m->user = NULL;
}
