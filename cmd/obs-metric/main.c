/* SPDX-License-Identifier: MIT */
/* obs-metric: record, collect, scrape, expose and query metrics. */
#include "metric.h"
#include "obs_cli.h"

static const struct obs_cmd commands[] = {
	{ "inc", cmd_inc, "inc [options] NAME",
	  "add 1 (or --by N) to a counter" },
	{ "add", cmd_add, "add [options] NAME VALUE",
	  "add VALUE to a counter" },
	{ "set", cmd_set, "set [options] NAME VALUE",
	  "set a gauge to VALUE" },
	{ "observe", cmd_observe, "observe [options] NAME VALUE",
	  "record one observation of a histogram or summary" },
	{ "import", cmd_import, "import [options] [FILE...]",
	  "store metric records or Prometheus text in bulk" },
	{ "collect", cmd_collect, "collect [options] [--pid PID | -- CMD [ARGS]]",
	  "record host metrics from /proc, or a process's metrics" },
	{ "scrape", cmd_scrape_exec, "scrape [options] URL...",
	  "fetch Prometheus or OpenMetrics endpoints and record their samples" },
	{ "expose", cmd_expose, "expose [options] [FILE...]",
	  "write the metrics in the Prometheus text format (or a textfile)" },
	{ "query", cmd_query, "query [options] EXPR [FILE...]",
	  "evaluate a PromQL expression, at one time or over a range" },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	obs_cli_init(argv[0]);
	return obs_cli_dispatch(commands, "Record, collect, scrape, expose and query metrics.",
				argc, argv);
}
