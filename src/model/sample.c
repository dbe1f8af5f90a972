/* sample.c - KV-cache decoding for T5 (see sample.h).  One decoder step for the whole batch:
 * embedding -> per layer [RMSNorm, fused qkv GEMM, k/v appended into the cache at row t,
 * attention of the one query over the t+1 cached keys with bias row t (attn_decode: scores,
 * softmax and P V fused in one kernel; two tiny batched GEMMs cost ~1 ms each on PoCL), O]
 * -> [cross-attention over the precomputed encoder keys/values] -> FF -> final norm ->
 * logits (B, V) read to the host, where the next tokens are chosen. */
#include "model/sample.h"

#include "ops/t5_ops.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void archllm_sample_default_params(archllm_sample_params *p)
{
    memset(p, 0, sizeof *p);
    p->temperature = 1.0f;
    p->top_p = 1.0f;
    p->max_len = 64;
}

static int cmp_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

int archllm_sample_token(float *z, int V, const archllm_sample_params *sp, int lo, int hi, double *e,
                         archllm_rng *rng)
{
    for (int k = 0; k < V; k++)
        if (k < lo || k >= hi) z[k] = -INFINITY;
    int best = lo;
    for (int k = lo; k < hi; k++)
        if (z[k] > z[best]) best = k;
    if (sp->temperature <= 0.0f || hi - lo == 1) return best;
    float mx = z[best];
    double sum = 0.0;
    for (int k = lo; k < hi; k++) { /* each exponential once: the three passes below reuse it */
        z[k] = (z[k] - mx) / sp->temperature; /* <= 0 */
        e[k] = exp(z[k]);
        sum += e[k];
    }
    float cut = -INFINITY; /* keep logits >= cut */
    int n = hi - lo;
    if ((sp->top_k > 0 && sp->top_k < n) || sp->top_p < 1.0f) {
        float *sorted = malloc((size_t)n * sizeof(float));
        if (sorted) {
            memcpy(sorted, z + lo, (size_t)n * sizeof(float));
            qsort(sorted, (size_t)n, sizeof(float), cmp_desc);
            int keep = n;
            if (sp->top_k > 0 && sp->top_k < keep) keep = sp->top_k;
            if (sp->top_p < 1.0f) { /* smallest prefix whose mass reaches top_p (at least one) */
                double c = 0.0;
                for (int i = 0; i < keep; i++) {
                    c += exp(sorted[i]) / sum;
                    if (c >= sp->top_p) {
                        keep = i + 1;
                        break;
                    }
                }
            }
            cut = sorted[keep - 1];
            free(sorted);
        }
    }
    double tot = 0.0;
    for (int k = lo; k < hi; k++) tot += z[k] >= cut ? e[k] : 0.0;
    double u = archllm_rng_uniform(rng) * tot, acc = 0.0;
    int last = best;
    for (int k = lo; k < hi; k++) {
        if (z[k] < cut) continue;
        acc += e[k];
        last = k;
        if (u < acc) return k;
    }
    return last;
}

#define PV(i) archllm_params_value(&m->P, (i))
#define DV(off) ((archllm_view){dbuf, (off)})
#define WV(off) ((archllm_view){m->gen_w, (off)})

/* The decoder's weights transposed, (in, out) rows beside each other for a fused projection,
 * so every step's projections are NN products (archllm_op_matmul) with no per-step
 * transposes: offsets into m->gen_w, which keeps them from call to call while the weights
 * stay the same (the search fills a few sequences a call, thousands of calls). */
typedef struct {
    size_t qkv, so, cq, co, wi, wo;
} dec_wt;

/* W_j (n_out, n_in), j < k, into m->gen_w at off as one (n_in, k*n_out) matrix; norm >= 0:
 * its rows times that RMS norm's weight, for the normed product that reads the norm's input */
static archllm_status put_wt(archllm_ctx_t *ctx, const archllm_t5 *m, size_t off, const int *w, int k, size_t n_out,
                             size_t n_in, int norm)
{
    for (int j = 0; j < k; j++) {
        archllm_view out = WV(off + (size_t)j * n_out);
        if (norm >= 0)
            ARCHLLM_TRY(archllm_op_transpose_scaled(ctx, out, (size_t)k * n_out, PV(w[j]), n_in, n_out, n_in, PV(norm)));
        else ARCHLLM_TRY(archllm_op_transpose(ctx, out, (size_t)k * n_out, PV(w[j]), n_in, n_out, n_in));
    }
    return ARCHLLM_OK;
}

archllm_status archllm_t5_generate(archllm_ctx_t *ctx, archllm_t5 *m, const int32_t *enc, const int32_t *mask,
                                   int B, int S, const archllm_sample_params *sp, int32_t *out, int *lens)
{
    const archllm_t5_config *c = &m->cfg;
    int Tm = sp->constrained ? sp->length + 1 : sp->max_len;
    if (Tm < 1) return archllm_fail(ARCHLLM_EINVAL, "generate: %d steps", Tm);
    if (sp->constrained && !(0 <= sp->lo && sp->lo < sp->hi && sp->hi <= c->vocab))
        return archllm_fail(ARCHLLM_EINVAL, "generate: allowed range [%d, %d) outside the vocabulary", sp->lo, sp->hi);
    size_t d = c->d_model, H = c->n_heads, dk = c->d_kv, I = H * dk, F = c->d_ff, V = c->vocab;
    size_t Fp = c->gated ? 2 * F : F, L = c->n_dec_layers;
    size_t Bz = (size_t)B, BH = Bz * H;
    ARCHLLM_TRY(archllm_t5_encode(ctx, m, enc, mask, B, S));

    /* decode arena: caches and one-step scratch; the transposed weights in m->gen_w (the
     * head's only when its product runs on cl/linear.cl: d x V floats, 64 MB for t5-small) */
    size_t at = 0, kc = at, vc = (at += L * BH * Tm * dk), ckv = (at += L * BH * Tm * dk);
    at += L * Bz * S * 2 * I;
    size_t h = at, ln = (at += Bz * d), rstd = (at += Bz * d), tok = (at += Bz), ctxh = (at += Bz * 3 * I);
    size_t pre = (at += Bz * I), act = (at += Bz * Fp), lg = (at += Bz * F);
    at += Bz * V;
    dec_wt wt[ARCHLLM_T5_MAX_LAYERS];
    if (L > ARCHLLM_T5_MAX_LAYERS) return archllm_fail(ARCHLLM_EINVAL, "generate: %zu decoder layers", L);
    size_t wat = 0; /* in m->gen_w */
    for (size_t l = 0; l < L; l++) {
        wt[l].qkv = wat, wt[l].so = (wat += d * 3 * I), wt[l].cq = (wat += I * d), wt[l].co = (wat += d * I);
        wt[l].wi = (wat += I * d), wt[l].wo = (wat += d * Fp);
        wat += F * d;
    }
    /* which products after a norm run as one normed product (cl/linear.cl), decided once:
     * their transposed weights take the norm's weight, and the steps follow the same flags */
    int n_qkv = archllm_op_matmul_is_own(ctx, 0, 0, Bz, 3 * I, d), n_cq = archllm_op_matmul_is_own(ctx, 0, 0, Bz, I, d);
    int n_ff = archllm_op_matmul_is_own(ctx, 0, 0, Bz, Fp, d), head_t = archllm_op_matmul_is_own(ctx, 0, 0, Bz, V, d);
    /* the routing is part of what was kept: on a GPU, batches either side of matmul_max
     * make it anew (on a CPU every product runs on cl/linear.cl) */
    int key = n_qkv | n_cq << 1 | n_ff << 2 | head_t << 3;
    size_t wt_head = wat;
    if (head_t) wat += d * V;
    cl_mem dbuf = NULL, ibuf = NULL;
    int32_t *ids = malloc(sizeof(int32_t) * ((size_t)Tm * Tm + Bz));
    float *logits = malloc(sizeof(float) * Bz * V);
    double *expz = malloc(sizeof(double) * V);
    archllm_status s = ids && logits && expz ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "generate");
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &dbuf, at * sizeof(float));
    int fresh = m->gen_w_key != key || m->gen_w_version != m->P.version || m->gen_w_n < wat;
    if (s == ARCHLLM_OK && fresh) { /* made anew: unusable until every transpose is queued */
        m->gen_w_key = -1;
        if (m->gen_w_n < wat) {
            archllm_buf_free(&m->gen_w);
            m->gen_w_n = 0;
            s = archllm_buf_alloc(ctx, &m->gen_w, wat * sizeof(float));
            if (s == ARCHLLM_OK) m->gen_w_n = wat;
        }
    }
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &ibuf, sizeof(int32_t) * ((size_t)Tm * Tm + Bz));
    if (s == ARCHLLM_OK) {
        archllm_t5_buckets(c, 0, Tm, Tm, 0, ids); /* row t: the query at position t */
        s = archllm_buf_write(ctx, ibuf, 0, ids, sizeof(int32_t) * (size_t)Tm * Tm);
    }
    size_t itok = (size_t)Tm * Tm;
    archllm_view enc_out = {m->act, m->enc_out}, imask = {m->ibuf, m->imask}, none = {NULL, 0};
    int head = c->tied ? m->shared : m->lm_head;
    /* cross-attention keys and values of every decoder layer, once: (B*S, 2I) k|v rows per
     * layer, read by attn_decode as they are; the transposed weights where they changed */
    for (size_t l = 0; s == ARCHLLM_OK && l < L; l++) {
        const archllm_t5_block_w *w = &m->dec[l];
        int kv[2] = {w->ca.k, w->ca.v}, qkv[3] = {w->sa.q, w->sa.k, w->sa.v}, wi[2] = {w->wi, w->wi1};
        s = archllm_t5_lin_fwd(ctx, m, DV(ckv + l * Bz * S * 2 * I), enc_out, Bz * S, d, kv, 2, I);
        if (!fresh) continue;
        /* the products after a norm take its weight where they run as normed products */
        int nq = n_qkv ? w->sa.ln : -1, nc = n_cq ? w->ca.ln : -1, nf = n_ff ? w->ln_ff : -1;
        if (s == ARCHLLM_OK) s = put_wt(ctx, m, wt[l].qkv, qkv, 3, I, d, nq);
        if (s == ARCHLLM_OK) s = put_wt(ctx, m, wt[l].so, &w->sa.o, 1, d, I, -1);
        if (s == ARCHLLM_OK) s = put_wt(ctx, m, wt[l].cq, &w->ca.q, 1, I, d, nc);
        if (s == ARCHLLM_OK) s = put_wt(ctx, m, wt[l].co, &w->ca.o, 1, d, I, -1);
        if (s == ARCHLLM_OK) s = put_wt(ctx, m, wt[l].wi, wi, c->gated ? 2 : 1, F, d, nf);
        if (s == ARCHLLM_OK) s = put_wt(ctx, m, wt[l].wo, &w->wo, 1, d, F, -1);
    }
    if (s == ARCHLLM_OK && fresh && head_t) s = put_wt(ctx, m, wt_head, &head, 1, V, d, m->dec_final);
    if (s == ARCHLLM_OK && fresh) m->gen_w_key = key, m->gen_w_version = m->P.version;
    archllm_rng rng;
    archllm_rng_seed(&rng, sp->seed, 0x5A3);
    int32_t *cur = ids + itok;
    for (int b = 0; b < B; b++) {
        cur[b] = c->start_id;
        lens[b] = 0;
    }
    for (size_t i = 0; i < Bz * (size_t)Tm; i++) out[i] = c->pad_id;
    int alive = B;
    float alpha = c->scale_out ? (float)(1.0 / sqrt((double)d)) : 1.0f;
    for (int t = 0; s == ARCHLLM_OK && t < Tm && alive > 0; t++) {
        size_t Lk = (size_t)t + 1;
        archllm_view row = {ibuf, (size_t)t * Tm};
        s = archllm_buf_write(ctx, ibuf, itok * 4, cur, Bz * 4);
        if (s == ARCHLLM_OK) s = archllm_op_embedding_fwd(ctx, DV(h), PV(m->shared), (archllm_view){ibuf, itok}, Bz, d, V);
        for (size_t l = 0; s == ARCHLLM_OK && l < L; l++) {
            const archllm_t5_block_w *w = &m->dec[l];
            size_t kcl = kc + l * BH * Tm * dk, vcl = vc + l * BH * Tm * dk;
#define T_(x) do { if (s == ARCHLLM_OK) s = (x); } while (0)
#define LIN(y, x, n_in, wofs, n_cols, beta) \
    T_(archllm_op_matmul(ctx, 0, 0, Bz, (n_cols), (n_in), 1.0f, DV(x), (n_in), WV(wofs), (n_cols), (beta), DV(y), (n_cols)))
/* y = epi(rmsnorm(h; g) w): one launch on cl/linear.cl's normed product where the products
 * run there, else the norm into ln and the product (and the epilogue) after it */
#define RMSLIN(normed, y, g, wofs, n_cols, ld_w, epi)                                                          \
    do {                                                                                                       \
        if (normed) {                                                                                          \
            T_(archllm_op_matmul_rms(ctx, Bz, (n_cols), d, 1.0f, DV(h), d, c->eps, WV(wofs), (ld_w), (epi),     \
                                     0.0f, DV(y), (n_cols)));                                                  \
            break;                                                                                             \
        }                                                                                                      \
        T_(archllm_op_rmsnorm_fwd(ctx, DV(ln), DV(rstd), DV(h), PV(g), Bz, d, c->eps));                        \
        if ((epi) == ARCHLLM_EPI_NONE) {                                                                       \
            LIN(y, ln, d, wofs, (n_cols), 0.0f);                                                               \
        } else {                                                                                               \
            LIN(pre, ln, d, wofs, (ld_w), 0.0f);                                                               \
            if ((epi) == ARCHLLM_EPI_GATED_GELU) T_(archllm_op_gated_gelu_fwd(ctx, DV(y), DV(pre), Bz, (n_cols))); \
            else T_(archllm_op_relu_fwd(ctx, DV(y), DV(pre), Bz * (n_cols)));                                  \
        }                                                                                                      \
    } while (0)
            /* self-attention over the cache: q|k|v rows straight into attn_decode, which
             * appends k and v to the cache; its (B, H, dk) context is the (B, I) the output
             * projection reads, added onto the residual stream h in place */
            RMSLIN(n_qkv, tok, w->sa.ln, wt[l].qkv, 3 * I, 3 * I, ARCHLLM_EPI_NONE);
            T_(archllm_op_attn_decode(ctx, DV(ctxh), DV(tok), 3 * I, DV(kcl), DV(vcl), H * Tm * dk, Tm * dk, dk,
                                      DV(tok + I), DV(tok + 2 * I), 3 * I, PV(m->dec[0].rel), row, row, B, H, Lk, dk,
                                      ARCHLLM_ATT_BIAS));
            LIN(h, ctxh, I, wt[l].so, d, 1.0f);
            /* cross-attention over the encoder */
            size_t ckl = ckv + l * Bz * S * 2 * I;
            RMSLIN(n_cq, tok, w->ca.ln, wt[l].cq, I, I, ARCHLLM_EPI_NONE);
            T_(archllm_op_attn_decode(ctx, DV(ctxh), DV(tok), I, DV(ckl), DV(ckl + I), S * 2 * I, dk, 2 * I, none, none,
                                      0, DV(0), row, imask, B, H, (size_t)S, dk, ARCHLLM_ATT_MASK));
            LIN(h, ctxh, I, wt[l].co, d, 1.0f);
            /* feed-forward: its activation fused into the normed product but for plain GELU */
            if (c->gated) RMSLIN(n_ff, act, w->ln_ff, wt[l].wi, F, Fp, ARCHLLM_EPI_GATED_GELU);
            else if (c->act == ARCHLLM_T5_RELU) RMSLIN(n_ff, act, w->ln_ff, wt[l].wi, F, Fp, ARCHLLM_EPI_RELU);
            else {
                RMSLIN(n_ff, pre, w->ln_ff, wt[l].wi, F, Fp, ARCHLLM_EPI_NONE);
                T_(archllm_op_gelu_fwd(ctx, DV(act), DV(pre), Bz * F));
            }
            LIN(h, act, F, wt[l].wo, d, 1.0f);
        }
        if (head_t) {
            T_(archllm_op_matmul_rms(ctx, Bz, V, d, alpha, DV(h), d, c->eps, WV(wt_head), V, ARCHLLM_EPI_NONE, 0.0f,
                                     DV(lg), V));
        } else {
            T_(archllm_op_rmsnorm_fwd(ctx, DV(ln), DV(rstd), DV(h), PV(m->dec_final), Bz, d, c->eps));
            T_(archllm_op_matmul(ctx, 0, 1, Bz, V, d, alpha, DV(ln), d, PV(head), d, 0.0f, DV(lg), V));
        }
        T_(archllm_buf_read(ctx, logits, dbuf, lg * 4, Bz * V * 4));
#undef RMSLIN
#undef LIN
#undef T_
        if (s != ARCHLLM_OK) break;
        for (int b = 0; b < B; b++) {
            if (lens[b] > 0 && out[(size_t)b * Tm + lens[b] - 1] == c->eos_id) { /* finished: feed pad */
                cur[b] = c->pad_id;
                continue;
            }
            int lo = 0, hi = (int)V;
            if (sp->vocab_limit > 0 && sp->vocab_limit < hi) hi = sp->vocab_limit;
            if (sp->constrained) {
                if (t < sp->length && sp->step_lo) lo = sp->step_lo[t], hi = sp->step_hi[t];
                else if (t < sp->length) lo = sp->lo, hi = sp->hi;
                else lo = c->eos_id, hi = c->eos_id + 1;
            }
            if (t < sp->min_len) logits[(size_t)b * V + (size_t)c->eos_id] = -INFINITY;
            int tkn = archllm_sample_token(logits + (size_t)b * V, (int)V, sp, lo, hi, expz, &rng);
            out[(size_t)b * Tm + t] = tkn;
            lens[b] = t + 1;
            cur[b] = tkn;
            if (tkn == c->eos_id) alive--;
        }
    }
    archllm_buf_free(&dbuf);
    archllm_buf_free(&ibuf);
    free(ids);
    free(logits);
    free(expz);
    return s;
}
