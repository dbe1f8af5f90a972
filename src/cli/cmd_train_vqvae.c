/* cmd_train_vqvae.c - `archllm train-vqvae CONFIG`: the VQ-VAE training stage
 * (src/pipeline/stage_vqvae.c) on the configured search space, with its events shown
 * by the renderer.  Ctrl-C checkpoints and exits 130; --resume continues exactly. */
#include "config.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "pipeline/stage.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_train_vqvae(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL;
    archllm_train_opts o = {.stop_after = -1};
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             CLI_PROGRESS_LONG_OPTION,
                                             {"device", required_argument, NULL, 'd'},
                                             {"resume", no_argument, NULL, 'r'},
                                             {"stop-after", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:rs:h", longopts, NULL)) != -1) {
        int r = cli_config_option(&co, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case CLI_OPT_PROGRESS:
            if (cli_progress_parse(optarg, &mode)) return CLI_EXIT_USAGE;
            break;
        case 'd': device = optarg; break;
        case 'r': o.resume = 1; break;
        case 's': o.stop_after = atoi(optarg); break;
        case 'h': return cli_usage("train-vqvae", CLI_EXIT_OK);
        default: return cli_usage("train-vqvae", CLI_EXIT_USAGE);
        }
    }
    int rc = cli_config_positional(&co, argc, argv, "train-vqvae");
    if (rc != CLI_EXIT_OK) return rc;
    archllm_config cfg;
    if ((rc = cli_config_load(&cfg, &co)) != CLI_EXIT_OK) return rc;
    char dir[ARCHLLM_CONFIG_PATH_MAX + 64];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if ((rc = cli_lock_output(dir, "train-vqvae")) != CLI_EXIT_OK) return rc;
    archllm_ctx_t *ctx = NULL;
    if ((rc = cli_open_ctx(&ctx, device, &cfg)) != CLI_EXIT_OK) return rc;
    cli_render r;
    cli_render_init(&r, mode, stdout);
    archllm_events ev = cli_render_events(&r);
    archllm_stage_env env = {.cfg = &cfg, .dir = dir, .ctx = ctx, .ev = &ev, .stop = cli_catch_stop()};
    archllm_status s = archllm_stage_vqvae(&env, &o);
    cli_release_stop();
    archllm_ctx_free(ctx);
    return cli_stage_exit(s, "train-vqvae");
}
