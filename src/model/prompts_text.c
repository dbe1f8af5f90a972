/* prompts_text.c - prompts as text for pretrained checkpoints with a SentencePiece vocabulary:
 * the built-in-vocabulary prompt is written out ("generate:", "fill: 3 4 <extra_id_0> 9",
 * targets "12 5 300 7", "<extra_id_0> 3 4 <extra_id_1> 6"; codes as decimal numbers, single
 * spaces, no leading or trailing space: the form in which the C and Hugging Face tokenizers
 * agree) and tokenized with the checkpoint's tokenizer.json. */
#include "model/prompts.h"

#include "util/error.h"

#include <stdio.h>
#include <string.h>

size_t archllm_prompt_ids_to_text(const int32_t *ids, int n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        char w[32];
        int32_t id = ids[i];
        if (id == ARCHLLM_TOK_EOS || id == ARCHLLM_TOK_PAD) continue;
        if (id == ARCHLLM_TOK_GENERATE) snprintf(w, sizeof w, "generate:");
        else if (id == ARCHLLM_TOK_FILL) snprintf(w, sizeof w, "fill:");
        else if (id >= ARCHLLM_TOK_SENTINEL0 && id < ARCHLLM_TOK_CODE0)
            snprintf(w, sizeof w, "<extra_id_%d>", id - ARCHLLM_TOK_SENTINEL0);
        else if (id >= ARCHLLM_TOK_CODE0) snprintf(w, sizeof w, "%d", id - ARCHLLM_TOK_CODE0);
        else snprintf(w, sizeof w, "<unk>");
        int k = snprintf(out + o, cap - o, "%s%s", o ? " " : "", w);
        if (k < 0 || (size_t)k >= cap - o) break;
        o += (size_t)k;
    }
    return o;
}

archllm_status archllm_prompt_retokenize(archllm_prompt *p, const archllm_tokenizer *t)
{
    char text[ARCHLLM_PROMPT_MAX * 12];
    int n = 0;
    archllm_prompt_ids_to_text(p->enc, p->S, text, sizeof text);
    ARCHLLM_TRY(archllm_tokenizer_encode(t, text, 1, p->enc, ARCHLLM_PROMPT_MAX, &n));
    p->S = n;
    archllm_prompt_ids_to_text(p->tgt, p->T, text, sizeof text);
    ARCHLLM_TRY(archllm_tokenizer_encode(t, text, 1, p->tgt, ARCHLLM_PROMPT_MAX, &n));
    p->T = n;
    return ARCHLLM_OK;
}
