/* SPDX-License-Identifier: MIT */
/* obs-trace import: OTLP JSON, Zipkin v2 JSON and Jaeger JSON traces into span records. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs_buf.h"
#include "obs_cli.h"
#include "obs_import.h"
#include "obs_ndjson.h"
#include "obs_store.h"
#include "trace.h"

/* One document (or one line of a file-exporter file) may be this large. */
#define IMPORT_MAX_DOC ((size_t)256 << 20)
/* Write the store batch out when it holds this much. */
#define IMPORT_FLUSH_BYTES ((size_t)4 << 20)

static const char import_synopsis[] =
	"import [--format auto|otlp|zipkin|jaeger] [--stdout] [--strict] [-v] [FILE...]";
static const char import_options[] =
	"Reads traces exported as OTLP JSON (one TracesData document, or the\n"
	"OpenTelemetry Collector file exporter's one per line), Zipkin v2 JSON or\n"
	"Jaeger JSON (query API / UI download), plain or gzip-compressed, from the\n"
	"FILEs or standard input (\"-\"), and stores them as span records.\n"
	"\n"
	"options:\n"
	"      --format FORMAT  auto (default: judged per document), otlp, zipkin, jaeger\n"
	"      --stdout         write the span records to standard output, not the store\n"
	"      --strict         stop at the first rejected span or malformed document\n"
	"  -v, --verbose        say how many spans each input gave\n"
	"  -h, --help           show this help\n"
	"\n"
	"Rejected spans and malformed lines are reported as FILE:LINE: reason on\n"
	"standard error, skipped, and counted in a summary.\n"
	"Exit status: 0 success; 2 usage error; 3 an input could not be read or\n"
	"held no trace document, the output could not be written, or (with\n"
	"--strict) anything was rejected.\n";

struct import_run {
	struct obs_import im;
	enum obs_import_format fmt;
	int to_stdout, strict, verbose;

	struct obs_store store;
	struct obs_store_batch batch;
	struct obs_ndjson_writer out;

	const char *name;         /* current input, for messages */
	char where[4096];         /* "NAME" or "NAME:LINE" for span messages */
	unsigned long skipped;    /* documents skipped in the current input */
	unsigned long good;       /* documents read from the current input */
	int sink_failed;          /* the store or standard output failed: stop */
	int stop;                 /* --strict and a problem was met: stop */
	unsigned long pending;    /* records in the store batch */
	unsigned long stored;     /* records the store has taken */
};

static void import_warn(void *ctx, const char *msg)
{
	struct import_run *r = ctx;

	obs_warnx("%s: %s", r->where, msg);
	if (r->strict)
		r->stop = 1;
}

/*
 * The reader's reports: over-long lines (skipped). A final line without a
 * newline is normal for a JSON document, and one that does not parse is
 * reported by us anyway, so torn-line notices are left out.
 */
static void reader_warn(void *ctx, const char *msg)
{
	struct import_run *r = ctx;

	if (strstr(msg, ": torn last line (no newline at end)"))
		return;
	obs_warnx("%s", msg);
	r->skipped++;
	if (r->strict)
		r->stop = 1;
}

static int import_emit(void *ctx, json_t *span, int64_t start_ns, struct obs_error *err)
{
	struct import_run *r = ctx;
	int rc;

	if (r->stop) {
		json_decref(span);
		return obs_error_set(err, "stopped at the first problem (--strict)");
	}
	if (r->to_stdout) {
		rc = obs_ndjson_write(&r->out, span, err);
	} else {
		rc = obs_store_batch_add_json(&r->batch, start_ns, span, err);
		if (rc == 0)
			r->pending++;
		if (rc == 0 && r->batch.bytes >= IMPORT_FLUSH_BYTES) {
			rc = obs_store_batch_flush(&r->batch, err);
			if (rc == 0)
				r->stored += r->pending;
			r->pending = 0;
		}
	}
	json_decref(span);
	if (rc < 0)
		r->sink_failed = 1;
	return rc;
}

/* Convert one parsed document. -1 only when the output failed. */
static int import_doc(struct import_run *r, json_t *doc)
{
	struct obs_error err;
	int rc = obs_import_json(&r->im, r->fmt, doc, &err);

	if (rc == 0) {
		r->good++;
		return 0;
	}
	if (r->sink_failed) {
		if (!(r->to_stdout && r->out.failed == EPIPE))
			obs_warnx("%s", err.msg);
		return -1;
	}
	if (r->stop)
		return 0;
	obs_warnx("%s: %s", r->where, err.msg);
	r->skipped++;
	if (r->strict)
		r->stop = 1;
	return 0;
}

static void bad_json(struct import_run *r, unsigned long line, const json_error_t *jerr)
{
	obs_warnx("%s:%lu: invalid JSON: %s at column %d", r->name, line, jerr->text, jerr->column);
	r->skipped++;
	if (r->strict)
		r->stop = 1;
}

/* Parse LINE as a whole JSON value; NULL (with jerr) if it is not one. */
static json_t *parse(const char *text, size_t len, json_error_t *jerr)
{
	return json_loadb(text, len, 0, jerr);
}

/* 1 if LINE ends like a complete value ('}' or ']'), as a JSON line would. */
static int looks_complete(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	while (len > 0 && (*line == ' ' || *line == '\t'))
		line++, len--;
	return len > 1 && (line[len - 1] == '}' || line[len - 1] == ']');
}

/* Append N newlines and then TEXT. 0, or -1 past the size limit / out of memory. */
static int buf_add(struct obs_buf *b, size_t newlines, const char *text, size_t len)
{
	if (b->len + newlines + len + 1 > IMPORT_MAX_DOC || obs_buf_grow(b, newlines + len) < 0)
		return -1;
	memset(b->p + b->len, '\n', newlines);
	memcpy(b->p + b->len + newlines, text, len);
	b->len += newlines + len;
	b->p[b->len] = '\0';
	return 0;
}

/*
 * The input is one multi-line document: gather it (FIRST and SECOND are the
 * lines already read, SECOND may be NULL) and convert it. 0, 1 if it could
 * not be read, -1 if the output failed.
 */
static int import_whole(struct import_run *r, struct obs_ndjson_reader *rd, const char *first,
			size_t first_len, unsigned long first_no, const char *second,
			size_t second_len, unsigned long second_no)
{
	struct obs_buf b = OBS_BUF_INIT;
	unsigned long last = first_no;
	struct obs_error err;
	json_error_t jerr;
	const char *line;
	json_t *doc;
	size_t len;
	int rc, ret = 1;

	/* Keep line numbers: blank lines the reader skipped become newlines again. */
	if (buf_add(&b, first_no - 1, first, first_len) < 0)
		goto too_big;
	if (second) {
		if (buf_add(&b, second_no - last, second, second_len) < 0)
			goto too_big;
		last = second_no;
		while ((rc = obs_ndjson_next_line(rd, &line, &len, &err)) == 1) {
			if (buf_add(&b, rd->lineno - last, line, len) < 0)
				goto too_big;
			last = rd->lineno;
		}
		if (rc < 0) {
			obs_warnx("%s", err.msg);
			goto out;
		}
	}
	doc = json_loadb(b.p, b.len, 0, &jerr);
	if (!doc) {
		obs_warnx("%s:%d: invalid JSON: %s at column %d", r->name, jerr.line, jerr.text,
			  jerr.column);
		if (r->strict)
			r->stop = 1;
		goto out;
	}
	obs_buf_release(&b);
	snprintf(r->where, sizeof(r->where), "%s", r->name);
	ret = import_doc(r, doc);
	json_decref(doc);
	if (ret == 0 && r->good == 0)
		ret = 1;
	goto out;
too_big:
	obs_warnx("'%s': document larger than %zu MiB (or out of memory)", r->name,
		  IMPORT_MAX_DOC >> 20);
	if (r->strict)
		r->stop = 1;
out:
	obs_buf_release(&b);
	return ret;
}

/*
 * Import one input: 0 done, 1 it could not be read (or held no trace
 * document at all), -1 the output failed.
 */
static int import_input(struct import_run *r, const char *path)
{
	struct obs_ndjson_reader rd;
	struct obs_error err;
	json_error_t jerr, jerr2;
	unsigned long first_no;
	const char *line;
	char *first = NULL;
	size_t len, first_len;
	json_t *doc;
	int rc, ret = 0;

	if (obs_ndjson_open(&rd, path, &err) < 0) {
		obs_warnx("%s", err.msg);
		return 1;
	}
	rd.max_line = IMPORT_MAX_DOC;
	rd.warn = reader_warn;
	rd.warn_ctx = r;
	r->name = rd.name;
	r->skipped = r->good = 0;

	rc = obs_ndjson_next_line(&rd, &line, &len, &err);
	if (rc <= 0)
		goto end;
	doc = parse(line, len, &jerr);
	if (!doc) {
		/*
		 * Not a JSON line: either a document spread over lines, or a
		 * file-exporter file whose first line is damaged. The second
		 * line tells which.
		 */
		first = malloc(len ? len : 1);
		if (!first) {
			obs_warnx("out of memory");
			ret = 1;
			goto out;
		}
		memcpy(first, line, len);
		first_len = len;
		first_no = rd.lineno;
		rc = obs_ndjson_next_line(&rd, &line, &len, &err);
		if (rc < 0)
			goto end;
		doc = rc == 1 && looks_complete(first, first_len) ? parse(line, len, &jerr2) : NULL;
		if (!doc) {
			ret = import_whole(r, &rd, first, first_len, first_no, rc == 1 ? line : NULL,
					   len, rd.lineno);
			goto out;
		}
		bad_json(r, first_no, &jerr);
	}
	/* JSON lines: DOC holds the current line's document. */
	for (;;) {
		if (r->stop)
			break;
		snprintf(r->where, sizeof(r->where), "%s:%lu", r->name, rd.lineno);
		rc = import_doc(r, doc);
		json_decref(doc);
		doc = NULL;
		if (rc < 0) {
			ret = -1;
			goto out;
		}
		do {
			if (r->stop)
				break;
			rc = obs_ndjson_next_line(&rd, &line, &len, &err);
			if (rc <= 0)
				goto end;
			doc = parse(line, len, &jerr);
			if (!doc)
				bad_json(r, rd.lineno, &jerr);
		} while (!doc);
		if (!doc)
			break;
	}
	goto out;
end:
	if (rc < 0) {
		obs_warnx("%s", err.msg);
		ret = 1;
	} else if (r->good == 0 && r->skipped > 0) {
		/* Nothing in it was a trace document. */
		ret = 1;
	}
out:
	free(first);
	obs_ndjson_close(&rd);
	return ret;
}

static void summary(struct import_run *r, const char *name, unsigned long spans,
		    unsigned long rejected, unsigned long skipped)
{
	char from[4200], extra[128] = "";

	if (!r->verbose && !rejected && !skipped)
		return;
	if (name[0] == '<')
		snprintf(from, sizeof(from), "%s", name);
	else
		snprintf(from, sizeof(from), "'%s'", name);
	if (rejected && skipped)
		snprintf(extra, sizeof(extra), " (%lu span%s rejected, %lu line%s skipped)", rejected,
			 rejected == 1 ? "" : "s", skipped, skipped == 1 ? "" : "s");
	else if (rejected)
		snprintf(extra, sizeof(extra), " (%lu span%s rejected)", rejected,
			 rejected == 1 ? "" : "s");
	else if (skipped)
		snprintf(extra, sizeof(extra), " (%lu line%s skipped)", skipped,
			 skipped == 1 ? "" : "s");
	obs_warnx("imported %lu span%s from %s%s", spans, spans == 1 ? "" : "s", from, extra);
}

static int parse_args(int argc, char **argv, struct import_run *r)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "stdout", no_argument, NULL, 'O' },
		{ "strict", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (obs_import_format_parse(optarg, &r->fmt) < 0)
				return obs_cli_usage_error(import_synopsis,
							   "unknown format '%s': expected auto, "
							   "otlp, zipkin or jaeger", optarg);
			break;
		case 'O':
			r->to_stdout = 1;
			break;
		case 'S':
			r->strict = 1;
			break;
		case 'v':
			r->verbose = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, import_synopsis, import_options);
			return -1;
		default:
			return obs_cli_usage_error(import_synopsis, NULL);
		}
	}
	return 0;
}

int cmd_import(int argc, char **argv)
{
	static char *stdin_only[] = { (char *)"-", NULL };
	struct import_run r;
	struct obs_error err;
	char **inputs;
	int ninputs, i, rc, status = OBS_EXIT_OK;

	memset(&r, 0, sizeof(r));
	rc = parse_args(argc, argv, &r);
	if (rc < 0)
		return obs_cli_finish(OBS_EXIT_OK);
	if (rc > 0)
		return rc;
	inputs = argv + optind;
	ninputs = argc - optind;
	if (ninputs == 0) {
		if (obs_cli_isatty(STDIN_FILENO))
			return obs_cli_usage_error(import_synopsis,
						   "no input: name a FILE or pipe traces to "
						   "standard input");
		inputs = stdin_only;
		ninputs = 1;
	}
	obs_import_init(&r.im, import_emit, import_warn, &r);
	if (r.to_stdout) {
		obs_ndjson_writer_init(&r.out, STDOUT_FILENO);
	} else {
		if (obs_store_open(&r.store, NULL, &err) < 0) {
			obs_warnx("%s", err.msg);
			return OBS_EXIT_FAILURE;
		}
		obs_store_batch_init(&r.batch, &r.store, "spans");
		/* Flushed here, every IMPORT_FLUSH_BYTES, to count what is stored. */
		r.batch.flush_bytes = 0;
	}

	for (i = 0; i < ninputs && !r.stop; i++) {
		unsigned long spans = r.im.spans, rejected = r.im.rejected;
		const char *name = strcmp(inputs[i], "-") ? inputs[i] : "<stdin>";

		rc = import_input(&r, inputs[i]);
		if (rc < 0) {
			status = OBS_EXIT_FAILURE;
			break;
		}
		if (rc > 0)
			status = OBS_EXIT_FAILURE;
		else if (!r.stop)
			summary(&r, name, r.im.spans - spans, r.im.rejected - rejected, r.skipped);
	}
	if (r.stop) {
		/* What is still buffered is discarded below. */
		if (r.stored)
			obs_warnx("stopped at the first problem (--strict); %lu span%s already "
				  "stored", r.stored, r.stored == 1 ? " was" : "s were");
		else
			obs_warnx("stopped at the first problem (--strict)%s",
				  r.to_stdout ? "" : "; nothing stored");
		status = OBS_EXIT_FAILURE;
	}

	/* Under --strict a problem discards what is not written yet. */
	if (r.to_stdout) {
		if (!r.stop && !r.sink_failed && obs_ndjson_flush(&r.out, &err) < 0) {
			if (r.out.failed != EPIPE)
				obs_warnx("%s", err.msg);
			status = OBS_EXIT_FAILURE;
		}
		obs_ndjson_writer_release(&r.out);
	} else {
		if (!r.stop && !r.sink_failed && obs_store_batch_flush(&r.batch, &err) < 0) {
			obs_warnx("%s", err.msg);
			status = OBS_EXIT_FAILURE;
		}
		obs_store_batch_release(&r.batch);
		obs_store_release(&r.store);
	}
	return obs_cli_finish(status);
}
