/* SPDX-License-Identifier: MIT */
/* What data a PromQL expression reads: its time window and the metric names of its selectors. */
#include "obs_promql_scope.h"

#include <stdlib.h>
#include <string.h>

#include "obs_promql_int.h"

#define DEFAULT_LOOKBACK_MS (5 * 60 * 1000)

struct walk {
	int64_t start, end, lookback;
	struct obs_promql_scope *sc;
	int oom;
};

/* The fixed metric name of selector E, or NULL if it can match any name. */
static const char *selector_name(const struct obs_promql_expr *e)
{
	size_t i;

	if (e->name)
		return e->name;
	for (i = 0; i < e->nmatchers; i++)
		if (e->matchers[i].type == OBS_MATCH_EQ && strcmp(e->matchers[i].name, "__name__") == 0)
			return e->matchers[i].value;
	return NULL;
}

static void add_name(struct walk *w, const char *name)
{
	struct obs_promql_scope *sc = w->sc;
	char **grown;
	size_t i;

	for (i = 0; i < sc->nnames; i++)
		if (strcmp(sc->names[i], name) == 0)
			return;
	grown = realloc(sc->names, (sc->nnames + 1) * sizeof(*grown));
	if (!grown) {
		w->oom = 1;
		return;
	}
	sc->names = grown;
	sc->names[sc->nnames] = strdup(name);
	if (!sc->names[sc->nnames]) {
		w->oom = 1;
		return;
	}
	sc->nnames++;
}

/* Selector VS, read over RANGE ms before each evaluation time. */
static void add_selector(struct walk *w, const struct obs_promql_expr *vs, int64_t range)
{
	struct obs_promql_scope *sc = w->sc;
	int64_t lo = w->start, hi = w->end, mint, maxt;
	const char *name = selector_name(vs);

	if (vs->at == AT_TIME)
		lo = hi = vs->at_ms;
	else if (vs->at == AT_START)
		hi = w->start;
	else if (vs->at == AT_END)
		lo = w->end;
	mint = lo - vs->offset - range - w->lookback;
	maxt = hi - vs->offset;
	if (mint < sc->mint)
		sc->mint = mint;
	if (maxt > sc->maxt)
		sc->maxt = maxt;
	if (name)
		add_name(w, name);
	else
		sc->any_name = 1;
}

static void walk(struct walk *w, const struct obs_promql_expr *e)
{
	size_t i;

	if (!e)
		return;
	switch (e->kind) {
	case N_VSEL:
		add_selector(w, e, 0);
		return;
	case N_MSEL:
		add_selector(w, e->a, e->range);
		return;
	case N_CALL:
		for (i = 0; i < e->nargs; i++)
			walk(w, e->args[i]);
		return;
	default:
		walk(w, e->a);
		walk(w, e->b);
		return;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int obs_promql_scope_get(const struct obs_promql_expr *e, int64_t start_ms, int64_t end_ms,
			 int64_t lookback_ms, struct obs_promql_scope *sc)
{
	struct walk w = { start_ms, end_ms, lookback_ms > 0 ? lookback_ms : DEFAULT_LOOKBACK_MS,
			  sc, 0 };

	memset(sc, 0, sizeof(*sc));
	sc->mint = INT64_MAX;
	sc->maxt = INT64_MIN;
	walk(&w, e);
	if (w.oom) {
		obs_promql_scope_release(sc);
		return -1;
	}
	if (sc->any_name) {
		size_t i;

		for (i = 0; i < sc->nnames; i++)
			free(sc->names[i]);
		free(sc->names);
		sc->names = NULL;
		sc->nnames = 0;
	} else if (sc->nnames) {
		qsort(sc->names, sc->nnames, sizeof(*sc->names), cmp_str);
	}
	return 0;
}

void obs_promql_scope_release(struct obs_promql_scope *sc)
{
	size_t i;

	for (i = 0; i < sc->nnames; i++)
		free(sc->names[i]);
	free(sc->names);
	sc->names = NULL;
	sc->nnames = 0;
}
