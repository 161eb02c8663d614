/* SPDX-License-Identifier: MIT */
/* Unit tests for the segment time index: notes, loading, plans, removal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_segidx.h"

struct fx {
	char dir[64];
	char seg[128];       /* dir/2026-11-24.ndjson */
	char idx[128];       /* dir/.2026-11-24.ndjson.idx */
	ino_t ino;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/obs-test-segidx-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->seg, sizeof(f->seg), "%s/2026-11-24.ndjson", f->dir);
	snprintf(f->idx, sizeof(f->idx), "%s/.2026-11-24.ndjson.idx", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->seg);
	unlink(f->idx);
	rmdir(f->idx);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write N lines "{"i":K}" padded to 10 bytes each ("{\"i\":000}\n") as the segment. */
static void write_segment(struct fx *f, int n)
{
	struct stat sb;
	FILE *fp = fopen(f->seg, "w");
	int i;

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		fprintf(fp, "{\"i\":%03d}\n", i % 1000);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(stat(f->seg, &sb), 0);
	f->ino = sb.st_ino;
}

/* Note lines [FIRST, FIRST + N) of the 10-byte-line segment with times [MIN, MAX]. */
static int note(struct fx *f, int first, int n, int64_t min, int64_t max)
{
	struct obs_segidx_entry e = { (uint64_t)first * 10, (uint64_t)n * 10, (uint64_t)n, min, max };

	return obs_segidx_note(f->seg, f->ino, &e);
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static size_t load(struct fx *f, struct obs_segidx_entry **e, size_t *bad)
{
	struct obs_error err;
	size_t n;

	assert_int_equal(obs_segidx_load(f->seg, f->ino, (uint64_t)file_size(f->seg), e, &n, bad,
					 &err), 0);
	return n;
}

/* The plan for [SINCE, UNTIL] as "off-end/skipped ..." ("-" for the end of file). */
static char *plan(struct fx *f, int64_t since, int64_t until, int *stale)
{
	static char out[512];
	struct obs_segidx_range *r;
	struct obs_error err;
	size_t n, i, len = 0;
	int fd = open(f->seg, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(obs_segidx_plan(f->seg, fd, since, until, &r, &n, stale, &err), 0);
	close(fd);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (r[i].end == OBS_SEGIDX_TO_EOF)
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%llu-/%llu", i ? " " : "",
						(unsigned long long)r[i].off,
						(unsigned long long)r[i].skipped_lines);
		else
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%llu-%llu/%llu",
						i ? " " : "", (unsigned long long)r[i].off,
						(unsigned long long)r[i].end,
						(unsigned long long)r[i].skipped_lines);
	}
	free(r);
	return out;
}

static void test_path(void **state)
{
	char buf[PATH_MAX], longp[PATH_MAX + 8];

	(void)state;
	assert_int_equal(obs_segidx_path(buf, "/s/metrics/2026-11-24.ndjson"), 0);
	assert_string_equal(buf, "/s/metrics/.2026-11-24.ndjson.idx");
	assert_int_equal(obs_segidx_path(buf, "x.ndjson"), 0);
	assert_string_equal(buf, ".x.ndjson.idx");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	errno = 0;
	assert_int_equal(obs_segidx_path(buf, longp), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(obs_segidx_remove(longp), -1);
}

static void test_note_merges_contiguous_blocks(void **state)
{
	struct fx *f = *state;
	struct obs_segidx_entry *e;
	size_t bad;

	write_segment(f, 10);
	assert_int_equal(note(f, 0, 2, 100, 200), 0);
	assert_int_equal(file_size(f->idx), 16 + 48);
	/* Contiguous: one entry with the union of the times. */
	assert_int_equal(note(f, 2, 3, 50, 150), 0);
	assert_int_equal(file_size(f->idx), 16 + 48);
	/* A gap (lines 5-6 not noted, as by a writer killed before its note): a new entry. */
	assert_int_equal(note(f, 7, 3, 300, 300), 0);
	assert_int_equal(file_size(f->idx), 16 + 2 * 48);
	assert_int_equal(load(f, &e, &bad), 2);
	assert_int_equal(bad, 0);
	assert_int_equal(e[0].off, 0);
	assert_int_equal(e[0].len, 50);
	assert_int_equal(e[0].lines, 5);
	assert_int_equal(e[0].min, 50);
	assert_int_equal(e[0].max, 200);
	assert_int_equal(e[1].off, 70);
	assert_int_equal(e[1].len, 30);
	assert_int_equal(e[1].min, 300);
	free(e);
	/* The index is private, like the segment. */
	{
		struct stat sb;

		assert_int_equal(stat(f->idx, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
}

static void test_note_block_size_limit(void **state)
{
	struct fx *f = *state;
	struct obs_segidx_entry a = { 0, OBS_SEGIDX_BLOCK - 10, 1, 1, 1 };
	struct obs_segidx_entry b = { OBS_SEGIDX_BLOCK - 10, 10, 1, 2, 2 };
	struct obs_segidx_entry c = { OBS_SEGIDX_BLOCK, 10, 1, 3, 3 };

	write_segment(f, 1);
	assert_int_equal(obs_segidx_note(f->seg, f->ino, &a), 0);
	/* Exactly a block: merged; one byte more: a new entry. */
	assert_int_equal(obs_segidx_note(f->seg, f->ino, &b), 0);
	assert_int_equal(file_size(f->idx), 16 + 48);
	assert_int_equal(obs_segidx_note(f->seg, f->ino, &c), 0);
	assert_int_equal(file_size(f->idx), 16 + 2 * 48);
}

static void test_note_resets_other_inode_and_trims_torn_tail(void **state)
{
	struct fx *f = *state;
	struct obs_segidx_entry *e;
	size_t bad;
	int fd;

	write_segment(f, 10);
	assert_int_equal(note(f, 0, 2, 1, 1), 0);
	assert_int_equal(note(f, 5, 2, 2, 2), 0);
	/* A torn entry at the end (a writer killed mid-note) is cut off. */
	fd = open(f->idx, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "garbage", 7), 7);
	close(fd);
	assert_int_equal(note(f, 8, 1, 3, 3), 0);
	assert_int_equal(file_size(f->idx), 16 + 3 * 48);
	/* An index of another inode (the segment was replaced) starts over. */
	f->ino++;
	assert_int_equal(note(f, 0, 1, 4, 4), 0);
	assert_int_equal(file_size(f->idx), 16 + 48);
	assert_int_equal(load(f, &e, &bad), 1);
	assert_int_equal(e[0].min, 4);
	free(e);
	/* A file too short for a header starts over too. */
	assert_int_equal(truncate(f->idx, 5), 0);
	assert_int_equal(note(f, 0, 1, 5, 5), 0);
	assert_int_equal(file_size(f->idx), 16 + 48);
}

static void test_note_failures(void **state)
{
	struct fx *f = *state;
	char seg[160];
	struct obs_segidx_entry e = { 0, 10, 1, 1, 1 };

	snprintf(seg, sizeof(seg), "%s/missing/2026-11-24.ndjson", f->dir);
	errno = 0;
	assert_int_equal(obs_segidx_note(seg, 1, &e), -1);
	assert_int_equal(errno, ENOENT);
	/* A folder where the index should be. */
	write_segment(f, 1);
	assert_int_equal(mkdir(f->idx, 0700), 0);
	assert_int_equal(obs_segidx_note(f->seg, f->ino, &e), -1);
}

static void test_load_keeps_only_valid_entries(void **state)
{
	struct fx *f = *state;
	struct obs_segidx_entry *e;
	unsigned char byte;
	size_t bad;
	int fd;

	/* Missing: nothing, no error. */
	write_segment(f, 20);
	assert_int_equal(load(f, &e, &bad), 0);
	assert_null(e);
	assert_int_equal(note(f, 0, 2, 1, 1), 0);
	assert_int_equal(note(f, 4, 2, 2, 2), 0);
	assert_int_equal(note(f, 8, 2, 3, 3), 0);
	assert_int_equal(note(f, 15, 10, 4, 4), 0);  /* beyond the segment's 200 bytes */
	assert_int_equal(note(f, 12, 1, 5, 5), 0);   /* fine: the one before is left out */
	assert_int_equal(note(f, 11, 1, 6, 6), 0);   /* overlaps the previous one */
	/* Flip a byte of the second entry: its checksum fails. */
	fd = open(f->idx, O_RDWR);
	assert_int_equal(pread(fd, &byte, 1, 16 + 48 + 3), 1);
	byte ^= 1;
	assert_int_equal(pwrite(fd, &byte, 1, 16 + 48 + 3), 1);
	close(fd);
	assert_int_equal(load(f, &e, &bad), 3);
	assert_int_equal(bad, 3);
	assert_int_equal(e[0].min, 1);
	assert_int_equal(e[1].min, 3);
	assert_int_equal(e[2].min, 5);
	free(e);
	/* Another segment's index: none usable. */
	f->ino++;
	assert_int_equal(load(f, &e, &bad), 0);
	assert_int_equal(bad, 6);
}

static void test_load_errors(void **state)
{
	struct fx *f = *state;
	struct obs_segidx_entry *e;
	struct obs_error err;
	size_t n, bad;
	char longp[PATH_MAX + 8];

	write_segment(f, 1);
	/* Unreadable: a folder. */
	assert_int_equal(mkdir(f->idx, 0700), 0);
	assert_int_equal(obs_segidx_load(f->seg, f->ino, 10, &e, &n, &bad, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read"));
	assert_int_equal(rmdir(f->idx), 0);
	/* Oversized. */
	assert_int_equal(truncate(f->idx, 0) == 0 || errno == ENOENT, 1);
	{
		int fd = open(f->idx, O_WRONLY | O_CREAT, 0600);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, OBS_SEGIDX_MAX_FILE + 1), 0);
		close(fd);
	}
	assert_int_equal(obs_segidx_load(f->seg, f->ino, 10, &e, &n, &bad, &err), -1);
	assert_non_null(strstr(err.msg, "is larger than"));
	/* A name too long. */
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(obs_segidx_load(longp, 1, 10, &e, &n, &bad, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read the index of"));
}

static void test_plan(void **state)
{
	struct fx *f = *state;
	int stale;

	write_segment(f, 20);
	/* No index: the whole file. */
	assert_string_equal(plan(f, 0, 100, &stale), "0-/0");
	assert_int_equal(stale, 0);
	assert_int_equal(note(f, 0, 4, 10, 19), 0);
	assert_int_equal(note(f, 5, 3, 20, 29), 0);    /* line 4 is not noted */
	assert_int_equal(note(f, 9, 3, 30, 39), 0);    /* nor line 8 */
	assert_int_equal(note(f, 12, 4, 40, 49), 0);   /* merged into the previous one */
	/* [9,12) + [12,16) are one entry of 7 lines, 30..49; lines 16-19 not noted. */
	assert_string_equal(plan(f, 0, 100, &stale), "0-/0");
	/* Only the first block is in the window: the rest but the not-noted lines is skipped. */
	assert_string_equal(plan(f, 10, 19, &stale), "0-50/0 80-90/3 160-/7");
	/* Only the middle one. */
	assert_string_equal(plan(f, 25, 25, &stale), "40-90/4 160-/7");
	/* Bounds are inclusive at both ends. */
	assert_string_equal(plan(f, 29, 30, &stale), "40-/4");
	/* Nothing in the window: only what is not noted. */
	assert_string_equal(plan(f, 100, 200, &stale), "40-50/4 80-90/3 160-/7");
	assert_int_equal(stale, 0);
}

static void test_plan_consecutive_skips_collapse(void **state)
{
	struct fx *f = *state;
	int full = OBS_SEGIDX_BLOCK / 10, stale;

	/* A block's worth of lines, then 200 more: two entries back to back, then a tail. */
	write_segment(f, full + 300);
	assert_int_equal(note(f, 0, full, 1, 1), 0);
	assert_int_equal(note(f, full, 200, 5, 9), 0);
	assert_int_equal(file_size(f->idx), 16 + 2 * 48);
	assert_string_equal(plan(f, 100, 100, &stale), "1050570-/105057");
	assert_string_equal(plan(f, 5, 5, &stale), "1048570-/104857");
	assert_string_equal(plan(f, 1, 1, &stale), "0-1048570/0 1050570-/200");
	assert_int_equal(stale, 0);
}

static void test_plan_index_that_does_not_fit(void **state)
{
	struct fx *f = *state;
	struct obs_segidx_entry e = { 5, 10, 1, 1, 1 };  /* mid-line */
	int stale;

	write_segment(f, 3);
	assert_int_equal(obs_segidx_note(f->seg, f->ino, &e), 0);
	assert_string_equal(plan(f, 50, 60, &stale), "0-/0");
	assert_int_equal(stale, 1);
}

static void test_plan_fstat_fails(void **state)
{
	struct fx *f = *state;
	struct obs_segidx_range *r;
	struct obs_error err;
	size_t n;
	int stale;

	assert_int_equal(obs_segidx_plan(f->seg, -1, 0, 1, &r, &n, &stale, &err), -1);
	assert_null(r);
	assert_non_null(strstr(err.msg, "cannot read"));
}

static void test_check(void **state)
{
	struct fx *f = *state;
	struct obs_error err;
	size_t usable, bad, wrong;
	int fd;

	write_segment(f, 20);
	fd = open(f->seg, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(obs_segidx_check(f->seg, fd, &usable, &bad, &wrong, &err), 0);
	assert_int_equal(usable + bad + wrong, 0);
	assert_int_equal(note(f, 0, 4, 1, 1), 0);
	assert_int_equal(note(f, 10, 2, 1, 1), 0);
	assert_int_equal(obs_segidx_check(f->seg, fd, &usable, &bad, &wrong, &err), 0);
	assert_int_equal(usable, 2);
	assert_int_equal(wrong, 0);
	{
		/* A block that says 5 lines where there are 2, and one that starts mid-line. */
		struct obs_segidx_entry lie = { 150, 20, 5, 1, 1 }, mid = { 175, 10, 1, 1, 1 };

		assert_int_equal(obs_segidx_note(f->seg, f->ino, &lie), 0);
		assert_int_equal(obs_segidx_note(f->seg, f->ino, &mid), 0);
	}
	assert_int_equal(obs_segidx_check(f->seg, fd, &usable, &bad, &wrong, &err), 0);
	assert_int_equal(usable, 4);
	assert_int_equal(bad, 0);
	assert_int_equal(wrong, 2);
	close(fd);
	assert_int_equal(obs_segidx_check(f->seg, -1, &usable, &bad, &wrong, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read"));
}

/* Append a gzip member holding TEXT to PATH; its offset in *AT, the size after in *END. */
static void add_member(const char *path, const char *text, uint64_t *at, uint64_t *end)
{
	gzFile g;

	*at = (uint64_t)(file_size(path) < 0 ? 0 : file_size(path));
	g = gzopen(path, "ab");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text));
	assert_int_equal(gzclose(g), Z_OK);
	*end = (uint64_t)file_size(path);
}

static void test_gz_segment(void **state)
{
	struct fx *f = *state;
	struct obs_segidx_entry e[3];
	struct obs_segidx_range *r;
	struct obs_error err;
	char gz[160], idx[PATH_MAX];
	uint64_t at[3], end[3];
	size_t n, usable, bad, wrong;
	struct stat sb;
	int fd, stale;

	snprintf(gz, sizeof(gz), "%s.gz", f->seg);
	add_member(gz, "{\"h\":1}\n{\"h\":1}\n", &at[0], &end[0]);
	add_member(gz, "{\"h\":2}\n", &at[1], &end[1]);
	add_member(gz, "{\"h\":3}\n", &at[2], &end[2]);
	assert_int_equal(stat(gz, &sb), 0);
	e[0] = (struct obs_segidx_entry){ at[0], end[0] - at[0], 2, 10, 19 };
	e[1] = (struct obs_segidx_entry){ at[1], end[1] - at[1], 1, 20, 29 };
	e[2] = (struct obs_segidx_entry){ at[2], end[2] - at[2], 1, 30, 39 };
	assert_int_equal(obs_segidx_path(idx, gz), 0);
	assert_int_equal(obs_segidx_save(idx, sb.st_ino, e, 3, &err), 0);
	fd = open(gz, O_RDONLY);
	assert_true(fd >= 0);
	/* Members are the blocks: the plan skips whole members. */
	assert_int_equal(obs_segidx_plan(gz, fd, 20, 29, &r, &n, &stale, &err), 0);
	assert_int_equal(stale, 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].off, at[1]);
	assert_int_equal(r[0].end, at[2]);
	assert_int_equal(r[0].skipped_lines, 2);
	assert_int_equal(r[1].off, end[2]);
	assert_int_equal(r[1].skipped_lines, 1);
	free(r);
	assert_int_equal(obs_segidx_check(gz, fd, &usable, &bad, &wrong, &err), 0);
	assert_int_equal(usable, 3);
	assert_int_equal(wrong, 0);
	/* Wrong counts, a block that is not a member, one cut short: all wrong. */
	e[0].lines = 3;
	e[1].off = at[1] + 1;
	e[1].len = end[1] - at[1] - 1;
	e[2].len = end[2] - at[2] - 4;
	assert_int_equal(obs_segidx_save(idx, sb.st_ino, e, 3, &err), 0);
	assert_int_equal(obs_segidx_check(gz, fd, &usable, &bad, &wrong, &err), 0);
	assert_int_equal(usable, 3);
	assert_int_equal(wrong, 3);
	assert_int_equal(obs_segidx_plan(gz, fd, 100, 100, &r, &n, &stale, &err), 0);
	assert_int_equal(stale, 1);
	assert_int_equal(n, 1);
	free(r);
	/* One entry over two whole members counts both; a corrupt member is wrong. */
	e[0] = (struct obs_segidx_entry){ at[0], end[1] - at[0], 3, 10, 29 };
	assert_int_equal(obs_segidx_save(idx, sb.st_ino, e, 1, &err), 0);
	assert_int_equal(obs_segidx_check(gz, fd, &usable, &bad, &wrong, &err), 0);
	assert_int_equal(usable, 1);
	assert_int_equal(wrong, 0);
	close(fd);
	{
		unsigned char c;

		fd = open(gz, O_RDWR);
		assert_int_equal(pread(fd, &c, 1, (off_t)at[1] + 12), 1);
		c ^= 0xff;
		assert_int_equal(pwrite(fd, &c, 1, (off_t)at[1] + 12), 1);
	}
	assert_int_equal(obs_segidx_check(gz, fd, &usable, &bad, &wrong, &err), 0);
	assert_int_equal(wrong, 1);
	close(fd);
	unlink(idx);
	unlink(gz);
	/* Saving where it cannot be written. */
	snprintf(idx, sizeof(idx), "%s/missing/.x.idx", f->dir);
	assert_int_equal(obs_segidx_save(idx, 1, e, 3, &err), -1);
	assert_non_null(strstr(err.msg, "cannot create"));
}

static void test_remove(void **state)
{
	struct fx *f = *state;

	write_segment(f, 2);
	assert_int_equal(obs_segidx_remove(f->seg), 0);   /* none: fine */
	assert_int_equal(note(f, 0, 1, 1, 1), 0);
	assert_int_equal(obs_segidx_remove(f->seg), 0);
	assert_int_equal(file_size(f->idx), -1);
	assert_int_equal(mkdir(f->idx, 0700), 0);
	assert_int_equal(obs_segidx_remove(f->seg), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test_setup_teardown(test_note_merges_contiguous_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_block_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_resets_other_inode_and_trims_torn_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_note_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_keeps_only_valid_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_consecutive_skips_collapse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_index_that_does_not_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_fstat_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gz_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
