/* SPDX-License-Identifier: MIT */
/* Protocol Buffers wire format: a growing-buffer writer and a bounded, validating reader. */
#include "obs_pb.h"

#include <stdlib.h>

/* ---- writer ----------------------------------------------------------- */

void obs_pb_writer_init(struct obs_pb_writer *w)
{
	w->buf = NULL;
	w->len = w->cap = 0;
	w->failed = 0;
	w->depth = 0;
}

void obs_pb_writer_release(struct obs_pb_writer *w)
{
	free(w->buf);
	obs_pb_writer_init(w);
}

void obs_pb_writer_reset(struct obs_pb_writer *w)
{
	w->len = 0;
	w->failed = 0;
	w->depth = 0;
}

int obs_pb_writer_check(const struct obs_pb_writer *w, struct obs_error *err)
{
	if (w->failed == 1)
		return obs_error_set(err, "out of memory");
	if (w->failed == 2)
		return obs_error_set(err, "protobuf messages nested deeper than %d",
				     OBS_PB_MAX_DEPTH);
	if (w->failed || w->depth)
		return obs_error_set(err, "unbalanced protobuf message");
	return 0;
}

void obs_pb_writer_truncate(struct obs_pb_writer *w, size_t len)
{
	if (len < w->len)
		w->len = len;
}

int obs_pb_grow(struct obs_pb_writer *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 256;
	uint8_t *p;

	if (w->failed)
		return -1;
	if (n > SIZE_MAX / 2 - w->len) {
		w->failed = 1;
		return -1;
	}
	while (cap - w->len < n)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p) {
		w->failed = 1;
		return -1;
	}
	w->buf = p;
	w->cap = cap;
	return 0;
}

void obs_pb_begin(struct obs_pb_writer *w, uint32_t field)
{
	if (w->depth >= OBS_PB_MAX_DEPTH) {
		if (!w->failed)
			w->failed = 2;
		return;
	}
	obs_pb_put_tag(w, field, OBS_PB_LEN);
	if (obs_pb_room(w, 1) < 0)
		return;
	/* One byte for the length: most nested messages are short. */
	w->buf[w->len++] = 0;
	w->open[w->depth++] = w->len;
}

void obs_pb_end(struct obs_pb_writer *w)
{
	size_t start, body, n;

	if (w->depth <= 0) {
		if (!w->failed)
			w->failed = 3;
		return;
	}
	start = w->open[--w->depth];
	if (w->failed)
		return;
	body = w->len - start;
	n = obs_pb_varint_size(body);
	if (n > 1) {
		if (obs_pb_room(w, n - 1) < 0)
			return;
		memmove(w->buf + start + n - 1, w->buf + start, body);
		w->len += n - 1;
	}
	obs_pb_varint_encode(w->buf + start - 1, body);
}

uint8_t *obs_pb_writer_detach(struct obs_pb_writer *w, size_t *len)
{
	uint8_t *p = w->buf;

	*len = 0;
	if (w->failed || w->depth || !w->len) {
		obs_pb_writer_reset(w);
		return NULL;
	}
	*len = w->len;
	obs_pb_writer_init(w);
	return p;
}

/* ---- reader ----------------------------------------------------------- */

void obs_pb_reader_init(struct obs_pb_reader *r, const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
	r->base = r->p;
	r->depth = 0;
}

static size_t at(const struct obs_pb_reader *r, const uint8_t *p)
{
	return (size_t)(p - r->base) + 1;
}

/* A varint at *P (before END) into *V, advancing *P. 0, -1 truncated, -2 invalid. */
static int varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (p >= end)
			return -1;
		b = *p++;
		/* The tenth byte may only hold bit 63. */
		if (shift == 63 && b > 1)
			return -2;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			*pp = p;
			return 0;
		}
	}
	return -2;
}

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int obs_pb_read(struct obs_pb_reader *r, struct obs_pb_field *f, struct obs_error *err)
{
	const uint8_t *p = r->p, *start = r->p;
	uint64_t key = 0, n = 0;
	int rc;

	if (p >= r->end)
		return 0;
	f->offset = (size_t)(start - r->base);
	rc = varint(&p, r->end, &key);
	if (rc == -1)
		return obs_error_set(err, "truncated protobuf at byte %zu", at(r, start));
	if (rc < 0 || key > ((uint64_t)OBS_PB_MAX_FIELD << 3 | 7))
		return obs_error_set(err, "invalid field key at byte %zu", at(r, start));
	f->num = (uint32_t)(key >> 3);
	f->wire = (enum obs_pb_wire)(key & 7);
	f->u64 = 0;
	f->data = NULL;
	f->len = 0;
	if (f->num == 0)
		return obs_error_set(err, "invalid field number 0 at byte %zu", at(r, start));
	switch ((int)f->wire) {
	case OBS_PB_VARINT:
		rc = varint(&p, r->end, &f->u64);
		if (rc == -1)
			return obs_error_set(err, "truncated protobuf at byte %zu", at(r, start));
		if (rc < 0)
			return obs_error_set(err, "invalid varint at byte %zu", at(r, start));
		break;
	case OBS_PB_I64:
	case OBS_PB_I32:
		n = f->wire == OBS_PB_I64 ? 8 : 4;
		if ((size_t)(r->end - p) < n)
			return obs_error_set(err, "truncated protobuf at byte %zu", at(r, start));
		f->u64 = le(p, (int)n);
		p += n;
		break;
	case OBS_PB_LEN:
		rc = varint(&p, r->end, &n);
		if (rc == -1)
			return obs_error_set(err, "truncated protobuf at byte %zu", at(r, start));
		if (rc < 0)
			return obs_error_set(err, "invalid varint at byte %zu", at(r, start));
		if (n > (uint64_t)(r->end - p))
			return obs_error_set(err, "truncated protobuf at byte %zu", at(r, start));
		f->data = p;
		f->len = (size_t)n;
		p += n;
		break;
	default:
		return obs_error_set(err, "unsupported wire type %d at byte %zu", (int)f->wire,
				     at(r, start));
	}
	r->p = p;
	return 1;
}

int obs_pb_expect(const struct obs_pb_field *f, enum obs_pb_wire wire, struct obs_error *err)
{
	if (f->wire == wire)
		return 0;
	return obs_error_set(err, "field %u at byte %zu: wire type %d, expected %d", f->num,
			     f->offset + 1, (int)f->wire, (int)wire);
}

int obs_pb_reader_sub(const struct obs_pb_reader *r, const struct obs_pb_field *f,
		      struct obs_pb_reader *sub, struct obs_error *err)
{
	if (obs_pb_expect(f, OBS_PB_LEN, err) < 0)
		return -1;
	if (r->depth + 1 >= OBS_PB_MAX_DEPTH)
		return obs_error_set(err, "protobuf messages nested deeper than %d at byte %zu",
				     OBS_PB_MAX_DEPTH, f->offset + 1);
	sub->p = f->data;
	sub->end = f->data + f->len;
	sub->base = r->base;
	sub->depth = r->depth + 1;
	return 0;
}

double obs_pb_double(const struct obs_pb_field *f)
{
	double d;

	memcpy(&d, &f->u64, sizeof(d));
	return d;
}

int obs_pb_packed64(const struct obs_pb_field *f, size_t *count, struct obs_error *err)
{
	if (f->wire == OBS_PB_I64) {
		*count = 1;
		return 0;
	}
	if (f->wire == OBS_PB_LEN && f->len % 8 == 0) {
		*count = f->len / 8;
		return 0;
	}
	*count = 0;
	if (f->wire == OBS_PB_LEN)
		return obs_error_set(err, "field %u at byte %zu: packed length %zu is not a "
				     "multiple of 8", f->num, f->offset + 1, f->len);
	return obs_pb_expect(f, OBS_PB_I64, err);
}

uint64_t obs_pb_packed64_at(const struct obs_pb_field *f, size_t i)
{
	if (f->wire == OBS_PB_I64)
		return f->u64;
	return le(f->data + 8 * i, 8);
}
