/* vqvae_run.h - what the VQ-VAE commands share around the model: hyperparameters from
 * the experiment config, the cells of a space with the seeded split, checkpoints (with
 * the training RNG state) and evaluation over a list of cells.  The CLI prints; nothing
 * here does. */
#ifndef ARCHLLM_MODEL_VQVAE_RUN_H
#define ARCHLLM_MODEL_VQVAE_RUN_H

#include "io/experiment.h"
#include "model/vqvae.h"

archllm_space        archllm_vqvae_space(const archllm_config *cfg);
/* data.space "cells": load data.cells as the current user space (cells.h), with its
 * cells (borrowed; may be NULL); nothing for the built-in spaces.  The commands call it
 * once their config is read, before sizing a model by the space. */
archllm_status       archllm_vqvae_space_load(const archllm_config *cfg, const archllm_cell **cells, size_t *n);
archllm_vqvae_params archllm_vqvae_params_from_config(const archllm_config *cfg);

/* The cells of the configured space (NB101, NB201: all; DARTS: data.samples distinct
 * cells seeded by experiment.seed; cells: the file's; data.limit cuts it), as a padded dataset, plus the
 * seeded split (data.train_fraction, experiment.seed).  cells (may be NULL) keeps the
 * cell list (malloc'd). */
archllm_status archllm_vqvae_data(const archllm_config *cfg, archllm_dataset *d, archllm_split *split,
                                  archllm_cell **cells);

/* <output_dir>/vqvae.safetensors */
const char *archllm_vqvae_ckpt_path(const archllm_config *cfg, char *buf, size_t cap);

/* Checkpoint with optimizer state, the restart RNG and the data RNG in metadata. */
archllm_status archllm_vqvae_save(archllm_vqvae *m, const char *path, const archllm_rng *data_rng);
/* Load into an initialized model of the same shape; data_rng (may be NULL) restored. */
archllm_status archllm_vqvae_restore(archllm_vqvae *m, const char *path, archllm_rng *data_rng);

/* A trained VQ-VAE to encode and decode with: shaped by cfg, max_batch graphs per call
 * (0: vqvae.batch_size), restored from checkpoint (NULL: archllm_vqvae_ckpt_path).  It is
 * initialized as train-vqvae initializes it (experiment.seed, stream 0x1001), though the
 * checkpoint overwrites every parameter and the restart RNG.  On failure m is freed. */
archllm_status archllm_vqvae_open(archllm_vqvae *m, archllm_ctx_t *ctx, const archllm_config *cfg,
                                  const char *checkpoint, int max_batch);

/* Forward over idx[0..n) in batches; sums stats and usage counts (counts: K floats, +=). */
typedef struct {
    archllm_vqvae_stats sum; /* losses are weighted by graphs */
    double              perplexity;
    int                 used;
} archllm_vqvae_eval;
archllm_status archllm_vqvae_evaluate(archllm_vqvae *m, const archllm_dataset *d, const uint32_t *idx, size_t n,
                                      archllm_vqvae_eval *ev, float *counts);

#endif
