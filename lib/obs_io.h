/* SPDX-License-Identifier: MIT */
/* Whole reads and writes on file descriptors: EINTR and short transfers handled once. */
#ifndef OBS_IO_H
#define OBS_IO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write all LEN bytes of BUF to FD, retrying on EINTR and after short
 * writes. 0, or -1 with errno (EIO when a write makes no progress).
 */
int obs_io_write_all(int fd, const void *buf, size_t len);

/* The same with pwrite() at offset AT (the file offset is not moved). */
int obs_io_pwrite_all(int fd, const void *buf, size_t len, off_t at);

/*
 * Read exactly LEN bytes at offset AT with pread(). 0, or -1 with errno
 * (EIO when the file ends first).
 */
int obs_io_pread_full(int fd, void *buf, size_t len, off_t at);

#endif
