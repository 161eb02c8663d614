/* SPDX-License-Identifier: MIT */
/* Character helpers the parsers share: hex digit values and UTF-8 encoding. */
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

#endif
