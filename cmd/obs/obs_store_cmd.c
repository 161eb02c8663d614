/* SPDX-License-Identifier: MIT */
/* obs store: info, compact, prune, verify. */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_jscan.h"
#include "obs_ndjson.h"
#include "obs_segidx.h"
#include "obs_store.h"
#include "obs_time.h"
#include "obs_upkeep.h"
#include "obs_store_cmd.h"

#define DAY_NS (86400LL * OBS_NS_PER_SEC)

/* Options shared by the store commands. */
struct store_opts {
	const char *signal;        /* only this signal, or NULL */
	int64_t older_than;        /* -1: not given; -2: not given but required */
	int level, dry_run;
	enum obs_output out;
};

static const char store_options[] =
	"options:\n"
	"  -s, --signal NAME      only this signal (spans, metrics, logs, events, ...)\n"
	"      --older-than DUR   days that ended at least DUR ago (compact: 2d; prune: required)\n"
	"  -l, --level N          gzip level for compact, 1-9 (6)\n"
	"  -n, --dry-run          say what would be done, do nothing\n"
	"  -o, --output FORMAT    info: table or json\n"
	"  -h, --help             show this help\n";

static int parse_store_opts(int argc, char **argv, const char *synopsis, struct store_opts *o)
{
	static const struct option longopts[] = {
		{ "signal", required_argument, NULL, 's' },
		{ "older-than", required_argument, NULL, 'O' },
		{ "level", required_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct obs_error err;
	int c;

	while ((c = getopt_long(argc, argv, "s:l:no:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->signal = optarg;
			break;
		case 'O':
			if (obs_duration_parse(optarg, &o->older_than, &err) < 0)
				return obs_cli_usage_error(synopsis, "%s", err.msg);
			break;
		case 'l':
			o->level = atoi(optarg);
			if (o->level < 1 || o->level > 9 || strspn(optarg, "0123456789") != strlen(optarg))
				return obs_cli_usage_error(synopsis, "invalid level '%s': expected 1 to 9", optarg);
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case 'o':
			if (obs_output_parse(optarg, 1u << OBS_OUT_TABLE | 1u << OBS_OUT_JSON, &o->out) < 0)
				return obs_cli_usage_error(synopsis, "unknown output format '%s'", optarg);
			break;
		case 'h':
			obs_cli_usage(stdout, synopsis, store_options);
			return obs_cli_finish(-1);
		default:
			return obs_cli_usage_error(synopsis, NULL);
		}
	}
	if (optind != argc)
		return obs_cli_usage_error(synopsis, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Parse options; -1 for --help (exit 0), >0 an exit status, 0 go on. */
static int store_begin(int argc, char **argv, const char *synopsis, struct store_opts *o,
		       struct obs_store *st, struct obs_segment_list *l)
{
	struct obs_error err;
	int rc = parse_store_opts(argc, argv, synopsis, o);

	if (rc)
		return rc;
	if (o->older_than == -2)
		return obs_cli_usage_error(synopsis, "--older-than is needed (say '30d' to keep 30 days)");
	if (obs_store_open(st, NULL, &err) < 0) {
		obs_warnx("%s", err.msg);
		return OBS_EXIT_FAILURE;
	}
	if (obs_store_list(st, l, &err) < 0) {
		obs_warnx("%s", err.msg);
		obs_store_release(st);
		return OBS_EXIT_FAILURE;
	}
	return 0;
}

static int wanted(const struct store_opts *o, const struct obs_segment *s)
{
	return !o->signal || !strcmp(o->signal, s->signal);
}

/* 1 if day DAY ended at least OLDER_THAN before now. */
static int day_older(int64_t day, int64_t older_than)
{
	return (day + 1) * DAY_NS <= obs_time_now() - older_than;
}

static void day_text(int64_t day, char *buf, size_t size)
{
	obs_time_day(day * DAY_NS, buf, size);
}

/* ---- info ---------------------------------------------------------------- */

struct signal_info {
	const char *signal;
	int segments, compressed;
	long long bytes;
	int64_t first, last;
};

static json_t *info_json(const char *root, const struct signal_info *si, int n)
{
	json_t *arr = json_array();
	char first[16], last[16];
	int i;

	for (i = 0; i < n; i++) {
		day_text(si[i].first, first, sizeof(first));
		day_text(si[i].last, last, sizeof(last));
		json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:I, s:s, s:s}",
						     "signal", si[i].signal, "segments", si[i].segments,
						     "compressed", si[i].compressed, "bytes",
						     (json_int_t)si[i].bytes, "first", first, "last", last));
	}
	return json_pack("{s:s, s:o}", "root", root, "signals", arr);
}

static void info_table(const char *root, const struct signal_info *si, int n)
{
	static const char *const head[] = { "SIGNAL", "SEGMENTS", "COMPRESSED", "BYTES",
					     "FIRST", "LAST" };
	char segs[16], gz[16], bytes[32], first[16], last[16];
	const char *cells[6] = { NULL, segs, gz, bytes, first, last };
	struct obs_table t;
	int i;

	printf("store: %s\n", root);
	obs_table_init(&t, 6, head);
	for (i = 0; i < n; i++) {
		cells[0] = si[i].signal;
		snprintf(segs, sizeof(segs), "%d", si[i].segments);
		snprintf(gz, sizeof(gz), "%d", si[i].compressed);
		snprintf(bytes, sizeof(bytes), "%lld", si[i].bytes);
		day_text(si[i].first, first, sizeof(first));
		day_text(si[i].last, last, sizeof(last));
		obs_table_add(&t, cells);
	}
	obs_table_print(&t, stdout, obs_cli_color(STDOUT_FILENO));
	obs_table_release(&t);
}

static int cmd_info(int argc, char **argv)
{
	static const char synopsis[] = "info [-s SIGNAL] [-o table|json]";
	struct store_opts o = { .older_than = -1, .out = OBS_OUT_AUTO };
	struct obs_segment_list l;
	struct signal_info *si;
	struct obs_store st;
	int i, n = 0, rc = store_begin(argc, argv, synopsis, &o, &st, &l);

	if (rc)
		return rc < 0 ? OBS_EXIT_OK : rc;
	si = calloc((size_t)l.n + 1, sizeof(*si));
	for (i = 0; si && i < l.n; i++) {
		const struct obs_segment *s = &l.seg[i];

		if (!wanted(&o, s))
			continue;
		if (!n || strcmp(si[n - 1].signal, s->signal))
			si[n++] = (struct signal_info){ s->signal, 0, 0, 0, s->day, s->day };
		si[n - 1].segments++;
		si[n - 1].compressed += s->gz;
		si[n - 1].bytes += (long long)s->bytes;
		si[n - 1].last = s->day;
	}
	if (obs_output_resolve(o.out, OBS_OUT_TABLE) == OBS_OUT_JSON) {
		json_t *j = info_json(st.root, si, n);
		size_t len;
		char *text = obs_json_dump_line(j, &len);

		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(j);
	} else {
		info_table(st.root, si, n);
	}
	free(si);
	obs_segment_list_release(&l);
	obs_store_release(&st);
	return obs_cli_finish(OBS_EXIT_OK);
}

/* ---- compact and prune --------------------------------------------------- */

static int cmd_compact(int argc, char **argv)
{
	static const char synopsis[] = "compact [-s SIGNAL] [--older-than DUR] [-l N] [-n]";
	struct store_opts o = { .older_than = 2 * DAY_NS, .level = 6, .out = OBS_OUT_AUTO };
	struct obs_segment_list l;
	struct obs_store st;
	struct obs_error err;
	int i, done = 0, rc = store_begin(argc, argv, synopsis, &o, &st, &l);

	if (rc)
		return rc < 0 ? OBS_EXIT_OK : rc;
	for (i = 0; i < l.n; i++) {
		const struct obs_segment *s = &l.seg[i];

		if (s->gz || !wanted(&o, s) || !day_older(s->day, o.older_than))
			continue;
		printf("%s %s\n", o.dry_run ? "would compact" : "compacted", s->path);
		done++;
		if (!o.dry_run && obs_store_compact_day(&st, s->signal, s->day, o.level, &err) < 0) {
			obs_warnx("%s", err.msg);
			rc = OBS_EXIT_FAILURE;
		}
	}
	if (!done)
		fprintf(stderr, "%s: nothing to compact\n", obs_progname);
	obs_segment_list_release(&l);
	obs_store_release(&st);
	return obs_cli_finish(rc);
}

static int cmd_prune(int argc, char **argv)
{
	static const char synopsis[] = "prune --older-than DUR [-s SIGNAL] [-n]";
	struct store_opts o = { .older_than = -2, .out = OBS_OUT_AUTO };
	struct obs_segment_list l;
	struct obs_store st;
	struct obs_error err;
	int i, rc = store_begin(argc, argv, synopsis, &o, &st, &l);

	if (rc)
		return rc < 0 ? OBS_EXIT_OK : rc;
	for (i = 0; i < l.n; i++) {
		const struct obs_segment *s = &l.seg[i];

		if (!wanted(&o, s) || !day_older(s->day, o.older_than))
			continue;
		printf("%s %s\n", o.dry_run ? "would remove" : "removed", s->path);
		if (!o.dry_run && obs_store_remove_segment(s->path, &err) < 0) {
			obs_warnx("%s", err.msg);
			rc = OBS_EXIT_FAILURE;
		}
	}
	obs_segment_list_release(&l);
	obs_store_release(&st);
	return obs_cli_finish(rc);
}

/* ---- verify -------------------------------------------------------------- */

static void print_warning(void *ctx, const char *msg)
{
	(*(unsigned long *)ctx)++;
	obs_warnx("%s", msg);
}

/* Read every line of PATH back; count records and problems. */
static int verify_segment(const char *path, struct obs_jscan *js, unsigned long *records,
			  unsigned long *problems)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	int rc;

	if (obs_ndjson_open(&r, path, &err) < 0) {
		obs_warnx("%s", err.msg);
		(*problems)++;
		return -1;
	}
	r.warn = print_warning;
	r.warn_ctx = problems;
	r.max_decompressed = 0;   /* a segment of the store, however large its day */
	while ((rc = obs_ndjson_next_line(&r, &line, &len, &err)) > 0) {
		(*records)++;
		if (obs_jscan_parse(js, line, len, &err) < 0) {
			obs_warnx("%s:%lu: %s", path, r.lineno, err.msg);
			(*problems)++;
		} else if (obs_jscan_type(js, 0) != OBS_JSCAN_OBJECT) {
			obs_warnx("%s:%lu: not a JSON object", path, r.lineno);
			(*problems)++;
		}
	}
	if (rc < 0) {
		obs_warnx("%s", err.msg);
		(*problems)++;
	}
	obs_ndjson_close(&r);
	return rc;
}

/* Check the time index of the plain segment PATH; a wrong entry is a problem. */
static void verify_index(const char *path, unsigned long *problems)
{
	char idx[PATH_MAX];
	struct obs_error err;
	size_t usable, bad, wrong;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || obs_segidx_path(idx, path) < 0)
		goto out;
	if (obs_segidx_check(path, fd, &usable, &bad, &wrong, &err) < 0) {
		obs_warnx("%s", err.msg);
		(*problems)++;
	} else if (wrong) {
		obs_warnx("%s: entries that do not match the segment: %zu of %zu; remove the file "
			  "(queries then read the whole day)", idx, wrong, usable);
		(*problems)++;
	} else if (bad) {
		obs_warnx("%s: entries unusable (torn or stale): %zu; their blocks are read in full",
			  idx, bad);
	}
out:
	if (fd >= 0)
		close(fd);
}

static int cmd_verify(int argc, char **argv)
{
	static const char synopsis[] = "verify [-s SIGNAL]";
	struct store_opts o = { .older_than = -1, .out = OBS_OUT_AUTO };
	unsigned long records = 0, problems = 0;
	struct obs_segment_list l;
	struct obs_store st;
	struct obs_jscan js;
	int i, n = 0, rc = store_begin(argc, argv, synopsis, &o, &st, &l);

	if (rc)
		return rc < 0 ? OBS_EXIT_OK : rc;
	obs_jscan_init(&js);
	for (i = 0; i < l.n; i++) {
		if (!wanted(&o, &l.seg[i]))
			continue;
		n++;
		verify_segment(l.seg[i].path, &js, &records, &problems);
		if (!l.seg[i].gz)
			verify_index(l.seg[i].path, &problems);
	}
	obs_jscan_release(&js);
	printf("%d segments, %lu records, %lu problems\n", n, records, problems);
	obs_segment_list_release(&l);
	obs_store_release(&st);
	return obs_cli_finish(problems ? OBS_EXIT_FOUND : OBS_EXIT_OK);
}

static const struct obs_cmd store_cmds[] = {
	{ "info", cmd_info, "info [-s SIGNAL] [-o table|json]",
	  "segments, days and bytes per signal" },
	{ "compact", cmd_compact, "compact [-s SIGNAL] [--older-than DUR] [-l N] [-n]",
	  "gzip the segments of days that ended DUR ago (2d); read transparently" },
	{ "prune", cmd_prune, "prune --older-than DUR [-s SIGNAL] [-n]",
	  "remove the segments of days that ended DUR ago" },
	{ "verify", cmd_verify, "verify [-s SIGNAL]",
	  "read every record back; exit 1 if any is torn or malformed" },
	{ NULL, NULL, NULL, NULL },
};

int cmd_store(int argc, char **argv)
{
	obs_progname = "obs store";
	return obs_cli_dispatch(store_cmds, "Upkeep of the local store ($OBS_HOME).", argc, argv);
}
