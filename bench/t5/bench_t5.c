/* bench_t5.c - time the T5 of a config's lm group on the selected OpenCL device:
 *   train   one AdamW training step (forward, loss, backward, update) on a batch of B
 *           fill-shaped prompts (encoder S, decoder T), median of N steps after warm-up;
 *   sample  batched KV-cache sampling of `generate:` prompts, T new tokens each, sequences/s.
 * Usage: bench_t5 [CONFIG.cfg] [--B 64] [--S 9] [--T 10] [--steps 20] [--device SEL]
 * The PyTorch / transformers side is bench/t5/bench_torch.py with the same sizes. */
#include "config.h"
#include "io/experiment.h"
#include "model/prompts.h"
#include "model/sample.h"
#include "model/t5.h"
#include "util/clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *cfgp = NULL, *dev = NULL;
    int B = 64, S = 9, T = 10, steps = 20;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--B") && i + 1 < argc) B = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--S") && i + 1 < argc) S = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--T") && i + 1 < argc) T = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--device") && i + 1 < argc) dev = argv[++i];
        else cfgp = argv[i];
    }
    archllm_config cfg;
    archllm_status s = archllm_config_defaults(&cfg);
    if (s == ARCHLLM_OK && cfgp) s = archllm_config_load(&cfg, cfgp);
    if (s != ARCHLLM_OK) {
        fprintf(stderr, "bench_t5: %s\n", archllm_last_error());
        return 2;
    }
    const archllm_config_lm *v = &cfg.lm;
    archllm_t5_config c;
    archllm_t5_config_default(&c);
    int K = cfg.vqvae.codebook_size;
    c.vocab = archllm_code_vocab_size(K);
    c.d_model = v->d_model, c.d_kv = v->d_kv, c.d_ff = v->d_ff, c.n_heads = v->heads;
    c.n_layers = v->layers, c.n_dec_layers = v->decoder_layers, c.num_buckets = v->buckets;
    c.max_distance = v->max_distance, c.dropout = 0.0f;
    c.gated = v->variant == 1;
    c.act = c.gated ? ARCHLLM_T5_GELU_NEW : ARCHLLM_T5_RELU;
    c.tied = c.scale_out = v->variant == 0;
    archllm_ctx_t *ctx;
    if (archllm_ctx_init(&ctx, dev ? dev : getenv("ARCHLLM_DEVICE")) != ARCHLLM_OK) {
        fprintf(stderr, "bench_t5: %s\n", archllm_last_error());
        return 77;
    }
    archllm_t5 m;
    archllm_rng rng;
    archllm_rng_seed(&rng, 1, 2);
    s = archllm_t5_init(ctx, &m, &c);
    if (s == ARCHLLM_OK) s = archllm_t5_init_weights(ctx, &m, &rng, (float)(1.0 / sqrt((double)c.d_model)));
    int32_t *enc = malloc(sizeof(int32_t) * B * S), *lab = malloc(sizeof(int32_t) * B * T),
            *dec = malloc(sizeof(int32_t) * B * T);
    for (int i = 0; i < B * S; i++) enc[i] = ARCHLLM_TOK_CODE0 + (int)archllm_rng_below(&rng, (uint32_t)K);
    for (int i = 0; i < B * T; i++) lab[i] = ARCHLLM_TOK_CODE0 + (int)archllm_rng_below(&rng, (uint32_t)K);
    archllm_t5_shift_right(&c, lab, B, T, dec);
    printf("device %s\nT5 %s d_model %d heads %d x %d d_ff %d layers %d+%d vocab %d, %zu params; batch %d, S %d, T %d\n",
           ctx->info.name, c.gated ? "v1.1" : "v1.0", c.d_model, c.n_heads, c.d_kv, c.d_ff, c.n_layers, c.n_dec_layers,
           c.vocab, m.P.total, B, S, T);
    archllm_adamw_params ap = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 1.0f, 0};
    double *t = malloc(sizeof(double) * (steps + 3));
    float loss = 0;
    m.training = 1; /* the training steps' path (no kept W^T; dropout is 0 here) */
    for (int i = 0; s == ARCHLLM_OK && i < steps + 3; i++) {
        double t0 = archllm_now_s();
        s = archllm_t5_forward(ctx, &m, enc, NULL, B, S, dec, T);
        if (s == ARCHLLM_OK) s = archllm_t5_loss(ctx, &m, lab, &loss);
        if (s == ARCHLLM_OK) s = archllm_params_zero_grad(ctx, &m.P);
        if (s == ARCHLLM_OK) s = archllm_t5_backward(ctx, &m);
        if (s == ARCHLLM_OK) s = archllm_params_adamw(ctx, &m.P, &ap, NULL);
        if (s == ARCHLLM_OK) s = archllm_ctx_finish(ctx);
        t[i] = archllm_now_s() - t0;
    }
    if (s == ARCHLLM_OK) {
        qsort(t + 3, (size_t)steps, sizeof(double), cmp_d);
        printf("train step: median %.2f ms, best %.2f ms over %d steps (loss %.4f)\n", 1e3 * t[3 + steps / 2],
               1e3 * t[3], steps, loss);
    }
    m.training = 0;
    /* sampling: generate prompt, T-1 code tokens + eos, constrained, temperature 1 */
    archllm_sample_params sp;
    archllm_sample_default_params(&sp);
    sp.constrained = 1;
    sp.lo = ARCHLLM_TOK_CODE0;
    sp.hi = ARCHLLM_TOK_CODE0 + K;
    sp.length = T - 1;
    int32_t *penc = malloc(sizeof(int32_t) * B * 2), *out = malloc(sizeof(int32_t) * B * (T + 1));
    int *lens = malloc(sizeof(int) * B);
    for (int b = 0; b < B; b++) penc[2 * b] = ARCHLLM_TOK_GENERATE, penc[2 * b + 1] = ARCHLLM_TOK_EOS;
    double best = 1e30;
    for (int r = 0; s == ARCHLLM_OK && r < 6; r++) {
        sp.seed = (uint64_t)r;
        double t0 = archllm_now_s();
        s = archllm_t5_generate(ctx, &m, penc, NULL, B, 2, &sp, out, lens);
        double dt = archllm_now_s() - t0;
        if (r > 0 && dt < best) best = dt;
    }
    if (s == ARCHLLM_OK)
        printf("sample: %d sequences x %d tokens in %.2f ms (best of 5): %.0f sequences/s\n", B, T, 1e3 * best,
               B / best);
    if (s != ARCHLLM_OK) fprintf(stderr, "bench_t5: %s\n", archllm_last_error());
    archllm_t5_free(&m);
    archllm_ctx_free(ctx);
    free(enc), free(lab), free(dec), free(t), free(penc), free(out), free(lens);
    return s == ARCHLLM_OK ? 0 : 1;
}
