/* test_darts.c - the DARTS space: one broken cell per validity rule (genotype and DAG
 * form, each checked for the rule it names), genotype <-> DAG and Genotype text round
 * trips (DARTS_V2 from the DARTS repository among them), the canonical hash (equal
 * under input order and node renumbering, distinct otherwise), seeded distinct sampling. */
#include "nas/darts.h"
#include "nas/hashset.h"
#include "testutil.h"

/* DARTS_V2's normal cell, as genotypes.py of the DARTS repository writes it. */
static const char *const darts_v2 =
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

/* The failure must name the rule. */
#define CHECK_RULE(expr, name)                                                             \
    do {                                                                                   \
        archllm_error_clear();                                                             \
        archllm_status s_ = (expr);                                                        \
        if (s_ != ARCHLLM_EFORMAT || !strstr(archllm_last_error(), "rule '" name "'")) {   \
            fprintf(stderr, "%s:%d: expected rule '%s' from %s, got %d '%s'\n", __FILE__, \
                    __LINE__, name, #expr, (int)s_, archllm_last_error());                 \
            test_failures++;                                                               \
        }                                                                                  \
    } while (0)

static archllm_darts_genotype example(void)
{
    archllm_darts_genotype g = {{3, 3, 3, 3, 3, 2, 2, 5}, {0, 1, 0, 1, 1, 0, 0, 2}}; /* DARTS_V2 normal */
    return g;
}

static void test_text(void)
{
    archllm_darts_genotype g, back;
    int differs = -1;
    CHECK_OK(archllm_darts_parse(&g, &differs, darts_v2));
    archllm_darts_genotype v2 = example();
    CHECK(memcmp(&g, &v2, sizeof g) == 0);
    CHECK(differs == 1);
    char s[ARCHLLM_DARTS_STR_MAX], s2[ARCHLLM_DARTS_STR_MAX];
    archllm_darts_format(s, &g);
    CHECK(strncmp(s, darts_v2, strlen("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)")) == 0);
    CHECK_OK(archllm_darts_parse(&back, &differs, s));
    CHECK(memcmp(&g, &back, sizeof g) == 0 && differs == 0);
    archllm_darts_format(s2, &back);
    CHECK(strcmp(s, s2) == 0);
    /* DARTS's own spelling of generated genotypes: range(2, 6), double quotes, other spacing */
    const char *alt = "Genotype( normal = [(\"sep_conv_3x3\",0),('sep_conv_3x3',1),('sep_conv_3x3',0),('sep_conv_3x3',1),"
                      "('sep_conv_3x3',1),('skip_connect',0),('skip_connect',0),('dil_conv_3x3',2)], normal_concat=range(2, 6),"
                      " reduce=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
                      "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
                      "reduce_concat=range(2, 6))\n";
    CHECK_OK(archllm_darts_parse(&back, &differs, alt));
    CHECK(memcmp(&g, &back, sizeof g) == 0 && differs == 0);
    /* random genotypes round-trip through text and the DAG form */
    archllm_rng r;
    archllm_rng_seed(&r, 7, 1);
    for (int i = 0; i < 2000; i++) {
        archllm_darts_genotype x, y, z;
        archllm_cell c;
        archllm_darts_sample(&x, &r);
        CHECK_OK(archllm_darts_check(&x));
        archllm_darts_format(s, &x);
        CHECK_OK(archllm_darts_parse(&y, NULL, s));
        CHECK(memcmp(&x, &y, sizeof x) == 0);
        archllm_darts_to_cell(&c, &x);
        CHECK_OK(archllm_darts_from_cell(&z, &c));
        CHECK(memcmp(&x, &z, sizeof x) == 0);
    }
    /* text errors */
    char bad[ARCHLLM_DARTS_STR_MAX + 8];
    archllm_darts_format(s, &g);
    snprintf(bad, sizeof bad, "%s", s);
    memcpy(strstr(bad, "sep_conv_3x3"), "sep_conv_7x7", 12);
    CHECK_FAILS(archllm_darts_parse(&back, NULL, bad));
    snprintf(bad, sizeof bad, "%s", s);
    memcpy(strstr(bad, "normal_concat=[2, 3, 4, 5]"), "normal_concat=[2, 3, 4, 4]", 26);
    CHECK_FAILS(archllm_darts_parse(&back, NULL, bad));
    snprintf(bad, sizeof bad, "%s x", s);
    CHECK_FAILS(archllm_darts_parse(&back, NULL, bad));
    CHECK_FAILS(archllm_darts_parse(&back, NULL, "Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2, 3, 4, 5])"));
    CHECK_FAILS(archllm_darts_parse(&back, NULL, "Genotype(normal=[('none', 0)"));
    /* rules broken in text: a node taking one node twice, a later source */
    snprintf(bad, sizeof bad, "%s", s);
    memcpy(strstr(bad, "('sep_conv_3x3', 1)"), "('sep_conv_3x3', 0)", 19);
    CHECK_RULE(archllm_darts_parse(&back, NULL, bad), "distinct inputs");
    snprintf(bad, sizeof bad, "%s", s);
    memcpy(strstr(bad, "('sep_conv_3x3', 1)"), "('sep_conv_3x3', 2)", 19);
    CHECK_RULE(archllm_darts_parse(&back, NULL, bad), "source earlier");
}

static void test_rules(void)
{
    archllm_darts_genotype g = example(), x;
    archllm_cell ok, c;
    archllm_darts_to_cell(&ok, &g);
    CHECK_OK(archllm_darts_from_cell(&x, &ok));

    /* genotype rules */
    x = g, x.op[3] = 7;
    CHECK_RULE(archllm_darts_check(&x), "op");
    x = g, x.in[2] = 3; /* node 3 (edges 2, 3) may take nodes 0..2 */
    CHECK_RULE(archllm_darts_check(&x), "source earlier");
    x = g, x.in[1] = 0;
    CHECK_RULE(archllm_darts_check(&x), "distinct inputs");

    /* DAG-form rules, each with one broken cell */
    c = ok, c.nv = 10;
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "node count");
    c = ok, c.ops[1] = ARCHLLM_LABEL_INPUT;
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "labels");
    c = ok, c.ops[10] = 3;
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "labels");
    c = ok, c.ops[4] = 7;
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "op");
    c = ok, c.ops[4] = ARCHLLM_LABEL_OUTPUT;
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "op");
    c = ok, c.adj[5] |= 1u << 2; /* a back edge */
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "upper triangular");
    c = ok, c.adj[3] |= 1u << 3; /* a self loop */
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "upper triangular");
    c = ok, c.adj[0] |= 1u << 1;
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "input edges");
    c = ok, c.adj[1] |= 1u << 10;
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "output edges");
    c = ok, c.adj[6] &= (uint16_t)~(1u << 10);
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "output edges");
    c = ok, c.adj[0] |= 1u << 9; /* edge node 9 (from node 2) also fed by c_{k-2} */
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "one source");
    c = ok, c.adj[2] &= (uint16_t)~(1u << 9); /* only one of node 2's two edge nodes feeds it */
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "one source");
    c = ok, c.adj[0] &= (uint16_t)~(1u << 2); /* edge node 2 fed by nothing */
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "one source");
    c = ok, c.adj[1] &= (uint16_t)~(1u << 3), c.adj[0] |= 1u << 3; /* node 2 takes c_{k-2} twice */
    CHECK_RULE(archllm_darts_from_cell(&x, &c), "distinct inputs");
}

static void test_hash(void)
{
    archllm_darts_genotype g = example(), x, cg, cx;
    uint8_t d1[16], d2[16];
    char h1[33], h2[33];
    archllm_darts_hash(h1, d1, &g);
    /* the two inputs of a node in either order */
    x = g;
    uint8_t t = x.in[4]; x.in[4] = x.in[5], x.in[5] = t;
    t = x.op[4]; x.op[4] = x.op[5], x.op[5] = t;
    archllm_darts_hash(h2, d2, &x);
    CHECK(strcmp(h1, h2) == 0 && memcmp(d1, d2, 16) == 0);
    /* nodes 2 and 3 of DARTS_V2 take only the cell inputs: swapping them is the same cell */
    x = g;
    for (int k = 0; k < 2; k++) {
        t = x.in[k]; x.in[k] = x.in[2 + k], x.in[2 + k] = t;
        t = x.op[k]; x.op[k] = x.op[2 + k], x.op[2 + k] = t;
    }
    x.in[7] = 3; /* node 5 took node 2, now numbered 3 */
    archllm_darts_hash(h2, NULL, &x);
    CHECK(strcmp(h1, h2) == 0);
    archllm_darts_canonical(&cg, &g);
    archllm_darts_canonical(&cx, &x);
    CHECK(memcmp(&cg, &cx, sizeof cg) == 0);
    CHECK_OK(archllm_darts_check(&cg));
    /* one op changed: another cell */
    x = g, x.op[7] = 0;
    archllm_darts_hash(h2, NULL, &x);
    CHECK(strcmp(h1, h2) != 0);
    /* another source: another cell */
    x = g, x.in[7] = 1;
    archllm_darts_hash(h2, NULL, &x);
    CHECK(strcmp(h1, h2) != 0);

    /* random genotypes: the canonical form is a fixed point, keeps the hash, and a
     * random renumbering of independent nodes plus input swaps keeps the class */
    archllm_rng r;
    archllm_rng_seed(&r, 11, 2);
    for (int i = 0; i < 5000; i++) {
        archllm_darts_sample(&x, &r);
        archllm_darts_canonical(&cx, &x);
        archllm_darts_genotype cc;
        archllm_darts_canonical(&cc, &cx);
        CHECK(memcmp(&cc, &cx, sizeof cc) == 0);
        archllm_darts_hash(h1, NULL, &x);
        archllm_darts_hash(h2, NULL, &cx);
        CHECK(strcmp(h1, h2) == 0);
        archllm_darts_genotype y = x;
        for (int k = 0; k < 4; k++)
            if (archllm_rng_u32(&r) & 1) {
                t = y.in[2 * k]; y.in[2 * k] = y.in[2 * k + 1], y.in[2 * k + 1] = t;
                t = y.op[2 * k]; y.op[2 * k] = y.op[2 * k + 1], y.op[2 * k + 1] = t;
            }
        archllm_darts_hash(h2, NULL, &y);
        CHECK(strcmp(h1, h2) == 0);
    }
}

static void test_sample(void)
{
    enum { N = 3000 };
    archllm_cell *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    CHECK_OK(archllm_darts_sample_distinct(a, N, 42));
    CHECK_OK(archllm_darts_sample_distinct(b, N, 42));
    CHECK(memcmp(a, b, N * sizeof *a) == 0);
    archllm_hashset *seen;
    CHECK_OK(archllm_hashset_init(&seen, N));
    for (int i = 0; i < N; i++) {
        archllm_darts_genotype g, cg;
        uint8_t d[16];
        int added = 0;
        CHECK_OK(archllm_darts_from_cell(&g, &a[i]));
        archllm_darts_canonical(&cg, &g);
        CHECK(memcmp(&g, &cg, sizeof g) == 0); /* stored in canonical form */
        archllm_darts_hash(NULL, d, &g);
        CHECK_OK(archllm_hashset_put(seen, d, (uint32_t)i, &added));
        CHECK(added);
    }
    archllm_hashset_free(seen);
    CHECK_OK(archllm_darts_sample_distinct(b, N, 43));
    CHECK(memcmp(a, b, N * sizeof *a) != 0);
    free(a), free(b);
}

int main(void)
{
    test_text();
    test_rules();
    test_hash();
    test_sample();
    return test_done("test_darts");
}
