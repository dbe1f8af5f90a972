/* cmd_dataset.c - `archllm dataset nb101|nb201|darts|cells [--out FILE]`: a search space
 * as JSON Lines with the nasbench field names (NB201 lines add index and arch_str, DARTS
 * lines the genotype): NB101 and NB201 whole, DARTS as a seeded set of --samples distinct
 * cells, a user's space (--cells FILE) as the file's distinct valid cells. */
#include "config.h"
#include "cli/cli.h"
#include "nas/cells.h"
#include "nas/darts.h"
#include "nas/jsonl.h"
#include "nas/nb101.h"
#include "nas/nb201.h"
#include "util/fileio.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define DARTS_DEFAULT_SAMPLES 100000 /* as data.samples; doc/darts.md says why */

typedef struct {
    long long                samples; /* darts */
    unsigned long long       seed;    /* darts */
    archllm_cells_source     cells;   /* cells */
} space_opts;

static archllm_status write_cells(FILE *f, archllm_space space, const archllm_cell *cells, size_t n)
{
    archllm_cell_record rec;
    for (size_t i = 0; i < n; i++) {
        ARCHLLM_TRY(archllm_cell_record_make(&rec, &cells[i], space));
        ARCHLLM_TRY(archllm_jsonl_write_cell(f, &rec));
    }
    return ARCHLLM_OK;
}

static archllm_status write_space(FILE *f, archllm_space space, const space_opts *o)
{
    archllm_cell_record rec;
    if (space == ARCHLLM_SPACE_DARTS) {
        archllm_cell *cells = malloc((size_t)o->samples * sizeof *cells);
        if (!cells) return archllm_fail(ARCHLLM_ENOMEM, "darts: %lld cells", o->samples);
        archllm_status st = archllm_darts_sample_distinct(cells, (size_t)o->samples, o->seed);
        if (st == ARCHLLM_OK) st = write_cells(f, space, cells, (size_t)o->samples);
        free(cells);
        return st;
    }
    if (space == ARCHLLM_SPACE_CELLS) {
        const archllm_cell *cells;
        size_t n;
        ARCHLLM_TRY(archllm_cells_space_use(&o->cells, &cells, &n));
        return write_cells(f, space, cells, n);
    }
    if (space == ARCHLLM_SPACE_NB201) {
        for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) {
            uint8_t ops[ARCHLLM_NB201_EDGES];
            archllm_cell c;
            ARCHLLM_TRY(archllm_nb201_ops_of_index(ops, i));
            archllm_nb201_to_cell(&c, ops);
            ARCHLLM_TRY(archllm_cell_record_make(&rec, &c, space));
            ARCHLLM_TRY(archllm_jsonl_write_cell(f, &rec));
        }
        return ARCHLLM_OK;
    }
    archllm_nb101_space s;
    ARCHLLM_TRY(archllm_nb101_space_cached(&s, 1)); /* always enumerate afresh; refresh the cache */
    archllm_status st = ARCHLLM_OK;
    for (size_t i = 0; i < s.n && st == ARCHLLM_OK; i++) {
        /* the digest is already computed: fill the record by hand instead of rehashing */
        memset(&rec, 0, sizeof rec);
        rec.space = space;
        rec.cell = s.cells[i];
        rec.index = -1;
        archllm_digest_hex(rec.hash, s.digests[i]);
        st = archllm_jsonl_write_cell(f, &rec);
    }
    archllm_nb101_space_free(&s);
    return st;
}

static int parse_number(const char *opt, const char *text, long long lo, long long hi, long long *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(text, &end, 10);
    if (!*text || *end || errno || x < lo || x > hi)
        return cli_error(CLI_EXIT_USAGE, "dataset: %s: '%s' is not an integer in %lld..%lld", opt, text, lo, hi);
    *v = x;
    return CLI_EXIT_OK;
}

int cmd_dataset(int argc, char **argv)
{
    const char *space_name = NULL, *out = NULL;
    space_opts o = {DARTS_DEFAULT_SAMPLES, 1234, {NULL, "", 0}};
    int given_darts = 0, given_cells = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int value_opt = strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--samples") == 0 ||
                        strcmp(a, "--seed") == 0 || strcmp(a, "--cells") == 0 || strcmp(a, "--ops") == 0 ||
                        strcmp(a, "--max-edges") == 0;
        if (value_opt && i + 1 >= argc) return cli_error(CLI_EXIT_USAGE, "dataset: %s needs a value", a);
        long long v;
        if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
            out = argv[++i];
        } else if (strcmp(a, "--samples") == 0) {
            if (parse_number(a, argv[++i], 1, 10000000, &v)) return CLI_EXIT_USAGE;
            o.samples = v, given_darts = 1;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_number(a, argv[++i], 0, INT64_MAX, &v)) return CLI_EXIT_USAGE;
            o.seed = (unsigned long long)v, given_darts = 1;
        } else if (strcmp(a, "--cells") == 0) {
            o.cells.path = argv[++i], given_cells = 1;
        } else if (strcmp(a, "--ops") == 0) {
            o.cells.ops = argv[++i], given_cells = 1;
        } else if (strcmp(a, "--max-edges") == 0) {
            if (parse_number(a, argv[++i], 0, 1000, &v)) return CLI_EXIT_USAGE;
            o.cells.max_edges = (int)v, given_cells = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_error(CLI_EXIT_USAGE, "dataset: unknown option '%s' (see 'archllm help dataset')", argv[i]);
        } else if (!space_name) {
            space_name = argv[i];
        } else {
            return cli_error(CLI_EXIT_USAGE, "dataset: unexpected argument '%s'", argv[i]);
        }
    }
    if (!space_name)
        return cli_error(CLI_EXIT_USAGE, "dataset: name a space, nb101, nb201, darts or cells (see 'archllm help dataset')");
    archllm_space space;
    if (strcmp(space_name, "nb101") == 0) space = ARCHLLM_SPACE_NB101;
    else if (strcmp(space_name, "nb201") == 0) space = ARCHLLM_SPACE_NB201;
    else if (strcmp(space_name, "darts") == 0) space = ARCHLLM_SPACE_DARTS;
    else if (strcmp(space_name, "cells") == 0) space = ARCHLLM_SPACE_CELLS;
    else return cli_error(CLI_EXIT_USAGE, "dataset: unknown space '%s' (nb101, nb201, darts or cells)", space_name);
    if (given_darts && space != ARCHLLM_SPACE_DARTS)
        return cli_error(CLI_EXIT_USAGE, "dataset: --samples and --seed are for darts");
    if (given_cells && space != ARCHLLM_SPACE_CELLS)
        return cli_error(CLI_EXIT_USAGE, "dataset: --cells, --ops and --max-edges are for cells");
    if (space == ARCHLLM_SPACE_CELLS && !o.cells.path)
        return cli_error(CLI_EXIT_USAGE, "dataset: cells needs --cells FILE.jsonl");

    if (!out || strcmp(out, "-") == 0) {
        archllm_status st = write_space(stdout, space, &o);
        if (st == ARCHLLM_OK && fflush(stdout) != 0) st = archllm_fail(ARCHLLM_EIO, "stdout: %s", strerror(errno));
        return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "dataset");
    }
    /* write beside the target and rename, so a failed run leaves no half file */
    archllm_atomic_file af;
    archllm_status st = archllm_atomic_open(&af, out);
    if (st != ARCHLLM_OK) return cli_status(st, "dataset");
    static char buf[1 << 16];
    setvbuf(af.f, buf, _IOFBF, sizeof buf);
    st = write_space(af.f, space, &o);
    if (st != ARCHLLM_OK) archllm_atomic_abort(&af);
    else st = archllm_atomic_commit(&af);
    return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "dataset");
}
