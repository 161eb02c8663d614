/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the segment time index: any index file gives a sane plan, never a crash. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obs_ndjson.h"
#include "obs_segidx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], seg[128], idx[128];
static ino_t ino;
static uint64_t seg_size;

static void cleanup(void)
{
	unlink(seg);
	unlink(idx);
	rmdir(dir);
}

/* A segment of 64 lines of 1 to 64 bytes each ("{}" padded with spaces). */
static int setup(void)
{
	struct stat sb;
	FILE *fp;
	int i;

	strcpy(dir, "/tmp/obs-fuzz-segidx-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	atexit(cleanup);
	snprintf(seg, sizeof(seg), "%s/2026-11-24.ndjson", dir);
	if (obs_segidx_path(idx, seg) < 0)
		return -1;
	fp = fopen(seg, "w");
	if (!fp)
		return -1;
	for (i = 1; i <= 64; i++)
		fprintf(fp, "{}%*s\n", i, "");
	if (fclose(fp) != 0 || stat(seg, &sb) < 0)
		return -1;
	ino = sb.st_ino;
	seg_size = (uint64_t)sb.st_size;
	return 0;
}

static uint64_t take(const uint8_t **p, size_t *n, int bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0 && *n > 0) {
		v = v << 8 | **p;
		(*p)++;
		(*n)--;
	}
	return v;
}

/* Mode 0: the input is the index file. Else: entries made by obs_segidx_note from it. */
static void make_index(const uint8_t *data, size_t size)
{
	int fd;

	unlink(idx);
	if (data[0] % 2 == 0) {
		fd = open(idx, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			if (write(fd, data + 1, size - 1) < 0) {
				/* the plan below copes with whatever is there */
			}
			close(fd);
		}
		return;
	}
	data++;
	size--;
	while (size >= 6) {
		struct obs_segidx_entry e;

		e.off = take(&data, &size, 2) % (seg_size + 8);
		e.len = take(&data, &size, 2) % 600 + 1;
		e.lines = take(&data, &size, 1);
		e.min = (int64_t)take(&data, &size, 1);
		e.max = e.min + (int64_t)take(&data, &size, 1);
		obs_segidx_note(seg, ino, &e);
	}
}

/* Read the planned ranges as a scan would: every range starts and ends on a line. */
static void read_plan(int64_t since, int64_t until)
{
	struct obs_segidx_range *r;
	struct obs_ndjson_reader rd;
	struct obs_error err;
	const char *line;
	size_t n, i, len;
	int fd, stale;

	fd = open(seg, O_RDONLY);
	if (fd < 0)
		return;
	if (obs_segidx_plan(seg, fd, since, until, &r, &n, &stale, &err) < 0) {
		close(fd);
		return;
	}
	if (n == 0 || r[n - 1].end != OBS_SEGIDX_TO_EOF)
		abort();
	if (obs_ndjson_fdopen(&rd, fd, 1, seg, &err) == 0) {
		for (i = 0; i < n; i++) {
			if ((i > 0 && r[i].off < r[i - 1].end) || r[i].off > r[i].end)
				abort();
			if (obs_ndjson_seek(&rd, r[i].off, r[i].end == OBS_SEGIDX_TO_EOF ? 0 : r[i].end,
					    (unsigned long)r[i].skipped_lines, &err) < 0)
				abort();
			while (obs_ndjson_next_line(&rd, &line, &len, &err) > 0)
				if (line[0] != '{')
					abort();
			if (rd.torn)
				abort();
		}
	}
	obs_ndjson_close(&rd);
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		if (setup() < 0)
			return 0;
		ready = 1;
	}
	if (size < 3)
		return 0;
	make_index(data + 2, size - 2);
	read_plan(data[0], (int64_t)data[0] + data[1]);
	return 0;
}
