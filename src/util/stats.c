/* stats.c - Student's t and Welch's test; see stats.h.  The t CDF goes through the
 * regularized incomplete beta function, evaluated by its continued fraction (modified
 * Lentz), which converges fast on the side chosen below. */
#include "config.h"
#include "util/stats.h"

#include <math.h>

/* the continued fraction of I_x(a, b), good for x < (a + 1) / (a + b + 2) */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + num * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + num / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + num * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + num / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double step = d * c;
        h *= step;
        if (fabs(step - 1.0) < 1e-15) break;
    }
    return h;
}

static double reg_inc_beta(double a, double b, double x)
{
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0)) return exp(lfront) * beta_cf(a, b, x) / a;
    return 1.0 - exp(lfront) * beta_cf(b, a, 1.0 - x) / b;
}

double archllm_student_t_cdf(double t, double df)
{
    if (isnan(t) || !(df > 0)) return NAN;
    if (isinf(t)) return t > 0 ? 1.0 : 0.0;
    double tail = 0.5 * reg_inc_beta(0.5 * df, 0.5, df / (df + t * t)); /* P(T > |t|) */
    return t > 0 ? 1.0 - tail : tail;
}

double archllm_student_t_quantile(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
    double lo = -1.0, hi = 1.0;
    while (archllm_student_t_cdf(lo, df) > p) lo *= 2;
    while (archllm_student_t_cdf(hi, df) < p) hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * (1 + fabs(lo)); i++) {
        double mid = 0.5 * (lo + hi);
        if (archllm_student_t_cdf(mid, df) < p) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

static void mean_var(const double *x, size_t n, double *mean, double *var)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = v / (double)(n - 1);
}

void archllm_welch_test(const double *a, size_t na, const double *b, size_t nb, double level, archllm_welch *out)
{
    out->diff = out->lo = out->hi = out->t = out->df = out->p = NAN;
    if (na < 2 || nb < 2 || !(level > 0 && level < 1)) return;
    double ma, va, mb, vb;
    mean_var(a, na, &ma, &va);
    mean_var(b, nb, &mb, &vb);
    double sa = va / (double)na, sb = vb / (double)nb, se = sqrt(sa + sb);
    out->diff = ma - mb;
    if (se == 0) { /* both constant */
        out->lo = out->hi = out->diff;
        out->t = out->diff == 0 ? 0 : copysign(INFINITY, out->diff);
        out->df = (double)(na + nb - 2);
        out->p = out->diff == 0 ? 1.0 : 0.0;
        return;
    }
    out->t = out->diff / se;
    out->df = (sa + sb) * (sa + sb) / (sa * sa / (double)(na - 1) + sb * sb / (double)(nb - 1));
    out->p = 2.0 * archllm_student_t_cdf(-fabs(out->t), out->df);
    double q = archllm_student_t_quantile(0.5 + 0.5 * level, out->df);
    out->lo = out->diff - q * se;
    out->hi = out->diff + q * se;
}
