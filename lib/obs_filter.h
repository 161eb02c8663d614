/* SPDX-License-Identifier: MIT */
/* Record filters (--service, --name, --status, --since ...) that mean the same in every tool. */
#ifndef OBS_FILTER_H
#define OBS_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "obs_error.h"
#include "obs_jscan.h"

/*
 * A filter is a conjunction of conditions on the top-level fields of one
 * NDJSON record, tested on the raw line:
 *
 *   type     "type" equals the value ("span" for span queries)
 *   trace    "trace_id" equals a valid trace id (32 lowercase hex; upper
 *            case is accepted and lowered)
 *   service  "service" equals the value exactly
 *   name     "name" matches an fnmatch(3) glob (flags 0: '*' matches '/')
 *   status   "status" equals ok, error or unset
 *   min-duration / max-duration
 *            "duration_ms" >= / <= a duration ("250ms", "1h30m")
 *   since / until
 *            "start" >= / <= a time (RFC 3339, a date, Unix time, "now",
 *            or a duration meaning that long ago: "2h")
 *   attr     "k=v" (repeatable, all must hold): the value of key k in
 *            "attributes", else in "resource", is a scalar whose text is v:
 *            a string by its value, a number as written in the record,
 *            true/false, null
 *
 * and, for log records (and any record with such fields):
 *
 *   level    "level" is a level word of at least this rank (obs_log_level_rank:
 *            "warn" takes warn, error and fatal); a record without a level,
 *            or with one no table knows, ranks below all
 *   where    "k=v" (repeatable, all must hold): the top-level field k (else,
 *            when k has dots, the nested field they lead to: "http.status"
 *            is {"http":{"status":...}}) is a scalar whose text is v, as
 *            for attr
 *   grep     "msg" is a string in which a PCRE2 regular expression matches
 *            somewhere (UTF-8 mode; a leading "(?i)" ignores case)
 *
 * The time that since and until read is "start" by default (spans); log
 * records are filtered on "time" (obs_filter_time_field).
 *
 * Speed: before tokenizing, the line must contain the distinctive bytes of
 * the conditions (the quoted trace id, service, status, literal parts of
 * the glob, attribute key and value). JSON lets any character be written
 * as \uXXXX, so a line with a backslash is never rejected that way: the
 * prefilter rejects only lines that cannot match.
 */

struct obs_filter_attr {
	char *key;
	char *value;
};

struct obs_filter_needle {
	char *bytes;
	size_t len;
};

struct obs_filter {
	/* Conditions; NULL / unset when absent. Filled by obs_filter_add. */
	char *type;
	char *trace_id;
	char *service;
	char *name;                 /* glob */
	char *status;
	int64_t min_duration;       /* ns, -1 if unset */
	int64_t max_duration;       /* ns, -1 if unset */
	int64_t since;              /* ns, OBS_TIME_MIN if unset */
	int64_t until;              /* ns, OBS_TIME_MAX if unset */
	struct obs_filter_attr *attrs;
	int nattrs;
	int min_level;              /* rank 1-6 (obs_log_level_rank), 0 if unset */
	struct obs_filter_attr *where;
	int nwhere;
	char *grep;                 /* the pattern as given */
	const char *time_field;     /* "start" (default) or as set; static or borrowed */

	/*
	 * The scanner holding the line last passed to obs_filter_match: after
	 * a match (1) its tokens describe that line (read fields with
	 * obs_jscan_* on token 0), until the next call.
	 */
	struct obs_jscan scan;

	/* Private. */
	struct obs_filter_needle *needles;
	int nneedles;
	int dirty;                  /* needles must be rebuilt */
	char *tmp;                  /* NUL-terminated copy of a field for fnmatch */
	size_t tmpcap;
	void *grep_re;              /* pcre2_code_8 * */
	void *grep_md;              /* pcre2_match_data_8 * */
};

void obs_filter_init(struct obs_filter *f);
void obs_filter_release(struct obs_filter *f);

/*
 * Add condition OPTION ("type", "trace", "service", "name", "status",
 * "min-duration", "max-duration", "since", "until", "attr", "level",
 * "where", "grep") with VALUE, as given on a command line. A repeated
 * option other than attr and where replaces the earlier value. Relative
 * times count back from obs_time_now(). Errors: "invalid trace id 'x'",
 * "invalid status 'x' (expected ok, error or unset)", "invalid attribute
 * 'x' (expected KEY=VALUE)", "invalid field 'x' (expected KEY=VALUE)",
 * "invalid level 'x' (expected trace, debug, info, warn, error or
 * fatal)", "invalid regular expression 'x': <PCRE2's message> at offset
 * N", the time and duration parsers' messages, "unknown filter 'x'".
 * Returns 0 or -1.
 */
int obs_filter_add(struct obs_filter *f, const char *option, const char *value,
		   struct obs_error *err);

/*
 * The field --since and --until compare: "start" (the default, spans) or
 * "time" (logs, events, metrics). FIELD is borrowed and must outlive F.
 */
void obs_filter_time_field(struct obs_filter *f, const char *field);

/* 1 if the filter has no condition at all. */
int obs_filter_empty(const struct obs_filter *f);

/*
 * Test LINE (LEN bytes). Returns 1 if it matches, 0 if not, -1 if the line
 * has to be read and is malformed: invalid JSON, or a field a condition
 * reads is there with the wrong type ("'status' is not a string",
 * "'start' is not a valid time", "'duration_ms' is not a number"). A
 * field that is absent, or a "type" other than the one required, is a
 * non-match, not an error. Lines rejected by the prefilter are not
 * parsed, so their JSON is not checked.
 */
int obs_filter_match(struct obs_filter *f, const char *line, size_t len, struct obs_error *err);

/*
 * Test the line already parsed in F->scan (e.g. by a caller that needs its
 * fields anyway): the same as obs_filter_match without the prefilter and
 * the parse. 1 / 0 / -1.
 */
int obs_filter_match_scanned(struct obs_filter *f, struct obs_error *err);

/* 1 if the raw-bytes prefilter lets LINE through (it may still not match). */
int obs_filter_prefilter(struct obs_filter *f, const char *line, size_t len);

#endif
