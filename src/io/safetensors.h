/* safetensors.h - read and write the safetensors format (Hugging Face): a little-endian
 * u64 header length N, N bytes of JSON naming each tensor's dtype, shape and byte range,
 * then the data.  The reader validates everything before any tensor is used (header
 * size, JSON, dtypes, shapes, offsets contiguous from 0 and covering the file); the
 * writer pads the header to 8 bytes and writes atomically (temp file + rename). */
#ifndef ARCHLLM_IO_SAFETENSORS_H
#define ARCHLLM_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "archllm.h"

#define ARCHLLM_ST_MAX_DIMS 8

typedef enum {
    ARCHLLM_DT_BOOL, ARCHLLM_DT_U8, ARCHLLM_DT_I8, ARCHLLM_DT_I16, ARCHLLM_DT_U16, ARCHLLM_DT_F16,
    ARCHLLM_DT_BF16, ARCHLLM_DT_I32, ARCHLLM_DT_U32, ARCHLLM_DT_F32, ARCHLLM_DT_F64, ARCHLLM_DT_I64,
    ARCHLLM_DT_U64, ARCHLLM_DT_F8_E5M2, ARCHLLM_DT_F8_E4M3, ARCHLLM_DT_COUNT_
} archllm_dtype;

const char *archllm_dtype_name(archllm_dtype d);
size_t      archllm_dtype_size(archllm_dtype d);

typedef struct {
    char          *name;
    archllm_dtype  dtype;
    int            ndim;
    int64_t        shape[ARCHLLM_ST_MAX_DIMS];
    size_t         numel;
    size_t         begin, end; /* byte range within the data section */
} archllm_st_entry;

typedef struct {
    char             *path;     /* for messages */
    unsigned char    *file;     /* the whole file */
    size_t            file_len;
    size_t            data_start; /* 8 + N */
    int               n;
    archllm_st_entry *entries;
    int               n_meta;
    char            **meta_keys, **meta_values;
} archllm_safetensors;

/* Read and validate a file. */
archllm_status archllm_st_open(archllm_safetensors *st, const char *path);
/* Validate a file already in memory (takes ownership of buf, allocated with malloc). */
archllm_status archllm_st_parse(archllm_safetensors *st, unsigned char *buf, size_t len, const char *name);
void           archllm_st_close(archllm_safetensors *st);

const archllm_st_entry *archllm_st_find(const archllm_safetensors *st, const char *name);
/* NULL when absent */
const char *archllm_st_meta(const archllm_safetensors *st, const char *key);
/* Copy a tensor converted to float32 (from F32, F16, BF16, F64, and integer types);
 * n must equal its element count. */
archllm_status archllm_st_read_f32(const archllm_safetensors *st, const archllm_st_entry *e, float *out, size_t n);
/* Copy an integer tensor (I32, I64 in int32 range, U8, I8, BOOL) as int32. */
archllm_status archllm_st_read_i32(const archllm_safetensors *st, const archllm_st_entry *e, int32_t *out, size_t n);
/* Convenience: find + shape check (shape may be NULL to skip) + read_f32. */
archllm_status archllm_st_get_f32(const archllm_safetensors *st, const char *name, int ndim, const int64_t *shape,
                                  float *out);

typedef struct {
    const char   *name;
    archllm_dtype dtype; /* F32, I32, I64, U8 are written as is */
    int           ndim;
    int64_t       shape[ARCHLLM_ST_MAX_DIMS];
    const void   *data;
} archllm_st_tensor;

/* Write tensors and string metadata (meta: n_meta key/value pairs, may be 0) atomically. */
archllm_status archllm_st_write(const char *path, const archllm_st_tensor *tensors, int n,
                                const char *const *meta_keys, const char *const *meta_values, int n_meta);

#endif
