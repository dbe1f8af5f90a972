/* cmd_bench.c - `archllm bench gemm`: SGEMM throughput on the selected device through
 * CLBlast and through archllm's own kernels (cl/linear.cl, archllm_op_matmul_own: what
 * archllm_op_matmul runs up to the tuned matmul_max), with OpenBLAS on the host beside
 * them as the baseline users would compare with.
 * It says where it ran (host CPU, cores, load average) and, like bench/machine.sh, marks a
 * run that started at a load average above 1 NOT QUOTABLE. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT: the cores `nproc` counts */
#include "config.h"
#include "cli/cli.h"
#include "backend/backend.h"
#include "ops/ops.h"
#include "util/clock.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

#ifdef HAVE_OPENBLAS
#include <cblas.h>
#endif

#define MAX_SIZES 32

static int parse_sizes(const char *s, int *sizes, int *n)
{
    *n = 0;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 32768 || *n == MAX_SIZES) return -1;
        sizes[(*n)++] = (int)v;
        if (*end == ',') end++;
        else if (*end) return -1;
        s = end;
    }
    return *n > 0 ? 0 : -1;
}

/* ---- where it ran ---------------------------------------------------------------- */

/* The value of the first line of FILE's text that starts with KEY and a colon (after
 * optional blanks), trimmed, into out; 0 when found. */
static int read_field(FILE *f, const char *key, char *out, size_t n)
{
    char line[512];
    size_t k = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, k) != 0) continue;
        char *p = line + k;
        while (*p == ' ' || *p == '\t') p++;
        if (*p != ':') continue;
        p++;
        while (isspace((unsigned char)*p)) p++;
        size_t len = strlen(p);
        while (len > 0 && isspace((unsigned char)p[len - 1])) p[--len] = '\0';
        if (len == 0) continue;
        snprintf(out, n, "%s", p);
        return 0;
    }
    return -1;
}

/* CPU model: /proc/cpuinfo's "model name" (x86), else lscpu's "Model name" (ARM and the
 * rest), else "unknown CPU". */
static void host_cpu_model(char *out, size_t n)
{
    int found = -1;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        found = read_field(f, "model name", out, n);
        fclose(f);
    }
    if (found != 0 && (f = popen("lscpu 2>/dev/null", "r")) != NULL) {
        found = read_field(f, "Model name", out, n);
        pclose(f);
    }
    if (found != 0) snprintf(out, n, "unknown CPU");
}

static long host_cores(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* The 1-minute load average, or -1 when /proc/loadavg cannot be read. */
static double host_load1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

static void print_host(double load0)
{
    char cpu[256];
    host_cpu_model(cpu, sizeof cpu);
    long cores = host_cores();
    printf("host: %s, ", cpu);
    if (cores > 0) printf("%ld cores; ", cores);
    else printf("? cores; ");
    if (load0 >= 0) printf("load average %.2f at the start\n", load0);
    else printf("load average unknown at the start\n");
}

/* bench/machine.sh's verdict: other work sharing the cores at the start spoils the figures
 * (the run's own threads raise the average later, so only the start counts). */
static void print_verdict(double load0)
{
    if (load0 < 0) printf("verdict: NOT QUOTABLE (the load average could not be read at the start)\n");
    else if (load0 > 1.0) printf("verdict: NOT QUOTABLE: load average %.2f at the start, above 1\n", load0);
    else printf("verdict: quotable: load average %.2f at the start\n", load0);
}

static void fill_random(float *x, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
    }
}

/* Best time of `repeat` runs of C = A*B (n x n) on the device, after one warm-up, through
 * CLBlast (t[0]) and through archllm's kernels (t[1]), on the same inputs; *diff gets the
 * largest difference of their products over the largest |C| */
static archllm_status time_device(archllm_ctx_t *ctx, int n, int repeat, double t[2], double *diff)
{
    size_t elems = (size_t)n * n;
    float *host = malloc(2 * elems * sizeof(float));
    cl_mem a = NULL, b = NULL, c = NULL;
    archllm_status s = host ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "host buffer");
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &a, elems * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &b, elems * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &c, elems * sizeof(float));
    if (s == ARCHLLM_OK) {
        fill_random(host, elems, 1);
        s = archllm_buf_write(ctx, a, 0, host, elems * sizeof(float));
    }
    if (s == ARCHLLM_OK) {
        fill_random(host, elems, 2);
        s = archllm_buf_write(ctx, b, 0, host, elems * sizeof(float));
    }
    archllm_view va = {a, 0}, vb = {b, 0}, vc = {c, 0};
    for (int own = 0; own < 2 && s == ARCHLLM_OK; own++) {
        t[own] = 1e30;
        for (int r = -1; r < repeat && s == ARCHLLM_OK; r++) {
            double t0 = archllm_now_s();
            s = own ? archllm_op_matmul_own(ctx, 0, 0, n, n, n, 1.0f, va, n, vb, n, 0.0f, vc, n)
                    : archllm_sgemm(ctx, 0, 0, n, n, n, 1.0f, va, n, vb, n, 0.0f, vc, n);
            if (s == ARCHLLM_OK) s = archllm_ctx_finish(ctx);
            double dt = archllm_now_s() - t0;
            if (r >= 0 && dt < t[own]) t[own] = dt;
        }
        if (s == ARCHLLM_OK) s = archllm_buf_read(ctx, host + own * elems, c, 0, elems * sizeof(float));
    }
    if (s == ARCHLLM_OK) {
        double worst = 0.0, top = 0.0;
        for (size_t i = 0; i < elems; i++) {
            double d = fabs((double)host[i] - host[elems + i]), m = fabs((double)host[i]);
            if (d > worst || d != d) worst = d;
            if (m > top) top = m;
        }
        *diff = top > 0 ? worst / top : worst;
    }
    archllm_buf_free(&a);
    archllm_buf_free(&b);
    archllm_buf_free(&c);
    free(host);
    return s;
}

static archllm_status time_device_batched(archllm_ctx_t *ctx, int n, int batch, int repeat, double *best)
{
    size_t elems = (size_t)n * n * batch;
    cl_mem a = NULL, b = NULL, c = NULL;
    archllm_status s = archllm_buf_alloc(ctx, &a, elems * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &b, elems * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &c, elems * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_fill_f32(ctx, a, 0, elems, 0.5f);
    if (s == ARCHLLM_OK) s = archllm_buf_fill_f32(ctx, b, 0, elems, 0.25f);
    *best = 1e30;
    size_t st = (size_t)n * n;
    for (int r = -1; r < repeat && s == ARCHLLM_OK; r++) {
        double t0 = archllm_now_s();
        s = archllm_sgemm_batched(ctx, 0, 0, n, n, n, 1.0f, (archllm_view){a, 0}, n, st, (archllm_view){b, 0}, n,
                                  st, 0.0f, (archllm_view){c, 0}, n, st, batch);
        if (s == ARCHLLM_OK) s = archllm_ctx_finish(ctx);
        double t = archllm_now_s() - t0;
        if (r >= 0 && t < *best) *best = t;
    }
    archllm_buf_free(&a);
    archllm_buf_free(&b);
    archllm_buf_free(&c);
    return s;
}

/* Before each side when OpenBLAS runs beside the device: its worker threads and PoCL's spin
 * for a while after their last job, and on a 2-core machine a side timed inside the other's
 * spin ran up to 2x slower (CLBlast at n = 512: 1.1 ms alone, 2-5 ms right after OpenBLAS) */
static void settle(void)
{
    struct timespec ts = {0, 300 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

#ifdef HAVE_OPENBLAS
static double time_openblas(int n, int repeat)
{
    size_t elems = (size_t)n * n;
    float *a = malloc(elems * sizeof(float)), *b = malloc(elems * sizeof(float)), *c = malloc(elems * sizeof(float));
    double best = 1e30;
    if (a && b && c) {
        fill_random(a, elems, 1);
        fill_random(b, elems, 2);
        for (int r = -1; r < repeat; r++) {
            double t0 = archllm_now_s();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            double t = archllm_now_s() - t0;
            if (r >= 0 && t < best) best = t;
        }
    }
    free(a);
    free(b);
    free(c);
    return best;
}
#endif

static int bench_gemm(int argc, char **argv)
{
    static const struct option opts[] = {
        {"device", required_argument, NULL, 'd'}, {"sizes", required_argument, NULL, 's'},
        {"repeat", required_argument, NULL, 'r'}, {"batched", no_argument, NULL, 'b'},
        {"openblas", no_argument, NULL, 'o'},     {"threads", required_argument, NULL, 't'},
        CLI_CONFIG_LONG_OPTIONS,                  {NULL, 0, NULL, 0}};
    const char *device_opt = NULL;
    const char *sizes_opt = NULL;
    int sizes[MAX_SIZES], nsizes = 0, repeat = 0, batched = 0, openblas = 0, threads = 2, c, handled;
    cli_config_opts copts = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:s:r:bot:", opts, NULL)) != -1) {
        if ((handled = cli_config_option(&copts, c, optarg)) < 0) return CLI_EXIT_USAGE;
        if (handled) continue;
        switch (c) {
        case 'd': device_opt = optarg; break;
        case 's':
            sizes_opt = optarg;
            if (parse_sizes(optarg, sizes, &nsizes) != 0)
                return cli_error(CLI_EXIT_USAGE, "--sizes: expected comma-separated sizes in 1..32768, got '%s'",
                                 optarg);
            break;
        case 'r':
            repeat = atoi(optarg);
            if (repeat < 1 || repeat > 1000) return cli_error(CLI_EXIT_USAGE, "--repeat: expected 1..1000");
            break;
        case 'b': batched = 1; break;
        case 'o': openblas = 1; break;
        case 't':
            threads = atoi(optarg);
            if (threads < 1 || threads > 1024) return cli_error(CLI_EXIT_USAGE, "--threads: expected 1..1024");
            break;
        default: return cli_usage("bench", CLI_EXIT_USAGE);
        }
    }
    if (optind < argc) return cli_usage("bench", CLI_EXIT_USAGE);
    /* the config's bench group gives what the options leave unset */
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &copts);
    if (rc) return rc;
    if (!sizes_opt) {
        nsizes = cfg.bench.gemm_sizes.n < MAX_SIZES ? cfg.bench.gemm_sizes.n : MAX_SIZES;
        for (int i = 0; i < nsizes; i++) sizes[i] = cfg.bench.gemm_sizes.v[i];
    }
    if (!repeat) repeat = cfg.bench.repeat;
    if (!batched) batched = cfg.bench.batched;
#ifndef HAVE_OPENBLAS
    if (openblas) return cli_error(CLI_EXIT_USAGE, "--openblas: this build has no OpenBLAS (configure found none)");
#else
    if (openblas) openblas_set_num_threads(threads);
#endif

    double load0 = host_load1(); /* before the device opens: its threads are ours */
    archllm_ctx_t *ctx;
    rc = cli_open_ctx(&ctx, device_opt, &cfg);
    if (rc) return rc;
    print_host(load0);
    const archllm_device_info *d = archllm_ctx_device(ctx);
    printf("device %d:%d %s (%s, driver %s)\n", d->platform_index, d->device_index, d->name, d->platform_name,
           d->driver_version);
    printf("SGEMM C = A*B, row-major, n x n x n, best of %d after a warm-up: CLBlast, archllm's own kernels%s\n",
           repeat, openblas ? "; OpenBLAS cblas_sgemm on the host beside them (ratio: its time / theirs)" : "");
    printf("%8s %12s %10s %12s %10s %9s", "n", "clblast ms", "GFLOP/s", "archllm ms", "GFLOP/s", "max diff");
    if (openblas) printf(" %12s %10s %8s %8s", "openblas ms", "GFLOP/s", "clblast", "archllm");
    printf("\n");
    archllm_status s = ARCHLLM_OK;
    for (int i = 0; i < nsizes && s == ARCHLLM_OK; i++) {
        int n = sizes[i];
        double tt[2], diff = 0.0;
        if (openblas) settle();
        s = time_device(ctx, n, repeat, tt, &diff);
        if (s != ARCHLLM_OK) break;
        /* both are float sums of n products in some order: far apart only if one is wrong */
        if (!(diff <= 1e-4)) {
            s = archllm_fail(ARCHLLM_EINVAL, "n = %d: archllm's kernels and CLBlast differ by %.3g of the largest |C|",
                             n, diff);
            break;
        }
        double flop = 2.0 * n * n * (double)n, t = tt[0], to = tt[1];
        printf("%8d %12.3f %10.1f %12.3f %10.1f %9.1e", n, t * 1e3, flop / t * 1e-9, to * 1e3, flop / to * 1e-9, diff);
#ifdef HAVE_OPENBLAS
        if (openblas) {
            settle();
            double tb = time_openblas(n, repeat);
            printf(" %12.3f %10.1f %8.2f %8.2f", tb * 1e3, flop / tb * 1e-9, tb / t, tb / to);
        }
#endif
        printf("\n");
    }
    if (s == ARCHLLM_OK && batched) {
        double t;
        s = time_device_batched(ctx, 64, 1000, repeat, &t);
        if (s == ARCHLLM_OK)
            printf("batched 1000 x 64^3: %.3f ms, %.1f GFLOP/s (CLBlastSgemmStridedBatched)\n", t * 1e3,
                   1000 * 2.0 * 64 * 64 * 64 / t * 1e-9);
    }
    archllm_ctx_free(ctx);
    if (s != ARCHLLM_OK) return cli_status(s, "bench gemm");
    print_verdict(load0);
    return CLI_EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2) return cli_usage("bench", CLI_EXIT_USAGE);
    if (strcmp(argv[1], "gemm") == 0) return bench_gemm(argc - 1, argv + 1);
    return cli_error(CLI_EXIT_USAGE, "bench: unknown benchmark '%s' (known: gemm)", argv[1]);
}
