/* cmd_run.c - `archllm run CONFIG`: the whole Arch-LLM path as stages
 *   dataset   <out>/dataset.jsonl              archllm dataset SPACE
 *   vqvae     <out>/vqvae-metrics.json         archllm train-vqvae --resume
 *   encode    <out>/codes.jsonl (or lm.data)   archllm encode
 *   lm        <out>/t5/model.safetensors       archllm train-lm --resume
 *   generate  <out>/generate/metrics.json      archllm generate
 *   search    <out>/search-nb201-<ds>-summary.json   archllm search --method search.methods
 * each run in-process through the stage command's entry function with its output in
 * <out>/logs/<stage>.log.  A stage whose final artefact exists is skipped; an interrupted
 * training stage resumes from its checkpoint.  Progress: a bar with ETA (from the
 * stage's "step S/T" lines) on a terminal, plain lines otherwise.  At the end: a summary
 * table on stdout and <out>/index.html (metrics tables and the SVG plots inline). */
#include "config.h"
#include "cli/cli.h"
#include "io/report.h"
#include "io/svg.h"
#include "search/search.h"
#include "util/fileio.h"
#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 160
#define PATH_CAP (ARCHLLM_CONFIG_PATH_MAX + 256)

static const char *const stage_names[] = {"dataset", "vqvae", "encode", "lm", "generate", "search"};
enum { N_STAGES = 6 };

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static void fmt_dur(char *buf, size_t cap, double s)
{
    if (!(s >= 0) || s > 1e7) snprintf(buf, cap, "?");
    else if (s >= 3600) snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60) snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, cap, "%.1fs", s);
}

/* ---- progress: a thread reads the stage's log for "step S/T" ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    int             stop;
    FILE           *term; /* the terminal (or whatever stdout was) */
    int             tty;
    const char     *log, *stage;
    long            log_from; /* the log's size when the stage started: earlier runs' lines */
    int             index, count;
    double          t0, last_plain;
    long            s0;       /* the first step seen (a resumed stage starts past 0) */
    double          t_s0;     /* and when */
} progress;

/* the last "step S/T" in the log's tail after offset from; 0 if none */
static int log_step(const char *path, long from, long *s, long *t)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char buf[8192];
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long off = size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0;
    if (off < from) off = from;
    fseek(f, off, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    int found = 0;
    for (char *p = buf; (p = strstr(p, "step ")); p += 5) {
        long a, b;
        if (sscanf(p, "step %ld/%ld", &a, &b) == 2 && b > 0) *s = a, *t = b, found = 1;
    }
    return found;
}

static void progress_draw(progress *p, int final)
{
    long s = 0, t = 0;
    double el = archllm_now_s() - p->t0;
    int has = log_step(p->log, p->log_from, &s, &t);
    char e[32], eta[32] = "";
    fmt_dur(e, sizeof e, el);
    double frac = has ? (double)s / (double)t : -1;
    if (has && p->s0 < 0) p->s0 = s, p->t_s0 = el;
    /* the rate since the first step seen, so that a resumed stage's ETA is not too short */
    if (has && s > p->s0 && el > p->t_s0) fmt_dur(eta, sizeof eta, (t - s) * (el - p->t_s0) / (double)(s - p->s0));
    int known = eta[0] != 0;
    if (p->tty) {
        char bar[32];
        int w = 24, k = has ? (int)(frac * w + 0.5) : 0;
        for (int i = 0; i < w; i++) bar[i] = has ? (i < k ? '#' : '-') : (i == ((int)(el * 4) % w) ? '*' : ' ');
        bar[w] = 0;
        if (has)
            fprintf(p->term, "\r\033[K[%d/%d] %-8s [%s] %3.0f%% step %ld/%ld  %s elapsed  ETA %s", p->index, p->count,
                    p->stage, bar, 100 * frac, s, t, e, known ? eta : "?");
        else
            fprintf(p->term, "\r\033[K[%d/%d] %-8s [%s] %s elapsed", p->index, p->count, p->stage, bar, e);
        if (final) fputs("\r\033[K", p->term);
        fflush(p->term);
    } else if (!final && el - p->last_plain >= 30.0) {
        p->last_plain = el;
        if (has)
            fprintf(p->term, "run: [%d/%d] %s: step %ld/%ld (%.0f%%), %s elapsed, ETA %s\n", p->index, p->count,
                    p->stage, s, t, 100 * frac, e, known ? eta : "?");
        else fprintf(p->term, "run: [%d/%d] %s: %s elapsed\n", p->index, p->count, p->stage, e);
        fflush(p->term);
    }
}

static void *progress_main(void *arg)
{
    progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        if (!p->stop) progress_draw(p, 0);
    }
    progress_draw(p, 1);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- running one command in-process with its output in a log ---- */

typedef struct {
    int argc;
    char *argv[MAX_ARGS];
    char store[MAX_ARGS][PATH_CAP];
} argvec;

/* one argument: prefix and value, e.g. "--out=" and a path */
static void arg_add(argvec *a, const char *prefix, const char *s)
{
    if (a->argc >= MAX_ARGS - 1) return;
    snprintf(a->store[a->argc], PATH_CAP, "%s%s", prefix, s);
    a->argv[a->argc] = a->store[a->argc];
    a->argv[++a->argc] = NULL;
}

static void print_tail(const char *path, int lines)
{
    char *text = NULL;
    size_t len = 0;
    if (archllm_read_file(path, &text, &len) != ARCHLLM_OK) return;
    size_t i = len;
    int nl = 0;
    while (i > 0 && nl <= lines) if (text[--i] == '\n') nl++;
    if (i > 0) i++;
    fprintf(stderr, "--- last lines of %s ---\n%.*s", path, (int)(len - i), text + i);
    if (len && text[len - 1] != '\n') fputc('\n', stderr);
    free(text);
}

static int run_logged(int (*fn)(int, char **), argvec *a, const char *log, progress *pg, int with_progress)
{
    fflush(stdout);
    fflush(stderr);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return cli_error(CLI_EXIT_FAILURE, "run: %s: %s", log, strerror(errno));
    off_t log_from = lseek(fd, 0, SEEK_END);
    int so = dup(1), se = dup(2);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    pthread_t th;
    int started = 0;
    if (with_progress) {
        pg->stop = 0;
        pg->t0 = archllm_now_s();
        pg->last_plain = 0;
        pg->log = log;
        pg->log_from = log_from > 0 ? (long)log_from : 0;
        pg->s0 = -1;
        started = pthread_create(&th, NULL, progress_main, pg) == 0;
    }
    int rc = fn(a->argc, a->argv);
    fflush(stdout);
    fflush(stderr);
    if (started) {
        pthread_mutex_lock(&pg->mu);
        pg->stop = 1;
        pthread_cond_signal(&pg->cv);
        pthread_mutex_unlock(&pg->mu);
        pthread_join(th, NULL);
    }
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    return rc;
}

/* ---- the summary and the report ---- */

typedef struct {
    const char *name;
    const char *status; /* "done", "skipped (complete)", "failed", "not run" */
    double      seconds;
    char        artefact[PATH_CAP];
} stage_result;

static json_t *load_json(const char *path)
{
    json_error_t e;
    return json_load_file(path, 0, &e);
}

static double jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static char *dup_printf(const char *fmt, ...) ARCHLLM_PRINTF(1, 2);
static char *dup_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return strdup(tmp);
}

/* A table of strings built row by row (freed by table_free). */
typedef struct {
    size_t ncols, nrows, cap;
    char **cells;
} table;

static void table_row(table *t, char **row)
{
    if ((t->nrows + 1) * t->ncols > t->cap) {
        size_t nc = t->cap ? t->cap * 2 : t->ncols * 16;
        while (nc < (t->nrows + 1) * t->ncols) nc *= 2;
        char **p = realloc(t->cells, nc * sizeof *p);
        if (!p) {
            for (size_t i = 0; i < t->ncols; i++) free(row[i]);
            return;
        }
        t->cells = p, t->cap = nc;
    }
    for (size_t i = 0; i < t->ncols; i++) t->cells[t->nrows * t->ncols + i] = row[i] ? row[i] : strdup("");
    t->nrows++;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i]);
    free(t->cells);
}

static void table_print(const table *t, const char *const *hdr)
{
    size_t w[16] = {0};
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = strlen(hdr[c]);
        for (size_t r = 0; r < t->nrows; r++)
            if (strlen(t->cells[r * t->ncols + c]) > w[c]) w[c] = strlen(t->cells[r * t->ncols + c]);
    }
    for (size_t c = 0; c < t->ncols; c++) printf("%s%-*s", c ? "  " : "", (int)w[c], hdr[c]);
    printf("\n");
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) printf("%s%-*s", c ? "  " : "", (int)w[c], t->cells[r * t->ncols + c]);
        printf("\n");
    }
}

static void inline_svg(archllm_report *rep, const char *path, const char *caption)
{
    char *text = NULL;
    size_t len = 0;
    if (archllm_read_file(path, &text, &len) != ARCHLLM_OK) return;
    archllm_report_svg(rep, caption, text);
    free(text);
}

/* Rows of a search summary (archllm search's NAME-summary.json): every method at every
 * budget, with its difference from the reference method and Welch's p. */
static void search_rows(table *t, const char *path, const char *ds)
{
    json_t *root = load_json(path), *methods = root ? json_object_get(root, "methods") : NULL;
    for (size_t i = 0; json_is_array(methods) && i < json_array_size(methods); i++) {
        json_t *m = json_array_get(methods, i), *budgets = json_object_get(m, "budgets");
        const char *name = json_string_value(json_object_get(m, "method"));
        for (size_t j = 0; json_is_array(budgets) && j < json_array_size(budgets); j++) {
            json_t *b = json_array_get(budgets, j), *w = json_object_get(b, "vs_reference");
            json_t *ci = json_object_get(w, "ci95");
            double lo = json_number_value(json_array_get(ci, 0)), hi = json_number_value(json_array_get(ci, 1));
            int has = json_is_object(w) && json_is_number(json_array_get(ci, 0));
            double p = jnum(w, "p");
            char *row[7] = {strdup(ds), strdup(name ? name : "?"), dup_printf("%.0f", jnum(b, "queries")),
                            dup_printf("%.2f +- %.2f", jnum(b, "test_mean"), jnum(b, "test_std")),
                            dup_printf("%.0f%%", 100 * jnum(b, "found_best_share")),
                            has ? dup_printf("%+.2f [%+.2f, %+.2f]", jnum(w, "diff"), lo, hi) : strdup("-"),
                            has ? dup_printf(p < 1e-4 ? "%.1e" : "%.4f", p) : strdup("-")};
            table_row(t, row);
        }
    }
    if (root) json_decref(root);
}

static int report(const archllm_config *cfg, const char *cfg_path, const char *dir, const stage_result *sr, int ns,
                  double total)
{
    static const char *const sh[] = {"stage", "status", "time", "artefact"};
    static const char *const gh[] = {"method", "temperature", "N",        "validity",  "uniqueness",
                                     "novelty", "valid+unique", "v+u+novel", "iid limit"};
    static const char *const qh[] = {"dataset",    "method",       "queries",        "test % (mean +- std)",
                                     "found best", "vs evolution", "Welch p"};
    static const char *const vh[] = {"cells", "exact reconstruction", "op accuracy", "edge accuracy", "codes used",
                                     "perplexity"};
    char path[PATH_CAP], title[256];
    table st = {.ncols = 4}, gt = {.ncols = 9}, qt = {.ncols = 7}, vt = {.ncols = 6};
    for (int i = 0; i < ns; i++) {
        char d[32];
        fmt_dur(d, sizeof d, sr[i].seconds);
        char *row[4] = {strdup(sr[i].name), strdup(sr[i].status), strdup(sr[i].seconds > 0 ? d : "-"),
                        strdup(sr[i].artefact)};
        table_row(&st, row);
    }
    snprintf(path, sizeof path, "%s/vqvae-metrics.json", dir);
    json_t *vj = load_json(path);
    if (vj) {
        json_t *h = json_object_get(vj, "held_out");
        char *row[6] = {dup_printf("%.0f held out", jnum(h, "cells")), dup_printf("%.2f%%", 100 * jnum(h, "exact_reconstruction")),
                        dup_printf("%.4f", jnum(h, "op_accuracy")), dup_printf("%.4f", jnum(h, "edge_accuracy")),
                        dup_printf("%.0f / %.0f", jnum(h, "codes_used"), jnum(vj, "codebook_size")),
                        dup_printf("%.1f", jnum(h, "perplexity"))};
        table_row(&vt, row);
        json_decref(vj);
    }
    snprintf(path, sizeof path, "%s/generate/metrics.json", dir);
    json_t *gj = load_json(path);
    json_t *recs = gj ? json_object_get(gj, "records") : NULL;
    for (size_t i = 0; json_is_array(recs) && i < json_array_size(recs); i++) {
        json_t *r = json_array_get(recs, i);
        double t = jnum(r, "temperature");
        char *row[9] = {strdup(json_string_value(json_object_get(r, "method")) ? json_string_value(json_object_get(r, "method")) : "?"),
                        isnan(t) ? strdup("-") : dup_printf("%.2f", t), dup_printf("%.0f", jnum(r, "generated")),
                        dup_printf("%.2f%%", 100 * jnum(r, "validity")), dup_printf("%.2f%%", 100 * jnum(r, "uniqueness")),
                        dup_printf("%.2f%%", 100 * jnum(r, "novelty")), dup_printf("%.2f%%", 100 * jnum(r, "valid_unique")),
                        dup_printf("%.2f%%", 100 * jnum(r, "valid_unique_novel")),
                        /* null for a user's space, whose size is unknown */
                        isnan(jnum(r, "iid_unique_limit")) ? strdup("-")
                                                            : dup_printf("%.2f%%", 100 * jnum(r, "iid_unique_limit"))};
        table_row(&gt, row);
    }
    if (gj) json_decref(gj);
    for (int d = 0; d < ARCHLLM_NB201_NDATASETS; d++) {
        snprintf(path, sizeof path, "%s/search-nb201-%s-summary.json", dir, archllm_nb201_dataset_name(d));
        search_rows(&qt, path, archllm_nb201_dataset_name(d));
    }

    char tot[32];
    fmt_dur(tot, sizeof tot, total);
    printf("\n== archllm run %s: %s (%s) ==\n", cfg_path, cfg->experiment.name, tot);
    table_print(&st, sh);
    if (vt.nrows) {
        printf("\nVQ-VAE (held-out cells)\n");
        table_print(&vt, vh);
    }
    if (gt.nrows) {
        printf("\ngeneration (novelty against the VQ-VAE's training split)\n");
        table_print(&gt, gh);
    }
    if (qt.nrows) {
        printf("\nNAS-Bench-201 search: test accuracy of the best-by-validation cell; found best = runs that "
               "queried the table's best-by-validation cell; vs evolution = difference in mean test accuracy "
               "[95%% interval]\n");
        table_print(&qt, qh);
    }

    archllm_report *rep = NULL;
    snprintf(title, sizeof title, "archllm run: %s", cfg->experiment.name);
    archllm_status s = archllm_report_init(&rep, title);
    if (s == ARCHLLM_OK) {
        static const char *const long_names[] = {"NAS-Bench-101", "NAS-Bench-201", "DARTS (normal cell)",
                                                 "your cells"};
        char *p = dup_printf("Config %s, space %s, seed %lld, output folder %s; %s in total.", cfg_path,
                             long_names[cfg->data.space], (long long)cfg->experiment.seed,
                             dir, tot);
        archllm_report_paragraph(rep, p ? p : "");
        free(p);
        archllm_report_heading(rep, "Stages");
        archllm_report_table(rep, "each stage's final artefact; a rerun skips complete stages", 4, sh, st.nrows,
                             (const char *const *)st.cells);
        if (vt.nrows) {
            archllm_report_heading(rep, "VQ-VAE");
            archllm_report_table(rep, "held-out cells (vqvae-metrics.json)", 6, vh, vt.nrows,
                                 (const char *const *)vt.cells);
        }
        if (gt.nrows) {
            archllm_report_heading(rep, "Generation");
            archllm_report_paragraph(
                rep, "validity = valid / generated; uniqueness = distinct valid / valid; novelty = distinct valid not "
                     "in the VQ-VAE's training split / distinct valid; valid+unique and v+u+novel are over all "
                     "generated samples; the iid limit is S(1 - exp(-N/S)) / N. uniform-space: cells drawn "
                     "uniformly from the space. continuous-latent: Gaussian latents with the training split's "
                     "per-coordinate mean and std of the VQ-VAE encoder's pre-quantization latents, decoded by the "
                     "same trained decoder without quantization (an arch2vec-style sample through our decoder "
                     "family, not arch2vec itself).");
            archllm_report_table(rep, "generate/metrics.json", 9, gh, gt.nrows, (const char *const *)gt.cells);
            snprintf(path, sizeof path, "%s/generate/sweep.svg", dir);
            inline_svg(rep, path, "metrics against temperature (generate/sweep.csv)");
        }
        if (qt.nrows) {
            archllm_report_heading(rep, "NAS-Bench-201 search");
            archllm_report_paragraph(
                rep, "Each run selects the queried cell with the best validation accuracy and reports its test "
                     "accuracy (CIFAR-10: 200-epoch x-valid; CIFAR-100 and ImageNet16-120: 12-epoch x-valid "
                     "columns); mean +- std over seeds. archllm-guided: the T5's fill and generate proposals ranked "
                     "by an MLP ensemble fitted to the queries so far; archllm: the paper's fill mutation; bananas: "
                     "an MLP ensemble ranking mutations of the best cells; evolution: regularized evolution. Found "
                     "best: the share of runs that queried the table's best-by-validation cell. vs evolution: the "
                     "difference in mean test accuracy with its 95% interval and the p-value of Welch's t-test.");
            archllm_report_table(rep, "by query budget (search-nb201-DATASET-summary.json)", 7, qh, qt.nrows,
                                 (const char *const *)qt.cells);
            for (int d = 0; d < ARCHLLM_NB201_NDATASETS; d++) {
                snprintf(path, sizeof path, "%s/search-nb201-%s.svg", dir, archllm_nb201_dataset_name(d));
                snprintf(title, sizeof title, "%s: best-so-far test accuracy against queries", archllm_nb201_dataset_name(d));
                inline_svg(rep, path, title);
            }
        }
        snprintf(path, sizeof path, "%s/index.html", dir);
        s = archllm_report_save(rep, path);
        archllm_report_free(rep);
    }
    table_free(&st), table_free(&gt), table_free(&qt), table_free(&vt);
    if (s != ARCHLLM_OK) return cli_status(s, "run: index.html");
    printf("\nreport %s/index.html\n", dir);
    return CLI_EXIT_OK;
}

/* ---- the config the folder's artefacts were made with (run.cfg) ---- */

/* The stage that reads a key (the seed and the data.samples / data.cells* keys make the
 * DARTS and cells datasets); -1 for keys no stage's results depend on (naming, device,
 * logging and checkpoint cadence, which datasets to search: run searches the missing
 * ones; lm.samples and lm.constrained are `archllm sample`'s, generate and search always
 * constrain). */
static int key_stage(const char *path)
{
    static const char *const ignored[] = {"experiment.name", "experiment.output_dir", "search.datasets",
                                          "lm.samples", "lm.constrained"};
    static const char *const cadence[] = {".log_every", ".eval_every", ".eval_limit", ".checkpoint_every"};
    static const struct {
        const char *prefix;
        int         stage;
    } map[] = {{"data.space", 0},     {"data.samples", 0},    {"data.cells", 0},      {"experiment.seed", 0},
               {"data.", 1},          {"vqvae.", 1},
               {"lm.data", 2},        {"lm.temperature", 4},  {"lm.top_k", 4},        {"lm.top_p", 4},
               {"lm.", 3},            {"generate.", 4},       {"search.", 5}};
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        if (strcmp(path, ignored[i]) == 0) return -1;
    for (size_t i = 0; i < sizeof cadence / sizeof *cadence; i++) {
        size_t m = strlen(cadence[i]);
        if (n > m && strcmp(path + n - m, cadence[i]) == 0) return -1;
    }
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strncmp(path, map[i].prefix, strlen(map[i].prefix)) == 0) return map[i].stage;
    return -1;
}

/* A stage and the stages that use its results (bit k: stage k): generate and search
 * each use the models, not each other. */
static const unsigned stage_downstream[N_STAGES] = {0x3f, 0x3e, 0x3c, 0x38, 0x10, 0x20};

/* The files (in dir) each stage leaves: final artefacts and resumable checkpoints.  The
 * search stage's come as NAME.csv, NAME-runs.csv and NAME.svg. */
static const char *const stage_files[N_STAGES][4] = {
    {"dataset.jsonl"},
    {"vqvae.safetensors", "vqvae-metrics.json"},
    {"codes.jsonl"},
    {"t5", "t5-checkpoint.safetensors"},
    {"generate"},
    {"search-nb201-cifar10", "search-nb201-cifar100", "search-nb201-imagenet16", "search-nb101-cifar10"},
};

/* Compares cfg with dir/run.cfg.  When a key that made existing results differs, either
 * stops with the keys (exit 2) or, with redo, moves the results of the stages it feeds
 * into a new dir/superseded-TIME/ so that they rerun; nothing is deleted.  Then records
 * cfg as dir/run.cfg. */
static int check_made_with(const archllm_config *cfg, const char *dir, int redo, FILE *msg)
{
    char stamp[PATH_CAP];
    snprintf(stamp, sizeof stamp, "%s/run.cfg", dir);
    unsigned stale = 0;
    char keys[512] = "";
    if (!file_exists(stamp)) {
        char p[PATH_CAP];
        snprintf(p, sizeof p, "%s/vqvae.safetensors", dir);
        if (file_exists(p))
            fprintf(msg, "run: %s has results but no run.cfg (an older archllm made them): assuming they match "
                         "this config; if not, use another experiment.name\n", dir);
    } else {
        archllm_config old;
        if (archllm_config_setup(&old, stamp, NULL, 0) != ARCHLLM_OK) {
            snprintf(keys, sizeof keys, "run.cfg is unreadable: %.480s", archllm_last_error());
            stale = stage_downstream[0];
        } else {
            for (int i = 0; i < archllm_config_schema.count; i++) {
                const archllm_cfg_key *k = &archllm_config_schema.keys[i];
                int st = key_stage(k->path);
                if (st < 0 || archllm_cfg_equal(k, &old, cfg)) continue;
                char was[64], now[64];
                archllm_cfg_format(k, &old, was, sizeof was);
                archllm_cfg_format(k, cfg, now, sizeof now);
                size_t n = strlen(keys);
                if (n < sizeof keys - 1)
                    snprintf(keys + n, sizeof keys - n, "%s%s %s -> %s", n ? ", " : "", k->path, was, now);
                stale |= stage_downstream[st];
            }
        }
    }
    /* codes written to lm.data outside the folder are the user's file: never moved */
    if ((stale & (1u << 2)) && cfg->lm.data[0] && file_exists(cfg->lm.data))
        return cli_error(CLI_EXIT_USAGE,
                         "run: the config changed (%s) and lm.data %s holds codes of the old VQ-VAE: remove it or "
                         "point lm.data at a new file, then rerun",
                         keys, cfg->lm.data);
    /* the results the change makes stale */
    char found[N_STAGES * 12][64]; /* names in dir */
    char names[128] = "";
    int  nfound = 0;
    for (int st = 0; st < N_STAGES; st++) {
        if (!(stale & (1u << st))) continue;
        int had = nfound;
        for (int j = 0; j < 4 && stage_files[st][j]; j++) {
            static const char *const search_ext[] = {".csv", "-runs.csv", "-summary.json", ".svg"};
            for (int e = 0; e < (st == 5 ? 4 : 1); e++) {
                char p[PATH_CAP + 64];
                struct stat sb;
                snprintf(p, sizeof p, "%s/%s%s", dir, stage_files[st][j], st == 5 ? search_ext[e] : "");
                if (stat(p, &sb) == 0)
                    snprintf(found[nfound++], 64, "%s%s", stage_files[st][j], st == 5 ? search_ext[e] : "");
            }
        }
        if (nfound > had) {
            size_t n = strlen(names);
            snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", stage_names[st]);
        }
    }
    if (nfound && !redo)
        return cli_error(CLI_EXIT_USAGE,
                         "run: %s was made with another config (%s), which changes the results of %s; rerun with "
                         "--redo to set them aside in %s/superseded-TIME/ and redo them, or use another "
                         "experiment.name",
                         dir, keys, names, dir);
    if (nfound) {
        char aside[PATH_CAP + 64], when[32];
        time_t t = time(NULL);
        strftime(when, sizeof when, "%Y%m%d-%H%M%S", localtime(&t));
        /* a new folder each time: an earlier --redo's results are never overwritten */
        snprintf(aside, sizeof aside, "%s/superseded-%s", dir, when);
        for (int i = 2; mkdir(aside, 0755) != 0; i++) {
            if (errno != EEXIST || i > 99)
                return cli_error(CLI_EXIT_FAILURE, "run: cannot create %s: %s", aside, strerror(errno));
            snprintf(aside, sizeof aside, "%s/superseded-%s-%d", dir, when, i);
        }
        for (int i = 0; i < nfound; i++) {
            char from[PATH_CAP + 64], to[2 * PATH_CAP];
            snprintf(from, sizeof from, "%s/%.63s", dir, found[i]);
            snprintf(to, sizeof to, "%s/%.63s", aside, found[i]);
            if (rename(from, to) != 0)
                return cli_error(CLI_EXIT_FAILURE, "run: moving %s to %s: %s (the files before it were moved)", from,
                                 to, strerror(errno));
        }
        fprintf(msg, "run: config changed (%s): the results of %s moved to %s\n", keys, names, aside);
    }
    archllm_atomic_file af;
    archllm_status s = archllm_atomic_open(&af, stamp);
    if (s != ARCHLLM_OK) return cli_status(s, stamp);
    if ((s = archllm_config_print(af.f, cfg)) != ARCHLLM_OK) archllm_atomic_abort(&af);
    else s = archllm_atomic_commit(&af);
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, stamp);
}

/* ---- the command ---- */

static void add_config(argvec *a, const cli_config_opts *co, const char *device)
{
    arg_add(a, "--config=", co->path);
    for (int i = 0; i < co->nsets; i++) arg_add(a, "--set=", co->sets[i]);
    if (device) arg_add(a, "--device=", device);
}

int cmd_run(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL, *only = NULL;
    int force_plain = 0, redo = 0;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             {"redo", no_argument, NULL, 'r'},
                                             {"device", required_argument, NULL, 'd'},
                                             {"stages", required_argument, NULL, 's'},
                                             {"plain", no_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:s:prh", longopts, NULL)) != -1) {
        int r = cli_config_option(&co, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 's': only = optarg; break;
        case 'p': force_plain = 1; break;
        case 'r': redo = 1; break;
        case 'h': return cli_usage("run", CLI_EXIT_OK);
        default: return cli_usage("run", CLI_EXIT_USAGE);
        }
    }
    int prc = cli_config_positional(&co, argc, argv, "run");
    if (prc != CLI_EXIT_OK) return prc;
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* every stage, the search method's model loading included, uses this device */
    if (device) setenv("ARCHLLM_DEVICE", device, 1);

    /* the stages asked for, checked before any work */
    int want[N_STAGES] = {0};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", only ? only : cfg.run.stages);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int k = -1;
        for (int i = 0; i < N_STAGES; i++)
            if (strcmp(stage_names[i], tok) == 0) k = i;
        if (k < 0)
            return cli_error(CLI_EXIT_USAGE, "run: unknown stage '%s' (dataset, vqvae, encode, lm, generate, search)",
                             tok);
        want[k] = 1;
    }
    int ds_want[ARCHLLM_NB201_NDATASETS] = {0};
    snprintf(buf, sizeof buf, "%s", cfg.search.datasets);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        archllm_nb201_dataset d;
        if (archllm_nb201_dataset_parse(&d, tok) != ARCHLLM_OK)
            return cli_error(CLI_EXIT_USAGE, "search.datasets: %s", archllm_last_error());
        ds_want[d] = 1;
    }

    char dir[ARCHLLM_CONFIG_PATH_MAX + 64], logs[PATH_CAP];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    snprintf(logs, sizeof logs, "%s/logs", dir);
    archllm_status s = archllm_mkdirs(logs);
    if (s != ARCHLLM_OK) return cli_status(s, logs);
    if ((rc = cli_lock_output(dir, "run")) != CLI_EXIT_OK) return rc;
    if ((rc = check_made_with(&cfg, dir, redo, stdout)) != CLI_EXIT_OK) return rc;
    static const char *const space_names[] = {"nb101", "nb201", "darts", "cells"};
    const char *space = space_names[cfg.data.space];

    progress pg;
    memset(&pg, 0, sizeof pg);
    pthread_mutex_init(&pg.mu, NULL);
    pthread_cond_init(&pg.cv, NULL);
    int term_fd = dup(1);
    pg.term = term_fd >= 0 ? fdopen(term_fd, "w") : NULL;
    pg.tty = !force_plain && isatty(1);
    pg.count = 0;
    for (int i = 0; i < N_STAGES; i++) pg.count += want[i];
    printf("run: %s (%s), output %s, stages:", co.path, space, dir);
    for (int i = 0; i < N_STAGES; i++)
        if (want[i]) printf(" %s", stage_names[i]);
    printf("\n");

    stage_result sr[N_STAGES];
    int nsr = 0, idx = 0;
    double t_all = archllm_now_s();
    rc = CLI_EXIT_OK;
    for (int k = 0; k < N_STAGES && rc == CLI_EXIT_OK && pg.term; k++) {
        if (!want[k]) continue;
        idx++;
        stage_result *r = &sr[nsr++];
        memset(r, 0, sizeof *r);
        r->name = stage_names[k];
        char log[PATH_CAP + 32];
        snprintf(log, sizeof log, "%s/%s.log", logs, stage_names[k]);
        argvec *a = calloc(1, sizeof *a);
        if (!a) {
            rc = cli_error(CLI_EXIT_FAILURE, "out of memory");
            break;
        }
        int (*fn)(int, char **) = NULL;
        int complete = 0;
        switch (k) {
        case 0:
            snprintf(r->artefact, sizeof r->artefact, "%s/dataset.jsonl", dir);
            arg_add(a, "", "dataset");
            arg_add(a, "", space);
            arg_add(a, "", "--out");
            arg_add(a, "", r->artefact);
            if (cfg.data.space == ARCHLLM_CONFIG_DARTS) { /* the set train-vqvae draws too */
                char n[32], sd[32];
                snprintf(n, sizeof n, "%d", cfg.data.samples);
                snprintf(sd, sizeof sd, "%lld", (long long)cfg.experiment.seed);
                arg_add(a, "", "--samples");
                arg_add(a, "", n);
                arg_add(a, "", "--seed");
                arg_add(a, "", sd);
            } else if (cfg.data.space == ARCHLLM_CONFIG_CELLS) {
                char e[32];
                snprintf(e, sizeof e, "%d", cfg.data.cells_max_edges);
                arg_add(a, "", "--cells");
                arg_add(a, "", cfg.data.cells);
                arg_add(a, "", "--ops");
                arg_add(a, "", cfg.data.cells_ops);
                arg_add(a, "", "--max-edges");
                arg_add(a, "", e);
            }
            fn = cmd_dataset;
            break;
        case 1:
            snprintf(r->artefact, sizeof r->artefact, "%s/vqvae-metrics.json", dir);
            arg_add(a, "", "train-vqvae");
            add_config(a, &co, device);
            arg_add(a, "", "--resume");
            fn = cmd_train_vqvae;
            break;
        case 2:
            if (cfg.lm.data[0]) snprintf(r->artefact, sizeof r->artefact, "%s", cfg.lm.data);
            else snprintf(r->artefact, sizeof r->artefact, "%s/codes.jsonl", dir);
            arg_add(a, "", "encode");
            add_config(a, &co, device);
            arg_add(a, "--out=", r->artefact);
            fn = cmd_encode;
            break;
        case 3:
            snprintf(r->artefact, sizeof r->artefact, "%s/t5/model.safetensors", dir);
            arg_add(a, "", "train-lm");
            add_config(a, &co, device);
            arg_add(a, "", "--resume");
            fn = cmd_train_lm;
            break;
        case 4:
            snprintf(r->artefact, sizeof r->artefact, "%s/generate/metrics.json", dir);
            arg_add(a, "", "generate");
            add_config(a, &co, device);
            fn = cmd_generate;
            break;
        case 5: snprintf(r->artefact, sizeof r->artefact, "%s/search-%s-*-summary.json", dir, space); break;
        }
        char missing[64] = ""; /* search: the datasets without their summary (written last) */
        if (k == 5) {
            for (int d = 0; d < ARCHLLM_NB201_NDATASETS; d++) {
                char p[PATH_CAP];
                snprintf(p, sizeof p, "%s/search-nb201-%s-summary.json", dir, archllm_nb201_dataset_name(d));
                if (!ds_want[d] || file_exists(p)) continue;
                if (*missing) strcat(missing, ",");
                strcat(missing, archllm_nb201_dataset_name(d));
            }
            complete = !*missing;
            if (cfg.data.space == ARCHLLM_CONFIG_DARTS || cfg.data.space == ARCHLLM_CONFIG_CELLS) {
                r->status = "skipped (no accuracy table)";
                fprintf(pg.term, "run: [%d/%d] search: skipped; %s has no accuracy table to query (search needs "
                                 "NAS-Bench-201 or -101)\n",
                        idx, pg.count, cfg.data.space == ARCHLLM_CONFIG_DARTS ? "DARTS" : "a cells space");
                fflush(pg.term);
                free(a);
                continue;
            }
            if (cfg.data.space != ARCHLLM_CONFIG_NB201) {
                r->status = "skipped (NB101: needs --nb101-data)";
                fprintf(pg.term, "run: [%d/%d] search: skipped; NB101 search needs the official tfrecord: archllm "
                                 "search --space nb101 --nb101-data FILE --method archllm,random,evolution --config %s\n",
                        idx, pg.count, co.path);
                fflush(pg.term);
                free(a);
                continue;
            }
        } else complete = file_exists(r->artefact);
        if (complete) {
            r->status = "skipped (complete)";
            fprintf(pg.term, "run: [%d/%d] %s: complete (%s), skipped\n", idx, pg.count, r->name, r->artefact);
            fflush(pg.term);
            free(a);
            continue;
        }
        fprintf(pg.term, "run: [%d/%d] %s: running (log %s)\n", idx, pg.count, r->name, log);
        fflush(pg.term);
        pg.index = idx;
        pg.stage = r->name;
        double t0 = archllm_now_s();
        if (k == 5) { /* one search over the missing datasets: the models load once */
            char q[32], n[32];
            a->argc = 0;
            arg_add(a, "", "search");
            add_config(a, &co, NULL);
            arg_add(a, "", "--space=nb201");
            arg_add(a, "--dataset=", missing);
            arg_add(a, "--method=", cfg.search.methods);
            snprintf(q, sizeof q, "%d", cfg.search.queries);
            snprintf(n, sizeof n, "%d", cfg.search.seeds);
            arg_add(a, "--queries=", q);
            arg_add(a, "--seeds=", n);
            rc = run_logged(cmd_search, a, log, &pg, 1);
        } else {
            rc = run_logged(fn, a, log, &pg, 1);
        }
        r->seconds = archllm_now_s() - t0;
        char d[32];
        fmt_dur(d, sizeof d, r->seconds);
        if (rc == CLI_EXIT_OK && k != 5 && !file_exists(r->artefact)) {
            rc = CLI_EXIT_FAILURE;
            fprintf(stderr, "archllm: run: %s finished without writing %s\n", r->name, r->artefact);
        }
        if (rc == CLI_EXIT_OK) {
            r->status = "done";
            fprintf(pg.term, "run: [%d/%d] %s: done in %s\n", idx, pg.count, r->name, d);
            fflush(pg.term);
        } else {
            r->status = rc == 130 ? "interrupted" : "failed";
            fprintf(stderr, "archllm: run: stage %s %s (exit %d) after %s; rerun to resume\n", r->name, r->status, rc,
                    d);
            print_tail(log, 15);
        }
        free(a);
    }
    if (pg.term) fclose(pg.term);
    else rc = cli_error(CLI_EXIT_FAILURE, "run: cannot duplicate stdout");
    pthread_mutex_destroy(&pg.mu);
    pthread_cond_destroy(&pg.cv);
    int rc2 = report(&cfg, co.path, dir, sr, nsr, archllm_now_s() - t_all);
    return rc != CLI_EXIT_OK ? rc : rc2;
}
