/* genmetrics.c - validity / uniqueness / novelty of generated cells; see genmetrics.h. */
#include "config.h"
#include "search/genmetrics.h"
#include "nas/cells.h"
#include "nas/darts.h"
#include "nas/nb201.h"
#include "util/error.h"
#include "util/fileio.h"

#include <jansson.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct archllm_genmetrics_acc {
    archllm_space          space;
    const archllm_hashset *train;
    archllm_hashset       *seen;
    size_t                 generated, valid, novel;
};

double archllm_space_size(archllm_space space)
{
    switch (space) {
    case ARCHLLM_SPACE_NB101: return ARCHLLM_NB101_SPACE_SIZE;
    case ARCHLLM_SPACE_NB201: return ARCHLLM_NB201_SPACE_SIZE;
    case ARCHLLM_SPACE_DARTS: return ARCHLLM_DARTS_SPACE_SIZE;
    default: return NAN; /* a user's space: its size is not known */
    }
}

const char *archllm_space_name(archllm_space space)
{
    switch (space) {
    case ARCHLLM_SPACE_NB101: return "nb101";
    case ARCHLLM_SPACE_NB201: return "nb201";
    case ARCHLLM_SPACE_DARTS: return "darts";
    case ARCHLLM_SPACE_CELLS: return "cells";
    default: return "?";
    }
}

/* NB201's 15,625 digests, each computed once a process: a search asks for the same few
 * hundred cells' digests thousands of times (oracle lookups, codes, edits), and each is an
 * iterated MD5 of the cell's graph.  An entry is claimed (0 -> 1) before it is written
 * and published (2) after, so threads never write one at the same time. */
static struct {
    atomic_uchar state;
    uint8_t      digest[16];
} nb201_digests[ARCHLLM_NB201_SIZE];

static void nb201_digest(uint8_t digest[16], const uint8_t ops[ARCHLLM_NB201_EDGES])
{
    int at = archllm_nb201_index_of_ops(ops);
    if (atomic_load_explicit(&nb201_digests[at].state, memory_order_acquire) == 2) {
        memcpy(digest, nb201_digests[at].digest, 16);
        return;
    }
    archllm_cell dag;
    archllm_nb201_to_cell(&dag, ops); /* the canonical form, whatever the cell's padding */
    archllm_cell_hash(NULL, digest, &dag);
    unsigned char unclaimed = 0;
    if (atomic_compare_exchange_strong(&nb201_digests[at].state, &unclaimed, 1)) {
        memcpy(nb201_digests[at].digest, digest, 16);
        atomic_store_explicit(&nb201_digests[at].state, 2, memory_order_release);
    }
}

archllm_status archllm_space_cell_digest(uint8_t digest[16], archllm_space space, const archllm_cell *c)
{
    if (space == ARCHLLM_SPACE_NB101) {
        archllm_cell pruned;
        ARCHLLM_TRY(archllm_nb101_check(&pruned, c));
        archllm_cell_hash(NULL, digest, &pruned);
        return ARCHLLM_OK;
    }
    if (space == ARCHLLM_SPACE_NB201) {
        uint8_t ops[ARCHLLM_NB201_EDGES];
        ARCHLLM_TRY(archllm_nb201_from_cell(ops, c));
        nb201_digest(digest, ops);
        return ARCHLLM_OK;
    }
    if (space == ARCHLLM_SPACE_DARTS) {
        archllm_darts_genotype g;
        ARCHLLM_TRY(archllm_darts_from_cell(&g, c));
        archllm_darts_hash(NULL, digest, &g);
        return ARCHLLM_OK;
    }
    if (space == ARCHLLM_SPACE_CELLS) {
        const archllm_cells_space *cs = archllm_cells_space_current();
        if (!cs) return archllm_fail(ARCHLLM_EINVAL, "no cells space is loaded (data.cells)");
        return archllm_cells_digest(digest, cs, c);
    }
    return archllm_fail(ARCHLLM_EINVAL, "unknown search space %d", (int)space);
}

double archllm_iid_expected_unique(double space_size, double n)
{
    if (!(space_size > 0)) return NAN; /* unknown size (a user's space) */
    if (n <= 0) return 0;
    return -space_size * expm1(-n / space_size);
}

archllm_status archllm_train_set_from_cells(archllm_hashset **out, archllm_space space, const archllm_cell *cells,
                                            const uint32_t *idx, size_t n)
{
    ARCHLLM_TRY(archllm_hashset_init(out, n));
    for (size_t i = 0; i < n; i++) {
        size_t k = idx ? idx[i] : i;
        uint8_t d[16];
        archllm_status s = archllm_space_cell_digest(d, space, &cells[k]);
        if (s == ARCHLLM_OK) s = archllm_hashset_put(*out, d, (uint32_t)k, NULL);
        if (s != ARCHLLM_OK) {
            archllm_hashset_free(*out);
            *out = NULL;
            return archllm_fail_prefix(s, "training cell %zu", k);
        }
    }
    return ARCHLLM_OK;
}

archllm_status archllm_train_set_from_digests(archllm_hashset **out, const uint8_t (*digests)[16],
                                              const uint32_t *idx, size_t n)
{
    ARCHLLM_TRY(archllm_hashset_init(out, n));
    for (size_t i = 0; i < n; i++) {
        size_t k = idx ? idx[i] : i;
        archllm_status s = archllm_hashset_put(*out, digests[k], (uint32_t)k, NULL);
        if (s != ARCHLLM_OK) {
            archllm_hashset_free(*out);
            *out = NULL;
            return s;
        }
    }
    return ARCHLLM_OK;
}

archllm_status archllm_genmetrics_acc_init(archllm_genmetrics_acc **out, archllm_space space,
                                           const archllm_hashset *train, size_t expected)
{
    *out = NULL;
    if (space < ARCHLLM_SPACE_NB101 || space > ARCHLLM_SPACE_CELLS)
        return archllm_fail(ARCHLLM_EINVAL, "unknown search space %d", (int)space);
    archllm_genmetrics_acc *a = calloc(1, sizeof *a);
    if (!a) return archllm_fail(ARCHLLM_ENOMEM, "metrics accumulator");
    a->space = space;
    a->train = train;
    archllm_status s = archllm_hashset_init(&a->seen, expected);
    if (s != ARCHLLM_OK) {
        free(a);
        return s;
    }
    *out = a;
    return ARCHLLM_OK;
}

void archllm_genmetrics_acc_free(archllm_genmetrics_acc *a)
{
    if (!a) return;
    archllm_hashset_free(a->seen);
    free(a);
}

archllm_status archllm_genmetrics_add(archllm_genmetrics_acc *a, const archllm_cell *c, unsigned *flags)
{
    unsigned f = 0;
    uint8_t d[16];
    a->generated++;
    if (archllm_space_cell_digest(d, a->space, c) == ARCHLLM_OK) {
        int added;
        f |= ARCHLLM_GEN_VALID;
        a->valid++;
        ARCHLLM_TRY(archllm_hashset_put(a->seen, d, (uint32_t)(a->generated - 1), &added));
        if (added) {
            f |= ARCHLLM_GEN_NEW;
            if (a->train && !archllm_hashset_contains(a->train, d)) {
                f |= ARCHLLM_GEN_NOVEL;
                a->novel++;
            }
        }
    }
    archllm_error_clear(); /* an invalid cell is an outcome here, not an error */
    if (flags) *flags = f;
    return ARCHLLM_OK;
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : NAN; }

void archllm_genmetrics_get(archllm_genmetrics *m, const archllm_genmetrics_acc *a)
{
    memset(m, 0, sizeof *m);
    m->space = a->space;
    m->generated = a->generated;
    m->valid = a->valid;
    m->unique = archllm_hashset_count(a->seen);
    m->novel = a->novel;
    m->validity = ratio(m->valid, m->generated);
    m->uniqueness = ratio(m->unique, m->valid);
    m->novelty = a->train ? ratio(m->novel, m->unique) : NAN;
    m->valid_unique = ratio(m->unique, m->generated);
    m->valid_unique_novel = a->train ? ratio(m->novel, m->generated) : NAN;
    m->iid_unique_limit =
        m->generated ? archllm_iid_expected_unique(archllm_space_size(a->space), (double)m->generated) / m->generated
                     : NAN;
}

archllm_status archllm_genmetrics_compute(archllm_genmetrics *out, archllm_space space, const archllm_cell *cells,
                                          size_t n, const archllm_hashset *train, unsigned *flags)
{
    archllm_genmetrics_acc *a;
    ARCHLLM_TRY(archllm_genmetrics_acc_init(&a, space, train, n));
    archllm_status s = ARCHLLM_OK;
    for (size_t i = 0; i < n && s == ARCHLLM_OK; i++) s = archllm_genmetrics_add(a, &cells[i], flags ? &flags[i] : NULL);
    if (s == ARCHLLM_OK) archllm_genmetrics_get(out, a);
    archllm_genmetrics_acc_free(a);
    return s;
}

/* ---- reports ---- */

static json_t *num_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *record_json(const archllm_genmetrics_record *r)
{
    const archllm_genmetrics *m = &r->m;
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string(r->method));
    json_object_set_new(o, "space", json_string(archllm_space_name(m->space)));
    json_object_set_new(o, "temperature", num_or_null(r->temperature));
    json_object_set_new(o, "seed", json_integer((json_int_t)r->seed));
    json_object_set_new(o, "generated", json_integer((json_int_t)m->generated));
    json_object_set_new(o, "valid", json_integer((json_int_t)m->valid));
    json_object_set_new(o, "unique", json_integer((json_int_t)m->unique));
    json_object_set_new(o, "novel", json_integer((json_int_t)m->novel));
    json_object_set_new(o, "validity", num_or_null(m->validity));
    json_object_set_new(o, "uniqueness", num_or_null(m->uniqueness));
    json_object_set_new(o, "novelty", num_or_null(m->novelty));
    json_object_set_new(o, "valid_unique", num_or_null(m->valid_unique));
    json_object_set_new(o, "valid_unique_novel", num_or_null(m->valid_unique_novel));
    json_object_set_new(o, "iid_unique_limit", num_or_null(m->iid_unique_limit));
    json_object_set_new(o, "iid_expected_unique",
                        num_or_null(archllm_iid_expected_unique(archllm_space_size(m->space), (double)m->generated)));
    return o;
}

archllm_status archllm_genmetrics_save_json(const char *path, const archllm_genmetrics_record *r, size_t n)
{
    json_t *root = json_object(), *list = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(list, record_json(&r[i]));
    json_object_set_new(root, "records", list);
    archllm_status s = archllm_write_json(path, root, 10);
    json_decref(root);
    return s;
}

void archllm_genmetrics_csv_header(FILE *f)
{
    fputs("method,space,temperature,seed,generated,valid,unique,novel,validity,uniqueness,novelty,"
          "valid_unique,valid_unique_novel,iid_unique_limit\n",
          f);
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, ",%.6f", v);
    else fputs(",", f);
}

void archllm_genmetrics_csv_row(FILE *f, const archllm_genmetrics_record *r)
{
    const archllm_genmetrics *m = &r->m;
    fprintf(f, "%s,%s", r->method, archllm_space_name(m->space));
    csv_num(f, r->temperature);
    fprintf(f, ",%llu,%zu,%zu,%zu,%zu", (unsigned long long)r->seed, m->generated, m->valid, m->unique, m->novel);
    csv_num(f, m->validity);
    csv_num(f, m->uniqueness);
    csv_num(f, m->novelty);
    csv_num(f, m->valid_unique);
    csv_num(f, m->valid_unique_novel);
    csv_num(f, m->iid_unique_limit);
    fputc('\n', f);
}

archllm_status archllm_genmetrics_save_csv(const char *path, const archllm_genmetrics_record *r, size_t n)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    archllm_genmetrics_csv_header(af.f);
    for (size_t i = 0; i < n; i++) archllm_genmetrics_csv_row(af.f, &r[i]);
    return archllm_atomic_commit(&af); /* it checks the stream's error state */
}
