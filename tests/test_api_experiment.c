/* test_api_experiment.c - a tiny experiment driven through the public API alone
 * (include/archllm.h, the shared library): every stage of conf/pipeline-tiny.cfg, cut
 * shorter, with the events it reports checked: each stage begins and ends once, training
 * stages count their steps up to the total with a loss, a stop request checkpoints and
 * a second run resumes, complete stages are skipped, and the report is written. */
#include <archllm.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures;

static void check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "ok  " : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!ok) failures++;
}

typedef struct {
    int  begins[ARCHLLM_STAGE_COUNT], ends[ARCHLLM_STAGE_COUNT];
    archllm_status end_status[ARCHLLM_STAGE_COUNT];
    long steps[ARCHLLM_STAGE_COUNT], last_step[ARCHLLM_STAGE_COUNT], total[ARCHLLM_STAGE_COUNT];
    int  backwards, lossless, run_lines, report_lines, report_title;
    archllm_experiment *stop_at_lm; /* stop the experiment at the lm stage's step 10 */
} seen;

static int stage_of(const char *name)
{
    archllm_stage s;
    return archllm_stage_parse(&s, name) == ARCHLLM_OK ? (int)s : -1;
}

static void on_begin(void *user, const char *stage, const char *what)
{
    seen *v = user;
    (void)what;
    int k = stage_of(stage);
    if (k >= 0) v->begins[k]++, v->last_step[k] = -1;
}

static void on_end(void *user, const char *stage, archllm_status status, double seconds)
{
    seen *v = user;
    (void)seconds;
    int k = stage_of(stage);
    if (k >= 0) v->ends[k]++, v->end_status[k] = status;
}

static void on_step(void *user, const char *stage, long step, long total, const archllm_metric *m, int n)
{
    seen *v = user;
    int k = stage_of(stage);
    if (k < 0) return;
    if (step < v->last_step[k]) v->backwards++;
    v->last_step[k] = step;
    v->total[k] = total;
    v->steps[k]++;
    if (n > 0 && (k == ARCHLLM_STAGE_VQVAE || k == ARCHLLM_STAGE_LM) && strcmp(m[0].name, "loss") != 0) v->lossless++;
    if (k == ARCHLLM_STAGE_LM && step >= 10 && v->stop_at_lm) {
        archllm_experiment_stop(v->stop_at_lm);
        v->stop_at_lm = NULL;
    }
}

static void on_message(void *user, const char *stage, archllm_message_level level, const char *text)
{
    seen *v = user;
    (void)level;
    if (strcmp(stage, "run") == 0) v->run_lines++;
    if (strcmp(stage, "report") == 0) {
        v->report_lines++;
        if (strstr(text, "== archllm run")) v->report_title++;
    }
}

static int exists(const char *dir, const char *name)
{
    char p[1024];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

int main(void)
{
    const char *src = getenv("ARCHLLM_SRCDIR") ? getenv("ARCHLLM_SRCDIR") : ".";
    char cfg[1024], out[1024], data[1024];
    snprintf(cfg, sizeof cfg, "%s/conf/pipeline-tiny.cfg", src);
    snprintf(data, sizeof data, "%s/data", src);
    setenv("ARCHLLM_DATA_DIR", data, 0); /* the NB201 table, as an installed copy would be found */
    snprintf(out, sizeof out, "test_api_experiment.d");
    char set_out[1100];
    snprintf(set_out, sizeof set_out, "experiment.output_dir=%s", out);
    const char *sets[] = {set_out, "vqvae.steps=40", "lm.steps=30", "lm.log_every=5", "generate.samples=300",
                          "generate.sweep=", "generate.baselines=false", "search.methods=evolution,random",
                          "search.queries=10"};
    archllm_experiment_options o = {.sets = sets, .n_sets = (int)(sizeof sets / sizeof *sets),
                                    .command = "test_api_experiment"};
    if (system("rm -rf test_api_experiment.d") != 0) return 1;

    archllm_device_info info[4];
    int ndev = 0;
    if (archllm_devices_list(info, 4, &ndev) != ARCHLLM_OK || ndev == 0) {
        printf("SKIP: no OpenCL device\n");
        return getenv("ARCHLLM_REQUIRE_DEVICE") ? 1 : 77;
    }

    /* a bad override is named */
    const char *bad[] = {"vqvae.codebok_size=8"};
    archllm_experiment_options ob = {.sets = bad, .n_sets = 1};
    archllm_experiment *e = NULL;
    archllm_status s = archllm_experiment_open(&e, cfg, &ob, NULL);
    check(s == ARCHLLM_ECONFIG && strstr(archllm_last_error(), "codebok_size") && !e, "a bad key is an ECONFIG naming it (%s)",
          archllm_last_error());

    /* first run: stopped in the lm stage */
    seen v;
    memset(&v, 0, sizeof v);
    archllm_events ev = {.user = &v, .stage_begin = on_begin, .stage_end = on_end, .step = on_step,
                         .message = on_message};
    s = archllm_experiment_open(&e, cfg, &o, &ev);
    check(s == ARCHLLM_OK, "open %s (%s)", cfg, s == ARCHLLM_OK ? archllm_experiment_dir(e) : archllm_last_error());
    if (s != ARCHLLM_OK) return 1;
    archllm_stage st[ARCHLLM_STAGE_COUNT];
    int n = archllm_experiment_stages(e, st);
    check(n == ARCHLLM_STAGE_COUNT, "the config lists all %d stages (%d)", ARCHLLM_STAGE_COUNT, n);
    v.stop_at_lm = e;
    s = archllm_experiment_run(e, st, n, &ev);
    check(s == ARCHLLM_EINTERRUPTED, "a stop request interrupts the lm stage (%s)", archllm_status_string(s));
    archllm_stage failed;
    check(archllm_experiment_failed_stage(e, &failed) && failed == ARCHLLM_STAGE_LM, "the failed stage is lm");
    archllm_stage bogus[1] = {(archllm_stage)99};
    check(archllm_experiment_run(e, bogus, 1, &ev) == ARCHLLM_EINVAL, "a stage outside the enum is EINVAL");
    for (int k = 0; k <= ARCHLLM_STAGE_LM; k++)
        check(v.begins[k] == 1 && v.ends[k] == 1, "%s: one begin and one end (%d, %d)",
              archllm_stage_name((archllm_stage)k), v.begins[k], v.ends[k]);
    check(v.end_status[ARCHLLM_STAGE_LM] == ARCHLLM_EINTERRUPTED, "lm ends interrupted");
    check(v.begins[ARCHLLM_STAGE_GENERATE] == 0, "nothing runs after the interrupted stage");
    check(v.last_step[ARCHLLM_STAGE_VQVAE] == 40 && v.total[ARCHLLM_STAGE_VQVAE] == 40,
          "vqvae: steps up to 40 of 40 (last %ld of %ld)", v.last_step[ARCHLLM_STAGE_VQVAE],
          v.total[ARCHLLM_STAGE_VQVAE]);
    check(v.last_step[ARCHLLM_STAGE_LM] >= 10 && v.last_step[ARCHLLM_STAGE_LM] < 30, "lm stopped at step %ld of 30",
          v.last_step[ARCHLLM_STAGE_LM]);
    check(exists(out, "t5-checkpoint.safetensors") && !exists(out, "t5/model.safetensors"),
          "the stop left a checkpoint and no model");
    archllm_experiment_close(e);

    /* second run: resumes lm, runs generate and search, skips the rest */
    memset(&v, 0, sizeof v);
    s = archllm_experiment_open(&e, cfg, &o, &ev);
    check(s == ARCHLLM_OK, "open again (%s)", s == ARCHLLM_OK ? "ok" : archllm_last_error());
    if (s != ARCHLLM_OK) return 1;
    s = archllm_experiment_run(e, st, n, &ev);
    check(s == ARCHLLM_OK, "second run (%s)", s == ARCHLLM_OK ? "ok" : archllm_last_error());
    check(v.begins[ARCHLLM_STAGE_DATASET] + v.begins[ARCHLLM_STAGE_VQVAE] + v.begins[ARCHLLM_STAGE_ENCODE] == 0,
          "complete stages are skipped");
    for (int k = ARCHLLM_STAGE_LM; k < ARCHLLM_STAGE_COUNT; k++)
        check(v.begins[k] == 1 && v.ends[k] == 1 && v.end_status[k] == ARCHLLM_OK, "%s ran to the end",
              archllm_stage_name((archllm_stage)k));
    check(v.last_step[ARCHLLM_STAGE_LM] == 30 && v.steps[ARCHLLM_STAGE_LM] >= 2,
          "lm resumed and reached step 30 (%ld step events)", v.steps[ARCHLLM_STAGE_LM]);
    check(v.backwards == 0 && v.lossless == 0, "steps never go back, training steps lead with the loss");
    check(v.run_lines >= n, "one run line per stage at least (%d)", v.run_lines);
    for (int k = 0; k < ARCHLLM_STAGE_COUNT; k++) {
        const char *note;
        check(archllm_experiment_stage_state(e, (archllm_stage)k, &note) == ARCHLLM_STAGE_COMPLETE, "%s is complete",
              archllm_stage_name((archllm_stage)k));
    }
    s = s == ARCHLLM_OK ? archllm_experiment_report(e, &ev) : s;
    check(s == ARCHLLM_OK && v.report_title == 1 && v.report_lines > 10 && exists(out, "index.html"),
          "the report: %d lines and index.html", v.report_lines);
    archllm_experiment_close(e);
    if (system("rm -rf test_api_experiment.d") != 0) failures++;
    printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
