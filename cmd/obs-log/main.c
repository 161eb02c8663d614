/* SPDX-License-Identifier: MIT */
/* obs-log: structured logs from shell, parsed logs from anywhere. */
#include "log.h"

static const struct obs_cmd commands[] = {
	{ "emit", cmd_emit, "emit [options] LEVEL MESSAGE [KEY=VALUE...]",
	  "record a log line with the current trace context" },
	{ "info", cmd_level, "info [options] MESSAGE [KEY=VALUE...]",
	  "emit at level info" },
	{ "warn", cmd_level, "warn [options] MESSAGE [KEY=VALUE...]",
	  "emit at level warn" },
	{ "error", cmd_level, "error [options] MESSAGE [KEY=VALUE...]",
	  "emit at level error" },
	{ "debug", cmd_level, "debug [options] MESSAGE [KEY=VALUE...]",
	  "emit at level debug" },
	{ "parse", cmd_parse, "parse [options] [FILE...]",
	  "turn JSON, logfmt, syslog, access or journald logs into records" },
	{ "query", cmd_query, "query [options] [FILE...]",
	  "find log records by level, time, service, trace, message, field" },
	{ "tail", cmd_tail, "tail [options] [FILE...]",
	  "the last records of the store or of log files, and follow them (-f)" },
	{ "stats", cmd_stats, "stats [options] [FILE...]",
	  "count records by level, service and time" },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	obs_cli_init(argv[0]);
	return obs_cli_dispatch(commands, "Structured logs from shell, parsed logs from anywhere.",
				argc, argv);
}
