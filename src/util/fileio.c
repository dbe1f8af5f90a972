/* fileio.c - atomic file writes, mkdir -p, whole-file reads. */
#include "util/fileio.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

archllm_status archllm_atomic_open(archllm_atomic_file *af, const char *path)
{
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path) return archllm_fail(ARCHLLM_EINVAL, "%s: path too long", path);
    snprintf(af->path, sizeof af->path, "%s", path);
    /* Not mkstemp: its 0600 would survive the rename.  open with mode 0666 lets the kernel
     * apply the umask (0644 under 022) without reading it, which umask() cannot do without
     * changing it; O_EXCL keeps mkstemp's guarantee that the name is ours. */
    static atomic_uint counter;
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned r = (unsigned)ts.tv_nsec ^ (atomic_fetch_add(&counter, 1) * 2654435761u);
        snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld.%08x", path, (long)getpid(), r);
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        af->tmp[0] = '\0'; /* not ours: abort must not remove it */
        return archllm_fail(ARCHLLM_EIO, "%s: cannot create a temporary file: %s", path, strerror(errno));
    }
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        close(fd);
        unlink(af->tmp);
        return archllm_fail(ARCHLLM_EIO, "%s: %s", path, strerror(errno));
    }
    return ARCHLLM_OK;
}

archllm_status archllm_atomic_commit(archllm_atomic_file *af)
{
    int err = 0;
    if (fflush(af->f) != 0 || ferror(af->f)) err = errno ? errno : EIO;
    if (!err && fsync(fileno(af->f)) != 0) err = errno;
    if (fclose(af->f) != 0 && !err) err = errno;
    af->f = NULL;
    if (!err && rename(af->tmp, af->path) != 0) err = errno;
    if (err) {
        unlink(af->tmp);
        return archllm_fail(ARCHLLM_EIO, "%s: write failed: %s (the previous file, if any, is unchanged)", af->path,
                            strerror(err));
    }
    return ARCHLLM_OK;
}

void archllm_atomic_abort(archllm_atomic_file *af)
{
    if (af->f) fclose(af->f);
    af->f = NULL;
    if (af->tmp[0]) unlink(af->tmp);
}

archllm_status archllm_mkdirs(const char *path)
{
    char tmp[4096];
    if (strlen(path) >= sizeof tmp) return archllm_fail(ARCHLLM_EINVAL, "%s: path too long", path);
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return archllm_fail(ARCHLLM_EIO, "%s: cannot create folder: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return archllm_fail(ARCHLLM_EIO, "%s: cannot create folder: %s", tmp, strerror(errno));
    return ARCHLLM_OK;
}

archllm_status archllm_read_file(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return archllm_fail(ARCHLLM_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf) return archllm_fail(ARCHLLM_ENOMEM, "%s: out of memory reading the file", path);
    if (rerr) {
        free(buf);
        return archllm_fail(ARCHLLM_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return ARCHLLM_OK;
}

archllm_status archllm_write_text(const char *path, const char *text)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    fputs(text, af.f);
    return archllm_atomic_commit(&af); /* it checks the stream's error state */
}

archllm_status archllm_write_json(const char *path, const json_t *root, int precision)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    if (json_dumpf(root, af.f, JSON_INDENT(2) | JSON_REAL_PRECISION(precision)) != 0 || fputc('\n', af.f) == EOF) {
        archllm_atomic_abort(&af);
        return archllm_fail(ARCHLLM_EIO, "%s: write failed", path);
    }
    return archllm_atomic_commit(&af);
}

int archllm_find_data_file(char *out, size_t cap, const char *name)
{
    const char *dirs[3] = {getenv("ARCHLLM_DATA_DIR"), ARCHLLM_PKGDATADIR, ARCHLLM_SRCDATADIR};
    for (int i = 0; i < 3; i++) {
        if (!dirs[i] || !dirs[i][0]) continue;
        snprintf(out, cap, "%s/%s", dirs[i], name);
        if (access(out, R_OK) == 0) return 1;
    }
    return 0;
}
