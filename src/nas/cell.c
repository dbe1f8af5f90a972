/* cell.c - cell graphs: construction, nasbench pruning and validity, hash_module.
 * The hash follows shared/data/SPACES.md section 1.4: MD5 over Python str() forms of
 * degree tuples, V rounds of sorted neighbour concatenation, then str() of the sorted list. */
#include "nas/cell.h"
#include "util/error.h"

#include <md5.h>
#include <stdio.h>
#include <string.h>

const char *const archllm_nb101_op_names[ARCHLLM_NB101_NUM_OPS] = {
    "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3",
};

int archllm_cell_edges(const archllm_cell *c)
{
    int e = 0;
    for (int v = 0; v < c->nv; v++) e += __builtin_popcount(c->adj[v]);
    return e;
}

int archllm_cell_has_edge(const archllm_cell *c, int from, int to)
{
    return (c->adj[from] >> to) & 1;
}

void archllm_cell_set_edge(archllm_cell *c, int from, int to, int on)
{
    if (on) c->adj[from] |= (uint16_t)(1u << to);
    else c->adj[from] &= (uint16_t)~(1u << to);
}

archllm_status archllm_cell_from_matrix(archllm_cell *out, const int *matrix, const int *labels, int nv)
{
    if (nv < 1 || nv > ARCHLLM_CELL_MAX_V)
        return archllm_fail(ARCHLLM_EFORMAT, "cell has %d vertices (1..%d allowed)", nv, ARCHLLM_CELL_MAX_V);
    archllm_cell c;
    memset(&c, 0, sizeof c);
    c.nv = (uint8_t)nv;
    for (int v = 0; v < nv; v++) {
        if (labels[v] < ARCHLLM_LABEL_INPUT1 || labels[v] > 127)
            return archllm_fail(ARCHLLM_EFORMAT, "vertex %d has label %d", v, labels[v]);
        c.ops[v] = (int8_t)labels[v];
        for (int w = 0; w < nv; w++) {
            int x = matrix[v * nv + w];
            if (x != 0 && x != 1)
                return archllm_fail(ARCHLLM_EFORMAT, "matrix[%d][%d] = %d is not 0 or 1", v, w, x);
            if (x && w <= v)
                return archllm_fail(ARCHLLM_EFORMAT, "matrix is not strictly upper triangular (entry [%d][%d])", v, w);
            if (x) c.adj[v] |= (uint16_t)(1u << w);
        }
    }
    *out = c;
    return ARCHLLM_OK;
}

static int nb101_label(const char *name, size_t len)
{
    if (len == 5 && memcmp(name, "input", 5) == 0) return ARCHLLM_LABEL_INPUT;
    if (len == 6 && memcmp(name, "output", 6) == 0) return ARCHLLM_LABEL_OUTPUT;
    for (int i = 0; i < ARCHLLM_NB101_NUM_OPS; i++)
        if (strlen(archllm_nb101_op_names[i]) == len && memcmp(name, archllm_nb101_op_names[i], len) == 0)
            return i;
    return -3;
}

archllm_status archllm_cell_parse_nb101(archllm_cell *out, const char *adjacency, const char *ops)
{
    size_t n = strlen(adjacency);
    int nv = 0;
    while ((size_t)(nv * nv) < n) nv++;
    if ((size_t)(nv * nv) != n || nv < 1 || nv > ARCHLLM_CELL_MAX_V)
        return archllm_fail(ARCHLLM_EFORMAT, "adjacency string of length %zu is not V*V for V in 1..%d",
                            n, ARCHLLM_CELL_MAX_V);
    int matrix[ARCHLLM_CELL_MAX_V * ARCHLLM_CELL_MAX_V], labels[ARCHLLM_CELL_MAX_V];
    for (size_t i = 0; i < n; i++) {
        if (adjacency[i] != '0' && adjacency[i] != '1')
            return archllm_fail(ARCHLLM_EFORMAT, "adjacency string has '%c' (only 0 and 1 allowed)", adjacency[i]);
        matrix[i] = adjacency[i] - '0';
    }
    const char *p = ops;
    for (int v = 0; v < nv; v++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int lab = nb101_label(p, len);
        if (lab == -3)
            return archllm_fail(ARCHLLM_EFORMAT, "unknown NB101 op '%.*s'", (int)(len > 64 ? 64 : len), p);
        labels[v] = lab;
        if (!end) {
            if (v != nv - 1)
                return archllm_fail(ARCHLLM_EFORMAT, "%d ops for %d vertices", v + 1, nv);
            break;
        }
        if (v == nv - 1) return archllm_fail(ARCHLLM_EFORMAT, "more than %d ops for %d vertices", nv, nv);
        p = end + 1;
    }
    return archllm_cell_from_matrix(out, matrix, labels, nv);
}

archllm_status archllm_cell_prune(archllm_cell *out, const archllm_cell *in)
{
    int nv = in->nv;
    if (nv < 1) return archllm_fail(ARCHLLM_EFORMAT, "empty cell");
    /* forward from the input over edges to later vertices, backward from the output */
    unsigned fwd = 1u, bwd = 1u << (nv - 1);
    for (int v = 0; v < nv; v++)
        if ((fwd >> v) & 1) fwd |= in->adj[v] & ~((2u << v) - 1u);
    for (int v = nv - 1; v >= 0; v--)
        for (int w = v + 1; w < nv; w++)
            if (((bwd >> w) & 1) && ((in->adj[v] >> w) & 1)) bwd |= 1u << v;
    unsigned keep = fwd & bwd;
    int kept = __builtin_popcount(keep);
    if (!((keep & 1u) && ((keep >> (nv - 1)) & 1u)) || nv - kept > nv - 2)
        return archllm_fail(ARCHLLM_EFORMAT, "input and output are not connected (invalid spec)");
    archllm_cell c;
    memset(&c, 0, sizeof c);
    int map[ARCHLLM_CELL_MAX_V], k = 0;
    for (int v = 0; v < nv; v++) map[v] = ((keep >> v) & 1) ? k++ : -1;
    c.nv = (uint8_t)k;
    for (int v = 0; v < nv; v++) {
        if (map[v] < 0) continue;
        c.ops[map[v]] = in->ops[v];
        for (int w = 0; w < nv; w++)
            if (map[w] >= 0 && ((in->adj[v] >> w) & 1)) c.adj[map[v]] |= (uint16_t)(1u << map[w]);
    }
    *out = c;
    return ARCHLLM_OK;
}

archllm_status archllm_nb101_check(archllm_cell *out, const archllm_cell *in)
{
    for (int v = 0; v < in->nv; v++)
        if (in->adj[v] & ((2u << v) - 1u))
            return archllm_fail(ARCHLLM_EFORMAT, "matrix is not strictly upper triangular (row %d)", v);
    archllm_cell p;
    ARCHLLM_TRY(archllm_cell_prune(&p, in));
    if (p.nv > ARCHLLM_NB101_MAX_V)
        return archllm_fail(ARCHLLM_EFORMAT, "%d vertices after pruning (at most %d)", p.nv, ARCHLLM_NB101_MAX_V);
    int e = archllm_cell_edges(&p);
    if (e > ARCHLLM_NB101_MAX_EDGES)
        return archllm_fail(ARCHLLM_EFORMAT, "%d edges after pruning (at most %d)", e, ARCHLLM_NB101_MAX_EDGES);
    if (p.ops[0] != ARCHLLM_LABEL_INPUT || p.ops[p.nv - 1] != ARCHLLM_LABEL_OUTPUT)
        return archllm_fail(ARCHLLM_EFORMAT, "first op must be input and last op output");
    for (int v = 1; v < p.nv - 1; v++)
        if (p.ops[v] < 0 || p.ops[v] >= ARCHLLM_NB101_NUM_OPS)
            return archllm_fail(ARCHLLM_EFORMAT, "vertex %d has op label %d, not an NB101 op", v, p.ops[v]);
    if (out) *out = p;
    return ARCHLLM_OK;
}

static const char hexdig[] = "0123456789abcdef";

void archllm_digest_hex(char out[33], const uint8_t d[16])
{
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hexdig[d[i] >> 4];
        out[2 * i + 1] = hexdig[d[i] & 15];
    }
    out[32] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

archllm_status archllm_digest_parse(uint8_t d[16], const char *hex)
{
    for (int i = 0; i < 16; i++) {
        int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return archllm_fail(ARCHLLM_EFORMAT, "'%.40s' is not a 32-char lowercase hex hash", hex);
        d[i] = (uint8_t)(hi << 4 | lo);
    }
    if (hex[32] != '\0')
        return archllm_fail(ARCHLLM_EFORMAT, "'%.40s' is not a 32-char lowercase hex hash", hex);
    return ARCHLLM_OK;
}

/* Sorting lowercase hex strings byte-wise equals sorting the raw digests with memcmp. */
static void sort_digests(const uint8_t **a, int n)
{
    for (int i = 1; i < n; i++) {
        const uint8_t *x = a[i];
        int j = i - 1;
        while (j >= 0 && memcmp(a[j], x, 16) > 0) { a[j + 1] = a[j]; j--; }
        a[j + 1] = x;
    }
}

static void md5_hexpart(MD5_CTX *ctx, const uint8_t d[16])
{
    char hex[33];
    archllm_digest_hex(hex, d);
    MD5Update(ctx, (const uint8_t *)hex, 32);
}

void archllm_cell_hash(char out[33], uint8_t digest[16], const archllm_cell *c)
{
    int nv = c->nv;
    uint8_t h[ARCHLLM_CELL_MAX_V][16], nh[ARCHLLM_CELL_MAX_V][16];
    int in[ARCHLLM_CELL_MAX_V] = {0}, outd[ARCHLLM_CELL_MAX_V];
    for (int v = 0; v < nv; v++) {
        outd[v] = __builtin_popcount(c->adj[v] & ((1u << nv) - 1u));
        for (int w = 0; w < nv; w++) in[w] += (c->adj[v] >> w) & 1;
    }
    for (int v = 0; v < nv; v++) {
        char buf[64];
        int len = snprintf(buf, sizeof buf, "(%d, %d, %d)", outd[v], in[v], c->ops[v]);
        MD5_CTX ctx;
        MD5Init(&ctx);
        MD5Update(&ctx, (const uint8_t *)buf, (size_t)len);
        MD5Final(h[v], &ctx);
    }
    /* each round builds one message per vertex in a buffer: hex text is made once per
     * vertex and round, and MD5 runs over one contiguous string */
    char hex[ARCHLLM_CELL_MAX_V][33];
    for (int round = 0; round < nv; round++) {
        for (int v = 0; v < nv; v++) archllm_digest_hex(hex[v], h[v]);
        for (int v = 0; v < nv; v++) {
            const uint8_t *ins[ARCHLLM_CELL_MAX_V], *outs[ARCHLLM_CELL_MAX_V];
            int ni = 0, no = 0;
            for (int w = 0; w < nv; w++) {
                if ((c->adj[w] >> v) & 1) ins[ni++] = h[w];
                if ((c->adj[v] >> w) & 1) outs[no++] = h[w];
            }
            sort_digests(ins, ni);
            sort_digests(outs, no);
            char msg[(2 * ARCHLLM_CELL_MAX_V + 1) * 32 + 2];
            size_t len = 0;
            for (int i = 0; i < ni; i++, len += 32) memcpy(msg + len, hex[(ins[i] - h[0]) / 16], 32);
            msg[len++] = '|';
            for (int i = 0; i < no; i++, len += 32) memcpy(msg + len, hex[(outs[i] - h[0]) / 16], 32);
            msg[len++] = '|';
            memcpy(msg + len, hex[v], 32);
            len += 32;
            MD5_CTX ctx;
            MD5Init(&ctx);
            MD5Update(&ctx, (const uint8_t *)msg, len);
            MD5Final(nh[v], &ctx);
        }
        memcpy(h, nh, sizeof h);
    }
    const uint8_t *all[ARCHLLM_CELL_MAX_V];
    for (int v = 0; v < nv; v++) all[v] = h[v];
    sort_digests(all, nv);
    MD5_CTX ctx;
    MD5Init(&ctx);
    MD5Update(&ctx, (const uint8_t *)"[", 1);
    for (int v = 0; v < nv; v++) {
        if (v) MD5Update(&ctx, (const uint8_t *)", ", 2);
        MD5Update(&ctx, (const uint8_t *)"'", 1);
        md5_hexpart(&ctx, all[v]);
        MD5Update(&ctx, (const uint8_t *)"'", 1);
    }
    MD5Update(&ctx, (const uint8_t *)"]", 1);
    uint8_t d[16];
    MD5Final(d, &ctx);
    if (digest) memcpy(digest, d, 16);
    if (out) archllm_digest_hex(out, d);
}

archllm_status archllm_nb101_hash(char out[33], const archllm_cell *c)
{
    archllm_cell p;
    ARCHLLM_TRY(archllm_cell_prune(&p, c));
    archllm_cell_hash(out, NULL, &p);
    return ARCHLLM_OK;
}

void archllm_cell_permute(archllm_cell *out, const archllm_cell *in, const int *perm)
{
    archllm_cell c;
    memset(&c, 0, sizeof c);
    c.nv = in->nv;
    for (int v = 0; v < in->nv; v++) {
        c.ops[perm[v]] = in->ops[v];
        for (int w = 0; w < in->nv; w++)
            if ((in->adj[v] >> w) & 1) c.adj[perm[v]] |= (uint16_t)(1u << perm[w]);
    }
    *out = c;
}
