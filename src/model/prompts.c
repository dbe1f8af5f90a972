/* prompts.c - code-sequence JSON Lines, the built-in code vocabulary and prompt building. */
#include "model/prompts.h"

#include "util/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

archllm_status archllm_codes_parse_line(const char *line, size_t len, int32_t *codes, int cap, int *n, int *is_test)
{
    json_error_t err;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) return archllm_fail(ARCHLLM_EFORMAT, "column %d: %s", err.column, err.text);
    json_t *a = json_is_object(root) ? json_object_get(root, "codes") : NULL;
    archllm_status s = ARCHLLM_OK;
    if (!a || !json_is_array(a)) s = archllm_fail(ARCHLLM_EFORMAT, "no \"codes\" array");
    else if (json_array_size(a) == 0) s = archllm_fail(ARCHLLM_EFORMAT, "\"codes\" is empty");
    else if ((int)json_array_size(a) > cap)
        s = archllm_fail(ARCHLLM_EFORMAT, "%zu codes (at most %d)", json_array_size(a), cap);
    for (size_t i = 0; s == ARCHLLM_OK && i < json_array_size(a); i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
            s = archllm_fail(ARCHLLM_EFORMAT, "codes[%zu] is not an integer in [0, 1000000]", i);
        else codes[i] = (int32_t)json_integer_value(v);
    }
    json_t *sp = json_object_get(root, "split");
    if (s == ARCHLLM_OK && sp && !json_is_string(sp)) s = archllm_fail(ARCHLLM_EFORMAT, "\"split\" is not a string");
    if (s == ARCHLLM_OK) *n = (int)json_array_size(a);
    if (s == ARCHLLM_OK && is_test) *is_test = sp && strcmp(json_string_value(sp), "test") == 0;
    json_decref(root);
    return s;
}

archllm_status archllm_codes_load_jsonl(archllm_code_set *cs, const char *path)
{
    memset(cs, 0, sizeof *cs);
    FILE *f = fopen(path, "r");
    if (!f) return archllm_fail(ARCHLLM_EIO, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t lcap = 0, ccap = 0, scap = 0, lineno = 0, total = 0;
    ssize_t got;
    int32_t buf[ARCHLLM_PROMPT_MAX];
    archllm_status s = ARCHLLM_OK;
    while (s == ARCHLLM_OK && (got = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        size_t k = 0;
        while (k < (size_t)got && (line[k] == ' ' || line[k] == '\t' || line[k] == '\n' || line[k] == '\r')) k++;
        if (k == (size_t)got) continue;
        int n = 0, is_test = 0;
        s = archllm_codes_parse_line(line, (size_t)got, buf, ARCHLLM_PROMPT_MAX / 2 - 2, &n, &is_test);
        if (s != ARCHLLM_OK) {
            archllm_fail_prefix(s, "%s:%zu", path, lineno);
            break;
        }
        if (is_test) { /* the language model sees the VQ-VAE's training split only */
            cs->n_skipped++;
            continue;
        }
        if (cs->n == scap) {
            scap = scap ? 2 * scap : 1024;
            size_t *o = realloc(cs->off, scap * sizeof *o);
            int *l = o ? realloc(cs->len, scap * sizeof *l) : NULL;
            if (o) cs->off = o;
            if (l) cs->len = l;
            if (!o || !l) s = archllm_fail(ARCHLLM_ENOMEM, "%s", path);
        }
        if (s == ARCHLLM_OK && total + (size_t)n > ccap) {
            ccap = (ccap ? 2 * ccap : 16384) + (size_t)n;
            int32_t *c = realloc(cs->codes, ccap * sizeof *c);
            if (c) cs->codes = c;
            else s = archllm_fail(ARCHLLM_ENOMEM, "%s", path);
        }
        if (s != ARCHLLM_OK) break;
        memcpy(cs->codes + total, buf, (size_t)n * sizeof(int32_t));
        cs->off[cs->n] = total;
        cs->len[cs->n] = n;
        cs->n++;
        total += (size_t)n;
        if (n > cs->max_len) cs->max_len = n;
        for (int i = 0; i < n; i++)
            if (buf[i] > cs->max_code) cs->max_code = buf[i];
    }
    free(line);
    if (ferror(f) && s == ARCHLLM_OK) s = archllm_fail(ARCHLLM_EIO, "%s: read error", path);
    fclose(f);
    if (s == ARCHLLM_OK && cs->n == 0) s = archllm_fail(ARCHLLM_EFORMAT, "%s: no code sequences", path);
    if (s != ARCHLLM_OK) archllm_codes_free(cs);
    return s;
}

void archllm_codes_free(archllm_code_set *cs)
{
    free(cs->codes);
    free(cs->off);
    free(cs->len);
    memset(cs, 0, sizeof *cs);
}

archllm_status archllm_prompt_make(archllm_prompt *p, archllm_prompt_kind kind, const int32_t *codes, int L,
                                   float mask_rate, archllm_rng *rng)
{
    if (L < 1 || L > ARCHLLM_PROMPT_MAX / 2 - 2) return archllm_fail(ARCHLLM_EINVAL, "prompt: %d codes", L);
    p->S = p->T = 0;
    if (kind == ARCHLLM_PROMPT_GENERATE) {
        p->enc[p->S++] = ARCHLLM_TOK_GENERATE;
        p->enc[p->S++] = ARCHLLM_TOK_EOS;
        for (int i = 0; i < L; i++) p->tgt[p->T++] = ARCHLLM_TOK_CODE0 + codes[i];
        p->tgt[p->T++] = ARCHLLM_TOK_EOS;
        return ARCHLLM_OK;
    }
    uint8_t masked[ARCHLLM_PROMPT_MAX];
    int any = 0;
    for (int i = 0; i < L; i++) any |= masked[i] = archllm_rng_uniform(rng) < mask_rate;
    if (!any) masked[archllm_rng_below(rng, (uint32_t)L)] = 1;
    return archllm_prompt_fill(p, masked, codes, L);
}

archllm_status archllm_prompt_fill(archllm_prompt *p, uint8_t *masked, const int32_t *codes, int L)
{
    if (L < 1 || L > ARCHLLM_PROMPT_MAX / 2 - 2) return archllm_fail(ARCHLLM_EINVAL, "fill prompt: %d codes", L);
    p->S = p->T = 0;
    p->enc[p->S++] = ARCHLLM_TOK_FILL;
    int span = -1, past = -1; /* past: where the runs without a sentinel begin */
    for (int i = 0; i < L; i++) {
        if (masked[i] && (i == 0 || !masked[i - 1])) {
            if (span + 1 >= ARCHLLM_VOCAB_SENTINELS) { /* out of sentinels: the rest stays visible */
                memset(masked + i, 0, (size_t)(L - i));
                past = i;
            } else {
                span++;
                p->enc[p->S++] = ARCHLLM_TOK_SENTINEL0 + span;
                p->tgt[p->T++] = ARCHLLM_TOK_SENTINEL0 + span;
            }
        }
        if (masked[i]) p->tgt[p->T++] = codes[i] >= 0 ? ARCHLLM_TOK_CODE0 + codes[i] : ARCHLLM_TOK_UNK;
        else if (codes[i] >= 0) p->enc[p->S++] = ARCHLLM_TOK_CODE0 + codes[i];
        else if (past >= 0)
            return archllm_fail(ARCHLLM_EINVAL, "fill prompt: more than %d masked runs; from position %d on they stay "
                                "visible (as in training), but position %d has no code to show", ARCHLLM_VOCAB_SENTINELS,
                                past, i);
        else return archllm_fail(ARCHLLM_EINVAL, "fill prompt: position %d is not masked and has no code", i);
    }
    if (span < 0) return archllm_fail(ARCHLLM_EINVAL, "fill prompt: nothing masked");
    p->enc[p->S++] = ARCHLLM_TOK_EOS;
    p->tgt[p->T++] = ARCHLLM_TOK_EOS;
    return ARCHLLM_OK;
}

void archllm_prompt_batch(const archllm_prompt *const *ps, int B, int32_t *enc, int32_t *mask, int S,
                          int32_t *labels, int T)
{
    for (int b = 0; b < B; b++) {
        for (int i = 0; i < S; i++) {
            int in = i < ps[b]->S;
            enc[b * S + i] = in ? ps[b]->enc[i] : ARCHLLM_TOK_PAD;
            mask[b * S + i] = in;
        }
        for (int i = 0; i < T; i++) labels[b * T + i] = i < ps[b]->T ? ps[b]->tgt[i] : -100;
    }
}
