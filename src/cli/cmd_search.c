/* cmd_search.c - `archllm search`: NAS under a query budget against the benchmark tables
 * (NB201: data/nb201_accuracy.csv; NB101: the user's official tfrecord), over many
 * seeds, for each method asked for; prints mean +- std of the test accuracy of the
 * best-by-validation cell and writes the curves (CSV), the per-seed finals (CSV) and a
 * plot (SVG).  The methods are a table below; the Arch-LLM fill-mutation method
 * (src/pipeline/search_archllm.c) loads the experiment's trained VQ-VAE and T5. */
#include "config.h"
#include "cli/cli.h"
#include "io/svg.h"
#include "search/genmetrics.h"
#include "search/search.h"
#include "model/vqvae_run.h"
#include "pipeline/pipeline.h"
#include "util/fileio.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_METHODS 8
#define REFERENCE_METHOD "evolution" /* what the summary tests every method against */

/* What method setups may read: the options and the loaded config, and the device and
 * the experiment's models, opened by the first setup that needs them and shared. */
typedef struct {
    archllm_evolution_params evo;
    const archllm_config    *cfg;
    archllm_space            space;
    archllm_ctx_t           *ctx;
    archllm_pipeline_models  models;
    int                      models_loaded;
} search_opts;

/* A method the command knows: setup fills m (its user data may point into o, or be
 * allocated there and released by teardown, which may be NULL).  setup returns an exit
 * code, having printed the error. */
typedef struct {
    const char *name;
    int (*setup)(archllm_search_method *m, search_opts *o);
    void (*teardown)(archllm_search_method *m);
} method_entry;

static int setup_random(archllm_search_method *m, search_opts *o)
{
    (void)o;
    archllm_search_random(m);
    return CLI_EXIT_OK;
}

static int setup_evolution(archllm_search_method *m, search_opts *o)
{
    archllm_search_evolution(m, &o->evo);
    return CLI_EXIT_OK;
}

static int need_ctx(search_opts *o) { return o->ctx ? CLI_EXIT_OK : cli_open_ctx(&o->ctx, NULL, o->cfg); }

/* The experiment's trained VQ-VAE and T5 (after `archllm run`'s vqvae, encode and lm
 * stages, or the three commands), for the methods that propose with them. */
static int need_models(search_opts *o, const char *method)
{
    if (o->models_loaded) return CLI_EXIT_OK;
    if (o->space != archllm_vqvae_space(o->cfg))
        return cli_error(CLI_EXIT_USAGE, "--method %s: the config's data.space is %s, not the searched space", method,
                         archllm_space_name(archllm_vqvae_space(o->cfg)));
    int rc = need_ctx(o);
    if (rc) return rc;
    archllm_status st = archllm_pipeline_models_load(&o->models, o->ctx, o->cfg, 128);
    if (st != ARCHLLM_OK) {
        char what[256];
        snprintf(what, sizeof what, "--method %s: loading the experiment's trained VQ-VAE and T5 (archllm run, or "
                                    "train-vqvae, encode and train-lm with this config)", method);
        return cli_status(st, what);
    }
    o->models_loaded = 1;
    return CLI_EXIT_OK;
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

static int setup_archllm(archllm_search_method *m, search_opts *o)
{
    int rc = need_models(o, "archllm");
    if (rc) return rc;
    archllm_archllm_search_params p = fill_params(o->cfg);
    archllm_status st = archllm_search_archllm(m, &o->models, &p);
    return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "--method archllm");
}

static int setup_guided(archllm_search_method *m, search_opts *o)
{
    int rc = need_models(o, "archllm-guided");
    if (rc) return rc;
    archllm_guided_params p = archllm_guided_default_params();
    size_t group = p.fill.group;
    p.fill = fill_params(o->cfg);
    p.fill.group = group;
    p.pool = (size_t)o->cfg->search.pool;
    p.proposals = (size_t)o->cfg->search.proposals;
    p.explore = (size_t)o->cfg->search.explore;
    p.per_round = (size_t)o->cfg->search.per_round;
    archllm_status st = archllm_search_guided(m, &o->models, &p);
    return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "--method archllm-guided");
}

static int setup_bananas(archllm_search_method *m, search_opts *o)
{
    int rc = need_ctx(o);
    if (rc) return rc;
    archllm_bananas_params p = archllm_bananas_default_params();
    archllm_status st = archllm_search_bananas(m, o->ctx, o->space, &p);
    return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "--method bananas");
}

static const method_entry methods[] = {
    {"archllm-guided", setup_guided, archllm_search_predictor_free},
    {"archllm", setup_archllm, archllm_search_archllm_free},
    {"bananas", setup_bananas, archllm_search_predictor_free},
    {"random", setup_random, NULL},
    {"evolution", setup_evolution, NULL},
};
#define METHOD_NAMES "archllm-guided, archllm, bananas, random, evolution"

static int parse_count(const char *opt, const char *arg, long lo, long hi, long *v)
{
    char *end;
    long x = strtol(arg, &end, 10);
    if (end == arg || *end || x < lo || x > hi)
        return cli_error(CLI_EXIT_USAGE, "%s: expected an integer in %ld..%ld, got '%s'", opt, lo, hi, arg);
    *v = x;
    return CLI_EXIT_OK;
}

static int write_plot(const char *path, const char *title, const archllm_search_result *r, size_t nr)
{
    archllm_svg_series s[MAX_METHODS];
    double *buf = malloc(nr * r[0].budget * 3 * sizeof *buf);
    if (!buf) return cli_error(CLI_EXIT_FAILURE, "out of memory");
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
    return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, path);
}

static const archllm_search_result *find_method(const archllm_search_result *res, size_t nr, const char *name)
{
    for (size_t i = 0; i < nr; i++)
        if (strcmp(res[i].method, name) == 0) return &res[i];
    return NULL;
}

/* Every method at 50, 100, 150, 200 queries (up to the budget) against evolution when it
 * ran: the difference in mean test accuracy, its 95% interval and Welch's p. */
static void print_budgets(const archllm_search_result *res, size_t nr, double best_valid)
{
    const archllm_search_result *ref = find_method(res, nr, REFERENCE_METHOD);
    printf("by budget: test %% mean +- std; found = runs that queried the table's best-by-validation cell");
    if (ref) printf("; vs %s = difference in mean test %% [95%% interval], Welch's t-test p", REFERENCE_METHOD);
    printf("\n%-15s %8s %16s %8s", "method", "queries", "test", "found");
    if (ref) printf(" %28s %8s", "vs " REFERENCE_METHOD, "p");
    printf("\n");
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
            printf("%-15s %8zu %16s %8s", res[i].method, qs[j], t, f);
            if (ref) printf(" %28s %8s", d, pv);
            printf("\n");
        }
    }
}

/* Every method on one benchmark oracle (seeds p->seed..): prints the table of finals and
 * writes the curves, the per-seed finals and the plot into outdir; *step counts the
 * method runs done out of steps. */
static int search_dataset(archllm_oracle *o, archllm_space space, const char *dsname, const char *vcol,
                          const char *tcol, archllm_search_method *ms, size_t nm, const archllm_search_params *p,
                          const archllm_evolution_params *evo, const char *outdir, int *step, int steps)
{
    archllm_search_result res[MAX_METHODS];
    size_t nr = 0;
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < nm && !rc; i++) {
        archllm_status st = archllm_search_run(&res[i], o, &ms[i], p);
        if (st != ARCHLLM_OK) rc = cli_status(st, ms[i].name);
        else nr++;
        /* "step S/T" lines are what `archllm run` reads for its ETA */
        if (!rc) fprintf(stderr, "search: step %d/%d done: %s %s\n", ++*step, steps, dsname, ms[i].name);
    }
    double ov, otv, ot;
    archllm_oracle_optimum(o, &ov, &otv, &ot);
    size_t rows = archllm_oracle_size(o);
    if (!rc) {
        printf("%s %s: select by %s, report %s\n", space == ARCHLLM_SPACE_NB201 ? "NAS-Bench-201" : "NAS-Bench-101",
               dsname, vcol, tcol);
        printf("%zu queries per run, %zu seeds (%llu..%llu), %zu cells in the table; evolution: population %zu, "
               "sample size %zu\n",
               p->budget, p->nseeds, (unsigned long long)p->seed, (unsigned long long)(p->seed + p->nseeds - 1), rows,
               evo->population, evo->sample_size);
        printf("table optimum: best validation %.2f (its test %.2f); best test %.2f\n", ov, otv, ot);
        printf("%-15s %8s %18s %18s %10s\n", "method", "queries", "test mean +- std", "valid mean +- std",
               "hit opt.");
        for (size_t i = 0; i < nr; i++) {
            archllm_search_summary sm;
            archllm_search_summarize(&sm, &res[i], NULL, res[i].budget, ov);
            char a[32], b[32], h[32];
            snprintf(a, sizeof a, "%.2f +- %.2f", sm.test_mean, sm.test_std);
            double vm, vs;
            archllm_search_stat(&res[i], 0, res[i].budget, &vm, &vs);
            snprintf(b, sizeof b, "%.2f +- %.2f", vm, vs);
            snprintf(h, sizeof h, "%zu/%zu", sm.found_best, sm.seeds);
            printf("%-15s %8zu %18s %18s %10s\n", res[i].method, res[i].budget, a, b, h);
        }
        print_budgets(res, nr, ov);
    }
    if (!rc) {
        archllm_status s2 = archllm_mkdirs(outdir);
        char base[4200], path[4300], title[256];
        snprintf(base, sizeof base, "%s/search-%s-%s", outdir, archllm_space_name(space), dsname);
        if (s2 != ARCHLLM_OK) rc = cli_status(s2, outdir);
        if (!rc) {
            snprintf(path, sizeof path, "%s.csv", base);
            if ((s2 = archllm_search_save_curves(path, res, nr)) != ARCHLLM_OK) rc = cli_status(s2, path);
        }
        if (!rc) {
            snprintf(path, sizeof path, "%s-runs.csv", base);
            if ((s2 = archllm_search_save_runs(path, res, nr)) != ARCHLLM_OK) rc = cli_status(s2, path);
        }
        if (!rc) {
            snprintf(path, sizeof path, "%s.svg", base);
            snprintf(title, sizeof title, "%s %s: mean +- std over %zu seeds", archllm_space_name(space), dsname,
                     p->nseeds);
            rc = write_plot(path, title, res, nr);
        }
        if (!rc) {
            snprintf(path, sizeof path, "%s-summary.json", base); /* last: `archllm run` reads it as done */
            archllm_search_setting set = {.space = archllm_space_name(space), .dataset = dsname, .select_by = vcol,
                                          .report = tcol, .best_valid = ov, .test_at_best_valid = otv,
                                          .best_test = ot, .cells = rows};
            if ((s2 = archllm_search_save_summary(path, &set, res, nr, REFERENCE_METHOD)) != ARCHLLM_OK)
                rc = cli_status(s2, path);
        }
        if (!rc) printf("wrote %s.csv, %s-runs.csv, %s.svg, %s-summary.json\n", base, base, base, base);
    }
    fflush(stdout);
    for (size_t i = 0; i < nr; i++) archllm_search_result_free(&res[i]);
    return rc;
}

int cmd_search(int argc, char **argv)
{
    static const struct option opts[] = {
        {"space", required_argument, NULL, 's'},       {"method", required_argument, NULL, 'm'},
        {"dataset", required_argument, NULL, 'd'},     {"queries", required_argument, NULL, 'q'},
        {"seeds", required_argument, NULL, 'n'},       {"seed", required_argument, NULL, 'S'},
        {"population", required_argument, NULL, 'P'},  {"sample-size", required_argument, NULL, 'T'},
        {"out", required_argument, NULL, 'o'},         {"nb201-table", required_argument, NULL, 't'},
        {"nb101-data", required_argument, NULL, 'D'},  CLI_CONFIG_LONG_OPTIONS,
        {NULL, 0, NULL, 0}};
    const char *space_opt = NULL, *method_opt = "random,evolution", *dataset_opt = NULL, *out_opt = NULL;
    const char *table_opt = NULL, *data_opt = NULL, *seed_opt = NULL;
    long queries = -1, nseeds = -1, v; /* -1: the config's search.queries and search.seeds */
    search_opts so = {.evo = archllm_evolution_default_params()};
    cli_config_opts copts = {0};
    int c, handled, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:m:d:q:n:S:P:T:o:t:D:", opts, NULL)) != -1) {
        if ((handled = cli_config_option(&copts, c, optarg)) < 0) return CLI_EXIT_USAGE;
        if (handled) continue;
        switch (c) {
        case 's': space_opt = optarg; break;
        case 'm': method_opt = optarg; break;
        case 'd': dataset_opt = optarg; break;
        case 'q':
            if ((rc = parse_count("--queries", optarg, 1, 1000000, &queries))) return rc;
            break;
        case 'n':
            if ((rc = parse_count("--seeds", optarg, 1, 100000, &nseeds))) return rc;
            break;
        case 'S': seed_opt = optarg; break;
        case 'P':
            if ((rc = parse_count("--population", optarg, 1, 100000, &v))) return rc;
            so.evo.population = (size_t)v;
            break;
        case 'T':
            if ((rc = parse_count("--sample-size", optarg, 1, 100000, &v))) return rc;
            so.evo.sample_size = (size_t)v;
            break;
        case 'o': out_opt = optarg; break;
        case 't': table_opt = optarg; break;
        case 'D': data_opt = optarg; break;
        default: return cli_usage("search", CLI_EXIT_USAGE);
        }
    }
    if (optind < argc) return cli_usage("search", CLI_EXIT_USAGE);
    if (!space_opt) return cli_error(CLI_EXIT_USAGE, "search: --space nb101|nb201 is required");
    archllm_space space;
    if (strcmp(space_opt, "nb201") == 0) space = ARCHLLM_SPACE_NB201;
    else if (strcmp(space_opt, "nb101") == 0) space = ARCHLLM_SPACE_NB101;
    else return cli_error(CLI_EXIT_USAGE, "--space: expected nb101 or nb201, got '%s'", space_opt);
    /* datasets: a comma-separated list, checked before any work; every method is set up
     * once and run on each (the model-based setup is the expensive part) */
    archllm_nb201_dataset ds[ARCHLLM_NB201_NDATASETS] = {ARCHLLM_NB201_CIFAR10};
    size_t nds = 1;
    if (dataset_opt) {
        char dbuf[256];
        snprintf(dbuf, sizeof dbuf, "%s", dataset_opt);
        nds = 0;
        for (char *save = NULL, *tok = strtok_r(dbuf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            archllm_nb201_dataset d;
            if (archllm_nb201_dataset_parse(&d, tok) != ARCHLLM_OK)
                return cli_error(CLI_EXIT_USAGE, "--dataset: %s", archllm_last_error());
            for (size_t i = 0; i < nds; i++)
                if (ds[i] == d) return cli_error(CLI_EXIT_USAGE, "--dataset: '%s' given twice", tok);
            ds[nds++] = d;
        }
        if (!nds) return cli_error(CLI_EXIT_USAGE, "--dataset: no dataset given");
    }
    if (space == ARCHLLM_SPACE_NB101 && (nds > 1 || ds[0] != ARCHLLM_NB201_CIFAR10))
        return cli_error(CLI_EXIT_USAGE, "--dataset: NAS-Bench-101 has CIFAR-10 only");
    if (space == ARCHLLM_SPACE_NB101 && !data_opt)
        return cli_error(CLI_EXIT_USAGE, "--space nb101 needs --nb101-data FILE (the official "
                                         "nasbench_only108.tfrecord or nasbench_full.tfrecord)");
    if (so.evo.sample_size > so.evo.population)
        return cli_error(CLI_EXIT_USAGE, "--sample-size %zu is larger than --population %zu", so.evo.sample_size,
                         so.evo.population);

    /* methods: a comma-separated list of table entries, checked before any work */
    const method_entry *me[MAX_METHODS];
    size_t nm = 0;
    char mbuf[256];
    snprintf(mbuf, sizeof mbuf, "%s", method_opt);
    for (char *save = NULL, *tok = strtok_r(mbuf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const method_entry *e = NULL;
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
            if (strcmp(methods[i].name, tok) == 0) e = &methods[i];
        if (!e) return cli_error(CLI_EXIT_USAGE, "--method: unknown method '%s' (" METHOD_NAMES ")", tok);
        if (nm == MAX_METHODS) return cli_error(CLI_EXIT_USAGE, "--method: at most %d methods", MAX_METHODS);
        me[nm++] = e;
    }
    if (!nm) return cli_error(CLI_EXIT_USAGE, "--method: no method given");

    archllm_config cfg;
    if ((rc = cli_config_load(&cfg, &copts))) return rc;
    uint64_t seed0 = (uint64_t)cfg.experiment.seed;
    if (queries < 0) queries = cfg.search.queries;
    if (nseeds < 0) nseeds = cfg.search.seeds;
    if (seed_opt) {
        char *end;
        unsigned long long x = strtoull(seed_opt, &end, 10);
        if (end == seed_opt || *end || seed_opt[0] == '-')
            return cli_error(CLI_EXIT_USAGE, "--seed: expected a non-negative integer, got '%s'", seed_opt);
        seed0 = x;
    }
    char outdir[4096];
    if (out_opt) snprintf(outdir, sizeof outdir, "%s", out_opt);
    else archllm_config_output_dir(&cfg, outdir, sizeof outdir);
    if (!out_opt && (rc = cli_lock_output(outdir, "search")) != CLI_EXIT_OK) return rc; /* the experiment folder */

    /* the benchmark: the NB201 table (an oracle per dataset is built from it below) or
     * the NB101 oracle, read before the methods so that a bad file fails fast */
    archllm_nb201_table *table = NULL;
    archllm_oracle      *o101 = NULL;
    archllm_status       st;
    if (space == ARCHLLM_SPACE_NB201) {
        char path[4096];
        if (!cli_find_data_file(path, sizeof path, table_opt, "nb201_accuracy.csv"))
            return cli_error(CLI_EXIT_USAGE, "no nb201_accuracy.csv found: give --nb201-table FILE or set "
                                             "ARCHLLM_DATA_DIR");
        if ((st = archllm_nb201_table_load(&table, path)) != ARCHLLM_OK)
            return cli_status(st, "reading the NB201 table");
    } else {
        archllm_nb101_data *d;
        if ((st = archllm_nb101_data_load(&d, data_opt)) != ARCHLLM_OK) return cli_status(st, "reading the NB101 data");
        st = archllm_oracle_nb101(&o101, d);
        archllm_nb101_data_free(d);
        if (st != ARCHLLM_OK) return cli_status(st, data_opt);
    }

    so.cfg = &cfg;
    so.space = space;
    archllm_search_method ms[MAX_METHODS];
    size_t nset = 0;
    for (; nset < nm; nset++)
        if ((rc = me[nset]->setup(&ms[nset], &so))) break;

    archllm_search_params p = archllm_search_default_params();
    p.budget = (size_t)queries;
    p.nseeds = (size_t)nseeds;
    p.seed = seed0;
    /* the loop hands a method at most `batch` slots: room for archllm-guided's rounds */
    if ((size_t)cfg.search.per_round > p.batch) p.batch = (size_t)cfg.search.per_round;
    int step = 0;
    for (size_t k = 0; k < nds && !rc; k++) {
        archllm_oracle *o = o101;
        const char     *vcol = "mean_validation (108 epochs)", *tcol = "mean_test (108 epochs)";
        if (table) {
            if ((st = archllm_oracle_nb201(&o, table, ds[k])) != ARCHLLM_OK) {
                rc = cli_status(st, archllm_nb201_dataset_name(ds[k]));
                break;
            }
            archllm_nb201_dataset_columns(ds[k], &vcol, &tcol);
        }
        rc = search_dataset(o, space, archllm_nb201_dataset_name(ds[k]), vcol, tcol, ms, nm, &p, &so.evo, outdir, &step,
                            (int)(nds * nm));
        if (table) archllm_oracle_free(o);
    }
    for (size_t i = 0; i < nset; i++)
        if (me[i]->teardown) me[i]->teardown(&ms[i]);
    if (so.models_loaded) archllm_pipeline_models_free(&so.models);
    archllm_ctx_free(so.ctx);
    archllm_nb201_table_free(table);
    archllm_oracle_free(o101);
    return rc;
}
