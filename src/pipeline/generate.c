/* generate.c - generation with the trained models: sample code sequences, decode them,
 * measure them (genmetrics, novelty against the VQ-VAE's training split), write the
 * cells.  The generate stage (stage_generate.c) adds the baselines, the sweep and the
 * files. */
#include "config.h"
#include "pipeline/pipeline.h"

#include "nas/jsonl.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

archllm_status archllm_pipeline_generate(archllm_pipeline_models *pm, const archllm_generate_params *gp,
                                         archllm_cell **cells_out, size_t *n_out, double *seconds)
{
    archllm_sample_params sp;
    archllm_sample_default_params(&sp);
    sp.temperature = (float)gp->temperature;
    sp.top_k = gp->top_k;
    sp.top_p = (float)gp->top_p;
    sp.seed = gp->seed;
    *cells_out = NULL;
    *n_out = 0;
    double t0 = archllm_now_s();
    if (!gp->unique) {
        archllm_cell *cells = malloc(gp->samples * sizeof *cells);
        int32_t *codes = malloc(gp->samples * (size_t)pm->L * sizeof *codes);
        archllm_status s = cells && codes ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "generate");
        if (s == ARCHLLM_OK) s = archllm_pipeline_sample(pm, &sp, gp->samples, codes);
        if (s == ARCHLLM_OK) s = archllm_pipeline_decode(pm, codes, gp->samples, cells);
        free(codes);
        if (s != ARCHLLM_OK) {
            free(cells);
            return s;
        }
        *cells_out = cells;
        *n_out = gp->samples;
        if (seconds) *seconds = archllm_now_s() - t0;
        return ARCHLLM_OK;
    }
    /* --unique: draw batches until `samples` distinct valid cells or max_samples draws;
     * every draw is kept (the metrics are over all of them), so the list can be long */
    size_t cap = gp->samples * 2 + 1024, n = 0, chunk = (size_t)pm->batch * 4;
    archllm_cell *cells = malloc(cap * sizeof *cells);
    int32_t *codes = malloc(chunk * (size_t)pm->L * sizeof *codes);
    archllm_genmetrics_acc *acc = NULL;
    archllm_status s = cells && codes ? ARCHLLM_OK : archllm_fail(ARCHLLM_ENOMEM, "generate");
    if (s == ARCHLLM_OK) s = archllm_genmetrics_acc_init(&acc, pm->space, pm->train, cap);
    size_t unique = 0, round = 0;
    while (s == ARCHLLM_OK && unique < gp->samples && n < gp->max_samples) {
        size_t nb = gp->max_samples - n < chunk ? gp->max_samples - n : chunk;
        if (n + nb > cap) {
            size_t nc = cap * 2;
            archllm_cell *p = realloc(cells, nc * sizeof *cells);
            if (!p) {
                s = archllm_fail(ARCHLLM_ENOMEM, "generate");
                break;
            }
            cells = p, cap = nc;
        }
        sp.seed = gp->seed + 7919u * (uint64_t)round++;
        s = archllm_pipeline_sample(pm, &sp, nb, codes);
        if (s == ARCHLLM_OK) s = archllm_pipeline_decode(pm, codes, nb, cells + n);
        for (size_t i = 0; s == ARCHLLM_OK && i < nb && unique < gp->samples; i++) {
            unsigned f = 0;
            s = archllm_genmetrics_add(acc, &cells[n], &f);
            unique += (f & ARCHLLM_GEN_NEW) != 0;
            n++;
        }
    }
    archllm_genmetrics_acc_free(acc);
    free(codes);
    if (s != ARCHLLM_OK) {
        free(cells);
        return s;
    }
    *cells_out = cells;
    *n_out = n;
    if (seconds) *seconds = archllm_now_s() - t0;
    return ARCHLLM_OK;
}

archllm_status archllm_pipeline_metrics(archllm_genmetrics_record *r, const archllm_pipeline_models *pm,
                                        const char *method, double temperature, uint64_t seed,
                                        const archllm_cell *cells, size_t n)
{
    memset(r, 0, sizeof *r);
    snprintf(r->method, sizeof r->method, "%s", method);
    r->temperature = temperature;
    r->seed = seed;
    return archllm_genmetrics_compute(&r->m, pm->space, cells, n, pm->train, NULL);
}

archllm_status archllm_pipeline_write_cells(const char *path, archllm_space space, const archllm_cell *cells,
                                            size_t n)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    archllm_status s = ARCHLLM_OK;
    for (size_t i = 0; i < n && s == ARCHLLM_OK; i++) {
        archllm_cell_record rec;
        uint8_t key[16];
        int valid = archllm_space_cell_digest(key, space, &cells[i]) == ARCHLLM_OK;
        if (valid && archllm_cell_record_make(&rec, &cells[i], space) == ARCHLLM_OK) {
            /* the nasbench fields, plus "valid" */
            fputs("{\"valid\": true, ", af.f);
            char *line = NULL;
            size_t len = 0;
            FILE *mf = open_memstream(&line, &len);
            if (!mf) {
                s = archllm_fail(ARCHLLM_ENOMEM, "write cells");
                break;
            }
            s = archllm_jsonl_write_cell(mf, &rec);
            fclose(mf);
            if (s == ARCHLLM_OK && len > 1 && line[0] == '{') fputs(line + 1, af.f);
            free(line);
        } else {
            fprintf(af.f, "{\"valid\": false, \"module_adjacency\": [");
            for (int v = 0; v < cells[i].nv; v++) {
                fprintf(af.f, "%s[", v ? ", " : "");
                for (int w = 0; w < cells[i].nv; w++)
                    fprintf(af.f, "%s%d", w ? ", " : "", archllm_cell_has_edge(&cells[i], v, w));
                fputc(']', af.f);
            }
            fprintf(af.f, "], \"module_labels\": [");
            for (int v = 0; v < cells[i].nv; v++) fprintf(af.f, "%s%d", v ? ", " : "", cells[i].ops[v]);
            fputs("]}\n", af.f);
        }
    }
    if (s != ARCHLLM_OK) {
        archllm_atomic_abort(&af);
        return s;
    }
    return archllm_atomic_commit(&af);
}
