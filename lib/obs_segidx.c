/* SPDX-License-Identifier: MIT */
/* A sparse time index beside each plain store segment: which byte blocks hold which times. */
#include "obs_segidx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_io.h"
#include "obs_text.h"

#define HEADER_SIZE 16
#define ENTRY_SIZE 48
#define FILE_MODE 0600

static const char magic[8] = { 'O', 'B', 'S', 'I', 'D', 'X', '1', '\n' };

static void put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* FNV-1a over the entry's first 40 bytes, seeded with the inode: a stale or torn entry fails. */
static uint64_t checksum(const unsigned char *p, ino_t ino)
{
	return obs_text_fnv1a(OBS_TEXT_FNV_INIT ^ ((uint64_t)ino * 0x9e3779b97f4a7c15ULL), p, 40);
}

static void encode(unsigned char *p, const struct obs_segidx_entry *e, ino_t ino)
{
	put_u64(p, e->off);
	put_u64(p + 8, e->len);
	put_u64(p + 16, e->lines);
	put_u64(p + 24, (uint64_t)e->min);
	put_u64(p + 32, (uint64_t)e->max);
	put_u64(p + 40, checksum(p, ino));
}

/* 1 if P holds an intact entry of inode INO, decoded into E. */
static int decode(const unsigned char *p, ino_t ino, struct obs_segidx_entry *e)
{
	if (get_u64(p + 40) != checksum(p, ino))
		return 0;
	e->off = get_u64(p);
	e->len = get_u64(p + 8);
	e->lines = get_u64(p + 16);
	e->min = (int64_t)get_u64(p + 24);
	e->max = (int64_t)get_u64(p + 32);
	return e->len > 0 && e->min <= e->max && e->off + e->len > e->off;
}

int obs_segidx_path(char *buf, const char *seg_path)
{
	const char *slash = strrchr(seg_path, '/');
	int dir = slash ? (int)(slash - seg_path) + 1 : 0;
	int n = snprintf(buf, PATH_MAX, "%.*s.%s%s", dir, seg_path, seg_path + dir,
			 OBS_SEGIDX_SUFFIX);

	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int obs_segidx_remove(const char *seg_path)
{
	char path[PATH_MAX];

	if (obs_segidx_path(path, seg_path) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* The number of whole entries after a header of INO, resetting or trimming the file as needed. */
static int prepare(int fd, ino_t ino, uint64_t *n)
{
	unsigned char head[HEADER_SIZE];
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return -1;
	if (sb.st_size < HEADER_SIZE || obs_io_pread_full(fd, head, HEADER_SIZE, 0) < 0 ||
	    memcmp(head, magic, sizeof(magic)) != 0 || get_u64(head + 8) != (uint64_t)ino) {
		memcpy(head, magic, sizeof(magic));
		put_u64(head + 8, (uint64_t)ino);
		*n = 0;
		if (ftruncate(fd, 0) < 0)
			return -1;
		return obs_io_pwrite_all(fd, head, HEADER_SIZE, 0);
	}
	*n = (uint64_t)(sb.st_size - HEADER_SIZE) / ENTRY_SIZE;
	if ((uint64_t)(sb.st_size - HEADER_SIZE) % ENTRY_SIZE != 0 &&
	    ftruncate(fd, (off_t)(HEADER_SIZE + *n * ENTRY_SIZE)) < 0)
		return -1;
	return 0;
}

/* Merge E into LAST if it directly follows it and the block stays small. */
static int merge(struct obs_segidx_entry *last, const struct obs_segidx_entry *e)
{
	if (last->off + last->len != e->off || last->len + e->len > OBS_SEGIDX_BLOCK)
		return 0;
	last->len += e->len;
	last->lines += e->lines;
	if (e->min < last->min)
		last->min = e->min;
	if (e->max > last->max)
		last->max = e->max;
	return 1;
}

int obs_segidx_note(const char *seg_path, ino_t ino, const struct obs_segidx_entry *e)
{
	unsigned char buf[ENTRY_SIZE];
	struct obs_segidx_entry last;
	char path[PATH_MAX];
	uint64_t n;
	off_t at;
	int fd, rc = -1, saved;

	if (obs_segidx_path(path, seg_path) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, FILE_MODE);
	if (fd < 0)
		return -1;
	if (prepare(fd, ino, &n) < 0)
		goto out;
	at = (off_t)(HEADER_SIZE + n * ENTRY_SIZE);
	if (n > 0 && obs_io_pread_full(fd, buf, ENTRY_SIZE, at - ENTRY_SIZE) == 0 &&
	    decode(buf, ino, &last) && merge(&last, e)) {
		encode(buf, &last, ino);
		rc = obs_io_pwrite_all(fd, buf, ENTRY_SIZE, at - ENTRY_SIZE);
		goto out;
	}
	encode(buf, e, ino);
	rc = obs_io_pwrite_all(fd, buf, ENTRY_SIZE, at);
out:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Read all of PATH (at most OBS_SEGIDX_MAX_FILE) into *DATA; a missing file is empty. */
static int slurp(const char *path, unsigned char **data, size_t *len, struct obs_error *err)
{
	struct stat sb;
	int fd;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : obs_error_errno(err, "cannot open '%s'", path);
	if (fstat(fd, &sb) < 0) {
		obs_error_errno(err, "cannot read '%s'", path);
		goto fail;
	}
	if (sb.st_size > OBS_SEGIDX_MAX_FILE) {
		obs_error_set(err, "'%s' is larger than %d bytes", path, OBS_SEGIDX_MAX_FILE);
		goto fail;
	}
	*data = malloc(sb.st_size ? (size_t)sb.st_size : 1);
	if (!*data) {
		obs_error_set(err, "out of memory");
		goto fail;
	}
	/* A concurrent writer may trim the file: take what is there. */
	while (*len < (size_t)sb.st_size) {
		ssize_t r = pread(fd, *data + *len, (size_t)sb.st_size - *len, (off_t)*len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			obs_error_errno(err, "cannot read '%s'", path);
			free(*data);
			*data = NULL;
			goto fail;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int obs_segidx_load(const char *seg_path, ino_t ino, uint64_t size,
		    struct obs_segidx_entry **entries, size_t *n, size_t *bad,
		    struct obs_error *err)
{
	struct obs_segidx_entry e;
	unsigned char *data;
	char path[PATH_MAX];
	uint64_t next = 0;
	size_t len, i;

	*entries = NULL;
	*n = *bad = 0;
	if (obs_segidx_path(path, seg_path) < 0)
		return obs_error_errno(err, "cannot read the index of '%s'", seg_path);
	if (slurp(path, &data, &len, err) < 0)
		return -1;
	if (len < HEADER_SIZE || memcmp(data, magic, sizeof(magic)) != 0 ||
	    get_u64(data + 8) != (uint64_t)ino) {
		/* Another segment's index, or none yet: every entry is unusable. */
		*bad = len > HEADER_SIZE ? (len - HEADER_SIZE) / ENTRY_SIZE : 0;
		free(data);
		return 0;
	}
	len = (len - HEADER_SIZE) / ENTRY_SIZE;
	if (len > 0) {
		*entries = malloc(len * sizeof(**entries));
		if (!*entries) {
			free(data);
			return obs_error_set(err, "out of memory");
		}
	}
	for (i = 0; i < len; i++) {
		if (!decode(data + HEADER_SIZE + i * ENTRY_SIZE, ino, &e) || e.off < next ||
		    e.off + e.len > size) {
			(*bad)++;
			continue;
		}
		(*entries)[(*n)++] = e;
		next = e.off + e.len;
	}
	free(data);
	return 0;
}

/* 1 if byte AT-1 of FD is a newline (or AT is 0): AT starts a line. */
static int line_start(int fd, uint64_t at)
{
	unsigned char c;

	return at == 0 || (obs_io_pread_full(fd, &c, 1, (off_t)(at - 1)) == 0 && c == '\n');
}

/* 1 if AT starts a gzip member of FD, or is its end. */
static int member_start(int fd, uint64_t at)
{
	unsigned char m[2];
	ssize_t n;

	do
		n = pread(fd, m, 2, (off_t)at);
	while (n < 0 && errno == EINTR);
	return n == 0 || (n == 2 && m[0] == 0x1f && m[1] == 0x8b);
}

/* 1 if AT may start a block: a line start in a plain segment, a member start in a .gz one. */
static int block_start(int fd, uint64_t at, int gz)
{
	return gz ? member_start(fd, at) : line_start(fd, at);
}

static int is_gz(const char *seg_path)
{
	size_t n = strlen(seg_path);

	return n > 3 && strcmp(seg_path + n - 3, ".gz") == 0;
}

/* Append the range [OFF, END) read after SKIPPED lines; 0 ok, -1 out of memory, 1 misfit. */
static int add_range(int fd, int gz, struct obs_segidx_range **r, size_t *n, uint64_t off,
		     uint64_t end, uint64_t skipped)
{
	struct obs_segidx_range *grown;

	/* Both ends must start blocks, or the index is not this file's. */
	if (!block_start(fd, off, gz) || (end != OBS_SEGIDX_TO_EOF && !block_start(fd, end, gz)))
		return 1;
	grown = realloc(*r, (*n + 1) * sizeof(**r));
	if (!grown)
		return -1;
	*r = grown;
	grown[*n].off = off;
	grown[*n].end = end;
	grown[*n].skipped_lines = skipped;
	(*n)++;
	return 0;
}

/*
 * Everything but the entries whose times miss [SINCE, UNTIL]: consecutive
 * skipped entries make one gap. 0 planned, -1 out of memory, 1 the index
 * does not fit the file.
 */
static int plan_ranges(int fd, int gz, const struct obs_segidx_entry *e, size_t n,
		       int64_t since, int64_t until, struct obs_segidx_range **r, size_t *nr)
{
	uint64_t skipped = 0, start = 0;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (e[i].max >= since && e[i].min <= until)
			continue;
		if (e[i].off > start) {
			rc = add_range(fd, gz, r, nr, start, e[i].off, skipped);
			if (rc)
				return rc;
			skipped = 0;
		}
		skipped += e[i].lines;
		start = e[i].off + e[i].len;
	}
	return add_range(fd, gz, r, nr, start, OBS_SEGIDX_TO_EOF, skipped);
}

int obs_segidx_plan(const char *seg_path, int fd, int64_t since, int64_t until,
		    struct obs_segidx_range **ranges, size_t *nranges, int *stale,
		    struct obs_error *err)
{
	struct obs_segidx_entry *e;
	struct stat sb;
	size_t n, bad;
	int r;

	*ranges = NULL;
	*nranges = 0;
	*stale = 0;
	if (fstat(fd, &sb) < 0)
		return obs_error_errno(err, "cannot read '%s'", seg_path);
	if (obs_segidx_load(seg_path, sb.st_ino, (uint64_t)sb.st_size, &e, &n, &bad, err) < 0)
		return -1;
	r = plan_ranges(fd, is_gz(seg_path), e, n, since, until, ranges, nranges);
	free(e);
	if (r < 0)
		goto nomem;
	if (r > 0) {
		*stale = 1;
		free(*ranges);
		*ranges = NULL;
		*nranges = 0;
		if (add_range(fd, 0, ranges, nranges, 0, OBS_SEGIDX_TO_EOF, 0) < 0)
			goto nomem;
	}
	return 0;
nomem:
	free(*ranges);
	*ranges = NULL;
	*nranges = 0;
	return obs_error_set(err, "out of memory");
}

/* Newlines in bytes [OFF, OFF + LEN) of FD; -1 on a read error or a short file. */
static int64_t count_lines(int fd, uint64_t off, uint64_t len)
{
	static unsigned char buf[256 * 1024];
	int64_t lines = 0;
	const unsigned char *p, *end;
	size_t n;

	while (len > 0) {
		n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		if (obs_io_pread_full(fd, buf, n, (off_t)off) < 0)
			return -1;
		for (p = buf, end = buf + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
			lines++;
		off += n;
		len -= n;
	}
	return lines;
}

/*
 * Newlines in the data of the gzip members filling bytes [OFF, OFF + LEN)
 * of FD; -1 on a read error, -2 if they are not whole members.
 */
static int64_t count_lines_gz(int fd, uint64_t off, uint64_t len)
{
	static unsigned char in[64 * 1024], out[256 * 1024];
	const unsigned char *p, *end;
	int64_t lines = 0;
	z_stream zs;
	int ret = Z_OK;
	size_t n;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -1;
	while (len > 0 || zs.avail_in > 0) {
		if (zs.avail_in == 0) {
			n = len < sizeof(in) ? (size_t)len : sizeof(in);
			if (obs_io_pread_full(fd, in, n, (off_t)off) < 0)
				goto fail;
			zs.next_in = in;
			zs.avail_in = (uInt)n;
			off += n;
			len -= n;
		}
		if (ret == Z_STREAM_END && inflateReset(&zs) != Z_OK)
			goto fail;
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		ret = inflate(&zs, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END)
			goto bad;
		for (p = out, end = out + sizeof(out) - zs.avail_out;
		     (p = memchr(p, '\n', (size_t)(end - p))); p++)
			lines++;
	}
	if (ret != Z_STREAM_END)
		goto bad;
	inflateEnd(&zs);
	return lines;
bad:
	inflateEnd(&zs);
	return -2;
fail:
	inflateEnd(&zs);
	return -1;
}

int obs_segidx_check(const char *seg_path, int fd, size_t *usable, size_t *bad, size_t *wrong,
		     struct obs_error *err)
{
	struct obs_segidx_entry *e;
	struct stat sb;
	int64_t lines;
	size_t i;
	int gz;

	*usable = *bad = *wrong = 0;
	if (fstat(fd, &sb) < 0)
		return obs_error_errno(err, "cannot read '%s'", seg_path);
	if (obs_segidx_load(seg_path, sb.st_ino, (uint64_t)sb.st_size, &e, usable, bad, err) < 0)
		return -1;
	gz = is_gz(seg_path);
	for (i = 0; i < *usable; i++) {
		if (!block_start(fd, e[i].off, gz) || !block_start(fd, e[i].off + e[i].len, gz)) {
			(*wrong)++;
			continue;
		}
		lines = gz ? count_lines_gz(fd, e[i].off, e[i].len) : count_lines(fd, e[i].off, e[i].len);
		if (lines == -1) {
			free(e);
			return obs_error_errno(err, "cannot read '%s'", seg_path);
		}
		if (lines < 0 || (uint64_t)lines != e[i].lines)
			(*wrong)++;
	}
	free(e);
	return 0;
}

int obs_segidx_save(const char *idx_path, ino_t ino, const struct obs_segidx_entry *e, size_t n,
		    struct obs_error *err)
{
	unsigned char buf[HEADER_SIZE + 64 * ENTRY_SIZE];
	size_t used, i = 0;
	int fd = open(idx_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, FILE_MODE);

	if (fd < 0)
		return obs_error_errno(err, "cannot create '%s'", idx_path);
	memcpy(buf, magic, sizeof(magic));
	put_u64(buf + 8, (uint64_t)ino);
	used = HEADER_SIZE;
	for (;;) {
		for (; i < n && used + ENTRY_SIZE <= sizeof(buf); i++, used += ENTRY_SIZE)
			encode(buf + used, &e[i], ino);
		if (obs_io_write_all(fd, buf, used) < 0)
			break;
		used = 0;
		if (i == n) {
			if (fsync(fd) < 0)
				break;
			if (close(fd) < 0)
				return obs_error_errno(err, "cannot write '%s'", idx_path);
			return 0;
		}
	}
	obs_error_errno(err, "cannot write '%s'", idx_path);
	close(fd);
	return -1;
}
