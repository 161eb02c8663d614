/* SPDX-License-Identifier: MIT */
/* obs-metric scrape: runs obs-metric-scrape, which holds the HTTP code, so that obs-metric never loads libcurl. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metric.h"
#include "obs_cli.h"

#define SCRAPE_PROG "obs-metric-scrape"

/*
 * Linking libcurl costs every start of a program about 7 ms (bench/README.md),
 * more than inc itself: the scrape lives in a program of its own, looked
 * for beside this one (an installed or build folder), then on PATH.
 */
int cmd_scrape_exec(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + sizeof(SCRAPE_PROG)];
	char **args;
	ssize_t n;
	char *slash;
	int i;

	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args) {
		obs_warnx("out of memory");
		return OBS_EXIT_FAILURE;
	}
	args[0] = (char *)SCRAPE_PROG;
	for (i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	fflush(stdout);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, SCRAPE_PROG);
			execv(path, args);
		}
	}
	execvp(SCRAPE_PROG, args);
	obs_warnx("scrape: cannot run %s (looked beside obs-metric and on PATH): %s", SCRAPE_PROG,
		  strerror(errno));
	free(args);
	return OBS_EXIT_FAILURE;
}
