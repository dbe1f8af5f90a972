/* stage.h - the stages of an experiment as library calls.  Each reads the config, reads
 * and writes files in the experiment folder, reports through the event sink and prints
 * nothing; the commands (src/cli) and `archllm run` parse options, call these and render
 * the events.  A stage that trains checks *stop after every step and, when set, writes
 * its checkpoint and returns ARCHLLM_EINTERRUPTED (resume continues exactly). */
#ifndef ARCHLLM_PIPELINE_STAGE_H
#define ARCHLLM_PIPELINE_STAGE_H

#include <signal.h>

#include "io/experiment.h"
#include "util/events.h"

typedef struct {
    const archllm_config *cfg;
    const char           *dir;    /* the experiment folder (archllm_config_output_dir) */
    archllm_ctx_t        *ctx;    /* the device; stages that need none ignore it */
    const archllm_events *ev;     /* may be NULL */
    const volatile sig_atomic_t *stop; /* may be NULL */
} archllm_stage_env;

/* ---- training: the VQ-VAE and the T5 ---------------------------------------------- */

typedef struct {
    int         resume;     /* continue from the stage's checkpoint when there is one */
    int         stop_after; /* stop (checkpointed) after this step, as if interrupted; < 0: never */
    const char *init;       /* lm only: a Hugging Face folder to start from (NULL: lm.init, else scratch) */
} archllm_train_opts;

/* Train the VQ-VAE on the configured space: checkpoint DIR/vqvae.safetensors (every
 * vqvae.checkpoint_every steps, at the end, when stopped) and, at the end, the held-out
 * and train-sample metrics in DIR/vqvae-metrics.json. */
archllm_status archllm_stage_vqvae(const archllm_stage_env *env, const archllm_train_opts *o);
/* Train the T5 on generate/fill prompts of the codes in lm.data (default DIR/codes.jsonl):
 * checkpoint DIR/t5-checkpoint.safetensors and, at the end, the Hugging Face folder DIR/t5. */
archllm_status archllm_stage_lm(const archllm_stage_env *env, const archllm_train_opts *o);

#endif
