/* fileio.h - writing files so that nothing already on disk is lost: write to a temp
 * file in the same folder, flush and fsync, then rename over the target. */
#ifndef ARCHLLM_UTIL_FILEIO_H
#define ARCHLLM_UTIL_FILEIO_H

#include <jansson.h>
#include <stdio.h>

#include "archllm.h"

typedef struct {
    FILE *f;
    char  path[4096];
    char  tmp[4096 + 32];
} archllm_atomic_file;

/* Open PATH.tmp.PID.RANDOM for writing ("wb"), mode 0666 less the umask, as fopen would. */
archllm_status archllm_atomic_open(archllm_atomic_file *af, const char *path);
/* Flush, fsync, close and rename onto the target; on any failure remove the temp file. */
archllm_status archllm_atomic_commit(archllm_atomic_file *af);
/* Close and remove the temp file (error paths). */
void archllm_atomic_abort(archllm_atomic_file *af);
/* A whole text file, atomically (the three calls above). */
archllm_status archllm_write_text(const char *path, const char *text);
/* A JSON document (jansson, indented by 2, reals to `precision` digits) and a newline,
 * atomically. */
archllm_status archllm_write_json(const char *path, const json_t *root, int precision);
/* mkdir -p */
archllm_status archllm_mkdirs(const char *path);
/* Read a whole file (NUL-terminated copy); caller frees. */
archllm_status archllm_read_file(const char *path, char **data, size_t *len);

/* A shipped data file NAME (nb201_accuracy.csv): in $ARCHLLM_DATA_DIR, the installed data
 * folder, then the source tree's data/; its path in out, 0 when none is readable. */
int archllm_find_data_file(char *out, size_t cap, const char *name);

#endif
