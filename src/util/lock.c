/* lock.c - the experiment folder lock (lock.h): flock on a file that is never removed
 * (removing it would let a third process lock a new file while the second still waits
 * on the old one), and a per-process table so that nested acquires count instead of
 * deadlocking: flock locks belong to open file descriptions, not processes. */
#include "util/lock.h"
#include "util/error.h"
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct archllm_dirlock {
    archllm_dirlock *next;
    dev_t            dev; /* the folder's identity: two spellings of one path match */
    ino_t            ino;
    pid_t            pid; /* a forked child inherits this table, but must lock anew */
    int              fd;
    int              refs;
};

static pthread_mutex_t  held_mu = PTHREAD_MUTEX_INITIALIZER;
static archllm_dirlock *held;

/* "pid N\ncommand TEXT\n" as acquire writes it, into a message; empty fields when the
 * holder has not written it yet (it locks first, then writes). */
static void describe_holder(int fd, char *out, size_t cap)
{
    char text[1024];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    long pid = 0;
    const char *cmd = strstr(text, "command ");
    if (sscanf(text, "pid %ld", &pid) != 1 || !cmd) {
        snprintf(out, cap, "another process (it has not recorded its pid yet)");
        return;
    }
    cmd += strlen("command ");
    int len = (int)strcspn(cmd, "\n");
    snprintf(out, cap, "pid %ld (%.*s)", pid, len, cmd);
}

archllm_status archllm_dirlock_acquire(archllm_dirlock **lock, const char *dir, const char *command)
{
    *lock = NULL;
    ARCHLLM_TRY(archllm_mkdirs(dir));
    struct stat st;
    if (stat(dir, &st) != 0) return archllm_fail(ARCHLLM_EIO, "%s: %s", dir, strerror(errno));
    pthread_mutex_lock(&held_mu);
    for (archllm_dirlock *l = held; l; l = l->next)
        if (l->dev == st.st_dev && l->ino == st.st_ino && l->pid == getpid()) {
            l->refs++;
            *lock = l;
            pthread_mutex_unlock(&held_mu);
            return ARCHLLM_OK;
        }
    archllm_status s = ARCHLLM_OK;
    char path[4096 + 32];
    snprintf(path, sizeof path, "%s/%s", dir, ARCHLLM_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) s = archllm_fail(ARCHLLM_EIO, "%s: cannot open the lock file: %s", path, strerror(errno));
    else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            char who[1100];
            describe_holder(fd, who, sizeof who);
            s = archllm_fail(ARCHLLM_EBUSY, "%s is in use by %s; wait for it to finish, or use another "
                                            "experiment.output_dir", dir, who);
        } else s = archllm_fail(ARCHLLM_EIO, "%s: cannot lock: %s", path, strerror(errno));
    }
    archllm_dirlock *l = NULL;
    if (s == ARCHLLM_OK) {
        char text[1100];
        int n = snprintf(text, sizeof text, "pid %ld\ncommand %s\n", (long)getpid(), command ? command : "?");
        if (n >= (int)sizeof text) n = (int)sizeof text - 1;
        /* informational only: the lock holds even if this write fails */
        ssize_t w = ftruncate(fd, 0) == 0 ? pwrite(fd, text, (size_t)n, 0) : -1;
        (void)w;
        l = calloc(1, sizeof *l);
        if (!l) s = archllm_fail(ARCHLLM_ENOMEM, "%s: lock", dir);
    }
    if (s != ARCHLLM_OK) {
        if (fd >= 0) close(fd); /* closing also drops a lock we took */
        pthread_mutex_unlock(&held_mu);
        return s;
    }
    *l = (archllm_dirlock){.next = held, .dev = st.st_dev, .ino = st.st_ino, .pid = getpid(), .fd = fd, .refs = 1};
    held = l;
    *lock = l;
    pthread_mutex_unlock(&held_mu);
    return ARCHLLM_OK;
}

void archllm_dirlock_release(archllm_dirlock *lock)
{
    if (!lock) return;
    pthread_mutex_lock(&held_mu);
    if (--lock->refs == 0) {
        for (archllm_dirlock **p = &held; *p; p = &(*p)->next)
            if (*p == lock) {
                *p = lock->next;
                break;
            }
        int t = ftruncate(lock->fd, 0); /* while still locked: no one reads a stale holder */
        (void)t;
        close(lock->fd);
        free(lock);
    }
    pthread_mutex_unlock(&held_mu);
}
