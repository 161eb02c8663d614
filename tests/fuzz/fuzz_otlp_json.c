/* SPDX-License-Identifier: MIT */
/* Fuzz target: arbitrary bytes as an OTLP JSON request of each signal, transcoded to protobuf and decoded. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "obs_otlp.h"
#include "obs_otlp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Serialise every record, so that a malformed one (a NULL inside) would show. */
static int emit(void *ctx, json_t *rec, int64_t time_ns, struct obs_error *err)
{
	char *text = json_dumps(rec, JSON_COMPACT);

	(void)ctx;
	if (!text)
		abort();
	free(text);
	json_decref(rec);
	/* Exercise the stop path now and then. */
	if (time_ns % 7 == 3)
		return obs_error_set(err, "stop");
	return 0;
}

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum obs_otlp_signal sigs[] = { OBS_OTLP_TRACES, OBS_OTLP_METRICS, OBS_OTLP_LOGS };
	struct obs_otlp_decoder d;
	struct obs_error err;
	json_error_t jerr;
	json_t *doc;
	size_t i;

	doc = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr);
	if (!doc)
		return 0;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		obs_otlp_decoder_init(&d, emit, warn, NULL);
		(void)obs_otlp_json_decode(&d, sigs[i], doc, &err);
	}
	json_decref(doc);
	return 0;
}
