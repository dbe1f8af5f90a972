/* cmd_search.c - `archllm search`: NAS under a query budget against the benchmark tables
 * (NB201: data/nb201_accuracy.csv; NB101: the user's official tfrecord), over many
 * seeds, for each method asked for.  The options, the NB201 table's place, the lock on
 * the experiment folder and the device (opened only when a method needs one) are here;
 * the search, its tables and files are the library's search stage (stage_search.c). */
#include "config.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "pipeline/stage.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_count(const char *opt, const char *arg, long lo, long hi, long *v)
{
    char *end;
    long x = strtol(arg, &end, 10);
    if (end == arg || *end || x < lo || x > hi)
        return cli_error(CLI_EXIT_USAGE, "%s: expected an integer in %ld..%ld, got '%s'", opt, lo, hi, arg);
    *v = x;
    return CLI_EXIT_OK;
}

int cmd_search(int argc, char **argv)
{
    static const struct option opts[] = {
        {"space", required_argument, NULL, 's'},       {"method", required_argument, NULL, 'm'},
        {"dataset", required_argument, NULL, 'd'},     {"queries", required_argument, NULL, 'q'},
        {"seeds", required_argument, NULL, 'n'},       {"seed", required_argument, NULL, 'S'},
        {"population", required_argument, NULL, 'P'},  {"sample-size", required_argument, NULL, 'T'},
        {"out", required_argument, NULL, 'o'},         {"nb201-table", required_argument, NULL, 't'},
        {"nb101-data", required_argument, NULL, 'D'},  CLI_PROGRESS_LONG_OPTION,
        CLI_CONFIG_LONG_OPTIONS,                       {NULL, 0, NULL, 0}};
    const char *space_opt = NULL, *method_opt = "random,evolution", *dataset_opt = "cifar10", *out_opt = NULL;
    const char *table_opt = NULL, *data_opt = NULL, *seed_opt = NULL;
    long queries = -1, nseeds = -1, population = -1, sample_size = -1; /* -1: the config's, or the default */
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    cli_config_opts copts = {0};
    int c, handled, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:m:d:q:n:S:P:T:o:t:D:", opts, NULL)) != -1) {
        if ((handled = cli_stage_option(&copts, &mode, c, optarg)) < 0) return CLI_EXIT_USAGE;
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
            if ((rc = parse_count("--population", optarg, 1, 100000, &population))) return rc;
            break;
        case 'T':
            if ((rc = parse_count("--sample-size", optarg, 1, 100000, &sample_size))) return rc;
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
    if (space == ARCHLLM_SPACE_NB101 && !data_opt)
        return cli_error(CLI_EXIT_USAGE, "--space nb101 needs --nb101-data FILE (the official "
                                         "nasbench_only108.tfrecord or nasbench_full.tfrecord)");

    archllm_config cfg;
    if ((rc = cli_config_load(&cfg, &copts))) return rc;
    /* the config's queries, seeds and seed; the command's own default methods and dataset */
    archllm_search_opts o = archllm_search_opts_from_config(&cfg);
    o.space = space;
    o.methods = method_opt;
    o.datasets = dataset_opt;
    if (queries > 0) o.queries = (size_t)queries;
    if (nseeds > 0) o.seeds = (size_t)nseeds;
    if (population > 0) o.evolution.population = (size_t)population;
    if (sample_size > 0) o.evolution.sample_size = (size_t)sample_size;
    if (seed_opt) {
        char *end;
        unsigned long long x = strtoull(seed_opt, &end, 10);
        if (end == seed_opt || *end || seed_opt[0] == '-')
            return cli_error(CLI_EXIT_USAGE, "--seed: expected a non-negative integer, got '%s'", seed_opt);
        o.seed = x;
    }
    o.out = out_opt;
    o.nb101_data = data_opt;
    char table[4096];
    if (space == ARCHLLM_SPACE_NB201) {
        if (!cli_find_data_file(table, sizeof table, table_opt, "nb201_accuracy.csv"))
            return cli_error(CLI_EXIT_USAGE, "no nb201_accuracy.csv found: give --nb201-table FILE or set "
                                             "ARCHLLM_DATA_DIR");
        o.nb201_table = table;
    }
    int needs_device;
    archllm_status st = archllm_search_check(&cfg, &o, &needs_device);
    if (st != ARCHLLM_OK) return cli_status(st, "search");

    char dir[4096];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if (!out_opt && (rc = cli_lock_output(dir, "search")) != CLI_EXIT_OK) return rc; /* the experiment folder */
    archllm_ctx_t *ctx = NULL;
    if (needs_device && (rc = cli_open_ctx(&ctx, NULL, &cfg)) != CLI_EXIT_OK) return rc;
    cli_render r;
    cli_render_init(&r, mode, stdout);
    archllm_events ev = cli_render_events(&r);
    archllm_stage_env env = {.cfg = &cfg, .dir = dir, .ctx = ctx, .ev = &ev, .stop = NULL};
    st = archllm_stage_search(&env, &o);
    archllm_ctx_free(ctx);
    return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "search");
}
