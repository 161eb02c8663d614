#!/usr/bin/env bats
# obs-trace exec: spans for commands, context propagation, exit statuses.

bats_require_minimum_version 1.5.0
load common

setup() { obs_setup; }

@test "exec --help prints the synopsis and exits 0" {
	run obs_trace exec --help
	assert_success
	assert_line --index 0 "usage: obs-trace exec [options] -- CMD [ARGS]"
	assert_output --partial "--timeout DUR"
}

@test "exec records one span for a successful command" {
	run obs_trace exec -- true
	assert_success
	assert_output ""
	[ "$(span_count)" -eq 1 ]
	run jq -r '[.type, .name, .kind, .status, .service, (.parent_span_id // "root"),
		.attributes["process.exit.code"], .attributes["process.command"],
		(.attributes["process.command_args"] | join(",")), .resource["service.name"]] | join(" ")' \
		"$OBS_HOME"/spans/*.ndjson
	assert_output "span true internal ok unknown_service root 0 true true unknown_service"
	run jq -e '(.trace_id | test("^[0-9a-f]{32}$")) and (.span_id | test("^[0-9a-f]{16}$"))
		and .duration_ms >= 0 and (.attributes["process.pid"] > 0)
		and (.attributes["process.memory.peak_rss"] > 0)
		and (.attributes["process.cpu.user_time"] >= 0)
		and (.resource["host.name"] | length > 0)
		and (.start | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{9}Z$"))' "$OBS_HOME"/spans/*.ndjson
	assert_success
}

@test "the segment is named by UTC day and created 0600 in a 0700 folder" {
	obs_trace exec -- true
	f=$(ls "$OBS_HOME"/spans/)
	[[ "$f" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\.ndjson$ ]]
	[ "$(stat -c %a "$OBS_HOME/spans/$f")" = 600 ]
	[ "$(stat -c %a "$OBS_HOME/spans")" = 700 ]
}

@test "exec returns the command's exit status and marks the span as an error" {
	run obs_trace exec -- sh -c 'exit 7'
	assert_failure 7
	run jq -r '[.status, .status_message, .attributes["process.exit.code"]] | join("|")' \
		"$OBS_HOME"/spans/*.ndjson
	assert_output "error|exit status 7|7"
}

@test "a command killed by a signal gives 128+N and the signal's name" {
	run obs_trace exec -- sh -c 'kill -TERM $$'
	assert_failure 143
	run jq -r '[.status_message, .attributes["process.signal"], .attributes["process.exit.code"]] | join("|")' \
		"$OBS_HOME"/spans/*.ndjson
	assert_output "killed by signal SIGTERM|SIGTERM|143"
}

@test "a missing command exits 127, a non-executable one 126, both recorded" {
	run -127 obs_trace exec -- /nonexistent/command
	assert_output --partial "cannot run '/nonexistent/command': No such file or directory"
	printf 'echo hi\n' >"$BATS_TEST_TMPDIR/noexec"
	chmod 0644 "$BATS_TEST_TMPDIR/noexec"
	run -126 obs_trace exec -- "$BATS_TEST_TMPDIR/noexec"
	assert_output --partial "Permission denied"
	run jq -r '.status_message' "$OBS_HOME"/spans/*.ndjson
	assert_line --index 0 "cannot run command: No such file or directory"
	assert_line --index 1 "cannot run command: Permission denied"
}

@test "a command run through PATH is found" {
	run obs_trace exec -- sh -c 'echo found'
	assert_success
	assert_output found
}

@test "--timeout terminates the command and exits 124" {
	SECONDS=0
	run obs_trace exec --timeout 200ms -- sleep 30
	assert_failure 124
	[ "$SECONDS" -lt 10 ]
	run jq -r '[.status, .status_message, .attributes["process.signal"]] | join("|")' "$OBS_HOME"/spans/*.ndjson
	assert_output "error|timed out after 200ms|SIGTERM"
}

@test "--timeout also ends the command's children (its process group)" {
	run obs_trace exec --timeout 200ms -- sh -c 'sleep 41.7 & sleep 41.8; wait'
	assert_failure 124
	sleep 0.2
	run pgrep -f 'sleep 41\.[78]'
	assert_failure
}

@test "a command that ignores SIGTERM is killed after --kill-after and exits 137" {
	run obs_trace exec --timeout 100ms --kill-after 200ms -- sh -c 'trap "" TERM; sleep 30'
	assert_failure 137
	run jq -r '.attributes["process.signal"]' "$OBS_HOME"/spans/*.ndjson
	assert_output SIGKILL
}

@test "--name, --service, --kind and typed --attr values" {
	run obs_trace exec --name build --service ci --kind client \
		-a n=5 -a f=1.5 -a b=true -a s=hello -a 'q="5"' -- true
	assert_success
	run jq -c '[.name, .service, .kind, .attributes.n, .attributes.f, .attributes.b,
		.attributes.s, .attributes.q, .resource["service.name"]]' "$OBS_HOME"/spans/*.ndjson
	assert_output '["build","ci","client",5,1.5,true,"hello","5","ci"]'
}

@test "the default name is the command and its first argument" {
	obs_trace exec -- env true
	obs_trace exec -- /bin/true --flag
	run jq -r .name "$OBS_HOME"/spans/*.ndjson
	assert_line --index 0 "env true"
	assert_line --index 1 "true"
}

@test "service comes from OBS_SERVICE, OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES" {
	OTEL_RESOURCE_ATTRIBUTES='service.name=from-res,deployment.environment=ci' obs_trace exec -- true
	OTEL_SERVICE_NAME=from-otel OTEL_RESOURCE_ATTRIBUTES='service.name=from-res' obs_trace exec -- true
	OBS_SERVICE=from-obs OTEL_SERVICE_NAME=from-otel obs_trace exec -- true
	run jq -r '.service + " " + (.resource["deployment.environment"] // "-")' "$OBS_HOME"/spans/*.ndjson
	assert_line --index 0 "from-res ci"
	assert_line --index 1 "from-otel -"
	assert_line --index 2 "from-obs -"
}

@test "bad options are obs-trace's own failure: 125" {
	run obs_trace exec --kind sideways -- true
	assert_failure 125
	assert_output --partial "invalid span kind 'sideways'"
	run obs_trace exec --attr novalue -- true
	assert_failure 125
	assert_output --partial "invalid attribute 'novalue'"
	run obs_trace exec --timeout soon -- true
	assert_failure 125
	assert_output --partial "soon"
	run obs_trace exec
	assert_failure 125
	assert_output --partial "no command given"
	run obs_trace exec --bogus -- true
	assert_failure 125
	[ "$(span_count)" -eq 0 ]
}

@test "the child gets TRACEPARENT with the recorded span's ids" {
	run obs_trace exec -- sh -c 'echo "$TRACEPARENT"'
	assert_success
	tp=$output
	[[ "$tp" =~ ^00-[0-9a-f]{32}-[0-9a-f]{16}-01$ ]]
	run jq -r '"00-" + .trace_id + "-" + .span_id + "-01"' "$OBS_HOME"/spans/*.ndjson
	assert_output "$tp"
}

@test "a valid TRACEPARENT makes the span a child; TRACESTATE and BAGGAGE pass through" {
	export TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01
	export TRACESTATE='congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' BAGGAGE='user=alice'
	run obs_trace exec -- sh -c 'echo "$TRACEPARENT $TRACESTATE $BAGGAGE"'
	assert_success
	[[ "$output" =~ ^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01\ congo=t61rcWkgMzE,rojo=00f067aa0ba902b7\ user=alice$ ]]
	run jq -r '.trace_id + " " + .parent_span_id' "$OBS_HOME"/spans/*.ndjson
	assert_output "0af7651916cd43dd8448eb211c80319c b7ad6b7169203331"
}

@test "an invalid TRACEPARENT is ignored: a new trace starts and TRACESTATE is dropped" {
	for tp in 00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01 \
		00-00000000000000000000000000000000-b7ad6b7169203331-01 \
		ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 garbage; do
		TRACEPARENT=$tp TRACESTATE=a=b run obs_trace exec -- sh -c 'echo "$TRACEPARENT|${TRACESTATE-unset}"'
		assert_success
		[[ "$output" =~ ^00-[0-9a-f]{32}-[0-9a-f]{16}-01\|unset$ ]]
		[[ "$output" != *0af7651916cd43dd8448eb211c80319c* ]]
	done
	run jq -r '.parent_span_id // "root"' "$OBS_HOME"/spans/*.ndjson
	assert_output "$(printf 'root\nroot\nroot\nroot')"
}

@test "{{traceparent}} in the arguments is replaced by the child's context" {
	run obs_trace exec -- sh -c 'echo "$1 $TRACEPARENT"' sh 'tp={{traceparent}}'
	assert_success
	read -r a b <<<"$output"
	[ "$a" = "tp=$b" ]
}

@test "an unsampled parent is followed: nothing recorded, flag 00 passed on" {
	export TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00
	run obs_trace exec -- sh -c 'echo "$TRACEPARENT"'
	assert_success
	[[ "$output" =~ ^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$ ]]
	[ "$(span_count)" -eq 0 ]
}

@test "OTEL_TRACES_SAMPLER always_off, traceidratio and a bad value" {
	OTEL_TRACES_SAMPLER=always_off obs_trace exec -- true
	OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0 obs_trace exec -- true
	[ "$(span_count)" -eq 0 ]
	OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=1 obs_trace exec -- true
	[ "$(span_count)" -eq 1 ]
	run env OTEL_TRACES_SAMPLER=sometimes "$OBS_BIN/obs-trace" exec -- true
	assert_success
	assert_output --partial "unknown OTEL_TRACES_SAMPLER 'sometimes'"
	[ "$(span_count)" -eq 2 ]
	run env OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=2 "$OBS_BIN/obs-trace" exec -- true
	assert_output --partial "invalid OTEL_TRACES_SAMPLER_ARG '2'"
}

@test "traceidratio 0.5 samples about half of 200 new traces" {
	for i in $(seq 200); do
		OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.5 obs_trace exec -- true
	done
	n=$(span_count)
	[ "$n" -gt 60 ] && [ "$n" -lt 140 ]
}

@test "OTEL_SDK_DISABLED=true is a pure pass-through" {
	export OTEL_SDK_DISABLED=true TRACEPARENT=keep-me
	run obs_trace exec -- sh -c 'echo "$TRACEPARENT"; exit 3'
	assert_failure 3
	assert_output keep-me
	run obs_trace exec --timeout 100ms -- sleep 10
	assert_failure 124
	[ "$(span_count)" -eq 0 ]
}

@test "an unwritable store does no harm: the command runs, its status returns" {
	export OBS_HOME=/dev/null/store
	run obs_trace exec -- sh -c 'echo ran; exit 4'
	assert_failure 4
	assert_line --index 0 ran
	assert_output --partial "span not recorded"
}

@test "standard input and output pass through untouched" {
	run sh -c "printf 'a\0b\n' | '$OBS_BIN/obs-trace' exec -- cat | od -c | head -1"
	assert_output "0000000   a  \\0   b  \\n"
}

@test "a SIGTERM sent to obs-trace is forwarded to the command" {
	"$OBS_BIN/obs-trace" exec -- sleep 30 &
	pid=$!
	sleep 0.3
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 143 ]
	run jq -r '.attributes["process.signal"]' "$OBS_HOME"/spans/*.ndjson
	assert_output SIGTERM
}

@test "obs-trace does not link libcurl (start-up cost; it never touches the network)" {
	run sh -c "ldd '$OBS_BIN/obs-trace' | grep -c curl"
	assert_output 0
}

@test "nested exec three levels deep with a failing step forms one trace" {
	cat >"$BATS_TEST_TMPDIR/build.sh" <<SH
#!/bin/sh
T="$OBS_BIN/obs-trace"
"\$T" exec --name compile -- sh -c '"\$0" exec --name cc -- true' "\$T"
"\$T" exec --name test -- sh -c '"\$0" exec --name unit -- sh -c "exit 2"' "\$T" || echo "test failed"
exit 1
SH
	chmod +x "$BATS_TEST_TMPDIR/build.sh"
	run obs_trace exec --name pipeline -- "$BATS_TEST_TMPDIR/build.sh"
	assert_failure 1
	assert_output "test failed"
	[ "$(span_count)" -eq 5 ]
	run sh -c "jq -r .trace_id '$OBS_HOME'/spans/*.ndjson | sort -u | wc -l"
	assert_output 1
	# parent links: each child's parent is the span named on the right
	run jq -rs '(map({key: .span_id, value: .name}) | from_entries) as $n
		| .[] | .name + "<" + ($n[.parent_span_id // ""] // "root") + " " + .status' "$OBS_HOME"/spans/*.ndjson
	assert_line "cc<compile ok"
	assert_line "compile<pipeline ok"
	assert_line "unit<test error"
	assert_line "test<pipeline error"
	assert_line "pipeline<root error"
}
