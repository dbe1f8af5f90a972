/* test_vqvae_latents.c - continuous latents in and out of the VQ-VAE, on a random
 * (untrained) tiny model and a few random NB101 graphs of varying size:
 *   latents(): the loaded batch's z_e, finite, 0 on padded nodes, and the forward's codes
 *     are its nearest codebook rows (so it is z_e and laid out as documented);
 *   decode_latents() of the chosen codebook rows, gathered on the host, gives exactly the
 *     cells of decode(codes) (same decoder inputs, bit for bit), and leaves the codebook
 *     as it was;
 *   decode_latents(latents) runs and gives cells of the right sizes;
 *   bad arguments fail with EINVAL.
 * Exits 77 (SKIP) without an OpenCL device, 1 on any failure. */
#include "model/vqvae.h"
#include "testutil.h"
#include "search/baseline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK(call) CHECK((call) == ARCHLLM_OK, "%s: %s", #call, archllm_last_error())

enum { NG = 6 };

int main(void)
{
    archllm_ctx_t *ctx = test_open_ctx();
    archllm_space space = ARCHLLM_SPACE_NB101;
    archllm_vqvae_params hp = archllm_vqvae_default_params();
    hp.max_v = archllm_space_max_v(space), hp.n_ops = archllm_space_num_ops(space);
    hp.layers = 2, hp.hidden = 32, hp.latent_dim = 4, hp.codes_per_node = 2, hp.codebook_size = 16;
    hp.adj_dim = 8, hp.max_batch = NG;
    size_t N = (size_t)hp.max_v, C = (size_t)hp.codes_per_node, D = (size_t)hp.latent_dim, K = hp.codebook_size;
    size_t per = N * C * D;

    archllm_vqvae m;
    archllm_rng rng;
    archllm_rng_seed(&rng, 7, 0);
    archllm_cell cells[NG], a[NG], b[NG], c[NG];
    archllm_dataset d;
    memset(&d, 0, sizeof d);
    uint32_t idx[NG];
    int nv[NG];
    float *z = calloc(NG * per, sizeof(float)), *zq = calloc(NG * per, sizeof(float));
    float *cb = calloc(K * D, sizeof(float)), *cb2 = calloc(K * D, sizeof(float));
    int32_t *codes = calloc(NG * N * C, sizeof(int32_t));
    if (archllm_vqvae_init(&m, ctx, &hp, &rng) != ARCHLLM_OK) {
        printf("FAIL: init: %s\n", archllm_last_error());
        return 1;
    }
    OK(archllm_baseline_sample(cells, NG, space, ARCHLLM_BASELINE_RANDOM_GRAPH, NULL, 11));
    OK(archllm_dataset_build(&d, space, cells, NG));
    for (int i = 0; i < NG; i++) idx[i] = (uint32_t)i, nv[i] = d.nv[i];
    OK(archllm_vqvae_load(&m, &d, idx, NG));
    OK(archllm_vqvae_forward(&m, 0, NULL));
    OK(archllm_vqvae_latents(&m, z, NG));
    OK(archllm_vqvae_codes(&m, codes));
    archllm_view cv = archllm_params_value(&m.params, m.p_cb);
    OK(archllm_buf_read(ctx, cb, cv.buf, cv.off * sizeof(float), K * D * sizeof(float)));

    /* latents: finite, zero on padding, nearest code = the forward's code */
    int bad_fin = 0, bad_pad = 0, bad_code = 0;
    for (int g = 0; g < NG; g++)
        for (size_t v = 0; v < N; v++)
            for (size_t q = 0; q < C; q++) {
                const float *x = z + ((g * N + v) * C + q) * D;
                double bd = INFINITY, dc = INFINITY;
                int32_t code = codes[(g * N + v) * C + q];
                for (size_t k = 0; k < K; k++) {
                    double dd = 0;
                    for (size_t j = 0; j < D; j++) dd += (x[j] - cb[k * D + j]) * (double)(x[j] - cb[k * D + j]);
                    bd = fmin(bd, dd);
                    if ((int32_t)k == code) dc = dd;
                }
                for (size_t j = 0; j < D; j++) {
                    bad_fin += !isfinite(x[j]);
                    if ((int)v >= nv[g]) bad_pad += x[j] != 0.0f;
                }
                /* the device's distances round differently: near-ties may go either way */
                if ((int)v < nv[g]) bad_code += !(dc <= bd + 1e-5 * (1.0 + bd));
            }
    CHECK(!bad_fin && !bad_pad, "latents: %d non-finite, %d nonzero padded values", bad_fin, bad_pad);
    CHECK(!bad_code, "latents: %d nearest codes differ from the forward's codes", bad_code);

    /* decode_latents(codebook rows of codes) == decode(codes) */
    for (int g = 0; g < NG; g++)
        for (size_t v = 0; v < (size_t)nv[g]; v++)
            for (size_t q = 0; q < C; q++)
                memcpy(zq + ((g * N + v) * C + q) * D, cb + (size_t)codes[(g * N + v) * C + q] * D, D * sizeof(float));
    OK(archllm_vqvae_decode(&m, codes, nv, NG, space, a));
    /* other codes in between, so that stale decoder inputs would show */
    int32_t *other = calloc(NG * N * C, sizeof(int32_t));
    for (size_t r = 0; r < NG * N * C; r++) other[r] = codes[r] < 0 ? -1 : (codes[r] + 1) % (int32_t)K;
    OK(archllm_vqvae_decode(&m, other, nv, NG, space, c));
    free(other);
    OK(archllm_vqvae_decode_latents(&m, zq, nv, NG, space, b));
    CHECK(memcmp(a, b, sizeof a) == 0, "decode_latents of the code vectors differs from decode of the codes");
    int differ = 0;
    for (int g = 0; g < NG; g++) differ += memcmp(&a[g], &cells[g], sizeof a[g]) != 0;
    printf("ok   %d graphs decoded alike (%d differ from the input, model untrained)\n", NG, differ);
    OK(archllm_buf_read(ctx, cb2, cv.buf, cv.off * sizeof(float), K * D * sizeof(float)));
    CHECK(memcmp(cb, cb2, K * D * sizeof(float)) == 0, "decode_latents changed the codebook");

    /* the continuous latents themselves decode */
    OK(archllm_vqvae_decode_latents(&m, z, nv, NG, space, c));
    for (int g = 0; g < NG; g++) CHECK(c[g].nv == nv[g], "graph %d: %d nodes, want %d", g, c[g].nv, nv[g]);

    /* bad arguments */
    int bad_nv[NG];
    memcpy(bad_nv, nv, sizeof bad_nv);
    bad_nv[1] = (int)N + 1;
    CHECK(archllm_vqvae_decode_latents(&m, z, bad_nv, NG, space, c) == ARCHLLM_EINVAL, "nodes > N accepted");
    printf("ok   error: %s\n", archllm_last_error());
    CHECK(archllm_vqvae_decode_latents(&m, z, nv, hp.max_batch + 1, space, c) == ARCHLLM_EINVAL, "n > max_batch accepted");
    CHECK(archllm_vqvae_decode_latents(&m, NULL, nv, NG, space, c) == ARCHLLM_EINVAL, "NULL latents accepted");
    zq[D] = NAN; /* node 0, code 1 of graph 0: real */
    CHECK(archllm_vqvae_decode_latents(&m, zq, nv, NG, space, c) == ARCHLLM_EINVAL, "NaN latent accepted");
    printf("ok   error: %s\n", archllm_last_error());
    OK(archllm_vqvae_load(&m, &d, idx, NG - 1));
    CHECK(archllm_vqvae_latents(&m, z, NG) == ARCHLLM_EINVAL, "latents of a wrong batch size accepted");
    printf("ok   error: %s\n", archllm_last_error());
    CHECK(archllm_vqvae_latents(&m, NULL, NG - 1) == ARCHLLM_EINVAL, "NULL output accepted");

    free(z), free(zq), free(cb), free(cb2), free(codes);
    archllm_dataset_free(&d);
    archllm_vqvae_free(&m);
    archllm_ctx_free(ctx);
    return test_finish();
}
