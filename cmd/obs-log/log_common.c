/* SPDX-License-Identifier: MIT */
/* obs-log: what the commands share: options, record output, the human format, filters. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "obs_time.h"

int log_output_parse(const char *name, enum obs_output *out)
{
	if (!strcmp(name, "text") || !strcmp(name, "table")) {
		*out = OBS_OUT_TABLE;
		return 0;
	}
	return obs_output_parse(name, 1u << OBS_OUT_NDJSON | 1u << OBS_OUT_JSON, out);
}

/* ---- text buffer -------------------------------------------------------------------- */

/* Out of memory ends the program: a command has no better answer. */
static void lb_check(int rc)
{
	if (rc < 0)
		abort();
}

void lb_raw(struct obs_buf *b, const char *s, size_t n)
{
	lb_check(obs_buf_add(b, s, n));
}

void lb_str(struct obs_buf *b, const char *s)
{
	lb_check(obs_buf_adds(b, s));
}

void lb_fmt(struct obs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = obs_buf_vaddf(b, fmt, ap);
	va_end(ap);
	lb_check(rc);
}

/* ---- the human format ------------------------------------------------------------- */

#define C_DIM "\033[2m"
#define C_RESET "\033[0m"

static const char *level_color(const char *level)
{
	if (!level)
		return "";
	switch (level[0]) {
	case 't':
	case 'd':
		return "\033[2m";
	case 'i':
		return "\033[32m";
	case 'w':
		return "\033[33m";
	case 'e':
		return "\033[31m";
	default:
		return "\033[1;31m";
	}
}

/* Text for a terminal: control characters (but tab) shown as '?'. */
static void put_clean(struct obs_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 0x20 && c != 0x7f) || c == '\t')
			continue;
		lb_raw(b, s + run, i - run);
		lb_raw(b, "?", 1);
		run = i + 1;
	}
	lb_raw(b, s + run, n - run);
}

/* A string value: bare when that reads back unambiguously, else JSON-quoted. */
static void put_value_string(struct obs_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			break;
	}
	if (n && i == n) {
		lb_raw(b, s, n);
		return;
	}
	lb_raw(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			lb_raw(b, esc, 2);
		} else if (c == '\n') {
			lb_raw(b, "\\n", 2);
		} else if (c == '\t') {
			lb_raw(b, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			lb_raw(b, esc, 4);
		} else {
			lb_raw(b, (const char *)&s[i], 1);
		}
	}
	lb_raw(b, "\"", 1);
}

static void put_field(struct obs_buf *b, const struct obs_jscan *s, int key, int color)
{
	const char *k, *v;
	size_t klen, vlen;
	char *str;

	lb_raw(b, " ", 1);
	if (color)
		lb_str(b, C_DIM);
	str = obs_jscan_strdup(s, key, &klen);
	if (str) {
		put_clean(b, str, klen);
		free(str);
	} else {
		k = obs_jscan_raw(s, key, &klen);
		put_clean(b, k, klen);
	}
	lb_raw(b, "=", 1);
	if (color)
		lb_str(b, C_RESET);
	if (obs_jscan_type(s, key + 1) == OBS_JSCAN_STRING) {
		str = obs_jscan_strdup(s, key + 1, &vlen);
		if (str) {
			put_value_string(b, str, vlen);
			free(str);
			return;
		}
	}
	v = obs_jscan_raw(s, key + 1, &vlen);
	put_clean(b, v, vlen);
}

static int role_key(const struct obs_jscan *s, int key)
{
	static const char *const roles[] = { "type", "time", "level", "msg", "service",
					     "trace_id", "span_id", NULL };
	const char *const *r;

	for (r = roles; *r; r++)
		if (obs_jscan_streq(s, key, *r))
			return 1;
	return 0;
}

void log_render(struct obs_buf *b, const struct obs_jscan *s, int color)
{
	char ts[OBS_TIME_BUFSZ], lvl[8];
	const char *level = NULL, *nl, *msg = NULL;
	char *msgbuf = NULL, *svc;
	size_t msglen = 0, n, i;
	int64_t t;
	int tok, k;

	/* Time, to the millisecond. */
	if (obs_jscan_time(s, obs_jscan_get(s, 0, "time"), &t) == 0) {
		obs_time_format(t, ts, sizeof(ts));
		memcpy(ts + 23, "Z", 2);
	} else {
		snprintf(ts, sizeof(ts), "%-24s", "-");
	}
	if (color)
		lb_fmt(b, C_DIM "%s" C_RESET, ts);
	else
		lb_str(b, ts);

	/* Level, five columns. */
	tok = obs_jscan_get(s, 0, "level");
	if (obs_jscan_type(s, tok) == OBS_JSCAN_STRING) {
		char raw[64];
		const char *str;
		size_t len;

		if (obs_jscan_string(s, tok, raw, sizeof(raw), &str, &len) == 0)
			level = obs_log_level_normalize_n(str, len);
	}
	snprintf(lvl, sizeof(lvl), "%s", level ? level : "-");
	for (i = 0; lvl[i]; i++)
		if (lvl[i] >= 'a' && lvl[i] <= 'z')
			lvl[i] = (char)(lvl[i] - 'a' + 'A');
	lb_fmt(b, " %s%-5s%s", color ? level_color(level) : "", lvl,
	       color && level ? C_RESET : "");

	/* Service. */
	svc = obs_jscan_strdup(s, obs_jscan_get(s, 0, "service"), &n);
	lb_raw(b, " ", 1);
	if (color)
		lb_str(b, "\033[36m");
	if (svc)
		put_clean(b, svc, n);
	else
		lb_raw(b, "-", 1);
	if (color)
		lb_str(b, C_RESET);
	free(svc);

	/* The message's first line. */
	msgbuf = obs_jscan_strdup(s, obs_jscan_get(s, 0, "msg"), &msglen);
	msg = msgbuf;
	lb_raw(b, " ", 1);
	if (msg) {
		nl = memchr(msg, '\n', msglen);
		n = nl ? (size_t)(nl - msg) : msglen;
		if (n && msg[n - 1] == '\r')
			n--;
		if (color)
			lb_str(b, "\033[1m");
		put_clean(b, msg, n);
		if (color)
			lb_str(b, C_RESET);
	}

	/* Other fields in record order, then the trace context. */
	for (k = obs_jscan_child(s, 0); k >= 0; k = obs_jscan_sibling(s, 0, k))
		if (!role_key(s, k))
			put_field(b, s, k, color);
	for (k = obs_jscan_child(s, 0); k >= 0; k = obs_jscan_sibling(s, 0, k))
		if (obs_jscan_streq(s, k, "trace_id") || obs_jscan_streq(s, k, "span_id"))
			put_field(b, s, k, color);
	lb_raw(b, "\n", 1);

	/* The rest of a multi-line message (a stack trace), indented. */
	while (msg && (nl = memchr(msg, '\n', msglen))) {
		msglen -= (size_t)(nl - msg) + 1;
		msg = nl + 1;
		nl = memchr(msg, '\n', msglen);
		n = nl ? (size_t)(nl - msg) : msglen;
		if (n && msg[n - 1] == '\r')
			n--;
		lb_raw(b, "    ", 4);
		put_clean(b, msg, n);
		lb_raw(b, "\n", 1);
	}
	free(msgbuf);
}

/* ---- record output ------------------------------------------------------------------ */

#define OUT_FLUSH (64 * 1024)

void log_out_init(struct log_out *o, enum obs_output fmt, int fd)
{
	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	o->fd = fd;
	o->color = fmt == OBS_OUT_TABLE && obs_cli_color(fd);
	obs_jscan_init(&o->scan);
}

int log_out_flush(struct log_out *o)
{
	size_t done = 0;
	ssize_t n;

	if (o->failed) {
		o->text.len = 0;
		return -1;
	}
	while (done < o->text.len) {
		n = write(o->fd, o->text.p + done, o->text.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->failed = 1;
			o->epipe = errno == EPIPE;
			if (!o->epipe)
				obs_warn("write error");
			o->text.len = 0;
			return -1;
		}
		done += (size_t)n;
	}
	o->text.len = 0;
	return 0;
}

int log_out_line(struct log_out *o, const char *line, size_t len, const struct obs_jscan *s)
{
	if (o->failed)
		return -1;
	o->n++;
	switch (o->fmt) {
	case OBS_OUT_TABLE:
		if (!s) {
			if (obs_jscan_parse(&o->scan, line, len, NULL) < 0)
				return 0;   /* our own records always parse */
			s = &o->scan;
		}
		log_render(&o->text, s, o->color);
		break;
	case OBS_OUT_JSON:
		lb_str(&o->text, o->n == 1 ? "[\n" : ",\n");
		lb_raw(&o->text, line, len);
		break;
	default:
		lb_raw(&o->text, line, len);
		lb_raw(&o->text, "\n", 1);
		break;
	}
	if (o->text.len >= OUT_FLUSH)
		return log_out_flush(o);
	return 0;
}

int log_out_record(struct log_out *o, const json_t *rec)
{
	size_t len;
	char *line = obs_json_dump_line(rec, &len);
	int rc;

	if (!line) {
		obs_warnx("out of memory");
		return -1;
	}
	rc = log_out_line(o, line, len, NULL);
	free(line);
	return rc;
}

int log_out_finish(struct log_out *o)
{
	int rc;

	if (o->fmt == OBS_OUT_JSON && !o->failed)
		lb_str(&o->text, o->n ? "\n]\n" : "[]\n");
	rc = log_out_flush(o);
	obs_buf_release(&o->text);
	obs_jscan_release(&o->scan);
	return rc < 0 && !o->epipe ? -1 : 0;
}

/* ---- filters --------------------------------------------------------------------------- */

int log_filter_option(struct obs_filter *f, const char *name, const char *value)
{
	struct obs_error err;

	if (obs_filter_add(f, name, value, &err) < 0) {
		obs_warnx("%s", err.msg);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

int log_filter_setup(struct obs_filter *f)
{
	struct obs_error err;

	obs_filter_time_field(f, "time");
	/* Other signals may share a file with logs: not errors, just not wanted. */
	if (obs_filter_add(f, "type", "log", &err) < 0) {
		obs_warnx("%s", err.msg);
		return OBS_EXIT_FAILURE;
	}
	return 0;
}
