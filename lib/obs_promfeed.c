/* SPDX-License-Identifier: MIT */
/* The store's metric records in a Prometheus exposition, read incrementally: only the lines appended since the last refresh. */
#include "obs_promfeed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obs_ndjson.h"
#include "obs_time.h"

#define DAY_NS (86400 * OBS_NS_PER_SEC)
#define CHUNK 65536

struct obs_promfeed_seg {
	char name[32];             /* "2026-11-24.ndjson" or "2026-11-24.ndjson.gz" */
	int64_t day;               /* the day's start */
	int gz;
	int read;                  /* has been read (gz: whole) */
	dev_t dev;
	ino_t ino;
	off_t size;                /* gz: size when read */
	struct timespec mtime;     /* gz: modification time when read */
	off_t offset;              /* plain: bytes read, through the last newline */
	unsigned long lineno;      /* lines read */
};

void obs_promfeed_init(struct obs_promfeed *f, struct obs_store *st)
{
	memset(f, 0, sizeof(*f));
	f->st = st;
	obs_metric_scan_init(&f->scan);
}

static void skip(struct obs_promfeed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void skip(struct obs_promfeed *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->skipped++) {
		va_start(ap, fmt);
		vsnprintf(f->problem, sizeof(f->problem), fmt, ap);
		va_end(ap);
	}
}

/* Empty writer, no segment read. */
static int start_over(struct obs_promfeed *f, struct obs_error *err)
{
	if (f->started)
		obs_promtext_writer_release(&f->w);
	obs_promtext_writer_init(&f->w);
	f->started = 1;
	free(f->segs);
	f->segs = NULL;
	f->nsegs = 0;
	f->records = f->skipped = 0;
	f->problem[0] = '\0';
	if (f->nbuckets)
		return obs_promtext_writer_set_buckets(&f->w, f->buckets, f->nbuckets, err);
	return 0;
}

/* One line, as obs-metric expose reads it. */
static void add_line(struct obs_promfeed *f, const char *path, unsigned long lineno,
		     const char *line, size_t len, int64_t since)
{
	struct obs_metric_scan *m = &f->scan;
	struct obs_error err;
	json_t *rec;
	int rc;

	if (strspn(line, " \t\r") >= len)
		return;
	rc = obs_metric_scan_line(m, line, len, 0, &err);
	if (rc == 0)
		return;   /* another signal's record */
	if (rc < 0) {
		skip(f, "%s:%lu: %s", path, lineno, err.msg);
		return;
	}
	if (since != OBS_TIME_MIN && m->has_time && m->time_ns < since)
		return;
	rec = obs_metric_scan_record(m, m->has_time ? m->time_ns : 0);
	if (!rec) {
		skip(f, "%s:%lu: out of memory", path, lineno);
		return;
	}
	if (!m->has_time)
		json_object_del(rec, "time");
	if (obs_promtext_writer_add(&f->w, rec, &err) < 0)
		skip(f, "%s:%lu: %s", path, lineno, err.msg);
	else
		f->records++;
	json_decref(rec);
}

static void warn_gz(void *ctx, const char *msg)
{
	struct obs_promfeed *f = ctx;

	/* a torn line is returned (and fails to parse, or not): not a skip by itself */
	if (!strstr(msg, "torn last line (no newline at end)") || strstr(msg, "skipped"))
		skip(f, "%s", msg);
}

/* A closed, compressed segment: read whole, once. */
static int read_gz(struct obs_promfeed *f, struct obs_promfeed_seg *s, const char *path,
		   int64_t since, struct obs_error *err)
{
	struct obs_ndjson_reader rd;
	const char *line;
	size_t len;
	int rc;

	if (obs_ndjson_open(&rd, path, err) < 0) {
		obs_ndjson_close(&rd);
		return -1;
	}
	rd.max_line = f->max_line;
	rd.warn = warn_gz;
	rd.warn_ctx = f;
	while ((rc = obs_ndjson_next_line(&rd, &line, &len, err)) > 0)
		add_line(f, path, rd.lineno, line, len, since);
	s->lineno = rd.lineno;
	obs_ndjson_close(&rd);
	return rc < 0 ? -1 : 0;
}

/*
 * A plain segment from S->offset: every complete line; a final line
 * without its newline is left for the next time. 0, 1 when the file is not
 * the one read before (start over), -1 with err.
 */
static int read_plain(struct obs_promfeed *f, struct obs_promfeed_seg *s, const char *path,
		      int64_t since, struct obs_error *err)
{
	struct stat sb;
	char *chunk = NULL, *acc = NULL;
	size_t alen = 0, acap = 0, max = f->max_line ? f->max_line : OBS_NDJSON_MAX_LINE;
	off_t pos;
	ssize_t n;
	int fd, toolong = 0, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return obs_error_errno(err, "cannot open '%s'", path);
	}
	if (fstat(fd, &sb) < 0) {
		obs_error_errno(err, "cannot read '%s'", path);
		goto out;
	}
	if (s->read && (sb.st_dev != s->dev || sb.st_ino != s->ino || sb.st_size < s->offset)) {
		ret = 1;
		goto out;
	}
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	s->read = 1;
	if (sb.st_size == s->offset) {
		ret = 0;
		goto out;
	}
	if (lseek(fd, s->offset, SEEK_SET) < 0) {
		obs_error_errno(err, "cannot read '%s'", path);
		goto out;
	}
	chunk = malloc(CHUNK);
	if (!chunk) {
		obs_error_set(err, "out of memory");
		goto out;
	}
	pos = s->offset;
	while ((n = read(fd, chunk, CHUNK)) != 0) {
		char *p, *nl;
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			obs_error_errno(err, "cannot read '%s'", path);
			goto out;
		}
		p = chunk;
		left = (size_t)n;
		while (left > 0) {
			size_t take;

			nl = memchr(p, '\n', left);
			take = nl ? (size_t)(nl - p) : left;
			if (!toolong && alen + take > max) {
				toolong = 1;
				alen = 0;
			}
			if (!toolong) {
				if (alen + take + 1 > acap) {
					size_t cap = acap ? acap : 4096;
					char *np;

					while (cap < alen + take + 1)
						cap *= 2;
					np = realloc(acc, cap);
					if (!np) {
						obs_error_set(err, "out of memory");
						goto out;
					}
					acc = np;
					acap = cap;
				}
				memcpy(acc + alen, p, take);
				alen += take;
			}
			pos += (off_t)take;
			if (!nl)
				break;
			pos++;
			s->lineno++;
			if (toolong) {
				skip(f, "%s:%lu: line longer than %zu bytes, skipped", path, s->lineno,
				     max);
			} else {
				acc[alen] = '\0';
				add_line(f, path, s->lineno, acc, alen, since);
			}
			s->offset = pos;
			alen = 0;
			toolong = 0;
			p = nl + 1;
			left -= take + 1;
		}
	}
	ret = 0;
out:
	free(chunk);
	free(acc);
	close(fd);
	return ret;
}

/* Segment file names: YYYY-MM-DD.ndjson or YYYY-MM-DD.ndjson.gz, a real day. */
static int seg_name(const char *name, int64_t *day, int *gz)
{
	char date[11], back[11];
	size_t n = strlen(name);

	if (n == 17 && !strcmp(name + 10, ".ndjson"))
		*gz = 0;
	else if (n == 20 && !strcmp(name + 10, ".ndjson.gz"))
		*gz = 1;
	else
		return 0;
	memcpy(date, name, 10);
	date[10] = '\0';
	if (strspn(date, "0123456789-") != 10 || obs_time_parse(date, day, NULL) < 0)
		return 0;
	obs_time_day(*day, back, sizeof(back));
	return !strcmp(back, date);
}

static int seg_order(const void *a, const void *b)
{
	const struct obs_promfeed_seg *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return y->gz - x->gz;   /* the .gz of a day first, as obs_store_scan reads them */
}

/* The segments in the folder now, sorted. *list is allocated. */
static int list_segments(const char *dir, struct obs_promfeed_seg **list, size_t *n,
			 struct obs_error *err)
{
	struct obs_promfeed_seg *v = NULL, *nv;
	size_t cap = 0;
	struct dirent *e;
	DIR *d;

	*list = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return obs_error_errno(err, "cannot read '%s'", dir);
	}
	while ((e = readdir(d))) {
		int64_t day;
		int gz;

		if (!seg_name(e->d_name, &day, &gz))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return obs_error_set(err, "out of memory");
			}
			v = nv;
		}
		memset(&v[*n], 0, sizeof(v[*n]));
		memcpy(v[*n].name, e->d_name, strlen(e->d_name) + 1);   /* 17 or 20 bytes */
		v[*n].day = day;
		v[*n].gz = gz;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), seg_order);
	*list = v;
	return 0;
}

static struct obs_promfeed_seg *find_seg(struct obs_promfeed_seg *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* 1 if a segment read before is gone or not what it was: start over. */
static int changed(struct obs_promfeed *f, const char *dir, struct obs_promfeed_seg *list,
		   size_t n)
{
	char path[4096];
	struct stat sb;
	size_t i;

	for (i = 0; i < f->nsegs; i++) {
		struct obs_promfeed_seg *s = &f->segs[i];

		/* (every segment kept has been read: a failed read drops them all) */
		if (!find_seg(list, n, s->name))
			return 1;
		snprintf(path, sizeof(path), "%s/%s", dir, s->name);
		if (stat(path, &sb) < 0 || sb.st_dev != s->dev || sb.st_ino != s->ino)
			return 1;
		if (s->gz ? (sb.st_size != s->size || sb.st_mtim.tv_sec != s->mtime.tv_sec ||
			     sb.st_mtim.tv_nsec != s->mtime.tv_nsec) : sb.st_size < s->offset)
			return 1;
	}
	return 0;
}

/* One pass over the listing. 0, 1 to start over, -1 with err. */
static int read_all(struct obs_promfeed *f, const char *dir, struct obs_promfeed_seg *list,
		    size_t n, int64_t since, struct obs_error *err)
{
	char path[4096];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct obs_promfeed_seg *s;

		if (since != OBS_TIME_MIN && list[i].day <= since - DAY_NS)
			continue;
		s = find_seg(f->segs, f->nsegs, list[i].name);
		if (!s) {
			struct obs_promfeed_seg *ns = realloc(f->segs, (f->nsegs + 1) * sizeof(*ns));

			if (!ns)
				return obs_error_set(err, "out of memory");
			f->segs = ns;
			s = &f->segs[f->nsegs++];
			*s = list[i];
		}
		snprintf(path, sizeof(path), "%s/%s", dir, s->name);
		if (s->gz) {
			struct stat sb;

			if (s->read)
				continue;
			if (stat(path, &sb) < 0) {
				if (errno == ENOENT)
					continue;
				return obs_error_errno(err, "cannot read '%s'", path);
			}
			if (read_gz(f, s, path, since, err) < 0)
				return -1;
			s->read = 1;
			s->dev = sb.st_dev;
			s->ino = sb.st_ino;
			s->size = sb.st_size;
			s->mtime = sb.st_mtim;
			continue;
		}
		rc = read_plain(f, s, path, since, err);
		if (rc)
			return rc;
	}
	return 0;
}

int obs_promfeed_refresh(struct obs_promfeed *f, int64_t now, struct obs_error *err)
{
	struct obs_promfeed_seg *list = NULL;
	int64_t since = OBS_TIME_MIN;
	size_t n = 0;
	char *dir = NULL;
	int rc = -1, tries;

	if (asprintf(&dir, "%s/metrics", f->st->root) < 0)
		return obs_error_set(err, "out of memory");
	if (f->since_window > 0) {
		since = now - f->since_window;
		if (start_over(f, err) < 0)
			goto out;
	} else if (!f->started && start_over(f, err) < 0) {
		goto out;
	}
	if (list_segments(dir, &list, &n, err) < 0)
		goto fail;
	for (tries = 0; tries < 3; tries++) {
		if (changed(f, dir, list, n)) {
			f->rebuilds++;
			if (start_over(f, err) < 0)
				goto out;
		}
		rc = read_all(f, dir, list, n, since, err);
		if (rc <= 0)
			break;
		/* a segment was replaced while being read: list again and start over */
		free(list);
		if (list_segments(dir, &list, &n, err) < 0)
			goto fail;
		f->rebuilds++;
		if (start_over(f, err) < 0)
			goto out;
	}
	if (rc > 0)
		rc = obs_error_set(err, "'%s' keeps changing while being read", dir);
	if (rc == 0)
		goto out;
fail:
	/* whatever was half read, the next refresh starts over */
	if (f->started)
		obs_promtext_writer_release(&f->w);
	f->started = 0;
	free(f->segs);
	f->segs = NULL;
	f->nsegs = 0;
	rc = -1;
out:
	free(list);
	free(dir);
	return rc;
}

char *obs_promfeed_text(struct obs_promfeed *f, size_t *len, struct obs_error *err)
{
	if (!f->started && start_over(f, err) < 0)
		return NULL;
	return obs_promtext_writer_text(&f->w, len, err);
}

void obs_promfeed_release(struct obs_promfeed *f)
{
	if (f->started)
		obs_promtext_writer_release(&f->w);
	obs_metric_scan_release(&f->scan);
	free(f->segs);
	memset(f, 0, sizeof(*f));
}
