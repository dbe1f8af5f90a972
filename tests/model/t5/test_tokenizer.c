/* test_tokenizer.c - the C SentencePiece unigram tokenizer against Hugging Face: for every
 * prompt string in tests/fixtures/t5/tokenizer/cases.jsonl (made with
 * tests/fixtures/t5/make_tokenizer_fixture.py from a T5-shaped spm_train vocabulary), the ids
 * must equal the HF tokenizer's exactly; plus decoding and malformed tokenizer.json files. */
#include "model/tokenizer.h"
#include "testutil.h"
#include "util/fileio.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *src = getenv("ARCHLLM_SRCDIR") ? getenv("ARCHLLM_SRCDIR") : ".";
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/t5/tokenizer/tokenizer.json", src);
    archllm_tokenizer *t;
    archllm_status s = archllm_tokenizer_load(&t, path);
    CHECK(s == ARCHLLM_OK, "load %s (%s)", path, s ? archllm_last_error() : "");
    if (s != ARCHLLM_OK) return test_finish();
    CHECK(archllm_tokenizer_id(t, "<extra_id_0>") >= 0 && archllm_tokenizer_id(t, "</s>") == 1,
          "sentinels and </s> found");
    snprintf(path, sizeof path, "%s/tests/fixtures/t5/tokenizer/cases.jsonl", src);
    FILE *f = fopen(path, "r");
    char line[8192];
    int ncase = 0, nok = 0;
    while (f && fgets(line, sizeof line, f)) {
        json_error_t err;
        json_t *c = json_loads(line, 0, &err);
        const char *text = json_string_value(json_object_get(c, "text"));
        json_t *want = json_object_get(c, "ids");
        int32_t ids[512];
        int n = 0;
        s = archllm_tokenizer_encode(t, text ? text : "", 1, ids, 512, &n);
        int same = s == ARCHLLM_OK && (size_t)n == json_array_size(want);
        for (int i = 0; same && i < n; i++) same = ids[i] == json_integer_value(json_array_get(want, (size_t)i));
        ncase++;
        nok += same;
        if (!same) {
            printf("  text %s\n  want", json_dumps(json_object_get(c, "text"), JSON_ENCODE_ANY));
            for (size_t i = 0; i < json_array_size(want); i++) printf(" %d", (int)json_integer_value(json_array_get(want, i)));
            printf("\n  got ");
            for (int i = 0; i < n; i++) printf(" %d", ids[i]);
            printf("\n");
        }
        json_decref(c);
    }
    if (f) fclose(f);
    CHECK(ncase > 20 && nok == ncase, "ids equal Hugging Face's for %d of %d prompt strings", nok, ncase);
    int32_t ids[64];
    int n;
    char back[256];
    archllm_tokenizer_encode(t, "generate: 12 5 300 7", 1, ids, 64, &n);
    archllm_tokenizer_decode(t, ids, n, back, sizeof back);
    CHECK(strcmp(back, "generate: 12 5 300 7") == 0, "decode(encode(x)) == x ('%s')", back);
    CHECK(archllm_tokenizer_encode(t, "generate: 12 5 300 7", 1, ids, 3, &n) == ARCHLLM_EINVAL,
          "a too small id buffer is an error");
    archllm_tokenizer_free(t);

    static const struct { const char *json; archllm_status want; const char *what; } bad[] = {
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}", ARCHLLM_EUNSUPPORTED, "BPE model"},
        {"{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"a\", -1]]}}", ARCHLLM_EFORMAT, "tiny vocab"},
        {"{\"model\": {\"type\": \"Unigram\", \"unk_id\": 9, \"vocab\": [[\"<pad>\", 0], [\"</s>\", 0], [\"<unk>\", 0]]}}",
         ARCHLLM_EFORMAT, "unk_id outside"},
        {"{\"model\": {\"type\": \"Unigram\", \"unk_id\": 2, \"vocab\": [[\"<pad>\", 0], [\"</s>\"], [\"<unk>\", 0]]}}",
         ARCHLLM_EFORMAT, "entry without score"},
        {"{\"model\": {\"type\": \"Unigram\", \"unk_id\": 2, \"vocab\": [[\"a\", 0], [\"b\", 0], [\"c\", 0]]}, "
         "\"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAAA\"}}",
         ARCHLLM_EFORMAT, "empty charsmap"},
        {"{\"model\": ", ARCHLLM_EFORMAT, "truncated JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = archllm_tokenizer_parse(&t, bad[i].json, strlen(bad[i].json), "bad.json");
        CHECK(s == bad[i].want, "malformed tokenizer.json: %s (%s)", bad[i].what, s ? archllm_last_error() : "accepted");
        if (s == ARCHLLM_OK) archllm_tokenizer_free(t);
    }
    return test_finish();
}
