/* search.c - benchmark oracle, mutation, the search loop, random search and regularized
 * evolution; see search.h. */
#include "config.h"
#include "search/search.h"
#include "search/genmetrics.h"
#include "nas/hashset.h"
#include "nas/nb201.h"
#include "util/error.h"
#include "util/fileio.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- datasets ---- */

static const struct {
    const char *name, *valid_col, *test_col;
} datasets[3] = {
    {"cifar10", "c10valid_xvalid_200", "c10_oritest_200"},
    {"cifar100", "c100_xvalid_12", "c100_xtest_200_nats"},
    {"imagenet16", "in16_xvalid_12", "in16_xtest_200_nats"},
};

const char *archllm_nb201_dataset_name(archllm_nb201_dataset ds)
{
    return (unsigned)ds < ARCHLLM_NB201_NDATASETS ? datasets[ds].name : "?";
}

void archllm_nb201_dataset_columns(archllm_nb201_dataset ds, const char **valid_col, const char **test_col)
{
    *valid_col = datasets[(unsigned)ds < ARCHLLM_NB201_NDATASETS ? ds : 0].valid_col;
    *test_col = datasets[(unsigned)ds < ARCHLLM_NB201_NDATASETS ? ds : 0].test_col;
}

archllm_status archllm_nb201_dataset_parse(archllm_nb201_dataset *ds, const char *name)
{
    for (int i = 0; i < ARCHLLM_NB201_NDATASETS; i++)
        if (strcmp(name, datasets[i].name) == 0) {
            *ds = (archllm_nb201_dataset)i;
            return ARCHLLM_OK;
        }
    return archllm_fail(ARCHLLM_EINVAL, "unknown NB201 dataset '%s' (cifar10, cifar100, imagenet16)", name);
}

/* ---- oracle ---- */

struct archllm_oracle {
    archllm_space    space;
    size_t           n;
    archllm_cell    *cells;       /* (n) */
    double          *valid, *test; /* (n) */
    archllm_hashset *by_key;      /* digest -> row */
    int32_t         *nb201_row;   /* (15625) official index -> row or -1; NB201 only */
    uint8_t         *queried;     /* (n) */
    uint32_t        *unq;         /* (n) rows; unq[0..n_unq) are the unqueried ones */
    uint32_t        *pos;         /* (n) position of each row in unq */
    size_t           n_unq;
    int              fork;        /* the table (cells to nb201_row) is another oracle's */
};

void archllm_oracle_free(archllm_oracle *o)
{
    if (!o) return;
    if (!o->fork) {
        free(o->cells);
        free(o->valid);
        free(o->test);
        archllm_hashset_free(o->by_key);
        free(o->nb201_row);
    }
    free(o->queried);
    free(o->unq);
    free(o->pos);
    free(o);
}

archllm_status archllm_oracle_init_keyed(archllm_oracle **out, archllm_space space, const archllm_cell *cells,
                                   const uint8_t (*digests)[16], const double *valid, const double *test, size_t n)
{
    *out = NULL;
    if (space != ARCHLLM_SPACE_NB101 && space != ARCHLLM_SPACE_NB201)
        return archllm_fail(ARCHLLM_EINVAL, "unknown search space %d", (int)space);
    if (n == 0 || n > UINT32_MAX) return archllm_fail(ARCHLLM_EINVAL, "benchmark table of %zu rows", n);
    archllm_oracle *o = calloc(1, sizeof *o);
    if (!o) return archllm_fail(ARCHLLM_ENOMEM, "oracle");
    o->space = space;
    o->n = n;
    o->cells = malloc(n * sizeof *o->cells);
    o->valid = malloc(n * sizeof *o->valid);
    o->test = malloc(n * sizeof *o->test);
    o->queried = calloc(n, 1);
    o->unq = malloc(n * sizeof *o->unq);
    o->pos = malloc(n * sizeof *o->pos);
    if (space == ARCHLLM_SPACE_NB201) o->nb201_row = malloc(ARCHLLM_NB201_SIZE * sizeof *o->nb201_row);
    archllm_status s = ARCHLLM_OK;
    if (!o->cells || !o->valid || !o->test || !o->queried || !o->unq || !o->pos ||
        (space == ARCHLLM_SPACE_NB201 && !o->nb201_row))
        s = archllm_fail(ARCHLLM_ENOMEM, "oracle of %zu rows", n);
    if (s == ARCHLLM_OK) s = archllm_hashset_init(&o->by_key, n);
    if (s == ARCHLLM_OK && o->nb201_row)
        for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) o->nb201_row[i] = -1;
    for (size_t i = 0; i < n && s == ARCHLLM_OK; i++) {
        uint8_t d[16];
        int added;
        if (digests) memcpy(d, digests[i], 16);
        else s = archllm_space_cell_digest(d, space, &cells[i]);
        if (s == ARCHLLM_OK) s = archllm_hashset_put(o->by_key, d, (uint32_t)i, &added);
        if (s != ARCHLLM_OK) {
            s = archllm_fail_prefix(s, "benchmark row %zu", i);
            break;
        }
        if (!added) {
            s = archllm_fail(ARCHLLM_EFORMAT, "benchmark rows hold the same cell twice (row %zu)", i);
            break;
        }
        if (o->nb201_row) {
            uint8_t ops[ARCHLLM_NB201_EDGES];
            archllm_nb201_from_cell(ops, &cells[i]);
            o->nb201_row[archllm_nb201_index_of_ops(ops)] = (int32_t)i;
        }
        o->cells[i] = cells[i];
        o->valid[i] = valid[i];
        o->test[i] = test[i];
        o->unq[i] = (uint32_t)i;
        o->pos[i] = (uint32_t)i;
    }
    if (s != ARCHLLM_OK) {
        archllm_oracle_free(o);
        return s;
    }
    o->n_unq = n;
    *out = o;
    return ARCHLLM_OK;
}

archllm_status archllm_oracle_init(archllm_oracle **out, archllm_space space, const archllm_cell *cells,
                                   const double *valid, const double *test, size_t n)
{
    return archllm_oracle_init_keyed(out, space, cells, NULL, valid, test, n);
}

archllm_status archllm_oracle_nb201(archllm_oracle **out, const archllm_nb201_table *t, archllm_nb201_dataset ds)
{
    *out = NULL;
    if ((unsigned)ds >= 3) return archllm_fail(ARCHLLM_EINVAL, "unknown NB201 dataset %d", (int)ds);
    int vc = archllm_nb201_table_column(t, datasets[ds].valid_col);
    int tc = archllm_nb201_table_column(t, datasets[ds].test_col);
    if (vc < 0 || tc < 0)
        return archllm_fail(ARCHLLM_EFORMAT, "NB201 table lacks column %s",
                            vc < 0 ? datasets[ds].valid_col : datasets[ds].test_col);
    archllm_cell *cells = malloc(ARCHLLM_NB201_SIZE * sizeof *cells);
    double *v = malloc(ARCHLLM_NB201_SIZE * sizeof *v), *te = malloc(ARCHLLM_NB201_SIZE * sizeof *te);
    archllm_status s = cells && v && te ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "NB201 oracle");
    size_t n = 0;
    for (int i = 0; i < ARCHLLM_NB201_SIZE && s == ARCHLLM_OK; i++) {
        double a = archllm_nb201_table_get(t, i, vc), b = archllm_nb201_table_get(t, i, tc);
        if (!isfinite(a) || !isfinite(b)) continue;
        uint8_t ops[ARCHLLM_NB201_EDGES];
        s = archllm_nb201_ops_of_index(ops, i);
        archllm_nb201_to_cell(&cells[n], ops);
        v[n] = a;
        te[n] = b;
        n++;
    }
    if (s == ARCHLLM_OK) s = archllm_oracle_init(out, ARCHLLM_SPACE_NB201, cells, v, te, n);
    free(cells);
    free(v);
    free(te);
    return s;
}

archllm_status archllm_oracle_nb101(archllm_oracle **out, const archllm_nb101_data *d)
{
    *out = NULL;
    size_t n = archllm_nb101_data_count(d);
    archllm_cell *cells = malloc((n ? n : 1) * sizeof *cells);
    uint8_t(*dg)[16] = malloc((n ? n : 1) * sizeof *dg);
    double *v = malloc((n ? n : 1) * sizeof *v), *te = malloc((n ? n : 1) * sizeof *te);
    archllm_status s = cells && dg && v && te ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "NB101 oracle");
    size_t k = 0;
    for (size_t i = 0; i < n && s == ARCHLLM_OK; i++) {
        const archllm_nb101_stats *st = archllm_nb101_data_at(d, i);
        if (st->repeats < 1) continue;
        cells[k] = st->cell;
        memcpy(dg[k], st->digest, 16); /* the file's module_hash: no need to hash 423,624 cells again */
        v[k] = 100.0 * st->mean_validation;
        te[k] = 100.0 * st->mean_test;
        k++;
    }
    if (s == ARCHLLM_OK) s = archllm_oracle_init_keyed(out, ARCHLLM_SPACE_NB101, cells, (const uint8_t(*)[16])dg, v, te, k);
    free(cells);
    free(dg);
    free(v);
    free(te);
    return s;
}

archllm_space archllm_oracle_space(const archllm_oracle *o) { return o->space; }
size_t        archllm_oracle_size(const archllm_oracle *o) { return o->n; }
const archllm_cell *archllm_oracle_cell(const archllm_oracle *o, size_t row) { return &o->cells[row]; }

void archllm_oracle_optimum(const archllm_oracle *o, double *best_valid, double *test_at_best_valid, double *best_test)
{
    size_t bv = 0, bt = 0;
    for (size_t i = 1; i < o->n; i++) {
        if (o->valid[i] > o->valid[bv]) bv = i;
        if (o->test[i] > o->test[bt]) bt = i;
    }
    if (best_valid) *best_valid = o->valid[bv];
    if (test_at_best_valid) *test_at_best_valid = o->test[bv];
    if (best_test) *best_test = o->test[bt];
}

archllm_status archllm_oracle_fork(archllm_oracle **out, const archllm_oracle *o)
{
    archllm_oracle *f = malloc(sizeof *f);
    *out = NULL;
    if (!f) return archllm_fail(ARCHLLM_ENOMEM, "oracle");
    *f = *o; /* the table's pointers, read only from here on */
    f->fork = 1;
    f->queried = malloc(o->n);
    f->unq = malloc(o->n * sizeof *f->unq);
    f->pos = malloc(o->n * sizeof *f->pos);
    if (!f->queried || !f->unq || !f->pos) {
        archllm_oracle_free(f);
        return archllm_fail(ARCHLLM_ENOMEM, "oracle of %zu rows", o->n);
    }
    archllm_oracle_reset(f);
    *out = f;
    return ARCHLLM_OK;
}

void archllm_oracle_reset(archllm_oracle *o)
{
    memset(o->queried, 0, o->n);
    o->n_unq = o->n; /* back to the identity, so a seed draws the same cells whatever ran before */
    for (size_t i = 0; i < o->n; i++) o->unq[i] = o->pos[i] = (uint32_t)i;
}

size_t archllm_oracle_queries(const archllm_oracle *o) { return o->n - o->n_unq; }

static archllm_status find_row(const archllm_oracle *o, const archllm_cell *c, size_t *row)
{
    if (o->nb201_row) {
        uint8_t ops[ARCHLLM_NB201_EDGES];
        if (archllm_nb201_from_cell(ops, c) != ARCHLLM_OK)
            return archllm_fail(ARCHLLM_ENOTFOUND, "not a valid NB201 cell");
        int32_t r = o->nb201_row[archllm_nb201_index_of_ops(ops)];
        if (r < 0) return archllm_fail(ARCHLLM_ENOTFOUND, "NB201 cell not in the table");
        *row = (size_t)r;
        return ARCHLLM_OK;
    }
    uint8_t d[16];
    uint32_t r;
    if (archllm_space_cell_digest(d, o->space, c) != ARCHLLM_OK)
        return archllm_fail(ARCHLLM_ENOTFOUND, "not a valid cell of the space");
    if (!archllm_hashset_get(o->by_key, d, &r)) return archllm_fail(ARCHLLM_ENOTFOUND, "cell not in the table");
    *row = r;
    return ARCHLLM_OK;
}

archllm_status archllm_oracle_peek(const archllm_oracle *o, const archllm_cell *c, archllm_oracle_answer *a)
{
    size_t row = 0;
    ARCHLLM_TRY(find_row(o, c, &row));
    a->row = row;
    a->valid = o->valid[row];
    a->test = o->test[row];
    a->is_new = !o->queried[row];
    return ARCHLLM_OK;
}

archllm_status archllm_oracle_query(archllm_oracle *o, const archllm_cell *c, archllm_oracle_answer *a)
{
    ARCHLLM_TRY(archllm_oracle_peek(o, c, a));
    if (a->is_new) {
        size_t row = a->row, p = o->pos[row], last = o->n_unq - 1;
        uint32_t moved = o->unq[last];
        o->unq[p] = moved;
        o->pos[moved] = (uint32_t)p;
        o->unq[last] = (uint32_t)row;
        o->pos[row] = (uint32_t)last;
        o->n_unq--;
        o->queried[row] = 1;
    }
    return ARCHLLM_OK;
}

int archllm_oracle_sample_unqueried(const archllm_oracle *o, archllm_rng *r, archllm_cell *out)
{
    if (!o->n_unq) return 0;
    *out = o->cells[o->unq[archllm_rng_below(r, (uint32_t)o->n_unq)]];
    return 1;
}

/* ---- mutation ---- */

/* The NB101 cell with isolated vertices of random ops inserted before the output, so a
 * mutation can reach cells with more vertices (nasbench mutates the unpruned matrix). */
static void pad_nb101(archllm_cell *out, const archllm_cell *in, archllm_rng *r)
{
    int nv = in->nv, last = ARCHLLM_NB101_MAX_V - 1;
    memset(out, 0, sizeof *out);
    out->nv = ARCHLLM_NB101_MAX_V;
    for (int v = 0; v < nv - 1; v++) {
        out->ops[v] = in->ops[v];
        for (int w = v + 1; w < nv; w++)
            if (archllm_cell_has_edge(in, v, w)) archllm_cell_set_edge(out, v, w == nv - 1 ? last : w, 1);
    }
    for (int v = nv - 1; v < last; v++) out->ops[v] = (int8_t)archllm_rng_below(r, ARCHLLM_NB101_NUM_OPS);
    out->ops[last] = ARCHLLM_LABEL_OUTPUT;
}

archllm_status archllm_mutate(archllm_cell *out, const archllm_cell *in, archllm_space space, archllm_rng *r)
{
    if (space == ARCHLLM_SPACE_NB201) {
        uint8_t ops[ARCHLLM_NB201_EDGES];
        ARCHLLM_TRY(archllm_nb201_from_cell(ops, in));
        int e = (int)archllm_rng_below(r, ARCHLLM_NB201_EDGES);
        int op = (int)archllm_rng_below(r, ARCHLLM_NB201_NUM_OPS - 1);
        ops[e] = (uint8_t)(op >= ops[e] ? op + 1 : op);
        archllm_nb201_to_cell(out, ops);
        return ARCHLLM_OK;
    }
    if (space != ARCHLLM_SPACE_NB101) return archllm_fail(ARCHLLM_EINVAL, "unknown search space %d", (int)space);
    uint8_t din[16], dout[16];
    if (archllm_space_cell_digest(din, space, in) != ARCHLLM_OK) memset(din, 0, sizeof din);
    const int V = ARCHLLM_NB101_MAX_V;
    for (int tries = 0; tries < 1000; tries++) {
        archllm_cell c;
        if (in->nv < V) pad_nb101(&c, in, r);
        else c = *in;
        if (archllm_rng_u32(r) & 1) { /* flip one of the 21 upper-triangular entries */
            int e = (int)archllm_rng_below(r, V * (V - 1) / 2), v = 0;
            while (e >= V - 1 - v) e -= V - 1 - v++;
            int w = v + 1 + e;
            archllm_cell_set_edge(&c, v, w, !archllm_cell_has_edge(&c, v, w));
        } else { /* one interior op to another */
            int v = 1 + (int)archllm_rng_below(r, V - 2);
            int op = (int)archllm_rng_below(r, ARCHLLM_NB101_NUM_OPS - 1);
            c.ops[v] = (int8_t)(op >= c.ops[v] ? op + 1 : op);
        }
        if (archllm_space_cell_digest(dout, space, &c) != ARCHLLM_OK) continue;
        if (memcmp(din, dout, 16) == 0) continue;
        archllm_error_clear();
        *out = c;
        return ARCHLLM_OK;
    }
    return archllm_fail(ARCHLLM_EFORMAT, "no valid mutation of a %d-vertex cell in 1000 tries", in->nv);
}

/* ---- the adjacency encoding ---- */

static void space_shape(archllm_space space, int *V, int *nops)
{
    *V = space == ARCHLLM_SPACE_NB201 ? ARCHLLM_NB201_NODES : ARCHLLM_NB101_MAX_V;
    *nops = space == ARCHLLM_SPACE_NB201 ? ARCHLLM_NB201_NUM_OPS : ARCHLLM_NB101_NUM_OPS;
}

int archllm_search_features(archllm_space space)
{
    int V, nops;
    space_shape(space, &V, &nops);
    return V * (V - 1) / 2 + (V - 2) * nops;
}

void archllm_search_encode(archllm_space space, const archllm_cell *c, float *out)
{
    int V, nops;
    space_shape(space, &V, &nops);
    memset(out, 0, (size_t)archllm_search_features(space) * sizeof *out);
    int nv = c->nv <= V ? c->nv : V;
    float *ops = out + V * (V - 1) / 2;
    for (int v = 0; v < nv - 1; v++) {
        for (int w = v + 1; w < nv; w++) {
            if (!archllm_cell_has_edge(c, v, w)) continue;
            int to = w == nv - 1 ? V - 1 : w; /* the output is always the last vertex */
            out[v * V - v * (v + 1) / 2 + (to - v - 1)] = 1.0f;
        }
        if (v >= 1 && c->ops[v] >= 0 && c->ops[v] < nops) ops[(v - 1) * nops + c->ops[v]] = 1.0f;
    }
}

/* ---- methods ---- */

size_t archllm_search_top(const archllm_search_state *st, size_t k, size_t *idx)
{
    size_t m = 0; /* insertion into a sorted list of at most k: k is small (a few to tens) */
    for (size_t i = 0; i < st->n && k; i++) {
        if (m == k && !(st->valid[i] > st->valid[idx[m - 1]])) continue;
        size_t j = m < k ? m++ : m - 1;
        while (j > 0 && st->valid[i] > st->valid[idx[j - 1]]) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    return m;
}

static archllm_status random_propose(void *user, const archllm_search_state *st, archllm_cell *out, size_t cap,
                                     size_t *n)
{
    (void)user;
    (void)cap;
    *n = archllm_oracle_sample_unqueried(st->oracle, st->rng, out) ? 1 : 0;
    return ARCHLLM_OK;
}

void archllm_search_random(archllm_search_method *m)
{
    memset(m, 0, sizeof *m);
    m->name = "random";
    m->propose = random_propose;
}

archllm_evolution_params archllm_evolution_default_params(void)
{
    return (archllm_evolution_params){.population = 20, .sample_size = 5};
}

static archllm_status evolution_propose(void *user, const archllm_search_state *st, archllm_cell *out, size_t cap,
                                        size_t *n)
{
    const archllm_evolution_params *p = user;
    (void)cap;
    *n = 0;
    if (st->n >= p->population && p->population > 0) {
        /* tournament: sample_size distinct members of the last `population` queried */
        size_t P = p->population, S = p->sample_size < P ? p->sample_size : P;
        size_t first = st->n - P, best = SIZE_MAX;
        uint32_t idx[256];
        size_t np = P < 256 ? P : 256;
        for (size_t i = 0; i < np; i++) idx[i] = (uint32_t)(first + (P - np) + i);
        for (size_t i = 0; i < S && i < np; i++) {
            size_t j = i + archllm_rng_below(st->rng, (uint32_t)(np - i));
            uint32_t t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            if (best == SIZE_MAX || st->valid[idx[i]] > st->valid[best]) best = idx[i];
        }
        for (int tries = 0; tries < 100; tries++) {
            archllm_oracle_answer a;
            if (archllm_mutate(out, &st->cells[best], st->space, st->rng) != ARCHLLM_OK) break;
            if (archllm_oracle_peek(st->oracle, out, &a) == ARCHLLM_OK && a.is_new) {
                *n = 1;
                return ARCHLLM_OK;
            }
        }
        archllm_error_clear();
    }
    *n = archllm_oracle_sample_unqueried(st->oracle, st->rng, out) ? 1 : 0;
    return ARCHLLM_OK;
}

void archllm_search_evolution(archllm_search_method *m, archllm_evolution_params *p)
{
    memset(m, 0, sizeof *m);
    m->name = "evolution";
    m->user = p;
    m->propose = evolution_propose;
}

/* ---- the loop ---- */

archllm_search_params archllm_search_default_params(void)
{
    return (archllm_search_params){.budget = 100, .seed = 0, .nseeds = 20, .batch = 16, .max_stall = 100000};
}

void archllm_search_result_free(archllm_search_result *r)
{
    free(r->seeds);
    free(r->best_valid);
    free(r->best_test);
    free(r->queries);
    free(r->proposals);
    memset(r, 0, sizeof *r);
}

static archllm_status run_one(archllm_search_result *r, size_t k, archllm_oracle *o, const archllm_search_method *m,
                              const archllm_search_params *p, archllm_cell *cells, double *valid, double *test,
                              archllm_cell *batch)
{
    archllm_rng rng;
    archllm_rng_seed(&rng, r->seeds[k], ARCHLLM_SEARCH_STREAM);
    archllm_oracle_reset(o);
    archllm_search_state st = {.oracle = o, .space = archllm_oracle_space(o), .rng = &rng, .seed = r->seeds[k],
                               .budget = p->budget, .n = 0, .cells = cells, .valid = valid, .test = test};
    double *bv = r->best_valid + k * p->budget, *bt = r->best_test + k * p->budget;
    size_t stall = 0, proposals = 0;
    archllm_status s = m->begin ? m->begin(m->user, &st) : ARCHLLM_OK;
    while (s == ARCHLLM_OK && st.n < p->budget && archllm_oracle_queries(o) < archllm_oracle_size(o)) {
        size_t nb = 0;
        s = m->propose(m->user, &st, batch, p->batch, &nb);
        if (s != ARCHLLM_OK) break;
        if (nb > p->batch) nb = p->batch;
        if (nb == 0) stall++;
        for (size_t i = 0; i < nb && st.n < p->budget; i++) {
            archllm_oracle_answer a;
            proposals++;
            if (archllm_oracle_query(o, &batch[i], &a) != ARCHLLM_OK || !a.is_new) {
                stall++;
                continue;
            }
            stall = 0;
            size_t q = st.n;
            cells[q] = *archllm_oracle_cell(o, a.row);
            valid[q] = a.valid;
            test[q] = a.test;
            int better = q == 0 || a.valid > bv[q - 1];
            bv[q] = better ? a.valid : bv[q - 1];
            bt[q] = better ? a.test : bt[q - 1];
            st.n = q + 1;
        }
        archllm_error_clear();
        if (stall >= p->max_stall) {
            s = archllm_fail(ARCHLLM_EINVAL, "%s (seed %llu): %zu proposals in a row queried nothing new", m->name,
                             (unsigned long long)r->seeds[k], stall);
        }
    }
    if (m->end) m->end(m->user, &st);
    if (s == ARCHLLM_OK && st.n == 0) s = archllm_fail(ARCHLLM_EINVAL, "%s queried nothing", m->name);
    for (size_t q = st.n; s == ARCHLLM_OK && q < p->budget; q++) { /* the table ran out: curves stay flat */
        bv[q] = bv[q - 1];
        bt[q] = bt[q - 1];
    }
    r->queries[k] = st.n;
    r->proposals[k] = proposals;
    return s;
}

archllm_status archllm_search_run(archllm_search_result *r, archllm_oracle *o, const archllm_search_method *m,
                                  const archllm_search_params *p)
{
    memset(r, 0, sizeof *r);
    if (!p->budget || !p->nseeds || !p->batch || !m->propose)
        return archllm_fail(ARCHLLM_EINVAL, "search needs a budget, seeds, a batch size and a propose function");
    snprintf(r->method, sizeof r->method, "%s", m->name ? m->name : "method");
    r->budget = p->budget;
    r->nseeds = p->nseeds;
    r->seeds = malloc(p->nseeds * sizeof *r->seeds);
    r->best_valid = malloc(p->nseeds * p->budget * sizeof *r->best_valid);
    r->best_test = malloc(p->nseeds * p->budget * sizeof *r->best_test);
    r->queries = calloc(p->nseeds, sizeof *r->queries);
    r->proposals = calloc(p->nseeds, sizeof *r->proposals);
    archllm_cell *cells = malloc(p->budget * sizeof *cells), *batch = malloc(p->batch * sizeof *batch);
    double *valid = malloc(p->budget * sizeof *valid), *test = malloc(p->budget * sizeof *test);
    archllm_status s = ARCHLLM_OK;
    if (!r->seeds || !r->best_valid || !r->best_test || !r->queries || !r->proposals || !cells || !batch || !valid ||
        !test)
        s = archllm_fail(ARCHLLM_ENOMEM, "search of %zu seeds x %zu queries", p->nseeds, p->budget);
    for (size_t k = 0; k < p->nseeds && s == ARCHLLM_OK; k++) {
        r->seeds[k] = p->seed + k;
        s = run_one(r, k, o, m, p, cells, valid, test, batch);
    }
    free(cells);
    free(batch);
    free(valid);
    free(test);
    if (s != ARCHLLM_OK) archllm_search_result_free(r);
    return s;
}

void archllm_search_stat(const archllm_search_result *r, int test, size_t q, double *mean, double *std)
{
    const double *v = test ? r->best_test : r->best_valid;
    double sum = 0, sq = 0;
    for (size_t k = 0; k < r->nseeds; k++) sum += v[k * r->budget + q - 1];
    double mu = sum / r->nseeds;
    for (size_t k = 0; k < r->nseeds; k++) {
        double d = v[k * r->budget + q - 1] - mu;
        sq += d * d;
    }
    *mean = mu;
    *std = r->nseeds > 1 ? sqrt(sq / (r->nseeds - 1)) : 0;
}

archllm_status archllm_search_save_curves(const char *path, const archllm_search_result *r, size_t nr)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    fputs("method,query,valid_mean,valid_std,test_mean,test_std\n", af.f);
    for (size_t i = 0; i < nr; i++)
        for (size_t q = 1; q <= r[i].budget; q++) {
            double vm, vs, tm, ts;
            archllm_search_stat(&r[i], 0, q, &vm, &vs);
            archllm_search_stat(&r[i], 1, q, &tm, &ts);
            fprintf(af.f, "%s,%zu,%.4f,%.4f,%.4f,%.4f\n", r[i].method, q, vm, vs, tm, ts);
        }
    return archllm_atomic_commit(&af); /* it checks the stream's error state */
}

archllm_status archllm_search_save_runs(const char *path, const archllm_search_result *r, size_t nr)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    fputs("method,seed,queries,proposals,best_valid,test\n", af.f);
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < r[i].nseeds; k++) {
            size_t last = k * r[i].budget + r[i].budget - 1;
            fprintf(af.f, "%s,%llu,%zu,%zu,%.4f,%.4f\n", r[i].method, (unsigned long long)r[i].seeds[k],
                    r[i].queries[k], r[i].proposals[k], r[i].best_valid[last], r[i].best_test[last]);
        }
    return archllm_atomic_commit(&af); /* it checks the stream's error state */
}

/* ---- comparison summaries ---- */

size_t archllm_search_budgets(size_t budget, size_t *out)
{
    size_t n = 0;
    for (size_t q = 50; q <= 200 && q <= budget; q += 50) out[n++] = q;
    if (!n || out[n - 1] != budget) out[n++] = budget;
    return n;
}

/* test accuracy after q queries, per seed */
static void finals(const archllm_search_result *r, size_t q, double *out)
{
    for (size_t k = 0; k < r->nseeds; k++) out[k] = r->best_test[k * r->budget + q - 1];
}

void archllm_search_summarize(archllm_search_summary *out, const archllm_search_result *r,
                              const archllm_search_result *ref, size_t q, double best_valid)
{
    double sd;
    memset(out, 0, sizeof *out);
    out->queries = q;
    out->seeds = r->nseeds;
    archllm_search_stat(r, 1, q, &out->test_mean, &out->test_std);
    archllm_search_stat(r, 0, q, &out->valid_mean, &sd);
    for (size_t k = 0; k < r->nseeds; k++) out->found_best += r->best_valid[k * r->budget + q - 1] >= best_valid;
    if (!ref || ref == r || q > ref->budget) return;
    double *a = malloc(r->nseeds * sizeof *a), *b = malloc(ref->nseeds * sizeof *b);
    if (a && b) {
        finals(r, q, a);
        finals(ref, q, b);
        archllm_welch_test(a, r->nseeds, b, ref->nseeds, 0.95, &out->vs_ref);
        out->has_ref = 1;
    }
    free(a);
    free(b);
}

static json_t *num_or_null(double x) { return isfinite(x) ? json_real(x) : json_null(); }

archllm_status archllm_search_save_summary(const char *path, const archllm_search_setting *set,
                                           const archllm_search_result *r, size_t nr, const char *ref)
{
    const archllm_search_result *rr = NULL;
    for (size_t i = 0; ref && i < nr; i++)
        if (strcmp(r[i].method, ref) == 0) rr = &r[i];
    json_t *root = json_object(), *opt = json_object(), *methods = json_array();
    json_object_set_new(root, "space", json_string(set->space));
    json_object_set_new(root, "dataset", json_string(set->dataset));
    json_object_set_new(root, "select_by", json_string(set->select_by));
    json_object_set_new(root, "report", json_string(set->report));
    json_object_set_new(root, "cells", json_integer((json_int_t)set->cells));
    json_object_set_new(root, "queries", json_integer(nr ? (json_int_t)r[0].budget : 0));
    json_object_set_new(root, "seeds", json_integer(nr ? (json_int_t)r[0].nseeds : 0));
    json_object_set_new(root, "first_seed", json_integer(nr && r[0].nseeds ? (json_int_t)r[0].seeds[0] : 0));
    json_object_set_new(opt, "best_valid", json_real(set->best_valid));
    json_object_set_new(opt, "test_at_best_valid", json_real(set->test_at_best_valid));
    json_object_set_new(opt, "best_test", json_real(set->best_test));
    json_object_set_new(root, "optimum", opt);
    json_object_set_new(root, "reference", rr ? json_string(rr->method) : json_null());
    for (size_t i = 0; i < nr; i++) {
        json_t *m = json_object(), *list = json_array();
        size_t qs[ARCHLLM_SEARCH_MAX_BUDGETS], nq = archllm_search_budgets(r[i].budget, qs);
        json_object_set_new(m, "method", json_string(r[i].method));
        for (size_t j = 0; j < nq; j++) {
            archllm_search_summary sm;
            archllm_search_summarize(&sm, &r[i], rr, qs[j], set->best_valid);
            json_t *b = json_object();
            json_object_set_new(b, "queries", json_integer((json_int_t)sm.queries));
            json_object_set_new(b, "test_mean", json_real(sm.test_mean));
            json_object_set_new(b, "test_std", json_real(sm.test_std));
            json_object_set_new(b, "valid_mean", json_real(sm.valid_mean));
            json_object_set_new(b, "found_best", json_integer((json_int_t)sm.found_best));
            json_object_set_new(b, "found_best_share", json_real((double)sm.found_best / (double)sm.seeds));
            if (sm.has_ref) {
                json_t *w = json_object(), *ci = json_array();
                json_object_set_new(w, "diff", num_or_null(sm.vs_ref.diff));
                json_array_append_new(ci, num_or_null(sm.vs_ref.lo));
                json_array_append_new(ci, num_or_null(sm.vs_ref.hi));
                json_object_set_new(w, "ci95", ci);
                json_object_set_new(w, "welch_t", num_or_null(sm.vs_ref.t));
                json_object_set_new(w, "df", num_or_null(sm.vs_ref.df));
                json_object_set_new(w, "p", num_or_null(sm.vs_ref.p));
                json_object_set_new(b, "vs_reference", w);
            } else {
                json_object_set_new(b, "vs_reference", json_null());
            }
            json_array_append_new(list, b);
        }
        json_object_set_new(m, "budgets", list);
        json_array_append_new(methods, m);
    }
    json_object_set_new(root, "methods", methods);
    archllm_status s = archllm_write_json(path, root, 8);
    json_decref(root);
    return s;
}
