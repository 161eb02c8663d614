#!/usr/bin/env bats
# obs-log query: filters, inputs, output formats, bad input, exit statuses.

bats_require_minimum_version 1.5.0
load common

FIX="$BATS_TEST_DIRNAME/../fixtures/logstore"

setup() {
	obs_setup
	mkdir -p "$OBS_HOME/logs"
	cp "$FIX"/2026-11-24.ndjson "$FIX"/2026-11-25.ndjson "$OBS_HOME/logs/"
}

# query reading the store (standard input is /dev/null, as under cron).
q() { "$OBS_BIN/obs-log" query "$@" </dev/null; }
# The messages of the records found, '|'-separated.
msgs() { "$OBS_BIN/obs-log" query "$@" </dev/null | jq -r '.msg | split("\n")[0]' | paste -sd'|'; }

@test "query --help prints the synopsis and every option" {
	run q --help
	assert_success
	assert_line --index 0 "usage: obs-log query [options] [FILE...]"
	for o in --level --since --until --service --trace --grep --where --limit --output --strict --help; do
		assert_output --partial -- "$o"
	done
}

@test "with no filter: every log record of the store, bytes unchanged, oldest day first" {
	run q
	assert_success
	assert_output "$(grep -h '"type":"log"' "$FIX"/2026-11-24.ndjson "$FIX"/2026-11-25.ndjson)"
}

@test "--level takes that level and the ones above; records without a level rank below all" {
	[ "$(msgs --level error)" = "request failed|out of memory|café closed: $(printf '\e')[31mred$(printf '\e')[0m" ]
	[ "$(msgs --level fatal)" = "out of memory" ]
	[ "$(msgs --level WARNING)" = "disk 91% full on /var|request failed|out of memory|retrying upload (attempt 2)|$(msgs --level error | cut -d'|' -f3)" ]
	[ "$(q --level trace | wc -l)" -eq 10 ]   # all but the raw record
	run -2 q --level loud
	assert_line --index 0 "obs-log: invalid level 'loud' (expected trace, debug, info, warn, error or fatal)"
}

@test "--since and --until on the record's time, inclusive; relative to the clock" {
	[ "$(msgs --since 2026-11-24T10:00:00Z --until 2026-11-24T10:00:01Z)" = "request failed|request done" ]
	[ "$(msgs --since 2026-11-25T08:02:00Z)" = "$(msgs --level error | cut -d'|' -f3)|tick" ]
	OBS_FAKE_TIME=2026-11-25T08:05:00Z
	export OBS_FAKE_TIME
	[ "$(msgs --since 3m)" = "$(msgs --level error | cut -d'|' -f3)|tick" ]
}

@test "--since and --until open only the days they need" {
	# (A line without "log" in it is passed over unread: it cannot be a log record.)
	printf '{"type":"log", garbage\n' >"$OBS_HOME/logs/2026-11-23.ndjson"
	run --separate-stderr q --since 2026-11-24
	assert_success
	[ "$stderr" = "" ]
	run --separate-stderr q
	[ "$stderr" = "obs-log: $OBS_HOME/logs/2026-11-23.ndjson:1: invalid JSON at byte 16
obs-log: 1 malformed line skipped" ]
}

@test "--service, --trace (any case) and --where (nested fields, numbers, booleans)" {
	[ "$(msgs --service cron)" = "backup started|dumping table users|disk 91% full on /var" ]
	[ "$(msgs --trace 4BF92F3577B34DA6A3CE929D0E0E4736)" = "request failed|request done" ]
	[ "$(msgs --where user=bob)" = "request done" ]
	[ "$(msgs --where http.status=502)" = "request failed" ]
	[ "$(msgs --where http.method=GET --where took_ms=12)" = "request done" ]
	[ "$(msgs --where dry_run=false)" = "deploy v1.4.2" ]
	[ "$(msgs --where percent=91.5)" = "disk 91% full on /var" ]
	[ "$(msgs --where raw=true)" = 'GET /health "ok"' ]
	[ "$(msgs --where http=x)" = "" ]
	run -2 q --where novalue
	assert_line --index 0 "obs-log: invalid field 'novalue' (expected KEY=VALUE)"
	run -2 q --trace xyz
	assert_line --index 0 "obs-log: invalid trace id 'xyz'"
}

@test "--grep matches the message with a PCRE2 regular expression" {
	[ "$(msgs --grep 'request')" = "request failed|request done" ]
	[ "$(msgs --grep '^re.*(done|failed)$')" = "request done" ]   # a multi-line message: ^..$ is the whole
	[ "$(msgs --grep '(?m)^java\.io')" = "request failed" ]
	[ "$(msgs --grep '(?i)DISK \d+%')" = "disk 91% full on /var" ]
	[[ "$(msgs --grep 'caf\x{e9} closed')" == "café closed: "* ]]
	[ "$(msgs --grep 'retry' --level error)" = "" ]
	run -2 q --grep 'a(b'
	assert_line --index 0 "obs-log: invalid regular expression 'a(b': missing closing parenthesis at offset 3"
}

@test "--limit stops after N records; 0 prints none" {
	[ "$(msgs --limit 2)" = "backup started|dumping table users" ]
	[ "$(msgs -n 1 --service ci)" = "deploy v1.4.2" ]
	run q --limit 0
	assert_success
	assert_output ""
	run -2 q --limit -1
	assert_line --index 0 "obs-log: invalid limit '-1' (expected a count)"
}

@test "-o json: one array of the records as stored" {
	run q --service cron -o json
	assert_success
	assert_output "[
$(grep -h '"service":"cron"' "$FIX/2026-11-24.ndjson" | grep '"type":"log"' | sed '$!s/$/,/')
]"
	run q --service nobody -o json
	assert_output "[]"
}

@test "-o text: time, level, service, message, fields, trace context; stack traces indented" {
	run q --since 2026-11-24T10:00:00Z --until 2026-11-24T10:00:02Z -o text
	assert_success
	assert_output '2026-11-24T10:00:00.000Z ERROR api request failed http={"method":"POST","status":502} user=ann trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=a000000000000001
    java.io.IOException: broken pipe
    	at Foo.bar(Foo.java:12)
2026-11-24T10:00:01.000Z INFO  api request done http={"method":"GET","status":200} user=bob took_ms=12 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=a000000000000002
2026-11-24T10:00:02.000Z -     - GET /health "ok" raw=true'
	# Control characters never reach the terminal.
	run q --level error --service ci -o text
	assert_output "2026-11-25T08:02:00.000Z ERROR ci café closed: ?[31mred?[0m note=\"tab\\there\""
}

@test "input: files, standard input, gzip; other record types are passed over silently" {
	run --separate-stderr "$OBS_BIN/obs-log" query --level fatal "$FIX/2026-11-24.ndjson"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[ "$stderr" = "" ]
	run "$OBS_BIN/obs-log" query --level fatal <"$FIX/2026-11-24.ndjson"
	[ "${#lines[@]}" -eq 1 ]
	gzip -c "$FIX/2026-11-25.ndjson" >"$BATS_TEST_TMPDIR/day.ndjson.gz"
	run "$OBS_BIN/obs-log" query --level warn - <"$BATS_TEST_TMPDIR/day.ndjson.gz"
	[ "${#lines[@]}" -eq 2 ]
	# What parse writes, query reads.
	run sh -c "'$OBS_BIN/obs-log' parse -q '$BATS_TEST_DIRNAME/../fixtures/logs/json/apps.log' | '$OBS_BIN/obs-log' query --level fatal --where key=user:42"
	assert_output --partial '"msg":"invariant broken"'
}

@test "malformed lines are reported as FILE:LINE and skipped; --strict makes them fatal (exit 3)" {
	printf '%s\n' '{"type":"log","time":"2026-11-24T10:00:00Z","msg":"ok"}' '{"type":"log",' \
		'{"type":"log","time":"yesterday","msg":"bad time"}' '{"type":"log","time":"2026-11-24T11:00:00Z","level":5}' >"$BATS_TEST_TMPDIR/bad.ndjson"
	run --separate-stderr "$OBS_BIN/obs-log" query --since 2026-11-24 --level info "$BATS_TEST_TMPDIR/bad.ndjson"
	assert_success
	assert_output ""
	[ "$stderr" = "obs-log: $BATS_TEST_TMPDIR/bad.ndjson:2: truncated JSON
obs-log: $BATS_TEST_TMPDIR/bad.ndjson:3: 'time' is not a valid time
obs-log: $BATS_TEST_TMPDIR/bad.ndjson:4: 'level' is not a string
obs-log: 3 malformed lines skipped" ]
	run --separate-stderr "$OBS_BIN/obs-log" query --strict --since 2026-11-24 "$BATS_TEST_TMPDIR/bad.ndjson"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$stderr" = "obs-log: $BATS_TEST_TMPDIR/bad.ndjson:2: truncated JSON" ]
	run -3 "$OBS_BIN/obs-log" query "$BATS_TEST_TMPDIR/missing.ndjson"
	assert_output "obs-log: cannot open '$BATS_TEST_TMPDIR/missing.ndjson': No such file or directory"
}

@test "an empty or missing store: nothing, exit 0" {
	rm -rf "$OBS_HOME"
	run q --level error
	assert_success
	assert_output ""
}

@test "bad options are usage errors (exit 2)" {
	run -2 q --bogus
	assert_line --index 0 "obs-log: query: unknown option '--bogus'"
	run -2 q --since
	assert_line --index 0 "obs-log: query: option '--since' needs a value"
	run -2 q --since soon
	assert_line --index 0 --partial "obs-log: invalid time 'soon'"
	run -2 q -o tree
	assert_line --index 0 "obs-log: invalid output format 'tree' (expected ndjson, json or text)"
}

@test "on a terminal: the human format in colour; NO_COLOR turns colour off" {
	command -v script >/dev/null || skip "script(1) is not installed"
	unset NO_COLOR
	run env TERM=xterm script -qec "'$OBS_BIN/obs-log' query --level fatal" /dev/null
	assert_success
	assert_output "$(printf '\e[2m2026-11-24T10:30:00.000Z\e[0m \e[1;31mFATAL\e[0m \e[36mapi\e[0m \e[1mout of memory\e[0m \e[2mpid=\e[0m4242\r')"
	run env TERM=xterm NO_COLOR=1 script -qec "'$OBS_BIN/obs-log' query --level fatal" /dev/null
	assert_output "$(printf '2026-11-24T10:30:00.000Z FATAL api out of memory pid=4242\r')"
}
