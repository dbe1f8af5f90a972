/* cmd_baseline.c - `archllm baseline`: the generation metrics (validity, uniqueness,
 * novelty, absolute forms, iid limit) of cells sampled without a model, in the same
 * units as `archllm generate`, written as JSON and CSV.  The training split for novelty
 * is a seeded split of the whole space (or a saved split file). */
#include "config.h"
#include "cli/cli.h"
#include "search/baseline.h"
#include "nas/dataset.h"
#include "search/genmetrics.h"
#include "nas/nb201.h"
#include "util/fileio.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 16

static int parse_sizes(const char *s, long *v, int *n)
{
    *n = 0;
    while (*s) {
        char *end;
        long x = strtol(s, &end, 10);
        if (end == s || x < 1 || x > 100000000 || *n == MAX_SIZES) return -1;
        v[(*n)++] = x;
        if (*end == ',') end++;
        else if (*end) return -1;
        s = end;
    }
    return *n ? 0 : -1;
}

/* The training-split set over the whole space. */
static archllm_status train_set(archllm_hashset **out, archllm_space space, const archllm_nb101_space *s101,
                                const archllm_split *split)
{
    if (space == ARCHLLM_SPACE_NB101) return archllm_train_set_from_digests(out, s101->digests, split->train, split->n_train);
    archllm_cell *cells = malloc(ARCHLLM_NB201_SIZE * sizeof *cells);
    if (!cells) return archllm_fail(ARCHLLM_ENOMEM, "NB201 cells");
    for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) {
        uint8_t ops[ARCHLLM_NB201_EDGES];
        archllm_nb201_ops_of_index(ops, i);
        archllm_nb201_to_cell(&cells[i], ops);
    }
    archllm_status s = archllm_train_set_from_cells(out, space, cells, split->train, split->n_train);
    free(cells);
    return s;
}

static void pct(char *out, size_t cap, double v)
{
    if (isfinite(v)) snprintf(out, cap, "%.2f%%", 100 * v);
    else snprintf(out, cap, "-");
}

int cmd_baseline(int argc, char **argv)
{
    static const struct option opts[] = {
        {"space", required_argument, NULL, 's'},          {"samples", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 'S'},           {"train-fraction", required_argument, NULL, 'f'},
        {"split", required_argument, NULL, 'p'},          {"out", required_argument, NULL, 'o'},
        CLI_CONFIG_LONG_OPTIONS,                          {NULL, 0, NULL, 0}};
    const char *space_opt = NULL, *seed_opt = NULL, *split_opt = NULL, *out_opt = NULL;
    long sizes[MAX_SIZES] = {1000, 10000};
    int nsizes = 2, c, handled, rc;
    double train_fraction = 0.9;
    cli_config_opts copts = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:n:S:f:p:o:", opts, NULL)) != -1) {
        if ((handled = cli_config_option(&copts, c, optarg)) < 0) return CLI_EXIT_USAGE;
        if (handled) continue;
        switch (c) {
        case 's': space_opt = optarg; break;
        case 'n':
            if (parse_sizes(optarg, sizes, &nsizes))
                return cli_error(CLI_EXIT_USAGE, "--samples: expected comma-separated counts in 1..100000000, got '%s'",
                                 optarg);
            break;
        case 'S': seed_opt = optarg; break;
        case 'f': {
            char *end;
            train_fraction = strtod(optarg, &end);
            if (end == optarg || *end || !(train_fraction >= 0 && train_fraction <= 1))
                return cli_error(CLI_EXIT_USAGE, "--train-fraction: expected a number in [0, 1], got '%s'", optarg);
            break;
        }
        case 'p': split_opt = optarg; break;
        case 'o': out_opt = optarg; break;
        default: return cli_usage("baseline", CLI_EXIT_USAGE);
        }
    }
    if (optind < argc) return cli_usage("baseline", CLI_EXIT_USAGE);
    if (!space_opt) return cli_error(CLI_EXIT_USAGE, "baseline: --space nb101|nb201 is required");
    archllm_space space;
    if (strcmp(space_opt, "nb201") == 0) space = ARCHLLM_SPACE_NB201;
    else if (strcmp(space_opt, "nb101") == 0) space = ARCHLLM_SPACE_NB101;
    else return cli_error(CLI_EXIT_USAGE, "--space: expected nb101 or nb201, got '%s'", space_opt);
    archllm_config cfg;
    if ((rc = cli_config_load(&cfg, &copts))) return rc;
    uint64_t seed = (uint64_t)cfg.experiment.seed;
    if (seed_opt) {
        char *end;
        unsigned long long x = strtoull(seed_opt, &end, 10);
        if (end == seed_opt || *end || seed_opt[0] == '-')
            return cli_error(CLI_EXIT_USAGE, "--seed: expected a non-negative integer, got '%s'", seed_opt);
        seed = x;
    }
    char outdir[4096];
    if (out_opt) snprintf(outdir, sizeof outdir, "%s", out_opt);
    else archllm_config_output_dir(&cfg, outdir, sizeof outdir);

    archllm_nb101_space s101 = {0};
    archllm_status st = ARCHLLM_OK;
    if (space == ARCHLLM_SPACE_NB101 && (st = archllm_nb101_space_cached(&s101, 0)) != ARCHLLM_OK)
        return cli_status(st, "enumerating NAS-Bench-101");
    size_t space_n = space == ARCHLLM_SPACE_NB101 ? s101.n : ARCHLLM_NB201_SIZE;
    archllm_split split = {0};
    if (split_opt) {
        st = archllm_split_load(&split, split_opt);
        if (st == ARCHLLM_OK && split.n != space_n)
            st = archllm_fail(ARCHLLM_EINVAL, "split of %zu cells, but %s has %zu", split.n, space_opt, space_n);
        if (st != ARCHLLM_OK) {
            archllm_split_free(&split);
            archllm_nb101_space_free(&s101);
            return cli_status(st, split_opt);
        }
    } else if ((st = archllm_split_make(&split, space_n, train_fraction, seed)) != ARCHLLM_OK) {
        archllm_nb101_space_free(&s101);
        return cli_status(st, "making the split");
    }
    archllm_hashset *train = NULL;
    st = train_set(&train, space, &s101, &split);

    archllm_baseline_kind kinds[2] = {ARCHLLM_BASELINE_UNIFORM_SPACE, ARCHLLM_BASELINE_RANDOM_GRAPH};
    int nkinds = space == ARCHLLM_SPACE_NB101 ? 2 : 1;
    archllm_genmetrics_record rec[2 * MAX_SIZES];
    int nrec = 0;
    long maxn = 0;
    for (int i = 0; i < nsizes; i++) maxn = sizes[i] > maxn ? sizes[i] : maxn;
    archllm_cell *cells = st == ARCHLLM_OK ? malloc((size_t)maxn * sizeof *cells) : NULL;
    if (st == ARCHLLM_OK && !cells) st = archllm_fail(ARCHLLM_ENOMEM, "%ld cells", maxn);
    for (int k = 0; k < nkinds && st == ARCHLLM_OK; k++)
        for (int i = 0; i < nsizes && st == ARCHLLM_OK; i++) {
            archllm_genmetrics_record *r = &rec[nrec];
            memset(r, 0, sizeof *r);
            snprintf(r->method, sizeof r->method, "%s", archllm_baseline_name(kinds[k]));
            r->temperature = NAN;
            r->seed = seed;
            st = archllm_baseline_sample(cells, (size_t)sizes[i], space, kinds[k], &s101, seed);
            if (st == ARCHLLM_OK) st = archllm_genmetrics_compute(&r->m, space, cells, (size_t)sizes[i], train, NULL);
            if (st == ARCHLLM_OK) nrec++;
        }
    free(cells);
    archllm_hashset_free(train);
    archllm_nb101_space_free(&s101);
    size_t n_train = split.n_train;
    archllm_split_free(&split);
    if (st != ARCHLLM_OK) return cli_status(st, "baseline");

    printf("%s baselines, seed %llu; novelty against a training split of %zu of %zu cells (%s)\n", space_opt,
           (unsigned long long)seed, n_train, space_n, split_opt ? split_opt : "seeded split, same seed");
    if (space == ARCHLLM_SPACE_NB101)
        printf("uniform-space: iid uniform over the 423,624 enumerated cells; random-graph: 7 vertices, each\n"
               "upper-triangular edge with probability 1/2, interior ops uniform (can be invalid)\n");
    else
        printf("uniform-space: iid uniform over the 15,625 cells\n");
    printf("%-14s %8s %9s %10s %8s %12s %12s %10s\n", "method", "N", "validity", "uniqueness", "novelty",
           "valid+uniq", "v+u+novel", "iid limit");
    for (int i = 0; i < nrec; i++) {
        const archllm_genmetrics *m = &rec[i].m;
        char a[16], b[16], c2[16], d[16], e[16], f[16];
        pct(a, sizeof a, m->validity);
        pct(b, sizeof b, m->uniqueness);
        pct(c2, sizeof c2, m->novelty);
        pct(d, sizeof d, m->valid_unique);
        pct(e, sizeof e, m->valid_unique_novel);
        pct(f, sizeof f, m->iid_unique_limit);
        printf("%-14s %8zu %9s %10s %8s %12s %12s %10s\n", rec[i].method, m->generated, a, b, c2, d, e, f);
    }
    if ((st = archllm_mkdirs(outdir)) != ARCHLLM_OK) return cli_status(st, outdir);
    char path[4200];
    snprintf(path, sizeof path, "%s/baseline-%s.json", outdir, space_opt);
    if ((st = archllm_genmetrics_save_json(path, rec, (size_t)nrec)) != ARCHLLM_OK) return cli_status(st, path);
    snprintf(path, sizeof path, "%s/baseline-%s.csv", outdir, space_opt);
    if ((st = archllm_genmetrics_save_csv(path, rec, (size_t)nrec)) != ARCHLLM_OK) return cli_status(st, path);
    printf("wrote %s/baseline-%s.json, %s/baseline-%s.csv\n", outdir, space_opt, outdir, space_opt);
    return CLI_EXIT_OK;
}
