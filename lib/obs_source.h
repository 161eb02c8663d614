/* SPDX-License-Identifier: MIT */
/* The input of every reading command: named files, standard input, or the store. */
#ifndef OBS_SOURCE_H
#define OBS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "obs_error.h"
#include "obs_ndjson.h"
#include "obs_store.h"

/*
 * The rule every tool follows: the files named as arguments ("-" is
 * standard input), plain or gzip; with none, standard input when it is a
 * pipe, a socket or a regular file; otherwise (a terminal, /dev/null
 * under cron) the store's segments of one signal whose days meet
 * [since, until]. Lines come one at a time through one reused buffer.
 */
struct obs_source {
	/* Settings: fill in after _init, before _open. */
	obs_ndjson_warn_fn *warn;   /* oversized and torn lines ("NAME:LINE: ..."); may be NULL */
	void *warn_ctx;
	size_t max_line;            /* 0: OBS_NDJSON_MAX_LINE */
	int strict;                 /* 1: an oversized line is an error (-1), not a warning */
	const char *store_root;     /* NULL: obs_store_open's default location */

	/* Read-only. */
	int from_store;             /* 1 when reading the store */
	char *name;                 /* input of the line last returned ("<stdin>", a path), until _close */
	unsigned long lineno;       /* its line number in that input */
	int line_torn;              /* 1 if that line is a final line without newline */
	unsigned long skipped;      /* oversized lines skipped, over all inputs */
	unsigned long torn;         /* torn last lines met, over all inputs */
	int inputs;                 /* inputs opened so far (files or segments) */

	/* Private. */
	char *const *files;
	int nfiles, next;
	struct obs_ndjson_reader rd;
	int rd_open;
	unsigned long done_skipped, done_torn;
	struct obs_store st;
	struct obs_store_scan sc;
	int st_open;
	struct obs_error pending;   /* strict: the warning that became an error */
	int held;                   /* a line read before that error, returned next */
	const char *held_line;
	size_t held_len;
};

void obs_source_init(struct obs_source *src);

/*
 * Choose the inputs: FILES (NFILES names, borrowed until _close), or when
 * NFILES is 0, standard input or the store (SIGNAL, days of [SINCE,
 * UNTIL]). Opening the store can fail ("cannot locate the store ...").
 * 0 / -1.
 */
int obs_source_open(struct obs_source *src, char *const *files, int nfiles, const char *signal,
		    int64_t since, int64_t until, struct obs_error *err);

/*
 * Next line, without its newline and NUL-terminated, borrowed until the
 * next call; src->name and src->lineno say where it is from. Returns 1,
 * 0 at the end of all inputs, or -1: a file that cannot be opened or
 * read, a gzip error, or an oversized line in strict mode. After -1 the
 * caller may call again to go on with the next input.
 */
int obs_source_next(struct obs_source *src, const char **line, size_t *len, struct obs_error *err);

void obs_source_close(struct obs_source *src);

/* 1 if standard input should be read when no file is named: a pipe, socket or regular file. */
int obs_source_stdin_is_data(void);

#endif
