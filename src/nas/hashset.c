/* hashset.c - open-addressing digest set; see hashset.h.  MD5 digests are already
 * uniform, so the first 8 bytes serve as the slot hash. */
#include "config.h"
#include "nas/hashset.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t  key[16];
    uint32_t value;
    uint32_t used;
} slot;

struct archllm_hashset {
    slot  *slots; /* (cap) */
    size_t cap;   /* power of two */
    size_t count;
};

static size_t slot_of(const uint8_t key[16], size_t mask)
{
    uint64_t h;
    memcpy(&h, key, sizeof h);
    h ^= h >> 29; /* digests are uniform; the mix guards against hand-made keys */
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (size_t)h & mask;
}

static archllm_status alloc_slots(archllm_hashset *s, size_t cap)
{
    slot *n = calloc(cap, sizeof *n);
    if (!n) return archllm_fail(ARCHLLM_ENOMEM, "digest set of %zu slots", cap);
    slot *old = s->slots;
    size_t oldcap = s->cap;
    s->slots = n;
    s->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].used) continue;
        size_t j = slot_of(old[i].key, cap - 1);
        while (n[j].used) j = (j + 1) & (cap - 1);
        n[j] = old[i];
    }
    free(old);
    return ARCHLLM_OK;
}

archllm_status archllm_hashset_init(archllm_hashset **out, size_t expected)
{
    *out = NULL;
    archllm_hashset *s = calloc(1, sizeof *s);
    if (!s) return archllm_fail(ARCHLLM_ENOMEM, "digest set");
    size_t cap = 16;
    while (cap < 2 * expected) cap <<= 1;
    archllm_status st = alloc_slots(s, cap);
    if (st != ARCHLLM_OK) {
        free(s);
        return st;
    }
    *out = s;
    return ARCHLLM_OK;
}

void archllm_hashset_free(archllm_hashset *s)
{
    if (!s) return;
    free(s->slots);
    free(s);
}

void archllm_hashset_clear(archllm_hashset *s)
{
    memset(s->slots, 0, s->cap * sizeof *s->slots);
    s->count = 0;
}

size_t archllm_hashset_count(const archllm_hashset *s) { return s->count; }

archllm_status archllm_hashset_put(archllm_hashset *s, const uint8_t key[16], uint32_t value, int *added)
{
    if (2 * (s->count + 1) > s->cap) ARCHLLM_TRY(alloc_slots(s, s->cap * 2));
    size_t mask = s->cap - 1, j = slot_of(key, mask);
    while (s->slots[j].used) {
        if (memcmp(s->slots[j].key, key, 16) == 0) {
            if (added) *added = 0;
            return ARCHLLM_OK;
        }
        j = (j + 1) & mask;
    }
    memcpy(s->slots[j].key, key, 16);
    s->slots[j].value = value;
    s->slots[j].used = 1;
    s->count++;
    if (added) *added = 1;
    return ARCHLLM_OK;
}

int archllm_hashset_get(const archllm_hashset *s, const uint8_t key[16], uint32_t *value)
{
    size_t mask = s->cap - 1, j = slot_of(key, mask);
    while (s->slots[j].used) {
        if (memcmp(s->slots[j].key, key, 16) == 0) {
            if (value) *value = s->slots[j].value;
            return 1;
        }
        j = (j + 1) & mask;
    }
    return 0;
}
