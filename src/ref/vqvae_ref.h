/* vqvae_ref.h - plain-C references of the VQ-VAE's op families: graph convolution
 * (GIN aggregation, position embeddings, adjacency decoder), linear layers, vector
 * quantization and the reconstruction losses.  The oracle the kernels in cl/graph.cl, cl/quantize.cl and
 * cl/recon.cl are tested against; same argument order as the launchers in
 * ops/vqvae_ops.h (outputs first).  Backward functions add into gradients (+=).
 * Index tensors (codes) are int32; masks and adjacency are 0/1 floats. */
#ifndef ARCHLLM_REF_VQVAE_H
#define ARCHLLM_REF_VQVAE_H

#include <stddef.h>
#include <stdint.h>

/* ---- graph (cl/graph.cl) ------------------------------------------------------ */
/* GIN aggregation with messages along both edge directions:
 *   out[b,v,:] = (1 + eps) h[b,v,:] + sum_w (adj[b,v,w] + adj[b,w,v]) h[b,w,:] */
void ref_gin_agg_fwd(float *out /* (B,N,C) */, const float *h /* (B,N,C) */, const float *adj /* (B,N,N) */,
                     const float *eps /* (1) */, size_t B, size_t N, size_t C);
void ref_gin_agg_bwd(float *dh /* (B,N,C) += */, float *deps /* (1) += */, const float *h /* (B,N,C) */,
                     const float *adj /* (B,N,N) */, const float *eps /* (1) */, const float *dout /* (B,N,C) */,
                     size_t B, size_t N, size_t C);
/* out[b,v,:] += pos[v,:] (a learned embedding of the node position) */
void ref_pos_add_fwd(float *out /* (B,N,C) += */, const float *pos /* (N,C) */, size_t B, size_t N, size_t C);
void ref_pos_add_bwd(float *dpos /* (N,C) += */, const float *dout /* (B,N,C) */, size_t B, size_t N, size_t C);

/* Adjacency decoder over st = [s | t] (B*N rows of 2A): for v < w
 *   inner: logit[b,v,w] = <s[b,v], t[b,w]> + b0
 *   pair:  logit[b,v,w] = sum_a w2[a] relu(s[b,v,a] + t[b,w,a] + b1[a]) + b0
 * par = [b1 (A) | w2 (A) | b0 (1)]; entries with v >= w are written 0. */
enum { ARCHLLM_ADJ_INNER = 0, ARCHLLM_ADJ_PAIR = 1 };
void ref_adj_dec_fwd(float *logits /* (B,N,N) */, const float *st /* (B*N, 2A) */, const float *par /* (2A+1) */,
                     int mode, size_t B, size_t N, size_t A);
void ref_adj_dec_bwd(float *dst /* (B*N, 2A) += */, float *dpar /* (2A+1) += */, const float *st,
                     const float *par, const float *dlogits /* (B,N,N), v < w used */, int mode, size_t B,
                     size_t N, size_t A);

/* MLP helper: dy *= [y > 0] in place */
void ref_relu_mask_bwd(float *dy /* (n) */, const float *y /* (n) */, size_t n);

/* ---- linear layers (cl/linear.cl) --------------------------------------------- */
/* y(M,N) = act(x(M,K) w(N,K)^T + pos[m % npos] + b(N)); npos = 0: no position term */
void ref_linear_fwd(float *y, const float *x, const float *w, const float *b, const float *pos, size_t npos,
                    size_t M, size_t N, size_t K, int relu);
/* y(M,N) = epi(alpha rmsnorm(x; eps) w) + beta y (the norm without a weight: the caller
 * folds it into w's rows): x rows ldx apart, w (K, N) or, for epi 2 (gated GELU), (K, 2N),
 * rows ldw apart, y rows ldy apart; epi 1 is ReLU */
void ref_linear_nn_rms(float *y, size_t ldy, const float *x, size_t ldx, const float *w, size_t ldw, size_t M,
                       size_t K, size_t N, float eps, int epi, float alpha, float beta);
/* out(C,R) = in(R,C)^T, rows ldout and ldin apart, out's row c times scale[c] (scale NULL: 1) */
void ref_transpose(float *out, size_t ldout, const float *in, size_t ldin, size_t R, size_t C, const float *scale);
/* dx(M,I) += dy(M,O) w(O,I) */
void ref_linear_bwd_dx(float *dx, const float *dy, const float *w, size_t M, size_t O, size_t I);
/* dw(O,I) += dy^T x; db(O) += column sums of dy (db may be NULL) */
void ref_linear_bwd_dw(float *dw, float *db, const float *dy, const float *x, size_t M, size_t O, size_t I);

/* ---- vector quantization (cl/quantize.cl) ------------------------------------------- */
/* idx[m] = argmin_k ||z[m] - cb[k]||^2 (lowest k on ties) */
void ref_vq_argmin(int32_t *idx /* (M) */, const float *z /* (M,D) */, const float *cb /* (K,D) */, size_t M,
                   size_t K, size_t D);
/* zq[m] = cb[idx[m]] */
void ref_vq_gather(float *zq /* (M,D) */, const int32_t *idx /* (M) */, const float *cb /* (K,D) */, size_t M,
                   size_t D);
/* loss[m] = mask[m] * ||z[m] - cb[idx[m]]||^2 */
void ref_vq_dist(float *loss /* (M) */, const float *z, const float *cb, const int32_t *idx, const float *mask,
                 size_t M, size_t D);
/* Straight-through plus commitment: dz += dzq + beta * scale * 2 (z - e) mask */
void ref_vq_st_bwd(float *dz /* (M,D) += */, const float *z, const float *cb, const int32_t *idx,
                   const float *mask, const float *dzq /* (M,D) */, float scale, float beta, size_t M, size_t D);
/* Codebook loss: dcb[k] += scale * 2 sum_{m: idx[m]=k} mask[m] (cb[k] - z[m]) */
void ref_vq_cb_bwd(float *dcb /* (K,D) += */, const float *z, const float *cb, const int32_t *idx,
                   const float *mask, float scale, size_t M, size_t K, size_t D);
/* counts[k] = sum_{m: idx[m]=k} mask[m] */
void ref_vq_counts(float *counts /* (K) */, const int32_t *idx, const float *mask, size_t M, size_t K);
/* EMA codebook update (VQ-VAE-2 style) with dead-code restarts, per code k:
 *   n = counts, s = sum of masked z with idx == k
 *   ema_n = decay ema_n + (1-decay) n;  ema_s = decay ema_s + (1-decay) s
 *   if ema_n < threshold and restart[k] >= 0: cb = ema_s = z[restart[k]], ema_n = 1
 *   else cb = ema_s / max(ema_n, 1e-6) */
void ref_vq_ema(float *cb /* (K,D) */, float *ema_n /* (K) */, float *ema_s /* (K,D) */, float *counts /* (K) */,
                const float *z, const int32_t *idx, const float *mask, const int32_t *restart /* (K) */,
                float decay, float threshold, size_t M, size_t K, size_t D);

/* ---- losses (cl/recon.cl) ------------------------------------------------- */
/* Softmax cross-entropy over F op classes, fused forward and backward, per masked row:
 *   loss[m] = mask[m] * -log softmax(logits[m])[t],  t = argmax target[m] (one-hot)
 *   correct[m] = mask[m] * (argmax logits[m] == t)
 *   dlogits[m] += scale * mask[m] * (softmax(logits[m]) - target[m]) */
void ref_op_ce(float *loss /* (M) */, float *correct /* (M) */, float *dlogits /* (M,F) += */,
               const float *logits /* (M,F) */, const float *target /* (M,F) */, const float *mask /* (M) */,
               float scale, size_t M, size_t F);
/* BCE with logits over the upper triangle (v < w) of pairs of real nodes:
 *   loss[b,v,w] = max(x,0) - x y + log(1 + exp(-|x|)),  correct = ((x > 0) == y)
 *   dlogits += scale * (sigmoid(x) - y); other entries: loss = correct = 0, no gradient */
void ref_adj_bce(float *loss /* (B,N,N) */, float *correct /* (B,N,N) */, float *dlogits /* (B,N,N) += */,
                 const float *logits /* (B,N,N) */, const float *adj /* (B,N,N) */, const float *mask /* (B,N) */,
                 float scale, size_t B, size_t N);

#endif
