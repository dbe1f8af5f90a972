/* test_params.c - the parameter table: layout (decayed tensors first), AdamW over the
 * flat buffers against the reference, checkpoint round trip and exact resume, and a
 * checkpoint of another model rejected with a message. */
#include "train/params.h"
#include "ref/ref.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static archllm_status declare(archllm_ctx_t *ctx, archllm_params *p, int64_t hidden)
{
    int64_t w[2] = {hidden, 5}, b[1] = {5}, e[2] = {7, hidden};
    archllm_params_init(p);
    ARCHLLM_TRY(archllm_params_add(p, "layer.weight", 2, w, 1, ARCHLLM_INIT_NORMAL, 0.5f, NULL));
    ARCHLLM_TRY(archllm_params_add(p, "layer.bias", 1, b, 0, ARCHLLM_INIT_ZERO, 0.0f, NULL));
    ARCHLLM_TRY(archllm_params_add(p, "embed", 2, e, 1, ARCHLLM_INIT_UNIFORM, 0.1f, NULL));
    return archllm_params_finalize(ctx, p);
}

/* gradient of step k: a fixed function of the index */
static archllm_status set_grads(archllm_ctx_t *ctx, archllm_params *p, int k, float *host)
{
    for (size_t i = 0; i < p->total; i++) host[i] = 0.0f;
    for (int t = 0; t < p->n; t++)
        for (size_t j = 0; j < p->t[t].numel; j++) host[p->t[t].offset + j] = sinf((float)(j * 7 + t * 13 + k));
    return archllm_buf_write(ctx, p->grad, 0, host, p->total * sizeof(float));
}

int main(void)
{
    archllm_ctx_t *ctx = test_open_ctx();
    archllm_status s;
    archllm_params p;
    archllm_rng rng;
    archllm_rng_seed(&rng, 42, 1);
    s = declare(ctx, &p, 6);
    if (s == ARCHLLM_OK) s = archllm_params_randomize(ctx, &p, &rng);
    CHECK(s == ARCHLLM_OK, "declare, finalize, randomize (%s)", archllm_last_error());
    if (s != ARCHLLM_OK) return 1;
    CHECK(p.t[0].offset == 0 && p.t[2].offset < p.t[1].offset && p.decay_total == p.t[1].offset,
          "decayed tensors first (offsets %zu %zu %zu, decay_total %zu)", p.t[0].offset, p.t[1].offset,
          p.t[2].offset, p.decay_total);
    CHECK(archllm_params_find(&p, "embed") == 2 && archllm_params_find(&p, "nope") == -1, "find by name");
    int64_t shp[1] = {3};
    CHECK(archllm_params_add(&p, "late", 1, shp, 0, ARCHLLM_INIT_ZERO, 0, NULL) == ARCHLLM_EINVAL,
          "no tensors after finalize");

    size_t n = p.total;
    float *w0 = malloc(n * 4), *g = malloc(n * 4), *m = calloc(n, 4), *v = calloc(n, 4), *w1 = malloc(n * 4);
    archllm_params_read(ctx, &p, w0);
    /* one AdamW step on the device against the reference, region by region */
    archllm_adamw_params hp = {1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 1.0f, 0};
    set_grads(ctx, &p, 0, g);
    float norm = 0;
    s = archllm_params_adamw(ctx, &p, &hp, &norm);
    archllm_params_read(ctx, &p, w1);
    float sq;
    ref_sumsq(&sq, g, n);
    ref_adamw_params rp = {hp.lr, hp.beta1, hp.beta2, hp.eps, hp.weight_decay, hp.max_norm, 1};
    ref_adamw(w0, m, v, g, sq, p.decay_total, &rp);
    rp.weight_decay = 0.0f;
    ref_adamw(w0 + p.decay_total, m + p.decay_total, v + p.decay_total, g + p.decay_total, sq, n - p.decay_total, &rp);
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(w0[i] - w1[i]));
    CHECK(s == ARCHLLM_OK && worst < 1e-6 && fabsf(norm - sqrtf(sq)) < 1e-4f * sqrtf(sq) && p.step == 1,
          "AdamW step matches the reference (max diff %.2e, norm %g vs %g, step %d)", worst, norm, sqrtf(sq), p.step);

    /* checkpoint after step 1, run step 2; reload into a fresh table, run step 2 again:
     * the parameters must be bitwise equal */
    char path[] = "/tmp/archllm-ckpt-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    const char *mk[] = {"rng"}, *mv[] = {"12345"};
    s = archllm_params_save(ctx, &p, path, 0, mk, mv, 1);
    CHECK(s == ARCHLLM_OK, "checkpoint saved (%s)", archllm_last_error());
    archllm_status s2a = set_grads(ctx, &p, 1, g);
    if (s2a == ARCHLLM_OK) s2a = archllm_params_adamw(ctx, &p, &hp, NULL);
    float *a = malloc(n * 4), *b = malloc(n * 4);
    if (s2a == ARCHLLM_OK) s2a = archllm_params_read(ctx, &p, a);
    CHECK(s2a == ARCHLLM_OK && p.step == 2 && memcmp(a, w1, n * 4) != 0, "step 2 runs and moves the weights (%s)",
          s2a == ARCHLLM_OK ? "ok" : archllm_last_error());

    archllm_params q;
    archllm_safetensors st;
    s = declare(ctx, &q, 6);
    if (s == ARCHLLM_OK) s = archllm_params_load(ctx, &q, path, &st);
    CHECK(s == ARCHLLM_OK && q.step == 1 && archllm_st_meta(&st, "rng") && strcmp(archllm_st_meta(&st, "rng"), "12345") == 0,
          "checkpoint loads with step and metadata (%s)", s == ARCHLLM_OK ? "ok" : archllm_last_error());
    if (s == ARCHLLM_OK) archllm_st_close(&st);
    archllm_status s2b = s;
    if (s2b == ARCHLLM_OK) {
        s2b = set_grads(ctx, &q, 1, g);
        if (s2b == ARCHLLM_OK) s2b = archllm_params_adamw(ctx, &q, &hp, NULL);
    }
    if (s2b == ARCHLLM_OK) s2b = archllm_params_read(ctx, &q, b);
    /* both statuses: two failed steps would leave a and b equal too */
    CHECK(s2a == ARCHLLM_OK && s2b == ARCHLLM_OK && q.step == 2 && memcmp(a, b, n * 4) == 0,
          "resumed step is bitwise identical (%s)", s2b == ARCHLLM_OK ? "ok" : archllm_last_error());
    archllm_params_free(&q);

    /* another model's checkpoint: different shape */
    s = declare(ctx, &q, 8);
    if (s == ARCHLLM_OK) s = archllm_params_load(ctx, &q, path, NULL);
    CHECK(s == ARCHLLM_EFORMAT && strstr(archllm_last_error(), "shape"), "shape mismatch rejected: %s",
          archllm_last_error());
    archllm_params_free(&q);
    /* a table missing one tensor of the file */
    archllm_params_init(&q);
    int64_t w[2] = {6, 5};
    archllm_params_add(&q, "layer.weight", 2, w, 1, ARCHLLM_INIT_ZERO, 0, NULL);
    archllm_params_finalize(ctx, &q);
    s = archllm_params_load(ctx, &q, path, NULL);
    CHECK(s == ARCHLLM_EFORMAT && strstr(archllm_last_error(), "not a parameter"), "extra tensor rejected: %s",
          archllm_last_error());
    archllm_params_free(&q);

    /* weights-only export loads, with the step reset */
    s = archllm_params_save(ctx, &p, path, 1, NULL, NULL, 0);
    declare(ctx, &q, 6);
    if (s == ARCHLLM_OK) s = archllm_params_load(ctx, &q, path, NULL);
    CHECK(s == ARCHLLM_OK && q.step == 0, "weights-only checkpoint loads (%s)", s == ARCHLLM_OK ? "ok" : archllm_last_error());
    archllm_params_free(&q);

    unlink(path);
    free(w0); free(g); free(m); free(v); free(w1); free(a); free(b);
    archllm_params_free(&p);
    archllm_ctx_free(ctx);
    return test_finish();
}
