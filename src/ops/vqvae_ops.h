/* vqvae_ops.h - host launchers of the VQ-VAE's op families: graph convolution
 * (cl/graph.cl), vector quantization (cl/quantize.cl) and reconstruction losses
 * (cl/recon.cl).  Outputs first, then inputs, then sizes; every tensor a view.
 * Backward launchers add into gradients (+=); those with `accumulate` write their
 * activation gradient when it is 0 (its first writer in a step, so the arena needs no
 * zeroing first).  ref/vqvae_ref.h defines what each computes; index tensors are int32
 * buffers viewed through archllm_view as well. */
#ifndef ARCHLLM_OPS_VQVAE_H
#define ARCHLLM_OPS_VQVAE_H

#include "ops/ops.h"

/* graph */
archllm_status archllm_op_gin_agg_fwd(archllm_ctx_t *ctx, archllm_view out /* (B,N,C) */, archllm_view h,
                                      archllm_view adj /* (B,N,N) */, archllm_view eps /* (1) */, size_t B,
                                      size_t N, size_t C);
/* dh += ... (accumulate 0: dh = ...), deps += sum(dout * h) */
archllm_status archllm_op_gin_agg_bwd(archllm_ctx_t *ctx, archllm_view dh, archllm_view deps, archllm_view h,
                                      archllm_view adj, archllm_view eps, archllm_view dout, size_t B, size_t N,
                                      size_t C, int accumulate);
archllm_status archllm_op_pos_add_bwd(archllm_ctx_t *ctx, archllm_view dpos /* (N,C) += */, archllm_view dout,
                                      size_t B, size_t N, size_t C);
archllm_status archllm_op_adj_dec_fwd(archllm_ctx_t *ctx, archllm_view logits /* (B,N,N) */,
                                      archllm_view st /* (B*N,2A) */, archllm_view par /* (2A+1) */, int mode,
                                      size_t B, size_t N, size_t A);
/* dst += ... (accumulate 0: dst = ...), dpar += ... */
archllm_status archllm_op_adj_dec_bwd(archllm_ctx_t *ctx, archllm_view dst, archllm_view dpar, archllm_view st,
                                      archllm_view par, archllm_view dlogits, int mode, size_t B, size_t N,
                                      size_t A, int accumulate);
archllm_status archllm_op_relu_mask_bwd(archllm_ctx_t *ctx, archllm_view dy /* (n) in place */,
                                        archllm_view y /* (n) */, size_t n);

/* linear layers (cl/linear.cl): w is (out, in); pos (npos, N) may be unused (npos 0) */
archllm_status archllm_op_linear_fwd(archllm_ctx_t *ctx, archllm_view y /* (M,N) */, archllm_view x /* (M,K) */,
                                     archllm_view w /* (N,K) */, archllm_view b /* (N) */, archllm_view pos,
                                     size_t npos, size_t M, size_t N, size_t K, int relu);
/* dx = dy w (+ dx when accumulate), then 0 wherever relu_y (M,I) is not above 0 unless
 * relu_y.buf is NULL: the gradient through the ReLU whose output relu_y is, in the same pass */
archllm_status archllm_op_linear_bwd_dx(archllm_ctx_t *ctx, archllm_view dx /* (M,I) += or = */,
                                        archllm_view dy /* (M,O) */, archllm_view w /* (O,I) */, size_t M,
                                        size_t O, size_t I, int accumulate, archllm_view relu_y);
/* dw += dy^T x; db += colsum(dy) unless db.buf is NULL */
archllm_status archllm_op_linear_bwd_dw(archllm_ctx_t *ctx, archllm_view dw /* (O,I) += */,
                                        archllm_view db /* (O) += */, archllm_view dy /* (M,O) */,
                                        archllm_view x /* (M,I) */, size_t M, size_t O, size_t I);

/* quantize: argmin needs scratch for M*K scores plus K norms (archllm_op_vq_scratch floats) */
size_t         archllm_op_vq_scratch(size_t M, size_t K);
archllm_status archllm_op_vq_argmin(archllm_ctx_t *ctx, archllm_view idx /* (M) int32 */,
                                    archllm_view z /* (M,D) */, archllm_view cb /* (K,D) */,
                                    archllm_view scratch, size_t M, size_t K, size_t D);
archllm_status archllm_op_vq_gather(archllm_ctx_t *ctx, archllm_view zq, archllm_view idx, archllm_view cb,
                                    size_t M, size_t D);
archllm_status archllm_op_vq_dist(archllm_ctx_t *ctx, archllm_view loss /* (M) */, archllm_view z,
                                  archllm_view cb, archllm_view idx, archllm_view mask, size_t M, size_t D);
archllm_status archllm_op_vq_st_bwd(archllm_ctx_t *ctx, archllm_view dz /* += or = */, archllm_view z,
                                    archllm_view cb, archllm_view idx, archllm_view mask, archllm_view dzq,
                                    float scale, float beta, size_t M, size_t D, int accumulate);
archllm_status archllm_op_vq_cb_bwd(archllm_ctx_t *ctx, archllm_view dcb, archllm_view z, archllm_view cb,
                                    archllm_view idx, archllm_view mask, float scale, size_t M, size_t K,
                                    size_t D);
archllm_status archllm_op_vq_counts(archllm_ctx_t *ctx, archllm_view counts, archllm_view idx, archllm_view mask,
                                    size_t M, size_t K);
archllm_status archllm_op_vq_ema(archllm_ctx_t *ctx, archllm_view cb, archllm_view ema_n, archllm_view ema_s,
                                 archllm_view counts, archllm_view z, archllm_view idx, archllm_view mask,
                                 archllm_view restart /* (K) int32 */, float decay, float threshold, size_t M,
                                 size_t K, size_t D);

/* recon */
/* loss and correct written; dlogits += (accumulate 0: =, 0 on masked rows) */
archllm_status archllm_op_op_ce(archllm_ctx_t *ctx, archllm_view loss, archllm_view correct, archllm_view dlogits,
                                archllm_view logits, archllm_view target, archllm_view mask, float scale, size_t M,
                                size_t F, int accumulate);
/* the same over pairs v < w of unmasked nodes; accumulate 0 writes 0 at every other pair */
archllm_status archllm_op_adj_bce(archllm_ctx_t *ctx, archllm_view loss, archllm_view correct,
                                  archllm_view dlogits, archllm_view logits, archllm_view adj, archllm_view mask,
                                  float scale, size_t B, size_t N, int accumulate);

#endif
