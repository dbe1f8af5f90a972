/* experiment.c - an experiment folder and its stages, behind the public API
 * (include/archllm.h: archllm_experiment_*):
 *   dataset   DIR/dataset.jsonl
 *   vqvae     DIR/vqvae-metrics.json          (checkpoint DIR/vqvae.safetensors)
 *   encode    DIR/codes.jsonl (or lm.data)
 *   lm        DIR/t5/model.safetensors        (checkpoint DIR/t5-checkpoint.safetensors)
 *   generate  DIR/generate/metrics.json
 *   search    DIR/search-nb201-DATASET-summary.json for each of search.datasets
 * Opening locks the folder, compares the config with the one its results were made
 * with (DIR/run.cfg: each schema key names the stage that reads it) and records it.  A
 * stage whose final artefact exists is complete; an interrupted training resumes from
 * its checkpoint. */
#include "config.h"
#include "model/vqvae_run.h"
#include "ops/autotune.h"
#include "search/search.h"
#include "pipeline/experiment.h"
#include "util/clock.h"
#include "util/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const stage_names[ARCHLLM_STAGE_COUNT] = {"dataset", "vqvae", "encode", "lm", "generate",
                                                             "search"};

const char *archllm_stage_name(archllm_stage s)
{
    return (unsigned)s < ARCHLLM_STAGE_COUNT ? stage_names[s] : "?";
}

archllm_status archllm_stage_parse(archllm_stage *s, const char *name)
{
    for (int i = 0; i < ARCHLLM_STAGE_COUNT; i++)
        if (strcmp(stage_names[i], name) == 0) {
            *s = (archllm_stage)i;
            return ARCHLLM_OK;
        }
    return archllm_fail(ARCHLLM_EINVAL, "unknown stage '%s' (dataset, vqvae, encode, lm, generate, search)", name);
}

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* ---- staleness: the config the folder's results were made with (run.cfg) ---- */

/* A stage and the stages that use its results (bit k: stage k): generate and search
 * each use the models, not each other. */
static const unsigned stage_downstream[ARCHLLM_STAGE_COUNT] = {0x3f, 0x3e, 0x3c, 0x38, 0x10, 0x20};

/* The files (in dir) each stage leaves: final artefacts and resumable checkpoints.  The
 * search stage's come as NAME.csv, NAME-runs.csv, NAME-summary.json and NAME.svg. */
static const char *const stage_files[ARCHLLM_STAGE_COUNT][4] = {
    {"dataset.jsonl"},
    {"vqvae.safetensors", "vqvae-metrics.json"},
    {"codes.jsonl"},
    {"t5", "t5-checkpoint.safetensors"},
    {"generate"},
    {"search-nb201-cifar10", "search-nb201-cifar100", "search-nb201-imagenet16", "search-nb101-cifar10"},
};

/* The stage whose results a key changes; -1 for none (naming, device, logging and
 * checkpoint cadence, which datasets to search: run searches the missing ones;
 * lm.samples and lm.constrained are `archllm sample`'s). */
static int key_stage(const archllm_cfg_key *k)
{
    archllm_stage s;
    return k->stage && archllm_stage_parse(&s, k->stage) == ARCHLLM_OK ? (int)s : -1;
}

/* Compare the config with DIR/run.cfg.  When a key that made existing results differs,
 * fail naming the keys (ECONFIG) or, with redo, move the results of the stages it feeds
 * into a new DIR/superseded-TIME/ so that they rerun; nothing is deleted.  Then record
 * the config as DIR/run.cfg. */
static archllm_status check_made_with(archllm_experiment *e, int redo, const archllm_events *ev)
{
    const archllm_config *cfg = &e->cfg;
    const char *dir = e->dir;
    char stamp[ARCHLLM_EXPERIMENT_PATH_MAX + 16];
    snprintf(stamp, sizeof stamp, "%s/run.cfg", dir);
    unsigned stale = 0;
    char keys[512] = "";
    if (!file_exists(stamp)) {
        char p[ARCHLLM_EXPERIMENT_PATH_MAX + 32];
        snprintf(p, sizeof p, "%s/vqvae.safetensors", dir);
        if (file_exists(p))
            archllm_emit_message(ev, "run", ARCHLLM_MESSAGE_WARN,
                                 "%s has results but no run.cfg (an older archllm made them): assuming they match "
                                 "this config; if not, use another experiment.name",
                                 dir);
    } else {
        archllm_config old;
        if (archllm_config_setup(&old, stamp, NULL, 0) != ARCHLLM_OK) {
            snprintf(keys, sizeof keys, "run.cfg is unreadable: %.480s", archllm_last_error());
            stale = stage_downstream[0];
        } else {
            for (int i = 0; i < archllm_config_schema.count; i++) {
                const archllm_cfg_key *k = &archllm_config_schema.keys[i];
                int st = key_stage(k);
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
    if ((stale & (1u << ARCHLLM_STAGE_ENCODE)) && cfg->lm.data[0] && file_exists(cfg->lm.data))
        return archllm_fail(ARCHLLM_ECONFIG,
                            "the config changed (%s) and lm.data %s holds codes of the old VQ-VAE: remove it or "
                            "point lm.data at a new file, then rerun",
                            keys, cfg->lm.data);
    /* the results the change makes stale */
    char found[ARCHLLM_STAGE_COUNT * 16][64]; /* names in dir */
    char names[128] = "";
    int nfound = 0;
    for (int st = 0; st < ARCHLLM_STAGE_COUNT; st++) {
        if (!(stale & (1u << st))) continue;
        int had = nfound;
        for (int j = 0; j < 4 && stage_files[st][j]; j++) {
            static const char *const search_ext[] = {".csv", "-runs.csv", "-summary.json", ".svg"};
            for (int x = 0; x < (st == ARCHLLM_STAGE_SEARCH ? 4 : 1); x++) {
                char p[ARCHLLM_EXPERIMENT_PATH_MAX + 64];
                struct stat sb;
                const char *ext = st == ARCHLLM_STAGE_SEARCH ? search_ext[x] : "";
                snprintf(p, sizeof p, "%s/%s%s", dir, stage_files[st][j], ext);
                if (stat(p, &sb) == 0) snprintf(found[nfound++], 64, "%s%s", stage_files[st][j], ext);
            }
        }
        if (nfound > had) {
            size_t n = strlen(names);
            snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", stage_names[st]);
        }
    }
    if (nfound && !redo)
        return archllm_fail(ARCHLLM_ECONFIG,
                            "%s was made with another config (%s), which changes the results of %s; rerun with "
                            "--redo to set them aside in %s/superseded-TIME/ and redo them, or use another "
                            "experiment.name",
                            dir, keys, names, dir);
    if (nfound) {
        char aside[ARCHLLM_EXPERIMENT_PATH_MAX + 64], when[32];
        time_t t = time(NULL);
        strftime(when, sizeof when, "%Y%m%d-%H%M%S", localtime(&t));
        /* a new folder each time: an earlier --redo's results are never overwritten */
        snprintf(aside, sizeof aside, "%s/superseded-%s", dir, when);
        for (int i = 2; mkdir(aside, 0777) != 0; i++) {
            if (errno != EEXIST || i > 99) return archllm_fail(ARCHLLM_EIO, "cannot create %s: %s", aside, strerror(errno));
            snprintf(aside, sizeof aside, "%s/superseded-%s-%d", dir, when, i);
        }
        for (int i = 0; i < nfound; i++) {
            char from[ARCHLLM_EXPERIMENT_PATH_MAX + 64], to[2 * ARCHLLM_EXPERIMENT_PATH_MAX + 128];
            snprintf(from, sizeof from, "%s/%.63s", dir, found[i]);
            snprintf(to, sizeof to, "%s/%.63s", aside, found[i]);
            if (rename(from, to) != 0)
                return archllm_fail(ARCHLLM_EIO, "moving %s to %s: %s (the files before it were moved)", from, to,
                                    strerror(errno));
        }
        archllm_emit_message(ev, "run", ARCHLLM_MESSAGE_INFO, "config changed (%s): the results of %s moved to %s", keys,
                             names, aside);
    }
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, stamp));
    archllm_status s = archllm_config_print(af.f, cfg);
    if (s != ARCHLLM_OK) {
        archllm_atomic_abort(&af);
        return s;
    }
    return archllm_atomic_commit(&af);
}

/* ---- opening ---- */

/* run.stages and search.datasets name known stages and datasets */
static archllm_status check_lists(const archllm_config *cfg)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", cfg->run.stages);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        archllm_stage s;
        if (archllm_stage_parse(&s, tok) != ARCHLLM_OK) return archllm_fail(ARCHLLM_ECONFIG, "run.stages: %s", archllm_last_error());
    }
    snprintf(buf, sizeof buf, "%s", cfg->search.datasets);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        archllm_nb201_dataset d;
        if (archllm_nb201_dataset_parse(&d, tok) != ARCHLLM_OK)
            return archllm_fail(ARCHLLM_ECONFIG, "search.datasets: %s", archllm_last_error());
    }
    return ARCHLLM_OK;
}

archllm_status archllm_experiment_open(archllm_experiment **out, const char *config_path,
                                       const archllm_experiment_options *o, const archllm_events *ev)
{
    *out = NULL;
    archllm_experiment *e = calloc(1, sizeof *e);
    if (!e) return archllm_fail(ARCHLLM_ENOMEM, "experiment");
    e->failed = -1;
    archllm_experiment_options none = {0};
    if (!o) o = &none;
    archllm_status s = archllm_config_setup(&e->cfg, config_path, o->sets, o->n_sets);
    if (s == ARCHLLM_OK) {
        snprintf(e->config_path, sizeof e->config_path, "%s", config_path ? config_path : "(defaults)");
        archllm_config_output_dir(&e->cfg, e->dir, sizeof e->dir);
        const char *sel = archllm_config_device_selector(&e->cfg, o->device, NULL);
        snprintf(e->device, sizeof e->device, "%s", sel ? sel : "");
        s = archllm_dirlock_acquire(&e->lock, e->dir, o->command ? o->command : "libarchllm");
    }
    if (s == ARCHLLM_OK) s = check_lists(&e->cfg);
    /* a user's space sizes the models: read it now, its errors naming FILE:LINE */
    if (s == ARCHLLM_OK && (s = archllm_vqvae_space_load(&e->cfg, NULL, NULL)) == ARCHLLM_EFORMAT) s = ARCHLLM_ECONFIG;
    if (s == ARCHLLM_OK) s = check_made_with(e, o->redo, ev);
    if (s != ARCHLLM_OK) {
        archllm_experiment_close(e);
        return s;
    }
    *out = e;
    return ARCHLLM_OK;
}

void archllm_experiment_close(archllm_experiment *e)
{
    if (!e) return;
    archllm_ctx_free(e->ctx);
    archllm_dirlock_release(e->lock);
    free(e);
}

const char *archllm_experiment_dir(const archllm_experiment *e) { return e->dir; }

void archllm_experiment_stop(archllm_experiment *e) { e->stop = 1; }

int archllm_experiment_stages(const archllm_experiment *e, archllm_stage *out)
{
    char buf[sizeof e->cfg.run.stages];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", e->cfg.run.stages);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok && n < ARCHLLM_STAGE_COUNT;
         tok = strtok_r(NULL, ",", &save)) {
        archllm_stage s;
        if (archllm_stage_parse(&s, tok) == ARCHLLM_OK) out[n++] = s;
    }
    return n;
}

/* The datasets of search.datasets whose summary is missing, comma-separated. */
static void search_missing(const archllm_experiment *e, char *missing, size_t cap)
{
    char buf[sizeof e->cfg.search.datasets];
    snprintf(buf, sizeof buf, "%s", e->cfg.search.datasets);
    missing[0] = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        archllm_nb201_dataset d;
        if (archllm_nb201_dataset_parse(&d, tok) != ARCHLLM_OK) continue;
        char p[ARCHLLM_EXPERIMENT_PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/search-nb201-%s-summary.json", e->dir, archllm_nb201_dataset_name(d));
        if (file_exists(p)) continue;
        size_t n = strlen(missing);
        snprintf(missing + n, cap - n, "%s%s", n ? "," : "", archllm_nb201_dataset_name(d));
    }
}

static void artefact(const archllm_experiment *e, archllm_stage s, char *buf, size_t cap)
{
    switch (s) {
    case ARCHLLM_STAGE_DATASET: snprintf(buf, cap, "%s/dataset.jsonl", e->dir); break;
    case ARCHLLM_STAGE_VQVAE: snprintf(buf, cap, "%s/vqvae-metrics.json", e->dir); break;
    case ARCHLLM_STAGE_ENCODE:
        if (e->cfg.lm.data[0]) snprintf(buf, cap, "%s", e->cfg.lm.data);
        else snprintf(buf, cap, "%s/codes.jsonl", e->dir);
        break;
    case ARCHLLM_STAGE_LM: snprintf(buf, cap, "%s/t5/model.safetensors", e->dir); break;
    case ARCHLLM_STAGE_GENERATE: snprintf(buf, cap, "%s/generate/metrics.json", e->dir); break;
    default: snprintf(buf, cap, "%s/search-%s-*-summary.json", e->dir, e->cfg.data.space == ARCHLLM_CONFIG_NB101 ? "nb101" : "nb201"); break;
    }
}

/* Why search cannot run on the experiment's space ("no accuracy table": the report's
 * status), and the sentence run prints. */
static const char *search_unavailable(const archllm_experiment *e, const char **why)
{
    if (e->cfg.data.space == ARCHLLM_CONFIG_DARTS || e->cfg.data.space == ARCHLLM_CONFIG_CELLS) {
        *why = "there is no accuracy table to query (search needs NAS-Bench-201 or -101)";
        return "no accuracy table";
    }
    if (e->cfg.data.space == ARCHLLM_CONFIG_NB101) {
        *why = "NB101 search needs the official tfrecord: archllm search --space nb101 --nb101-data FILE "
               "--config CONFIG (this experiment's config)";
        return "NB101: needs --nb101-data";
    }
    return NULL;
}

archllm_stage_state archllm_experiment_stage_state(const archllm_experiment *e, archllm_stage s, const char **note)
{
    const char *unused;
    if (!note) note = &unused;
    *note = NULL;
    if (s == ARCHLLM_STAGE_SEARCH) {
        if (search_unavailable(e, note)) return ARCHLLM_STAGE_UNAVAILABLE;
        char missing[64];
        search_missing(e, missing, sizeof missing);
        return missing[0] ? ARCHLLM_STAGE_TODO : ARCHLLM_STAGE_COMPLETE;
    }
    char p[ARCHLLM_EXPERIMENT_PATH_MAX + 64];
    artefact(e, s, p, sizeof p);
    return file_exists(p) ? ARCHLLM_STAGE_COMPLETE : ARCHLLM_STAGE_TODO;
}

/* ---- running ---- */

static archllm_status need_ctx(archllm_experiment *e)
{
    if (e->ctx) return ARCHLLM_OK;
    archllm_status s = archllm_ctx_init(&e->ctx, e->device[0] ? e->device : NULL);
    if (s == ARCHLLM_OK) return archllm_autotune_auto(e->ctx);
    return s == ARCHLLM_ENOTFOUND ? ARCHLLM_ECONFIG : s; /* a selector that matches nothing */
}

/* A search over the datasets without their summary (the models load once). */
static archllm_status run_search(archllm_experiment *e, archllm_stage_env *env)
{
    archllm_search_opts o = archllm_search_opts_from_config(&e->cfg);
    char missing[64], table[ARCHLLM_EXPERIMENT_PATH_MAX];
    search_missing(e, missing, sizeof missing);
    if (missing[0]) o.datasets = missing; /* else all of search.datasets again */
    if (!archllm_find_data_file(table, sizeof table, "nb201_accuracy.csv"))
        return archllm_fail(ARCHLLM_ENOTFOUND, "nb201_accuracy.csv not found (installed data folder, the source "
                                               "tree's data/ or $ARCHLLM_DATA_DIR)");
    o.nb201_table = table;
    int device = 0;
    ARCHLLM_TRY(archllm_search_check(&e->cfg, &o, &device));
    if (device) {
        ARCHLLM_TRY(need_ctx(e));
        env->ctx = e->ctx;
    }
    return archllm_stage_search(env, &o);
}

static archllm_status run_one(archllm_experiment *e, archllm_stage s, const archllm_events *ev)
{
    archllm_stage_env env = {.cfg = &e->cfg, .dir = e->dir, .ctx = NULL, .ev = ev, .stop = &e->stop};
    archllm_train_opts to = {.resume = 1, .stop_after = -1};
    if (s == ARCHLLM_STAGE_DATASET) {
        archllm_dataset_opts o = archllm_dataset_opts_from_config(&e->cfg, e->dir);
        return archllm_stage_dataset(&env, &o);
    }
    if (s == ARCHLLM_STAGE_SEARCH) return run_search(e, &env);
    ARCHLLM_TRY(need_ctx(e));
    env.ctx = e->ctx;
    switch (s) {
    case ARCHLLM_STAGE_VQVAE: return archllm_stage_vqvae(&env, &to);
    case ARCHLLM_STAGE_ENCODE: {
        char out[ARCHLLM_EXPERIMENT_PATH_MAX + 64];
        artefact(e, s, out, sizeof out);
        return archllm_stage_encode(&env, NULL, out, NULL);
    }
    case ARCHLLM_STAGE_LM: return archllm_stage_lm(&env, &to);
    default: {
        archllm_generate_opts o = archllm_generate_opts_from_config(&e->cfg);
        return archllm_stage_generate(&env, &o);
    }
    }
}

archllm_status archllm_experiment_run_stage(archllm_experiment *e, archllm_stage s, const archllm_events *ev)
{
    if ((unsigned)s >= ARCHLLM_STAGE_COUNT) return archllm_fail(ARCHLLM_EINVAL, "stage %d", (int)s);
    archllm_stage_result *r = &e->results[s];
    double t0 = archllm_now_s();
    archllm_status st = run_one(e, s, ev);
    r->seconds = archllm_now_s() - t0;
    char p[ARCHLLM_EXPERIMENT_PATH_MAX + 64];
    artefact(e, s, p, sizeof p);
    if (st == ARCHLLM_OK && s != ARCHLLM_STAGE_SEARCH && !file_exists(p))
        st = archllm_fail(ARCHLLM_EIO, "%s finished without writing %s", stage_names[s], p);
    r->status = st == ARCHLLM_OK ? "done" : st == ARCHLLM_EINTERRUPTED ? "interrupted" : "failed";
    r->ran = 1;
    if (st == ARCHLLM_EINTERRUPTED) e->stop = 0; /* the request is answered; the next run goes on */
    e->failed = st == ARCHLLM_OK ? -1 : (int)s;
    return st;
}

archllm_status archllm_experiment_run(archllm_experiment *e, const archllm_stage *stages, int n,
                                      const archllm_events *ev)
{
    if (n < 0 || n > ARCHLLM_STAGE_COUNT) return archllm_fail(ARCHLLM_EINVAL, "%d stages (at most %d)", n, ARCHLLM_STAGE_COUNT);
    for (int i = 0; i < n; i++)
        if ((unsigned)stages[i] >= ARCHLLM_STAGE_COUNT) return archllm_fail(ARCHLLM_EINVAL, "stage %d", (int)stages[i]);
    double t0 = archllm_now_s();
    archllm_status s = ARCHLLM_OK;
    memset(e->results, 0, sizeof e->results);
    e->n_listed = 0;
    e->failed = -1;
    for (int i = 0; i < n && s == ARCHLLM_OK; i++) {
        archllm_stage k = stages[i];
        const char *name = stage_names[k], *note;
        e->listed[e->n_listed++] = k;
        archllm_stage_result *r = &e->results[k];
        artefact(e, k, r->artefact, sizeof r->artefact);
        archllm_stage_state st = archllm_experiment_stage_state(e, k, &note);
        if (st == ARCHLLM_STAGE_UNAVAILABLE) {
            const char *why;
            snprintf(r->status_text, sizeof r->status_text, "skipped (%s)", search_unavailable(e, &why));
            r->status = r->status_text;
            archllm_emit_message(ev, "run", ARCHLLM_MESSAGE_INFO, "[%d/%d] %s: skipped; %s", i + 1, n, name, note);
            continue;
        }
        if (st == ARCHLLM_STAGE_COMPLETE) {
            r->status = "skipped (complete)";
            archllm_emit_message(ev, "run", ARCHLLM_MESSAGE_INFO, "[%d/%d] %s: complete (%s), skipped", i + 1, n, name,
                                 r->artefact);
            continue;
        }
        archllm_emit_message(ev, "run", ARCHLLM_MESSAGE_INFO, "[%d/%d] %s: running", i + 1, n, name);
        s = archllm_experiment_run_stage(e, k, ev);
        char d[32];
        archllm_format_duration(d, sizeof d, r->seconds);
        if (s == ARCHLLM_OK)
            archllm_emit_message(ev, "run", ARCHLLM_MESSAGE_INFO, "[%d/%d] %s: done in %s", i + 1, n, name, d);
        else /* the caller reports it, with the error's detail (archllm_last_error) */
            archllm_emit_message(ev, "run", ARCHLLM_MESSAGE_DETAIL, "[%d/%d] %s: %s after %s", i + 1, n, name,
                                 r->status, d);
    }
    e->seconds = archllm_now_s() - t0;
    return s;
}

int archllm_experiment_failed_stage(const archllm_experiment *e, archllm_stage *s)
{
    if (e->failed < 0) return 0;
    *s = (archllm_stage)e->failed;
    return 1;
}
