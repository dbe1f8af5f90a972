/* cmd_tune.c - `archllm tune`: measure the tunables of our own kernels on the selected device
 * (src/ops/autotune.c), then CLBlast's parameters with CLBlast's own tuners and real GEMMs
 * (src/ops/autotune_clblast.c), and store the winners in its tuning file
 * (src/backend/tuning.c), which every later context on that device and driver reads.
 * `archllm tune --show` prints what a context on the device runs with now. */
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

/* --show: the tuning file a context read, our tunables and CLBlast's live parameters */
static int show(archllm_ctx_t *ctx)
{
    const archllm_device_info *info = archllm_ctx_device(ctx);
    const char *off = getenv("ARCHLLM_CLBLAST_TUNING");
    int clblast_off = off && strcmp(off, "0") == 0;
    printf("device %s (%s, driver %s)\n", info->name, info->platform_name, info->driver_version);
    printf("tuning file %s: %s\n", ctx->tuning_file[0] ? ctx->tuning_file : "(none)",
           ctx->tuned ? "read" : "not used (the defaults)");
    for (int k = 0; k < ARCHLLM_TUNE_COUNT; k++) {
        char v[32];
        archllm_tunable_format(k, archllm_tunable_get(&ctx->tuning, k), v, sizeof v);
        printf("%-12s %s\n", archllm_tunable_name(k), v);
    }
    for (int k = 0; k < ARCHLLM_CLB_COUNT; k++) {
        archllm_clblast_set now;
        char v[ARCHLLM_CLB_MAX_PARAMS * 48];
        archllm_status s = archllm_clblast_get(ctx->device, k, &now);
        if (s != ARCHLLM_OK) return cli_status(s, "reading CLBlast's parameters");
        archllm_clblast_format(&now, v, sizeof v);
        printf("clblast %-12s %s (%s)\n", archllm_clblast_kernel_name(k), v,
               !ctx->tuning.clblast[k].n ? "CLBlast's own"
               : clblast_off             ? "CLBlast's own: ARCHLLM_CLBLAST_TUNING=0"
                                         : "the tuning file's");
    }
    return CLI_EXIT_OK;
}

/* --only: the part not tuned starts from the stored file (a ctx opened with ARCHLLM_TUNE=off
 * holds the defaults), so that writing the winners keeps it. */
static void keep_stored(archllm_ctx_t *ctx, int parts)
{
    archllm_tuning stored = ctx->tuning;
    char path[4096];
    const char *other = parts == ARCHLLM_TUNE_PART_KERNELS ? "CLBlast's parameters" : "our kernels' values";
    archllm_status s = archllm_tuning_path(&ctx->info, path, sizeof path) ? archllm_tuning_read(ctx, path, &stored)
                                                                         : ARCHLLM_ENOTFOUND;
    if (s != ARCHLLM_OK) {
        printf("%s: the defaults (%s)\n", other,
               s == ARCHLLM_ENOTFOUND ? "no tuning file" : archllm_last_error());
        archllm_error_clear();
        return;
    }
    printf("%s: the tuning file's (%s)\n", other, path);
    if (parts == ARCHLLM_TUNE_PART_KERNELS) {
        memcpy(ctx->tuning.clblast, stored.clblast, sizeof stored.clblast);
        archllm_tuning_apply_clblast(ctx);
    } else {
        memcpy(stored.clblast, ctx->tuning.clblast, sizeof stored.clblast); /* CLBlast's tuner starts from its own */
        ctx->tuning = stored;
        archllm_ctx_reset_programs(ctx);
    }
}

int cmd_tune(int argc, char **argv)
{
    static const struct option opts[] = {{"device", required_argument, NULL, 'd'},
                                         {"budget", required_argument, NULL, 'b'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"only", required_argument, NULL, 'o'},
                                         {"show", no_argument, NULL, 's'},
                                         CLI_CONFIG_LONG_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    const char *device_opt = NULL;
    cli_config_opts copts = {0};
    double budget = archllm_autotune_default_params().budget_s;
    int c, handled, dry = 0, only_show = 0, parts = ARCHLLM_TUNE_PART_BOTH;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
        if (c == 'd') device_opt = optarg;
        else if (c == 'n') dry = 1;
        else if (c == 's') only_show = 1;
        else if (c == 'o') {
            if (strcmp(optarg, "kernels") == 0) parts = ARCHLLM_TUNE_PART_KERNELS;
            else if (strcmp(optarg, "clblast") == 0) parts = ARCHLLM_TUNE_PART_CLBLAST;
            else return cli_error(CLI_EXIT_USAGE, "--only: 'kernels' or 'clblast', not '%s'", optarg);
        }
        else if (c == 'b') {
            char *end;
            budget = strtod(optarg, &end);
            if (*end || !(budget > 0))
                return cli_error(CLI_EXIT_USAGE, "--budget: a number of seconds above 0, not '%s'", optarg);
        } else if ((handled = cli_config_option(&copts, c, optarg)) < 0) return CLI_EXIT_USAGE;
        else if (!handled) return cli_usage("tune", CLI_EXIT_USAGE);
    }
    if (optind < argc) return cli_usage("tune", CLI_EXIT_USAGE);
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &copts);
    if (rc) return rc;
    archllm_ctx_t *ctx;
    if (only_show) {
        if ((rc = cli_open_ctx(&ctx, device_opt, &cfg))) return rc;
        rc = show(ctx);
        archllm_ctx_free(ctx);
        return rc;
    }

    /* measure from the defaults, whatever a stored (or stale) file says, and without the
     * "not tuned" notice */
    setenv("ARCHLLM_TUNE", "off", 1);
    if ((rc = cli_open_ctx(&ctx, device_opt, &cfg))) return rc;
    const archllm_device_info *info = archllm_ctx_device(ctx);
    char path[4096];
    if (!dry && !archllm_tuning_path(info, path, sizeof path)) {
        archllm_ctx_free(ctx);
        return cli_error(CLI_EXIT_FAILURE, "no folder for the tuning file (set ARCHLLM_CACHE_DIR or "
                                           "ARCHLLM_TUNING_FILE; ARCHLLM_NO_CACHE=1 disables the cache folder)");
    }
    printf("tuning %s (%s, driver %s), budget %.0f s: %s\n", info->name, info->platform_name,
           info->driver_version, budget,
           parts == ARCHLLM_TUNE_PART_BOTH ? "our kernels, then CLBlast's" : parts == ARCHLLM_TUNE_PART_KERNELS ? "our kernels" : "CLBlast's");
    if (parts != ARCHLLM_TUNE_PART_BOTH) keep_stored(ctx, parts);
    fflush(stdout);
    archllm_autotune_row rows[ARCHLLM_TUNE_COUNT];
    archllm_clblast_report r;
    double t0 = archllm_now_s();
    archllm_status s = archllm_autotune_device(ctx, parts, budget, progress_line, NULL, rows, &r);
    if (s != ARCHLLM_OK) {
        rc = cli_status(s, "tuning");
        archllm_ctx_free(ctx);
        return rc;
    }
    double secs = archllm_now_s() - t0;
    static char table[16384];
    table[0] = '\0';
    if (parts & ARCHLLM_TUNE_PART_KERNELS) archllm_autotune_table(rows, table, sizeof table);
    size_t n = strlen(table);
    if (parts & ARCHLLM_TUNE_PART_CLBLAST) archllm_autotune_clblast_table(&r, table + n, sizeof table - n);
    printf("\n%s", table);
    double ours = secs - r.seconds;
    if (dry) {
        printf("tuned in %.1f s (our kernels %.1f s, CLBlast %.1f s); --dry-run: nothing written\n", secs, ours,
               r.seconds);
    } else {
        static char notes[sizeof table + 256];
        snprintf(notes, sizeof notes, "measured in %.1f s (our kernels %.1f s, CLBlast %.1f s) with a budget of %.0f s:\n%s",
                 secs, ours, r.seconds, budget, table);
        s = archllm_tuning_save(path, info, &ctx->tuning, notes);
        if (s != ARCHLLM_OK) {
            rc = cli_status(s, "writing the tuning file");
            archllm_ctx_free(ctx);
            return rc;
        }
        printf("tuned in %.1f s (our kernels %.1f s, CLBlast %.1f s); wrote %s\n", secs, ours, r.seconds, path);
    }
    archllm_ctx_free(ctx);
    return CLI_EXIT_OK;
}
