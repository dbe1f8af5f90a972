/* darts.h - the DARTS normal cell (Liu et al. 2019) as arch2vec samples it, in
 * genotype form and as an 11-node op-on-node DAG, with the validity rules, an exact
 * canonical form and the `Genotype(normal=..., ...)` text of the DARTS code.
 *
 * A genotype has 4 intermediate nodes (DARTS nodes 2..5; 0 and 1 are the cell inputs
 * c_{k-2} and c_{k-1}); intermediate node i takes exactly 2 edges, edge 2i and 2i+1,
 * each from a distinct earlier node in[e] (0..i+1) through one op op[e].  The cell
 * output concatenates nodes 2..5.  Only the normal cell is modelled: the reduction
 * cell of a written genotype equals it.  Differences from arch2vec are listed in
 * doc/darts.md.  Not here: datasets and metrics (dataset.h, search/genmetrics.h). */
#ifndef ARCHLLM_NAS_DARTS_H
#define ARCHLLM_NAS_DARTS_H

#include "nas/cell.h"
#include "util/rng.h"

#define ARCHLLM_DARTS_NUM_OPS 7
#define ARCHLLM_DARTS_STEPS   4   /* intermediate nodes */
#define ARCHLLM_DARTS_EDGES   8   /* 2 per intermediate node */
#define ARCHLLM_DARTS_NODES   11  /* DAG form: c_{k-2}, c_{k-1}, one node per edge, output */
#define ARCHLLM_DARTS_STR_MAX 768 /* the longest Genotype string has 427 chars */
/* Genotypes with each node's two inputs unordered: prod over i of C(i+2, 2) * 7^2.
 * An upper bound on the distinct cells (node orders that give isomorphic cells count
 * more than once), used for the iid uniqueness limit. */
#define ARCHLLM_DARTS_SPACE_SIZE 1037664180.0

/* Op order: DARTS's PRIMITIVES without 'none': max_pool_3x3, avg_pool_3x3,
 * skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5 -> 0..6. */
extern const char *const archllm_darts_op_names[ARCHLLM_DARTS_NUM_OPS];

typedef struct {
    uint8_t op[ARCHLLM_DARTS_EDGES]; /* 0..6 */
    uint8_t in[ARCHLLM_DARTS_EDGES]; /* source node of edge e: 0..e/2+1 */
} archllm_darts_genotype;

/* The genotype rules: each edge's op in 0..6, its source earlier than its node, the two
 * sources of a node distinct.  EFORMAT naming the rule ("DARTS rule 'distinct inputs': ..."). */
archllm_status archllm_darts_check(const archllm_darts_genotype *g);

/* DAG form.  Node 0 c_{k-2} (label -1), node 1 c_{k-1} (-3), node 2+e edge e (label
 * op[e]), node 10 the output (-2).  Edge e from a cell input j has the single
 * predecessor j; from intermediate node j-2 it has both nodes of that node's edges
 * (their sum is the node); every edge node feeds the output (the concat). */
void           archllm_darts_to_cell(archllm_cell *out, const archllm_darts_genotype *g);
/* The inverse, with every rule of the DAG form checked; EFORMAT names the broken rule:
 * 'node count', 'labels', 'op', 'upper triangular', 'input edges', 'output edges',
 * 'one source', 'distinct inputs'. */
archllm_status archllm_darts_from_cell(archllm_darts_genotype *g, const archllm_cell *c);

/* The canonical member of g's class: each node's two edges ordered by (source, op),
 * intermediate nodes renumbered (keeping every source earlier) to the smallest
 * encoding.  Cells of one class compute the same function up to the order of
 * channels in the output concat.  g must pass archllm_darts_check. */
void archllm_darts_canonical(archllm_darts_genotype *out, const archllm_darts_genotype *g);
/* MD5 of the canonical form's 16 bytes (in, op per edge): hex (may be NULL) and raw
 * digest (may be NULL).  Equal exactly for the cells of one class. */
void archllm_darts_hash(char hex[33], uint8_t digest[16], const archllm_darts_genotype *g);

/* Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5],
 *          reduce=<the same list>, reduce_concat=[2, 3, 4, 5]) */
void           archllm_darts_format(char out[ARCHLLM_DARTS_STR_MAX], const archllm_darts_genotype *g);
/* Parses that text (single or double quotes, any spacing, concat as a list or as
 * range(2, 6)); *reduce_differs (may be NULL) is set when the reduce cell is another
 * valid cell (archllm models the normal cell only).  EFORMAT with the column. */
archllm_status archllm_darts_parse(archllm_darts_genotype *normal, int *reduce_differs, const char *text);

/* One genotype uniformly: each node's pair of distinct sources, then each edge's op. */
void           archllm_darts_sample(archllm_darts_genotype *g, archllm_rng *r);
/* n cells of distinct classes, each its canonical member in DAG form, drawn with
 * archllm_darts_sample from PCG32 (seed, stream ARCHLLM_DARTS_STREAM). */
#define ARCHLLM_DARTS_STREAM 0xda27
archllm_status archllm_darts_sample_distinct(archllm_cell *out, size_t n, uint64_t seed);

#endif
