/* SPDX-License-Identifier: MIT */
/* libFuzzer target: traceparent, tracestate and baggage parsing, with round-trip checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs_tracectx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_traceparent(const char *s)
{
	struct obs_trace_ctx ctx, again;
	char out[OBS_TRACEPARENT_LEN + 1];
	const char *b = s;

	if (obs_traceparent_parse(s, &ctx) != 1)
		return;
	obs_traceparent_format(&ctx, out);
	while (*b == ' ' || *b == '\t')
		b++;
	/* Version 00 is canonical: it must come back unchanged. */
	if (b[0] == '0' && b[1] == '0' && memcmp(b, out, OBS_TRACEPARENT_LEN) != 0)
		abort();
	if (obs_traceparent_parse(out, &again) != 1 || memcmp(&ctx, &again, sizeof(ctx)) != 0)
		abort();
}

static void check_tracestate(const char *s)
{
	struct obs_tracestate ts, again;
	char *f, *g;

	if (obs_tracestate_parse(s, &ts) != 1)
		return;
	if (ts.n > OBS_TRACESTATE_MAX)
		abort();
	f = obs_tracestate_format(&ts);
	if (!f)
		abort();
	if (obs_tracestate_parse(f, &again) != 1)
		abort();
	g = obs_tracestate_format(&again);
	if (!g || strcmp(f, g) != 0)
		abort();
	free(g);
	obs_tracestate_release(&again);
	if (obs_tracestate_set(&ts, "obs", "fuzz") != 0 || ts.n > OBS_TRACESTATE_MAX ||
	    strcmp(ts.key[0], "obs") != 0)
		abort();
	free(f);
	obs_tracestate_release(&ts);
}

static void check_baggage(const char *s)
{
	struct obs_baggage bg, again;
	char *f;
	int i;

	if (obs_baggage_parse(s, &bg) != 1)
		return;
	f = obs_baggage_format(&bg);
	if (!f)
		abort();
	/* Encoding may grow the text past the limit; below it, it must round-trip. */
	if (strlen(f) <= 8192) {
		if (obs_baggage_parse(f, &again) != 1 || again.n != bg.n)
			abort();
		for (i = 0; i < bg.n; i++) {
			if (strcmp(bg.key[i], again.key[i]) || strcmp(bg.value[i], again.value[i]) ||
			    (!bg.props[i] != !again.props[i]) ||
			    (bg.props[i] && strcmp(bg.props[i], again.props[i])))
				abort();
		}
		obs_baggage_release(&again);
	}
	free(f);
	obs_baggage_release(&bg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *dec = NULL;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_traceparent(s);
	check_tracestate(s);
	check_baggage(s);
	if (obs_percent_decode(s, size, &dec) == 1)
		free(dec);
	free(s);
	return 0;
}
