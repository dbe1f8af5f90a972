/* test_search_methods.c - the budget accounting of every search method, each run through
 * an auditor that puts cells which must cost nothing at the front of every batch the
 * method proposes: an invalid cell, a repeat of a cell already queried and, on NB101, an
 * isomorphic form of one (interior vertices relabelled).  Every seed must spend exactly
 * its budget on distinct cells, and a seed run alone must repeat its run in a series.
 *
 * usage: test_search_methods SPACE TABLE CONFIG|- METHOD[,METHOD...] [key=value...]
 *   SPACE nb201 (TABLE: nb201_accuracy.csv, CIFAR-10 columns) or nb101 (TABLE: a tfrecord);
 *   CONFIG: an experiment with trained models, for the archllm methods ('-': none). */
#include "config.h"
#include "io/experiment.h"
#include "pipeline/pipeline.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define BUDGET 30
#define SEEDS  3

typedef struct {
    const archllm_search_method *inner;
    size_t                        injected[SEEDS + 1]; /* per run, in run order */
    size_t                        isomorphs;           /* relabelled cells injected (NB101) */
    int                           isomorph_ok;         /* each was its original's row */
    int                           run;
    int                           distinct_ok, spent_ok;
    size_t                        edits_after; /* > 0, NB201: the method's proposals from then on are edits */
    size_t                        edit_rounds, non_edits; /* rounds checked; proposals not one edit away */
    int                           edits_ok;    /* at most one other cell a round (the random fallback) */
} auditor;

/* 1 when the NB201 cell c differs from a queried cell by one edge's op */
static int one_edit(const archllm_search_state *st, const archllm_cell *c)
{
    uint8_t a[ARCHLLM_NB201_EDGES], b[ARCHLLM_NB201_EDGES];
    if (archllm_nb201_from_cell(a, c) != ARCHLLM_OK) return 0;
    for (size_t i = 0; i < st->n; i++) {
        if (archllm_nb201_from_cell(b, &st->cells[i]) != ARCHLLM_OK) continue;
        int d = 0;
        for (int e = 0; e < ARCHLLM_NB201_EDGES; e++) d += a[e] != b[e];
        if (d == 1) return 1;
    }
    return 0;
}

static archllm_status audit_begin(void *user, const archllm_search_state *st)
{
    auditor *A = user;
    A->injected[A->run] = 0;
    return A->inner->begin ? A->inner->begin(A->inner->user, st) : ARCHLLM_OK;
}

/* The same NB101 cell with two neighbouring interior vertices without an edge between
 * them swapped: still upper triangular, another matrix, the same cell to the nasbench
 * hash.  0 when every neighbouring pair is joined (a chain has one order only). */
static int relabel(archllm_cell *out, const archllm_cell *in)
{
    for (int v = 1; v + 1 < in->nv - 1; v++) {
        if (archllm_cell_has_edge(in, v, v + 1) || in->ops[v] == in->ops[v + 1]) continue;
        int perm[ARCHLLM_CELL_MAX_V];
        for (int u = 0; u < in->nv; u++) perm[u] = u == v ? v + 1 : u == v + 1 ? v : u;
        archllm_cell_permute(out, in, perm);
        return 1;
    }
    return 0;
}

static archllm_status audit_propose(void *user, const archllm_search_state *st, archllm_cell *out, size_t cap,
                                    size_t *n)
{
    auditor *A = user;
    size_t k = 0;
    archllm_cell *c = &out[k++];
    memset(c, 0, sizeof *c); /* one vertex: no input -> output path in either space */
    c->nv = 1;
    if (st->n > 0) {
        out[k++] = st->cells[st->n / 2];
        for (size_t i = st->n; st->space == ARCHLLM_SPACE_NB101 && i-- > 0;) {
            if (!relabel(&out[k], &st->cells[i])) continue;
            archllm_oracle_answer a, b;
            A->isomorph_ok &= memcmp(&out[k], &st->cells[i], sizeof out[k]) != 0 &&
                              archllm_oracle_peek(st->oracle, &out[k], &a) == ARCHLLM_OK &&
                              archllm_oracle_peek(st->oracle, &st->cells[i], &b) == ARCHLLM_OK && a.row == b.row &&
                              !a.is_new;
            A->isomorphs++;
            k++;
            break;
        }
    }
    size_t m = 0;
    ARCHLLM_TRY(A->inner->propose(A->inner->user, st, out + k, cap - k, &m));
    if (A->edits_after && st->n >= A->edits_after && st->space == ARCHLLM_SPACE_NB201) {
        size_t other = 0;
        for (size_t i = 0; i < m; i++) other += !one_edit(st, &out[k + i]);
        A->edit_rounds++, A->non_edits += other;
        if (other > 1) A->edits_ok = 0;
    }
    A->injected[A->run] += k;
    *n = k + m;
    return ARCHLLM_OK;
}

static void audit_end(void *user, const archllm_search_state *st)
{
    auditor *A = user;
    size_t rows[BUDGET * 2], nr = 0;
    for (size_t i = 0; i < st->n; i++) {
        archllm_oracle_answer a;
        if (archllm_oracle_peek(st->oracle, &st->cells[i], &a) != ARCHLLM_OK) {
            A->distinct_ok = 0; /* a queried cell the table does not know */
            continue;
        }
        for (size_t j = 0; j < nr; j++)
            if (rows[j] == a.row) A->distinct_ok = 0;
        if (nr < BUDGET * 2) rows[nr++] = a.row;
    }
    if (archllm_oracle_queries(st->oracle) != st->n || st->n != BUDGET) A->spent_ok = 0;
    if (A->inner->end) A->inner->end(A->inner->user, st);
    A->run++;
}

/* edits_after > 0: on NB201, also check that every round's proposals from that many queries
 * on are single edits of queried cells, but for one (the methods' random fallback) */
static void audit(archllm_oracle *o, const archllm_search_method *m, uint64_t seed, size_t edits_after)
{
    auditor A = {.inner = m, .distinct_ok = 1, .spent_ok = 1, .isomorph_ok = 1, .edits_after = edits_after,
                 .edits_ok = 1};
    archllm_search_method w = {.name = m->name, .user = &A, .begin = audit_begin, .propose = audit_propose,
                               .end = audit_end};
    archllm_search_params p = archllm_search_default_params();
    p.budget = BUDGET;
    p.nseeds = SEEDS;
    p.seed = seed;
    archllm_search_result series, alone;
    archllm_status s = archllm_search_run(&series, o, &w, &p);
    CHECK(s == ARCHLLM_OK, "%s: %d runs of %d queries: %s", m->name, SEEDS, BUDGET, archllm_last_error());
    if (s) return;
    int spent = 1, costless = 1;
    for (size_t k = 0; k < SEEDS; k++) {
        spent &= series.queries[k] == BUDGET;
        costless &= series.proposals[k] >= BUDGET + A.injected[k] && A.injected[k] > 0;
    }
    CHECK(spent && A.spent_ok, "%s: every seed spends exactly %d queries", m->name, BUDGET);
    CHECK(A.distinct_ok, "%s: the queried cells are distinct benchmark rows", m->name);
    CHECK(costless, "%s: invalid, repeated and isomorphic cells (%zu in the first run) cost nothing", m->name,
          A.injected[0]);
    if (archllm_oracle_space(o) == ARCHLLM_SPACE_NB101)
        CHECK(A.isomorphs > 0 && A.isomorph_ok, "%s: %zu relabelled cells, each found as its original's row",
              m->name, A.isomorphs);
    if (edits_after && archllm_oracle_space(o) == ARCHLLM_SPACE_NB201)
        CHECK(A.edit_rounds > 0 && A.edits_ok, "%s: edits only: %zu rounds checked, %zu proposals not one edit away",
              m->name, A.edit_rounds, A.non_edits);
    /* the second seed alone gives the same run as in the series */
    p.seed = seed + 1;
    p.nseeds = 1;
    s = archllm_search_run(&alone, o, &w, &p);
    CHECK(s == ARCHLLM_OK &&
              memcmp(alone.best_test, series.best_test + BUDGET, BUDGET * sizeof *alone.best_test) == 0 &&
              memcmp(alone.best_valid, series.best_valid + BUDGET, BUDGET * sizeof *alone.best_valid) == 0,
          "%s: seed %llu alone repeats its run in the series", m->name, (unsigned long long)(seed + 1));
    if (!s) archllm_search_result_free(&alone);
    archllm_search_result_free(&series);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: test_search_methods nb201|nb101 TABLE CONFIG|- METHOD[,METHOD...] [key=value...]\n");
        return 2;
    }
    archllm_ctx_t *ctx = test_open_ctx();
    archllm_space space = strcmp(argv[1], "nb101") == 0 ? ARCHLLM_SPACE_NB101 : ARCHLLM_SPACE_NB201;
    archllm_oracle *o = NULL;
    if (space == ARCHLLM_SPACE_NB201) {
        archllm_nb201_table *t;
        CHECK_OK(archllm_nb201_table_load(&t, argv[2]));
        if (t) CHECK_OK(archllm_oracle_nb201(&o, t, ARCHLLM_NB201_CIFAR10));
        archllm_nb201_table_free(t);
    } else {
        archllm_nb101_data *d;
        CHECK_OK(archllm_nb101_data_load(&d, argv[2]));
        if (d) CHECK_OK(archllm_oracle_nb101(&o, d));
        archllm_nb101_data_free(d);
    }
    archllm_config cfg;
    archllm_pipeline_models pm;
    int have_models = 0;
    if (strcmp(argv[3], "-") != 0) {
        CHECK(archllm_config_setup(&cfg, argv[3], (const char *const *)argv + 5, argc - 5) == ARCHLLM_OK, "config %s",
              argv[3]);
        archllm_status s = archllm_pipeline_models_load(&pm, ctx, &cfg, 128);
        CHECK(s == ARCHLLM_OK, "the experiment's models: %s", archllm_last_error());
        have_models = s == ARCHLLM_OK;
    }
    char list[256];
    snprintf(list, sizeof list, "%s", argv[4]);
    for (char *save = NULL, *name = strtok_r(list, ",", &save); o && name; name = strtok_r(NULL, ",", &save)) {
        archllm_search_method m;
        archllm_evolution_params ep = archllm_evolution_default_params();
        archllm_status s = ARCHLLM_OK;
        void (*release)(archllm_search_method *) = NULL;
        if (strcmp(name, "random") == 0) archllm_search_random(&m);
        else if (strcmp(name, "evolution") == 0) archllm_search_evolution(&m, &ep);
        else if (strcmp(name, "bananas") == 0) {
            archllm_bananas_params bp = archllm_bananas_default_params();
            s = archllm_search_bananas(&m, ctx, space, &bp);
            release = archllm_search_predictor_free;
        } else if (strcmp(name, "archllm") == 0 && have_models) {
            archllm_archllm_search_params ap = archllm_archllm_search_default_params();
            s = archllm_search_archllm(&m, &pm, &ap);
            release = archllm_search_archllm_free;
        } else if (strcmp(name, "archllm-guided") == 0 && have_models) {
            /* the T5's proposals alone, then edits alone, then the default pool (edits,
             * fills and 'generate:') */
            archllm_guided_params gp = archllm_guided_default_params();
            size_t mutations[2] = {0, gp.proposals};
            for (int v = 0; v < 2; v++) {
                archllm_guided_params vp = gp;
                vp.mutations = mutations[v];
                s = archllm_search_guided(&m, &pm, &vp);
                CHECK(s == ARCHLLM_OK, "%s, %zu mutations: set up: %s", name, vp.mutations, archllm_last_error());
                if (s) continue;
                audit(o, &m, 11, v == 1 ? vp.fill.initial : 0);
                archllm_search_predictor_free(&m);
            }
            s = archllm_search_guided(&m, &pm, &gp);
            release = archllm_search_predictor_free;
        } else {
            CHECK(0, "method %s (the archllm methods need a config with trained models)", name);
            continue;
        }
        CHECK(s == ARCHLLM_OK, "%s: set up: %s", name, archllm_last_error());
        if (s) continue;
        audit(o, &m, 11, 0);
        if (release) release(&m);
    }
    if (have_models) archllm_pipeline_models_free(&pm);
    archllm_oracle_free(o);
    archllm_ctx_free(ctx);
    return test_finish();
}
