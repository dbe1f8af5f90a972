/* experiment.c - the experiment config (experiment.h): the schema table config_keys[]
 * (every key of archllm_config: path, type, field, default, range, doc) and the
 * archllm_config_* calls, thin wrappers over the engine (cfg_engine.c).
 *
 * Does not hold: the engine, or what a key means to its stage. */
#include "config.h"

#include "io/experiment.h"
#include "util/error.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Each row names the stage whose results depend on the key (the `read by` column of
 * conf/README.md): the first stage of `archllm run` that reads it, so a changed value makes
 * that stage's results and those built on them stale.  BY_NONE: no result depends on the
 * key (names, folders, the device, benchmarks, progress and checkpoint cadence). */
#define BY_DATASET  "dataset"
#define BY_VQVAE    "vqvae"
#define BY_ENCODE   "encode"
#define BY_LM       "lm"
#define BY_GENERATE "generate"
#define BY_SEARCH   "search"
#define BY_NONE     NULL

#define FIELD_SIZE_(field) sizeof(((archllm_config *)0)->field)
#define ROW_(path, stage, type, field, def, imin, imax, fmin, fmax, flags, choices, check, doc) \
    {path, type, offsetof(archllm_config, field), FIELD_SIZE_(field), def, imin, imax,        \
     fmin, fmax, flags, choices, check, doc, stage}
#define KEY_INT(path, stage, field, def, lo, hi, doc) \
    ROW_(path, stage, ARCHLLM_CFG_INT, field, def, lo, hi, 0, 0, 0, NULL, NULL, doc)
#define KEY_INT64(path, stage, field, def, lo, hi, doc) \
    ROW_(path, stage, ARCHLLM_CFG_INT64, field, def, lo, hi, 0, 0, 0, NULL, NULL, doc)
#define KEY_FLOAT(path, stage, field, def, lo, hi, flags, doc) \
    ROW_(path, stage, ARCHLLM_CFG_FLOAT, field, def, 0, 0, lo, hi, flags, NULL, NULL, doc)
#define KEY_BOOL(path, stage, field, def, doc) \
    ROW_(path, stage, ARCHLLM_CFG_BOOL, field, def, 0, 0, 0, 0, 0, NULL, NULL, doc)
#define KEY_STRING(path, stage, field, def, flags, check, doc) \
    ROW_(path, stage, ARCHLLM_CFG_STRING, field, def, 0, 0, 0, 0, flags, NULL, check, doc)
#define KEY_ENUM(path, stage, field, def, choices, doc) \
    ROW_(path, stage, ARCHLLM_CFG_ENUM, field, def, 0, 0, 0, 0, 0, choices, NULL, doc)
#define KEY_INTS(path, stage, field, def, lo, hi, flags, doc) \
    ROW_(path, stage, ARCHLLM_CFG_INT_LIST, field, def, lo, hi, 0, 0, flags, NULL, NULL, doc)

static const char *check_name(const void *field)
{
    const char *s = field;
    if (s[0] == '.') return "must not start with '.'";
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return "must contain only letters, digits, '.', '_' and '-'";
    return NULL;
}

static const char *const space_choices[] = {"nb101", "nb201", "darts", "cells", NULL};
static const char *const adj_choices[] = {"inner", "pair", NULL};
static const char *const quantizer_choices[] = {"ema", "loss", NULL};
static const char *const lm_variant_choices[] = {"v1_0", "v1_1", NULL};
static const char *const lm_task_choices[] = {"both", "generate", "fill", NULL};

/* Keys of one group stay together; within a group, in the order they are printed. */
static const archllm_cfg_key config_keys[] = {
    KEY_STRING("experiment.name", BY_NONE, experiment.name, "default", ARCHLLM_CFG_NONEMPTY, check_name,
               "name of the experiment (letters, digits, '.', '_', '-'); names the output folder"),
    KEY_STRING("experiment.output_dir", BY_NONE, experiment.output_dir, "", 0, NULL,
               "folder for the experiment's artefacts; \"\" means \"out/\" + experiment.name"),
    KEY_INT64("experiment.seed", BY_DATASET, experiment.seed, "1234", 0, INT64_MAX,
              "seed of every random number generator of the experiment (write L after values beyond 2^31-1)"),

    KEY_STRING("device.selector", BY_NONE, device.selector, "", 0, NULL,
               "OpenCL device: \"P:D\" indexes or a name substring; \"\" = first GPU, else first CPU; "
               "--device and ARCHLLM_DEVICE take precedence"),

    KEY_INTS("bench.gemm_sizes", BY_NONE, bench.gemm_sizes, "[128, 256, 512, 1024, 2048]", 1, 16384,
             ARCHLLM_CFG_NONEMPTY, "square sizes n timed by `archllm bench gemm` (--sizes overrides)"),
    KEY_INT("bench.repeat", BY_NONE, bench.repeat, "5", 1, 1000,
            "timed repetitions per size after one warm-up; the best is reported (--repeat overrides)"),
    KEY_BOOL("bench.batched", BY_NONE, bench.batched, "false",
             "also time a strided-batched SGEMM of 1000 64x64x64 products (--batched sets it)"),

    KEY_ENUM("data.space", BY_DATASET, data.space, "nb101", space_choices,
             "search space of the cells: `nb101`, `nb201`, `darts` (the DARTS normal cell, doc/darts.md) or `cells` "
             "(your own, data.cells)"),
    KEY_FLOAT("data.train_fraction", BY_VQVAE, data.train_fraction, "0.9", 0.0, 1.0,
              ARCHLLM_CFG_MIN_OPEN | ARCHLLM_CFG_MAX_OPEN,
              "fraction of the cells trained on; the rest (seeded split by experiment.seed) is held out"),
    KEY_INT("data.limit", BY_VQVAE, data.limit, "0", 0, 100000000,
            "use only the first N cells of the space (0 = all); for tests and quick runs"),
    KEY_INT("data.samples", BY_DATASET, data.samples, "100000", 1, 10000000,
            "darts: distinct cells in the seeded training set (`archllm dataset darts --samples`; seed experiment.seed)"),
    KEY_STRING("data.cells", BY_DATASET, data.cells, "", 0, NULL,
               "cells: JSON Lines file of your space, one cell a line with module_adjacency and module_operations"),
    KEY_STRING("data.cells_ops", BY_DATASET, data.cells_ops, "", 0, NULL,
               "cells: allowed ops, comma-separated, in label order; \"\" = the ops the file uses"),
    KEY_INT("data.cells_max_edges", BY_DATASET, data.cells_max_edges, "0", 0, 1000,
            "cells: most edges of a valid cell after pruning; 0 = the most of a file cell"),

    KEY_INT("vqvae.layers", BY_VQVAE, vqvae.layers, "4", 1, 16, "GIN encoder layers"),
    KEY_INT("vqvae.hidden", BY_VQVAE, vqvae.hidden, "128", 1, 4096, "hidden width of the encoder and decoder MLPs"),
    KEY_INT("vqvae.latent_dim", BY_VQVAE, vqvae.latent_dim, "16", 1, 1024, "dimension D of each code vector"),
    KEY_INT("vqvae.codes_per_node", BY_VQVAE, vqvae.codes_per_node, "1", 1, 16,
            "codes per node (the node latent is codes_per_node * latent_dim wide)"),
    KEY_INT("vqvae.codebook_size", BY_VQVAE, vqvae.codebook_size, "512", 2, 65536, "number of codebook vectors K"),
    KEY_ENUM("vqvae.adj_decoder", BY_VQVAE, vqvae.adj_decoder, "inner", adj_choices,
             "adjacency decoder: `inner` product of node projections or `pair` MLP"),
    KEY_INT("vqvae.adj_dim", BY_VQVAE, vqvae.adj_dim, "64", 1, 4096,
            "width of the adjacency decoder's node projections"),
    KEY_ENUM("vqvae.quantizer", BY_VQVAE, vqvae.quantizer, "ema", quantizer_choices,
             "codebook learning: `ema` updates with dead-code restarts, or `loss` (codebook + commitment loss)"),
    KEY_FLOAT("vqvae.beta", BY_VQVAE, vqvae.beta, "0.25", 0.0, 100.0, 0, "commitment loss weight"),
    KEY_FLOAT("vqvae.ema_decay", BY_VQVAE, vqvae.ema_decay, "0.99", 0.0, 1.0, ARCHLLM_CFG_MAX_OPEN,
              "EMA decay of the codebook"),
    KEY_FLOAT("vqvae.restart_threshold", BY_VQVAE, vqvae.restart_threshold, "1.0", 0.0, 1e6, 0,
              "EMA usage count (uses per step) below which a code restarts at a random encoder output of "
              "the batch (Jukebox's rule; 0 = never)"),
    KEY_INT("vqvae.batch_size", BY_VQVAE, vqvae.batch_size, "256", 1, 65536, "graphs per training step"),
    KEY_INT("vqvae.steps", BY_VQVAE, vqvae.steps, "3000", 1, 100000000, "training steps"),
    KEY_INT("vqvae.warmup_steps", BY_VQVAE, vqvae.warmup_steps, "100", 0, 100000000,
            "linear learning-rate warm-up steps; then cosine decay to vqvae.min_lr"),
    KEY_FLOAT("vqvae.lr", BY_VQVAE, vqvae.lr, "0.001", 0.0, 10.0, ARCHLLM_CFG_MIN_OPEN, "peak AdamW learning rate"),
    KEY_FLOAT("vqvae.min_lr", BY_VQVAE, vqvae.min_lr, "0.00001", 0.0, 10.0, 0,
              "learning rate at the end of the cosine decay"),
    KEY_FLOAT("vqvae.weight_decay", BY_VQVAE, vqvae.weight_decay, "0.0", 0.0, 10.0, 0,
              "AdamW weight decay (matrices only)"),
    KEY_FLOAT("vqvae.max_grad_norm", BY_VQVAE, vqvae.max_grad_norm, "1.0", 0.0, 1e6, 0,
              "clip the global gradient norm to this (0 = no clipping)"),
    KEY_INT("vqvae.log_every", BY_NONE, vqvae.log_every, "10", 1, 100000000, "print a progress line every N steps"),
    KEY_INT("vqvae.eval_every", BY_NONE, vqvae.eval_every, "500", 0, 100000000,
            "evaluate on the held-out cells every N steps (0 = only at the end)"),
    KEY_INT("vqvae.eval_limit", BY_NONE, vqvae.eval_limit, "0", 0, 100000000,
            "held-out cells in periodic evaluations (0 = all; the final report always uses all)"),
    KEY_INT("vqvae.checkpoint_every", BY_NONE, vqvae.checkpoint_every, "500", 0, 100000000,
            "write a checkpoint every N steps (0 = only at the end and on interrupt)"),

    KEY_STRING("lm.data", BY_ENCODE, lm.data, "", 0, NULL,
               "code sequences for the T5, JSON Lines {\"codes\": [..]}; \"\" = <output dir>/codes.jsonl"),
    KEY_STRING("lm.init", BY_LM, lm.init, "", 0, NULL,
               "Hugging Face T5 folder to fine-tune (--init overrides); \"\" = train from scratch"),
    KEY_ENUM("lm.variant", BY_LM, lm.variant, "v1_1", lm_variant_choices,
             "from scratch: `v1_0` (ReLU FF, tied embeddings) or `v1_1` (gated-GELU FF, untied head)"),
    KEY_INT("lm.d_model", BY_LM, lm.d_model, "128", 8, 8192, "from scratch: model width"),
    KEY_INT("lm.d_kv", BY_LM, lm.d_kv, "32", 1, 1024, "from scratch: width of one attention head"),
    KEY_INT("lm.d_ff", BY_LM, lm.d_ff, "256", 1, 65536, "from scratch: feed-forward width"),
    KEY_INT("lm.heads", BY_LM, lm.heads, "4", 1, 256, "from scratch: attention heads"),
    KEY_INT("lm.layers", BY_LM, lm.layers, "3", 1, 64, "from scratch: encoder blocks"),
    KEY_INT("lm.decoder_layers", BY_LM, lm.decoder_layers, "3", 1, 64, "from scratch: decoder blocks"),
    KEY_INT("lm.buckets", BY_LM, lm.buckets, "32", 2, 4096, "from scratch: relative position buckets"),
    KEY_INT("lm.max_distance", BY_LM, lm.max_distance, "128", 2, 1000000,
            "from scratch: relative position max distance"),
    KEY_FLOAT("lm.dropout", BY_LM, lm.dropout, "0.1", 0.0, 1.0, ARCHLLM_CFG_MAX_OPEN,
              "from scratch: dropout rate in training (embeddings, sublayer outputs, FF activation, final norms)"),
    KEY_ENUM("lm.tasks", BY_LM, lm.tasks, "both", lm_task_choices,
             "prompts trained on: `both` (half each), `generate` or `fill`"),
    KEY_FLOAT("lm.mask_rate", BY_LM, lm.mask_rate, "0.3", 0.0, 1.0, ARCHLLM_CFG_MIN_OPEN,
              "fill prompts: probability that a code is masked (at least one is)"),
    KEY_FLOAT("lm.eval_fraction", BY_LM, lm.eval_fraction, "0.05", 0.0, 1.0, ARCHLLM_CFG_MAX_OPEN,
              "fraction of the code sequences held out for the evaluation loss"),
    KEY_INT("lm.batch_size", BY_LM, lm.batch_size, "64", 1, 65536, "prompts per training step"),
    KEY_INT("lm.steps", BY_LM, lm.steps, "2000", 1, 100000000, "training steps"),
    KEY_INT("lm.warmup_steps", BY_LM, lm.warmup_steps, "100", 0, 100000000,
            "linear learning-rate warm-up steps; then cosine decay to lm.min_lr"),
    KEY_FLOAT("lm.lr", BY_LM, lm.lr, "0.001", 0.0, 10.0, ARCHLLM_CFG_MIN_OPEN, "peak AdamW learning rate"),
    KEY_FLOAT("lm.min_lr", BY_LM, lm.min_lr, "0.00001", 0.0, 10.0, 0, "learning rate at the end of the cosine decay"),
    KEY_FLOAT("lm.weight_decay", BY_LM, lm.weight_decay, "0.01", 0.0, 10.0, 0,
              "AdamW weight decay (not on layer norms)"),
    KEY_FLOAT("lm.max_grad_norm", BY_LM, lm.max_grad_norm, "1.0", 0.0, 1e6, 0,
              "clip the global gradient norm to this (0 = no clipping)"),
    KEY_INT("lm.log_every", BY_NONE, lm.log_every, "10", 1, 100000000, "print a progress line every N steps"),
    KEY_INT("lm.eval_every", BY_NONE, lm.eval_every, "500", 0, 100000000,
            "held-out loss every N steps (0 = only at the end)"),
    KEY_INT("lm.checkpoint_every", BY_NONE, lm.checkpoint_every, "500", 0, 100000000,
            "write a checkpoint every N steps (0 = only at the end)"),
    KEY_INT("lm.samples", BY_NONE, lm.samples, "1000", 1, 100000000, "`archllm sample`: sequences to generate"),
    KEY_INT("lm.top_k", BY_GENERATE, lm.top_k, "0", 0, 1000000, "sampling: keep the k most likely tokens (0 = all)"),
    KEY_FLOAT("lm.temperature", BY_GENERATE, lm.temperature, "1.0", 0.0, 100.0, 0, "sampling temperature (0 = greedy)"),
    KEY_FLOAT("lm.top_p", BY_GENERATE, lm.top_p, "1.0", 0.0, 1.0, ARCHLLM_CFG_MIN_OPEN,
              "sampling: nucleus probability mass (1 = off)"),
    KEY_BOOL("lm.constrained", BY_NONE, lm.constrained, "true",
             "sampling: only code tokens, exactly the training sequence length, then </s>"),

    KEY_INT("generate.samples", BY_GENERATE, generate.samples, "10000", 1, 100000000,
            "`archllm generate`: code sequences sampled (N; --samples overrides); metrics also at N = 1,000 and 10,000"),
    KEY_INT("generate.batch", BY_GENERATE, generate.batch, "500", 8, 65536,
            "`archllm generate`: sequences per T5 sampling call"),
    KEY_STRING("generate.sweep", BY_GENERATE, generate.sweep, "", 0, NULL,
               "temperatures of a sweep (CSV + SVG), e.g. \"0.5,0.75,1.0,1.25,1.5\"; \"\" = none (--sweep overrides)"),
    KEY_BOOL("generate.baselines", BY_GENERATE, generate.baselines, "true",
             "also measure the uniform-space and continuous-latent baselines (--no-baselines clears it)"),

    KEY_STRING("search.datasets", BY_NONE, search.datasets, "cifar10,cifar100,imagenet16", ARCHLLM_CFG_NONEMPTY, NULL,
               "`archllm run`'s search stage: NB201 datasets, comma-separated (cifar10, cifar100, imagenet16)"),
    KEY_STRING("search.methods", BY_SEARCH, search.methods, "archllm-guided,archllm,bananas,evolution,random",
               ARCHLLM_CFG_NONEMPTY, NULL,
               "`archllm run`'s search stage: methods compared, comma-separated (archllm-guided, archllm, bananas, "
               "evolution, random)"),
    KEY_INT("search.queries", BY_SEARCH, search.queries, "100", 1, 1000000,
            "search: distinct benchmark queries per run"),
    KEY_INT("search.seeds", BY_SEARCH, search.seeds, "50", 1, 100000,
            "search: runs per method (seeds experiment.seed + i)"),
    KEY_INT("search.top", BY_SEARCH, search.top, "10", 1, 64,
            "archllm search: best cells so far that parents are drawn from"),
    KEY_INT("search.initial", BY_SEARCH, search.initial, "10", 0, 1000000,
            "archllm search: queries sampled from the 'generate:' prompt before fill mutations start"),
    KEY_FLOAT("search.mask_rate", BY_SEARCH, search.mask_rate, "0.25", 0.0, 1.0, ARCHLLM_CFG_MIN_OPEN,
              "archllm search: probability that a parent's code is masked for the T5 to fill (at least one)"),
    KEY_FLOAT("search.temperature", BY_SEARCH, search.temperature, "1.0", 0.0, 100.0, 0,
              "archllm search: sampling temperature of the fill (0 = greedy)"),
    KEY_INT("search.pool", BY_SEARCH, search.pool, "160", 1, 4096,
            "archllm-guided search: candidates not yet queried that the surrogate ranks before each round"),
    KEY_INT("search.proposals", BY_SEARCH, search.proposals, "32", 1, 4096,
            "archllm-guided search: new candidates added to the pool each round"),
    KEY_INT("search.mutations", BY_SEARCH, search.mutations, "16", 0, 4096,
            "archllm-guided search: how many of a round's proposals are single edits of the search.top best cells "
            "(at most search.proposals)"),
    KEY_INT("search.explore", BY_SEARCH, search.explore, "8", 0, 4096,
            "archllm-guided search: how many of a round's proposals come from the T5's 'generate:' prompt (at most "
            "what search.mutations leaves; the rest are the T5's fills)"),
    KEY_INT("search.per_round", BY_SEARCH, search.per_round, "4", 1, 64,
            "archllm-guided search: queries per round (the surrogate is refitted before each round)"),
    KEY_INT("search.guided_initial", BY_SEARCH, search.guided_initial, "20", 0, 1000000,
            "archllm-guided search: queries sampled from the 'generate:' prompt before the surrogate ranks "
            "(search.initial is the archllm method's)"),

    KEY_STRING("run.stages", BY_NONE, run.stages, "dataset,vqvae,encode,lm,generate,search", ARCHLLM_CFG_NONEMPTY, NULL,
               "`archllm run`: stages run in order (dataset, vqvae, encode, lm, generate, search); a complete "
               "stage is skipped"),
};

const archllm_cfg_schema archllm_config_schema = {
    config_keys, (int)(sizeof config_keys / sizeof config_keys[0])};

archllm_status archllm_config_defaults(archllm_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    return archllm_cfg_defaults(&archllm_config_schema, cfg);
}

archllm_status archllm_config_load(archllm_config *cfg, const char *path)
{
    return archllm_cfg_load(&archllm_config_schema, cfg, path);
}

archllm_status archllm_config_set(archllm_config *cfg, const char *assignment)
{
    return archllm_cfg_set(&archllm_config_schema, cfg, assignment);
}

archllm_status archllm_config_setup(archllm_config *cfg, const char *path,
                                    const char *const *sets, int nsets)
{
    ARCHLLM_TRY(archllm_config_defaults(cfg));
    if (path) ARCHLLM_TRY(archllm_config_load(cfg, path));
    for (int i = 0; i < nsets; i++) ARCHLLM_TRY(archllm_config_set(cfg, sets[i]));
    return ARCHLLM_OK;
}

archllm_status archllm_config_print(FILE *f, const archllm_config *cfg)
{
    return archllm_cfg_print(&archllm_config_schema, f, cfg);
}

const char *archllm_config_output_dir(const archllm_config *cfg, char *buf, size_t cap)
{
    if (cfg->experiment.output_dir[0])
        snprintf(buf, cap, "%s", cfg->experiment.output_dir);
    else
        snprintf(buf, cap, "out/%s", cfg->experiment.name);
    return buf;
}

const char *archllm_config_device_selector(const archllm_config *cfg, const char *option,
                                           const char *env)
{
    if (option && option[0]) return option;
    if (env && env[0]) return env;
    if (cfg && cfg->device.selector[0]) return cfg->device.selector;
    return NULL;
}
