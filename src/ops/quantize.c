/* quantize.c - launchers for cl/quantize.cl.  The nearest code goes through one GEMM
 * (scores = z cb^T - ||e||^2/2, cl/linear.cl's fused kernel) and an argmax kernel. */
#include "ops/common.h"
#include "ops/vqvae_ops.h"


size_t archllm_op_vq_scratch(size_t M, size_t K) { return M * K + K; }

archllm_status archllm_op_vq_argmin(archllm_ctx_t *ctx, archllm_view idx, archllm_view z, archllm_view cb,
                                    archllm_view scratch, size_t M, size_t K, size_t D)
{
    OPS_CHECK_SIZE("vq_argmin", scratch.off + M * K + K);
    cl_kernel kn, ka;
    cl_uint cbo = U(cb.off), io = U(idx.off), kk = U(K), dd = U(D), mm = U(M);
    cl_uint soff = U(scratch.off), noff = U(scratch.off + M * K); /* -||e||^2/2 after the scores */
    ARCHLLM_TRY(archllm_kernel(ctx, "quantize", "vq_norms", &kn));
    ARCHLLM_TRY(archllm_kernel(ctx, "quantize", "vq_argmin", &ka));
    ARCHLLM_TRY(archllm_kernel_args(kn, ARG_MEM(scratch.buf), ARG_UINT(noff), ARG_MEM(cb.buf), ARG_UINT(cbo),
                                    ARG_UINT(kk), ARG_UINT(dd), ARG_END));
    ARCHLLM_TRY(archllm_launch_1d(ctx, kn, K, 0));
    /* the GEMM: scores(M,K) = z(M,D) cb(K,D)^T - ||e||^2/2, through the fused linear kernel
     * (the per-code norm is its bias) */
    archllm_view norms = {scratch.buf, scratch.off + M * K};
    ARCHLLM_TRY(archllm_op_linear_fwd(ctx, scratch, z, cb, norms, norms, 0, M, K, D, 0));
    ARCHLLM_TRY(archllm_kernel_args(ka, ARG_MEM(idx.buf), ARG_UINT(io), ARG_MEM(scratch.buf), ARG_UINT(soff),
                                    ARG_UINT(mm), ARG_UINT(kk), ARG_END));
    return archllm_launch_1d(ctx, ka, M, 0);
}

archllm_status archllm_op_vq_gather(archllm_ctx_t *ctx, archllm_view zq, archllm_view idx, archllm_view cb,
                                    size_t M, size_t D)
{
    OPS_CHECK_SIZE("vq_gather", zq.off + M * D);
    cl_kernel k;
    cl_uint zo = U(zq.off), io = U(idx.off), co = U(cb.off), mm = U(M), dd = U(D);
    ARCHLLM_TRY(archllm_kernel(ctx, "quantize", "vq_gather", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(zq.buf), ARG_UINT(zo), ARG_MEM(idx.buf), ARG_UINT(io),
                                    ARG_MEM(cb.buf), ARG_UINT(co), ARG_UINT(mm), ARG_UINT(dd), ARG_END));
    return archllm_launch_1d(ctx, k, M * D, 0);
}

archllm_status archllm_op_vq_dist(archllm_ctx_t *ctx, archllm_view loss, archllm_view z, archllm_view cb,
                                  archllm_view idx, archllm_view mask, size_t M, size_t D)
{
    OPS_CHECK_SIZE("vq_dist", z.off + M * D);
    cl_kernel k;
    cl_uint lo = U(loss.off), zo = U(z.off), co = U(cb.off), io = U(idx.off), mo = U(mask.off), mm = U(M),
            dd = U(D);
    ARCHLLM_TRY(archllm_kernel(ctx, "quantize", "vq_dist", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(loss.buf), ARG_UINT(lo), ARG_MEM(z.buf), ARG_UINT(zo),
                                    ARG_MEM(cb.buf), ARG_UINT(co), ARG_MEM(idx.buf), ARG_UINT(io),
                                    ARG_MEM(mask.buf), ARG_UINT(mo), ARG_UINT(mm), ARG_UINT(dd), ARG_END));
    return archllm_launch_1d(ctx, k, M, 0);
}

archllm_status archllm_op_vq_st_bwd(archllm_ctx_t *ctx, archllm_view dz, archllm_view z, archllm_view cb,
                                    archllm_view idx, archllm_view mask, archllm_view dzq, float scale, float beta,
                                    size_t M, size_t D, int accumulate)
{
    OPS_CHECK_SIZE("vq_st_bwd", dz.off + M * D);
    cl_kernel k;
    cl_uint dzo = U(dz.off), zo = U(z.off), co = U(cb.off), io = U(idx.off), mo = U(mask.off),
            qo = U(dzq.off), mm = U(M), dd = U(D), acc = U(accumulate != 0);
    ARCHLLM_TRY(archllm_kernel(ctx, "quantize", "vq_st_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dz.buf), ARG_UINT(dzo), ARG_MEM(z.buf), ARG_UINT(zo),
                                    ARG_MEM(cb.buf), ARG_UINT(co), ARG_MEM(idx.buf), ARG_UINT(io),
                                    ARG_MEM(mask.buf), ARG_UINT(mo), ARG_MEM(dzq.buf), ARG_UINT(qo),
                                    ARG_F32(scale), ARG_F32(beta), ARG_UINT(mm), ARG_UINT(dd), ARG_UINT(acc),
                                    ARG_END));
    return archllm_launch_1d(ctx, k, M * D, 0);
}

archllm_status archllm_op_vq_cb_bwd(archllm_ctx_t *ctx, archllm_view dcb, archllm_view z, archllm_view cb,
                                    archllm_view idx, archllm_view mask, float scale, size_t M, size_t K,
                                    size_t D)
{
    OPS_CHECK_SIZE("vq_cb_bwd", z.off + M * D);
    cl_kernel k;
    cl_uint dco = U(dcb.off), zo = U(z.off), co = U(cb.off), io = U(idx.off), mo = U(mask.off), mm = U(M),
            kk = U(K), dd = U(D);
    ARCHLLM_TRY(archllm_kernel(ctx, "quantize", "vq_cb_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dcb.buf), ARG_UINT(dco), ARG_MEM(z.buf), ARG_UINT(zo),
                                    ARG_MEM(cb.buf), ARG_UINT(co), ARG_MEM(idx.buf), ARG_UINT(io),
                                    ARG_MEM(mask.buf), ARG_UINT(mo), ARG_F32(scale), ARG_UINT(mm), ARG_UINT(kk),
                                    ARG_UINT(dd), ARG_END));
    return archllm_launch_1d(ctx, k, K, 0);
}

archllm_status archllm_op_vq_counts(archllm_ctx_t *ctx, archllm_view counts, archllm_view idx, archllm_view mask,
                                    size_t M, size_t K)
{
    OPS_CHECK_SIZE("vq_counts", idx.off + M);
    cl_kernel k;
    cl_uint co = U(counts.off), io = U(idx.off), mo = U(mask.off), mm = U(M), kk = U(K);
    ARCHLLM_TRY(archllm_kernel(ctx, "quantize", "vq_counts", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(counts.buf), ARG_UINT(co), ARG_MEM(idx.buf), ARG_UINT(io),
                                    ARG_MEM(mask.buf), ARG_UINT(mo), ARG_UINT(mm), ARG_UINT(kk), ARG_END));
    return archllm_launch_1d_spread(ctx, k, (K + 15) / 16, 0); /* 16 codes an item */
}

archllm_status archllm_op_vq_ema(archllm_ctx_t *ctx, archllm_view cb, archllm_view ema_n, archllm_view ema_s,
                                 archllm_view counts, archllm_view z, archllm_view idx, archllm_view mask,
                                 archllm_view restart, float decay, float threshold, size_t M, size_t K, size_t D)
{
    OPS_CHECK_SIZE("vq_ema", z.off + M * D);
    cl_kernel k;
    cl_uint cbo = U(cb.off), eno = U(ema_n.off), eso = U(ema_s.off), co = U(counts.off), zo = U(z.off),
            io = U(idx.off), mo = U(mask.off), ro = U(restart.off), mm = U(M), kk = U(K), dd = U(D);
    ARCHLLM_TRY(archllm_kernel(ctx, "quantize", "vq_ema", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(cb.buf), ARG_UINT(cbo), ARG_MEM(ema_n.buf), ARG_UINT(eno),
                                    ARG_MEM(ema_s.buf), ARG_UINT(eso), ARG_MEM(counts.buf), ARG_UINT(co),
                                    ARG_MEM(z.buf), ARG_UINT(zo), ARG_MEM(idx.buf), ARG_UINT(io),
                                    ARG_MEM(mask.buf), ARG_UINT(mo), ARG_MEM(restart.buf), ARG_UINT(ro),
                                    ARG_F32(decay), ARG_F32(threshold), ARG_UINT(mm), ARG_UINT(kk), ARG_UINT(dd),
                                    ARG_END));
    return archllm_launch_1d(ctx, k, K, 0);
}
