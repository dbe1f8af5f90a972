/* cells.c - a user's cell space from JSON Lines: loading with file:line errors, the
 * validity rules, the NB101-hash key, and the process-wide current space; see cells.h. */
#include "nas/cells.h"
#include "nas/hashset.h"
#include "util/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int op_index(const archllm_cells_space *sp, const char *name)
{
    for (int k = 0; k < sp->n_ops; k++)
        if (strcmp(sp->op_names[k], name) == 0) return k;
    return -1;
}

static archllm_status add_op(archllm_cells_space *sp, const char *name, size_t len)
{
    if (len == 0 || len >= ARCHLLM_CELLS_NAME_MAX)
        return archllm_fail(ARCHLLM_EFORMAT, "op name of %zu chars (1..%d allowed)", len, ARCHLLM_CELLS_NAME_MAX - 1);
    if ((len == 5 && memcmp(name, "input", 5) == 0) || (len == 6 && memcmp(name, "output", 6) == 0))
        return archllm_fail(ARCHLLM_EFORMAT, "'%.*s' is the name of an end vertex, not an op", (int)len, name);
    if (sp->n_ops == ARCHLLM_CELLS_MAX_OPS)
        return archllm_fail(ARCHLLM_EFORMAT, "more than %d distinct ops", ARCHLLM_CELLS_MAX_OPS);
    memcpy(sp->op_names[sp->n_ops], name, len);
    sp->op_names[sp->n_ops][len] = '\0';
    sp->n_ops++;
    return ARCHLLM_OK;
}

archllm_status archllm_cells_check(archllm_cell *pruned, const archllm_cells_space *sp, const archllm_cell *c)
{
    for (int v = 0; v < c->nv; v++)
        if (c->adj[v] & ((2u << v) - 1u))
            return archllm_fail(ARCHLLM_EFORMAT, "matrix is not strictly upper triangular (row %d)", v);
    if (c->nv < 2 || c->ops[0] != ARCHLLM_LABEL_INPUT || c->ops[c->nv - 1] != ARCHLLM_LABEL_OUTPUT)
        return archllm_fail(ARCHLLM_EFORMAT, "the first vertex must be input and the last output");
    if (c->nv > sp->max_v)
        return archllm_fail(ARCHLLM_EFORMAT, "%d vertices (the space has at most %d)", c->nv, sp->max_v);
    archllm_cell p;
    ARCHLLM_TRY(archllm_cell_prune(&p, c)); /* "input and output are not connected" */
    int e = archllm_cell_edges(&p);
    if (e > sp->max_edges)
        return archllm_fail(ARCHLLM_EFORMAT, "%d edges after pruning (at most %d)", e, sp->max_edges);
    for (int v = 1; v < p.nv - 1; v++)
        if (p.ops[v] < 0 || p.ops[v] >= sp->n_ops || !((sp->allowed >> p.ops[v]) & 1u))
            return archllm_fail(ARCHLLM_EFORMAT, "vertex %d has op label %d, not an allowed op", v, p.ops[v]);
    if (pruned) *pruned = p;
    return ARCHLLM_OK;
}

archllm_status archllm_cells_digest(uint8_t digest[16], const archllm_cells_space *sp, const archllm_cell *c)
{
    archllm_cell p;
    ARCHLLM_TRY(archllm_cells_check(&p, sp, c));
    archllm_cell_hash(NULL, digest, &p);
    return ARCHLLM_OK;
}

/* One line into a cell; ops not yet in sp join it unless fixed (an allowed-ops list). */
static archllm_status parse_line(archllm_cell *out, int *edges, archllm_cells_space *sp, int fixed, const char *line,
                                 size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) return archllm_fail(ARCHLLM_EFORMAT, "JSON error at column %d: %s", jerr.column, jerr.text);
    archllm_status s = ARCHLLM_OK;
    json_t *adj = json_object_get(root, "module_adjacency"), *ops = json_object_get(root, "module_operations");
    size_t nv = json_array_size(adj);
    int matrix[ARCHLLM_CELL_MAX_V * ARCHLLM_CELL_MAX_V], labels[ARCHLLM_CELL_MAX_V];
    if (!json_is_object(root)) s = archllm_fail(ARCHLLM_EFORMAT, "a cell line must be a JSON object");
    else if (!json_is_array(adj)) s = archllm_fail(ARCHLLM_EFORMAT, "module_adjacency: missing or not a list");
    else if (!json_is_array(ops)) s = archllm_fail(ARCHLLM_EFORMAT, "module_operations: missing or not a list");
    else if (nv < 2 || nv > ARCHLLM_CELL_MAX_V)
        s = archllm_fail(ARCHLLM_EFORMAT, "module_adjacency: %zu vertices; archllm is built for 2..%d "
                         "(ARCHLLM_CELL_MAX_V in src/nas/cell.h)", nv, ARCHLLM_CELL_MAX_V);
    else if (json_array_size(ops) != nv)
        s = archllm_fail(ARCHLLM_EFORMAT, "module_operations has %zu names for %zu vertices", json_array_size(ops), nv);
    for (size_t v = 0; s == ARCHLLM_OK && v < nv; v++) {
        json_t *row = json_array_get(adj, v);
        if (!json_is_array(row) || json_array_size(row) != nv) {
            s = archllm_fail(ARCHLLM_EFORMAT, "module_adjacency: row %zu is not a list of %zu", v, nv);
            break;
        }
        for (size_t w = 0; w < nv && s == ARCHLLM_OK; w++) {
            json_t *x = json_array_get(row, w);
            if (!json_is_integer(x) || (json_integer_value(x) != 0 && json_integer_value(x) != 1))
                s = archllm_fail(ARCHLLM_EFORMAT, "module_adjacency[%zu][%zu] is not 0 or 1", v, w);
            else matrix[v * nv + w] = (int)json_integer_value(x);
        }
    }
    for (size_t v = 0; s == ARCHLLM_OK && v < nv; v++) {
        json_t *o = json_array_get(ops, v);
        const char *name = json_string_value(o);
        if (!name) {
            s = archllm_fail(ARCHLLM_EFORMAT, "module_operations[%zu] is not a string", v);
            break;
        }
        int end = v == 0 ? ARCHLLM_LABEL_INPUT : v == nv - 1 ? ARCHLLM_LABEL_OUTPUT : 0;
        if (end) {
            if (strcmp(name, end == ARCHLLM_LABEL_INPUT ? "input" : "output") != 0)
                s = archllm_fail(ARCHLLM_EFORMAT, "module_operations[%zu] is '%.64s'; the %s vertex must be '%s'", v,
                                 name, end == ARCHLLM_LABEL_INPUT ? "first" : "last",
                                 end == ARCHLLM_LABEL_INPUT ? "input" : "output");
            labels[v] = end;
            continue;
        }
        int k = op_index(sp, name);
        if (k < 0 && fixed)
            s = archllm_fail(ARCHLLM_EFORMAT, "module_operations[%zu]: '%.64s' is not in data.cells_ops", v, name);
        else if (k < 0 && (s = add_op(sp, name, strlen(name))) == ARCHLLM_OK) k = sp->n_ops - 1;
        if (s != ARCHLLM_OK && !fixed) archllm_fail_prefix(s, "module_operations[%zu]", v);
        labels[v] = k;
    }
    json_decref(root);
    if (s == ARCHLLM_OK) s = archllm_cell_from_matrix(out, matrix, labels, (int)nv);
    if (s == ARCHLLM_OK) {
        archllm_cell p;
        s = archllm_cell_prune(&p, out);
        if (s == ARCHLLM_OK) *edges = archllm_cell_edges(&p);
    }
    return s;
}

static archllm_status parse_ops(archllm_cells_space *sp, const char *list)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && p[0] == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        char name[ARCHLLM_CELLS_NAME_MAX];
        if (len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
            if (op_index(sp, name) >= 0) return archllm_fail(ARCHLLM_ECONFIG, "data.cells_ops: '%s' twice", name);
        }
        archllm_status s = add_op(sp, p, len);
        if (s != ARCHLLM_OK) return archllm_fail_prefix(ARCHLLM_ECONFIG, "data.cells_ops");
        if (!e) break;
        p = e + 1;
    }
    return ARCHLLM_OK;
}

archllm_status archllm_cells_load(archllm_cells_space *sp, archllm_cell **cells_out, size_t *n_out,
                                  size_t *duplicates, const archllm_cells_source *src)
{
    memset(sp, 0, sizeof *sp);
    *cells_out = NULL;
    *n_out = 0;
    if (duplicates) *duplicates = 0;
    int fixed = src->ops && src->ops[0];
    if (fixed) ARCHLLM_TRY(parse_ops(sp, src->ops));
    FILE *f = fopen(src->path, "r");
    if (!f) return archllm_fail(ARCHLLM_EIO, "%s: %s", src->path, strerror(errno));
    archllm_cell *cells = NULL;
    int *line_of = NULL, *edges_of = NULL;
    size_t n = 0, cap = 0, lcap = 0, dups = 0;
    char *line = NULL;
    ssize_t len;
    long lineno = 0;
    archllm_status s = ARCHLLM_OK;
    archllm_hashset *seen = NULL;
    if ((s = archllm_hashset_init(&seen, 1024)) != ARCHLLM_OK) goto out;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        size_t l = (size_t)len;
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t')) l--;
        if (l == 0) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            archllm_cell *nx = realloc(cells, nc * sizeof *cells);
            int *nl = realloc(line_of, nc * sizeof *nl), *ne = nl ? realloc(edges_of, nc * sizeof *ne) : NULL;
            if (nx) cells = nx;
            if (nl) line_of = nl;
            if (ne) edges_of = ne;
            if (!nx || !nl || !ne) {
                s = archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", src->path);
                goto out;
            }
            cap = nc;
        }
        s = parse_line(&cells[n], &edges_of[n], sp, fixed, line, l);
        if (s != ARCHLLM_OK) {
            archllm_fail_prefix(s, "%s:%ld", src->path, lineno);
            goto out;
        }
        line_of[n] = (int)lineno;
        n++;
    }
    if (ferror(f)) {
        s = archllm_fail(ARCHLLM_EIO, "%s: read error", src->path);
        goto out;
    }
    if (n == 0) {
        s = archllm_fail(ARCHLLM_EFORMAT, "%s: no cells", src->path);
        goto out;
    }
    /* the space the file defines, then every cell checked against it */
    sp->allowed = sp->n_ops >= 32 ? 0xffffffffu : (1u << sp->n_ops) - 1u;
    sp->max_v = 0;
    int most = 0;
    for (size_t i = 0; i < n; i++) {
        if (cells[i].nv > sp->max_v) sp->max_v = cells[i].nv;
        if (edges_of[i] > most) most = edges_of[i];
    }
    sp->max_edges = src->max_edges > 0 ? src->max_edges : most;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t d[16];
        int added;
        s = archllm_cells_digest(d, sp, &cells[i]);
        if (s == ARCHLLM_OK) s = archllm_hashset_put(seen, d, (uint32_t)k, &added);
        if (s != ARCHLLM_OK) {
            archllm_fail_prefix(s, "%s:%d", src->path, line_of[i]);
            goto out;
        }
        if (added) cells[k++] = cells[i];
        else dups++;
    }
    n = k;
out:
    free(line);
    free(line_of);
    free(edges_of);
    archllm_hashset_free(seen);
    fclose(f);
    if (s != ARCHLLM_OK) {
        free(cells);
        return s;
    }
    *cells_out = cells;
    *n_out = n;
    if (duplicates) *duplicates = dups;
    return ARCHLLM_OK;
}

/* ---- the current space ---- */

static struct {
    int                 loaded;
    char                path[4096], ops[1024];
    int                 max_edges;
    archllm_cells_space sp;
    archllm_cell       *cells;
    size_t              n;
} current;

archllm_status archllm_cells_space_use(const archllm_cells_source *src, const archllm_cell **cells, size_t *n)
{
    const char *ops = src->ops ? src->ops : "";
    if (!(current.loaded && strcmp(current.path, src->path) == 0 && strcmp(current.ops, ops) == 0 &&
          current.max_edges == src->max_edges)) {
        if (strlen(src->path) >= sizeof current.path || strlen(ops) >= sizeof current.ops)
            return archllm_fail(ARCHLLM_EINVAL, "cells: path or op list too long");
        archllm_cells_space sp;
        archllm_cell *c;
        size_t k;
        ARCHLLM_TRY(archllm_cells_load(&sp, &c, &k, NULL, src));
        free(current.cells);
        current.sp = sp;
        current.cells = c;
        current.n = k;
        snprintf(current.path, sizeof current.path, "%s", src->path);
        snprintf(current.ops, sizeof current.ops, "%s", ops);
        current.max_edges = src->max_edges;
        current.loaded = 1;
    }
    if (cells) *cells = current.cells;
    if (n) *n = current.n;
    return ARCHLLM_OK;
}

const archllm_cells_space *archllm_cells_space_current(void)
{
    return current.loaded ? &current.sp : NULL;
}

const char *archllm_cells_op_name(int label)
{
    if (!current.loaded || label < 0 || label >= current.sp.n_ops) return "?";
    return current.sp.op_names[label];
}
