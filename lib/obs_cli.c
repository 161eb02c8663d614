/* SPDX-License-Identifier: MIT */
/* Command-line helpers shared by every obs-* binary. */
#include "obs_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *obs_progname = "obs";

void obs_cli_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	obs_progname = slash ? slash + 1 : argv0;
}

static void vwarn(int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;

	fflush(stdout);
	fprintf(stderr, "%s: ", obs_progname);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void obs_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
}

void obs_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(1, fmt, ap);
	va_end(ap);
}

void obs_cli_usage(FILE *fp, const char *synopsis, const char *options)
{
	fprintf(fp, "usage: %s %s\n", obs_progname, synopsis);
	if (options && *options)
		fprintf(fp, "\n%s", options);
}

int obs_cli_usage_error(const char *synopsis, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vwarn(0, fmt, ap);
		va_end(ap);
	}
	obs_cli_usage(stderr, synopsis, NULL);
	return OBS_EXIT_USAGE;
}

int obs_cli_bad_option(const char *cmd, const char *synopsis, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return obs_cli_usage_error(synopsis, "%s: option '%s' needs a value", cmd, arg);
	if (optopt && strncmp(arg, "--", 2))
		return obs_cli_usage_error(synopsis, "%s: unknown option '-%c'", cmd, optopt);
	return obs_cli_usage_error(synopsis, "%s: unknown option '%s'", cmd, arg);
}

static void print_overview(FILE *fp, const struct obs_cmd *cmds, const char *about)
{
	const struct obs_cmd *c;
	int width = 0;

	fprintf(fp, "usage: %s [--help] [--version] COMMAND [options] [args]\n\n%s\n\ncommands:\n",
		obs_progname, about);
	for (c = cmds; c->name; c++)
		if ((int)strlen(c->name) > width)
			width = (int)strlen(c->name);
	for (c = cmds; c->name; c++)
		fprintf(fp, "  %-*s  %s\n", width, c->name, c->summary);
	fprintf(fp, "\nRun '%s COMMAND --help' for a command's options; 'man %.*s' for more.\n",
		obs_progname, (int)strcspn(obs_progname, " "), obs_progname);
}

static const struct obs_cmd *find_cmd(const struct obs_cmd *cmds, const char *name)
{
	const struct obs_cmd *c;

	for (c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int obs_cli_dispatch(const struct obs_cmd *cmds, const char *about, int argc, char **argv)
{
	const struct obs_cmd *c;
	char *help_argv[] = { NULL, (char *)"--help", NULL };

	if (argc < 2) {
		print_overview(stderr, cmds, about);
		return OBS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_overview(stdout, cmds, about);
		return obs_cli_finish(OBS_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s %s\n", obs_progname, OBS_VERSION);
		return obs_cli_finish(OBS_EXIT_OK);
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			print_overview(stdout, cmds, about);
			return obs_cli_finish(OBS_EXIT_OK);
		}
		c = find_cmd(cmds, argv[2]);
		if (!c)
			goto unknown_help;
		help_argv[0] = (char *)c->name;
		optind = 1;
		return c->fn(2, help_argv);
	}
	if (argv[1][0] == '-') {
		obs_warnx("unknown option '%s'", argv[1]);
		print_overview(stderr, cmds, about);
		return OBS_EXIT_USAGE;
	}
	c = find_cmd(cmds, argv[1]);
	if (!c) {
		obs_warnx("unknown command '%s'", argv[1]);
		fprintf(stderr, "Run '%s --help' for the list of commands.\n", obs_progname);
		return OBS_EXIT_USAGE;
	}
	optind = 1;
	return c->fn(argc - 1, argv + 1);
unknown_help:
	obs_warnx("unknown command '%s'", argv[2]);
	return OBS_EXIT_USAGE;
}

int obs_cli_finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return status;
		obs_warn("write error on standard output");
		return OBS_EXIT_FAILURE;
	}
	return status;
}

int obs_cli_isatty(int fd)
{
	return isatty(fd) == 1;
}

int obs_cli_color(int fd)
{
	const char *term = getenv("TERM");
	const char *no = getenv("NO_COLOR");

	if (no && *no)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return obs_cli_isatty(fd);
}

int obs_output_parse(const char *name, unsigned allowed, enum obs_output *out)
{
	static const struct {
		const char *name;
		enum obs_output out;
	} names[] = {
		{ "ndjson", OBS_OUT_NDJSON }, { "jsonl", OBS_OUT_NDJSON },
		{ "json", OBS_OUT_JSON }, { "table", OBS_OUT_TABLE },
		{ "tree", OBS_OUT_TREE },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name))
			continue;
		if (!(allowed & (1u << names[i].out)))
			return -1;
		*out = names[i].out;
		return 0;
	}
	return -1;
}

enum obs_output obs_output_resolve(enum obs_output out, enum obs_output tty_format)
{
	if (out != OBS_OUT_AUTO)
		return out;
	return obs_cli_isatty(STDOUT_FILENO) ? tty_format : OBS_OUT_NDJSON;
}

/* ---- tables ------------------------------------------------------------ */

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		abort();
	return d;
}

/* 1 for numbers and durations ("12ms", "3m59s"), 0 for text, -1 for an empty or "-" cell. */
static int looks_numeric(const char *s)
{
	char *end;

	if (!*s || !strcmp(s, "-"))
		return -1;
	strtod(s, &end);
	return end != s && strspn(end, "0123456789.nsuµmhdw%") == strlen(end);
}

void obs_table_init(struct obs_table *t, int ncols, const char *const *headers)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->head = calloc((size_t)ncols, sizeof(*t->head));
	t->right = calloc((size_t)ncols, sizeof(*t->right));
	if (!t->head || !t->right)
		abort();
	for (i = 0; i < ncols; i++) {
		t->head[i] = xstrdup(headers[i]);
		t->right[i] = -1;  /* unknown until a row is added */
	}
}

void obs_table_add(struct obs_table *t, const char *const *cells)
{
	char **row;
	int i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = realloc(t->rows, (size_t)t->cap * sizeof(*t->rows));
		if (!t->rows)
			abort();
	}
	row = calloc((size_t)t->ncols, sizeof(*row));
	if (!row)
		abort();
	for (i = 0; i < t->ncols; i++) {
		row[i] = xstrdup(cells[i]);
		if (t->right[i] != 0 && looks_numeric(row[i]) >= 0)
			t->right[i] = looks_numeric(row[i]);
	}
	t->rows[t->nrows++] = row;
}

int obs_cli_text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void print_cell(FILE *fp, const char *s, int width, int right, int last)
{
	int pad = width - obs_cli_text_width(s);

	if (right)
		fprintf(fp, "%*s%s", pad, "", s);
	else if (last)
		fputs(s, fp);
	else
		fprintf(fp, "%s%*s", s, pad, "");
}

int obs_table_print(struct obs_table *t, FILE *fp, int color)
{
	int *width = calloc((size_t)t->ncols, sizeof(*width));
	int i, r;

	if (!width)
		abort();
	for (i = 0; i < t->ncols; i++) {
		width[i] = obs_cli_text_width(t->head[i]);
		for (r = 0; r < t->nrows; r++)
			if (obs_cli_text_width(t->rows[r][i]) > width[i])
				width[i] = obs_cli_text_width(t->rows[r][i]);
	}
	for (r = -1; r < t->nrows; r++) {
		char **row = r < 0 ? t->head : t->rows[r];

		if (r < 0 && color)
			fputs("\033[1m", fp);
		for (i = 0; i < t->ncols; i++) {
			if (i)
				fputs("  ", fp);
			print_cell(fp, row[i], width[i], t->right[i] == 1, i == t->ncols - 1);
		}
		if (r < 0 && color)
			fputs("\033[0m", fp);
		fputc('\n', fp);
	}
	free(width);
	return ferror(fp) ? -1 : 0;
}

void obs_table_release(struct obs_table *t)
{
	int i, r;

	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++)
			free(t->rows[r][i]);
		free(t->rows[r]);
	}
	for (i = 0; i < t->ncols; i++)
		free(t->head[i]);
	free(t->rows);
	free(t->head);
	free(t->right);
	memset(t, 0, sizeof(*t));
}
