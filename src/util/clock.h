/* clock.h - the one clock of archllm: monotonic seconds, for rates, ETAs and timings. */
#ifndef ARCHLLM_UTIL_CLOCK_H
#define ARCHLLM_UTIL_CLOCK_H

/* seconds since an arbitrary fixed point (CLOCK_MONOTONIC): differences only */
double archllm_now_s(void);

#endif
