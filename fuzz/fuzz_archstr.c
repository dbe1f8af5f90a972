/* fuzz_archstr.c - libFuzzer target for the NAS-Bench-201 arch-string parser (anything
 * that parses formats back to the same string and maps to an index and back) and the
 * DARTS Genotype parser (anything that parses is valid, round-trips through its text and
 * the DAG form, and has a canonical form that is a fixed point). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nas/darts.h"
#include "nas/nb201.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    uint8_t ops[ARCHLLM_NB201_EDGES], back[ARCHLLM_NB201_EDGES];
    if (archllm_nb201_parse(ops, s) == ARCHLLM_OK) {
        char out[ARCHLLM_NB201_STR_MAX];
        archllm_nb201_format(out, ops);
        if (strcmp(out, s) != 0) abort();
        int i = archllm_nb201_index_of_ops(ops);
        if (archllm_nb201_ops_of_index(back, i) != ARCHLLM_OK || memcmp(back, ops, sizeof ops) != 0) abort();
        archllm_cell c;
        archllm_nb201_to_cell(&c, ops);
        if (archllm_nb201_from_cell(back, &c) != ARCHLLM_OK || memcmp(back, ops, sizeof ops) != 0) abort();
    }
    archllm_darts_genotype g, g2, cg, cc;
    if (archllm_darts_parse(&g, NULL, s) == ARCHLLM_OK) {
        char out[ARCHLLM_DARTS_STR_MAX];
        archllm_cell c;
        if (archllm_darts_check(&g) != ARCHLLM_OK) abort();
        archllm_darts_format(out, &g);
        if (archllm_darts_parse(&g2, NULL, out) != ARCHLLM_OK || memcmp(&g, &g2, sizeof g) != 0) abort();
        archllm_darts_to_cell(&c, &g);
        if (archllm_darts_from_cell(&g2, &c) != ARCHLLM_OK || memcmp(&g, &g2, sizeof g) != 0) abort();
        archllm_darts_canonical(&cg, &g);
        archllm_darts_canonical(&cc, &cg);
        if (archllm_darts_check(&cg) != ARCHLLM_OK || memcmp(&cg, &cc, sizeof cg) != 0) abort();
    }
    free(s);
    return 0;
}
