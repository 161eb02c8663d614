/* SPDX-License-Identifier: MIT */
/* obs-log: one input's lines into records: format detection, parsing, joining, counting. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "obs_time.h"

/* Lines read before the format of a file is guessed (--format auto). */
#define DETECT_LINES 10

void log_parser_init(struct log_parser *lp, const struct log_parse_opts *opt, const char *name,
		     int64_t reference, log_emit_fn *emit, void *ctx)
{
	memset(lp, 0, sizeof(*lp));
	lp->opt = opt;
	lp->name = name;
	lp->reference = reference;
	lp->emit = emit;
	lp->ctx = ctx;
}

static int oom(struct log_parser *lp)
{
	obs_warnx("out of memory");
	lp->failed = 1;
	return -1;
}

/* Hand REC (stolen) to the caller as text. */
static int emit_record(struct log_parser *lp, json_t *rec)
{
	const char *t = json_string_value(json_object_get(rec, "time"));
	int64_t ns = lp->reference;
	size_t len;
	char *text;
	int rc;

	if (t)
		obs_time_parse(t, &ns, NULL);
	text = obs_json_dump_line(rec, &len);
	json_decref(rec);
	if (!text)
		return oom(lp);
	lp->records++;
	rc = lp->emit(lp->ctx, text, len, ns);
	free(text);
	return rc;
}

static int setup(struct log_parser *lp, enum obs_log_format format)
{
	struct obs_logparse_options po = { 0 };
	struct obs_error err;

	po.format = format;
	po.timezone = lp->opt->timezone;
	po.service = lp->opt->service;
	po.regex = lp->opt->regex;
	po.reference = lp->reference;
	if (obs_logparse_init(&lp->p, &po, &err) < 0) {
		obs_warnx("%s", err.msg);
		lp->failed = 1;
		return -1;
	}
	obs_logjoin_init(&lp->j, &lp->p);
	lp->j.multiline = lp->opt->multiline;
	if (lp->opt->max_line)
		lp->j.max_msg = lp->opt->max_line;
	/* A guessed format is tried first; a line not in it may be in another. */
	if (lp->detected && format != OBS_LOG_AUTO && !lp->opt->multiline) {
		po.format = OBS_LOG_AUTO;
		if (obs_logparse_init(&lp->any, &po, &err) < 0) {
			obs_logparse_release(&lp->p);
			obs_warnx("%s", err.msg);
			lp->failed = 1;
			return -1;
		}
		lp->has_any = 1;
	}
	obs_logfast_init(&lp->fast, &lp->p);
	obs_jscan_init(&lp->scan);
	lp->use_fast = !lp->opt->multiline && (format == OBS_LOG_JSON || format == OBS_LOG_LOGFMT);
	lp->ready = 1;
	return 0;
}

/*
 * A JSON line that is an obs log record already (the output of parse,
 * query or emit) is passed on as it is, not parsed as an application's
 * JSON log (which would keep its "type" as type_original).
 */
static int is_record(struct log_parser *lp, const char *line, size_t len)
{
	static const char head[] = "{\"type\":\"log\",";
	int64_t t;

	return len > sizeof(head) && !memcmp(line, head, sizeof(head) - 1) &&
	       obs_jscan_parse(&lp->scan, line, len, NULL) == 0 &&
	       obs_jscan_time(&lp->scan, obs_jscan_get(&lp->scan, 0, "time"), &t) == 0;
}

static int process(struct log_parser *lp, const char *line, size_t len, unsigned long lineno,
		   int cut)
{
	struct obs_error err;
	json_t *rec = NULL;
	int rc;

	lp->lines++;
	lp->lineno = lineno;
	if (cut) {
		/* Only its start is here: kept whole as far as it goes, never parsed. */
		lp->cut++;
		obs_warnx("%s:%lu: line longer than %zu bytes, kept cut as a raw record", lp->name,
			  lineno, lp->opt->max_line ? lp->opt->max_line : (size_t)OBS_NDJSON_MAX_LINE);
		if (lp->opt->multiline) {
			rc = obs_logjoin_finish(&lp->j, &rec, &err);
			if (rc < 0)
				return oom(lp);
			if (rc == 1 && emit_record(lp, rec) < 0)
				return -1;
		}
		rec = obs_log_raw_record(line, len, lp->reference);
		if (!rec || json_object_set_new(rec, "truncated", json_true()) < 0) {
			json_decref(rec);
			return oom(lp);
		}
		lp->raw++;
		lp->started = 0;
		return emit_record(lp, rec);
	}
	if (lp->p.format == OBS_LOG_JSON && !lp->opt->multiline && is_record(lp, line, len)) {
		int64_t t;

		obs_jscan_time(&lp->scan, obs_jscan_get(&lp->scan, 0, "time"), &t);
		lp->records++;
		return lp->emit(lp->ctx, line, len, t);
	}
	if (lp->use_fast) {
		rc = obs_logfast_line(&lp->fast, line, len, &err);
		if (rc < 0)
			return oom(lp);
		if (rc == 1) {
			lp->records++;
			return lp->emit(lp->ctx, lp->fast.rec, lp->fast.len, lp->fast.time);
		}
	}
	if (lp->opt->strict && (!lp->opt->multiline || !lp->started)) {
		/* The reason a line does not parse is wanted: ask the parser itself. */
		rc = obs_logparse_parse(&lp->p, line, len, &rec, &err);
		if (rc == 0 && lp->has_any) {
			struct obs_error err2;

			rc = obs_logparse_parse(&lp->any, line, len, &rec, &err2);
		}
		if (rc < 0)
			return oom(lp);
		if (rc == 0) {
			obs_warnx("%s:%lu: %s", lp->name, lineno, err.msg);
			lp->failed = 1;
			return -1;
		}
		if (!lp->opt->multiline)
			return emit_record(lp, rec);
		json_decref(rec);
	}
	if (!lp->opt->multiline) {
		rec = obs_logparse_line(&lp->p, line, len, &err);
		if (!rec && lp->has_any && strcmp(err.msg, "out of memory"))
			rec = obs_logparse_line(&lp->any, line, len, &err);
		if (!rec) {
			if (!strcmp(err.msg, "out of memory"))
				return oom(lp);
			rec = obs_log_raw_record(line, len, lp->reference);
			if (!rec)
				return oom(lp);
			lp->raw++;
		}
		return emit_record(lp, rec);
	}
	rc = obs_logjoin_push(&lp->j, line, len, &rec, &err);
	if (rc < 0)
		return oom(lp);
	lp->started = 1;
	return rc == 1 ? emit_record(lp, rec) : 0;
}

/* Decide the format from the lines held, set up, and give them to the parser. */
static int decide(struct log_parser *lp)
{
	enum obs_log_format format = lp->opt->format;
	int i, rc = 0;

	if (lp->opt->regex) {
		format = OBS_LOG_REGEX;
	} else if (format == OBS_LOG_AUTO) {
		format = obs_log_format_detect((const char *const *)lp->held, lp->nheld);
		lp->detected = 1;
	}
	if (setup(lp, format) < 0)
		rc = -1;
	for (i = 0; i < lp->nheld; i++) {
		if (rc == 0)
			rc = process(lp, lp->held[i], lp->held_len[i], lp->held_no[i], lp->held_cut[i]);
		free(lp->held[i]);
	}
	free(lp->held);
	free(lp->held_len);
	free(lp->held_cut);
	free(lp->held_no);
	lp->held = NULL;
	lp->held_len = NULL;
	lp->held_cut = NULL;
	lp->held_no = NULL;
	lp->nheld = 0;
	return rc;
}

static int hold(struct log_parser *lp, const char *line, size_t len, unsigned long lineno, int cut)
{
	int n = lp->nheld;

	if (!lp->held) {
		lp->held = calloc(DETECT_LINES, sizeof(*lp->held));
		lp->held_len = calloc(DETECT_LINES, sizeof(*lp->held_len));
		lp->held_cut = calloc(DETECT_LINES, sizeof(*lp->held_cut));
		lp->held_no = calloc(DETECT_LINES, sizeof(*lp->held_no));
		if (!lp->held || !lp->held_len || !lp->held_cut || !lp->held_no)
			return oom(lp);
	}
	lp->held[n] = malloc(len + 1);
	if (!lp->held[n])
		return oom(lp);
	memcpy(lp->held[n], line, len);
	lp->held[n][len] = '\0';
	lp->held_len[n] = len;
	lp->held_cut[n] = cut;
	lp->held_no[n] = lineno;
	lp->nheld++;
	return lp->nheld == DETECT_LINES ? decide(lp) : 0;
}

int log_parser_line(struct log_parser *lp, const char *line, size_t len, unsigned long lineno,
		    int cut)
{
	if (lp->failed)
		return -1;
	lp->last_line_mono = obs_time_monotonic();
	if (!lp->ready) {
		if (lp->opt->format == OBS_LOG_AUTO && !lp->opt->regex)
			return hold(lp, line, len, lineno, cut);
		if (setup(lp, lp->opt->regex ? OBS_LOG_REGEX : lp->opt->format) < 0)
			return -1;
	}
	return process(lp, line, len, lineno, cut);
}

int log_parser_idle(struct log_parser *lp, int64_t idle_ns)
{
	struct obs_error err;
	json_t *rec;
	int rc;

	if (lp->failed)
		return -1;
	if (!lp->ready && lp->nheld)
		return decide(lp);
	if (!lp->ready || !lp->opt->multiline ||
	    obs_time_monotonic() - lp->last_line_mono < idle_ns)
		return 0;
	rc = obs_logjoin_finish(&lp->j, &rec, &err);
	if (rc < 0)
		return oom(lp);
	lp->started = 0;
	return rc == 1 ? emit_record(lp, rec) : 0;
}

int log_parser_end(struct log_parser *lp)
{
	struct obs_error err;
	json_t *rec;
	int rc;

	if (!lp->ready && lp->nheld && decide(lp) < 0)
		return -1;
	if (!lp->ready || !lp->opt->multiline)
		return lp->failed ? -1 : 0;
	rc = obs_logjoin_finish(&lp->j, &rec, &err);
	if (rc < 0)
		return oom(lp);
	lp->started = 0;
	return rc == 1 ? emit_record(lp, rec) : 0;
}

void log_parser_release(struct log_parser *lp)
{
	int i;

	for (i = 0; i < lp->nheld; i++)
		free(lp->held[i]);
	free(lp->held);
	free(lp->held_len);
	free(lp->held_cut);
	free(lp->held_no);
	lp->held = NULL;
	lp->nheld = 0;
	if (lp->has_any) {
		obs_logparse_release(&lp->any);
		lp->has_any = 0;
	}
	if (lp->ready) {
		obs_logjoin_release(&lp->j);
		obs_logfast_release(&lp->fast);
		obs_jscan_release(&lp->scan);
		obs_logparse_release(&lp->p);
		lp->ready = 0;
	}
}

void log_parser_set_reference(struct log_parser *lp, int64_t reference)
{
	lp->reference = reference;
	if (lp->ready)
		lp->p.reference = reference;
	if (lp->has_any)
		lp->any.reference = reference;
}

const char *log_parser_format(const struct log_parser *lp, int *detected)
{
	*detected = lp->detected;
	return lp->ready ? obs_log_format_name(lp->p.format) : "auto";
}

unsigned long log_parser_raw(const struct log_parser *lp)
{
	return lp->raw + (lp->ready && lp->opt->multiline ? lp->j.raw : 0);
}

void log_parser_report(const struct log_parser *lp)
{
	unsigned long raw = log_parser_raw(lp);

	if (raw)
		obs_warnx("%lu of %lu line%s in '%s' did not parse; kept as raw records", raw,
			  lp->lines, lp->lines == 1 ? "" : "s", lp->name);
}

/* ---- options ------------------------------------------------------------------------- */

int log_parse_option(struct log_parse_opts *po, int c, const char *arg)
{
	struct obs_error err;
	unsigned long long v;
	char *end;
	int f;

	switch (c) {
	case LOPT_FORMAT:
		f = obs_log_format_parse(arg);
		if (f < 0) {
			obs_warnx("invalid format '%s' (expected auto, json, logfmt, syslog, access, "
				  "journald or regex)", arg);
			return OBS_EXIT_USAGE;
		}
		po->format = (enum obs_log_format)f;
		return 1;
	case LOPT_REGEX:
		po->regex = arg;
		return 1;
	case LOPT_TIMEZONE:
		po->timezone = arg;
		return 1;
	case LOPT_REFERENCE:
		if (obs_time_parse_relative(arg, obs_time_now(), &po->reference, &err) < 0) {
			obs_warnx("%s", err.msg);
			return OBS_EXIT_USAGE;
		}
		if (po->reference == 0)
			po->reference = 1;   /* 0 means "not set" */
		return 1;
	case LOPT_MAX_LINE:
		v = strtoull(arg, &end, 10);
		if (end == arg || *end || arg[0] == '-' || v < 16 || v > (1ULL << 30)) {
			obs_warnx("invalid line limit '%s' (expected bytes, 16 to 1073741824)", arg);
			return OBS_EXIT_USAGE;
		}
		po->max_line = (size_t)v;
		return 1;
	case 's':
		po->service = arg;
		return 1;
	case 'm':
		po->multiline = 1;
		return 1;
	default:
		return 0;
	}
}

int log_parse_check(const struct log_parse_opts *po)
{
	struct obs_logparse_options o = { 0 };
	struct obs_logparse p;
	struct obs_error err;

	o.format = po->regex ? OBS_LOG_REGEX : po->format;
	o.timezone = po->timezone;
	o.regex = po->regex;
	o.service = po->service;
	o.reference = 1;
	if (po->regex && po->format != OBS_LOG_AUTO && po->format != OBS_LOG_REGEX) {
		obs_warnx("--regex is for --format regex, not %s", obs_log_format_name(po->format));
		return OBS_EXIT_USAGE;
	}
	if (obs_logparse_init(&p, &o, &err) < 0) {
		obs_warnx("%s%s", err.msg,
			  !strcmp(err.msg, "regex format needs a pattern") ? " (--regex PATTERN)" : "");
		return OBS_EXIT_USAGE;
	}
	obs_logparse_release(&p);
	return 0;
}

int64_t log_parse_reference(const struct log_parse_opts *po, int fd)
{
	struct stat sb;

	if (po->reference)
		return po->reference;
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		return (int64_t)sb.st_mtim.tv_sec * OBS_NS_PER_SEC + sb.st_mtim.tv_nsec;
	return obs_time_now();
}
