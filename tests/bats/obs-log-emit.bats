#!/usr/bin/env bats
# obs-log emit, info, warn, error, debug: records from shell scripts.

bats_require_minimum_version 1.5.0
load common

setup() {
	obs_setup
	export OBS_FAKE_TIME=2026-11-24T10:00:00.5Z
}

@test "emit --help and the shorthands' help print their synopsis, exit 0" {
	run obs_log emit --help
	assert_success
	assert_line --index 0 "usage: obs-log emit [options] LEVEL MESSAGE [KEY=VALUE...]"
	for o in --service --time --tee --stdout --help; do
		assert_output --partial -- "$o"
	done
	for l in info warn error debug; do
		run obs_log "$l" --help
		assert_success
		assert_line --index 0 "usage: obs-log $l [options] MESSAGE [KEY=VALUE...]"
	done
	run obs_log help warn
	assert_success
	assert_line --index 0 "usage: obs-log warn [options] MESSAGE [KEY=VALUE...]"
}

@test "info writes one record to the store: time, level, msg, service, typed fields" {
	run obs_log info "backup done" files=120 ratio=0.75 ok=true who=cron quoted='"42"' neg=-3
	assert_success
	assert_output ""
	assert_equal "$(logs)" '{"type":"log","time":"2026-11-24T10:00:00.500000000Z","level":"info","msg":"backup done","service":"unknown_service","files":120,"ratio":0.75,"ok":true,"who":"cron","quoted":"42","neg":-3}'
	[ "$(ls "$OBS_HOME/logs")" = 2026-11-24.ndjson ]
	[ "$(stat -c %a "$OBS_HOME/logs/2026-11-24.ndjson")" = 600 ]
}

@test "emit takes any of the six levels in any spelling; the shorthands set theirs" {
	obs_log emit WARNING "w"
	obs_log emit fatal "f"
	obs_log emit 3 "syslog severity 3"
	obs_log debug "d"
	obs_log warn "w2"
	obs_log error "e"
	run jq -r .level "$OBS_HOME"/logs/*.ndjson
	assert_output "$(printf 'warn\nfatal\nerror\ndebug\nwarn\nerror')"
}

@test "the service comes from --service, OBS_SERVICE, OTEL_SERVICE_NAME" {
	OTEL_SERVICE_NAME=otel obs_log info a
	OBS_SERVICE=mine OTEL_SERVICE_NAME=otel obs_log info b
	OBS_SERVICE=mine obs_log info --service flag c
	OTEL_RESOURCE_ATTRIBUTES=service.name=res,team=x obs_log info d
	run jq -r .service "$OBS_HOME"/logs/*.ndjson
	assert_output "$(printf 'otel\nmine\nflag\nres')"
}

@test "the record carries the trace and span of TRACEPARENT; an invalid one is left out" {
	TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 obs_log info traced
	TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01 obs_log info invalid
	run jq -r '[.msg, .trace_id // "-", .span_id // "-"] | join(" ")' "$OBS_HOME"/logs/*.ndjson
	assert_output "$(printf 'traced 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7\ninvalid - -')"
}

@test "inside obs-trace exec a record belongs to the exec span" {
	obs_trace exec --name job -- "$OBS_BIN/obs-log" warn "from inside" step=2
	run jq -r '[.trace_id, .span_id] | join(" ")' "$OBS_HOME"/spans/*.ndjson
	span="$output"
	run jq -r '[.trace_id, .span_id] | join(" ")' "$OBS_HOME"/logs/*.ndjson
	assert_output "$span"
}

@test "fields may not take the record's own keys: they are kept as KEY_original" {
	obs_log info "m" level=debug time=never service=x type=web msg=other trace_id=abc
	run jq -c 'del(.time)' "$OBS_HOME"/logs/*.ndjson
	assert_output '{"type":"log","level":"info","msg":"m","service":"unknown_service","level_original":"debug","time_original":"never","service_original":"x","type_original":"web","msg_original":"other","trace_id_original":"abc"}'
}

@test "--time, --stdout and --tee" {
	run --separate-stderr obs_log info --stdout --time 2026-01-02T03:04:05Z "to stdout" n=1
	assert_success
	assert_output '{"type":"log","time":"2026-01-02T03:04:05.000000000Z","level":"info","msg":"to stdout","service":"unknown_service","n":1}'
	[ "$stderr" = "" ]
	[ ! -e "$OBS_HOME/logs" ]
	run --separate-stderr obs_log error --tee "seen twice" code=500 'note=two words'
	assert_success
	assert_output ""
	[ "$stderr" = '2026-11-24T10:00:00.500Z ERROR unknown_service seen twice code=500 note="two words"' ]
	[ "$(log_count)" -eq 1 ]
	# A relative time counts back from now.
	obs_log info --stdout --time 1h x | jq -e '.time == "2026-11-24T09:00:00.500000000Z"'
}

@test "a message that starts with '-' follows '--'; bytes that are not UTF-8 are replaced" {
	obs_log info -- "-5 degrees"
	obs_log info "$(printf 'bad \xff byte')" "k=$(printf '\xfe')"
	run jq -r '[.msg, .k // ""] | join("|")' "$OBS_HOME"/logs/*.ndjson
	assert_line --index 0 "-5 degrees|"
	assert_line --index 1 "bad � byte|�"
}

@test "usage errors exit 2 and name the problem" {
	run -2 obs_log emit
	assert_line --index 0 "obs-log: emit: no level given"
	run -2 obs_log emit loud "m"
	assert_line --index 0 "obs-log: emit: invalid level 'loud' (expected trace, debug, info, warn, error or fatal)"
	run -2 obs_log info
	assert_line --index 0 "obs-log: info: no message given"
	run -2 obs_log info m =v
	assert_line --index 0 "obs-log: info: invalid attribute '=v': expected KEY=VALUE"
	run -2 obs_log info m novalue
	assert_line --index 0 "obs-log: info: invalid attribute 'novalue': expected KEY=VALUE"
	run -2 obs_log info --time soon m
	assert_line --index 0 --partial "obs-log: info: invalid time 'soon'"
	run -2 obs_log warn --bogus m
	assert_line --index 0 "obs-log: warn: unknown option '--bogus'"
	run -2 obs_log info --service
	assert_line --index 0 "obs-log: info: option '--service' needs a value"
	[ ! -e "$OBS_HOME/logs" ]
}

@test "a store that cannot be written is an error (exit 3), said once" {
	mkdir -p "$OBS_HOME"
	touch "$OBS_HOME/logs"   # a file where the folder should be
	run -3 obs_log info "lost"
	assert_output --partial "obs-log: info: record not written: "
	[ "${#lines[@]}" -eq 1 ]
}

@test "16 processes emitting 50 records each leave 800 whole lines" {
	for p in $(seq 1 16); do
		( for i in $(seq 1 50); do obs_log info "p$p r$i" p=$p i=$i pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done ) &
	done
	wait
	[ "$(log_count)" -eq 800 ]
	run sh -c "jq -r .msg '$OBS_HOME'/logs/*.ndjson | sort -u | wc -l"
	assert_output 800
}
