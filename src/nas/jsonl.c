/* jsonl.c - JSON Lines reader (jansson) and writer (plain stdio: 423,624 lines are
 * written in well under a second that way) for cells with nasbench field names. */
#include "nas/jsonl.h"
#include "nas/cells.h"
#include "nas/darts.h"
#include "util/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

const char *archllm_space_op_name(archllm_space space, int label)
{
    if (space == ARCHLLM_SPACE_DARTS) {
        if (label == ARCHLLM_LABEL_INPUT) return "c_{k-2}";
        if (label == ARCHLLM_LABEL_INPUT1) return "c_{k-1}";
        if (label == ARCHLLM_LABEL_OUTPUT) return "output";
        return (label >= 0 && label < ARCHLLM_DARTS_NUM_OPS) ? archllm_darts_op_names[label] : "?";
    }
    if (label == ARCHLLM_LABEL_INPUT) return "input";
    if (label == ARCHLLM_LABEL_OUTPUT) return "output";
    if (space == ARCHLLM_SPACE_CELLS) return archllm_cells_op_name(label);
    if (space == ARCHLLM_SPACE_NB201)
        return (label >= 0 && label < ARCHLLM_NB201_NUM_OPS) ? archllm_nb201_op_names[label] : "?";
    return (label >= 0 && label < ARCHLLM_NB101_NUM_OPS) ? archllm_nb101_op_names[label] : "?";
}

#define UNKNOWN_OP (-100)

/* label and space of a name: space 0 for input/output (fits both) */
static int label_of(const char *s, archllm_space *space)
{
    *space = 0;
    if (strcmp(s, "c_{k-2}") == 0 || strcmp(s, "c_{k-1}") == 0) {
        *space = ARCHLLM_SPACE_DARTS;
        return strcmp(s, "c_{k-2}") == 0 ? ARCHLLM_LABEL_INPUT : ARCHLLM_LABEL_INPUT1;
    }
    if (strcmp(s, "input") == 0) return ARCHLLM_LABEL_INPUT;
    if (strcmp(s, "output") == 0) return ARCHLLM_LABEL_OUTPUT;
    for (int i = 0; i < ARCHLLM_NB101_NUM_OPS; i++)
        if (strcmp(s, archllm_nb101_op_names[i]) == 0) {
            *space = ARCHLLM_SPACE_NB101;
            return i;
        }
    for (int i = 0; i < ARCHLLM_NB201_NUM_OPS; i++)
        if (strcmp(s, archllm_nb201_op_names[i]) == 0) {
            *space = ARCHLLM_SPACE_NB201;
            return i;
        }
    return UNKNOWN_OP;
}

static archllm_status bad(json_t *root, const char *msg)
{
    json_decref(root);
    return archllm_fail(ARCHLLM_EFORMAT, "%s", msg);
}

archllm_status archllm_jsonl_parse_cell(archllm_cell_record *out, const char *line, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) return archllm_fail(ARCHLLM_EFORMAT, "JSON error at column %d: %s", jerr.column, jerr.text);
    if (!json_is_object(root)) return bad(root, "a cell line must be a JSON object");
    memset(out, 0, sizeof *out);
    out->index = -1;
    json_t *adj = json_object_get(root, "module_adjacency"), *ops = json_object_get(root, "module_operations");
    if (!json_is_array(adj) || !json_is_array(ops))
        return bad(root, "missing module_adjacency or module_operations list");
    size_t nv = json_array_size(adj);
    if (nv < 1 || nv > ARCHLLM_CELL_MAX_V) {
        json_decref(root);
        return archllm_fail(ARCHLLM_EFORMAT, "module_adjacency has %zu rows (1..%d allowed)", nv, ARCHLLM_CELL_MAX_V);
    }
    if (json_array_size(ops) != nv) return bad(root, "module_operations and module_adjacency differ in length");
    int matrix[ARCHLLM_CELL_MAX_V * ARCHLLM_CELL_MAX_V], labels[ARCHLLM_CELL_MAX_V];
    for (size_t v = 0; v < nv; v++) {
        json_t *row = json_array_get(adj, v);
        if (!json_is_array(row) || json_array_size(row) != nv)
            return bad(root, "module_adjacency is not a square list of lists");
        for (size_t w = 0; w < nv; w++) {
            json_t *x = json_array_get(row, w);
            if (!json_is_integer(x) || (json_integer_value(x) != 0 && json_integer_value(x) != 1))
                return bad(root, "module_adjacency entries must be 0 or 1");
            matrix[v * nv + w] = (int)json_integer_value(x);
        }
    }
    archllm_space space = 0;
    int darts = json_is_string(json_array_get(ops, 0)) && strcmp(json_string_value(json_array_get(ops, 0)), "c_{k-2}") == 0;
    for (size_t v = 0; v < nv; v++) {
        json_t *o = json_array_get(ops, v);
        if (!json_is_string(o)) return bad(root, "module_operations entries must be strings");
        archllm_space s;
        labels[v] = label_of(json_string_value(o), &s);
        if (darts) { /* DARTS lines use DARTS names, two of which NB201 shares */
            s = ARCHLLM_SPACE_DARTS;
            if (labels[v] >= 0) labels[v] = UNKNOWN_OP;
            for (int k = 0; k < ARCHLLM_DARTS_NUM_OPS; k++)
                if (strcmp(json_string_value(o), archllm_darts_op_names[k]) == 0) labels[v] = k;
        }
        if (labels[v] == UNKNOWN_OP) {
            archllm_fail(ARCHLLM_EFORMAT, "unknown operation '%.64s'", json_string_value(o));
            json_decref(root);
            return ARCHLLM_EFORMAT;
        }
        if (s && space && s != space) return bad(root, "module_operations mixes the names of two spaces");
        if (s) space = s;
    }
    out->space = space ? space : ARCHLLM_SPACE_NB101;
    archllm_status st = archllm_cell_from_matrix(&out->cell, matrix, labels, (int)nv);
    if (st != ARCHLLM_OK) {
        json_decref(root);
        return st;
    }
    json_t *h = json_object_get(root, "hash");
    if (h) {
        uint8_t d[16];
        if (!json_is_string(h) || json_string_length(h) != 32 ||
            archllm_digest_parse(d, json_string_value(h)) != ARCHLLM_OK)
            return bad(root, "hash must be 32 lowercase hex chars");
        memcpy(out->hash, json_string_value(h), 33);
    }
    json_t *ji = json_object_get(root, "index"), *ja = json_object_get(root, "arch_str");
    if (ji) {
        if (!json_is_integer(ji) || json_integer_value(ji) < 0 || json_integer_value(ji) >= ARCHLLM_NB201_SIZE)
            return bad(root, "index must be an integer in 0..15624");
        out->index = (int)json_integer_value(ji);
    }
    if (ja) {
        if (!json_is_string(ja) || json_string_length(ja) >= ARCHLLM_NB201_STR_MAX)
            return bad(root, "arch_str must be a short string");
        memcpy(out->arch_str, json_string_value(ja), json_string_length(ja) + 1);
    }
    json_decref(root);
    if ((ji || ja) && out->space != ARCHLLM_SPACE_NB201)
        return archllm_fail(ARCHLLM_EFORMAT, "index and arch_str belong only on NB201 lines");
    if (ji || ja) {
        uint8_t cell_ops[ARCHLLM_NB201_EDGES], other[ARCHLLM_NB201_EDGES];
        ARCHLLM_TRY(archllm_nb201_from_cell(cell_ops, &out->cell));
        if (ja) {
            ARCHLLM_TRY(archllm_nb201_parse(other, out->arch_str));
            if (memcmp(other, cell_ops, sizeof other))
                return archllm_fail(ARCHLLM_EFORMAT, "arch_str does not match module_operations");
        }
        if (ji && archllm_nb201_index_of_ops(cell_ops) != out->index)
            return archllm_fail(ARCHLLM_EFORMAT, "index %d does not match module_operations", out->index);
    }
    return ARCHLLM_OK;
}

archllm_status archllm_jsonl_write_cell(FILE *f, const archllm_cell_record *r)
{
    const archllm_cell *c = &r->cell;
    fputc('{', f);
    if (r->index >= 0) fprintf(f, "\"index\": %d, ", r->index);
    if (r->arch_str[0]) fprintf(f, "\"arch_str\": \"%s\", ", r->arch_str);
    if (r->hash[0]) fprintf(f, "\"hash\": \"%s\", ", r->hash);
    archllm_darts_genotype g;
    if (r->space == ARCHLLM_SPACE_DARTS && archllm_darts_from_cell(&g, c) == ARCHLLM_OK) {
        char text[ARCHLLM_DARTS_STR_MAX];
        archllm_darts_format(text, &g);
        fprintf(f, "\"genotype\": \"%s\", ", text);
    }
    fputs("\"module_adjacency\": [", f);
    for (int v = 0; v < c->nv; v++) {
        fputs(v ? ", [" : "[", f);
        for (int w = 0; w < c->nv; w++) {
            if (w) fputs(", ", f);
            fputc('0' + ((c->adj[v] >> w) & 1), f);
        }
        fputc(']', f);
    }
    fputs("], \"module_operations\": [", f);
    for (int v = 0; v < c->nv; v++) fprintf(f, "%s\"%s\"", v ? ", " : "", archllm_space_op_name(r->space, c->ops[v]));
    fputs("]}\n", f);
    if (ferror(f)) return archllm_fail(ARCHLLM_EIO, "write error: %s", strerror(errno));
    return ARCHLLM_OK;
}

archllm_status archllm_jsonl_read_cells(archllm_cell_record **out, size_t *n, FILE *f, const char *name)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0, count = 0, lcap = 0;
    archllm_cell_record *recs = NULL;
    char *line = NULL;
    ssize_t len;
    long lineno = 0;
    archllm_status st = ARCHLLM_OK;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        size_t l = (size_t)len;
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t')) l--;
        if (l == 0) continue;
        if (count == cap) {
            size_t nc = cap ? cap * 2 : 256;
            archllm_cell_record *nr = realloc(recs, nc * sizeof *nr);
            if (!nr) {
                st = archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", name);
                break;
            }
            recs = nr;
            cap = nc;
        }
        st = archllm_jsonl_parse_cell(&recs[count], line, l);
        if (st != ARCHLLM_OK) {
            archllm_fail_prefix(st, "%s:%ld", name, lineno);
            break;
        }
        count++;
    }
    free(line);
    if (st == ARCHLLM_OK && ferror(f)) st = archllm_fail(ARCHLLM_EIO, "%s: read error", name);
    if (st != ARCHLLM_OK) {
        free(recs);
        return st;
    }
    *out = recs;
    *n = count;
    return ARCHLLM_OK;
}

archllm_status archllm_jsonl_load_cells(archllm_cell_record **out, size_t *n, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        *out = NULL;
        *n = 0;
        return archllm_fail(ARCHLLM_EIO, "%s: %s", path, strerror(errno));
    }
    archllm_status st = archllm_jsonl_read_cells(out, n, f, path);
    fclose(f);
    return st;
}

archllm_status archllm_cell_record_make(archllm_cell_record *out, const archllm_cell *c, archllm_space space)
{
    memset(out, 0, sizeof *out);
    out->space = space;
    out->cell = *c;
    out->index = -1;
    if (space == ARCHLLM_SPACE_NB201) {
        uint8_t ops[ARCHLLM_NB201_EDGES];
        ARCHLLM_TRY(archllm_nb201_from_cell(ops, c));
        out->index = archllm_nb201_index_of_ops(ops);
        archllm_nb201_format(out->arch_str, ops);
    }
    if (space == ARCHLLM_SPACE_DARTS) {
        archllm_darts_genotype g;
        ARCHLLM_TRY(archllm_darts_from_cell(&g, c));
        archllm_darts_hash(out->hash, NULL, &g);
        return ARCHLLM_OK;
    }
    if (space == ARCHLLM_SPACE_CELLS) {
        uint8_t d[16];
        const archllm_cells_space *cs = archllm_cells_space_current();
        if (!cs) return archllm_fail(ARCHLLM_EINVAL, "no cells space is loaded (data.cells)");
        ARCHLLM_TRY(archllm_cells_digest(d, cs, c));
        archllm_digest_hex(out->hash, d);
        return ARCHLLM_OK;
    }
    archllm_cell_hash(out->hash, NULL, c);
    return ARCHLLM_OK;
}
