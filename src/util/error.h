/* error.h - per-thread error detail behind every archllm_status.
 * A failing function records what went wrong with archllm_fail() and returns its status;
 * callers up the stack may prepend context with archllm_fail_prefix(). */
#ifndef ARCHLLM_UTIL_ERROR_H
#define ARCHLLM_UTIL_ERROR_H

#include "archllm.h"

#if defined(__GNUC__)
#define ARCHLLM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ARCHLLM_PRINTF(f, a)
#endif

/* Record a message for status s and return s. */
archllm_status archllm_fail(archllm_status s, const char *fmt, ...) ARCHLLM_PRINTF(2, 3);
/* Prepend "<prefix>: " to the current message and return s. */
archllm_status archllm_fail_prefix(archllm_status s, const char *fmt, ...) ARCHLLM_PRINTF(2, 3);
/* Append a long text (a build log) to the current message on a new line. */
void archllm_fail_append(const char *text);
void archllm_error_clear(void);

#define ARCHLLM_TRY(expr)                                                  \
    do {                                                                   \
        archllm_status try_status_ = (expr);                               \
        if (try_status_ != ARCHLLM_OK) return try_status_;                 \
    } while (0)

#endif
