/* cmd_show.c - `archllm show CELL [--dot]`: one cell, named by an NB101 hash, an NB201
 * index or arch string, or a DARTS Genotype(...) text, as text or Graphviz DOT, with its
 * accuracies when a table is at hand (NB201: nb201_accuracy.csv; NB101: the official
 * tfrecord; DARTS has none). */
#include "config.h"
#include "cli/cli.h"
#include "nas/darts.h"
#include "nas/nb101.h"
#include "nas/nb101_data.h"
#include "nas/nb201.h"
#include "nas/nb201_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    archllm_space space;
    archllm_cell  cell;
    char          hash[33];
    int           index;                        /* NB201 */
    uint8_t       ops201[ARCHLLM_NB201_EDGES];  /* NB201 */
    char          arch[ARCHLLM_NB201_STR_MAX];  /* NB201 */
    archllm_darts_genotype darts;               /* DARTS */
    int           reduce_differs;               /* DARTS: the text's reduce cell was another */
} shown_cell;

static int is_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

static void fill_nb201(shown_cell *c, const uint8_t ops[ARCHLLM_NB201_EDGES])
{
    c->space = ARCHLLM_SPACE_NB201;
    memcpy(c->ops201, ops, ARCHLLM_NB201_EDGES);
    c->index = archllm_nb201_index_of_ops(ops);
    archllm_nb201_format(c->arch, ops);
    archllm_nb201_to_cell(&c->cell, ops);
    archllm_nb201_hash(c->hash, ops);
}

static archllm_status resolve(shown_cell *c, const char *name)
{
    memset(c, 0, sizeof *c);
    uint8_t ops[ARCHLLM_NB201_EDGES];
    if (strncmp(name, "Genotype", 8) == 0) {
        ARCHLLM_TRY(archllm_darts_parse(&c->darts, &c->reduce_differs, name));
        c->space = ARCHLLM_SPACE_DARTS;
        archllm_darts_to_cell(&c->cell, &c->darts);
        archllm_darts_hash(c->hash, NULL, &c->darts);
        return ARCHLLM_OK;
    }
    if (name[0] == '|') {
        ARCHLLM_TRY(archllm_nb201_parse(ops, name));
        fill_nb201(c, ops);
        return ARCHLLM_OK;
    }
    if (is_digits(name)) {
        if (strlen(name) > 6 || atoi(name) >= ARCHLLM_NB201_SIZE)
            return archllm_fail(ARCHLLM_EINVAL, "NB201 index %s out of range 0..%d", name, ARCHLLM_NB201_SIZE - 1);
        ARCHLLM_TRY(archllm_nb201_ops_of_index(ops, atoi(name)));
        fill_nb201(c, ops);
        return ARCHLLM_OK;
    }
    uint8_t d[16];
    if (strlen(name) != 32 || archllm_digest_parse(d, name) != ARCHLLM_OK)
        return archllm_fail(ARCHLLM_EINVAL,
                            "'%.64s' is not a cell: give a 32-hex NB101 hash, an NB201 index or arch string, or a "
                            "DARTS Genotype(normal=[...], ...) text",
                            name);
    archllm_nb101_space s;
    ARCHLLM_TRY(archllm_nb101_space_cached(&s, 0));
    size_t i;
    archllm_status st = archllm_nb101_find(&i, &s, name);
    if (st == ARCHLLM_OK) {
        c->space = ARCHLLM_SPACE_NB101;
        c->cell = s.cells[i];
        memcpy(c->hash, name, 33);
    }
    archllm_nb101_space_free(&s);
    if (st == ARCHLLM_OK) return st;
    /* NB201 DAG-form hashes are accepted too (what `archllm dataset nb201` writes) */
    for (int k = 0; k < ARCHLLM_NB201_SIZE; k++) {
        char h[33];
        archllm_nb201_ops_of_index(ops, k);
        archllm_nb201_hash(h, ops);
        if (strcmp(h, name) == 0) {
            fill_nb201(c, ops);
            return ARCHLLM_OK;
        }
    }
    return archllm_fail(ARCHLLM_ENOTFOUND, "no NB101 or NB201 cell has hash %s", name);
}

static const char *op_name(archllm_space space, int label)
{
    if (space == ARCHLLM_SPACE_DARTS)
        return label == ARCHLLM_LABEL_INPUT    ? "c_{k-2}"
               : label == ARCHLLM_LABEL_INPUT1 ? "c_{k-1}"
               : label == ARCHLLM_LABEL_OUTPUT ? "output"
                                               : archllm_darts_op_names[label];
    if (label == ARCHLLM_LABEL_INPUT) return "input";
    if (label == ARCHLLM_LABEL_OUTPUT) return "output";
    return space == ARCHLLM_SPACE_NB201 ? archllm_nb201_op_names[label] : archllm_nb101_op_names[label];
}

/* "name value" accuracy lines collected for both outputs */
typedef struct {
    int    n;
    char   name[32][64];
    double value[32];
    char   source[4200];
} accuracies;

/* counts print as integers, accuracies with four decimals */
static const char *fmt_value(char *buf, size_t cap, double v)
{
    if (v == floor(v) && fabs(v) < 1e12) snprintf(buf, cap, "%.0f", v);
    else snprintf(buf, cap, "%.4f", v);
    return buf;
}

static void print_text(const shown_cell *c, const accuracies *acc)
{
    const archllm_cell *g = &c->cell;
    if (c->space == ARCHLLM_SPACE_NB201) {
        printf("space       NAS-Bench-201\nindex       %d\narch_str    %s\nhash        %s  (8-node DAG form)\n",
               c->index, c->arch, c->hash);
        static const char *edge[ARCHLLM_NB201_EDGES] = {"0->1", "0->2", "1->2", "0->3", "1->3", "2->3"};
        printf("edges      ");
        for (int e = 0; e < ARCHLLM_NB201_EDGES; e++)
            printf(" %s %s%s", edge[e], archllm_nb201_op_names[c->ops201[e]], e < 5 ? "," : "\n");
    } else if (c->space == ARCHLLM_SPACE_DARTS) {
        archllm_darts_genotype cg;
        char text[ARCHLLM_DARTS_STR_MAX];
        archllm_darts_canonical(&cg, &c->darts);
        archllm_darts_format(text, &cg);
        printf("space       DARTS (normal cell; 11-node DAG form)\nhash        %s  (canonical form)\n", c->hash);
        printf("nodes      ");
        for (int i = 0; i < ARCHLLM_DARTS_STEPS; i++)
            printf(" %d = %s(%d) + %s(%d)%s", i + 2, archllm_darts_op_names[c->darts.op[2 * i]], c->darts.in[2 * i],
                   archllm_darts_op_names[c->darts.op[2 * i + 1]], c->darts.in[2 * i + 1], i < 3 ? "," : "\n");
        printf("canonical   %s\n", text);
        if (c->reduce_differs) printf("note        the reduce cell differs; archllm models the normal cell only\n");
    } else {
        printf("space       NAS-Bench-101\nhash        %s\nvertices    %d\nedges       %d\n", c->hash, g->nv,
               archllm_cell_edges(g));
    }
    printf("operations ");
    for (int v = 0; v < g->nv; v++) printf(" %s", op_name(c->space, g->ops[v]));
    printf("\nadjacency\n");
    for (int v = 0; v < g->nv; v++) {
        printf("   ");
        for (int w = 0; w < g->nv; w++) printf(" %d", (g->adj[v] >> w) & 1);
        printf("\n");
    }
    if (acc->n) {
        printf("accuracy (%s)\n", acc->source);
        char b[64];
        for (int i = 0; i < acc->n; i++) printf("  %-22s %s\n", acc->name[i], fmt_value(b, sizeof b, acc->value[i]));
    } else {
        printf("accuracy    unknown (%s)\n", acc->source);
    }
}

static void print_dot(const shown_cell *c, const accuracies *acc)
{
    const archllm_cell *g = &c->cell;
    printf("digraph cell {\n  rankdir=TB;\n  node [shape=box, style=rounded];\n");
    if (c->space == ARCHLLM_SPACE_NB201) printf("  label=\"NAS-Bench-201 #%d\\n%s", c->index, c->arch);
    else if (c->space == ARCHLLM_SPACE_DARTS) printf("  label=\"DARTS normal cell %s", c->hash);
    else printf("  label=\"NAS-Bench-101 %s", c->hash);
    char b[64];
    for (int i = 0; i < acc->n; i++) printf("\\n%s %s", acc->name[i], fmt_value(b, sizeof b, acc->value[i]));
    printf("\";\n");
    if (c->space == ARCHLLM_SPACE_NB201) {
        /* the cell itself: feature maps as nodes, ops on the edges ('none' dotted) */
        static const int from[ARCHLLM_NB201_EDGES] = {0, 0, 1, 0, 1, 2}, to[ARCHLLM_NB201_EDGES] = {1, 2, 2, 3, 3, 3};
        printf("  n0 [label=\"0 (input)\"];\n  n1 [label=\"1\"];\n  n2 [label=\"2\"];\n  n3 [label=\"3 (output)\"];\n");
        for (int e = 0; e < ARCHLLM_NB201_EDGES; e++)
            printf("  n%d -> n%d [label=\"%s\"%s];\n", from[e], to[e], archllm_nb201_op_names[c->ops201[e]],
                   c->ops201[e] == 0 ? ", style=dotted" : "");
    } else {
        for (int v = 0; v < g->nv; v++) printf("  v%d [label=\"%s\"];\n", v, op_name(c->space, g->ops[v]));
        for (int v = 0; v < g->nv; v++)
            for (int w = 0; w < g->nv; w++)
                if ((g->adj[v] >> w) & 1) printf("  v%d -> v%d;\n", v, w);
    }
    printf("}\n");
}

int cmd_show(int argc, char **argv)
{
    const char *name = NULL, *table_opt = NULL, *nb101_opt = NULL;
    int dot = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dot") == 0) {
            dot = 1;
        } else if (strcmp(argv[i], "--nb201-table") == 0) {
            if (++i >= argc) return cli_error(CLI_EXIT_USAGE, "show: --nb201-table needs a file");
            table_opt = argv[i];
        } else if (strcmp(argv[i], "--nb101-data") == 0) {
            if (++i >= argc) return cli_error(CLI_EXIT_USAGE, "show: --nb101-data needs a file");
            nb101_opt = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_error(CLI_EXIT_USAGE, "show: unknown option '%s' (see 'archllm help show')", argv[i]);
        } else if (!name) {
            name = argv[i];
        } else {
            return cli_error(CLI_EXIT_USAGE, "show: unexpected argument '%s'", argv[i]);
        }
    }
    if (!name) return cli_error(CLI_EXIT_USAGE, "show: name a cell (see 'archllm help show')");
    shown_cell c;
    archllm_status st = resolve(&c, name);
    if (st == ARCHLLM_EINVAL || st == ARCHLLM_EFORMAT) return cli_error(CLI_EXIT_USAGE, "show: %s", archllm_last_error());
    if (st != ARCHLLM_OK) return cli_status(st, "show");

    accuracies acc;
    memset(&acc, 0, sizeof acc);
    if (c.space == ARCHLLM_SPACE_NB201) {
        char path[4096];
        if (!cli_find_data_file(path, sizeof path, table_opt, "nb201_accuracy.csv")) {
            snprintf(acc.source, sizeof acc.source, "no nb201_accuracy.csv found; use --nb201-table or ARCHLLM_DATA_DIR");
        } else {
            archllm_nb201_table *t;
            st = archllm_nb201_table_load(&t, path);
            if (st != ARCHLLM_OK) return cli_status(st, "show");
            snprintf(acc.source, sizeof acc.source, "%s", path);
            for (int k = 0; k < archllm_nb201_table_ncols(t) && acc.n < 32; k++) {
                double v = archllm_nb201_table_get(t, c.index, k);
                const char *col = archllm_nb201_table_colname(t, k);
                if (isnan(v) || strcmp(col, "edge_ops") == 0) continue;
                snprintf(acc.name[acc.n], sizeof acc.name[0], "%s", col);
                acc.value[acc.n++] = v;
            }
            if (!archllm_nb201_table_has(t, c.index))
                snprintf(acc.source, sizeof acc.source, "%s has no row for index %d", path, c.index);
            archllm_nb201_table_free(t);
        }
    } else if (c.space == ARCHLLM_SPACE_DARTS) {
        snprintf(acc.source, sizeof acc.source, "no DARTS accuracy table exists");
    } else if (nb101_opt) {
        archllm_nb101_data *d;
        st = archllm_nb101_data_load(&d, nb101_opt);
        if (st != ARCHLLM_OK) return cli_status(st, "show");
        const archllm_nb101_stats *s = archllm_nb101_data_find(d, c.hash);
        if (s && s->repeats) {
            snprintf(acc.source, sizeof acc.source, "%s, mean of %d repeats at 108 epochs, in %%", nb101_opt, s->repeats);
            snprintf(acc.name[0], sizeof acc.name[0], "validation");
            acc.value[0] = 100.0 * s->mean_validation;
            snprintf(acc.name[1], sizeof acc.name[1], "test");
            acc.value[1] = 100.0 * s->mean_test;
            snprintf(acc.name[2], sizeof acc.name[2], "trainable_parameters");
            acc.value[2] = s->trainable_parameters;
            acc.n = 3;
        } else {
            snprintf(acc.source, sizeof acc.source, "%s has no 108-epoch record of this hash", nb101_opt);
        }
        archllm_nb101_data_free(d);
    } else {
        snprintf(acc.source, sizeof acc.source, "pass the official tfrecord with --nb101-data");
    }
    if (dot) print_dot(&c, &acc);
    else print_text(&c, &acc);
    return CLI_EXIT_OK;
}
