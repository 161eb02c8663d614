#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# obs-export serve receiving spans, metrics and logs from the OpenTelemetry JavaScript SDK's
# OTLP/HTTP exporters (protobuf with gzip, and JSON), checked record by record in the store.

load '../bats/common'
load '../bats/serve'

sdk="$BATS_TEST_DIRNAME/otel-js-sdk"

setup_file() {
	if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
		export OTEL_JS_SKIP="npm or node is not installed: the OpenTelemetry JS SDK cannot run"
		return 0
	fi
	cd "$sdk"
	if ! npm ci --no-audit --no-fund --loglevel=error >"$BATS_FILE_TMPDIR/npm-ci.log" 2>&1; then
		cat "$BATS_FILE_TMPDIR/npm-ci.log" >&2
		echo "npm ci failed in $sdk" >&2
		return 1
	fi
}

setup() {
	[ -z "${OTEL_JS_SKIP:-}" ] || skip "$OTEL_JS_SKIP"
	obs_setup
	# the SDK reads these; the test sets everything itself
	unset "${!OTEL_@}"
	token="tok-$RANDOM$RANDOM$RANDOM"
	printf '%s\n' "$token" >"$BATS_TEST_TMPDIR/token"
	serve_start -v --token-file "$BATS_TEST_TMPDIR/token"
}

teardown() {
	serve_stop
}

# Send with PROTOCOL (proto: http/protobuf + gzip, json: http/json) as SERVICE;
# sets trace, root and child (the ids the SDK made).
send() {
	run node "$sdk/send.js" "$SERVE_URL" "$1" "$2" "$token"
	echo "$output"
	assert_success
	trace=$(jq -r .trace_id <<<"$output")
	root=$(jq -r .root_span_id <<<"$output")
	child=$(jq -r .child_span_id <<<"$output")
	[[ "$trace" =~ ^[0-9a-f]{32}$ && "$root" =~ ^[0-9a-f]{16}$ && "$child" =~ ^[0-9a-f]{16}$ ]]
}

# The stored records of SERVICE are exactly what the SDK was given.
check_store() {
	local s=$1 resource spans want got

	resource=$(jq -nc --arg s "$s" \
		'{"service.name": $s, "service.version": "1.2.3", "deployment.environment.name": "test"}')

	# spans: the two the SDK ended, field by field
	spans=$(store_records spans | jq -c --arg s "$s" '[.[] | select(.service == $s)]')
	[ "$(jq length <<<"$spans")" -eq 2 ]
	got=$(jq -c --arg id "$root" '.[] | select(.span_id == $id)' <<<"$spans")
	want=$(jq -nc --arg s "$s" --arg t "$trace" --arg r "$root" --argjson res "$resource" '{
		type: "span", trace_id: $t, span_id: $r, name: "checkout", service: $s,
		kind: "server", start: "2026-11-24T10:00:00.123456789Z",
		end: "2026-11-24T10:00:01.000000000Z", duration_ms: 876.543211, status: "ok",
		attributes: {"http.request.method": "POST", "http.response.status_code": 200,
			"cart.total": 59.5, "cart.gift": true, "cart.skus": ["sku-1", "sku-2"],
			"otel.scope.name": "obs-test-tracer", "otel.scope.version": "0.9.1"},
		events: [], resource: $res}')
	assert_json_equal "$got" "$want"
	got=$(jq -c --arg id "$child" '.[] | select(.span_id == $id)' <<<"$spans")
	want=$(jq -nc --arg s "$s" --arg t "$trace" --arg r "$root" --arg c "$child" \
		--argjson res "$resource" '{
		type: "span", trace_id: $t, span_id: $c, parent_span_id: $r, name: "SELECT orders",
		service: $s, kind: "client", start: "2026-11-24T10:00:00.200000000Z",
		end: "2026-11-24T10:00:00.900000000Z", duration_ms: 700, status: "error",
		status_message: "timeout",
		attributes: {"db.system.name": "postgresql", "otel.scope.name": "obs-test-tracer",
			"otel.scope.version": "0.9.1"},
		events: [{time: "2026-11-24T10:00:00.300000000Z", name: "retry",
			attributes: {attempt: 2}}],
		resource: $res}')
	assert_json_equal "$got" "$want"

	# metrics: one cumulative export (the SDK's default temporality); times are the
	# SDK's collection time, checked for form and left out of the comparison
	got=$(store_records metrics | jq -c --arg s "$s" '[.[] | select(.labels.job == $s)]')
	jq -e 'length == 10 and all(.[]; .time | test("^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$"))' \
		<<<"$got" >/dev/null
	want=$(jq -nc --arg s "$s" '
		def h(n; v; le): {type: "metric", name: n, metric_type: "histogram", value: v,
			labels: ({route: "/checkout", job: $s} + (if le then {le: le} else {} end)),
			unit: "s", cumulative: true};
		[h("request_duration_bucket"; 1; "0.1"), h("request_duration_bucket"; 3; "0.5"),
		 h("request_duration_bucket"; 4; "1"), h("request_duration_bucket"; 5; "+Inf"),
		 h("request_duration_sum"; 3.25; null), h("request_duration_count"; 5; null),
		 {type: "metric", name: "jobs_done", metric_type: "counter", value: 5,
		  labels: {queue: "a", job: $s}, help: "Jobs done", unit: "1", cumulative: true},
		 {type: "metric", name: "jobs_done", metric_type: "counter", value: 7,
		  labels: {queue: "b", job: $s}, help: "Jobs done", unit: "1", cumulative: true},
		 {type: "metric", name: "room_temperature", metric_type: "gauge", value: 21.5,
		  labels: {room: "lab", job: $s}},
		 {type: "metric", name: "queue_depth", metric_type: "gauge", value: 3,
		  labels: {job: $s}}] | sort')
	assert_json_equal "$(jq -c '[.[] | del(.time)] | sort' <<<"$got")" "$want"

	# logs: the two emitted, with the first one's span context
	got=$(store_records logs | jq -c --arg s "$s" '[.[] | select(.service == $s)]')
	jq -e 'length == 2 and all(.[]; .observed_time | test("^20[0-9]{2}-.*Z$"))' <<<"$got" >/dev/null
	want=$(jq -nc --arg s "$s" --arg t "$trace" --arg r "$root" '
		{"service.version": "1.2.3", "deployment.environment.name": "test"} as $res |
		[{type: "log", time: "2026-11-24T10:00:02.000000500Z", level: "warn",
		  msg: "disk almost full", service: $s, trace_id: $t, span_id: $r,
		  disk: "/dev/sda1", pct: 93.5, retries: 3, resource: $res,
		  "otel.scope.name": "obs-test-logger", "otel.scope.version": "0.9.1"},
		 {type: "log", time: "2026-11-24T10:00:03.000000000Z", level: "error",
		  msg: "payment failed", service: $s, "error.type": "CardDeclined", resource: $res,
		  "otel.scope.name": "obs-test-logger", "otel.scope.version": "0.9.1"}]')
	assert_json_equal "$(jq -c '[.[] | del(.observed_time)] | sort_by(.time)' <<<"$got")" "$want"

	# and the records are valid by the project's schemas
	top="$BATS_TEST_DIRNAME/../.."
	python3 "$top/tests/schema/validate.py" "$top/share/schema/span.schema.json" "$OBS_HOME"/spans/*.ndjson
	python3 "$top/tests/schema/validate.py" "$top/share/schema/log.schema.json" "$OBS_HOME"/logs/*.ndjson
}

@test "JS SDK over http/protobuf with gzip: spans, metrics and logs arrive intact" {
	send proto js-proto
	check_store js-proto
	# gzip bodies, one request per signal batch, nothing rejected
	run grep -c 'POST /v1/.* 200 ' "$BATS_TEST_TMPDIR/serve.err"
	[ "$output" -ge 3 ]
	run grep -E 'stored .* [1-9][0-9]* rejected' "$BATS_TEST_TMPDIR/serve.err"
	assert_failure
}

@test "JS SDK over http/json: spans, metrics and logs arrive intact" {
	send json js-json
	check_store js-json
}

@test "both encodings of the same telemetry give the same records" {
	send proto js-same
	p_trace=$trace p_root=$root p_child=$child
	pspans=$(store_records spans)
	plogs=$(store_records logs)
	pmetrics=$(store_records metrics)
	rm -rf "$OBS_HOME"
	send json js-same
	# the ids differ between runs: map the JSON run's onto the protobuf run's
	norm() { sed -e "s/$trace/TRACE/g; s/$root/ROOT/g; s/$child/CHILD/g" \
		     -e "s/$p_trace/TRACE/g; s/$p_root/ROOT/g; s/$p_child/CHILD/g"; }
	assert_json_equal "$(store_records spans | norm | jq -c sort)" "$(norm <<<"$pspans" | jq -c sort)"
	assert_json_equal "$(store_records logs | norm | jq -c '[.[] | del(.observed_time)] | sort')" \
		"$(norm <<<"$plogs" | jq -c '[.[] | del(.observed_time)] | sort')"
	assert_json_equal "$(store_records metrics | jq -c '[.[] | del(.time)] | sort')" \
		"$(jq -c '[.[] | del(.time)] | sort' <<<"$pmetrics")"
}

@test "JS SDK without the token: the export fails with 401 and nothing is stored" {
	token=wrong-token
	run node "$sdk/send.js" "$SERVE_URL" proto js-denied "$token"
	assert_failure
	assert_output --partial "Unauthorized"
	[ ! -e "$OBS_HOME/spans" ] && [ ! -e "$OBS_HOME/metrics" ] && [ ! -e "$OBS_HOME/logs" ]
	run grep -c ' 401 ' "$BATS_TEST_TMPDIR/serve.err"
	[ "$output" -ge 3 ]
	# the token never shows in the request log
	run grep -F "$(cat "$BATS_TEST_TMPDIR/token")" "$BATS_TEST_TMPDIR/serve.err"
	assert_failure
}
