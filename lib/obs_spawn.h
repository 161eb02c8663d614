/* SPDX-License-Identifier: MIT */
/* Starting a command the way a wrapper (env, timeout) does: its signals blocked here, defaults there. */
#ifndef OBS_SPAWN_H
#define OBS_SPAWN_H

#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A wrapper (obs-trace exec, obs-metric collect) blocks SIGCHLD and the
 * signals it forwards before it starts the command, waits for them with
 * sigtimedwait, and passes them on; the command itself gets the signal
 * mask the wrapper had, and the default action for those signals.
 */

/* Block SIGCHLD and the N signals SIGS: SET gets them, OLD the mask before. */
void obs_spawn_block(const int *sigs, size_t n, sigset_t *set, sigset_t *old);

/*
 * Start ARGV (argv[0] looked up in PATH) with posix_spawnp into *PID:
 * file actions FA (may be NULL), signal mask MASK, and SIGS (N of them),
 * SIGCHLD and SIGPIPE at their default action; in a process group of its
 * own if OWN_GROUP. 0, or an errno value (ENOENT: not found).
 */
int obs_spawn_start(pid_t *pid, char *const *argv, const posix_spawn_file_actions_t *fa,
		    const sigset_t *mask, const int *sigs, size_t n, int own_group);

#endif
