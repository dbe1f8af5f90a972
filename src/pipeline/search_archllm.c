/* search_archllm.c - the Arch-LLM search method (paper, section on NAS): keep the best
 * cells queried so far, take their VQ-VAE codes, mask some codes, let the T5 fill them at a
 * temperature, decode, drop cells already queried, and hand the rest to the search loop
 * (src/nas/search.c), which queries the benchmark.  The first `initial` queries come
 * from the 'generate:' prompt.  When a round yields nothing new (a small space mostly
 * queried), more codes are masked; after that, a random unqueried cell keeps the loop going. */
#include "config.h"
#include "pipeline/pipeline.h"

#include "model/prompts.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

#define PROPOSE_MAX 8 /* candidates per round: a few, so the parents follow the queries */

typedef struct {
    archllm_pipeline_models      *pm;
    archllm_archllm_search_params p;
    int32_t                      *codes, *filled; /* (PROPOSE_MAX, L) */
    archllm_cell                  cand[PROPOSE_MAX];
} archllm_state;

archllm_archllm_search_params archllm_archllm_search_default_params(void)
{
    return (archllm_archllm_search_params){.top = 10, .mask_rate = 0.25, .temperature = 1.0, .initial = 10, .group = 4};
}

/* Keep the candidates that are new to the oracle and to this batch. */
static size_t keep_new(const archllm_search_state *st, const archllm_cell *cand, size_t n, archllm_cell *out,
                       size_t have, size_t cap)
{
    for (size_t i = 0; i < n && have < cap; i++) {
        archllm_oracle_answer a;
        if (archllm_oracle_peek(st->oracle, &cand[i], &a) != ARCHLLM_OK || !a.is_new) continue;
        int dup = 0;
        for (size_t j = 0; j < have && !dup; j++) {
            archllm_oracle_answer b;
            dup = archllm_oracle_peek(st->oracle, &out[j], &b) == ARCHLLM_OK && b.row == a.row;
        }
        if (!dup) out[have++] = cand[i];
    }
    archllm_error_clear();
    return have;
}

static archllm_status propose(void *user, const archllm_search_state *st, archllm_cell *out, size_t cap, size_t *n)
{
    archllm_state *S = user;
    archllm_pipeline_models *pm = S->pm;
    int L = pm->L;
    size_t want = cap < PROPOSE_MAX ? cap : PROPOSE_MAX, have = 0;
    archllm_sample_params sp;
    archllm_sample_default_params(&sp);
    sp.temperature = (float)S->p.temperature;
    *n = 0;
    if (st->n < S->p.initial) {
        for (int tries = 0; tries < 3 && have < want; tries++) {
            sp.seed = archllm_rng_u64(st->rng);
            ARCHLLM_TRY(archllm_pipeline_sample(pm, &sp, want, S->codes));
            ARCHLLM_TRY(archllm_pipeline_decode(pm, S->codes, want, S->cand));
            have = keep_new(st, S->cand, want, out, have, want);
        }
    } else {
        size_t top[64], k = S->p.top < 64 ? S->p.top : 64;
        k = archllm_search_top(st, k, top);
        /* parents whose codes we know (cells of other lengths cannot be filled at length L) */
        size_t np = 0;
        for (size_t i = 0; i < k; i++)
            if (archllm_pipeline_codes_of(pm, &st->cells[top[i]], S->codes) == ARCHLLM_OK) top[np++] = top[i];
        archllm_error_clear();
        size_t G = S->p.group < want ? S->p.group : want;
        double rate = S->p.mask_rate;
        for (int tries = 0; np > 0 && tries < 4 && have < want; tries++, rate = rate * 1.5 + 0.05) {
            for (size_t g0 = 0; g0 < want && have < want; g0 += G) {
                size_t ng = want - g0 < G ? want - g0 : G;
                uint8_t mask[ARCHLLM_PROMPT_MAX];
                int any = 0;
                for (int i = 0; i < L; i++) any += mask[i] = archllm_rng_uniform(st->rng) < rate;
                if (!any) mask[archllm_rng_below(st->rng, (uint32_t)L)] = 1;
                for (size_t b = 0; b < ng; b++) {
                    /* the better of two random parents (a binary tournament on the top list) */
                    size_t a = archllm_rng_below(st->rng, (uint32_t)np), c = archllm_rng_below(st->rng, (uint32_t)np);
                    size_t par = top[a < c ? a : c];
                    ARCHLLM_TRY(archllm_pipeline_codes_of(pm, &st->cells[par], S->codes + b * (size_t)L));
                }
                sp.seed = archllm_rng_u64(st->rng);
                ARCHLLM_TRY(archllm_pipeline_fill(pm, &sp, S->codes, mask, ng, S->filled));
                ARCHLLM_TRY(archllm_pipeline_decode(pm, S->filled, ng, S->cand));
                have = keep_new(st, S->cand, ng, out, have, want);
            }
        }
    }
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
    S->pm = pm;
    S->p = *p;
    if (S->p.group < 1) S->p.group = 1;
    S->codes = malloc(PROPOSE_MAX * (size_t)pm->L * sizeof *S->codes);
    S->filled = malloc(PROPOSE_MAX * (size_t)pm->L * sizeof *S->filled);
    if (!S->codes || !S->filled) {
        free(S->codes), free(S->filled), free(S);
        return archllm_fail(ARCHLLM_ENOMEM, "archllm search");
    }
    m->name = "archllm";
    m->user = S;
    m->propose = propose;
    return ARCHLLM_OK;
}

void archllm_search_archllm_free(archllm_search_method *m)
{
    archllm_state *S = m->user;
    if (S) free(S->codes), free(S->filled), free(S);
    m->user = NULL;
}
