/* fuzz_tfrecord.c - libFuzzer target for the NAS-Bench-101 tfrecord reader.
 * The first byte picks the layer so mutations reach past the CRCs: 0 the whole file
 * (framing, CRC32C, JSON rows, metrics), 1 one JSON row, 2 one ModelMetrics protobuf. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nb101_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t mode = data[0] % 3;
    data++;
    size--;
    if (mode == 0) {
        if (size == 0) return 0;
        FILE *f = fmemopen((void *)data, size, "rb");
        if (!f) return 0;
        archllm_nb101_data *d = NULL;
        if (archllm_nb101_data_read(&d, f, "fuzz") == ARCHLLM_OK) {
            for (size_t i = 0; i < archllm_nb101_data_count(d); i++) {
                const archllm_nb101_stats *s = archllm_nb101_data_at(d, i);
                char h[33];
                archllm_digest_hex(h, s->digest);
                if (archllm_nb101_data_find(d, h) != s) abort();
            }
            archllm_nb101_data_free(d);
        }
        fclose(f);
    } else if (mode == 1) {
        archllm_nb101_row r;
        archllm_nb101_row_parse(&r, data, size);
    } else {
        archllm_nb101_row r;
        archllm_nb101_metrics_parse(&r, data, size);
    }
    return 0;
}
