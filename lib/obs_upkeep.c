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
		if (!obs_store_segment_name(de->d_name, &day, &gz))
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

/* The gzip members being written to a compacted segment, and their index entries. */
struct packer {
	z_stream zs;
	unsigned char *ibuf, *obuf;
	int in, out;
	uint64_t out_pos;          /* bytes written to out */
	struct obs_segidx_entry *e;
	size_t n, cap;
};

static int packer_init(struct packer *pk, int in, int out, uint64_t out_pos, int level,
		       struct obs_error *err)
{
	memset(pk, 0, sizeof(*pk));
	pk->in = in;
	pk->out = out;
	pk->out_pos = out_pos;
	pk->ibuf = malloc(COPY_CHUNK);
	pk->obuf = malloc(COPY_CHUNK);
	/* 15 + 16: a gzip wrapper; deflateReset then starts a new member. */
	if (!pk->ibuf || !pk->obuf ||
	    deflateInit2(&pk->zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(pk->ibuf);
		free(pk->obuf);
		pk->ibuf = pk->obuf = NULL;
		return obs_error_set(err, "out of memory");
	}
	return 0;
}

static void packer_release(struct packer *pk)
{
	if (pk->ibuf)
		deflateEnd(&pk->zs);
	free(pk->ibuf);
	free(pk->obuf);
	free(pk->e);
}

static int packer_entry(struct packer *pk, const struct obs_segidx_entry *e, struct obs_error *err)
{
	struct obs_segidx_entry *grown;

	if (pk->n == pk->cap) {
		pk->cap = pk->cap ? pk->cap * 2 : 64;
		grown = realloc(pk->e, pk->cap * sizeof(*grown));
		if (!grown)
			return obs_error_set(err, "out of memory");
		pk->e = grown;
	}
	pk->e[pk->n++] = *e;
	return 0;
}

/* Deflate what is in zs's input (FLUSH: Z_NO_FLUSH or Z_FINISH) and write it out. */
static int pack_out(struct packer *pk, int flush, struct obs_error *err)
{
	size_t made;

	do {
		pk->zs.next_out = pk->obuf;
		pk->zs.avail_out = COPY_CHUNK;
		deflate(&pk->zs, flush);
		made = COPY_CHUNK - pk->zs.avail_out;
		if (obs_io_write_all(pk->out, pk->obuf, made) < 0)
			return obs_error_errno(err, "cannot write compressed segment");
		pk->out_pos += made;
	} while (pk->zs.avail_out == 0);
	return 0;
}

/*
 * Bytes [OFF, OFF + LEN) of the plain segment as one gzip member, indexed
 * with the times of BLOCK (its lines counted here).
 */
static int pack_member(struct packer *pk, uint64_t off, uint64_t len,
		       const struct obs_segidx_entry *block, struct obs_error *err)
{
	struct obs_segidx_entry e = { pk->out_pos, 0, 0, block->min, block->max };
	const unsigned char *p, *end;
	size_t n;

	if (deflateReset(&pk->zs) != Z_OK)
		return obs_error_set(err, "cannot reset zlib");
	while (len > 0) {
		n = len < COPY_CHUNK ? (size_t)len : COPY_CHUNK;
		if (obs_io_pread_full(pk->in, pk->ibuf, n, (off_t)off) < 0)
			return obs_error_errno(err, "cannot read segment");
		for (p = pk->ibuf, end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
			e.lines++;
		pk->zs.next_in = pk->ibuf;
		pk->zs.avail_in = (uInt)n;
		if (pack_out(pk, Z_NO_FLUSH, err) < 0)
			return -1;
		off += n;
		len -= n;
	}
	if (pack_out(pk, Z_FINISH, err) < 0)
		return -1;
	e.len = pk->out_pos - e.off;
	return packer_entry(pk, &e, err);
}

/*
 * The plain segment (SIZE bytes, its time index loaded) as gzip members:
 * one per indexed block, one per stretch the index does not cover (whose
 * times are unknown, so it is always read).
 */
static int pack_segment(struct packer *pk, const char *plain, uint64_t size,
			struct obs_error *err)
{
	static const struct obs_segidx_entry unknown = { 0, 0, 0, INT64_MIN, INT64_MAX };
	struct obs_segidx_entry *e;
	struct stat sb;
	uint64_t pos = 0;
	size_t n, bad, i;
	int rc = 0;

	if (fstat(pk->in, &sb) < 0)
		return obs_error_errno(err, "cannot read '%s'", plain);
	if (obs_segidx_load(plain, sb.st_ino, size, &e, &n, &bad, err) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (e[i].off > pos)
			rc = pack_member(pk, pos, e[i].off - pos, &unknown, err);
		if (rc == 0)
			rc = pack_member(pk, e[i].off, e[i].len, &e[i], err);
		pos = e[i].off + e[i].len;
	}
	if (rc == 0 && pos < size)
		rc = pack_member(pk, pos, size - pos, &unknown, err);
	free(e);
	return rc;
}

/* The entries of GZ's index, if it has a readable one, kept for its members copied as they are. */
static int keep_gz_entries(struct packer *pk, const char *gz, struct obs_error *err)
{
	struct obs_segidx_entry *e;
	struct stat sb;
	size_t n, bad, i;
	int rc = 0;

	/* The index is a cache: one that cannot be read only means those members lose theirs. */
	if (stat(gz, &sb) < 0 ||
	    obs_segidx_load(gz, sb.st_ino, (uint64_t)sb.st_size, &e, &n, &bad, err) < 0)
		return 0;
	for (i = 0; i < n && rc == 0; i++)
		rc = packer_entry(pk, &e[i], err);
	free(e);
	return rc;
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

/* Write the index of the new segment OUT (about to become GZ) beside it, as TMP_IDX. */
static int save_index(struct packer *pk, const char *tmp_idx, struct obs_error *err)
{
	struct stat sb;

	if (fstat(pk->out, &sb) < 0)
		return obs_error_errno(err, "cannot read '%s'", tmp_idx);
	return obs_segidx_save(tmp_idx, sb.st_ino, pk->e, pk->n, err);
}

/*
 * With PLAIN locked: build GZ's replacement in TMP (GZ's members as they
 * are, then PLAIN's blocks as members of their own) with its index, swap
 * both in, and drop PLAIN and its index.
 */
static int compact_locked(int plain_fd, uint64_t size, const char *plain, const char *gz,
			  const char *tmp, int level, struct obs_error *err)
{
	char idx[PATH_MAX], tmp_idx[PATH_MAX + 32];
	struct packer pk;
	int out;

	if (obs_segidx_path(idx, gz) < 0)
		return obs_error_errno(err, "cannot name the index of '%s'", gz);
	snprintf(tmp_idx, sizeof(tmp_idx), "%s.tmp.%ld", idx, (long)getpid());
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return obs_error_errno(err, "cannot create '%s'", tmp);
	if (copy_file(gz, out, err) < 0 ||
	    packer_init(&pk, plain_fd, out, (uint64_t)lseek(out, 0, SEEK_CUR), level, err) < 0) {
		close(out);
		unlink(tmp);
		return -1;
	}
	if (keep_gz_entries(&pk, gz, err) < 0 || pack_segment(&pk, plain, size, err) < 0 ||
	    save_index(&pk, tmp_idx, err) < 0)
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
	/* The index first: until TMP is renamed it names TMP's inode, so GZ ignores it. */
	if (rename(tmp_idx, idx) < 0 || rename(tmp, gz) < 0) {
		obs_error_errno(err, "cannot rename '%s'", tmp);
		goto fail;
	}
	packer_release(&pk);
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
	packer_release(&pk);
	if (out >= 0)
		close(out);
	unlink(tmp);
	unlink(tmp_idx);
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
	rc = compact_locked(fd, (uint64_t)sb.st_size, plain, gz, tmp, level, err);
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
