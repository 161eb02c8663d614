/* SPDX-License-Identifier: MIT */
/* Internal to libobs-common: what obs_logfast.c shares with obs_logparse.c (not a public API). */
#ifndef OBS_LOGPARSE_INT_H
#define OBS_LOGPARSE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "obs_logparse.h"

/* A time given as text, as the json and logfmt formats read it (P's zone). 0 / -1. */
int obs_lp_text_time(struct obs_logparse *p, const char *s, size_t len, int64_t *ns);
/* A trace (WANT 32) or span (16) id of any case into OUT (lowercase, NUL-terminated); 1 / 0. */
int obs_lp_hex_id(const char *s, size_t len, size_t want, char *out);
/* 1 if LEN bytes of S are well-formed UTF-8. */
int obs_lp_utf8_valid(const char *s, size_t len);
/* Unescape a quoted logfmt value (without its quotes) into OUT (LEN bytes suffice); its length. */
size_t obs_lp_unquote(const char *s, size_t len, char *out);

enum obs_lp_role { OBS_LP_TIME, OBS_LP_LEVEL, OBS_LP_MSG, OBS_LP_SERVICE, OBS_LP_TRACE,
		   OBS_LP_SPAN };
/* The json (and logfmt) format's names for ROLE, in order of preference, NULL-terminated. */
const char *const *obs_lp_json_aliases(enum obs_lp_role role);

#endif
