/* cfg_engine.c - the config engine (cfg_engine.h): reads, checks, overrides, prints and
 * documents a struct described by any schema table.
 *
 * Holds: the libconfig walk that maps each setting to its row, value parsing from
 * libconfig settings and from --set text, range checks, and the printers.  Does not hold:
 * a schema (the experiment's is in experiment.c) or what a key means to its stage. */
#include "config.h"

#include "io/cfg_engine.h"
#include "util/error.h"
#include "util/fileio.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_CAP 512
#define FIELD_MAX 4096 /* largest field a schema may use (a path string) */
#define PATH_CAP 1024  /* a config file's path (ARCHLLM_CONFIG_PATH_MAX of the experiment config) */

/* A value as read, before range checks and storing into the field. */
typedef struct {
    int64_t     i;
    double      f;
    bool        b;
    const char *s;
    int         n;
    int64_t     list[ARCHLLM_CFG_LIST_MAX];
} raw_value;

static void *field_of(const archllm_cfg_key *k, void *obj) { return (char *)obj + k->offset; }
static const void *cfield_of(const archllm_cfg_key *k, const void *obj)
{
    return (const char *)obj + k->offset;
}

static const char *expected_text(const archllm_cfg_key *k)
{
    switch (k->type) {
    case ARCHLLM_CFG_INT:      return "expected an int";
    case ARCHLLM_CFG_INT64:    return "expected a 64-bit int";
    case ARCHLLM_CFG_FLOAT:    return "expected a float";
    case ARCHLLM_CFG_BOOL:     return "expected a bool (true or false)";
    case ARCHLLM_CFG_STRING:   return "expected a string";
    case ARCHLLM_CFG_ENUM:     return "expected a string";
    case ARCHLLM_CFG_INT_LIST: return "expected a list of ints";
    }
    return "unexpected type";
}

static const char *type_name(archllm_cfg_type t)
{
    switch (t) {
    case ARCHLLM_CFG_INT:      return "int";
    case ARCHLLM_CFG_INT64:    return "int64";
    case ARCHLLM_CFG_FLOAT:    return "float";
    case ARCHLLM_CFG_BOOL:     return "bool";
    case ARCHLLM_CFG_STRING:   return "string";
    case ARCHLLM_CFG_ENUM:     return "enum";
    case ARCHLLM_CFG_INT_LIST: return "int list";
    }
    return "?";
}

/* The type's own limits, so a range of "anything" prints as such. */
static void int_type_limits(const archllm_cfg_key *k, int64_t *lo, int64_t *hi)
{
    if (k->type == ARCHLLM_CFG_INT64) {
        *lo = INT64_MIN;
        *hi = INT64_MAX;
    } else {
        *lo = INT_MIN;
        *hi = INT_MAX;
    }
}

/* "[1, 1000]", ">= 0", "<= 9", "any" for ints; "(0, 1]" etc. for floats. */
static void range_text(const archllm_cfg_key *k, char *buf, size_t cap)
{
    if (k->type == ARCHLLM_CFG_FLOAT) {
        bool lo = isfinite(k->fmin), hi = isfinite(k->fmax);
        bool lo_open = k->flags & ARCHLLM_CFG_MIN_OPEN, hi_open = k->flags & ARCHLLM_CFG_MAX_OPEN;
        if (lo && hi)
            snprintf(buf, cap, "%c%.17g, %.17g%c", lo_open ? '(' : '[', k->fmin, k->fmax,
                     hi_open ? ')' : ']');
        else if (lo)
            snprintf(buf, cap, "%s %.17g", lo_open ? ">" : ">=", k->fmin);
        else if (hi)
            snprintf(buf, cap, "%s %.17g", hi_open ? "<" : "<=", k->fmax);
        else
            snprintf(buf, cap, "any");
        return;
    }
    int64_t tlo, thi;
    int_type_limits(k, &tlo, &thi);
    if (k->type == ARCHLLM_CFG_INT_LIST) tlo = INT_MIN, thi = INT_MAX;
    bool lo = k->imin > tlo, hi = k->imax < thi;
    if (lo && hi)
        snprintf(buf, cap, "[%" PRId64 ", %" PRId64 "]", k->imin, k->imax);
    else if (lo)
        snprintf(buf, cap, ">= %" PRId64, k->imin);
    else if (hi)
        snprintf(buf, cap, "<= %" PRId64, k->imax);
    else
        snprintf(buf, cap, "any");
}

static bool int_out_of_range(const archllm_cfg_key *k, int64_t v, char *msg)
{
    if (v >= k->imin && v <= k->imax) return false;
    char r[128];
    range_text(k, r, sizeof r);
    if (r[0] == '[')
        snprintf(msg, MSG_CAP, "%" PRId64 " is out of range %s", v, r);
    else
        snprintf(msg, MSG_CAP, "%" PRId64 " is out of range (must be %s)", v, r);
    return true;
}

/* Check a raw value and store it into field (k->size bytes).  On error writes msg (and
 * the offending list index into *elem) and returns false. */
static bool store_value(const archllm_cfg_key *k, const raw_value *rv, void *field, char *msg,
                        int *elem)
{
    *elem = -1;
    switch (k->type) {
    case ARCHLLM_CFG_INT:
        if (int_out_of_range(k, rv->i, msg)) return false;
        *(int *)field = (int)rv->i;
        break;
    case ARCHLLM_CFG_INT64:
        if (int_out_of_range(k, rv->i, msg)) return false;
        *(int64_t *)field = rv->i;
        break;
    case ARCHLLM_CFG_FLOAT: {
        double v = rv->f;
        bool lo_open = k->flags & ARCHLLM_CFG_MIN_OPEN, hi_open = k->flags & ARCHLLM_CFG_MAX_OPEN;
        if (!isfinite(v)) {
            snprintf(msg, MSG_CAP, "expected a finite float");
            return false;
        }
        if (v < k->fmin || v > k->fmax || (lo_open && v == k->fmin) || (hi_open && v == k->fmax)) {
            char r[128];
            range_text(k, r, sizeof r);
            if (r[0] == '[' || r[0] == '(')
                snprintf(msg, MSG_CAP, "%.17g is out of range %s", v, r);
            else
                snprintf(msg, MSG_CAP, "%.17g is out of range (must be %s)", v, r);
            return false;
        }
        *(double *)field = v;
        break;
    }
    case ARCHLLM_CFG_BOOL:
        *(bool *)field = rv->b;
        break;
    case ARCHLLM_CFG_STRING: {
        size_t len = strlen(rv->s);
        if (len >= k->size) {
            snprintf(msg, MSG_CAP, "string longer than %zu bytes", k->size - 1);
            return false;
        }
        if ((k->flags & ARCHLLM_CFG_NONEMPTY) && len == 0) {
            snprintf(msg, MSG_CAP, "must not be empty");
            return false;
        }
        memset(field, 0, k->size);
        memcpy(field, rv->s, len);
        break;
    }
    case ARCHLLM_CFG_ENUM: {
        int idx = -1;
        for (int i = 0; k->choices[i]; i++)
            if (strcmp(k->choices[i], rv->s) == 0) idx = i;
        if (idx < 0) {
            size_t used = (size_t)snprintf(msg, MSG_CAP, "expected one of");
            for (int i = 0; k->choices[i] && used < MSG_CAP; i++)
                used += (size_t)snprintf(msg + used, MSG_CAP - used, "%s \"%s\"", i ? "," : "",
                                         k->choices[i]);
            return false;
        }
        *(int *)field = idx;
        break;
    }
    case ARCHLLM_CFG_INT_LIST: {
        archllm_cfg_ints *l = field;
        if (rv->n > ARCHLLM_CFG_LIST_MAX) {
            snprintf(msg, MSG_CAP, "more than %d elements", ARCHLLM_CFG_LIST_MAX);
            return false;
        }
        if ((k->flags & ARCHLLM_CFG_NONEMPTY) && rv->n == 0) {
            snprintf(msg, MSG_CAP, "must not be empty");
            return false;
        }
        for (int i = 0; i < rv->n; i++) {
            if (int_out_of_range(k, rv->list[i], msg)) {
                *elem = i;
                return false;
            }
        }
        memset(l, 0, sizeof *l);
        l->n = rv->n;
        for (int i = 0; i < rv->n; i++) l->v[i] = (int)rv->list[i];
        break;
    }
    }
    if (k->check) {
        const char *m = k->check(field);
        if (m) {
            snprintf(msg, MSG_CAP, "%s", m);
            return false;
        }
    }
    return true;
}

/* ---- values from text (--set and the defaults in the table) ---------------------- */

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    return s;
}

/* An integer as libconfig writes one: [+-] decimal or 0x hex, optional L suffix. */
static bool parse_int_text(const char *s, const char *end, int64_t *out)
{
    char buf[64];
    size_t len = (size_t)(end - s);
    while (len && isspace((unsigned char)s[len - 1])) len--;
    while (len && isspace((unsigned char)*s)) s++, len--;
    if (len && (s[len - 1] == 'L' || s[len - 1] == 'l')) len--;
    if (len == 0 || len >= sizeof buf) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    const char *p = buf;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    if (hex) p += 2;
    if (!(hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p))) return false;
    char *e;
    errno = 0;
    unsigned long long u = strtoull(p, &e, hex ? 16 : 10);
    if (*e || errno == ERANGE) return false;
    if (neg ? u > (unsigned long long)INT64_MAX + 1 : u > (unsigned long long)INT64_MAX)
        return false;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* Undo libconfig string escapes (\\ \" \n \r \t \f \xHH) of s[0..len) into out. */
static bool unescape(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '"') return false;
        if (c == '\\' && i + 1 < len) {
            c = s[++i];
            switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'f': c = '\f'; break;
            case '\\': case '"': break;
            case 'x':
                if (i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
                    isxdigit((unsigned char)s[i + 2])) {
                    char h[3] = {s[i + 1], s[i + 2], 0};
                    c = (char)strtol(h, NULL, 16);
                    i += 2;
                    break;
                }
                return false;
            default: return false;
            }
        } else if (c == '\\') {
            return false;
        }
        if (o + 1 >= cap) return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/* Parse text for key k into rv; strbuf holds a string value.  Returns false with msg set. */
static bool parse_text(const archllm_cfg_key *k, const char *text, raw_value *rv, char *strbuf,
                       size_t strcap, char *msg, int *elem)
{
    *elem = -1;
    const char *end = text + strlen(text);
    switch (k->type) {
    case ARCHLLM_CFG_INT:
    case ARCHLLM_CFG_INT64:
        if (!parse_int_text(text, end, &rv->i)) goto bad;
        return true;
    case ARCHLLM_CFG_FLOAT: {
        const char *s = skip_space(text);
        char *e;
        if (!*s) goto bad;
        errno = 0;
        rv->f = strtod(s, &e);
        if (*skip_space(e) || errno == ERANGE) goto bad;
        return true;
    }
    case ARCHLLM_CFG_BOOL: {
        const char *s = skip_space(text);
        size_t len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1])) len--;
        if (len == 4 && strncasecmp(s, "true", 4) == 0) rv->b = true;
        else if (len == 5 && strncasecmp(s, "false", 5) == 0) rv->b = false;
        else goto bad;
        return true;
    }
    case ARCHLLM_CFG_STRING:
    case ARCHLLM_CFG_ENUM: {
        size_t len = strlen(text);
        if (len >= 2 && text[0] == '"' && text[len - 1] == '"') {
            if (!unescape(text + 1, len - 2, strbuf, strcap)) {
                snprintf(msg, MSG_CAP, "bad string escape or quote");
                return false;
            }
            rv->s = strbuf;
        } else {
            rv->s = text;
        }
        return true;
    }
    case ARCHLLM_CFG_INT_LIST: {
        const char *s = skip_space(text), *e = end;
        while (e > s && isspace((unsigned char)e[-1])) e--;
        if (e > s && ((*s == '[' && e[-1] == ']') || (*s == '(' && e[-1] == ')'))) s++, e--;
        rv->n = 0;
        if (skip_space(s) >= e) return true; /* [] */
        for (;;) {
            const char *comma = memchr(s, ',', (size_t)(e - s));
            const char *stop = comma ? comma : e;
            int64_t v;
            if (!parse_int_text(s, stop, &v)) {
                *elem = rv->n;
                snprintf(msg, MSG_CAP, "expected an int");
                return false;
            }
            if (rv->n >= ARCHLLM_CFG_LIST_MAX) {
                snprintf(msg, MSG_CAP, "more than %d elements", ARCHLLM_CFG_LIST_MAX);
                return false;
            }
            rv->list[rv->n++] = v;
            if (!comma) break;
            s = comma + 1;
        }
        return true;
    }
    }
bad:
    snprintf(msg, MSG_CAP, "%s", expected_text(k));
    return false;
}

static void key_with_elem(char *buf, size_t cap, const char *path, int elem)
{
    if (elem >= 0)
        snprintf(buf, cap, "%s[%d]", path, elem);
    else
        snprintf(buf, cap, "%s", path);
}

archllm_status archllm_cfg_defaults(const archllm_cfg_schema *sc, void *obj)
{
    for (int i = 0; i < sc->count; i++) {
        const archllm_cfg_key *k = &sc->keys[i];
        raw_value rv;
        char msg[MSG_CAP], str[FIELD_MAX];
        int elem;
        if (k->size > FIELD_MAX)
            return archllm_fail(ARCHLLM_EINVAL, "config schema: %s: field larger than %d bytes",
                                k->path, FIELD_MAX);
        if (!parse_text(k, k->def, &rv, str, sizeof str, msg, &elem) ||
            !store_value(k, &rv, field_of(k, obj), msg, &elem))
            return archllm_fail(ARCHLLM_EINVAL, "config schema: %s: bad default \"%s\": %s",
                                k->path, k->def, msg);
    }
    return ARCHLLM_OK;
}

const archllm_cfg_key *archllm_cfg_find(const archllm_cfg_schema *sc, const char *path)
{
    for (int i = 0; i < sc->count; i++)
        if (strcmp(sc->keys[i].path, path) == 0) return &sc->keys[i];
    return NULL;
}

/* True when path names a group: some key lies below it. */
static bool is_group(const archllm_cfg_schema *sc, const char *path)
{
    size_t len = strlen(path);
    for (int i = 0; i < sc->count; i++)
        if (strncmp(sc->keys[i].path, path, len) == 0 && sc->keys[i].path[len] == '.') return true;
    return false;
}

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    int d[64][64];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

static const char *leaf_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

/* "unknown key" with a suggestion: a key of the same leaf name elsewhere, or one or two
 * typos away. */
static void unknown_text(const archllm_cfg_schema *sc, const char *path, bool group, char *msg)
{
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; i < sc->count && !group; i++) {
        const char *kp = sc->keys[i].path;
        int d = edit_distance(path, kp);
        if (strcmp(leaf_of(kp), leaf_of(path)) == 0 && d > 0) d = 1;
        if (d < best_d) best_d = d, best = kp;
    }
    char gbuf[256];
    for (int i = 0; i < sc->count && group; i++) {
        /* candidate groups: every prefix of a key */
        const char *kp = sc->keys[i].path;
        for (const char *dot = strchr(kp, '.'); dot; dot = strchr(dot + 1, '.')) {
            size_t len = (size_t)(dot - kp);
            if (len >= sizeof gbuf) break;
            memcpy(gbuf, kp, len);
            gbuf[len] = '\0';
            int d = edit_distance(path, gbuf);
            if (d < best_d) {
                best_d = d;
                best = kp; /* remember the key; cut below */
            }
        }
    }
    if (!best) {
        snprintf(msg, MSG_CAP, "unknown %s", group ? "group" : "key");
        return;
    }
    if (group) {
        /* recover the group prefix of best closest to path */
        char cand[256] = "";
        int cd = 99;
        for (const char *dot = strchr(best, '.'); dot; dot = strchr(dot + 1, '.')) {
            size_t len = (size_t)(dot - best);
            if (len >= sizeof gbuf) break;
            memcpy(gbuf, best, len);
            gbuf[len] = '\0';
            int d = edit_distance(path, gbuf);
            if (d < cd) cd = d, snprintf(cand, sizeof cand, "%s", gbuf);
        }
        snprintf(msg, MSG_CAP, "unknown group (did you mean '%s'?)", cand);
    } else {
        snprintf(msg, MSG_CAP, "unknown key (did you mean '%s'?)", best);
    }
}

/* ---- loading a file ------------------------------------------------------------------ */

typedef struct {
    const archllm_cfg_schema *sc;
    void                     *obj;
    const char               *path;
    const char               *dir;       /* include folder, or NULL */
    char                     *text_name; /* the file whose text is cached */
    char                     *text;
} load_ctx;

/* The file a setting came from, as a path usable from here: libconfig keeps an
 * @include'd file's name as written, relative to the include folder. */
static const char *source_name(const load_ctx *lc, const config_setting_t *s, char *buf,
                               size_t cap)
{
    const char *file = config_setting_source_file(s);
    if (!file) return lc->path;
    if (strcmp(file, lc->path) == 0 || file[0] == '/' || !lc->dir) return file;
    snprintf(buf, cap, "%s/%s", lc->dir, file);
    return buf;
}

static archllm_status fail_at(load_ctx *lc, const config_setting_t *s, const char *key,
                              const char *msg)
{
    char buf[2 * PATH_CAP];
    return archllm_fail(ARCHLLM_ECONFIG, "%s:%u: %s: %s", source_name(lc, s, buf, sizeof buf),
                        (unsigned)config_setting_source_line(s), key, msg);
}

static char *read_text(const char *path)
{
    char *buf;
    size_t len;
    return archllm_read_file(path, &buf, &len) == ARCHLLM_OK ? buf : NULL;
}

/* libconfig 1.5 reads an integer literal beyond 32 bits without an L suffix as its low
 * 32 bits, silently.  Look at the setting's source line for such a literal whose wrapped
 * value is v; on a hit, write the literal into lit and return true. */
static bool wrapped_literal(load_ctx *lc, const config_setting_t *s, int64_t v, char *lit,
                            size_t litcap)
{
    char buf[2 * PATH_CAP];
    const char *file = source_name(lc, s, buf, sizeof buf);
    unsigned line = config_setting_source_line(s);
    if (line == 0) return false;
    if (!lc->text_name || strcmp(lc->text_name, file) != 0) {
        free(lc->text_name);
        free(lc->text);
        lc->text_name = strdup(file);
        lc->text = read_text(file);
    }
    const char *p = lc->text;
    if (!p) return false;
    for (unsigned l = 1; l < line && p; l++) {
        p = strchr(p, '\n');
        if (p) p++;
    }
    if (!p) return false;
    char prev = '\n';
    while (*p && *p != '\n') {
        char c = *p;
        if (c == '#' || (c == '/' && p[1] == '/')) break;
        if (c == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            if (!e) break;
            p = e + 2;
            prev = ' ';
            continue;
        }
        if (c == '"') {
            for (p++; *p && *p != '"' && *p != '\n'; p++)
                if (*p == '\\' && p[1]) p++;
            if (*p == '"') p++;
            prev = '"';
            continue;
        }
        if (isalpha((unsigned char)c) || c == '_' || c == '*') {
            while (isalnum((unsigned char)*p) || *p == '_' || *p == '*' || *p == '-') p++;
            prev = 'a';
            continue;
        }
        bool sign = (c == '-' || c == '+') && isdigit((unsigned char)p[1]);
        if ((isdigit((unsigned char)c) || sign) && !isalnum((unsigned char)prev) && prev != '.') {
            const char *start = p;
            bool neg = c == '-';
            if (sign) p++;
            bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
            const char *digits = hex ? p + 2 : p;
            const char *q = digits;
            while (hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q)) q++;
            if (!hex && (*q == '.' || *q == 'e' || *q == 'E')) { /* a float */
                while (isalnum((unsigned char)*q) || *q == '.' || *q == '+' || *q == '-') q++;
                p = q;
                prev = '0';
                continue;
            }
            bool suffix = *q == 'L' || *q == 'l';
            errno = 0;
            unsigned long long u = strtoull(digits, NULL, hex ? 16 : 10);
            bool big = errno == ERANGE || (hex ? u > 0x7fffffffULL
                                               : (neg ? u > 0x80000000ULL : u > 0x7fffffffULL));
            if (!suffix && big && (int32_t)(uint32_t)(neg ? 0 - u : u) == v) {
                snprintf(lit, litcap, "%.*s", (int)(q - start), start);
                return true;
            }
            p = q + suffix;
            prev = '0';
            continue;
        }
        prev = c;
        p++;
    }
    return false;
}

static archllm_status int_from_setting(load_ctx *lc, const archllm_cfg_key *k,
                                       const config_setting_t *s, const char *key, int64_t *out)
{
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return fail_at(lc, s, key, k->type == ARCHLLM_CFG_INT_LIST ? "expected an int"
                                                                   : expected_text(k));
    *out = config_setting_get_int64(s);
    char lit[64], msg[MSG_CAP];
    if (t == CONFIG_TYPE_INT && wrapped_literal(lc, s, *out, lit, sizeof lit)) {
        snprintf(msg, sizeof msg, "%s does not fit in 32 bits; write %sL", lit, lit);
        return fail_at(lc, s, key, msg);
    }
    return ARCHLLM_OK;
}

static archllm_status apply_setting(load_ctx *lc, const archllm_cfg_key *k,
                                    const config_setting_t *s)
{
    raw_value rv;
    int t = config_setting_type(s);
    const char *key = k->path;
    switch (k->type) {
    case ARCHLLM_CFG_INT:
    case ARCHLLM_CFG_INT64:
        ARCHLLM_TRY(int_from_setting(lc, k, s, key, &rv.i));
        break;
    case ARCHLLM_CFG_FLOAT: /* ints are accepted: lr = 1 means 1.0 */
        if (t == CONFIG_TYPE_FLOAT) {
            rv.f = config_setting_get_float(s);
        } else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
            ARCHLLM_TRY(int_from_setting(lc, k, s, key, &rv.i));
            rv.f = (double)rv.i;
        } else {
            return fail_at(lc, s, key, expected_text(k));
        }
        break;
    case ARCHLLM_CFG_BOOL:
        if (t != CONFIG_TYPE_BOOL) return fail_at(lc, s, key, expected_text(k));
        rv.b = config_setting_get_bool(s);
        break;
    case ARCHLLM_CFG_STRING:
    case ARCHLLM_CFG_ENUM:
        if (t != CONFIG_TYPE_STRING) return fail_at(lc, s, key, expected_text(k));
        rv.s = config_setting_get_string(s);
        break;
    case ARCHLLM_CFG_INT_LIST: {
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
            return fail_at(lc, s, key, expected_text(k));
        int n = config_setting_length(s);
        if (n > ARCHLLM_CFG_LIST_MAX) {
            char msg[MSG_CAP];
            snprintf(msg, sizeof msg, "more than %d elements", ARCHLLM_CFG_LIST_MAX);
            return fail_at(lc, s, key, msg);
        }
        rv.n = n;
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
            char ekey[300];
            key_with_elem(ekey, sizeof ekey, key, i);
            ARCHLLM_TRY(int_from_setting(lc, k, config_setting_source_line(e) ? e : s, ekey,
                                         &rv.list[i]));
        }
        break;
    }
    }
    unsigned char tmp[FIELD_MAX];
    char msg[MSG_CAP], ekey[300];
    int elem;
    memcpy(tmp, field_of(k, lc->obj), k->size);
    if (!store_value(k, &rv, tmp, msg, &elem)) {
        const config_setting_t *where = s;
        if (elem >= 0) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned)elem);
            if (e && config_setting_source_line(e)) where = e;
        }
        key_with_elem(ekey, sizeof ekey, key, elem);
        return fail_at(lc, where, ekey, msg);
    }
    memcpy(field_of(k, lc->obj), tmp, k->size);
    return ARCHLLM_OK;
}

static archllm_status walk(load_ctx *lc, const config_setting_t *g, const char *prefix)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        char path[256], msg[MSG_CAP];
        if (!name) continue; /* only groups reach here, and their members have names */
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", name);
        const archllm_cfg_key *k = archllm_cfg_find(lc->sc, path);
        if (k) {
            ARCHLLM_TRY(apply_setting(lc, k, s));
        } else if (is_group(lc->sc, path)) {
            if (config_setting_type(s) != CONFIG_TYPE_GROUP)
                return fail_at(lc, s, path, "expected a group { ... }");
            ARCHLLM_TRY(walk(lc, s, path));
        } else {
            unknown_text(lc->sc, path, config_setting_type(s) == CONFIG_TYPE_GROUP, msg);
            return fail_at(lc, s, path, msg);
        }
    }
    return ARCHLLM_OK;
}

archllm_status archllm_cfg_load(const archllm_cfg_schema *sc, void *obj, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return archllm_fail(ARCHLLM_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
    fclose(f);

    config_t c;
    config_init(&c);
    /* @include "x.cfg" is relative to the including file's folder */
    char dir[PATH_CAP];
    const char *incdir = NULL;
    const char *slash = strrchr(path, '/');
    if (slash && (size_t)(slash - path) < sizeof dir) {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        incdir = slash == path ? "/" : dir;
        config_set_include_dir(&c, incdir);
    }
    archllm_status st = ARCHLLM_OK;
    if (!config_read_file(&c, path)) {
        const char *file = config_error_file(&c);
        if (config_error_type(&c) == CONFIG_ERR_FILE_IO)
            st = archllm_fail(ARCHLLM_ECONFIG, "%s: cannot read: %s", path, config_error_text(&c));
        else if (file && strcmp(file, path) != 0 && file[0] != '/' && incdir)
            st = archllm_fail(ARCHLLM_ECONFIG, "%s/%s:%d: %s", incdir, file,
                              config_error_line(&c), config_error_text(&c));
        else
            st = archllm_fail(ARCHLLM_ECONFIG, "%s:%d: %s", file ? file : path,
                              config_error_line(&c), config_error_text(&c));
        config_destroy(&c);
        return st;
    }
    load_ctx lc = {sc, obj, path, incdir, NULL, NULL};
    st = walk(&lc, config_root_setting(&c), "");
    free(lc.text_name);
    free(lc.text);
    config_destroy(&c);
    return st;
}

archllm_status archllm_cfg_set(const archllm_cfg_schema *sc, void *obj, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    char key[256], msg[MSG_CAP], str[FIELD_MAX], ekey[300];
    if (!eq || eq == assignment)
        return archllm_fail(ARCHLLM_ECONFIG, "--set %s: expected key=value", assignment);
    size_t klen = (size_t)(eq - assignment);
    while (klen && isspace((unsigned char)assignment[klen - 1])) klen--;
    if (klen >= sizeof key) klen = sizeof key - 1;
    memcpy(key, assignment, klen);
    key[klen] = '\0';
    const archllm_cfg_key *k = archllm_cfg_find(sc, key);
    if (!k) {
        if (is_group(sc, key))
            snprintf(msg, sizeof msg, "is a group; set one of its keys");
        else
            unknown_text(sc, key, false, msg);
        return archllm_fail(ARCHLLM_ECONFIG, "--set %s: %s: %s", assignment, key, msg);
    }
    raw_value rv;
    unsigned char tmp[FIELD_MAX];
    int elem;
    memcpy(tmp, field_of(k, obj), k->size);
    if (!parse_text(k, eq + 1, &rv, str, sizeof str, msg, &elem) ||
        !store_value(k, &rv, tmp, msg, &elem)) {
        key_with_elem(ekey, sizeof ekey, key, elem);
        return archllm_fail(ARCHLLM_ECONFIG, "--set %s: %s: %s", assignment, ekey, msg);
    }
    memcpy(field_of(k, obj), tmp, k->size);
    return ARCHLLM_OK;
}

/* ---- printing -------------------------------------------------------------------- */

static int format_field(const archllm_cfg_key *k, const void *field, char *buf, size_t cap)
{
    switch (k->type) {
    case ARCHLLM_CFG_INT:
        return snprintf(buf, cap, "%d", *(const int *)field);
    case ARCHLLM_CFG_INT64: {
        int64_t v = *(const int64_t *)field;
        return snprintf(buf, cap, "%" PRId64 "%s", v, (v < INT32_MIN || v > INT32_MAX) ? "L" : "");
    }
    case ARCHLLM_CFG_FLOAT: {
        double v = *(const double *)field;
        char tmp[64];
        for (int prec = 1; prec <= 17; prec++) { /* shortest text that reads back exactly */
            snprintf(tmp, sizeof tmp, "%.*g", prec, v);
            if (strtod(tmp, NULL) == v) break;
        }
        bool floaty = strpbrk(tmp, ".eEn") != NULL; /* n: inf/nan never stored */
        return snprintf(buf, cap, "%s%s", tmp, floaty ? "" : ".0");
    }
    case ARCHLLM_CFG_BOOL:
        return snprintf(buf, cap, "%s", *(const bool *)field ? "true" : "false");
    case ARCHLLM_CFG_STRING:
    case ARCHLLM_CFG_ENUM: {
        const char *s = k->type == ARCHLLM_CFG_ENUM ? k->choices[*(const int *)field] : field;
        size_t o = 0;
#define PUT_(c) do { if (o + 1 < cap) buf[o] = (c); o++; } while (0)
        PUT_('"');
        for (; *s; s++) {
            unsigned char c = (unsigned char)*s;
            if (c == '"' || c == '\\') {
                PUT_('\\');
                PUT_((char)c);
            } else if (c < 0x20 || c == 0x7f) {
                char h[5];
                snprintf(h, sizeof h, "\\x%02x", c);
                for (int i = 0; h[i]; i++) PUT_(h[i]);
            } else {
                PUT_((char)c);
            }
        }
        PUT_('"');
#undef PUT_
        if (cap) buf[o < cap ? o : cap - 1] = '\0';
        return (int)o;
    }
    case ARCHLLM_CFG_INT_LIST: {
        const archllm_cfg_ints *l = field;
        size_t o = 0;
        o += (size_t)snprintf(buf, cap, "[");
        for (int i = 0; i < l->n; i++)
            o += (size_t)snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, "%s%d",
                                  i ? ", " : "", l->v[i]);
        o += (size_t)snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, "]");
        return (int)o;
    }
    }
    return 0;
}

int archllm_cfg_format(const archllm_cfg_key *k, const void *obj, char *buf, size_t cap)
{
    return format_field(k, cfield_of(k, obj), buf, cap);
}

static bool field_equal(const archllm_cfg_key *k, const void *a, const void *b)
{
    switch (k->type) {
    case ARCHLLM_CFG_INT:
    case ARCHLLM_CFG_ENUM:     return *(const int *)a == *(const int *)b;
    case ARCHLLM_CFG_INT64:    return *(const int64_t *)a == *(const int64_t *)b;
    case ARCHLLM_CFG_FLOAT:    return *(const double *)a == *(const double *)b;
    case ARCHLLM_CFG_BOOL:     return *(const bool *)a == *(const bool *)b;
    case ARCHLLM_CFG_STRING:   return strcmp(a, b) == 0;
    case ARCHLLM_CFG_INT_LIST: {
        const archllm_cfg_ints *x = a, *y = b;
        if (x->n != y->n) return false;
        for (int i = 0; i < x->n; i++)
            if (x->v[i] != y->v[i]) return false;
        return true;
    }
    }
    return false;
}

bool archllm_cfg_equal(const archllm_cfg_key *k, const void *a, const void *b)
{
    return field_equal(k, cfield_of(k, a), cfield_of(k, b));
}

/* The default of k, parsed into field (k->size bytes). */
static archllm_status default_field(const archllm_cfg_key *k, void *field)
{
    raw_value rv;
    char msg[MSG_CAP], str[FIELD_MAX];
    int elem;
    memset(field, 0, k->size);
    if (!parse_text(k, k->def, &rv, str, sizeof str, msg, &elem) ||
        !store_value(k, &rv, field, msg, &elem))
        return archllm_fail(ARCHLLM_EINVAL, "config schema: %s: bad default \"%s\": %s",
                            k->path, k->def, msg);
    return ARCHLLM_OK;
}

/* Number of leading path components a and b share as groups (not counting the leaf). */
static int common_groups(const char *a, const char *b)
{
    int n = 0;
    for (size_t i = 0;; i++) {
        if (a[i] != b[i]) return n;
        if (a[i] == '\0') return n;
        if (a[i] == '.') n++;
    }
}

static int depth_of(const char *path)
{
    int n = 0;
    for (; *path; path++) n += *path == '.';
    return n;
}

archllm_status archllm_cfg_print(const archllm_cfg_schema *sc, FILE *f, const void *obj)
{
    const char *prev = "";
    int open = 0; /* groups open */
    fputs("# archllm experiment config: every key, defaults filled in (see conf/README.md)\n", f);
    for (int i = 0; i < sc->count; i++) {
        const archllm_cfg_key *k = &sc->keys[i];
        int keep = common_groups(prev, k->path);
        if (keep > open) keep = open;
        while (open > keep) {
            open--;
            fprintf(f, "%*s};\n", 2 * open, "");
        }
        int depth = depth_of(k->path);
        while (open < depth) { /* open the groups from component `open` on */
            const char *p = k->path;
            for (int c = 0; c < open; c++) p = strchr(p, '.') + 1;
            const char *dot = strchr(p, '.');
            fprintf(f, "%s%*s%.*s = {\n", open == 0 ? "\n" : "", 2 * open, "", (int)(dot - p), p);
            open++;
        }
        unsigned char def[FIELD_MAX];
        char val[FIELD_MAX * 4 + 8], dval[FIELD_MAX * 4 + 8];
        ARCHLLM_TRY(default_field(k, def));
        format_field(k, cfield_of(k, obj), val, sizeof val);
        fprintf(f, "%*s# %s", 2 * open, "", k->doc);
        if (!field_equal(k, def, cfield_of(k, obj))) {
            format_field(k, def, dval, sizeof dval);
            fprintf(f, " [default %s]", dval);
        }
        fprintf(f, "\n%*s%s = %s;\n", 2 * open, "", leaf_of(k->path), val);
        prev = k->path;
    }
    while (open > 0) {
        open--;
        fprintf(f, "%*s};\n", 2 * open, "");
    }
    return ferror(f) ? archllm_fail(ARCHLLM_EIO, "writing the config: %s", strerror(errno))
                     : ARCHLLM_OK;
}

static void allowed_text(const archllm_cfg_key *k, char *buf, size_t cap)
{
    char r[128];
    switch (k->type) {
    case ARCHLLM_CFG_INT:
    case ARCHLLM_CFG_INT64:
    case ARCHLLM_CFG_FLOAT:
        range_text(k, buf, cap);
        return;
    case ARCHLLM_CFG_BOOL:
        snprintf(buf, cap, "true, false");
        return;
    case ARCHLLM_CFG_STRING:
        snprintf(buf, cap, "%s%zu bytes at most", (k->flags & ARCHLLM_CFG_NONEMPTY) ? "not empty, " : "",
                 k->size - 1);
        return;
    case ARCHLLM_CFG_ENUM: {
        size_t o = 0;
        buf[0] = '\0';
        for (int i = 0; k->choices[i] && o < cap; i++)
            o += (size_t)snprintf(buf + o, cap - o, "%s`%s`", i ? ", " : "", k->choices[i]);
        return;
    }
    case ARCHLLM_CFG_INT_LIST:
        range_text(k, r, sizeof r);
        snprintf(buf, cap, "%d to %d elements, each %s", (k->flags & ARCHLLM_CFG_NONEMPTY) ? 1 : 0,
                 ARCHLLM_CFG_LIST_MAX, r);
        return;
    }
}

archllm_status archllm_cfg_print_doc(const archllm_cfg_schema *sc, FILE *f)
{
    fputs("| key | type | default | allowed | read by | meaning |\n", f);
    fputs("|---|---|---|---|---|---|\n", f);
    for (int i = 0; i < sc->count; i++) {
        const archllm_cfg_key *k = &sc->keys[i];
        unsigned char def[FIELD_MAX];
        char val[FIELD_MAX * 4 + 8], allowed[512];
        ARCHLLM_TRY(default_field(k, def));
        format_field(k, def, val, sizeof val);
        allowed_text(k, allowed, sizeof allowed);
        fprintf(f, "| `%s` | %s | `%s` | %s | %s%s%s | %s |\n", k->path, type_name(k->type), val, allowed,
                k->stage ? "`" : "", k->stage ? k->stage : "-", k->stage ? "`" : "", k->doc);
    }
    return ferror(f) ? archllm_fail(ARCHLLM_EIO, "writing the key table: %s", strerror(errno))
                     : ARCHLLM_OK;
}
