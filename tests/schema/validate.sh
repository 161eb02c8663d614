#!/bin/sh
# Record the spans obs-trace, the log records obs-log and obs-trace exec
# --capture-logs, and the metrics obs-metric write, and check them (and the
# fixtures) against the JSON Schemas in share/schema/.
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

# ---- logs ----------------------------------------------------------------------------------
logs=$tmp/logs.ndjson
log=$bin/obs-log
"$log" info "plain" n=1 r=0.5 ok=true s='"7"'
"$log" emit fatal "$(printf 'bad \377 byte')" level=x time=y
TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 "$log" error --tee "traced" 2>/dev/null
"$bin/obs-trace" exec -- "$log" warn "inside a span"
"$bin/obs-trace" exec --capture-logs -- sh -c 'echo out; echo "ERROR: err" >&2;
	echo "{\"level\":\"debug\",\"msg\":\"json\",\"line\":\"x\"}"; printf "level=info a=1\n"; printf tail' \
	>/dev/null 2>&1
"$log" query </dev/null >"$logs"
# Every fixture of every format, through the formats the fixtures are in and through auto.
fix=$top/tests/fixtures/logs
for f in "$fix"/*/*.log; do
	dir=$(basename "$(dirname "$f")")
	case $dir in
	regex) "$log" parse -q --regex '(?<time>\S+ \S+) (?<level>\w+) (?<msg>.*)' "$f" >>"$logs" ;;
	multiline) "$log" parse -q --multiline "$f" >>"$logs" ;;
	auto) "$log" parse -q "$f" >>"$logs" ;;
	*) "$log" parse -q --format "$dir" "$f" >>"$logs"
	   "$log" parse -q "$f" >>"$logs" ;;
	esac
done
"$log" tail -n 5 "$fix/json/apps.log" >>"$logs" 2>/dev/null
/usr/bin/python3 "$top/tests/schema/validate.py" "$top/share/schema/log.schema.json" "$logs" \
	"$top"/tests/fixtures/logs/*/*.ndjson

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
