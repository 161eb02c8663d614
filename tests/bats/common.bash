# Shared set-up for the bats tests: a private store, a clean trace context.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${OBS_BIN:=$BATS_TEST_DIRNAME/../../build/bin}"
: "${OBS_TEST_HELPERS:=$BATS_TEST_DIRNAME/../../build/tests/helpers}"

obs_setup() {
	export OBS_HOME="$BATS_TEST_TMPDIR/store"
	unset TRACEPARENT TRACESTATE BAGGAGE OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG \
		OTEL_SDK_DISABLED OBS_SERVICE OTEL_SERVICE_NAME OTEL_RESOURCE_ATTRIBUTES \
		OBS_FAKE_TIME XDG_DATA_HOME OBS_CONFIG
	export NO_COLOR=1
}

obs_trace() { "$OBS_BIN/obs-trace" "$@"; }

# All span records in the store, one per line.
spans() { cat "$OBS_HOME"/spans/*.ndjson 2>/dev/null || true; }
span_count() { spans | grep -c . || true; }

obs_metric() { "$OBS_BIN/obs-metric" "$@"; }
# All metric records in the store, one per line.
metrics() { cat "$OBS_HOME"/metrics/*.ndjson 2>/dev/null || true; }

obs_log() { "$OBS_BIN/obs-log" "$@"; }

# All log records in the store, one per line.
logs() { cat "$OBS_HOME"/logs/*.ndjson 2>/dev/null || true; }
log_count() { logs | grep -c . || true; }

# ---- obs-export ---------------------------------------------------------------
: "${OBS_TEST_HELPERS:=$BATS_TEST_DIRNAME/../../build/tests/helpers}"

# obs-export reading the store (standard input is not data).
obs_export() { "$OBS_BIN/obs-export" "$@" </dev/null; }

# Start the fault-injecting server with PLAN, recording into DIR (default
# $BATS_TEST_TMPDIR/rec); sets FS_PID, FS_PORT, FS_URL, FS_REC.
faultsrv_start() {
	local plan=$1 dir=${2:-$BATS_TEST_TMPDIR/rec}
	shift 2 || shift $#
	FS_REC=$dir
	mkdir -p "$FS_REC"
	: >"$BATS_TEST_TMPDIR/fs.port"
	"$OBS_TEST_HELPERS/faultsrv" --plan "$plan" --record "$FS_REC" "$@" \
		>"$BATS_TEST_TMPDIR/fs.port" 2>>"$BATS_TEST_TMPDIR/fs.err" &
	FS_PID=$!
	for _ in $(seq 200); do
		[ -s "$BATS_TEST_TMPDIR/fs.port" ] && break
		sleep 0.05
	done
	FS_PORT=$(head -n 1 "$BATS_TEST_TMPDIR/fs.port")
	FS_URL="http://127.0.0.1:$FS_PORT"
}

faultsrv_stop() {
	if [ -n "${FS_PID:-}" ]; then
		kill "$FS_PID" 2>/dev/null || true
		wait "$FS_PID" 2>/dev/null || true
	fi
	FS_PID=
}

# N span records with span ids FIRST.. (default 1) on DAY (default today), appended to the store.
gen_spans() {
	local n=$1 first=${2:-1} day=${3:-$(date -u +%Y-%m-%d)}
	mkdir -p "$OBS_HOME/spans"
	awk -v n="$n" -v f="$first" -v day="$day" 'BEGIN {
		for (i = f; i < f + n; i++)
			printf "{\"type\":\"span\",\"trace_id\":\"%032x\",\"span_id\":\"%016x\",\"name\":\"step %d\",\"service\":\"svc\",\"kind\":\"internal\",\"start\":\"%sT10:00:00.000000000Z\",\"end\":\"%sT10:00:01.500000000Z\",\"duration_ms\":1500.0,\"status\":\"ok\",\"attributes\":{\"n\":%d},\"events\":[],\"resource\":{\"service.name\":\"svc\"}}\n", 1, i, i, day, day, i
	}' >>"$OBS_HOME/spans/$day.ndjson"
}

# Span ids in the NDJSON bodies of the requests the server accepted (200, or a stall that ended in 200).
accepted_ids() {
	local dir=${1:-$FS_REC}
	[ -f "$dir/log" ] || return 0
	awk '$4 == "200" || $4 ~ /^stall/ { print $1 }' "$dir/log" | while read -r k; do
		grep -o '"span_id":"[0-9a-f]*"' "$dir/$k.body" | cut -d'"' -f4
	done
}
