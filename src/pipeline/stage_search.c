/* stage_search.c - the search stage (stage.h): the method table and its setup from the
 * config, the experiment's models loaded for the methods that propose with them, the
 * datasets side by side on lanes (a thread, a context, models, methods and an oracle fork
 * each; a dataset alone shares its seeds out) looping over methods and seeds, the tables of
 * finals and by budget, and the result files.  Not here: finding the shipped NB201 table
 * (the caller's), the search loop and the methods themselves (src/search/search.c, search_archllm.c,
 * search_predictor.c), option parsing and printing (src/cli/cmd_search.c). */
#include "config.h"
#include "pipeline/stage.h"

#include "io/svg.h"
#include "model/vqvae_run.h"
#include "search/genmetrics.h"
#include "pipeline/pipeline.h"
#include "util/clock.h"
#include "util/fileio.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGE            "search"
#define MAX_METHODS      8
#define REFERENCE_METHOD "evolution" /* what the summary tests every method against */
#define METHOD_NAMES     "archllm-guided, archllm, bananas, random, evolution"

/* What method setups read: the stage's environment and options, evolution's settings
 * (which the method points to) and the experiment's models, loaded by the first setup
 * that needs them and shared. */
typedef struct {
    const archllm_stage_env   *env;
    const archllm_search_opts *o;
    archllm_evolution_params   evo;
    archllm_pipeline_models    models;
    int                        models_loaded;
} search_setup;

/* A method the stage knows: setup fills m (its user data may point into s, or be
 * allocated there and released by teardown, which may be NULL). */
typedef struct {
    const char *name;
    int         models; /* proposes with the experiment's VQ-VAE and T5 */
    int         device; /* needs env->ctx */
    archllm_status (*setup)(archllm_search_method *m, search_setup *s);
    void (*teardown)(archllm_search_method *m);
} method_entry;

static archllm_status setup_random(archllm_search_method *m, search_setup *s)
{
    (void)s;
    archllm_search_random(m);
    return ARCHLLM_OK;
}

static archllm_status setup_evolution(archllm_search_method *m, search_setup *s)
{
    archllm_search_evolution(m, &s->evo);
    return ARCHLLM_OK;
}

static archllm_status need_ctx(const search_setup *s, const char *method)
{
    return s->env->ctx ? ARCHLLM_OK
                       : archllm_fail(ARCHLLM_ENODEVICE, "method %s needs an OpenCL device and none was opened", method);
}

/* The experiment's trained VQ-VAE and T5 (after `archllm run`'s vqvae, encode and lm
 * stages, or the three commands), for the methods that propose with them. */
static archllm_status need_models(search_setup *s, const char *method)
{
    if (s->models_loaded) return ARCHLLM_OK;
    ARCHLLM_TRY(need_ctx(s, method));
    archllm_status st = archllm_pipeline_models_load(&s->models, s->env->ctx, s->env->cfg, 128);
    if (st != ARCHLLM_OK)
        return archllm_fail_prefix(st, "method %s: loading the experiment's trained VQ-VAE and T5 (archllm run, or "
                                       "train-vqvae, encode and train-lm with this config)", method);
    s->models_loaded = 1;
    return ARCHLLM_OK;
}

static archllm_archllm_search_params fill_params(const archllm_config *cfg)
{
    archllm_archllm_search_params p = archllm_archllm_search_default_params();
    p.top = (size_t)cfg->search.top;
    p.initial = (size_t)cfg->search.initial;
    p.mask_rate = cfg->search.mask_rate;
    p.temperature = cfg->search.temperature;
    return p;
}

static archllm_status setup_archllm(archllm_search_method *m, search_setup *s)
{
    ARCHLLM_TRY(need_models(s, "archllm"));
    archllm_archllm_search_params p = fill_params(s->env->cfg);
    archllm_status st = archllm_search_archllm(m, &s->models, &p);
    return st == ARCHLLM_OK ? st : archllm_fail_prefix(st, "method archllm");
}

static archllm_status setup_guided(archllm_search_method *m, search_setup *s)
{
    ARCHLLM_TRY(need_models(s, "archllm-guided"));
    const archllm_config *cfg = s->env->cfg;
    archllm_guided_params p = archllm_guided_default_params();
    size_t group = p.fill.group;
    p.fill = fill_params(cfg);
    p.fill.group = group;
    p.pool = (size_t)cfg->search.pool;
    p.proposals = (size_t)cfg->search.proposals;
    p.mutations = (size_t)cfg->search.mutations;
    p.explore = (size_t)cfg->search.explore;
    p.per_round = (size_t)cfg->search.per_round;
    p.fill.initial = (size_t)cfg->search.guided_initial;
    archllm_status st = archllm_search_guided(m, &s->models, &p);
    return st == ARCHLLM_OK ? st : archllm_fail_prefix(st, "method archllm-guided");
}

static archllm_status setup_bananas(archllm_search_method *m, search_setup *s)
{
    ARCHLLM_TRY(need_ctx(s, "bananas"));
    archllm_bananas_params p = archllm_bananas_default_params();
    archllm_status st = archllm_search_bananas(m, s->env->ctx, s->o->space, &p);
    return st == ARCHLLM_OK ? st : archllm_fail_prefix(st, "method bananas");
}

static const method_entry methods[] = {
    {"archllm-guided", 1, 1, setup_guided, archllm_search_predictor_free},
    {"archllm", 1, 1, setup_archllm, archllm_search_archllm_free},
    {"bananas", 0, 1, setup_bananas, archllm_search_predictor_free},
    {"random", 0, 0, setup_random, NULL},
    {"evolution", 0, 0, setup_evolution, NULL},
};

/* ---- options ---- */

archllm_search_opts archllm_search_opts_from_config(const archllm_config *cfg)
{
    archllm_search_opts o = {0};
    o.space = archllm_vqvae_space(cfg);
    o.datasets = o.space == ARCHLLM_SPACE_NB101 ? "cifar10" : cfg->search.datasets;
    o.methods = cfg->search.methods;
    o.queries = (size_t)cfg->search.queries;
    o.seeds = (size_t)cfg->search.seeds;
    o.seed = (uint64_t)cfg->experiment.seed;
    o.evolution = archllm_evolution_default_params();
    return o;
}

/* The methods of o (table entries, in order); *n of them. */
static archllm_status parse_methods(const archllm_search_opts *o, const method_entry **me, size_t *n)
{
    char buf[256];
    *n = 0;
    if (!o->methods) return archllm_fail(ARCHLLM_EINVAL, "no method given");
    snprintf(buf, sizeof buf, "%s", o->methods);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const method_entry *e = NULL;
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
            if (strcmp(methods[i].name, tok) == 0) e = &methods[i];
        if (!e) return archllm_fail(ARCHLLM_EINVAL, "unknown method '%s' (" METHOD_NAMES ")", tok);
        if (*n == MAX_METHODS) return archllm_fail(ARCHLLM_EINVAL, "at most %d methods", MAX_METHODS);
        me[(*n)++] = e;
    }
    return *n ? ARCHLLM_OK : archllm_fail(ARCHLLM_EINVAL, "no method given");
}

/* The datasets of o, in order; *n of them. */
static archllm_status parse_datasets(const archllm_search_opts *o, archllm_nb201_dataset *ds, size_t *n)
{
    char buf[256];
    *n = 0;
    if (!o->datasets) return archllm_fail(ARCHLLM_EINVAL, "no dataset given");
    snprintf(buf, sizeof buf, "%s", o->datasets);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        archllm_nb201_dataset d;
        if (archllm_nb201_dataset_parse(&d, tok) != ARCHLLM_OK) return archllm_fail_prefix(ARCHLLM_EINVAL, "datasets");
        for (size_t i = 0; i < *n; i++)
            if (ds[i] == d) return archllm_fail(ARCHLLM_EINVAL, "datasets: '%s' given twice", tok);
        ds[(*n)++] = d;
    }
    return *n ? ARCHLLM_OK : archllm_fail(ARCHLLM_EINVAL, "no dataset given");
}

archllm_status archllm_search_check(const archllm_config *cfg, const archllm_search_opts *o, int *needs_device)
{
    const method_entry *me[MAX_METHODS];
    archllm_nb201_dataset ds[ARCHLLM_NB201_NDATASETS];
    size_t nm, nds;
    *needs_device = 0;
    if (o->space != ARCHLLM_SPACE_NB201 && o->space != ARCHLLM_SPACE_NB101)
        return archllm_fail(ARCHLLM_EUNSUPPORTED, "%s has no accuracy table to query (search needs NAS-Bench-201 or -101)",
                            archllm_space_name(o->space));
    ARCHLLM_TRY(parse_datasets(o, ds, &nds));
    ARCHLLM_TRY(parse_methods(o, me, &nm));
    if (o->space == ARCHLLM_SPACE_NB101 && (nds > 1 || ds[0] != ARCHLLM_NB201_CIFAR10))
        return archllm_fail(ARCHLLM_EINVAL, "datasets: NAS-Bench-101 has CIFAR-10 only");
    if (o->space == ARCHLLM_SPACE_NB101 && !o->nb101_data)
        return archllm_fail(ARCHLLM_EINVAL, "NAS-Bench-101 search needs the official nasbench_only108.tfrecord or "
                                            "nasbench_full.tfrecord");
    if (o->space == ARCHLLM_SPACE_NB201 && !o->nb201_table)
        return archllm_fail(ARCHLLM_EINVAL, "NAS-Bench-201 search needs its accuracy table (nb201_accuracy.csv)");
    if (!o->queries || !o->seeds) return archllm_fail(ARCHLLM_EINVAL, "search needs at least one query and one seed");
    if (!o->evolution.population || o->evolution.sample_size > o->evolution.population)
        return archllm_fail(ARCHLLM_EINVAL, "evolution: sample size %zu and population %zu (want 1 <= sample size <= "
                                            "population)", o->evolution.sample_size, o->evolution.population);
    for (size_t i = 0; i < nm; i++) {
        if (me[i]->models && o->space != archllm_vqvae_space(cfg))
            return archllm_fail(ARCHLLM_EINVAL, "method %s: the config's data.space is %s, not the searched space",
                                me[i]->name, archllm_space_name(archllm_vqvae_space(cfg)));
        *needs_device |= me[i]->device;
    }
    return ARCHLLM_OK;
}

/* ---- one dataset ---- */

/* Where the runs stand over every dataset's lane: the lanes count finished seeds, the
 * stage's thread emits them (events come from the thread that called the stage). */
typedef struct {
    const archllm_stage_env *env;
    pthread_mutex_t          mu;
    pthread_cond_t           cv;
    long                     done, total;
    double                  *test;    /* (total) each seed's test accuracy, in the order done */
    int                      running;   /* lanes not finished */
    int                      failed;    /* a lane failed: the others stop after their seed */
} progress;

/* r for p's seeds and budget, every entry to be filled by run_seeds. */
static archllm_status result_alloc(archllm_search_result *r, const archllm_search_params *p)
{
    size_t B = p->budget, S = p->nseeds;
    memset(r, 0, sizeof *r);
    r->budget = B;
    r->nseeds = S;
    r->seeds = malloc(S * sizeof *r->seeds);
    r->best_valid = malloc(S * B * sizeof *r->best_valid);
    r->best_test = malloc(S * B * sizeof *r->best_test);
    r->queries = malloc(S * sizeof *r->queries);
    r->proposals = malloc(S * sizeof *r->proposals);
    if (r->seeds && r->best_valid && r->best_test && r->queries && r->proposals) return ARCHLLM_OK;
    archllm_search_result_free(r);
    return archllm_fail(ARCHLLM_ENOMEM, "search of %zu seeds x %zu queries", S, B);
}

/* One method's runs of seeds k0..k1-1 of p on o into r's rows k0..k1-1, a seed at a time.
 * A seed run alone is the run it has in a series (each starts from its own seed;
 * tests/search/test_search_methods checks it), so r is what one archllm_search_run over
 * p's seeds gives, however the seeds are shared out; a count of every seed done, and a
 * look at *stop after it.  The lane of k0 = 0 names r's method. */
static archllm_status run_seeds(archllm_search_result *r, size_t k0, size_t k1, archllm_oracle *o,
                                const archllm_search_method *m, const archllm_search_params *p, progress *pg)
{
    size_t B = p->budget;
    archllm_status st = ARCHLLM_OK;
    for (size_t k = k0; k < k1 && st == ARCHLLM_OK; k++) {
        archllm_search_params one = *p;
        one.seed = p->seed + k;
        one.nseeds = 1;
        archllm_search_result rk;
        if ((st = archllm_search_run(&rk, o, m, &one)) != ARCHLLM_OK) break;
        if (k0 == 0) memcpy(r->method, rk.method, sizeof r->method);
        r->seeds[k] = rk.seeds[0];
        memcpy(r->best_valid + k * B, rk.best_valid, B * sizeof *rk.best_valid);
        memcpy(r->best_test + k * B, rk.best_test, B * sizeof *rk.best_test);
        r->queries[k] = rk.queries[0];
        r->proposals[k] = rk.proposals[0];
        archllm_search_result_free(&rk);
        pthread_mutex_lock(&pg->mu);
        pg->test[pg->done++] = r->best_test[k * B + B - 1];
        long done = pg->done;
        int failed = pg->failed;
        pthread_cond_signal(&pg->cv);
        pthread_mutex_unlock(&pg->mu);
        if (pg->env->stop && *pg->env->stop)
            st = archllm_fail(ARCHLLM_EINTERRUPTED, "stopped after %ld of %ld runs", done, pg->total);
        else if (failed)
            st = archllm_fail(ARCHLLM_EINTERRUPTED, "stopped: another lane's search failed");
    }
    return st;
}

static archllm_status write_plot(const char *path, const char *title, const archllm_search_result *r, size_t nr)
{
    archllm_svg_series s[MAX_METHODS];
    double *buf = malloc(nr * r[0].budget * 3 * sizeof *buf);
    if (!buf) return archllm_fail(ARCHLLM_ENOMEM, "%s", path);
    for (size_t i = 0; i < nr; i++) {
        double *x = buf + i * r[0].budget * 3, *y = x + r[0].budget, *e = y + r[0].budget;
        for (size_t q = 1; q <= r[i].budget; q++) {
            x[q - 1] = (double)q;
            archllm_search_stat(&r[i], 1, q, &y[q - 1], &e[q - 1]);
        }
        s[i] = (archllm_svg_series){.name = r[i].method, .x = x, .y = y, .err = e, .n = r[i].budget};
    }
    archllm_svg_params p = archllm_svg_default_params();
    /* the first few queries span tens of points; start the axis where the curves settle */
    size_t q0 = r[0].budget < 10 ? r[0].budget : 10;
    p.ymin = INFINITY;
    p.ymax = -INFINITY;
    for (size_t i = 0; i < nr; i++)
        for (size_t q = q0; q <= r[i].budget; q++) {
            double m, sd;
            archllm_search_stat(&r[i], 1, q, &m, &sd);
            p.ymin = fmin(p.ymin, floor(m - sd));
            p.ymax = fmax(p.ymax, ceil(m + sd));
        }
    p.title = title;
    p.xlabel = "queries";
    p.ylabel = "test accuracy of best-by-validation cell (%)";
    archllm_status st = archllm_svg_plot_save(path, &p, s, nr);
    free(buf);
    return st == ARCHLLM_OK ? st : archllm_fail_prefix(st, "%s", path);
}

static const archllm_search_result *find_method(const archllm_search_result *res, size_t nr, const char *name)
{
    for (size_t i = 0; i < nr; i++)
        if (strcmp(res[i].method, name) == 0) return &res[i];
    return NULL;
}

static void info(const archllm_stage_env *env, const char *text)
{
    archllm_emit_message(env->ev, STAGE, ARCHLLM_MESSAGE_INFO, "%s", text);
}

/* The table of finals: every method after its budget. */
static void report_finals(const archllm_stage_env *env, const archllm_search_result *res, size_t nr, double best_valid)
{
    char line[1024];
    snprintf(line, sizeof line, "%-15s %8s %18s %18s %10s", "method", "queries", "test mean +- std",
             "valid mean +- std", "hit opt.");
    info(env, line);
    for (size_t i = 0; i < nr; i++) {
        archllm_search_summary sm;
        archllm_search_summarize(&sm, &res[i], NULL, res[i].budget, best_valid);
        char a[32], b[32], h[32];
        snprintf(a, sizeof a, "%.2f +- %.2f", sm.test_mean, sm.test_std);
        double vm, vs;
        archllm_search_stat(&res[i], 0, res[i].budget, &vm, &vs);
        snprintf(b, sizeof b, "%.2f +- %.2f", vm, vs);
        snprintf(h, sizeof h, "%zu/%zu", sm.found_best, sm.seeds);
        snprintf(line, sizeof line, "%-15s %8zu %18s %18s %10s", res[i].method, res[i].budget, a, b, h);
        info(env, line);
    }
}

/* Every method at 50, 100, 150, 200 queries (up to the budget) against evolution when it
 * ran: the difference in mean test accuracy, its 95% interval and Welch's p. */
static void report_budgets(const archllm_stage_env *env, const archllm_search_result *res, size_t nr,
                           double best_valid)
{
    const archllm_search_result *ref = find_method(res, nr, REFERENCE_METHOD);
    char line[1024];
    int len = snprintf(line, sizeof line,
                       "by budget: test %% mean +- std; found = runs that queried the table's best-by-validation cell");
    if (ref)
        snprintf(line + len, sizeof line - (size_t)len,
                 "; vs %s = difference in mean test %% [95%% interval], Welch's t-test p", REFERENCE_METHOD);
    info(env, line);
    len = snprintf(line, sizeof line, "%-15s %8s %16s %8s", "method", "queries", "test", "found");
    if (ref) snprintf(line + len, sizeof line - (size_t)len, " %28s %8s", "vs " REFERENCE_METHOD, "p");
    info(env, line);
    for (size_t i = 0; i < nr; i++) {
        size_t qs[ARCHLLM_SEARCH_MAX_BUDGETS], nq = archllm_search_budgets(res[i].budget, qs);
        for (size_t j = 0; j < nq; j++) {
            archllm_search_summary sm;
            archllm_search_summarize(&sm, &res[i], ref, qs[j], best_valid);
            char t[32], f[32], d[64] = "", pv[16] = "";
            snprintf(t, sizeof t, "%.2f +- %.2f", sm.test_mean, sm.test_std);
            snprintf(f, sizeof f, "%zu/%zu", sm.found_best, sm.seeds);
            if (sm.has_ref && isfinite(sm.vs_ref.lo)) {
                snprintf(d, sizeof d, "%+.2f [%+.2f, %+.2f]", sm.vs_ref.diff, sm.vs_ref.lo, sm.vs_ref.hi);
                snprintf(pv, sizeof pv, sm.vs_ref.p < 1e-4 ? "%.1e" : "%.4f", sm.vs_ref.p);
            } else if (ref) {
                snprintf(d, sizeof d, "%s", &res[i] == ref ? "(reference)" : "-");
            }
            len = snprintf(line, sizeof line, "%-15s %8zu %16s %8s", res[i].method, qs[j], t, f);
            if (ref) snprintf(line + len, sizeof line - (size_t)len, " %28s %8s", d, pv);
            info(env, line);
        }
    }
}

/* The result files of one dataset into outdir, the summary last. */
static archllm_status write_results(const archllm_stage_env *env, const char *outdir, const archllm_search_setting *set,
                                    const archllm_search_result *res, size_t nr, size_t nseeds)
{
    char base[4200], path[4300], title[256];
    ARCHLLM_TRY(archllm_mkdirs(outdir));
    snprintf(base, sizeof base, "%s/search-%s-%s", outdir, set->space, set->dataset);
    snprintf(path, sizeof path, "%s.csv", base);
    ARCHLLM_TRY(archllm_search_save_curves(path, res, nr));
    snprintf(path, sizeof path, "%s-runs.csv", base);
    ARCHLLM_TRY(archllm_search_save_runs(path, res, nr));
    snprintf(path, sizeof path, "%s.svg", base);
    snprintf(title, sizeof title, "%s %s: mean +- std over %zu seeds", set->space, set->dataset, nseeds);
    ARCHLLM_TRY(write_plot(path, title, res, nr));
    snprintf(path, sizeof path, "%s-summary.json", base); /* last: `archllm run` reads it as done */
    ARCHLLM_TRY(archllm_search_save_summary(path, set, res, nr, REFERENCE_METHOD));
    archllm_emit_message(env->ev, STAGE, ARCHLLM_MESSAGE_INFO, "wrote %s.csv, %s-runs.csv, %s.svg, %s-summary.json",
                         base, base, base, base);
    return ARCHLLM_OK;
}

/* A lane: a dataset's seeds k0..k1-1, its methods set up on a context of its own on the
 * stage's device (a context's queue runs in order and the search's launches are small, so
 * lanes fill each other's waits: on a 2-core PoCL two searches side by side took 8-10 s
 * where one after the other took 16-17 s), its own models and a fork of the dataset's
 * oracle (the queries of a run are the oracle's state); the results are the dataset's,
 * each lane filling its seeds' rows. */
typedef struct {
    const archllm_stage_env     *env;
    const archllm_search_opts   *o;
    const method_entry *const   *me;
    size_t                       nm;
    const archllm_oracle        *base;  /* the dataset's oracle */
    archllm_nb201_dataset        ds;
    const archllm_search_params *p;
    int                          own_ctx; /* open a context (else the stage's) */
    progress                    *pg;
    size_t                       k0, k1;  /* its seeds */
    archllm_search_result       *res;     /* the dataset's, a method each */
    archllm_stage_env            lenv;    /* env with the lane's context */
    archllm_ctx_t               *ctx;     /* the lane's own, or NULL */
    search_setup                 su;
    archllm_search_method        ms[MAX_METHODS];
    size_t                       nset;    /* methods set up */
    archllm_oracle              *oracle;  /* its fork of base: set last, so the lane is set up */
    archllm_status               st;
    char                        *err;   /* st's message (the error text is per thread; a build log can be long) */
} lane;

static const char *lane_name(const lane *L) { return archllm_nb201_dataset_name(L->ds); }

static archllm_status lane_setup(lane *L)
{
    archllm_status st = ARCHLLM_OK;
    L->lenv = *L->env;
    if (L->lenv.ctx && L->own_ctx) { /* the stage context's tuning: every lane computes alike */
        if ((st = archllm_ctx_init_like(&L->ctx, L->lenv.ctx)) != ARCHLLM_OK)
            return archllm_fail_prefix(st, "a context for %s", lane_name(L));
        L->lenv.ctx = L->ctx;
    }
    /* every method is set up once and run on the lane's dataset */
    L->su = (search_setup){.env = &L->lenv, .o = L->o, .evo = L->o->evolution};
    for (; L->nset < L->nm; L->nset++)
        if ((st = L->me[L->nset]->setup(&L->ms[L->nset], &L->su)) != ARCHLLM_OK) return st;
    return archllm_oracle_fork(&L->oracle, L->base);
}

static void lane_free(lane *L)
{
    for (size_t i = 0; i < L->nset; i++)
        if (L->me[i]->teardown) L->me[i]->teardown(&L->ms[i]);
    if (L->su.models_loaded) archllm_pipeline_models_free(&L->su.models);
    archllm_ctx_free(L->ctx);
    archllm_oracle_free(L->oracle);
    free(L->err);
}

static void *lane_main(void *arg)
{
    lane *L = arg;
    archllm_status st = L->oracle ? ARCHLLM_OK : lane_setup(L); /* the first lane is, before begin */
    for (size_t i = 0; i < L->nm && st == ARCHLLM_OK; i++)
        if ((st = run_seeds(&L->res[i], L->k0, L->k1, L->oracle, &L->ms[i], L->p, L->pg)) != ARCHLLM_OK)
            archllm_fail_prefix(st, "%s %s", lane_name(L), L->ms[i].name);
    L->st = st;
    if (st != ARCHLLM_OK) L->err = strdup(archllm_last_error());
    progress *pg = L->pg;
    pthread_mutex_lock(&pg->mu);
    if (st != ARCHLLM_OK && st != ARCHLLM_EINTERRUPTED) pg->failed = 1;
    pg->running--;
    pthread_cond_signal(&pg->cv);
    pthread_mutex_unlock(&pg->mu);
    return NULL;
}

/* A dataset's tables and files, L its first lane. */
static archllm_status report_dataset(const archllm_stage_env *env, const lane *L, const char *outdir)
{
    const archllm_search_opts *so = L->o;
    const char *dsname = lane_name(L), *vcol = "mean_validation (108 epochs)", *tcol = "mean_test (108 epochs)";
    if (so->space == ARCHLLM_SPACE_NB201) archllm_nb201_dataset_columns(L->ds, &vcol, &tcol);
    double ov, otv, ot;
    archllm_oracle_optimum(L->base, &ov, &otv, &ot);
    size_t rows = archllm_oracle_size(L->base);
    const archllm_evolution_params *evo = &so->evolution;
    const archllm_search_params    *p = L->p;
    archllm_emit_message(env->ev, STAGE, ARCHLLM_MESSAGE_INFO, "%s %s: select by %s, report %s",
                         so->space == ARCHLLM_SPACE_NB201 ? "NAS-Bench-201" : "NAS-Bench-101", dsname, vcol, tcol);
    archllm_emit_message(env->ev, STAGE, ARCHLLM_MESSAGE_INFO,
                         "%zu queries per run, %zu seeds (%llu..%llu), %zu cells in the table; evolution: "
                         "population %zu, sample size %zu",
                         p->budget, p->nseeds, (unsigned long long)p->seed,
                         (unsigned long long)(p->seed + p->nseeds - 1), rows, evo->population, evo->sample_size);
    archllm_emit_message(env->ev, STAGE, ARCHLLM_MESSAGE_INFO,
                         "table optimum: best validation %.2f (its test %.2f); best test %.2f", ov, otv, ot);
    report_finals(env, L->res, L->nm, ov);
    report_budgets(env, L->res, L->nm, ov);
    archllm_search_setting set = {.space = archllm_space_name(so->space), .dataset = dsname, .select_by = vcol,
                                  .report = tcol, .best_valid = ov, .test_at_best_valid = otv, .best_test = ot,
                                  .cells = rows};
    return write_results(env, outdir, &set, L->res, L->nm, p->nseeds);
}

/* ---- the stage ---- */

/* The benchmark: the NB201 table (an oracle per dataset is built from it) or the NB101
 * oracle, read before the methods so that a bad file fails fast. */
static archllm_status load_benchmark(const archllm_search_opts *o, archllm_nb201_table **table, archllm_oracle **o101)
{
    if (o->space == ARCHLLM_SPACE_NB201) {
        archllm_status st = archllm_nb201_table_load(table, o->nb201_table);
        return st == ARCHLLM_OK ? st : archllm_fail_prefix(st, "reading the NB201 table");
    }
    archllm_nb101_data *d;
    archllm_status st = archllm_nb101_data_load(&d, o->nb101_data);
    if (st != ARCHLLM_OK) return archllm_fail_prefix(st, "reading the NB101 data");
    st = archllm_oracle_nb101(o101, d);
    archllm_nb101_data_free(d);
    return st == ARCHLLM_OK ? st : archllm_fail_prefix(st, "%s", o->nb101_data);
}

/* Lanes wanted in all: the datasets side by side, and a dataset's seeds shared out where
 * there are fewer datasets (three lanes on a 2-core PoCL: the search's runs wait on the
 * device more than they compute). */
#define LANES 3

/* Every method on every dataset, on lanes side by side, between the begin and end events;
 * the tables and files in the datasets' order, of every dataset whose lanes all finished
 * when another failed or *stop was set.  The datasets' oracles are built and the first
 * lane set up before begin: a bad table or a missing model fails with no event. */
static archllm_status search_all(const archllm_stage_env *env, const archllm_search_opts *o,
                                 const archllm_nb201_table *table, archllm_oracle *o101,
                                 const archllm_nb201_dataset *ds, size_t nds, const method_entry *const *me,
                                 size_t nm, const char *outdir)
{
    archllm_search_params p = archllm_search_default_params();
    p.budget = o->queries;
    p.nseeds = o->seeds;
    p.seed = o->seed;
    /* the loop hands a method at most `batch` slots: room for archllm-guided's rounds */
    if ((size_t)env->cfg->search.per_round > p.batch) p.batch = (size_t)env->cfg->search.per_round;
    size_t parts = nds >= LANES ? 1 : LANES / nds; /* lanes a dataset */
    if (parts > p.nseeds) parts = p.nseeds;
    size_t nl = nds * parts;
    lane *lanes = calloc(nl, sizeof *lanes);
    archllm_search_result *res = calloc(nds * nm, sizeof *res); /* (dataset, method) */
    archllm_oracle *oracles[ARCHLLM_NB201_NDATASETS] = {NULL};  /* table: built here; else o101 */
    pthread_t *th = calloc(nl, sizeof *th);
    int *started = calloc(nl, sizeof *started);
    archllm_status st = lanes && res && th && started ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "search lanes");
    for (size_t i = 0; i < nds * nm && st == ARCHLLM_OK; i++) st = result_alloc(&res[i], &p);
    for (size_t d = 0; d < nds && st == ARCHLLM_OK; d++)
        if (!table) oracles[d] = o101;
        else if ((st = archllm_oracle_nb201(&oracles[d], table, ds[d])) != ARCHLLM_OK)
            archllm_fail_prefix(st, "%s", archllm_nb201_dataset_name(ds[d]));
    progress pg = {.env = env, .total = (long)(nds * nm * o->seeds)};
    if (st == ARCHLLM_OK && !(pg.test = malloc((size_t)pg.total * sizeof *pg.test)))
        st = archllm_fail(ARCHLLM_ENOMEM, "search progress");
    for (size_t j = 0; j < nl && st == ARCHLLM_OK; j++) {
        size_t d = j / parts, q = j % parts;
        lanes[j] = (lane){.env = env, .o = o, .me = me, .nm = nm, .base = oracles[d], .ds = ds[d], .p = &p,
                          .own_ctx = j > 0, .pg = &pg, .k0 = q * p.nseeds / parts, .k1 = (q + 1) * p.nseeds / parts,
                          .res = res + d * nm};
    }
    if (st == ARCHLLM_OK) st = lane_setup(&lanes[0]);
    double t0 = archllm_now_s();
    if (st != ARCHLLM_OK) goto done;
    archllm_emit_begin(env->ev, STAGE, "%s on %s %s: %zu seeds of %zu queries", o->methods,
                       o->space == ARCHLLM_SPACE_NB201 ? "NAS-Bench-201" : "NAS-Bench-101", o->datasets, o->seeds,
                       o->queries);
    for (size_t d = 0; d < nds; d++)
        for (size_t i = 0; i < nm; i++)
            archllm_emit_message(env->ev, STAGE, ARCHLLM_MESSAGE_DETAIL, "%s: %s, %zu seeds of %zu queries",
                                 archllm_nb201_dataset_name(ds[d]), me[i]->name, p.nseeds, p.budget);
    pthread_mutex_init(&pg.mu, NULL);
    pthread_cond_init(&pg.cv, NULL);
    pg.running = (int)nl; /* before the first thread reads it */
    for (size_t j = 0; j < nl; j++) {
        lane *L = &lanes[j];
        if (pthread_create(&th[j], NULL, lane_main, L) == 0) {
            started[j] = 1;
        } else { /* this lane alone fails; the others stop after their seed */
            L->st = ARCHLLM_ENOMEM;
            char msg[96];
            snprintf(msg, sizeof msg, "%s: no thread for its search lane", lane_name(L));
            L->err = strdup(msg);
            pthread_mutex_lock(&pg.mu);
            pg.running--, pg.failed = 1;
            pthread_mutex_unlock(&pg.mu);
        }
    }
    pthread_mutex_lock(&pg.mu);
    for (long emitted = 0; pg.running > 0 || emitted < pg.done;) {
        for (; emitted < pg.done; emitted++) {
            archllm_metric test = {"test", pg.test[emitted], "%.2f", ""};
            archllm_emit_step(env->ev, STAGE, emitted + 1, pg.total, &test, 1);
        }
        if (pg.running > 0) pthread_cond_wait(&pg.cv, &pg.mu);
    }
    pthread_mutex_unlock(&pg.mu);
    for (size_t j = 0; j < nl; j++)
        if (started[j]) pthread_join(th[j], NULL);
    /* the finished datasets' tables and files, then the first failure in the lanes' order
     * that is not a lane stopped for another's */
    const lane *bad = NULL;
    for (size_t d = 0; d < nds && st == ARCHLLM_OK; d++) {
        int ok = 1;
        for (size_t j = d * parts; j < (d + 1) * parts; j++) {
            const lane *L = &lanes[j];
            if (L->st == ARCHLLM_OK) continue;
            ok = 0;
            if (!bad || (bad->st == ARCHLLM_EINTERRUPTED && L->st != ARCHLLM_EINTERRUPTED)) bad = L;
        }
        if (ok) st = report_dataset(env, &lanes[d * parts], outdir);
    }
    if (st == ARCHLLM_OK && bad) st = archllm_fail(bad->st, "%s", bad->err ? bad->err : "(no memory for the message)");
    pthread_cond_destroy(&pg.cv);
    pthread_mutex_destroy(&pg.mu);
    archllm_emit_end(env->ev, STAGE, st, archllm_now_s() - t0);
done:
    for (size_t j = 0; lanes && j < nl; j++) lane_free(&lanes[j]);
    for (size_t i = 0; res && i < nds * nm; i++) archllm_search_result_free(&res[i]);
    for (size_t d = 0; table && d < nds; d++) archllm_oracle_free(oracles[d]);
    free(lanes), free(res), free(th), free(started), free(pg.test);
    return st;
}

archllm_status archllm_stage_search(const archllm_stage_env *env, const archllm_search_opts *o)
{
    int needs_device;
    const method_entry *me[MAX_METHODS];
    archllm_nb201_dataset ds[ARCHLLM_NB201_NDATASETS];
    size_t nm, nds;
    ARCHLLM_TRY(archllm_search_check(env->cfg, o, &needs_device));
    ARCHLLM_TRY(parse_datasets(o, ds, &nds));
    ARCHLLM_TRY(parse_methods(o, me, &nm));
    const char *outdir = o->out ? o->out : env->dir;
    if (!outdir) return archllm_fail(ARCHLLM_EINVAL, "no output folder");
    archllm_nb201_table *table = NULL;
    archllm_oracle      *o101 = NULL;
    ARCHLLM_TRY(load_benchmark(o, &table, &o101));
    archllm_status st = search_all(env, o, table, o101, ds, nds, me, nm, outdir);
    archllm_nb201_table_free(table);
    archllm_oracle_free(o101);
    return st;
}
