/* cmd_config.c - `archllm config`: check an experiment config and print it in full, or
 * print the key reference.  The reading and checking itself lives in src/io/cfg_engine.c (the
 * schema in src/io/experiment.c). */
#include "config.h"
#include "cli/cli.h"
#include "model/vqvae_run.h"
#include "io/experiment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_config(int argc, char **argv)
{
    const char *path = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0, keys = 0, code;
    if (!sets) return cli_error(CLI_EXIT_FAILURE, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--set") == 0) {
            if (i + 1 >= argc) {
                code = cli_error(CLI_EXIT_USAGE, "config: --set needs key=value");
                goto out;
            }
            sets[nsets++] = argv[++i];
        } else if (strncmp(a, "--set=", 6) == 0) {
            sets[nsets++] = a + 6;
        } else if (strcmp(a, "--keys") == 0) {
            keys = 1;
        } else if (a[0] == '-' && a[1]) {
            cli_error(CLI_EXIT_USAGE, "config: unknown option '%s'", a);
            code = cli_usage("config", CLI_EXIT_USAGE);
            goto out;
        } else if (path) {
            cli_error(CLI_EXIT_USAGE, "config: more than one file ('%s', '%s')", path, a);
            code = cli_usage("config", CLI_EXIT_USAGE);
            goto out;
        } else {
            path = a;
        }
    }
    if (keys) {
        if (path || nsets) {
            code = cli_error(CLI_EXIT_USAGE, "config: --keys takes no file or --set");
            goto out;
        }
        archllm_status s = archllm_cfg_print_doc(&archllm_config_schema, stdout);
        code = s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "config");
        goto out;
    }

    archllm_config cfg;
    archllm_status s = archllm_config_setup(&cfg, path, sets, nsets);
    if (s == ARCHLLM_OK) s = archllm_vqvae_space_load(&cfg, NULL, NULL); /* data.cells is part of the config */
    if (s == ARCHLLM_ECONFIG || s == ARCHLLM_EFORMAT) {
        /* one line: "archllm: FILE:LINE: KEY: MESSAGE" */
        code = cli_error(CLI_EXIT_USAGE, "%s", archllm_last_error());
        goto out;
    }
    if (s != ARCHLLM_OK) {
        code = cli_status(s, "config");
        goto out;
    }
    s = archllm_config_print(stdout, &cfg);
    code = s == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(s, "config");
out:
    free(sets);
    return code;
}
