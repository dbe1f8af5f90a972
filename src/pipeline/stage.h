/* stage.h - the stages of an experiment as library calls.  Each reads the config, reads
 * and writes files in the experiment folder, reports through the event sink and prints
 * nothing; the commands (src/cli) and `archllm run` parse options, call these and render
 * the events.  A stage that trains checks *stop after every step and, when set, writes
 * its checkpoint and returns ARCHLLM_EINTERRUPTED (resume continues exactly). */
#ifndef ARCHLLM_PIPELINE_STAGE_H
#define ARCHLLM_PIPELINE_STAGE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "io/experiment.h"
#include "nas/cells.h"
#include "search/search.h"
#include "util/events.h"

typedef struct {
    const archllm_config *cfg;
    const char           *dir;    /* the experiment folder (archllm_config_output_dir) */
    archllm_ctx_t        *ctx;    /* the device; stages that need none ignore it */
    const archllm_events *ev;     /* may be NULL */
    const volatile sig_atomic_t *stop; /* may be NULL */
} archllm_stage_env;

/* ---- training: the VQ-VAE and the T5 ---------------------------------------------- */

typedef struct {
    int         resume;     /* continue from the stage's checkpoint when there is one */
    int         stop_after; /* stop (checkpointed) after this step, as if interrupted; < 0: never */
    const char *init;       /* lm only: a Hugging Face folder to start from (NULL: lm.init, else scratch) */
} archllm_train_opts;

/* Train the VQ-VAE on the configured space: checkpoint DIR/vqvae.safetensors (every
 * vqvae.checkpoint_every steps, at the end, when stopped) and, at the end, the held-out
 * and train-sample metrics in DIR/vqvae-metrics.json. */
archllm_status archllm_stage_vqvae(const archllm_stage_env *env, const archllm_train_opts *o);
/* Train the T5 on generate/fill prompts of the codes in lm.data (default DIR/codes.jsonl):
 * checkpoint DIR/t5-checkpoint.safetensors and, at the end, the Hugging Face folder DIR/t5. */
archllm_status archllm_stage_lm(const archllm_stage_env *env, const archllm_train_opts *o);

/* ---- dataset: a search space as JSON Lines (stage_dataset.c) --------------------------
 *
 * The nasbench field names (NB201 lines add index and arch_str, DARTS lines the
 * genotype): NB101 and NB201 whole, DARTS as a seeded set of distinct cells, a user's
 * space as its file's distinct valid cells.  Events: begin, a step every 1% of the cells
 * (no figures), end.  Inputs are read and the file opened before begin, so a bad input
 * fails with no event.  o holds all it reads: env->cfg, dir and ctx may be NULL. */
typedef struct {
    archllm_space        space;
    char                 out[4096]; /* the file, written beside and renamed; "": to stream */
    FILE                *stream;    /* where the lines go when out is "" */
    size_t               samples;   /* DARTS: distinct cells drawn */
    uint64_t             seed;      /* DARTS: their seed */
    archllm_cells_source cells;     /* cells: the user's file, op names and edge limit */
} archllm_dataset_opts;

/* What `archllm run` writes: the config's data.space into DIR/dataset.jsonl; DARTS draws
 * data.samples cells with experiment.seed (the set train-vqvae draws too), cells reads
 * data.cells, data.cells_ops and data.cells_max_edges (pointers into cfg). */
archllm_dataset_opts archllm_dataset_opts_from_config(const archllm_config *cfg, const char *dir);
archllm_status       archllm_stage_dataset(const archllm_stage_env *env, const archllm_dataset_opts *o);

/* ---- search: NAS under a query budget against a benchmark table (stage_search.c) ------
 *
 * Every method on every dataset over seeds seed, seed+1, ..., seed+seeds-1: per dataset
 * the table of finals and the by-budget comparison against evolution as INFO messages,
 * then OUT/search-SPACE-DATASET.csv (curves), -runs.csv (per-seed finals), .svg (plot)
 * and -summary.json (the comparison; written last, so its presence means done), and a
 * closing INFO line naming them.  A DETAIL message for each method on each dataset as
 * the runs start, a step event after every seed of every method (total: seeds x methods x datasets; the
 * figure: that run's test %), begin and end.  The datasets run side by side on three
 * lanes or more (a thread, a context, the models and a fork of the dataset's oracle each;
 * a dataset alone shares its seeds out), their tables and files in order once all are
 * done.  *stop is read after every seed (then ARCHLLM_EINTERRUPTED: the datasets that had
 * finished have their files, the others none).  The benchmark is read, the oracles built
 * and the first lane's methods set up before begin, so a bad input fails with no event.
 * Methods: archllm-guided and archllm propose with the experiment's trained VQ-VAE and T5
 * (the first lane's on env->ctx, the others' on a context each on its device), bananas
 * fits its ensemble on the lane's context; random and evolution need no device (env->ctx
 * may be NULL).  The methods' settings are env->cfg's search.* keys. */

typedef struct {
    archllm_space            space;       /* ARCHLLM_SPACE_NB201 or ARCHLLM_SPACE_NB101 */
    const char              *datasets;    /* comma-separated NB201 datasets; NB101: "cifar10" */
    const char              *methods;     /* comma-separated, at most 8 */
    size_t                   queries;     /* distinct queries per run */
    size_t                   seeds;       /* runs per method */
    uint64_t                 seed;        /* the first run's seed */
    archllm_evolution_params evolution;
    const char              *nb201_table; /* NB201: nb201_accuracy.csv (archllm_find_data_file
                                             finds the shipped one) */
    const char              *nb101_data;  /* NB101: the official tfrecord */
    const char              *out;         /* the folder of the files; NULL: env->dir */
} archllm_search_opts;

/* What `archllm run` searches: data.space, search.datasets (NB101: cifar10),
 * search.methods, search.queries and search.seeds from experiment.seed, evolution's
 * defaults, into the experiment folder.  nb201_table and nb101_data are left NULL. */
archllm_search_opts archllm_search_opts_from_config(const archllm_config *cfg);
/* Check o against cfg without reading anything (EINVAL, EUNSUPPORTED with the detail);
 * *needs_device: whether a method asked for needs env->ctx. */
archllm_status      archllm_search_check(const archllm_config *cfg, const archllm_search_opts *o, int *needs_device);
archllm_status      archllm_stage_search(const archllm_stage_env *env, const archllm_search_opts *o);

/* ---- encode ------------------------------------------------------------------------
 * Every cell of the configured space (data.limit applies) through the trained VQ-VAE
 * (checkpoint; NULL: the experiment's vqvae.safetensors), one JSON line each, in the
 * order of the space:
 *   {"hash": "...", "index": 12, "split": "train", "codes": [17, 402, ...]}
 * ("index" only for NB201; "split": the VQ-VAE's train or held-out test; codes:
 * vqvae.codes_per_node per real node, in node order).  Written atomically to the file
 * out, or to stream when out is NULL (`archllm encode` to stdout).  Events: a step per
 * batch (step = cells done, total = cells), the rate in cells/s on one a second and on
 * the last; "encode: N cells -> OUT" when written to a file.  Stops between batches when
 * *env->stop is set (ARCHLLM_EINTERRUPTED, nothing written). */
archllm_status archllm_stage_encode(const archllm_stage_env *env, const char *checkpoint, const char *out,
                                    FILE *stream);

/* ---- generate ----------------------------------------------------------------------
 * Sample N code sequences from the experiment's trained T5 ('generate:' prompt,
 * constrained to the most common training length, seeded by experiment.seed), decode
 * them with its VQ-VAE and measure them (validity, uniqueness, novelty against the
 * VQ-VAE's training split, and the absolute forms) at N = 1,000 and 10,000 (prefixes of
 * the run) and at N, beside the baselines: uniform-space (cells drawn uniformly from the
 * space) and continuous-latent (Gaussian latents with the training split's moments of
 * the encoder's pre-quantization latents, decoded without quantization).  Writes into
 * the folder o->out (NULL: <env->dir>/generate) samples.jsonl, metrics.json, metrics.csv,
 * timing.json and, with a sweep, sweep.csv and sweep.svg (the model's metrics at N per
 * temperature).  Events: a step per part (the model's samples, the baselines, each
 * sweep temperature; total = the parts); INFO messages: the sampling line, the metric
 * table, the baselines' explanation, the sweep's rows and the files written; DETAIL: the
 * baseline's time.  Stops between parts when *env->stop is set (ARCHLLM_EINTERRUPTED). */

#define ARCHLLM_GENERATE_SWEEP_MAX 32 /* temperatures of one sweep */

typedef struct {
    size_t      samples;     /* N */
    double      temperature; /* of the model's samples (0: greedy) */
    int         top_k;       /* 0: off */
    double      top_p;       /* 1: off */
    int         unique;      /* sample until N distinct valid cells; every draw counts in the metrics */
    size_t      max_samples; /* with unique: give up after this many draws (0: 50 N) */
    const char *sweep;       /* temperatures of the sweep, "0.5,1.0"; NULL or "": none */
    int         batch;       /* sequences per T5 call */
    int         baselines;   /* uniform-space and continuous-latent beside the model */
    const char *out;         /* the folder written; NULL: <env->dir>/generate */
} archllm_generate_opts;

/* generate.samples, lm.temperature, lm.top_k, lm.top_p, generate.sweep (pointing into
 * cfg), generate.batch and generate.baselines; not unique; out NULL: what `archllm run`
 * generates with. */
archllm_generate_opts archllm_generate_opts_from_config(const archllm_config *cfg);
/* "0.5,1.0,1.5" -> t[0..*n) (at most ARCHLLM_GENERATE_SWEEP_MAX, each in [0, 100]); ""
 * gives none.  ARCHLLM_ECONFIG naming the text otherwise. */
archllm_status archllm_generate_sweep_parse(const char *s, double *t, int *n);
archllm_status archllm_stage_generate(const archllm_stage_env *env, const archllm_generate_opts *o);

#endif
