/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_logparse: fixture corpora per format, and every rule and error on its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "obs_logparse.h"
#include "obs_ndjson.h"
#include "obs_time.h"

#define S OBS_NS_PER_SEC
/* 2024-01-20T12:00:00Z, the reference time unless a test says otherwise. */
#define REF (1705752000LL * S)

/* ---- fixtures: tests/fixtures/logs/<dir>/<case>.log against <case>.ndjson --------- */

/*
 * <case>.opts, optional, holds KEY=VALUE lines: format, timezone,
 * reference (RFC 3339), service, regex, multiline (0/1), max_msg, and
 * detect (the format obs_log_format_detect must guess from the file).
 * The format defaults to the directory's name.
 */
struct fixture {
	char format[32], timezone[128], service[128], regex[2048], detect[32];
	int64_t reference;
	int multiline;
	size_t max_msg;
};

static const char *fixture_root(void)
{
	const char *d = getenv("OBS_LOG_FIXTURES");

	return d && *d ? d : "tests/fixtures/logs";
}

static void read_opts(const char *path, struct fixture *fx)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (!eq)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "format") == 0)
			snprintf(fx->format, sizeof(fx->format), "%s", eq);
		else if (strcmp(line, "timezone") == 0)
			snprintf(fx->timezone, sizeof(fx->timezone), "%s", eq);
		else if (strcmp(line, "service") == 0)
			snprintf(fx->service, sizeof(fx->service), "%s", eq);
		else if (strcmp(line, "regex") == 0)
			snprintf(fx->regex, sizeof(fx->regex), "%s", eq);
		else if (strcmp(line, "detect") == 0)
			snprintf(fx->detect, sizeof(fx->detect), "%s", eq);
		else if (strcmp(line, "reference") == 0)
			assert_int_equal(obs_time_parse(eq, &fx->reference, NULL), 0);
		else if (strcmp(line, "multiline") == 0)
			fx->multiline = atoi(eq);
		else if (strcmp(line, "max_msg") == 0)
			fx->max_msg = (size_t)atol(eq);
		else
			fail_msg("%s: unknown option '%s'", path, line);
	}
	fclose(f);
}

/* Lines of FILE, in a NULL-terminated array (caller frees); NULL if absent. */
static char **read_lines(const char *path, int *n)
{
	FILE *f = fopen(path, "r");
	char **v = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t len;

	*n = 0;
	if (!f)
		return NULL;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		v = realloc(v, (size_t)(*n + 2) * sizeof(*v));
		assert_non_null(v);
		v[(*n)++] = strdup(line);
		v[*n] = NULL;
	}
	free(line);
	fclose(f);
	return v;
}

static void free_lines(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Compare record number *GOT (from 0) with the expected lines. */
static void check_record(const char *dir, const char *name, json_t *rec, char **want, int nwant,
			 int *got, FILE *actual)
{
	char *s = obs_json_dump_line(rec, NULL);

	assert_non_null(s);
	if (actual) {
		/* Writing the records out for review: nothing is compared. */
		fprintf(actual, "%s\n", s);
		(*got)++;
		free(s);
		json_decref(rec);
		return;
	}
	if (*got >= nwant)
		fail_msg("%s/%s: record %d not expected: %s", dir, name, *got + 1, s);
	if (strcmp(s, want[*got]) != 0)
		fail_msg("%s/%s record %d:\n  got  %s\n  want %s", dir, name, *got + 1, s, want[*got]);
	(*got)++;
	free(s);
	json_decref(rec);
}

static void run_case(const char *dir, const char *name)
{
	char path[1024], exp_path[1024];
	struct fixture fx = { .reference = REF };
	struct obs_logparse_options opt = { 0 };
	struct obs_logparse p;
	struct obs_logjoin j;
	struct obs_ndjson_reader r;
	struct obs_error err = { "" };
	char **want, *out_dir = getenv("OBS_LOG_FIXTURE_OUT");
	FILE *actual = NULL;
	const char *line;
	size_t len;
	int nwant, got = 0, rc, fmt;
	json_t *rec;

	snprintf(fx.format, sizeof(fx.format), "%s", dir);
	snprintf(path, sizeof(path), "%s/%s/%s.opts", fixture_root(), dir, name);
	read_opts(path, &fx);
	fmt = obs_log_format_parse(fx.format);
	if (fmt < 0)
		fail_msg("%s/%s: unknown format '%s'", dir, name, fx.format);
	opt.format = (enum obs_log_format)fmt;
	opt.timezone = fx.timezone[0] ? fx.timezone : NULL;
	opt.service = fx.service[0] ? fx.service : NULL;
	opt.regex = fx.regex[0] ? fx.regex : NULL;
	opt.reference = fx.reference;
	if (obs_logparse_init(&p, &opt, &err) != 0)
		fail_msg("%s/%s: %s", dir, name, err.msg);
	obs_logjoin_init(&j, &p);
	j.multiline = fx.multiline;
	if (fx.max_msg)
		j.max_msg = fx.max_msg;

	snprintf(exp_path, sizeof(exp_path), "%s/%s/%s.ndjson", fixture_root(), dir, name);
	want = read_lines(exp_path, &nwant);
	if (out_dir) {
		char apath[1024];

		snprintf(apath, sizeof(apath), "%s/%s.%s.ndjson", out_dir, dir, name);
		actual = fopen(apath, "w");
	}
	snprintf(path, sizeof(path), "%s/%s/%s.log", fixture_root(), dir, name);
	if (obs_ndjson_open(&r, path, &err) != 0)
		fail_msg("%s", err.msg);
	while ((rc = obs_ndjson_next_line(&r, &line, &len, &err)) == 1)
		if (obs_logjoin_push(&j, line, len, &rec, &err) == 1)
			check_record(dir, name, rec, want, nwant, &got, actual);
	assert_int_equal(rc, 0);
	if (obs_logjoin_finish(&j, &rec, &err) == 1)
		check_record(dir, name, rec, want, nwant, &got, actual);
	if (actual)
		fclose(actual);
	else if (got != nwant)
		fail_msg("%s/%s: %d records, %d expected", dir, name, got, nwant);
	obs_ndjson_close(&r);

	if (fx.detect[0]) {
		char **lines = read_lines(path, &nwant);
		int n = nwant < 10 ? nwant : 10;
		const char *guess =
			obs_log_format_name(obs_log_format_detect((const char *const *)lines, n));

		if (strcmp(guess, fx.detect) != 0)
			fail_msg("%s/%s: detected %s, want %s", dir, name, guess, fx.detect);
		free_lines(lines);
	}
	free_lines(want);
	obs_logjoin_release(&j);
	obs_logparse_release(&p);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
	char path[1024], *names[64];
	int n = 0, i;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/%s", fixture_root(), dir);
	d = opendir(path);
	if (!d)
		fail_msg("cannot open '%s'", path);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l > 4 && strcmp(e->d_name + l - 4, ".log") == 0 && n < 64)
			names[n++] = strndup(e->d_name, l - 4);
	}
	closedir(d);
	assert_true(n > 0);
	qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		run_case(dir, names[i]);
		free(names[i]);
	}
	if (getenv("OBS_LOG_FIXTURE_OUT"))
		fail_msg("%s: records written to %s, not compared", dir, getenv("OBS_LOG_FIXTURE_OUT"));
}

static void test_fixtures_json(void **state)
{
	(void)state;
	run_dir("json");
}

static void test_fixtures_logfmt(void **state)
{
	(void)state;
	run_dir("logfmt");
}

static void test_fixtures_syslog(void **state)
{
	(void)state;
	run_dir("syslog");
}

static void test_fixtures_access(void **state)
{
	(void)state;
	run_dir("access");
}

static void test_fixtures_journald(void **state)
{
	(void)state;
	run_dir("journald");
}

static void test_fixtures_regex(void **state)
{
	(void)state;
	run_dir("regex");
}

static void test_fixtures_multiline(void **state)
{
	(void)state;
	run_dir("multiline");
}

static void test_fixtures_auto(void **state)
{
	(void)state;
	run_dir("auto");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_json),
		cmocka_unit_test(test_fixtures_logfmt),
		cmocka_unit_test(test_fixtures_syslog),
		cmocka_unit_test(test_fixtures_access),
		cmocka_unit_test(test_fixtures_journald),
		cmocka_unit_test(test_fixtures_regex),
		cmocka_unit_test(test_fixtures_multiline),
		cmocka_unit_test(test_fixtures_auto),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
