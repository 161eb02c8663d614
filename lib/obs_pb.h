/* SPDX-License-Identifier: MIT */
/* Protocol Buffers wire format: a growing-buffer writer and a bounded, validating reader. */
#ifndef OBS_PB_H
#define OBS_PB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "obs_error.h"

/*
 * Just the wire format (no schema, no reflection): the OTLP encoders and
 * decoders in obs_otlp.c know their messages' field numbers.
 *
 * Writer: fields are appended to one buffer. A nested message is opened
 * with obs_pb_begin (which reserves one byte for its length) and closed
 * with obs_pb_end, which writes the length and, when it needs more than
 * one byte, moves the message body up. So a message is written in one
 * pass, without computing sizes first; the moves cost a copy of each
 * message longer than 127 bytes, cheap next to producing it. Writing
 * never fails on the spot: running out of memory (or opening more than
 * OBS_PB_MAX_DEPTH messages, or closing one too many) sets a sticky flag
 * that obs_pb_writer_check reports, so encoders check once at the end.
 *
 * Reader: obs_pb_read returns one field at a time, its value decoded
 * according to its wire type; fields the caller does not know are simply
 * not looked at (that is how unknown fields are skipped). Everything is
 * bounded by the buffer: a varint longer than 10 bytes, a length past the
 * end, field number 0 or above 2^29-1, the group wire types (3, 4; not
 * used by proto3) and the undefined ones (6, 7) are errors. Sub-messages
 * are read with a sub-reader, at most OBS_PB_MAX_DEPTH deep.
 */

#define OBS_PB_MAX_DEPTH 200   /* room for OTLP's 64 levels of attribute values */
#define OBS_PB_MAX_FIELD 536870911u   /* 2^29 - 1 */

enum obs_pb_wire {
	OBS_PB_VARINT = 0,
	OBS_PB_I64 = 1,
	OBS_PB_LEN = 2,
	OBS_PB_I32 = 5,
};

/* ---- writer ----------------------------------------------------------- */

struct obs_pb_writer {
	uint8_t *buf;        /* the bytes written (owned) */
	size_t len;
	size_t cap;
	int failed;          /* out of memory or misuse since the last reset */
	int depth;           /* messages open */
	size_t open[OBS_PB_MAX_DEPTH];   /* where each open message's body starts */
};

/* An empty writer (allocates nothing until the first write). */
void obs_pb_writer_init(struct obs_pb_writer *w);
/* Free the buffer. */
void obs_pb_writer_release(struct obs_pb_writer *w);
/* Empty the writer, keeping its buffer for reuse; clears the failed flag. */
void obs_pb_writer_reset(struct obs_pb_writer *w);
/*
 * 0 if every write since the last reset succeeded and every message was
 * closed; otherwise -1 with err "out of memory", "protobuf messages nested
 * deeper than 200" or "unbalanced protobuf message".
 */
int obs_pb_writer_check(const struct obs_pb_writer *w, struct obs_error *err);
/* Drop everything after the first LEN bytes (LEN <= w->len; open messages are not touched). */
void obs_pb_writer_truncate(struct obs_pb_writer *w, size_t len);

/* Make room for N more bytes; 0, or -1 (and the failed flag) if out of memory. */
int obs_pb_grow(struct obs_pb_writer *w, size_t n);

static inline int obs_pb_room(struct obs_pb_writer *w, size_t n)
{
	return w->cap - w->len >= n ? 0 : obs_pb_grow(w, n);
}

/* Number of bytes of V as a varint (1 to 10). */
static inline size_t obs_pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Encode V as a varint at P (room for 10 bytes); returns the byte count. */
static inline size_t obs_pb_varint_encode(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* A bare varint (no tag). */
static inline void obs_pb_put_varint(struct obs_pb_writer *w, uint64_t v)
{
	if (obs_pb_room(w, 10) < 0)
		return;
	w->len += obs_pb_varint_encode(w->buf + w->len, v);
}

/* The key of field FIELD with wire type WIRE. */
static inline void obs_pb_put_tag(struct obs_pb_writer *w, uint32_t field, enum obs_pb_wire wire)
{
	obs_pb_put_varint(w, ((uint64_t)field << 3) | (uint64_t)wire);
}

/* Bytes written as they are (pre-encoded fields). */
static inline void obs_pb_put_raw(struct obs_pb_writer *w, const void *data, size_t len)
{
	if (!len || obs_pb_room(w, len) < 0)
		return;
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

/*
 * Fields. The writer always writes what it is given (proto3's "omit
 * default values" is the caller's choice). int64 and enum values are
 * written as their two's complement uint64, as protobuf does.
 */
static inline void obs_pb_put_uint64(struct obs_pb_writer *w, uint32_t field, uint64_t v)
{
	obs_pb_put_tag(w, field, OBS_PB_VARINT);
	obs_pb_put_varint(w, v);
}

static inline void obs_pb_put_bool(struct obs_pb_writer *w, uint32_t field, int v)
{
	obs_pb_put_uint64(w, field, v ? 1 : 0);
}

static inline void obs_pb_put_fixed64(struct obs_pb_writer *w, uint32_t field, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	obs_pb_put_tag(w, field, OBS_PB_I64);
	obs_pb_put_raw(w, b, 8);
}

static inline void obs_pb_put_fixed32(struct obs_pb_writer *w, uint32_t field, uint32_t v)
{
	uint8_t b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	obs_pb_put_tag(w, field, OBS_PB_I32);
	obs_pb_put_raw(w, b, 4);
}

static inline void obs_pb_put_double(struct obs_pb_writer *w, uint32_t field, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	obs_pb_put_fixed64(w, field, v);
}

/* A length-delimited field: bytes, a string, or a message encoded elsewhere. */
static inline void obs_pb_put_bytes(struct obs_pb_writer *w, uint32_t field, const void *data,
				    size_t len)
{
	obs_pb_put_tag(w, field, OBS_PB_LEN);
	obs_pb_put_varint(w, len);
	obs_pb_put_raw(w, data, len);
}

static inline void obs_pb_put_string(struct obs_pb_writer *w, uint32_t field, const char *s)
{
	obs_pb_put_bytes(w, field, s, strlen(s));
}

/* Open a nested message (or any length-delimited field) as field FIELD. */
void obs_pb_begin(struct obs_pb_writer *w, uint32_t field);
/* Close the innermost open message, writing its length. */
void obs_pb_end(struct obs_pb_writer *w);

/*
 * Hand the buffer to the caller (free() it), leaving W empty; *len gets
 * its length. NULL if the writer failed (then W is reset) or is empty.
 */
uint8_t *obs_pb_writer_detach(struct obs_pb_writer *w, size_t *len);

/* ---- reader ----------------------------------------------------------- */

struct obs_pb_reader {
	const uint8_t *p;      /* next byte */
	const uint8_t *end;    /* end of this message */
	const uint8_t *base;   /* start of the outermost message (for offsets) */
	int depth;             /* 0 for the outermost message */
};

struct obs_pb_field {
	uint32_t num;              /* field number */
	enum obs_pb_wire wire;
	uint64_t u64;              /* VARINT, I64 and I32 values (I32 zero-extended) */
	const uint8_t *data;       /* LEN: the bytes (borrowed from the buffer) */
	size_t len;
	size_t offset;             /* where the field's key starts, from 0 */
};

/* Read the LEN bytes at DATA (borrowed; must outlive the reader) as one message. */
void obs_pb_reader_init(struct obs_pb_reader *r, const void *data, size_t len);

/*
 * Read the next field into F. Returns 1, 0 at the end of the message, or
 * -1 with err: "truncated protobuf at byte N", "invalid varint at byte N",
 * "invalid field number 0 at byte N", "unsupported wire type 3 at byte N"
 * (bytes counted from 1 in the outermost buffer).
 */
int obs_pb_read(struct obs_pb_reader *r, struct obs_pb_field *f, struct obs_error *err);

/*
 * A reader for the message in LEN field F, one level deeper than R. -1
 * with err if F is not length-delimited ("field 2 at byte 5: wire type 0,
 * expected 2") or the nesting is deeper than OBS_PB_MAX_DEPTH.
 */
int obs_pb_reader_sub(const struct obs_pb_reader *r, const struct obs_pb_field *f,
		      struct obs_pb_reader *sub, struct obs_error *err);

/* 0 if F has wire type WIRE, else -1 with err as above. */
int obs_pb_expect(const struct obs_pb_field *f, enum obs_pb_wire wire, struct obs_error *err);

/* F's I64 value as a double. */
double obs_pb_double(const struct obs_pb_field *f);

/*
 * Elements of a repeated fixed64/double field, packed (one LEN field whose
 * length is a multiple of 8) or not (one I64 field): *count elements, read
 * with obs_pb_packed64_at. -1 with err if F is neither.
 */
int obs_pb_packed64(const struct obs_pb_field *f, size_t *count, struct obs_error *err);
uint64_t obs_pb_packed64_at(const struct obs_pb_field *f, size_t i);

#endif
