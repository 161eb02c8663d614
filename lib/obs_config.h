/* SPDX-License-Identifier: MIT */
/* Configuration: YAML and JSON files into jansson values, with env overrides. */
#ifndef OBS_CONFIG_H
#define OBS_CONFIG_H

#include <jansson.h>

#include "obs_error.h"

/*
 * Load PATH as YAML (libyaml; YAML 1.2 core schema scalars: null, true/
 * false, integers, floats incl. .inf/.nan, quoted scalars stay strings;
 * anchors and aliases resolved; duplicate keys are an error; one document)
 * or JSON (chosen by content: a file whose first non-space byte is '{' or
 * '[' is read as JSON). Errors read "PATH:LINE:COLUMN: problem".
 * Returns a new reference, or NULL with err.
 */
json_t *obs_config_load_file(const char *path, struct obs_error *err);
/* Same for an in-memory buffer; NAME is used in messages. */
json_t *obs_config_load_buffer(const char *buf, size_t len, const char *name,
			       struct obs_error *err);

/*
 * The user's configuration: $OBS_CONFIG if set (must exist), else
 * $XDG_CONFIG_HOME/obs/config.yaml, else ~/.config/obs/config.yaml (these
 * two may be missing: an empty object is returned). New reference, or NULL.
 */
json_t *obs_config_load_default(struct obs_error *err);

/*
 * Look up a dotted path ("trace.service") in CFG. An environment variable
 * ENV (if not NULL and set and non-empty) overrides the file. Returns a
 * borrowed string, or NULL if absent or not a string/number/bool (numbers
 * and bools are not converted: NULL).
 */
const char *obs_config_get_string(json_t *cfg, const char *path, const char *env);
/* Borrowed value at a dotted path, or NULL. */
json_t *obs_config_get(json_t *cfg, const char *path);

#endif
