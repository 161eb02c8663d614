/* SPDX-License-Identifier: MIT */
/* Times (RFC 3339 with nanoseconds, Unix s/ms/us/ns) and durations. */
#ifndef OBS_TIME_H
#define OBS_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "obs_error.h"

/* Times are int64 nanoseconds since the Unix epoch, UTC. */
#define OBS_NS_PER_SEC 1000000000LL
#define OBS_TIME_MIN INT64_MIN
#define OBS_TIME_MAX INT64_MAX
#define OBS_TIME_BUFSZ 40   /* "2026-11-24T21:45:03.123456789Z" + slack */

/*
 * Current time. If OBS_FAKE_TIME is set in the environment (an RFC 3339
 * time or a Unix timestamp), returns that instead; tests use it for a
 * fixed clock. A value that does not parse is ignored.
 */
int64_t obs_time_now(void);
/* Monotonic clock in ns, for measuring durations. */
int64_t obs_time_monotonic(void);

/*
 * Parse an absolute time: RFC 3339 ("2026-11-24T21:45:03.5Z",
 * "...+02:00", lower-case t/z and a space for T accepted, up to 9 fraction
 * digits), a date alone ("2026-11-24", midnight UTC), or a Unix timestamp
 * whose unit is judged by magnitude: seconds (fraction allowed) below 1e11,
 * milliseconds below 1e14, microseconds below 1e17, else nanoseconds.
 *
 * Strict: the zone (Z or +-HH:MM) is required after a time of day; no
 * surrounding spaces. Fraction digits past 9 are truncated. A leap second
 * (:60) reads as hh:mm:59.999999999 (POSIX time has no slot for it; order
 * is kept). Negative Unix timestamps are refused. Only 1677-09-21T00:12:43Z
 * to 2262-04-11T23:47:16Z fit in int64 ns; other years, 9999 included,
 * are refused as out of range. Messages: "invalid time 'S': month out of
 * range", "...: expected RFC 3339 or a Unix timestamp", ...
 */
int obs_time_parse(const char *s, int64_t *ns, struct obs_error *err);
/* Same for a string of LEN bytes, not necessarily NUL-terminated. */
int obs_time_parse_n(const char *s, size_t len, int64_t *ns, struct obs_error *err);

/*
 * Format as RFC 3339 UTC with 9 fraction digits: "2026-11-24T21:45:03.000000000Z"
 * (30 bytes). Returns the full length, as snprintf does, even if cut.
 */
size_t obs_time_format(int64_t ns, char *buf, size_t size);

/*
 * Parse a duration: a sequence of number+unit ("250ms", "1h30m", "7d",
 * "1.5s", "2w"); units ns, us (and µs), ms, s, m, h, d, w. A bare number
 * is seconds. Negative durations are refused.
 * Any number may have a fraction ("1.5h"), rounded down to whole ns. A
 * bare number counts only alone ("1h30" is refused: missing unit). Errors:
 * "invalid duration 'S': unknown unit 'x'" (empty, expected a number, ...)
 * and "duration 'S' is too large" past INT64_MAX ns (about 292 years).
 */
int obs_duration_parse(const char *s, int64_t *ns, struct obs_error *err);
/*
 * Format compactly for people: "0s", "850ns", "12.3ms", "1.25s", "2m3s", "1h2m", "3d4h".
 * Below a minute, 3 significant digits, truncated (999999ns is "999us"),
 * trailing zeros dropped; above, two units, the smaller truncated and
 * dropped when 0 ("2m", "1h"). Negative values get a '-'. "us" is ASCII.
 * Parsing the result gives back the value within 5%, never more. Returns
 * the full length, as snprintf does.
 */
size_t obs_duration_format(int64_t ns, char *buf, size_t size);

/*
 * --since / --until: a duration means that long before NOW ("2h"), anything
 * else is parsed as an absolute time; "now" is NOW. A bare number is a
 * Unix timestamp here, not seconds ago.
 */
int obs_time_parse_relative(const char *s, int64_t now, int64_t *ns, struct obs_error *err);

/* Days in month M (1-12) of year Y, proleptic Gregorian. */
int obs_time_days_in_month(int64_t y, int m);
/* Days since 1970-01-01 of the proleptic Gregorian date Y-M-D (H. Hinnant's algorithm). */
int64_t obs_time_days_from_civil(int64_t y, int m, int d);
/* The date of day Z (days since 1970-01-01), the inverse of the above. */
void obs_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* UTC calendar day of NS as "YYYY-MM-DD" (buf of at least 11 bytes). */
void obs_time_day(int64_t ns, char *buf, size_t size);
/*
 * Start (00:00:00 UTC) of the day containing NS; OBS_TIME_MIN for the
 * first day in range, whose start does not fit.
 */
int64_t obs_time_day_start(int64_t ns);

#endif
