/* vqvae_run.c - config, data, checkpoints and evaluation around the VQ-VAE model. */
#include <config.h>

#include "model/vqvae_run.h"
#include "nas/cells.h"
#include "nas/darts.h"
#include "nas/nb101.h"
#include "nas/nb201.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

archllm_space archllm_vqvae_space(const archllm_config *cfg)
{
    switch (cfg->data.space) {
    case ARCHLLM_CONFIG_NB201: return ARCHLLM_SPACE_NB201;
    case ARCHLLM_CONFIG_DARTS: return ARCHLLM_SPACE_DARTS;
    case ARCHLLM_CONFIG_CELLS: return ARCHLLM_SPACE_CELLS;
    default: return ARCHLLM_SPACE_NB101;
    }
}

archllm_status archllm_vqvae_space_load(const archllm_config *cfg, const archllm_cell **cells, size_t *n)
{
    if (cfg->data.space != ARCHLLM_CONFIG_CELLS) return ARCHLLM_OK;
    if (!cfg->data.cells[0])
        return archllm_fail(ARCHLLM_ECONFIG, "data.cells: data.space \"cells\" needs the JSON Lines file of the space");
    archllm_cells_source src = {cfg->data.cells, cfg->data.cells_ops, cfg->data.cells_max_edges};
    return archllm_cells_space_use(&src, cells, n);
}

archllm_vqvae_params archllm_vqvae_params_from_config(const archllm_config *cfg)
{
    archllm_vqvae_params p = archllm_vqvae_default_params();
    const archllm_config_vqvae *v = &cfg->vqvae;
    archllm_space space = archllm_vqvae_space(cfg);
    p.max_v = archllm_space_max_v(space);
    p.n_ops = archllm_space_num_ops(space);
    p.layers = v->layers;
    p.hidden = v->hidden;
    p.latent_dim = v->latent_dim;
    p.codes_per_node = v->codes_per_node;
    p.codebook_size = v->codebook_size;
    p.adj_mode = v->adj_decoder == 1 ? ARCHLLM_ADJ_PAIR : ARCHLLM_ADJ_INNER;
    p.adj_dim = v->adj_dim;
    p.quantizer = v->quantizer == 1 ? ARCHLLM_VQ_LOSS : ARCHLLM_VQ_EMA;
    p.beta = (float)v->beta;
    p.ema_decay = (float)v->ema_decay;
    p.restart_threshold = (float)v->restart_threshold;
    p.max_batch = v->batch_size;
    return p;
}

archllm_status archllm_vqvae_data(const archllm_config *cfg, archllm_dataset *d, archllm_split *split,
                                  archllm_cell **cells_out)
{
    archllm_space space = archllm_vqvae_space(cfg);
    archllm_cell *cells = NULL;
    size_t n = 0;
    if (space == ARCHLLM_SPACE_DARTS) {
        n = (size_t)cfg->data.samples;
        cells = malloc(n * sizeof *cells);
        if (!cells) return archllm_fail(ARCHLLM_ENOMEM, "darts cells");
        archllm_status s = archllm_darts_sample_distinct(cells, n, (uint64_t)cfg->experiment.seed);
        if (s != ARCHLLM_OK) {
            free(cells);
            return s;
        }
    } else if (space == ARCHLLM_SPACE_CELLS) {
        const archllm_cell *cc;
        ARCHLLM_TRY(archllm_vqvae_space_load(cfg, &cc, &n));
        cells = malloc((n ? n : 1) * sizeof *cells);
        if (!cells) return archllm_fail(ARCHLLM_ENOMEM, "cells");
        memcpy(cells, cc, n * sizeof *cells);
    } else if (space == ARCHLLM_SPACE_NB201) {
        n = ARCHLLM_NB201_SIZE;
        cells = malloc(n * sizeof *cells);
        if (!cells) return archllm_fail(ARCHLLM_ENOMEM, "nb201 cells");
        for (size_t i = 0; i < n; i++) {
            uint8_t ops[ARCHLLM_NB201_EDGES];
            archllm_status s = archllm_nb201_ops_of_index(ops, (int)i);
            if (s != ARCHLLM_OK) {
                free(cells);
                return s;
            }
            archllm_nb201_to_cell(&cells[i], ops);
        }
    } else {
        archllm_nb101_space sp;
        ARCHLLM_TRY(archllm_nb101_space_cached(&sp, 0));
        n = sp.n;
        cells = sp.cells;
        sp.cells = NULL;
        archllm_nb101_space_free(&sp);
    }
    if (cfg->data.limit > 0 && (size_t)cfg->data.limit < n) n = (size_t)cfg->data.limit;
    archllm_status s = archllm_dataset_build(d, space, cells, n);
    if (s == ARCHLLM_OK && split) {
        s = archllm_split_make(split, n, cfg->data.train_fraction, (uint64_t)cfg->experiment.seed);
        if (s != ARCHLLM_OK) archllm_dataset_free(d);
    }
    if (s == ARCHLLM_OK && cells_out) *cells_out = cells;
    else free(cells);
    return s;
}

const char *archllm_vqvae_ckpt_path(const archllm_config *cfg, char *buf, size_t cap)
{
    char dir[ARCHLLM_CONFIG_PATH_MAX + 64];
    archllm_config_output_dir(cfg, dir, sizeof dir);
    snprintf(buf, cap, "%s/vqvae.safetensors", dir);
    return buf;
}

#define CKPT_FORMAT "archllm-vqvae 1"

archllm_status archllm_vqvae_save(archllm_vqvae *m, const char *path, const archllm_rng *data_rng)
{
    char r1[64], r2[64];
    snprintf(r1, sizeof r1, "%016" PRIx64 ":%016" PRIx64, m->rng.state, m->rng.inc);
    snprintf(r2, sizeof r2, "%016" PRIx64 ":%016" PRIx64, data_rng ? data_rng->state : 0,
             data_rng ? data_rng->inc : 0);
    const char *keys[] = {"archllm.format", "vqvae.restart_rng", "vqvae.data_rng"};
    const char *vals[] = {CKPT_FORMAT, r1, r2};
    return archllm_params_save(m->ctx, &m->params, path, 0, keys, vals, 3);
}

static int parse_rng(const char *s, archllm_rng *r)
{
    uint64_t a, b;
    if (!s || sscanf(s, "%" SCNx64 ":%" SCNx64, &a, &b) != 2) return -1;
    r->state = a;
    r->inc = b;
    return 0;
}

archllm_status archllm_vqvae_restore(archllm_vqvae *m, const char *path, archllm_rng *data_rng)
{
    archllm_safetensors st;
    ARCHLLM_TRY(archllm_params_load(m->ctx, &m->params, path, &st));
    archllm_status s = ARCHLLM_OK;
    const char *fmt = archllm_st_meta(&st, "archllm.format");
    if (!fmt || strcmp(fmt, CKPT_FORMAT) != 0)
        s = archllm_fail(ARCHLLM_EFORMAT, "%s: not a VQ-VAE checkpoint of format '%s' (found '%s'); retrain with "
                         "`archllm train-vqvae`", path, CKPT_FORMAT, fmt ? fmt : "none");
    if (s == ARCHLLM_OK && parse_rng(archllm_st_meta(&st, "vqvae.restart_rng"), &m->rng) != 0)
        s = archllm_fail(ARCHLLM_EFORMAT, "%s: bad vqvae.restart_rng", path);
    if (s == ARCHLLM_OK && data_rng && parse_rng(archllm_st_meta(&st, "vqvae.data_rng"), data_rng) != 0)
        s = archllm_fail(ARCHLLM_EFORMAT, "%s: bad vqvae.data_rng", path);
    archllm_st_close(&st);
    return s;
}

archllm_status archllm_vqvae_open(archllm_vqvae *m, archllm_ctx_t *ctx, const archllm_config *cfg,
                                  const char *checkpoint, int max_batch)
{
    archllm_vqvae_params hp = archllm_vqvae_params_from_config(cfg);
    if (max_batch > 0) hp.max_batch = max_batch;
    char path[ARCHLLM_CONFIG_PATH_MAX + 128];
    if (!checkpoint) checkpoint = archllm_vqvae_ckpt_path(cfg, path, sizeof path);
    archllm_rng rng;
    archllm_rng_seed(&rng, (uint64_t)cfg->experiment.seed, 0x1001);
    ARCHLLM_TRY(archllm_vqvae_init(m, ctx, &hp, &rng));
    archllm_status s = archllm_vqvae_restore(m, checkpoint, NULL);
    if (s != ARCHLLM_OK) archllm_vqvae_free(m);
    return s;
}

archllm_status archllm_vqvae_evaluate(archllm_vqvae *m, const archllm_dataset *d, const uint32_t *idx, size_t n,
                                      archllm_vqvae_eval *ev, float *counts)
{
    memset(ev, 0, sizeof *ev);
    size_t B = (size_t)m->hp.max_batch, K = (size_t)m->hp.codebook_size;
    for (size_t i = 0; i < n; i += B) {
        int nb = (int)(n - i < B ? n - i : B);
        archllm_vqvae_stats st;
        ARCHLLM_TRY(archllm_vqvae_load(m, d, idx + i, nb));
        ARCHLLM_TRY(archllm_vqvae_forward(m, 0, &st));
        ev->sum.graphs += st.graphs;
        ev->sum.loss += st.loss * nb;
        ev->sum.loss_op += st.loss_op * nb;
        ev->sum.loss_adj += st.loss_adj * nb;
        ev->sum.loss_vq += st.loss_vq * nb;
        ev->sum.nodes += st.nodes;
        ev->sum.nodes_ok += st.nodes_ok;
        ev->sum.pairs += st.pairs;
        ev->sum.pairs_ok += st.pairs_ok;
        ev->sum.graphs_ok += st.graphs_ok;
        for (size_t k = 0; k < K; k++) counts[k] += m->h_counts[k];
    }
    if (ev->sum.graphs > 0) {
        ev->sum.loss /= ev->sum.graphs;
        ev->sum.loss_op /= ev->sum.graphs;
        ev->sum.loss_adj /= ev->sum.graphs;
        ev->sum.loss_vq /= ev->sum.graphs;
    }
    archllm_vqvae_usage(counts, (int)K, &ev->perplexity, &ev->used);
    return ARCHLLM_OK;
}
