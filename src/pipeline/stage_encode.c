/* stage_encode.c - the encode stage (stage.h): every cell of the space through the trained
 * VQ-VAE's encoder and quantizer, one JSON line each.  Option parsing, the lock and the
 * device are `archllm encode`'s (src/cli/cmd_encode.c). */
#include "config.h"
#include "pipeline/stage.h"

#include "model/vqvae_run.h"
#include "search/genmetrics.h"
#include "nas/jsonl.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* one line: {"hash": "...", ["index": i, ]"split": "train", "codes": [...]} */
static archllm_status write_line(FILE *f, const archllm_cell *c, archllm_space space, int is_test,
                                 const int32_t *codes, int n)
{
    archllm_cell_record rec;
    ARCHLLM_TRY(archllm_cell_record_make(&rec, c, space));
    fprintf(f, "{\"hash\": \"%s\", ", rec.hash);
    if (space == ARCHLLM_SPACE_NB201) fprintf(f, "\"index\": %d, ", rec.index);
    fprintf(f, "\"split\": \"%s\", \"codes\": [", is_test ? "test" : "train");
    for (int r = 0; r < n; r++) fprintf(f, "%s%d", r ? ", " : "", (int)codes[r]);
    fprintf(f, "]}\n");
    return ARCHLLM_OK;
}

archllm_status archllm_stage_encode(const archllm_stage_env *env, const char *checkpoint, const char *out,
                                    FILE *stream)
{
    const archllm_config *cfg = env->cfg;
    archllm_space space = archllm_vqvae_space(cfg);
    char ckpt[ARCHLLM_CONFIG_PATH_MAX + 128];
    if (!checkpoint) checkpoint = archllm_vqvae_ckpt_path(cfg, ckpt, sizeof ckpt);
    double t0 = archllm_now_s();
    archllm_emit_begin(env->ev, "encode", "every %s cell through %s", archllm_space_name(space), checkpoint);

    archllm_dataset data;
    archllm_split split;
    archllm_cell *cells = NULL;
    archllm_vqvae model = {0};
    archllm_atomic_file af = {0};
    uint8_t *is_test = NULL;
    uint32_t *idx = NULL;
    int32_t *codes = NULL;
    archllm_status s = archllm_vqvae_data(cfg, &data, &split, &cells);
    if (s != ARCHLLM_OK) {
        archllm_fail_prefix(s, "data");
        archllm_emit_end(env->ev, "encode", s, archllm_now_s() - t0);
        return s;
    }
    s = archllm_vqvae_open(&model, env->ctx, cfg, checkpoint, 0);
    FILE *f = stream;
    if (s == ARCHLLM_OK && out) {
        s = archllm_atomic_open(&af, out);
        f = af.f;
    }
    size_t N = (size_t)model.hp.max_v, C = (size_t)model.hp.codes_per_node, B = (size_t)model.hp.max_batch;
    is_test = calloc(data.n, 1);
    idx = malloc(B * sizeof *idx);
    codes = malloc(B * N * C * sizeof *codes);
    if (s == ARCHLLM_OK && !(is_test && idx && codes)) s = archllm_fail(ARCHLLM_ENOMEM, "encode");
    for (size_t i = 0; s == ARCHLLM_OK && i < split.n_test; i++) is_test[split.test[i]] = 1;
    /* a step per batch (what a bar shows); the rate rides on one a second and on the last,
     * the steps a plain log prints */
    double t_loop = archllm_now_s(), t_rate = t_loop;
    for (size_t i = 0; s == ARCHLLM_OK && i < data.n; i += B) {
        if (env->stop && *env->stop) {
            s = archllm_fail(ARCHLLM_EINTERRUPTED, "stopped after %zu of %zu cells; nothing written", i, data.n);
            break;
        }
        int nb = (int)(data.n - i < B ? data.n - i : B);
        for (int b = 0; b < nb; b++) idx[b] = (uint32_t)(i + (size_t)b);
        s = archllm_vqvae_load(&model, &data, idx, nb);
        if (s == ARCHLLM_OK) s = archllm_vqvae_forward(&model, 0, NULL);
        if (s == ARCHLLM_OK) s = archllm_vqvae_codes(&model, codes);
        for (int b = 0; s == ARCHLLM_OK && b < nb; b++) {
            size_t c = i + (size_t)b;
            s = write_line(f, &cells[c], space, is_test[c], codes + (size_t)b * N * C, data.nv[c] * (int)C);
        }
        double now = archllm_now_s();
        size_t done = i + (size_t)nb;
        int with_rate = now - t_rate >= 1.0 || done == data.n;
        archllm_metric rate = {"cells/s", now > t_loop ? (double)done / (now - t_loop) : 0.0, "%.0f", "cells/s"};
        if (with_rate) t_rate = now;
        if (s == ARCHLLM_OK) archllm_emit_step(env->ev, "encode", (long)done, (long)data.n, &rate, with_rate);
    }
    if (out) {
        if (s == ARCHLLM_OK) s = archllm_atomic_commit(&af);
        else if (af.f) archllm_atomic_abort(&af);
    } else if (s == ARCHLLM_OK && fflush(stream) != 0) {
        s = archllm_fail(ARCHLLM_EIO, "writing the codes: %s", strerror(errno));
    }
    if (s == ARCHLLM_OK && out)
        archllm_emit_message(env->ev, "encode", ARCHLLM_MESSAGE_INFO, "encode: %zu cells -> %s", data.n, out);
    free(is_test);
    free(idx);
    free(codes);
    if (model.ctx) archllm_vqvae_free(&model);
    archllm_dataset_free(&data);
    archllm_split_free(&split);
    free(cells);
    archllm_emit_end(env->ev, "encode", s, archllm_now_s() - t0);
    return s;
}
