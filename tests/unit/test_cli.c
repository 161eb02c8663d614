/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_cli: the input with reporting, bad options, text width; output and exit statuses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_cli_input.h"

static char dir[64], errpath[128];
static int saved_stderr = -1;

/* Send stderr to a file until stderr_text() reads it back. */
static void capture_stderr(void)
{
	int fd;

	fflush(stderr);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static const char *stderr_text(void)
{
	static char text[4096];
	FILE *fp;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	fp = fopen(errpath, "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	return text;
}

static char *put(const char *name, const char *data)
{
	static char path[8][128];
	static int k;
	char *p = path[k++ % 8];
	FILE *fp;

	snprintf(p, 128, "%s/%s", dir, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(data, fp);
	fclose(fp);
	return p;
}

static int setup(void **state)
{
	(void)state;
	obs_cli_init("/usr/bin/obs-test");
	strcpy(dir, "/tmp/obs-test-cli-input-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Every line of every file, a rejected one reported and counted, then the summary. */
static void test_lines_and_bad(void **state)
{
	char want[512];
	char *files[2];
	struct obs_cli_input in;
	const char *line;
	size_t len;
	int n = 0;

	(void)state;
	files[0] = put("a.ndjson", "{\"a\":1}\nnot json\n");
	files[1] = put("b.ndjson", "{\"b\":2}\n");
	capture_stderr();
	assert_int_equal(obs_cli_input_open(&in, files, 2, "spans", 0, 0, 0), 0);
	while (obs_cli_input_next(&in, &line, &len) > 0) {
		n++;
		if (line[0] != '{')
			assert_int_equal(obs_cli_input_bad(&in, "not a JSON object"), 0);
	}
	assert_int_equal(n, 3);
	assert_int_equal(in.malformed, 1);
	assert_int_equal(obs_cli_input_finish(&in, OBS_EXIT_OK), OBS_EXIT_OK);
	snprintf(want, sizeof(want), "obs-test: %s:2: not a JSON object\n"
		 "obs-test: 1 malformed line skipped\n", files[0]);
	assert_string_equal(stderr_text(), want);
	/* the status the command chose stays; two lines are "lines" */
	capture_stderr();
	assert_int_equal(obs_cli_input_open(&in, files, 1, "spans", 0, 0, 0), 0);
	while (obs_cli_input_next(&in, &line, &len) > 0)
		if (line[0] != '{')
			obs_cli_input_bad(&in, "bad");
	obs_cli_input_bad(&in, "also bad");
	assert_int_equal(obs_cli_input_finish(&in, OBS_EXIT_FOUND), OBS_EXIT_FOUND);
	snprintf(want, sizeof(want), "obs-test: %s:2: bad\nobs-test: %s:2: also bad\n"
		 "obs-test: 2 malformed lines skipped\n", files[0], files[0]);
	assert_string_equal(stderr_text(), want);
}

static void test_messages(void **state)
{
	char want[512];
	char *files[1];
	struct obs_cli_input in;
	const char *line;
	size_t len;

	(void)state;
	files[0] = put("m.ndjson", "{\"a\":1}\nx\n");
	capture_stderr();
	assert_int_equal(obs_cli_input_open(&in, files, 1, "logs", 0, 0, 0), 0);
	while (obs_cli_input_next(&in, &line, &len) > 0)
		if (line[0] == 'x')
			obs_cli_input_bad(&in, "not a JSON object");
	obs_cli_input_finish(&in, OBS_EXIT_OK);
	snprintf(want, sizeof(want),
		 "obs-test: %s:2: not a JSON object\nobs-test: 1 malformed line skipped\n", files[0]);
	assert_string_equal(stderr_text(), want);
}

/* A torn last line was reported by the reader: rejecting it says nothing more. */
static void test_torn_line(void **state)
{
	char want[512];
	char *files[1];
	struct obs_cli_input in;
	const char *line;
	size_t len;
	int n = 0;

	(void)state;
	files[0] = put("t.ndjson", "{\"a\":1}\n{\"a\":");
	capture_stderr();
	assert_int_equal(obs_cli_input_open(&in, files, 1, "spans", 0, 0, 0), 0);
	while (obs_cli_input_next(&in, &line, &len) > 0) {
		if (++n == 2) {
			assert_int_equal(in.src.line_torn, 1);
			assert_int_equal(obs_cli_input_bad(&in, "truncated"), 0);
		}
	}
	assert_int_equal(in.malformed, 0);
	assert_int_equal(obs_cli_input_finish(&in, OBS_EXIT_OK), OBS_EXIT_OK);
	snprintf(want, sizeof(want), "%s:2: ", files[0]);
	assert_non_null(strstr(stderr_text(), want));
}

/* An input that cannot be read: reported, the others are read, the status says so. */
static void test_unreadable(void **state)
{
	char missing[128], want[512];
	char *files[2];
	struct obs_cli_input in;
	const char *line;
	size_t len;
	int n = 0;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/missing.ndjson", dir);
	files[0] = missing;
	files[1] = put("ok.ndjson", "{\"a\":1}\n");
	capture_stderr();
	assert_int_equal(obs_cli_input_open(&in, files, 2, "spans", 0, 0, 0), 0);
	while (obs_cli_input_next(&in, &line, &len) > 0)
		n++;
	assert_int_equal(n, 1);
	assert_int_equal(in.failed, 1);
	assert_int_equal(obs_cli_input_finish(&in, OBS_EXIT_OK), OBS_EXIT_FAILURE);
	snprintf(want, sizeof(want), "obs-test: cannot open '%s': No such file or directory\n",
		 missing);
	assert_string_equal(stderr_text(), want);
}

/* Strict: an unreadable input stops the reading, a bad line asks to stop, no summary. */
static void test_strict(void **state)
{
	char missing[128];
	char *files[2];
	struct obs_cli_input in;
	const char *line;
	size_t len;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/missing.ndjson", dir);
	files[0] = missing;
	files[1] = put("s.ndjson", "x\n");
	capture_stderr();
	assert_int_equal(obs_cli_input_open(&in, files, 2, "spans", 0, 0, 1), 0);
	assert_int_equal(obs_cli_input_next(&in, &line, &len), -1);
	assert_int_equal(obs_cli_input_finish(&in, OBS_EXIT_OK), OBS_EXIT_FAILURE);
	(void)stderr_text();

	capture_stderr();
	assert_int_equal(obs_cli_input_open(&in, files + 1, 1, "spans", 0, 0, 1), 0);
	assert_int_equal(obs_cli_input_next(&in, &line, &len), 1);
	assert_int_equal(obs_cli_input_bad(&in, "not a JSON object"), -1);
	assert_int_equal(obs_cli_input_finish(&in, OBS_EXIT_OK), OBS_EXIT_FAILURE);
	assert_null(strstr(stderr_text(), "skipped"));
}

/* No file named, standard input not data, and no store to be found. */
static void test_open_fails(void **state)
{
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	char *obs_home = getenv("OBS_HOME") ? strdup(getenv("OBS_HOME")) : NULL;
	char *xdg = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;
	struct obs_cli_input in;
	int saved_stdin = dup(0), null = open("/dev/null", O_RDONLY);

	(void)state;
	dup2(null, 0);
	close(null);
	unsetenv("HOME");
	unsetenv("OBS_HOME");
	unsetenv("XDG_DATA_HOME");
	capture_stderr();
	assert_int_equal(obs_cli_input_open(&in, NULL, 0, "spans", 0, 0, 0), OBS_EXIT_FAILURE);
	assert_string_equal(stderr_text(), "obs-test: cannot locate the store: none of OBS_HOME, "
					   "XDG_DATA_HOME, HOME is set\n");
	dup2(saved_stdin, 0);
	close(saved_stdin);
	if (home)
		setenv("HOME", home, 1);
	if (obs_home)
		setenv("OBS_HOME", obs_home, 1);
	if (xdg)
		setenv("XDG_DATA_HOME", xdg, 1);
	free(home);
	free(obs_home);
	free(xdg);
}

static int bad_option(char **argv, int ind, int opt, int c, const char **text)
{
	int rc;

	optind = ind;
	optopt = opt;
	capture_stderr();
	rc = obs_cli_bad_option("query", "query [options]", argv, c);
	*text = stderr_text();
	return rc;
}

static void test_bad_option(void **state)
{
	char a0[] = "query", a1[] = "--since", a2[] = "-x", a3[] = "--bogus";
	char *argv[] = { a0, a1, a2, a3, NULL };
	const char *text;

	(void)state;
	assert_int_equal(bad_option(argv, 2, 0, ':', &text), OBS_EXIT_USAGE);
	assert_string_equal(text, "obs-test: query: option '--since' needs a value\n"
				  "usage: obs-test query [options]\n");
	assert_int_equal(bad_option(argv, 3, 'x', '?', &text), OBS_EXIT_USAGE);
	assert_string_equal(text, "obs-test: query: unknown option '-x'\n"
				  "usage: obs-test query [options]\n");
	assert_int_equal(bad_option(argv, 4, 0, '?', &text), OBS_EXIT_USAGE);
	assert_string_equal(text, "obs-test: query: unknown option '--bogus'\n"
				  "usage: obs-test query [options]\n");
}

static void test_text_width(void **state)
{
	(void)state;
	assert_int_equal(obs_cli_text_width(""), 0);
	assert_int_equal(obs_cli_text_width("abc"), 3);
	assert_int_equal(obs_cli_text_width("caf\xc3\xa9 \xe2\x94\x9c\xe2\x94\x80"), 7);
	assert_int_equal(obs_cli_text_width("\xf0\x9f\x98\x80"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_and_bad),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_torn_line),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_open_fails),
		cmocka_unit_test(test_bad_option),
		cmocka_unit_test(test_text_width),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
