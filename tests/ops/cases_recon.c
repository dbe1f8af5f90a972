/* cases_recon.c - op cases of cl/recon.cl (op cross-entropy, adjacency BCE) against
 * src/ref/recon.c, and gradient checks of those references. */
#include "harness.h"
#include "ops/vqvae_ops.h"
#include "ref/vqvae_ref.h"

#include <math.h>
#include <stdlib.h>

#define randu harness_randu

/* ce: in = {logits, target, mask}, out = {loss, correct, dlogits} */
static void init_ce(const op_case *c, float **in, float **out)
{
    (void)out;
    size_t M = c->s[0], F = c->s[1];
    for (size_t m = 0; m < M; m++) {
        size_t t = (size_t)((randu() + 1.0f) * 0.5f * (float)F) % F;
        for (size_t f = 0; f < F; f++) {
            in[1][m * F + f] = f == t ? 1.0f : 0.0f;
            in[0][m * F + f] *= 4.0f;
        }
        in[2][m] = randu() > -0.6f ? 1.0f : 0.0f;
    }
}
/* s[2]: 1 adds onto dlogits (from random), 0 writes them (from random too: masked rows
 * must come out 0) */
static void ref_ce(const op_case *c, float **in, float **out)
{
    if (!c->s[2]) memset(out[2], 0, c->out_n[2] * sizeof(float));
    ref_op_ce(out[0], out[1], out[2], in[0], in[1], in[2], c->f[0], c->s[0], c->s[1]);
}
static archllm_status dev_ce(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_op_ce(x, out[0], out[1], out[2], in[0], in[1], in[2], c->f[0], c->s[0], c->s[1], (int)c->s[2]);
}
static void mk_ce(op_case *c, size_t M, size_t F, int acc)
{
    harness_case(c, "", 3, 3);
    snprintf(c->name, sizeof c->name, "op_ce M=%zu F=%zu%s", M, F, acc ? " +=" : "");
    c->s[0] = M, c->s[1] = F, c->s[2] = (size_t)acc, c->f[0] = 0.07f;
    c->in_n[0] = c->in_n[1] = M * F, c->in_n[2] = M;
    c->out_n[0] = c->out_n[1] = M, c->out_n[2] = M * F;
    c->out_init = 1;
    c->init = init_ce, c->ref = ref_ce, c->dev = dev_ce;
    c->flops = 6.0 * M * F, c->bytes = 12.0 * M * F;
    /* float exp/log vs double: a few ulps of the log-sum-exp, an absolute error; the loss
     * lse - x_t can be near 0, so the normalized error of one small loss reached 4.9e-5
     * (M=1, F=2: |diff| 1.1e-7 on a loss of 2.2e-3) */
    c->atol = 2e-6, c->rtol = 2e-5, c->nerr = 2e-4;
}

/* bce: in = {logits, adj, mask}, out = {loss, correct, dlogits}; s = {B, N} */
static void init_bce(const op_case *c, float **in, float **out)
{
    (void)out;
    size_t B = c->s[0], N = c->s[1];
    for (size_t i = 0; i < B * N * N; i++) {
        in[0][i] *= 5.0f;
        in[1][i] = randu() > 0.3f ? 1.0f : 0.0f;
    }
    for (size_t b = 0; b < B; b++)
        for (size_t v = 0; v < N; v++) in[2][b * N + v] = v < N - b % 3 ? 1.0f : 0.0f; /* padded tails */
}
static void ref_bce(const op_case *c, float **in, float **out)
{
    if (!c->s[2]) memset(out[2], 0, c->out_n[2] * sizeof(float));
    ref_adj_bce(out[0], out[1], out[2], in[0], in[1], in[2], c->f[0], c->s[0], c->s[1]);
}
static archllm_status dev_bce(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_adj_bce(x, out[0], out[1], out[2], in[0], in[1], in[2], c->f[0], c->s[0], c->s[1], (int)c->s[2]);
}
static void mk_bce(op_case *c, size_t B, size_t N, int acc)
{
    harness_case(c, "", 3, 3);
    snprintf(c->name, sizeof c->name, "adj_bce B=%zu N=%zu%s", B, N, acc ? " +=" : "");
    c->s[0] = B, c->s[1] = N, c->s[2] = (size_t)acc, c->f[0] = 0.11f;
    c->in_n[0] = c->in_n[1] = B * N * N, c->in_n[2] = B * N;
    c->out_n[0] = c->out_n[1] = c->out_n[2] = B * N * N;
    c->out_init = 1;
    c->init = init_bce, c->ref = ref_bce, c->dev = dev_bce;
    c->flops = 8.0 * B * N * N, c->bytes = 20.0 * B * N * N;
    /* as op_ce: log1p(exp(-|x|)) in float, an absolute error on losses that can be small */
    c->atol = 2e-6, c->rtol = 2e-5, c->nerr = 2e-4;
}

int cases_recon(op_case *cases, int cap, int perf)
{
    int n = 0;
    if (perf) {
        HARNESS_ADD(n, cap, mk_ce(&cases[n], 1792, 5, 0));
        HARNESS_ADD(n, cap, mk_bce(&cases[n], 256, 7, 0));
        return n;
    }
    for (int acc = 0; acc < 2; acc++) {
        HARNESS_ADD(n, cap, mk_ce(&cases[n], 1, 2, acc));
        HARNESS_ADD(n, cap, mk_ce(&cases[n], 301, 7, acc));
        HARNESS_ADD(n, cap, mk_bce(&cases[n], 1, 2, acc));
        HARNESS_ADD(n, cap, mk_bce(&cases[n], 13, 8, acc));
    }
    return n;
}

/* ---- gradients: the fused backward against differences of the summed loss ---------- */
static void g_ce_init(const grad_case *g, float **in)
{
    op_case c;
    memset(&c, 0, sizeof c);
    c.s[0] = g->s[0], c.s[1] = g->s[1];
    init_ce(&c, in, NULL);
}
static void g_ce_fwd(const grad_case *g, float **in, float *out)
{
    size_t M = g->s[0], F = g->s[1];
    float *corr = malloc(M * sizeof(float)), *dl = calloc(M * F, sizeof(float));
    ref_op_ce(out, corr, dl, in[0], in[1], in[2], 1.0f, M, F);
    free(corr);
    free(dl);
}
static void g_ce_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    size_t M = g->s[0], F = g->s[1];
    float loss, corr;
    for (size_t m = 0; m < M; m++) /* row by row: each carries its own dout as the scale */
        ref_op_ce(&loss, &corr, din[0] + m * F, in[0] + m * F, in[1] + m * F, in[2] + m, dout[m], 1, F);
}
static void g_bce_init(const grad_case *g, float **in)
{
    op_case c;
    memset(&c, 0, sizeof c);
    c.s[0] = g->s[0], c.s[1] = g->s[1];
    init_bce(&c, in, NULL);
}
static void g_bce_fwd(const grad_case *g, float **in, float *out)
{
    size_t n = g->out_n;
    float *corr = malloc(n * sizeof(float)), *dl = calloc(n, sizeof(float));
    ref_adj_bce(out, corr, dl, in[0], in[1], in[2], 1.0f, g->s[0], g->s[1]);
    free(corr);
    free(dl);
}
static void g_bce_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    size_t n = g->out_n;
    float *loss = malloc(n * sizeof(float)), *corr = malloc(n * sizeof(float)), *dl = calloc(n, sizeof(float));
    ref_adj_bce(loss, corr, dl, in[0], in[1], in[2], 1.0f, g->s[0], g->s[1]);
    for (size_t i = 0; i < n; i++) din[0][i] += dout[i] * dl[i];
    free(loss);
    free(corr);
    free(dl);
}

int grads_recon(grad_case *cases, int cap)
{
    int n = 0;
    if (n < cap) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "op_ce");
        g->n_in = 3;
        g->s[0] = 11, g->s[1] = 5;
        g->in_n[0] = g->in_n[1] = 55, g->in_n[2] = 11, g->out_n = 11;
        g->wrt = 1;
        g->init = g_ce_init, g->fwd = g_ce_fwd, g->bwd = g_ce_bwd;
    }
    if (n < cap) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "adj_bce");
        g->n_in = 3;
        g->s[0] = 3, g->s[1] = 7;
        g->in_n[0] = g->in_n[1] = g->out_n = 3 * 49, g->in_n[2] = 21;
        g->wrt = 1;
        g->init = g_bce_init, g->fwd = g_bce_fwd, g->bwd = g_bce_bwd;
    }
    return n;
}
