/* test_cells.c - a user's cell space (cells.h) on the made-up space of
 * tests/fixtures/cells/space.jsonl: vocabulary and size from the file, duplicates dropped
 * by the NB101 hash, each validity rule broken once, the current space behind
 * ARCHLLM_SPACE_CELLS, and bad files rejected with FILE:LINE: messages. */
#include "nas/cells.h"
#include "nas/dataset.h"
#include "search/genmetrics.h"
#include "testutil.h"

#include <unistd.h>

static char tmpdir[] = "/tmp/archllm-test-cells-XXXXXX";

/* Writes text to a file in tmpdir; returns its path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        test_failures++;
        return path;
    }
    fputs(text, f);
    fclose(f);
    return path;
}

#define CELL_IN_CONV_OUT "{\"module_adjacency\": [[0,1,0],[0,0,1],[0,0,0]], \"module_operations\": [\"input\",\"conv\",\"output\"]}\n"

/* The load must fail with "PATH:LINE: " (line 0: "PATH: ") and the message must contain want. */
static void expect_bad(const char *name, const char *text, const char *ops, int max_edges, int line, const char *want)
{
    const char *path = write_file(name, text);
    archllm_cells_space sp;
    archllm_cell *cells = NULL;
    size_t n;
    archllm_cells_source src = {path, ops, max_edges};
    archllm_error_clear();
    archllm_status s = archllm_cells_load(&sp, &cells, &n, NULL, &src);
    char prefix[300];
    if (line > 0) snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
    else snprintf(prefix, sizeof prefix, "%s: ", path); /* about the whole file */
    const char *msg = archllm_last_error();
    if (s == ARCHLLM_OK || strncmp(msg, prefix, strlen(prefix)) != 0 || !strstr(msg, want)) {
        fprintf(stderr, "%s: expected '%s...%s', got %d '%s'\n", name, prefix, want, (int)s, msg);
        test_failures++;
    }
    free(cells);
}

static void test_bad_files(void)
{
    expect_bad("json.jsonl", CELL_IN_CONV_OUT "\n{\"module_adjacency\": [[0,1],[0,0]], \n", "", 0, 3, "JSON error");
    expect_bad("noadj.jsonl", "{\"module_operations\": [\"input\",\"output\"]}\n", "", 0, 1, "module_adjacency");
    expect_bad("square.jsonl", CELL_IN_CONV_OUT "{\"module_adjacency\": [[0,1,0],[0,0],[0,0,0]], "
               "\"module_operations\": [\"input\",\"conv\",\"output\"]}\n", "", 0, 2, "row 1");
    expect_bad("entry.jsonl", "{\"module_adjacency\": [[0,2],[0,0]], \"module_operations\": [\"input\",\"output\"]}\n",
               "", 0, 1, "not 0 or 1");
    expect_bad("lower.jsonl", "{\"module_adjacency\": [[0,1,0],[0,0,1],[1,0,0]], "
               "\"module_operations\": [\"input\",\"conv\",\"output\"]}\n", "", 0, 1, "upper triangular");
    expect_bad("ends.jsonl", "{\"module_adjacency\": [[0,1,0],[0,0,1],[0,0,0]], "
               "\"module_operations\": [\"conv\",\"conv\",\"output\"]}\n", "", 0, 1, "must be 'input'");
    expect_bad("count.jsonl", CELL_IN_CONV_OUT "{\"module_adjacency\": [[0,1,0],[0,0,1],[0,0,0]], "
               "\"module_operations\": [\"input\",\"output\"]}\n", "", 0, 2, "2 names for 3 vertices");
    expect_bad("disconnected.jsonl", "{\"module_adjacency\": [[0,1,0],[0,0,0],[0,0,0]], "
               "\"module_operations\": [\"input\",\"conv\",\"output\"]}\n", "", 0, 1, "not connected");
    /* 12 vertices: beyond the compiled maximum */
    char big[4096];
    size_t k = (size_t)snprintf(big, sizeof big, "%s{\"module_adjacency\": [", CELL_IN_CONV_OUT);
    for (int v = 0; v < 12; v++) {
        k += (size_t)snprintf(big + k, sizeof big - k, "%s[", v ? "," : "");
        for (int w = 0; w < 12; w++) k += (size_t)snprintf(big + k, sizeof big - k, "%s%d", w ? "," : "", w == v + 1);
        k += (size_t)snprintf(big + k, sizeof big - k, "]");
    }
    k += (size_t)snprintf(big + k, sizeof big - k, "], \"module_operations\": [\"input\"");
    for (int v = 1; v < 11; v++) k += (size_t)snprintf(big + k, sizeof big - k, ",\"conv\"");
    snprintf(big + k, sizeof big - k, ",\"output\"]}\n");
    expect_bad("big.jsonl", big, "", 0, 2, "ARCHLLM_CELL_MAX_V");
    /* an op outside data.cells_ops; more edges than the limit */
    expect_bad("ops.jsonl", CELL_IN_CONV_OUT CELL_IN_CONV_OUT, "pool", 0, 1, "not in data.cells_ops");
    expect_bad("edges.jsonl", CELL_IN_CONV_OUT "{\"module_adjacency\": [[0,1,1],[0,0,1],[0,0,0]], "
               "\"module_operations\": [\"input\",\"conv\",\"output\"]}\n", "", 2, 2, "3 edges after pruning");
    expect_bad("empty.jsonl", "\n\n", "", 0, 0, "no cells");
}

static void test_fixture(void)
{
    char path[4096];
    const char *src_dir = getenv("ARCHLLM_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/fixtures/cells/space.jsonl", src_dir && src_dir[0] ? src_dir : ".");
    archllm_cells_space sp;
    archllm_cell *cells;
    size_t n, dups;
    archllm_cells_source src = {path, "", 0};
    CHECK_OK(archllm_cells_load(&sp, &cells, &n, &dups, &src));
    if (test_failures) return;
    CHECK(sp.n_ops == 3 && strcmp(sp.op_names[0], "conv") == 0 && strcmp(sp.op_names[1], "pool") == 0 &&
          strcmp(sp.op_names[2], "id") == 0);
    CHECK(sp.max_v == 5 && sp.max_edges == 6 && sp.allowed == 7u);
    CHECK(n + dups == 600 && dups > 0); /* the file keeps isomorphic duplicates */
    /* distinct hashes, equal to the NB101 hash of the pruned cell */
    archllm_hashset *seen;
    CHECK_OK(archllm_hashset_init(&seen, n));
    for (size_t i = 0; i < n; i++) {
        uint8_t d[16], d2[16];
        int added;
        CHECK_OK(archllm_cells_digest(d, &sp, &cells[i]));
        archllm_cell p;
        CHECK_OK(archllm_cell_prune(&p, &cells[i]));
        archllm_cell_hash(NULL, d2, &p);
        CHECK(memcmp(d, d2, 16) == 0);
        CHECK_OK(archllm_hashset_put(seen, d, (uint32_t)i, &added));
        CHECK(added);
    }
    archllm_hashset_free(seen);

    /* each rule broken once */
    archllm_cell c = cells[0], x; /* input -> conv -> conv -> conv -> output */
    x = c, x.adj[3] |= 1u << 1;
    CHECK_FAILS(archllm_cells_check(NULL, &sp, &x)); /* not upper triangular */
    x = c, x.ops[4] = 0;
    CHECK_FAILS(archllm_cells_check(NULL, &sp, &x)); /* last vertex not output */
    x = c, x.adj[1] = 0;
    CHECK_FAILS(archllm_cells_check(NULL, &sp, &x)); /* input and output not connected */
    x = c, x.ops[2] = 3;
    CHECK_FAILS(archllm_cells_check(NULL, &sp, &x)); /* op label beyond the vocabulary */
    x = c, x.adj[0] = 0x1e, x.adj[1] = 0x1c, x.adj[2] = 0x18; /* 7 edges > 6 */
    CHECK_FAILS(archllm_cells_check(NULL, &sp, &x));
    x = c, x.nv = 6, x.ops[5] = ARCHLLM_LABEL_OUTPUT, x.ops[4] = 0, x.adj[4] = 1u << 5;
    CHECK_FAILS(archllm_cells_check(NULL, &sp, &x)); /* more vertices than the file's cells */
    archllm_cells_space only_conv = sp;
    only_conv.allowed = 1u;
    x = c, x.ops[2] = 1;
    CHECK_OK(archllm_cells_check(NULL, &sp, &x));
    CHECK_FAILS(archllm_cells_check(NULL, &only_conv, &x)); /* pool not allowed */
    /* a dangling vertex is pruned away before the checks, as in nasbench */
    x = c, x.adj[0] |= 1u << 4, x.adj[3] = 0, x.adj[2] = 1u << 4;
    archllm_cell p;
    CHECK_OK(archllm_cells_check(&p, &sp, &x));
    CHECK(p.nv == 4);
    free(cells);

    /* the current space behind ARCHLLM_SPACE_CELLS */
    const archllm_cell *cur;
    size_t m;
    CHECK_OK(archllm_cells_space_use(&src, &cur, &m));
    CHECK(m == n && archllm_space_max_v(ARCHLLM_SPACE_CELLS) == 5 && archllm_space_num_ops(ARCHLLM_SPACE_CELLS) == 5);
    CHECK(strcmp(archllm_cells_op_name(2), "id") == 0 && strcmp(archllm_space_name(ARCHLLM_SPACE_CELLS), "cells") == 0);
    uint8_t d[16];
    CHECK_OK(archllm_space_cell_digest(d, ARCHLLM_SPACE_CELLS, &cur[0]));
    x = cur[0], x.adj[1] = 0;
    CHECK_FAILS(archllm_space_cell_digest(d, ARCHLLM_SPACE_CELLS, &x));
    archllm_dataset ds;
    CHECK_OK(archllm_dataset_build(&ds, ARCHLLM_SPACE_CELLS, cur, m));
    for (size_t i = 0; i < m; i++) {
        archllm_cell back;
        CHECK_OK(archllm_dataset_cell(&back, &ds, i));
        CHECK(memcmp(&back, &cur[i], sizeof back) == 0);
    }
    archllm_dataset_free(&ds);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_bad_files();
    test_fixture();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_done("test_cells");
}
