/* loop.c - see loop.h. */
#include "train/loop.h"
#include "util/events.h"
#include "util/clock.h"

#include <math.h>

float archllm_train_lr(const archllm_train_schedule *sc, int step)
{
    if (step < sc->warmup_steps) return (float)(sc->lr * (step + 1) / sc->warmup_steps);
    double span = sc->steps - sc->warmup_steps;
    double t = span > 0 ? (step - sc->warmup_steps) / span : 1.0;
    return (float)(sc->min_lr + 0.5 * (sc->lr - sc->min_lr) * (1.0 + cos(M_PI * t)));
}

archllm_status archllm_train_run(const archllm_train_schedule *sc, const archllm_train_hooks *h, int *step,
                                 const char *stage, const archllm_events *ev, const volatile sig_atomic_t *stop)
{
    archllm_metric m[ARCHLLM_TRAIN_METRICS_MAX];
    int win = 0;
    double t_win = archllm_now_s();
    /* an event before the first step: the renderer's ETA counts from here */
    archllm_emit_step(ev, stage, *step, sc->steps, NULL, 0);
    while (*step < sc->steps) {
        ARCHLLM_TRY(h->step(h->model, *step, archllm_train_lr(sc, *step)));
        ++*step;
        win++;
        if (*step % sc->log_every == 0 || *step == sc->steps) {
            double now = archllm_now_s();
            int n = h->window(h->model, m, win, now - t_win);
            archllm_emit_step(ev, stage, *step, sc->steps, m, n);
            win = 0;
            t_win = archllm_now_s();
        }
        if (h->eval && sc->eval_every > 0 && *step % sc->eval_every == 0 && *step < sc->steps) {
            ARCHLLM_TRY(h->eval(h->model, *step, 0));
            t_win = archllm_now_s(); /* the window's rate leaves the evaluation out */
        }
        int halt = (stop && *stop) || (sc->stop_after >= 0 && *step >= sc->stop_after);
        if ((sc->checkpoint_every > 0 && *step % sc->checkpoint_every == 0) || halt)
            ARCHLLM_TRY(h->save(h->model, *step));
        if (halt) return ARCHLLM_EINTERRUPTED;
    }
    ARCHLLM_TRY(h->save(h->model, *step));
    return h->eval ? h->eval(h->model, *step, 1) : ARCHLLM_OK;
}
