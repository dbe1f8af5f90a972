/* test_nb201.c - NAS-Bench-201: index order against every row of data/nb201_accuracy.csv,
 * arch-string round trips and rejects, the 8-node DAG form (validity, distinct hashes),
 * the table loader's lookups and its errors on malformed CSV. */
#include "nas/nb201_table.h"
#include "testutil.h"

#include <math.h>

static void test_csv_order(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        test_failures++;
        return;
    }
    char line[4096];
    int rows = 0;
    CHECK(fgets(line, sizeof line, f) != NULL); /* header */
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL, *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
        CHECK(c1 && c2 && c3);
        if (!(c1 && c2 && c3)) break;
        *c1 = *c2 = *c3 = '\0';
        int index = atoi(line);
        CHECK(index == rows);
        uint8_t ops[6], back[6];
        char s[ARCHLLM_NB201_STR_MAX];
        CHECK_OK(archllm_nb201_ops_of_index(ops, index));
        archllm_nb201_format(s, ops);
        if (strcmp(s, c1 + 1) != 0) {
            fprintf(stderr, "index %d: got %s, CSV has %s\n", index, s, c1 + 1);
            test_failures++;
        }
        for (int e = 0; e < 6; e++) CHECK(c2[1 + e] == '0' + ops[e]); /* edge_ops column */
        CHECK_OK(archllm_nb201_parse(back, c1 + 1));
        CHECK(memcmp(back, ops, 6) == 0);
        CHECK(archllm_nb201_index_of_ops(ops) == index);
        rows++;
    }
    fclose(f);
    CHECK(rows == ARCHLLM_NB201_SIZE);
}

static int cmp_hash(const void *a, const void *b) { return memcmp(a, b, 33); }

static void test_dag_form(void)
{
    static char hashes[ARCHLLM_NB201_SIZE][33];
    for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) {
        uint8_t ops[6], back[6];
        archllm_nb201_ops_of_index(ops, i);
        archllm_cell c;
        archllm_nb201_to_cell(&c, ops);
        CHECK(c.nv == 8 && archllm_cell_edges(&c) == 10);
        CHECK_OK(archllm_nb201_from_cell(back, &c));
        CHECK(memcmp(back, ops, 6) == 0);
        archllm_nb201_hash(hashes[i], ops);
    }
    qsort(hashes, ARCHLLM_NB201_SIZE, 33, cmp_hash);
    int dup = 0;
    for (int i = 1; i < ARCHLLM_NB201_SIZE; i++) dup += strcmp(hashes[i - 1], hashes[i]) == 0;
    CHECK(dup == 0);

    uint8_t ops[6] = {3, 3, 3, 1, 3, 2}, back[6];
    archllm_cell c;
    archllm_nb201_to_cell(&c, ops);
    archllm_cell bad = c;
    bad.nv = 7;
    CHECK_FAILS(archllm_nb201_from_cell(back, &bad));
    bad = c;
    bad.adj[1] |= 1u << 6;
    CHECK_FAILS(archllm_nb201_from_cell(back, &bad));
    bad = c;
    bad.ops[3] = 5;
    CHECK_FAILS(archllm_nb201_from_cell(back, &bad));
    bad = c;
    bad.ops[0] = 0;
    CHECK_FAILS(archllm_nb201_from_cell(back, &bad));
}

static void test_bad_strings(void)
{
    static const char *bad[] = {
        "",
        "|",
        "|none~0|",
        "|none~0|+|none~0|none~1|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|x",
        "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~3|",
        "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~0||none~0|none~1|+|none~0|none~1|none~2|",
        "none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2",
        "|none0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|nonenone~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    };
    uint8_t ops[6];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK_FAILS(archllm_nb201_parse(ops, bad[i]));
    CHECK_FAILS(archllm_nb201_ops_of_index(ops, -1));
    CHECK_FAILS(archllm_nb201_ops_of_index(ops, ARCHLLM_NB201_SIZE));
}

static void test_table(const char *path)
{
    archllm_nb201_table *t = NULL;
    CHECK_OK(archllm_nb201_table_load(&t, path));
    if (!t) return;
    CHECK(archllm_nb201_table_nrows(t) == ARCHLLM_NB201_SIZE);
    int cv = archllm_nb201_table_column(t, "c10valid_xvalid_200"), ct = archllm_nb201_table_column(t, "c10_oritest_200");
    int c100 = archllm_nb201_table_column(t, "c100_xtest_200_nats");
    CHECK(cv >= 0 && ct >= 0 && c100 >= 0);
    CHECK(archllm_nb201_table_column(t, "no_such_column") == -1);
    /* the paper's optimum (SPACES.md / data README spot checks) */
    CHECK(fabs(archllm_nb201_table_get(t, 6111, cv) - 91.6067) < 1e-3);
    CHECK(fabs(archllm_nb201_table_get(t, 6111, ct) - 94.3733) < 1e-3);
    CHECK(fabs(archllm_nb201_table_get(t, 0, c100) - 52.9133) < 1e-3);
    int best = -1;
    double bv = -1;
    for (int i = 0; i < ARCHLLM_NB201_SIZE; i++)
        if (archllm_nb201_table_get(t, i, ct) > bv) bv = archllm_nb201_table_get(t, i, ct), best = i;
    CHECK(best == 6111);
    int idx = -1;
    CHECK_OK(archllm_nb201_table_find_arch(&idx, t,
             "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"));
    CHECK(idx == 6111);
    CHECK_FAILS(archllm_nb201_table_find_arch(&idx, t, "|bad|"));
    CHECK(isnan(archllm_nb201_table_get(t, -1, cv)));
    CHECK(isnan(archllm_nb201_table_get(t, 0, 999)));
    archllm_nb201_table_free(t);

    CHECK_FAILS(archllm_nb201_table_load(&t, "/nonexistent/nb201.csv"));
    CHECK(t == NULL);
    static const char *bad[] = {
        "",
        "\n",
        "index,acc\n0,1\n",
        "arch_str,acc\n|avg_pool_3x3~0|,1\n",
        "index,arch_str,acc\n0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|\n",
        "index,arch_str,acc\n0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,x\n",
        "index,arch_str,acc\n0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,1,2\n",
        "index,arch_str,acc\n1,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,1\n",
        "index,arch_str,acc\n15625,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,1\n",
        "index,arch_str,acc\n-1,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,1\n",
        "index,arch_str,acc\n0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,1\n"
        "0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,1\n",
        "index,arch_str,acc\n0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,1e\n",
        "index,arch_str,acc\n,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_FAILS(archllm_nb201_table_parse(&t, bad[i], strlen(bad[i]), "bad.csv"));
        CHECK(t == NULL);
    }
    /* CRLF, empty cells as NaN, a partial table */
    const char *ok = "index,arch_str,acc,other\r\n"
                     "0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,81.5,\r\n";
    CHECK_OK(archllm_nb201_table_parse(&t, ok, strlen(ok), "ok.csv"));
    if (t) {
        CHECK(archllm_nb201_table_nrows(t) == 1 && archllm_nb201_table_has(t, 0) && !archllm_nb201_table_has(t, 1));
        CHECK(archllm_nb201_table_get(t, 0, 0) == 81.5 && isnan(archllm_nb201_table_get(t, 0, 1)));
        CHECK(archllm_nb201_table_find_arch(&idx, t,
              "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|") ==
              ARCHLLM_ENOTFOUND);
        archllm_nb201_table_free(t);
    }
}

int main(void)
{
    char path[4096];
    test_data_path(path, sizeof path, "nb201_accuracy.csv");
    test_csv_order(path);
    test_dag_form();
    test_bad_strings();
    test_table(path);
    return test_done("test_nb201");
}
