/* SPDX-License-Identifier: MIT */
/* The reading commands' input with the house reporting: "prog: FILE:LINE: reason" and a summary. */
#include "obs_cli_input.h"

#include <string.h>

#include "obs_cli.h"

static void warn_line(void *ctx, const char *msg)
{
	(void)ctx;
	obs_warnx("%s", msg);
}

int obs_cli_input_open(struct obs_cli_input *in, char **files, int nfiles, const char *signal,
		       int64_t since, int64_t until, int strict)
{
	struct obs_error err;

	memset(in, 0, sizeof(*in));
	obs_source_init(&in->src);
	in->strict = strict;
	in->src.strict = strict;
	in->src.warn = warn_line;
	if (obs_source_open(&in->src, files, nfiles, signal, since, until, &err) < 0) {
		obs_warnx("%s", err.msg);
		obs_source_close(&in->src);
		return OBS_EXIT_FAILURE;
	}
	return 0;
}

int obs_cli_input_next(struct obs_cli_input *in, const char **line, size_t *len)
{
	struct obs_error err;
	int r;

	for (;;) {
		r = obs_source_next(&in->src, line, len, &err);
		if (r >= 0)
			return r;
		obs_warnx("%s", err.msg);
		in->failed = 1;
		if (in->strict)
			return -1;
	}
}

int obs_cli_input_bad(struct obs_cli_input *in, const char *reason)
{
	/* A writer killed mid-line: the reader has said so already. */
	if (in->src.line_torn)
		return 0;
	obs_warnx("%s:%lu: %s", in->src.name, in->src.lineno, reason);
	in->malformed++;
	return in->strict ? -1 : 0;
}

int obs_cli_input_finish(struct obs_cli_input *in, int status)
{
	unsigned long n = in->malformed + in->src.skipped;

	if (n && !in->strict)
		obs_warnx("%lu malformed line%s skipped", n, n == 1 ? "" : "s");
	obs_source_close(&in->src);
	if (status == OBS_EXIT_OK && (in->failed || (in->strict && n)))
		return OBS_EXIT_FAILURE;
	return status;
}
