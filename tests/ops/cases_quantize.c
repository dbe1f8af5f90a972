/* cases_quantize.c - op cases of cl/quantize.cl against src/ref/quantize.c (nearest code
 * through GEMM + argmin, gather, distances, straight-through and codebook gradients,
 * counts, EMA update), and gradient checks of the VQ loss references.
 * Sizes: s = {M, K, D}; f = {scale, beta} or {decay, threshold}. */
#include "harness.h"
#include "ops/vqvae_ops.h"
#include "ref/vqvae_ref.h"

#include <math.h>
#include <stdlib.h>

#define randu harness_randu

static void fill_idx(float *t, size_t M, size_t K)
{
    int32_t *p = (int32_t *)t;
    for (size_t m = 0; m < M; m++) p[m] = (int32_t)((randu() + 1.0f) * 0.5f * (float)K) % (int32_t)K;
}
static void fill_mask(float *t, size_t M)
{
    for (size_t m = 0; m < M; m++) t[m] = randu() > -0.5f ? 1.0f : 0.0f;
}

/* argmin: in = {z, cb}, out = {idx (i32)} */
static void ref_am(const op_case *c, float **in, float **out)
{
    ref_vq_argmin((int32_t *)out[0], in[0], in[1], c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_am(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    cl_mem scratch;
    ARCHLLM_TRY(archllm_buf_alloc(x, &scratch, archllm_op_vq_scratch(c->s[0], c->s[1]) * sizeof(float)));
    archllm_status s = archllm_op_vq_argmin(x, out[0], in[0], in[1], (archllm_view){scratch, 0}, c->s[0], c->s[1],
                                            c->s[2]);
    if (s == ARCHLLM_OK) s = archllm_ctx_finish(x);
    archllm_buf_free(&scratch);
    return s;
}
static void mk_am(op_case *c, size_t M, size_t K, size_t D)
{
    harness_case(c, "", 2, 1);
    snprintf(c->name, sizeof c->name, "vq_argmin M=%zu K=%zu D=%zu", M, K, D);
    c->s[0] = M, c->s[1] = K, c->s[2] = D;
    c->in_n[0] = M * D, c->in_n[1] = K * D, c->out_n[0] = M;
    c->out_kind[0] = TENSOR_I32;
    c->ref = ref_am, c->dev = dev_am;
    c->flops = 2.0 * M * K * D, c->bytes = 4.0 * (M * K + M * D + K * D);
}

/* ties: code k + 16 copies code k and code k + 1 code k for every k % 4 == 0 below K - 17,
 * so equal scores fall in one lane and in neighbouring ones: the lowest k must win */
static void am_ties(const op_case *c, float **in, float **out)
{
    (void)out;
    size_t K = c->s[1], D = c->s[2];
    float *cb = in[1];
    for (size_t k = 0; k + 17 < K; k += 4) {
        memcpy(cb + (k + 16) * D, cb + k * D, D * sizeof(float));
        memcpy(cb + (k + 1) * D, cb + k * D, D * sizeof(float));
    }
}
static void mk_am_ties(op_case *c, size_t M, size_t K, size_t D)
{
    mk_am(c, M, K, D);
    snprintf(c->name, sizeof c->name, "vq_argmin M=%zu K=%zu D=%zu ties", M, K, D);
    c->init = am_ties;
}

/* NaN codes (every score of theirs NaN): one inside a lane and one in the tail are skipped,
 * as the scalar scan skips them; with s[3], code 0 too (the scan starts from it: every row
 * then answers 0, as the reference) */
static void am_nans(const op_case *c, float **in, float **out)
{
    (void)out;
    size_t K = c->s[1], D = c->s[2];
    for (size_t e = 0; e < D; e++) {
        in[1][5 * D + e] = in[1][(K - 1) * D + e] = NAN;
        if (c->s[3]) in[1][e] = NAN;
    }
}
static void mk_am_nans(op_case *c, size_t M, size_t K, size_t D, int first)
{
    mk_am(c, M, K, D);
    snprintf(c->name, sizeof c->name, "vq_argmin M=%zu K=%zu D=%zu NaN codes%s", M, K, D, first ? " incl. 0" : "");
    c->s[3] = (size_t)first;
    c->init = am_nans;
}

/* gather: in = {idx, cb}, out = {zq} */
static void init_ga(const op_case *c, float **in, float **out) { (void)out; fill_idx(in[0], c->s[0], c->s[1]); }
static void ref_ga(const op_case *c, float **in, float **out)
{
    ref_vq_gather(out[0], (const int32_t *)in[0], in[1], c->s[0], c->s[2]);
}
static archllm_status dev_ga(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_vq_gather(x, out[0], in[0], in[1], c->s[0], c->s[2]);
}
static void mk_ga(op_case *c, size_t M, size_t K, size_t D)
{
    harness_case(c, "", 2, 1);
    snprintf(c->name, sizeof c->name, "vq_gather M=%zu K=%zu D=%zu", M, K, D);
    c->s[0] = M, c->s[1] = K, c->s[2] = D;
    c->in_n[0] = M, c->in_n[1] = K * D, c->out_n[0] = M * D;
    c->in_kind[0] = TENSOR_I32;
    c->init = init_ga, c->ref = ref_ga, c->dev = dev_ga;
    c->atol = c->rtol = c->nerr = 0.0; /* a copy */
    c->bytes = 8.0 * M * D;
}

/* dist, st_bwd, cb_bwd, counts: in = {z, cb, idx, mask, dzq} */
static void init_vq(const op_case *c, float **in, float **out)
{
    (void)out;
    fill_idx(in[2], c->s[0], c->s[1]);
    fill_mask(in[3], c->s[0]);
}
static void ref_di(const op_case *c, float **in, float **out)
{
    ref_vq_dist(out[0], in[0], in[1], (const int32_t *)in[2], in[3], c->s[0], c->s[2]);
}
static archllm_status dev_di(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_vq_dist(x, out[0], in[0], in[1], in[2], in[3], c->s[0], c->s[2]);
}
/* s[3]: 1 adds onto dz (from random), 0 writes it (from random too, so an add fails) */
static void ref_st(const op_case *c, float **in, float **out)
{
    if (!c->s[3]) memset(out[0], 0, c->out_n[0] * sizeof(float));
    ref_vq_st_bwd(out[0], in[0], in[1], (const int32_t *)in[2], in[3], in[4], c->f[0], c->f[1], c->s[0], c->s[2]);
}
static archllm_status dev_st(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_vq_st_bwd(x, out[0], in[0], in[1], in[2], in[3], in[4], c->f[0], c->f[1], c->s[0], c->s[2],
                                (int)c->s[3]);
}
static void ref_cb(const op_case *c, float **in, float **out)
{
    ref_vq_cb_bwd(out[0], in[0], in[1], (const int32_t *)in[2], in[3], c->f[0], c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_cb(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_vq_cb_bwd(x, out[0], in[0], in[1], in[2], in[3], c->f[0], c->s[0], c->s[1], c->s[2]);
}
static void ref_cn(const op_case *c, float **in, float **out)
{
    ref_vq_counts(out[0], (const int32_t *)in[2], in[3], c->s[0], c->s[1]);
}
static archllm_status dev_cn(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_vq_counts(x, out[0], in[2], in[3], c->s[0], c->s[1]);
}
enum { VQ_DIST, VQ_ST, VQ_CB, VQ_COUNTS, VQ_ST_SET };
static void mk_vq(op_case *c, int which, size_t M, size_t K, size_t D)
{
    static const char *names[] = {"vq_dist", "vq_st_bwd", "vq_cb_bwd", "vq_counts", "vq_st_bwd"};
    harness_case(c, "", 5, 1);
    snprintf(c->name, sizeof c->name, "%s M=%zu K=%zu D=%zu%s", names[which], M, K, D, which == VQ_ST ? " +=" : "");
    c->s[0] = M, c->s[1] = K, c->s[2] = D, c->s[3] = which == VQ_ST;
    if (which == VQ_ST_SET) which = VQ_ST;
    c->f[0] = 0.03f, c->f[1] = 0.25f;
    c->in_n[0] = M * D, c->in_n[1] = K * D, c->in_n[2] = M, c->in_n[3] = M, c->in_n[4] = M * D;
    c->in_kind[2] = TENSOR_I32;
    c->out_n[0] = which == VQ_DIST ? M : which == VQ_ST ? M * D : K * (which == VQ_CB ? D : 1);
    c->out_init = which == VQ_ST || which == VQ_CB;
    c->init = init_vq;
    c->ref = which == VQ_DIST ? ref_di : which == VQ_ST ? ref_st : which == VQ_CB ? ref_cb : ref_cn;
    c->dev = which == VQ_DIST ? dev_di : which == VQ_ST ? dev_st : which == VQ_CB ? dev_cb : dev_cn;
    c->flops = 3.0 * M * D, c->bytes = 12.0 * M * D;
    /* codebook sums over up to M rows in float, in another order than the double reference */
    c->atol = 1e-6 * sqrt((double)M), c->rtol = 1e-5, c->nerr = 1e-6;
}

/* ema: in = {z, idx, mask, restart}, out = {cb, ema_n, ema_s, counts} (cb, ema state start random) */
static void init_ema(const op_case *c, float **in, float **out)
{
    size_t M = c->s[0], K = c->s[1];
    fill_idx(in[1], M, K);
    fill_mask(in[2], M);
    int32_t *r = (int32_t *)in[3];
    for (size_t k = 0; k < K; k++) r[k] = randu() > 0.0f ? (int32_t)(k % M) : -1;
    for (size_t k = 0; k < K; k++) out[1][k] = 0.5f * (out[1][k] + 1.0f) * 0.05f; /* some below threshold */
}
static void ref_ema(const op_case *c, float **in, float **out)
{
    ref_vq_ema(out[0], out[1], out[2], out[3], in[0], (const int32_t *)in[1], in[2], (const int32_t *)in[3], c->f[0],
               c->f[1], c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_ema(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_vq_ema(x, out[0], out[1], out[2], out[3], in[0], in[1], in[2], in[3], c->f[0], c->f[1],
                             c->s[0], c->s[1], c->s[2]);
}
static void mk_ema(op_case *c, size_t M, size_t K, size_t D)
{
    harness_case(c, "", 4, 4);
    snprintf(c->name, sizeof c->name, "vq_ema M=%zu K=%zu D=%zu", M, K, D);
    c->s[0] = M, c->s[1] = K, c->s[2] = D;
    c->f[0] = 0.9f, c->f[1] = 0.02f;
    c->in_n[0] = M * D, c->in_n[1] = M, c->in_n[2] = M, c->in_n[3] = K;
    c->in_kind[1] = c->in_kind[3] = TENSOR_I32;
    c->out_n[0] = K * D, c->out_n[1] = K, c->out_n[2] = K * D, c->out_n[3] = K;
    c->out_init = 1;
    c->init = init_ema, c->ref = ref_ema, c->dev = dev_ema;
    c->flops = 2.0 * M * K, c->bytes = 4.0 * (M * D + 3 * K * D);
    /* ema_s / ema_n divides a float sum: relative error of a few ulps of the sum */
    c->atol = 1e-5 * sqrt((double)M), c->rtol = 1e-4, c->nerr = 1e-5;
}

int cases_quantize(op_case *cases, int cap, int perf)
{
    int n = 0;
    if (perf) {
        HARNESS_ADD(n, cap, mk_am(&cases[n], 1792, 512, 16));
        HARNESS_ADD(n, cap, mk_vq(&cases[n], VQ_CB, 1792, 512, 16));
        HARNESS_ADD(n, cap, mk_vq(&cases[n], VQ_COUNTS, 1792, 512, 16));
        HARNESS_ADD(n, cap, mk_ema(&cases[n], 1792, 512, 16));
        return n;
    }
    HARNESS_ADD(n, cap, mk_am(&cases[n], 1, 1, 1));
    HARNESS_ADD(n, cap, mk_am(&cases[n], 97, 37, 5));
    HARNESS_ADD(n, cap, mk_am(&cases[n], 301, 512, 16));
    HARNESS_ADD(n, cap, mk_am_ties(&cases[n], 203, 70, 3));
    HARNESS_ADD(n, cap, mk_am_nans(&cases[n], 61, 40, 3, 0));
    HARNESS_ADD(n, cap, mk_am_nans(&cases[n], 61, 40, 3, 1));
    HARNESS_ADD(n, cap, mk_ga(&cases[n], 97, 37, 5));
    for (int w = VQ_DIST; w <= VQ_ST_SET; w++) {
        HARNESS_ADD(n, cap, mk_vq(&cases[n], w, 97, 37, 5));
        HARNESS_ADD(n, cap, mk_vq(&cases[n], w, 301, 512, 16));
    }
    HARNESS_ADD(n, cap, mk_ema(&cases[n], 97, 37, 5));
    HARNESS_ADD(n, cap, mk_ema(&cases[n], 301, 512, 16));
    return n;
}

/* ---- gradients: the VQ loss sum_m dout[m] mask ||z - e||^2 for fixed codes -------------
 * in = {z, cb, idx, mask}; the commitment part (beta = 1, no upstream dzq) gives dz, the
 * codebook part gives dcb, row by row so each row carries its own dout. */
static void g_vq_init(const grad_case *g, float **in)
{
    fill_idx(in[2], g->s[0], g->s[1]);
    fill_mask(in[3], g->s[0]);
}
static void g_vq_fwd(const grad_case *g, float **in, float *out)
{
    ref_vq_dist(out, in[0], in[1], (const int32_t *)in[2], in[3], g->s[0], g->s[2]);
}
static void g_vq_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    size_t D = g->s[2];
    float zero[64] = {0};
    for (size_t m = 0; m < g->s[0]; m++) {
        const int32_t *idx = (const int32_t *)in[2] + m;
        ref_vq_st_bwd(din[0] + m * D, in[0] + m * D, in[1], idx, in[3] + m, zero, dout[m], 1.0f, 1, D);
        ref_vq_cb_bwd(din[1], in[0] + m * D, in[1], idx, in[3] + m, dout[m], 1, g->s[1], D);
    }
}

int grads_quantize(grad_case *cases, int cap)
{
    int n = 0;
    if (n < cap) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "vq_loss");
        g->n_in = 4;
        g->s[0] = 23, g->s[1] = 7, g->s[2] = 5;
        g->in_n[0] = 23 * 5, g->in_n[1] = 7 * 5, g->in_n[2] = 23, g->in_n[3] = 23, g->out_n = 23;
        g->wrt = 3;
        g->init = g_vq_init, g->fwd = g_vq_fwd, g->bwd = g_vq_bwd;
    }
    return n;
}
