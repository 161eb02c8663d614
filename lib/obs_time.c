/* SPDX-License-Identifier: MIT */
/* Times and durations in integer nanoseconds: RFC 3339, Unix timestamps, no TZ or libc calendar. */
#include "obs_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_PER_DAY (86400LL * OBS_NS_PER_SEC)
/* Longest part of the input quoted in an error message. */
#define QUOTE_MAX 128

/* ---- civil calendar (H. Hinnant's days_from_civil / civil_from_days) ---- */

int64_t obs_time_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void obs_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int obs_time_days_in_month(int64_t y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Floor division and modulo for a positive divisor. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	return r < 0 ? r + b : r;
}

/* ---- parsing helpers --------------------------------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read exactly N digits at S[*i]; -1 if they are not all there. */
static int fixed_digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0, k;

	if (len - *i < (size_t)n)
		return -1;
	for (k = 0; k < n; k++) {
		if (!is_digit(s[*i + (size_t)k]))
			return -1;
		v = v * 10 + (s[*i + (size_t)k] - '0');
	}
	*i += (size_t)n;
	return v;
}

static int time_error(struct obs_error *err, const char *s, size_t len, const char *why)
{
	int n = len > QUOTE_MAX ? QUOTE_MAX : (int)len;

	return obs_error_set(err, "invalid time '%.*s%s': %s", n, s, len > QUOTE_MAX ? "..." : "",
			     why);
}

static int expected_error(struct obs_error *err, const char *s, size_t len)
{
	return time_error(err, s, len, "expected RFC 3339 or a Unix timestamp");
}

/*
 * Up to 9 fraction digits as nanoseconds; further digits are read and
 * dropped (truncation). At least one digit is required.
 */
static int fraction_ns(const char *s, size_t len, size_t *i, int64_t *frac)
{
	int64_t v = 0;
	int n = 0;

	if (*i >= len || !is_digit(s[*i]))
		return -1;
	while (*i < len && is_digit(s[*i])) {
		if (n < 9) {
			v = v * 10 + (s[*i] - '0');
			n++;
		}
		(*i)++;
	}
	while (n++ < 9)
		v *= 10;
	*frac = v;
	return 0;
}

/* Unix timestamp: digits with an optional fraction; unit from the magnitude. */
static int parse_unix(const char *s, size_t len, int64_t *ns, struct obs_error *err)
{
	static const struct {
		int64_t below, ns_per_unit;
	} units[] = {
		{ 100000000000LL, 1000000000LL },           /* seconds below 1e11 */
		{ 100000000000000LL, 1000000LL },          /* milliseconds below 1e14 */
		{ 100000000000000000LL, 1000LL },          /* microseconds below 1e17 */
		{ INT64_MAX, 1LL },                         /* nanoseconds */
	};
	int64_t v = 0, unit = 1, whole, frac = 0, scale;
	size_t i = 0, u;
	int big = 0;

	while (i < len && is_digit(s[i])) {
		if (!big && (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v)))
			big = 1;
		i++;
	}
	if (i < len) {
		i++; /* the '.', checked by the caller */
		if (fraction_ns(s, len, &i, &frac) < 0 || i != len)
			return expected_error(err, s, len);
	}
	if (big)
		return time_error(err, s, len, "out of range");
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (v < units[u].below) {
			unit = units[u].ns_per_unit;
			break;
		}
	}
	if (__builtin_mul_overflow(v, unit, &whole))
		return time_error(err, s, len, "out of range");
	/* frac is in 1e-9 units of the unit: scale it down to ns. */
	scale = OBS_NS_PER_SEC / unit;
	if (__builtin_add_overflow(whole, frac / scale, &whole))
		return time_error(err, s, len, "out of range");
	*ns = whole;
	return 0;
}

/* Anything that does not start like a date (four digits and a '-'): a Unix timestamp. */
static int parse_number(const char *s, size_t len, int64_t *ns, struct obs_error *err)
{
	size_t k;

	if (s[0] == '-' && len > 1 && is_digit(s[1])) {
		for (k = 1; k < len && (is_digit(s[k]) || s[k] == '.'); k++)
			;
		if (k == len)
			return time_error(err, s, len, "negative Unix timestamps are not supported");
	}
	for (k = 0; k < len && is_digit(s[k]); k++)
		;
	if (k == 0 || (k < len && s[k] != '.'))
		return expected_error(err, s, len);
	return parse_unix(s, len, ns, err);
}

/* An RFC 3339 time, broken down; off is the zone's offset east of UTC in seconds. */
struct civil {
	int64_t year, frac, off;
	int mon, day, hour, min, sec;
};

/* YYYY-MM-DD at the start of S (its first five bytes checked by the caller). */
static int parse_date(const char *s, size_t len, size_t *i, struct civil *t,
		      struct obs_error *err)
{
	t->year = fixed_digits(s, len, i, 4);
	(*i)++; /* '-' */
	if ((t->mon = fixed_digits(s, len, i, 2)) < 0 || *i >= len || s[*i] != '-')
		return expected_error(err, s, len);
	(*i)++;
	if ((t->day = fixed_digits(s, len, i, 2)) < 0)
		return expected_error(err, s, len);
	if (t->mon < 1 || t->mon > 12)
		return time_error(err, s, len, "month out of range");
	if (t->day < 1 || t->day > obs_time_days_in_month(t->year, t->mon))
		return time_error(err, s, len, "day out of range");
	return 0;
}

/* The zone at S[*i], up to the end: Z, or +HH:MM / -HH:MM into t->off. */
static int parse_zone(const char *s, size_t len, size_t *i, struct civil *t,
		      struct obs_error *err)
{
	int oh, om, sign;

	if (*i >= len)
		return time_error(err, s, len, "missing time zone ('Z' or +HH:MM)");
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
	} else if (s[*i] == '+' || s[*i] == '-') {
		sign = s[*i] == '-' ? -1 : 1;
		(*i)++;
		if ((oh = fixed_digits(s, len, i, 2)) < 0 || *i >= len || s[*i] != ':')
			return expected_error(err, s, len);
		(*i)++;
		if ((om = fixed_digits(s, len, i, 2)) < 0)
			return expected_error(err, s, len);
		if (oh > 23 || om > 59)
			return time_error(err, s, len, "time zone offset out of range");
		t->off = sign * (oh * 3600LL + om * 60LL);
	} else {
		return expected_error(err, s, len);
	}
	return *i != len ? expected_error(err, s, len) : 0;
}

/* The time of day at S[I] (just after the date) to the end: "Thh:mm:ss[.f]" and the zone. */
static int parse_clock(const char *s, size_t len, size_t i, struct civil *t,
		       struct obs_error *err)
{
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return expected_error(err, s, len);
	i++;
	if ((t->hour = fixed_digits(s, len, &i, 2)) < 0 || i >= len || s[i] != ':')
		return expected_error(err, s, len);
	i++;
	if ((t->min = fixed_digits(s, len, &i, 2)) < 0 || i >= len || s[i] != ':')
		return expected_error(err, s, len);
	i++;
	if ((t->sec = fixed_digits(s, len, &i, 2)) < 0)
		return expected_error(err, s, len);
	if (i < len && s[i] == '.') {
		i++;
		if (fraction_ns(s, len, &i, &t->frac) < 0)
			return expected_error(err, s, len);
	}
	if (t->hour > 23)
		return time_error(err, s, len, "hour out of range");
	if (t->min > 59)
		return time_error(err, s, len, "minute out of range");
	if (t->sec > 60)
		return time_error(err, s, len, "second out of range");
	if (parse_zone(s, len, &i, t, err) < 0)
		return -1;
	/*
	 * A leap second (:60) reads as the last nanosecond of its minute:
	 * POSIX time has no slot for it, and this keeps order.
	 */
	if (t->sec == 60) {
		t->sec = 59;
		t->frac = OBS_NS_PER_SEC - 1;
	}
	return 0;
}

int obs_time_parse_n(const char *s, size_t len, int64_t *ns, struct obs_error *err)
{
	struct civil t = { 0, 0, 0, 0, 0, 0, 0, 0 };
	int64_t secs, frac, total;
	size_t i = 0;

	if (len == 0)
		return time_error(err, s, len, "empty");
	if (!(len >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
	      s[4] == '-'))
		return parse_number(s, len, ns, err);
	if (parse_date(s, len, &i, &t, err) < 0 || (i < len && parse_clock(s, len, i, &t, err) < 0))
		return -1;
	secs = obs_time_days_from_civil(t.year, t.mon, t.day) * 86400 + t.hour * 3600LL +
	       t.min * 60LL + t.sec - t.off;
	frac = t.frac;
	/* Borrow a second so that OBS_TIME_MIN's second does not overflow first. */
	if (secs < 0 && frac > 0) {
		secs++;
		frac -= OBS_NS_PER_SEC;
	}
	if (__builtin_mul_overflow(secs, OBS_NS_PER_SEC, &total) ||
	    __builtin_add_overflow(total, frac, &total))
		return time_error(err, s, len, "out of range (1677-09-21 to 2262-04-11)");
	*ns = total;
	return 0;
}

int obs_time_parse(const char *s, int64_t *ns, struct obs_error *err)
{
	return obs_time_parse_n(s, strlen(s), ns, err);
}

size_t obs_time_format(int64_t ns, char *buf, size_t size)
{
	int64_t secs = floor_div(ns, OBS_NS_PER_SEC), frac = floor_mod(ns, OBS_NS_PER_SEC);
	int64_t days = floor_div(secs, 86400), sod = floor_mod(secs, 86400), y;
	int m, d, n;

	obs_time_civil_from_days(days, &y, &m, &d);
	n = snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.%09lldZ", (long long)y, m, d,
		     (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), (long long)frac);
	return n < 0 ? 0 : (size_t)n;
}

void obs_time_day(int64_t ns, char *buf, size_t size)
{
	int64_t y;
	int m, d;

	obs_time_civil_from_days(floor_div(ns, NS_PER_DAY), &y, &m, &d);
	snprintf(buf, size, "%04lld-%02d-%02d", (long long)y, m, d);
}

int64_t obs_time_day_start(int64_t ns)
{
	int64_t day = floor_div(ns, NS_PER_DAY), start;

	/* The first day in range starts before OBS_TIME_MIN: clamp. */
	if (__builtin_mul_overflow(day, NS_PER_DAY, &start))
		return OBS_TIME_MIN;
	return start;
}

/* ---- clocks ------------------------------------------------------------ */

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * OBS_NS_PER_SEC + ts.tv_nsec;
}

int64_t obs_time_now(void)
{
	const char *fake = getenv("OBS_FAKE_TIME");
	int64_t ns;

	if (fake && *fake && obs_time_parse(fake, &ns, NULL) == 0)
		return ns;
	return clock_ns(CLOCK_REALTIME);
}

int64_t obs_time_monotonic(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* ---- durations --------------------------------------------------------- */

static int duration_error(struct obs_error *err, const char *s, const char *why)
{
	size_t len = strlen(s);
	int n = len > QUOTE_MAX ? QUOTE_MAX : (int)len;

	return obs_error_set(err, "invalid duration '%.*s%s': %s", n, s,
			     len > QUOTE_MAX ? "..." : "", why);
}

static int duration_too_large(struct obs_error *err, const char *s)
{
	size_t len = strlen(s);
	int n = len > QUOTE_MAX ? QUOTE_MAX : (int)len;

	return obs_error_set(err, "duration '%.*s%s' is too large", n, s,
			     len > QUOTE_MAX ? "..." : "");
}

static const struct duration_unit {
	const char *name;
	int64_t ns;
} duration_units[] = {
	{ "ns", 1LL },
	{ "us", 1000LL },
	{ "\xc2\xb5s", 1000LL },  /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", 1000LL },  /* U+03BC GREEK SMALL LETTER MU */
	{ "ms", 1000000LL },
	{ "s", OBS_NS_PER_SEC },
	{ "m", 60 * OBS_NS_PER_SEC },
	{ "h", 3600 * OBS_NS_PER_SEC },
	{ "d", 86400 * OBS_NS_PER_SEC },
	{ "w", 7 * 86400 * OBS_NS_PER_SEC },
};

/*
 * The fraction digits F (N of them) times UNIT, in whole ns, rounded down.
 * Horner from the last digit: floor((d + floor(x)) / 10) = floor((d + x) / 10)
 * for an integer d, so the result is exact however many digits there are.
 */
static int64_t fraction_times(const char *f, size_t n, int64_t unit)
{
	int64_t acc = 0;

	while (n-- > 0)
		acc = ((f[n] - '0') * unit + acc) / 10;
	return acc;
}

int obs_duration_parse(const char *s, int64_t *ns, struct obs_error *err)
{
	const struct duration_unit *u;
	const char *p = s, *frac, *num;
	int64_t total = 0, whole, part;
	size_t nfrac, k, ulen;
	int big;

	if (*s == '\0')
		return duration_error(err, s, "empty");
	if (*s == '-')
		return duration_error(err, s, "negative durations are not allowed");
	while (*p) {
		num = p;
		if (!is_digit(*p))
			return duration_error(err, s, "expected a number");
		whole = 0;
		big = 0;
		while (is_digit(*p)) {
			if (!big && (__builtin_mul_overflow(whole, 10, &whole) ||
				     __builtin_add_overflow(whole, *p - '0', &whole)))
				big = 1;
			p++;
		}
		frac = NULL;
		nfrac = 0;
		if (*p == '.') {
			p++;
			frac = p;
			while (is_digit(*p))
				p++;
			nfrac = (size_t)(p - frac);
			if (nfrac == 0)
				return duration_error(err, s, "expected digits after '.'");
		}
		if (*p == '\0') {
			/* A bare number is seconds, but only on its own. */
			if (num != s) {
				char msg[64];

				snprintf(msg, sizeof(msg), "missing unit after '%.*s'",
					 (int)(p - num > 24 ? 24 : p - num), num);
				return duration_error(err, s, msg);
			}
			u = &duration_units[5]; /* "s" */
			ulen = 0;
		} else {
			/* The unit is everything up to the next number. */
			ulen = strcspn(p, "0123456789.");
			u = NULL;
			for (k = 0; k < sizeof(duration_units) / sizeof(duration_units[0]); k++) {
				if (strlen(duration_units[k].name) == ulen &&
				    memcmp(p, duration_units[k].name, ulen) == 0) {
					u = &duration_units[k];
					break;
				}
			}
			if (!u) {
				char msg[64];

				snprintf(msg, sizeof(msg), "unknown unit '%.*s'", (int)(ulen > 16 ? 16 : ulen), p);
				return duration_error(err, s, msg);
			}
		}
		if (big || __builtin_mul_overflow(whole, u->ns, &part) ||
		    __builtin_add_overflow(part, frac ? fraction_times(frac, nfrac, u->ns) : 0, &part) ||
		    __builtin_add_overflow(total, part, &total))
			return duration_too_large(err, s);
		p += ulen;
	}
	*ns = total;
	return 0;
}

/*
 * V / UNIT with up to three significant digits, truncated (so 999999ns is
 * "999us", never a rounded-up "1000us"), trailing zeros dropped.
 */
static size_t format_sig3(uint64_t v, uint64_t unit, const char *name, char *buf, size_t size,
			  const char *sign)
{
	uint64_t whole = v / unit, rest = v % unit, scale = 1, fracv;
	int digits = whole >= 100 ? 0 : whole >= 10 ? 1 : 2, n, k;
	char frac[4];

	for (k = 0; k < digits; k++)
		scale *= 10;
	/* rest * scale < unit * 100 fits easily: units are at most 1e9. */
	fracv = rest * scale / unit;
	for (k = digits - 1; k >= 0; k--) {
		frac[k] = (char)('0' + fracv % 10);
		fracv /= 10;
	}
	while (digits > 0 && frac[digits - 1] == '0')
		digits--;
	frac[digits] = '\0';
	n = snprintf(buf, size, "%s%llu%s%s%s", sign, (unsigned long long)whole, digits ? "." : "",
		     frac, name);
	return n < 0 ? 0 : (size_t)n;
}

/* V in units BIG/SMALL, e.g. "2m3s"; a zero SMALL part is dropped ("2m"). */
static size_t format_pair(uint64_t v, uint64_t big, const char *bname, uint64_t small,
			  const char *sname, char *buf, size_t size, const char *sign)
{
	uint64_t hi = v / big, lo = v % big / small;
	int n;

	if (lo)
		n = snprintf(buf, size, "%s%llu%s%llu%s", sign, (unsigned long long)hi, bname,
			     (unsigned long long)lo, sname);
	else
		n = snprintf(buf, size, "%s%llu%s", sign, (unsigned long long)hi, bname);
	return n < 0 ? 0 : (size_t)n;
}

size_t obs_duration_format(int64_t ns, char *buf, size_t size)
{
	const uint64_t us = 1000, ms = 1000000, s = 1000000000, m = 60 * s, h = 60 * m,
		       d = 24 * h;
	const char *sign = ns < 0 ? "-" : "";
	/* Magnitude without overflow at INT64_MIN. */
	uint64_t v = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	int n;

	if (v == 0) {
		n = snprintf(buf, size, "0s");
		return n < 0 ? 0 : (size_t)n;
	}
	if (v < us) {
		n = snprintf(buf, size, "%s%lluns", sign, (unsigned long long)v);
		return n < 0 ? 0 : (size_t)n;
	}
	if (v < ms)
		return format_sig3(v, us, "us", buf, size, sign);
	if (v < s)
		return format_sig3(v, ms, "ms", buf, size, sign);
	if (v < m)
		return format_sig3(v, s, "s", buf, size, sign);
	if (v < h)
		return format_pair(v, m, "m", s, "s", buf, size, sign);
	if (v < d)
		return format_pair(v, h, "h", m, "m", buf, size, sign);
	return format_pair(v, d, "d", h, "h", buf, size, sign);
}

/* ---- --since / --until --------------------------------------------------- */

/* Digits then a letter or a non-ASCII byte (µ): meant as a duration. */
static int looks_like_duration(const char *s)
{
	const char *p = s;

	if (!is_digit(*p))
		return 0;
	while (is_digit(*p) || *p == '.')
		p++;
	return (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0x80;
}

int obs_time_parse_relative(const char *s, int64_t now, int64_t *ns, struct obs_error *err)
{
	struct obs_error tmp;
	int64_t d;

	if (strcmp(s, "now") == 0) {
		*ns = now;
		return 0;
	}
	if (looks_like_duration(s)) {
		if (obs_duration_parse(s, &d, err) < 0)
			return -1;
		if (__builtin_sub_overflow(now, d, &d))
			return obs_error_set(err, "invalid time '%s': too far in the past", s);
		*ns = d;
		return 0;
	}
	if (obs_time_parse(s, ns, &tmp) == 0)
		return 0;
	if (strstr(tmp.msg, "expected RFC 3339"))
		return time_error(err, s, strlen(s),
				  "expected a duration (2h), RFC 3339, a Unix timestamp or 'now'");
	if (err)
		*err = tmp;
	return -1;
}
