/* test_backend.c - device selection, a context like another, Xgemm's vector multiply-add
 * build option, the program cache (hit, corrupted entry, unwritable folder), build errors
 * with their log, and the CLBlast error path. */
#include "backend/backend.h"
#include "backend/clblast_tune.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

/* Build the reduce family in a fresh context; returns status, fills built/cached counts. */
static archllm_status build_once(int *built, int *cached)
{
    archllm_ctx_t *ctx;
    cl_kernel k;
    ARCHLLM_TRY(archllm_ctx_init(&ctx, NULL));
    archllm_status s = archllm_kernel(ctx, "reduce", "reduce_final", &k);
    *built = ctx->programs_built;
    *cached = ctx->programs_cached;
    archllm_ctx_free(ctx);
    return s;
}

/* The one cache file of family "reduce" in dir, or "" */
static void find_cache_file(const char *dir, char *out, size_t cap)
{
    out[0] = '\0';
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "reduce-", 7) == 0 && strstr(e->d_name, ".bin") && !strstr(e->d_name, ".tmp"))
            snprintf(out, cap, "%s/%s", dir, e->d_name);
    closedir(d);
}

/* Xgemm overridden with CLBlast's own parameters and USE_VECTOR_MAD=1: the build option
 * after the user's own (USER_OPTIONS) while it holds, a product through Xgemm equal to the
 * host's, and the user's options back after the restore */
#define USER_OPTIONS "-DARCHLLM_TEST_USER_OPTION=1"
static void check_vector_mad(archllm_ctx_t *ctx)
{
    enum { M = 96, N = 80, K = 64 };
    archllm_clblast_set set, routine = {1, {{"XGEMM_MIN_INDIRECT_SIZE", 1}}};
    CHECK_OK(archllm_clblast_get(ctx->device, ARCHLLM_CLB_XGEMM, &set));
    set.p[set.n] = (archllm_clblast_param){ARCHLLM_CLB_VECTOR_MAD, 2};
    set.n++;
    archllm_status s = archllm_clblast_override(ctx->device, ARCHLLM_CLB_XGEMM, &set);
    CHECK(s == ARCHLLM_EFORMAT && strstr(archllm_last_error(), "not 0 or 1"), "USE_VECTOR_MAD=2 refused: %s",
          archllm_last_error());
    set.p[set.n - 1].value = 1;
    CHECK_OK(archllm_clblast_override(ctx->device, ARCHLLM_CLB_XGEMM, &set));
    CHECK_OK(archllm_clblast_override(ctx->device, ARCHLLM_CLB_ROUTINE, &routine));
    const char *opt = getenv("CLBLAST_BUILD_OPTIONS");
    CHECK(opt && strcmp(opt, USER_OPTIONS " -DUSE_VECTOR_MAD=1 ") == 0, "the build option after the user's: '%s'",
          opt ? opt : "(unset)");
    archllm_clblast_set now;
    CHECK_OK(archllm_clblast_get(ctx->device, ARCHLLM_CLB_XGEMM, &now));
    CHECK(archllm_clblast_value(&now, ARCHLLM_CLB_VECTOR_MAD, 0) == 1, "Xgemm's parameters read back with it");
    static float a[M * K], b[K * N], c[M * N];
    for (int i = 0; i < M * K; i++) a[i] = (float)((i * 7) % 13) - 6.0f;
    for (int i = 0; i < K * N; i++) b[i] = (float)((i * 5) % 11) - 5.0f;
    cl_mem da, db, dc;
    CHECK_OK(archllm_buf_alloc(ctx, &da, sizeof a));
    CHECK_OK(archllm_buf_alloc(ctx, &db, sizeof b));
    CHECK_OK(archllm_buf_alloc(ctx, &dc, sizeof c));
    CHECK_OK(archllm_buf_write(ctx, da, 0, a, sizeof a));
    CHECK_OK(archllm_buf_write(ctx, db, 0, b, sizeof b));
    CHECK_OK(archllm_sgemm(ctx, 0, 0, M, N, K, 1.0f, (archllm_view){da, 0}, K, (archllm_view){db, 0}, N, 0.0f,
                           (archllm_view){dc, 0}, N));
    CHECK_OK(archllm_buf_read(ctx, c, dc, 0, sizeof c));
    int bad = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float want = 0.0f; /* small integers: exact in any order */
            for (int k = 0; k < K; k++) want += a[i * K + k] * b[k * N + j];
            bad += c[i * N + j] != want;
        }
    CHECK(bad == 0, "Xgemm built with the vector multiply-add: the host's product (%d of %d differ)", bad, M * N);
    archllm_buf_free(&da);
    archllm_buf_free(&db);
    archllm_buf_free(&dc);
    CHECK_OK(archllm_clblast_restore(ctx->device, ARCHLLM_CLB_XGEMM));
    CHECK_OK(archllm_clblast_restore(ctx->device, ARCHLLM_CLB_ROUTINE));
    opt = getenv("CLBLAST_BUILD_OPTIONS");
    CHECK(opt && strcmp(opt, USER_OPTIONS) == 0, "the user's build options back: '%s'", opt ? opt : "(unset)");
    CHECK_OK(archllm_clblast_get(ctx->device, ARCHLLM_CLB_XGEMM, &now));
    CHECK(archllm_clblast_value(&now, ARCHLLM_CLB_VECTOR_MAD, 9) == 9, "and without it after the restore");
}

int main(void)
{
    setenv("CLBLAST_BUILD_OPTIONS", USER_OPTIONS, 1); /* before any context reads it */
    archllm_ctx_t *ctx = test_open_ctx();
    archllm_status s;
    /* test_open_ctx exits unless it opened: check that what opened is a listed device */
    archllm_device_info list[16];
    int nlist = 0, listed = 0;
    s = archllm_devices_list(list, 16, &nlist);
    for (int i = 0; s == ARCHLLM_OK && i < nlist && i < 16; i++)
        listed |= list[i].platform_index == ctx->info.platform_index &&
                  list[i].device_index == ctx->info.device_index && strcmp(list[i].name, ctx->info.name) == 0;
    CHECK(listed && ctx->info.name[0], "default device opens and is listed (%s, %d:%d)", ctx->info.name,
          ctx->info.platform_index, ctx->info.device_index);

    /* build options: only the tuning defines a source names, as whole identifiers */
    char opts[512];
    archllm_build_options(ctx, "__kernel void k(void) {}", opts, sizeof opts);
    CHECK(!strstr(opts, "-D"), "a source naming no tunable gets no define (%s)", opts);
    archllm_build_options(ctx, "float acc[LIN_ROWS][REDUCE_WG]; /* MY_LIN_COLS LIN_BLOCKSX */", opts, sizeof opts);
    CHECK(strstr(opts, "-DLIN_ROWS=") && strstr(opts, "-DREDUCE_WG=") && !strstr(opts, "-DLIN_COLS=") &&
              !strstr(opts, "-DLIN_BLOCKS="),
          "the defines a source names, and no other (%s)", opts);
    /* a context like ctx: its device, and its tuning as it stands in memory (not the file's) */
    {
        archllm_ctx_t *like;
        int keep = ctx->tuning.reduce_wg;
        ctx->tuning.reduce_wg = keep == 16 ? 32 : 16;
        CHECK_OK(archllm_ctx_init_like(&like, ctx));
        CHECK(like->device == ctx->device && like->queue != ctx->queue &&
                  like->tuning.reduce_wg == ctx->tuning.reduce_wg && like->tuned == ctx->tuned,
              "a context like another: its device, a queue of its own, the same tuning (reduce_wg %d)",
              like->tuning.reduce_wg);
        cl_kernel k;
        CHECK_OK(archllm_kernel(like, "reduce", "reduce_final", &k));
        archllm_ctx_free(like);
        ctx->tuning.reduce_wg = keep;
    }
    check_vector_mad(ctx);
    char sel[32], name_sel[16];
    snprintf(sel, sizeof sel, "%d:%d", ctx->info.platform_index, ctx->info.device_index);
    snprintf(name_sel, sizeof name_sel, "%.8s", ctx->info.name);
    archllm_ctx_free(ctx);

    s = archllm_ctx_init(&ctx, sel);
    CHECK(s == ARCHLLM_OK, "selector '%s' opens the device", sel);
    if (s == ARCHLLM_OK) archllm_ctx_free(ctx);
    s = archllm_ctx_init(&ctx, name_sel);
    CHECK(s == ARCHLLM_OK, "name selector '%s' opens the device", name_sel);
    if (s == ARCHLLM_OK) archllm_ctx_free(ctx);
    s = archllm_ctx_init(&ctx, "99:0");
    CHECK(s == ARCHLLM_ENOTFOUND && strstr(archllm_last_error(), "99:0"), "selector 99:0 -> not found: %s",
          archllm_last_error());
    s = archllm_ctx_init(&ctx, "no-such-device-xyz");
    CHECK(s == ARCHLLM_ENOTFOUND, "unmatched name selector -> not found: %s", archllm_last_error());

    /* program cache in a fresh folder */
    char dir[] = "/tmp/archllm-cache-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "temp cache folder %s", dir);
    setenv("ARCHLLM_CACHE_DIR", dir, 1);
    unsetenv("ARCHLLM_NO_CACHE");
    unsetenv("ARCHLLM_CL_DIR");
    int built, cached;
    s = build_once(&built, &cached);
    CHECK(s == ARCHLLM_OK && built == 1 && cached == 0, "cold cache: built from source (%d built, %d cached)", built,
          cached);
    char file[4096];
    find_cache_file(dir, file, sizeof file);
    CHECK(file[0] != '\0', "cache file written: %s", file);
    s = build_once(&built, &cached);
    CHECK(s == ARCHLLM_OK && built == 0 && cached == 1, "warm cache: loaded (%d built, %d cached)", built, cached);

    /* a corrupted entry falls back to building, and is rewritten */
    FILE *f = fopen(file, "r+b");
    if (f) {
        fseek(f, 8, SEEK_SET);
        fputs("garbage garbage garbage", f);
        fclose(f);
    }
    s = build_once(&built, &cached);
    CHECK(s == ARCHLLM_OK && built == 1, "corrupted cache entry: rebuilt (%d built, %d cached)", built, cached);
    CHECK(truncate(file, 10) == 0, "truncate the cache entry");
    s = build_once(&built, &cached);
    CHECK(s == ARCHLLM_OK && built == 1, "truncated cache entry: rebuilt (%d built)", built);
    s = build_once(&built, &cached);
    CHECK(s == ARCHLLM_OK && cached == 1, "rewritten entry loads again (%d cached)", cached);
    unlink(file);
    rmdir(dir);

    /* an unusable cache folder is not an error */
    setenv("ARCHLLM_CACHE_DIR", "/proc/archllm-cannot-exist", 1);
    s = build_once(&built, &cached);
    CHECK(s == ARCHLLM_OK && built == 1, "unwritable cache folder: built from source (%s)",
          s == ARCHLLM_OK ? "ok" : archllm_last_error());
    setenv("ARCHLLM_NO_CACHE", "1", 1);

    /* a kernel that does not compile: EBUILD naming the file, with the compiler's log */
    char cldir[] = "/tmp/archllm-cl-test-XXXXXX";
    CHECK(mkdtemp(cldir) != NULL, "temp kernel folder");
    char path[256];
    snprintf(path, sizeof path, "%s/common.cl", cldir);
    f = fopen(path, "w");
    if (f) fclose(f);
    snprintf(path, sizeof path, "%s/broken.cl", cldir);
    f = fopen(path, "w");
    if (f) {
        fputs("__kernel void broken_fwd(__global float *x) { x[0] = undefined_name; }\n", f);
        fclose(f);
    }
    setenv("ARCHLLM_CL_DIR", cldir, 1);
    s = archllm_ctx_init(&ctx, NULL);
    /* the device opened above, so failing now is a failure, not a skip */
    CHECK(s == ARCHLLM_OK, "context with ARCHLLM_CL_DIR set (%s)", s == ARCHLLM_OK ? "ok" : archllm_last_error());
    if (s == ARCHLLM_OK) {
        cl_kernel k;
        s = archllm_kernel(ctx, "broken", "broken_fwd", &k);
        const char *msg = archllm_last_error();
        CHECK(s == ARCHLLM_EBUILD && strstr(msg, "broken.cl") && strstr(msg, "undefined_name"),
              "build failure reports file and log (%s)", archllm_status_string(s));
        s = archllm_kernel(ctx, "missing", "x", &k);
        CHECK(s == ARCHLLM_EIO && strstr(archllm_last_error(), "missing.cl"), "missing kernel file: %s",
              archllm_last_error());
        unsetenv("ARCHLLM_CL_DIR");
        s = archllm_kernel(ctx, "reduce", "no_such_kernel", &k);
        CHECK(s == ARCHLLM_EOPENCL && strstr(archllm_last_error(), "CL_INVALID_KERNEL_NAME"),
              "unknown kernel name: %s", archllm_last_error());
        /* CLBlast errors become ECLBLAST with the routine and the reason */
        cl_mem small;
        s = archllm_buf_alloc(ctx, &small, 16);
        CHECK(s == ARCHLLM_OK, "a 16-byte buffer for the CLBlast error case");
        if (s == ARCHLLM_OK) {
            archllm_view v = {small, 0};
            s = archllm_sgemm(ctx, 0, 0, 64, 64, 64, 1.0f, v, 64, v, 64, 0.0f, v, 64);
            CHECK(s == ARCHLLM_ECLBLAST && strstr(archllm_last_error(), "CLBlastSgemm"),
                  "CLBlast error reported: %s", archllm_last_error());
            archllm_buf_free(&small);
        }
        archllm_ctx_free(ctx);
    }
    unlink(path);
    snprintf(path, sizeof path, "%s/common.cl", cldir);
    unlink(path);
    rmdir(cldir);
    return test_finish();
}
