/* cmd_lm_logits.c - `archllm lm-logits HF_FOLDER --enc IDS [--dec IDS | --labels IDS]`:
 * load a Hugging Face T5 folder, run the encoder and decoder on the given token ids, write
 * the logits (B, T, V) as float32 .npy and print the loss for the given labels (HF's token
 * mean, -100 ignored).  IDS: comma-separated ids, sequences separated by ';' (equal lengths
 * in one call; pad encoder inputs with 0 and --mask to hide them). */
#include "config.h"
#include "cli/cli.h"
#include "model/t5.h"
#include "util/fileio.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "1,2,3;4,5,6" -> rows x cols; 0 on success */
static int parse_ids(const char *s, int32_t **out, int *rows, int *cols)
{
    size_t cap = 64, n = 0;
    int r = 1, c = 0, first_cols = -1;
    int32_t *v = malloc(cap * sizeof *v);
    const char *p = s;
    while (v && *p) {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p || x < -2147483647L || x > 2147483647L) break;
        if (n == cap) {
            int32_t *t = realloc(v, (cap *= 2) * sizeof *v);
            if (!t) break;
            v = t;
        }
        v[n++] = (int32_t)x;
        c++;
        p = end;
        while (*p == ' ') p++;
        if (*p == ',') p++;
        else if (*p == ';') {
            if (first_cols >= 0 && c != first_cols) break;
            first_cols = c;
            c = 0;
            r++;
            p++;
        } else if (*p) break;
    }
    if (!v || *p || c == 0 || (first_cols >= 0 && c != first_cols)) {
        free(v);
        return -1;
    }
    *out = v;
    *rows = r;
    *cols = c;
    return 0;
}

static archllm_status write_npy(const char *path, const float *x, int B, int T, int V)
{
    char hdr[128];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, %d), }", B, T, V);
    int total = 10 + n + 1, pad = (64 - total % 64) % 64;
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    unsigned hl = (unsigned)(n + pad + 1);
    pre[8] = (unsigned char)(hl & 0xff);
    pre[9] = (unsigned char)(hl >> 8);
    fwrite(pre, 1, 10, af.f);
    fwrite(hdr, 1, (size_t)n, af.f);
    for (int i = 0; i < pad; i++) fputc(' ', af.f);
    fputc('\n', af.f);
    fwrite(x, sizeof(float), (size_t)B * T * V, af.f); /* little-endian hosts */
    return archllm_atomic_commit(&af);
}

int cmd_lm_logits(int argc, char **argv)
{
    const char *device = NULL, *enc_s = NULL, *dec_s = NULL, *lab_s = NULL, *mask_s = NULL, *out = "logits.npy";
    static const struct option longopts[] = {{"device", required_argument, NULL, 'd'},
                                             {"enc", required_argument, NULL, 'e'},
                                             {"dec", required_argument, NULL, 'D'},
                                             {"labels", required_argument, NULL, 'l'},
                                             {"mask", required_argument, NULL, 'm'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:e:D:l:m:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'e': enc_s = optarg; break;
        case 'D': dec_s = optarg; break;
        case 'l': lab_s = optarg; break;
        case 'm': mask_s = optarg; break;
        case 'o': out = optarg; break;
        case 'h': return cli_usage("lm-logits", CLI_EXIT_OK);
        default: return cli_usage("lm-logits", CLI_EXIT_USAGE);
        }
    }
    if (optind >= argc) return cli_error(CLI_EXIT_USAGE, "lm-logits: name a Hugging Face T5 folder");
    const char *folder = argv[optind++];
    if (optind < argc) return cli_error(CLI_EXIT_USAGE, "lm-logits: unexpected argument '%s'", argv[optind]);
    if (!enc_s || (!dec_s && !lab_s)) return cli_error(CLI_EXIT_USAGE, "lm-logits: give --enc and --dec or --labels");
    int32_t *enc = NULL, *dec = NULL, *lab = NULL, *mask = NULL;
    int B, S, Bd = 0, T = 0, Bl, Tl, Bm, Sm;
    if (parse_ids(enc_s, &enc, &B, &S)) return cli_error(CLI_EXIT_USAGE, "lm-logits: --enc: bad id list '%s'", enc_s);
    if (dec_s && parse_ids(dec_s, &dec, &Bd, &T))
        return cli_error(CLI_EXIT_USAGE, "lm-logits: --dec: bad id list '%s'", dec_s);
    if (lab_s && parse_ids(lab_s, &lab, &Bl, &Tl))
        return cli_error(CLI_EXIT_USAGE, "lm-logits: --labels: bad id list '%s'", lab_s);
    if (mask_s && (parse_ids(mask_s, &mask, &Bm, &Sm) || Bm != B || Sm != S))
        return cli_error(CLI_EXIT_USAGE, "lm-logits: --mask must have the shape of --enc");
    if (lab && dec && (Bl != Bd || Tl != T))
        return cli_error(CLI_EXIT_USAGE, "lm-logits: --labels and --dec differ in shape");
    if (!dec) Bd = Bl, T = Tl;
    if (Bd != B) return cli_error(CLI_EXIT_USAGE, "lm-logits: %d encoder sequences but %d decoder ones", B, Bd);

    archllm_ctx_t *ctx = NULL;
    int rc = cli_open_ctx(&ctx, device, NULL);
    if (rc != CLI_EXIT_OK) return rc;
    archllm_t5 m;
    archllm_status s = archllm_t5_load_hf(ctx, &m, folder);
    if (s == ARCHLLM_OK && !dec) {
        dec = malloc((size_t)B * T * sizeof *dec);
        if (!dec) s = archllm_fail(ARCHLLM_ENOMEM, "lm-logits");
        else archllm_t5_shift_right(&m.cfg, lab, B, T, dec);
    }
    float *logits = NULL;
    if (s == ARCHLLM_OK) s = archllm_t5_forward(ctx, &m, enc, mask, B, S, dec, T);
    if (s == ARCHLLM_OK) {
        size_t n = (size_t)B * T * m.cfg.vocab;
        logits = malloc(n * sizeof(float));
        archllm_view lv = archllm_t5_logits(&m);
        s = logits ? archllm_buf_read(ctx, logits, lv.buf, lv.off * 4, n * 4) : archllm_fail(ARCHLLM_ENOMEM, "logits");
    }
    if (s == ARCHLLM_OK) s = write_npy(out, logits, B, T, m.cfg.vocab);
    if (s == ARCHLLM_OK) printf("logits %s (%d x %d x %d float32)\n", out, B, T, m.cfg.vocab);
    if (s == ARCHLLM_OK && lab) {
        float loss;
        s = archllm_t5_loss(ctx, &m, lab, &loss);
        if (s == ARCHLLM_OK) printf("loss %.7f over %d tokens\n", loss, m.n_valid);
    }
    if (m.P.finalized) archllm_t5_free(&m);
    archllm_ctx_free(ctx);
    free(enc), free(dec), free(lab), free(mask), free(logits);
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "lm-logits");
}
