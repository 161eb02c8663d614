/* SPDX-License-Identifier: MIT */
/* Fuzz target: arbitrary bytes as JSON through format detection and every trace converter. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "obs_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Serialise every record, so that a malformed one (a NULL inside) would show. */
static int emit(void *ctx, json_t *span, int64_t start_ns, struct obs_error *err)
{
	char *text = json_dumps(span, JSON_COMPACT);

	(void)ctx;
	(void)start_ns;
	if (!text)
		abort();
	free(text);
	json_decref(span);
	/* Exercise the stop path now and then. */
	if (start_ns % 7 == 3)
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
	static const enum obs_import_format fmts[] = {
		OBS_IMPORT_AUTO, OBS_IMPORT_OTLP, OBS_IMPORT_ZIPKIN, OBS_IMPORT_JAEGER,
	};
	enum obs_import_format detected;
	struct obs_import im;
	struct obs_error err;
	json_error_t jerr;
	json_t *doc;
	size_t i;

	doc = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr);
	if (!doc)
		return 0;
	(void)obs_import_detect(doc, &detected);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		obs_import_init(&im, emit, warn, NULL);
		(void)obs_import_json(&im, fmts[i], doc, &err);
	}
	json_decref(doc);
	return 0;
}
