/* params.h - a model's parameters as one table of named tensors laid out in four flat
 * device buffers (parameters, gradients, Adam's two moments).  Zeroing gradients is one
 * fill, the optimizer step is one norm reduction plus two AdamW launches (tensors with
 * weight decay first, then those without), and a checkpoint is the table written as
 * safetensors.  Models keep the index of each tensor and take views into the buffers. */
#ifndef ARCHLLM_TRAIN_PARAMS_H
#define ARCHLLM_TRAIN_PARAMS_H

#include "backend/backend.h"
#include "io/safetensors.h"
#include "ops/ops.h"
#include "util/rng.h"

#define ARCHLLM_PARAM_NAME 128

typedef enum {
    ARCHLLM_INIT_ZERO,
    ARCHLLM_INIT_ONE,
    ARCHLLM_INIT_NORMAL,  /* N(0, scale^2) */
    ARCHLLM_INIT_UNIFORM  /* U(-scale, scale) */
} archllm_init_kind;

typedef struct {
    char              name[ARCHLLM_PARAM_NAME];
    int               ndim;
    int64_t           shape[4];
    size_t            numel;
    size_t            offset; /* in floats, in every flat buffer; set by finalize */
    int               decay;  /* AdamW weight decay applies */
    archllm_init_kind init;
    float             scale;
} archllm_tensor_spec;

typedef struct {
    archllm_tensor_spec *t;
    int                  n, cap;
    size_t               total;       /* floats in each flat buffer */
    size_t               decay_total; /* floats of decayed tensors, at the front */
    cl_mem               param, grad, m, v;
    cl_mem               norm;        /* 1 float: squared gradient norm of the last step */
    int                  step;        /* optimizer steps taken */
    int                  finalized;
    /* bumped by every call here that writes values (finalize, randomize, adamw, write,
     * load), so that a model can keep something derived from them (the T5's transposed
     * weights) until they change; a model that keeps such things writes its values only
     * through these calls (the VQ-VAE's EMA and the ensemble's fit write through views, and
     * nothing reads their versions) */
    unsigned long        version;
} archllm_params;

void archllm_params_init(archllm_params *p);
void archllm_params_free(archllm_params *p);
/* Declare a tensor (before finalize); *index (may be NULL) receives its index. */
archllm_status archllm_params_add(archllm_params *p, const char *name, int ndim, const int64_t *shape, int decay,
                                  archllm_init_kind init, float scale, int *index);
/* Lay out offsets and allocate the four buffers (gradients and moments zeroed). */
archllm_status archllm_params_finalize(archllm_ctx_t *ctx, archllm_params *p);
/* Draw every tensor's initial values on the host from rng and upload them. */
archllm_status archllm_params_randomize(archllm_ctx_t *ctx, archllm_params *p, archllm_rng *rng);
int            archllm_params_find(const archllm_params *p, const char *name);
archllm_view   archllm_params_value(const archllm_params *p, int i);
archllm_view   archllm_params_gradient(const archllm_params *p, int i);

archllm_status archllm_params_zero_grad(archllm_ctx_t *ctx, archllm_params *p);
/* One AdamW step over all parameters with global-norm clipping (hp->max_norm; step is
 * taken from p and incremented); weight decay only on tensors declared with decay.
 * grad_norm (may be NULL) receives the gradient norm before clipping (a device read). */
archllm_status archllm_params_adamw(archllm_ctx_t *ctx, archllm_params *p, const archllm_adamw_params *hp,
                                    float *grad_norm);

/* Host copies of all parameters / gradients in table order (out holds p->total floats). */
archllm_status archllm_params_read(archllm_ctx_t *ctx, const archllm_params *p, float *out);
archllm_status archllm_params_read_grad(archllm_ctx_t *ctx, const archllm_params *p, float *out);
archllm_status archllm_params_write(archllm_ctx_t *ctx, archllm_params *p, const float *in);

/* Checkpoints: every tensor by name, the optimizer moments as "optim.m.<name>" and
 * "optim.v.<name>" (unless weights_only), the step as metadata "archllm.step", plus the
 * caller's metadata (RNG state, config text); written atomically. */
archllm_status archllm_params_save(archllm_ctx_t *ctx, const archllm_params *p, const char *path, int weights_only,
                                   const char *const *meta_keys, const char *const *meta_values, int n_meta);
/* Load a checkpoint written by save into a finalized table of the same names and shapes
 * (extra tensors in the file are an error unless they are optimizer state).  Moments and
 * the step are restored when present.  If st is not NULL the file stays open there for
 * the caller's metadata; close it with archllm_st_close. */
archllm_status archllm_params_load(archllm_ctx_t *ctx, archllm_params *p, const char *path, archllm_safetensors *st);

#endif
