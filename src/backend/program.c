/* program.c - kernel sources (embedded or from $ARCHLLM_CL_DIR), program building,
 * the on-disk binary cache and kernel lookup.
 *
 * Cache: one file per program, named by the SHA-256 of (source, build options, platform,
 * device, driver version, archllm version), holding a small header and the device
 * binary; written to a temp file and renamed.  Any cache failure (unreadable, stale,
 * truncated, rejected by the driver) falls back to building from source. */
#include "backend/backend.h"
#include "util/fileio.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sha2.h>

#define CACHE_MAGIC   0x424c4341u /* "ACLB" */
#define CACHE_VERSION 1u

/* One file's text: from $ARCHLLM_CL_DIR when set, else the embedded copy. */
static archllm_status one_source(const char *name, char **out, size_t *len)
{
    const char *dir = getenv("ARCHLLM_CL_DIR");
    if (dir && dir[0]) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.cl", dir, name);
        archllm_status s = archllm_read_file(path, out, len);
        return s == ARCHLLM_OK ? s : archllm_fail_prefix(s, "ARCHLLM_CL_DIR");
    }
    for (int i = 0; i < archllm_embedded_cl_count; i++) {
        const archllm_embedded_cl *e = &archllm_embedded_cl_files[i];
        if (strcmp(e->name, name) == 0) {
            *out = malloc(e->size + 1);
            if (!*out) return archllm_fail(ARCHLLM_ENOMEM, "kernel source %s", name);
            memcpy(*out, e->data, e->size);
            (*out)[e->size] = '\0';
            *len = e->size;
            return ARCHLLM_OK;
        }
    }
    return archllm_fail(ARCHLLM_ENOTFOUND, "no kernel source cl/%s.cl in this build", name);
}

archllm_status archllm_cl_source(const char *family, char **src, size_t *len)
{
    char *common = NULL, *body = NULL;
    size_t clen = 0, blen = 0;
    *src = NULL;
    ARCHLLM_TRY(one_source("common", &common, &clen));
    archllm_status s = one_source(family, &body, &blen);
    if (s != ARCHLLM_OK) {
        free(common);
        return s;
    }
    /* #line resets so compiler messages name the right file and line. */
    char head[128];
    int hlen = snprintf(head, sizeof head, "#line 1 \"%s.cl\"\n", family);
    *src = malloc(clen + (size_t)hlen + blen + 32);
    if (!*src) {
        free(common);
        free(body);
        return archllm_fail(ARCHLLM_ENOMEM, "kernel source %s", family);
    }
    size_t n = (size_t)sprintf(*src, "#line 1 \"common.cl\"\n");
    memcpy(*src + n, common, clen);
    n += clen;
    (*src)[n++] = '\n';
    memcpy(*src + n, head, (size_t)hlen);
    n += (size_t)hlen;
    memcpy(*src + n, body, blen);
    n += blen;
    (*src)[n] = '\0';
    *len = n;
    free(common);
    free(body);
    return ARCHLLM_OK;
}

/* Whether SRC names NAME as a whole identifier (in code or in a comment: a false match
 * only costs a build). */
static int names_macro(const char *src, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(src, name); p; p = strstr(p + 1, name)) {
        int before = p > src && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = isalnum((unsigned char)p[n]) || p[n] == '_';
        if (!before && !after) return 1;
    }
    return 0;
}

void archllm_build_options(const archllm_ctx_t *ctx, const char *src, char *out, size_t cap)
{
    /* Only the defines a family's source names: a tune that moves the linear tile then
     * rebuilds cl/linear.cl alone, and one that moves reduce_wg the reductions alone.
     * -cl-fast-relaxed-math is avoided: it changes results between devices. */
    const struct {
        const char *name;
        int value;
    } defs[] = {{"REDUCE_WG", ctx->tuning.reduce_wg},
                {"LIN_COLS", ctx->tuning.linear_cols},
                {"LIN_ROWS", ctx->tuning.linear_rows},
                {"LIN_BLOCKS", ctx->tuning.linear_blocks}};
    size_t n = (size_t)snprintf(out, cap, "-cl-std=CL1.2 -cl-denorms-are-zero");
    for (size_t i = 0; i < sizeof defs / sizeof defs[0] && n < cap; i++)
        if (names_macro(src, defs[i].name)) n += (size_t)snprintf(out + n, cap - n, " -D%s=%d", defs[i].name, defs[i].value);
}

/* ---- disk cache ----------------------------------------------------------- */

int archllm_cache_dir(char *out, size_t cap)
{
    const char *no = getenv("ARCHLLM_NO_CACHE");
    if (no && no[0] && strcmp(no, "0") != 0) return 0;
    const char *dir = getenv("ARCHLLM_CACHE_DIR");
    if (dir && dir[0]) {
        snprintf(out, cap, "%s", dir);
    } else if ((dir = getenv("XDG_CACHE_HOME")) && dir[0]) {
        snprintf(out, cap, "%s/archllm", dir);
    } else if ((dir = getenv("HOME")) && dir[0]) {
        snprintf(out, cap, "%s/.cache/archllm", dir);
    } else {
        return 0;
    }
    if (archllm_mkdirs(out) != ARCHLLM_OK) {
        archllm_error_clear(); /* no cache is not an error: programs are built from source */
        return 0;
    }
    return 1;
}

static void cache_key(const archllm_ctx_t *ctx, const char *src, size_t len, const char *opts,
                      char hex[SHA256_DIGEST_STRING_LENGTH])
{
    SHA2_CTX h;
    SHA256Init(&h);
    const char *parts[] = {ctx->info.platform_name, ctx->info.platform_version, ctx->info.name,
                           ctx->info.vendor, ctx->info.driver_version, ARCHLLM_VERSION_STRING, opts};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        SHA256Update(&h, (const uint8_t *)parts[i], strlen(parts[i]) + 1); /* with the NUL: unambiguous */
    SHA256Update(&h, (const uint8_t *)src, len);
    SHA256End(&h, hex);
}

static cl_program cache_load(archllm_ctx_t *ctx, const char *path, const char *opts)
{
    size_t len = 0;
    char *data;
    if (archllm_read_file(path, &data, &len) != ARCHLLM_OK) {
        archllm_error_clear(); /* a missing entry is the normal cold-cache case */
        return NULL;
    }
    uint32_t hdr[4];
    cl_program prog = NULL;
    if (len > sizeof hdr) {
        memcpy(hdr, data, sizeof hdr);
        size_t size = len - sizeof hdr;
        if (hdr[0] == CACHE_MAGIC && hdr[1] == CACHE_VERSION && hdr[2] == (uint32_t)size) {
            const unsigned char *bin = (const unsigned char *)data + sizeof hdr;
            cl_int status, err;
            prog = clCreateProgramWithBinary(ctx->context, 1, &ctx->device, &size, &bin, &status, &err);
            if (err != CL_SUCCESS || status != CL_SUCCESS) {
                if (prog) clReleaseProgram(prog);
                prog = NULL;
            } else if (clBuildProgram(prog, 1, &ctx->device, opts, NULL, NULL) != CL_SUCCESS) {
                clReleaseProgram(prog);
                prog = NULL;
            }
        }
    }
    free(data);
    return prog;
}

static void cache_store(archllm_ctx_t *ctx, cl_program prog, const char *path)
{
    size_t size = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) != CL_SUCCESS || !size ||
        size > UINT32_MAX)
        return;
    unsigned char *bin = malloc(size);
    if (!bin) return;
    archllm_atomic_file af;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS &&
        archllm_atomic_open(&af, path) == ARCHLLM_OK) {
        uint32_t hdr[4] = {CACHE_MAGIC, CACHE_VERSION, (uint32_t)size, 0};
        if (fwrite(hdr, sizeof hdr, 1, af.f) == 1 && fwrite(bin, 1, size, af.f) == size)
            archllm_atomic_commit(&af);
        else
            archllm_atomic_abort(&af);
    }
    archllm_error_clear(); /* a cache that cannot be written is not an error */
    free(bin);
}

/* ---- building -------------------------------------------------------------- */

static archllm_status build_log_error(archllm_ctx_t *ctx, cl_program prog, const char *family, cl_int err)
{
    archllm_fail(ARCHLLM_EBUILD, "building cl/%s.cl for %s: %s", family, ctx->info.name,
                 archllm_cl_error_name(err));
    size_t len = 0;
    if (clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &len) == CL_SUCCESS && len) {
        char *log = malloc(len + 1);
        if (log && clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, len, log, NULL) == CL_SUCCESS) {
            log[len] = '\0';
            archllm_fail_append(log);
        }
        free(log);
    }
    return ARCHLLM_EBUILD;
}

static archllm_status program_build(archllm_ctx_t *ctx, const char *family, cl_program *out)
{
    char *src = NULL;
    size_t len = 0;
    char opts[512];
    ARCHLLM_TRY(archllm_cl_source(family, &src, &len));
    archllm_build_options(ctx, src, opts, sizeof opts);

    char dir[4096], path[4096 + 80];
    char hex[SHA256_DIGEST_STRING_LENGTH];
    int use_cache = archllm_cache_dir(dir, sizeof dir);
    if (use_cache) {
        cache_key(ctx, src, len, opts, hex);
        snprintf(path, sizeof path, "%s/%s-%.32s.bin", dir, family, hex);
        if ((*out = cache_load(ctx, path, opts))) {
            ctx->programs_cached++;
            free(src);
            return ARCHLLM_OK;
        }
    }
    cl_int err;
    const char *srcp = src;
    cl_program prog = clCreateProgramWithSource(ctx->context, 1, &srcp, &len, &err);
    free(src);
    if (err != CL_SUCCESS) return archllm_cl_check(err, "clCreateProgramWithSource");
    err = clBuildProgram(prog, 1, &ctx->device, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        archllm_status s = build_log_error(ctx, prog, family, err);
        clReleaseProgram(prog);
        return s;
    }
    if (use_cache) cache_store(ctx, prog, path);
    ctx->programs_built++;
    *out = prog;
    return ARCHLLM_OK;
}

void archllm_ctx_reset_programs(archllm_ctx_t *ctx)
{
    for (int i = 0; i < ctx->n_programs; i++) {
        archllm_program *p = &ctx->programs[i];
        for (int k = 0; k < p->n_kernels; k++) clReleaseKernel(p->kernels[k]);
        if (p->program) clReleaseProgram(p->program);
    }
    ctx->n_programs = 0;
}

archllm_status archllm_kernel(archllm_ctx_t *ctx, const char *family, const char *name, cl_kernel *kernel)
{
    archllm_program *p = NULL;
    for (int i = 0; i < ctx->n_programs; i++)
        if (strcmp(ctx->programs[i].family, family) == 0) p = &ctx->programs[i];
    if (!p) {
        if (ctx->n_programs == ARCHLLM_MAX_FAMILIES)
            return archllm_fail(ARCHLLM_ENOMEM, "too many kernel families (raise ARCHLLM_MAX_FAMILIES)");
        cl_program prog;
        ARCHLLM_TRY(program_build(ctx, family, &prog));
        p = &ctx->programs[ctx->n_programs++];
        memset(p, 0, sizeof *p);
        snprintf(p->family, sizeof p->family, "%s", family);
        p->program = prog;
    }
    for (int k = 0; k < p->n_kernels; k++)
        if (strcmp(p->kernel_names[k], name) == 0) {
            *kernel = p->kernels[k];
            return ARCHLLM_OK;
        }
    if (p->n_kernels == ARCHLLM_MAX_KERNELS)
        return archllm_fail(ARCHLLM_ENOMEM, "too many kernels in cl/%s.cl", family);
    cl_int err;
    cl_kernel k = clCreateKernel(p->program, name, &err);
    if (err != CL_SUCCESS) {
        archllm_cl_check(err, "clCreateKernel");
        return archllm_fail_prefix(ARCHLLM_EOPENCL, "kernel %s in cl/%s.cl", name, family);
    }
    snprintf(p->kernel_names[p->n_kernels], sizeof p->kernel_names[0], "%s", name);
    p->kernels[p->n_kernels++] = k;
    *kernel = k;
    return ARCHLLM_OK;
}
