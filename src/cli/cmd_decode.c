/* cmd_decode.c - `archllm decode CONFIG [FILE]`: code sequences back to cells through a
 * trained VQ-VAE's decoder.  Reads JSON lines with a "codes" array (as `archllm encode`
 * writes; other fields are ignored), writes one line each:
 *   {"codes": [...], "valid": true, "hash": "...", ["index": i, "arch_str": "...",]
 *    "module_adjacency": [[...]], "module_operations": [...]}
 * Valid means a legal cell of the space (NB101: nasbench's _check_spec after pruning;
 * NB201: the 8-node form; DARTS: darts.h rules; cells: cells.h); hash and index only
 * for valid cells. */
#include "config.h"
#include "cli/cli.h"
#include "model/vqvae_run.h"
#include "nas/jsonl.h"
#include "search/genmetrics.h"
#include "nas/nb201.h"
#include "util/fileio.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_line(FILE *f, archllm_space space, const int32_t *codes, int ncodes, const archllm_cell *c)
{
    fprintf(f, "{\"codes\": [");
    for (int i = 0; i < ncodes; i++) fprintf(f, "%s%d", i ? ", " : "", (int)codes[i]);
    fprintf(f, "], ");
    archllm_cell_record rec;
    uint8_t key[16];
    /* the space's own rules; the hash is the key (NB101 and cells: of the pruned cell) */
    int valid = archllm_space_cell_digest(key, space, c) == ARCHLLM_OK &&
                archllm_cell_record_make(&rec, c, space) == ARCHLLM_OK;
    if (valid && (space == ARCHLLM_SPACE_NB101 || space == ARCHLLM_SPACE_CELLS)) archllm_digest_hex(rec.hash, key);
    fprintf(f, "\"valid\": %s, ", valid ? "true" : "false");
    if (valid) {
        fprintf(f, "\"hash\": \"%s\", ", rec.hash);
        if (space == ARCHLLM_SPACE_NB201) fprintf(f, "\"index\": %d, \"arch_str\": \"%s\", ", rec.index, rec.arch_str);
    }
    fprintf(f, "\"module_adjacency\": [");
    for (int v = 0; v < c->nv; v++) {
        fprintf(f, "%s[", v ? ", " : "");
        for (int w = 0; w < c->nv; w++) fprintf(f, "%s%d", w ? ", " : "", archllm_cell_has_edge(c, v, w));
        fprintf(f, "]");
    }
    fprintf(f, "], \"module_operations\": [");
    for (int v = 0; v < c->nv; v++) fprintf(f, "%s\"%s\"", v ? ", " : "", archllm_space_op_name(space, c->ops[v]));
    fprintf(f, "]}\n");
}

int cmd_decode(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL, *ckpt_opt = NULL, *out = NULL, *in = NULL;
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
        case 'h': return cli_usage("decode", CLI_EXIT_OK);
        default: return cli_usage("decode", CLI_EXIT_USAGE);
        }
    }
    if (optind < argc && !co.path) co.path = argv[optind++];
    if (optind < argc) in = argv[optind++];
    if (optind < argc) return cli_error(CLI_EXIT_USAGE, "decode: unexpected argument '%s'", argv[optind]);
    if (!co.path) return cli_error(CLI_EXIT_USAGE, "decode: name a config (see 'archllm help decode')");
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    FILE *fin = stdin;
    if (in && strcmp(in, "-") != 0 && !(fin = fopen(in, "r")))
        return cli_error(CLI_EXIT_FAILURE, "decode: %s: cannot open", in);

    archllm_ctx_t *ctx = NULL;
    rc = cli_open_ctx(&ctx, device, &cfg);
    if (rc != CLI_EXIT_OK) {
        if (fin != stdin) fclose(fin);
        return rc;
    }
    archllm_vqvae_params hp = archllm_vqvae_params_from_config(&cfg);
    archllm_space space = archllm_vqvae_space(&cfg);
    archllm_vqvae model;
    archllm_status s = archllm_vqvae_open(&model, ctx, &cfg, ckpt_opt, 0);
    archllm_atomic_file af = {0};
    FILE *f = stdout;
    if (s == ARCHLLM_OK && out && strcmp(out, "-") != 0) {
        s = archllm_atomic_open(&af, out);
        f = af.f;
    }
    int N = hp.max_v, C = hp.codes_per_node, B = hp.max_batch;
    int32_t *codes = calloc((size_t)B * N * C, sizeof *codes);
    int *nv = calloc((size_t)B, sizeof *nv);
    archllm_cell *cells = calloc((size_t)B, sizeof *cells);
    if (s == ARCHLLM_OK && !(codes && nv && cells)) s = archllm_fail(ARCHLLM_ENOMEM, "decode");
    char *line = NULL;
    size_t cap = 0, lineno = 0, total = 0, n_valid = 0;
    int nb = 0, eof = 0;
    while (s == ARCHLLM_OK && !eof) {
        ssize_t len = getline(&line, &cap, fin);
        if (len < 0) eof = 1;
        else {
            lineno++;
            json_error_t je;
            json_t *j = json_loadb(line, (size_t)len, 0, &je);
            if (!j && strspn(line, " \t\r\n") == (size_t)len) continue; /* blank */
            json_t *arr = j ? json_object_get(j, "codes") : NULL;
            size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
            if (!j || !arr || !json_is_array(arr)) s = archllm_fail(ARCHLLM_EFORMAT, "%s:%zu: no \"codes\" array", in ? in : "stdin", lineno);
            else if (n % (size_t)C != 0 || n / (size_t)C < 2 || n / (size_t)C > (size_t)N)
                s = archllm_fail(ARCHLLM_EFORMAT, "%s:%zu: %zu codes: need %d per node for 2..%d nodes", in ? in : "stdin",
                                 lineno, n, C, N);
            for (size_t i = 0; s == ARCHLLM_OK && i < n; i++) {
                json_t *e = json_array_get(arr, i);
                if (!json_is_integer(e)) s = archllm_fail(ARCHLLM_EFORMAT, "%s:%zu: codes must be integers", in ? in : "stdin", lineno);
                else codes[(size_t)nb * N * C + i] = (int32_t)json_integer_value(e);
            }
            if (j) json_decref(j);
            if (s != ARCHLLM_OK) break;
            nv[nb++] = (int)(n / (size_t)C);
        }
        if (s == ARCHLLM_OK && nb > 0 && (nb == B || eof)) {
            s = archllm_vqvae_decode(&model, codes, nv, nb, space, cells);
            for (int b = 0; s == ARCHLLM_OK && b < nb; b++) {
                write_line(f, space, codes + (size_t)b * N * C, nv[b] * C, &cells[b]);
                uint8_t key[16];
                n_valid += archllm_space_cell_digest(key, space, &cells[b]) == ARCHLLM_OK;
            }
            total += (size_t)nb;
            nb = 0;
        }
    }
    free(line);
    if (fin != stdin) fclose(fin);
    if (s == ARCHLLM_OK && f != stdout) s = archllm_atomic_commit(&af);
    else if (f != stdout && af.f) archllm_atomic_abort(&af);
    if (s == ARCHLLM_OK && f == stdout && fflush(stdout) != 0) s = archllm_fail(ARCHLLM_EIO, "stdout");
    if (s == ARCHLLM_OK) fprintf(stderr, "decode: %zu sequences, %zu valid cells\n", total, n_valid);
    free(codes);
    free(nv);
    free(cells);
    if (model.ctx) archllm_vqvae_free(&model);
    archllm_ctx_free(ctx);
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "decode");
}
