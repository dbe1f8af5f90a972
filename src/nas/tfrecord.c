/* tfrecord.c - TFRecord framing with masked CRC32C (Castagnoli, reflected 0x82F63B78). */
#include "nas/tfrecord.h"
#include "util/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t archllm_crc32c(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&crc_once, crc_init);
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint32_t archllm_tfrecord_mask(uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void store_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void archllm_tfrecord_reader_init(archllm_tfrecord_reader *r, FILE *f, const char *name)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->name = name ? name : "tfrecord";
}

void archllm_tfrecord_reader_free(archllm_tfrecord_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
}

archllm_status archllm_tfrecord_next(archllm_tfrecord_reader *r, const uint8_t **data, size_t *len)
{
    uint8_t head[12], tail[4];
    size_t got = fread(head, 1, sizeof head, r->f);
    if (got == 0 && feof(r->f)) return ARCHLLM_ENOTFOUND; /* clean end */
    if (got < sizeof head)
        return archllm_fail(ARCHLLM_EFORMAT, "%s: record %ld at byte %llu: truncated header", r->name,
                            r->record + 1, (unsigned long long)r->offset);
    uint64_t n = load_le64(head);
    if (archllm_tfrecord_mask(archllm_crc32c(0, head, 8)) != load_le32(head + 8))
        return archllm_fail(ARCHLLM_EFORMAT, "%s: record %ld at byte %llu: length CRC mismatch", r->name,
                            r->record + 1, (unsigned long long)r->offset);
    if (n > ARCHLLM_TFRECORD_MAX_LEN)
        return archllm_fail(ARCHLLM_EFORMAT, "%s: record %ld at byte %llu: length %llu too large", r->name,
                            r->record + 1, (unsigned long long)r->offset, (unsigned long long)n);
    if (n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < n + 1) cap *= 2;
        uint8_t *b = realloc(r->buf, cap);
        if (!b) return archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", r->name);
        r->buf = b;
        r->cap = cap;
    }
    if (fread(r->buf, 1, (size_t)n, r->f) != n || fread(tail, 1, 4, r->f) != 4)
        return archllm_fail(ARCHLLM_EFORMAT, "%s: record %ld at byte %llu: truncated data", r->name,
                            r->record + 1, (unsigned long long)r->offset);
    if (archllm_tfrecord_mask(archllm_crc32c(0, r->buf, (size_t)n)) != load_le32(tail))
        return archllm_fail(ARCHLLM_EFORMAT, "%s: record %ld at byte %llu: data CRC mismatch", r->name,
                            r->record + 1, (unsigned long long)r->offset);
    r->buf[n] = 0; /* convenience for text payloads */
    r->offset += 16 + n;
    r->record++;
    *data = r->buf;
    *len = (size_t)n;
    return ARCHLLM_OK;
}

archllm_status archllm_tfrecord_write(FILE *f, const void *data, size_t len)
{
    uint8_t head[12], tail[4];
    store_le64(head, len);
    store_le32(head + 8, archllm_tfrecord_mask(archllm_crc32c(0, head, 8)));
    store_le32(tail, archllm_tfrecord_mask(archllm_crc32c(0, data, len)));
    if (fwrite(head, 1, 12, f) != 12 || fwrite(data, 1, len, f) != len || fwrite(tail, 1, 4, f) != 4)
        return archllm_fail(ARCHLLM_EIO, "writing a tfrecord: write error");
    return ARCHLLM_OK;
}
