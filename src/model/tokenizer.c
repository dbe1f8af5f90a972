/* tokenizer.c - SentencePiece unigram tokenizer from a Hugging Face tokenizer.json (see
 * tokenizer.h): jansson for the JSON, a hash table of pieces for the Viterbi lattice, and the
 * Darts double-array lookup of the Precompiled normalizer's charsmap. */
#include "model/tokenizer.h"

#include "util/error.h"
#include "util/fileio.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char  *piece;
    size_t len;
    double score;
    int    normal; /* in the lattice (not a special / added token, not unk) */
} tok_piece;

typedef struct {
    char *content;
    size_t len;
    int   id;
    int   special;
} tok_added;

struct archllm_tokenizer {
    tok_piece *v;
    int        n;
    int        unk_id, eos_id;
    double     unk_score;
    size_t     max_piece;
    int       *table; /* open addressing: piece index + 1, 0 empty */
    size_t     tcap;
    tok_added *added;
    int        n_added;
    /* Precompiled normalizer: Darts units and the replacement strings */
    uint32_t      *trie;
    size_t         trie_n;
    unsigned char *norm;
    size_t         norm_len;
    unsigned char *charsmap; /* the decoded blob backing trie and norm */
    int            prefix_ws; /* Metaspace adds "▁" before every word */
};

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int lookup(const archllm_tokenizer *t, const char *s, size_t n)
{
    for (size_t i = fnv(s, n) & (t->tcap - 1);; i = (i + 1) & (t->tcap - 1)) {
        int k = t->table[i];
        if (!k) return -1;
        const tok_piece *p = &t->v[k - 1];
        if (p->len == n && memcmp(p->piece, s, n) == 0) return k - 1;
    }
}

/* base64 (standard alphabet, '=' padding) */
static unsigned char *b64dec(const char *s, size_t *out_len)
{
    size_t n = strlen(s);
    unsigned char *o = malloc(n / 4 * 3 + 3);
    if (!o) return NULL;
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i], v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') break;
        else {
            free(o);
            return NULL;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (unsigned char)(acc >> bits);
        }
    }
    *out_len = k;
    return o;
}

/* Find the Precompiled normalizer (alone or in a Sequence); other normalizers are ignored
 * (Replace of runs of spaces is what whitespace splitting does anyway). */
static json_t *find_precompiled(json_t *n)
{
    if (!n || !json_is_object(n)) return NULL;
    const char *ty = json_string_value(json_object_get(n, "type"));
    if (ty && strcmp(ty, "Precompiled") == 0) return n;
    if (ty && strcmp(ty, "Sequence") == 0) {
        json_t *a = json_object_get(n, "normalizers"), *x;
        size_t i;
        json_array_foreach(a, i, x) {
            json_t *p = find_precompiled(x);
            if (p) return p;
        }
    }
    return NULL;
}

void archllm_tokenizer_free(archllm_tokenizer *t)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) free(t->v[i].piece);
    for (int i = 0; i < t->n_added; i++) free(t->added[i].content);
    free(t->v), free(t->table), free(t->added), free(t->charsmap);
    free(t);
}

archllm_status archllm_tokenizer_parse(archllm_tokenizer **out, const char *text, size_t len, const char *name)
{
    json_error_t err;
    *out = NULL;
    json_t *root = json_loadb(text, len, 0, &err);
    if (!root) return archllm_fail(ARCHLLM_EFORMAT, "%s:%d: %s", name, err.line, err.text);
    archllm_tokenizer *t = calloc(1, sizeof *t);
    archllm_status s = t ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "%s", name);
    json_t *model = json_object_get(root, "model");
    const char *mt = json_string_value(json_object_get(model, "type"));
    json_t *vocab = json_object_get(model, "vocab");
    if (s == ARCHLLM_OK && (!mt || strcmp(mt, "Unigram") != 0))
        s = archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: model.type is %s%s%s, not Unigram (SentencePiece)", name,
                         mt ? "\"" : "", mt ? mt : "missing", mt ? "\"" : "");
    if (s == ARCHLLM_OK && (!json_is_array(vocab) || json_array_size(vocab) < 3 || json_array_size(vocab) > (1u << 24)))
        s = archllm_fail(ARCHLLM_EFORMAT, "%s: model.vocab is not a list of [piece, score]", name);
    if (s == ARCHLLM_OK) {
        t->n = (int)json_array_size(vocab);
        t->v = calloc((size_t)t->n, sizeof *t->v);
        t->tcap = 16;
        while (t->tcap < 2 * (size_t)t->n) t->tcap *= 2;
        t->table = calloc(t->tcap, sizeof *t->table);
        if (!t->v || !t->table) s = archllm_fail(ARCHLLM_ENOMEM, "%s", name);
    }
    json_t *uid = json_object_get(model, "unk_id");
    if (t) t->unk_id = json_is_integer(uid) ? (int)json_integer_value(uid) : -1;
    if (s == ARCHLLM_OK && (t->unk_id < 0 || t->unk_id >= t->n))
        s = archllm_fail(ARCHLLM_EFORMAT, "%s: model.unk_id missing or outside the vocabulary", name);
    if (s == ARCHLLM_OK && json_is_true(json_object_get(model, "byte_fallback")))
        s = archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: byte_fallback vocabularies are not supported", name);
    /* added tokens first: they stay out of the lattice */
    json_t *added = json_object_get(root, "added_tokens");
    if (s == ARCHLLM_OK && added && !json_is_array(added)) s = archllm_fail(ARCHLLM_EFORMAT, "%s: added_tokens", name);
    if (s == ARCHLLM_OK && added) {
        t->added = calloc(json_array_size(added) + 1, sizeof *t->added);
        if (!t->added) s = archllm_fail(ARCHLLM_ENOMEM, "%s", name);
        size_t i;
        json_t *a;
        json_array_foreach(added, i, a) {
            if (s != ARCHLLM_OK) break;
            const char *c = json_string_value(json_object_get(a, "content"));
            json_t *id = json_object_get(a, "id");
            if (!c || !*c || !json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) >= (1 << 24)) {
                s = archllm_fail(ARCHLLM_EFORMAT, "%s: added_tokens[%zu] needs content and id", name, i);
                break;
            }
            tok_added *d = &t->added[t->n_added++];
            d->content = strdup(c);
            d->len = strlen(c);
            d->id = (int)json_integer_value(id);
            d->special = json_is_true(json_object_get(a, "special"));
            if (!d->content) s = archllm_fail(ARCHLLM_ENOMEM, "%s", name);
        }
    }
    double minscore = 0.0;
    for (int i = 0; s == ARCHLLM_OK && i < t->n; i++) {
        json_t *e = json_array_get(vocab, (size_t)i);
        const char *p = json_string_value(json_array_get(e, 0));
        json_t *sc = json_array_get(e, 1);
        if (!json_is_array(e) || json_array_size(e) != 2 || !p || !json_is_number(sc)) {
            s = archllm_fail(ARCHLLM_EFORMAT, "%s: model.vocab[%d] is not [piece, score]", name, i);
            break;
        }
        tok_piece *v = &t->v[i];
        v->piece = strdup(p);
        v->len = strlen(p);
        v->score = (float)json_number_value(sc); /* spm scores are float32 */
        if (!v->piece) {
            s = archllm_fail(ARCHLLM_ENOMEM, "%s", name);
            break;
        }
        v->normal = i != t->unk_id && v->len > 0;
        for (int k = 0; k < t->n_added && v->normal; k++)
            if (t->added[k].id == i || strcmp(t->added[k].content, p) == 0) v->normal = 0;
        if (!v->normal) continue;
        if (v->score < minscore) minscore = v->score;
        if (v->len > t->max_piece) t->max_piece = v->len;
        if (lookup(t, p, v->len) >= 0) continue; /* duplicate piece: the first id wins */
        size_t h = fnv(p, v->len) & (t->tcap - 1);
        while (t->table[h]) h = (h + 1) & (t->tcap - 1);
        t->table[h] = i + 1;
    }
    if (t) t->unk_score = minscore - 10.0;
    if (s == ARCHLLM_OK) {
        t->eos_id = archllm_tokenizer_id(t, "</s>");
        json_t *pc = find_precompiled(json_object_get(root, "normalizer"));
        const char *b64 = pc ? json_string_value(json_object_get(pc, "precompiled_charsmap")) : NULL;
        if (b64 && *b64) {
            size_t n = 0;
            t->charsmap = b64dec(b64, &n);
            uint32_t ts = 0;
            if (t->charsmap && n >= 4) ts = (uint32_t)t->charsmap[0] | (uint32_t)t->charsmap[1] << 8 |
                                              (uint32_t)t->charsmap[2] << 16 | (uint32_t)t->charsmap[3] << 24;
            if (!t->charsmap || n < 4 || ts % 4 || (size_t)ts > n - 4 || ts == 0)
                s = archllm_fail(ARCHLLM_EFORMAT, "%s: precompiled_charsmap is malformed", name);
            else {
                t->trie = (uint32_t *)(void *)(t->charsmap + 4); /* the blob is malloc'd: aligned */
                t->trie_n = ts / 4;
                t->norm = t->charsmap + 4 + ts;
                t->norm_len = n - 4 - ts;
            }
        }
        t->prefix_ws = 1;
    }
    json_decref(root);
    if (s != ARCHLLM_OK) archllm_tokenizer_free(t);
    else *out = t;
    return s;
}

archllm_status archllm_tokenizer_load(archllm_tokenizer **t, const char *path)
{
    char *text;
    size_t len;
    ARCHLLM_TRY(archllm_read_file(path, &text, &len));
    archllm_status s = archllm_tokenizer_parse(t, text, len, path);
    free(text);
    return s;
}


int archllm_tokenizer_vocab_size(const archllm_tokenizer *t)
{
    int n = t->n;
    for (int i = 0; i < t->n_added; i++)
        if (t->added[i].id >= n) n = t->added[i].id + 1;
    return n;
}

int archllm_tokenizer_id(const archllm_tokenizer *t, const char *piece)
{
    for (int i = 0; i < t->n_added; i++)
        if (strcmp(t->added[i].content, piece) == 0) return t->added[i].id;
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->v[i].piece, piece) == 0) return i;
    return -1;
}

/* ---- normalization ------------------------------------------------------------------ */

static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t l = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (l == 0 || l > n) return 0;
    for (size_t i = 1; i < l; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return l;
}

/* Darts-clone commonPrefixSearch: the longest key of the trie that prefixes s; returns its
 * length and the value (an offset into the replacement strings), 0 when none. */
static size_t trie_longest(const archllm_tokenizer *t, const unsigned char *s, size_t n, uint32_t *value)
{
#define OFFSET(u) (((u) >> 10) << (((u) & (1u << 9)) >> 6))
#define LABEL(u) ((u) & ((1u << 31) | 0xFFu))
#define HAS_LEAF(u) (((u) >> 8) & 1u)
#define VALUE(u) ((u) & ((1u << 31) - 1))
    size_t best = 0, pos = 0;
    uint32_t u = t->trie[0];
    pos ^= OFFSET(u);
    for (size_t i = 0; i < n; i++) {
        pos ^= s[i];
        if (pos >= t->trie_n) return best;
        u = t->trie[pos];
        if (LABEL(u) != s[i]) return best;
        pos ^= OFFSET(u);
        if (pos >= t->trie_n) return best;
        if (HAS_LEAF(u)) {
            best = i + 1;
            *value = VALUE(t->trie[pos]);
        }
    }
    return best;
#undef OFFSET
#undef LABEL
#undef HAS_LEAF
#undef VALUE
}

/* Normalize s[0..n) into out (cap >= 4 * n + 16); returns the length. */
static size_t normalize(const archllm_tokenizer *t, const unsigned char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t val = 0;
        size_t m = t->trie ? trie_longest(t, s + i, n - i, &val) : 0;
        if (m > 0 && val < t->norm_len) {
            const unsigned char *r = t->norm + val;
            size_t rl = strnlen((const char *)r, t->norm_len - val);
            if (o + rl > cap) break;
            memcpy(out + o, r, rl);
            o += rl;
            i += m;
            continue;
        }
        size_t l = utf8_len(s + i, n - i);
        if (l == 0) { /* invalid UTF-8: U+FFFD, one byte consumed */
            if (o + 3 > cap) break;
            out[o++] = 0xEF, out[o++] = 0xBF, out[o++] = 0xBD;
            i++;
            continue;
        }
        if (o + l > cap) break;
        memcpy(out + o, s + i, l);
        o += l;
        i += l;
    }
    return o;
}

/* ---- Viterbi over one word ("▁" + text) --------------------------------------------- */

static archllm_status viterbi(const archllm_tokenizer *t, const unsigned char *w, size_t n, int32_t *ids, int cap,
                              int *k)
{
    double *best = malloc((n + 1) * sizeof *best);
    int *from = malloc((n + 1) * sizeof *from), *piece = malloc((n + 1) * sizeof *piece);
    int32_t *rev = malloc((n + 1) * sizeof *rev);
    archllm_status s = best && from && piece && rev ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "tokenizer");
    for (size_t i = 0; s == ARCHLLM_OK && i <= n; i++) best[i] = -INFINITY, from[i] = -1, piece[i] = -1;
    if (s == ARCHLLM_OK) best[0] = 0.0;
    for (size_t i = 0; s == ARCHLLM_OK && i < n;) {
        size_t cl = utf8_len(w + i, n - i);
        if (cl == 0) cl = 1;
        if (best[i] == -INFINITY) {
            i += cl;
            continue;
        }
        int single = 0;
        for (size_t l = 1; l <= t->max_piece && i + l <= n; l++) {
            int id = lookup(t, (const char *)w + i, l);
            if (id < 0) continue;
            if (l == cl) single = 1;
            double sc = best[i] + t->v[id].score;
            if (sc > best[i + l]) best[i + l] = sc, from[i + l] = (int)i, piece[i + l] = id;
        }
        if (!single) {
            double sc = best[i] + t->unk_score;
            if (sc > best[i + cl]) best[i + cl] = sc, from[i + cl] = (int)i, piece[i + cl] = t->unk_id;
        }
        i += cl;
    }
    int nr = 0;
    for (int e = (int)n; s == ARCHLLM_OK && e > 0; e = from[e]) {
        if (from[e] < 0) {
            s = archllm_fail(ARCHLLM_EINVAL, "tokenizer: no segmentation");
            break;
        }
        rev[nr++] = piece[e];
    }
    for (int i = nr - 1; s == ARCHLLM_OK && i >= 0; i--) {
        if (rev[i] == t->unk_id && *k > 0 && ids[*k - 1] == t->unk_id) continue; /* fuse unknowns */
        if (*k >= cap) {
            s = archllm_fail(ARCHLLM_EINVAL, "tokenizer: more than %d ids", cap);
            break;
        }
        ids[(*k)++] = rev[i];
    }
    free(best), free(from), free(piece), free(rev);
    return s;
}

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static archllm_status encode_chunk(const archllm_tokenizer *t, const unsigned char *s, size_t n, int32_t *ids, int cap,
                                   int *k)
{
    if (n == 0) return ARCHLLM_OK;
    size_t ncap = 4 * n + 16;
    unsigned char *norm = malloc(ncap), *word = malloc(ncap + 3);
    archllm_status st = norm && word ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "tokenizer");
    size_t m = st == ARCHLLM_OK ? normalize(t, s, n, norm, ncap) : 0;
    for (size_t i = 0; st == ARCHLLM_OK && i < m;) { /* WhitespaceSplit, then Metaspace */
        while (i < m && is_ws(norm[i])) i++;
        size_t j = i;
        while (j < m && !is_ws(norm[j])) j++;
        if (j == i) break;
        size_t wl = 0;
        if (t->prefix_ws) word[wl++] = 0xE2, word[wl++] = 0x96, word[wl++] = 0x81; /* U+2581 */
        memcpy(word + wl, norm + i, j - i);
        wl += j - i;
        st = viterbi(t, word, wl, ids, cap, k);
        i = j;
    }
    free(norm), free(word);
    return st;
}

archllm_status archllm_tokenizer_encode(const archllm_tokenizer *t, const char *text, int add_eos, int32_t *ids,
                                        int cap, int *n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text), start = 0;
    int k = 0;
    for (size_t i = 0; i <= len;) {
        int hit = -1;
        size_t hl = 0;
        for (int a = 0; i < len && a < t->n_added; a++) /* the longest added token here */
            if (t->added[a].len > hl && t->added[a].len <= len - i && memcmp(s + i, t->added[a].content, t->added[a].len) == 0)
                hit = a, hl = t->added[a].len;
        if (hit < 0 && i < len) {
            i++;
            continue;
        }
        ARCHLLM_TRY(encode_chunk(t, s + start, i - start, ids, cap, &k));
        if (hit < 0) break;
        if (k >= cap) return archllm_fail(ARCHLLM_EINVAL, "tokenizer: more than %d ids", cap);
        ids[k++] = t->added[hit].id;
        i += hl;
        start = i;
    }
    if (add_eos) {
        if (t->eos_id < 0) return archllm_fail(ARCHLLM_EFORMAT, "tokenizer: no </s> token");
        if (k >= cap) return archllm_fail(ARCHLLM_EINVAL, "tokenizer: more than %d ids", cap);
        ids[k++] = t->eos_id;
    }
    *n = k;
    return ARCHLLM_OK;
}

size_t archllm_tokenizer_decode(const archllm_tokenizer *t, const int32_t *ids, int n, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0) return 0;
    for (int i = 0; i < n; i++) {
        const char *p = NULL;
        int special = 0;
        for (int a = 0; a < t->n_added; a++)
            if (t->added[a].id == ids[i]) p = t->added[a].content, special = t->added[a].special;
        if (special && ids[i] != t->unk_id) continue;
        if (ids[i] == t->unk_id) p = " \xE2\x81\x87 ";
        else if (!p && ids[i] >= 0 && ids[i] < t->n) p = t->v[ids[i]].piece;
        if (!p) continue;
        for (const char *q = p; *q && o + 1 < cap; q++) {
            if ((unsigned char)q[0] == 0xE2 && (unsigned char)q[1] == 0x96 && (unsigned char)q[2] == 0x81) {
                if (o > 0) out[o++] = ' ';
                q += 2;
            } else {
                out[o++] = *q;
            }
        }
    }
    out[o] = 0;
    return o;
}
