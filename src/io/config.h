/* config.h - experiment configuration: libconfig files read into a typed struct.
 *
 * One schema table (config.c, `config_keys[]`) says, for every key, its path, type, place
 * in the struct, default, range and a one-line doc.  That table alone drives defaults,
 * loading and validation, `--set key=value` overrides, printing (valid libconfig text
 * that loads back to the same struct) and the key reference in conf/README.md.  The
 * engine underneath (archllm_cfg_*) takes any schema, so tests and later file formats
 * can reuse it.
 *
 * What it does not hold: the meaning of the keys (each stage reads its own group,
 * cfg.bench, cfg.device, ...) and the device-selection logic itself (backend).
 *
 * Note: this header is "io/config.h"; a bare #include "config.h" from a file in src/io/
 * finds this file, not autoconf's config.h.  Files in src/io/ include autoconf's header
 * as <config.h> (found through -I$(top_builddir)), everyone includes this one as
 * "io/config.h".
 *
 * Errors: every call returns archllm_status; ARCHLLM_ECONFIG details read
 *   "FILE:LINE: KEY: MESSAGE"        (a key with a bad value, an unknown key)
 *   "FILE:LINE: syntax error"        (libconfig's parser)
 *   "FILE: cannot open: STRERROR"    (missing or unreadable file)
 *   "--set KEY=VALUE: KEY: MESSAGE"  (a command-line override)
 * and are read with archllm_last_error(). */
#ifndef ARCHLLM_IO_CONFIG_H
#define ARCHLLM_IO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "archllm.h"

/* ---- value types a schema can hold ---------------------------------------------- */

#define ARCHLLM_CFG_LIST_MAX 32 /* capacity of an int list */

typedef enum {
    ARCHLLM_CFG_INT,      /* int              libconfig: 5                         */
    ARCHLLM_CFG_INT64,    /* int64_t          libconfig: 5, 5000000000L            */
    ARCHLLM_CFG_FLOAT,    /* double           libconfig: 0.5, 1e-3; ints accepted   */
    ARCHLLM_CFG_BOOL,     /* bool             libconfig: true, false               */
    ARCHLLM_CFG_STRING,   /* char[size]       libconfig: "text"                    */
    ARCHLLM_CFG_ENUM,     /* int (index into choices)  libconfig: "name"           */
    ARCHLLM_CFG_INT_LIST  /* archllm_cfg_ints libconfig: [1, 2, 3] or (1, 2, 3)     */
} archllm_cfg_type;

typedef struct {
    int n;                        /* number of elements in use */
    int v[ARCHLLM_CFG_LIST_MAX];
} archllm_cfg_ints;

/* flags of a key */
enum {
    ARCHLLM_CFG_NONEMPTY = 1 << 0, /* string or list must not be empty */
    ARCHLLM_CFG_MIN_OPEN = 1 << 1, /* float range excludes min: (min, max] */
    ARCHLLM_CFG_MAX_OPEN = 1 << 2  /* float range excludes max: [min, max) */
};

/* One row of a schema. */
typedef struct {
    const char      *path;    /* "group.key" (groups may nest: "lm.encoder.layers") */
    archllm_cfg_type type;
    size_t           offset;  /* offsetof(struct, field) */
    size_t           size;    /* sizeof the field: the capacity of a string, with its NUL */
    const char      *def;     /* default, written as for --set: "5", "[128, 256]", "text" */
    int64_t          imin, imax; /* int, int64 and list elements: inclusive range */
    double           fmin, fmax; /* float: range (see the _OPEN flags) */
    unsigned         flags;
    const char *const *choices; /* enum: allowed strings, NULL-terminated */
    /* Optional extra check on a parsed value (the field's bytes); returns NULL when fine,
     * else a message ("must contain only letters, digits, '.', '_' and '-'"). */
    const char *(*check)(const void *field);
    const char      *doc;     /* one line for conf/README.md and printed comments */
} archllm_cfg_key;

typedef struct {
    const archllm_cfg_key *keys;
    int                    count;
} archllm_cfg_schema;

/* The engine, for any schema and the struct it describes (obj). */
archllm_status archllm_cfg_defaults(const archllm_cfg_schema *sc, void *obj);
/* Read a libconfig file over obj (start from defaults): keys not in the file keep their
 * value.  On error obj may be partly updated. */
archllm_status archllm_cfg_load(const archllm_cfg_schema *sc, void *obj, const char *path);
/* Apply one "key.path=value" override.  Values are written as on a command line:
 * strings unquoted (or in libconfig double quotes), lists as "[1,2]" or "1,2". */
archllm_status archllm_cfg_set(const archllm_cfg_schema *sc, void *obj, const char *assignment);
/* Write obj as commented libconfig text; archllm_cfg_load of it gives obj back. */
archllm_status archllm_cfg_print(const archllm_cfg_schema *sc, FILE *f, const void *obj);
/* Write the key reference as a Markdown table (conf/README.md holds this output). */
archllm_status archllm_cfg_print_doc(const archllm_cfg_schema *sc, FILE *f);
const archllm_cfg_key *archllm_cfg_find(const archllm_cfg_schema *sc, const char *path);
/* Format one value as libconfig text ("5", "\"x\"", "[1, 2]"); returns its length
 * (snprintf-style: the output is cut at cap but the full length is returned). */
int archllm_cfg_format(const archllm_cfg_key *k, const void *obj, char *buf, size_t cap);
/* True when the key's field holds the same value in a and b. */
bool archllm_cfg_equal(const archllm_cfg_key *k, const void *a, const void *b);

/* ---- the experiment config --------------------------------------------------------
 *
 * How to add a key (say the VQ-VAE's codebook size, `vqvae.codebook_size`):
 *   1. add the field to its group struct below (add the group struct and its member in
 *      archllm_config if the group is new; a stage then reads `cfg->vqvae`);
 *   2. add one row to config_keys[] in config.c, next to the rows of its group:
 *        KEY_INT("vqvae.codebook_size", vqvae.codebook_size, "512", 2, 65536,
 *                "number of codebook vectors K"),
 *   3. add the key to conf/default.cfg and tests/io/good.cfg (with a non-default value),
 *      and paste the output of `archllm config --keys` into conf/README.md;
 *   `make check` fails until 3 is done.  A key whose value nothing reads does not belong. */

/* data.space values: indexes into its choices in config.c */
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
    int    proposals; /* archllm-guided: new T5 proposals per round */
    int    explore;   /* archllm-guided: of them from the 'generate:' prompt */
    int    per_round; /* archllm-guided: queries per surrogate fit */
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
