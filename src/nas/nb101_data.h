/* nb101_data.h - accuracies from the official NAS-Bench-101 files
 * (nasbench_only108.tfrecord / nasbench_full.tfrecord): the JSON rows, the base64
 * ModelMetrics protobuf, and mean validation/test accuracy at 108 epochs keyed by hash. */
#ifndef ARCHLLM_NAS_NB101_DATA_H
#define ARCHLLM_NAS_NB101_DATA_H

#include <stdio.h>

#include "nas/cell.h"

/* One record: [module_hash, epochs, raw_adjacency, raw_operations, raw_metrics]. */
typedef struct {
    uint8_t      digest[16];
    int          epochs;
    archllm_cell cell;                 /* as stored (the canonical form) */
    int32_t      trainable_parameters;
    int          n_evals;              /* evaluation_data entries */
    double       final_validation;     /* of the last evaluation_data entry, fraction */
    double       final_test;
} archllm_nb101_row;

archllm_status archllm_nb101_row_parse(archllm_nb101_row *out, const uint8_t *json, size_t len);
/* Decode a ModelMetrics protobuf (already base64-decoded) into the row's metric fields. */
archllm_status archllm_nb101_metrics_parse(archllm_nb101_row *out, const uint8_t *pb, size_t len);
/* Standard base64 (with padding) -> bytes; *outlen gets the size.  out needs 3*len/4+3. */
archllm_status archllm_base64_decode(uint8_t *out, size_t *outlen, const char *in, size_t len);

/* Per-hash statistics over the 108-epoch records. */
typedef struct {
    uint8_t      digest[16];
    archllm_cell cell;
    int32_t      trainable_parameters;
    int          repeats;              /* 108-epoch records seen (3 in the official files) */
    double       mean_validation;      /* fraction in [0,1] */
    double       mean_test;
} archllm_nb101_stats;

typedef struct archllm_nb101_data archllm_nb101_data;

archllm_status archllm_nb101_data_load(archllm_nb101_data **out, const char *path);
/* From an open stream (name for messages). */
archllm_status archllm_nb101_data_read(archllm_nb101_data **out, FILE *f, const char *name);
void           archllm_nb101_data_free(archllm_nb101_data *d);
size_t         archllm_nb101_data_count(const archllm_nb101_data *d);
const archllm_nb101_stats *archllm_nb101_data_at(const archllm_nb101_data *d, size_t i);
/* NULL when the hash is absent or malformed. */
const archllm_nb101_stats *archllm_nb101_data_find(const archllm_nb101_data *d, const char *hash);

#endif
