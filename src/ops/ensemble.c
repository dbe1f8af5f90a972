/* ensemble.c - launchers for cl/ensemble.cl, the search surrogate's fit and predictions. */
#include "ops/common.h"

#include <stdio.h>
#include <stdlib.h>

/* the kernel for H units a member and the rows' kind: ensemble_fit_codes_2 for H = 32 */
static archllm_status ens_kernel(archllm_ctx_t *ctx, const char *what, const archllm_ensemble_rows *rows, size_t H,
                                 cl_kernel *k)
{
    if (H != 16 && H != 32 && H != 64)
        return archllm_fail(ARCHLLM_EINVAL, "%s: %zu hidden units a member (16, 32 or 64)", what, H);
    char name[48];
    snprintf(name, sizeof name, "%s%s_%zu", what, rows->codes.buf ? "_codes" : "", H / 16);
    return archllm_kernel(ctx, "ensemble", name, k);
}

static archllm_status ens_check(const char *what, const archllm_ensemble_layout *at, const archllm_ensemble_rows *rows,
                                size_t n, size_t M, size_t H)
{
    int    codes = rows->codes.buf != NULL;
    size_t F = codes ? rows->L * rows->D : rows->F;
    if (n < 1 || F < 1 || M < 1 || (codes && rows->K < 1))
        return codes ? archllm_fail(ARCHLLM_EINVAL, "%s: %zu rows of %zu codes of %zu features from %zu, %zu members",
                                    what, n, rows->L, rows->D, rows->K, M)
                     : archllm_fail(ARCHLLM_EINVAL, "%s: %zu rows, %zu features, %zu members", what, n, F, M);
    OPS_CHECK_SIZE(what, at->w1 + F * M * H);
    OPS_CHECK_SIZE(what, at->b2 + M);
    OPS_CHECK_SIZE(what, (codes ? rows->codes.off + n * rows->L : rows->x.off + n * F));
    if (codes) OPS_CHECK_SIZE(what, rows->scratch.off + 2 * M * rows->L * rows->K * H);
    /* the kernels read the scratch as float16 vectors, aligned as the buffer's start is */
    if (codes && rows->scratch.off % 16)
        return archllm_fail(ARCHLLM_EINVAL, "%s: scratch at float %zu (a multiple of 16 floats)", what,
                            rows->scratch.off);
    return ARCHLLM_OK;
}

/* the rows' arguments, after the ones a kernel starts with */
static archllm_status rows_args(cl_kernel k, cl_uint first, const archllm_ensemble_rows *rows)
{
    if (!rows->codes.buf) {
        cl_uint xo = rows->x.off, F = rows->F;
        return archllm_kernel_args_from(k, first, ARG_MEM(rows->x.buf), ARG_UINT(xo), ARG_UINT(F), ARG_END);
    }
    cl_uint co = rows->codes.off, L = rows->L, K = rows->K, D = rows->D, to = rows->tab.off, so = rows->scratch.off;
    return archllm_kernel_args_from(k, first, ARG_MEM(rows->codes.buf), ARG_UINT(co), ARG_UINT(L), ARG_UINT(K),
                                    ARG_UINT(D), ARG_MEM(rows->tab.buf), ARG_UINT(to), ARG_MEM(rows->scratch.buf),
                                    ARG_UINT(so), ARG_END);
}

archllm_status archllm_op_ensemble_fit(archllm_ctx_t *ctx, cl_mem param, cl_mem grad, cl_mem m, cl_mem v,
                                       const archllm_ensemble_layout *at, const archllm_ensemble_rows *rows,
                                       archllm_view t, archllm_view bc, size_t n, size_t M, size_t H, size_t steps,
                                       int first_step, const archllm_adamw_params *hp, int update)
{
    ARCHLLM_TRY(ens_check("ensemble_fit", at, rows, n, M, H));
    if (steps < 1 || first_step < 1 || (!update && steps != 1))
        return archllm_fail(ARCHLLM_EINVAL, "ensemble_fit: %zu steps from step %d (a gradient alone: 1 step)", steps,
                            first_step);
    cl_kernel k;
    ARCHLLM_TRY(ens_kernel(ctx, "ensemble_fit", rows, H, &k));
    if (update) {
        float *corr = malloc(2 * steps * sizeof *corr);
        if (!corr) return archllm_fail(ARCHLLM_ENOMEM, "ensemble_fit: %zu bias corrections", steps);
        for (size_t s = 0; s < steps; s++)
            archllm_adamw_bias_corrections(hp, first_step + (int)s, &corr[2 * s], &corr[2 * s + 1]);
        archllm_status st = archllm_buf_write(ctx, bc.buf, bc.off * sizeof(float), corr, 2 * steps * sizeof *corr);
        free(corr);
        ARCHLLM_TRY(st);
    }
    cl_uint ow1 = at->w1, ob1 = at->b1, ow2 = at->w2, ob2 = at->b2, to = t.off, bco = bc.off;
    cl_uint nn = n, mm = M, ss = steps, up = update != 0;
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(param), ARG_MEM(grad), ARG_MEM(m), ARG_MEM(v), ARG_UINT(ow1),
                                    ARG_UINT(ob1), ARG_UINT(ow2), ARG_UINT(ob2), ARG_MEM(t.buf), ARG_UINT(to),
                                    ARG_UINT(nn), ARG_UINT(mm), ARG_UINT(ss), ARG_MEM(bc.buf), ARG_UINT(bco),
                                    ARG_F32(hp->lr), ARG_F32(hp->beta1), ARG_F32(hp->beta2), ARG_F32(hp->eps),
                                    ARG_F32(hp->weight_decay), ARG_UINT(up), ARG_END));
    ARCHLLM_TRY(rows_args(k, 21, rows));
    /* a work-group of one item a member: the device spreads the members over its compute units */
    return archllm_launch_1d(ctx, k, M, 1);
}

archllm_status archllm_op_ensemble_predict(archllm_ctx_t *ctx, archllm_view out, cl_mem param,
                                           const archllm_ensemble_layout *at, const archllm_ensemble_rows *rows,
                                           size_t n, size_t M, size_t H)
{
    ARCHLLM_TRY(ens_check("ensemble_predict", at, rows, n, M, H));
    cl_kernel k;
    ARCHLLM_TRY(ens_kernel(ctx, "ensemble_predict", rows, H, &k));
    cl_uint oo = out.off, ow1 = at->w1, ob1 = at->b1, ow2 = at->w2, ob2 = at->b2, nn = n, mm = M;
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(param), ARG_UINT(ow1), ARG_UINT(ob1),
                                    ARG_UINT(ow2), ARG_UINT(ob2), ARG_UINT(nn), ARG_UINT(mm), ARG_END));
    ARCHLLM_TRY(rows_args(k, 9, rows));
    /* dense rows: an item per member and 4 rows; codes: an item per member (Q once) */
    if (rows->codes.buf) return archllm_launch_1d(ctx, k, M, 1);
    return archllm_launch_1d(ctx, k, M * ((n + 3) / 4), 0);
}
