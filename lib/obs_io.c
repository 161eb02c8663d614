/* SPDX-License-Identifier: MIT */
/* Whole reads and writes on file descriptors: EINTR and short transfers handled once. */
#include "obs_io.h"

#include <errno.h>
#include <unistd.h>

/* One transfer step's outcome: 1 go on, 0 retry (EINTR), -1 fail (errno set; EIO for no progress). */
static int step(ssize_t n)
{
	if (n > 0)
		return 1;
	if (n < 0 && errno == EINTR)
		return 0;
	if (n == 0)
		errno = EIO;
	return -1;
}

int obs_io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;
	int r;

	while (len > 0) {
		n = write(fd, p, len);
		if ((r = step(n)) < 0)
			return -1;
		if (r == 0)
			continue;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int obs_io_pwrite_all(int fd, const void *buf, size_t len, off_t at)
{
	const char *p = buf;
	ssize_t n;
	int r;

	while (len > 0) {
		n = pwrite(fd, p, len, at);
		if ((r = step(n)) < 0)
			return -1;
		if (r == 0)
			continue;
		p += n;
		len -= (size_t)n;
		at += n;
	}
	return 0;
}

int obs_io_pread_full(int fd, void *buf, size_t len, off_t at)
{
	char *p = buf;
	ssize_t n;
	int r;

	while (len > 0) {
		n = pread(fd, p, len, at);
		if ((r = step(n)) < 0)
			return -1;
		if (r == 0)
			continue;
		p += n;
		len -= (size_t)n;
		at += n;
	}
	return 0;
}
