/* SPDX-License-Identifier: MIT */
/* The fast path of the json and logfmt log parsers: records written as text, no jansson tree. */
#ifndef OBS_LOGFAST_H
#define OBS_LOGFAST_H

#include <stddef.h>
#include <stdint.h>

#include "obs_error.h"
#include "obs_jscan.h"
#include "obs_logparse.h"

/*
 * Parsing a log line with obs_logparse builds a jansson object (and
 * obs_json_dump_line then writes it): about 10-20 MB/s. For the two
 * formats where volume is the rule, json and logfmt, this path reads the
 * line in place (JSON with obs_jscan's tokens, logfmt with a scanner of
 * its own), applies the same rules (the roles and their aliases, times,
 * levels, ids, typing of logfmt values, keys the record owns renamed
 * KEY_original, reals printed as obs_json_dump_line prints them) and
 * writes the record's JSON text directly: byte for byte what
 * obs_json_dump_line(obs_logparse_line(P, LINE)) gives.
 *
 * Whatever it cannot do exactly that way it leaves to the general parser
 * rather than guess: a line that is not valid JSON or logfmt, bytes that
 * are not UTF-8, keys that repeat or collide with a renamed key, escapes
 * in JSON keys, integers past 18 digits, reals with an exponent or more
 * than 15 significant digits, "-0", a time not in RFC 3339 or Unix form
 * ... The fuzz target fuzz_logfast checks that both paths agree on every
 * line the fast path takes.
 */

struct obs_lf_field;

#define OBS_LOGFAST_LEVELS 8

struct obs_logfast {
	/* Read-only: the record of the line last taken (until the next call). */
	const char *rec;          /* NUL-terminated JSON text, no newline */
	size_t len;
	int64_t time;             /* its time in ns */

	/* Counters. */
	unsigned long taken;      /* lines this path wrote */
	unsigned long passed;     /* lines left to the general parser */

	/* Private. */
	struct obs_logparse *p;
	struct obs_jscan scan;
	struct obs_lf_field *fields;
	int nfields, capfields;
	char *arena;              /* decoded strings of the current line */
	size_t arena_len, arena_cap;
	char *out;
	size_t out_len, out_cap;
	int service_ok;           /* P's default service can be written as it is */
	size_t alias_len[6][16];  /* lengths of the role names (obs_lp_json_aliases) */
	int64_t tsec;             /* the second last written ... */
	char tprefix[24];         /* ... as "YYYY-MM-DDTHH:MM:SS." */
	int tvalid;
	char lvl_word[OBS_LOGFAST_LEVELS][16];  /* level words seen, and their levels */
	size_t lvl_len[OBS_LOGFAST_LEVELS];     /* length + 1; 0 for an empty slot */
	const char *lvl[OBS_LOGFAST_LEVELS];
	unsigned lvl_next;
	int maxprec;              /* the most digits a real of the record needs */
	int oom;
};

/* P (borrowed, must outlive F) gives the format, zone, reference time and default service. */
void obs_logfast_init(struct obs_logfast *f, struct obs_logparse *p);
void obs_logfast_release(struct obs_logfast *f);

/*
 * The record of LINE (LEN bytes, no newline): 1 with it in f->rec,
 * f->len, f->time; 0 when the line is for the general parser (it may
 * parse there, or not at all); -1 when out of memory ("out of memory").
 * Always 0 unless P's format is OBS_LOG_JSON or OBS_LOG_LOGFMT. P's
 * reference may change between calls, as for obs_logparse_parse.
 */
int obs_logfast_line(struct obs_logfast *f, const char *line, size_t len, struct obs_error *err);

#endif
