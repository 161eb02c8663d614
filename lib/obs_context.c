/* SPDX-License-Identifier: MIT */
/* The context a wrapper gives its child: parent from the environment, sampling, new span. */
#include "obs_context.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "obs_span.h"

static const struct {
	const char *name;
	enum obs_sampler s;
} samplers[] = {
	{ "parentbased_always_on", OBS_SAMPLER_PARENTBASED_ALWAYS_ON },
	{ "parentbased_always_off", OBS_SAMPLER_PARENTBASED_ALWAYS_OFF },
	{ "parentbased_traceidratio", OBS_SAMPLER_PARENTBASED_TRACEIDRATIO },
	{ "always_on", OBS_SAMPLER_ALWAYS_ON },
	{ "always_off", OBS_SAMPLER_ALWAYS_OFF },
	{ "traceidratio", OBS_SAMPLER_TRACEIDRATIO },
};

int obs_sampler_from_env(enum obs_sampler *s, double *ratio, struct obs_error *err)
{
	const char *name = getenv("OTEL_TRACES_SAMPLER");
	const char *arg = getenv("OTEL_TRACES_SAMPLER_ARG");
	size_t i;
	char *end;

	*s = OBS_SAMPLER_PARENTBASED_ALWAYS_ON;
	*ratio = 1.0;
	if (!name || !*name)
		return 0;
	for (i = 0; i < sizeof(samplers) / sizeof(samplers[0]); i++)
		if (!strcmp(name, samplers[i].name))
			break;
	if (i == sizeof(samplers) / sizeof(samplers[0]))
		return obs_error_set(err, "unknown OTEL_TRACES_SAMPLER '%s', using parentbased_always_on",
				     name);
	*s = samplers[i].s;
	if (*s != OBS_SAMPLER_TRACEIDRATIO && *s != OBS_SAMPLER_PARENTBASED_TRACEIDRATIO)
		return 0;
	if (!arg || !*arg)
		return 0;
	*ratio = strtod(arg, &end);
	if (*end || end == arg || !(*ratio >= 0.0 && *ratio <= 1.0)) {
		*ratio = 1.0;
		return obs_error_set(err, "invalid OTEL_TRACES_SAMPLER_ARG '%s': expected a ratio from 0 to 1, using 1",
				     arg);
	}
	return 0;
}

static int ratio_sample(double ratio, const uint8_t id[16])
{
	uint64_t v = 0;
	int64_t x;
	int i;

	if (ratio >= 1.0)
		return 1;
	if (ratio <= 0.0)
		return 0;
	for (i = 8; i < 16; i++)
		v = v << 8 | id[i];
	x = (int64_t)v;
	if (x == INT64_MIN)
		x = INT64_MAX;
	x = x < 0 ? -x : x;
	return (double)x < ratio * (double)INT64_MAX;
}

int obs_sampler_sample(enum obs_sampler s, double ratio, const uint8_t trace_id[16],
		       int has_parent, int parent_sampled)
{
	switch (s) {
	case OBS_SAMPLER_ALWAYS_ON:
		return 1;
	case OBS_SAMPLER_ALWAYS_OFF:
		return 0;
	case OBS_SAMPLER_TRACEIDRATIO:
		return ratio_sample(ratio, trace_id);
	case OBS_SAMPLER_PARENTBASED_ALWAYS_OFF:
		return has_parent ? parent_sampled : 0;
	case OBS_SAMPLER_PARENTBASED_TRACEIDRATIO:
		return has_parent ? parent_sampled : ratio_sample(ratio, trace_id);
	case OBS_SAMPLER_PARENTBASED_ALWAYS_ON:
	default:
		return has_parent ? parent_sampled : 1;
	}
}

int obs_sdk_disabled(void)
{
	const char *v = getenv("OTEL_SDK_DISABLED");

	return v && !strcasecmp(v, "true");
}

static int tracestate_ok(const char *s)
{
	struct obs_tracestate ts;
	int rc = obs_tracestate_parse(s, &ts);

	if (rc == 1)
		obs_tracestate_release(&ts);
	return rc == 1;
}

int obs_context_child_init_from(struct obs_context_child *cc, const char *traceparent,
				const char *tracestate, struct obs_error *err)
{
	enum obs_sampler s;
	double ratio;
	struct obs_error serr;

	memset(cc, 0, sizeof(*cc));
	cc->has_parent = traceparent && obs_traceparent_parse(traceparent, &cc->parent) == 1;
	cc->keep_tracestate = cc->has_parent && tracestate && tracestate_ok(tracestate);
	if (cc->has_parent) {
		memcpy(cc->self.trace_id, cc->parent.trace_id, sizeof(cc->self.trace_id));
		obs_hex_encode(cc->parent.span_id, 8, cc->parent_span_id);
	} else if (obs_trace_id_new(cc->self.trace_id, err) < 0) {
		return -1;
	}
	if (obs_span_id_new(cc->self.span_id, err) < 0)
		return -1;
	if (obs_sampler_from_env(&s, &ratio, &serr) < 0) {
		cc->sampler_invalid = 1;
		memcpy(cc->sampler_error, serr.msg, sizeof(cc->sampler_error));
	}
	cc->recording = !obs_sdk_disabled() &&
		obs_sampler_sample(s, ratio, cc->self.trace_id, cc->has_parent,
				   cc->parent.flags & OBS_TRACE_FLAG_SAMPLED);
	/* Keep the parent's other flags; set or clear sampled by our decision. */
	cc->self.flags = (uint8_t)((cc->has_parent ? cc->parent.flags : 0) & ~OBS_TRACE_FLAG_SAMPLED);
	if (cc->recording)
		cc->self.flags |= OBS_TRACE_FLAG_SAMPLED;
	obs_hex_encode(cc->self.trace_id, 16, cc->trace_id);
	obs_hex_encode(cc->self.span_id, 8, cc->span_id);
	obs_traceparent_format(&cc->self, cc->traceparent);
	return 0;
}

int obs_context_child_init(struct obs_context_child *cc, struct obs_error *err)
{
	return obs_context_child_init_from(cc, getenv("TRACEPARENT"), getenv("TRACESTATE"), err);
}

int obs_context_child_export(const struct obs_context_child *cc, struct obs_error *err)
{
	if (setenv("TRACEPARENT", cc->traceparent, 1) < 0)
		return obs_error_errno(err, "cannot set TRACEPARENT");
	if (!cc->keep_tracestate)
		unsetenv("TRACESTATE");
	return 0;
}

json_t *obs_context_span(const struct obs_context_child *cc, const char *name,
			 const char *service, const char *kind, int64_t start, int64_t end,
			 const char *status, const char *status_message)
{
	json_t *span;

	span = obs_span_new(cc->trace_id, cc->span_id, cc->has_parent ? cc->parent_span_id : NULL,
			    name, service, kind, start, end, status, status_message);
	if (!span)
		return NULL;
	json_object_set_new(span, "resource", obs_resource_new(service));
	return span;
}
