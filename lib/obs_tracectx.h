/* SPDX-License-Identifier: MIT */
/* Trace and span ids, and W3C Trace Context (traceparent, tracestate) and baggage. */
#ifndef OBS_TRACECTX_H
#define OBS_TRACECTX_H

#include <stddef.h>
#include <stdint.h>

#include "obs_error.h"

#define OBS_TRACE_ID_HEX 32
#define OBS_SPAN_ID_HEX 16
#define OBS_TRACEPARENT_LEN 55       /* "00-<32 hex>-<16 hex>-<2 hex>" */
#define OBS_TRACE_FLAG_SAMPLED 0x01

struct obs_trace_ctx {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t flags;       /* trace-flags; bit 0 is sampled */
};

/* Fill BUF with N random bytes from getrandom(2). */
int obs_random_bytes(void *buf, size_t n, struct obs_error *err);
/* New random ids, never all zero. */
int obs_trace_id_new(uint8_t id[16], struct obs_error *err);
int obs_span_id_new(uint8_t id[8], struct obs_error *err);

/* Lowercase hex of N bytes into OUT (2N+1 bytes, NUL-terminated). */
void obs_hex_encode(const uint8_t *bytes, size_t n, char *out);
/* Decode exactly 2N lowercase hex digits; 0 ok, -1 if any other character. */
int obs_hex_decode(const char *hex, size_t n, uint8_t *bytes);
/* 1 if all N bytes are zero. */
int obs_id_is_zero(const uint8_t *bytes, size_t n);
/* Validators for ids given as text: 1 valid (right length, lowercase hex, not all zero), 0 not. */
int obs_trace_id_valid(const char *hex);
int obs_span_id_valid(const char *hex);

/*
 * Parse a traceparent header exactly as W3C Trace Context level 1 says:
 * version 00 must be exactly 55 characters; a higher version (not ff) may
 * be longer if character 55 is '-'; ids lowercase hex and not all zero.
 * Surrounding spaces/tabs (OWS) are allowed. Returns 1 valid, 0 invalid
 * (then *ctx is untouched: the caller starts a new trace, as the spec says).
 */
int obs_traceparent_parse(const char *s, struct obs_trace_ctx *ctx);
/* Format version 00 into OUT (at least OBS_TRACEPARENT_LEN + 1 bytes). */
void obs_traceparent_format(const struct obs_trace_ctx *ctx, char *out);

/*
 * tracestate: at most 32 list members "key=value", keys as the spec's
 * simple-key / multi-tenant key grammar, values 1-256 printable ASCII
 * (0x20-0x7e except ',' and '='), no trailing space; duplicate keys invalid.
 * Empty members (",,") and OWS are allowed and dropped.
 */
#define OBS_TRACESTATE_MAX 32
struct obs_tracestate {
	int n;
	char *key[OBS_TRACESTATE_MAX];
	char *value[OBS_TRACESTATE_MAX];
};
/*
 * 1 valid (filled; free with _release), 0 invalid (ts left empty), -1 out
 * of memory. TS is overwritten (not released first). Keys follow level 1
 * (level 2 would also accept keys such as "1a" or "a@b@c").
 */
int obs_tracestate_parse(const char *s, struct obs_tracestate *ts);
/* Comma-joined without spaces, newly allocated (caller frees); "" for none. */
char *obs_tracestate_format(const struct obs_tracestate *ts);
/* Put KEY=VALUE first (the spec's "update": remove old entry, add at the left; drop the rightmost beyond 32). 0 / -1 if key or value invalid. */
int obs_tracestate_set(struct obs_tracestate *ts, const char *key, const char *value);
void obs_tracestate_release(struct obs_tracestate *ts);

/*
 * W3C Baggage: "key=value;prop;k=v, key2=value2". Values percent-decoded on
 * parse and encoded on format; properties kept verbatim. Limits: 64 members,
 * 8192 bytes. Invalid members make the whole header invalid.
 */
#define OBS_BAGGAGE_MAX 64
struct obs_baggage {
	int n;
	char *key[OBS_BAGGAGE_MAX];
	char *value[OBS_BAGGAGE_MAX];   /* decoded */
	char *props[OBS_BAGGAGE_MAX];   /* raw ";..." text after the value, or NULL */
};
/*
 * 1 valid, 0 invalid, -1 out of memory. BG is overwritten (not released
 * first). An empty or all-OWS string is valid with no members; empty list
 * members (",,") are not. Over 64 members or 8192 bytes is invalid. Keys
 * are RFC 7230 tokens; props are stored with OWS removed (";k1;k2=v2"),
 * their values not decoded. Values are decoded with obs_percent_decode
 * (a decoded NUL makes the member invalid). Duplicate keys are kept.
 */
int obs_baggage_parse(const char *s, struct obs_baggage *bg);
/* "k=v;props,k2=v2" with values obs_percent_encode'd; newly allocated (caller frees), NULL if out of memory. */
char *obs_baggage_format(const struct obs_baggage *bg);
void obs_baggage_release(struct obs_baggage *bg);

/*
 * Percent-decode LEN bytes of S ("%41" is "A", hex digits of either case;
 * a '%' not followed by two hex digits stays as it is) into a new
 * NUL-terminated string *OUT (caller frees). Decoded bytes that are not
 * valid UTF-8 become U+FFFD each, as the baggage spec says. 1 ok, 0 invalid
 * (the result would contain a NUL byte), -1 out of memory.
 */
int obs_percent_decode(const char *s, size_t len, char **out);
/*
 * A copy of LEN bytes of S, NUL-terminated (caller frees), in which every
 * byte that is not part of well-formed UTF-8 (overlong forms, surrogates
 * and code points past U+10FFFF are not) is replaced by U+FFFD. NULL if
 * out of memory.
 */
char *obs_utf8_sanitize(const char *s, size_t len);
/* Percent-encode (%XX, uppercase) every byte of S that is not a baggage-octet, and '%'. New string (caller frees), or NULL. */
char *obs_percent_encode(const char *s);

#endif
