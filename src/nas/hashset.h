/* hashset.h - a set (and map) of 16-byte nasbench digests: open addressing with linear
 * probing, power-of-two capacity kept at most half full.  Sized for the whole
 * NAS-Bench-101 space (423,624 keys: 1 Mi slots, 20 MiB).  Each key carries a uint32
 * value, so the same table maps a hash to a row.  Not thread-safe; no removal. */
#ifndef ARCHLLM_NAS_HASHSET_H
#define ARCHLLM_NAS_HASHSET_H

#include <stddef.h>
#include <stdint.h>

#include "archllm.h"

typedef struct archllm_hashset archllm_hashset;

/* expected: how many keys will be added (the table grows past it when needed). */
archllm_status archllm_hashset_init(archllm_hashset **out, size_t expected);
void           archllm_hashset_free(archllm_hashset *s);
void           archllm_hashset_clear(archllm_hashset *s);
size_t         archllm_hashset_count(const archllm_hashset *s);

/* Add key with value; *added (may be NULL) is 1 when the key was new, 0 when it was
 * already there (its value is then left as it was).  ENOMEM only when growing fails. */
archllm_status archllm_hashset_put(archllm_hashset *s, const uint8_t key[16], uint32_t value, int *added);
/* 1 and *value (may be NULL) when present, else 0. */
int            archllm_hashset_get(const archllm_hashset *s, const uint8_t key[16], uint32_t *value);
static inline int archllm_hashset_contains(const archllm_hashset *s, const uint8_t key[16])
{
    return archllm_hashset_get(s, key, NULL);
}

#endif
