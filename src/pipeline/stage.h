/* stage.h - the stages of an experiment as library calls.  Each reads the config, reads
 * and writes files in the experiment folder, reports through the event sink and prints
 * nothing; the commands (src/cli) and `archllm run` parse options, call these and render
 * the events.  A stage that trains checks *stop after every step and, when set, writes
 * its checkpoint and returns ARCHLLM_EINTERRUPTED (resume continues exactly). */
#ifndef ARCHLLM_PIPELINE_STAGE_H
#define ARCHLLM_PIPELINE_STAGE_H

#include <signal.h>
#include <stdio.h>

#include "io/config.h"
#include "pipeline/events.h"

typedef struct {
    const archllm_config *cfg;
    const char           *dir;    /* the experiment folder (archllm_config_output_dir) */
    archllm_ctx_t        *ctx;    /* the device; stages that need none ignore it */
    const archllm_events *ev;     /* may be NULL */
    const volatile sig_atomic_t *stop; /* may be NULL */
} archllm_stage_env;

/* ---- encode ------------------------------------------------------------------------
 * Every cell of the configured space (data.limit applies) through the trained VQ-VAE
 * (checkpoint; NULL: the experiment's vqvae.safetensors), one JSON line each, in the
 * order of the space:
 *   {"hash": "...", "index": 12, "split": "train", "codes": [17, 402, ...]}
 * ("index" only for NB201; "split": the VQ-VAE's train or held-out test; codes:
 * vqvae.codes_per_node per real node, in node order).  Written atomically to the file
 * out, or to stream when out is NULL (`archllm encode` to stdout).  Events: a step per
 * batch (step = cells done, total = cells), the rate in cells/s on one a second and on
 * the last; "encode: N cells -> OUT" when written to a file.  Stops between batches when
 * *env->stop is set (ARCHLLM_EINTERRUPTED, nothing written). */
archllm_status archllm_stage_encode(const archllm_stage_env *env, const char *checkpoint, const char *out,
                                    FILE *stream);

/* ---- generate ----------------------------------------------------------------------
 * Sample N code sequences from the experiment's trained T5 ('generate:' prompt,
 * constrained to the most common training length, seeded by experiment.seed), decode
 * them with its VQ-VAE and measure them (validity, uniqueness, novelty against the
 * VQ-VAE's training split, and the absolute forms) at N = 1,000 and 10,000 (prefixes of
 * the run) and at N, beside the baselines: uniform-space (cells drawn uniformly from the
 * space) and continuous-latent (Gaussian latents with the training split's moments of
 * the encoder's pre-quantization latents, decoded without quantization).  Writes into
 * the folder o->out (NULL: <env->dir>/generate) samples.jsonl, metrics.json, metrics.csv,
 * timing.json and, with a sweep, sweep.csv and sweep.svg (the model's metrics at N per
 * temperature).  Events: a step per part (the model's samples, the baselines, each
 * sweep temperature; total = the parts); INFO messages: the sampling line, the metric
 * table, the baselines' explanation, the sweep's rows and the files written; DETAIL: the
 * baseline's time.  Stops between parts when *env->stop is set (ARCHLLM_EINTERRUPTED). */

#define ARCHLLM_GENERATE_SWEEP_MAX 32 /* temperatures of one sweep */

typedef struct {
    size_t      samples;     /* N */
    double      temperature; /* of the model's samples (0: greedy) */
    int         top_k;       /* 0: off */
    double      top_p;       /* 1: off */
    int         unique;      /* sample until N distinct valid cells; every draw counts in the metrics */
    size_t      max_samples; /* with unique: give up after this many draws (0: 50 N) */
    const char *sweep;       /* temperatures of the sweep, "0.5,1.0"; NULL or "": none */
    int         batch;       /* sequences per T5 call */
    int         baselines;   /* uniform-space and continuous-latent beside the model */
    const char *out;         /* the folder written; NULL: <env->dir>/generate */
} archllm_generate_opts;

/* generate.samples, lm.temperature, lm.top_k, lm.top_p, generate.sweep (pointing into
 * cfg), generate.batch and generate.baselines; not unique; out NULL: what `archllm run`
 * generates with. */
archllm_generate_opts archllm_generate_opts_from_config(const archllm_config *cfg);
/* "0.5,1.0,1.5" -> t[0..*n) (at most ARCHLLM_GENERATE_SWEEP_MAX, each in [0, 100]); ""
 * gives none.  ARCHLLM_ECONFIG naming the text otherwise. */
archllm_status archllm_generate_sweep_parse(const char *s, double *t, int *n);
archllm_status archllm_stage_generate(const archllm_stage_env *env, const archllm_generate_opts *o);

#endif
