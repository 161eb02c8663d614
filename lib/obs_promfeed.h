/* SPDX-License-Identifier: MIT */
/* The store's metric records kept in a Prometheus exposition, reading only what was appended since the last time. */
#ifndef OBS_PROMFEED_H
#define OBS_PROMFEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "obs_error.h"
#include "obs_metric_scan.h"
#include "obs_promtext.h"
#include "obs_store.h"

/*
 * A server answering scrapes (obs-export serve's /metrics) cannot read the
 * whole store at every scrape. A feed keeps an obs_promtext_writer with
 * every record read so far and, per segment of the "metrics" folder, how
 * far it was read; a refresh reads only the complete lines appended since
 * (a line still being written is left for the next refresh).
 *
 * The writer's aggregation (see obs_promtext.h) makes this exact: delta
 * counters are summed, gauges and cumulative counters keep their latest
 * value by time, observations fill histogram buckets. When a segment read
 * before is gone (retention), replaced (compaction into .gz, which also
 * removes the plain file) or shorter than what was read (truncated), the
 * feed starts over from an empty writer and reads every segment again: the
 * exposition is always that of the records the store holds now.
 *
 * With a window (since_window > 0), every refresh starts over and keeps the
 * records of the last since_window ns only (records without a time are
 * kept), from the segments of the days it covers.
 *
 * Lines are read as `obs-metric expose` reads them (obs_metric_scan):
 * records of other types are passed over; lines that are not valid metric
 * records, records the writer refuses (a family with two types; see
 * obs_promtext_writer_add) and lines longer than max_line are skipped and
 * counted. Memory: the writer (one entry per series) and one entry per
 * segment.
 */

struct obs_promfeed_seg;

struct obs_promfeed {
	/* Settings: fill in after _init, before the first refresh. */
	const double *buckets;     /* histogram bounds for observations (borrowed), or NULL */
	size_t nbuckets;
	int64_t since_window;      /* 0: every record the store holds */
	size_t max_line;           /* default OBS_NDJSON_MAX_LINE */

	/* Read-only. */
	unsigned long records;     /* records in the exposition */
	unsigned long skipped;     /* lines skipped, since the last start-over */
	unsigned long rebuilds;    /* start-overs after the first refresh */
	char problem[OBS_ERROR_MAX];  /* the first skipped line's "FILE:LINE: reason", or "" */

	/* Private. */
	struct obs_store *st;
	struct obs_metric_scan scan;
	struct obs_promtext_writer w;
	int started;
	struct obs_promfeed_seg *segs;
	size_t nsegs;
};

/* ST is borrowed and must outlive the feed. Nothing is read yet. */
void obs_promfeed_init(struct obs_promfeed *f, struct obs_store *st);

/*
 * Bring the exposition up to date with the store (NOW is the time the
 * window is counted back from). -1 with err on an I/O error (the feed
 * then starts over at the next refresh) or a bad setting (buckets).
 */
int obs_promfeed_refresh(struct obs_promfeed *f, int64_t now, struct obs_error *err);

/* The exposition text (text format 0.0.4), NUL-terminated; caller frees. */
char *obs_promfeed_text(struct obs_promfeed *f, size_t *len, struct obs_error *err);

void obs_promfeed_release(struct obs_promfeed *f);

#endif
