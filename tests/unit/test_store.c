/* SPDX-License-Identifier: MIT */
/* Unit tests for the embedded store: location, appends, batches, scans, state files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_segidx.h"
#include "obs_store.h"
#include "obs_time.h"

/* 2026-11-20 .. 2026-11-25, 00:00:00 UTC */
#define DAY_NS (86400 * OBS_NS_PER_SEC)
#define NOV20 (1795132800LL * OBS_NS_PER_SEC)
#define NOV22 (1795305600LL * OBS_NS_PER_SEC)
#define NOV23 (1795392000LL * OBS_NS_PER_SEC)
#define NOV24 (1795478400LL * OBS_NS_PER_SEC)
#define NOV25 (1795564800LL * OBS_NS_PER_SEC)
#define HOUR_NS (3600 * OBS_NS_PER_SEC)

struct fx {
	char dir[64];        /* temp folder */
	char root[128];      /* dir/store, not created */
	struct obs_store st;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct obs_error err;

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/obs-test-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->root, sizeof(f->root), "%s/store", f->dir);
	if (obs_store_open(&f->st, f->root, &err) < 0)
		return -1;
	umask(022);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	obs_store_release(&f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Path under the fixture's temp folder, in one of a few rotating buffers. */
static const char *at(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *at(struct fx *f, const char *fmt, ...)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];
	va_list ap;
	int n;

	n = snprintf(b, 512, "%s/", f->dir);
	va_start(ap, fmt);
	vsnprintf(b + n, 512 - (size_t)n, fmt, ap);
	va_end(ap);
	return b;
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		r = read(fd, buf + n, cap - n);
		assert_true(r >= 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void spit(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void assert_file(const char *path, const char *expect)
{
	char *got = slurp(path, NULL);

	assert_string_equal(got, expect);
	free(got);
}

static mode_t mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static int exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* The message, cut as struct obs_error cuts it. */
static void assert_msg(const struct obs_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void assert_msg(const struct obs_error *err, const char *fmt, ...)
{
	char expect[OBS_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(expect, sizeof(expect), fmt, ap);
	va_end(ap);
	assert_string_equal(err->msg, expect);
}

/* A root that leaves no room for anything under it in PATH_MAX. */
static const char *long_root(void)
{
	static char buf[4200];

	if (!buf[0]) {
		memset(buf, 'r', 4090);
		buf[0] = '/';
		buf[4090] = '\0';
	}
	return buf;
}

/* Fork, run FN in the child, expect exit status 0 (cmocka asserts do not cross fork). */
static void in_child(int (*fn)(struct fx *), struct fx *f)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit saved;
		int rc;

		if (getrlimit(RLIMIT_FSIZE, &saved) < 0)
			exit(100);
		rc = fn(f);
		/* exit, not _exit, so that coverage data is written, with the file size limit lifted. */
		setrlimit(RLIMIT_FSIZE, &saved);
		exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* In a child: limit files to BYTES and ignore SIGXFSZ, so that writes past it fail with EFBIG. */
static int limit_file_size(rlim_t bytes)
{
	struct rlimit rl;

	signal(SIGXFSZ, SIG_IGN);
	if (getrlimit(RLIMIT_FSIZE, &rl) < 0)
		return -1;
	rl.rlim_cur = bytes;
	return setrlimit(RLIMIT_FSIZE, &rl);
}

/* ---- location ----------------------------------------------------------- */

struct env_save {
	char *obs_home, *xdg, *home;
};

static char *dup_env(const char *name)
{
	const char *v = getenv(name);

	return v ? strdup(v) : NULL;
}

static void put_env(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static void env_save(struct env_save *e)
{
	e->obs_home = dup_env("OBS_HOME");
	e->xdg = dup_env("XDG_DATA_HOME");
	e->home = dup_env("HOME");
}

static void env_restore(struct env_save *e)
{
	put_env("OBS_HOME", e->obs_home);
	put_env("XDG_DATA_HOME", e->xdg);
	put_env("HOME", e->home);
	free(e->obs_home);
	free(e->xdg);
	free(e->home);
}

static void assert_location(const char *root, const char *obs_home, const char *xdg,
			    const char *home, const char *expect)
{
	struct obs_store st;
	struct obs_error err;

	put_env("OBS_HOME", obs_home);
	put_env("XDG_DATA_HOME", xdg);
	put_env("HOME", home);
	assert_int_equal(obs_store_open(&st, root, &err), 0);
	assert_string_equal(st.root, expect);
	obs_store_release(&st);
	assert_null(st.root);
}

static void test_location(void **state)
{
	struct env_save e;
	struct obs_store st;
	struct obs_error err;

	(void)state;
	env_save(&e);
	assert_location("/r", "/o", "/x", "/h", "/r");
	assert_location("/r//", NULL, NULL, NULL, "/r");
	assert_location("/", NULL, NULL, NULL, "/");
	assert_location("rel/dir", NULL, NULL, NULL, "rel/dir");
	assert_location(NULL, "/o", "/x", "/h", "/o");
	assert_location(NULL, "/o/", "/x", "/h", "/o");
	assert_location(NULL, "", "/x", "/h", "/x/obs");
	assert_location(NULL, NULL, "/x", "/h", "/x/obs");
	assert_location(NULL, NULL, "", "/h", "/h/.local/share/obs");
	/* A relative XDG_DATA_HOME is invalid per the XDG spec and ignored. */
	assert_location(NULL, NULL, "relative", "/h", "/h/.local/share/obs");
	assert_location(NULL, NULL, NULL, "/h/", "/h/.local/share/obs");

	put_env("OBS_HOME", NULL);
	put_env("XDG_DATA_HOME", NULL);
	put_env("HOME", NULL);
	assert_int_equal(obs_store_open(&st, NULL, &err), -1);
	assert_string_equal(err.msg,
			    "cannot locate the store: none of OBS_HOME, XDG_DATA_HOME, HOME is set");
	assert_null(st.root);
	put_env("HOME", "");
	assert_int_equal(obs_store_open(&st, NULL, &err), -1);
	assert_int_equal(obs_store_open(&st, "", &err), -1);
	assert_string_equal(err.msg, "invalid store location '': empty path");
	assert_int_equal(obs_store_open(&st, "", NULL), -1);
	env_restore(&e);
}

static void test_open_creates_nothing(void **state)
{
	struct fx *f = *state;
	struct env_save e;
	struct obs_store st;
	struct obs_error err;

	env_save(&e);
	put_env("OBS_HOME", at(f, "home/obs"));
	assert_int_equal(obs_store_open(&st, NULL, &err), 0);
	assert_string_equal(st.root, at(f, "home/obs"));
	assert_false(exists(at(f, "home")));
	obs_store_release(&st);
	env_restore(&e);
	assert_false(exists(f->root));
}

static void test_is_nfs(void **state)
{
	struct fx *f = *state;
	struct obs_store st;
	char cwd[4096];

	/* Not created yet: the nearest existing parent is asked. */
	assert_int_equal(obs_store_is_nfs(&f->st), 0);
	assert_false(exists(f->root));
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{}\n", 3, NULL), 0);
	assert_int_equal(obs_store_is_nfs(&f->st), 0);

	assert_int_equal(obs_store_open(&st, "/", NULL), 0);
	assert_int_equal(obs_store_is_nfs(&st), 0);
	obs_store_release(&st);

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(obs_store_open(&st, "no-such-dir", NULL), 0);
	assert_int_equal(obs_store_is_nfs(&st), 0);
	obs_store_release(&st);
	assert_int_equal(obs_store_open(&st, "no/such/dir", NULL), 0);
	assert_int_equal(obs_store_is_nfs(&st), 0);
	obs_store_release(&st);
	assert_int_equal(chdir(cwd), 0);

	assert_int_equal(obs_store_open(&st, "/no-such-obs-dir/x", NULL), 0);
	assert_int_equal(obs_store_is_nfs(&st), 0);
	obs_store_release(&st);
	assert_int_equal(obs_store_open(&st, long_root(), NULL), 0);
	assert_int_equal(obs_store_is_nfs(&st), -1);
	obs_store_release(&st);
	{
		char huge[5000];

		memset(huge, 'h', sizeof(huge) - 1);
		huge[0] = '/';
		huge[sizeof(huge) - 1] = '\0';
		assert_int_equal(obs_store_open(&st, huge, NULL), 0);
		assert_int_equal(obs_store_is_nfs(&st), -1);
		obs_store_release(&st);
	}

	/* Under a regular file: statfs fails with ENOTDIR, so it cannot tell. */
	spit(at(f, "file"), "x", 1);
	assert_int_equal(obs_store_open(&st, at(f, "file/obs"), NULL), 0);
	assert_int_equal(obs_store_is_nfs(&st), -1);
	obs_store_release(&st);
}

/* ---- appends ------------------------------------------------------------ */

static void test_append_creates_private_files(void **state)
{
	struct fx *f = *state;
	struct obs_store st;
	struct obs_error err;
	const char *seg = at(f, "a/b/spans/2026-11-24.ndjson");

	assert_int_equal(obs_store_open(&st, at(f, "a/b"), &err), 0);
	assert_int_equal(obs_store_append(&st, "spans", NOV24 + 5 * HOUR_NS, "{\"n\":1}\n", 8, &err), 0);
	assert_int_equal(mode_of(at(f, "a")), 0700);
	assert_int_equal(mode_of(at(f, "a/b")), 0700);
	assert_int_equal(mode_of(at(f, "a/b/spans")), 0700);
	assert_int_equal(mode_of(seg), 0600);
	assert_file(seg, "{\"n\":1}\n");

	/* Two lines in one append, last nanosecond of the day. */
	assert_int_equal(obs_store_append(&st, "spans", NOV25 - 1, "{\"n\":2}\n{\"n\":3}\n", 16, &err), 0);
	assert_file(seg, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
	/* Midnight belongs to the new day. */
	assert_int_equal(obs_store_append(&st, "spans", NOV25, "{\"n\":4}\n", 8, &err), 0);
	assert_file(at(f, "a/b/spans/2026-11-25.ndjson"), "{\"n\":4}\n");
	/* Other signals get their own folder. */
	assert_int_equal(obs_store_append(&st, "my_logs-2", NOV20, "{}\n", 3, &err), 0);
	assert_file(at(f, "a/b/my_logs-2/2026-11-20.ndjson"), "{}\n");
	/* Days before 1970 and the epoch itself. */
	assert_int_equal(obs_store_append(&st, "spans", -1, "{}\n", 3, &err), 0);
	assert_true(exists(at(f, "a/b/spans/1969-12-31.ndjson")));
	assert_int_equal(obs_store_append(&st, "spans", 0, "{}\n", 3, &err), 0);
	assert_true(exists(at(f, "a/b/spans/1970-01-01.ndjson")));
	obs_store_release(&st);
}

static void test_append_refuses_bad_input(void **state)
{
	struct fx *f = *state;
	struct obs_error err;
	static const char *const bad[] = { "Spans", "a/b", "..", "a.b", "sp ans", "spans\n" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char expect[128];

		assert_int_equal(obs_store_append(&f->st, bad[i], NOV24, "{}\n", 3, &err), -1);
		snprintf(expect, sizeof(expect), "invalid signal name '%s': must match [a-z0-9_-]+", bad[i]);
		assert_string_equal(err.msg, expect);
	}
	assert_int_equal(obs_store_append(&f->st, "", NOV24, "{}\n", 3, &err), -1);
	assert_string_equal(err.msg, "invalid signal name '': must match [a-z0-9_-]+");
	assert_int_equal(obs_store_append(&f->st, NULL, NOV24, "{}\n", 3, &err), -1);
	assert_string_equal(err.msg, "invalid signal name '': must match [a-z0-9_-]+");
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{}", 2, &err), -1);
	assert_string_equal(err.msg, "cannot append to signal 'spans': data does not end in a newline");
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{}\n{}", 5, NULL), -1);
	/* Nothing to append: nothing created. */
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "", 0, &err), 0);
	assert_false(exists(f->root));
}

static void test_append_after_torn_line(void **state)
{
	struct fx *f = *state;
	const char *seg = at(f, "store/spans/2026-11-24.ndjson");

	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"a\":1}\n", 8, NULL), 0);
	/* A writer was killed mid-record. */
	{
		int fd = open(seg, O_WRONLY | O_APPEND);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "{\"a\":", 5), 5);
		close(fd);
	}
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"b\":2}\n", 8, NULL), 0);
	assert_file(seg, "{\"a\":1}\n{\"a\":\n{\"b\":2}\n");
}

static void test_append_unwritable(void **state)
{
	struct fx *f = *state;
	struct obs_store st;
	struct obs_error err;
	char expect[512];

	/* A store under a regular file fails for root too. */
	spit(at(f, "file"), "x", 1);
	assert_int_equal(obs_store_open(&st, at(f, "file/obs"), &err), 0);
	assert_int_equal(obs_store_append(&st, "spans", NOV24, "{}\n", 3, &err), -1);
	snprintf(expect, sizeof(expect), "cannot append to '%s': Not a directory",
		 at(f, "file/obs/spans/2026-11-24.ndjson"));
	assert_string_equal(err.msg, expect);
	obs_store_release(&st);

	/* The signal "folder" is a file. */
	assert_int_equal(mkdir(f->root, 0700), 0);
	spit(at(f, "store/logs"), "x", 1);
	assert_int_equal(obs_store_append(&f->st, "logs", NOV24, "{}\n", 3, &err), -1);
	snprintf(expect, sizeof(expect), "cannot append to '%s': Not a directory",
		 at(f, "store/logs/2026-11-24.ndjson"));
	assert_string_equal(err.msg, expect);

	/* The segment is a folder. */
	assert_int_equal(mkdir(at(f, "store/spans"), 0700), 0);
	assert_int_equal(mkdir(at(f, "store/spans/2026-11-24.ndjson"), 0700), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{}\n", 3, &err), -1);
	snprintf(expect, sizeof(expect), "cannot append to '%s': Is a directory",
		 at(f, "store/spans/2026-11-24.ndjson"));
	assert_string_equal(err.msg, expect);

	/* A full disk. */
	assert_int_equal(symlink("/dev/full", at(f, "store/spans/2026-11-25.ndjson")), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV25, "{}\n", 3, &err), -1);
	snprintf(expect, sizeof(expect), "cannot append to '%s': No space left on device",
		 at(f, "store/spans/2026-11-25.ndjson"));
	assert_string_equal(err.msg, expect);

	/* A read-only folder stops everyone but root. */
	if (geteuid() != 0) {
		assert_int_equal(chmod(at(f, "store/spans"), 0500), 0);
		assert_int_equal(obs_store_append(&f->st, "spans", NOV23, "{}\n", 3, &err), -1);
		snprintf(expect, sizeof(expect), "cannot append to '%s': Permission denied",
			 at(f, "store/spans/2026-11-23.ndjson"));
		assert_string_equal(err.msg, expect);
		assert_int_equal(chmod(at(f, "store/spans"), 0700), 0);
	}
}

static int append_over_limit(struct fx *f)
{
	struct obs_error err;
	char big[300], expect[512];

	memset(big, 'x', sizeof(big));
	big[0] = '"';
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = '\n';
	if (limit_file_size(100) < 0)
		return 2;
	if (obs_store_append(&f->st, "spans", NOV24, big, sizeof(big), &err) != -1)
		return 3;
	snprintf(expect, sizeof(expect), "cannot append to '%s': File too large",
		 at(f, "store/spans/2026-11-24.ndjson"));
	return strcmp(err.msg, expect) == 0 ? 0 : 4;
}

static int append_after_torn_over_limit(struct fx *f)
{
	if (limit_file_size(13) < 0)
		return 2;
	/* Even the '\n' that ends the torn line does not fit. */
	return obs_store_append(&f->st, "spans", NOV24, "{}\n", 3, NULL) == -1 ? 0 : 3;
}

/* A write that fails half-way (file size limit) leaves the segment as it was. */
static void test_append_partial_write_undone(void **state)
{
	struct fx *f = *state;
	const char *seg = at(f, "store/spans/2026-11-24.ndjson");
	int fd;

	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"a\":1}\n", 8, NULL), 0);
	in_child(append_over_limit, f);
	assert_file(seg, "{\"a\":1}\n");

	fd = open(seg, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"a\":", 5), 5);
	close(fd);
	in_child(append_after_torn_over_limit, f);
	assert_file(seg, "{\"a\":1}\n{\"a\":");
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Appends while a timer interrupts the wait for the lock (no SA_RESTART). */
static int append_interrupted(struct fx *f)
{
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
		return 2;
	r = obs_store_append(&f->st, "spans", NOV24, "{\"b\":2}\n", 8, NULL);
	setitimer(ITIMER_REAL, &off, NULL);
	return r == 0 && alarms > 0 ? 0 : 3;
}

static void test_append_waits_for_lock(void **state)
{
	struct fx *f = *state;
	const char *seg = at(f, "store/spans/2026-11-24.ndjson");
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	pid_t pid;
	int fd, status;

	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"a\":1}\n", 8, NULL), 0);
	fd = open(seg, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		exit(append_interrupted(f));
	nanosleep(&ts, NULL);
	/* Still waiting, through the interruptions. */
	assert_file(seg, "{\"a\":1}\n");
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	assert_int_equal(flock(fd, LOCK_UN), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_file(seg, "{\"a\":1}\n{\"b\":2}\n");
	close(fd);
}

static void test_append_path_too_long(void **state)
{
	struct fx *f = *state;
	struct obs_store st;
	struct obs_error err;
	char root[512], expect[512];

	assert_int_equal(obs_store_open(&st, long_root(), &err), 0);
	assert_int_equal(obs_store_append(&st, "spans", NOV24, "{}\n", 3, &err), -1);
	snprintf(expect, sizeof(expect), "cannot append to signal 'spans' under '%s", long_root());
	assert_string_equal(err.msg, expect);
	obs_store_release(&st);

	/* A folder name over NAME_MAX: found missing, then cannot be created. */
	snprintf(root, sizeof(root), "%s/missing/%0300d", f->dir, 0);
	assert_int_equal(obs_store_open(&st, root, &err), 0);
	assert_int_equal(obs_store_append(&st, "spans", NOV24, "{}\n", 3, &err), -1);
	assert_msg(&err, "cannot append to '%s/spans/2026-11-24.ndjson': File name too long", root);
	assert_true(exists(at(f, "missing")));
	obs_store_release(&st);
}

/* ---- batches ------------------------------------------------------------ */

static void test_batch_two_days(void **state)
{
	struct fx *f = *state;
	struct obs_store_batch b;
	struct obs_error err;

	obs_store_batch_init(&b, &f->st, "spans");
	assert_int_equal(b.flush_bytes, OBS_STORE_FLUSH_BYTES);
	assert_int_equal(obs_store_batch_add(&b, NOV24 - 1, "{\"a\":1}", 7, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{\"a\":2}", 7, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV23 + HOUR_NS, "{\"a\":3}", 7, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV24 + 23 * HOUR_NS, "{\"a\":4}", 7, &err), 0);
	assert_int_equal(b.ndays, 2);
	assert_int_equal(b.bytes, 32);
	/* Nothing written before the flush. */
	assert_false(exists(f->root));
	assert_int_equal(obs_store_batch_flush(&b, &err), 0);
	assert_int_equal(b.ndays, 0);
	assert_int_equal(b.bytes, 0);
	assert_file(at(f, "store/spans/2026-11-23.ndjson"), "{\"a\":1}\n{\"a\":3}\n");
	assert_file(at(f, "store/spans/2026-11-24.ndjson"), "{\"a\":2}\n{\"a\":4}\n");
	/* An empty flush does nothing; the batch can be reused. */
	assert_int_equal(obs_store_batch_flush(&b, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{\"a\":5}", 7, &err), 0);
	assert_int_equal(obs_store_batch_flush(&b, &err), 0);
	assert_file(at(f, "store/spans/2026-11-24.ndjson"), "{\"a\":2}\n{\"a\":4}\n{\"a\":5}\n");
	obs_store_batch_release(&b);
}

static void test_batch_auto_flush(void **state)
{
	struct fx *f = *state;
	const char *seg = at(f, "store/spans/2026-11-24.ndjson");
	struct obs_store_batch b;
	struct obs_error err;
	char line[64];
	int i;

	obs_store_batch_init(&b, &f->st, "spans");
	b.flush_bytes = 30;
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{\"i\":10}", 8, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{\"i\":11}", 8, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{\"i\":12}", 8, &err), 0);
	assert_false(exists(seg));
	assert_int_equal(b.bytes, 27);
	/* The fourth line reaches 36 >= 30 bytes. */
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{\"i\":13}", 8, &err), 0);
	assert_int_equal(b.bytes, 0);
	assert_file(seg, "{\"i\":10}\n{\"i\":11}\n{\"i\":12}\n{\"i\":13}\n");
	obs_store_batch_release(&b);

	/* flush_bytes 0: never by itself; lines larger than a buffer grow it. */
	obs_store_batch_init(&b, &f->st, "logs");
	b.flush_bytes = 0;
	for (i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof(line), "{\"i\":%d}", i);

		assert_int_equal(obs_store_batch_add(&b, NOV20, line, (size_t)n, &err), 0);
	}
	assert_int_equal(b.bytes, 10 * 8 + 90 * 9 + 900 * 10);
	assert_false(exists(at(f, "store/logs")));
	obs_store_batch_release(&b);
	assert_int_equal(b.ndays, 0);
	assert_null(b.days);
}

static void test_batch_errors(void **state)
{
	struct fx *f = *state;
	struct obs_store_batch b;
	struct obs_store st;
	struct obs_error err;
	char expect[512];

	obs_store_batch_init(&b, &f->st, "spans");
	assert_int_equal(obs_store_batch_add(&b, NOV24, "", 0, &err), -1);
	assert_string_equal(err.msg, "cannot add an empty record to signal 'spans'");
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{}\n", 3, &err), -1);
	assert_string_equal(err.msg, "cannot add a record containing a newline to signal 'spans'");
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{\n}", 3, NULL), -1);
	assert_int_equal(b.bytes, 0);
	obs_store_batch_release(&b);

	/* An invalid signal shows at flush, and the buffers are emptied. */
	obs_store_batch_init(&b, &f->st, "Bad");
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{}", 2, &err), 0);
	assert_int_equal(obs_store_batch_flush(&b, &err), -1);
	assert_string_equal(err.msg, "invalid signal name 'Bad': must match [a-z0-9_-]+");
	assert_int_equal(b.ndays, 0);
	assert_int_equal(b.bytes, 0);
	obs_store_batch_release(&b);

	/* Every day is attempted; the first error is returned. */
	spit(at(f, "file"), "x", 1);
	assert_int_equal(obs_store_open(&st, at(f, "file/obs"), &err), 0);
	obs_store_batch_init(&b, &st, "spans");
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{}", 2, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV23, "{}", 2, &err), 0);
	assert_int_equal(obs_store_batch_flush(&b, &err), -1);
	snprintf(expect, sizeof(expect), "cannot append to '%s': Not a directory",
		 at(f, "file/obs/spans/2026-11-24.ndjson"));
	assert_string_equal(err.msg, expect);
	assert_int_equal(b.ndays, 0);
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{}", 2, &err), 0);
	assert_int_equal(obs_store_batch_flush(&b, NULL), -1);
	/* An auto-flush failure is returned by _add. */
	b.flush_bytes = 1;
	assert_int_equal(obs_store_batch_add(&b, NOV24, "{}", 2, &err), -1);
	assert_string_equal(err.msg, expect);
	assert_int_equal(b.bytes, 0);
	obs_store_batch_release(&b);
	obs_store_release(&st);
}

static void test_batch_json(void **state)
{
	struct fx *f = *state;
	struct obs_store_batch b;
	struct obs_error err;
	json_t *rec = json_pack("{s:s, s:i, s:{s:s}}", "type", "span", "n", 1, "attributes", "k", "v");

	assert_non_null(rec);
	obs_store_batch_init(&b, &f->st, "spans");
	assert_int_equal(obs_store_batch_add_json(&b, NOV24, rec, &err), 0);
	/* A failed json_pack passed on. */
	assert_int_equal(obs_store_batch_add_json(&b, NOV24, NULL, &err), -1);
	assert_string_equal(err.msg, "cannot serialise a record for signal 'spans'");
	assert_int_equal(obs_store_batch_flush(&b, &err), 0);
	obs_store_batch_release(&b);
	assert_file(at(f, "store/spans/2026-11-24.ndjson"),
		    "{\"type\":\"span\",\"n\":1,\"attributes\":{\"k\":\"v\"}}\n");
	json_decref(rec);
}

/* ---- scans -------------------------------------------------------------- */

struct warns {
	int n;
	char last[512];
};

static void count_warn(void *ctx, const char *msg)
{
	struct warns *w = ctx;

	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", msg);
}

/* All lines of a scan joined with '|' (for short expected strings). */
static char *scan_all(struct obs_store *st, const char *signal, int64_t since, int64_t until,
		      int *count, struct warns *w)
{
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	size_t len, n = 0;
	char *out = calloc(1, 65536);
	int r;

	assert_non_null(out);
	assert_int_equal(obs_store_scan_open(&sc, st, signal, since, until, &err), 0);
	if (w) {
		sc.warn = count_warn;
		sc.warn_ctx = w;
	}
	if (count)
		*count = obs_store_scan_count(&sc);
	while ((r = obs_store_scan_next(&sc, &line, &len, &err)) == 1) {
		assert_int_equal(strlen(line), len);
		assert_true(n + len + 2 < 65536);
		if (n)
			out[n++] = '|';
		memcpy(out + n, line, len);
		n += len;
	}
	assert_int_equal(r, 0);
	obs_store_scan_close(&sc);
	return out;
}

static void assert_scan(struct obs_store *st, const char *signal, int64_t since, int64_t until,
			int count, const char *expect)
{
	int got_count;
	char *got = scan_all(st, signal, since, until, &got_count, NULL);

	assert_string_equal(got, expect);
	assert_int_equal(got_count, count);
	free(got);
}

static void write_gz(const char *path, const char *data)
{
	gzFile gz = gzopen(path, "wb");

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, data, (unsigned)strlen(data)), (int)strlen(data));
	assert_int_equal(gzclose(gz), Z_OK);
}

static void test_scan_time_range(void **state)
{
	struct fx *f = *state;
	int64_t day;

	for (day = NOV20; day <= NOV25; day += DAY_NS) {
		char rec[64];
		char name[16];
		int n;

		obs_time_day(day, name, sizeof(name));
		n = snprintf(rec, sizeof(rec), "{\"d\":\"%s\"}\n", name + 8);
		assert_int_equal(obs_store_append(&f->st, "spans", day + 12 * HOUR_NS, rec, (size_t)n, NULL), 0);
	}
	assert_scan(&f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, 6,
		    "{\"d\":\"20\"}|{\"d\":\"21\"}|{\"d\":\"22\"}|{\"d\":\"23\"}|{\"d\":\"24\"}|{\"d\":\"25\"}");
	/*
	 * Only the days intersecting the range are opened, and in a day the
	 * window cuts, the blocks whose times miss it are skipped by the index.
	 */
	assert_scan(&f->st, "spans", NOV22 + 12 * HOUR_NS, NOV23 + HOUR_NS, 2, "{\"d\":\"22\"}");
	/* Bounds: until at a day's first ns takes that day; since at a day's last ns takes it. */
	assert_scan(&f->st, "spans", NOV23 - 1, NOV24, 3, "{\"d\":\"23\"}");
	assert_scan(&f->st, "spans", NOV23, NOV24 - 1, 1, "{\"d\":\"23\"}");
	assert_scan(&f->st, "spans", NOV24, OBS_TIME_MAX, 2, "{\"d\":\"24\"}|{\"d\":\"25\"}");
	assert_scan(&f->st, "spans", OBS_TIME_MIN, NOV20 + HOUR_NS, 1, "");
	assert_scan(&f->st, "spans", OBS_TIME_MIN, NOV20 + 12 * HOUR_NS, 1, "{\"d\":\"20\"}");
	/* Outside, or an empty range. */
	assert_scan(&f->st, "spans", NOV25 + DAY_NS, OBS_TIME_MAX, 0, "");
	assert_scan(&f->st, "spans", NOV24, NOV22, 0, "");
}

static void test_scan_ignores_other_files(void **state)
{
	struct fx *f = *state;
	static const char *const ignored[] = {
		"notes.txt", "2026-11-24.json", "2026-11-24.ndjson.tmp", "2026-11-24.ndjson.zst",
		"2026-13-01.ndjson", "2026-00-10.ndjson", "2026-11-00.ndjson", "2026-11-31.ndjson",
		"2026-02-29.ndjson", "1900-02-29.ndjson", "2026-1-24.ndjson", "2026_11_24.ndjson",
		"2026-11-2x.ndjson", "x026-11-24.ndjson", ".2026-11-24.ndjson", "2026-11-24.ndjsonx",
	};
	size_t i;

	assert_int_equal(mkdir(f->root, 0700), 0);
	assert_int_equal(mkdir(at(f, "store/spans"), 0700), 0);
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		spit(at(f, "store/spans/%s", ignored[i]), "{\"bad\":1}\n", 10);
	spit(at(f, "store/spans/2024-02-29.ndjson"), "{\"leap\":2024}\n", 14);
	spit(at(f, "store/spans/2000-02-29.ndjson"), "{\"leap\":2000}\n", 14);
	spit(at(f, "store/spans/1969-12-31.ndjson"), "{\"y\":1969}\n", 11);
	/* Outside the int64 range of times: only an open scan takes them. */
	spit(at(f, "store/spans/1600-01-01.ndjson"), "{\"y\":1600}\n", 11);
	spit(at(f, "store/spans/9999-12-31.ndjson"), "{\"y\":9999}\n", 11);
	assert_int_equal(mkdir(at(f, "store/spans/sub"), 0700), 0);
	assert_scan(&f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, 5,
		    "{\"y\":1600}|{\"y\":1969}|{\"leap\":2000}|{\"leap\":2024}|{\"y\":9999}");
	assert_scan(&f->st, "spans", -1, NOV24, 3, "{\"y\":1969}|{\"leap\":2000}|{\"leap\":2024}");
	assert_scan(&f->st, "spans", 0, OBS_TIME_MAX - 1, 2, "{\"leap\":2000}|{\"leap\":2024}");
}

static void test_scan_gz(void **state)
{
	struct fx *f = *state;

	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"p\":24}\n", 9, NULL), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV23, "{\"p\":23}\n", 9, NULL), 0);
	write_gz(at(f, "store/spans/2026-11-22.ndjson.gz"), "{\"z\":22}\n{\"z\":22.5}\n");
	write_gz(at(f, "store/spans/2026-11-23.ndjson.gz"), "{\"z\":23}\n");
	assert_scan(&f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, 4,
		    "{\"z\":22}|{\"z\":22.5}|{\"z\":23}|{\"p\":23}|{\"p\":24}");
	assert_scan(&f->st, "spans", NOV23, NOV23, 2, "{\"z\":23}|{\"p\":23}");
	assert_scan(&f->st, "spans", NOV22, NOV22, 1, "{\"z\":22}|{\"z\":22.5}");
}

static void test_scan_missing_signal(void **state)
{
	struct fx *f = *state;
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	size_t len;
	char expect[512];

	/* No store at all, then a store without that signal. */
	assert_scan(&f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, 0, "");
	assert_int_equal(obs_store_append(&f->st, "logs", NOV24, "{}\n", 3, NULL), 0);
	assert_scan(&f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, 0, "");
	assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &err), 0);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 0);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 0);
	obs_store_scan_close(&sc);
	obs_store_scan_close(&sc);

	assert_int_equal(obs_store_scan_open(&sc, &f->st, "../logs", OBS_TIME_MIN, OBS_TIME_MAX, &err), -1);
	assert_string_equal(err.msg, "invalid signal name '../logs': must match [a-z0-9_-]+");
	obs_store_scan_close(&sc);

	spit(at(f, "store/metrics"), "x", 1);
	assert_int_equal(obs_store_scan_open(&sc, &f->st, "metrics", OBS_TIME_MIN, OBS_TIME_MAX, &err), -1);
	snprintf(expect, sizeof(expect), "cannot read '%s': Not a directory", at(f, "store/metrics"));
	assert_string_equal(err.msg, expect);
	obs_store_scan_close(&sc);
}

/* Append N records of about 700 bytes at TIME_NS in one block; the LONG-th (from 1) is 1500 bytes. */
static void append_block(struct fx *f, int64_t time_ns, int tag, int n, int longer)
{
	size_t cap = (size_t)n * 1600, len = 0;
	char *buf = malloc(cap);
	int i;

	assert_non_null(buf);
	for (i = 1; i <= n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "{\"t\":%d,\"i\":%d,\"pad\":\"%0*d\"}\n",
					tag, i, i == longer ? 1500 : 700, 0);
	assert_int_equal(obs_store_append_span(&f->st, "metrics", time_ns, time_ns + 1, (unsigned long)n,
					       buf, len, NULL), 0);
	free(buf);
}

/* Lines of a scan of "metrics" over [SINCE, UNTIL], and their tags summed; warnings into W. */
static int scan_tags(struct fx *f, int64_t since, int64_t until, long *tags, struct warns *w)
{
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	size_t len;
	int n = 0, r;

	*tags = 0;
	assert_int_equal(obs_store_scan_open(&sc, &f->st, "metrics", since, until, &err), 0);
	sc.max_line = 1000;
	sc.warn = count_warn;
	sc.warn_ctx = w;
	while ((r = obs_store_scan_next(&sc, &line, &len, &err)) == 1) {
		*tags += atol(line + 5);
		n++;
	}
	assert_int_equal(r, 0);
	obs_store_scan_close(&sc);
	return n;
}

static void test_scan_skips_blocks_by_index(void **state)
{
	struct fx *f = *state;
	struct warns w = { 0, "" };
	long tags;

	/* Three blocks of 1000 records (0.7 MB each: they do not merge), hours 1, 2, 3. */
	append_block(f, NOV24 + HOUR_NS, 1, 1000, 0);
	append_block(f, NOV24 + 2 * HOUR_NS, 2, 1000, 0);
	append_block(f, NOV24 + 3 * HOUR_NS, 3, 1000, 10);
	assert_true(access(at(f, "store/metrics/.2026-11-24.ndjson.idx"), F_OK) == 0);
	/* The whole day: everything (the long line skipped and reported at its line). */
	assert_int_equal(scan_tags(f, NOV24, NOV25 - 1, &tags, &w), 2999);
	assert_int_equal(tags, 1000 + 2000 + 2997);
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.last, "2026-11-24.ndjson:2010: line longer than 1000 bytes"));
	/* One hour: only its block, line numbers still the file's. */
	w.n = 0;
	assert_int_equal(scan_tags(f, NOV24 + 3 * HOUR_NS, NOV24 + 3 * HOUR_NS, &tags, &w), 999);
	assert_int_equal(tags, 2997);
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.last, "2026-11-24.ndjson:2010: line longer than 1000 bytes"));
	assert_int_equal(scan_tags(f, NOV24 + 2 * HOUR_NS, NOV24 + 2 * HOUR_NS + 1, &tags, &w), 1000);
	assert_int_equal(tags, 2000);
	assert_int_equal(scan_tags(f, OBS_TIME_MIN, NOV24 + HOUR_NS, &tags, &w), 1000);
	assert_int_equal(tags, 1000);
	/* A window between blocks: nothing. */
	assert_int_equal(scan_tags(f, NOV24 + 5 * HOUR_NS, OBS_TIME_MAX, &tags, &w), 0);
	/* Records added without an entry (the index removed meanwhile) are read. */
	assert_int_equal(unlink(at(f, "store/metrics/.2026-11-24.ndjson.idx")), 0);
	assert_int_equal(scan_tags(f, NOV24 + 5 * HOUR_NS, OBS_TIME_MAX, &tags, &w), 2999);
	append_block(f, NOV24 + 4 * HOUR_NS, 4, 10, 0);
	assert_int_equal(scan_tags(f, NOV24 + 4 * HOUR_NS, NOV24 + 4 * HOUR_NS, &tags, &w), 3009);
}

static void test_scan_index_that_does_not_fit(void **state)
{
	struct fx *f = *state;
	struct warns w = { 0, "" };
	struct obs_segidx_entry e = { 3, 10, 1, NOV24, NOV24 };
	const char *seg = at(f, "store/metrics/2026-11-24.ndjson");
	struct stat sb;
	long tags;

	append_block(f, NOV24 + HOUR_NS, 1, 3, 0);
	assert_int_equal(stat(seg, &sb), 0);
	assert_int_equal(obs_segidx_remove(seg), 0);
	/* An entry starting mid-line: the index is not this file's. */
	assert_int_equal(obs_segidx_note(seg, sb.st_ino, &e), 0);
	assert_int_equal(scan_tags(f, NOV24 + HOUR_NS, NOV24 + HOUR_NS, &tags, &w), 3);
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.last, "/.2026-11-24.ndjson.idx: does not fit its segment, ignored"));
}

static void test_batch_notes_times(void **state)
{
	struct fx *f = *state;
	struct obs_store_batch b;
	struct obs_segidx_entry *e;
	struct obs_error err;
	struct stat sb;
	size_t n, bad;
	const char *seg = at(f, "store/spans/2026-11-24.ndjson");

	obs_store_batch_init(&b, &f->st, "spans");
	assert_int_equal(obs_store_batch_add(&b, NOV24 + 50, "{\"a\":1}", 7, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV24 + 20, "{\"a\":2}", 7, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV23 + 7, "{\"a\":0}", 7, &err), 0);
	assert_int_equal(obs_store_batch_add(&b, NOV24 + 90, "{\"a\":3}", 7, &err), 0);
	assert_int_equal(obs_store_batch_flush(&b, &err), 0);
	obs_store_batch_release(&b);
	assert_int_equal(stat(seg, &sb), 0);
	assert_int_equal(obs_segidx_load(seg, sb.st_ino, (uint64_t)sb.st_size, &e, &n, &bad, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].off, 0);
	assert_int_equal(e[0].len, 24);
	assert_int_equal(e[0].lines, 3);
	assert_int_equal(e[0].min, NOV24 + 20);
	assert_int_equal(e[0].max, NOV24 + 90);
	free(e);
	/* A single append after a torn line: its entry starts after the added newline. */
	{
		int fd = open(seg, O_WRONLY | O_APPEND);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "{\"to", 4), 4);
		close(fd);
	}
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24 + 5, "{\"a\":4}\n{\"a\":5}\n", 16, &err), 0);
	assert_int_equal(stat(seg, &sb), 0);
	assert_int_equal(obs_segidx_load(seg, sb.st_ino, (uint64_t)sb.st_size, &e, &n, &bad, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(e[1].off, 29);
	assert_int_equal(e[1].len, 16);
	assert_int_equal(e[1].lines, 2);
	assert_int_equal(e[1].min, NOV24 + 5);
	assert_int_equal(e[1].max, NOV24 + 5);
	free(e);
}

static void test_scan_torn_line(void **state)
{
	struct fx *f = *state;
	struct warns w = { 0, "" };
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	size_t len;
	char *got;

	assert_int_equal(obs_store_append(&f->st, "spans", NOV23, "{\"a\":1}\n", 8, NULL), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"a\":2}\n", 8, NULL), 0);
	{
		int fd = open(at(f, "store/spans/2026-11-23.ndjson"), O_WRONLY | O_APPEND);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "{\"a\":1.5,\"b", 11), 11);
		close(fd);
	}
	got = scan_all(&f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, NULL, &w);
	assert_string_equal(got, "{\"a\":1}|{\"a\":1.5,\"b|{\"a\":2}");
	free(got);
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.last, at(f, "store/spans/2026-11-23.ndjson:2: ")));

	/* Counters follow the reader; totals survive the segment's end. */
	assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &err), 0);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	assert_int_equal(sc.torn, 0);
	assert_string_equal(sc.rd.name, at(f, "store/spans/2026-11-23.ndjson"));
	assert_int_equal(sc.rd.lineno, 1);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	assert_int_equal(sc.torn, 1);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":2}");
	assert_int_equal(sc.torn, 1);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 0);
	assert_int_equal(sc.torn, 1);
	assert_int_equal(sc.skipped, 0);
	obs_store_scan_close(&sc);

	/* Closed in the middle of a torn segment. */
	assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", OBS_TIME_MIN, NOV23, &err), 0);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	obs_store_scan_close(&sc);
}

static void test_scan_max_line(void **state)
{
	struct fx *f = *state;
	struct warns w = { 0, "" };
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	size_t len;
	char big[202];

	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"x\":\"", 6);
	memcpy(big + sizeof(big) - 3, "\"}\n", 3);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV23, "{\"a\":1}\n", 8, NULL), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV23, big, sizeof(big), NULL), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, big, sizeof(big), NULL), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"a\":2}\n", 8, NULL), 0);

	assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &err), 0);
	sc.max_line = 100;
	sc.warn = count_warn;
	sc.warn_ctx = &w;
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":1}");
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":2}");
	assert_int_equal(sc.skipped, 2);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 0);
	assert_int_equal(sc.skipped, 2);
	assert_int_equal(sc.torn, 0);
	assert_int_equal(w.n, 2);
	assert_non_null(strstr(w.last, at(f, "store/spans/2026-11-24.ndjson:1: ")));
	obs_store_scan_close(&sc);

	/* Default limit: both read. */
	{
		int count;
		char *got = scan_all(&f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &count, NULL);

		assert_int_equal(strlen(got), 7 * 2 + 201 * 2 + 3);
		free(got);
	}
}

static void test_scan_segment_vanishes_or_fails(void **state)
{
	struct fx *f = *state;
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	char expect[512];
	size_t len;

	assert_int_equal(obs_store_append(&f->st, "spans", NOV22, "{\"a\":22}\n", 9, NULL), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV23, "{\"a\":23}\n", 9, NULL), 0);
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"a\":24}\n", 9, NULL), 0);
	assert_int_equal(mkdir(at(f, "store/spans/2026-11-25.ndjson"), 0700), 0);

	assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &err), 0);
	assert_int_equal(obs_store_scan_count(&sc), 4);
	/* Retention removed a segment after the listing: skipped. */
	assert_int_equal(unlink(at(f, "store/spans/2026-11-23.ndjson")), 0);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":22}");
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), 1);
	assert_string_equal(line, "{\"a\":24}");
	/* A segment that cannot be read is an error naming it. */
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), -1);
	assert_non_null(strstr(err.msg, at(f, "store/spans/2026-11-25.ndjson")));
	assert_non_null(strstr(err.msg, "Is a directory"));
	obs_store_scan_close(&sc);

	/* A segment that cannot be opened. */
	assert_int_equal(symlink("2026-11-21.ndjson", at(f, "store/spans/2026-11-21.ndjson")), 0);
	assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", NOV20, NOV22 - 1, &err), 0);
	assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), -1);
	snprintf(expect, sizeof(expect), "cannot open '%s': Too many levels of symbolic links",
		 at(f, "store/spans/2026-11-21.ndjson"));
	assert_string_equal(err.msg, expect);
	obs_store_scan_close(&sc);

	/* A store path that does not fit. */
	{
		struct obs_store st;

		assert_int_equal(obs_store_open(&st, long_root(), &err), 0);
		assert_int_equal(obs_store_scan_open(&sc, &st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &err), -1);
		snprintf(expect, sizeof(expect), "cannot read signal 'spans' under '%s", long_root());
		assert_string_equal(err.msg, expect);
		obs_store_scan_close(&sc);
		obs_store_release(&st);
	}

	if (geteuid() != 0) {
		assert_int_equal(chmod(at(f, "store/spans/2026-11-24.ndjson"), 0), 0);
		assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", NOV24, NOV24, &err), 0);
		assert_int_equal(obs_store_scan_next(&sc, &line, &len, &err), -1);
		assert_non_null(strstr(err.msg, "Permission denied"));
		obs_store_scan_close(&sc);
	}
}

/* A signal folder so deep that its segments' paths exceed PATH_MAX. */
static void test_scan_path_too_long(void **state)
{
	struct fx *f = *state;
	char root[PATH_MAX], expect_dir[PATH_MAX];
	struct obs_store_scan sc;
	struct obs_store st;
	struct obs_error err;
	size_t n = strlen(f->dir);
	int dfd, fd;

	memcpy(root, f->dir, n + 1);
	/* Grow ROOT so that ROOT/spans is 4090 bytes: it fits, ROOT/spans/YYYY-MM-DD.ndjson does not. */
	while (n < 4090 - 6) {
		size_t k = 4090 - 6 - n - 1;

		if (k > 200)
			k = 200;
		if (k == 0)
			k = 1;
		root[n++] = '/';
		memset(root + n, 'd', k);
		n += k;
		root[n] = '\0';
		assert_int_equal(mkdir(root, 0700), 0);
	}
	assert_int_equal(n, 4084);
	memcpy(expect_dir, root, n);
	memcpy(expect_dir + n, "/spans", 7);
	assert_int_equal(mkdir(expect_dir, 0700), 0);
	dfd = open(expect_dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	fd = openat(dfd, "2026-11-24.ndjson", O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);

	assert_int_equal(obs_store_open(&st, root, &err), 0);
	assert_int_equal(obs_store_scan_open(&sc, &st, "spans", OBS_TIME_MIN, OBS_TIME_MAX, &err), -1);
	assert_msg(&err, "cannot read '%s': File name too long", expect_dir);
	assert_null(sc.paths);
	obs_store_scan_close(&sc);
	obs_store_release(&st);
	/* nftw cannot reach it by path either. */
	assert_int_equal(unlinkat(dfd, "2026-11-24.ndjson", 0), 0);
	close(dfd);
}

/* ---- state files -------------------------------------------------------- */

static void test_state_path(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = { "", "/abs", "a//b", "../x", "a/../b", "a/./b", ".", "a/", "a/.." };
	struct obs_store st;
	struct obs_error err;
	char expect[512];
	char *p;
	size_t i;

	p = obs_store_state_path(&f->st, "spans/open/0123.json", &err);
	assert_non_null(p);
	assert_string_equal(p, at(f, "store/state/spans/open/0123.json"));
	assert_int_equal(mode_of(at(f, "store")), 0700);
	assert_int_equal(mode_of(at(f, "store/state")), 0700);
	assert_int_equal(mode_of(at(f, "store/state/spans/open")), 0700);
	assert_false(exists(p));
	free(p);
	p = obs_store_state_path(&f->st, "cursor.json", &err);
	assert_string_equal(p, at(f, "store/state/cursor.json"));
	free(p);
	p = obs_store_state_path(&f->st, "..hidden/.x", &err);
	assert_string_equal(p, at(f, "store/state/..hidden/.x"));
	free(p);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(obs_store_state_path(&f->st, bad[i], &err));
		snprintf(expect, sizeof(expect), "invalid state file name '%s'", bad[i]);
		assert_string_equal(err.msg, expect);
	}

	assert_int_equal(obs_store_open(&st, long_root(), &err), 0);
	assert_null(obs_store_state_path(&st, "a/b.json", &err));
	snprintf(expect, sizeof(expect), "cannot use state file 'a/b.json' under '%s", long_root());
	assert_string_equal(err.msg, expect);
	obs_store_release(&st);

	spit(at(f, "file"), "x", 1);
	assert_int_equal(obs_store_open(&st, at(f, "file/obs"), &err), 0);
	assert_null(obs_store_state_path(&st, "a/b.json", &err));
	snprintf(expect, sizeof(expect), "cannot create folder '%s': Not a directory",
		 at(f, "file/obs/state/a"));
	assert_string_equal(err.msg, expect);
	obs_store_release(&st);
}

static void test_state_round_trip(void **state)
{
	struct fx *f = *state;
	struct obs_error err;
	json_t *obj = (json_t *)1;
	char *p = obs_store_state_path(&f->st, "alerts.json", &err);
	char tmp[512];

	assert_non_null(p);
	/* Missing: no object, no error. */
	assert_int_equal(obs_state_read_json(p, &obj, &err), 0);
	assert_null(obj);

	assert_int_equal(obs_state_write(p, "{\"a\":1,\"b\":[true,null]}\n", 24, &err), 0);
	assert_int_equal(mode_of(p), 0600);
	assert_int_equal(obs_state_read_json(p, &obj, &err), 0);
	assert_non_null(obj);
	assert_int_equal(json_integer_value(json_object_get(obj, "a")), 1);
	assert_int_equal(json_array_size(json_object_get(obj, "b")), 2);
	json_decref(obj);

	/* Replaced whole; a temp file left by a dead process with our pid is no obstacle. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", p, (long)getpid());
	spit(tmp, "junk", 4);
	assert_int_equal(obs_state_write(p, "{}", 2, &err), 0);
	assert_false(exists(tmp));
	assert_file(p, "{}");
	assert_int_equal(obs_state_read_json(p, &obj, &err), 0);
	assert_int_equal(json_object_size(obj), 0);
	json_decref(obj);

	/* Larger than the first read buffer. */
	{
		size_t n = 100000, i;
		char *big = malloc(n);

		assert_non_null(big);
		memcpy(big, "{\"k\":\"", 6);
		for (i = 6; i < n - 2; i++)
			big[i] = 'a' + (char)(i % 26);
		memcpy(big + n - 2, "\"}", 2);
		assert_int_equal(obs_state_write(p, big, n, &err), 0);
		assert_int_equal(obs_state_read_json(p, &obj, &err), 0);
		assert_int_equal(json_string_length(json_object_get(obj, "k")), n - 8);
		json_decref(obj);
		free(big);
	}
	free(p);
}

static int state_write_over_limit(struct fx *f)
{
	struct obs_error err;
	char expect[512];

	if (limit_file_size(4) < 0)
		return 2;
	if (obs_state_write(at(f, "store/s.json"), "{\"new\":2}", 9, &err) != -1)
		return 3;
	snprintf(expect, sizeof(expect), "cannot write state file '%s': File too large",
		 at(f, "store/s.json"));
	return strcmp(err.msg, expect) == 0 ? 0 : 4;
}

static int count_entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(dp);
	return n;
}

static void test_state_write_errors(void **state)
{
	struct fx *f = *state;
	struct obs_error err;
	char expect[512];

	assert_int_equal(mkdir(f->root, 0700), 0);
	/* The folder does not exist. */
	assert_int_equal(obs_state_write(at(f, "store/nope/x.json"), "{}", 2, &err), -1);
	snprintf(expect, sizeof(expect), "cannot write state file '%s': No such file or directory",
		 at(f, "store/nope/x.json"));
	assert_string_equal(err.msg, expect);

	/* The rename fails (a folder is in the way): no temp file stays. */
	assert_int_equal(mkdir(at(f, "store/dir.json"), 0700), 0);
	spit(at(f, "store/dir.json/keep"), "x", 1);
	assert_int_equal(obs_state_write(at(f, "store/dir.json"), "{}", 2, &err), -1);
	snprintf(expect, sizeof(expect), "cannot write state file '%s': Is a directory",
		 at(f, "store/dir.json"));
	assert_string_equal(err.msg, expect);
	{
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", at(f, "store/dir.json"), (long)getpid());
		assert_false(exists(tmp));
	}

	/* A failed write (file size limit) leaves the old state and no temp file. */
	assert_int_equal(obs_state_write(at(f, "store/s.json"), "{\"old\":1}", 9, &err), 0);
	in_child(state_write_over_limit, f);
	assert_file(at(f, "store/s.json"), "{\"old\":1}");
	assert_int_equal(count_entries(f->root), 2);  /* dir.json and s.json, no temp file */

	/* Paths that do not fit. */
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/s.json", long_root());
		assert_int_equal(obs_state_write(path, "{}", 2, &err), -1);
		assert_msg(&err, "cannot write state file '%s", path);
	}

	/* Relative path: the current folder is synced. */
	{
		char cwd[4096];

		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(f->root), 0);
		assert_int_equal(obs_state_write("rel.json", "{}", 2, &err), 0);
		assert_int_equal(chdir(cwd), 0);
		assert_file(at(f, "store/rel.json"), "{}");
	}
}

static void assert_corrupt(struct fx *f, const char *data, size_t len, const char *reason)
{
	const char *p = at(f, "state.json");
	struct obs_error err;
	json_t *obj = (json_t *)1;
	char expect[512];

	spit(p, data, len);
	assert_int_equal(obs_state_read_json(p, &obj, &err), -1);
	assert_null(obj);
	snprintf(expect, sizeof(expect), "state file '%s' is corrupt: %s", p, reason);
	assert_string_equal(err.msg, expect);
}

static void test_state_corrupt(void **state)
{
	struct fx *f = *state;
	struct obs_error err;
	json_t *obj;
	char zeros[4096] = { 0 };
	char expect[512];
	int fd;

	assert_corrupt(f, "", 0, "empty");
	assert_corrupt(f, zeros, sizeof(zeros), "contains NUL bytes");
	assert_corrupt(f, "{\"a\":1}\0\0\0", 10, "contains NUL bytes");
	assert_corrupt(f, "{\"a\":1,\"b\":[tr", 14, "invalid token near 'tr' at line 1 column 14");
	assert_corrupt(f, "{\"a\":1", 6, "'}' expected near end of file at line 1 column 6");
	assert_corrupt(f, "[1,2]", 5, "not a JSON object");
	assert_corrupt(f, "\"str\"", 5, "not a JSON object");
	assert_corrupt(f, "{}{}", 4, "end of file expected near '{' at line 1 column 3");
	assert_corrupt(f, "{\"a\":1,\"a\":2}", 13, "duplicate object key near '\"a\"' at line 1 column 10");
	assert_corrupt(f, "\n\n  ", 4, "empty");
	assert_corrupt(f, "\n{", 2, "string or '}' expected near end of file at line 2 column 1");

	/* Not a file, not readable, too large. */
	assert_int_equal(obs_state_read_json(f->dir, &obj, &err), -1);
	snprintf(expect, sizeof(expect), "cannot read state file '%s': Is a directory", f->dir);
	assert_string_equal(err.msg, expect);
	spit(at(f, "file"), "x", 1);
	assert_int_equal(obs_state_read_json(at(f, "file/x.json"), &obj, &err), -1);
	snprintf(expect, sizeof(expect), "cannot read state file '%s': Not a directory", at(f, "file/x.json"));
	assert_string_equal(err.msg, expect);
	fd = open(at(f, "huge.json"), O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, OBS_STATE_MAX_SIZE + 1), 0);
	close(fd);
	assert_int_equal(obs_state_read_json(at(f, "huge.json"), &obj, &err), -1);
	snprintf(expect, sizeof(expect), "state file '%s' is too large (over %d bytes)",
		 at(f, "huge.json"), OBS_STATE_MAX_SIZE);
	assert_string_equal(err.msg, expect);
	assert_null(obj);
}

/* ---- many writers ------------------------------------------------------- */

#define NCHILD 32
#define NLINES 500

/* A span-like record of 300..600 bytes, the same for the same (child, seq). */
static size_t make_line(char *buf, size_t size, int c, int s)
{
	size_t target = 300 + (size_t)((c * 131 + s * 37) % 301), n;

	n = (size_t)snprintf(buf, size,
			     "{\"type\":\"span\",\"trace_id\":\"%016x%016x\",\"span_id\":\"%016x\","
			     "\"name\":\"step %d\",\"child\":%d,\"seq\":%d,\"pad\":\"",
			     (unsigned)c + 1, (unsigned)s, (unsigned)(c * NLINES + s), s, c, s);
	for (; n < target - 2; n++)
		buf[n] = (char)('a' + (c + s + (int)n) % 26);
	buf[n++] = '"';
	buf[n++] = '}';
	buf[n] = '\0';
	return n;
}

static int child_writer(struct obs_store *st, int c)
{
	struct obs_store_batch b;
	struct obs_error err;
	char line[1024];
	int s, ret = 0;

	obs_store_batch_init(&b, st, "spans");
	b.flush_bytes = 8192 + (size_t)c * 512;
	for (s = 0; s < NLINES && !ret; s++) {
		size_t n = make_line(line, sizeof(line) - 1, c, s);

		/* Children mix single appends and batches, some both. */
		if (c % 4 == 0 || (c % 4 == 1 && s % 3 == 0)) {
			line[n++] = '\n';
			ret = obs_store_append(st, "spans", NOV24 + s, line, n, &err);
		} else {
			ret = obs_store_batch_add(&b, NOV24 + HOUR_NS + s, line, n, &err);
		}
	}
	if (!ret)
		ret = obs_store_batch_flush(&b, &err);
	obs_store_batch_release(&b);
	return ret ? 1 : 0;
}

static void test_concurrent_appends(void **state)
{
	struct fx *f = *state;
	static unsigned char seen[NCHILD][NLINES];
	pid_t pids[NCHILD];
	char expect[1024];
	char *data, *p, *nl;
	size_t len, lines = 0;
	int c, status;

	memset(seen, 0, sizeof(seen));
	fflush(stdout);
	fflush(stderr);
	for (c = 0; c < NCHILD; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c] == 0)
			exit(child_writer(&f->st, c));
	}
	for (c = 0; c < NCHILD; c++) {
		assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(mode_of(at(f, "store/spans/2026-11-24.ndjson")), 0600);
	data = slurp(at(f, "store/spans/2026-11-24.ndjson"), &len);
	assert_true(len > 0 && data[len - 1] == '\n');
	for (p = data; p < data + len; p = nl + 1) {
		json_error_t jerr;
		json_t *rec;
		int s;

		nl = memchr(p, '\n', (size_t)(data + len - p));
		assert_non_null(nl);
		rec = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		assert_non_null(rec);
		c = (int)json_integer_value(json_object_get(rec, "child"));
		s = (int)json_integer_value(json_object_get(rec, "seq"));
		json_decref(rec);
		assert_in_range(c, 0, NCHILD - 1);
		assert_in_range(s, 0, NLINES - 1);
		/* Byte for byte the line the child wrote. */
		assert_int_equal(make_line(expect, sizeof(expect), c, s), (size_t)(nl - p));
		assert_memory_equal(expect, p, (size_t)(nl - p));
		seen[c][s]++;
		lines++;
	}
	free(data);
	assert_int_equal(lines, NCHILD * NLINES);
	for (c = 0; c < NCHILD; c++) {
		int s;

		for (s = 0; s < NLINES; s++)
			assert_int_equal(seen[c][s], 1);
	}
}

/*
 * A writer of large records killed by SIGKILL: every complete line is
 * intact, at most the last is torn. Records are 6 MiB because Linux checks
 * for a fatal signal only between folios, which may be 2 MiB: a 1 MiB
 * write is never cut there, a 6 MiB one usually is.
 */
#define BIG_RECORD (6 * 1024 * 1024)

static void big_writer(struct obs_store *st)
{
	char *rec = malloc(BIG_RECORD);
	unsigned seq;

	if (!rec)
		_exit(1);
	memset(rec, 'k', BIG_RECORD);
	memcpy(rec, "{\"seq\":         0,\"pad\":\"", 25);
	memcpy(rec + BIG_RECORD - 3, "\"}\n", 3);
	for (seq = 0;; seq++) {
		char num[11];

		snprintf(num, sizeof(num), "%10u", seq);
		memcpy(rec + 7, num, 10);
		if (obs_store_append(st, "spans", NOV24, rec, BIG_RECORD, NULL) < 0)
			_exit(1);
	}
}

static int kill_one_writer(struct fx *f, const char *seg, off_t after)
{
	struct timespec ts = { 0, 200000 };
	struct stat sb;
	pid_t pid;
	int status, i;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		big_writer(&f->st);
	for (i = 0; i < 20000; i++) {
		if (stat(seg, &sb) == 0 && sb.st_size >= after)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(stat(seg, &sb), 0);
	return sb.st_size % BIG_RECORD != 0;
}

static void test_killed_writer(void **state)
{
	struct fx *f = *state;
	const char *seg = at(f, "store/spans/2026-11-24.ndjson");
	struct warns w = { 0, "" };
	struct obs_store_scan sc;
	struct obs_error err;
	const char *line;
	size_t len;
	unsigned long good = 0, bad = 0;
	int torn = 0, tries, r;
	char last[64];

	/* The kill usually lands inside a write; try a few times to see a torn record. */
	for (tries = 0; tries < 8 && !torn; tries++) {
		unlink(seg);
		torn = kill_one_writer(f, seg, BIG_RECORD);
	}
	assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", NOV24, NOV24, &err), 0);
	sc.max_line = 2 * BIG_RECORD;
	sc.warn = count_warn;
	sc.warn_ctx = &w;
	while ((r = obs_store_scan_next(&sc, &line, &len, &err)) == 1) {
		json_t *rec = json_loadb(line, len, 0, NULL);

		if (rec) {
			assert_int_equal(len, BIG_RECORD - 1);
			assert_int_equal(json_integer_value(json_object_get(rec, "seq")), (json_int_t)good);
			good++;
			json_decref(rec);
		} else {
			bad++;
		}
	}
	assert_int_equal(r, 0);
	assert_true(good >= 1);
	assert_int_equal(bad, (unsigned long)torn);
	assert_int_equal(sc.torn, (unsigned long)torn);
	assert_int_equal(w.n, torn);
	if (torn)
		assert_non_null(strstr(w.last, seg));
	obs_store_scan_close(&sc);

	/* The next append starts on a line of its own: the torn record stays one bad line. */
	assert_int_equal(obs_store_append(&f->st, "spans", NOV24, "{\"after\":1}\n", 12, &err), 0);
	good = bad = 0;
	w.n = 0;
	last[0] = '\0';
	assert_int_equal(obs_store_scan_open(&sc, &f->st, "spans", NOV24, NOV24, &err), 0);
	sc.max_line = 2 * BIG_RECORD;
	sc.warn = count_warn;
	sc.warn_ctx = &w;
	while ((r = obs_store_scan_next(&sc, &line, &len, &err)) == 1) {
		json_t *rec = json_loadb(line, len, 0, NULL);

		if (rec)
			good++;
		else
			bad++;
		json_decref(rec);
		snprintf(last, sizeof(last), "%.*s", len < 64 ? (int)len : 0, line);
	}
	assert_int_equal(r, 0);
	assert_int_equal(bad, (unsigned long)torn);
	assert_string_equal(last, "{\"after\":1}");
	assert_int_equal(sc.torn, 0);
	assert_int_equal(w.n, 0);
	obs_store_scan_close(&sc);
	if (!torn)
		print_message("note: no kill landed inside a write in %d tries\n", tries);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_location),
		cmocka_unit_test_setup_teardown(test_open_creates_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_is_nfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_creates_private_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_refuses_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_after_torn_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_unwritable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_partial_write_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_path_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_waits_for_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_two_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_auto_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_time_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_ignores_other_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_gz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_missing_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_torn_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_skips_blocks_by_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_index_that_does_not_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_notes_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_max_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_segment_vanishes_or_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_path_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
