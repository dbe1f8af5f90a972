/* main.c (test_ops) - the op test harness: every kernel against its plain-C reference on the
 * selected OpenCL device, table-driven (in the spirit of ggml's test-backend-ops).
 *
 *   test_ops [--filter SUBSTR] [--device SEL]   correctness (default)
 *   test_ops --grad [--filter SUBSTR]            reference backward vs central differences
 *   test_ops --perf [--filter SUBSTR]            time each op at a large size: ms, GB/s, GFLOP/s
 *   test_ops --perf --stream R                   the same a call, timed over R calls queued back to back
 *   test_ops --tune KEY=VALUE ...                 correctness or --perf on a tunable value (linear_tile=2x2)
 *
 * Correctness: inputs and outputs live at an offset inside buffers with guard regions
 * filled with a sentinel before and after; a kernel that writes outside its output or
 * ignores an offset fails.  Each output element must satisfy |d - r| <= atol + rtol*|r|,
 * the whole output ||d - r|| / ||r|| <= nerr, and no NaN/Inf where the reference is finite.
 * Exit 0 all passed, 1 a failure, 77 (automake SKIP) when there is no OpenCL device
 * and ARCHLLM_REQUIRE_DEVICE is unset. */
#include "util/clock.h"
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GUARD_N 67 /* odd-sized guard, so offsets are not all aligned */
#define SENTINEL 1.2345678e30f

/* ---- deterministic inputs ----------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* Each case draws from its own stream, seeded by its name, so adding or removing a case
 * (or running with --filter) does not change any other case's inputs. */
static void seed_for(const char *name)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a: a seed, not a hash table */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 1099511628211ull;
    rng_state = h ? h : 0x9E3779B97F4A7C15ull;
}

float harness_randu(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((rng_state >> 40) * (1.0 / 8388608.0)) - 1.0f;
}

#define randu harness_randu

/* ---- the families ------------------------------------------------------------ */

static int build_cases(op_case *cases, int cap, int perf)
{
    int n = 0;
#define FAMILY(name) n += cases_##name(cases + n, cap - n, perf);
#include "families.h"
#undef FAMILY
    return n;
}

static int build_grads(grad_case *cases, int cap)
{
    int n = 0;
#define FAMILY(name) n += grads_##name(cases + n, cap - n);
#include "families.h"
#undef FAMILY
    return n;
}

/* ---- running one case ------------------------------------------------------- */

static int verbose;

static float *alloc_f(size_t n)
{
    float *p = n < ((size_t)1 << 40) ? malloc((n ? n : 1) * sizeof(float)) : NULL;
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* Device buffer with guard regions; the view points past the front guard. */
static archllm_status guarded_upload(archllm_ctx_t *ctx, const float *data, size_t n, cl_mem *buf)
{
    size_t total = n + 2 * GUARD_N;
    float *tmp = alloc_f(total);
    for (size_t i = 0; i < total; i++) tmp[i] = SENTINEL;
    memcpy(tmp + GUARD_N, data, n * sizeof(float));
    archllm_status s = archllm_buf_alloc(ctx, buf, total * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_write(ctx, *buf, 0, tmp, total * sizeof(float));
    free(tmp);
    return s;
}

/* 0 pass, 1 fail */
static int compare(const op_case *c, int o, const float *dev, const float *ref, size_t n)
{
    if (c->out_kind[o] == TENSOR_I32) {
        const int32_t *di = (const int32_t *)dev, *ri = (const int32_t *)ref;
        for (size_t i = 0; i < n; i++)
            if (di[i] != ri[i]) {
                printf("FAIL %s: output %d: int element %zu: device %d, reference %d\n", c->name, o, i, (int)di[i],
                       (int)ri[i]);
                return 1;
            }
        return 0;
    }
    double num = 0.0, den = 0.0, worst = 0.0;
    size_t bad = 0, first_bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = dev[i], r = ref[i], diff = fabs(d - r);
        int nonfinite = !isfinite(d) && isfinite(r);
        if (nonfinite || diff > c->atol + c->rtol * fabs(r)) {
            if (!bad) first_bad = i;
            bad++;
        }
        if (isfinite(diff) && diff > worst) worst = diff;
        num += diff * diff;
        den += r * r;
    }
    double nerr = den > 0 ? sqrt(num / den) : sqrt(num);
    /* over one element the norm is that element's relative error, which the element bound
     * above already judges (and a sum that cancels makes arbitrarily large) */
    if (bad || (n > 1 && !(nerr <= c->nerr))) {
        printf("FAIL %s: output %d: %zu of %zu elements out of tolerance (atol %.1e rtol %.1e), normalized "
               "error %.3e (max %.1e), max |diff| %.3e",
               c->name, o, bad, n, c->atol, c->rtol, nerr, c->nerr, worst);
        if (bad) printf("; first at %zu: device %.9g, reference %.9g", first_bad, dev[first_bad], ref[first_bad]);
        printf("\n");
        return 1;
    }
    if (verbose) printf("  %s: output %d normalized error %.3e, max |diff| %.3e\n", c->name, o, nerr, worst);
    return 0;
}

/* --perf --stream R: calls timed R at a time, one finish after them (0: each call alone) */
static int stream = 0;

static int run_case(archllm_ctx_t *ctx, const op_case *c, int perf)
{
    seed_for(c->name);
    float *in[MAX_T] = {0}, *out[MAX_T] = {0}, *ref_out[MAX_T] = {0};
    cl_mem din[MAX_T] = {0}, dout[MAX_T] = {0};
    archllm_view vin[MAX_T], vout[MAX_T];
    int failed = 0;
    archllm_status s = ARCHLLM_OK;

    for (int i = 0; i < c->n_in; i++) {
        in[i] = alloc_f(c->in_n[i]);
        for (size_t j = 0; j < c->in_n[i]; j++) in[i][j] = randu();
    }
    for (int o = 0; o < c->n_out; o++) {
        out[o] = alloc_f(c->out_n[o] + 2 * GUARD_N);
        ref_out[o] = alloc_f(c->out_n[o]);
        for (size_t j = 0; j < c->out_n[o]; j++) ref_out[o][j] = c->out_init ? randu() : SENTINEL;
    }
    if (c->init) c->init(c, in, ref_out);
    for (int i = 0; i < c->n_in; i++) {
        if (s == ARCHLLM_OK) s = guarded_upload(ctx, in[i], c->in_n[i], &din[i]);
        vin[i] = (archllm_view){din[i], GUARD_N};
    }
    for (int o = 0; o < c->n_out; o++) {
        if (s == ARCHLLM_OK) s = guarded_upload(ctx, ref_out[o], c->out_n[o], &dout[o]);
        vout[o] = (archllm_view){dout[o], GUARD_N};
    }
    if (s == ARCHLLM_OK && !perf) {
        c->ref(c, in, ref_out);
        s = c->dev(ctx, c, vin, vout);
        if (s == ARCHLLM_OK) s = archllm_ctx_finish(ctx);
        for (int o = 0; s == ARCHLLM_OK && o < c->n_out; o++) {
            size_t total = c->out_n[o] + 2 * GUARD_N;
            s = archllm_buf_read(ctx, out[o], dout[o], 0, total * sizeof(float));
            if (s != ARCHLLM_OK) break;
            for (size_t j = 0; j < GUARD_N; j++)
                if (out[o][j] != SENTINEL || out[o][GUARD_N + c->out_n[o] + j] != SENTINEL) {
                    printf("FAIL %s: output %d: write outside the output (guard element %zu changed)\n", c->name,
                           o, j);
                    failed = 1;
                    break;
                }
            failed |= compare(c, o, out[o] + GUARD_N, ref_out[o], c->out_n[o]);
        }
    } else if (s == ARCHLLM_OK) {
        /* best of 20 after 3 warm-ups, as bench/linear/linear_torch.py times PyTorch; a stream
         * leaves the device no idle gap between calls, as a training step's queue does */
        double best = 1e30;
        int    calls = stream > 0 ? stream : 1;
        for (int r = -3; r < 20 && s == ARCHLLM_OK; r++) {
            double t0 = archllm_now_s();
            for (int k = 0; k < calls && s == ARCHLLM_OK; k++) s = c->dev(ctx, c, vin, vout);
            if (s == ARCHLLM_OK) s = archllm_ctx_finish(ctx);
            double t = (archllm_now_s() - t0) / calls;
            if (r >= 0 && t < best) best = t;
        }
        if (s == ARCHLLM_OK)
            printf("%-44s %10.3f ms %9.2f GB/s %9.2f GFLOP/s\n", c->name, best * 1e3, c->bytes / best * 1e-9,
                   c->flops / best * 1e-9);
    }
    if (s != ARCHLLM_OK) {
        printf("FAIL %s: %s: %s\n", c->name, archllm_status_string(s), archllm_last_error());
        failed = 1;
    } else if (!failed && !perf) {
        printf("ok   %s\n", c->name);
    }
    for (int i = 0; i < MAX_T; i++) {
        free(in[i]);
        free(out[i]);
        free(ref_out[i]);
        archllm_buf_free(&din[i]);
        archllm_buf_free(&dout[i]);
    }
    return failed;
}

/* ---- gradient mode: reference backward vs central differences ------------ */

static int grad_check(const grad_case *g)
{
    seed_for(g->name);
    const double h = g->h > 0 ? g->h : 1e-3;
    /* float forward with h = 1e-3: truncation + rounding about 1e-4 relative */
    const double tol = g->tol > 0 ? g->tol : 2e-3;
    float *in[MAX_T] = {0}, *din[MAX_T] = {0};
    float *dout = alloc_f(g->out_n), *outp = alloc_f(g->out_n), *outm = alloc_f(g->out_n);
    for (int i = 0; i < g->n_in; i++) {
        in[i] = alloc_f(g->in_n[i]);
        din[i] = alloc_f(g->in_n[i]);
        for (size_t j = 0; j < g->in_n[i]; j++) {
            in[i][j] = randu();
            din[i][j] = 0.0f;
        }
    }
    if (g->init) g->init(g, in);
    for (size_t j = 0; j < g->out_n; j++) dout[j] = randu();
    g->bwd(g, in, dout, din);
    double worst = 0.0;
    int worst_in = 0;
    size_t worst_at = 0;
    for (int i = 0; i < g->n_in; i++) {
        if (!(g->wrt & (1u << i))) continue;
        for (size_t j = 0; j < g->in_n[i]; j++) {
            float x = in[i][j];
            in[i][j] = (float)(x + h);
            g->fwd(g, in, outp);
            in[i][j] = (float)(x - h);
            g->fwd(g, in, outm);
            in[i][j] = x;
            double lp = 0, lm = 0;
            for (size_t k = 0; k < g->out_n; k++) {
                lp += (double)dout[k] * outp[k];
                lm += (double)dout[k] * outm[k];
            }
            double num = (lp - lm) / (2 * h);
            double err = fabs(num - din[i][j]) / fmax(1.0, fabs(num));
            if (!(err <= worst)) {
                worst = err;
                worst_in = i;
                worst_at = j;
            }
        }
    }
    int fail = !(worst <= tol);
    printf("%s grad %-24s max relative error %.2e (input %d, element %zu)\n", fail ? "FAIL" : "ok  ", g->name,
           worst, worst_in, worst_at);
    for (int i = 0; i < MAX_T; i++) {
        free(in[i]);
        free(din[i]);
    }
    free(dout);
    free(outp);
    free(outm);
    return fail;
}

static int run_grad(const char *filter)
{
    static grad_case cases[256];
    int n = build_grads(cases, 256), failed = 0, ran = 0;
    for (int i = 0; i < n; i++) {
        if (filter && !strstr(cases[i].name, filter)) continue;
        ran++;
        failed += grad_check(&cases[i]);
    }
    if (ran == 0) {
        printf("FAIL: no gradient case matches '%s'\n", filter ? filter : "");
        return 1;
    }
    printf("%d of %d gradient checks passed\n", ran - failed, ran);
    return failed ? 1 : 0;
}

/* ---- main ------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const char *filter = NULL, *device = getenv("ARCHLLM_DEVICE");
    const char *tune[ARCHLLM_TUNE_COUNT];
    int perf = 0, grad = 0, ntune = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--perf") == 0) perf = 1;
        else if (strcmp(argv[i], "--grad") == 0) grad = 1;
        else if (strcmp(argv[i], "-v") == 0) verbose = 1;
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) filter = argv[++i];
        else if (strcmp(argv[i], "--stream") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) stream = atoi(argv[++i]);
        else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) device = argv[++i];
        else if (strcmp(argv[i], "--tune") == 0 && i + 1 < argc) {
            if (ntune == ARCHLLM_TUNE_COUNT) {
                fprintf(stderr, "%s: --tune: at most %d (one a tunable)\n", argv[0], ARCHLLM_TUNE_COUNT);
                return 2;
            }
            tune[ntune++] = argv[++i];
        }
        else {
            fprintf(stderr, "usage: %s [--grad | --perf [--stream R]] [--filter SUBSTR] [--device SEL] [--tune KEY=VALUE]... [-v]\n"
                            "  --stream R times --perf's calls R at a time, queued back to back (a positive count)\n"
                            "  --tune sets a tunable for this run, candidate or not (linear_tile=2x2)\n",
                    argv[0]);
            return 2;
        }
    }
    if (stream && !perf) {
        fprintf(stderr, "%s: --stream times --perf's calls; give --perf too\n", argv[0]);
        return 2;
    }
    if (grad) return run_grad(filter);

    archllm_ctx_t *ctx;
    archllm_status s = archllm_ctx_init(&ctx, device);
    if (s == ARCHLLM_ENODEVICE && !getenv("ARCHLLM_REQUIRE_DEVICE")) {
        printf("SKIP: %s\n", archllm_last_error());
        return 77;
    }
    if (s != ARCHLLM_OK) {
        printf("FAIL: opening the device: %s\n", archllm_last_error());
        return 1;
    }
    for (int i = 0; i < ntune; i++) { /* every value the kernels take, not only this device's candidates */
        char key[64];
        const char *eq = strchr(tune[i], '=');
        size_t len = eq ? (size_t)(eq - tune[i]) : 0;
        int t = -1;
        archllm_tune_value v;
        if (eq && len < sizeof key) {
            memcpy(key, tune[i], len), key[len] = '\0';
            t = archllm_tunable_index(key);
        }
        if (t < 0 || !archllm_tunable_parse(t, eq + 1, &v)) {
            fprintf(stderr, "%s: --tune %s: not KEY=VALUE of a tunable with a value it takes\n", argv[0], tune[i]);
            archllm_ctx_free(ctx);
            return 2;
        }
        archllm_tunable_set(&ctx->tuning, t, v);
    }
    if (ntune) archllm_ctx_reset_programs(ctx); /* the defines among them */
    printf("device: %s (%s)\n", ctx->info.name, ctx->info.platform_name);
    static op_case cases[1024];
    int n = build_cases(cases, 1024, perf), failed = 0, ran = 0;
    for (int i = 0; i < n; i++) {
        if (filter && !strstr(cases[i].name, filter)) continue;
        ran++;
        failed += run_case(ctx, &cases[i], perf);
    }
    archllm_ctx_free(ctx);
    if (ran == 0) {
        printf("FAIL: no case matches '%s'\n", filter ? filter : "");
        return 1;
    }
    printf("%d of %d cases passed\n", ran - failed, ran);
    return failed ? 1 : 0;
}
