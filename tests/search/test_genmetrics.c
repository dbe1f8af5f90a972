/* test_genmetrics.c - generation metrics on hand-made lists with known answers, the
 * digest set at NB101 size, the iid limit, the uniform baselines, the JSON/CSV reports,
 * and the SVG / HTML writers (well-formed XML, tables present, text escaped). */
#include "config.h"
#include "testutil.h"
#include "io/report.h"
#include "io/svg.h"
#include "search/baseline.h"
#include "search/genmetrics.h"
#include "nas/nb101.h"
#include "nas/nb201.h"
#include "util/fileio.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <unistd.h>

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

static archllm_cell nb201_cell(int index)
{
    uint8_t ops[ARCHLLM_NB201_EDGES];
    archllm_cell c;
    archllm_nb201_ops_of_index(ops, index);
    archllm_nb201_to_cell(&c, ops);
    return c;
}

static archllm_cell nb101_cell(const char *adj, const char *ops)
{
    archllm_cell c;
    CHECK_OK(archllm_cell_parse_nb101(&c, adj, ops));
    return c;
}

static void test_hashset(void)
{
    archllm_hashset *s;
    CHECK_OK(archllm_hashset_init(&s, 1)); /* grows from 16 slots to NB101 size */
    uint64_t seed = 7;
    int added;
    for (uint32_t i = 0; i < 423624; i++) {
        uint8_t d[16];
        uint64_t a = test_rand(&seed), b = test_rand(&seed);
        memcpy(d, &a, 8);
        memcpy(d + 8, &b, 8);
        CHECK_OK(archllm_hashset_put(s, d, i, &added));
        if (!added) CHECK(!"random digests collided");
    }
    CHECK(archllm_hashset_count(s) == 423624);
    seed = 7;
    size_t found = 0, right = 0;
    for (uint32_t i = 0; i < 423624; i++) {
        uint8_t d[16];
        uint32_t v;
        uint64_t a = test_rand(&seed), b = test_rand(&seed);
        memcpy(d, &a, 8);
        memcpy(d + 8, &b, 8);
        found += archllm_hashset_get(s, d, &v);
        right += v == i;
        CHECK_OK(archllm_hashset_put(s, d, 0, &added)); /* again: not added, value kept */
        if (added) CHECK(!"a repeated digest was added");
    }
    CHECK(found == 423624 && right == 423624);
    CHECK(archllm_hashset_count(s) == 423624);
    uint8_t zero[16] = {0};
    CHECK(!archllm_hashset_contains(s, zero));
    archllm_hashset_clear(s);
    CHECK(archllm_hashset_count(s) == 0);
    archllm_hashset_free(s);
}

/* NB201: A A B x C with training set {B}: 5 generated, 4 valid, 3 unique, 2 novel. */
static void test_metrics_nb201(void)
{
    archllm_cell cells[5] = {nb201_cell(6111), nb201_cell(6111), nb201_cell(0), nb201_cell(1), nb201_cell(42)};
    cells[3].adj[0] = 0; /* input with no out-edges: not the NB201 DAG form */
    archllm_cell train_cells[1] = {nb201_cell(0)};
    archllm_hashset *train;
    CHECK_OK(archllm_train_set_from_cells(&train, ARCHLLM_SPACE_NB201, train_cells, NULL, 1));
    archllm_genmetrics m;
    unsigned flags[5];
    CHECK_OK(archllm_genmetrics_compute(&m, ARCHLLM_SPACE_NB201, cells, 5, train, flags));
    CHECK(m.generated == 5 && m.valid == 4 && m.unique == 3 && m.novel == 2);
    CHECK(NEAR(m.validity, 0.8, 1e-12));
    CHECK(NEAR(m.uniqueness, 0.75, 1e-12));
    CHECK(NEAR(m.novelty, 2.0 / 3.0, 1e-12));
    CHECK(NEAR(m.valid_unique, 0.6, 1e-12));
    CHECK(NEAR(m.valid_unique_novel, 0.4, 1e-12));
    CHECK(flags[0] == (ARCHLLM_GEN_VALID | ARCHLLM_GEN_NEW | ARCHLLM_GEN_NOVEL));
    CHECK(flags[1] == ARCHLLM_GEN_VALID);
    CHECK(flags[2] == (ARCHLLM_GEN_VALID | ARCHLLM_GEN_NEW));
    CHECK(flags[3] == 0);
    CHECK(flags[4] == (ARCHLLM_GEN_VALID | ARCHLLM_GEN_NEW | ARCHLLM_GEN_NOVEL));
    /* without a training set novelty is undefined, not 100% */
    CHECK_OK(archllm_genmetrics_compute(&m, ARCHLLM_SPACE_NB201, cells, 5, NULL, NULL));
    CHECK(isnan(m.novelty) && isnan(m.valid_unique_novel) && m.unique == 3);
    /* nothing generated: ratios are NaN, not a division by zero */
    CHECK_OK(archllm_genmetrics_compute(&m, ARCHLLM_SPACE_NB201, cells, 0, train, NULL));
    CHECK(m.generated == 0 && isnan(m.validity));
    archllm_hashset_free(train);
}

/* NB101: isomorphic forms and dangling vertices count as one cell; invalid cells are
 * disconnected or have > 9 edges after pruning. */
static void test_metrics_nb101(void)
{
    /* the README Inception cell, in the dataset's canonical form and in the README form */
    const char *ops = "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output";
    archllm_cell inc = nb101_cell("0111100"
                                  "0000001"
                                  "0000001"
                                  "0000001"
                                  "0000010"
                                  "0000001"
                                  "0000000",
                                  ops);
    archllm_cell perm; /* swap vertices 1 and 2 (both feed the output) and their ops */
    int p[7] = {0, 2, 1, 3, 4, 5, 6};
    archllm_cell_permute(&perm, &inc, p);
    archllm_cell chain = nb101_cell("010001000", "input,conv3x3-bn-relu,output");
    /* the chain plus a dangling maxpool vertex (in-edge only): prunes to the chain */
    archllm_cell dangling = nb101_cell("0110"
                                       "0001"
                                       "0000"
                                       "0000",
                                       "input,conv3x3-bn-relu,maxpool3x3,output");
    archllm_cell disconnected = nb101_cell("0100"
                                           "0000"
                                           "0001"
                                           "0000",
                                           "input,conv3x3-bn-relu,conv1x1-bn-relu,output");
    archllm_cell dense; /* all 21 edges of 7 vertices: valid graph, but 21 > 9 edges */
    memset(&dense, 0, sizeof dense);
    dense.nv = 7;
    for (int v = 0; v < 7; v++)
        for (int w = v + 1; w < 7; w++) archllm_cell_set_edge(&dense, v, w, 1);
    dense.ops[0] = -1;
    dense.ops[6] = -2;
    archllm_cell cells[6] = {inc, perm, chain, dangling, disconnected, dense};
    archllm_hashset *train;
    CHECK_OK(archllm_train_set_from_cells(&train, ARCHLLM_SPACE_NB101, &chain, NULL, 1));
    archllm_genmetrics m;
    unsigned flags[6];
    CHECK_OK(archllm_genmetrics_compute(&m, ARCHLLM_SPACE_NB101, cells, 6, train, flags));
    CHECK(m.generated == 6 && m.valid == 4 && m.unique == 2 && m.novel == 1);
    CHECK(flags[1] == ARCHLLM_GEN_VALID && flags[3] == ARCHLLM_GEN_VALID);
    CHECK(flags[4] == 0 && flags[5] == 0);
    CHECK(flags[2] == (ARCHLLM_GEN_VALID | ARCHLLM_GEN_NEW));
    uint8_t d[16];
    char hex[33];
    CHECK_OK(archllm_space_cell_digest(d, ARCHLLM_SPACE_NB101, &inc));
    archllm_digest_hex(hex, d);
    CHECK(strcmp(hex, "28cfc7874f6d200472e1a9dcd8650aa0") == 0);
    /* streaming form, as --unique uses it */
    archllm_genmetrics_acc *a;
    CHECK_OK(archllm_genmetrics_acc_init(&a, ARCHLLM_SPACE_NB101, train, 2));
    for (int i = 0; i < 6; i++) CHECK_OK(archllm_genmetrics_add(a, &cells[i], NULL));
    archllm_genmetrics m2;
    archllm_genmetrics_get(&m2, a);
    CHECK(m2.valid == m.valid && m2.unique == m.unique && m2.novel == m.novel);
    archllm_genmetrics_acc_free(a);
    archllm_hashset_free(train);
}

static void test_iid(void)
{
    /* S(1 - e^(-N/S)) / N for S = 15,625 (values from Python's math.exp) */
    CHECK(NEAR(archllm_iid_expected_unique(15625, 1000) / 1000, 0.9686718823323521, 1e-12));
    CHECK(NEAR(archllm_iid_expected_unique(15625, 10000) / 10000, 0.7386055874327366, 1e-12));
    CHECK(NEAR(archllm_iid_expected_unique(423624, 10000) / 10000, 0.9882894075302294, 1e-12));
    CHECK(NEAR(archllm_iid_expected_unique(1e6, 1), 1.0 - 0.5e-6, 1e-9)); /* 1 - 1/(2S) */
}

static void test_baselines(void)
{
    enum { N = 10000 };
    archllm_cell *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    archllm_genmetrics m;
    CHECK_OK(archllm_baseline_sample(a, N, ARCHLLM_SPACE_NB201, ARCHLLM_BASELINE_UNIFORM_SPACE, NULL, 5));
    CHECK_OK(archllm_baseline_sample(b, N, ARCHLLM_SPACE_NB201, ARCHLLM_BASELINE_UNIFORM_SPACE, NULL, 5));
    CHECK(memcmp(a, b, N * sizeof *a) == 0); /* seeded */
    CHECK_OK(archllm_genmetrics_compute(&m, ARCHLLM_SPACE_NB201, a, N, NULL, NULL));
    CHECK(m.validity == 1.0);
    /* distinct count of 10,000 draws from 15,625 has sd ~ 27 cells (0.3 points) */
    CHECK(NEAR(m.valid_unique, m.iid_unique_limit, 0.015));
    CHECK_FAILS(archllm_baseline_sample(a, 10, ARCHLLM_SPACE_NB201, ARCHLLM_BASELINE_RANDOM_GRAPH, NULL, 5));
    CHECK_FAILS(archllm_baseline_sample(a, 10, ARCHLLM_SPACE_NB101, ARCHLLM_BASELINE_UNIFORM_SPACE, NULL, 5));

    /* NB101 random graphs: some valid, many not (half the 21 edges are set on average) */
    CHECK_OK(archllm_baseline_sample(a, N, ARCHLLM_SPACE_NB101, ARCHLLM_BASELINE_RANDOM_GRAPH, NULL, 5));
    CHECK_OK(archllm_genmetrics_compute(&m, ARCHLLM_SPACE_NB101, a, N, NULL, NULL));
    CHECK(m.validity > 0.02 && m.validity < 0.9);

    /* NB101 uniform over the enumerated space (cached by the NB101 tests) */
    archllm_nb101_space s;
    CHECK_OK(archllm_nb101_space_cached(&s, 0));
    if (s.n == ARCHLLM_NB101_SIZE) {
        CHECK_OK(archllm_baseline_sample(a, N, ARCHLLM_SPACE_NB101, ARCHLLM_BASELINE_UNIFORM_SPACE, &s, 5));
        archllm_hashset *train;
        uint32_t half[2] = {0, 1};
        CHECK_OK(archllm_train_set_from_digests(&train, s.digests, half, 2));
        CHECK_OK(archllm_genmetrics_compute(&m, ARCHLLM_SPACE_NB101, a, N, train, NULL));
        CHECK(m.validity == 1.0);
        CHECK(NEAR(m.valid_unique, m.iid_unique_limit, 0.005));
        CHECK(m.novel == m.unique || m.novel + 1 == m.unique || m.novel + 2 == m.unique);
        archllm_hashset_free(train);
        archllm_nb101_space_free(&s);
    }
    free(a);
    free(b);
}

static void test_reports(void)
{
    archllm_genmetrics_record r[2];
    memset(r, 0, sizeof r);
    archllm_cell cells[3] = {nb201_cell(1), nb201_cell(1), nb201_cell(2)};
    snprintf(r[0].method, sizeof r[0].method, "uniform-space");
    r[0].temperature = NAN;
    r[0].seed = 3;
    CHECK_OK(archllm_genmetrics_compute(&r[0].m, ARCHLLM_SPACE_NB201, cells, 3, NULL, NULL));
    r[1] = r[0];
    snprintf(r[1].method, sizeof r[1].method, "archllm");
    r[1].temperature = 0.8;
    const char *json_path = "test_genmetrics.json", *csv_path = "test_genmetrics.csv";
    CHECK_OK(archllm_genmetrics_save_json(json_path, r, 2));
    json_error_t err;
    json_t *root = json_load_file(json_path, 0, &err);
    CHECK(root != NULL);
    json_t *recs = json_object_get(root, "records");
    CHECK(json_array_size(recs) == 2);
    json_t *r0 = json_array_get(recs, 0), *r1 = json_array_get(recs, 1);
    CHECK(json_is_null(json_object_get(r0, "temperature")));
    CHECK(json_is_null(json_object_get(r0, "novelty")));
    CHECK(NEAR(json_real_value(json_object_get(r1, "temperature")), 0.8, 1e-12));
    CHECK(json_integer_value(json_object_get(r0, "unique")) == 2);
    CHECK(NEAR(json_real_value(json_object_get(r0, "valid_unique")), 2.0 / 3.0, 1e-9));
    CHECK(strcmp(json_string_value(json_object_get(r0, "space")), "nb201") == 0);
    json_decref(root);
    CHECK_OK(archllm_genmetrics_save_csv(csv_path, r, 2));
    char *text;
    size_t len;
    CHECK_OK(archllm_read_file(csv_path, &text, &len));
    int lines = 0;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    CHECK(lines == 3);
    CHECK(strncmp(text, "method,space,temperature,seed,generated,valid,unique,novel,", 59) == 0);
    CHECK(strstr(text, "\nuniform-space,nb201,,3,3,3,2,0,1.000000,0.666667,,0.666667,,") != NULL);
    CHECK(strstr(text, "\narchllm,nb201,0.800000,3,") != NULL);
    free(text);
    unlink(json_path);
    unlink(csv_path);
}

/* A minimal XML well-formedness check: balanced, properly nested tags, quoted
 * attributes, entities only &amp; &lt; &gt; &quot; &#NN;.  Enough for what svg.c and
 * report.c write; the HTML check skips the void elements and the DOCTYPE. */
static int xml_ok(const char *s, int html, char *why, size_t cap)
{
    char stack[64][32];
    int depth = 0;
    for (const char *p = s; *p;) {
        if (*p == '&') {
            const char *e = strchr(p, ';');
            if (!e || e - p > 8 ||
                !(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 || strncmp(p, "&gt;", 4) == 0 ||
                  strncmp(p, "&quot;", 6) == 0 || strncmp(p, "&#", 2) == 0)) {
                snprintf(why, cap, "bad entity at '%.12s'", p);
                return 0;
            }
            p = e + 1;
            continue;
        }
        if (*p == '>') {
            snprintf(why, cap, "stray '>' at '%.20s'", p);
            return 0;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        if (html && strncmp(p, "<!DOCTYPE", 9) == 0) {
            p = strchr(p, '>') + 1;
            continue;
        }
        int closing = p[1] == '/';
        const char *n = p + 1 + closing, *ne = n;
        while (*ne && (isalnum((unsigned char)*ne) || *ne == ':' || *ne == '-')) ne++;
        if (ne == n || ne - n >= 32) {
            snprintf(why, cap, "bad tag at '%.20s'", p);
            return 0;
        }
        char name[32];
        memcpy(name, n, (size_t)(ne - n));
        name[ne - n] = 0;
        const char *q = ne;
        int self = 0;
        while (*q && *q != '>') { /* attributes: name="value" */
            if (*q == '"') {
                const char *e = strchr(q + 1, '"');
                if (!e || memchr(q + 1, '<', (size_t)(e - q - 1))) {
                    snprintf(why, cap, "bad attribute in <%s>", name);
                    return 0;
                }
                q = e + 1;
                continue;
            }
            if (*q == '/' && q[1] == '>') self = 1;
            if (*q == '<') {
                snprintf(why, cap, "'<' inside <%s>", name);
                return 0;
            }
            q++;
        }
        if (!*q) {
            snprintf(why, cap, "unterminated <%s>", name);
            return 0;
        }
        p = q + 1;
        int is_void = html && (strcmp(name, "meta") == 0 || strcmp(name, "br") == 0);
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                snprintf(why, cap, "</%s> closes <%s>", name, depth ? stack[depth - 1] : "nothing");
                return 0;
            }
            depth--;
        } else if (!self && !is_void) {
            if (depth == 64) return 0;
            snprintf(stack[depth++], 32, "%s", name);
        }
    }
    if (depth) {
        snprintf(why, cap, "<%s> never closed", stack[depth - 1]);
        return 0;
    }
    return 1;
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++) n++;
    return n;
}

/* The stroke colour and dash pattern of each element starting with tag, in order. */
static int styles(const char *svg, const char *tag, char col[][16], char dash[][24], int cap)
{
    int n = 0;
    for (const char *p = strstr(svg, tag); p && n < cap; p = strstr(p + 1, tag)) {
        const char *end = strchr(p, '>'), *c = strstr(p, " stroke=\""), *d = strstr(p, "stroke-dasharray=\"");
        col[n][0] = dash[n][0] = '\0';
        if (c && c < end) sscanf(c, " stroke=\"%15[^\"]", col[n]);
        if (d && d < end) sscanf(d, "stroke-dasharray=\"%23[^\"]", dash[n]);
        n++;
    }
    return n;
}

/* Every series distinct in colour and dash pattern (the search plots once drew two methods
 * in near-identical colours), neighbours different in both, and the legend drawn alike. */
static void test_svg_styles(void)
{
    enum { NS = 12 };
    double x[3] = {1, 2, 3}, y[NS][3];
    archllm_svg_series s[NS];
    char names[NS][8];
    for (int i = 0; i < NS; i++) {
        for (int k = 0; k < 3; k++) y[i][k] = i + k;
        snprintf(names[i], sizeof names[i], "m%d", i);
        s[i] = (archllm_svg_series){.name = names[i], .x = x, .y = y[i], .n = 3};
    }
    archllm_svg_params p = archllm_svg_default_params();
    char *svg = NULL;
    CHECK_OK(archllm_svg_plot_string(&svg, &p, s, NS));
    if (!svg) return;
    char col[NS + 1][16], dash[NS + 1][24], lcol[NS + 1][16], ldash[NS + 1][24];
    const char *key = strstr(svg, "fill-opacity=\"0.85\""); /* the legend box; its lines follow */
    int n = styles(svg, "<polyline", col, dash, NS + 1), nl = key ? styles(key, "<line x1", lcol, ldash, NS + 1) : 0;
    int same = 0, neighbours = 0, legend = 0, colours = 0;
    for (int i = 0; i < n; i++) {
        colours += col[i][0] == '#';
        for (int j = 0; j < i; j++) same += strcmp(col[i], col[j]) == 0 && strcmp(dash[i], dash[j]) == 0;
        if (i) neighbours += strcmp(col[i], col[i - 1]) == 0 || strcmp(dash[i], dash[i - 1]) == 0;
        legend += i < nl && strcmp(col[i], lcol[i]) == 0 && strcmp(dash[i], ldash[i]) == 0;
    }
    CHECK(n == NS && colours == NS && same == 0 && neighbours == 0,
          "svg: %d series, all distinct in (colour, dash), neighbours differ in both (%d repeats, %d neighbours)", n,
          same, neighbours);
    CHECK(nl == NS && legend == NS, "svg: the legend draws each series' colour and dash (%d of %d)", legend, NS);
    free(svg);
}

static void test_svg_and_report(void)
{
    double x[50], y1[50], y2[50], e[50];
    for (int i = 0; i < 50; i++) {
        x[i] = i + 1;
        y1[i] = 90 + 4 * (1 - exp(-i / 10.0));
        y2[i] = i == 7 ? NAN : 90 + 3 * (1 - exp(-i / 20.0));
        e[i] = 0.3;
    }
    archllm_svg_series s[2] = {{.name = "random <a&b>", .x = x, .y = y1, .err = e, .n = 50},
                               {.name = "evolution", .x = x, .y = y2, .n = 50, .markers = 1}};
    archllm_svg_params p = archllm_svg_default_params();
    p.title = "curves \"quoted\"";
    p.xlabel = "queries";
    p.ylabel = "test accuracy (%)";
    char *svg, why[128] = "";
    CHECK_OK(archllm_svg_plot_string(&svg, &p, s, 2));
    CHECK(xml_ok(svg, 0, why, sizeof why));
    if (why[0]) fprintf(stderr, "svg: %s\n", why);
    CHECK(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
    CHECK(count(svg, "<polyline") == 2 && count(svg, "<polygon") == 1);
    CHECK(count(svg, "<circle") == 49); /* the NaN point is skipped */
    CHECK(strstr(svg, "random &lt;a&amp;b&gt;") && strstr(svg, "curves &quot;quoted&quot;"));
    CHECK(strstr(svg, ">queries</text>") && strstr(svg, ">test accuracy (%)</text>"));
    CHECK(count(svg, "text-anchor=\"end\"") >= 3); /* y ticks */
    CHECK(!strstr(svg, "nan") && !strstr(svg, "inf"));
    archllm_svg_series none = {.name = "empty", .x = x, .y = y1, .n = 0};
    char *bad = NULL;
    CHECK_FAILS(archllm_svg_plot_string(&bad, &p, &none, 1));

    const char *svg_path = "test_genmetrics.svg", *html_path = "test_genmetrics.html";
    CHECK_OK(archllm_svg_plot_save(svg_path, &p, s, 2));
    char *text;
    size_t len;
    CHECK_OK(archllm_read_file(svg_path, &text, &len));
    CHECK(strcmp(text, svg) == 0);
    free(text);
    if (system("command -v xmllint >/dev/null 2>&1") == 0) /* a second opinion where installed */
        CHECK(system("xmllint --noout test_genmetrics.svg") == 0);

    archllm_report *r;
    CHECK_OK(archllm_report_init(&r, "archllm <report>"));
    archllm_report_heading(r, "Generation");
    archllm_report_paragraph(r, "N = 10,000 & T = 1.0");
    const char *hdr[3] = {"method", "validity", "uniqueness"};
    const char *cells[6] = {"uniform-space", "100.00%", "74.12%", "archllm <t5>", "99.5%", "91.0 \xc2\xb1 0.3"};
    archllm_report_table(r, "Generation metrics", 3, hdr, 2, cells);
    archllm_report_svg(r, "search curves", svg);
    CHECK_OK(archllm_report_save(r, html_path));
    archllm_report_free(r);
    CHECK_OK(archllm_read_file(html_path, &text, &len));
    why[0] = 0;
    CHECK(xml_ok(text, 1, why, sizeof why));
    if (why[0]) fprintf(stderr, "html: %s\n", why);
    CHECK(strncmp(text, "<!DOCTYPE html>", 15) == 0);
    CHECK(strstr(text, "<title>archllm &lt;report&gt;</title>"));
    CHECK(strstr(text, "<caption>Generation metrics</caption>"));
    CHECK(strstr(text, "<th>method</th><th>validity</th><th>uniqueness</th>"));
    CHECK(strstr(text, "<td>uniform-space</td><td class=\"num\">100.00%</td>"));
    CHECK(strstr(text, "<td>archllm &lt;t5&gt;</td>"));
    CHECK(strstr(text, "<td class=\"num\">91.0 \xc2\xb1 0.3</td>"));
    CHECK(strstr(text, "<p>N = 10,000 &amp; T = 1.0</p>"));
    CHECK(count(text, "<svg ") == 1 && strstr(text, "<figcaption>search curves</figcaption>"));
    CHECK(!strstr(text, "<script") && !strstr(text, "<link") && !strstr(text, "src="));
    free(text);
    free(svg);
    unlink(svg_path);
    unlink(html_path);
}

int main(void)
{
    test_hashset();
    test_metrics_nb201();
    test_metrics_nb101();
    test_iid();
    test_baselines();
    test_reports();
    test_svg_and_report();
    test_svg_styles();
    return test_done("test_genmetrics");
}
