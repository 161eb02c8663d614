/* SPDX-License-Identifier: MIT */
/* Zero-copy reading of fields from one JSON line (jsmn tokens plus a strict check). */
#ifndef OBS_JSCAN_H
#define OBS_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "obs_error.h"

/*
 * The hot read path of every scan (query, show, filters): tokenizing a
 * line with jsmn costs a fraction of building a jansson tree, and the
 * values are read in place. A line that parses is valid JSON: on top of
 * jsmn, the structure, numbers, literals, string escapes and UTF-8 are
 * checked as strictly as jansson checks them (duplicate keys are allowed;
 * lookups return the first).
 *
 * Tokens are named by index: 0 is the top-level object, -1 means "none"
 * and is accepted by every accessor (which then fails or returns -1), so
 * lookups chain without checks in between.
 *
 * A scanner owns a token array that grows as needed up to max_tokens and
 * is reused from line to line: after the first lines, parsing allocates
 * nothing. The line itself is borrowed: it must stay unchanged while
 * tokens of it are used.
 */

#define OBS_JSCAN_MAX_TOKENS 65536
#define OBS_JSCAN_MAX_DEPTH 512

enum obs_jscan_type {
	OBS_JSCAN_NONE = 0,   /* no such token (index -1 or out of range) */
	OBS_JSCAN_OBJECT,
	OBS_JSCAN_ARRAY,
	OBS_JSCAN_STRING,
	OBS_JSCAN_NUMBER,
	OBS_JSCAN_TRUE,
	OBS_JSCAN_FALSE,
	OBS_JSCAN_NULL,
};

struct obs_jscan {
	/* Setting: fill in after _init; a line with more tokens is an error. */
	int max_tokens;          /* default OBS_JSCAN_MAX_TOKENS */
	/*
	 * Setting, for tests: 1 sends every line through jsmn and the strict
	 * check, as the lines the one-pass parser leaves to them (escapes
	 * \uXXXX, deep nesting, errors); the results are the same either way.
	 */
	int no_fast_path;

	/* Read-only: the line last parsed. */
	const char *js;
	size_t len;
	int ntok;

	/* Private. */
	void *tok;               /* jsmntok_t[cap] */
	int *next;               /* per token: index of the token after its subtree */
	int cap;
};

void obs_jscan_init(struct obs_jscan *s);
/* Free the token arrays. */
void obs_jscan_release(struct obs_jscan *s);

/*
 * Tokenize LINE (LEN bytes; need not be NUL-terminated) and check it is
 * one valid JSON object, optionally surrounded by whitespace. On failure
 * err says why, with the byte offset (from 1) where it could tell:
 * "invalid JSON at byte 17", "truncated JSON", "not a JSON object",
 * "control character in string at byte 9", "invalid UTF-8 at byte 3",
 * "invalid \\u escape at byte 40", "too many tokens (more than 65536)",
 * "nesting deeper than 512", "out of memory".
 * Returns 0 or -1.
 */
int obs_jscan_parse(struct obs_jscan *s, const char *line, size_t len, struct obs_error *err);

/* Type of token TOK; OBS_JSCAN_NONE for -1 or an index out of range. */
enum obs_jscan_type obs_jscan_type(const struct obs_jscan *s, int tok);
/* Number of members of an object or elements of an array; 0 for others. */
int obs_jscan_size(const struct obs_jscan *s, int tok);

/* Value token of KEY in object OBJ (0: the top level), or -1 if absent or OBJ is not an object. */
int obs_jscan_get(const struct obs_jscan *s, int obj, const char *key);
/* Same with a key of KEYLEN bytes (may contain NUL). */
int obs_jscan_getn(const struct obs_jscan *s, int obj, const char *key, size_t keylen);
/*
 * The value tokens of N keys of object OBJ at once, in one pass over its
 * members: OUT[i] is the value of KEYS[i] (LENS[i] bytes), the first of
 * duplicates, or -1 (absent, or OBJ is not an object). Each search starts
 * after the key found last, so records that list their keys in the order
 * of KEYS cost one comparison per member: much cheaper than N lookups.
 */
void obs_jscan_getv(const struct obs_jscan *s, int obj, const char *const *keys,
		    const size_t *lens, int n, int *out);

/*
 * Iterate the elements of an array or the keys of an object (the value of
 * key K is token K + 1):
 *   for (t = obs_jscan_child(s, c); t >= 0; t = obs_jscan_sibling(s, c, t))
 */
int obs_jscan_child(const struct obs_jscan *s, int container);
int obs_jscan_sibling(const struct obs_jscan *s, int container, int tok);

/*
 * Raw text of TOK, borrowed from the line: a string without its quotes and
 * with escapes as written, a number as written, an object or array whole.
 * NULL (and *len 0) for -1.
 */
const char *obs_jscan_raw(const struct obs_jscan *s, int tok, size_t *len);

/*
 * Value of string TOK. Fast path: with no backslash in it, *str points
 * into the line (NOT NUL-terminated) and BUF is untouched; otherwise the
 * unescaped value (\uXXXX and surrogate pairs to UTF-8) is written to BUF,
 * NUL-terminated, and *str is BUF. *len is the length in bytes either way.
 * Returns 0, or -1 if TOK is not a string or BUF (SIZE bytes) is too small.
 */
int obs_jscan_string(const struct obs_jscan *s, int tok, char *buf, size_t size,
		     const char **str, size_t *len);
/* Unescaped value of string TOK, always copied and NUL-terminated into BUF; 0 / -1 as above. */
int obs_jscan_strcpy(const struct obs_jscan *s, int tok, char *buf, size_t size);
/* Unescaped value of string TOK, newly allocated (caller frees); NULL if not a string or no memory. */
char *obs_jscan_strdup(const struct obs_jscan *s, int tok, size_t *len);

/* 1 if TOK is a string whose value equals STR (NUL-terminated), else 0. */
int obs_jscan_streq(const struct obs_jscan *s, int tok, const char *str);
/* Same for a value of N bytes. */
int obs_jscan_strneq(const struct obs_jscan *s, int tok, const char *str, size_t n);

/* Number TOK as a double (locale-independent). 0, or -1 if not a number or out of range. */
int obs_jscan_number(const struct obs_jscan *s, int tok, double *v);
/* Number TOK written as an integer (no fraction or exponent) that fits int64. 0 / -1. */
int obs_jscan_int64(const struct obs_jscan *s, int tok, int64_t *v);
/* true/false TOK into *v (1/0). 0 / -1. */
int obs_jscan_bool(const struct obs_jscan *s, int tok, int *v);

/*
 * Time string TOK (RFC 3339 and the other forms of obs_time_parse) in ns
 * since the epoch. Fast for the canonical "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ".
 * 0, or -1 if not a string or not a valid time.
 */
int obs_jscan_time(const struct obs_jscan *s, int tok, int64_t *ns);
/* Number TOK of milliseconds (as "duration_ms") in ns, rounded to the nearest. 0 / -1. */
int obs_jscan_ms(const struct obs_jscan *s, int tok, int64_t *ns);

#endif
