/* SPDX-License-Identifier: MIT */
/* Host and process metrics from /proc and statfs, named as node_exporter and the client libraries name them. */
#ifndef OBS_COLLECT_H
#define OBS_COLLECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <jansson.h>

#include "obs_error.h"
#include "obs_metric.h"

/*
 * Names, types, label names and help texts are those of Prometheus's
 * node_exporter (host) and of the client libraries' process collector
 * (process), so existing dashboards and alert rules work unchanged:
 *
 *   cpu         node_cpu_seconds_total{cpu,mode} (user nice system idle
 *               iowait irq softirq steal), node_cpu_guest_seconds_total
 *               {cpu,mode} (user nice); /proc/stat, ticks / sysconf(_SC_CLK_TCK)
 *   stat        node_intr_total, node_context_switches_total,
 *               node_forks_total, node_boot_time_seconds,
 *               node_procs_running, node_procs_blocked; /proc/stat
 *   meminfo     node_memory_<Field>_bytes for every /proc/meminfo field
 *               in kB ("Active(anon)" gives node_memory_Active_anon_bytes),
 *               node_memory_<Field> for fields without unit (HugePages_Total)
 *   loadavg     node_load1, node_load5, node_load15
 *   filesystem  node_filesystem_{size_bytes,free_bytes,avail_bytes,files,
 *               files_free,readonly,device_error}{device,mountpoint,fstype};
 *               <procfs>/1/mounts (else <procfs>/self/mounts, as with
 *               hidepid) and statfs(2) of <rootfs><mountpoint>
 *   diskstats   node_disk_{reads_completed,reads_merged,read_bytes,
 *               read_time_seconds,writes_completed,writes_merged,
 *               written_bytes,write_time_seconds}_total, node_disk_io_now,
 *               node_disk_{io_time_seconds,io_time_weighted_seconds,
 *               discards_completed,discards_merged,discarded_sectors,
 *               discard_time_seconds,flush_requests,
 *               flush_requests_time_seconds}_total {device}, as far as
 *               the kernel's /proc/diskstats has the fields
 *   netdev      node_network_{receive,transmit}_<field>_total{device} for
 *               every /proc/net/dev column (bytes packets errs drop fifo
 *               frame compressed multicast / bytes packets errs drop fifo
 *               colls carrier compressed); lo included, as upstream does
 *   time        node_time_seconds, node_time_zone_offset_seconds{time_zone}
 *
 * There is no uptime metric: node_exporter has none; users compute
 * node_time_seconds - node_boot_time_seconds. Left out on purpose: the
 * node_disk_info and node_time_clocksource_* info metrics (udev and
 * sysfs), node_filesystem_mount_info and the device_error label of
 * node_exporter >= 1.8 (an empty label is the same series in PromQL), and
 * node_exporter's own node_scrape_collector_* and build info; and the
 * process_network_*_bytes_total of recent client_golang versions.
 * Values are computed as node_exporter computes them (disk times are
 * milliseconds * 0.001, sectors * 512, CPU ticks / USER_HZ), so they
 * agree to the bit; tests/integration/collect-vs-node-exporter.sh checks
 * names, label names, series and stable values against a real one.
 *
 * Samples of one family are emitted together, one family after the other,
 * as the Prometheus text format needs. All values are what one read of the
 * files gives; counters are cumulative since boot.
 */

/*
 * Called once per sample. NAME, HELP, UNIT ("seconds", "bytes", or NULL
 * when the name carries no unit) and LABELS (an object of strings, never
 * NULL, possibly empty) are borrowed for the call only: copy what you
 * keep. Return 0 to go on, -1 to stop: the collection then fails with
 * "collection stopped by the caller" (keep your own reason in CTX).
 */
typedef int obs_collect_emit_fn(void *ctx, const char *name, enum obs_metric_type type,
				const char *help, const char *unit, json_t *labels, double value);

/*
 * Called when a collector is skipped because its file cannot be opened
 * (no /proc/diskstats in a container, an unreadable /proc/PID/fd):
 * COLLECTOR is its name ("diskstats", "process"), MSG says why ("cannot
 * open '/proc/diskstats': No such file or directory").
 */
typedef void obs_collect_warn_fn(void *ctx, const char *collector, const char *msg);

/* Collectors, for obs_collect_opts.collectors. */
enum {
	OBS_COLLECT_CPU = 1 << 0,
	OBS_COLLECT_STAT = 1 << 1,
	OBS_COLLECT_MEMINFO = 1 << 2,
	OBS_COLLECT_LOADAVG = 1 << 3,
	OBS_COLLECT_FILESYSTEM = 1 << 4,
	OBS_COLLECT_DISKSTATS = 1 << 5,
	OBS_COLLECT_NETDEV = 1 << 6,
	OBS_COLLECT_TIME = 1 << 7,
	OBS_COLLECT_ALL = (1 << 8) - 1,
};

/* node_exporter's defaults (Go regexps, written here as POSIX extended ones). */
#define OBS_COLLECT_MOUNT_POINTS_EXCLUDE \
	"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
#define OBS_COLLECT_FS_TYPES_EXCLUDE \
	"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|" \
	"iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|" \
	"squashfs|erofs|sysfs|tracefs)$"
#define OBS_COLLECT_DISK_DEVICES_EXCLUDE \
	"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme[0-9]+n[0-9]+p)[0-9]+$"

#define OBS_COLLECT_STATFS_TIMEOUT_MS 5000

/*
 * What to collect and where. Set it up with obs_collect_opts_init, then
 * fill in emit (required) and what else you need. Strings are borrowed.
 */
struct obs_collect_opts {
	const char *procfs;             /* "/proc" (node_exporter's --path.procfs) */
	const char *rootfs;             /* "/": prefix for statfs of mount points (--path.rootfs) */
	unsigned collectors;            /* OBS_COLLECT_* bits; obs_collect_host only */
	/* POSIX extended regexps matched against the whole name (search, as
	 * Go's MatchString does); NULL or "" excludes nothing. */
	const char *mount_points_exclude;
	const char *fs_types_exclude;
	const char *disk_devices_exclude;
	const char *net_devices_exclude;
	/* statfs of one mount point gives up after this long (a hung NFS
	 * server), reported as node_filesystem_device_error 1; < 0 waits
	 * forever. The statfs runs in a thread; one that hung is not asked
	 * again, in this process, until it has returned (node_exporter's
	 * "stuck mounts"), so repeated collections do not pile up threads. */
	int statfs_timeout_ms;
	/* statfs(2) unless set; tests give canned answers through it. */
	int (*statfs_fn)(const char *path, struct statfs *buf);
	int64_t now_ns;                 /* node_time_seconds; 0 means obs_time_now() */
	obs_collect_emit_fn *emit;
	obs_collect_warn_fn *warn;      /* may be NULL */
	void *ctx;                      /* handed to emit and warn */
};

/*
 * Defaults: procfs "/proc", rootfs "/", all collectors, node_exporter's
 * excludes (none for network devices), 5 s statfs timeout, statfs(2),
 * the current time, no callbacks.
 */
void obs_collect_opts_init(struct obs_collect_opts *opts);

/*
 * Collect the host metrics of the collectors in OPTS->collectors.
 * A file that cannot be opened skips its collector: warn is called and
 * the collection goes on. Returns the number of collectors skipped (0
 * when all ran), or -1 with ERR set: a malformed file ("'/proc/stat' line
 * 3: expected a number, got 'x'"), a read error, an invalid exclude
 * regexp ("invalid mount_points_exclude '(': ..."), out of memory, or
 * emit asking to stop. A collector's file is parsed whole before its
 * first sample, so a malformed file emits nothing of that collector.
 */
int obs_collect_host(const struct obs_collect_opts *opts, struct obs_error *err);

/*
 * Collect process metrics of PID from OPTS->procfs (other fields but
 * emit/warn/ctx are ignored), in the process collector's order:
 *   process_cpu_seconds_total      (utime + stime) / ticks, counter (as Go sums them)
 *   process_virtual_memory_bytes   vsize
 *   process_resident_memory_bytes  rss pages * page size
 *   process_start_time_seconds     btime + starttime / ticks
 *   process_open_fds               entries of /proc/PID/fd
 *   process_max_fds                soft "Max open files"
 *   process_virtual_memory_max_bytes soft "Max address space"
 *                                  (unlimited reads as 2^64 - 1, as Go's does)
 *   process_threads                num_threads (the Rust client's name)
 * Every sample carries LABELS (borrowed, may be NULL for none), e.g.
 * {"pid": "1234", "command": "nginx"}. An unreadable /proc/PID/fd (another
 * user's process) or limits skips those samples with a warning; so does
 * a missing /proc/stat for the start time. Returns the number of samples
 * skipped that way, or -1 with ERR set: no such process ("cannot open
 * '/proc/1234/stat': No such file or directory"), a malformed file, out
 * of memory, or emit asking to stop.
 */
int obs_collect_process(const struct obs_collect_opts *opts, pid_t pid, json_t *labels,
			struct obs_error *err);

/*
 * The command name of PID (/proc/PID/comm without its newline, at most
 * 15 bytes by the kernel) into BUF, cut to SIZE - 1 bytes. 0, or -1 with
 * ERR set ("cannot open '/proc/1234/comm': ...").
 */
int obs_collect_process_comm(const char *procfs, pid_t pid, char *buf, size_t size,
			     struct obs_error *err);

/*
 * Collector bit for NAME ("cpu", "stat", "meminfo", "loadavg",
 * "filesystem", "diskstats", "netdev", "time"), 0 if unknown; and back
 * (NULL for anything but a single known bit).
 */
unsigned obs_collect_collector_bit(const char *name);
const char *obs_collect_collector_name(unsigned bit);

#endif
