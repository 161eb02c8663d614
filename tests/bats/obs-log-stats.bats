#!/usr/bin/env bats
# obs-log stats: counts by level, service and time bucket; bar charts.

bats_require_minimum_version 1.5.0
load common

FIX="$BATS_TEST_DIRNAME/../fixtures/logstore"

setup() {
	obs_setup
	export LC_ALL=C
	mkdir -p "$OBS_HOME/logs"
	cp "$FIX"/2026-11-24.ndjson "$FIX"/2026-11-25.ndjson "$OBS_HOME/logs/"
}

st() { "$OBS_BIN/obs-log" stats "$@" </dev/null; }

@test "stats --help prints the synopsis and every option" {
	run st --help
	assert_success
	assert_line --index 0 "usage: obs-log stats [options] [FILE...]"
	for o in --level --since --until --service --trace --grep --where --by --bucket --output --strict; do
		assert_output --partial -- "$o"
	done
}

@test "NDJSON: the total, each level, each service (most first), then the time buckets" {
	run st
	assert_success
	assert_line --index 0 '{"by":"total","count":11,"first":"2026-11-24T09:00:00.000000000Z","last":"2026-11-25T08:05:00.000000000Z"}'
	assert_line --index 1 '{"by":"level","level":"fatal","count":1}'
	assert_line --index 2 '{"by":"level","level":"error","count":2}'
	assert_line --index 3 '{"by":"level","level":"warn","count":2}'
	assert_line --index 4 '{"by":"level","level":"info","count":3}'
	assert_line --index 5 '{"by":"level","level":"debug","count":1}'
	assert_line --index 6 '{"by":"level","level":"trace","count":1}'
	assert_line --index 7 '{"by":"level","level":null,"count":1}'
	assert_line --index 8 '{"by":"service","service":"ci","count":4}'
	assert_line --index 9 '{"by":"service","service":"api","count":3}'
	assert_line --index 10 '{"by":"service","service":"cron","count":3}'
	assert_line --index 11 '{"by":"service","service":null,"count":1}'
	# 23h05m of records: 30-minute buckets, the empty ones too.
	assert_line --index 12 '{"by":"time","start":"2026-11-24T09:00:00.000000000Z","end":"2026-11-24T09:30:00.000000000Z","count":3,"levels":{"warn":1,"info":1,"debug":1}}'
	assert_line --index 13 '{"by":"time","start":"2026-11-24T09:30:00.000000000Z","end":"2026-11-24T10:00:00.000000000Z","count":0,"levels":{}}'
	assert_line --index 14 '{"by":"time","start":"2026-11-24T10:00:00.000000000Z","end":"2026-11-24T10:30:00.000000000Z","count":3,"levels":{"error":1,"info":1,"none":1}}'
	[ "${#lines[@]}" -eq $((12 + 47)) ]
	run jq -s '[.[] | select(.by == "time") | .count] | add' <<<"$output"
	assert_output 11
}

@test "--by chooses the sections, --bucket the width; filters apply first" {
	run st --by level,time --bucket 1h --since 2026-11-24 --until 2026-11-24T23:59:59Z
	assert_success
	assert_output '{"by":"total","count":7,"first":"2026-11-24T09:00:00.000000000Z","last":"2026-11-24T10:30:00.000000000Z"}
{"by":"level","level":"fatal","count":1}
{"by":"level","level":"error","count":1}
{"by":"level","level":"warn","count":1}
{"by":"level","level":"info","count":2}
{"by":"level","level":"debug","count":1}
{"by":"level","level":null,"count":1}
{"by":"time","start":"2026-11-24T09:00:00.000000000Z","end":"2026-11-24T10:00:00.000000000Z","count":3,"levels":{"warn":1,"info":1,"debug":1}}
{"by":"time","start":"2026-11-24T10:00:00.000000000Z","end":"2026-11-24T11:00:00.000000000Z","count":4,"levels":{"fatal":1,"error":1,"info":1,"none":1}}'
	run st -o json --by level --level error
	assert_output '[
{"by":"total","count":3,"first":"2026-11-24T10:00:00.000000000Z","last":"2026-11-25T08:02:00.000000000Z"},
{"by":"level","level":"fatal","count":1},
{"by":"level","level":"error","count":2}
]'
}

@test "text: a headline and bar charts (# without UTF-8), errors counted per bucket" {
	run st -o text --by level,service --service cron
	assert_success
	assert_output '3 records, 2026-11-24T09:00:00Z to 2026-11-24T09:01:00Z

LEVEL  COUNT
warn       1  ########################################
info       1  ########################################
debug      1  ########################################

SERVICE  COUNT
cron         3  ########################################'
	run st -o text --by time --service api --bucket 10m
	assert_output '3 records, 2026-11-24T10:00:00Z to 2026-11-24T10:30:00Z

TIME (10m)         COUNT
2026-11-24T10:00Z      2  ######################################## 1 error
2026-11-24T10:10Z      0
2026-11-24T10:20Z      0
2026-11-24T10:30Z      1  #################### 1 error'
	# In UTF-8, whole blocks and eighths (bats leaves empty lines out of $lines).
	LC_ALL=C.UTF-8 run st -o text --by service
	assert_line --index 2 "ci           4  ████████████████████████████████████████"
	assert_line --index 3 "api          3  ██████████████████████████████"
	assert_line --index 5 "(none)       1  ██████████"
	LC_ALL=C.UTF-8 run st -o text --by level
	assert_line --index 2 "fatal       1  █████████████▍"
}

@test "records spread over years: only the buckets with records" {
	printf '%s\n' '{"type":"log","time":"2016-01-01T00:00:00Z","level":"info"}' \
		'{"type":"log","time":"2026-01-01T00:00:00Z","level":"info"}' >"$BATS_TEST_TMPDIR/years.ndjson"
	run "$OBS_BIN/obs-log" stats --by time "$BATS_TEST_TMPDIR/years.ndjson"
	assert_success
	assert_line --index 1 '{"by":"time","start":"2015-12-31T00:00:00.000000000Z","end":"2016-01-07T00:00:00.000000000Z","count":1,"levels":{"info":1}}'
	assert_line --index 2 '{"by":"time","start":"2026-01-01T00:00:00.000000000Z","end":"2026-01-08T00:00:00.000000000Z","count":1,"levels":{"info":1}}'
	[ "${#lines[@]}" -eq 3 ]
}

@test "an empty input: a total of 0" {
	rm -rf "$OBS_HOME"
	run st
	assert_success
	assert_output '{"by":"total","count":0}'
	run st -o text
	assert_output "0 records"
}

@test "bad options are usage errors (exit 2)" {
	run -2 st --by host
	assert_line --index 0 "obs-log: invalid --by 'host' (expected level, service or time, comma-separated)"
	run -2 st --bucket 1.5s
	assert_line --index 0 "obs-log: invalid bucket '1.5s' (expected whole seconds: 10s, 5m, 1h)"
	run -2 st --bucket soon
	assert_line --index 0 "obs-log: invalid bucket 'soon' (expected whole seconds: 10s, 5m, 1h)"
	run -2 st --level loud
	assert_line --index 0 "obs-log: invalid level 'loud' (expected trace, debug, info, warn, error or fatal)"
	run -2 st --bogus
	assert_line --index 0 "obs-log: stats: unknown option '--bogus'"
}
