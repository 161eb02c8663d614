/* SPDX-License-Identifier: MIT */
/* Compressed chunks of (time, value) samples: delta-of-delta times and XOR-ed values, as Gorilla. */
#include "obs_chunk.h"

#include <stdlib.h>
#include <string.h>

void obs_chunk_init(struct obs_chunk *c)
{
	memset(c, 0, sizeof(*c));
	c->lead = 0xff;
}

struct obs_chunk *obs_chunk_new(void)
{
	struct obs_chunk *c = malloc(sizeof(*c));

	if (c)
		obs_chunk_init(c);
	return c;
}

void obs_chunk_free(struct obs_chunk *c)
{
	if (c) {
		free(c->data);
		free(c);
	}
}

size_t obs_chunk_size(const struct obs_chunk *c)
{
	return sizeof(*c) + c->cap;
}

/* Make room for NBITS more bits. */
static int reserve(struct obs_chunk *c, uint32_t nbits)
{
	uint32_t need = (c->nbits + nbits + 7) / 8;
	uint8_t *p;
	uint32_t cap;

	if (need <= c->cap)
		return 0;
	cap = c->cap ? c->cap * 2 : 32;
	while (cap < need)
		cap *= 2;
	p = realloc(c->data, cap);
	if (!p)
		return -1;
	memset(p + c->cap, 0, cap - c->cap);
	c->data = p;
	c->cap = cap;
	return 0;
}

/* Write the low N bits of X, most significant first (room reserved). */
static void put(struct obs_chunk *c, uint64_t x, unsigned n)
{
	while (n > 0) {
		uint32_t byte = c->nbits >> 3, used = c->nbits & 7, room = 8 - used;
		unsigned take = n < room ? n : room;
		uint8_t bits = (uint8_t)((x >> (n - take)) & ((1u << take) - 1));

		c->data[byte] |= (uint8_t)(bits << (room - take));
		c->nbits += take;
		n -= take;
	}
}

static uint64_t dbits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static int clz64(uint64_t x)
{
	return x ? __builtin_clzll(x) : 64;
}

static int ctz64(uint64_t x)
{
	return x ? __builtin_ctzll(x) : 64;
}

/* Delta of deltas: '0', or a prefix and a signed field of 14, 17, 20 or 64 bits. */
static void put_dod(struct obs_chunk *c, int64_t dod)
{
	if (dod == 0) {
		put(c, 0, 1);
	} else if (dod >= -8191 && dod <= 8192) {
		put(c, 2, 2);
		put(c, (uint64_t)dod, 14);
	} else if (dod >= -65535 && dod <= 65536) {
		put(c, 6, 3);
		put(c, (uint64_t)dod, 17);
	} else if (dod >= -524287 && dod <= 524288) {
		put(c, 14, 4);
		put(c, (uint64_t)dod, 20);
	} else {
		put(c, 15, 4);
		put(c, (uint64_t)dod, 64);
	}
}

static void put_value(struct obs_chunk *c, uint64_t bits)
{
	uint64_t x = bits ^ c->prev_bits;
	int lead, trail, sig;

	if (x == 0) {
		put(c, 0, 1);
		return;
	}
	lead = clz64(x);
	trail = ctz64(x);
	if (lead > 31)
		lead = 31;
	if (c->lead != 0xff && lead >= c->lead && trail >= c->trail) {
		put(c, 2, 2);
		put(c, x >> c->trail, (unsigned)(64 - c->lead - c->trail));
		return;
	}
	sig = 64 - lead - trail;
	put(c, 3, 2);
	put(c, (uint64_t)lead, 5);
	put(c, (uint64_t)(sig & 63), 6);
	put(c, x >> trail, (unsigned)sig);
	c->lead = (uint8_t)lead;
	c->trail = (uint8_t)trail;
}

int obs_chunk_append(struct obs_chunk *c, int64_t t, double v)
{
	uint64_t bits = dbits(v);

	if (c->n >= OBS_CHUNK_SAMPLES || reserve(c, 64 + 68 + 77) < 0)
		return -1;
	if (c->n == 0) {
		put(c, (uint64_t)t, 64);
		put(c, bits, 64);
		c->min_t = c->max_t = t;
	} else {
		int64_t delta = (int64_t)((uint64_t)t - (uint64_t)c->last_t);

		put_dod(c, (int64_t)((uint64_t)delta - (uint64_t)c->prev_delta));
		put_value(c, bits);
		c->prev_delta = delta;
		if (t < c->min_t)
			c->min_t = t;
		if (t > c->max_t)
			c->max_t = t;
	}
	c->prev_bits = bits;
	c->last_t = t;
	c->last_v = v;
	c->n++;
	return 0;
}

void obs_chunk_shrink(struct obs_chunk *c)
{
	uint32_t need = (c->nbits + 7) / 8;
	uint8_t *p;

	if (need == 0 || need >= c->cap)
		return;
	p = realloc(c->data, need);
	if (p) {
		c->data = p;
		c->cap = need;
	}
}

/* ---- reading ---------------------------------------------------------------- */

void obs_chunk_iter_init(struct obs_chunk_iter *it, const struct obs_chunk *c)
{
	memset(it, 0, sizeof(*it));
	it->c = c;
}

static uint64_t get(struct obs_chunk_iter *it, unsigned n)
{
	const uint8_t *d = it->c->data;
	uint64_t x = 0;

	while (n > 0) {
		uint32_t used = it->pos & 7, room = 8 - used;
		unsigned take = n < room ? n : room;
		uint8_t b = d[it->pos >> 3];

		x = (x << take) | ((uint64_t)(b >> (room - take)) & ((1u << take) - 1));
		it->pos += take;
		n -= take;
	}
	return x;
}

/* The N-bit fields hold -(2^(N-1)-1) .. 2^(N-1): only patterns above 2^(N-1) are negative. */
static int64_t sign_extend(uint64_t x, unsigned n)
{
	if (n < 64 && x > ((uint64_t)1 << (n - 1)))
		return (int64_t)x - ((int64_t)1 << n);
	return (int64_t)x;
}

static int64_t get_dod(struct obs_chunk_iter *it)
{
	static const unsigned width[] = { 14, 17, 20, 64 };
	unsigned k;

	if (get(it, 1) == 0)
		return 0;
	for (k = 0; k < 3; k++)
		if (get(it, 1) == 0)
			break;
	return sign_extend(get(it, width[k]), width[k]);
}

static void get_value(struct obs_chunk_iter *it)
{
	unsigned sig;

	if (get(it, 1) == 0)
		return;
	if (get(it, 1) == 1) {
		it->lead = (uint8_t)get(it, 5);
		sig = (unsigned)get(it, 6);
		if (sig == 0)
			sig = 64;
		it->trail = (uint8_t)(64 - it->lead - sig);
	}
	sig = 64u - it->lead - it->trail;
	it->bits ^= get(it, sig) << it->trail;
}

int obs_chunk_iter_next(struct obs_chunk_iter *it, int64_t *t, double *v)
{
	if (it->i >= it->c->n)
		return 0;
	if (it->i == 0) {
		it->t = (int64_t)get(it, 64);
		it->bits = get(it, 64);
	} else {
		it->delta = (int64_t)((uint64_t)it->delta + (uint64_t)get_dod(it));
		it->t = (int64_t)((uint64_t)it->t + (uint64_t)it->delta);
		get_value(it);
	}
	it->i++;
	*t = it->t;
	memcpy(v, &it->bits, sizeof(*v));
	return 1;
}
