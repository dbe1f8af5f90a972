/* pipeline.h - the Arch-LLM path on top of the trained models: a code T5 alone (what
 * `archllm sample` runs), an experiment's VQ-VAE and T5 loaded together, code sequences
 * sampled from the 'generate:' prompt and decoded into cells, generation metrics with
 * the uniform and continuous-latent baselines, and the search methods built on the
 * models.  The stages are declared in stage.h, the experiment in experiment.h.
 *
 * Not here: the models themselves (src/model), the metrics and the search loop
 * (src/search).  The library prints nothing; the commands do. */
#ifndef ARCHLLM_PIPELINE_PIPELINE_H
#define ARCHLLM_PIPELINE_PIPELINE_H

#include "io/experiment.h"
#include "model/ensemble.h"
#include "model/sample.h"
#include "model/t5.h"
#include "model/tokenizer.h"
#include "model/vqvae.h"
#include "search/genmetrics.h"
#include "nas/hashset.h"
#include "search/search.h"

/* ---- a code language model alone ------------------------------------------------
 * The T5 that train-lm writes, without the VQ-VAE: its 'generate:' and fill prompts
 * decoded in batches of `batch`, the batch from sequence d on drawing the stream
 * sp->seed * 1000003 + d.  `archllm sample` runs these on a model folder;
 * archllm_pipeline_sample and _fill are these on the experiment's T5. */
typedef struct {
    archllm_ctx_t           *ctx;
    archllm_t5              *t5;
    const archllm_tokenizer *tok;   /* NULL: the built-in code vocabulary; else a pretrained
                                       SentencePiece one (text prompts, codes read back as numbers) */
    int                      K;     /* codebook size */
    int                      batch; /* sequences per T5 call */
} archllm_code_lm;

/* Takes each sequence, in order: codes[0..n), or n = -1 when it is not well-formed. */
typedef archllm_status (*archllm_codes_sink)(void *user, size_t i, const int32_t *codes, int n);

/* n sequences from the 'generate:' prompt at sp's temperature, top-k, top-p and seed.
 * sp->constrained (built-in vocabulary): exactly L codes each (L > 0).  Otherwise the
 * model ends each itself, within L + 1 tokens (65 when L is 0), and one with a token that
 * is not a code is not well-formed.  With a tokenizer: unconstrained, within 4 (L or 64)
 * + 8 pieces, decoded and read as decimal codes below K, well-formed when they all are
 * and there is at least one (L when L > 0). */
archllm_status archllm_code_lm_sample(const archllm_code_lm *lm, const archllm_sample_params *sp, int L, size_t n,
                                      archllm_codes_sink sink, void *user);
/* n fills of L codes each: sequence i's (codes + i * stride; stride 0: one sequence for
 * all) with the positions mask[j] != 0 (one pattern for all) filled by the model and the
 * rest kept, laid out by archllm_prompt_fill (model/prompts.h: runs past the last
 * sentinel's stay visible, so their codes are kept; a negative one there is EINVAL).
 * sp->constrained: one code per filled position; otherwise a fill that does not give
 * them all is not well-formed.  The built-in vocabulary only (EUNSUPPORTED with a
 * tokenizer). */
archllm_status archllm_code_lm_fill(const archllm_code_lm *lm, const archllm_sample_params *sp, const int32_t *codes,
                                    size_t stride, const uint8_t *mask, int L, size_t n, archllm_codes_sink sink,
                                    void *user);

/* ---- the trained models of an experiment --------------------------------------- */

typedef struct {
    archllm_ctx_t  *ctx;     /* borrowed */
    archllm_space   space;
    archllm_vqvae   vq;      /* <output dir>/vqvae.safetensors */
    archllm_t5      t5;      /* <output dir>/t5 (built-in code vocabulary) */
    int             K, C, N; /* codebook size, codes per node, max nodes */
    int             L;       /* code length sampled: the most common training length */
    int             batch;   /* sequences per T5 call */
    /* the cells of the space (data.limit applies) and the VQ-VAE's seeded split */
    archllm_cell   *cells;
    size_t          n_cells;
    archllm_split   split;
    archllm_hashset *train;  /* keys of the training split (novelty) */
    archllm_hashset *index;  /* key -> index into cells (encoding a queried cell) */
    int32_t        *codes;   /* (n_cells, N*C) every cell's codes (from codes.jsonl), -1 past nv */
} archllm_pipeline_models;

/* Load both models and the data of the experiment cfg (after train-vqvae, encode and
 * train-lm).  batch: sequences per T5 call (reserved once). */
archllm_status archllm_pipeline_models_load(archllm_pipeline_models *pm, archllm_ctx_t *ctx,
                                            const archllm_config *cfg, int batch);
void           archllm_pipeline_models_free(archllm_pipeline_models *pm);

/* n code sequences (n, L) from the 'generate:' prompt, constrained to code tokens;
 * sp: temperature, top-k, top-p (seed: batch i draws stream seed * 1000003 + i * batch). */
archllm_status archllm_pipeline_sample(archllm_pipeline_models *pm, const archllm_sample_params *sp, size_t n,
                                       int32_t *codes);
/* Decode n sequences (n, L) into cells. */
archllm_status archllm_pipeline_decode(archllm_pipeline_models *pm, const int32_t *codes, size_t n,
                                       archllm_cell *cells);
/* Fill: each sequence of codes (n, L) has its positions with mask[i] != 0 (one pattern
 * for all n) replaced by the T5's fill at sp's temperature; out (n, L).  Masked runs past
 * the last sentinel's keep their codes (archllm_code_lm_fill). */
archllm_status archllm_pipeline_fill(archllm_pipeline_models *pm, const archllm_sample_params *sp,
                                     const int32_t *codes, const uint8_t *mask, size_t n, int32_t *out);
/* The codes of a cell of the space (by key); ENOTFOUND when not among pm->cells or its
 * length differs from L. */
archllm_status archllm_pipeline_codes_of(const archllm_pipeline_models *pm, const archllm_cell *c, int32_t *codes);

/* ---- the continuous-latent baseline ---------------------------------------------
 * arch2vec-style sampling through our decoder family (not arch2vec itself): the VQ-VAE
 * encoder's continuous (pre-quantization) latents of the training split give a mean and
 * std per latent coordinate (node position, code slot, dimension); samples are Gaussian
 * with those moments, decoded by the trained decoder without quantization. */
typedef struct {
    int     dims;      /* N*C*D */
    double *mean, *std;
    double *nv_cdf;    /* (N+1) cumulative distribution of node counts in training */
} archllm_latent_stats;

archllm_status archllm_pipeline_latent_stats(archllm_pipeline_models *pm, archllm_latent_stats *ls);
void           archllm_latent_stats_free(archllm_latent_stats *ls);
archllm_status archllm_pipeline_sample_latent(archllm_pipeline_models *pm, const archllm_latent_stats *ls,
                                              size_t n, uint64_t seed, archllm_cell *cells);

/* ---- generation ----------------------------------------------------------------- */

typedef struct {
    size_t   samples;     /* N */
    double   temperature;
    int      top_k;
    double   top_p;
    uint64_t seed;
    int      unique;      /* sample until `samples` distinct valid cells (or max_samples) */
    size_t   max_samples; /* --unique: give up after this many draws */
} archllm_generate_params;

/* Sample and decode: *cells (malloc'd, *n of them: N, or with unique every draw until N
 * distinct valid cells); seconds (may be NULL) gets the sampling + decoding time. */
archllm_status archllm_pipeline_generate(archllm_pipeline_models *pm, const archllm_generate_params *gp,
                                         archllm_cell **cells, size_t *n, double *seconds);

/* Metrics of the first n of cells (prefixes 1,000 and 10,000 of a 10,000 run). */
archllm_status archllm_pipeline_metrics(archllm_genmetrics_record *r, const archllm_pipeline_models *pm,
                                        const char *method, double temperature, uint64_t seed,
                                        const archllm_cell *cells, size_t n);

/* Cells as JSON Lines with "valid" (and for valid ones hash, NB201 index and arch_str). */
archllm_status archllm_pipeline_write_cells(const char *path, archllm_space space, const archllm_cell *cells,
                                            size_t n);

/* ---- the Arch-LLM search method --------------------------------------------------- */

typedef struct {
    size_t top;          /* parents: the best cells so far by validation accuracy */
    double mask_rate;    /* fraction of codes masked per fill (at least one) */
    double temperature;  /* of the fill */
    size_t initial;      /* queries drawn from the 'generate:' prompt before mutating */
    size_t group;        /* candidates sharing one mask pattern (one T5 call) */
} archllm_archllm_search_params;

archllm_archllm_search_params archllm_archllm_search_default_params(void);

/* T5 proposals for the search methods that use the models: cells new to the oracle and
 * distinct from each other and from what the caller already holds. */
typedef struct {
    archllm_pipeline_models *pm;
    size_t                   cap;
    int32_t                 *codes, *filled; /* (cap, L) */
    archllm_cell            *cand;           /* (cap) */
    size_t                  *rows;           /* (cap) oracle rows of the proposals so far */
} archllm_proposer;

archllm_status archllm_proposer_init(archllm_proposer *pr, archllm_pipeline_models *pm, size_t cap);
void           archllm_proposer_free(archllm_proposer *pr);
/* Up to want cells from the 'generate:' prompt (tries batches of want), appended to
 * out[0..*have), which grows; want is capped at pr->cap. */
archllm_status archllm_proposer_generate(archllm_proposer *pr, const archllm_search_state *st, double temperature,
                                         size_t want, int tries, archllm_cell *out, size_t *have);
/* Up to want fill mutations of the best cells so far (p: top, mask_rate, temperature,
 * group), appended likewise; rounds that find too few new cells mask more codes. */
archllm_status archllm_proposer_fill(archllm_proposer *pr, const archllm_search_state *st,
                                     const archllm_archllm_search_params *p, size_t want, archllm_cell *out,
                                     size_t *have);

/* m->user points to a state allocated here; release with _free.  pm must outlive m. */
archllm_status archllm_search_archllm(archllm_search_method *m, archllm_pipeline_models *pm,
                                      const archllm_archllm_search_params *p);
void           archllm_search_archllm_free(archllm_search_method *m);

/* ---- predictor-guided search (search_predictor.c) ----------------------------------
 * Both methods fit an MLP ensemble (model/ensemble.h, trained on the device) to the
 * validation accuracies queried so far, score a pool of candidates by independent
 * Thompson sampling (a draw from N(mean, std) of the members' predictions, per
 * candidate) and query the best-scored ones; they differ in the pool and the encoding. */

/* BANANAS-style (White et al. 2021): `initial` random cells, then rounds of `per_round`
 * queries from `candidates` distinct single mutations (archllm_mutate) of the `parents`
 * best cells, in the adjacency encoding (archllm_search_features). */
typedef struct {
    size_t                  initial;    /* 10 */
    size_t                  candidates; /* 100 */
    size_t                  parents;    /* 10 */
    size_t                  per_round;  /* 10 */
    archllm_ensemble_params ens;
} archllm_bananas_params;

archllm_bananas_params archllm_bananas_default_params(void);
/* ctx must outlive m; release with archllm_search_predictor_free. */
archllm_status archllm_search_bananas(archllm_search_method *m, archllm_ctx_t *ctx, archllm_space space,
                                      const archllm_bananas_params *p);

/* archllm-guided: the Arch-LLM proposals ranked by what the queries taught.  The first
 * `fill.initial` queries (20) come from the 'generate:' prompt; then each round adds
 * `proposals` cells to a pool of at most `pool` not yet queried: `mutations` single edits
 * of the fill.top best cells, `explore` from the T5's 'generate:' prompt, and the rest the
 * T5's fills of the best cells (as the archllm method, fill.group sequences per mask
 * pattern).  The ensemble, refitted each round, scores the pool on the VQ-VAE's quantized
 * latents (the codebook vector of every code, in sequence order) and the `per_round` best
 * are queried; the rest stay for later rounds. */
typedef struct {
    archllm_archllm_search_params fill;
    size_t                        pool;      /* 160 */
    size_t                        proposals; /* 32 */
    size_t                        mutations; /* 16 */
    size_t                        explore;   /* 8 */
    size_t                        per_round; /* 4 */
    archllm_ensemble_params       ens;
} archllm_guided_params;

archllm_guided_params archllm_guided_default_params(void);
/* pm must outlive m; release with archllm_search_predictor_free. */
archllm_status archllm_search_guided(archllm_search_method *m, archllm_pipeline_models *pm,
                                     const archllm_guided_params *p);
void           archllm_search_predictor_free(archllm_search_method *m);

#endif
