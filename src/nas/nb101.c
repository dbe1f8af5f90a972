/* nb101.c - NAS-Bench-101 enumeration in the official order (generate_graphs.py).
 *
 * Hashing every one of the 1,293,208 labelled graphs would cost ~150 MD5 blocks each, so
 * duplicates are found first with an exact canonical form: since vertex 0 is the only
 * source and V-1 the only sink, two labelled DAGs are isomorphic iff one equals the other
 * renumbered along one of its topological orders, so the minimum code over all
 * topological orders is a complete invariant.  Only the first-seen cell of each class is
 * then hashed (nasbench's hash has no collisions on this space, which the enumeration
 * re-checks by sorting the digests). */
#define _GNU_SOURCE /* qsort_r */
#include "nas/nb101.h"
#include "nas/tfrecord.h"
#include "util/error.h"
#include "util/fileio.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#define MAX_ORDERS 128 /* 5! interior orders at most */

typedef struct {
    int     n;
    uint8_t order[MAX_ORDERS][ARCHLLM_NB101_MAX_V]; /* order[k][i] = old vertex at new position i */
    uint64_t code[MAX_ORDERS];                      /* predecessor masks in the new numbering */
} topo_orders;

static void topo_rec(topo_orders *t, const archllm_cell *c, uint8_t *cur, int depth, unsigned placed,
                     const unsigned *preds)
{
    int nv = c->nv;
    if (depth == nv - 1) {
        cur[nv - 1] = (uint8_t)(nv - 1);
        int k = t->n++;
        memcpy(t->order[k], cur, (size_t)nv);
        int pos[ARCHLLM_NB101_MAX_V];
        for (int i = 0; i < nv; i++) pos[cur[i]] = i;
        uint64_t code = 0;
        for (int i = 1; i < nv; i++) {
            unsigned m = 0, p = preds[cur[i]];
            while (p) {
                int u = __builtin_ctz(p);
                p &= p - 1;
                m |= 1u << pos[u];
            }
            code = code << 7 | m;
        }
        t->code[k] = code;
        return;
    }
    for (int v = 1; v < nv - 1; v++) {
        if ((placed >> v) & 1) continue;
        if ((preds[v] & ~placed) != 0) continue;
        cur[depth] = (uint8_t)v;
        topo_rec(t, c, cur, depth + 1, placed | (1u << v), preds);
    }
}

static void topo_orders_make(topo_orders *t, const archllm_cell *c)
{
    unsigned preds[ARCHLLM_NB101_MAX_V] = {0};
    for (int v = 0; v < c->nv; v++)
        for (int w = 0; w < c->nv; w++)
            if ((c->adj[v] >> w) & 1) preds[w] |= 1u << v;
    uint8_t cur[ARCHLLM_NB101_MAX_V];
    cur[0] = 0;
    t->n = 0;
    topo_rec(t, c, cur, 1, 1u, preds);
}

/* open-addressing set of 64-bit canonical codes (0 marks empty; codes are never 0
 * because the output always has a predecessor) */
typedef struct {
    uint64_t *slots;
    size_t    mask;
} code_set;

static int code_set_insert(code_set *s, uint64_t key)
{
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & s->mask;
    for (;;) {
        if (s->slots[i] == key) return 0;
        if (s->slots[i] == 0) {
            s->slots[i] = key;
            return 1;
        }
        i = (i + 1) & s->mask;
    }
}

static int cmp_by_digest(const void *a, const void *b, void *base)
{
    const uint8_t (*d)[16] = base;
    return memcmp(d[*(const uint32_t *)a], d[*(const uint32_t *)b], 16);
}

archllm_status archllm_nb101_enumerate(archllm_nb101_space *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = ARCHLLM_NB101_SIZE;
    archllm_cell *cells = malloc(cap * sizeof *cells);
    code_set set = {calloc((size_t)1 << 21, sizeof(uint64_t)), ((size_t)1 << 21) - 1};
    topo_orders *t = malloc(sizeof *t);
    if (!cells || !set.slots || !t) {
        free(cells); free(set.slots); free(t);
        return archllm_fail(ARCHLLM_ENOMEM, "NB101 enumeration: out of memory");
    }
    size_t n = 0;
    for (int nv = 2; nv <= ARCHLLM_NB101_MAX_V; nv++) {
        int nbits = nv * (nv - 1) / 2;
        int nint = nv - 2, nlab = 1;
        for (int i = 0; i < nint; i++) nlab *= ARCHLLM_NB101_NUM_OPS;
        for (uint32_t bits = 0; bits < (1u << nbits); bits++) {
            if (__builtin_popcount(bits) > ARCHLLM_NB101_MAX_EDGES) continue;
            archllm_cell c;
            memset(&c, 0, sizeof c);
            c.nv = (uint8_t)nv;
            /* bit x + y(y-1)/2 is edge x->y: the upper triangle column by column */
            unsigned colmask = 0;
            for (int y = 1, b = 0; y < nv; y++)
                for (int x = 0; x < y; x++, b++)
                    if ((bits >> b) & 1) {
                        c.adj[x] |= (uint16_t)(1u << y);
                        colmask |= 1u << y;
                    }
            int full = (colmask == (((1u << nv) - 1u) & ~1u));
            for (int v = 0; v < nv - 1 && full; v++) full = c.adj[v] != 0;
            if (!full) continue;
            topo_orders_make(t, &c);
            c.ops[0] = ARCHLLM_LABEL_INPUT;
            c.ops[nv - 1] = ARCHLLM_LABEL_OUTPUT;
            for (int l = 0; l < nlab; l++) {
                /* itertools.product: the last interior vertex varies fastest */
                int rest = l;
                for (int v = nv - 2; v >= 1; v--) {
                    c.ops[v] = (int8_t)(rest % ARCHLLM_NB101_NUM_OPS);
                    rest /= ARCHLLM_NB101_NUM_OPS;
                }
                uint64_t best = UINT64_MAX;
                for (int k = 0; k < t->n; k++) {
                    uint64_t lab = 0;
                    for (int i = 1; i < nv - 1; i++) lab = lab << 2 | (uint64_t)c.ops[t->order[k][i]];
                    uint64_t key = t->code[k] << 10 | lab;
                    if (key < best) best = key;
                }
                best |= (uint64_t)nv << 60;
                if (!code_set_insert(&set, best)) continue;
                if (n == cap) {
                    free(cells); free(set.slots); free(t);
                    return archllm_fail(ARCHLLM_EFORMAT, "NB101 enumeration found more than %zu cells", cap);
                }
                cells[n++] = c;
            }
        }
    }
    free(set.slots);
    free(t);
    if (n != ARCHLLM_NB101_SIZE) {
        free(cells);
        return archllm_fail(ARCHLLM_EFORMAT, "NB101 enumeration found %zu cells, expected %d", n,
                            ARCHLLM_NB101_SIZE);
    }
    uint8_t (*digests)[16] = malloc(n * sizeof *digests);
    uint32_t *by_hash = malloc(n * sizeof *by_hash);
    if (!digests || !by_hash) {
        free(cells); free(digests); free(by_hash);
        return archllm_fail(ARCHLLM_ENOMEM, "NB101 enumeration: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        archllm_cell_hash(NULL, digests[i], &cells[i]);
        by_hash[i] = (uint32_t)i;
    }
    qsort_r(by_hash, n, sizeof *by_hash, cmp_by_digest, digests);
    for (size_t i = 1; i < n; i++)
        if (memcmp(digests[by_hash[i - 1]], digests[by_hash[i]], 16) == 0) {
            free(cells); free(digests); free(by_hash);
            return archllm_fail(ARCHLLM_EFORMAT, "NB101 enumeration: two non-isomorphic cells share a hash");
        }
    out->n = n;
    out->cells = cells;
    out->digests = digests;
    out->by_hash = by_hash;
    return ARCHLLM_OK;
}

void archllm_nb101_space_free(archllm_nb101_space *s)
{
    if (!s) return;
    free(s->cells);
    free(s->digests);
    free(s->by_hash);
    memset(s, 0, sizeof *s);
}

archllm_status archllm_nb101_find(size_t *index, const archllm_nb101_space *s, const char *hash)
{
    uint8_t d[16];
    ARCHLLM_TRY(archllm_digest_parse(d, hash));
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(s->digests[s->by_hash[mid]], d, 16);
        if (c == 0) {
            *index = s->by_hash[mid];
            return ARCHLLM_OK;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return archllm_fail(ARCHLLM_ENOTFOUND, "no NB101 cell has hash %s", hash);
}

/* ---- on-disk copy ---- */

#define SPACE_MAGIC   "ARCHLLM-NB101\0\0"
#define SPACE_VERSION 2u /* 2: cell rows became 16 bits (ARCHLLM_CELL_MAX_V 11) */

archllm_status archllm_nb101_space_save(const archllm_nb101_space *s, const char *path)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    FILE *f = af.f;
    uint32_t head[2] = {SPACE_VERSION, (uint32_t)s->n};
    uint32_t crc = archllm_crc32c(0, s->cells, s->n * sizeof *s->cells);
    crc = archllm_crc32c(crc, s->digests, s->n * sizeof *s->digests);
    int ok = fwrite(SPACE_MAGIC, 1, 16, f) == 16 && fwrite(head, sizeof head, 1, f) == 1 &&
             fwrite(&crc, sizeof crc, 1, f) == 1 && fwrite(s->cells, sizeof *s->cells, s->n, f) == s->n &&
             fwrite(s->digests, sizeof *s->digests, s->n, f) == s->n;
    if (!ok) {
        archllm_atomic_abort(&af);
        return archllm_fail(ARCHLLM_EIO, "%s: could not write the NB101 cache", path);
    }
    return archllm_atomic_commit(&af);
}

archllm_status archllm_nb101_space_load(archllm_nb101_space *out, const char *path)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return archllm_fail(ARCHLLM_EIO, "%s: %s", path, strerror(errno));
    char magic[16];
    uint32_t head[2], crc;
    if (fread(magic, 1, 16, f) != 16 || memcmp(magic, SPACE_MAGIC, 16) != 0 || fread(head, sizeof head, 1, f) != 1 ||
        fread(&crc, sizeof crc, 1, f) != 1 || head[0] != SPACE_VERSION || head[1] != ARCHLLM_NB101_SIZE) {
        fclose(f);
        return archllm_fail(ARCHLLM_EFORMAT, "%s: not an NB101 cache of this version", path);
    }
    size_t n = head[1];
    out->cells = malloc(n * sizeof *out->cells);
    out->digests = malloc(n * sizeof *out->digests);
    out->by_hash = malloc(n * sizeof *out->by_hash);
    if (!out->cells || !out->digests || !out->by_hash) {
        fclose(f);
        archllm_nb101_space_free(out);
        return archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", path);
    }
    int ok = fread(out->cells, sizeof *out->cells, n, f) == n && fread(out->digests, sizeof *out->digests, n, f) == n &&
             fgetc(f) == EOF;
    fclose(f);
    if (ok) {
        uint32_t c = archllm_crc32c(0, out->cells, n * sizeof *out->cells);
        ok = archllm_crc32c(c, out->digests, n * sizeof *out->digests) == crc;
    }
    if (!ok) {
        archllm_nb101_space_free(out);
        return archllm_fail(ARCHLLM_EFORMAT, "%s: truncated or corrupt NB101 cache", path);
    }
    for (size_t i = 0; i < n; i++) out->by_hash[i] = (uint32_t)i;
    qsort_r(out->by_hash, n, sizeof *out->by_hash, cmp_by_digest, out->digests);
    out->n = n;
    return ARCHLLM_OK;
}

static int cache_path(char *out, size_t cap)
{
    const char *no = getenv("ARCHLLM_NO_CACHE");
    if (no && strcmp(no, "1") == 0) return 0;
    const char *dir = getenv("ARCHLLM_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char base[4096];
    if (dir && dir[0]) snprintf(base, sizeof base, "%s", dir);
    else if (xdg && xdg[0]) snprintf(base, sizeof base, "%s/archllm", xdg);
    else if (home && home[0]) snprintf(base, sizeof base, "%s/.cache/archllm", home);
    else return 0;
    /* mkdir -p, ignoring errors: a failed save below just means no cache */
    for (char *p = base + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(base, 0777);
            *p = '/';
        }
    mkdir(base, 0777);
    /* the version in the name: builds with another cell layout keep their own file */
    return snprintf(out, cap, "%s/nb101-space-v%u.bin", base, SPACE_VERSION) < (int)cap;
}

archllm_status archllm_nb101_space_cached(archllm_nb101_space *out, int refresh)
{
    char path[4200];
    int have_path = cache_path(path, sizeof path);
    if (have_path && !refresh && archllm_nb101_space_load(out, path) == ARCHLLM_OK) return ARCHLLM_OK;
    archllm_error_clear();
    ARCHLLM_TRY(archllm_nb101_enumerate(out));
    if (have_path) {
        archllm_nb101_space_save(out, path);
        archllm_error_clear();
    }
    return ARCHLLM_OK;
}
