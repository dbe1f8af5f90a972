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
#include "backend/clblast_tune.h"
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

/* Tuning values: #defines put before each kernel source (CLBlast's way) and launch shapes.
 * The defaults come by device type from backend/tuning.c; the tunables among them are
 * replaced by the winners `archllm tune` measured on this device and stored (tuning.c),
 * and so are CLBlast's parameters (applied with OverrideParameters at context open). */
typedef struct {
    int wg_size;      /* work-group size of 1-D kernels */
    int reduce_wg;    /* work-group size of reductions, a power of two (-DREDUCE_WG; tunable) */
    int tile;         /* tile edge of 2-D kernels */
    int linear_wg;    /* work-group size of cl/linear.cl's kernels (tunable) */
    int linear_cols;  /* columns of a block of cl/linear.cl's tiles (-DLIN_COLS; tunable) */
    int linear_rows;  /* rows of their tiles (-DLIN_ROWS; tunable, with linear_blocks) */
    int linear_blocks; /* blocks of linear_cols columns in a tile (-DLIN_BLOCKS) */
    int linear_dw;    /* weight gradients: 0 linear_bwd_dw, 1 dy transposed then linear_nn (tunable) */
    double matmul_max; /* archllm_op_matmul: the largest m*n*k run on cl/linear.cl, not CLBlast */
    int attn_tile;    /* work-group edge of the fused attention kernels (tunable, with attn_vw) */
    int attn_vw;      /* their columns per work-item: 8 (where dk allows) or 1 */
    /* CLBlast's parameters by kernel (ARCHLLM_CLB_*), as `archllm tune` kept them;
     * n == 0: CLBlast's own for that kernel */
    archllm_clblast_set clblast[ARCHLLM_CLB_COUNT];
} archllm_tuning;

struct archllm_ctx {
    archllm_device_info info;
    cl_platform_id      platform;
    cl_device_id        device;
    cl_context          context;
    cl_command_queue    queue;
    archllm_tuning      tuning;
    int                 tuned;           /* tuning read from tuning_file (or measured) */
    char                tuning_file[4096];
    archllm_program     programs[ARCHLLM_MAX_FAMILIES];
    int                 n_programs;
    cl_mem              scratch;       /* small scratch for reductions etc. */
    size_t              scratch_bytes;
    int                 programs_built;  /* compiled from source */
    int                 programs_cached; /* loaded from the disk cache */
};

/* Another context on like's device with like's tuning as it stands (not read again from
 * the tuning file, and CLBlast's parameters, which are the device's, left as like set them):
 * threads that each want a queue of their own compute as like would. */
archllm_status archllm_ctx_init_like(archllm_ctx_t **out, const archllm_ctx_t *like);

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
/* Build options for a family's source SRC in this context (the tuning #defines it names);
 * part of the cache key. */
void archllm_build_options(const archllm_ctx_t *ctx, const char *src, char *out, size_t cap);

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
/* the same from argument index first on (a launcher whose later arguments vary) */
archllm_status archllm_kernel_args_from(cl_kernel k, cl_uint first, ...);
/* Enqueue a 1-D/2-D range; global sizes are rounded up to the local size (PoCL has no
 * non-uniform work-groups) so kernels must bounds-check. local may be 0 for the tuned default. */
archllm_status archllm_launch_1d(archllm_ctx_t *ctx, cl_kernel k, size_t global, size_t local);
/* As archllm_launch_1d on work-groups of `local`, on a CPU halved until the groups share out
 * evenly over the compute units, within 5% (a PoCL work-group runs on one thread). */
archllm_status archllm_launch_1d_spread(archllm_ctx_t *ctx, cl_kernel k, size_t global, size_t local);
archllm_status archllm_launch_2d(archllm_ctx_t *ctx, cl_kernel k, size_t g0, size_t g1,
                                 size_t l0, size_t l1);

#define ARG_MEM(m)  sizeof(cl_mem), (const void *)&(m)
#define ARG_INT(i)  sizeof(cl_int), (const void *)&(i)
#define ARG_UINT(i) sizeof(cl_uint), (const void *)&(i)
#define ARG_F32(f)  sizeof(cl_float), (const void *)&(f)
#define ARG_LOCAL(bytes) (size_t)(bytes), (const void *)NULL
#define ARG_END     (size_t)0

/* ---- tuning -------------------------------------------------------------- */
/* The safe defaults (today's hand-picked values) of this device. */
void archllm_tuning_for_device(const archllm_device_info *info, archllm_tuning *t);

/* The tunables: each has a candidate list, default first, and one key in the tuning file. */
enum {
    ARCHLLM_TUNE_LINEAR_WG,   /* linear_wg                               */
    ARCHLLM_TUNE_LINEAR_COLS, /* linear_cols                             */
    ARCHLLM_TUNE_LINEAR_TILE, /* linear_tile: linear_rows x linear_blocks, "4x2" */
    ARCHLLM_TUNE_REDUCE_WG,   /* reduce_wg                               */
    ARCHLLM_TUNE_ATTN_SHAPE,  /* attn_shape: attn_tile x attn_vw, "1x8"  */
    ARCHLLM_TUNE_MATMUL_MAX,  /* matmul_max: archllm_op_matmul's crossover */
    ARCHLLM_TUNE_LINEAR_DW,   /* linear_dw: "direct" or "transposed" */
    ARCHLLM_TUNE_COUNT
};
#define ARCHLLM_TUNE_MAX_CAND 8
typedef struct {
    int v[2]; /* the value; attn_shape (tile, columns) and linear_tile (rows, blocks) use both, the others v[0] */
} archllm_tune_value;
const char *archllm_tunable_name(int t);
int         archllm_tunable_index(const char *name); /* -1: no such tunable */
/* The value as the tuning file writes it ("64", "4x2", "all"); 0 when it is not one (or not
 * positive where a size is). */
int archllm_tunable_parse(int t, const char *s, archllm_tune_value *v);
/* The candidates of tunable t on this device, its default first; returns how many. */
int archllm_tunable_candidates(int t, const archllm_device_info *info, archllm_tune_value *out);
archllm_tune_value archllm_tunable_get(const archllm_tuning *tu, int t);
void archllm_tunable_set(archllm_tuning *tu, int t, archllm_tune_value v);
void archllm_tunable_format(int t, archllm_tune_value v, char *out, size_t cap);

/* The folder of the program cache ($ARCHLLM_CACHE_DIR, ...), created; 0 when there is none. */
int archllm_cache_dir(char *out, size_t cap);
/* This device's tuning file: $ARCHLLM_TUNING_FILE, else <cache dir>/tuning-<device>-<hash>.txt
 * (the hash of platform, device, vendor and driver version); 0 when there is no cache dir. */
int archllm_tuning_path(const archllm_device_info *info, char *out, size_t cap);
/* Read a tuning file onto t (which holds the defaults): ENOTFOUND when there is none,
 * EFORMAT with the reason in the last error when it is corrupt or stale (another format
 * version, device or driver, a value outside the candidates, an unknown CLBlast kernel or
 * a malformed clblast line).  Whether the CLBlast parameters are the ones CLBlast takes on
 * the device is checked at context open (archllm_tuning_open), which has the device. */
archllm_status archllm_tuning_load(const char *path, const archllm_device_info *info, archllm_tuning *t);
/* The tuning file at path onto t (which holds the defaults): archllm_tuning_load, then its
 * CLBlast parameters checked against what CLBlast takes on ctx's device (EFORMAT "stale"
 * when not). */
archllm_status archllm_tuning_read(const archllm_ctx_t *ctx, const char *path, archllm_tuning *t);
/* Write t as path's tuning file (temp file + rename); notes (may be NULL) are appended as
 * comment lines (the measured times). */
archllm_status archllm_tuning_save(const char *path, const archllm_device_info *info, const archllm_tuning *t,
                                   const char *notes);
/* At context open: the stored winners when the file is valid (CLBlast's parameters named
 * as CLBlast takes them on this device), else the defaults with one notice per process on
 * stderr; ARCHLLM_TUNE=auto leaves an untuned device to archllm_autotune_auto (bounded, see
 * ops/autotune.h), ARCHLLM_TUNE=off keeps the defaults silently. */
void archllm_tuning_open(archllm_ctx_t *ctx);
/* Release every built program, so the next kernel lookup builds with ctx->tuning's defines. */
void archllm_ctx_reset_programs(archllm_ctx_t *ctx);
/* Give CLBlast ctx->tuning's parameters for this device (OverrideParameters), CLBlast's own
 * for the kernels without any; ARCHLLM_CLBLAST_TUNING=0 keeps CLBlast's own for all.  A
 * failure puts CLBlast's own back, with one notice per process. */
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
