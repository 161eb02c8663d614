/* SPDX-License-Identifier: MIT */
/* The reading commands' input with the house reporting: "prog: FILE:LINE: reason" and a summary. */
#ifndef OBS_CLI_INPUT_H
#define OBS_CLI_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "obs_source.h"

/*
 * An obs_source whose problems are printed as obs_cli prints them (this
 * is part of the printing module obs_cli): oversized and torn lines,
 * unreadable inputs, and the lines the caller rejects, then a summary.
 */
struct obs_cli_input {
	struct obs_source src;
	unsigned long malformed;  /* lines the caller rejected with obs_cli_input_bad */
	int failed;               /* an input could not be opened or read */
	int strict;
};

/*
 * Open FILES (NFILES of them), standard input or the store's SIGNAL
 * ("spans", "metrics", "logs") of [SINCE, UNTIL], as obs_source_open
 * does. 0, or OBS_EXIT_FAILURE with the error printed.
 */
int obs_cli_input_open(struct obs_cli_input *in, char **files, int nfiles, const char *signal,
		       int64_t since, int64_t until, int strict);

/*
 * Next line (as obs_source_next): 1, or 0 at the end. An input that
 * cannot be read is reported and skipped; in strict mode it stops the
 * reading instead: -1.
 */
int obs_cli_input_next(struct obs_cli_input *in, const char **line, size_t *len);

/*
 * Report the line last read as malformed (REASON). A torn last line was
 * already reported by the reader and is skipped quietly. Returns -1 when
 * the caller must stop (strict), else 0.
 */
int obs_cli_input_bad(struct obs_cli_input *in, const char *reason);

/*
 * Print how many lines were skipped (not in strict mode), close, and turn
 * STATUS into the final exit status: OBS_EXIT_FAILURE instead of
 * OBS_EXIT_OK if an input failed, or in strict mode if a line was bad.
 */
int obs_cli_input_finish(struct obs_cli_input *in, int status);

#endif
