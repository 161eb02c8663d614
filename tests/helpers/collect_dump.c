/* SPDX-License-Identifier: MIT */
/* Test helper: print what obs_collect_host / obs_collect_process emit, in the Prometheus text format. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs_collect.h"

struct dump {
	char family[256];
	long samples;
};

static void print_escaped(const char *s, int in_help)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '"' && !in_help)
			fputs("\\\"", stdout);
		else
			putchar(*s);
	}
}

static void print_value(double v)
{
	char buf[64];

	if (isnan(v)) {
		fputs("NaN", stdout);
		return;
	}
	if (isinf(v)) {
		fputs(v > 0 ? "+Inf" : "-Inf", stdout);
		return;
	}
	/* the shortest form that reads back the same */
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, stdout);
}

static int emit(void *ctx, const char *name, enum obs_metric_type type, const char *help,
		const char *unit, json_t *labels, double value)
{
	struct dump *d = ctx;
	const char *k;
	json_t *v;
	int first = 1;

	(void)unit;
	if (strcmp(d->family, name) != 0) {
		snprintf(d->family, sizeof(d->family), "%s", name);
		printf("# HELP %s ", name);
		print_escaped(help, 1);
		printf("\n# TYPE %s %s\n", name, type == OBS_METRIC_COUNTER ? "counter" : "gauge");
	}
	fputs(name, stdout);
	json_object_foreach(labels, k, v) {
		printf("%s%s=\"", first ? "{" : ",", k);
		print_escaped(json_string_value(v), 0);
		putchar('"');
		first = 0;
	}
	if (!first)
		putchar('}');
	putchar(' ');
	print_value(value);
	putchar('\n');
	d->samples++;
	return 0;
}

static void warn(void *ctx, const char *collector, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "collect_dump: skipping %s: %s\n", collector, msg);
}

static int usage(void)
{
	fputs("usage: collect_dump [--procfs DIR] [--rootfs DIR] [--collectors a,b,...]\n"
	      "                    [--process PID [--label NAME=VALUE]...]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct obs_collect_opts o;
	struct obs_error err = { "" };
	struct dump d = { "", 0 };
	json_t *labels = json_object();
	long pid = -1;
	int i, rc;

	obs_collect_opts_init(&o);
	o.emit = emit;
	o.warn = warn;
	o.ctx = &d;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return usage();
		i++;
		if (strcmp(a, "--procfs") == 0) {
			o.procfs = val;
		} else if (strcmp(a, "--rootfs") == 0) {
			o.rootfs = val;
		} else if (strcmp(a, "--process") == 0) {
			pid = strtol(val, NULL, 10);
		} else if (strcmp(a, "--label") == 0) {
			const char *eq = strchr(val, '=');
			char name[128];

			if (!eq || (size_t)(eq - val) >= sizeof(name))
				return usage();
			memcpy(name, val, (size_t)(eq - val));
			name[eq - val] = '\0';
			json_object_set_new(labels, name, json_string(eq + 1));
		} else if (strcmp(a, "--collectors") == 0) {
			char *list = strdup(val), *tok, *save = NULL;

			o.collectors = 0;
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				unsigned bit = obs_collect_collector_bit(tok);

				if (!bit) {
					fprintf(stderr, "collect_dump: unknown collector '%s'\n", tok);
					free(list);
					return 2;
				}
				o.collectors |= bit;
			}
			free(list);
		} else {
			return usage();
		}
	}
	if (pid >= 0)
		rc = obs_collect_process(&o, (pid_t)pid, labels, &err);
	else
		rc = obs_collect_host(&o, &err);
	json_decref(labels);
	if (rc < 0) {
		fprintf(stderr, "collect_dump: %s\n", err.msg);
		return 3;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "collect_dump: cannot write output: %s\n", strerror(errno));
		return 3;
	}
	return 0;
}
