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
#include <unistd.h>

#include "obs_logparse.h"
#include "obs_ndjson.h"
#include "obs_time.h"

#define S OBS_NS_PER_SEC
/* A string literal and its length, NUL bytes included. */
#define L(s) s, sizeof(s) - 1
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

/* ---- helpers for the targeted tests ------------------------------------------------ */

static struct obs_logparse_options opts(enum obs_log_format f)
{
	struct obs_logparse_options o = { 0 };

	o.format = f;
	o.reference = REF;
	return o;
}

/*
 * Parse LEN bytes of LINE with O. WANT is the record's exact compact JSON,
 * or (not starting with '{') the reason the line does not parse.
 */
static void expect_n(const struct obs_logparse_options *o, const char *line, size_t len,
		     const char *want)
{
	struct obs_logparse p;
	struct obs_error err = { "" };
	json_t *rec = (json_t *)1;
	int rc;

	if (obs_logparse_init(&p, o, &err) != 0)
		fail_msg("init: %s", err.msg);
	rc = obs_logparse_parse(&p, line, len, &rec, &err);
	if (want[0] == '{') {
		char *s;

		if (rc != 1)
			fail_msg("'%.*s' does not parse: %s", (int)len, line, err.msg);
		s = obs_json_dump_line(rec, NULL);
		if (strcmp(s, want) != 0)
			fail_msg("'%.*s':\n  got  %s\n  want %s", (int)len, line, s, want);
		free(s);
		json_decref(rec);
	} else {
		if (rc != 0) {
			char *s = rc == 1 ? obs_json_dump_line(rec, NULL) : NULL;

			fail_msg("'%.*s' gave %d %s", (int)len, line, rc, s ? s : err.msg);
		}
		assert_null(rec);
		if (strcmp(err.msg, want) != 0)
			fail_msg("'%.*s': reason '%s', want '%s'", (int)len, line, err.msg, want);
	}
	obs_logparse_release(&p);
}

static void expect(enum obs_log_format f, const char *line, const char *want)
{
	struct obs_logparse_options o = opts(f);

	expect_n(&o, line, strlen(line), want);
}

static void expect_init_error(const struct obs_logparse_options *o, const char *msg)
{
	struct obs_logparse p;
	struct obs_error err = { "" };

	assert_int_equal(obs_logparse_init(&p, o, &err), -1);
	assert_string_equal(err.msg, msg);
	obs_logparse_release(&p);   /* safe after a failed init */
}

/* The time a JSON line {"time":VALUE} gets, under time zone TZ; -1: none (the reference). */
static int64_t json_time(const char *tz, const char *value)
{
	struct obs_logparse_options o = opts(OBS_LOG_JSON);
	struct obs_logparse p;
	struct obs_error err = { "" };
	char line[512];
	json_t *rec;
	int64_t ns;

	o.timezone = tz;
	if (obs_logparse_init(&p, &o, &err) != 0)
		fail_msg("init: %s", err.msg);
	snprintf(line, sizeof(line), "{\"time\":%s}", value);
	assert_int_equal(obs_logparse_parse(&p, line, strlen(line), &rec, &err), 1);
	assert_int_equal(obs_time_parse(json_string_value(json_object_get(rec, "time")), &ns, NULL), 0);
	if (json_object_get(rec, "time_original"))
		ns = -1;
	else
		assert_int_not_equal(ns, REF);
	json_decref(rec);
	obs_logparse_release(&p);
	return ns;
}

/* Seconds since the epoch of a UTC calendar time (timegm is a GNU/BSD extension, fine here). */
static int64_t utc(int y, int mo, int d, int h, int mi, int sec)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = sec };

	return (int64_t)timegm(&tm) * S;
}

/* ---- names and levels ------------------------------------------------------------- */

static void test_format_names(void **state)
{
	static const struct {
		const char *name;
		int format;
	} cases[] = {
		{ "auto", OBS_LOG_AUTO },       { "json", OBS_LOG_JSON },
		{ "logfmt", OBS_LOG_LOGFMT },   { "syslog", OBS_LOG_SYSLOG },
		{ "access", OBS_LOG_ACCESS },   { "apache", OBS_LOG_ACCESS },
		{ "nginx", OBS_LOG_ACCESS },    { "clf", OBS_LOG_ACCESS },
		{ "combined", OBS_LOG_ACCESS }, { "journald", OBS_LOG_JOURNALD },
		{ "journal", OBS_LOG_JOURNALD }, { "regex", OBS_LOG_REGEX },
		{ "JSON", -1 },                 { "", -1 },
		{ "xml", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(obs_log_format_parse(cases[i].name), cases[i].format);
	assert_int_equal(obs_log_format_parse(NULL), -1);
	assert_string_equal(obs_log_format_name(OBS_LOG_AUTO), "auto");
	assert_string_equal(obs_log_format_name(OBS_LOG_JSON), "json");
	assert_string_equal(obs_log_format_name(OBS_LOG_LOGFMT), "logfmt");
	assert_string_equal(obs_log_format_name(OBS_LOG_SYSLOG), "syslog");
	assert_string_equal(obs_log_format_name(OBS_LOG_ACCESS), "access");
	assert_string_equal(obs_log_format_name(OBS_LOG_JOURNALD), "journald");
	assert_string_equal(obs_log_format_name(OBS_LOG_REGEX), "regex");
	assert_string_equal(obs_log_format_name((enum obs_log_format)42), "auto");
}

static void test_level_words(void **state)
{
	static const char *const words[7][16] = {
		{ NULL },
		{ "trace", "trc", "trac", "trce", "finest", "finer", "verbose", "v", "t", NULL },
		{ "debug", "dbg", "debu", "dbug", "fine", "config", "debug1", "debug2", "debug3",
		  "debug4", "debug5", "d", NULL },
		{ "info", "inf", "information", "informational", "notice", "log", "i", NULL },
		{ "warn", "warning", "wrn", "w", NULL },
		{ "error", "err", "erro", "eror", "fail", "failure", "severe", "e", NULL },
		{ "fatal", "fata", "crit", "critical", "emerg", "emergency", "alert", "panic",
		  "pani", "dpanic", "f", "a", NULL },
	};
	static const char *const names[7] = { NULL, "trace", "debug", "info", "warn", "error", "fatal" };
	int r, k;

	(void)state;
	for (r = 1; r <= 6; r++)
		for (k = 0; words[r][k]; k++) {
			char upper[32];
			size_t i;

			assert_string_equal(obs_log_level_normalize(words[r][k]), names[r]);
			assert_int_equal(obs_log_level_rank(words[r][k]), r);
			for (i = 0; words[r][k][i]; i++)
				upper[i] = (char)(words[r][k][i] >= 'a' && words[r][k][i] <= 'z' ?
							  words[r][k][i] - 'a' + 'A' : words[r][k][i]);
			upper[i] = '\0';
			assert_string_equal(obs_log_level_normalize(upper), names[r]);
		}
	assert_string_equal(obs_log_level_normalize("  Warning\t"), "warn");
	assert_string_equal(obs_log_level_normalize_n("errorXYZ", 5), "error");
	assert_null(obs_log_level_normalize(""));
	assert_null(obs_log_level_normalize("   "));
	assert_null(obs_log_level_normalize("information!"));
	assert_null(obs_log_level_normalize("informationalmore"));   /* 16 bytes and more */
	assert_null(obs_log_level_normalize("verbosity"));
	assert_null(obs_log_level_normalize(NULL));
	assert_null(obs_log_level_normalize_n(NULL, 3));
	assert_int_equal(obs_log_level_rank(NULL), 0);
	assert_int_equal(obs_log_level_rank("bogus"), 0);
}

static void test_level_numbers(void **state)
{
	static const struct {
		const char *s;
		const char *want;
	} cases[] = {
		{ "0", "fatal" },  { "1", "fatal" },  { "2", "fatal" },  { "3", "error" },
		{ "4", "warn" },   { "5", "info" },   { "6", "info" },   { "7", "debug" },
		{ "8", NULL },     { "9", NULL },     { "10", "trace" }, { "19", "trace" },
		{ "20", "debug" }, { "30", "info" },  { "35", "info" },  { "40", "warn" },
		{ "50", "error" }, { "60", "fatal" }, { "69", "fatal" }, { "70", NULL },
		{ "100", NULL },   { "0030", NULL },  { "-1", NULL },    { "3x", NULL },
		{ " 30 ", "info" }, { "007", "debug" },
	};
	size_t i;
	int sev;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = obs_log_level_normalize(cases[i].s);

		if (!cases[i].want ? got != NULL : !got || strcmp(got, cases[i].want) != 0)
			fail_msg("'%s': got %s, want %s", cases[i].s, got ? got : "NULL",
				 cases[i].want ? cases[i].want : "NULL");
	}
	for (sev = 0; sev <= 7; sev++) {
		char b[4];

		snprintf(b, sizeof(b), "%d", sev);
		assert_string_equal(obs_log_level_from_severity(sev), obs_log_level_normalize(b));
	}
	assert_null(obs_log_level_from_severity(-1));
	assert_null(obs_log_level_from_severity(8));
}

static void test_level_rank(void **state)
{
	(void)state;
	assert_int_equal(obs_log_level_rank("trace"), 1);
	assert_int_equal(obs_log_level_rank("debug"), 2);
	assert_int_equal(obs_log_level_rank("info"), 3);
	assert_int_equal(obs_log_level_rank("WARNING"), 4);
	assert_int_equal(obs_log_level_rank("err"), 5);
	assert_int_equal(obs_log_level_rank("60"), 6);
	/* "--level warn": warn, error and fatal pass, a record without a level does not. */
	assert_true(obs_log_level_rank("crit") >= obs_log_level_rank("warn"));
	assert_false(obs_log_level_rank("notice") >= obs_log_level_rank("warn"));
	assert_false(obs_log_level_rank(NULL) >= obs_log_level_rank("warn"));
}

/* ---- set-up errors ----------------------------------------------------------------- */

static void test_init_errors(void **state)
{
	struct obs_logparse_options o = opts(OBS_LOG_JSON);

	(void)state;
	o.timezone = "Mars/Olympus_Mons";
	expect_init_error(&o, "unknown time zone 'Mars/Olympus_Mons'");
	o.timezone = "../../etc/passwd";
	expect_init_error(&o, "unknown time zone '../../etc/passwd'");
	o.timezone = ":";
	expect_init_error(&o, "unknown time zone ':'");
	o.timezone = "/nonexistent/zone";
	expect_init_error(&o, "unknown time zone '/nonexistent/zone'");
	o.timezone = "/tmp";
	expect_init_error(&o, "unknown time zone '/tmp'");
	o.timezone = "AB1";
	expect_init_error(&o, "unknown time zone 'AB1'");
	o.timezone = "<AB>1";
	expect_init_error(&o, "unknown time zone '<AB>1'");
	o.timezone = "<ABC";
	expect_init_error(&o, "unknown time zone '<ABC'");
	o.timezone = "ABCD";
	expect_init_error(&o, "unknown time zone 'ABCD'");
	o.timezone = "+25:00";
	expect_init_error(&o, "invalid time zone offset '+25:00'");
	o.timezone = "+18:01";
	expect_init_error(&o, "invalid time zone offset '+18:01'");
	o.timezone = "+02:60";
	expect_init_error(&o, "invalid time zone offset '+02:60'");
	o.timezone = "+2";
	expect_init_error(&o, "invalid time zone offset '+2'");
	o.timezone = "+020";
	expect_init_error(&o, "invalid time zone offset '+020'");
	o.timezone = "+02-00";
	expect_init_error(&o, "invalid time zone offset '+02-00'");
	o.timezone = "-0a";
	expect_init_error(&o, "invalid time zone offset '-0a'");
	o.timezone = "+02:0x";
	expect_init_error(&o, "invalid time zone offset '+02:0x'");
	o.timezone = "+020000";
	expect_init_error(&o, "invalid time zone offset '+020000'");
	o.timezone = NULL;

	o.format = OBS_LOG_REGEX;
	expect_init_error(&o, "regex format needs a pattern");
	o.regex = "(?<msg>.*";
	expect_init_error(&o, "invalid regular expression '(?<msg>.*': missing closing "
			      "parenthesis at offset 9");
	o.format = OBS_LOG_LOGFMT;
	o.regex = "(?<msg>.*)";
	expect_init_error(&o, "a pattern is only for the regex format");
	o.regex = NULL;
	o.format = (enum obs_log_format)42;
	expect_init_error(&o, "unknown log format 42");
	o.format = (enum obs_log_format)-1;
	expect_init_error(&o, "unknown log format -1");
}

static void test_init_defaults(void **state)
{
	struct obs_logparse p;
	struct obs_logparse_options o = { 0 };
	json_t *rec;

	(void)state;
	/* No options: auto, reference time now (a fixed clock here), no service. */
	setenv("OBS_FAKE_TIME", "2024-02-03T04:05:06Z", 1);
	assert_int_equal(obs_logparse_init(&p, NULL, NULL), 0);
	assert_int_equal(p.format, OBS_LOG_AUTO);
	assert_int_equal(p.reference, utc(2024, 2, 3, 4, 5, 6));
	rec = obs_logparse_line(&p, "level=info msg=hi", 17, NULL);
	assert_non_null(rec);
	assert_null(json_object_get(rec, "service"));
	json_decref(rec);
	obs_logparse_release(&p);
	o.service = "";
	assert_int_equal(obs_logparse_init(&p, &o, NULL), 0);
	assert_null(p.service);
	assert_int_equal(p.reference, utc(2024, 2, 3, 4, 5, 6));
	obs_logparse_release(&p);
	unsetenv("OBS_FAKE_TIME");
}

/* ---- time ---------------------------------------------------------------------------- */

static void test_time_zones(void **state)
{
	int64_t winter = utc(2024, 1, 15, 10, 0, 0), summer = utc(2024, 7, 15, 10, 0, 0);
	char tzdir[] = "/tmp/obs-test-logparse.XXXXXX", path[128];
	FILE *f;

	(void)state;
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:00:00\""), winter);
	assert_int_equal(json_time("", "\"2024-01-15 10:00:00\""), winter);
	assert_int_equal(json_time("UTC", "\"2024-01-15 10:00:00\""), winter);
	assert_int_equal(json_time("Z", "\"2024-01-15 10:00:00\""), winter);
	assert_int_equal(json_time("+02", "\"2024-01-15 10:00:00\""), winter - 2 * 3600 * S);
	assert_int_equal(json_time("+0200", "\"2024-01-15 10:00:00\""), winter - 2 * 3600 * S);
	assert_int_equal(json_time("-05:30", "\"2024-01-15 10:00:00\""),
			 winter + (5 * 3600 + 1800) * S);
	assert_int_equal(json_time("+18:00", "\"2024-01-15 10:00:00\""), winter - 18 * 3600 * S);
	/* Named zones, with their summer time. */
	assert_int_equal(json_time("Europe/Berlin", "\"2024-01-15 10:00:00\""), winter - 3600 * S);
	assert_int_equal(json_time(":Europe/Berlin", "\"2024-07-15 10:00:00\""),
			 summer - 2 * 3600 * S);
	assert_int_equal(json_time("America/New_York", "\"2024-07-15 10:00:00\""),
			 summer + 4 * 3600 * S);
	assert_int_equal(json_time("/usr/share/zoneinfo/Asia/Tokyo", "\"2024-07-15 10:00:00\""),
			 summer - 9 * 3600 * S);
	/* POSIX TZ strings need no zone files. */
	assert_int_equal(json_time("CET-1CEST,M3.5.0,M10.5.0/3", "\"2024-07-15 10:00:00\""),
			 summer - 2 * 3600 * S);
	assert_int_equal(json_time("<+0330>-3:30", "\"2024-07-15 10:00:00\""),
			 summer - (3 * 3600 + 1800) * S);
	assert_int_equal(json_time("EST5", "\"2024-07-15 10:00:00\""), summer + 5 * 3600 * S);
	/* One answer per local hour is kept: the second line of an hour uses it. */
	{
		struct obs_logparse_options o = opts(OBS_LOG_SYSLOG);
		struct obs_logparse p;
		json_t *a, *b;

		o.timezone = "Europe/Berlin";
		assert_int_equal(obs_logparse_init(&p, &o, NULL), 0);
		a = obs_logparse_line(&p, L("Jul 15 12:00:00 h a: 1"), NULL);
		b = obs_logparse_line(&p, L("Jul 15 12:59:59 h a: 2"), NULL);
		assert_string_equal(json_string_value(json_object_get(a, "time")),
				    "2023-07-15T10:00:00.000000000Z");
		assert_string_equal(json_string_value(json_object_get(b, "time")),
				    "2023-07-15T10:59:59.000000000Z");
		json_decref(a);
		json_decref(b);
		obs_logparse_release(&p);
	}
	/* A zone in the text beats the option. */
	assert_int_equal(json_time("Europe/Berlin", "\"2024-01-15 10:00:00Z\""), winter);

	/* TZ is only borrowed: set or unset, it comes back. */
	setenv("TZ", "Asia/Tokyo", 1);
	assert_int_equal(json_time("Europe/Berlin", "\"2024-01-15 10:00:00\""), winter - 3600 * S);
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	assert_int_equal(json_time("Europe/Berlin", "\"2024-01-15 10:00:00\""), winter - 3600 * S);
	assert_null(getenv("TZ"));
	setenv("TZ", "UTC", 1);

	/* TZDIR decides where names are looked up. */
	assert_non_null(mkdtemp(tzdir));
	setenv("TZDIR", tzdir, 1);
	{
		struct obs_logparse_options o = opts(OBS_LOG_JSON);

		o.timezone = "Europe/Berlin";
		expect_init_error(&o, "unknown time zone 'Europe/Berlin'");
	}
	snprintf(path, sizeof(path), "%s/Fake", tzdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	{
		struct obs_logparse p;
		struct obs_logparse_options o = opts(OBS_LOG_JSON);

		o.timezone = "Fake";
		assert_int_equal(obs_logparse_init(&p, &o, NULL), 0);
		obs_logparse_release(&p);
	}
	setenv("TZDIR", "", 1);
	assert_int_equal(json_time("Europe/Berlin", "\"2024-01-15 10:00:00\""), winter - 3600 * S);
	unsetenv("TZDIR");
	remove(path);
	rmdir(tzdir);
}

static void test_time_forms(void **state)
{
	int64_t t = utc(2024, 1, 15, 10, 23, 45);

	(void)state;
	/* RFC 3339 and Unix numbers, by magnitude. */
	assert_int_equal(json_time(NULL, "\"2024-01-15T10:23:45.5+01:00\""), t - 3600 * S + S / 2);
	assert_int_equal(json_time(NULL, "1705314225"), t);
	assert_int_equal(json_time(NULL, "1705314225123"), t + 123000000);
	assert_int_equal(json_time(NULL, "1705314225123456"), t + 123456000);
	assert_int_equal(json_time(NULL, "1705314225123456789"), t + 123456789);
	assert_int_equal(json_time(NULL, "1705314225.25"), t + S / 4);
	assert_int_equal(json_time(NULL, "1705314225123.0"), t + 123000000);
	assert_int_equal(json_time(NULL, "\"1705314225\""), t);
	assert_int_equal(json_time(NULL, "-5"), -1);
	assert_int_equal(json_time(NULL, "-5.5"), -1);
	assert_int_equal(json_time(NULL, "1e300"), -1);
	assert_int_equal(json_time(NULL, "true"), -1);
	assert_int_equal(json_time(NULL, "{\"s\":1}"), -1);
	/* ISO as applications write it. */
	assert_int_equal(json_time(NULL, "\"2024-01-15T10:23:45\""), t);
	assert_int_equal(json_time(NULL, "\"2024/01/15 10:23:45\""), t);
	assert_int_equal(json_time(NULL, "\"2024-01-15t10:23:45,5\""), t + S / 2);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23\""), t - 45 * S);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45.123456789123\""), t + 123456789);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45 +0100\""), t - 3600 * S);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45-01\""), t + 3600 * S);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45 UTC\""), t);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45GMT\""), t);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45 z\""), t);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45.000000001 +0000 UTC\""), t + 1);
	assert_int_equal(json_time(NULL, "\"2024-06-30 23:59:60\""),
			 utc(2024, 7, 1, 0, 0, 0) - 1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45 +0000 U1C\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45 +0000 \""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45 X\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:45.\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15x10:23:45\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01/15 10:23:45\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:2\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:23:4\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 24:00:00\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-02-30 10:00:00\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-00-10 10:00:00\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-00 10:00:00\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:60:00\""), -1);
	assert_int_equal(json_time(NULL, "\"2024-01-15 10:00:61\""), -1);
	assert_int_equal(json_time(NULL, "\"9999-01-01 00:00:00\""), -1);
	assert_int_equal(json_time(NULL, "\"1000-01-01 00:00:00\""), -1);
	/* The access-log form, with and without a zone. */
	assert_int_equal(json_time(NULL, "\"15/Jan/2024:10:23:45 +0100\""), t - 3600 * S);
	assert_int_equal(json_time("+01:00", "\"15/Jan/2024:10:23:45\""), t - 3600 * S);
	assert_int_equal(json_time(NULL, "\"15/JAN/2024:10:23:45.5 -0000\""), t + S / 2);
	assert_int_equal(json_time(NULL, "\"15/Jan/2024:10:23:45 +01\""), -1);
	assert_int_equal(json_time(NULL, "\"15/Jan/2024:10:23:45 +01:0\""), -1);
	assert_int_equal(json_time(NULL, "\"15/Jan/2024:10:23:45 +0100 \""), -1);
	assert_int_equal(json_time(NULL, "\"15/Jab/2024:10:23:45\""), -1);
	assert_int_equal(json_time(NULL, "\"15-Jan/2024:10:23:45\""), -1);
	assert_int_equal(json_time(NULL, "\"15/Jan-2024:10:23:45\""), -1);
	assert_int_equal(json_time(NULL, "\"15/Jan/2024 10:23:45\""), -1);
	assert_int_equal(json_time(NULL, "\"15/Ja\""), -1);
	/* RFC 3164 form: the year from the reference (2024-01-20). */
	assert_int_equal(json_time(NULL, "\"Jan 15 10:23:45\""), t);
	assert_int_equal(json_time(NULL, "\"Jan  5 10:23:45\""), t - 10 * 86400 * S);
	assert_int_equal(json_time(NULL, "\"Jan 05 10:23:45\""), t - 10 * 86400 * S);
	assert_int_equal(json_time(NULL, "\"Jan 5 10:23:45\""), t - 10 * 86400 * S);
	assert_int_equal(json_time(NULL, "\"Jan 21 11:59:59\""), utc(2024, 1, 21, 11, 59, 59));
	assert_int_equal(json_time(NULL, "\"Jan 21 12:00:01\""), utc(2023, 1, 21, 12, 0, 1));
	assert_int_equal(json_time(NULL, "\"Dec 31 23:59:59\""), utc(2023, 12, 31, 23, 59, 59));
	assert_int_equal(json_time(NULL, "\"Jan 15 10:23:45 \""), -1);
	assert_int_equal(json_time(NULL, "\"Jan 15\""), -1);
	assert_int_equal(json_time(NULL, "\"Jan x5 10:23:45\""), -1);
	assert_int_equal(json_time(NULL, "\"Jan\""), -1);
	assert_int_equal(json_time(NULL, "\"Jan-15 10:23:45\""), -1);
	assert_int_equal(json_time(NULL, "\"Jan 15 10-23-45\""), -1);
	assert_int_equal(json_time(NULL, "\"Jan 15 10:23-45\""), -1);
	assert_int_equal(json_time(NULL, "\"Jan 15 10:23\""), -1);
	assert_int_equal(json_time(NULL, "\"Jan 15:10:23:45\""), -1);
}

/* The reference near the end of time: "a day past it" must not overflow. */
static void test_time_reference_limits(void **state)
{
	struct obs_logparse_options o = opts(OBS_LOG_SYSLOG);

	(void)state;
	o.reference = OBS_TIME_MAX - 1;
	expect_n(&o, "Apr 10 00:00:00 h a: x", 22,
		 "{\"type\":\"log\",\"time\":\"2262-04-10T00:00:00.000000000Z\",\"msg\":\"x\","
		 "\"service\":\"a\",\"host.name\":\"h\"}");
	/* Before the first representable year nothing fits. */
	o.reference = OBS_TIME_MIN + 1;
	expect_n(&o, "Jan  1 00:00:00 h a: x", 22, "not a syslog line: expected a timestamp");
}

/* ---- json ---------------------------------------------------------------------------- */

static void test_json_rules(void **state)
{
	(void)state;
	expect(OBS_LOG_JSON, "{}", "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\"}");
	expect(OBS_LOG_JSON, "  {\"msg\":\"x\"}  ",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"msg\":\"x\"}");
	/* Every key the record owns, when not taken, is kept as KEY_original. */
	expect(OBS_LOG_JSON,
	       "{\"type\":1,\"time\":\"?\",\"level\":\"?\",\"msg\":1,\"service\":1,"
	       "\"trace_id\":1,\"span_id\":1,\"raw\":1,\"truncated\":1,\"other\":1}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"type_original\":1,"
	       "\"time_original\":\"?\",\"level_original\":\"?\",\"msg_original\":1,"
	       "\"service_original\":1,\"trace_id_original\":1,\"span_id_original\":1,"
	       "\"raw_original\":1,\"truncated_original\":1,\"other\":1}");
	/* Trailing newlines leave msg; a service that is a duration is no service. */
	expect(OBS_LOG_JSON, "{\"message\":\"a\\r\\n\\n\",\"service\":\"250ms\",\"app\":\"web\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"msg\":\"a\","
	       "\"service\":\"web\",\"service_original\":\"250ms\"}");
	expect(OBS_LOG_JSON, "{\"service\":\"a\\u0000b\",\"msg\":\"\\n\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"msg\":\"\","
	       "\"service_original\":\"a\\u0000b\"}");
	/* Levels: numbers are levels, reals are not; a later alias is tried. */
	expect(OBS_LOG_JSON, "{\"level\":35.0,\"severity\":45}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"warn\","
	       "\"level_original\":35.0}");
	/* Trace context: explicit ids beat traceparent, which then stays. */
	expect(OBS_LOG_JSON,
	       "{\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\","
	       "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
	       "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}");
	expect(OBS_LOG_JSON,
	       "{\"span_id\":\"1111111111111111\","
	       "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"span_id\":\"1111111111111111\"}");
	expect(OBS_LOG_JSON, "{\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331\"}");
	expect(OBS_LOG_JSON,
	       "{\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\\u0000\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\\u0000\"}");
	expect(OBS_LOG_JSON, "{\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e473g\",\"span_id\":\"00f067aa0ba902b\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"trace_id_original\":\"4bf92f3577b34da6a3ce929d0e0e473g\","
	       "\"span_id_original\":\"00f067aa0ba902b\"}");
	expect(OBS_LOG_JSON, "{\"traceId\":\"0000000000000000\",\"span.id\":\"0000000000000000\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"traceId\":\"0000000000000000\",\"span.id\":\"0000000000000000\"}");
	/* Exact key names only: a nested log.level is not a level. */
	expect(OBS_LOG_JSON, "{\"log\":{\"level\":\"info\"}}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"log\":{\"level\":\"info\"}}");
	/* A JSON line is json even when it looks like a journal entry. */
	expect(OBS_LOG_JSON, "{\"__REALTIME_TIMESTAMP\":\"1705314225000000\",\"MESSAGE\":\"m\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"__REALTIME_TIMESTAMP\":\"1705314225000000\",\"MESSAGE\":\"m\"}");
	/* What does not parse, and why. */
	expect(OBS_LOG_JSON, "[1]", "not a JSON object");
	expect(OBS_LOG_JSON, "\"s\"", "not a JSON object");
	expect(OBS_LOG_JSON, "{\"a\":", "invalid JSON: unexpected token near end of file at column 5");
	expect(OBS_LOG_JSON, "", "invalid JSON: unexpected token near end of file at column 0");
	expect(OBS_LOG_JSON, "{\"a\\u0000\":1}",
	       "invalid JSON: NUL byte in object key not supported near '\"a\\u0000\"' at column 10");
	expect(OBS_LOG_JSON, "{} {}", "invalid JSON: end of file expected near '{' at column 4");
}

static void test_json_bytes(void **state)
{
	struct obs_logparse_options o = opts(OBS_LOG_JSON);

	(void)state;
	/* A raw NUL is not JSON; bad bytes become U+FFFD, in keys too. */
	expect_n(&o, L("{\"a\":\"b\0\"}"),
		 "invalid JSON: control character 0x0 near '\"b' at column 7");
	expect_n(&o, L("{\"\xff\":\"\xc3\x28\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
		 "\"\xef\xbf\xbd\":\"\xef\xbf\xbd(\"}");
	/* Overlong, surrogate and too-large sequences are not UTF-8 either. */
	expect_n(&o, L("{\"m\":\"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe0\x80\x80\xf0\x80\x80\x80\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"m\":\""
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
	expect_n(&o, L("{\"m\":\"\xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x82\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"m\":\""
		 "\xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd\xef\xbf\xbd\"}");
	/* The edges of the UTF-8 table, each first in its line. */
	expect_n(&o, L("{\"m\":\"\xe0\xa0\x80\xed\x9f\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"m\":\""
		 "\xe0\xa0\x80\xed\x9f\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}");
	expect_n(&o, L("{\"m\":\"\xe0\x9f\xbf\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"m\":\""
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
	expect_n(&o, L("{\"m\":\"\xed\xa0\x80\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"m\":\""
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
	expect_n(&o, L("{\"m\":\"\xf4\x90\x80\x80\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"m\":\""
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
	expect_n(&o, L("{\"m\":\"\xf0\x90\x80\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"m\":\""
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
	/* A byte order mark before the line is dropped. */
	expect_n(&o, L("\xef\xbb\xbf{\"msg\":\"m\"}"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"msg\":\"m\"}");
}

/* ---- logfmt -------------------------------------------------------------------------- */

static void test_logfmt_rules(void **state)
{
	struct obs_logparse_options o = opts(OBS_LOG_LOGFMT);

	(void)state;
	expect(OBS_LOG_LOGFMT, "a=1", "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"a\":1}");
	expect(OBS_LOG_LOGFMT,
	       "i=0 j=-0 big=9223372036854775807 over=9223372036854775808 neg=-9223372036854775808 "
	       "lz=00 r=0.0 e=1E5 ep=2e+2 em=5e-1 inf=1e400",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"i\":0,\"j\":0,"
	       "\"big\":9223372036854775807,\"over\":\"9223372036854775808\","
	       "\"neg\":-9223372036854775808,\"lz\":\"00\",\"r\":0.0,\"e\":1e5,\"ep\":2e2,"
	       "\"em\":0.5,\"inf\":\"1e400\"}");
	expect(OBS_LOG_LOGFMT, "a=- b=-x c=1. d=.5 e=1e f=1e+ g=0x10 h=+1 i=1a j=True k=nul",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"a\":\"-\","
	       "\"b\":\"-x\",\"c\":\"1.\",\"d\":\".5\",\"e\":\"1e\",\"f\":\"1e+\",\"g\":\"0x10\","
	       "\"h\":\"+1\",\"i\":\"1a\",\"j\":\"True\",\"k\":\"nul\"}");
	expect(OBS_LOG_LOGFMT, "q=\"\\ud83d\\ude00 \\ud83d \\ud83dx \\udc00 \\U00110000 \\u00 \\x4 \\U1 \\\"\" z=\"\"",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"q\":\"\xf0\x9f\x98\x80 \xef\xbf\xbd \xef\xbf\xbdx \xef\xbf\xbd \xef\xbf\xbd "
	       "\\\\u00 \\\\x4 \\\\U1 \\\"\",\"z\":\"\"}");
	expect(OBS_LOG_LOGFMT, "c=\"\\b\\f\\a\\v\\/\\r\\n\\t\\u00e9\\xC3\\xA9\\u0041\"",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
	       "\"c\":\"\\b\\f\\u0007\\u000B/\\r\\n\\t\xc3\xa9\xc3\xa9" "A\"}");
	expect(OBS_LOG_LOGFMT, "a=b=c key.with.dots=1 k/s=2 @k=3 x=\"",
	       "unterminated quoted value");
	expect(OBS_LOG_LOGFMT, "a=b=c key.with.dots=1 k/s=2 @k=3 x=\"\\\"",
	       "unterminated quoted value");
	expect(OBS_LOG_LOGFMT, "a=b=c key.with.dots=1 k/s=2 @k=3 u=\"ok\"",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"a\":\"b=c\","
	       "\"key.with.dots\":1,\"k/s\":2,\"@k\":3,\"u\":\"ok\"}");
	expect(OBS_LOG_LOGFMT, "a b c", "no key=value pair");
	expect(OBS_LOG_LOGFMT, "", "no key=value pair");
	expect(OBS_LOG_LOGFMT, " \t ", "no key=value pair");
	expect(OBS_LOG_LOGFMT, "a=1 =2", "expected a key at column 5");
	expect(OBS_LOG_LOGFMT, "a=1 \"k\"=2", "expected a key at column 5");
	expect(OBS_LOG_LOGFMT, "a=1 k\"=2", "expected a key at column 6");
	expect(OBS_LOG_LOGFMT, "a=\"1\"x", "expected a space at column 6");
	/* Quoted values are strings; bare keys true; the last duplicate is KEY_original. */
	expect(OBS_LOG_LOGFMT, "n=\"42\" flag level=debug level=info",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"debug\","
	       "\"n\":\"42\",\"flag\":true,\"level_original\":\"info\"}");
	/* NUL bytes stay in values, escaped; in keys they are U+FFFD. */
	expect_n(&o, "k\0y=v\0w", 7,
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
		 "\"k\xef\xbf\xbdy\":\"v\\u0000w\"}");
	expect_n(&o, L("\xff\0=1"),
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
		 "\"\xef\xbf\xbd\xef\xbf\xbd\":1}");
	/* A level given as a number; a pino level as a string. */
	expect(OBS_LOG_LOGFMT, "level=50 msg=\"x\"",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"error\","
	       "\"msg\":\"x\"}");
}

static void test_logfmt_auto_strictness(void **state)
{
	(void)state;
	/* In auto mode the first token must be key=value with a plain key... */
	expect(OBS_LOG_AUTO, "level=info msg=ok",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"info\","
	       "\"msg\":\"ok\"}");
	expect(OBS_LOG_AUTO, "Connection closed port=22", "no known log format");
	expect(OBS_LOG_AUTO, "1abc=x y=z", "no known log format");
	expect(OBS_LOG_AUTO, "a%b=x y=z", "no known log format");
	expect(OBS_LOG_AUTO, "flag x=1", "no known log format");
	expect(OBS_LOG_AUTO, "a=\"q\" b=1", "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
					 "\"a\":\"q\",\"b\":1}");
	/* ...and at least half the tokens key=value. */
	expect(OBS_LOG_AUTO, "a=1 b c", "no known log format");
	expect(OBS_LOG_AUTO, "a=1 b=2 c d", "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
					   "\"a\":1,\"b\":2,\"c\":true,\"d\":true}");
	expect(OBS_LOG_AUTO, "a=\"x", "no known log format");
	expect(OBS_LOG_AUTO, "{\"a\":", "invalid JSON: unexpected token near end of file at column 5");
	expect(OBS_LOG_AUTO, "[1]", "no known log format");
	expect(OBS_LOG_AUTO, "", "no known log format");
}

/* ---- syslog -------------------------------------------------------------------------- */

static void test_syslog_errors(void **state)
{
	(void)state;
	expect(OBS_LOG_SYSLOG, "<>x", "not a syslog line: invalid PRI");
	expect(OBS_LOG_SYSLOG, "<1234>x", "not a syslog line: invalid PRI");
	expect(OBS_LOG_SYSLOG, "<192>Jan 15 10:23:45 h a: x", "not a syslog line: invalid PRI");
	expect(OBS_LOG_SYSLOG, "<13", "not a syslog line: invalid PRI");
	expect(OBS_LOG_SYSLOG, "<13>", "not a syslog line: expected a timestamp");
	expect(OBS_LOG_SYSLOG, "hello", "not a syslog line: expected a timestamp");
	expect(OBS_LOG_SYSLOG, "", "not a syslog line: expected a timestamp");
	expect(OBS_LOG_SYSLOG, "2024-01-15T10:23:45 h a: x", "not a syslog line: invalid timestamp");
	expect(OBS_LOG_SYSLOG, "2024-01-15 h a: x", "not a syslog line: invalid timestamp");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45", "not a syslog line: expected a host name");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45   ", "not a syslog line: expected a host name");
	expect(OBS_LOG_SYSLOG, "2024-01-15T10:23:45Z", "not a syslog line: expected a host name");
	expect(OBS_LOG_SYSLOG, "<13>1 2024-01-15T10:23:45Z h a 1", "not a syslog line: expected RFC 5424 header fields");
	expect(OBS_LOG_SYSLOG, "<13>1  2024-01-15T10:23:45Z h a 1 - -",
	       "not a syslog line: expected RFC 5424 header fields");
	expect(OBS_LOG_SYSLOG, "<13>1 yesterday h a 1 - -", "not a syslog line: invalid RFC 5424 timestamp");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - x", "not a syslog line: invalid structured data");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - -x", "not a syslog line: invalid structured data");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - [a", "not a syslog line: invalid structured data");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - [a ]", "not a syslog line: invalid structured data");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - [a b]", "not a syslog line: invalid structured data");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - [a b=]", "not a syslog line: invalid structured data");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - [a b=\"c\"", "not a syslog line: invalid structured data");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - [a b=\"c\\\"]", "not a syslog line: invalid structured data");
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1 - [a b=\"c\"]x", "not a syslog line: invalid structured data");
}

static void test_syslog_rules(void **state)
{
	(void)state;
	/* A version of 0 or of four digits is no version: RFC 3164 is tried. */
	expect(OBS_LOG_SYSLOG, "<13>0 - h a 1 - -", "not a syslog line: invalid timestamp");
	expect(OBS_LOG_SYSLOG, "<13>1234 - h a 1 - -", "not a syslog line: invalid timestamp");
	expect(OBS_LOG_SYSLOG, "<13>999 - h a - - - m",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"info\","
	       "\"msg\":\"m\",\"service\":\"a\",\"syslog.facility\":\"user\",\"host.name\":\"h\"}");
	/* SD values: only \" \\ \] are escapes. */
	expect(OBS_LOG_SYSLOG, "<13>1 - h a - - [i@1 k=\"a\\nb\\]c\\\\\"][j v=\"\"]",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"info\","
	       "\"service\":\"a\",\"syslog.facility\":\"user\",\"host.name\":\"h\","
	       "\"i@1.k\":\"a\\\\nb]c\\\\\",\"j.v\":\"\"}");
	/* A 19-digit PROCID is no number. */
	expect(OBS_LOG_SYSLOG, "<13>1 - h a 1234567890123456789 - -",
	       "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"info\","
	       "\"service\":\"a\",\"syslog.facility\":\"user\",\"host.name\":\"h\","
	       "\"syslog.procid\":\"1234567890123456789\"}");
	/* Tags: a word ending in ':' ("app:x" is none), "tag[]:", no tag at all. */
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45 h app:x",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"app:x\","
	       "\"host.name\":\"h\"}");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45 h app:",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"\","
	       "\"service\":\"app\",\"host.name\":\"h\"}");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45 h app[]: x",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"x\","
	       "\"service\":\"app\",\"host.name\":\"h\"}");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45 h [x]: y",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"[x]: y\","
	       "\"host.name\":\"h\"}");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45 h app[12 x",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"app[12 x\","
	       "\"host.name\":\"h\"}");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45 h app[1]x: y",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"app[1]x: y\","
	       "\"host.name\":\"h\"}");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45 h:x app: y",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"y\","
	       "\"service\":\"app\",\"host.name\":\"h:x\"}");
	expect(OBS_LOG_SYSLOG, "Jan 15 10:23:45  h  app: y",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\" app: y\","
	       "\"host.name\":\"h\"}");
	/* Every facility has its name. */
	{
		static const char *const names[24] = {
			"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
			"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
			"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
		};
		struct obs_logparse p;
		int fac;

		assert_int_equal(obs_logparse_init(&p, NULL, NULL), 0);
		for (fac = 0; fac < 24; fac++) {
			char line[64];
			json_t *rec;

			snprintf(line, sizeof(line), "<%d>Jan 15 10:23:45 h a: x", fac * 8 + 4);
			rec = obs_logparse_line(&p, line, strlen(line), NULL);
			assert_string_equal(json_string_value(json_object_get(rec, "syslog.facility")),
					    names[fac]);
			assert_string_equal(json_string_value(json_object_get(rec, "level")), "warn");
			json_decref(rec);
		}
		obs_logparse_release(&p);
	}
}

static void test_syslog_service_default(void **state)
{
	struct obs_logparse_options o = opts(OBS_LOG_SYSLOG);

	(void)state;
	o.service = "fallback";
	expect_n(&o, "Jan 15 10:23:45 h no tag here", 29,
		 "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"no tag here\","
		 "\"service\":\"fallback\",\"host.name\":\"h\"}");
	expect_n(&o, "Jan 15 10:23:45 h app: tagged", 29,
		 "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"tagged\","
		 "\"service\":\"app\",\"host.name\":\"h\"}");
	expect_n(&o, "<13>1 - h - - - -", 17,
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"info\","
		 "\"service\":\"fallback\",\"syslog.facility\":\"user\",\"host.name\":\"h\"}");
}

/* ---- access -------------------------------------------------------------------------- */

static void test_access_errors(void **state)
{
	(void)state;
	expect(OBS_LOG_ACCESS, "", "not an access log line: expected HOST IDENT USER");
	expect(OBS_LOG_ACCESS, "h - -", "not an access log line: expected HOST IDENT USER");
	expect(OBS_LOG_ACCESS, "h  - - [", "not an access log line: expected HOST IDENT USER");
	expect(OBS_LOG_ACCESS, "h - - ", "not an access log line: expected '['");
	expect(OBS_LOG_ACCESS, "h - - x", "not an access log line: expected '['");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000", "not an access log line: invalid time");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000}", "not an access log line: invalid time");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000]", "not an access log line: expected a request");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000]x", "not an access log line: expected a request");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] GET", "not an access log line: expected a quoted request");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET", "not an access log line: expected a quoted request");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET\"", "not an access log line: expected a status");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET\" 20 1", "not an access log line: expected a status");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET\" 200", "not an access log line: expected a status");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET\" 2000 1", "not an access log line: expected a status");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET\" 200 ", "not an access log line: expected a size");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET\" 200 --", "not an access log line: expected a size");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET\" 200 1234567890123456789",
	       "not an access log line: expected a size");
}

static void test_access_rules(void **state)
{
	(void)state;
	/* A referer alone, or an unterminated user agent: extra, not combined. */
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET / HTTP/1.1\" 200 1 \"r\" \"ua",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"level\":\"info\","
	       "\"msg\":\"GET / HTTP/1.1\",\"client.address\":\"h\",\"http.request.method\":\"GET\","
	       "\"url.path\":\"/\",\"network.protocol.name\":\"http\",\"network.protocol.version\":"
	       "\"1.1\",\"http.response.status_code\":200,\"http.response.body.size\":1,"
	       "\"access.extra\":\"\\\"r\\\" \\\"ua\"}");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET  /\" 100 1 \"r\"x",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"level\":\"info\","
	       "\"msg\":\"GET  /\",\"client.address\":\"h\",\"http.response.status_code\":100,"
	       "\"http.response.body.size\":1,\"access.extra\":\"\\\"r\\\"x\"}");
	/* Request lines that are not METHOD TARGET [HTTP/x]. */
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET / HTTP/\" 599 1",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"level\":\"error\","
	       "\"msg\":\"GET / HTTP/\",\"client.address\":\"h\",\"http.response.status_code\":599,"
	       "\"http.response.body.size\":1}");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET \" 399 1",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"level\":\"info\","
	       "\"msg\":\"GET \",\"client.address\":\"h\",\"http.response.status_code\":399,"
	       "\"http.response.body.size\":1}");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET\" 200 1",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"level\":\"info\","
	       "\"msg\":\"GET\",\"client.address\":\"h\",\"http.response.status_code\":200,"
	       "\"http.response.body.size\":1}");
	expect(OBS_LOG_ACCESS, "h - - [15/Jan/2024:10:23:45 +0000] \"GET /?\" 200 1",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"level\":\"info\","
	       "\"msg\":\"GET /?\",\"client.address\":\"h\",\"http.request.method\":\"GET\","
	       "\"url.path\":\"/\",\"url.query\":\"\",\"http.response.status_code\":200,"
	       "\"http.response.body.size\":1}");
	/* Bytes that are not UTF-8 in a quoted field. */
	{
		struct obs_logparse_options o = opts(OBS_LOG_ACCESS);
		const char line[] = "h - - [15/Jan/2024:10:23:45 +0000] \"GET /\xff\" 200 1 \"-\" \"\xc3\"";

		expect_n(&o, line, sizeof(line) - 1,
			 "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"level\":\"info\","
			 "\"msg\":\"GET /\xef\xbf\xbd\",\"client.address\":\"h\",\"http.request.method\":"
			 "\"GET\",\"url.path\":\"/\xef\xbf\xbd\",\"http.response.status_code\":200,"
			 "\"http.response.body.size\":1,\"user_agent.original\":\"\xef\xbf\xbd\"}");
	}
}

/* ---- journald ------------------------------------------------------------------------ */

static void test_journald_rules(void **state)
{
	(void)state;
	/* The timestamp may come as a number; PRIORITY must be a one-character string. */
	expect(OBS_LOG_JOURNALD, "{\"__REALTIME_TIMESTAMP\":1705314225000000,\"PRIORITY\":3,\"MESSAGE\":\"m\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"m\","
	       "\"PRIORITY\":3}");
	/* Byte arrays become strings, NUL kept; arrays that are not bytes stay. */
	expect(OBS_LOG_JOURNALD,
	       "{\"__REALTIME_TIMESTAMP\":\"1705314225000000\",\"MESSAGE\":[97,0,98],"
	       "\"A\":[1,\"x\"],\"B\":[-1],\"C\":[[104,105],[256]],\"D\":{\"k\":[104]}}",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"msg\":\"a\\u0000b\","
	       "\"A\":[1,\"x\"],\"B\":[-1],\"C\":[\"hi\",[256]],\"D\":{\"k\":[104]}}");
	/* _COMM is the service only without SYSLOG_IDENTIFIER; a long _PID stays text. */
	expect(OBS_LOG_JOURNALD,
	       "{\"__REALTIME_TIMESTAMP\":\"1705314225000000\",\"_COMM\":\"c\",\"_PID\":\"12345678901234567890\"}",
	       "{\"type\":\"log\",\"time\":\"2024-01-15T10:23:45.000000000Z\",\"service\":\"c\","
	       "\"process.pid\":\"12345678901234567890\"}");
	expect(OBS_LOG_JOURNALD, "{\"MESSAGE\":\"m\"}", "not a journal entry: no __REALTIME_TIMESTAMP");
	expect(OBS_LOG_JOURNALD, "[]", "not a JSON object");
	expect(OBS_LOG_JOURNALD, "{", "invalid JSON: string or '}' expected near end of file at column 1");
}

/* ---- regex --------------------------------------------------------------------------- */

static void test_regex_rules(void **state)
{
	struct obs_logparse_options o = opts(OBS_LOG_REGEX);

	(void)state;
	/* Anchored at the start, not at the end. */
	o.regex = "(?<level>\\w+) (?<msg>\\w+)";
	expect_n(&o, "warn disk full", 14,
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"level\":\"warn\","
		 "\"msg\":\"disk\"}");
	expect_n(&o, "  warn disk", 11, "no match for the regular expression");
	/* "__" in a group name is a dot; without named groups there are no fields. */
	o.regex = "(?<a___b__c>\\d+)";
	expect_n(&o, "12", 2,
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"a._b.c\":12}");
	o.regex = "(\\d+) .*";
	expect_n(&o, "12 x", 4, "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\"}");
	/* Duplicate names: the set one counts. */
	o.regex = "(?J)(?:(?<msg>a+)|(?<msg>b+))";
	expect_n(&o, "bb", 2,
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"msg\":\"bb\"}");
	/* Catastrophic backtracking stops at the match limit. */
	o.regex = "(?<x>(a|aa)*)$";
	expect_n(&o, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 73,
		 "the regular expression hit its match limit");
	/* Invalid UTF-8 in the line: matched around, replaced in captures. */
	o.regex = "(?<msg>.*)";
	expect_n(&o, "a\xff" "b\0c", 5,
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"msg\":\"a\"}");
	o.regex = "(?<msg>[\\s\\S]*)";
	expect_n(&o, "a\0c", 3,
		 "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"msg\":\"a\\u0000c\"}");
}

/* ---- detection, raw records, the line wrapper ----------------------------------------- */

static void test_detect(void **state)
{
	const char *none[] = { NULL };
	const char *blank[] = { "", "  ", "\t\r" };
	const char *journal[] = { "{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"m\"}", "{\"a\":1}",
				  "{\"__REALTIME_TIMESTAMP\":\"2\"}" };
	const char *json[] = { "{\"a\":1}", "", "{\"b\":2}", "level=info msg=x" };
	const char *tie[] = { "{\"__REALTIME_TIMESTAMP\":\"1\"}", "{\"a\":1}" };
	const char *access[] = { "h - - [15/Jan/2024:10:23:45 +0000] \"GET /\" 200 1",
				 "level=info msg=x" };

	(void)state;
	assert_int_equal(obs_log_format_detect(none, 0), OBS_LOG_AUTO);
	assert_int_equal(obs_log_format_detect(blank, 3), OBS_LOG_AUTO);
	assert_int_equal(obs_log_format_detect(journal, 3), OBS_LOG_JOURNALD);
	assert_int_equal(obs_log_format_detect(json, 4), OBS_LOG_JSON);
	assert_int_equal(obs_log_format_detect(tie, 2), OBS_LOG_JSON);
	assert_int_equal(obs_log_format_detect(access, 2), OBS_LOG_ACCESS);
}

static void test_raw_record(void **state)
{
	json_t *r;
	char *s;

	(void)state;
	r = obs_log_raw_record("a\0b\xff", 4, REF);
	s = obs_json_dump_line(r, NULL);
	assert_string_equal(s, "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
			       "\"msg\":\"a\\u0000b\xef\xbf\xbd\",\"raw\":true}");
	free(s);
	json_decref(r);
	r = obs_log_raw_record("", 0, 0);
	s = obs_json_dump_line(r, NULL);
	assert_string_equal(s, "{\"type\":\"log\",\"time\":\"1970-01-01T00:00:00.000000000Z\","
			       "\"msg\":\"\",\"raw\":true}");
	free(s);
	json_decref(r);
}

static void test_line_wrapper(void **state)
{
	struct obs_logparse p;
	struct obs_logparse_options o = opts(OBS_LOG_LOGFMT);
	struct obs_error err = { "" };
	json_t *rec;

	(void)state;
	assert_int_equal(obs_logparse_init(&p, &o, &err), 0);
	assert_null(obs_logparse_line(&p, "no pairs", 8, &err));
	assert_string_equal(err.msg, "no key=value pair");
	rec = obs_logparse_line(&p, "a=1", 3, &err);
	assert_int_equal(json_integer_value(json_object_get(rec, "a")), 1);
	json_decref(rec);
	/* The reference may change between lines (one file after another). */
	p.reference = 7 * S;
	rec = obs_logparse_line(&p, "a=1", 3, NULL);
	assert_string_equal(json_string_value(json_object_get(rec, "time")),
			    "1970-01-01T00:00:07.000000000Z");
	json_decref(rec);
	obs_logparse_release(&p);
}

/* ---- multiline joining ----------------------------------------------------------------- */

static char *push_dump(struct obs_logjoin *j, const char *line, int *rc)
{
	json_t *rec = NULL;
	char *s = NULL;

	*rc = line ? obs_logjoin_push(j, line, strlen(line), &rec, NULL) :
		     obs_logjoin_finish(j, &rec, NULL);
	if (*rc == 1)
		s = obs_json_dump_line(rec, NULL);
	else
		assert_null(rec);
	json_decref(rec);
	return s;
}

static void expect_push(struct obs_logjoin *j, const char *line, const char *want)
{
	int rc;
	char *s = push_dump(j, line, &rc);

	if (!want) {
		if (rc != 0)
			fail_msg("'%s' gave a record: %s", line ? line : "(finish)", s);
		return;
	}
	if (rc != 1 || strcmp(s, want) != 0)
		fail_msg("'%s':\n  got  %s\n  want %s", line ? line : "(finish)", s ? s : "nothing",
			 want);
	free(s);
}

static void test_join_off(void **state)
{
	struct obs_logparse p;
	struct obs_logparse_options o = opts(OBS_LOG_LOGFMT);
	struct obs_logjoin j;

	(void)state;
	assert_int_equal(obs_logparse_init(&p, &o, NULL), 0);
	obs_logjoin_init(&j, &p);
	assert_int_equal(j.max_msg, OBS_LOGJOIN_MAX_MSG);
	expect_push(&j, "a=1", "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\",\"a\":1}");
	expect_push(&j, "\tat x", "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
				  "\"msg\":\"\\tat x\",\"raw\":true}");
	expect_push(&j, NULL, NULL);
	assert_int_equal(j.lines, 2);
	assert_int_equal(j.records, 2);
	assert_int_equal(j.raw, 1);
	assert_int_equal(j.joined, 0);
	obs_logjoin_release(&j);
	obs_logparse_release(&p);
}

static void test_join_on(void **state)
{
	struct obs_logparse p;
	struct obs_logparse_options o = opts(OBS_LOG_LOGFMT);
	struct obs_logjoin j;

	(void)state;
	assert_int_equal(obs_logparse_init(&p, &o, NULL), 0);
	obs_logjoin_init(&j, &p);
	j.multiline = 1;
	expect_push(&j, NULL, NULL);   /* nothing pending */
	/* A record without msg: the first continuation becomes it, after level. */
	expect_push(&j, "level=error code=7", NULL);
	expect_push(&j, "Traceback:", NULL);
	expect_push(&j, "  line \xff", NULL);
	expect_push(&j, "a=1", "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
			       "\"level\":\"error\",\"msg\":\"Traceback:\\n  line \xef\xbf\xbd\","
			       "\"code\":7}");
	/* Without type/time/level keys before it, msg still comes first among the rest. */
	expect_push(&j, "  more", NULL);
	expect_push(&j, "msg=\"\"", "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
				    "\"msg\":\"  more\",\"a\":1}");
	/* An empty msg still takes a separator. */
	expect_push(&j, "\tx", NULL);
	expect_push(&j, NULL, "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
			      "\"msg\":\"\\n\\tx\"}");
	assert_int_equal(j.lines, 7);
	assert_int_equal(j.records, 3);
	assert_int_equal(j.raw, 0);
	assert_int_equal(j.joined, 4);
	assert_int_equal(j.truncated, 0);
	/* A pending record is freed by _release. */
	expect_push(&j, "a=2", NULL);
	obs_logjoin_release(&j);
	obs_logparse_release(&p);
}

static void test_join_limits(void **state)
{
	struct obs_logparse p;
	struct obs_logparse_options o = opts(OBS_LOG_LOGFMT);
	struct obs_logjoin j;

	(void)state;
	assert_int_equal(obs_logparse_init(&p, &o, NULL), 0);
	obs_logjoin_init(&j, &p);
	j.multiline = 1;
	/* Nothing of the line fits, not even the separator. */
	j.max_msg = 4;
	expect_push(&j, "msg=abc", NULL);
	expect_push(&j, " de", NULL);
	expect_push(&j, " fg", NULL);
	expect_push(&j, NULL, "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
			      "\"msg\":\"abc\",\"truncated\":true}");
	/* A message already past the limit keeps its text; continuations go. */
	j.max_msg = 2;
	expect_push(&j, "msg=abc", NULL);
	expect_push(&j, " de", NULL);
	expect_push(&j, NULL, "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
			      "\"msg\":\"abc\",\"truncated\":true}");
	/* A limit of 0 with no message of its own. */
	j.max_msg = 0;
	expect_push(&j, "a=1", NULL);
	expect_push(&j, " de", NULL);
	expect_push(&j, NULL, "{\"type\":\"log\",\"time\":\"2024-01-20T12:00:00.000000000Z\","
			      "\"msg\":\"\",\"a\":1,\"truncated\":true}");
	assert_int_equal(j.truncated, 3);
	assert_int_equal(j.joined, 4);
	/* Growing the buffer past its first size. */
	j.max_msg = OBS_LOGJOIN_MAX_MSG;
	{
		char line[1001];
		int i;

		memset(line, 'x', sizeof(line) - 1);
		line[0] = ' ';
		line[sizeof(line) - 1] = '\0';
		expect_push(&j, "msg=m", NULL);
		for (i = 0; i < 10; i++)
			expect_push(&j, line, NULL);
		{
			int rc;
			char *s = push_dump(&j, NULL, &rc);

			assert_int_equal(rc, 1);
			assert_int_equal(strlen(s), strlen("{\"type\":\"log\",\"time\":"
							   "\"2024-01-20T12:00:00.000000000Z\","
							   "\"msg\":\"m\"}") + 10 * 1002);
			free(s);
		}
	}
	obs_logjoin_release(&j);
	obs_logparse_release(&p);
}

/* ---- out of memory ------------------------------------------------------------------ */

static long alloc_budget = -1;  /* jansson allocations left; -1: no limit */

static void *limited_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

/* One line per format that exercises most of what its parser builds. */
static const struct {
	enum obs_log_format format;
	const char *regex, *line;
} oom_cases[] = {
	{ OBS_LOG_JSON, NULL,
	  "{\"time\":\"2024-01-15T10:23:45Z\",\"level\":\"warn\",\"msg\":\"m\\n\",\"service\":\"s\","
	  "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\",\"type\":1,"
	  "\"k\\u00e9\":[1,{\"a\":2}]}" },
	{ OBS_LOG_JOURNALD, NULL,
	  "{\"__REALTIME_TIMESTAMP\":\"1705314225000000\",\"PRIORITY\":\"3\",\"MESSAGE\":[104,255],"
	  "\"_PID\":\"7\",\"_COMM\":\"c\",\"M\":[\"a\",[98]],\"__CURSOR\":\"x\"}" },
	{ OBS_LOG_LOGFMT, NULL,
	  "ts=2024-01-15T10:23:45Z level=info msg=\"a \\\"b\\\"\" n=1 f=0.5 b=true flag k\xff=v" },
	{ OBS_LOG_SYSLOG, NULL,
	  "<165>1 2024-01-15T10:23:45Z h app 12 id [a@1 k=\"v\" l=\"\\]\"] \xef\xbb\xbfmsg" },
	{ OBS_LOG_SYSLOG, NULL, "<13>Jan 15 10:23:45 h app[x]: m" },
	{ OBS_LOG_ACCESS, NULL,
	  "h i u [15/Jan/2024:10:23:45 +0000] \"GET /p?q HTTP/1.1\" 200 1 \"r\" \"ua\" extra" },
	{ OBS_LOG_REGEX, "(?<time>\\S+) (?<level>\\S+) (?<n>\\d+) (?<msg>.*)",
	  "2024-01-15T10:23:45Z warn 42 hello" },
	{ OBS_LOG_AUTO, NULL, "level=info msg=x" },
};

/* Run case OP (or, past the cases, a multiline sequence) with K jansson allocations allowed. */
static int oom_run(long k, size_t op)
{
	struct obs_logparse_options o = opts(OBS_LOG_AUTO);
	struct obs_logparse p;
	struct obs_logjoin j;
	struct obs_error err = { "" };
	json_t *rec = NULL;
	int ok = 1, rc;

	alloc_budget = -1;
	if (op < sizeof(oom_cases) / sizeof(oom_cases[0])) {
		o.format = oom_cases[op].format;
		o.regex = oom_cases[op].regex;
	} else {
		o.format = OBS_LOG_LOGFMT;
	}
	assert_int_equal(obs_logparse_init(&p, &o, &err), 0);
	obs_logjoin_init(&j, &p);
	alloc_budget = k;
	if (op < sizeof(oom_cases) / sizeof(oom_cases[0])) {
		rc = obs_logparse_parse(&p, oom_cases[op].line, strlen(oom_cases[op].line), &rec, &err);
		/* jansson may report running out of memory while lexing as bad JSON. */
		if (rc == -1)
			assert_string_equal(err.msg, "out of memory");
		else if (rc != 1 && !(rc == 0 && alloc_budget == 0))
			fail_msg("case %zu, %ld allocations: %d %s", op, k, rc, err.msg);
		ok = rc == 1;
		json_decref(rec);
		rec = obs_log_raw_record("raw", 3, REF);
		ok = ok && rec;
		json_decref(rec);
	} else {
		static const char *const lines[] = { "level=error code=7", "Traceback:", " at x",
						     "msg=m", "\tcut here", "\tdropped", "raw line",
						     " ws", "a=1" };
		size_t i;

		j.multiline = op == sizeof(oom_cases) / sizeof(oom_cases[0]);
		j.max_msg = 12;
		for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			rc = obs_logjoin_push(&j, lines[i], strlen(lines[i]), &rec, &err);
			if (rc < 0) {
				assert_string_equal(err.msg, "out of memory");
				ok = 0;
			}
			json_decref(rec);
		}
		rc = obs_logjoin_finish(&j, &rec, &err);
		ok = ok && rc >= 0;
		json_decref(rec);
	}
	if (!ok && alloc_budget != 0)
		fail_msg("case %zu failed with %ld allocations left", op, alloc_budget);
	alloc_budget = -1;
	obs_logjoin_release(&j);
	obs_logparse_release(&p);
	return ok;
}

static void test_out_of_memory(void **state)
{
	size_t op;

	(void)state;
	json_set_alloc_funcs(limited_malloc, free);
	for (op = 0; op < sizeof(oom_cases) / sizeof(oom_cases[0]) + 2; op++) {
		long k;

		for (k = 0; k < 1000 && !oom_run(k, op); k++)
			;
		assert_true(k < 1000);
	}
	json_set_alloc_funcs(malloc, free);
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
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_level_words),
		cmocka_unit_test(test_level_numbers),
		cmocka_unit_test(test_level_rank),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_init_defaults),
		cmocka_unit_test(test_time_zones),
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_time_reference_limits),
		cmocka_unit_test(test_json_rules),
		cmocka_unit_test(test_json_bytes),
		cmocka_unit_test(test_logfmt_rules),
		cmocka_unit_test(test_logfmt_auto_strictness),
		cmocka_unit_test(test_syslog_errors),
		cmocka_unit_test(test_syslog_rules),
		cmocka_unit_test(test_syslog_service_default),
		cmocka_unit_test(test_access_errors),
		cmocka_unit_test(test_access_rules),
		cmocka_unit_test(test_journald_rules),
		cmocka_unit_test(test_regex_rules),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_raw_record),
		cmocka_unit_test(test_line_wrapper),
		cmocka_unit_test(test_join_off),
		cmocka_unit_test(test_join_on),
		cmocka_unit_test(test_join_limits),
		cmocka_unit_test(test_out_of_memory),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
