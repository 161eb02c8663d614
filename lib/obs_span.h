/* SPDX-License-Identifier: MIT */
/* The span record: building it in canonical form, and its vocabulary. */
#ifndef OBS_SPAN_H
#define OBS_SPAN_H

#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"

/*
 * A span record is one JSON object with the keys in this order:
 *   type ("span"), trace_id (32 hex), span_id (16 hex), parent_span_id
 *   (absent for roots), name, service, kind (internal|server|client|
 *   producer|consumer), start, end (RFC 3339 UTC, ns), duration_ms (number,
 *   ns precision), status (ok|error|unset), status_message (only when set),
 *   attributes {}, events [{time, name, attributes}], resource {}.
 */

/*
 * New span record (new reference) with empty attributes, events and
 * resource. PARENT and STATUS_MESSAGE may be NULL; STATUS NULL is "unset".
 * An empty PARENT is a root too; KIND NULL is "internal"; NAME or SERVICE
 * NULL is "". duration_ms is (END - START) / 1e6 as a JSON real. Bytes
 * that are not UTF-8 (command lines need not be) become U+FFFD. NULL only
 * if out of memory.
 */
json_t *obs_span_new(const char *trace_id, const char *span_id, const char *parent,
		     const char *name, const char *service, const char *kind,
		     int64_t start_ns, int64_t end_ns, const char *status,
		     const char *status_message);

/*
 * Append an event {time, name, attributes} to SPAN; ATTRS (may be NULL) is
 * stolen, even on failure. -1 if SPAN has no "events" array, ATTRS is not
 * an object, or out of memory.
 */
int obs_span_add_event(json_t *span, int64_t time_ns, const char *name, json_t *attrs);

/* 1 if KIND is one of the five span kinds, else 0. */
int obs_span_kind_valid(const char *kind);
/* 1 if STATUS is ok, error or unset. */
int obs_span_status_valid(const char *status);

/*
 * Parse an attribute given as "key=value" on a command line into OBJ:
 * integers (64-bit) and floats become numbers, true/false booleans, and
 * anything else (or a value in double quotes) a string. Key must be
 * non-empty. 0 / -1 with err.
 * In detail: [-+]?[0-9]+ within int64 is an integer; otherwise a decimal
 * number that strtod reads whole and finite is a real (so no hex, inf or
 * nan; "9223372036854775808" is a real); exactly "true"/"false" are
 * booleans; "\"...\"" is the string between the quotes. An existing key
 * is replaced. "=v" or no '=' fails with
 * "invalid attribute 'x': expected KEY=VALUE".
 */
int obs_attr_parse_set(json_t *obj, const char *kv, struct obs_error *err);

/*
 * The service name: OBS_SERVICE, else OTEL_SERVICE_NAME, else
 * service.name from OTEL_RESOURCE_ATTRIBUTES, else FALLBACK. Empty values
 * count as unset. The result is borrowed: from the environment, FALLBACK,
 * or static storage that the next call replaces.
 */
const char *obs_service_name(const char *fallback);

/*
 * Resource attributes from OTEL_RESOURCE_ATTRIBUTES ("k=v,k2=v2",
 * percent-decoded), plus service.name and host.name. New reference.
 * Keys come in this order: service.name (SERVICE, or obs_service_name
 * ("unknown_service") when NULL; it beats the variable's service.name),
 * host.name (gethostname, unless the variable sets it), then the
 * variable's attributes in order (OWS trimmed, empty members skipped,
 * values strings). A malformed variable (a member without '=' or with an
 * empty key, or a value decoding to NUL) is ignored whole, as the
 * OpenTelemetry SDK spec says. NULL only if out of memory.
 */
json_t *obs_resource_new(const char *service);

#endif
