/* nb101.h - the NAS-Bench-101 space: enumeration in the official order, lookup by hash.
 * Cell graphs, validity and the hash are in cell.h; accuracies from the official
 * tfrecord in nb101_data.h. */
#ifndef ARCHLLM_NAS_NB101_H
#define ARCHLLM_NAS_NB101_H

#include "nas/cell.h"

#define ARCHLLM_NB101_SIZE 423624

/* The whole space as scripts/generate_graphs.py builds it: the first-seen (canonical)
 * cell of every hash, in first-seen order.  That form equals the module_adjacency /
 * module_operations stored in the official dataset. */
typedef struct {
    size_t        n;
    archllm_cell *cells;    /* (n) */
    uint8_t     (*digests)[16]; /* (n) nasbench hash of cells[i], raw bytes */
    uint32_t     *by_hash;  /* (n) indexes sorted by digest, for lookups */
} archllm_nb101_space;

/* Enumerate all 423,624 cells (a few seconds on one core).  Fails with EFORMAT if two
 * distinct cells ever hash alike, which would break the hash-as-isomorphism-key rule. */
archllm_status archllm_nb101_enumerate(archllm_nb101_space *out);
void           archllm_nb101_space_free(archllm_nb101_space *s);

/* A binary copy of an enumerated space (magic "ARCHLLM-NB101", version, count, CRC32C
 * of the payload), so tools that only look cells up skip the enumeration.  save writes
 * a temp file and renames (archllm_atomic_*); load gives EFORMAT for a file of another version or a bad CRC
 * (callers then enumerate again). */
archllm_status archllm_nb101_space_save(const archllm_nb101_space *s, const char *path);
archllm_status archllm_nb101_space_load(archllm_nb101_space *out, const char *path);

/* The space through the cache file nb101-space-v2.bin (v: its format version) in $ARCHLLM_CACHE_DIR, else
 * $XDG_CACHE_HOME/archllm, else ~/.cache/archllm: loaded when valid, otherwise (or with
 * refresh) enumerated and written back.  ARCHLLM_NO_CACHE=1 turns the file off.  Cache
 * trouble is never an error: it falls back to enumerating. */
archllm_status archllm_nb101_space_cached(archllm_nb101_space *out, int refresh);

/* Index of the cell with this hash (32 hex chars), or ENOTFOUND. */
archllm_status archllm_nb101_find(size_t *index, const archllm_nb101_space *s, const char *hash);

#endif
