/* safetensors.c - the safetensors reader (validating) and writer (atomic). */
#include <config.h>

#include "io/safetensors.h"
#include "util/error.h"
#include "util/fileio.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADER 100000000u /* the reference implementation's limit */

static const struct {
    const char *name;
    size_t      size;
} dtypes[ARCHLLM_DT_COUNT_] = {
    [ARCHLLM_DT_BOOL] = {"BOOL", 1}, [ARCHLLM_DT_U8] = {"U8", 1},     [ARCHLLM_DT_I8] = {"I8", 1},
    [ARCHLLM_DT_I16] = {"I16", 2},   [ARCHLLM_DT_U16] = {"U16", 2},   [ARCHLLM_DT_F16] = {"F16", 2},
    [ARCHLLM_DT_BF16] = {"BF16", 2}, [ARCHLLM_DT_I32] = {"I32", 4},   [ARCHLLM_DT_U32] = {"U32", 4},
    [ARCHLLM_DT_F32] = {"F32", 4},   [ARCHLLM_DT_F64] = {"F64", 8},   [ARCHLLM_DT_I64] = {"I64", 8},
    [ARCHLLM_DT_U64] = {"U64", 8},   [ARCHLLM_DT_F8_E5M2] = {"F8_E5M2", 1},
    [ARCHLLM_DT_F8_E4M3] = {"F8_E4M3", 1},
};

const char *archllm_dtype_name(archllm_dtype d) { return (unsigned)d < ARCHLLM_DT_COUNT_ ? dtypes[d].name : "?"; }
size_t archllm_dtype_size(archllm_dtype d) { return (unsigned)d < ARCHLLM_DT_COUNT_ ? dtypes[d].size : 0; }

static int dtype_from_name(const char *s)
{
    for (int i = 0; i < ARCHLLM_DT_COUNT_; i++)
        if (strcmp(dtypes[i].name, s) == 0) return i;
    return -1;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

void archllm_st_close(archllm_safetensors *st)
{
    for (int i = 0; i < st->n; i++) free(st->entries[i].name);
    for (int i = 0; i < st->n_meta; i++) {
        free(st->meta_keys[i]);
        free(st->meta_values[i]);
    }
    free(st->entries);
    free(st->meta_keys);
    free(st->meta_values);
    free(st->file);
    free(st->path);
    memset(st, 0, sizeof *st);
}

static int by_begin(const void *a, const void *b)
{
    const archllm_st_entry *x = a, *y = b;
    return (x->begin > y->begin) - (x->begin < y->begin);
}

/* Clear st and fail; the message arguments must not read st. */
#define BAD(...) (archllm_st_close(st), archllm_fail(ARCHLLM_EFORMAT, __VA_ARGS__))
/* Inside the header walk: format first (the arguments may point into root), then free. */
#define BAD_JSON(...) (archllm_fail(ARCHLLM_EFORMAT, __VA_ARGS__), json_decref(root), archllm_st_close(st), ARCHLLM_EFORMAT)

archllm_status archllm_st_parse(archllm_safetensors *st, unsigned char *buf, size_t len, const char *name)
{
    memset(st, 0, sizeof *st);
    st->file = buf;
    st->file_len = len;
    st->path = strdup(name ? name : "(memory)");
    if (!st->path) return BAD("out of memory");
    if (len < 8) return BAD("%s: not a safetensors file: %zu bytes, shorter than the 8-byte header length", name, len);
    uint64_t n = le64(buf);
    if (n > MAX_HEADER) return BAD("%s: header length %llu exceeds the limit of %u", name, (unsigned long long)n, MAX_HEADER);
    if (n + 8 > len)
        return BAD("%s: truncated: header of %llu bytes but the file has %zu", name, (unsigned long long)n, len);
    if (n < 2 || buf[8] != '{') return BAD("%s: header is not a JSON object", name);
    st->data_start = 8 + (size_t)n;

    json_error_t jerr;
    json_t *root = json_loadb((const char *)buf + 8, (size_t)n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) return BAD("%s: header JSON: %s (column %d)", name, jerr.text, jerr.column);
    if (!json_is_object(root))
        return BAD_JSON("%s: header is not a JSON object", name);
    size_t count = json_object_size(root);
    st->entries = calloc(count ? count : 1, sizeof *st->entries);
    if (!st->entries)
        return BAD_JSON("%s: out of memory", name);
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(val))
                return BAD_JSON("%s: __metadata__ must be an object of strings", name);
            size_t m = json_object_size(val);
            st->meta_keys = calloc(m ? m : 1, sizeof(char *));
            st->meta_values = calloc(m ? m : 1, sizeof(char *));
            if (!st->meta_keys || !st->meta_values) return BAD_JSON("%s: out of memory", name);
            const char *mk;
            json_t *mv;
            json_object_foreach(val, mk, mv) {
                if (!json_is_string(mv))
                    return BAD_JSON("%s: __metadata__.%s is not a string", name, mk);
                st->meta_keys[st->n_meta] = strdup(mk);
                st->meta_values[st->n_meta] = strdup(json_string_value(mv));
                st->n_meta++;
            }
            continue;
        }
        archllm_st_entry *e = &st->entries[st->n];
        json_t *jd = json_object_get(val, "dtype"), *js = json_object_get(val, "shape"),
               *jo = json_object_get(val, "data_offsets");
        int dt = json_is_string(jd) ? dtype_from_name(json_string_value(jd)) : -1;
        if (!json_is_object(val) || dt < 0 || !json_is_array(js) || !json_is_array(jo) || json_array_size(jo) != 2)
            return BAD_JSON("%s: tensor '%s': needs a known dtype, a shape list and two data_offsets", name, key);
        if (json_array_size(js) > ARCHLLM_ST_MAX_DIMS)
            return BAD_JSON("%s: tensor '%s': %zu dimensions (at most %d)", name, key, json_array_size(js),
                            ARCHLLM_ST_MAX_DIMS);
        e->name = strdup(key);
        st->n++; /* counted now so archllm_st_close frees the name on any error below */
        if (!e->name) return BAD_JSON("%s: out of memory", name);
        e->dtype = (archllm_dtype)dt;
        e->ndim = (int)json_array_size(js);
        e->numel = 1;
        for (int d = 0; d < e->ndim; d++) {
            json_t *x = json_array_get(js, (size_t)d);
            json_int_t v = json_is_integer(x) ? json_integer_value(x) : -1;
            if (v < 0 || (e->numel && (uint64_t)v > (uint64_t)len / e->numel))
                return BAD_JSON("%s: tensor '%s': bad shape dimension %d", name, key, d);
            e->shape[d] = v;
            e->numel *= (size_t)v;
        }
        json_t *b = json_array_get(jo, 0), *en = json_array_get(jo, 1);
        if (!json_is_integer(b) || !json_is_integer(en) || json_integer_value(b) < 0 ||
            json_integer_value(en) < json_integer_value(b))
            return BAD_JSON("%s: tensor '%s': bad data_offsets", name, key);
        e->begin = (size_t)json_integer_value(b);
        e->end = (size_t)json_integer_value(en);
        if (e->end - e->begin != e->numel * dtypes[dt].size)
            return BAD_JSON("%s: tensor '%s': %zu bytes for %zu %s elements", name, key, e->end - e->begin,
                            e->numel, dtypes[dt].name);
    }
    json_decref(root);

    /* Offsets must tile the data section exactly: contiguous from 0, no gaps or overlaps. */
    archllm_st_entry *sorted = malloc((st->n ? st->n : 1) * sizeof *sorted);
    if (!sorted) return BAD("%s: out of memory", name);
    memcpy(sorted, st->entries, st->n * sizeof *sorted);
    qsort(sorted, (size_t)st->n, sizeof *sorted, by_begin);
    size_t at = 0;
    for (int i = 0; i < st->n; i++) {
        if (sorted[i].begin != at) {
            char tname[256];
            size_t begin = sorted[i].begin;
            snprintf(tname, sizeof tname, "%s", sorted[i].name);
            free(sorted);
            return BAD("%s: tensor '%s' starts at byte %zu, expected %zu (gap or overlap)", name, tname, begin, at);
        }
        at = sorted[i].end;
    }
    free(sorted);
    size_t have = len - st->data_start; /* BAD() clears st before formatting */
    if (have != at)
        return BAD("%s: %s: data section holds %zu bytes, tensors need %zu", name,
                   have < at ? "truncated" : "trailing bytes", have, at);
    return ARCHLLM_OK;
}

archllm_status archllm_st_open(archllm_safetensors *st, const char *path)
{
    char *data;
    size_t len;
    memset(st, 0, sizeof *st);
    ARCHLLM_TRY(archllm_read_file(path, &data, &len));
    return archllm_st_parse(st, (unsigned char *)data, len, path);
}

const archllm_st_entry *archllm_st_find(const archllm_safetensors *st, const char *name)
{
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->entries[i].name, name) == 0) return &st->entries[i];
    return NULL;
}

const char *archllm_st_meta(const archllm_safetensors *st, const char *key)
{
    for (int i = 0; i < st->n_meta; i++)
        if (strcmp(st->meta_keys[i], key) == 0) return st->meta_values[i];
    return NULL;
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) {
                mant <<= 1;
                exp--;
            }
            bits = sign | exp << 23 | (mant & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Element i of data p as a double (exact for every integer and float type here); 0 when
 * the dtype has no conversion. */
static int element(archllm_dtype dt, const unsigned char *p, size_t i, double *v)
{
    switch (dt) {
    case ARCHLLM_DT_F32: {
        float f;
        memcpy(&f, p + 4 * i, 4);
        *v = f;
        return 1;
    }
    case ARCHLLM_DT_F16: *v = half_to_float((uint16_t)(p[2 * i] | p[2 * i + 1] << 8)); return 1;
    case ARCHLLM_DT_BF16: {
        uint32_t bits = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8) << 16;
        float f;
        memcpy(&f, &bits, 4);
        *v = f;
        return 1;
    }
    case ARCHLLM_DT_F64: memcpy(v, p + 8 * i, 8); return 1;
    case ARCHLLM_DT_I32: {
        int32_t x;
        memcpy(&x, p + 4 * i, 4);
        *v = x;
        return 1;
    }
    case ARCHLLM_DT_I64: {
        int64_t x;
        memcpy(&x, p + 8 * i, 8);
        *v = (double)x;
        return 1;
    }
    case ARCHLLM_DT_U8:
    case ARCHLLM_DT_BOOL: *v = p[i]; return 1;
    case ARCHLLM_DT_I8: *v = (int8_t)p[i]; return 1;
    default: return 0;
    }
}

static archllm_status check_count(const archllm_safetensors *st, const archllm_st_entry *e, size_t n)
{
    if (n == e->numel) return ARCHLLM_OK;
    return archllm_fail(ARCHLLM_EFORMAT, "%s: tensor '%s' has %zu elements, expected %zu", st->path, e->name, e->numel,
                        n);
}

archllm_status archllm_st_read_f32(const archllm_safetensors *st, const archllm_st_entry *e, float *out, size_t n)
{
    ARCHLLM_TRY(check_count(st, e, n));
    const unsigned char *p = st->file + st->data_start + e->begin;
    if (e->dtype == ARCHLLM_DT_F32) {
        memcpy(out, p, n * sizeof(float));
        return ARCHLLM_OK;
    }
    for (size_t i = 0; i < n; i++) {
        double v;
        if (!element(e->dtype, p, i, &v))
            return archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: tensor '%s': dtype %s cannot be read as float", st->path,
                                e->name, archllm_dtype_name(e->dtype));
        out[i] = (float)v;
    }
    return ARCHLLM_OK;
}

archllm_status archllm_st_read_i32(const archllm_safetensors *st, const archllm_st_entry *e, int32_t *out, size_t n)
{
    ARCHLLM_TRY(check_count(st, e, n));
    int integer = e->dtype == ARCHLLM_DT_I32 || e->dtype == ARCHLLM_DT_I64 || e->dtype == ARCHLLM_DT_U8 ||
                  e->dtype == ARCHLLM_DT_I8 || e->dtype == ARCHLLM_DT_BOOL;
    if (!integer)
        return archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: tensor '%s': dtype %s is not an integer type", st->path,
                            e->name, archllm_dtype_name(e->dtype));
    const unsigned char *p = st->file + st->data_start + e->begin;
    for (size_t i = 0; i < n; i++) {
        double v;
        element(e->dtype, p, i, &v);
        if (v < INT32_MIN || v > INT32_MAX)
            return archllm_fail(ARCHLLM_EFORMAT, "%s: tensor '%s': element %zu (%.0f) exceeds int32", st->path,
                                e->name, i, v);
        out[i] = (int32_t)v;
    }
    return ARCHLLM_OK;
}

archllm_status archllm_st_get_f32(const archllm_safetensors *st, const char *name, int ndim, const int64_t *shape,
                                  float *out)
{
    const archllm_st_entry *e = archllm_st_find(st, name);
    if (!e) return archllm_fail(ARCHLLM_ENOTFOUND, "%s: no tensor '%s'", st->path, name);
    if (shape) {
        int same = e->ndim == ndim;
        for (int d = 0; same && d < ndim; d++) same = e->shape[d] == shape[d];
        if (!same) {
            char want[128] = "", got[128] = "";
            for (int d = 0; d < ndim; d++)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", d ? "," : "", (long long)shape[d]);
            for (int d = 0; d < e->ndim; d++)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? "," : "", (long long)e->shape[d]);
            return archllm_fail(ARCHLLM_EFORMAT, "%s: tensor '%s' has shape [%s], expected [%s]", st->path, name, got,
                                want);
        }
    }
    size_t n = 1;
    for (int d = 0; d < e->ndim; d++) n *= (size_t)e->shape[d];
    return archllm_st_read_f32(st, e, out, n);
}

archllm_status archllm_st_write(const char *path, const archllm_st_tensor *t, int n, const char *const *meta_keys,
                                const char *const *meta_values, int n_meta)
{
    json_t *root = json_object();
    size_t offset = 0;
    if (!root) return archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", path);
    if (n_meta > 0) {
        json_t *meta = json_object();
        for (int i = 0; i < n_meta; i++) json_object_set_new(meta, meta_keys[i], json_string(meta_values[i]));
        json_object_set_new(root, "__metadata__", meta);
    }
    for (int i = 0; i < n; i++) {
        size_t numel = 1;
        json_t *shape = json_array();
        for (int d = 0; d < t[i].ndim; d++) {
            numel *= (size_t)t[i].shape[d];
            json_array_append_new(shape, json_integer(t[i].shape[d]));
        }
        size_t bytes = numel * archllm_dtype_size(t[i].dtype);
        json_t *ent = json_object();
        json_object_set_new(ent, "dtype", json_string(archllm_dtype_name(t[i].dtype)));
        json_object_set_new(ent, "shape", shape);
        json_object_set_new(ent, "data_offsets", json_pack("[II]", (json_int_t)offset, (json_int_t)(offset + bytes)));
        if (json_object_get(root, t[i].name)) {
            json_decref(ent);
            json_decref(root);
            return archllm_fail(ARCHLLM_EINVAL, "%s: tensor name '%s' used twice", path, t[i].name);
        }
        json_object_set_new(root, t[i].name, ent);
        offset += bytes;
    }
    char *header = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!header) return archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", path);
    size_t hlen = strlen(header), padded = (hlen + 7) / 8 * 8;
    unsigned char lenbuf[8];
    for (int i = 0; i < 8; i++) lenbuf[i] = (unsigned char)((uint64_t)padded >> (8 * i));

    archllm_atomic_file af;
    archllm_status s = archllm_atomic_open(&af, path);
    if (s != ARCHLLM_OK) {
        free(header);
        return s;
    }
    int ok = fwrite(lenbuf, 1, 8, af.f) == 8 && fwrite(header, 1, hlen, af.f) == hlen;
    for (size_t i = hlen; ok && i < padded; i++) ok = fputc(' ', af.f) != EOF;
    free(header);
    for (int i = 0; ok && i < n; i++) {
        size_t numel = 1;
        for (int d = 0; d < t[i].ndim; d++) numel *= (size_t)t[i].shape[d];
        size_t bytes = numel * archllm_dtype_size(t[i].dtype);
        ok = bytes == 0 || fwrite(t[i].data, 1, bytes, af.f) == bytes;
    }
    if (!ok) {
        int err = errno;
        archllm_atomic_abort(&af);
        return archllm_fail(ARCHLLM_EIO, "%s: write failed: %s", path, strerror(err));
    }
    return archllm_atomic_commit(&af);
}
