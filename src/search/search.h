/* search.h - NAS under a query budget against a benchmark table: the oracle (a cell in,
 * its validation and test accuracy out, each distinct cell counted once), the search
 * loop over many seeds with per-query best-so-far curves, and the baseline methods
 * (random search, regularized evolution) behind the same pluggable proposal interface
 * that the Arch-LLM fill-mutation method uses.
 *
 * Convention (NAS-Bench-201 paper): a run selects the cell with the best *validation*
 * accuracy among those it queried and reports that cell's *test* accuracy.  Accuracies
 * are in percent.  The models (VQ-VAE, T5) are not here; they plug in as a method. */
#ifndef ARCHLLM_SEARCH_SEARCH_H
#define ARCHLLM_SEARCH_SEARCH_H

#include <stdio.h>

#include "nas/cell.h"
#include "nas/nb101_data.h"
#include "nas/nb201_table.h"
#include "util/rng.h"
#include "util/stats.h"

/* ---- the benchmark oracle ---- */

/* NB201 datasets and the columns of nb201_accuracy.csv used for them:
 *   CIFAR-10        select by c10valid_xvalid_200 (cifar10-valid x-valid, 200 epochs),
 *                   report c10_oritest_200 (cifar10 ori-test, 200 epochs)
 *   CIFAR-100       select by c100_xvalid_12 (x-valid, 12 epochs: the 200-epoch x-valid
 *                   column is not public in small form), report c100_xtest_200_nats
 *   ImageNet16-120  select by in16_xvalid_12 (12 epochs, as above), report in16_xtest_200_nats */
typedef enum {
    ARCHLLM_NB201_CIFAR10    = 0,
    ARCHLLM_NB201_CIFAR100   = 1,
    ARCHLLM_NB201_IMAGENET16 = 2,
    ARCHLLM_NB201_NDATASETS  = 3
} archllm_nb201_dataset;

const char    *archllm_nb201_dataset_name(archllm_nb201_dataset ds);  /* "cifar10", "cifar100", "imagenet16" */
archllm_status archllm_nb201_dataset_parse(archllm_nb201_dataset *ds, const char *name);
void           archllm_nb201_dataset_columns(archllm_nb201_dataset ds, const char **valid_col, const char **test_col);

typedef struct archllm_oracle archllm_oracle;

/* From rows of (cell, validation %, test %).  Cells are keyed by the space's hash
 * (genmetrics.h: NB101 pruned hash, NB201 DAG form); duplicate keys are EFORMAT. */
archllm_status archllm_oracle_init(archllm_oracle **out, archllm_space space, const archllm_cell *cells,
                                   const double *valid, const double *test, size_t n);
/* The same with the rows' keys given (archllm_nb101_space.digests, the tfrecord's
 * module hashes; NULL: computed), which skips hashing 423,624 cells (~5 s). */
archllm_status archllm_oracle_init_keyed(archllm_oracle **out, archllm_space space, const archllm_cell *cells,
                                         const uint8_t (*digests)[16], const double *valid, const double *test,
                                         size_t n);
/* NB201 from the accuracy table, columns as above; rows with a NaN are left out. */
archllm_status archllm_oracle_nb201(archllm_oracle **out, const archllm_nb201_table *t, archllm_nb201_dataset ds);
/* NB101 from the official tfrecord's 108-epoch means (mean_validation, mean_test, x100). */
archllm_status archllm_oracle_nb101(archllm_oracle **out, const archllm_nb101_data *d);
/* An oracle on o's table with queries of its own, none yet: forks of one oracle (which
 * must outlive them) may run searches in threads side by side. */
archllm_status archllm_oracle_fork(archllm_oracle **out, const archllm_oracle *o);
void           archllm_oracle_free(archllm_oracle *o);

archllm_space archllm_oracle_space(const archllm_oracle *o);
size_t        archllm_oracle_size(const archllm_oracle *o);   /* rows */
/* The table's optimum: the best validation accuracy, the test accuracy of that row, and
 * the best test accuracy of any row (what a run could at most report). */
void          archllm_oracle_optimum(const archllm_oracle *o, double *best_valid, double *test_at_best_valid,
                                     double *best_test);

typedef struct {
    size_t row;     /* row of the table */
    double valid;   /* % */
    double test;    /* % */
    int    is_new;  /* 1 when this query spent budget (first time since the reset) */
} archllm_oracle_answer;

/* Forget every query (start of a run). */
void   archllm_oracle_reset(archllm_oracle *o);
/* Distinct cells queried since the reset: the budget spent. */
size_t archllm_oracle_queries(const archllm_oracle *o);
/* Query a cell.  A cell already queried (any isomorphic form) answers with is_new 0 and
 * costs nothing.  ENOTFOUND for a cell that is invalid or not in the table (no cost). */
archllm_status archllm_oracle_query(archllm_oracle *o, const archllm_cell *c, archllm_oracle_answer *a);
/* Like query but never spends: is_new tells whether a query would. */
archllm_status archllm_oracle_peek(const archllm_oracle *o, const archllm_cell *c, archllm_oracle_answer *a);
/* A uniformly random row not yet queried (without spending); 0 when none is left. */
int    archllm_oracle_sample_unqueried(const archllm_oracle *o, archllm_rng *r, archllm_cell *out);
const archllm_cell *archllm_oracle_cell(const archllm_oracle *o, size_t row);

/* One mutation step.  NB201: one edge gets a different op (uniform over the other 4).
 * NB101: the cell is padded to 7 vertices with isolated vertices of random ops (so it
 * can grow, as nasbench mutates the unpruned matrix), then with probability 1/2 one of
 * the 21 upper-triangular entries flips, else one interior op changes to another;
 * retried until the result is a valid cell with a different hash.  (nasbench's
 * mutate_spec flips every entry with probability rate/7, ~3 changes at rate 1: that
 * destroys more than it keeps on small budgets; one change is the neighbourhood of
 * local search and NB201's mutation.)  EFORMAT when 1000 tries fail (input->output
 * alone: no single change of it is another valid cell). */
archllm_status archllm_mutate(archllm_cell *out, const archllm_cell *in, archllm_space space, archllm_rng *r);

/* The adjacency encoding of predictor-based search (BANANAS): the upper triangle of the
 * adjacency matrix at the space's largest size, the output moved to the last vertex
 * (NB101 cells are pruned and smaller), then a one-hot op per interior vertex (all zero
 * for an absent one).  NB101: 21 + 5 x 3 = 36 features; NB201 (node form): 28 + 6 x 5 = 58.
 * archllm_search_features gives the count; encode writes that many floats. */
int  archllm_search_features(archllm_space space);
void archllm_search_encode(archllm_space space, const archllm_cell *c, float *out);

/* ---- the search loop and its pluggable methods ---- */

/* What a method sees: the history of the current run, in query order (read-only). */
typedef struct {
    const archllm_oracle *oracle;  /* peek / sample_unqueried: methods cannot query */
    archllm_space         space;
    archllm_rng          *rng;     /* the run's RNG (seed, stream ARCHLLM_SEARCH_STREAM) */
    uint64_t              seed;
    size_t                budget;
    size_t                n;       /* distinct cells queried so far */
    const archllm_cell   *cells;   /* (n) in the table's (canonical) form */
    const double         *valid;   /* (n) % */
    const double         *test;    /* (n) % - for the record; methods select by valid only */
} archllm_search_state;

#define ARCHLLM_SEARCH_STREAM 0x5ea4c4

/* A search method.  propose writes up to cap candidate cells into out and their count
 * into *n; the loop queries them in order (skipping cells already queried or not in
 * the table, which cost nothing) until the budget is spent, then asks again.  A batch
 * suits model-based methods (Arch-LLM: encode the best cells, mask codes, let the T5
 * fill them, decode a batch).  begin/end (may be NULL) bracket each run. */
typedef struct {
    const char *name;
    void       *user;
    archllm_status (*begin)(void *user, const archllm_search_state *st);
    archllm_status (*propose)(void *user, const archllm_search_state *st, archllm_cell *out, size_t cap, size_t *n);
    void (*end)(void *user, const archllm_search_state *st);
} archllm_search_method;

/* The k best cells queried so far by validation accuracy (ties: the earlier query),
 * best first: their indexes into st->cells go to idx (k entries); returns min(k, n).
 * What a fill-mutation method starts from. */
size_t archllm_search_top(const archllm_search_state *st, size_t k, size_t *idx);

/* Random search: uniform over the cells not yet queried (sampling with replacement
 * and skipping repeats, which gives the same distribution). */
void archllm_search_random(archllm_search_method *m);

/* Regularized evolution (Real et al. 2019, Algorithm 1): the population is the last
 * `population` cells queried (aging); the first `population` queries are random; then
 * each step samples `sample_size` distinct members, mutates the one with the best
 * validation accuracy (archllm_mutate, up to 100 tries for a cell not yet queried,
 * else a random one). */
typedef struct {
    size_t population;   /* 20 */
    size_t sample_size;  /* 5 */
} archllm_evolution_params;
archllm_evolution_params archllm_evolution_default_params(void);
/* p must outlive m. */
void archllm_search_evolution(archllm_search_method *m, archllm_evolution_params *p);

typedef struct {
    size_t   budget;     /* distinct queries per run; 100 */
    uint64_t seed;       /* run i uses seed + i; 0 */
    size_t   nseeds;     /* 20 */
    size_t   batch;      /* cap passed to propose; 16 */
    size_t   max_stall;  /* proposals in a row that spend nothing before EINVAL; 100000 */
} archllm_search_params;
archllm_search_params archllm_search_default_params(void);

typedef struct {
    char      method[48];
    size_t    budget, nseeds;
    uint64_t *seeds;       /* (nseeds) */
    double   *best_valid;  /* (nseeds, budget) best validation % after q+1 queries */
    double   *best_test;   /* (nseeds, budget) test % of that cell */
    size_t   *queries;     /* (nseeds) budget spent (less only when the table ran out) */
    size_t   *proposals;   /* (nseeds) cells proposed, repeats and invalid ones included */
} archllm_search_result;

archllm_status archllm_search_run(archllm_search_result *out, archllm_oracle *o, const archllm_search_method *m,
                                  const archllm_search_params *p);
void           archllm_search_result_free(archllm_search_result *r);

/* Mean and sample standard deviation (n-1; 0 for one seed) over seeds after q queries
 * (1 <= q <= budget) of the best validation (test = 0) or its test accuracy (test = 1). */
void archllm_search_stat(const archllm_search_result *r, int test, size_t q, double *mean, double *std);

/* The budgets a comparison reports: 50, 100, 150 and 200 queries up to the run's budget,
 * and the budget itself; returns how many (at most ARCHLLM_SEARCH_MAX_BUDGETS). */
#define ARCHLLM_SEARCH_MAX_BUDGETS 5
size_t archllm_search_budgets(size_t budget, size_t *out);

/* One method at one budget q: the test accuracy over seeds, the share of runs whose best
 * validation reached the table's best (best_valid), and, against a reference method's
 * runs (ref, may be NULL; the same seeds), Welch's test of the difference in mean test
 * accuracy with its 95% interval. */
typedef struct {
    size_t        queries;
    double        test_mean, test_std, valid_mean;
    size_t        found_best, seeds;
    int           has_ref;
    archllm_welch vs_ref;
} archllm_search_summary;

void archllm_search_summarize(archllm_search_summary *out, const archllm_search_result *r,
                              const archllm_search_result *ref, size_t q, double best_valid);

/* What a comparison ran on, for its summary file. */
typedef struct {
    const char *space, *dataset, *select_by, *report;
    double      best_valid, test_at_best_valid, best_test; /* archllm_oracle_optimum */
    size_t      cells;                                     /* rows of the table */
} archllm_search_setting;

/* The comparison as JSON: the setting, then per method and budget the summary above,
 * against the method named ref (NULL or absent: no test). */
archllm_status archllm_search_save_summary(const char *path, const archllm_search_setting *set,
                                           const archllm_search_result *r, size_t nr, const char *ref);

/* Curves, one row per method and query:
 *   method,query,valid_mean,valid_std,test_mean,test_std */
archllm_status archllm_search_save_curves(const char *path, const archllm_search_result *r, size_t nr);
/* Final values, one row per method and seed:
 *   method,seed,queries,proposals,best_valid,test */
archllm_status archllm_search_save_runs(const char *path, const archllm_search_result *r, size_t nr);

#endif
