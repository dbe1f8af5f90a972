/* vqvae.h - the VQ-VAE of Arch-LLM's first stage: a GIN encoder over padded cell graphs,
 * a vector quantizer (per-node codes, codebook loss or EMA updates with dead-code
 * restarts) and a graph decoder (per-node op logits, upper-triangular adjacency logits).
 *
 * Shapes (B graphs of a batch, N = max nodes of the space, F op classes, H hidden,
 * C codes per node of D dims each, K codes, A adjacency decoder width):
 *   x0   (B*N, X)    one-hot op and one-hot position of every real node, 0 for padding
 *                    nodes, zero-padded to X = F+N rounded up to a multiple of 16
 *   GIN layer l:     a = (1+eps) h + A_sym h;  u = relu(a W1^T + b1);  h' = relu(u W2^T + b2)
 *                    (no ReLU after the last layer)
 *   z_e  (B*N*C, D)  = h_L Wp^T + bp, cut into C codes per node
 *   z_q              = codebook[argmin ||z_e - e_k||], straight-through to z_e
 *   g1   (B*N, H)    = relu(z_q W^T + b + pos[node]);  g2 = relu(g1 W^T + b)
 *   op logits (B*N, F) = g2 Wo^T + bo;  st (B*N, 2A) = g2 Wa^T + ba;
 *   adjacency logits (B, N, N) from st (inner product or pair MLP, see ref_adj_dec_fwd)
 * Loss = mean op CE over real nodes + mean edge BCE over real upper-triangular pairs
 *      + VQ: (codebook +) beta * commitment, means over real node codes and D.
 *
 * What it does not hold: data loading, schedules and the training loop (the CLI's
 * train-vqvae), the search spaces (src/nas). */
#ifndef ARCHLLM_MODEL_VQVAE_H
#define ARCHLLM_MODEL_VQVAE_H

#include "backend/backend.h"
#include "nas/dataset.h"
#include "ops/vqvae_ops.h"
#include "ref/vqvae_ref.h" /* ARCHLLM_ADJ_INNER / _PAIR */
#include "train/params.h"
#include "util/rng.h"

enum { ARCHLLM_VQ_LOSS = 0, ARCHLLM_VQ_EMA = 1 };

typedef struct {
    int   max_v, n_ops;       /* N, F: from the search space */
    int   layers, hidden;     /* GIN layers L, width H */
    int   latent_dim;         /* D */
    int   codes_per_node;     /* C */
    int   codebook_size;      /* K */
    int   adj_mode;           /* ARCHLLM_ADJ_INNER or ARCHLLM_ADJ_PAIR */
    int   adj_dim;            /* A */
    int   quantizer;          /* ARCHLLM_VQ_LOSS or ARCHLLM_VQ_EMA */
    float beta;               /* commitment weight */
    float ema_decay;
    float restart_threshold;  /* EMA count below which a code restarts */
    int   max_batch;          /* activations are allocated for this many graphs */
} archllm_vqvae_params;

archllm_vqvae_params archllm_vqvae_default_params(void);

/* Per-batch results, summed over the batch on the host. */
typedef struct {
    int    graphs;
    double loss, loss_op, loss_adj, loss_vq; /* the means the gradient is of */
    double nodes, nodes_ok;                  /* real nodes, with the right op */
    double pairs, pairs_ok;                  /* real upper-triangular pairs, right edge bit */
    int    graphs_ok;                        /* every op and edge right */
} archllm_vqvae_stats;

typedef struct archllm_vqvae {
    archllm_ctx_t       *ctx;
    archllm_vqvae_params hp;
    archllm_params       params;
    archllm_rng          rng; /* dead-code restarts; saved in checkpoints */
    /* tensor indexes in params */
    int p_eps[16], p_w1[16], p_b1[16], p_w2[16], p_b2[16];
    int p_proj_w, p_proj_b, p_cb, p_ema_n, p_ema_s;
    int p_pos, p_d1_w, p_d1_b, p_d2_w, p_d2_b, p_op_w, p_op_b, p_adj_w, p_adj_b, p_adj_par;
    /* activations and their gradients: one arena each, same offsets */
    cl_mem act, dact, ibuf; /* ibuf: int32 codes and restart rows */
    size_t act_total;
    size_t o_x0, o_a[16], o_u[16], o_h[16], o_ze, o_zq, o_g1, o_g2, o_op, o_st, o_adjl;
    size_t o_adj, o_tgt, o_mask, o_maskq, o_lop, o_cop, o_ladj, o_cadj, o_lvq, o_counts, o_scratch;
    size_t o_idx, o_restart; /* in ibuf */
    int    in_dim[16];
    /* host staging */
    float   *h_x0, *h_adj, *h_tgt, *h_mask, *h_maskq, *h_read;
    int32_t *h_idx;
    float   *h_counts; /* (K) usage of the last batch */
    int      batch;    /* graphs in the loaded batch */
} archllm_vqvae;

/* Declare, lay out and initialize the parameters from rng (seeded by the caller);
 * allocate activations for hp->max_batch graphs. */
archllm_status archllm_vqvae_init(archllm_vqvae *m, archllm_ctx_t *ctx, const archllm_vqvae_params *hp,
                                  archllm_rng *init_rng);
void           archllm_vqvae_free(archllm_vqvae *m);

/* Stage graphs idx[0..n) of d (n <= max_batch) as the current batch. */
archllm_status archllm_vqvae_load(archllm_vqvae *m, const archllm_dataset *d, const uint32_t *idx, int n);
/* Forward through the decoder and the losses; with grad, the loss gradients are left in
 * the gradient arena for archllm_vqvae_backward.  st (may be NULL) gets the batch's
 * losses and accuracies.  Usage counts of the batch go to m->h_counts. */
archllm_status archllm_vqvae_forward(archllm_vqvae *m, int grad, archllm_vqvae_stats *st);
/* Backward of the last forward (which must have had grad): parameter gradients (+=). */
archllm_status archllm_vqvae_backward(archllm_vqvae *m);
/* One optimizer step: AdamW over the parameters (clipping as in hp), then the EMA
 * codebook update when that quantizer is on.  grad_norm may be NULL. */
archllm_status archllm_vqvae_update(archllm_vqvae *m, const archllm_adamw_params *hp, float *grad_norm);

/* Codes of the loaded batch after a forward: (n, N*C) int32, -1 on padded nodes. */
archllm_status archllm_vqvae_codes(archllm_vqvae *m, int32_t *codes);
/* Decode code sequences: codes (n, N*C) with nv[i] real nodes each (codes beyond nv*C
 * ignored) into cells (ops by argmax, edges where the logit > 0, upper triangle). */
archllm_status archllm_vqvae_decode(archllm_vqvae *m, const int32_t *codes, const int *nv, int n,
                                    archllm_space space, archllm_cell *cells);

/* Continuous latents, layout (n, N, C, D) as floats: graph b, node v, code slot c,
 * dimension d at ((b*N + v)*C + c)*D + d; a graph with nv real nodes uses its first
 * nv*C*D values, the rest (padded nodes) are 0 from latents and ignored by decode_latents.
 *
 * latents: z_e (before quantization) of the loaded batch after a forward; n = batch size. */
archllm_status archllm_vqvae_latents(archllm_vqvae *m, float *z, int n);
/* Like archllm_vqvae_decode, but from continuous latents z (layout above) fed to the
 * decoder as they are, without quantization (the codebook is not involved).  Decoding the
 * codebook rows of codes this way gives the same cells as archllm_vqvae_decode(codes). */
archllm_status archllm_vqvae_decode_latents(archllm_vqvae *m, const float *z, const int *nv, int n,
                                            archllm_space space, archllm_cell *cells);

/* With ARCHLLM_VQVAE_PROFILE set, every op is timed (finishing the queue after each) and
 * the totals print to stderr at exit; reset drops what was timed so far (warm-up). */
void archllm_vqvae_profile_reset(void);

/* Perplexity exp(-sum p log p) and the number of codes used, of counts (K). */
void archllm_vqvae_usage(const float *counts, int K, double *perplexity, int *used);

#endif
