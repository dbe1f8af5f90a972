/* search_archllm.c - T5 proposals for search, and the Arch-LLM search method (paper,
 * section on NAS): keep the best cells queried so far, take their VQ-VAE codes, mask some
 * codes, let the T5 fill them at a temperature, decode, drop cells already queried, and
 * hand the rest to the search loop (src/search/search.c), which queries the benchmark.  The
 * first `initial` queries come from the 'generate:' prompt.  When a round yields nothing
 * new (a small space mostly queried), more codes are masked; after that, a random
 * unqueried cell keeps the loop going.  The proposer is shared with the guided method
 * (archllm-guided, search_predictor.c), which draws a larger pool and ranks it. */
#include "config.h"
#include "pipeline/pipeline.h"

#include "model/prompts.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

#define PROPOSE_MAX 8 /* candidates per round: a few, so the parents follow the queries */

archllm_status archllm_proposer_init(archllm_proposer *pr, archllm_pipeline_models *pm, size_t cap)
{
    memset(pr, 0, sizeof *pr);
    pr->pm = pm;
    pr->cap = cap;
    pr->codes = malloc(cap * (size_t)pm->L * sizeof *pr->codes);
    pr->filled = malloc(cap * (size_t)pm->L * sizeof *pr->filled);
    pr->cand = malloc(cap * sizeof *pr->cand);
    pr->rows = malloc(cap * sizeof *pr->rows);
    if (!pr->codes || !pr->filled || !pr->cand || !pr->rows) {
        archllm_proposer_free(pr);
        return archllm_fail(ARCHLLM_ENOMEM, "search proposals (%zu)", cap);
    }
    return ARCHLLM_OK;
}

void archllm_proposer_free(archllm_proposer *pr)
{
    free(pr->codes);
    free(pr->filled);
    free(pr->cand);
    free(pr->rows);
    memset(pr, 0, sizeof *pr);
}

/* Append the candidates new to the oracle and to out[0..*have) (rows known in pr->rows). */
static void keep_new(archllm_proposer *pr, const archllm_search_state *st, size_t n, archllm_cell *out, size_t *have,
                     size_t cap)
{
    for (size_t i = 0; i < n && *have < cap; i++) {
        archllm_oracle_answer a;
        if (archllm_oracle_peek(st->oracle, &pr->cand[i], &a) != ARCHLLM_OK || !a.is_new) continue;
        int dup = 0;
        for (size_t j = 0; j < *have && !dup; j++) dup = pr->rows[j] == a.row;
        if (dup) continue;
        pr->rows[*have] = a.row;
        out[(*have)++] = pr->cand[i];
    }
    archllm_error_clear();
}

/* The rows of out[0..have) (cells handed in by the caller) for keep_new. */
static void note_rows(archllm_proposer *pr, const archllm_search_state *st, const archllm_cell *out, size_t have)
{
    for (size_t j = 0; j < have; j++) {
        archllm_oracle_answer a;
        pr->rows[j] = archllm_oracle_peek(st->oracle, &out[j], &a) == ARCHLLM_OK ? a.row : SIZE_MAX;
    }
    archllm_error_clear();
}

archllm_status archllm_proposer_generate(archllm_proposer *pr, const archllm_search_state *st, double temperature,
                                         size_t want, int tries, archllm_cell *out, size_t *have)
{
    archllm_pipeline_models *pm = pr->pm;
    archllm_sample_params sp;
    archllm_sample_default_params(&sp);
    sp.temperature = (float)temperature;
    if (want > pr->cap) want = pr->cap;
    note_rows(pr, st, out, *have);
    size_t goal = *have + want;
    for (int t = 0; t < tries && *have < goal; t++) {
        sp.seed = archllm_rng_u64(st->rng);
        ARCHLLM_TRY(archllm_pipeline_sample(pm, &sp, want, pr->codes));
        ARCHLLM_TRY(archllm_pipeline_decode(pm, pr->codes, want, pr->cand));
        keep_new(pr, st, want, out, have, goal);
    }
    return ARCHLLM_OK;
}

archllm_status archllm_proposer_fill(archllm_proposer *pr, const archllm_search_state *st,
                                     const archllm_archllm_search_params *p, size_t want, archllm_cell *out,
                                     size_t *have)
{
    archllm_pipeline_models *pm = pr->pm;
    int L = pm->L;
    archllm_sample_params sp;
    archllm_sample_default_params(&sp);
    sp.temperature = (float)p->temperature;
    if (want > pr->cap) want = pr->cap;
    note_rows(pr, st, out, *have);
    size_t goal = *have + want;
    size_t top[64], k = p->top < 64 ? p->top : 64;
    k = archllm_search_top(st, k, top);
    /* parents whose codes we know (cells of other lengths cannot be filled at length L) */
    size_t np = 0;
    for (size_t i = 0; i < k; i++)
        if (archllm_pipeline_codes_of(pm, &st->cells[top[i]], pr->codes) == ARCHLLM_OK) top[np++] = top[i];
    archllm_error_clear();
    size_t G = p->group < want ? p->group : want;
    if (G < 1) G = 1;
    double rate = p->mask_rate;
    for (int tries = 0; np > 0 && tries < 4 && *have < goal; tries++, rate = rate * 1.5 + 0.05) {
        for (size_t g0 = 0; g0 < want && *have < goal; g0 += G) {
            size_t ng = want - g0 < G ? want - g0 : G;
            uint8_t mask[ARCHLLM_PROMPT_MAX];
            int any = 0;
            for (int i = 0; i < L; i++) any += mask[i] = archllm_rng_uniform(st->rng) < rate;
            if (!any) mask[archllm_rng_below(st->rng, (uint32_t)L)] = 1;
            for (size_t b = 0; b < ng; b++) {
                /* the better of two random parents (a binary tournament on the top list) */
                size_t a = archllm_rng_below(st->rng, (uint32_t)np), c = archllm_rng_below(st->rng, (uint32_t)np);
                size_t par = top[a < c ? a : c];
                ARCHLLM_TRY(archllm_pipeline_codes_of(pm, &st->cells[par], pr->codes + b * (size_t)L));
            }
            sp.seed = archllm_rng_u64(st->rng);
            ARCHLLM_TRY(archllm_pipeline_fill(pm, &sp, pr->codes, mask, ng, pr->filled));
            ARCHLLM_TRY(archllm_pipeline_decode(pm, pr->filled, ng, pr->cand));
            keep_new(pr, st, ng, out, have, goal);
        }
    }
    return ARCHLLM_OK;
}

/* ---- the paper's method ---- */

typedef struct {
    archllm_proposer              pr;
    archllm_archllm_search_params p;
} archllm_state;

archllm_archllm_search_params archllm_archllm_search_default_params(void)
{
    return (archllm_archllm_search_params){.top = 10, .mask_rate = 0.25, .temperature = 1.0, .initial = 10, .group = 4};
}

static archllm_status propose(void *user, const archllm_search_state *st, archllm_cell *out, size_t cap, size_t *n)
{
    archllm_state *S = user;
    size_t want = cap < PROPOSE_MAX ? cap : PROPOSE_MAX, have = 0;
    *n = 0;
    if (st->n < S->p.initial) ARCHLLM_TRY(archllm_proposer_generate(&S->pr, st, S->p.temperature, want, 3, out, &have));
    else ARCHLLM_TRY(archllm_proposer_fill(&S->pr, st, &S->p, want, out, &have));
    /* one random cell is enough to keep the loop moving */
    if (have < want && archllm_oracle_sample_unqueried(st->oracle, st->rng, &out[have])) have++;
    *n = have;
    return ARCHLLM_OK;
}

archllm_status archllm_search_archllm(archllm_search_method *m, archllm_pipeline_models *pm,
                                      const archllm_archllm_search_params *p)
{
    memset(m, 0, sizeof *m);
    if (pm->batch < PROPOSE_MAX)
        return archllm_fail(ARCHLLM_EINVAL, "archllm search: the models' batch %d is below %d", pm->batch, PROPOSE_MAX);
    archllm_state *S = calloc(1, sizeof *S);
    if (!S) return archllm_fail(ARCHLLM_ENOMEM, "archllm search");
    S->p = *p;
    if (S->p.group < 1) S->p.group = 1;
    archllm_status s = archllm_proposer_init(&S->pr, pm, PROPOSE_MAX);
    if (s) {
        free(S);
        return s;
    }
    m->name = "archllm";
    m->user = S;
    m->propose = propose;
    return ARCHLLM_OK;
}

void archllm_search_archllm_free(archllm_search_method *m)
{
    archllm_state *S = m->user;
    if (S) archllm_proposer_free(&S->pr), free(S);
    m->user = NULL;
}
