/* test_t5_parity.c - the C T5 against Hugging Face transformers: for the tiny random models
 * in tests/fixtures/t5/{v1_0,v1_1} (made by tests/fixtures/t5/make_fixtures.py), load the
 * folder, run forward on the recorded inputs and compare logits, loss and the gradient of
 * every parameter.  Also: shift_right, a save/load round trip of the folder, F16/BF16
 * conversions of the weights, transformers 5's tying and scaling rules on its own folders
 * (v1_1/tf5, v1_1/tf5_tied) and exports that 4.x and 5.x read alike, and malformed folders
 * rejected with clear errors. */
#include "model/t5.h"
#include "ops/t5_ops.h"
#include "ref/t5_ref.h"
#include "testutil.h"
#include "util/fileio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *srcdir(void)
{
    const char *s = getenv("ARCHLLM_SRCDIR");
    return s ? s : ".";
}

/* max |a - b| / max(|b|_inf, floor) */
static double rel_inf(const float *a, const float *b, size_t n, double floor_)
{
    double md = 0, mb = floor_;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= md)) md = d; /* NaN propagates */
        if (fabs(b[i]) > mb) mb = fabs(b[i]);
    }
    return md / mb;
}

static float *get(const archllm_safetensors *st, const char *name, size_t *n)
{
    const archllm_st_entry *e = archllm_st_find(st, name);
    if (!e) return NULL;
    float *p = malloc((e->numel ? e->numel : 1) * sizeof(float));
    if (archllm_st_read_f32(st, e, p, e->numel) != ARCHLLM_OK) {
        free(p);
        return NULL;
    }
    if (n) *n = e->numel;
    return p;
}

static int32_t *geti(const archllm_safetensors *st, const char *name, int64_t *shape)
{
    const archllm_st_entry *e = archllm_st_find(st, name);
    if (!e || e->ndim != 2) return NULL;
    int32_t *p = malloc(e->numel * sizeof(int32_t));
    if (archllm_st_read_i32(st, e, p, e->numel) != ARCHLLM_OK) {
        free(p);
        return NULL;
    }
    shape[0] = e->shape[0];
    shape[1] = e->shape[1];
    return p;
}

/* Forward + loss + backward of m on the fixture; compares everything. */
static void check_model(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_safetensors *ex, const char *what,
                        int grads)
{
    int64_t si[2], sl[2], sd[2];
    int32_t *ids = geti(ex, "input_ids", si), *mask = geti(ex, "attention_mask", si);
    int32_t *labels = geti(ex, "labels", sl), *dec_ref = geti(ex, "decoder_input_ids", sd);
    size_t nl = 0;
    float *logits_ref = get(ex, "logits", &nl), *loss_ref = get(ex, "loss", NULL);
    if (!ids || !mask || !labels || !dec_ref || !logits_ref || !loss_ref) {
        CHECK(0, "%s: fixture incomplete (rerun tests/fixtures/t5/make_fixtures.py)", what);
        return;
    }
    int B = (int)si[0], S = (int)si[1], T = (int)sl[1];
    int32_t *dec = malloc(sizeof(int32_t) * B * T);
    archllm_t5_shift_right(&m->cfg, labels, B, T, dec);
    CHECK(memcmp(dec, dec_ref, sizeof(int32_t) * B * T) == 0, "%s: shift_right matches _shift_right", what);
    const char *want = getenv("ARCHLLM_T5_FUSED");
    int fits = archllm_op_attn_fused_fits(ctx, S, S, m->cfg.d_kv) && archllm_op_attn_fused_fits(ctx, T, T, m->cfg.d_kv) &&
               archllm_op_attn_fused_fits(ctx, T, S, m->cfg.d_kv);
    CHECK(m->attn_fused == !(want && strcmp(want, "0") == 0) && (!m->attn_fused || fits),
          "%s: attention %s (S %d, T %d, d_kv %d)", what, m->attn_fused ? "fused" : "through GEMMs", S, T, m->cfg.d_kv);

    archllm_status s = archllm_t5_forward(ctx, m, ids, mask, B, S, dec, T);
    CHECK(s == ARCHLLM_OK, "%s: forward (%s)", what, s ? archllm_last_error() : "");
    float *logits = calloc(nl, sizeof(float));
    archllm_view lv = archllm_t5_logits(m);
    if (s == ARCHLLM_OK) s = archllm_buf_read(ctx, logits, lv.buf, lv.off * 4, nl * 4);
    /* fp32 on both sides, different summation orders (CLBlast tiles vs PyTorch's CPU GEMM):
     * 2.4e-7 (v1.0) and 4.5e-7 (v1.1) of the largest logit measured on PoCL; 1e-5 leaves
     * room for other devices' exp/rsqrt */
    double e = rel_inf(logits, logits_ref, nl, 1.0);
    CHECK(s == ARCHLLM_OK && e < 1e-5, "%s: logits match HF (max err %.2e of max |logit|, tol 1e-5)", what, e);
    float loss = 0;
    archllm_params_zero_grad(ctx, &m->P);
    s = archllm_t5_loss(ctx, m, labels, &loss);
    if (grads && s == ARCHLLM_OK) s = archllm_t5_backward(ctx, m);
    double le = fabs(loss - loss_ref[0]) / fabs(loss_ref[0]);
    CHECK(s == ARCHLLM_OK && le < 1e-6, "%s: loss %.7f vs HF %.7f (rel err %.1e, tol 1e-6: a float mean of log-sums)",
          what, loss, loss_ref[0], le);
    if (grads && s == ARCHLLM_OK) {
        float *g = malloc(m->P.total * sizeof(float));
        archllm_params_read_grad(ctx, &m->P, g);
        double worst = 0;
        const char *wn = "";
        int missing = 0;
        for (int i = 0; i < m->P.n; i++) {
            char name[ARCHLLM_PARAM_NAME + 8];
            snprintf(name, sizeof name, "grad.%s", m->P.t[i].name);
            size_t n = 0;
            float *r = get(ex, name, &n);
            if (!r || n != m->P.t[i].numel) {
                missing++;
                free(r);
                continue;
            }
            /* relative to the tensor's largest gradient: float rounding through ~10 layers of
             * GEMMs in two summation orders; measured worst 1.5e-6 (a layer norm weight, a
             * sum over all tokens); 2e-5 is the bound */
            double ge = rel_inf(g + m->P.t[i].offset, r, n, 1e-6);
            if (ge > worst) {
                worst = ge;
                wn = m->P.t[i].name;
            }
            free(r);
        }
        CHECK(missing == 0, "%s: HF gradient for every parameter (%d missing)", what, missing);
        CHECK(worst < 2e-5, "%s: all %d gradients match HF (worst %.2e in %s, tol 2e-5 of the tensor's max)", what,
              m->P.n, worst, wn);
        free(g);
    }
    free(ids), free(mask), free(labels), free(dec_ref), free(dec), free(logits_ref), free(loss_ref), free(logits);
}

static void variant(archllm_ctx_t *ctx, const char *v)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/t5/%s", srcdir(), v);
    archllm_t5 m;
    archllm_status s = archllm_t5_load_hf(ctx, &m, dir);
    CHECK(s == ARCHLLM_OK, "%s: load %s (%s)", v, dir, s ? archllm_last_error() : "");
    if (s != ARCHLLM_OK) return;
    archllm_safetensors ex;
    snprintf(path, sizeof path, "%s/expect.safetensors", dir);
    s = archllm_st_open(&ex, path);
    CHECK(s == ARCHLLM_OK, "%s: open expect.safetensors", v);
    if (s != ARCHLLM_OK) return;
    check_model(ctx, &m, &ex, v, 1);

    /* round trip: save the folder, load it back, same logits */
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s/t5_parity_%s_%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", v, (int)getpid());
    s = archllm_t5_save_hf(ctx, &m, tmp);
    CHECK(s == ARCHLLM_OK, "%s: save_hf (%s)", v, s ? archllm_last_error() : "");
    archllm_t5 m2;
    s = archllm_t5_load_hf(ctx, &m2, tmp);
    CHECK(s == ARCHLLM_OK && m2.cfg.tied == m.cfg.tied && m2.cfg.gated == m.cfg.gated &&
              m2.cfg.n_dec_layers == m.cfg.n_dec_layers,
          "%s: reload of the saved folder (%s)", v, s ? archllm_last_error() : "");
    if (s == ARCHLLM_OK) {
        check_model(ctx, &m2, &ex, "reloaded", 0);
        archllm_t5_free(&m2);
    }
    snprintf(path, sizeof path, "%s/config.json", tmp);
    remove(path);
    snprintf(path, sizeof path, "%s/model.safetensors", tmp);
    remove(path);
    rmdir(tmp);

    /* the same weights stored in F16 (v1_0) or BF16 (v1_1): converted on load, logits equal to
     * HF's for the rounded weights */
    const char *half = strcmp(v, "v1_0") == 0 ? "f16" : "bf16";
    snprintf(path, sizeof path, "%s/%s", dir, half);
    archllm_t5 mh;
    s = archllm_t5_load_hf(ctx, &mh, path);
    CHECK(s == ARCHLLM_OK, "%s: load the %s folder (%s)", v, half, s ? archllm_last_error() : "");
    size_t nl = 0;
    float *ref = get(&ex, "logits_half", &nl);
    int64_t si[2], sl[2];
    int32_t *ids = geti(&ex, "input_ids", si), *mask = geti(&ex, "attention_mask", si), *dec = geti(&ex, "decoder_input_ids", sl);
    if (s == ARCHLLM_OK && ref && ids && mask && dec) {
        s = archllm_t5_forward(ctx, &mh, ids, mask, (int)si[0], (int)si[1], dec, (int)sl[1]);
        float *lg = calloc(nl, sizeof(float));
        archllm_view lv = archllm_t5_logits(&mh);
        if (s == ARCHLLM_OK) s = archllm_buf_read(ctx, lg, lv.buf, lv.off * 4, nl * 4);
        double e = rel_inf(lg, ref, nl, 1.0);
        CHECK(s == ARCHLLM_OK && e < 1e-5, "%s: %s weights: logits match HF's on the rounded weights (max err %.2e, tol 1e-5)",
              v, half, e);
        free(lg);
    } else {
        CHECK(0, "%s: fixture lacks logits_half (rerun tests/fixtures/t5/make_fixtures.py)", v);
    }
    if (s == ARCHLLM_OK || mh.P.finalized) archllm_t5_free(&mh);
    free(ref), free(ids), free(mask), free(dec);
    archllm_st_close(&ex);
    archllm_t5_free(&m);
}

/* Dropout in training: the analytic gradient (same masks: same seed) against central
 * differences of the loss, at the largest-gradient element of every tensor. */
static void dropout_grads(archllm_ctx_t *ctx)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/t5/v1_1", srcdir());
    archllm_t5 m;
    if (archllm_t5_load_hf(ctx, &m, dir) != ARCHLLM_OK) {
        CHECK(0, "dropout: load");
        return;
    }
    archllm_safetensors ex;
    snprintf(path, sizeof path, "%s/expect.safetensors", dir);
    archllm_st_open(&ex, path);
    int64_t si[2], sl[2];
    int32_t *ids = geti(&ex, "input_ids", si), *mask = geti(&ex, "attention_mask", si), *labels = geti(&ex, "labels", sl);
    int B = (int)si[0], S = (int)si[1], T = (int)sl[1];
    int32_t *dec = malloc(sizeof(int32_t) * B * T);
    archllm_t5_shift_right(&m.cfg, labels, B, T, dec);
    m.cfg.dropout = 0.2f;
    m.training = 1;
    m.drop_seed = 12345u;
    float l0 = 0, l1 = 0, l2 = 0;
    archllm_params_zero_grad(ctx, &m.P);
    archllm_status s = archllm_t5_forward(ctx, &m, ids, mask, B, S, dec, T);
    if (s == ARCHLLM_OK) s = archllm_t5_loss(ctx, &m, labels, &l0);
    if (s == ARCHLLM_OK) s = archllm_t5_backward(ctx, &m);
    float *g = malloc(m.P.total * sizeof(float)), *w = malloc(m.P.total * sizeof(float));
    archllm_params_read_grad(ctx, &m.P, g);
    archllm_params_read(ctx, &m.P, w);
    m.training = 0;
    float le = 0;
    archllm_t5_forward(ctx, &m, ids, mask, B, S, dec, T);
    archllm_t5_loss(ctx, &m, labels, &le);
    CHECK(s == ARCHLLM_OK && fabsf(le - l0) > 1e-3f, "dropout changes the training loss (%.5f vs eval %.5f)", l0, le);
    m.training = 1;
    int bad = 0, checked = 0;
    double worst = 0;
    for (int i = 0; s == ARCHLLM_OK && i < m.P.n; i++) {
        size_t o = m.P.t[i].offset, best = o;
        for (size_t k = o; k < o + m.P.t[i].numel; k++)
            if (fabsf(g[k]) > fabsf(g[best])) best = k;
        if (fabsf(g[best]) < 1e-4f) continue;
        const float h = 1e-2f;
        float keep = w[best];
        w[best] = keep + h;
        archllm_params_write(ctx, &m.P, w);
        archllm_t5_forward(ctx, &m, ids, mask, B, S, dec, T);
        archllm_t5_loss(ctx, &m, labels, &l1);
        w[best] = keep - h;
        archllm_params_write(ctx, &m.P, w);
        archllm_t5_forward(ctx, &m, ids, mask, B, S, dec, T);
        archllm_t5_loss(ctx, &m, labels, &l2);
        w[best] = keep;
        double fd = ((double)l1 - l2) / (2.0 * h), an = g[best];
        /* float32 loss differences over h = 1e-2: rounding ~1e-5 absolute, curvature ~1e-4 h^2 */
        double err = fabs(fd - an) / (fabs(an) + 1e-3);
        if (err > worst) worst = err;
        bad += err > 1e-2;
        checked++;
    }
    archllm_params_write(ctx, &m.P, w);
    CHECK(checked > 40 && bad == 0, "dropout 0.2: %d tensors' largest gradients match central differences "
          "(worst rel err %.2e, tol 1e-2: float32 loss, h = 1e-2)", checked, worst);
    free(ids), free(mask), free(labels), free(dec), free(g), free(w);
    archllm_st_close(&ex);
    archllm_t5_free(&m);
}

/* The two attention paths agree in training (dropout 0.2, the same masks), also where only
 * some attentions fit the fused kernels: S or T beyond ARCHLLM_ATT_FUSED_MAX sends the
 * encoder's (or the decoder's) self-attention and the cross-attention through GEMMs while
 * the other self-attention stays fused.  Loss and every gradient, fused against GEMM. */
static void paths_agree(archllm_ctx_t *ctx)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/t5/v1_1", srcdir());
    archllm_t5 m;
    if (archllm_t5_load_hf(ctx, &m, dir) != ARCHLLM_OK) {
        CHECK(0, "paths: load");
        return;
    }
    static const int sizes[3][2] = {{11, 9}, {ARCHLLM_ATT_FUSED_MAX + 6, 9}, {9, ARCHLLM_ATT_FUSED_MAX + 6}};
    const int B = 2, V = m.cfg.vocab;
    float *g[2] = {malloc(m.P.total * sizeof(float)), malloc(m.P.total * sizeof(float))};
    for (int c = 0; c < 3; c++) {
        int S = sizes[c][0], T = sizes[c][1];
        int32_t *ids = malloc(sizeof(int32_t) * B * S), *mask = malloc(sizeof(int32_t) * B * S);
        int32_t *labels = malloc(sizeof(int32_t) * B * T), *dec = malloc(sizeof(int32_t) * B * T);
        for (int i = 0; i < B * S; i++) {
            ids[i] = (i * 7 + 3) % V;
            mask[i] = !(i >= S && i % S >= S - 4); /* the second row: 4 pads */
        }
        for (int i = 0; i < B * T; i++) labels[i] = (i >= T && i % T == T - 1) ? -100 : (i * 5 + 1) % V;
        archllm_t5_shift_right(&m.cfg, labels, B, T, dec);
        float loss[2] = {0, 0};
        archllm_status s = ARCHLLM_OK;
        for (int f = 0; f < 2 && s == ARCHLLM_OK; f++) {
            m.attn_fused = 1 - f;
            m.training = 1;
            m.cfg.dropout = 0.2f;
            m.drop_seed = 777u;
            s = archllm_params_zero_grad(ctx, &m.P);
            if (s == ARCHLLM_OK) s = archllm_t5_forward(ctx, &m, ids, mask, B, S, dec, T);
            if (s == ARCHLLM_OK) s = archllm_t5_loss(ctx, &m, labels, &loss[f]);
            if (s == ARCHLLM_OK) s = archllm_t5_backward(ctx, &m);
            if (s == ARCHLLM_OK) s = archllm_params_read_grad(ctx, &m.P, g[f]);
        }
        double worst = 0;
        const char *wn = "";
        for (int i = 0; s == ARCHLLM_OK && i < m.P.n; i++) {
            double e = rel_inf(g[0] + m.P.t[i].offset, g[1] + m.P.t[i].offset, m.P.t[i].numel, 1e-6);
            if (!(e <= worst)) {
                worst = e;
                wn = m.P.t[i].name;
            }
        }
        double le = fabs((double)loss[0] - loss[1]) / fabs((double)loss[1]);
        /* float rounding in two summation orders, as against HF (worst measured there 1.5e-6) */
        CHECK(s == ARCHLLM_OK && le < 1e-6 && worst < 2e-5,
              "paths: S %d, T %d (fused: encoder %s, decoder %s, cross %s), dropout 0.2: loss %.7f vs %.7f, "
              "gradients worst %.2e in %s (tol 1e-6, 2e-5 of the tensor's max)",
              S, T, archllm_op_attn_fused_fits(ctx, S, S, m.cfg.d_kv) ? "yes" : "no",
              archllm_op_attn_fused_fits(ctx, T, T, m.cfg.d_kv) ? "yes" : "no",
              archllm_op_attn_fused_fits(ctx, T, S, m.cfg.d_kv) ? "yes" : "no", loss[0], loss[1], worst, wn);
        free(ids), free(mask), free(labels), free(dec);
    }
    free(g[0]), free(g[1]);
    archllm_t5_free(&m);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Naming variants (T5.md 2): the embedding stored only as encoder.embed_tokens.weight, plus
 * a legacy EncDecAttention.relative_attention_bias and a pre-2020 layer_norm.bias, loads and
 * gives the same logits as the fixture. */
static void aliases(archllm_ctx_t *ctx)
{
    char dir[4096], path[4200], tmp[256];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/t5/v1_0", srcdir());
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    archllm_safetensors st;
    if (archllm_st_open(&st, path) != ARCHLLM_OK) {
        CHECK(0, "aliases: open %s", path);
        return;
    }
    int n = st.n;
    archllm_st_tensor *t = calloc((size_t)n + 2, sizeof *t);
    float **data = calloc((size_t)n, sizeof *data);
    static const float extra[4] = {1, 2, 3, 4};
    for (int i = 0; i < n; i++) {
        const archllm_st_entry *e = &st.entries[i];
        data[i] = malloc((e->numel ? e->numel : 1) * sizeof(float));
        archllm_st_read_f32(&st, e, data[i], e->numel);
        t[i].name = strcmp(e->name, "shared.weight") == 0 ? "encoder.embed_tokens.weight" : e->name;
        t[i].dtype = ARCHLLM_DT_F32;
        t[i].ndim = e->ndim;
        memcpy(t[i].shape, e->shape, sizeof e->shape);
        t[i].data = data[i];
    }
    t[n] = (archllm_st_tensor){"decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight", ARCHLLM_DT_F32,
                               2, {2, 2}, extra};
    t[n + 1] = (archllm_st_tensor){"encoder.block.0.layer.0.layer_norm.bias", ARCHLLM_DT_F32, 1, {4}, extra};
    snprintf(tmp, sizeof tmp, "%s/t5_alias_%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    archllm_mkdirs(tmp);
    snprintf(path, sizeof path, "%s/model.safetensors", tmp);
    archllm_status s = archllm_st_write(path, t, n + 2, NULL, NULL, 0);
    char src[4200], *cj = NULL;
    size_t len = 0;
    snprintf(src, sizeof src, "%s/config.json", dir);
    if (s == ARCHLLM_OK) s = archllm_read_file(src, &cj, &len);
    snprintf(path, sizeof path, "%s/config.json", tmp);
    if (s == ARCHLLM_OK) write_text(path, cj);
    free(cj);
    archllm_t5 m;
    if (s == ARCHLLM_OK) s = archllm_t5_load_hf(ctx, &m, tmp);
    CHECK(s == ARCHLLM_OK, "aliases: encoder.embed_tokens + legacy keys load (%s)", s ? archllm_last_error() : "");
    /* a weight stored as integers is rejected, not converted */
    if (s == ARCHLLM_OK) {
        archllm_t5_free(&m);
        int32_t *iw = calloc(st.entries[0].numel ? st.entries[0].numel : 1, sizeof(int32_t));
        const void *keep = t[0].data;
        t[0].dtype = ARCHLLM_DT_I32;
        t[0].data = iw;
        snprintf(src, sizeof src, "%s/model.safetensors", tmp);
        archllm_status si = archllm_st_write(src, t, n + 2, NULL, NULL, 0);
        if (si == ARCHLLM_OK) si = archllm_t5_load_hf(ctx, &m, tmp);
        CHECK(si == ARCHLLM_EFORMAT, "malformed: an I32 weight is rejected (%s)", si ? archllm_last_error() : "loaded");
        if (si == ARCHLLM_OK) archllm_t5_free(&m);
        t[0].dtype = ARCHLLM_DT_F32;
        t[0].data = keep;
        free(iw);
        si = archllm_st_write(src, t, n + 2, NULL, NULL, 0);
        s = si == ARCHLLM_OK ? archllm_t5_load_hf(ctx, &m, tmp) : si;
    }
    if (s == ARCHLLM_OK) {
        archllm_safetensors ex;
        snprintf(src, sizeof src, "%s/expect.safetensors", dir);
        if (archllm_st_open(&ex, src) == ARCHLLM_OK) {
            check_model(ctx, &m, &ex, "aliases", 0);
            archllm_st_close(&ex);
        }
        archllm_t5_free(&m);
    }
    remove(path);
    snprintf(path, sizeof path, "%s/model.safetensors", tmp);
    remove(path);
    rmdir(tmp);
    for (int i = 0; i < n; i++) free(data[i]);
    free(data);
    free(t);
    archllm_st_close(&st);
}

/* Malformed folders are rejected with a message naming the problem. */
static void malformed(archllm_ctx_t *ctx)
{
    char tmp[256], path[512], src[4200];
    snprintf(tmp, sizeof tmp, "%s/t5_bad_%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    archllm_mkdirs(tmp);
    snprintf(src, sizeof src, "%s/tests/fixtures/t5/v1_0/model.safetensors", srcdir());
    char *data;
    size_t len;
    if (archllm_read_file(src, &data, &len) != ARCHLLM_OK) {
        CHECK(0, "read %s", src);
        return;
    }
    snprintf(path, sizeof path, "%s/model.safetensors", tmp);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/config.json", tmp);
#define BASE "{\"model_type\": \"t5\", \"vocab_size\": 61, \"d_ff\": 40, \"relative_attention_num_buckets\": 8, " \
             "\"relative_attention_max_distance\": 20, "
#define SIZES "\"d_model\": 32, \"d_kv\": 8, \"num_layers\": 2, \"num_heads\": 4"
    struct { const char *cfg; archllm_status want; const char *what; } cases[] = {
        {BASE SIZES "}", ARCHLLM_OK, "the v1.0 fixture weights with a hand-written config"},
        {BASE SIZES ", \"feed_forward_proj\": \"gated-swish-x\"}", ARCHLLM_EUNSUPPORTED, "unknown feed_forward_proj"},
        {BASE SIZES ", \"d_model\": 33}", ARCHLLM_EFORMAT, "duplicate key"},
        {BASE "\"d_model\": 32, \"d_kv\": 8, \"num_layers\": 2, \"num_heads\": 2}", ARCHLLM_EFORMAT,
         "shape mismatch (wrong num_heads)"},
        {BASE SIZES ", \"tie_word_embeddings\": false}", ARCHLLM_EFORMAT, "untied config without lm_head.weight"},
        {BASE "\"d_model\": 32, \"d_kv\": 8, \"num_layers\": \"two\", \"num_heads\": 4}", ARCHLLM_EFORMAT,
         "string where an integer belongs"},
        {BASE "\"d_model\": 32, \"d_kv\": 0, \"num_layers\": 2, \"num_heads\": 4}", ARCHLLM_EINVAL,
         "d_kv out of range"},
        {"[1, 2]", ARCHLLM_EFORMAT, "not an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(path, cases[i].cfg);
        archllm_t5 m;
        archllm_status s = archllm_t5_load_hf(ctx, &m, tmp);
        CHECK(s == cases[i].want, "malformed: %s -> %s (%s)", cases[i].what, archllm_status_string(s),
              s ? archllm_last_error() : "loaded");
        if (s == ARCHLLM_OK) archllm_t5_free(&m);
    }
    write_text(path, "{\"model_type\": \"t5\", \"vocab_size\": 61,");
    archllm_t5 m;
    archllm_status s = archllm_t5_load_hf(ctx, &m, tmp);
    CHECK(s == ARCHLLM_EFORMAT, "malformed: truncated config.json (%s)", archllm_last_error());
    write_text(path, BASE SIZES "}");
    snprintf(path, sizeof path, "%s/model.safetensors", tmp);
    f = fopen(path, "wb");
    fwrite(data, 1, len / 2, f);
    fclose(f);
    s = archllm_t5_load_hf(ctx, &m, tmp);
    CHECK(s == ARCHLLM_EFORMAT, "malformed: truncated model.safetensors (%s)", archllm_last_error());
    free(data);
    remove(path);
    snprintf(path, sizeof path, "%s/config.json", tmp);
    remove(path);
    rmdir(tmp);
}

/* The logits of m for ex's encoder and decoder inputs (caller frees), NULL on failure. */
static float *run_logits(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_safetensors *ex, size_t *nl)
{
    int64_t si[2], sd[2];
    int32_t *ids = geti(ex, "input_ids", si), *mask = geti(ex, "attention_mask", si), *dec = geti(ex, "decoder_input_ids", sd);
    size_t n = (size_t)si[0] * sd[1] * m->cfg.vocab;
    float *lg = ids && mask && dec ? calloc(n, sizeof(float)) : NULL;
    archllm_status s = lg ? archllm_t5_forward(ctx, m, ids, mask, (int)si[0], (int)si[1], dec, (int)sd[1]) : ARCHLLM_EFORMAT;
    archllm_view lv = archllm_t5_logits(m);
    if (s == ARCHLLM_OK) s = archllm_buf_read(ctx, lg, lv.buf, lv.off * 4, n * 4);
    free(ids), free(mask), free(dec);
    if (s != ARCHLLM_OK) {
        free(lg);
        return NULL;
    }
    *nl = n;
    return lg;
}

/* A folder in tmp: src's model.safetensors and its config.json with FROM replaced by TO. */
static archllm_status edited_copy(const char *src, const char *tmp, const char *from, const char *to)
{
    char path[4200], *text = NULL, *data = NULL;
    size_t len = 0, dlen = 0;
    ARCHLLM_TRY(archllm_mkdirs(tmp));
    snprintf(path, sizeof path, "%s/config.json", src);
    ARCHLLM_TRY(archllm_read_file(path, &text, &len));
    char *at = strstr(text, from);
    archllm_status s = at ? ARCHLLM_OK : archllm_fail(ARCHLLM_EFORMAT, "%s lacks '%s'", path, from);
    snprintf(path, sizeof path, "%s/model.safetensors", src);
    if (s == ARCHLLM_OK) s = archllm_read_file(path, &data, &dlen);
    archllm_atomic_file af;
    snprintf(path, sizeof path, "%s/config.json", tmp);
    if (s == ARCHLLM_OK) s = archllm_atomic_open(&af, path);
    if (s == ARCHLLM_OK) {
        fprintf(af.f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
        s = archllm_atomic_commit(&af);
    }
    snprintf(path, sizeof path, "%s/model.safetensors", tmp);
    if (s == ARCHLLM_OK) s = archllm_atomic_open(&af, path);
    if (s == ARCHLLM_OK) {
        fwrite(data, 1, dlen, af.f);
        s = archllm_atomic_commit(&af);
    }
    free(text);
    free(data);
    return s;
}

static void remove_folder(const char *dir)
{
    static const char *files[] = {"config.json", "model.safetensors"};
    char path[4200];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    rmdir(dir);
}

/* Export m, check that the folder is in the form transformers 4.x and 5.x read alike
 * (untied and unscaled, or tied and scaled, by tie_word_embeddings alone), and that it
 * loads back to ref's logits; with head_copy, lm_head.weight must equal shared.weight. */
static void export_check(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_safetensors *ex, const float *ref,
                         size_t nl, const char *what, int head_copy)
{
    char tmp[256], path[300], *cj = NULL;
    size_t len = 0;
    snprintf(tmp, sizeof tmp, "%s/t5_export_%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    archllm_status s = archllm_t5_save_hf(ctx, m, tmp);
    snprintf(path, sizeof path, "%s/config.json", tmp);
    if (s == ARCHLLM_OK) s = archllm_read_file(path, &cj, &len);
    CHECK(s == ARCHLLM_OK && strstr(cj, "\"tie_word_embeddings\": false") && !strstr(cj, "scale_decoder_outputs"),
          "%s: export says untied and leaves scaling to that (transformers 4.x and 5.x agree)", what);
    free(cj);
    if (head_copy) {
        archllm_safetensors st;
        snprintf(path, sizeof path, "%s/model.safetensors", tmp);
        size_t nh = 0, ne = 0;
        float *h = NULL, *e = NULL;
        if (s == ARCHLLM_OK && archllm_st_open(&st, path) == ARCHLLM_OK) {
            h = get(&st, "lm_head.weight", &nh);
            e = get(&st, "shared.weight", &ne);
            archllm_st_close(&st);
        }
        CHECK(h && e && nh == ne && memcmp(h, e, nh * sizeof(float)) == 0,
              "%s: export stores the tied head as lm_head.weight, equal to shared.weight", what);
        free(h), free(e);
    }
    archllm_t5 m2;
    if (s == ARCHLLM_OK) s = archllm_t5_load_hf(ctx, &m2, tmp);
    size_t n2 = 0;
    float *lg = s == ARCHLLM_OK ? run_logits(ctx, &m2, ex, &n2) : NULL;
    /* the scale folded into the head rounds once more: 1e-6 is float rounding */
    double e = lg && n2 == nl ? rel_inf(lg, ref, nl, 1.0) : 1.0;
    CHECK(lg && e < 1e-6 && !m2.cfg.tied && !m2.cfg.scale_out, "%s: export reloads untied, unscaled, same logits "
          "(max err %.2e, tol 1e-6)", what, e);
    free(lg);
    if (s == ARCHLLM_OK) archllm_t5_free(&m2);
    remove_folder(tmp);
}

/* transformers 5 folders (tests/fixtures/t5/make_tf5_fixtures.py): tie_word_embeddings is
 * always true and scale_decoder_outputs carries v1.1's unscaled output; a stored lm_head that
 * differs from shared is used as the head.  Configs without scale_decoder_outputs keep the
 * 4.x rule: tie_word_embeddings decides both. */
static void tf5_forms(archllm_ctx_t *ctx)
{
    char dir[4096], path[4200], tmp[256];
    archllm_safetensors ex;
    archllm_t5 m;
    size_t nl = 0;

    /* v1_1 saved again by transformers 5: v1_1's logits, loss and gradients */
    snprintf(path, sizeof path, "%s/tests/fixtures/t5/v1_1/expect.safetensors", srcdir());
    if (archllm_st_open(&ex, path) != ARCHLLM_OK) {
        CHECK(0, "tf5: open %s", path);
        return;
    }
    snprintf(dir, sizeof dir, "%s/tests/fixtures/t5/v1_1/tf5", srcdir());
    archllm_status s = archllm_t5_load_hf(ctx, &m, dir);
    CHECK(s == ARCHLLM_OK && !m.cfg.tied && !m.cfg.scale_out, "v1_1/tf5: tie true, scale false, lm_head stored "
          "apart: loads untied and unscaled (%s)", s ? archllm_last_error() : "ok");
    if (s == ARCHLLM_OK) {
        check_model(ctx, &m, &ex, "v1_1/tf5", 1);
        float *ref = run_logits(ctx, &m, &ex, &nl);
        if (ref) export_check(ctx, &m, &ex, ref, nl, "v1_1/tf5", 0);
        free(ref);
        archllm_t5_free(&m);
    }

    /* the same with scale_decoder_outputs true: untied and scaled in 5.x, which 4.x cannot
     * say, so the export folds the scale into lm_head */
    snprintf(tmp, sizeof tmp, "%s/t5_tf5s_%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    s = edited_copy(dir, tmp, "\"scale_decoder_outputs\": false", "\"scale_decoder_outputs\": true");
    if (s == ARCHLLM_OK) s = archllm_t5_load_hf(ctx, &m, tmp);
    CHECK(s == ARCHLLM_OK && !m.cfg.tied && m.cfg.scale_out, "tf5, scale_decoder_outputs true: untied and scaled (%s)",
          s ? archllm_last_error() : "ok");
    if (s == ARCHLLM_OK) {
        float *ref = run_logits(ctx, &m, &ex, &nl);
        CHECK(ref != NULL, "tf5, scaled: forward");
        if (ref) export_check(ctx, &m, &ex, ref, nl, "tf5, scaled", 0);
        free(ref);
        archllm_t5_free(&m);
    }
    remove_folder(tmp);

    /* without scale_decoder_outputs, transformers 4.x's rule: tied (the stored head is
     * ignored) and scaled */
    s = edited_copy(dir, tmp, "\"scale_decoder_outputs\": false,", "");
    if (s == ARCHLLM_OK) s = archllm_t5_load_hf(ctx, &m, tmp);
    CHECK(s == ARCHLLM_OK && m.cfg.tied && m.cfg.scale_out, "no scale_decoder_outputs, tie true: 4.x rule, tied and "
          "scaled (%s)", s ? archllm_last_error() : "ok");
    if (s == ARCHLLM_OK) archllm_t5_free(&m);
    remove_folder(tmp);
    archllm_st_close(&ex);

    /* transformers 5's default save of a v1.1 config: tied, unscaled, no lm_head stored */
    snprintf(dir, sizeof dir, "%s/tests/fixtures/t5/v1_1/tf5_tied", srcdir());
    snprintf(path, sizeof path, "%s/expect.safetensors", dir);
    if (archllm_st_open(&ex, path) != ARCHLLM_OK) {
        CHECK(0, "tf5_tied: open %s", path);
        return;
    }
    s = archllm_t5_load_hf(ctx, &m, dir);
    CHECK(s == ARCHLLM_OK && m.cfg.tied && !m.cfg.scale_out, "v1_1/tf5_tied: tied and unscaled (%s)",
          s ? archllm_last_error() : "ok");
    if (s == ARCHLLM_OK) {
        check_model(ctx, &m, &ex, "v1_1/tf5_tied", 0);
        float *ref = run_logits(ctx, &m, &ex, &nl);
        if (ref) export_check(ctx, &m, &ex, ref, nl, "v1_1/tf5_tied", 1);
        free(ref);
        archllm_t5_free(&m);
    }
    archllm_st_close(&ex);
}

/* Relative-position buckets: the model's (archllm_t5_bucket) and the reference's
 * (ref_t5_bucket) against Hugging Face's table (tests/fixtures/t5/buckets.txt, made by
 * make_bucket_fixture.py); the dropout threshold against the reference's definition. */
static void buckets_and_threshold(void)
{
    char path[4200], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/tests/fixtures/t5/buckets.txt", srcdir());
    if (archllm_read_file(path, &text, &len) != ARCHLLM_OK) {
        CHECK(0, "buckets: read %s", path);
        return;
    }
    int lines = 0, bad_model = 0, bad_ref = 0, n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        int bidi, nb, md, r0, r1, used = 0;
        if (sscanf(line, "%d %d %d %d %d%n", &bidi, &nb, &md, &r0, &r1, &used) != 5) break;
        char *p = line + used, *end;
        for (long rel = r0; rel <= r1; rel++, n++) {
            long hf = strtol(p, &end, 10);
            if (end == p) {
                bad_model++;
                break;
            }
            p = end;
            bad_model += archllm_t5_bucket(rel, bidi, nb, md) != hf;
            bad_ref += ref_t5_bucket(rel, bidi, nb, md) != hf;
        }
        lines++;
    }
    free(text);
    CHECK(lines == 4 && n == 4 * 601 && bad_model == 0, "buckets: the model's match HF's for %d (rel, setting) pairs "
          "(%d differ)", n, bad_model);
    CHECK(lines == 4 && bad_ref == 0, "buckets: the reference's match HF's (%d differ)", bad_ref);

    int bad = 0;
    for (int i = 0; i <= 100000; i++) {
        float p = (float)i / 100001.0f;
        bad += archllm_dropout_threshold(p) != ref_dropout_threshold(p);
    }
    CHECK(bad == 0 && archllm_dropout_threshold(0.0f) == 0 && archllm_dropout_threshold(0.25f) == 1u << 30,
          "dropout threshold: p 2^32 as the reference defines it (%d of 100001 differ)", bad);
}

int main(void)
{
    archllm_ctx_t *ctx = test_open_ctx();
    buckets_and_threshold();
    /* both attention paths: the fused kernels (the default where they fit, as they do at the
     * fixtures' lengths) and the CLBlast GEMM path (ARCHLLM_T5_FUSED=0) */
    for (int fused = 1; fused >= 0; fused--) {
        setenv("ARCHLLM_T5_FUSED", fused ? "1" : "0", 1);
        printf("-- attention: %s\n", fused ? "fused kernels (ARCHLLM_T5_FUSED=1)" : "GEMM path (ARCHLLM_T5_FUSED=0)");
        variant(ctx, "v1_0");
        variant(ctx, "v1_1");
        tf5_forms(ctx);
        malformed(ctx);
        aliases(ctx);
        dropout_grads(ctx);
    }
    paths_agree(ctx);
    archllm_ctx_free(ctx);
    int r = test_finish();
    if (r) printf("hint: regenerate the fixtures with python3 tests/fixtures/t5/make_fixtures.py, then "
                  "make_tf5_fixtures.py\n");
    return r;
}
