/* SPDX-License-Identifier: MIT */
/* Configuration: YAML and JSON files into jansson values, with env overrides. */
#ifndef OBS_CONFIG_H
#define OBS_CONFIG_H

#include <jansson.h>

#include "obs_error.h"

/* Limits: file size, container nesting, and nodes (each alias counted as a full copy). */
#define OBS_CONFIG_MAX_SIZE (16 * 1024 * 1024)
#define OBS_CONFIG_MAX_DEPTH 64
#define OBS_CONFIG_MAX_NODES 1000000

/*
 * Load PATH as YAML (libyaml; YAML 1.2 core schema scalars: null, true/
 * false, integers, floats incl. .inf/.nan, quoted scalars stay strings;
 * anchors and aliases resolved; duplicate keys are an error; one document)
 * or JSON (chosen by content: a file whose first non-space byte is '{' or
 * '[' is read as JSON). Errors read "PATH:LINE:COLUMN: problem".
 * Returns a new reference, or NULL with err.
 *
 * YAML details: an empty file, or a document that is only "---", is an
 * empty object (an explicit "null" or "~" stays null). Keys are the text
 * of scalar keys ("1: x" has the key "1"); a non-scalar key is an error.
 * Integers are decimal with an optional sign, 0o octal or 0x hex, and must
 * fit in 64 bits; .inf and .nan are recognised but are an error, as JSON
 * (and jansson) cannot hold them. Tags: "!" and !!str make a string,
 * !!null, !!bool, !!int and !!float check the value against that type,
 * !!map and !!seq are accepted on containers; any other tag is an error.
 * There are no merge keys ("<<" is an ordinary key, as in YAML 1.2).
 * Aliases share the anchored jansson value (json_incref), so the result
 * may be a DAG: treat it as read-only, or json_deep_copy() it first.
 * Error messages never quote scalar values (they may be secrets), only
 * keys. JSON duplicate keys are errors too.
 */
json_t *obs_config_load_file(const char *path, struct obs_error *err);
/* Same for an in-memory buffer (BUF may be NULL if LEN is 0); NAME is used in messages. */
json_t *obs_config_load_buffer(const char *buf, size_t len, const char *name,
			       struct obs_error *err);

/*
 * The user's configuration: $OBS_CONFIG if set (must exist), else
 * $XDG_CONFIG_HOME/obs/config.yaml, else ~/.config/obs/config.yaml (these
 * two may be missing: an empty object is returned). New reference, or NULL.
 * An empty $OBS_CONFIG counts as unset; a relative $XDG_CONFIG_HOME is
 * ignored (XDG spec); with no $HOME the password database is asked.
 */
json_t *obs_config_load_default(struct obs_error *err);

/*
 * Look up a dotted path ("trace.service") in CFG. An environment variable
 * ENV (if not NULL and set and non-empty) overrides the file. Returns a
 * borrowed string, or NULL if absent or not a string/number/bool (numbers
 * and bools are not converted: NULL).
 */
const char *obs_config_get_string(json_t *cfg, const char *path, const char *env);
/*
 * Borrowed value at a dotted path, or NULL; CFG itself for "" or NULL. A
 * component that is a decimal number indexes an array ("targets.0.url").
 * Keys may contain dots: where "a" and "a.b" are both keys, "a.b.c" tries
 * "a" then "b.c" first, then "a.b" then "c".
 */
json_t *obs_config_get(json_t *cfg, const char *path);

#endif
