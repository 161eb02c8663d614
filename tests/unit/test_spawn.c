/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_spawn: the signals blocked, the child's mask and dispositions, its group, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "obs_spawn.h"

static const int sigs[] = { SIGUSR1, SIGTERM };

/* Run sh -c SCRIPT with MASK and the sigs at their defaults; its wait status. */
static int run_sh(const char *script, const sigset_t *mask, const posix_spawn_file_actions_t *fa)
{
	char a0[] = "sh", a1[] = "-c";
	char *argv[] = { a0, a1, (char *)script, NULL };
	pid_t pid;
	int status;

	assert_int_equal(obs_spawn_start(&pid, argv, fa, mask, sigs, 2, 0), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_block(void **state)
{
	sigset_t set, old, now;

	(void)state;
	obs_spawn_block(sigs, 2, &set, &old);
	assert_int_equal(sigismember(&set, SIGCHLD), 1);
	assert_int_equal(sigismember(&set, SIGUSR1), 1);
	assert_int_equal(sigismember(&set, SIGTERM), 1);
	assert_int_equal(sigismember(&set, SIGUSR2), 0);
	sigprocmask(SIG_SETMASK, NULL, &now);
	assert_int_equal(sigismember(&now, SIGCHLD), 1);
	assert_int_equal(sigismember(&now, SIGUSR1), 1);
	assert_int_equal(sigismember(&old, SIGUSR1), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_exit_status(void **state)
{
	sigset_t none;

	(void)state;
	sigemptyset(&none);
	assert_int_equal(WEXITSTATUS(run_sh("exit 3", &none, NULL)), 3);
}

/* Ignored here, the forwarded signals have their default action there. */
static void test_default_actions(void **state)
{
	struct sigaction ign, old_usr1, old_pipe;
	sigset_t none;
	int status;

	(void)state;
	sigemptyset(&none);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &ign, &old_usr1);
	sigaction(SIGPIPE, &ign, &old_pipe);
	status = run_sh("kill -USR1 $$; exit 0", &none, NULL);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGUSR1);
	status = run_sh("kill -PIPE $$; exit 0", &none, NULL);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGPIPE);
	sigaction(SIGUSR1, &old_usr1, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
}

/* The child gets MASK: a signal blocked there stays pending and the script goes on. */
static void test_mask(void **state)
{
	sigset_t mask;

	(void)state;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	assert_int_equal(WEXITSTATUS(run_sh("kill -USR1 $$; exit 7", &mask, NULL)), 7);
}

/* File actions apply: here the child's standard output goes to a file. */
static void test_file_actions(void **state)
{
	char path[] = "/tmp/obs-test-spawn-XXXXXX", buf[16] = "";
	posix_spawn_file_actions_t fa;
	sigset_t none;
	FILE *fp;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_TRUNC, 0600);
	assert_int_equal(WEXITSTATUS(run_sh("echo hello", &none, &fa)), 0);
	posix_spawn_file_actions_destroy(&fa);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	unlink(path);
	assert_string_equal(buf, "hello\n");
}

/* OWN_GROUP: the child leads a new process group, which can be signalled as a whole. */
static void test_own_group(void **state)
{
	char a0[] = "sleep", a1[] = "10";
	char *argv[] = { a0, a1, NULL };
	sigset_t none;
	pid_t pid;
	int status;

	(void)state;
	sigemptyset(&none);
	assert_int_equal(obs_spawn_start(&pid, argv, NULL, &none, sigs, 2, 1), 0);
	assert_int_equal(getpgid(pid), pid);
	assert_int_equal(kill(-pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
}

/*
 * ENOENT; under valgrind, which turns glibc's vfork-like spawn into a
 * fork, the exec error cannot come back: the child exits 127 instead.
 */
static void test_not_found(void **state)
{
	char a0[] = "obs-test-no-such-command";
	char *argv[] = { a0, NULL };
	sigset_t none;
	pid_t pid;
	int rc, status;

	(void)state;
	sigemptyset(&none);
	rc = obs_spawn_start(&pid, argv, NULL, &none, sigs, 2, 0);
	if (rc == 0) {
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_int_equal(WEXITSTATUS(status), 127);
		return;
	}
	assert_int_equal(rc, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_default_actions),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_file_actions),
		cmocka_unit_test(test_own_group),
		cmocka_unit_test(test_not_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
