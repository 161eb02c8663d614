/* SPDX-License-Identifier: MIT */
/* libFuzzer target for obs_time: parsers never crash, and formatting round-trips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS_PER_DAY (86400LL * OBS_NS_PER_SEC)

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A parsed time formats to 30 bytes, parses back to itself, and its day agrees. */
static void check_time(int64_t ns)
{
	char buf[OBS_TIME_BUFSZ], day[16], start[OBS_TIME_BUFSZ];
	struct obs_error err;
	int64_t back, ds;

	if (obs_time_format(ns, buf, sizeof(buf)) != 30 || strlen(buf) != 30)
		abort();
	if (obs_time_parse(buf, &back, &err) != 0 || back != ns)
		abort();
	obs_time_day(ns, day, sizeof(day));
	if (strlen(day) != 10 || memcmp(day, buf, 10) != 0)
		abort();
	ds = obs_time_day_start(ns);
	if (ds > ns)
		abort();
	if (ds != OBS_TIME_MIN) {
		if (ns - ds >= NS_PER_DAY)
			abort();
		obs_time_format(ds, start, sizeof(start));
		if (memcmp(start, day, 10) != 0 || strcmp(start + 10, "T00:00:00.000000000Z") != 0)
			abort();
	}
}

/* Durations format lossily (3 digits, or the smaller unit dropped): within 5%, never above. */
static void check_duration(int64_t d)
{
	char buf[64];
	struct obs_error err;
	int64_t back;
	size_t n = obs_duration_format(d, buf, sizeof(buf));

	if (n == 0 || n != strlen(buf))
		abort();
	if (d < 0) {
		if (buf[0] != '-')
			abort();
		return;
	}
	if (obs_duration_parse(buf, &back, &err) != 0)
		abort();
	if (back > d || d - back > d / 20)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t now = 1795556703LL * OBS_NS_PER_SEC;
	struct obs_error err;
	int64_t ns, ns2, d, rel;
	int rc, rc2;
	char *s;

	/* Any bytes, not NUL-terminated. */
	rc = obs_time_parse_n((const char *)data, size, &ns, &err);
	if (rc == 0)
		check_time(ns);
	else if (rc != -1 || !starts_with(err.msg, "invalid time '"))
		abort();

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	/* The C-string form agrees with the counted form up to the first NUL. */
	rc = obs_time_parse(s, &ns, &err);
	rc2 = obs_time_parse_n(s, strlen(s), &ns2, NULL);
	if (rc != rc2 || (rc == 0 && ns != ns2))
		abort();

	rc = obs_duration_parse(s, &d, &err);
	if (rc == 0) {
		if (d < 0)
			abort();
		check_duration(d);
	} else if (rc != -1 || !(starts_with(err.msg, "invalid duration '") ||
				 starts_with(err.msg, "duration '"))) {
		abort();
	}

	/* --since: a duration counts back from now; anything else is absolute. */
	if (obs_time_parse_relative(s, now, &rel, &err) == 0) {
		if (strcmp(s, "now") == 0) {
			if (rel != now)
				abort();
		} else if (obs_time_parse(s, &ns, NULL) == 0) {
			if (rel != ns)
				abort();
		} else if (rc != 0 || rel != now - d) {
			abort();
		}
	}

	/* Raw bytes as a time and as a duration, whatever their value. */
	if (size >= 8) {
		int64_t v;

		memcpy(&v, data, sizeof(v));
		check_time(v);
		check_duration(v);
	}
	free(s);
	return 0;
}
