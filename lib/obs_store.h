/* SPDX-License-Identifier: MIT */
/* The embedded store: per-signal, per-UTC-day append-only NDJSON segments. */
#ifndef OBS_STORE_H
#define OBS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "obs_error.h"
#include "obs_ndjson.h"
#include "obs_segidx.h"

/*
 * Layout under the root:
 *   spans/2026-11-24.ndjson     one segment per signal per UTC day
 *   spans/2026-11-20.ndjson.gz  closed segments may be gzip-compressed
 *   state/...                   small state files (open spans, cursors)
 * Signals are folder names: "spans", "metrics", "logs", "events", ...
 */
struct obs_store {
	char *root;
};

/*
 * Resolve the location: ROOT if not NULL, else $OBS_HOME, else
 * $XDG_DATA_HOME/obs, else $HOME/.local/share/obs. Nothing is created
 * until the first write. Empty variables count as unset, a relative
 * XDG_DATA_HOME is ignored (as the XDG spec says), trailing slashes are
 * dropped. st->root is allocated; _release frees it.
 */
int obs_store_open(struct obs_store *st, const char *root, struct obs_error *err);
void obs_store_release(struct obs_store *st);

/*
 * Whether the store (or, before it exists, its nearest existing parent
 * folder) is on NFS, where flock() may not exclude other hosts' writers:
 * binaries warn about it. 1 NFS, 0 not, -1 cannot tell (statfs failed).
 */
int obs_store_is_nfs(struct obs_store *st);

/*
 * Append DATA (LEN bytes of one or more complete lines, each ending in
 * '\n') to SIGNAL's segment for the UTC day of TIME_NS: the store and
 * signal folders are created (0700) if missing, the segment opened by this
 * process (created 0600), locked with flock(LOCK_EX), written with one
 * write() (looping on short writes without unlocking), then closed.
 * SIGNAL must match [a-z0-9_-]+. DATA not ending in '\n' is refused; LEN 0
 * does nothing. If the segment ends in a torn line (a writer was killed),
 * a '\n' is written first so that DATA starts on a line of its own; if a
 * write fails, the segment is truncated back to its size before the append.
 * Still under the lock, the append is noted in the segment's time index
 * (obs_segidx.h) with TIME_NS as the store time of every line in DATA:
 * readers with a time window skip blocks by it, so a record's store time
 * must be the time its readers filter on. Errors name the file:
 * "cannot append to 'F': No space left on device".
 */
int obs_store_append(struct obs_store *st, const char *signal, int64_t time_ns,
		     const char *data, size_t len, struct obs_error *err);
/* As obs_store_append, for LINES lines whose store times lie in [MIN_NS, MAX_NS] (one UTC day). */
int obs_store_append_span(struct obs_store *st, const char *signal, int64_t min_ns,
			  int64_t max_ns, unsigned long lines, const char *data, size_t len,
			  struct obs_error *err);

#define OBS_STORE_FLUSH_BYTES (4 * 1024 * 1024)

/*
 * A batch of records, one append per UTC day touched, at flush. Memory is
 * bounded by flush_bytes: _add flushes by itself once that much is
 * buffered. st and signal are borrowed and must outlive the batch.
 */
struct obs_store_batch {
	struct obs_store *st;
	const char *signal;
	/* Setting: auto-flush threshold in bytes (default OBS_STORE_FLUSH_BYTES, 0 = never). */
	size_t flush_bytes;
	/* Private: per-day buffers. */
	int ndays;
	struct obs_store_day {
		int64_t day;     /* day start, ns */
		int64_t min, max; /* store times of the lines buffered */
		unsigned long lines;
		char *buf;
		size_t len, cap;
	} *days;
	size_t bytes;        /* total buffered */
};

void obs_store_batch_init(struct obs_store_batch *b, struct obs_store *st, const char *signal);
/*
 * Add one line (LEN bytes, no newline) for TIME_NS. An empty line or one
 * containing '\n' is refused. When the buffered total reaches flush_bytes
 * the batch is flushed, and a failed flush is returned here (-1).
 */
int obs_store_batch_add(struct obs_store_batch *b, int64_t time_ns, const char *line, size_t len,
			struct obs_error *err);
/* Add a record (serialised compactly with obs_json_dump_line). */
int obs_store_batch_add_json(struct obs_store_batch *b, int64_t time_ns, const json_t *rec,
			     struct obs_error *err);
/*
 * Append everything buffered; buffers are emptied (and freed) even on
 * error. Every day is attempted; the first error is returned.
 */
int obs_store_batch_flush(struct obs_store_batch *b, struct obs_error *err);
void obs_store_batch_release(struct obs_store_batch *b);

/*
 * A scan over SIGNAL's segments whose day intersects [since, until]
 * (OBS_TIME_MIN / OBS_TIME_MAX for open ends), oldest first, reading .gz
 * segments transparently (a day may have both a .gz and a plain segment:
 * both are read, the .gz one first). In a plain segment, blocks whose
 * store times all miss [since, until] by its time index are skipped (line
 * numbers stay those of the file); every record whose store time is in
 * the window is returned, others may be too: records are not sorted,
 * filter by time yourself. An index that does not fit its segment is
 * reported through warn and ignored. A torn last line in a segment is
 * reported through warn (and returned like any other line). Only one segment is
 * open at a time; .gz segments have no decompression limit (they are the
 * store's own, and a day may hold more than 8 GiB). Files in the signal
 * folder not named YYYY-MM-DD.ndjson or YYYY-MM-DD.ndjson.gz are ignored;
 * a missing signal folder is an empty scan; a segment removed after _open
 * (retention) is skipped.
 */
struct obs_store_scan {
	/* Settings: fill in after _open, before the first _next (max_line 0 = default). */
	obs_ndjson_warn_fn *warn;
	void *warn_ctx;
	size_t max_line;

	/* Read-only. */
	unsigned long torn;        /* torn last lines met */
	unsigned long skipped;     /* lines skipped (oversized) */
	struct obs_ndjson_reader rd; /* current segment: rd.name, rd.lineno */

	/* Private. */
	char **paths;
	int npaths, next;
	int open;
	int64_t since, until;
	struct obs_segidx_range *ranges; /* of the open plain segment */
	size_t nranges, range_next;
	unsigned long done_torn, done_skipped; /* totals of finished segments */
};

/* Initialises SC (all of it). On failure SC holds nothing; _close is harmless. */
int obs_store_scan_open(struct obs_store_scan *sc, struct obs_store *st, const char *signal,
			int64_t since, int64_t until, struct obs_error *err);
/*
 * Next line (borrowed until the next call), without its newline and
 * NUL-terminated. 1 line, 0 end, -1 error.
 */
int obs_store_scan_next(struct obs_store_scan *sc, const char **line, size_t *len,
			struct obs_error *err);
/*
 * After _next failed inside a segment (truncated gzip, an I/O error),
 * close that segment so that the next _next goes on with the following
 * one; its counts are kept. Harmless when no segment is open.
 */
void obs_store_scan_skip_segment(struct obs_store_scan *sc);
void obs_store_scan_close(struct obs_store_scan *sc);

/*
 * 1 if NAME is a segment's file name, "YYYY-MM-DD.ndjson" or
 * "YYYY-MM-DD.ndjson.gz" with a real date (years 0000-9999), with its
 * day (days since 1970-01-01) and whether it is compressed; else 0. DAY
 * and GZ may be NULL.
 */
int obs_store_segment_name(const char *name, int64_t *day, int *gz);

/* Number of segment paths the scan will read (for tests/bench). */
int obs_store_scan_count(const struct obs_store_scan *sc);

/*
 * Path of state file NAME ("spans/open/<id>.json") under root/state;
 * caller frees. Creates parent folders (0700). NAME must be relative,
 * without empty, "." or ".." components.
 */
char *obs_store_state_path(struct obs_store *st, const char *name, struct obs_error *err);

/*
 * Durable state files: write to a temp file in the same folder
 * ("PATH.tmp.<pid>"), fsync, rename over PATH, fsync the folder. Files are
 * 0600. On failure PATH is untouched and the temp file removed.
 */
int obs_state_write(const char *path, const char *data, size_t len, struct obs_error *err);

#define OBS_STATE_MAX_SIZE (64 * 1024 * 1024)

/*
 * Read a state file written by obs_state_write and parse it as a JSON
 * object (new reference). Missing file: returns 0 and *obj = NULL. A
 * truncated, empty, NUL-filled or otherwise corrupt file is an error
 * naming the file: "state file 'P' is corrupt: REASON". Files over
 * OBS_STATE_MAX_SIZE are refused. Returns 0 or -1.
 */
int obs_state_read_json(const char *path, json_t **obj, struct obs_error *err);

#endif
