#!/usr/bin/env bats
# obs-metric import: metric records and Prometheus / OpenMetrics text into the store.

load common
bats_require_minimum_version 1.5.0

PROM="$BATS_TEST_DIRNAME/../fixtures/prom"

setup() {
	obs_setup
	export OBS_FAKE_TIME=2026-11-24T10:00:00Z
}

T='"time":"2026-11-24T10:00:00.000000000Z"'
R1='{"type":"metric","name":"a_total","metric_type":"counter","value":2,"labels":{"job":"x"},"time":"2026-11-23T23:59:59.000000000Z"}'
R2='{"type":"metric","name":"g","metric_type":"gauge","value":"NaN","labels":{},"time":"2026-11-24T00:00:00.000000000Z","help":"A gauge.","unit":"bytes"}'

@test "canonical records are stored byte for byte, in the segment of their day" {
	printf '%s\n%s\n' "$R1" "$R2" | obs_metric import
	[ "$(cat "$OBS_HOME/metrics/2026-11-23.ndjson")" = "$R1" ]
	[ "$(cat "$OBS_HOME/metrics/2026-11-24.ndjson")" = "$R2" ]
}

@test "records are normalised: type added, times to RFC 3339 UTC, values, key order" {
	run --separate-stderr obs_metric import --stdout <<'EOF'
{"name":"a","value":1,"time":1795514400}
{"time":"2026-11-24T11:00:00+01:00","labels":{"k":"v"},"value":"inf","name":"b","metric_type":"gauge"}
{"type":"metric","name":"c","value":-0.5}
{"type":"metric","name":"d","metric_type":"counter","value":3,"time":1795514400123,"cumulative":true}
EOF
	assert_success
	assert_equal "$stderr" ""
	assert_output "{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"untyped\",\"value\":1,\"labels\":{},$T}
{\"type\":\"metric\",\"name\":\"b\",\"metric_type\":\"gauge\",\"value\":\"+Inf\",\"labels\":{\"k\":\"v\"},$T}
{\"type\":\"metric\",\"name\":\"c\",\"metric_type\":\"untyped\",\"value\":-0.5,\"labels\":{},$T}
{\"type\":\"metric\",\"name\":\"d\",\"metric_type\":\"counter\",\"value\":3,\"labels\":{},\"time\":\"2026-11-24T10:00:00.123000000Z\",\"cumulative\":true}"
}

@test "--time gives the time of records without one" {
	run obs_metric import --stdout --time 2026-11-20T00:00:00Z <<<'{"name":"a","value":1}'
	assert_success
	assert_output '{"type":"metric","name":"a","metric_type":"untyped","value":1,"labels":{},"time":"2026-11-20T00:00:00.000000000Z"}'
	run --separate-stderr obs_metric import --stdout --time never <<<'{"name":"a","value":1}'
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --time: invalid time 'never': expected a duration (2h), RFC 3339, a Unix timestamp or 'now'"
}

@test "--label adds labels; a record's own is kept as exported_NAME" {
	run obs_metric import --stdout -l job=node -l instance=h1 <<'EOF'
{"name":"a","value":1,"labels":{"job":"other","x":"y"}}
EOF
	assert_success
	assert_output "{\"type\":\"metric\",\"name\":\"a\",\"metric_type\":\"untyped\",\"value\":1,\"labels\":{\"job\":\"node\",\"x\":\"y\",\"exported_job\":\"other\",\"instance\":\"h1\"},$T}"
}

@test "bad records are reported as FILE:LINE: reason, skipped and counted" {
	cat >"$BATS_TEST_TMPDIR/in.ndjson" <<'EOF'
{"type":"metric","name":"ok","value":1}
{"type":"metric","name":"b c","value":1}
{"type":"span","name":"x"}
not json
{"type":"metric","name":"x","metric_type":"counter","value":-1}
{"type":"metric","name":"x","value":1,"foo":1}
{"type":"metric","name":"x","metric_type":"gauges","value":1}
{"type":"metric","name":"x","value":"many"}
{"type":"metric","name":"x","value":1,"labels":{"1a":"b"}}
{"type":"metric","name":"x","value":1,"labels":{"a":1}}
{"type":"metric","name":"x","value":1,"labels":{"__name__":"y"}}
{"type":"metric","name":"x","value":1,"time":"yesterday"}
{"type":"metric","name":"x","metric_type":"histogram","value":1,"labels":{"le":"1"}}
{"type":"metric","value":1}
{"type":"metric","name":"x"}
{"type":"metric","name":"x","value":1,"name":"y"}
{"type":"metric","name":"x","value":1,"labels":{"a":"1","a":"2"}}
{"type":"metric","name":"x","value":1,"cumulative":"yes"}
{"type":"metric","name":"x","value":1,"unit":"m/s"}
{"type":3,"name":"x","value":1}
EOF
	run --separate-stderr obs_metric import "$BATS_TEST_TMPDIR/in.ndjson"
	assert_success
	f="$BATS_TEST_TMPDIR/in.ndjson"
	assert_equal "$stderr" "obs-metric: $f:2: invalid metric name 'b c'
obs-metric: $f:3: not a metric record
obs-metric: $f:4: not a JSON object
obs-metric: $f:5: a counter increment must be a finite number >= 0
obs-metric: $f:6: unknown field 'foo'
obs-metric: $f:7: unknown metric_type 'gauges'
obs-metric: $f:8: invalid value 'many'
obs-metric: $f:9: invalid label name '1a'
obs-metric: $f:10: label 'a' is not a string
obs-metric: $f:11: invalid label name '__name__'
obs-metric: $f:12: invalid time 'yesterday': expected RFC 3339 or a Unix timestamp
obs-metric: $f:13: histogram observation has an 'le' label
obs-metric: $f:14: missing 'name'
obs-metric: $f:15: missing 'value'
obs-metric: $f:16: duplicate field 'name'
obs-metric: $f:17: duplicate label 'a'
obs-metric: $f:18: 'cumulative' is not a boolean
obs-metric: $f:19: invalid unit 'm/s'
obs-metric: $f:20: 'type' is not a string
obs-metric: imported 1 sample from '$f' (19 lines skipped)"
	[ "$(metrics | jq -r .name)" = ok ]
}

@test "--strict stops at the first bad line, stores nothing more, exit 3" {
	printf '%s\n{"name":"b c","value":1}\n%s\n' "$R1" "$R2" >"$BATS_TEST_TMPDIR/in.ndjson"
	run --separate-stderr obs_metric import --strict "$BATS_TEST_TMPDIR/in.ndjson"
	assert_failure 3
	assert_equal "$stderr" "obs-metric: $BATS_TEST_TMPDIR/in.ndjson:2: invalid metric name 'b c'
obs-metric: stopped at the first problem (--strict); nothing stored"
	[ "$(metrics)" = "" ]
}

@test "Prometheus text: samples become cumulative records with HELP and types" {
	run --separate-stderr obs_metric import --stdout -v "$PROM/node.prom"
	assert_success
	assert_equal "$stderr" "obs-metric: imported 43 samples from '$PROM/node.prom'"
	assert_line --index 0 "{\"type\":\"metric\",\"name\":\"go_gc_duration_seconds\",\"metric_type\":\"summary\",\"value\":2.1971e-5,\"labels\":{\"quantile\":\"0\"},$T,\"help\":\"A summary of the pause duration of garbage collection cycles.\",\"cumulative\":true}"
	[ "$(printf '%s\n' "$output" | jq -r 'select(.name=="go_goroutines") | [.metric_type, .value, has("cumulative")] | @csv')" = '"gauge",8,false' ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.metric_type=="counter") | .cumulative' | sort -u)" = true ]
}

@test "Prometheus text from standard input, with --label and the format named" {
	printf '# TYPE up gauge\nup{job="a"} 1 1795514400000\n' |
		obs_metric import --format prom -l instance=h:9100
	[ "$(metrics)" = '{"type":"metric","name":"up","metric_type":"gauge","value":1,"labels":{"job":"a","instance":"h:9100"},"time":"2026-11-24T10:00:00.000000000Z"}' ]
}

@test "OpenMetrics text (timestamps in seconds, # EOF)" {
	run --separate-stderr obs_metric import --stdout --format openmetrics "$PROM/openmetrics.prom"
	assert_success
	assert_equal "$stderr" ""
	[ "$(printf '%s\n' "$output" | jq -r 'select(.name=="go_goroutines") | .value')" = 69 ]
	run --separate-stderr obs_metric import --stdout --format openmetrics <<<'a 1'
	assert_failure 3
	assert_equal "$stderr" "obs-metric: <stdin>:1: missing '# EOF'"
}

@test "malformed Prometheus text: FILE:LINE errors, skipped; --strict stops" {
	printf '# TYPE a counter\na 1\n\nb{x="1",x="2"} 1\nc 1 2 3\nd{1a="x"} 1\ne 1\n' >"$BATS_TEST_TMPDIR/bad.prom"
	run --separate-stderr obs_metric import --stdout "$BATS_TEST_TMPDIR/bad.prom"
	assert_success
	assert_equal "$stderr" "obs-metric: $BATS_TEST_TMPDIR/bad.prom:4: duplicate label 'x'
obs-metric: $BATS_TEST_TMPDIR/bad.prom:5: unexpected text after timestamp '3'
obs-metric: $BATS_TEST_TMPDIR/bad.prom:6: invalid label name '1a'
obs-metric: imported 2 samples from '$BATS_TEST_TMPDIR/bad.prom' (3 lines skipped)"
	[ "$(printf '%s\n' "$output" | jq -r .name | tr '\n' ' ')" = "a e " ]
	run --separate-stderr obs_metric import --strict "$BATS_TEST_TMPDIR/bad.prom"
	assert_failure 3
	assert_equal "$stderr" "obs-metric: $BATS_TEST_TMPDIR/bad.prom:4: duplicate label 'x'
obs-metric: stopped at the first problem (--strict); nothing stored"
	[ "$(metrics)" = "" ]
}

@test "gzip input is read" {
	printf '%s\n' "$R1" | gzip >"$BATS_TEST_TMPDIR/r.ndjson.gz"
	run obs_metric import --stdout "$BATS_TEST_TMPDIR/r.ndjson.gz"
	assert_success
	assert_output "$R1"
}

@test "a missing input is reported, the others imported, exit 3" {
	printf '%s\n' "$R1" >"$BATS_TEST_TMPDIR/r.ndjson"
	run --separate-stderr obs_metric import "$BATS_TEST_TMPDIR/nope" "$BATS_TEST_TMPDIR/r.ndjson"
	assert_failure 3
	assert_equal "$stderr" "obs-metric: cannot open '$BATS_TEST_TMPDIR/nope': No such file or directory"
	[ "$(metrics)" = "$R1" ]
}

@test "an unwritable store: exit 3" {
	mkdir -p "$OBS_HOME"
	: >"$OBS_HOME/metrics"
	run --separate-stderr obs_metric import <<<"$R1"
	assert_failure 3
	[[ "$stderr" == "obs-metric: "*"$OBS_HOME/metrics"* ]]
}

@test "usage errors: exit 2" {
	run --separate-stderr obs_metric import --format xml
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: unknown format 'xml': expected auto, ndjson, prom or openmetrics"
	run --separate-stderr obs_metric import --nope
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: import: unknown option '--nope'"
	run --separate-stderr obs_metric import -l bad
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid label 'bad': expected NAME=VALUE"
	run obs_metric import --help
	assert_success
	assert_line --index 0 --partial "usage: obs-metric import"
}

@test "an empty input imports nothing, exit 0" {
	run obs_metric import </dev/null
	assert_success
	[ "$(metrics)" = "" ]
}
