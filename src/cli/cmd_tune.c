/* cmd_tune.c - `archllm tune`: measure the tunables of our own kernels on the selected device
 * (src/ops/autotune.c) and store the winners in its tuning file (src/backend/tuning.c),
 * which every later context on that device and driver reads.  CLBlast's own parameters
 * are not tuned here. */
#include "cli/cli.h"
#include "backend/backend.h"
#include "ops/autotune.h"
#include "util/clock.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void progress_line(void *user, const char *line)
{
    (void)user;
    printf("%s\n", line);
    fflush(stdout);
}

int cmd_tune(int argc, char **argv)
{
    static const struct option opts[] = {{"device", required_argument, NULL, 'd'},
                                         {"budget", required_argument, NULL, 'b'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         CLI_CONFIG_LONG_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    const char *device_opt = NULL;
    cli_config_opts copts = {0};
    archllm_autotune_params p = archllm_autotune_default_params();
    int c, handled, dry = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
        if (c == 'd') device_opt = optarg;
        else if (c == 'n') dry = 1;
        else if (c == 'b') {
            char *end;
            p.budget_s = strtod(optarg, &end);
            if (*end || !(p.budget_s > 0))
                return cli_error(CLI_EXIT_USAGE, "--budget: a number of seconds above 0, not '%s'", optarg);
        } else if ((handled = cli_config_option(&copts, c, optarg)) < 0) return CLI_EXIT_USAGE;
        else if (!handled) return cli_usage("tune", CLI_EXIT_USAGE);
    }
    if (optind < argc) return cli_usage("tune", CLI_EXIT_USAGE);
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &copts);
    if (rc) return rc;

    /* measure from the defaults, whatever a stored (or stale) file says, and without the
     * "not tuned" notice */
    setenv("ARCHLLM_TUNE", "off", 1);
    archllm_ctx_t *ctx;
    if ((rc = cli_open_ctx(&ctx, device_opt, &cfg))) return rc;
    const archllm_device_info *info = archllm_ctx_device(ctx);
    char path[4096];
    if (!dry && !archllm_tuning_path(info, path, sizeof path)) {
        archllm_ctx_free(ctx);
        return cli_error(CLI_EXIT_FAILURE, "no folder for the tuning file (set ARCHLLM_CACHE_DIR or "
                                           "ARCHLLM_TUNING_FILE; ARCHLLM_NO_CACHE=1 disables the cache folder)");
    }
    printf("tuning %s (%s, driver %s), budget %.0f s\n", info->name, info->platform_name, info->driver_version,
           p.budget_s);
    fflush(stdout);
    p.progress = progress_line;
    archllm_autotune_row rows[ARCHLLM_TUNE_COUNT];
    double t0 = archllm_now_s();
    archllm_status s = archllm_autotune(ctx, &p, rows);
    if (s != ARCHLLM_OK) {
        rc = cli_status(s, "tuning");
        archllm_ctx_free(ctx);
        return rc;
    }
    char table[8192];
    archllm_autotune_table(rows, table, sizeof table);
    printf("\n%s", table);
    double secs = archllm_now_s() - t0;
    if (dry) {
        printf("tuned in %.1f s; --dry-run: nothing written\n", secs);
    } else {
        char notes[8192 + 128];
        snprintf(notes, sizeof notes, "measured in %.1f s with a budget of %.0f s:\n%s", secs, p.budget_s, table);
        s = archllm_tuning_save(path, info, &ctx->tuning, notes);
        if (s != ARCHLLM_OK) {
            rc = cli_status(s, "writing the tuning file");
            archllm_ctx_free(ctx);
            return rc;
        }
        printf("tuned in %.1f s; wrote %s\n", secs, path);
    }
    archllm_ctx_free(ctx);
    return CLI_EXIT_OK;
}
