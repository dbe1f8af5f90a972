/* fuzz_csv.c - libFuzzer target for the NAS-Bench-201 accuracy CSV reader. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "nas/nb201_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    archllm_nb201_table *t = NULL;
    if (archllm_nb201_table_parse(&t, (const char *)data, size, "fuzz.csv") == ARCHLLM_OK) {
        int rows = 0;
        for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) rows += archllm_nb201_table_has(t, i);
        if (rows != archllm_nb201_table_nrows(t)) abort();
        for (int c = 0; c < archllm_nb201_table_ncols(t); c++) {
            if (archllm_nb201_table_column(t, archllm_nb201_table_colname(t, c)) > c) abort();
            (void)archllm_nb201_table_get(t, 0, c);
        }
        archllm_nb201_table_free(t);
    } else if (t) {
        abort(); /* a failed parse must not hand out a table */
    }
    return 0;
}
