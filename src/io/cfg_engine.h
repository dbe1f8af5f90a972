/* cfg_engine.h - the config engine: libconfig files read into a typed struct, driven
 * by a schema table.
 *
 * A schema (archllm_cfg_schema) says, for every key, its path, type, place in the struct,
 * default, range, a one-line doc and who reads it.  That table alone drives defaults,
 * loading and validation, `--set key=value` overrides, printing (valid libconfig text that
 * loads back to the same struct) and a Markdown key reference.  The engine takes any
 * schema: the experiment config (io/experiment.h) is one, tests/io/test_config.c holds
 * another.
 *
 * What it does not hold: any schema of its own, nor what a key means to whoever reads it.
 *
 * Errors: every call returns archllm_status; ARCHLLM_ECONFIG details read
 *   "FILE:LINE: KEY: MESSAGE"        (a key with a bad value, an unknown key)
 *   "FILE:LINE: syntax error"        (libconfig's parser)
 *   "FILE: cannot open: STRERROR"    (missing or unreadable file)
 *   "--set KEY=VALUE: KEY: MESSAGE"  (a command-line override)
 * and are read with archllm_last_error(). */
#ifndef ARCHLLM_IO_CFG_ENGINE_H
#define ARCHLLM_IO_CFG_ENGINE_H

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
    /* Who reads the key, for the key reference and for telling which results a changed
     * value makes stale: the experiment config names a pipeline stage ("dataset", "vqvae",
     * "encode", "lm", "generate", "search"); NULL when no result depends on the key. */
    const char      *stage;
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
/* Write the key reference as a Markdown table: key, type, default, allowed values, read by
 * (the key's stage, "-" when NULL), meaning (conf/README.md holds this output). */
archllm_status archllm_cfg_print_doc(const archllm_cfg_schema *sc, FILE *f);
const archllm_cfg_key *archllm_cfg_find(const archllm_cfg_schema *sc, const char *path);
/* Format one value as libconfig text ("5", "\"x\"", "[1, 2]"); returns its length
 * (snprintf-style: the output is cut at cap but the full length is returned). */
int archllm_cfg_format(const archllm_cfg_key *k, const void *obj, char *buf, size_t cap);
/* True when the key's field holds the same value in a and b. */
bool archllm_cfg_equal(const archllm_cfg_key *k, const void *a, const void *b);

#endif
