/* SPDX-License-Identifier: MIT */
/* Label sets: immutable, sorted, reference-counted name/value pairs as Prometheus has them. */
#include "obs_labels.h"

#include "obs_buf.h"

#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_add(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	/* 0xff cannot occur in UTF-8 text: it separates the strings. */
	h ^= 0xff;
	return h * FNV_PRIME;
}

uint64_t obs_labels_hash_pairs(const struct obs_label *pairs, size_t len)
{
	uint64_t h = FNV_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		h = fnv_add(h, pairs[i].name);
		h = fnv_add(h, pairs[i].value);
	}
	return h;
}

static void merge_sort(struct obs_label *a, struct obs_label *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(a, tmp, mid);
	merge_sort(a + mid, tmp, n - mid);
	while (i < mid && j < n) {
		if (strcmp(a[j].name, a[i].name) < 0)
			tmp[k++] = a[j++];
		else
			tmp[k++] = a[i++];
	}
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof(*a));
}

/* Stable insertion sort for the common small case; merge sort above that. */
static int sort_pairs(struct obs_label *a, size_t n)
{
	struct obs_label *tmp, x;
	size_t i, j;

	if (n <= 16) {
		for (i = 1; i < n; i++) {
			x = a[i];
			for (j = i; j > 0 && strcmp(a[j - 1].name, x.name) > 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return 0;
	}
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -1;
	merge_sort(a, tmp, n);
	free(tmp);
	return 0;
}

size_t obs_labels_normalize(struct obs_label *pairs, size_t len)
{
	size_t i, out = 0;

	if (sort_pairs(pairs, len) < 0)
		return (size_t)-1;
	for (i = 0; i < len; i++) {
		/* Keep only the last pair of a run of equal names. */
		if (i + 1 < len && strcmp(pairs[i].name, pairs[i + 1].name) == 0)
			continue;
		if (!pairs[i].value || !pairs[i].value[0])
			continue;
		pairs[out++] = pairs[i];
	}
	return out;
}

/* Build from pairs already normalized. */
static struct obs_labels *build(const struct obs_label *pairs, size_t len)
{
	struct obs_labels *l;
	size_t i, bytes = 0, off;
	char *s;

	for (i = 0; i < len; i++)
		bytes += strlen(pairs[i].name) + strlen(pairs[i].value) + 2;
	off = sizeof(*l) + len * sizeof(l->v[0]);
	l = malloc(off + bytes);
	if (!l)
		return NULL;
	l->refs = 1;
	l->len = (unsigned)len;
	l->hash = obs_labels_hash_pairs(pairs, len);
	s = (char *)l + off;
	for (i = 0; i < len; i++) {
		size_t nl = strlen(pairs[i].name) + 1, vl = strlen(pairs[i].value) + 1;

		memcpy(s, pairs[i].name, nl);
		l->v[i].name = s;
		s += nl;
		memcpy(s, pairs[i].value, vl);
		l->v[i].value = s;
		s += vl;
	}
	return l;
}

struct obs_labels *obs_labels_new(const struct obs_label *pairs, size_t len)
{
	struct obs_label small[32], *tmp = small;
	struct obs_labels *l;
	size_t n;

	if (len > 32) {
		tmp = malloc(len * sizeof(*tmp));
		if (!tmp)
			return NULL;
	}
	if (len)
		memcpy(tmp, pairs, len * sizeof(*tmp));
	n = obs_labels_normalize(tmp, len);
	l = n == (size_t)-1 ? NULL : build(tmp, n);
	if (tmp != small)
		free(tmp);
	return l;
}

struct obs_labels *obs_labels_empty(void)
{
	return build(NULL, 0);
}

struct obs_labels *obs_labels_ref(struct obs_labels *l)
{
	if (l)
		l->refs++;
	return l;
}

void obs_labels_unref(struct obs_labels *l)
{
	if (l && --l->refs == 0)
		free(l);
}

const char *obs_labels_get(const struct obs_labels *l, const char *name)
{
	size_t lo = 0, hi = l->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].name, name);

		if (c == 0)
			return l->v[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int obs_labels_cmp(const struct obs_labels *a, const struct obs_labels *b)
{
	unsigned i, n = a->len < b->len ? a->len : b->len;
	int c;

	for (i = 0; i < n; i++) {
		c = strcmp(a->v[i].name, b->v[i].name);
		if (c)
			return c;
		c = strcmp(a->v[i].value, b->v[i].value);
		if (c)
			return c;
	}
	return a->len < b->len ? -1 : a->len > b->len;
}

int obs_labels_equal_pairs(const struct obs_labels *l, const struct obs_label *pairs, size_t len)
{
	size_t i;

	if (l->len != len)
		return 0;
	for (i = 0; i < len; i++)
		if (strcmp(l->v[i].name, pairs[i].name) || strcmp(l->v[i].value, pairs[i].value))
			return 0;
	return 1;
}

int obs_labels_equal(const struct obs_labels *a, const struct obs_labels *b)
{
	if (a == b)
		return 1;
	if (a->hash != b->hash)
		return 0;
	return obs_labels_equal_pairs(a, b->v, b->len);
}

/* Go's strconv.Quote for the characters label values usually hold. */
static void sb_quoted(struct obs_buf *b, const char *s)
{
	obs_buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			obs_buf_addc(b, '\\');
			obs_buf_addc(b, (char)c);
		} else if (c == '\n') {
			obs_buf_add(b, "\\n", 2);
		} else if (c == '\t') {
			obs_buf_add(b, "\\t", 2);
		} else if (c == '\r') {
			obs_buf_add(b, "\\r", 2);
		} else if (c < 0x20 || c == 0x7f) {
			obs_buf_addf(b, "\\x%02x", c);
		} else {
			obs_buf_add(b, s, 1);
		}
	}
	obs_buf_addc(b, '"');
}

char *obs_labels_format(const struct obs_labels *l)
{
	struct obs_buf b = OBS_BUF_INIT;
	unsigned i;

	obs_buf_addc(&b, '{');
	for (i = 0; i < l->len; i++) {
		if (i)
			obs_buf_add(&b, ", ", 2);
		obs_buf_adds(&b, l->v[i].name);
		obs_buf_addc(&b, '=');
		sb_quoted(&b, l->v[i].value);
	}
	obs_buf_addc(&b, '}');
	return obs_buf_detach(&b);
}
