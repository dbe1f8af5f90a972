/* cmd_generate.c - `archllm generate CONFIG`: sample code sequences from the experiment's
 * trained T5, decode them with its VQ-VAE, and measure them (validity, uniqueness,
 * novelty against the VQ-VAE's training split, and the absolute forms), at N = 1,000 and
 * 10,000 (prefixes of one run) and at N, beside two baselines in the same units: cells
 * drawn uniformly from the space, and Gaussian continuous latents (the training split's
 * per-coordinate mean and std of the encoder's pre-quantization latents) decoded by the
 * same trained decoder without quantization - an arch2vec-style sample through our
 * decoder family, not arch2vec itself.  --sweep repeats the model's sampling over
 * temperatures and plots the metrics (CSV + SVG).  Files go to <output dir>/generate. */
#include "config.h"
#include "cli/cli.h"
#include "io/svg.h"
#include "search/baseline.h"
#include "pipeline/pipeline.h"
#include "util/fileio.h"
#include "util/clock.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RECORDS 64
#define MAX_SWEEP   32

static int parse_temps(const char *s, double *t, int cap)
{
    int n = 0;
    while (*s) {
        char *e;
        double v = strtod(s, &e);
        if (e == s || !(v >= 0.0 && v <= 100.0) || n == cap) return -1;
        t[n++] = v;
        s = e;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return n;
}

static void print_record(const archllm_genmetrics_record *r)
{
    const archllm_genmetrics *m = &r->m;
    char t[16];
    if (isnan(r->temperature)) snprintf(t, sizeof t, "-");
    else snprintf(t, sizeof t, "%.2f", r->temperature);
    printf("%-18s %5s %7zu %8.2f%% %8.2f%% %8.2f%% %8.2f%% %8.2f%% %8.2f%%\n", r->method, t, m->generated,
           100 * m->validity, 100 * m->uniqueness, 100 * m->novelty, 100 * m->valid_unique,
           100 * m->valid_unique_novel, 100 * m->iid_unique_limit);
}

static void print_header(void)
{
    printf("%-18s %5s %7s %9s %9s %9s %9s %9s %9s\n", "method", "temp", "N", "valid", "unique", "novel", "val+uniq",
           "v+u+nov", "iid lim.");
}

/* metrics vs temperature: one series per metric */
/* One unit of work done: "step S/T" lines are what `archllm run` reads for its ETA. */
static void step_done(int *k, int total, const char *what)
{
    fflush(stdout);
    fprintf(stderr, "generate: step %d/%d done: %s\n", ++*k, total, what);
}

static archllm_status write_sweep_plot(const char *path, const archllm_genmetrics_record *r, int n)
{
    double x[MAX_SWEEP], y[5][MAX_SWEEP];
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

int cmd_generate(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL, *out_opt = NULL, *sweep_opt = NULL;
    long samples = -1, top_k = -1, batch = -1, max_samples = -1;
    double temperature = -1, top_p = -1;
    int unique = 0, baselines = -1;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             {"device", required_argument, NULL, 'd'},
                                             {"samples", required_argument, NULL, 'n'},
                                             {"temperature", required_argument, NULL, 't'},
                                             {"top-k", required_argument, NULL, 'k'},
                                             {"top-p", required_argument, NULL, 'p'},
                                             {"unique", no_argument, NULL, 'u'},
                                             {"max-samples", required_argument, NULL, 'M'},
                                             {"sweep", required_argument, NULL, 'w'},
                                             {"batch", required_argument, NULL, 'b'},
                                             {"no-baselines", no_argument, NULL, 'B'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "d:n:t:k:p:uM:w:b:Bo:h", longopts, NULL)) != -1) {
        int r = cli_config_option(&co, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 'n':
            samples = strtol(optarg, &end, 10);
            if (*end || samples < 1 || samples > 100000000) return cli_error(CLI_EXIT_USAGE, "--samples: '%s'", optarg);
            break;
        case 't':
            temperature = strtod(optarg, &end);
            if (*end || !(temperature >= 0 && temperature <= 100))
                return cli_error(CLI_EXIT_USAGE, "--temperature: '%s'", optarg);
            break;
        case 'k':
            top_k = strtol(optarg, &end, 10);
            if (*end || top_k < 0) return cli_error(CLI_EXIT_USAGE, "--top-k: '%s'", optarg);
            break;
        case 'p':
            top_p = strtod(optarg, &end);
            if (*end || !(top_p > 0 && top_p <= 1)) return cli_error(CLI_EXIT_USAGE, "--top-p: '%s'", optarg);
            break;
        case 'u': unique = 1; break;
        case 'M':
            max_samples = strtol(optarg, &end, 10);
            if (*end || max_samples < 1) return cli_error(CLI_EXIT_USAGE, "--max-samples: '%s'", optarg);
            break;
        case 'w': sweep_opt = optarg; break;
        case 'b':
            batch = strtol(optarg, &end, 10);
            if (*end || batch < 8 || batch > 65536) return cli_error(CLI_EXIT_USAGE, "--batch: '%s' (8..65536)", optarg);
            break;
        case 'B': baselines = 0; break;
        case 'o': out_opt = optarg; break;
        case 'h': return cli_usage("generate", CLI_EXIT_OK);
        default: return cli_usage("generate", CLI_EXIT_USAGE);
        }
    }
    int prc = cli_config_positional(&co, argc, argv, "generate");
    if (prc != CLI_EXIT_OK) return prc;
    double temps[MAX_SWEEP];
    int nsweep = 0;
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    if (!sweep_opt && cfg.generate.sweep[0]) sweep_opt = cfg.generate.sweep;
    if (sweep_opt && (nsweep = parse_temps(sweep_opt, temps, MAX_SWEEP)) < 1)
        return cli_error(CLI_EXIT_USAGE, "--sweep: expected temperatures like 0.5,1.0,1.5, got '%s'", sweep_opt);
    setvbuf(stdout, NULL, _IOLBF, 0);

    archllm_generate_params gp = {0};
    gp.samples = (size_t)(samples > 0 ? samples : cfg.generate.samples);
    gp.temperature = temperature >= 0 ? temperature : cfg.lm.temperature;
    gp.top_k = top_k >= 0 ? (int)top_k : cfg.lm.top_k;
    gp.top_p = top_p > 0 ? top_p : cfg.lm.top_p;
    gp.seed = (uint64_t)cfg.experiment.seed;
    gp.unique = unique;
    gp.max_samples = max_samples > 0 ? (size_t)max_samples : gp.samples * 50;
    if (baselines < 0) baselines = cfg.generate.baselines;
    int B = (int)(batch > 0 ? batch : cfg.generate.batch);

    char dir[ARCHLLM_CONFIG_PATH_MAX + 64], odir[ARCHLLM_CONFIG_PATH_MAX + 96], path[ARCHLLM_CONFIG_PATH_MAX + 160];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if (out_opt) snprintf(odir, sizeof odir, "%s", out_opt);
    else snprintf(odir, sizeof odir, "%s/generate", dir);
    if (!out_opt && (rc = cli_lock_output(dir, "generate")) != CLI_EXIT_OK) return rc;

    archllm_ctx_t *ctx = NULL;
    rc = cli_open_ctx(&ctx, device, &cfg);
    if (rc != CLI_EXIT_OK) return rc;
    archllm_pipeline_models pm;
    archllm_status s = archllm_pipeline_models_load(&pm, ctx, &cfg, B);
    if (s != ARCHLLM_OK) {
        archllm_ctx_free(ctx);
        return cli_status(s, "generate: loading the trained models");
    }
    s = archllm_mkdirs(odir);

    archllm_genmetrics_record rec[MAX_RECORDS];
    size_t nrec = 0;
    archllm_cell *cells = NULL, *bcells = NULL;
    size_t n = 0;
    double secs = 0;
    /* N = 1,000 and 10,000 as prefixes of one run, and N itself */
    size_t Ns[3], nN = 0;
    if (!unique) {
        if (gp.samples > 1000) Ns[nN++] = 1000;
        if (gp.samples > 10000) Ns[nN++] = 10000;
    }
    int step = 0, steps = 1 + (baselines ? 1 : 0) + nsweep;
    if (s == ARCHLLM_OK) s = archllm_pipeline_generate(&pm, &gp, &cells, &n, &secs);
    if (s == ARCHLLM_OK) {
        step_done(&step, steps, "the model's samples");
        Ns[nN++] = n;
        printf("generate: %s, %zu samples at temperature %.2f (top-k %d, top-p %.2f)%s: sampled and decoded in "
               "%.2f s (%.0f cells/s), device %s\n",
               archllm_space_name(pm.space), n, gp.temperature, gp.top_k, gp.top_p,
               unique ? " until that many distinct valid cells" : "", secs, n / secs, ctx->info.name);
        for (size_t i = 0; i < nN && s == ARCHLLM_OK; i++)
            s = archllm_pipeline_metrics(&rec[nrec++], &pm, "archllm", gp.temperature, gp.seed, cells, Ns[i]);
    }
    if (s == ARCHLLM_OK) {
        snprintf(path, sizeof path, "%s/samples.jsonl", odir);
        s = archllm_pipeline_write_cells(path, pm.space, cells, n);
    }
    /* Ns[] is filled only when the generation succeeded (nN is 0 before that with --unique
     * or N <= 1,000), so read it only then */
    size_t nb = s == ARCHLLM_OK ? Ns[nN - 1] : 0;
    if (s == ARCHLLM_OK && baselines) {
        bcells = malloc(nb * sizeof *bcells);
        if (!bcells) s = archllm_fail(ARCHLLM_ENOMEM, "generate");
        /* uniform over the space (NB101 and cells: over the experiment's cells) */
        archllm_nb101_space view = {.n = pm.n_cells, .cells = pm.cells};
        if (s == ARCHLLM_OK)
            s = archllm_baseline_sample(bcells, nb, pm.space, ARCHLLM_BASELINE_UNIFORM_SPACE,
                                        pm.space == ARCHLLM_SPACE_NB101 || pm.space == ARCHLLM_SPACE_CELLS ? &view : NULL,
                                        gp.seed);
        for (size_t i = 0; i < nN && s == ARCHLLM_OK; i++)
            s = archllm_pipeline_metrics(&rec[nrec++], &pm, "uniform-space", NAN, gp.seed, bcells, Ns[i]);
        archllm_latent_stats ls;
        double t0 = archllm_now_s();
        if (s == ARCHLLM_OK) s = archllm_pipeline_latent_stats(&pm, &ls);
        if (s == ARCHLLM_OK) {
            s = archllm_pipeline_sample_latent(&pm, &ls, nb, gp.seed, bcells);
            archllm_latent_stats_free(&ls);
        }
        for (size_t i = 0; i < nN && s == ARCHLLM_OK; i++)
            s = archllm_pipeline_metrics(&rec[nrec++], &pm, "continuous-latent", NAN, gp.seed, bcells, Ns[i]);
        if (s == ARCHLLM_OK) printf("continuous-latent baseline: %zu samples in %.2f s\n", nb, archllm_now_s() - t0);
        if (s == ARCHLLM_OK) step_done(&step, steps, "the baselines");
    }
    if (s == ARCHLLM_OK) {
        print_header();
        for (size_t i = 0; i < nrec; i++) print_record(&rec[i]);
        if (baselines)
            printf("continuous-latent: Gaussian latents with the training split's per-coordinate mean and std of the "
                   "VQ-VAE encoder's pre-quantization latents, decoded by the same trained decoder without "
                   "quantization (an arch2vec-style sample through our decoder family, not arch2vec itself)\n");
        snprintf(path, sizeof path, "%s/metrics.json", odir);
        s = archllm_genmetrics_save_json(path, rec, nrec);
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
            fprintf(af.f, "{\"samples\": %zu, \"seconds\": %.4f, \"batch\": %d, \"device\": \"%s\"}\n", n, secs, B,
                    ctx->info.name);
            s = archllm_atomic_commit(&af);
        }
    }
    /* the temperature sweep: the model's metrics at N = samples per temperature */
    if (s == ARCHLLM_OK && nsweep > 0) {
        archllm_genmetrics_record sw[MAX_SWEEP];
        archllm_generate_params g2 = gp;
        g2.unique = 0;
        for (int i = 0; i < nsweep && s == ARCHLLM_OK; i++) {
            g2.temperature = temps[i];
            if (temps[i] == gp.temperature && !unique) {
                sw[i] = rec[nN - 1]; /* the same seed and settings: the run above */
            } else {
                archllm_cell *sc = NULL;
                size_t sn = 0;
                s = archllm_pipeline_generate(&pm, &g2, &sc, &sn, NULL);
                if (s == ARCHLLM_OK) s = archllm_pipeline_metrics(&sw[i], &pm, "archllm", temps[i], g2.seed, sc, sn);
                free(sc);
            }
            if (s == ARCHLLM_OK) print_record(&sw[i]);
            char what[48];
            snprintf(what, sizeof what, "sweep, temperature %.2f", temps[i]);
            if (s == ARCHLLM_OK) step_done(&step, steps, what);
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
    if (s == ARCHLLM_OK) printf("wrote %s/samples.jsonl, metrics.json, metrics.csv, timing.json%s\n", odir,
                                nsweep ? ", sweep.csv, sweep.svg" : "");
    free(cells);
    free(bcells);
    archllm_pipeline_models_free(&pm);
    archllm_ctx_free(ctx);
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "generate");
}
