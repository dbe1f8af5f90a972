/* t5_ops.h - host launchers of the transformer op families (cl/embedding.cl, rmsnorm.cl,
 * attention.cl, xent.cl, dropout.cl, transformer.cl).  Outputs first, then inputs, then
 * sizes; every tensor a view (buffer + element offset); int32 tensors (ids, labels, masks,
 * buckets) are views of buffers holding int32 words.  ref/t5_ref.h defines what each
 * computes. */
#ifndef ARCHLLM_T5_OPS_H
#define ARCHLLM_T5_OPS_H

#include "ops/ops.h"

/* embedding: out(n, d) = table[ids]; dtable += scatter of dout */
archllm_status archllm_op_embedding_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view table, archllm_view ids,
                                        size_t n, size_t d, size_t vocab);
archllm_status archllm_op_embedding_bwd(archllm_ctx_t *ctx, archllm_view dtable, archllm_view dout, archllm_view ids,
                                        size_t n, size_t d, size_t vocab);

/* RMSNorm: out(n, d), rstd(n) from x(n, d), w(d); backward dx += and dw += */
archllm_status archllm_op_rmsnorm_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view rstd, archllm_view x,
                                      archllm_view w, size_t n, size_t d, float eps);
archllm_status archllm_op_rmsnorm_bwd(archllm_ctx_t *ctx, archllm_view dx, archllm_view dw, archllm_view x,
                                      archllm_view w, archllm_view rstd, archllm_view dout, size_t n, size_t d);

/* attention */
#define ARCHLLM_ATT_BIAS   1u
#define ARCHLLM_ATT_MASK   2u
#define ARCHLLM_ATT_CAUSAL 4u
archllm_status archllm_op_split_heads(archllm_ctx_t *ctx, archllm_view out, archllm_view in, size_t B, size_t L,
                                      size_t H, size_t dk, size_t ld_in, size_t Lcap, size_t l0);
archllm_status archllm_op_merge_heads(archllm_ctx_t *ctx, archllm_view out, archllm_view in, size_t B, size_t L,
                                      size_t H, size_t dk, size_t ld_out);
/* table, buckets, keymask are only read when their flag is set (pass any view otherwise) */
archllm_status archllm_op_attn_softmax_fwd(archllm_ctx_t *ctx, archllm_view s, archllm_view table,
                                           archllm_view buckets, archllm_view keymask, size_t B, size_t H,
                                           size_t Lq, size_t Lk, unsigned flags, size_t q0);
archllm_status archllm_op_attn_softmax_bwd(archllm_ctx_t *ctx, archllm_view dp, archllm_view p, size_t rows,
                                           size_t Lk);
archllm_status archllm_op_attn_bias_reduce(archllm_ctx_t *ctx, archllm_view acc, archllm_view ds, size_t B,
                                           size_t H, size_t Lq, size_t Lk);
archllm_status archllm_op_attn_bias_bwd(archllm_ctx_t *ctx, archllm_view dtable, archllm_view acc,
                                        archllm_view buckets, size_t NB, size_t H, size_t Lq, size_t Lk);

/* one KV-cache decoding step fused (scores, bias, masks, softmax, PV): q rows ldq apart
 * (head h at h*dk), out (B, H, dk); key s of head (b, h) at kc[b*cb + h*ch + s*cs] and its
 * value at the same place in vc (the (B, H, Lcap, dk) cache: cb = H*Lcap*dk, ch = Lcap*dk,
 * cs = dk; projection rows (B, S, 2I): cb = 2*S*I, ch = dk, cs = 2I); Lk keys in use,
 * buckets the (Lk) bias row; kn.buf set: first write the step's key and value rows (kn, vn,
 * ldn apart) into position Lk - 1.  dk at most 128. */
archllm_status archllm_op_attn_decode(archllm_ctx_t *ctx, archllm_view out, archllm_view q, size_t ldq,
                                      archllm_view kc, archllm_view vc, size_t cb, size_t ch, size_t cs,
                                      archllm_view kn, archllm_view vn, size_t ldn, archllm_view table,
                                      archllm_view buckets, archllm_view keymask, size_t B, size_t H, size_t Lk,
                                      size_t dk, unsigned flags);

/* Fused attention for short sequences (Lq, Lk, dk <= ARCHLLM_ATT_FUSED_MAX, local memory
 * permitting: archllm_op_attn_fused_fits) in the projection layout, one work-group per (b, h):
 * q (B*Lq, ldq), k and v (B*Lk, ldkv), head h in columns [h*dk, (h+1)*dk); out (B*Lq, ldo)
 * the merged context; p (B, H, Lq, Lk) the probabilities, kept for the backward.  Scores,
 * bias and masks as archllm_op_attn_softmax_fwd (causal: key > query), no dropout on p. */
#define ARCHLLM_ATT_FUSED_MAX 64
size_t         archllm_op_attn_fused_local(size_t Lq, size_t Lk, size_t dk); /* bytes the backward needs */
int            archllm_op_attn_fused_fits(const archllm_ctx_t *ctx, size_t Lq, size_t Lk, size_t dk);
archllm_status archllm_op_attn_fused_fwd(archllm_ctx_t *ctx, archllm_view out, size_t ldo, archllm_view p,
                                         archllm_view q, size_t ldq, archllm_view k, archllm_view v, size_t ldkv,
                                         archllm_view table, archllm_view buckets, archllm_view keymask, size_t B,
                                         size_t H, size_t Lq, size_t Lk, size_t dk, unsigned flags);
/* from dout (layout of out) and the forward's out and p: dq, dkey, dv written (not added) in
 * the layouts of q, k, v; ds (B, H, Lq, Lk) the score gradient when ds.buf is not NULL */
archllm_status archllm_op_attn_fused_bwd(archllm_ctx_t *ctx, archllm_view dq, archllm_view dkey, archllm_view dv,
                                         archllm_view ds, archllm_view dout, archllm_view out, size_t ldo,
                                         archllm_view p, archllm_view q, size_t ldq, archllm_view k, archllm_view v,
                                         size_t ldkv, size_t B, size_t H, size_t Lq, size_t Lk, size_t dk);
/* the same with the launch shape chosen (the op harness runs all three on any device): AUTO
 * the context's tuned one (by default CPU on CPUs, else GPU; `archllm tune` measures others),
 * CPU 1 x 1 work-groups taking 8 columns at a time, GPU 16 x 16 (the tile on a GPU) taking one */
#define ARCHLLM_ATT_SHAPE_AUTO 0
#define ARCHLLM_ATT_SHAPE_CPU  1
#define ARCHLLM_ATT_SHAPE_GPU  2
archllm_status archllm_op_attn_fused_fwd_kind(archllm_ctx_t *ctx, archllm_view out, size_t ldo, archllm_view p,
                                              archllm_view q, size_t ldq, archllm_view k, archllm_view v,
                                              size_t ldkv, archllm_view table, archllm_view buckets,
                                              archllm_view keymask, size_t B, size_t H, size_t Lq, size_t Lk,
                                              size_t dk, unsigned flags, int kind);
archllm_status archllm_op_attn_fused_bwd_kind(archllm_ctx_t *ctx, archllm_view dq, archllm_view dkey,
                                              archllm_view dv, archllm_view ds, archllm_view dout, archllm_view out,
                                              size_t ldo, archllm_view p, archllm_view q, size_t ldq, archllm_view k,
                                              archllm_view v, size_t ldkv, size_t B, size_t H, size_t Lq, size_t Lk,
                                              size_t dk, int kind);

/* fused softmax cross-entropy, in place over x(n, V); losses(n) */
archllm_status archllm_op_xent_fwd_bwd(archllm_ctx_t *ctx, archllm_view x, archllm_view losses,
                                       archllm_view labels, size_t n, size_t V, float scale);
/* the same with the kernel chosen: groups = 1 one work-group per row (GPUs; the default
 * there), 0 one work-item per row (CPUs) */
archllm_status archllm_op_xent_fwd_bwd_kind(archllm_ctx_t *ctx, archllm_view x, archllm_view losses,
                                            archllm_view labels, size_t n, size_t V, float scale, int groups);

/* the kernels' keep rule: element i survives when hash(seed, i) >= this (p 2^32) */
uint32_t archllm_dropout_threshold(float p);
/* dropout with a hashed mask (seed per site and step); fwd may run in place, bwd adds */
archllm_status archllm_op_dropout_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view in, size_t n, float p,
                                      uint32_t seed);
archllm_status archllm_op_dropout_bwd(archllm_ctx_t *ctx, archllm_view din, archllm_view dout, size_t n, float p,
                                      uint32_t seed);

/* gated GELU over the fused (n, 2f) GEMM output; backward writes din(n, 2f) */
archllm_status archllm_op_gated_gelu_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view in, size_t n, size_t f);
archllm_status archllm_op_gated_gelu_bwd(archllm_ctx_t *ctx, archllm_view din, archllm_view in, archllm_view dout,
                                         size_t n, size_t f);

#endif
