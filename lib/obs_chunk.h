/* SPDX-License-Identifier: MIT */
/* Compressed chunks of (time, value) samples: delta-of-delta times and XOR-ed values, as Gorilla. */
#ifndef OBS_CHUNK_H
#define OBS_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#define OBS_CHUNK_SAMPLES 120

/*
 * Up to OBS_CHUNK_SAMPLES samples in a bit stream. Times may go backwards
 * (they are encoded as signed deltas); min_t/max_t cover all of them.
 * Regular times and slowly changing values take one or two bytes per
 * sample.
 */
struct obs_chunk {
	int64_t min_t, max_t;
	int64_t last_t;
	double last_v;
	uint32_t n;           /* samples */
	uint32_t nbits;       /* bits used */
	uint32_t cap;         /* bytes allocated for data */
	/* Appender state. */
	int64_t prev_delta;
	uint64_t prev_bits;
	uint8_t lead, trail;  /* XOR window of the previous value; lead 0xff: none yet */
	uint8_t *data;
};

/* New empty chunk; NULL when out of memory. */
struct obs_chunk *obs_chunk_new(void);
/* Set up an empty chunk in place (no allocation until the first append). */
void obs_chunk_init(struct obs_chunk *c);
void obs_chunk_free(struct obs_chunk *c);
/* Append a sample; -1 when out of memory or the chunk is full. */
int obs_chunk_append(struct obs_chunk *c, int64_t t, double v);
/* Give back unused space (after the last append). */
void obs_chunk_shrink(struct obs_chunk *c);
/* Bytes used by the chunk, header included. */
size_t obs_chunk_size(const struct obs_chunk *c);

/* Sequential reader. */
struct obs_chunk_iter {
	const struct obs_chunk *c;
	uint32_t pos;         /* bit position */
	uint32_t i;           /* samples read */
	int64_t t, delta;
	uint64_t bits;
	uint8_t lead, trail;
};

void obs_chunk_iter_init(struct obs_chunk_iter *it, const struct obs_chunk *c);
/* Next sample: 1 with *t and *v set, 0 at the end. */
int obs_chunk_iter_next(struct obs_chunk_iter *it, int64_t *t, double *v);

#endif
