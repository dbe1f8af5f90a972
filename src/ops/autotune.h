/* autotune.h - measuring the tunables of backend/tuning.c on the device a context runs on:
 * each candidate is timed on the shipped configs' shapes and its output checked against the
 * default's (the op harness's tolerances) before it may win; then CLBlast's parameters,
 * found by CLBlast's own tuners and kept only where real GEMMs run faster with them
 * (autotune_clblast.c).  `archllm tune` and ARCHLLM_TUNE=auto run both; the tuning file is
 * backend/tuning.c's. */
#ifndef ARCHLLM_OPS_AUTOTUNE_H
#define ARCHLLM_OPS_AUTOTUNE_H

#include "backend/backend.h"

typedef struct {
    /* archllm_autotune: no new candidate is started after this many seconds (0: no limit);
     * archllm_autotune_clblast: its whole time (see there) */
    double budget_s;
    /* one line per tunable as it is done (may be NULL) */
    void (*progress)(void *user, const char *line);
    void *user;
} archllm_autotune_params;

/* 60 s, no progress */
archllm_autotune_params archllm_autotune_default_params(void);
/* Of a budget for tuning a device, the part our kernels' tuner gets first (half: on a
 * 2-core Xeon they took 37 s from a cold PoCL cache, over their share, and 19-22 s warm,
 * most of it compiling the linear kernels' tiles); CLBlast's gets what is left. */
#define ARCHLLM_AUTOTUNE_KERNELS_SHARE 0.5
/* of the rest, the share CLBlast's steps are planned in (their overruns take the remainder) */
#define ARCHLLM_AUTOTUNE_CLBLAST_PLAN 0.85

enum { ARCHLLM_CAND_TIMED, ARCHLLM_CAND_REJECTED, ARCHLLM_CAND_SKIPPED, ARCHLLM_CAND_FAILED };
typedef struct {
    int                n, winner;                        /* candidates; index of the winner */
    archllm_tune_value cand[ARCHLLM_TUNE_MAX_CAND];      /* default first (a revisit: the value in use) */
    double             ms[ARCHLLM_TUNE_MAX_CAND];        /* best time of one workload run */
    int                state[ARCHLLM_TUNE_MAX_CAND];     /* ARCHLLM_CAND_* */
    double             max_diff[ARCHLLM_TUNE_MAX_CAND];  /* largest |candidate - default| */
    double             seconds;                          /* spent on this tunable, all passes */
    int                revisit;                          /* the row is a second pass */
} archllm_autotune_row;

/* Measure every tunable on ctx's device, leave the winners in ctx->tuning (programs are
 * rebuilt with them on next use) and the measurements in rows.  Fails only when the
 * defaults themselves cannot run. */
archllm_status archllm_autotune(archllm_ctx_t *ctx, const archllm_autotune_params *p,
                                archllm_autotune_row rows[ARCHLLM_TUNE_COUNT]);
/* The summary table (tunable, candidate, ms, note), one line each. */
void archllm_autotune_table(const archllm_autotune_row rows[ARCHLLM_TUNE_COUNT], char *out, size_t cap);
/* a progress callback printing "archllm: <line>" to stderr */
void archllm_autotune_print_stderr(void *user, const char *line);
/* ---- CLBlast (autotune_clblast.c) ---------------------------------------------------- */
enum {
    ARCHLLM_CLB_SKIPPED, /* not started: the budget */
    ARCHLLM_CLB_FAILED,  /* the tuner failed: CLBlast's own parameters stay */
    ARCHLLM_CLB_TUNED,   /* found, not yet judged */
    ARCHLLM_CLB_KEPT,    /* found and faster than CLBlast's own in real GEMMs */
    ARCHLLM_CLB_DROPPED  /* found, but not faster (or not timed): CLBlast's own stay */
};
typedef struct {
    int                 state;      /* ARCHLLM_CLB_SKIPPED ... */
    int                 configs;    /* configurations sampled */
    double              seconds;
    archllm_clblast_set found;      /* the tuner's winner */
    char                note[256];  /* why it failed or was dropped */
} archllm_clblast_row;

#define ARCHLLM_CLB_SHAPES 7
typedef struct {
    size_t      m, n, k;
    int         trans_a, trans_b;
    const char *what;
    /* best ms of CLBlast's own parameters and routing, of the tuned ones all through the
     * indirect Xgemm path, and all through XgemmDirect; 0: not timed */
    double      ms_default, ms_indirect, ms_direct;
    int         direct;    /* the chosen routing sends it to XgemmDirect */
} archllm_clblast_shape;

typedef struct {
    archllm_clblast_row   rows[ARCHLLM_CLB_TUNERS]; /* by kernel, ARCHLLM_CLB_XGEMM ... */
    archllm_clblast_shape shapes[ARCHLLM_CLB_SHAPES];
    size_t default_min;    /* CLBlast's XGEMM_MIN_INDIRECT_SIZE on this device */
    size_t min_indirect;   /* the one kept (default_min when unchanged) */
    double gain;           /* geometric mean over the shapes of default ms / kept ms */
    /* a square product past the largest shape, timed on the tuned parameters when the
     * largest shape ran fastest direct: where the crossover goes past it (0: not timed) */
    size_t probe_n;
    double probe_ms_indirect, probe_ms_direct;
    /* Xgemm's vector tiles (CPU devices): how many there were and were timed, the best one's
     * time and that of the tuner's winner on the same products (geometric means, 0: not
     * timed), and whether a tile became Xgemm's tuned set */
    int    tiles, tiles_timed, tile_won;
    double tile_ms, tile_tuner_ms;
    double seconds;
    char   note[256];      /* a step that did not run, or failed */
} archllm_clblast_report;

/* Tune CLBlast's kernels behind archllm's GEMMs on ctx's device within p->budget_s seconds
 * in all: time the GEMM shapes with CLBlast's own parameters, run CLBlast's tuners (each
 * started only where its share of the budget still fits, and with a number of sampled
 * configurations that grows with the budget; ARCHLLM_CLBLAST_TUNE_CONFIGS=N, for tests, sets
 * it), on a CPU device time Xgemm's vector tiles against its tuner's winner (at most N of them
 * under that variable) and keep the fastest, time the shapes with the tuned kernels all
 * indirect and all direct, and keep a
 * tuned kernel only where it is at least 3% faster than CLBlast's own on the shapes CLBlast
 * runs it for, with the routing crossover that runs the shapes fastest.  What is kept goes
 * into ctx->tuning.clblast and is applied; the rest runs on CLBlast's own.  A step that
 * fails is reported in r and leaves CLBlast's own parameters; the call itself fails only
 * when CLBlast's parameters cannot be read or set on the device. */
archllm_status archllm_autotune_clblast(archllm_ctx_t *ctx, const archllm_autotune_params *p,
                                        archllm_clblast_report *r);
/* Which tuned kernels to keep and where to route, from r's timed shapes (in the order of
 * the tune's shape table: its smallest products first) and the rows found (state TUNED).
 * A configuration is (the indirect kernels Xgemm, Copy, Pad, Transpose, Padtranspose:
 * CLBlast's own or tuned; XgemmDirect: its own or tuned; the crossover), its cost the sum
 * over the shapes of log ms; a path's time is what was measured for it: CLBlast's own run
 * where its own routing took that path, the tuned runs for the tuned kernels, and no time
 * (the configuration is out) where neither says.  Each departure from CLBlast's own must
 * buy 3% of the geometric mean.  When every timed shape goes direct, the indirect kernels
 * still run the products past the crossover: they are the tuned ones where those beat
 * CLBlast's own by 3% on the shapes CLBlast's routing sends indirect, and the crossover
 * moves past the probe product where that too ran 3% faster direct.  Sets the rows'
 * states (KEPT or DROPPED) and notes, the shapes' routing, min_indirect and gain. */
void archllm_autotune_clblast_decide(archllm_clblast_report *r);
/* Xgemm's vector tiles for a device whose native float vector is `width` wide (4, 8 or 16;
 * else none): vectors of that width and of twice it up to 16, register tiles of one or two
 * vectors by 8 or 16 columns a work-item, 16 to 64 work-items a group, no local memory (a
 * CPU's caches hold the tiles) and whole-vector multiply-adds (ARCHLLM_CLB_VECTOR_MAD);
 * CLBlast's tuner never tries vectors 16 wide nor that define.  Up to cap sets into out, the
 * ones at the first group (4 x 8 work-items, one per vector width and tile) first; returns
 * how many.  Each satisfies the constraints of CLBlast's Xgemm (tests/ops/test_clblast_decide). */
int archllm_autotune_clblast_tiles(int width, archllm_clblast_set *out, int cap);
#define ARCHLLM_CLB_MAX_TILES 24
/* The summary: a line per kernel, a line per shape, the crossover. */
void archllm_autotune_clblast_table(const archllm_clblast_report *r, char *out, size_t cap);

/* What archllm_autotune_device tunes: both, or one part with the whole budget (the other
 * part keeps what ctx holds). */
enum { ARCHLLM_TUNE_PART_KERNELS = 1, ARCHLLM_TUNE_PART_CLBLAST = 2, ARCHLLM_TUNE_PART_BOTH = 3 };

/* Tune ctx's device as `archllm tune` does, within budget_s (> 0) in all: of PARTS, our
 * kernels first (ARCHLLM_AUTOTUNE_KERNELS_SHARE of it when both are tuned), then CLBlast's;
 * rows and r get the measurements (a part not tuned leaves its rows empty), ctx->tuning the
 * winners.  Fails as archllm_autotune does (ctx then holds the defaults);
 * when CLBlast's parameters cannot be read or set, our kernels' winners stay, CLBlast runs
 * on its own and r->note says why. */
archllm_status archllm_autotune_device(archllm_ctx_t *ctx, int parts, double budget_s,
                                       void (*progress)(void *, const char *), void *user,
                                       archllm_autotune_row rows[ARCHLLM_TUNE_COUNT],
                                       archllm_clblast_report *r);

/* With ARCHLLM_TUNE=auto and ctx not tuned: tune it now (archllm_autotune_device, 60 s,
 * progress on stderr) and store the winners; a failed tuning leaves the defaults.  Called by
 * whoever opens a context for work (the commands, an experiment), not by the backend, which
 * sits below the ops it would time. */
archllm_status archllm_autotune_auto(archllm_ctx_t *ctx);

#endif
