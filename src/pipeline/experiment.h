/* experiment.h - the experiment behind the public archllm_experiment_* API
 * (include/archllm.h): its config, folder, lock, device and the stages' results. */
#ifndef ARCHLLM_PIPELINE_EXPERIMENT_H
#define ARCHLLM_PIPELINE_EXPERIMENT_H

#include <signal.h>

#include "pipeline/stage.h"
#include "util/lock.h"

#define ARCHLLM_EXPERIMENT_PATH_MAX (ARCHLLM_CONFIG_PATH_MAX + 64)

typedef struct {
    const char *status; /* "done", "skipped (complete)", "failed", ...; NULL: not reached */
    double      seconds;
    int         ran;
    char        status_text[64];
    char        artefact[ARCHLLM_EXPERIMENT_PATH_MAX + 64];
} archllm_stage_result;

struct archllm_experiment {
    archllm_config          cfg;
    char                    config_path[ARCHLLM_CONFIG_PATH_MAX];
    char                    dir[ARCHLLM_EXPERIMENT_PATH_MAX];
    char                    device[256];
    archllm_ctx_t          *ctx; /* opened by the first stage that needs the device */
    archllm_dirlock        *lock;
    volatile sig_atomic_t   stop;
    archllm_stage_result    results[ARCHLLM_STAGE_COUNT];
    archllm_stage           listed[ARCHLLM_STAGE_COUNT]; /* the last archllm_experiment_run's stages */
    int                     n_listed;
    int                     failed; /* the stage that failed, or -1 */
    double                  seconds;
};

#endif
