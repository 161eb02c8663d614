#!/usr/bin/env bats
# obs-metric query: PromQL over the store or piped records; output formats, windows, errors.

load common
bats_require_minimum_version 1.5.0

# 2026-11-24T10:00:00Z and 10:10:00Z
T0=1795514400
T10=1795515000

# Scraped counters every 15 s from 10:00:00 to 10:10:00: instance a grows 1/s,
# b 2/s (job api), c 1/s (job web); a gauge every minute.
gen() {
	awk -v t0=$T0 'function ts(t) { return strftime("%Y-%m-%dT%H:%M:%S.000000000Z", t, 1) }
	BEGIN {
		for (i = 0; i <= 40; i++) {
			t = t0 + 15 * i
			printf "{\"type\":\"metric\",\"name\":\"http_requests_total\",\"metric_type\":\"counter\",\"value\":%d,\"labels\":{\"job\":\"api\",\"instance\":\"a\"},\"time\":\"%s\",\"cumulative\":true}\n", 15 * i, ts(t)
			printf "{\"type\":\"metric\",\"name\":\"http_requests_total\",\"metric_type\":\"counter\",\"value\":%d,\"labels\":{\"job\":\"api\",\"instance\":\"b\"},\"time\":\"%s\",\"cumulative\":true}\n", 30 * i, ts(t)
			printf "{\"type\":\"metric\",\"name\":\"http_requests_total\",\"metric_type\":\"counter\",\"value\":%d,\"labels\":{\"job\":\"web\",\"instance\":\"c\"},\"time\":\"%s\",\"cumulative\":true}\n", 15 * i, ts(t)
			if (i % 4 == 0)
				printf "{\"type\":\"metric\",\"name\":\"temperature_celsius\",\"metric_type\":\"gauge\",\"value\":%d,\"labels\":{\"room\":\"lab\"},\"time\":\"%s\"}\n", 20 + i / 4, ts(t)
		}
	}'
}

setup() {
	obs_setup
	export OBS_FAKE_TIME=2026-11-24T10:10:00Z
	mkdir -p "$OBS_HOME/metrics"
	gen >"$OBS_HOME/metrics/2026-11-24.ndjson"
}

# query reading the store (standard input is /dev/null, as under cron).
q() { "$OBS_BIN/obs-metric" query "$@" </dev/null; }

@test "an instant query prints one line per series, as the API's result items" {
	run --separate-stderr q 'sum by (job) (rate(http_requests_total[5m]))'
	assert_success
	assert_equal "$stderr" ""
	assert_output "{\"metric\":{\"job\":\"api\"},\"value\":[$T10,\"3\"]}
{\"metric\":{\"job\":\"web\"},\"value\":[$T10,\"1\"]}"
}

@test "selectors keep __name__; --time picks the evaluation time" {
	run q 'http_requests_total{instance="b"}' --time 2026-11-24T10:05:00Z
	assert_success
	assert_output "{\"metric\":{\"__name__\":\"http_requests_total\",\"instance\":\"b\",\"job\":\"api\"},\"value\":[$((T0 + 300)),\"600\"]}"
	run q 'temperature_celsius' --time $((T0 + 150)).5
	assert_output "{\"metric\":{\"__name__\":\"temperature_celsius\",\"room\":\"lab\"},\"value\":[$((T0 + 150)).500,\"22\"]}"
	run q 'temperature_celsius' --time 9m
	assert_output "{\"metric\":{\"__name__\":\"temperature_celsius\",\"room\":\"lab\"},\"value\":[$((T0 + 60)),\"21\"]}"
}

@test "a range query prints one line per series with all its points" {
	run q 'sum by (job) (rate(http_requests_total[5m]))' --start 2026-11-24T10:05:00Z --end 2026-11-24T10:07:00Z --step 1m
	assert_success
	a=$((T0 + 300)); b=$((T0 + 360)); c=$((T0 + 420))
	assert_output "{\"metric\":{\"job\":\"api\"},\"values\":[[$a,\"3\"],[$b,\"3\"],[$c,\"3\"]]}
{\"metric\":{\"job\":\"web\"},\"values\":[[$a,\"1\"],[$b,\"1\"],[$c,\"1\"]]}"
}

@test "--end defaults to now; --step to about 250 steps" {
	run q 'temperature_celsius' --start 10m
	assert_success
	# 600 s / 250 is 2.4 s, rounded up to whole seconds: 3 s.
	[ "$(jq '.values | length' <<<"$output")" = 201 ]
	[ "$(jq -c '.values[0]' <<<"$output")" = "[$T0,\"20\"]" ]
	[ "$(jq -c '.values[-1]' <<<"$output")" = "[$T10,\"30\"]" ]
}

@test "-o json is the Prometheus API response" {
	run q -o json 'max(temperature_celsius)'
	assert_success
	assert_output "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[$T10,\"30\"]}]}}"
	run q -o json 'temperature_celsius' --start 2026-11-24T10:09:00Z --step 30s
	assert_output "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"__name__\":\"temperature_celsius\",\"room\":\"lab\"},\"values\":[[$((T0 + 540)),\"29\"],[$((T0 + 570)),\"29\"],[$T10,\"30\"]]}]}}"
	run q -o json '1 + 1'
	assert_output "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[$T10,\"2\"]}}"
	run q -o json 'http_requests_total{instance="a"}[30s]'
	assert_output "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"__name__\":\"http_requests_total\",\"instance\":\"a\",\"job\":\"api\"},\"values\":[[$((T10 - 30)),\"570\"],[$((T10 - 15)),\"585\"],[$T10,\"600\"]]}]}}"
}

@test "scalars and strings give one line with empty labels" {
	run q '2 * 3'
	assert_output "{\"metric\":{},\"value\":[$T10,\"6\"]}"
	run q '"some \"text\""'
	assert_output "{\"metric\":{},\"value\":[$T10,\"some \\\"text\\\"\"]}"
	run q 'time()' --start 2026-11-24T10:09:59Z --step 1s
	assert_output "{\"metric\":{},\"values\":[[$((T10 - 1)),\"$((T10 - 1))\"],[$T10,\"$T10\"]]}"
}

@test "-o table: series, time, value" {
	run q -o table 'sum by (job) (rate(http_requests_total[5m]))'
	assert_success
	assert_output 'SERIES       TIME                  VALUE
{job="api"}  2026-11-24T10:10:00Z      3
{job="web"}  2026-11-24T10:10:00Z      1'
	run q -o table 'temperature_celsius' --start 2026-11-24T10:09:30Z --step 15s
	assert_output 'SERIES                           TIME                  VALUE
temperature_celsius{room="lab"}  2026-11-24T10:09:30Z     29
temperature_celsius{room="lab"}  2026-11-24T10:09:45Z     29
temperature_celsius{room="lab"}  2026-11-24T10:10:00Z     30'
	run q -o table '1.5'
	assert_output 'SERIES  TIME                  VALUE
{}      2026-11-24T10:10:00Z    1.5'
}

@test "an empty result prints nothing, exit 0" {
	run q 'nothing_here'
	assert_success
	assert_output ""
	run q -o json 'nothing_here'
	assert_output "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"
	rm -rf "$OBS_HOME"
	run q 'up'
	assert_success
	assert_output ""
}

@test "records come from files and standard input too" {
	gen >"$BATS_TEST_TMPDIR/r.ndjson"
	rm -rf "$OBS_HOME"
	expect="{\"metric\":{},\"value\":[$T10,\"4\"]}"
	run obs_metric query 'sum(rate(http_requests_total[5m]))' "$BATS_TEST_TMPDIR/r.ndjson"
	assert_output "$expect"
	run obs_metric query 'sum(rate(http_requests_total[5m]))' <"$BATS_TEST_TMPDIR/r.ndjson"
	assert_output "$expect"
	gzip -k "$BATS_TEST_TMPDIR/r.ndjson"
	run obs_metric query 'sum(rate(http_requests_total[5m]))' - <"$BATS_TEST_TMPDIR/r.ndjson.gz"
	assert_output "$expect"
}

@test "the store: only the days of the window are read" {
	printf 'garbage\n' >"$OBS_HOME/metrics/2026-11-22.ndjson"
	printf '{"type":"metric","name":"temperature_celsius","metric_type":"gauge","value":99,"labels":{"room":"lab"},"time":"2026-11-23T12:00:00.000000000Z"}\n' >"$OBS_HOME/metrics/2026-11-23.ndjson"
	run --separate-stderr q 'temperature_celsius'
	assert_success
	assert_equal "$stderr" ""
	# An hour's range reaches back into no other day either.
	run --separate-stderr q 'max_over_time(temperature_celsius[1h])'
	assert_equal "$stderr" ""
	assert_output "{\"metric\":{\"room\":\"lab\"},\"value\":[$T10,\"30\"]}"
	# A day's range does: the other day's gauge is found, the garbage reported.
	run --separate-stderr q 'max_over_time(temperature_celsius[2d])'
	assert_success
	assert_output "{\"metric\":{\"room\":\"lab\"},\"value\":[$T10,\"99\"]}"
	assert_equal "$stderr" "obs-metric: $OBS_HOME/metrics/2026-11-22.ndjson:1: not a JSON object
obs-metric: 1 malformed line skipped"
	# offset and @ move the window.
	run --separate-stderr q 'temperature_celsius offset 22h10m'
	assert_output "{\"metric\":{\"__name__\":\"temperature_celsius\",\"room\":\"lab\"},\"value\":[$T10,\"99\"]}"
	assert_equal "$stderr" ""
	run --separate-stderr q 'temperature_celsius @ 1795435200'
	assert_output "{\"metric\":{\"__name__\":\"temperature_celsius\",\"room\":\"lab\"},\"value\":[$T10,\"99\"]}"
}

@test "counters recorded as deltas total from the first record read; --since reads more" {
	rm -rf "$OBS_HOME"
	obs_metric inc jobs_total --time 2026-11-24T08:00:00Z
	obs_metric inc jobs_total --time 2026-11-24T10:08:00Z
	obs_metric inc jobs_total --time 2026-11-24T10:09:00Z
	run q 'jobs_total'
	assert_output "{\"metric\":{\"__name__\":\"jobs_total\"},\"value\":[$T10,\"2\"]}"
	run q 'jobs_total' --since 2026-11-24
	assert_output "{\"metric\":{\"__name__\":\"jobs_total\"},\"value\":[$T10,\"3\"]}"
	run q 'increase(jobs_total[1h])' --since 2026-11-24
	assert_success
}

@test "histogram observations are queried through _bucket, _sum and _count" {
	rm -rf "$OBS_HOME"
	for v in 0.02 0.2 0.2 0.3 4; do obs_metric observe latency_seconds "$v" --time 2026-11-24T10:09:00Z; done
	run q 'latency_seconds_count'
	assert_output "{\"metric\":{\"__name__\":\"latency_seconds_count\"},\"value\":[$T10,\"5\"]}"
	run q 'latency_seconds_sum'
	assert_output "{\"metric\":{\"__name__\":\"latency_seconds_sum\"},\"value\":[$T10,\"4.72\"]}"
	run q 'histogram_quantile(0.5, latency_seconds_bucket)'
	assert_output "{\"metric\":{},\"value\":[$T10,\"0.2125\"]}"
}

@test "other record types are passed over silently; bad lines reported, --strict exit 3" {
	printf '{"type":"span","name":"x"}\n{"type":"metric","name":"temperature_celsius","value":1}\nnot json\n' >>"$OBS_HOME/metrics/2026-11-24.ndjson"
	f="$OBS_HOME/metrics/2026-11-24.ndjson"
	n=$(wc -l <"$f")
	run --separate-stderr q 'temperature_celsius'
	assert_success
	assert_output "{\"metric\":{\"__name__\":\"temperature_celsius\",\"room\":\"lab\"},\"value\":[$T10,\"30\"]}"
	assert_equal "$stderr" "obs-metric: $f:$((n - 1)): missing 'time'
obs-metric: $f:$n: not a JSON object
obs-metric: 2 malformed lines skipped"
	run --separate-stderr q --strict 'temperature_celsius'
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "obs-metric: $f:$((n - 1)): missing 'time'"
}

@test "a parse error: exit 2, the message with its column, the expression and a caret" {
	run --separate-stderr q 'sum(rate(http_requests_total[5m])))'
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "obs-metric: parse error at column 35: unexpected ')'
sum(rate(http_requests_total[5m])))
                                  ^"
	run --separate-stderr q $'sum(\n\trate(x[5m]) +)'
	assert_failure 2
	assert_equal "$stderr" "obs-metric: parse error at line 2, column 15: unexpected ')'
	rate(x[5m]) +)
	             ^"
	run --separate-stderr q 'x{a="é"} + +'
	assert_failure 2
	assert_equal "$stderr" "obs-metric: parse error at column 14: unexpected end of input
x{a=\"é\"} + +
            ^"
}

@test "unknown functions and PromQL outside the subset are refused, exit 2" {
	run --separate-stderr q 'frobnicate(x)'
	assert_failure 2
	assert_equal "$stderr" "obs-metric: parse error at column 1: unknown function with name \"frobnicate\"
frobnicate(x)
^"
	run --separate-stderr q 'sum(deriv(x[5m]))'
	assert_failure 2
	assert_equal "$stderr" "obs-metric: unsupported at column 5: function 'deriv'
sum(deriv(x[5m]))
    ^"
	run --separate-stderr q 'count_values("v", x)'
	assert_failure 2
	[[ "${stderr%%$'\n'*}" == "obs-metric: unsupported at column 1: "* ]]
	run --separate-stderr q 'rate(x[5m:1m])'
	assert_failure 2
	[[ "$stderr" == "obs-metric: "*"column"* ]]
}

@test "evaluation errors are runtime failures, exit 3" {
	run --separate-stderr q 'http_requests_total + on(job) http_requests_total'
	assert_failure 3
	assert_output ""
	[[ "$stderr" == "obs-metric: query: "*"matching"* ]]
}

@test "usage errors: bad times and durations, conflicting options, range of a range vector, exit 2" {
	run --separate-stderr q 'x' --time never
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --time: invalid time 'never': expected a duration (2h), RFC 3339, a Unix timestamp or 'now'"
	run --separate-stderr q 'x' --start 1h --step fast
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --step: invalid duration 'fast': expected a number"
	run --separate-stderr q 'x' --start 1h --step 0s
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --step: duration '0s' must be greater than 0"
	run --separate-stderr q 'x' --lookback -5m
	assert_failure 2
	run --separate-stderr q 'x' --end 1h
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: query: --end and --step go with --start"
	run --separate-stderr q 'x' --start 1h --time 2h
	assert_failure 2
	run --separate-stderr q 'x' --start 1h --end 2h
	assert_failure 2
	assert_equal "$stderr" "obs-metric: query: --end is before --start"
	run --separate-stderr q 'x' --start 2d --step 1s
	assert_failure 2
	assert_equal "$stderr" "obs-metric: query: more than 11000 steps: use a larger --step"
	run --separate-stderr q 'x[5m]' --start 1h
	assert_failure 2
	assert_equal "$stderr" "obs-metric: query: a range query needs an expression of scalar or instant vector type, not a range vector"
	run --separate-stderr q
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: query: no expression given"
	run --separate-stderr q -o xml x
	assert_failure 2
	assert_equal "$stderr" "obs-metric: invalid output format 'xml' (expected ndjson, json or table)"
	run --separate-stderr q --bogus x
	assert_failure 2
	run --separate-stderr obs_metric query x "$BATS_TEST_TMPDIR/nope"
	assert_failure 3
	assert_equal "$stderr" "obs-metric: cannot open '$BATS_TEST_TMPDIR/nope': No such file or directory"
}

@test "--lookback changes how far instant selectors look back" {
	run q 'temperature_celsius' --time 2026-11-24T10:12:00Z --lookback 1m
	assert_output ""
	run q 'temperature_celsius' --time 2026-11-24T10:12:00Z --lookback 3m
	assert_output "{\"metric\":{\"__name__\":\"temperature_celsius\",\"room\":\"lab\"},\"value\":[$((T10 + 120)),\"30\"]}"
}

@test "query --help lists every option" {
	run q --help
	assert_success
	assert_line --index 0 --partial "usage: obs-metric query"
	for o in --time --start --end --step --lookback --since --output --strict --help; do
		assert_output --partial -- "$o"
	done
}
