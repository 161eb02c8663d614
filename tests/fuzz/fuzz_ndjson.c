/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the NDJSON reader: lines must match a reference splitter, plain or gzip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "obs_ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The first byte picks the settings:
 *   bit 0  obs_ndjson_next instead of obs_ndjson_next_line
 *   bit 1  strict
 *   bit 2  feed the rest gzip-compressed
 *   bits 3-4  max_line: 8, 100, 5000 or the default
 *   bit 5  max_decompressed of 1000 bytes
 *   bit 6  keep_long: over-long lines come back cut
 */
static const size_t max_lines[4] = { 8, 100, 5000, 0 };

static void check_warn(void *ctx, const char *msg)
{
	(void)ctx;
	if (strncmp(msg, "fuzz:", 5) != 0)
		abort();
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_gzip(int fd, const uint8_t *data, size_t size)
{
	unsigned char out[16384];
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)size;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		ret = deflate(&zs, Z_FINISH);
		if (write_all(fd, out, sizeof(out) - zs.avail_out) < 0) {
			deflateEnd(&zs);
			return -1;
		}
	} while (ret == Z_OK);
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -1;
}

/* The reference: the whole input in memory, the same line rules. */
struct ref {
	const uint8_t *p, *end;
	size_t max_line;
	int keep_long;
};

/* Where keep_long cuts a line: at MAX, or before a UTF-8 character the cut would split. */
static size_t ref_cut(const uint8_t *p, size_t max)
{
	size_t n = max, back = 0;

	while (n > 0 && back < 3 && (p[n] & 0xc0) == 0x80) {
		n--;
		back++;
	}
	if ((back == 3 && (p[n] & 0xc0) == 0x80) || (back && p[n] < 0xc0))
		n = max;
	return n;
}

/* Next line the reader must return, or NULL at the end; *skipped counts long ones. */
static const uint8_t *ref_next(struct ref *rf, size_t *len, unsigned long *skipped)
{
	while (rf->p < rf->end) {
		const uint8_t *start = rf->p, *nl = memchr(start, '\n', (size_t)(rf->end - start));
		size_t n = nl ? (size_t)(nl - start) : (size_t)(rf->end - start), i;
		int blank = 1;

		rf->p = nl ? nl + 1 : rf->end;
		if (n && start[n - 1] == '\r')
			n--;
		if (n > rf->max_line && rf->keep_long) {
			*len = ref_cut(start, rf->max_line);
			return start;
		}
		if (n > rf->max_line) {
			(*skipped)++;
			continue;
		}
		for (i = 0; i < n && blank; i++)
			blank = start[i] == ' ' || start[i] == '\t' || start[i] == '\r';
		if (blank)
			continue;
		*len = n;
		return start;
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_ndjson_reader r;
	struct obs_error err;
	struct ref rf;
	unsigned long ref_skipped = 0, calls = 0;
	int fd, mode, rc, gz, compare;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	gz = (mode & 4) != 0;

	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if ((gz ? write_gzip(fd, data, size) : write_all(fd, data, size)) < 0 ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	if (obs_ndjson_fdopen(&r, fd, 1, "fuzz", &err) < 0)
		abort();
	r.strict = (mode & 2) != 0;
	r.max_line = max_lines[(mode >> 3) & 3];
	if (mode & 32)
		r.max_decompressed = 1000;
	r.keep_long = (mode & 64) != 0;
	r.warn = check_warn;

	/*
	 * Line by line against the reference in the plain reading mode; a
	 * plain input that starts with the gzip magic is gzip to the reader.
	 */
	compare = !(mode & 1) && !r.strict &&
		  (gz || size < 2 || data[0] != 0x1f || data[1] != 0x8b);
	rf.p = data;
	rf.end = data + size;
	rf.max_line = r.max_line ? r.max_line : OBS_NDJSON_MAX_LINE;
	rf.keep_long = r.keep_long;

	for (;;) {
		/* Every call uses up a line or ends: more calls than lines is a loop. */
		if (++calls > size + 3)
			abort();
		if (mode & 1) {
			json_t *obj;

			rc = obs_ndjson_next(&r, &obj, &err);
			if (rc == 1) {
				if (!json_is_object(obj))
					abort();
				json_decref(obj);
			}
		} else {
			const char *line;
			size_t len;

			rc = obs_ndjson_next_line(&r, &line, &len, &err);
			if (rc == 1) {
				if (line[len] != '\0' || len == 0 || len > rf.max_line ||
				    memchr(line, '\n', len))
					abort();
				if (compare) {
					size_t want_len;
					const uint8_t *want = ref_next(&rf, &want_len, &ref_skipped);

					if (!want || want_len != len || memcmp(want, line, len) != 0)
						abort();
				}
			}
		}
		if (rc == 0)
			break;
		if (rc < 0) {
			if (err.msg[0] == '\0')
				abort();
			/* Strict mode may go on after a bad line; read errors stick. */
			if (!r.strict || r.eof < 0)
				break;
		}
	}
	if (compare) {
		if (rc == 0) {
			size_t len;

			/* Everything the reference has was returned; skips agree. */
			if (ref_next(&rf, &len, &ref_skipped) != NULL || ref_skipped != r.skipped)
				abort();
			if (obs_ndjson_next_line(&r, &(const char *){ NULL }, NULL, &err) != 0)
				abort();
		} else if (!(mode & 32) || !gz) {
			/* Only the decompression limit may stop a well-formed stream. */
			abort();
		}
	}
	obs_ndjson_close(&r);
	return 0;
}
