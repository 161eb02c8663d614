/* SPDX-License-Identifier: MIT */
/* Small text helpers the modules share: hex digit values, UTF-8 encoding, FNV-1a hashing. */
#ifndef OBS_TEXT_H
#define OBS_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The value of the hex digit C (either case), or -1; C is a byte value or EOF. */
static inline int obs_text_hexval(int c)
{
	unsigned d = (unsigned)c - '0';

	if (d < 10)
		return (int)d;
	d = ((unsigned)c | 0x20) - 'a';
	return d < 6 ? (int)d + 10 : -1;
}

/*
 * Write code point CP as UTF-8 into OUT and return its length (1 to 4).
 * CP is not checked: callers keep it below 0x110000 and decide what to do
 * with surrogates.
 */
size_t obs_text_utf8_put(uint32_t cp, char out[4]);

#define OBS_TEXT_FNV_INIT 0xcbf29ce484222325ULL
#define OBS_TEXT_FNV_PRIME 0x100000001b3ULL

/* FNV-1a (64 bits) of the N bytes at P, continuing from H (OBS_TEXT_FNV_INIT to start). */
static inline uint64_t obs_text_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * OBS_TEXT_FNV_PRIME;
	return h;
}

/*
 * The start of obs_text_hash. Not FNV's offset basis (a digit short of
 * 14695981039346656037): any start serves a hash table, and this is the
 * one the tables have always used, so their order stays as it was.
 */
#define OBS_TEXT_HASH_SEED 1469598103934665603ULL

/* FNV-1a (64 bits) of the N bytes at P, from OBS_TEXT_HASH_SEED: for in-memory hash tables. */
static inline uint64_t obs_text_hash(const void *p, size_t n)
{
	return obs_text_fnv1a(OBS_TEXT_HASH_SEED, p, n);
}

#endif
