/* t5_hf.c - Hugging Face T5 folders: config.json (jansson) and model.safetensors, with the
 * naming variants and tied copies of T5.md 2 (embedding from shared / encoder.embed_tokens /
 * decoder.embed_tokens; unknown and legacy keys ignored), and the head and scaling rules of
 * transformers 4.x and 5.x (load_hf, save_hf). */
#include "model/t5.h"

#include "util/fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

archllm_status archllm_t5_load_weights(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_safetensors *st)
{
    float *host = calloc(m->P.total, sizeof(float));
    if (!host) return archllm_fail(ARCHLLM_ENOMEM, "t5: weights");
    archllm_status s = ARCHLLM_OK;
    for (int i = 0; i < m->P.n && s == ARCHLLM_OK; i++) {
        const archllm_tensor_spec *t = &m->P.t[i];
        const archllm_st_entry *e = archllm_st_find(st, t->name);
        if (!e && i == m->shared) {
            /* tied copies are dropped on save: take whichever embedding name is there */
            e = archllm_st_find(st, "encoder.embed_tokens.weight");
            if (!e) e = archllm_st_find(st, "decoder.embed_tokens.weight");
        }
        if (!e) {
            s = archllm_fail(ARCHLLM_EFORMAT, "%s: tensor %s is missing%s", st->path, t->name,
                             i == m->lm_head ? " (config says tie_word_embeddings false)" : "");
            break;
        }
        int ok = e->ndim == t->ndim;
        for (int k = 0; ok && k < t->ndim; k++) ok = e->shape[k] == t->shape[k];
        if (!ok) {
            char want[64], got[64];
            int n = 0;
            for (int k = 0; k < t->ndim; k++) n += snprintf(want + n, sizeof want - n, "%s%lld", k ? "," : "", (long long)t->shape[k]);
            n = 0;
            got[0] = 0;
            for (int k = 0; k < e->ndim && n < 50; k++) n += snprintf(got + n, sizeof got - n, "%s%lld", k ? "," : "", (long long)e->shape[k]);
            s = archllm_fail(ARCHLLM_EFORMAT, "%s: tensor %s has shape [%s], the config needs [%s]", st->path,
                             e->name, got, want);
            break;
        }
        if (e->dtype != ARCHLLM_DT_F32 && e->dtype != ARCHLLM_DT_F16 && e->dtype != ARCHLLM_DT_BF16 &&
            e->dtype != ARCHLLM_DT_F64) {
            s = archllm_fail(ARCHLLM_EFORMAT, "%s: tensor %s is %s; weights must be F32, F16, BF16 or F64", st->path,
                             e->name, archllm_dtype_name(e->dtype));
            break;
        }
        s = archllm_st_read_f32(st, e, host + t->offset, t->numel);
    }
    for (size_t i = 0; s == ARCHLLM_OK && i < m->P.total; i++)
        if (!isfinite(host[i])) s = archllm_fail(ARCHLLM_EFORMAT, "%s: non-finite weight", st->path);
    if (s == ARCHLLM_OK) s = archllm_params_write(ctx, &m->P, host);
    free(host);
    return s;
}

/* The embedding under any of its names (tied copies are dropped on save), or NULL. */
static const archllm_st_entry *find_embedding(const archllm_safetensors *st)
{
    const archllm_st_entry *e = archllm_st_find(st, "shared.weight");
    if (!e) e = archllm_st_find(st, "encoder.embed_tokens.weight");
    if (!e) e = archllm_st_find(st, "decoder.embed_tokens.weight");
    return e;
}

/* transformers 5 ties lm_head to shared unless both are stored with different values
 * (modeling_utils.py tie_weights, torch.equal): then it uses the stored head.  *differs is
 * 1 in that case. */
static archllm_status stored_head_differs(const archllm_safetensors *st, int *differs)
{
    *differs = 0;
    const archllm_st_entry *h = archllm_st_find(st, "lm_head.weight"), *e = find_embedding(st);
    if (!h || !e) return ARCHLLM_OK;
    if (h->numel != e->numel) { /* the shape check of load_weights names it */
        *differs = 1;
        return ARCHLLM_OK;
    }
    float *a = malloc((h->numel ? h->numel : 1) * sizeof(float)), *b = malloc((e->numel ? e->numel : 1) * sizeof(float));
    archllm_status s = a && b ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "%s: lm_head", st->path);
    if (s == ARCHLLM_OK) s = archllm_st_read_f32(st, h, a, h->numel);
    if (s == ARCHLLM_OK) s = archllm_st_read_f32(st, e, b, e->numel);
    for (size_t i = 0; s == ARCHLLM_OK && i < h->numel && !*differs; i++) *differs = a[i] != b[i];
    free(a);
    free(b);
    return s;
}

archllm_status archllm_t5_load_hf(archllm_ctx_t *ctx, archllm_t5 *m, const char *folder)
{
    char path[4096];
    archllm_t5_config cfg;
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/config.json", folder);
    ARCHLLM_TRY(archllm_t5_config_load_json(&cfg, path));
    archllm_safetensors st;
    snprintf(path, sizeof path, "%s/model.safetensors", folder);
    ARCHLLM_TRY(archllm_st_open(&st, path));
    /* A config with scale_decoder_outputs comes from transformers 5, which always writes
     * tie_word_embeddings true: its stored head decides.  Without the key, 4.x's rule: the
     * config decides, and a tied model ignores a stored lm_head. */
    archllm_status s = ARCHLLM_OK;
    if (cfg.tied && cfg.scale_key) {
        int differs = 0;
        s = stored_head_differs(&st, &differs);
        if (differs) cfg.tied = 0;
    }
    if (s == ARCHLLM_OK) s = archllm_t5_init(ctx, m, &cfg);
    if (s == ARCHLLM_OK) {
        s = archllm_t5_load_weights(ctx, m, &st);
        if (s != ARCHLLM_OK) archllm_t5_free(m);
    }
    archllm_st_close(&st);
    return s;
}

/* Writes the folder in a form transformers 4.x and 5.x read to the same logits: 4.x ties and
 * scales by tie_word_embeddings alone, so a model whose tying and scaling disagree (loaded
 * from a transformers 5 folder) is written untied and unscaled, with its head (shared when
 * tied) times the scale stored as lm_head.weight. */
archllm_status archllm_t5_save_hf(archllm_ctx_t *ctx, const archllm_t5 *m, const char *folder)
{
    char path[4096];
    ARCHLLM_TRY(archllm_mkdirs(folder));
    archllm_t5_config out = m->cfg;
    int fold = out.tied != out.scale_out;
    if (fold) out.tied = out.scale_out = 0;
    char *js = archllm_t5_config_to_json(&out);
    if (!js) return archllm_fail(ARCHLLM_ENOMEM, "t5: config.json");
    archllm_atomic_file af;
    snprintf(path, sizeof path, "%s/config.json", folder);
    archllm_status s = archllm_atomic_open(&af, path);
    if (s == ARCHLLM_OK) {
        fputs(js, af.f);
        fputc('\n', af.f);
        s = archllm_atomic_commit(&af);
    }
    free(js);
    ARCHLLM_TRY(s);
    snprintf(path, sizeof path, "%s/model.safetensors", folder);
    const char *k[1] = {"format"}, *v[1] = {"pt"};
    if (!fold) return archllm_params_save(ctx, &m->P, path, 1, k, v, 1);

    const archllm_params *P = &m->P;
    int head = m->cfg.tied ? m->shared : m->lm_head;
    size_t hn = P->t[head].numel;
    float *host = malloc(P->total * sizeof(float)), *scaled = malloc(hn * sizeof(float));
    archllm_st_tensor *ts = calloc((size_t)P->n + 1, sizeof *ts);
    s = host && scaled && ts ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "%s: export buffers", path);
    if (s == ARCHLLM_OK) s = archllm_params_read(ctx, P, host);
    if (s == ARCHLLM_OK) {
        /* the same float the forward multiplies by */
        float alpha = m->cfg.scale_out ? (float)(1.0 / sqrt((double)m->cfg.d_model)) : 1.0f;
        for (size_t i = 0; i < hn; i++) scaled[i] = host[P->t[head].offset + i] * alpha;
        int n = 0;
        for (int i = 0; i < P->n; i++) {
            archllm_st_tensor *t = &ts[n++];
            t->name = P->t[i].name;
            t->dtype = ARCHLLM_DT_F32;
            t->ndim = P->t[i].ndim;
            memcpy(t->shape, P->t[i].shape, sizeof P->t[i].shape);
            t->data = i == m->lm_head && !m->cfg.tied ? scaled : host + P->t[i].offset;
        }
        if (m->cfg.tied) { /* the head as its own tensor, beside shared */
            archllm_st_tensor *t = &ts[n++];
            *t = ts[head];
            t->name = "lm_head.weight";
            t->data = scaled;
        }
        s = archllm_st_write(path, ts, n, k, v, 1);
    }
    free(host);
    free(scaled);
    free(ts);
    return s;
}
