/* clblast_tune.h - the C face of CLBlast's C++ tuning API (src/backend/clblast_tune.cc):
 * CLBlast's own tuners for the kernels behind archllm's GEMMs (single precision), and its
 * parameter database read (RetrieveParameters) and overridden (OverrideParameters) per
 * device.  Which parameters to keep, and the GEMM routing crossover, are decided by timing
 * real GEMMs (src/ops/autotune_clblast.c); the tuning file that stores them is
 * src/backend/tuning.c's.  No C++ exception crosses this interface: every failure is an
 * archllm_status with its message in the last error. */
#ifndef ARCHLLM_BACKEND_CLBLAST_TUNE_H
#define ARCHLLM_BACKEND_CLBLAST_TUNE_H

#include <CL/cl.h>
#include <stddef.h>

#include "archllm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The CLBlast kernels archllm tunes, in tuning order (CLBlast's kernel names), and the GEMM
 * routine's routing parameter (XGEMM_MIN_INDIRECT_SIZE), which is measured, not tuned. */
enum {
    ARCHLLM_CLB_XGEMM,        /* Xgemm: the indirect GEMM kernel                           */
    ARCHLLM_CLB_XGEMM_DIRECT, /* XgemmDirect: the one-kernel GEMM of smaller products      */
    ARCHLLM_CLB_COPY,         /* Copy, Pad, Transpose, Padtranspose: the indirect path's   */
    ARCHLLM_CLB_PAD,          /*   copies of A, B and C into the tile-aligned layout        */
    ARCHLLM_CLB_TRANSPOSE,    /*                                                           */
    ARCHLLM_CLB_PADTRANSPOSE, /*                                                           */
    ARCHLLM_CLB_ROUTINE,      /* GemmRoutine: XGEMM_MIN_INDIRECT_SIZE                      */
    ARCHLLM_CLB_COUNT
};
#define ARCHLLM_CLB_TUNERS     ARCHLLM_CLB_ROUTINE /* the kernels with a CLBlast tuner */
#define ARCHLLM_CLB_MAX_PARAMS 20                  /* Xgemm has 16 */

typedef struct {
    char   name[32]; /* CLBlast's parameter name, e.g. "MWG" */
    size_t value;
} archllm_clblast_param;

/* One kernel's parameters, sorted by name; n == 0: none (CLBlast's defaults). */
typedef struct {
    int                   n;
    archllm_clblast_param p[ARCHLLM_CLB_MAX_PARAMS];
} archllm_clblast_set;

/* CLBlast's name of kernel k ("Xgemm", ...), or NULL; the index of a name, or -1. */
const char *archllm_clblast_kernel_name(int k);
int         archllm_clblast_kernel_index(const char *name);

/* What tuner k (< ARCHLLM_CLB_TUNERS) runs: its shape (k is 0 for the 2-D copy kernels) and
 * the size of its search space, counted for CLBlast 1.5.3 under PoCL's limits. */
typedef struct {
    size_t m, n, k;
    double space;       /* valid configurations (build-aux/clblast-spaces.py) */
    int    max_configs; /* the most configurations worth sampling (Xgemm: see the .cc) */
} archllm_clblast_tuner_info;
void archllm_clblast_tuner(int k, archllm_clblast_tuner_info *info);

/* Run CLBlast's tuner of kernel k on queue's device at its shape, sampling about `configs`
 * of its configurations (CLBlast's `fraction` = configs / space), and put the fastest one
 * whose result matched the reference in out.  A configuration that fails to build or run is
 * skipped by CLBlast itself; the call fails when none ran or the tuner threw. */
archllm_status archllm_clblast_tune(cl_command_queue queue, int k, int configs, archllm_clblast_set *out);

/* The parameters kernel k runs with on device now (CLBlast's database, or an override; for
 * Xgemm also USE_VECTOR_MAD=1 while that build option is on). */
archllm_status archllm_clblast_get(cl_device_id device, int k, archllm_clblast_set *out);
/* EFORMAT unless set names exactly the parameters CLBlast takes for kernel k on device. */
archllm_status archllm_clblast_check(cl_device_id device, int k, const archllm_clblast_set *set);
/* Override kernel k's parameters on device (all of them, checked as above) for every later
 * CLBlast call in this process; the first override of a kernel remembers CLBlast's own
 * values, which archllm_clblast_restore puts back (a no-op when k was never overridden). */
archllm_status archllm_clblast_override(cl_device_id device, int k, const archllm_clblast_set *set);
archllm_status archllm_clblast_restore(cl_device_id device, int k);

/* Xgemm's one parameter outside CLBlast's database: USE_VECTOR_MAD=1 builds its multiply-adds
 * as whole-vector operations instead of one per lane (CLBlast's own define, 0 unless given).
 * CLBlast takes build options only from its environment (CLBLAST_BUILD_OPTIONS, read at each
 * program build), so an Xgemm override holding it sets that variable for the whole process,
 * after whatever the user had put there, and drops CLBlast's compiled programs when the
 * value changes; archllm_clblast_restore of Xgemm takes it out again.  It is optional in an
 * Xgemm set (absent: 0) and unknown to every other kernel.  Set it only while no other
 * thread is calling CLBlast. */
#define ARCHLLM_CLB_VECTOR_MAD "USE_VECTOR_MAD"
/* Value of parameter name in set, or def when it is not there. */
size_t archllm_clblast_value(const archllm_clblast_set *set, const char *name, size_t def);
/* "NAME=V NAME=V ..." into out. */
void archllm_clblast_format(const archllm_clblast_set *set, char *out, size_t cap);

/* A CLBlast status code in words (src/backend/gemm.c). */
const char *archllm_clblast_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
