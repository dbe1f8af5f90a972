/* dataset.c - padded tensors of a search space and the reproducible train/test split.
 * The split shuffles 0..n-1 with a Fisher-Yates pass driven by splitmix64 (small,
 * seedable, the same on every platform) and holds out the first n_test. */
#include "nas/dataset.h"
#include "nas/cells.h"
#include "nas/darts.h"
#include "nas/nb201.h"
#include "util/error.h"
#include "util/fileio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int archllm_space_max_v(archllm_space space)
{
    const archllm_cells_space *cs;
    switch (space) {
    case ARCHLLM_SPACE_NB201: return ARCHLLM_NB201_NODES;
    case ARCHLLM_SPACE_DARTS: return ARCHLLM_DARTS_NODES;
    case ARCHLLM_SPACE_CELLS: return (cs = archllm_cells_space_current()) ? cs->max_v : 0;
    default: return ARCHLLM_NB101_MAX_V;
    }
}

int archllm_space_num_ops(archllm_space space)
{
    const archllm_cells_space *cs;
    switch (space) {
    case ARCHLLM_SPACE_NB201: return ARCHLLM_NB201_NUM_OPS + 2;
    case ARCHLLM_SPACE_DARTS: return ARCHLLM_DARTS_NUM_OPS + 3; /* two cell inputs */
    case ARCHLLM_SPACE_CELLS: return (cs = archllm_cells_space_current()) ? cs->n_ops + 2 : 0;
    default: return ARCHLLM_NB101_NUM_OPS + 2;
    }
}

/* Columns: input, the interior ops in label order, (DARTS: c_{k-1},) output. */
int archllm_space_op_column(archllm_space space, int label)
{
    int k = archllm_space_num_ops(space), inner = k - 2 - (space == ARCHLLM_SPACE_DARTS);
    if (label == ARCHLLM_LABEL_INPUT) return 0;
    if (label == ARCHLLM_LABEL_OUTPUT) return k - 1;
    if (label == ARCHLLM_LABEL_INPUT1) return space == ARCHLLM_SPACE_DARTS ? k - 2 : -1;
    if (label >= 0 && label < inner) return label + 1;
    return -1;
}

int archllm_space_column_label(archllm_space space, int col)
{
    int k = archllm_space_num_ops(space);
    if (col == 0) return ARCHLLM_LABEL_INPUT;
    if (col == k - 1) return ARCHLLM_LABEL_OUTPUT;
    if (space == ARCHLLM_SPACE_DARTS && col == k - 2) return ARCHLLM_LABEL_INPUT1;
    return col - 1;
}

void archllm_dataset_free(archllm_dataset *d)
{
    if (!d) return;
    free(d->adj);
    free(d->ops);
    free(d->mask);
    free(d->nv);
    memset(d, 0, sizeof *d);
}

archllm_status archllm_dataset_build(archllm_dataset *out, archllm_space space, const archllm_cell *cells, size_t n)
{
    memset(out, 0, sizeof *out);
    int V = archllm_space_max_v(space), K = archllm_space_num_ops(space);
    out->space = space;
    out->n = n;
    out->max_v = V;
    out->n_ops = K;
    out->adj = calloc(n ? n * (size_t)(V * V) : 1, 1);
    out->ops = calloc(n ? n * (size_t)(V * K) : 1, 1);
    out->mask = calloc(n ? n * (size_t)V : 1, 1);
    out->nv = calloc(n ? n : 1, 1);
    if (!out->adj || !out->ops || !out->mask || !out->nv) {
        archllm_dataset_free(out);
        return archllm_fail(ARCHLLM_ENOMEM, "dataset: out of memory for %zu cells", n);
    }
    for (size_t i = 0; i < n; i++) {
        const archllm_cell *c = &cells[i];
        if (c->nv > V) {
            archllm_dataset_free(out);
            return archllm_fail(ARCHLLM_EINVAL, "dataset: cell %zu has %d vertices (at most %d)", i, c->nv, V);
        }
        uint8_t *a = out->adj + i * (size_t)(V * V), *o = out->ops + i * (size_t)(V * K);
        out->nv[i] = c->nv;
        for (int v = 0; v < c->nv; v++) {
            int col = archllm_space_op_column(space, c->ops[v]);
            if (col < 0) {
                archllm_dataset_free(out);
                return archllm_fail(ARCHLLM_EINVAL, "dataset: cell %zu vertex %d has label %d", i, v, c->ops[v]);
            }
            o[v * K + col] = 1;
            out->mask[i * (size_t)V + (size_t)v] = 1;
            for (int w = 0; w < c->nv; w++) a[v * V + w] = (c->adj[v] >> w) & 1;
        }
    }
    return ARCHLLM_OK;
}

archllm_status archllm_dataset_cell(archllm_cell *out, const archllm_dataset *d, size_t i)
{
    if (i >= d->n) return archllm_fail(ARCHLLM_EINVAL, "dataset: cell %zu out of range", i);
    int V = d->max_v, K = d->n_ops;
    const uint8_t *a = d->adj + i * (size_t)(V * V), *o = d->ops + i * (size_t)(V * K);
    memset(out, 0, sizeof *out);
    out->nv = d->nv[i];
    for (int v = 0; v < out->nv; v++) {
        int col = -1;
        for (int k = 0; k < K; k++)
            if (o[v * K + k]) col = k;
        out->ops[v] = (int8_t)archllm_space_column_label(d->space, col);
        for (int w = 0; w < out->nv; w++)
            if (a[v * V + w]) out->adj[v] |= (uint16_t)(1u << w);
    }
    return ARCHLLM_OK;
}

/* ---- split ---- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

void archllm_split_free(archllm_split *s)
{
    if (!s) return;
    free(s->train);
    free(s->test);
    memset(s, 0, sizeof *s);
}

/* Given the held-out list (sorted, unique), fill train with the complement. */
static archllm_status split_fill_train(archllm_split *s)
{
    s->n_train = s->n - s->n_test;
    s->train = malloc((s->n_train ? s->n_train : 1) * sizeof *s->train);
    if (!s->train) return archllm_fail(ARCHLLM_ENOMEM, "split: out of memory");
    size_t k = 0, t = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (t < s->n_test && s->test[t] == i) {
            t++;
            continue;
        }
        s->train[k++] = (uint32_t)i;
    }
    return ARCHLLM_OK;
}

archllm_status archllm_split_make(archllm_split *out, size_t n, double train_fraction, uint64_t seed)
{
    memset(out, 0, sizeof *out);
    if (!(train_fraction >= 0.0 && train_fraction <= 1.0))
        return archllm_fail(ARCHLLM_EINVAL, "split: train fraction %g is not in [0, 1]", train_fraction);
    if (n > UINT32_MAX) return archllm_fail(ARCHLLM_EINVAL, "split: too many cells");
    uint32_t *perm = malloc((n ? n : 1) * sizeof *perm);
    if (!perm) return archllm_fail(ARCHLLM_ENOMEM, "split: out of memory");
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    uint64_t st = seed;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(splitmix64(&st) % i); /* bias < 2^-44 for n < 2^20 */
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    out->seed = seed;
    out->n = n;
    out->n_test = (size_t)llround((double)n * (1.0 - train_fraction));
    out->test = perm;
    qsort(out->test, out->n_test, sizeof *out->test, cmp_u32);
    archllm_status s = split_fill_train(out);
    if (s != ARCHLLM_OK) archllm_split_free(out);
    return s;
}

archllm_status archllm_split_save(const archllm_split *s, const char *path)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    fprintf(af.f, "archllm-split 1\nn %zu\nseed %llu\ntrain %zu\ntest %zu\n", s->n, (unsigned long long)s->seed,
            s->n_train, s->n_test);
    for (size_t i = 0; i < s->n_test; i++) fprintf(af.f, "%u\n", s->test[i]);
    return archllm_atomic_commit(&af);
}

archllm_status archllm_split_load(archllm_split *out, const char *path)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) return archllm_fail(ARCHLLM_EIO, "%s: %s", path, strerror(errno));
    unsigned long long n, seed, ntrain, ntest;
    int version;
    if (fscanf(f, "archllm-split %d n %llu seed %llu train %llu test %llu", &version, &n, &seed, &ntrain, &ntest) != 5 ||
        version != 1 || n > UINT32_MAX || ntrain + ntest != n || ntest > n) {
        fclose(f);
        return archllm_fail(ARCHLLM_EFORMAT, "%s: not an archllm-split 1 file (regenerate the split)", path);
    }
    out->seed = seed;
    out->n = (size_t)n;
    out->n_test = (size_t)ntest;
    out->test = malloc((ntest ? ntest : 1) * sizeof *out->test);
    if (!out->test) {
        fclose(f);
        return archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", path);
    }
    for (size_t i = 0; i < out->n_test; i++) {
        unsigned long long x;
        if (fscanf(f, "%llu", &x) != 1 || x >= n || (i && x <= out->test[i - 1])) {
            fclose(f);
            archllm_split_free(out);
            return archllm_fail(ARCHLLM_EFORMAT, "%s: held-out index %zu is missing, out of range or unsorted",
                                path, i + 1);
        }
        out->test[i] = (uint32_t)x;
    }
    fclose(f);
    archllm_status s = split_fill_train(out);
    if (s != ARCHLLM_OK) archllm_split_free(out);
    return s;
}
