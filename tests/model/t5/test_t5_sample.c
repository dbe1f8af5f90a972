/* test_t5_sample.c - KV-cache decoding against Hugging Face and against the full forward:
 * greedy decoding of the fixture models equals transformers' generate (8 new tokens, eos
 * suppressed as min_new_tokens does); every greedy token is the argmax of a full
 * (uncached) forward over the generated prefix; sampling is reproducible from the seed;
 * top-k 1 is greedy; constrained decoding yields exactly `length` tokens in the allowed
 * range, then eos. */
#include "model/sample.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *srcdir(void)
{
    const char *s = getenv("ARCHLLM_SRCDIR");
    return s ? s : ".";
}

static int32_t *geti(const archllm_safetensors *st, const char *name, int64_t *shape)
{
    const archllm_st_entry *e = archllm_st_find(st, name);
    if (!e || e->ndim != 2) return NULL;
    int32_t *p = malloc(e->numel * sizeof(int32_t));
    archllm_st_read_i32(st, e, p, e->numel);
    shape[0] = e->shape[0];
    shape[1] = e->shape[1];
    return p;
}

static void variant(archllm_ctx_t *ctx, const char *v)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/t5/%s", srcdir(), v);
    archllm_t5 m;
    archllm_status s = archllm_t5_load_hf(ctx, &m, dir);
    CHECK(s == ARCHLLM_OK, "%s: load (%s)", v, s ? archllm_last_error() : "");
    if (s != ARCHLLM_OK) return;
    archllm_safetensors ex;
    snprintf(path, sizeof path, "%s/expect.safetensors", dir);
    if (archllm_st_open(&ex, path) != ARCHLLM_OK) {
        CHECK(0, "%s: open expect.safetensors", v);
        return;
    }
    int64_t si[2], sg[2];
    int32_t *ids = geti(&ex, "input_ids", si), *mask = geti(&ex, "attention_mask", si), *hf = geti(&ex, "greedy", sg);
    if (!ids || !mask || !hf) {
        CHECK(0, "%s: fixture lacks greedy (rerun tests/fixtures/t5/make_fixtures.py)", v);
        return;
    }
    int B = (int)si[0], S = (int)si[1], N = (int)sg[1] - 1; /* HF's output starts with the start token */
    archllm_sample_params sp;
    archllm_sample_default_params(&sp);
    sp.temperature = 0.0f;
    sp.max_len = N;
    sp.min_len = N;
    int32_t *out = calloc((size_t)B * 64, sizeof(int32_t));
    int lens[8];
    s = archllm_t5_generate(ctx, &m, ids, mask, B, S, &sp, out, lens);
    CHECK(s == ARCHLLM_OK, "%s: generate (%s)", v, s ? archllm_last_error() : "");
    int same = 1;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < N; t++) same &= out[b * N + t] == hf[b * (N + 1) + t + 1];
    CHECK(same, "%s: greedy KV-cache decoding equals transformers generate (%d x %d tokens)", v, B, N);

    /* teacher-forced full forward over [start, out...]: argmax at t (eos masked) is out[t] */
    int32_t *dec = malloc(sizeof(int32_t) * B * N);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < N; t++) dec[b * N + t] = t ? out[b * N + t - 1] : m.cfg.start_id;
    s = archllm_t5_forward(ctx, &m, ids, mask, B, S, dec, N);
    float *lg = malloc(sizeof(float) * B * N * m.cfg.vocab);
    archllm_view lv = archllm_t5_logits(&m);
    if (s == ARCHLLM_OK) s = archllm_buf_read(ctx, lg, lv.buf, lv.off * 4, sizeof(float) * B * N * m.cfg.vocab);
    int agree = s == ARCHLLM_OK;
    for (int i = 0; agree && i < B * N; i++) {
        float *z = lg + (size_t)i * m.cfg.vocab;
        int best = m.cfg.eos_id == 0 ? 1 : 0;
        for (int k = 0; k < m.cfg.vocab; k++)
            if (k != m.cfg.eos_id && z[k] > z[best]) best = k;
        agree &= best == out[i];
    }
    CHECK(agree, "%s: cached decoding agrees with the full forward at every step", v);

    /* sampling: same seed -> same samples; top_k 1 -> greedy */
    int32_t *o1 = calloc((size_t)B * 64, 4), *o2 = calloc((size_t)B * 64, 4);
    archllm_sample_params ss;
    archllm_sample_default_params(&ss);
    ss.max_len = 12;
    ss.seed = 99;
    ss.top_p = 0.9f;
    archllm_t5_generate(ctx, &m, ids, mask, B, S, &ss, o1, lens);
    archllm_t5_generate(ctx, &m, ids, mask, B, S, &ss, o2, lens);
    CHECK(memcmp(o1, o2, (size_t)B * 12 * 4) == 0, "%s: sampling is reproducible from the seed", v);
    ss.top_k = 1;
    ss.max_len = N;
    ss.min_len = N;
    archllm_t5_generate(ctx, &m, ids, mask, B, S, &ss, o1, lens);
    CHECK(memcmp(o1, out, (size_t)B * N * 4) == 0, "%s: top-k 1 sampling is greedy", v);

    /* the transposed decoding weights kept between calls follow the weights: after new
     * values, the kept model decodes as a freshly loaded one given the same values does,
     * and after the old values again as before */
    float *w0 = malloc(sizeof(float) * m.P.total), *w1 = malloc(sizeof(float) * m.P.total);
    archllm_t5 m2;
    int fresh_ok = w0 && w1 && archllm_params_read(ctx, &m.P, w0) == ARCHLLM_OK &&
                   archllm_t5_load_hf(ctx, &m2, dir) == ARCHLLM_OK;
    CHECK(fresh_ok, "%s: a second copy of the model (%s)", v, fresh_ok ? "" : archllm_last_error());
    if (fresh_ok) {
        for (size_t i = 0; i < m.P.total; i++) w1[i] = i % 3 == 0 ? -w0[i] : w0[i];
        int32_t *g1 = calloc((size_t)B * 64, 4), *g2 = calloc((size_t)B * 64, 4);
        s = g1 && g2 ? archllm_params_write(ctx, &m.P, w1) : ARCHLLM_ENOMEM;
        if (s == ARCHLLM_OK) s = archllm_params_write(ctx, &m2.P, w1);
        if (s == ARCHLLM_OK) s = archllm_t5_generate(ctx, &m, ids, mask, B, S, &sp, g1, lens);
        if (s == ARCHLLM_OK) s = archllm_t5_generate(ctx, &m2, ids, mask, B, S, &sp, g2, lens);
        CHECK(s == ARCHLLM_OK && memcmp(g1, out, (size_t)B * N * 4) != 0 && memcmp(g1, g2, (size_t)B * N * 4) == 0,
              "%s: after new weights, decoding follows them as a fresh model's does", v);
        s = archllm_params_write(ctx, &m.P, w0);
        if (s == ARCHLLM_OK) s = archllm_t5_generate(ctx, &m, ids, mask, B, S, &sp, g1, lens);
        CHECK(s == ARCHLLM_OK && memcmp(g1, out, (size_t)B * N * 4) == 0,
              "%s: the old weights back, the old decoding back", v);
        free(g1), free(g2);
        archllm_t5_free(&m2);
    }
    free(w0), free(w1);

    /* constrained: 5 tokens from [10, 20), then eos */
    archllm_sample_params cs;
    archllm_sample_default_params(&cs);
    cs.constrained = 1;
    cs.lo = 10;
    cs.hi = 20;
    cs.length = 5;
    cs.seed = 3;
    s = archllm_t5_generate(ctx, &m, ids, mask, B, S, &cs, o1, lens);
    int wf = s == ARCHLLM_OK;
    for (int b = 0; b < B; b++) {
        wf &= lens[b] == 6 && o1[b * 6 + 5] == m.cfg.eos_id;
        for (int t = 0; t < 5; t++) wf &= o1[b * 6 + t] >= 10 && o1[b * 6 + t] < 20;
    }
    CHECK(wf, "%s: constrained decoding gives 5 tokens in [10, 20) then eos", v);
    free(ids), free(mask), free(hf), free(out), free(dec), free(lg), free(o1), free(o2);
    archllm_st_close(&ex);
    archllm_t5_free(&m);
}

int main(void)
{
    archllm_ctx_t *ctx = test_open_ctx();
    variant(ctx, "v1_0");
    variant(ctx, "v1_1");
    archllm_ctx_free(ctx);
    return test_finish();
}
