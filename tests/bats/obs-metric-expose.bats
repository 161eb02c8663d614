#!/usr/bin/env bats
# obs-metric expose: the Prometheus text format 0.0.4 from the store or records, textfiles.

load common
bats_require_minimum_version 1.5.0

setup() {
	obs_setup
	export OBS_FAKE_TIME=2026-11-24T10:00:00Z
}

# expose reading the store (standard input is /dev/null, as under cron).
ex() { "$OBS_BIN/obs-metric" expose "$@" </dev/null; }

record_some() {
	obs_metric inc jobs_total -l job=backup --help-text 'Jobs run.'
	obs_metric inc jobs_total -l job=backup --by 2
	obs_metric inc jobs_total -l job='say "hi"\now'
	obs_metric set temperature_celsius 21.5 --time 1h --help-text $'Line one\nline \\two'
	obs_metric set temperature_celsius 19
	obs_metric observe request_seconds 0.3 --help-text 'Request latency.'
	obs_metric observe request_seconds 7
	obs_metric observe --type summary payload_bytes 100
	obs_metric observe --type summary payload_bytes 50
}

@test "counters sum their deltas, gauges keep the last value, histograms get buckets; HELP/TYPE once, escaped" {
	record_some
	run --separate-stderr ex
	assert_success
	assert_equal "$stderr" ""
	assert_output '# HELP jobs_total Jobs run.
# TYPE jobs_total counter
jobs_total{job="backup"} 3
jobs_total{job="say \"hi\"\\now"} 1
# TYPE payload_bytes summary
payload_bytes_sum 150
payload_bytes_count 2
# HELP request_seconds Request latency.
# TYPE request_seconds histogram
request_seconds_bucket{le="0.005"} 0
request_seconds_bucket{le="0.01"} 0
request_seconds_bucket{le="0.025"} 0
request_seconds_bucket{le="0.05"} 0
request_seconds_bucket{le="0.1"} 0
request_seconds_bucket{le="0.25"} 0
request_seconds_bucket{le="0.5"} 1
request_seconds_bucket{le="1"} 1
request_seconds_bucket{le="2.5"} 1
request_seconds_bucket{le="5"} 1
request_seconds_bucket{le="10"} 2
request_seconds_bucket{le="+Inf"} 2
request_seconds_sum 7.3
request_seconds_count 2
# HELP temperature_celsius Line one\nline \\two
# TYPE temperature_celsius gauge
temperature_celsius 19'
}

@test "a family's HELP text may come from any of its records" {
	obs_metric inc jobs_total -l job=a
	obs_metric inc jobs_total -l job=b --help-text 'Jobs run.'
	run ex
	assert_success
	assert_line --index 0 '# HELP jobs_total Jobs run.'
}

@test "--buckets sets the histogram's bounds; bad lists are usage errors" {
	record_some
	run ex --buckets 1,5 --match request_seconds
	assert_success
	assert_output '# HELP request_seconds Request latency.
# TYPE request_seconds histogram
request_seconds_bucket{le="1"} 1
request_seconds_bucket{le="5"} 1
request_seconds_bucket{le="+Inf"} 2
request_seconds_sum 7.3
request_seconds_count 2'
	run --separate-stderr ex --buckets 5,1
	assert_failure 2
	[[ "$stderr" == "obs-metric: --buckets: "* ]]
	run --separate-stderr ex --buckets x
	assert_failure 2
}

@test "--since/--until choose the records (and the store's days read)" {
	obs_metric inc c_total --time 2026-11-22T12:00:00Z
	obs_metric inc c_total --time 2026-11-23T12:00:00Z
	obs_metric inc c_total
	[ "$(ex | tail -n 1)" = "c_total 3" ]
	[ "$(ex --since 2026-11-23 | tail -n 1)" = "c_total 2" ]
	[ "$(ex --since 2026-11-23 --until 2026-11-23T23:00:00Z | tail -n 1)" = "c_total 1" ]
	[ "$(ex --since 1h | tail -n 1)" = "c_total 1" ]
	printf 'garbage\n' >>"$OBS_HOME/metrics/2026-11-22.ndjson"
	run --separate-stderr ex --since 2026-11-23
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr ex --since 2026-11-23 --strict
	assert_success
}

@test "--match selects metric names by glob; repeatable" {
	record_some
	run ex --match 'temp*' --match payload_bytes
	assert_success
	assert_output --partial "# TYPE payload_bytes summary"
	assert_output --partial "temperature_celsius 19"
	refute_output --partial "jobs_total"
}

@test "--timestamps writes each series' time in milliseconds" {
	obs_metric set g 1 --time 2026-11-24T09:00:00.123456Z
	obs_metric inc c_total
	run ex --timestamps
	assert_success
	assert_output '# TYPE c_total counter
c_total 1 1795514400000
# TYPE g gauge
g 1 1795510800123'
}

@test "records come from files or standard input too" {
	record_some
	cp "$OBS_HOME/metrics/2026-11-24.ndjson" "$BATS_TEST_TMPDIR/r.ndjson"
	rm -rf "$OBS_HOME"
	a=$(obs_metric expose "$BATS_TEST_TMPDIR/r.ndjson")
	b=$(obs_metric expose <"$BATS_TEST_TMPDIR/r.ndjson")
	c=$(cat "$BATS_TEST_TMPDIR/r.ndjson" | obs_metric expose -)
	[ "$a" = "$b" ] && [ "$b" = "$c" ]
	[[ "$a" == *"jobs_total{job=\"backup\"} 3"* ]]
}

@test "scraped (cumulative) records: latest values, histograms passed through" {
	obs_metric import "$BATS_TEST_DIRNAME/../fixtures/prom/node.prom"
	run --separate-stderr ex --match 'node_cpu*' --match go_gc_duration_seconds
	assert_success
	assert_equal "$stderr" ""
	assert_line '# TYPE go_gc_duration_seconds summary'
	assert_line 'go_gc_duration_seconds{quantile="0.5"} 4.2041e-05'
	assert_line 'go_gc_duration_seconds_count 1021'
	assert_line '# TYPE node_cpu_seconds_total counter'
}

@test "bad records and type conflicts: FILE:LINE, skipped; --strict: exit 3" {
	cat >"$BATS_TEST_TMPDIR/r.ndjson" <<'EOF'
{"type":"metric","name":"x","metric_type":"counter","value":1,"time":"2026-11-24T10:00:00.000000000Z"}
{"type":"metric","name":"x","metric_type":"gauge","value":1,"time":"2026-11-24T10:00:00.000000000Z"}
{"type":"metric","name":"y y","value":1,"time":"2026-11-24T10:00:00.000000000Z"}
{"type":"span"}
EOF
	run --separate-stderr obs_metric expose "$BATS_TEST_TMPDIR/r.ndjson"
	assert_success
	assert_output '# TYPE x counter
x 1'
	assert_equal "$stderr" "obs-metric: $BATS_TEST_TMPDIR/r.ndjson:2: 'x' is a counter, not a gauge
obs-metric: $BATS_TEST_TMPDIR/r.ndjson:3: invalid metric name 'y y'
obs-metric: 2 malformed lines skipped"
	run --separate-stderr obs_metric expose --strict "$BATS_TEST_TMPDIR/r.ndjson"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "obs-metric: $BATS_TEST_TMPDIR/r.ndjson:2: 'x' is a counter, not a gauge"
}

@test "--textfile writes NAME.prom atomically, mode 644, nothing on standard output" {
	record_some
	mkdir "$BATS_TEST_TMPDIR/tf"
	run ex --textfile "$BATS_TEST_TMPDIR/tf"
	assert_success
	assert_output ""
	[ "$(ls -A "$BATS_TEST_TMPDIR/tf")" = "obs-metric.prom" ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/tf/obs-metric.prom")" = 644 ]
	[ "$(cat "$BATS_TEST_TMPDIR/tf/obs-metric.prom")" = "$(ex)" ]
	run ex --textfile "$BATS_TEST_TMPDIR/tf" --name backup --match 'jobs*'
	assert_success
	[ "$(ls -A "$BATS_TEST_TMPDIR/tf" | tr '\n' ' ')" = "backup.prom obs-metric.prom " ]
	[ "$(head -n 1 "$BATS_TEST_TMPDIR/tf/backup.prom")" = "# HELP jobs_total Jobs run." ]
}

@test "--textfile errors: missing folder (3), bad name, --name alone, --timestamps (2)" {
	run --separate-stderr ex --textfile "$BATS_TEST_TMPDIR/nope"
	assert_failure 3
	[[ "$stderr" == "obs-metric: "*"$BATS_TEST_TMPDIR/nope"*"No such file or directory" ]]
	run --separate-stderr ex --textfile "$BATS_TEST_TMPDIR" --name a/b
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid textfile name 'a/b' (no '/', not starting with '.')"
	run --separate-stderr ex --name x
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: expose: --name goes with --textfile"
	run --separate-stderr ex --textfile "$BATS_TEST_TMPDIR" --timestamps
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: expose: node_exporter's textfile collector refuses timestamps: --textfile goes without --timestamps"
}

@test "an empty store gives an empty exposition, exit 0" {
	run ex
	assert_success
	assert_output ""
}

@test "usage: --help, unknown options, bad times" {
	run ex --help
	assert_success
	assert_line --index 0 "usage: obs-metric expose [options] [FILE...]"
	for o in --since --until --match --buckets --timestamps --textfile --name --strict; do
		assert_output --partial -- "$o"
	done
	run --separate-stderr ex --bogus
	assert_failure 2
	run --separate-stderr ex --since never
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --since: invalid time 'never': expected a duration (2h), RFC 3339, a Unix timestamp or 'now'"
	run --separate-stderr obs_metric expose "$BATS_TEST_TMPDIR/nope"
	assert_failure 3
	assert_equal "$stderr" "obs-metric: cannot open '$BATS_TEST_TMPDIR/nope': No such file or directory"
}
