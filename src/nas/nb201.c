/* nb201.c - NAS-Bench-201 arch strings, official index order and the node-labelled form.
 *
 * The index order is regenerated rather than shipped: CellStructure.gen_all order is a
 * base-5 number over the six edges, and the API shuffles it with CPython's
 * random.seed(88); random.shuffle(), i.e. MT19937 init_by_array({88}) and randbelow by
 * rejection on the top bits (SPACES.md 2.2).  The test checks all 15,625 against the CSV. */
#include "nas/nb201.h"
#include "util/error.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

const char *const archllm_nb201_op_names[ARCHLLM_NB201_NUM_OPS] = {
    "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3",
};

const uint16_t archllm_nb201_dag_adj[ARCHLLM_NB201_NODES] = {
    (1u << 1) | (1u << 2) | (1u << 4), /* input -> e01, e02, e03 */
    (1u << 3) | (1u << 5),             /* e01 -> e12, e13 */
    (1u << 6),                         /* e02 -> e23 */
    (1u << 6),                         /* e12 -> e23 */
    (1u << 7),                         /* e03 -> output */
    (1u << 7),                         /* e13 -> output */
    (1u << 7),                         /* e23 -> output */
    0,
};

/* source node of each edge in string order */
static const int edge_from[ARCHLLM_NB201_EDGES] = {0, 0, 1, 0, 1, 2};

archllm_status archllm_nb201_parse(uint8_t ops[ARCHLLM_NB201_EDGES], const char *arch)
{
    const char *p = arch;
    int e = 0;
    for (int node = 1; node <= 3; node++) {
        if (node > 1) {
            if (*p != '+') return archllm_fail(ARCHLLM_EFORMAT, "arch string '%.128s': expected '+' at column %d",
                                               arch, (int)(p - arch) + 1);
            p++;
        }
        if (*p != '|') return archllm_fail(ARCHLLM_EFORMAT, "arch string '%.128s': expected '|' at column %d",
                                           arch, (int)(p - arch) + 1);
        p++;
        for (int from = 0; from < node; from++, e++) {
            int op = -1;
            size_t len = 0;
            for (int k = 0; k < ARCHLLM_NB201_NUM_OPS; k++) {
                size_t l = strlen(archllm_nb201_op_names[k]);
                if (strncmp(p, archllm_nb201_op_names[k], l) == 0 && p[l] == '~') {
                    op = k;
                    len = l;
                    break;
                }
            }
            if (op < 0) return archllm_fail(ARCHLLM_EFORMAT, "arch string '%.128s': unknown op at column %d",
                                            arch, (int)(p - arch) + 1);
            p += len + 1;
            if (*p != '0' + from || p[1] != '|')
                return archllm_fail(ARCHLLM_EFORMAT, "arch string '%.128s': expected '~%d|' at column %d",
                                    arch, from, (int)(p - arch));
            p += 2;
            ops[e] = (uint8_t)op;
        }
    }
    if (*p != '\0')
        return archllm_fail(ARCHLLM_EFORMAT, "arch string '%.128s': trailing text at column %d", arch,
                            (int)(p - arch) + 1);
    return ARCHLLM_OK;
}

void archllm_nb201_format(char out[ARCHLLM_NB201_STR_MAX], const uint8_t ops[ARCHLLM_NB201_EDGES])
{
    size_t len = 0;
    for (int e = 0; e < ARCHLLM_NB201_EDGES; e++) {
        if (e == 1 || e == 3) out[len++] = '+';
        if (e == 0 || e == 1 || e == 3) out[len++] = '|';
        len += (size_t)snprintf(out + len, ARCHLLM_NB201_STR_MAX - len, "%s~%d|",
                                archllm_nb201_op_names[ops[e] % ARCHLLM_NB201_NUM_OPS], edge_from[e]);
    }
    out[len] = '\0';
}

/* ---- CPython's Mersenne Twister, only as far as random.shuffle needs ---- */

typedef struct {
    uint32_t mt[624];
    int      mti;
} mt19937;

static void mt_init(mt19937 *r, uint32_t s)
{
    r->mt[0] = s;
    for (int i = 1; i < 624; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->mti = 624;
}

static void mt_init_by_array(mt19937 *r, const uint32_t *key, int len)
{
    mt_init(r, 19650218u);
    int i = 1, j = 0;
    for (int k = 624 > len ? 624 : len; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= 624) { r->mt[0] = r->mt[623]; i = 1; }
        if (j >= len) j = 0;
    }
    for (int k = 623; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= 624) { r->mt[0] = r->mt[623]; i = 1; }
    }
    r->mt[0] = 0x80000000u;
}

static uint32_t mt_next(mt19937 *r)
{
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    if (r->mti >= 624) {
        int k;
        uint32_t y;
        for (k = 0; k < 624 - 397; k++) {
            y = (r->mt[k] & 0x80000000u) | (r->mt[k + 1] & 0x7fffffffu);
            r->mt[k] = r->mt[k + 397] ^ (y >> 1) ^ mag01[y & 1u];
        }
        for (; k < 623; k++) {
            y = (r->mt[k] & 0x80000000u) | (r->mt[k + 1] & 0x7fffffffu);
            r->mt[k] = r->mt[k + (397 - 624)] ^ (y >> 1) ^ mag01[y & 1u];
        }
        y = (r->mt[623] & 0x80000000u) | (r->mt[0] & 0x7fffffffu);
        r->mt[623] = r->mt[396] ^ (y >> 1) ^ mag01[y & 1u];
        r->mti = 0;
    }
    uint32_t y = r->mt[r->mti++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

static uint32_t randbelow(mt19937 *r, uint32_t n)
{
    int k = 32 - __builtin_clz(n);
    uint32_t x;
    do x = mt_next(r) >> (32 - k);
    while (x >= n);
    return x;
}

static uint16_t pos_of_index[ARCHLLM_NB201_SIZE]; /* unshuffled gen_all position of index i */
static uint16_t index_of_pos[ARCHLLM_NB201_SIZE];
static pthread_once_t order_once = PTHREAD_ONCE_INIT;

static void order_init(void)
{
    static mt19937 r;
    uint32_t key = 88;
    mt_init_by_array(&r, &key, 1);
    for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) pos_of_index[i] = (uint16_t)i;
    for (int i = ARCHLLM_NB201_SIZE - 1; i >= 1; i--) {
        uint32_t j = randbelow(&r, (uint32_t)i + 1);
        uint16_t t = pos_of_index[i];
        pos_of_index[i] = pos_of_index[j];
        pos_of_index[j] = t;
    }
    for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) index_of_pos[pos_of_index[i]] = (uint16_t)i;
}

archllm_status archllm_nb201_ops_of_index(uint8_t ops[ARCHLLM_NB201_EDGES], int index)
{
    if (index < 0 || index >= ARCHLLM_NB201_SIZE)
        return archllm_fail(ARCHLLM_EINVAL, "NB201 index %d out of range 0..%d", index, ARCHLLM_NB201_SIZE - 1);
    pthread_once(&order_once, order_init);
    int p = pos_of_index[index];
    for (int e = ARCHLLM_NB201_EDGES - 1; e >= 0; e--) {
        ops[e] = (uint8_t)(p % ARCHLLM_NB201_NUM_OPS);
        p /= ARCHLLM_NB201_NUM_OPS;
    }
    return ARCHLLM_OK;
}

int archllm_nb201_index_of_ops(const uint8_t ops[ARCHLLM_NB201_EDGES])
{
    pthread_once(&order_once, order_init);
    int p = 0;
    for (int e = 0; e < ARCHLLM_NB201_EDGES; e++) p = p * ARCHLLM_NB201_NUM_OPS + ops[e];
    return index_of_pos[p];
}

void archllm_nb201_to_cell(archllm_cell *out, const uint8_t ops[ARCHLLM_NB201_EDGES])
{
    memset(out, 0, sizeof *out);
    out->nv = ARCHLLM_NB201_NODES;
    memcpy(out->adj, archllm_nb201_dag_adj, sizeof archllm_nb201_dag_adj);
    out->ops[0] = ARCHLLM_LABEL_INPUT;
    for (int e = 0; e < ARCHLLM_NB201_EDGES; e++) out->ops[e + 1] = (int8_t)ops[e];
    out->ops[ARCHLLM_NB201_NODES - 1] = ARCHLLM_LABEL_OUTPUT;
}

archllm_status archllm_nb201_from_cell(uint8_t ops[ARCHLLM_NB201_EDGES], const archllm_cell *c)
{
    if (c->nv != ARCHLLM_NB201_NODES)
        return archllm_fail(ARCHLLM_EFORMAT, "NB201 cell has %d nodes, not %d", c->nv, ARCHLLM_NB201_NODES);
    for (int v = 0; v < ARCHLLM_NB201_NODES; v++)
        if (c->adj[v] != archllm_nb201_dag_adj[v])
            return archllm_fail(ARCHLLM_EFORMAT, "NB201 cell: node %d has the wrong edges", v);
    if (c->ops[0] != ARCHLLM_LABEL_INPUT || c->ops[ARCHLLM_NB201_NODES - 1] != ARCHLLM_LABEL_OUTPUT)
        return archllm_fail(ARCHLLM_EFORMAT, "NB201 cell: first node must be input and last output");
    for (int e = 0; e < ARCHLLM_NB201_EDGES; e++) {
        if (c->ops[e + 1] < 0 || c->ops[e + 1] >= ARCHLLM_NB201_NUM_OPS)
            return archllm_fail(ARCHLLM_EFORMAT, "NB201 cell: node %d has op label %d", e + 1, c->ops[e + 1]);
        ops[e] = (uint8_t)c->ops[e + 1];
    }
    return ARCHLLM_OK;
}

void archllm_nb201_hash(char out[33], const uint8_t ops[ARCHLLM_NB201_EDGES])
{
    archllm_cell c;
    archllm_nb201_to_cell(&c, ops);
    archllm_cell_hash(out, NULL, &c);
}
