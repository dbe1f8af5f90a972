/* genmetrics.h - how good a list of generated cells is, in the units of the Arch-LLM
 * paper and arch2vec: validity, uniqueness, novelty and their absolute forms, plus the
 * iid limit that caps uniqueness for N independent draws.  Writes a JSON report and CSV
 * rows.  Cells are keyed by their nasbench hash (NB101 and a user's cells: of the pruned
 * cell; NB201: of the 8-node DAG form), so isomorphic NB101 graphs count once; DARTS
 * cells by their canonical-form hash (darts.h).  Validity is each space's own rules.  Sampling and decoding
 * are elsewhere (baseline.h, the pipeline). */
#ifndef ARCHLLM_SEARCH_GENMETRICS_H
#define ARCHLLM_SEARCH_GENMETRICS_H

#include <stdio.h>

#include "nas/cell.h"
#include "nas/hashset.h"

#define ARCHLLM_NB101_SPACE_SIZE 423624.0
#define ARCHLLM_NB201_SPACE_SIZE 15625.0

/* Flags per generated cell (archllm_genmetrics_add). */
enum {
    ARCHLLM_GEN_VALID = 1, /* in the space (NB101: _check_spec after pruning; NB201: the DAG form) */
    ARCHLLM_GEN_NEW   = 2, /* valid and the first occurrence of its hash in this list */
    ARCHLLM_GEN_NOVEL = 4  /* new and not in the training set (never set without one) */
};

typedef struct {
    archllm_space space;
    size_t generated;            /* cells looked at */
    size_t valid;                /* valid cells (with repeats) */
    size_t unique;               /* distinct valid hashes */
    size_t novel;                /* distinct valid hashes not in the training set (0 without one) */
    double validity;             /* valid / generated */
    double uniqueness;           /* unique / valid */
    double novelty;              /* novel / unique (NaN without a training set) */
    double valid_unique;         /* unique / generated            ("absolute uniqueness") */
    double valid_unique_novel;   /* novel / generated             ("absolute novelty") */
    double iid_unique_limit;     /* S(1 - e^(-N/S)) / N for S = space size, N = generated (NaN: S unknown) */
} archllm_genmetrics;

/* The key of a cell: EFORMAT (with the reason) when the cell is not valid in the space. */
archllm_status archllm_space_cell_digest(uint8_t digest[16], archllm_space space, const archllm_cell *c);
double         archllm_space_size(archllm_space space);

/* Expected number of distinct cells in N independent uniform draws from S cells:
 * S(1 - e^(-N/S)).  Divide by N for the best possible valid_unique of iid sampling. */
double archllm_iid_expected_unique(double space_size, double n);

/* The training-split set: keys of cells[idx[i]] (idx NULL: all n cells), or, faster,
 * of precomputed digests (archllm_nb101_space.digests). */
archllm_status archllm_train_set_from_cells(archllm_hashset **out, archllm_space space, const archllm_cell *cells,
                                            const uint32_t *idx, size_t n);
archllm_status archllm_train_set_from_digests(archllm_hashset **out, const uint8_t (*digests)[16],
                                              const uint32_t *idx, size_t n);

/* Streaming form, for samplers that stop at N distinct valid cells (--unique). */
typedef struct archllm_genmetrics_acc archllm_genmetrics_acc;
/* train: the training-split set (borrowed; NULL: novelty is NaN); expected: about how
 * many cells will be added. */
archllm_status archllm_genmetrics_acc_init(archllm_genmetrics_acc **out, archllm_space space,
                                           const archllm_hashset *train, size_t expected);
void           archllm_genmetrics_acc_free(archllm_genmetrics_acc *a);
/* Add one generated cell; *flags (may be NULL) gets ARCHLLM_GEN_* bits. */
archllm_status archllm_genmetrics_add(archllm_genmetrics_acc *a, const archllm_cell *c, unsigned *flags);
void           archllm_genmetrics_get(archllm_genmetrics *out, const archllm_genmetrics_acc *a);

/* All at once; flags (may be NULL) is (n). */
archllm_status archllm_genmetrics_compute(archllm_genmetrics *out, archllm_space space, const archllm_cell *cells,
                                          size_t n, const archllm_hashset *train, unsigned *flags);

/* One line of a report: what produced the cells and how. */
typedef struct {
    char               method[48];   /* "uniform-space", "random-graph", "archllm", "vae", ... */
    double             temperature;  /* NaN when not a sampled model */
    uint64_t           seed;
    archllm_genmetrics m;
} archllm_genmetrics_record;

const char *archllm_space_name(archllm_space space); /* "nb101", "nb201" */

/* JSON: {"records": [{"method", "space", "temperature" (null when NaN), "seed",
 * "generated", "valid", "unique", "novel", "validity", "uniqueness", "novelty",
 * "valid_unique", "valid_unique_novel", "iid_unique_limit", "iid_expected_unique"}]},
 * written atomically. */
archllm_status archllm_genmetrics_save_json(const char *path, const archllm_genmetrics_record *r, size_t n);
/* CSV with a header line and the same fields (empty for NaN), written atomically. */
archllm_status archllm_genmetrics_save_csv(const char *path, const archllm_genmetrics_record *r, size_t n);
void           archllm_genmetrics_csv_header(FILE *f);
void           archllm_genmetrics_csv_row(FILE *f, const archllm_genmetrics_record *r);

#endif
