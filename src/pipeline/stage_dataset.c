/* stage_dataset.c - the dataset stage (stage.h): a search space as JSON Lines, into a
 * file through a temp file and a rename, or onto a stream.  Not here: the spaces
 * themselves (src/nas: nb101, nb201, darts, cells) and the line format (nas/jsonl.c),
 * option parsing and printing (src/cli/cmd_dataset.c). */
#include "config.h"
#include "pipeline/stage.h"

#include "model/vqvae_run.h"
#include "nas/darts.h"
#include "nas/jsonl.h"
#include "nas/nb101.h"
#include "nas/nb201.h"
#include "util/clock.h"
#include "util/fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STAGE "dataset"

archllm_dataset_opts archllm_dataset_opts_from_config(const archllm_config *cfg, const char *dir)
{
    archllm_dataset_opts o;
    memset(&o, 0, sizeof o);
    o.space = archllm_vqvae_space(cfg);
    snprintf(o.out, sizeof o.out, "%s/dataset.jsonl", dir);
    o.samples = (size_t)cfg->data.samples;
    o.seed = (uint64_t)cfg->experiment.seed;
    o.cells = (archllm_cells_source){cfg->data.cells, cfg->data.cells_ops, cfg->data.cells_max_edges};
    return o;
}

/* The lines going out, with a step event every 1% of them. */
typedef struct {
    FILE                 *f;
    const archllm_events *ev;
    long                  done, total, every;
} writer;

static archllm_status put(writer *w, const archllm_cell_record *rec)
{
    ARCHLLM_TRY(archllm_jsonl_write_cell(w->f, rec));
    if (++w->done % w->every == 0 || w->done == w->total) archllm_emit_step(w->ev, STAGE, w->done, w->total, NULL, 0);
    return ARCHLLM_OK;
}

static archllm_status write_cells(writer *w, archllm_space space, const archllm_cell *cells, size_t n)
{
    archllm_cell_record rec;
    for (size_t i = 0; i < n; i++) {
        ARCHLLM_TRY(archllm_cell_record_make(&rec, &cells[i], space));
        ARCHLLM_TRY(put(w, &rec));
    }
    return ARCHLLM_OK;
}

/* The space's cells (user: the loaded cells space's, borrowed) into w. */
static archllm_status write_space(writer *w, const archllm_dataset_opts *o, const archllm_cell *user, size_t n_user)
{
    archllm_cell_record rec;
    if (o->space == ARCHLLM_SPACE_DARTS) {
        archllm_cell *cells = malloc(o->samples * sizeof *cells);
        if (!cells) return archllm_fail(ARCHLLM_ENOMEM, "darts: %zu cells", o->samples);
        archllm_status st = archllm_darts_sample_distinct(cells, o->samples, o->seed);
        if (st == ARCHLLM_OK) st = write_cells(w, o->space, cells, o->samples);
        free(cells);
        return st;
    }
    if (o->space == ARCHLLM_SPACE_CELLS) return write_cells(w, o->space, user, n_user);
    if (o->space == ARCHLLM_SPACE_NB201) {
        for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) {
            uint8_t ops[ARCHLLM_NB201_EDGES];
            archllm_cell c;
            ARCHLLM_TRY(archllm_nb201_ops_of_index(ops, i));
            archllm_nb201_to_cell(&c, ops);
            ARCHLLM_TRY(archllm_cell_record_make(&rec, &c, o->space));
            ARCHLLM_TRY(put(w, &rec));
        }
        return ARCHLLM_OK;
    }
    archllm_nb101_space s;
    ARCHLLM_TRY(archllm_nb101_space_cached(&s, 1)); /* always enumerate afresh; refresh the cache */
    w->total = (long)s.n;
    archllm_status st = ARCHLLM_OK;
    for (size_t i = 0; i < s.n && st == ARCHLLM_OK; i++) {
        /* the digest is already computed: fill the record by hand instead of rehashing */
        memset(&rec, 0, sizeof rec);
        rec.space = o->space;
        rec.cell = s.cells[i];
        rec.index = -1;
        archllm_digest_hex(rec.hash, s.digests[i]);
        st = put(w, &rec);
    }
    archllm_nb101_space_free(&s);
    return st;
}

archllm_status archllm_stage_dataset(const archllm_stage_env *env, const archllm_dataset_opts *o)
{
    const archllm_cell *user = NULL;
    size_t n_user = 0;
    long total;
    char what[256];
    switch (o->space) {
    case ARCHLLM_SPACE_NB101:
        total = ARCHLLM_NB101_SIZE;
        snprintf(what, sizeof what, "the NAS-Bench-101 space (%ld cells)", total);
        break;
    case ARCHLLM_SPACE_NB201:
        total = ARCHLLM_NB201_SIZE;
        snprintf(what, sizeof what, "the NAS-Bench-201 space (%ld cells)", total);
        break;
    case ARCHLLM_SPACE_DARTS:
        if (!o->samples) return archllm_fail(ARCHLLM_EINVAL, "DARTS needs at least one sample");
        total = (long)o->samples;
        snprintf(what, sizeof what, "%ld distinct DARTS cells (seed %llu)", total, (unsigned long long)o->seed);
        break;
    case ARCHLLM_SPACE_CELLS:
        if (!o->cells.path || !o->cells.path[0])
            return archllm_fail(ARCHLLM_EINVAL, "the cells space needs its JSON Lines file");
        ARCHLLM_TRY(archllm_cells_space_use(&o->cells, &user, &n_user));
        total = (long)n_user;
        snprintf(what, sizeof what, "the %ld distinct valid cells of %s", total, o->cells.path);
        break;
    default: return archllm_fail(ARCHLLM_EINVAL, "unknown space %d", (int)o->space);
    }
    if (!o->out[0] && !o->stream) return archllm_fail(ARCHLLM_EINVAL, "neither a file nor a stream");

    /* a file is written beside the target and renamed, so a failed run leaves no half file */
    archllm_atomic_file af;
    char *buf = NULL;
    writer w = {.f = o->stream, .ev = env->ev, .total = total, .every = total / 100 > 0 ? total / 100 : 1};
    if (o->out[0]) {
        ARCHLLM_TRY(archllm_atomic_open(&af, o->out));
        enum { BUF = 1 << 16 };
        if ((buf = malloc(BUF))) setvbuf(af.f, buf, _IOFBF, BUF);
        w.f = af.f;
    }
    double t0 = archllm_now_s();
    archllm_emit_begin(env->ev, STAGE, "%s%s%s", what, o->out[0] ? " to " : "", o->out);
    archllm_status st = write_space(&w, o, user, n_user);
    if (o->out[0]) {
        if (st != ARCHLLM_OK) archllm_atomic_abort(&af);
        else st = archllm_atomic_commit(&af);
    } else if (st == ARCHLLM_OK && (fflush(o->stream) != 0 || ferror(o->stream))) {
        st = archllm_fail(ARCHLLM_EIO, "writing the lines: %s", strerror(errno));
    }
    free(buf);
    archllm_emit_end(env->ev, STAGE, st, archllm_now_s() - t0);
    return st;
}
