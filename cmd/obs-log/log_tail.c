/* SPDX-License-Identifier: MIT */
/* obs-log tail: the last records of the store or of log files, and following them (-f). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "obs_time.h"

static const char tail_synopsis[] = "tail [options] [FILE...]";
static const char tail_options[] =
	"options:\n"
	"  -n, --lines N           the last N records (default 10)\n"
	"  -f, --follow            then print records as they come, until interrupted\n"
	"      --interval DUR      how often to look for new data when following (250ms)\n"
	LOG_FILTER_HELP
	"  -o, --output FORMAT     ndjson, json or text (default: text on a terminal, else\n"
	"                          ndjson)\n"
	"reading log FILEs (parsed as by 'obs-log parse'):\n"
	"      --format FORMAT     auto (default), json, logfmt, syslog, access, journald, regex\n"
	"      --regex PATTERN     PCRE2 pattern with named groups\n"
	"      --timezone ZONE     zone of times written without one (default UTC)\n"
	"  -m, --multiline         join continuation lines (stack traces) to their record\n"
	"      --reference TIME    time of lines without one (default: the file's mtime)\n"
	"      --max-line BYTES    longer lines are kept cut (default 1048576)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Without FILE (and with standard input a terminal) the store's records: with -f,\n"
	"the newest day's segment, moving on to the next day's when it appears. A FILE\n"
	"(\"-\" for standard input) is parsed; with -f it is followed through rotation\n"
	"(renamed and recreated: the old file is read to its end first) and truncation\n"
	"(copytruncate: what was not yet read is taken from the rotated copy), and a\n"
	"FILE that does not exist yet is waited for. SIGINT or SIGTERM end -f after\n"
	"reading what is there: exit status 0. Exit status: 0, 2 usage error, 3\n"
	"unreadable input.\n";

enum { OPT_INTERVAL = 256 };

#define DAY_NS (86400 * OBS_NS_PER_SEC)
/* A file rotated away is still read this long after its last new data. */
#define OLD_GRACE_NS (5 * OBS_NS_PER_SEC)
/* A multi-line record is handed over after this long without a new line. */
#define MULTILINE_IDLE_NS (1 * OBS_NS_PER_SEC)
#define CHUNK (64 * 1024)
#define FP_MAX 64

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* ---- the last N records -------------------------------------------------------------- */

struct ring {
	char **line;
	size_t *len;
	long long cap, n, head;   /* head: index of the oldest */
};

static void ring_init(struct ring *r, long long cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
	if (cap > 0) {
		r->line = calloc((size_t)cap, sizeof(*r->line));
		r->len = calloc((size_t)cap, sizeof(*r->len));
		if (!r->line || !r->len)
			abort();
	}
}

static void ring_add(struct ring *r, const char *line, size_t len)
{
	long long slot;
	char *copy;

	if (r->cap <= 0)
		return;
	copy = malloc(len + 1);
	if (!copy)
		abort();
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (r->n < r->cap) {
		slot = (r->head + r->n) % r->cap;
		r->n++;
	} else {
		slot = r->head;
		free(r->line[slot]);
		r->head = (r->head + 1) % r->cap;
	}
	r->line[slot] = copy;
	r->len[slot] = len;
}

static long long ring_count(const struct ring *r)
{
	return r->n;
}

/* The I-th oldest line. */
static const char *ring_get(const struct ring *r, long long i, size_t *len)
{
	long long slot = (r->head + i) % r->cap;

	*len = r->len[slot];
	return r->line[slot];
}

static void ring_release(struct ring *r)
{
	long long i;

	for (i = 0; i < r->n; i++)
		free(r->line[(r->head + i) % r->cap]);
	free(r->line);
	free(r->len);
	memset(r, 0, sizeof(*r));
}

/* ---- where records go ---------------------------------------------------------------- */

struct tail {
	struct obs_filter f;
	struct log_out out;
	struct log_parse_opts po;
	long long lines;
	int follow;
	int64_t interval;
	int failed;                /* an input could not be read */
	unsigned long malformed;   /* store lines that are not records */
};

/* Where one input's records go: a ring while catching up, then the output. */
struct sink {
	struct tail *t;
	struct ring ring;
	int streaming;
	const char *name;          /* for messages about malformed records */
};

/* A record (LEN bytes of JSON): filtered, then kept or printed. */
static int deliver(struct sink *k, const char *rec, size_t len, unsigned long lineno)
{
	struct obs_error err;
	int r = obs_filter_match(&k->t->f, rec, len, &err);

	if (r < 0) {
		obs_warnx("%s:%lu: %s", k->name, lineno, err.msg);
		k->t->malformed++;
		return 0;
	}
	if (r == 0)
		return 0;
	if (!k->streaming) {
		ring_add(&k->ring, rec, len);
		return 0;
	}
	return log_out_line(&k->t->out, rec, len, &k->t->f.scan);
}

static int deliver_parsed(void *ctx, const char *rec, size_t len, int64_t time_ns)
{
	struct sink *k = ctx;

	(void)time_ns;
	return deliver(k, rec, len, 0);
}

/* Print what the ring holds and start streaming. */
static int sink_flush_ring(struct sink *k)
{
	const char *line;
	size_t len;
	long long i;
	int rc = 0;

	for (i = 0; i < ring_count(&k->ring) && rc == 0; i++) {
		line = ring_get(&k->ring, i, &len);
		if (obs_jscan_parse(&k->t->f.scan, line, len, NULL) == 0)
			rc = log_out_line(&k->t->out, line, len, &k->t->f.scan);
	}
	ring_release(&k->ring);
	k->streaming = 1;
	return rc;
}

/* ---- following a file ------------------------------------------------------------------ */

/* One open file being read: the current one, or one rotated away and still drained. */
struct fsrc {
	int fd;                    /* -1: none */
	int seekable;
	dev_t dev;
	ino_t ino;
	off_t pos;
	struct obs_buf part;       /* a line not ended yet */
	int cutting;               /* dropping the rest of an over-long line */
	unsigned long lineno;
	int64_t last_data;         /* monotonic */
	int64_t keep_until;        /* wall clock: a rotated-away store segment is read until then */
	char fp[FP_MAX];           /* the last bytes before pos, to notice a rewrite */
	size_t fplen;
};

struct follow {
	const char *path;          /* borrowed (argv, or the store's segment path) */
	char *own_path;            /* when allocated here */
	int is_stdin;
	int parse;                 /* log file (parsed) or store segment (records) */
	int ended;                 /* standard input reached its end */
	int warned_missing;
	struct fsrc cur, old;
	struct log_parser lp;
	struct sink sink;
	size_t max_line;
};

static void fsrc_init(struct fsrc *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static void fsrc_close(struct fsrc *s)
{
	if (s->fd >= 0)
		close(s->fd);
	obs_buf_release(&s->part);
	fsrc_init(s);
}

/* A complete line (or the cut start of a long one) from S. */
static int follow_line(struct follow *fw, struct fsrc *s, const char *line, size_t len, int cut)
{
	size_t i;

	s->lineno++;
	if (!cut && len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			break;
	if (i == len && !cut)
		return 0;   /* blank */
	if (fw->parse)
		return log_parser_line(&fw->lp, line, len, s->lineno, cut);
	return deliver(&fw->sink, line, len, s->lineno);
}

/* The start of an over-long line: cut at a UTF-8 boundary, as the reader of parse does. */
static size_t cut_point(const char *p, size_t max)
{
	size_t n = max, back = 0;

	while (n > 0 && back < 3 && ((unsigned char)p[n] & 0xc0) == 0x80) {
		n--;
		back++;
	}
	if ((back == 3 && ((unsigned char)p[n] & 0xc0) == 0x80) ||
	    (back && (unsigned char)p[n] < 0xc0))
		n = max;
	return n;
}

/* Bytes DATA (N) read from S: split into lines. */
static int follow_data(struct follow *fw, struct fsrc *s, const char *data, size_t n)
{
	const char *nl;
	size_t take;

	while (n > 0) {
		nl = memchr(data, '\n', n);
		take = nl ? (size_t)(nl - data) : n;
		if (s->cutting) {
			if (nl)
				s->cutting = 0;
		} else if (!nl || s->part.len) {
			lb_raw(&s->part, data, take);
			if (s->part.len > fw->max_line) {
				size_t c = cut_point(s->part.p, fw->max_line);

				if (follow_line(fw, s, s->part.p, c, 1) < 0)
					return -1;
				s->part.len = 0;
				s->cutting = !nl;
			} else if (nl) {
				size_t plen = s->part.len;

				s->part.len = 0;
				if (follow_line(fw, s, s->part.p, plen, 0) < 0)
					return -1;
			}
		} else if (take > fw->max_line) {
			if (follow_line(fw, s, data, cut_point(data, fw->max_line), 1) < 0)
				return -1;
		} else if (follow_line(fw, s, data, take, 0) < 0) {
			return -1;
		}
		if (!nl)
			break;
		data = nl + 1;
		n -= take + 1;
	}
	return 0;
}

/* The line under way, at the end of a file that will not grow any more. */
static int follow_flush_part(struct follow *fw, struct fsrc *s)
{
	size_t len = s->part.len;

	s->part.len = 0;
	if (!len || s->cutting) {
		s->cutting = 0;
		return 0;
	}
	return follow_line(fw, s, s->part.p, len, 0);
}

static void remember(struct fsrc *s, const char *data, size_t n)
{
	if (n >= FP_MAX) {
		memcpy(s->fp, data + n - FP_MAX, FP_MAX);
		s->fplen = FP_MAX;
		return;
	}
	if (s->fplen + n > FP_MAX) {
		size_t drop = s->fplen + n - FP_MAX;

		memmove(s->fp, s->fp + drop, s->fplen - drop);
		s->fplen -= drop;
	}
	memcpy(s->fp + s->fplen, data, n);
	s->fplen += n;
}

/* Read S to its current end. 1 if data came, 0 if none, -1 on a read error (reported). */
static int fsrc_read(struct follow *fw, struct fsrc *s)
{
	char buf[CHUNK];
	ssize_t n;
	int any = 0;

	if (s->fd < 0)
		return 0;
	for (;;) {
		if (!s->seekable) {
			/* A pipe or terminal: read only what is there, so other inputs go on. */
			struct pollfd pfd = { s->fd, POLLIN, 0 };

			if (poll(&pfd, 1, 0) <= 0)
				break;
		}
		n = s->seekable ? pread(s->fd, buf, sizeof(buf), s->pos) : read(s->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			obs_warn("cannot read '%s'", fw->path);
			fw->sink.t->failed = 1;
			return -1;
		}
		if (n == 0) {
			if (!s->seekable)
				fw->ended = 1;
			break;
		}
		any = 1;
		s->pos += n;
		s->last_data = obs_time_monotonic();
		remember(s, buf, (size_t)n);
		if (follow_data(fw, s, buf, (size_t)n) < 0)
			return -1;
		if (!s->seekable)
			break;   /* a pipe: one read per round, so the loop can look at signals */
	}
	return any;
}

static int fsrc_open(struct follow *fw, struct fsrc *s)
{
	struct stat sb;
	int fd;

	if (fw->is_stdin) {
		fd = 0;
	} else {
		fd = open(fw->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return -1;
	}
	fsrc_init(s);
	s->fd = fd;
	if (fstat(fd, &sb) == 0) {
		s->dev = sb.st_dev;
		s->ino = sb.st_ino;
		s->seekable = S_ISREG(sb.st_mode);
	}
	s->last_data = obs_time_monotonic();
	return 0;
}

/*
 * The file was truncated under us (copytruncate). What was written after
 * our last read is in the copy, if it is still in the folder: a file whose
 * name starts like ours, as long as what we read, with the same bytes
 * before that point. Read the rest from it, then start the file over.
 */
static int follow_truncated(struct follow *fw)
{
	struct fsrc *s = &fw->cur;
	char *dcopy = strdup(fw->path), *bcopy = strdup(fw->path), *dot;
	const char *dir, *base;
	char best[4096] = "", path[4096], tmp[FP_MAX];
	struct timespec best_mtime = { 0, 0 };
	struct dirent *e;
	struct stat sb;
	size_t stem;
	DIR *d;
	int fd, rc = 0;

	if (!dcopy || !bcopy)
		abort();
	dir = dirname(dcopy);
	base = basename(bcopy);
	dot = strrchr(base, '.');
	stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	d = s->pos > 0 ? opendir(dir) : NULL;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, base) || strncmp(e->d_name, base, stem) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size < s->pos ||
		    (sb.st_dev == s->dev && sb.st_ino == s->ino))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (pread(fd, tmp, s->fplen, s->pos - (off_t)s->fplen) == (ssize_t)s->fplen &&
		    !memcmp(tmp, s->fp, s->fplen) &&
		    (!best[0] || sb.st_mtim.tv_sec > best_mtime.tv_sec ||
		     (sb.st_mtim.tv_sec == best_mtime.tv_sec &&
		      sb.st_mtim.tv_nsec > best_mtime.tv_nsec))) {
			snprintf(best, sizeof(best), "%s", path);
			best_mtime = sb.st_mtim;
		}
		close(fd);
	}
	if (d)
		closedir(d);
	if (best[0] && (fd = open(best, O_RDONLY | O_CLOEXEC)) >= 0) {
		struct fsrc copy = *s;

		/* Read the copy from where we were, as a continuation of the same file. */
		copy.fd = fd;
		copy.seekable = 1;
		rc = fsrc_read(fw, &copy);
		close(fd);
		s->part = copy.part;
		s->cutting = copy.cutting;
		s->lineno = copy.lineno;
	} else if (s->pos > 0) {
		obs_warnx("'%s' was truncated; what was written since the last read is lost "
			  "(no rotated copy found)", fw->path);
	}
	free(dcopy);
	free(bcopy);
	if (rc >= 0)
		rc = follow_flush_part(fw, s);
	s->pos = 0;
	s->fplen = 0;
	return rc < 0 ? -1 : 0;
}

/* Has the file been cut shorter or rewritten since we read it? */
static int fsrc_rewritten(struct fsrc *s)
{
	char tmp[FP_MAX];
	struct stat sb;

	if (!s->seekable || fstat(s->fd, &sb) < 0)
		return 0;
	if (sb.st_size < s->pos)
		return 1;
	if (!s->fplen)
		return 0;
	return pread(s->fd, tmp, s->fplen, s->pos - (off_t)s->fplen) != (ssize_t)s->fplen ||
	       memcmp(tmp, s->fp, s->fplen) != 0;
}

/*
 * One look at a followed file: the current file (truncated? more data?),
 * then its path (replaced by a new file?), then a rotated-away file still
 * drained. 1 if data came, 0 if not, -1 to stop.
 */
static int follow_poll(struct follow *fw)
{
	struct stat sb;
	int any = 0, r;

	if (fw->ended)
		return 0;
	/* Lines without a time of their own happened about when they are read. */
	if (fw->parse && fw->sink.streaming)
		log_parser_set_reference(&fw->lp, obs_time_now());
	if (fw->cur.fd >= 0 && fsrc_rewritten(&fw->cur) && follow_truncated(fw) < 0)
		return -1;
	if ((r = fsrc_read(fw, &fw->cur)) < 0)
		return -1;
	any |= r;
	if (!fw->is_stdin && stat(fw->path, &sb) == 0 &&
	    (fw->cur.fd < 0 || sb.st_dev != fw->cur.dev || sb.st_ino != fw->cur.ino)) {
		struct fsrc fresh;

		if (fsrc_open(fw, &fresh) == 0) {
			if (fw->cur.fd >= 0) {
				/* Rotated: what is left in the old file comes first. */
				if (fsrc_read(fw, &fw->cur) < 0)
					return -1;
				if (fw->old.fd >= 0) {
					if (follow_flush_part(fw, &fw->old) < 0)
						return -1;
					fsrc_close(&fw->old);
				}
				fw->old = fw->cur;
				fw->old.last_data = obs_time_monotonic();
			}
			fw->cur = fresh;
			fw->warned_missing = 0;
			if ((r = fsrc_read(fw, &fw->cur)) < 0)
				return -1;
			any |= r;
		}
	}
	if (fw->old.fd >= 0) {
		if ((r = fsrc_read(fw, &fw->old)) < 0)
			return -1;
		any |= r;
		if (obs_time_monotonic() - fw->old.last_data > OLD_GRACE_NS &&
		    obs_time_now() > fw->old.keep_until) {
			if (follow_flush_part(fw, &fw->old) < 0)
				return -1;
			fsrc_close(&fw->old);
		}
	}
	return any;
}

/* The end: everything still buffered goes out. */
static int follow_finish(struct follow *fw)
{
	int rc = 0;

	if (fw->old.fd >= 0 && (fsrc_read(fw, &fw->old) < 0 || follow_flush_part(fw, &fw->old) < 0))
		rc = -1;
	if (fsrc_read(fw, &fw->cur) < 0 || follow_flush_part(fw, &fw->cur) < 0)
		rc = -1;
	if (fw->parse && log_parser_end(&fw->lp) < 0)
		rc = -1;
	return rc;
}

static void follow_release(struct follow *fw)
{
	if (fw->is_stdin)
		fw->cur.fd = -1;
	fsrc_close(&fw->cur);
	fsrc_close(&fw->old);
	if (fw->parse) {
		log_parser_report(&fw->lp);
		log_parser_release(&fw->lp);
	}
	ring_release(&fw->sink.ring);
	free(fw->own_path);
}

/* ---- the store ------------------------------------------------------------------------- */

struct day_list {
	int64_t *day;
	int n;
};

/* Days with a segment in DIR ("YYYY-MM-DD.ndjson" or ".ndjson.gz"), newest first, unique. */
static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x > y ? -1 : x < y;
}

static void list_days(const char *dir, struct day_list *dl)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int cap = 0, i, j;

	dl->day = NULL;
	dl->n = 0;
	while (d && (e = readdir(d))) {
		char date[11];
		int64_t ns;

		if (strlen(e->d_name) < 17 || (strcmp(e->d_name + 10, ".ndjson") &&
					       strcmp(e->d_name + 10, ".ndjson.gz")))
			continue;
		memcpy(date, e->d_name, 10);
		date[10] = '\0';
		if (obs_time_parse(date, &ns, NULL) < 0)
			continue;
		if (dl->n == cap) {
			cap = cap ? cap * 2 : 64;
			dl->day = realloc(dl->day, (size_t)cap * sizeof(*dl->day));
			if (!dl->day)
				abort();
		}
		dl->day[dl->n++] = ns;
	}
	if (d)
		closedir(d);
	if (!dl->n)
		return;
	qsort(dl->day, (size_t)dl->n, sizeof(*dl->day), cmp_desc);
	for (i = 1, j = 1; i < dl->n; i++)
		if (dl->day[i] != dl->day[j - 1])
			dl->day[j++] = dl->day[i];
	dl->n = j;
}

static char *segment_path(const char *dir, int64_t day, const char *ext)
{
	char date[16], *p;

	obs_time_day(day, date, sizeof(date));
	if (asprintf(&p, "%s/%s.ndjson%s", dir, date, ext) < 0)
		abort();
	return p;
}

static void warn_line(void *ctx, const char *msg)
{
	(void)ctx;
	obs_warnx("%s", msg);
}

/* Read one segment file (if it exists) into the sink. */
static void read_segment(struct tail *t, struct sink *k, const char *path)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	const char *line;
	size_t len;
	int rc;

	if (access(path, F_OK) < 0)
		return;
	if (obs_ndjson_open(&r, path, &err) < 0) {
		obs_warnx("%s", err.msg);
		t->failed = 1;
		return;
	}
	r.warn = warn_line;
	k->name = r.name;
	while ((rc = obs_ndjson_next_line(&r, &line, &len, &err)) == 1)
		deliver(k, line, len, r.lineno);
	if (rc < 0) {
		obs_warnx("%s", err.msg);
		t->failed = 1;
	}
	obs_ndjson_close(&r);
}

/*
 * The last records of the days before FROM (exclusive; the newest day when
 * FROM is OBS_TIME_MAX), together N at most, then those of the followed
 * segment (already in AFTER), printed oldest first.
 */
static int store_last(struct tail *t, const char *dir, int64_t from, const char *skip_plain,
		      struct ring *after)
{
	struct day_list dl;
	struct ring *per_day;
	long long want = t->lines - (after ? ring_count(after) : 0), got = 0;
	int i, nd = 0, rc = 0;
	long long j;

	list_days(dir, &dl);
	per_day = calloc((size_t)dl.n + 1, sizeof(*per_day));
	if (!per_day)
		abort();
	for (i = 0; i < dl.n && got < want; i++) {
		int64_t d = dl.day[i];
		struct sink k = { t, { 0 }, 0, NULL };
		char *gz, *plain;

		if (d > from || (from != OBS_TIME_MAX && d == from && !skip_plain))
			continue;
		if (d + DAY_NS - 1 < t->f.since || d > t->f.until)
			continue;
		ring_init(&k.ring, want - got);
		gz = segment_path(dir, d, ".gz");
		plain = segment_path(dir, d, "");
		read_segment(t, &k, gz);
		if (!(skip_plain && !strcmp(plain, skip_plain)))
			read_segment(t, &k, plain);
		free(gz);
		free(plain);
		got += ring_count(&k.ring);
		per_day[nd++] = k.ring;
	}
	while (nd-- > 0) {
		for (j = 0; j < ring_count(&per_day[nd]) && rc == 0; j++) {
			size_t len;
			const char *line = ring_get(&per_day[nd], j, &len);

			if (obs_jscan_parse(&t->f.scan, line, len, NULL) == 0)
				rc = log_out_line(&t->out, line, len, &t->f.scan);
		}
		ring_release(&per_day[nd]);
	}
	free(per_day);
	free(dl.day);
	return rc;
}

/* ---- the follow loop -------------------------------------------------------------------- */

static void sleep_ns(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / OBS_NS_PER_SEC), (long)(ns % OBS_NS_PER_SEC) };

	nanosleep(&ts, NULL);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the sleep between looks ends at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

struct store_follow {
	char *dir;
	int64_t day;               /* day of the followed segment, OBS_TIME_MIN if none yet */
	struct follow fw;
};

/*
 * A newer day's segment appeared (at midnight, the first record of the new
 * day): follow it, and keep reading the old one until its day is over by
 * the clock (writers that took the time before midnight) and it is idle.
 */
static int store_rollover(struct store_follow *sf)
{
	int64_t today = obs_time_day_start(obs_time_now());
	int64_t cand[2];
	int i;

	cand[0] = today;
	cand[1] = sf->day == OBS_TIME_MIN ? today : sf->day + DAY_NS;
	for (i = 0; i < 2; i++) {
		char *path;

		if (sf->day != OBS_TIME_MIN && cand[i] <= sf->day)
			continue;
		path = segment_path(sf->dir, cand[i], "");
		if (access(path, F_OK) < 0) {
			free(path);
			continue;
		}
		if (sf->fw.cur.fd >= 0) {
			if (fsrc_read(&sf->fw, &sf->fw.cur) < 0) {
				free(path);
				return -1;
			}
			if (sf->fw.old.fd >= 0) {
				follow_flush_part(&sf->fw, &sf->fw.old);
				fsrc_close(&sf->fw.old);
			}
			sf->fw.old = sf->fw.cur;
			sf->fw.old.last_data = obs_time_monotonic();
			sf->fw.old.keep_until = sf->day + DAY_NS + OLD_GRACE_NS;
			fsrc_init(&sf->fw.cur);
		}
		free(sf->fw.own_path);
		sf->fw.own_path = path;
		sf->fw.path = path;
		sf->day = cand[i];
		return 1;
	}
	return 0;
}

static int tail_store(struct tail *t)
{
	struct obs_store st;
	struct obs_error err;
	struct store_follow sf;
	struct day_list dl;
	int rc = 0, i;

	if (obs_store_open(&st, NULL, &err) < 0) {
		obs_warnx("%s", err.msg);
		return OBS_EXIT_FAILURE;
	}
	memset(&sf, 0, sizeof(sf));
	if (asprintf(&sf.dir, "%s/logs", st.root) < 0)
		abort();
	obs_store_release(&st);
	if (!t->follow) {
		rc = store_last(t, sf.dir, OBS_TIME_MAX, NULL, NULL);
		free(sf.dir);
		return rc < 0 ? OBS_EXIT_FAILURE : 0;
	}

	/* The newest plain segment is followed; it and the days before give the last N. */
	sf.day = OBS_TIME_MIN;
	fsrc_init(&sf.fw.cur);
	fsrc_init(&sf.fw.old);
	sf.fw.max_line = t->po.max_line ? t->po.max_line : OBS_NDJSON_MAX_LINE;
	sf.fw.sink.t = t;
	sf.fw.sink.name = "";
	ring_init(&sf.fw.sink.ring, t->lines);
	list_days(sf.dir, &dl);
	for (i = 0; i < dl.n; i++) {
		char *path = segment_path(sf.dir, dl.day[i], "");

		if (access(path, F_OK) == 0) {
			sf.day = dl.day[i];
			sf.fw.path = sf.fw.own_path = path;
			break;
		}
		free(path);
	}
	free(dl.day);
	if (sf.fw.path && fsrc_open(&sf.fw, &sf.fw.cur) == 0) {
		sf.fw.sink.name = sf.fw.path;
		if (fsrc_read(&sf.fw, &sf.fw.cur) < 0)
			rc = -1;
	}
	if (rc == 0)
		rc = store_last(t, sf.dir, sf.day, sf.fw.path, &sf.fw.sink.ring);
	if (rc == 0)
		rc = sink_flush_ring(&sf.fw.sink);
	log_out_flush(&t->out);
	while (rc == 0 && !stop_signal) {
		int any;

		if (store_rollover(&sf) < 0)
			break;
		if (sf.fw.cur.fd < 0 && sf.fw.path && fsrc_open(&sf.fw, &sf.fw.cur) < 0 &&
		    errno != ENOENT) {
			obs_warn("cannot open '%s'", sf.fw.path);
			t->failed = 1;
		}
		sf.fw.sink.name = sf.fw.path ? sf.fw.path : "";
		any = follow_poll(&sf.fw);
		if (any < 0)
			break;
		if (log_out_flush(&t->out) < 0)
			break;
		if (!any)
			sleep_ns(t->interval);
	}
	follow_finish(&sf.fw);
	follow_release(&sf.fw);
	free(sf.dir);
	return t->failed ? OBS_EXIT_FAILURE : 0;
}

/* ---- log files ----------------------------------------------------------------------- */

/* tail FILE without -f: parse it all, keep the last records. */
static int tail_file(struct tail *t, const char *path)
{
	struct obs_ndjson_reader r;
	struct log_parser lp;
	struct obs_error err;
	struct sink k = { t, { 0 }, 0, NULL };
	const char *line;
	size_t len;
	int rc;

	if (obs_ndjson_open(&r, path, &err) < 0) {
		obs_warnx("%s", err.msg);
		t->failed = 1;
		return 0;
	}
	r.keep_long = 1;
	if (t->po.max_line)
		r.max_line = t->po.max_line;
	k.name = r.name;
	ring_init(&k.ring, t->lines);
	log_parser_init(&lp, &t->po, r.name, log_parse_reference(&t->po, r.fd), deliver_parsed, &k);
	while ((rc = obs_ndjson_next_line(&r, &line, &len, &err)) == 1)
		if (log_parser_line(&lp, line, len, r.lineno, r.cut) < 0)
			break;
	if (rc < 0) {
		obs_warnx("%s", err.msg);
		t->failed = 1;
	}
	log_parser_end(&lp);
	log_parser_report(&lp);
	log_parser_release(&lp);
	obs_ndjson_close(&r);
	rc = sink_flush_ring(&k);
	return rc;
}

static int tail_files_follow(struct tail *t, char **files, int nfiles)
{
	struct follow *fws = calloc((size_t)nfiles, sizeof(*fws));
	int i, rc = 0, live;

	if (!fws)
		abort();
	for (i = 0; i < nfiles; i++) {
		struct follow *fw = &fws[i];

		fsrc_init(&fw->cur);
		fsrc_init(&fw->old);
		fw->path = files[i];
		fw->is_stdin = !strcmp(files[i], "-");
		fw->parse = 1;
		fw->max_line = t->po.max_line ? t->po.max_line : OBS_NDJSON_MAX_LINE;
		fw->sink.t = t;
		fw->sink.name = fw->is_stdin ? "<stdin>" : files[i];
		ring_init(&fw->sink.ring, t->lines);
		if (fsrc_open(fw, &fw->cur) < 0) {
			if (errno != ENOENT) {
				obs_warn("cannot open '%s'", files[i]);
				t->failed = 1;
				fw->ended = 1;
			} else {
				obs_warnx("'%s' does not exist yet; waiting for it", files[i]);
			}
		}
		log_parser_init(&fw->lp, &t->po, fw->sink.name,
				log_parse_reference(&t->po, fw->cur.fd), deliver_parsed, &fw->sink);
		/* Catch up: the file as it is now, for the last records. */
		if (!fw->is_stdin && fsrc_read(fw, &fw->cur) < 0)
			fw->ended = 1;
		log_parser_idle(&fw->lp, OBS_TIME_MAX);
		if (sink_flush_ring(&fw->sink) < 0)
			rc = -1;
	}
	log_out_flush(&t->out);
	while (rc == 0 && !stop_signal) {
		int any = 0, r;

		live = 0;
		for (i = 0; i < nfiles; i++) {
			r = follow_poll(&fws[i]);
			if (r < 0) {
				fws[i].ended = 1;
				continue;
			}
			any |= r;
			if (log_parser_idle(&fws[i].lp, MULTILINE_IDLE_NS) < 0)
				fws[i].ended = 1;
			live += !fws[i].ended;
		}
		if (log_out_flush(&t->out) < 0 || !live)
			break;
		if (!any)
			sleep_ns(t->interval);
	}
	for (i = 0; i < nfiles; i++) {
		follow_finish(&fws[i]);
		follow_release(&fws[i]);
	}
	free(fws);
	return rc;
}

int cmd_tail(int argc, char **argv)
{
	static const struct option longopts[] = {
		LOG_FILTER_LONGOPTS,
		LOG_PARSE_LONGOPTS,
		{ "lines", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char *stdin_only[] = { (char *)"-" };
	enum obs_output fmt = OBS_OUT_AUTO;
	struct obs_error err;
	struct tail t;
	char **files;
	int c, idx, rc, nfiles, i, status = OBS_EXIT_OK;

	memset(&t, 0, sizeof(t));
	obs_filter_init(&t.f);
	t.lines = 10;
	t.interval = 250 * 1000000LL;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:fmo:h", longopts, &idx)) != -1) {
		if (c != LOPT_FILTER && (rc = log_parse_option(&t.po, c, optarg)) != 0) {
			if (rc == 1)
				continue;
			goto done;
		}
		switch (c) {
		case LOPT_FILTER:
			if ((rc = log_filter_option(&t.f, longopts[idx].name, optarg)) != 0)
				goto done;
			break;
		case 'n':
			if ((rc = log_parse_limit(optarg, &t.lines)) != 0)
				goto done;
			break;
		case 'f':
			t.follow = 1;
			break;
		case OPT_INTERVAL:
			if (obs_duration_parse(optarg, &t.interval, &err) < 0 || t.interval == 0) {
				obs_warnx("%s", t.interval ? err.msg : "invalid interval '0': must be more than 0");
				rc = OBS_EXIT_USAGE;
				goto done;
			}
			break;
		case 'o':
			if (log_output_parse(optarg, &fmt) < 0) {
				obs_warnx("invalid output format '%s' (expected ndjson, json or text)",
					  optarg);
				rc = OBS_EXIT_USAGE;
				goto done;
			}
			break;
		case 'h':
			obs_cli_usage(stdout, tail_synopsis, tail_options);
			rc = obs_cli_finish(OBS_EXIT_OK);
			goto done;
		default:
			rc = obs_cli_bad_option("tail", tail_synopsis, argv, c);
			goto done;
		}
	}
	if ((rc = log_parse_check(&t.po)) != 0 || (rc = log_filter_setup(&t.f)) != 0)
		goto done;
	if (t.follow && fmt == OBS_OUT_JSON) {
		rc = obs_cli_usage_error(tail_synopsis, "tail: -o json cannot be followed (-f): use ndjson");
		goto done;
	}
	files = argv + optind;
	nfiles = argc - optind;
	if (nfiles == 0 && obs_source_stdin_is_data()) {
		files = stdin_only;
		nfiles = 1;
	}
	log_out_init(&t.out, obs_output_resolve(fmt, OBS_OUT_TABLE), STDOUT_FILENO);
	if (t.follow)
		catch_signals();
	if (nfiles == 0) {
		status = tail_store(&t);
	} else if (t.follow) {
		if (tail_files_follow(&t, files, nfiles) < 0)
			status = OBS_EXIT_FAILURE;
	} else {
		for (i = 0; i < nfiles; i++)
			if (tail_file(&t, files[i]) < 0)
				break;
	}
	if (log_out_finish(&t.out) < 0 || t.failed)
		status = OBS_EXIT_FAILURE;
	if (t.malformed)
		obs_warnx("%lu malformed line%s skipped", t.malformed, t.malformed == 1 ? "" : "s");
	rc = obs_cli_finish(status);
done:
	obs_filter_release(&t.f);
	return rc;
}
