/* SPDX-License-Identifier: MIT */
/* Test and bench helper: NDJSON records on stdin to OTLP request bodies (obs_otlp batches). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_otlp.h"
#include "obs_time.h"

/*
 * otlp_encode [-b BATCH] [-z LEVEL] [-r RESOURCE_JSON] [-s] SIGNAL ENCODING OUT
 *   SIGNAL traces|metrics|logs, ENCODING http/protobuf|http/json. Without
 *   -b all of stdin is one body; with -b every BATCH records make one body,
 *   bodies written one after the other (for benchmarks: OUT /dev/null).
 *   -z gzips each body (LEVEL -1..9); -s prints "records N batches N bytes N
 *   seconds S" on stderr. A refused record is told on stderr as "line N:
 *   reason" and skipped; the exit status is then 1.
 */
static int flush(struct obs_otlp_batch *b, int level, struct obs_otlp_buf *gz, FILE *out,
		 unsigned long *batches, unsigned long long *bytes)
{
	struct obs_error err;
	const uint8_t *body;
	size_t len;

	if (obs_otlp_batch_finish(b, &body, &len, &err) < 0) {
		fprintf(stderr, "otlp_encode: %s\n", err.msg);
		return -1;
	}
	if (level != -2) {
		if (obs_otlp_gzip(body, len, level, gz, &err) < 0) {
			fprintf(stderr, "otlp_encode: %s\n", err.msg);
			return -1;
		}
		body = gz->data;
		len = gz->len;
	}
	if (fwrite(body, 1, len, out) != len) {
		fprintf(stderr, "otlp_encode: write error\n");
		return -1;
	}
	++*batches;
	*bytes += len;
	return 0;
}

int main(int argc, char **argv)
{
	struct obs_otlp_batch b;
	struct obs_otlp_buf gz = { 0 };
	enum obs_otlp_signal sig;
	enum obs_otlp_encoding enc;
	struct obs_error err;
	json_t *resource = NULL;
	char *line = NULL;
	size_t cap = 0, batch = 0;
	ssize_t n;
	long lineno = 0;
	unsigned long records = 0, batches = 0;
	unsigned long long bytes = 0;
	int status = 0, level = -2, stats = 0, c;
	int64_t t0;
	FILE *out;

	while ((c = getopt(argc, argv, "b:z:r:s")) != -1) {
		switch (c) {
		case 'b':
			batch = strtoul(optarg, NULL, 10);
			break;
		case 'z':
			level = atoi(optarg);
			break;
		case 'r':
			resource = json_loads(optarg, 0, NULL);
			if (!json_is_object(resource)) {
				fprintf(stderr, "otlp_encode: -r: not a JSON object\n");
				return 2;
			}
			break;
		case 's':
			stats = 1;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 3 || obs_otlp_signal_parse(argv[optind], &sig) < 0 ||
	    obs_otlp_encoding_parse(argv[optind + 1], &enc) < 0) {
		fprintf(stderr, "usage: otlp_encode [-b N] [-z LEVEL] [-r JSON] [-s] "
			"traces|metrics|logs http/protobuf|http/json OUT\n");
		return 2;
	}
	out = strcmp(argv[optind + 2], "-") ? fopen(argv[optind + 2], "wb") : stdout;
	if (!out) {
		fprintf(stderr, "otlp_encode: cannot open '%s'\n", argv[optind + 2]);
		return 3;
	}
	obs_otlp_batch_init(&b, sig, enc);
	b.resource = resource;
	t0 = obs_time_monotonic();
	while ((n = getline(&line, &cap, stdin)) > 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if (obs_otlp_batch_add(&b, line, (size_t)n, &err) < 0) {
			fprintf(stderr, "line %ld: %s\n", lineno, err.msg);
			status = 1;
			continue;
		}
		records++;
		if (batch && b.records >= batch && flush(&b, level, &gz, out, &batches, &bytes) < 0)
			return 3;
	}
	free(line);
	if ((!batch || b.records) && flush(&b, level, &gz, out, &batches, &bytes) < 0)
		return 3;
	if (out != stdout ? fclose(out) != 0 : fflush(out) != 0) {
		fprintf(stderr, "otlp_encode: write error\n");
		return 3;
	}
	if (stats)
		fprintf(stderr, "records %lu batches %lu bytes %llu seconds %.3f\n", records, batches,
			bytes, (double)(obs_time_monotonic() - t0) / 1e9);
	obs_otlp_batch_release(&b);
	obs_otlp_buf_release(&gz);
	json_decref(resource);
	return status;
}
