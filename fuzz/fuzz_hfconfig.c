/* fuzz_hfconfig.c - libFuzzer target for the Hugging Face T5 config.json parser and the
 * tokenizer.json reader: any input fails cleanly or yields a config that passes the range
 * checks and survives a write/read round trip unchanged; a parsed tokenizer encodes and
 * decodes a prompt without overrunning its buffers.  The first input byte picks the reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/t5.h"
#include "model/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        archllm_tokenizer *t;
        if (archllm_tokenizer_parse(&t, text, len, "fuzz.json") != ARCHLLM_OK) return 0;
        int32_t ids[64];
        int n = 0;
        char back[512];
        if (archllm_tokenizer_encode(t, "fill: 3 <extra_id_0> 12 \xef\xbc\x91 {x}", 1, ids, 64, &n) == ARCHLLM_OK) {
            if (n < 0 || n > 64) abort();
            size_t bl = archllm_tokenizer_decode(t, ids, n, back, sizeof back);
            if (bl >= sizeof back) abort();
        }
        archllm_tokenizer_free(t);
        return 0;
    }
    archllm_t5_config c, d;
    if (archllm_t5_config_parse_json(&c, text, len, "fuzz.json") != ARCHLLM_OK) return 0;
    if (archllm_t5_config_check(&c) != ARCHLLM_OK) abort();
    char *js = archllm_t5_config_to_json(&c);
    if (!js) return 0;
    if (archllm_t5_config_parse_json(&d, js, strlen(js), "roundtrip.json") != ARCHLLM_OK) abort();
    free(js);
    if (c.vocab != d.vocab || c.d_model != d.d_model || c.d_kv != d.d_kv || c.d_ff != d.d_ff ||
        c.n_heads != d.n_heads || c.n_layers != d.n_layers || c.n_dec_layers != d.n_dec_layers ||
        c.num_buckets != d.num_buckets || c.max_distance != d.max_distance || c.gated != d.gated ||
        c.act != d.act || c.tied != d.tied || c.scale_out != d.scale_out || c.pad_id != d.pad_id ||
        c.eos_id != d.eos_id || c.start_id != d.start_id)
        abort();
    return 0;
}
