/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_source: files, standard input and the store as one stream of lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_source.h"
#include "obs_time.h"

static char tmpdir[64];

struct warnings {
	int n;
	char last[OBS_ERROR_MAX];
};

static void collect(void *ctx, const char *msg)
{
	struct warnings *w = ctx;

	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", msg);
}

static char *path_of(const char *name)
{
	static char buf[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_file(const char *name, const char *data, size_t len)
{
	FILE *fp = fopen(path_of(name), "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void write_gz(const char *name, const char *data, size_t len, size_t cut)
{
	gzFile gz = gzopen(path_of(name), "wb");
	FILE *fp;
	long size;

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
	gzclose(gz);
	if (!cut)
		return;
	fp = fopen(path_of(name), "r+");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	assert_int_equal(ftruncate(fileno(fp), size - (long)cut), 0);
	fclose(fp);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_source.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Read everything, joining lines with '|', errors as "!"; returns the number of errors. */
static int drain(struct obs_source *src, char *out, size_t size, char *lasterr)
{
	struct obs_error err;
	const char *line;
	size_t len, n = 0;
	int r, errors = 0;

	out[0] = '\0';
	for (;;) {
		r = obs_source_next(src, &line, &len, &err);
		if (r == 0)
			break;
		if (r < 0) {
			errors++;
			if (lasterr)
				strcpy(lasterr, err.msg);
			n += (size_t)snprintf(out + n, size - n, "!|");
			if (errors > 10)
				break;
			continue;
		}
		assert_int_equal(strlen(line), len);
		n += (size_t)snprintf(out + n, size - n, "%s|", line);
	}
	return errors;
}

static void test_files(void **state)
{
	struct obs_source src;
	struct warnings w = { 0 };
	char out[512], err[OBS_ERROR_MAX];
	char *files[3];

	(void)state;
	write_file("a.ndjson", "{\"a\":1}\n\n{\"a\":2}\r\n", 18);
	write_gz("b.ndjson.gz", "{\"b\":1}\n{\"b\":2}", 15, 0);
	files[0] = path_of("a.ndjson");
	files[1] = path_of("missing.ndjson");
	files[2] = path_of("b.ndjson.gz");
	obs_source_init(&src);
	src.warn = collect;
	src.warn_ctx = &w;
	assert_int_equal(obs_source_open(&src, files, 3, "spans", OBS_TIME_MIN, OBS_TIME_MAX, NULL), 0);
	assert_int_equal(drain(&src, out, sizeof(out), err), 1);
	assert_string_equal(out, "{\"a\":1}|{\"a\":2}|!|{\"b\":1}|{\"b\":2}|");
	assert_true(strstr(err, "cannot open '") != NULL);
	assert_true(strstr(err, "missing.ndjson': No such file or directory") != NULL);
	/* The last line of b has no newline: a torn line, returned and reported. */
	assert_int_equal(w.n, 1);
	assert_true(strstr(w.last, "b.ndjson.gz:2: torn last line") != NULL);
	assert_int_equal(src.torn, 1);
	assert_int_equal(src.line_torn, 1);
	assert_int_equal(src.lineno, 2);
	assert_int_equal(src.inputs, 2);
	assert_int_equal(src.from_store, 0);
	obs_source_close(&src);
}

static void test_oversized(void **state)
{
	struct obs_source src;
	struct warnings w = { 0 };
	char line[200], out[512], err[OBS_ERROR_MAX];
	char *files[1];
	int n;

	(void)state;
	n = snprintf(line, sizeof(line), "{\"a\":\"%060d\"}\n{\"b\":1}\n", 0);
	write_file("big.ndjson", line, (size_t)n);
	files[0] = path_of("big.ndjson");

	/* Lenient: skipped with a warning. */
	obs_source_init(&src);
	src.warn = collect;
	src.warn_ctx = &w;
	src.max_line = 16;
	assert_int_equal(obs_source_open(&src, files, 1, "spans", OBS_TIME_MIN, OBS_TIME_MAX, NULL), 0);
	assert_int_equal(drain(&src, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "{\"b\":1}|");
	assert_int_equal(w.n, 1);
	assert_true(strstr(w.last, "big.ndjson:1: line longer than 16 bytes, skipped") != NULL);
	assert_int_equal(src.skipped, 1);
	obs_source_close(&src);

	/* Strict: an error, once. */
	memset(&w, 0, sizeof(w));
	obs_source_init(&src);
	src.warn = collect;
	src.warn_ctx = &w;
	src.max_line = 16;
	src.strict = 1;
	assert_int_equal(obs_source_open(&src, files, 1, "spans", OBS_TIME_MIN, OBS_TIME_MAX, NULL), 0);
	assert_int_equal(drain(&src, out, sizeof(out), err), 1);
	assert_string_equal(out, "!|{\"b\":1}|");
	assert_true(strstr(err, "big.ndjson:1: line longer than 16 bytes") != NULL);
	assert_null(strstr(err, "skipped"));
	assert_int_equal(w.n, 0);
	obs_source_close(&src);
}

static void test_stdin(void **state)
{
	struct obs_source src;
	char out[512];
	int fds[2], saved;

	(void)state;
	saved = dup(0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "{\"s\":1}\n", 8), 8);
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	assert_int_equal(obs_source_stdin_is_data(), 1);
	obs_source_init(&src);
	assert_int_equal(obs_source_open(&src, NULL, 0, "spans", OBS_TIME_MIN, OBS_TIME_MAX, NULL), 0);
	assert_int_equal(drain(&src, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "{\"s\":1}|");
	assert_string_equal(src.name, "<stdin>");
	obs_source_close(&src);

	/* A character device (a terminal, /dev/null under cron) is not data. */
	dup2(open("/dev/null", O_RDONLY), 0);
	assert_int_equal(obs_source_stdin_is_data(), 0);
	/* A closed standard input neither. */
	close(0);
	assert_int_equal(obs_source_stdin_is_data(), 0);
	dup2(saved, 0);
	close(saved);
}

static void test_store(void **state)
{
	struct obs_source src;
	struct warnings w = { 0 };
	struct obs_error err;
	char out[512], msg[OBS_ERROR_MAX], root[300];
	int64_t since, until;
	int saved, devnull;

	(void)state;
	snprintf(root, sizeof(root), "%s/store", tmpdir);
	mkdir(root, 0700);
	mkdir(path_of("store/spans"), 0700);
	write_file("store/spans/2026-11-23.ndjson", "{\"d\":23}\n", 9);
	write_file("store/spans/2026-11-24.ndjson", "{\"d\":24}\n{\"d\":24.5}", 19);
	write_gz("store/spans/2026-11-25.ndjson.gz", "{\"d\":25}\n{\"d\":25.5}\n", 20, 6);
	write_file("store/spans/2026-11-26.ndjson", "{\"d\":26}\n", 9);

	/* Standard input is /dev/null: the store is read. */
	saved = dup(0);
	devnull = open("/dev/null", O_RDONLY);
	dup2(devnull, 0);
	close(devnull);

	assert_int_equal(obs_time_parse("2026-11-24T12:00:00Z", &since, NULL), 0);
	assert_int_equal(obs_time_parse("2026-11-25T01:00:00Z", &until, NULL), 0);
	obs_source_init(&src);
	src.store_root = root;
	src.warn = collect;
	src.warn_ctx = &w;
	assert_int_equal(obs_source_open(&src, NULL, 0, "spans", since, until, &err), 0);
	assert_int_equal(src.from_store, 1);
	assert_int_equal(drain(&src, out, sizeof(out), msg), 1);
	/* The truncated gzip segment fails after its complete lines, once. */
	assert_true(strstr(out, "{\"d\":24}|{\"d\":24.5}|{\"d\":25}|") == out);
	assert_true(strstr(msg, "2026-11-25.ndjson.gz': truncated gzip input") != NULL ||
		    strstr(msg, "2026-11-25.ndjson.gz': invalid gzip data") != NULL);
	assert_int_equal(w.n, 1);
	assert_true(strstr(w.last, "2026-11-24.ndjson:2: torn last line") != NULL);
	assert_int_equal(src.inputs, 2);
	obs_source_close(&src);

	/* All days. */
	obs_source_init(&src);
	src.store_root = root;
	assert_int_equal(obs_source_open(&src, NULL, 0, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &err), 0);
	assert_int_equal(drain(&src, out, sizeof(out), NULL), 1);
	assert_true(strncmp(out, "{\"d\":23}|{\"d\":24}|", 18) == 0);
	assert_true(strstr(out, "!|{\"d\":26}|") != NULL);
	obs_source_close(&src);

	/* A signal with no folder yet: nothing, no error. */
	obs_source_init(&src);
	src.store_root = root;
	assert_int_equal(obs_source_open(&src, NULL, 0, "logs", OBS_TIME_MIN, OBS_TIME_MAX, &err), 0);
	assert_int_equal(drain(&src, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "");
	obs_source_close(&src);

	/* Errors opening the store. */
	obs_source_init(&src);
	src.store_root = root;
	assert_int_equal(obs_source_open(&src, NULL, 0, "Bad/Signal", OBS_TIME_MIN, OBS_TIME_MAX, &err), -1);
	assert_string_equal(err.msg, "invalid signal name 'Bad/Signal': must match [a-z0-9_-]+");
	obs_source_close(&src);
	obs_source_init(&src);
	src.store_root = "";
	assert_int_equal(obs_source_open(&src, NULL, 0, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &err), -1);
	assert_string_equal(err.msg, "invalid store location '': empty path");
	obs_source_close(&src);

	dup2(saved, 0);
	close(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_store),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
