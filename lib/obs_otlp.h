/* SPDX-License-Identifier: MIT */
/* OTLP/HTTP bodies: obs records to ExportTrace/Metrics/LogsServiceRequest (protobuf or JSON) and back. */
#ifndef OBS_OTLP_H
#define OBS_OTLP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"

/*
 * ENCODING
 *
 * A batch takes records one at a time, as NDJSON lines (the fast path:
 * read in place with obs_jscan, no jansson tree) or as jansson objects,
 * and finishes into one request body, http/protobuf or http/json. It
 * keeps no record: each is encoded when added, into the group it belongs
 * to, so memory is bounded by the encoded size of one batch. A record that
 * cannot be encoded is refused with a reason and leaves the batch as it
 * was; the caller reports it (FILE:LINE: reason) and goes on.
 *
 * Grouping. Resources and scopes come out in the order they first
 * appear, records in each in the order they were added.
 *
 * Traces ("type":"span" records):
 *   resource   the record's "resource" object; service.name is added from
 *              "service" when the resource lacks it; then the batch's
 *              default resource attributes (b->resource) that the record's
 *              resource does not set. Records with the same service and
 *              the same resource text share one ResourceSpans.
 *   scope      attributes otel.scope.name / otel.scope.version (what
 *              obs_import makes of a scope) become the InstrumentationScope
 *              and leave the attributes; without them the scope is empty.
 *   ids        trace_id, span_id, parent_span_id from hex to bytes (either
 *              case; an empty or all-zero parent is a root); invalid or
 *              all-zero trace and span ids refuse the record.
 *   times      start / end (RFC 3339 or the other obs_time forms) as
 *              fixed64 ns; both required, end >= start. duration_ms is
 *              ignored.
 *   kind       internal/server/client/producer/consumer to SPAN_KIND_*
 *              (absent: internal); status ok/error/unset (absent: unset)
 *              to STATUS_CODE_*, status_message to Status.message.
 *   attributes JSON values to AnyValue: strings, booleans, integers that
 *              fit int64 (written without fraction or exponent) to
 *              intValue, other numbers to doubleValue, arrays to
 *              arrayValue, objects to kvlistValue, null to an empty
 *              AnyValue; at most OBS_OTLP_MAX_DEPTH levels. The attributes
 *              obs_import makes of OTLP fields go back into those fields:
 *              w3c.tracestate (Span.trace_state) and
 *              otel.dropped_{attributes,events,links}_count (the span's,
 *              an event's, a link's or the resource's dropped counts),
 *              when they are a string and a non-negative integer below
 *              2^32 respectively.
 *   events     [{time, name, attributes}] to Span.Event (time required).
 *   links      [{trace_id, span_id, tracestate, attributes}] to Span.Link.
 *
 * Metrics ("type":"metric" records, see obs_metric.h): one resource (the
 * batch's default resource, possibly empty), one empty scope; one Metric
 * per name, kind, temporality, unit and help, data points in record order.
 *   counter                  Sum, is_monotonic, AGGREGATION_TEMPORALITY_DELTA
 *                            (counters written by inc/add are deltas), or
 *                            CUMULATIVE with "cumulative": true.
 *   gauge, untyped           Gauge.
 *   histogram, summary       observations (no "cumulative") are aggregated
 *                            per series (name and labels) per batch into
 *                            one DELTA Histogram data point with explicit
 *                            bounds b->bounds (default: Prometheus's
 *                            .005 ... 10), count, sum, min, max; its start
 *                            is the first observation's time and its time
 *                            the last one's. NaN observations are refused.
 *                            Scraped samples ("cumulative": true) are the
 *                            exposition's series: *_bucket and *_count go
 *                            out as monotonic CUMULATIVE Sums (le stays a
 *                            label), *_sum as a non-monotonic CUMULATIVE
 *                            Sum, quantile series as Gauges.
 *   value                    an integer (no fraction/exponent, fits int64)
 *                            as as_int, any other number as as_double;
 *                            "NaN", "+Inf", "-Inf" as those doubles.
 *   labels, help, unit       attributes, Metric.description, Metric.unit.
 *   time                     time_unix_nano (required); start time absent.
 *
 * Logs ("type":"log" records: time, level, msg, service, trace_id,
 * span_id, other fields at the top level):
 *   time                     time_unix_nano (required); observed_time_unix_nano
 *                            is the "observed_time" field, else time.
 *   level                    severity_text as written; severity_number
 *                            by the OpenTelemetry log data model (case
 *                            insensitive): trace 1, debug 5, info 9,
 *                            notice 10, warn/warning 13, error/err 17,
 *                            fatal/critical/crit/alert/emerg/panic 21,
 *                            anything else 0 (unspecified).
 *   msg                      body, a string AnyValue (absent: no body).
 *   trace_id, span_id        bytes when they are valid ids; otherwise they
 *                            stay attributes.
 *   resource                 a top-level "resource" object is the resource
 *                            (as for spans, with service.name from
 *                            "service" and the defaults); otel.scope.name
 *                            and otel.scope.version fields the scope.
 *   anything else            attributes, typed as for spans.
 *
 * JSON bodies follow the OTLP JSON rules: lowerCamelCase names, trace and
 * span ids as lowercase hex, enums as integers, 64-bit integers (times,
 * intValue, asInt, counts) as decimal strings, NaN and infinities as
 * "NaN"/"Infinity"/"-Infinity", default values left out.
 *
 * OTEL_RESOURCE_ATTRIBUTES: the caller merges it, by passing the
 * attributes (e.g. from obs_resource_new) as b->resource.
 */

#define OBS_OTLP_MAX_DEPTH 32        /* nesting of attribute values */

enum obs_otlp_signal {
	OBS_OTLP_TRACES,
	OBS_OTLP_METRICS,
	OBS_OTLP_LOGS,
};

enum obs_otlp_encoding {
	OBS_OTLP_PROTOBUF,     /* http/protobuf */
	OBS_OTLP_JSON,         /* http/json */
};

/* "traces", "metrics", "logs" (also "spans", "logs"); 0, or -1 if unknown. */
int obs_otlp_signal_parse(const char *s, enum obs_otlp_signal *sig);
const char *obs_otlp_signal_name(enum obs_otlp_signal sig);
/* The record type of SIG: "span", "metric", "log". */
const char *obs_otlp_record_type(enum obs_otlp_signal sig);
/* The OTLP/HTTP path: "/v1/traces", "/v1/metrics", "/v1/logs". */
const char *obs_otlp_path(enum obs_otlp_signal sig);
/* "http/protobuf" (or "protobuf"), "http/json" (or "json"); 0, or -1 if unknown ("grpc" is). */
int obs_otlp_encoding_parse(const char *s, enum obs_otlp_encoding *enc);
const char *obs_otlp_encoding_name(enum obs_otlp_encoding enc);
/* "application/x-protobuf" or "application/json". */
const char *obs_otlp_content_type(enum obs_otlp_encoding enc);

struct obs_otlp_state;

struct obs_otlp_batch {
	/* Settings: fill in after _init, before the first add. */
	const json_t *resource;   /* default resource attributes (borrowed), or NULL */
	const double *bounds;     /* histogram bounds, strictly increasing, finite (borrowed) */
	size_t nbounds;           /* default: Prometheus's 11 bounds */

	/* Read-only. */
	enum obs_otlp_signal signal;
	enum obs_otlp_encoding encoding;
	size_t records;           /* records in the batch */
	size_t bytes;             /* encoded bytes so far: about the body's size */

	/* Private. */
	struct obs_otlp_state *st;
};

/* An empty batch for SIGNAL in ENCODING (allocates nothing yet). */
void obs_otlp_batch_init(struct obs_otlp_batch *b, enum obs_otlp_signal signal,
			 enum obs_otlp_encoding encoding);
/* Free everything, the last body included. */
void obs_otlp_batch_release(struct obs_otlp_batch *b);

/*
 * Add one record given as JSON text (LINE, LEN bytes, not necessarily
 * NUL-terminated; borrowed). 0, or -1 with err and the batch unchanged:
 * "invalid JSON at byte 17" (from obs_jscan), "not a span record",
 * "missing 'start'", "invalid trace_id 'xyz'", "unknown kind 'x'",
 * "attribute 'k': value nested deeper than 32 levels", "event 2: missing
 * 'time'", "unknown metric_type 'x'", "histogram observation is NaN",
 * "out of memory", ...
 */
int obs_otlp_batch_add(struct obs_otlp_batch *b, const char *line, size_t len,
		       struct obs_error *err);
/* Add the record REC (borrowed), as obs_otlp_batch_add does. */
int obs_otlp_batch_add_json(struct obs_otlp_batch *b, const json_t *rec, struct obs_error *err);

/*
 * The request body of everything added since the last finish (an empty
 * request, e.g. "{}" or zero bytes, when nothing was): *body points into
 * the batch and stays valid until the next call on it. The batch is empty
 * again afterwards, its buffers kept for the next one. 0, or -1 with err
 * (out of memory; the batch is then emptied).
 */
int obs_otlp_batch_finish(struct obs_otlp_batch *b, const uint8_t **body, size_t *len,
			  struct obs_error *err);

/*
 * DECODING (the receiver's side): one protobuf ExportTrace/Metrics/Logs
 * ServiceRequest into records.
 *
 * The body's wire format is checked whole before any record is emitted: a
 * malformed body ("truncated protobuf at byte N", a wire type that does
 * not fit a field, messages nested too deep) emits nothing and returns -1.
 * Otherwise each record is handed to emit, and an item that cannot be
 * converted is counted and told to warn as "span N: reason" ("log N: ",
 * "metric N: "), as obs_import does; the request still succeeds (the
 * receiver reports the count as a partial success).
 *
 * Traces: exactly the records obs_import_otlp_json makes of the same
 * request in JSON (same mapping, same key order, same messages for the
 * same faults). bytesValue attributes become base64 strings.
 *
 * Metrics: Gauge points are gauge records; monotonic Sums counter records
 * ("cumulative": true for CUMULATIVE temporality); non-monotonic Sums
 * gauges; Histograms the exposition's series NAME_bucket{le} (cumulative
 * counts, le "+Inf" last), NAME_sum, NAME_count of metric_type histogram
 * with "cumulative": true (DELTA histograms: metric_type counter, no
 * "cumulative", as deltas); Summaries NAME{quantile}, NAME_sum, NAME_count
 * of metric_type summary, cumulative. Names and label names that are not
 * valid for Prometheus get '_' for each invalid character. Attributes
 * become labels (non-string values as their JSON text); the resource's
 * service.name (with service.namespace "ns/name") and service.instance.id
 * become the labels job and instance unless set, as Prometheus does.
 * Exponential histograms are refused ("metric N: exponential histograms
 * are not supported").
 *
 * Logs: time_unix_nano (else observed_time_unix_nano) is time; level from
 * severity_number (1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20
 * error, 21-24 fatal), else severity_text lower-cased, else "unknown";
 * a string body is msg (another body goes to "body" as JSON, msg ""); the
 * service as for spans; trace_id/span_id in hex when set; attributes as
 * top-level fields (one whose name is taken gets "attributes." in front);
 * resource attributes other than service.name as a "resource" object;
 * the scope as otel.scope.name / otel.scope.version; observed time, when
 * it differs from time, as observed_time.
 */

/* Receives each record (new reference, owned by the callback whatever it returns) and its time. */
typedef int obs_otlp_emit_fn(void *ctx, json_t *rec, int64_t time_ns, struct obs_error *err);
typedef void obs_otlp_warn_fn(void *ctx, const char *msg);

struct obs_otlp_decoder {
	obs_otlp_emit_fn *emit;   /* required */
	obs_otlp_warn_fn *warn;   /* may be NULL */
	void *ctx;
	unsigned long records;    /* emitted, over all calls */
	unsigned long rejected;   /* items told to warn, over all calls */
};

void obs_otlp_decoder_init(struct obs_otlp_decoder *d, obs_otlp_emit_fn *emit,
			   obs_otlp_warn_fn *warn, void *ctx);

/*
 * Decode BODY (LEN bytes, protobuf) as the request of SIGNAL. 0, or -1
 * with err when the body is malformed (nothing emitted) or emit failed.
 */
int obs_otlp_decode(struct obs_otlp_decoder *d, enum obs_otlp_signal signal, const void *body,
		    size_t len, struct obs_error *err);

/*
 * Finite D as the shortest text that reads back exactly, whole numbers
 * without an exponent ("10", as Prometheus writes le): the numbers of
 * OTLP JSON and of decoded records. Returns the length, as snprintf.
 */
size_t obs_otlp_format_double(double d, char *buf, size_t size);

/*
 * gzip helpers for Content-Encoding: gzip. A buffer is reused and grown
 * across calls; it also keeps the compressor between calls (zlib's
 * deflateReset instead of a new stream: a third faster for 100 KB bodies).
 * Start it zeroed ({0}), free it with obs_otlp_buf_release.
 */
struct obs_otlp_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	void *z;          /* private: the compressor */
	int zlevel;
};

void obs_otlp_buf_release(struct obs_otlp_buf *buf);

/* Compress IN (LEN bytes) at LEVEL (0-9, -1 zlib's default) into OUT. 0 / -1 with err. */
int obs_otlp_gzip(const void *in, size_t len, int level, struct obs_otlp_buf *out,
		  struct obs_error *err);
/*
 * Decompress gzip IN into OUT, at most MAX bytes (checked while
 * inflating): "request body larger than N bytes after decompression",
 * "invalid gzip body: ...", "truncated gzip body". 0 / -1 with err.
 */
int obs_otlp_gunzip(const void *in, size_t len, size_t max, struct obs_otlp_buf *out,
		    struct obs_error *err);

#endif
