/* archllm.h - public API of libarchllm.
 *
 * Arch-LLM in C and OpenCL: a VQ-VAE turns neural-architecture cells into discrete
 * codes and a T5 model learns to generate them.  This header holds the stable surface:
 * version, status codes, devices and the compute context.  Internal layers (ops, models,
 * search spaces) live under src/ and are not installed.
 *
 * Every fallible call returns archllm_status; details (an OpenCL build log, a config
 * file and line) are kept per thread and read with archllm_last_error().  The library
 * never prints or exits on its own. */
#ifndef ARCHLLM_H
#define ARCHLLM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ARCHLLM_BUILDING) && defined(__GNUC__)
#define ARCHLLM_API __attribute__((visibility("default")))
#else
#define ARCHLLM_API
#endif

#define ARCHLLM_VERSION_MAJOR 0
#define ARCHLLM_VERSION_MINOR 1
#define ARCHLLM_VERSION_PATCH 0
#define ARCHLLM_VERSION_STRING "0.1.0"

/* ---- status codes ------------------------------------------------------ */

/* X(name, message): one list gives the enum and archllm_status_string(). */
#define ARCHLLM_STATUS_MAP(X)                                              \
    X(OK,          "success")                                              \
    X(EINVAL,      "invalid argument")                                     \
    X(ENOMEM,      "out of memory")                                        \
    X(EIO,         "input/output error")                                   \
    X(EFORMAT,     "malformed input")                                      \
    X(ECONFIG,     "configuration error")                                  \
    X(ENOTFOUND,   "not found")                                            \
    X(ENODEVICE,   "no OpenCL device")                                     \
    X(EOPENCL,     "OpenCL error")                                         \
    X(EBUILD,      "OpenCL program build failed")                          \
    X(ECLBLAST,    "CLBlast error")                                        \
    X(EUNSUPPORTED,"unsupported")                                          \
    X(EINTERRUPTED,"interrupted")                                          \
    X(EBUSY,       "in use by another process")

typedef enum {
#define ARCHLLM_STATUS_ENUM_(name, msg) ARCHLLM_##name,
    ARCHLLM_STATUS_MAP(ARCHLLM_STATUS_ENUM_)
#undef ARCHLLM_STATUS_ENUM_
    ARCHLLM_STATUS_COUNT_
} archllm_status;

ARCHLLM_API const char *archllm_status_string(archllm_status s);
/* The detail of the last failure on this thread ("" when none). */
ARCHLLM_API const char *archllm_last_error(void);
ARCHLLM_API const char *archllm_version(void);

/* ---- devices ------------------------------------------------------------ */

typedef enum {
    ARCHLLM_DEVICE_CPU   = 1,
    ARCHLLM_DEVICE_GPU   = 2,
    ARCHLLM_DEVICE_OTHER = 4
} archllm_device_type;

typedef struct {
    int      platform_index;      /* P in a "P:D" selector */
    int      device_index;        /* D in a "P:D" selector */
    char     platform_name[128];
    char     platform_version[128];
    char     name[256];
    char     vendor[128];
    char     driver_version[128];
    char     opencl_c_version[64];
    archllm_device_type type;
    uint32_t compute_units;
    uint64_t global_mem_bytes;
    uint64_t local_mem_bytes;
    uint64_t max_alloc_bytes;
    size_t   max_work_group;
    int      has_fp64;
    int      has_fp16;
    uint32_t float_vector_width; /* CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT: floats a SIMD register holds */
} archllm_device_info;

/* Fill up to cap entries; *count gets the number of devices found (may exceed cap). */
ARCHLLM_API archllm_status archllm_devices_list(archllm_device_info *out, int cap, int *count);

/* ---- events: what long work reports while it runs --------------------------------
 *
 * Stages (dataset, VQ-VAE training, encoding, T5 training, generation, search) report
 * through one sink: a struct of callbacks, any of which may be NULL, called on the
 * thread that runs the stage.  Strings passed to a callback live until it returns. */

/* One figure of a step: name ("loss"), value, and the printf format a line shows it
 * with ("%.6f"; NULL: "%g").  unit may be "" or e.g. "graphs/s". */
typedef struct {
    const char *name;
    double      value;
    const char *format;
    const char *unit;
} archllm_metric;

typedef enum {
    ARCHLLM_MESSAGE_INFO   = 0, /* what a user watching wants to see (results, where files went) */
    ARCHLLM_MESSAGE_DETAIL = 1, /* evaluation lines, settings: for the log and the command's own output */
    ARCHLLM_MESSAGE_WARN   = 2
} archllm_message_level;

typedef struct archllm_events {
    void *user;
    /* a stage starts; what: one line saying what it will do */
    void (*stage_begin)(void *user, const char *stage, const char *what);
    /* it ended with status (ARCHLLM_OK, ARCHLLM_EINTERRUPTED when stopped, ...) */
    void (*stage_end)(void *user, const char *stage, archllm_status status, double seconds);
    /* progress: step of total (total 0 when unknown), with the figures of the step */
    void (*step)(void *user, const char *stage, long step, long total, const archllm_metric *metrics,
                 int n_metrics);
    /* a line of text, without its newline */
    void (*message)(void *user, const char *stage, archllm_message_level level, const char *text);
} archllm_events;

/* ---- compute context ---------------------------------------------------- */

typedef struct archllm_ctx archllm_ctx_t;

/* selector: NULL or "" for the default (first GPU, else first CPU), "P:D" indexes,
 * or a case-insensitive substring of "platform device vendor". */
ARCHLLM_API archllm_status archllm_ctx_init(archllm_ctx_t **ctx, const char *selector);
ARCHLLM_API void archllm_ctx_free(archllm_ctx_t *ctx);
ARCHLLM_API const archllm_device_info *archllm_ctx_device(const archllm_ctx_t *ctx);
ARCHLLM_API archllm_status archllm_ctx_finish(archllm_ctx_t *ctx);
/* The detail of the last failure of a call on this context (the failing OpenCL or CLBlast
 * call and its error name, or a program's full build log).  Errors are kept per thread,
 * so this is archllm_last_error() of the calling thread. */
ARCHLLM_API const char *archllm_ctx_last_error(const archllm_ctx_t *ctx);

/* ---- experiments: a config, its output folder and its stages ---------------------
 *
 * The whole Arch-LLM path as `archllm run` drives it, for programs:
 *
 *   archllm_experiment *e;
 *   archllm_experiment_options o = {.command = "my tool"};
 *   if (archllm_experiment_open(&e, "conf/nb201-default.cfg", &o, &events) == ARCHLLM_OK) {
 *       archllm_stage st[ARCHLLM_STAGE_COUNT];
 *       archllm_experiment_run(e, st, archllm_experiment_stages(e, st), &events);
 *       archllm_experiment_report(e, &events);
 *       archllm_experiment_close(e);
 *   }
 *
 * Every result is a file in the experiment folder (see archllm(1)); a stage whose final
 * file exists is complete and is skipped by archllm_experiment_run. */

typedef enum {
    ARCHLLM_STAGE_DATASET,  /* the cells of the search space */
    ARCHLLM_STAGE_VQVAE,    /* train the VQ-VAE */
    ARCHLLM_STAGE_ENCODE,   /* every cell to its code sequence */
    ARCHLLM_STAGE_LM,       /* train the T5 on the codes */
    ARCHLLM_STAGE_GENERATE, /* sample, decode, metrics and baselines */
    ARCHLLM_STAGE_SEARCH,   /* NAS under a query budget (NB201) */
    ARCHLLM_STAGE_COUNT
} archllm_stage;

typedef enum {
    ARCHLLM_STAGE_TODO,        /* would run */
    ARCHLLM_STAGE_COMPLETE,    /* its final files exist */
    ARCHLLM_STAGE_UNAVAILABLE  /* cannot run on this experiment (search on DARTS) */
} archllm_stage_state;

typedef struct archllm_experiment archllm_experiment;

typedef struct {
    const char *const *sets;  /* "key=value" overrides of the config file, in order */
    int         n_sets;
    const char *device;       /* selector ("P:D", "cpu", a name); NULL: the config's device.selector */
    const char *command;      /* who holds the folder, for a second comer's error; NULL: "libarchllm" */
    int         redo;         /* results made with another config: move them aside and redo (else fail) */
} archllm_experiment_options;

/* Load the config (NULL path: the defaults), lock its output folder (ARCHLLM_EBUSY names
 * the holder) and check that existing results were made with this config (ARCHLLM_ECONFIG
 * names the changed keys unless o->redo).  o and ev may be NULL. */
ARCHLLM_API archllm_status archllm_experiment_open(archllm_experiment **e, const char *config_path,
                                                   const archllm_experiment_options *o, const archllm_events *ev);
ARCHLLM_API void archllm_experiment_close(archllm_experiment *e);
ARCHLLM_API const char *archllm_experiment_dir(const archllm_experiment *e);
/* The stages the config's run.stages names, in order, into out[ARCHLLM_STAGE_COUNT]. */
ARCHLLM_API int archllm_experiment_stages(const archllm_experiment *e, archllm_stage *out);
/* note (may be NULL on return): why a stage is unavailable. */
ARCHLLM_API archllm_stage_state archllm_experiment_stage_state(const archllm_experiment *e, archllm_stage s,
                                                               const char **note);
/* Run one stage (training stages resume from their checkpoint). */
ARCHLLM_API archllm_status archllm_experiment_run_stage(archllm_experiment *e, archllm_stage s,
                                                        const archllm_events *ev);
/* Run stages in the order given, skipping complete and unavailable ones, until one
 * fails (at most ARCHLLM_STAGE_COUNT). */
ARCHLLM_API archllm_status archllm_experiment_run(archllm_experiment *e, const archllm_stage *stages, int n,
                                                  const archllm_events *ev);
/* After a failed run or run_stage: 1 and the stage that failed (*s), else 0. */
ARCHLLM_API int archllm_experiment_failed_stage(const archllm_experiment *e, archllm_stage *s);
/* The summary (messages of stage "report") and DIR/index.html. */
ARCHLLM_API archllm_status archllm_experiment_report(archllm_experiment *e, const archllm_events *ev);
/* Ask the running stage to stop at its next step (ARCHLLM_EINTERRUPTED; trainings
 * checkpoint, the dataset stage runs to its end).  Made while no stage runs, the request
 * stops the next one.  Safe in a signal handler. */
ARCHLLM_API void archllm_experiment_stop(archllm_experiment *e);
ARCHLLM_API const char *archllm_stage_name(archllm_stage s);
ARCHLLM_API archllm_status archllm_stage_parse(archllm_stage *s, const char *name);

#ifdef __cplusplus
}
#endif
#endif /* ARCHLLM_H */
