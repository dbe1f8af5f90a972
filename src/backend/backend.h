/* backend.h - the OpenCL backend inside libarchllm: the context behind archllm_ctx_t,
 * buffers, program building with an on-disk binary cache, kernel launch helpers and
 * the CLBlast GEMM wrapper.  Op launchers (src/ops/) and models sit on top of this;
 * nothing here knows about a model. */
#ifndef ARCHLLM_BACKEND_H
#define ARCHLLM_BACKEND_H

#include "config.h"

#include <CL/cl.h>
#include <CL/cl_ext.h>
#include <stddef.h>

#include "archllm.h"
#include "util/error.h"

#define ARCHLLM_MAX_FAMILIES 32 /* op families (cl/<family>.cl) in the program cache */
#define ARCHLLM_MAX_KERNELS  32 /* kernels per program */

/* A built program of one op family and its kernels, looked up by name. */
typedef struct {
    char       family[48];
    cl_program program;
    int        n_kernels;
    char       kernel_names[ARCHLLM_MAX_KERNELS][64];
    cl_kernel  kernels[ARCHLLM_MAX_KERNELS];
} archllm_program;

/* Tuning values put before each kernel source as #defines (CLBlast's way); chosen per
 * device from backend/tuning.c. */
typedef struct {
    int wg_size;      /* work-group size of 1-D kernels */
    int reduce_wg;    /* work-group size of reductions (power of two) */
    int tile;         /* tile edge of 2-D kernels */
} archllm_tuning;

struct archllm_ctx {
    archllm_device_info info;
    cl_platform_id      platform;
    cl_device_id        device;
    cl_context          context;
    cl_command_queue    queue;
    archllm_tuning      tuning;
    archllm_program     programs[ARCHLLM_MAX_FAMILIES];
    int                 n_programs;
    cl_mem              scratch;       /* small scratch for reductions etc. */
    size_t              scratch_bytes;
    int                 programs_built;  /* compiled from source */
    int                 programs_cached; /* loaded from the disk cache */
};

/* A view into a buffer, as CLBlast takes it: buffer plus element offset. */
typedef struct {
    cl_mem buf;
    size_t off; /* in floats */
} archllm_view;

/* ---- errors -------------------------------------------------------------- */
const char *archllm_cl_error_name(cl_int err);
/* Record "<call>: <CL_ERROR_NAME> (<code>)" and return ARCHLLM_EOPENCL; OK when err == CL_SUCCESS. */
archllm_status archllm_cl_check(cl_int err, const char *call);
#define ARCHLLM_CL(call_expr, what) ARCHLLM_TRY(archllm_cl_check((call_expr), (what)))

/* ---- devices ------------------------------------------------------------- */
/* Resolve a selector ("P:D", name substring, or NULL for default) to a platform+device. */
archllm_status archllm_device_select(const char *selector, cl_platform_id *platform,
                                     cl_device_id *device, archllm_device_info *info);
void archllm_device_query(cl_platform_id platform, cl_device_id device, int pi, int di,
                          archllm_device_info *info);

/* ---- buffers --------------------------------------------------------------- */
archllm_status archllm_buf_alloc(archllm_ctx_t *ctx, cl_mem *buf, size_t bytes);
void           archllm_buf_free(cl_mem *buf);
archllm_status archllm_buf_write(archllm_ctx_t *ctx, cl_mem buf, size_t offset_bytes,
                                 const void *src, size_t bytes);
archllm_status archllm_buf_read(archllm_ctx_t *ctx, void *dst, cl_mem buf, size_t offset_bytes,
                                size_t bytes);
/* Fill n floats at element offset off with value. */
archllm_status archllm_buf_fill_f32(archllm_ctx_t *ctx, cl_mem buf, size_t off, size_t n, float value);
archllm_status archllm_buf_copy(archllm_ctx_t *ctx, cl_mem dst, size_t dst_bytes_off, cl_mem src,
                                size_t src_bytes_off, size_t bytes);
/* Ensure ctx->scratch holds at least bytes. */
archllm_status archllm_ctx_scratch(archllm_ctx_t *ctx, size_t bytes);

/* ---- programs and kernels ------------------------------------------------ */
/* The kernel source of an op family: cl/common.cl followed by cl/<family>.cl, from the
 * embedded copy or from $ARCHLLM_CL_DIR.  Caller frees *src. */
archllm_status archllm_cl_source(const char *family, char **src, size_t *len);
/* Kernel `name` of op family `family`, building (or loading from cache) on first use. */
archllm_status archllm_kernel(archllm_ctx_t *ctx, const char *family, const char *name,
                              cl_kernel *kernel);
/* Build options string for this context (the tuning #defines); used as part of the cache key. */
void archllm_build_options(const archllm_ctx_t *ctx, char *out, size_t cap);

/* Embedded kernel sources, generated from the cl/ sources by build-aux/embed-cl.sh. */
typedef struct {
    const char          *name; /* file name without .cl */
    const unsigned char *data;
    size_t               size;
} archllm_embedded_cl;
extern const archllm_embedded_cl archllm_embedded_cl_files[];
extern const int archllm_embedded_cl_count;

/* ---- launching ----------------------------------------------------------- */
/* Set kernel arguments: pairs of (size, pointer), terminated by a 0 size. */
archllm_status archllm_kernel_args(cl_kernel k, ...);
/* Enqueue a 1-D/2-D range; global sizes are rounded up to the local size (PoCL has no
 * non-uniform work-groups) so kernels must bounds-check. local may be 0 for the tuned default. */
archllm_status archllm_launch_1d(archllm_ctx_t *ctx, cl_kernel k, size_t global, size_t local);
archllm_status archllm_launch_2d(archllm_ctx_t *ctx, cl_kernel k, size_t g0, size_t g1,
                                 size_t l0, size_t l1);

#define ARG_MEM(m)  sizeof(cl_mem), (const void *)&(m)
#define ARG_INT(i)  sizeof(cl_int), (const void *)&(i)
#define ARG_UINT(i) sizeof(cl_uint), (const void *)&(i)
#define ARG_F32(f)  sizeof(cl_float), (const void *)&(f)
#define ARG_LOCAL(bytes) (size_t)(bytes), (const void *)NULL
#define ARG_END     (size_t)0

/* ---- tuning -------------------------------------------------------------- */
void archllm_tuning_for_device(const archllm_device_info *info, archllm_tuning *t);
/* Apply known-good CLBlast parameters for this device (PoCL CPU: tuned Xgemm). */
void archllm_tuning_apply_clblast(archllm_ctx_t *ctx);

/* ---- GEMM through CLBlast (row-major) ------------------------------------ */
/* C(M,N) = alpha * op(A)(M,K) * op(B)(K,N) + beta * C; offsets and leading dims in elements. */
archllm_status archllm_sgemm(archllm_ctx_t *ctx, int trans_a, int trans_b,
                             size_t m, size_t n, size_t k, float alpha,
                             archllm_view a, size_t lda, archllm_view b, size_t ldb,
                             float beta, archllm_view c, size_t ldc);
/* batch products with strides (in elements) between consecutive A, B and C matrices. */
archllm_status archllm_sgemm_batched(archllm_ctx_t *ctx, int trans_a, int trans_b,
                                     size_t m, size_t n, size_t k, float alpha,
                                     archllm_view a, size_t lda, size_t stride_a,
                                     archllm_view b, size_t ldb, size_t stride_b,
                                     float beta, archllm_view c, size_t ldc, size_t stride_c,
                                     size_t batch);

#endif
