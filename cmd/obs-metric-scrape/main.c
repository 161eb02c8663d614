/* SPDX-License-Identifier: MIT */
/* obs-metric-scrape: the HTTP half of `obs-metric scrape`, a program of its own so that obs-metric never loads libcurl. */
#include "../obs-metric/metric.h"
#include <string.h>

#include "obs_cli.h"

int main(int argc, char **argv)
{
	/* It speaks as the command it implements: "obs-metric: ...", "usage: obs-metric scrape ...". */
	obs_cli_init("obs-metric");
	if (argc > 1 && argv[1][0] != '-' && strcmp(argv[1], "scrape") == 0) {
		argc--;
		argv++;
	}
	return cmd_scrape(argc, argv);
}
