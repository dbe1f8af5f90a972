/* events.c - see events.h. */
#include "util/events.h"

#include <stdarg.h>
#include <stdio.h>

void archllm_emit_begin(const archllm_events *ev, const char *stage, const char *fmt, ...)
{
    if (!ev || !ev->stage_begin) return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ev->stage_begin(ev->user, stage, text);
}

void archllm_emit_end(const archllm_events *ev, const char *stage, archllm_status status, double seconds)
{
    if (ev && ev->stage_end) ev->stage_end(ev->user, stage, status, seconds);
}

void archllm_emit_step(const archllm_events *ev, const char *stage, long step, long total, const archllm_metric *m,
                       int n)
{
    if (ev && ev->step) ev->step(ev->user, stage, step, total, m, n);
}

void archllm_emit_message(const archllm_events *ev, const char *stage, archllm_message_level level,
                          const char *fmt, ...)
{
    if (!ev || !ev->message) return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ev->message(ev->user, stage, level, text);
}
