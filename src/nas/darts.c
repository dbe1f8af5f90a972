/* darts.c - DARTS normal cells: genotype rules, the 11-node DAG form, the canonical
 * form and hash, Genotype text, seeded sampling; see darts.h. */
#include "nas/darts.h"
#include "nas/hashset.h"
#include "util/error.h"

#include <ctype.h>
#include <md5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const archllm_darts_op_names[ARCHLLM_DARTS_NUM_OPS] = {
    "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5",
};

#define OUT_NODE (ARCHLLM_DARTS_NODES - 1)

static archllm_status rule(const char *name, const char *fmt, ...) ARCHLLM_PRINTF(2, 3);
static archllm_status rule(const char *name, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return archllm_fail(ARCHLLM_EFORMAT, "DARTS rule '%s': %s", name, msg);
}

archllm_status archllm_darts_check(const archllm_darts_genotype *g)
{
    for (int e = 0; e < ARCHLLM_DARTS_EDGES; e++) {
        if (g->op[e] >= ARCHLLM_DARTS_NUM_OPS) return rule("op", "edge %d has op %d (0..6 allowed)", e, g->op[e]);
        if (g->in[e] > e / 2 + 1)
            return rule("source earlier", "edge %d takes node %d, not an earlier node", e, g->in[e]);
    }
    for (int i = 0; i < ARCHLLM_DARTS_STEPS; i++)
        if (g->in[2 * i] == g->in[2 * i + 1])
            return rule("distinct inputs", "node %d takes node %d twice", i + 2, g->in[2 * i]);
    return ARCHLLM_OK;
}

void archllm_darts_to_cell(archllm_cell *out, const archllm_darts_genotype *g)
{
    memset(out, 0, sizeof *out);
    out->nv = ARCHLLM_DARTS_NODES;
    out->ops[0] = ARCHLLM_LABEL_INPUT;
    out->ops[1] = ARCHLLM_LABEL_INPUT1;
    out->ops[OUT_NODE] = ARCHLLM_LABEL_OUTPUT;
    for (int e = 0; e < ARCHLLM_DARTS_EDGES; e++) {
        int t = 2 + e, j = g->in[e];
        out->ops[t] = (int8_t)g->op[e];
        if (j < 2) {
            out->adj[j] |= (uint16_t)(1u << t);
        } else { /* intermediate node j is the sum of its two edge nodes */
            out->adj[2 + 2 * (j - 2)] |= (uint16_t)(1u << t);
            out->adj[3 + 2 * (j - 2)] |= (uint16_t)(1u << t);
        }
        out->adj[t] |= (uint16_t)(1u << OUT_NODE);
    }
}

archllm_status archllm_darts_from_cell(archllm_darts_genotype *g, const archllm_cell *c)
{
    const int nv = ARCHLLM_DARTS_NODES;
    if (c->nv != nv) return rule("node count", "%d nodes, not %d", c->nv, nv);
    if (c->ops[0] != ARCHLLM_LABEL_INPUT || c->ops[1] != ARCHLLM_LABEL_INPUT1 || c->ops[OUT_NODE] != ARCHLLM_LABEL_OUTPUT)
        return rule("labels", "nodes 0, 1 and %d must be c_{k-2}, c_{k-1} and the output", OUT_NODE);
    for (int v = 2; v < OUT_NODE; v++)
        if (c->ops[v] < 0 || c->ops[v] >= ARCHLLM_DARTS_NUM_OPS)
            return rule("op", "node %d has label %d, not a DARTS op", v, c->ops[v]);
    for (int v = 0; v < nv; v++) {
        unsigned later = ((1u << nv) - 1u) & ~((2u << v) - 1u);
        if (c->adj[v] & ~later) return rule("upper triangular", "node %d has an edge to itself, an earlier node or past the last", v);
    }
    if (c->adj[0] & (1u << 1)) return rule("input edges", "an edge enters the cell input c_{k-1}");
    for (int v = 0; v < 2; v++)
        if (c->adj[v] & (1u << OUT_NODE)) return rule("output edges", "cell input %d feeds the output directly", v);
    for (int v = 2; v < OUT_NODE; v++)
        if (!(c->adj[v] & (1u << OUT_NODE))) return rule("output edges", "edge node %d does not feed the output", v);
    archllm_darts_genotype r;
    for (int e = 0; e < ARCHLLM_DARTS_EDGES; e++) {
        int t = 2 + e;
        unsigned preds = 0;
        for (int u = 0; u < t; u++)
            if ((c->adj[u] >> t) & 1) preds |= 1u << u;
        int src = -1;
        if (preds == 1u) src = 0;
        else if (preds == 2u) src = 1;
        else
            for (int j = 0; j < e / 2; j++)
                if (preds == (3u << (2 + 2 * j))) src = j + 2;
        if (src < 0)
            return rule("one source", "edge node %d is fed by something other than one cell input or both edges of "
                        "one earlier node (edge %d)", t, e);
        r.in[e] = (uint8_t)src;
        r.op[e] = (uint8_t)c->ops[t];
    }
    for (int i = 0; i < ARCHLLM_DARTS_STEPS; i++)
        if (r.in[2 * i] == r.in[2 * i + 1])
            return rule("distinct inputs", "node %d takes node %d twice", i + 2, r.in[2 * i]);
    *g = r;
    return ARCHLLM_OK;
}

/* ---- canonical form ---- */

/* (in, op) pairs of node i under the node renumbering pos (old node -> new node). */
static void node_pairs(uint8_t out[4], const archllm_darts_genotype *g, int i, const int *pos)
{
    uint8_t a[2][2];
    for (int k = 0; k < 2; k++) {
        int j = g->in[2 * i + k];
        a[k][0] = (uint8_t)(j < 2 ? j : pos[j - 2] + 2);
        a[k][1] = g->op[2 * i + k];
    }
    int swap = a[0][0] > a[1][0] || (a[0][0] == a[1][0] && a[0][1] > a[1][1]);
    memcpy(out, a[swap], 2);
    memcpy(out + 2, a[!swap], 2);
}

void archllm_darts_canonical(archllm_darts_genotype *out, const archllm_darts_genotype *g)
{
    static const int perms[24][4] = {
        {0, 1, 2, 3}, {0, 1, 3, 2}, {0, 2, 1, 3}, {0, 2, 3, 1}, {0, 3, 1, 2}, {0, 3, 2, 1},
        {1, 0, 2, 3}, {1, 0, 3, 2}, {1, 2, 0, 3}, {1, 2, 3, 0}, {1, 3, 0, 2}, {1, 3, 2, 0},
        {2, 0, 1, 3}, {2, 0, 3, 1}, {2, 1, 0, 3}, {2, 1, 3, 0}, {2, 3, 0, 1}, {2, 3, 1, 0},
        {3, 0, 1, 2}, {3, 0, 2, 1}, {3, 1, 0, 2}, {3, 1, 2, 0}, {3, 2, 0, 1}, {3, 2, 1, 0},
    };
    uint8_t best[16];
    int have = 0;
    for (int p = 0; p < 24; p++) {
        const int *pos = perms[p]; /* old node i becomes new node pos[i] */
        int ok = 1;
        for (int i = 0; i < ARCHLLM_DARTS_STEPS && ok; i++)
            for (int k = 0; k < 2; k++) {
                int j = g->in[2 * i + k];
                if (j >= 2 && pos[j - 2] >= pos[i]) ok = 0;
            }
        if (!ok) continue;
        uint8_t enc[16];
        for (int i = 0; i < ARCHLLM_DARTS_STEPS; i++) node_pairs(enc + 4 * pos[i], g, i, pos);
        if (!have || memcmp(enc, best, 16) < 0) memcpy(best, enc, 16), have = 1;
    }
    for (int e = 0; e < ARCHLLM_DARTS_EDGES; e++) out->in[e] = best[2 * e], out->op[e] = best[2 * e + 1];
}

void archllm_darts_hash(char hex[33], uint8_t digest[16], const archllm_darts_genotype *g)
{
    archllm_darts_genotype cg;
    archllm_darts_canonical(&cg, g);
    uint8_t bytes[16], d[16];
    for (int e = 0; e < ARCHLLM_DARTS_EDGES; e++) bytes[2 * e] = cg.in[e], bytes[2 * e + 1] = cg.op[e];
    MD5_CTX ctx;
    MD5Init(&ctx);
    MD5Update(&ctx, bytes, sizeof bytes);
    MD5Final(d, &ctx);
    if (digest) memcpy(digest, d, 16);
    if (hex) archllm_digest_hex(hex, d);
}

/* ---- Genotype text ---- */

static size_t format_list(char *out, size_t cap, const archllm_darts_genotype *g)
{
    size_t n = (size_t)snprintf(out, cap, "[");
    for (int e = 0; e < ARCHLLM_DARTS_EDGES && n < cap; e++)
        n += (size_t)snprintf(out + n, cap - n, "%s('%s', %d)", e ? ", " : "", archllm_darts_op_names[g->op[e]],
                              g->in[e]);
    if (n < cap) n += (size_t)snprintf(out + n, cap - n, "]");
    return n;
}

void archllm_darts_format(char out[ARCHLLM_DARTS_STR_MAX], const archllm_darts_genotype *g)
{
    char list[256]; /* 8 items of at most 21 chars */
    format_list(list, sizeof list, g);
    snprintf(out, ARCHLLM_DARTS_STR_MAX, "Genotype(normal=%s, normal_concat=[2, 3, 4, 5], reduce=%s, "
             "reduce_concat=[2, 3, 4, 5])", list, list);
}

typedef struct {
    const char *s, *p;
} lexer;

static void skip_ws(lexer *x)
{
    while (isspace((unsigned char)*x->p)) x->p++;
}

static archllm_status expect(lexer *x, const char *tok)
{
    skip_ws(x);
    size_t n = strlen(tok);
    if (strncmp(x->p, tok, n) != 0)
        return archllm_fail(ARCHLLM_EFORMAT, "Genotype text, column %d: expected '%s'", (int)(x->p - x->s) + 1, tok);
    x->p += n;
    return ARCHLLM_OK;
}

static int accept(lexer *x, const char *tok)
{
    skip_ws(x);
    size_t n = strlen(tok);
    if (strncmp(x->p, tok, n) != 0) return 0;
    x->p += n;
    return 1;
}

static archllm_status parse_int(lexer *x, int *v)
{
    skip_ws(x);
    if (!isdigit((unsigned char)*x->p))
        return archllm_fail(ARCHLLM_EFORMAT, "Genotype text, column %d: expected a node number", (int)(x->p - x->s) + 1);
    long n = 0;
    while (isdigit((unsigned char)*x->p) && n < 1000) n = n * 10 + (*x->p++ - '0');
    *v = (int)n;
    return ARCHLLM_OK;
}

static archllm_status parse_list(lexer *x, archllm_darts_genotype *g)
{
    ARCHLLM_TRY(expect(x, "["));
    for (int e = 0;; e++) {
        if (e == ARCHLLM_DARTS_EDGES) {
            if (accept(x, "]")) return archllm_darts_check(g);
            return archllm_fail(ARCHLLM_EFORMAT, "Genotype text, column %d: more than %d edges (4 nodes of 2)",
                                (int)(x->p - x->s) + 1, ARCHLLM_DARTS_EDGES);
        }
        if (e > 0 && accept(x, "]"))
            return archllm_fail(ARCHLLM_EFORMAT, "Genotype text: %d edges, not %d (4 nodes of 2)", e,
                                ARCHLLM_DARTS_EDGES);
        if (e > 0) ARCHLLM_TRY(expect(x, ","));
        ARCHLLM_TRY(expect(x, "("));
        skip_ws(x);
        char q = *x->p;
        if (q != '\'' && q != '"')
            return archllm_fail(ARCHLLM_EFORMAT, "Genotype text, column %d: expected a quoted op name",
                                (int)(x->p - x->s) + 1);
        const char *name = ++x->p, *end = strchr(name, q);
        if (!end) return archllm_fail(ARCHLLM_EFORMAT, "Genotype text: unterminated op name");
        int op = -1;
        for (int k = 0; k < ARCHLLM_DARTS_NUM_OPS; k++)
            if (strlen(archllm_darts_op_names[k]) == (size_t)(end - name) &&
                memcmp(archllm_darts_op_names[k], name, (size_t)(end - name)) == 0)
                op = k;
        if (op < 0)
            return archllm_fail(ARCHLLM_EFORMAT, "Genotype text, column %d: '%.*s' is not an op of this space "
                                "(%s, %s, %s, %s, %s, %s, %s; 'none' is not sampled)", (int)(name - x->s) + 1,
                                (int)(end - name > 40 ? 40 : end - name), name, archllm_darts_op_names[0],
                                archllm_darts_op_names[1], archllm_darts_op_names[2], archllm_darts_op_names[3],
                                archllm_darts_op_names[4], archllm_darts_op_names[5], archllm_darts_op_names[6]);
        x->p = end + 1;
        ARCHLLM_TRY(expect(x, ","));
        int in;
        ARCHLLM_TRY(parse_int(x, &in));
        ARCHLLM_TRY(expect(x, ")"));
        if (in > e / 2 + 1)
            return archllm_fail(ARCHLLM_EFORMAT, "DARTS rule 'source earlier': edge %d of node %d takes node %d",
                                e % 2, e / 2 + 2, in);
        g->op[e] = (uint8_t)op;
        g->in[e] = (uint8_t)in;
    }
}

static archllm_status parse_concat(lexer *x)
{
    const char *at = x->p;
    if (accept(x, "range")) {
        int a, b;
        ARCHLLM_TRY(expect(x, "("));
        ARCHLLM_TRY(parse_int(x, &a));
        ARCHLLM_TRY(expect(x, ","));
        ARCHLLM_TRY(parse_int(x, &b));
        ARCHLLM_TRY(expect(x, ")"));
        if (a == 2 && b == 6) return ARCHLLM_OK;
    } else {
        ARCHLLM_TRY(expect(x, "["));
        int ok = 1;
        for (int k = 2; k <= 5; k++) {
            int v;
            if (k > 2) ARCHLLM_TRY(expect(x, ","));
            ARCHLLM_TRY(parse_int(x, &v));
            ok &= v == k;
        }
        ARCHLLM_TRY(expect(x, "]"));
        if (ok) return ARCHLLM_OK;
    }
    return archllm_fail(ARCHLLM_EFORMAT, "Genotype text, column %d: the concat must be [2, 3, 4, 5] (every "
                        "intermediate node, as in DARTS)", (int)(at - x->s) + 1);
}

archllm_status archllm_darts_parse(archllm_darts_genotype *normal, int *reduce_differs, const char *text)
{
    lexer x = {text, text};
    archllm_darts_genotype n, r;
    archllm_status s;
    memset(&n, 0, sizeof n);
    memset(&r, 0, sizeof r);
    ARCHLLM_TRY(expect(&x, "Genotype"));
    ARCHLLM_TRY(expect(&x, "("));
    ARCHLLM_TRY(expect(&x, "normal"));
    ARCHLLM_TRY(expect(&x, "="));
    if ((s = parse_list(&x, &n)) != ARCHLLM_OK) return archllm_fail_prefix(s, "normal");
    ARCHLLM_TRY(expect(&x, ","));
    ARCHLLM_TRY(expect(&x, "normal_concat"));
    ARCHLLM_TRY(expect(&x, "="));
    ARCHLLM_TRY(parse_concat(&x));
    ARCHLLM_TRY(expect(&x, ","));
    ARCHLLM_TRY(expect(&x, "reduce"));
    ARCHLLM_TRY(expect(&x, "="));
    if ((s = parse_list(&x, &r)) != ARCHLLM_OK) return archllm_fail_prefix(s, "reduce");
    ARCHLLM_TRY(expect(&x, ","));
    ARCHLLM_TRY(expect(&x, "reduce_concat"));
    ARCHLLM_TRY(expect(&x, "="));
    ARCHLLM_TRY(parse_concat(&x));
    ARCHLLM_TRY(expect(&x, ")"));
    skip_ws(&x);
    if (*x.p)
        return archllm_fail(ARCHLLM_EFORMAT, "Genotype text, column %d: text after the closing ')'",
                            (int)(x.p - x.s) + 1);
    *normal = n;
    if (reduce_differs) *reduce_differs = memcmp(&n, &r, sizeof n) != 0;
    return ARCHLLM_OK;
}

/* ---- sampling ---- */

void archllm_darts_sample(archllm_darts_genotype *g, archllm_rng *r)
{
    for (int i = 0; i < ARCHLLM_DARTS_STEPS; i++) {
        uint32_t n = (uint32_t)i + 2; /* earlier nodes */
        uint32_t a = archllm_rng_below(r, n), b = archllm_rng_below(r, n - 1);
        if (b >= a) b++; /* an ordered pair of distinct nodes: every unordered pair twice */
        g->in[2 * i] = (uint8_t)a;
        g->in[2 * i + 1] = (uint8_t)b;
    }
    for (int e = 0; e < ARCHLLM_DARTS_EDGES; e++) g->op[e] = (uint8_t)archllm_rng_below(r, ARCHLLM_DARTS_NUM_OPS);
}

archllm_status archllm_darts_sample_distinct(archllm_cell *out, size_t n, uint64_t seed)
{
    if (n > 100000000) return archllm_fail(ARCHLLM_EINVAL, "DARTS: %zu cells asked for (at most 100,000,000)", n);
    archllm_hashset *seen;
    ARCHLLM_TRY(archllm_hashset_init(&seen, n));
    archllm_rng r;
    archllm_rng_seed(&r, seed, ARCHLLM_DARTS_STREAM);
    archllm_status s = ARCHLLM_OK;
    for (size_t k = 0; k < n && s == ARCHLLM_OK;) {
        archllm_darts_genotype g, cg;
        uint8_t d[16];
        int added;
        archllm_darts_sample(&g, &r);
        archllm_darts_canonical(&cg, &g);
        archllm_darts_hash(NULL, d, &cg);
        s = archllm_hashset_put(seen, d, (uint32_t)k, &added);
        if (s == ARCHLLM_OK && added) archllm_darts_to_cell(&out[k++], &cg);
    }
    archllm_hashset_free(seen);
    return s;
}
