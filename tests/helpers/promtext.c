/* SPDX-License-Identifier: MIT */
/* Test helper: metric records to text exposition and back, through obs_promtext. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_ndjson.h"
#include "obs_promtext.h"
#include "obs_time.h"

static const char usage[] =
	"usage: promtext write [--timestamps] [--buckets LIST] [FILE]   records -> exposition\n"
	"       promtext parse [--format auto|text|openmetrics] [--job J] [--instance I] [--warn] [FILE]\n"
	"                                                               exposition -> records\n"
	"       promtext textfile DIR NAME [FILE]                       records -> DIR/NAME.prom\n";

static int write_cmd(int argc, char **argv, const char *textfile_dir, const char *textfile_name)
{
	struct obs_promtext_writer w;
	struct obs_ndjson_reader r;
	struct obs_error err;
	const char *path = "-";
	double *bounds;
	size_t n, len;
	json_t *rec;
	char *text;
	int i, rc, status = 3;

	obs_promtext_writer_init(&w);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--timestamps") == 0) {
			w.timestamps = 1;
		} else if (strcmp(argv[i], "--buckets") == 0 && i + 1 < argc) {
			if (obs_promtext_buckets_parse(argv[++i], &bounds, &n, &err)
			    || obs_promtext_writer_set_buckets(&w, bounds, n, &err)) {
				fprintf(stderr, "promtext: %s\n", err.msg);
				obs_promtext_writer_release(&w);
				return 2;
			}
			free(bounds);
		} else {
			path = argv[i];
		}
	}
	if (obs_ndjson_open(&r, path, &err)) {
		fprintf(stderr, "promtext: %s\n", err.msg);
		obs_promtext_writer_release(&w);
		return 3;
	}
	r.strict = 1;
	while ((rc = obs_ndjson_next(&r, &rec, &err)) == 1) {
		if (obs_promtext_writer_add(&w, rec, &err))
			fprintf(stderr, "promtext: %s:%lu: %s\n", r.name, r.lineno, err.msg);
		json_decref(rec);
	}
	if (rc < 0) {
		fprintf(stderr, "promtext: %s\n", err.msg);
		goto out;
	}
	if (textfile_dir) {
		text = obs_promtext_writer_text(&w, &len, &err);
		if (!text || obs_promtext_textfile_write(textfile_dir, textfile_name, text, len, &err)) {
			fprintf(stderr, "promtext: %s\n", err.msg);
			free(text);
			goto out;
		}
		free(text);
	} else if (obs_promtext_writer_write_fd(&w, 1, &err)) {
		fprintf(stderr, "promtext: %s\n", err.msg);
		goto out;
	}
	status = 0;
out:
	obs_ndjson_close(&r);
	obs_promtext_writer_release(&w);
	return status;
}

struct parse_ctx {
	struct obs_ndjson_writer out;
	json_t *extra;
	int64_t now;
};

static int emit(void *ctx, const struct obs_promtext_sample *s, struct obs_error *err)
{
	struct parse_ctx *pc = ctx;
	json_t *rec = obs_promtext_sample_record(s, pc->extra, pc->now, 0, err);
	int rc;

	if (!rec)
		return -1;
	rc = obs_ndjson_write(&pc->out, rec, err);
	json_decref(rec);
	return rc;
}

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "promtext: %s\n", msg);
}

static int parse_cmd(int argc, char **argv)
{
	struct obs_promtext_parser p;
	struct parse_ctx pc;
	struct obs_error err;
	enum obs_promtext_format fmt = OBS_PROMTEXT_AUTO;
	const char *path = NULL;
	FILE *in = stdin;
	int i, fd, status = 3, warn_mode = 0;

	memset(&pc, 0, sizeof(pc));
	pc.extra = json_object();
	pc.now = obs_time_now();
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			i++;
			fmt = strcmp(argv[i], "text") == 0 ? OBS_PROMTEXT_TEXT
			      : strcmp(argv[i], "openmetrics") == 0 ? OBS_PROMTEXT_OPENMETRICS
			      : OBS_PROMTEXT_AUTO;
		} else if ((strcmp(argv[i], "--job") == 0 || strcmp(argv[i], "--instance") == 0)
			   && i + 1 < argc) {
			json_object_set_new(pc.extra, argv[i] + 2, json_string(argv[i + 1]));
			i++;
		} else if (strcmp(argv[i], "--warn") == 0) {
			warn_mode = 1;
		} else {
			path = argv[i];
		}
	}
	if (path && !(in = fopen(path, "rb"))) {
		perror(path);
		json_decref(pc.extra);
		return 3;
	}
	fd = fileno(in);
	obs_ndjson_writer_init(&pc.out, 1);
	if (obs_promtext_parser_init(&p, path ? path : "<stdin>", emit, &pc, &err)) {
		fprintf(stderr, "promtext: %s\n", err.msg);
		goto out;
	}
	p.format = fmt;
	if (warn_mode)
		p.warn = warn;
	if (obs_promtext_parse_fd(&p, fd, &err) || obs_ndjson_flush(&pc.out, &err))
		fprintf(stderr, "promtext: %s\n", err.msg);
	else
		status = 0;
	obs_promtext_parser_release(&p);
out:
	obs_ndjson_writer_release(&pc.out);
	if (in != stdin)
		fclose(in);
	json_decref(pc.extra);
	return status;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "write") == 0)
		return write_cmd(argc - 2, argv + 2, NULL, NULL);
	if (argc >= 2 && strcmp(argv[1], "parse") == 0)
		return parse_cmd(argc - 2, argv + 2);
	if (argc >= 4 && strcmp(argv[1], "textfile") == 0)
		return write_cmd(argc - 4, argv + 4, argv[2], argv[3]);
	fputs(usage, stderr);
	return 2;
}
