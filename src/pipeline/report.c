/* report.c - the summary of an experiment (messages of stage "report") and its
 * DIR/index.html: the stages, the VQ-VAE's held-out metrics, the generation table and
 * the search table by budget, read from the files the stages wrote, with their plots. */
#include "config.h"
#include "io/report.h"
#include "search/search.h"
#include "pipeline/experiment.h"
#include "util/clock.h"
#include "util/fileio.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGE "report"

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

/* The table as aligned lines, each a message of stage "report". */
static void table_emit(const table *t, const char *const *hdr, const archllm_events *ev)
{
    size_t w[16] = {0};
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = strlen(hdr[c]);
        for (size_t r = 0; r < t->nrows; r++)
            if (strlen(t->cells[r * t->ncols + c]) > w[c]) w[c] = strlen(t->cells[r * t->ncols + c]);
    }
    char line[2048];
    for (size_t r = 0; r <= t->nrows; r++) {
        size_t n = 0;
        for (size_t c = 0; c < t->ncols && n < sizeof line; c++)
            n += (size_t)snprintf(line + n, sizeof line - n, "%s%-*s", c ? "  " : "", (int)w[c],
                                  r ? t->cells[(r - 1) * t->ncols + c] : hdr[c]);
        while (n > 0 && n < sizeof line && line[n - 1] == ' ') line[--n] = 0; /* no trailing blanks */
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "%s", line);
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

archllm_status archllm_experiment_report(archllm_experiment *e, const archllm_events *ev)
{
    const archllm_config *cfg = &e->cfg;
    const char *dir = e->dir, *cfg_path = e->config_path;
    static const char *const sh[] = {"stage", "status", "time", "artefact"};
    static const char *const gh[] = {"method", "temperature", "N",        "validity",  "uniqueness",
                                     "novelty", "valid+unique", "v+u+novel", "iid limit"};
    static const char *const qh[] = {"dataset",    "method",       "queries",        "test % (mean +- std)",
                                     "found best", "vs evolution", "Welch p"};
    static const char *const vh[] = {"cells", "exact reconstruction", "op accuracy", "edge accuracy", "codes used",
                                     "perplexity"};
    char path[ARCHLLM_EXPERIMENT_PATH_MAX + 64], title[256];
    table st = {.ncols = 4}, gt = {.ncols = 9}, qt = {.ncols = 7}, vt = {.ncols = 6};
    for (int i = 0; i < e->n_listed; i++) {
        const archllm_stage_result *sr = &e->results[e->listed[i]];
        char d[32];
        archllm_format_duration(d, sizeof d, sr->seconds);
        char *row[4] = {strdup(archllm_stage_name(e->listed[i])), strdup(sr->status ? sr->status : "not run"),
                        strdup(sr->ran ? d : "-"), strdup(sr->artefact)};
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
    archllm_format_duration(tot, sizeof tot, e->seconds);
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "%s", "");
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "== archllm run %s: %s (%s) ==", cfg_path,
                         cfg->experiment.name, tot);
    table_emit(&st, sh, ev);
    if (vt.nrows) {
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "%s", "");
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "VQ-VAE (held-out cells)");
        table_emit(&vt, vh, ev);
    }
    if (gt.nrows) {
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "%s", "");
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "generation (novelty against the VQ-VAE's training split)");
        table_emit(&gt, gh, ev);
    }
    if (qt.nrows) {
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "%s", "");
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO,
                             "NAS-Bench-201 search: test accuracy of the best-by-validation cell; found best = runs "
                             "that queried the table's best-by-validation cell; vs evolution = difference in mean "
                             "test accuracy [95%% interval]");
        table_emit(&qt, qh, ev);
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
    if (s != ARCHLLM_OK) return s;
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "%s", "");
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "report %s/index.html", dir);
    return ARCHLLM_OK;
}
