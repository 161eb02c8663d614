#!/usr/bin/env bats
# obs-log tail: the last records of the store or of files; -f through rotation and truncation.

bats_require_minimum_version 1.5.0
load common

FIX="$BATS_TEST_DIRNAME/../fixtures/logstore"

setup() {
	obs_setup
	D=$BATS_TEST_TMPDIR
}

teardown() {
	if [ -n "${FOLLOWER:-}" ]; then kill -KILL "$FOLLOWER" 2>/dev/null || true; fi
}

store_fixture() {
	mkdir -p "$OBS_HOME/logs"
	cp "$FIX"/2026-11-24.ndjson "$FIX"/2026-11-25.ndjson "$OBS_HOME/logs/"
}

# Start "obs-log tail -f ARGS" in the background, output in $D/out, errors in $D/err.
follow() {
	"$OBS_BIN/obs-log" tail -f --interval 50ms "$@" >"$D/out" 2>"$D/err" </dev/null &
	FOLLOWER=$!
}

# Wait (at most 10 s) until $D/out has N lines.
wait_lines() {
	local n=$1 i
	for i in $(seq 1 200); do
		[ "$(wc -l <"$D/out")" -ge "$n" ] && return 0
		sleep 0.05
	done
	echo "waited for $n lines, have $(wc -l <"$D/out")" >&2
	return 1
}

# SIGTERM the follower; it must exit 0 after reading what is there.
stop() {
	kill -TERM "$FOLLOWER"
	wait "$FOLLOWER"
	local rc=$?
	FOLLOWER=
	return $rc
}

# Lines FROM..TO of the test's logfmt log.
lines_to() {
	local i
	for i in $(seq "$1" "$2"); do echo "level=info msg=\"line $i\" n=$i"; done
}

# The n fields of $D/out must be exactly 1..N, in order, once each.
check_all() {
	local want=$1
	run jq -r .n "$D/out"
	assert_output "$(seq 1 "$want")"
}

@test "tail --help prints the synopsis and every option" {
	run obs_log tail --help
	assert_success
	assert_line --index 0 "usage: obs-log tail [options] [FILE...]"
	for o in --lines --follow --interval --level --since --service --grep --where --output \
		--format --regex --timezone --multiline --reference --max-line; do
		assert_output --partial -- "$o"
	done
}

@test "tail: the store's last records, across days; -n; filters; -o text" {
	store_fixture
	run obs_log tail </dev/null
	assert_success
	[ "${#lines[@]}" -eq 10 ]
	assert_line --index 0 --partial '"msg":"dumping table users"'
	assert_line --index 9 --partial '"msg":"tick"'
	run obs_log tail -n 3 --level error </dev/null
	run jq -r '.msg | split("\n")[0]' <<<"$output"
	assert_line --index 0 "request failed"
	assert_line --index 1 "out of memory"
	assert_line --index 2 --partial "café closed"
	[ "${#lines[@]}" -eq 3 ]
	run obs_log tail -n 1 -o text </dev/null
	assert_output "2026-11-25T08:05:00.000Z TRACE ci tick"
	run obs_log tail -n 0 </dev/null
	assert_output ""
	rm -rf "$OBS_HOME"
	run obs_log tail </dev/null
	assert_success
	assert_output ""
}

@test "tail FILE: a log file parsed, its last records; several files, N of each" {
	lines_to 1 30 >"$D/a.log"
	lines_to 31 35 >"$D/b.log"
	run obs_log tail -n 3 "$D/a.log" "$D/b.log"
	assert_success
	run jq -r .n <<<"$output"
	assert_output "$(printf '28\n29\n30\n33\n34\n35')"
	run -3 obs_log tail "$D/missing.log"
	assert_output "obs-log: cannot open '$D/missing.log': No such file or directory"
}

@test "tail -f FILE: lines as they are written; SIGTERM ends it with exit 0" {
	lines_to 1 5 >"$D/app.log"
	follow -n 2 "$D/app.log"
	wait_lines 2
	lines_to 6 20 >>"$D/app.log"
	wait_lines 17
	stop
	run jq -r .n "$D/out"
	assert_output "$(seq 4 20)"
	[ ! -s "$D/err" ]
}

@test "tail -f FILE through rotation (renamed, recreated): the old file is read to its end, nothing lost or doubled" {
	: >"$D/app.log"
	follow -n 100000 "$D/app.log"
	# (bats keeps fd 3 for itself: the writer's file is fd 7.)
	exec 7>>"$D/app.log"
	lines_to 1 100 >&7
	wait_lines 100
	mv "$D/app.log" "$D/app.log.1"
	# The writer still has the old file open: these go there.
	lines_to 101 150 >&7
	sleep 0.2
	: >"$D/app.log"
	lines_to 151 160 >&7          # after the new file appeared: still into the old one
	exec 7>&-
	exec 7>>"$D/app.log"          # the writer reopens
	lines_to 161 300 >&7
	exec 7>&-
	wait_lines 300
	stop
	# What the old file had when the new one was found comes first, in order;
	# lines written to it later (151-160) may come after some of the new file's,
	# as no follower can know when a writer stops writing to a renamed file.
	run jq -r .n "$D/out"
	assert_equal "$(head -n 150 <<<"$output")" "$(seq 1 150)"
	assert_equal "$(awk '$1 > 160' <<<"$output")" "$(seq 161 300)"
	assert_equal "$(awk '$1 > 150 && $1 <= 160' <<<"$output")" "$(seq 151 160)"
	assert_equal "$(sort -n <<<"$output")" "$(seq 1 300)"
}

@test "tail -f FILE through copytruncate: what was not read yet is taken from the copy" {
	lines_to 1 10 >"$D/app.log"
	"$OBS_BIN/obs-log" tail -f --interval 1s -n 100000 "$D/app.log" >"$D/out" 2>"$D/err" &
	FOLLOWER=$!
	wait_lines 10
	sleep 0.2
	# Written, copied and truncated between two looks of the follower.
	lines_to 11 200 >>"$D/app.log"
	cp "$D/app.log" "$D/app.log.1"
	: >"$D/app.log"
	lines_to 201 220 >>"$D/app.log"
	wait_lines 220
	# Again, and this time the file grows past the old size before the next look.
	sleep 1.1
	lines_to 221 230 >>"$D/app.log"
	cp "$D/app.log" "$D/app.log.1"
	: >"$D/app.log"
	lines_to 231 600 >>"$D/app.log"
	wait_lines 600
	stop
	check_all 600
	[ ! -s "$D/err" ]
}

@test "tail -f FILE: truncated with no copy left is said on stderr, and reading starts over" {
	lines_to 1 5 >"$D/app.log"
	"$OBS_BIN/obs-log" tail -f --interval 500ms -n 100 "$D/app.log" >"$D/out" 2>"$D/err" &
	FOLLOWER=$!
	wait_lines 5
	sleep 0.1
	lines_to 6 8 >>"$D/app.log"
	: >"$D/app.log"
	lines_to 9 10 >>"$D/app.log"
	wait_lines 7
	stop
	run jq -r .n "$D/out"
	assert_output "$(printf '1\n2\n3\n4\n5\n9\n10')"
	run cat "$D/err"
	assert_output "obs-log: '$D/app.log' was truncated; what was written since the last read is lost (no rotated copy found)"
}

@test "tail -f FILE that does not exist yet: waited for, then read from its start" {
	follow "$D/later.log"
	sleep 0.3
	lines_to 1 50 >"$D/later.log"
	wait_lines 50
	stop
	check_all 50
	run cat "$D/err"
	assert_output "obs-log: '$D/later.log' does not exist yet; waiting for it"
}

@test "tail -f: a last line without newline and a pending multi-line record come out at SIGTERM" {
	printf '2024-01-15 10:00:00,000 INFO app: one\n2024-01-15 10:00:01,000 ERROR app: two\nTraceback (most recent call last):\n  File "x.py", line 1\n' >"$D/py.log"
	follow -n 10 -m --regex '(?<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?<level>[A-Z]+) (?<logger>[\w.]+): (?<msg>.*)' "$D/py.log"
	wait_lines 1
	printf '2024-01-15 10:00:02,000 WARN app: partial' >>"$D/py.log"
	sleep 0.3
	stop
	run jq -r '[.level, .msg] | join(": ")' "$D/out"
	assert_output 'info: one
error: two
Traceback (most recent call last):
  File "x.py", line 1
warn: partial'
}

@test "tail -f with filters and the text format" {
	: >"$D/app.log"
	follow -o text --level warn --grep disk "$D/app.log"
	printf '%s\n' 'level=info msg="disk ok"' 'level=warn msg="disk 91% full" mount=/var' 'level=error msg="other"' \
		'time=2026-11-24T10:00:00Z level=error msg="disk failed"' >>"$D/app.log"
	wait_lines 2
	stop
	run sed 's/^[0-9T:.-]*Z //' "$D/out"
	assert_output 'WARN  - disk 91% full mount=/var
ERROR - disk failed'
}

@test "tail -f on standard input: records as they come, until its end" {
	run sh -c "{ echo 'level=info msg=a'; sleep 0.3; echo 'level=warn msg=b'; } | '$OBS_BIN/obs-log' tail -f --interval 50ms"
	assert_success
	run jq -r .msg <<<"$output"
	assert_output "$(printf 'a\nb')"
}

@test "tail -f on the store: the newest segment, then the next day's when it appears" {
	store_fixture
	export OBS_FAKE_TIME=2026-11-25T23:59:59Z
	follow -n 1
	wait_lines 1
	obs_log info "before midnight" n=1
	wait_lines 2
	obs_log info --time 2026-11-26T00:00:01Z "after midnight" n=2
	wait_lines 3
	# A writer that took the time before midnight: the old day is still read.
	obs_log info "late writer, old day" n=3
	wait_lines 4
	obs_log info --time 2026-11-26T00:00:02Z "next day again" n=4
	wait_lines 5
	stop
	run jq -r .msg "$D/out"
	assert_line --index 0 "tick"
	run jq -r .n "$D/out"
	assert_output "$(printf 'null\n1\n2\n3\n4')"
}

@test "tail -f -o json is refused (exit 2); bad options too" {
	run -2 obs_log tail -f -o json x.log
	assert_line --index 0 "obs-log: tail: -o json cannot be followed (-f): use ndjson"
	run -2 obs_log tail --interval 0 x.log
	assert_line --index 0 "obs-log: invalid interval '0': must be more than 0"
	run -2 obs_log tail -n many
	assert_line --index 0 "obs-log: invalid limit 'many' (expected a count)"
	run -2 obs_log tail --bogus
	assert_line --index 0 "obs-log: tail: unknown option '--bogus'"
}
