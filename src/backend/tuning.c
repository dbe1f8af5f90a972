/* tuning.c - per-device tuning values: the #defines put before every kernel source, and
 * CLBlast parameters that beat its defaults on a device we have measured. */
#include "backend/backend.h"

#include <stdlib.h>
#include <string.h>

#include <clblast_c.h>

static int is_pocl(const archllm_device_info *info)
{
    return strstr(info->platform_name, "Portable Computing Language") != NULL ||
           strncmp(info->name, "pthread", 7) == 0 || strncmp(info->name, "cpu-", 4) == 0;
}

void archllm_tuning_for_device(const archllm_device_info *info, archllm_tuning *t)
{
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
}

void archllm_tuning_apply_clblast(archllm_ctx_t *ctx)
{
    const char *off = getenv("ARCHLLM_CLBLAST_TUNING");
    if (off && strcmp(off, "0") == 0) return;
    if (!is_pocl(&ctx->info)) return;
    /* Found by clblast_tuner_xgemm at 1024^3 on PoCL 3.1 (2-core Zen 5, AVX-512): about 3x
     * CLBlast's default database entry for large GEMMs (see BENCHMARKS.md).  The values are
     * legal on any CPU device; a failure leaves CLBlast's defaults in place. */
    static const char *names[] = {"GEMMK", "KREG", "KWG", "KWI", "MDIMA", "MDIMC", "MWG", "NDIMB",
                                  "NDIMC", "NWG", "SA", "SB", "STRM", "STRN", "VWM", "VWN"};
    static const size_t values[] = {0, 1, 32, 2, 8, 8, 64, 8, 8, 64, 1, 1, 0, 0, 4, 4};
    CLBlastOverrideParameters(ctx->device, "Xgemm", CLBlastPrecisionSingle,
                              sizeof names / sizeof names[0], names, values);
    /* CLBlast sends GEMMs below XGEMM_MIN_INDIRECT_SIZE (384 and up by default) through
     * XgemmDirect, about 5 GFLOP/s on PoCL; the tuned Xgemm above reaches 15-20 at the
     * model's mid-sized shapes (tokens x d_model x d_ff of a few hundred), so route
     * everything from 64 up to it (3-4x on a T5 training step, BENCHMARKS.md). */
    static const char *routing[] = {"XGEMM_MIN_INDIRECT_SIZE"};
    static const size_t min_indirect[] = {64};
    CLBlastOverrideParameters(ctx->device, "GemmRoutine", CLBlastPrecisionSingle, 1, routing, min_indirect);
}
