#!/usr/bin/env bats
# obs-metric scrape: against the test server faultsrv on 127.0.0.1 (a real node_exporter is in tests/integration).

load common
bats_require_minimum_version 1.5.0

PROM="$BATS_TEST_DIRNAME/../fixtures/prom"
TLS="$BATS_TEST_DIRNAME/../fixtures/tls"

setup() {
	obs_setup
	export OBS_FAKE_TIME=2026-11-24T10:00:00Z
	SRV_PID=
}

teardown() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
	fi
}

# Start faultsrv with ARGS; sets PORT and URL. Requests are recorded in $BATS_TEST_TMPDIR/rec.
serve() {
	mkdir -p "$BATS_TEST_TMPDIR/rec"
	"$OBS_TEST_HELPERS/faultsrv" --max-seconds 60 --record "$BATS_TEST_TMPDIR/rec" "$@" \
		>"$BATS_TEST_TMPDIR/srv.out" 2>"$BATS_TEST_TMPDIR/srv.err" &
	SRV_PID=$!
	for _ in $(seq 200); do
		[ -s "$BATS_TEST_TMPDIR/srv.out" ] && break
		sleep 0.05
	done
	PORT=$(head -n 1 "$BATS_TEST_TMPDIR/srv.out")
	URL="http://127.0.0.1:$PORT/metrics"
}

# A free port nothing listens on.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

@test "obs-metric itself does not load libcurl; obs-metric-scrape does" {
	run sh -c "ldd '$OBS_BIN/obs-metric' | grep -c curl"
	assert_output 0
	run sh -c "ldd '$OBS_BIN/obs-metric-scrape' | grep -c libcurl"
	assert_output 1
}

@test "a text-format target: samples with job and instance, cumulative counters, and up" {
	serve --plan "200=$PROM/node.prom" --content-type 'text/plain; version=0.0.4; charset=utf-8'
	run --separate-stderr obs_metric scrape --job node "$URL"
	assert_success
	assert_equal "$stderr" ""
	[ "$(metrics | wc -l)" -eq 46 ]
	[ "$(metrics | jq -r '.labels.job + " " + .labels.instance' | sort -u)" = "node 127.0.0.1:$PORT" ]
	[ "$(metrics | jq -r 'select(.name=="node_cpu_seconds_total") | .cumulative' | sort -u)" = true ]
	[ "$(metrics | jq -r 'select(.name=="go_goroutines") | .value')" = 8 ]
	[ "$(metrics | jq -r 'select(.name=="up") | .value')" = 1 ]
	[ "$(metrics | jq -r 'select(.name=="scrape_samples_scraped") | .value')" = 43 ]
	[ "$(metrics | jq -r 'select(.name=="scrape_duration_seconds") | .value > 0')" = true ]
	[ "$(metrics | jq -r .time | sort -u)" = "2026-11-24T10:00:00.000000000Z" ]
	# Asked as Prometheus asks, with our User-Agent.
	grep -q '^Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,\*/\*;q=0.1$' "$BATS_TEST_TMPDIR/rec/0001.head"
	grep -q '^User-Agent: obs-metric/0.1.0$' "$BATS_TEST_TMPDIR/rec/0001.head"
	# The records query and expose like any others.
	run obs_metric query 'sum by (job) (up)' </dev/null
	assert_output "{\"metric\":{\"job\":\"node\"},\"value\":[1795514400,\"1\"]}"
}

@test "an OpenMetrics target is read as OpenMetrics by its Content-Type" {
	serve --plan "200=$PROM/openmetrics.prom" --content-type 'application/openmetrics-text; version=1.0.0; charset=utf-8'
	run --separate-stderr obs_metric scrape --stdout "$URL"
	assert_success
	assert_equal "$stderr" ""
	[ "$(printf '%s\n' "$output" | jq -r 'select(.name=="go_goroutines") | .labels.job')" = scrape ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.name=="up") | .value')" = 1 ]
	# As plain text it is refused (exemplars, # EOF): the target is down.
	run --separate-stderr obs_metric scrape --stdout --format prom "$URL"
	assert_failure 3
	[[ "$stderr" == "obs-metric: $URL:"*": "* ]]
}

@test "--instance, --label; a target's own job label is kept as exported_job" {
	printf '# TYPE a gauge\na{job="inner",x="1"} 5\n' >"$BATS_TEST_TMPDIR/a.prom"
	serve --plan "200=$BATS_TEST_TMPDIR/a.prom"
	run obs_metric scrape --stdout --job outer --instance web-1 -l env=prod "$URL"
	assert_success
	assert_line --index 0 '{"type":"metric","name":"a","metric_type":"gauge","value":5,"labels":{"job":"outer","x":"1","env":"prod","exported_job":"inner","instance":"web-1"},"time":"2026-11-24T10:00:00.000000000Z"}'
}

@test "timestamps in the exposition are kept" {
	printf 'a 1 1795510800000\n' >"$BATS_TEST_TMPDIR/a.prom"
	serve --plan "200=$BATS_TEST_TMPDIR/a.prom"
	run obs_metric scrape --stdout "$URL"
	assert_success
	assert_line --index 0 --partial '"time":"2026-11-24T09:00:00.000000000Z"'
}

@test "an HTTP error: exit 3, up 0 recorded and nothing else" {
	serve --plan 404
	run --separate-stderr obs_metric scrape --stdout "$URL"
	assert_failure 3
	assert_equal "$stderr" "obs-metric: cannot get '$URL': 404 Not Found"
	[ "$(printf '%s\n' "$output" | jq -r '.name + " " + (.value|tostring)' | tr '\n' ' ')" = "up 0 scrape_duration_seconds $(printf '%s\n' "$output" | jq -r 'select(.name=="scrape_duration_seconds") | .value') scrape_samples_scraped 0 " ]
}

@test "malformed text fails the whole scrape, with the line" {
	printf 'a 1\nb{x="1",x="2"} 1\n' >"$BATS_TEST_TMPDIR/bad.prom"
	serve --plan "200=$BATS_TEST_TMPDIR/bad.prom"
	run --separate-stderr obs_metric scrape "$URL"
	assert_failure 3
	assert_equal "$stderr" "obs-metric: $URL:2: duplicate label 'x'"
	[ "$(metrics | jq -r .name | tr '\n' ' ')" = "up scrape_duration_seconds scrape_samples_scraped " ]
	[ "$(metrics | jq -r 'select(.name=="up") | .value')" = 0 ]
}

@test "nothing listening: exit 3 with curl's reason; --timeout bounds a stalled target" {
	port=$(free_port)
	run --separate-stderr obs_metric scrape --stdout "http://127.0.0.1:$port/metrics"
	assert_failure 3
	[[ "$stderr" == "obs-metric: cannot get 'http://127.0.0.1:$port/metrics': "*"onnect"* ]]
	serve --plan stall:5
	start=$(date +%s%N)
	run --separate-stderr obs_metric scrape --stdout --timeout 300ms "$URL"
	assert_failure 3
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 3000 ]
	[[ "$stderr" == *"imeout"* || "$stderr" == *"timed out"* ]]
}

@test "several targets: each gets its up; one down makes the exit status 3" {
	serve --plan "200=$PROM/node.prom"
	port=$(free_port)
	run --separate-stderr obs_metric scrape "$URL" "http://127.0.0.1:$port/metrics"
	assert_failure 3
	[ "$(metrics | jq -r 'select(.name=="up") | .labels.instance + "=" + (.value|tostring)' | tr '\n' ' ')" = "127.0.0.1:$PORT=1 127.0.0.1:$port=0 " ]
}

@test "--interval and --count: that many rounds" {
	unset OBS_FAKE_TIME
	serve --plan "200=$PROM/node.prom"
	run obs_metric scrape --interval 100ms --count 3 "$URL"
	assert_success
	[ "$(wc -l <"$BATS_TEST_TMPDIR/rec/log")" -eq 3 ]
	[ "$(metrics | jq -r 'select(.name=="up") | .time' | sort -u | wc -l)" -eq 3 ]
}

@test "--bearer-token-file sends the token and never shows it; user info stays out of labels and messages" {
	printf 's3cr3t-token\n' >"$BATS_TEST_TMPDIR/token"
	serve --plan 401
	run --separate-stderr obs_metric scrape --stdout --bearer-token-file "$BATS_TEST_TMPDIR/token" \
		"http://user:pa55@127.0.0.1:$PORT/metrics"
	assert_failure 3
	grep -q '^Authorization: Bearer s3cr3t-token$' "$BATS_TEST_TMPDIR/rec/0001.head"
	assert_equal "$stderr" "obs-metric: cannot get 'http://127.0.0.1:$PORT/metrics': 401 Unauthorized"
	[[ "$output" != *s3cr3t* && "$output" != *pa55* ]]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.name=="up") | .labels.instance')" = "127.0.0.1:$PORT" ]
}

@test "https: verified against --ca-file, refused without it, --insecure skips the check" {
	serve --plan "200=$PROM/node.prom" --tls-cert "$TLS/server.pem" --tls-key "$TLS/server.key"
	u="https://127.0.0.1:$PORT/metrics"
	run --separate-stderr obs_metric scrape --stdout "$u"
	assert_failure 3
	[[ "$stderr" == "obs-metric: cannot get '$u': "*"certificate"* ]]
	run --separate-stderr obs_metric scrape --stdout --ca-file "$TLS/ca.pem" "$u"
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr obs_metric scrape --stdout --insecure "$u"
	assert_success
}

@test "usage errors: exit 2" {
	run --separate-stderr obs_metric scrape
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: scrape: no URL given"
	run --separate-stderr obs_metric scrape --format xml http://x/
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: scrape: unknown format 'xml': expected auto, prom or openmetrics"
	run --separate-stderr obs_metric scrape --count 2 http://x/
	assert_failure 2
	run --separate-stderr obs_metric scrape --timeout soon http://x/
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --timeout: invalid duration 'soon': expected a number"
	run --separate-stderr obs_metric scrape --bearer-token-file "$BATS_TEST_TMPDIR/nope" http://x/
	assert_failure 2
	assert_equal "$stderr" "obs-metric: cannot open '$BATS_TEST_TMPDIR/nope': No such file or directory"
	: >"$BATS_TEST_TMPDIR/empty"
	run --separate-stderr obs_metric scrape --bearer-token-file "$BATS_TEST_TMPDIR/empty" http://x/
	assert_failure 2
	run --separate-stderr obs_metric scrape --job '' http://x/
	assert_failure 2
	run --separate-stderr obs_metric scrape -l 1=2 http://x/
	assert_failure 2
	run --separate-stderr obs_metric scrape --bogus http://x/
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: scrape: unknown option '--bogus'"
	run obs_metric scrape --help
	assert_success
	assert_line --index 0 "usage: obs-metric scrape [options] URL..."
	run obs_metric help scrape
	assert_success
	assert_line --index 0 "usage: obs-metric scrape [options] URL..."
}

@test "without obs-metric-scrape beside obs-metric or on PATH: exit 3" {
	mkdir "$BATS_TEST_TMPDIR/bin"
	cp "$OBS_BIN/obs-metric" "$BATS_TEST_TMPDIR/bin/"
	run --separate-stderr env PATH=/usr/bin:/bin "$BATS_TEST_TMPDIR/bin/obs-metric" scrape http://x/
	assert_failure 3
	assert_equal "$stderr" "obs-metric: scrape: cannot run obs-metric-scrape (looked beside obs-metric and on PATH): No such file or directory"
}
