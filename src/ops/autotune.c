/* autotune.c - `archllm tune`'s measuring of our kernels: every tunable of backend/tuning.c
 * timed on the shapes the shipped configs run (conf/nb201-default.cfg: the VQ-VAE's 128-wide linear
 * layers over a batch of 256 cells x 7 nodes and, on the same tile, the T5's decoding
 * products for a batch of 500 samples, the T5's fused attention at batch 64, 4 heads
 * of d_kv 16 over 10 codes, a gradient-norm reduction), the candidates' outputs checked
 * against the default's, and the crossover of archllm_op_matmul between cl/linear.cl and
 * CLBlast on a ladder of GEMMs from the T5 of nb201-default up to t5-small's feed-forward;
 * and the whole device's tuning, ours then CLBlast's (autotune_clblast.c), within one
 * budget.  The tuning file is backend/tuning.c's; this file only measures. */
#include "ops/autotune.h"
#include "ops/common.h"
#include "ops/ops.h"
#include "ops/t5_ops.h"
#include "ops/vqvae_ops.h"
#include "util/clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shapes: nb201-default.cfg (the op harness's perf cases use the same). */
#define LIN_M   1792 /* vqvae.batch_size 256 x 7 nodes */
#define LIN_N   128  /* vqvae.hidden */
#define LIN_K   128
#define DEC_M   500  /* the pipeline's sampling batch: the T5's decoding products */
#define DEC_K   64   /* lm.d_model */
#define DEC_QKV 192  /* q|k|v of lm.heads x lm.d_kv */
#define DEC_FF  128  /* lm.d_ff, gated: w holds 2 DEC_FF columns */
#define DEC_REPS 2   /* the decoder's layers */
#define RED_N   (1u << 18) /* a flat gradient of the order of the T5's and VQ-VAE's parameters */
#define ATT_B   64   /* lm.batch_size */
#define ATT_H   4    /* lm.heads */
#define ATT_L   10   /* codes of a cell, with the task token */
#define ATT_LX  9    /* cross-attention keys */
#define ATT_D   16   /* lm.d_kv */
#define ATT_NB  32   /* relative-position buckets */
#define ATT_LD  (ATT_H * ATT_D)

/* archllm_op_matmul's ladder (M, N, K), each as the forward A B^T and the two backward
 * products (A B, A^T B), repeated so that each shape weighs about 2^27 multiply-adds: the
 * crossover candidates (backend/tuning.c) fall between them */
static const size_t mm_shapes[][3] = {
    {640, 192, 64},   /* nb201-default's T5: 64 cells x 10 tokens, q|k|v */
    {640, 256, 128},  /* conf/default.cfg's T5: d_model 128, d_ff 256 gated */
    {512, 512, 512},  /* t5-small's attention projections at 512 tokens */
    {512, 2048, 512}, /* t5-small's feed-forward */
};
#define MM_SHAPES 4
static size_t mm_reps(int i)
{
    double mnk = (double)mm_shapes[i][0] * mm_shapes[i][1] * mm_shapes[i][2];
    return mnk >= (1 << 27) ? 1 : (size_t)ceil((1 << 27) / mnk);
}

#define BEAT     0.97 /* a candidate must beat the default by 3%: these VMs swing */
#define TIME_MIN 0.2  /* seconds of timed runs per candidate (and at least 3 runs) */

typedef struct {
    cl_mem buf[32];
    int    nbuf;
    size_t out_n;      /* floats read back for the check */
    double atol, rtol; /* the op harness's tolerance of these cases */
} workload;

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static float randu(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((rng >> 40) * (1.0 / 8388608.0)) - 1.0f;
}

static archllm_status upload(archllm_ctx_t *ctx, workload *w, cl_mem *out, size_t n, int kind)
{
    /* kind 0: random floats, 1: zeros, 2: buckets in [0, ATT_NB), 3: a key mask (one key in 7 off) */
    float *h = malloc(n * sizeof(float));
    if (!h) return archllm_fail(ARCHLLM_ENOMEM, "autotune inputs");
    for (size_t i = 0; i < n; i++) {
        if (kind == 0) h[i] = randu();
        else if (kind == 1) h[i] = 0.0f;
        else {
            cl_int v = kind == 2 ? (cl_int)(i * 7 % ATT_NB) : (cl_int)(i % 7 != 3);
            memcpy(&h[i], &v, sizeof v);
        }
    }
    archllm_status s = archllm_buf_alloc(ctx, out, n * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, *out, 0, h, n * sizeof(float));
    free(h);
    if (s == ARCHLLM_OK) w->buf[w->nbuf++] = *out;
    return s;
}

/* The buffers of each workload, in order:
 *   linear: x, w, b, dy, y, dx, dw, db, then decoding's xd, wd, yd_qkv, yd_ff
 *           (y, dx, dw, db, yd_qkv, yd_ff read back)
 *   reduce: x, out(2)
 *   attn:   q, k, v, table, buckets, mask, out, p, dout, dq, dk, dv, ds, then the same 13 ...
 *   matmul: per shape x(M,K), w(N,K), dy(M,N), y(M,N), dx(M,K), dw(N,K)   (y, dx, dw read back) */
static archllm_status setup(archllm_ctx_t *ctx, int t, workload *w)
{
    memset(w, 0, sizeof *w);
    cl_mem m;
    if (t == ARCHLLM_TUNE_LINEAR_WG || t == ARCHLLM_TUNE_LINEAR_COLS || t == ARCHLLM_TUNE_LINEAR_TILE ||
        t == ARCHLLM_TUNE_LINEAR_DW) {
        size_t sz[12] = {LIN_M * LIN_K, LIN_N * LIN_K, LIN_N,         LIN_M * LIN_N,
                         LIN_M * LIN_N, LIN_M * LIN_K, LIN_N * LIN_K, LIN_N,
                         DEC_M * DEC_K, DEC_K * 2 * DEC_FF, DEC_M * DEC_QKV, DEC_M * DEC_FF};
        static const int input[12] = {1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0}; /* random; else zeros */
        for (int i = 0; i < 12; i++) ARCHLLM_TRY(upload(ctx, w, &m, sz[i], input[i] ? 0 : 1));
        for (int i = 0; i < 12; i++) w->out_n += input[i] ? 0 : sz[i];
        /* linear_bwd_dw's: sums over M rows (the decoding's, over 64, are well inside) */
        w->atol = 2e-6 * sqrt((double)LIN_M), w->rtol = 1e-5;
    } else if (t == ARCHLLM_TUNE_MATMUL_MAX) {
        size_t kmax = 0;
        for (int i = 0; i < MM_SHAPES; i++) {
            size_t M = mm_shapes[i][0], N = mm_shapes[i][1], K = mm_shapes[i][2];
            size_t sz[6] = {M * K, N * K, M * N, M * N, M * K, N * K};
            for (int j = 0; j < 6; j++) ARCHLLM_TRY(upload(ctx, w, &m, sz[j], j < 3 ? 0 : 1));
            w->out_n += sz[3] + sz[4] + sz[5];
            size_t longest = M > N ? (M > K ? M : K) : (N > K ? N : K); /* dw sums M terms, dx N, y K */
            kmax = longest > kmax ? longest : kmax;
        }
        /* two orders of one float sum of n products of [-1, 1] inputs (partial sums up to about
         * sqrt(n) / 3): each off by some sqrt(n) x 2^-24 x that, so twice the harness's GEMM
         * tolerance at the longest sum (the chunked K of our kernels against CLBlast's order
         * differed by 1.3e-4 at n = 2048) */
        w->atol = 4e-6 * sqrt((double)kmax), w->rtol = 2e-5;
    } else if (t == ARCHLLM_TUNE_REDUCE_WG) {
        ARCHLLM_TRY(upload(ctx, w, &m, RED_N, 0));
        ARCHLLM_TRY(upload(ctx, w, &m, 2, 1));
        w->out_n = 2;
        w->atol = 1e-5 * sqrt((double)RED_N), w->rtol = 1e-5; /* float tree sums: sqrt(n) ulps */
    } else {
        for (int cross = 0; cross < 2; cross++) {
            size_t Lk = cross ? ATT_LX : ATT_L;
            size_t sz[13] = {ATT_B * ATT_L * ATT_LD, ATT_B * Lk * ATT_LD, ATT_B * Lk * ATT_LD, ATT_NB * ATT_H,
                             ATT_L * Lk, ATT_B * Lk, ATT_B * ATT_L * ATT_LD, ATT_B * ATT_H * ATT_L * Lk,
                             ATT_B * ATT_L * ATT_LD, ATT_B * ATT_L * ATT_LD, ATT_B * Lk * ATT_LD,
                             ATT_B * Lk * ATT_LD, ATT_B * ATT_H * ATT_L * Lk};
            int kind[13] = {0, 0, 0, 0, 2, 3, 1, 1, 0, 1, 1, 1, 1};
            for (int i = 0; i < 13; i++) ARCHLLM_TRY(upload(ctx, w, &m, sz[i], kind[i]));
            w->out_n += sz[6] + sz[7] + sz[9] + sz[10] + sz[11] + sz[12];
        }
        w->atol = 3e-6, w->rtol = 2e-5; /* attn_fused's: float dots of dk terms, sums of Lk exps */
    }
    return ARCHLLM_OK;
}

static void teardown(workload *w)
{
    for (int i = 0; i < w->nbuf; i++) archllm_buf_free(&w->buf[i]);
    w->nbuf = 0;
}

#define V(i) ((archllm_view){w->buf[i], 0})

/* One run of the workload (accumulated outputs zeroed first), queued. */
static archllm_status enqueue(archllm_ctx_t *ctx, int t, workload *w)
{
    if (t == ARCHLLM_TUNE_LINEAR_WG || t == ARCHLLM_TUNE_LINEAR_COLS || t == ARCHLLM_TUNE_LINEAR_TILE ||
        t == ARCHLLM_TUNE_LINEAR_DW) {
        ARCHLLM_TRY(archllm_buf_fill_f32(ctx, w->buf[6], 0, LIN_N * LIN_K, 0.0f));
        ARCHLLM_TRY(archllm_buf_fill_f32(ctx, w->buf[7], 0, LIN_N, 0.0f));
        ARCHLLM_TRY(archllm_op_linear_fwd(ctx, V(4), V(0), V(1), V(2), V(2), 0, LIN_M, LIN_N, LIN_K, 1));
        /* as the VQ-VAE's: written, and through a ReLU (x's signs standing in for its output) */
        ARCHLLM_TRY(archllm_op_linear_bwd_dx(ctx, V(5), V(3), V(1), LIN_M, LIN_N, LIN_K, 0, V(0)));
        ARCHLLM_TRY(archllm_op_linear_bwd_dw(ctx, V(6), V(7), V(3), V(0), LIN_M, LIN_N, LIN_K));
        /* and what sampling runs on the same tile and work-group: each decoder layer's q|k|v
         * and gated feed-forward products through the RMS norm, a token for the pipeline's
         * batch (not for the weight-gradient path, which they do not run, and whose 3%
         * margin their time would only dilute) */
        for (int r = 0; t != ARCHLLM_TUNE_LINEAR_DW && r < DEC_REPS; r++) {
            ARCHLLM_TRY(archllm_op_matmul_rms(ctx, DEC_M, DEC_QKV, DEC_K, 1.0f, V(8), DEC_K, 1e-6f, V(9),
                                              2 * DEC_FF, ARCHLLM_EPI_NONE, 0.0f, V(10), DEC_QKV));
            ARCHLLM_TRY(archllm_op_matmul_rms(ctx, DEC_M, DEC_FF, DEC_K, 1.0f, V(8), DEC_K, 1e-6f, V(9),
                                              2 * DEC_FF, ARCHLLM_EPI_GATED_GELU, 0.0f, V(11), DEC_FF));
        }
    } else if (t == ARCHLLM_TUNE_MATMUL_MAX) {
        for (int i = 0; i < MM_SHAPES; i++) {
            size_t M = mm_shapes[i][0], N = mm_shapes[i][1], K = mm_shapes[i][2];
            int o = 6 * i;
            for (size_t r = 0; r < mm_reps(i); r++) { /* y = x w^T; dx = dy w; dw = dy^T x (beta 0: repeatable) */
                ARCHLLM_TRY(archllm_op_matmul(ctx, 0, 1, M, N, K, 1.0f, V(o), K, V(o + 1), K, 0.0f, V(o + 3), N));
                ARCHLLM_TRY(archllm_op_matmul(ctx, 0, 0, M, K, N, 1.0f, V(o + 2), N, V(o + 1), K, 0.0f, V(o + 4), K));
                ARCHLLM_TRY(archllm_op_matmul(ctx, 1, 0, N, K, M, 1.0f, V(o + 2), N, V(o), K, 0.0f, V(o + 5), K));
            }
        }
    } else if (t == ARCHLLM_TUNE_REDUCE_WG) {
        ARCHLLM_TRY(archllm_op_sum(ctx, V(1), V(0), RED_N));
        ARCHLLM_TRY(archllm_op_sumsq(ctx, (archllm_view){w->buf[1], 1}, V(0), RED_N));
    } else {
        for (int cross = 0; cross < 2; cross++) {
            int o = cross * 13;
            size_t Lk = cross ? ATT_LX : ATT_L;
            unsigned flags = cross ? ARCHLLM_ATT_MASK : ARCHLLM_ATT_BIAS | ARCHLLM_ATT_MASK;
            archllm_view none = {NULL, 0};
            ARCHLLM_TRY(archllm_op_attn_fused_fwd(ctx, V(o + 6), ATT_LD, V(o + 7), V(o + 0), ATT_LD, V(o + 1),
                                                  V(o + 2), ATT_LD, V(o + 3), V(o + 4), V(o + 5), ATT_B, ATT_H,
                                                  ATT_L, Lk, ATT_D, flags));
            ARCHLLM_TRY(archllm_op_attn_fused_bwd(ctx, V(o + 9), V(o + 10), V(o + 11), cross ? none : V(o + 12),
                                                  V(o + 8), V(o + 6), ATT_LD, V(o + 7), V(o + 0), ATT_LD, V(o + 1),
                                                  V(o + 2), ATT_LD, ATT_B, ATT_H, ATT_L, Lk, ATT_D));
        }
    }
    return ARCHLLM_OK;
}

/* n runs queued back to back, finished */
static archllm_status run(archllm_ctx_t *ctx, int t, workload *w, int n)
{
    for (int i = 0; i < n; i++) ARCHLLM_TRY(enqueue(ctx, t, w));
    return archllm_ctx_finish(ctx);
}

static archllm_status read_out(archllm_ctx_t *ctx, int t, workload *w, float *out)
{
    static const int lin[] = {4, 5, 6, 7, 10, 11}, red[] = {1}, att[] = {6, 7, 9, 10, 11, 12, 19, 20, 22, 23, 24, 25},
                     mm[] = {3, 4, 5, 9, 10, 11, 15, 16, 17, 21, 22, 23};
    const int *idx = t == ARCHLLM_TUNE_REDUCE_WG ? red : t == ARCHLLM_TUNE_ATTN_SHAPE ? att :
                     t == ARCHLLM_TUNE_MATMUL_MAX ? mm : lin;
    int n = t == ARCHLLM_TUNE_REDUCE_WG ? 1 : t == ARCHLLM_TUNE_ATTN_SHAPE || t == ARCHLLM_TUNE_MATMUL_MAX ? 12 : 6;
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t bytes = 0;
        ARCHLLM_CL(clGetMemObjectInfo(w->buf[idx[i]], CL_MEM_SIZE, sizeof bytes, &bytes, NULL), "clGetMemObjectInfo");
        ARCHLLM_TRY(archllm_buf_read(ctx, out + off, w->buf[idx[i]], 0, bytes));
        off += bytes / sizeof(float);
    }
    return ARCHLLM_OK;
}

/* defines (REDUCE_WG, LIN_COLS, LIN_ROWS, LIN_BLOCKS) need the programs rebuilt; launch shapes do not */
static void apply(archllm_ctx_t *ctx, int t, archllm_tune_value v)
{
    archllm_tune_value old = archllm_tunable_get(&ctx->tuning, t);
    archllm_tunable_set(&ctx->tuning, t, v);
    int is_define = t == ARCHLLM_TUNE_REDUCE_WG || t == ARCHLLM_TUNE_LINEAR_COLS || t == ARCHLLM_TUNE_LINEAR_TILE;
    if (is_define && (old.v[0] != v.v[0] || old.v[1] != v.v[1]))
        archllm_ctx_reset_programs(ctx);
}

/* Warm-up (build, check), then the best of the timed samples in ms a run, each sample
 * STREAM runs queued back to back as a training step or a sampling loop queues its
 * kernels: one run finished alone is mostly PoCL's threads waking on idle cores (the
 * tile's candidates swapped places from one tune to the next, 6x4 sampling 20% faster
 * than the 8x2 a tune picked) */
#define STREAM 4
static archllm_status measure(archllm_ctx_t *ctx, int t, workload *w, float *out, double *ms)
{
    ARCHLLM_TRY(run(ctx, t, w, 1));
    ARCHLLM_TRY(read_out(ctx, t, w, out));
    double best = 1e30, t0 = archllm_now_s();
    for (int r = 0; r < 3 || archllm_now_s() - t0 < TIME_MIN; r++) {
        double a = archllm_now_s();
        ARCHLLM_TRY(run(ctx, t, w, STREAM));
        double d = (archllm_now_s() - a) / STREAM;
        if (d < best) best = d;
        if (r >= 50) break;
    }
    *ms = best * 1e3;
    return ARCHLLM_OK;
}

archllm_autotune_params archllm_autotune_default_params(void)
{
    archllm_autotune_params p = {60.0, NULL, NULL};
    return p;
}

void archllm_autotune_print_stderr(void *user, const char *line)
{
    (void)user;
    fprintf(stderr, "archllm: %s\n", line);
}

/* One pass over tunable t's candidates from the value in use (row->cand[0]: the device's
 * default on a first pass, the current winner on a revisit); its winner is left applied. */
static archllm_status tune_one(archllm_ctx_t *ctx, const archllm_autotune_params *p, double start, int t,
                               int revisit, archllm_autotune_row *row)
{
    archllm_status s = ARCHLLM_OK;
    double t_start = archllm_now_s();
    archllm_tune_value cur = archllm_tunable_get(&ctx->tuning, t);
    row->n = archllm_tunable_candidates(t, &ctx->info, row->cand);
    row->revisit = revisit;
    for (int c = 1; revisit && c < row->n; c++)
        if (row->cand[c].v[0] == cur.v[0] && row->cand[c].v[1] == cur.v[1]) {
            row->cand[c] = row->cand[0];
            row->cand[0] = cur;
        }
    workload w;
    float *ref = NULL, *got = NULL;
    s = setup(ctx, t, &w);
    if (s == ARCHLLM_OK) {
        ref = malloc(w.out_n * sizeof(float));
        got = malloc(w.out_n * sizeof(float));
        if (!ref || !got) s = archllm_fail(ARCHLLM_ENOMEM, "autotune outputs");
    }
    /* the value in use: the reference output and the time to beat */
    if (s == ARCHLLM_OK) {
        apply(ctx, t, row->cand[0]);
        s = measure(ctx, t, &w, ref, &row->ms[0]);
        if (s != ARCHLLM_OK) archllm_fail_prefix(s, "tuning %s: the default", archllm_tunable_name(t));
    }
    row->winner = 0;
    for (int c = 1; c < row->n && s == ARCHLLM_OK; c++) {
        if (p->budget_s > 0 && archllm_now_s() - start > p->budget_s) {
            row->state[c] = ARCHLLM_CAND_SKIPPED;
            continue;
        }
        apply(ctx, t, row->cand[c]);
        if (measure(ctx, t, &w, got, &row->ms[c]) != ARCHLLM_OK) { /* e.g. a work-group too large here */
            archllm_error_clear();
            row->state[c] = ARCHLLM_CAND_FAILED;
            continue;
        }
        double worst = 0.0;
        int bad = 0;
        for (size_t i = 0; i < w.out_n; i++) {
            double d = fabs((double)got[i] - ref[i]);
            if (d > worst || d != d) worst = d;
            if (!(d <= w.atol + w.rtol * fabs((double)ref[i]))) bad = 1;
        }
        row->max_diff[c] = worst;
        if (bad) row->state[c] = ARCHLLM_CAND_REJECTED;
    }
    /* These VMs have slow phases of seconds (twice the time for the same work), enough
     * to flip a decision timed once: the default and the fastest other candidate are
     * timed again, one after the other, each keeps its better time, and the other wins
     * only if it still beats the default by BEAT. */
    int alt = 0;
    for (int c = 1; c < row->n; c++)
        if (row->state[c] == ARCHLLM_CAND_TIMED && (!alt || row->ms[c] < row->ms[alt])) alt = c;
    if (s == ARCHLLM_OK && alt && !(p->budget_s > 0 && archllm_now_s() - start > p->budget_s)) {
        int    pair[2] = {0, alt};
        double again;
        for (int j = 0; j < 2 && s == ARCHLLM_OK; j++) {
            apply(ctx, t, row->cand[pair[j]]);
            s = measure(ctx, t, &w, got, &again);
            if (s == ARCHLLM_OK && again < row->ms[pair[j]]) row->ms[pair[j]] = again;
        }
        if (s != ARCHLLM_OK) archllm_fail_prefix(s, "tuning %s: timing again", archllm_tunable_name(t));
    }
    if (alt && row->ms[alt] < row->ms[0] * BEAT) row->winner = alt;
    if (s == ARCHLLM_OK) apply(ctx, t, row->cand[row->winner]);
    free(ref);
    free(got);
    teardown(&w);
    row->seconds = archllm_now_s() - t_start;
    if (s == ARCHLLM_OK && p->progress) {
        char line[512], v[32];
        int n = snprintf(line, sizeof line, "tune %-11s", archllm_tunable_name(t));
        for (int c = 0; c < row->n && n < (int)sizeof line; c++) {
            archllm_tunable_format(t, row->cand[c], v, sizeof v);
            if (row->state[c] == ARCHLLM_CAND_TIMED)
                n += snprintf(line + n, sizeof line - n, " %s %.3f ms%s", v, row->ms[c],
                              c == 0 ? (revisit ? " (current)" : " (default)") : "");
            else
                n += snprintf(line + n, sizeof line - n, " %s %s", v,
                              row->state[c] == ARCHLLM_CAND_SKIPPED ? "skipped" :
                              row->state[c] == ARCHLLM_CAND_FAILED ? "failed" : "rejected");
            if (c + 1 < row->n && n < (int)sizeof line) n += snprintf(line + n, sizeof line - n, ",");
        }
        archllm_tunable_format(t, row->cand[row->winner], v, sizeof v);
        if (n < (int)sizeof line)
            snprintf(line + n, sizeof line - n, " -> %s (%.1f s%s)", v, row->seconds, revisit ? ", revisited" : "");
        p->progress(p->user, line);
    }
    return s;
}

/* Coordinate descent: one pass a tunable, by what each is worth before a tight budget runs
 * out (the GEMM crossover: CLBlast or our kernels for the T5's products, 3x at t5-small on
 * PoCL; then the linear kernels' shape, each tile and width a rebuild and compile: the most
 * time).  The width and the tile share the registers, so each is revisited once the other
 * moved: on an AVX2 Zen 3 the width chosen at the default tile (16) and the tile chosen at
 * that width (6x2) ran the VQ-VAE's products at half the speed of width 8 at 6x2. */
static const int order[] = {ARCHLLM_TUNE_MATMUL_MAX, ARCHLLM_TUNE_LINEAR_COLS, ARCHLLM_TUNE_LINEAR_TILE,
                            ARCHLLM_TUNE_LINEAR_COLS, ARCHLLM_TUNE_LINEAR_TILE, ARCHLLM_TUNE_LINEAR_DW,
                            ARCHLLM_TUNE_LINEAR_WG,   ARCHLLM_TUNE_ATTN_SHAPE,   ARCHLLM_TUNE_REDUCE_WG};
#define ORDER_N (int)(sizeof order / sizeof order[0])

archllm_status archllm_autotune(archllm_ctx_t *ctx, const archllm_autotune_params *p,
                                archllm_autotune_row rows[ARCHLLM_TUNE_COUNT])
{
    double start = archllm_now_s();
    archllm_status s = ARCHLLM_OK;
    int moved[ORDER_N] = {0}; /* pass oi changed the value in use */
    memset(rows, 0, sizeof(archllm_autotune_row) * ARCHLLM_TUNE_COUNT);
    for (int oi = 0; oi < ORDER_N && s == ARCHLLM_OK; oi++) {
        int t = order[oi], prev = -1;
        for (int j = 0; j < oi; j++)
            if (order[j] == t) prev = j;
        if (prev >= 0) { /* a revisit: only after another pass moved, and within the budget */
            int any = 0;
            for (int j = prev + 1; j < oi; j++) any |= moved[j];
            if (!any || (p->budget_s > 0 && archllm_now_s() - start > p->budget_s)) continue;
        }
        archllm_autotune_row row;
        memset(&row, 0, sizeof row);
        archllm_tune_value before = archllm_tunable_get(&ctx->tuning, t), after;
        s = tune_one(ctx, p, start, t, prev >= 0, &row);
        after = archllm_tunable_get(&ctx->tuning, t);
        moved[oi] = before.v[0] != after.v[0] || before.v[1] != after.v[1];
        row.seconds += rows[t].seconds;
        rows[t] = row;
    }
    if (s != ARCHLLM_OK) {
        archllm_tuning_for_device(&ctx->info, &ctx->tuning);
        archllm_ctx_reset_programs(ctx);
    }
    return s;
}

void archllm_autotune_table(const archllm_autotune_row rows[ARCHLLM_TUNE_COUNT], char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    n += (size_t)snprintf(out + n, cap - n, "%-12s %-10s %10s  %s\n", "tunable", "candidate", "ms", "note");
    for (int t = 0; t < ARCHLLM_TUNE_COUNT && n < cap; t++)
        for (int c = 0; c < rows[t].n && n < cap; c++) {
            char v[32], ms[32], note[64];
            archllm_tunable_format(t, rows[t].cand[c], v, sizeof v);
            int st = rows[t].state[c];
            if (st == ARCHLLM_CAND_TIMED || st == ARCHLLM_CAND_REJECTED) snprintf(ms, sizeof ms, "%.3f", rows[t].ms[c]);
            else snprintf(ms, sizeof ms, "-");
            snprintf(note, sizeof note, "%s%s%s", c == 0 ? (rows[t].revisit ? "current" : "default") : "",
                     c == rows[t].winner ? (c == 0 ? ", winner" : "winner") : "",
                     st == ARCHLLM_CAND_SKIPPED ? "skipped (budget)" : st == ARCHLLM_CAND_FAILED ? "failed to run" : "");
            if (st == ARCHLLM_CAND_REJECTED)
                snprintf(note, sizeof note, "rejected: differs by %.2g", rows[t].max_diff[c]);
            n += (size_t)snprintf(out + n, cap - n, "%-12s %-10s %10s%s%s\n",
                                  c == 0 ? archllm_tunable_name(t) : c == 1 && rows[t].revisit ? "(revisited)" : "",
                                  v, ms, note[0] ? "  " : "", note);
        }
}

archllm_status archllm_autotune_device(archllm_ctx_t *ctx, int parts, double budget_s,
                                       void (*progress)(void *, const char *), void *user,
                                       archllm_autotune_row rows[ARCHLLM_TUNE_COUNT],
                                       archllm_clblast_report *r)
{
    double t0 = archllm_now_s();
    archllm_autotune_params p = {budget_s * (parts == ARCHLLM_TUNE_PART_BOTH ? ARCHLLM_AUTOTUNE_KERNELS_SHARE : 1.0),
                                 progress, user};
    memset(r, 0, sizeof *r);
    if (parts & ARCHLLM_TUNE_PART_KERNELS) {
        ARCHLLM_TRY(archllm_autotune(ctx, &p, rows));
    } else {
        memset(rows, 0, sizeof(archllm_autotune_row) * ARCHLLM_TUNE_COUNT);
    }
    if (!(parts & ARCHLLM_TUNE_PART_CLBLAST)) return ARCHLLM_OK;
    /* CLBlast's steps cannot be stopped once started and run past their estimates by up to
     * about a tenth on a loaded PoCL: plan them in 85% of what is left, so the total holds */
    p.budget_s = (budget_s - (archllm_now_s() - t0)) * ARCHLLM_AUTOTUNE_CLBLAST_PLAN;
    if (archllm_autotune_clblast(ctx, &p, r) != ARCHLLM_OK) { /* our winners stand; CLBlast on its own */
        snprintf(r->note, sizeof r->note, "CLBlast's parameters could not be read or set: %s", archllm_last_error());
        archllm_error_clear();
        memset(ctx->tuning.clblast, 0, sizeof ctx->tuning.clblast);
        archllm_tuning_apply_clblast(ctx);
        if (progress) progress(user, r->note);
    }
    return ARCHLLM_OK;
}

archllm_status archllm_autotune_auto(archllm_ctx_t *ctx)
{
    const char *mode = getenv("ARCHLLM_TUNE");
    if (ctx->tuned || !mode || strcmp(mode, "auto") != 0 || !ctx->tuning_file[0]) return ARCHLLM_OK;
    archllm_autotune_params p = archllm_autotune_default_params();
    archllm_autotune_row rows[ARCHLLM_TUNE_COUNT];
    archllm_clblast_report r;
    fprintf(stderr, "archllm: tuning %s for up to %.0f s (ARCHLLM_TUNE=auto)\n", ctx->info.name, p.budget_s);
    if (archllm_autotune_device(ctx, ARCHLLM_TUNE_PART_BOTH, p.budget_s, archllm_autotune_print_stderr, NULL, rows, &r) ==
        ARCHLLM_OK) {
        char notes[16384];
        archllm_autotune_table(rows, notes, sizeof notes);
        size_t n = strlen(notes);
        archllm_autotune_clblast_table(&r, notes + n, sizeof notes - n);
        if (archllm_tuning_save(ctx->tuning_file, &ctx->info, &ctx->tuning, notes) == ARCHLLM_OK) ctx->tuned = 1;
    } else { /* the defaults are back */
        fprintf(stderr, "archllm: tuning failed (%s); running on the defaults\n", archllm_last_error());
    }
    archllm_error_clear();
    return ARCHLLM_OK;
}
