/* t5_hf.c - Hugging Face T5 folders: config.json (jansson) and model.safetensors, with the
 * naming variants and tied copies of T5.md 2 (embedding from shared / encoder.embed_tokens /
 * decoder.embed_tokens; lm_head only when untied; unknown and legacy keys ignored). */
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

archllm_status archllm_t5_load_hf(archllm_ctx_t *ctx, archllm_t5 *m, const char *folder)
{
    char path[4096];
    archllm_t5_config cfg;
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/config.json", folder);
    ARCHLLM_TRY(archllm_t5_config_load_json(&cfg, path));
    ARCHLLM_TRY(archllm_t5_init(ctx, m, &cfg));
    archllm_safetensors st;
    snprintf(path, sizeof path, "%s/model.safetensors", folder);
    archllm_status s = archllm_st_open(&st, path);
    if (s == ARCHLLM_OK) {
        s = archllm_t5_load_weights(ctx, m, &st);
        archllm_st_close(&st);
    }
    if (s != ARCHLLM_OK) archllm_t5_free(m);
    return s;
}

archllm_status archllm_t5_save_hf(archllm_ctx_t *ctx, const archllm_t5 *m, const char *folder)
{
    char path[4096];
    ARCHLLM_TRY(archllm_mkdirs(folder));
    char *js = archllm_t5_config_to_json(&m->cfg);
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
    return archllm_params_save(ctx, &m->P, path, 1, k, v, 1);
}
