/* SPDX-License-Identifier: MIT */
/* obs-trace: spans for commands, shell scripts and CI steps. */
#include "obs_cli.h"
#include "trace.h"

static const struct obs_cmd commands[] = {
	{ "exec", cmd_exec, "exec [options] -- CMD [ARGS]",
	  "run a command inside a span" },
	{ "start", cmd_start, "start [options] NAME",
	  "open a span that outlives this process (for eval in shell scripts)" },
	{ "end", cmd_end, "end [options]",
	  "close the current span opened with start" },
	{ "event", cmd_event, "event [options] NAME",
	  "attach a timestamped event to the current span" },
	{ "query", cmd_query, "query [options] [FILE...]",
	  "find spans or traces by service, name, status, duration, time" },
	{ "show", cmd_show, "show [options] TRACE_ID [FILE...]",
	  "show one trace as a tree with a waterfall, or as JSON" },
	{ "import", cmd_import, "import [options] [FILE...]",
	  "read OTLP JSON, Zipkin or Jaeger traces into span records" },
	{ "id", cmd_id, "id trace|span",
	  "print a new random trace or span id" },
	{ "context", cmd_context, "context [options]",
	  "print the current trace context (TRACEPARENT, TRACESTATE, BAGGAGE)" },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	obs_cli_init(argv[0]);
	return obs_cli_dispatch(commands, "Spans for commands, shell scripts and CI steps.",
				argc, argv);
}
