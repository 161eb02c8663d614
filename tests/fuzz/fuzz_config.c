/* SPDX-License-Identifier: MIT */
/* libFuzzer target: configuration loading, through the YAML and the JSON paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(const char *buf, size_t len)
{
	struct obs_error err = { "" };
	json_t *v = obs_config_load_buffer(buf, len, "fuzz", &err);
	char *dump;

	if (!v) {
		if (!err.msg[0])
			abort();   /* every failure says why */
		return;
	}
	obs_config_get(v, "a.b.0");
	obs_config_get_string(v, "a", NULL);
	dump = json_dumps(v, JSON_ENCODE_ANY);
	free(dump);
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;

	/* As given: YAML, or JSON when it starts with '{' or '['. */
	load((const char *)data, size);
	/* Forced through the other path. */
	buf = malloc(size + 3);
	if (!buf)
		return 0;
	if (size > 0 && (data[0] == '{' || data[0] == '[')) {
		memcpy(buf, "v: ", 3);     /* a YAML mapping around the flow text */
		memcpy(buf + 3, data, size);
		load(buf, size + 3);
	} else {
		buf[0] = '[';
		memcpy(buf + 1, data, size);
		load(buf, size + 1);
	}
	free(buf);
	return 0;
}
