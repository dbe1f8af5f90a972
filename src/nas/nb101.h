/* nb101.h - the NAS-Bench-101 space: enumeration in the official order, lookup by hash.
 * Cell graphs, validity and the hash are in cell.h; accuracies from the official
 * tfrecord in nb101_data.h. */
#ifndef ARCHLLM_NAS_NB101_H
#define ARCHLLM_NAS_NB101_H

#include "nas/cell.h"

#define ARCHLLM_NB101_SIZE 423624

/* The whole space as scripts/generate_graphs.py builds it: the first-seen (canonical)
 * cell of every hash, in first-seen order.  That form equals the module_adjacency /
 * module_operations stored in the official dataset. */
typedef struct {
    size_t        n;
    archllm_cell *cells;    /* (n) */
    uint8_t     (*digests)[16]; /* (n) nasbench hash of cells[i], raw bytes */
    uint32_t     *by_hash;  /* (n) indexes sorted by digest, for lookups */
} archllm_nb101_space;

/* Enumerate all 423,624 cells (a few seconds on one core).  Fails with EFORMAT if two
 * distinct cells ever hash alike, which would break the hash-as-isomorphism-key rule. */
archllm_status archllm_nb101_enumerate(archllm_nb101_space *out);
void           archllm_nb101_space_free(archllm_nb101_space *s);

/* Index of the cell with this hash (32 hex chars), or ENOTFOUND. */
archllm_status archllm_nb101_find(size_t *index, const archllm_nb101_space *s, const char *hash);

#endif
