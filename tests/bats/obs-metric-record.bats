#!/usr/bin/env bats
# obs-metric inc, add, set, observe: records, names and labels, values, times, exit statuses.

load common
bats_require_minimum_version 1.5.0

setup() {
	obs_setup
	export OBS_FAKE_TIME=2026-11-24T10:00:00Z
}

T='"time":"2026-11-24T10:00:00.000000000Z"'

@test "the overview lists every command; --version" {
	run obs_metric --help
	assert_success
	for c in inc add set observe import collect expose query; do
		assert_output --partial "  $c "
	done
	run obs_metric --version
	assert_success
	assert_output "obs-metric 0.1.0"
	run obs_metric
	assert_failure 2
	run obs_metric frobnicate
	assert_failure 2
	assert_output --partial "obs-metric: unknown command 'frobnicate'"
}

@test "inc writes a counter delta of 1 to the store's segment of the day" {
	run obs_metric inc jobs_total
	assert_success
	assert_output ""
	[ "$(metrics)" = "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\",\"value\":1,\"labels\":{},$T}" ]
	[ -f "$OBS_HOME/metrics/2026-11-24.ndjson" ]
	[ "$(stat -c %a "$OBS_HOME/metrics/2026-11-24.ndjson")" = 600 ]
}

@test "inc --by, labels in order, help text and unit" {
	run obs_metric inc --by 2.5 -l job=backup --label host=db1 --help-text 'Jobs run.' --unit jobs jobs_total
	assert_success
	[ "$(metrics)" = "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\",\"value\":2.5,\"labels\":{\"job\":\"backup\",\"host\":\"db1\"},$T,\"help\":\"Jobs run.\",\"unit\":\"jobs\"}" ]
}

@test "options may follow the name" {
	run obs_metric inc jobs_total --label job=a --by 3
	assert_success
	[ "$(metrics | jq -c '[.value, .labels]')" = '[3,{"job":"a"}]' ]
}

@test "add, set and observe write their types" {
	obs_metric add bytes_total 1e3
	obs_metric set temperature_celsius -- -4.5
	obs_metric set queue_depth 7 -l q=mail
	obs_metric observe request_seconds 0.25
	obs_metric observe --type summary payload_bytes 512
	run jq -c '[.name, .metric_type, .value]' <(metrics)
	assert_output '["bytes_total","counter",1000]
["temperature_celsius","gauge",-4.5]
["queue_depth","gauge",7]
["request_seconds","histogram",0.25]
["payload_bytes","summary",512]'
}

@test "set takes negative values and NaN / infinities, written as strings" {
	obs_metric set a -3
	obs_metric set -l x=y b -Inf
	obs_metric set c NaN
	obs_metric set d +Inf
	run jq -c '.value' <(metrics)
	assert_output '-3
"-Inf"
"NaN"
"+Inf"'
}

@test "--time takes RFC 3339, Unix time and durations ago" {
	obs_metric set g 1 --time 2026-11-20T08:00:00.5Z
	obs_metric set g 2 --time 1795600000
	obs_metric set g 3 --time 2h
	run jq -r .time <(cat "$OBS_HOME"/metrics/*.ndjson)
	assert_output '2026-11-20T08:00:00.500000000Z
2026-11-24T08:00:00.000000000Z
2026-11-25T09:46:40.000000000Z'
	[ -f "$OBS_HOME/metrics/2026-11-20.ndjson" ]
	[ -f "$OBS_HOME/metrics/2026-11-25.ndjson" ]
}

@test "--stdout writes the record instead of storing it" {
	run obs_metric inc --stdout x_total -l a=b
	assert_success
	assert_output "{\"type\":\"metric\",\"name\":\"x_total\",\"metric_type\":\"counter\",\"value\":1,\"labels\":{\"a\":\"b\"},$T}"
	[ ! -d "$OBS_HOME/metrics" ]
}

@test "invalid metric names are refused with the rule, exit 2" {
	for n in '1abc' 'a-b' 'a b' '' 'é'; do
		run --separate-stderr obs_metric inc "$n"
		assert_failure 2
		assert_equal "$stderr" "obs-metric: invalid metric name '$n' (expected [a-zA-Z_:][a-zA-Z0-9_:]*)"
	done
	run obs_metric inc 'ns:sub_total'
	assert_success
	[ "$(metrics)" != "" ]
}

@test "invalid labels are refused, exit 2" {
	run --separate-stderr obs_metric inc x -l 1a=b
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid label name '1a' (expected [a-zA-Z_][a-zA-Z0-9_]*)"
	run --separate-stderr obs_metric inc x -l __name__=b
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid label name '__name__' (names starting with '__' are reserved)"
	run --separate-stderr obs_metric inc x -l novalue
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid label 'novalue': expected NAME=VALUE"
	run --separate-stderr obs_metric inc x -l a=1 -l a=2
	assert_failure 2
	assert_equal "$stderr" "obs-metric: duplicate label 'a'"
	run --separate-stderr obs_metric inc x -l "a=$(printf '\377')"
	assert_failure 2
	assert_equal "$stderr" "obs-metric: label 'a' has a value that is not UTF-8"
	run --separate-stderr obs_metric observe x 1 -l le=1
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid label 'le': a histogram adds it itself"
	run --separate-stderr obs_metric observe --type summary x 1 -l quantile=1
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid label 'quantile': a summary adds it itself"
	# An empty value is kept: Prometheus reads it as no label.
	run obs_metric inc x -l a=
	assert_success
	[ "$(metrics | jq -c .labels)" = '{"a":""}' ]
}

@test "invalid values are refused, exit 2; counters only go up" {
	run --separate-stderr obs_metric set g abc
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid value 'abc' (expected a number such as 1, 2.5, 1e3, NaN, +Inf)"
	run --separate-stderr obs_metric add c_total -- -1
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid value '-1': a counter only goes up (expected a finite number >= 0)"
	run --separate-stderr obs_metric add c_total NaN
	assert_failure 2
	run --separate-stderr obs_metric inc c_total --by -2
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid increment '-2': a counter only goes up (expected a finite number >= 0)"
	run --separate-stderr obs_metric inc c_total --by +Inf
	assert_failure 2
	run --separate-stderr obs_metric observe h 0x10
	assert_failure 2
	[ "$(metrics)" = "" ]
}

@test "missing and extra arguments, unknown options, exit 2" {
	run --separate-stderr obs_metric inc
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: inc: missing metric name"
	run --separate-stderr obs_metric set g
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: set: missing value"
	run --separate-stderr obs_metric set g 1 2
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: set: unexpected argument '2'"
	run --separate-stderr obs_metric inc x 5
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: inc: unexpected argument '5'"
	run --separate-stderr obs_metric inc x -5
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: inc: unexpected argument '-5'"
	run --separate-stderr obs_metric set --by 2 g 1
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: set: unknown option '--by'"
	run --separate-stderr obs_metric inc --type summary x
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: inc: unknown option '--type'"
	run --separate-stderr obs_metric inc --bogus x
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: inc: unknown option '--bogus'"
	run --separate-stderr obs_metric inc x -l
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: inc: option '-l' needs a value"
	run --separate-stderr obs_metric observe --type gauge x 1
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid type 'gauge' (expected histogram or summary)"
	run --separate-stderr obs_metric set g 1 --unit 'm/s'
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid unit 'm/s' (expected letters, digits and '_')"
	run --separate-stderr obs_metric set g 1 --time yesterday
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --time: invalid time 'yesterday': expected a duration (2h), RFC 3339, a Unix timestamp or 'now'"
	[ "$(metrics)" = "" ]
}

@test "each command has --help, exit 0" {
	for c in inc add set observe; do
		run obs_metric "$c" --help
		assert_success
		assert_line --index 0 --partial "usage: obs-metric $c"
		assert_output --partial "--label NAME=VALUE"
		run obs_metric help "$c"
		assert_success
	done
	run obs_metric inc --help
	assert_output --partial "--by N"
	run obs_metric observe --help
	assert_output --partial "--type TYPE"
}

@test "an unwritable store is a runtime failure, exit 3" {
	mkdir -p "$OBS_HOME/metrics"
	chmod 500 "$OBS_HOME/metrics"
	if touch "$OBS_HOME/metrics/probe" 2>/dev/null; then
		skip "running as root: permissions are not enforced"
	fi
	run --separate-stderr obs_metric inc x_total
	assert_failure 3
	assert_equal "$stderr" "obs-metric: cannot open '$OBS_HOME/metrics/2026-11-24.ndjson': Permission denied"
}

@test "a store path that is a file is a runtime failure, exit 3" {
	mkdir -p "$OBS_HOME"
	printf 'x' >"$OBS_HOME/metrics"
	run --separate-stderr obs_metric inc x_total
	assert_failure 3
	assert_output ""
	[[ "$stderr" == "obs-metric: "*"$OBS_HOME/metrics"* ]]
}

@test "a full standard output is a runtime failure with --stdout" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr obs_metric inc --stdout x_total >/dev/full
	run bash -c "'$OBS_BIN/obs-metric' inc --stdout x_total >/dev/full"
	assert_failure 3
	assert_output "obs-metric: write error: No space left on device"
}

@test "many concurrent inc calls lose nothing" {
	for i in $(seq 40); do obs_metric inc hits_total -l n=$((i % 4)) & done
	wait
	[ "$(metrics | wc -l)" -eq 40 ]
	run obs_metric expose </dev/null
	assert_success
	assert_line 'hits_total{n="0"} 10'
	assert_line 'hits_total{n="3"} 10'
}
