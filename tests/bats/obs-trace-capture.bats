#!/usr/bin/env bats
# obs-trace exec --capture-logs: output lines become log records of the span, output unchanged.

bats_require_minimum_version 1.5.0
load common

setup() { obs_setup; }

span_ids() { jq -r '[.trace_id, .span_id] | join(" ")' "$OBS_HOME"/spans/*.ndjson; }

@test "without --capture-logs no log is written; the option is in --help" {
	run obs_trace exec -- sh -c 'echo hi; echo err >&2'
	assert_success
	[ ! -e "$OBS_HOME/logs" ]
	run obs_trace exec --help
	assert_output --partial "--capture-logs"
}

@test "each line is a record of the span: stream, line number, levels by stream and by word" {
	run --separate-stderr obs_trace exec --capture-logs --service job -- sh -c '
		echo "out one"; echo "err one" >&2; echo "ERROR: it broke" >&2
		echo "[warn] careful"; echo "fatal: not a git repository" >&2; echo "E: apt says no" >&2
		echo "Info without a colon"; printf "no newline at the end"'
	assert_success
	assert_output "$(printf 'out one\n[warn] careful\nInfo without a colon\nno newline at the end')"
	[ "$stderr" = "$(printf 'err one\nERROR: it broke\nfatal: not a git repository\nE: apt says no')" ]
	read -r trace span <<<"$(span_ids)"
	# The two streams interleave as the reads fall; each one is in order.
	run jq -r '[.stream, .line, .level, .msg, .service, .trace_id == "'"$trace"'", .span_id == "'"$span"'"] | join("|")' \
		"$OBS_HOME"/logs/*.ndjson
	run sort -t'|' -k1,1 -s <<<"$output"
	assert_output 'stderr|1|warn|err one|job|true|true
stderr|2|error|ERROR: it broke|job|true|true
stderr|3|fatal|fatal: not a git repository|job|true|true
stderr|4|error|E: apt says no|job|true|true
stdout|1|info|out one|job|true|true
stdout|2|warn|[warn] careful|job|true|true
stdout|3|info|Info without a colon|job|true|true
stdout|4|info|no newline at the end|job|true|true'
}

@test "a JSON or logfmt line keeps its own level, time and fields; its own trace context wins" {
	obs_trace exec --capture-logs -- sh -c '
		echo "{\"level\":\"debug\",\"time\":\"2026-01-02T03:04:05Z\",\"msg\":\"json\",\"k\":1}"
		echo "level=error msg=\"logfmt line\" code=7" >&2
		echo "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 msg=child"
		echo "plain x=1 text is not logfmt"' >/dev/null 2>&1
	run jq -c 'del(.service, .trace_id, .span_id)' "$OBS_HOME"/logs/*.ndjson
	assert_line '{"type":"log","time":"2026-01-02T03:04:05.000000000Z","level":"debug","msg":"json","stream":"stdout","line":1,"k":1}'
	assert_line --regexp '^\{"type":"log","time":"[0-9T:.-]+Z","level":"error","msg":"logfmt line","stream":"stderr","line":1,"code":7\}$'
	assert_line --regexp '"level":"info","msg":"plain x=1 text is not logfmt","stream":"stdout","line":3\}$'
	run jq -r 'select(.msg == "child") | .trace_id + " " + .span_id' "$OBS_HOME"/logs/*.ndjson
	assert_output "4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7"
	# Stored under its own time, so a query for that time finds it.
	[ -s "$OBS_HOME/logs/2026-01-02.ndjson" ]
	run obs_log query -o ndjson --since 2026-01-02T03:00:00Z --until 2026-01-02T03:10:00Z </dev/null
	assert_success
	assert_output --partial '"msg":"json"'
}

@test "output passes through byte for byte, in order per stream, and the status comes back" {
	printf 'a\0b\r\nno end\xff' >"$BATS_TEST_TMPDIR/bin"
	rc=0
	obs_trace exec --capture-logs -- sh -c "cat '$BATS_TEST_TMPDIR/bin'; seq 1 20000; exit 3" >/dev/null || rc=$?
	[ "$rc" -eq 3 ]
	obs_trace exec --capture-logs -- sh -c "cat '$BATS_TEST_TMPDIR/bin'; seq 1 20000 >&2; seq 1 20000" \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	cmp "$BATS_TEST_TMPDIR/out" <(cat "$BATS_TEST_TMPDIR/bin"; seq 1 20000)
	cmp "$BATS_TEST_TMPDIR/err" <(seq 1 20000)
	run jq -r 'select(.stream == "stderr") | .msg' "$OBS_HOME"/logs/*.ndjson
	[ "${#lines[@]}" -eq 20000 ]
	run sh -c "jq -r 'select(.stream == \"stdout\") | .line' '$OBS_HOME'/logs/*.ndjson | tail -n 20001 | head -n 3"
	assert_output "$(printf '1\n2\n3')"
}

@test "a reader that goes away: the command gets SIGPIPE as it would without capture" {
	run bash -c "'$OBS_BIN/obs-trace' exec --capture-logs -- yes | head -n 2 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_output 141
	run jq -r 'select(.span_id) | .status_message' "$OBS_HOME"/spans/*.ndjson
	assert_output "killed by signal SIGPIPE"
}

@test "--timeout and signals work as without capture" {
	SECONDS=0
	run obs_trace exec --capture-logs --timeout 300ms -- sh -c 'echo started; sleep 30'
	assert_failure 124
	[ "$SECONDS" -lt 5 ]
	assert_output "started"
	run jq -r .msg "$OBS_HOME"/logs/*.ndjson
	assert_output "started"
	"$OBS_BIN/obs-trace" exec --capture-logs -- sh -c 'trap "echo got TERM; exit 9" TERM; echo ready; while :; do sleep 0.05; done' \
		>"$BATS_TEST_TMPDIR/out" &
	pid=$!
	for i in $(seq 1 100); do grep -q ready "$BATS_TEST_TMPDIR/out" 2>/dev/null && break; sleep 0.05; done
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	[ "$rc" -eq 9 ]
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output "$(printf 'ready\ngot TERM')"
}

@test "a process left behind holding the output does not keep exec waiting" {
	SECONDS=0
	run obs_trace exec --capture-logs -- sh -c 'echo parent; (sleep 3; echo late) & exit 0'
	assert_success
	[ "$SECONDS" -lt 3 ]
	assert_output --partial "parent"
	run jq -r .msg "$OBS_HOME"/logs/*.ndjson
	assert_output "parent"
}

@test "a store that cannot be written does no harm: output and status as usual" {
	mkdir -p "$OBS_HOME"
	touch "$OBS_HOME/logs" "$OBS_HOME/spans"
	run --separate-stderr obs_trace exec --capture-logs -- sh -c 'echo out; exit 4'
	assert_failure 4
	assert_output "out"
	[[ "$stderr" == *"logs not recorded: "* ]]
}

@test "a long line is recorded cut, with truncated: true; the output is whole" {
	run sh -c "'$OBS_BIN/obs-trace' exec --capture-logs -- sh -c 'head -c 2000000 /dev/zero | tr \"\\\\0\" x; echo; echo next' | wc -c"
	assert_output 2000006
	run jq -r '[(.msg | length), .truncated // false] | join(" ")' "$OBS_HOME"/logs/*.ndjson
	assert_output "$(printf '1048576 true\n4 false')"
}

@test "OTEL_SDK_DISABLED: nothing recorded, output untouched; sampled out: the logs keep the ids" {
	OTEL_SDK_DISABLED=true run obs_trace exec --capture-logs -- echo hi
	assert_success
	assert_output hi
	[ ! -e "$OBS_HOME/logs" ]
	OTEL_TRACES_SAMPLER=always_off run obs_trace exec --capture-logs -- echo hi
	assert_success
	assert_output hi
	[ ! -e "$OBS_HOME/spans" ]
	run jq -r '[.msg, (.trace_id | length), (.span_id | length)] | join(" ")' "$OBS_HOME"/logs/*.ndjson
	assert_output "hi 32 16"
}
