/* testutil.h - what the C tests share: one CHECK family that counts failures, opening the
 * OpenCL device with automake's SKIP (77) when none exists (unless ARCHLLM_REQUIRE_DEVICE
 * is set, as in CI), finding shipped data, and a fixed-seed RNG. */
#ifndef ARCHLLM_TESTUTIL_H
#define ARCHLLM_TESTUTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archllm.h"
#include "util/error.h"

static int test_failures;

static inline void test_check_(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
{
    if (!ok) test_failures++;
    if (!fmt[0]) { /* no message: quiet when it holds; the first failures tell the story */
        if (!ok && test_failures <= 20) printf("FAIL %s:%d: %s\n", file, line, expr);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    printf(ok ? "ok   " : "FAIL ");
    vprintf(fmt, ap);
    va_end(ap);
    if (!ok) printf(" (%s:%d)", file, line);
    printf("\n");
}

/* CHECK(cond, "what %d", x): an ok/FAIL line naming what was checked.  CHECK(cond): silent
 * when it holds, "FAIL file:line: cond" when not (for checks in loops).  The dead printf
 * lets the compiler check the message's format against its arguments. */
#define CHECK(cond, ...)                                                              \
    do {                                                                              \
        test_check_((cond) != 0, __FILE__, __LINE__, #cond, "" __VA_ARGS__);          \
        if (0) printf("-" __VA_ARGS__);                                               \
    } while (0)

/* CHECK_OK(call): the call returns ARCHLLM_OK, else its status and message are printed. */
#define CHECK_OK(expr)                                                                \
    do {                                                                              \
        archllm_status s_ = (expr);                                                   \
        if (s_ != ARCHLLM_OK) {                                                       \
            printf("FAIL %s:%d: %s failed: %s (%s)\n", __FILE__, __LINE__, #expr,     \
                   archllm_status_string(s_), archllm_last_error());                  \
            test_failures++;                                                          \
        }                                                                             \
    } while (0)

/* CHECK_FAILS(call): the call fails with a status and a non-empty one-line message. */
#define CHECK_FAILS(expr)                                                             \
    do {                                                                              \
        archllm_error_clear();                                                        \
        archllm_status s_ = (expr);                                                   \
        const char *m_ = archllm_last_error();                                        \
        if (s_ == ARCHLLM_OK || !m_[0] || strchr(m_, '\n')) {                         \
            printf("FAIL %s:%d: expected a clean failure from %s (status %d, '%s')\n", \
                   __FILE__, __LINE__, #expr, (int)s_, m_);                           \
            test_failures++;                                                          \
        }                                                                             \
    } while (0)

/* Print the verdict (prefixed by NAME when given) and return the exit status. */
static inline int test_done(const char *name)
{
    const char *sep = name ? ": " : "";
    if (test_failures) printf("%s%s%d check(s) failed\n", name ? name : "", sep, test_failures);
    else printf("%s%sall checks passed\n", name ? name : "", sep);
    return test_failures ? 1 : 0;
}
static inline int test_finish(void) { return test_done(NULL); }

/* Open the default (or ARCHLLM_DEVICE) device; on failure print why and exit with 77
 * (no device, SKIP) or 1. */
static inline archllm_ctx_t *test_open_ctx(void)
{
    archllm_ctx_t *ctx;
    setvbuf(stdout, NULL, _IOLBF, 0);
    archllm_status s = archllm_ctx_init(&ctx, getenv("ARCHLLM_DEVICE"));
    if (s == ARCHLLM_ENODEVICE && !getenv("ARCHLLM_REQUIRE_DEVICE")) {
        printf("SKIP: %s\n", archllm_last_error());
        exit(77);
    }
    if (s != ARCHLLM_OK) {
        printf("FAIL: opening the device: %s\n", archllm_last_error());
        exit(1);
    }
    return ctx;
}

/* $ARCHLLM_SRCDIR/data/<name>, or ./data/<name> when run by hand from the top. */
static inline void test_data_path(char *out, size_t cap, const char *name)
{
    const char *src = getenv("ARCHLLM_SRCDIR");
    snprintf(out, cap, "%s/data/%s", src && src[0] ? src : ".", name);
}

/* splitmix64: a fixed-seed stream for test inputs */
static inline uint64_t test_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#endif
