/* loop.h - the one training loop: learning-rate schedule, log windows, evaluation and
 * checkpoint cadence, the stop flag and resume.  A model plugs in through a small hook
 * table, as a search method does through archllm_search_method; the loop owns the
 * cadence, the hooks own the numbers. */
#ifndef ARCHLLM_TRAIN_LOOP_H
#define ARCHLLM_TRAIN_LOOP_H

#include <signal.h>

#include "archllm.h"

typedef struct {
    int    steps;            /* total optimizer steps */
    int    warmup_steps;     /* linear warm-up to lr, then cosine to min_lr at the last step */
    double lr, min_lr;
    int    log_every;        /* a step event every log_every steps and at the last */
    int    eval_every;       /* 0: only at the end */
    int    checkpoint_every; /* 0: only at the end and when stopped */
    int    stop_after;       /* stop as if interrupted after this step; < 0: never */
} archllm_train_schedule;

/* The learning rate of step (0-based). */
float archllm_train_lr(const archllm_train_schedule *sc, int step);

#define ARCHLLM_TRAIN_METRICS_MAX 16

typedef struct {
    void *model;
    /* One optimizer step at lr; step counts the steps done before it.  Adds the step's
     * figures to the model's log window. */
    archllm_status (*step)(void *model, int step, float lr);
    /* The window's figures (at most ARCHLLM_TRAIN_METRICS_MAX) over `steps` steps and
     * `seconds`; resets the window; returns how many it wrote. */
    int (*window)(void *model, archllm_metric *m, int steps, double seconds);
    /* Held-out evaluation after step (final: the last one, after the checkpoint); it
     * reports its own figures.  May be NULL. */
    archllm_status (*eval)(void *model, int step, int final);
    /* Write the checkpoint of the model at step, optimizer and RNG state included. */
    archllm_status (*save)(void *model, int step);
} archllm_train_hooks;

/* Train from *step (a resumed checkpoint's step, else 0) to sc->steps, then checkpoint
 * and run the final evaluation.  Returns ARCHLLM_EINTERRUPTED, having checkpointed, when
 * *stop became nonzero or stop_after was reached; *step is the last step done. */
archllm_status archllm_train_run(const archllm_train_schedule *sc, const archllm_train_hooks *h, int *step,
                                 const char *stage, const archllm_events *ev, const volatile sig_atomic_t *stop);

#endif
