/* context.c - the compute context (device, context, in-order profiling queue), OpenCL
 * error names, buffers and kernel launch helpers. */
#include "backend/backend.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *archllm_cl_error_name(cl_int err)
{
    switch (err) {
#define E(x) case x: return #x;
        E(CL_SUCCESS) E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE) E(CL_COMPILER_NOT_AVAILABLE)
        E(CL_MEM_OBJECT_ALLOCATION_FAILURE) E(CL_OUT_OF_RESOURCES) E(CL_OUT_OF_HOST_MEMORY)
        E(CL_PROFILING_INFO_NOT_AVAILABLE) E(CL_MEM_COPY_OVERLAP) E(CL_IMAGE_FORMAT_MISMATCH)
        E(CL_IMAGE_FORMAT_NOT_SUPPORTED) E(CL_BUILD_PROGRAM_FAILURE) E(CL_MAP_FAILURE)
        E(CL_MISALIGNED_SUB_BUFFER_OFFSET) E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
        E(CL_COMPILE_PROGRAM_FAILURE) E(CL_LINKER_NOT_AVAILABLE) E(CL_LINK_PROGRAM_FAILURE)
        E(CL_DEVICE_PARTITION_FAILED) E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE)
        E(CL_INVALID_VALUE) E(CL_INVALID_DEVICE_TYPE) E(CL_INVALID_PLATFORM) E(CL_INVALID_DEVICE)
        E(CL_INVALID_CONTEXT) E(CL_INVALID_QUEUE_PROPERTIES) E(CL_INVALID_COMMAND_QUEUE)
        E(CL_INVALID_HOST_PTR) E(CL_INVALID_MEM_OBJECT) E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR)
        E(CL_INVALID_IMAGE_SIZE) E(CL_INVALID_SAMPLER) E(CL_INVALID_BINARY) E(CL_INVALID_BUILD_OPTIONS)
        E(CL_INVALID_PROGRAM) E(CL_INVALID_PROGRAM_EXECUTABLE) E(CL_INVALID_KERNEL_NAME)
        E(CL_INVALID_KERNEL_DEFINITION) E(CL_INVALID_KERNEL) E(CL_INVALID_ARG_INDEX)
        E(CL_INVALID_ARG_VALUE) E(CL_INVALID_ARG_SIZE) E(CL_INVALID_KERNEL_ARGS)
        E(CL_INVALID_WORK_DIMENSION) E(CL_INVALID_WORK_GROUP_SIZE) E(CL_INVALID_WORK_ITEM_SIZE)
        E(CL_INVALID_GLOBAL_OFFSET) E(CL_INVALID_EVENT_WAIT_LIST) E(CL_INVALID_EVENT)
        E(CL_INVALID_OPERATION) E(CL_INVALID_GL_OBJECT) E(CL_INVALID_BUFFER_SIZE)
        E(CL_INVALID_MIP_LEVEL) E(CL_INVALID_GLOBAL_WORK_SIZE) E(CL_INVALID_PROPERTY)
        E(CL_INVALID_IMAGE_DESCRIPTOR) E(CL_INVALID_COMPILER_OPTIONS) E(CL_INVALID_LINKER_OPTIONS)
        E(CL_INVALID_DEVICE_PARTITION_COUNT) E(CL_PLATFORM_NOT_FOUND_KHR)
#undef E
    default: return "CL_UNKNOWN_ERROR";
    }
}

archllm_status archllm_cl_check(cl_int err, const char *call)
{
    if (err == CL_SUCCESS) return ARCHLLM_OK;
    return archllm_fail(ARCHLLM_EOPENCL, "%s: %s (%d)", call, archllm_cl_error_name(err), (int)err);
}

/* ctx's context and in-order queue on its device (ctx->device set) */
static archllm_status open_queue(archllm_ctx_t *ctx)
{
    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)ctx->platform, 0};
    ctx->context = clCreateContext(props, 1, &ctx->device, NULL, NULL, &err);
    if (err != CL_SUCCESS) return archllm_cl_check(err, "clCreateContext");
    /* clCreateCommandQueue is deprecated in 2.0 but the only call every 1.2 driver has. */
    ctx->queue = clCreateCommandQueue(ctx->context, ctx->device, CL_QUEUE_PROFILING_ENABLE, &err);
    if (err == CL_SUCCESS) return ARCHLLM_OK;
    clReleaseContext(ctx->context);
    ctx->context = NULL;
    return archllm_cl_check(err, "clCreateCommandQueue");
}

archllm_status archllm_ctx_init(archllm_ctx_t **out, const char *selector)
{
    *out = NULL;
    archllm_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return archllm_fail(ARCHLLM_ENOMEM, "allocating the context");
    archllm_status s = archllm_device_select(selector, &ctx->platform, &ctx->device, &ctx->info);
    if (s == ARCHLLM_OK) s = open_queue(ctx);
    if (s != ARCHLLM_OK) {
        free(ctx);
        return s;
    }
    archllm_tuning_for_device(&ctx->info, &ctx->tuning);
    archllm_tuning_open(ctx); /* the stored winners of `archllm tune`, if any */
    archllm_tuning_apply_clblast(ctx); /* theirs for CLBlast, else CLBlast's own */
    /* ARCHLLM_MATMUL_MAX: archllm_op_matmul's crossover by hand (0: every GEMM on CLBlast,
     * all: none), for benchmarks */
    const char *mm = getenv("ARCHLLM_MATMUL_MAX");
    if (mm && *mm) {
        char  *end = NULL;
        double v = strcmp(mm, "all") == 0 ? HUGE_VAL : strtod(mm, &end);
        if ((end && *end) || !(v >= 0.0)) { /* NaN fails too */
            char kept[32];
            archllm_tunable_format(ARCHLLM_TUNE_MATMUL_MAX, archllm_tunable_get(&ctx->tuning, ARCHLLM_TUNE_MATMUL_MAX),
                                   kept, sizeof kept);
            fprintf(stderr, "archllm: ignoring ARCHLLM_MATMUL_MAX=%s: not a number >= 0 or all (keeping %s)\n", mm,
                    kept);
        } else ctx->tuning.matmul_max = v;
    }
    *out = ctx;
    return ARCHLLM_OK;
}

archllm_status archllm_ctx_init_like(archllm_ctx_t **out, const archllm_ctx_t *like)
{
    *out = NULL;
    archllm_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return archllm_fail(ARCHLLM_ENOMEM, "allocating the context");
    ctx->info = like->info, ctx->platform = like->platform, ctx->device = like->device;
    archllm_status s = open_queue(ctx);
    if (s != ARCHLLM_OK) {
        free(ctx);
        return s;
    }
    /* CLBlast's parameters are the device's, set when `like` opened */
    ctx->tuning = like->tuning;
    ctx->tuned = like->tuned;
    memcpy(ctx->tuning_file, like->tuning_file, sizeof ctx->tuning_file);
    *out = ctx;
    return ARCHLLM_OK;
}

void archllm_ctx_free(archllm_ctx_t *ctx)
{
    if (!ctx) return;
    if (ctx->queue) clFinish(ctx->queue);
    archllm_ctx_reset_programs(ctx);
    archllm_buf_free(&ctx->scratch);
    if (ctx->queue) clReleaseCommandQueue(ctx->queue);
    if (ctx->context) clReleaseContext(ctx->context);
    free(ctx);
}

const archllm_device_info *archllm_ctx_device(const archllm_ctx_t *ctx) { return &ctx->info; }

const char *archllm_ctx_last_error(const archllm_ctx_t *ctx) { return archllm_last_error(); }

archllm_status archllm_ctx_finish(archllm_ctx_t *ctx)
{
    return archllm_cl_check(clFinish(ctx->queue), "clFinish");
}

/* ---- buffers ------------------------------------------------------------- */

archllm_status archllm_buf_alloc(archllm_ctx_t *ctx, cl_mem *buf, size_t bytes)
{
    cl_int err;
    *buf = clCreateBuffer(ctx->context, CL_MEM_READ_WRITE, bytes ? bytes : 4, NULL, &err);
    if (err != CL_SUCCESS) {
        *buf = NULL;
        archllm_cl_check(err, "clCreateBuffer");
        return archllm_fail_prefix(err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_HOST_MEMORY
                                       ? ARCHLLM_ENOMEM : ARCHLLM_EOPENCL,
                                   "allocating %zu bytes on %s", bytes, ctx->info.name);
    }
    return ARCHLLM_OK;
}

void archllm_buf_free(cl_mem *buf)
{
    if (*buf) clReleaseMemObject(*buf);
    *buf = NULL;
}

archllm_status archllm_buf_write(archllm_ctx_t *ctx, cl_mem buf, size_t offset_bytes,
                                 const void *src, size_t bytes)
{
    if (!bytes) return ARCHLLM_OK;
    return archllm_cl_check(clEnqueueWriteBuffer(ctx->queue, buf, CL_TRUE, offset_bytes, bytes, src,
                                                 0, NULL, NULL), "clEnqueueWriteBuffer");
}

archllm_status archllm_buf_read(archllm_ctx_t *ctx, void *dst, cl_mem buf, size_t offset_bytes,
                                size_t bytes)
{
    if (!bytes) return ARCHLLM_OK;
    return archllm_cl_check(clEnqueueReadBuffer(ctx->queue, buf, CL_TRUE, offset_bytes, bytes, dst,
                                                0, NULL, NULL), "clEnqueueReadBuffer");
}

archllm_status archllm_buf_fill_f32(archllm_ctx_t *ctx, cl_mem buf, size_t off, size_t n, float value)
{
    if (!n) return ARCHLLM_OK;
    /* small fills and those past 32-bit offsets through the runtime, the rest on cl/elementwise.cl */
    if (n < 4096 || off + n > UINT32_MAX)
        return archllm_cl_check(clEnqueueFillBuffer(ctx->queue, buf, &value, sizeof value, off * sizeof(float),
                                                    n * sizeof(float), 0, NULL, NULL),
                                "clEnqueueFillBuffer");
    cl_kernel k;
    cl_uint o = (cl_uint)off, nn = (cl_uint)n;
    ARCHLLM_TRY(archllm_kernel(ctx, "elementwise", "fill_f32", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(buf), ARG_UINT(o), ARG_UINT(nn), ARG_F32(value), ARG_END));
    return archllm_launch_1d(ctx, k, (n + 15) / 16, 0);
}

archllm_status archllm_buf_copy(archllm_ctx_t *ctx, cl_mem dst, size_t dst_bytes_off, cl_mem src,
                                size_t src_bytes_off, size_t bytes)
{
    if (!bytes) return ARCHLLM_OK;
    return archllm_cl_check(clEnqueueCopyBuffer(ctx->queue, src, dst, src_bytes_off, dst_bytes_off, bytes,
                                                0, NULL, NULL), "clEnqueueCopyBuffer");
}

archllm_status archllm_ctx_scratch(archllm_ctx_t *ctx, size_t bytes)
{
    if (ctx->scratch && ctx->scratch_bytes >= bytes) return ARCHLLM_OK;
    archllm_buf_free(&ctx->scratch);
    ctx->scratch_bytes = 0;
    ARCHLLM_TRY(archllm_buf_alloc(ctx, &ctx->scratch, bytes));
    ctx->scratch_bytes = bytes;
    return ARCHLLM_OK;
}

/* ---- launching ------------------------------------------------------------ */

static archllm_status kernel_args(cl_kernel k, cl_uint first, va_list ap)
{
    for (cl_uint i = first;; i++) {
        size_t size = va_arg(ap, size_t);
        if (size == 0) break;
        const void *ptr = va_arg(ap, const void *);
        cl_int err = clSetKernelArg(k, i, size, ptr);
        if (err != CL_SUCCESS) {
            char what[64];
            snprintf(what, sizeof what, "clSetKernelArg(%u)", i);
            return archllm_cl_check(err, what);
        }
    }
    return ARCHLLM_OK;
}

archllm_status archllm_kernel_args(cl_kernel k, ...)
{
    va_list ap;
    va_start(ap, k);
    archllm_status s = kernel_args(k, 0, ap);
    va_end(ap);
    return s;
}

archllm_status archllm_kernel_args_from(cl_kernel k, cl_uint first, ...)
{
    va_list ap;
    va_start(ap, first);
    archllm_status s = kernel_args(k, first, ap);
    va_end(ap);
    return s;
}

static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

archllm_status archllm_launch_1d(archllm_ctx_t *ctx, cl_kernel k, size_t global, size_t local)
{
    if (global == 0) return ARCHLLM_OK;
    if (local == 0) local = (size_t)ctx->tuning.wg_size;
    size_t g = round_up(global, local);
    return archllm_cl_check(clEnqueueNDRangeKernel(ctx->queue, k, 1, NULL, &g, &local, 0, NULL, NULL),
                            "clEnqueueNDRangeKernel");
}

archllm_status archllm_launch_1d_spread(archllm_ctx_t *ctx, cl_kernel k, size_t global, size_t local)
{
    size_t wg = local ? local : (size_t)ctx->tuning.wg_size, cu = ctx->info.compute_units ? ctx->info.compute_units : 1;
    /* CPUs only: a GPU's compute unit runs many groups' items at once, and small groups waste
     * its lanes.  Halved until the busiest thread's groups hold at most 5% more items than an
     * even share (two groups of 32 for 52 items had left one core 32 and the other 20) */
    size_t even = (global + cu - 1) / cu;
    while (ctx->info.type == ARCHLLM_DEVICE_CPU && wg > 1 && ((global + wg - 1) / wg + cu - 1) / cu * wg * 20 > even * 21)
        wg /= 2;
    return archllm_launch_1d(ctx, k, global, wg);
}

archllm_status archllm_launch_2d(archllm_ctx_t *ctx, cl_kernel k, size_t g0, size_t g1, size_t l0, size_t l1)
{
    if (g0 == 0 || g1 == 0) return ARCHLLM_OK;
    if (l0 == 0) l0 = (size_t)ctx->tuning.tile;
    if (l1 == 0) l1 = (size_t)ctx->tuning.tile;
    size_t g[2] = {round_up(g0, l0), round_up(g1, l1)}, l[2] = {l0, l1};
    return archllm_cl_check(clEnqueueNDRangeKernel(ctx->queue, k, 2, NULL, g, l, 0, NULL, NULL),
                            "clEnqueueNDRangeKernel");
}
