/* prompts.h - Arch-LLM training data for the T5: code sequences read from JSON Lines, the
 * built-in code vocabulary of from-scratch models, and the two prompt kinds.
 *
 * Input (as `archllm encode` writes it): one JSON object per line with an integer array
 * "codes" (codebook indices in [0, K)); lines with "split": "test" are skipped (the VQ-VAE's
 * held-out cells never reach the language model); other fields are ignored; blank lines too.
 *     {"codes": [17, 3, 250, 3, 99, 12, 0]}
 *     {"hash": "...", "split": "train", "codes": [17, 402, 5]}
 *
 * Built-in vocabulary (ids): 0 <pad>, 1 </s>, 2 <unk>, 3 "generate:", 4 "fill:",
 * 5 .. 5+NS-1 the sentinels <extra_id_0> .. <extra_id_{NS-1}>, then one token per codebook
 * entry: code c is id 5 + NS + c.  NS = ARCHLLM_VOCAB_SENTINELS.
 *
 * Prompts (targets end with </s>):
 *   generate:  encoder "generate: </s>"                   -> decoder "c1 c2 ... cn </s>"
 *   fill:      encoder "fill: c1 c2 <extra_id_0> c5 ... </s>" -> decoder "<extra_id_0> c3 c4
 *              <extra_id_1> ... </s>" (T5 span corruption: each masked run of codes becomes one
 *              sentinel in the input; the target lists each sentinel followed by its codes). */
#ifndef ARCHLLM_MODEL_PROMPTS_H
#define ARCHLLM_MODEL_PROMPTS_H

#include "archllm.h"
#include "model/tokenizer.h"
#include "util/rng.h"

#include <stdint.h>

#define ARCHLLM_VOCAB_SENTINELS 16
enum {
    ARCHLLM_TOK_PAD = 0,
    ARCHLLM_TOK_EOS = 1,
    ARCHLLM_TOK_UNK = 2,
    ARCHLLM_TOK_GENERATE = 3,
    ARCHLLM_TOK_FILL = 4,
    ARCHLLM_TOK_SENTINEL0 = 5,
    ARCHLLM_TOK_CODE0 = 5 + ARCHLLM_VOCAB_SENTINELS
};
#define ARCHLLM_PROMPT_MAX 1024 /* tokens of one prompt side */

typedef struct {
    int32_t *codes; /* all sequences back to back */
    size_t  *off;   /* start of sequence i */
    int     *len;
    size_t   n;
    int      max_len, max_code;
    size_t   n_skipped; /* lines of the held-out split ("split": "test"), not loaded */
} archllm_code_set;

archllm_status archllm_codes_load_jsonl(archllm_code_set *cs, const char *path);
/* One line; *is_test (may be NULL) is set when the line says "split": "test". */
archllm_status archllm_codes_parse_line(const char *line, size_t len, int32_t *codes, int cap, int *n, int *is_test);
void           archllm_codes_free(archllm_code_set *cs);

static inline int archllm_code_vocab_size(int K) { return ARCHLLM_TOK_CODE0 + K; }

typedef enum { ARCHLLM_PROMPT_GENERATE = 0, ARCHLLM_PROMPT_FILL = 1 } archllm_prompt_kind;

typedef struct {
    int32_t enc[ARCHLLM_PROMPT_MAX];
    int     S;
    int32_t tgt[ARCHLLM_PROMPT_MAX];
    int     T;
} archllm_prompt;

/* Build one prompt over the built-in vocabulary.  fill: each code is masked with probability
 * mask_rate (at least one), drawn from rng, and laid out by archllm_prompt_fill. */
archllm_status archllm_prompt_make(archllm_prompt *p, archllm_prompt_kind kind, const int32_t *codes, int L,
                                   float mask_rate, archllm_rng *rng);

/* The fill layout, one for every fill prompt: training's (archllm_prompt_make), the
 * pipeline's fill and `archllm sample --fill`.  masked[i] != 0 marks the codes (L of them)
 * to fill; each run of masked codes becomes one sentinel:
 *   codes 5 7 _ _ 2 _  ->  encoder "fill: 5 7 <extra_id_0> 2 <extra_id_1> </s>"
 *                          target  "<extra_id_0> c2 c3 <extra_id_1> c5 </s>"
 * There are ARCHLLM_VOCAB_SENTINELS sentinels.  When more runs are masked, those after the
 * last sentinel's stay visible: their masked[] entries are cleared and their codes go into
 * the encoder.  Training has always laid its prompts out so, and filling does the same,
 * so a model is only asked for what it learned.  A masked code goes into the target; a
 * caller that samples may leave it negative (the target holds <unk> there).  EINVAL when
 * nothing is masked or a visible position has a negative code (a masked run past the
 * last sentinel's, with no code to show). */
archllm_status archllm_prompt_fill(archllm_prompt *p, uint8_t *masked, const int32_t *codes, int L);

/* Pad a batch of prompts: enc (B, S) with <pad> and mask 0, labels (B, T) with -100. */
void archllm_prompt_batch(const archllm_prompt *const *ps, int B, int32_t *enc, int32_t *mask, int S,
                          int32_t *labels, int T);

/* Prompts for a pretrained checkpoint (prompts_text.c): the built-in ids written as text
 * ("fill: 3 4 <extra_id_0> 9"; codes in decimal; </s> and <pad> dropped) and re-encoded with
 * its SentencePiece tokenizer (</s> appended on both sides). */
size_t         archllm_prompt_ids_to_text(const int32_t *ids, int n, char *out, size_t cap);
archllm_status archllm_prompt_retokenize(archllm_prompt *p, const archllm_tokenizer *t);

#endif
