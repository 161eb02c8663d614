/* SPDX-License-Identifier: MIT */
/* Fuzz target for obs_filter: never crash, and the prefilter never rejects a matching record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const options[] = {
	"type", "trace", "service", "name", "status", "min-duration", "max-duration",
	"since", "until", "attr", "level", "where", "grep",
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/*
 * Input: up to two lines "<option byte><value>\n" naming conditions, then
 * the record. The option byte picks one of the options (modulo).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_filter f;
	const char *p = (const char *)data, *end = p + size, *nl;
	char value[256];
	int k, pre, parsed, full, fast;

	obs_filter_init(&f);
	for (k = 0; k < 2 && p < end; k++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl - p < 1 || (size_t)(nl - p) > sizeof(value))
			break;
		memcpy(value, p + 1, (size_t)(nl - p - 1));
		value[nl - p - 1] = '\0';
		if (!memchr(p + 1, '\0', (size_t)(nl - p - 1)))
			(void)obs_filter_add(&f, options[(unsigned char)p[0] % NOPTIONS], value, NULL);
		p = nl + 1;
	}
	pre = obs_filter_prefilter(&f, p, (size_t)(end - p));
	parsed = obs_jscan_parse(&f.scan, p, (size_t)(end - p), NULL) == 0;
	if (parsed) {
		full = obs_filter_match_scanned(&f, NULL);
		if (full == 1 && !pre)
			abort();   /* the prefilter hid a matching record */
		fast = obs_filter_match(&f, p, (size_t)(end - p), NULL);
		if (pre && fast != full)
			abort();
	}
	obs_filter_release(&f);
	return 0;
}
