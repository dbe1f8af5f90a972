/* cmd_train.c - `archllm train-vqvae CONFIG` and `archllm train-lm CONFIG [--init DIR]`:
 * the VQ-VAE and T5 training stages (src/pipeline/stage_vqvae.c, stage_lm.c) with their
 * events shown by the renderer.  Ctrl-C checkpoints and exits 130; --resume continues
 * exactly; --stop-after N stops (checkpointed) after step N and exits 0. */
#include "config.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "pipeline/stage.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

typedef archllm_status (*train_stage)(const archllm_stage_env *env, const archllm_train_opts *o);

static int train_command(int argc, char **argv, const char *name, train_stage stage, int takes_init)
{
    cli_config_opts co = {0};
    const char *device = NULL;
    archllm_train_opts o = {.stop_after = -1};
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             CLI_PROGRESS_LONG_OPTION,
                                             {"device", required_argument, NULL, 'd'},
                                             {"init", required_argument, NULL, 'i'},
                                             {"resume", no_argument, NULL, 'r'},
                                             {"stop-after", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, takes_init ? "d:i:rs:h" : "d:rs:h", longopts, NULL)) != -1) {
        int r = cli_stage_option(&co, &mode, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 'i':
            if (!takes_init) return cli_usage(name, CLI_EXIT_USAGE);
            o.init = optarg;
            break;
        case 'r': o.resume = 1; break;
        case 's': o.stop_after = atoi(optarg); break;
        case 'h': return cli_usage(name, CLI_EXIT_OK);
        default: return cli_usage(name, CLI_EXIT_USAGE);
        }
    }
    int rc = cli_config_positional(&co, argc, argv, name);
    if (rc != CLI_EXIT_OK) return rc;
    archllm_config cfg;
    if ((rc = cli_config_load(&cfg, &co)) != CLI_EXIT_OK) return rc;
    char dir[ARCHLLM_CONFIG_PATH_MAX + 64];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if ((rc = cli_lock_output(dir, name)) != CLI_EXIT_OK) return rc;
    archllm_ctx_t *ctx = NULL;
    if ((rc = cli_open_ctx(&ctx, device, &cfg)) != CLI_EXIT_OK) return rc;
    cli_render r;
    cli_render_init(&r, mode, stdout);
    archllm_events ev = cli_render_events(&r);
    archllm_stage_env env = {.cfg = &cfg, .dir = dir, .ctx = ctx, .ev = &ev, .stop = cli_catch_stop()};
    archllm_status s = stage(&env, &o);
    cli_release_stop();
    archllm_ctx_free(ctx);
    return cli_stage_exit(s, name);
}

int cmd_train_vqvae(int argc, char **argv) { return train_command(argc, argv, "train-vqvae", archllm_stage_vqvae, 0); }

int cmd_train_lm(int argc, char **argv) { return train_command(argc, argv, "train-lm", archllm_stage_lm, 1); }
