/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_ndjson: the streaming reader (plain, gzip) and the buffered writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_ndjson.h"

static char tmpdir[64];

/* Impossible allocations must fail with NULL under ASan too, as under libc. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* ---- fixtures ---------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/obs-test-ndjson.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* EPIPE must come back as an error, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Paths live in a ring of buffers, so a few can be held at once. */
static char *path_of(const char *name)
{
	static char paths[8][256];
	static unsigned next;
	char *path = paths[next++ % 8];

	snprintf(path, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return path;
}

static char *write_file(const char *name, const void *data, size_t len)
{
	char *path = path_of(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static char *write_str(const char *name, const char *data)
{
	return write_file(name, data, strlen(data));
}

/* Written with zlib's own gzip writer, as `gzip` or a compaction would. */
static char *write_gz(const char *name, const void *data, size_t len, const char *mode)
{
	char *path = path_of(name);
	gzFile gz = gzopen(path, mode);

	assert_non_null(gz);
	if (len)
		assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
	return path;
}

static size_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

static char *read_back(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = file_size(path) + 1;
	char *buf = malloc(cap);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, cap, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

struct warns {
	int n;
	char msg[8][OBS_ERROR_MAX];
};

static void collect(void *ctx, const char *msg)
{
	struct warns *w = ctx;

	if (w->n < 8)
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	w->n++;
}

static void open_ok(struct obs_ndjson_reader *r, const char *path, struct warns *w)
{
	struct obs_error err;

	if (obs_ndjson_open(r, path, &err) != 0)
		fail_msg("open '%s': %s", path, err.msg);
	memset(w, 0, sizeof(*w));
	r->warn = collect;
	r->warn_ctx = w;
}

/*
 * All lines as "LINENO:text" joined by '|', until end or error; the
 * return code of the last call goes to *rc.
 */
static char *all_lines(struct obs_ndjson_reader *r, int *rc, struct obs_error *err)
{
	static char out[8192];
	const char *line;
	size_t len, used = 0;

	out[0] = '\0';
	while ((*rc = obs_ndjson_next_line(r, &line, &len, err)) == 1) {
		assert_int_equal(strlen(line), len);
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%lu:%s", used ? "|" : "",
					 r->lineno, line);
		assert_true(used < sizeof(out));
	}
	return out;
}

/* ---- reader: lines ----------------------------------------------------- */

static void test_lines_basic(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	int rc;

	(void)state;
	open_ok(&r, write_str("basic", "{\"a\":1}\n\n  \n\t\r\n{\"b\":2}\r\nx\n\r\n"), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|5:{\"b\":2}|6:x");
	assert_int_equal(rc, 0);
	assert_int_equal(r.torn, 0);
	assert_int_equal(r.skipped, 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(r.total, 28);
	/* End of input stays the end. */
	assert_int_equal(obs_ndjson_next_line(&r, &(const char *){ NULL }, NULL, &err), 0);
	obs_ndjson_close(&r);
	/* Closing twice is harmless. */
	obs_ndjson_close(&r);

	/* Leading blanks are kept when the line has more; a huge limit is fine. */
	open_ok(&r, write_str("indent", "  {\"a\":1}\n\t x \n"), &w);
	r.max_line = SIZE_MAX;
	assert_string_equal(all_lines(&r, &rc, &err), "1:  {\"a\":1}|2:\t x ");
	assert_int_equal(rc, 0);
	obs_ndjson_close(&r);
}

static void test_lines_empty(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	int rc;

	(void)state;
	open_ok(&r, write_str("empty", ""), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "");
	assert_int_equal(rc, 0);
	obs_ndjson_close(&r);

	open_ok(&r, write_str("blank", "\n\n\r\n  \n"), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "");
	assert_int_equal(rc, 0);
	assert_int_equal(r.torn, 0);
	obs_ndjson_close(&r);

	/* A blank final fragment is not a torn record. */
	open_ok(&r, write_str("blank-end", "a\n \r"), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:a");
	assert_int_equal(r.torn, 0);
	assert_int_equal(w.n, 0);
	obs_ndjson_close(&r);

	/* One byte: too short for the gzip check, read as plain. */
	open_ok(&r, write_str("one", "\x1f"), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:\x1f");
	assert_int_equal(r.torn, 1);
	obs_ndjson_close(&r);
}

static void test_lines_torn(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	char *path;
	int rc;

	(void)state;
	path = write_str("torn", "{\"a\":1}\n{\"b\":");
	open_ok(&r, path, &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":");
	assert_int_equal(rc, 0);
	assert_int_equal(r.torn, 1);
	assert_int_equal(w.n, 1);
	snprintf(err.msg, sizeof(err.msg), "%s:2: torn last line (no newline at end)", path);
	assert_string_equal(w.msg[0], err.msg);
	assert_int_equal(r.skipped, 0);
	obs_ndjson_close(&r);

	/* A torn line with '\r' loses it too. */
	open_ok(&r, write_str("torn-cr", "a\r\nb\r"), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:a|2:b");
	assert_int_equal(r.torn, 1);
	assert_int_equal(w.n, 1);
	obs_ndjson_close(&r);

	/* Without a warn callback: still returned, still flagged. */
	assert_int_equal(obs_ndjson_open(&r, path_of("torn"), &err), 0);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":");
	assert_int_equal(r.torn, 1);
	obs_ndjson_close(&r);
}

static void test_lines_limit(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	char data[1024], *path, want[600];
	size_t n = 0;
	int rc;

	(void)state;
	/* max_line 100: 100 bytes pass, with or without '\r'; 101 do not. */
	memset(data, 0, sizeof(data));
	memset(data + n, 'a', 100), n += 100, data[n++] = '\n';
	memset(data + n, 'b', 101), n += 101, data[n++] = '\n';
	memset(data + n, 'c', 100), n += 100, data[n++] = '\r', data[n++] = '\n';
	memset(data + n, 'd', 100), n += 100, data[n++] = '\r', data[n++] = '\r', data[n++] = '\n';
	data[n++] = 'e', data[n++] = '\n';
	memset(data + n, 'f', 101), n += 101;  /* torn and too long */
	path = write_file("limit", data, n);
	open_ok(&r, path, &w);
	r.max_line = 100;
	all_lines(&r, &rc, &err);
	assert_int_equal(rc, 0);
	/* After the end, lineno counts every line read, skipped ones too. */
	assert_int_equal(r.lineno, 6);
	assert_int_equal(r.skipped, 3);
	assert_int_equal(r.torn, 1);
	assert_int_equal(w.n, 3);
	snprintf(want, sizeof(want), "%s:2: line longer than 100 bytes, skipped", path);
	assert_string_equal(w.msg[0], want);
	snprintf(want, sizeof(want), "%s:4: line longer than 100 bytes, skipped", path);
	assert_string_equal(w.msg[1], want);
	snprintf(want, sizeof(want), "%s:6: line longer than 100 bytes, skipped", path);
	assert_string_equal(w.msg[2], want);
	obs_ndjson_close(&r);

	/* The lines that pass come back whole. */
	open_ok(&r, path, &w);
	r.max_line = 100;
	{
		const char *line;
		size_t len;

		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
		assert_int_equal(len, 100);
		assert_int_equal(r.lineno, 1);
		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
		assert_int_equal(len, 100);
		assert_int_equal(line[0], 'c');
		assert_int_equal(r.lineno, 3);
		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
		assert_string_equal(line, "e");
		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 0);
	}
	obs_ndjson_close(&r);

	/* Strict: the first long line is an error; reading may go on after it. */
	open_ok(&r, path, &w);
	r.max_line = 100;
	r.strict = 1;
	{
		const char *line;
		size_t len;

		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), -1);
		snprintf(want, sizeof(want), "%s:2: line longer than 100 bytes", path);
		assert_string_equal(err.msg, want);
		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
		assert_int_equal(line[0], 'c');
		assert_int_equal(r.lineno, 3);
	}
	assert_int_equal(r.skipped, 0);
	assert_int_equal(w.n, 0);
	obs_ndjson_close(&r);

	/*
	 * A blank line over the limit is too long too, whether it fits in
	 * the buffer (here) or not (the 20-space torn line: judged unread).
	 */
	open_ok(&r, write_str("long-blank", "a\n            \nb\n                    "), &w);
	r.max_line = 8;
	assert_string_equal(all_lines(&r, &rc, &err), "1:a|3:b");
	assert_int_equal(rc, 0);
	assert_int_equal(r.skipped, 2);
	assert_int_equal(r.torn, 1);
	snprintf(want, sizeof(want), "%s:2: line longer than 8 bytes, skipped", path_of("long-blank"));
	assert_string_equal(w.msg[0], want);
	snprintf(want, sizeof(want), "%s:4: line longer than 8 bytes, skipped", path_of("long-blank"));
	assert_string_equal(w.msg[1], want);
	obs_ndjson_close(&r);

	/* Zero means the default limit. */
	open_ok(&r, path_of("limit"), &w);
	r.max_line = 0;
	all_lines(&r, &rc, &err);
	assert_int_equal(r.skipped, 0);
	assert_int_equal(r.lineno, 6);
	obs_ndjson_close(&r);
}

/* A line of LEN bytes of 'x' between two short lines. */
static char *long_line_file(const char *name, size_t len, int gz)
{
	char *data = malloc(len + 17);
	char *path;

	assert_non_null(data);
	memcpy(data, "{\"a\":1}\n", 8);
	memset(data + 8, 'x', len);
	memcpy(data + 8 + len, "\n{\"b\":2}\n", 9);
	path = gz ? write_gz(name, data, len + 17, "wb1") : write_file(name, data, len + 17);
	free(data);
	return path;
}

static void test_lines_huge(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	char want[600];
	int rc, gz;

	(void)state;
	for (gz = 0; gz <= 1; gz++) {
		/* 20 MiB against a 4 KiB limit: memory stays at the limit. */
		char *path = long_line_file(gz ? "huge.gz" : "huge", 20 << 20, gz);

		open_ok(&r, path, &w);
		r.max_line = 4096;
		assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|3:{\"b\":2}");
		assert_int_equal(rc, 0);
		assert_true(r.cap <= 4096 + 2 + 64 * 1024);
		assert_int_equal(r.skipped, 1);
		assert_int_equal(w.n, 1);
		snprintf(want, sizeof(want), "%s:2: line longer than 4096 bytes, skipped", path);
		assert_string_equal(w.msg[0], want);
		obs_ndjson_close(&r);

		/* Strict: an error once the line is passed; the next line follows. */
		open_ok(&r, path, &w);
		r.max_line = 4096;
		r.strict = 1;
		{
			const char *line;

			assert_int_equal(obs_ndjson_next_line(&r, &line, NULL, &err), 1);
			assert_int_equal(obs_ndjson_next_line(&r, &line, NULL, &err), -1);
			snprintf(want, sizeof(want), "%s:2: line longer than 4096 bytes", path);
			assert_string_equal(err.msg, want);
			assert_int_equal(obs_ndjson_next_line(&r, &line, NULL, &err), 1);
			assert_string_equal(line, "{\"b\":2}");
			assert_int_equal(r.lineno, 3);
		}
		assert_true(r.cap <= 4096 + 2 + 64 * 1024);
		obs_ndjson_close(&r);
	}
}

/* keep_long: an over-long line comes back cut, with cut set; no warning, strict or not. */
static void test_lines_keep_long(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	const char *line;
	size_t len;
	int gz, strict;

	(void)state;
	for (gz = 0; gz <= 1; gz++) {
		/* 20 MiB against a 4 KiB limit: held in the buffer only in part. */
		char *path = long_line_file(gz ? "keep.gz" : "keep", 20 << 20, gz);

		for (strict = 0; strict <= 1; strict++) {
			open_ok(&r, path, &w);
			r.max_line = 4096;
			r.keep_long = 1;
			r.strict = strict;
			assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
			assert_int_equal(r.cut, 0);
			assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
			assert_int_equal(len, 4096);
			assert_int_equal(strlen(line), 4096);
			assert_int_equal(strspn(line, "x"), 4096);
			assert_int_equal(r.cut, 1);
			assert_int_equal(r.lineno, 2);
			assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
			assert_string_equal(line, "{\"b\":2}");
			assert_int_equal(r.cut, 0);
			assert_int_equal(r.lineno, 3);
			assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 0);
			assert_int_equal(r.cuts, 1);
			assert_int_equal(r.skipped, 0);
			assert_int_equal(w.n, 0);
			assert_true(r.cap <= 4096 + 2 + 64 * 1024);
			obs_ndjson_close(&r);
		}
	}

	/* Held whole (newline in the buffer); a cut never splits a UTF-8 character. */
	open_ok(&r, write_str("keep-utf8", "ab\xc3\xa9z\nxyz\n\xe2\x82\xac\xe2\x82\xac\n"
					   "\x80\x80\x80\x80\x80\x80\nend"), &w);
	r.max_line = 3;
	r.keep_long = 1;
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_string_equal(line, "ab");
	assert_int_equal(r.cut, 1);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_string_equal(line, "xyz");
	assert_int_equal(r.cut, 0);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_string_equal(line, "\xe2\x82\xac");
	assert_int_equal(r.cut, 1);
	/* Not UTF-8 at all: cut where asked. */
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_int_equal(len, 3);
	assert_int_equal(r.cut, 1);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_string_equal(line, "end");
	assert_int_equal(r.torn, 1);
	assert_int_equal(r.cuts, 3);
	obs_ndjson_close(&r);

	/* A long last line without newline, longer than the buffer: cut, then the end. */
	{
		char *data = malloc(300000);
		char *path;

		assert_non_null(data);
		memset(data, 'y', 300000);
		path = write_file("keep-torn", data, 300000);
		free(data);
		open_ok(&r, path, &w);
		r.max_line = 1000;
		r.keep_long = 1;
		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
		assert_int_equal(len, 1000);
		assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 0);
		assert_int_equal(r.lineno, 1);
		assert_int_equal(r.torn, 1);
		obs_ndjson_close(&r);
	}
	/* Garbage ending in continuation bytes after an ASCII byte: cut where asked. */
	open_ok(&r, write_str("keep-cont", "a\x80\x80\x80\x80\n"), &w);
	r.max_line = 2;
	r.keep_long = 1;
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_int_equal(len, 2);
	obs_ndjson_close(&r);
}

static void test_lines_default_limit(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	const char *line;
	size_t len;
	char *path;

	(void)state;
	/* Exactly 1 MiB is accepted: the buffer grows to hold it, and no further. */
	path = long_line_file("mib", OBS_NDJSON_MAX_LINE, 0);
	open_ok(&r, path, &w);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_int_equal(len, OBS_NDJSON_MAX_LINE);
	assert_int_equal(line[0], 'x');
	assert_int_equal(line[len - 1], 'x');
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"b\":2}");
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 0);
	assert_true(r.cap >= OBS_NDJSON_MAX_LINE + 1);
	assert_true(r.cap <= OBS_NDJSON_MAX_LINE + 2 + 64 * 1024);
	obs_ndjson_close(&r);

	path = long_line_file("mib1", OBS_NDJSON_MAX_LINE + 1, 0);
	open_ok(&r, path, &w);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"b\":2}");
	assert_int_equal(r.lineno, 3);
	assert_int_equal(r.skipped, 1);
	obs_ndjson_close(&r);

	/* Torn and too long at once: skipped, and flagged torn. */
	{
		size_t n = 3 << 20;
		char *data = malloc(n);

		assert_non_null(data);
		memset(data, 'y', n);
		path = write_file("huge-torn", data, n);
		free(data);
	}
	open_ok(&r, path, &w);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 0);
	assert_int_equal(r.torn, 1);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.lineno, 1);
	assert_int_equal(w.n, 1);
	obs_ndjson_close(&r);
}

/* ---- reader: JSON ------------------------------------------------------ */

static void test_next_objects(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	json_t *obj;
	char *path, want[700];
	int rc;

	(void)state;
	path = write_str("objs", "{\"a\":1}\n[1,2]\n42\n\"s\"\nnull\n{bad\n{\"b\":\"x\"} y\n"
			 "\n{\"c\":true}\r\n\xff\n{\"d\":1}");
	open_ok(&r, path, &w);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
	assert_int_equal(json_integer_value(json_object_get(obj, "a")), 1);
	assert_int_equal(r.lineno, 1);
	json_decref(obj);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
	assert_true(json_is_true(json_object_get(obj, "c")));
	assert_int_equal(r.lineno, 9);
	json_decref(obj);
	assert_int_equal(r.skipped, 6);
	assert_int_equal(w.n, 6);
	snprintf(want, sizeof(want), "%s:2: not a JSON object", path);
	assert_string_equal(w.msg[0], want);
	snprintf(want, sizeof(want), "%s:3: not a JSON object", path);
	assert_string_equal(w.msg[1], want);
	snprintf(want, sizeof(want), "%s:4: not a JSON object", path);
	assert_string_equal(w.msg[2], want);
	snprintf(want, sizeof(want), "%s:5: not a JSON object", path);
	assert_string_equal(w.msg[3], want);
	snprintf(want, sizeof(want), "%s:6: invalid JSON: string or '}' expected near 'bad' at column 4",
		 path);
	assert_string_equal(w.msg[4], want);
	snprintf(want, sizeof(want), "%s:7: invalid JSON: end of file expected near 'y' at column 11",
		 path);
	assert_string_equal(w.msg[5], want);

	/* Then a line that is not UTF-8, then a torn but complete record. */
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
	assert_int_equal(json_integer_value(json_object_get(obj, "d")), 1);
	json_decref(obj);
	assert_int_equal(w.n, 8);
	snprintf(want, sizeof(want), "%s:10: invalid JSON: unable to decode byte 0xff", path);
	assert_string_equal(w.msg[6], want);
	snprintf(want, sizeof(want), "%s:11: torn last line (no newline at end)", path);
	assert_string_equal(w.msg[7], want);
	assert_int_equal(r.skipped, 7);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 0);
	assert_null(obj);
	obs_ndjson_close(&r);

	/* Strict: the first bad line is the error. */
	open_ok(&r, path, &w);
	r.strict = 1;
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
	json_decref(obj);
	rc = obs_ndjson_next(&r, &obj, &err);
	assert_int_equal(rc, -1);
	assert_null(obj);
	snprintf(want, sizeof(want), "%s:2: not a JSON object", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), -1);
	snprintf(want, sizeof(want), "%s:3: not a JSON object", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), -1);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), -1);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), -1);
	snprintf(want, sizeof(want), "%s:6: invalid JSON: string or '}' expected near 'bad' at column 4",
		 path);
	assert_string_equal(err.msg, want);
	assert_int_equal(r.skipped, 0);
	assert_int_equal(w.n, 0);
	obs_ndjson_close(&r);
}

static void test_next_torn(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	json_t *obj;
	char *path, want[600];
	int strict;

	(void)state;
	/* A half-written record is skipped as torn, in strict mode too. */
	path = write_str("torn-json", "{\"a\":1}\n{\"b\":2}\n{\"c\":");
	for (strict = 0; strict <= 1; strict++) {
		open_ok(&r, path, &w);
		r.strict = strict;
		assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
		json_decref(obj);
		assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
		json_decref(obj);
		assert_int_equal(obs_ndjson_next(&r, &obj, &err), 0);
		assert_int_equal(r.torn, 1);
		assert_int_equal(r.skipped, 1);
		assert_int_equal(r.lineno, 3);
		assert_int_equal(w.n, 1);
		snprintf(want, sizeof(want), "%s:3: torn last line (no newline at end), skipped", path);
		assert_string_equal(w.msg[0], want);
		obs_ndjson_close(&r);
	}
}

static void test_next_long_line(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	json_t *obj;
	char *path, want[600];

	(void)state;
	path = long_line_file("long-json", 5000, 0);
	open_ok(&r, path, &w);
	r.max_line = 1000;
	r.strict = 1;
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
	json_decref(obj);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), -1);
	snprintf(want, sizeof(want), "%s:2: line longer than 1000 bytes", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
	assert_int_equal(json_integer_value(json_object_get(obj, "b")), 2);
	json_decref(obj);
	obs_ndjson_close(&r);
}

/* ---- reader: gzip ------------------------------------------------------ */

static const char gz_text[] = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";

static void test_gzip(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	char *path;
	int rc;

	(void)state;
	path = write_gz("plain.gz", gz_text, strlen(gz_text), "wb");
	open_ok(&r, path, &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":2}|4:{\"c\":3}");
	assert_int_equal(rc, 0);
	assert_int_equal(r.total, strlen(gz_text));
	obs_ndjson_close(&r);

	/* Two members, as `cat a.gz b.gz` makes. */
	write_gz("multi.gz", "{\"a\":1}\n{\"b\"", 12, "wb");
	path = write_gz("multi.gz", ":2}\n", 4, "ab");
	open_ok(&r, path, &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":2}");
	assert_int_equal(rc, 0);
	obs_ndjson_close(&r);

	/* Compressed empty input. */
	open_ok(&r, write_gz("empty.gz", "", 0, "wb"), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "");
	assert_int_equal(rc, 0);
	obs_ndjson_close(&r);

	/* Torn last line inside gzip. */
	open_ok(&r, write_gz("torn.gz", "{\"a\":1}\n{\"b\"", 12, "wb"), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\"");
	assert_int_equal(rc, 0);
	assert_int_equal(r.torn, 1);
	assert_int_equal(w.n, 1);
	obs_ndjson_close(&r);
}

static void test_gzip_trailing_garbage(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	char *path;
	FILE *f;
	int rc;

	(void)state;
	path = write_gz("garbage.gz", gz_text, strlen(gz_text), "wb");
	/* Zero padding after the stream, as tape and some copies leave: ignored, like gzip -d. */
	f = fopen(path, "ab");
	assert_non_null(f);
	fwrite("\0\0\0\0junk", 1, 8, f);
	fclose(f);
	open_ok(&r, path, &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":2}|4:{\"c\":3}");
	assert_int_equal(rc, 0);
	obs_ndjson_close(&r);

	/* A second member whose header is broken is an error. */
	write_gz("bad2.gz", gz_text, strlen(gz_text), "wb");
	f = fopen(path_of("bad2.gz"), "ab");
	assert_non_null(f);
	fwrite("\x1f\x8b\x09\0\0\0\0\0\0\0", 1, 10, f);
	fclose(f);
	open_ok(&r, path_of("bad2.gz"), &w);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":2}|4:{\"c\":3}");
	assert_int_equal(rc, -1);
	snprintf(w.msg[0], sizeof(w.msg[0]), "'%s': invalid gzip data: unknown compression method",
		 path_of("bad2.gz"));
	assert_string_equal(err.msg, w.msg[0]);
	obs_ndjson_close(&r);
}

static void test_gzip_truncated(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	char *data, *big, *path, want[600];
	size_t len, i, n = 200000;
	int rc, lines = 0;
	const char *line;

	(void)state;
	/* Enough lines that some come out before the cut. */
	big = malloc(n * 16);
	assert_non_null(big);
	for (i = 0, len = 0; i < n; i++)
		len += (size_t)sprintf(big + len, "{\"i\":%zu}\n", i);
	path = write_gz("full.gz", big, len, "wb");
	free(big);
	data = read_back(path, &len);
	path = write_file("cut.gz", data, len / 2);
	open_ok(&r, path, &w);
	while ((rc = obs_ndjson_next_line(&r, &line, NULL, &err)) == 1)
		lines++;
	assert_int_equal(rc, -1);
	assert_true(lines > 1000);
	assert_true((size_t)lines < n);
	snprintf(want, sizeof(want), "'%s': truncated gzip input", path);
	assert_string_equal(err.msg, want);
	/* The error sticks. */
	assert_int_equal(obs_ndjson_next_line(&r, &line, NULL, &err), -1);
	snprintf(want, sizeof(want), "'%s': cannot read on after an earlier error", path);
	assert_string_equal(err.msg, want);
	obs_ndjson_close(&r);

	/* Only the header survived. */
	path = write_file("cut10.gz", data, 10);
	open_ok(&r, path, &w);
	assert_int_equal(obs_ndjson_next_line(&r, &line, NULL, &err), -1);
	snprintf(want, sizeof(want), "'%s': truncated gzip input", path);
	assert_string_equal(err.msg, want);
	obs_ndjson_close(&r);

	/* The trailer is cut: all lines come out, then the error. */
	path = write_file("cut-trailer.gz", data, len - 4);
	open_ok(&r, path, &w);
	lines = 0;
	while ((rc = obs_ndjson_next_line(&r, &line, NULL, &err)) == 1)
		lines++;
	assert_int_equal(rc, -1);
	assert_int_equal(lines, n);
	obs_ndjson_close(&r);

	/* Corrupt data in the middle. */
	for (i = len / 3; i < len / 3 + 64; i++)
		data[i] = (char)(data[i] ^ 0x55);
	path = write_file("corrupt.gz", data, len);
	open_ok(&r, path, &w);
	while ((rc = obs_ndjson_next_line(&r, &line, NULL, &err)) == 1)
		;
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "'%s': invalid gzip data: ", path);
	assert_memory_equal(err.msg, want, strlen(want));
	obs_ndjson_close(&r);
	free(data);
}

static void test_gzip_limit(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	char *data, *path, want[600];
	size_t n = 4 << 20;
	int rc;

	(void)state;
	/* 4 MiB of newlines compresses to almost nothing: a small bomb. */
	data = malloc(n);
	assert_non_null(data);
	memset(data, '\n', n);
	path = write_gz("bomb.gz", data, n, "wb9");
	free(data);
	assert_true(file_size(path) < 20000);
	open_ok(&r, path, &w);
	r.max_decompressed = 1 << 20;
	all_lines(&r, &rc, &err);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "'%s': decompressed data exceeds the limit of 1048576 bytes", path);
	assert_string_equal(err.msg, want);
	obs_ndjson_close(&r);

	/* 0: unlimited. */
	open_ok(&r, path, &w);
	r.max_decompressed = 0;
	all_lines(&r, &rc, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(r.total, n);
	assert_int_equal(r.lineno, n);
	obs_ndjson_close(&r);

	/* The default is 8 GiB. */
	open_ok(&r, path, &w);
	assert_int_equal(r.max_decompressed, 8ULL << 30);
	assert_int_equal(r.max_line, OBS_NDJSON_MAX_LINE);
	obs_ndjson_close(&r);
}

/* ---- reader: sources --------------------------------------------------- */

static void test_open_errors(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	const char *line;
	char want[600];

	(void)state;
	assert_int_equal(obs_ndjson_open(&r, path_of("nope"), &err), -1);
	snprintf(want, sizeof(want), "cannot open '%s': No such file or directory", path_of("nope"));
	assert_string_equal(err.msg, want);
	obs_ndjson_close(&r);

	/* A directory opens but does not read. */
	open_ok(&r, tmpdir, &w);
	assert_int_equal(obs_ndjson_next_line(&r, &line, NULL, &err), -1);
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory", tmpdir);
	assert_string_equal(err.msg, want);
	assert_int_equal(obs_ndjson_next(&r, &(json_t *){ NULL }, &err), -1);
	obs_ndjson_close(&r);
}

/*
 * Pipes are fed from threads, not child processes, so that valgrind sees
 * no blocks "lost" in a child; SIGALRM stays with the main thread.
 */
struct feeder {
	pthread_t tid;
	int fd;
	const char *data;
	size_t len, split;
	long got;     /* drain mode: bytes read */
};

/* Write SPLIT bytes, pause, write the rest, close. */
static void *feed_main(void *arg)
{
	struct feeder *f = arg;
	int ok;

	ok = write(f->fd, f->data, f->split) == (ssize_t)f->split;
	usleep(30000);
	ok = ok && write(f->fd, f->data + f->split, f->len - f->split) ==
		(ssize_t)(f->len - f->split);
	close(f->fd);
	return ok ? f : NULL;
}

/* Pause, then read everything until end of file. */
static void *drain_main(void *arg)
{
	struct feeder *f = arg;
	char buf[4096];
	ssize_t n;

	usleep(50000);
	while ((n = read(f->fd, buf, sizeof(buf))) > 0)
		f->got += n;
	close(f->fd);
	return f;
}

static void start_thread(struct feeder *f, void *(*fn)(void *))
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	assert_int_equal(pthread_create(&f->tid, NULL, fn, f), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void feed_pipe_split(struct feeder *f, int *rfd, const char *data, size_t len, size_t split)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	memset(f, 0, sizeof(*f));
	f->fd = fds[1];
	f->data = data;
	f->len = len;
	f->split = split;
	*rfd = fds[0];
	start_thread(f, feed_main);
}

/* The first byte alone, then the rest: the gzip check sees one byte first. */
static void feed_pipe(struct feeder *f, int *rfd, const char *data, size_t len)
{
	feed_pipe_split(f, rfd, data, len, 1);
}

static void reap(struct feeder *f)
{
	void *ret = NULL;

	assert_int_equal(pthread_join(f->tid, &ret), 0);
	assert_ptr_equal(ret, f);
}

static void test_fdopen_pipe(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	struct feeder feeder;
	char *gz;
	size_t len;
	int fd, rc;

	(void)state;
	/* Plain through a pipe, magic check across two reads. */
	feed_pipe(&feeder, &fd, "{\"a\":1}\nxyz", 11);
	assert_int_equal(obs_ndjson_fdopen(&r, fd, 1, "pipe", &err), 0);
	memset(&w, 0, sizeof(w));
	r.warn = collect;
	r.warn_ctx = &w;
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:xyz");
	assert_int_equal(rc, 0);
	assert_string_equal(w.msg[0], "pipe:2: torn last line (no newline at end)");
	obs_ndjson_close(&r);
	reap(&feeder);

	/* gzip through a pipe, the magic split across two reads. */
	gz = read_back(write_gz("pipe.gz", gz_text, strlen(gz_text), "wb"), &len);
	feed_pipe(&feeder, &fd, gz, len);
	assert_int_equal(obs_ndjson_fdopen(&r, fd, 0, NULL, &err), 0);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":2}|4:{\"c\":3}");
	assert_int_equal(rc, 0);
	{
		char want[32];

		snprintf(want, sizeof(want), "<fd %d>", fd);
		assert_string_equal(r.name, want);
	}
	obs_ndjson_close(&r);
	/* own = 0: still open. */
	assert_int_equal(close(fd), 0);
	reap(&feeder);
	free(gz);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A timer that interrupts blocking reads and writes every millisecond. */
static void ticker(int on)
{
	struct itimerval it;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	memset(&it, 0, sizeof(it));
	if (on) {
		/* No SA_RESTART: read() and write() come back with EINTR. */
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		it.it_interval.tv_usec = 1000;
		it.it_value.tv_usec = 1000;
		setitimer(ITIMER_REAL, &it, NULL);
	} else {
		/* Timer first, then the handler: a late tick must not kill us. */
		setitimer(ITIMER_REAL, &it, NULL);
		sa.sa_handler = SIG_IGN;
		sigaction(SIGALRM, &sa, NULL);
	}
}

static void test_line_ready(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "{\"a\":1}\n{\"b\":2}\n{\"c\"", 20), 20);
	assert_int_equal(obs_ndjson_fdopen(&r, fds[0], 1, "p", &err), 0);
	/* Nothing read yet: it would read. */
	assert_int_equal(obs_ndjson_line_ready(&r), 0);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_int_equal(obs_ndjson_line_ready(&r), 1);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	/* Only a partial line left: it would read. */
	assert_int_equal(obs_ndjson_line_ready(&r), 0);
	close(fds[1]);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"c\"");
	/* At the end: ready (with the end). */
	assert_int_equal(obs_ndjson_line_ready(&r), 1);
	assert_int_equal(obs_ndjson_next_line(&r, &line, &len, &err), 0);
	obs_ndjson_close(&r);
}

static void test_pipe_eintr(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	char *gz1, *gz2, *both;
	size_t len1, len2;
	struct feeder feeder;
	int fd, rc;

	(void)state;
	/* Two members, the pause between them: a member ends at the end of a read. */
	gz1 = read_back(write_gz("eintr1.gz", "{\"a\":1}\n{\"b\"", 12, "wb"), &len1);
	gz2 = read_back(write_gz("eintr2.gz", ":2}\n", 4, "wb"), &len2);
	both = malloc(len1 + len2);
	assert_non_null(both);
	memcpy(both, gz1, len1);
	memcpy(both + len1, gz2, len2);
	feed_pipe_split(&feeder, &fd, both, len1 + len2, len1);
	ticker(1);
	assert_int_equal(obs_ndjson_fdopen(&r, fd, 1, "eintr", &err), 0);
	memset(&w, 0, sizeof(w));
	r.warn = collect;
	r.warn_ctx = &w;
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":2}");
	assert_int_equal(rc, 0);
	assert_int_equal(w.n, 0);
	obs_ndjson_close(&r);
	ticker(0);
	reap(&feeder);

	/* Plain, a line split across the pause. */
	feed_pipe_split(&feeder, &fd, "{\"a\":1}\n{\"b\":2}\n", 16, 11);
	ticker(1);
	assert_int_equal(obs_ndjson_fdopen(&r, fd, 1, "eintr", &err), 0);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":2}");
	assert_int_equal(rc, 0);
	obs_ndjson_close(&r);
	ticker(0);
	reap(&feeder);
	free(gz1);
	free(gz2);
	free(both);
}

static void test_writer_slow_reader(void **state)
{
	struct obs_ndjson_writer w;
	struct obs_error err;
	struct feeder drain;
	char line[1000];
	int fds[2], i;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	memset(&drain, 0, sizeof(drain));
	drain.fd = fds[0];
	start_thread(&drain, drain_main);
	memset(line, 'w', sizeof(line));
	ticker(1);
	/* The pipe fills; writes are interrupted or come back short, and go on. */
	obs_ndjson_writer_init(&w, fds[1]);
	for (i = 0; i < 300; i++)
		assert_int_equal(obs_ndjson_write_raw(&w, line, sizeof(line), &err), 0);
	assert_int_equal(obs_ndjson_flush(&w, &err), 0);
	ticker(0);
	obs_ndjson_writer_release(&w);
	close(fds[1]);
	reap(&drain);
	assert_int_equal(drain.got, 300L * 1001);
}

/*
 * A Unix socket whose peer closes with data left unread gives
 * ECONNRESET after the queued bytes: a read error in mid-stream.
 */
static void reset_socket(int *fd, const char *data, size_t len)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], data, len), (ssize_t)len);
	assert_int_equal(write(sv[0], "x", 1), 1);
	close(sv[1]);
	*fd = sv[0];
}

static void test_seek(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	int rc, fd[2];

	(void)state;
	/* lines: 1 at 0, 2 at 8, 3 at 16, 4 at 24, 5 at 32 */
	open_ok(&r, write_str("seek.ndjson", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n{\"a\":5}\n"), &w);
	/* Part of a file from the start: no gzip test, then lines 3-4 after skipping none. */
	assert_int_equal(obs_ndjson_seek(&r, 8, 16, 0, &err), 0);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":2}");
	assert_int_equal(rc, 0);
	assert_int_equal(obs_ndjson_seek(&r, 24, 0, 1, &err), 0);
	assert_string_equal(all_lines(&r, &rc, &err), "3:{\"a\":4}|4:{\"a\":5}");
	assert_int_equal(rc, 0);
	/* Back to an earlier part, ending exactly at a line's end. */
	assert_int_equal(obs_ndjson_seek(&r, 0, 8, 0, &err), 0);
	assert_string_equal(all_lines(&r, &rc, &err), "5:{\"a\":1}");
	assert_int_equal(w.n, 0);
	assert_int_equal(r.torn, 0);
	obs_ndjson_close(&r);

	/* A pipe cannot seek. */
	assert_int_equal(pipe(fd), 0);
	close(fd[1]);
	assert_int_equal(obs_ndjson_fdopen(&r, fd[0], 1, "pipe", &err), 0);
	assert_int_equal(obs_ndjson_seek(&r, 5, 0, 0, &err), -1);
	assert_string_equal(err.msg, "cannot seek in 'pipe': Illegal seek");
	obs_ndjson_close(&r);

	/* gzip: from member to member. */
	{
		char *gz = write_gz("seek.gz", "{\"a\":1}\n", 8, "wb");
		unsigned long long m1 = file_size(gz), m2;

		write_gz("seek.gz", "{\"b\":2}\n{\"c\":3}\n", 16, "ab");
		m2 = file_size(gz);
		write_gz("seek.gz", "{\"d\":4}\n", 8, "ab");
		open_ok(&r, gz, &w);
		assert_int_equal(obs_ndjson_seek(&r, m1, m2, 1, &err), 0);
		assert_string_equal(all_lines(&r, &rc, &err), "2:{\"b\":2}|3:{\"c\":3}");
		assert_int_equal(rc, 0);
		assert_int_equal(obs_ndjson_seek(&r, m2, 0, 0, &err), 0);
		assert_string_equal(all_lines(&r, &rc, &err), "4:{\"d\":4}");
		assert_int_equal(obs_ndjson_seek(&r, 0, m1, 0, &err), 0);
		assert_string_equal(all_lines(&r, &rc, &err), "5:{\"a\":1}");
		assert_int_equal(rc, 0);
		/* Not a member start: an error, and none after it. */
		assert_int_equal(obs_ndjson_seek(&r, 3, 0, 0, &err), 0);
		assert_string_equal(all_lines(&r, &rc, &err), "");
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err.msg, "invalid gzip data"));
		assert_int_equal(obs_ndjson_seek(&r, 0, 0, 0, &err), -1);
		assert_non_null(strstr(err.msg, "cannot read on after an earlier error"));
		obs_ndjson_close(&r);
	}
}

static void test_read_error(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	char *gz;
	size_t len;
	int fd, rc;

	(void)state;
	reset_socket(&fd, "{\"a\":1}\n{\"b\"", 12);
	assert_int_equal(obs_ndjson_fdopen(&r, fd, 1, "sock", &err), 0);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}");
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, "cannot read 'sock': Connection reset by peer");
	obs_ndjson_close(&r);

	gz = read_back(write_gz("sock.gz", gz_text, strlen(gz_text), "wb"), &len);
	reset_socket(&fd, gz, len - 8);
	assert_int_equal(obs_ndjson_fdopen(&r, fd, 1, "sock.gz", &err), 0);
	assert_string_equal(all_lines(&r, &rc, &err), "1:{\"a\":1}|2:{\"b\":2}|4:{\"c\":3}");
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, "cannot read 'sock.gz': Connection reset by peer");
	obs_ndjson_close(&r);
	free(gz);
}

static void test_stdin(void **state)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct warns w;
	json_t *obj;
	int saved, fd;

	(void)state;
	saved = dup(0);
	assert_true(saved >= 0);
	fd = open(write_str("stdin", "{\"a\":1}\nbad\n"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);

	open_ok(&r, "-", &w);
	assert_string_equal(r.name, "<stdin>");
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 1);
	json_decref(obj);
	assert_int_equal(obs_ndjson_next(&r, &obj, &err), 0);
	assert_string_equal(w.msg[0], "<stdin>:2: invalid JSON: invalid token near 'bad' at column 3");
	obs_ndjson_close(&r);
	/* Standard input is not closed. */
	assert_int_equal(fcntl(0, F_GETFD), 0);

	assert_int_equal(obs_ndjson_fdopen(&r, 0, 0, "-", &err), 0);
	assert_string_equal(r.name, "<stdin>");
	obs_ndjson_close(&r);
	assert_int_equal(obs_ndjson_fdopen(&r, 0, 0, NULL, &err), 0);
	assert_string_equal(r.name, "<stdin>");
	obs_ndjson_close(&r);

	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
}

/* ---- writer ------------------------------------------------------------ */

static void test_writer(void **state)
{
	struct obs_ndjson_writer w;
	struct obs_error err;
	json_t *obj;
	char *path, *back;
	size_t len;
	int fd;

	(void)state;
	path = path_of("out.ndjson");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	obs_ndjson_writer_init(&w, fd);
	obj = json_pack("{s:s, s:i, s:f, s:s, s:[i,b,n], s:{}}", "z", "last-first", "a", 1, "r", 0.1,
			"u", "\xc3\xa9\"\\\n", "arr", 1, 1, "o");
	assert_non_null(obj);
	assert_int_equal(obs_ndjson_write(&w, obj, &err), 0);
	json_decref(obj);
	assert_int_equal(obs_ndjson_write_raw(&w, "{\"raw\":true}", 12, &err), 0);
	obj = json_pack("[i]", 7);
	assert_int_equal(obs_ndjson_write(&w, obj, &err), 0);
	json_decref(obj);
	/* Nothing reaches the file before a flush. */
	assert_int_equal(file_size(path), 0);
	assert_int_equal(obs_ndjson_flush(&w, &err), 0);
	assert_int_equal(obs_ndjson_flush(&w, &err), 0);
	back = read_back(path, &len);
	assert_string_equal(back, "{\"z\":\"last-first\",\"a\":1,\"r\":0.1,"
			    "\"u\":\"\xc3\xa9\\\"\\\\\\n\",\"arr\":[1,true,null],\"o\":{}}\n"
			    "{\"raw\":true}\n[7]\n");
	free(back);

	/* Scalars are not lines. */
	obj = json_integer(5);
	assert_int_equal(obs_ndjson_write(&w, obj, &err), -1);
	assert_string_equal(err.msg, "cannot write JSON value: not an object or array");
	json_decref(obj);
	assert_int_equal(obs_ndjson_write(&w, NULL, &err), -1);
	/* Invalid UTF-8 smuggled in past jansson's checks: refused whole. */
	obj = json_object();
	json_object_set_new(obj, "k", json_stringn_nocheck("\xff", 1));
	assert_int_equal(obs_ndjson_write(&w, obj, &err), -1);
	assert_string_equal(err.msg, "cannot serialise JSON value");
	json_decref(obj);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.failed, 0);
	obs_ndjson_writer_release(&w);
	obs_ndjson_writer_release(&w);
	close(fd);
}

static void test_writer_big(void **state)
{
	struct obs_ndjson_writer w;
	struct obs_error err;
	json_t *obj;
	char *path, *back, *s;
	size_t len, i, n = 300 * 1024;
	int fd;

	(void)state;
	path = path_of("big.ndjson");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	obs_ndjson_writer_init(&w, fd);
	/* Filling the buffer flushes it on the way. */
	for (i = 0; i < 10000; i++) {
		obj = json_pack("{s:i}", "i", (int)i);
		assert_int_equal(obs_ndjson_write(&w, obj, &err), 0);
		json_decref(obj);
	}
	assert_true(file_size(path) > 0);
	assert_true(w.len < 64 * 1024);
	/* Records bigger than the buffer. */
	s = malloc(n + 1);
	assert_non_null(s);
	memset(s, 'q', n);
	s[n] = '\0';
	obj = json_pack("{s:s}", "big", s);
	assert_int_equal(obs_ndjson_write(&w, obj, &err), 0);
	json_decref(obj);
	assert_int_equal(obs_ndjson_write_raw(&w, s, n, &err), 0);
	assert_int_equal(obs_ndjson_flush(&w, &err), 0);
	obs_ndjson_writer_release(&w);
	close(fd);

	back = read_back(path, &len);
	assert_int_equal(len, 10 * 8 + 90 * 9 + 900 * 10 + 9000 * 11 + n + 11 + n + 1);
	assert_memory_equal(back, "{\"i\":0}\n{\"i\":1}\n", 16);
	assert_memory_equal(back + len - 3, "qq\n", 3);
	free(back);
	free(s);
}

static void test_writer_epipe(void **state)
{
	struct obs_ndjson_writer w;
	struct obs_error err;
	json_t *obj;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	obs_ndjson_writer_init(&w, fds[1]);
	obj = json_pack("{s:i}", "a", 1);
	/* Buffered: no error yet. */
	assert_int_equal(obs_ndjson_write(&w, obj, &err), 0);
	assert_int_equal(obs_ndjson_flush(&w, &err), -1);
	assert_string_equal(err.msg, "write error: Broken pipe");
	assert_int_equal(w.failed, EPIPE);
	/* Sticky: every later call fails the same way, and nothing piles up. */
	assert_int_equal(obs_ndjson_write(&w, obj, &err), -1);
	assert_string_equal(err.msg, "write error: Broken pipe");
	assert_int_equal(obs_ndjson_write_raw(&w, "x", 1, &err), -1);
	assert_int_equal(obs_ndjson_flush(&w, &err), -1);
	assert_string_equal(err.msg, "write error: Broken pipe");
	assert_int_equal(w.len, 0);
	json_decref(obj);
	obs_ndjson_writer_release(&w);
	close(fds[1]);
}

static void test_writer_enospc(void **state)
{
	struct obs_ndjson_writer w;
	struct obs_error err;
	char line[1000];
	int fd, i, rc = 0;

	(void)state;
	fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		skip();
	memset(line, 'x', sizeof(line));
	obs_ndjson_writer_init(&w, fd);
	/* The error shows at the flush that a full buffer triggers. */
	for (i = 0; i < 100 && rc == 0; i++)
		rc = obs_ndjson_write_raw(&w, line, sizeof(line), &err);
	assert_int_equal(rc, -1);
	assert_true(i > 1 && i < 100);
	assert_string_equal(err.msg, "write error: No space left on device");
	assert_int_equal(w.failed, ENOSPC);
	assert_int_equal(obs_ndjson_flush(&w, &err), -1);
	assert_string_equal(err.msg, "write error: No space left on device");
	obs_ndjson_writer_release(&w);
	close(fd);

	/* A bad descriptor. */
	obs_ndjson_writer_init(&w, -1);
	assert_int_equal(obs_ndjson_write_raw(&w, "x", 1, &err), 0);
	assert_int_equal(obs_ndjson_flush(&w, &err), -1);
	assert_string_equal(err.msg, "write error: Bad file descriptor");
	obs_ndjson_writer_release(&w);
}

static void test_writer_oom(void **state)
{
	struct obs_ndjson_writer w;
	struct obs_error err;

	(void)state;
	/* Sizes no allocator grants: refused before a byte is copied. */
	obs_ndjson_writer_init(&w, -1);
	assert_int_equal(obs_ndjson_write_raw(&w, "x", ((size_t)1 << 61) + 1, &err), -1);
	assert_string_equal(err.msg, "out of memory");
	assert_int_equal(obs_ndjson_write_raw(&w, "x", ((size_t)1 << 62) + 1, &err), -1);
	assert_string_equal(err.msg, "out of memory");
	assert_int_equal(obs_ndjson_write_raw(&w, "x", SIZE_MAX, &err), -1);
	assert_string_equal(err.msg, "out of memory");
	assert_int_equal(w.len, 0);
	assert_int_equal(w.failed, 0);
	obs_ndjson_writer_release(&w);
}

static void test_dump_line(void **state)
{
	json_t *obj;
	char *s;
	size_t len = 99;

	(void)state;
	obj = json_pack("{s:i, s:s, s:f}", "b", 1, "a", "x y", "c", 1.5);
	s = obs_json_dump_line(obj, &len);
	assert_string_equal(s, "{\"b\":1,\"a\":\"x y\",\"c\":1.5}");
	assert_int_equal(len, strlen(s));
	free(s);
	s = obs_json_dump_line(obj, NULL);
	assert_non_null(s);
	free(s);
	json_decref(obj);
	/* reals: the shortest text that reads back exactly */
	obj = json_pack("{s:f, s:f, s:[f]}", "d", 890681 / 1e6, "t", 0.1, "x", 1 / 3.0);
	s = obs_json_dump_line(obj, &len);
	/* one real needing 16 digits sets the precision of the whole line */
	assert_string_equal(s, "{\"d\":0.8906809999999999,\"t\":0.1,\"x\":[0.3333333333333333]}");
	free(s);
	json_decref(obj);
	obj = json_pack("{s:f, s:f}", "d", 890681 / 1e6, "t", 1e300);
	s = obs_json_dump_line(obj, &len);
	assert_string_equal(s, "{\"d\":0.890681,\"t\":1e300}");
	free(s);
	json_decref(obj);
	assert_null(obs_json_dump_line(NULL, &len));
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_basic),
		cmocka_unit_test(test_seek),
		cmocka_unit_test(test_lines_empty),
		cmocka_unit_test(test_lines_torn),
		cmocka_unit_test(test_lines_limit),
		cmocka_unit_test(test_lines_huge),
		cmocka_unit_test(test_lines_keep_long),
		cmocka_unit_test(test_lines_default_limit),
		cmocka_unit_test(test_next_objects),
		cmocka_unit_test(test_next_torn),
		cmocka_unit_test(test_next_long_line),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_gzip_trailing_garbage),
		cmocka_unit_test(test_gzip_truncated),
		cmocka_unit_test(test_gzip_limit),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_fdopen_pipe),
		cmocka_unit_test(test_pipe_eintr),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_big),
		cmocka_unit_test(test_writer_slow_reader),
		cmocka_unit_test(test_writer_epipe),
		cmocka_unit_test(test_writer_enospc),
		cmocka_unit_test(test_writer_oom),
		cmocka_unit_test(test_dump_line),
		cmocka_unit_test(test_line_ready),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
