/* SPDX-License-Identifier: MIT */
/* The embedded store: per-signal, per-UTC-day append-only NDJSON segments. */
#include "obs_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "obs_io.h"
#include "obs_segidx.h"
#include "obs_time.h"

#define NS_PER_DAY (86400 * OBS_NS_PER_SEC)
#define DIR_MODE 0700
#define FILE_MODE 0600

#ifndef NFS_SUPER_MAGIC
#define NFS_SUPER_MAGIC 0x6969
#endif

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static int check_signal(const char *signal, struct obs_error *err)
{
	const char *p;

	if (!signal || !*signal)
		return obs_error_set(err, "invalid signal name '': must match [a-z0-9_-]+");
	for (p = signal; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return obs_error_set(err, "invalid signal name '%s': must match [a-z0-9_-]+",
					     signal);
	return 0;
}

/* mkdir -p PATH (changed during the call, then restored); new folders get MODE. errno on failure. */
static int mkdirs(char *path, mode_t mode)
{
	char *p, c;
	int r;

	for (p = path + 1;; p++) {
		if (*p && *p != '/')
			continue;
		c = *p;
		*p = '\0';
		r = mkdir(path, mode);
		*p = c;
		if (r < 0 && errno != EEXIST)
			return -1;
		if (!c)
			return 0;
	}
}

/* Format into BUF of PATH_MAX bytes; -1 with errno ENAMETOOLONG if it does not fit. */
static int path_join(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int path_join(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}


/* Floor of NS / NS_PER_DAY: the day number of a time, negative before 1970. */
static int64_t day_number(int64_t ns)
{
	int64_t q = ns / NS_PER_DAY;

	if (ns % NS_PER_DAY < 0)
		q--;
	return q;
}

/* Length of PATH without its trailing slashes (0 for "/"). */
static size_t trimmed_len(const char *path)
{
	size_t n = strlen(path);

	while (n > 0 && path[n - 1] == '/')
		n--;
	return n;
}

int obs_store_open(struct obs_store *st, const char *root, struct obs_error *err)
{
	const char *env;
	size_t n;

	st->root = NULL;
	if (root) {
		if (!*root)
			return obs_error_set(err, "invalid store location '': empty path");
		st->root = strdup(root);
	} else if ((env = getenv("OBS_HOME")) && *env) {
		st->root = strdup(env);
	} else if ((env = getenv("XDG_DATA_HOME")) && *env == '/') {
		/* The XDG spec says relative values are invalid and to be ignored. */
		st->root = xasprintf("%.*s/obs", (int)trimmed_len(env), env);
	} else if ((env = getenv("HOME")) && *env) {
		st->root = xasprintf("%.*s/.local/share/obs", (int)trimmed_len(env), env);
	} else {
		return obs_error_set(err, "cannot locate the store: none of OBS_HOME, XDG_DATA_HOME, HOME is set");
	}
	if (!st->root)
		return obs_error_set(err, "out of memory");
	/* "/x/" would give "/x//spans/..." in messages. */
	n = trimmed_len(st->root);
	st->root[n ? n : 1] = '\0';
	return 0;
}

void obs_store_release(struct obs_store *st)
{
	free(st->root);
	st->root = NULL;
}

int obs_store_is_nfs(struct obs_store *st)
{
	char path[PATH_MAX], *slash;
	struct statfs sf;

	if (path_join(path, "%s", st->root) < 0)
		return -1;
	/* Before the first write the root may not exist: ask its nearest existing parent. */
	while (statfs(path, &sf) < 0) {
		if (errno != ENOENT || strcmp(path, ".") == 0)
			return -1;
		slash = strrchr(path, '/');
		if (!slash)
			strcpy(path, ".");
		else
			slash[slash == path] = '\0';  /* "/x" becomes "/", which exists */
	}
	return sf.f_type == NFS_SUPER_MAGIC;
}

static int segment_path(char *path, struct obs_store *st, const char *signal, int64_t time_ns)
{
	char day[OBS_TIME_BUFSZ];

	obs_time_day(time_ns, day, sizeof(day));
	return path_join(path, "%s/%s/%s.ndjson", st->root, signal, day);
}

/*
 * Lock FD and append DATA as a whole line group, undoing a partial write;
 * *AT is where DATA starts. 1 (nothing written) if the file was compacted
 * or pruned away meanwhile; -1 with errno.
 */
static int locked_append(int fd, const char *data, size_t len, struct stat *sb, uint64_t *at)
{
	char last;
	int r, saved;

	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	/* Only under the lock is the size the one our write will follow. */
	if (r < 0 || fstat(fd, sb) < 0)
		return -1;
	if (sb->st_nlink == 0)
		return 1;
	*at = (uint64_t)sb->st_size;
	/* A writer killed mid-line left a torn line: do not glue our first record onto it. */
	if (sb->st_size > 0 && pread(fd, &last, 1, sb->st_size - 1) == 1 && last != '\n') {
		if (obs_io_write_all(fd, "\n", 1) < 0)
			goto undo;
		(*at)++;
	}
	if (obs_io_write_all(fd, data, len) < 0)
		goto undo;
	return 0;
undo:
	saved = errno;
	if (ftruncate(fd, sb->st_size) < 0) {
		/* Nothing more can be done; the reader will report the torn line. */
	}
	errno = saved;
	return -1;
}

static int open_segment(char *path)
{
	char *slash;
	int fd;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, FILE_MODE);
	if (fd < 0 && errno == ENOENT) {
		slash = strrchr(path, '/');
		*slash = '\0';
		if (mkdirs(path, DIR_MODE) == 0) {
			*slash = '/';
			fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, FILE_MODE);
		}
		*slash = '/';
	}
	return fd;
}

int obs_store_append(struct obs_store *st, const char *signal, int64_t time_ns,
		     const char *data, size_t len, struct obs_error *err)
{
	unsigned long lines = 0;
	const char *p = data, *end = data + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		lines++;
		p++;
	}
	return obs_store_append_span(st, signal, time_ns, time_ns, lines, data, len, err);
}

int obs_store_append_span(struct obs_store *st, const char *signal, int64_t min_ns,
			  int64_t max_ns, unsigned long lines, const char *data, size_t len,
			  struct obs_error *err)
{
	struct obs_segidx_entry e = { 0, len, lines, min_ns, max_ns };
	char path[PATH_MAX];
	int fd, rc, tries = 0;
	struct stat sb;

	if (check_signal(signal, err) < 0)
		return -1;
	if (len == 0)
		return 0;
	if (data[len - 1] != '\n')
		return obs_error_set(err, "cannot append to signal '%s': data does not end in a newline",
				     signal);
	if (segment_path(path, st, signal, min_ns) < 0)
		return obs_error_errno(err, "cannot append to signal '%s' under '%s'", signal, st->root);
	do {
		fd = open_segment(path);
		if (fd < 0)
			return obs_error_errno(err, "cannot append to '%s'", path);
		rc = locked_append(fd, data, len, &sb, &e.off);
		if (rc < 0) {
			obs_error_errno(err, "cannot append to '%s'", path);
			close(fd);
			return -1;
		}
		/* Best effort, still under the lock: without an entry the block is read, not lost. */
		if (rc == 0)
			(void)obs_segidx_note(path, sb.st_ino, &e);
		/* close() releases the lock; on NFS it may also be where a write error shows. */
		if (close(fd) < 0)
			return obs_error_errno(err, "cannot append to '%s'", path);
	} while (rc == 1 && ++tries < 100);
	if (rc == 1)
		return obs_error_set(err, "cannot append to '%s': the segment keeps being removed", path);
	return 0;
}

/* ---- batches ----------------------------------------------------------- */

void obs_store_batch_init(struct obs_store_batch *b, struct obs_store *st, const char *signal)
{
	memset(b, 0, sizeof(*b));
	b->st = st;
	b->signal = signal;
	b->flush_bytes = OBS_STORE_FLUSH_BYTES;
}

/* The buffer of TIME_NS's day, added if new. */
static struct obs_store_day *batch_day(struct obs_store_batch *b, int64_t time_ns)
{
	int64_t day = obs_time_day_start(time_ns);
	struct obs_store_day *d;
	int i;

	/* Most batches touch one or two days: search from the newest. */
	for (i = b->ndays - 1; i >= 0; i--)
		if (b->days[i].day == day)
			return &b->days[i];
	d = realloc(b->days, (size_t)(b->ndays + 1) * sizeof(*d));
	if (!d)
		return NULL;
	b->days = d;
	d = &b->days[b->ndays++];
	memset(d, 0, sizeof(*d));
	d->day = day;
	return d;
}

int obs_store_batch_add(struct obs_store_batch *b, int64_t time_ns, const char *line, size_t len,
			struct obs_error *err)
{
	struct obs_store_day *d;
	size_t need, cap;
	char *buf;

	if (len == 0)
		return obs_error_set(err, "cannot add an empty record to signal '%s'", b->signal);
	if (memchr(line, '\n', len))
		return obs_error_set(err, "cannot add a record containing a newline to signal '%s'",
				     b->signal);
	d = batch_day(b, time_ns);
	if (!d || len > SIZE_MAX / 2 - d->len)
		return obs_error_set(err, "out of memory");
	need = d->len + len + 1;
	if (need > d->cap) {
		cap = d->cap ? d->cap : 4096;
		while (cap < need)
			cap *= 2;
		buf = realloc(d->buf, cap);
		if (!buf)
			return obs_error_set(err, "out of memory");
		d->buf = buf;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, line, len);
	d->buf[d->len + len] = '\n';
	if (d->lines == 0 || time_ns < d->min)
		d->min = time_ns;
	if (d->lines == 0 || time_ns > d->max)
		d->max = time_ns;
	d->lines++;
	d->len += len + 1;
	b->bytes += len + 1;
	if (b->flush_bytes && b->bytes >= b->flush_bytes)
		return obs_store_batch_flush(b, err);
	return 0;
}

int obs_store_batch_add_json(struct obs_store_batch *b, int64_t time_ns, const json_t *rec,
			     struct obs_error *err)
{
	size_t len;
	char *line;
	int ret;

	line = obs_json_dump_line(rec, &len);
	if (!line)
		return obs_error_set(err, "cannot serialise a record for signal '%s'", b->signal);
	ret = obs_store_batch_add(b, time_ns, line, len, err);
	free(line);
	return ret;
}

int obs_store_batch_flush(struct obs_store_batch *b, struct obs_error *err)
{
	struct obs_error first;
	int i, ret = 0;

	for (i = 0; i < b->ndays; i++) {
		struct obs_store_day *d = &b->days[i];

		if (d->len > 0 && obs_store_append_span(b->st, b->signal, d->min, d->max, d->lines,
							d->buf, d->len, ret < 0 ? NULL : &first) < 0)
			ret = -1;
		free(d->buf);
	}
	/* Freed rather than kept: a long import touching many days must not keep them all. */
	free(b->days);
	b->days = NULL;
	b->ndays = 0;
	b->bytes = 0;
	if (ret < 0 && err)
		*err = first;
	return ret;
}

void obs_store_batch_release(struct obs_store_batch *b)
{
	int i;

	for (i = 0; i < b->ndays; i++)
		free(b->days[i].buf);
	free(b->days);
	b->days = NULL;
	b->ndays = 0;
	b->bytes = 0;
}

/* ---- scans ------------------------------------------------------------- */

int obs_store_segment_name(const char *name, int64_t *day, int *gz)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y = 0, m, d;
	size_t n = strlen(name);
	int i, g;

	if (n == 17 && strcmp(name + 10, ".ndjson") == 0)
		g = 0;
	else if (n == 20 && strcmp(name + 10, ".ndjson.gz") == 0)
		g = 1;
	else
		return 0;
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (name[i] != '-')
				return 0;
		} else if (name[i] < '0' || name[i] > '9') {
			return 0;
		}
	}
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(name[i] - '0');
	m = (unsigned)(name[5] - '0') * 10 + (unsigned)(name[6] - '0');
	d = (unsigned)(name[8] - '0') * 10 + (unsigned)(name[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	if (day)
		*day = obs_time_days_from_civil(y, m, d);
	if (gz)
		*gz = g;
	return 1;
}

/* Oldest day first; for one day the .gz segment (the longer name) first. */
static int segment_cmp(const void *a, const void *b)
{
	const char *x = strrchr(*(char *const *)a, '/') + 1, *y = strrchr(*(char *const *)b, '/') + 1;
	int c = strncmp(x, y, 10);

	return c ? c : (int)strlen(y) - (int)strlen(x);
}

int obs_store_scan_open(struct obs_store_scan *sc, struct obs_store *st, const char *signal,
			int64_t since, int64_t until, struct obs_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX], **grown;
	int64_t day, first, last;
	struct dirent *de;
	int cap = 0, gz;
	DIR *dp;

	memset(sc, 0, sizeof(*sc));
	sc->rd.fd = -1;
	sc->since = since;
	sc->until = until;
	if (check_signal(signal, err) < 0)
		return -1;
	if (path_join(dir, "%s/%s", st->root, signal) < 0)
		return obs_error_errno(err, "cannot read signal '%s' under '%s'", signal, st->root);
	dp = opendir(dir);
	if (!dp) {
		if (errno == ENOENT)
			return 0;
		return obs_error_errno(err, "cannot read '%s'", dir);
	}
	/*
	 * Compare day numbers, not nanoseconds: day starts far from 1970 would
	 * overflow. Open ends take every dated file, even out of int64 range.
	 */
	first = since == OBS_TIME_MIN ? INT64_MIN : day_number(since);
	last = until == OBS_TIME_MAX ? INT64_MAX : day_number(until);
	for (errno = 0; (de = readdir(dp)); errno = 0) {
		if (!obs_store_segment_name(de->d_name, &day, &gz) || day < first || day > last)
			continue;
		if (sc->npaths == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(sc->paths, (size_t)cap * sizeof(*sc->paths));
			if (!grown)
				goto nomem;
			sc->paths = grown;
		}
		if (path_join(path, "%s/%s", dir, de->d_name) < 0)
			break;  /* errno is ENAMETOOLONG */
		sc->paths[sc->npaths] = strdup(path);
		if (!sc->paths[sc->npaths])
			goto nomem;
		sc->npaths++;
	}
	if (errno) {
		obs_error_errno(err, "cannot read '%s'", dir);
		goto fail;
	}
	closedir(dp);
	if (sc->npaths > 1)
		qsort(sc->paths, (size_t)sc->npaths, sizeof(*sc->paths), segment_cmp);
	return 0;
nomem:
	obs_error_set(err, "out of memory");
fail:
	closedir(dp);
	obs_store_scan_close(sc);
	return -1;
}

static void scan_end_segment(struct obs_store_scan *sc)
{
	sc->done_torn += (unsigned long)sc->rd.torn;
	sc->done_skipped += sc->rd.skipped;
	obs_ndjson_close(&sc->rd);
	free(sc->ranges);
	sc->ranges = NULL;
	sc->nranges = sc->range_next = 0;
	sc->open = 0;
}

/* Whether the window leaves out part of the day of segment PATH (".../YYYY-MM-DD.ndjson[.gz]"). */
static int window_cuts_day(const struct obs_store_scan *sc, const char *path)
{
	int64_t day;
	int gz;

	if (!obs_store_segment_name(strrchr(path, '/') + 1, &day, &gz))
		return 0;
	if (sc->since != OBS_TIME_MIN && day_number(sc->since) == day)
		return 1;
	return sc->until != OBS_TIME_MAX && day_number(sc->until) == day;
}

static void warn_index(struct obs_store_scan *sc, const char *what)
{
	char msg[PATH_MAX + OBS_ERROR_MAX + 64];

	if (!sc->warn)
		return;
	snprintf(msg, sizeof(msg), "%s; the whole segment is read", what);
	sc->warn(sc->warn_ctx, msg);
}

/*
 * Plan the parts of the open segment PATH to read, by its time index. The
 * index is a cache: one that cannot be used is said, and everything read.
 */
static void scan_plan(struct obs_store_scan *sc, const char *path)
{
	char idx[PATH_MAX], msg[PATH_MAX + 64];
	struct obs_error err;
	int stale;

	if (!window_cuts_day(sc, path))
		return;
	if (obs_segidx_plan(path, sc->rd.fd, sc->since, sc->until, &sc->ranges, &sc->nranges,
			    &stale, &err) < 0) {
		warn_index(sc, err.msg);
	} else if (stale && obs_segidx_path(idx, path) == 0) {
		snprintf(msg, sizeof(msg), "%s: does not fit its segment, ignored", idx);
		warn_index(sc, msg);
	}
}

/* Move to the next planned range; 1 moved, 0 none left, -1 error. */
static int scan_next_range(struct obs_store_scan *sc, struct obs_error *err)
{
	const struct obs_segidx_range *r;

	if (sc->range_next >= sc->nranges)
		return 0;
	r = &sc->ranges[sc->range_next++];
	if (obs_ndjson_seek(&sc->rd, r->off, r->end == OBS_SEGIDX_TO_EOF ? 0 : r->end,
			    (unsigned long)r->skipped_lines, err) < 0)
		return -1;
	return 1;
}

static int scan_open_segment(struct obs_store_scan *sc, const char *path, struct obs_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		/* Removed by retention or compaction since _open. */
		if (errno == ENOENT)
			return 0;
		return obs_error_errno(err, "cannot open '%s'", path);
	}
	/* On failure the reader has closed fd (own = 1). */
	if (obs_ndjson_fdopen(&sc->rd, fd, 1, path, err) < 0)
		return -1;
	if (sc->max_line)
		sc->rd.max_line = sc->max_line;
	/* The store's own segments, not untrusted input: a busy day inflates past any bomb limit. */
	sc->rd.max_decompressed = 0;
	sc->rd.warn = sc->warn;
	sc->rd.warn_ctx = sc->warn_ctx;
	sc->open = 1;
	scan_plan(sc, path);
	if (scan_next_range(sc, err) < 0) {
		scan_end_segment(sc);
		return -1;
	}
	return 1;
}

int obs_store_scan_next(struct obs_store_scan *sc, const char **line, size_t *len,
			struct obs_error *err)
{
	int r;

	for (;;) {
		if (!sc->open) {
			if (sc->next >= sc->npaths)
				return 0;
			r = scan_open_segment(sc, sc->paths[sc->next++], err);
			if (r <= 0) {
				if (r < 0)
					return -1;
				continue;
			}
		}
		r = obs_ndjson_next_line(&sc->rd, line, len, err);
		sc->torn = sc->done_torn + (unsigned long)sc->rd.torn;
		sc->skipped = sc->done_skipped + sc->rd.skipped;
		if (r != 0)
			return r;
		r = scan_next_range(sc, err);
		if (r < 0)
			return -1;
		if (r == 0)
			scan_end_segment(sc);
	}
}

void obs_store_scan_skip_segment(struct obs_store_scan *sc)
{
	if (sc->open)
		scan_end_segment(sc);
}

void obs_store_scan_close(struct obs_store_scan *sc)
{
	int i;

	if (sc->open)
		scan_end_segment(sc);
	for (i = 0; i < sc->npaths; i++)
		free(sc->paths[i]);
	free(sc->paths);
	sc->paths = NULL;
	sc->npaths = sc->next = 0;
}

int obs_store_scan_count(const struct obs_store_scan *sc)
{
	return sc->npaths;
}

/* ---- state files ------------------------------------------------------- */

static int check_state_name(const char *name, struct obs_error *err)
{
	const char *p = name, *end;
	size_t n;

	if (!*name || *name == '/')
		return obs_error_set(err, "invalid state file name '%s'", name);
	while (*p) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return obs_error_set(err, "invalid state file name '%s'", name);
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			return obs_error_set(err, "invalid state file name '%s'", name);
	}
	return 0;
}

char *obs_store_state_path(struct obs_store *st, const char *name, struct obs_error *err)
{
	char path[PATH_MAX], *slash, *ret;

	if (check_state_name(name, err) < 0)
		return NULL;
	if (path_join(path, "%s/state/%s", st->root, name) < 0) {
		obs_error_errno(err, "cannot use state file '%s' under '%s'", name, st->root);
		return NULL;
	}
	slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdirs(path, DIR_MODE) < 0) {
		obs_error_errno(err, "cannot create folder '%s'", path);
		return NULL;
	}
	*slash = '/';
	ret = strdup(path);
	if (!ret)
		obs_error_set(err, "out of memory");
	return ret;
}

/* fsync the folder holding PATH so that a rename in it is durable. errno on failure. */
static int sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd, ret;

	/* PATH fitted in PATH_MAX (its temp file did), so its folder does. */
	if (!slash)
		strcpy(dir, ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = fsync(fd);
	/* Some file systems cannot sync folders; that is not a failure to write. */
	if (ret < 0 && (errno == EINVAL || errno == EROFS))
		ret = 0;
	close(fd);
	return ret;
}

int obs_state_write(const char *path, const char *data, size_t len, struct obs_error *err)
{
	char tmp[PATH_MAX];
	int fd;

	if (path_join(tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return obs_error_errno(err, "cannot write state file '%s'", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, FILE_MODE);
	if (fd < 0 && errno == EEXIST) {
		/* Left by a crashed process that had our pid. */
		unlink(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, FILE_MODE);
	}
	if (fd < 0)
		return obs_error_errno(err, "cannot write state file '%s'", path);
	if (obs_io_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		obs_error_errno(err, "cannot write state file '%s'", path);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		obs_error_errno(err, "cannot write state file '%s'", path);
		unlink(tmp);
		return -1;
	}
	if (sync_parent(path) < 0)
		return obs_error_errno(err, "cannot sync the folder of state file '%s'", path);
	return 0;
}

int obs_state_read_json(const char *path, json_t **obj, struct obs_error *err)
{
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	json_error_t jerr;
	json_t *v = NULL;
	ssize_t n;
	int fd, ret = -1;

	*obj = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return obs_error_errno(err, "cannot read state file '%s'", path);
	}
	for (;;) {
		if (len == cap) {
			if (cap >= OBS_STATE_MAX_SIZE) {
				obs_error_set(err, "state file '%s' is too large (over %d bytes)", path,
					      OBS_STATE_MAX_SIZE);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				obs_error_set(err, "out of memory");
				goto out;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			obs_error_errno(err, "cannot read state file '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strspn(buf, " \t\r\n") == len) {
		obs_error_set(err, "state file '%s' is corrupt: empty", path);
		goto out;
	}
	/* A crash after a size update but before the data reached the disk leaves NULs. */
	if (memchr(buf, '\0', len)) {
		obs_error_set(err, "state file '%s' is corrupt: contains NUL bytes", path);
		goto out;
	}
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!v) {
		obs_error_set(err, "state file '%s' is corrupt: %s at line %d column %d", path,
			      jerr.text, jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(v)) {
		obs_error_set(err, "state file '%s' is corrupt: not a JSON object", path);
		json_decref(v);
		goto out;
	}
	*obj = v;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}
