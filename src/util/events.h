/* events.h - emitting to an archllm_events sink (include/archllm.h) from library code.
 * A NULL sink or callback is skipped, so a stage never checks before it reports. */
#ifndef ARCHLLM_UTIL_EVENTS_H
#define ARCHLLM_UTIL_EVENTS_H

#include "archllm.h"
#include "util/error.h"

void archllm_emit_begin(const archllm_events *ev, const char *stage, const char *fmt, ...) ARCHLLM_PRINTF(3, 4);
void archllm_emit_end(const archllm_events *ev, const char *stage, archllm_status status, double seconds);
void archllm_emit_step(const archllm_events *ev, const char *stage, long step, long total, const archllm_metric *m,
                       int n);
/* a formatted line (up to 1023 bytes) */
void archllm_emit_message(const archllm_events *ev, const char *stage, archllm_message_level level,
                          const char *fmt, ...) ARCHLLM_PRINTF(4, 5);

#endif
