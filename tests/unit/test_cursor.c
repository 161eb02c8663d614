/* SPDX-License-Identifier: MIT */
/* Unit tests for export cursors: the state file, and the reader that resumes at a cursor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_cursor.h"
#include "obs_time.h"
#include "obs_upkeep.h"

struct fx {
	char dir[64];
	char spans[128];
	char state[128];
	struct obs_store st;
	char warnings[8192];
	int nwarn;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct obs_error err;

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/obs-test-cursor-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->spans, sizeof(f->spans), "%s/spans", f->dir);
	snprintf(f->state, sizeof(f->state), "%s/cursor.json", f->dir);
	mkdir(f->spans, 0700);
	if (obs_store_open(&f->st, f->dir, &err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	obs_store_release(&f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void on_warn(void *ctx, const char *msg)
{
	struct fx *f = ctx;
	size_t n = strlen(f->warnings);

	snprintf(f->warnings + n, sizeof(f->warnings) - n, "%s\n", msg);
	f->nwarn++;
}

static void put(struct fx *f, const char *name, const char *data, const char *mode)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->spans, name);
	fp = fopen(path, mode);
	assert_non_null(fp);
	fputs(data, fp);
	fclose(fp);
}

static void put_gz(struct fx *f, const char *name, const char *data)
{
	char path[256];
	gzFile gz;

	snprintf(path, sizeof(path), "%s/%s", f->spans, name);
	gz = gzopen(path, "wb");
	assert_non_null(gz);
	if (*data)
		assert_int_equal(gzwrite(gz, data, (unsigned)strlen(data)), (int)strlen(data));
	gzclose(gz);
}

static void rm(struct fx *f, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", f->spans, name);
	assert_int_equal(unlink(path), 0);
}

static void open_reader(struct fx *f, struct obs_cursor_reader *r, const struct obs_cursor *c)
{
	struct obs_error err;

	assert_int_equal(obs_cursor_reader_open(r, &f->st, "spans", c, &err), 0);
	r->warn = on_warn;
	r->warn_ctx = f;
}

/* Every line available now, joined with '|'. */
static void drain(struct obs_cursor_reader *r, char *out, size_t size)
{
	const char *line;
	size_t len, n = 0;
	struct obs_error err;
	int k;

	out[0] = '\0';
	while ((k = obs_cursor_reader_next(r, &line, &len, &err)) != 0) {
		assert_int_equal(k, 1);
		assert_int_equal(strlen(line), len);
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "|" : "", line);
	}
}

/* Read all with a fresh reader at C, then save the positions into C. */
static void run(struct fx *f, struct obs_cursor *c, char *out, size_t size)
{
	struct obs_cursor_reader r;
	struct obs_error err;

	open_reader(f, &r, c);
	drain(&r, out, size);
	assert_int_equal(obs_cursor_reader_save(&r, c, &err), 0);
	obs_cursor_reader_close(&r);
}

/* ---- small things --------------------------------------------------------------- */

static void test_hash(void **state)
{
	(void)state;
	assert_true(obs_cursor_hash(OBS_CURSOR_HASH_INIT, "", 0) == 0xcbf29ce484222325ULL);
	assert_true(obs_cursor_hash(OBS_CURSOR_HASH_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(obs_cursor_hash(obs_cursor_hash(OBS_CURSOR_HASH_INIT, "fo", 2), "obar", 4) ==
		    obs_cursor_hash(OBS_CURSOR_HASH_INIT, "foobar", 6));
}

static void test_segment_name(void **state)
{
	int64_t day;
	int gz;

	(void)state;
	assert_int_equal(obs_cursor_segment_name("2026-11-24.ndjson", &day, &gz), 1);
	assert_true(day == 1795478400LL * OBS_NS_PER_SEC);
	assert_int_equal(gz, 0);
	assert_int_equal(obs_cursor_segment_name("2026-11-24.ndjson.gz", &day, &gz), 1);
	assert_int_equal(gz, 1);
	assert_int_equal(obs_cursor_segment_name("2024-02-29.ndjson", NULL, NULL), 1);
	assert_int_equal(obs_cursor_segment_name("1970-01-01.ndjson", &day, NULL), 1);
	assert_true(day == 0);
	assert_int_equal(obs_cursor_segment_name("1969-12-31.ndjson", &day, NULL), 1);
	assert_true(day == -86400LL * OBS_NS_PER_SEC);
	assert_int_equal(obs_cursor_segment_name("9999-12-31.ndjson", &day, NULL), 1);
	assert_true(day == OBS_TIME_MAX);
	assert_int_equal(obs_cursor_segment_name("0001-01-01.ndjson", &day, NULL), 1);
	assert_true(day == OBS_TIME_MIN);
	assert_int_equal(obs_cursor_segment_name("2023-02-29.ndjson", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("1900-02-29.ndjson", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("2000-02-29.ndjson", NULL, NULL), 1);
	assert_int_equal(obs_cursor_segment_name("2026-13-01.ndjson", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("2026-00-01.ndjson", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("2026-04-31.ndjson", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("2026-04-00.ndjson", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("2026-11-24.json", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("2026-11-24.ndjson.tmp", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("2026_11-24.ndjson", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("2026-1a-24.ndjson", NULL, NULL), 0);
	assert_int_equal(obs_cursor_segment_name("../../etc.ndjson", NULL, NULL), 0);
}

/* ---- the cursor file ----------------------------------------------------------------- */

static void test_set_find(void **state)
{
	struct obs_cursor c;
	struct obs_cursor_pos p = { (char *)"2026-11-24.ndjson", 10, 1, 4, 2 };
	struct obs_error err;

	(void)state;
	obs_cursor_init(&c);
	assert_null(obs_cursor_find(&c, "2026-11-24.ndjson"));
	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	p.name = (char *)"2026-11-20.ndjson";
	p.offset = 5;
	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	p.name = (char *)"2026-11-24.ndjson.gz";
	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	assert_int_equal(c.npos, 3);
	assert_string_equal(c.pos[0].name, "2026-11-20.ndjson");
	assert_string_equal(c.pos[1].name, "2026-11-24.ndjson");
	assert_string_equal(c.pos[2].name, "2026-11-24.ndjson.gz");
	p.name = (char *)"2026-11-24.ndjson";
	p.offset = 99;
	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	assert_int_equal(c.npos, 3);
	assert_int_equal(obs_cursor_find(&c, "2026-11-24.ndjson")->offset, 99);
	assert_null(obs_cursor_find(&c, "2026-11-21.ndjson"));
	obs_cursor_release(&c);
	assert_int_equal(c.npos, 0);
}

static void test_save_load(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c, d;
	struct obs_cursor_pos p = { (char *)"2026-11-24.ndjson", 120, 0x0123456789abcdefULL, 40, 3 };
	struct obs_error err;
	json_t *meta = json_pack("{s:s, s:s, s:i}", "destination", "loki", "signal", "logs",
				 "version", 7);
	char buf[1024];
	FILE *fp;
	int found = -1;

	obs_cursor_init(&c);
	obs_cursor_init(&d);
	assert_int_equal(obs_cursor_load(&d, f->state, &found, &err), 0);
	assert_int_equal(found, 0);
	assert_int_equal(d.npos, 0);
	assert_null(d.state);

	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	c.state = json_pack("{s:{s:f}}", "totals", "a", 1.5);
	assert_int_equal(obs_cursor_save(&c, f->state, meta, &err), 0);
	fp = fopen(f->state, "r");
	assert_non_null(buf == fgets(buf, sizeof(buf), fp) ? buf : NULL);
	fclose(fp);
	assert_string_equal(buf, "{\"version\":1,\"destination\":\"loki\",\"signal\":\"logs\","
			    "\"segments\":[{\"name\":\"2026-11-24.ndjson\",\"offset\":120,"
			    "\"hash\":\"0123456789abcdef\",\"len\":40,\"lineno\":3}],"
			    "\"state\":{\"totals\":{\"a\":1.5}}}\n");
	assert_int_equal(obs_cursor_load(&d, f->state, &found, &err), 0);
	assert_int_equal(found, 1);
	assert_int_equal(d.npos, 1);
	assert_string_equal(d.pos[0].name, "2026-11-24.ndjson");
	assert_int_equal(d.pos[0].offset, 120);
	assert_true(d.pos[0].hash == 0x0123456789abcdefULL);
	assert_int_equal(d.pos[0].len, 40);
	assert_int_equal(d.pos[0].lineno, 3);
	assert_true(json_equal(d.state, c.state));
	/* Loading again replaces; no state, no segments. */
	obs_cursor_release(&c);
	assert_int_equal(obs_cursor_save(&c, f->state, NULL, &err), 0);
	assert_int_equal(obs_cursor_load(&d, f->state, NULL, &err), 0);
	assert_int_equal(d.npos, 0);
	assert_null(d.state);
	json_decref(meta);
	obs_cursor_release(&d);
	obs_cursor_release(&c);
}

static void load_bad(struct fx *f, const char *text, size_t len, const char *why)
{
	struct obs_cursor c;
	struct obs_error err;
	char want[512];
	int fd = open(f->state, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int found = -1;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	obs_cursor_init(&c);
	assert_int_equal(obs_cursor_load(&c, f->state, &found, &err), -1);
	snprintf(want, sizeof(want), "state file '%s' is corrupt: %s", f->state, why);
	assert_string_equal(err.msg, want);
	assert_int_equal(found, 0);
	assert_int_equal(c.npos, 0);
	assert_null(c.state);
}

#define BAD(text, why) load_bad(f, text, sizeof(text) - 1, why)
#define SEG(x) "{\"version\":1,\"segments\":[" x "]}"
#define OK1 "{\"name\":\"2026-11-24.ndjson\",\"offset\":10,\"hash\":\"00000000000000ff\",\"len\":3,\"lineno\":2}"

static void test_load_corrupt(void **state)
{
	struct fx *f = *state;

	BAD("", "empty");
	BAD("\0\0\0\0", "contains NUL bytes");
	BAD("{\"version\":1,\"segm", "premature end of input near '\"segm' at line 1 column 18");
	BAD("[1]", "not a JSON object");
	BAD("{\"version\":2}", "unsupported version 2");
	BAD("{}", "unsupported version (none)");
	BAD("{\"version\":\"1\"}", "unsupported version (none)");
	BAD("{\"version\":1,\"segments\":{}}", "'segments' is not an array");
	BAD(SEG("1"), "segment 1: not an object");
	BAD(SEG(OK1 ",{}"), "segment 2: invalid name");
	BAD(SEG("{\"name\":\"x.ndjson\"}"), "segment 1: invalid name");
	BAD(SEG("{\"name\":\"2026-11-24.ndjson\",\"offset\":-1}"), "segment 1: invalid offset");
	BAD(SEG("{\"name\":\"2026-11-24.ndjson\",\"offset\":1.5}"), "segment 1: invalid offset");
	BAD(SEG("{\"name\":\"2026-11-24.ndjson\",\"offset\":1,\"hash\":\"xyz\"}"),
	    "segment 1: invalid hash");
	BAD(SEG("{\"name\":\"2026-11-24.ndjson\",\"offset\":1,\"hash\":\"000000000000000G\"}"),
	    "segment 1: invalid hash");
	BAD(SEG("{\"name\":\"2026-11-24.ndjson\",\"offset\":1,\"hash\":\"00000000000000ff\",\"len\":1}"),
	    "segment 1: invalid len");
	BAD(SEG("{\"name\":\"2026-11-24.ndjson\",\"offset\":1,\"hash\":\"00000000000000ff\",\"len\":0}"),
	    "segment 1: invalid lineno");
	BAD(SEG("{\"name\":\"2026-11-24.ndjson\",\"offset\":1,\"hash\":\"00000000000000ff\",\"len\":0,\"lineno\":0}"),
	    "segment 1: invalid lineno");
	BAD(SEG(OK1 "," OK1), "segment 2: duplicate name");
	BAD("{\"version\":1,\"state\":[]}", "'state' is not an object");
}

static void test_load_ok_variants(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_error err;
	int fd;
	static const char text[] = "{\"version\":1,\"state\":null," "\"segments\":[" OK1 "]}";

	fd = open(f->state, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	obs_cursor_init(&c);
	assert_int_equal(obs_cursor_load(&c, f->state, NULL, &err), 0);
	assert_int_equal(c.npos, 1);
	assert_null(c.state);
	assert_true(c.pos[0].hash == 0xff);
	obs_cursor_release(&c);
	/* Unreadable: a folder. */
	assert_int_equal(obs_cursor_load(&c, f->dir, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read state file"));
	/* Cannot write: no such folder. */
	assert_int_equal(obs_cursor_save(&c, "/nonexistent/dir/c.json", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "cannot write state file '/nonexistent/dir/c.json'"));
}

/* ---- the reader --------------------------------------------------------------------- */

static void test_read_resume(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	char out[1024];

	obs_cursor_init(&c);
	put(f, "2026-11-24.ndjson", "{\"a\":3}\n\n  \n{\"a\":4}\n", "w");
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n{\"a\":2}\n", "w");
	put(f, "notes.txt", "ignored\n", "w");
	open_reader(f, &r, &c);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":1}");
	assert_int_equal(r.lineno, 1);
	assert_true(r.day == 1795392000LL * OBS_NS_PER_SEC);
	assert_non_null(strstr(r.path, "/spans/2026-11-23.ndjson"));
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"a\":2}|{\"a\":3}|{\"a\":4}");
	assert_int_equal(r.lineno, 4);
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	assert_int_equal(c.npos, 2);
	assert_string_equal(c.pos[0].name, "2026-11-23.ndjson");
	assert_int_equal(c.pos[0].offset, 16);
	assert_int_equal(c.pos[0].len, 7);
	assert_int_equal(c.pos[0].lineno, 2);
	assert_true(c.pos[0].hash == obs_cursor_hash(OBS_CURSOR_HASH_INIT, "{\"a\":2}", 7));
	assert_int_equal(c.pos[1].offset, 20);
	assert_int_equal(c.pos[1].lineno, 4);

	/* Nothing new: nothing read. */
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "");
	/* Appends to both days and a new day. */
	put(f, "2026-11-23.ndjson", "{\"a\":5}\n", "a");
	put(f, "2026-11-24.ndjson", "{\"a\":6}\n{\"a\":7", "a");
	put(f, "2026-11-25.ndjson", "{\"a\":8}\n", "w");
	open_reader(f, &r, &c);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":5}");
	assert_int_equal(r.lineno, 3);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"a\":6}|{\"a\":8}");
	assert_int_equal(r.torn, 1);
	assert_int_equal(f->nwarn, 1);
	assert_non_null(strstr(f->warnings, "/spans/2026-11-24.ndjson:6: torn last line (no newline "
				"at end), left for a later run\n"));
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	assert_int_equal(f->nwarn, 1);
	/* The torn line ends later (a writer adds the newline): it is read then. */
	put(f, "2026-11-24.ndjson", "}\n", "a");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":7}");
	assert_int_equal(f->nwarn, 1);
	obs_cursor_release(&c);
}

static void test_compressed_under_cursor(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_reader r;
	struct obs_error err;
	char out[1024];

	obs_cursor_init(&c);
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n{\"a\":2}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":1}|{\"a\":2}");
	/* Compressed: the .gz takes the position over; saved before it is opened, the plain entry stays. */
	put_gz(f, "2026-11-23.ndjson.gz", "{\"a\":1}\n{\"a\":2}\n");
	rm(f, "2026-11-23.ndjson");
	open_reader(f, &r, &c);
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	assert_int_equal(c.npos, 1);
	assert_string_equal(c.pos[0].name, "2026-11-23.ndjson");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(c.npos, 1);
	assert_string_equal(c.pos[0].name, "2026-11-23.ndjson.gz");
	assert_int_equal(c.pos[0].offset, 16);
	assert_int_equal(f->nwarn, 0);
	/* A late record makes a new plain segment for that day: read from its start, no warning. */
	put(f, "2026-11-23.ndjson", "{\"a\":3}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":3}");
	assert_int_equal(f->nwarn, 0);
	assert_int_equal(c.npos, 2);

	/* Compressed while the plain one was half read, the gz read on from there. */
	put(f, "2026-11-22.ndjson", "{\"b\":1}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"b\":1}");
	put_gz(f, "2026-11-22.ndjson.gz", "{\"b\":1}\n{\"b\":2}\n");
	rm(f, "2026-11-22.ndjson");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"b\":2}");
	assert_int_equal(f->nwarn, 0);
	obs_cursor_release(&c);
}

static void test_compaction(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_error err;
	char out[1024];
	int64_t day = 1795392000LL / 86400;   /* 2026-11-23 in days */

	obs_cursor_init(&c);
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n{\"a\":2}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":1}|{\"a\":2}");
	/* First compaction: the plain content becomes the .gz. */
	assert_int_equal(obs_store_compact_day(&f->st, "spans", day, 6, &err), 0);
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "");
	/* Late records, half of them sent, then compacted onto the .gz as a second member. */
	put(f, "2026-11-23.ndjson", "{\"a\":3}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":3}");
	put(f, "2026-11-23.ndjson", "{\"a\":4}\n", "a");
	assert_int_equal(obs_store_compact_day(&f->st, "spans", day, 6, &err), 0);
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":4}");
	assert_int_equal(f->nwarn, 0);
	assert_int_equal(c.npos, 1);
	assert_string_equal(c.pos[0].name, "2026-11-23.ndjson.gz");
	assert_int_equal(c.pos[0].offset, 32);
	assert_int_equal(c.pos[0].lineno, 4);
	/* Compacted while a reader follows it. */
	{
		struct obs_cursor_reader r;

		put(f, "2026-11-23.ndjson", "{\"a\":5}\n", "w");
		open_reader(f, &r, &c);
		drain(&r, out, sizeof(out));
		assert_string_equal(out, "{\"a\":5}");
		put(f, "2026-11-23.ndjson", "{\"a\":6}\n", "a");
		assert_int_equal(obs_store_compact_day(&f->st, "spans", day, 6, &err), 0);
		assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
		drain(&r, out, sizeof(out));
		assert_string_equal(out, "{\"a\":6}");
		assert_int_equal(r.lineno, 6);
		assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
		obs_cursor_reader_close(&r);
	}
	assert_int_equal(f->nwarn, 0);
	obs_cursor_release(&c);
}

static void test_plain_and_gz_same_content(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	char out[1024];

	/* Being compressed right now: both files hold the same lines. Nothing is sent twice. */
	obs_cursor_init(&c);
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n", "w");
	run(f, &c, out, sizeof(out));
	put(f, "2026-11-23.ndjson", "{\"a\":2}\n", "a");
	put_gz(f, "2026-11-23.ndjson.gz", "{\"a\":1}\n{\"a\":2}\n");
	run(f, &c, out, sizeof(out));
	/* The gz goes first and takes the plain position: {"a":2} once from it, and the
	   plain one resumes at its own position and sends it again: at least once. */
	assert_string_equal(out, "{\"a\":2}|{\"a\":2}");
	assert_int_equal(f->nwarn, 0);
	obs_cursor_release(&c);
}

static void test_rewritten(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	char out[1024];

	obs_cursor_init(&c);
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n{\"a\":2}\n", "w");
	run(f, &c, out, sizeof(out));
	/* Same size, other content. */
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":1}|{\"b\":2}|{\"c\":3}");
	assert_int_equal(f->nwarn, 1);
	assert_non_null(strstr(f->warnings, "/spans/2026-11-23.ndjson' changed under the cursor "
				"(rewritten or truncated): reading it again from the start\n"));
	/* Truncated below the position. */
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":1}");
	assert_int_equal(f->nwarn, 2);
	/* Shifted: the line is there but not at a line start. */
	put(f, "2026-11-23.ndjson", "x{\"a\":1}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "x{\"a\":1}");
	assert_int_equal(f->nwarn, 3);
	/* A gz whose content is not the delivered one either. */
	put_gz(f, "2026-11-24.ndjson.gz", "{\"g\":1}\n");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"g\":1}");
	put_gz(f, "2026-11-24.ndjson.gz", "{\"h\":1}\n");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"h\":1}");
	assert_int_equal(f->nwarn, 4);
	/* Shorter gz than the position. */
	put_gz(f, "2026-11-24.ndjson.gz", "{}\n");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{}");
	assert_int_equal(f->nwarn, 5);
	/* Retention removed everything: entries dropped. */
	rm(f, "2026-11-24.ndjson.gz");
	rm(f, "2026-11-23.ndjson");
	run(f, &c, out, sizeof(out));
	assert_int_equal(c.npos, 0);
	obs_cursor_release(&c);
}

static void test_gz_torn_and_members(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	char out[1024], path[256];
	gzFile gz;

	obs_cursor_init(&c);
	/* Two members, the second ending in a torn line. */
	snprintf(path, sizeof(path), "%s/2026-11-23.ndjson.gz", f->spans);
	gz = gzopen(path, "wb");
	gzputs(gz, "{\"a\":1}\n");
	gzclose(gz);
	gz = gzopen(path, "ab");
	gzputs(gz, "\n{\"a\":2}\n{\"a\":3");
	gzclose(gz);
	open_reader(f, &r, &c);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":1}");
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":2}");
	assert_int_equal(r.lineno, 3);
	assert_int_equal(r.line_torn, 0);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":3");
	assert_int_equal(r.line_torn, 1);
	assert_int_equal(r.lineno, 4);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 0);
	assert_int_equal(r.torn, 1);
	assert_non_null(strstr(f->warnings, "2026-11-23.ndjson.gz:4: torn last line (no newline at end)\n"));
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	assert_int_equal(c.pos[0].offset, 24);
	/* Resumes at the end without complaint. */
	f->nwarn = 0;
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(f->nwarn, 0);

	/* A torn line of blanks only, and garbage after the last member. */
	put_gz(f, "2026-11-24.ndjson.gz", "{\"b\":1}\n  ");
	snprintf(path, sizeof(path), "%s/2026-11-24.ndjson.gz", f->spans);
	{
		FILE *fp = fopen(path, "ab");

		fputs("trailing garbage", fp);
		fclose(fp);
	}
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"b\":1}");
	assert_int_equal(c.pos[1].offset, 11);
	/* An empty gz and an empty plain segment. */
	put_gz(f, "2026-11-25.ndjson.gz", "");
	put(f, "2026-11-25.ndjson", "", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "");
	obs_cursor_release(&c);
}

static void test_bad_gz(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	char path[256], want[512];
	FILE *fp;
	unsigned char junk[64];
	uLongf zlen;
	unsigned char z[256];
	const char *text = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n";

	obs_cursor_init(&c);
	/* Not gzip at all. */
	put(f, "2026-11-22.ndjson.gz", "{\"x\":1}\n", "w");
	/* A truncated gzip. */
	put_gz(f, "2026-11-23.ndjson.gz", text);
	snprintf(path, sizeof(path), "%s/2026-11-23.ndjson.gz", f->spans);
	fp = fopen(path, "rb");
	zlen = fread(z, 1, sizeof(z), fp);
	fclose(fp);
	fp = fopen(path, "wb");
	fwrite(z, 1, zlen - 6, fp);
	fclose(fp);
	/* Corrupt deflate data after a valid header. */
	memcpy(junk, z, 10);
	memset(junk + 10, 0xff, sizeof(junk) - 10);
	snprintf(path, sizeof(path), "%s/2026-11-24.ndjson.gz", f->spans);
	fp = fopen(path, "wb");
	fwrite(junk, 1, sizeof(junk), fp);
	fclose(fp);
	put(f, "2026-11-25.ndjson", "{\"ok\":1}\n", "w");

	open_reader(f, &r, &c);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), -1);
	snprintf(want, sizeof(want), "'%s/2026-11-22.ndjson.gz': invalid gzip data", f->spans);
	assert_string_equal(err.msg, want);
	/* The truncated one: its complete lines first. */
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":1}");
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), -1);
	snprintf(want, sizeof(want), "'%s/2026-11-23.ndjson.gz': truncated gzip data", f->spans);
	assert_string_equal(err.msg, want);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), -1);
	snprintf(want, sizeof(want), "'%s/2026-11-24.ndjson.gz': invalid gzip data", f->spans);
	assert_string_equal(err.msg, want);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{\"ok\":1}");
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 0);
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	/* Resuming at a position inside a bad gz: the error again, once. */
	open_reader(f, &r, &c);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), -1);
	assert_non_null(strstr(err.msg, "2026-11-22.ndjson.gz': invalid gzip data"));
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), -1);
	assert_non_null(strstr(err.msg, "2026-11-23.ndjson.gz': truncated gzip data"));
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), -1);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 0);
	obs_cursor_reader_close(&r);
	obs_cursor_release(&c);
}

static void test_long_lines(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_reader r;
	struct obs_error err;
	char out[1024], *big, *gzbig;
	size_t n = 200000;

	obs_cursor_init(&c);
	big = malloc(n + 64);
	memset(big, 'x', n);
	strcpy(big + n, "\n{\"a\":2}\n");
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n", "w");
	put(f, "2026-11-23.ndjson", big, "a");
	open_reader(f, &r, &c);
	r.max_line = 100;
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"a\":1}|{\"a\":2}");
	assert_int_equal(r.skipped, 1);
	assert_non_null(strstr(f->warnings, "/2026-11-23.ndjson:2: line longer than 100 bytes, "
				"skipped\n"));
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	assert_int_equal(c.pos[0].offset, 8 + n + 1 + 8);
	assert_int_equal(c.pos[0].lineno, 3);

	/* A long line ending the data without a newline: left where it starts. */
	put(f, "2026-11-23.ndjson", big, "a");
	big[n] = '\0';
	put(f, "2026-11-23.ndjson", big, "a");
	open_reader(f, &r, &c);
	r.max_line = 100;
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"a\":2}");
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.torn, 1);
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	assert_int_equal(c.pos[0].offset, 8 + 2 * (n + 1 + 8));
	/* The long line is skipped when it ends: the position checks still hold. */
	put(f, "2026-11-23.ndjson", "\n", "a");
	open_reader(f, &r, &c);
	r.max_line = 100;
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.restarted, 0);
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	/* Resuming after a long line checks its fingerprint. */
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(c.pos[0].len, n);

	/* In a gz: a long last line without newline, skipped. */
	gzbig = malloc(n + 16);
	strcpy(gzbig, "{\"g\":1}\n");
	memset(gzbig + 8, 'y', n);
	gzbig[8 + n] = '\0';
	put_gz(f, "2026-11-24.ndjson.gz", gzbig);
	open_reader(f, &r, &c);
	r.max_line = 100;
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"g\":1}");
	assert_int_equal(r.skipped, 1);
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	obs_cursor_reader_close(&r);
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(r.restarted, 0);
	free(gzbig);
	free(big);
	obs_cursor_release(&c);
}

static void test_follow(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_reader r;
	struct obs_error err;
	char out[1024], path[256], tmp[256];
	uint64_t done, total;

	obs_cursor_init(&c);
	/* No signal folder yet: empty, then it appears. */
	rmdir(f->spans);
	open_reader(f, &r, &c);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "");
	mkdir(f->spans, 0700);
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n", "w");
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"a\":1}");
	/* Growth, a new day, a late record for an earlier day. */
	put(f, "2026-11-23.ndjson", "{\"a\":2}\n", "a");
	put(f, "2026-11-24.ndjson", "{\"b\":1}\n", "w");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"a\":2}|{\"b\":1}");
	put(f, "2026-11-22.ndjson", "{\"z\":1}\n", "w");
	put(f, "2026-11-24.ndjson", "{\"b\":2}\n", "a");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	obs_cursor_reader_progress(&r, &done, &total);
	assert_int_equal(total, 8 * 5);
	assert_int_equal(done, 8 * 3);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"z\":1}|{\"b\":2}");
	obs_cursor_reader_progress(&r, &done, &total);
	assert_int_equal(done, total);
	/* Truncated while followed. */
	put(f, "2026-11-24.ndjson", "{\"c\":1}\n", "w");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	assert_int_equal(r.restarted, 1);
	assert_non_null(strstr(f->warnings, "2026-11-24.ndjson' shrank under the cursor (truncated or "
				"rewritten): reading it again from the start\n"));
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"c\":1}");
	/* Replaced by a longer file with the same start (rename over it): read on. */
	snprintf(path, sizeof(path), "%s/2026-11-24.ndjson", f->spans);
	snprintf(tmp, sizeof(tmp), "%s/tmp", f->spans);
	{
		FILE *fp = fopen(tmp, "w");

		fputs("{\"c\":1}\n{\"c\":2}\n", fp);
		fclose(fp);
	}
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"c\":2}");
	/* Replaced by other content of the same length: read again. */
	{
		FILE *fp = fopen(tmp, "w");

		fputs("{\"d\":1}\n{\"d\":2}\n", fp);
		fclose(fp);
	}
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"d\":1}|{\"d\":2}");
	assert_int_equal(r.restarted, 2);
	/* Compressed while followed: nothing again. */
	put_gz(f, "2026-11-24.ndjson.gz", "{\"d\":1}\n{\"d\":2}\n");
	rm(f, "2026-11-24.ndjson");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(r.restarted, 2);
	/* A gz replaced by another gz is checked again. */
	put_gz(f, "2026-11-24.ndjson.gz", "{\"d\":1}\n{\"d\":2}\n{\"d\":3}\n");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"d\":3}");
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	assert_int_equal(c.npos, 3);
	obs_cursor_reader_close(&r);
	obs_cursor_release(&c);
}

static void test_gone_while_open(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	char out[1024];

	obs_cursor_init(&c);
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n{\"a\":2}\n", "w");
	put(f, "2026-11-24.ndjson", "{\"b\":1}\n", "w");
	open_reader(f, &r, &c);
	/* Deleted after the listing, before it is opened. */
	rm(f, "2026-11-23.ndjson");
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"b\":1}");
	obs_cursor_reader_close(&r);

	put(f, "2026-11-23.ndjson", "{\"a\":1}\n{\"a\":2}\n", "w");
	open_reader(f, &r, &c);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	/* Deleted while open: the open file is read to its end. */
	rm(f, "2026-11-23.ndjson");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"a\":2}|{\"b\":1}");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	assert_int_equal(obs_cursor_reader_save(&r, &c, &err), 0);
	assert_int_equal(c.npos, 1);
	assert_string_equal(c.pos[0].name, "2026-11-24.ndjson");
	obs_cursor_reader_close(&r);
	obs_cursor_release(&c);
}

static void test_reader_errors(void **state)
{
	struct fx *f = *state;
	struct obs_cursor_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	char path[256], want[512];

	assert_int_equal(obs_cursor_reader_open(&r, &f->st, "Spans", NULL, &err), -1);
	assert_string_equal(err.msg, "invalid signal 'Spans'");
	assert_int_equal(obs_cursor_reader_open(&r, &f->st, "", NULL, &err), -1);
	assert_string_equal(err.msg, "invalid signal ''");
	/* The signal folder is a file. */
	put(f, "2026-11-23.ndjson", "{}\n", "w");
	snprintf(path, sizeof(path), "%s/logs", f->dir);
	fclose(fopen(path, "w"));
	assert_int_equal(obs_cursor_reader_open(&r, &f->st, "logs", NULL, &err), -1);
	snprintf(want, sizeof(want), "cannot read '%s': Not a directory", path);
	assert_string_equal(err.msg, want);
	/* A segment that is a folder. */
	snprintf(path, sizeof(path), "%s/2026-11-22.ndjson", f->spans);
	mkdir(path, 0700);
	open_reader(f, &r, NULL);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), -1);
	snprintf(want, sizeof(want), "cannot read '%s': Is a directory", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	assert_string_equal(line, "{}");
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 0);
	obs_cursor_reader_close(&r);
}

static void test_positions_past_the_end(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_pos p = { (char *)"2026-11-23.ndjson.gz", 100, 1, 3, 5 };
	struct obs_cursor_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	char out[256], path[256], want[512];
	unsigned char z[256];
	size_t zlen;
	FILE *fp;

	obs_cursor_init(&c);
	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	/* A short gz: the position is past its end. */
	put_gz(f, "2026-11-23.ndjson.gz", "{\"a\":1}\n");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{\"a\":1}");
	assert_int_equal(f->nwarn, 1);
	/* A truncated gz with a position after the cut: the error, then on. */
	p.name = (char *)"2026-11-24.ndjson.gz";
	p.offset = 4000;
	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	{
		char text[5000];

		for (int i = 0; i < 500; i++)
			snprintf(text + 9 * i, sizeof(text) - 9 * (size_t)i, "{\"b\":%03d}", i);
		for (int i = 0; i < 500; i++)
			text[9 * i + 8] = '\n';
		text[4500] = '\0';
		put_gz(f, "2026-11-24.ndjson.gz", text);
	}
	snprintf(path, sizeof(path), "%s/2026-11-24.ndjson.gz", f->spans);
	fp = fopen(path, "rb");
	zlen = fread(z, 1, sizeof(z), fp);
	fclose(fp);
	fp = fopen(path, "wb");
	fwrite(z, 1, zlen / 2, fp);
	fclose(fp);
	open_reader(f, &r, &c);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), -1);
	snprintf(want, sizeof(want), "'%s': truncated gzip data", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 0);
	obs_cursor_reader_close(&r);
	/* A name that is not a segment's. */
	p.name = (char *)"notes.txt";
	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	assert_int_equal(obs_cursor_reader_open(&r, &f->st, "spans", &c, &err), -1);
	assert_string_equal(err.msg, "invalid segment name 'notes.txt'");
	obs_cursor_release(&c);
}

static void test_torn_followed_and_progress(void **state)
{
	struct fx *f = *state;
	struct obs_cursor_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	uint64_t done, total;
	char out[256];

	put_gz(f, "2026-11-22.ndjson.gz", "{\"g\":1}\n{\"g\":2}\n");
	put(f, "2026-11-23.ndjson", "{\"a\":1}\n{\"a\":", "w");
	open_reader(f, &r, NULL);
	assert_int_equal(obs_cursor_reader_next(&r, &line, &len, &err), 1);
	obs_cursor_reader_progress(&r, &done, &total);
	assert_true(done > 0 && done < total);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "{\"g\":2}|{\"a\":1}");
	put(f, "2026-11-23.ndjson", "2", "a");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	drain(&r, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(r.torn, 1);
	assert_int_equal(f->nwarn, 1);
	rm(f, "2026-11-22.ndjson.gz");
	assert_int_equal(obs_cursor_reader_refresh(&r, &err), 0);
	obs_cursor_reader_progress(&r, &done, &total);
	assert_int_equal(total, 14);
	assert_int_equal(done, 8);
	obs_cursor_reader_close(&r);
}

static void test_cursor_entries_without_files(void **state)
{
	struct fx *f = *state;
	struct obs_cursor c;
	struct obs_cursor_pos p = { (char *)"2026-11-20.ndjson", 10, 1, 3, 1 };
	struct obs_error err;
	char out[64];

	obs_cursor_init(&c);
	assert_int_equal(obs_cursor_set(&c, &p, &err), 0);
	put(f, "2026-11-23.ndjson", "{}\n", "w");
	run(f, &c, out, sizeof(out));
	assert_string_equal(out, "{}");
	assert_int_equal(c.npos, 1);
	assert_string_equal(c.pos[0].name, "2026-11-23.ndjson");
	obs_cursor_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_segment_name),
		cmocka_unit_test(test_set_find),
		cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_ok_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compressed_under_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_and_gz_same_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gz_torn_and_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_gz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_while_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_entries_without_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positions_past_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_followed_and_progress, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
