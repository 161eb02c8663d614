/* SPDX-License-Identifier: MIT */
/* Converting OTLP JSON, Zipkin v2 JSON and Jaeger JSON traces into span records. */
#ifndef OBS_IMPORT_H
#define OBS_IMPORT_H

#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"

/*
 * The converters walk a parsed document and hand every span they can read
 * to an emit callback as a span record (see obs_span.h; an extra "links"
 * array [{trace_id, span_id, tracestate (when not empty), attributes}]
 * follows "events" when the span has links). A span that cannot be read (invalid or missing id, missing
 * start or end time, a value of the wrong type, ...) is rejected: it is
 * counted and described to the warn callback as "span N: reason", N being
 * the 1-based position of the span in the document; conversion goes on
 * with the next span. A malformed part of the document above the spans
 * ("resourceSpans[2]: not an object") is reported and counted the same way.
 *
 * Mapping, common to the three formats:
 *   kind       lower-case; unspecified is "internal"
 *   status     ok / error / unset, status_message when non-empty
 *   service    resource service.name, else "unknown_service" (OpenTelemetry's
 *              default; "unknown_service:<process.executable.name>" when that
 *              resource attribute is known)
 *   attributes flattened to JSON values: arrays stay arrays, key-value lists
 *              become objects, bytes stay base64 strings
 *   dropped attribute/event/link counts, when not zero, become the attributes
 *   otel.dropped_attributes_count / otel.dropped_events_count /
 *   otel.dropped_links_count (on the span, event, link or resource they
 *   belong to); a span's non-empty W3C tracestate becomes its attribute
 *   w3c.tracestate (as OpenTelemetry's Jaeger mapping does).
 *
 * OTLP JSON (TracesData / ExportTraceServiceRequest, protobuf JSON mapping
 * with OTLP's hex ids): lowerCamelCase and snake_case field names; 64-bit
 * integers as numbers or decimal strings; enums as integers or names
 * (SPAN_KIND_SERVER, STATUS_CODE_ERROR); trace ids 32 and span ids 16 hex
 * digits of either case (base64 ids of 16 and 8 bytes, as written by generic
 * protobuf JSON encoders, are accepted too); an empty or all-zero parent is a
 * root. The instrumentation scope becomes otel.scope.name and
 * otel.scope.version; the deprecated instrumentationLibrarySpans is read too.
 *
 * Zipkin v2 JSON: an array of spans (or an array of traces, each an array of
 * spans, as /api/v2/traces returns). Ids are 1-32 (trace) and 1-16 (span)
 * hex digits, left-padded with zeros, as Zipkin itself does. timestamp and
 * duration are microseconds. localEndpoint.serviceName is the service;
 * remoteEndpoint becomes peer.service, network.peer.address and
 * network.peer.port, localEndpoint's address network.local.address and
 * network.local.port; tags are attributes, except "error" (status error, its
 * value the message) and otel.status_code / otel.status_description;
 * annotations are events; shared and debug, when true, become zipkin.shared
 * and zipkin.debug.
 *
 * Jaeger JSON (query API / UI download): {"data": [trace, ...]} or a single
 * trace {traceID, spans, processes}. Ids as for Zipkin. The parent is the
 * first CHILD_OF reference within the trace, else the first FOLLOWS_FROM
 * one; the other references become links with attribute
 * opentracing.ref_type ("child_of" / "follows_from"). The process (embedded
 * "process" or processes[processID]) gives the service and the resource
 * (service.name, then the process tags). Tags are attributes, typed by
 * their "type" (string, bool, int64, float64, binary), except span.kind (the
 * kind, when valid), error (true: status error) and otel.status_code /
 * otel.status_description. Logs are events named by their "event" field
 * ("log" when there is none).
 */

enum obs_import_format {
	OBS_IMPORT_AUTO,
	OBS_IMPORT_OTLP,
	OBS_IMPORT_ZIPKIN,
	OBS_IMPORT_JAEGER,
};

/*
 * Receives each span record. SPAN is a new reference that the callback owns
 * (it must json_decref it, whatever it returns); START_NS is the span's
 * start time. Return 0 to go on, -1 (with err) to stop the conversion, which
 * then returns -1 with that error.
 */
typedef int obs_import_emit_fn(void *ctx, json_t *span, int64_t start_ns,
			       struct obs_error *err);
/* Receives "span N: reason" for every rejected span or malformed part. */
typedef void obs_import_warn_fn(void *ctx, const char *msg);

struct obs_import {
	/* Settings: emit is required, warn may be NULL. */
	obs_import_emit_fn *emit;
	obs_import_warn_fn *warn;
	void *ctx;                /* passed to both callbacks */

	/* Counters, added to by every conversion (zero them to start over). */
	unsigned long spans;      /* records emitted */
	unsigned long rejected;   /* spans and malformed parts reported to warn */
};

/* Set up IM with its callbacks and zero counters. */
void obs_import_init(struct obs_import *im, obs_import_emit_fn *emit, obs_import_warn_fn *warn,
		     void *ctx);

/*
 * Convert one document (borrowed; not modified). Returns 0 when the
 * document has the expected shape, even if some of its spans were
 * rejected; -1 with err when it does not ("not an OTLP TracesData object:
 * missing 'resourceSpans'") or when emit failed. An empty OTLP object {} and
 * an empty Zipkin array are valid documents without spans.
 */
int obs_import_otlp_json(struct obs_import *im, json_t *doc, struct obs_error *err);
int obs_import_zipkin_json(struct obs_import *im, json_t *doc, struct obs_error *err);
int obs_import_jaeger_json(struct obs_import *im, json_t *doc, struct obs_error *err);

/*
 * Which format DOC is in, from its top level: an object with resourceSpans
 * (or an empty object) is OTLP; an array whose first element is an object
 * with traceId or id, or an array of such arrays, or an empty array, is
 * Zipkin; an object with a "data" array, or with "spans" and "processes",
 * is Jaeger. Returns 1 and sets *fmt, or 0 when the shape is none of these.
 */
int obs_import_detect(const json_t *doc, enum obs_import_format *fmt);

/* Convert DOC as FMT; OBS_IMPORT_AUTO detects it first (-1 if unknown). */
int obs_import_json(struct obs_import *im, enum obs_import_format fmt, json_t *doc,
		    struct obs_error *err);

/* "auto", "otlp", "zipkin", "jaeger" to the enum: 0, or -1 if unknown. */
int obs_import_format_parse(const char *name, enum obs_import_format *fmt);
/* The name of FMT ("auto", "otlp", ...). */
const char *obs_import_format_name(enum obs_import_format fmt);

#endif
