/* SPDX-License-Identifier: MIT */
/* Test helper: NDJSON records on stdin to one OTLP request body (obs_otlp batch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_otlp.h"

/*
 * otlp_encode SIGNAL ENCODING OUT [RESOURCE_JSON]
 *   SIGNAL traces|metrics|logs, ENCODING http/protobuf|http/json; all of
 *   stdin goes into one batch, written to OUT. A refused record is told on
 *   stderr as "line N: reason" and skipped; the exit status is then 1.
 */
int main(int argc, char **argv)
{
	struct obs_otlp_batch b;
	enum obs_otlp_signal sig;
	enum obs_otlp_encoding enc;
	struct obs_error err;
	json_t *resource = NULL;
	const uint8_t *body;
	char *line = NULL;
	size_t cap = 0, len;
	ssize_t n;
	long lineno = 0;
	int status = 0;
	FILE *out;

	if (argc < 4 || obs_otlp_signal_parse(argv[1], &sig) < 0 ||
	    obs_otlp_encoding_parse(argv[2], &enc) < 0) {
		fprintf(stderr, "usage: otlp_encode traces|metrics|logs http/protobuf|http/json OUT "
			"[RESOURCE_JSON]\n");
		return 2;
	}
	obs_otlp_batch_init(&b, sig, enc);
	if (argc > 4) {
		resource = json_loads(argv[4], 0, NULL);
		if (!json_is_object(resource)) {
			fprintf(stderr, "otlp_encode: resource is not a JSON object\n");
			return 2;
		}
		b.resource = resource;
	}
	while ((n = getline(&line, &cap, stdin)) > 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if (obs_otlp_batch_add(&b, line, (size_t)n, &err) < 0) {
			fprintf(stderr, "line %ld: %s\n", lineno, err.msg);
			status = 1;
		}
	}
	free(line);
	if (obs_otlp_batch_finish(&b, &body, &len, &err) < 0) {
		fprintf(stderr, "otlp_encode: %s\n", err.msg);
		return 3;
	}
	out = strcmp(argv[3], "-") ? fopen(argv[3], "wb") : stdout;
	if (!out || fwrite(body, 1, len, out) != len || (out != stdout && fclose(out) != 0)) {
		fprintf(stderr, "otlp_encode: cannot write '%s'\n", argv[3]);
		return 3;
	}
	obs_otlp_batch_release(&b);
	json_decref(resource);
	return status;
}
