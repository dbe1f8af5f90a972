/* code_lm.c - a code language model alone (pipeline.h): a code T5's 'generate:' and fill
 * prompts decoded in batches, the tokens read back as codes.  The pipeline's sampling and
 * fill (models.c) and `archllm sample` are these; the prompt layout is model/prompts.c's. */
#include "config.h"
#include "pipeline/pipeline.h"

#include "model/prompts.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

#define FREE_CODES 64 /* unconstrained with L = 0: the codes a sequence runs to at most */

/* the batch's buffers: encoder rows (B, S), outputs (B, Tm), lengths (B) */
typedef struct {
    int32_t *enc, *res;
    int     *lens;
} batch_bufs;

static archllm_status bufs_alloc(batch_bufs *b, int B, int S, int Tm)
{
    b->enc = malloc(sizeof(int32_t) * (size_t)B * (size_t)S);
    b->res = malloc(sizeof(int32_t) * (size_t)B * (size_t)Tm);
    b->lens = malloc(sizeof(int) * (size_t)B);
    return b->enc && b->res && b->lens ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "sampling buffers");
}

static void bufs_free(batch_bufs *b) { free(b->enc), free(b->res), free(b->lens); }

/* the tokens of output row r before its </s> */
static int tokens(const archllm_code_lm *lm, const int32_t *r, int len)
{
    return len > 0 && r[len - 1] == lm->t5->cfg.eos_id ? len - 1 : len;
}

/* A pretrained vocabulary's sample: the pieces decoded to text and read as decimal codes
 * below K, at least one, L of them when L > 0; the count, or -1 when not so. */
static int read_numbers(const archllm_code_lm *lm, const int32_t *r, int n, int L, int32_t *codes)
{
    char text[8192], *q = text;
    int nc = 0;
    archllm_tokenizer_decode(lm->tok, r, n, text, sizeof text);
    while (*q && nc < ARCHLLM_PROMPT_MAX) {
        char *e;
        long x = strtol(q, &e, 10);
        if (e == q || x < 0 || x >= lm->K || (*e && *e != ' ')) return -1;
        codes[nc++] = (int32_t)x;
        q = e;
        while (*q == ' ') q++;
    }
    return nc == 0 || (L > 0 && nc != L) ? -1 : nc;
}

archllm_status archllm_code_lm_sample(const archllm_code_lm *lm, const archllm_sample_params *sp0, int L, size_t n,
                                      archllm_codes_sink sink, void *user)
{
    int K = lm->K, B = lm->batch, Lf = L > 0 ? L : FREE_CODES;
    if (L > ARCHLLM_PROMPT_MAX / 2 - 2) /* what a training prompt holds at most */
        return archllm_fail(ARCHLLM_EINVAL, "%d codes a sequence (at most %d)", L, ARCHLLM_PROMPT_MAX / 2 - 2);
    archllm_prompt pr;
    pr.S = pr.T = 0;
    pr.enc[pr.S++] = ARCHLLM_TOK_GENERATE;
    pr.enc[pr.S++] = ARCHLLM_TOK_EOS;
    archllm_sample_params sp = *sp0;
    sp.step_lo = sp.step_hi = NULL;
    if (lm->tok) { /* pieces, not codes: sample freely and read the numbers back */
        ARCHLLM_TRY(archllm_prompt_retokenize(&pr, lm->tok));
        sp.constrained = 0;
        sp.max_len = 4 * Lf + 8;
        sp.vocab_limit = archllm_tokenizer_vocab_size(lm->tok); /* no ids without a piece */
    } else if (sp.constrained) {
        if (L < 1) return archllm_fail(ARCHLLM_EINVAL, "no sequence length to constrain to");
        sp.lo = ARCHLLM_TOK_CODE0, sp.hi = ARCHLLM_TOK_CODE0 + K, sp.length = L;
    } else {
        sp.max_len = Lf + 1;
    }
    int Tm = sp.constrained ? sp.length + 1 : sp.max_len;
    batch_bufs bb;
    archllm_status s = bufs_alloc(&bb, B, pr.S, Tm);
    for (int b = 0; s == ARCHLLM_OK && b < B; b++) memcpy(bb.enc + (size_t)b * pr.S, pr.enc, sizeof(int32_t) * pr.S);
    int32_t codes[ARCHLLM_PROMPT_MAX];
    for (size_t done = 0; s == ARCHLLM_OK && done < n;) {
        int nb = n - done < (size_t)B ? (int)(n - done) : B;
        sp.seed = sp0->seed * 1000003u + (uint64_t)done; /* batches draw independent streams */
        s = archllm_t5_generate(lm->ctx, lm->t5, bb.enc, NULL, nb, pr.S, &sp, bb.res, bb.lens);
        for (int b = 0; s == ARCHLLM_OK && b < nb; b++) {
            const int32_t *r = bb.res + (size_t)b * Tm;
            int nt = tokens(lm, r, bb.lens[b]), nc = 0;
            if (lm->tok) nc = read_numbers(lm, r, nt, L, codes);
            for (int t = 0; !lm->tok && t < nt && nc >= 0; t++) {
                int c = r[t] - ARCHLLM_TOK_CODE0;
                if (c >= 0 && c < K) codes[nc++] = c;
                else nc = -1;
            }
            s = sink(user, done + (size_t)b, codes, nc);
        }
        done += (size_t)nb;
    }
    bufs_free(&bb);
    return s;
}

archllm_status archllm_code_lm_fill(const archllm_code_lm *lm, const archllm_sample_params *sp0, const int32_t *codes,
                                    size_t stride, const uint8_t *mask, int L, size_t n, archllm_codes_sink sink,
                                    void *user)
{
    if (lm->tok) return archllm_fail(ARCHLLM_EUNSUPPORTED, "fill: the built-in code vocabulary only, not a SentencePiece model");
    if (L < 1 || L > ARCHLLM_PROMPT_MAX / 2 - 2) return archllm_fail(ARCHLLM_EINVAL, "fill: %d codes", L);
    if (n == 0) return ARCHLLM_OK;
    int K = lm->K, B = lm->batch;
    /* the layout depends on the mask only: the first sequence's gives every one's shape */
    uint8_t m[ARCHLLM_PROMPT_MAX];
    archllm_prompt pr;
    memcpy(m, mask, (size_t)L);
    ARCHLLM_TRY(archllm_prompt_fill(&pr, m, codes, L));
    int S = pr.S, T = pr.T - 1; /* the target without its </s> */
    int32_t step_lo[ARCHLLM_PROMPT_MAX], step_hi[ARCHLLM_PROMPT_MAX];
    for (int t = 0; t < T; t++) {
        int sentinel = pr.tgt[t] >= ARCHLLM_TOK_SENTINEL0 && pr.tgt[t] < ARCHLLM_TOK_CODE0;
        step_lo[t] = sentinel ? pr.tgt[t] : ARCHLLM_TOK_CODE0;
        step_hi[t] = sentinel ? pr.tgt[t] + 1 : ARCHLLM_TOK_CODE0 + K;
    }
    archllm_sample_params sp = *sp0;
    sp.lo = ARCHLLM_TOK_CODE0, sp.hi = ARCHLLM_TOK_CODE0 + K;
    sp.length = T;
    sp.max_len = L + ARCHLLM_VOCAB_SENTINELS + 1; /* unconstrained: room for every run's sentinel */
    sp.step_lo = step_lo, sp.step_hi = step_hi;
    int Tm = sp.constrained ? sp.length + 1 : sp.max_len;
    batch_bufs bb;
    archllm_status s = bufs_alloc(&bb, B, S, Tm);
    int32_t out[ARCHLLM_PROMPT_MAX];
    for (size_t done = 0; s == ARCHLLM_OK && done < n;) {
        int nb = n - done < (size_t)B ? (int)(n - done) : B;
        for (int b = 0; s == ARCHLLM_OK && b < nb; b++) {
            memcpy(m, mask, (size_t)L);
            s = archllm_prompt_fill(&pr, m, codes + (done + (size_t)b) * stride, L);
            if (s == ARCHLLM_OK) memcpy(bb.enc + (size_t)b * S, pr.enc, sizeof(int32_t) * (size_t)S);
        }
        sp.seed = sp0->seed * 1000003u + (uint64_t)done;
        if (s == ARCHLLM_OK) s = archllm_t5_generate(lm->ctx, lm->t5, bb.enc, NULL, nb, S, &sp, bb.res, bb.lens);
        for (int b = 0; s == ARCHLLM_OK && b < nb; b++) {
            /* merge: each masked position takes the next code after its run's sentinel */
            const int32_t *r = bb.res + (size_t)b * Tm, *c = codes + (done + (size_t)b) * stride;
            int nt = tokens(lm, r, bb.lens[b]), t = 0, ok = 1;
            for (int i = 0; i < L; i++) {
                if (!m[i]) {
                    out[i] = c[i];
                    continue;
                }
                while (t < nt && r[t] >= ARCHLLM_TOK_SENTINEL0 && r[t] < ARCHLLM_TOK_CODE0) t++;
                out[i] = t < nt ? r[t++] - ARCHLLM_TOK_CODE0 : -1;
                if (out[i] < 0 || out[i] >= K) ok = 0;
            }
            s = sink(user, done + (size_t)b, out, ok ? L : -1);
        }
        done += (size_t)nb;
    }
    bufs_free(&bb);
    return s;
}
