/* cmd_encode.c - `archllm encode CONFIG`: every cell of the configured space through a
 * trained VQ-VAE's encoder and quantizer, one JSON line each:
 *   {"hash": "...", "index": 12, "split": "train", "codes": [17, 402, ...]}
 * ("index" only for NB201; codes are codes_per_node per real node, in node order). */
#include "config.h"
#include "cli/cli.h"
#include "model/vqvae_run.h"
#include "nas/jsonl.h"
#include "util/fileio.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_encode(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL, *ckpt_opt = NULL, *out = NULL;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             {"device", required_argument, NULL, 'd'},
                                             {"checkpoint", required_argument, NULL, 'c'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:c:o:h", longopts, NULL)) != -1) {
        int r = cli_config_option(&co, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 'c': ckpt_opt = optarg; break;
        case 'o': out = optarg; break;
        case 'h': return cli_usage("encode", CLI_EXIT_OK);
        default: return cli_usage("encode", CLI_EXIT_USAGE);
        }
    }
    int pos = cli_config_positional(&co, argc, argv, "encode");
    if (pos != CLI_EXIT_OK) return pos;
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    if (out && strcmp(out, "-") != 0) { /* a file, as `run` writes codes.jsonl: lock the folder */
        char dir[ARCHLLM_CONFIG_PATH_MAX + 64];
        archllm_config_output_dir(&cfg, dir, sizeof dir);
        if ((rc = cli_lock_output(dir, "encode")) != CLI_EXIT_OK) return rc;
    }

    archllm_dataset data;
    archllm_split split;
    archllm_cell *cells = NULL;
    archllm_status s = archllm_vqvae_data(&cfg, &data, &split, &cells);
    if (s != ARCHLLM_OK) return cli_status(s, "encode: data");
    archllm_ctx_t *ctx = NULL;
    rc = cli_open_ctx(&ctx, device, &cfg);
    if (rc != CLI_EXIT_OK) {
        archllm_dataset_free(&data);
        archllm_split_free(&split);
        free(cells);
        return rc;
    }
    archllm_vqvae_params hp = archllm_vqvae_params_from_config(&cfg);
    archllm_space space = archllm_vqvae_space(&cfg);
    archllm_vqvae model;
    s = archllm_vqvae_open(&model, ctx, &cfg, ckpt_opt, 0);

    archllm_atomic_file af = {0};
    FILE *f = stdout;
    if (s == ARCHLLM_OK && out && strcmp(out, "-") != 0) {
        s = archllm_atomic_open(&af, out);
        f = af.f;
    }
    size_t N = (size_t)hp.max_v, C = (size_t)hp.codes_per_node, B = (size_t)hp.max_batch;
    uint8_t *is_test = calloc(data.n, 1);
    uint32_t *idx = malloc(B * sizeof *idx);
    int32_t *codes = malloc(B * N * C * sizeof *codes);
    if (s == ARCHLLM_OK && !(is_test && idx && codes)) s = archllm_fail(ARCHLLM_ENOMEM, "encode");
    for (size_t i = 0; s == ARCHLLM_OK && i < split.n_test; i++) is_test[split.test[i]] = 1;
    for (size_t i = 0; s == ARCHLLM_OK && i < data.n; i += B) {
        int nb = (int)(data.n - i < B ? data.n - i : B);
        for (int b = 0; b < nb; b++) idx[b] = (uint32_t)(i + (size_t)b);
        s = archllm_vqvae_load(&model, &data, idx, nb);
        if (s == ARCHLLM_OK) s = archllm_vqvae_forward(&model, 0, NULL);
        if (s == ARCHLLM_OK) s = archllm_vqvae_codes(&model, codes);
        for (int b = 0; s == ARCHLLM_OK && b < nb; b++) {
            archllm_cell_record rec;
            s = archllm_cell_record_make(&rec, &cells[i + (size_t)b], space);
            if (s != ARCHLLM_OK) break;
            fprintf(f, "{\"hash\": \"%s\", ", rec.hash);
            if (space == ARCHLLM_SPACE_NB201) fprintf(f, "\"index\": %d, ", rec.index);
            fprintf(f, "\"split\": \"%s\", \"codes\": [", is_test[i + (size_t)b] ? "test" : "train");
            int nv = data.nv[i + (size_t)b];
            for (int r = 0; r < nv * (int)C; r++) fprintf(f, "%s%d", r ? ", " : "", (int)codes[(size_t)b * N * C + (size_t)r]);
            fprintf(f, "]}\n");
        }
    }
    if (s == ARCHLLM_OK && f != stdout) s = archllm_atomic_commit(&af);
    else if (f != stdout && af.f) archllm_atomic_abort(&af);
    if (s == ARCHLLM_OK && f == stdout && fflush(stdout) != 0) s = archllm_fail(ARCHLLM_EIO, "stdout");
    if (s == ARCHLLM_OK && out && f != stdout)
        fprintf(stderr, "encode: %zu cells -> %s\n", data.n, out);
    free(is_test);
    free(idx);
    free(codes);
    if (model.ctx) archllm_vqvae_free(&model);
    archllm_ctx_free(ctx);
    archllm_dataset_free(&data);
    archllm_split_free(&split);
    free(cells);
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "encode");
}
