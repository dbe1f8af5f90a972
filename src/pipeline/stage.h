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

#endif
