/* test_clblast_decide.c - what `archllm tune` keeps of CLBlast's tuned kernels and where it
 * routes, from GEMM timings given here (no device): the timings of a tune on a 2-core Zen 5
 * (PoCL 3.1), where every shape ran fastest direct and the tuned Xgemm beat CLBlast's own
 * at the one shape CLBlast sends indirect, with and without a probe product past the
 * largest shape; the same with a tuned Xgemm no faster; and a device where the tuned
 * indirect path wins the large shapes.  And Xgemm's vector tiles: every one within the
 * constraints of CLBlast's Xgemm (its tuner's, src/tuning/kernels/xgemm.hpp in CLBlast 1.5). */
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

static size_t get(const archllm_clblast_set *set, const char *name) { return archllm_clblast_value(set, name, 0); }

/* the tiles for one vector width: how many, and every one valid */
static int check_tiles(int width)
{
    archllm_clblast_set t[ARCHLLM_CLB_MAX_TILES + 1];
    int n = archllm_autotune_clblast_tiles(width, t, ARCHLLM_CLB_MAX_TILES + 1);
    CHECK(n <= ARCHLLM_CLB_MAX_TILES, "width %d: %d tiles, at most %d", width, n, ARCHLLM_CLB_MAX_TILES);
    for (int i = 0; i < n; i++) {
        const archllm_clblast_set *s = &t[i];
        size_t mwg = get(s, "MWG"), nwg = get(s, "NWG"), kwg = get(s, "KWG"), kwi = get(s, "KWI");
        size_t mdimc = get(s, "MDIMC"), ndimc = get(s, "NDIMC"), mdima = get(s, "MDIMA"), ndimb = get(s, "NDIMB");
        size_t vwm = get(s, "VWM"), vwn = get(s, "VWN");
        CHECK(s->n == 17 && get(s, ARCHLLM_CLB_VECTOR_MAD) == 1 && get(s, "GEMMK") == 0 && get(s, "KREG") == 1,
              "width %d tile %d: Xgemm's 16 parameters and the vector multiply-add (%d)", width, i, s->n);
        for (int j = 1; j < s->n; j++)
            CHECK(strcmp(s->p[j - 1].name, s->p[j].name) < 0, "width %d tile %d: sorted by name at %s", width, i,
                  s->p[j].name);
        CHECK(vwm == (size_t)width || (width < 16 && vwm == 2 * (size_t)width), "width %d tile %d: VWM %zu", width,
              i, vwm);
        int lead = width < 16 ? 8 : 4; /* one per vector width and tile shape at 4 x 8 first */
        CHECK((i < lead) == (mdimc == 4 && ndimc == 8), "width %d tile %d: group %zux%zu", width, i, mdimc, ndimc);
        CHECK(kwi && kwg % kwi == 0, "width %d tile %d: KWG a multiple of KWI", width, i);
        CHECK(mwg % (mdimc * vwm) == 0 && nwg % (ndimc * vwn) == 0, "width %d tile %d: whole MWI and NWI", width, i);
        CHECK(mwg % (mdima * vwm) == 0 && nwg % (ndimb * vwn) == 0, "width %d tile %d: whole MWIA and NWIB", width,
              i);
        CHECK(kwg % (mdimc * ndimc / mdima) == 0 && kwg % (mdimc * ndimc / ndimb) == 0,
              "width %d tile %d: KWG a multiple of KDIMA and KDIMB", width, i);
        CHECK(mdimc * ndimc >= 16 && mdimc * ndimc <= 64, "width %d tile %d: %zu work-items a group", width, i,
              mdimc * ndimc);
        char a[1024], b[1024];
        archllm_clblast_format(s, a, sizeof a);
        for (int j = 0; j < i; j++) {
            archllm_clblast_format(&t[j], b, sizeof b);
            CHECK(strcmp(a, b) != 0, "width %d: tiles %d and %d differ", width, j, i);
        }
    }
    return n;
}

int main(void)
{
    CHECK(check_tiles(16) == 12 && check_tiles(8) == ARCHLLM_CLB_MAX_TILES && check_tiles(4) == ARCHLLM_CLB_MAX_TILES,
          "12 tiles for vectors 16 wide, 24 for 8 and 4 (their width and twice it)");
    CHECK(check_tiles(1) == 0 && check_tiles(2) == 0 && check_tiles(3) == 0 && check_tiles(32) == 0,
          "no tiles for vectors 1, 2, 3 or 32 wide");
    archllm_clblast_set few[3];
    CHECK(archllm_autotune_clblast_tiles(16, few, 3) == 3 && get(&few[0], "MWG") == 128 && get(&few[0], "NWG") == 64 &&
              get(&few[1], "MWG") == 64 && get(&few[1], "NWG") == 128,
          "a cap takes the first tiles: two vectors by 8 columns, then one by 16, at 4 x 8 work-items");

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
