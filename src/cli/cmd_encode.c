/* cmd_encode.c - `archllm encode CONFIG`: the encode stage (archllm_stage_encode in
 * src/pipeline/stage.h) to stdout or, with --out, to a file in a locked experiment
 * folder; its progress and messages go to stderr, so stdout holds the codes only. */
#include "config.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "pipeline/stage.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_encode(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL, *ckpt_opt = NULL, *out = NULL;
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             {"device", required_argument, NULL, 'd'},
                                             {"checkpoint", required_argument, NULL, 'c'},
                                             {"out", required_argument, NULL, 'o'},
                                             CLI_PROGRESS_LONG_OPTION,
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:c:o:h", longopts, NULL)) != -1) {
        int r = cli_stage_option(&co, &mode, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 'c': ckpt_opt = optarg; break;
        case 'o': out = optarg; break;
        case 'h': return cli_usage("encode", CLI_EXIT_OK);
        default: return cli_usage("encode", CLI_EXIT_USAGE);
        }
    }
    int pos = cli_config_positional(&co, argc, argv, "encode");
    if (pos != CLI_EXIT_OK) return pos;
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    if (out && strcmp(out, "-") == 0) out = NULL;
    char dir[ARCHLLM_CONFIG_PATH_MAX + 64];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if (out && (rc = cli_lock_output(dir, "encode")) != CLI_EXIT_OK) /* a file, as `run` writes codes.jsonl */
        return rc;

    archllm_ctx_t *ctx = NULL;
    rc = cli_open_ctx(&ctx, device, &cfg);
    if (rc != CLI_EXIT_OK) return rc;
    cli_render r;
    cli_render_init(&r, mode, stderr);
    archllm_events ev = cli_render_events(&r);
    archllm_stage_env env = {.cfg = &cfg, .dir = dir, .ctx = ctx, .ev = &ev, .stop = NULL};
    archllm_status s = archllm_stage_encode(&env, ckpt_opt, out, stdout);
    archllm_ctx_free(ctx);
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "encode");
}
