/* SPDX-License-Identifier: MIT */
/* Shared body of the log-parser fuzz targets: parse, join and check every record they make. */
#ifndef LOG_CHECK_H
#define LOG_CHECK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "obs_logparse.h"
#include "obs_ndjson.h"
#include "obs_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2024-01-20T12:00:00Z */
#define FUZZ_REF (1705752000LL * OBS_NS_PER_SEC)

/*
 * A record: an object whose first keys are type "log" and a 30-byte RFC
 * 3339 time that reads back; a level among the six; msg a string; the whole
 * dumps to JSON that parses again (so every string was UTF-8).
 */
static void check_record(json_t *rec)
{
	void *it = json_object_iter(rec);
	const char *level, *s;
	json_t *v, *back;
	int64_t ns;
	size_t n;
	char *line;

	if (!json_is_object(rec) || !it || strcmp(json_object_iter_key(it), "type") != 0 ||
	    strcmp(json_string_value(json_object_iter_value(it)), "log") != 0)
		abort();
	it = json_object_iter_next(rec, it);
	if (!it || strcmp(json_object_iter_key(it), "time") != 0)
		abort();
	s = json_string_value(json_object_iter_value(it));
	if (!s || strlen(s) != 30 || obs_time_parse(s, &ns, NULL) != 0)
		abort();
	if ((v = json_object_get(rec, "level"))) {
		level = json_string_value(v);
		if (!level || obs_log_level_rank(level) == 0 ||
		    strcmp(obs_log_level_normalize(level), level) != 0)
			abort();
	}
	if ((v = json_object_get(rec, "msg")) && !json_is_string(v))
		abort();
	line = obs_json_dump_line(rec, &n);
	if (!line)
		abort();
	back = json_loadb(line, n, JSON_ALLOW_NUL, NULL);
	if (!back || !json_equal(back, rec))
		abort();
	json_decref(back);
	free(line);
}

/*
 * Parse DATA as one line, then as lines joined with multiline on (a small
 * message limit, so cutting is exercised), and guess the format of its lines.
 */
static void fuzz_log(const struct obs_logparse_options *opt, const uint8_t *data, size_t size)
{
	struct obs_logparse p;
	struct obs_logjoin j;
	struct obs_error err;
	json_t *rec;
	const char *lines[16];
	char *copy;
	size_t start = 0, i;
	int rc, n = 0;

	if (obs_logparse_init(&p, opt, &err) != 0)
		abort();
	rc = obs_logparse_parse(&p, (const char *)data, size, &rec, &err);
	if (rc == 1)
		check_record(rec);
	else if (rc != 0 || rec || !err.msg[0])
		abort();
	json_decref(rec);
	rec = obs_log_raw_record((const char *)data, size, p.reference);
	check_record(rec);
	json_decref(rec);

	obs_logjoin_init(&j, &p);
	j.multiline = 1;
	j.max_msg = 64;
	copy = malloc(size + 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		rc = obs_logjoin_push(&j, (const char *)data + start, i - start, &rec, &err);
		if (rc < 0)
			abort();
		if (rc == 1) {
			check_record(rec);
			json_decref(rec);
		}
		copy[i] = '\0';
		if (n < 16)
			lines[n++] = copy + start;
		start = i + 1;
	}
	if (obs_logjoin_finish(&j, &rec, &err) != 1)
		abort();
	check_record(rec);
	json_decref(rec);
	if (j.records + j.joined != j.lines || j.raw > j.records || j.truncated > j.records)
		abort();
	obs_logjoin_release(&j);
	rc = (int)obs_log_format_detect(lines, n);
	if (rc < OBS_LOG_AUTO || rc > OBS_LOG_JOURNALD || rc == OBS_LOG_REGEX)
		abort();
	free(copy);
	obs_logparse_release(&p);
}

#endif
