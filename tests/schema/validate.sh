#!/bin/sh
# Record the spans obs-trace and the metrics obs-metric write, and check them
# (and the fixtures) against the JSON Schemas in share/schema/.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${OBS_BIN:-$top/build/bin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OBS_HOME="$tmp/store"
unset TRACEPARENT TRACESTATE OTEL_TRACES_SAMPLER OTEL_SDK_DISABLED
"$bin/obs-trace" exec --name ok -a n=1 -a b=true -- true
"$bin/obs-trace" exec -- sh -c 'exit 3' || true
"$bin/obs-trace" exec -- sh -c 'kill -TERM $$' || true
"$bin/obs-trace" exec --timeout 50ms -- sleep 5 || true
"$bin/obs-trace" exec -- /nonexistent/cmd 2>/dev/null || true
eval "$("$bin/obs-trace" start --attr step=1 outer)"
"$bin/obs-trace" exec -- "$bin/obs-trace" exec -- true
"$bin/obs-trace" event --attr k=v checkpoint
"$bin/obs-trace" end --status error --message failed
"$bin/obs-trace" import --format zipkin "$top/tests/fixtures/import/zipkin.json"
set -- "$OBS_HOME"/spans/*.ndjson
# the spans/ fixtures hold deliberately odd records for the query tests
for f in "$top"/tests/fixtures/import/*.ndjson; do
	[ -f "$f" ] && set -- "$@" "$f"
done
/usr/bin/python3 "$top/tests/schema/validate.py" "$top/share/schema/span.schema.json" "$@"

# Log records: every expected record of the log-format fixtures.
set --
for f in "$top"/tests/fixtures/logs/*/*.ndjson; do
	[ -f "$f" ] && set -- "$@" "$f"
done
/usr/bin/python3 "$top/tests/schema/validate.py" "$top/share/schema/log.schema.json" "$@"

# Metric records: what every recording command of obs-metric writes.
export OBS_HOME="$tmp/metrics"
m="$bin/obs-metric"
"$m" inc jobs_total -l job=backup --help-text 'Jobs run.' --unit jobs
"$m" add bytes_total 1.5e3 -l dir='a "quoted" \ path'
"$m" set temperature_celsius -- -4.5
"$m" set ratio NaN
"$m" set ceiling +Inf
"$m" observe request_seconds 0.25 --time 2026-11-24T10:00:00Z
"$m" observe --type summary payload_bytes 512
"$m" import "$top/tests/fixtures/prom/node.prom"
"$m" import --format openmetrics "$top/tests/fixtures/prom/openmetrics.prom"
"$m" import "$top/tests/fixtures/prom/rich.ndjson"
"$m" collect
"$m" collect --pid $$
"$m" collect -- true
set -- "$OBS_HOME"/metrics/*.ndjson
/usr/bin/python3 "$top/tests/schema/validate.py" "$top/share/schema/metric.schema.json" "$@"
