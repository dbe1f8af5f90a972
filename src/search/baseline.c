/* baseline.c - uniform and random-graph cell samplers; see baseline.h. */
#include "config.h"
#include "search/baseline.h"
#include "nas/darts.h"
#include "nas/nb201.h"
#include "util/error.h"
#include "util/rng.h"

#include <string.h>

const char *archllm_baseline_name(archllm_baseline_kind kind)
{
    return kind == ARCHLLM_BASELINE_UNIFORM_SPACE ? "uniform-space"
           : kind == ARCHLLM_BASELINE_RANDOM_GRAPH ? "random-graph"
                                                   : "?";
}

static void random_graph_nb101(archllm_cell *c, archllm_rng *r)
{
    memset(c, 0, sizeof *c);
    c->nv = ARCHLLM_NB101_MAX_V;
    for (int w = 1; w < ARCHLLM_NB101_MAX_V; w++) /* column by column, as generate_graphs.py fills the bits */
        for (int v = 0; v < w; v++)
            if (archllm_rng_u32(r) & 1) c->adj[v] |= (uint16_t)(1u << w);
    c->ops[0] = ARCHLLM_LABEL_INPUT;
    for (int v = 1; v < ARCHLLM_NB101_MAX_V - 1; v++) c->ops[v] = (int8_t)archllm_rng_below(r, ARCHLLM_NB101_NUM_OPS);
    c->ops[ARCHLLM_NB101_MAX_V - 1] = ARCHLLM_LABEL_OUTPUT;
}

archllm_status archllm_baseline_sample(archllm_cell *out, size_t n, archllm_space space, archllm_baseline_kind kind,
                                       const archllm_nb101_space *nb101, uint64_t seed)
{
    archllm_rng r;
    archllm_rng_seed(&r, seed, ARCHLLM_BASELINE_STREAM);
    if (space == ARCHLLM_SPACE_NB201 && kind == ARCHLLM_BASELINE_UNIFORM_SPACE) {
        for (size_t i = 0; i < n; i++) {
            uint8_t ops[ARCHLLM_NB201_EDGES];
            ARCHLLM_TRY(archllm_nb201_ops_of_index(ops, (int)archllm_rng_below(&r, ARCHLLM_NB201_SIZE)));
            archllm_nb201_to_cell(&out[i], ops);
        }
        return ARCHLLM_OK;
    }
    if (space == ARCHLLM_SPACE_DARTS && kind == ARCHLLM_BASELINE_UNIFORM_SPACE) {
        for (size_t i = 0; i < n; i++) {
            archllm_darts_genotype g;
            archllm_darts_sample(&g, &r);
            archllm_darts_to_cell(&out[i], &g);
        }
        return ARCHLLM_OK;
    }
    if ((space == ARCHLLM_SPACE_NB101 || space == ARCHLLM_SPACE_CELLS) && kind == ARCHLLM_BASELINE_UNIFORM_SPACE) {
        if (!nb101 || !nb101->n)
            return archllm_fail(ARCHLLM_EINVAL, "uniform %s sampling needs the cells of the space",
                                space == ARCHLLM_SPACE_NB101 ? "NB101" : "cells");
        for (size_t i = 0; i < n; i++) out[i] = nb101->cells[archllm_rng_below(&r, (uint32_t)nb101->n)];
        return ARCHLLM_OK;
    }
    if (space == ARCHLLM_SPACE_NB101 && kind == ARCHLLM_BASELINE_RANDOM_GRAPH) {
        for (size_t i = 0; i < n; i++) random_graph_nb101(&out[i], &r);
        return ARCHLLM_OK;
    }
    return archllm_fail(ARCHLLM_EINVAL, "no %s baseline for %s", archllm_baseline_name(kind),
                        space == ARCHLLM_SPACE_NB201 ? "NB201" : "this space");
}
