/* test_fill.c - the one fill layout (archllm_prompt_fill) that training prompts, the
 * pipeline's fill and `archllm sample --fill` share, when more runs are masked than there
 * are sentinels: the runs past the 16th stay visible with their codes; training's prompts
 * at a high mask rate over long sequences hold every code once, in order, with at most 16
 * sentinels; a fill by a T5 (the v1_1 fixture, random weights, as a 32-code model) keeps
 * those runs' codes and fills the rest with codes, reproducibly; and a run past the last
 * sentinel's without a code (what `sample --fill` would need) is a clean EINVAL. */
#include "model/prompts.h"
#include "pipeline/pipeline.h"
#include "testutil.h"

enum { K = 32, L = 40, RUNS = L / 2 }; /* positions 1, 3, ..., 39 masked: 20 runs of one */

static int is_sentinel(int32_t id) { return id >= ARCHLLM_TOK_SENTINEL0 && id < ARCHLLM_TOK_CODE0; }

/* the codes back from a fill prompt: the encoder's, each sentinel replaced by its run's
 * codes from the target; 0 when the prompt is not laid out so */
static int reassemble(const archllm_prompt *p, int32_t *codes, int n)
{
    int k = 0, t = 0, sentinels = 0;
    if (p->enc[0] != ARCHLLM_TOK_FILL || p->enc[p->S - 1] != ARCHLLM_TOK_EOS || p->tgt[p->T - 1] != ARCHLLM_TOK_EOS)
        return 0;
    for (int i = 1; i < p->S - 1; i++) {
        if (!is_sentinel(p->enc[i])) {
            if (k == n) return 0;
            codes[k++] = p->enc[i] - ARCHLLM_TOK_CODE0;
            continue;
        }
        if (p->enc[i] != ARCHLLM_TOK_SENTINEL0 + sentinels++ || p->tgt[t++] != p->enc[i]) return 0;
        while (t < p->T - 1 && !is_sentinel(p->tgt[t]) && k < n) codes[k++] = p->tgt[t++] - ARCHLLM_TOK_CODE0;
    }
    return k == n && t == p->T - 1 && sentinels <= ARCHLLM_VOCAB_SENTINELS;
}

static void layout(void)
{
    int32_t codes[L];
    uint8_t masked[L];
    for (int i = 0; i < L; i++) codes[i] = (7 * i) % K, masked[i] = i % 2;
    archllm_prompt p;
    CHECK_OK(archllm_prompt_fill(&p, masked, codes, L));
    int past = 2 * ARCHLLM_VOCAB_SENTINELS + 1, cleared = 1, kept = 1;
    for (int i = 0; i < L; i++) cleared &= masked[i] == (i % 2 && i < past);
    int sentinels = 0;
    for (int i = 0; i < p.S; i++) sentinels += is_sentinel(p.enc[i]);
    /* fill:, 20 visible codes, 16 sentinels, the 4 codes of the runs past them, </s> */
    CHECK(p.S == 1 + RUNS + ARCHLLM_VOCAB_SENTINELS + (RUNS - ARCHLLM_VOCAB_SENTINELS) + 1 && sentinels == 16,
          "%d runs: 16 sentinels in the encoder (S = %d)", RUNS, p.S);
    CHECK(p.T == 2 * ARCHLLM_VOCAB_SENTINELS + 1, "the target: each sentinel and its code, then </s> (T = %d)", p.T);
    CHECK(cleared, "the runs from position %d on are unmasked", past);
    for (int i = past - 1; i < L; i++) kept &= p.enc[1 + i] == ARCHLLM_TOK_CODE0 + codes[i]; /* none left to skip */
    CHECK(kept, "their codes are in the encoder, in place");
    int32_t back[L];
    CHECK(reassemble(&p, back, L) && memcmp(back, codes, sizeof codes) == 0, "the prompt holds every code once, in order");

    /* sample --fill's case: the masked codes are unknown (-1) */
    for (int i = 0; i < L; i++) masked[i] = i % 2, codes[i] = i % 2 ? -1 : codes[i];
    CHECK_FAILS(archllm_prompt_fill(&p, masked, codes, L));
    CHECK(strstr(archllm_last_error(), "more than 16 masked runs") != NULL, "a run past the last sentinel's without a "
          "code: EINVAL (%s)", archllm_last_error());
    for (int i = 0; i < L; i++) masked[i] = 0;
    CHECK_FAILS(archllm_prompt_fill(&p, masked, codes, L));
}

/* training's fill prompts: the same layout at any mask rate */
static void training(void)
{
    archllm_rng rng;
    archllm_rng_seed(&rng, 11, 3);
    int32_t codes[100], back[100];
    int ok = 1, capped = 0;
    for (int n = 0; n < 200; n++) {
        for (int i = 0; i < 100; i++) codes[i] = (int32_t)archllm_rng_below(&rng, K);
        archllm_prompt p;
        CHECK_OK(archllm_prompt_make(&p, ARCHLLM_PROMPT_FILL, codes, 100, 0.5f, &rng));
        ok &= reassemble(&p, back, 100) && memcmp(back, codes, sizeof codes) == 0;
        int sentinels = 0;
        for (int i = 0; i < p.S; i++) sentinels += is_sentinel(p.enc[i]);
        capped += sentinels == ARCHLLM_VOCAB_SENTINELS;
    }
    CHECK(ok && capped > 100, "200 training prompts at mask rate 0.5 over 100 codes: every code once, in order, at "
          "most 16 sentinels (%d used all 16)", capped);
}

/* rows of L codes from the fill */
typedef struct {
    int32_t out[3][L];
    int     bad;
} rows;

static archllm_status keep(void *user, size_t i, const int32_t *codes, int n)
{
    rows *r = user;
    if (n != L) r->bad++;
    else memcpy(r->out[i], codes, sizeof r->out[i]);
    return ARCHLLM_OK;
}

static void fill(archllm_ctx_t *ctx)
{
    char dir[4096];
    const char *src = getenv("ARCHLLM_SRCDIR");
    snprintf(dir, sizeof dir, "%s/tests/fixtures/t5/v1_1", src && src[0] ? src : ".");
    archllm_t5 m;
    archllm_status s = archllm_t5_load_hf(ctx, &m, dir);
    CHECK(s == ARCHLLM_OK, "load the v1_1 fixture (%s)", s ? archllm_last_error() : "");
    if (s != ARCHLLM_OK) return;
    int32_t codes[3][L];
    uint8_t mask[L];
    for (int b = 0; b < 3; b++)
        for (int i = 0; i < L; i++) codes[b][i] = (5 * i + 11 * b) % K;
    for (int i = 0; i < L; i++) mask[i] = i % 2;
    archllm_code_lm lm = {.ctx = ctx, .t5 = &m, .tok = NULL, .K = K, .batch = 2};
    archllm_sample_params sp;
    archllm_sample_default_params(&sp);
    sp.seed = 5;
    sp.constrained = 1;
    rows r1 = {0}, r2 = {0};
    CHECK_OK(archllm_code_lm_fill(&lm, &sp, &codes[0][0], L, mask, L, 3, keep, &r1));
    CHECK_OK(archllm_code_lm_fill(&lm, &sp, &codes[0][0], L, mask, L, 3, keep, &r2));
    int kept = 1, filled = 1, past = 2 * ARCHLLM_VOCAB_SENTINELS + 1;
    for (int b = 0; b < 3; b++)
        for (int i = 0; i < L; i++) {
            if (i % 2 == 0 || i >= past) kept &= r1.out[b][i] == codes[b][i];
            else filled &= r1.out[b][i] >= 0 && r1.out[b][i] < K;
        }
    CHECK(r1.bad == 0 && kept && filled, "fill with 20 masked runs: the 16 with sentinels filled with codes, the rest "
          "and the visible codes kept, over batches of 2");
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0, "the fill is reproducible from the seed");
    int32_t unknown[L];
    for (int i = 0; i < L; i++) unknown[i] = i % 2 ? -1 : codes[0][i];
    CHECK_FAILS(archllm_code_lm_fill(&lm, &sp, unknown, 0, mask, L, 3, keep, &r1));
    archllm_t5_free(&m);
}

int main(void)
{
    layout();
    training();
    archllm_ctx_t *ctx = test_open_ctx();
    fill(ctx);
    archllm_ctx_free(ctx);
    return test_finish();
}
