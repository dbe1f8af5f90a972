/* test_vqvae_fixture.c - the whole VQ-VAE against PyTorch: for each fixture in
 * tests/fixtures/vqvae (written by `python3 bench/vqvae/vqvae_torch.py fixture
 * tests/fixtures/vqvae`, an independent implementation), load its parameters and
 * inputs, run one forward and backward, and compare the losses, the chosen codes, every
 * parameter gradient and (EMA fixture) the codebook after the EMA update.
 *
 * Tolerances (float32 on both sides, different summation orders):
 *   losses: relative 2e-5 - sums of a few hundred float terms in another order;
 *   gradients: per element |c - t| <= 1e-5 + 2e-3 * max|t| of the tensor, and the whole
 *     tensor's ||c - t|| / ||t|| <= 1e-5.  The per-element bound is relative to the
 *     tensor's scale because a gradient element can be a difference of near-equal terms
 *     (a cancellation the two sides round differently); the normalized errors seen are
 *     4e-8 to 4e-7 (float32 reductions in another order), a wrong formula gives O(1);
 *   codes: exactly equal (the fixture's distances are far from ties).
 * Exits 77 (SKIP) without an OpenCL device, 1 on any mismatch. */
#include "model/vqvae.h"
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int get_int(json_t *o, const char *k) { return (int)json_integer_value(json_object_get(o, k)); }

static float *read_tensor(const archllm_safetensors *st, const char *name, size_t *n)
{
    const archllm_st_entry *e = archllm_st_find(st, name);
    if (!e) return NULL;
    float *x = malloc(e->numel * sizeof(float));
    if (x && archllm_st_read_f32(st, e, x, e->numel) != ARCHLLM_OK) {
        free(x);
        return NULL;
    }
    *n = e->numel;
    return x;
}

/* 0 when c matches t within the tolerances above */
static int compare(const char *what, const float *c, const float *t, size_t n)
{
    double mx = 0, num = 0, den = 0, worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, fabs(t[i]));
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)c[i] - t[i]);
        num += d * d;
        den += (double)t[i] * t[i];
        if (d > worst) worst = d, at = i;
        if (!(d <= 1e-5 + 2e-3 * mx)) bad = 1;
    }
    double nerr = den > 0 ? sqrt(num / den) : sqrt(num);
    if (bad || !(nerr <= 1e-5 || sqrt(num) <= 1e-6)) {
        printf("FAIL %s: normalized error %.3e, max |diff| %.3e at %zu (c %.9g, torch %.9g), max |torch| %.3e\n",
               what, nerr, worst, at, c[at], t[at], mx);
        return 1;
    }
    printf("ok   %-28s normalized error %.2e\n", what, nerr);
    return 0;
}

static void run_fixture(archllm_ctx_t *ctx, const char *path)
{
    archllm_safetensors st;
    if (archllm_st_open(&st, path) != ARCHLLM_OK) {
        CHECK(0, "%s: %s (regenerate with: python3 bench/vqvae/vqvae_torch.py fixture tests/fixtures/vqvae)", path,
              archllm_last_error());
        return;
    }
    const char *fmt = archllm_st_meta(&st, "format");
    CHECK(fmt && strcmp(fmt, "archllm-vqvae-fixture 1") == 0, "%s: fixture format '%s'", path, fmt ? fmt : "none");
    json_t *sz = json_loads(archllm_st_meta(&st, "sizes") ? archllm_st_meta(&st, "sizes") : "{}", 0, NULL);
    archllm_vqvae_params hp = archllm_vqvae_default_params();
    hp.max_v = get_int(sz, "N");
    hp.n_ops = get_int(sz, "F");
    hp.layers = get_int(sz, "L");
    hp.hidden = get_int(sz, "H");
    hp.latent_dim = get_int(sz, "D");
    hp.codes_per_node = get_int(sz, "C");
    hp.codebook_size = get_int(sz, "K");
    hp.adj_dim = get_int(sz, "A");
    hp.max_batch = get_int(sz, "B");
    hp.beta = (float)json_real_value(json_object_get(sz, "beta"));
    hp.ema_decay = (float)json_real_value(json_object_get(sz, "decay"));
    hp.restart_threshold = 0.0f;
    hp.adj_mode = strcmp(archllm_st_meta(&st, "adj_decoder"), "pair") == 0 ? ARCHLLM_ADJ_PAIR : ARCHLLM_ADJ_INNER;
    hp.quantizer = strcmp(archllm_st_meta(&st, "quantizer"), "ema") == 0 ? ARCHLLM_VQ_EMA : ARCHLLM_VQ_LOSS;
    json_decref(sz);
    int B = hp.max_batch, N = hp.max_v, F = hp.n_ops, C = hp.codes_per_node;

    archllm_rng rng;
    archllm_rng_seed(&rng, 1, 1);
    archllm_vqvae m;
    archllm_status s = archllm_vqvae_init(&m, ctx, &hp, &rng);
    CHECK(s == ARCHLLM_OK, "init: %s", archllm_last_error());
    if (s != ARCHLLM_OK) {
        archllm_st_close(&st);
        return;
    }
    /* parameters by name */
    float *all = calloc(m.params.total, sizeof(float)), *grads = calloc(m.params.total, sizeof(float));
    for (int i = 0; i < m.params.n; i++) {
        char name[160];
        size_t n = 0;
        snprintf(name, sizeof name, "param.%s", m.params.t[i].name);
        float *x = read_tensor(&st, name, &n);
        CHECK(x && n == m.params.t[i].numel, "%s: missing or wrong size in the fixture", name);
        if (x && n == m.params.t[i].numel) memcpy(all + m.params.t[i].offset, x, n * sizeof(float));
        free(x);
    }
    CHECK(archllm_params_write(ctx, &m.params, all) == ARCHLLM_OK, "params_write");

    /* inputs as a dataset of B cells */
    size_t na, no, nm;
    float *adj = read_tensor(&st, "input.adj", &na), *ops = read_tensor(&st, "input.ops", &no),
          *mask = read_tensor(&st, "input.mask", &nm);
    archllm_dataset d;
    memset(&d, 0, sizeof d);
    d.n = (size_t)B, d.max_v = N, d.n_ops = F;
    d.adj = calloc(na, 1), d.ops = calloc(no, 1), d.mask = calloc(nm, 1), d.nv = calloc((size_t)B, 1);
    for (size_t i = 0; i < na; i++) d.adj[i] = adj[i] > 0.5f;
    for (size_t i = 0; i < no; i++) d.ops[i] = ops[i] > 0.5f;
    for (size_t i = 0; i < nm; i++) d.mask[i] = mask[i] > 0.5f, d.nv[i / (size_t)N] += d.mask[i];
    uint32_t idx[256];
    for (int b = 0; b < B; b++) idx[b] = (uint32_t)b;

    archllm_vqvae_stats stats;
    s = archllm_vqvae_load(&m, &d, idx, B);
    /* the gradient arena starts as NaN: a region some kernel reads before its first writer
     * wrote it (the arena is not zeroed between steps) turns the gradients NaN */
    if (s == ARCHLLM_OK) s = archllm_buf_fill_f32(ctx, m.dact, 0, m.o_scratch, NAN);
    if (s == ARCHLLM_OK) s = archllm_vqvae_forward(&m, 1, &stats);
    if (s == ARCHLLM_OK) s = archllm_params_zero_grad(ctx, &m.params);
    if (s == ARCHLLM_OK) s = archllm_vqvae_backward(&m);
    if (s == ARCHLLM_OK) s = archllm_params_read_grad(ctx, &m.params, grads);
    CHECK(s == ARCHLLM_OK, "forward/backward: %s", archllm_last_error());

    size_t nl;
    float *losses = read_tensor(&st, "out.losses", &nl);
    double mine[4] = {stats.loss, stats.loss_op, stats.loss_adj, stats.loss_vq};
    const char *ln[4] = {"loss", "loss_op", "loss_adj", "loss_vq"};
    for (int i = 0; losses && i < 4; i++) {
        /* sums of a few hundred float terms in another order */
        int ok = fabs(mine[i] - losses[i]) <= 2e-5 * fabs(losses[i]) + 1e-7;
        CHECK(ok, "%s: %s C %.9g torch %.9g", path, ln[i], mine[i], losses[i]);
        if (ok) printf("ok   %-28s %.7f\n", ln[i], mine[i]);
    }
    /* codes of real nodes */
    const archllm_st_entry *ce = archllm_st_find(&st, "out.codes");
    int32_t *tc = malloc((size_t)B * N * C * sizeof(int32_t)), *cc = malloc((size_t)B * N * C * sizeof(int32_t));
    if (ce && archllm_st_read_i32(&st, ce, tc, (size_t)B * N * C) == ARCHLLM_OK &&
        archllm_vqvae_codes(&m, cc) == ARCHLLM_OK) {
        int diff = 0;
        for (int r = 0; r < B * N * C; r++)
            if (cc[r] >= 0 && cc[r] != tc[r]) diff++;
        CHECK(diff == 0, "%s: %d codes differ", path, diff);
        if (!diff) printf("ok   codes\n");
    } else {
        CHECK(0, "%s: out.codes", path);
    }
    /* every gradient */
    for (int i = 0; i < m.params.n; i++) {
        char name[160];
        size_t n = 0;
        snprintf(name, sizeof name, "grad.%s", m.params.t[i].name);
        float *t = read_tensor(&st, name, &n);
        if (!t) continue; /* buffers (EMA state) have none */
        if (compare(name, grads + m.params.t[i].offset, t, n)) test_failures++;
        free(t);
    }
    /* EMA: the update with lr 0 leaves the parameters and applies only the EMA */
    size_t ncb;
    float *cb_after = read_tensor(&st, "out.codebook_after_ema", &ncb);
    if (cb_after) {
        archllm_adamw_params ap = {0};
        ap.beta1 = 0.9f, ap.beta2 = 0.999f, ap.eps = 1e-8f;
        s = archllm_vqvae_update(&m, &ap, NULL);
        if (s == ARCHLLM_OK) s = archllm_params_read(ctx, &m.params, all);
        CHECK(s == ARCHLLM_OK, "update: %s", archllm_last_error());
        if (s == ARCHLLM_OK && compare("codebook after EMA", all + m.params.t[m.p_cb].offset, cb_after, ncb))
            test_failures++;
        free(cb_after);
    }
    free(tc);
    free(cc);
    free(losses);
    free(adj);
    free(ops);
    free(mask);
    archllm_dataset_free(&d);
    free(all);
    free(grads);
    archllm_vqvae_free(&m);
    archllm_st_close(&st);
}

int main(void)
{
    const char *src = getenv("ARCHLLM_SRCDIR") ? getenv("ARCHLLM_SRCDIR") : ".";
    archllm_ctx_t *ctx = test_open_ctx();
    static const char *names[] = {"pair_loss", "inner_ema"};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/fixtures/vqvae/%s.safetensors", src, names[i]);
        printf("fixture %s\n", path);
        run_fixture(ctx, path);
    }
    archllm_ctx_free(ctx);
    if (test_failures)
        printf("%d failure(s); the fixtures come from: python3 bench/vqvae/vqvae_torch.py fixture tests/fixtures/vqvae\n",
               test_failures);
    return test_failures ? 1 : 0;
}
