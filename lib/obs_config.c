/* SPDX-License-Identifier: MIT */
/* Configuration: YAML and JSON files into jansson values, with env overrides. */
#include "obs_config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

struct anchor {
	char *name;
	json_t *val;          /* a reference of its own */
	char *raw;            /* scalar text, for use as a key; NULL for containers */
	size_t nodes;         /* nodes in the value, itself included */
	int height;           /* containers on the longest path down; 0 for a scalar */
};

struct frame {
	json_t *val;          /* the container being built */
	char *key;            /* mapping: key waiting for its value, else NULL */
	char *anchor;         /* to define once the container is complete */
	yaml_mark_t start;    /* where the container starts, for messages */
	size_t nodes;
	int height;
};

struct builder {
	const char *name;
	const char *buf;
	size_t len;
	struct obs_error *err;
	struct frame stack[OBS_CONFIG_MAX_DEPTH];
	int depth;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	size_t total;         /* nodes so far, counting each alias as a copy */
	json_t *root;
	int root_empty;       /* the document is an empty plain scalar */
	int docs;
};

static int mark_error(struct builder *b, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int mark_error(struct builder *b, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[OBS_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return obs_error_set(b->err, "%s:%zu:%zu: %s", b->name, m->line + 1, m->column + 1, msg);
}

/* Line and column (1-based, in bytes) of byte OFF of the buffer. */
static void offset_position(const char *buf, size_t len, size_t off, size_t *line, size_t *col)
{
	size_t i, start = 0;

	*line = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = off - start + 1;
}

static int parser_error(struct builder *b, const yaml_parser_t *p)
{
	size_t line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return obs_error_set(b->err, "%s: out of memory", b->name);
	case YAML_READER_ERROR:
		offset_position(b->buf, b->len, p->problem_offset, &line, &col);
		return obs_error_set(b->err, "%s:%zu:%zu: %s", b->name, line, col,
				     p->problem ? p->problem : "cannot read input");
	default:
		if (p->context)
			return obs_error_set(b->err, "%s:%zu:%zu: %s (%s at line %zu column %zu)",
					     b->name, p->problem_mark.line + 1,
					     p->problem_mark.column + 1,
					     p->problem ? p->problem : "syntax error", p->context,
					     p->context_mark.line + 1, p->context_mark.column + 1);
		return obs_error_set(b->err, "%s:%zu:%zu: %s", b->name, p->problem_mark.line + 1,
				     p->problem_mark.column + 1,
				     p->problem ? p->problem : "syntax error");
	}
}

/* ---- scalars: the YAML 1.2 core schema ----------------------------------- */

static int all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

static int is_null(const char *s)
{
	return !strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* 1 true, 0 false, -1 not a boolean. */
static int bool_value(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return 0;
	return -1;
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ : 1 if S has that form. */
static int is_int(const char *s)
{
	if (!strncmp(s, "0o", 2))
		return all_of(s + 2, "01234567");
	if (!strncmp(s, "0x", 2))
		return all_of(s + 2, "0123456789abcdefABCDEF");
	if (*s == '-' || *s == '+')
		s++;
	return all_of(s, "0123456789");
}

/* Value of an is_int() string; -1 if it does not fit in int64. */
static int int_value(const char *s, json_int_t *v)
{
	unsigned long long u;
	long long ll;
	char *end;

	errno = 0;
	if (!strncmp(s, "0o", 2) || !strncmp(s, "0x", 2)) {
		u = strtoull(s + 2, &end, s[1] == 'o' ? 8 : 16);
		if (errno || u > INT64_MAX)
			return -1;
		*v = (json_int_t)u;
		return 0;
	}
	ll = strtoll(s, &end, 10);
	if (errno)
		return -1;
	*v = ll;
	return 0;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static int is_float(const char *s)
{
	size_t n;

	if (*s == '-' || *s == '+')
		s++;
	if (*s == '.') {
		n = strspn(s + 1, "0123456789");
		if (n == 0)
			return 0;
		s += 1 + n;
	} else {
		n = strspn(s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
		if (*s == '.')
			s += 1 + strspn(s + 1, "0123456789");
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		n = strspn(s, "0123456789");
		if (n == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

static int is_inf_nan(const char *s)
{
	if (*s == '-' || *s == '+')
		return !strcmp(s + 1, ".inf") || !strcmp(s + 1, ".Inf") || !strcmp(s + 1, ".INF");
	return !strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
	       !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN");
}

/* V, or NULL with "out of memory" said when it is NULL. */
static json_t *made(struct builder *b, const yaml_mark_t *m, json_t *v)
{
	if (!v)
		mark_error(b, m, "out of memory");
	return v;
}

static json_t *make_int(struct builder *b, const yaml_mark_t *m, const char *s)
{
	json_int_t v;

	if (int_value(s, &v) < 0) {
		mark_error(b, m, "integer out of range");
		return NULL;
	}
	return made(b, m, json_integer(v));
}

static json_t *make_float(struct builder *b, const yaml_mark_t *m, const char *s)
{
	double d;

	if (is_inf_nan(s)) {
		mark_error(b, m, "'%s' cannot be represented in JSON", s);
		return NULL;
	}
	d = strtod(s, NULL);
	if (!isfinite(d)) {
		mark_error(b, m, "number out of range");
		return NULL;
	}
	return made(b, m, json_real(d));
}

static json_t *make_string(struct builder *b, const yaml_mark_t *m, const char *s, size_t len)
{
	/* libyaml hands out UTF-8 only, so NULL means out of memory. */
	return made(b, m, json_stringn(s, len));
}

/* A plain scalar without a tag. */
static json_t *resolve_plain(struct builder *b, const yaml_mark_t *m, const char *s, size_t len)
{
	int bv;

	/* Plain scalars cannot hold a NUL, so S is all of the scalar. */
	if (is_null(s))
		return json_null();
	bv = bool_value(s);
	if (bv >= 0)
		return json_boolean(bv);
	if (is_int(s))
		return make_int(b, m, s);
	if (is_float(s) || is_inf_nan(s))
		return make_float(b, m, s);
	return make_string(b, m, s, len);
}

/* Print tags as written: "!!int" rather than "tag:yaml.org,2002:int". */
static int tag_error(struct builder *b, const yaml_mark_t *m, const char *what, const char *tag)
{
	size_t n = strlen(TAG_PREFIX);

	if (!strncmp(tag, TAG_PREFIX, n))
		return mark_error(b, m, "%s '!!%s'", what, tag + n);
	return mark_error(b, m, "%s '%s'", what, tag);
}

static json_t *resolve_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t len = ev->data.scalar.length;
	const yaml_mark_t *m = &ev->start_mark;
	int bv, ok = strlen(s) == len;

	if (!tag)
		return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ?
			resolve_plain(b, m, s, len) : make_string(b, m, s, len);
	/* The non-specific tag "!" makes a scalar a string. */
	if (!strcmp(tag, "!") || !strcmp(tag, TAG_PREFIX "str"))
		return make_string(b, m, s, len);
	if (!strcmp(tag, TAG_PREFIX "null")) {
		if (ok && is_null(s))
			return json_null();
	} else if (!strcmp(tag, TAG_PREFIX "bool")) {
		bv = ok ? bool_value(s) : -1;
		if (bv >= 0)
			return json_boolean(bv);
	} else if (!strcmp(tag, TAG_PREFIX "int")) {
		if (ok && is_int(s))
			return make_int(b, m, s);
	} else if (!strcmp(tag, TAG_PREFIX "float")) {
		if (ok && ((is_int(s) && strncmp(s, "0o", 2) && strncmp(s, "0x", 2)) ||
			   is_float(s) || is_inf_nan(s)))
			return make_float(b, m, s);
	} else {
		tag_error(b, m, "unsupported tag", tag);
		return NULL;
	}
	tag_error(b, m, "value does not match its tag", tag);
	return NULL;
}

/* ---- building ------------------------------------------------------------ */

static int define_anchor(struct builder *b, const char *name, json_t *val, const char *raw,
			 size_t nodes, int height)
{
	struct anchor *a;
	size_t i;

	/* A redefined anchor replaces the old one for later aliases. */
	for (i = 0; i < b->nanchors; i++)
		if (!strcmp(b->anchors[i].name, name))
			break;
	if (i == b->nanchors) {
		if (b->nanchors == b->capanchors) {
			size_t cap = b->capanchors ? 2 * b->capanchors : 8;
			struct anchor *n = realloc(b->anchors, cap * sizeof(*n));

			if (!n)
				goto oom;
			b->anchors = n;
			b->capanchors = cap;
		}
		a = &b->anchors[b->nanchors];
		memset(a, 0, sizeof(*a));
		a->name = strdup(name);
		if (!a->name)
			goto oom;
		b->nanchors++;
	} else {
		a = &b->anchors[i];
		json_decref(a->val);
		free(a->raw);
		a->val = NULL;
		a->raw = NULL;
	}
	a->val = json_incref(val);
	a->nodes = nodes;
	a->height = height;
	if (raw && !(a->raw = strdup(raw)))
		goto oom;
	return 0;
oom:
	return obs_error_set(b->err, "%s: out of memory", b->name);
}

static int count_nodes(struct builder *b, const yaml_mark_t *m, size_t nodes)
{
	if (nodes > OBS_CONFIG_MAX_NODES - b->total)
		return mark_error(b, m, "too many nodes (more than %d, aliases counted in full)",
				  OBS_CONFIG_MAX_NODES);
	b->total += nodes;
	return 0;
}

/*
 * Place a complete node V (reference stolen) where the document expects
 * it: the root, a sequence item, a mapping key (RAW is its scalar text, or
 * NULL for a container) or a mapping value.
 */
static int add_node(struct builder *b, const yaml_mark_t *m, json_t *v, const char *raw,
		    size_t rawlen, size_t nodes, int height)
{
	struct frame *f;

	if (b->depth == 0) {
		b->root = v;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	f->nodes += nodes;
	if (height + 1 > f->height)
		f->height = height + 1;
	if (json_is_array(f->val))
		return json_array_append_new(f->val, v) < 0 ? mark_error(b, m, "out of memory") : 0;
	if (f->key) {
		int r = json_object_set_new(f->val, f->key, v);

		free(f->key);
		f->key = NULL;
		return r < 0 ? mark_error(b, m, "out of memory") : 0;
	}
	json_decref(v);
	if (!raw)
		return mark_error(b, m, "mapping key is not a scalar");
	if (strlen(raw) != rawlen)
		return mark_error(b, m, "mapping key contains a NUL byte");
	if (json_object_get(f->val, raw))
		return mark_error(b, m, "duplicate key '%s'", raw);
	f->key = strdup(raw);
	return f->key ? 0 : mark_error(b, m, "out of memory");
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const char *raw = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	json_t *v;

	if (count_nodes(b, &ev->start_mark, 1) < 0)
		return -1;
	/* A key is only text: resolve it only if an alias may reuse it as a value. */
	if (!anchor && b->depth > 0 && json_is_object(b->stack[b->depth - 1].val) &&
	    !b->stack[b->depth - 1].key)
		v = json_null();
	else
		v = resolve_scalar(b, ev);
	if (!v)
		return -1;
	if (anchor && define_anchor(b, anchor, v, raw, 1, 0) < 0) {
		json_decref(v);
		return -1;
	}
	if (b->depth == 0 && len == 0 && !ev->data.scalar.tag &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		b->root_empty = 1;
	return add_node(b, &ev->start_mark, v, raw, len, 1, 0);
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const struct anchor *a = NULL;
	size_t i;

	for (i = 0; i < b->nanchors; i++)
		if (!strcmp(b->anchors[i].name, name))
			a = &b->anchors[i];
	/* An anchor still being built is not defined yet: no cycles. */
	if (!a)
		return mark_error(b, &ev->start_mark, "unknown anchor '%s'", name);
	if (b->depth + a->height > OBS_CONFIG_MAX_DEPTH)
		return mark_error(b, &ev->start_mark, "nesting too deep (more than %d levels)",
				  OBS_CONFIG_MAX_DEPTH);
	if (count_nodes(b, &ev->start_mark, a->nodes) < 0)
		return -1;
	/* Aliases share the anchored value: the result is a DAG, read-only. */
	return add_node(b, &ev->start_mark, json_incref(a->val), a->raw,
			a->raw ? strlen(a->raw) : 0, a->nodes, a->height);
}

static int on_start(struct builder *b, const yaml_event_t *ev, int is_map)
{
	const char *tag = (const char *)(is_map ? ev->data.mapping_start.tag :
					 ev->data.sequence_start.tag);
	const char *anchor = (const char *)(is_map ? ev->data.mapping_start.anchor :
					    ev->data.sequence_start.anchor);
	struct frame *f;

	if (tag && strcmp(tag, "!") && strcmp(tag, is_map ? TAG_PREFIX "map" : TAG_PREFIX "seq"))
		return tag_error(b, &ev->start_mark, "unsupported tag", tag);
	if (b->depth == OBS_CONFIG_MAX_DEPTH)
		return mark_error(b, &ev->start_mark, "nesting too deep (more than %d levels)",
				  OBS_CONFIG_MAX_DEPTH);
	if (count_nodes(b, &ev->start_mark, 1) < 0)
		return -1;
	f = &b->stack[b->depth];
	memset(f, 0, sizeof(*f));
	f->val = is_map ? json_object() : json_array();
	f->start = ev->start_mark;
	f->nodes = 1;
	f->height = 1;
	b->depth++;     /* from here on builder_release() frees the frame */
	if (!f->val || (anchor && !(f->anchor = strdup(anchor))))
		return mark_error(b, &ev->start_mark, "out of memory");
	return 0;
}

static int on_end(struct builder *b)
{
	struct frame f = b->stack[--b->depth];
	int r = 0;

	if (f.anchor)
		r = define_anchor(b, f.anchor, f.val, NULL, f.nodes, f.height);
	free(f.anchor);
	free(f.key);    /* always NULL: libyaml pairs every key with a value */
	if (r < 0) {
		json_decref(f.val);
		return -1;
	}
	return add_node(b, &f.start, f.val, NULL, 0, f.nodes, f.height);
}

static void builder_release(struct builder *b)
{
	size_t i;

	while (b->depth > 0) {
		struct frame *f = &b->stack[--b->depth];

		json_decref(f->val);
		free(f->key);
		free(f->anchor);
	}
	for (i = 0; i < b->nanchors; i++) {
		free(b->anchors[i].name);
		free(b->anchors[i].raw);
		json_decref(b->anchors[i].val);
	}
	free(b->anchors);
	json_decref(b->root);
	b->root = NULL;
}

static json_t *load_yaml(const char *buf, size_t len, const char *name, struct obs_error *err)
{
	struct builder *b;
	yaml_parser_t parser;
	yaml_event_t ev;
	json_t *ret = NULL;
	int done = 0, r;

	b = calloc(1, sizeof(*b));
	if (!b || !yaml_parser_initialize(&parser)) {
		free(b);
		obs_error_set(err, "%s: out of memory", name);
		return NULL;
	}
	b->name = name;
	b->buf = buf;
	b->len = len;
	b->err = err;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(b, &parser);
			goto out;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			r = ++b->docs > 1 ? mark_error(b, &ev.start_mark, "more than one document") : 0;
			break;
		case YAML_SCALAR_EVENT:
			r = on_scalar(b, &ev);
			break;
		case YAML_ALIAS_EVENT:
			r = on_alias(b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			r = on_start(b, &ev, 0);
			break;
		case YAML_MAPPING_START_EVENT:
			r = on_start(b, &ev, 1);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			r = on_end(b);
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			r = 0;
			break;
		default:
			r = 0;
			break;
		}
		yaml_event_delete(&ev);
		if (r < 0)
			goto out;
	}
	/* An empty file (or a bare "---") is an empty configuration. */
	if (!b->root || b->root_empty) {
		json_decref(b->root);
		b->root = json_object();
		if (!b->root) {
			obs_error_set(err, "%s: out of memory", name);
			goto out;
		}
	}
	ret = b->root;
	b->root = NULL;
out:
	yaml_parser_delete(&parser);
	builder_release(b);
	free(b);
	return ret;
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *load_json(const char *buf, size_t len, const char *name, struct obs_error *err)
{
	json_error_t jerr;
	json_t *v;
	char *near;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v)
		return v;
	near = strstr(jerr.text, " near '");
	if (json_error_code(&jerr) == json_error_duplicate_key && near && near[7] == '"') {
		/* "duplicate object key near '"KEY"'": say it as the YAML loader does. */
		size_t kl = strlen(near + 8);

		obs_error_set(err, "%s:%d:%d: duplicate key '%.*s'", name, jerr.line,
			      jerr.column > 0 ? jerr.column : 1, (int)(kl >= 2 ? kl - 2 : 0), near + 8);
		return NULL;
	}
	/* "near 'TOKEN'" could quote a secret: keep only "near end of file". */
	if (near)
		*near = '\0';
	obs_error_set(err, "%s:%d:%d: %s", name, jerr.line > 0 ? jerr.line : 1,
		      jerr.column > 0 ? jerr.column : 1, jerr.text);
	return NULL;
}

json_t *obs_config_load_buffer(const char *buf, size_t len, const char *name,
			       struct obs_error *err)
{
	size_t i = 0;

	if (!name)
		name = "<config>";
	if (!buf) {
		buf = "";
		len = 0;
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (i < len && (buf[i] == '{' || buf[i] == '[')) {
		size_t bom = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;

		return load_json(buf + bom, len - bom, name, err);
	}
	return load_yaml(buf, len, name, err);
}

/*
 * Read PATH whole. -1 with err, and errno from open(2) so that callers can
 * tell a missing file.
 */
static int read_file(const char *path, char **out, size_t *outlen, struct obs_error *err)
{
	char *buf = NULL, *n;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return obs_error_errno(err, "cannot open '%s'", path);
	for (;;) {
		if (len == cap) {
			if (cap > OBS_CONFIG_MAX_SIZE) {
				obs_error_set(err, "'%s' is too large (more than %d bytes)", path,
					      OBS_CONFIG_MAX_SIZE);
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? 2 * cap : 16384;
			if (cap > OBS_CONFIG_MAX_SIZE + 1)
				cap = OBS_CONFIG_MAX_SIZE + 1;
			n = realloc(buf, cap);
			if (!n) {
				obs_error_set(err, "'%s': out of memory", path);
				errno = ENOMEM;
				goto fail;
			}
			buf = n;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			obs_error_errno(err, "cannot read '%s'", path);
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

json_t *obs_config_load_file(const char *path, struct obs_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	json_t *v;

	if (read_file(path, &buf, &len, err) < 0)
		return NULL;
	v = obs_config_load_buffer(buf ? buf : "", len, path, err);
	free(buf);
	return v;
}

json_t *obs_config_load_default(struct obs_error *err)
{
	const char *env = getenv("OBS_CONFIG"), *base, *sub;
	char *path = NULL, *buf = NULL;
	json_t *v = NULL;
	size_t len = 0;

	if (env && *env)
		return obs_config_load_file(env, err);
	base = getenv("XDG_CONFIG_HOME");
	sub = "obs/config.yaml";
	/* The XDG spec says relative paths there are invalid and ignored. */
	if (!base || base[0] != '/') {
		struct passwd *pw;

		base = getenv("HOME");
		if (!base || !*base) {
			pw = getpwuid(getuid());
			base = pw ? pw->pw_dir : NULL;
		}
		sub = ".config/obs/config.yaml";
		if (!base || !*base)
			return json_object();
	}
	if (asprintf(&path, "%s/%s", base, sub) < 0) {
		obs_error_set(err, "out of memory");
		return NULL;
	}
	if (read_file(path, &buf, &len, err) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			v = json_object();
		goto out;
	}
	v = obs_config_load_buffer(buf ? buf : "", len, path, err);
out:
	free(buf);
	free(path);
	return v;
}

/* ---- lookup -------------------------------------------------------------- */

/* Array index in [s, s+len): all digits, no leading zero; -1 if not. */
static long array_index(const char *s, size_t len)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static json_t *lookup(json_t *v, const char *path)
{
	const char *end;
	json_t *child, *r;

	for (end = path;; end++) {
		if (*end != '.' && *end != '\0')
			continue;
		if (json_is_object(v)) {
			child = json_object_getn(v, path, (size_t)(end - path));
		} else if (json_is_array(v)) {
			long i = array_index(path, (size_t)(end - path));

			child = i >= 0 ? json_array_get(v, (size_t)i) : NULL;
		} else {
			return NULL;
		}
		if (child) {
			if (*end == '\0')
				return child;
			r = lookup(child, end + 1);
			if (r)
				return r;
		}
		if (*end == '\0')
			return NULL;
	}
}

json_t *obs_config_get(json_t *cfg, const char *path)
{
	if (!cfg)
		return NULL;
	if (!path || !*path)
		return cfg;
	return lookup(cfg, path);
}

const char *obs_config_get_string(json_t *cfg, const char *path, const char *env)
{
	const char *e = env ? getenv(env) : NULL;

	if (e && *e)
		return e;
	return json_string_value(obs_config_get(cfg, path));
}
