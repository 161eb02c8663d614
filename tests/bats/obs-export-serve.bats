#!/usr/bin/env bats
# obs-export serve: /healthz, /metrics, the OTLP/HTTP receivers, limits, auth, shutdown.

load common
load serve

top="$BATS_TEST_DIRNAME/../.."
fx="$top/tests/fixtures"

setup() {
	obs_setup
	unset OBS_SERVE_TOKEN
}

teardown() {
	serve_stop
}

# curl: the body (without its final newline), then the status code on a line of its own
req() {
	local code
	code=$(curl -sS -o "$BATS_TEST_TMPDIR/req.body" -w '%{http_code}' "$@") || return
	printf '%s\n%s\n' "$(cat "$BATS_TEST_TMPDIR/req.body")" "$code"
}

metrics_fixture() {
	mkdir -p "$OBS_HOME/metrics"
	cat >"$OBS_HOME/metrics/2026-11-24.ndjson" <<-'EOF'
	{"type":"metric","name":"jobs_total","metric_type":"counter","value":3,"labels":{"queue":"a"},"time":"2026-11-24T10:00:00.000000000Z","help":"Jobs run"}
	{"type":"metric","name":"jobs_total","metric_type":"counter","value":2,"labels":{"queue":"a"},"time":"2026-11-24T10:01:00.000000000Z","help":"Jobs run"}
	{"type":"metric","name":"temperature_celsius","metric_type":"gauge","value":22.25,"labels":{"room":"lab"},"time":"2026-11-24T10:05:00.000000000Z"}
	{"type":"metric","name":"temperature_celsius","metric_type":"gauge","value":21.5,"labels":{"room":"lab"},"time":"2026-11-24T10:00:00.000000000Z"}
	{"type":"metric","name":"http_requests_total","metric_type":"counter","value":1030,"labels":{"code":"200"},"time":"2026-11-24T10:00:15.000000000Z","cumulative":true}
	{"type":"metric","name":"request_seconds","metric_type":"histogram","value":0.2,"labels":{},"time":"2026-11-24T10:00:00.000000000Z"}
	EOF
}

# ---- options and start-up ---------------------------------------------------------------

@test "serve --help shows the synopsis and the options" {
	run "$OBS_BIN/obs-export" serve --help
	assert_success
	assert_line --index 0 "usage: obs-export serve [options]"
	assert_output --partial "--token-file FILE"
	assert_output --partial "--max-body SIZE"
}

@test "usage errors exit 2 with a message" {
	run "$OBS_BIN/obs-export" serve --bogus
	assert_failure 2
	assert_output --partial "unknown option '--bogus'"
	run "$OBS_BIN/obs-export" serve --max-body 12q
	assert_failure 2
	assert_output --partial "--max-body: invalid size '12q': expected a number of bytes with an optional k, M or G"
	run "$OBS_BIN/obs-export" serve --max-decompressed 0
	assert_failure 2
	assert_output --partial "invalid size '0': must be more than 0"
	run "$OBS_BIN/obs-export" serve --max-connections -3
	assert_failure 2
	assert_output --partial "--max-connections: invalid number '-3'"
	run "$OBS_BIN/obs-export" serve --metrics-window 5x
	assert_failure 2
	assert_output --partial "--metrics-window: invalid duration '5x'"
	run "$OBS_BIN/obs-export" serve --buckets 1,0.5
	assert_failure 2
	assert_output --partial "--buckets:"
	run "$OBS_BIN/obs-export" serve extra
	assert_failure 2
	assert_output --partial "unexpected argument 'extra'"
	run "$OBS_BIN/obs-export" serve --listen
	assert_failure 2
	assert_output --partial "option '--listen' needs a value"
}

@test "invalid listen addresses exit 2" {
	run "$OBS_BIN/obs-export" serve --listen 127.0.0.1
	assert_failure 2
	assert_output "obs-export: invalid listen address '127.0.0.1': expected HOST:PORT"
	run "$OBS_BIN/obs-export" serve --listen 127.0.0.1:99999
	assert_failure 2
	assert_output "obs-export: invalid listen address '127.0.0.1:99999': invalid port '99999'"
	run "$OBS_BIN/obs-export" serve --listen ::1:9464
	assert_failure 2
	assert_output --partial "write IPv6 addresses in brackets"
	run "$OBS_BIN/obs-export" serve --listen no-such-host.invalid:9464
	assert_failure 2
	assert_output --partial "cannot resolve 'no-such-host.invalid'"
}

@test "token files: missing, empty, with spaces, too large; OBS_SERVE_TOKEN checked too" {
	run "$OBS_BIN/obs-export" serve --token-file "$BATS_TEST_TMPDIR/none"
	assert_failure 2
	assert_output "obs-export: cannot open token file '$BATS_TEST_TMPDIR/none': No such file or directory"
	printf '\n\n' >"$BATS_TEST_TMPDIR/empty"
	run "$OBS_BIN/obs-export" serve --token-file "$BATS_TEST_TMPDIR/empty"
	assert_failure 2
	assert_output "obs-export: token file '$BATS_TEST_TMPDIR/empty' is empty"
	printf 'two words\n' >"$BATS_TEST_TMPDIR/spaces"
	run "$OBS_BIN/obs-export" serve --token-file "$BATS_TEST_TMPDIR/spaces"
	assert_failure 2
	assert_output --partial "the token must be one line of printable characters without spaces"
	refute_output --partial "two words"
	head -c 5000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/big"
	run "$OBS_BIN/obs-export" serve --token-file "$BATS_TEST_TMPDIR/big"
	assert_failure 2
	assert_output --partial "is too large (more than 4096 bytes)"
	OBS_SERVE_TOKEN='bad token' run "$OBS_BIN/obs-export" serve
	assert_failure 2
	assert_output --partial "OBS_SERVE_TOKEN: the token must be printable characters without spaces"
	refute_output --partial "bad token"
}

@test "an address in use exits 3; the bound address is the first line of stdout" {
	serve_start
	[[ "$SERVE_ADDR" =~ ^127\.0\.0\.1:[0-9]+$ ]]
	[ "${SERVE_ADDR##*:}" -gt 0 ]
	run "$OBS_BIN/obs-export" serve --listen "$SERVE_ADDR"
	assert_failure 3
	assert_output "obs-export: cannot listen on '$SERVE_ADDR': Address already in use"
}

@test "listening on a non-loopback address warns, the more without a token" {
	serve_start --listen 0.0.0.0:0
	[[ "$SERVE_ADDR" =~ ^0\.0\.0\.0:[0-9]+$ ]]
	run cat "$BATS_TEST_TMPDIR/serve.err"
	assert_output "obs-export: warning: listening on '$SERVE_ADDR', which is not a loopback address: other hosts can reach it, and no token is required (--token-file)"
	run req "http://127.0.0.1:${SERVE_ADDR##*:}/healthz"
	assert_line --index 1 200
}

@test "loopback by default: 127.0.0.1:9464 unless --listen says otherwise" {
	run "$OBS_BIN/obs-export" serve --help
	assert_output --partial "default 127.0.0.1:9464"
	# 'PORT' alone is loopback too
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	serve_start --listen "$port"
	[ "$SERVE_ADDR" = "127.0.0.1:$port" ]
	run cat "$BATS_TEST_TMPDIR/serve.err"
	assert_output ""
}

# ---- /healthz and /metrics -------------------------------------------------------------

@test "/healthz answers 200 ok, also without the token" {
	printf 'secret-1\n' >"$BATS_TEST_TMPDIR/token"
	serve_start --token-file "$BATS_TEST_TMPDIR/token"
	run req "$SERVE_URL/healthz"
	assert_output "ok
200"
	run curl -sS -I "$SERVE_URL/healthz"
	assert_line --partial "Content-Type: text/plain; charset=utf-8"
}

@test "/metrics: the store's metrics in text format 0.0.4, counters as running totals" {
	metrics_fixture
	serve_start
	run curl -sS -D "$BATS_TEST_TMPDIR/headers" "$SERVE_URL/metrics"
	assert_success
	assert_output - <<-'EOF'
	# TYPE http_requests_total counter
	http_requests_total{code="200"} 1030
	# HELP jobs_total Jobs run
	# TYPE jobs_total counter
	jobs_total{queue="a"} 5
	# TYPE request_seconds histogram
	request_seconds_bucket{le="0.005"} 0
	request_seconds_bucket{le="0.01"} 0
	request_seconds_bucket{le="0.025"} 0
	request_seconds_bucket{le="0.05"} 0
	request_seconds_bucket{le="0.1"} 0
	request_seconds_bucket{le="0.25"} 1
	request_seconds_bucket{le="0.5"} 1
	request_seconds_bucket{le="1"} 1
	request_seconds_bucket{le="2.5"} 1
	request_seconds_bucket{le="5"} 1
	request_seconds_bucket{le="10"} 1
	request_seconds_bucket{le="+Inf"} 1
	request_seconds_sum 0.2
	request_seconds_count 1
	# TYPE temperature_celsius gauge
	temperature_celsius{room="lab"} 22.25
	EOF
	run grep -i '^content-type:' "$BATS_TEST_TMPDIR/headers"
	assert_output --partial "text/plain; version=0.0.4; charset=utf-8"
	# promtool parses it; its lint only misses HELP texts the records did not have
	if command -v promtool >/dev/null; then
		run sh -c "curl -sS '$SERVE_URL/metrics' | promtool check metrics 2>&1"
		[ -z "$(grep -v ' no help text$' <<<"$output")" ]
	fi
}

@test "/metrics is what obs-metric expose prints for the same store" {
	metrics_fixture
	printf '%s\n' '{"type":"metric","name":"free_bytes","metric_type":"gauge","value":"+Inf","labels":{"fs":"/"},"time":"2026-11-24T11:00:00Z","help":"Free \\ bytes\nsecond line","unit":"bytes"}' \
		'{"type":"log","time":"2026-11-24T11:00:00Z","level":"info","msg":"not a metric"}' \
		>>"$OBS_HOME/metrics/2026-11-24.ndjson"
	serve_start
	run curl -sS "$SERVE_URL/metrics"
	assert_success
	served=$output
	run "$OBS_BIN/obs-metric" expose </dev/null
	assert_success
	assert_output "$served"
	assert_line 'free_bytes{fs="/"} +Inf'
}

@test "/metrics reads the store at every request; --buckets and --metrics-window apply" {
	metrics_fixture
	serve_start --buckets 0.1,1 --metrics-window 1h
	run curl -sS "$SERVE_URL/metrics"
	assert_output ""
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)
	printf '%s\n' "{\"type\":\"metric\",\"name\":\"request_seconds\",\"metric_type\":\"histogram\",\"value\":0.5,\"labels\":{},\"time\":\"$now\"}" \
		>>"$OBS_HOME/metrics/$(date -u +%Y-%m-%d).ndjson"
	run curl -sS "$SERVE_URL/metrics"
	assert_output - <<-'EOF'
	# TYPE request_seconds histogram
	request_seconds_bucket{le="0.1"} 0
	request_seconds_bucket{le="1"} 1
	request_seconds_bucket{le="+Inf"} 1
	request_seconds_sum 0.5
	request_seconds_count 1
	EOF
}

@test "/metrics follows the store's upkeep: the same after compaction, lower after pruning" {
	metrics_fixture
	printf '%s\n' '{"type":"metric","name":"jobs_total","metric_type":"counter","value":10,"labels":{"queue":"a"},"time":"2026-11-20T10:00:00.000000000Z","help":"Jobs run"}' \
		>"$OBS_HOME/metrics/2026-11-20.ndjson"
	serve_start
	run curl -sS "$SERVE_URL/metrics"
	assert_line 'jobs_total{queue="a"} 15'
	before=$output
	OBS_FAKE_TIME=2026-11-26T00:00:00Z run "$OBS_BIN/obs" store compact --older-than 1d
	assert_success
	[ -e "$OBS_HOME/metrics/2026-11-20.ndjson.gz" ] && [ ! -e "$OBS_HOME/metrics/2026-11-20.ndjson" ]
	run curl -sS "$SERVE_URL/metrics"
	assert_output "$before"
	OBS_FAKE_TIME=2026-11-23T00:00:00Z run "$OBS_BIN/obs" store prune --older-than 1d
	assert_success
	[ ! -e "$OBS_HOME/metrics/2026-11-20.ndjson.gz" ]
	run curl -sS "$SERVE_URL/metrics"
	assert_line 'jobs_total{queue="a"} 5'
}

@test "/metrics skips records it cannot use and says so with -v" {
	metrics_fixture
	printf '%s\n' 'not json' \
		'{"type":"metric","name":"jobs_total","metric_type":"gauge","value":1,"labels":{"queue":"z"},"time":"2026-11-24T11:00:00Z"}' \
		>>"$OBS_HOME/metrics/2026-11-24.ndjson"
	serve_start -v
	run curl -sS "$SERVE_URL/metrics"
	assert_line 'jobs_total{queue="a"} 5'
	refute_output --partial 'queue="z"'
	run grep -F '/metrics: 2 records skipped (first: ' "$BATS_TEST_TMPDIR/serve.err"
	assert_success
	assert_output --partial "2026-11-24.ndjson:7: not a JSON object"
}

# ---- auth ----------------------------------------------------------------------------------

@test "bearer token: 401 without it or with another, 200 with it; never logged" {
	printf 'tok-%s\n' abc123 >"$BATS_TEST_TMPDIR/token"
	serve_start -v --token-file "$BATS_TEST_TMPDIR/token"
	run curl -sS -D - "$SERVE_URL/metrics"
	assert_line --partial "401 Unauthorized"
	assert_line --partial 'WWW-Authenticate: Bearer realm="obs"'
	assert_line "missing or invalid bearer token"
	run req -H "Authorization: Bearer tok-abc12" "$SERVE_URL/metrics"
	assert_line --index 1 401
	run req -H "Authorization: Bearer tok-abc1234" "$SERVE_URL/metrics"
	assert_line --index 1 401
	run req -H "Authorization: Basic tok-abc123" "$SERVE_URL/metrics"
	assert_line --index 1 401
	run req -H "Authorization: bearer tok-abc123" "$SERVE_URL/metrics"
	assert_output "
200"
	run req -X POST -H "Content-Type: application/json" --data-binary '{}' "$SERVE_URL/v1/traces"
	assert_line --index 1 401
	run req -X POST -H "Authorization: Bearer tok-abc123" -H "Content-Type: application/json" \
		--data-binary '{}' "$SERVE_URL/v1/traces"
	assert_output "{}
200"
	serve_stop
	run grep -c "abc" "$BATS_TEST_TMPDIR/serve.err"
	assert_output 0
	run grep -c " 401 " "$BATS_TEST_TMPDIR/serve.err"
	assert_output 5
}

@test "OBS_SERVE_TOKEN sets the token; --token-file wins over it" {
	OBS_SERVE_TOKEN=from-env serve_start
	run req -H "Authorization: Bearer from-env" "$SERVE_URL/metrics"
	assert_line --index 0 200
	serve_stop
	printf 'from-file\n' >"$BATS_TEST_TMPDIR/token"
	OBS_SERVE_TOKEN=from-env serve_start --token-file "$BATS_TEST_TMPDIR/token"
	run req -H "Authorization: Bearer from-env" "$SERVE_URL/metrics"
	assert_line --index 1 401
	run req -H "Authorization: Bearer from-file" "$SERVE_URL/metrics"
	assert_line --index 0 200
}

# ---- limits and refusals ---------------------------------------------------------------

@test "413 for a body over --max-body (announced or chunked), nothing stored" {
	serve_start --max-body 1k
	head -c 2000 /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/big"
	run req -X POST -H "Content-Type: application/json" --data-binary @"$BATS_TEST_TMPDIR/big" \
		"$SERVE_URL/v1/traces"
	assert_output "request body larger than 1024 bytes
413"
	run req -X POST -H "Content-Type: application/json" -H "Transfer-Encoding: chunked" \
		--data-binary @"$BATS_TEST_TMPDIR/big" "$SERVE_URL/v1/traces"
	assert_output "request body larger than 1024 bytes
413"
	# the limit itself is fine
	printf '{}%1022s' "" >"$BATS_TEST_TMPDIR/exact"
	run req -X POST -H "Content-Type: application/json" --data-binary @"$BATS_TEST_TMPDIR/exact" \
		"$SERVE_URL/v1/traces"
	assert_output "{}
200"
	[ ! -e "$OBS_HOME/spans" ]
}

@test "413 for a gzip bomb past --max-decompressed; 400 for broken gzip; gzip bodies accepted" {
	serve_start --max-decompressed 64k
	head -c 10000000 /dev/zero | gzip -9 >"$BATS_TEST_TMPDIR/bomb.gz"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/bomb.gz")" -lt 20000 ]
	run req -X POST -H "Content-Type: application/json" -H "Content-Encoding: gzip" \
		--data-binary @"$BATS_TEST_TMPDIR/bomb.gz" "$SERVE_URL/v1/logs"
	assert_output "request body larger than 65536 bytes after decompression
413"
	gzip -c "$fx/import/otlp.json" | head -c 300 >"$BATS_TEST_TMPDIR/cut.gz"
	run req -X POST -H "Content-Type: application/json" -H "Content-Encoding: gzip" \
		--data-binary @"$BATS_TEST_TMPDIR/cut.gz" "$SERVE_URL/v1/traces"
	assert_output "invalid gzip body: truncated
400"
	run req -X POST -H "Content-Type: application/json" -H "Content-Encoding: gzip" \
		--data-binary 'plain text' "$SERVE_URL/v1/traces"
	assert_output "invalid gzip body: incorrect header check
400"
	[ ! -e "$OBS_HOME/spans" ] && [ ! -e "$OBS_HOME/logs" ]
	gzip -c "$fx/import/otlp.json" >"$BATS_TEST_TMPDIR/ok.gz"
	run req -X POST -H "Content-Type: application/json" -H "Content-Encoding: gzip" \
		--data-binary @"$BATS_TEST_TMPDIR/ok.gz" "$SERVE_URL/v1/traces"
	assert_output "{}
200"
	[ "$(span_count)" -eq 7 ]
}

@test "415 for unknown content types and encodings; 404 and 405 for paths and methods" {
	serve_start
	run req -X POST -H "Content-Type: text/plain" --data-binary '{}' "$SERVE_URL/v1/traces"
	assert_output "unsupported Content-Type 'text/plain' (expected application/x-protobuf or application/json)
415"
	run req -X POST --data-binary '{}' -H "Content-Type:" "$SERVE_URL/v1/metrics"
	assert_line --index 1 415
	run req -X POST -H "Content-Type: application/json" -H "Content-Encoding: br" \
		--data-binary '{}' "$SERVE_URL/v1/logs"
	assert_output "unsupported Content-Encoding 'br' (expected gzip or identity)
415"
	run req "$SERVE_URL/v2/traces"
	assert_output "no such path '/v2/traces'
404"
	run curl -sS -D - -o /dev/null "$SERVE_URL/v1/traces"
	assert_line --partial "405 Method Not Allowed"
	assert_line --partial "Allow: POST"
	run req -X POST "$SERVE_URL/metrics"
	assert_output "method POST not allowed for '/metrics' (allowed: GET, HEAD)
405"
}

@test "400 for undecodable bodies, with a Status in the request's encoding" {
	serve_start
	run req -X POST -H "Content-Type: application/json" --data-binary '{"resourceSpans": [' \
		"$SERVE_URL/v1/traces"
	assert_line --index 1 400
	assert_line --index 0 --partial '{"code":3,"message":"invalid JSON at line 1 column 19: '
	run req -X POST -H "Content-Type: application/json" --data-binary '[1,2]' "$SERVE_URL/v1/traces"
	assert_output '{"code":3,"message":"not an OTLP TracesData object"}
400'
	run req -X POST -H "Content-Type: application/json; charset=utf-8" \
		--data-binary '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":{"dataPoints":[{"timeUnixNano":true}]}}]}]}]}' \
		"$SERVE_URL/v1/metrics"
	assert_output '{"code":3,"message":"resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano: expected an integer, got a boolean"}
400'
	printf '\x0a\xff\xff\xff\xff\x0f' >"$BATS_TEST_TMPDIR/garbage.pb"
	curl -sS -o "$BATS_TEST_TMPDIR/resp" -D "$BATS_TEST_TMPDIR/headers" -X POST \
		-H "Content-Type: application/x-protobuf" --data-binary @"$BATS_TEST_TMPDIR/garbage.pb" \
		"$SERVE_URL/v1/logs"
	run grep -i -e '^HTTP/' -e '^content-type:' "$BATS_TEST_TMPDIR/headers"
	assert_line --index 0 --partial "400 Bad Request"
	assert_line --index 1 --partial "application/x-protobuf"
	# google.rpc.Status: code (field 1) 3, message (field 2)
	run od -An -tx1 -N4 "$BATS_TEST_TMPDIR/resp"
	assert_output --regexp '^ 08 03 12 [0-9a-f]{2}$'
	run tail -c +5 "$BATS_TEST_TMPDIR/resp"
	assert_output --partial "truncated protobuf"
	[ ! -e "$OBS_HOME/spans" ] && [ ! -e "$OBS_HOME/metrics" ] && [ ! -e "$OBS_HOME/logs" ]
}

# ---- receiving ---------------------------------------------------------------------------

@test "OTLP JSON traces land in the store exactly as obs-trace import writes them" {
	serve_start
	run req -X POST -H "Content-Type: application/json" --data-binary @"$fx/import/otlp.json" \
		"$SERVE_URL/v1/traces"
	assert_output "{}
200"
	OBS_HOME="$BATS_TEST_TMPDIR/imported" "$OBS_BIN/obs-trace" import "$fx/import/otlp.json"
	for f in "$BATS_TEST_TMPDIR"/imported/spans/*.ndjson; do
		cmp "$f" "$OBS_HOME/spans/${f##*/}"
	done
	[ "$(ls "$OBS_HOME/spans" | wc -l)" -eq "$(ls "$BATS_TEST_TMPDIR/imported/spans" | wc -l)" ]
}

@test "OTLP protobuf traces, metrics and logs give the decoder's records" {
	serve_start
	for s in spans:traces metrics:metrics logs:logs; do
		run req -X POST -H "Content-Type: application/x-protobuf" \
			--data-binary @"$fx/otlp/${s%%:*}.pb" "$SERVE_URL/v1/${s##*:}"
		assert_output "
200"
		diff <(sort "$OBS_HOME/${s%%:*}"/*.ndjson) <(sort "$fx/otlp/${s%%:*}.decoded.ndjson")
	done
}

@test "OTLP JSON metrics and logs give the same records as their protobuf form" {
	serve_start
	for s in metrics logs; do
		gzip -c "$fx/otlp/$s.json" >"$BATS_TEST_TMPDIR/$s.json.gz"
		run req -X POST -H "Content-Type: application/json" -H "Content-Encoding: gzip" \
			--data-binary @"$BATS_TEST_TMPDIR/$s.json.gz" "$SERVE_URL/v1/$s"
		assert_output "{}
200"
		diff <(sort "$OBS_HOME/$s"/*.ndjson) <(sort "$fx/otlp/$s.decoded.ndjson")
	done
}

@test "rejected items: 200 with partial_success and the good ones stored" {
	serve_start -v
	body='{"resourceSpans":[{"scopeSpans":[{"spans":[
		{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"ok",
		 "startTimeUnixNano":"1795514400000000000","endTimeUnixNano":"1795514401000000000"},
		{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"zz","name":"bad",
		 "startTimeUnixNano":"1795514400000000000","endTimeUnixNano":"1795514401000000000"}]}]}]}'
	run req -X POST -H "Content-Type: application/json" --data-binary "$body" "$SERVE_URL/v1/traces"
	assert_line --index 1 200
	run jq -c . <<<"${lines[0]}"
	assert_output '{"partialSuccess":{"rejectedSpans":"1","errorMessage":"1 rejected; the first: span 2: invalid span id '"'zz'"'"}}'
	[ "$(span_count)" -eq 1 ]
	run spans
	assert_output --partial '"name":"ok"'
	run grep -F "/v1/traces: rejected span 2: invalid span id 'zz'" "$BATS_TEST_TMPDIR/serve.err"
	assert_success
	# protobuf: ExportLogsServiceResponse.partial_success {rejected_log_records 1, error_message}
	printf '\x0a\x0d\x12\x0b\x12\x09\x09\x00\x00\x00\x00\x00\x00\x00\x00' >"$BATS_TEST_TMPDIR/nolog.pb"
	run sh -c "curl -sS -X POST -H 'Content-Type: application/x-protobuf' --data-binary @'$BATS_TEST_TMPDIR/nolog.pb' '$SERVE_URL/v1/logs' | od -An -tx1 -N5"
	assert_output --regexp '^ 0a [0-9a-f]{2} 08 01 12$'
}

@test "a request is stored with one append per UTC day it touches" {
	serve_start
	body='{"resourceSpans":[{"scopeSpans":[{"spans":[
		{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"a",
		 "startTimeUnixNano":"1795514400000000000","endTimeUnixNano":"1795514401000000000"},
		{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","name":"b",
		 "startTimeUnixNano":"1795600800000000000","endTimeUnixNano":"1795600801000000000"},
		{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b176","name":"c",
		 "startTimeUnixNano":"1795514500000000000","endTimeUnixNano":"1795514501000000000"}]}]}]}'
	run req -X POST -H "Content-Type: application/json" --data-binary "$body" "$SERVE_URL/v1/traces"
	assert_line --index 1 200
	run jq -r .name "$OBS_HOME/spans/2026-11-24.ndjson"
	assert_output "a
c"
	run jq -r .name "$OBS_HOME/spans/2026-11-25.ndjson"
	assert_output "b"
}

# ---- logging and shutdown --------------------------------------------------------------

@test "-v logs one line per request: peer, method, path, status, sizes, duration" {
	serve_start -v
	curl -sS -o /dev/null "$SERVE_URL/healthz"
	curl -sS -o /dev/null -X POST -H "Content-Type: application/json" --data-binary '{}' \
		"$SERVE_URL/v1/traces"
	serve_stop
	[ "$SERVE_STATUS" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/serve.err"
	assert_line --index 0 "obs-export: serving $OBS_HOME on $SERVE_ADDR"
	assert_line --index 1 --regexp '^obs-export: 127\.0\.0\.1:[0-9]+ GET /healthz 200 in 0 out 3 [0-9.]+(ns|us|ms)$'
	assert_line --index 2 "obs-export: /v1/traces: stored 0 span records, 0 rejected"
	assert_line --index 3 --regexp '^obs-export: 127\.0\.0\.1:[0-9]+ POST /v1/traces 200 in 2 out 2 [0-9.]+(ns|us|ms)$'
	assert_line --index 4 "obs-export: SIGTERM: stopping"
}

@test "-v: control characters in a request path do not reach the log as such" {
	serve_start -v
	run req "$SERVE_URL/a%0Aobs-export:%20forged"
	assert_output "no such path '/a?obs-export: forged'
404"
	serve_stop
	run grep -c "forged" "$BATS_TEST_TMPDIR/serve.err"
	assert_output 1
	run grep -F "GET /a?obs-export: forged 404" "$BATS_TEST_TMPDIR/serve.err"
	assert_success
	# nor in ids quoted by rejection messages
	serve_start -v
	run req -X POST -H "Content-Type: application/json" --data-binary \
		'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"\nobs-export: forged too","spanId":"eee19b7ec3c1b174","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}' \
		"$SERVE_URL/v1/traces"
	assert_line --index 1 200
	serve_stop
	run grep -c "^obs-export: forged too" "$BATS_TEST_TMPDIR/serve.err"
	assert_output 0
	run grep -c "rejected span 1: invalid trace id '?obs-export: forged too'" "$BATS_TEST_TMPDIR/serve.err"
	assert_output 1
}

@test "without -v nothing is logged; SIGINT stops it too, with status 0" {
	serve_start
	curl -sS -o /dev/null "$SERVE_URL/healthz"
	kill -INT "$SERVE_PID"
	wait "$SERVE_PID"
	SERVE_PID=
	run cat "$BATS_TEST_TMPDIR/serve.err"
	assert_output ""
}

@test "SIGTERM: the port closes, a request in flight is finished and stored" {
	serve_start -v
	# a 60 kB body sent at 20 kB/s: still uploading when SIGTERM comes
	jq -c '.resourceSpans[0].scopeSpans[0].spans[0].attributes += [range(600) |
		{key: "pad\(.)", value: {stringValue: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}]' \
		"$fx/import/otlp.json" >"$BATS_TEST_TMPDIR/slow.json"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/slow.json")" -gt 50000 ]
	curl -sS -o "$BATS_TEST_TMPDIR/slow.out" -w '%{http_code}' --limit-rate 20k -X POST \
		-H "Content-Type: application/json" --data-binary @"$BATS_TEST_TMPDIR/slow.json" \
		"$SERVE_URL/v1/traces" >"$BATS_TEST_TMPDIR/slow.code" 2>&1 3>&- &
	curl_pid=$!
	sleep 1
	kill -TERM "$SERVE_PID"
	sleep 0.3
	run curl -sS "$SERVE_URL/healthz"
	assert_failure 7    # connection refused: no longer accepting
	wait "$curl_pid"
	wait "$SERVE_PID"
	SERVE_PID=
	run cat "$BATS_TEST_TMPDIR/slow.code"
	assert_output 200
	[ "$(span_count)" -eq 7 ]
	run grep -c "POST /v1/traces 200" "$BATS_TEST_TMPDIR/serve.err"
	assert_output 1
}

@test "--shutdown-timeout: a request still in flight after it is cut off, and said so" {
	serve_start --shutdown-timeout 200ms
	head -c 200000 /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/slow.json"
	curl -sS -o /dev/null --limit-rate 10k -X POST -H "Content-Type: application/json" \
		--data-binary @"$BATS_TEST_TMPDIR/slow.json" "$SERVE_URL/v1/traces" \
		>/dev/null 2>&1 3>&- &
	curl_pid=$!
	sleep 0.5
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID"
	SERVE_PID=
	wait "$curl_pid" || true
	run cat "$BATS_TEST_TMPDIR/serve.err"
	assert_output "obs-export: 1 request still in flight after the shutdown timeout were cut off"
	[ ! -e "$OBS_HOME/spans" ]
}
