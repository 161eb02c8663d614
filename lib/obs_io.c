/* SPDX-License-Identifier: MIT */
/* Whole reads and writes on file descriptors: EINTR and short transfers handled once. */
#include "obs_io.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

enum op { OP_WRITE, OP_PWRITE, OP_PREAD };

/* Move all LEN bytes; 0, or -1 with errno (EIO when a step makes no progress). */
static int transfer(enum op op, int fd, char *p, size_t len, off_t at)
{
	ssize_t n;

	while (len > 0) {
		if (op == OP_WRITE)
			n = write(fd, p, len);
		else if (op == OP_PWRITE)
			n = pwrite(fd, p, len, at);
		else
			n = pread(fd, p, len, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		at += n;
	}
	return 0;
}

int obs_io_write_all(int fd, const void *buf, size_t len)
{
	return transfer(OP_WRITE, fd, (char *)(uintptr_t)buf, len, 0);
}

int obs_io_pwrite_all(int fd, const void *buf, size_t len, off_t at)
{
	return transfer(OP_PWRITE, fd, (char *)(uintptr_t)buf, len, at);
}

int obs_io_pread_full(int fd, void *buf, size_t len, off_t at)
{
	return transfer(OP_PREAD, fd, buf, len, at);
}
