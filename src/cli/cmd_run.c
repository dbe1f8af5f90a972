/* cmd_run.c - `archllm run CONFIG`: the experiment's stages (src/pipeline/experiment.c,
 * through the public archllm_experiment_* API), their events rendered: run's own lines,
 * a bar with ETA on a terminal or a step line every 10 s otherwise, every event of a
 * stage as a plain line in <out>/logs/STAGE.log, then the summary and index.html. */
#include "config.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "util/fileio.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_tail(const char *path, int lines)
{
    char *text = NULL;
    size_t len = 0;
    if (archllm_read_file(path, &text, &len) != ARCHLLM_OK) return;
    size_t i = len;
    int nl = 0;
    while (i > 0 && nl <= lines)
        if (text[--i] == '\n') nl++;
    if (i > 0) i++;
    fprintf(stderr, "--- last lines of %s ---\n%.*s", path, (int)(len - i), text + i);
    if (len && text[len - 1] != '\n') fputc('\n', stderr);
    free(text);
}

int cmd_run(int argc, char **argv)
{
    cli_config_opts co = {0};
    archllm_experiment_options eo = {.command = cli_command_line()};
    const char *only = NULL;
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             CLI_PROGRESS_LONG_OPTION,
                                             {"redo", no_argument, NULL, 'r'},
                                             {"device", required_argument, NULL, 'd'},
                                             {"stages", required_argument, NULL, 's'},
                                             {"plain", no_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:s:prh", longopts, NULL)) != -1) {
        int r = cli_stage_option(&co, &mode, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': eo.device = optarg; break;
        case 's': only = optarg; break;
        case 'p': mode = CLI_PROGRESS_PLAIN; break;
        case 'r': eo.redo = 1; break;
        case 'h': return cli_usage("run", CLI_EXIT_OK);
        default: return cli_usage("run", CLI_EXIT_USAGE);
        }
    }
    int rc = cli_config_positional(&co, argc, argv, "run");
    if (rc != CLI_EXIT_OK) return rc;
    if (!eo.device) eo.device = getenv("ARCHLLM_DEVICE");
    eo.sets = co.sets;
    eo.n_sets = co.nsets;

    /* the stages asked for, checked before any work; they run in the pipeline's order */
    archllm_stage stages[ARCHLLM_STAGE_COUNT];
    int n = 0, want[ARCHLLM_STAGE_COUNT] = {0};
    if (only) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", only);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            archllm_stage k;
            archllm_status ps = archllm_stage_parse(&k, tok);
            if (ps != ARCHLLM_OK) return cli_status(ps, "run");
            want[k] = 1;
        }
        for (int k = 0; k < ARCHLLM_STAGE_COUNT; k++)
            if (want[k]) stages[n++] = (archllm_stage)k;
    }

    cli_render r;
    cli_render_init(&r, mode, stdout);
    r.brief = 1;
    r.prefix = "run: ";
    archllm_events ev = cli_render_events(&r);
    archllm_experiment *e;
    archllm_status s = archllm_experiment_open(&e, co.path, &eo, &ev);
    if (s != ARCHLLM_OK) return cli_status(s, "run");
    if (!only) n = archllm_experiment_stages(e, stages);
    char logs[ARCHLLM_CONFIG_PATH_MAX + 128];
    snprintf(logs, sizeof logs, "%s/logs", archllm_experiment_dir(e));
    if ((s = archllm_mkdirs(logs)) != ARCHLLM_OK) {
        rc = cli_status(s, "run");
        archllm_experiment_close(e);
        return rc;
    }
    r.log_dir = logs;
    if (r.mode != CLI_PROGRESS_JSONL) {
        printf("run: %s, output %s (logs in %s), stages:", co.path, archllm_experiment_dir(e), logs);
        for (int i = 0; i < n; i++) printf(" %s", archllm_stage_name(stages[i]));
        printf("\n");
        fflush(stdout);
    }

    cli_catch_stop_of(e);
    s = archllm_experiment_run(e, stages, n, &ev);
    cli_release_stop();
    cli_render_clear(&r);
    if (s != ARCHLLM_OK) { /* the failure before the summary, with the tail of the stage's log */
        archllm_stage k;
        const char *name = archllm_experiment_failed_stage(e, &k) ? archllm_stage_name(k) : "run";
        rc = cli_stage_exit(s, name);
        fprintf(stderr, "archllm: run: stage %s %s; rerun to resume\n", name, rc == 130 ? "interrupted" : "failed");
        char log[sizeof logs + 64];
        snprintf(log, sizeof log, "%s/%s.log", logs, name);
        if (rc != 130 && access(log, R_OK) == 0) print_tail(log, 15);
    }
    archllm_status rs = archllm_experiment_report(e, &ev);
    archllm_experiment_close(e);
    if (s != ARCHLLM_OK) return rc;
    return rs == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(rs, "run: index.html");
}
