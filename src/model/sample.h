/* sample.h - batched autoregressive decoding of a T5 with a key/value cache: greedy or
 * sampling with temperature, top-k and top-p from a seeded PCG32; optional constrained
 * decoding (only tokens in [lo, hi) for exactly `length` steps, then </s>), so every sample
 * of a code model is a well-formed code sequence without post-filtering.
 * Cross-attention keys/values are computed once per batch; self-attention keys/values are
 * appended per step (row t of the decoder's relative position bias, T5.md 1.5). */
#ifndef ARCHLLM_MODEL_SAMPLE_H
#define ARCHLLM_MODEL_SAMPLE_H

#include "model/t5.h"

typedef struct {
    float    temperature; /* 0: greedy */
    int      top_k;       /* 0: off */
    float    top_p;       /* 1: off */
    uint64_t seed;
    int      max_len;     /* decoder steps at most (without constrained) */
    int      min_len;     /* eos is not chosen before this many tokens (HF min_new_tokens) */
    int      vocab_limit; /* > 0: ids >= this are never chosen (T5's 28 padding rows past the
                             tokenizer's 32100 ids; HF does not mask them, a documented deviation) */
    int      constrained; /* tokens in [lo, hi) for exactly length steps, then eos */
    int      lo, hi, length;
    /* optional, constrained only: per-step ranges [step_lo[t], step_hi[t]) for t < length
     * (a fill prompt's sentinels and span lengths), overriding lo/hi */
    const int32_t *step_lo, *step_hi;
} archllm_sample_params;

void archllm_sample_default_params(archllm_sample_params *p);

/* Decode B sequences for the encoder inputs enc (B, S) (mask may be NULL).  out (B, max_len
 * or length+1) receives the generated ids (without the start token; eos included; pad
 * after), lens the number of ids up to and including eos (or max_len). */
archllm_status archllm_t5_generate(archllm_ctx_t *ctx, archllm_t5 *m, const int32_t *enc, const int32_t *mask,
                                   int B, int S, const archllm_sample_params *sp, int32_t *out, int *lens);

/* Choose one token from logits (V) in place: temperature, top-k, top-p, allowed range;
 * e (V doubles) is scratch for the exponentials. */
int archllm_sample_token(float *logits, int V, const archllm_sample_params *sp, int lo, int hi, double *e,
                         archllm_rng *rng);

#endif
