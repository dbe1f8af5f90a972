/* cases_t5.c - op cases of the transformer families (embedding, rmsnorm, attention, xent,
 * dropout, transformer) against ref/t5_ref.h, and central-difference checks of their
 * reference backwards.  Tolerances: float kernels against double-accumulating references;
 * each says what sets it. */
#include "harness.h"
#include "ops/t5_ops.h"
#include "ref/t5_ref.h"

#include <math.h>
#include <stdlib.h>

#define I32(p) ((int32_t *)(void *)(p))
#define CI32(p) ((const int32_t *)(const void *)(p))

static void set_tol(op_case *c, double atol, double rtol, double nerr)
{
    c->atol = atol;
    c->rtol = rtol;
    c->nerr = nerr;
}

/* embedding ------------------------------------------------------------------ */
/* in = {table (V, d), ids (n) i32}; s = {n, d, V} */
static void emb_init(const op_case *c, float **in, float **out)
{
    (void)out;
    for (size_t r = 0; r < c->s[0]; r++) I32(in[1])[r] = (int32_t)((r * 7 + 3) % c->s[2]);
    if (c->s[0] > 2) I32(in[1])[1] = I32(in[1])[0]; /* a repeated id: scatter-add must accumulate */
    if (c->s[3] && c->s[0] > 4) I32(in[1])[3] = -1, I32(in[1])[4] = (int32_t)c->s[2]; /* out of range: zeros */
}
static void ref_embf(const op_case *c, float **in, float **out)
{
    ref_embedding_fwd(out[0], in[0], CI32(in[1]), c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_embf(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_embedding_fwd(x, out[0], in[0], in[1], c->s[0], c->s[1], c->s[2]);
}
/* bwd: in = {dout (n, d), ids}; out = dtable (V, d) accumulating */
static void ref_embb(const op_case *c, float **in, float **out)
{
    ref_embedding_bwd(out[0], in[0], CI32(in[1]), c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_embb(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_embedding_bwd(x, out[0], in[0], in[1], c->s[0], c->s[1], c->s[2]);
}
static void mk_emb(op_case *c, int bwd, size_t n, size_t d, size_t V)
{
    harness_case(c, "", 2, 1);
    snprintf(c->name, sizeof c->name, "embedding_%s n=%zu d=%zu V=%zu", bwd ? "bwd" : "fwd", n, d, V);
    c->in_n[0] = bwd ? n * d : V * d;
    c->in_n[1] = n;
    c->in_kind[1] = TENSOR_I32;
    c->out_n[0] = bwd ? V * d : n * d;
    c->out_init = bwd;
    c->s[0] = n;
    c->s[1] = d;
    c->s[2] = V;
    c->bytes = 8.0 * n * d;
    c->init = emb_init;
    c->ref = bwd ? ref_embb : ref_embf;
    c->dev = bwd ? dev_embb : dev_embf;
    set_tol(c, 1e-6, 1e-6, 1e-7); /* a copy / a float sum in the same token order */
}

/* rmsnorm -------------------------------------------------------------------- */
/* fwd: in = {x (n, d), w (d)}; out = {y (n, d), rstd (n)}; s = {n, d} */
static void ref_rmsf(const op_case *c, float **in, float **out)
{
    ref_rmsnorm_fwd(out[0], out[1], in[0], in[1], c->s[0], c->s[1], 1e-6f);
}
static archllm_status dev_rmsf(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_rmsnorm_fwd(x, out[0], out[1], in[0], in[1], c->s[0], c->s[1], 1e-6f);
}
/* bwd: in = {x, w, dout}; out = {dx (n, d) +=, dw (d) +=}; rstd recomputed on the host */
static void rms_rstd(const op_case *c, float *const *in, float *rstd)
{
    float *y = malloc(c->s[0] * c->s[1] * sizeof(float));
    ref_rmsnorm_fwd(y, rstd, in[0], in[1], c->s[0], c->s[1], 1e-6f);
    free(y);
}
static void ref_rmsb(const op_case *c, float **in, float **out)
{
    float *rstd = malloc(c->s[0] * sizeof(float));
    rms_rstd(c, in, rstd);
    ref_rmsnorm_bwd(out[0], out[1], in[0], in[1], rstd, in[2], c->s[0], c->s[1]);
    free(rstd);
}
static archllm_status dev_rmsb(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    cl_mem r, y;
    ARCHLLM_TRY(archllm_buf_alloc(x, &r, c->s[0] * sizeof(float)));
    archllm_status s = archllm_buf_alloc(x, &y, c->s[0] * c->s[1] * sizeof(float));
    if (s == ARCHLLM_OK)
        s = archllm_op_rmsnorm_fwd(x, (archllm_view){y, 0}, (archllm_view){r, 0}, in[0], in[1], c->s[0], c->s[1],
                                   1e-6f);
    if (s == ARCHLLM_OK)
        s = archllm_op_rmsnorm_bwd(x, out[0], out[1], in[0], in[1], (archllm_view){r, 0}, in[2], c->s[0], c->s[1]);
    if (s == ARCHLLM_OK) s = archllm_ctx_finish(x);
    archllm_buf_free(&r);
    archllm_buf_free(&y);
    return s;
}
static void mk_rms(op_case *c, int bwd, size_t n, size_t d)
{
    harness_case(c, "", bwd ? 3 : 2, 2);
    snprintf(c->name, sizeof c->name, "rmsnorm_%s n=%zu d=%zu", bwd ? "bwd" : "fwd", n, d);
    c->in_n[0] = n * d;
    c->in_n[1] = d;
    c->in_n[2] = n * d;
    c->out_n[0] = n * d;
    c->out_n[1] = bwd ? d : n;
    c->out_init = bwd;
    c->s[0] = n;
    c->s[1] = d;
    c->bytes = 12.0 * n * d;
    c->flops = 4.0 * n * d;
    c->ref = bwd ? ref_rmsb : ref_rmsf;
    c->dev = bwd ? dev_rmsb : dev_rmsf;
    /* a float sum of d squares (and of n products for dw) against double sums */
    set_tol(c, 1e-5 * sqrt((double)(bwd ? n : d)), 1e-5, 1e-5);
}

/* split/merge heads ------------------------------------------------------------ */
/* s = {B, L, H, dk, ld, Lcap, l0, merge} */
static void ref_heads(const op_case *c, float **in, float **out)
{
    if (c->s[7]) ref_merge_heads(out[0], in[0], c->s[0], c->s[1], c->s[2], c->s[3], c->s[4]);
    else ref_split_heads(out[0], in[0], c->s[0], c->s[1], c->s[2], c->s[3], c->s[4], c->s[5], c->s[6]);
}
static archllm_status dev_heads(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    if (c->s[7]) return archllm_op_merge_heads(x, out[0], in[0], c->s[0], c->s[1], c->s[2], c->s[3], c->s[4]);
    return archllm_op_split_heads(x, out[0], in[0], c->s[0], c->s[1], c->s[2], c->s[3], c->s[4], c->s[5], c->s[6]);
}
static void mk_heads(op_case *c, int merge, size_t B, size_t L, size_t H, size_t dk, size_t ld, size_t Lcap,
                     size_t l0)
{
    harness_case(c, "", 1, 1);
    snprintf(c->name, sizeof c->name, "%s B=%zu L=%zu H=%zu dk=%zu ld=%zu Lcap=%zu l0=%zu",
             merge ? "merge_heads" : "split_heads", B, L, H, dk, ld, Lcap, l0);
    c->in_n[0] = merge ? B * H * L * dk : B * L * ld;
    c->out_n[0] = merge ? B * L * ld : B * H * Lcap * dk;
    c->out_init = 1; /* untouched elements (other columns, other cache rows) must survive */
    size_t s[8] = {B, L, H, dk, ld, Lcap, l0, (size_t)merge};
    memcpy(c->s, s, sizeof s);
    c->bytes = 8.0 * B * L * H * dk;
    c->ref = ref_heads;
    c->dev = dev_heads;
    set_tol(c, 0, 0, 0); /* a permutation: exact */
}

/* attention softmax ----------------------------------------------------------- */
/* in = {table (NB, H), buckets (Lq, Lk) i32, keymask (B, Lk) i32}; out = s (B, H, Lq, Lk) in place;
 * s = {B, H, Lq, Lk, flags, q0, NB} */
static void att_init(const op_case *c, float **in, float **out)
{
    (void)out;
    size_t B = c->s[0], Lq = c->s[2], Lk = c->s[3], q0 = c->s[5], NB = c->s[6];
    int bidir = !(c->s[4] & REF_ATT_CAUSAL);
    for (size_t q = 0; q < Lq; q++)
        for (size_t k = 0; k < Lk; k++)
            I32(in[1])[q * Lk + k] = ref_t5_bucket((long)k - (long)(q + q0), bidir, (int)NB, 20);
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < Lk; k++)
            I32(in[2])[b * Lk + k] = (b == 1 && k + 3 >= Lk) ? 0 : (b == 2 ? 0 : 1); /* b=2 fully masked */
    for (size_t i = 0; i < c->out_n[0]; i++) out[0][i] *= 4.0f;
}
static void ref_att(const op_case *c, float **in, float **out)
{
    ref_attn_softmax_fwd(out[0], in[0], CI32(in[1]), CI32(in[2]), c->s[0], c->s[1], c->s[2], c->s[3],
                         (unsigned)c->s[4], c->s[5]);
}
static archllm_status dev_att(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_attn_softmax_fwd(x, out[0], in[0], in[1], in[2], c->s[0], c->s[1], c->s[2], c->s[3],
                                       (unsigned)c->s[4], c->s[5]);
}
static void mk_att(op_case *c, size_t B, size_t H, size_t Lq, size_t Lk, unsigned flags, size_t q0)
{
    harness_case(c, "", 3, 1);
    snprintf(c->name, sizeof c->name, "attn_softmax_fwd B=%zu H=%zu Lq=%zu Lk=%zu flags=%u q0=%zu", B, H, Lq, Lk,
             flags, q0);
    size_t NB = 8;
    c->in_n[0] = NB * H;
    c->in_n[1] = Lq * Lk;
    c->in_kind[1] = TENSOR_I32;
    c->in_n[2] = B * Lk;
    c->in_kind[2] = TENSOR_I32;
    c->out_n[0] = B * H * Lq * Lk;
    c->out_init = 1;
    size_t s[8] = {B, H, Lq, Lk, flags, q0, NB, 0};
    memcpy(c->s, s, sizeof s);
    c->bytes = 8.0 * B * H * Lq * Lk;
    c->init = att_init;
    c->ref = ref_att;
    c->dev = dev_att;
    set_tol(c, 1e-6, 1e-5, 1e-6); /* float exp and a float row sum of Lk terms vs double */
}
/* bwd: in = {p (rows, Lk)}; out = dp in place */
static void attb_init(const op_case *c, float **in, float **out)
{
    (void)out;
    for (size_t r = 0; r < c->s[0]; r++) { /* rows of a distribution */
        double sum = 0;
        for (size_t k = 0; k < c->s[1]; k++) sum += (in[0][r * c->s[1] + k] = fabsf(in[0][r * c->s[1] + k]));
        for (size_t k = 0; k < c->s[1]; k++) in[0][r * c->s[1] + k] /= (float)sum;
    }
}
static void ref_attb(const op_case *c, float **in, float **out) { ref_attn_softmax_bwd(out[0], in[0], c->s[0], c->s[1]); }
static archllm_status dev_attb(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_attn_softmax_bwd(x, out[0], in[0], c->s[0], c->s[1]);
}
/* bias reduce: in = {ds (B, H, Lq, Lk)}, out = acc (H, Lq, Lk) +=; s = {B, H, Lq, Lk} */
static void ref_bred(const op_case *c, float **in, float **out)
{
    ref_attn_bias_reduce(out[0], in[0], c->s[0], c->s[1], c->s[2], c->s[3]);
}
static archllm_status dev_bred(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_attn_bias_reduce(x, out[0], in[0], c->s[0], c->s[1], c->s[2], c->s[3]);
}
/* bias bwd: in = {acc (H, Lq, Lk), buckets (Lq, Lk)}; out = dtable (NB, H) +=; s = {NB, H, Lq, Lk} */
static void bbwd_init(const op_case *c, float **in, float **out)
{
    (void)out;
    for (size_t q = 0; q < c->s[2]; q++)
        for (size_t k = 0; k < c->s[3]; k++)
            I32(in[1])[q * c->s[3] + k] = ref_t5_bucket((long)k - (long)q, 1, (int)c->s[0], 20);
}
static void ref_bbwd(const op_case *c, float **in, float **out)
{
    ref_attn_bias_bwd(out[0], in[0], CI32(in[1]), c->s[0], c->s[1], c->s[2], c->s[3]);
}
static archllm_status dev_bbwd(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_attn_bias_bwd(x, out[0], in[0], in[1], c->s[0], c->s[1], c->s[2], c->s[3]);
}

/* attn_decode, as the sampler calls it: q read from projection rows of ldq = 3 H dk (self,
 * with the step's key and value appended from the same rows) or H dk + 5 (cross, no
 * append).  Keys and values in the (B, H, Lcap, dk) cache, or (rows) as the encoder's k|v
 * projection (B, Lcap, 2 H dk), the values read at offset H dk.
 * in = {rows (B, ldq), table (NB,H), bucket row (Lk) i32, keymask (B,Lk) i32};
 * out = {ctx (B,H,dk), kc, vc, caches updated in place};
 * s = {B, H, Lk, dk, Lcap, flags, append, rows} */
static size_t dec_ldq(const op_case *c) { return c->s[6] ? 3 * c->s[1] * c->s[3] : c->s[1] * c->s[3] + 5; }
static void dec_layout(const op_case *c, size_t *cb, size_t *ch, size_t *cs, size_t *voff)
{
    size_t H = c->s[1], dk = c->s[3], Lcap = c->s[4], I = H * dk;
    if (c->s[7]) *cb = Lcap * 2 * I, *ch = dk, *cs = 2 * I, *voff = I;
    else *cb = H * Lcap * dk, *ch = Lcap * dk, *cs = dk, *voff = 0;
}
static void dec_init(const op_case *c, float **in, float **out)
{
    (void)out;
    size_t B = c->s[0], Lk = c->s[2];
    for (size_t k = 0; k < Lk; k++) I32(in[2])[k] = ref_t5_bucket((long)k - (long)(Lk - 1), 0, 8, 20);
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < Lk; k++) /* b 0: the first key masked; b 1: every third; b 2: all */
            I32(in[3])[b * Lk + k] = !(b == 0 && k == 0 && Lk > 1) && !(b == 1 && k % 3 == 2) && b != 2;
}
static void ref_dec(const op_case *c, float **in, float **out)
{
    size_t I = c->s[1] * c->s[3], ldq = dec_ldq(c), cb, ch, cs, vo;
    dec_layout(c, &cb, &ch, &cs, &vo);
    const float *kn = c->s[6] ? in[0] + I : NULL, *vn = c->s[6] ? in[0] + 2 * I : NULL;
    ref_attn_decode(out[0], in[0], ldq, out[1], out[2] + vo, cb, ch, cs, kn, vn, ldq, in[1], CI32(in[2]),
                    CI32(in[3]), c->s[0], c->s[1], c->s[2], c->s[3], (unsigned)c->s[5]);
}
static archllm_status dev_dec(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    size_t I = c->s[1] * c->s[3], ldq = dec_ldq(c), cb, ch, cs, vo;
    dec_layout(c, &cb, &ch, &cs, &vo);
    archllm_view none = {NULL, 0}, kn = c->s[6] ? (archllm_view){in[0].buf, in[0].off + I} : none,
                 vn = c->s[6] ? (archllm_view){in[0].buf, in[0].off + 2 * I} : none;
    return archllm_op_attn_decode(x, out[0], in[0], ldq, out[1], (archllm_view){out[2].buf, out[2].off + vo}, cb, ch,
                                  cs, kn, vn, ldq, in[1], in[2], in[3], c->s[0], c->s[1], c->s[2], c->s[3],
                                  (unsigned)c->s[5]);
}
static void mk_dec(op_case *c, size_t B, size_t H, size_t Lk, size_t dk, size_t Lcap, unsigned flags, int append,
                   int rows)
{
    harness_case(c, "", 4, 3);
    snprintf(c->name, sizeof c->name, "attn_decode B=%zu H=%zu Lk=%zu dk=%zu Lcap=%zu flags=%u%s%s", B, H, Lk, dk,
             Lcap, flags, append ? " append" : "", rows ? " k|v rows" : "");
    size_t s[8] = {B, H, Lk, dk, Lcap, flags, (size_t)append, (size_t)rows};
    memcpy(c->s, s, sizeof s);
    c->in_n[0] = B * dec_ldq(c);
    c->in_n[1] = 8 * H;
    c->in_n[2] = Lk;
    c->in_kind[2] = TENSOR_I32;
    c->in_n[3] = B * Lk;
    c->in_kind[3] = TENSOR_I32;
    c->out_n[0] = B * H * dk;
    c->out_n[1] = c->out_n[2] = B * H * Lcap * dk * (rows ? 2 : 1);
    c->out_init = 1;
    c->flops = 4.0 * B * H * Lk * dk;
    c->init = dec_init;
    c->ref = ref_dec;
    c->dev = dev_dec;
    set_tol(c, 2e-6, 2e-5, 2e-6); /* float dots of dk terms and a float sum of Lk exps vs double */
}

/* fused attention ------------------------------------------------------------- */
/* The projection layout as t5.c has it: self-attention reads q|k|v interleaved from one
 * (B*L, 3I) input, cross-attention q (B*Lq, I) and k|v (B*Lk, 2I); the context is written
 * with a row stride ldo = I + 3 (columns beyond I must survive).  s = {B, H, Lq, Lk, dk,
 * flags, cross, kind}: the launch shape (ARCHLLM_ATT_SHAPE_*), both run on any device; ds is
 * asked for where there is a bias.
 * fwd: in = {qkv | q, kv (cross), table (NB, H), buckets (Lq, Lk) i32, keymask (B, Lk) i32};
 *      out = {ctx (B*Lq, ldo), p (B, H, Lq, Lk)}
 * bwd: in = {qkv | q, kv, table, buckets, keymask, dout (B*Lq, ldo), p, ctx} with p and ctx
 *      made by the reference forward (the kernel reads both); out = {dqkv | dq, dkv, ds} */
#define FA_NB 8
typedef struct {
    size_t B, H, Lq, Lk, dk, I, ldq, ldkv, ldo;
    unsigned flags;
    int cross;
} fa_dims;
static fa_dims fa_get(const op_case *c)
{
    fa_dims f = {c->s[0], c->s[1], c->s[2], c->s[3], c->s[4], c->s[1] * c->s[4], 0, 0, 0, (unsigned)c->s[5],
                 (int)c->s[6]};
    f.ldq = f.cross ? f.I : 3 * f.I;
    f.ldkv = f.cross ? 2 * f.I : 3 * f.I;
    f.ldo = f.I + 3;
    return f;
}
/* q, k, v of the case inside its input arrays */
static void fa_qkv(const fa_dims *f, float **in, const float **q, const float **k, const float **v)
{
    *q = in[0];
    *k = f->cross ? in[1] : in[0] + f->I;
    *v = f->cross ? in[1] + f->I : in[0] + 2 * f->I;
}
static void fa_views(const fa_dims *f, const archllm_view *in, archllm_view *q, archllm_view *k, archllm_view *v)
{
    *q = in[0];
    *k = f->cross ? in[1] : (archllm_view){in[0].buf, in[0].off + f->I};
    *v = f->cross ? (archllm_view){in[1].buf, in[1].off + f->I} : (archllm_view){in[0].buf, in[0].off + 2 * f->I};
}
static void fa_init(const op_case *c, float **in, float **out)
{
    (void)out;
    fa_dims f = fa_get(c);
    int bidir = !(f.flags & REF_ATT_CAUSAL);
    for (size_t q = 0; q < f.Lq; q++)
        for (size_t k = 0; k < f.Lk; k++) I32(in[3])[q * f.Lk + k] = ref_t5_bucket((long)k - (long)q, bidir, FA_NB, 20);
    for (size_t b = 0; b < f.B; b++)
        for (size_t k = 0; k < f.Lk; k++) /* b = 1: the last 3 keys padding; b = 2: all (a uniform row) */
            I32(in[4])[b * f.Lk + k] = (b == 1 && k + 3 >= f.Lk && k > 0) ? 0 : (b == 2 ? 0 : 1);
    /* scores of a few units, so that rows are neither flat nor one-hot */
    for (size_t i = 0; i < c->in_n[0]; i++) in[0][i] *= 1.5f;
    if (f.cross)
        for (size_t i = 0; i < c->in_n[1]; i++) in[1][i] *= 1.5f;
    for (size_t i = 0; i < c->in_n[2]; i++) in[2][i] *= 2.0f;
    if (c->n_in > 5) { /* backward: p and ctx from the reference forward */
        const float *q, *k, *v;
        fa_qkv(&f, in, &q, &k, &v);
        ref_attn_fused_fwd(in[7], f.ldo, in[6], q, f.ldq, k, v, f.ldkv, in[2], CI32(in[3]), CI32(in[4]), f.B, f.H,
                           f.Lq, f.Lk, f.dk, f.flags);
    }
}
static void ref_faf(const op_case *c, float **in, float **out)
{
    fa_dims f = fa_get(c);
    const float *q, *k, *v;
    fa_qkv(&f, in, &q, &k, &v);
    ref_attn_fused_fwd(out[0], f.ldo, out[1], q, f.ldq, k, v, f.ldkv, in[2], CI32(in[3]), CI32(in[4]), f.B, f.H,
                       f.Lq, f.Lk, f.dk, f.flags);
}
static archllm_status dev_faf(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    fa_dims f = fa_get(c);
    archllm_view q, k, v;
    fa_views(&f, in, &q, &k, &v);
    return archllm_op_attn_fused_fwd_kind(x, out[0], f.ldo, out[1], q, f.ldq, k, v, f.ldkv, in[2], in[3], in[4], f.B,
                                          f.H, f.Lq, f.Lk, f.dk, f.flags, (int)c->s[7]);
}
static void ref_fab(const op_case *c, float **in, float **out)
{
    fa_dims f = fa_get(c);
    const float *q, *k, *v;
    fa_qkv(&f, in, &q, &k, &v);
    float *dq = out[0], *dk = f.cross ? out[1] : out[0] + f.I, *dv = f.cross ? out[1] + f.I : out[0] + 2 * f.I;
    ref_attn_fused_bwd(dq, dk, dv, (f.flags & REF_ATT_BIAS) ? out[c->n_out - 1] : NULL, in[5], f.ldo, in[6], q, f.ldq, k, v, f.ldkv,
                       f.B, f.H, f.Lq, f.Lk, f.dk);
}
static archllm_status dev_fab(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    fa_dims f = fa_get(c);
    archllm_view q, k, v, dq, dk, dv, none = {NULL, 0};
    fa_views(&f, in, &q, &k, &v);
    fa_views(&f, out, &dq, &dk, &dv);
    return archllm_op_attn_fused_bwd_kind(x, dq, dk, dv, (f.flags & REF_ATT_BIAS) ? out[c->n_out - 1] : none, in[5],
                                          in[7], f.ldo, in[6], q, f.ldq, k, v, f.ldkv, f.B, f.H, f.Lq, f.Lk, f.dk,
                                          (int)c->s[7]);
}
static void mk_fa(op_case *c, int bwd, size_t B, size_t H, size_t Lq, size_t Lk, size_t dk, unsigned flags,
                  int cross, int kind)
{
    static const char *shape[3] = {"", " cpu-shape", " gpu-shape"};
    harness_case(c, "", bwd ? 8 : 5, bwd ? (cross ? 3 : 2) : 2);
    snprintf(c->name, sizeof c->name, "attn_fused_%s %s B=%zu H=%zu Lq=%zu Lk=%zu dk=%zu flags=%u%s",
             bwd ? "bwd" : "fwd", cross ? "cross" : "self", B, H, Lq, Lk, dk, flags, shape[kind]);
    size_t s[8] = {B, H, Lq, Lk, dk, flags, (size_t)cross, (size_t)kind};
    memcpy(c->s, s, sizeof s);
    fa_dims f = fa_get(c);
    c->in_n[0] = B * Lq * f.ldq;
    c->in_n[1] = cross ? B * Lk * f.ldkv : 1;
    c->in_n[2] = FA_NB * H;
    c->in_n[3] = Lq * Lk;
    c->in_kind[3] = TENSOR_I32;
    c->in_n[4] = B * Lk;
    c->in_kind[4] = TENSOR_I32;
    if (bwd) {
        c->in_n[5] = c->in_n[7] = B * Lq * f.ldo;
        c->in_n[6] = B * H * Lq * Lk;
        c->out_n[0] = B * Lq * f.ldq;
        if (cross) c->out_n[1] = B * Lk * f.ldkv;
        c->out_n[c->n_out - 1] = B * H * Lq * Lk;
    } else {
        c->out_n[0] = B * Lq * f.ldo;
        c->out_n[1] = B * H * Lq * Lk;
    }
    c->out_init = 1; /* the context's spare columns, and ds when not asked for, must survive */
    double n_mm = bwd ? 4.0 : 2.0;
    c->flops = 2.0 * n_mm * B * H * Lq * Lk * dk;
    c->bytes = 4.0 * (B * Lq * f.ldq + (cross ? B * Lk * f.ldkv : 0) + B * H * Lq * Lk +
                      B * Lq * f.I) * (bwd ? 2.0 : 1.0);
    c->init = fa_init;
    c->ref = bwd ? ref_fab : ref_faf;
    c->dev = bwd ? dev_fab : dev_faf;
    /* float dots of dk (and Lk, Lq) terms, float exp and row sums against double: scores of a
     * few units carry float rounding ~ sqrt(dk) ulps into p; measured worst 1.1e-6 at dk 16,
     * L 10 and 6.9e-6 at dk 64, L 64 (dk, L 64: a dot of 64 terms of the bwd's dQ) */
    double L = (double)(Lq > Lk ? Lq : Lk);
    set_tol(c, 3e-6 * fmax(1.0, sqrt((double)dk * L) / 16.0), 2e-5, 2e-6);
}

/* xent ------------------------------------------------------------------------ */
/* in = {labels (n) i32}; out = {x (n, V) in place, losses (n)}; s = {n, V}; f = {scale} */
static void xent_init(const op_case *c, float **in, float **out)
{
    for (size_t r = 0; r < c->s[0]; r++) I32(in[0])[r] = (r % 5 == 3) ? -100 : (int32_t)((r * 13 + 1) % c->s[1]);
    /* V < 8: logits in [-2, 2], so no row is confident (loss, gradient >= ~0.018) whatever the
     * shared random stream draws; a single near-zero loss (lse - z, two nearly equal floats)
     * would fail the normalized-error check while every element is within atol */
    float k = c->s[1] < 8 ? 2.0f : 8.0f;
    for (size_t i = 0; i < c->out_n[0]; i++) out[0][i] *= k;
}
static void ref_xent(const op_case *c, float **in, float **out)
{
    ref_xent_fwd_bwd(out[0], out[1], CI32(in[0]), c->s[0], c->s[1], c->f[0]);
}
static archllm_status dev_xent(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_xent_fwd_bwd_kind(x, out[0], out[1], in[0], c->s[0], c->s[1], c->f[0], (int)c->s[2]);
}
static void mk_xent(op_case *c, size_t n, size_t V, int groups)
{
    harness_case(c, "", 1, 2);
    snprintf(c->name, sizeof c->name, "xent_fwd_bwd%s n=%zu V=%zu", groups ? "_wg" : "", n, V);
    c->s[2] = (size_t)groups;
    c->in_n[0] = n;
    c->in_kind[0] = TENSOR_I32;
    c->out_n[0] = n * V;
    c->out_n[1] = n;
    c->out_init = 1;
    c->s[0] = n;
    c->s[1] = V;
    c->f[0] = 1.0f / (float)n;
    c->bytes = 12.0 * n * V;
    c->flops = 5.0 * n * V;
    c->init = xent_init;
    c->ref = ref_xent;
    c->dev = dev_xent;
    /* float exp/log and a float sum of V terms vs double: losses of a few units to ~1e-6 relative */
    set_tol(c, 1e-6 * sqrt((double)V) / (double)n + 1e-7, 2e-5, 2e-5);
    /* V = 2: loss (lse - z) and gradient (p - 1) are differences of nearly equal floats; with
     * the bounded logits of xent_init the whole-output error stays well under 2e-4 relative */
    if (V < 8) c->nerr = 2e-4;
}

/* dropout --------------------------------------------------------------------- */
/* fwd: in = {x}; out = {y}; bwd: in = {dout}; out = {din +=}; s = {n, bwd}; f = {p}; seed fixed */
static void ref_drop(const op_case *c, float **in, float **out)
{
    if (c->s[1]) ref_dropout_bwd(out[0], in[0], c->s[0], c->f[0], 0xC0FFEEu);
    else ref_dropout_fwd(out[0], in[0], c->s[0], c->f[0], 0xC0FFEEu);
}
static archllm_status dev_drop(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    if (c->s[1]) return archllm_op_dropout_bwd(x, out[0], in[0], c->s[0], c->f[0], 0xC0FFEEu);
    return archllm_op_dropout_fwd(x, out[0], in[0], c->s[0], c->f[0], 0xC0FFEEu);
}
static void mk_drop(op_case *c, int bwd, size_t n, float p)
{
    harness_case(c, "", 1, 1);
    snprintf(c->name, sizeof c->name, "dropout_%s n=%zu p=%g", bwd ? "bwd" : "fwd", n, p);
    c->in_n[0] = c->out_n[0] = n;
    c->out_init = bwd;
    c->s[0] = n;
    c->s[1] = (size_t)bwd;
    c->f[0] = p;
    c->bytes = 8.0 * n;
    c->ref = ref_drop;
    c->dev = dev_drop;
    set_tol(c, 1e-7, 1e-6, 1e-7); /* the same mask bit for bit; one float multiply */
}

/* gated GELU ------------------------------------------------------------------ */
static void ref_gg(const op_case *c, float **in, float **out)
{
    if (c->s[2]) ref_gated_gelu_bwd(out[0], in[0], in[1], c->s[0], c->s[1]);
    else ref_gated_gelu_fwd(out[0], in[0], c->s[0], c->s[1]);
}
static archllm_status dev_gg(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    if (c->s[2]) return archllm_op_gated_gelu_bwd(x, out[0], in[0], in[1], c->s[0], c->s[1]);
    return archllm_op_gated_gelu_fwd(x, out[0], in[0], c->s[0], c->s[1]);
}
static void mk_gg(op_case *c, int bwd, size_t n, size_t f)
{
    harness_case(c, "", bwd ? 2 : 1, 1);
    snprintf(c->name, sizeof c->name, "gated_gelu_%s n=%zu f=%zu", bwd ? "bwd" : "fwd", n, f);
    c->in_n[0] = 2 * n * f;
    c->in_n[1] = n * f;
    c->out_n[0] = bwd ? 2 * n * f : n * f;
    c->s[0] = n;
    c->s[1] = f;
    c->s[2] = (size_t)bwd;
    c->bytes = 16.0 * n * f;
    c->ref = ref_gg;
    c->dev = dev_gg;
    set_tol(c, 1e-6, 1e-5, 1e-6); /* float tanh vs double: 1-2 ulp */
}

int cases_t5(op_case *cases, int cap, int perf)
{
    int n = 0;
#define ADD(call) HARNESS_ADD(n, cap, call)
    if (perf) {
        ADD(mk_emb(&cases[n], 0, 8192, 512, 32128));
        ADD(mk_rms(&cases[n], 0, 8192, 512));
        ADD(mk_rms(&cases[n], 1, 8192, 512));
        ADD(mk_rms(&cases[n], 1, 5000, 64)); /* nb201-default's T5 at batch 500 */
        ADD(mk_att(&cases[n], 32, 8, 32, 32, REF_ATT_BIAS | REF_ATT_MASK, 0));
        for (int bwd = 0; bwd < 2; bwd++) { /* nb201-default's T5 at batch 64; t5-small at S = 32 */
            ADD(mk_fa(&cases[n], bwd, 64, 4, 10, 10, 16, REF_ATT_BIAS | REF_ATT_MASK, 0, ARCHLLM_ATT_SHAPE_AUTO));
            ADD(mk_fa(&cases[n], bwd, 64, 4, 10, 9, 16, REF_ATT_MASK, 1, ARCHLLM_ATT_SHAPE_AUTO));
            ADD(mk_fa(&cases[n], bwd, 32, 8, 32, 32, 64, REF_ATT_BIAS | REF_ATT_MASK, 0, ARCHLLM_ATT_SHAPE_AUTO));
        }
        ADD(mk_xent(&cases[n], 1024, 32128, 0));
        ADD(mk_xent(&cases[n], 1024, 32128, 1));
        ADD(mk_gg(&cases[n], 0, 8192, 1024));
        ADD(mk_drop(&cases[n], 0, 1 << 22, 0.1f));
        return n;
    }
    ADD(mk_emb(&cases[n], 0, 37, 19, 11));
    ADD(mk_emb(&cases[n], 1, 37, 19, 11));
    for (int d = 0; d < 2; d++) { /* 4 blocks of 16 columns, and a tail alone; ids out of range */
        ADD(mk_emb(&cases[n], 0, 23, d ? 5 : 64, 9));
        cases[n - 1].s[3] = 1;
        snprintf(cases[n - 1].name, sizeof cases[n - 1].name, "embedding_fwd n=23 d=%d V=9 out-of-range ids", d ? 5 : 64);
    }
    ADD(mk_rms(&cases[n], 0, 1, 1));
    ADD(mk_rms(&cases[n], 0, 33, 70));
    ADD(mk_rms(&cases[n], 1, 33, 70));
    ADD(mk_rms(&cases[n], 1, 600, 64));   /* the weight's gradient in 3 parts of rows, the last short */
    ADD(mk_rms(&cases[n], 1, 301, 21));   /* 2 parts; 16 columns, then 5 single */
    ADD(mk_rms(&cases[n], 1, 17000, 3));  /* over the 64 parts' cap: 266 rows a part */
    ADD(mk_heads(&cases[n], 0, 3, 5, 4, 6, 3 * 24, 5, 0));  /* from a fused (q|k|v) GEMM output */
    ADD(mk_heads(&cases[n], 0, 2, 1, 3, 4, 12, 9, 6));      /* one decoding step into a KV cache */
    ADD(mk_heads(&cases[n], 1, 3, 5, 4, 6, 3 * 24, 0, 0));
    ADD(mk_att(&cases[n], 3, 2, 7, 7, REF_ATT_BIAS | REF_ATT_MASK, 0));
    ADD(mk_att(&cases[n], 3, 2, 7, 7, REF_ATT_BIAS | REF_ATT_CAUSAL, 0));
    ADD(mk_att(&cases[n], 3, 2, 5, 9, REF_ATT_MASK, 0));
    ADD(mk_att(&cases[n], 3, 2, 1, 9, REF_ATT_BIAS | REF_ATT_CAUSAL, 6)); /* decoding step at t=6 */
    if (n < cap) {
        op_case *c = harness_case(&cases[n], "attn_softmax_bwd rows=29 Lk=13", 1, 1);
        c->in_n[0] = c->out_n[0] = 29 * 13;
        c->out_init = 1;
        c->s[0] = 29;
        c->s[1] = 13;
        c->init = attb_init;
        c->ref = ref_attb;
        c->dev = dev_attb;
        set_tol(c, 1e-6, 1e-5, 1e-6); /* float dot of Lk terms vs double */
        n++;
    }
    if (n < cap) {
        op_case *c = harness_case(&cases[n], "attn_bias_reduce B=5 H=3 Lq=7 Lk=6", 1, 1);
        c->in_n[0] = 5 * 3 * 7 * 6;
        c->out_n[0] = 3 * 7 * 6;
        c->out_init = 1;
        size_t s[8] = {5, 3, 7, 6, 0, 0, 0, 0};
        memcpy(c->s, s, sizeof s);
        c->ref = ref_bred;
        c->dev = dev_bred;
        set_tol(c, 1e-6, 1e-5, 1e-6); /* float sum of B terms */
        n++;
    }
    if (n < cap) {
        op_case *c = harness_case(&cases[n], "attn_bias_bwd NB=8 H=3 Lq=11 Lk=11", 2, 1);
        c->in_n[0] = 3 * 11 * 11;
        c->in_n[1] = 11 * 11;
        c->in_kind[1] = TENSOR_I32;
        c->out_n[0] = 8 * 3;
        c->out_init = 1;
        size_t s[8] = {8, 3, 11, 11, 0, 0, 0, 0};
        memcpy(c->s, s, sizeof s);
        c->init = bbwd_init;
        c->ref = ref_bbwd;
        c->dev = dev_bbwd;
        set_tol(c, 1e-5, 1e-5, 1e-6); /* a float sum of up to Lq*Lk terms, same order */
        n++;
    }
    ADD(mk_dec(&cases[n], 3, 2, 1, 5, 4, REF_ATT_BIAS, 1, 0));
    ADD(mk_dec(&cases[n], 3, 2, 7, 16, 9, REF_ATT_BIAS, 1, 0));  /* self-attention step 7 of a 9-row cache */
    ADD(mk_dec(&cases[n], 3, 2, 9, 16, 9, REF_ATT_BIAS, 0, 0));  /* the same without the append */
    ADD(mk_dec(&cases[n], 3, 3, 11, 8, 11, REF_ATT_MASK, 0, 1)); /* cross-attention, b=2 fully masked */
    ADD(mk_dec(&cases[n], 2, 2, 5, 6, 7, REF_ATT_MASK, 0, 1));   /* dk not a multiple of 4: scalar dots */
    /* dk 16 / 64 with masked keys before and after the first kept one; dk 200: the context
     * in two blocks of columns */
    ADD(mk_dec(&cases[n], 3, 3, 11, 16, 11, REF_ATT_MASK, 0, 1));
    ADD(mk_dec(&cases[n], 2, 2, 6, 64, 8, REF_ATT_BIAS | REF_ATT_MASK, 1, 0));
    ADD(mk_dec(&cases[n], 2, 2, 5, 200, 6, REF_ATT_BIAS | REF_ATT_MASK, 1, 0));
    /* fused attention: self (bias + padding mask; bias + causal), cross (mask only); L = 1, odd
     * sizes, 10 (the default configs), 64 (the limit) with d_kv 64; several heads; in both
     * launch shapes */
    for (int i = 0; i < 4; i++) {
        int bwd = i & 1, kind = i < 2 ? ARCHLLM_ATT_SHAPE_CPU : ARCHLLM_ATT_SHAPE_GPU;
        ADD(mk_fa(&cases[n], bwd, 3, 2, 7, 7, 5, REF_ATT_BIAS | REF_ATT_MASK, 0, kind));
        ADD(mk_fa(&cases[n], bwd, 3, 2, 7, 7, 5, REF_ATT_BIAS | REF_ATT_CAUSAL, 0, kind));
        ADD(mk_fa(&cases[n], bwd, 3, 3, 5, 9, 6, REF_ATT_MASK, 1, kind));
        ADD(mk_fa(&cases[n], bwd, 2, 2, 1, 1, 3, REF_ATT_BIAS | REF_ATT_CAUSAL, 0, kind));
        ADD(mk_fa(&cases[n], bwd, 3, 2, 1, 11, 4, REF_ATT_MASK, 1, kind));
        ADD(mk_fa(&cases[n], bwd, 4, 4, 10, 10, 16, REF_ATT_BIAS | REF_ATT_MASK, 0, kind));
        ADD(mk_fa(&cases[n], bwd, 4, 4, 10, 10, 16, REF_ATT_BIAS | REF_ATT_CAUSAL, 0, kind));
        ADD(mk_fa(&cases[n], bwd, 4, 4, 10, 9, 16, REF_ATT_MASK, 1, kind));
        ADD(mk_fa(&cases[n], bwd, 3, 2, 64, 64, 64, REF_ATT_BIAS | REF_ATT_MASK, 0, kind));
        ADD(mk_fa(&cases[n], bwd, 3, 2, 64, 64, 64, REF_ATT_BIAS | REF_ATT_CAUSAL, 0, kind));
        ADD(mk_fa(&cases[n], bwd, 3, 3, 63, 64, 33, REF_ATT_MASK, 1, kind));
    }
    /* ... and in the context's tuned shape (the defaults unless a tuning file says otherwise:
     * tests/test_tune.sh runs these with non-default ones) */
    for (int bwd = 0; bwd < 2; bwd++) {
        ADD(mk_fa(&cases[n], bwd, 3, 2, 7, 7, 5, REF_ATT_BIAS | REF_ATT_CAUSAL, 0, ARCHLLM_ATT_SHAPE_AUTO));
        ADD(mk_fa(&cases[n], bwd, 4, 4, 10, 10, 16, REF_ATT_BIAS | REF_ATT_MASK, 0, ARCHLLM_ATT_SHAPE_AUTO));
        ADD(mk_fa(&cases[n], bwd, 4, 4, 10, 9, 16, REF_ATT_MASK, 1, ARCHLLM_ATT_SHAPE_AUTO));
    }
    ADD(mk_xent(&cases[n], 1, 2, 0));
    ADD(mk_xent(&cases[n], 21, 517, 0));
    ADD(mk_xent(&cases[n], 1, 2, 1));
    ADD(mk_xent(&cases[n], 21, 517, 1));
    ADD(mk_drop(&cases[n], 0, 1001, 0.1f));
    ADD(mk_drop(&cases[n], 1, 1001, 0.5f));
    ADD(mk_drop(&cases[n], 0, 63, 0.0f));
    ADD(mk_gg(&cases[n], 0, 13, 29));
    ADD(mk_gg(&cases[n], 1, 13, 29));
    ADD(mk_gg(&cases[n], 0, 5, 48)); /* whole rows of GELU_VEC: the vector path */
    ADD(mk_gg(&cases[n], 1, 5, 48));
#undef ADD
    return n;
}

/* ---- gradients of the references ------------------------------------------- */

/* embedding: in = {table (V, d)}; ids fixed (r*5+1) % V with repeats */
static void g_ids(int32_t *ids, size_t n, size_t V)
{
    for (size_t r = 0; r < n; r++) ids[r] = (int32_t)((r * 5 + 1) % V);
}
static void g_emb_fwd(const grad_case *g, float **in, float *out)
{
    int32_t ids[64];
    g_ids(ids, g->s[0], g->s[2]);
    ref_embedding_fwd(out, in[0], ids, g->s[0], g->s[1], g->s[2]);
}
static void g_emb_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    (void)in;
    int32_t ids[64];
    g_ids(ids, g->s[0], g->s[2]);
    ref_embedding_bwd(din[0], dout, ids, g->s[0], g->s[1], g->s[2]);
}

/* rmsnorm: in = {x (n, d), w (d)} */
static void g_rms_fwd(const grad_case *g, float **in, float *out)
{
    float rstd[64];
    ref_rmsnorm_fwd(out, rstd, in[0], in[1], g->s[0], g->s[1], 1e-6f);
}
static void g_rms_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    float rstd[64], y[64 * 64];
    ref_rmsnorm_fwd(y, rstd, in[0], in[1], g->s[0], g->s[1], 1e-6f);
    ref_rmsnorm_bwd(din[0], din[1], in[0], in[1], rstd, dout, g->s[0], g->s[1]);
}

/* attention scores -> probabilities with bias and mask: in = {scores (B,H,Lq,Lk), table (NB,H)} */
#define GA_B 2
#define GA_H 2
#define GA_L 5
#define GA_NB 8
static void g_att_setup(int32_t *buckets, int32_t *mask)
{
    for (int q = 0; q < GA_L; q++)
        for (int k = 0; k < GA_L; k++) buckets[q * GA_L + k] = ref_t5_bucket(k - q, 1, GA_NB, 20);
    for (int b = 0; b < GA_B; b++)
        for (int k = 0; k < GA_L; k++) mask[b * GA_L + k] = !(b == 1 && k == GA_L - 1);
}
static void g_att_fwd(const grad_case *g, float **in, float *out)
{
    (void)g;
    int32_t buckets[GA_L * GA_L], mask[GA_B * GA_L];
    g_att_setup(buckets, mask);
    memcpy(out, in[0], sizeof(float) * GA_B * GA_H * GA_L * GA_L);
    ref_attn_softmax_fwd(out, in[1], buckets, mask, GA_B, GA_H, GA_L, GA_L, REF_ATT_BIAS | REF_ATT_MASK, 0);
}
static void g_att_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    enum { N = GA_B * GA_H * GA_L * GA_L };
    int32_t buckets[GA_L * GA_L], mask[GA_B * GA_L];
    float p[N], ds[N], acc[GA_H * GA_L * GA_L] = {0};
    g_att_setup(buckets, mask);
    g_att_fwd(g, in, p);
    memcpy(ds, dout, sizeof ds);
    ref_attn_softmax_bwd(ds, p, GA_B * GA_H * GA_L, GA_L);
    for (int i = 0; i < N; i++) din[0][i] += ds[i];
    ref_attn_bias_reduce(acc, ds, GA_B, GA_H, GA_L, GA_L);
    ref_attn_bias_bwd(din[1], acc, buckets, GA_NB, GA_H, GA_L, GA_L);
}

/* fused attention: in = {q (B*Lq, I), k, v (B*Lk, I), table (NB, H)}, out = ctx (B*Lq, I);
 * s = {B, H, Lq, Lk, dk, flags}; buckets fixed, the padding mask drops the last key of b = 1
 * (no fully masked row: its scores are constants, yet the backward, like Hugging Face's,
 * passes gradient through them) */
#define GF_MAX 64
static void g_fa_setup(const grad_case *g, int32_t *buckets, int32_t *mask)
{
    size_t B = g->s[0], Lq = g->s[2], Lk = g->s[3];
    for (size_t q = 0; q < Lq; q++)
        for (size_t k = 0; k < Lk; k++)
            buckets[q * Lk + k] = ref_t5_bucket((long)k - (long)q, !(g->s[5] & REF_ATT_CAUSAL), GA_NB, 20);
    for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < Lk; k++) mask[b * Lk + k] = !(b == 1 && k == Lk - 1);
}
static void g_fa_fwd(const grad_case *g, float **in, float *out)
{
    size_t B = g->s[0], H = g->s[1], Lq = g->s[2], Lk = g->s[3], dk = g->s[4], I = H * dk;
    int32_t buckets[GF_MAX], mask[GF_MAX];
    float p[4 * GF_MAX];
    g_fa_setup(g, buckets, mask);
    ref_attn_fused_fwd(out, I, p, in[0], I, in[1], in[2], I, in[3], buckets, mask, B, H, Lq, Lk, dk,
                       (unsigned)g->s[5]);
}
static void g_fa_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    size_t B = g->s[0], H = g->s[1], Lq = g->s[2], Lk = g->s[3], dk = g->s[4], I = H * dk;
    int32_t buckets[GF_MAX], mask[GF_MAX];
    float p[4 * GF_MAX], ctx[4 * GF_MAX], ds[4 * GF_MAX], acc[4 * GF_MAX] = {0};
    float dq[4 * GF_MAX], dk_[4 * GF_MAX], dv[4 * GF_MAX];
    g_fa_setup(g, buckets, mask);
    ref_attn_fused_fwd(ctx, I, p, in[0], I, in[1], in[2], I, in[3], buckets, mask, B, H, Lq, Lk, dk,
                       (unsigned)g->s[5]);
    ref_attn_fused_bwd(dq, dk_, dv, ds, dout, I, p, in[0], I, in[1], in[2], I, B, H, Lq, Lk, dk);
    for (size_t i = 0; i < B * Lq * I; i++) din[0][i] += dq[i];
    for (size_t i = 0; i < B * Lk * I; i++) {
        din[1][i] += dk_[i];
        din[2][i] += dv[i];
    }
    if (g->s[5] & REF_ATT_BIAS) {
        ref_attn_bias_reduce(acc, ds, B, H, Lq, Lk);
        ref_attn_bias_bwd(din[3], acc, buckets, GA_NB, H, Lq, Lk);
    }
}

/* xent: in = {logits (n, V)}; out = losses (n); labels fixed with an ignored row */
static void g_labels(int32_t *lab, size_t n, size_t V)
{
    for (size_t r = 0; r < n; r++) lab[r] = r == 2 ? -100 : (int32_t)((r * 3 + 1) % V);
}
static void g_xent_fwd(const grad_case *g, float **in, float *out)
{
    int32_t lab[16];
    float *x = malloc(g->in_n[0] * sizeof(float));
    memcpy(x, in[0], g->in_n[0] * sizeof(float));
    g_labels(lab, g->s[0], g->s[1]);
    ref_xent_fwd_bwd(x, out, lab, g->s[0], g->s[1], 1.0f);
    free(x);
}
static void g_xent_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    int32_t lab[16];
    float losses[16];
    float *x = malloc(g->in_n[0] * sizeof(float));
    memcpy(x, in[0], g->in_n[0] * sizeof(float));
    g_labels(lab, g->s[0], g->s[1]);
    ref_xent_fwd_bwd(x, losses, lab, g->s[0], g->s[1], 1.0f);
    for (size_t r = 0; r < g->s[0]; r++)
        for (size_t k = 0; k < g->s[1]; k++) din[0][r * g->s[1] + k] += dout[r] * x[r * g->s[1] + k];
    free(x);
}

/* dropout: in = {x}; fixed seed */
static void g_drop_fwd(const grad_case *g, float **in, float *out) { ref_dropout_fwd(out, in[0], g->s[0], 0.3f, 77u); }
static void g_drop_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    (void)in;
    ref_dropout_bwd(din[0], dout, g->s[0], 0.3f, 77u);
}

/* gated gelu: in = {(n, 2f)} */
static void g_gg_fwd(const grad_case *g, float **in, float *out) { ref_gated_gelu_fwd(out, in[0], g->s[0], g->s[1]); }
static void g_gg_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    float *tmp = calloc(g->in_n[0], sizeof(float));
    ref_gated_gelu_bwd(tmp, in[0], dout, g->s[0], g->s[1]);
    for (size_t i = 0; i < g->in_n[0]; i++) din[0][i] += tmp[i];
    free(tmp);
}

static grad_case *g_new(grad_case *g, const char *name, int n_in, size_t out_n)
{
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    g->n_in = n_in;
    g->out_n = out_n;
    return g;
}

int grads_t5(grad_case *cases, int cap)
{
    int n = 0;
    if (n < cap) {
        grad_case *g = g_new(&cases[n++], "embedding", 1, 9 * 4);
        g->in_n[0] = 7 * 4;
        g->s[0] = 9; g->s[1] = 4; g->s[2] = 7;
        g->wrt = 1;
        g->fwd = g_emb_fwd;
        g->bwd = g_emb_bwd;
    }
    if (n < cap) {
        grad_case *g = g_new(&cases[n++], "rmsnorm", 2, 5 * 12);
        g->in_n[0] = 5 * 12;
        g->in_n[1] = 12;
        g->s[0] = 5; g->s[1] = 12;
        g->wrt = 3;
        g->fwd = g_rms_fwd;
        g->bwd = g_rms_bwd;
    }
    if (n < cap) {
        grad_case *g = g_new(&cases[n++], "attn_softmax+bias", 2, GA_B * GA_H * GA_L * GA_L);
        g->in_n[0] = GA_B * GA_H * GA_L * GA_L;
        g->in_n[1] = GA_NB * GA_H;
        g->wrt = 3;
        g->fwd = g_att_fwd;
        g->bwd = g_att_bwd;
    }
    /* fused attention: self with bias and padding, causal self with bias, cross (mask only) */
    static const size_t fa[3][6] = {{2, 2, 5, 5, 3, REF_ATT_BIAS | REF_ATT_MASK},
                                    {2, 2, 5, 5, 3, REF_ATT_BIAS | REF_ATT_CAUSAL},
                                    {2, 2, 4, 6, 3, REF_ATT_MASK}};
    static const char *fa_name[3] = {"attn_fused self", "attn_fused causal", "attn_fused cross"};
    for (int i = 0; i < 3 && n < cap; i++) {
        size_t B = fa[i][0], H = fa[i][1], Lq = fa[i][2], Lk = fa[i][3], dk = fa[i][4];
        grad_case *g = g_new(&cases[n++], fa_name[i], 4, B * Lq * H * dk);
        g->in_n[0] = B * Lq * H * dk;
        g->in_n[1] = g->in_n[2] = B * Lk * H * dk;
        g->in_n[3] = GA_NB * H;
        memcpy(g->s, fa[i], sizeof fa[i]);
        g->wrt = (fa[i][5] & REF_ATT_BIAS) ? 15 : 7;
        g->fwd = g_fa_fwd;
        g->bwd = g_fa_bwd;
    }
    if (n < cap) {
        grad_case *g = g_new(&cases[n++], "xent", 1, 5);
        g->in_n[0] = 5 * 11;
        g->s[0] = 5; g->s[1] = 11;
        g->wrt = 1;
        g->fwd = g_xent_fwd;
        g->bwd = g_xent_bwd;
    }
    if (n < cap) {
        grad_case *g = g_new(&cases[n++], "dropout", 1, 50);
        g->in_n[0] = 50;
        g->s[0] = 50;
        g->wrt = 1;
        g->fwd = g_drop_fwd;
        g->bwd = g_drop_bwd;
    }
    if (n < cap) {
        grad_case *g = g_new(&cases[n++], "gated_gelu", 1, 3 * 7);
        g->in_n[0] = 3 * 14;
        g->s[0] = 3; g->s[1] = 7;
        g->wrt = 1;
        g->fwd = g_gg_fwd;
        g->bwd = g_gg_bwd;
    }
    return n;
}
