/* cmd_generate.c - `archllm generate CONFIG`: the generate stage (archllm_stage_generate in
 * src/pipeline/stage.h) with the config's settings and the command line's overrides,
 * into <output dir>/generate (locked) or --out DIR; its events rendered on stdout. */
#include "config.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "pipeline/stage.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_generate(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL, *out_opt = NULL, *sweep_opt = NULL;
    long samples = -1, top_k = -1, batch = -1, max_samples = -1;
    double temperature = -1, top_p = -1;
    int unique = 0, no_baselines = 0;
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             {"device", required_argument, NULL, 'd'},
                                             {"samples", required_argument, NULL, 'n'},
                                             {"temperature", required_argument, NULL, 't'},
                                             {"top-k", required_argument, NULL, 'k'},
                                             {"top-p", required_argument, NULL, 'p'},
                                             {"unique", no_argument, NULL, 'u'},
                                             {"max-samples", required_argument, NULL, 'M'},
                                             {"sweep", required_argument, NULL, 'w'},
                                             {"batch", required_argument, NULL, 'b'},
                                             {"no-baselines", no_argument, NULL, 'B'},
                                             {"out", required_argument, NULL, 'o'},
                                             CLI_PROGRESS_LONG_OPTION,
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "d:n:t:k:p:uM:w:b:Bo:h", longopts, NULL)) != -1) {
        int r = cli_stage_option(&co, &mode, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 'n':
            samples = strtol(optarg, &end, 10);
            if (*end || samples < 1 || samples > 100000000) return cli_error(CLI_EXIT_USAGE, "--samples: '%s'", optarg);
            break;
        case 't':
            temperature = strtod(optarg, &end);
            if (*end || !(temperature >= 0 && temperature <= 100))
                return cli_error(CLI_EXIT_USAGE, "--temperature: '%s'", optarg);
            break;
        case 'k':
            top_k = strtol(optarg, &end, 10);
            if (*end || top_k < 0) return cli_error(CLI_EXIT_USAGE, "--top-k: '%s'", optarg);
            break;
        case 'p':
            top_p = strtod(optarg, &end);
            if (*end || !(top_p > 0 && top_p <= 1)) return cli_error(CLI_EXIT_USAGE, "--top-p: '%s'", optarg);
            break;
        case 'u': unique = 1; break;
        case 'M':
            max_samples = strtol(optarg, &end, 10);
            if (*end || max_samples < 1) return cli_error(CLI_EXIT_USAGE, "--max-samples: '%s'", optarg);
            break;
        case 'w': sweep_opt = optarg; break;
        case 'b':
            batch = strtol(optarg, &end, 10);
            if (*end || batch < 8 || batch > 65536) return cli_error(CLI_EXIT_USAGE, "--batch: '%s' (8..65536)", optarg);
            break;
        case 'B': no_baselines = 1; break;
        case 'o': out_opt = optarg; break;
        case 'h': return cli_usage("generate", CLI_EXIT_OK);
        default: return cli_usage("generate", CLI_EXIT_USAGE);
        }
    }
    int prc = cli_config_positional(&co, argc, argv, "generate");
    if (prc != CLI_EXIT_OK) return prc;
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    archllm_generate_opts o = archllm_generate_opts_from_config(&cfg);
    if (samples > 0) o.samples = (size_t)samples;
    if (temperature >= 0) o.temperature = temperature;
    if (top_k >= 0) o.top_k = (int)top_k;
    if (top_p > 0) o.top_p = top_p;
    o.unique = unique;
    if (max_samples > 0) o.max_samples = (size_t)max_samples;
    if (sweep_opt) o.sweep = sweep_opt;
    if (batch > 0) o.batch = (int)batch;
    if (no_baselines) o.baselines = 0;
    o.out = out_opt;
    double temps[ARCHLLM_GENERATE_SWEEP_MAX];
    int nsweep = 0;
    if (archllm_generate_sweep_parse(o.sweep, temps, &nsweep) != ARCHLLM_OK || (sweep_opt && nsweep < 1))
        return cli_error(CLI_EXIT_USAGE, "--sweep: expected temperatures like 0.5,1.0,1.5, got '%s'", o.sweep);

    char dir[ARCHLLM_CONFIG_PATH_MAX + 64];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if (!out_opt && (rc = cli_lock_output(dir, "generate")) != CLI_EXIT_OK) return rc;
    archllm_ctx_t *ctx = NULL;
    rc = cli_open_ctx(&ctx, device, &cfg);
    if (rc != CLI_EXIT_OK) return rc;
    cli_render r;
    cli_render_init(&r, mode, stdout);
    archllm_events ev = cli_render_events(&r);
    archllm_stage_env env = {.cfg = &cfg, .dir = dir, .ctx = ctx, .ev = &ev, .stop = NULL};
    archllm_status s = archllm_stage_generate(&env, &o);
    archllm_ctx_free(ctx);
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "generate");
}
