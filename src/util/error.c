/* error.c - status strings and the per-thread error detail. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERROR_CAP 65536 /* room for a full OpenCL build log */

static _Thread_local char error_text[ERROR_CAP];

const char *archllm_status_string(archllm_status s)
{
    switch (s) {
#define STATUS_CASE_(name, msg) case ARCHLLM_##name: return msg;
        ARCHLLM_STATUS_MAP(STATUS_CASE_)
#undef STATUS_CASE_
    default: return "unknown status";
    }
}

const char *archllm_last_error(void) { return error_text; }

const char *archllm_version(void) { return ARCHLLM_VERSION_STRING; }

void archllm_error_clear(void) { error_text[0] = '\0'; }

archllm_status archllm_fail(archllm_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_text, sizeof error_text, fmt, ap);
    va_end(ap);
    return s;
}

archllm_status archllm_fail_prefix(archllm_status s, const char *fmt, ...)
{
    char prefix[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    size_t plen = strlen(prefix), olen = strlen(error_text);
    if (plen + 2 + olen + 1 > sizeof error_text) olen = sizeof error_text - plen - 3;
    memmove(error_text + plen + 2, error_text, olen);
    error_text[plen + 2 + olen] = '\0';
    memcpy(error_text, prefix, plen);
    error_text[plen] = ':';
    error_text[plen + 1] = ' ';
    return s;
}

void archllm_fail_append(const char *text)
{
    size_t len = strlen(error_text);
    if (len + 2 >= sizeof error_text) return;
    error_text[len++] = '\n';
    snprintf(error_text + len, sizeof error_text - len, "%s", text);
}
