/* params.c - the parameter table, its flat buffers, AdamW over them, checkpoints. */
#include <config.h>

#include "train/params.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void archllm_params_init(archllm_params *p) { memset(p, 0, sizeof *p); }

void archllm_params_free(archllm_params *p)
{
    archllm_buf_free(&p->param);
    archllm_buf_free(&p->grad);
    archllm_buf_free(&p->m);
    archllm_buf_free(&p->v);
    archllm_buf_free(&p->norm);
    free(p->t);
    memset(p, 0, sizeof *p);
}

archllm_status archllm_params_add(archllm_params *p, const char *name, int ndim, const int64_t *shape, int decay,
                                  archllm_init_kind init, float scale, int *index)
{
    if (p->finalized) return archllm_fail(ARCHLLM_EINVAL, "parameter %s: table already finalized", name);
    if (ndim < 1 || ndim > 4) return archllm_fail(ARCHLLM_EINVAL, "parameter %s: %d dimensions (1..4)", name, ndim);
    if (strlen(name) >= ARCHLLM_PARAM_NAME) return archllm_fail(ARCHLLM_EINVAL, "parameter name too long: %s", name);
    if (archllm_params_find(p, name) >= 0) return archllm_fail(ARCHLLM_EINVAL, "parameter %s declared twice", name);
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 64;
        archllm_tensor_spec *t = realloc(p->t, (size_t)cap * sizeof *t);
        if (!t) return archllm_fail(ARCHLLM_ENOMEM, "parameter table");
        p->t = t;
        p->cap = cap;
    }
    archllm_tensor_spec *t = &p->t[p->n];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] <= 0) return archllm_fail(ARCHLLM_EINVAL, "parameter %s: dimension %d is %lld", name, d,
                                               (long long)shape[d]);
        t->shape[d] = shape[d];
        t->numel *= (size_t)shape[d];
    }
    t->decay = decay;
    t->init = init;
    t->scale = scale;
    if (index) *index = p->n;
    p->n++;
    return ARCHLLM_OK;
}

int archllm_params_find(const archllm_params *p, const char *name)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->t[i].name, name) == 0) return i;
    return -1;
}

/* Offsets are padded to 16 floats (64 bytes) so every tensor starts cache-line aligned. */
static size_t pad16(size_t n) { return (n + 15) / 16 * 16; }

archllm_status archllm_params_finalize(archllm_ctx_t *ctx, archllm_params *p)
{
    if (p->finalized) return ARCHLLM_OK;
    size_t at = 0;
    for (int pass = 1; pass >= 0; pass--) { /* decayed tensors first */
        for (int i = 0; i < p->n; i++) {
            if ((p->t[i].decay != 0) != pass) continue;
            p->t[i].offset = at;
            at += pad16(p->t[i].numel);
        }
        if (pass == 1) p->decay_total = at;
    }
    p->total = at ? at : 16;
    size_t bytes = p->total * sizeof(float);
    ARCHLLM_TRY(archllm_buf_alloc(ctx, &p->param, bytes));
    ARCHLLM_TRY(archllm_buf_alloc(ctx, &p->grad, bytes));
    ARCHLLM_TRY(archllm_buf_alloc(ctx, &p->m, bytes));
    ARCHLLM_TRY(archllm_buf_alloc(ctx, &p->v, bytes));
    ARCHLLM_TRY(archllm_buf_alloc(ctx, &p->norm, sizeof(float)));
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, p->param, 0, p->total, 0.0f));
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, p->grad, 0, p->total, 0.0f));
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, p->m, 0, p->total, 0.0f));
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, p->v, 0, p->total, 0.0f));
    p->finalized = 1;
    p->version++;
    return ARCHLLM_OK;
}

archllm_status archllm_params_randomize(archllm_ctx_t *ctx, archllm_params *p, archllm_rng *rng)
{
    float *host = calloc(p->total, sizeof(float));
    if (!host) return archllm_fail(ARCHLLM_ENOMEM, "parameter initialisation (%zu floats)", p->total);
    for (int i = 0; i < p->n; i++) {
        const archllm_tensor_spec *t = &p->t[i];
        float *x = host + t->offset;
        for (size_t j = 0; j < t->numel; j++) {
            switch (t->init) {
            case ARCHLLM_INIT_ZERO: x[j] = 0.0f; break;
            case ARCHLLM_INIT_ONE: x[j] = 1.0f; break;
            case ARCHLLM_INIT_NORMAL: x[j] = t->scale * archllm_rng_normal(rng); break;
            case ARCHLLM_INIT_UNIFORM: x[j] = t->scale * (2.0f * archllm_rng_uniform(rng) - 1.0f); break;
            }
        }
    }
    p->version++;
    archllm_status s = archllm_buf_write(ctx, p->param, 0, host, p->total * sizeof(float));
    free(host);
    return s;
}

archllm_view archllm_params_value(const archllm_params *p, int i) { return (archllm_view){p->param, p->t[i].offset}; }
archllm_view archllm_params_gradient(const archllm_params *p, int i) { return (archllm_view){p->grad, p->t[i].offset}; }

archllm_status archllm_params_zero_grad(archllm_ctx_t *ctx, archllm_params *p)
{
    return archllm_buf_fill_f32(ctx, p->grad, 0, p->total, 0.0f);
}

archllm_status archllm_params_adamw(archllm_ctx_t *ctx, archllm_params *p, const archllm_adamw_params *hp,
                                    float *grad_norm)
{
    archllm_view norm = {p->norm, 0};
    /* padding floats are zero in grad and never updated into anything but zero; the
     * norm is only needed for clipping or for the caller (tiny models: half the step) */
    if (hp->max_norm > 0 || grad_norm)
        ARCHLLM_TRY(archllm_op_sumsq(ctx, norm, (archllm_view){p->grad, 0}, p->total));
    archllm_adamw_params step = *hp;
    step.step = p->step + 1;
    p->version++;
    if (p->decay_total)
        ARCHLLM_TRY(archllm_op_adamw(ctx, (archllm_view){p->param, 0}, (archllm_view){p->m, 0}, (archllm_view){p->v, 0},
                                     (archllm_view){p->grad, 0}, norm, p->decay_total, &step));
    step.weight_decay = 0.0f;
    if (p->total > p->decay_total)
        ARCHLLM_TRY(archllm_op_adamw(ctx, (archllm_view){p->param, p->decay_total},
                                     (archllm_view){p->m, p->decay_total}, (archllm_view){p->v, p->decay_total},
                                     (archllm_view){p->grad, p->decay_total}, norm, p->total - p->decay_total, &step));
    p->step++;
    if (grad_norm) {
        float sq;
        ARCHLLM_TRY(archllm_buf_read(ctx, &sq, p->norm, 0, sizeof sq));
        *grad_norm = sqrtf(sq);
    }
    return ARCHLLM_OK;
}

archllm_status archllm_params_read(archllm_ctx_t *ctx, const archllm_params *p, float *out)
{
    return archllm_buf_read(ctx, out, p->param, 0, p->total * sizeof(float));
}

archllm_status archllm_params_read_grad(archllm_ctx_t *ctx, const archllm_params *p, float *out)
{
    return archllm_buf_read(ctx, out, p->grad, 0, p->total * sizeof(float));
}

archllm_status archllm_params_write(archllm_ctx_t *ctx, archllm_params *p, const float *in)
{
    p->version++;
    return archllm_buf_write(ctx, p->param, 0, in, p->total * sizeof(float));
}

/* ---- checkpoints ------------------------------------------------------------ */

archllm_status archllm_params_save(archllm_ctx_t *ctx, const archllm_params *p, const char *path, int weights_only,
                                   const char *const *meta_keys, const char *const *meta_values, int n_meta)
{
    int groups = weights_only ? 1 : 3;
    size_t nt = (size_t)p->n * groups;
    float *host = malloc(p->total * groups * sizeof(float));
    archllm_st_tensor *ts = calloc(nt ? nt : 1, sizeof *ts);
    char (*names)[ARCHLLM_PARAM_NAME + 16] = calloc(nt ? nt : 1, sizeof *names);
    const char **keys = calloc((size_t)n_meta + 1, sizeof *keys), **vals = calloc((size_t)n_meta + 1, sizeof *vals);
    archllm_status s = (host && ts && names && keys && vals) ? ARCHLLM_OK
                                                             : archllm_fail(ARCHLLM_ENOMEM, "%s: checkpoint buffers", path);
    cl_mem bufs[3] = {p->param, p->m, p->v};
    static const char *prefix[3] = {"", "optim.m.", "optim.v."};
    for (int g = 0; s == ARCHLLM_OK && g < groups; g++)
        s = archllm_buf_read(ctx, host + g * p->total, bufs[g], 0, p->total * sizeof(float));
    if (s == ARCHLLM_OK) {
        for (int g = 0; g < groups; g++)
            for (int i = 0; i < p->n; i++) {
                archllm_st_tensor *t = &ts[g * p->n + i];
                snprintf(names[g * p->n + i], sizeof names[0], "%s%s", prefix[g], p->t[i].name);
                t->name = names[g * p->n + i];
                t->dtype = ARCHLLM_DT_F32;
                t->ndim = p->t[i].ndim;
                memcpy(t->shape, p->t[i].shape, sizeof p->t[i].shape);
                t->data = host + g * p->total + p->t[i].offset;
            }
        char step[32];
        snprintf(step, sizeof step, "%d", p->step);
        keys[0] = "archllm.step";
        vals[0] = step;
        for (int i = 0; i < n_meta; i++) {
            keys[i + 1] = meta_keys[i];
            vals[i + 1] = meta_values[i];
        }
        s = archllm_st_write(path, ts, (int)nt, keys, vals, n_meta + 1);
    }
    free(host);
    free(ts);
    free(names);
    free(keys);
    free(vals);
    return s;
}

archllm_status archllm_params_load(archllm_ctx_t *ctx, archllm_params *p, const char *path, archllm_safetensors *out)
{
    archllm_safetensors st;
    ARCHLLM_TRY(archllm_st_open(&st, path));
    float *host = calloc(p->total * 3, sizeof(float));
    archllm_status s = host ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "%s: checkpoint buffers", path);
    int have_m = 0, have_v = 0;
    for (int i = 0; s == ARCHLLM_OK && i < p->n; i++) {
        const archllm_tensor_spec *t = &p->t[i];
        char name[ARCHLLM_PARAM_NAME + 16];
        s = archllm_st_get_f32(&st, t->name, t->ndim, t->shape, host + t->offset);
        snprintf(name, sizeof name, "optim.m.%s", t->name);
        if (s == ARCHLLM_OK && archllm_st_find(&st, name)) {
            s = archllm_st_get_f32(&st, name, t->ndim, t->shape, host + p->total + t->offset);
            have_m++;
        }
        snprintf(name, sizeof name, "optim.v.%s", t->name);
        if (s == ARCHLLM_OK && archllm_st_find(&st, name)) {
            s = archllm_st_get_f32(&st, name, t->ndim, t->shape, host + 2 * p->total + t->offset);
            have_v++;
        }
    }
    /* a tensor the model does not have means the checkpoint is of another model */
    for (int i = 0; s == ARCHLLM_OK && i < st.n; i++) {
        const char *name = st.entries[i].name;
        const char *base = strncmp(name, "optim.m.", 8) == 0 || strncmp(name, "optim.v.", 8) == 0 ? name + 8 : name;
        if (archllm_params_find(p, base) < 0)
            s = archllm_fail(ARCHLLM_EFORMAT, "%s: tensor '%s' is not a parameter of this model (another model's "
                             "checkpoint, or a different config?)", path, name);
    }
    if (s == ARCHLLM_OK && (have_m || have_v) && (have_m != p->n || have_v != p->n))
        s = archllm_fail(ARCHLLM_EFORMAT, "%s: optimizer state for only some tensors", path);
    p->version++; /* even a failed write may have changed some */
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, p->param, 0, host, p->total * sizeof(float));
    if (s == ARCHLLM_OK && have_m) {
        s = archllm_buf_write(ctx, p->m, 0, host + p->total, p->total * sizeof(float));
        if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, p->v, 0, host + 2 * p->total, p->total * sizeof(float));
    }
    if (s == ARCHLLM_OK) {
        const char *step = archllm_st_meta(&st, "archllm.step");
        p->step = step && have_m ? atoi(step) : 0;
    }
    free(host);
    if (s == ARCHLLM_OK && out) {
        *out = st;
    } else {
        archllm_st_close(&st);
    }
    return s;
}
