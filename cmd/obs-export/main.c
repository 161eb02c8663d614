/* SPDX-License-Identifier: MIT */
/* obs-export: ship the store's records to other systems, and serve them. */
#include "obs_cli.h"
#include "export.h"

static const struct obs_cmd commands[] = {
	{ "serve", cmd_serve, "serve [options]",
	  "serve /metrics to Prometheus and receive OTLP/HTTP traces, metrics and logs" },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	obs_cli_init(argv[0]);
	return obs_cli_dispatch(commands, "Ship the store's records to other systems, and serve them.",
				argc, argv);
}
