/* SPDX-License-Identifier: MIT */
/* libFuzzer target for obs_logfast: every record it writes is the general parser's, byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "obs_logfast.h"
#include "obs_ndjson.h"
#include "obs_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The first byte chooses the format (even: json, odd: logfmt) and, with
 * its second bit, a default service; the rest is one line.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_logparse_options opt = { 0 };
	struct obs_logparse p;
	struct obs_logfast f;
	struct obs_error err;
	const char *line;
	json_t *rec;
	char *text;
	size_t len, n;
	int rc;

	if (size < 1)
		return 0;
	opt.format = data[0] & 1 ? OBS_LOG_LOGFMT : OBS_LOG_JSON;
	opt.service = data[0] & 2 ? "fuzz" : NULL;
	opt.timezone = data[0] & 4 ? "Europe/Berlin" : NULL;
	opt.reference = 1705752000LL * OBS_NS_PER_SEC;
	line = (const char *)data + 1;
	len = size - 1;
	if (obs_logparse_init(&p, &opt, &err) != 0)
		abort();
	obs_logfast_init(&f, &p);
	rc = obs_logfast_line(&f, line, len, &err);
	if (rc == 1) {
		rec = obs_logparse_line(&p, line, len, &err);
		if (!rec)
			abort();
		text = obs_json_dump_line(rec, &n);
		if (!text || n != f.len || memcmp(text, f.rec, n) != 0)
			abort();
		free(text);
		json_decref(rec);
	} else if (rc != 0) {
		abort();
	}
	obs_logfast_release(&f);
	obs_logparse_release(&p);
	return 0;
}
