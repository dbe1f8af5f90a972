/* nb101_record.h - builds rows of the official NB101 file format for tests: the
 * ModelMetrics protobuf (evaluation data at init, halfway and final; trainable
 * parameters; total time) and its base64 text, as nasbench stores them. */
#ifndef ARCHLLM_TESTS_NB101_RECORD_H
#define ARCHLLM_TESTS_NB101_RECORD_H

#include <stdint.h>
#include <string.h>

typedef struct {
    uint8_t b[1024];
    size_t  n;
} bytes;

static inline void put(bytes *o, const void *p, size_t n)
{
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static inline void put_varint(bytes *o, uint64_t v)
{
    while (v >= 0x80) {
        o->b[o->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    o->b[o->n++] = (uint8_t)v;
}

static inline void put_double(bytes *o, uint8_t tag, double d)
{
    o->b[o->n++] = tag;
    put(o, &d, 8);
}

/* ModelMetrics with evaluation_data at init, halfway and final (valid/test as fractions) */
static inline void metrics(bytes *o, int32_t params, double valid, double test)
{
    o->n = 0;
    for (int k = 0; k < 3; k++) {
        bytes e = {.n = 0};
        put_double(&e, 0x09, k * 54.0);
        put_double(&e, 0x11, 100.0 * k);
        put_double(&e, 0x19, k == 2 ? 1.0 : 0.5);
        put_double(&e, 0x21, k == 2 ? valid : 0.1);
        put_double(&e, 0x29, k == 2 ? test : 0.1);
        e.b[e.n++] = 0x32;
        put_varint(&e, 4);
        put(&e, "ckpt", 4);
        o->b[o->n++] = 0x0a;
        put_varint(o, e.n);
        put(o, e.b, e.n);
    }
    o->b[o->n++] = 0x10;
    put_varint(o, (uint64_t)params);
    put_double(o, 0x19, 1234.5);
}

static inline void base64(char *out, const uint8_t *in, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tab[w >> 18 & 63];
        out[o++] = tab[w >> 12 & 63];
        out[o++] = i + 1 < n ? tab[w >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tab[w & 63] : '=';
    }
    out[o] = '\0';
}

#endif
