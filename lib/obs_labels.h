/* SPDX-License-Identifier: MIT */
/* Label sets: immutable, sorted, reference-counted name/value pairs as Prometheus has them. */
#ifndef OBS_LABELS_H
#define OBS_LABELS_H

#include <stddef.h>
#include <stdint.h>

/* One label; strings are borrowed from whatever holds them. */
struct obs_label {
	const char *name;
	const char *value;
};

/*
 * A label set in one allocation: LEN labels sorted by name (byte order),
 * names unique, values never empty (as in Prometheus, a label with an
 * empty value is the same as no label). The strings live in the same block,
 * so a set is valid as long as one reference to it is held. Not thread-safe.
 */
struct obs_labels {
	unsigned refs;
	unsigned len;
	uint64_t hash;           /* obs_labels_hash_pairs() of the labels */
	struct obs_label v[];
};

/*
 * New set (one reference) from LEN pairs in any order (copied). For a name
 * given twice the last pair wins; pairs with an empty or NULL value are
 * dropped. NULL only when out of memory.
 */
struct obs_labels *obs_labels_new(const struct obs_label *pairs, size_t len);
/* The empty set (a new reference). NULL only when out of memory. */
struct obs_labels *obs_labels_empty(void);
/* Take another reference; returns L. NULL is allowed. */
struct obs_labels *obs_labels_ref(struct obs_labels *l);
/* Drop a reference; frees the set with the last one. NULL is allowed. */
void obs_labels_unref(struct obs_labels *l);

/* Value of NAME, or NULL when the set has no such label. */
const char *obs_labels_get(const struct obs_labels *l, const char *name);
/* Prometheus order: label by label, name then value; a prefix sorts first. */
int obs_labels_cmp(const struct obs_labels *a, const struct obs_labels *b);
/* 1 if the sets are equal, else 0. */
int obs_labels_equal(const struct obs_labels *a, const struct obs_labels *b);

/*
 * Hash of LEN pairs that are already sorted by name with unique names and
 * non-empty values (the hash a set built from them has).
 */
uint64_t obs_labels_hash_pairs(const struct obs_label *pairs, size_t len);
/* 1 if L holds exactly the LEN sorted pairs, else 0. */
int obs_labels_equal_pairs(const struct obs_labels *l, const struct obs_label *pairs, size_t len);

/*
 * Sort LEN pairs by name in place (stable: for equal names the last one
 * given ends last), then remove empty values and all but the last pair of
 * each name. Returns the new length.
 */
size_t obs_labels_normalize(struct obs_label *pairs, size_t len);

/*
 * Render as Prometheus does in messages: {__name__="up", job="x"}, values
 * quoted with Go-style escapes. Caller frees; NULL only when out of memory.
 */
char *obs_labels_format(const struct obs_labels *l);

#endif
