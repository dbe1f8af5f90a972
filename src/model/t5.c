/* t5.c - the T5 model: parameter table under Hugging Face names, activation arena, forward,
 * loss and the hand-written backward (reverse order of the forward, by hand).  Shapes in the
 * comments: N tokens of a stack (B*S or B*T), d = d_model, I = n_heads*d_kv, F = d_ff. */
#include "model/t5.h"

#include "ops/t5_ops.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parameter table ------------------------------------------------------------ */

static archllm_status add(archllm_params *p, int *idx, int decay, archllm_init_kind init, float scale, int ndim,
                          int64_t d0, int64_t d1, const char *fmt, ...) ARCHLLM_PRINTF(9, 10);
static archllm_status add(archllm_params *p, int *idx, int decay, archllm_init_kind init, float scale, int ndim,
                          int64_t d0, int64_t d1, const char *fmt, ...)
{
    char name[ARCHLLM_PARAM_NAME];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    int64_t shape[2] = {d0, d1};
    return archllm_params_add(p, name, ndim, shape, decay, init, scale, idx);
}

static archllm_status add_attn(archllm_params *p, archllm_t5_attn_w *w, const archllm_t5_config *c,
                               const char *prefix, const char *kind)
{
    int64_t d = c->d_model, I = (int64_t)c->n_heads * c->d_kv;
    /* q, k, v declared back to back: adjacent in the flat buffer, one fused GEMM */
    ARCHLLM_TRY(add(p, &w->q, 1, ARCHLLM_INIT_NORMAL, (float)(1.0 / sqrt((double)d * c->d_kv)), 2, I, d,
                    "%s.%s.q.weight", prefix, kind));
    ARCHLLM_TRY(add(p, &w->k, 1, ARCHLLM_INIT_NORMAL, (float)(1.0 / sqrt((double)d)), 2, I, d, "%s.%s.k.weight",
                    prefix, kind));
    ARCHLLM_TRY(add(p, &w->v, 1, ARCHLLM_INIT_NORMAL, (float)(1.0 / sqrt((double)d)), 2, I, d, "%s.%s.v.weight",
                    prefix, kind));
    ARCHLLM_TRY(add(p, &w->o, 1, ARCHLLM_INIT_NORMAL, (float)(1.0 / sqrt((double)I)), 2, d, I, "%s.%s.o.weight",
                    prefix, kind));
    return ARCHLLM_OK;
}

static archllm_status add_stack(archllm_params *p, archllm_t5_block_w *blk, int n, int dec,
                                const archllm_t5_config *c)
{
    const char *st = dec ? "decoder" : "encoder";
    int64_t d = c->d_model, F = c->d_ff;
    for (int i = 0; i < n; i++) {
        archllm_t5_block_w *b = &blk[i];
        char pre[96];
        b->ca.ln = b->ca.q = b->ca.k = b->ca.v = b->ca.o = -1;
        b->rel = b->wi1 = -1;
        snprintf(pre, sizeof pre, "%s.block.%d.layer.0", st, i);
        ARCHLLM_TRY(add_attn(p, &b->sa, c, pre, "SelfAttention"));
        if (i == 0)
            ARCHLLM_TRY(add(p, &b->rel, 1, ARCHLLM_INIT_NORMAL, (float)(1.0 / sqrt((double)d)), 2, c->num_buckets,
                            c->n_heads, "%s.SelfAttention.relative_attention_bias.weight", pre));
        ARCHLLM_TRY(add(p, &b->sa.ln, 0, ARCHLLM_INIT_ONE, 0, 1, d, 0, "%s.layer_norm.weight", pre));
        int ffl = 1;
        if (dec) {
            snprintf(pre, sizeof pre, "%s.block.%d.layer.1", st, i);
            ARCHLLM_TRY(add_attn(p, &b->ca, c, pre, "EncDecAttention"));
            ARCHLLM_TRY(add(p, &b->ca.ln, 0, ARCHLLM_INIT_ONE, 0, 1, d, 0, "%s.layer_norm.weight", pre));
            ffl = 2;
        }
        snprintf(pre, sizeof pre, "%s.block.%d.layer.%d", st, i, ffl);
        float si = (float)(1.0 / sqrt((double)d)), so = (float)(1.0 / sqrt((double)F));
        if (c->gated) {
            ARCHLLM_TRY(add(p, &b->wi, 1, ARCHLLM_INIT_NORMAL, si, 2, F, d, "%s.DenseReluDense.wi_0.weight", pre));
            ARCHLLM_TRY(add(p, &b->wi1, 1, ARCHLLM_INIT_NORMAL, si, 2, F, d, "%s.DenseReluDense.wi_1.weight", pre));
        } else {
            ARCHLLM_TRY(add(p, &b->wi, 1, ARCHLLM_INIT_NORMAL, si, 2, F, d, "%s.DenseReluDense.wi.weight", pre));
        }
        ARCHLLM_TRY(add(p, &b->wo, 1, ARCHLLM_INIT_NORMAL, so, 2, d, F, "%s.DenseReluDense.wo.weight", pre));
        ARCHLLM_TRY(add(p, &b->ln_ff, 0, ARCHLLM_INIT_ONE, 0, 1, d, 0, "%s.layer_norm.weight", pre));
    }
    return ARCHLLM_OK;
}

archllm_status archllm_t5_init(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_t5_config *cfg)
{
    memset(m, 0, sizeof *m);
    ARCHLLM_TRY(archllm_t5_config_check(cfg));
    m->cfg = *cfg;
    const char *fused = getenv("ARCHLLM_T5_FUSED");
    m->attn_fused = !(fused && strcmp(fused, "0") == 0);
    m->lm_head = -1;
    m->gen_w_key = -1;
    archllm_params_init(&m->P);
    int64_t V = cfg->vocab, d = cfg->d_model;
    ARCHLLM_TRY(add(&m->P, &m->shared, 1, ARCHLLM_INIT_NORMAL, 1.0f, 2, V, d, "shared.weight"));
    ARCHLLM_TRY(add_stack(&m->P, m->enc, cfg->n_layers, 0, cfg));
    ARCHLLM_TRY(add(&m->P, &m->enc_final, 0, ARCHLLM_INIT_ONE, 0, 1, d, 0, "encoder.final_layer_norm.weight"));
    ARCHLLM_TRY(add_stack(&m->P, m->dec, cfg->n_dec_layers, 1, cfg));
    ARCHLLM_TRY(add(&m->P, &m->dec_final, 0, ARCHLLM_INIT_ONE, 0, 1, d, 0, "decoder.final_layer_norm.weight"));
    if (!cfg->tied) ARCHLLM_TRY(add(&m->P, &m->lm_head, 1, ARCHLLM_INIT_NORMAL, 1.0f, 2, V, d, "lm_head.weight"));
    return archllm_params_finalize(ctx, &m->P);
}

void archllm_t5_free(archllm_t5 *m)
{
    archllm_params_free(&m->P);
    archllm_buf_free(&m->act);
    archllm_buf_free(&m->ibuf);
    archllm_buf_free(&m->gen_w);
    archllm_buf_free(&m->lin_w);
    free(m->lin_w_k);
    memset(m, 0, sizeof *m);
}

archllm_status archllm_t5_init_weights(archllm_ctx_t *ctx, archllm_t5 *m, archllm_rng *rng, float head_std)
{
    if (m->lm_head >= 0 && head_std > 0) m->P.t[m->lm_head].scale = head_std;
    return archllm_params_randomize(ctx, &m->P, rng);
}

/* ---- activations ----------------------------------------------------------------- */

static size_t take(size_t *at, size_t n)
{
    size_t o = *at;
    *at += (n + 15) / 16 * 16;
    return o;
}

static void attn_layout(archllm_t5_attn_act *a, size_t *at, size_t B, size_t H, size_t Nq, size_t Lq, size_t Nk,
                        size_t Lk, size_t d, size_t dk)
{
    a->ln = take(at, Nq * d);
    a->rstd = take(at, Nq);
    a->q = take(at, (Nq + 2 * Nk) * H * dk); /* one block: t5.h says how each path lays it out */
    a->k = a->q + Nq * H * dk;
    a->v = a->k + Nk * H * dk;
    a->p = take(at, B * H * Lq * Lk);
    a->ctx = take(at, Nq * H * dk);
}

archllm_status archllm_t5_reserve(archllm_ctx_t *ctx, archllm_t5 *m, int B, int S, int T)
{
    if (B <= m->capB && S <= m->capS && T <= m->capT && m->act) return ARCHLLM_OK;
    if (B < 1 || S < 1 || T < 1) return archllm_fail(ARCHLLM_EINVAL, "t5: batch %d x %d x %d", B, S, T);
    if (B < m->capB) B = m->capB;
    if (S < m->capS) S = m->capS;
    if (T < m->capT) T = m->capT;
    const archllm_t5_config *c = &m->cfg;
    size_t d = c->d_model, H = c->n_heads, dk = c->d_kv, I = H * dk, F = c->d_ff, V = c->vocab;
    size_t Ne = (size_t)B * S, Nd = (size_t)B * T, Nm = Ne > Nd ? Ne : Nd, Lm = S > T ? S : T;
    size_t Fp = c->gated ? 2 * F : F, at = 0;
    for (int l = 0; l <= c->n_layers; l++) m->He[l] = take(&at, Ne * d);
    for (int l = 0; l < c->n_layers; l++) {
        archllm_t5_layer_act *a = &m->ea[l];
        attn_layout(&a->sa, &at, B, H, Ne, S, Ne, S, d, dk);
        a->mid1 = take(&at, Ne * d);
        a->ln_ff = take(&at, Ne * d);
        a->rstd_ff = take(&at, Ne);
        a->pre = take(&at, Ne * Fp);
        a->act = take(&at, Ne * F);
    }
    m->enc_out = take(&at, Ne * d);
    m->enc_rstd = take(&at, Ne);
    for (int l = 0; l <= c->n_dec_layers; l++) m->Hd[l] = take(&at, Nd * d);
    for (int l = 0; l < c->n_dec_layers; l++) {
        archllm_t5_layer_act *a = &m->da[l];
        attn_layout(&a->sa, &at, B, H, Nd, T, Nd, T, d, dk);
        a->mid1 = take(&at, Nd * d);
        attn_layout(&a->ca, &at, B, H, Nd, T, Ne, S, d, dk);
        a->mid2 = take(&at, Nd * d);
        a->ln_ff = take(&at, Nd * d);
        a->rstd_ff = take(&at, Nd);
        a->pre = take(&at, Nd * Fp);
        a->act = take(&at, Nd * F);
    }
    m->dec_out = take(&at, Nd * d);
    m->dec_rstd = take(&at, Nd);
    m->logits = take(&at, Nd * V);
    m->losses = take(&at, Nd);
    m->loss = take(&at, 1);
    m->s_tok = take(&at, Nm * 3 * I);
    m->s_tok2 = take(&at, Ne * 2 * I);
    m->s_heads = take(&at, Nm * I);
    m->g_He = take(&at, Ne * d);
    m->g_Hd = take(&at, Nd * d);
    m->g_ln = take(&at, Nm * d);
    m->g_qkv = take(&at, Nm * 3 * I);
    m->g_kv = take(&at, Ne * 2 * I);
    m->g_ctx = take(&at, Nm * I);
    m->g_ctxh = take(&at, Nm * I);
    m->g_p = take(&at, (size_t)B * H * Lm * Lm);
    m->g_qh = take(&at, Nm * I);
    m->g_kh = take(&at, Nm * I);
    m->g_vh = take(&at, Nm * I);
    m->g_act = take(&at, Nm * F);
    m->g_pre = take(&at, Nm * Fp);
    m->g_bias = take(&at, H * Lm * Lm);
    m->s_sub = take(&at, Nm * d);
    m->g_sub = take(&at, Nm * d);
    m->g_act2 = take(&at, Nm * F);
    if (at >= ((size_t)1 << 32))
        return archllm_fail(ARCHLLM_EINVAL, "t5: activations for %d x %d x %d exceed 2^32 floats", B, S, T);
    archllm_buf_free(&m->act);
    archllm_buf_free(&m->ibuf);
    ARCHLLM_TRY(archllm_buf_alloc(ctx, &m->act, at * sizeof(float)));
    m->act_n = at;
    size_t it = 0;
    m->ienc_ids = take(&it, Ne);
    m->idec_ids = take(&it, Nd);
    m->ilabels = take(&it, Nd);
    m->imask = take(&it, Ne);
    m->ienc_bk = take(&it, (size_t)S * S);
    m->idec_bk = take(&it, (size_t)T * T);
    m->bk_S = m->bk_T = 0; /* offsets moved, buffer new */
    ARCHLLM_TRY(archllm_buf_alloc(ctx, &m->ibuf, it * sizeof(int32_t)));
    m->capB = B;
    m->capS = S;
    m->capT = T;
    return ARCHLLM_OK;
}

/* ---- helpers ----------------------------------------------------------------------- */

#define AV(off)  ((archllm_view){m->act, (off)})
#define IV(off)  ((archllm_view){m->ibuf, (off)})
#define PV(i)    archllm_params_value(&m->P, (i))
#define GV(i)    archllm_params_gradient(&m->P, (i))

static archllm_view vadd(archllm_view v, size_t n) { return (archllm_view){v.buf, v.off + n}; }

/* out(N, k*n_out) = x(N, n_in) [W_0 | ... | W_{k-1}]^T, W_j (n_out, n_in); one GEMM when the
 * weights are adjacent in the flat buffer (they are declared so), else k GEMMs into the
 * column slices. */
static int adjacent(const archllm_t5 *m, const int *w, int k)
{
    for (int j = 1; j < k; j++)
        if (m->P.t[w[j]].offset != m->P.t[w[0]].offset + (size_t)j * m->P.t[w[0]].numel) return 0;
    return 1;
}

/* W^T (n_in, n_out) of the n_out rows of adjacent tensors from tensor w0, kept in m->lin_w
 * (*wt) outside training steps when the product runs on archllm's kernels, which would
 * otherwise transpose W on every call (the search decodes a few sequences a call); 0 in
 * *wt's buffer: not kept, the caller takes the plain product */
static archllm_status kept_wt(archllm_ctx_t *ctx, archllm_t5 *m, int w0, int k, size_t N, size_t n_out, size_t n_in,
                              archllm_view *wt)
{
    *wt = (archllm_view){NULL, 0};
    if (m->training || !archllm_op_matmul_is_own(ctx, 0, 0, N, n_out, n_in)) return ARCHLLM_OK;
    archllm_params *P = &m->P;
    if (!m->lin_w) { /* where it cannot be had, the plain product as before */
        if (!m->lin_w_k) m->lin_w_k = calloc((size_t)P->n, 1);
        if (!m->lin_w_k || archllm_buf_alloc(ctx, &m->lin_w, P->total * sizeof(float)) != ARCHLLM_OK) {
            archllm_error_clear();
            return ARCHLLM_OK;
        }
        memset(m->lin_w_k, 0, (size_t)P->n);
        m->lin_w_version = P->version;
    }
    if (m->lin_w_version != P->version) memset(m->lin_w_k, 0, (size_t)P->n), m->lin_w_version = P->version;
    size_t off = P->t[w0].offset;
    *wt = (archllm_view){m->lin_w, off};
    if (m->lin_w_k[w0] == k) return ARCHLLM_OK;
    /* another grouping over any of these tensors is dropped with the slot it held */
    size_t end = off + n_out * n_in;
    for (int i = 0; i < P->n; i++) {
        size_t o = P->t[i].offset, e = o + (m->lin_w_k[i] ? m->lin_w_k[i] : 1) * P->t[i].numel;
        if (o < end && off < e) m->lin_w_k[i] = 0;
    }
    ARCHLLM_TRY(archllm_op_transpose(ctx, *wt, n_out, PV(w0), n_in, n_out, n_in));
    m->lin_w_k[w0] = (unsigned char)k;
    return ARCHLLM_OK;
}

/* out (ldo) = x(N, n_in) W^T + beta out for the n_out rows of adjacent tensors from w0 */
static archllm_status proj(archllm_ctx_t *ctx, archllm_t5 *m, archllm_view out, size_t ldo, archllm_view x, size_t N,
                           size_t n_in, int w0, int k, size_t n_out, float beta)
{
    archllm_view wt;
    ARCHLLM_TRY(kept_wt(ctx, m, w0, k, N, n_out, n_in, &wt));
    if (wt.buf) return archllm_op_matmul(ctx, 0, 0, N, n_out, n_in, 1.0f, x, n_in, wt, n_out, beta, out, ldo);
    return archllm_op_matmul(ctx, 0, 1, N, n_out, n_in, 1.0f, x, n_in, PV(w0), n_in, beta, out, ldo);
}

archllm_status archllm_t5_lin_fwd(archllm_ctx_t *ctx, archllm_t5 *m, archllm_view out, archllm_view x, size_t N,
                                  size_t n_in, const int *w, int k, size_t n_out)
{
    size_t ld = (size_t)k * n_out;
    if (adjacent(m, w, k)) return proj(ctx, m, out, ld, x, N, n_in, w[0], k, ld, 0.0f);
    for (int j = 0; j < k; j++)
        ARCHLLM_TRY(proj(ctx, m, vadd(out, (size_t)j * n_out), ld, x, N, n_in, w[j], 1, n_out, 0.0f));
    return ARCHLLM_OK;
}

/* given dy(N, k*n_out): dW_j += dy_j^T x; dx (N, n_in) = beta*dx + sum_j dy_j W_j */
static archllm_status lin_bwd(archllm_ctx_t *ctx, archllm_t5 *m, archllm_view dx, float beta, archllm_view dy,
                              archllm_view x, size_t N, size_t n_in, const int *w, int k, size_t n_out)
{
    size_t ld = (size_t)k * n_out;
    if (adjacent(m, w, k)) {
        ARCHLLM_TRY(archllm_op_matmul(ctx, 1, 0, ld, n_in, N, 1.0f, dy, ld, x, n_in, 1.0f, GV(w[0]), n_in));
        return archllm_op_matmul(ctx, 0, 0, N, n_in, ld, 1.0f, dy, ld, PV(w[0]), n_in, beta, dx, n_in);
    }
    for (int j = 0; j < k; j++) {
        archllm_view dyj = vadd(dy, (size_t)j * n_out);
        ARCHLLM_TRY(archllm_op_matmul(ctx, 1, 0, n_out, n_in, N, 1.0f, dyj, ld, x, n_in, 1.0f, GV(w[j]), n_in));
        ARCHLLM_TRY(archllm_op_matmul(ctx, 0, 0, N, n_in, n_out, 1.0f, dyj, ld, PV(w[j]), n_in, j ? 1.0f : beta, dx,
                                  n_in));
    }
    return ARCHLLM_OK;
}

/* T5.md 1.5, Hugging Face's _relative_position_bucket: exact buckets for small distances,
 * log-spaced ones up to max_distance (the log in float32, as HF computes it, truncated
 * toward zero), then the last bucket.  ref_t5_bucket is the tests' own statement of it. */
int archllm_t5_bucket(long rel, int bidirectional, int num_buckets, int max_distance)
{
    int base = 0;
    long dist;
    if (bidirectional) { /* half the buckets for keys after the query */
        num_buckets /= 2;
        base = rel > 0 ? num_buckets : 0;
        dist = rel < 0 ? -rel : rel;
    } else { /* causal: only keys at or before the query */
        dist = rel < 0 ? -rel : 0;
    }
    int exact = num_buckets / 2;
    if (dist < exact) return base + (int)dist;
    float lg = logf((float)dist / (float)exact) / (float)log((double)max_distance / exact);
    long b = exact + (long)(lg * (float)(num_buckets - exact));
    return base + (int)(b < num_buckets - 1 ? b : num_buckets - 1);
}

void archllm_t5_buckets(const archllm_t5_config *c, int bidirectional, int Lq, int Lk, int q0, int32_t *out)
{
    for (int q = 0; q < Lq; q++)
        for (int k = 0; k < Lk; k++)
            out[q * Lk + k] = archllm_t5_bucket((long)k - (long)(q + q0), bidirectional, c->num_buckets,
                                                c->max_distance);
}

void archllm_t5_shift_right(const archllm_t5_config *c, const int32_t *labels, int B, int T, int32_t *dec_ids)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            int32_t v = t == 0 ? c->start_id : labels[b * T + t - 1];
            dec_ids[b * T + t] = v == -100 ? c->pad_id : v;
        }
}

archllm_view archllm_t5_logits(const archllm_t5 *m) { return (archllm_view){m->act, m->logits}; }

/* ---- dropout ------------------------------------------------------------------------ */

/* Sites: 0/1 the encoder/decoder embedding outputs, 2/3 the final norm outputs, then four
 * per block: encoder self-attention, FF output, FF activation; decoder self, cross, FF
 * output, FF activation. */
enum { SITE_EMB_ENC = 0, SITE_EMB_DEC = 1, SITE_FINAL_ENC = 2, SITE_FINAL_DEC = 3 };
static uint32_t site_enc(int l, int k) { return 16u + 4u * (uint32_t)l + (uint32_t)k; }
static uint32_t site_dec(int l, int k) { return 16u + 4u * ARCHLLM_T5_MAX_LAYERS + 4u * (uint32_t)l + (uint32_t)k; }

static int dropping(const archllm_t5 *m) { return m->training && m->cfg.dropout > 0.0f; }

static uint32_t site_seed(const archllm_t5 *m, uint32_t site)
{
    uint32_t x = m->drop_seed ^ (site * 0x85EBCA6Bu + 0x2545F491u);
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    return x;
}

/* in place x(n) = dropout(x) when training */
static archllm_status drop_fwd(archllm_ctx_t *ctx, archllm_t5 *m, archllm_view x, size_t n, uint32_t site)
{
    if (!dropping(m)) return ARCHLLM_OK;
    return archllm_op_dropout_fwd(ctx, x, x, n, m->cfg.dropout, site_seed(m, site));
}

/* the gradient through a dropout site: scratch = mask * g / (1 - p), or g itself */
static archllm_status drop_bwd(archllm_ctx_t *ctx, archllm_t5 *m, archllm_view *out, archllm_view g, size_t scratch,
                               size_t n, uint32_t site)
{
    if (!dropping(m)) {
        *out = g;
        return ARCHLLM_OK;
    }
    *out = (archllm_view){m->act, scratch};
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, m->act, scratch, n, 0.0f));
    return archllm_op_dropout_bwd(ctx, *out, g, n, m->cfg.dropout, site_seed(m, site));
}

/* out(N, d) = h_in + dropout(y) where y = x(N, k) W(d, k)^T */
static archllm_status residual_proj(archllm_ctx_t *ctx, archllm_t5 *m, archllm_view out, archllm_view h_in,
                                    archllm_view x, int w, size_t N, size_t k, uint32_t site)
{
    size_t d = m->cfg.d_model;
    if (!dropping(m)) {
        ARCHLLM_TRY(archllm_buf_copy(ctx, out.buf, out.off * 4, h_in.buf, h_in.off * 4, N * d * 4));
        return proj(ctx, m, out, d, x, N, k, w, 1, d, 1.0f);
    }
    ARCHLLM_TRY(proj(ctx, m, AV(m->s_sub), d, x, N, k, w, 1, d, 0.0f));
    ARCHLLM_TRY(drop_fwd(ctx, m, AV(m->s_sub), N * d, site));
    return archllm_op_add(ctx, out, h_in, AV(m->s_sub), N * d);
}

/* ---- forward ------------------------------------------------------------------------ */

/* Whether an attention of Lq queries over Lk keys runs through the fused kernels (forward
 * and backward decide alike from the same sizes). */
static int fused_here(const archllm_ctx_t *ctx, const archllm_t5 *m, int Lq, int Lk)
{
    return m->attn_fused && archllm_op_attn_fused_fits(ctx, (size_t)Lq, (size_t)Lk, (size_t)m->cfg.d_kv);
}

/* the fused path's q, k, v (and their gradients') places in an attention's q block */
typedef struct {
    archllm_view q, k, v;
    size_t ldq, ldkv;
} qkv_at;
static qkv_at qkv_layout(const archllm_t5 *m, const archllm_t5_attn_act *a, int cross)
{
    size_t I = (size_t)m->cfg.n_heads * m->cfg.d_kv;
    if (!cross) return (qkv_at){AV(a->q), AV(a->q + I), AV(a->q + 2 * I), 3 * I, 3 * I};
    return (qkv_at){AV(a->q), AV(a->k), AV(a->k + I), I, 2 * I};
}

/* One attention sublayer: a->ln = RMSNorm(h_in); out = h_in + O(softmax(Q K^T + bias) V).
 * kv_src: the normed input itself (self) or the encoder output (cross, Nk = B*Lk rows). */
static archllm_status attn_fwd(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_t5_attn_w *w,
                               const archllm_t5_attn_act *a, archllm_view h_in, archllm_view out, int cross,
                               archllm_view kv_src, int B, int Lq, int Lk, unsigned flags, int table,
                               archllm_view buckets, uint32_t site)
{
    const archllm_t5_config *c = &m->cfg;
    size_t d = c->d_model, H = c->n_heads, dk = c->d_kv, I = H * dk, Nq = (size_t)B * Lq, Nk = (size_t)B * Lk;
    size_t BH = (size_t)B * H;
    ARCHLLM_TRY(archllm_op_rmsnorm_fwd(ctx, AV(a->ln), AV(a->rstd), h_in, PV(w->ln), Nq, d, c->eps));
    if (fused_here(ctx, m, Lq, Lk)) {
        /* the projections write where the kernel reads: q|k|v (Nq, 3I), or q (Nq, I) and k|v (Nk, 2I) */
        qkv_at f = qkv_layout(m, a, cross);
        if (!cross) {
            int qkv[3] = {w->q, w->k, w->v};
            ARCHLLM_TRY(archllm_t5_lin_fwd(ctx, m, f.q, AV(a->ln), Nq, d, qkv, 3, I));
        } else {
            int q[1] = {w->q}, kv[2] = {w->k, w->v};
            ARCHLLM_TRY(archllm_t5_lin_fwd(ctx, m, f.q, AV(a->ln), Nq, d, q, 1, I));
            ARCHLLM_TRY(archllm_t5_lin_fwd(ctx, m, f.k, kv_src, Nk, d, kv, 2, I));
        }
        /* ctx(Nq, I) = softmax(Q K^T + bias, masks) V per (b, h), p kept for the backward */
        ARCHLLM_TRY(archllm_op_attn_fused_fwd(ctx, AV(a->ctx), I, AV(a->p), f.q, f.ldq, f.k, f.v, f.ldkv,
                                              table >= 0 ? PV(table) : AV(0), buckets, IV(m->imask), B, H, Lq, Lk,
                                              dk, flags));
        return residual_proj(ctx, m, out, h_in, AV(a->ctx), w->o, Nq, I, site);
    }
    if (!cross) {
        int qkv[3] = {w->q, w->k, w->v};
        ARCHLLM_TRY(archllm_t5_lin_fwd(ctx, m, AV(m->s_tok), AV(a->ln), Nq, d, qkv, 3, I));
        for (int j = 0; j < 3; j++)
            ARCHLLM_TRY(archllm_op_split_heads(ctx, AV(j == 0 ? a->q : j == 1 ? a->k : a->v),
                                               AV(m->s_tok + (size_t)j * I), B, Lq, H, dk, 3 * I, Lq, 0));
    } else {
        int q[1] = {w->q}, kv[2] = {w->k, w->v};
        ARCHLLM_TRY(archllm_t5_lin_fwd(ctx, m, AV(m->s_tok), AV(a->ln), Nq, d, q, 1, I));
        ARCHLLM_TRY(archllm_op_split_heads(ctx, AV(a->q), AV(m->s_tok), B, Lq, H, dk, I, Lq, 0));
        ARCHLLM_TRY(archllm_t5_lin_fwd(ctx, m, AV(m->s_tok2), kv_src, Nk, d, kv, 2, I));
        ARCHLLM_TRY(archllm_op_split_heads(ctx, AV(a->k), AV(m->s_tok2), B, Lk, H, dk, 2 * I, Lk, 0));
        ARCHLLM_TRY(archllm_op_split_heads(ctx, AV(a->v), AV(m->s_tok2 + I), B, Lk, H, dk, 2 * I, Lk, 0));
    }
    /* scores(Lq, Lk) = Q(Lq, dk) K(Lk, dk)^T per (b, h): no 1/sqrt(dk) in T5 */
    ARCHLLM_TRY(archllm_sgemm_batched(ctx, 0, 1, Lq, Lk, dk, 1.0f, AV(a->q), dk, Lq * dk, AV(a->k), dk, Lk * dk,
                                      0.0f, AV(a->p), Lk, (size_t)Lq * Lk, BH));
    ARCHLLM_TRY(archllm_op_attn_softmax_fwd(ctx, AV(a->p), table >= 0 ? PV(table) : AV(0), buckets, IV(m->imask),
                                            B, H, Lq, Lk, flags, 0));
    /* ctx_h(Lq, dk) = P(Lq, Lk) V(Lk, dk) */
    ARCHLLM_TRY(archllm_sgemm_batched(ctx, 0, 0, Lq, dk, Lk, 1.0f, AV(a->p), Lk, (size_t)Lq * Lk, AV(a->v), dk,
                                      Lk * dk, 0.0f, AV(m->s_heads), dk, Lq * dk, BH));
    ARCHLLM_TRY(archllm_op_merge_heads(ctx, AV(a->ctx), AV(m->s_heads), B, Lq, H, dk, I));
    /* out(Nq, d) = h_in + dropout(ctx(Nq, I) O(d, I)^T) */
    return residual_proj(ctx, m, out, h_in, AV(a->ctx), w->o, Nq, I, site);
}

/* FF sublayer: out = h_in + wo(act(wi RMSNorm(h_in))) */
static archllm_status ff_fwd(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_t5_block_w *w,
                             const archllm_t5_layer_act *a, archllm_view h_in, archllm_view out, size_t N,
                             uint32_t site)
{
    const archllm_t5_config *c = &m->cfg;
    size_t d = c->d_model, F = c->d_ff;
    ARCHLLM_TRY(archllm_op_rmsnorm_fwd(ctx, AV(a->ln_ff), AV(a->rstd_ff), h_in, PV(w->ln_ff), N, d, c->eps));
    if (c->gated) {
        int wi[2] = {w->wi, w->wi1};
        ARCHLLM_TRY(archllm_t5_lin_fwd(ctx, m, AV(a->pre), AV(a->ln_ff), N, d, wi, 2, F));
        ARCHLLM_TRY(archllm_op_gated_gelu_fwd(ctx, AV(a->act), AV(a->pre), N, F));
    } else {
        int wi[1] = {w->wi};
        ARCHLLM_TRY(archllm_t5_lin_fwd(ctx, m, AV(a->pre), AV(a->ln_ff), N, d, wi, 1, F));
        if (c->act == ARCHLLM_T5_RELU) ARCHLLM_TRY(archllm_op_relu_fwd(ctx, AV(a->act), AV(a->pre), N * F));
        else ARCHLLM_TRY(archllm_op_gelu_fwd(ctx, AV(a->act), AV(a->pre), N * F));
    }
    ARCHLLM_TRY(drop_fwd(ctx, m, AV(a->act), N * F, site + 1)); /* kept dropped: wo's gradient reads it */
    return residual_proj(ctx, m, out, h_in, AV(a->act), w->wo, N, F, site);
}

archllm_status archllm_t5_encode(archllm_ctx_t *ctx, archllm_t5 *m, const int32_t *enc_ids, const int32_t *enc_mask,
                                 int B, int S)
{
    const archllm_t5_config *c = &m->cfg;
    ARCHLLM_TRY(archllm_t5_reserve(ctx, m, B, S, 1));
    size_t d = c->d_model, V = c->vocab, Ne = (size_t)B * S;
    for (size_t i = 0; i < Ne; i++)
        if (enc_ids[i] < 0 || enc_ids[i] >= c->vocab)
            return archllm_fail(ARCHLLM_EINVAL, "t5: encoder id %d at %zu outside [0, %d)", enc_ids[i], i, c->vocab);
    m->B = B;
    m->S = S;
    int newbk = m->bk_S != S; /* the buckets depend only on S: written when it changes */
    int32_t *bk = malloc(sizeof(int32_t) * ((newbk ? (size_t)S * S : 0) + Ne));
    if (!bk) return archllm_fail(ARCHLLM_ENOMEM, "t5: buckets");
    int32_t *mask = bk + (newbk ? (size_t)S * S : 0);
    for (size_t i = 0; i < Ne; i++) mask[i] = enc_mask ? (enc_mask[i] != 0) : 1;
    archllm_status s = archllm_buf_write(ctx, m->ibuf, m->ienc_ids * 4, enc_ids, Ne * 4);
    if (s == ARCHLLM_OK && newbk) {
        archllm_t5_buckets(c, 1, S, S, 0, bk);
        s = archllm_buf_write(ctx, m->ibuf, m->ienc_bk * 4, bk, (size_t)S * S * 4);
        m->bk_S = s == ARCHLLM_OK ? S : 0;
    }
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, m->ibuf, m->imask * 4, mask, Ne * 4);
    free(bk);
    ARCHLLM_TRY(s);
    ARCHLLM_TRY(archllm_op_embedding_fwd(ctx, AV(m->He[0]), PV(m->shared), IV(m->ienc_ids), Ne, d, V));
    ARCHLLM_TRY(drop_fwd(ctx, m, AV(m->He[0]), Ne * d, SITE_EMB_ENC));
    for (int l = 0; l < c->n_layers; l++) {
        const archllm_t5_block_w *w = &m->enc[l];
        archllm_t5_layer_act *a = &m->ea[l];
        ARCHLLM_TRY(attn_fwd(ctx, m, &w->sa, &a->sa, AV(m->He[l]), AV(a->mid1), 0, AV(0), B, S, S,
                             ARCHLLM_ATT_BIAS | ARCHLLM_ATT_MASK, m->enc[0].rel, IV(m->ienc_bk), site_enc(l, 0)));
        ARCHLLM_TRY(ff_fwd(ctx, m, w, a, AV(a->mid1), AV(m->He[l + 1]), Ne, site_enc(l, 1)));
    }
    ARCHLLM_TRY(archllm_op_rmsnorm_fwd(ctx, AV(m->enc_out), AV(m->enc_rstd), AV(m->He[c->n_layers]), PV(m->enc_final),
                                       Ne, d, c->eps));
    return drop_fwd(ctx, m, AV(m->enc_out), Ne * d, SITE_FINAL_ENC);
}

archllm_status archllm_t5_forward(archllm_ctx_t *ctx, archllm_t5 *m, const int32_t *enc_ids,
                                  const int32_t *enc_mask, int B, int S, const int32_t *dec_ids, int T)
{
    const archllm_t5_config *c = &m->cfg;
    ARCHLLM_TRY(archllm_t5_reserve(ctx, m, B, S, T));
    size_t d = c->d_model, V = c->vocab, Nd = (size_t)B * T;
    for (size_t i = 0; i < Nd; i++)
        if (dec_ids[i] < 0 || dec_ids[i] >= c->vocab)
            return archllm_fail(ARCHLLM_EINVAL, "t5: decoder id %d at %zu outside [0, %d)", dec_ids[i], i, c->vocab);
    ARCHLLM_TRY(archllm_t5_encode(ctx, m, enc_ids, enc_mask, B, S));
    m->T = T;
    ARCHLLM_TRY(archllm_buf_write(ctx, m->ibuf, m->idec_ids * 4, dec_ids, Nd * 4));
    if (m->bk_T != T) { /* the buckets depend only on T: written when it changes */
        int32_t *bk = malloc(sizeof(int32_t) * (size_t)T * T);
        if (!bk) return archllm_fail(ARCHLLM_ENOMEM, "t5: buckets");
        archllm_t5_buckets(c, 0, T, T, 0, bk);
        archllm_status s = archllm_buf_write(ctx, m->ibuf, m->idec_bk * 4, bk, (size_t)T * T * 4);
        free(bk);
        ARCHLLM_TRY(s);
        m->bk_T = T;
    }

    /* decoder */
    ARCHLLM_TRY(archllm_op_embedding_fwd(ctx, AV(m->Hd[0]), PV(m->shared), IV(m->idec_ids), Nd, d, V));
    ARCHLLM_TRY(drop_fwd(ctx, m, AV(m->Hd[0]), Nd * d, SITE_EMB_DEC));
    for (int l = 0; l < c->n_dec_layers; l++) {
        const archllm_t5_block_w *w = &m->dec[l];
        archllm_t5_layer_act *a = &m->da[l];
        ARCHLLM_TRY(attn_fwd(ctx, m, &w->sa, &a->sa, AV(m->Hd[l]), AV(a->mid1), 0, AV(0), B, T, T,
                             ARCHLLM_ATT_BIAS | ARCHLLM_ATT_CAUSAL, m->dec[0].rel, IV(m->idec_bk), site_dec(l, 0)));
        ARCHLLM_TRY(attn_fwd(ctx, m, &w->ca, &a->ca, AV(a->mid1), AV(a->mid2), 1, AV(m->enc_out), B, T, S,
                             ARCHLLM_ATT_MASK, -1, IV(m->idec_bk), site_dec(l, 1)));
        ARCHLLM_TRY(ff_fwd(ctx, m, w, a, AV(a->mid2), AV(m->Hd[l + 1]), Nd, site_dec(l, 2)));
    }
    ARCHLLM_TRY(archllm_op_rmsnorm_fwd(ctx, AV(m->dec_out), AV(m->dec_rstd), AV(m->Hd[c->n_dec_layers]),
                                       PV(m->dec_final), Nd, d, c->eps));
    ARCHLLM_TRY(drop_fwd(ctx, m, AV(m->dec_out), Nd * d, SITE_FINAL_DEC));
    /* logits(Nd, V) = alpha * dec_out(Nd, d) E(V, d)^T; alpha = d^-0.5 for v1.0 (tied) */
    float alpha = c->scale_out ? (float)(1.0 / sqrt((double)d)) : 1.0f;
    int head = c->tied ? m->shared : m->lm_head;
    return archllm_op_matmul(ctx, 0, 1, Nd, V, d, alpha, AV(m->dec_out), d, PV(head), d, 0.0f, AV(m->logits), V);
}

/* ---- backward ------------------------------------------------------------------------ */

/* The GEMM path from dctx (g_ctx, (Nq, I)) to dq, dk, dv merged into g_qkv (Nq, 3I), or
 * g_qkv (Nq, I) and g_kv (Nk, 2I), through head-major copies; dS added into the bias
 * accumulator when bias_acc. */
static archllm_status attn_bwd_gemm(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_t5_attn_act *a, int cross,
                                    int B, int Lq, int Lk, int bias_acc)
{
    const archllm_t5_config *c = &m->cfg;
    size_t H = c->n_heads, dk = c->d_kv, I = H * dk, BH = (size_t)B * H;
    ARCHLLM_TRY(archllm_op_split_heads(ctx, AV(m->g_ctxh), AV(m->g_ctx), B, Lq, H, dk, I, Lq, 0));
    /* dP(Lq, Lk) = dctx_h(Lq, dk) V(Lk, dk)^T; dV(Lk, dk) = P^T dctx_h */
    ARCHLLM_TRY(archllm_sgemm_batched(ctx, 0, 1, Lq, Lk, dk, 1.0f, AV(m->g_ctxh), dk, Lq * dk, AV(a->v), dk,
                                      Lk * dk, 0.0f, AV(m->g_p), Lk, (size_t)Lq * Lk, BH));
    ARCHLLM_TRY(archllm_sgemm_batched(ctx, 1, 0, Lk, dk, Lq, 1.0f, AV(a->p), Lk, (size_t)Lq * Lk, AV(m->g_ctxh),
                                      dk, Lq * dk, 0.0f, AV(m->g_vh), dk, Lk * dk, BH));
    ARCHLLM_TRY(archllm_op_attn_softmax_bwd(ctx, AV(m->g_p), AV(a->p), BH * Lq, Lk));
    if (bias_acc) ARCHLLM_TRY(archllm_op_attn_bias_reduce(ctx, AV(m->g_bias), AV(m->g_p), B, H, Lq, Lk));
    /* dQ = dS K; dK = dS^T Q */
    ARCHLLM_TRY(archllm_sgemm_batched(ctx, 0, 0, Lq, dk, Lk, 1.0f, AV(m->g_p), Lk, (size_t)Lq * Lk, AV(a->k), dk,
                                      Lk * dk, 0.0f, AV(m->g_qh), dk, Lq * dk, BH));
    ARCHLLM_TRY(archllm_sgemm_batched(ctx, 1, 0, Lk, dk, Lq, 1.0f, AV(m->g_p), Lk, (size_t)Lq * Lk, AV(a->q), dk,
                                      Lq * dk, 0.0f, AV(m->g_kh), dk, Lk * dk, BH));
    if (!cross) {
        ARCHLLM_TRY(archllm_op_merge_heads(ctx, AV(m->g_qkv), AV(m->g_qh), B, Lq, H, dk, 3 * I));
        ARCHLLM_TRY(archllm_op_merge_heads(ctx, AV(m->g_qkv + I), AV(m->g_kh), B, Lq, H, dk, 3 * I));
        return archllm_op_merge_heads(ctx, AV(m->g_qkv + 2 * I), AV(m->g_vh), B, Lq, H, dk, 3 * I);
    }
    ARCHLLM_TRY(archllm_op_merge_heads(ctx, AV(m->g_qkv), AV(m->g_qh), B, Lq, H, dk, I));
    ARCHLLM_TRY(archllm_op_merge_heads(ctx, AV(m->g_kv), AV(m->g_kh), B, Lk, H, dk, 2 * I));
    return archllm_op_merge_heads(ctx, AV(m->g_kv + I), AV(m->g_vh), B, Lk, H, dk, 2 * I);
}

/* dh (Nq, d) is the gradient at the sublayer output and at h_in (residual): adds the
 * sublayer's contribution into dh, and into d_kv (Nk, d) for cross-attention. */
static archllm_status attn_bwd(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_t5_attn_w *w,
                               const archllm_t5_attn_act *a, archllm_view h_in, archllm_view dh, int cross,
                               archllm_view kv_src, archllm_view d_kv, int B, int Lq, int Lk, int bias_acc,
                               uint32_t site)
{
    const archllm_t5_config *c = &m->cfg;
    size_t d = c->d_model, H = c->n_heads, dk = c->d_kv, I = H * dk, Nq = (size_t)B * Lq, Nk = (size_t)B * Lk;
    /* out = h_in + dropout(ctx O^T): dy = dropout'(dh); dO += dy^T ctx; dctx = dy O */
    archllm_view dy;
    ARCHLLM_TRY(drop_bwd(ctx, m, &dy, dh, m->g_sub, Nq * d, site));
    ARCHLLM_TRY(archllm_op_matmul(ctx, 1, 0, d, I, Nq, 1.0f, dy, d, AV(a->ctx), I, 1.0f, GV(w->o), I));
    ARCHLLM_TRY(archllm_op_matmul(ctx, 0, 0, Nq, I, d, 1.0f, dy, d, PV(w->o), I, 0.0f, AV(m->g_ctx), I));
    if (fused_here(ctx, m, Lq, Lk)) {
        /* dq, dk, dv straight into the layout the projections' backward reads: g_qkv (Nq, 3I),
         * or g_qkv (Nq, I) and g_kv (Nk, 2I); dS into g_p for the bias table */
        qkv_at f = qkv_layout(m, a, cross);
        archllm_view dq = AV(m->g_qkv), dkk = cross ? AV(m->g_kv) : AV(m->g_qkv + I);
        archllm_view dv = cross ? AV(m->g_kv + I) : AV(m->g_qkv + 2 * I);
        archllm_view ds = bias_acc ? AV(m->g_p) : (archllm_view){NULL, 0};
        ARCHLLM_TRY(archllm_op_attn_fused_bwd(ctx, dq, dkk, dv, ds, AV(m->g_ctx), AV(a->ctx), I, AV(a->p), f.q, f.ldq,
                                              f.k, f.v, f.ldkv, B, H, Lq, Lk, dk));
        if (bias_acc) ARCHLLM_TRY(archllm_op_attn_bias_reduce(ctx, AV(m->g_bias), AV(m->g_p), B, H, Lq, Lk));
    } else {
        ARCHLLM_TRY(attn_bwd_gemm(ctx, m, a, cross, B, Lq, Lk, bias_acc));
    }
    if (!cross) {
        int qkv[3] = {w->q, w->k, w->v};
        ARCHLLM_TRY(lin_bwd(ctx, m, AV(m->g_ln), 0.0f, AV(m->g_qkv), AV(a->ln), Nq, d, qkv, 3, I));
    } else {
        int q[1] = {w->q}, kv[2] = {w->k, w->v};
        ARCHLLM_TRY(lin_bwd(ctx, m, AV(m->g_ln), 0.0f, AV(m->g_qkv), AV(a->ln), Nq, d, q, 1, I));
        ARCHLLM_TRY(lin_bwd(ctx, m, d_kv, 1.0f, AV(m->g_kv), kv_src, Nk, d, kv, 2, I));
    }
    return archllm_op_rmsnorm_bwd(ctx, dh, GV(w->ln), h_in, PV(w->ln), AV(a->rstd), AV(m->g_ln), Nq, d);
}

static archllm_status ff_bwd(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_t5_block_w *w,
                             const archllm_t5_layer_act *a, archllm_view h_in, archllm_view dh, size_t N,
                             uint32_t site)
{
    const archllm_t5_config *c = &m->cfg;
    size_t d = c->d_model, F = c->d_ff;
    archllm_view dy, dact;
    ARCHLLM_TRY(drop_bwd(ctx, m, &dy, dh, m->g_sub, N * d, site));
    ARCHLLM_TRY(archllm_op_matmul(ctx, 1, 0, d, F, N, 1.0f, dy, d, AV(a->act), F, 1.0f, GV(w->wo), F));
    ARCHLLM_TRY(archllm_op_matmul(ctx, 0, 0, N, F, d, 1.0f, dy, d, PV(w->wo), F, 0.0f, AV(m->g_act), F));
    ARCHLLM_TRY(drop_bwd(ctx, m, &dact, AV(m->g_act), m->g_act2, N * F, site + 1));
    if (c->gated) {
        int wi[2] = {w->wi, w->wi1};
        ARCHLLM_TRY(archllm_op_gated_gelu_bwd(ctx, AV(m->g_pre), AV(a->pre), dact, N, F));
        ARCHLLM_TRY(lin_bwd(ctx, m, AV(m->g_ln), 0.0f, AV(m->g_pre), AV(a->ln_ff), N, d, wi, 2, F));
    } else {
        int wi[1] = {w->wi};
        ARCHLLM_TRY(archllm_buf_fill_f32(ctx, m->act, m->g_pre, N * F, 0.0f));
        if (c->act == ARCHLLM_T5_RELU)
            ARCHLLM_TRY(archllm_op_relu_bwd(ctx, AV(m->g_pre), AV(a->pre), dact, N * F));
        else ARCHLLM_TRY(archllm_op_gelu_bwd(ctx, AV(m->g_pre), AV(a->pre), dact, N * F));
        ARCHLLM_TRY(lin_bwd(ctx, m, AV(m->g_ln), 0.0f, AV(m->g_pre), AV(a->ln_ff), N, d, wi, 1, F));
    }
    return archllm_op_rmsnorm_bwd(ctx, dh, GV(w->ln_ff), h_in, PV(w->ln_ff), AV(a->rstd_ff), AV(m->g_ln), N, d);
}

archllm_status archllm_t5_loss(archllm_ctx_t *ctx, archllm_t5 *m, const int32_t *labels, float *loss)
{
    const archllm_t5_config *c = &m->cfg;
    size_t V = c->vocab, Nd = (size_t)m->B * m->T;
    int nv = 0;
    for (size_t i = 0; i < Nd; i++) {
        if (labels[i] >= c->vocab || (labels[i] < 0 && labels[i] != -100))
            return archllm_fail(ARCHLLM_EINVAL, "t5: label %d at %zu outside [0, %d) and not -100", labels[i], i,
                                c->vocab);
        nv += labels[i] >= 0;
    }
    m->n_valid = nv;
    float scale = nv ? 1.0f / (float)nv : 0.0f;
    ARCHLLM_TRY(archllm_buf_write(ctx, m->ibuf, m->ilabels * 4, labels, Nd * 4));
    ARCHLLM_TRY(archllm_op_xent_fwd_bwd(ctx, AV(m->logits), AV(m->losses), IV(m->ilabels), Nd, V, scale));
    ARCHLLM_TRY(archllm_op_sum(ctx, AV(m->loss), AV(m->losses), Nd));
    float sum = 0.0f;
    ARCHLLM_TRY(archllm_buf_read(ctx, &sum, m->act, m->loss * 4, 4));
    if (loss) *loss = nv ? sum / (float)nv : 0.0f;
    return ARCHLLM_OK;
}

archllm_status archllm_t5_backward(archllm_ctx_t *ctx, archllm_t5 *m)
{
    const archllm_t5_config *c = &m->cfg;
    int B = m->B, S = m->S, T = m->T;
    size_t d = c->d_model, V = c->vocab, H = c->n_heads, Ne = (size_t)B * S, Nd = (size_t)B * T;
    /* head: logits = alpha dec_out E^T */
    float alpha = c->scale_out ? (float)(1.0 / sqrt((double)d)) : 1.0f;
    int head = c->tied ? m->shared : m->lm_head;
    ARCHLLM_TRY(archllm_op_matmul(ctx, 0, 0, Nd, d, V, alpha, AV(m->logits), V, PV(head), d, 0.0f, AV(m->g_ln), d));
    ARCHLLM_TRY(archllm_op_matmul(ctx, 1, 0, V, d, Nd, alpha, AV(m->logits), V, AV(m->dec_out), d, 1.0f, GV(head), d));
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, m->act, m->g_Hd, Nd * d, 0.0f));
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, m->act, m->g_He, Ne * d, 0.0f));
    archllm_view g;
    ARCHLLM_TRY(drop_bwd(ctx, m, &g, AV(m->g_ln), m->g_sub, Nd * d, SITE_FINAL_DEC));
    ARCHLLM_TRY(archllm_op_rmsnorm_bwd(ctx, AV(m->g_Hd), GV(m->dec_final), AV(m->Hd[c->n_dec_layers]),
                                       PV(m->dec_final), AV(m->dec_rstd), g, Nd, d));
    /* decoder layers in reverse; cross-attention adds into the encoder output's gradient (g_He
     * holds d enc_out until the encoder's final norm turns it into d He[L]) */
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, m->act, m->g_bias, H * T * T, 0.0f));
    for (int l = c->n_dec_layers - 1; l >= 0; l--) {
        const archllm_t5_block_w *w = &m->dec[l];
        const archllm_t5_layer_act *a = &m->da[l];
        ARCHLLM_TRY(ff_bwd(ctx, m, w, a, AV(a->mid2), AV(m->g_Hd), Nd, site_dec(l, 2)));
        ARCHLLM_TRY(attn_bwd(ctx, m, &w->ca, &a->ca, AV(a->mid1), AV(m->g_Hd), 1, AV(m->enc_out), AV(m->g_He), B, T,
                             S, 0, site_dec(l, 1)));
        ARCHLLM_TRY(attn_bwd(ctx, m, &w->sa, &a->sa, AV(m->Hd[l]), AV(m->g_Hd), 0, AV(0), AV(0), B, T, T, 1,
                             site_dec(l, 0)));
    }
    ARCHLLM_TRY(archllm_op_attn_bias_bwd(ctx, GV(m->dec[0].rel), AV(m->g_bias), IV(m->idec_bk), c->num_buckets, H,
                                         T, T));
    ARCHLLM_TRY(drop_bwd(ctx, m, &g, AV(m->g_Hd), m->g_sub, Nd * d, SITE_EMB_DEC));
    ARCHLLM_TRY(archllm_op_embedding_bwd(ctx, GV(m->shared), g, IV(m->idec_ids), Nd, d, V));
    /* encoder: final norm (through its dropout), layers in reverse, bias table, embedding */
    if (dropping(m)) {
        ARCHLLM_TRY(drop_bwd(ctx, m, &g, AV(m->g_He), m->g_ln, Ne * d, SITE_FINAL_ENC));
    } else {
        ARCHLLM_TRY(archllm_buf_copy(ctx, m->act, m->g_ln * 4, m->act, m->g_He * 4, Ne * d * 4));
        g = AV(m->g_ln);
    }
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, m->act, m->g_He, Ne * d, 0.0f));
    ARCHLLM_TRY(archllm_op_rmsnorm_bwd(ctx, AV(m->g_He), GV(m->enc_final), AV(m->He[c->n_layers]), PV(m->enc_final),
                                       AV(m->enc_rstd), g, Ne, d));
    ARCHLLM_TRY(archllm_buf_fill_f32(ctx, m->act, m->g_bias, H * S * S, 0.0f));
    for (int l = c->n_layers - 1; l >= 0; l--) {
        const archllm_t5_block_w *w = &m->enc[l];
        const archllm_t5_layer_act *a = &m->ea[l];
        ARCHLLM_TRY(ff_bwd(ctx, m, w, a, AV(a->mid1), AV(m->g_He), Ne, site_enc(l, 1)));
        ARCHLLM_TRY(attn_bwd(ctx, m, &w->sa, &a->sa, AV(m->He[l]), AV(m->g_He), 0, AV(0), AV(0), B, S, S, 1,
                             site_enc(l, 0)));
    }
    ARCHLLM_TRY(archllm_op_attn_bias_bwd(ctx, GV(m->enc[0].rel), AV(m->g_bias), IV(m->ienc_bk), c->num_buckets, H,
                                         S, S));
    ARCHLLM_TRY(drop_bwd(ctx, m, &g, AV(m->g_He), m->g_sub, Ne * d, SITE_EMB_ENC));
    return archllm_op_embedding_bwd(ctx, GV(m->shared), g, IV(m->ienc_ids), Ne, d, V);
}
