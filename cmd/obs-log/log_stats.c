/* SPDX-License-Identifier: MIT */
/* obs-log stats: counts of log records by level, service and time bucket. */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "obs_text.h"
#include "obs_time.h"

static const char stats_synopsis[] = "stats [options] [FILE...]";
static const char stats_options[] =
	"options:\n"
	LOG_FILTER_HELP
	"      --by LIST           what to count by: level, service, time, or several\n"
	"                          comma-separated (default: all three)\n"
	"      --bucket DUR        width of the time buckets (default: a round width giving\n"
	"                          at most 60 buckets)\n"
	"  -o, --output FORMAT     ndjson, json or text (default: text with bar charts on a\n"
	"                          terminal, else ndjson)\n"
	"      --strict            a malformed line is an error (exit 3)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Reads the FILEs (\"-\" for standard input, gzip allowed), else standard input\n"
	"when it is a pipe or a file, else the store (only the days in --since/--until).\n"
	"Exit status: 0, 2 usage error, 3 unreadable input or, with --strict, a\n"
	"malformed line.\n";

enum { OPT_BY = 256, OPT_BUCKET, OPT_STRICT };

#define BY_LEVEL 1
#define BY_SERVICE 2
#define BY_TIME 4

/* Bucket widths, each a multiple of the one before, so buckets merge exactly. */
static const int64_t widths[] = {
	1 * OBS_NS_PER_SEC, 5 * OBS_NS_PER_SEC, 10 * OBS_NS_PER_SEC, 30 * OBS_NS_PER_SEC,
	60 * OBS_NS_PER_SEC, 300 * OBS_NS_PER_SEC, 900 * OBS_NS_PER_SEC, 1800 * OBS_NS_PER_SEC,
	3600 * OBS_NS_PER_SEC, 10800 * OBS_NS_PER_SEC, 21600 * OBS_NS_PER_SEC,
	43200 * OBS_NS_PER_SEC, 86400 * OBS_NS_PER_SEC, 7 * 86400 * OBS_NS_PER_SEC,
};
#define NWIDTHS ((int)(sizeof(widths) / sizeof(widths[0])))
/* Buckets kept while reading before they are merged into wider ones. */
#define MAX_LIVE_BUCKETS 4096
/* Buckets shown with an automatic width. */
#define MAX_SHOWN 60
/*
 * Empty buckets between the first and the last are shown when there are
 * at most MAX_SHOWN buckets (automatic width) or MAX_FILLED (--bucket);
 * past that, only the buckets with records.
 */
#define MAX_FILLED 10000

#define NLEVELS 7   /* ranks 0 (none) to 6 (fatal) */
static const char *const level_names[NLEVELS] = { NULL, "trace", "debug", "info", "warn",
						  "error", "fatal" };

struct bucket {
	int64_t key;                /* start / width */
	unsigned long long count;
	unsigned long long levels[NLEVELS];
	int used;
};

struct bucket_map {
	struct bucket *slot;
	size_t cap, n;
	int64_t width;
};

struct service_count {
	char *name;                 /* NULL for records without a service */
	size_t len;
	unsigned long long count;
};

struct service_map {
	struct service_count *slot;
	size_t cap, n;
	int has_none;
	unsigned long long none;
};

struct stats {
	unsigned long long total;
	unsigned long long levels[NLEVELS];
	struct service_map services;
	struct bucket_map buckets;
	int wi;                     /* index in widths, -1 for a width given */
	int64_t first, last;
};

static uint64_t hash_int(int64_t v)
{
	uint64_t x = (uint64_t)v * 0x9e3779b97f4a7c15ULL;

	return x ^ (x >> 29);
}

static struct bucket *bucket_get(struct bucket_map *m, int64_t key)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap) {
		struct bucket *old = m->slot;
		size_t oldcap = m->cap, i;

		m->cap = m->cap ? m->cap * 2 : 256;
		m->slot = calloc(m->cap, sizeof(*m->slot));
		if (!m->slot)
			abort();
		for (i = 0; i < oldcap; i++) {
			if (!old[i].used)
				continue;
			j = hash_int(old[i].key) & (m->cap - 1);
			while (m->slot[j].used)
				j = (j + 1) & (m->cap - 1);
			m->slot[j] = old[i];
		}
		free(old);
	}
	j = hash_int(key) & (m->cap - 1);
	while (m->slot[j].used) {
		if (m->slot[j].key == key)
			return &m->slot[j];
		j = (j + 1) & (m->cap - 1);
	}
	m->slot[j].used = 1;
	m->slot[j].key = key;
	m->n++;
	return &m->slot[j];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Merge the buckets into buckets of WIDTH (a multiple of the current width). */
static void rebucket(struct bucket_map *m, int64_t width)
{
	struct bucket_map nm = { NULL, 0, 0, width };
	size_t i;
	int l;

	for (i = 0; i < m->cap; i++) {
		struct bucket *b, *o = &m->slot[i];

		if (!o->used)
			continue;
		b = bucket_get(&nm, floor_div(o->key * (m->width / OBS_NS_PER_SEC),
					      width / OBS_NS_PER_SEC));
		b->count += o->count;
		for (l = 0; l < NLEVELS; l++)
			b->levels[l] += o->levels[l];
	}
	free(m->slot);
	*m = nm;
}

static struct service_count *service_get(struct service_map *m, const char *s, size_t n)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap) {
		struct service_count *old = m->slot;
		size_t oldcap = m->cap, i;

		m->cap = m->cap ? m->cap * 2 : 64;
		m->slot = calloc(m->cap, sizeof(*m->slot));
		if (!m->slot)
			abort();
		for (i = 0; i < oldcap; i++) {
			if (!old[i].name)
				continue;
			j = obs_text_hash(old[i].name, old[i].len) & (m->cap - 1);
			while (m->slot[j].name)
				j = (j + 1) & (m->cap - 1);
			m->slot[j] = old[i];
		}
		free(old);
	}
	j = obs_text_hash(s, n) & (m->cap - 1);
	while (m->slot[j].name) {
		if (m->slot[j].len == n && !memcmp(m->slot[j].name, s, n))
			return &m->slot[j];
		j = (j + 1) & (m->cap - 1);
	}
	m->slot[j].name = malloc(n + 1);
	if (!m->slot[j].name)
		abort();
	memcpy(m->slot[j].name, s, n);
	m->slot[j].name[n] = '\0';
	m->slot[j].len = n;
	m->n++;
	return &m->slot[j];
}

static void stats_add(struct stats *st, const struct obs_jscan *s, unsigned by)
{
	char buf[256];
	const char *str;
	size_t len;
	int64_t t;
	int rank = 0, tok;

	st->total++;
	tok = obs_jscan_get(s, 0, "level");
	if (obs_jscan_string(s, tok, buf, sizeof(buf), &str, &len) == 0)
		rank = obs_log_level_rank(obs_log_level_normalize_n(str, len));
	st->levels[rank]++;
	if (by & BY_SERVICE) {
		tok = obs_jscan_get(s, 0, "service");
		if (obs_jscan_type(s, tok) == OBS_JSCAN_STRING) {
			char *name = obs_jscan_strdup(s, tok, &len);

			if (!name)
				abort();
			service_get(&st->services, name, len)->count++;
			free(name);
		} else {
			st->services.has_none = 1;
			st->services.none++;
		}
	}
	if (obs_jscan_time(s, obs_jscan_get(s, 0, "time"), &t) < 0)
		return;
	if (st->first == OBS_TIME_MAX || t < st->first)
		st->first = t;
	if (st->last == OBS_TIME_MIN || t > st->last)
		st->last = t;
	if (by & BY_TIME) {
		struct bucket *b = bucket_get(&st->buckets, floor_div(t, st->buckets.width));

		b->count++;
		b->levels[rank]++;
		while (st->wi >= 0 && st->buckets.n > MAX_LIVE_BUCKETS && st->wi + 1 < NWIDTHS)
			rebucket(&st->buckets, widths[++st->wi]);
	}
}

/* ---- output ----------------------------------------------------------------------- */

struct printer {
	enum obs_output fmt;
	struct log_out out;
	int utf8, color;
	struct obs_buf b;
};

static int emit_json(struct printer *p, struct obs_buf *rec)
{
	return log_out_line(&p->out, rec->p, rec->len, NULL);
}

static void json_str(struct obs_buf *b, const char *s, size_t n)
{
	json_t *v = json_stringn(s, n);
	char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;

	if (!text)
		abort();
	lb_str(b, text);
	free(text);
	json_decref(v);
}

/* A bar of VALUE against MAX, at most WIDTH cells, with eighths in UTF-8. */
static void bar(struct obs_buf *b, unsigned long long value, unsigned long long max, int width,
		int utf8)
{
	static const char *const eighths[] = { "", "\u258f", "\u258e", "\u258d", "\u258c",
					       "\u258b", "\u258a", "\u2589" };
	unsigned long long units;
	int i;

	if (!max || !value)
		return;
	units = (unsigned long long)((long double)value * width * 8 / max + 0.5L);
	if (units == 0)
		units = 1;
	for (i = 0; i < (int)(units / 8); i++)
		lb_str(b, utf8 ? "\u2588" : "#");
	if (utf8)
		lb_str(b, eighths[units % 8]);
	else if (units % 8 >= 4)
		lb_str(b, "#");
}

static void fmt_minute(int64_t t, char *buf, size_t size, int64_t width)
{
	char full[OBS_TIME_BUFSZ];

	obs_time_format(t, full, sizeof(full));
	if (width >= 86400 * OBS_NS_PER_SEC)
		snprintf(buf, size, "%.10s", full);
	else if (width >= 60 * OBS_NS_PER_SEC)
		snprintf(buf, size, "%.16sZ", full);
	else
		snprintf(buf, size, "%.19sZ", full);
}

static int cmp_service(const void *a, const void *b)
{
	const struct service_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_bucket(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* A text table of LABEL / COUNT rows with bars; ROWS of N. */
struct row {
	char label[64];
	char *name;     /* or this, when longer */
	unsigned long long count, errors;
};

static void text_section(struct printer *p, const char *title, struct row *rows, int n)
{
	unsigned long long max = 0;
	int i, w = (int)strlen(title), cw = 5;
	char num[32];

	for (i = 0; i < n; i++) {
		const char *l = rows[i].name ? rows[i].name : rows[i].label;
		int lw = 0;

		for (; *l; l++)
			lw += ((unsigned char)*l & 0xc0) != 0x80;
		if (lw > w)
			w = lw;
		if (rows[i].count > max)
			max = rows[i].count;
		if ((int)snprintf(num, sizeof(num), "%llu", rows[i].count) > cw)
			cw = (int)strlen(num);
	}
	if (p->b.len)
		lb_str(&p->b, "\n");
	lb_fmt(&p->b, "%s%s%*s  %*s%s\n", p->color ? "\033[1m" : "", title,
	       w - (int)strlen(title), "", cw, "COUNT", p->color ? "\033[0m" : "");
	for (i = 0; i < n; i++) {
		const char *l = rows[i].name ? rows[i].name : rows[i].label;
		int lw = 0;
		const char *q;

		for (q = l; *q; q++)
			lw += ((unsigned char)*q & 0xc0) != 0x80;
		lb_fmt(&p->b, "%s%*s  %*llu", l, w - lw, "", cw, rows[i].count);
		if (rows[i].count)
			lb_str(&p->b, "  ");
		if (p->color && rows[i].errors)
			lb_str(&p->b, "\033[31m");
		bar(&p->b, rows[i].count, max, 40, p->utf8);
		if (p->color && rows[i].errors)
			lb_str(&p->b, "\033[0m");
		if (rows[i].errors)
			lb_fmt(&p->b, " %llu error%s", rows[i].errors, rows[i].errors == 1 ? "" : "s");
		lb_str(&p->b, "\n");
	}
}

/* A string safe for the terminal (control characters as '?'), in a new allocation. */
static char *clean_name(const char *s)
{
	char *c = strdup(s), *q;

	if (!c)
		abort();
	for (q = c; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return c;
}

static int print_stats(struct printer *p, struct stats *st, unsigned by, int64_t given_width)
{
	struct obs_buf rec = OBS_BUF_INIT;
	char t1[OBS_TIME_BUFSZ], t2[OBS_TIME_BUFSZ];
	struct service_count *sv = NULL;
	struct bucket *bk = NULL, *all = NULL;
	struct row *rows = NULL;
	size_t i, nsv = 0, nbk = 0, nall = 0, nrows;
	int l, rc = 0;
	int64_t lo, hi;

	/* Time buckets: the final width, then the list from the first to the last. */
	if ((by & BY_TIME) && st->buckets.n) {
		if (!given_width) {
			for (;;) {
				int64_t a = OBS_TIME_MAX, z = OBS_TIME_MIN;

				for (i = 0; i < st->buckets.cap; i++) {
					if (!st->buckets.slot[i].used)
						continue;
					if (st->buckets.slot[i].key < a)
						a = st->buckets.slot[i].key;
					if (st->buckets.slot[i].key > z)
						z = st->buckets.slot[i].key;
				}
				if (z - a < MAX_SHOWN || st->wi + 1 >= NWIDTHS)
					break;
				rebucket(&st->buckets, widths[++st->wi]);
			}
		}
		all = calloc(st->buckets.n, sizeof(*all));
		if (!all)
			abort();
		for (i = 0; i < st->buckets.cap; i++)
			if (st->buckets.slot[i].used)
				all[nall++] = st->buckets.slot[i];
		qsort(all, nall, sizeof(*all), cmp_bucket);
		lo = all[0].key;
		hi = all[nall - 1].key;
		if (hi - lo < (given_width ? MAX_FILLED : MAX_SHOWN)) {
			/* Every bucket from the first to the last, empty ones too. */
			size_t at = 0;

			nbk = (size_t)(hi - lo + 1);
			bk = calloc(nbk, sizeof(*bk));
			if (!bk)
				abort();
			for (i = 0; i < nbk; i++) {
				bk[i].key = lo + (int64_t)i;
				if (at < nall && all[at].key == bk[i].key)
					bk[i] = all[at++];
			}
			free(all);
		} else {
			/* Too many to fill in: only the buckets with records. */
			bk = all;
			nbk = nall;
		}
		all = NULL;
	}
	if (by & BY_SERVICE) {
		sv = calloc(st->services.n + 1, sizeof(*sv));
		if (!sv)
			abort();
		for (i = 0; i < st->services.cap; i++)
			if (st->services.slot[i].name)
				sv[nsv++] = st->services.slot[i];
		qsort(sv, nsv, sizeof(*sv), cmp_service);
	}

	if (p->fmt != OBS_OUT_TABLE) {
		lb_fmt(&rec, "{\"by\":\"total\",\"count\":%llu", st->total);
		if (st->first != OBS_TIME_MAX) {
			obs_time_format(st->first, t1, sizeof(t1));
			obs_time_format(st->last, t2, sizeof(t2));
			lb_fmt(&rec, ",\"first\":\"%s\",\"last\":\"%s\"", t1, t2);
		}
		lb_str(&rec, "}");
		rc |= emit_json(p, &rec);
		for (l = NLEVELS - 1; (by & BY_LEVEL) && l >= 0; l--) {
			if (!st->levels[l])
				continue;
			rec.len = 0;
			lb_str(&rec, "{\"by\":\"level\",\"level\":");
			if (level_names[l])
				lb_fmt(&rec, "\"%s\"", level_names[l]);
			else
				lb_str(&rec, "null");
			lb_fmt(&rec, ",\"count\":%llu}", st->levels[l]);
			rc |= emit_json(p, &rec);
		}
		for (i = 0; i < nsv; i++) {
			rec.len = 0;
			lb_str(&rec, "{\"by\":\"service\",\"service\":");
			json_str(&rec, sv[i].name, sv[i].len);
			lb_fmt(&rec, ",\"count\":%llu}", sv[i].count);
			rc |= emit_json(p, &rec);
		}
		if ((by & BY_SERVICE) && st->services.has_none) {
			rec.len = 0;
			lb_fmt(&rec, "{\"by\":\"service\",\"service\":null,\"count\":%llu}",
			       st->services.none);
			rc |= emit_json(p, &rec);
		}
		for (i = 0; i < nbk; i++) {
			const struct bucket *b = &bk[i];
			int first = 1;

			obs_time_format(b->key * st->buckets.width, t1, sizeof(t1));
			obs_time_format((b->key + 1) * st->buckets.width, t2, sizeof(t2));
			rec.len = 0;
			lb_fmt(&rec, "{\"by\":\"time\",\"start\":\"%s\",\"end\":\"%s\",\"count\":%llu,"
			       "\"levels\":{", t1, t2, b->count);
			for (l = NLEVELS - 1; l >= 0; l--) {
				if (!b->levels[l])
					continue;
				lb_fmt(&rec, "%s\"%s\":%llu", first ? "" : ",",
				       level_names[l] ? level_names[l] : "none", b->levels[l]);
				first = 0;
			}
			lb_str(&rec, "}}");
			rc |= emit_json(p, &rec);
		}
		goto out;
	}

	/* Text: a headline, then one bar chart per section. */
	if (st->first != OBS_TIME_MAX) {
		fmt_minute(st->first, t1, sizeof(t1), 0);
		fmt_minute(st->last, t2, sizeof(t2), 0);
		lb_fmt(&p->b, "%llu record%s, %s to %s\n", st->total, st->total == 1 ? "" : "s", t1,
		       t2);
	} else {
		lb_fmt(&p->b, "%llu record%s\n", st->total, st->total == 1 ? "" : "s");
	}
	nrows = NLEVELS + nsv + 1 + nbk;
	rows = calloc(nrows, sizeof(*rows));
	if (!rows)
		abort();
	if ((by & BY_LEVEL) && st->total) {
		int n = 0;

		for (l = NLEVELS - 1; l >= 0; l--) {
			if (!st->levels[l])
				continue;
			snprintf(rows[n].label, sizeof(rows[n].label), "%s",
				 level_names[l] ? level_names[l] : "(none)");
			rows[n].count = st->levels[l];
			rows[n].errors = 0;
			n++;
		}
		text_section(p, "LEVEL", rows, n);
	}
	if ((by & BY_SERVICE) && st->total) {
		int n = 0;

		for (i = 0; i < nsv; i++, n++) {
			rows[n].name = clean_name(sv[i].name);
			rows[n].count = sv[i].count;
		}
		if (st->services.has_none) {
			snprintf(rows[n].label, sizeof(rows[n].label), "(none)");
			rows[n].name = NULL;
			rows[n++].count = st->services.none;
		}
		text_section(p, "SERVICE", rows, n);
		for (i = 0; i < (size_t)n; i++) {
			free(rows[i].name);
			rows[i].name = NULL;
		}
	}
	if ((by & BY_TIME) && nbk) {
		char title[64], w[32];

		for (i = 0; i < nbk; i++) {
			fmt_minute(bk[i].key * st->buckets.width, rows[i].label, sizeof(rows[i].label),
				   st->buckets.width);
			rows[i].count = bk[i].count;
			rows[i].errors = bk[i].levels[5] + bk[i].levels[6];
		}
		obs_duration_format(st->buckets.width, w, sizeof(w));
		snprintf(title, sizeof(title), "TIME (%s)", w);
		text_section(p, title, rows, (int)nbk);
	}
	if (fwrite(p->b.p, 1, p->b.len, stdout) != p->b.len)
		rc = -1;
out:
	free(rows);
	free(sv);
	free(bk);
	obs_buf_release(&rec);
	return rc ? -1 : 0;
}

static int parse_by(const char *arg, unsigned *by)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int rc = 0;

	if (!copy)
		abort();
	*by = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "level"))
			*by |= BY_LEVEL;
		else if (!strcmp(tok, "service"))
			*by |= BY_SERVICE;
		else if (!strcmp(tok, "time"))
			*by |= BY_TIME;
		else
			rc = -1;
	}
	free(copy);
	return rc < 0 || !*by ? -1 : 0;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		LOG_FILTER_LONGOPTS,
		{ "by", required_argument, NULL, OPT_BY },
		{ "bucket", required_argument, NULL, OPT_BUCKET },
		{ "output", required_argument, NULL, 'o' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum obs_output fmt = OBS_OUT_AUTO;
	struct obs_filter f;
	struct obs_cli_input in;
	struct printer p;
	struct stats st;
	struct obs_error err;
	unsigned by = BY_LEVEL | BY_SERVICE | BY_TIME;
	int64_t width = 0;
	const char *line, *codeset;
	size_t len, i;
	int c, idx, rc, r, strict = 0, status = OBS_EXIT_OK;

	obs_filter_init(&f);
	memset(&st, 0, sizeof(st));
	memset(&p, 0, sizeof(p));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, &idx)) != -1) {
		switch (c) {
		case LOPT_FILTER:
			if ((rc = log_filter_option(&f, longopts[idx].name, optarg)) != 0)
				goto done;
			break;
		case OPT_BY:
			if (parse_by(optarg, &by) < 0) {
				obs_warnx("invalid --by '%s' (expected level, service or time, "
					  "comma-separated)", optarg);
				rc = OBS_EXIT_USAGE;
				goto done;
			}
			break;
		case OPT_BUCKET:
			if (obs_duration_parse(optarg, &width, &err) < 0 ||
			    width < OBS_NS_PER_SEC || width % OBS_NS_PER_SEC) {
				if (width && width % OBS_NS_PER_SEC == 0)
					obs_warnx("%s", err.msg);
				else
					obs_warnx("invalid bucket '%s' (expected whole seconds: 10s, 5m, 1h)",
						  optarg);
				rc = OBS_EXIT_USAGE;
				goto done;
			}
			break;
		case 'o':
			if (log_output_parse(optarg, &fmt) < 0) {
				obs_warnx("invalid output format '%s' (expected ndjson, json or text)",
					  optarg);
				rc = OBS_EXIT_USAGE;
				goto done;
			}
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, stats_synopsis, stats_options);
			rc = obs_cli_finish(OBS_EXIT_OK);
			goto done;
		default:
			rc = obs_cli_bad_option("stats", stats_synopsis, argv, c);
			goto done;
		}
	}
	if ((rc = log_filter_setup(&f)) != 0)
		goto done;
	st.first = OBS_TIME_MAX;
	st.last = OBS_TIME_MIN;
	st.wi = width ? -1 : 0;
	st.buckets.width = width ? width : widths[0];
	rc = obs_cli_input_open(&in, argv + optind, argc - optind, "logs", f.since, f.until,
				strict);
	if (rc)
		goto done;
	while ((r = obs_cli_input_next(&in, &line, &len)) > 0) {
		r = obs_filter_match(&f, line, len, &err);
		if (r < 0) {
			if (obs_cli_input_bad(&in, err.msg) < 0)
				break;
			continue;
		}
		if (r == 1)
			stats_add(&st, &f.scan, by);
	}
	p.fmt = obs_output_resolve(fmt, OBS_OUT_TABLE);
	log_out_init(&p.out, p.fmt == OBS_OUT_TABLE ? OBS_OUT_NDJSON : p.fmt, STDOUT_FILENO);
	setlocale(LC_CTYPE, "");
	codeset = nl_langinfo(CODESET);
	p.utf8 = codeset && !strcmp(codeset, "UTF-8");
	p.color = obs_cli_color(STDOUT_FILENO);
	if (print_stats(&p, &st, by, width) < 0)
		status = OBS_EXIT_FAILURE;
	if (log_out_finish(&p.out) < 0)
		status = OBS_EXIT_FAILURE;
	obs_buf_release(&p.b);
	status = obs_cli_input_finish(&in, status);
	rc = obs_cli_finish(status);
done:
	for (i = 0; i < st.services.cap; i++)
		free(st.services.slot[i].name);
	free(st.services.slot);
	free(st.buckets.slot);
	obs_filter_release(&f);
	return rc;
}
