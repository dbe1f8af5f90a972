/* elementwise.c - launchers for cl/elementwise.cl. */
#include "ops/common.h"

/* out = f(a, b) for the binary kernels add_fwd and mul_fwd. */
/* n elements, `per_item` of them a work-item */
static archllm_status binary_on(archllm_ctx_t *ctx, const char *name, archllm_view out, archllm_view a,
                                archllm_view b, size_t n, size_t per_item)
{
    OPS_CHECK_SIZE(name, out.off + n);
    cl_kernel k;
    cl_uint oo = out.off, ao = a.off, bo = b.off, nn = n;
    ARCHLLM_TRY(archllm_kernel(ctx, "elementwise", name, &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(a.buf), ARG_UINT(ao),
                                    ARG_MEM(b.buf), ARG_UINT(bo), ARG_UINT(nn), ARG_END));
    return archllm_launch_1d(ctx, k, (n + per_item - 1) / per_item, 0);
}

static archllm_status binary(archllm_ctx_t *ctx, const char *name, archllm_view out, archllm_view a,
                             archllm_view b, size_t n)
{
    return binary_on(ctx, name, out, a, b, n, 1);
}

archllm_status archllm_op_add(archllm_ctx_t *ctx, archllm_view out, archllm_view a, archllm_view b, size_t n)
{
    return binary(ctx, "add_fwd", out, a, b, n);
}

archllm_status archllm_op_mul(archllm_ctx_t *ctx, archllm_view out, archllm_view a, archllm_view b, size_t n)
{
    return binary(ctx, "mul_fwd", out, a, b, n);
}

/* scale_fwd and axpy_fwd share the signature (out, x, alpha, n). */
static archllm_status scaled(archllm_ctx_t *ctx, const char *name, archllm_view out, archllm_view x, float alpha,
                             size_t n)
{
    OPS_CHECK_SIZE(name, out.off + n);
    cl_kernel k;
    cl_uint oo = out.off, xo = x.off, nn = n;
    ARCHLLM_TRY(archllm_kernel(ctx, "elementwise", name, &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(x.buf), ARG_UINT(xo),
                                    ARG_F32(alpha), ARG_UINT(nn), ARG_END));
    return archllm_launch_1d(ctx, k, n, 0);
}

archllm_status archllm_op_scale(archllm_ctx_t *ctx, archllm_view out, archllm_view x, float alpha, size_t n)
{
    return scaled(ctx, "scale_fwd", out, x, alpha, n);
}

archllm_status archllm_op_axpy(archllm_ctx_t *ctx, archllm_view y, archllm_view x, float alpha, size_t n)
{
    return scaled(ctx, "axpy_fwd", y, x, alpha, n);
}

/* Activations: forward (out, inp, n) and backward (dinp, inp, dout, n). */
static archllm_status act_fwd(archllm_ctx_t *ctx, const char *name, archllm_view out, archllm_view inp, size_t n,
                              size_t per_item)
{
    OPS_CHECK_SIZE(name, out.off + n);
    cl_kernel k;
    cl_uint oo = out.off, io = inp.off, nn = n;
    ARCHLLM_TRY(archllm_kernel(ctx, "elementwise", name, &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(inp.buf), ARG_UINT(io),
                                    ARG_UINT(nn), ARG_END));
    return archllm_launch_1d(ctx, k, (n + per_item - 1) / per_item, 0);
}

archllm_status archllm_op_relu_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view inp, size_t n)
{
    return act_fwd(ctx, "relu_fwd", out, inp, n, 1);
}

archllm_status archllm_op_relu_bwd(archllm_ctx_t *ctx, archllm_view dinp, archllm_view inp, archllm_view dout,
                                   size_t n)
{
    return binary(ctx, "relu_bwd", dinp, inp, dout, n);
}

archllm_status archllm_op_gelu_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view inp, size_t n)
{
    return act_fwd(ctx, "gelu_fwd", out, inp, n, OPS_GELU_VEC);
}

archllm_status archllm_op_gelu_bwd(archllm_ctx_t *ctx, archllm_view dinp, archllm_view inp, archllm_view dout,
                                   size_t n)
{
    return binary_on(ctx, "gelu_bwd", dinp, inp, dout, n, OPS_GELU_VEC);
}

archllm_status archllm_op_bias_add(archllm_ctx_t *ctx, archllm_view out, archllm_view bias, size_t rows,
                                   size_t cols)
{
    OPS_CHECK_SIZE("bias_add", out.off + rows * cols);
    cl_kernel k;
    cl_uint oo = out.off, bo = bias.off, r = rows, c = cols;
    ARCHLLM_TRY(archllm_kernel(ctx, "elementwise", "bias_add_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(bias.buf), ARG_UINT(bo),
                                    ARG_UINT(r), ARG_UINT(c), ARG_END));
    return archllm_launch_1d(ctx, k, rows * cols, 0);
}
