/* cells.h - a cell space a user brings: a JSON Lines file with one cell a line in the
 * nasbench field names,
 *   {"module_adjacency": [[0, 1, 1], [0, 0, 1], [0, 0, 0]], "module_operations": ["input", "conv", "output"]}
 * The op vocabulary and the vertex count come from the file (at most ARCHLLM_CELL_MAX_V
 * vertices); optionally a list of allowed ops and an edge limit.  A cell is valid when
 * its matrix is strictly upper triangular, input (first) reaches output (last), and,
 * after nasbench pruning, it has at most max_v vertices, at most max_edges edges and
 * only allowed interior ops.  Cells are keyed by the NB101 hash of the pruned cell.
 *
 * The space is process-wide (archllm_cells_space_use): ARCHLLM_SPACE_CELLS stands for
 * the one loaded last, so that code keyed by archllm_space (datasets, metrics, the
 * VQ-VAE's decoder) works unchanged.  Not here: the file's place in a config (io/experiment). */
#ifndef ARCHLLM_NAS_CELLS_H
#define ARCHLLM_NAS_CELLS_H

#include "nas/cell.h"

#define ARCHLLM_CELLS_MAX_OPS  32 /* interior op names of one space */
#define ARCHLLM_CELLS_NAME_MAX 64

typedef struct {
    int      n_ops;                                              /* interior ops: labels 0..n_ops-1 */
    char     op_names[ARCHLLM_CELLS_MAX_OPS][ARCHLLM_CELLS_NAME_MAX];
    uint32_t allowed;                                            /* bit k: op k may appear */
    int      max_v;                                              /* the most vertices of a file cell */
    int      max_edges;                                          /* after pruning */
} archllm_cells_space;

typedef struct {
    const char *path;      /* the JSON Lines file */
    const char *ops;       /* "a,b,c": the vocabulary in this order, the only ops allowed; "" = the file's ops */
    int         max_edges; /* 0 = the most edges of a file cell */
} archllm_cells_source;

/* Read the file: every line must be a valid cell of the space it defines (errors are
 * "FILE:LINE: message").  Lines whose hash repeats an earlier line's are dropped
 * (*duplicates counts them).  *cells is malloc'd, in file order. */
archllm_status archllm_cells_load(archllm_cells_space *sp, archllm_cell **cells, size_t *n, size_t *duplicates,
                                  const archllm_cells_source *src);

/* Valid in sp (EFORMAT naming the rule); pruned (may be NULL) gets the pruned cell. */
archllm_status archllm_cells_check(archllm_cell *pruned, const archllm_cells_space *sp, const archllm_cell *c);
/* The key: NB101 hash_module of the pruned cell; EFORMAT when not valid. */
archllm_status archllm_cells_digest(uint8_t digest[16], const archllm_cells_space *sp, const archllm_cell *c);

/* The process-wide space behind ARCHLLM_SPACE_CELLS: loads src unless the same source
 * is loaded already.  cells/n (may be NULL) borrow its cells. */
archllm_status             archllm_cells_space_use(const archllm_cells_source *src, const archllm_cell **cells,
                                                   size_t *n);
const archllm_cells_space *archllm_cells_space_current(void); /* NULL before a load */
/* The name of an interior label of the current space ("?" when out of range). */
const char *archllm_cells_op_name(int label);

#endif
