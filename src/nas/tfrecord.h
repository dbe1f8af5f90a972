/* tfrecord.h - TFRecord framing: records of (uint64 length, masked CRC32C of the length,
 * data, masked CRC32C of the data), little-endian, until EOF.  Only the framing; what
 * the records hold (NB101 JSON rows) is parsed in nb101_data.c. */
#ifndef ARCHLLM_NAS_TFRECORD_H
#define ARCHLLM_NAS_TFRECORD_H

#include <stdint.h>
#include <stdio.h>

#include "archllm.h"

#define ARCHLLM_TFRECORD_MAX_LEN ((uint64_t)64 << 20) /* nasbench rows are a few KiB */

uint32_t archllm_crc32c(uint32_t crc, const void *data, size_t n); /* crc 0 to start */
uint32_t archllm_tfrecord_mask(uint32_t crc);                      /* rotr 15 + 0xa282ead8 */

typedef struct {
    FILE     *f;
    const char *name;       /* for messages */
    uint8_t  *buf;
    size_t    cap;
    uint64_t  offset;       /* byte offset of the next record */
    long      record;       /* records read so far */
} archllm_tfrecord_reader;

void archllm_tfrecord_reader_init(archllm_tfrecord_reader *r, FILE *f, const char *name);
void archllm_tfrecord_reader_free(archllm_tfrecord_reader *r);
/* Next record into *data (valid until the next call).  ENOTFOUND at a clean end of file;
 * EFORMAT for a truncated record, a CRC mismatch or an oversized length. */
archllm_status archllm_tfrecord_next(archllm_tfrecord_reader *r, const uint8_t **data, size_t *len);

archllm_status archllm_tfrecord_write(FILE *f, const void *data, size_t len);

#endif
