/* experiment.h - the experiment config: archllm_config, the typed struct that every
 * command and stage reads its settings from, and its schema (experiment.c,
 * `config_keys[]`), which the engine (io/cfg_engine.h) loads, checks, overrides, prints and
 * documents (the key reference in conf/README.md).
 *
 * What it does not hold: the engine; the meaning of the keys (each stage reads its own
 * group, cfg.bench, cfg.device, ...) and the device-selection logic itself (backend). */
#ifndef ARCHLLM_IO_EXPERIMENT_H
#define ARCHLLM_IO_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/cfg_engine.h"

/* ---- the experiment config --------------------------------------------------------
 *
 * How to add a key (say the VQ-VAE's codebook size, `vqvae.codebook_size`):
 *   1. add the field to its group struct below (add the group struct and its member in
 *      archllm_config if the group is new; a stage then reads `cfg->vqvae`);
 *   2. add one row to config_keys[] in experiment.c, next to the rows of its group,
 *      naming the stage whose results depend on it (BY_NONE when none does):
 *        KEY_INT("vqvae.codebook_size", BY_VQVAE, vqvae.codebook_size, "512", 2, 65536,
 *                "number of codebook vectors K"),
 *   3. add the key to conf/default.cfg and tests/io/good.cfg (with a non-default value),
 *      and paste the output of `archllm config --keys` into conf/README.md;
 *   `make check` fails until 3 is done.  A key whose value nothing reads does not belong. */

/* data.space values: indexes into its choices in experiment.c */
enum { ARCHLLM_CONFIG_NB101 = 0, ARCHLLM_CONFIG_NB201 = 1, ARCHLLM_CONFIG_DARTS = 2, ARCHLLM_CONFIG_CELLS = 3 };

#define ARCHLLM_CONFIG_NAME_MAX 64
#define ARCHLLM_CONFIG_PATH_MAX 1024

typedef struct {
    char    name[ARCHLLM_CONFIG_NAME_MAX];        /* "default" */
    char    output_dir[ARCHLLM_CONFIG_PATH_MAX];  /* "" = "out/<name>": see _output_dir() */
    int64_t seed;                                 /* seed of every RNG of the experiment */
} archllm_config_experiment;

typedef struct {
    char selector[256]; /* "" = automatic; "P:D" or a name substring */
} archllm_config_device;

typedef struct {
    archllm_cfg_ints gemm_sizes; /* square sizes n of `archllm bench gemm` */
    int              repeat;     /* timed repetitions per size */
    bool             batched;    /* also time a strided-batched SGEMM */
} archllm_config_bench;

typedef struct {
    int    space;          /* ARCHLLM_CONFIG_NB101, _NB201, _DARTS or _CELLS (data.space choices) */
    double train_fraction; /* the rest is held out */
    int    limit;          /* 0 = every cell; else the first `limit` cells of the space */
    int    samples;        /* darts: distinct cells sampled */
    char   cells[ARCHLLM_CONFIG_PATH_MAX]; /* cells: the JSON Lines file */
    char   cells_ops[512];                 /* cells: allowed ops, "" = the file's */
    int    cells_max_edges;                /* cells: 0 = the file's most */
} archllm_config_data;

typedef struct {
    int    layers, hidden, latent_dim, codes_per_node, codebook_size;
    int    adj_decoder;    /* 0 inner, 1 pair */
    int    adj_dim;
    int    quantizer;      /* 0 ema, 1 loss */
    double beta, ema_decay, restart_threshold;
    int    batch_size, steps, warmup_steps;
    double lr, min_lr, weight_decay, max_grad_norm;
    int    log_every, eval_every, eval_limit, checkpoint_every;
} archllm_config_vqvae;

typedef struct {
    char   data[ARCHLLM_CONFIG_PATH_MAX]; /* code sequences (JSONL); "" = <output dir>/codes.jsonl */
    char   init[ARCHLLM_CONFIG_PATH_MAX]; /* Hugging Face T5 folder to fine-tune; "" = from scratch */
    int    variant;                       /* 0 v1.0 (relu, tied), 1 v1.1 (gated-gelu, untied) */
    int    d_model, d_kv, d_ff, heads, layers, decoder_layers, buckets, max_distance;
    int    tasks;                         /* 0 both, 1 generate, 2 fill */
    double mask_rate, eval_fraction, dropout;
    int    batch_size, steps, warmup_steps;
    double lr, min_lr, weight_decay, max_grad_norm;
    int    log_every, eval_every, checkpoint_every;
    int    samples, top_k;
    double temperature, top_p;
    bool   constrained;
} archllm_config_lm;

typedef struct {
    int  samples;    /* `archllm generate`: sequences sampled (N) */
    int  batch;      /* sequences per T5 call */
    char sweep[256]; /* temperatures of the sweep, "0.5,1.0"; "" = none */
    bool baselines;  /* also the uniform and continuous-latent baselines */
} archllm_config_generate;

typedef struct {
    char   datasets[128]; /* NB201 datasets searched, comma-separated */
    char   methods[128];  /* methods compared, comma-separated */
    int    queries, seeds;
    int    top, initial;  /* archllm: parents kept; queries from 'generate:' first */
    double mask_rate, temperature;
    int    pool;      /* archllm-guided: candidates held and ranked */
    int    proposals; /* archllm-guided: new candidates per round (T5 fills and samples, and edits) */
    int    mutations; /* archllm-guided: of them single edits of the best cells */
    int    explore;   /* archllm-guided: of them from the 'generate:' prompt */
    int    per_round; /* archllm-guided: queries per surrogate fit */
    int    guided_initial; /* archllm-guided: queries from 'generate:' before the first fit */
} archllm_config_search;

typedef struct {
    char stages[256]; /* stages `archllm run` runs, comma-separated, in order */
} archllm_config_run;

typedef struct {
    archllm_config_experiment experiment;
    archllm_config_device     device;
    archllm_config_bench      bench;
    archllm_config_data       data;
    archllm_config_vqvae      vqvae;
    archllm_config_lm         lm;
    archllm_config_generate   generate;
    archllm_config_search     search;
    archllm_config_run        run;
} archllm_config;

/* The schema of archllm_config (for iterating keys: docs, tests). */
extern const archllm_cfg_schema archllm_config_schema;

/* Fill every field with its default. */
archllm_status archllm_config_defaults(archllm_config *cfg);
/* Read FILE over cfg (call archllm_config_defaults first). */
archllm_status archllm_config_load(archllm_config *cfg, const char *path);
/* One "key=value" override, validated as a file's value is. */
archllm_status archllm_config_set(archllm_config *cfg, const char *assignment);
/* Defaults, then path (when not NULL), then each override in order: what a command does. */
archllm_status archllm_config_setup(archllm_config *cfg, const char *path,
                                    const char *const *sets, int nsets);
archllm_status archllm_config_print(FILE *f, const archllm_config *cfg);

/* The experiment's output folder: experiment.output_dir, or "out/<experiment.name>" when
 * that is empty.  Returns buf. */
const char *archllm_config_output_dir(const archllm_config *cfg, char *buf, size_t cap);

/* The device selector by precedence: option (--device) > env (ARCHLLM_DEVICE) >
 * cfg->device.selector > NULL (automatic: first GPU, else first CPU).  Empty strings
 * count as unset; cfg may be NULL. */
const char *archllm_config_device_selector(const archllm_config *cfg, const char *option,
                                           const char *env);

#endif
