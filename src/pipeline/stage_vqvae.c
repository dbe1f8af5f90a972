/* stage_vqvae.c - the VQ-VAE training stage: the model's hooks for the training loop
 * (src/train/loop.h), the epoch order, held-out evaluation and the metrics file.
 * --resume continues from the checkpoint and draws the same batches, so the next losses
 * are those of an uninterrupted run. */
#include "config.h"
#include "model/vqvae_run.h"
#include "search/genmetrics.h"
#include "pipeline/stage.h"
#include "train/loop.h"
#include "util/clock.h"
#include "util/fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STAGE "vqvae"

typedef struct {
    const archllm_stage_env *env;
    const archllm_config    *cfg;
    archllm_ctx_t           *ctx;
    archllm_vqvae            model;
    archllm_dataset          data;
    archllm_split            split;
    int                      B, K;
    size_t                   spe; /* steps per epoch; the last partial batch is dropped */
    uint32_t                *order;
    int                      epoch;
    archllm_adamw_params     ap;
    float                    gnorm;
    /* the log window */
    archllm_vqvae_stats      acc;
    float                   *win_counts, *ev_counts;
    int                      win_graphs;
    double                   graphs_total, t_start;
    char                     codes_fmt[32];
    char                     ckpt[ARCHLLM_CONFIG_PATH_MAX + 128];
    char                     metrics[ARCHLLM_CONFIG_PATH_MAX + 128];
} vqvae_run;

/* The training order: epoch e is the train split shuffled by an RNG seeded with
 * (experiment.seed, e), so the step number alone says which batch comes next. */
static void epoch_order(uint32_t *order, const archllm_split *sp, uint64_t seed, int epoch)
{
    archllm_rng r;
    archllm_rng_seed(&r, seed, 0x2002 + (uint64_t)epoch);
    memcpy(order, sp->train, sp->n_train * sizeof *order);
    archllm_rng_shuffle(&r, order, sp->n_train);
}

/* n indexes spread evenly over list[0..len) (the split lists are sorted, and the
 * space's order groups small cells first: a prefix would be a biased sample) */
static uint32_t *spread(const uint32_t *list, size_t len, size_t n)
{
    uint32_t *out = malloc((n ? n : 1) * sizeof *out);
    for (size_t i = 0; out && i < n; i++) out[i] = list[(size_t)((double)i * (double)len / (double)n)];
    return out;
}

static archllm_status step_hook(void *user, int step, float lr)
{
    vqvae_run *r = user;
    size_t j = (size_t)step % r->spe;
    int epoch = (int)((size_t)step / r->spe);
    if (epoch != r->epoch) {
        epoch_order(r->order, &r->split, (uint64_t)r->cfg->experiment.seed, epoch);
        r->epoch = epoch;
    }
    archllm_vqvae_stats st;
    ARCHLLM_TRY(archllm_vqvae_load(&r->model, &r->data, r->order + j * (size_t)r->B, r->B));
    ARCHLLM_TRY(archllm_vqvae_forward(&r->model, 1, &st));
    ARCHLLM_TRY(archllm_params_zero_grad(r->ctx, &r->model.params));
    ARCHLLM_TRY(archllm_vqvae_backward(&r->model));
    r->ap.lr = lr;
    ARCHLLM_TRY(archllm_vqvae_update(&r->model, &r->ap, &r->gnorm));
    if (!isfinite(st.loss)) return archllm_fail(ARCHLLM_EINVAL, "loss is %g at step %d", st.loss, step + 1);
    for (int k = 0; k < r->K; k++) r->win_counts[k] += r->model.h_counts[k];
    r->acc.loss += st.loss, r->acc.loss_op += st.loss_op, r->acc.loss_adj += st.loss_adj, r->acc.loss_vq += st.loss_vq;
    r->acc.graphs_ok += st.graphs_ok;
    r->win_graphs += r->B;
    r->graphs_total += r->B;
    return ARCHLLM_OK;
}

/* loss to full precision: the resume test compares these lines */
static int window_hook(void *user, archllm_metric *m, int steps, double seconds)
{
    vqvae_run *r = user;
    double ppl;
    int used;
    archllm_vqvae_usage(r->win_counts, r->K, &ppl, &used);
    snprintf(r->codes_fmt, sizeof r->codes_fmt, "%%.0f/%d", r->K);
    int n = 0;
    m[n++] = (archllm_metric){"loss", r->acc.loss / steps, "%.6f", NULL};
    m[n++] = (archllm_metric){"op", r->acc.loss_op / steps, "%.6f", NULL};
    m[n++] = (archllm_metric){"adj", r->acc.loss_adj / steps, "%.6f", NULL};
    m[n++] = (archllm_metric){"vq", r->acc.loss_vq / steps, "%.6f", NULL};
    m[n++] = (archllm_metric){"recon", 100.0 * r->acc.graphs_ok / r->win_graphs, "%.2f%%", NULL};
    m[n++] = (archllm_metric){"codes", used, r->codes_fmt, NULL};
    m[n++] = (archllm_metric){"ppl", ppl, "%.1f", NULL};
    m[n++] = (archllm_metric){"lr", r->ap.lr, "%.2e", NULL};
    m[n++] = (archllm_metric){"gnorm", r->gnorm, "%.3f", NULL};
    m[n++] = (archllm_metric){"graphs_per_s", r->win_graphs / seconds, "%.0f", "graphs/s"};
    memset(&r->acc, 0, sizeof r->acc);
    memset(r->win_counts, 0, (size_t)r->K * sizeof(float));
    r->win_graphs = 0;
    return n;
}

static void report_eval(vqvae_run *r, const char *what, int step, const archllm_vqvae_eval *ev)
{
    const archllm_vqvae_stats *s = &ev->sum;
    archllm_emit_message(r->env->ev, STAGE, ARCHLLM_MESSAGE_DETAIL,
                         "eval %s step %d | %d cells | exact %.2f%% | op acc %.4f | edge acc %.4f | loss %.4f | "
                         "codes %d/%d ppl %.1f",
                         what, step, s->graphs, s->graphs ? 100.0 * s->graphs_ok / s->graphs : 0.0,
                         s->nodes ? s->nodes_ok / s->nodes : 0.0, s->pairs ? s->pairs_ok / s->pairs : 0.0, s->loss,
                         ev->used, r->K, ev->perplexity);
}

static archllm_status write_metrics(const vqvae_run *r, int step, const archllm_vqvae_eval *test,
                                    const archllm_vqvae_eval *train, double graphs_per_s)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, r->metrics));
    FILE *f = af.f;
    fprintf(f, "{\n  \"space\": \"%s\",\n  \"step\": %d,\n  \"codebook_size\": %d,\n",
            archllm_space_name(archllm_vqvae_space(r->cfg)), step, r->K);
    const archllm_vqvae_eval *evs[2] = {test, train};
    const char *names[2] = {"held_out", "train_sample"};
    for (int i = 0; i < 2; i++) {
        const archllm_vqvae_stats *s = &evs[i]->sum;
        fprintf(f,
                "  \"%s\": {\"cells\": %d, \"exact_reconstruction\": %.6f, \"op_accuracy\": %.6f, "
                "\"edge_accuracy\": %.6f, \"loss\": %.6f, \"loss_op\": %.6f, \"loss_adj\": %.6f, "
                "\"loss_vq\": %.6f, \"codes_used\": %d, \"perplexity\": %.3f},\n",
                names[i], s->graphs, s->graphs ? (double)s->graphs_ok / s->graphs : 0.0,
                s->nodes ? s->nodes_ok / s->nodes : 0.0, s->pairs ? s->pairs_ok / s->pairs : 0.0, s->loss,
                s->loss_op, s->loss_adj, s->loss_vq, evs[i]->used, evs[i]->perplexity);
    }
    fprintf(f, "  \"train_graphs_per_s\": %.1f\n}\n", graphs_per_s);
    return archllm_atomic_commit(&af);
}

/* Evaluation of `n` cells spread over `list`. */
static archllm_status evaluate(vqvae_run *r, const uint32_t *list, size_t len, size_t n, archllm_vqvae_eval *ev)
{
    memset(r->ev_counts, 0, (size_t)r->K * sizeof(float));
    uint32_t *sample = spread(list, len, n);
    archllm_status s = sample ? archllm_vqvae_evaluate(&r->model, &r->data, sample, n, ev, r->ev_counts)
                              : archllm_fail(ARCHLLM_ENOMEM, "eval sample");
    free(sample);
    return s;
}

/* During training: a held-out sample of vqvae.eval_limit cells.  At the end: all of the
 * held-out cells and as many training cells, and the metrics file. */
static archllm_status eval_hook(void *user, int step, int final)
{
    vqvae_run *r = user;
    const archllm_split *sp = &r->split;
    archllm_vqvae_eval test, train;
    if (!final) {
        size_t n = sp->n_test;
        if (r->cfg->vqvae.eval_limit > 0 && (size_t)r->cfg->vqvae.eval_limit < n) n = (size_t)r->cfg->vqvae.eval_limit;
        ARCHLLM_TRY(evaluate(r, sp->test, sp->n_test, n, &test));
        report_eval(r, "held-out", step, &test);
        return ARCHLLM_OK;
    }
    double gps = r->graphs_total / (archllm_now_s() - r->t_start);
    ARCHLLM_TRY(evaluate(r, sp->test, sp->n_test, sp->n_test, &test));
    report_eval(r, "held-out", step, &test);
    size_t ntr = sp->n_train < sp->n_test ? sp->n_train : (sp->n_test > 0 ? sp->n_test : sp->n_train);
    ARCHLLM_TRY(evaluate(r, sp->train, sp->n_train, ntr, &train));
    report_eval(r, "train", step, &train);
    return write_metrics(r, step, &test, &train, gps);
}

static archllm_status save_hook(void *user, int step)
{
    (void)step;
    vqvae_run *r = user;
    return archllm_vqvae_save(&r->model, r->ckpt, NULL);
}

static archllm_status train(vqvae_run *r, const archllm_train_opts *o)
{
    const archllm_config *cfg = r->cfg;
    const archllm_config_vqvae *v = &cfg->vqvae;
    const archllm_events *ev = r->env->ev;
    ARCHLLM_TRY(archllm_vqvae_data(cfg, &r->data, &r->split, NULL));
    archllm_vqvae_params hp = archllm_vqvae_params_from_config(cfg);
    r->B = v->batch_size;
    if ((size_t)r->B > r->split.n_train) r->B = hp.max_batch = (int)r->split.n_train;
    r->K = hp.codebook_size;
    archllm_rng init_rng;
    archllm_rng_seed(&init_rng, (uint64_t)cfg->experiment.seed, 0x1001);
    ARCHLLM_TRY(archllm_vqvae_init(&r->model, r->ctx, &hp, &init_rng));
    archllm_vqvae_ckpt_path(cfg, r->ckpt, sizeof r->ckpt);
    snprintf(r->metrics, sizeof r->metrics, "%s/vqvae-metrics.json", r->env->dir);
    ARCHLLM_TRY(archllm_mkdirs(r->env->dir));
    struct stat sb;
    if (o->resume && stat(r->ckpt, &sb) == 0) {
        ARCHLLM_TRY(archllm_vqvae_restore(&r->model, r->ckpt, NULL));
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "resumed from %s at step %d", r->ckpt,
                             r->model.params.step);
    } else if (o->resume) {
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "no checkpoint at %s: starting afresh", r->ckpt);
    }
    r->spe = r->split.n_train / (size_t)r->B;
    r->order = malloc(r->split.n_train * sizeof *r->order);
    r->win_counts = calloc((size_t)r->K, sizeof(float));
    r->ev_counts = calloc((size_t)r->K, sizeof(float));
    if (!r->order || !r->win_counts || !r->ev_counts) return archllm_fail(ARCHLLM_ENOMEM, "train-vqvae");
    r->epoch = -1;
    r->ap = (archllm_adamw_params){.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                                   .weight_decay = (float)v->weight_decay, .max_norm = (float)v->max_grad_norm};
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_DETAIL,
                         "train-vqvae: %s, %zu cells (%zu train, %zu held out), %d params, batch %d, %zu steps/epoch, "
                         "%d steps, device %s",
                         archllm_space_name(archllm_vqvae_space(cfg)), r->data.n, r->split.n_train, r->split.n_test,
                         (int)r->model.params.total, r->B, r->spe, v->steps, archllm_ctx_device(r->ctx)->name);
    archllm_train_schedule sc = {.steps = v->steps, .warmup_steps = v->warmup_steps, .lr = v->lr,
                                 .min_lr = v->min_lr, .log_every = v->log_every, .eval_every = v->eval_every,
                                 .checkpoint_every = v->checkpoint_every, .stop_after = o->stop_after};
    archllm_train_hooks h = {.model = r, .step = step_hook, .window = window_hook, .eval = eval_hook,
                             .save = save_hook};
    int step = r->model.params.step;
    r->t_start = archllm_now_s();
    archllm_status s = archllm_train_run(&sc, &h, &step, STAGE, ev, r->env->stop);
    if (s == ARCHLLM_EINTERRUPTED)
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "stopped at step %d; checkpoint %s; continue with --resume",
                             step, r->ckpt);
    else if (s == ARCHLLM_OK) {
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "checkpoint %s", r->ckpt);
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "metrics %s", r->metrics);
    }
    return s;
}

archllm_status archllm_stage_vqvae(const archllm_stage_env *env, const archllm_train_opts *o)
{
    double t0 = archllm_now_s();
    archllm_emit_begin(env->ev, STAGE, "training the VQ-VAE (%d steps)", env->cfg->vqvae.steps);
    vqvae_run r;
    memset(&r, 0, sizeof r);
    r.env = env;
    r.cfg = env->cfg;
    r.ctx = env->ctx;
    archllm_status s = train(&r, o);
    free(r.order);
    free(r.win_counts);
    free(r.ev_counts);
    if (r.model.ctx) archllm_vqvae_free(&r.model);
    archllm_dataset_free(&r.data);
    archllm_split_free(&r.split);
    archllm_emit_end(env->ev, STAGE, s, archllm_now_s() - t0);
    return s;
}
