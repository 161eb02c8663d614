/* SPDX-License-Identifier: MIT */
/* Export cursors: how far a destination got in a signal's store segments, and a reader that resumes there. */
#include "obs_cursor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_text.h"
#include "obs_time.h"

#define IN_CHUNK 65536
#define NONE ((size_t)-1)

struct obs_cursor_seg {
	char *name;
	int64_t day;          /* day start, ns */
	int gz;
	int present;          /* the file was there at the last look */
	int resolved;         /* the start position was checked against the file */
	int eof;              /* read to its end as of the last look */
	int have;             /* off/hash/len/lineno hold a position */
	int claimed;          /* the sibling segment took this position over */
	int torn_told;        /* its torn last line was reported */
	uint64_t off, hash, len, lineno;
	uint64_t disk;        /* size on disk at the last look */
	dev_t dev;
	ino_t ino;
};

/* The open segment's bytes, decompressed when it is a .gz. */
struct stream {
	int fd;
	int gz;
	int zinit;
	int zdone;            /* no more gzip members */
	int ineof;
	z_stream z;
	unsigned char in[IN_CHUNK];
};

/* ---- small things -------------------------------------------------------------- */

uint64_t obs_cursor_hash(uint64_t h, const void *data, size_t len)
{
	return obs_text_fnv1a(h, data, len);
}

int obs_cursor_segment_name(const char *name, int64_t *day_ns, int *gz)
{
	int64_t days;

	if (!obs_store_segment_name(name, &days, gz))
		return 0;
	/* Years 0000-9999 fit in int64 days; as ns only 1678-2261 do. */
	if (day_ns) {
		if (days > INT64_MAX / 86400 / OBS_NS_PER_SEC)
			*day_ns = OBS_TIME_MAX;
		else if (days < INT64_MIN / 86400 / OBS_NS_PER_SEC)
			*day_ns = OBS_TIME_MIN;
		else
			*day_ns = days * 86400 * OBS_NS_PER_SEC;
	}
	return 1;
}

/* ---- the cursor ------------------------------------------------------------------ */

void obs_cursor_init(struct obs_cursor *c)
{
	memset(c, 0, sizeof(*c));
}

void obs_cursor_release(struct obs_cursor *c)
{
	for (size_t i = 0; i < c->npos; i++)
		free(c->pos[i].name);
	free(c->pos);
	json_decref(c->state);
	memset(c, 0, sizeof(*c));
}

static size_t pos_index(const struct obs_cursor *c, const char *name, int *found)
{
	size_t lo = 0, hi = c->npos;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->pos[mid].name, name);

		if (cmp == 0) {
			*found = 1;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

const struct obs_cursor_pos *obs_cursor_find(const struct obs_cursor *c, const char *name)
{
	int found;
	size_t i = pos_index(c, name, &found);

	return found ? &c->pos[i] : NULL;
}

int obs_cursor_set(struct obs_cursor *c, const struct obs_cursor_pos *p, struct obs_error *err)
{
	int found;
	size_t i = pos_index(c, p->name, &found);
	struct obs_cursor_pos *grown;
	char *name;

	if (found) {
		name = c->pos[i].name;
		c->pos[i] = *p;
		c->pos[i].name = name;
		return 0;
	}
	name = strdup(p->name);
	grown = name ? realloc(c->pos, (c->npos + 1) * sizeof(*c->pos)) : NULL;
	if (!grown) {
		free(name);
		return obs_error_set(err, "out of memory");
	}
	c->pos = grown;
	memmove(&c->pos[i + 1], &c->pos[i], (c->npos - i) * sizeof(*c->pos));
	c->pos[i] = *p;
	c->pos[i].name = name;
	c->npos++;
	return 0;
}

/* A non-negative JSON integer member. */
static int get_u64(json_t *obj, const char *key, uint64_t *v)
{
	json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

static int parse_hash(json_t *j, uint64_t *v)
{
	const char *s = json_string_value(j);
	uint64_t h = 0;
	int i;

	if (!s || strlen(s) != 16)
		return -1;
	for (i = 0; i < 16; i++) {
		int c = s[i];

		if (c >= '0' && c <= '9')
			h = h << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			h = h << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -1;
	}
	*v = h;
	return 0;
}

int obs_cursor_parse(struct obs_cursor *c, const json_t *obj, const char *name,
		     struct obs_error *err)
{
	json_t *segs, *state, *v;
	struct obs_cursor_pos p;
	size_t i;
	const char *why = NULL;

	obs_cursor_release(c);
	if (!json_is_object(obj))
		return obs_error_set(err, "state file '%s' is corrupt: not a JSON object", name);
	v = json_object_get(obj, "version");
	if (!json_is_integer(v)) {
		obs_error_set(err, "state file '%s' is corrupt: unsupported version (none)", name);
		goto fail;
	}
	if (json_integer_value(v) != 1) {
		obs_error_set(err, "state file '%s' is corrupt: unsupported version %lld", name,
			      (long long)json_integer_value(v));
		goto fail;
	}
	segs = json_object_get(obj, "segments");
	if (segs && !json_is_array(segs)) {
		obs_error_set(err, "state file '%s' is corrupt: 'segments' is not an array", name);
		goto fail;
	}
	json_array_foreach(segs, i, v) {
		memset(&p, 0, sizeof(p));
		if (!json_is_object(v))
			why = "not an object";
		else if (!json_is_string(json_object_get(v, "name")) ||
			 !obs_cursor_segment_name(json_string_value(json_object_get(v, "name")),
						  NULL, NULL))
			why = "invalid name";
		else if (get_u64(v, "offset", &p.offset) < 0)
			why = "invalid offset";
		else if (parse_hash(json_object_get(v, "hash"), &p.hash) < 0)
			why = "invalid hash";
		else if (get_u64(v, "len", &p.len) < 0 || (p.offset && p.len >= p.offset))
			why = "invalid len";
		else if (get_u64(v, "lineno", &p.lineno) < 0 || (p.offset && !p.lineno))
			why = "invalid lineno";
		else if (obs_cursor_find(c, json_string_value(json_object_get(v, "name"))))
			why = "duplicate name";
		if (why) {
			obs_error_set(err, "state file '%s' is corrupt: segment %zu: %s", name, i + 1,
				      why);
			goto fail;
		}
		p.name = (char *)json_string_value(json_object_get(v, "name"));
		if (obs_cursor_set(c, &p, err) < 0)
			goto fail;
	}
	state = json_object_get(obj, "state");
	if (state && !json_is_null(state)) {
		if (!json_is_object(state)) {
			obs_error_set(err, "state file '%s' is corrupt: 'state' is not an object", name);
			goto fail;
		}
		c->state = json_incref(state);
	}
	return 0;
fail:
	obs_cursor_release(c);
	return -1;
}

int obs_cursor_load(struct obs_cursor *c, const char *path, int *found, struct obs_error *err)
{
	json_t *obj = NULL;
	int rc;

	obs_cursor_release(c);
	if (found)
		*found = 0;
	if (obs_state_read_json(path, &obj, err) < 0)
		return -1;
	if (!obj)
		return 0;
	rc = obs_cursor_parse(c, obj, path, err);
	json_decref(obj);
	if (rc == 0 && found)
		*found = 1;
	return rc;
}

int obs_cursor_save(const struct obs_cursor *c, const char *path, const json_t *meta,
		    struct obs_error *err)
{
	json_t *obj = json_object(), *segs = json_array(), *e;
	const char *key;
	json_t *v;
	char hex[17], *text = NULL;
	size_t len;
	int ret = -1;

	if (!obj || !segs)
		goto nomem;
	if (json_object_set_new(obj, "version", json_integer(1)) < 0)
		goto nomem;
	json_object_foreach((json_t *)meta, key, v) {
		if (strcmp(key, "version") && strcmp(key, "segments") && strcmp(key, "state") &&
		    json_object_set(obj, key, v) < 0)
			goto nomem;
	}
	for (size_t i = 0; i < c->npos; i++) {
		const struct obs_cursor_pos *p = &c->pos[i];

		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)p->hash);
		e = json_pack("{s:s, s:I, s:s, s:I, s:I}", "name", p->name, "offset",
			      (json_int_t)p->offset, "hash", hex, "len", (json_int_t)p->len,
			      "lineno", (json_int_t)p->lineno);
		if (!e || json_array_append_new(segs, e) < 0)
			goto nomem;
	}
	if (json_object_set(obj, "segments", segs) < 0)
		goto nomem;
	if (c->state && json_object_set(obj, "state", c->state) < 0)
		goto nomem;
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		goto nomem;
	len = strlen(text);
	text[len] = '\n';
	ret = obs_state_write(path, text, len + 1, err);
	goto out;
nomem:
	obs_error_set(err, "out of memory");
out:
	free(text);
	json_decref(segs);
	json_decref(obj);
	return ret;
}

/* ---- streams --------------------------------------------------------------------- */

static void stream_close(struct stream *s)
{
	if (!s)
		return;
	if (s->zinit)
		inflateEnd(&s->z);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

/* Read up to N bytes of content: >0, 0 at the end, -1 with errno, -2 invalid gzip, -3 truncated gzip. */
static ssize_t stream_read(struct stream *s, void *dst, size_t n)
{
	ssize_t got;

	if (!s->gz) {
		do
			got = read(s->fd, dst, n);
		while (got < 0 && errno == EINTR);
		return got;
	}
	if (s->zdone)
		return 0;
	s->z.next_out = dst;
	s->z.avail_out = (uInt)(n > UINT_MAX ? UINT_MAX : n);
	while (s->z.avail_out == (uInt)(n > UINT_MAX ? UINT_MAX : n)) {
		int zr;

		if (s->z.avail_in == 0 && !s->ineof) {
			do
				got = read(s->fd, s->in, sizeof(s->in));
			while (got < 0 && errno == EINTR);
			if (got < 0)
				return -1;
			if (got == 0)
				s->ineof = 1;
			s->z.next_in = s->in;
			s->z.avail_in = (uInt)got;
		}
		if (s->z.avail_in == 0 && s->ineof)
			return -3;
		zr = inflate(&s->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			/* Another member may follow (gzip -d reads them on); anything else ends it. */
			if (s->z.avail_in == 0 && !s->ineof) {
				do
					got = read(s->fd, s->in, sizeof(s->in));
				while (got < 0 && errno == EINTR);
				if (got < 0)
					return -1;
				if (got == 0)
					s->ineof = 1;
				s->z.next_in = s->in;
				s->z.avail_in = (uInt)got;
			}
			if (s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b) {
				inflateReset(&s->z);
			} else {
				s->zdone = 1;
				break;
			}
		} else if (zr == Z_BUF_ERROR) {
			if (s->ineof)
				return -3;
		} else if (zr != Z_OK) {
			return -2;
		}
	}
	return (ssize_t)((n > UINT_MAX ? UINT_MAX : n) - s->z.avail_out);
}

static struct stream *stream_open(const char *path, int gz, struct stat *sb, int *eno)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s) {
		*eno = ENOMEM;
		return NULL;
	}
	s->gz = gz;
	s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (s->fd < 0 || fstat(s->fd, sb) < 0) {
		*eno = errno;
		stream_close(s);
		return NULL;
	}
	if (gz) {
		if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
			*eno = ENOMEM;
			stream_close(s);
			return NULL;
		}
		s->zinit = 1;
	}
	return s;
}

/* ---- the reader ------------------------------------------------------------------ */

static void warnf(struct obs_cursor_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warnf(struct obs_cursor_reader *r, const char *fmt, ...)
{
	char msg[OBS_ERROR_MAX + PATH_MAX];
	va_list ap;

	if (!r->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->warn(r->warn_ctx, msg);
}

static char *seg_path(const struct obs_cursor_reader *r, const struct obs_cursor_seg *s)
{
	size_t n = strlen(r->dir) + strlen(s->name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", r->dir, s->name);
	return p;
}

static struct obs_cursor_seg *seg_find(struct obs_cursor_reader *r, const char *name)
{
	for (size_t i = 0; i < r->nsegs; i++)
		if (!strcmp(r->segs[i].name, name))
			return &r->segs[i];
	return NULL;
}

/* The other segment of the same day (.gz for a plain one and back), or NULL. */
static struct obs_cursor_seg *seg_sibling(struct obs_cursor_reader *r,
					  const struct obs_cursor_seg *s)
{
	char name[32];

	snprintf(name, sizeof(name), "%.10s%s", s->name, s->gz ? ".ndjson" : ".ndjson.gz");
	return seg_find(r, name);
}

/* Oldest day first; for one day the .gz segment first. */
static int seg_cmp(const void *a, const void *b)
{
	const struct obs_cursor_seg *x = a, *y = b;
	int c = strncmp(x->name, y->name, 10);

	return c ? c : y->gz - x->gz;
}

static struct obs_cursor_seg *seg_add(struct obs_cursor_reader *r, const char *name,
				      struct obs_error *err)
{
	struct obs_cursor_seg *s;
	int64_t day;
	int gz;

	if (!obs_cursor_segment_name(name, &day, &gz)) {
		obs_error_set(err, "invalid segment name '%s'", name);
		return NULL;
	}
	if (r->nsegs == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct obs_cursor_seg *grown = realloc(r->segs, ncap * sizeof(*grown));

		if (!grown)
			goto nomem;
		r->segs = grown;
		r->cap = ncap;
	}
	s = &r->segs[r->nsegs];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name)
		goto nomem;
	s->day = day;
	s->gz = gz;
	r->nsegs++;
	return s;
nomem:
	obs_error_set(err, "out of memory");
	return NULL;
}

static void seg_restart(struct obs_cursor_seg *s)
{
	s->off = s->hash = s->len = s->lineno = 0;
	s->have = 1;
}

int obs_cursor_reader_open(struct obs_cursor_reader *r, struct obs_store *st, const char *signal,
			   const struct obs_cursor *c, struct obs_error *err)
{
	size_t n;

	memset(r, 0, sizeof(*r));
	r->cur = NONE;
	n = strlen(signal);
	if (!n || strspn(signal, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return obs_error_set(err, "invalid signal '%s'", signal);
	r->dir = malloc(strlen(st->root) + n + 2);
	if (!r->dir)
		goto nomem;
	sprintf(r->dir, "%s/%s", st->root, signal);
	for (size_t i = 0; c && i < c->npos; i++) {
		struct obs_cursor_seg *s = seg_add(r, c->pos[i].name, err);

		if (!s)
			goto fail;
		s->have = 1;
		s->off = c->pos[i].offset;
		s->hash = c->pos[i].hash;
		s->len = c->pos[i].len;
		s->lineno = c->pos[i].lineno;
	}
	if (obs_cursor_reader_refresh(r, err) < 0)
		goto fail;
	return 0;
nomem:
	obs_error_set(err, "out of memory");
fail:
	obs_cursor_reader_close(r);
	return -1;
}

void obs_cursor_reader_close(struct obs_cursor_reader *r)
{
	stream_close(r->in);
	for (size_t i = 0; i < r->nsegs; i++)
		free(r->segs[i].name);
	free(r->segs);
	free(r->buf);
	free(r->dir);
	free((char *)r->path);
	memset(r, 0, sizeof(*r));
	r->cur = NONE;
}

/*
 * Hash the open segment's last line now, before its bytes in the buffer
 * are moved or overwritten. Lines are hashed lazily: only the last one
 * before a save is ever needed, and hashing every line costs a tenth of
 * an export's time.
 */
static void settle(struct obs_cursor_reader *r)
{
	if (r->pend && r->cur != NONE)
		r->segs[r->cur].hash = obs_cursor_hash(OBS_CURSOR_HASH_INIT, r->pend, r->pend_n);
	r->pend = NULL;
}

static void close_current(struct obs_cursor_reader *r)
{
	settle(r);
	stream_close(r->in);
	r->in = NULL;
	r->cur = NONE;
	r->bstart = r->bend = 0;
	r->discarding = 0;
}

int obs_cursor_reader_refresh(struct obs_cursor_reader *r, struct obs_error *err)
{
	char cur_name[32] = "";
	struct dirent *de;
	DIR *dp;

	if (r->cur != NONE)
		snprintf(cur_name, sizeof(cur_name), "%s", r->segs[r->cur].name);
	for (size_t i = 0; i < r->nsegs; i++)
		if (i != r->cur)
			r->segs[i].present = 0;
	dp = opendir(r->dir);
	if (!dp && errno != ENOENT)
		return obs_error_errno(err, "cannot read '%s'", r->dir);
	for (errno = 0; dp && (de = readdir(dp)); errno = 0) {
		struct obs_cursor_seg *s;

		if (!obs_cursor_segment_name(de->d_name, NULL, NULL))
			continue;
		s = seg_find(r, de->d_name);
		if (!s) {
			s = seg_add(r, de->d_name, err);
			if (!s) {
				closedir(dp);
				return -1;
			}
		}
		s->present = 1;
	}
	if (dp && errno) {
		obs_error_errno(err, "cannot read '%s'", r->dir);
		closedir(dp);
		return -1;
	}
	if (dp)
		closedir(dp);
	if (r->nsegs > 1)
		qsort(r->segs, r->nsegs, sizeof(*r->segs), seg_cmp);
	if (*cur_name)
		r->cur = (size_t)(seg_find(r, cur_name) - r->segs);

	for (size_t i = 0; i < r->nsegs; i++) {
		struct obs_cursor_seg *s = &r->segs[i];
		struct stat sb;
		char *path;

		if (!s->present || i == r->cur)
			continue;
		path = seg_path(r, s);
		if (!path)
			return obs_error_set(err, "out of memory");
		if (stat(path, &sb) < 0) {
			free(path);
			s->present = 0;
			continue;
		}
		if (s->resolved && (sb.st_dev != s->dev || sb.st_ino != s->ino ||
				    (s->gz && (uint64_t)sb.st_size != s->disk))) {
			/* Replaced by another file: check the position again when opening it. */
			s->resolved = 0;
			s->eof = 0;
		} else if (s->resolved && !s->gz && (uint64_t)sb.st_size < s->off) {
			warnf(r, "'%s' shrank under the cursor (truncated or rewritten): reading it "
			      "again from the start", path);
			seg_restart(s);
			s->eof = 0;
			s->torn_told = 0;
			r->restarted++;
		} else if (s->resolved && !s->gz && (uint64_t)sb.st_size > s->off) {
			s->eof = 0;
		}
		s->disk = (uint64_t)sb.st_size;
		free(path);
	}
	return 0;
}

/* Make sure the line buffer exists. */
static int buf_ready(struct obs_cursor_reader *r, struct obs_error *err)
{
	size_t max = r->max_line ? r->max_line : OBS_NDJSON_MAX_LINE;

	if (r->buf)
		return 0;
	r->bcap = max + IN_CHUNK;
	r->buf = malloc(r->bcap + 1);
	if (!r->buf)
		return obs_error_set(err, "out of memory");
	return 0;
}

/* Discard N bytes of content from the open stream. 1 done, 0 ended early, -1 error (ret code in *rc). */
static int stream_skip(struct obs_cursor_reader *r, uint64_t n, ssize_t *rc)
{
	struct stream *in = r->in;

	if (!in->gz) {
		/* The caller checks the size; a seek past the end reads nothing later. */
		if (lseek(in->fd, (off_t)n, SEEK_CUR) < 0) {
			*rc = -1;
			return -1;
		}
		return 1;
	}
	while (n > 0) {
		ssize_t got = stream_read(in, r->buf, n < r->bcap ? (size_t)n : r->bcap);

		if (got < 0) {
			*rc = got;
			return -1;
		}
		if (got == 0)
			return 0;
		n -= (uint64_t)got;
	}
	return 1;
}

/*
 * Whether the open stream (at content offset 0) holds the line (LEN bytes,
 * HASH) ending at OFF, followed by '\n' or, in a .gz segment, by its end
 * (a torn last line, counted as if it had a newline). On 1 the stream is
 * at OFF. 0 no, -1 read error.
 */
static int verify(struct obs_cursor_reader *r, uint64_t off, uint64_t hash, uint64_t len,
		  uint64_t disk, ssize_t *rc)
{
	struct stream *in = r->in;
	uint64_t start, want, h = OBS_CURSOR_HASH_INIT;
	ssize_t got;
	char c;
	int k;

	if (len >= off || (!in->gz && off > disk))
		return 0;
	start = off - len - 1;             /* where the line starts */
	if (start > 0) {
		k = stream_skip(r, start - 1, rc);
		if (k <= 0)
			return k;
		got = stream_read(in, &c, 1);
		if (got < 0)
			goto fail;
		if (got == 0 || c != '\n')
			return 0;
	}
	for (want = len; want > 0; want -= (uint64_t)got) {
		got = stream_read(in, r->buf, want < r->bcap ? (size_t)want : r->bcap);
		if (got < 0)
			goto fail;
		if (got == 0)
			return 0;
		h = obs_cursor_hash(h, r->buf, (size_t)got);
	}
	got = stream_read(in, &c, 1);
	if (got < 0)
		goto fail;
	if (got == 0 ? !in->gz : c != '\n')
		return 0;
	return h == hash;
fail:
	*rc = got;
	return -1;
}

static int read_error(struct obs_cursor_reader *r, const char *path, ssize_t rc,
		      struct obs_error *err)
{
	(void)r;
	if (rc == -2)
		return obs_error_set(err, "'%s': invalid gzip data", path);
	if (rc == -3)
		return obs_error_set(err, "'%s': truncated gzip data", path);
	return obs_error_errno(err, "cannot read '%s'", path);
}

/* Reopen segment S from its start (after a failed check). */
static int reopen(struct obs_cursor_reader *r, const char *path, struct obs_cursor_seg *s,
		  struct stat *sb, int *eno)
{
	stream_close(r->in);
	r->in = stream_open(path, s->gz, sb, eno);
	return r->in ? 0 : -1;
}

/*
 * Open segment I for reading at its position, checked against the file
 * (the line before it must be the one delivered); a segment not opened yet
 * may take over its sibling's position (compressed under the cursor).
 * 1 open, 0 the file is gone, -1 error.
 */
static int open_seg(struct obs_cursor_reader *r, size_t i, struct obs_error *err)
{
	struct obs_cursor_seg *s = &r->segs[i], *sib;
	struct {
		uint64_t off, hash, len, lineno;
		int claims;            /* taking it over claims the sibling's position */
	} cand[3];
	struct stat sb;
	char *path = seg_path(r, s);
	ssize_t rc = 0;
	int eno = 0, k = 0, nc = 0;

	if (!path)
		return obs_error_set(err, "out of memory");
	free((char *)r->path);
	r->path = path;
	r->in = stream_open(path, s->gz, &sb, &eno);
	if (!r->in) {
		if (eno == ENOENT) {
			s->present = 0;
			return 0;
		}
		errno = eno;
		s->eof = 1;
		return obs_error_errno(err, "cannot read '%s'", path);
	}
	r->cur = i;
	s->disk = (uint64_t)sb.st_size;
	/*
	 * Where to start, most likely first. Compaction appends a day's plain
	 * segment to its .gz as a further member, so a .gz may hold its old
	 * content then the plain one: its own position plus the plain's.
	 */
	sib = s->resolved ? NULL : seg_sibling(r, s);
	if (sib && (!sib->have || !sib->off))
		sib = NULL;
	if (sib && s->gz) {
		uint64_t base = s->have ? s->off : 0, lines = s->have ? s->lineno : 0;

		cand[nc].off = base + sib->off;
		cand[nc].hash = sib->hash;
		cand[nc].len = sib->len;
		cand[nc].lineno = lines + sib->lineno;
		cand[nc++].claims = 1;
	}
	if (s->have && s->off > 0) {
		cand[nc].off = s->off;
		cand[nc].hash = s->hash;
		cand[nc].len = s->len;
		cand[nc].lineno = s->lineno;
		cand[nc++].claims = 0;
	}
	if (sib && (!s->gz || (s->have && s->off > 0))) {
		cand[nc].off = sib->off;
		cand[nc].hash = sib->hash;
		cand[nc].len = sib->len;
		cand[nc].lineno = sib->lineno;
		cand[nc++].claims = 1;
	}
	for (int c = 0; c < nc && !k; c++) {
		if (c > 0 && reopen(r, path, s, &sb, &eno) < 0)
			goto open_fail;
		k = verify(r, cand[c].off, cand[c].hash, cand[c].len, s->disk, &rc);
		if (k < 0)
			goto read_fail;
		if (k) {
			s->off = cand[c].off;
			s->hash = cand[c].hash;
			s->len = cand[c].len;
			s->lineno = cand[c].lineno;
			if (cand[c].claims)
				sib->claimed = 1;
		}
	}
	if (!k) {
		if (nc && reopen(r, path, s, &sb, &eno) < 0)
			goto open_fail;
		if (s->have && s->off > 0 && !s->claimed) {
			warnf(r, "'%s' changed under the cursor (rewritten or truncated): reading it "
			      "again from the start", path);
			r->restarted++;
		}
		seg_restart(s);
	}
	s->have = 1;
	s->resolved = 1;
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	r->bstart = r->bend = 0;
	r->discarding = 0;
	return 1;
read_fail:
	read_error(r, path, rc, err);
	s->eof = 1;
	close_current(r);
	return -1;
open_fail:
	errno = eno;
	obs_error_errno(err, "cannot read '%s'", path);
	s->eof = 1;
	close_current(r);
	return -1;
}

/* 1 if the line (without '\n') is only blanks. */
static int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

int obs_cursor_reader_next(struct obs_cursor_reader *r, const char **line, size_t *len,
			   struct obs_error *err)
{
	size_t max = r->max_line ? r->max_line : OBS_NDJSON_MAX_LINE;

	if (buf_ready(r, err) < 0)
		return -1;
	r->line_torn = 0;
	for (;;) {
		struct obs_cursor_seg *s;
		char *nl, *p;
		size_t n;
		ssize_t got;

		if (r->cur == NONE) {
			size_t i;
			int k;

			for (i = 0; i < r->nsegs; i++)
				if (r->segs[i].present && !r->segs[i].eof)
					break;
			if (i == r->nsegs)
				return 0;
			k = open_seg(r, i, err);
			if (k < 0)
				return -1;
			if (k == 0)
				continue;
		}
		s = &r->segs[r->cur];
		r->day = s->day;
		p = r->buf + r->bstart;
		nl = memchr(p, '\n', r->bend - r->bstart);
		if (r->discarding) {
			/* s->off stays at the long line's start until it ends. */
			n = nl ? (size_t)(nl - p) : r->bend - r->bstart;
			r->dhash = obs_cursor_hash(r->dhash, p, n);
			r->dlen += n;
			r->bstart += n;
			if (!nl)
				goto more;
			r->bstart++;
			r->pend = NULL;
			s->off += r->dlen + 1;
			s->hash = r->dhash;
			s->len = r->dlen;
			s->lineno++;
			r->discarding = 0;
			r->skipped++;
			warnf(r, "%s:%llu: line longer than %zu bytes, skipped", r->path,
			      (unsigned long long)s->lineno, max);
			continue;
		}
		if (nl) {
			n = (size_t)(nl - p);
			r->bstart += n + 1;
			s->off += n + 1;
			s->lineno++;
			s->len = n;
			/* This line is the last one now: the one before needs no hash. */
			r->pend = p;
			r->pend_n = n;
			if (blank(p, n))
				continue;
			*nl = '\0';
			*line = p;
			*len = n;
			r->lineno = s->lineno;
			return 1;
		}
		if (r->bend - r->bstart > max) {
			r->discarding = 1;
			r->dhash = OBS_CURSOR_HASH_INIT;
			r->dlen = 0;
			continue;
		}
more:
		settle(r);
		if (r->bstart > 0) {
			memmove(r->buf, r->buf + r->bstart, r->bend - r->bstart);
			r->bend -= r->bstart;
			r->bstart = 0;
		}
		got = stream_read(r->in, r->buf + r->bend, r->bcap - r->bend);
		if (got > 0) {
			r->bend += (size_t)got;
			continue;
		}
		if (got < 0) {
			read_error(r, r->path, got, err);
			/* What could be read is consumed; the rest is lost for good. */
			s->eof = 1;
			close_current(r);
			return -1;
		}
		/* The end of the segment as it is now. */
		n = r->bend - r->bstart;
		if (!n && !r->discarding) {
			s->eof = 1;
			close_current(r);
			continue;
		}
		r->torn++;
		if (!s->gz) {
			/* Maybe still being written, maybe a killed writer: not consumed. */
			if (!s->torn_told)
				warnf(r, "%s:%llu: torn last line (no newline at end), left for a "
				      "later run", r->path, (unsigned long long)s->lineno + 1);
			else
				r->torn--;
			s->torn_told = 1;
			s->eof = 1;
			close_current(r);
			continue;
		}
		/* A closed segment: the torn line counts as a line, as if it had a newline. */
		r->pend = NULL;
		p = r->buf + r->bstart;
		s->lineno++;
		s->eof = 1;
		if (r->discarding) {
			s->off += r->dlen + n + 1;
			s->hash = obs_cursor_hash(r->dhash, p, n);
			s->len = r->dlen + n;
			r->skipped++;
			warnf(r, "%s:%llu: line longer than %zu bytes, skipped", r->path,
			      (unsigned long long)s->lineno, max);
			close_current(r);
			continue;
		}
		s->off += n + 1;
		s->hash = obs_cursor_hash(OBS_CURSOR_HASH_INIT, p, n);
		s->len = n;
		warnf(r, "%s:%llu: torn last line (no newline at end)", r->path,
		      (unsigned long long)s->lineno);
		if (blank(p, n)) {
			close_current(r);
			continue;
		}
		/* The buffer stays until the next call; the stream can go. */
		p[n] = '\0';
		stream_close(r->in);
		r->in = NULL;
		r->cur = NONE;
		r->bstart = r->bend = 0;
		*line = p;
		*len = n;
		r->lineno = s->lineno;
		r->line_torn = 1;
		return 1;
	}
}

int obs_cursor_reader_save(const struct obs_cursor_reader *r, struct obs_cursor *c,
			   struct obs_error *err)
{
	struct obs_cursor nc;

	obs_cursor_init(&nc);
	for (size_t i = 0; i < r->nsegs; i++) {
		const struct obs_cursor_seg *s = &r->segs[i];
		struct obs_cursor_pos p;

		if (!s->have || s->off == 0)
			continue;
		if (!s->present) {
			/* Gone: kept only while its .gz replacement has not taken it over. */
			struct obs_cursor_seg *sib = seg_sibling((struct obs_cursor_reader *)r, s);

			if (s->claimed || s->gz || !sib || !sib->present || sib->resolved)
				continue;
		}
		p.name = s->name;
		p.offset = s->off;
		p.hash = r->pend && i == r->cur ?
			 obs_cursor_hash(OBS_CURSOR_HASH_INIT, r->pend, r->pend_n) : s->hash;
		p.len = s->len;
		p.lineno = s->lineno;
		if (obs_cursor_set(&nc, &p, err) < 0) {
			obs_cursor_release(&nc);
			return -1;
		}
	}
	for (size_t i = 0; i < c->npos; i++)
		free(c->pos[i].name);
	free(c->pos);
	c->pos = nc.pos;
	c->npos = nc.npos;
	return 0;
}

void obs_cursor_reader_progress(const struct obs_cursor_reader *r, uint64_t *done,
				uint64_t *total)
{
	*done = *total = 0;
	for (size_t i = 0; i < r->nsegs; i++) {
		const struct obs_cursor_seg *s = &r->segs[i];
		uint64_t d = 0;

		if (!s->present)
			continue;
		*total += s->disk;
		if (s->eof)
			d = s->disk;
		else if (s->gz && i == r->cur && r->in)
			d = ((struct stream *)r->in)->z.total_in;
		else if (!s->gz && s->have)
			d = s->off;
		*done += d < s->disk ? d : s->disk;
	}
}
