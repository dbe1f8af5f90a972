/* stage.h - the stages of an experiment as library calls.  Each reads the config, reads
 * and writes files in the experiment folder, reports through the event sink and prints
 * nothing; the commands (src/cli) and `archllm run` parse options, call these and render
 * the events.  A stage that trains checks *stop after every step and, when set, writes
 * its checkpoint and returns ARCHLLM_EINTERRUPTED (resume continues exactly). */
#ifndef ARCHLLM_PIPELINE_STAGE_H
#define ARCHLLM_PIPELINE_STAGE_H

#include <signal.h>

#include "io/experiment.h"
#include "pipeline/events.h"

typedef struct {
    const archllm_config *cfg;
    const char           *dir;    /* the experiment folder (archllm_config_output_dir) */
    archllm_ctx_t        *ctx;    /* the device; stages that need none ignore it */
    const archllm_events *ev;     /* may be NULL */
    const volatile sig_atomic_t *stop; /* may be NULL */
} archllm_stage_env;

#endif
