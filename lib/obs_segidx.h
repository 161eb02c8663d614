/* SPDX-License-Identifier: MIT */
/* A sparse time index beside each plain store segment: which byte blocks hold which times. */
#ifndef OBS_SEGIDX_H
#define OBS_SEGIDX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "obs_error.h"

/*
 * .SEGMENT.idx ("metrics/.2026-11-24.ndjson.idx", hidden: it is a cache
 * of the segment, not data) lists blocks of the
 * plain segment: byte range, number of lines, and the least and greatest
 * store time of the records in it. Writers add an entry for every append
 * while they hold the segment's lock (contiguous appends merge into one
 * entry of up to OBS_SEGIDX_BLOCK bytes); readers skip the blocks whose
 * times miss their window.
 *
 * Compaction keeps the index: a .gz segment is written as one gzip member
 * per block, and its index (".2026-11-24.ndjson.gz.idx") gives each
 * member's compressed bytes with the block's lines and times, so readers
 * inflate only the members they need.
 *
 * The index is a cache and never the only copy of anything: an entry is
 * used only if its checksum (seeded with the segment's inode) holds and it
 * lies inside the segment after the previous entry; bytes no valid entry
 * covers (a writer killed between its append and its entry, segments
 * written before the index existed, a torn or rewritten index) are read.
 *
 * File: 16-byte header "OBSIDX1\n" + segment inode (u64), then 48-byte
 * entries: off, len, lines, min, max, check (u64 each, little-endian).
 */

#define OBS_SEGIDX_BLOCK (1024 * 1024)
#define OBS_SEGIDX_SUFFIX ".idx"
/* Index files larger than this are not read (a 10 GiB day needs ~0.5 MiB). */
#define OBS_SEGIDX_MAX_FILE (64 * 1024 * 1024)

struct obs_segidx_entry {
	uint64_t off, len;      /* bytes [off, off + len) of the segment: whole lines */
	uint64_t lines;         /* newlines in them */
	int64_t min, max;       /* store times (ns) of those lines */
};

/*
 * Record that bytes E->off.. of the plain segment SEG_PATH (inode INO)
 * were appended: merged into the last entry when contiguous with it and
 * the block stays within OBS_SEGIDX_BLOCK, else a new entry. The caller
 * holds the segment's lock. An index of another inode or with a torn
 * tail is reset or trimmed first. Best effort by design: 0, or -1 with
 * errno (the segment is still right; its block will be read).
 */
int obs_segidx_note(const char *seg_path, ino_t ino, const struct obs_segidx_entry *e);

/* A byte range of a segment to read, and the lines skipped just before it. */
struct obs_segidx_range {
	uint64_t off;
	uint64_t end;           /* OBS_SEGIDX_TO_EOF: to the end of the file, as it grows */
	uint64_t skipped_lines;
};

#define OBS_SEGIDX_TO_EOF UINT64_MAX

/*
 * The ranges of the segment open as FD (SEG_PATH, for its index; in a
 * .gz segment, byte ranges of whole gzip members) to read for records whose store time may lie in [SINCE, UNTIL]: every
 * byte except the valid entries whose times miss the window. The last
 * range always runs to the end of the file, so appends made meanwhile are
 * read. Without a usable index that is one range, the whole file. Each
 * range starts and ends at a line boundary (a member boundary), checked
 * in the segment: if not, the index is ignored and *STALE is set. *RANGES is allocated;
 * caller frees. 0, or -1 with ERR (out of memory, an fstat failure).
 */
int obs_segidx_plan(const char *seg_path, int fd, int64_t since, int64_t until,
		    struct obs_segidx_range **ranges, size_t *nranges, int *stale,
		    struct obs_error *err);

/*
 * The valid entries of SEG_PATH's index for a segment of inode INO and
 * SIZE bytes, in file order; entries failing their checksum, out of
 * order, overlapping or beyond SIZE are left out and counted in *BAD.
 * A missing index gives none. *ENTRIES is allocated (NULL when none);
 * caller frees. 0, or -1 with ERR (unreadable or oversized index).
 */
int obs_segidx_load(const char *seg_path, ino_t ino, uint64_t size,
		    struct obs_segidx_entry **entries, size_t *n, size_t *bad,
		    struct obs_error *err);

/*
 * Write the index file IDX_PATH (created 0600 or truncated) for a segment
 * of inode INO with the N entries E, and fsync it: for a compacted .gz
 * segment, whose entries name whole gzip members (off and len in
 * compressed bytes). 0, or -1 with ERR.
 */
int obs_segidx_save(const char *idx_path, ino_t ino, const struct obs_segidx_entry *e, size_t n,
		    struct obs_error *err);

/*
 * Check SEG_PATH's index against the segment open as FD (for obs store
 * verify): *USABLE entries pass their checksum and order, *BAD do not
 * (harmless: their bytes are read), and *WRONG of the usable ones do not
 * fit the segment: not on line starts (in a .gz segment: not whole gzip
 * members), or another number of lines. 0, or
 * -1 with ERR (unreadable index or segment).
 */
int obs_segidx_check(const char *seg_path, int fd, size_t *usable, size_t *bad, size_t *wrong,
		     struct obs_error *err);

/*
 * The index path of SEG_PATH ("d/x.ndjson" gives "d/.x.ndjson.idx") into
 * BUF (PATH_MAX bytes); -1 (ENAMETOOLONG) if too long.
 */
int obs_segidx_path(char *buf, const char *seg_path);

/* Remove SEG_PATH's index; a missing one is fine. 0, or -1 with errno. */
int obs_segidx_remove(const char *seg_path);

#endif
