#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A real Prometheus (Debian's prometheus package) scraping obs-export serve on 127.0.0.1:
# the target is up, the series match the store, and new records show in the next scrapes.

load '../bats/common'
load '../bats/serve'

setup() {
	command -v "${PROMETHEUS:-prometheus}" >/dev/null ||
		skip "prometheus is not installed (apt-get install prometheus)"
	obs_setup
	mkdir -p "$OBS_HOME/metrics"
	# what obs-metric inc/set/observe and a scrape would have written
	cat >"$OBS_HOME/metrics/2026-11-24.ndjson" <<-'EOF'
	{"type":"metric","name":"jobs_total","metric_type":"counter","value":3,"labels":{"queue":"a"},"time":"2026-11-24T10:00:00.000000000Z","help":"Jobs run"}
	{"type":"metric","name":"jobs_total","metric_type":"counter","value":2,"labels":{"queue":"a"},"time":"2026-11-24T10:01:00.000000000Z","help":"Jobs run"}
	{"type":"metric","name":"jobs_total","metric_type":"counter","value":7,"labels":{"queue":"b"},"time":"2026-11-24T10:02:00.000000000Z","help":"Jobs run"}
	{"type":"metric","name":"temperature_celsius","metric_type":"gauge","value":22.25,"labels":{"room":"lab"},"time":"2026-11-24T10:05:00.000000000Z"}
	{"type":"metric","name":"temperature_celsius","metric_type":"gauge","value":21.5,"labels":{"room":"lab"},"time":"2026-11-24T10:00:00.000000000Z"}
	{"type":"metric","name":"request_seconds","metric_type":"histogram","value":0.2,"labels":{"route":"/a"},"time":"2026-11-24T10:00:00.000000000Z"}
	{"type":"metric","name":"request_seconds","metric_type":"histogram","value":0.7,"labels":{"route":"/a"},"time":"2026-11-24T10:00:01.000000000Z"}
	{"type":"metric","name":"request_seconds","metric_type":"histogram","value":3,"labels":{"route":"/a"},"time":"2026-11-24T10:00:02.000000000Z"}
	{"type":"metric","name":"http_requests_total","metric_type":"counter","value":1027,"labels":{"code":"200"},"time":"2026-11-24T10:00:00.000000000Z","cumulative":true}
	{"type":"metric","name":"http_requests_total","metric_type":"counter","value":1030,"labels":{"code":"200"},"time":"2026-11-24T10:00:15.000000000Z","cumulative":true}
	EOF
	printf 'prom-%s\n' "$RANDOM$RANDOM$RANDOM" >"$BATS_TEST_TMPDIR/token"
	serve_start --token-file "$BATS_TEST_TMPDIR/token"

	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	prom="http://127.0.0.1:$port"
	cat >"$BATS_TEST_TMPDIR/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: obs
	    authorization:
	      type: Bearer
	      credentials_file: $BATS_TEST_TMPDIR/token
	    static_configs:
	      - targets: ['$SERVE_ADDR']
	  - job_name: obs-no-token
	    static_configs:
	      - targets: ['$SERVE_ADDR']
	EOF
	"${PROMETHEUS:-prometheus}" --config.file="$BATS_TEST_TMPDIR/prometheus.yml" \
		--storage.tsdb.path="$BATS_TEST_TMPDIR/tsdb" --web.listen-address="127.0.0.1:$port" \
		>"$BATS_TEST_TMPDIR/prometheus.log" 2>&1 3>&- &
	prom_pid=$!
}

teardown() {
	if [ -n "${prom_pid:-}" ]; then
		kill "$prom_pid" 2>/dev/null || true
		wait "$prom_pid" 2>/dev/null || true
	fi
	serve_stop
}

# The health of job JOB's target, "" until Prometheus knows it.
target() {
	curl -sf "$prom/api/v1/targets" |
		jq -r --arg j "$1" '.data.activeTargets[] | select(.labels.job == $j) | .'"$2" 2>/dev/null
}

# Wait (up to 30 s) until COMMAND succeeds.
eventually() {
	local i
	for i in $(seq 300); do
		"$@" && return 0
		kill -0 "$prom_pid" 2>/dev/null || { cat "$BATS_TEST_TMPDIR/prometheus.log" >&2; return 1; }
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/prometheus.log" | tail -20 >&2
	return 1
}

target_is() { [ "$(target "$1" health)" = "$2" ]; }

# Prometheus's current value of QUERY (one series).
value() {
	curl -sf --data-urlencode "query=$1" "$prom/api/v1/query" | jq -r '.data.result[0].value[1]'
}

value_is() { [ "$(value "$1")" = "$2" ]; }

@test "Prometheus scrapes obs-export serve: the target is up and every series matches the store" {
	eventually target_is obs up
	# one more scrape, so that every series has a sample
	eventually value_is 'jobs_total{queue="a"}' 5
	run "$BATS_TEST_DIRNAME/serve-prometheus.py" "$OBS_HOME" "$prom" obs "$SERVE_ADDR"
	echo "$output"
	assert_success
	assert_line "18 series expected, 18 scraped, 0 differences"
	[ "$(value 'temperature_celsius{room="lab"}')" = 22.25 ]
	[ "$(value 'http_requests_total{code="200"}')" = 1030 ]
	[ "$(value 'request_seconds_bucket{le="0.5"}')" = 1 ]
	[ "$(value 'request_seconds_count')" = 3 ]
	# the exposition format Prometheus was given
	run curl -sf -D - -o /dev/null -H "Authorization: Bearer $(cat "$BATS_TEST_TMPDIR/token")" \
		"$SERVE_URL/metrics"
	assert_line --partial "Content-Type: text/plain; version=0.0.4; charset=utf-8"
}

@test "Prometheus sees new records in the store at the next scrapes" {
	eventually value_is 'jobs_total{queue="b"}' 7
	# an increment, as obs-metric inc appends it, and a new series
	printf '%s\n' \
		'{"type":"metric","name":"jobs_total","metric_type":"counter","value":4,"labels":{"queue":"b"},"time":"2026-11-24T11:00:00.000000000Z","help":"Jobs run"}' \
		'{"type":"metric","name":"jobs_total","metric_type":"counter","value":1,"labels":{"queue":"c"},"time":"2026-11-24T11:00:00.000000000Z","help":"Jobs run"}' \
		>>"$OBS_HOME/metrics/2026-11-24.ndjson"
	eventually value_is 'jobs_total{queue="b"}' 11
	eventually value_is 'jobs_total{queue="c"}' 1
	run "$BATS_TEST_DIRNAME/serve-prometheus.py" "$OBS_HOME" "$prom" obs "$SERVE_ADDR"
	echo "$output"
	assert_success
	assert_line "19 series expected, 19 scraped, 0 differences"
}

@test "Prometheus without the bearer token: the target is down with 401" {
	eventually target_is obs-no-token down
	run target obs-no-token lastError
	assert_output --partial "401"
	eventually target_is obs up
}
