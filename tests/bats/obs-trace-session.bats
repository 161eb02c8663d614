#!/usr/bin/env bats
# obs-trace start / end / event, id and context.

load common

setup() { obs_setup; }

open_spans() { ls "$OBS_HOME/state/spans/open/" 2>/dev/null | grep -c '\.json$' || true; }

@test "start prints shell code setting TRACEPARENT and keeps the span open" {
	run obs_trace start deploy
	assert_success
	[[ "$output" =~ ^TRACEPARENT=\'00-[0-9a-f]{32}-[0-9a-f]{16}-01\'\;\ export\ TRACEPARENT\;$ ]]
	[ "$(open_spans)" -eq 1 ]
	[ "$(span_count)" -eq 0 ]
}

@test "a script's span: start, nested exec, event, end" {
	eval "$(obs_trace start --service deployer --attr env=prod deploy)"
	obs_trace exec --name build -- true
	obs_trace event --attr version=1.2 built
	obs_trace end
	[ "$(open_spans)" -eq 0 ]
	[ "$(span_count)" -eq 2 ]
	run jq -r 'select(.name == "deploy") | [.status, .service, .attributes.env, .events[0].name,
		.events[0].attributes.version, (.parent_span_id // "root")] | join(" ")' "$OBS_HOME"/spans/*.ndjson
	assert_output "ok deployer prod built 1.2 root"
	run jq -rs '(.[] | select(.name == "deploy") | .span_id) as $p
		| .[] | select(.name == "build") | .parent_span_id == $p' "$OBS_HOME"/spans/*.ndjson
	assert_output true
}

@test "end --status error --message, and --exit-code" {
	eval "$(obs_trace start one)"
	obs_trace end --status error --message "deploy failed"
	eval "$(obs_trace start two)"
	obs_trace end --exit-code 3
	eval "$(obs_trace start three)"
	obs_trace end -x 0
	run jq -r '[.name, .status, .status_message // "-", .attributes["process.exit.code"] // "-"] | join("|")' \
		"$OBS_HOME"/spans/*.ndjson
	assert_line --index 0 "one|error|deploy failed|-"
	assert_line --index 1 "two|error|exit status 3|3"
	assert_line --index 2 "three|ok|-|0"
}

@test "nested start/end with --env restores each parent" {
	eval "$(obs_trace start outer)"
	outer=$TRACEPARENT
	eval "$(obs_trace start inner)"
	[ "$TRACEPARENT" != "$outer" ]
	eval "$(obs_trace end --env)"
	[ "$TRACEPARENT" = "$outer" ]
	eval "$(obs_trace end --env)"
	[ -z "${TRACEPARENT+set}" ]
	run jq -rs '(map({key: .span_id, value: .name}) | from_entries) as $n
		| .[] | .name + "<" + ($n[.parent_span_id // ""] // "root")' "$OBS_HOME"/spans/*.ndjson
	assert_line "inner<outer"
	assert_line "outer<root"
}

@test "--shell fish prints fish code" {
	run obs_trace start --shell fish x
	assert_success
	[[ "$output" =~ ^set\ -gx\ TRACEPARENT\ \'00-[0-9a-f]{32}-[0-9a-f]{16}-01\'\;$ ]]
	run obs_trace start --shell tcsh x
	assert_failure 2
	assert_output --partial "unknown shell 'tcsh'"
}

@test "end and event without a current span are usage errors" {
	run obs_trace end
	assert_failure 2
	assert_output --partial "no current span: TRACEPARENT is not set"
	run obs_trace event x
	assert_failure 2
	TRACEPARENT=junk run obs_trace end
	assert_failure 2
	assert_output --partial "invalid TRACEPARENT 'junk'"
	run obs_trace end --span XYZ
	assert_failure 2
	assert_output --partial "invalid span id 'XYZ'"
}

@test "ending a span that is not open fails with 3" {
	TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 run obs_trace end
	assert_failure 3
	assert_output --partial "no open span 'b7ad6b7169203331'"
}

@test "an event on a span not opened with start is stored as an event record" {
	run obs_trace exec -- "$OBS_BIN/obs-trace" event --attr n=2 --time 2026-01-02T03:04:05Z inside
	assert_success
	run jq -c '[.type, .name, .time, .attributes.n]' "$OBS_HOME"/events/2026-01-02.ndjson
	assert_output '["event","inside","2026-01-02T03:04:05.000000000Z",2]'
	run jq -rs '.[0].span_id' "$OBS_HOME"/events/*.ndjson
	span=$output
	run jq -r .span_id "$OBS_HOME"/spans/*.ndjson
	assert_output "$span"
}

@test "32 concurrent events on one open span are all kept" {
	eval "$(obs_trace start busy)"
	for i in $(seq 32); do obs_trace event --attr i="$i" tick & done
	wait
	obs_trace end
	run jq '.events | length' "$OBS_HOME"/spans/*.ndjson
	assert_output 32
	run jq '[.events[].attributes.i] | sort | . == [range(1; 33)]' "$OBS_HOME"/spans/*.ndjson
	assert_output true
}

@test "a corrupt open-span state file is reported, not a crash" {
	eval "$(obs_trace start broken)"
	f=$(ls "$OBS_HOME"/state/spans/open/*.json)
	head -c 10 "$f" >"$f.new" && mv "$f.new" "$f"
	run obs_trace end
	assert_failure 3
	assert_output --partial "cannot end span"
	assert_output --partial "corrupt"
	printf '\0\0\0\0' >"$f"
	run obs_trace event x
	assert_failure 3
	assert_output --partial "corrupt"
}

@test "an unsampled start records nothing and end is a no-op" {
	export TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00
	eval "$(obs_trace start quiet)"
	[[ "$TRACEPARENT" =~ -00$ ]]
	[ "$(open_spans)" -eq 0 ]
	run obs_trace event e
	assert_success
	run obs_trace end
	assert_success
	[ "$(span_count)" -eq 0 ]
}

@test "start needs exactly one name; bad options are usage errors" {
	run obs_trace start
	assert_failure 2
	run obs_trace start a b
	assert_failure 2
	run obs_trace start --kind nope x
	assert_failure 2
	run obs_trace end --status maybe
	assert_failure 2
	assert_output --partial "invalid status 'maybe'"
	run obs_trace end --exit-code 300
	assert_failure 2
	run obs_trace event --time yesterday x
	assert_failure 2
}

@test "start, end and event --help" {
	for c in start end event; do
		run obs_trace "$c" --help
		assert_success
		assert_line --index 0 --partial "usage: obs-trace $c"
	done
}

@test "id prints new trace and span ids" {
	run obs_trace id trace
	assert_success
	[[ "$output" =~ ^[0-9a-f]{32}$ ]]
	a=$output
	run obs_trace id trace
	[ "$output" != "$a" ]
	run obs_trace id span
	[[ "$output" =~ ^[0-9a-f]{16}$ ]]
	run obs_trace id bogus
	assert_failure 2
	assert_output --partial "unknown id kind 'bogus'"
	run obs_trace id
	assert_failure 2
}

@test "context parses TRACEPARENT, TRACESTATE and BAGGAGE" {
	export TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01
	export TRACESTATE='rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'
	export BAGGAGE='user=alice%20b,team=core;prop'
	run obs_trace context -o json
	assert_success
	assert_output '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","valid":true,"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","flags":"01","sampled":true,"tracestate":{"rojo":"00f067aa0ba902b7","congo":"t61rcWkgMzE"},"baggage":{"user":"alice b","team":"core"}}'
	run obs_trace context -o table
	assert_line "trace_id	0af7651916cd43dd8448eb211c80319c"
	assert_line "baggage.user	alice b"
}

@test "context without a valid traceparent exits 1" {
	run obs_trace context -o json
	assert_failure 1
	assert_output '{"traceparent":null,"valid":false}'
	run obs_trace context --traceparent 00-abc -o json
	assert_failure 1
	assert_output '{"traceparent":"00-abc","valid":false}'
	run obs_trace context -o yaml
	assert_failure 2
}

@test "top-level --help, --version and unknown commands" {
	run obs_trace --help
	assert_success
	assert_output --partial "exec"
	assert_output --partial "show"
	run obs_trace --version
	assert_success
	[[ "$output" =~ ^obs-trace\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run obs_trace frobnicate
	assert_failure 2
	assert_output --partial "unknown command 'frobnicate'"
	run obs_trace
	assert_failure 2
	run obs_trace help exec
	assert_success
	assert_line --index 0 "usage: obs-trace exec [options] -- CMD [ARGS]"
}

@test "writing to a full disk is an error, not silence" {
	run sh -c "'$OBS_BIN/obs-trace' id trace >/dev/full"
	assert_failure 3
	assert_output --partial "write error"
}
