/* SPDX-License-Identifier: MIT */
/* Host and process metrics from /proc and statfs, named as node_exporter and the client libraries name them. */
#include "obs_collect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "obs_time.h"

/* /proc files are small; this only stops a runaway fixture or FUSE file. */
#define FILE_MAX ((size_t)64 << 20)
#define CPU_FIELDS 10     /* user .. guest_nice */
#define DISK_FIELDS 17    /* reads completed .. flush time */
#define NET_FIELDS 32     /* per direction; the kernel has 8 */
/* What "unlimited" reads as in Go's procfs (and so in client_golang). */
#define UNLIMITED 18446744073709551615.0

struct coll {
	const struct obs_collect_opts *o;
	struct obs_error *err;
	json_t *empty;          /* labels of label-less samples */
	int skipped;
};

/* ---- small helpers ------------------------------------------------------- */

static int oom(struct coll *c)
{
	return obs_error_set(c->err, "out of memory");
}

static int bad_line(struct coll *c, const char *path, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad_line(struct coll *c, const char *path, int line, const char *fmt, ...)
{
	char msg[OBS_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return obs_error_set(c->err, "'%s' line %d: %s", path, line, msg);
}

static void warn(struct coll *c, const char *collector, const char *msg)
{
	c->skipped++;
	if (c->o->warn)
		c->o->warn(c->o->ctx, collector, msg);
}

/* DIR/REL into BUF; DIR's trailing slashes are dropped so messages read well. */
static int path_join(struct coll *c, char *buf, size_t size, const char *dir, const char *rel)
{
	size_t n = strlen(dir);
	int r;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	r = snprintf(buf, size, "%.*s/%s", (int)n, dir, rel);
	if (r < 0 || (size_t)r >= size)
		return obs_error_set(c->err, "path too long: '%.*s/%s'", (int)n, dir, rel);
	return 0;
}

/*
 * Read PATH whole into *BUF (NUL-terminated; the caller frees it).
 * 0 on success; 1 when it cannot be opened (ERR says why, for a
 * warning); -1 on a read error or a file past FILE_MAX.
 */
static int slurp(const char *path, char **buf, struct obs_error *err)
{
	char *b = NULL, *nb;
	size_t n = 0, cap = 0;
	ssize_t r;
	int fd, rc = -1;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		obs_error_errno(err, "cannot open '%s'", path);
		return 1;
	}
	for (;;) {
		if (cap - n < 2) {
			/* FILE_MAX + 2 at most: room for one byte too many and the NUL */
			size_t ncap = cap ? cap * 2 : 8192;

			if (ncap > FILE_MAX + 2)
				ncap = FILE_MAX + 2;
			nb = realloc(b, ncap);
			if (!nb) {
				obs_error_set(err, "out of memory");
				goto out;
			}
			b = nb;
			cap = ncap;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			obs_error_errno(err, "cannot read '%s'", path);
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > FILE_MAX) {
			obs_error_set(err, "'%s' is larger than %zu MiB", path, FILE_MAX >> 20);
			goto out;
		}
	}
	b[n] = '\0';
	*buf = b;
	b = NULL;
	rc = 0;
out:
	free(b);
	close(fd);
	return rc;
}

struct lines {
	char *p, *end;
	int no;
};

static void lines_init(struct lines *l, char *buf)
{
	l->p = buf;
	l->end = buf + strlen(buf);
	l->no = 0;
}

/* The next line, NUL-terminated in place, or NULL at the end. */
static char *line_next(struct lines *l)
{
	char *s = l->p, *nl;

	if (l->p >= l->end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(l->end - s));
	if (nl) {
		*nl = '\0';
		l->p = nl + 1;
	} else {
		l->p = l->end;
	}
	l->no++;
	return s;
}

/*
 * Split S in place on blanks into at most MAX tokens. Returns the number
 * of tokens, or MAX + 1 when more follow (those are left unsplit).
 */
static int split(char *s, char **tok, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

/* A decimal unsigned integer (all of S) as a double. */
static int num_u64(const char *s, double *v)
{
	uint64_t x = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = (double)x;
	return 0;
}

/* "2.06": digits with an optional fraction, whatever the locale says. */
static int num_decimal(const char *s, double *v)
{
	uint64_t m = 0;
	double scale = 1;
	int digits = 0, frac = 0;

	for (; *s; s++) {
		if (*s == '.' && !frac) {
			frac = 1;
			continue;
		}
		if (*s < '0' || *s > '9' || ++digits > 18)
			return -1;
		m = m * 10 + (uint64_t)(*s - '0');
		if (frac)
			scale *= 10;
	}
	if (!digits)
		return -1;
	*v = (double)m / scale;
	return 0;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The OpenMetrics unit a name ends with ("_seconds_total" -> "seconds"). */
static const char *unit_of(const char *name)
{
	size_t n = strlen(name);

	if (ends_with(name, n, "_total"))
		n -= 6;
	if (ends_with(name, n, "_seconds"))
		return "seconds";
	if (ends_with(name, n, "_bytes"))
		return "bytes";
	return NULL;
}

/* Length of the valid UTF-8 sequence at S, 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
			return 0;
		return 4;
	}
	return 0;
}

/* A JSON string of S; bytes that are not UTF-8 (a odd mount point) become U+FFFD. */
static json_t *label_string(const char *s)
{
	const unsigned char *p;
	json_t *j = json_string(s);
	char *t, *q;
	size_t k;

	if (j)
		return j;
	t = malloc(strlen(s) * 3 + 1);
	if (!t)
		return NULL;
	for (p = (const unsigned char *)s, q = t; *p; ) {
		k = utf8_len(p);
		if (k) {
			memcpy(q, p, k);
			q += k;
			p += k;
		} else {
			memcpy(q, "\xEF\xBF\xBD", 3);
			q += 3;
			p++;
		}
	}
	*q = '\0';
	j = json_string(t);
	free(t);
	return j;
}

/* A new label object from N (name, value) pairs; NULL when out of memory. */
static json_t *labels_new(int n, ...)
{
	json_t *o = json_object();
	va_list ap;
	int i;

	if (!o)
		return NULL;
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *k = va_arg(ap, const char *);
		const char *v = va_arg(ap, const char *);

		if (json_object_set_new(o, k, label_string(v)) != 0) {
			json_decref(o);
			o = NULL;
			break;
		}
	}
	va_end(ap);
	return o;
}

static int put(struct coll *c, const char *name, enum obs_metric_type type, const char *help,
	       json_t *labels, double value)
{
	if (c->o->emit(c->o->ctx, name, type, help, unit_of(name), labels ? labels : c->empty,
		       value) != 0)
		return obs_error_set(c->err, "collection stopped by the caller");
	return 0;
}

/* put() with a label object made here from N pairs. */
static int put_labels(struct coll *c, const char *name, enum obs_metric_type type,
		      const char *help, double value, int n, const char *k1, const char *v1,
		      const char *k2, const char *v2, const char *k3, const char *v3)
{
	json_t *l = labels_new(n, k1, v1, k2, v2, k3, v3);
	int rc;

	if (!l)
		return oom(c);
	rc = put(c, name, type, help, l, value);
	json_decref(l);
	return rc;
}

struct regex {
	regex_t re;
	int set;
};

static int regex_init(struct coll *c, struct regex *r, const char *pattern, const char *what)
{
	char msg[256];
	int rc;

	r->set = 0;
	if (!pattern || !*pattern)
		return 0;
	rc = regcomp(&r->re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &r->re, msg, sizeof(msg));
		return obs_error_set(c->err, "invalid %s '%s': %s", what, pattern, msg);
	}
	r->set = 1;
	return 0;
}

static int regex_match(const struct regex *r, const char *s)
{
	return r->set && regexec(&r->re, s, 0, NULL, 0) == 0;
}

static void regex_release(struct regex *r)
{
	if (r->set)
		regfree(&r->re);
	r->set = 0;
}

/* Grow *ARR of *CAP elements of SIZE bytes to hold N + 1. */
static int grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void **p = arr, *q;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	q = realloc(*p, ncap * size);
	if (!q)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

/*
 * Open one collector's file under procfs. 0 with *BUF; 1 when skipped
 * (warned, once per collector in NAMES, a NULL-terminated list);
 * -1 on error.
 */
static int open_proc(struct coll *c, const char *rel, const char *const *names, char *path,
		     size_t size, char **buf)
{
	struct obs_error e;
	int rc;

	*buf = NULL;
	if (path_join(c, path, size, c->o->procfs, rel) < 0)
		return -1;
	rc = slurp(path, buf, &e);
	if (rc < 0)
		return obs_error_set(c->err, "%s", e.msg);
	if (rc > 0)
		for (; *names; names++)
			warn(c, *names, e.msg);
	return rc;
}

/* ---- cpu and stat: /proc/stat ----------------------------------------------- */

struct cpu_row {
	char id[16];
	double v[CPU_FIELDS];
	int n;
};

enum { ST_INTR, ST_CTXT, ST_FORKS, ST_BTIME, ST_RUNNING, ST_BLOCKED, ST_N };

static const struct {
	const char *key, *name, *help;
	enum obs_metric_type type;
} stat_lines[ST_N] = {
	{ "intr", "node_intr_total", "Total number of interrupts serviced.", OBS_METRIC_COUNTER },
	{ "ctxt", "node_context_switches_total", "Total number of context switches.",
	  OBS_METRIC_COUNTER },
	{ "processes", "node_forks_total", "Total number of forks.", OBS_METRIC_COUNTER },
	{ "btime", "node_boot_time_seconds", "Node boot time, in unixtime.", OBS_METRIC_GAUGE },
	{ "procs_running", "node_procs_running", "Number of processes in runnable state.",
	  OBS_METRIC_GAUGE },
	{ "procs_blocked", "node_procs_blocked",
	  "Number of processes blocked waiting for I/O to complete.", OBS_METRIC_GAUGE },
};

static const char *const cpu_modes[8] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
};

static long clock_ticks(void)
{
	long t = sysconf(_SC_CLK_TCK);

	return t > 0 ? t : 100;
}

static int collect_stat(struct coll *c, unsigned which)
{
	static const char *const both[] = { "cpu", "stat", NULL };
	static const char *const cpu_only[] = { "cpu", NULL };
	static const char *const stat_only[] = { "stat", NULL };
	char path[PATH_MAX], *buf = NULL, *line, *tok[CPU_FIELDS + 1];
	struct cpu_row *cpus = NULL;
	size_t ncpu = 0, cap = 0, i;
	double st[ST_N] = { 0 }, ticks = (double)clock_ticks();
	int have[ST_N] = { 0 };
	struct lines l;
	int rc, n, k;

	rc = open_proc(c, "stat", (which & OBS_COLLECT_CPU) ?
		       ((which & OBS_COLLECT_STAT) ? both : cpu_only) : stat_only,
		       path, sizeof(path), &buf);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = -1;
	lines_init(&l, buf);
	while ((line = line_next(&l))) {
		n = split(line, tok, CPU_FIELDS + 1);
		if (n == 0)
			continue;
		if (strncmp(tok[0], "cpu", 3) == 0) {
			const char *id = tok[0] + 3;
			struct cpu_row *r;

			if (!*id)
				continue;   /* the sum over all CPUs; node_exporter leaves it out */
			if (strspn(id, "0123456789") != strlen(id) || strlen(id) >= sizeof(r->id)) {
				bad_line(c, path, l.no, "unexpected '%s'", tok[0]);
				goto out;
			}
			if (n < 5) {
				bad_line(c, path, l.no, "expected at least 4 numbers after '%s'", tok[0]);
				goto out;
			}
			if (grow(&cpus, &cap, ncpu, sizeof(*cpus)) < 0) {
				oom(c);
				goto out;
			}
			r = &cpus[ncpu++];
			strcpy(r->id, id);
			r->n = n > CPU_FIELDS + 1 ? CPU_FIELDS : n - 1;
			for (k = 0; k < r->n; k++) {
				if (num_u64(tok[k + 1], &r->v[k]) < 0) {
					bad_line(c, path, l.no, "expected a number, got '%s'", tok[k + 1]);
					goto out;
				}
				r->v[k] /= ticks;
			}
			continue;
		}
		for (k = 0; k < ST_N; k++) {
			if (strcmp(tok[0], stat_lines[k].key) != 0)
				continue;
			if (n < 2) {
				bad_line(c, path, l.no, "expected a number after '%s'", tok[0]);
				goto out;
			}
			if (num_u64(tok[1], &st[k]) < 0) {
				bad_line(c, path, l.no, "expected a number, got '%s'", tok[1]);
				goto out;
			}
			have[k] = 1;
		}
	}

	if (which & OBS_COLLECT_CPU) {
		for (i = 0; i < ncpu; i++)
			for (k = 0; k < 8 && k < cpus[i].n; k++)
				if (put_labels(c, "node_cpu_seconds_total", OBS_METRIC_COUNTER,
					       "Seconds the CPUs spent in each mode.", cpus[i].v[k], 2,
					       "cpu", cpus[i].id, "mode", cpu_modes[k], NULL, NULL) < 0)
					goto out;
		/* guest time is also in user and nice; node_exporter shows it apart */
		for (i = 0; i < ncpu; i++)
			for (k = 8; k < cpus[i].n; k++)
				if (put_labels(c, "node_cpu_guest_seconds_total", OBS_METRIC_COUNTER,
					       "Seconds the CPUs spent in guests (VMs) for each mode.",
					       cpus[i].v[k], 2, "cpu", cpus[i].id, "mode",
					       k == 8 ? "user" : "nice", NULL, NULL) < 0)
					goto out;
	}
	if (which & OBS_COLLECT_STAT)
		for (k = 0; k < ST_N; k++)
			if (have[k] && put(c, stat_lines[k].name, stat_lines[k].type,
					   stat_lines[k].help, NULL, st[k]) < 0)
				goto out;
	rc = 0;
out:
	free(cpus);
	free(buf);
	return rc;
}

/* ---- meminfo -------------------------------------------------------------- */

struct mem_row {
	char *name;     /* node_memory_... */
	char *help;
	double v;
};

/* "Active(anon)" -> "Active_anon", as node_exporter's \((.*)\) -> _$1 does; other odd bytes -> '_'. */
static char *mem_name(const char *key, int bytes)
{
	const char *open = strchr(key, '('), *close = open ? strrchr(open, ')') : NULL;
	size_t n = strlen(key);
	char *s, *p, *field;

	s = malloc(n + sizeof("node_memory__bytes"));
	if (!s)
		return NULL;
	field = p = s + sprintf(s, "node_memory_");
	if (close) {
		memcpy(p, key, (size_t)(open - key));
		p += open - key;
		*p++ = '_';
		memcpy(p, open + 1, (size_t)(close - open - 1));
		p += close - open - 1;
		strcpy(p, close + 1);
	} else {
		strcpy(p, key);
	}
	for (p = field; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == ':'))
			*p = '_';
	if (bytes)
		strcpy(p, "_bytes");
	return s;
}

static int collect_meminfo(struct coll *c)
{
	static const char *const names[] = { "meminfo", NULL };
	char path[PATH_MAX], *buf = NULL, *line, *tok[3];
	struct mem_row *rows = NULL;
	size_t nrows = 0, cap = 0, i, klen;
	struct lines l;
	int rc, n;

	rc = open_proc(c, "meminfo", names, path, sizeof(path), &buf);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = -1;
	lines_init(&l, buf);
	while ((line = line_next(&l))) {
		struct mem_row *r;

		n = split(line, tok, 3);
		if (n == 0)
			continue;   /* seen on some CentOS 6 kernels; node_exporter skips them */
		klen = strlen(tok[0]);
		if (n == 1 || n > 3 || klen < 2 || tok[0][klen - 1] != ':') {
			bad_line(c, path, l.no, "expected 'Field: value [kB]'");
			goto out;
		}
		tok[0][klen - 1] = '\0';
		if (grow(&rows, &cap, nrows, sizeof(*rows)) < 0) {
			oom(c);
			goto out;
		}
		r = &rows[nrows];
		if (num_u64(tok[1], &r->v) < 0) {
			bad_line(c, path, l.no, "expected a number, got '%s'", tok[1]);
			goto out;
		}
		if (n == 3)
			r->v *= 1024;   /* the unit is always kB */
		r->name = mem_name(tok[0], n == 3);
		r->help = r->name ? malloc(strlen(r->name) + sizeof("Memory information field .")) :
				    NULL;
		if (!r->help) {
			free(r->name);
			oom(c);
			goto out;
		}
		sprintf(r->help, "Memory information field %s.", r->name + strlen("node_memory_"));
		nrows++;
	}
	for (i = 0; i < nrows; i++)
		if (put(c, rows[i].name,
			ends_with(rows[i].name, strlen(rows[i].name), "_total") ? OBS_METRIC_COUNTER :
										  OBS_METRIC_GAUGE,
			rows[i].help, NULL, rows[i].v) < 0)
			goto out;
	rc = 0;
out:
	for (i = 0; i < nrows; i++) {
		free(rows[i].name);
		free(rows[i].help);
	}
	free(rows);
	free(buf);
	return rc;
}

/* ---- loadavg -------------------------------------------------------------- */

static int collect_loadavg(struct coll *c)
{
	static const char *const names[] = { "loadavg", NULL };
	static const char *const metric[3] = { "node_load1", "node_load5", "node_load15" };
	static const char *const help[3] = { "1m load average.", "5m load average.",
					     "15m load average." };
	char path[PATH_MAX], *buf = NULL, *tok[3];
	double v[3];
	struct lines l;
	char *line;
	int rc, k;

	rc = open_proc(c, "loadavg", names, path, sizeof(path), &buf);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = -1;
	lines_init(&l, buf);
	line = line_next(&l);
	if (!line || split(line, tok, 3) < 3) {
		bad_line(c, path, 1, "expected three load averages");
		goto out;
	}
	for (k = 0; k < 3; k++)
		if (num_decimal(tok[k], &v[k]) < 0) {
			bad_line(c, path, 1, "expected a number, got '%s'", tok[k]);
			goto out;
		}
	for (k = 0; k < 3; k++)
		if (put(c, metric[k], OBS_METRIC_GAUGE, help[k], NULL, v[k]) < 0)
			goto out;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* ---- filesystem ----------------------------------------------------------- */

struct fs_row {
	char *device, *mountpoint, *fstype;
	int ro, error;
	struct statfs st;
};

/* \040 (space), \011 (tab), \012 (newline), \134 (backslash), as the kernel escapes mount points. */
static void unescape_octal(char *s)
{
	char *q = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*q++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*q++ = *s;
		}
	}
	*q = '\0';
}

static int has_option(const char *options, const char *opt)
{
	size_t k = strlen(opt);
	const char *p = options;

	for (;;) {
		if (strncmp(p, opt, k) == 0 && (p[k] == ',' || p[k] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (!p)
			return 0;
		p++;
	}
}

/*
 * statfs in a thread of its own, so that a hung NFS server costs a
 * timeout rather than the whole collection. The job is freed by whoever
 * sees it last: the caller when the thread finished in time, the thread
 * when the caller gave up on it. Jobs given up on stay in a list until
 * their statfs returns, and a path in that list is not asked again
 * meanwhile (node_exporter's "stuck mounts"), so that collecting every
 * few seconds does not pile up one blocked thread per round.
 */
struct statfs_job {
	pthread_cond_t cv;
	int done, abandoned, rc, err;
	int (*fn)(const char *, struct statfs *);
	struct statfs st;
	struct statfs_job *next;   /* in the stuck list, once abandoned */
	char path[];
};

static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct statfs_job *stuck;   /* abandoned jobs still running; under jobs_mu */

static void job_free(struct statfs_job *j)
{
	pthread_cond_destroy(&j->cv);
	free(j);
}

static void *statfs_thread(void *arg)
{
	struct statfs_job *j = arg, **pp;
	struct statfs st;
	int rc, e;

	memset(&st, 0, sizeof(st));
	rc = j->fn(j->path, &st);
	e = errno;
	pthread_mutex_lock(&jobs_mu);
	if (j->abandoned) {
		for (pp = &stuck; *pp; pp = &(*pp)->next)
			if (*pp == j) {
				*pp = j->next;
				break;
			}
		pthread_mutex_unlock(&jobs_mu);
		job_free(j);
		return NULL;
	}
	j->st = st;
	j->rc = rc;
	j->err = e;
	j->done = 1;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&jobs_mu);
	return NULL;
}

static int is_stuck(const char *path)
{
	struct statfs_job *j;
	int found = 0;

	pthread_mutex_lock(&jobs_mu);
	for (j = stuck; j && !found; j = j->next)
		found = strcmp(j->path, path) == 0;
	pthread_mutex_unlock(&jobs_mu);
	return found;
}

/* statfs with a timeout: 0, or -1 with errno (ETIMEDOUT when it hung, now or before). */
static int statfs_timed(int (*fn)(const char *, struct statfs *), const char *path,
			int timeout_ms, struct statfs *st)
{
	struct statfs_job *j;
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t tid;
	struct timespec deadline;
	int rc, e, started;

	if (timeout_ms < 0)
		return fn(path, st);
	if (is_stuck(path)) {
		errno = ETIMEDOUT;
		return -1;
	}
	j = calloc(1, sizeof(*j) + strlen(path) + 1);
	if (!j)
		return fn(path, st);
	strcpy(j->path, path);
	j->fn = fn;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	started = pthread_create(&tid, &ta, statfs_thread, j) == 0;
	pthread_attr_destroy(&ta);
	if (!started) {
		/* no thread to be had: better a blocking statfs than none */
		job_free(j);
		return fn(path, st);
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&jobs_mu);
	while (!j->done)
		if (pthread_cond_timedwait(&j->cv, &jobs_mu, &deadline) == ETIMEDOUT)
			break;
	if (!j->done) {
		j->abandoned = 1;
		j->next = stuck;
		stuck = j;
		pthread_mutex_unlock(&jobs_mu);
		errno = ETIMEDOUT;
		return -1;
	}
	pthread_mutex_unlock(&jobs_mu);
	*st = j->st;
	rc = j->rc;
	e = j->err;
	job_free(j);
	errno = e;
	return rc;
}

static int same_fs(const struct fs_row *a, const char *device, const char *mountpoint,
		   const char *fstype)
{
	return strcmp(a->device, device) == 0 && strcmp(a->mountpoint, mountpoint) == 0 &&
	       strcmp(a->fstype, fstype) == 0;
}

static const struct {
	const char *name, *help;
} fs_metrics[] = {
	{ "node_filesystem_size_bytes", "Filesystem size in bytes." },
	{ "node_filesystem_free_bytes", "Filesystem free space in bytes." },
	{ "node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes." },
	{ "node_filesystem_files", "Filesystem total file nodes." },
	{ "node_filesystem_files_free", "Filesystem total free file nodes." },
	{ "node_filesystem_readonly", "Filesystem read-only status." },
};

static double fs_value(const struct fs_row *r, int k)
{
	switch (k) {
	case 0: return (double)r->st.f_blocks * (double)r->st.f_bsize;
	case 1: return (double)r->st.f_bfree * (double)r->st.f_bsize;
	case 2: return (double)r->st.f_bavail * (double)r->st.f_bsize;
	case 3: return (double)r->st.f_files;
	case 4: return (double)r->st.f_ffree;
	default: return r->ro;
	}
}

static int collect_filesystem(struct coll *c)
{
	static const char *const names[] = { "filesystem", NULL };
	char path[PATH_MAX], target[PATH_MAX], *buf = NULL, *line, *tok[6];
	struct regex mp_ex = { .set = 0 }, type_ex = { .set = 0 };
	struct fs_row *rows = NULL;
	size_t nrows = 0, cap = 0, i, j, rootlen;
	const char *root = c->o->rootfs ? c->o->rootfs : "/";
	int (*fn)(const char *, struct statfs *) = c->o->statfs_fn ? c->o->statfs_fn : statfs;
	struct obs_error e;
	struct lines l;
	int rc = -1, n, k;

	if (regex_init(c, &mp_ex, c->o->mount_points_exclude, "mount_points_exclude") < 0 ||
	    regex_init(c, &type_ex, c->o->fs_types_exclude, "fs_types_exclude") < 0)
		goto out;
	/* PID 1's mounts are the host's even when we run in a mount namespace of our own */
	if (path_join(c, path, sizeof(path), c->o->procfs, "1/mounts") < 0)
		goto out;
	k = slurp(path, &buf, &e);
	if (k > 0) {
		if (path_join(c, path, sizeof(path), c->o->procfs, "self/mounts") < 0)
			goto out;
		k = slurp(path, &buf, &e);
	}
	if (k < 0) {
		obs_error_set(c->err, "%s", e.msg);
		goto out;
	}
	if (k > 0) {
		warn(c, names[0], e.msg);
		rc = 0;
		goto out;
	}
	rootlen = strlen(root);
	while (rootlen > 0 && root[rootlen - 1] == '/')
		rootlen--;

	lines_init(&l, buf);
	while ((line = line_next(&l))) {
		struct fs_row *r;

		n = split(line, tok, 6);
		if (n == 0)
			continue;
		if (n < 4) {
			bad_line(c, path, l.no, "expected 'device mountpoint fstype options'");
			goto out;
		}
		unescape_octal(tok[1]);
		if (regex_match(&mp_ex, tok[1]) || regex_match(&type_ex, tok[2]))
			continue;
		for (j = 0; j < nrows; j++)
			if (same_fs(&rows[j], tok[0], tok[1], tok[2]))
				break;
		if (j < nrows)
			continue;   /* mounted twice: one series, as node_exporter does */
		if (grow(&rows, &cap, nrows, sizeof(*rows)) < 0) {
			oom(c);
			goto out;
		}
		r = &rows[nrows++];
		memset(r, 0, sizeof(*r));
		/* the tokens live in buf until the end of this function */
		r->device = tok[0];
		r->mountpoint = tok[1];
		r->fstype = tok[2];
		r->ro = has_option(tok[3], "ro");
	}
	for (i = 0; i < nrows; i++) {
		int w = snprintf(target, sizeof(target), "%.*s%s", (int)rootlen, root,
				 rows[i].mountpoint);

		if (w < 0 || (size_t)w >= sizeof(target))
			rows[i].error = 1;
		else if (statfs_timed(fn, target, c->o->statfs_timeout_ms, &rows[i].st) < 0)
			rows[i].error = 1;
	}
	for (i = 0; i < nrows; i++)
		if (put_labels(c, "node_filesystem_device_error", OBS_METRIC_GAUGE,
			       "Whether an error occurred while getting statistics for the given device.",
			       rows[i].error, 3, "device", rows[i].device, "mountpoint",
			       rows[i].mountpoint, "fstype", rows[i].fstype) < 0)
			goto out;
	for (k = 0; k < (int)(sizeof(fs_metrics) / sizeof(fs_metrics[0])); k++)
		for (i = 0; i < nrows; i++)
			if (!rows[i].error &&
			    put_labels(c, fs_metrics[k].name, OBS_METRIC_GAUGE, fs_metrics[k].help,
				       fs_value(&rows[i], k), 3, "device", rows[i].device,
				       "mountpoint", rows[i].mountpoint, "fstype",
				       rows[i].fstype) < 0)
				goto out;
	rc = 0;
out:
	regex_release(&mp_ex);
	regex_release(&type_ex);
	free(rows);
	free(buf);
	return rc;
}

/* ---- diskstats ------------------------------------------------------------- */

struct disk_row {
	const char *device;
	double v[DISK_FIELDS];
	int n;
};

/* /proc/diskstats columns after major, minor and name, in order (Documentation/admin-guide/iostats.rst). */
/* ms * 0.001 rather than ms / 1000, so that values agree with node_exporter's to the bit */
#define MS 0.001

static const struct {
	const char *name, *help;
	enum obs_metric_type type;
	double mul;
} disk_metrics[DISK_FIELDS] = {
	{ "node_disk_reads_completed_total", "The total number of reads completed successfully.",
	  OBS_METRIC_COUNTER, 1 },
	{ "node_disk_reads_merged_total", "The total number of reads merged.", OBS_METRIC_COUNTER, 1 },
	/* sectors are always 512 bytes here, whatever the device's block size */
	{ "node_disk_read_bytes_total", "The total number of bytes read successfully.",
	  OBS_METRIC_COUNTER, 512 },
	{ "node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
	  OBS_METRIC_COUNTER, MS },
	{ "node_disk_writes_completed_total", "The total number of writes completed successfully.",
	  OBS_METRIC_COUNTER, 1 },
	{ "node_disk_writes_merged_total", "The number of writes merged.", OBS_METRIC_COUNTER, 1 },
	{ "node_disk_written_bytes_total", "The total number of bytes written successfully.",
	  OBS_METRIC_COUNTER, 512 },
	{ "node_disk_write_time_seconds_total",
	  "This is the total number of seconds spent by all writes.", OBS_METRIC_COUNTER, MS },
	{ "node_disk_io_now", "The number of I/Os currently in progress.", OBS_METRIC_GAUGE, 1 },
	{ "node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", OBS_METRIC_COUNTER, MS },
	{ "node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
	  OBS_METRIC_COUNTER, MS },
	{ "node_disk_discards_completed_total",
	  "The total number of discards completed successfully.", OBS_METRIC_COUNTER, 1 },
	{ "node_disk_discards_merged_total", "The total number of discards merged.",
	  OBS_METRIC_COUNTER, 1 },
	/* in sectors, not bytes: node_exporter's name says so */
	{ "node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
	  OBS_METRIC_COUNTER, 1 },
	{ "node_disk_discard_time_seconds_total",
	  "This is the total number of seconds spent by all discards.", OBS_METRIC_COUNTER, MS },
	{ "node_disk_flush_requests_total",
	  "The total number of flush requests completed successfully", OBS_METRIC_COUNTER, 1 },
	{ "node_disk_flush_requests_time_seconds_total",
	  "This is the total number of seconds spent by all flush requests.", OBS_METRIC_COUNTER, MS },
};

static int collect_diskstats(struct coll *c)
{
	static const char *const names[] = { "diskstats", NULL };
	char path[PATH_MAX], *buf = NULL, *line, *tok[3 + DISK_FIELDS];
	struct regex ex = { .set = 0 };
	struct disk_row *rows = NULL;
	size_t nrows = 0, cap = 0, i;
	struct lines l;
	double dummy;
	int rc = -1, n, k;

	if (regex_init(c, &ex, c->o->disk_devices_exclude, "disk_devices_exclude") < 0)
		goto out;
	k = open_proc(c, "diskstats", names, path, sizeof(path), &buf);
	if (k != 0) {
		rc = k < 0 ? -1 : 0;
		goto out;
	}
	lines_init(&l, buf);
	while ((line = line_next(&l))) {
		struct disk_row *r;

		n = split(line, tok, 3 + DISK_FIELDS);
		if (n == 0)
			continue;
		if (n < 14) {
			bad_line(c, path, l.no, "expected at least 14 fields, got %d", n);
			goto out;
		}
		if (num_u64(tok[0], &dummy) < 0 || num_u64(tok[1], &dummy) < 0) {
			bad_line(c, path, l.no, "expected major and minor numbers");
			goto out;
		}
		if (n > 3 + DISK_FIELDS)
			n = 3 + DISK_FIELDS;   /* fields of a newer kernel: ignored */
		if (grow(&rows, &cap, nrows, sizeof(*rows)) < 0) {
			oom(c);
			goto out;
		}
		r = &rows[nrows];
		r->device = tok[2];
		r->n = n - 3;
		for (k = 0; k < r->n; k++) {
			if (num_u64(tok[3 + k], &r->v[k]) < 0) {
				bad_line(c, path, l.no, "expected a number, got '%s'", tok[3 + k]);
				goto out;
			}
			r->v[k] *= disk_metrics[k].mul;
		}
		if (!regex_match(&ex, r->device))
			nrows++;
	}
	for (k = 0; k < DISK_FIELDS; k++)
		for (i = 0; i < nrows; i++)
			if (k < rows[i].n &&
			    put_labels(c, disk_metrics[k].name, disk_metrics[k].type,
				       disk_metrics[k].help, rows[i].v[k], 1, "device",
				       rows[i].device, NULL, NULL, NULL, NULL) < 0)
				goto out;
	rc = 0;
out:
	regex_release(&ex);
	free(rows);
	free(buf);
	return rc;
}

/* ---- netdev ---------------------------------------------------------------- */

struct net_row {
	const char *device;
	double v[2 * NET_FIELDS];
};

/* Column names of one direction ("bytes packets ..."), split in place. */
static int net_columns(char *s, char **names)
{
	int n = split(s, names, NET_FIELDS), k;

	if (n < 1 || n > NET_FIELDS)
		return -1;
	for (k = 0; k < n; k++)
		if (strspn(names[k], "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(names[k]))
			return -1;
	return n;
}

static int collect_netdev(struct coll *c)
{
	static const char *const names[] = { "netdev", NULL };
	char path[PATH_MAX], *buf = NULL, *line, *rx[NET_FIELDS], *tx[NET_FIELDS];
	char *tok[2 * NET_FIELDS + 1], name[128], help[128], *bar1, *bar2, *colon;
	struct regex ex = { .set = 0 };
	struct net_row *rows = NULL;
	size_t nrows = 0, cap = 0, i;
	int rc = -1, nrx = 0, ntx = 0, n, k, dir;
	struct lines l;

	if (regex_init(c, &ex, c->o->net_devices_exclude, "net_devices_exclude") < 0)
		goto out;
	k = open_proc(c, "net/dev", names, path, sizeof(path), &buf);
	if (k != 0) {
		rc = k < 0 ? -1 : 0;
		goto out;
	}
	lines_init(&l, buf);
	line = line_next(&l);
	line = line ? line_next(&l) : NULL;
	/* " face |bytes    packets errs ...|bytes    packets errs ..." */
	bar1 = line ? strchr(line, '|') : NULL;
	bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
	if (bar2) {
		*bar2 = '\0';
		nrx = net_columns(bar1 + 1, rx);
		ntx = net_columns(bar2 + 1, tx);
	}
	if (!bar2 || nrx < 0 || ntx < 0) {
		bad_line(c, path, 2, "expected the column header 'face |bytes packets ...|bytes ...'");
		goto out;
	}
	while ((line = line_next(&l))) {
		struct net_row *r;

		colon = strchr(line, ':');
		if (!colon) {
			if (split(line, tok, 1) == 0)
				continue;
			bad_line(c, path, l.no, "expected 'device: numbers'");
			goto out;
		}
		*colon = '\0';
		if (split(line, tok, 1) != 1) {
			bad_line(c, path, l.no, "expected 'device: numbers'");
			goto out;
		}
		n = split(colon + 1, tok + 1, 2 * NET_FIELDS);
		if (n != nrx + ntx) {
			bad_line(c, path, l.no, "expected %d numbers, got %s%d", nrx + ntx,
				 n > 2 * NET_FIELDS ? "more than " : "",
				 n > 2 * NET_FIELDS ? 2 * NET_FIELDS : n);
			goto out;
		}
		if (grow(&rows, &cap, nrows, sizeof(*rows)) < 0) {
			oom(c);
			goto out;
		}
		r = &rows[nrows];
		r->device = tok[0];
		for (k = 0; k < n; k++)
			if (num_u64(tok[1 + k], &r->v[k]) < 0) {
				bad_line(c, path, l.no, "expected a number, got '%s'", tok[1 + k]);
				goto out;
			}
		if (!regex_match(&ex, r->device))
			nrows++;
	}
	for (dir = 0; dir < 2; dir++) {
		int count = dir ? ntx : nrx;

		for (k = 0; k < count; k++) {
			const char *what = dir ? "transmit" : "receive", *col = dir ? tx[k] : rx[k];

			snprintf(name, sizeof(name), "node_network_%s_%s_total", what, col);
			snprintf(help, sizeof(help), "Network device statistic %s_%s.", what, col);
			for (i = 0; i < nrows; i++)
				if (put_labels(c, name, OBS_METRIC_COUNTER, help,
					       rows[i].v[dir ? nrx + k : k], 1, "device",
					       rows[i].device, NULL, NULL, NULL, NULL) < 0)
					goto out;
		}
	}
	rc = 0;
out:
	regex_release(&ex);
	free(rows);
	free(buf);
	return rc;
}

/* ---- time ------------------------------------------------------------------ */

static int collect_time(struct coll *c)
{
	int64_t now = c->o->now_ns ? c->o->now_ns : obs_time_now();
	time_t secs = (time_t)(now / OBS_NS_PER_SEC);
	struct tm tm;

	if (put(c, "node_time_seconds", OBS_METRIC_GAUGE,
		"System time in seconds since epoch (1970).", NULL, (double)now / 1e9) < 0)
		return -1;
	if (!localtime_r(&secs, &tm))
		return 0;
	return put_labels(c, "node_time_zone_offset_seconds", OBS_METRIC_GAUGE,
			  "System time zone offset in seconds.", (double)tm.tm_gmtoff, 1,
			  "time_zone", tm.tm_zone ? tm.tm_zone : "", NULL, NULL, NULL, NULL);
}

/* ---- host ------------------------------------------------------------------ */

static const struct {
	const char *name;
	unsigned bit;
} collectors[] = {
	{ "cpu", OBS_COLLECT_CPU },
	{ "stat", OBS_COLLECT_STAT },
	{ "meminfo", OBS_COLLECT_MEMINFO },
	{ "loadavg", OBS_COLLECT_LOADAVG },
	{ "filesystem", OBS_COLLECT_FILESYSTEM },
	{ "diskstats", OBS_COLLECT_DISKSTATS },
	{ "netdev", OBS_COLLECT_NETDEV },
	{ "time", OBS_COLLECT_TIME },
};

unsigned obs_collect_collector_bit(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(collectors) / sizeof(collectors[0]); i++)
		if (strcmp(name, collectors[i].name) == 0)
			return collectors[i].bit;
	return 0;
}

const char *obs_collect_collector_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(collectors) / sizeof(collectors[0]); i++)
		if (bit == collectors[i].bit)
			return collectors[i].name;
	return NULL;
}

void obs_collect_opts_init(struct obs_collect_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->procfs = "/proc";
	opts->rootfs = "/";
	opts->collectors = OBS_COLLECT_ALL;
	opts->mount_points_exclude = OBS_COLLECT_MOUNT_POINTS_EXCLUDE;
	opts->fs_types_exclude = OBS_COLLECT_FS_TYPES_EXCLUDE;
	opts->disk_devices_exclude = OBS_COLLECT_DISK_DEVICES_EXCLUDE;
	opts->statfs_timeout_ms = OBS_COLLECT_STATFS_TIMEOUT_MS;
}

static int coll_init(struct coll *c, const struct obs_collect_opts *opts, struct obs_error *err)
{
	c->o = opts;
	c->err = err;
	c->skipped = 0;
	c->empty = NULL;
	if (!opts || !opts->emit || !opts->procfs)
		return obs_error_set(err, "obs_collect: no emit callback or procfs given");
	c->empty = json_object();
	if (!c->empty)
		return oom(c);
	return 0;
}

int obs_collect_host(const struct obs_collect_opts *opts, struct obs_error *err)
{
	struct coll c;
	unsigned w;
	int rc = -1;

	if (coll_init(&c, opts, err) < 0)
		goto out;
	w = opts->collectors;
	if ((w & (OBS_COLLECT_CPU | OBS_COLLECT_STAT)) &&
	    collect_stat(&c, w & (OBS_COLLECT_CPU | OBS_COLLECT_STAT)) < 0)
		goto out;
	if ((w & OBS_COLLECT_MEMINFO) && collect_meminfo(&c) < 0)
		goto out;
	if ((w & OBS_COLLECT_LOADAVG) && collect_loadavg(&c) < 0)
		goto out;
	if ((w & OBS_COLLECT_FILESYSTEM) && collect_filesystem(&c) < 0)
		goto out;
	if ((w & OBS_COLLECT_DISKSTATS) && collect_diskstats(&c) < 0)
		goto out;
	if ((w & OBS_COLLECT_NETDEV) && collect_netdev(&c) < 0)
		goto out;
	if ((w & OBS_COLLECT_TIME) && collect_time(&c) < 0)
		goto out;
	rc = c.skipped;
out:
	json_decref(c.empty);
	return rc;
}

/* ---- process ----------------------------------------------------------------- */

/* btime from procfs/stat: 0, 1 when unavailable (warned), -1 on error. */
static int boot_time(struct coll *c, double *btime)
{
	static const char *const names[] = { "process", NULL };
	char path[PATH_MAX], *buf = NULL, *line, *tok[2];
	struct lines l;
	int rc, n;

	rc = open_proc(c, "stat", names, path, sizeof(path), &buf);
	if (rc != 0)
		return rc;
	rc = 1;
	lines_init(&l, buf);
	while ((line = line_next(&l))) {
		n = split(line, tok, 2);
		if (n < 2 || strcmp(tok[0], "btime") != 0)
			continue;
		rc = num_u64(tok[1], btime) < 0 ?
			     bad_line(c, path, l.no, "expected a number, got '%s'", tok[1]) : 0;
		break;
	}
	if (rc > 0) {
		char msg[PATH_MAX + 32];

		snprintf(msg, sizeof(msg), "no btime line in '%s'", path);
		warn(c, "process", msg);
	}
	free(buf);
	return rc;
}

/* The soft limits "Max open files" and "Max address space"; -1 when absent. */
static int read_limits(struct coll *c, const char *path, char *buf, double *fds, double *as)
{
	static const char *const keys[2] = { "Max open files", "Max address space" };
	double *out[2] = { fds, as };
	char *line, *tok[1];
	struct lines l;
	int k;

	*fds = *as = -1;
	lines_init(&l, buf);
	while ((line = line_next(&l))) {
		for (k = 0; k < 2; k++) {
			size_t kl = strlen(keys[k]);

			if (strncmp(line, keys[k], kl) != 0 || (line[kl] != ' ' && line[kl] != '\t'))
				continue;
			if (split(line + kl, tok, 1) < 1) {
				return bad_line(c, path, l.no, "expected a limit after '%s'", keys[k]);
			}
			if (strcmp(tok[0], "unlimited") == 0)
				*out[k] = UNLIMITED;
			else if (num_u64(tok[0], out[k]) < 0)
				return bad_line(c, path, l.no, "expected a number, got '%s'", tok[0]);
		}
	}
	return 0;
}

int obs_collect_process(const struct obs_collect_opts *opts, pid_t pid, json_t *labels,
			struct obs_error *err)
{
	char rel[64], path[PATH_MAX], *buf = NULL, *rparen, *tok[23];
	double utime, stime, threads, start, vsize, rss, btime = 0, fds = -1, max_fds = -1,
	       max_as = -1, ticks = (double)clock_ticks();
	long page = sysconf(_SC_PAGESIZE);
	struct obs_error e;
	struct dirent *de;
	struct coll c;
	int rc = -1, have_btime, k;
	DIR *d;

	if (coll_init(&c, opts, err) < 0)
		goto out;
	if (!labels)
		labels = c.empty;

	snprintf(rel, sizeof(rel), "%ld/stat", (long)pid);
	if (path_join(&c, path, sizeof(path), opts->procfs, rel) < 0)
		goto out;
	k = slurp(path, &buf, &e);
	if (k != 0) {
		obs_error_set(err, "%s", e.msg);
		goto out;
	}
	/* "1234 (comm, which may hold ') ' or a newline itself) S 1 ...\n" */
	rparen = strrchr(buf, ')');
	if (rparen)
		rparen[strcspn(rparen, "\n")] = '\0';
	if (!rparen || split(rparen + 1, tok, 22) < 22) {
		bad_line(&c, path, 1, "expected 'pid (comm) state' and at least 22 fields");
		goto out;
	}
	if (num_u64(tok[11], &utime) < 0 || num_u64(tok[12], &stime) < 0 ||
	    num_u64(tok[17], &threads) < 0 || num_u64(tok[19], &start) < 0 ||
	    num_u64(tok[20], &vsize) < 0 || num_u64(tok[21], &rss) < 0) {
		bad_line(&c, path, 1, "expected numbers in fields 14, 15, 20 and 22 to 24");
		goto out;
	}
	free(buf);
	buf = NULL;

	have_btime = boot_time(&c, &btime);
	if (have_btime < 0)
		goto out;

	snprintf(rel, sizeof(rel), "%ld/fd", (long)pid);
	if (path_join(&c, path, sizeof(path), opts->procfs, rel) < 0)
		goto out;
	d = opendir(path);
	if (!d) {
		obs_error_errno(&e, "cannot open '%s'", path);
		warn(&c, "process", e.msg);
	} else {
		fds = 0;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				fds++;
		closedir(d);
	}

	snprintf(rel, sizeof(rel), "%ld/limits", (long)pid);
	if (path_join(&c, path, sizeof(path), opts->procfs, rel) < 0)
		goto out;
	k = slurp(path, &buf, &e);
	if (k < 0) {
		obs_error_set(err, "%s", e.msg);
		goto out;
	}
	if (k > 0)
		warn(&c, "process", e.msg);
	else if (read_limits(&c, path, buf, &max_fds, &max_as) < 0)
		goto out;

	if (put(&c, "process_cpu_seconds_total", OBS_METRIC_COUNTER,
		"Total user and system CPU time spent in seconds.", labels,
		(utime + stime) / ticks) < 0 ||
	    put(&c, "process_virtual_memory_bytes", OBS_METRIC_GAUGE,
		"Virtual memory size in bytes.", labels, vsize) < 0 ||
	    put(&c, "process_resident_memory_bytes", OBS_METRIC_GAUGE,
		"Resident memory size in bytes.", labels, rss * (double)(page > 0 ? page : 4096)) < 0)
		goto out;
	if (have_btime == 0 &&
	    put(&c, "process_start_time_seconds", OBS_METRIC_GAUGE,
		"Start time of the process since unix epoch in seconds.", labels,
		btime + start / ticks) < 0)
		goto out;
	if (fds >= 0 && put(&c, "process_open_fds", OBS_METRIC_GAUGE,
			    "Number of open file descriptors.", labels, fds) < 0)
		goto out;
	if (max_fds >= 0 && put(&c, "process_max_fds", OBS_METRIC_GAUGE,
				"Maximum number of open file descriptors.", labels, max_fds) < 0)
		goto out;
	if (max_as >= 0 && put(&c, "process_virtual_memory_max_bytes", OBS_METRIC_GAUGE,
			       "Maximum amount of virtual memory available in bytes.", labels,
			       max_as) < 0)
		goto out;
	if (put(&c, "process_threads", OBS_METRIC_GAUGE, "Number of OS threads in the process.",
		labels, threads) < 0)
		goto out;
	rc = c.skipped;
out:
	free(buf);
	json_decref(c.empty);
	return rc;
}

int obs_collect_process_comm(const char *procfs, pid_t pid, char *buf, size_t size,
			     struct obs_error *err)
{
	struct coll c = { .err = err };
	char rel[64], path[PATH_MAX], *s = NULL;
	size_t n;
	int k;

	snprintf(rel, sizeof(rel), "%ld/comm", (long)pid);
	if (path_join(&c, path, sizeof(path), procfs ? procfs : "/proc", rel) < 0)
		return -1;
	k = slurp(path, &s, err);
	if (k != 0) {
		free(s);
		return -1;
	}
	n = strcspn(s, "\n");
	if (size > 0) {
		if (n >= size)
			n = size - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
	}
	free(s);
	return 0;
}
