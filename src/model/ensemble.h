/* ensemble.h - a small regression surrogate for search: an ensemble of one-hidden-layer
 * ReLU MLPs, trained full-batch with AdamW on the device (cl/ensemble.cl).
 *
 * The members differ only by their initialisation (as in BANANAS); their spread is the
 * uncertainty an acquisition function reads.  A whole fit is one launch, each member a
 * work-group (ops.h's archllm_ensemble_layout is the parameter table's layout), and a
 * prediction another; nothing syncs with the host in between.
 * Targets are standardised on the host; predictions come back in the targets' units. */
#ifndef ARCHLLM_MODEL_ENSEMBLE_H
#define ARCHLLM_MODEL_ENSEMBLE_H

#include "backend/backend.h"
#include "train/params.h"
#include "util/rng.h"

#include <stdint.h>

typedef struct {
    int   members;      /* 5 */
    int   hidden;       /* units per member: 16, 32 (the default) or 64 */
    int   steps;        /* full-batch AdamW steps per fit from a fresh initialisation; 200 */
    int   refit_steps;  /* steps of a fit that continues from the last one; 0: always fresh */
    float lr;           /* 0.01 */
    float weight_decay; /* 0.0001 (decoupled, on the weights) */
} archllm_ensemble_params;

archllm_ensemble_params archllm_ensemble_default_params(void);

typedef struct archllm_ensemble archllm_ensemble;

/* An ensemble over `features` inputs that fits up to max_rows rows and predicts up to
 * max_rows rows per call. */
archllm_status archllm_ensemble_init(archllm_ensemble **out, archllm_ctx_t *ctx, int features, int max_rows,
                                     const archllm_ensemble_params *p);
void           archllm_ensemble_free(archllm_ensemble *e);

/* An ensemble whose rows are `positions` codes in [0, K), each standing for a row of
 * table (K, D), copied: a row is the positions*D features of its codes' rows (archllm-
 * guided's VQ-VAE latents), and the kernels sum per-code products instead of multiplying
 * those features.  It takes the _codes entry points. */
archllm_status archllm_ensemble_init_codes(archllm_ensemble **out, archllm_ctx_t *ctx, int positions,
                                           const float *table, int K, int D, int max_rows,
                                           const archllm_ensemble_params *p);

/* Train on rows x (n, features) with targets y (n), n >= 2: from a fresh initialisation
 * drawn from rng for `steps` steps, or, when refit_steps is set and the ensemble was fitted
 * since the last forget, from where that fit ended for refit_steps (a search adds a few
 * rows per round: the last fit is most of the way there). */
archllm_status archllm_ensemble_fit(archllm_ensemble *e, const float *x, const double *y, int n, archllm_rng *rng);
archllm_status archllm_ensemble_fit_codes(archllm_ensemble *e, const int32_t *codes, const double *y, int n,
                                          archllm_rng *rng);
/* The next fit starts fresh (a new search run). */
void           archllm_ensemble_forget(archllm_ensemble *e);
/* Every member's prediction for rows x (n, features): pred (n, members), row-major. */
archllm_status archllm_ensemble_predict(archllm_ensemble *e, const float *x, int n, float *pred);
archllm_status archllm_ensemble_predict_codes(archllm_ensemble *e, const int32_t *codes, int n, float *pred);
int            archllm_ensemble_members(const archllm_ensemble *e);

/* The mean squared error of the ensemble's mean on rows x with targets y, in the
 * targets' units (what tests and diagnostics read). */
archllm_status archllm_ensemble_mse(archllm_ensemble *e, const float *x, const double *y, int n, double *mse);

/* The parameter table (for tests: finite-difference checks of the device gradient). */
archllm_params *archllm_ensemble_params_table(archllm_ensemble *e);
/* One forward and backward on rows x (n) with standardised targets t (n), leaving the
 * gradient of the mean over rows and members of the squared error in the table's
 * gradient buffer (for tests). */
archllm_status archllm_ensemble_gradient(archllm_ensemble *e, const float *x, const float *t, int n);

#endif
