/* SPDX-License-Identifier: MIT */
/* Starting a command the way a wrapper (env, timeout) does: its signals blocked here, defaults there. */
#include "obs_spawn.h"

#include <unistd.h>

void obs_spawn_block(const int *sigs, size_t n, sigset_t *set, sigset_t *old)
{
	size_t i;

	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (i = 0; i < n; i++)
		sigaddset(set, sigs[i]);
	sigprocmask(SIG_BLOCK, set, old);
}

int obs_spawn_start(pid_t *pid, char *const *argv, const posix_spawn_file_actions_t *fa,
		    const sigset_t *mask, const int *sigs, size_t n, int own_group)
{
	posix_spawnattr_t attr;
	sigset_t deflt;
	size_t i;
	int rc;

	posix_spawnattr_init(&attr);
	sigemptyset(&deflt);
	for (i = 0; i < n; i++)
		sigaddset(&deflt, sigs[i]);
	sigaddset(&deflt, SIGCHLD);
	sigaddset(&deflt, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawnattr_setsigmask(&attr, mask);
	if (own_group)
		posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
				 (own_group ? POSIX_SPAWN_SETPGROUP : 0));
	rc = posix_spawnp(pid, argv[0], fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	return rc;
}
