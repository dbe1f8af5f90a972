/* clock.h - the one clock of archllm: monotonic seconds, for rates, ETAs and timings,
 * and how durations are written. */
#ifndef ARCHLLM_UTIL_CLOCK_H
#define ARCHLLM_UTIL_CLOCK_H

#include <stddef.h>

/* seconds since an arbitrary fixed point (CLOCK_MONOTONIC): differences only */
double archllm_now_s(void);
/* A duration for people: "12.3s", "1m05s", "2h03m"; "?" when negative or unknown. */
void archllm_format_duration(char *buf, size_t cap, double seconds);

#endif
