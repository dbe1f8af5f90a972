/* test_fileio.c - the atomic writer gives new files 0666 less the umask (not mkstemp's
 * 0600) and leaves no temp file behind; the experiment folder lock: nested acquires in one
 * process count, another process gets EBUSY naming the holder's pid and command, and a
 * lock whose holder died does not block. */
#include "testutil.h"
#include "util/fileio.h"
#include "util/lock.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int write_file(const char *path, const char *text)
{
    archllm_atomic_file af;
    if (archllm_atomic_open(&af, path) != ARCHLLM_OK) return 0;
    fputs(text, af.f);
    return archllm_atomic_commit(&af) == ARCHLLM_OK;
}

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

/* In a child: try to take the lock; exit 0 when EBUSY names want_pid, 1 otherwise. */
static int child_expects_busy(const char *dir, long want_pid)
{
    pid_t c = fork();
    if (c == 0) {
        archllm_dirlock *l;
        archllm_status s = archllm_dirlock_acquire(&l, dir, "child");
        char want[64];
        snprintf(want, sizeof want, "in use by pid %ld (archllm test --lock)", want_pid);
        if (s != ARCHLLM_EBUSY || !strstr(archllm_last_error(), want)) {
            printf("     child: %s: %s\n", archllm_status_string(s), archllm_last_error());
            _exit(1);
        }
        _exit(0);
    }
    int st = 0;
    return c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[] = "/tmp/archllm-fileio-XXXXXX", path[400];
    if (!mkdtemp(dir)) {
        printf("FAIL mkdtemp\n");
        return 1;
    }
    static const int masks[] = {022, 077, 002};
    for (int i = 0; i < 3; i++) {
        umask((mode_t)masks[i]);
        snprintf(path, sizeof path, "%s/out-%d.txt", dir, i);
        int ok = write_file(path, "one");
        CHECK(ok && mode_of(path) == (0666 & ~masks[i]), "umask %03o: a new file is %03o (got %03o)", masks[i],
              0666 & ~masks[i], mode_of(path));
        /* a replaced file is a new inode: it takes the umask of now (fopen would keep the old mode) */
        ok = write_file(path, "two");
        CHECK(ok && mode_of(path) == (0666 & ~masks[i]), "umask %03o: a replaced file is %03o", masks[i],
              mode_of(path));
    }
    umask(022);
    CHECK(count_entries(dir) == 3, "no temp files left (%d entries, want 3)", count_entries(dir));
    snprintf(path, sizeof path, "%s/none/x.txt", dir);
    CHECK_FAILS(archllm_atomic_open(&(archllm_atomic_file){0}, path));

    /* the lock */
    char exp[300];
    snprintf(exp, sizeof exp, "%s/exp", dir);
    archllm_dirlock *a = NULL, *b = NULL;
    archllm_status s = archllm_dirlock_acquire(&a, exp, "archllm test --lock");
    CHECK(s == ARCHLLM_OK && a, "lock taken, folder made (%s)", s ? archllm_last_error() : "ok");
    snprintf(path, sizeof path, "%s/" ARCHLLM_LOCK_FILE, exp);
    char *text = NULL;
    size_t len = 0;
    char want[96];
    snprintf(want, sizeof want, "pid %ld\ncommand archllm test --lock\n", (long)getpid());
    CHECK(archllm_read_file(path, &text, &len) == ARCHLLM_OK && strcmp(text, want) == 0 && mode_of(path) == 0644,
          "the lock file records pid and command, mode 644");
    free(text);
    char other[320];
    snprintf(other, sizeof other, "%s/exp/.", dir); /* another spelling of the same folder */
    s = archllm_dirlock_acquire(&b, other, "nested");
    CHECK(s == ARCHLLM_OK && b == a, "the same process locks again (run calling a stage)");
    CHECK(child_expects_busy(exp, (long)getpid()), "another process: EBUSY naming pid and command");
    archllm_dirlock_release(b);
    CHECK(child_expects_busy(exp, (long)getpid()), "held until the last release");
    archllm_dirlock_release(a);
    s = archllm_dirlock_acquire(&a, exp, "again");
    CHECK(s == ARCHLLM_OK, "released: free to take again");
    archllm_dirlock_release(a);

    /* a holder killed with the lock held: the kernel drops it, the stale text stays */
    int pipefd[2];
    CHECK(pipe(pipefd) == 0, "pipe");
    pid_t c = fork();
    if (c == 0) {
        archllm_dirlock *l;
        char ok = archllm_dirlock_acquire(&l, exp, "archllm doomed") == ARCHLLM_OK;
        if (write(pipefd[1], &ok, 1) != 1) _exit(1);
        pause();
        _exit(0);
    }
    char got = 0;
    CHECK(c > 0 && read(pipefd[0], &got, 1) == 1 && got, "a child holds the lock");
    s = archllm_dirlock_acquire(&a, exp, "me");
    CHECK(s == ARCHLLM_EBUSY && strstr(archllm_last_error(), "(archllm doomed)"), "while it lives: %s",
          archllm_last_error());
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    s = archllm_dirlock_acquire(&a, exp, "me");
    CHECK(s == ARCHLLM_OK, "after it was killed: the stale lock does not block (%s)", s ? archllm_last_error() : "ok");
    archllm_dirlock_release(a);

    unlink(path);
    rmdir(exp);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/out-%d.txt", dir, i);
        unlink(path);
    }
    rmdir(dir);
    return test_finish();
}
