/* cases_graph.c - op cases of cl/graph.cl (GIN aggregation, position embeddings,
 * adjacency decoder, MLP helpers) against src/ref/graph.c, and the gradient checks of
 * those references.  Sizes: s = {B, N, C or A, mode}. */
#include "harness.h"
#include "ops/vqvae_ops.h"
#include "ref/vqvae_ref.h"

#include <math.h>

#define randu harness_randu

/* a case's pass: the forward, or the backward adding onto its input gradient (starting
 * random) or writing it (accumulate 0, from random too: an add fails) */
enum { FWD, BWD_ADD, BWD_SET };

/* adjacency inputs: strict upper-triangular 0/1, like a cell */
static void fill_adj(float *adj, size_t B, size_t N)
{
    for (size_t b = 0; b < B; b++)
        for (size_t v = 0; v < N; v++)
            for (size_t w = 0; w < N; w++) adj[(b * N + v) * N + w] = (v < w && randu() > 0.2f) ? 1.0f : 0.0f;
}

/* gin_agg: in = {h, adj, eps}; fwd out = {out}; bwd in = {h, adj, eps, dout} out = {dh, deps} */
static void init_gin(const op_case *c, float **in, float **out)
{
    (void)out;
    fill_adj(in[1], c->s[0], c->s[1]);
}
static void ref_ginf(const op_case *c, float **in, float **out)
{
    ref_gin_agg_fwd(out[0], in[0], in[1], in[2], c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_ginf(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_gin_agg_fwd(x, out[0], in[0], in[1], in[2], c->s[0], c->s[1], c->s[2]);
}
static void ref_ginb(const op_case *c, float **in, float **out)
{
    if (c->s[4] == BWD_SET) memset(out[0], 0, c->out_n[0] * sizeof(float));
    ref_gin_agg_bwd(out[0], out[1], in[0], in[1], in[2], in[3], c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_ginb(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_gin_agg_bwd(x, out[0], out[1], in[0], in[1], in[2], in[3], c->s[0], c->s[1], c->s[2],
                                  c->s[4] == BWD_ADD);
}
static void mk_gin(op_case *c, size_t B, size_t N, size_t C, int pass)
{
    int bwd = pass != FWD;
    harness_case(c, "", bwd ? 4 : 3, bwd ? 2 : 1);
    snprintf(c->name, sizeof c->name, "gin_agg_%s B=%zu N=%zu C=%zu%s", bwd ? "bwd" : "fwd", B, N, C,
             pass == BWD_ADD ? " +=" : "");
    c->s[0] = B, c->s[1] = N, c->s[2] = C, c->s[4] = (size_t)pass;
    c->in_n[0] = B * N * C, c->in_n[1] = B * N * N, c->in_n[2] = 1, c->in_n[3] = B * N * C;
    c->out_n[0] = B * N * C, c->out_n[1] = 1;
    c->out_init = bwd;
    c->init = init_gin;
    c->ref = bwd ? ref_ginb : ref_ginf;
    c->dev = bwd ? dev_ginb : dev_ginf;
    c->flops = 2.0 * B * N * N * C * (bwd ? 2 : 1);
    c->bytes = 4.0 * B * N * C * (bwd ? 4 : 2);
    /* N products in float vs a double sum; deps sums B*N*C products in a tree */
    c->atol = 1e-5 * sqrt((double)B * N * C);
    c->rtol = 1e-5;
    c->nerr = 1e-6;
}

/* pos_add_bwd: in = {dout} out = {dpos} */
static void ref_posb(const op_case *c, float **in, float **out) { ref_pos_add_bwd(out[0], in[0], c->s[0], c->s[1], c->s[2]); }
static archllm_status dev_posb(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_pos_add_bwd(x, out[0], in[0], c->s[0], c->s[1], c->s[2]);
}
static void mk_pos(op_case *c, size_t B, size_t N, size_t C)
{
    harness_case(c, "", 1, 1);
    snprintf(c->name, sizeof c->name, "pos_add_bwd B=%zu N=%zu C=%zu", B, N, C);
    c->s[0] = B, c->s[1] = N, c->s[2] = C;
    c->in_n[0] = B * N * C;
    c->out_n[0] = N * C;
    c->out_init = 1;
    c->ref = ref_posb;
    c->dev = dev_posb;
    c->flops = (double)B * N * C;
    c->bytes = 8.0 * B * N * C;
    c->atol = 1e-5 * sqrt((double)B); /* sum over the batch */
}

/* adj_dec: fwd in = {st, par} out = {logits}; bwd in = {st, par, dlogits} out = {dst, dpar} */
static void ref_adjf(const op_case *c, float **in, float **out)
{
    ref_adj_dec_fwd(out[0], in[0], in[1], (int)c->s[3], c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_adjf(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_adj_dec_fwd(x, out[0], in[0], in[1], (int)c->s[3], c->s[0], c->s[1], c->s[2]);
}
static void ref_adjb(const op_case *c, float **in, float **out)
{
    if (c->s[4] == BWD_SET) memset(out[0], 0, c->out_n[0] * sizeof(float)); /* dpar adds either way */
    ref_adj_dec_bwd(out[0], out[1], in[0], in[1], in[2], (int)c->s[3], c->s[0], c->s[1], c->s[2]);
}
static archllm_status dev_adjb(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_adj_dec_bwd(x, out[0], out[1], in[0], in[1], in[2], (int)c->s[3], c->s[0], c->s[1], c->s[2],
                                  c->s[4] == BWD_ADD);
}
static void mk_adj(op_case *c, size_t B, size_t N, size_t A, int mode, int pass)
{
    int bwd = pass != FWD;
    harness_case(c, "", bwd ? 3 : 2, bwd ? 2 : 1);
    snprintf(c->name, sizeof c->name, "adj_dec_%s %s B=%zu N=%zu A=%zu%s", bwd ? "bwd" : "fwd",
             mode ? "pair" : "inner", B, N, A, pass == BWD_ADD ? " +=" : "");
    c->s[0] = B, c->s[1] = N, c->s[2] = A, c->s[3] = (size_t)mode, c->s[4] = (size_t)pass;
    c->in_n[0] = B * N * 2 * A, c->in_n[1] = 2 * A + 1, c->in_n[2] = B * N * N;
    c->out_n[0] = bwd ? B * N * 2 * A : B * N * N, c->out_n[1] = 2 * A + 1;
    c->out_init = bwd;
    c->ref = bwd ? ref_adjb : ref_adjf;
    c->dev = bwd ? dev_adjb : dev_adjf;
    c->flops = 3.0 * B * N * N * A;
    c->bytes = 4.0 * B * N * (2 * A + N);
    /* A-term float sums; the parameter gradients sum over all B*N*N/2 pairs */
    c->atol = 1e-5 * sqrt((double)B * N * N * A);
    c->rtol = 1e-4;
    c->nerr = 1e-5;
}

static void ref_rm(const op_case *c, float **in, float **out) { ref_relu_mask_bwd(out[0], in[0], c->s[0]); }
static archllm_status dev_rm(archllm_ctx_t *x, const op_case *c, const archllm_view *in, const archllm_view *out)
{
    return archllm_op_relu_mask_bwd(x, out[0], in[0], c->s[0]);
}
static void mk_rm(op_case *c, size_t n)
{
    harness_case(c, "", 1, 1);
    snprintf(c->name, sizeof c->name, "relu_mask_bwd n=%zu", n);
    c->s[0] = n, c->in_n[0] = n, c->out_n[0] = n;
    c->out_init = 1;
    c->ref = ref_rm, c->dev = dev_rm;
    c->flops = (double)n, c->bytes = 12.0 * n;
}

int cases_graph(op_case *cases, int cap, int perf)
{
    int n = 0;
    if (perf) {
        HARNESS_ADD(n, cap, mk_gin(&cases[n], 256, 7, 128, FWD));
        HARNESS_ADD(n, cap, mk_gin(&cases[n], 256, 7, 128, BWD_SET));
        for (int mode = 0; mode < 2; mode++) {
            HARNESS_ADD(n, cap, mk_adj(&cases[n], 256, 7, 64, mode, FWD));
            HARNESS_ADD(n, cap, mk_adj(&cases[n], 256, 7, 64, mode, BWD_SET));
        }
        HARNESS_ADD(n, cap, mk_pos(&cases[n], 256, 7, 128));
        return n;
    }
    HARNESS_ADD(n, cap, mk_gin(&cases[n], 1, 2, 1, FWD));
    HARNESS_ADD(n, cap, mk_gin(&cases[n], 5, 7, 13, FWD));
    HARNESS_ADD(n, cap, mk_gin(&cases[n], 5, 7, 13, BWD_ADD));
    HARNESS_ADD(n, cap, mk_gin(&cases[n], 5, 7, 13, BWD_SET));
    HARNESS_ADD(n, cap, mk_gin(&cases[n], 3, 8, 130, BWD_ADD));
    HARNESS_ADD(n, cap, mk_gin(&cases[n], 5, 7, 32, FWD)); /* C % 16 == 0: the float16 kernels */
    HARNESS_ADD(n, cap, mk_gin(&cases[n], 5, 7, 48, BWD_ADD));
    HARNESS_ADD(n, cap, mk_gin(&cases[n], 5, 7, 48, BWD_SET));
    HARNESS_ADD(n, cap, mk_pos(&cases[n], 5, 7, 13));
    HARNESS_ADD(n, cap, mk_pos(&cases[n], 5, 7, 48)); /* C % 16 == 0: float16 */
    for (int mode = 0; mode < 2; mode++) {
        HARNESS_ADD(n, cap, mk_adj(&cases[n], 4, 7, 9, mode, FWD));
        HARNESS_ADD(n, cap, mk_adj(&cases[n], 4, 7, 9, mode, BWD_ADD));
        HARNESS_ADD(n, cap, mk_adj(&cases[n], 4, 7, 9, mode, BWD_SET));
        HARNESS_ADD(n, cap, mk_adj(&cases[n], 3, 8, 33, mode, BWD_ADD));
        /* A % 16 == 0: the float16 kernels */
        HARNESS_ADD(n, cap, mk_adj(&cases[n], 4, 7, 16, mode, BWD_ADD));
        HARNESS_ADD(n, cap, mk_adj(&cases[n], 4, 7, 16, mode, BWD_SET));
        HARNESS_ADD(n, cap, mk_adj(&cases[n], 3, 8, 48, mode, BWD_SET));
    }
    HARNESS_ADD(n, cap, mk_rm(&cases[n], 1001));
    return n;
}

/* ---- gradients of the references ------------------------------------------- */
/* gin: in = {h, adj, eps}, wrt h and eps */
static void g_gin_init(const grad_case *g, float **in) { fill_adj(in[1], g->s[0], g->s[1]); }
static void g_gin_fwd(const grad_case *g, float **in, float *out)
{
    ref_gin_agg_fwd(out, in[0], in[1], in[2], g->s[0], g->s[1], g->s[2]);
}
static void g_gin_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    ref_gin_agg_bwd(din[0], din[2], in[0], in[1], in[2], dout, g->s[0], g->s[1], g->s[2]);
}
/* pos: in = {x, pos}, out = x + pos */
static void g_pos_fwd(const grad_case *g, float **in, float *out)
{
    memcpy(out, in[0], g->out_n * sizeof(float));
    ref_pos_add_fwd(out, in[1], g->s[0], g->s[1], g->s[2]);
}
static void g_pos_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    (void)in;
    for (size_t i = 0; i < g->out_n; i++) din[0][i] += dout[i];
    ref_pos_add_bwd(din[1], dout, g->s[0], g->s[1], g->s[2]);
}
/* adj: in = {st, par}; out = logits */
static void g_adj_init(const grad_case *g, float **in)
{
    /* pair mode: keep pre-activations away from the ReLU kink */
    size_t B = g->s[0], N = g->s[1], A = g->s[2];
    if (g->s[3] != ARCHLLM_ADJ_PAIR) return;
    /* s on a 0.5 grid, t on the grid shifted by 0.25, b1 = 0: |s + t + b1| >= 0.15 */
    for (size_t a = 0; a < A; a++) in[1][a] = 0.0f;
    for (size_t r = 0; r < B * N; r++)
        for (size_t a = 0; a < 2 * A; a++)
            in[0][r * 2 * A + a] = roundf(randu() * 2.0f) * 0.5f + (a >= A ? 0.25f : 0.0f) + 0.05f * randu();
}
static void g_adj_fwd(const grad_case *g, float **in, float *out)
{
    ref_adj_dec_fwd(out, in[0], in[1], (int)g->s[3], g->s[0], g->s[1], g->s[2]);
}
static void g_adj_bwd(const grad_case *g, float **in, const float *dout, float **din)
{
    ref_adj_dec_bwd(din[0], din[1], in[0], in[1], dout, (int)g->s[3], g->s[0], g->s[1], g->s[2]);
}

int grads_graph(grad_case *cases, int cap)
{
    int n = 0;
    if (n < cap) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "gin_agg");
        g->n_in = 3;
        g->s[0] = 3, g->s[1] = 7, g->s[2] = 5;
        g->in_n[0] = g->out_n = 3 * 7 * 5, g->in_n[1] = 3 * 7 * 7, g->in_n[2] = 1;
        g->wrt = 1 | 4;
        g->init = g_gin_init, g->fwd = g_gin_fwd, g->bwd = g_gin_bwd;
    }
    if (n < cap) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "pos_add");
        g->n_in = 2;
        g->s[0] = 3, g->s[1] = 7, g->s[2] = 5;
        g->in_n[0] = g->out_n = 3 * 7 * 5, g->in_n[1] = 7 * 5;
        g->wrt = 3;
        g->fwd = g_pos_fwd, g->bwd = g_pos_bwd;
    }
    for (int mode = 0; mode < 2 && n < cap; mode++) {
        grad_case *g = &cases[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "adj_dec %s", mode ? "pair" : "inner");
        g->n_in = 2;
        g->s[0] = 2, g->s[1] = 7, g->s[2] = 6, g->s[3] = (size_t)mode;
        g->in_n[0] = 2 * 7 * 12, g->in_n[1] = 13, g->out_n = 2 * 7 * 7;
        g->wrt = 3;
        g->init = g_adj_init, g->fwd = g_adj_fwd, g->bwd = g_adj_bwd;
    }
    return n;
}
