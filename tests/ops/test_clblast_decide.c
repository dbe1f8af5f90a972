/* test_clblast_decide.c - what `archllm tune` keeps of CLBlast's tuned kernels and where it
 * routes, from GEMM timings given here (no device): the timings of a tune on a 2-core Zen 5
 * (PoCL 3.1), where every shape ran fastest direct and the tuned Xgemm beat CLBlast's own
 * at the one shape CLBlast sends indirect, with and without a probe product past the
 * largest shape; the same with a tuned Xgemm no faster; and a device where the tuned
 * indirect path wins the large shapes. */
#include "ops/autotune.h"
#include "testutil.h"

#include <string.h>

enum { S = ARCHLLM_CLB_SHAPES };

/* a report with every tuner's row found and the shapes timed (ms, the tune's shape order) */
static void setup(archllm_clblast_report *r, const double *def, const double *ind, const double *dir)
{
    memset(r, 0, sizeof *r);
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++) r->rows[k].state = ARCHLLM_CLB_TUNED;
    for (int i = 0; i < S; i++) {
        r->shapes[i].ms_default = def[i];
        r->shapes[i].ms_indirect = ind[i];
        r->shapes[i].ms_direct = dir[i];
    }
    r->default_min = 896; /* CLBlast's own crossover on PoCL: only the 1024^3 shape indirect */
}

static int count_direct(const archllm_clblast_report *r)
{
    int n = 0;
    for (int i = 0; i < S; i++) n += r->shapes[i].direct;
    return n;
}

int main(void)
{
    /* the Zen 5 tune: 640x64x64 ... 1024x1024x1024 */
    const double def[S] = {1.088, 5.600, 4.760, 7.297, 20.725, 88.546, 144.488};
    const double ind[S] = {0.483, 2.505, 1.722, 3.040, 10.189, 44.018, 99.952};
    const double dir[S] = {0.643, 5.125, 0.957, 10.690, 3.728, 63.759, 28.833};
    archllm_clblast_report r;

    setup(&r, def, ind, dir);
    archllm_autotune_clblast_decide(&r);
    CHECK(count_direct(&r) == S, "every shape direct (%d of %d)", count_direct(&r), S);
    CHECK(r.min_indirect == 1025, "crossover just above the largest shape: %zu", r.min_indirect);
    CHECK(r.rows[ARCHLLM_CLB_XGEMM_DIRECT].state == ARCHLLM_CLB_KEPT, "the tuned XgemmDirect kept");
    /* 99.952 against 144.488 ms where CLBlast's routing runs Xgemm: the products past the
     * crossover take the tuned indirect kernels */
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++)
        if (k != ARCHLLM_CLB_XGEMM_DIRECT)
            CHECK(r.rows[k].state == ARCHLLM_CLB_KEPT && strstr(r.rows[k].note, "past the crossover"),
                  "indirect kernel %d kept for the products past the crossover ('%s')", k, r.rows[k].note);
    CHECK(r.gain > 2.0 && r.gain < 2.4, "gain %.3f (2.19 in the tune)", r.gain);

    /* the probe past the largest shape ran direct in 245 ms, indirect in 1115 ms (the Zen 5):
     * the crossover moves past it; the indirect kernels stay kept for what is larger still */
    setup(&r, def, ind, dir);
    r.probe_n = 2048, r.probe_ms_indirect = 1115.0, r.probe_ms_direct = 245.0;
    archllm_autotune_clblast_decide(&r);
    CHECK(r.min_indirect == 2049, "crossover past the probe: %zu", r.min_indirect);
    CHECK(count_direct(&r) == S, "every shape still direct (%d)", count_direct(&r));
    CHECK(r.rows[ARCHLLM_CLB_XGEMM].state == ARCHLLM_CLB_KEPT, "the tuned Xgemm kept past the probe");
    /* direct only 2% faster there: the crossover stays just above the largest shape */
    setup(&r, def, ind, dir);
    r.probe_n = 2048, r.probe_ms_indirect = 1000.0, r.probe_ms_direct = 980.0;
    archllm_autotune_clblast_decide(&r);
    CHECK(r.min_indirect == 1025, "a probe 2%% faster direct leaves the crossover at 1025: %zu", r.min_indirect);

    /* the tuned Xgemm only 2% faster where CLBlast runs it: CLBlast's own stay */
    double ind2[S];
    memcpy(ind2, ind, sizeof ind2);
    ind2[S - 1] = 0.98 * def[S - 1];
    setup(&r, def, ind2, dir);
    archllm_autotune_clblast_decide(&r);
    CHECK(r.min_indirect == 1025, "crossover %zu", r.min_indirect);
    CHECK(r.rows[ARCHLLM_CLB_XGEMM].state == ARCHLLM_CLB_DROPPED, "a tuned Xgemm 2%% faster dropped ('%s')",
          r.rows[ARCHLLM_CLB_XGEMM].note);
    CHECK(r.rows[ARCHLLM_CLB_XGEMM_DIRECT].state == ARCHLLM_CLB_KEPT, "the tuned XgemmDirect still kept");

    /* the tuned indirect path wins the three largest shapes: the crossover below them, the
     * indirect kernels kept by the timings themselves */
    const double dir3[S] = {0.643, 2.000, 0.957, 2.900, 30.0, 120.0, 250.0};
    setup(&r, def, ind, dir3);
    archllm_autotune_clblast_decide(&r);
    CHECK(count_direct(&r) == 4, "the 4 smaller shapes direct (%d)", count_direct(&r));
    CHECK(r.min_indirect > 352 && r.min_indirect <= 512, "crossover between 640x533x128 and 512^3: %zu",
          r.min_indirect);
    CHECK(r.rows[ARCHLLM_CLB_XGEMM].state == ARCHLLM_CLB_KEPT && !strstr(r.rows[ARCHLLM_CLB_XGEMM].note, "past"),
          "the tuned Xgemm kept on the timings ('%s')", r.rows[ARCHLLM_CLB_XGEMM].note);
    /* a probe (not timed here, but given) does not move a crossover that sits below shapes */
    setup(&r, def, ind, dir3);
    r.probe_n = 2048, r.probe_ms_indirect = 1115.0, r.probe_ms_direct = 245.0;
    archllm_autotune_clblast_decide(&r);
    CHECK(r.min_indirect <= 512, "the probe ignored when shapes run indirect: %zu", r.min_indirect);

    /* nothing tuned: CLBlast's own everywhere, its own crossover */
    setup(&r, def, ind, dir);
    for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++) r.rows[k].state = ARCHLLM_CLB_FAILED;
    for (int i = 0; i < S; i++) r.shapes[i].ms_indirect = r.shapes[i].ms_direct = 0;
    archllm_autotune_clblast_decide(&r);
    CHECK(r.min_indirect == 896, "CLBlast's own crossover kept: %zu", r.min_indirect);
    CHECK(count_direct(&r) == S - 1, "CLBlast's own routing: %d shapes direct", count_direct(&r));
    CHECK(r.gain > 0.999 && r.gain < 1.001, "gain 1 (%.3f)", r.gain);
    return test_finish();
}
