/* SPDX-License-Identifier: MIT */
/* obs-metric: the commands behind the dispatch table in main.c, and what they share. */
#ifndef OBS_METRIC_CMD_H
#define OBS_METRIC_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_cli.h"
#include "obs_cli_input.h"
#include "obs_ndjson.h"
#include "obs_promql.h"
#include "obs_source.h"
#include "obs_store.h"

/* Each returns an exit status; argv[0] is the command name. */
int cmd_inc(int argc, char **argv);
int cmd_add(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_observe(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_scrape(int argc, char **argv);        /* in obs-metric-scrape (links libcurl) */
int cmd_scrape_exec(int argc, char **argv);   /* in obs-metric: runs obs-metric-scrape */
int cmd_expose(int argc, char **argv);
int cmd_query(int argc, char **argv);

/* Parse a --label NAME=VALUE argument into LABELS; 0, or 2 (reported). */
int metric_label_opt(json_t *labels, const char *arg);
/* Parse a time option (RFC 3339, Unix time, "now" or a duration ago); 0, or 2 (reported). */
int metric_time_opt(const char *opt, const char *arg, int64_t now, int64_t *ns);
/* Parse a duration option; 0, or 2 (reported). POSITIVE: 0 is refused. */
int metric_duration_opt(const char *opt, const char *arg, int positive, int64_t *ns);

/*
 * Add the labels of EXTRA to LABELS (both objects): an extra label wins,
 * and a label it replaces is kept as "exported_NAME", as Prometheus does
 * with target labels. 0, or -1 when out of memory.
 */
int metric_labels_merge(json_t *labels, json_t *extra);

/* Where records go: the store's metrics/ segments, or standard output (--stdout). */
struct metric_sink {
	int to_stdout;
	struct obs_store store;
	struct obs_store_batch batch;
	struct obs_ndjson_writer out;
	unsigned long pending;    /* records in the batch or the writer's buffer */
	unsigned long written;    /* records the store or standard output has taken */
	int failed;               /* a write failed (reported): stop */
};

/* 0, or an exit status (reported): the store cannot be located. */
int metric_sink_open(struct metric_sink *s, int to_stdout);
/* Add a record (borrowed) or a record line (LEN bytes, no newline); 0, or -1 (reported). */
int metric_sink_add(struct metric_sink *s, json_t *rec, int64_t time_ns);
int metric_sink_add_line(struct metric_sink *s, const char *line, size_t len, int64_t time_ns);
/* Write out what is buffered; 0, or -1 (reported). */
int metric_sink_flush(struct metric_sink *s);
/* Free everything; what is still buffered is dropped (flush first). */
void metric_sink_close(struct metric_sink *s);

/* Print a query result in FMT (ndjson, json or table) on standard output; 0, or -1 (reported). */
int metric_query_print(const struct obs_promql_value *v, enum obs_output fmt);

#endif
