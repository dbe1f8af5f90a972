/* autotune_clblast.c - the CLBlast half of `archllm tune`: CLBlast's own tuners for the
 * kernels behind archllm's GEMMs (run by backend/clblast_tune.cc), on a CPU Xgemm's vector
 * tiles against its tuner's winner (CLBlast's tuner samples a space built for GPUs: on a
 * Zen 5's PoCL its best Xgemm ran 1024^3 at 78 GFLOP/s, the kept tile with whole-vector
 * multiply-adds at 229; BENCHMARKS.md), then real CLBlastSgemm
 * calls on the shapes the shipped configs and `archllm bench gemm` run, three ways: with
 * CLBlast's own parameters and routing, with the tuned kernels all through the indirect
 * Xgemm path, and all through XgemmDirect.  A tuned kernel is kept only where it is at
 * least 3% faster than CLBlast's own on the shapes CLBlast runs it for, and computes the
 * same products; the routing crossover (GemmRoutine's XGEMM_MIN_INDIRECT_SIZE) is the one
 * that runs the shapes fastest.  The tuning file is backend/tuning.c's; this file only
 * measures and decides. */
#include "ops/autotune.h"
#include "util/clock.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shapes (row-major M x N x K, op(A) op(B) as t5.c calls them), in order of volume,
 * which is all CLBlast's routing looks at (direct when M*N*K < XGEMM_MIN_INDIRECT_SIZE^3). */
static const struct {
    size_t      m, n, k;
    int         ta, tb;
    const char *what;
} shape_table[ARCHLLM_CLB_SHAPES] = {
    {640,  64,   64,   0, 1, "nb201-default T5: a d_model 64 projection, 64 x 10 tokens"},
    {640,  384,  128,  0, 1, "T5 (d_model 128): fused q, k, v projection"},
    {384,  128,  640,  1, 0, "T5 (d_model 128): its weight gradient"},
    {640,  533,  128,  0, 1, "T5 (d_model 128): output head, 533 tokens (padded)"},
    {512,  512,  512,  0, 0, "bench gemm n = 512"},
    {512,  2048, 512,  0, 1, "t5-small: feed-forward in, 512 tokens"},
    {1024, 1024, 1024, 0, 0, "bench gemm n = 1024"},
};

/* The plan, from cold runs on PoCL 3.1 (2 cores, a loaded machine) at the default budget:
 * 42 s for CLBlast, what is left of 60 after our kernels' share.  The timings after the
 * tuners build CLBlast's GEMM program twice with the tuned parameters (all indirect, all
 * direct: 9-11 s each cold), so each tuner starts only if its share of the budget and those
 * two builds and runs still fit; a build costs what the first call with CLBlast's own
 * parameters took when that one was built (else BUILD_GUESS), the runs what its runs took.
 * A larger budget samples more configurations, in proportion. */
#define BASE_BUDGET 42.0
#define BUILD_GUESS 11.0 /* s: a cold build of CLBlast's GEMM program, PoCL 3.1, 2 cores */
#define BEAT        0.97 /* kept only when 3% faster: these machines swing */
static const struct {
    int    configs; /* sampled at BASE_BUDGET */
    double share;   /* of the budget: its time cold at BASE_BUDGET */
} plan[ARCHLLM_CLB_TUNERS] = {
    {4, 0.27}, /* Xgemm: two reference builds and 4 configurations, 9-12 s (3 s of it, warm
                * or cold, CLBlast listing its 120800 + 16566 configurations on the host) */
    {4, 0.17}, /* XgemmDirect: about 7.5 s */
    {4, 0.04}, /* Copy: 1.3 s */
    {4, 0.04}, /* Pad: 1.6 s */
    {4, 0.04}, /* Transpose: 1.7 s */
    {3, 0.15}, /* Padtranspose: 7.5 s for 4 (its large tiles compile slowly) */
};

#define ALL_INDIRECT 1u         /* XGEMM_MIN_INDIRECT_SIZE: no product is smaller */
#define ALL_DIRECT   (1u << 20) /* its cube still fits 64 bits */
#define PROBE_N      2048       /* the probe product, n x n x n: twice the largest shape's size */

enum { RUN_DEFAULT, RUN_INDIRECT, RUN_DIRECT };

typedef struct {
    cl_mem a, b, c;
    float *ref[ARCHLLM_CLB_SHAPES]; /* C of CLBlast's own parameters, per shape */
    float *got;
} gemm_bufs;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float randu(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((rng >> 40) * (1.0 / 8388608.0)) - 1.0f;
}

static size_t max_of(int which)
{
    size_t n = 0;
    for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++) {
        size_t v = which == 0 ? shape_table[i].m * shape_table[i].k
                 : which == 1 ? shape_table[i].k * shape_table[i].n : shape_table[i].m * shape_table[i].n;
        if (v > n) n = v;
    }
    return n;
}

static archllm_status bufs_init(archllm_ctx_t *ctx, gemm_bufs *g)
{
    memset(g, 0, sizeof *g);
    size_t na = max_of(0), nb = max_of(1), nc = max_of(2), nh = na > nb ? na : nb;
    float *h = malloc(nh * sizeof(float));
    g->got = malloc(nc * sizeof(float));
    if (!h || !g->got) {
        free(h);
        return archllm_fail(ARCHLLM_ENOMEM, "GEMM timing buffers");
    }
    for (size_t i = 0; i < nh; i++) h[i] = randu();
    archllm_status s = archllm_buf_alloc(ctx, &g->a, na * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &g->b, nb * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &g->c, nc * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, g->a, 0, h, na * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, g->b, 0, h, nb * sizeof(float));
    free(h);
    return s;
}

static void bufs_free(gemm_bufs *g)
{
    archllm_buf_free(&g->a);
    archllm_buf_free(&g->b);
    archllm_buf_free(&g->c);
    for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++) free(g->ref[i]);
    free(g->got);
}

/* C = A B on g's buffers, row-major, A (m, k) or its transpose, B (k, n) or its transpose */
static archllm_status gemm(archllm_ctx_t *ctx, const gemm_bufs *g, size_t m, size_t n, size_t k, int ta, int tb)
{
    return archllm_sgemm(ctx, ta, tb, m, n, k, 1.0f, (archllm_view){g->a, 0}, ta ? m : k, (archllm_view){g->b, 0},
                         tb ? k : n, 0.0f, (archllm_view){g->c, 0}, n);
}

/* One call (it builds CLBlast's GEMM program for the parameters in force: *first_s), then
 * the best of `reps` (*best_ms) */
static archllm_status time_gemm(archllm_ctx_t *ctx, const gemm_bufs *g, size_t m, size_t n, size_t k, int ta, int tb,
                                int reps, double *first_s, double *best_ms)
{
    double best = 1e30;
    for (int rep = -1; rep < reps; rep++) {
        double t0 = archllm_now_s();
        ARCHLLM_TRY(gemm(ctx, g, m, n, k, ta, tb));
        ARCHLLM_TRY(archllm_ctx_finish(ctx));
        double d = archllm_now_s() - t0;
        if (rep < 0) *first_s = d;
        else if (d < best) best = d;
    }
    *best_ms = best * 1e3;
    return ARCHLLM_OK;
}

/* *wrong = i when shape i's C in g differs from its reference */
static archllm_status check_product(archllm_ctx_t *ctx, gemm_bufs *g, int i, int *wrong)
{
    size_t mn = shape_table[i].m * shape_table[i].n;
    ARCHLLM_TRY(archllm_buf_read(ctx, g->got, g->c, 0, mn * sizeof(float)));
    double atol = 4e-6 * sqrt((double)shape_table[i].k), rtol = 2e-5;
    for (size_t j = 0; j < mn; j++)
        if (!(fabs((double)g->got[j] - g->ref[i][j]) <= atol + rtol * fabs((double)g->ref[i][j]))) {
            *wrong = i;
            break;
        }
    return ARCHLLM_OK;
}

/* One way of running: every shape once (the first call builds CLBlast's GEMM program with
 * the parameters in force), then best of 3 timed calls (2 above 0.3 GFLOP); C is kept as
 * the reference (RUN_DEFAULT) or checked against it with twice the op harness's GEMM
 * tolerance (both sides are float GEMMs). */
static archllm_status time_shapes(archllm_ctx_t *ctx, gemm_bufs *g, int run, archllm_clblast_report *r,
                                  double *build_s, int *wrong)
{
    *wrong = -1;
    for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++) {
        const archllm_clblast_shape *sh = &r->shapes[i];
        size_t mn = sh->m * sh->n;
        double *ms = run == RUN_DEFAULT ? &r->shapes[i].ms_default
                   : run == RUN_INDIRECT ? &r->shapes[i].ms_indirect : &r->shapes[i].ms_direct;
        double first;
        ARCHLLM_TRY(time_gemm(ctx, g, sh->m, sh->n, sh->k, sh->trans_a, sh->trans_b, 2.0 * mn * sh->k > 3e8 ? 2 : 3,
                              &first, ms));
        if (i == 0) *build_s = first;
        if (run == RUN_DEFAULT) {
            if (!(g->ref[i] = malloc(mn * sizeof(float)))) return archllm_fail(ARCHLLM_ENOMEM, "GEMM references");
            ARCHLLM_TRY(archllm_buf_read(ctx, g->ref[i], g->c, 0, mn * sizeof(float)));
            continue;
        }
        ARCHLLM_TRY(check_product(ctx, g, i, wrong));
    }
    return ARCHLLM_OK;
}

static archllm_status set_routine(archllm_ctx_t *ctx, size_t min_indirect)
{
    archllm_clblast_set set = {1, {{"XGEMM_MIN_INDIRECT_SIZE", 0}}};
    set.p[0].value = min_indirect;
    return archllm_clblast_override(ctx->device, ARCHLLM_CLB_ROUTINE, &set);
}

/* tuned parameters where a tuner found them (tuned != 0), CLBlast's own elsewhere */
static archllm_status apply_found(archllm_ctx_t *ctx, const archllm_clblast_report *r, int tuned)
{
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++)
        ARCHLLM_TRY(tuned && r->rows[k].state == ARCHLLM_CLB_TUNED
                        ? archllm_clblast_override(ctx->device, k, &r->rows[k].found)
                        : archllm_clblast_restore(ctx->device, k));
    return archllm_clblast_restore(ctx->device, ARCHLLM_CLB_ROUTINE);
}

static size_t volume(int i) { return shape_table[i].m * shape_table[i].n * shape_table[i].k; }

static size_t icbrt(size_t v) /* floor of the cube root */
{
    size_t c = (size_t)cbrt((double)v);
    while (c > 0 && (unsigned long long)c * c * c > v) c--;
    while ((unsigned long long)(c + 1) * (c + 1) * (c + 1) <= v) c++;
    return c;
}

/* XGEMM_MIN_INDIRECT_SIZE that sends shapes [0, cut) to XgemmDirect and the rest to Xgemm:
 * the geometric middle of the two volumes' cube roots (below the smallest shape: its own
 * cube root, so smaller products stay direct; above the largest: just above it) */
static size_t cut_value(int cut)
{
    if (cut == 0) return icbrt(volume(0)) > 0 ? icbrt(volume(0)) : 1;
    if (cut == ARCHLLM_CLB_SHAPES) return icbrt(volume(cut - 1)) + 1;
    size_t lo = icbrt(volume(cut - 1)) + 1, hi = icbrt(volume(cut));
    size_t c = (size_t)(sqrt(cbrt((double)volume(cut - 1)) * cbrt((double)volume(cut))) + 0.5);
    return c < lo ? lo : c > hi ? hi : c;
}

/* geometric mean of num / den over the shapes where take(i) (1 when there are none) */
static double geo_ratio(const double *num, const double *den, const int *take)
{
    double sum = 0.0;
    int n = 0;
    for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++)
        if (take[i] && num[i] > 0 && num[i] < 1e299 && den[i] > 0) sum += log(num[i] / den[i]), n++;
    return n ? exp(sum / n) : 1.0;
}

/* see autotune.h; costs in log ms, so that each shape counts alike */
void archllm_autotune_clblast_decide(archllm_clblast_report *r)
{
    enum { S = ARCHLLM_CLB_SHAPES };
    const double inf = 1e300, penalty = -log(BEAT) * S;
    double def[S], tin[S], tdi[S], ind[2][S], dir[2][S];
    int def_direct[S], take[S];
    unsigned long long d3 = (unsigned long long)r->default_min * r->default_min * r->default_min;
    int tuned[2] = {0, r->rows[ARCHLLM_CLB_XGEMM_DIRECT].state == ARCHLLM_CLB_TUNED}; /* indirect, direct */
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++)
        if (k != ARCHLLM_CLB_XGEMM_DIRECT && r->rows[k].state == ARCHLLM_CLB_TUNED) tuned[0] = 1;
    for (int i = 0; i < S; i++) {
        def[i] = r->shapes[i].ms_default;
        tin[i] = r->shapes[i].ms_indirect > 0 ? r->shapes[i].ms_indirect : inf;
        tdi[i] = r->shapes[i].ms_direct > 0 ? r->shapes[i].ms_direct : inf;
        def_direct[i] = volume(i) < d3;
        /* [0]: CLBlast's own kernels on that path; the tuned runs hold them where untuned */
        ind[0][i] = !def_direct[i] ? def[i] : tuned[0] ? inf : tin[i];
        dir[0][i] = def_direct[i] ? def[i] : tuned[1] ? inf : tdi[i];
        ind[1][i] = tin[i];
        dir[1][i] = tdi[i];
    }
    int cut_default = 0;
    while (cut_default < S && def_direct[cut_default]) cut_default++;
    int best_i = 0, best_d = 0, best_cut = cut_default;
    double best = inf;
    for (int ki = 0; ki <= tuned[0]; ki++)
        for (int kd = 0; kd <= tuned[1]; kd++)
            for (int cut = 0; cut <= S; cut++) {
                if (cut > 0 && cut < S && volume(cut - 1) == volume(cut)) continue; /* one volume, one path */
                double cost = penalty * (ki + kd + (cut != cut_default));
                for (int i = 0; i < S; i++) cost += log(i < cut ? dir[kd][i] : ind[ki][i]);
                if (cost < best) best = cost, best_i = ki, best_d = kd, best_cut = cut;
            }
    /* each path's tuned kernels against CLBlast's own where CLBlast's routing runs them */
    for (int i = 0; i < S; i++) take[i] = !def_direct[i];
    double g_ind = geo_ratio(tin, def, take);
    for (int i = 0; i < S; i++) take[i] = def_direct[i];
    double g_dir = geo_ratio(tdi, def, take);
    /* every timed shape direct: the products past the crossover still run the indirect
     * kernels, so they keep the tuned ones where those beat CLBlast's own */
    int past_only = best_cut == S && tuned[0] && g_ind < BEAT;
    if (past_only) best_i = 1;
    r->min_indirect = best_cut == cut_default ? r->default_min : cut_value(best_cut);
    if (best_cut == S && r->probe_n && r->probe_ms_direct > 0 && r->probe_ms_indirect > 0 &&
        r->probe_ms_direct < BEAT * r->probe_ms_indirect)
        r->min_indirect = r->probe_n + 1;
    double kept[S];
    for (int i = 0; i < S; i++) {
        r->shapes[i].direct = i < best_cut;
        kept[i] = i < best_cut ? dir[best_d][i] : ind[best_i][i];
        take[i] = 1;
    }
    r->gain = 1.0 / geo_ratio(kept, def, take);
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++) {
        archllm_clblast_row *row = &r->rows[k];
        if (row->state != ARCHLLM_CLB_TUNED) continue;
        int direct = k == ARCHLLM_CLB_XGEMM_DIRECT, keep = direct ? best_d : best_i;
        row->state = keep ? ARCHLLM_CLB_KEPT : ARCHLLM_CLB_DROPPED;
        snprintf(row->note, sizeof row->note, "%s; %.2fx CLBlast's own time where it runs %s",
                 !keep ? "not in the fastest configuration" : !direct && past_only ? "kept for products past the crossover"
                                                                                    : "kept",
                 direct ? g_dir : g_ind, direct ? "XgemmDirect" : "Xgemm");
    }
}

/* ARCHLLM_CLBLAST_TUNE_CONFIGS, for tests: a fixed count of configurations (0: not set) */
static int test_configs(void)
{
    const char *env = getenv("ARCHLLM_CLBLAST_TUNE_CONFIGS");
    return env && atoi(env) > 0 ? atoi(env) : 0;
}

static int configs_for(int k, double budget_s)
{
    if (test_configs()) return test_configs();
    int c = (int)(plan[k].configs * budget_s / BASE_BUDGET + 0.5);
    return c < 1 ? 1 : c;
}

static void say(const archllm_autotune_params *p, const char *fmt, ...) ARCHLLM_PRINTF(2, 3);
static void say(const archllm_autotune_params *p, const char *fmt, ...)
{
    if (!p->progress) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    p->progress(p->user, line);
}

/* The probe: PROBE_N^3 on the tuned parameters, all indirect and all direct, when the
 * largest shape ran fastest direct (else the crossover stays below it, and no product past
 * it goes direct) and the time it should take still fits the budget.  Its inputs are
 * new buffers; the tuned products were already checked on the shapes. */
static void probe(archllm_ctx_t *ctx, archllm_clblast_report *r, double left_s, const archllm_autotune_params *p)
{
    const archllm_clblast_shape *big = &r->shapes[ARCHLLM_CLB_SHAPES - 1];
    if (!(big->ms_direct > 0 && big->ms_indirect > 0 && big->ms_direct < big->ms_indirect)) return;
    /* 8x the largest shape's volume, two calls a route */
    double scale = (double)PROBE_N * PROBE_N * PROBE_N / ((double)big->m * big->n * big->k);
    double want_s = 2.0 * scale * (big->ms_direct + big->ms_indirect) / 1e3;
    if (want_s > left_s) {
        say(p, "clblast %-12s skipped (budget): %zux%zux%zu would take about %.1f s", "probe", (size_t)PROBE_N,
            (size_t)PROBE_N, (size_t)PROBE_N, want_s);
        return;
    }
    double t0 = archllm_now_s();
    gemm_bufs g;
    memset(&g, 0, sizeof g);
    size_t nn = (size_t)PROBE_N * PROBE_N;
    float *h = malloc(nn * sizeof(float));
    archllm_status s = h ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "the probe product's inputs");
    for (size_t i = 0; s == ARCHLLM_OK && i < nn; i++) h[i] = randu();
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &g.a, nn * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &g.b, nn * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &g.c, nn * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, g.a, 0, h, nn * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, g.b, 0, h, nn * sizeof(float));
    free(h);
    if (s == ARCHLLM_OK) s = apply_found(ctx, r, 1);
    if (s == ARCHLLM_OK) s = set_routine(ctx, ALL_INDIRECT);
    double first;
    if (s == ARCHLLM_OK) s = time_gemm(ctx, &g, PROBE_N, PROBE_N, PROBE_N, 0, 0, 1, &first, &r->probe_ms_indirect);
    if (s == ARCHLLM_OK) s = set_routine(ctx, ALL_DIRECT);
    if (s == ARCHLLM_OK) s = time_gemm(ctx, &g, PROBE_N, PROBE_N, PROBE_N, 0, 0, 1, &first, &r->probe_ms_direct);
    bufs_free(&g);
    if (s != ARCHLLM_OK) {
        r->probe_ms_indirect = r->probe_ms_direct = 0.0;
        say(p, "clblast %-12s failed: %s; the crossover stays below it", "probe", archllm_last_error());
        archllm_error_clear();
        return;
    }
    r->probe_n = PROBE_N;
    say(p, "clblast %-12s %zux%zux%zu on the tuned parameters: indirect %.1f ms, direct %.1f ms (%.1f s)", "probe",
        (size_t)PROBE_N, (size_t)PROBE_N, (size_t)PROBE_N, r->probe_ms_indirect, r->probe_ms_direct,
        archllm_now_s() - t0);
}

/* ---- Xgemm's vector tiles ----------------------------------------------------------- */

#define TILE_SHARE      0.45            /* of the budget, on a CPU device */
#define TILE_MIN_VOLUME (512u * 512u * 512u) /* timed on the products this large: where Xgemm can pay */

/* a work-item's vectors down M by columns along N; the group's MDIMC x NDIMC, the first the
 * one every shape is timed at before the others are tried on the fastest shape */
static const int tile_shape[4][2] = {{2, 8}, {1, 16}, {1, 8}, {2, 16}};
static const int tile_group[3][2] = {{4, 8}, {2, 8}, {8, 8}};

int archllm_autotune_clblast_tiles(int width, archllm_clblast_set *out, int cap)
{
    if (width != 4 && width != 8 && width != 16) return 0; /* OpenCL's vector widths from 4 */
    /* the native width and twice it: on PoCL's AVX2 code, vectors of 16 (two registers each)
     * ran 1024^3 in 18-22 ms, vectors of 8 in 23-35 */
    int widths[2] = {width, width * 2}, nw = width < 16 ? 2 : 1, n = 0;
    for (int g = 0; g < 3; g++)
        for (int w = 0; w < nw; w++)
            for (int t = 0; t < 4 && n < cap; t++) {
                size_t vw = (size_t)widths[w], mwi = tile_shape[t][0] * vw, nwi = tile_shape[t][1];
                size_t mdimc = tile_group[g][0], ndimc = tile_group[g][1];
                /* by name, as the tuning file lists them */
                const archllm_clblast_param p[] = {
                    {"GEMMK", 0},          {"KREG", 1},         {"KWG", 32},  {"KWI", 2},
                    {"MDIMA", mdimc},      {"MDIMC", mdimc},    {"MWG", mwi * mdimc},
                    {"NDIMB", ndimc},      {"NDIMC", ndimc},    {"NWG", nwi * ndimc},
                    {"SA", 0},             {"SB", 0},           {"STRM", 0},  {"STRN", 0},
                    {ARCHLLM_CLB_VECTOR_MAD, 1}, {"VWM", vw},   {"VWN", 8},
                };
                archllm_clblast_set *set = &out[n++];
                set->n = (int)(sizeof p / sizeof p[0]);
                memcpy(set->p, p, sizeof p);
            }
    return n;
}

/* Xgemm on set, every product all indirect: the geometric mean of the large shapes' best
 * times (*geo_ms), their first calls' time (*first_s: the build), *wrong as time_shapes */
static archllm_status time_xgemm(archllm_ctx_t *ctx, gemm_bufs *g, const archllm_clblast_set *set, double *geo_ms,
                                 double *first_s, int *wrong)
{
    *geo_ms = *first_s = 0.0, *wrong = -1;
    ARCHLLM_TRY(archllm_clblast_override(ctx->device, ARCHLLM_CLB_XGEMM, set));
    ARCHLLM_TRY(set_routine(ctx, ALL_INDIRECT));
    double logs = 0.0;
    int n = 0;
    for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++) {
        if (volume(i) < TILE_MIN_VOLUME) continue;
        double first, ms;
        ARCHLLM_TRY(time_gemm(ctx, g, shape_table[i].m, shape_table[i].n, shape_table[i].k, shape_table[i].ta,
                              shape_table[i].tb, 3, &first, &ms));
        ARCHLLM_TRY(check_product(ctx, g, i, wrong));
        *first_s += first, logs += log(ms), n++;
    }
    if (!n) return archllm_fail(ARCHLLM_EINVAL, "Xgemm tiles: no product of %u^3 or more to time", 512u);
    *geo_ms = exp(logs / n);
    return ARCHLLM_OK;
}

/* a tile's work-item shape: its vector width and register tile, whatever its group */
static int same_shape(const archllm_clblast_set *a, const archllm_clblast_set *b)
{
#define V(s, k) archllm_clblast_value(s, k, 0)
    return V(a, "VWM") == V(b, "VWM") && V(a, "MWG") / V(a, "MDIMC") == V(b, "MWG") / V(b, "MDIMC") &&
           V(a, "NWG") / V(a, "NDIMC") == V(b, "NWG") / V(b, "NDIMC");
#undef V
}

/* On a CPU device: the tuner's Xgemm winner, then every tile shape at the first group, then
 * the other groups of the fastest shape, timed alike on the large products while TILE_SHARE
 * of the budget and the reserve allow; the fastest tile becomes Xgemm's tuned set where it
 * beats the tuner's winner, or the tuner found none.  CLBlast's own parameters are back in
 * force after. */
static void vector_tiles(archllm_ctx_t *ctx, gemm_bufs *g, archllm_clblast_report *r, const archllm_autotune_params *p,
                         double start, double reserve, double build)
{
    archllm_clblast_set all[ARCHLLM_CLB_MAX_TILES];
    archllm_clblast_row *row = &r->rows[ARCHLLM_CLB_XGEMM];
    if (ctx->info.type != ARCHLLM_DEVICE_CPU) return;
    int n = archllm_autotune_clblast_tiles((int)ctx->info.float_vector_width, all, ARCHLLM_CLB_MAX_TILES);
    enum { GROUPS = sizeof tile_group / sizeof tile_group[0] };
    int first = n / GROUPS; /* the tiles list group by group, every shape in each: the first's */
    r->tiles = first ? first + GROUPS - 1 : 0; /* and the fastest shape's other groups */
    if (test_configs() && test_configs() < r->tiles) r->tiles = test_configs();
    if (!r->tiles) return;
    int order[ARCHLLM_CLB_MAX_TILES], planned = first < r->tiles ? first : r->tiles;
    for (int i = 0; i < planned; i++) order[i] = i;
    double t0 = archllm_now_s(), budget = p->budget_s, runs = 0.0;
    for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++)
        if (volume(i) >= TILE_MIN_VOLUME) runs += 4.0 * r->shapes[i].ms_default / 1e3;
    double each = (build >= 1.0 ? build : BUILD_GUESS) + runs, best = 1e300;
    int best_i = -1;
    for (int i = row->state == ARCHLLM_CLB_TUNED ? -1 : 0; i < r->tiles; i++) {
        if (i == planned) { /* every shape timed: the other groups of the fastest */
            for (int j = first; best_i >= 0 && j < n && planned < r->tiles; j++)
                if (same_shape(&all[j], &all[best_i])) order[planned++] = j;
            if (i == planned) break;
        }
        double now = archllm_now_s();
        if (now - t0 + each > TILE_SHARE * budget || now - start + each + reserve > budget) {
            say(p, "clblast %-12s skipped (budget): %d of %d tiles timed", "Xgemm tiles", r->tiles_timed, r->tiles);
            break;
        }
        const archllm_clblast_set *set = i < 0 ? &row->found : &all[order[i]];
        char v[ARCHLLM_CLB_MAX_PARAMS * 48], what[32];
        archllm_clblast_format(set, v, sizeof v);
        snprintf(what, sizeof what, i < 0 ? "the tuner's" : "tile %d/%d", i + 1, r->tiles);
        double ms, first_s;
        int wrong;
        archllm_status s = time_xgemm(ctx, g, set, &ms, &first_s, &wrong);
        if (i >= 0) r->tiles_timed++;
        each = archllm_now_s() - now;
        if (s != ARCHLLM_OK || wrong >= 0) {
            say(p, "clblast %-12s %s %s: %s", "Xgemm tiles", what, v,
                s != ARCHLLM_OK ? archllm_last_error() : "other products than CLBlast's own parameters");
            archllm_error_clear();
            continue;
        }
        say(p, "clblast %-12s %s %s: %.3f ms (first calls %.1f s)", "Xgemm tiles", what, v, ms, first_s);
        if (i < 0) r->tile_tuner_ms = ms;
        else if (ms < best) best = ms, best_i = order[i];
    }
    if (apply_found(ctx, r, 0) != ARCHLLM_OK) archllm_error_clear(); /* the timings after redo it */
    if (best_i < 0) return;
    r->tile_ms = best;
    if (r->tile_tuner_ms > 0 && r->tile_tuner_ms <= best) return;
    row->found = all[best_i];
    row->state = ARCHLLM_CLB_TUNED;
    row->note[0] = '\0';
    r->tile_won = 1;
}

archllm_status archllm_autotune_clblast(archllm_ctx_t *ctx, const archllm_autotune_params *p,
                                        archllm_clblast_report *r)
{
    double start = archllm_now_s(), budget = p->budget_s;
#define ELAPSED() (archllm_now_s() - start)
    memset(r, 0, sizeof *r);
    for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++) {
        r->shapes[i].m = shape_table[i].m, r->shapes[i].n = shape_table[i].n, r->shapes[i].k = shape_table[i].k;
        r->shapes[i].trans_a = shape_table[i].ta, r->shapes[i].trans_b = shape_table[i].tb;
        r->shapes[i].what = shape_table[i].what;
    }
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++) r->rows[k].state = ARCHLLM_CLB_SKIPPED;
    for (int k = 0; k < ARCHLLM_CLB_COUNT; k++) ctx->tuning.clblast[k].n = 0;
    archllm_status s = apply_found(ctx, r, 0); /* from CLBlast's own, whatever a context applied */
    archllm_clblast_set routine;
    if (s == ARCHLLM_OK) s = archllm_clblast_get(ctx->device, ARCHLLM_CLB_ROUTINE, &routine);
    if (s != ARCHLLM_OK) return s;
    r->default_min = r->min_indirect = archllm_clblast_value(&routine, "XGEMM_MIN_INDIRECT_SIZE", 0);
    if (budget <= 0) {
        snprintf(r->note, sizeof r->note, "skipped: no budget left");
        say(p, "clblast %-12s skipped (budget): CLBlast's own parameters stay", "all");
        r->seconds = ELAPSED();
        return ARCHLLM_OK;
    }
    gemm_bufs g;
    double build = 0.0;
    int wrong;
    s = bufs_init(ctx, &g);
    /* 1. CLBlast's own: the times to beat and the reference products */
    if (s == ARCHLLM_OK) s = time_shapes(ctx, &g, RUN_DEFAULT, r, &build, &wrong);
    if (s != ARCHLLM_OK) { /* not this tuner's to fix: the GEMMs themselves will say so */
        bufs_free(&g);
        snprintf(r->note, sizeof r->note, "timing GEMMs on CLBlast's own parameters failed: %s", archllm_last_error());
        archllm_error_clear();
        say(p, "clblast %-12s %s", "defaults", r->note);
        r->seconds = ELAPSED();
        return ARCHLLM_OK;
    }
    say(p, "clblast %-12s %d GEMM shapes timed, CLBlast's own parameters (crossover %zu; first call %.1f s) "
           "(%.1f s)", "defaults", ARCHLLM_CLB_SHAPES, r->default_min, build, ELAPSED());
    double reserve = 2.0 * ((build >= 1.0 ? build : BUILD_GUESS) + (ELAPSED() - build));
    /* 2. the tuners, while their shares fit before the reserve */
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++) {
        archllm_clblast_row *row = &r->rows[k];
        archllm_clblast_tuner_info info;
        archllm_clblast_tuner(k, &info);
        const char *name = archllm_clblast_kernel_name(k);
        if (ELAPSED() + plan[k].share * budget + reserve > budget) {
            say(p, "clblast %-12s skipped (budget): CLBlast's own parameters stay", name);
            continue;
        }
        row->configs = configs_for(k, budget);
        if (row->configs > info.max_configs) row->configs = info.max_configs;
        double t0 = archllm_now_s();
        char shape[48], v[ARCHLLM_CLB_MAX_PARAMS * 48];
        if (info.k) snprintf(shape, sizeof shape, "%zux%zux%zu", info.m, info.n, info.k);
        else snprintf(shape, sizeof shape, "%zux%zu", info.m, info.n);
        if (archllm_clblast_tune(ctx->queue, k, row->configs, &row->found) == ARCHLLM_OK) {
            row->state = ARCHLLM_CLB_TUNED;
            archllm_clblast_format(&row->found, v, sizeof v);
        } else {
            row->state = ARCHLLM_CLB_FAILED;
            snprintf(row->note, sizeof row->note, "%s", archllm_last_error());
            archllm_error_clear();
            snprintf(v, sizeof v, "failed (%s): CLBlast's own parameters stay", row->note);
        }
        row->seconds = archllm_now_s() - t0;
        say(p, "clblast %-12s %s, %d of %.0f configurations: %s (%.1f s)", name, shape, row->configs, info.space, v,
            row->seconds);
        if (k == ARCHLLM_CLB_XGEMM) vector_tiles(ctx, &g, r, p, start, reserve, build);
    }
    /* 3. the tuned kernels, all indirect and all direct: the whole reserve (two builds and
     * timings), so the budget holds */
    if (ELAPSED() + reserve > budget) {
        snprintf(r->note, sizeof r->note, "no time left to time the tuned parameters: CLBlast's own stay");
        say(p, "clblast %-12s skipped (budget): %s", "timing", r->note);
        for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++)
            if (r->rows[k].state == ARCHLLM_CLB_TUNED)
                r->rows[k].state = ARCHLLM_CLB_DROPPED, snprintf(r->rows[k].note, sizeof r->rows[k].note, "not timed");
    } else {
        static const size_t route[2] = {ALL_INDIRECT, ALL_DIRECT};
        static const char *const route_name[2] = {"indirect", "direct"};
        for (int w = 0; w < 2 && s == ARCHLLM_OK; w++) {
            double t0 = archllm_now_s();
            s = apply_found(ctx, r, 1);
            if (s == ARCHLLM_OK) s = set_routine(ctx, route[w]);
            if (s == ARCHLLM_OK) s = time_shapes(ctx, &g, RUN_INDIRECT + w, r, &build, &wrong);
            if (s == ARCHLLM_OK && wrong >= 0)
                s = archllm_fail(ARCHLLM_ECLBLAST, "%zux%zux%zu gave other products than CLBlast's own parameters",
                                 shape_table[wrong].m, shape_table[wrong].n, shape_table[wrong].k);
            if (s == ARCHLLM_OK)
                say(p, "clblast %-12s %d GEMM shapes timed, the tuned parameters, all %s (first call %.1f s) (%.1f s)",
                    "timing", ARCHLLM_CLB_SHAPES, route_name[w], build, archllm_now_s() - t0);
        }
        if (s != ARCHLLM_OK) { /* the tuned parameters are unusable: all of CLBlast's own stay */
            snprintf(r->note, sizeof r->note, "timing the tuned parameters failed: %s", archllm_last_error());
            archllm_error_clear();
            say(p, "clblast %-12s %s", "timing", r->note);
            for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++) r->shapes[i].ms_indirect = r->shapes[i].ms_direct = 0.0;
            for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++)
                if (r->rows[k].state == ARCHLLM_CLB_TUNED)
                    r->rows[k].state = ARCHLLM_CLB_DROPPED, snprintf(r->rows[k].note, sizeof r->rows[k].note,
                                                                     "%s", "its GEMMs failed or differed");
        }
        s = ARCHLLM_OK;
    }
    bufs_free(&g);
    /* 4. past the largest shape, where it ran fastest direct */
    probe(ctx, r, budget - ELAPSED(), p);
    /* 5. keep what won, and run on it */
    archllm_autotune_clblast_decide(r);
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++)
        if (r->rows[k].state == ARCHLLM_CLB_KEPT) ctx->tuning.clblast[k] = r->rows[k].found;
    if (r->min_indirect != r->default_min) {
        archllm_clblast_set *set = &ctx->tuning.clblast[ARCHLLM_CLB_ROUTINE];
        set->n = 1;
        snprintf(set->p[0].name, sizeof set->p[0].name, "XGEMM_MIN_INDIRECT_SIZE");
        set->p[0].value = r->min_indirect;
    }
    archllm_tuning_apply_clblast(ctx);
    char kept[256] = "";
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++)
        if (r->rows[k].state == ARCHLLM_CLB_KEPT) {
            size_t l = strlen(kept);
            snprintf(kept + l, sizeof kept - l, "%s%s", l ? ", " : "", archllm_clblast_kernel_name(k));
        }
    r->seconds = ELAPSED();
    say(p, "clblast %-12s kept: %s; crossover %zu%s; the shapes %.2fx as fast as on CLBlast's own (%.1f s in all)",
        "result", kept[0] ? kept : "none of the tuned kernels", r->min_indirect,
        r->min_indirect == r->default_min ? " (CLBlast's own)" : "", r->gain, r->seconds);
    return ARCHLLM_OK;
#undef ELAPSED
}

static const char *state_name(int st)
{
    return st == ARCHLLM_CLB_KEPT ? "kept" : st == ARCHLLM_CLB_DROPPED ? "dropped" : st == ARCHLLM_CLB_FAILED ? "failed"
         : st == ARCHLLM_CLB_SKIPPED ? "skipped" : "tuned";
}

void archllm_autotune_clblast_table(const archllm_clblast_report *r, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
#define PUT(...) (n += n < cap ? (size_t)snprintf(out + n, cap - n, __VA_ARGS__) : 0)
    PUT("%-14s %-8s %7s %6s  %s\n", "CLBlast kernel", "state", "configs", "s", "parameters, or why CLBlast's own stay");
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++) {
        const archllm_clblast_row *row = &r->rows[k];
        char v[ARCHLLM_CLB_MAX_PARAMS * 48], c[16] = "-", sec[16] = "-";
        archllm_clblast_format(&row->found, v, sizeof v);
        if (row->state != ARCHLLM_CLB_SKIPPED) {
            snprintf(c, sizeof c, "%d", row->configs);
            snprintf(sec, sizeof sec, "%.1f", row->seconds);
        }
        const char *what = row->state == ARCHLLM_CLB_SKIPPED ? "budget" : row->state == ARCHLLM_CLB_FAILED ? row->note : v;
        PUT("%-14s %-8s %7s %6s  %s\n", archllm_clblast_kernel_name(k), state_name(row->state), c, sec, what);
        if (row->state == ARCHLLM_CLB_DROPPED || row->state == ARCHLLM_CLB_KEPT)
            PUT("%-14s %-8s %7s %6s  %s\n", "", "", "", "", row->note);
    }
    PUT("%-20s %11s %12s %10s  %-8s %s\n", "GEMM M x N x K", "CLBlast ms", "indirect ms", "direct ms", "runs", "shape");
    for (int i = 0; i < ARCHLLM_CLB_SHAPES; i++) {
        const archllm_clblast_shape *sh = &r->shapes[i];
        char name[40], ms[3][16] = {"-", "-", "-"};
        const double v[3] = {sh->ms_default, sh->ms_indirect, sh->ms_direct};
        snprintf(name, sizeof name, "%zux%zux%zu %s%s", sh->m, sh->n, sh->k, sh->trans_a ? "T" : "N",
                 sh->trans_b ? "T" : "N");
        for (int j = 0; j < 3; j++)
            if (v[j] > 0) snprintf(ms[j], sizeof ms[j], "%.3f", v[j]);
        PUT("%-20s %11s %12s %10s  %-8s %s\n", name, ms[0], ms[1], ms[2], sh->direct ? "direct" : "indirect", sh->what);
    }
    if (r->probe_n) {
        char name[72];
        snprintf(name, sizeof name, "%zux%zux%zu NN", r->probe_n, r->probe_n, r->probe_n);
        PUT("%-20s %11s %12.3f %10.3f  %-8s %s\n", name, "-", r->probe_ms_indirect, r->probe_ms_direct,
            r->min_indirect > r->probe_n ? "direct" : "indirect", "probe: past the largest shape, which ran direct");
    }
    if (r->tiles_timed) {
        char vs[64] = "";
        if (r->tile_tuner_ms > 0) snprintf(vs, sizeof vs, ", the tuner's %.3f ms", r->tile_tuner_ms);
        if (r->tile_ms > 0)
            PUT("Xgemm vector tiles: %d of %d timed; the best %.3f ms%s (geometric mean, products of 512^3 and up): "
                "%s\n", r->tiles_timed, r->tiles, r->tile_ms, vs, r->tile_won ? "Xgemm's tuned set" : "the tuner's stays");
        else
            PUT("Xgemm vector tiles: %d of %d timed, none ran correctly\n", r->tiles_timed, r->tiles);
    }
    PUT("crossover XGEMM_MIN_INDIRECT_SIZE %zu (CLBlast's own %zu); the shapes %.2fx as fast as on CLBlast's own%s%s\n",
        r->min_indirect, r->default_min, r->gain, r->note[0] ? "; " : "", r->note);
#undef PUT
}
