/* SPDX-License-Identifier: MIT */
/* Test helper: one OTLP request body (protobuf, or JSON traces via obs_import) to NDJSON records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_import.h"
#include "obs_ndjson.h"
#include "obs_otlp.h"

/*
 * otlp_decode SIGNAL FILE          protobuf Export*ServiceRequest
 * otlp_decode traces --json FILE   OTLP JSON through obs_import (to compare)
 * Records go to stdout, one per line; warnings to stderr. Exit 0, or 1 if
 * the body is malformed (the message on stderr).
 */
static int print(void *ctx, json_t *rec, int64_t t, struct obs_error *err)
{
	char *line = obs_json_dump_line(rec, NULL);

	(void)ctx;
	(void)t;
	(void)err;
	if (line)
		printf("%s\n", line);
	free(line);
	json_decref(rec);
	return 0;
}

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

int main(int argc, char **argv)
{
	enum obs_otlp_signal sig;
	struct obs_error err;
	const char *path;
	int json = 0, rc;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *in;

	if (argc < 3 || obs_otlp_signal_parse(argv[1], &sig) < 0) {
		fprintf(stderr, "usage: otlp_decode traces|metrics|logs [--json] FILE\n");
		return 2;
	}
	json = !strcmp(argv[2], "--json");
	path = argv[json ? 3 : 2];
	if (!path) {
		fprintf(stderr, "otlp_decode: missing FILE\n");
		return 2;
	}
	in = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!in) {
		fprintf(stderr, "otlp_decode: cannot open '%s'\n", path);
		return 2;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				return 3;
		}
		n = fread(buf + len, 1, cap - len, in);
		if (!n)
			break;
		len += n;
	}
	if (json) {
		struct obs_import im;
		json_t *doc = json_loadb(buf, len, 0, NULL);

		obs_import_init(&im, print, warn, NULL);
		rc = doc ? obs_import_otlp_json(&im, doc, &err) : obs_error_set(&err, "bad JSON");
		json_decref(doc);
	} else {
		struct obs_otlp_decoder d;

		obs_otlp_decoder_init(&d, print, warn, NULL);
		rc = obs_otlp_decode(&d, sig, buf, len, &err);
	}
	free(buf);
	if (rc < 0) {
		fprintf(stderr, "otlp_decode: %s\n", err.msg);
		return 1;
	}
	return 0;
}
