#!/usr/bin/env bats
# obs-trace query: filters, inputs, output formats, bad input, exit statuses.

load common

bats_require_minimum_version 1.5.0

FIX="$BATS_TEST_DIRNAME/../fixtures/spans"
A=4bf92f3577b34da6a3ce929d0e0e4736
B=0af7651916cd43dd8448eb211c80319c
C=5b8efff798038103d269b633813fc60c

setup() {
	obs_setup
	mkdir -p "$OBS_HOME/spans"
	cp "$FIX"/2026-11-24.ndjson "$FIX"/2026-11-25.ndjson "$OBS_HOME/spans/"
}

# query reading the store (standard input is /dev/null, as under cron).
q() { "$OBS_BIN/obs-trace" query "$@" </dev/null; }
# The span ids of NDJSON output, space-separated.
ids() { "$OBS_BIN/obs-trace" query "$@" </dev/null | jq -r .span_id | tr '\n' ' '; }
# The span lines of the fixtures, as written.
fixture_spans() { grep -h '"type":"span"' "$FIX"/2026-11-24.ndjson "$FIX"/2026-11-25.ndjson; }

@test "query --help prints the synopsis and every option, exit 0" {
	run q --help
	assert_success
	assert_line --index 0 "usage: obs-trace query [options] [FILE...]"
	for o in --trace --service --name --status --min-duration --max-duration --since --until \
		--attr --limit --traces --output --strict --help; do
		assert_output --partial -- "$o"
	done
}

@test "query with no filter prints every span of the store, bytes unchanged, oldest day first" {
	run q
	assert_success
	assert_output "$(fixture_spans)"
}

@test "query skips other record types silently" {
	run --separate-stderr q --status error
	assert_success
	# The log record with "status":"error" is not a span; nothing is said about it.
	[ "${#lines[@]}" -eq 3 ]
	refute_output --partial '"type":"log"'
	[ "$stderr" = "" ]
}

@test "query on an empty or missing store prints nothing and exits 0" {
	rm -rf "$OBS_HOME"
	run q
	assert_success
	assert_output ""
	run q --status error -o json
	assert_success
	assert_output "[]"
}

@test "--status, --service, --name select spans" {
	[ "$(ids --status error)" = "a000000000000001 a000000000000006 a000000000000007 " ]
	[ "$(ids --status unset)" = "b000000000000003 " ]
	[ "$(ids --service build)" = "a000000000000003 a000000000000004 a000000000000005 " ]
	[ "$(ids --service buil)" = "" ]
	[ "$(ids --name 'cc *')" = "a000000000000004 a000000000000005 " ]
	[ "$(ids --name '*e*t*')" = "a000000000000002 a000000000000006 c000000000000002 " ]
	[ "$(ids --name 'make [bt]*' --status ok)" = "a000000000000003 " ]
}

@test "--trace selects one trace; upper case is accepted" {
	[ "$(ids --trace $C)" = "c000000000000001 c000000000000002 " ]
	[ "$(ids --trace ${B^^})" = "b000000000000001 b000000000000002 b000000000000003 " ]
	[ "$(ids --trace 11111111111111111111111111111111)" = "" ]
}

@test "--min-duration and --max-duration are inclusive" {
	[ "$(ids --min-duration 4s)" = "b000000000000001 b000000000000002 b000000000000003 a000000000000001 a000000000000003 a000000000000005 " ]
	[ "$(ids --min-duration 4s --max-duration 5s)" = "a000000000000003 a000000000000005 " ]
	[ "$(ids --max-duration 230125us)" = "c000000000000002 " ]
	[ "$(ids --max-duration 230124us)" = "" ]
	[ "$(ids --min-duration 1h30m)" = "" ]
}

@test "--since and --until select on the start time" {
	[ "$(ids --since 2026-11-24T10:00:06Z --until 2026-11-24T10:00:06.1Z)" = "a000000000000006 a000000000000007 " ]
	[ "$(ids --since 2026-11-25)" = "c000000000000001 c000000000000002 " ]
	[ "$(ids --until 2026-11-24T02:00:01Z)" = "b000000000000001 b000000000000002 " ]
	# Unix seconds.
	[ "$(ids --since 1795564800)" = "c000000000000001 c000000000000002 " ]
	[ "$(ids --since 1795564800000)" = "c000000000000001 c000000000000002 " ]
	# Relative to the clock: 2h before 10:00:07 is 08:00:07.
	OBS_FAKE_TIME=2026-11-24T10:00:07Z
	export OBS_FAKE_TIME
	[ "$(ids --since 2h --until now --service ci)" = "a000000000000001 a000000000000002 " ]
}

@test "--since/--until read only the store's segments of those days" {
	printf '{"type":"span", garbage\n' >>"$OBS_HOME/spans/2026-11-24.ndjson"
	printf 'more garbage "span"\n' >"$OBS_HOME/spans/2026-11-23.ndjson"
	run q --since 2026-11-25T00:00:00Z
	assert_success
	assert_output "$(grep -h '"type":"span"' "$FIX/2026-11-25.ndjson")"
	run bash -c "'$OBS_BIN/obs-trace' query --since 2026-11-25T00:00:00Z </dev/null 2>&1 >/dev/null"
	assert_output ""
	# The whole store: both bad lines are reported.
	run bash -c "'$OBS_BIN/obs-trace' query </dev/null 2>&1 >/dev/null"
	assert_output "obs-trace: $OBS_HOME/spans/2026-11-23.ndjson:1: not a JSON object
obs-trace: $OBS_HOME/spans/2026-11-24.ndjson:13: invalid JSON at byte 17
obs-trace: 2 malformed lines skipped"
}

@test "--attr compares the attribute's text; repeated, all must match" {
	[ "$(ids --attr make.target=test)" = "a000000000000006 " ]
	[ "$(ids --attr process.exit_code=0)" = "b000000000000002 a000000000000003 a000000000000004 a000000000000005 " ]
	[ "$(ids --attr process.exit_code=0 --attr make.target=build)" = "a000000000000003 " ]
	[ "$(ids --attr retries=3 --attr dry_run=false --attr ratio=0.5)" = "c000000000000001 " ]
	[ "$(ids --attr dry_run=true)" = "" ]
	# Resource attributes too.
	[ "$(ids --attr host.name=db1)" = "b000000000000001 " ]
	[ "$(ids --attr 'note=café ☃')" = "c000000000000002 " ]
}

@test "--limit stops after N spans" {
	[ "$(ids --limit 2)" = "b000000000000001 b000000000000002 " ]
	[ "$(ids -n 1 --status error)" = "a000000000000001 " ]
	run q --limit 0
	assert_success
	assert_output ""
}

@test "-o json writes one array of the records as written" {
	run q --trace $C -o json
	assert_success
	assert_output "[
$(grep -h '"type":"span"' "$FIX/2026-11-25.ndjson" | sed '1s/$/,/')
]"
	run jq -r 'length' <<<"$output"
	assert_output 2
}

@test "-o table prints aligned columns" {
	run q --trace $A -o table
	assert_success
	assert_output "START                 TRACE     SPAN              SERVICE  NAME        DURATION  STATUS
2026-11-24T10:00:00Z  4bf92f35  a000000000000001  ci       pipeline         10s  error
2026-11-24T10:00:00Z  4bf92f35  a000000000000002  ci       checkout       900ms  ok
2026-11-24T10:00:01Z  4bf92f35  a000000000000003  build    make build        5s  ok
2026-11-24T10:00:01Z  4bf92f35  a000000000000004  build    cc main.c       1.9s  ok
2026-11-24T10:00:01Z  4bf92f35  a000000000000005  build    cc util.c       4.3s  ok
2026-11-24T10:00:06Z  4bf92f35  a000000000000006  test     make test       3.9s  error
2026-11-24T10:00:06Z  4bf92f35  a000000000000007  test     run unit        3.7s  error"
}

@test "-o table shows '-' for missing fields and '?' for control characters" {
	printf '%s\n' '{"type":"span","name":"a\tb"}' >"$BATS_TEST_TMPDIR/odd.ndjson"
	run q -o table "$BATS_TEST_TMPDIR/odd.ndjson"
	assert_success
	assert_output "START  TRACE  SPAN  SERVICE  NAME  DURATION  STATUS
-      -      -     -        a?b   -         -"
}

@test "--traces prints one summary per trace, oldest first" {
	run q --traces
	assert_success
	assert_output '{"trace_id":"0af7651916cd43dd8448eb211c80319c","root":"backup","services":["cron"],"span_count":3,"error_count":0,"start":"2026-11-24T02:00:00.000000000Z","end":"2026-11-24T02:05:00.000000000Z","duration_ms":300000,"status":"ok"}
{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","root":"pipeline","services":["build","ci","test"],"span_count":7,"error_count":3,"start":"2026-11-24T10:00:00.000000000Z","end":"2026-11-24T10:00:10.000000000Z","duration_ms":10000,"status":"error"}
{"trace_id":"5b8efff798038103d269b633813fc60c","root":"deploy","services":["cd"],"span_count":2,"error_count":0,"start":"2026-11-25T08:30:00.000000000Z","end":"2026-11-25T08:30:00.250000000Z","duration_ms":250,"status":"ok"}'
}

@test "--traces summarises the matching spans only; root null without the root span" {
	run q --traces --service test
	assert_success
	assert_output '{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","root":null,"services":["test"],"span_count":2,"error_count":2,"start":"2026-11-24T10:00:06.000000000Z","end":"2026-11-24T10:00:09.900000000Z","duration_ms":3900,"status":"error"}'
	run q --traces --status unset
	assert_output --partial '"span_count":1,"error_count":0,'
	assert_output --partial '"status":"unset"}'
}

@test "--traces with -o table, -o json and --limit" {
	run q --traces -o table
	assert_success
	assert_output "START                 TRACE                             ROOT      SERVICES       SPANS  ERRORS  DURATION  STATUS
2026-11-24T02:00:00Z  0af7651916cd43dd8448eb211c80319c  backup    cron               3       0        5m  ok
2026-11-24T10:00:00Z  4bf92f3577b34da6a3ce929d0e0e4736  pipeline  build,ci,test      7       3       10s  error
2026-11-25T08:30:00Z  5b8efff798038103d269b633813fc60c  deploy    cd                 2       0     250ms  ok"
	run q --traces -o json --limit 2
	assert_success
	run jq -r '.[] | .trace_id' <<<"$output"
	assert_output "$B
$A"
	run q --traces --limit 0 -o json
	assert_output "[]"
	run q --traces --service nobody
	assert_success
	assert_output ""
}

@test "FILE arguments, '-' and a pipe on standard input are read instead of the store" {
	rm -rf "$OBS_HOME"
	run "$OBS_BIN/obs-trace" query --service cd "$FIX/2026-11-25.ndjson" </dev/null
	assert_success
	assert_output "$(cat "$FIX/2026-11-25.ndjson")"
	run bash -c "cat '$FIX/2026-11-25.ndjson' | '$OBS_BIN/obs-trace' query --name deploy"
	assert_success
	assert_output "$(head -n 1 "$FIX/2026-11-25.ndjson")"
	run bash -c "'$OBS_BIN/obs-trace' query --name deploy - '$FIX/2026-11-24.ndjson' <'$FIX/2026-11-25.ndjson'"
	assert_success
	assert_output "$(head -n 1 "$FIX/2026-11-25.ndjson")"
	# A regular file on standard input counts as data too.
	run bash -c "'$OBS_BIN/obs-trace' query --name upload <'$FIX/2026-11-24.ndjson'"
	assert_output --partial '"span_id":"b000000000000003"'
}

@test "gzip segments in the store and gzip files are read transparently" {
	gzip "$OBS_HOME/spans/2026-11-24.ndjson"
	run q --status error
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	gzip -c "$FIX/2026-11-25.ndjson" >"$BATS_TEST_TMPDIR/c.ndjson.gz"
	run "$OBS_BIN/obs-trace" query "$BATS_TEST_TMPDIR/c.ndjson.gz"
	assert_success
	assert_output "$(cat "$FIX/2026-11-25.ndjson")"
}

@test "a truncated gzip file is reported after its readable lines, exit 3" {
	gzip -c "$FIX/2026-11-24.ndjson" | head -c 300 >"$BATS_TEST_TMPDIR/cut.ndjson.gz"
	run "$OBS_BIN/obs-trace" query "$BATS_TEST_TMPDIR/cut.ndjson.gz" "$FIX/2026-11-25.ndjson"
	[ "$status" -eq 3 ]
	assert_line "obs-trace: '$BATS_TEST_TMPDIR/cut.ndjson.gz': truncated gzip input"
	# The next file is still read.
	assert_output --partial '"span_id":"c000000000000002"'
}

@test "a missing file is reported, the others are read, exit 3" {
	run "$OBS_BIN/obs-trace" query "$BATS_TEST_TMPDIR/nope.ndjson" "$FIX/2026-11-25.ndjson"
	[ "$status" -eq 3 ]
	assert_line --index 0 "obs-trace: cannot open '$BATS_TEST_TMPDIR/nope.ndjson': No such file or directory"
	[ "${#lines[@]}" -eq 3 ]
}

@test "malformed lines are reported as FILE:LINE and counted; exit 0" {
	f="$BATS_TEST_TMPDIR/bad.ndjson"
	{
		head -n 1 "$FIX/2026-11-25.ndjson"
		printf '{"type":"span","name":"x",}\n'
		printf '\x7fELF\x02\x01\x01\x00 "span" \xff\xfe\n'
		printf '{"type":"span","status":"ok" "name":"x"}\n'
		printf '{"type":"span","name":"caf\xe9"}\n'
		printf '{"type":"span","n":tru}\n'
		printf '[{"type":"span"}]\n'
		printf '{"type":"span","s":"a\tb"}\n'
		tail -n 1 "$FIX/2026-11-25.ndjson"
	} >"$f"
	run --separate-stderr "$OBS_BIN/obs-trace" query "$f"
	assert_success
	assert_output "$(cat "$FIX/2026-11-25.ndjson")"
	[ "$stderr" = "obs-trace: $f:2: invalid JSON at byte 26
obs-trace: $f:3: not a JSON object
obs-trace: $f:4: invalid JSON at byte 30
obs-trace: $f:5: invalid UTF-8 at byte 27
obs-trace: $f:6: invalid literal at byte 20
obs-trace: $f:7: not a JSON object
obs-trace: $f:8: control character in string at byte 22
obs-trace: 7 malformed lines skipped" ]
}

@test "a field a filter reads with the wrong type makes the line malformed" {
	f="$BATS_TEST_TMPDIR/types.ndjson"
	printf '%s\n' '{"type":"span","status":1,"x":"ok"}' '{"type":"span","duration_ms":"5"}' \
		'{"type":"span","start":"noon"}' '{"type":"span","name":["ok"]}' >"$f"
	run --separate-stderr "$OBS_BIN/obs-trace" query --status ok "$f"
	assert_success
	[ "$stderr" = "obs-trace: $f:1: 'status' is not a string
obs-trace: 1 malformed line skipped" ]
	run --separate-stderr "$OBS_BIN/obs-trace" query --min-duration 1ms "$f"
	assert_success
	assert_output ""
	[ "$stderr" = "obs-trace: $f:2: 'duration_ms' is not a number
obs-trace: 1 malformed line skipped" ]
	run --separate-stderr "$OBS_BIN/obs-trace" query --since 2020-01-01 "$f"
	[ "${stderr_lines[0]}" = "obs-trace: $f:3: 'start' is not a valid time" ]
	run --separate-stderr "$OBS_BIN/obs-trace" query --name '*' "$f"
	[ "${stderr_lines[0]}" = "obs-trace: $f:4: 'name' is not a string" ]
	# Without filters the fields are not read: the records pass through.
	run --separate-stderr "$OBS_BIN/obs-trace" query "$f"
	assert_output "$(cat "$f")"
	# --traces reads trace_id, start and end.
	run --separate-stderr "$OBS_BIN/obs-trace" query --traces "$f"
	assert_output ""
	[ "${stderr_lines[0]}" = "obs-trace: $f:1: missing 'trace_id'" ]
}

@test "--strict stops at the first malformed line with exit 3" {
	f="$BATS_TEST_TMPDIR/bad.ndjson"
	{
		head -n 1 "$FIX/2026-11-25.ndjson"
		printf '{"type":"span"\n'
		tail -n 1 "$FIX/2026-11-25.ndjson"
	} >"$f"
	run --separate-stderr "$OBS_BIN/obs-trace" query --strict "$f"
	[ "$status" -eq 3 ]
	assert_output "$(head -n 1 "$FIX/2026-11-25.ndjson")"
	[ "$stderr" = "obs-trace: $f:2: truncated JSON" ]
	# Without --strict: both spans, and the summary.
	run --separate-stderr "$OBS_BIN/obs-trace" query "$f"
	assert_success
	assert_output "$(cat "$FIX/2026-11-25.ndjson")"
	[ "$stderr" = "obs-trace: $f:2: truncated JSON
obs-trace: 1 malformed line skipped" ]
}

@test "a 2 MiB line is skipped with a warning (an error with --strict)" {
	f="$BATS_TEST_TMPDIR/big.ndjson"
	{
		printf '{"type":"span","name":"'
		head -c 2097152 /dev/zero | tr '\0' 'x'
		printf '"}\n'
		head -n 1 "$FIX/2026-11-25.ndjson"
	} >"$f"
	run "$OBS_BIN/obs-trace" query "$f"
	assert_success
	assert_output "obs-trace: $f:1: line longer than 1048576 bytes, skipped
$(head -n 1 "$FIX/2026-11-25.ndjson")
obs-trace: 1 malformed line skipped"
	run "$OBS_BIN/obs-trace" query --strict "$f"
	[ "$status" -eq 3 ]
	assert_output "obs-trace: $f:1: line longer than 1048576 bytes"
}

@test "a torn last line is returned when whole, and reported either way" {
	f="$BATS_TEST_TMPDIR/torn.ndjson"
	head -n 1 "$FIX/2026-11-25.ndjson" | head -c -1 >"$f"
	run "$OBS_BIN/obs-trace" query "$f"
	assert_success
	assert_output "obs-trace: $f:1: torn last line (no newline at end)
$(head -n 1 "$FIX/2026-11-25.ndjson")"
	# Cut mid-record: reported as torn, not counted as malformed, not an error with --strict.
	head -n 1 "$FIX/2026-11-25.ndjson" | head -c 100 >"$f"
	run "$OBS_BIN/obs-trace" query --strict "$f"
	assert_success
	assert_output "obs-trace: $f:1: torn last line (no newline at end)"
}

@test "records with escapes match like any other (the prefilter never hides them)" {
	f="$BATS_TEST_TMPDIR/esc.ndjson"
	printf '%s\n' '{"type":"span","trace_id":"5b8efff798038103d269b633813fc60c","span_id":"e000000000000001","name":"d\u0065ploy","service":"\u0063d","start":"2026-11-25T08:30:00.000000000Z","end":"2026-11-25T08:30:00.250000000Z","duration_ms":250,"status":"\u0065rror","attributes":{"\u0065nv":"pr\u006fd"},"events":[],"resource":{}}' >"$f"
	run "$OBS_BIN/obs-trace" query --status error --service cd --name 'dep*' --attr env=prod "$f"
	assert_success
	assert_output "$(cat "$f")"
}

@test "bad option values are usage errors (exit 2) with the library's message" {
	run q --min-duration soon
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid duration 'soon': expected a number"
	run q --max-duration 5x
	[ "$status" -eq 2 ]
	assert_output --partial "obs-trace: invalid duration '5x'"
	run q --since yesterday
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid time 'yesterday': expected a duration (2h), RFC 3339, a Unix timestamp or 'now'"
	run q --until 2026-02-30
	[ "$status" -eq 2 ]
	assert_output --partial "obs-trace: invalid time '2026-02-30'"
	run q --status failed
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid status 'failed' (expected ok, error or unset)"
	run q --trace xyz
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid trace id 'xyz'"
	run q --attr novalue
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid attribute 'novalue' (expected KEY=VALUE)"
	run q --limit -1
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid limit '-1' (expected a count)"
	run q --limit 3x
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid limit '3x' (expected a count)"
	run q -o tree
	[ "$status" -eq 2 ]
	assert_output "obs-trace: invalid output format 'tree' (expected ndjson, json or table)"
}

@test "unknown options and missing values are usage errors (exit 2)" {
	run q --bogus
	[ "$status" -eq 2 ]
	assert_output "obs-trace: query: unknown option '--bogus'
usage: obs-trace query [options] [FILE...]"
	run q -x
	[ "$status" -eq 2 ]
	assert_line --index 0 "obs-trace: query: unknown option '-x'"
	run q --status
	[ "$status" -eq 2 ]
	assert_line --index 0 "obs-trace: query: option '--status' needs a value"
	run q -o
	[ "$status" -eq 2 ]
	assert_line --index 0 "obs-trace: query: option '-o' needs a value"
}

@test "a write error on standard output is exit 3" {
	run bash -c "'$OBS_BIN/obs-trace' query </dev/null >/dev/full"
	[ "$status" -eq 3 ]
	assert_output "obs-trace: write error: No space left on device"
	run bash -c "'$OBS_BIN/obs-trace' query -o json </dev/null >/dev/full"
	[ "$status" -eq 3 ]
	run bash -c "'$OBS_BIN/obs-trace' query --traces </dev/null >/dev/full"
	[ "$status" -eq 3 ]
}

@test "query | head ends quietly" {
	run bash -c "set -o pipefail; '$OBS_BIN/obs-trace' query </dev/null | head -n 1"
	assert_output "$(fixture_spans | head -n 1)"
}

@test "end to end: spans recorded by exec are found by query" {
	rm -rf "$OBS_HOME"
	"$OBS_BIN/obs-trace" exec --name outer -- "$OBS_BIN/obs-trace" exec --name inner -- false || true
	run q --status error -o table
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	run bash -c "'$OBS_BIN/obs-trace' query --traces </dev/null | jq -r '[.root, .span_count, .error_count, .status] | join(\" \")'"
	assert_output "outer 2 2 error"
}
