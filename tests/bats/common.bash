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
