/* SPDX-License-Identifier: MIT */
/* The input of every reading command: named files, standard input, or the store. */
#include "obs_source.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *const stdin_files[] = { (char *)"-" };

void obs_source_init(struct obs_source *src)
{
	memset(src, 0, sizeof(*src));
	src->rd.fd = -1;
}

int obs_source_stdin_is_data(void)
{
	struct stat sb;

	if (fstat(STDIN_FILENO, &sb) < 0)
		return 0;
	return S_ISFIFO(sb.st_mode) || S_ISREG(sb.st_mode) || S_ISSOCK(sb.st_mode);
}

/*
 * Warnings from the readers pass through here. In strict mode a skipped
 * line becomes the pending error; torn last lines, which the reader still
 * returns, stay warnings (obs_ndjson words them "torn last line ...").
 */
static void source_warn(void *ctx, const char *msg)
{
	struct obs_source *src = ctx;

	if (src->strict && !strstr(msg, ": torn last line")) {
		size_t n = strlen(msg);

		/* Not skipped after all: it stops the reading. */
		if (n >= 9 && !strcmp(msg + n - 9, ", skipped"))
			n -= 9;
		if (!src->pending.msg[0])
			obs_error_set(&src->pending, "%.*s", (int)n, msg);
		return;
	}
	if (src->warn)
		src->warn(src->warn_ctx, msg);
}

int obs_source_open(struct obs_source *src, char *const *files, int nfiles, const char *signal,
		    int64_t since, int64_t until, struct obs_error *err)
{
	if (nfiles > 0) {
		src->files = files;
		src->nfiles = nfiles;
		return 0;
	}
	if (obs_source_stdin_is_data()) {
		src->files = stdin_files;
		src->nfiles = 1;
		return 0;
	}
	if (obs_store_open(&src->st, src->store_root, err) < 0)
		return -1;
	src->st_open = 1;
	if (obs_store_scan_open(&src->sc, &src->st, signal, since, until, err) < 0)
		return -1;
	src->sc.warn = source_warn;
	src->sc.warn_ctx = src;
	src->sc.max_line = src->max_line;
	src->from_store = 1;
	return 0;
}

/* Keep our own copy of the input's name: the reader's goes with the reader. */
static int set_name(struct obs_source *src, const char *name)
{
	char *copy;

	if (src->name && !strcmp(src->name, name))
		return 0;
	copy = strdup(name);
	if (!copy)
		return -1;
	free(src->name);
	src->name = copy;
	return 0;
}

static void end_file(struct obs_source *src)
{
	src->done_skipped += src->rd.skipped;
	src->done_torn += (unsigned long)src->rd.torn;
	obs_ndjson_close(&src->rd);
	src->rd_open = 0;
}

/* Take the pending strict-mode error, if any. */
static int take_pending(struct obs_source *src, struct obs_error *err)
{
	if (!src->pending.msg[0])
		return 0;
	if (err)
		*err = src->pending;
	src->pending.msg[0] = '\0';
	return -1;
}

static int next_file(struct obs_source *src, const char **line, size_t *len, struct obs_error *err)
{
	const char *path;
	int r;

	for (;;) {
		if (!src->rd_open) {
			if (src->next >= src->nfiles)
				return 0;
			path = src->files[src->next++];
			if (obs_ndjson_open(&src->rd, path, err) < 0)
				return -1;
			if (src->max_line)
				src->rd.max_line = src->max_line;
			src->rd.warn = source_warn;
			src->rd.warn_ctx = src;
			src->rd_open = 1;
			src->inputs++;
		}
		r = obs_ndjson_next_line(&src->rd, line, len, err);
		if (r == 1 && set_name(src, src->rd.name) < 0)
			return obs_error_set(err, "out of memory");
		src->lineno = src->rd.lineno;
		src->line_torn = src->rd.torn;
		src->skipped = src->done_skipped + src->rd.skipped;
		src->torn = src->done_torn + (unsigned long)src->rd.torn;
		if (r == 1)
			return 1;
		/* At the end or after an error, this input is done; the next call goes on. */
		end_file(src);
		if (r < 0)
			return -1;
	}
}

static int next_store(struct obs_source *src, const char **line, size_t *len,
		      struct obs_error *err)
{
	int before = src->sc.next, r;

	r = obs_store_scan_next(&src->sc, line, len, err);
	if (src->sc.next != before)
		src->inputs += src->sc.next - before;
	src->skipped = src->sc.skipped;
	src->torn = src->sc.torn;
	if (r == 1) {
		if (set_name(src, src->sc.rd.name) < 0)
			return obs_error_set(err, "out of memory");
		src->lineno = src->sc.rd.lineno;
		src->line_torn = src->sc.rd.torn;
		return 1;
	}
	/* A segment that failed mid-read (truncated gzip, I/O error) would fail again. */
	if (r < 0)
		obs_store_scan_skip_segment(&src->sc);
	return r;
}

int obs_source_next(struct obs_source *src, const char **line, size_t *len, struct obs_error *err)
{
	int r;

	if (src->held) {
		/* The line read just before a strict-mode error was returned. */
		src->held = 0;
		*line = src->held_line;
		*len = src->held_len;
		return 1;
	}
	if (take_pending(src, err) < 0)
		return -1;
	r = src->from_store ? next_store(src, line, len, err) : next_file(src, line, len, err);
	if (r >= 0 && take_pending(src, err) < 0) {
		if (r == 1) {
			src->held = 1;
			src->held_line = *line;
			src->held_len = *len;
		}
		return -1;
	}
	return r;
}

void obs_source_close(struct obs_source *src)
{
	if (src->rd_open)
		end_file(src);
	if (src->from_store)
		obs_store_scan_close(&src->sc);
	if (src->st_open)
		obs_store_release(&src->st);
	free(src->name);
	src->name = NULL;
	src->rd_open = src->st_open = src->from_store = 0;
	src->files = NULL;
	src->nfiles = src->next = 0;
}
