#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# obs-metric with real components: node_exporter's textfile collector reads `expose --textfile`,
# `scrape` fetches node_exporter, promtool checks every exposition.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${OBS_BIN:=$BATS_TEST_DIRNAME/../../build/bin}"
EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
PROMTOOL=${PROMTOOL:-promtool}
PROM="$BATS_TEST_DIRNAME/../fixtures/prom"

m() { "$OBS_BIN/obs-metric" "$@"; }

# One node_exporter for the file, on 127.0.0.1 and a free port, reading $TEXTFILES.
setup_file() {
	[ -x "$EXPORTER" ] || return 0
	export TEXTFILES="$BATS_FILE_TMPDIR/textfiles"
	mkdir -p "$TEXTFILES"
	chmod 755 "$TEXTFILES"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	# Only the textfile and loadavg collectors: a small, fast /metrics.
	"$EXPORTER" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$TEXTFILES" --collector.loadavg \
		>"$BATS_FILE_TMPDIR/exporter.log" 2>&1 &
	echo $! >"$BATS_FILE_TMPDIR/exporter.pid"
	export NE_URL="http://127.0.0.1:$port/metrics"
	for _ in $(seq 100); do
		curl -sf "$NE_URL" -o /dev/null && return 0
		sleep 0.1
	done
	cat "$BATS_FILE_TMPDIR/exporter.log" >&2
	return 1
}

teardown_file() {
	if [ -f "$BATS_FILE_TMPDIR/exporter.pid" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/exporter.pid")" 2>/dev/null || true
		wait "$(cat "$BATS_FILE_TMPDIR/exporter.pid")" 2>/dev/null || true
	fi
}

setup() {
	export OBS_HOME="$BATS_TEST_TMPDIR/store"
	unset OBS_FAKE_TIME
}

need_exporter() { [ -x "$EXPORTER" ] || skip "no node_exporter (apt-get install prometheus-node-exporter)"; }
need_promtool() { command -v "$PROMTOOL" >/dev/null || skip "no promtool (apt-get install prometheus)"; }

# promtool check metrics: 0 clean, 3 lint findings, 1 cannot parse.
lint_clean() {
	run "$PROMTOOL" check metrics <"$1"
	echo "$output"
	[ "$status" -eq 0 ] && [ -z "$output" ]
}
# Clean but for the findings node_exporter's own names get (node_memory_MemTotal_bytes is camelCase).
lint_clean_but_node_names() {
	run "$PROMTOOL" check metrics <"$1"
	echo "$output"
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	[ -z "$(printf '%s\n' "$output" | grep -v "^node_memory_[A-Za-z0-9_]* metric names should be written in 'snake_case' not 'camelCase'\$" | grep .)" ]
}
parses() {
	run "$PROMTOOL" check metrics <"$1"
	echo "$output"
	[ "$status" -ne 1 ] && [[ "$output" != *"error while linting"* ]]
}

record_some() {
	m inc backup_runs_total -l job=db --help-text 'Backups run.'
	m inc backup_runs_total -l job=db --by 2
	m inc backup_runs_total -l job='web "front"' --help-text 'Backups run.'
	m set backup_last_success_timestamp_seconds 1795514400 -l job=db --help-text 'When the last backup succeeded.' --unit seconds
	m set temperature_celsius 21.5 -l room='a\b' --help-text $'Temperature\nin the room.'
	for v in 0.02 0.3 0.3 4 12; do
		m observe backup_duration_seconds "$v" --help-text 'How long backups take.' --unit seconds
	done
	m observe --type summary backup_size_bytes 1048576 --help-text 'Backup sizes.' --unit bytes
}

@test "node_exporter's textfile collector reads expose --textfile; the series are on its /metrics" {
	need_exporter
	record_some
	run m expose --textfile "$TEXTFILES" --name obs_backup </dev/null
	assert_success
	run curl -sf "$NE_URL"
	assert_success
	assert_line 'backup_runs_total{job="db"} 3'
	assert_line 'backup_runs_total{job="web \"front\""} 1'
	assert_line 'backup_last_success_timestamp_seconds{job="db"} 1.7955144e+09'
	assert_line 'temperature_celsius{room="a\\b"} 21.5'
	assert_line 'backup_duration_seconds_bucket{le="0.025"} 1'
	assert_line 'backup_duration_seconds_bucket{le="0.5"} 3'
	assert_line 'backup_duration_seconds_bucket{le="10"} 4'
	assert_line 'backup_duration_seconds_bucket{le="+Inf"} 5'
	assert_line 'backup_duration_seconds_sum 16.62'
	assert_line 'backup_duration_seconds_count 5'
	assert_line 'backup_size_bytes_sum 1.048576e+06'
	assert_line '# HELP backup_runs_total Backups run.'
	assert_line '# TYPE backup_duration_seconds histogram'
	assert_line '# HELP temperature_celsius Temperature\nin the room.'
	assert_line --regexp "^node_textfile_mtime_seconds\\{file=\"$TEXTFILES/obs_backup.prom\"\\} [0-9.e+]+\$"
	assert_line 'node_textfile_scrape_error 0'
	rm -f "$TEXTFILES/obs_backup.prom"
}

@test "a textfile rewritten while node_exporter serves: it sees the new values, never an error" {
	need_exporter
	for i in 1 2 3 4 5; do
		m inc ticks_total --help-text 'Ticks.'
		m expose --textfile "$TEXTFILES" --name ticks --match 'ticks_*' </dev/null
		run curl -sf "$NE_URL"
		assert_line "ticks_total $i"
		assert_line 'node_textfile_scrape_error 0'
	done
	rm -f "$TEXTFILES/ticks.prom"
}

@test "promtool check metrics: expose outputs are clean (recorded, collected, imported, scraped)" {
	need_promtool
	record_some
	m expose </dev/null >"$BATS_TEST_TMPDIR/recorded.prom"
	lint_clean "$BATS_TEST_TMPDIR/recorded.prom"
	m expose --timestamps --buckets 0.1,1,10 </dev/null >"$BATS_TEST_TMPDIR/ts.prom"
	lint_clean "$BATS_TEST_TMPDIR/ts.prom"

	rm -rf "$OBS_HOME"
	m collect
	m collect -- true
	m expose </dev/null >"$BATS_TEST_TMPDIR/collected.prom"
	lint_clean_but_node_names "$BATS_TEST_TMPDIR/collected.prom"
	grep -q '^node_cpu_seconds_total{cpu="0",mode="idle"} ' "$BATS_TEST_TMPDIR/collected.prom"

	rm -rf "$OBS_HOME"
	m import "$PROM/node.prom" "$PROM/federate.prom"
	m expose </dev/null >"$BATS_TEST_TMPDIR/imported.prom"
	parses "$BATS_TEST_TMPDIR/imported.prom"
}

@test "promtool check metrics: expose parses whatever names and help a user gives" {
	need_promtool
	m inc requests -l path='/a"b\c'
	m set CamelCase 1
	m set x_total -- -1
	m observe latency_ms NaN
	m set weird_value +Inf
	m expose </dev/null >"$BATS_TEST_TMPDIR/odd.prom"
	parses "$BATS_TEST_TMPDIR/odd.prom"
}

@test "scrape a real node_exporter: its series in the store, queryable; up is 1" {
	need_exporter
	m set scrape_probe 42 --help-text 'Round trip.'
	m expose --textfile "$TEXTFILES" --name probe --match scrape_probe </dev/null
	rm -rf "$OBS_HOME"
	run --separate-stderr m scrape --job node "$NE_URL"
	assert_success
	assert_equal "$stderr" ""
	run m query 'up{job="node"}' </dev/null
	assert_output --partial '"value":['
	assert_output --partial ',"1"]}'
	run m query 'scrape_probe' </dev/null
	instance=${NE_URL#http://}
	assert_output --partial "\"instance\":\"${instance%/metrics}\""
	assert_output --partial ',"42"]}'
	run m query 'count(node_load1)' </dev/null
	assert_output --partial ',"1"]}'
	[ "$(cat "$OBS_HOME"/metrics/*.ndjson | jq -r 'select(.name=="node_textfile_scrape_error") | .value')" = 0 ]
	rm -f "$TEXTFILES/probe.prom"
}

@test "scrape's records go back out through expose and pass promtool" {
	need_exporter
	need_promtool
	m scrape --job node "$NE_URL"
	m expose </dev/null >"$BATS_TEST_TMPDIR/scraped.prom"
	lint_clean "$BATS_TEST_TMPDIR/scraped.prom"
	grep -q '^up{instance="127.0.0.1:[0-9]*",job="node"} 1$' "$BATS_TEST_TMPDIR/scraped.prom"
}
