/* cmd_train_lm.c - `archllm train-lm CONFIG [--init HF_FOLDER] [--resume]`: the T5 of
 * Arch-LLM on generate/fill prompts built from the code sequences in lm.data, from scratch
 * (lm.variant and sizes, built-in code vocabulary) or from a Hugging Face folder whose
 * vocabulary is the built-in one (a folder this command wrote).  Progress lines, held-out
 * loss every lm.eval_every steps, checkpoints (weights + AdamW moments + RNG state, written
 * atomically) every lm.checkpoint_every steps and on Ctrl-C; --resume continues exactly.
 * At the end the model is written as a Hugging Face folder <output dir>/t5. */
#include "config.h"
#include "cli/cli.h"
#include "model/prompts.h"
#include "model/t5.h"
#include "util/fileio.h"
#include "util/clock.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;
static void on_sigint(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static float lr_at(const archllm_config_lm *v, int step)
{
    if (step < v->warmup_steps) return (float)(v->lr * (step + 1) / v->warmup_steps);
    double span = v->steps - v->warmup_steps;
    double t = span > 0 ? (step - v->warmup_steps) / span : 1.0;
    return (float)(v->min_lr + 0.5 * (v->lr - v->min_lr) * (1.0 + cos(M_PI * t)));
}

/* The from-scratch model of the lm group over the built-in vocabulary of K codes. */
void cli_t5_config_from_lm(archllm_t5_config *c, const archllm_config *cfg, int K);
void cli_t5_config_from_lm(archllm_t5_config *c, const archllm_config *cfg, int K)
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

typedef struct {
    archllm_prompt *p;   /* B prompts */
    const archllm_prompt **pp;
    int32_t *enc, *mask, *labels, *dec;
    int B, Smax, Tmax;
} batch_buf;

static archllm_status batch_alloc(batch_buf *bb, int B, int Smax, int Tmax)
{
    memset(bb, 0, sizeof *bb);
    bb->B = B, bb->Smax = Smax, bb->Tmax = Tmax;
    bb->p = malloc((size_t)B * sizeof *bb->p);
    bb->pp = malloc((size_t)B * sizeof *bb->pp);
    bb->enc = malloc((size_t)B * Smax * 4);
    bb->mask = malloc((size_t)B * Smax * 4);
    bb->labels = malloc((size_t)B * Tmax * 4);
    bb->dec = malloc((size_t)B * Tmax * 4);
    if (!bb->p || !bb->pp || !bb->enc || !bb->mask || !bb->labels || !bb->dec)
        return archllm_fail(ARCHLLM_ENOMEM, "train-lm: batch");
    for (int b = 0; b < B; b++) bb->pp[b] = &bb->p[b];
    return ARCHLLM_OK;
}

static void batch_free(batch_buf *bb)
{
    free(bb->p), free(bb->pp), free(bb->enc), free(bb->mask), free(bb->labels), free(bb->dec);
}

/* Forward (+ backward) of prompts p[0..B) padded to the longest; returns the token-mean loss
 * and the number of target tokens. */
static archllm_status run_batch(archllm_ctx_t *ctx, archllm_t5 *m, batch_buf *bb, int B, int backward, float *loss,
                                int *ntok)
{
    int S = 1, T = 1;
    for (int b = 0; b < B; b++) {
        if (bb->p[b].S > S) S = bb->p[b].S;
        if (bb->p[b].T > T) T = bb->p[b].T;
    }
    if (S > bb->Smax || T > bb->Tmax)
        return archllm_fail(ARCHLLM_EINVAL, "train-lm: a prompt of %d -> %d tokens exceeds %d -> %d", S, T, bb->Smax,
                            bb->Tmax);
    archllm_prompt_batch(bb->pp, B, bb->enc, bb->mask, S, bb->labels, T);
    archllm_t5_shift_right(&m->cfg, bb->labels, B, T, bb->dec);
    m->training = backward; /* dropout only in training steps, with the seed the caller drew */
    ARCHLLM_TRY(archllm_t5_forward(ctx, m, bb->enc, bb->mask, B, S, bb->dec, T));
    ARCHLLM_TRY(archllm_t5_loss(ctx, m, bb->labels, backward, loss));
    *ntok = m->n_valid;
    return ARCHLLM_OK;
}

/* the tokenizer of a pretrained checkpoint (--init with tokenizer.json); NULL: built-in ids */
static const archllm_tokenizer *text_tok;

static archllm_status make_prompt(archllm_prompt *p, archllm_prompt_kind kind, const int32_t *codes, int L,
                                  float mask_rate, archllm_rng *r)
{
    ARCHLLM_TRY(archllm_prompt_make(p, kind, codes, L, mask_rate, r));
    return text_tok ? archllm_prompt_retokenize(p, text_tok) : ARCHLLM_OK;
}

static archllm_prompt_kind pick_kind(const archllm_config_lm *v, archllm_rng *r)
{
    if (v->tasks == 1) return ARCHLLM_PROMPT_GENERATE;
    if (v->tasks == 2) return ARCHLLM_PROMPT_FILL;
    return (archllm_rng_u32(r) & 1) ? ARCHLLM_PROMPT_FILL : ARCHLLM_PROMPT_GENERATE;
}

/* Held-out loss: every held-out sequence (up to 2048) with a generate and a fill prompt
 * (masks from a fixed seed, so the number is comparable across steps and runs). */
static archllm_status evaluate(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_config *cfg,
                               const archllm_code_set *cs, const uint32_t *idx, size_t n, batch_buf *bb, double *out)
{
    archllm_rng r;
    archllm_rng_seed(&r, (uint64_t)cfg->experiment.seed, 0x7E57);
    if (n > 2048) n = 2048;
    double sum = 0.0;
    long tok = 0;
    int k = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        size_t j = idx[i % n];
        archllm_prompt_kind kind = i < n ? ARCHLLM_PROMPT_GENERATE : ARCHLLM_PROMPT_FILL;
        if ((cfg->lm.tasks == 1 && kind == ARCHLLM_PROMPT_FILL) || (cfg->lm.tasks == 2 && kind == ARCHLLM_PROMPT_GENERATE))
            continue;
        ARCHLLM_TRY(make_prompt(&bb->p[k], kind, cs->codes + cs->off[j], cs->len[j], (float)cfg->lm.mask_rate, &r));
        if (++k == bb->B) { /* a last partial batch runs below */
            float l;
            int nt;
            ARCHLLM_TRY(run_batch(ctx, m, bb, k, 0, &l, &nt));
            sum += (double)l * nt;
            tok += nt;
            k = 0;
        }
    }
    if (k > 0) {
        float l;
        int nt;
        ARCHLLM_TRY(run_batch(ctx, m, bb, k, 0, &l, &nt));
        sum += (double)l * nt;
        tok += nt;
    }
    *out = tok ? sum / tok : 0.0;
    return ARCHLLM_OK;
}

static archllm_status save_ckpt(archllm_ctx_t *ctx, archllm_t5 *m, const char *path, const archllm_rng *r)
{
    char st[40], inc[40], *cj = archllm_t5_config_to_json(&m->cfg);
    snprintf(st, sizeof st, "%" PRIu64, r->state);
    snprintf(inc, sizeof inc, "%" PRIu64, r->inc);
    const char *k[3] = {"archllm.rng.state", "archllm.rng.inc", "archllm.t5.config"};
    const char *v[3] = {st, inc, cj ? cj : "{}"};
    archllm_status s = archllm_params_save(ctx, &m->P, path, 0, k, v, 3);
    free(cj);
    return s;
}

int cmd_train_lm(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL, *init = NULL;
    int resume = 0, stop_after = -1;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             {"device", required_argument, NULL, 'd'},
                                             {"init", required_argument, NULL, 'i'},
                                             {"resume", no_argument, NULL, 'r'},
                                             {"stop-after", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:i:rs:h", longopts, NULL)) != -1) {
        int r = cli_config_option(&co, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 'i': init = optarg; break;
        case 'r': resume = 1; break;
        case 's': stop_after = atoi(optarg); break;
        case 'h': return cli_usage("train-lm", CLI_EXIT_OK);
        default: return cli_usage("train-lm", CLI_EXIT_USAGE);
        }
    }
    int pos = cli_config_positional(&co, argc, argv, "train-lm");
    if (pos != CLI_EXIT_OK) return pos;
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    const archllm_config_lm *v = &cfg.lm;
    if (!init && v->init[0]) init = v->init;
    setvbuf(stdout, NULL, _IOLBF, 0);

    char dir[ARCHLLM_CONFIG_PATH_MAX + 64], data[ARCHLLM_CONFIG_PATH_MAX + 96], ckpt[ARCHLLM_CONFIG_PATH_MAX + 128],
        hf[ARCHLLM_CONFIG_PATH_MAX + 96];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if ((rc = cli_lock_output(dir, "train-lm")) != CLI_EXIT_OK) return rc;
    if (v->data[0]) snprintf(data, sizeof data, "%s", v->data);
    else snprintf(data, sizeof data, "%s/codes.jsonl", dir);
    snprintf(ckpt, sizeof ckpt, "%s/t5-checkpoint.safetensors", dir);
    snprintf(hf, sizeof hf, "%s/t5", dir);

    archllm_code_set cs;
    archllm_status s = archllm_codes_load_jsonl(&cs, data);
    if (s != ARCHLLM_OK) return cli_status(s, "train-lm: data");
    int K = cfg.vqvae.codebook_size;
    if (cs.max_code >= K) {
        int mc = cs.max_code;
        archllm_codes_free(&cs);
        return cli_error(CLI_EXIT_USAGE, "train-lm: %s holds code %d but vqvae.codebook_size is %d", data, mc, K);
    }
    /* held-out split of the sequences, seeded */
    uint32_t *order = malloc(cs.n * sizeof *order);
    if (!order) {
        archllm_codes_free(&cs);
        return cli_error(CLI_EXIT_FAILURE, "train-lm: out of memory");
    }
    for (size_t i = 0; i < cs.n; i++) order[i] = (uint32_t)i;
    archllm_rng split_rng;
    archllm_rng_seed(&split_rng, (uint64_t)cfg.experiment.seed, 0x5B17);
    archllm_rng_shuffle(&split_rng, order, cs.n);
    size_t n_eval = (size_t)(v->eval_fraction * (double)cs.n);
    if (n_eval >= cs.n) n_eval = cs.n - 1;
    const uint32_t *eval_idx = order, *train_idx = order + n_eval;
    size_t n_train = cs.n - n_eval;

    archllm_ctx_t *ctx = NULL;
    rc = cli_open_ctx(&ctx, device, &cfg);
    if (rc != CLI_EXIT_OK) {
        free(order);
        archllm_codes_free(&cs);
        return rc;
    }
    archllm_t5 m;
    memset(&m, 0, sizeof m);
    batch_buf bb;
    memset(&bb, 0, sizeof bb);
    int interrupted = 0;
    archllm_rng rng;
    archllm_rng_seed(&rng, (uint64_t)cfg.experiment.seed, 0x75);
    archllm_tokenizer *tok = NULL;
    if (init) {
        s = archllm_t5_load_hf(ctx, &m, init);
        char tp[ARCHLLM_CONFIG_PATH_MAX + 32];
        snprintf(tp, sizeof tp, "%s/tokenizer.json", init);
        struct stat sb;
        if (s == ARCHLLM_OK && stat(tp, &sb) == 0) { /* a pretrained vocabulary: text prompts */
            s = archllm_tokenizer_load(&tok, tp);
            if (s == ARCHLLM_OK && archllm_tokenizer_vocab_size(tok) > m.cfg.vocab)
                s = archllm_fail(ARCHLLM_EFORMAT, "%s: %d ids but the model has %d embedding rows", tp,
                                 archllm_tokenizer_vocab_size(tok), m.cfg.vocab);
            if (s == ARCHLLM_OK && archllm_tokenizer_id(tok, "<extra_id_15>") < 0)
                s = archllm_fail(ARCHLLM_EFORMAT, "%s: fill prompts need the sentinels <extra_id_0..15>", tp);
            text_tok = tok;
            if (s == ARCHLLM_OK) printf("train-lm: text prompts through %s (codes as decimal numbers)\n", tp);
        } else if (s == ARCHLLM_OK && m.cfg.vocab < archllm_code_vocab_size(K)) {
            s = archllm_fail(ARCHLLM_EUNSUPPORTED,
                             "%s: vocabulary of %d ids and no tokenizer.json; the built-in code vocabulary needs %d",
                             init, m.cfg.vocab, archllm_code_vocab_size(K));
        }
    } else {
        archllm_t5_config tc;
        cli_t5_config_from_lm(&tc, &cfg, K);
        s = archllm_t5_init(ctx, &m, &tc);
        /* an untied head at HF's N(0, 1) gives logits of std sqrt(d_model) at init; d^-0.5 instead */
        if (s == ARCHLLM_OK) s = archllm_t5_init_weights(ctx, &m, &rng, (float)(1.0 / sqrt((double)tc.d_model)));
    }
    if (s == ARCHLLM_OK) s = archllm_mkdirs(dir);
    if (s == ARCHLLM_OK && resume) {
        struct stat sb;
        if (stat(ckpt, &sb) == 0) {
            archllm_safetensors st;
            s = archllm_params_load(ctx, &m.P, ckpt, &st);
            if (s == ARCHLLM_OK) {
                const char *a = archllm_st_meta(&st, "archllm.rng.state"), *b = archllm_st_meta(&st, "archllm.rng.inc");
                if (!a || !b) s = archllm_fail(ARCHLLM_EFORMAT, "%s: no RNG state (not a train-lm checkpoint)", ckpt);
                else {
                    rng.state = strtoull(a, NULL, 10);
                    rng.inc = strtoull(b, NULL, 10);
                }
                archllm_st_close(&st);
            }
            if (s == ARCHLLM_OK) printf("resumed from %s at step %d\n", ckpt, m.P.step);
        } else {
            printf("no checkpoint at %s: starting afresh\n", ckpt);
        }
    }
    int B = v->batch_size;
    int Smax = cs.max_len + 2, Tmax = cs.max_len + ARCHLLM_VOCAB_SENTINELS + 2;
    if (text_tok) { /* a code is a few pieces ("▁", "3", "00"), a sentinel one */
        Smax = Tmax = 4 * Tmax + 8;
        if (Smax > ARCHLLM_PROMPT_MAX) Smax = Tmax = ARCHLLM_PROMPT_MAX;
    }
    /* host arrays for the longest prompt possible (text prompts can tokenize long); the
     * device activations for the expected size, grown by forward when a batch is longer */
    if (s == ARCHLLM_OK) s = text_tok ? batch_alloc(&bb, B, ARCHLLM_PROMPT_MAX, ARCHLLM_PROMPT_MAX)
                                      : batch_alloc(&bb, B, Smax, Tmax);
    if (s == ARCHLLM_OK) s = archllm_t5_reserve(ctx, &m, B, Smax, Tmax);
    if (s != ARCHLLM_OK) goto done;
    printf("train-lm: %zu sequences (%zu train, %zu held out; %zu test-split lines skipped), up to %d codes, "
           "T5 %s d_model %d heads %d x %d layers %d+%d d_ff %d vocab %d dropout %g, %zu params, batch %d, %d steps, "
           "device %s\n",
           cs.n, n_train, n_eval, cs.n_skipped, cs.max_len, m.cfg.gated ? "v1.1 (gated-gelu)" : "v1.0 (relu, tied)",
           m.cfg.d_model, m.cfg.n_heads, m.cfg.d_kv, m.cfg.n_layers, m.cfg.n_dec_layers, m.cfg.d_ff, m.cfg.vocab,
           m.cfg.dropout, m.P.total, B, v->steps, ctx->info.name);
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    archllm_adamw_params ap = {0};
    ap.beta1 = 0.9f;
    ap.beta2 = 0.999f;
    ap.eps = 1e-8f;
    ap.weight_decay = (float)v->weight_decay;
    ap.max_norm = (float)v->max_grad_norm;
    int step = m.P.step, win = 0;
    double t_win = archllm_now_s(), loss_win = 0.0;
    long tok_win = 0;
    while (step < v->steps) {
        for (int b = 0; b < B && s == ARCHLLM_OK; b++) {
            size_t j = train_idx[archllm_rng_below(&rng, (uint32_t)n_train)];
            archllm_prompt_kind kind = pick_kind(v, &rng);
            s = make_prompt(&bb.p[b], kind, cs.codes + cs.off[j], cs.len[j], (float)v->mask_rate, &rng);
        }
        float loss = 0.0f, gnorm = 0.0f;
        int nt = 0;
        m.drop_seed = archllm_rng_u32(&rng);
        if (s == ARCHLLM_OK) s = archllm_params_zero_grad(ctx, &m.P);
        if (s == ARCHLLM_OK) s = run_batch(ctx, &m, &bb, B, 1, &loss, &nt);
        ap.lr = lr_at(v, step);
        if (s == ARCHLLM_OK) s = archllm_params_adamw(ctx, &m.P, &ap, &gnorm);
        if (s != ARCHLLM_OK) break;
        step++;
        if (!isfinite(loss)) {
            s = archllm_fail(ARCHLLM_EINVAL, "loss is %g at step %d", loss, step);
            break;
        }
        loss_win += loss;
        tok_win += nt;
        win++;
        if (step % v->log_every == 0 || step == v->steps) {
            double t = archllm_now_s();
            /* full precision: the resume test compares these lines */
            printf("step %d/%d | loss %.6f | lr %.2e | gnorm %.4f | %.1f ms/step | %.0f tokens/s\n", step, v->steps,
                   loss_win / win, ap.lr, gnorm, 1e3 * (t - t_win) / win, tok_win / (t - t_win));
            loss_win = 0.0;
            tok_win = 0;
            win = 0;
            t_win = archllm_now_s();
        }
        if (n_eval > 0 && v->eval_every > 0 && step % v->eval_every == 0 && step < v->steps) {
            double el;
            s = evaluate(ctx, &m, &cfg, &cs, eval_idx, n_eval, &bb, &el);
            if (s != ARCHLLM_OK) break;
            printf("step %d | held-out loss %.6f | ppl %.3f\n", step, el, exp(el));
            t_win = archllm_now_s();
        }
        int stop = stop_requested || (stop_after >= 0 && step >= stop_after);
        if ((v->checkpoint_every > 0 && step % v->checkpoint_every == 0) || stop) {
            s = save_ckpt(ctx, &m, ckpt, &rng);
            if (s != ARCHLLM_OK) break;
        }
        if (stop) {
            interrupted = 1;
            break;
        }
    }
    if (s == ARCHLLM_OK && interrupted) {
        printf("stopped at step %d; checkpoint %s; continue with --resume\n", step, ckpt);
        goto done;
    }
    if (s == ARCHLLM_OK) s = save_ckpt(ctx, &m, ckpt, &rng);
    if (s == ARCHLLM_OK && n_eval > 0) {
        double el;
        s = evaluate(ctx, &m, &cfg, &cs, eval_idx, n_eval, &bb, &el);
        if (s == ARCHLLM_OK) printf("step %d | held-out loss %.6f | ppl %.3f\n", step, el, exp(el));
    }
    if (s == ARCHLLM_OK) s = archllm_t5_save_hf(ctx, &m, hf);
    if (s == ARCHLLM_OK && tok) { /* the folder keeps its tokenizer */
        char src[ARCHLLM_CONFIG_PATH_MAX + 32], dst[ARCHLLM_CONFIG_PATH_MAX + 128], *text = NULL;
        size_t len = 0;
        snprintf(src, sizeof src, "%s/tokenizer.json", init);
        snprintf(dst, sizeof dst, "%s/tokenizer.json", hf);
        archllm_atomic_file af;
        s = archllm_read_file(src, &text, &len);
        if (s == ARCHLLM_OK) s = archllm_atomic_open(&af, dst);
        if (s == ARCHLLM_OK) {
            fwrite(text, 1, len, af.f);
            s = archllm_atomic_commit(&af);
        }
        free(text);
    }
    if (s == ARCHLLM_OK) printf("checkpoint %s\nmodel %s (Hugging Face folder)\n", ckpt, hf);
done:
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    batch_free(&bb);
    if (m.P.finalized) archllm_t5_free(&m);
    archllm_tokenizer_free(tok);
    text_tok = NULL;
    archllm_ctx_free(ctx);
    free(order);
    archllm_codes_free(&cs);
    if (s != ARCHLLM_OK) return cli_status(s, "train-lm");
    return interrupted && stop_after < 0 ? 130 : CLI_EXIT_OK;
}
