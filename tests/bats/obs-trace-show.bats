#!/usr/bin/env bats
# obs-trace show: trace assembly, tree and JSON output, critical path, bad input, exit statuses.

load common

bats_require_minimum_version 1.5.0

FIX="$BATS_TEST_DIRNAME/../fixtures/spans"
EXP="$BATS_TEST_DIRNAME/../fixtures/show"
A=4bf92f3577b34da6a3ce929d0e0e4736
B=0af7651916cd43dd8448eb211c80319c
C=5b8efff798038103d269b633813fc60c
D=d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1

setup() {
	obs_setup
	mkdir -p "$OBS_HOME/spans"
	cp "$FIX"/2026-11-2[456].ndjson "$OBS_HOME/spans/"
	export COLUMNS=100
}

# show reading the store (standard input is /dev/null, as under cron).
s() { "$OBS_BIN/obs-trace" show "$@" </dev/null; }

@test "show --help prints the synopsis and options, exit 0" {
	run s --help
	assert_success
	assert_line --index 0 "usage: obs-trace show [options] TRACE_ID [FILE...]"
	for o in --since --until --output --strict --help; do
		assert_output --partial -- "$o"
	done
}

@test "the tree in ASCII (LC_ALL=C) matches the expected file" {
	LC_ALL=C run s -o tree $A
	assert_success
	assert_output "$(cat "$EXP/pipeline.tree.ascii")"
}

@test "the tree with box-drawing characters in a UTF-8 locale" {
	LC_ALL=C.UTF-8 run s -o tree $A
	assert_success
	assert_output "$(cat "$EXP/pipeline.tree.utf8")"
}

@test "spans whose parent is missing hang under '(missing parent)'" {
	LC_ALL=C run s -o tree $B
	assert_success
	assert_output "$(cat "$EXP/backup.tree.ascii")"
}

@test "cycles, self-parents, duplicate ids, overflowing and zero-length spans, long names" {
	LC_ALL=C run s -o tree $D
	assert_success
	assert_output "$(cat "$EXP/odd.tree.ascii")"
	# A narrow terminal: names give way, the bar keeps 10 cells.
	COLUMNS=60 LC_ALL=C.UTF-8 run s -o tree $D
	assert_success
	assert_output "$(cat "$EXP/odd.tree.utf8-60")"
}

@test "-o json: the summary, critical path and the records as written plus depth" {
	run s $C
	assert_success
	assert_output "$(cat "$EXP/deploy.json")"
	# Each record is the stored line with ,"depth":N before its closing brace.
	run bash -c "'$OBS_BIN/obs-trace' show $C </dev/null | sed -n 2p"
	assert_output "$(head -n 1 "$FIX/2026-11-25.ndjson" | sed 's/}$/,"depth":0},/')"
}

@test "json is the default when standard output is not a terminal" {
	run bash -c "'$OBS_BIN/obs-trace' show $A </dev/null | jq -c '[.trace_id, .span_count, .error_count, .status, .duration_ms, .services, .critical_path]'"
	assert_success
	assert_output '["4bf92f3577b34da6a3ce929d0e0e4736",7,3,"error",10000,["build","ci","test"],["a000000000000001","a000000000000002","a000000000000003","a000000000000005","a000000000000006","a000000000000007"]]'
	run bash -c "'$OBS_BIN/obs-trace' show $A </dev/null | jq -c '.errors'"
	assert_output '[{"span_id":"a000000000000001","name":"pipeline","status_message":"make test failed"},{"span_id":"a000000000000006","name":"make test","status_message":"exit status 2"},{"span_id":"a000000000000007","name":"run unit","status_message":"3 tests failed"}]'
	run bash -c "'$OBS_BIN/obs-trace' show $A </dev/null | jq -r '.spans[] | \"\(.depth) \(.name)\"'"
	assert_output "0 pipeline
1 checkout
1 make build
2 cc main.c
2 cc util.c
1 make test
2 run unit"
}

@test "json for the odd trace: depths, duplicates kept, missing fields as null" {
	run bash -c "'$OBS_BIN/obs-trace' show $D </dev/null | jq -c '[.span_count, .critical_path, [.spans[] | .depth], .start, .end, .duration_ms]'"
	assert_success
	assert_output '[10,["d000000000000001","d000000000000002","d000000000000008","d000000000000009"],[0,1,1,2,1,2,1,1,2,1],"2026-11-26T12:00:00.000000000Z","2026-11-26T12:00:12.000000000Z",12000]'
}

@test "the critical path goes through the child that ends last before each point" {
	f="$BATS_TEST_TMPDIR/cp.ndjson"
	t=11111111111111111111111111111111
	mk() { printf '{"type":"span","trace_id":"%s","span_id":"%s",%s"name":"%s","service":"s","start":"2026-11-24T00:00:%s.000000000Z","end":"2026-11-24T00:00:%s.000000000Z","duration_ms":0,"status":"ok"}\n' "$t" "$1" "$2" "$3" "$4" "$5"; }
	{
		mk 0000000000000001 '' root 00 20
		# Two parallel children: b ends last, so a is not critical.
		mk 0000000000000002 '"parent_span_id":"0000000000000001",' a 01 09
		mk 0000000000000003 '"parent_span_id":"0000000000000001",' b 01 12
		# c runs after b ended: critical; d overlaps c's start only: not.
		mk 0000000000000004 '"parent_span_id":"0000000000000001",' c 12 19
		mk 0000000000000005 '"parent_span_id":"0000000000000001",' d 11 13
		# Inside b, e then f in sequence (touching): both critical.
		mk 0000000000000006 '"parent_span_id":"0000000000000003",' e 02 06
		mk 0000000000000007 '"parent_span_id":"0000000000000003",' f 06 11
	} >"$f"
	run bash -c "'$OBS_BIN/obs-trace' show $t '$f' | jq -r '.critical_path | join(\" \")'"
	assert_success
	assert_output "0000000000000001 0000000000000003 0000000000000006 0000000000000007 0000000000000004"
}

@test "an unknown trace id is exit 3" {
	run s 0123456789abcdef0123456789abcdef
	[ "$status" -eq 3 ]
	assert_output "obs-trace: trace '0123456789abcdef0123456789abcdef' not found"
	# Upper case is accepted and shown lowered.
	run s 0123456789ABCDEF0123456789ABCDEF
	[ "$status" -eq 3 ]
	assert_output "obs-trace: trace '0123456789abcdef0123456789abcdef' not found"
	run bash -c "'$OBS_BIN/obs-trace' show ${C^^} </dev/null | jq -r .trace_id"
	assert_output $C
}

@test "a malformed trace id is exit 2" {
	run s xyz
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid trace id 'xyz'"
	run s 0000000000000000000000000000000g
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid trace id '0000000000000000000000000000000g'"
	run s 00000000000000000000000000000000
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid trace id '00000000000000000000000000000000'"
	run s
	[ "$status" -eq 2 ]
	assert_output "obs-trace: show: no trace id given
usage: obs-trace show [options] TRACE_ID [FILE...]"
}

@test "usage errors: options and their values (exit 2)" {
	run s -o table $A
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid output format 'table' (expected tree or json)"
	run s --since soon $A
	[ "$status" -eq 2 ]
	assert_output --partial "obs-trace: invalid time 'soon'"
	run s --until 2026-13-01 $A
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid time '2026-13-01': month out of range"
	run s --bogus $A
	[ "$status" -eq 2 ]
	assert_line --index 0 "obs-trace: show: unknown option '--bogus'"
	run s $A --since
	[ "$status" -eq 2 ]
	assert_line --index 0 "obs-trace: show: option '--since' needs a value"
}

@test "--since and --until bound the days of the store that are read" {
	run bash -c "'$OBS_BIN/obs-trace' show --until 2026-11-24T23:00:00Z $C </dev/null"
	[ "$status" -eq 3 ]
	assert_output "obs-trace: trace '$C' not found"
	run bash -c "'$OBS_BIN/obs-trace' show --since 2026-11-25 --until 2026-11-25T23:59:59Z $C </dev/null | jq .span_count"
	assert_success
	assert_output 2
	# Relative times.
	run bash -c "OBS_FAKE_TIME=2026-11-25T09:00:00Z '$OBS_BIN/obs-trace' show --since 1h $C </dev/null | jq .span_count"
	assert_output 2
	run bash -c "OBS_FAKE_TIME=2026-11-25T09:00:00Z '$OBS_BIN/obs-trace' show --since 1h $A </dev/null"
	[ "$status" -eq 3 ]
}

@test "files, '-', a pipe and gzip are read instead of the store" {
	rm -rf "$OBS_HOME"
	run bash -c "'$OBS_BIN/obs-trace' show $C '$FIX/2026-11-25.ndjson' | jq .span_count"
	assert_output 2
	run bash -c "cat '$FIX/2026-11-24.ndjson' | '$OBS_BIN/obs-trace' show $B | jq .span_count"
	assert_output 3
	gzip -c "$FIX/2026-11-24.ndjson" >"$BATS_TEST_TMPDIR/d.ndjson.gz"
	run bash -c "'$OBS_BIN/obs-trace' show $A - '$BATS_TEST_TMPDIR/d.ndjson.gz' <'$FIX/2026-11-25.ndjson' | jq .span_count"
	assert_output 7
	# A gzip segment in the store.
	mkdir -p "$OBS_HOME/spans"
	gzip -c "$FIX/2026-11-24.ndjson" >"$OBS_HOME/spans/2026-11-24.ndjson.gz"
	run bash -c "'$OBS_BIN/obs-trace' show $A </dev/null | jq .span_count"
	assert_output 7
}

@test "bad lines of the trace are reported and skipped; --strict makes them fatal" {
	f="$BATS_TEST_TMPDIR/bad.ndjson"
	{
		head -n 1 "$FIX/2026-11-25.ndjson"
		printf '{"type":"span","trace_id":"%s","span_id":\n' $C
		printf '{"type":"span","trace_id":"%s","span_id":"c000000000000009","start":"soon"}\n' $C
		printf '{"type":"span","trace_id":"%s","start":"2026-11-25T08:30:00Z"}\n' $C
		printf '\x00\x01\x02 garbage without the id\n'
		tail -n 1 "$FIX/2026-11-25.ndjson"
	} >"$f"
	run --separate-stderr "$OBS_BIN/obs-trace" show $C "$f"
	assert_success
	run jq .span_count <<<"$output"
	assert_output 2
	[ "$stderr" = "obs-trace: $f:2: truncated JSON
obs-trace: $f:3: 'start' is not a valid time
obs-trace: $f:4: missing 'span_id'
obs-trace: 3 malformed lines skipped" ]
	run --separate-stderr "$OBS_BIN/obs-trace" show --strict $C "$f"
	[ "$status" -eq 3 ]
	assert_output ""
	[ "$stderr" = "obs-trace: $f:2: truncated JSON" ]
}

@test "a missing file is exit 3 even if the trace is found elsewhere" {
	run --separate-stderr "$OBS_BIN/obs-trace" show $C "$BATS_TEST_TMPDIR/nope" "$FIX/2026-11-25.ndjson"
	[ "$status" -eq 3 ]
	[ "$stderr" = "obs-trace: cannot open '$BATS_TEST_TMPDIR/nope': No such file or directory" ]
}

@test "a torn last line is reported; a whole one is used" {
	f="$BATS_TEST_TMPDIR/torn.ndjson"
	head -c -1 "$FIX/2026-11-25.ndjson" >"$f"
	run --separate-stderr "$OBS_BIN/obs-trace" show $C "$f"
	assert_success
	run jq .span_count <<<"$output"
	assert_output 2
	[ "$stderr" = "obs-trace: $f:2: torn last line (no newline at end)" ]
}

@test "colour on a terminal: errors in red, the critical path in bold; none with NO_COLOR" {
	command -v script >/dev/null || skip "script(1) not installed"
	unset NO_COLOR
	run script -qec "TERM=xterm LC_ALL=C COLUMNS=100 '$OBS_BIN/obs-trace' show $A </dev/null" /dev/null
	assert_success
	assert_output --partial $'\e[31merror\e[0m'
	assert_output --partial $'\e[1m*\e[0m '
	run script -qec "NO_COLOR=1 TERM=xterm LC_ALL=C COLUMNS=100 '$OBS_BIN/obs-trace' show $A </dev/null" /dev/null
	assert_success
	refute_output --partial $'\e['
	# On a terminal, the tree is the default format.
	assert_output --partial "* pipeline"
}

@test "a write error on standard output is exit 3" {
	run bash -c "'$OBS_BIN/obs-trace' show $A </dev/null >/dev/full"
	[ "$status" -eq 3 ]
	assert_output --partial "obs-trace: write error on standard output"
}

@test "end to end: a nested exec shows as a two-level tree" {
	rm -rf "$OBS_HOME"
	"$OBS_BIN/obs-trace" exec --name outer -- "$OBS_BIN/obs-trace" exec --name inner -- true
	id=$("$OBS_BIN/obs-trace" query --name outer </dev/null | jq -r .trace_id)
	run bash -c "'$OBS_BIN/obs-trace' show $id </dev/null | jq -r '.spans[] | \"\(.depth) \(.name)\"'"
	assert_success
	assert_output "0 outer
1 inner"
}

@test "a zero-length trace fills the bar; bad or reversed end times" {
	f="$BATS_TEST_TMPDIR/z.ndjson"
	t=22222222222222222222222222222222
	{
		printf '{"type":"span","trace_id":"%s","span_id":"0000000000000001","name":"instant","service":"s","start":"2026-11-24T00:00:00Z","end":"2026-11-24T00:00:00Z","duration_ms":0,"status":"ok"}\n' $t
		printf '{"type":"span","trace_id":"%s","span_id":"0000000000000002","parent_span_id":"0000000000000001","name":"reversed","service":"s","start":"2026-11-24T00:00:00Z","end":"2026-11-23T00:00:00Z","duration_ms":0,"status":"ok"}\n' $t
		printf '{"type":"span","trace_id":"%s","span_id":"0000000000000003","name":"bad end","service":"s","start":"2026-11-24T00:00:00Z","end":false}\n' $t
	} >"$f"
	LC_ALL=C run --separate-stderr "$OBS_BIN/obs-trace" show -o tree $t "$f"
	assert_success
	assert_output "trace $t  2026-11-24T00:00:00.000000000Z  0s  2 spans  0 errors
services: s

* instant      s  0s  ok     |############################################################|
* \`- reversed  s  0s  ok     |############################################################|"
	[ "$stderr" = "obs-trace: $f:3: 'end' is not a valid time
obs-trace: 1 malformed line skipped" ]
}

@test "the bar width follows COLUMNS: 100 without it, at most 60 cells" {
	LC_ALL=C run s -o tree $B
	expected=$output
	unset COLUMNS
	LC_ALL=C run s -o tree $B
	assert_output "$expected"
	COLUMNS=300 LC_ALL=C run s -o tree $B
	assert_line --index 2 "* backup            cron     5m  ok     |############################################################|"
	COLUMNS=junk LC_ALL=C run s -o tree $B
	assert_output "$expected"
}

@test "query and show: a store that cannot be located is exit 3" {
	run env -u OBS_HOME -u HOME -u XDG_DATA_HOME "$OBS_BIN/obs-trace" show $A </dev/null
	[ "$status" -eq 3 ]
	assert_output "obs-trace: cannot locate the store: none of OBS_HOME, XDG_DATA_HOME, HOME is set"
	run env -u OBS_HOME -u HOME -u XDG_DATA_HOME "$OBS_BIN/obs-trace" query </dev/null
	[ "$status" -eq 3 ]
	assert_output "obs-trace: cannot locate the store: none of OBS_HOME, XDG_DATA_HOME, HOME is set"
}
