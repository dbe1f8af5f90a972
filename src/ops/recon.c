/* recon.c - launchers for cl/recon.cl (op cross-entropy, adjacency BCE-with-logits). */
#include "ops/common.h"
#include "ops/vqvae_ops.h"


archllm_status archllm_op_op_ce(archllm_ctx_t *ctx, archllm_view loss, archllm_view correct, archllm_view dlogits,
                                archllm_view logits, archllm_view target, archllm_view mask, float scale, size_t M,
                                size_t F, int accumulate)
{
    OPS_CHECK_SIZE("op_ce", logits.off + M * F);
    cl_kernel k;
    cl_uint lo = U(loss.off), co = U(correct.off), dlo = U(dlogits.off), lgo = U(logits.off), to = U(target.off),
            mo = U(mask.off), mm = U(M), ff = U(F), acc = U(accumulate != 0);
    ARCHLLM_TRY(archllm_kernel(ctx, "recon", "op_ce", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(loss.buf), ARG_UINT(lo), ARG_MEM(correct.buf), ARG_UINT(co),
                                    ARG_MEM(dlogits.buf), ARG_UINT(dlo), ARG_MEM(logits.buf), ARG_UINT(lgo),
                                    ARG_MEM(target.buf), ARG_UINT(to), ARG_MEM(mask.buf), ARG_UINT(mo),
                                    ARG_F32(scale), ARG_UINT(mm), ARG_UINT(ff), ARG_UINT(acc), ARG_END));
    return archllm_launch_1d(ctx, k, M, 0);
}

archllm_status archllm_op_adj_bce(archllm_ctx_t *ctx, archllm_view loss, archllm_view correct,
                                  archllm_view dlogits, archllm_view logits, archllm_view adj, archllm_view mask,
                                  float scale, size_t B, size_t N, int accumulate)
{
    OPS_CHECK_SIZE("adj_bce", logits.off + B * N * N);
    cl_kernel k;
    cl_uint lo = U(loss.off), co = U(correct.off), dlo = U(dlogits.off), lgo = U(logits.off), ao = U(adj.off),
            mo = U(mask.off), bb = U(B), nn = U(N), acc = U(accumulate != 0);
    ARCHLLM_TRY(archllm_kernel(ctx, "recon", "adj_bce", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(loss.buf), ARG_UINT(lo), ARG_MEM(correct.buf), ARG_UINT(co),
                                    ARG_MEM(dlogits.buf), ARG_UINT(dlo), ARG_MEM(logits.buf), ARG_UINT(lgo),
                                    ARG_MEM(adj.buf), ARG_UINT(ao), ARG_MEM(mask.buf), ARG_UINT(mo),
                                    ARG_F32(scale), ARG_UINT(bb), ARG_UINT(nn), ARG_UINT(acc), ARG_END));
    return archllm_launch_1d(ctx, k, B * N * N, 0);
}
