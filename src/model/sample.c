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

int archllm_sample_token(float *z, int V, const archllm_sample_params *sp, int lo, int hi, archllm_rng *rng)
{
    for (int k = 0; k < V; k++)
        if (k < lo || k >= hi) z[k] = -INFINITY;
    int best = lo;
    for (int k = lo; k < hi; k++)
        if (z[k] > z[best]) best = k;
    if (sp->temperature <= 0.0f || hi - lo == 1) return best;
    float mx = z[best];
    double sum = 0.0;
    for (int k = lo; k < hi; k++) {
        z[k] = (z[k] - mx) / sp->temperature; /* <= 0 */
        sum += exp(z[k]);
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
    for (int k = lo; k < hi; k++) tot += z[k] >= cut ? exp(z[k]) : 0.0;
    double u = archllm_rng_uniform(rng) * tot, acc = 0.0;
    int last = best;
    for (int k = lo; k < hi; k++) {
        if (z[k] < cut) continue;
        acc += exp(z[k]);
        last = k;
        if (u < acc) return k;
    }
    return last;
}

#define PV(i) archllm_params_value(&m->P, (i))
#define DV(off) ((archllm_view){dbuf, (off)})

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

    /* decode arena: caches and one-step scratch */
    size_t at = 0, kc = at, vc = (at += L * BH * Tm * dk), ck = (at += L * BH * Tm * dk), cv = (at += L * BH * S * dk);
    at += L * BH * S * dk;
    size_t h = at, ln = (at += Bz * d), rstd = (at += Bz * d), tok = (at += Bz), ctxh = (at += Bz * 3 * I);
    size_t pre = (at += Bz * I), act = (at += Bz * Fp), lg = (at += Bz * F), kvtmp = (at += Bz * V);
    at += (size_t)B * S * 2 * I;
    cl_mem dbuf = NULL, ibuf = NULL;
    int32_t *ids = malloc(sizeof(int32_t) * ((size_t)Tm * Tm + Bz));
    float *logits = malloc(sizeof(float) * Bz * V);
    archllm_status s = ids && logits ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "generate");
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &dbuf, at * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &ibuf, sizeof(int32_t) * ((size_t)Tm * Tm + Bz));
    if (s == ARCHLLM_OK) {
        archllm_t5_buckets(c, 0, Tm, Tm, 0, ids); /* row t: the query at position t */
        s = archllm_buf_write(ctx, ibuf, 0, ids, sizeof(int32_t) * (size_t)Tm * Tm);
    }
    size_t itok = (size_t)Tm * Tm;
    archllm_view enc_out = {m->act, m->enc_out}, imask = {m->ibuf, m->imask}, none = {NULL, 0};
    /* cross-attention keys and values of every decoder layer, once */
    for (size_t l = 0; s == ARCHLLM_OK && l < L; l++) {
        const archllm_t5_attn_w *w = &m->dec[l].ca;
        int kv[2] = {w->k, w->v};
        s = archllm_t5_lin_fwd(ctx, m, DV(kvtmp), enc_out, Bz * S, d, kv, 2, I);
        if (s == ARCHLLM_OK) s = archllm_op_split_heads(ctx, DV(ck + l * BH * S * dk), DV(kvtmp), B, S, H, dk, 2 * I, S, 0);
        if (s == ARCHLLM_OK)
            s = archllm_op_split_heads(ctx, DV(cv + l * BH * S * dk), DV(kvtmp + I), B, S, H, dk, 2 * I, S, 0);
    }
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
    int head = c->tied ? m->shared : m->lm_head;
    for (int t = 0; s == ARCHLLM_OK && t < Tm && alive > 0; t++) {
        size_t Lk = (size_t)t + 1;
        archllm_view row = {ibuf, (size_t)t * Tm};
        s = archllm_buf_write(ctx, ibuf, itok * 4, cur, Bz * 4);
        if (s == ARCHLLM_OK) s = archllm_op_embedding_fwd(ctx, DV(h), PV(m->shared), (archllm_view){ibuf, itok}, Bz, d, V);
        for (size_t l = 0; s == ARCHLLM_OK && l < L; l++) {
            const archllm_t5_block_w *w = &m->dec[l];
            size_t kcl = kc + l * BH * Tm * dk, vcl = vc + l * BH * Tm * dk;
            /* self-attention over the cache */
            int qkv[3] = {w->sa.q, w->sa.k, w->sa.v};
#define T_(x) do { if (s == ARCHLLM_OK) s = (x); } while (0)
            /* self-attention over the cache: q|k|v rows straight into attn_decode, which
             * appends k and v to the cache; its (B, H, dk) context is the (B, I) the output
             * projection reads, added onto the residual stream h in place */
            T_(archllm_op_rmsnorm_fwd(ctx, DV(ln), DV(rstd), DV(h), PV(w->sa.ln), Bz, d, c->eps));
            T_(archllm_t5_lin_fwd(ctx, m, DV(tok), DV(ln), Bz, d, qkv, 3, I));
            T_(archllm_op_attn_decode(ctx, DV(ctxh), DV(tok), 3 * I, DV(kcl), DV(vcl), DV(tok + I), DV(tok + 2 * I),
                                      3 * I, PV(m->dec[0].rel), row, row, B, H, Lk, dk, Tm, ARCHLLM_ATT_BIAS));
            T_(archllm_op_matmul(ctx, 0, 1, Bz, d, I, 1.0f, DV(ctxh), I, PV(w->sa.o), I, 1.0f, DV(h), d));
            /* cross-attention over the encoder */
            int q[1] = {w->ca.q};
            size_t ckl = ck + l * BH * S * dk, cvl = cv + l * BH * S * dk;
            T_(archllm_op_rmsnorm_fwd(ctx, DV(ln), DV(rstd), DV(h), PV(w->ca.ln), Bz, d, c->eps));
            T_(archllm_t5_lin_fwd(ctx, m, DV(tok), DV(ln), Bz, d, q, 1, I));
            T_(archllm_op_attn_decode(ctx, DV(ctxh), DV(tok), I, DV(ckl), DV(cvl), none, none, 0, DV(0), row, imask, B,
                                      H, (size_t)S, dk, (size_t)S, ARCHLLM_ATT_MASK));
            T_(archllm_op_matmul(ctx, 0, 1, Bz, d, I, 1.0f, DV(ctxh), I, PV(w->ca.o), I, 1.0f, DV(h), d));
            /* feed-forward */
            T_(archllm_op_rmsnorm_fwd(ctx, DV(ln), DV(rstd), DV(h), PV(w->ln_ff), Bz, d, c->eps));
            if (c->gated) {
                int wi[2] = {w->wi, w->wi1};
                T_(archllm_t5_lin_fwd(ctx, m, DV(pre), DV(ln), Bz, d, wi, 2, F));
                T_(archllm_op_gated_gelu_fwd(ctx, DV(act), DV(pre), Bz, F));
            } else {
                int wi[1] = {w->wi};
                T_(archllm_t5_lin_fwd(ctx, m, DV(pre), DV(ln), Bz, d, wi, 1, F));
                if (c->act == ARCHLLM_T5_RELU) T_(archllm_op_relu_fwd(ctx, DV(act), DV(pre), Bz * F));
                else T_(archllm_op_gelu_fwd(ctx, DV(act), DV(pre), Bz * F));
            }
            T_(archllm_op_matmul(ctx, 0, 1, Bz, d, F, 1.0f, DV(act), F, PV(w->wo), F, 1.0f, DV(h), d));
        }
        T_(archllm_op_rmsnorm_fwd(ctx, DV(ln), DV(rstd), DV(h), PV(m->dec_final), Bz, d, c->eps));
        T_(archllm_op_matmul(ctx, 0, 1, Bz, V, d, alpha, DV(ln), d, PV(head), d, 0.0f, DV(lg), V));
        T_(archllm_buf_read(ctx, logits, dbuf, lg * 4, Bz * V * 4));
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
            int tkn = archllm_sample_token(logits + (size_t)b * V, (int)V, sp, lo, hi, &rng);
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
    return s;
}
