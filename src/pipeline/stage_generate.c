/* stage_generate.c - the generate stage (stage.h): the model's samples, their metrics at
 * N = 1,000 and 10,000 (prefixes of one run) and at N, the two baselines in the same
 * units, the files of <output dir>/generate and the temperature sweep.  Sampling,
 * decoding and the metrics themselves are generate.c's and models.c's; option parsing,
 * the lock and the device are `archllm generate`'s (src/cli/cmd_generate.c). */
#include "config.h"
#include "pipeline/stage.h"

#include "io/svg.h"
#include "search/baseline.h"
#include "pipeline/pipeline.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_RECORDS 64

archllm_generate_opts archllm_generate_opts_from_config(const archllm_config *cfg)
{
    archllm_generate_opts o = {.samples = (size_t)cfg->generate.samples,
                               .temperature = cfg->lm.temperature,
                               .top_k = cfg->lm.top_k,
                               .top_p = cfg->lm.top_p,
                               .unique = 0,
                               .max_samples = 0,
                               .sweep = cfg->generate.sweep,
                               .batch = cfg->generate.batch,
                               .baselines = cfg->generate.baselines,
                               .out = NULL};
    return o;
}

archllm_status archllm_generate_sweep_parse(const char *s, double *t, int *n)
{
    const char *s0 = s;
    *n = 0;
    while (*s) {
        char *e;
        double v = strtod(s, &e);
        if (e == s || !(v >= 0.0 && v <= 100.0) || *n == ARCHLLM_GENERATE_SWEEP_MAX)
            return archllm_fail(ARCHLLM_ECONFIG, "sweep: expected at most %d temperatures like 0.5,1.0,1.5, got '%s'",
                                ARCHLLM_GENERATE_SWEEP_MAX, s0);
        t[(*n)++] = v;
        s = e;
        if (*s == ',') s++;
        else if (*s) return archllm_fail(ARCHLLM_ECONFIG, "sweep: expected temperatures like 0.5,1.0,1.5, got '%s'", s0);
    }
    return ARCHLLM_OK;
}

/* a row of the metric table; header when r is NULL */
static void emit_record(const archllm_events *ev, const archllm_genmetrics_record *r)
{
    if (!r) {
        archllm_emit_message(ev, "generate", ARCHLLM_MESSAGE_INFO, "%-18s %5s %7s %9s %9s %9s %9s %9s %9s", "method",
                             "temp", "N", "valid", "unique", "novel", "val+uniq", "v+u+nov", "iid lim.");
        return;
    }
    const archllm_genmetrics *m = &r->m;
    char t[16];
    if (isnan(r->temperature)) snprintf(t, sizeof t, "-");
    else snprintf(t, sizeof t, "%.2f", r->temperature);
    archllm_emit_message(ev, "generate", ARCHLLM_MESSAGE_INFO,
                         "%-18s %5s %7zu %8.2f%% %8.2f%% %8.2f%% %8.2f%% %8.2f%% %8.2f%%", r->method, t, m->generated,
                         100 * m->validity, 100 * m->uniqueness, 100 * m->novelty, 100 * m->valid_unique,
                         100 * m->valid_unique_novel, 100 * m->iid_unique_limit);
}

/* metrics vs temperature: one series per metric */
static archllm_status write_sweep_plot(const char *path, const archllm_genmetrics_record *r, int n)
{
    double x[ARCHLLM_GENERATE_SWEEP_MAX], y[5][ARCHLLM_GENERATE_SWEEP_MAX];
    const char *names[5] = {"validity", "uniqueness", "novelty", "valid & unique / generated",
                            "valid, unique & novel / generated"};
    for (int i = 0; i < n; i++) {
        x[i] = r[i].temperature;
        y[0][i] = 100 * r[i].m.validity, y[1][i] = 100 * r[i].m.uniqueness, y[2][i] = 100 * r[i].m.novelty;
        y[3][i] = 100 * r[i].m.valid_unique, y[4][i] = 100 * r[i].m.valid_unique_novel;
    }
    archllm_svg_series s[5];
    for (int k = 0; k < 5; k++) s[k] = (archllm_svg_series){.name = names[k], .x = x, .y = y[k], .n = (size_t)n, .markers = 1};
    archllm_svg_params p = archllm_svg_default_params();
    char title[128];
    snprintf(title, sizeof title, "generation metrics vs temperature (N = %zu)", r[0].m.generated);
    p.title = title;
    p.xlabel = "temperature";
    p.ylabel = "%";
    p.ymin = 0;
    p.ymax = 100;
    p.legend_top = 0;
    return archllm_svg_plot_save(path, &p, s, 5);
}

/* ARCHLLM_EINTERRUPTED when the caller asked to stop, before part k of total */
static archllm_status check_stop(const archllm_stage_env *env, int k, int total)
{
    if (env->stop && *env->stop) return archllm_fail(ARCHLLM_EINTERRUPTED, "stopped after %d of %d parts", k, total);
    return ARCHLLM_OK;
}

/* The protocol on loaded models; the parts (the model's samples, the baselines, each
 * sweep temperature) are the steps. */
static archllm_status generate(const archllm_stage_env *env, const archllm_generate_opts *o,
                               archllm_pipeline_models *pm, const double *temps, int nsweep, const char *odir)
{
    const archllm_events *ev = env->ev;
    char path[ARCHLLM_CONFIG_PATH_MAX + 160];
    archllm_generate_params gp = {.samples = o->samples,
                                  .temperature = o->temperature,
                                  .top_k = o->top_k,
                                  .top_p = o->top_p,
                                  .seed = (uint64_t)env->cfg->experiment.seed,
                                  .unique = o->unique,
                                  .max_samples = o->max_samples > 0 ? o->max_samples : o->samples * 50};
    ARCHLLM_TRY(archllm_mkdirs(odir));

    archllm_genmetrics_record rec[MAX_RECORDS];
    size_t nrec = 0;
    archllm_cell *cells = NULL, *bcells = NULL;
    size_t n = 0;
    double secs = 0;
    /* N = 1,000 and 10,000 as prefixes of one run, and N itself */
    size_t Ns[3], nN = 0;
    if (!o->unique) {
        if (gp.samples > 1000) Ns[nN++] = 1000;
        if (gp.samples > 10000) Ns[nN++] = 10000;
    }
    int step = 0, steps = 1 + (o->baselines ? 1 : 0) + nsweep;
    archllm_status s = archllm_pipeline_generate(pm, &gp, &cells, &n, &secs);
    if (s == ARCHLLM_OK) {
        archllm_emit_step(ev, "generate", ++step, steps, NULL, 0);
        Ns[nN++] = n;
        archllm_emit_message(ev, "generate", ARCHLLM_MESSAGE_INFO,
                             "generate: %s, %zu samples at temperature %.2f (top-k %d, top-p %.2f)%s: sampled and "
                             "decoded in %.2f s (%.0f cells/s), device %s",
                             archllm_space_name(pm->space), n, gp.temperature, gp.top_k, gp.top_p,
                             o->unique ? " until that many distinct valid cells" : "", secs, n / secs,
                             env->ctx->info.name);
        for (size_t i = 0; i < nN && s == ARCHLLM_OK; i++)
            s = archllm_pipeline_metrics(&rec[nrec++], pm, "archllm", gp.temperature, gp.seed, cells, Ns[i]);
    }
    if (s == ARCHLLM_OK) {
        snprintf(path, sizeof path, "%s/samples.jsonl", odir);
        s = archllm_pipeline_write_cells(path, pm->space, cells, n);
    }
    /* Ns[] is filled only when the generation succeeded (nN is 0 before that with --unique
     * or N <= 1,000), so read it only then */
    size_t nb = s == ARCHLLM_OK ? Ns[nN - 1] : 0;
    if (s == ARCHLLM_OK && o->baselines) {
        s = check_stop(env, step, steps);
        bcells = malloc(nb * sizeof *bcells);
        if (s == ARCHLLM_OK && !bcells) s = archllm_fail(ARCHLLM_ENOMEM, "generate");
        /* uniform over the space (NB101 and cells: over the experiment's cells) */
        archllm_nb101_space view = {.n = pm->n_cells, .cells = pm->cells};
        if (s == ARCHLLM_OK)
            s = archllm_baseline_sample(bcells, nb, pm->space, ARCHLLM_BASELINE_UNIFORM_SPACE,
                                        pm->space == ARCHLLM_SPACE_NB101 || pm->space == ARCHLLM_SPACE_CELLS ? &view
                                                                                                             : NULL,
                                        gp.seed);
        for (size_t i = 0; i < nN && s == ARCHLLM_OK; i++)
            s = archllm_pipeline_metrics(&rec[nrec++], pm, "uniform-space", NAN, gp.seed, bcells, Ns[i]);
        archllm_latent_stats ls;
        double t0 = archllm_now_s();
        if (s == ARCHLLM_OK) s = archllm_pipeline_latent_stats(pm, &ls);
        if (s == ARCHLLM_OK) {
            s = archllm_pipeline_sample_latent(pm, &ls, nb, gp.seed, bcells);
            archllm_latent_stats_free(&ls);
        }
        for (size_t i = 0; i < nN && s == ARCHLLM_OK; i++)
            s = archllm_pipeline_metrics(&rec[nrec++], pm, "continuous-latent", NAN, gp.seed, bcells, Ns[i]);
        if (s == ARCHLLM_OK)
            archllm_emit_message(ev, "generate", ARCHLLM_MESSAGE_DETAIL, "continuous-latent baseline: %zu samples in %.2f s",
                                 nb, archllm_now_s() - t0);
        if (s == ARCHLLM_OK) archllm_emit_step(ev, "generate", ++step, steps, NULL, 0);
    }
    if (s == ARCHLLM_OK) {
        emit_record(ev, NULL);
        for (size_t i = 0; i < nrec; i++) emit_record(ev, &rec[i]);
        if (o->baselines)
            archllm_emit_message(ev, "generate", ARCHLLM_MESSAGE_INFO,
                                 "continuous-latent: Gaussian latents with the training split's per-coordinate mean "
                                 "and std of the VQ-VAE encoder's pre-quantization latents, decoded by the same "
                                 "trained decoder without quantization (an arch2vec-style sample through our decoder "
                                 "family, not arch2vec itself)");
    }
    if (s == ARCHLLM_OK) {
        snprintf(path, sizeof path, "%s/metrics.csv", odir);
        s = archllm_genmetrics_save_csv(path, rec, nrec);
    }
    if (s == ARCHLLM_OK) {
        archllm_atomic_file af;
        snprintf(path, sizeof path, "%s/timing.json", odir);
        s = archllm_atomic_open(&af, path);
        if (s == ARCHLLM_OK) {
            fprintf(af.f, "{\"samples\": %zu, \"seconds\": %.4f, \"batch\": %d, \"device\": \"%s\"}\n", n, secs,
                    o->batch, env->ctx->info.name);
            s = archllm_atomic_commit(&af);
        }
    }
    /* the temperature sweep: the model's metrics at N = samples per temperature */
    if (s == ARCHLLM_OK && nsweep > 0) {
        archllm_genmetrics_record sw[ARCHLLM_GENERATE_SWEEP_MAX];
        archllm_generate_params g2 = gp;
        g2.unique = 0;
        for (int i = 0; i < nsweep && s == ARCHLLM_OK; i++) {
            g2.temperature = temps[i];
            s = check_stop(env, step, steps);
            if (s == ARCHLLM_OK && temps[i] == gp.temperature && !o->unique) {
                sw[i] = rec[nN - 1]; /* the same seed and settings: the run above */
            } else if (s == ARCHLLM_OK) {
                archllm_cell *sc = NULL;
                size_t sn = 0;
                s = archllm_pipeline_generate(pm, &g2, &sc, &sn, NULL);
                if (s == ARCHLLM_OK) s = archllm_pipeline_metrics(&sw[i], pm, "archllm", temps[i], g2.seed, sc, sn);
                free(sc);
            }
            if (s == ARCHLLM_OK) emit_record(ev, &sw[i]);
            if (s == ARCHLLM_OK) archllm_emit_step(ev, "generate", ++step, steps, NULL, 0);
        }
        if (s == ARCHLLM_OK) {
            snprintf(path, sizeof path, "%s/sweep.csv", odir);
            s = archllm_genmetrics_save_csv(path, sw, (size_t)nsweep);
        }
        if (s == ARCHLLM_OK) {
            snprintf(path, sizeof path, "%s/sweep.svg", odir);
            s = write_sweep_plot(path, sw, nsweep);
        }
    }
    /* last: its presence tells `archllm run` that the stage is complete */
    if (s == ARCHLLM_OK) {
        snprintf(path, sizeof path, "%s/metrics.json", odir);
        s = archllm_genmetrics_save_json(path, rec, nrec);
    }
    if (s == ARCHLLM_OK)
        archllm_emit_message(ev, "generate", ARCHLLM_MESSAGE_INFO,
                             "wrote %s/samples.jsonl, metrics.json, metrics.csv, timing.json%s", odir,
                             nsweep ? ", sweep.csv, sweep.svg" : "");
    free(cells);
    free(bcells);
    return s;
}

archllm_status archllm_stage_generate(const archllm_stage_env *env, const archllm_generate_opts *o)
{
    double t0 = archllm_now_s();
    char odir[ARCHLLM_CONFIG_PATH_MAX + 96];
    if (o->out) snprintf(odir, sizeof odir, "%s", o->out);
    else snprintf(odir, sizeof odir, "%s/generate", env->dir);
    archllm_emit_begin(env->ev, "generate", "%zu %ssamples of the models in %s into %s", o->samples,
                       o->unique ? "distinct valid " : "", env->dir, odir);
    double temps[ARCHLLM_GENERATE_SWEEP_MAX];
    int nsweep = 0;
    archllm_pipeline_models pm;
    archllm_status s = archllm_generate_sweep_parse(o->sweep ? o->sweep : "", temps, &nsweep);
    if (s == ARCHLLM_OK && (s = archllm_pipeline_models_load(&pm, env->ctx, env->cfg, o->batch)) != ARCHLLM_OK)
        archllm_fail_prefix(s, "loading the trained models");
    else if (s == ARCHLLM_OK) {
        s = generate(env, o, &pm, temps, nsweep, odir);
        archllm_pipeline_models_free(&pm);
    }
    archllm_emit_end(env->ev, "generate", s, archllm_now_s() - t0);
    return s;
}
