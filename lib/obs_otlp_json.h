/* SPDX-License-Identifier: MIT */
/* OTLP/HTTP JSON request bodies turned into their protobuf form, so that one decoder reads both encodings. */
#ifndef OBS_OTLP_JSON_H
#define OBS_OTLP_JSON_H

#include <jansson.h>

#include "obs_error.h"
#include "obs_otlp.h"
#include "obs_pb.h"

/*
 * A receiver gets OTLP requests in either encoding; the protobuf decoder
 * (obs_otlp_decode) has the mapping to records. This module re-encodes a
 * JSON request as the protobuf request it stands for, field by field from
 * the OTLP schema (opentelemetry-proto v1: common, resource, trace,
 * metrics, logs), so both encodings give the same records, the same
 * rejections and the same messages.
 *
 * JSON as the OTLP/HTTP specification and the protobuf JSON mapping have
 * it:
 *   names      lowerCamelCase ("timeUnixNano") or the proto names
 *              ("time_unix_nano"); unknown names are ignored, as OTLP asks
 *              of receivers; null is an absent field.
 *   ids        traceId, spanId, parentSpanId (spans, links, logs,
 *              exemplars): hex, either case (OTLP's rule), or base64 (what
 *              generic protobuf JSON encoders write); "" is empty. A wrong
 *              length is carried over, for the decoder to reject the item.
 *   bytes      other bytes fields (bytesValue) base64, standard or URL-safe,
 *              padding optional.
 *   integers   numbers or decimal strings ("1700000000000000000"); whole
 *              reals (1e3) too; 64-bit range checked; uint fields refuse
 *              negative values.
 *   doubles    numbers, numeric strings, "NaN", "Infinity", "-Infinity".
 *   enums      integers or their names ("SPAN_KIND_SERVER",
 *              "AGGREGATION_TEMPORALITY_CUMULATIVE", "SEVERITY_NUMBER_INFO2").
 *   repeated   arrays; numeric repeated fields are written packed.
 * A value of the wrong JSON type, an integer out of range, an unknown
 * enum name or an id that is neither hex nor base64 makes the whole body
 * invalid, as a protobuf body of the wrong wire type is: "resourceSpans[0]
 * .scopeSpans[0].spans[2].kind: unknown enum value 'SPAN_KIND_X'". Objects
 * nested deeper than OBS_PB_MAX_DEPTH are refused the same way.
 */

/*
 * Append to W the protobuf Export<SIG>ServiceRequest that DOC (borrowed)
 * stands for. DOC must be an object. 0, or -1 with err (W then holds a
 * partial message: reset it).
 */
int obs_otlp_json_to_pb(enum obs_otlp_signal sig, const json_t *doc, struct obs_pb_writer *w,
			struct obs_error *err);

/*
 * Decode the JSON request DOC as D would decode its protobuf form: 0, or
 * -1 with err when DOC is not a valid request (nothing emitted) or emit
 * failed.
 */
int obs_otlp_json_decode(struct obs_otlp_decoder *d, enum obs_otlp_signal sig, const json_t *doc,
			 struct obs_error *err);

#endif
