/* SPDX-License-Identifier: MIT */
/* Unit tests for obs_pb: protobuf wire-format writer and reader, exact bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "obs_pb.h"

static void assert_bytes(const struct obs_pb_writer *w, const uint8_t *want, size_t n)
{
	assert_int_equal(w->len, n);
	assert_memory_equal(w->buf, want, n);
}

static void test_varints(void **state)
{
	static const struct {
		uint64_t v;
		uint8_t b[10];
		size_t n;
	} cases[] = {
		{ 0, { 0x00 }, 1 },
		{ 1, { 0x01 }, 1 },
		{ 127, { 0x7f }, 1 },
		{ 128, { 0x80, 0x01 }, 2 },
		{ 300, { 0xac, 0x02 }, 2 },
		{ 16383, { 0xff, 0x7f }, 2 },
		{ 16384, { 0x80, 0x80, 0x01 }, 3 },
		{ UINT64_MAX, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10 },
	};
	struct obs_pb_writer w;
	size_t i;

	(void)state;
	obs_pb_writer_init(&w);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		obs_pb_writer_reset(&w);
		obs_pb_put_varint(&w, cases[i].v);
		assert_bytes(&w, cases[i].b, cases[i].n);
		assert_int_equal(obs_pb_varint_size(cases[i].v), cases[i].n);
	}
	obs_pb_writer_release(&w);
}

static void test_fields(void **state)
{
	/* The examples of the protobuf encoding guide, and the fixed-width types. */
	static const uint8_t want[] = {
		0x08, 0x96, 0x01,                                           /* 1: 150 */
		0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',              /* 2: "testing" */
		0x19, 0x01, 0, 0, 0, 0, 0, 0, 0x80,                         /* 3: fixed64 */
		0x25, 0x04, 0x03, 0x02, 0x01,                               /* 4: fixed32 */
		0x29, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,                         /* 5: double 1.5 */
		0x30, 0x01, 0x30, 0x00,                                     /* 6: true, false */
		0x3a, 0x00,                                                 /* 7: "" */
		0xf8, 0xff, 0xff, 0xff, 0x0f, 0x05,                         /* 2^29-1: 5 */
		0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* 8: -1 */
		0xaa, 0xbb,                                                 /* raw */
	};
	struct obs_pb_writer w;
	struct obs_error err;

	(void)state;
	obs_pb_writer_init(&w);
	obs_pb_put_uint64(&w, 1, 150);
	obs_pb_put_string(&w, 2, "testing");
	obs_pb_put_fixed64(&w, 3, 0x8000000000000001ULL);
	obs_pb_put_fixed32(&w, 4, 0x01020304);
	obs_pb_put_double(&w, 5, 1.5);
	obs_pb_put_bool(&w, 6, 7);
	obs_pb_put_bool(&w, 6, 0);
	obs_pb_put_bytes(&w, 7, NULL, 0);
	obs_pb_put_uint64(&w, OBS_PB_MAX_FIELD, 5);
	obs_pb_put_uint64(&w, 8, (uint64_t)(int64_t)-1);
	obs_pb_put_raw(&w, "\xaa\xbb", 2);
	obs_pb_put_raw(&w, "", 0);
	assert_bytes(&w, want, sizeof(want));
	assert_int_equal(obs_pb_writer_check(&w, &err), 0);
	obs_pb_writer_release(&w);
}

static void test_nested(void **state)
{
	static const uint8_t small[] = { 0x1a, 0x03, 0x08, 0x96, 0x01 };
	struct obs_pb_writer w;
	struct obs_error err;
	uint8_t big[200], *p;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	obs_pb_writer_init(&w);
	obs_pb_begin(&w, 3);
	obs_pb_put_uint64(&w, 1, 150);
	obs_pb_end(&w);
	assert_bytes(&w, small, sizeof(small));

	/* A body of 203 bytes needs a two-byte length: the body moves up one. */
	obs_pb_writer_reset(&w);
	obs_pb_begin(&w, 1);
	obs_pb_begin(&w, 2);
	obs_pb_put_bytes(&w, 3, big, sizeof(big));
	obs_pb_end(&w);
	obs_pb_begin(&w, 4);
	obs_pb_end(&w);
	obs_pb_end(&w);
	assert_int_equal(obs_pb_writer_check(&w, &err), 0);
	assert_int_equal(w.len, 3 + 3 + 3 + 200 + 2);
	assert_int_equal(w.buf[0], 0x0a);
	assert_int_equal(w.buf[1], 0xd0);      /* 208 = 3 + 203 + 2 */
	assert_int_equal(w.buf[2], 0x01);
	assert_int_equal(w.buf[3], 0x12);
	assert_int_equal(w.buf[4], 0xcb);      /* 203 */
	assert_int_equal(w.buf[5], 0x01);
	assert_int_equal(w.buf[6], 0x1a);
	assert_int_equal(w.buf[7], 0xc8);      /* 200 */
	assert_int_equal(w.buf[8], 0x01);
	assert_memory_equal(w.buf + 9, big, sizeof(big));
	assert_int_equal(w.buf[209], 0x22);
	assert_int_equal(w.buf[210], 0x00);

	p = obs_pb_writer_detach(&w, &len);
	assert_non_null(p);
	assert_int_equal(len, 211);
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
	free(p);
	/* Nothing written: nothing to detach. */
	assert_null(obs_pb_writer_detach(&w, &len));
	assert_int_equal(len, 0);
	obs_pb_writer_release(&w);
}

static void test_writer_misuse(void **state)
{
	struct obs_pb_writer w;
	struct obs_error err;
	size_t len;
	int i;

	(void)state;
	obs_pb_writer_init(&w);
	for (i = 0; i < OBS_PB_MAX_DEPTH + 1; i++)
		obs_pb_begin(&w, 1);
	assert_int_equal(obs_pb_writer_check(&w, &err), -1);
	assert_string_equal(err.msg, "protobuf messages nested deeper than 200");
	assert_null(obs_pb_writer_detach(&w, &len));

	obs_pb_writer_reset(&w);
	obs_pb_end(&w);
	assert_int_equal(obs_pb_writer_check(&w, &err), -1);
	assert_string_equal(err.msg, "unbalanced protobuf message");

	obs_pb_writer_reset(&w);
	obs_pb_begin(&w, 1);
	assert_int_equal(obs_pb_writer_check(&w, &err), -1);
	assert_string_equal(err.msg, "unbalanced protobuf message");
	assert_null(obs_pb_writer_detach(&w, &len));

	obs_pb_writer_reset(&w);
	w.failed = 1;
	assert_int_equal(obs_pb_writer_check(&w, &err), -1);
	assert_string_equal(err.msg, "out of memory");
	assert_int_equal(obs_pb_grow(&w, 1), -1);
	obs_pb_begin(&w, 1);
	obs_pb_end(&w);
	assert_int_equal(w.failed, 1);

	obs_pb_writer_reset(&w);
	obs_pb_put_uint64(&w, 1, 1);
	obs_pb_put_uint64(&w, 2, 2);
	obs_pb_writer_truncate(&w, 2);
	obs_pb_writer_truncate(&w, 9);
	assert_int_equal(w.len, 2);
	/* Growing past what a size_t can hold fails cleanly. */
	assert_int_equal(obs_pb_grow(&w, SIZE_MAX - 4), -1);
	assert_int_equal(w.failed, 1);
	obs_pb_writer_release(&w);
}

/* ---- reader ---- */

static int read_all(const void *data, size_t len, struct obs_error *err)
{
	struct obs_pb_reader r;
	struct obs_pb_field f;
	int rc;

	obs_pb_reader_init(&r, data, len);
	while ((rc = obs_pb_read(&r, &f, err)) > 0)
		;
	return rc;
}

static void test_reader(void **state)
{
	struct obs_pb_writer w;
	struct obs_pb_reader r, sub;
	struct obs_pb_field f, g;
	struct obs_error err;

	(void)state;
	obs_pb_writer_init(&w);
	obs_pb_put_uint64(&w, 1, 150);
	obs_pb_put_string(&w, 2, "testing");
	obs_pb_put_fixed64(&w, 3, 0x8000000000000001ULL);
	obs_pb_put_fixed32(&w, 4, 0xfffffffe);
	obs_pb_put_double(&w, 5, -2.25);
	obs_pb_begin(&w, 6);
	obs_pb_put_uint64(&w, 7, UINT64_MAX);
	obs_pb_end(&w);
	obs_pb_put_uint64(&w, OBS_PB_MAX_FIELD, 1);

	obs_pb_reader_init(&r, w.buf, w.len);
	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(f.num, 1);
	assert_int_equal(f.wire, OBS_PB_VARINT);
	assert_int_equal(f.u64, 150);
	assert_int_equal(f.offset, 0);
	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(f.num, 2);
	assert_int_equal(f.wire, OBS_PB_LEN);
	assert_int_equal(f.len, 7);
	assert_memory_equal(f.data, "testing", 7);
	assert_int_equal(obs_pb_expect(&f, OBS_PB_LEN, &err), 0);
	assert_int_equal(obs_pb_expect(&f, OBS_PB_VARINT, &err), -1);
	assert_string_equal(err.msg, "field 2 at byte 4: wire type 2, expected 0");
	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(f.wire, OBS_PB_I64);
	assert_true(f.u64 == 0x8000000000000001ULL);
	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(f.wire, OBS_PB_I32);
	assert_true(f.u64 == 0xfffffffeULL);
	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_true(obs_pb_double(&f) == -2.25);
	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(f.num, 6);
	assert_int_equal(obs_pb_reader_sub(&r, &f, &sub, &err), 0);
	assert_int_equal(sub.depth, 1);
	assert_int_equal(obs_pb_read(&sub, &g, &err), 1);
	assert_int_equal(g.num, 7);
	assert_true(g.u64 == UINT64_MAX);
	assert_int_equal(g.offset, f.offset + 2);
	assert_int_equal(obs_pb_read(&sub, &g, &err), 0);
	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(f.num, OBS_PB_MAX_FIELD);
	assert_int_equal(obs_pb_reader_sub(&r, &f, &sub, &err), -1);
	assert_string_equal(err.msg, "field 536870911 at byte 49: wire type 0, expected 2");
	assert_int_equal(obs_pb_read(&r, &f, &err), 0);
	assert_int_equal(obs_pb_read(&r, &f, &err), 0);
	obs_pb_writer_release(&w);

	/* An empty message. */
	assert_int_equal(read_all("", 0, &err), 0);
}

static void test_reader_errors(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *msg;
	} cases[] = {
		{ "\x08", 1, "truncated protobuf at byte 1" },
		{ "\x08\x80", 2, "truncated protobuf at byte 1" },
		{ "\x80", 1, "truncated protobuf at byte 1" },
		{ "\x08\x01\x12\x05" "abc", 7, "truncated protobuf at byte 3" },
		{ "\x12\x80", 2, "truncated protobuf at byte 1" },
		{ "\x09\x01\x02\x03", 4, "truncated protobuf at byte 1" },
		{ "\x0d\x01\x02\x03", 4, "truncated protobuf at byte 1" },
		{ "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11, "invalid varint at byte 1" },
		{ "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, "invalid varint at byte 1" },
		{ "\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11, "invalid varint at byte 1" },
		{ "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10, "invalid field key at byte 1" },
		{ "\x80\x80\x80\x80\x80\x01", 6, "invalid field key at byte 1" },
		{ "\x00\x01", 2, "invalid field number 0 at byte 1" },
		{ "\x08\x01\x0b", 3, "unsupported wire type 3 at byte 3" },
		{ "\x0c", 1, "unsupported wire type 4 at byte 1" },
		{ "\x0e", 1, "unsupported wire type 6 at byte 1" },
		{ "\x0f", 1, "unsupported wire type 7 at byte 1" },
	};
	struct obs_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(read_all(cases[i].bytes, cases[i].len, &err), -1);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

static void test_depth(void **state)
{
	struct obs_pb_writer w;
	struct obs_pb_reader r[OBS_PB_MAX_DEPTH + 2];
	struct obs_pb_field f;
	struct obs_error err;
	int i;

	(void)state;
	obs_pb_writer_init(&w);
	for (i = 0; i < OBS_PB_MAX_DEPTH; i++)
		obs_pb_begin(&w, 1);
	for (i = 0; i < OBS_PB_MAX_DEPTH; i++)
		obs_pb_end(&w);
	assert_int_equal(obs_pb_writer_check(&w, NULL), 0);
	obs_pb_reader_init(&r[0], w.buf, w.len);
	for (i = 0; i < OBS_PB_MAX_DEPTH - 1; i++) {
		assert_int_equal(obs_pb_read(&r[i], &f, &err), 1);
		assert_int_equal(obs_pb_reader_sub(&r[i], &f, &r[i + 1], &err), 0);
	}
	assert_int_equal(obs_pb_read(&r[i], &f, &err), 1);
	assert_int_equal(obs_pb_reader_sub(&r[i], &f, &r[i + 1], &err), -1);
	assert_string_equal(err.msg, "protobuf messages nested deeper than 200 at byte 535");
	obs_pb_writer_release(&w);
}

static void test_packed(void **state)
{
	struct obs_pb_writer w;
	struct obs_pb_reader r;
	struct obs_pb_field f;
	struct obs_error err;
	uint8_t packed[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f };
	size_t n;
	double d;
	uint64_t u;

	(void)state;
	obs_pb_writer_init(&w);
	obs_pb_put_bytes(&w, 6, packed, 16);
	obs_pb_put_fixed64(&w, 6, 7);
	obs_pb_put_bytes(&w, 6, packed, 5);
	obs_pb_put_uint64(&w, 6, 1);
	obs_pb_reader_init(&r, w.buf, w.len);

	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(obs_pb_packed64(&f, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(obs_pb_packed64_at(&f, 0), 1);
	u = obs_pb_packed64_at(&f, 1);
	memcpy(&d, &u, 8);
	assert_true(d == 1.0);

	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(obs_pb_packed64(&f, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(obs_pb_packed64_at(&f, 0), 7);

	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(obs_pb_packed64(&f, &n, &err), -1);
	assert_int_equal(n, 0);
	assert_string_equal(err.msg, "field 6 at byte 28: packed length 5 is not a multiple of 8");

	assert_int_equal(obs_pb_read(&r, &f, &err), 1);
	assert_int_equal(obs_pb_packed64(&f, &n, &err), -1);
	assert_string_equal(err.msg, "field 6 at byte 35: wire type 0, expected 1");
	obs_pb_writer_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varints),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_packed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
