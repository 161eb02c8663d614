/* SPDX-License-Identifier: MIT */
/* obs-trace show: one trace as a tree with a waterfall and its critical path, or as JSON. */
#include <ctype.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "obs_cli.h"
#include "obs_filter.h"
#include "obs_time.h"
#include "obs_tracectx.h"
#include "trace.h"
#include "trace_read.h"

static const char show_synopsis[] = "show [options] TRACE_ID [FILE...]";
static const char show_options[] =
	"options:\n"
	"      --since TIME      read only the store's days from TIME on\n"
	"      --until TIME      read only the store's days up to TIME\n"
	"  -o, --output FORMAT   tree or json (default: tree on a terminal, else json)\n"
	"      --strict          a malformed line is an error (exit 3)\n"
	"  -h, --help            show this help\n"
	"\n"
	"The tree shows each span's name, service, duration and status, a waterfall\n"
	"bar, and marks the critical path with '*'. Spans whose parent is not in the\n"
	"trace are shown under \"(missing parent)\". Width: $COLUMNS, else 100.\n"
	"Exit status: 0, 2 usage error or invalid trace id, 3 trace not found or\n"
	"unreadable input.\n";

#define NONE (-1)

struct node {
	char *line;             /* the record as read */
	size_t len;
	char *span_id, *parent, *name, *service, *status, *message;
	int64_t start, end;
	size_t order;           /* input order, for stable sorting */
	/* The tree. */
	int first_child, last_child, next_sibling, parent_idx;
	int depth, visited, on_path, orphan;
	int64_t cstart, cend;   /* clipped to the parent, for the critical path */
};

struct trace {
	char id[OBS_TRACE_ID_HEX + 1];
	struct node *n;
	int count, cap;
	int *roots, nroots;     /* real roots, by start */
	int *orphans, norphans; /* under "(missing parent)" */
	int *pre;               /* nodes in tree (pre-) order */
	int npre;
	int64_t start, end;
	int errors, oks;
	char **services;
	int nservices;
};

/* ---- reading ---------------------------------------------------------------- */

/* Copy of string field KEY, or NULL if absent or not a string. */
static char *field(const struct obs_jscan *s, const char *key)
{
	return obs_jscan_strdup(s, obs_jscan_get(s, 0, key), NULL);
}

/* Add the span just matched; 0, or -1 with REASON when a field the tree needs is bad. */
static int add_span(struct trace *t, const struct obs_jscan *s, const char *line, size_t len,
		    const char **reason)
{
	struct node *nd;
	int tok;

	tok = obs_jscan_get(s, 0, "span_id");
	if (obs_jscan_type(s, tok) != OBS_JSCAN_STRING) {
		*reason = tok < 0 ? "missing 'span_id'" : "'span_id' is not a string";
		return -1;
	}
	if (t->count == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->n = realloc(t->n, (size_t)t->cap * sizeof(*t->n));
		if (!t->n)
			abort();
	}
	nd = &t->n[t->count];
	memset(nd, 0, sizeof(*nd));
	if (obs_jscan_time(s, obs_jscan_get(s, 0, "start"), &nd->start) < 0) {
		*reason = "'start' is not a valid time";
		return -1;
	}
	if (obs_jscan_time(s, obs_jscan_get(s, 0, "end"), &nd->end) < 0) {
		*reason = "'end' is not a valid time";
		return -1;
	}
	if (nd->end < nd->start)
		nd->end = nd->start;
	nd->line = malloc(len + 1);
	if (!nd->line)
		abort();
	memcpy(nd->line, line, len);
	nd->line[len] = '\0';
	nd->len = len;
	nd->span_id = field(s, "span_id");
	nd->parent = field(s, "parent_span_id");
	nd->name = field(s, "name");
	nd->service = field(s, "service");
	nd->status = field(s, "status");
	nd->message = field(s, "status_message");
	if (!nd->span_id)
		abort();
	nd->order = (size_t)t->count;
	t->count++;
	return 0;
}

static void trace_release(struct trace *t)
{
	int i;

	for (i = 0; i < t->count; i++) {
		struct node *nd = &t->n[i];

		free(nd->line);
		free(nd->span_id);
		free(nd->parent);
		free(nd->name);
		free(nd->service);
		free(nd->status);
		free(nd->message);
	}
	for (i = 0; i < t->nservices; i++)
		free(t->services[i]);
	free(t->services);
	free(t->n);
	free(t->roots);
	free(t->orphans);
	free(t->pre);
}

/* ---- assembling the tree ----------------------------------------------------- */

static int cmp_node(const void *a, const void *b)
{
	const struct node *x = a, *y = b;
	int c;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)             /* the longer (enclosing) span first */
		return x->end > y->end ? -1 : 1;
	c = strcmp(x->span_id, y->span_id);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

struct idref {
	const char *id;
	int idx;
};

static int cmp_idref(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : x->idx - y->idx;
}

static int find_span(const struct idref *ids, int n, const char *id)
{
	int lo = 0, hi = n - 1, mid, c, found = NONE;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(ids[mid].id, id);
		if (c == 0) {
			found = ids[mid].idx;   /* keep looking left: the first of duplicates */
			hi = mid - 1;
		} else if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

static void add_child(struct trace *t, int parent, int child)
{
	struct node *p = &t->n[parent];

	t->n[child].parent_idx = parent;
	t->n[child].next_sibling = NONE;
	if (p->last_child == NONE)
		p->first_child = child;
	else
		t->n[p->last_child].next_sibling = child;
	p->last_child = child;
}

/* Pre-order walk from TOP at DEPTH, never entering a node twice (cycles). */
static void walk(struct trace *t, int top, int depth, int *stack)
{
	int sp = 0, i, c;

	stack[sp++] = top;
	t->n[top].depth = depth;
	while (sp) {
		i = stack[--sp];
		if (t->n[i].visited)
			continue;
		t->n[i].visited = 1;
		t->pre[t->npre++] = i;
		/* Push children in reverse so the earliest comes out first. */
		{
			int k = 0, j;

			for (c = t->n[i].first_child; c != NONE; c = t->n[c].next_sibling)
				if (!t->n[c].visited)
					k++;
			j = sp + k;
			sp = j;
			for (c = t->n[i].first_child; c != NONE; c = t->n[c].next_sibling) {
				if (t->n[c].visited)
					continue;
				t->n[c].depth = t->n[i].depth + 1;
				stack[--j] = c;
			}
		}
	}
}

static void add_service(struct trace *t, const char *svc)
{
	int i;

	for (i = 0; i < t->nservices; i++)
		if (!strcmp(t->services[i], svc))
			return;
	t->services = realloc(t->services, (size_t)(t->nservices + 1) * sizeof(*t->services));
	if (!t->services || !(t->services[t->nservices] = strdup(svc)))
		abort();
	t->nservices++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The critical path, as tracing UIs compute it: from the root's end, go
 * down into the child that finishes last; when a span has no child
 * finishing before the current point, its own time is on the path and the
 * walk returns to the parent, from that span's start, to the sibling that
 * finished last before it. Children are clipped to their parent first.
 */
static void critical_path(struct trace *t, int top)
{
	int cur = top, best, c, i;
	int64_t point;

	for (i = 0; i < t->npre; i++) {
		struct node *nd = &t->n[t->pre[i]];

		if (nd->parent_idx == NONE || !t->n[nd->parent_idx].visited) {
			nd->cstart = nd->start;
			nd->cend = nd->end;
		} else {
			const struct node *p = &t->n[nd->parent_idx];

			nd->cstart = nd->start < p->cstart ? p->cstart : nd->start;
			nd->cend = nd->end > p->cend ? p->cend : nd->end;
			if (nd->cstart > p->cend)
				nd->cstart = p->cend;
			if (nd->cend < nd->cstart)
				nd->cend = nd->cstart;
		}
	}
	t->n[cur].on_path = 1;
	point = t->n[cur].cend;
	for (;;) {
		best = NONE;
		for (c = t->n[cur].first_child; c != NONE; c = t->n[c].next_sibling) {
			if (t->n[c].on_path || t->n[c].parent_idx != cur || t->n[c].cend > point)
				continue;
			if (best == NONE || t->n[c].cend > t->n[best].cend)
				best = c;
		}
		if (best != NONE) {
			cur = best;
			t->n[cur].on_path = 1;
			point = t->n[cur].cend;
			continue;
		}
		if (cur == top)
			break;
		point = t->n[cur].cstart;
		cur = t->n[cur].parent_idx;
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void assemble(struct trace *t)
{
	struct idref *ids;
	int *stack, i, p, top;

	qsort(t->n, (size_t)t->count, sizeof(*t->n), cmp_node);
	ids = malloc((size_t)t->count * sizeof(*ids));
	t->roots = malloc((size_t)t->count * sizeof(*t->roots));
	t->orphans = malloc((size_t)t->count * sizeof(*t->orphans));
	t->pre = malloc((size_t)t->count * sizeof(*t->pre));
	stack = malloc((size_t)t->count * sizeof(*stack));
	if (!ids || !t->roots || !t->orphans || !t->pre || !stack)
		abort();
	t->start = OBS_TIME_MAX;
	t->end = OBS_TIME_MIN;
	for (i = 0; i < t->count; i++) {
		struct node *nd = &t->n[i];

		ids[i].id = nd->span_id;
		ids[i].idx = i;
		nd->first_child = nd->last_child = nd->next_sibling = nd->parent_idx = NONE;
		if (nd->start < t->start)
			t->start = nd->start;
		if (nd->end > t->end)
			t->end = nd->end;
		if (nd->status && !strcmp(nd->status, "error"))
			t->errors++;
		else if (nd->status && !strcmp(nd->status, "ok"))
			t->oks++;
		if (nd->service)
			add_service(t, nd->service);
	}
	qsort(t->services, (size_t)t->nservices, sizeof(*t->services), cmp_str);
	qsort(ids, (size_t)t->count, sizeof(*ids), cmp_idref);
	for (i = 0; i < t->count; i++) {
		struct node *nd = &t->n[i];

		if (!nd->parent || !*nd->parent) {
			t->roots[t->nroots++] = i;
			continue;
		}
		p = find_span(ids, t->count, nd->parent);
		if (p == NONE || p == i) {
			nd->orphan = 1;
			t->orphans[t->norphans++] = i;
			continue;
		}
		add_child(t, p, i);
	}
	for (i = 0; i < t->nroots; i++)
		walk(t, t->roots[i], 0, stack);
	for (i = 0; i < t->norphans; i++)
		walk(t, t->orphans[i], 1, stack);
	/* What is left hangs in a parent cycle: cut it loose at its earliest span. */
	for (i = 0; i < t->count; i++) {
		if (t->n[i].visited)
			continue;
		t->n[i].orphan = 1;
		t->orphans[t->norphans++] = i;
		walk(t, i, 1, stack);
	}
	/* Tree order: roots first, then the orphans by start, each subtree contiguous. */
	qsort(t->orphans, (size_t)t->norphans, sizeof(*t->orphans), cmp_int);
	t->npre = 0;
	for (i = 0; i < t->count; i++)
		t->n[i].visited = 0;
	for (i = 0; i < t->nroots; i++)
		walk(t, t->roots[i], 0, stack);
	for (i = 0; i < t->norphans; i++)
		walk(t, t->orphans[i], 1, stack);
	for (i = 0; i < t->count; i++)
		if (t->n[i].orphan)
			t->n[i].parent_idx = NONE;
	top = t->nroots ? t->roots[0] : t->orphans[0];
	critical_path(t, top);
	free(ids);
	free(stack);
}

/* ---- JSON output ---------------------------------------------------------------- */

static void put_opt_str(struct obs_buf *b, const char *s)
{
	if (s)
		jb_str(b, s, strlen(s));
	else
		jb_cstr(b, "null");
}

static void show_json(const struct trace *t)
{
	struct obs_buf b = OBS_BUF_INIT;
	char ts[OBS_TIME_BUFSZ], ms[48];
	const char *sep = "";
	int i;

	jb_cstr(&b, "{\"trace_id\":");
	jb_str(&b, t->id, strlen(t->id));
	obs_time_format(t->start, ts, sizeof(ts));
	jb_fmt(&b, ",\"start\":\"%s\"", ts);
	obs_time_format(t->end, ts, sizeof(ts));
	jb_fmt(&b, ",\"end\":\"%s\"", ts);
	trace_fmt_ms(t->end - t->start, ms, sizeof(ms));
	jb_fmt(&b, ",\"duration_ms\":%s,\"status\":\"%s\",\"services\":[", ms,
	       t->errors ? "error" : t->oks ? "ok" : "unset");
	for (i = 0; i < t->nservices; i++) {
		jb_cstr(&b, i ? "," : "");
		jb_str(&b, t->services[i], strlen(t->services[i]));
	}
	jb_fmt(&b, "],\"span_count\":%d,\"error_count\":%d,\"errors\":[", t->count, t->errors);
	for (i = 0; i < t->count; i++) {
		const struct node *nd = &t->n[i];

		if (!nd->status || strcmp(nd->status, "error"))
			continue;
		jb_fmt(&b, "%s{\"span_id\":", sep);
		jb_str(&b, nd->span_id, strlen(nd->span_id));
		jb_cstr(&b, ",\"name\":");
		put_opt_str(&b, nd->name);
		jb_cstr(&b, ",\"status_message\":");
		put_opt_str(&b, nd->message);
		jb_cstr(&b, "}");
		sep = ",";
	}
	jb_cstr(&b, "],\"critical_path\":[");
	sep = "";
	for (i = 0; i < t->count; i++) {
		if (!t->n[i].on_path)
			continue;
		jb_cstr(&b, sep);
		jb_str(&b, t->n[i].span_id, strlen(t->n[i].span_id));
		sep = ",";
	}
	jb_cstr(&b, "],\"spans\":[");
	for (i = 0; i < t->count; i++) {
		const struct node *nd = &t->n[i];
		size_t end = nd->len;

		/* The record as written, with "depth" added before its closing brace. */
		while (end > 0 && nd->line[end - 1] != '}')
			end--;
		jb_cstr(&b, i ? ",\n" : "\n");
		jb_raw(&b, nd->line, end - 1);
		jb_fmt(&b, ",\"depth\":%d}", nd->depth);
	}
	jb_cstr(&b, "\n]}\n");
	fwrite(b.p, 1, b.len, stdout);
	obs_buf_release(&b);
}

/* ---- tree output ------------------------------------------------------------------ */

struct style {
	int utf8, color, width;
	const char *tee, *elbow, *pipe, *blank, *full, *edge, *ellipsis;
};

/* Append S to B, at most MAX code points (ending in an ellipsis when cut), control bytes as '?'. */
static void put_clipped(struct obs_buf *b, const char *s, int max, const struct style *st)
{
	int w = obs_cli_text_width(s), n = 0;
	const char *p;

	if (w <= max) {
		for (p = s; *p; p++)
			jb_raw(b, (unsigned char)*p < 0x20 || *p == 0x7f ? "?" : p, 1);
		return;
	}
	for (p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && ++n > max - 1)
			break;
		jb_raw(b, (unsigned char)*p < 0x20 || *p == 0x7f ? "?" : p, 1);
	}
	jb_cstr(b, st->ellipsis);
}

static void pad(struct obs_buf *b, int n)
{
	while (n-- > 0)
		jb_raw(b, " ", 1);
}

/* 1 if node I has a sibling shown after it (orphans are siblings under "(missing parent)"). */
static int has_later_sibling(const struct trace *t, int i)
{
	const struct node *nd = &t->n[i];
	int s;

	if (nd->orphan)
		return i != t->orphans[t->norphans - 1];
	if (nd->parent_idx == NONE)
		return 0;
	for (s = nd->next_sibling; s != NONE; s = t->n[s].next_sibling)
		if (t->n[s].parent_idx == nd->parent_idx)
			return 1;
	return 0;
}

/* The tree prefix of node I: one column of 3 per ancestor level below the top, then its branch. */
static void prefix(struct obs_buf *b, const struct trace *t, int i, const struct style *st)
{
	const struct node *nd = &t->n[i];
	int *chain, n = 0, k, a;

	if (nd->depth == 0)
		return;
	chain = malloc((size_t)nd->depth * sizeof(*chain));
	if (!chain)
		abort();
	for (a = nd->parent_idx; a != NONE && n < nd->depth; a = t->n[a].parent_idx)
		chain[n++] = a;
	for (k = n - 1; k >= 0; k--) {
		if (t->n[chain[k]].depth == 0)
			continue;
		jb_cstr(b, has_later_sibling(t, chain[k]) ? st->pipe : st->blank);
	}
	jb_cstr(b, has_later_sibling(t, i) ? st->tee : st->elbow);
	free(chain);
}

static int prefix_width(const struct trace *t, int i)
{
	return t->n[i].depth * 3;
}

static void bar(struct obs_buf *b, const struct trace *t, const struct node *nd, int cells,
		const struct style *st)
{
	int64_t span = t->end - t->start;
	int a, z, k;

	if (span <= 0) {
		a = 0;
		z = cells;
	} else {
		a = (int)((double)(nd->start - t->start) * cells / (double)span);
		z = (int)ceil((double)(nd->end - t->start) * cells / (double)span);
		if (a >= cells)
			a = cells - 1;
		if (z > cells)
			z = cells;
		if (z <= a)
			z = a + 1;
	}
	jb_cstr(b, st->edge);
	for (k = 0; k < cells; k++)
		jb_cstr(b, k >= a && k < z ? st->full : " ");
	jb_cstr(b, st->edge);
}

static int terminal_width(void)
{
	const char *cols = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long v;

	if (cols && *cols) {
		v = strtol(cols, &end, 10);
		if (!*end && v >= 20 && v <= 1000)
			return (int)v;
	}
	if (obs_cli_isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col >= 20)
		return ws.ws_col;
	return 100;
}

#define NAME_MAX_COLS 48
#define NAME_MIN_COLS 20
#define SERVICE_MAX_COLS 20
#define BAR_MIN 24
#define BAR_MAX 60

static void show_tree(const struct trace *t)
{
	struct style st;
	struct obs_buf b = OBS_BUF_INIT;
	char dur[32], total[32], ts[OBS_TIME_BUFSZ];
	int i, lw = 0, sw = 1, dw = 1, w, cells, missing_done = 0;
	const char *codeset;

	setlocale(LC_CTYPE, "");
	codeset = nl_langinfo(CODESET);
	st.utf8 = codeset && !strcmp(codeset, "UTF-8");
	st.color = obs_cli_color(STDOUT_FILENO);
	st.width = terminal_width();
	st.tee = st.utf8 ? "\u251c\u2500 " : "|- ";
	st.elbow = st.utf8 ? "\u2514\u2500 " : "`- ";
	st.pipe = st.utf8 ? "\u2502  " : "|  ";
	st.blank = "   ";
	st.full = st.utf8 ? "\u2588" : "#";
	st.edge = st.utf8 ? "\u2502" : "|";
	st.ellipsis = st.utf8 ? "\u2026" : "~";

	for (i = 0; i < t->npre; i++) {
		const struct node *nd = &t->n[t->pre[i]];

		w = prefix_width(t, t->pre[i]) + (nd->name ? obs_cli_text_width(nd->name) : 1);
		if (w > lw)
			lw = w;
		w = nd->service ? obs_cli_text_width(nd->service) : 1;
		if (w > sw)
			sw = w;
		obs_duration_format(nd->end - nd->start, dur, sizeof(dur));
		if ((int)strlen(dur) > dw)
			dw = (int)strlen(dur);
	}
	if (t->norphans && lw < (int)strlen("(missing parent)"))
		lw = (int)strlen("(missing parent)");
	if (lw > NAME_MAX_COLS)
		lw = NAME_MAX_COLS;
	if (sw > SERVICE_MAX_COLS)
		sw = SERVICE_MAX_COLS;
	/* marker, name, service, duration, status (5), bar with its two edges */
	cells = st.width - (2 + lw + 2 + sw + 2 + dw + 2 + 5 + 2 + 2);
	if (cells < BAR_MIN && lw > NAME_MIN_COLS) {
		/* Long names give way to the bar, down to a point. */
		w = BAR_MIN - cells < lw - NAME_MIN_COLS ? BAR_MIN - cells : lw - NAME_MIN_COLS;
		lw -= w;
		cells += w;
	}
	if (cells > BAR_MAX)
		cells = BAR_MAX;
	if (cells < 10)
		cells = 10;

	obs_duration_format(t->end - t->start, total, sizeof(total));
	obs_time_format(t->start, ts, sizeof(ts));
	jb_fmt(&b, "%strace %s%s  %s  %s  %d span%s  %d error%s\n", st.color ? "\033[1m" : "",
	       t->id, st.color ? "\033[0m" : "", ts, total, t->count, t->count == 1 ? "" : "s",
	       t->errors, t->errors == 1 ? "" : "s");
	jb_cstr(&b, "services: ");
	for (i = 0; i < t->nservices; i++) {
		jb_cstr(&b, i ? ", " : "");
		put_clipped(&b, t->services[i], 1000, &st);
	}
	jb_cstr(&b, t->nservices ? "\n\n" : "-\n\n");

	for (i = 0; i < t->npre; i++) {
		int idx = t->pre[i];
		const struct node *nd = &t->n[idx];
		int is_err = nd->status && !strcmp(nd->status, "error");
		int used;

		if (nd->orphan && !missing_done) {
			jb_cstr(&b, "  (missing parent)\n");
			missing_done = 1;
		}
		jb_cstr(&b, nd->on_path ? (st.color ? "\033[1m*\033[0m " : "* ") : "  ");
		prefix(&b, t, idx, &st);
		if (nd->on_path && st.color)
			jb_cstr(&b, "\033[1m");
		{
			size_t before = b.len;

			put_clipped(&b, nd->name ? nd->name : "-", lw - prefix_width(t, idx) > 1
					 ? lw - prefix_width(t, idx) : 1, &st);
			used = prefix_width(t, idx) + obs_cli_text_width(b.p + before);
		}
		if (nd->on_path && st.color)
			jb_cstr(&b, "\033[0m");
		pad(&b, lw - used);
		jb_cstr(&b, "  ");
		{
			size_t before = b.len;

			put_clipped(&b, nd->service ? nd->service : "-", sw, &st);
			pad(&b, sw - obs_cli_text_width(b.p + before));
		}
		obs_duration_format(nd->end - nd->start, dur, sizeof(dur));
		jb_fmt(&b, "  %*s  ", dw, dur);
		if (is_err && st.color)
			jb_fmt(&b, "\033[31m%-5s\033[0m", "error");
		else
			jb_fmt(&b, "%-5s", nd->status ? nd->status : "-");
		jb_cstr(&b, "  ");
		bar(&b, t, nd, cells, &st);
		jb_cstr(&b, "\n");
	}
	if (t->errors) {
		jb_cstr(&b, "\nerrors:\n");
		for (i = 0; i < t->npre; i++) {
			const struct node *nd = &t->n[t->pre[i]];

			if (!nd->status || strcmp(nd->status, "error"))
				continue;
			jb_cstr(&b, "  ");
			put_clipped(&b, nd->name ? nd->name : "-", 1000, &st);
			jb_fmt(&b, " (%s)", nd->span_id);
			if (nd->message) {
				jb_cstr(&b, ": ");
				put_clipped(&b, nd->message, 1000, &st);
			}
			jb_cstr(&b, "\n");
		}
	}
	fwrite(b.p, 1, b.len, stdout);
	obs_buf_release(&b);
}

/* ---- the command ------------------------------------------------------------------ */

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_STRICT };

int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "output", required_argument, NULL, 'o' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum obs_output out = OBS_OUT_AUTO;
	int64_t since = OBS_TIME_MIN, until = OBS_TIME_MAX;
	struct obs_filter f;
	struct obs_cli_input in;
	struct trace t;
	struct obs_error err;
	const char *line, *reason, *arg;
	size_t len, i;
	int c, strict = 0, r, rc, status = OBS_EXIT_OK;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SINCE:
		case OPT_UNTIL:
			if (obs_time_parse_relative(optarg, obs_time_now(),
						    c == OPT_SINCE ? &since : &until, &err) < 0) {
				obs_warnx("%s", err.msg);
				return OBS_EXIT_USAGE;
			}
			break;
		case 'o':
			if (obs_output_parse(optarg, 1u << OBS_OUT_TREE | 1u << OBS_OUT_JSON, &out) < 0) {
				obs_warnx("invalid output format '%s' (expected tree or json)", optarg);
				return OBS_EXIT_USAGE;
			}
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case 'h':
			obs_cli_usage(stdout, show_synopsis, show_options);
			return obs_cli_finish(OBS_EXIT_OK);
		default:
			return obs_cli_bad_option("show", show_synopsis, argv, c);
		}
	}
	if (optind >= argc)
		return obs_cli_usage_error(show_synopsis, "show: no trace id given");
	arg = argv[optind++];
	memset(&t, 0, sizeof(t));
	if (strlen(arg) != OBS_TRACE_ID_HEX) {
		obs_warnx("invalid trace id '%s'", arg);
		return OBS_EXIT_USAGE;
	}
	for (i = 0; i < OBS_TRACE_ID_HEX; i++)
		t.id[i] = (char)tolower((unsigned char)arg[i]);
	if (!obs_trace_id_valid(t.id)) {
		obs_warnx("invalid trace id '%s'", arg);
		return OBS_EXIT_USAGE;
	}
	if (out == OBS_OUT_AUTO)
		out = obs_cli_isatty(STDOUT_FILENO) ? OBS_OUT_TREE : OBS_OUT_JSON;

	obs_filter_init(&f);
	if (obs_filter_add(&f, "type", "span", &err) < 0 ||
	    obs_filter_add(&f, "trace", t.id, &err) < 0) {
		obs_warnx("%s", err.msg);
		obs_filter_release(&f);
		return OBS_EXIT_FAILURE;
	}
	rc = obs_cli_input_open(&in, argv + optind, argc - optind, "spans", since, until, strict);
	if (rc) {
		obs_filter_release(&f);
		return rc;
	}
	for (;;) {
		r = obs_cli_input_next(&in, &line, &len);
		if (r <= 0)
			break;
		r = obs_filter_match(&f, line, len, &err);
		if (r == 0)
			continue;
		if (r < 0) {
			reason = err.msg;
		} else if (add_span(&t, &f.scan, line, len, &reason) == 0) {
			continue;
		}
		if (obs_cli_input_bad(&in, reason) < 0)
			break;
	}
	obs_filter_release(&f);
	status = obs_cli_input_finish(&in, status);
	if (status == OBS_EXIT_OK && t.count == 0) {
		obs_warnx("trace '%s' not found", t.id);
		status = OBS_EXIT_FAILURE;
	}
	if (status == OBS_EXIT_OK) {
		assemble(&t);
		if (out == OBS_OUT_JSON)
			show_json(&t);
		else
			show_tree(&t);
	}
	trace_release(&t);
	return obs_cli_finish(status);
}
