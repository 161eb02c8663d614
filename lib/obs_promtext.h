/* SPDX-License-Identifier: MIT */
/* The Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text: a streaming parser and a writer. */
#ifndef OBS_PROMTEXT_H
#define OBS_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"
#include "obs_metric.h"

#define OBS_PROMTEXT_MAX_LINE (1024 * 1024)
/* Enough for any value obs_promtext_format_value writes ("-1.2345678901234567e-308"). */
#define OBS_PROMTEXT_VALUE_BUFSZ 32

/* ==== parsing ============================================================ */

/*
 * What the parser accepts
 *
 * Text format 0.0.4 (text/plain; version=0.0.4):
 *   - lines end with '\n'; a final line without one is accepted and flagged
 *     (parser.torn = 1); a trailing '\r' is dropped; blank lines are ignored;
 *     leading and trailing blanks/tabs are ignored; tokens are separated by
 *     any run of blanks and tabs, which may also surround '{', '=', ',' and
 *     '}' inside a label set;
 *   - "# HELP name text" (escapes \\ and \n) and "# TYPE name type" with
 *     type counter, gauge, histogram, summary or untyped; at most one of
 *     each per name, and both before that name's first sample; any other
 *     '#' line is a comment and is ignored;
 *   - samples: name [ "{" label="value" { "," label="value" } [","] "}" ]
 *     value [ timestamp ]; "{}" is allowed; label values take the escapes
 *     \\ \" \n and must be UTF-8 without NUL bytes; label names may not
 *     repeat; values as Prometheus reads them (Go's strconv.ParseFloat
 *     without hex floats or '_' separators, which Prometheus refuses too):
 *     1, -1.5, .5, 5., 1e3, 1E-3, +7, NaN, Inf, +Inf, -Inf, infinity (any
 *     case), but not "+NaN" nor values that overflow a double; timestamps
 *     are int64 milliseconds since the epoch and may be negative;
 *   - families: a sample NAME belongs to the family NAME when a TYPE or HELP
 *     line declared it, else to the histogram family X when NAME is X_bucket
 *     (which must carry a numeric "le" label), X_sum or X_count, to the
 *     summary family X when NAME is X_sum or X_count, or is X itself (which
 *     must carry a numeric "quantile" label); otherwise NAME is an untyped
 *     family of its own. A histogram's bare X is refused. Families may be
 *     interleaved (Prometheus accepts that too).
 * OpenMetrics 1.0 (application/openmetrics-text; version=1.0.0), in addition:
 *   - "# UNIT name unit" (the unit must be a suffix of the name), the types
 *     gaugehistogram, stateset, info and unknown, "# EOF" as the last line,
 *     HELP escape \", timestamps in seconds with a fraction ("1520879607.789"),
 *     exemplars after a sample ("foo_bucket{le="1"} 3 # {trace_id="a"} 0.6
 *     1520879607.789"), which are parsed and handed over in sample.exemplar;
 *   - family suffixes: counter X_total and X_created, histogram X_created,
 *     summary X_created, gaugehistogram X_bucket/X_gsum/X_gcount, info X_info.
 *     The suffixes _total/_created/_info are also recognised in AUTO mode.
 * AUTO (the default) reads both: it starts as 0.0.4 and switches to
 * OpenMetrics (parser.openmetrics = 1) on the first UNIT line, OpenMetrics
 * type, exemplar, fractional timestamp or "# EOF". Integer timestamps read
 * before that are milliseconds, after it seconds: a caller that knows the
 * Content-Type should set the format (obs_promtext_format_from_content_type).
 * In AUTO and OpenMetrics modes nothing but blank lines may follow "# EOF";
 * in OpenMetrics mode a missing "# EOF" is an error, and all timestamps are
 * seconds. OpenMetrics mode is otherwise as lenient as 0.0.4 (blank lines,
 * other comments, "untyped", bare counter names are accepted; OpenMetrics
 * rules on counter values, bucket order or MetricPoint order are not checked).
 * Not accepted: undefined escapes (OpenMetrics says SHOULD NOT), NUL bytes
 * and invalid UTF-8 in label values and HELP, Prometheus 3 quoted UTF-8
 * metric names.
 *
 * Errors are "NAME:LINE: problem", e.g. "node.prom:7: duplicate label 'cpu'":
 * invalid metric name 'X', invalid label name 'X', expected '=' after label
 * name 'X', expected '"' to start the value of label 'X', unterminated quoted
 * string, invalid escape sequence '\X', invalid UTF-8 in label value of 'X',
 * duplicate label 'X', expected ',' or '}' after the value of label 'X',
 * expected label name, found 'X', missing value, invalid value 'X', invalid
 * timestamp 'X', unexpected text after timestamp 'X', invalid exemplar: ...,
 * exemplars are not allowed in text format 0.0.4, HELP/TYPE/UNIT line without
 * a metric name, TYPE line for 'X' without a type, unknown metric type 'X',
 * unexpected text after the type in TYPE line, second HELP/TYPE/UNIT line for
 * 'X', HELP/TYPE/UNIT line for 'X' after its samples, invalid UTF-8 in HELP
 * text of 'X', invalid unit 'X', unit 'X' is not a suffix of 'Y', histogram
 * sample 'X' needs a _bucket, _sum or _count suffix, missing 'le' label,
 * invalid 'le' label value 'X', missing 'quantile' label, invalid 'quantile'
 * label value 'X', text after '# EOF', missing '# EOF', line too long.
 */

enum obs_promtext_format {
	OBS_PROMTEXT_AUTO = 0,
	OBS_PROMTEXT_TEXT,          /* text/plain; version=0.0.4 */
	OBS_PROMTEXT_OPENMETRICS,   /* application/openmetrics-text; version=1.0.0 */
};

/* What a sample is within its family. */
enum obs_promtext_role {
	OBS_PROMTEXT_PLAIN,      /* the value of a counter, gauge, untyped, stateset, info or unknown */
	OBS_PROMTEXT_BUCKET,     /* X_bucket{le="..."} of a histogram or gaugehistogram */
	OBS_PROMTEXT_SUM,        /* X_sum (gaugehistogram: X_gsum) */
	OBS_PROMTEXT_COUNT,      /* X_count (gaugehistogram: X_gcount) */
	OBS_PROMTEXT_QUANTILE,   /* X{quantile="..."} of a summary */
	OBS_PROMTEXT_CREATED,    /* X_created (OpenMetrics): creation time, in seconds */
};

struct obs_promtext_label {
	const char *name;
	const char *value;   /* unescaped; valid UTF-8 without NUL */
};

struct obs_promtext_exemplar {
	const struct obs_promtext_label *labels;
	size_t nlabels;
	double value;
	int has_time;
	int64_t time_ns;
};

/*
 * One sample, handed to the callback. Everything it points to is borrowed
 * and valid only during the call.
 */
struct obs_promtext_sample {
	const char *family;           /* the family (TYPE/HELP) name */
	enum obs_metric_type type;    /* family type: gaugehistogram, stateset and info
					 map to gauge, unknown to untyped */
	const char *type_name;        /* as written in TYPE ("gaugehistogram", ...);
					 "untyped" when there is no TYPE line */
	const char *help;             /* unescaped HELP text, NULL if none */
	const char *unit;             /* OpenMetrics UNIT, NULL if none */
	const char *name;             /* the sample's own name (foo_bucket, foo_total, ...) */
	enum obs_promtext_role role;
	const struct obs_promtext_label *labels;   /* in input order */
	size_t nlabels;
	double value;
	int has_time;                 /* 1 if the line had a timestamp */
	int64_t time_ns;
	const struct obs_promtext_exemplar *exemplar;   /* NULL if none */
	unsigned long lineno;
};

/*
 * Called for every sample, in input order. Return 0 to go on, or -1 with
 * ERR set to stop: the parser then returns -1 with that message untouched.
 */
typedef int obs_promtext_sample_fn(void *ctx, const struct obs_promtext_sample *s,
				   struct obs_error *err);
/* Receives "NAME:LINE: problem" for each line skipped when warn is set. */
typedef void obs_promtext_warn_fn(void *ctx, const char *msg);

/*
 * A streaming parser: feed it bytes in chunks of any size (or whole lines);
 * it keeps one line at a time, plus one small entry per family name (for
 * HELP/TYPE rules), so memory is bounded by the longest line and the number
 * of families, never by the number of samples.
 */
struct obs_promtext_parser {
	/* Settings: fill in after _init, before the first _feed. */
	enum obs_promtext_format format;   /* default OBS_PROMTEXT_AUTO */
	size_t max_line;                   /* default OBS_PROMTEXT_MAX_LINE */
	obs_promtext_warn_fn *warn;        /* NULL: the first bad line is an error;
					      else bad lines go here and are skipped */
	void *warn_ctx;

	/* Read-only state. */
	char *name;               /* input name used in messages */
	unsigned long lineno;     /* lines read so far */
	unsigned long samples;    /* samples handed to the callback */
	unsigned long skipped;    /* bad lines skipped (warn mode) */
	int openmetrics;          /* 1 when the input is (known to be) OpenMetrics */
	int eof;                  /* 1 once "# EOF" was read */
	int torn;                 /* 1 if the last line had no newline */

	/* Private. */
	obs_promtext_sample_fn *fn;
	void *ctx;
	char *buf;                /* partial line */
	size_t len, cap;
	int discarding;           /* skipping the rest of an over-long line */
	void *priv;
};

/* Set up a parser that calls FN(CTX, ...) per sample; NAME (copied) is used in messages. */
int obs_promtext_parser_init(struct obs_promtext_parser *p, const char *name,
			     obs_promtext_sample_fn *fn, void *ctx, struct obs_error *err);
/* Parse LEN more bytes; lines may be split across calls anywhere. */
int obs_promtext_feed(struct obs_promtext_parser *p, const char *data, size_t len,
		      struct obs_error *err);
/* Parse one line given without its '\n' (do not mix with a pending partial line from _feed). */
int obs_promtext_feed_line(struct obs_promtext_parser *p, const char *line, size_t len,
			   struct obs_error *err);
/* End of input: parses a last line without newline and checks "# EOF" rules. */
int obs_promtext_finish(struct obs_promtext_parser *p, struct obs_error *err);
void obs_promtext_parser_release(struct obs_promtext_parser *p);

/* Whole buffer in one call (init, feed, finish, release); strict (first error stops). */
int obs_promtext_parse(const char *name, const char *data, size_t len,
		       enum obs_promtext_format format, obs_promtext_sample_fn *fn, void *ctx,
		       struct obs_error *err);
/* Read FD to its end through an initialised parser, then finish. FD is not closed. */
int obs_promtext_parse_fd(struct obs_promtext_parser *p, int fd, struct obs_error *err);

/*
 * The format a Content-Type header announces: "application/openmetrics-text"
 * is OpenMetrics, "text/plain" is 0.0.4, anything else (or NULL) AUTO.
 */
enum obs_promtext_format obs_promtext_format_from_content_type(const char *content_type);

/* Leave "help" and "unit" out of records made by obs_promtext_sample_record. */
#define OBS_PROMTEXT_NO_HELP 1u

/*
 * A metric record (obs_metric_new; new reference) for sample S: name is the
 * sample name, labels are the sample's plus EXTRA_LABELS (may be NULL;
 * borrowed, e.g. {"job":"node","instance":"host:9100"}), time is the
 * sample's timestamp or DEFAULT_TIME_NS (the scrape time) when it has none.
 * As Prometheus does (honor_labels: false), an extra label wins over a
 * sample label of the same name, which is kept as "exported_NAME".
 * Types: counters become counter records with "cumulative": true; histogram
 * _bucket/_sum/_count and summary quantile/_sum/_count samples become
 * histogram/summary records with "cumulative": true; X_created samples
 * become gauges; gaugehistogram, stateset and info parts become gauges;
 * gauges and untyped stay as they are. Exemplars are not carried over.
 * NULL with ERR set if EXTRA_LABELS is not an object of strings or memory ran out.
 */
json_t *obs_promtext_sample_record(const struct obs_promtext_sample *s, json_t *extra_labels,
				   int64_t default_time_ns, unsigned flags, struct obs_error *err);

/*
 * Parse a value as Prometheus does (see above); S need not be
 * NUL-terminated. 0, or -1 if S is not a valid value.
 */
int obs_promtext_parse_value(const char *s, size_t len, double *v);

/*
 * Format V as Go's strconv.FormatFloat(v, 'g', -1, 64), which Prometheus
 * uses: the shortest digits that read back to V, in exponent form when the
 * decimal exponent is below -4 or at least 6 ("123456", "1e+06",
 * "0.0001", "1.5e-05"), and "NaN", "+Inf", "-Inf". Returns the length
 * (snprintf-style; BUF of OBS_PROMTEXT_VALUE_BUFSZ always suffices).
 */
size_t obs_promtext_format_value(double v, char *buf, size_t size);

/* ==== writing ============================================================ */

/*
 * The writer turns metric records into text format 0.0.4. Records are added
 * one by one (streamed) and aggregated per series, so memory is bounded by
 * the number of series. Output is deterministic: families sorted by name,
 * each with "# HELP" (when a record had help; escapes \\ and \n) and
 * "# TYPE", series sorted by their label sets (label names sorted, "le" and
 * "quantile" last), label values escaped (\\ \" \n), values formatted as
 * obs_promtext_format_value.
 *
 * Per series (name + labels):
 *   counter, delta records (from inc/add): the sum of the deltas;
 *   counter, cumulative records (from a scrape): the latest value by time
 *     (when a series has both, the latest cumulative value wins);
 *   gauge, untyped: the latest value by time (equal times: the later record);
 *   histogram observations (no "cumulative"): cumulative _bucket{le} counts
 *     over the configured buckets plus le="+Inf", then _sum and _count;
 *     a NaN observation counts in +Inf only and makes _sum NaN;
 *   summary observations: _sum and _count only (no quantiles: there is no
 *     sketch here);
 *   histogram/summary samples from a scrape ("cumulative": true, names
 *     X_bucket, X_sum, X_count, or X with a "quantile" label): passed through
 *     with their latest values under family X. When observations and
 *     scraped samples give the same line, the observation's line is kept.
 * A counter family is named after its records (name them "..._total").
 * The family type is set by the first record; a later record of the same
 * family with another type is refused by _add.
 */
struct obs_promtext_writer {
	/* Settings: fill in after _init, before the first _add. */
	int timestamps;   /* 1: write each series' time in ms (truncated): that of the
			     value shown (gauges, untyped, scraped parts, cumulative
			     counters) or of the latest record (deltas, observations);
			     none for records without "time". Not for node_exporter's
			     textfile collector, which refuses timestamps. */

	/* Read-only state. */
	size_t nfamilies;
	size_t nseries;

	/* Private. */
	double *buckets;
	size_t nbuckets;
	void *priv;
};

void obs_promtext_writer_init(struct obs_promtext_writer *w);
/*
 * Histogram bucket upper bounds for observations (copied): finite and
 * strictly increasing; +Inf is always added. The default is Prometheus's:
 * .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10. Call before the first _add.
 */
int obs_promtext_writer_set_buckets(struct obs_promtext_writer *w, const double *bounds,
				    size_t n, struct obs_error *err);
/*
 * Add a metric record (borrowed; see obs_metric.h). -1 with ERR if the
 * record cannot be used ("not a metric record", "invalid metric name 'x'",
 * "'x' is a gauge, not a counter", ...): the writer is unchanged and stays
 * usable, so a caller may report the record and go on.
 */
int obs_promtext_writer_add(struct obs_promtext_writer *w, json_t *rec, struct obs_error *err);

/* Receives the output in pieces; return 0, or -1 with ERR set to stop. */
typedef int obs_promtext_out_fn(void *ctx, const char *data, size_t len, struct obs_error *err);
/* Write the exposition through OUT (may be called again: adding more records is allowed). */
int obs_promtext_writer_emit(struct obs_promtext_writer *w, obs_promtext_out_fn *out, void *ctx,
			     struct obs_error *err);
/* The exposition as a NUL-terminated string (caller frees), length in *LEN (may be NULL). */
char *obs_promtext_writer_text(struct obs_promtext_writer *w, size_t *len, struct obs_error *err);
/* Write the exposition to FD (loops on short writes). */
int obs_promtext_writer_write_fd(struct obs_promtext_writer *w, int fd, struct obs_error *err);
void obs_promtext_writer_release(struct obs_promtext_writer *w);

/*
 * Parse a bucket list "0.1,0.5,1,2.5" (blanks allowed around commas) into
 * a new array (caller frees *BOUNDS) for obs_promtext_writer_set_buckets.
 */
int obs_promtext_buckets_parse(const char *s, double **bounds, size_t *n, struct obs_error *err);

/*
 * Atomically replace DIR/NAME.prom (".prom" is added unless NAME ends with
 * it) with DATA, for node_exporter's textfile collector: write a temporary
 * file in DIR whose name does not end in ".prom" (so the collector never
 * reads it half-written), fsync it, make it 0644 (the collector runs as
 * another user), rename it over the target and fsync DIR. NAME must not be
 * empty, contain '/', or start with '.'.
 */
int obs_promtext_textfile_write(const char *dir, const char *name, const char *data, size_t len,
				struct obs_error *err);

#endif
