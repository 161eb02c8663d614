/* SPDX-License-Identifier: MIT */
/* obs-export: ship the store's records to the systems that scale (OTLP, Prometheus, Loki, ...), and serve them. */
#include "export.h"
#include "obs_cli.h"

static const struct obs_cmd commands[] = {
	{ "otlp", cmd_otlp, "otlp [options] [FILE...]",
	  "send spans, metrics and logs over OTLP/HTTP (protobuf or JSON)" },
	{ "pushgateway", cmd_pushgateway, "pushgateway [options] [FILE...]",
	  "push metrics to a Prometheus Pushgateway" },
	{ "remote-write", cmd_remote_write, "remote-write --url URL [options] [FILE...]",
	  "send metrics with Prometheus remote write" },
	{ "loki", cmd_loki, "loki [options] [FILE...]",
	  "push records to Grafana Loki" },
	{ "elasticsearch", cmd_elasticsearch, "elasticsearch [options] [FILE...]",
	  "index records in Elasticsearch or OpenSearch (_bulk)" },
	{ "splunk", cmd_splunk, "splunk --url URL [options] [FILE...]",
	  "send records to Splunk's HTTP Event Collector" },
	{ "datadog", cmd_datadog, "datadog [options] [FILE...]",
	  "send metrics and logs to Datadog" },
	{ "zipkin", cmd_zipkin, "zipkin [options] [FILE...]",
	  "send spans to Zipkin (v2 JSON)" },
	{ "webhook", cmd_webhook, "webhook [options] [FILE...]",
	  "post records as NDJSON to a URL" },
	{ "file", cmd_file, "file [--output FILE] [options] [FILE...]",
	  "write OpenTelemetry file-exporter JSON lines" },
	{ "serve", cmd_serve, "serve [options]",
	  "serve /metrics to Prometheus and receive OTLP/HTTP traces, metrics and logs" },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	obs_cli_init(argv[0]);
	return obs_cli_dispatch(commands,
				"Ship records to OpenTelemetry, Prometheus, Loki, Elasticsearch and more; "
				"serve them.",
				argc, argv);
}
