/* stage_lm.c - the T5 training stage: generate/fill prompts built from the code
 * sequences in lm.data, from scratch (lm.variant and sizes, built-in code vocabulary)
 * or from a Hugging Face folder (one with tokenizer.json trains on text prompts).  The
 * model's hooks for the training loop (src/train/loop.h), the held-out loss, and the
 * Hugging Face folder written at the end. */
#include "config.h"
#include "model/prompts.h"
#include "model/t5.h"
#include "pipeline/stage.h"
#include "train/loop.h"
#include "util/clock.h"
#include "util/fileio.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STAGE "lm"

typedef struct {
    const archllm_stage_env *env;
    const archllm_config    *cfg;
    archllm_ctx_t           *ctx;
    archllm_t5               m;
    archllm_code_set         cs;
    archllm_tokenizer       *tok; /* a pretrained checkpoint's: text prompts; NULL: built-in ids */
    uint32_t                *order;
    const uint32_t          *eval_idx, *train_idx;
    size_t                   n_eval, n_train;
    archllm_rng              rng;
    /* the batch */
    archllm_prompt          *p;
    const archllm_prompt   **pp;
    int32_t                 *enc, *mask, *labels, *dec;
    int                      B, Smax, Tmax;
    archllm_adamw_params     ap;
    float                    gnorm;
    /* the log window */
    double                   loss_win;
    long                     tok_win;
    char                     ckpt[ARCHLLM_CONFIG_PATH_MAX + 128];
    char                     hf[ARCHLLM_CONFIG_PATH_MAX + 96];
} lm_run;

static archllm_status batch_alloc(lm_run *r, int B, int Smax, int Tmax)
{
    r->B = B, r->Smax = Smax, r->Tmax = Tmax;
    r->p = malloc((size_t)B * sizeof *r->p);
    r->pp = malloc((size_t)B * sizeof *r->pp);
    r->enc = malloc((size_t)B * Smax * 4);
    r->mask = malloc((size_t)B * Smax * 4);
    r->labels = malloc((size_t)B * Tmax * 4);
    r->dec = malloc((size_t)B * Tmax * 4);
    if (!r->p || !r->pp || !r->enc || !r->mask || !r->labels || !r->dec)
        return archllm_fail(ARCHLLM_ENOMEM, "train-lm: batch");
    for (int b = 0; b < B; b++) r->pp[b] = &r->p[b];
    return ARCHLLM_OK;
}

/* Forward and loss of prompts p[0..B) padded to the longest; *ntok gets the number of
 * target tokens. */
static archllm_status forward_loss(lm_run *r, int B, int training, float *loss, int *ntok)
{
    int S = 1, T = 1;
    for (int b = 0; b < B; b++) {
        if (r->p[b].S > S) S = r->p[b].S;
        if (r->p[b].T > T) T = r->p[b].T;
    }
    if (S > r->Smax || T > r->Tmax)
        return archllm_fail(ARCHLLM_EINVAL, "train-lm: a prompt of %d -> %d tokens exceeds %d -> %d", S, T, r->Smax,
                            r->Tmax);
    archllm_prompt_batch(r->pp, B, r->enc, r->mask, S, r->labels, T);
    archllm_t5_shift_right(&r->m.cfg, r->labels, B, T, r->dec);
    r->m.training = training; /* dropout only in training steps, with the seed the caller drew */
    ARCHLLM_TRY(archllm_t5_forward(r->ctx, &r->m, r->enc, r->mask, B, S, r->dec, T));
    ARCHLLM_TRY(archllm_t5_loss(r->ctx, &r->m, r->labels, loss));
    *ntok = r->m.n_valid;
    return ARCHLLM_OK;
}

static archllm_status make_prompt(lm_run *r, archllm_prompt *p, archllm_prompt_kind kind, size_t j,
                                  archllm_rng *rng)
{
    const archllm_code_set *cs = &r->cs;
    ARCHLLM_TRY(archllm_prompt_make(p, kind, cs->codes + cs->off[j], cs->len[j], (float)r->cfg->lm.mask_rate, rng));
    return r->tok ? archllm_prompt_retokenize(p, r->tok) : ARCHLLM_OK;
}

static archllm_prompt_kind pick_kind(const archllm_config_lm *v, archllm_rng *rng)
{
    if (v->tasks == 1) return ARCHLLM_PROMPT_GENERATE;
    if (v->tasks == 2) return ARCHLLM_PROMPT_FILL;
    return (archllm_rng_u32(rng) & 1) ? ARCHLLM_PROMPT_FILL : ARCHLLM_PROMPT_GENERATE;
}

static archllm_status step_hook(void *user, int step, float lr)
{
    lm_run *r = user;
    (void)step;
    for (int b = 0; b < r->B; b++) {
        size_t j = r->train_idx[archllm_rng_below(&r->rng, (uint32_t)r->n_train)];
        ARCHLLM_TRY(make_prompt(r, &r->p[b], pick_kind(&r->cfg->lm, &r->rng), j, &r->rng));
    }
    float loss = 0.0f;
    int nt = 0;
    r->m.drop_seed = archllm_rng_u32(&r->rng);
    ARCHLLM_TRY(forward_loss(r, r->B, 1, &loss, &nt));
    ARCHLLM_TRY(archllm_params_zero_grad(r->ctx, &r->m.P));
    ARCHLLM_TRY(archllm_t5_backward(r->ctx, &r->m));
    r->ap.lr = lr;
    ARCHLLM_TRY(archllm_params_adamw(r->ctx, &r->m.P, &r->ap, &r->gnorm));
    if (!isfinite(loss)) return archllm_fail(ARCHLLM_EINVAL, "loss is %g at step %d", loss, step + 1);
    r->loss_win += loss;
    r->tok_win += nt;
    return ARCHLLM_OK;
}

/* loss to full precision: the resume test compares these lines */
static int window_hook(void *user, archllm_metric *m, int steps, double seconds)
{
    lm_run *r = user;
    int n = 0;
    m[n++] = (archllm_metric){"loss", r->loss_win / steps, "%.6f", NULL};
    m[n++] = (archllm_metric){"lr", r->ap.lr, "%.2e", NULL};
    m[n++] = (archllm_metric){"gnorm", r->gnorm, "%.4f", NULL};
    m[n++] = (archllm_metric){"ms_per_step", 1e3 * seconds / steps, "%.1f", "ms/step"};
    m[n++] = (archllm_metric){"tokens_per_s", (double)r->tok_win / seconds, "%.0f", "tokens/s"};
    r->loss_win = 0.0;
    r->tok_win = 0;
    return n;
}

/* Held-out loss: every held-out sequence (up to 2048) with a generate and a fill prompt
 * (masks from a fixed seed, so the number is comparable across steps and runs). */
static archllm_status eval_hook(void *user, int step, int final)
{
    lm_run *r = user;
    (void)final;
    if (r->n_eval == 0) return ARCHLLM_OK;
    const archllm_config *cfg = r->cfg;
    archllm_rng rng;
    archllm_rng_seed(&rng, (uint64_t)cfg->experiment.seed, 0x7E57);
    size_t n = r->n_eval > 2048 ? 2048 : r->n_eval;
    double sum = 0.0;
    long tok = 0;
    int k = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        archllm_prompt_kind kind = i < n ? ARCHLLM_PROMPT_GENERATE : ARCHLLM_PROMPT_FILL;
        if ((cfg->lm.tasks == 1 && kind == ARCHLLM_PROMPT_FILL) || (cfg->lm.tasks == 2 && kind == ARCHLLM_PROMPT_GENERATE))
            continue;
        ARCHLLM_TRY(make_prompt(r, &r->p[k], kind, r->eval_idx[i % n], &rng));
        if (++k == r->B) { /* a last partial batch runs below */
            float l;
            int nt;
            ARCHLLM_TRY(forward_loss(r, k, 0, &l, &nt));
            sum += (double)l * nt;
            tok += nt;
            k = 0;
        }
    }
    if (k > 0) {
        float l;
        int nt;
        ARCHLLM_TRY(forward_loss(r, k, 0, &l, &nt));
        sum += (double)l * nt;
        tok += nt;
    }
    double el = tok ? sum / tok : 0.0;
    archllm_emit_message(r->env->ev, STAGE, ARCHLLM_MESSAGE_DETAIL, "step %d | held-out loss %.6f | ppl %.3f", step, el,
                         exp(el));
    return ARCHLLM_OK;
}

static archllm_status save_hook(void *user, int step)
{
    (void)step;
    lm_run *r = user;
    char st[40], inc[40], *cj = archllm_t5_config_to_json(&r->m.cfg);
    snprintf(st, sizeof st, "%" PRIu64, r->rng.state);
    snprintf(inc, sizeof inc, "%" PRIu64, r->rng.inc);
    const char *k[3] = {"archllm.rng.state", "archllm.rng.inc", "archllm.t5.config"};
    const char *v[3] = {st, inc, cj ? cj : "{}"};
    archllm_status s = archllm_params_save(r->ctx, &r->m.P, r->ckpt, 0, k, v, 3);
    free(cj);
    return s;
}

/* The from-scratch model of the lm group over the built-in vocabulary of K codes. */
static void t5_config_from_lm(archllm_t5_config *c, const archllm_config *cfg, int K)
{
    const archllm_config_lm *v = &cfg->lm;
    archllm_t5_config_default(c);
    c->vocab = archllm_code_vocab_size(K);
    c->d_model = v->d_model;
    c->d_kv = v->d_kv;
    c->d_ff = v->d_ff;
    c->n_heads = v->heads;
    c->n_layers = v->layers;
    c->n_dec_layers = v->decoder_layers;
    c->num_buckets = v->buckets;
    c->max_distance = v->max_distance;
    c->dropout = (float)v->dropout;
    c->gated = v->variant == 1;
    c->act = c->gated ? ARCHLLM_T5_GELU_NEW : ARCHLLM_T5_RELU;
    c->tied = c->scale_out = v->variant == 0;
}

/* The model: from the init folder (with its tokenizer when it has one) or from scratch. */
static archllm_status open_model(lm_run *r, const char *init, int K)
{
    const archllm_events *ev = r->env->ev;
    if (!init) {
        archllm_t5_config tc;
        t5_config_from_lm(&tc, r->cfg, K);
        ARCHLLM_TRY(archllm_t5_init(r->ctx, &r->m, &tc));
        /* an untied head at HF's N(0, 1) gives logits of std sqrt(d_model) at init; d^-0.5 instead */
        return archllm_t5_init_weights(r->ctx, &r->m, &r->rng, (float)(1.0 / sqrt((double)tc.d_model)));
    }
    ARCHLLM_TRY(archllm_t5_load_hf(r->ctx, &r->m, init));
    char tp[ARCHLLM_CONFIG_PATH_MAX + 32];
    snprintf(tp, sizeof tp, "%s/tokenizer.json", init);
    struct stat sb;
    if (stat(tp, &sb) != 0) {
        if (r->m.cfg.vocab < archllm_code_vocab_size(K))
            return archllm_fail(ARCHLLM_EUNSUPPORTED,
                                "%s: vocabulary of %d ids and no tokenizer.json; the built-in code vocabulary needs %d",
                                init, r->m.cfg.vocab, archllm_code_vocab_size(K));
        return ARCHLLM_OK;
    }
    /* a pretrained vocabulary: text prompts */
    ARCHLLM_TRY(archllm_tokenizer_load(&r->tok, tp));
    if (archllm_tokenizer_vocab_size(r->tok) > r->m.cfg.vocab)
        return archllm_fail(ARCHLLM_EFORMAT, "%s: %d ids but the model has %d embedding rows", tp,
                            archllm_tokenizer_vocab_size(r->tok), r->m.cfg.vocab);
    if (archllm_tokenizer_id(r->tok, "<extra_id_15>") < 0)
        return archllm_fail(ARCHLLM_EFORMAT, "%s: fill prompts need the sentinels <extra_id_0..15>", tp);
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "train-lm: text prompts through %s (codes as decimal numbers)",
                         tp);
    return ARCHLLM_OK;
}

static archllm_status resume_from(lm_run *r)
{
    archllm_safetensors st;
    ARCHLLM_TRY(archllm_params_load(r->ctx, &r->m.P, r->ckpt, &st));
    const char *a = archllm_st_meta(&st, "archllm.rng.state"), *b = archllm_st_meta(&st, "archllm.rng.inc");
    archllm_status s = ARCHLLM_OK;
    if (!a || !b) s = archllm_fail(ARCHLLM_EFORMAT, "%s: no RNG state (not a train-lm checkpoint)", r->ckpt);
    else {
        r->rng.state = strtoull(a, NULL, 10);
        r->rng.inc = strtoull(b, NULL, 10);
    }
    archllm_st_close(&st);
    return s;
}

/* The init folder's tokenizer goes with the trained model. */
static archllm_status copy_tokenizer(const char *init, const char *hf)
{
    char src[ARCHLLM_CONFIG_PATH_MAX + 32], dst[ARCHLLM_CONFIG_PATH_MAX + 128], *text = NULL;
    size_t len = 0;
    snprintf(src, sizeof src, "%s/tokenizer.json", init);
    snprintf(dst, sizeof dst, "%s/tokenizer.json", hf);
    archllm_atomic_file af;
    archllm_status s = archllm_read_file(src, &text, &len);
    if (s == ARCHLLM_OK) s = archllm_atomic_open(&af, dst);
    if (s == ARCHLLM_OK) {
        fwrite(text, 1, len, af.f);
        s = archllm_atomic_commit(&af);
    }
    free(text);
    return s;
}

static archllm_status train(lm_run *r, const archllm_train_opts *o)
{
    const archllm_config *cfg = r->cfg;
    const archllm_config_lm *v = &cfg->lm;
    const archllm_events *ev = r->env->ev;
    const char *dir = r->env->dir, *init = o->init ? o->init : (v->init[0] ? v->init : NULL);
    char data[ARCHLLM_CONFIG_PATH_MAX + 96];
    if (v->data[0]) snprintf(data, sizeof data, "%s", v->data);
    else snprintf(data, sizeof data, "%s/codes.jsonl", dir);
    snprintf(r->ckpt, sizeof r->ckpt, "%s/t5-checkpoint.safetensors", dir);
    snprintf(r->hf, sizeof r->hf, "%s/t5", dir);

    ARCHLLM_TRY(archllm_codes_load_jsonl(&r->cs, data));
    int K = cfg->vqvae.codebook_size;
    if (r->cs.max_code >= K)
        return archllm_fail(ARCHLLM_ECONFIG, "%s holds code %d but vqvae.codebook_size is %d", data, r->cs.max_code, K);
    /* held-out split of the sequences, seeded */
    r->order = malloc(r->cs.n * sizeof *r->order);
    if (!r->order) return archllm_fail(ARCHLLM_ENOMEM, "train-lm");
    for (size_t i = 0; i < r->cs.n; i++) r->order[i] = (uint32_t)i;
    archllm_rng split_rng;
    archllm_rng_seed(&split_rng, (uint64_t)cfg->experiment.seed, 0x5B17);
    archllm_rng_shuffle(&split_rng, r->order, r->cs.n);
    r->n_eval = (size_t)(v->eval_fraction * (double)r->cs.n);
    if (r->n_eval >= r->cs.n) r->n_eval = r->cs.n - 1;
    r->eval_idx = r->order;
    r->train_idx = r->order + r->n_eval;
    r->n_train = r->cs.n - r->n_eval;

    archllm_rng_seed(&r->rng, (uint64_t)cfg->experiment.seed, 0x75);
    ARCHLLM_TRY(open_model(r, init, K));
    ARCHLLM_TRY(archllm_mkdirs(dir));
    struct stat sb;
    if (o->resume && stat(r->ckpt, &sb) == 0) {
        ARCHLLM_TRY(resume_from(r));
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "resumed from %s at step %d", r->ckpt, r->m.P.step);
    } else if (o->resume) {
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "no checkpoint at %s: starting afresh", r->ckpt);
    }
    int Smax = r->cs.max_len + 2, Tmax = r->cs.max_len + ARCHLLM_VOCAB_SENTINELS + 2;
    if (r->tok) { /* a code is a few pieces ("▁", "3", "00"), a sentinel one */
        Smax = Tmax = 4 * Tmax + 8;
        if (Smax > ARCHLLM_PROMPT_MAX) Smax = Tmax = ARCHLLM_PROMPT_MAX;
    }
    /* host arrays for the longest prompt possible (text prompts can tokenize long); the
     * device activations for the expected size, grown by forward when a batch is longer */
    ARCHLLM_TRY(r->tok ? batch_alloc(r, v->batch_size, ARCHLLM_PROMPT_MAX, ARCHLLM_PROMPT_MAX)
                       : batch_alloc(r, v->batch_size, Smax, Tmax));
    ARCHLLM_TRY(archllm_t5_reserve(r->ctx, &r->m, r->B, Smax, Tmax));
    const archllm_t5_config *mc = &r->m.cfg;
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_DETAIL,
                         "train-lm: %zu sequences (%zu train, %zu held out; %zu test-split lines skipped), up to %d "
                         "codes, T5 %s d_model %d heads %d x %d layers %d+%d d_ff %d vocab %d dropout %g, %zu params, "
                         "batch %d, %d steps, device %s",
                         r->cs.n, r->n_train, r->n_eval, r->cs.n_skipped, r->cs.max_len,
                         mc->gated ? "v1.1 (gated-gelu)" : "v1.0 (relu, tied)", mc->d_model, mc->n_heads, mc->d_kv,
                         mc->n_layers, mc->n_dec_layers, mc->d_ff, mc->vocab, mc->dropout, r->m.P.total, r->B, v->steps,
                         archllm_ctx_device(r->ctx)->name);
    r->ap = (archllm_adamw_params){.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                                   .weight_decay = (float)v->weight_decay, .max_norm = (float)v->max_grad_norm};
    archllm_train_schedule sc = {.steps = v->steps, .warmup_steps = v->warmup_steps, .lr = v->lr,
                                 .min_lr = v->min_lr, .log_every = v->log_every, .eval_every = v->eval_every,
                                 .checkpoint_every = v->checkpoint_every, .stop_after = o->stop_after};
    archllm_train_hooks h = {.model = r, .step = step_hook, .window = window_hook, .eval = eval_hook,
                             .save = save_hook};
    int step = r->m.P.step;
    archllm_status s = archllm_train_run(&sc, &h, &step, STAGE, ev, r->env->stop);
    if (s == ARCHLLM_EINTERRUPTED) {
        archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "stopped at step %d; checkpoint %s; continue with --resume",
                             step, r->ckpt);
        return s;
    }
    ARCHLLM_TRY(s);
    ARCHLLM_TRY(archllm_t5_save_hf(r->ctx, &r->m, r->hf));
    if (r->tok) ARCHLLM_TRY(copy_tokenizer(init, r->hf));
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "checkpoint %s", r->ckpt);
    archllm_emit_message(ev, STAGE, ARCHLLM_MESSAGE_INFO, "model %s (Hugging Face folder)", r->hf);
    return ARCHLLM_OK;
}

archllm_status archllm_stage_lm(const archllm_stage_env *env, const archllm_train_opts *o)
{
    double t0 = archllm_now_s();
    archllm_emit_begin(env->ev, STAGE, "training the T5 (%d steps)", env->cfg->lm.steps);
    lm_run r;
    memset(&r, 0, sizeof r);
    r.env = env;
    r.cfg = env->cfg;
    r.ctx = env->ctx;
    archllm_status s = train(&r, o);
    free(r.p), free(r.pp), free(r.enc), free(r.mask), free(r.labels), free(r.dec);
    if (r.m.P.finalized) archllm_t5_free(&r.m);
    archllm_tokenizer_free(r.tok);
    free(r.order);
    archllm_codes_free(&r.cs);
    archllm_emit_end(env->ev, STAGE, s, archllm_now_s() - t0);
    return s;
}
