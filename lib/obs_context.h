/* SPDX-License-Identifier: MIT */
/* The context a wrapper gives its child: parent from the environment, sampling, new span. */
#ifndef OBS_CONTEXT_H
#define OBS_CONTEXT_H

#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"
#include "obs_tracectx.h"

/* OTEL_TRACES_SAMPLER values. */
enum obs_sampler {
	OBS_SAMPLER_PARENTBASED_ALWAYS_ON,   /* the default */
	OBS_SAMPLER_PARENTBASED_ALWAYS_OFF,
	OBS_SAMPLER_PARENTBASED_TRACEIDRATIO,
	OBS_SAMPLER_ALWAYS_ON,
	OBS_SAMPLER_ALWAYS_OFF,
	OBS_SAMPLER_TRACEIDRATIO,
};

/*
 * Read OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. An unknown sampler
 * or a bad ratio gives the default (as the OpenTelemetry spec says) and
 * returns -1 with err describing it, so the caller can warn; else 0.
 */
int obs_sampler_from_env(enum obs_sampler *s, double *ratio, struct obs_error *err);

/*
 * The sampling decision for a new span: parent-based samplers follow the
 * parent's sampled flag when there is a parent; the ratio sampler compares
 * the trace id's lower 8 bytes with RATIO as OpenTelemetry SDKs do.
 */
int obs_sampler_sample(enum obs_sampler s, double ratio, const uint8_t trace_id[16],
		       int has_parent, int parent_sampled);

/* 1 if OTEL_SDK_DISABLED is "true" (any case). */
int obs_sdk_disabled(void);

/*
 * A child span's context. init reads TRACEPARENT (an invalid one is
 * ignored and a new trace starts, as W3C Trace Context says), keeps
 * TRACESTATE only with a valid parent, draws a new span id (and trace id
 * for a root) and decides sampling.
 */
struct obs_context_child {
	int has_parent;
	int keep_tracestate;                   /* TRACESTATE valid, with a valid parent */
	int recording;                         /* sampled: record the span */
	int sampler_invalid;                   /* OTEL_TRACES_SAMPLER was bad */
	struct obs_trace_ctx parent, self;
	char trace_id[OBS_TRACE_ID_HEX + 1];
	char span_id[OBS_SPAN_ID_HEX + 1];
	char parent_span_id[OBS_SPAN_ID_HEX + 1];   /* "" for a root */
	char traceparent[OBS_TRACEPARENT_LEN + 1];  /* the child's */
	char sampler_error[OBS_ERROR_MAX];
};

int obs_context_child_init(struct obs_context_child *cc, struct obs_error *err);
/* Like init, from explicit header values (NULL = absent) instead of the environment. */
int obs_context_child_init_from(struct obs_context_child *cc, const char *traceparent,
				const char *tracestate, struct obs_error *err);
/* Set TRACEPARENT to the child's context in this process's environment; drop TRACESTATE unless kept. */
int obs_context_child_export(const struct obs_context_child *cc, struct obs_error *err);
/*
 * The span record for this context (new reference): obs_span_new with the
 * ids filled in, plus the resource from OTEL_RESOURCE_ATTRIBUTES.
 */
json_t *obs_context_span(const struct obs_context_child *cc, const char *name,
			 const char *service, const char *kind, int64_t start, int64_t end,
			 const char *status, const char *status_message);

#endif
