/* SPDX-License-Identifier: MIT */
/* Log-format parsers: JSON, logfmt, syslog, access logs, journald, regex, into log records. */
#include "obs_logparse.h"
#include "obs_logparse_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "obs_text.h"
#include "obs_time.h"
#include "obs_tracectx.h"

#define REGEX_MATCH_LIMIT 1000000

/* One named group of the regex: its number and the field name it fills. */
struct obs_lp_group {
	uint32_t num;
	char *key;
};

/* One field of the line being parsed, before it goes into the record. */
struct obs_lp_field {
	const char *key;        /* borrowed from the line, the JSON object or a group */
	size_t klen;
	json_t *val;            /* owned */
	unsigned char typable;  /* a logfmt or regex text: numbers and booleans get typed */
	unsigned char used;     /* taken for a role (time, level, ...) */
};

/* ---- format names ------------------------------------------------------------------- */

static const struct {
	const char *name;
	enum obs_log_format format;
} format_names[] = {
	{ "auto", OBS_LOG_AUTO },         { "json", OBS_LOG_JSON },
	{ "logfmt", OBS_LOG_LOGFMT },     { "syslog", OBS_LOG_SYSLOG },
	{ "access", OBS_LOG_ACCESS },     { "journald", OBS_LOG_JOURNALD },
	{ "regex", OBS_LOG_REGEX },       { "apache", OBS_LOG_ACCESS },
	{ "nginx", OBS_LOG_ACCESS },      { "clf", OBS_LOG_ACCESS },
	{ "combined", OBS_LOG_ACCESS },   { "journal", OBS_LOG_JOURNALD },
};

#define NFORMAT_NAMES (sizeof(format_names) / sizeof(format_names[0]))

int obs_log_format_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < NFORMAT_NAMES; i++)
		if (strcmp(name, format_names[i].name) == 0)
			return (int)format_names[i].format;
	return -1;
}

const char *obs_log_format_name(enum obs_log_format format)
{
	size_t i;

	for (i = 0; i <= OBS_LOG_REGEX; i++)
		if (format_names[i].format == format)
			return format_names[i].name;
	return "auto";
}

/* ---- levels ------------------------------------------------------------------------- */

static const char *const level_names[] = { NULL, "trace", "debug", "info", "warn", "error", "fatal" };

static const struct {
	const char *word;
	int rank;
} level_words[] = {
	{ "trace", 1 },  { "trc", 1 },   { "trac", 1 },  { "trce", 1 },  { "finest", 1 },
	{ "finer", 1 },  { "verbose", 1 }, { "v", 1 },   { "t", 1 },
	{ "debug", 2 },  { "dbg", 2 },   { "debu", 2 },  { "dbug", 2 },  { "fine", 2 },
	{ "config", 2 }, { "debug1", 2 }, { "debug2", 2 }, { "debug3", 2 }, { "debug4", 2 },
	{ "debug5", 2 }, { "d", 2 },
	{ "info", 3 },   { "inf", 3 },   { "information", 3 }, { "informational", 3 },
	{ "notice", 3 }, { "log", 3 },   { "i", 3 },
	{ "warn", 4 },   { "warning", 4 }, { "wrn", 4 }, { "w", 4 },
	{ "error", 5 },  { "err", 5 },   { "erro", 5 },  { "eror", 5 },  { "fail", 5 },
	{ "failure", 5 }, { "severe", 5 }, { "e", 5 },
	{ "fatal", 6 },  { "fata", 6 },  { "crit", 6 },  { "critical", 6 }, { "emerg", 6 },
	{ "emergency", 6 }, { "alert", 6 }, { "panic", 6 }, { "pani", 6 }, { "dpanic", 6 },
	{ "f", 6 },      { "a", 6 },
};

/* Syslog severity 0-7 as a rank. */
static const int severity_rank[8] = { 6, 6, 6, 5, 4, 3, 3, 2 };

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_space(int c)
{
	return c == ' ' || c == '\t';
}

static int to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Rank 1-6 of a level word or number, 0 if unknown. */
static int level_rank_n(const char *s, size_t len)
{
	char low[16];
	size_t i;

	while (len > 0 && is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(low))
		return 0;
	if (is_digit(s[0])) {
		int v = 0;

		if (len > 3)
			return 0;
		for (i = 0; i < len; i++) {
			if (!is_digit(s[i]))
				return 0;
			v = v * 10 + (s[i] - '0');
		}
		if (v <= 7)
			return severity_rank[v];
		return v >= 10 && v < 70 ? v / 10 : 0;
	}
	for (i = 0; i < len; i++)
		low[i] = (char)to_lower((unsigned char)s[i]);
	low[len] = '\0';
	for (i = 0; i < sizeof(level_words) / sizeof(level_words[0]); i++)
		if (strcmp(low, level_words[i].word) == 0)
			return level_words[i].rank;
	return 0;
}

const char *obs_log_level_normalize_n(const char *s, size_t len)
{
	return s ? level_names[level_rank_n(s, len)] : NULL;
}

const char *obs_log_level_normalize(const char *s)
{
	return s ? obs_log_level_normalize_n(s, strlen(s)) : NULL;
}

const char *obs_log_level_from_severity(int sev)
{
	return sev >= 0 && sev <= 7 ? level_names[severity_rank[sev]] : NULL;
}

int obs_log_level_rank(const char *level)
{
	return level ? level_rank_n(level, strlen(level)) : 0;
}

/* ---- UTF-8 -------------------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at S (N bytes left, S[0] >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, k;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

static int utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n;

		if (u[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(u + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/*
 * A copy of S in which bytes that are not UTF-8 are U+FFFD (through
 * obs_utf8_sanitize, which stops at NUL: so NUL-separated pieces are done
 * one by one), and NUL bytes are kept, or U+FFFD too with NUL_TOO. Length
 * in *OUTLEN; NULL if out of memory.
 */
static char *utf8_clean(const char *s, size_t len, size_t *outlen, int nul_too)
{
	char *out = malloc(3 * len + 1);
	size_t i = 0, m = 0;

	if (!out)
		return NULL;
	for (;;) {
		const char *nul = memchr(s + i, '\0', len - i);
		size_t n = nul ? (size_t)(nul - (s + i)) : len - i;
		char *t = obs_utf8_sanitize(s + i, n);
		size_t tl;

		if (!t) {
			free(out);
			return NULL;
		}
		tl = strlen(t);
		memcpy(out + m, t, tl);
		m += tl;
		free(t);
		if (!nul)
			break;
		if (nul_too) {
			memcpy(out + m, "\xef\xbf\xbd", 3);
			m += 3;
		} else {
			out[m++] = '\0';
		}
		i += n + 1;
	}
	out[m] = '\0';
	*outlen = m;
	return out;
}

static char *utf8_sanitize(const char *s, size_t len, size_t *outlen)
{
	return utf8_clean(s, len, outlen, 0);
}

/* A JSON string of LEN bytes of S, bad UTF-8 replaced; NULL if out of memory. */
static json_t *jstring(const char *s, size_t len)
{
	json_t *v;
	char *clean;
	size_t n;

	if (utf8_valid(s, len))
		return json_stringn_nocheck(s, len);
	clean = utf8_sanitize(s, len, &n);
	if (!clean)
		return NULL;
	v = json_stringn_nocheck(clean, n);
	free(clean);
	return v;
}

/* ---- calendar ----------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* ---- time zones --------------------------------------------------------------------- */

enum { TZ_UTC, TZ_OFFSET, TZ_NAMED };

/* "+HH", "+HHMM", "+HH:MM" (or '-') of LEN bytes as seconds east; -1 if not one. */
static int parse_offset(const char *s, size_t len, long *off)
{
	int h, m = 0;

	if (len < 3 || (s[0] != '+' && s[0] != '-') || !is_digit(s[1]) || !is_digit(s[2]))
		return -1;
	h = (s[1] - '0') * 10 + (s[2] - '0');
	if (len == 5 || len == 6) {
		size_t k = len == 6 ? 4 : 3;

		if (len == 6 && s[3] != ':')
			return -1;
		if (!is_digit(s[k]) || !is_digit(s[k + 1]))
			return -1;
		m = (s[k] - '0') * 10 + (s[k + 1] - '0');
	} else if (len != 3) {
		return -1;
	}
	if (m > 59 || h * 60 + m > 18 * 60)
		return -1;
	*off = (s[0] == '-' ? -1L : 1L) * (h * 3600L + m * 60L);
	return 0;
}

/* A POSIX TZ string's start: a name of 3+ letters (or <...>) then an offset. */
static int posix_tz_like(const char *s)
{
	size_t n = 0;

	if (*s == '<') {
		const char *e = strchr(s, '>');

		if (!e || e - s < 4)
			return 0;
		s = e + 1;
	} else {
		while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))
			n++;
		if (n < 3)
			return 0;
		s += n;
	}
	if (*s == '+' || *s == '-')
		s++;
	return is_digit((unsigned char)*s);
}

/* 1 if NAME is a zone file under TZDIR (or an absolute path to one) or a POSIX TZ string. */
static int tz_name_known(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[4096];
	struct stat st;

	if (name[0] == '/') {
		snprintf(path, sizeof(path), "%s", name);
	} else {
		if (!dir || !*dir)
			dir = "/usr/share/zoneinfo";
		if (strstr(name, "..") || (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
						  sizeof(path))
			return posix_tz_like(name);
	}
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 1;
	return name[0] != '/' && posix_tz_like(name);
}

static int set_timezone(struct obs_logparse *p, const char *tz, struct obs_error *err)
{
	const char *name = tz;

	if (!tz || !*tz || strcmp(tz, "UTC") == 0 || strcmp(tz, "Z") == 0)
		return 0;
	if (tz[0] == '+' || tz[0] == '-') {
		if (parse_offset(tz, strlen(tz), &p->tz_offset) != 0)
			return obs_error_set(err, "invalid time zone offset '%s'", tz);
		p->tz_kind = TZ_OFFSET;
		return 0;
	}
	if (name[0] == ':')
		name++;
	if (!*name || !tz_name_known(name))
		return obs_error_set(err, "unknown time zone '%s'", tz);
	p->tz_name = strdup(name);
	if (!p->tz_name)
		return obs_error_set(err, "out of memory");
	p->tz_kind = TZ_NAMED;
	return 0;
}

/*
 * UTC offset of local time LOCAL (seconds, as if UTC) in the named zone:
 * mktime under TZ, set for the call only. Offsets change on the hour, so
 * answers are kept per local hour, for 17 hours (sequential logs, and the
 * year guessing of RFC 3164 that may look at two years in turn: a year
 * is 8760 or 8784 hours, a multiple of 16 but not of 17).
 */
static long named_offset(struct obs_logparse *p, int64_t local)
{
	long key = (long)floor_div(local, 3600);
	int slot = (int)(key % 17 + 17) % 17;
	char *saved = NULL;
	const char *old = getenv("TZ");
	struct tm tm;
	int64_t y;
	time_t t;

	if (key == p->tz_cache_key[slot])
		return p->tz_cache_off[slot];
	if (old) {
		saved = strdup(old);
		if (!saved)
			return 0;
	}
	memset(&tm, 0, sizeof(tm));
	obs_time_civil_from_days(floor_div(local, 86400), &y, &tm.tm_mon, &tm.tm_mday);
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon--;
	tm.tm_hour = (int)(local - floor_div(local, 86400) * 86400) / 3600;
	tm.tm_isdst = -1;
	setenv("TZ", p->tz_name, 1);
	tzset();
	t = mktime(&tm);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	p->tz_cache_key[slot] = key;
	p->tz_cache_off[slot] = (long)(key * 3600 - (int64_t)t);
	return p->tz_cache_off[slot];
}

/*
 * Y-M-D h:m:s.frac as ns since the epoch. LOCAL: in P's zone, else at
 * offset OFF. -1 if a field is out of range or the result does not fit.
 */
static int civil_to_ns(struct obs_logparse *p, int64_t y, int mo, int d, int h, int mi, int s,
		       int64_t frac, int local, long off, int64_t *ns)
{
	int64_t secs, r;

	if (mo < 1 || mo > 12 || d < 1 || d > obs_time_days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
		return -1;
	if (s == 60) {
		s = 59;
		frac = OBS_NS_PER_SEC - 1;
	}
	secs = obs_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	if (local)
		off = p->tz_kind == TZ_OFFSET ? p->tz_offset :
		      p->tz_kind == TZ_NAMED ? named_offset(p, secs) : 0;
	secs -= off;
	if (__builtin_mul_overflow(secs, OBS_NS_PER_SEC, &r) || __builtin_add_overflow(r, frac, &r))
		return -1;
	*ns = r;
	return 0;
}

/* ---- timestamp scanners ------------------------------------------------------------- */

static const char months[12][4] = { "jan", "feb", "mar", "apr", "may", "jun",
				    "jul", "aug", "sep", "oct", "nov", "dec" };

/* Month 1-12 from a three-letter English abbreviation at S (any case), or 0. */
static int month_of(const char *s, size_t len)
{
	int m;

	if (len < 3)
		return 0;
	for (m = 0; m < 12; m++)
		if (to_lower((unsigned char)s[0]) == months[m][0] &&
		    to_lower((unsigned char)s[1]) == months[m][1] &&
		    to_lower((unsigned char)s[2]) == months[m][2])
			return m + 1;
	return 0;
}

/* Exactly N digits at S[*i]; -1 otherwise. */
static int digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0, k;

	if (len - *i < (size_t)n)
		return -1;
	for (k = 0; k < n; k++) {
		if (!is_digit((unsigned char)s[*i + (size_t)k]))
			return -1;
		v = v * 10 + (s[*i + (size_t)k] - '0');
	}
	*i += (size_t)n;
	return v;
}

/* An optional ".123" or ",123" at S[*i]: up to 9 digits as ns, more dropped. */
static void fraction(const char *s, size_t len, size_t *i, int64_t *frac)
{
	int64_t v = 0;
	int n = 0;

	*frac = 0;
	if (*i + 1 >= len || (s[*i] != '.' && s[*i] != ',') || !is_digit((unsigned char)s[*i + 1]))
		return;
	for ((*i)++; *i < len && is_digit((unsigned char)s[*i]); (*i)++)
		if (n < 9) {
			v = v * 10 + (s[*i] - '0');
			n++;
		}
	while (n++ < 9)
		v *= 10;
	*frac = v;
}

/* "hh:mm:ss" with an optional fraction at S[*i]. */
static int clock_time(const char *s, size_t len, size_t *i, int *h, int *mi, int *sec,
		      int64_t *frac)
{
	if ((*h = digits(s, len, i, 2)) < 0 || *i >= len || s[(*i)++] != ':' ||
	    (*mi = digits(s, len, i, 2)) < 0 || *i >= len || s[(*i)++] != ':' ||
	    (*sec = digits(s, len, i, 2)) < 0)
		return -1;
	fraction(s, len, i, frac);
	return 0;
}

/*
 * "Mmm dd hh:mm:ss" (RFC 3164: day space-padded; a zero-padded or
 * one-digit day and a fraction are accepted too) at S[*i], in P's zone.
 * The year is the latest one (from a year after the reference back) that
 * puts the time no later than a day past the reference: "Dec 31" read on
 * January 2nd is last year's, "Jan 1" read on December 31st next year's.
 */
static int scan_bsd_time(struct obs_logparse *p, const char *s, size_t len, size_t *i,
			 int64_t *ns)
{
	int mo, d, h, mi, sec;
	int64_t frac, ry, y, limit;
	int rm, rd;

	if (!(mo = month_of(s + *i, len - *i)) || *i + 3 >= len || s[*i + 3] != ' ')
		return -1;
	*i += 4;
	if (*i < len && s[*i] == ' ')
		(*i)++;
	if (*i >= len || !is_digit((unsigned char)s[*i]))
		return -1;
	d = s[(*i)++] - '0';
	if (*i < len && is_digit((unsigned char)s[*i]))
		d = d * 10 + (s[(*i)++] - '0');
	if (*i >= len || s[(*i)++] != ' ' || clock_time(s, len, i, &h, &mi, &sec, &frac) != 0)
		return -1;
	obs_time_civil_from_days(floor_div(p->reference, 86400 * OBS_NS_PER_SEC), &ry, &rm, &rd);
	limit = p->reference > OBS_TIME_MAX - 86400 * OBS_NS_PER_SEC ?
			OBS_TIME_MAX : p->reference + 86400 * OBS_NS_PER_SEC;
	/*
	 * Years are weighed with the time read as UTC (zones are within 18
	 * hours of it) so that the zone, slow when named, is asked once.
	 */
	for (y = ry + 1; y >= ry - 8; y--) {
		int64_t approx;

		if (civil_to_ns(p, y, mo, d, h, mi, sec, frac, 0, 0, &approx) != 0 ||
		    (approx > limit && approx - limit > 18 * 3600 * OBS_NS_PER_SEC))
			continue;
		if (civil_to_ns(p, y, mo, d, h, mi, sec, frac, 1, 0, ns) == 0 && *ns <= limit)
			return 0;
	}
	return -1;
}

/*
 * A zone after a time: "Z", "UTC", "GMT", "+HH", "+HHMM", "+HH:MM" (after
 * an optional space), optionally followed by " ABBR" (Go's "+0000 UTC").
 * Nothing at all means local. The zone must end the text.
 */
static int scan_zone(const char *s, size_t len, size_t i, int *local, long *off)
{
	size_t k;

	*local = 0;
	*off = 0;
	if (i == len) {
		*local = 1;
		return 0;
	}
	if (s[i] == ' ')
		i++;
	if (len - i == 1 && (s[i] == 'Z' || s[i] == 'z'))
		return 0;
	if (len - i == 3 && (memcmp(s + i, "UTC", 3) == 0 || memcmp(s + i, "GMT", 3) == 0))
		return 0;
	for (k = i + 1; k < len && (is_digit((unsigned char)s[k]) || s[k] == ':'); k++)
		;
	if (parse_offset(s + i, k - i, off) != 0)
		return -1;
	if (k == len)
		return 0;
	if (s[k] != ' ' || k + 1 == len)
		return -1;
	for (k++; k < len; k++)
		if (!((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= 'a' && s[k] <= 'z')))
			return -1;
	return 0;
}

/*
 * ISO 8601 as applications write it when not RFC 3339: "YYYY-MM-DD" or
 * "YYYY/MM/DD", 'T' or a space, "hh:mm[:ss]", a '.' or ',' fraction, and
 * a zone as scan_zone reads it, or none (P's zone).
 */
static int parse_iso_loose(struct obs_logparse *p, const char *s, size_t len, int64_t *ns)
{
	size_t i = 0;
	int y, mo, d, h, mi, sec = 0, local;
	int64_t frac = 0;
	char sep;
	long off;

	if ((y = digits(s, len, &i, 4)) < 0 || i >= len || (s[i] != '-' && s[i] != '/'))
		return -1;
	sep = s[i++];
	if ((mo = digits(s, len, &i, 2)) < 0 || i >= len || s[i++] != sep ||
	    (d = digits(s, len, &i, 2)) < 0 || i >= len ||
	    (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		return -1;
	i++;
	if ((h = digits(s, len, &i, 2)) < 0 || i >= len || s[i++] != ':' ||
	    (mi = digits(s, len, &i, 2)) < 0)
		return -1;
	if (i < len && s[i] == ':') {
		i++;
		if ((sec = digits(s, len, &i, 2)) < 0)
			return -1;
		fraction(s, len, &i, &frac);
	}
	if (scan_zone(s, len, i, &local, &off) != 0)
		return -1;
	return civil_to_ns(p, y, mo, d, h, mi, sec, frac, local, off, ns);
}

/* "dd/Mon/yyyy:hh:mm:ss +zzzz" (the access-log time) at S[*i]; the zone may be absent at the end. */
static int scan_clf_time(struct obs_logparse *p, const char *s, size_t len, size_t *i,
			 int64_t *ns)
{
	int d, mo, y, h, mi, sec, local = 1;
	int64_t frac;
	long off = 0;

	if ((d = digits(s, len, i, 2)) < 0 || *i >= len || s[(*i)++] != '/' ||
	    !(mo = month_of(s + *i, len - *i)))
		return -1;
	*i += 3;
	if (*i >= len || s[(*i)++] != '/' || (y = digits(s, len, i, 4)) < 0 || *i >= len ||
	    s[(*i)++] != ':' || clock_time(s, len, i, &h, &mi, &sec, &frac) != 0)
		return -1;
	if (*i < len && s[*i] == ' ') {
		if (len - *i < 6 || parse_offset(s + *i + 1, 5, &off) != 0)
			return -1;
		*i += 6;
		local = 0;
	}
	return civil_to_ns(p, y, mo, d, h, mi, sec, frac, local, off, ns);
}

/*
 * A time given as text: RFC 3339 or a Unix timestamp (obs_time_parse_n),
 * then the loose ISO form, the access-log form, the RFC 3164 form.
 */
static int text_time(struct obs_logparse *p, const char *s, size_t len, int64_t *ns)
{
	size_t i = 0;

	if (obs_time_parse_n(s, len, ns, NULL) == 0 || parse_iso_loose(p, s, len, ns) == 0)
		return 0;
	if (scan_clf_time(p, s, len, &i, ns) == 0 && i == len)
		return 0;
	i = 0;
	if (scan_bsd_time(p, s, len, &i, ns) == 0 && i == len)
		return 0;
	return -1;
}

/* A JSON time value: text as above, or a number of s/ms/us/ns by magnitude. */
static int value_time(struct obs_logparse *p, const json_t *v, int64_t *ns)
{
	char buf[64];
	int n;

	if (json_is_string(v))
		return text_time(p, json_string_value(v), json_string_length(v), ns);
	if (json_is_integer(v)) {
		n = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= 0 && d < 9.2e18))
			return -1;
		/* Seconds as a double hold about microseconds: say no more. */
		n = snprintf(buf, sizeof(buf), d < 1e11 ? "%.6f" : "%.0f", d);
	} else {
		return -1;
	}
	return obs_time_parse_n(buf, (size_t)n, ns, NULL);
}

/* ---- the record --------------------------------------------------------------------- */

static const char *const reserved_keys[] = { "type", "time", "level", "msg", "service",
					     "trace_id", "span_id", "raw", "truncated" };

static int is_reserved(const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(reserved_keys) / sizeof(reserved_keys[0]); i++)
		if (strlen(reserved_keys[i]) == n && memcmp(reserved_keys[i], k, n) == 0)
			return 1;
	return 0;
}

/* A record under construction; any failed allocation makes it fail at the end. */
struct out {
	json_t *obj;
	int oom;
};

static void out_set(struct out *o, const char *key, json_t *v)
{
	if (json_object_set_new_nocheck(o->obj, key, v) != 0)
		o->oom = 1;
}

static void out_str(struct out *o, const char *key, const char *s, size_t len)
{
	out_set(o, key, jstring(s, len));
}

static void out_time(struct out *o, int64_t ns)
{
	char buf[OBS_TIME_BUFSZ];

	obs_time_format(ns, buf, sizeof(buf));
	out_set(o, "time", json_string_nocheck(buf));
}

/* {"type":"log","time":TIME} to build on. */
static void out_begin(struct out *o, int64_t ns)
{
	o->oom = 0;
	o->obj = json_object();
	if (!o->obj) {
		o->oom = 1;
		return;
	}
	out_set(o, "type", json_string_nocheck("log"));
	out_time(o, ns);
}

/* The service from the line (S may be NULL), else P's default. */
static void out_service(struct out *o, const struct obs_logparse *p, const char *s, size_t len)
{
	if (s)
		out_str(o, "service", s, len);
	else if (p->service)
		out_str(o, "service", p->service, strlen(p->service));
}

/*
 * Another field: key made UTF-8, NUL bytes in it U+FFFD too (jansson, and
 * so every obs tool, refuses to read keys with NUL), a key the record owns
 * renamed KEY_original; V stolen.
 */
static void out_field(struct out *o, const char *key, size_t klen, json_t *v)
{
	char *clean = NULL, *renamed = NULL;
	size_t n = klen;

	if (!v) {
		o->oom = 1;
		return;
	}
	if (!utf8_valid(key, klen) || memchr(key, '\0', klen)) {
		clean = utf8_clean(key, klen, &n, 1);
		if (!clean)
			goto oom;
		key = clean;
	}
	if (is_reserved(key, n)) {
		renamed = malloc(n + sizeof("_original"));
		if (!renamed)
			goto oom;
		memcpy(renamed, key, n);
		memcpy(renamed + n, "_original", sizeof("_original"));
		key = renamed;
		n += sizeof("_original") - 1;
	}
	if (json_object_setn_new_nocheck(o->obj, key, n, v) != 0)
		o->oom = 1;
	v = NULL;
oom:
	if (v) {
		json_decref(v);
		o->oom = 1;
	}
	free(clean);
	free(renamed);
}

static int out_end(struct out *o, json_t **rec, struct obs_error *err)
{
	if (o->oom) {
		json_decref(o->obj);
		*rec = NULL;
		return obs_error_set(err, "out of memory");
	}
	*rec = o->obj;
	return 1;
}

json_t *obs_log_raw_record(const char *line, size_t len, int64_t time_ns)
{
	struct out o;
	json_t *rec;

	out_begin(&o, time_ns);
	if (!o.oom) {
		out_str(&o, "msg", line, len);
		out_set(&o, "raw", json_true());
	}
	out_end(&o, &rec, NULL);
	return rec;
}

/* ---- trace ids ---------------------------------------------------------------------- */

/*
 * Hex id of WANT digits (any case) into OUT as lowercase, NUL-terminated;
 * for a trace id (WANT 32) 16 digits are zero-padded. 0 if not valid.
 */
static int hex_id(const char *s, size_t len, size_t want, char *out)
{
	char id[33];
	size_t pad, i;
	int nonzero = 0;

	if (len != want && !(want == 32 && len == 16))
		return 0;
	pad = want - len;
	memset(id, '0', pad);
	for (i = 0; i < len; i++) {
		int c = to_lower((unsigned char)s[i]);

		if (!is_digit(c) && !(c >= 'a' && c <= 'f'))
			return 0;
		nonzero |= c != '0';
		id[pad + i] = (char)c;
	}
	id[want] = '\0';
	if (nonzero)
		memcpy(out, id, want + 1);
	return nonzero;
}

/* ---- fields and roles --------------------------------------------------------------- */

/* Names a role may come under, in order of preference. */
static const char *const json_time[] = { "time", "ts", "timestamp", "@timestamp", "t", "@t",
					 "asctime", NULL };
static const char *const json_level[] = { "level", "lvl", "severity", "log.level", "levelname",
					  "@l", "loglevel", "at", NULL };
static const char *const json_msg[] = { "msg", "message", "@message", "log", "event", "@m",
					"@mt", "short_message", NULL };
static const char *const json_service[] = { "service", "service.name", "app", NULL };
static const char *const json_trace[] = { "trace_id", "traceId", "traceID", "trace.id", NULL };
static const char *const json_span[] = { "span_id", "spanId", "spanID", "span.id", NULL };
static const char *const json_tparent[] = { "traceparent", NULL };

static const char *const jd_time[] = { "__REALTIME_TIMESTAMP", NULL };
static const char *const jd_level[] = { "PRIORITY", NULL };
static const char *const jd_msg[] = { "MESSAGE", NULL };
static const char *const jd_service[] = { "SYSLOG_IDENTIFIER", "_COMM", NULL };
static const char *const jd_trace[] = { "TRACE_ID", NULL };
static const char *const jd_span[] = { "SPAN_ID", NULL };
static const char *const jd_tparent[] = { "TRACEPARENT", NULL };
/* Journal bookkeeping that says nothing about the event. */
static const char *const jd_drop[] = { "__CURSOR", "__MONOTONIC_TIMESTAMP", "__SEQNUM",
				       "__SEQNUM_ID", NULL };
/* Journal fields with an OpenTelemetry name. */
static const char *const jd_rename[] = { "_PID", "process.pid", "_HOSTNAME", "host.name",
					 "_COMM", "process.executable.name",
					 "_EXE", "process.executable.path",
					 "_CMDLINE", "process.command_line", NULL };

static const char *const re_time[] = { "time", NULL };
static const char *const re_level[] = { "level", NULL };
static const char *const re_msg[] = { "msg", NULL };
static const char *const re_service[] = { "service", NULL };
static const char *const re_trace[] = { "trace_id", NULL };
static const char *const re_span[] = { "span_id", NULL };
static const char *const re_tparent[] = { "traceparent", NULL };

struct roles {
	const char *const *time, *const *level, *const *msg, *const *service;
	const char *const *trace, *const *span, *const *tparent;
	const char *const *drop, *const *rename;   /* may be NULL */
	int severity;   /* the level is a syslog severity 0-7 and nothing else */
};

static const struct roles json_roles = { json_time, json_level, json_msg, json_service,
					 json_trace, json_span, json_tparent, NULL, NULL, 0 };
static const struct roles journal_roles = { jd_time, jd_level, jd_msg, jd_service, jd_trace,
					    jd_span, jd_tparent, jd_drop, jd_rename, 1 };
static const struct roles regex_roles = { re_time, re_level, re_msg, re_service, re_trace,
					  re_span, re_tparent, NULL, NULL, 0 };

static void fields_clear(struct obs_logparse *p)
{
	int i;

	for (i = 0; i < p->nfields; i++)
		json_decref(p->fields[i].val);
	p->nfields = 0;
}

/* Append a field; V is stolen. -1 if out of memory (V freed). */
static int field_add(struct obs_logparse *p, const char *key, size_t klen, json_t *v,
		     int typable)
{
	struct obs_lp_field *f;

	if (!v)
		return -1;
	if (p->nfields == p->capfields) {
		int cap = p->capfields ? 2 * p->capfields : 16;

		f = realloc(p->fields, (size_t)cap * sizeof(*f));
		if (!f) {
			json_decref(v);
			return -1;
		}
		p->fields = f;
		p->capfields = cap;
	}
	f = &p->fields[p->nfields++];
	f->key = key;
	f->klen = klen;
	f->val = v;
	f->typable = (unsigned char)typable;
	f->used = 0;
	return 0;
}

static struct obs_lp_field *field_find(struct obs_logparse *p, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < p->nfields; i++)
		if (!p->fields[i].used && p->fields[i].klen == n &&
		    memcmp(p->fields[i].key, name, n) == 0)
			return &p->fields[i];
	return NULL;
}

static int in_list(const char *const *list, const char *k, size_t n)
{
	for (; list && *list; list++)
		if (strlen(*list) == n && memcmp(*list, k, n) == 0)
			return 1;
	return 0;
}

/* A text field's value as a JSON number or boolean when it reads as one, else the string. */
static json_t *typed(json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), i = 0;
	int frac = 0;

	if (len == 4 && memcmp(s, "true", 4) == 0)
		return json_true();
	if (len == 5 && memcmp(s, "false", 5) == 0)
		return json_false();
	if (i < len && s[i] == '-')
		i++;
	if (i >= len || !is_digit((unsigned char)s[i]) || (s[i] == '0' && i + 1 < len &&
							  is_digit((unsigned char)s[i + 1])))
		return json_incref(v);
	while (i < len && is_digit((unsigned char)s[i]))
		i++;
	if (i < len && s[i] == '.') {
		if (++i >= len || !is_digit((unsigned char)s[i]))
			return json_incref(v);
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
		frac = 1;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit((unsigned char)s[i]))
			return json_incref(v);
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
		frac = 1;
	}
	if (i != len)
		return json_incref(v);
	errno = 0;
	if (!frac) {
		long long n = strtoll(s, NULL, 10);

		return errno == ERANGE ? json_incref(v) : json_integer(n);
	} else {
		double d = strtod(s, NULL);

		return isfinite(d) ? json_real(d) : json_incref(v);
	}
}

/* Msg text without trailing newlines (Docker's "log" ends with one). New reference. */
static json_t *msg_value(json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), n = len;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n == len ? json_incref(v) : json_stringn_nocheck(s, n);
}

/* A string that names a service: not empty, and not a duration (Heroku's "service=18ms"). */
static int service_like(const json_t *v)
{
	int64_t d;

	return json_is_string(v) && json_string_length(v) > 0 &&
	       strlen(json_string_value(v)) == json_string_length(v) &&
	       obs_duration_parse(json_string_value(v), &d, NULL) != 0;
}

static const char *value_level(const json_t *v)
{
	char buf[32];
	int n;

	if (json_is_string(v))
		return obs_log_level_normalize_n(json_string_value(v), json_string_length(v));
	if (json_is_integer(v)) {
		n = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return obs_log_level_normalize_n(buf, (size_t)n);
	}
	return NULL;
}

static int value_id(const json_t *v, size_t want, char *out)
{
	return json_is_string(v) && hex_id(json_string_value(v), json_string_length(v), want, out);
}

/*
 * The record from the fields of one line: the first usable field of each
 * role's aliases fills that role, the rest follow in order (typed if
 * TYPABLE, dropped or renamed as ROLES says). REQUIRE_TIME: without a
 * usable time, the line does not parse (journald). 1, 0, -1.
 */
static int fields_to_record(struct obs_logparse *p, const struct roles *r, int require_time,
			    json_t **rec, struct obs_error *err)
{
	struct obs_lp_field *f, *msg = NULL, *service = NULL;
	const char *const *a;
	const char *level = NULL;
	char trace[33] = "", span[17] = "";
	int64_t ns = p->reference;
	int have_time = 0, i;
	struct out o;

	for (a = r->time; *a && !have_time; a++)
		if ((f = field_find(p, *a)) && value_time(p, f->val, &ns) == 0)
			f->used = have_time = 1;
	if (require_time && !have_time)
		return obs_error_set(err, "not a journal entry: no __REALTIME_TIMESTAMP") + 1;
	for (a = r->level; *a && !level; a++)
		if ((f = field_find(p, *a)) && (!r->severity || json_string_length(f->val) == 1) &&
		    (level = value_level(f->val)))
			f->used = 1;
	for (a = r->msg; *a && !msg; a++)
		if ((f = field_find(p, *a)) && json_is_string(f->val))
			(msg = f)->used = 1;
	for (a = r->service; *a && !service; a++)
		if ((f = field_find(p, *a)) && service_like(f->val))
			(service = f)->used = 1;
	for (a = r->trace; *a && !trace[0]; a++)
		if ((f = field_find(p, *a)) && value_id(f->val, 32, trace))
			f->used = 1;
	for (a = r->span; *a && !span[0]; a++)
		if ((f = field_find(p, *a)) && value_id(f->val, 16, span))
			f->used = 1;
	if (!trace[0] && (f = field_find(p, r->tparent[0])) && json_is_string(f->val) &&
	    strlen(json_string_value(f->val)) == json_string_length(f->val)) {
		struct obs_trace_ctx ctx;

		if (obs_traceparent_parse(json_string_value(f->val), &ctx)) {
			f->used = 1;
			obs_hex_encode(ctx.trace_id, 16, trace);
			if (!span[0])
				obs_hex_encode(ctx.span_id, 8, span);
		}
	}

	out_begin(&o, ns);
	if (o.oom)
		goto out;
	if (level)
		out_set(&o, "level", json_string_nocheck(level));
	if (msg)
		out_set(&o, "msg", msg_value(msg->val));
	out_service(&o, p, service ? json_string_value(service->val) : NULL,
		    service ? json_string_length(service->val) : 0);
	if (trace[0])
		out_set(&o, "trace_id", json_string_nocheck(trace));
	if (span[0])
		out_set(&o, "span_id", json_string_nocheck(span));
	for (i = 0; i < p->nfields; i++) {
		const char *key;
		size_t klen;
		json_t *v;

		f = &p->fields[i];
		if (f->used || in_list(r->drop, f->key, f->klen))
			continue;
		key = f->key;
		klen = f->klen;
		for (a = r->rename; a && *a; a += 2)
			if (strlen(a[0]) == klen && memcmp(a[0], key, klen) == 0) {
				key = a[1];
				klen = strlen(key);
				break;
			}
		v = f->typable && json_is_string(f->val) ? typed(f->val) : json_incref(f->val);
		/* A journal's _PID is text; process.pid is a number. */
		if (r->rename && v && key != f->key && strcmp(key, "process.pid") == 0 &&
		    json_is_string(v)) {
			json_t *t = typed(v);

			json_decref(v);
			v = json_is_integer(t) ? t : (json_decref(t), json_incref(f->val));
		}
		out_field(&o, key, klen, v);
	}
out:
	return out_end(&o, rec, err);
}

/* ---- json --------------------------------------------------------------------------- */

/*
 * Parse a line as a JSON object (bad UTF-8 replaced first; \u0000 allowed).
 * 1 with a new reference, 0 not an object (reason in ERR), -1 out of memory.
 */
static int load_object(const char *line, size_t len, json_t **obj, struct obs_error *err)
{
	json_error_t jerr;
	char *clean = NULL;
	size_t n;

	*obj = NULL;
	if (!utf8_valid(line, len)) {
		clean = utf8_sanitize(line, len, &n);
		if (!clean)
			return obs_error_set(err, "out of memory");
		line = clean;
		len = n;
	}
	memset(&jerr, 0, sizeof(jerr));
	*obj = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	free(clean);
	if (!*obj) {
		/* jansson leaves the text empty when its set-up allocation fails. */
		if (!jerr.text[0] || json_error_code(&jerr) == json_error_out_of_memory)
			return obs_error_set(err, "out of memory");
		return obs_error_set(err, "invalid JSON: %s at column %d", jerr.text, jerr.column) + 1;
	}
	if (!json_is_object(*obj)) {
		json_decref(*obj);
		*obj = NULL;
		return obs_error_set(err, "not a JSON object") + 1;
	}
	return 1;
}

/*
 * JSON and journald share this: the object's members become the fields.
 * Journal values may be arrays of byte values (binary or not UTF-8): they
 * become strings (bad UTF-8 replaced), also inside arrays of several values.
 */
static json_t *journal_value(json_t *v)
{
	size_t i, n = json_array_size(v);
	json_t *e, *out;
	char *bytes;

	if (!json_is_array(v) || n == 0)
		return json_incref(v);
	if (!json_is_integer(json_array_get(v, 0))) {
		out = json_array();
		json_array_foreach(v, i, e)
			if (!out || json_array_append_new(out, journal_value(e)) != 0) {
				json_decref(out);
				return NULL;
			}
		return out;
	}
	json_array_foreach(v, i, e)
		if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 255)
			return json_incref(v);
	bytes = malloc(n);
	if (!bytes)
		return NULL;
	json_array_foreach(v, i, e)
		bytes[i] = (char)json_integer_value(e);
	out = jstring(bytes, n);
	free(bytes);
	return out;
}

static int object_to_record(struct obs_logparse *p, json_t *obj, int journal, json_t **rec,
			    struct obs_error *err)
{
	void *it;
	int rc;

	fields_clear(p);
	for (it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
		json_t *v = json_object_iter_value(it);

		if (field_add(p, json_object_iter_key(it), json_object_iter_key_len(it),
			      journal ? journal_value(v) : json_incref(v), 0) != 0) {
			rc = obs_error_set(err, "out of memory");
			goto out;
		}
	}
	rc = fields_to_record(p, journal ? &journal_roles : &json_roles, journal, rec, err);
out:
	fields_clear(p);
	return rc;
}

/*
 * json: one object per line. time from time, ts, timestamp, @timestamp, t,
 * @t, asctime (RFC 3339, zone-less ISO in the --timezone zone, Unix
 * s/ms/us/ns as numbers or digit strings); level from level, lvl,
 * severity, log.level, levelname, @l, loglevel, at (words or numbers); msg
 * from msg, message, @message, log, event, @m, @mt, short_message (strings
 * only; trailing newlines dropped); service from service, service.name,
 * app (a non-empty string that is not a duration); trace_id from
 * trace_id, traceId, traceID, trace.id; span_id from span_id, spanId,
 * spanID, span.id; else traceparent. Keys are matched exactly (a nested
 * {"log":{"level":..}} is not log.level). Other members keep their JSON
 * values (nested objects stay nested).
 */
static int parse_json(struct obs_logparse *p, const char *line, size_t len, int journal,
		      json_t **rec, struct obs_error *err)
{
	json_t *obj;
	int rc = load_object(line, len, &obj, err);

	if (rc <= 0)
		return rc;
	rc = object_to_record(p, obj, journal, rec, err);
	json_decref(obj);
	return rc;
}

/* ---- logfmt ------------------------------------------------------------------------- */

static char *scratch(struct obs_logparse *p, size_t n)
{
	if (n > p->scratch_cap) {
		char *b = realloc(p->scratch, n);

		if (!b)
			return NULL;
		p->scratch = b;
		p->scratch_cap = n;
	}
	return p->scratch;
}

/* N hex digits at S as a number, or -1. */
static long hexn(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int h = obs_text_hexval((unsigned char)s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t put_utf8(char *out, long cp)
{
	if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	return obs_text_utf8_put((uint32_t)cp, out);
}

/*
 * Unescape the LEN bytes of a quoted logfmt value (Go's strconv.Quote
 * escapes: \" \\ \/ \n \r \t \b \f \a \v \xHH \uXXXX \UXXXXXXXX, surrogate
 * pairs joined, a lone surrogate U+FFFD; an unknown escape stays as it is).
 */
static json_t *unquote(struct obs_logparse *p, const char *s, size_t len)
{
	char *out = scratch(p, len + 1);

	if (!out)
		return NULL;
	return jstring(out, obs_lp_unquote(s, len, out));
}

/* The unescaping itself, into OUT (LEN bytes are enough); returns the length. */
size_t obs_lp_unquote(const char *s, size_t len, char *out)
{
	size_t i, m = 0;

	for (i = 0; i < len; i++) {
		static const char from[] = "\"\\/nrtbfav", to[] = "\"\\/\n\r\t\b\f\a\v";
		const char *e;
		long cp;

		if (s[i] != '\\' || i + 1 >= len) {
			out[m++] = s[i];
			continue;
		}
		if ((e = memchr(from, s[i + 1], sizeof(from) - 1))) {
			out[m++] = to[e - from];
			i++;
		} else if (s[i + 1] == 'x' && i + 3 < len && (cp = hexn(s + i + 2, 2)) >= 0) {
			out[m++] = (char)cp;
			i += 3;
		} else if (s[i + 1] == 'u' && i + 5 < len && (cp = hexn(s + i + 2, 4)) >= 0) {
			long lo;

			i += 5;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < len && s[i + 1] == '\\' &&
			    s[i + 2] == 'u' && (lo = hexn(s + i + 3, 4)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			m += put_utf8(out + m, cp);
		} else if (s[i + 1] == 'U' && i + 9 < len && (cp = hexn(s + i + 2, 8)) >= 0) {
			m += put_utf8(out + m, cp);
			i += 9;
		} else {
			out[m++] = s[i];
		}
	}
	return m;
}

static int key_start_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '@';
}

static int key_char(int c)
{
	return key_start_char(c) || is_digit(c) || c == '.' || c == '-' || c == '/';
}

/*
 * logfmt: key=value pairs separated by spaces or tabs. A key is any run of
 * bytes other than space, tab, '=' and '"'; a value is a run up to the next
 * space, or a double-quoted string with escapes (see unquote), or empty
 * ("key="); a key without '=' is true. Unquoted values that read as JSON
 * integers (within int64, no leading zeros), decimals/exponents, or
 * exactly true/false get those types; quoted values stay strings. The
 * roles are found under the json format's names. A line without any
 * key=value pair is not logfmt (plain text is not a row of true flags).
 * STRICT (auto detection): the first token must be key=value with a key
 * of letters, digits and _ . - / @ (not starting with a digit), and at
 * least half of the tokens must be key=value.
 */
static int parse_logfmt(struct obs_logparse *p, const char *s, size_t len, int strict,
			json_t **rec, struct obs_error *err)
{
	size_t i = 0;
	int pairs = 0, tokens = 0, rc;

	fields_clear(p);
	for (;;) {
		size_t k0, k1;
		json_t *v;
		int typable = 1;

		while (i < len && is_space(s[i]))
			i++;
		if (i >= len)
			break;
		k0 = i;
		while (i < len && !is_space(s[i]) && s[i] != '=' && s[i] != '"')
			i++;
		k1 = i;
		if (k1 == k0 || (i < len && s[i] == '"')) {
			rc = obs_error_set(err, "expected a key at column %zu", (k1 == k0 ? k0 : i) + 1) + 1;
			goto out;
		}
		tokens++;
		if (i >= len || s[i] != '=') {
			v = json_true();
			typable = 0;
		} else if (++i < len && s[i] == '"') {
			size_t v0 = ++i;

			while (i < len && s[i] != '"')
				i += s[i] == '\\' ? 2 : 1;
			if (i >= len) {
				rc = obs_error_set(err, "unterminated quoted value") + 1;
				goto out;
			}
			if (i + 1 < len && !is_space(s[i + 1])) {
				rc = obs_error_set(err, "expected a space at column %zu", i + 2) + 1;
				goto out;
			}
			v = unquote(p, s + v0, i - v0);
			typable = 0;
			i++;
			pairs++;
		} else {
			size_t v0 = i;

			while (i < len && !is_space(s[i]))
				i++;
			v = jstring(s + v0, i - v0);
			pairs++;
		}
		if (v && strict && tokens == 1) {
			size_t k;

			if (!json_is_string(v) || !key_start_char((unsigned char)s[k0]))
				goto not_strict;
			for (k = k0; k < k1; k++)
				if (!key_char((unsigned char)s[k]))
					goto not_strict;
		}
		if (field_add(p, s + k0, k1 - k0, v, typable) != 0) {
			rc = obs_error_set(err, "out of memory");
			goto out;
		}
		continue;
not_strict:
		json_decref(v);
		rc = obs_error_set(err, "not logfmt") + 1;
		goto out;
	}
	if (pairs == 0)
		rc = obs_error_set(err, "no key=value pair") + 1;
	else if (strict && 2 * pairs < tokens)
		rc = obs_error_set(err, "not logfmt") + 1;
	else
		rc = fields_to_record(p, &json_roles, 0, rec, err);
out:
	fields_clear(p);
	return rc;
}

/* ---- syslog ------------------------------------------------------------------------- */

static const char *const facility_names[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static int not_syslog(struct obs_error *err, const char *why)
{
	return obs_error_set(err, "not a syslog line: %s", why) + 1;
}

/* End of the token (run of non-spaces) starting at S[i]. */
static size_t token_end(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] != ' ')
		i++;
	return i;
}

/* Digits only (and not too many for a number): an integer, else the text. */
static json_t *pid_value(const char *s, size_t len)
{
	size_t i;
	long long v = 0;

	if (len == 0 || len > 18)
		return jstring(s, len);
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return jstring(s, len);
		v = v * 10 + (s[i] - '0');
	}
	return json_integer(v);
}

/*
 * RFC 5424 structured data at S[*i]: "-" or [ID name="value" ...]...,
 * values unescaped (\" \\ \]). With O, each parameter becomes a field
 * "ID.name"; without, the data is only checked. -1 if malformed.
 */
static int structured_data(struct obs_logparse *p, const char *s, size_t len, size_t *i,
			   struct out *o)
{
	if (*i < len && s[*i] == '-') {
		(*i)++;
		return 0;
	}
	if (*i >= len || s[*i] != '[')
		return -1;
	while (*i < len && s[*i] == '[') {
		size_t id0 = ++(*i), id1;

		while (*i < len && s[*i] != ' ' && s[*i] != ']' && s[*i] != '=' && s[*i] != '"')
			(*i)++;
		if ((id1 = *i) == id0)
			return -1;
		while (*i < len && s[*i] == ' ') {
			size_t n0 = ++(*i), n1, v0, m = 0;
			char *buf;

			while (*i < len && s[*i] != ' ' && s[*i] != ']' && s[*i] != '=' &&
			       s[*i] != '"')
				(*i)++;
			n1 = *i;
			if (n1 == n0 || *i + 1 >= len || s[*i] != '=' || s[*i + 1] != '"')
				return -1;
			v0 = *i += 2;
			while (*i < len && s[*i] != '"')
				*i += s[*i] == '\\' ? 2 : 1;
			if (*i >= len)
				return -1;
			(*i)++;
			if (!o)
				continue;
			buf = scratch(p, (id1 - id0) + 1 + (n1 - n0) + (*i - v0));
			if (!buf) {
				o->oom = 1;
				continue;
			}
			/* Key "ID.name" at the start of the buffer, the value after it. */
			memcpy(buf, s + id0, id1 - id0);
			buf[id1 - id0] = '.';
			memcpy(buf + (id1 - id0) + 1, s + n0, n1 - n0);
			{
				size_t klen = (id1 - id0) + 1 + (n1 - n0), k;
				char *val = buf + klen;

				for (k = v0; k < *i - 1; k++) {
					if (s[k] == '\\' && k + 1 < *i - 1 &&
					    (s[k + 1] == '"' || s[k + 1] == '\\' || s[k + 1] == ']'))
						k++;
					val[m++] = s[k];
				}
				out_field(o, buf, klen, jstring(val, m));
			}
		}
		if (*i >= len || s[*i] != ']')
			return -1;
		(*i)++;
	}
	return 0;
}

/* A NILVALUE ("-") is absent. */
static int nil(const char *s, size_t a, size_t b)
{
	return b - a == 1 && s[a] == '-';
}

/*
 * RFC 5424: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG], from
 * S[i] (just after the version's space). "-" is absent; a NIL timestamp is
 * the reference time; a UTF-8 BOM before MSG is dropped. Fields:
 * syslog.facility, host.name, process.pid (a number when digits, else
 * syslog.procid), syslog.msgid, then each SD parameter as "ID.name".
 */
static int parse_5424(struct obs_logparse *p, const char *s, size_t len, size_t i, int pri,
		      json_t **rec, struct obs_error *err)
{
	size_t f[5][2], k, sd0, m0;
	int64_t ns = p->reference;
	struct out o;

	for (k = 0; k < 5; k++) {
		f[k][0] = i;
		f[k][1] = i = token_end(s, len, i);
		if (i == f[k][0] || i >= len)
			return not_syslog(err, "expected RFC 5424 header fields");
		i++;
	}
	if (!nil(s, f[0][0], f[0][1]) &&
	    obs_time_parse_n(s + f[0][0], f[0][1] - f[0][0], &ns, NULL) != 0)
		return not_syslog(err, "invalid RFC 5424 timestamp");
	sd0 = i;
	if (structured_data(p, s, len, &i, NULL) != 0 || (i < len && s[i] != ' '))
		return not_syslog(err, "invalid structured data");
	m0 = i < len ? i + 1 : len;
	if (len - m0 >= 3 && memcmp(s + m0, "\xef\xbb\xbf", 3) == 0)
		m0 += 3;

	out_begin(&o, ns);
	if (o.oom)
		goto out;
	out_set(&o, "level", json_string_nocheck(obs_log_level_from_severity(pri & 7)));
	if (m0 < len || i < len)
		out_str(&o, "msg", s + m0, len - m0);
	out_service(&o, p, nil(s, f[2][0], f[2][1]) ? NULL : s + f[2][0], f[2][1] - f[2][0]);
	out_set(&o, "syslog.facility", json_string_nocheck(facility_names[pri >> 3]));
	if (!nil(s, f[1][0], f[1][1]))
		out_str(&o, "host.name", s + f[1][0], f[1][1] - f[1][0]);
	if (!nil(s, f[3][0], f[3][1])) {
		json_t *pid = pid_value(s + f[3][0], f[3][1] - f[3][0]);

		out_set(&o, json_is_integer(pid) ? "process.pid" : "syslog.procid", pid);
	}
	if (!nil(s, f[4][0], f[4][1]))
		out_str(&o, "syslog.msgid", s + f[4][0], f[4][1] - f[4][0]);
	i = sd0;
	structured_data(p, s, len, &i, &o);
out:
	return out_end(&o, rec, err);
}

/*
 * "TAG:" or "TAG[PID]:" at S[i..e) (one token): 1 with the tag's end and
 * the pid's span, else 0. A tag holds no '[' ':' or space.
 */
static int syslog_tag(const char *s, size_t i, size_t e, size_t *tag_end, size_t *pid0,
		      size_t *pid1)
{
	size_t k = i;

	while (k < e && s[k] != '[' && s[k] != ':')
		k++;
	if (k == i || k == e)
		return 0;
	*tag_end = k;
	*pid0 = *pid1 = 0;
	if (s[k] == '[') {
		*pid0 = k + 1;
		while (k < e && s[k] != ']')
			k++;
		if (k + 2 != e || s[k + 1] != ':')
			return 0;
		*pid1 = k;
		return 1;
	}
	return k + 1 == e;
}

/*
 * RFC 3164 and the files rsyslog writes: [<PRI>]TIMESTAMP HOST TAG[PID]: MSG.
 * TIMESTAMP is "Mmm dd hh:mm:ss" (year and zone from the reference time
 * and --timezone) or RFC 3339 (rsyslog's default on Debian 12). HOST is
 * absent when the first word is already a tag ("myapp[12]:", "kernel:"),
 * as in messages sent to /dev/log; the tag is absent when the word after
 * the host is not one (msg is then the rest). Level and syslog.facility
 * come only from a PRI. Fields: syslog.facility, host.name, process.pid
 * (syslog.procid when not a number, as "heroku[router]:").
 */
static int parse_3164(struct obs_logparse *p, const char *s, size_t len, size_t i, int pri,
		      json_t **rec, struct obs_error *err)
{
	size_t h0 = 0, h1 = 0, t0, t1, te = 0, pid0 = 0, pid1 = 0, m0;
	int64_t ns;
	int tagged;
	struct out o;

	if (i < len && is_digit((unsigned char)s[i])) {
		size_t e = token_end(s, len, i);

		/* RFC 3339 only: a bare number is not a syslog timestamp. */
		if (e - i < 11 || s[i + 4] != '-' ||
		    obs_time_parse_n(s + i, e - i, &ns, NULL) != 0)
			return not_syslog(err, "invalid timestamp");
		i = e;
	} else if (scan_bsd_time(p, s, len, &i, &ns) != 0) {
		return not_syslog(err, "expected a timestamp");
	}
	if (i >= len || s[i] != ' ')
		return not_syslog(err, "expected a host name");
	while (i < len && s[i] == ' ')
		i++;
	if (i >= len)
		return not_syslog(err, "expected a host name");
	t0 = i;
	t1 = token_end(s, len, i);
	tagged = syslog_tag(s, t0, t1, &te, &pid0, &pid1);
	if (!tagged) {
		h0 = t0;
		h1 = t1;
		t0 = t1 < len ? t1 + 1 : len;
		t1 = token_end(s, len, t0);
		tagged = syslog_tag(s, t0, t1, &te, &pid0, &pid1);
	}
	m0 = tagged ? t1 : t0;
	if (m0 < len && s[m0] == ' ' && tagged)
		m0++;

	out_begin(&o, ns);
	if (o.oom)
		goto out;
	if (pri >= 0)
		out_set(&o, "level", json_string_nocheck(obs_log_level_from_severity(pri & 7)));
	out_str(&o, "msg", s + m0, len - m0);
	out_service(&o, p, tagged ? s + t0 : NULL, te - t0);
	if (pri >= 0)
		out_set(&o, "syslog.facility", json_string_nocheck(facility_names[pri >> 3]));
	if (h1 > h0)
		out_str(&o, "host.name", s + h0, h1 - h0);
	if (pid1 > pid0) {
		json_t *pid = pid_value(s + pid0, pid1 - pid0);

		out_set(&o, json_is_integer(pid) ? "process.pid" : "syslog.procid", pid);
	}
out:
	return out_end(&o, rec, err);
}

/* <PRI> (0-191) then RFC 5424 if a version follows, else RFC 3164; no PRI: the file formats. */
static int parse_syslog(struct obs_logparse *p, const char *s, size_t len, json_t **rec,
			struct obs_error *err)
{
	size_t i = 0;
	int pri = -1;

	if (len > 0 && s[0] == '<') {
		size_t k;

		for (pri = 0, i = 1; i < len && i < 4 && is_digit((unsigned char)s[i]); i++)
			pri = pri * 10 + (s[i] - '0');
		if (i == 1 || i >= len || s[i] != '>' || pri > 191)
			return not_syslog(err, "invalid PRI");
		i++;
		for (k = i; k < len && k < i + 3 && is_digit((unsigned char)s[k]); k++)
			;
		if (k > i && s[i] != '0' && k < len && s[k] == ' ')
			return parse_5424(p, s, len, k + 1, pri, rec, err);
	}
	return parse_3164(p, s, len, i, pri, rec, err);
}

/* ---- access logs -------------------------------------------------------------------- */

static int not_access(struct obs_error *err, const char *why)
{
	return obs_error_set(err, "not an access log line: %s", why) + 1;
}

/* N (1 to MAX) digits. */
static int all_digits(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * A double-quoted field at S[*i]: Apache escapes '"' and '\' with a
 * backslash (those two are unescaped), nginx writes \xHH (kept as it is).
 * 1 with the string in *V, 0 if malformed, -1 if out of memory.
 */
static int quoted_field(struct obs_logparse *p, const char *s, size_t len, size_t *i, json_t **v)
{
	size_t v0, k, m = 0;
	char *buf;

	*v = NULL;
	if (*i >= len || s[*i] != '"')
		return 0;
	v0 = ++(*i);
	while (*i < len && s[*i] != '"')
		*i += s[*i] == '\\' ? 2 : 1;
	if (*i >= len)
		return 0;
	buf = scratch(p, *i - v0 + 1);
	if (!buf)
		return -1;
	for (k = v0; k < *i; k++) {
		if (s[k] == '\\' && (s[k + 1] == '"' || s[k + 1] == '\\'))
			k++;
		buf[m++] = s[k];
	}
	(*i)++;
	*v = jstring(buf, m);
	return *v ? 1 : -1;
}

static int tchar(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_dash(const json_t *v)
{
	return json_string_length(v) == 1 && json_string_value(v)[0] == '-';
}

/* The request line's parts: "METHOD TARGET" and an optional " HTTP/x". */
static void request_fields(struct out *o, const json_t *req)
{
	const char *r = json_string_value(req);
	size_t rl = json_string_length(req), m1, t0, t1, q;

	for (m1 = 0; m1 < rl && tchar((unsigned char)r[m1]); m1++)
		;
	if (m1 == 0 || m1 >= rl || r[m1] != ' ')
		return;
	t0 = m1 + 1;
	t1 = token_end(r, rl, t0);
	if (t1 == t0 || (t1 < rl && (rl - t1 <= 6 || memcmp(r + t1, " HTTP/", 6) != 0 ||
				     token_end(r, rl, t1 + 1) != rl)))
		return;
	out_str(o, "http.request.method", r, m1);
	for (q = t0; q < t1 && r[q] != '?'; q++)
		;
	out_str(o, "url.path", r + t0, q - t0);
	if (q < t1)
		out_str(o, "url.query", r + q + 1, t1 - q - 1);
	if (t1 < rl) {
		out_set(o, "network.protocol.name", json_string_nocheck("http"));
		out_str(o, "network.protocol.version", r + t1 + 6, rl - t1 - 6);
	}
}

/*
 * Apache/nginx common and combined: HOST IDENT USER [TIME] "REQUEST"
 * STATUS BYTES ["REFERER" "USER-AGENT"] [anything else]. Fields, named by
 * OpenTelemetry: client.address, user.name (not "-"), access.ident (not
 * "-"), http.request.method, url.path, url.query (after '?'),
 * network.protocol.name ("http") and network.protocol.version (from
 * "HTTP/1.1"), http.response.status_code, http.response.body.size ("-" is
 * 0), http.request.header.referer and user_agent.original (not "-"), and
 * access.extra for what follows (nginx "main" format's X-Forwarded-For,
 * timings...). A request that is not "METHOD TARGET [HTTP/x]" (TLS bytes
 * on a plain port, "-") gives no method or path. msg is the request as
 * logged; level is error for 5xx, warn for 4xx, else info.
 */
static int parse_access(struct obs_logparse *p, const char *s, size_t len, json_t **rec,
			struct obs_error *err)
{
	size_t tok[3][2], i = 0, k, b0, b1, after;
	json_t *req = NULL, *ref = NULL, *ua = NULL;
	int64_t ns;
	int status, rc;
	struct out o;

	for (k = 0; k < 3; k++) {
		tok[k][0] = i;
		tok[k][1] = i = token_end(s, len, i);
		if (i == tok[k][0] || i >= len)
			return not_access(err, "expected HOST IDENT USER");
		i++;
	}
	if (i >= len || s[i++] != '[')
		return not_access(err, "expected '['");
	if (scan_clf_time(p, s, len, &i, &ns) != 0 || i >= len || s[i++] != ']')
		return not_access(err, "invalid time");
	if (i >= len || s[i++] != ' ')
		return not_access(err, "expected a request");
	if ((rc = quoted_field(p, s, len, &i, &req)) <= 0)
		return rc < 0 ? obs_error_set(err, "out of memory") :
				not_access(err, "expected a quoted request");
	if (i >= len || s[i++] != ' ' || (status = digits(s, len, &i, 3)) < 0 || i >= len ||
	    s[i++] != ' ') {
		rc = not_access(err, "expected a status");
		goto fail;
	}
	b0 = i;
	b1 = i = token_end(s, len, i);
	if (!(b1 - b0 == 1 && s[b0] == '-') && !all_digits(s + b0, b1 - b0, 18)) {
		rc = not_access(err, "expected a size");
		goto fail;
	}
	/* Combined: two quoted fields; anything else after the size is extra. */
	after = i;
	if (i + 1 < len && s[i + 1] == '"') {
		i++;
		if ((rc = quoted_field(p, s, len, &i, &ref)) > 0 && i + 1 < len && s[i] == ' ' &&
		    s[i + 1] == '"') {
			i++;
			rc = quoted_field(p, s, len, &i, &ua);
		}
		if (rc < 0) {
			rc = obs_error_set(err, "out of memory");
			goto fail;
		}
		if (!ua) {
			json_decref(ref);
			ref = NULL;
			i = after;
		}
	}

	out_begin(&o, ns);
	if (o.oom)
		goto out;
	out_set(&o, "level", json_string_nocheck(status >= 500 ? "error" :
						  status >= 400 ? "warn" : "info"));
	out_set(&o, "msg", json_incref(req));
	out_service(&o, p, NULL, 0);
	out_str(&o, "client.address", s + tok[0][0], tok[0][1] - tok[0][0]);
	if (!nil(s, tok[2][0], tok[2][1]))
		out_str(&o, "user.name", s + tok[2][0], tok[2][1] - tok[2][0]);
	if (!nil(s, tok[1][0], tok[1][1]))
		out_str(&o, "access.ident", s + tok[1][0], tok[1][1] - tok[1][0]);
	request_fields(&o, req);
	out_set(&o, "http.response.status_code", json_integer(status));
	out_set(&o, "http.response.body.size",
		s[b0] == '-' ? json_integer(0) : pid_value(s + b0, b1 - b0));
	if (ref && !is_dash(ref))
		out_set(&o, "http.request.header.referer", json_incref(ref));
	if (ua && !is_dash(ua))
		out_set(&o, "user_agent.original", json_incref(ua));
	while (i < len && s[i] == ' ')
		i++;
	if (i < len)
		out_str(&o, "access.extra", s + i, len - i);
out:
	json_decref(req);
	json_decref(ref);
	json_decref(ua);
	return out_end(&o, rec, err);
fail:
	json_decref(req);
	json_decref(ref);
	return rc;
}

/* ---- regex -------------------------------------------------------------------------- */

/*
 * regex: named groups become fields; a group name's "__" becomes '.', so
 * (?<http__response__status_code>...) fills http.response.status_code.
 * Groups time, level, msg, service, trace_id, span_id and traceparent
 * fill those roles (time in any form text_time reads); other groups are
 * typed like logfmt values. Unset groups are absent. Fields follow the
 * groups' order in the pattern.
 */
static int parse_regex(struct obs_logparse *p, const char *s, size_t len, json_t **rec,
		       struct obs_error *err)
{
	PCRE2_SIZE *ov;
	int rc, g;

	rc = pcre2_match(p->re, (PCRE2_SPTR)s, len, 0, 0, p->re_match, p->re_mctx);
	if (rc == PCRE2_ERROR_NOMEMORY || rc == PCRE2_ERROR_HEAPLIMIT)
		return obs_error_set(err, "out of memory");
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
		return obs_error_set(err, "the regular expression hit its match limit") + 1;
	if (rc < 0)
		return obs_error_set(err, "no match for the regular expression") + 1;
	ov = pcre2_get_ovector_pointer(p->re_match);
	fields_clear(p);
	for (g = 0; g < p->ngroups; g++) {
		PCRE2_SIZE a = ov[2 * p->groups[g].num], b = ov[2 * p->groups[g].num + 1];

		if (a == PCRE2_UNSET)
			continue;
		if (field_add(p, p->groups[g].key, strlen(p->groups[g].key), jstring(s + a, b - a),
			      1) != 0) {
			rc = obs_error_set(err, "out of memory");
			goto out;
		}
	}
	rc = fields_to_record(p, &regex_roles, 0, rec, err);
out:
	fields_clear(p);
	return rc;
}

static int group_cmp(const void *a, const void *b)
{
	const struct obs_lp_group *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num;
}

static int compile_regex(struct obs_logparse *p, const char *pattern, struct obs_error *err)
{
	int code, g;
	PCRE2_SIZE off;
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table = NULL;

	p->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ANCHORED, &code, &off,
			      NULL);
	if (!p->re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		return obs_error_set(err, "invalid regular expression '%s': %s at offset %zu",
				     pattern, (const char *)msg, (size_t)off);
	}
	pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE);   /* the interpreter if no JIT */
	p->re_match = pcre2_match_data_create_from_pattern(p->re, NULL);
	p->re_mctx = pcre2_match_context_create(NULL);
	if (!p->re_match || !p->re_mctx)
		return obs_error_set(err, "out of memory");
	pcre2_set_match_limit(p->re_mctx, REGEX_MATCH_LIMIT);
	pcre2_pattern_info(p->re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(p->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(p->re, PCRE2_INFO_NAMETABLE, &table);
	p->groups = calloc(count ? count : 1, sizeof(*p->groups));
	if (!p->groups)
		return obs_error_set(err, "out of memory");
	for (g = 0; g < (int)count; g++) {
		const char *name = (const char *)table + (size_t)g * size + 2;
		size_t n = strlen(name), k, m = 0;
		char *key = malloc(n + 1);

		if (!key)
			return obs_error_set(err, "out of memory");
		for (k = 0; k < n; k++) {
			if (name[k] == '_' && name[k + 1] == '_') {
				key[m++] = '.';
				k++;
			} else {
				key[m++] = name[k];
			}
		}
		key[m] = '\0';
		p->groups[g].num = (uint32_t)(table[(size_t)g * size] << 8 | table[(size_t)g * size + 1]);
		p->groups[g].key = key;
		p->ngroups = g + 1;
	}
	qsort(p->groups, (size_t)p->ngroups, sizeof(*p->groups), group_cmp);
	return 0;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

int obs_logparse_init(struct obs_logparse *p, const struct obs_logparse_options *opt,
		      struct obs_error *err)
{
	static const struct obs_logparse_options defaults;
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < 17; i++)
		p->tz_cache_key[i] = LONG_MIN;
	if (!opt)
		opt = &defaults;
	if ((int)opt->format < OBS_LOG_AUTO || opt->format > OBS_LOG_REGEX)
		return obs_error_set(err, "unknown log format %d", (int)opt->format);
	p->format = opt->format;
	p->reference = opt->reference ? opt->reference : obs_time_now();
	if (opt->service && *opt->service && !(p->service = strdup(opt->service))) {
		obs_error_set(err, "out of memory");
		goto fail;
	}
	if (set_timezone(p, opt->timezone, err) != 0)
		goto fail;
	if (opt->format == OBS_LOG_REGEX && !opt->regex) {
		obs_error_set(err, "regex format needs a pattern");
		goto fail;
	}
	if (opt->format != OBS_LOG_REGEX && opt->regex) {
		obs_error_set(err, "a pattern is only for the regex format");
		goto fail;
	}
	if (opt->regex && compile_regex(p, opt->regex, err) != 0)
		goto fail;
	return 0;
fail:
	obs_logparse_release(p);
	return -1;
}

void obs_logparse_release(struct obs_logparse *p)
{
	int g;

	fields_clear(p);
	free(p->fields);
	free(p->scratch);
	free(p->service);
	free(p->tz_name);
	for (g = 0; g < p->ngroups; g++)
		free(p->groups[g].key);
	free(p->groups);
	pcre2_match_context_free(p->re_mctx);
	pcre2_match_data_free(p->re_match);
	pcre2_code_free(p->re);
	memset(p, 0, sizeof(*p));
}

/* ---- dispatch and detection --------------------------------------------------------- */

/* Try the formats in detection order; *FMT says which took the line. */
static int parse_auto(struct obs_logparse *p, const char *s, size_t len, enum obs_log_format *fmt,
		      json_t **rec, struct obs_error *err)
{
	size_t i = 0;
	int rc;

	while (i < len && (is_space(s[i]) || s[i] == '\r'))
		i++;
	if (i < len && s[i] == '{') {
		json_t *obj;

		if ((rc = load_object(s, len, &obj, err)) <= 0)
			return rc;
		*fmt = json_object_get(obj, "__REALTIME_TIMESTAMP") ? OBS_LOG_JOURNALD : OBS_LOG_JSON;
		rc = object_to_record(p, obj, *fmt == OBS_LOG_JOURNALD, rec, err);
		json_decref(obj);
		return rc;
	}
	*fmt = OBS_LOG_SYSLOG;
	if ((rc = parse_syslog(p, s, len, rec, err)) != 0)
		return rc;
	*fmt = OBS_LOG_ACCESS;
	if ((rc = parse_access(p, s, len, rec, err)) != 0)
		return rc;
	*fmt = OBS_LOG_LOGFMT;
	if ((rc = parse_logfmt(p, s, len, 1, rec, err)) != 0)
		return rc;
	*fmt = OBS_LOG_AUTO;
	return obs_error_set(err, "no known log format") + 1;
}

int obs_logparse_parse(struct obs_logparse *p, const char *line, size_t len, json_t **rec,
		       struct obs_error *err)
{
	enum obs_log_format fmt;
	int rc;

	*rec = NULL;
	/* A byte order mark (the first line of some files) is no content. */
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	switch (p->format) {
	case OBS_LOG_JSON:
		rc = parse_json(p, line, len, 0, rec, err);
		break;
	case OBS_LOG_JOURNALD:
		rc = parse_json(p, line, len, 1, rec, err);
		break;
	case OBS_LOG_LOGFMT:
		rc = parse_logfmt(p, line, len, 0, rec, err);
		break;
	case OBS_LOG_SYSLOG:
		rc = parse_syslog(p, line, len, rec, err);
		break;
	case OBS_LOG_ACCESS:
		rc = parse_access(p, line, len, rec, err);
		break;
	case OBS_LOG_REGEX:
		rc = parse_regex(p, line, len, rec, err);
		break;
	default:
		rc = parse_auto(p, line, len, &fmt, rec, err);
		break;
	}
	return rc;
}

json_t *obs_logparse_line(struct obs_logparse *p, const char *line, size_t len,
			  struct obs_error *err)
{
	json_t *rec;

	obs_logparse_parse(p, line, len, &rec, err);
	return rec;
}

enum obs_log_format obs_log_format_detect(const char *const *lines, int n)
{
	struct obs_logparse p;
	int count[OBS_LOG_REGEX + 1] = { 0 };
	int i, best = OBS_LOG_AUTO;

	(void)obs_logparse_init(&p, NULL, NULL);   /* cannot fail: nothing to allocate */
	for (i = 0; i < n; i++) {
		const char *s = lines[i];
		size_t len = strlen(s), k;
		enum obs_log_format fmt = OBS_LOG_AUTO;
		json_t *rec = NULL;

		for (k = 0; k < len && (is_space(s[k]) || s[k] == '\r'); k++)
			;
		if (k == len)
			continue;
		if (parse_auto(&p, s, len, &fmt, &rec, NULL) == 1)
			count[fmt]++;
		json_decref(rec);
	}
	obs_logparse_release(&p);
	/* Ties: the order of the enum is the detection order but for journald. */
	{
		static const enum obs_log_format order[] = { OBS_LOG_JSON, OBS_LOG_JOURNALD,
							     OBS_LOG_SYSLOG, OBS_LOG_ACCESS,
							     OBS_LOG_LOGFMT };

		for (i = 0; i < 5; i++)
			if (count[order[i]] > count[best])
				best = order[i];
	}
	return (enum obs_log_format)best;
}

/* ---- multiline joining -------------------------------------------------------------- */

void obs_logjoin_init(struct obs_logjoin *j, struct obs_logparse *p)
{
	memset(j, 0, sizeof(*j));
	j->parse = p;
	j->max_msg = OBS_LOGJOIN_MAX_MSG;
}

void obs_logjoin_release(struct obs_logjoin *j)
{
	json_decref(j->pending);
	free(j->buf);
	j->pending = NULL;
	j->buf = NULL;
	j->len = j->cap = 0;
}

static int join_reserve(struct obs_logjoin *j, size_t n)
{
	char *b;
	size_t cap;

	if (n <= j->cap)
		return 0;
	cap = j->cap ? j->cap : 256;
	while (cap < n)
		cap *= 2;
	b = realloc(j->buf, cap);
	if (!b)
		return -1;
	j->buf = b;
	j->cap = cap;
	return 0;
}

/*
 * Append '\n' and the line to the pending message, as much as fits under
 * max_msg (cut at a character boundary). On the first continuation the
 * record's own msg is loaded into the buffer.
 */
static int join_append(struct obs_logjoin *j, const char *line, size_t len)
{
	json_t *m = json_object_get(j->pending, "msg");
	size_t n, room, sep;
	char *clean = NULL;
	const char *add = line;

	j->joined++;
	if (j->cut)
		return 0;
	if (!j->had_msg && j->len == 0 && json_is_string(m)) {
		if (join_reserve(j, json_string_length(m) + 1) != 0)
			return -1;
		memcpy(j->buf, json_string_value(m), json_string_length(m));
		j->len = json_string_length(m);
		j->had_msg = 1;
	} else if (!j->had_msg && j->len == 0) {
		j->had_msg = 2;   /* no msg of its own: no separator before the first line */
	}
	n = len;
	if (!utf8_valid(line, len)) {
		clean = utf8_sanitize(line, len, &n);
		if (!clean)
			return -1;
		add = clean;
	}
	sep = j->had_msg == 2 && j->len == 0 ? 0 : 1;
	room = j->max_msg > j->len ? j->max_msg - j->len : 0;
	if (sep + n > room) {
		j->cut = 1;
		n = room > sep ? room - sep : 0;
		while (n > 0 && ((unsigned char)add[n] & 0xc0) == 0x80)
			n--;
		if (room <= sep)
			sep = 0;
	}
	if (join_reserve(j, j->len + sep + n + 1) != 0) {
		free(clean);
		return -1;
	}
	if (sep)
		j->buf[j->len++] = '\n';
	memcpy(j->buf + j->len, add, n);
	j->len += n;
	free(clean);
	return 0;
}

/* Put MSG (stolen) into REC: in place if it has a msg, else after type/time/level. */
static json_t *with_msg(json_t *rec, json_t *msg)
{
	json_t *out;
	void *it;
	int done = 0;

	if (!msg)
		return NULL;
	if (json_object_get(rec, "msg")) {
		if (json_object_set_new_nocheck(rec, "msg", msg) != 0)
			return NULL;
		return json_incref(rec);
	}
	out = json_object();
	if (!out)
		goto fail;
	for (it = json_object_iter(rec); it; it = json_object_iter_next(rec, it)) {
		const char *key = json_object_iter_key(it);

		if (!done && strcmp(key, "type") != 0 && strcmp(key, "time") != 0 &&
		    strcmp(key, "level") != 0) {
			if (json_object_set_nocheck(out, "msg", msg) != 0)
				goto fail;
			done = 1;
		}
		if (json_object_setn_nocheck(out, key, json_object_iter_key_len(it),
					     json_object_iter_value(it)) != 0)
			goto fail;
	}
	if (!done && json_object_set_nocheck(out, "msg", msg) != 0)
		goto fail;
	json_decref(msg);
	return out;
fail:
	json_decref(out);
	json_decref(msg);
	return NULL;
}

/* Hand back the pending record with its joined message. */
static int join_take(struct obs_logjoin *j, json_t **rec, struct obs_error *err)
{
	json_t *r = j->pending;

	*rec = NULL;
	if (!r)
		return 0;
	if (j->len > 0 || j->had_msg == 2) {
		json_t *done = with_msg(r, json_stringn_nocheck(j->buf ? j->buf : "", j->len));

		if (!done)
			return obs_error_set(err, "out of memory");
		json_decref(r);
		j->pending = r = done;
	}
	/* On failure the record stays pending, whole, for another try. */
	if (j->cut && json_object_set_new_nocheck(r, "truncated", json_true()) != 0)
		return obs_error_set(err, "out of memory");
	j->truncated += j->cut;
	j->raw += j->pending_raw;
	j->records++;
	j->pending = NULL;
	j->pending_raw = j->cut = j->had_msg = 0;
	j->len = 0;
	*rec = r;
	return 1;
}

int obs_logjoin_push(struct obs_logjoin *j, const char *line, size_t len, json_t **rec,
		     struct obs_error *err)
{
	json_t *r = NULL;
	int rc, raw = 0;

	*rec = NULL;
	if (j->multiline && j->pending && len > 0 && is_space(line[0])) {
		j->lines++;
		if (join_append(j, line, len) != 0)
			return obs_error_set(err, "out of memory");
		return 0;
	}
	rc = obs_logparse_parse(j->parse, line, len, &r, NULL);
	if (rc < 0)
		return obs_error_set(err, "out of memory");
	if (rc == 0 && j->multiline && j->pending && !j->pending_raw) {
		j->lines++;
		if (join_append(j, line, len) != 0)
			return obs_error_set(err, "out of memory");
		return 0;
	}
	if (rc == 0) {
		r = obs_log_raw_record(line, len, j->parse->reference);
		if (!r)
			return obs_error_set(err, "out of memory");
		raw = 1;
	}
	j->lines++;
	if (!j->multiline) {
		j->records++;
		j->raw += raw;
		*rec = r;
		return 1;
	}
	rc = join_take(j, rec, err);
	if (rc < 0) {
		json_decref(r);
		return -1;
	}
	j->pending = r;
	j->pending_raw = raw;
	return rc;
}

int obs_logjoin_finish(struct obs_logjoin *j, json_t **rec, struct obs_error *err)
{
	return join_take(j, rec, err);
}

/* ---- for obs_logfast.c (obs_logparse_int.h) ------------------------------------------- */

int obs_lp_text_time(struct obs_logparse *p, const char *s, size_t len, int64_t *ns)
{
	return text_time(p, s, len, ns);
}

int obs_lp_hex_id(const char *s, size_t len, size_t want, char *out)
{
	return hex_id(s, len, want, out);
}

int obs_lp_utf8_valid(const char *s, size_t len)
{
	return utf8_valid(s, len);
}

const char *const *obs_lp_json_aliases(enum obs_lp_role role)
{
	switch (role) {
	case OBS_LP_TIME:
		return json_time;
	case OBS_LP_LEVEL:
		return json_level;
	case OBS_LP_MSG:
		return json_msg;
	case OBS_LP_SERVICE:
		return json_service;
	case OBS_LP_TRACE:
		return json_trace;
	default:
		return json_span;
	}
}
