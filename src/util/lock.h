/* lock.h - one writer per experiment folder: an flock(2) on DIR/.archllm.lock, whose text
 * (pid and command line) names the holder for the error message.  The kernel drops the
 * lock when the holder exits, however it exits, so a stale file never blocks.  Not here:
 * what the CLI prints or which commands lock (src/cli). */
#ifndef ARCHLLM_UTIL_LOCK_H
#define ARCHLLM_UTIL_LOCK_H

#include "archllm.h"

#define ARCHLLM_LOCK_FILE ".archllm.lock"

typedef struct archllm_dirlock archllm_dirlock;

/* Create DIR if needed and lock it for this process, recording COMMAND.  Taking a lock this
 * process already holds on DIR (`run` calling a stage) only counts it.  ARCHLLM_EBUSY when
 * another process holds it; the message names its pid and command. */
archllm_status archllm_dirlock_acquire(archllm_dirlock **lock, const char *dir, const char *command);
/* Undo one acquire; the last one clears the file's text and unlocks.  NULL is a no-op. */
void archllm_dirlock_release(archllm_dirlock *lock);

#endif
