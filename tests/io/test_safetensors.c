/* test_safetensors.c - the safetensors reader and writer: the format's byte-exact test
 * vectors, round trips, dtype conversion, and malformed files (each must give EFORMAT
 * with a message, never a crash). */
#include "io/safetensors.h"
#include "util/error.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char *dup_bytes(const void *p, size_t n)
{
    unsigned char *b = malloc(n ? n : 1);
    memcpy(b, p, n);
    return b;
}

/* Build a file from a header string and data bytes (header padded to 8 with spaces). */
static unsigned char *make_file(const char *json, const void *data, size_t dlen, size_t *len)
{
    size_t h = strlen(json), padded = (h + 7) / 8 * 8;
    *len = 8 + padded + dlen;
    unsigned char *b = calloc(1, *len);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    memcpy(b + 8, json, h);
    memset(b + 8 + h, ' ', padded - h);
    if (dlen && data) memcpy(b + 8 + padded, data, dlen);
    return b;
}

static archllm_status parse_json(const char *json, const void *data, size_t dlen)
{
    size_t len;
    unsigned char *b = make_file(json, data, dlen, &len);
    archllm_safetensors st;
    archllm_status s = archllm_st_parse(&st, b, len, "t.safetensors");
    if (s == ARCHLLM_OK) archllm_st_close(&st);
    return s;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char path[] = "/tmp/archllm-st-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);

    /* vector 1: the empty file */
    archllm_st_write(path, NULL, 0, NULL, NULL, 0);
    FILE *f = fopen(path, "rb");
    unsigned char buf[256];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    static const unsigned char empty[] = {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
    CHECK(n == sizeof empty && memcmp(buf, empty, n) == 0, "empty file is byte-exact (%zu bytes)", n);

    /* vector 2: "attn.0", F32 [1,2,3], 0..5 */
    float v[6] = {0, 1, 2, 3, 4, 5};
    archllm_st_tensor t = {"attn.0", ARCHLLM_DT_F32, 3, {1, 2, 3}, v};
    archllm_st_write(path, &t, 1, NULL, NULL, 0);
    f = fopen(path, "rb");
    n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    const char *hdr = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
    CHECK(n == 8 + 64 + 24 && buf[0] == 64 && memcmp(buf + 8, hdr, 64) == 0 && memcmp(buf + 72, v, 24) == 0,
          "one-tensor file is byte-exact (N=%u, %zu bytes)", buf[0], n);

    /* vector 3: "attn0" [1,1,2,3] -> N = 72 */
    archllm_st_tensor t3 = {"attn0", ARCHLLM_DT_F32, 4, {1, 1, 2, 3}, v};
    archllm_st_write(path, &t3, 1, NULL, NULL, 0);
    f = fopen(path, "rb");
    n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(n >= 8 && buf[0] == 72 && buf[8 + 71] == ' ', "padding: N = %u with trailing spaces", buf[0]);

    /* round trip with metadata and several dtypes */
    int32_t iv[4] = {-3, 0, 7, 2147483647};
    unsigned char u8[3] = {1, 2, 255};
    archllm_st_tensor ts[3] = {
        {"w", ARCHLLM_DT_F32, 2, {2, 3}, v}, {"idx", ARCHLLM_DT_I32, 1, {4}, iv}, {"mask", ARCHLLM_DT_U8, 1, {3}, u8}};
    const char *mk[] = {"format", "step"}, *mv[] = {"pt", "42"};
    archllm_status s = archllm_st_write(path, ts, 3, mk, mv, 2);
    archllm_safetensors st;
    if (s == ARCHLLM_OK) s = archllm_st_open(&st, path);
    CHECK(s == ARCHLLM_OK, "round trip opens (%s)", archllm_last_error());
    if (s == ARCHLLM_OK) {
        float w[6];
        int32_t gi[4];
        int64_t shape[2] = {2, 3}, wrong[2] = {3, 2};
        CHECK(archllm_st_get_f32(&st, "w", 2, shape, w) == ARCHLLM_OK && memcmp(w, v, sizeof w) == 0, "F32 values");
        CHECK(archllm_st_get_f32(&st, "w", 2, wrong, w) == ARCHLLM_EFORMAT &&
                  strstr(archllm_last_error(), "shape [2,3], expected [3,2]"),
              "shape mismatch: %s", archllm_last_error());
        const archllm_st_entry *e = archllm_st_find(&st, "idx");
        CHECK(e && archllm_st_read_i32(&st, e, gi, 4) == ARCHLLM_OK && memcmp(gi, iv, sizeof gi) == 0, "I32 values");
        e = archllm_st_find(&st, "mask");
        CHECK(e && archllm_st_read_i32(&st, e, gi, 3) == ARCHLLM_OK && gi[2] == 255, "U8 values");
        CHECK(archllm_st_meta(&st, "step") && strcmp(archllm_st_meta(&st, "step"), "42") == 0, "metadata");
        CHECK(archllm_st_find(&st, "nope") == NULL && archllm_st_get_f32(&st, "nope", 0, NULL, w) == ARCHLLM_ENOTFOUND,
              "absent tensor");
        archllm_st_close(&st);
    }

    /* F16 and BF16 conversion: 1.0, -2.0, 0.5, 65504, smallest subnormal; bf16 of 3.140625 */
    uint16_t h16[5] = {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001};
    uint16_t b16[2] = {0x4049, 0xbf80};
    size_t len;
    unsigned char *file = make_file("{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                                    "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[10,14]}}",
                                    NULL, 14, &len);
    memcpy(file + len - 14, h16, 10);
    memcpy(file + len - 4, b16, 4);
    s = archllm_st_parse(&st, file, len, "halves");
    CHECK(s == ARCHLLM_OK, "F16/BF16 file parses (%s)", archllm_last_error());
    if (s == ARCHLLM_OK) {
        float h[5], b[2];
        archllm_st_get_f32(&st, "h", 0, NULL, h);
        archllm_st_get_f32(&st, "b", 0, NULL, b);
        CHECK(h[0] == 1.0f && h[1] == -2.0f && h[2] == 0.5f && h[3] == 65504.0f && h[4] == 5.960464477539063e-8f,
              "F16 -> F32 (%g %g %g %g %g)", h[0], h[1], h[2], h[3], h[4]);
        CHECK(b[0] == 3.140625f && b[1] == -1.0f, "BF16 -> F32 (%g %g)", b[0], b[1]);
        archllm_st_close(&st);
    }

    /* malformed files */
    static const unsigned char short_file[4] = {1, 2, 3, 4};
    CHECK(archllm_st_parse(&st, dup_bytes(short_file, 4), 4, "short") == ARCHLLM_EFORMAT, "4-byte file: %s",
          archllm_last_error());
    unsigned char huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
    CHECK(archllm_st_parse(&st, dup_bytes(huge, 16), 16, "huge") == ARCHLLM_EFORMAT, "huge header length: %s",
          archllm_last_error());
    unsigned char trunc[16] = {64, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    CHECK(archllm_st_parse(&st, dup_bytes(trunc, 16), 16, "trunc") == ARCHLLM_EFORMAT, "truncated header: %s",
          archllm_last_error());
    float d6[6] = {0};
    CHECK(parse_json("{\"a\":", NULL, 0) == ARCHLLM_EFORMAT, "bad JSON: %s", archllm_last_error());
    CHECK(parse_json("[1,2]", NULL, 0) == ARCHLLM_EFORMAT, "not an object: %s", archllm_last_error());
    CHECK(parse_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                     "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                     d6, 16) == ARCHLLM_EFORMAT,
          "duplicate key: %s", archllm_last_error());
    CHECK(parse_json("{\"a\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", d6, 8) == ARCHLLM_EFORMAT,
          "unknown dtype: %s", archllm_last_error());
    CHECK(parse_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", d6, 8) == ARCHLLM_EFORMAT,
          "size does not match shape: %s", archllm_last_error());
    CHECK(parse_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", d6, 4) == ARCHLLM_EFORMAT &&
              strstr(archllm_last_error(), "truncated"),
          "truncated data: %s", archllm_last_error());
    CHECK(parse_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", d6, 12) == ARCHLLM_EFORMAT &&
              strstr(archllm_last_error(), "trailing"),
          "trailing bytes: %s", archllm_last_error());
    CHECK(parse_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                     "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                     d6, 12) == ARCHLLM_EFORMAT,
          "overlapping tensors: %s", archllm_last_error());
    CHECK(parse_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", d6, 8) == ARCHLLM_EFORMAT,
          "negative dimension: %s", archllm_last_error());
    CHECK(parse_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", d6, 8) == ARCHLLM_EFORMAT,
          "reversed offsets: %s", archllm_last_error());
    CHECK(parse_json("{\"__metadata__\":{\"k\":1}}", NULL, 0) == ARCHLLM_EFORMAT, "non-string metadata: %s",
          archllm_last_error());
    CHECK(parse_json("{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", d6, 4) == ARCHLLM_OK,
          "0-rank scalar accepted");
    CHECK(archllm_st_open(&st, "/nonexistent/x.safetensors") == ARCHLLM_EIO, "missing file: %s", archllm_last_error());

    /* a failed write leaves the previous file intact */
    s = archllm_st_write("/nonexistent-dir/x.safetensors", &t, 1, NULL, NULL, 0);
    CHECK(s == ARCHLLM_EIO, "write into a missing folder fails cleanly: %s", archllm_last_error());
    unlink(path);
    return test_finish();
}
