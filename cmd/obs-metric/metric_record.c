/* SPDX-License-Identifier: MIT */
/* obs-metric inc, add, set, observe: record one sample of a counter, gauge, histogram or summary. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metric.h"
#include "obs_cli.h"
#include "obs_metric.h"
#include "obs_promtext.h"
#include "obs_time.h"

static const char common_options[] =
	"  -l, --label NAME=VALUE  a label (repeatable)\n"
	"      --help-text TEXT    the metric's HELP text\n"
	"      --unit UNIT         the metric's unit ('seconds', 'bytes')\n"
	"      --time TIME         when (RFC 3339, Unix time, or a duration ago: '5m');\n"
	"                          default now\n"
	"      --stdout            write the record to standard output, not the store\n"
	"  -h, --help              show this help\n"
	"\n"
	"Names follow Prometheus's rules: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label\n"
	"names [a-zA-Z_][a-zA-Z0-9_]* not starting with '__'. Values are written as\n"
	"Prometheus reads them (1, 2.5, 1e3, NaN, +Inf).\n"
	"Exit status: 0 recorded, 2 usage error (bad name, label, value, time),\n"
	"3 the store cannot be written.\n";

/* What each command records. */
struct kind {
	const char *cmd;
	const char *synopsis;
	const char *about;          /* first lines of --help */
	enum obs_metric_type type;
	int has_value;              /* VALUE argument (all but inc) */
	int increment;              /* counters: finite and >= 0 */
};

static const struct kind kinds[] = {
	{ "inc", "inc [--by N] [options] NAME",
	  "Adds 1, or N, to the counter NAME (a delta record; exposition and queries\n"
	  "sum the deltas into a running total). Name counters '..._total'.\n\n"
	  "options:\n"
	  "      --by N              the increment (default 1; finite, not negative)\n",
	  OBS_METRIC_COUNTER, 0, 1 },
	{ "add", "add [options] NAME VALUE",
	  "Adds VALUE (finite, not negative) to the counter NAME.\n\noptions:\n",
	  OBS_METRIC_COUNTER, 1, 1 },
	{ "set", "set [options] NAME VALUE",
	  "Sets the gauge NAME to VALUE.\n\noptions:\n",
	  OBS_METRIC_GAUGE, 1, 0 },
	{ "observe", "observe [--type histogram|summary] [options] NAME VALUE",
	  "Records one observation of the histogram (default) or summary NAME:\n"
	  "'expose --buckets' turns observations into _bucket/_sum/_count lines.\n\n"
	  "options:\n"
	  "      --type TYPE         histogram (default) or summary\n",
	  OBS_METRIC_HISTOGRAM, 1, 0 },
};

struct record_opts {
	const struct kind *k;
	enum obs_metric_type type;
	json_t *labels;
	const char *help, *unit, *by;
	int64_t time;
	int has_time;
	int to_stdout;
};

enum { OPT_HELP_TEXT = 256, OPT_UNIT, OPT_TIME, OPT_STDOUT, OPT_BY, OPT_TYPE };

static int usage_help(const struct kind *k)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", k->about, common_options);
	obs_cli_usage(stdout, k->synopsis, text);
	return 1;
}

static int unit_ok(const char *u)
{
	return strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
	       strlen(u);
}

static int not_here(const struct kind *k, const char *opt)
{
	return obs_cli_usage_error(k->synopsis, "%s: unknown option '%s'", k->cmd, opt);
}

/* One option; 0, 1 after --help, or an exit status. */
static int record_opt(struct record_opts *o, int c, char **argv)
{
	switch (c) {
	case 'l':
		return metric_label_opt(o->labels, optarg);
	case OPT_HELP_TEXT:
		o->help = optarg;
		return 0;
	case OPT_UNIT:
		if (!unit_ok(optarg)) {
			obs_warnx("invalid unit '%s' (expected letters, digits and '_')", optarg);
			return OBS_EXIT_USAGE;
		}
		o->unit = optarg;
		return 0;
	case OPT_TIME:
		o->has_time = 1;
		return metric_time_opt("--time", optarg, obs_time_now(), &o->time);
	case OPT_STDOUT:
		o->to_stdout = 1;
		return 0;
	case OPT_BY:
		if (o->k->has_value)
			return not_here(o->k, "--by");
		o->by = optarg;
		return 0;
	case OPT_TYPE:
		if (o->k->type != OBS_METRIC_HISTOGRAM)
			return not_here(o->k, "--type");
		if (strcmp(optarg, "histogram") && strcmp(optarg, "summary")) {
			obs_warnx("invalid type '%s' (expected histogram or summary)", optarg);
			return OBS_EXIT_USAGE;
		}
		o->type = optarg[0] == 'h' ? OBS_METRIC_HISTOGRAM : OBS_METRIC_SUMMARY;
		return 0;
	case 'h':
		return usage_help(o->k);
	default:
		return obs_cli_bad_option(o->k->cmd, o->k->synopsis, argv, c);
	}
}

static const struct option longopts[] = {
	{ "label", required_argument, NULL, 'l' },
	{ "help-text", required_argument, NULL, OPT_HELP_TEXT },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "stdout", no_argument, NULL, OPT_STDOUT },
	{ "by", required_argument, NULL, OPT_BY },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* 1 if ARG is an option whose value is the next argument ("-l", "--label", "--lab"). */
static int takes_next(const char *arg)
{
	size_t i, n;

	if (strcmp(arg, "-l") == 0)
		return 1;
	if (strncmp(arg, "--", 2) || strchr(arg, '='))
		return 0;
	n = strlen(arg + 2);
	for (i = 0; n && longopts[i].name; i++)
		if (strncmp(longopts[i].name, arg + 2, n) == 0 && longopts[i].has_arg)
			return 1;
	return 0;
}

/*
 * Take a negative VALUE ("set temp -5", "-Inf") out of ARGV before getopt
 * sees it as options; returns it, or NULL. ARGC shrinks.
 */
static char *take_negative_value(int *argc, char **argv)
{
	char *found = NULL;
	double v;
	int i, j;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (takes_next(argv[i])) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] &&
		    obs_promtext_parse_value(argv[i], strlen(argv[i]), &v) == 0 && !found) {
			found = argv[i];
			for (j = i; j < *argc; j++)
				argv[j] = argv[j + 1];
			(*argc)--;
			i--;
		}
	}
	return found;
}

static int parse_opts(int argc, char **argv, struct record_opts *o)
{
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:h", longopts, NULL)) != -1) {
		rc = record_opt(o, c, argv);
		if (rc)
			return rc;
	}
	return 0;
}

/* VALUE as Prometheus reads it, checked for the kind of metric; 0 or an exit status. */
static int parse_value(const struct kind *k, const char *what, const char *s, double *v)
{
	if (obs_promtext_parse_value(s, strlen(s), v) < 0) {
		obs_warnx("invalid %s '%s' (expected a number such as 1, 2.5, 1e3, NaN, +Inf)", what,
			  s);
		return OBS_EXIT_USAGE;
	}
	if (k->increment && (!isfinite(*v) || *v < 0)) {
		obs_warnx("invalid %s '%s': a counter only goes up (expected a finite number >= 0)",
			  what, s);
		return OBS_EXIT_USAGE;
	}
	return 0;
}

/* NAME [VALUE] after the options; 0 or an exit status. */
static int operands(const struct record_opts *o, char **args, int n, const char *negative,
		    const char **name, double *value)
{
	const struct kind *k = o->k;
	int want = k->has_value ? 2 : 1;

	if (negative && k->has_value && n == 1) {
		args[1] = (char *)negative;
		n = 2;
	} else if (negative) {
		return obs_cli_usage_error(k->synopsis, "%s: unexpected argument '%s'", k->cmd,
					   negative);
	}
	if (n < want)
		return obs_cli_usage_error(k->synopsis, "%s: missing %s", k->cmd,
					   n == 0 ? "metric name" : "value");
	if (n > want)
		return obs_cli_usage_error(k->synopsis, "%s: unexpected argument '%s'", k->cmd,
					   args[want]);
	*name = args[0];
	if (!obs_metric_name_valid(*name)) {
		obs_warnx("invalid metric name '%s' (expected [a-zA-Z_:][a-zA-Z0-9_:]*)", *name);
		return OBS_EXIT_USAGE;
	}
	if (k->has_value)
		return parse_value(k, "value", args[1], value);
	*value = 1;
	return o->by ? parse_value(k, "increment", o->by, value) : 0;
}

/* An observation may not carry the label its exposition adds. */
static int check_labels(const struct record_opts *o)
{
	const char *reserved = o->type == OBS_METRIC_HISTOGRAM ? "le" :
			       o->type == OBS_METRIC_SUMMARY ? "quantile" : NULL;

	if (o->k->type == OBS_METRIC_HISTOGRAM && reserved && json_object_get(o->labels, reserved)) {
		obs_warnx("invalid label '%s': a %s adds it itself", reserved,
			  obs_metric_type_name(o->type));
		return OBS_EXIT_USAGE;
	}
	return 0;
}

static int write_record(const struct record_opts *o, const char *name, double value)
{
	struct metric_sink sink;
	json_t *rec;
	int rc;

	rec = obs_metric_new(name, o->type, value, o->labels, o->time, o->help, o->unit, 0);
	if (!rec) {
		obs_warnx("out of memory");
		return OBS_EXIT_FAILURE;
	}
	rc = metric_sink_open(&sink, o->to_stdout);
	if (rc == 0 && (metric_sink_add(&sink, rec, o->time) < 0 || metric_sink_flush(&sink) < 0))
		rc = OBS_EXIT_FAILURE;
	metric_sink_close(&sink);
	json_decref(rec);
	return rc;
}

static int run(const struct kind *k, int argc, char **argv)
{
	struct record_opts o;
	const char *name = NULL;
	char *negative;
	double value = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.k = k;
	o.type = k->type;
	o.labels = json_object();
	negative = take_negative_value(&argc, argv);
	rc = parse_opts(argc, argv, &o);
	if (rc == 0 && !o.has_time)
		o.time = obs_time_now();
	if (rc == 0)
		rc = operands(&o, argv + optind, argc - optind, negative, &name, &value);
	if (rc == 0)
		rc = check_labels(&o);
	if (rc == 0)
		rc = write_record(&o, name, value);
	json_decref(o.labels);
	if (rc == 1)
		return obs_cli_finish(OBS_EXIT_OK);
	return obs_cli_finish(rc);
}

int cmd_inc(int argc, char **argv)
{
	return run(&kinds[0], argc, argv);
}

int cmd_add(int argc, char **argv)
{
	return run(&kinds[1], argc, argv);
}

int cmd_set(int argc, char **argv)
{
	return run(&kinds[2], argc, argv);
}

int cmd_observe(int argc, char **argv)
{
	return run(&kinds[3], argc, argv);
}
