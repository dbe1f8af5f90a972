/* cmd_dataset.c - `archllm dataset nb101|nb201|darts|cells [--out FILE]`: the options
 * of the library's dataset stage (stage_dataset.c), which writes a search space as JSON
 * Lines with the nasbench field names.  The events go to stdout, or to stderr when the
 * lines themselves go to stdout. */
#include "config.h"
#include "cli/cli.h"
#include "cli/render.h"
#include "pipeline/stage.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define DARTS_DEFAULT_SAMPLES 100000 /* as data.samples; doc/darts.md says why */
#define DARTS_DEFAULT_SEED    1234

static int parse_number(const char *opt, const char *text, long long lo, long long hi, long long *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(text, &end, 10);
    if (!*text || *end || errno || x < lo || x > hi)
        return cli_error(CLI_EXIT_USAGE, "dataset: %s: '%s' is not an integer in %lld..%lld", opt, text, lo, hi);
    *v = x;
    return CLI_EXIT_OK;
}

int cmd_dataset(int argc, char **argv)
{
    const char *space_name = NULL, *out = NULL;
    archllm_dataset_opts o;
    memset(&o, 0, sizeof o);
    o.samples = DARTS_DEFAULT_SAMPLES;
    o.seed = DARTS_DEFAULT_SEED;
    o.cells.ops = "";
    cli_progress_mode mode = CLI_PROGRESS_AUTO;
    int given_darts = 0, given_cells = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int value_opt = strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--samples") == 0 ||
                        strcmp(a, "--seed") == 0 || strcmp(a, "--cells") == 0 || strcmp(a, "--ops") == 0 ||
                        strcmp(a, "--max-edges") == 0 || strcmp(a, "--progress") == 0;
        if (value_opt && i + 1 >= argc) return cli_error(CLI_EXIT_USAGE, "dataset: %s needs a value", a);
        long long v;
        if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
            out = argv[++i];
        } else if (strcmp(a, "--samples") == 0) {
            if (parse_number(a, argv[++i], 1, 10000000, &v)) return CLI_EXIT_USAGE;
            o.samples = (size_t)v, given_darts = 1;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_number(a, argv[++i], 0, INT64_MAX, &v)) return CLI_EXIT_USAGE;
            o.seed = (uint64_t)v, given_darts = 1;
        } else if (strcmp(a, "--cells") == 0) {
            o.cells.path = argv[++i], given_cells = 1;
        } else if (strcmp(a, "--ops") == 0) {
            o.cells.ops = argv[++i], given_cells = 1;
        } else if (strcmp(a, "--max-edges") == 0) {
            if (parse_number(a, argv[++i], 0, 1000, &v)) return CLI_EXIT_USAGE;
            o.cells.max_edges = (int)v, given_cells = 1;
        } else if (strcmp(a, "--progress") == 0 || strncmp(a, "--progress=", 11) == 0) {
            if (cli_progress_parse(a[10] == '=' ? a + 11 : argv[++i], &mode)) return CLI_EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_error(CLI_EXIT_USAGE, "dataset: unknown option '%s' (see 'archllm help dataset')", argv[i]);
        } else if (!space_name) {
            space_name = argv[i];
        } else {
            return cli_error(CLI_EXIT_USAGE, "dataset: unexpected argument '%s'", argv[i]);
        }
    }
    if (!space_name)
        return cli_error(CLI_EXIT_USAGE, "dataset: name a space, nb101, nb201, darts or cells (see 'archllm help dataset')");
    if (strcmp(space_name, "nb101") == 0) o.space = ARCHLLM_SPACE_NB101;
    else if (strcmp(space_name, "nb201") == 0) o.space = ARCHLLM_SPACE_NB201;
    else if (strcmp(space_name, "darts") == 0) o.space = ARCHLLM_SPACE_DARTS;
    else if (strcmp(space_name, "cells") == 0) o.space = ARCHLLM_SPACE_CELLS;
    else return cli_error(CLI_EXIT_USAGE, "dataset: unknown space '%s' (nb101, nb201, darts or cells)", space_name);
    if (given_darts && o.space != ARCHLLM_SPACE_DARTS)
        return cli_error(CLI_EXIT_USAGE, "dataset: --samples and --seed are for darts");
    if (given_cells && o.space != ARCHLLM_SPACE_CELLS)
        return cli_error(CLI_EXIT_USAGE, "dataset: --cells, --ops and --max-edges are for cells");
    if (o.space == ARCHLLM_SPACE_CELLS && !o.cells.path)
        return cli_error(CLI_EXIT_USAGE, "dataset: cells needs --cells FILE.jsonl");
    int to_stdout = !out || strcmp(out, "-") == 0;
    if (to_stdout) o.stream = stdout;
    else if ((size_t)snprintf(o.out, sizeof o.out, "%s", out) >= sizeof o.out)
        return cli_error(CLI_EXIT_USAGE, "dataset: --out: the path is too long");

    cli_render r;
    cli_render_init(&r, mode, to_stdout ? stderr : stdout);
    archllm_events ev = cli_render_events(&r);
    archllm_stage_env env = {.ev = &ev};
    archllm_status st = archllm_stage_dataset(&env, &o);
    return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "dataset");
}
