/* SPDX-License-Identifier: MIT */
/* Fuzz target for obs_jscan: never crash, accept exactly what jansson accepts, the same tokens both ways. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "obs_jscan.h"

#define JSMN_HEADER
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Visit every token through the public accessors. */
static void visit(const struct obs_jscan *s, int tok, int depth)
{
	char buf[256];
	const char *str, *raw;
	size_t len;
	double d;
	int64_t i;
	int b, t;
	char *dup;

	raw = obs_jscan_raw(s, tok, &len);
	if (!raw)
		abort();
	switch (obs_jscan_type(s, tok)) {
	case OBS_JSCAN_OBJECT: {
		/* Lookups of several keys at once agree with one-by-one lookups. */
		static const char *const keys[] = { "a", "type", "", "b", "a\\" };
		static const size_t lens[] = { 1, 4, 0, 1, 2 };
		int out[5];

		obs_jscan_getv(s, tok, keys, lens, 5, out);
		for (int i = 0; i < 5; i++)
			if (out[i] != obs_jscan_getn(s, tok, keys[i], lens[i]))
				abort();
		for (t = obs_jscan_child(s, tok); t >= 0; t = obs_jscan_sibling(s, tok, t)) {
			if (obs_jscan_type(s, t) != OBS_JSCAN_STRING)
				abort();
			dup = obs_jscan_strdup(s, t, &len);
			if (!dup)
				abort();
			/* The first member with this key is found by lookup. */
			if (obs_jscan_getn(s, tok, dup, len) < 0)
				abort();
			free(dup);
			visit(s, t + 1, depth + 1);
		}
		break;
	}
	case OBS_JSCAN_ARRAY:
		for (t = obs_jscan_child(s, tok); t >= 0; t = obs_jscan_sibling(s, tok, t))
			visit(s, t, depth + 1);
		break;
	case OBS_JSCAN_STRING:
		if (obs_jscan_string(s, tok, buf, sizeof(buf), &str, &len) == 0 &&
		    !obs_jscan_strneq(s, tok, str, len))
			abort();
		(void)obs_jscan_strcpy(s, tok, buf, sizeof(buf));
		break;
	case OBS_JSCAN_NUMBER:
		(void)obs_jscan_number(s, tok, &d);
		(void)obs_jscan_int64(s, tok, &i);
		break;
	case OBS_JSCAN_TRUE:
	case OBS_JSCAN_FALSE:
		if (obs_jscan_bool(s, tok, &b) < 0)
			abort();
		break;
	case OBS_JSCAN_NULL:
		break;
	default:
		abort();
	}
	(void)depth;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_jscan s;
	struct obs_error err;
	json_error_t jerr;
	json_t *j;
	int ours;

	obs_jscan_init(&s);
	ours = obs_jscan_parse(&s, (const char *)data, size, &err) == 0;
	if (ours)
		visit(&s, 0, 0);
	/* The one-pass parser makes what jsmn and the strict check make. */
	{
		struct obs_jscan slow;
		struct obs_error serr;
		int theirs;

		obs_jscan_init(&slow);
		slow.no_fast_path = 1;
		theirs = obs_jscan_parse(&slow, (const char *)data, size, &serr) == 0;
		if (ours != theirs || slow.ntok != s.ntok || (!ours && strcmp(err.msg, serr.msg)))
			abort();
		if (ours && (memcmp(s.tok, slow.tok, (size_t)s.ntok * sizeof(jsmntok_t)) ||
			     memcmp(s.next, slow.next, (size_t)s.ntok * sizeof(int))))
			abort();
		obs_jscan_release(&slow);
	}
	obs_jscan_release(&s);

	/* Differential check: jansson is the reference for what is valid JSON. */
	j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr);
	if (j && json_is_object(j) && !ours) {
		/*
		 * Only our own limits may refuse what jansson takes, and raw NUL
		 * bytes, which jansson lets through between tokens.
		 */
		if (!strstr(err.msg, "too many tokens") && !strstr(err.msg, "nesting") &&
		    !memchr(data, '\0', size))
			abort();
	}
	if (!j && ours) {
		/*
		 * jansson refuses numbers out of range, nesting past 2048 and
		 * \u0000 in object keys (valid JSON; its keys are C strings);
		 * nothing else.
		 */
		if (!strstr(jerr.text, "too big") && !strstr(jerr.text, "overflow") &&
		    !strstr(jerr.text, "depth") && !strstr(jerr.text, "NUL byte in object key"))
			abort();
	}
	json_decref(j);
	return 0;
}
