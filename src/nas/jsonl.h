/* jsonl.h - cells as JSON Lines with the nasbench field names:
 *   {"hash": "...", "module_adjacency": [[0, 1], [0, 0]], "module_operations": ["input", "output"]}
 * NB201 lines also carry "index" and "arch_str" and use the 8-node DAG form with the
 * NB201 op names; DARTS lines carry "genotype" (the DARTS Genotype text) and use the
 * 11-node DAG form with vertices "c_{k-2}", "c_{k-1}", the DARTS op names, "output"
 * (and the canonical-form hash); a user's cells use its op names (cells.h).  Used by `archllm dataset` (writing) and by decode/search (reading). */
#ifndef ARCHLLM_NAS_JSONL_H
#define ARCHLLM_NAS_JSONL_H

#include <stdio.h>

#include "nas/cell.h"
#include "nas/nb201.h"

typedef struct {
    archllm_space space;      /* from the op names (NB101 when there is no interior op) */
    archllm_cell  cell;
    char          hash[33];   /* "" when the line has none; not re-verified */
    int           index;      /* NB201 index, -1 when absent */
    char          arch_str[ARCHLLM_NB201_STR_MAX]; /* "" when absent */
} archllm_cell_record;

/* One line (without or with its '\n').  EFORMAT with the reason for anything else,
 * including an NB201 line whose arch_str/index disagree with its graph. */
archllm_status archllm_jsonl_parse_cell(archllm_cell_record *out, const char *line, size_t len);
/* Write one line ending in '\n'. */
archllm_status archllm_jsonl_write_cell(FILE *f, const archllm_cell_record *rec);
/* Read every non-blank line of a stream; errors name the line.  *out is malloc'd. */
archllm_status archllm_jsonl_read_cells(archllm_cell_record **out, size_t *n, FILE *f, const char *name);
archllm_status archllm_jsonl_load_cells(archllm_cell_record **out, size_t *n, const char *path);

/* The name of a label in the space's files ("?" when out of range). */
const char    *archllm_space_op_name(archllm_space space, int label);

/* Fill a record from a cell: computes the hash; for NB201 also index and arch_str. */
archllm_status archllm_cell_record_make(archllm_cell_record *out, const archllm_cell *c, archllm_space space);

#endif
