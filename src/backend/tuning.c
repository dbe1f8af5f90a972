/* tuning.c - per-device tuning values: the #defines put before every kernel source and
 * the launch shapes, their safe defaults by device type, the tunables' candidate lists,
 * the tuning file that `archllm tune` (src/ops/autotune.c and autotune_clblast.c measure)
 * writes per device and driver beside the program cache, and handing its CLBlast
 * parameters to CLBlast (through backend/clblast_tune.cc).  The measuring itself is not
 * here: it runs the op launchers and CLBlast's tuners.
 *
 * Tuning file (text, one "key value" a line, '#' comments):
 *   archllm-tuning 3          format version: another one is stale
 *   platform, device, vendor, driver   must match the device, else stale
 *   linear_wg 64 / linear_cols 16 / linear_tile 4x2 / reduce_wg 64 / attn_shape 1x8 /
 *   matmul_max 16777216 (or all) / linear_dw direct (or transposed)               the winners
 *   clblast Xgemm GEMMK=0 KREG=1 ...   CLBlast's parameters of one kernel, every one it
 *                                      takes (checked at context open); a kernel without
 *                                      a line runs on CLBlast's own
 *   clblast GemmRoutine XGEMM_MIN_INDIRECT_SIZE=256   the measured routing crossover */
#include "backend/backend.h"
#include "util/fileio.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sha2.h>

#define TUNING_FORMAT 3 /* 2: clblast lines; 3: linear_tile, matmul_max all (2^30 gone) */

void archllm_tuning_for_device(const archllm_device_info *info, archllm_tuning *t)
{
    memset(t, 0, sizeof *t); /* no CLBlast parameters: CLBlast's own */
    /* Default row: fits every OpenCL 1.2 device (the spec's minimum max work-group is 1). */
    t->wg_size = 64;
    t->reduce_wg = 64;
    t->tile = 8;
    if (info->type == ARCHLLM_DEVICE_GPU) {
        t->wg_size = 256;
        t->reduce_wg = 256;
        t->tile = 16;
    }
    while ((size_t)t->wg_size > info->max_work_group && t->wg_size > 1) t->wg_size /= 2;
    while ((size_t)t->reduce_wg > info->max_work_group && t->reduce_wg > 1) t->reduce_wg /= 2;
    while ((size_t)(t->tile * t->tile) > info->max_work_group && t->tile > 1) t->tile /= 2;
    /* linear: the 1-D work-group; tiles of 4 rows x 2 blocks of 16 columns, or on a CPU of
     * its SIMD width (PoCL: 16 with AVX-512, 8 with AVX2, where 8 float16 accumulators
     * spilled: 1792 x 128 x 128 forward / dx at 98 / 62 GFLOP/s against 120 / 87 at 8 on a
     * Zen 3) */
    t->linear_wg = t->wg_size;
    t->linear_cols = 16;
    if (info->type == ARCHLLM_DEVICE_CPU &&
        (info->float_vector_width == 4 || info->float_vector_width == 8))
        t->linear_cols = (int)info->float_vector_width;
    t->linear_rows = 4;
    t->linear_blocks = 2;
    t->linear_dw = 0; /* linear_bwd_dw's own pass over dy's columns */
    /* GEMMs on cl/linear.cl below CLBlast's padding and launch costs: on a GPU up to the T5
     * layers of nb201-default (640 x 256 x 64 the largest) until the tuner measures the
     * crossover; on a CPU all of them, the tuner's pick on every CPU measured (BENCHMARKS.md:
     * two Xeons, Zen 3, 4 and 5), where 2^24 sent a B 128 T5 step's feed-forward to an untuned
     * CLBlast (nb201-default's T5 at B 128 on a Zen 5: 45.6 against 16.3 ms a step) */
    t->matmul_max = info->type == ARCHLLM_DEVICE_CPU ? HUGE_VAL : 1 << 24;
    /* Fused attention, CPUs: 1 x 1 groups, 8 columns (where dk allows).  A PoCL work-group is
     * one thread looping over its work-items between barriers, and that loop only costs
     * here: at nb201-default's sizes 1 x 1 measured 1.5-3x faster than 8 x 8, and 1.1-1.3x
     * at t5-small's (PoCL 3.1, 2 cores).  GPUs: the tile (16 x 16), one column per item. */
    t->attn_tile = info->type == ARCHLLM_DEVICE_CPU ? 1 : t->tile;
    t->attn_vw = info->type == ARCHLLM_DEVICE_CPU ? 8 : 1;
}

/* ---- tunables ------------------------------------------------------------------ */

static const char *const tunable_names[ARCHLLM_TUNE_COUNT] = {"linear_wg",  "linear_cols", "linear_tile",
                                                               "reduce_wg",  "attn_shape",  "matmul_max",
                                                               "linear_dw"};

const char *archllm_tunable_name(int t) { return t >= 0 && t < ARCHLLM_TUNE_COUNT ? tunable_names[t] : "?"; }

int archllm_tunable_index(const char *name)
{
    for (int t = 0; t < ARCHLLM_TUNE_COUNT; t++)
        if (strcmp(name, tunable_names[t]) == 0) return t;
    return -1;
}

archllm_tune_value archllm_tunable_get(const archllm_tuning *tu, int t)
{
    archllm_tune_value v = {{0, 0}};
    switch (t) {
    case ARCHLLM_TUNE_LINEAR_WG: v.v[0] = tu->linear_wg; break;
    case ARCHLLM_TUNE_LINEAR_COLS: v.v[0] = tu->linear_cols; break;
    case ARCHLLM_TUNE_LINEAR_TILE: v.v[0] = tu->linear_rows, v.v[1] = tu->linear_blocks; break;
    case ARCHLLM_TUNE_LINEAR_DW: v.v[0] = tu->linear_dw; break;
    case ARCHLLM_TUNE_REDUCE_WG: v.v[0] = tu->reduce_wg; break;
    case ARCHLLM_TUNE_ATTN_SHAPE: v.v[0] = tu->attn_tile, v.v[1] = tu->attn_vw; break;
    case ARCHLLM_TUNE_MATMUL_MAX: /* INT_MAX is "all"; ARCHLLM_MATMUL_MAX may set a finite value above an int */
        v.v[0] = isinf(tu->matmul_max) ? INT_MAX : tu->matmul_max >= INT_MAX - 1 ? INT_MAX - 1 : (int)tu->matmul_max;
        break;
    }
    return v;
}

void archllm_tunable_set(archllm_tuning *tu, int t, archllm_tune_value v)
{
    switch (t) {
    case ARCHLLM_TUNE_LINEAR_WG: tu->linear_wg = v.v[0]; break;
    case ARCHLLM_TUNE_LINEAR_COLS: tu->linear_cols = v.v[0]; break;
    case ARCHLLM_TUNE_LINEAR_TILE: tu->linear_rows = v.v[0], tu->linear_blocks = v.v[1]; break;
    case ARCHLLM_TUNE_LINEAR_DW: tu->linear_dw = v.v[0]; break;
    case ARCHLLM_TUNE_REDUCE_WG: tu->reduce_wg = v.v[0]; break;
    case ARCHLLM_TUNE_ATTN_SHAPE: tu->attn_tile = v.v[0], tu->attn_vw = v.v[1]; break;
    case ARCHLLM_TUNE_MATMUL_MAX: tu->matmul_max = v.v[0] == INT_MAX ? HUGE_VAL : v.v[0]; break;
    }
}

void archllm_tunable_format(int t, archllm_tune_value v, char *out, size_t cap)
{
    if (t == ARCHLLM_TUNE_ATTN_SHAPE || t == ARCHLLM_TUNE_LINEAR_TILE) snprintf(out, cap, "%dx%d", v.v[0], v.v[1]);
    else if (t == ARCHLLM_TUNE_MATMUL_MAX && v.v[0] == INT_MAX) snprintf(out, cap, "all");
    else if (t == ARCHLLM_TUNE_LINEAR_DW) snprintf(out, cap, "%s", v.v[0] ? "transposed" : "direct");
    else snprintf(out, cap, "%d", v.v[0]);
}

int archllm_tunable_parse(int t, const char *s, archllm_tune_value *v)
{
    char end = 0;
    v->v[0] = v->v[1] = 0;
    /* sizes and shapes are positive; matmul_max may be 0 (every GEMM on CLBlast) */
    if (t == ARCHLLM_TUNE_ATTN_SHAPE || t == ARCHLLM_TUNE_LINEAR_TILE)
        return sscanf(s, "%dx%d%c", &v->v[0], &v->v[1], &end) == 2 && v->v[0] > 0 && v->v[1] > 0;
    if (t == ARCHLLM_TUNE_MATMUL_MAX && strcmp(s, "all") == 0) return v->v[0] = INT_MAX, 1;
    if (t == ARCHLLM_TUNE_LINEAR_DW) {
        v->v[0] = strcmp(s, "transposed") == 0;
        return v->v[0] || strcmp(s, "direct") == 0;
    }
    return sscanf(s, "%d%c", &v->v[0], &end) == 1 && (t == ARCHLLM_TUNE_MATMUL_MAX ? v->v[0] >= 0 : v->v[0] > 0);
}

static int add_cand(archllm_tune_value *out, int n, int a, int b)
{
    for (int i = 0; i < n; i++)
        if (out[i].v[0] == a && out[i].v[1] == b) return n;
    if (n == ARCHLLM_TUNE_MAX_CAND) return n;
    out[n].v[0] = a, out[n].v[1] = b;
    return n + 1;
}

int archllm_tunable_candidates(int t, const archllm_device_info *info, archllm_tune_value *out)
{
    archllm_tuning d;
    archllm_tuning_for_device(info, &d);
    archllm_tune_value def = archllm_tunable_get(&d, t);
    int n = add_cand(out, 0, def.v[0], def.v[1]);
    size_t maxwg = info->max_work_group;
    static const int wgs[] = {16, 32, 64, 128, 256};
    static const int cols[] = {16, 8, 4};
    static const int shapes[][2] = {{1, 8}, {1, 1}, {2, 8}, {4, 8}, {4, 1}, {8, 1}, {16, 1}};
    /* rows x blocks: more accumulators for fewer loads an FMA (CPUs: up to 24 of AVX-512's 32
     * registers; 32 spilled), or fewer for more items (GPUs) */
    static const int tiles_cpu[][2] = {{8, 2}, {6, 4}, {4, 4}, {6, 2}}, tiles_gpu[][2] = {{1, 2}, {2, 2}, {2, 4}};
    /* none, then up to each of autotune.c's GEMM shapes in turn; the last, "all", where
     * archllm's kernels win up to the largest of them (t5-small's output head and the
     * large bench gemm sizes are beyond what the tuner can afford to time) */
    static const int crossovers[] = {0, 1 << 24, 1 << 25, 1 << 28, INT_MAX};
    switch (t) {
    case ARCHLLM_TUNE_LINEAR_WG:
    case ARCHLLM_TUNE_REDUCE_WG:
        for (size_t i = 0; i < sizeof wgs / sizeof wgs[0]; i++)
            if ((size_t)wgs[i] <= maxwg) n = add_cand(out, n, wgs[i], 0);
        break;
    case ARCHLLM_TUNE_LINEAR_COLS:
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) n = add_cand(out, n, cols[i], 0);
        break;
    case ARCHLLM_TUNE_LINEAR_TILE:
        if (info->type == ARCHLLM_DEVICE_GPU)
            for (size_t i = 0; i < sizeof tiles_gpu / sizeof tiles_gpu[0]; i++)
                n = add_cand(out, n, tiles_gpu[i][0], tiles_gpu[i][1]);
        else
            for (size_t i = 0; i < sizeof tiles_cpu / sizeof tiles_cpu[0]; i++)
                n = add_cand(out, n, tiles_cpu[i][0], tiles_cpu[i][1]);
        break;
    case ARCHLLM_TUNE_LINEAR_DW: n = add_cand(out, n, 1, 0); break;
    case ARCHLLM_TUNE_ATTN_SHAPE:
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            if ((size_t)(shapes[i][0] * shapes[i][0]) <= maxwg) n = add_cand(out, n, shapes[i][0], shapes[i][1]);
        break;
    case ARCHLLM_TUNE_MATMUL_MAX:
        for (size_t i = 0; i < sizeof crossovers / sizeof crossovers[0]; i++) n = add_cand(out, n, crossovers[i], 0);
        break;
    }
    return n;
}

/* ---- the tuning file ---------------------------------------------------------------- */

int archllm_tuning_path(const archllm_device_info *info, char *out, size_t cap)
{
    const char *f = getenv("ARCHLLM_TUNING_FILE");
    if (f && f[0]) {
        snprintf(out, cap, "%s", f);
        return 1;
    }
    char dir[4096];
    if (!archllm_cache_dir(dir, sizeof dir)) return 0;
    SHA2_CTX h;
    char hex[SHA256_DIGEST_STRING_LENGTH];
    SHA256Init(&h);
    const char *parts[] = {info->platform_name, info->name, info->vendor, info->driver_version};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        SHA256Update(&h, (const uint8_t *)parts[i], strlen(parts[i]) + 1);
    SHA256End(&h, hex);
    char name[41];
    size_t n = 0;
    for (const char *p = info->name; *p && n + 1 < sizeof name; p++) /* a readable, safe file name */
        name[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p : '-';
    name[n] = '\0';
    snprintf(out, cap, "%s/tuning-%s-%.12s.txt", dir, name, hex);
    return 1;
}

/* "Kernel NAME=V NAME=V ..." of a clblast line into t->clblast[kernel] */
static archllm_status clblast_parse(char *val, archllm_tuning *t, const char *path, int lineno)
{
    char *save = NULL, *word = strtok_r(val, " ", &save);
    int k = word ? archllm_clblast_kernel_index(word) : -1;
    if (k < 0)
        return archllm_fail(ARCHLLM_EFORMAT, "%s:%d: unknown CLBlast kernel %s", path, lineno, word ? word : "(none)");
    archllm_clblast_set *set = &t->clblast[k];
    if (set->n) return archllm_fail(ARCHLLM_EFORMAT, "%s:%d: a second clblast %s line", path, lineno, word);
    while ((word = strtok_r(NULL, " ", &save)) != NULL) {
        char *eq = strchr(word, '=');
        size_t len = eq ? (size_t)(eq - word) : 0, digits = eq ? strspn(eq + 1, "0123456789") : 0;
        int ok = eq && len > 0 && len < sizeof set->p[0].name &&
                 strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == len && digits > 0 && digits <= 9 &&
                 eq[1 + digits] == '\0';
        if (!ok)
            return archllm_fail(ARCHLLM_EFORMAT, "%s:%d: clblast %s: \"%s\" is not NAME=number", path, lineno,
                                archllm_clblast_kernel_name(k), word);
        *eq = '\0';
        if (archllm_clblast_value(set, word, (size_t)-1) != (size_t)-1)
            return archllm_fail(ARCHLLM_EFORMAT, "%s:%d: clblast %s: %s twice", path, lineno,
                                archllm_clblast_kernel_name(k), word);
        if (set->n == ARCHLLM_CLB_MAX_PARAMS)
            return archllm_fail(ARCHLLM_EFORMAT, "%s:%d: clblast %s: over %d parameters", path, lineno,
                                archllm_clblast_kernel_name(k), ARCHLLM_CLB_MAX_PARAMS);
        snprintf(set->p[set->n].name, sizeof set->p[0].name, "%s", word);
        set->p[set->n].value = (size_t)strtoul(eq + 1, NULL, 10);
        set->n++;
    }
    if (!set->n) return archllm_fail(ARCHLLM_EFORMAT, "%s:%d: clblast %s: no parameters", path, lineno,
                                     archllm_clblast_kernel_name(k));
    return ARCHLLM_OK;
}

archllm_status archllm_tuning_load(const char *path, const archllm_device_info *info, archllm_tuning *t)
{
    char *data = NULL;
    size_t len = 0;
    if (archllm_read_file(path, &data, &len) != ARCHLLM_OK) {
        archllm_error_clear();
        return archllm_fail(ARCHLLM_ENOTFOUND, "no tuning file %s", path);
    }
    archllm_tuning out = *t;
    memset(out.clblast, 0, sizeof out.clblast); /* the file says all of CLBlast's */
    int format = 0, lineno = 0;
    const char *want[4][2] = {{"platform", info->platform_name}, {"device", info->name},
                              {"vendor", info->vendor}, {"driver", info->driver_version}};
    int matched[4] = {0, 0, 0, 0};
    archllm_status s = ARCHLLM_OK;
    for (char *line = data, *next; line && s == ARCHLLM_OK; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (!line[0] || line[0] == '#') continue;
        char *sp = strchr(line, ' ');
        if (!sp) {
            s = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: expected \"key value\"", path, lineno);
            break;
        }
        *sp = '\0';
        const char *key = line, *val = sp + 1;
        if (lineno == 1) {
            if (strcmp(key, "archllm-tuning") != 0 || sscanf(val, "%d", &format) != 1)
                s = archllm_fail(ARCHLLM_EFORMAT, "%s: not an archllm tuning file", path);
            else if (format != TUNING_FORMAT)
                s = archllm_fail(ARCHLLM_EFORMAT, "%s: format %d, this archllm reads %d", path, format, TUNING_FORMAT);
            continue;
        }
        int known = 0;
        if (strcmp(key, "clblast") == 0) {
            known = 1;
            s = clblast_parse(sp + 1, &out, path, lineno); /* val, which it splits */
        }
        for (int i = 0; i < 4; i++)
            if (strcmp(key, want[i][0]) == 0) {
                known = 1;
                if (strcmp(val, want[i][1]) != 0)
                    s = archllm_fail(ARCHLLM_EFORMAT, "%s: stale: made for %s \"%s\", this is \"%s\"", path, key,
                                     val, want[i][1]);
                matched[i] = 1;
            }
        for (int k = 0; !known && k < ARCHLLM_TUNE_COUNT; k++) {
            if (strcmp(key, tunable_names[k]) != 0) continue;
            known = 1;
            archllm_tune_value v, cand[ARCHLLM_TUNE_MAX_CAND];
            int n = archllm_tunable_candidates(k, info, cand), ok = 0;
            if (archllm_tunable_parse(k, val, &v))
                for (int i = 0; i < n; i++) ok |= cand[i].v[0] == v.v[0] && cand[i].v[1] == v.v[1];
            if (!ok) s = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: %s %s is not a candidate here", path, lineno, key, val);
            else archllm_tunable_set(&out, k, v);
        }
        if (!known) s = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: unknown key %s", path, lineno, key);
    }
    free(data);
    if (s != ARCHLLM_OK) return s;
    if (format == 0) return archllm_fail(ARCHLLM_EFORMAT, "%s: not an archllm tuning file", path);
    for (int i = 0; i < 4; i++)
        if (!matched[i]) return archllm_fail(ARCHLLM_EFORMAT, "%s: no %s line", path, want[i][0]);
    /* a missing tunable keeps its default: a file written before a tunable existed stays usable */
    *t = out;
    return ARCHLLM_OK;
}

archllm_status archllm_tuning_save(const char *path, const archllm_device_info *info, const archllm_tuning *t,
                                   const char *notes)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        ARCHLLM_TRY(archllm_mkdirs(dir));
    }
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    fprintf(af.f, "archllm-tuning %d\n# written by `archllm tune` (archllm %s); delete it to run on the defaults\n",
            TUNING_FORMAT, ARCHLLM_VERSION_STRING);
    fprintf(af.f, "platform %s\ndevice %s\nvendor %s\ndriver %s\n", info->platform_name, info->name, info->vendor,
            info->driver_version);
    for (int k = 0; k < ARCHLLM_TUNE_COUNT; k++) {
        char v[32];
        archllm_tunable_format(k, archllm_tunable_get(t, k), v, sizeof v);
        fprintf(af.f, "%s %s\n", tunable_names[k], v);
    }
    for (int k = 0; k < ARCHLLM_CLB_COUNT; k++) {
        if (!t->clblast[k].n) continue;
        char v[ARCHLLM_CLB_MAX_PARAMS * 48];
        archllm_clblast_format(&t->clblast[k], v, sizeof v);
        fprintf(af.f, "clblast %s %s\n", archllm_clblast_kernel_name(k), v);
    }
    if (notes) {
        for (const char *p = notes; *p;) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            fprintf(af.f, "# %.*s\n", (int)n, p);
            p += n + (e != NULL);
        }
    }
    return archllm_atomic_commit(&af); /* it checks the stream's error state */
}

/* ---- at context open ------------------------------------------------------------- */

archllm_status archllm_tuning_read(const archllm_ctx_t *ctx, const char *path, archllm_tuning *t)
{
    archllm_status s = archllm_tuning_load(path, &ctx->info, t);
    /* every parameter CLBlast takes for the kernel on this device, and no other */
    for (int k = 0; k < ARCHLLM_CLB_COUNT && s == ARCHLLM_OK; k++)
        if (t->clblast[k].n && (s = archllm_clblast_check(ctx->device, k, &t->clblast[k])))
            archllm_fail_prefix(s, "%s: stale", path);
    return s;
}

void archllm_tuning_open(archllm_ctx_t *ctx)
{
    static int noticed; /* one notice per process */
    const char *mode = getenv("ARCHLLM_TUNE");
    ctx->tuned = 0;
    ctx->tuning_file[0] = '\0';
    if (mode && strcmp(mode, "off") == 0) return;
    int have_path = archllm_tuning_path(&ctx->info, ctx->tuning_file, sizeof ctx->tuning_file);
    if (have_path) {
        archllm_status s = archllm_tuning_read(ctx, ctx->tuning_file, &ctx->tuning);
        if (s == ARCHLLM_OK) {
            ctx->tuned = 1;
            return;
        }
        archllm_tuning_for_device(&ctx->info, &ctx->tuning);
        if (s != ARCHLLM_ENOTFOUND && !noticed) {
            fprintf(stderr, "archllm: ignoring the tuning file: %s; running on the defaults (`archllm tune` "
                            "rebuilds it)\n", archllm_last_error());
            noticed = 1;
        }
        archllm_error_clear();
    }
    /* ARCHLLM_TUNE=auto: the one who opened the context tunes it (archllm_autotune_auto) */
    if (mode && strcmp(mode, "auto") == 0 && have_path) return;
    if (!noticed) {
        fprintf(stderr, "archllm: %s is not tuned; running on safe defaults (run `archllm tune` once, or set "
                        "ARCHLLM_TUNE=auto)\n", ctx->info.name);
        noticed = 1;
    }
}

void archllm_tuning_apply_clblast(archllm_ctx_t *ctx)
{
    static int noticed; /* one notice per process */
    const char *off = getenv("ARCHLLM_CLBLAST_TUNING");
    int use = !(off && strcmp(off, "0") == 0);
    archllm_status s = ARCHLLM_OK;
    for (int k = 0; k < ARCHLLM_CLB_COUNT && s == ARCHLLM_OK; k++)
        s = use && ctx->tuning.clblast[k].n ? archllm_clblast_override(ctx->device, k, &ctx->tuning.clblast[k])
                                            : archllm_clblast_restore(ctx->device, k);
    if (s == ARCHLLM_OK) return;
    if (!noticed) {
        fprintf(stderr, "archllm: CLBlast refused the tuned parameters (%s); running on CLBlast's own\n",
                archllm_last_error());
        noticed = 1;
    }
    archllm_error_clear();
    for (int k = 0; k < ARCHLLM_CLB_COUNT; k++) {
        ctx->tuning.clblast[k].n = 0;
        if (archllm_clblast_restore(ctx->device, k) != ARCHLLM_OK) archllm_error_clear();
    }
}
