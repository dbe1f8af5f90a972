/* nb101_data.c - reader for the official NAS-Bench-101 tfrecords.
 * Each record is a JSON list (jansson), the last element base64 of a proto2
 * ModelMetrics (SPACES.md 4.1), decoded here with a minimal varint/fixed64 walker that
 * skips unknown fields.  Statistics are kept in an open-addressing table by digest. */
#include "nas/nb101_data.h"
#include "nas/tfrecord.h"
#include "util/error.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct archllm_nb101_data {
    archllm_nb101_stats *items;
    size_t               n, cap;
    uint32_t            *slots;   /* index+1, 0 empty */
    size_t               mask;
};

/* ---- base64 ---- */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

archllm_status archllm_base64_decode(uint8_t *out, size_t *outlen, const char *in, size_t len)
{
    if (len % 4 != 0) return archllm_fail(ARCHLLM_EFORMAT, "base64 length %zu is not a multiple of 4", len);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            if (in[i + k] == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) return archllm_fail(ARCHLLM_EFORMAT, "base64: data after padding");
            v[k] = b64val((unsigned char)in[i + k]);
            if (v[k] < 0) return archllm_fail(ARCHLLM_EFORMAT, "base64: bad character at %zu", i + (size_t)k);
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (uint8_t)(w >> 16);
        if (pad < 2) out[o++] = (uint8_t)(w >> 8);
        if (pad < 1) out[o++] = (uint8_t)w;
    }
    *outlen = o;
    return ARCHLLM_OK;
}

/* ---- protobuf ---- */

typedef struct {
    const uint8_t *p, *end;
} pb_reader;

static int pb_varint(pb_reader *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return -1;
        uint8_t b = *r->p++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Read one field; for wire type 2, sub and sublen point at the bytes. */
static int pb_field(pb_reader *r, int *field, int *wire, uint64_t *val, const uint8_t **sub, size_t *sublen)
{
    uint64_t key;
    if (pb_varint(r, &key)) return -1;
    *field = (int)(key >> 3);
    *wire = (int)(key & 7);
    switch (*wire) {
    case 0: return pb_varint(r, val);
    case 1:
        if (r->end - r->p < 8) return -1;
        memcpy(val, r->p, 8); /* little-endian host assumed, as is the rest of the code */
        r->p += 8;
        return 0;
    case 2: {
        uint64_t n;
        if (pb_varint(r, &n) || n > (uint64_t)(r->end - r->p)) return -1;
        *sub = r->p;
        *sublen = (size_t)n;
        r->p += n;
        return 0;
    }
    case 5:
        if (r->end - r->p < 4) return -1;
        r->p += 4;
        return 0;
    default: return -1;
    }
}

static double as_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

archllm_status archllm_nb101_metrics_parse(archllm_nb101_row *out, const uint8_t *pb, size_t len)
{
    pb_reader r = {pb, pb + len};
    out->n_evals = 0;
    out->trainable_parameters = 0;
    out->final_validation = out->final_test = 0.0;
    while (r.p < r.end) {
        int field, wire;
        uint64_t val = 0;
        const uint8_t *sub = NULL;
        size_t sublen = 0;
        if (pb_field(&r, &field, &wire, &val, &sub, &sublen))
            return archllm_fail(ARCHLLM_EFORMAT, "ModelMetrics protobuf is malformed at byte %zu", (size_t)(r.p - pb));
        if (field == 1 && wire == 2) {
            pb_reader e = {sub, sub + sublen};
            double valid = 0.0, test = 0.0;
            while (e.p < e.end) {
                int f2, w2;
                uint64_t v2 = 0;
                const uint8_t *s2;
                size_t l2;
                if (pb_field(&e, &f2, &w2, &v2, &s2, &l2))
                    return archllm_fail(ARCHLLM_EFORMAT, "EvaluationData protobuf is malformed");
                if (f2 == 4 && w2 == 1) valid = as_double(v2);
                if (f2 == 5 && w2 == 1) test = as_double(v2);
            }
            out->final_validation = valid;
            out->final_test = test;
            out->n_evals++;
        } else if (field == 2 && wire == 0) {
            out->trainable_parameters = (int32_t)val;
        }
    }
    if (out->n_evals == 0) return archllm_fail(ARCHLLM_EFORMAT, "ModelMetrics has no evaluation_data");
    return ARCHLLM_OK;
}

/* ---- JSON rows ---- */

static archllm_status row_fail(json_t *root, const char *what)
{
    json_decref(root);
    return archllm_fail(ARCHLLM_EFORMAT, "NB101 row: %s", what);
}

archllm_status archllm_nb101_row_parse(archllm_nb101_row *out, const uint8_t *json, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) return archllm_fail(ARCHLLM_EFORMAT, "NB101 row: JSON error at column %d: %s", jerr.column, jerr.text);
    if (!json_is_array(root) || json_array_size(root) != 5) return row_fail(root, "not a 5-element JSON list");
    json_t *jh = json_array_get(root, 0), *je = json_array_get(root, 1), *ja = json_array_get(root, 2),
           *jo = json_array_get(root, 3), *jm = json_array_get(root, 4);
    if (!json_is_string(jh) || !json_is_integer(je) || !json_is_string(ja) || !json_is_string(jo) ||
        !json_is_string(jm))
        return row_fail(root, "elements must be [str, int, str, str, str]");
    memset(out, 0, sizeof *out);
    if (json_string_length(jh) != 32 || archllm_digest_parse(out->digest, json_string_value(jh)) != ARCHLLM_OK)
        return row_fail(root, "module_hash is not 32 hex chars");
    json_int_t ep = json_integer_value(je);
    if (ep < 0 || ep > 100000) return row_fail(root, "epochs out of range");
    out->epochs = (int)ep;
    if (strlen(json_string_value(ja)) != json_string_length(ja) ||
        strlen(json_string_value(jo)) != json_string_length(jo))
        return row_fail(root, "NUL inside a string");
    archllm_status st = archllm_cell_parse_nb101(&out->cell, json_string_value(ja), json_string_value(jo));
    if (st != ARCHLLM_OK) {
        json_decref(root);
        return archllm_fail_prefix(st, "NB101 row");
    }
    size_t mlen = json_string_length(jm);
    uint8_t *pb = malloc(mlen / 4 * 3 + 3);
    if (!pb) {
        json_decref(root);
        return archllm_fail(ARCHLLM_ENOMEM, "NB101 row: out of memory");
    }
    size_t pblen = 0;
    st = archllm_base64_decode(pb, &pblen, json_string_value(jm), mlen);
    if (st == ARCHLLM_OK) st = archllm_nb101_metrics_parse(out, pb, pblen);
    free(pb);
    json_decref(root);
    if (st != ARCHLLM_OK) return archllm_fail_prefix(st, "NB101 row metrics");
    return ARCHLLM_OK;
}

/* ---- the table ---- */

static size_t slot_of(const uint8_t d[16], size_t mask)
{
    uint64_t k;
    memcpy(&k, d, 8);
    return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

static archllm_nb101_stats *table_get(archllm_nb101_data *t, const uint8_t d[16], int create)
{
    size_t i = slot_of(d, t->mask);
    while (t->slots[i]) {
        archllm_nb101_stats *s = &t->items[t->slots[i] - 1];
        if (memcmp(s->digest, d, 16) == 0) return s;
        i = (i + 1) & t->mask;
    }
    if (!create) return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        archllm_nb101_stats *it = realloc(t->items, cap * sizeof *it);
        if (!it) return NULL;
        t->items = it;
        t->cap = cap;
    }
    if ((t->n + 1) * 2 > t->mask + 1) { /* keep the load under 1/2 */
        size_t nslots = (t->mask + 1) * 2;
        uint32_t *ns = calloc(nslots, sizeof *ns);
        if (!ns) return NULL;
        for (size_t k = 0; k < t->n; k++) {
            size_t j = slot_of(t->items[k].digest, nslots - 1);
            while (ns[j]) j = (j + 1) & (nslots - 1);
            ns[j] = (uint32_t)k + 1;
        }
        free(t->slots);
        t->slots = ns;
        t->mask = nslots - 1;
        i = slot_of(d, t->mask);
        while (t->slots[i]) i = (i + 1) & t->mask;
    }
    archllm_nb101_stats *s = &t->items[t->n];
    memset(s, 0, sizeof *s);
    memcpy(s->digest, d, 16);
    t->slots[i] = (uint32_t)(++t->n);
    return s;
}

void archllm_nb101_data_free(archllm_nb101_data *d)
{
    if (!d) return;
    free(d->items);
    free(d->slots);
    free(d);
}

archllm_status archllm_nb101_data_read(archllm_nb101_data **out, FILE *f, const char *name)
{
    *out = NULL;
    archllm_nb101_data *t = calloc(1, sizeof *t);
    if (t) {
        t->mask = 1023;
        t->slots = calloc(t->mask + 1, sizeof *t->slots);
    }
    if (!t || !t->slots) {
        archllm_nb101_data_free(t);
        return archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", name);
    }
    archllm_tfrecord_reader r;
    archllm_tfrecord_reader_init(&r, f, name);
    archllm_status st;
    for (;;) {
        const uint8_t *data;
        size_t len;
        st = archllm_tfrecord_next(&r, &data, &len);
        if (st == ARCHLLM_ENOTFOUND) {
            st = ARCHLLM_OK;
            break;
        }
        if (st != ARCHLLM_OK) break;
        archllm_nb101_row row;
        st = archllm_nb101_row_parse(&row, data, len);
        if (st != ARCHLLM_OK) {
            archllm_fail_prefix(st, "%s: record %ld", name, r.record);
            break;
        }
        archllm_nb101_stats *s = table_get(t, row.digest, 1);
        if (!s) {
            st = archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory", name);
            break;
        }
        if (s->cell.nv == 0) { /* first record of a hash fixes the graph and parameters */
            s->cell = row.cell;
            s->trainable_parameters = row.trainable_parameters;
        }
        if (row.epochs == 108) {
            s->repeats++;
            s->mean_validation += row.final_validation;
            s->mean_test += row.final_test;
        }
    }
    archllm_tfrecord_reader_free(&r);
    if (st != ARCHLLM_OK) {
        archllm_nb101_data_free(t);
        return st;
    }
    for (size_t i = 0; i < t->n; i++)
        if (t->items[i].repeats) {
            t->items[i].mean_validation /= t->items[i].repeats;
            t->items[i].mean_test /= t->items[i].repeats;
        }
    *out = t;
    return ARCHLLM_OK;
}

archllm_status archllm_nb101_data_load(archllm_nb101_data **out, const char *path)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return archllm_fail(ARCHLLM_EIO, "%s: %s", path, strerror(errno));
    archllm_status st = archllm_nb101_data_read(out, f, path);
    fclose(f);
    return st;
}

size_t archllm_nb101_data_count(const archllm_nb101_data *d) { return d->n; }

const archllm_nb101_stats *archllm_nb101_data_at(const archllm_nb101_data *d, size_t i)
{
    return i < d->n ? &d->items[i] : NULL;
}

const archllm_nb101_stats *archllm_nb101_data_find(const archllm_nb101_data *d, const char *hash)
{
    uint8_t dg[16];
    if (archllm_digest_parse(dg, hash) != ARCHLLM_OK) return NULL;
    return table_get((archllm_nb101_data *)d, dg, 0);
}
