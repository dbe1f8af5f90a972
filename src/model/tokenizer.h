/* tokenizer.h - the SentencePiece unigram tokenizer of pretrained T5 checkpoints, read from a
 * Hugging Face tokenizer.json (model.type "Unigram"), matching the `tokenizers` library:
 *   1. added tokens (<pad>, </s>, <unk>, sentinels; their ids from "added_tokens") are split
 *      out of the text first, exactly as written;
 *   2. each remaining chunk is normalized with the Precompiled charsmap (NFKC as a Darts
 *      double-array trie of replacements; none: identity), split at whitespace, and every
 *      word gets the Metaspace prefix "▁";
 *   3. each word is segmented by Viterbi over the vocabulary's log-probabilities (ties keep
 *      the earlier path; a character no piece covers becomes <unk> with score min - 10;
 *      consecutive <unk> merge into one);
 *   4. </s> is appended (TemplateProcessing "$A </s>").
 * Decoding joins pieces, turns "▁" into spaces and drops the leading one.  The built-in code
 * vocabulary of from-scratch models is prompts.h, not this. */
#ifndef ARCHLLM_MODEL_TOKENIZER_H
#define ARCHLLM_MODEL_TOKENIZER_H

#include "archllm.h"

#include <stddef.h>
#include <stdint.h>

typedef struct archllm_tokenizer archllm_tokenizer;

archllm_status archllm_tokenizer_load(archllm_tokenizer **t, const char *path);
archllm_status archllm_tokenizer_parse(archllm_tokenizer **t, const char *json, size_t len, const char *name);
void           archllm_tokenizer_free(archllm_tokenizer *t);
int            archllm_tokenizer_vocab_size(const archllm_tokenizer *t);
/* id of a piece or added token, -1 when absent */
int            archllm_tokenizer_id(const archllm_tokenizer *t, const char *piece);
/* ids of text (cap entries at most; ENOMEM-free: EINVAL when cap is too small); add_eos
 * appends </s> */
archllm_status archllm_tokenizer_encode(const archllm_tokenizer *t, const char *text, int add_eos, int32_t *ids,
                                        int cap, int *n);
/* text of ids (special tokens skipped, <unk> as " ⁇ "); returns the length written */
size_t         archllm_tokenizer_decode(const archllm_tokenizer *t, const int32_t *ids, int n, char *out, size_t cap);

#endif
