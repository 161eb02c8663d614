/* SPDX-License-Identifier: MIT */
/* libFuzzer target for obs_collect: any /proc file content gives samples or an error, never a crash. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "obs_collect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first input byte picks the file, the rest is its content. */
static const char *const files[] = {
	"stat", "meminfo", "loadavg", "1/mounts", "diskstats", "net/dev", "9/stat", "9/limits",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static char dir[64];

static void cleanup(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/1", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/9", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/net", dir);
	rmdir(path);
	rmdir(dir);
}

static int setup(void)
{
	char path[128];

	strcpy(dir, "/tmp/obs-fuzz-collect-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/1", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/9", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/net", dir);
	mkdir(path, 0700);
	return 0;
}

static int emit(void *ctx, const char *name, enum obs_metric_type type, const char *help,
		const char *unit, json_t *labels, double value)
{
	(void)ctx;
	(void)unit;
	/* what the text format and the record need: a name, a help, string labels, a number */
	if (!*name || !help || !json_is_object(labels) || isnan(value) ||
	    (value < 0 && strcmp(name, "node_time_zone_offset_seconds") != 0))
		abort();
	if (type != OBS_METRIC_COUNTER && type != OBS_METRIC_GAUGE)
		abort();
	return 0;
}

static int quick_statfs(const char *path, struct statfs *st)
{
	(void)path;
	memset(st, 0, sizeof(*st));
	st->f_bsize = 4096;
	st->f_blocks = 10;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct obs_collect_opts o;
	struct obs_error err;
	char path[128];
	size_t i;
	int fd;

	if (!ready) {
		if (setup() < 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, files[data[0] % NFILES]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);

	obs_collect_opts_init(&o);
	o.procfs = dir;
	o.emit = emit;
	o.statfs_fn = quick_statfs;
	o.statfs_timeout_ms = -1;
	o.now_ns = 1;
	obs_collect_host(&o, &err);
	obs_collect_process(&o, 9, NULL, &err);
	return 0;
}
