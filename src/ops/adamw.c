/* adamw.c - launcher for cl/adamw.cl. */
#include "ops/common.h"

#include <math.h>

void archllm_adamw_bias_corrections(const archllm_adamw_params *p, int step, float *bc1, float *bc2)
{
    /* in double: 1 - 0.999^t loses digits in float for small t */
    *bc1 = (float)(1.0 - pow(p->beta1, step));
    *bc2 = (float)(1.0 - pow(p->beta2, step));
}

archllm_status archllm_op_adamw(archllm_ctx_t *ctx, archllm_view param, archllm_view m, archllm_view v,
                                archllm_view grad, archllm_view norm_sq, size_t n,
                                const archllm_adamw_params *p)
{
    OPS_CHECK_SIZE("adamw", param.off + n);
    if (p->step < 1) return archllm_fail(ARCHLLM_EINVAL, "adamw: step must be >= 1 (got %d)", p->step);
    cl_kernel k;
    cl_uint po = param.off, go = grad.off, mo = m.off, vo = v.off, no = norm_sq.off, nn = n;
    float bc1, bc2;
    archllm_adamw_bias_corrections(p, p->step, &bc1, &bc2);
    ARCHLLM_TRY(archllm_kernel(ctx, "adamw", "adamw_update", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(param.buf), ARG_UINT(po), ARG_MEM(grad.buf), ARG_UINT(go),
                                    ARG_MEM(m.buf), ARG_UINT(mo), ARG_MEM(v.buf), ARG_UINT(vo),
                                    ARG_MEM(norm_sq.buf), ARG_UINT(no), ARG_UINT(nn), ARG_F32(p->lr),
                                    ARG_F32(p->beta1), ARG_F32(p->beta2), ARG_F32(p->eps),
                                    ARG_F32(p->weight_decay), ARG_F32(p->max_norm), ARG_F32(bc1), ARG_F32(bc2),
                                    ARG_END));
    return archllm_launch_1d(ctx, k, n, 0);
}
