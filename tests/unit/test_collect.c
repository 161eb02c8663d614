/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_collect: host and process metrics from fixture /proc trees and the live /proc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "obs_collect.h"
#include "obs_time.h"

/* ---- capture ------------------------------------------------------------ */

struct cap {
	json_t *samples;        /* [{name, type, help, unit, labels, value}] in emit order */
	json_t *warnings;       /* ["collector: message"] */
	int stop_at;            /* emit says stop at this sample (1-based); 0 never */
	int n;
};

static int cap_emit(void *ctx, const char *name, enum obs_metric_type type, const char *help,
		    const char *unit, json_t *labels, double value)
{
	struct cap *c = ctx;

	c->n++;
	if (c->stop_at && c->n == c->stop_at)
		return -1;
	assert_non_null(labels);
	assert_true(json_is_object(labels));
	assert_int_equal(json_array_append_new(c->samples,
					       json_pack("{s:s, s:i, s:s, s:s*, s:o, s:f}", "name", name,
							 "type", (int)type, "help", help, "unit", unit,
							 "labels", json_deep_copy(labels), "value",
							 value)),
			 0);
	return 0;
}

static void cap_warn(void *ctx, const char *collector, const char *msg)
{
	struct cap *c = ctx;
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s: %s", collector, msg);
	json_array_append_new(c->warnings, json_string(buf));
}

static void cap_init(struct cap *c)
{
	memset(c, 0, sizeof(*c));
	c->samples = json_array();
	c->warnings = json_array();
}

static void cap_reset(struct cap *c)
{
	json_array_clear(c->samples);
	json_array_clear(c->warnings);
	c->n = 0;
}

static void cap_release(struct cap *c)
{
	json_decref(c->samples);
	json_decref(c->warnings);
}

static const char *s_name(json_t *s)
{
	return json_string_value(json_object_get(s, "name"));
}

/* The sample NAME with exactly LABELS (JSON text, NULL for none); fails the test if absent. */
static json_t *find(struct cap *c, const char *name, const char *labels)
{
	json_t *want = json_loads(labels ? labels : "{}", 0, NULL), *s, *hit = NULL;
	size_t i;

	assert_non_null(want);
	json_array_foreach(c->samples, i, s) {
		if (strcmp(s_name(s), name) == 0 && json_equal(json_object_get(s, "labels"), want)) {
			hit = s;
			break;
		}
	}
	json_decref(want);
	if (!hit)
		fail_msg("no sample %s%s", name, labels ? labels : "");
	return hit;
}

static void check(struct cap *c, const char *name, const char *labels, double want)
{
	double got = json_real_value(json_object_get(find(c, name, labels), "value"));

	if (got != want)
		fail_msg("%s%s: got %.17g, want %.17g", name, labels ? labels : "", got, want);
}

static int count(struct cap *c, const char *name)
{
	json_t *s;
	size_t i;
	int n = 0;

	json_array_foreach(c->samples, i, s)
		n += strcmp(s_name(s), name) == 0;
	return n;
}

static int has(struct cap *c, const char *name, const char *labels)
{
	json_t *want = json_loads(labels ? labels : "{}", 0, NULL), *s;
	size_t i;
	int found = 0;

	json_array_foreach(c->samples, i, s)
		if (strcmp(s_name(s), name) == 0 && json_equal(json_object_get(s, "labels"), want))
			found = 1;
	json_decref(want);
	return found;
}

static void check_meta(struct cap *c, const char *name, int type, const char *help,
		       const char *unit)
{
	json_t *s;
	size_t i;
	int seen = 0;

	json_array_foreach(c->samples, i, s) {
		if (strcmp(s_name(s), name) != 0)
			continue;
		seen++;
		assert_int_equal(json_integer_value(json_object_get(s, "type")), type);
		assert_string_equal(json_string_value(json_object_get(s, "help")), help);
		if (unit)
			assert_string_equal(json_string_value(json_object_get(s, "unit")), unit);
		else
			assert_null(json_object_get(s, "unit"));
	}
	if (!seen)
		fail_msg("no sample %s", name);
}

static void check_warnings(struct cap *c, int n, ...)
{
	va_list ap;
	int i;

	assert_int_equal(json_array_size(c->warnings), n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(c->warnings, (size_t)i)),
				    va_arg(ap, const char *));
	va_end(ap);
}

/* ---- fixture trees -------------------------------------------------------- */

static const char *fixtures(void)
{
	static char buf[PATH_MAX];
	const char *env = getenv("OBS_FIXTURES"), *f = __FILE__, *u;

	if (env) {
		snprintf(buf, sizeof(buf), "%s/proc", env);
	} else {
		u = strstr(f, "unit/test_collect.c");
		assert_non_null(u);
		snprintf(buf, sizeof(buf), "%.*sfixtures/proc", (int)(u - f), f);
	}
	return buf;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct tmp {
	char dir[64];
};

static void tmp_make(struct tmp *t)
{
	strcpy(t->dir, "/tmp/obs-test-collect-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

static void tmp_remove(struct tmp *t)
{
	nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write DIR/REL (parents made) with CONTENT. */
static void put_file(const char *dir, const char *rel, const char *content)
{
	char path[PATH_MAX], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static void put_dir(const char *dir, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

/* ---- statfs answers for the fixture mounts -------------------------------- */

/* atomic: a statfs thread given up on may still read them */
static atomic_int hang_ms;              /* /mnt/home answers after this long */
static json_t *_Atomic statfs_seen;     /* paths asked, when set */

static int fake_statfs(const char *path, struct statfs *st)
{
	static const struct {
		const char *path;
		long bsize;
		unsigned long blocks, bfree, bavail, files, ffree;
	} t[] = {
		{ "/run", 4096, 617092, 616880, 616880, 617091, 616230 },
		{ "/", 4096, 65536000, 40000000, 36700000, 16384000, 15000000 },
		{ "/boot", 1024, 497696, 380000, 354000, 128016, 127700 },
		{ "/srv/data", 4096, 488378368, 300000000, 299000000, 244189184, 244000000 },
		{ "/var/lib/docker", 4096, 488378368, 300000000, 299000000, 244189184, 244000000 },
		{ "/run/user/1000", 4096, 617091, 617080, 617080, 617091, 617060 },
		{ "/media/usb stick", 32768, 1957887, 1800000, 1800000, 0, 0 },
		{ "/mnt/home", 1048576, 102400, 51200, 51200, 6553600, 6000000 },
		{ "/mnt/caf\xC3\xA9", 4096, 10, 5, 5, 100, 50 },
	};
	const char *p = path;
	json_t *seen = statfs_seen;
	size_t i;

	if (seen)
		json_array_append_new(seen, json_string(path));
	if (strncmp(p, "/host/", 6) == 0)
		p += 5;
	if (strcmp(p, "/run/lock") == 0) {
		errno = EACCES;
		return -1;
	}
	if (strcmp(p, "/mnt/home") == 0 && hang_ms > 0)
		usleep((useconds_t)hang_ms * 1000);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(p, t[i].path) != 0)
			continue;
		memset(st, 0, sizeof(*st));
		st->f_bsize = t[i].bsize;
		st->f_blocks = t[i].blocks;
		st->f_bfree = t[i].bfree;
		st->f_bavail = t[i].bavail;
		st->f_files = t[i].files;
		st->f_ffree = t[i].ffree;
		return 0;
	}
	errno = ENOENT;
	return -1;
}

static void opts_for(struct obs_collect_opts *o, struct cap *c, const char *procfs)
{
	obs_collect_opts_init(o);
	o->procfs = procfs;
	o->emit = cap_emit;
	o->warn = cap_warn;
	o->ctx = c;
	o->statfs_fn = fake_statfs;
	o->now_ns = 1795558564123456789LL;
}

static double ticks(void)
{
	return (double)sysconf(_SC_CLK_TCK);
}

/* ---- host, from the fixture tree ----------------------------------------- */

static void test_cpu(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	double t = ticks();

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_CPU;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples), 16 + 4);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"user\"}", 76718 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"nice\"}", 105 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"system\"}", 18852 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"idle\"}", 229136 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"iowait\"}", 260 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"irq\"}", 0);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"softirq\"}", 214 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"steal\"}", 398 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"1\",\"mode\":\"user\"}", 90064 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"1\",\"mode\":\"idle\"}", 211162 / t);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"1\",\"mode\":\"steal\"}", 412 / t);
	check(&c, "node_cpu_guest_seconds_total", "{\"cpu\":\"0\",\"mode\":\"user\"}", 0);
	check(&c, "node_cpu_guest_seconds_total", "{\"cpu\":\"1\",\"mode\":\"user\"}", 1200 / t);
	check(&c, "node_cpu_guest_seconds_total", "{\"cpu\":\"1\",\"mode\":\"nice\"}", 37 / t);
	/* with the usual USER_HZ of 100, whole seconds and hundredths */
	if (t == 100)
		check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"user\"}", 767.18);
	check_meta(&c, "node_cpu_seconds_total", OBS_METRIC_COUNTER,
		   "Seconds the CPUs spent in each mode.", "seconds");
	check_meta(&c, "node_cpu_guest_seconds_total", OBS_METRIC_COUNTER,
		   "Seconds the CPUs spent in guests (VMs) for each mode.", "seconds");
	/* the all-CPU line is left out, as node_exporter does */
	assert_false(has(&c, "node_cpu_seconds_total", "{\"cpu\":\"\",\"mode\":\"user\"}"));
	/* label order as node_exporter declares it */
	assert_string_equal(json_object_iter_key(json_object_iter(
				    json_object_get(json_array_get(c.samples, 0), "labels"))), "cpu");
	check_warnings(&c, 0);
	cap_release(&c);
}

static void test_stat(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_STAT;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples), 6);
	check(&c, "node_intr_total", NULL, 1530304);
	check(&c, "node_context_switches_total", NULL, 2483420);
	check(&c, "node_forks_total", NULL, 129954);
	check(&c, "node_boot_time_seconds", NULL, 1795556670);
	check(&c, "node_procs_running", NULL, 3);
	check(&c, "node_procs_blocked", NULL, 1);
	check_meta(&c, "node_intr_total", OBS_METRIC_COUNTER, "Total number of interrupts serviced.",
		   NULL);
	check_meta(&c, "node_context_switches_total", OBS_METRIC_COUNTER,
		   "Total number of context switches.", NULL);
	check_meta(&c, "node_forks_total", OBS_METRIC_COUNTER, "Total number of forks.", NULL);
	check_meta(&c, "node_boot_time_seconds", OBS_METRIC_GAUGE, "Node boot time, in unixtime.",
		   "seconds");
	check_meta(&c, "node_procs_running", OBS_METRIC_GAUGE,
		   "Number of processes in runnable state.", NULL);
	check_meta(&c, "node_procs_blocked", OBS_METRIC_GAUGE,
		   "Number of processes blocked waiting for I/O to complete.", NULL);
	cap_release(&c);
}

static void test_meminfo(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_MEMINFO;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples), 55);
	check(&c, "node_memory_MemTotal_bytes", NULL, 24683656.0 * 1024);
	check(&c, "node_memory_MemFree_bytes", NULL, 23655912.0 * 1024);
	check(&c, "node_memory_MemAvailable_bytes", NULL, 24277896.0 * 1024);
	check(&c, "node_memory_Buffers_bytes", NULL, 14508.0 * 1024);
	check(&c, "node_memory_Cached_bytes", NULL, 779848.0 * 1024);
	check(&c, "node_memory_SwapTotal_bytes", NULL, 2097148.0 * 1024);
	check(&c, "node_memory_SwapFree_bytes", NULL, 2096124.0 * 1024);
	check(&c, "node_memory_Active_anon_bytes", NULL, 1556.0 * 1024);
	check(&c, "node_memory_Inactive_file_bytes", NULL, 310584.0 * 1024);
	check(&c, "node_memory_Committed_AS_bytes", NULL, 100620.0 * 1024);
	check(&c, "node_memory_NFS_Unstable_bytes", NULL, 0);
	check(&c, "node_memory_VmallocTotal_bytes", NULL, 34359738367.0 * 1024);
	check(&c, "node_memory_HugePages_Total", NULL, 16);
	check(&c, "node_memory_HugePages_Free", NULL, 12);
	check(&c, "node_memory_Hugepagesize_bytes", NULL, 2048.0 * 1024);
	check(&c, "node_memory_DirectMap1G_bytes", NULL, 25165824.0 * 1024);
	check_meta(&c, "node_memory_MemTotal_bytes", OBS_METRIC_GAUGE,
		   "Memory information field MemTotal_bytes.", "bytes");
	check_meta(&c, "node_memory_Active_anon_bytes", OBS_METRIC_GAUGE,
		   "Memory information field Active_anon_bytes.", "bytes");
	/* "_Total" is not "_total": a gauge, without unit */
	check_meta(&c, "node_memory_HugePages_Total", OBS_METRIC_GAUGE,
		   "Memory information field HugePages_Total.", NULL);
	assert_string_equal(s_name(json_array_get(c.samples, 0)), "node_memory_MemTotal_bytes");
	cap_release(&c);
}

static void test_loadavg(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_LOADAVG;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples), 3);
	check(&c, "node_load1", NULL, 2.06);
	check(&c, "node_load5", NULL, 1.87);
	check(&c, "node_load15", NULL, 1.05);
	check_meta(&c, "node_load1", OBS_METRIC_GAUGE, "1m load average.", NULL);
	check_meta(&c, "node_load5", OBS_METRIC_GAUGE, "5m load average.", NULL);
	check_meta(&c, "node_load15", OBS_METRIC_GAUGE, "15m load average.", NULL);
	cap_release(&c);
}

#define FS(dev, mp, type) "{\"device\":\"" dev "\",\"mountpoint\":\"" mp "\",\"fstype\":\"" type "\"}"

static void test_filesystem(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct timespec t0, t1;
	struct cap c;
	double ms;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_FILESYSTEM;
	o.statfs_timeout_ms = 50;
	hang_ms = 600;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(obs_collect_host(&o, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	hang_ms = 0;
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* the hung mount cost its timeout, not its 600 ms */
	assert_true(ms < 500);

	/* kept: /run, /, /run/lock, /boot, /srv/data (mounted twice), /var/lib/docker,
	 * /run/user/1000, /media/usb stick, /mnt/home; the rest is excluded */
	assert_int_equal(count(&c, "node_filesystem_device_error"), 9);
	check(&c, "node_filesystem_device_error", FS("/dev/sda1", "/", "ext4"), 0);
	check(&c, "node_filesystem_device_error", FS("tmpfs", "/run/lock", "tmpfs"), 1);
	check(&c, "node_filesystem_device_error",
	      FS("fileserver.example:/export/home", "/mnt/home", "nfs4"), 1);
	assert_int_equal(count(&c, "node_filesystem_size_bytes"), 7);
	assert_int_equal(count(&c, "node_filesystem_readonly"), 7);
	assert_false(has(&c, "node_filesystem_size_bytes", FS("tmpfs", "/run/lock", "tmpfs")));

	check(&c, "node_filesystem_size_bytes", FS("/dev/sda1", "/", "ext4"), 65536000.0 * 4096);
	check(&c, "node_filesystem_free_bytes", FS("/dev/sda1", "/", "ext4"), 40000000.0 * 4096);
	check(&c, "node_filesystem_avail_bytes", FS("/dev/sda1", "/", "ext4"), 36700000.0 * 4096);
	check(&c, "node_filesystem_files", FS("/dev/sda1", "/", "ext4"), 16384000);
	check(&c, "node_filesystem_files_free", FS("/dev/sda1", "/", "ext4"), 15000000);
	check(&c, "node_filesystem_readonly", FS("/dev/sda1", "/", "ext4"), 0);
	check(&c, "node_filesystem_size_bytes", FS("/dev/sda2", "/boot", "ext4"), 497696.0 * 1024);
	check(&c, "node_filesystem_readonly", FS("/dev/sda2", "/boot", "ext4"), 1);
	check(&c, "node_filesystem_size_bytes", FS("/dev/sdb1", "/srv/data", "xfs"),
	      488378368.0 * 4096);
	check(&c, "node_filesystem_avail_bytes", FS("/dev/sdb1", "/var/lib/docker", "xfs"),
	      299000000.0 * 4096);
	check(&c, "node_filesystem_size_bytes", FS("tmpfs", "/run", "tmpfs"), 617092.0 * 4096);
	check(&c, "node_filesystem_files_free", FS("tmpfs", "/run/user/1000", "tmpfs"), 617060);
	/* \040 in /proc/self/mounts is a space */
	check(&c, "node_filesystem_size_bytes", FS("/dev/sdc1", "/media/usb stick", "vfat"),
	      1957887.0 * 32768);
	check(&c, "node_filesystem_readonly", FS("/dev/sdc1", "/media/usb stick", "vfat"), 1);
	check(&c, "node_filesystem_files", FS("/dev/sdc1", "/media/usb stick", "vfat"), 0);

	check_meta(&c, "node_filesystem_size_bytes", OBS_METRIC_GAUGE, "Filesystem size in bytes.",
		   "bytes");
	check_meta(&c, "node_filesystem_free_bytes", OBS_METRIC_GAUGE,
		   "Filesystem free space in bytes.", "bytes");
	check_meta(&c, "node_filesystem_avail_bytes", OBS_METRIC_GAUGE,
		   "Filesystem space available to non-root users in bytes.", "bytes");
	check_meta(&c, "node_filesystem_files", OBS_METRIC_GAUGE, "Filesystem total file nodes.",
		   NULL);
	check_meta(&c, "node_filesystem_files_free", OBS_METRIC_GAUGE,
		   "Filesystem total free file nodes.", NULL);
	check_meta(&c, "node_filesystem_readonly", OBS_METRIC_GAUGE, "Filesystem read-only status.",
		   NULL);
	check_meta(&c, "node_filesystem_device_error", OBS_METRIC_GAUGE,
		   "Whether an error occurred while getting statistics for the given device.", NULL);

	/* while its statfs still hangs, the mount is not asked again */
	cap_reset(&c);
	statfs_seen = json_array();
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(statfs_seen), 8);
	check(&c, "node_filesystem_device_error",
	      FS("fileserver.example:/export/home", "/mnt/home", "nfs4"), 1);

	/* once it answered, it is asked again */
	usleep(700 * 1000);
	cap_reset(&c);
	json_array_clear(statfs_seen);
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(statfs_seen), 9);
	check(&c, "node_filesystem_device_error",
	      FS("fileserver.example:/export/home", "/mnt/home", "nfs4"), 0);
	json_decref(statfs_seen);
	statfs_seen = NULL;
	cap_release(&c);
}

static void test_filesystem_options(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	char root[PATH_MAX + 16];

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_FILESYSTEM;

	/* rootfs prefixes each statfs path; without a timeout no thread is used */
	statfs_seen = json_array();
	o.rootfs = "/host/";
	o.statfs_timeout_ms = -1;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(statfs_seen), 9);
	assert_string_equal(json_string_value(json_array_get(statfs_seen, 0)), "/host/run");
	assert_string_equal(json_string_value(json_array_get(statfs_seen, 1)), "/host/");
	check(&c, "node_filesystem_device_error",
	      FS("fileserver.example:/export/home", "/mnt/home", "nfs4"), 0);
	check(&c, "node_filesystem_size_bytes",
	      FS("fileserver.example:/export/home", "/mnt/home", "nfs4"), 102400.0 * 1048576);
	json_decref(statfs_seen);
	statfs_seen = NULL;

	/* no excludes: every line of 1/mounts but the duplicate */
	cap_reset(&c);
	o.rootfs = NULL;
	o.statfs_timeout_ms = 999;
	o.mount_points_exclude = NULL;
	o.fs_types_exclude = "";
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(count(&c, "node_filesystem_device_error"), 30);
	check(&c, "node_filesystem_device_error", FS("proc", "/proc", "proc"), 1);

	/* an exclude of our own */
	cap_reset(&c);
	o.mount_points_exclude = "^/(run|srv|var|media|mnt|boot|sys|proc|dev|snap)";
	o.fs_types_exclude = "^ext4$";
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(count(&c, "node_filesystem_device_error"), 0);
	assert_int_equal(json_array_size(c.samples), 0);

	/* a mount point too long to prefix is a device error, not a crash */
	cap_reset(&c);
	memset(root, 'r', sizeof(root) - 1);
	root[0] = '/';
	root[sizeof(root) - 1] = '\0';
	obs_collect_opts_init(&o);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_FILESYSTEM;
	o.rootfs = root;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(count(&c, "node_filesystem_device_error"), 9);
	assert_int_equal(count(&c, "node_filesystem_size_bytes"), 0);
	cap_release(&c);
}

static void test_filesystem_self_mounts(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	struct tmp t;

	(void)state;
	cap_init(&c);
	tmp_make(&t);
	/* no 1/mounts (hidepid): self/mounts it is */
	put_file(t.dir, "self/mounts",
		 "/dev/sda1 / ext4 rw,relatime 0 0\n"
		 "\n"
		 "/dev/sdd1 /mnt/caf\xC3\xA9 ext4 rw 0 0\n"
		 "/dev/sdd2 /mnt/bad\\377x ext4 rw 0 0\n"
		 "/dev/sdd3 /mnt/\\300\\200\\355\\240\\200\\360\\200\\200\\200\\364\\220\\200\\200\\303\\251\\342\\202\\254\\360\\237\\230\\200\\341 ext4 rw 0 0\n"
		 "/dev/sdd4 /mnt/short\\342\\202 ext4 rw 0 0\n"
		 "/dev/sdd5 /mnt/short\\360\\237\\230 ext4 rw 0 0\n");
	opts_for(&o, &c, t.dir);
	o.collectors = OBS_COLLECT_FILESYSTEM;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(count(&c, "node_filesystem_device_error"), 6);
	check(&c, "node_filesystem_size_bytes", FS("/dev/sda1", "/", "ext4"), 65536000.0 * 4096);
	check(&c, "node_filesystem_size_bytes", FS("/dev/sdd1", "/mnt/caf\xC3\xA9", "ext4"),
	      10.0 * 4096);
	/* bytes that are not UTF-8 become U+FFFD; valid sequences stay */
	check(&c, "node_filesystem_device_error", FS("/dev/sdd2", "/mnt/bad\xEF\xBF\xBDx", "ext4"), 1);
	check(&c, "node_filesystem_device_error",
	      FS("/dev/sdd3",
		 /* C0 80 overlong, ED A0 80 surrogate, F0 80.. overlong, F4 90.. past
		  * U+10FFFF: each byte replaced; then valid e acute, euro sign and emoji; a cut E1 */
		 "/mnt/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
		 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
		 "\xEF\xBF\xBD\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD",
		 "ext4"),
	      1);
	check(&c, "node_filesystem_device_error",
	      FS("/dev/sdd4", "/mnt/short\xEF\xBF\xBD\xEF\xBF\xBD", "ext4"), 1);
	check(&c, "node_filesystem_device_error",
	      FS("/dev/sdd5", "/mnt/short\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", "ext4"), 1);
	check_warnings(&c, 0);

	/* neither: skipped with a warning */
	cap_reset(&c);
	remove(strcat(strcpy((char[128]){ 0 }, t.dir), "/self/mounts"));
	assert_int_equal(obs_collect_host(&o, &err), 1);
	assert_int_equal(json_array_size(c.samples), 0);
	assert_int_equal(json_array_size(c.warnings), 1);
	assert_non_null(strstr(json_string_value(json_array_get(c.warnings, 0)),
			       "filesystem: cannot open '"));
	assert_non_null(strstr(json_string_value(json_array_get(c.warnings, 0)),
			       "/self/mounts': No such file or directory"));
	tmp_remove(&t);
	cap_release(&c);
}

#define DEV(d) "{\"device\":\"" d "\"}"

static void test_diskstats(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	size_t i;
	json_t *s;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_DISKSTATS;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	/* sda, sdb, nvme0n1, dm-0, sr0: partitions, loop and zram are excluded */
	assert_int_equal(json_array_size(c.samples), 5 * 17);
	assert_int_equal(count(&c, "node_disk_reads_completed_total"), 5);
	assert_false(has(&c, "node_disk_reads_completed_total", DEV("sda1")));
	assert_false(has(&c, "node_disk_reads_completed_total", DEV("nvme0n1p1")));
	assert_false(has(&c, "node_disk_reads_completed_total", DEV("loop0")));
	assert_false(has(&c, "node_disk_reads_completed_total", DEV("zram0")));
	/* milliseconds times 0.001, as node_exporter computes them */
	check(&c, "node_disk_reads_completed_total", DEV("sda"), 109051);
	check(&c, "node_disk_reads_merged_total", DEV("sda"), 15164);
	check(&c, "node_disk_read_bytes_total", DEV("sda"), 5613922.0 * 512);
	check(&c, "node_disk_read_time_seconds_total", DEV("sda"), 34144 * 0.001);
	check(&c, "node_disk_writes_completed_total", DEV("sda"), 27073);
	check(&c, "node_disk_writes_merged_total", DEV("sda"), 20391);
	check(&c, "node_disk_written_bytes_total", DEV("sda"), 3704632.0 * 512);
	check(&c, "node_disk_write_time_seconds_total", DEV("sda"), 23672 * 0.001);
	check(&c, "node_disk_io_now", DEV("sda"), 0);
	check(&c, "node_disk_io_time_seconds_total", DEV("sda"), 16896 * 0.001);
	check(&c, "node_disk_io_time_weighted_seconds_total", DEV("sda"), 63455 * 0.001);
	check(&c, "node_disk_discards_completed_total", DEV("sda"), 16555);
	check(&c, "node_disk_discards_merged_total", DEV("sda"), 27);
	check(&c, "node_disk_discarded_sectors_total", DEV("sda"), 1990296);
	check(&c, "node_disk_discard_time_seconds_total", DEV("sda"), 4076 * 0.001);
	check(&c, "node_disk_flush_requests_total", DEV("sda"), 2826);
	check(&c, "node_disk_flush_requests_time_seconds_total", DEV("sda"), 1562 * 0.001);
	check(&c, "node_disk_io_now", DEV("sdb"), 2);
	check(&c, "node_disk_read_bytes_total", DEV("nvme0n1"), 29384711.0 * 512);
	check(&c, "node_disk_writes_completed_total", DEV("dm-0"), 208161);
	check(&c, "node_disk_reads_completed_total", DEV("sr0"), 12);

	check_meta(&c, "node_disk_reads_completed_total", OBS_METRIC_COUNTER,
		   "The total number of reads completed successfully.", NULL);
	check_meta(&c, "node_disk_reads_merged_total", OBS_METRIC_COUNTER,
		   "The total number of reads merged.", NULL);
	check_meta(&c, "node_disk_read_bytes_total", OBS_METRIC_COUNTER,
		   "The total number of bytes read successfully.", "bytes");
	check_meta(&c, "node_disk_read_time_seconds_total", OBS_METRIC_COUNTER,
		   "The total number of seconds spent by all reads.", "seconds");
	check_meta(&c, "node_disk_writes_completed_total", OBS_METRIC_COUNTER,
		   "The total number of writes completed successfully.", NULL);
	check_meta(&c, "node_disk_writes_merged_total", OBS_METRIC_COUNTER,
		   "The number of writes merged.", NULL);
	check_meta(&c, "node_disk_written_bytes_total", OBS_METRIC_COUNTER,
		   "The total number of bytes written successfully.", "bytes");
	check_meta(&c, "node_disk_write_time_seconds_total", OBS_METRIC_COUNTER,
		   "This is the total number of seconds spent by all writes.", "seconds");
	check_meta(&c, "node_disk_io_now", OBS_METRIC_GAUGE,
		   "The number of I/Os currently in progress.", NULL);
	check_meta(&c, "node_disk_io_time_seconds_total", OBS_METRIC_COUNTER,
		   "Total seconds spent doing I/Os.", "seconds");
	check_meta(&c, "node_disk_io_time_weighted_seconds_total", OBS_METRIC_COUNTER,
		   "The weighted # of seconds spent doing I/Os.", "seconds");
	check_meta(&c, "node_disk_discards_completed_total", OBS_METRIC_COUNTER,
		   "The total number of discards completed successfully.", NULL);
	check_meta(&c, "node_disk_discards_merged_total", OBS_METRIC_COUNTER,
		   "The total number of discards merged.", NULL);
	check_meta(&c, "node_disk_discarded_sectors_total", OBS_METRIC_COUNTER,
		   "The total number of sectors discarded successfully.", NULL);
	check_meta(&c, "node_disk_discard_time_seconds_total", OBS_METRIC_COUNTER,
		   "This is the total number of seconds spent by all discards.", "seconds");
	check_meta(&c, "node_disk_flush_requests_total", OBS_METRIC_COUNTER,
		   "The total number of flush requests completed successfully", NULL);
	check_meta(&c, "node_disk_flush_requests_time_seconds_total", OBS_METRIC_COUNTER,
		   "This is the total number of seconds spent by all flush requests.", "seconds");

	/* no exclude: all 12 devices */
	cap_reset(&c);
	o.disk_devices_exclude = NULL;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(count(&c, "node_disk_io_now"), 12);
	check(&c, "node_disk_written_bytes_total", DEV("sdb1"), 9912345.0 * 512);
	json_array_foreach(c.samples, i, s)
		assert_int_equal(json_object_size(json_object_get(s, "labels")), 1);
	cap_release(&c);
}

static void test_diskstats_kernels(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	struct tmp t;

	(void)state;
	cap_init(&c);
	tmp_make(&t);
	/* before 4.18 (11 fields), 4.18 to 5.4 (15), later kernels that add more (18) */
	put_file(t.dir, "diskstats",
		 "   8       0 sda 10 1 80 5 20 2 160 7 0 9 12\n"
		 "   8      16 sdb 10 1 80 5 20 2 160 7 0 9 12 3 1 24 2\n"
		 "\n"
		 "   8      32 sdc 10 1 80 5 20 2 160 7 0 9 12 3 1 24 2 4 1 99\n");
	opts_for(&o, &c, t.dir);
	o.collectors = OBS_COLLECT_DISKSTATS;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples), 11 + 15 + 17);
	assert_false(has(&c, "node_disk_discards_completed_total", DEV("sda")));
	check(&c, "node_disk_io_time_weighted_seconds_total", DEV("sda"), 12 * 0.001);
	check(&c, "node_disk_discard_time_seconds_total", DEV("sdb"), 2 * 0.001);
	assert_false(has(&c, "node_disk_flush_requests_total", DEV("sdb")));
	check(&c, "node_disk_flush_requests_time_seconds_total", DEV("sdc"), 1 * 0.001);
	/* families come one after the other */
	assert_string_equal(s_name(json_array_get(c.samples, 0)), "node_disk_reads_completed_total");
	assert_string_equal(s_name(json_array_get(c.samples, 2)), "node_disk_reads_completed_total");
	assert_string_equal(s_name(json_array_get(c.samples, 3)), "node_disk_reads_merged_total");
	tmp_remove(&t);
	cap_release(&c);
}

static void test_netdev(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_NETDEV;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples), 4 * 16);
	check(&c, "node_network_receive_bytes_total", DEV("lo"), 34874);
	check(&c, "node_network_receive_bytes_total", DEV("eth0"), 8466102752.0);
	check(&c, "node_network_receive_packets_total", DEV("eth0"), 9082093);
	check(&c, "node_network_receive_errs_total", DEV("eth0"), 1);
	check(&c, "node_network_receive_drop_total", DEV("eth0"), 27);
	check(&c, "node_network_receive_fifo_total", DEV("eth0"), 0);
	check(&c, "node_network_receive_frame_total", DEV("eth0"), 2);
	check(&c, "node_network_receive_compressed_total", DEV("eth0"), 0);
	check(&c, "node_network_receive_multicast_total", DEV("eth0"), 1203);
	check(&c, "node_network_transmit_bytes_total", DEV("eth0"), 98838120);
	check(&c, "node_network_transmit_packets_total", DEV("eth0"), 1286044);
	check(&c, "node_network_transmit_errs_total", DEV("eth0"), 0);
	check(&c, "node_network_transmit_drop_total", DEV("eth0"), 3);
	check(&c, "node_network_transmit_fifo_total", DEV("eth0"), 0);
	check(&c, "node_network_transmit_colls_total", DEV("eth0"), 0);
	check(&c, "node_network_transmit_carrier_total", DEV("eth0"), 5);
	check(&c, "node_network_transmit_compressed_total", DEV("eth0"), 0);
	check(&c, "node_network_transmit_bytes_total", DEV("docker0"), 1882);
	check(&c, "node_network_receive_bytes_total", DEV("veth1a2b3c4"), 10228);
	check_meta(&c, "node_network_receive_bytes_total", OBS_METRIC_COUNTER,
		   "Network device statistic receive_bytes.", "bytes");
	check_meta(&c, "node_network_transmit_colls_total", OBS_METRIC_COUNTER,
		   "Network device statistic transmit_colls.", NULL);
	/* receive families first, each across all devices */
	assert_string_equal(s_name(json_array_get(c.samples, 3)), "node_network_receive_bytes_total");
	assert_string_equal(s_name(json_array_get(c.samples, 4)),
			    "node_network_receive_packets_total");
	assert_string_equal(s_name(json_array_get(c.samples, 32)),
			    "node_network_transmit_bytes_total");

	cap_reset(&c);
	o.net_devices_exclude = "^(veth.*|lo)$";
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples), 2 * 16);
	assert_false(has(&c, "node_network_receive_bytes_total", DEV("lo")));
	cap_release(&c);
}

static void test_time(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.collectors = OBS_COLLECT_TIME;
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples), 2);
	check(&c, "node_time_seconds", NULL, 1795558564123456789.0 / 1e9);
	check(&c, "node_time_zone_offset_seconds", "{\"time_zone\":\"UTC\"}", 0);
	check_meta(&c, "node_time_seconds", OBS_METRIC_GAUGE,
		   "System time in seconds since epoch (1970).", "seconds");
	check_meta(&c, "node_time_zone_offset_seconds", OBS_METRIC_GAUGE,
		   "System time zone offset in seconds.", "seconds");

	cap_reset(&c);
	setenv("TZ", "<+0530>-5:30", 1);
	tzset();
	assert_int_equal(obs_collect_host(&o, &err), 0);
	check(&c, "node_time_zone_offset_seconds", "{\"time_zone\":\"+0530\"}", 19800);

	/* 0 means now */
	cap_reset(&c);
	o.now_ns = 0;
	setenv("OBS_FAKE_TIME", "2026-11-24T22:00:00Z", 1);
	assert_int_equal(obs_collect_host(&o, &err), 0);
	check(&c, "node_time_seconds", NULL, 1795557600);
	unsetenv("OBS_FAKE_TIME");

	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	cap_release(&c);
}

static void test_host_all(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	json_t *seen = json_object(), *s;
	const char *prev = "";
	size_t i;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	assert_int_equal(obs_collect_host(&o, &err), 0);
	assert_int_equal(json_array_size(c.samples),
			 20 + 6 + 55 + 3 + (9 + 6 * 8) + 5 * 17 + 4 * 16 + 2);
	/* each family in one run, as the text format wants */
	json_array_foreach(c.samples, i, s) {
		if (strcmp(prev, s_name(s)) != 0) {
			if (json_object_get(seen, s_name(s)))
				fail_msg("%s comes in two runs", s_name(s));
			json_object_set_new(seen, s_name(s), json_true());
		}
		prev = s_name(s);
	}
	assert_string_equal(s_name(json_array_get(c.samples, 0)), "node_cpu_seconds_total");
	check_warnings(&c, 0);
	json_decref(seen);
	cap_release(&c);
}

static void test_collector_names(void **state)
{
	(void)state;
	assert_int_equal(obs_collect_collector_bit("cpu"), OBS_COLLECT_CPU);
	assert_int_equal(obs_collect_collector_bit("stat"), OBS_COLLECT_STAT);
	assert_int_equal(obs_collect_collector_bit("meminfo"), OBS_COLLECT_MEMINFO);
	assert_int_equal(obs_collect_collector_bit("loadavg"), OBS_COLLECT_LOADAVG);
	assert_int_equal(obs_collect_collector_bit("filesystem"), OBS_COLLECT_FILESYSTEM);
	assert_int_equal(obs_collect_collector_bit("diskstats"), OBS_COLLECT_DISKSTATS);
	assert_int_equal(obs_collect_collector_bit("netdev"), OBS_COLLECT_NETDEV);
	assert_int_equal(obs_collect_collector_bit("time"), OBS_COLLECT_TIME);
	assert_int_equal(obs_collect_collector_bit("vmstat"), 0);
	assert_int_equal(obs_collect_collector_bit(NULL), 0);
	assert_string_equal(obs_collect_collector_name(OBS_COLLECT_NETDEV), "netdev");
	assert_string_equal(obs_collect_collector_name(OBS_COLLECT_CPU), "cpu");
	assert_null(obs_collect_collector_name(OBS_COLLECT_CPU | OBS_COLLECT_STAT));
	assert_null(obs_collect_collector_name(0));
}

/* Blank lines, odd field names, a last line without newline. */
static void test_odd_but_valid(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	struct tmp t;

	(void)state;
	cap_init(&c);
	tmp_make(&t);
	put_file(t.dir, "stat", "\ncpu  2 0 2 4\ncpu0 2 0 2 4\nbtime 100");
	put_file(t.dir, "meminfo", "MemTotal: 4 kB\n\nWeird-Field(x): 3\n");
	put_file(t.dir, "loadavg", "0.5 1 10.25 1/2 3");
	put_file(t.dir, "net/dev", "Inter-|   Receive |  Transmit\n face |bytes packets|bytes packets\n\n  lo: 1 2 3 4");
	opts_for(&o, &c, t.dir);
	o.collectors = OBS_COLLECT_CPU | OBS_COLLECT_STAT | OBS_COLLECT_MEMINFO |
		       OBS_COLLECT_LOADAVG | OBS_COLLECT_NETDEV;
	assert_int_equal(obs_collect_host(&o, &err), 0);
	/* old kernels: four CPU fields only */
	assert_int_equal(count(&c, "node_cpu_seconds_total"), 4);
	assert_int_equal(count(&c, "node_cpu_guest_seconds_total"), 0);
	check(&c, "node_cpu_seconds_total", "{\"cpu\":\"0\",\"mode\":\"idle\"}", 4 / ticks());
	check(&c, "node_boot_time_seconds", NULL, 100);
	assert_false(has(&c, "node_intr_total", NULL));
	check(&c, "node_memory_MemTotal_bytes", NULL, 4096);
	/* the paren rule, then bytes a metric name cannot hold become '_' */
	check(&c, "node_memory_Weird_Field_x", NULL, 3);
	check_meta(&c, "node_memory_Weird_Field_x", OBS_METRIC_GAUGE,
		   "Memory information field Weird_Field_x.", NULL);
	check(&c, "node_load1", NULL, 0.5);
	check(&c, "node_load5", NULL, 1);
	check(&c, "node_load15", NULL, 10.25);
	check(&c, "node_network_receive_bytes_total", DEV("lo"), 1);
	check(&c, "node_network_transmit_packets_total", DEV("lo"), 4);
	assert_int_equal(json_array_size(c.samples), 4 + 1 + 2 + 3 + 4);
	tmp_remove(&t);
	cap_release(&c);
}

static void test_missing_files(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	struct tmp t;
	char msg[256];

	(void)state;
	cap_init(&c);
	tmp_make(&t);
	opts_for(&o, &c, t.dir);
	/* a container without most of /proc: every collector but time is skipped */
	assert_int_equal(obs_collect_host(&o, &err), 7);
	assert_int_equal(json_array_size(c.samples), 2);
	assert_int_equal(json_array_size(c.warnings), 7);
	snprintf(msg, sizeof(msg), "cpu: cannot open '%s/stat': No such file or directory", t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 0)), msg);
	snprintf(msg, sizeof(msg), "stat: cannot open '%s/stat': No such file or directory", t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 1)), msg);
	snprintf(msg, sizeof(msg), "meminfo: cannot open '%s/meminfo': No such file or directory",
		 t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 2)), msg);
	snprintf(msg, sizeof(msg), "loadavg: cannot open '%s/loadavg': No such file or directory",
		 t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 3)), msg);
	snprintf(msg, sizeof(msg),
		 "filesystem: cannot open '%s/self/mounts': No such file or directory", t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 4)), msg);
	snprintf(msg, sizeof(msg),
		 "diskstats: cannot open '%s/diskstats': No such file or directory", t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 5)), msg);
	snprintf(msg, sizeof(msg), "netdev: cannot open '%s/net/dev': No such file or directory",
		 t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 6)), msg);

	/* only stat wanted: one warning; no warn callback: still counted */
	cap_reset(&c);
	o.collectors = OBS_COLLECT_STAT;
	assert_int_equal(obs_collect_host(&o, &err), 1);
	assert_int_equal(json_array_size(c.warnings), 1);
	cap_reset(&c);
	o.warn = NULL;
	o.collectors = OBS_COLLECT_ALL;
	assert_int_equal(obs_collect_host(&o, &err), 7);
	assert_int_equal(json_array_size(c.warnings), 0);

	/* a trailing slash on procfs does not show in messages */
	cap_reset(&c);
	o.warn = cap_warn;
	o.collectors = OBS_COLLECT_LOADAVG;
	snprintf(msg, sizeof(msg), "%s///", t.dir);
	o.procfs = msg;
	assert_int_equal(obs_collect_host(&o, &err), 1);
	assert_null(strstr(json_string_value(json_array_get(c.warnings, 0)), "//"));
	tmp_remove(&t);
	cap_release(&c);
}

/* ---- malformed files ----------------------------------------------------- */

static const struct {
	const char *file, *content;
	unsigned collectors;
	const char *msg;   /* after "'DIR/FILE' " */
} bad_files[] = {
	{ "stat", "cpu  1 2 3 4\ncpu0 1 2 x 4\n", OBS_COLLECT_CPU,
	  "line 2: expected a number, got 'x'" },
	{ "stat", "cpuX 1 2 3 4\n", OBS_COLLECT_STAT, "line 1: unexpected 'cpuX'" },
	{ "stat", "cpu12345678901234567 1 2 3 4\n", OBS_COLLECT_CPU,
	  "line 1: unexpected 'cpu12345678901234567'" },
	{ "stat", "cpu0 1 2 3\n", OBS_COLLECT_CPU, "line 1: expected at least 4 numbers after 'cpu0'" },
	{ "stat", "ctxt\n", OBS_COLLECT_STAT, "line 1: expected a number after 'ctxt'" },
	{ "stat", "btime 12e3\n", OBS_COLLECT_STAT, "line 1: expected a number, got '12e3'" },
	{ "stat", "processes 99999999999999999999\n", OBS_COLLECT_STAT,
	  "line 1: expected a number, got '99999999999999999999'" },
	{ "meminfo", "MemTotal 123 kB\n", OBS_COLLECT_MEMINFO,
	  "line 1: expected 'Field: value [kB]'" },
	{ "meminfo", "MemTotal:\n", OBS_COLLECT_MEMINFO, "line 1: expected 'Field: value [kB]'" },
	{ "meminfo", ": 1 kB\n", OBS_COLLECT_MEMINFO, "line 1: expected 'Field: value [kB]'" },
	{ "meminfo", "MemTotal: 1 kB\nMemFree: 1 kB extra\n", OBS_COLLECT_MEMINFO,
	  "line 2: expected 'Field: value [kB]'" },
	{ "meminfo", "MemTotal: -1 kB\n", OBS_COLLECT_MEMINFO, "line 1: expected a number, got '-1'" },
	{ "loadavg", "", OBS_COLLECT_LOADAVG, "line 1: expected three load averages" },
	{ "loadavg", "1.0 2.0\n", OBS_COLLECT_LOADAVG, "line 1: expected three load averages" },
	{ "loadavg", "1.0 2,5 3.0 1/2 3\n", OBS_COLLECT_LOADAVG,
	  "line 1: expected a number, got '2,5'" },
	{ "loadavg", "1.0 2.0 . 1/2 3\n", OBS_COLLECT_LOADAVG, "line 1: expected a number, got '.'" },
	{ "loadavg", "1.0 2.0 1234567890.123456789 1/2 3\n", OBS_COLLECT_LOADAVG,
	  "line 1: expected a number, got '1234567890.123456789'" },
	{ "1/mounts", "/dev/sda1 / ext4 rw 0 0\nrootfs /\n", OBS_COLLECT_FILESYSTEM,
	  "line 2: expected 'device mountpoint fstype options'" },
	{ "diskstats", "   8 0 sda 1 2 3\n", OBS_COLLECT_DISKSTATS,
	  "line 1: expected at least 14 fields, got 6" },
	{ "diskstats", "   8 x sda 1 2 3 4 5 6 7 8 9 10 11\n", OBS_COLLECT_DISKSTATS,
	  "line 1: expected major and minor numbers" },
	{ "diskstats", "   8 0 sda 1 2 3 4 5 6 7 8 9 10 1.5\n", OBS_COLLECT_DISKSTATS,
	  "line 1: expected a number, got '1.5'" },
	{ "net/dev", "Inter-|   Receive\n", OBS_COLLECT_NETDEV,
	  "line 2: expected the column header 'face |bytes packets ...|bytes ...'" },
	{ "net/dev", "Inter-|   Receive |  Transmit\n face |bytes packets\n", OBS_COLLECT_NETDEV,
	  "line 2: expected the column header 'face |bytes packets ...|bytes ...'" },
	{ "net/dev", "x\n face |bytes Packets|bytes packets\n", OBS_COLLECT_NETDEV,
	  "line 2: expected the column header 'face |bytes packets ...|bytes ...'" },
	{ "net/dev", "x\n face ||bytes packets\n", OBS_COLLECT_NETDEV,
	  "line 2: expected the column header 'face |bytes packets ...|bytes ...'" },
	{ "net/dev", "x\n face |bytes packets|bytes packets\n  lo: 1 2 3\n", OBS_COLLECT_NETDEV,
	  "line 3: expected 4 numbers, got 3" },
	{ "net/dev",
	  "x\n face |bytes packets|bytes packets\n  lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
	  "19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 "
	  "49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65\n",
	  OBS_COLLECT_NETDEV, "line 3: expected 4 numbers, got more than 64" },
	{ "net/dev", "x\n face |bytes packets|bytes packets\n  lo 1 2 3 4\n", OBS_COLLECT_NETDEV,
	  "line 3: expected 'device: numbers'" },
	{ "net/dev", "x\n face |bytes packets|bytes packets\n  : 1 2 3 4\n", OBS_COLLECT_NETDEV,
	  "line 3: expected 'device: numbers'" },
	{ "net/dev", "x\n face |bytes packets|bytes packets\n  lo: 1 2 x 4\n", OBS_COLLECT_NETDEV,
	  "line 3: expected a number, got 'x'" },
};

static void test_malformed(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	struct tmp t;
	char want[1024];
	size_t i;

	(void)state;
	cap_init(&c);
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		tmp_make(&t);
		put_file(t.dir, bad_files[i].file, bad_files[i].content);
		cap_reset(&c);
		opts_for(&o, &c, t.dir);
		o.collectors = bad_files[i].collectors;
		obs_error_clear(&err);
		assert_int_equal(obs_collect_host(&o, &err), -1);
		snprintf(want, sizeof(want), "'%s/%s' %s", t.dir, bad_files[i].file, bad_files[i].msg);
		assert_string_equal(err.msg, want);
		/* nothing of a malformed file is emitted */
		assert_int_equal(json_array_size(c.samples), 0);
		tmp_remove(&t);
	}
	cap_release(&c);
}

static void test_read_errors(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	struct tmp t;
	char path[PATH_MAX], want[PATH_MAX + 64];
	int fd;

	(void)state;
	cap_init(&c);
	tmp_make(&t);
	opts_for(&o, &c, t.dir);

	/* a directory opens but does not read */
	put_dir(t.dir, "meminfo");
	o.collectors = OBS_COLLECT_MEMINFO;
	assert_int_equal(obs_collect_host(&o, &err), -1);
	snprintf(want, sizeof(want), "cannot read '%s/meminfo': Is a directory", t.dir);
	assert_string_equal(err.msg, want);

	put_dir(t.dir, "1");
	put_dir(t.dir, "1/mounts");
	o.collectors = OBS_COLLECT_FILESYSTEM;
	assert_int_equal(obs_collect_host(&o, &err), -1);
	snprintf(want, sizeof(want), "cannot read '%s/1/mounts': Is a directory", t.dir);
	assert_string_equal(err.msg, want);

	/* a runaway file */
	snprintf(path, sizeof(path), "%s/loadavg", t.dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)65 << 20), 0);
	close(fd);
	o.collectors = OBS_COLLECT_LOADAVG;
	assert_int_equal(obs_collect_host(&o, &err), -1);
	snprintf(want, sizeof(want), "'%s/loadavg' is larger than 64 MiB", t.dir);
	assert_string_equal(err.msg, want);

	/* a procfs path too long to use */
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	o.procfs = path;
	o.collectors = OBS_COLLECT_STAT;
	assert_int_equal(obs_collect_host(&o, &err), -1);
	assert_int_equal(strncmp(err.msg, "path too long: 'ppp", 19), 0);
	o.collectors = OBS_COLLECT_FILESYSTEM;
	assert_int_equal(obs_collect_host(&o, &err), -1);
	assert_int_equal(strncmp(err.msg, "path too long: 'ppp", 19), 0);

	tmp_remove(&t);
	cap_release(&c);
}

static void test_bad_options(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.mount_points_exclude = "(";
	assert_int_equal(obs_collect_host(&o, &err), -1);
	assert_int_equal(strncmp(err.msg, "invalid mount_points_exclude '(': ", 34), 0);
	opts_for(&o, &c, fixtures());
	o.fs_types_exclude = "a{1";
	assert_int_equal(obs_collect_host(&o, &err), -1);
	assert_int_equal(strncmp(err.msg, "invalid fs_types_exclude 'a{1': ", 32), 0);
	opts_for(&o, &c, fixtures());
	o.disk_devices_exclude = "[";
	assert_int_equal(obs_collect_host(&o, &err), -1);
	assert_int_equal(strncmp(err.msg, "invalid disk_devices_exclude '[': ", 34), 0);
	opts_for(&o, &c, fixtures());
	o.net_devices_exclude = "*(";
	assert_int_equal(obs_collect_host(&o, &err), -1);
	assert_int_equal(strncmp(err.msg, "invalid net_devices_exclude '*(': ", 34), 0);

	opts_for(&o, &c, fixtures());
	o.emit = NULL;
	assert_int_equal(obs_collect_host(&o, &err), -1);
	assert_string_equal(err.msg, "obs_collect: no emit callback or procfs given");
	assert_int_equal(obs_collect_host(NULL, &err), -1);
	assert_int_equal(obs_collect_process(NULL, 1, NULL, &err), -1);
	assert_string_equal(err.msg, "obs_collect: no emit callback or procfs given");
	opts_for(&o, &c, NULL);
	assert_int_equal(obs_collect_host(&o, &err), -1);
	cap_release(&c);
}

/* Stopping at every sample in turn goes through every emit path and leaks nothing. */
static void test_emit_stop(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	int total, k;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.statfs_timeout_ms = -1;   /* no threads: many runs to come */
	assert_int_equal(obs_collect_host(&o, &err), 0);
	total = c.n;
	for (k = 1; k <= total; k++) {
		cap_reset(&c);
		c.stop_at = k;
		assert_int_equal(obs_collect_host(&o, &err), -1);
		assert_string_equal(err.msg, "collection stopped by the caller");
		assert_int_equal(c.n, k);
	}
	for (k = 1; k <= 8; k++) {
		cap_reset(&c);
		c.stop_at = k;
		assert_int_equal(obs_collect_process(&o, 4242, NULL, &err), -1);
		assert_string_equal(err.msg, "collection stopped by the caller");
	}
	cap_release(&c);
}

static int count_emit(void *ctx, const char *name, enum obs_metric_type type, const char *help,
		      const char *unit, json_t *labels, double value)
{
	(void)name;
	(void)type;
	(void)help;
	(void)unit;
	(void)labels;
	(void)value;
	((struct cap *)ctx)->n++;
	return 0;
}

/* jansson running out of memory at each allocation in turn */
static long alloc_budget = -1;

static void *limited_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	return malloc(n);
}

static void test_out_of_memory(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	long k;
	int rc, done = 0;

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	o.emit = count_emit;
	o.statfs_timeout_ms = -1;
	for (k = 0; !done && k < 100000; k++) {
		c.n = 0;
		alloc_budget = k;
		json_set_alloc_funcs(limited_malloc, free);
		rc = obs_collect_host(&o, &err);
		json_set_alloc_funcs(malloc, free);
		alloc_budget = -1;
		if (rc == 0)
			done = 1;
		else
			assert_string_equal(err.msg, "out of memory");
	}
	assert_true(done);
	assert_true(k > 100);
	for (k = 0, done = 0; !done && k < 100; k++) {
		c.n = 0;
		alloc_budget = k;
		json_set_alloc_funcs(limited_malloc, free);
		rc = obs_collect_process(&o, 4242, NULL, &err);
		json_set_alloc_funcs(malloc, free);
		alloc_budget = -1;
		if (rc == 0)
			done = 1;
		else
			assert_string_equal(err.msg, "out of memory");
	}
	assert_true(done);
	assert_int_equal(c.n, 8);
	cap_release(&c);
}

/* ---- process ---------------------------------------------------------------- */

static void test_process(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	json_t *labels = json_pack("{s:s, s:s}", "pid", "4242", "command", "worker");
	double t = ticks(), page = (double)sysconf(_SC_PAGESIZE);
	const char *l = "{\"pid\":\"4242\",\"command\":\"worker\"}";
	char comm[64];

	(void)state;
	cap_init(&c);
	opts_for(&o, &c, fixtures());
	assert_int_equal(obs_collect_process(&o, 4242, labels, &err), 0);
	assert_int_equal(json_array_size(c.samples), 8);
	check(&c, "process_cpu_seconds_total", l, (1234 + 567) / t);
	check(&c, "process_virtual_memory_bytes", l, 1122443264);
	check(&c, "process_resident_memory_bytes", l, 3708 * page);
	check(&c, "process_start_time_seconds", l, 1795556670 + 163340 / t);
	check(&c, "process_open_fds", l, 6);
	check(&c, "process_max_fds", l, 1024);
	check(&c, "process_virtual_memory_max_bytes", l, 18446744073709551615.0);
	check(&c, "process_threads", l, 7);
	if (t == 100)
		check(&c, "process_start_time_seconds", l, 1795558303.4);
	/* the client libraries' order */
	assert_string_equal(s_name(json_array_get(c.samples, 0)), "process_cpu_seconds_total");
	assert_string_equal(s_name(json_array_get(c.samples, 1)), "process_virtual_memory_bytes");
	assert_string_equal(s_name(json_array_get(c.samples, 2)), "process_resident_memory_bytes");
	assert_string_equal(s_name(json_array_get(c.samples, 3)), "process_start_time_seconds");
	assert_string_equal(s_name(json_array_get(c.samples, 4)), "process_open_fds");
	assert_string_equal(s_name(json_array_get(c.samples, 5)), "process_max_fds");
	assert_string_equal(s_name(json_array_get(c.samples, 6)),
			    "process_virtual_memory_max_bytes");
	assert_string_equal(s_name(json_array_get(c.samples, 7)), "process_threads");
	check_meta(&c, "process_cpu_seconds_total", OBS_METRIC_COUNTER,
		   "Total user and system CPU time spent in seconds.", "seconds");
	check_meta(&c, "process_virtual_memory_bytes", OBS_METRIC_GAUGE,
		   "Virtual memory size in bytes.", "bytes");
	check_meta(&c, "process_resident_memory_bytes", OBS_METRIC_GAUGE,
		   "Resident memory size in bytes.", "bytes");
	check_meta(&c, "process_start_time_seconds", OBS_METRIC_GAUGE,
		   "Start time of the process since unix epoch in seconds.", "seconds");
	check_meta(&c, "process_open_fds", OBS_METRIC_GAUGE, "Number of open file descriptors.",
		   NULL);
	check_meta(&c, "process_max_fds", OBS_METRIC_GAUGE,
		   "Maximum number of open file descriptors.", NULL);
	check_meta(&c, "process_virtual_memory_max_bytes", OBS_METRIC_GAUGE,
		   "Maximum amount of virtual memory available in bytes.", "bytes");
	check_meta(&c, "process_threads", OBS_METRIC_GAUGE, "Number of OS threads in the process.",
		   NULL);
	/* the caller's labels are left as they were */
	assert_int_equal(json_object_size(labels), 2);

	/* no labels */
	cap_reset(&c);
	assert_int_equal(obs_collect_process(&o, 4242, NULL, &err), 0);
	check(&c, "process_threads", NULL, 7);

	assert_int_equal(obs_collect_process_comm(fixtures(), 4242, comm, sizeof(comm), &err), 0);
	assert_string_equal(comm, "my (odd) worker");
	assert_int_equal(obs_collect_process_comm(fixtures(), 4242, comm, 6, &err), 0);
	assert_string_equal(comm, "my (o");
	assert_int_equal(obs_collect_process_comm(fixtures(), 4242, comm, 0, &err), 0);
	assert_int_equal(obs_collect_process_comm(fixtures(), 99999999, comm, sizeof(comm), &err),
			 -1);
	assert_true(strstr(err.msg, "cannot open '") == err.msg);
	assert_non_null(strstr(err.msg, "/99999999/comm': No such file or directory"));

	json_decref(labels);
	cap_release(&c);
}

static void test_process_partial(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	struct tmp t;
	char want[512];
	const char *stat_line = "77 (sh) S 1 77 77 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 500 4096 2\n";

	(void)state;
	cap_init(&c);
	tmp_make(&t);
	opts_for(&o, &c, t.dir);

	/* no such process */
	assert_int_equal(obs_collect_process(&o, 77, NULL, &err), -1);
	snprintf(want, sizeof(want), "cannot open '%s/77/stat': No such file or directory", t.dir);
	assert_string_equal(err.msg, want);

	/* only /proc/PID/stat: the rest is skipped with warnings */
	put_file(t.dir, "77/stat", stat_line);
	put_file(t.dir, "77/fd", "not a directory");
	assert_int_equal(obs_collect_process(&o, 77, NULL, &err), 3);
	assert_int_equal(json_array_size(c.samples), 4);
	check(&c, "process_cpu_seconds_total", NULL, (10 + 20) / ticks());
	check(&c, "process_threads", NULL, 1);
	assert_int_equal(json_array_size(c.warnings), 3);
	snprintf(want, sizeof(want), "process: cannot open '%s/stat': No such file or directory",
		 t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 0)), want);
	snprintf(want, sizeof(want), "process: cannot open '%s/77/fd': Not a directory", t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 1)), want);
	snprintf(want, sizeof(want), "process: cannot open '%s/77/limits': No such file or directory",
		 t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 2)), want);

	/* /proc/stat without btime; limits without the two lines; an empty fd folder */
	cap_reset(&c);
	put_file(t.dir, "stat", "cpu 1 2 3 4\nctxt 5\n");
	put_file(t.dir, "77/limits", "Limit Soft Limit Hard Limit Units\nMax processes 10 10 processes\n");
	remove(strcat(strcpy((char[128]){ 0 }, t.dir), "/77/fd"));
	put_dir(t.dir, "77/fd");
	assert_int_equal(obs_collect_process(&o, 77, NULL, &err), 1);
	snprintf(want, sizeof(want), "process: no btime line in '%s/stat'", t.dir);
	assert_string_equal(json_string_value(json_array_get(c.warnings, 0)), want);
	check(&c, "process_open_fds", NULL, 0);
	assert_false(has(&c, "process_max_fds", NULL));
	assert_false(has(&c, "process_virtual_memory_max_bytes", NULL));
	assert_false(has(&c, "process_start_time_seconds", NULL));

	/* numeric limits */
	cap_reset(&c);
	put_file(t.dir, "stat", "btime 1000\n");
	put_file(t.dir, "77/limits", "Max open files\t4096 8192 files\nMax address space 1048576 unlimited bytes\n");
	assert_int_equal(obs_collect_process(&o, 77, NULL, &err), 0);
	check(&c, "process_max_fds", NULL, 4096);
	check(&c, "process_virtual_memory_max_bytes", NULL, 1048576);
	check(&c, "process_start_time_seconds", NULL, 1000 + 500 / ticks());

	tmp_remove(&t);
	cap_release(&c);
}

static const struct {
	const char *file, *content, *msg;
} bad_process[] = {
	{ "9/stat", "9 (sh S 1\n", "line 1: expected 'pid (comm) state' and at least 22 fields" },
	{ "9/stat", "9 (sh) S 1 9 9 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 500 4096\n",
	  "line 1: expected 'pid (comm) state' and at least 22 fields" },
	{ "9/stat", "9 (sh) S 1 9 9 0 -1 0 0 0 0 0 x 20 0 0 20 0 1 0 500 4096 2\n",
	  "line 1: expected numbers in fields 14, 15, 20 and 22 to 24" },
	{ "stat", "btime soon\n", "line 1: expected a number, got 'soon'" },
	{ "9/limits", "Max open files     lots     lots    files\n",
	  "line 1: expected a number, got 'lots'" },
	{ "9/limits", "Limit\nMax address space   \n",
	  "line 2: expected a limit after 'Max address space'" },
};

static void test_process_malformed(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	struct tmp t;
	char want[512];
	size_t i;

	(void)state;
	cap_init(&c);
	for (i = 0; i < sizeof(bad_process) / sizeof(bad_process[0]); i++) {
		tmp_make(&t);
		put_file(t.dir, "9/stat",
			 "9 (sh) S 1 9 9 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 500 4096 2 more\n");
		put_file(t.dir, "stat", "btime 1000\n");
		put_file(t.dir, "9/limits", "Max open files 10 10 files\n");
		put_dir(t.dir, "9/fd");
		put_file(t.dir, bad_process[i].file, bad_process[i].content);
		cap_reset(&c);
		opts_for(&o, &c, t.dir);
		assert_int_equal(obs_collect_process(&o, 9, NULL, &err), -1);
		snprintf(want, sizeof(want), "'%s/%s' %s", t.dir, bad_process[i].file,
			 bad_process[i].msg);
		assert_string_equal(err.msg, want);
		assert_int_equal(json_array_size(c.samples), 0);
		tmp_remove(&t);
	}

	/* limits that cannot be read */
	tmp_make(&t);
	put_file(t.dir, "9/stat", "9 (sh) S 1 9 9 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 500 4096 2\n");
	put_dir(t.dir, "9/limits");
	opts_for(&o, &c, t.dir);
	assert_int_equal(obs_collect_process(&o, 9, NULL, &err), -1);
	snprintf(want, sizeof(want), "cannot read '%s/9/limits': Is a directory", t.dir);
	assert_string_equal(err.msg, want);
	/* a procfs path too long */
	{
		char path[PATH_MAX];

		memset(path, 'p', sizeof(path) - 1);
		path[sizeof(path) - 1] = '\0';
		o.procfs = path;
		assert_int_equal(obs_collect_process(&o, 9, NULL, &err), -1);
		assert_int_equal(strncmp(err.msg, "path too long: 'ppp", 19), 0);
		assert_int_equal(obs_collect_process_comm(path, 9, want, sizeof(want), &err), -1);
		assert_int_equal(strncmp(err.msg, "path too long: 'ppp", 19), 0);
	}
	tmp_remove(&t);
	cap_release(&c);
}

/* ---- the live /proc ----------------------------------------------------------- */

static void test_live(void **state)
{
	struct obs_collect_opts o;
	struct obs_error err;
	struct cap c;
	json_t *s;
	size_t i;
	double cpu = 0, btime, start, now = (double)time(NULL);
	char comm[64];
	int rc;

	(void)state;
	cap_init(&c);
	obs_collect_opts_init(&o);
	o.emit = cap_emit;
	o.warn = cap_warn;
	o.ctx = &c;
	rc = obs_collect_host(&o, &err);
	if (rc < 0)
		fail_msg("%s", err.msg);
	json_array_foreach(c.samples, i, s)
		if (strcmp(s_name(s), "node_cpu_seconds_total") == 0)
			cpu += json_real_value(json_object_get(s, "value"));
	assert_true(cpu > 0);
	assert_true(json_real_value(json_object_get(find(&c, "node_memory_MemTotal_bytes", NULL),
						    "value")) > 0);
	btime = json_real_value(json_object_get(find(&c, "node_boot_time_seconds", NULL), "value"));
	assert_true(btime > 1e9 && btime <= now);
	assert_true(count(&c, "node_load1") == 1);
	assert_true(count(&c, "node_network_receive_bytes_total") >= 1);
	assert_true(has(&c, "node_network_receive_bytes_total", "{\"device\":\"lo\"}"));
	assert_true(count(&c, "node_filesystem_size_bytes") >= 1);

	cap_reset(&c);
	rc = obs_collect_process(&o, getpid(), NULL, &err);
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(rc, 0);
	assert_true(json_real_value(json_object_get(find(&c, "process_resident_memory_bytes", NULL),
						    "value")) > 0);
	assert_true(json_real_value(json_object_get(find(&c, "process_open_fds", NULL), "value")) >= 3);
	assert_true(json_real_value(json_object_get(find(&c, "process_threads", NULL), "value")) >= 1);
	start = json_real_value(json_object_get(find(&c, "process_start_time_seconds", NULL),
						"value"));
	assert_true(start >= btime && start <= now + 1);
	assert_int_equal(obs_collect_process_comm(NULL, getpid(), comm, sizeof(comm), &err), 0);
	{
		/* "test_collect", or the tool's name under valgrind */
		char self[64] = "";
		FILE *f = fopen("/proc/self/comm", "r");

		assert_non_null(f);
		assert_non_null(fgets(self, sizeof(self), f));
		fclose(f);
		self[strcspn(self, "\n")] = '\0';
		assert_string_equal(comm, self);
		assert_true(strlen(comm) > 0);
	}
	cap_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_loadavg),
		cmocka_unit_test(test_filesystem),
		cmocka_unit_test(test_filesystem_options),
		cmocka_unit_test(test_filesystem_self_mounts),
		cmocka_unit_test(test_diskstats),
		cmocka_unit_test(test_diskstats_kernels),
		cmocka_unit_test(test_netdev),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_host_all),
		cmocka_unit_test(test_collector_names),
		cmocka_unit_test(test_odd_but_valid),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_emit_stop),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_process_partial),
		cmocka_unit_test(test_process_malformed),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
