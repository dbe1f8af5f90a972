/* fuzz_jsonl.c - libFuzzer target for the JSONL cell reader.  Every line that parses is
 * written back and must parse again to the same cell (the export/import round trip). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f) return 0;
    archllm_cell_record *recs = NULL;
    size_t n = 0;
    if (archllm_jsonl_read_cells(&recs, &n, f, "fuzz.jsonl") == ARCHLLM_OK) {
        for (size_t i = 0; i < n; i++) {
            char *buf = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&buf, &len);
            if (!m) break;
            archllm_jsonl_write_cell(m, &recs[i]);
            fclose(m);
            archllm_cell_record back;
            if (archllm_jsonl_parse_cell(&back, buf, len) != ARCHLLM_OK) abort();
            if (memcmp(&back.cell, &recs[i].cell, sizeof back.cell) != 0 || back.space != recs[i].space) abort();
            free(buf);
        }
        free(recs);
    }
    fclose(f);
    return 0;
}
