#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# obs-export against a real Prometheus (remote-write receiver) and a real Pushgateway, on 127.0.0.1.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${OBS_BIN:=$BATS_TEST_DIRNAME/../../build/bin}"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Install a Debian package when missing (as root), and stop the service it may have started:
# only the instances this file starts are wanted.
ensure_pkg() {
	local pkg=$1 bin=$2
	command -v "$bin" >/dev/null && return 0
	[ "$(id -u)" = 0 ] || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 || return 1
	if command -v systemctl >/dev/null && systemctl is-active --quiet "$pkg" 2>/dev/null; then
		systemctl stop "$pkg" || true
	fi
	if [ -x "/etc/init.d/$pkg" ]; then
		"/etc/init.d/$pkg" stop >/dev/null 2>&1 || true
	fi
	command -v "$bin" >/dev/null
}

wait_ready() {
	local url=$1 pid=$2 log=$3
	for _ in $(seq 150); do
		curl -sf "$url" >/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; return 1; }
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

setup_file() {
	export INT_DIR
	INT_DIR=$(mktemp -d /tmp/obs-export-int-XXXXXX)
	export PROM_PID= PG_PID=
	if ensure_pkg prometheus prometheus; then
		export PROM_PORT
		PROM_PORT=$(free_port)
		printf 'global:\n  scrape_interval: 1h\n' >"$INT_DIR/prometheus.yml"
		prometheus --web.enable-remote-write-receiver --storage.tsdb.path="$INT_DIR/tsdb" \
			--web.listen-address="127.0.0.1:$PROM_PORT" --config.file="$INT_DIR/prometheus.yml" \
			>"$INT_DIR/prometheus.log" 2>&1 &
		PROM_PID=$!
		wait_ready "http://127.0.0.1:$PROM_PORT/-/ready" "$PROM_PID" "$INT_DIR/prometheus.log"
	fi
	if ensure_pkg prometheus-pushgateway prometheus-pushgateway; then
		export PG_PORT
		PG_PORT=$(free_port)
		prometheus-pushgateway --web.listen-address="127.0.0.1:$PG_PORT" \
			--persistence.file="$INT_DIR/pg.store" >"$INT_DIR/pushgateway.log" 2>&1 &
		PG_PID=$!
		wait_ready "http://127.0.0.1:$PG_PORT/-/ready" "$PG_PID" "$INT_DIR/pushgateway.log"
	fi
}

teardown_file() {
	for pid in $PROM_PID $PG_PID; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$INT_DIR"
}

setup() {
	export OBS_HOME="$BATS_TEST_TMPDIR/store"
	unset OBS_FAKE_TIME OTEL_RESOURCE_ATTRIBUTES
	mkdir -p "$OBS_HOME/metrics"
}

# RFC 3339 time of Unix second S.
rfc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000000000Z; }
seg() { echo "$OBS_HOME/metrics/$(date -u +%Y-%m-%d).ndjson"; }

# The value and labels Prometheus returns for QUERY at Unix time T: "VALUE {labels}" per series.
prom_query() {
	curl -sf --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" \
		--data-urlencode "time=$2" |
		jq -r '.data.result[] | "\(.value[1]) \(.metric | to_entries | sort_by(.key) | map("\(.key)=\(.value)") | join(","))"' |
		LC_ALL=C sort -k2
}

@test "remote write: Prometheus returns the samples sent, values and labels exact" {
	[ -n "$PROM_PID" ] || skip "no prometheus (apt-get install prometheus)"
	t=$(( $(date +%s) - 120 ))
	cat >"$(seg)" <<EOF
{"type":"metric","name":"jobs_total","metric_type":"counter","value":2,"labels":{"queue":"a","host":"h1"},"time":"$(rfc $t)"}
{"type":"metric","name":"jobs_total","metric_type":"counter","value":3,"labels":{"queue":"a","host":"h1"},"time":"$(rfc $((t + 10)))"}
{"type":"metric","name":"temp_celsius","metric_type":"gauge","value":0.30000000000000004,"labels":{"room":"a \"b\"/c\\\\d é"},"time":"$(rfc $t)"}
{"type":"metric","name":"temp_celsius","metric_type":"gauge","value":-1e-300,"labels":{"room":"x"},"time":"$(rfc $t)"}
{"type":"metric","name":"build_seconds","metric_type":"histogram","value":0.3,"labels":{"job":"ci"},"time":"$(rfc $t)"}
{"type":"metric","name":"build_seconds","metric_type":"histogram","value":7,"labels":{"job":"ci"},"time":"$(rfc $((t + 10)))"}
{"type":"metric","name":"up","metric_type":"gauge","value":"NaN","labels":{},"time":"$(rfc $t)"}
EOF
	run "$OBS_BIN/obs-export" remote-write --url "http://127.0.0.1:$PROM_PORT/api/v1/write" </dev/null
	assert_success
	run prom_query jobs_total $((t + 5))
	assert_output "2 __name__=jobs_total,host=h1,queue=a"
	run prom_query jobs_total $((t + 15))
	assert_output "5 __name__=jobs_total,host=h1,queue=a"
	run prom_query 'temp_celsius' $((t + 1))
	assert_line '-1e-300 __name__=temp_celsius,room=x'
	assert_line '0.30000000000000004 __name__=temp_celsius,room=a "b"/c\d é'
	run prom_query 'build_seconds_bucket{le=~"0.25|0.5|10|\\+Inf"}' $((t + 15))
	assert_output '2 __name__=build_seconds_bucket,job=ci,le=+Inf
0 __name__=build_seconds_bucket,job=ci,le=0.25
1 __name__=build_seconds_bucket,job=ci,le=0.5
2 __name__=build_seconds_bucket,job=ci,le=10'
	run prom_query 'build_seconds_sum' $((t + 15))
	assert_output '7.3 __name__=build_seconds_sum,job=ci'
	run prom_query 'build_seconds_count' $((t + 5))
	assert_output '1 __name__=build_seconds_count,job=ci'
	run prom_query 'up' $((t + 1))
	assert_output 'NaN __name__=up'
	# the running total continues in the next run (the state is kept with the cursor)
	echo "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\",\"value\":4,\"labels\":{\"queue\":\"a\",\"host\":\"h1\"},\"time\":\"$(rfc $((t + 20)))\"}" >>"$(seg)"
	run "$OBS_BIN/obs-export" remote-write --url "http://127.0.0.1:$PROM_PORT/api/v1/write" </dev/null
	assert_success
	run prom_query jobs_total $((t + 25))
	assert_output "9 __name__=jobs_total,host=h1,queue=a"
	run prom_query 'rate(jobs_total[30s])' $((t + 25))
	assert_output "0.35000000000000003 host=h1,queue=a"
	# a gauge older than its series' last sample is not sent, and the run says so
	echo "{\"type\":\"metric\",\"name\":\"temp_celsius\",\"metric_type\":\"gauge\",\"value\":99,\"labels\":{\"room\":\"x\"},\"time\":\"$(rfc $((t - 60)))\"}" >>"$(seg)"
	run "$OBS_BIN/obs-export" remote-write --url "http://127.0.0.1:$PROM_PORT/api/v1/write" </dev/null
	assert_success
	assert_output --partial ":9: older than the last sample of its series, not sent"
}

@test "remote write: a sample Prometheus refuses (too old) is dead-lettered with its answer" {
	[ -n "$PROM_PID" ] || skip "no prometheus"
	echo "{\"type\":\"metric\",\"name\":\"ancient\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{},\"time\":\"2001-01-01T00:00:00Z\"}" >"$OBS_HOME/metrics/2001-01-01.ndjson"
	# a recent sample first, so the head has a time range
	echo "{\"type\":\"metric\",\"name\":\"recent\",\"metric_type\":\"gauge\",\"value\":1,\"labels\":{},\"time\":\"$(rfc $(date +%s))\"}" >"$(seg)"
	run "$OBS_BIN/obs-export" remote-write --url "http://127.0.0.1:$PROM_PORT/api/v1/write" -s metrics </dev/null
	assert_failure 1
	assert_output --partial "400 Bad Request: out of bounds"
	assert_output --partial "1 record sent"
	assert_output --partial "1 record dead-lettered"
	run jq -r '.record.name + " " + (.status|tostring) + " " + .response' "$OBS_HOME"/state/export/remote-write-*/dead-letter.ndjson
	assert_output --partial "ancient 400 out of bounds"
	run prom_query recent "$(date +%s)"
	assert_output "1 __name__=recent"
}

pg_series() {
	curl -sf "http://127.0.0.1:$PG_PORT/metrics" | grep -E "^($1)[{ ]" | sort
}

@test "pushgateway: pushed groups appear on its /metrics with the grouping labels" {
	[ -n "$PG_PID" ] || skip "no prometheus-pushgateway (apt-get install prometheus-pushgateway)"
	t=$(date +%s)
	cat >"$(seg)" <<EOF
{"type":"metric","name":"backup_bytes","metric_type":"gauge","value":123456789,"labels":{"disk":"sda"},"time":"$(rfc $t)"}
{"type":"metric","name":"backup_runs_total","metric_type":"counter","value":1,"labels":{},"time":"$(rfc $t)"}
{"type":"metric","name":"backup_runs_total","metric_type":"counter","value":1,"labels":{},"time":"$(rfc $((t + 1)))"}
EOF
	run "$OBS_BIN/obs-export" pushgateway --url "http://127.0.0.1:$PG_PORT" --job backup \
		--group instance=db/1 --group site=eu </dev/null
	assert_success
	run pg_series 'backup_bytes|backup_runs_total'
	assert_output 'backup_bytes{disk="sda",instance="db/1",job="backup",site="eu"} 1.23456789e+08
backup_runs_total{instance="db/1",job="backup",site="eu"} 2'
}

@test "pushgateway: PUT replaces the group, POST replaces only the metrics it carries" {
	[ -n "$PG_PID" ] || skip "no prometheus-pushgateway"
	t=$(date +%s)
	push() {
		echo "{\"type\":\"metric\",\"name\":\"$1\",\"metric_type\":\"gauge\",\"value\":$2,\"labels\":{},\"time\":\"$(rfc $t)\"}" |
			"$OBS_BIN/obs-export" pushgateway --url "http://127.0.0.1:$PG_PORT" --job semantics "${@:3}"
	}
	run push m_a 1
	assert_success
	run pg_series 'm_a|m_b|m_c'
	assert_output 'm_a{instance="",job="semantics"} 1'
	run push m_b 2 --method post
	assert_success
	run pg_series 'm_a|m_b|m_c'
	assert_output 'm_a{instance="",job="semantics"} 1
m_b{instance="",job="semantics"} 2'
	run push m_a 5 --method post
	run pg_series 'm_a|m_b|m_c'
	assert_output 'm_a{instance="",job="semantics"} 5
m_b{instance="",job="semantics"} 2'
	run push m_c 3
	assert_success
	run pg_series 'm_a|m_b|m_c'
	assert_output 'm_c{instance="",job="semantics"} 3'
}
