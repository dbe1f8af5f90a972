/* nb201_table.c - CSV reader for NAS-Bench-201 accuracy tables.
 * A deliberately small CSV subset: comma separators, no quoting (arch strings hold no
 * commas), LF or CRLF line ends, empty numeric cells read as NaN. */
#include "nas/nb201_table.h"
#include "util/error.h"
#include "util/fileio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct archllm_nb201_table {
    int     ncols;          /* numeric columns */
    char  **colnames;       /* (ncols) */
    int     nrows, cap;
    int32_t row_of[ARCHLLM_NB201_SIZE]; /* index -> row, -1 when absent */
    double *values;         /* (nrows, ncols) in file order */
};

#define MAX_FIELDS 256

/* Split one line [p, end) into fields in place-free form (start/len pairs). */
static int split_fields(const char *p, const char *end, const char **start, size_t *len)
{
    int n = 0;
    for (;;) {
        const char *q = p;
        while (q < end && *q != ',') q++;
        if (n == MAX_FIELDS) return -1;
        start[n] = p;
        len[n] = (size_t)(q - p);
        n++;
        if (q == end) break;
        p = q + 1;
    }
    return n;
}

void archllm_nb201_table_free(archllm_nb201_table *t)
{
    if (!t) return;
    for (int i = 0; i < t->ncols; i++) free(t->colnames[i]);
    free(t->colnames);
    free(t->values);
    free(t);
}

archllm_status archllm_nb201_table_parse(archllm_nb201_table **out, const char *text, size_t len, const char *name)
{
    *out = NULL;
    archllm_nb201_table *t = calloc(1, sizeof *t);
    if (!t) return archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", name);
    for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) t->row_of[i] = -1;
    const char *start[MAX_FIELDS];
    size_t flen[MAX_FIELDS];
    int colmap[MAX_FIELDS]; /* field -> numeric column, -1 index, -2 arch_str */
    int nfields = 0, icol = -1, acol = -1;
    const char *p = text, *end = text + len;
    archllm_status st = ARCHLLM_OK;
    int line = 0;
    while (p < end) {
        line++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol ? eol + 1 : end;
        if (!eol) eol = end;
        if (eol > p && eol[-1] == '\r') eol--;
        if (memchr(p, '\0', (size_t)(eol - p))) {
            st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: NUL byte in CSV", name, line);
            goto fail;
        }
        if (eol == p && line > 1) { /* blank line */
            p = next;
            continue;
        }
        int n = split_fields(p, eol, start, flen);
        if (n < 0) {
            st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: more than %d fields", name, line, MAX_FIELDS);
            goto fail;
        }
        if (line == 1) {
            nfields = n;
            int ncols = 0;
            for (int i = 0; i < n; i++) {
                if (flen[i] == 5 && memcmp(start[i], "index", 5) == 0 && icol < 0) { icol = i; colmap[i] = -1; }
                else if (flen[i] == 8 && memcmp(start[i], "arch_str", 8) == 0 && acol < 0) { acol = i; colmap[i] = -2; }
                else colmap[i] = ncols++;
            }
            if (icol < 0 || acol < 0) {
                st = archllm_fail(ARCHLLM_EFORMAT, "%s:1: header must have 'index' and 'arch_str' columns", name);
                goto fail;
            }
            t->colnames = calloc((size_t)(ncols ? ncols : 1), sizeof *t->colnames);
            if (!t->colnames) {
                st = archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", name);
                goto fail;
            }
            for (int i = 0; i < n; i++) {
                if (colmap[i] < 0) continue;
                char *s = strndup(start[i], flen[i]);
                if (!s) {
                    st = archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", name);
                    goto fail;
                }
                t->colnames[t->ncols++] = s;
            }
            p = next;
            continue;
        }
        if (n != nfields) {
            st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: %d fields, the header has %d", name, line, n, nfields);
            goto fail;
        }
        char buf[ARCHLLM_NB201_STR_MAX];
        if (flen[icol] == 0 || flen[icol] > 6) {
            st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: bad index '%.*s'", name, line, (int)(flen[icol] > 20 ? 20 : flen[icol]),
                              start[icol]);
            goto fail;
        }
        int index = 0;
        for (size_t k = 0; k < flen[icol]; k++) {
            char c = start[icol][k];
            if (c < '0' || c > '9') {
                st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: bad index '%.*s'", name, line, (int)flen[icol], start[icol]);
                goto fail;
            }
            index = index * 10 + (c - '0');
        }
        if (index >= ARCHLLM_NB201_SIZE) {
            st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: index %d out of range", name, line, index);
            goto fail;
        }
        if (t->row_of[index] >= 0) {
            st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: index %d appears twice", name, line, index);
            goto fail;
        }
        if (flen[acol] >= sizeof buf) {
            st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: arch string too long", name, line);
            goto fail;
        }
        memcpy(buf, start[acol], flen[acol]);
        buf[flen[acol]] = '\0';
        if (t->nrows == t->cap) {
            int cap = t->cap ? t->cap * 2 : 256;
            double *nv = realloc(t->values, (size_t)cap * (size_t)(t->ncols ? t->ncols : 1) * sizeof *nv);
            if (!nv) {
                st = archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", name);
                goto fail;
            }
            t->values = nv;
            t->cap = cap;
        }
        double *row = t->values + (size_t)t->nrows * (size_t)t->ncols;
        for (int k = 0; k < t->ncols; k++) row[k] = NAN;
        uint8_t ops[ARCHLLM_NB201_EDGES], want[ARCHLLM_NB201_EDGES];
        st = archllm_nb201_parse(ops, buf);
        if (st != ARCHLLM_OK) {
            archllm_fail_prefix(st, "%s:%d", name, line);
            goto fail;
        }
        archllm_nb201_ops_of_index(want, index);
        if (memcmp(ops, want, sizeof ops) != 0) {
            st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: arch string is not that of index %d in the official order",
                              name, line, index);
            goto fail;
        }
        for (int i = 0; i < n; i++) {
            if (colmap[i] < 0 || flen[i] == 0) continue;
            char num[64];
            if (flen[i] >= sizeof num) {
                st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: field %d is not a number", name, line, i + 1);
                goto fail;
            }
            memcpy(num, start[i], flen[i]);
            num[flen[i]] = '\0';
            char *e;
            errno = 0;
            double v = strtod(num, &e);
            if (*e != '\0' || e == num) {
                st = archllm_fail(ARCHLLM_EFORMAT, "%s:%d: field %d ('%s') is not a number", name, line, i + 1, num);
                goto fail;
            }
            row[colmap[i]] = v;
        }
        t->row_of[index] = t->nrows++;
        p = next;
    }
    if (line == 0) {
        st = archllm_fail(ARCHLLM_EFORMAT, "%s: empty CSV", name);
        goto fail;
    }
    *out = t;
    return ARCHLLM_OK;
fail:
    archllm_nb201_table_free(t);
    return st;
}

archllm_status archllm_nb201_table_load(archllm_nb201_table **out, const char *path)
{
    *out = NULL;
    char *buf;
    size_t len;
    archllm_status st = archllm_read_file(path, &buf, &len);
    if (st != ARCHLLM_OK) return st;
    st = archllm_nb201_table_parse(out, buf, len, path);
    free(buf);
    return st;
}

int archllm_nb201_table_ncols(const archllm_nb201_table *t) { return t->ncols; }
int archllm_nb201_table_nrows(const archllm_nb201_table *t) { return t->nrows; }

const char *archllm_nb201_table_colname(const archllm_nb201_table *t, int col)
{
    return (col >= 0 && col < t->ncols) ? t->colnames[col] : NULL;
}

int archllm_nb201_table_column(const archllm_nb201_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->colnames[i], name) == 0) return i;
    return -1;
}

int archllm_nb201_table_has(const archllm_nb201_table *t, int index)
{
    return index >= 0 && index < ARCHLLM_NB201_SIZE && t->row_of[index] >= 0;
}

double archllm_nb201_table_get(const archllm_nb201_table *t, int index, int col)
{
    if (!archllm_nb201_table_has(t, index) || col < 0 || col >= t->ncols) return NAN;
    return t->values[(size_t)t->row_of[index] * (size_t)t->ncols + (size_t)col];
}

archllm_status archllm_nb201_table_find_arch(int *index, const archllm_nb201_table *t, const char *arch)
{
    uint8_t ops[ARCHLLM_NB201_EDGES];
    ARCHLLM_TRY(archllm_nb201_parse(ops, arch));
    int i = archllm_nb201_index_of_ops(ops);
    if (!archllm_nb201_table_has(t, i))
        return archllm_fail(ARCHLLM_ENOTFOUND, "NB201 table has no row for index %d", i);
    *index = i;
    return ARCHLLM_OK;
}
