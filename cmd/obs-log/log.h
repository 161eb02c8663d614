/* SPDX-License-Identifier: MIT */
/* obs-log: the commands behind the dispatch table in main.c, and what they share. */
#ifndef OBS_LOG_H
#define OBS_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "obs_buf.h"
#include "obs_cli.h"
#include "obs_cli_input.h"
#include "obs_filter.h"
#include "obs_jscan.h"
#include "obs_logfast.h"
#include "obs_logparse.h"
#include "obs_ndjson.h"
#include "obs_source.h"
#include "obs_store.h"

/* Each returns an exit status; argv[0] is the command name. */
int cmd_emit(int argc, char **argv);
int cmd_level(int argc, char **argv);   /* info, warn, error, debug: argv[0] is the level */
int cmd_parse(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_stats(int argc, char **argv);

/* Parse -o NAME: ndjson, json or text ("table" is taken for text); 0 / -1. */
int log_output_parse(const char *name, enum obs_output *out);

/* ---- appending to an obs_buf; out of memory aborts (obs_buf_release frees) -------- */

void lb_raw(struct obs_buf *b, const char *s, size_t n);
void lb_str(struct obs_buf *b, const char *s);
void lb_fmt(struct obs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the human format -------------------------------------------------------------- */

/*
 * One record (parsed in S) as a line for people, newline included:
 *   TIME LEVEL SERVICE MSG key=value ... trace_id=... span_id=...
 * time to the millisecond in UTC, the level upper-case in five columns,
 * lines after the first of a multi-line message indented below, control
 * characters shown as '?'. COLOR adds ANSI colours.
 */
void log_render(struct obs_buf *b, const struct obs_jscan *s, int color);

/* ---- record output: NDJSON, a JSON array, or the human format ------------------ */

struct log_out {
	enum obs_output fmt;    /* OBS_OUT_NDJSON, OBS_OUT_JSON, or OBS_OUT_TABLE for text */
	int fd;
	int color;
	struct obs_ndjson_writer w;
	struct obs_jscan scan;
	struct obs_buf text;
	unsigned long long n;
	int failed;             /* a write failed (reported once) */
	int epipe;              /* ... because the reader went away */
};

void log_out_init(struct log_out *o, enum obs_output fmt, int fd);
/*
 * Write one record given as its JSON text (LEN bytes, no newline). S, if
 * not NULL, already holds the line parsed (for the human format). Returns
 * 0, or -1 after a write error (reported, unless the reader went away).
 */
int log_out_line(struct log_out *o, const char *line, size_t len, const struct obs_jscan *s);
int log_out_record(struct log_out *o, const json_t *rec);
/* Write out what is buffered (followers call it after each batch); 0 / -1. */
int log_out_flush(struct log_out *o);
/* End the output (closing "]" for JSON) and release; 0 / -1. */
int log_out_finish(struct log_out *o);

/* ---- the common filter options of query, tail and stats ------------------------- */

/*
 * Handle a filter option (--level, --since, --until, --service, --trace,
 * --grep, --where) for F; NAME is the long option's name. 0, or
 * OBS_EXIT_USAGE after printing the error.
 */
int log_filter_option(struct obs_filter *f, const char *name, const char *value);
/* The filter options of query, tail and stats (their names are obs_filter's). */
#define LOPT_FILTER 350
#define LOG_FILTER_LONGOPTS \
	{ "level", required_argument, NULL, LOPT_FILTER }, \
	{ "since", required_argument, NULL, LOPT_FILTER }, \
	{ "until", required_argument, NULL, LOPT_FILTER }, \
	{ "service", required_argument, NULL, LOPT_FILTER }, \
	{ "trace", required_argument, NULL, LOPT_FILTER }, \
	{ "grep", required_argument, NULL, LOPT_FILTER }, \
	{ "where", required_argument, NULL, LOPT_FILTER }
/* The help text of those options. */
#define LOG_FILTER_HELP \
	"      --level LEVEL       at least this level: trace < debug < info < warn < error < fatal\n" \
	"      --since TIME        at or after TIME (RFC 3339, date, Unix time, or a duration\n" \
	"                          ago: '2h')\n" \
	"      --until TIME        at or before TIME\n" \
	"      --service NAME      records of this service (exact)\n" \
	"      --trace ID          records of this trace\n" \
	"      --grep REGEX        the message matches this PCRE2 regular expression\n" \
	"      --where KEY=VALUE   the field (a.b for nested ones) equals VALUE; repeat for\n" \
	"                          more, all must match\n"
/* -n N: a count; 0, or OBS_EXIT_USAGE after printing the error. */
int log_parse_limit(const char *arg, long long *limit);

/* F as a log filter: type "log", times on "time". 0 / OBS_EXIT_FAILURE. */
int log_filter_setup(struct obs_filter *f);

/* ---- turning log lines into records ------------------------------------------------ */

/* Settings shared by parse and tail FILE. */
struct log_parse_opts {
	enum obs_log_format format;   /* OBS_LOG_AUTO: detect per file */
	const char *timezone;
	const char *service;
	const char *regex;
	int64_t reference;            /* 0: each file's modification time (now for a pipe) */
	int multiline;
	int strict;                   /* a line that does not parse is an error */
	size_t max_line;              /* 0: OBS_NDJSON_MAX_LINE; joined messages are cut there too */
};

/*
 * Called for each record: its JSON text (LEN bytes, no newline) and its
 * time. Returns 0, or -1 to stop (the reason already reported).
 */
typedef int log_emit_fn(void *ctx, const char *rec, size_t len, int64_t time_ns);

/* One input's parsing: detection, the fast path, the parser, multiline joining, counts. */
struct log_parser {
	const struct log_parse_opts *opt;
	const char *name;             /* for messages, borrowed */
	log_emit_fn *emit;
	void *ctx;

	/* Read-only counts. */
	unsigned long lines;          /* lines given */
	unsigned long records;
	unsigned long raw;            /* records kept raw */
	unsigned long cut;            /* lines longer than max_line, kept cut */
	unsigned long lineno;         /* number of the line last given (for messages) */
	int failed;                   /* strict: a line did not parse (reported); or out of memory */

	/* Private. */
	int64_t reference;
	int ready;                    /* format decided, parser set up */
	struct obs_logparse p;
	struct obs_logjoin j;
	struct obs_logfast fast;
	int use_fast;                 /* json or logfmt, one line at a time */
	struct obs_logparse any;      /* auto: lines not in the detected format try them all */
	int has_any;
	int detected;                 /* the format was guessed from the first lines */
	struct obs_jscan scan;        /* for lines that are records already */
	char **held;                  /* lines kept for detection */
	size_t *held_len;
	int *held_cut;
	unsigned long *held_no;
	int nheld;
	int64_t last_line_mono;       /* when the last line came (follow mode) */
	int started;                  /* multiline: a record is under way (so lines join it) */
};

/* NAME and OPT are borrowed; REFERENCE is the time of records without one. */
void log_parser_init(struct log_parser *lp, const struct log_parse_opts *opt, const char *name,
		     int64_t reference, log_emit_fn *emit, void *ctx);
/*
 * Give one line (LEN bytes, no newline) numbered LINENO; CUT says it was
 * longer than the limit and is only its start. 0, or -1 to stop (emit
 * failed, strict mode, out of memory: reported).
 */
int log_parser_line(struct log_parser *lp, const char *line, size_t len, unsigned long lineno,
		    int cut);
/*
 * Nothing more for now (a follower found no new data): decide the format
 * with the lines held so far, and hand over a pending multi-line record
 * once IDLE_NS passed since the last line. 0 / -1.
 */
int log_parser_idle(struct log_parser *lp, int64_t idle_ns);
/* The time of lines without one from now on (followers: the time lines are read). */
void log_parser_set_reference(struct log_parser *lp, int64_t reference);
/* At the end of the input: everything held goes out. 0 / -1. */
int log_parser_end(struct log_parser *lp);
void log_parser_release(struct log_parser *lp);
/* The format in use (after detection): its name, and whether it was guessed. */
const char *log_parser_format(const struct log_parser *lp, int *detected);
/* Records kept raw so far. */
unsigned long log_parser_raw(const struct log_parser *lp);
/* The summary for stderr when lines were kept raw: "3 of 120 lines in 'x.log' did not parse; kept as raw records". */
void log_parser_report(const struct log_parser *lp);

/* Long options shared by parse and tail (getopt codes), with -m (and -s, parse's only). */
enum {
	LOPT_FORMAT = 300, LOPT_REGEX, LOPT_TIMEZONE, LOPT_REFERENCE, LOPT_MAX_LINE,
};
#define LOG_PARSE_LONGOPTS \
	{ "format", required_argument, NULL, LOPT_FORMAT }, \
	{ "regex", required_argument, NULL, LOPT_REGEX }, \
	{ "timezone", required_argument, NULL, LOPT_TIMEZONE }, \
	{ "reference", required_argument, NULL, LOPT_REFERENCE }, \
	{ "max-line", required_argument, NULL, LOPT_MAX_LINE }, \
	{ "multiline", no_argument, NULL, 'm' }
/*
 * Handle parse option C (one of the above) with ARG: 1 if it was one, 0
 * if not, or OBS_EXIT_USAGE after printing the error.
 */
int log_parse_option(struct log_parse_opts *po, int c, const char *arg);
/* Check the settings together (zone, pattern) once options are read; 0 / OBS_EXIT_USAGE. */
int log_parse_check(const struct log_parse_opts *po);
/* The reference time of an input: the setting, else FD's modification time, else now. */
int64_t log_parse_reference(const struct log_parse_opts *po, int fd);

#endif
