/* fuzz_safetensors.c - libFuzzer target for the validating safetensors reader (what T5
 * checkpoints go through): any input either fails cleanly or parses into entries whose byte
 * ranges lie inside the file and match dtype x shape; every tensor of a parsed file is then
 * converted to float32 and to int32 (where allowed) without reading out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    archllm_safetensors st;
    if (archllm_st_parse(&st, buf, size, "fuzz.safetensors") != ARCHLLM_OK) return 0; /* buf is owned */
    for (int i = 0; i < st.n; i++) {
        const archllm_st_entry *e = &st.entries[i];
        if (e->end < e->begin || st.data_start + e->end > st.file_len) abort();
        if (e->end - e->begin != e->numel * archllm_dtype_size(e->dtype)) abort();
        if (archllm_st_find(&st, e->name) == NULL) abort();
        if (e->numel > (1u << 20)) continue;
        float *f = malloc((e->numel ? e->numel : 1) * sizeof(float));
        int32_t *n = malloc((e->numel ? e->numel : 1) * sizeof(int32_t));
        if (f) archllm_st_read_f32(&st, e, f, e->numel);
        if (n) archllm_st_read_i32(&st, e, n, e->numel);
        free(f);
        free(n);
    }
    for (int i = 0; i < st.n_meta; i++) (void)archllm_st_meta(&st, st.meta_keys[i]);
    archllm_st_close(&st);
    return 0;
}
