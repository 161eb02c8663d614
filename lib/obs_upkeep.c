/* SPDX-License-Identifier: MIT */
/* Store upkeep: listing segments, compacting closed days, retention, verification. */
#include "obs_upkeep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_io.h"
#include "obs_segidx.h"
#include "obs_time.h"

#define COPY_CHUNK (256 * 1024)

/* "YYYY-MM-DD.ndjson" or ".ndjson.gz": 1 with the day, else 0. */
static int parse_segment_name(const char *name, int64_t *day, int *gz)
{
	int64_t y, check_y;
	int m, d, cm, cd, n = 0;
	size_t len = strlen(name);

	if (len == 17 && !strcmp(name + 10, ".ndjson"))
		*gz = 0;
	else if (len == 20 && !strcmp(name + 10, ".ndjson.gz"))
		*gz = 1;
	else
		return 0;
	if (sscanf(name, "%4" SCNd64 "-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    strspn(name, "0123456789-") < 10)
		return 0;
	*day = obs_time_days_from_civil(y, m, d);
	obs_time_civil_from_days(*day, &check_y, &cm, &cd);
	return check_y == y && cm == m && cd == d;
}

static int list_add(struct obs_segment_list *l, const char *signal, const char *path,
		    int64_t day, int gz, off_t bytes)
{
	struct obs_segment *seg;

	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		struct obs_segment *grown = realloc(l->seg, (size_t)cap * sizeof(*grown));

		if (!grown)
			return -1;
		l->seg = grown;
		l->cap = cap;
	}
	seg = &l->seg[l->n];
	seg->signal = strdup(signal);
	seg->path = strdup(path);
	if (!seg->signal || !seg->path) {
		free(seg->signal);
		free(seg->path);
		return -1;
	}
	seg->day = day;
	seg->gz = gz;
	seg->bytes = bytes;
	l->n++;
	return 0;
}

static int list_signal(struct obs_segment_list *l, const char *root, const char *signal,
		       struct obs_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	int64_t day;
	int gz, rc = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", root, signal);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : obs_error_errno(err, "cannot read '%s'", dir);
	while (rc == 0 && (de = readdir(d))) {
		if (!parse_segment_name(de->d_name, &day, &gz))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path) ||
		    stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		if (list_add(l, signal, path, day, gz, sb.st_size) < 0)
			rc = obs_error_set(err, "out of memory");
	}
	closedir(d);
	return rc;
}

static int segment_cmp(const void *a, const void *b)
{
	const struct obs_segment *x = a, *y = b;
	int c = strcmp(x->signal, y->signal);

	if (c)
		return c;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return y->gz - x->gz;
}

static int signal_name_ok(const char *name)
{
	return *name && name[0] != '.' && strcmp(name, "state") &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(name);
}

int obs_store_list(struct obs_store *st, struct obs_segment_list *out, struct obs_error *err)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	d = opendir(st->root);
	if (!d)
		return errno == ENOENT ? 0 : obs_error_errno(err, "cannot read '%s'", st->root);
	while (rc == 0 && (de = readdir(d)))
		if (signal_name_ok(de->d_name))
			rc = list_signal(out, st->root, de->d_name, err);
	closedir(d);
	if (rc < 0) {
		obs_segment_list_release(out);
		return -1;
	}
	if (out->n > 1)
		qsort(out->seg, (size_t)out->n, sizeof(*out->seg), segment_cmp);
	return 0;
}

void obs_segment_list_release(struct obs_segment_list *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		free(l->seg[i].signal);
		free(l->seg[i].path);
	}
	free(l->seg);
	memset(l, 0, sizeof(*l));
}

/* ---- compaction ---------------------------------------------------------- */

/* Copy the existing .gz members as they are. */
static int copy_file(const char *from, int to, struct obs_error *err)
{
	char *buf;
	ssize_t r;
	int fd = open(from, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : obs_error_errno(err, "cannot read '%s'", from);
	buf = malloc(COPY_CHUNK);
	if (!buf) {
		close(fd);
		return obs_error_set(err, "out of memory");
	}
	while ((r = read(fd, buf, COPY_CHUNK)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && obs_io_write_all(to, buf, (size_t)r) < 0)
			break;
	free(buf);
	close(fd);
	if (r != 0)
		return obs_error_errno(err, "cannot copy '%s'", from);
	return 0;
}

/* Compress everything readable from IN as one gzip member written to OUT. */
static int deflate_fd(int in, int out, int level, struct obs_error *err)
{
	unsigned char *ibuf = malloc(COPY_CHUNK), *obuf = malloc(COPY_CHUNK);
	z_stream zs;
	ssize_t r;
	int flush, ret = -1;

	memset(&zs, 0, sizeof(zs));
	if (!ibuf || !obuf || deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
					   Z_DEFAULT_STRATEGY) != Z_OK) {
		free(ibuf);
		free(obuf);
		return obs_error_set(err, "out of memory");
	}
	do {
		while ((r = read(in, ibuf, COPY_CHUNK)) < 0 && errno == EINTR)
			;
		if (r < 0) {
			obs_error_errno(err, "cannot read segment");
			goto out;
		}
		zs.next_in = ibuf;
		zs.avail_in = (uInt)r;
		flush = r == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			zs.next_out = obuf;
			zs.avail_out = COPY_CHUNK;
			deflate(&zs, flush);
			if (obs_io_write_all(out, obuf, COPY_CHUNK - zs.avail_out) < 0) {
				obs_error_errno(err, "cannot write compressed segment");
				goto out;
			}
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	ret = 0;
out:
	deflateEnd(&zs);
	free(ibuf);
	free(obuf);
	return ret;
}

static int sync_dir(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int lock_fd(int fd)
{
	int r;

	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	return r;
}

/* With PLAIN locked: build GZ's replacement in TMP, then swap it in and drop PLAIN. */
static int compact_locked(int plain_fd, const char *plain, const char *gz, const char *tmp,
			  int level, struct obs_error *err)
{
	int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (out < 0)
		return obs_error_errno(err, "cannot create '%s'", tmp);
	if (copy_file(gz, out, err) < 0 || deflate_fd(plain_fd, out, level, err) < 0)
		goto fail;
	if (fsync(out) < 0) {
		obs_error_errno(err, "cannot sync '%s'", tmp);
		goto fail;
	}
	if (close(out) < 0) {
		out = -1;
		obs_error_errno(err, "cannot write '%s'", tmp);
		goto fail;
	}
	out = -1;
	if (rename(tmp, gz) < 0) {
		obs_error_errno(err, "cannot rename '%s'", tmp);
		goto fail;
	}
	/*
	 * From here on the records are in GZ; a crash now leaves them twice,
	 * never zero times. The index goes first: a segment without one is
	 * read whole, an index without its segment would be stale.
	 */
	if (obs_segidx_remove(plain) < 0)
		return obs_error_errno(err, "cannot remove the index of '%s'", plain);
	if (unlink(plain) < 0)
		return obs_error_errno(err, "cannot remove '%s'", plain);
	sync_dir(gz);
	return 0;
fail:
	if (out >= 0)
		close(out);
	unlink(tmp);
	return -1;
}

int obs_store_compact_day(struct obs_store *st, const char *signal, int64_t day, int level,
			  struct obs_error *err)
{
	char plain[PATH_MAX], gz[PATH_MAX], tmp[PATH_MAX + 32], name[16];
	struct stat sb;
	int64_t y;
	int m, d, fd, rc;

	obs_time_civil_from_days(day, &y, &m, &d);
	snprintf(name, sizeof(name), "%04" PRId64 "-%02d-%02d", y, m, d);
	if ((size_t)snprintf(plain, sizeof(plain), "%s/%s/%s.ndjson", st->root, signal, name) >=
		    sizeof(plain) ||
	    (size_t)snprintf(gz, sizeof(gz), "%s.gz", plain) >= sizeof(gz))
		return obs_error_set(err, "cannot compact '%s': File name too long", plain);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", gz, (long)getpid());
	fd = open(plain, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : obs_error_errno(err, "cannot open '%s'", plain);
	if (lock_fd(fd) < 0 || fstat(fd, &sb) < 0) {
		obs_error_errno(err, "cannot lock '%s'", plain);
		close(fd);
		return -1;
	}
	/* Another compaction got there first while we waited for the lock. */
	if (sb.st_nlink == 0) {
		close(fd);
		return 0;
	}
	rc = compact_locked(fd, plain, gz, tmp, level, err);
	if (rc < 0)
		obs_error_prefix(err, "cannot compact '%s'", plain);
	close(fd);
	return rc;
}

int obs_store_remove_segment(const char *path, struct obs_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : obs_error_errno(err, "cannot open '%s'", path);
	if (lock_fd(fd) < 0 || obs_segidx_remove(path) < 0 || unlink(path) < 0) {
		obs_error_errno(err, "cannot remove '%s'", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
