/* cmd_dataset.c - `archllm dataset nb101|nb201 [--out FILE]`: a whole search space as
 * JSON Lines with the nasbench field names (NB201 lines add index and arch_str). */
#include "config.h"
#include "cli/cli.h"
#include "nas/jsonl.h"
#include "nas/nb101.h"
#include "nas/nb201.h"
#include "util/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static archllm_status write_space(FILE *f, archllm_space space)
{
    archllm_cell_record rec;
    if (space == ARCHLLM_SPACE_NB201) {
        for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) {
            uint8_t ops[ARCHLLM_NB201_EDGES];
            archllm_cell c;
            ARCHLLM_TRY(archllm_nb201_ops_of_index(ops, i));
            archllm_nb201_to_cell(&c, ops);
            ARCHLLM_TRY(archllm_cell_record_make(&rec, &c, space));
            ARCHLLM_TRY(archllm_jsonl_write_cell(f, &rec));
        }
        return ARCHLLM_OK;
    }
    archllm_nb101_space s;
    ARCHLLM_TRY(archllm_nb101_space_cached(&s, 1)); /* always enumerate afresh; refresh the cache */
    archllm_status st = ARCHLLM_OK;
    for (size_t i = 0; i < s.n && st == ARCHLLM_OK; i++) {
        /* the digest is already computed: fill the record by hand instead of rehashing */
        memset(&rec, 0, sizeof rec);
        rec.space = space;
        rec.cell = s.cells[i];
        rec.index = -1;
        archllm_digest_hex(rec.hash, s.digests[i]);
        st = archllm_jsonl_write_cell(f, &rec);
    }
    archllm_nb101_space_free(&s);
    return st;
}

int cmd_dataset(int argc, char **argv)
{
    const char *space_name = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "-o") == 0) {
            if (++i >= argc) return cli_error(CLI_EXIT_USAGE, "dataset: --out needs a file name");
            out = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_error(CLI_EXIT_USAGE, "dataset: unknown option '%s' (see 'archllm help dataset')", argv[i]);
        } else if (!space_name) {
            space_name = argv[i];
        } else {
            return cli_error(CLI_EXIT_USAGE, "dataset: unexpected argument '%s'", argv[i]);
        }
    }
    if (!space_name) return cli_error(CLI_EXIT_USAGE, "dataset: name a space, nb101 or nb201 (see 'archllm help dataset')");
    archllm_space space;
    if (strcmp(space_name, "nb101") == 0) space = ARCHLLM_SPACE_NB101;
    else if (strcmp(space_name, "nb201") == 0) space = ARCHLLM_SPACE_NB201;
    else return cli_error(CLI_EXIT_USAGE, "dataset: unknown space '%s' (nb101 or nb201)", space_name);

    if (!out || strcmp(out, "-") == 0) {
        archllm_status st = write_space(stdout, space);
        if (st == ARCHLLM_OK && fflush(stdout) != 0) st = archllm_fail(ARCHLLM_EIO, "stdout: %s", strerror(errno));
        return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "dataset");
    }
    /* write beside the target and rename, so a failed run leaves no half file */
    archllm_atomic_file af;
    archllm_status st = archllm_atomic_open(&af, out);
    if (st != ARCHLLM_OK) return cli_status(st, "dataset");
    static char buf[1 << 16];
    setvbuf(af.f, buf, _IOFBF, sizeof buf);
    st = write_space(af.f, space);
    if (st != ARCHLLM_OK) archllm_atomic_abort(&af);
    else st = archllm_atomic_commit(&af);
    return st == ARCHLLM_OK ? CLI_EXIT_OK : cli_status(st, "dataset");
}
