/* cmd_sample.c - `archllm sample CONFIG [--model DIR] [--fill CODES]`: code sequences from a
 * trained T5 (the Hugging Face folder train-lm wrote, built-in code vocabulary) with the
 * lm group's sampling settings, as JSON Lines {"codes": [..]} (what `archllm decode` reads).
 * generate (default): lm.samples sequences from the 'generate:' prompt; with
 * lm.constrained, exactly the training length (the most common length in lm.data, or
 * --length) of code tokens each.  --fill "3,_,_,7,_": the '_' positions are masked into
 * sentinel spans, the model fills them (constrained: exactly one code per '_'), and the
 * completed sequences are printed.  A model folder with a tokenizer.json (a pretrained
 * SentencePiece vocabulary, fine-tuned with train-lm --init) is prompted with text; its
 * samples are decoded and parsed as decimal codes, and those that are not exactly L codes
 * below K are dropped and counted.  The sampling and the fill are the library's
 * (archllm_code_lm_sample and _fill in src/pipeline/pipeline.h). */
#include "config.h"
#include "cli/cli.h"
#include "model/prompts.h"
#include "pipeline/pipeline.h"
#include "util/fileio.h"
#include "util/clock.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "3,_,_,7" -> codes (-1 for '_'); returns the count or -1 */
static int parse_fill(const char *s, int32_t *codes, int cap)
{
    int n = 0;
    while (*s && n < cap) {
        while (*s == ' ') s++;
        if (*s == '_') {
            codes[n++] = -1;
            s++;
        } else {
            char *e;
            long v = strtol(s, &e, 10);
            if (e == s || v < 0 || v > 1000000) return -1;
            codes[n++] = (int32_t)v;
            s = e;
        }
        while (*s == ' ') s++;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return *s ? -1 : n;
}

/* where the sequences go: a JSON line each, the ill-formed counted */
typedef struct {
    FILE *f;
    int   bad;
} sample_out;

static archllm_status print_codes(void *user, size_t i, const int32_t *codes, int n)
{
    sample_out *o = user;
    (void)i;
    if (n < 0) {
        o->bad++;
        return ARCHLLM_OK;
    }
    fputs("{\"codes\": [", o->f);
    for (int k = 0; k < n; k++) fprintf(o->f, "%s%d", k ? ", " : "", codes[k]);
    fputs("]}\n", o->f);
    return ARCHLLM_OK;
}

int cmd_sample(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL, *model = NULL, *fill = NULL, *out = NULL;
    int length = 0, batch = 64;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             {"device", required_argument, NULL, 'd'},
                                             {"model", required_argument, NULL, 'm'},
                                             {"fill", required_argument, NULL, 'f'},
                                             {"length", required_argument, NULL, 'L'},
                                             {"batch", required_argument, NULL, 'b'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:m:f:L:b:o:h", longopts, NULL)) != -1) {
        int r = cli_config_option(&co, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 'm': model = optarg; break;
        case 'f': fill = optarg; break;
        case 'L': length = atoi(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'o': out = optarg; break;
        case 'h': return cli_usage("sample", CLI_EXIT_OK);
        default: return cli_usage("sample", CLI_EXIT_USAGE);
        }
    }
    int pos = cli_config_positional(&co, argc, argv, "sample");
    if (pos != CLI_EXIT_OK) return pos;
    if (batch < 1 || batch > 65536) return cli_error(CLI_EXIT_USAGE, "sample: --batch %d", batch);
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    const archllm_config_lm *v = &cfg.lm;
    char dir[ARCHLLM_CONFIG_PATH_MAX + 64], mdir[ARCHLLM_CONFIG_PATH_MAX + 96], data[ARCHLLM_CONFIG_PATH_MAX + 96];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if (!model) snprintf(mdir, sizeof mdir, "%s/t5", dir), model = mdir;
    int K = cfg.vqvae.codebook_size;
    int32_t fcodes[ARCHLLM_PROMPT_MAX / 2];
    int nf = 0;
    if (fill && (nf = parse_fill(fill, fcodes, ARCHLLM_PROMPT_MAX / 2 - 2)) <= 0)
        return cli_error(CLI_EXIT_USAGE, "sample: --fill: expected codes and '_' separated by commas");
    for (int i = 0; i < nf; i++)
        if (fcodes[i] >= K) return cli_error(CLI_EXIT_USAGE, "sample: --fill: code %d >= %d", fcodes[i], K);
    if (!fill && v->constrained && length <= 0) { /* the most common training length */
        if (v->data[0]) snprintf(data, sizeof data, "%s", v->data);
        else snprintf(data, sizeof data, "%s/codes.jsonl", dir);
        archllm_code_set cs;
        archllm_status s = archllm_codes_load_jsonl(&cs, data);
        if (s != ARCHLLM_OK) return cli_status(s, "sample: the training length (or give --length)");
        int *hist = calloc((size_t)cs.max_len + 1, sizeof(int));
        if (!hist) {
            archllm_codes_free(&cs);
            return cli_error(CLI_EXIT_FAILURE, "sample: out of memory");
        }
        for (size_t i = 0; i < cs.n; i++) hist[cs.len[i]]++;
        for (int l = 1; l <= cs.max_len; l++)
            if (hist[l] > hist[length]) length = l;
        free(hist);
        archllm_codes_free(&cs);
    }
    archllm_ctx_t *ctx = NULL;
    rc = cli_open_ctx(&ctx, device, &cfg);
    if (rc != CLI_EXIT_OK) return rc;
    archllm_t5 m;
    archllm_tokenizer *tok = NULL;
    archllm_status s = archllm_t5_load_hf(ctx, &m, model);
    char tp[ARCHLLM_CONFIG_PATH_MAX + 128];
    snprintf(tp, sizeof tp, "%s/tokenizer.json", model);
    struct stat sb;
    if (s == ARCHLLM_OK && stat(tp, &sb) == 0) { /* a pretrained vocabulary: text prompts, unconstrained, numbers parsed back */
        s = archllm_tokenizer_load(&tok, tp); /* an unreadable file is reported, not taken for absent */
    } else if (s == ARCHLLM_OK && m.cfg.vocab < archllm_code_vocab_size(K))
        s = archllm_fail(ARCHLLM_EUNSUPPORTED, "%s: vocabulary of %d ids is not the built-in code vocabulary (%d)",
                         model, m.cfg.vocab, archllm_code_vocab_size(K));
    if (s != ARCHLLM_OK) {
        if (m.P.finalized) archllm_t5_free(&m);
        archllm_tokenizer_free(tok);
        archllm_ctx_free(ctx);
        return cli_status(s, "sample");
    }
    archllm_sample_params sp;
    archllm_sample_default_params(&sp);
    sp.temperature = (float)v->temperature;
    sp.top_k = v->top_k;
    sp.top_p = (float)v->top_p;
    sp.seed = (uint64_t)cfg.experiment.seed;
    sp.constrained = v->constrained;
    archllm_code_lm lm = {.ctx = ctx, .t5 = &m, .tok = tok, .K = K, .batch = batch};
    sample_out o = {stdout, 0};
    archllm_atomic_file af;
    if (out && strcmp(out, "-") != 0) {
        s = archllm_atomic_open(&af, out);
        if (s == ARCHLLM_OK) o.f = af.f;
    }
    double t0 = archllm_now_s();
    if (s == ARCHLLM_OK && fill) {
        uint8_t mask[ARCHLLM_PROMPT_MAX / 2];
        for (int i = 0; i < nf; i++) mask[i] = fcodes[i] < 0;
        s = archllm_code_lm_fill(&lm, &sp, fcodes, 0, mask, nf, (size_t)v->samples, print_codes, &o);
    } else if (s == ARCHLLM_OK) {
        s = archllm_code_lm_sample(&lm, &sp, length, (size_t)v->samples, print_codes, &o);
    }
    double dt = archllm_now_s() - t0;
    if (o.f != stdout) {
        if (s == ARCHLLM_OK) s = archllm_atomic_commit(&af);
        else archllm_atomic_abort(&af);
    }
    if (s == ARCHLLM_OK)
        fprintf(stderr, "sample: %d sequences in %.2f s (%.1f sequences/s), %d not well-formed and dropped\n",
                v->samples, dt, v->samples / dt, o.bad);
    archllm_t5_free(&m);
    archllm_tokenizer_free(tok);
    archllm_ctx_free(ctx);
    return s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "sample");
}
