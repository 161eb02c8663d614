/* SPDX-License-Identifier: MIT */
/* Newline-delimited JSON: a streaming reader (plain or gzip) and a buffered writer. */
#include "obs_ndjson.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/*
 * The line buffer holds at most max_line bytes of a line, its '\r', its
 * '\n' (replaced by the NUL) and this much more, so that reads stay large.
 */
#define READ_SLACK (64 * 1024)
/* The buffer starts at this size (or less) and grows only for long lines. */
#define INITIAL_CAP (256 * 1024)
/* Compressed input is read in chunks of this size. */
#define GZ_IN_SIZE (64 * 1024)
#define DEFAULT_MAX_DECOMPRESSED (8ULL << 30)
/* The writer flushes once this much is buffered. */
#define WRITE_BUF (64 * 1024)

struct gz_state {
	z_stream zs;
	int member_done;  /* the current gzip member reached its end */
	int raw_eof;      /* the compressed input is exhausted */
	unsigned char in[GZ_IN_SIZE];
};

static int reader_setup(struct obs_ndjson_reader *r, int fd, int own, const char *name,
			struct obs_error *err)
{
	char fdname[32];

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->own_fd = own;
	r->max_line = OBS_NDJSON_MAX_LINE;
	r->max_decompressed = DEFAULT_MAX_DECOMPRESSED;
	if ((!name && fd == 0) || (name && strcmp(name, "-") == 0)) {
		name = "<stdin>";
	} else if (!name) {
		snprintf(fdname, sizeof(fdname), "<fd %d>", fd);
		name = fdname;
	}
	r->name = strdup(name);
	if (!r->name) {
		r->fd = -1;
		r->own_fd = 0;
		return obs_error_set(err, "out of memory");
	}
	return 0;
}

int obs_ndjson_open(struct obs_ndjson_reader *r, const char *path, struct obs_error *err)
{
	int fd;

	if (strcmp(path, "-") == 0)
		return reader_setup(r, 0, 0, "-", err);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		memset(r, 0, sizeof(*r));
		r->fd = -1;
		return obs_error_errno(err, "cannot open '%s'", path);
	}
	if (reader_setup(r, fd, 1, path, err) < 0) {
		close(fd);
		return -1;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	return 0;
}

int obs_ndjson_fdopen(struct obs_ndjson_reader *r, int fd, int own, const char *name,
		      struct obs_error *err)
{
	if (reader_setup(r, fd, own, name, err) < 0) {
		if (own)
			close(fd);
		return -1;
	}
	return 0;
}

void obs_ndjson_close(struct obs_ndjson_reader *r)
{
	struct gz_state *gz = r->src;

	if (gz) {
		inflateEnd(&gz->zs);
		free(gz);
	}
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->name);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static size_t effective_max_line(const struct obs_ndjson_reader *r)
{
	size_t m = r->max_line ? r->max_line : OBS_NDJSON_MAX_LINE;

	/* Keep max_line + '\r' + '\n' + READ_SLACK from overflowing. */
	if (m > SIZE_MAX / 4)
		m = SIZE_MAX / 4;
	return m;
}

static size_t max_cap(const struct obs_ndjson_reader *r)
{
	return effective_max_line(r) + 2 + READ_SLACK;
}

static ssize_t read_fd(int fd, void *buf, size_t n)
{
	ssize_t got;

	do
		got = read(fd, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

/* read() at most N bytes, stopping at r->end when a seek set one. */
static ssize_t read_limited(struct obs_ndjson_reader *r, void *buf, size_t n)
{
	ssize_t got;

	if (r->end) {
		if (r->fpos >= r->end)
			return 0;
		if (n > r->end - r->fpos)
			n = (size_t)(r->end - r->fpos);
	}
	got = read_fd(r->fd, buf, n);
	if (got > 0)
		r->fpos += (size_t)got;
	return got;
}

/*
 * Allocate the line buffer and look at the first two bytes: the gzip magic
 * switches the reader to inflating. The bytes read for the check stay in
 * the line buffer (plain) or move to the compressed input (gzip).
 */
static int reader_start(struct obs_ndjson_reader *r, struct obs_error *err)
{
	size_t cap = max_cap(r);
	struct gz_state *gz;
	size_t first = 0;
	ssize_t got;

	if (cap > INITIAL_CAP)
		cap = INITIAL_CAP;
	r->buf = malloc(cap);
	if (!r->buf)
		return obs_error_set(err, "out of memory");
	r->cap = cap;
	r->len = r->pos = 0;

	/* A pipe may hand over one byte at a time: insist on two or EOF. */
	if (cap > GZ_IN_SIZE)
		cap = GZ_IN_SIZE;
	while (first < 2) {
		got = read_fd(r->fd, r->buf + first, cap - first);
		if (got < 0)
			return obs_error_errno(err, "cannot read '%s'", r->name);
		if (got == 0) {
			r->eof = 1;
			break;
		}
		first += (size_t)got;
	}
	if (first < 2 || (unsigned char)r->buf[0] != 0x1f || (unsigned char)r->buf[1] != 0x8b) {
		r->len = first;
		r->total = first;
		return 0;
	}

	gz = calloc(1, sizeof(*gz));
	if (!gz)
		return obs_error_set(err, "out of memory");
	/* 16 + MAX_WBITS: gzip wrapper only. */
	if (inflateInit2(&gz->zs, 16 + MAX_WBITS) != Z_OK) {
		free(gz);
		return obs_error_set(err, "'%s': cannot initialise zlib", r->name);
	}
	memcpy(gz->in, r->buf, first);
	gz->zs.next_in = gz->in;
	gz->zs.avail_in = (uInt)first;
	gz->raw_eof = r->eof;
	r->eof = 0;
	r->src = gz;
	return 0;
}

/* Inflate more bytes into buf[len..cap). Returns bytes added, 0 at end, -1. */
static ssize_t gz_fill(struct obs_ndjson_reader *r, struct obs_error *err)
{
	struct gz_state *gz = r->src;
	z_stream *zs = &gz->zs;
	size_t room, made;
	ssize_t got;
	int ret;

	for (;;) {
		if (zs->avail_in == 0 && !gz->raw_eof) {
			got = read_limited(r, gz->in, sizeof(gz->in));
			if (got < 0)
				return obs_error_errno(err, "cannot read '%s'", r->name);
			if (got == 0)
				gz->raw_eof = 1;
			zs->next_in = gz->in;
			zs->avail_in = (uInt)got;
		}
		if (gz->member_done) {
			/* Input is read above whenever it runs out: empty means the end. */
			if (zs->avail_in == 0)
				return 0;
			/*
			 * Another member follows (as `cat a.gz b.gz` makes), or
			 * trailing garbage, which gzip(1) and zlib's gzread ignore.
			 */
			if (zs->next_in[0] != 0x1f) {
				zs->avail_in = 0;
				gz->raw_eof = 1;
				return 0;
			}
			if (inflateReset(zs) != Z_OK)
				return obs_error_set(err, "'%s': cannot reset zlib", r->name);
			gz->member_done = 0;
		}
		/* A seek to the end of the file: no member begins there. */
		if (zs->avail_in == 0 && gz->raw_eof && zs->total_in == 0)
			return 0;

		room = r->cap - r->len;
		zs->next_out = (unsigned char *)r->buf + r->len;
		zs->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		room = zs->avail_out;
		ret = inflate(zs, Z_NO_FLUSH);
		made = room - zs->avail_out;
		/* With all input in, zlib may still hold output: only no progress is truncation. */
		if (ret == Z_BUF_ERROR && made == 0 && zs->avail_in == 0 && gz->raw_eof)
			return obs_error_set(err, "'%s': truncated gzip input", r->name);
		r->len += made;
		r->total += made;
		if (ret == Z_STREAM_END)
			gz->member_done = 1;
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
			return obs_error_set(err, "'%s': invalid gzip data: %s", r->name,
					     zs->msg ? zs->msg : "corrupt stream");
		if (r->max_decompressed && r->total > r->max_decompressed)
			return obs_error_set(err, "'%s': decompressed data exceeds the limit of %zu bytes",
					     r->name, r->max_decompressed);
		if (made)
			return (ssize_t)made;
	}
}

/*
 * Make room and read more input after buf[len]. Moves the unread bytes to
 * the front (callers re-derive offsets from pos) and grows the buffer up to
 * max_cap() when a line needs it. Returns bytes added, 0 at end, -1.
 */
static ssize_t reader_fill(struct obs_ndjson_reader *r, struct obs_error *err)
{
	ssize_t got;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == r->cap) {
		size_t limit = max_cap(r), ncap = r->cap * 2;
		char *nbuf;

		if (ncap > limit || ncap < r->cap)
			ncap = limit;
		nbuf = realloc(r->buf, ncap);
		if (!nbuf)
			return obs_error_set(err, "out of memory");
		r->buf = nbuf;
		r->cap = ncap;
	}
	if (r->src)
		return gz_fill(r, err);
	got = read_limited(r, r->buf + r->len, r->cap - r->len);
	if (got < 0)
		return obs_error_errno(err, "cannot read '%s'", r->name);
	r->len += (size_t)got;
	r->total += (size_t)got;
	return got;
}

/*
 * Report a bad line: an error in strict mode, else counted and warned
 * about (with ", skipped" appended when SAY_SKIPPED).
 */
static int bad_line(struct obs_ndjson_reader *r, struct obs_error *err, int say_skipped,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bad_line(struct obs_ndjson_reader *r, struct obs_error *err, int say_skipped,
		    const char *fmt, ...)
{
	struct obs_error msg;
	char reason[OBS_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (r->strict)
		return obs_error_set(err, "%s:%lu: %s", r->name, r->lineno, reason);
	r->skipped++;
	if (r->warn) {
		obs_error_set(&msg, "%s:%lu: %s%s", r->name, r->lineno, reason,
			      say_skipped ? ", skipped" : "");
		r->warn(r->warn_ctx, msg.msg);
	}
	return 0;
}

static void warn_torn(struct obs_ndjson_reader *r, const char *suffix)
{
	struct obs_error msg;

	if (!r->warn)
		return;
	obs_error_set(&msg, "%s:%lu: torn last line (no newline at end)%s", r->name, r->lineno,
		      suffix);
	r->warn(r->warn_ctx, msg.msg);
}

static int is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/*
 * Throw away the rest of an over-long line, reading until its newline or
 * the end of input; memory stays at the current buffer size.
 */
static int discard_line(struct obs_ndjson_reader *r, struct obs_error *err)
{
	char *nl;
	ssize_t got;

	/* Not at the end yet: the line was found too long before the last read. */
	r->pos = r->len = 0;
	for (;;) {
		got = reader_fill(r, err);
		if (got < 0)
			return -1;
		if (got == 0) {
			r->eof = 1;
			r->torn = 1;
			return 0;
		}
		nl = memchr(r->buf, '\n', r->len);
		if (nl) {
			r->pos = (size_t)(nl - r->buf) + 1;
			return 0;
		}
		r->len = 0;
	}
}

/*
 * keep_long: return the first MAX bytes of the line at P, fewer when the
 * cut would split a UTF-8 character (at most 3 bytes back, so that binary
 * garbage still gives a line). The byte after it is overwritten with the
 * NUL: it belongs to the part of the line that is dropped.
 */
static int cut_line(struct obs_ndjson_reader *r, char *p, size_t max, char **line, size_t *len)
{
	size_t n = max, back = 0;

	while (n > 0 && back < 3 && ((unsigned char)p[n] & 0xc0) == 0x80) {
		n--;
		back++;
	}
	if (back == 3 && ((unsigned char)p[n] & 0xc0) == 0x80)
		n = max;
	if (back && n < max && (unsigned char)p[n] < 0xc0)
		n = max;  /* not a character start after all: garbage, cut where asked */
	p[n] = '\0';
	*line = p;
	*len = n;
	r->cut = 1;
	r->cuts++;
	return 1;
}

/*
 * The line machine shared by next_line and next: returns 1 with a line
 * (*torn set when it is a final line without newline), 0 at end, -1. Does
 * not warn about torn lines, so that next can word it.
 */
static int next_raw(struct obs_ndjson_reader *r, char **line, size_t *len, int *torn,
		    struct obs_error *err)
{
	size_t max_line, scan, start, n, off;
	char *nl, *p;
	ssize_t got;
	int last;

	*torn = 0;
	if (r->eof < 0)
		return obs_error_set(err, "'%s': cannot read on after an earlier error", r->name);
	if (!r->buf && reader_start(r, err) < 0)
		goto fail;
	max_line = effective_max_line(r);
	r->cut = 0;
	if (r->discard) {
		/* Everything buffered belongs to the line that was returned cut. */
		r->discard = 0;
		r->pos = r->len;
		if (discard_line(r, err) < 0)
			goto fail;
	}
	scan = r->pos;
	for (;;) {
		nl = memchr(r->buf + scan, '\n', r->len - scan);
		last = 0;
		if (nl) {
			start = r->pos;
			n = (size_t)(nl - r->buf) - start;
			r->pos = start + n + 1;
		} else if (r->len - r->pos > max_line + 1) {
			/* Longer than any acceptable line already, newline or not. */
			r->lineno++;
			if (r->keep_long) {
				/* Hand over its start now; the rest goes on the next call. */
				r->discard = 1;
				return cut_line(r, r->buf + r->pos, max_line, line, len);
			}
			if (discard_line(r, err) < 0)
				goto fail;
			if (bad_line(r, err, 1, "line longer than %zu bytes", max_line) < 0)
				return -1;
			scan = r->pos;
			continue;
		} else if (r->eof) {
			if (r->len == r->pos)
				return 0;
			/*
			 * There is room for the NUL: the last fill moved this
			 * line to the front, and it is at most max_line + 1 long.
			 */
			start = r->pos;
			n = r->len - start;
			r->pos = r->len;
			last = 1;
		} else {
			off = r->len - r->pos;
			got = reader_fill(r, err);
			if (got < 0)
				goto fail;
			if (got == 0)
				r->eof = 1;
			scan = r->pos + off;
			continue;
		}

		r->lineno++;
		p = r->buf + start;
		if (n && p[n - 1] == '\r')
			n--;
		scan = r->pos;
		/*
		 * Length first: a line too long to hold is judged before its
		 * content is seen, so one held in full must be judged alike.
		 */
		if (n > max_line) {
			if (last)
				r->torn = 1;
			if (r->keep_long) {
				*torn = last;
				return cut_line(r, p, max_line, line, len);
			}
			if (bad_line(r, err, 1, "line longer than %zu bytes", max_line) < 0)
				return -1;
			continue;
		}
		if (n == 0 || ((p[0] == ' ' || p[0] == '\t' || p[0] == '\r') && is_blank(p, n)))
			continue;
		if (last)
			r->torn = 1;
		p[n] = '\0';
		*line = p;
		*len = n;
		*torn = last;
		return 1;
	}
fail:
	r->eof = -1;
	return -1;
}

int obs_ndjson_next_line(struct obs_ndjson_reader *r, const char **line, size_t *len,
			 struct obs_error *err)
{
	char *p;
	size_t n;
	int torn, rc;

	rc = next_raw(r, &p, &n, &torn, err);
	if (rc != 1)
		return rc;
	if (torn)
		warn_torn(r, "");
	*line = p;
	if (len)
		*len = n;
	return 1;
}

int obs_ndjson_seek(struct obs_ndjson_reader *r, unsigned long long off, unsigned long long end,
		    unsigned long skipped_lines, struct obs_error *err)
{
	struct gz_state *gz;

	if (r->eof < 0)
		return obs_error_set(err, "'%s': cannot read on after an earlier error", r->name);
	/* The first bytes tell plain from gzip; what was read for that is dropped below. */
	if (!r->buf && reader_start(r, err) < 0) {
		r->eof = -1;
		return -1;
	}
	if (off > (unsigned long long)INT64_MAX || lseek(r->fd, (off_t)off, SEEK_SET) < 0)
		return obs_error_errno(err, "cannot seek in '%s'", r->name);
	gz = r->src;
	if (gz) {
		/* OFF starts a gzip member. */
		if (inflateReset(&gz->zs) != Z_OK)
			return obs_error_set(err, "'%s': cannot reset zlib", r->name);
		gz->zs.avail_in = 0;
		gz->member_done = gz->raw_eof = 0;
	}
	r->len = r->pos = 0;
	r->eof = 0;
	r->discard = 0;
	r->fpos = off;
	r->end = end;
	r->lineno += skipped_lines;
	return 0;
}


int obs_ndjson_line_ready(const struct obs_ndjson_reader *r)
{
	if (r->src || r->eof || r->fd < 0)
		return 1;
	return r->pos < r->len && memchr(r->buf + r->pos, '\n', r->len - r->pos) != NULL;
}

int obs_ndjson_next(struct obs_ndjson_reader *r, json_t **obj, struct obs_error *err)
{
	json_error_t jerr;
	json_t *v;
	char *p;
	size_t n;
	int torn, rc;

	*obj = NULL;
	for (;;) {
		rc = next_raw(r, &p, &n, &torn, err);
		if (rc != 1)
			return rc;
		v = json_loadb(p, n, JSON_DECODE_ANY, &jerr);
		if (v && json_is_object(v)) {
			if (torn)
				warn_torn(r, "");
			*obj = v;
			return 1;
		}
		/* A writer killed mid-line is expected damage, not bad input. */
		if (torn) {
			json_decref(v);
			r->skipped++;
			warn_torn(r, ", skipped");
			continue;
		}
		if (v) {
			json_decref(v);
			rc = bad_line(r, err, 0, "not a JSON object");
		} else if (jerr.column > 0) {
			rc = bad_line(r, err, 0, "invalid JSON: %s at column %d", jerr.text, jerr.column);
		} else {
			/* jansson gives no column for bytes that are not UTF-8. */
			rc = bad_line(r, err, 0, "invalid JSON: %s", jerr.text);
		}
		if (rc < 0)
			return -1;
	}
}

/* ---- writer ------------------------------------------------------------ */

void obs_ndjson_writer_init(struct obs_ndjson_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
}

void obs_ndjson_writer_release(struct obs_ndjson_writer *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

static int write_failed(struct obs_ndjson_writer *w, struct obs_error *err)
{
	w->len = 0;
	return obs_error_set(err, "write error: %s", strerror(w->failed));
}

/* Ensure room for N more bytes; the buffer grows past WRITE_BUF only for a big record. */
static int writer_reserve(struct obs_ndjson_writer *w, size_t n, struct obs_error *err)
{
	size_t ncap;
	char *nbuf;

	if (w->cap - w->len >= n)
		return 0;
	ncap = w->cap ? w->cap : WRITE_BUF;
	while (ncap - w->len < n) {
		if (ncap > SIZE_MAX / 4)
			return obs_error_set(err, "out of memory");
		ncap *= 2;
	}
	nbuf = realloc(w->buf, ncap);
	if (!nbuf)
		return obs_error_set(err, "out of memory");
	w->buf = nbuf;
	w->cap = ncap;
	return 0;
}

int obs_ndjson_flush(struct obs_ndjson_writer *w, struct obs_error *err)
{
	size_t done = 0;
	ssize_t n;

	if (w->failed)
		return write_failed(w, err);
	while (done < w->len) {
		n = write(w->fd, w->buf + done, w->len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->failed = errno;
			return write_failed(w, err);
		}
		if (n == 0) {
			w->failed = EIO;
			return write_failed(w, err);
		}
		done += (size_t)n;
	}
	w->len = 0;
	return 0;
}

static int writer_after_line(struct obs_ndjson_writer *w, struct obs_error *err)
{
	if (w->len >= WRITE_BUF)
		return obs_ndjson_flush(w, err);
	return 0;
}

struct dump_ctx {
	struct obs_ndjson_writer *w;
	int oom;
};

static int dump_to_writer(const char *buf, size_t size, void *data)
{
	struct dump_ctx *ctx = data;

	if (writer_reserve(ctx->w, size, NULL) < 0) {
		ctx->oom = 1;
		return -1;
	}
	memcpy(ctx->w->buf + ctx->w->len, buf, size);
	ctx->w->len += size;
	return 0;
}

/* Fewest significant digits (1..17) that read back as exactly V. */
static int shortest_digits(double v)
{
	char buf[40];
	int p;

	for (p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return p;
	}
	return 17;
}

/* The most digits any real in V needs to round-trip (0 if it has none). */
static int real_precision(const json_t *v)
{
	const char *key;
	const json_t *item;
	size_t i;
	int p = 0, q;

	if (json_is_real(v))
		return shortest_digits(json_real_value(v));
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item)
			if ((q = real_precision(item)) > p)
				p = q;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
			if ((q = real_precision(item)) > p)
				p = q;
	}
	return p;
}

/* json_dumps flags for OBJ: compact, reals as short as round-tripping allows. */
static size_t dump_flags(const json_t *obj)
{
	int prec = real_precision(obj);

	return JSON_COMPACT | (prec ? JSON_REAL_PRECISION(prec) : 0);
}

int obs_ndjson_write(struct obs_ndjson_writer *w, const json_t *obj, struct obs_error *err)
{
	struct dump_ctx ctx = { w, 0 };
	size_t start;

	if (w->failed)
		return write_failed(w, err);
	if (!json_is_object(obj) && !json_is_array(obj))
		return obs_error_set(err, "cannot write JSON value: not an object or array");
	/* The record goes in whole or not at all. */
	start = w->len;
	if (json_dump_callback(obj, dump_to_writer, &ctx, dump_flags(obj)) < 0 ||
	    writer_reserve(w, 1, NULL) < 0) {
		w->len = start;
		return obs_error_set(err, ctx.oom ? "out of memory" : "cannot serialise JSON value");
	}
	w->buf[w->len++] = '\n';
	return writer_after_line(w, err);
}

int obs_ndjson_write_raw(struct obs_ndjson_writer *w, const char *line, size_t len,
			 struct obs_error *err)
{
	if (w->failed)
		return write_failed(w, err);
	if (len >= SIZE_MAX - 1 || writer_reserve(w, len + 1, err) < 0)
		return obs_error_set(err, "out of memory");
	memcpy(w->buf + w->len, line, len);
	w->len += len;
	w->buf[w->len++] = '\n';
	return writer_after_line(w, err);
}

char *obs_json_dump_line(const json_t *obj, size_t *len)
{
	char *s = obj ? json_dumps(obj, dump_flags(obj)) : NULL;

	if (len)
		*len = s ? strlen(s) : 0;
	return s;
}
