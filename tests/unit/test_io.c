/* SPDX-License-Identifier: MIT */
/* Unit tests for whole reads and writes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "obs_io.h"

static void test_write_and_read_back(void **state)
{
	char path[] = "/tmp/obs-test-io-XXXXXX", got[8];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(obs_io_write_all(fd, "hello", 5), 0);
	assert_int_equal(obs_io_pwrite_all(fd, "J", 1, 0), 0);
	assert_int_equal(obs_io_pwrite_all(fd, "!", 1, 5), 0);
	assert_int_equal(obs_io_pread_full(fd, got, 6, 0), 0);
	assert_memory_equal(got, "Jello!", 6);
	assert_int_equal(obs_io_write_all(fd, "", 0), 0);
	/* The file ends first: EIO. */
	errno = 0;
	assert_int_equal(obs_io_pread_full(fd, got, 4, 4), -1);
	assert_int_equal(errno, EIO);
	close(fd);
}

static void test_errors(void **state)
{
	char b[4] = "abc";
	int fd = open("/dev/full", O_WRONLY);

	(void)state;
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(obs_io_write_all(fd, b, 3), -1);
	assert_int_equal(errno, ENOSPC);
	close(fd);
	errno = 0;
	assert_int_equal(obs_io_write_all(-1, b, 3), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(obs_io_pwrite_all(-1, b, 3, 0), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(obs_io_pread_full(-1, b, 3, 0), -1);
	assert_int_equal(errno, EBADF);
}

/* A pipe takes at most 64 KiB: a bigger write is short; a reader drains it meanwhile. */
static void *drain(void *arg)
{
	static char buf[65536];
	size_t *total = arg;
	int fd = (int)(*total);
	ssize_t n;

	*total = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*total += (size_t)n;
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_short_writes_and_eintr(void **state)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	size_t len = 4 << 20, total;
	char *data = calloc(1, len);
	pthread_t t;
	int p[2];

	(void)state;
	assert_non_null(data);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;   /* no SA_RESTART: writes see EINTR */
	sigaction(SIGALRM, &sa, NULL);
	assert_int_equal(pipe(p), 0);
	total = (size_t)p[0];
	assert_int_equal(pthread_create(&t, NULL, drain, &total), 0);
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(obs_io_write_all(p[1], data, len), 0);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(p[1]);
	pthread_join(t, NULL);
	close(p[0]);
	assert_int_equal(total, len);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_and_read_back),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_short_writes_and_eintr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
