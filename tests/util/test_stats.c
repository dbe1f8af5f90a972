/* test_stats.c - Student's t and Welch's test against values from SciPy 1.x
 * (scipy.stats.t.cdf / t.ppf, scipy.stats.ttest_ind(a, b, equal_var=False) and its
 * confidence_interval(0.95)), computed once and written here. */
#include "util/stats.h"
#include "testutil.h"

#include <math.h>

static int close_to(double x, double want, double tol) { return fabs(x - want) <= tol * (1 + fabs(want)); }

int main(void)
{
    CHECK(close_to(archllm_student_t_cdf(1, 1), 0.75, 1e-12), "t cdf, df 1 (Cauchy) at 1: 0.75");
    CHECK(close_to(archllm_student_t_cdf(-2.5, 3.7), 0.03591101145591339, 1e-9), "t cdf, df 3.7 at -2.5");
    CHECK(close_to(archllm_student_t_cdf(0.3, 200), 0.617755634905336, 1e-9), "t cdf, df 200 at 0.3");
    CHECK(close_to(archllm_student_t_quantile(0.975, 10), 2.228138851986274, 1e-9), "t quantile 0.975, df 10");
    CHECK(close_to(archllm_student_t_quantile(0.995, 47.3), 2.683839299212673, 1e-9), "t quantile 0.995, df 47.3");
    CHECK(close_to(archllm_student_t_quantile(0.025, 10), -2.228138851986274, 1e-9), "t quantile 0.025, df 10");
    CHECK(isnan(archllm_student_t_quantile(1.0, 10)) && isnan(archllm_student_t_cdf(0, 0)), "out of range: NaN");

    const double a[] = {94.37, 94.1, 93.9, 94.37, 94.2, 94.0}, b[] = {93.8, 94.1, 93.7, 94.0, 93.5};
    archllm_welch w;
    archllm_welch_test(a, 6, b, 5, 0.95, &w);
    CHECK(close_to(w.t, 2.536439776668634, 1e-9), "Welch t %.12f", w.t);
    CHECK(close_to(w.df, 7.716794791711057, 1e-9), "Welch df %.12f", w.df);
    CHECK(close_to(w.p, 0.03591172077165273, 1e-8), "Welch p %.12f", w.p);
    CHECK(close_to(w.lo, 0.028619836308532542, 1e-8) && close_to(w.hi, 0.644713497024842, 1e-8),
          "95%% interval [%.12f, %.12f]", w.lo, w.hi);
    CHECK(close_to(w.diff, 0.336666666666667, 1e-9), "difference of means");

    const double c[] = {94.37, 94.37, 94.37};
    archllm_welch_test(c, 3, c, 3, 0.95, &w);
    CHECK(w.diff == 0 && w.p == 1 && w.lo == 0 && w.hi == 0, "equal constant samples: p 1");
    const double d[] = {94.0, 94.0};
    archllm_welch_test(c, 3, d, 2, 0.95, &w);
    CHECK(close_to(w.diff, 0.37, 1e-12) && w.p == 0, "different constant samples: p 0");
    archllm_welch_test(c, 1, d, 2, 0.95, &w);
    CHECK(isnan(w.p) && isnan(w.lo), "one value: NaN");
    return test_finish();
}
