/* dataset.h - padded training tensors for a whole search space and the seeded
 * train/held-out split that is saved with an experiment.
 *
 * Tensors are uint8 (0/1) to keep NB101 at ~38 MB; models widen a batch at a time.
 * One-hot op vocabularies (column order):
 *   NB101: input, conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3, output      (5, max_v 7)
 *   NB201: input, none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3, output
 *                                                                           (7, max_v 8)
 *   DARTS: c_{k-2}, the 7 DARTS ops (darts.h order), c_{k-1}, output        (10, max_v 11)
 *   cells: input, the file's ops (cells.h), output            (n_ops + 2, the file's max_v)
 * A cell with nv < max_v fills rows/columns 0..nv-1; the rest is zero with mask 0. */
#ifndef ARCHLLM_NAS_DATASET_H
#define ARCHLLM_NAS_DATASET_H

#include "nas/cell.h"

typedef struct {
    archllm_space space;
    size_t   n;
    int      max_v, n_ops;
    uint8_t *adj;    /* (n, max_v, max_v) adj[i][v][w] = edge v->w */
    uint8_t *ops;    /* (n, max_v, n_ops) one-hot */
    uint8_t *mask;   /* (n, max_v) 1 for real vertices */
    uint8_t *nv;     /* (n) vertex count */
} archllm_dataset;

int            archllm_space_max_v(archllm_space space);
int            archllm_space_num_ops(archllm_space space);
/* One-hot column of a label (-1 input, -2 output, interior op), -1 if out of range. */
int            archllm_space_op_column(archllm_space space, int label);
/* Inverse: the label of a one-hot column. */
int            archllm_space_column_label(archllm_space space, int col);

archllm_status archllm_dataset_build(archllm_dataset *out, archllm_space space, const archllm_cell *cells, size_t n);
void           archllm_dataset_free(archllm_dataset *d);
/* Cell i back from the tensors (for round-trip checks and decoding). */
archllm_status archllm_dataset_cell(archllm_cell *out, const archllm_dataset *d, size_t i);

/* A seeded permutation split: test[] holds the held-out cell indexes (sorted), train[]
 * the rest (sorted).  n_test = round(n * (1 - train_fraction)). */
typedef struct {
    uint64_t  seed;
    size_t    n;
    size_t    n_train, n_test;
    uint32_t *train;  /* (n_train) */
    uint32_t *test;   /* (n_test) */
} archllm_split;

#define ARCHLLM_SPLIT_TRAIN_FRACTION 0.9 /* the default 90/10 split */

archllm_status archllm_split_make(archllm_split *out, size_t n, double train_fraction, uint64_t seed);
void           archllm_split_free(archllm_split *s);
/* Text file: "archllm-split 1", then "n", "seed", "train", "test" lines, then one
 * held-out index per line.  Written atomically (archllm_atomic_open/commit). */
archllm_status archllm_split_save(const archllm_split *s, const char *path);
archllm_status archllm_split_load(archllm_split *out, const char *path);

#endif
