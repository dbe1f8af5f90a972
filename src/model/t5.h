/* t5.h - a T5 encoder-decoder (Hugging Face T5ForConditionalGeneration numerics, see
 * ../shared/T5.md) on the OpenCL backend: both variants (v1.0: ReLU FF, tied embeddings
 * with d_model^-0.5 output scaling; v1.1/flan: gated-GELU FF, untied lm_head), any size.
 * Parameters live in one archllm_params table under the Hugging Face tensor names, so a
 * weights-only save is a Hugging Face model.safetensors.  Forward keeps the activations
 * the hand-written backward needs; the backward adds into the parameter gradients.
 * Not here: tokenizers (tokenizer.h), sampling (t5_sample.c), the training loop (CLI). */
#ifndef ARCHLLM_MODEL_T5_H
#define ARCHLLM_MODEL_T5_H

#include "backend/backend.h"
#include "train/params.h"

#include <stdint.h>

#define ARCHLLM_T5_MAX_LAYERS 64

typedef enum { ARCHLLM_T5_RELU = 0, ARCHLLM_T5_GELU_NEW = 1 } archllm_t5_act;

typedef struct {
    int   vocab, d_model, d_kv, d_ff, n_heads;
    int   n_layers, n_dec_layers;
    int   num_buckets, max_distance;
    float eps, dropout;
    int   gated;        /* gated FF: act(wi_0 x) * (wi_1 x) */
    int   act;          /* archllm_t5_act */
    int   tied;         /* lm_head = shared */
    int   scale_out;    /* decoder output scaled by d_model^-0.5 (v1.0; = tied unless
                           config.json says scale_decoder_outputs) */
    int   scale_key;    /* config.json has scale_decoder_outputs: written by transformers 5,
                           whose loader unties a stored lm_head that differs from shared */
    int   pad_id, eos_id, start_id;
} archllm_t5_config;

/* t5-small-like defaults (T5.md 1.1), the values Hugging Face assumes for missing keys */
void archllm_t5_config_default(archllm_t5_config *c);
/* Check sizes and ranges; EINVAL with the offending field. */
archllm_status archllm_t5_config_check(const archllm_t5_config *c);
/* Parse a Hugging Face config.json (feed_forward_proj rules of configuration_t5.py). */
archllm_status archllm_t5_config_parse_json(archllm_t5_config *c, const char *text, size_t len, const char *name);
archllm_status archllm_t5_config_load_json(archllm_t5_config *c, const char *path);
/* config.json text (caller frees) */
char *archllm_t5_config_to_json(const archllm_t5_config *c);

typedef struct { int ln, q, k, v, o; } archllm_t5_attn_w;
typedef struct {
    archllm_t5_attn_w sa, ca;  /* ca only in the decoder */
    int rel;                   /* relative_attention_bias (block 0), else -1 */
    int ln_ff, wi, wi1, wo;    /* wi = wi or wi_0; wi1 = wi_1 or -1 */
} archllm_t5_block_w;

/* Saved activations of one attention sublayer (offsets in floats into the arena).  q, k, v
 * are one block of Nq*I + 2*Nk*I floats: head-major (B, H, L, dk) each on the GEMM path;
 * on the fused path (attention.cl attn_fused_*) the projections' own output, q|k|v
 * interleaved (Nq, 3I) from q for self-attention, q (Nq, I) and k|v (Nk, 2I) from k for
 * cross-attention. */
typedef struct { size_t ln, rstd, q, k, v, p, ctx; } archllm_t5_attn_act;
typedef struct {
    archllm_t5_attn_act sa, ca;
    size_t mid1, mid2;               /* residual stream after self- / cross-attention */
    size_t ln_ff, rstd_ff, pre, act; /* FF input (normed), pre-activation (N, dff or 2 dff), activation */
} archllm_t5_layer_act;

typedef struct archllm_t5 {
    archllm_t5_config cfg;
    archllm_params    P;
    int               shared, lm_head, enc_final, dec_final;
    archllm_t5_block_w enc[ARCHLLM_T5_MAX_LAYERS], dec[ARCHLLM_T5_MAX_LAYERS];

    /* activations for batches up to capB x capS (encoder) x capT (decoder) */
    int    capB, capS, capT;
    cl_mem act;   /* float arena */
    size_t act_n;
    cl_mem ibuf;  /* int32: ids, labels, masks, buckets */
    size_t ienc_ids, idec_ids, ilabels, imask, ienc_bk, idec_bk;
    int    bk_S, bk_T; /* the S x S / T x T buckets now in ibuf (0: none): written once per shape */
    size_t He[ARCHLLM_T5_MAX_LAYERS + 1], Hd[ARCHLLM_T5_MAX_LAYERS + 1];
    archllm_t5_layer_act ea[ARCHLLM_T5_MAX_LAYERS], da[ARCHLLM_T5_MAX_LAYERS];
    size_t enc_out, enc_rstd, dec_out, dec_rstd, logits, losses, loss;
    /* scratch */
    size_t s_tok, s_tok2, s_heads, g_He, g_Hd, g_ln, g_qkv, g_kv, g_ctx, g_ctxh, g_p, g_qh, g_kh, g_vh, g_act, g_pre,
        g_bias, s_sub, g_sub, g_act2;

    /* the last forward */
    int B, S, T, has_mask;
    int n_valid; /* labels not ignored in the last loss */
    /* training: dropout (rate cfg.dropout) at the embedding outputs, every sublayer output
     * before its residual add, the FF activation and the final layer norm outputs (not on
     * the attention probabilities); masks hashed from drop_seed (set per step) and the site */
    int      training;
    uint32_t drop_seed;
    /* attention through the fused kernels where both lengths and d_kv are at most
     * ARCHLLM_ATT_FUSED_MAX and the local memory fits, else through CLBlast GEMMs; set by
     * archllm_t5_init from ARCHLLM_T5_FUSED (0: never fused); read by forward and backward
     * alike, so change it only between steps */
    int attn_fused;
    /* decoding (sample.c): the decoder's and the head's weights transposed for the products
     * of each step, kept while P.version and the routing (gen_w_key: which products take
     * their norm's weight) stay what they were made for; gen_w_key -1: none kept */
    cl_mem        gen_w;
    size_t        gen_w_n;
    unsigned long gen_w_version;
    int           gen_w_key;
    /* the forward's projections outside training steps (archllm_t5_lin_fwd and the output
     * projections): W^T of a group of lin_w_k[i] adjacent tensors from tensor i, at i's
     * offset in P's layout, while P.version is lin_w_version (0 in lin_w_k: none kept) */
    cl_mem        lin_w;
    unsigned char *lin_w_k;
    unsigned long lin_w_version;
} archllm_t5;

/* Declare the parameter table for cfg and allocate it (values zero). */
archllm_status archllm_t5_init(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_t5_config *cfg);
void           archllm_t5_free(archllm_t5 *m);
/* Hugging Face initialisation (T5.md 1.9); head_std < 0: HF's N(0, 1) for an untied head. */
archllm_status archllm_t5_init_weights(archllm_ctx_t *ctx, archllm_t5 *m, archllm_rng *rng, float head_std);
/* Activation memory for batches up to B x S x T. */
archllm_status archllm_t5_reserve(archllm_ctx_t *ctx, archllm_t5 *m, int B, int S, int T);

/* Forward: enc_ids (B, S), enc_mask (B, S) nonzero = token (NULL: all), dec_ids (B, T).
 * Logits (B*T, V) are at archllm_t5_logits(m) until archllm_t5_loss turns them into their
 * gradient. */
archllm_status archllm_t5_forward(archllm_ctx_t *ctx, archllm_t5 *m, const int32_t *enc_ids,
                                  const int32_t *enc_mask, int B, int S, const int32_t *dec_ids, int T);
archllm_view   archllm_t5_logits(const archllm_t5 *m);
/* Encoder only: the output (B*S, d) is at m->enc_out in m->act afterwards. */
archllm_status archllm_t5_encode(archllm_ctx_t *ctx, archllm_t5 *m, const int32_t *enc_ids, const int32_t *enc_mask,
                                 int B, int S);
/* Loss (token mean over labels >= 0) of the last forward, leaving d loss / d logits in
 * the logits' place for archllm_t5_backward. */
archllm_status archllm_t5_loss(archllm_ctx_t *ctx, archllm_t5 *m, const int32_t *labels, float *loss);
/* Gradients of the last loss, added into m->P's gradient buffer (zero it first).  A step:
 *   forward; loss; zero_grad; backward; adamw. */
archllm_status archllm_t5_backward(archllm_ctx_t *ctx, archllm_t5 *m);

/* out(N, k*n_out) = x(N, n_in) [W_w0 | .. | W_wk-1]^T for parameter indexes w (one GEMM when
 * the tensors are adjacent in the flat buffer).  Outside training steps (m->training 0) the
 * products on archllm's kernels read W^T kept in m->lin_w while the weights stay the same. */
archllm_status archllm_t5_lin_fwd(archllm_ctx_t *ctx, archllm_t5 *m, archllm_view out, archllm_view x, size_t N,
                                  size_t n_in, const int *w, int k, size_t n_out);

/* decoder_input_ids = shift_right(labels): start token, labels[:-1], -100 -> pad */
void archllm_t5_shift_right(const archllm_t5_config *c, const int32_t *labels, int B, int T, int32_t *dec_ids);
/* the relative-position bucket of rel = key - query (Hugging Face's _relative_position_bucket) */
int archllm_t5_bucket(long rel, int bidirectional, int num_buckets, int max_distance);
/* bucket table (Lq, Lk) for query positions q0.. and keys 0.. */
void archllm_t5_buckets(const archllm_t5_config *c, int bidirectional, int Lq, int Lk, int q0, int32_t *out);

/* Hugging Face folders: config.json + model.safetensors (F32/F16/BF16; naming variants and
 * tied copies of T5.md 2).  load initialises *m (free with archllm_t5_free). */
archllm_status archllm_t5_load_hf(archllm_ctx_t *ctx, archllm_t5 *m, const char *folder);
/* Load weights from an open safetensors into an initialised model of matching config. */
archllm_status archllm_t5_load_weights(archllm_ctx_t *ctx, archllm_t5 *m, const archllm_safetensors *st);
archllm_status archllm_t5_save_hf(archllm_ctx_t *ctx, const archllm_t5 *m, const char *folder);

#endif
