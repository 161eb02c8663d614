/* SPDX-License-Identifier: MIT */
/* Command-line helpers shared by every obs-* binary. */
#ifndef OBS_CLI_H
#define OBS_CLI_H

#include <stdio.h>

/*
 * obs_cli is the one module that prints: it is the part of cmd/ that all
 * binaries share (diagnostics, usage, tables). Other modules never print.
 */

enum {
	OBS_EXIT_OK = 0,
	OBS_EXIT_FOUND = 1,    /* ran, and found something to report */
	OBS_EXIT_USAGE = 2,    /* usage or configuration error */
	OBS_EXIT_FAILURE = 3,  /* runtime failure */
};

struct obs_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);   /* argv[0] is the command name */
	const char *synopsis;               /* "exec [options] -- CMD [ARGS]" */
	const char *summary;                /* one line */
};

extern const char *obs_progname;

/* Set obs_progname from argv[0] (basename). */
void obs_cli_init(const char *argv0);

/*
 * Run the command named by argv[1] from the NULL-terminated table CMDS.
 * Handles --help/-h and --version at the top and "help CMD". Unknown
 * commands are a usage error (2). ABOUT is one line describing the binary.
 */
int obs_cli_dispatch(const struct obs_cmd *cmds, const char *about, int argc, char **argv);

/* Diagnostics on stderr: "prog: message". warn appends ": strerror(errno)". */
void obs_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void obs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Print "usage: prog SYNOPSIS" to FP. For subcommands: call from an option
 * parser with the cmd's synopsis and the options help text (may be NULL).
 */
void obs_cli_usage(FILE *fp, const char *synopsis, const char *options);
/* Print usage to stderr and return OBS_EXIT_USAGE. */
int obs_cli_usage_error(const char *synopsis, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * After getopt_long returned C ('?' or ':', with ':' first in its option
 * string) for command CMD: "CMD: option '--x' needs a value" or "CMD:
 * unknown option '-x'" with the usage; returns OBS_EXIT_USAGE.
 */
int obs_cli_bad_option(const char *cmd, const char *synopsis, char **argv, int c);

/* Flush stdout and report write errors; returns STATUS, or OBS_EXIT_FAILURE on error. */
int obs_cli_finish(int status);

/* 1 if FD is a terminal. */
int obs_cli_isatty(int fd);
/* 1 if colour should be used on FD: a terminal, NO_COLOR unset, TERM not "dumb". */
int obs_cli_color(int fd);

/* Output formats selected with -o. */
enum obs_output {
	OBS_OUT_AUTO,      /* table on a terminal, ndjson otherwise */
	OBS_OUT_NDJSON,
	OBS_OUT_JSON,
	OBS_OUT_TABLE,
	OBS_OUT_TREE,
};
/* Parse NAME ("ndjson", "json", "table", "tree") against the formats ALLOWED (bitmask of 1<<OBS_OUT_*). 0 ok, -1 unknown. */
int obs_output_parse(const char *name, unsigned allowed, enum obs_output *out);
/* Resolve AUTO to TTY_FORMAT when stdout is a terminal, else NDJSON. */
enum obs_output obs_output_resolve(enum obs_output out, enum obs_output tty_format);

/* Display width of UTF-8 string S: its code points, not bytes (wide glyphs are rare here). */
int obs_cli_text_width(const char *s);

/* An aligned text table; cells are copied. Numeric-looking columns are right-aligned. */
struct obs_table {
	int ncols;
	char **head;
	char ***rows;
	int nrows, cap;
	int *right;   /* per column: right-align */
};
void obs_table_init(struct obs_table *t, int ncols, const char *const *headers);
void obs_table_add(struct obs_table *t, const char *const *cells);
/* Print with two spaces between columns; header bold when COLOR. Returns 0 / -1 on write error. */
int obs_table_print(struct obs_table *t, FILE *fp, int color);
void obs_table_release(struct obs_table *t);

#endif
