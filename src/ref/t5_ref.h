/* t5_ref.h - plain-C references of the transformer op families (cl/embedding.cl,
 * rmsnorm.cl, attention.cl, xent.cl, dropout.cl, transformer.cl): the oracle the kernels
 * and the T5 model are tested against.  Same argument order as the launchers in
 * ops/t5_ops.h; "+=" marks functions that add into their output. */
#ifndef ARCHLLM_T5_REF_H
#define ARCHLLM_T5_REF_H

#include <stddef.h>
#include <stdint.h>

/* embedding */
void ref_embedding_fwd(float *out /* (n, d) */, const float *table /* (V, d) */, const int32_t *ids /* (n) */,
                       size_t n, size_t d, size_t vocab);
void ref_embedding_bwd(float *dtable /* (V, d) += */, const float *dout /* (n, d) */, const int32_t *ids,
                       size_t n, size_t d, size_t vocab);

/* RMSNorm (T5LayerNorm) */
void ref_rmsnorm_fwd(float *out /* (n, d) */, float *rstd /* (n) */, const float *x /* (n, d) */,
                     const float *w /* (d) */, size_t n, size_t d, float eps);
void ref_rmsnorm_bwd(float *dx /* (n, d) += */, float *dw /* (d) += */, const float *x, const float *w,
                     const float *rstd, const float *dout, size_t n, size_t d);

/* attention */
#define REF_ATT_BIAS   1u
#define REF_ATT_MASK   2u
#define REF_ATT_CAUSAL 4u
void ref_split_heads(float *out /* (B, H, Lcap, dk) */, const float *in /* (B*L, ld_in) */, size_t B, size_t L,
                     size_t H, size_t dk, size_t ld_in, size_t Lcap, size_t l0);
void ref_merge_heads(float *out /* (B*L, ld_out) */, const float *in /* (B, H, L, dk) */, size_t B, size_t L,
                     size_t H, size_t dk, size_t ld_out);
void ref_attn_softmax_fwd(float *s /* (B, H, Lq, Lk) in place */, const float *table /* (NB, H) */,
                          const int32_t *buckets /* (Lq, Lk) */, const int32_t *keymask /* (B, Lk) */, size_t B,
                          size_t H, size_t Lq, size_t Lk, unsigned flags, size_t q0);
void ref_attn_softmax_bwd(float *dp /* (rows, Lk) in place -> dscores */, const float *p, size_t rows, size_t Lk);
void ref_attn_bias_reduce(float *acc /* (H, Lq, Lk) += */, const float *ds /* (B, H, Lq, Lk) */, size_t B,
                          size_t H, size_t Lq, size_t Lk);
void ref_attn_bias_bwd(float *dtable /* (NB, H) += */, const float *acc /* (H, Lq, Lk) */,
                       const int32_t *buckets /* (Lq, Lk) */, size_t NB, size_t H, size_t Lq, size_t Lk);
/* one decoding step: out(B, H, dk) = softmax(q . K[0..Lk) + bias row, masks) V; q rows ldq
 * apart, key s of head (b, h) at kc[b*cb + h*ch + s*cs], its value there in vc; kn non-NULL:
 * position Lk - 1 is first set from the step's key and value rows kn, vn (ldn apart) */
void ref_attn_decode(float *out, const float *q, size_t ldq, float *kc, float *vc, size_t cb, size_t ch, size_t cs,
                     const float *kn, const float *vn, size_t ldn, const float *table, const int32_t *buckets /* (Lk) */,
                     const int32_t *keymask /* (B, Lk) */, size_t B, size_t H, size_t Lk, size_t dk, unsigned flags);
/* Fused attention for short sequences, in the projection layout: q (B*Lq, ldq), k and v
 * (B*Lk, ldkv), out (B*Lq, ldo); head h is columns [h*dk, (h+1)*dk) of each.  Scores
 * q.k (no scaling) + bias, masks (causal: key > query) assigned -FLT_MAX, softmax kept in
 * p (B, H, Lq, Lk), out = p v.  No dropout on p (t5.c drops sublayer outputs only). */
void ref_attn_fused_fwd(float *out, size_t ldo, float *p, const float *q, size_t ldq, const float *k,
                        const float *v, size_t ldkv, const float *table /* (NB, H) */,
                        const int32_t *buckets /* (Lq, Lk) */, const int32_t *keymask /* (B, Lk) */, size_t B,
                        size_t H, size_t Lq, size_t Lk, size_t dk, unsigned flags);
/* its backward from dout (B*Lq, ldo): dq, dk, dv written (not added) in the layouts of q, k,
 * v; ds (B, H, Lq, Lk) the score gradient (the bias gradient before the bucket sum), or
 * NULL.  The kernel also reads the forward's out (rowsum(dP P) = dout . out); this sums dP P. */
void ref_attn_fused_bwd(float *dq, float *dkey, float *dv, float *ds, const float *dout, size_t ldo, const float *p,
                        const float *q, size_t ldq, const float *k, const float *v, size_t ldkv, size_t B, size_t H,
                        size_t Lq, size_t Lk, size_t dk);
/* Hugging Face's _relative_position_bucket for rel = key - query */
int ref_t5_bucket(long rel, int bidirectional, int num_buckets, int max_distance);

/* fused softmax cross-entropy: x (n, V) logits in, gradient * scale out; losses (n) */
void ref_xent_fwd_bwd(float *x, float *losses, const int32_t *labels, size_t n, size_t V, float scale);

/* dropout: keep element i when ref_dropout_hash(seed, i) >= threshold (= p * 2^32) */
uint32_t ref_dropout_hash(uint32_t seed, uint32_t i);
uint32_t ref_dropout_threshold(float p);
void     ref_dropout_fwd(float *out, const float *in, size_t n, float p, uint32_t seed);
void     ref_dropout_bwd(float *din /* += */, const float *dout, size_t n, float p, uint32_t seed);

/* gated GELU: out(n, f) = gelu_new(in[:, :f]) * in[:, f:]; backward writes din (n, 2f) */
void ref_gated_gelu_fwd(float *out, const float *in, size_t n, size_t f);
void ref_gated_gelu_bwd(float *din, const float *in, const float *dout, size_t n, size_t f);

#endif
