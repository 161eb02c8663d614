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
 */
json_t *obs_span_new(const char *trace_id, const char *span_id, const char *parent,
		     const char *name, const char *service, const char *kind,
		     int64_t start_ns, int64_t end_ns, const char *status,
		     const char *status_message);

/* Append an event {time, name, attributes} to SPAN; ATTRS (may be NULL) is stolen. */
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
 */
int obs_attr_parse_set(json_t *obj, const char *kv, struct obs_error *err);

/*
 * The service name: OBS_SERVICE, else OTEL_SERVICE_NAME, else
 * service.name from OTEL_RESOURCE_ATTRIBUTES, else FALLBACK.
 */
const char *obs_service_name(const char *fallback);

/*
 * Resource attributes from OTEL_RESOURCE_ATTRIBUTES ("k=v,k2=v2",
 * percent-decoded), plus service.name and host.name. New reference.
 */
json_t *obs_resource_new(const char *service);

#endif
