/* autotune.h - measuring the tunables of backend/tuning.c on the device a context runs on:
 * each candidate is timed on the shipped configs' shapes and its output checked against the
 * default's (the op harness's tolerances) before it may win.  `archllm tune` and
 * ARCHLLM_TUNE=auto run this; the tuning file is backend/tuning.c's. */
#ifndef ARCHLLM_OPS_AUTOTUNE_H
#define ARCHLLM_OPS_AUTOTUNE_H

#include "backend/backend.h"

typedef struct {
    double budget_s; /* no new candidate is started after this many seconds (0: no limit) */
    /* one line per tunable as it is done (may be NULL) */
    void (*progress)(void *user, const char *line);
    void *user;
} archllm_autotune_params;

/* 60 s, no progress */
archllm_autotune_params archllm_autotune_default_params(void);

enum { ARCHLLM_CAND_TIMED, ARCHLLM_CAND_REJECTED, ARCHLLM_CAND_SKIPPED, ARCHLLM_CAND_FAILED };
typedef struct {
    int                n, winner;                        /* candidates; index of the winner */
    archllm_tune_value cand[ARCHLLM_TUNE_MAX_CAND];      /* default first */
    double             ms[ARCHLLM_TUNE_MAX_CAND];        /* best time of one workload run */
    int                state[ARCHLLM_TUNE_MAX_CAND];     /* ARCHLLM_CAND_* */
    double             max_diff[ARCHLLM_TUNE_MAX_CAND];  /* largest |candidate - default| */
    double             seconds;                          /* spent on this tunable */
} archllm_autotune_row;

/* Measure every tunable on ctx's device, leave the winners in ctx->tuning (programs are
 * rebuilt with them on next use) and the measurements in rows.  Fails only when the
 * defaults themselves cannot run. */
archllm_status archllm_autotune(archllm_ctx_t *ctx, const archllm_autotune_params *p,
                                archllm_autotune_row rows[ARCHLLM_TUNE_COUNT]);
/* The summary table (tunable, candidate, ms, note), one line each. */
void archllm_autotune_table(const archllm_autotune_row rows[ARCHLLM_TUNE_COUNT], char *out, size_t cap);
/* a progress callback printing "archllm: <line>" to stderr */
void archllm_autotune_print_stderr(void *user, const char *line);
/* With ARCHLLM_TUNE=auto and ctx not tuned: tune it now (the default budget, progress on
 * stderr) and store the winners; a failed tuning leaves the defaults.  Called by whoever
 * opens a context for work (the commands, an experiment), not by the backend, which sits
 * below the ops it would time. */
archllm_status archllm_autotune_auto(archllm_ctx_t *ctx);

#endif
