/* stats.h - the statistics a search comparison reports: Student's t distribution and
 * Welch's unequal-variance t-test with a confidence interval of the difference in means. */
#ifndef ARCHLLM_UTIL_STATS_H
#define ARCHLLM_UTIL_STATS_H

#include <stddef.h>

/* P(T <= t) for Student's t with df > 0 degrees of freedom (df may be fractional). */
double archllm_student_t_cdf(double t, double df);
/* The t with P(T <= t) = p, 0 < p < 1. */
double archllm_student_t_quantile(double p, double df);

typedef struct {
    double diff;   /* mean(a) - mean(b) */
    double lo, hi; /* the confidence interval of diff at the level asked */
    double t, df;  /* Welch's statistic and Welch-Satterthwaite degrees of freedom */
    double p;      /* two-sided p-value of diff = 0 */
} archllm_welch;

/* Welch's t-test of a (na) against b (nb), each at least 2 values; level e.g. 0.95.
 * Both samples constant: the interval is the difference itself, p is 1 when it is zero
 * and 0 otherwise.  Fewer than 2 values: every field NaN. */
void archllm_welch_test(const double *a, size_t na, const double *b, size_t nb, double level, archllm_welch *out);

#endif
