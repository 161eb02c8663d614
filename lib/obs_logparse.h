/* SPDX-License-Identifier: MIT */
/* Log-format parsers: JSON, logfmt, syslog, access logs, journald, regex, into log records. */
#ifndef OBS_LOGPARSE_H
#define OBS_LOGPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"

/*
 * A log record is one JSON object with the keys in this order:
 *   type ("log"), time (RFC 3339 UTC, 9 fraction digits), level (one of
 *   trace, debug, info, warn, error, fatal; absent when the line carries
 *   none or one that is not recognised), msg (absent when the line has
 *   none), service (from the line, else the default, else absent),
 *   trace_id (32 hex) and span_id (16 hex) when the line carries valid ones,
 *   then the other fields at top level in the order the line gives them.
 *
 * Rules that hold for every format:
 * - Text that is not UTF-8 has each bad byte replaced by U+FFFD; NUL bytes
 *   in values stay, as \u0000 in JSON (strings are length-aware
 *   throughout); in keys they become U+FFFD too, since jansson (and so
 *   every obs tool) refuses to read keys with NUL. A UTF-8 byte order
 *   mark at the start of a line is dropped.
 * - An input field whose key is one the record owns (type, time, level,
 *   msg, service, trace_id, span_id, raw, truncated) and that was not taken
 *   for that role (a level word no table knows, a time that does not parse,
 *   a trace id that is not hex, a "type" of the application's own) is kept
 *   as "KEY_original", value unchanged. The same input field under another
 *   alias (severity, ts, ...) simply stays where it is.
 * - A record without a usable time gets the parser's reference time.
 * - Level: no level is invented. Only access logs (from the status) and
 *   syslog with a <PRI> / journald with PRIORITY always have one.
 * - Trace context: trace_id / traceId / traceID / trace.id and span_id /
 *   spanId / spanID / span.id (32 or 16 hex digits, any case, not all
 *   zero; a 16-digit trace id is zero-padded on the left as OpenTelemetry
 *   does), else a valid W3C traceparent field gives both (a span id given
 *   on its own wins over the traceparent's).
 * - Times given as text (JSON, logfmt, regex captures) may be RFC 3339; a
 *   Unix timestamp in s, ms, us or ns (judged by magnitude, as
 *   obs_time_parse does; JSON numbers too, reals to the microsecond);
 *   "YYYY-MM-DD[T ]hh:mm[:ss][.,frac]" with "/" also allowed in the date and
 *   an optional zone "Z", "UTC", "GMT", "+hh", "+hhmm", "+hh:mm" (then an
 *   abbreviation may follow: Go's "+0000 UTC"); "dd/Mon/yyyy:hh:mm:ss
 *   [+hhmm]"; "Mmm dd hh:mm:ss". Without a zone, the --timezone zone.
 *
 * What each format makes of a line:
 * - json: roles from the first usable key in these lists, matched exactly
 *   (a nested {"log":{"level":..}} is not log.level): time: time, ts,
 *   timestamp, @timestamp, t, @t, asctime; level: level, lvl, severity,
 *   log.level, levelname, @l, loglevel, at (words or integers); msg: msg,
 *   message, @message, log, event, @m, @mt, short_message (strings only,
 *   trailing newlines dropped); service: service, service.name, app (a
 *   non-empty string that is not a duration: Heroku's "service=18ms" is a
 *   time). Other members keep their JSON values and types, nested
 *   objects included.
 * - logfmt: the same roles. key=value pairs split on spaces and tabs; a key
 *   is bytes other than space, tab, '=', '"'; values are bare (up to the
 *   next space), empty ("k="), or double-quoted with Go's escapes (\" \\
 *   \/ \n \r \t \b \f \a \v \xHH \uXXXX with surrogate pairs,
 *   \UXXXXXXXX; other escapes kept as written); a bare key is true. Bare
 *   values that read as JSON integers within int64 (no leading zeros),
 *   decimals or exponents, or exactly true/false get those types; all
 *   else, and every quoted value, is a string. A line with no key=value
 *   pair does not parse.
 * - syslog: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG" (RFC 5424;
 *   "-" is absent, a NIL timestamp is the reference time, a BOM before
 *   MSG is dropped, each SD parameter becomes "SD-ID.name"), and
 *   "[<PRI>]TIMESTAMP HOST TAG[PID]: MSG" (RFC 3164 and rsyslog's files:
 *   "Mmm dd hh:mm:ss" in the --timezone zone, its year the latest one
 *   that puts it no more than a day after the reference time, or RFC
 *   3339; HOST absent when the first word is already "tag:" or
 *   "tag[pid]:", as in messages sent to /dev/log; the tag absent when the
 *   word after the host is none). Fields: syslog.facility (kern, user,
 *   ..., local7; only with a PRI), host.name, process.pid (a number), or
 *   syslog.procid when not a number, syslog.msgid. service is APP / TAG.
 * - access: HOST IDENT USER [TIME] "REQUEST" STATUS BYTES ["REFERER"
 *   "USER-AGENT"]. Fields: client.address, user.name and access.ident
 *   (not "-"), http.request.method, url.path, url.query (after '?'),
 *   network.protocol.name ("http") and network.protocol.version (from
 *   "HTTP/1.1"), http.response.status_code, http.response.body.size ("-"
 *   is 0), http.request.header.referer and user_agent.original (not "-";
 *   plain strings, not the semantic conventions' arrays), access.extra
 *   (anything after, such as nginx "main"'s X-Forwarded-For). Quoted
 *   fields unescape \" and \\ only (nginx's \xHH stays as written). msg
 *   is the request as logged; level error for 5xx, warn for 4xx, else info.
 * - journald: time __REALTIME_TIMESTAMP (required), level PRIORITY (one
 *   digit, a syslog severity), msg MESSAGE, service SYSLOG_IDENTIFIER else
 *   _COMM, trace ids TRACE_ID / SPAN_ID / TRACEPARENT. _PID becomes
 *   process.pid (a number when digits), _HOSTNAME host.name, _COMM (when
 *   not the service) process.executable.name, _EXE
 *   process.executable.path, _CMDLINE process.command_line; __CURSOR,
 *   __MONOTONIC_TIMESTAMP, __SEQNUM and __SEQNUM_ID are dropped; all other
 *   fields keep their names and (string) values. Values journalctl gives
 *   as arrays of bytes become strings, inside arrays of values too.
 * - regex: each named group is a field, its name's "__" read as '.'
 *   ((?<http__response__status_code>...)); groups time, level, msg,
 *   service, trace_id, span_id, traceparent fill those roles; other
 *   values are typed like bare logfmt values; unset groups are absent;
 *   fields follow the groups' order in the pattern. No msg group, no msg.
 */

enum obs_log_format {
	OBS_LOG_AUTO = 0,   /* decide per line (or per file, with obs_log_format_detect) */
	OBS_LOG_JSON,       /* one JSON object per line */
	OBS_LOG_LOGFMT,     /* key=value pairs */
	OBS_LOG_SYSLOG,     /* RFC 5424, RFC 3164, and rsyslog's file formats */
	OBS_LOG_ACCESS,     /* Apache/nginx common and combined */
	OBS_LOG_JOURNALD,   /* journalctl -o json */
	OBS_LOG_REGEX,      /* PCRE2 with named groups */
};

/*
 * The format named NAME: "auto", "json", "logfmt", "syslog", "access"
 * (also "apache", "nginx", "clf", "combined"), "journald" (also
 * "journal"), "regex"; case matters. -1 for any other name.
 */
int obs_log_format_parse(const char *name);
/* The canonical name of FORMAT ("json", ...); "auto" for anything unknown. */
const char *obs_log_format_name(enum obs_log_format format);

/*
 * Guess the format of a file from its first lines (N NUL-terminated
 * strings; blank ones are ignored). Each line is tried against the
 * formats in this order and counts for the first that parses it:
 *   1. JSON object lines: journald when the object has __REALTIME_TIMESTAMP,
 *      else json;
 *   2. syslog (a <PRI>, or a month-day or RFC 3339 timestamp, then a host);
 *   3. access (host ident user [time] "request" status bytes);
 *   4. logfmt, strictly: the first token is key=value with a key made of
 *      letters, digits and _ . - / @ (not starting with a digit), and at
 *      least half of the tokens are key=value.
 * The format with the most lines wins; ties go to json, journald, syslog,
 * access, logfmt, in that order. OBS_LOG_AUTO when no line matched any
 * format (a parser set to auto then tries every line on its own, in the
 * order above). The regex format is never guessed.
 */
enum obs_log_format obs_log_format_detect(const char *const *lines, int n);

/*
 * Level names. obs_log_level_normalize maps a level word or number (case
 * ignored, surrounding spaces ignored) to one of the six names, returned as
 * static strings, or NULL if it is unknown:
 *   trace: trace trc trac trce finest finer verbose v t
 *   debug: debug dbg debu dbug fine config debug1..debug5 d
 *   info:  info inf information informational notice log i
 *   warn:  warn warning wrn w
 *   error: error err erro eror fail failure severe e
 *   fatal: fatal fata crit critical emerg emergency alert panic pani
 *          dpanic f a
 * (four-letter forms are logrus's and .NET's; dpanic is zap's, mapped to
 * fatal as the OpenTelemetry zap bridge does.)
 * A number 0-7 is a syslog severity (0-2 fatal, 3 error, 4 warn, 5-6 info,
 * 7 debug); 10-69 is a pino/bunyan level by decade (10 trace, 20 debug,
 * 30 info, 40 warn, 50 error, 60 fatal); anything else is unknown.
 */
const char *obs_log_level_normalize(const char *s);
/* The same for LEN bytes of S, not necessarily NUL-terminated. */
const char *obs_log_level_normalize_n(const char *s, size_t len);
/* The level of syslog severity SEV (0-7), or NULL outside that range. */
const char *obs_log_level_from_severity(int sev);
/*
 * Rank of a level for "--level warn and above": trace 1, debug 2, info 3,
 * warn 4, error 5, fatal 6, after normalising LEVEL as above; 0 for NULL
 * or an unknown level (records without a level then rank below all).
 */
int obs_log_level_rank(const char *level);

/* Settings for obs_logparse_init. All strings are copied. */
struct obs_logparse_options {
	enum obs_log_format format;
	/*
	 * Zone of timestamps that carry none (RFC 3164, zone-less ISO times
	 * in JSON, logfmt and regex captures): NULL, "", "UTC" or "Z" for UTC;
	 * an offset "+02:00", "+0200", "-05" ("+-HH[[:]MM]", at most 18:00);
	 * or a zone name, ":Europe/Berlin" or "Europe/Berlin" (a file under
	 * $TZDIR or /usr/share/zoneinfo) or a POSIX TZ string such as
	 * "CET-1CEST,M3.5.0,M10.5.0/3". Named zones are resolved with
	 * mktime(3) under a temporarily set TZ (so not thread-safe); at the
	 * hour repeated when clocks go back, mktime's choice stands.
	 */
	const char *timezone;
	/*
	 * Reference time in ns: the time of raw records and of records
	 * without a usable time, and the date from which RFC 3164 timestamps
	 * (no year) get their year. 0 means obs_time_now() at init. Callers
	 * reading a file pass its modification time. Changeable later through
	 * struct obs_logparse's reference field.
	 */
	int64_t reference;
	/* Service for records whose line names none; NULL or "" for none. */
	const char *service;
	/* The pattern, for OBS_LOG_REGEX (required there, refused elsewhere). */
	const char *regex;
};

struct obs_logparse {
	enum obs_log_format format;   /* read-only */
	int64_t reference;            /* may be changed between lines */

	/* Private. */
	char *service;
	int tz_kind;                  /* 0 UTC, 1 fixed offset, 2 named */
	long tz_offset;               /* seconds east of UTC, for 1 */
	char *tz_name;                /* for 2 */
	long tz_cache_key[17];        /* local hours resolved, for 2 (by hour % 17) */
	long tz_cache_off[17];
	void *re;                     /* pcre2_code_8 * */
	void *re_match;               /* pcre2_match_data_8 * */
	void *re_mctx;                /* pcre2_match_context_8 * */
	struct obs_lp_group *groups;  /* named groups, in pattern order */
	int ngroups;
	struct obs_lp_field *fields;  /* one line's fields, reused */
	int nfields, capfields;
	char *scratch;                /* unescaping buffer, reused */
	size_t scratch_cap;
};

/*
 * Set up P from OPT (NULL: all defaults, which means auto). Errors:
 *   "unknown time zone 'X'"
 *   "invalid time zone offset 'X'"
 *   "regex format needs a pattern"
 *   "a pattern is only for the regex format"
 *   "invalid regular expression 'X': <PCRE2 message> at offset N"
 *   "out of memory"
 * On error P is left released (calling _release is still safe).
 * The regex is compiled with PCRE2_UTF | PCRE2_MATCH_INVALID_UTF and
 * JIT-compiled when the JIT is available; it matches from the start of the
 * line (anchored) and need not reach its end. A match limit of 10^6
 * (backtracking) keeps a bad pattern from hanging on one line: a line that
 * reaches it does not parse.
 */
int obs_logparse_init(struct obs_logparse *p, const struct obs_logparse_options *opt,
		      struct obs_error *err);
void obs_logparse_release(struct obs_logparse *p);

/*
 * Parse one line (LEN bytes, no newline, need not be NUL-terminated) in
 * P's format. Returns 1 with a new record in *REC, 0 when the line is not
 * in that format (*REC NULL, the reason in ERR: see below), -1 when out of
 * memory ("out of memory"; jansson may report running out of memory
 * while it lexes a JSON line as invalid JSON instead). The reasons a line
 * does not parse:
 *   json:     "invalid JSON: <jansson's text> at column C",
 *             "not a JSON object"
 *   logfmt:   "no key=value pair", "unterminated quoted value",
 *             "expected a key at column C", "expected a space at column C"
 *   syslog:   "not a syslog line: " + "invalid PRI", "expected a
 *             timestamp", "invalid timestamp", "expected a host name",
 *             "expected RFC 5424 header fields", "invalid RFC 5424
 *             timestamp", "invalid structured data"
 *   access:   "not an access log line: " + "expected HOST IDENT USER",
 *             "expected '['", "invalid time", "expected a request",
 *             "expected a quoted request", "expected a status",
 *             "expected a size"
 *   journald: the json reasons, and
 *             "not a journal entry: no __REALTIME_TIMESTAMP"
 *   regex:    "no match for the regular expression",
 *             "the regular expression hit its match limit"
 *   auto:     the json reasons for a line starting with '{', else
 *             "no known log format"
 * Examples of every format, with the records they give, are the fixtures
 * under tests/fixtures/logs/.
 */
int obs_logparse_parse(struct obs_logparse *p, const char *line, size_t len, json_t **rec,
		       struct obs_error *err);
/*
 * The same returning the record (new reference), or NULL both when the
 * line does not parse and when out of memory (ERR tells which). The caller
 * then makes a raw record with obs_log_raw_record.
 */
json_t *obs_logparse_line(struct obs_logparse *p, const char *line, size_t len,
			  struct obs_error *err);

/*
 * The record for a line no parser took (new reference, NULL only if out of
 * memory): {"type":"log","time":TIME,"msg":LINE,"raw":true}, with no level.
 */
json_t *obs_log_raw_record(const char *line, size_t len, int64_t time_ns);

/*
 * Multiline joining, for a streaming reader: feed every line in order with
 * _push, then call _finish once at the end. Memory stays flat: one pending
 * record and its message, bounded by max_msg.
 *
 * With multiline off, each line gives its record at once (a parsed one or
 * a raw one). With multiline on, a line is a continuation when it starts
 * with a space or a tab, or when it does not parse in the format (a Java
 * "Caused by: ..." line, a Python "Traceback ..." line); a continuation is
 * appended to the pending record's msg after a '\n' (or becomes its msg if
 * it had none). One exception: a raw record (a first line that did not
 * parse) takes only continuations that start with whitespace, so plain
 * text in a file does not collapse into one record. A line that parses
 * starts a new record and hands back the pending one.
 *
 * When a message would grow past max_msg bytes it is cut there (at a UTF-8
 * character boundary; no dangling '\n' when nothing of the line fits),
 * later continuations of that record are dropped, and the record gets
 * "truncated": true as its last key. (A reader that skips blank lines, as
 * obs_ndjson_next_line does, drops them from joined messages too.)
 */
#define OBS_LOGJOIN_MAX_MSG (1024 * 1024)

struct obs_logjoin {
	/* Settings: set after _init, before the first _push. */
	int multiline;            /* 0 (default) or 1 */
	size_t max_msg;           /* default OBS_LOGJOIN_MAX_MSG */

	/* Read-only counters. */
	unsigned long lines;      /* lines pushed */
	unsigned long records;    /* records handed back */
	unsigned long raw;        /* of which raw */
	unsigned long truncated;  /* of which cut at max_msg */
	unsigned long joined;     /* continuation lines appended (or dropped past the cut) */

	/* Private. */
	struct obs_logparse *parse;
	json_t *pending;
	int pending_raw, cut, had_msg;
	char *buf;
	size_t len, cap;
};

/* P is borrowed and must outlive J. */
void obs_logjoin_init(struct obs_logjoin *j, struct obs_logparse *p);
/*
 * Push one line. Returns 1 with a finished record in *REC (new reference),
 * 0 when none is ready yet, -1 when out of memory (*REC NULL; the pending
 * record, if any, is kept). Why a line did not parse is not reported here:
 * callers that want the reason (strict mode) call obs_logparse_parse.
 */
int obs_logjoin_push(struct obs_logjoin *j, const char *line, size_t len, json_t **rec,
		     struct obs_error *err);
/* At the end of input: 1 with the pending record, 0 if none, -1 if out of memory. */
int obs_logjoin_finish(struct obs_logjoin *j, json_t **rec, struct obs_error *err);
/* Free the pending record and buffer (does not touch the parser). */
void obs_logjoin_release(struct obs_logjoin *j);

#endif
