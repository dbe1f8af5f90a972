/* nb201.h - the NAS-Bench-201 space: arch strings, the official index order of the
 * 15,625 cells, and the 8-node op-on-node DAG form (arch2vec's) with validity and hash.
 * Accuracy tables are in nb201_table.h. */
#ifndef ARCHLLM_NAS_NB201_H
#define ARCHLLM_NAS_NB201_H

#include "nas/cell.h"

#define ARCHLLM_NB201_SIZE    15625
#define ARCHLLM_NB201_EDGES   6
#define ARCHLLM_NB201_NUM_OPS 5
#define ARCHLLM_NB201_NODES   8   /* DAG form: input, the 6 edges, output */
#define ARCHLLM_NB201_STR_MAX 128 /* longest arch string is 100 chars */

/* Canonical op order (xautodl NAS_BENCH_201): none, skip_connect, nor_conv_1x1,
 * nor_conv_3x3, avg_pool_3x3 -> 0..4.  Edges are in arch-string order:
 * 0->1, 0->2, 1->2, 0->3, 1->3, 2->3. */
extern const char *const archllm_nb201_op_names[ARCHLLM_NB201_NUM_OPS];

/* "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|" <-> six op indices. */
archllm_status archllm_nb201_parse(uint8_t ops[ARCHLLM_NB201_EDGES], const char *arch);
void           archllm_nb201_format(char out[ARCHLLM_NB201_STR_MAX], const uint8_t ops[ARCHLLM_NB201_EDGES]);

/* Official index (gen_all, then random.seed(88); random.shuffle) <-> ops. */
archllm_status archllm_nb201_ops_of_index(uint8_t ops[ARCHLLM_NB201_EDGES], int index);
int            archllm_nb201_index_of_ops(const uint8_t ops[ARCHLLM_NB201_EDGES]);

/* The 8-node DAG form: nodes [input, e01, e02, e12, e03, e13, e23, output], labels
 * -1, op index of each edge, -2, and the fixed adjacency input->{e01,e02,e03},
 * e01->{e12,e13}, e02->e23, e12->e23, {e03,e13,e23}->output. */
void           archllm_nb201_to_cell(archllm_cell *out, const uint8_t ops[ARCHLLM_NB201_EDGES]);
/* Valid iff the cell is exactly that form with interior labels 0..4 (EFORMAT otherwise). */
archllm_status archllm_nb201_from_cell(uint8_t ops[ARCHLLM_NB201_EDGES], const archllm_cell *c);
/* nasbench hash_module of the DAG form (distinct for all 15,625 cells). */
void           archllm_nb201_hash(char out[33], const uint8_t ops[ARCHLLM_NB201_EDGES]);

/* The fixed 8-node adjacency as row bitmasks. */
extern const uint16_t archllm_nb201_dag_adj[ARCHLLM_NB201_NODES];

#endif
