/* cell.h - a neural-architecture cell as a small DAG: adjacency bits and op labels.
 *
 * Holds the cell type shared by both search spaces, NAS-Bench-101 validity and pruning
 * (google-research/nasbench model_spec.py and api.py _check_spec) and the nasbench
 * hash_module fingerprint, byte for byte.  Space-specific code (enumeration, NB201 index
 * order, tables) lives in nb101.h / nb201.h. */
#ifndef ARCHLLM_NAS_CELL_H
#define ARCHLLM_NAS_CELL_H

#include <stddef.h>
#include <stdint.h>

#include "archllm.h"

#define ARCHLLM_CELL_MAX_V 11 /* NB101 uses up to 7, the NB201 node form 8, the DARTS node form 11 */
#define ARCHLLM_LABEL_INPUT  (-1)
#define ARCHLLM_LABEL_OUTPUT (-2)
#define ARCHLLM_LABEL_INPUT1 (-3) /* DARTS: the second cell input c_{k-1} (c_{k-2} is INPUT) */

#define ARCHLLM_NB101_MAX_V     7
#define ARCHLLM_NB101_MAX_EDGES 9
#define ARCHLLM_NB101_NUM_OPS   3

typedef enum {
    ARCHLLM_SPACE_NB101 = 1,
    ARCHLLM_SPACE_NB201 = 2,
    ARCHLLM_SPACE_DARTS = 3, /* the DARTS normal cell, 11-node DAG form (darts.h) */
    ARCHLLM_SPACE_CELLS = 4  /* a user's space from a JSON Lines file (cells.h) */
} archllm_space;

/* Vertex 0 is the input, vertex nv-1 the output.  adj[v] has bit w set for an edge v->w;
 * ops[] are nasbench labels: -1 input, -2 output, 0.. the interior op index of the space
 * (NB101: 0 conv3x3-bn-relu, 1 conv1x1-bn-relu, 2 maxpool3x3; NB201: 0..4 as in nb201.h). */
typedef struct {
    uint8_t nv;
    uint16_t adj[ARCHLLM_CELL_MAX_V]; /* bit w of row v: edge v->w (16 bits hold MAX_V) */
    int8_t  ops[ARCHLLM_CELL_MAX_V];
} archllm_cell;

/* NB101 op names in canonical label order (config['available_ops']). */
extern const char *const archllm_nb101_op_names[ARCHLLM_NB101_NUM_OPS];

int  archllm_cell_edges(const archllm_cell *c);
int  archllm_cell_has_edge(const archllm_cell *c, int from, int to);
void archllm_cell_set_edge(archllm_cell *c, int from, int to, int on);

/* Build a cell from a row-major nv x nv 0/1 matrix and labels; rejects non-square sizes,
 * entries other than 0/1 and anything on or below the diagonal (EFORMAT). */
archllm_status archllm_cell_from_matrix(archllm_cell *out, const int *matrix, const int *labels, int nv);

/* Parse the nasbench strings "0100" (row-major, V*V chars) and "input,conv3x3-bn-relu,output". */
archllm_status archllm_cell_parse_nb101(archllm_cell *out, const char *adjacency, const char *ops);

/* Remove vertices not on an input->output path (model_spec.py _prune).  EFORMAT when
 * input and output are not connected (valid_spec == False). */
archllm_status archllm_cell_prune(archllm_cell *out, const archllm_cell *in);

/* Prune, then apply the NB101 rules of api.py _check_spec (<= 7 vertices, <= 9 edges,
 * input/output ends, interior ops 0..2).  out (may be NULL) gets the pruned cell. */
archllm_status archllm_nb101_check(archllm_cell *out, const archllm_cell *in);

/* nasbench hash_module of the cell exactly as given (no pruning): 32 hex chars + NUL.
 * digest (may be NULL) gets the 16 raw bytes. */
void archllm_cell_hash(char out[33], uint8_t digest[16], const archllm_cell *c);

/* What the API keys the dataset by: prune, then hash.  EFORMAT for an invalid spec. */
archllm_status archllm_nb101_hash(char out[33], const archllm_cell *c);

/* Hex <-> raw digest helpers. */
void           archllm_digest_hex(char out[33], const uint8_t digest[16]);
archllm_status archllm_digest_parse(uint8_t digest[16], const char *hex);

/* Relabel the vertices: out vertex perm[v] is in vertex v (perm must keep 0 and nv-1
 * in place for a valid nasbench cell, but any permutation is accepted here). */
void archllm_cell_permute(archllm_cell *out, const archllm_cell *in, const int *perm);

#endif
