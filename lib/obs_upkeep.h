/* SPDX-License-Identifier: MIT */
/* Store upkeep: listing segments, compacting closed days, retention, verification. */
#ifndef OBS_UPKEEP_H
#define OBS_UPKEEP_H

#include <stdint.h>
#include <sys/types.h>

#include "obs_error.h"
#include "obs_store.h"

/* One segment file of the store. */
struct obs_segment {
	char *signal;       /* folder name: "spans", "metrics", ... */
	char *path;
	int64_t day;        /* days since 1970-01-01 (UTC) */
	int gz;             /* a .ndjson.gz segment */
	off_t bytes;        /* size on disk */
};

struct obs_segment_list {
	struct obs_segment *seg;
	int n, cap;
};

/*
 * Every segment under the store (all signal folders; files that are not
 * segments and the state/ folder are passed over), sorted by signal, day,
 * then .gz before plain. A missing store is an empty list. Free with
 * obs_segment_list_release.
 */
int obs_store_list(struct obs_store *st, struct obs_segment_list *out, struct obs_error *err);
void obs_segment_list_release(struct obs_segment_list *l);

/*
 * Compress the plain segment of SIGNAL for DAY into its .ndjson.gz: under
 * the segment's lock (so no append is lost), the existing .gz (if any) is
 * copied and the plain content added as a further gzip member, the result
 * synced and renamed into place, and the plain file removed. Writers that
 * were waiting on the lock see the file is gone and reopen (a new plain
 * segment). The day's records read in the same order as before, so byte
 * offsets into a day's decompressed stream stay valid. LEVEL is zlib's
 * (1-9). A day with no plain segment is left alone (returns 0).
 */
int obs_store_compact_day(struct obs_store *st, const char *signal, int64_t day, int level,
			  struct obs_error *err);

/* Remove the segment file PATH under its lock (for retention). */
int obs_store_remove_segment(const char *path, struct obs_error *err);

#endif
