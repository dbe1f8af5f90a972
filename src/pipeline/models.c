/* models.c - an experiment's trained VQ-VAE and T5 loaded side by side, and what the
 * pipeline does with them: sample code sequences, fill masked codes, decode codes (and,
 * for the continuous baseline, unquantized latents) into cells.  Generation metrics,
 * the search method and the stage runner are in the other files of this folder. */
#include "config.h"
#include "pipeline/pipeline.h"

#include "model/prompts.h"
#include "model/vqvae_run.h"
#include "util/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* codes.jsonl (as `archllm encode` writes it, one line per cell in order) -> pm->codes */
static archllm_status load_all_codes(archllm_pipeline_models *pm, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return archllm_fail(ARCHLLM_ENOTFOUND, "%s: cannot open (run `archllm encode` first)", path);
    size_t NC = (size_t)pm->N * pm->C, i = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    archllm_status s = ARCHLLM_OK;
    int *hist = calloc((size_t)NC + 1, sizeof *hist);
    if (!hist) s = archllm_fail(ARCHLLM_ENOMEM, "codes");
    while (s == ARCHLLM_OK && (len = getline(&line, &cap, f)) >= 0) {
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        if (i >= pm->n_cells) {
            s = archllm_fail(ARCHLLM_EFORMAT, "%s: more lines than the %zu cells of the experiment", path, pm->n_cells);
            break;
        }
        int n = 0;
        int32_t *row = pm->codes + i * NC;
        s = archllm_codes_parse_line(line, (size_t)len, row, (int)NC, &n, NULL);
        if (s != ARCHLLM_OK) break;
        if (n != pm->cells[i].nv * pm->C) {
            s = archllm_fail(ARCHLLM_EFORMAT, "%s:%zu: %d codes for a cell of %d nodes (stale file? rerun encode)",
                             path, i + 1, n, pm->cells[i].nv);
            break;
        }
        for (int k = 0; k < n; k++)
            if (row[k] < 0 || row[k] >= pm->K) s = archllm_fail(ARCHLLM_EFORMAT, "%s:%zu: code %d", path, i + 1, row[k]);
        for (size_t k = (size_t)n; k < NC; k++) row[k] = -1;
        hist[n]++;
        i++;
    }
    free(line);
    fclose(f);
    if (s == ARCHLLM_OK && i != pm->n_cells)
        s = archllm_fail(ARCHLLM_EFORMAT, "%s: %zu lines for %zu cells (stale file? rerun encode)", path, i,
                         pm->n_cells);
    /* the most common length, as `archllm sample` picks it */
    pm->L = 0;
    if (s == ARCHLLM_OK) {
        int best = 0;
        for (size_t l = 1; l <= NC; l++)
            if (hist[l] > hist[best]) best = (int)l;
        pm->L = best;
    }
    free(hist);
    return s;
}

archllm_status archllm_pipeline_models_load(archllm_pipeline_models *pm, archllm_ctx_t *ctx,
                                            const archllm_config *cfg, int batch)
{
    memset(pm, 0, sizeof *pm);
    pm->ctx = ctx;
    pm->batch = batch;
    pm->space = archllm_vqvae_space(cfg);
    char dir[ARCHLLM_CONFIG_PATH_MAX + 64], path[ARCHLLM_CONFIG_PATH_MAX + 128];
    archllm_config_output_dir(cfg, dir, sizeof dir);

    archllm_dataset data;
    memset(&data, 0, sizeof data);
    archllm_status s = archllm_vqvae_data(cfg, &data, &pm->split, &pm->cells);
    if (s != ARCHLLM_OK) return s;
    pm->n_cells = data.n;
    archllm_dataset_free(&data);

    /* decoding batches of at least 256 graphs; no training here */
    s = archllm_vqvae_open(&pm->vq, ctx, cfg, NULL, cfg->vqvae.batch_size < 256 ? 256 : 0);
    if (s != ARCHLLM_OK) goto fail;
    pm->K = pm->vq.hp.codebook_size, pm->C = pm->vq.hp.codes_per_node, pm->N = pm->vq.hp.max_v;

    snprintf(path, sizeof path, "%s/t5", dir);
    s = archllm_t5_load_hf(ctx, &pm->t5, path);
    if (s != ARCHLLM_OK) goto fail;
    if (pm->t5.cfg.vocab < archllm_code_vocab_size(pm->K)) {
        s = archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: vocabulary of %d ids is not the built-in code vocabulary (%d)",
                         path, pm->t5.cfg.vocab, archllm_code_vocab_size(pm->K));
        goto fail;
    }
    size_t NC = (size_t)pm->N * pm->C;
    s = archllm_t5_reserve(ctx, &pm->t5, batch, (int)NC + 2, (int)NC + ARCHLLM_VOCAB_SENTINELS + 2);
    if (s != ARCHLLM_OK) goto fail;

    pm->codes = malloc(pm->n_cells * NC * sizeof *pm->codes);
    if (!pm->codes) {
        s = archllm_fail(ARCHLLM_ENOMEM, "pipeline: codes");
        goto fail;
    }
    if (cfg->lm.data[0]) snprintf(path, sizeof path, "%s", cfg->lm.data);
    else snprintf(path, sizeof path, "%s/codes.jsonl", dir);
    if ((s = load_all_codes(pm, path)) != ARCHLLM_OK) goto fail;

    s = archllm_train_set_from_cells(&pm->train, pm->space, pm->cells, pm->split.train, pm->split.n_train);
    if (s == ARCHLLM_OK) s = archllm_hashset_init(&pm->index, pm->n_cells);
    for (size_t i = 0; s == ARCHLLM_OK && i < pm->n_cells; i++) {
        uint8_t key[16];
        if (archllm_space_cell_digest(key, pm->space, &pm->cells[i]) != ARCHLLM_OK) continue;
        s = archllm_hashset_put(pm->index, key, (uint32_t)i, NULL);
    }
    if (s == ARCHLLM_OK) return ARCHLLM_OK;
fail:
    archllm_pipeline_models_free(pm);
    return s;
}

void archllm_pipeline_models_free(archllm_pipeline_models *pm)
{
    if (pm->vq.ctx) archllm_vqvae_free(&pm->vq);
    if (pm->t5.P.finalized) archllm_t5_free(&pm->t5);
    free(pm->cells);
    free(pm->codes);
    archllm_split_free(&pm->split);
    archllm_hashset_free(pm->train);
    archllm_hashset_free(pm->index);
    memset(pm, 0, sizeof *pm);
}

/* the experiment's T5 as a code language model */
static archllm_code_lm code_lm(archllm_pipeline_models *pm)
{
    archllm_code_lm lm = {.ctx = pm->ctx, .t5 = &pm->t5, .tok = NULL, .K = pm->K, .batch = pm->batch};
    return lm;
}

/* sequences into rows of L codes; constrained decoding leaves none ill-formed */
typedef struct {
    int      L;
    int32_t *out; /* (n, L) */
} rows;

static archllm_status keep_row(void *user, size_t i, const int32_t *codes, int n)
{
    rows *r = user;
    if (n != r->L) return archllm_fail(ARCHLLM_EINVAL, "sequence %zu: not %d codes", i, r->L);
    memcpy(r->out + i * (size_t)r->L, codes, (size_t)r->L * sizeof *codes);
    return ARCHLLM_OK;
}

archllm_status archllm_pipeline_sample(archllm_pipeline_models *pm, const archllm_sample_params *sp0, size_t n,
                                       int32_t *codes)
{
    archllm_code_lm lm = code_lm(pm);
    archllm_sample_params sp = *sp0;
    sp.constrained = 1;
    rows r = {pm->L, codes};
    return archllm_code_lm_sample(&lm, &sp, pm->L, n, keep_row, &r);
}

archllm_status archllm_pipeline_decode(archllm_pipeline_models *pm, const int32_t *codes, size_t n,
                                       archllm_cell *cells)
{
    size_t NC = (size_t)pm->N * pm->C, B = (size_t)pm->vq.hp.max_batch;
    int nvv = pm->L / pm->C;
    int32_t *buf = calloc(B * NC, sizeof *buf);
    int *nv = malloc(B * sizeof *nv);
    archllm_status s = buf && nv ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "decode");
    for (size_t i = 0; s == ARCHLLM_OK && i < n; i += B) {
        size_t nb = n - i < B ? n - i : B;
        for (size_t b = 0; b < nb; b++) {
            memcpy(buf + b * NC, codes + (i + b) * (size_t)pm->L, (size_t)pm->L * sizeof *buf);
            nv[b] = nvv;
        }
        s = archllm_vqvae_decode(&pm->vq, buf, nv, (int)nb, pm->space, cells + i);
    }
    free(buf), free(nv);
    return s;
}

archllm_status archllm_pipeline_codes_of(const archllm_pipeline_models *pm, const archllm_cell *c, int32_t *codes)
{
    uint8_t key[16];
    uint32_t i;
    ARCHLLM_TRY(archllm_space_cell_digest(key, pm->space, c));
    if (!archllm_hashset_get(pm->index, key, &i)) return archllm_fail(ARCHLLM_ENOTFOUND, "cell not in the experiment");
    if (pm->cells[i].nv * pm->C != pm->L)
        return archllm_fail(ARCHLLM_ENOTFOUND, "cell of %d nodes (the model samples %d codes)", pm->cells[i].nv, pm->L);
    memcpy(codes, pm->codes + (size_t)i * pm->N * pm->C, (size_t)pm->L * sizeof *codes);
    return ARCHLLM_OK;
}

archllm_status archllm_pipeline_fill(archllm_pipeline_models *pm, const archllm_sample_params *sp0,
                                     const int32_t *codes, const uint8_t *mask, size_t n, int32_t *out)
{
    archllm_code_lm lm = code_lm(pm);
    archllm_sample_params sp = *sp0;
    sp.constrained = 1;
    rows r = {pm->L, out};
    return archllm_code_lm_fill(&lm, &sp, codes, (size_t)pm->L, mask, pm->L, n, keep_row, &r);
}

/* ---- the continuous-latent baseline ---- */

void archllm_latent_stats_free(archllm_latent_stats *ls)
{
    free(ls->mean), free(ls->std), free(ls->nv_cdf);
    memset(ls, 0, sizeof *ls);
}

archllm_status archllm_pipeline_latent_stats(archllm_pipeline_models *pm, archllm_latent_stats *ls)
{
    memset(ls, 0, sizeof *ls);
    archllm_vqvae *m = &pm->vq;
    size_t N = (size_t)pm->N, C = (size_t)pm->C, D = (size_t)m->hp.latent_dim, dims = N * C * D;
    size_t B = (size_t)m->hp.max_batch;
    ls->dims = (int)dims;
    ls->mean = calloc(dims, sizeof(double));
    ls->std = calloc(dims, sizeof(double));
    ls->nv_cdf = calloc(N + 1, sizeof(double));
    double *cnt = calloc(dims, sizeof(double));
    float *ze = malloc(B * dims * sizeof(float));
    archllm_dataset d;
    memset(&d, 0, sizeof d);
    archllm_status s = ls->mean && ls->std && ls->nv_cdf && cnt && ze ? ARCHLLM_OK
                                                                      : archllm_fail(ARCHLLM_ENOMEM, "latent stats");
    if (s == ARCHLLM_OK) s = archllm_dataset_build(&d, pm->space, pm->cells, pm->n_cells);
    const uint32_t *idx = pm->split.train;
    size_t n = pm->split.n_train;
    /* two passes would need the latents twice; sums of x and x^2 in double are enough here */
    double *sq = calloc(dims, sizeof(double));
    if (s == ARCHLLM_OK && !sq) s = archllm_fail(ARCHLLM_ENOMEM, "latent stats");
    for (size_t i = 0; s == ARCHLLM_OK && i < n; i += B) {
        int nb = (int)(n - i < B ? n - i : B);
        s = archllm_vqvae_load(m, &d, idx + i, nb);
        if (s == ARCHLLM_OK) s = archllm_vqvae_forward(m, 0, NULL);
        if (s == ARCHLLM_OK)
            s = archllm_vqvae_latents(m, ze, nb);
        for (int b = 0; s == ARCHLLM_OK && b < nb; b++) {
            int nv = d.nv[idx[i + (size_t)b]];
            ls->nv_cdf[nv] += 1.0;
            for (size_t j = 0; j < (size_t)nv * C * D; j++) {
                double x = ze[(size_t)b * dims + j];
                ls->mean[j] += x, sq[j] += x * x, cnt[j] += 1.0;
            }
        }
    }
    for (size_t j = 0; s == ARCHLLM_OK && j < dims; j++) {
        if (cnt[j] > 0) {
            ls->mean[j] /= cnt[j];
            double v = sq[j] / cnt[j] - ls->mean[j] * ls->mean[j];
            ls->std[j] = v > 0 ? sqrt(v) : 0.0;
        }
    }
    for (size_t v = 1; s == ARCHLLM_OK && v <= N; v++) ls->nv_cdf[v] += ls->nv_cdf[v - 1];
    for (size_t v = 0; s == ARCHLLM_OK && v <= N && n > 0; v++) ls->nv_cdf[v] /= (double)n;
    free(cnt), free(ze), free(sq);
    archllm_dataset_free(&d);
    if (s != ARCHLLM_OK) archllm_latent_stats_free(ls);
    return s;
}

/* Gaussian latents decoded by the VQ-VAE's decoder without quantization. */
archllm_status archllm_pipeline_sample_latent(archllm_pipeline_models *pm, const archllm_latent_stats *ls,
                                              size_t n, uint64_t seed, archllm_cell *cells)
{
    archllm_vqvae *m = &pm->vq;
    size_t N = (size_t)pm->N, C = (size_t)pm->C, D = (size_t)m->hp.latent_dim;
    size_t per = N * C * D, G = (size_t)m->hp.max_batch; /* graphs per decode call */
    float *z = calloc(G * per, sizeof(float));
    int *nv = malloc(G * sizeof *nv);
    archllm_status s = z && nv ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "latent baseline");
    archllm_rng r;
    archllm_rng_seed(&r, seed, 0x1a7e);
    for (size_t i = 0; s == ARCHLLM_OK && i < n; i += G) {
        size_t nb = n - i < G ? n - i : G;
        for (size_t b = 0; b < nb; b++) {
            double u = archllm_rng_uniform(&r);
            int v = 2;
            while (v < (int)N && ls->nv_cdf[v] <= u) v++;
            nv[b] = v;
            for (size_t j = 0; j < per; j++)
                z[b * per + j] = (float)(ls->mean[j] + ls->std[j] * archllm_rng_normal(&r));
        }
        s = archllm_vqvae_decode_latents(m, z, nv, (int)nb, pm->space, cells + i);
    }
    free(z), free(nv);
    return s;
}
