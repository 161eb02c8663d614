/* SPDX-License-Identifier: MIT */
/* Fuzz target: export cursor files and metric records into series state (apply, dump, load, text). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "obs_cursor.h"
#include "obs_mstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Records, one per line: apply them; the dump must load back to the same dump. */
static void records(const char *p, size_t n)
{
	struct obs_mstate *m = obs_mstate_new(), *m2 = obs_mstate_new();
	struct obs_error err;
	json_t *d1, *d2;
	char *text;

	if (!m || !m2)
		abort();
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;

		obs_mstate_apply(m, p, len, NULL, NULL, &err);
		p += len + (nl != NULL);
		n -= len + (nl != NULL);
	}
	d1 = obs_mstate_dump(m);
	if (!d1 || obs_mstate_load(m2, d1, &err) < 0)
		abort();
	d2 = obs_mstate_dump(m2);
	if (!d2 || !json_equal(d1, d2))
		abort();
	text = obs_mstate_text(m2, NULL, &err);
	free(text);
	json_decref(d1);
	json_decref(d2);
	obs_mstate_free(m);
	obs_mstate_free(m2);
}

/* A cursor file: parse it, and the series state it may carry. */
static void cursor(const char *p, size_t n)
{
	json_t *obj = json_loadb(p, n, 0, NULL);
	struct obs_cursor c;
	struct obs_mstate *m;
	struct obs_error err;

	if (!obj)
		return;
	obs_cursor_init(&c);
	if (obs_cursor_parse(&c, obj, "f", &err) == 0 && c.state) {
		m = obs_mstate_new();
		if (!m)
			abort();
		obs_mstate_load(m, json_object_get(c.state, "mstate"), &err);
		obs_mstate_free(m);
	}
	obs_cursor_release(&c);
	json_decref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		cursor((const char *)data + 1, size - 1);
	else
		records((const char *)data + 1, size - 1);
	return 0;
}
