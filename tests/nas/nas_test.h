/* nas_test.h - the few helpers the NAS tests share: checks that count failures and
 * print file:line, finding shipped data, and a fixed-seed RNG. */
#ifndef ARCHLLM_TESTS_NAS_TEST_H
#define ARCHLLM_TESTS_NAS_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static int test_failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            if (test_failures < 20) /* the first few tell the story */                 \
                fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            test_failures++;                                                           \
        }                                                                              \
    } while (0)

#define CHECK_OK(expr)                                                                 \
    do {                                                                               \
        archllm_status s_ = (expr);                                                    \
        if (s_ != ARCHLLM_OK) {                                                        \
            fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", __FILE__, __LINE__, #expr,  \
                    archllm_status_string(s_), archllm_last_error());                 \
            test_failures++;                                                           \
        }                                                                              \
    } while (0)

/* A failing call must give a status and a non-empty one-line message. */
#define CHECK_FAILS(expr)                                                              \
    do {                                                                               \
        archllm_error_clear();                                                         \
        archllm_status s_ = (expr);                                                    \
        const char *m_ = archllm_last_error();                                         \
        if (s_ == ARCHLLM_OK || !m_[0] || strchr(m_, '\n')) {                          \
            fprintf(stderr, "%s:%d: expected a clean failure from %s (status %d, '%s')\n", \
                    __FILE__, __LINE__, #expr, (int)s_, m_);                           \
            test_failures++;                                                           \
        }                                                                              \
    } while (0)

/* $ARCHLLM_SRCDIR/data/<name>, or ./data/<name> when run by hand from the top. */
static inline void test_data_path(char *out, size_t cap, const char *name)
{
    const char *src = getenv("ARCHLLM_SRCDIR");
    snprintf(out, cap, "%s/data/%s", src && src[0] ? src : ".", name);
}

static inline uint64_t test_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline int test_done(const char *name)
{
    if (test_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, test_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
