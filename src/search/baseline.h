/* baseline.h - the cells a generator must beat, sampled without any model:
 *
 *   ARCHLLM_BASELINE_UNIFORM_SPACE  iid uniform over the cells of the space (NB101: the
 *                                   423,624 enumerated cells; NB201: the 15,625 cells;
 *                                   DARTS: uniform genotypes, archllm_darts_sample; a
 *                                   user's space: the cells of its file, passed as nb101).
 *                                   Always valid; uniqueness is capped by the iid limit.
 *   ARCHLLM_BASELINE_RANDOM_GRAPH   NB101 only: 7 vertices, each of the 21 upper-triangular
 *                                   edges present with probability 1/2, each of the 5
 *                                   interior ops uniform over the 3 NB101 ops.  Can be
 *                                   invalid (input and output disconnected, > 9 edges
 *                                   after pruning): what a model with no notion of the
 *                                   space produces.
 *
 * Seeded with PCG32 (seed, stream ARCHLLM_BASELINE_STREAM). */
#ifndef ARCHLLM_SEARCH_BASELINE_H
#define ARCHLLM_SEARCH_BASELINE_H

#include "nas/cell.h"
#include "nas/nb101.h"

#define ARCHLLM_BASELINE_STREAM 0xba5e

typedef enum {
    ARCHLLM_BASELINE_UNIFORM_SPACE = 1,
    ARCHLLM_BASELINE_RANDOM_GRAPH  = 2
} archllm_baseline_kind;

/* "uniform-space", "random-graph" */
const char *archllm_baseline_name(archllm_baseline_kind kind);

/* n cells into out.  NB101 uniform-space needs the enumerated space (nb101, else NULL
 * is fine); random-graph exists for NB101 only (EINVAL otherwise). */
archllm_status archllm_baseline_sample(archllm_cell *out, size_t n, archllm_space space, archllm_baseline_kind kind,
                                       const archllm_nb101_space *nb101, uint64_t seed);

#endif
