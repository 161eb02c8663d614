#!/usr/bin/env bats
# obs-trace import: OTLP JSON, Zipkin v2 and Jaeger JSON into span records.

load common
bats_require_minimum_version 1.5.0

FIX="$BATS_TEST_DIRNAME/../fixtures/import"

setup() { obs_setup; }

# The store's segment for 2026-11-24, where the fixtures' spans start.
segment() { echo "$OBS_HOME/spans/2026-11-24.ndjson"; }

# One OTLP TracesData line holding one span; $1 is the span's JSON fields.
otlp_line() {
	printf '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"t"}}]},"scopeSpans":[{"spans":[{%s}]}]}]}\n' "$1"
}
SPAN='"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"op","startTimeUnixNano":"1795514400000000000","endTimeUnixNano":"1795514400250000000"'

@test "each format converts to the expected records, byte for byte" {
	for f in otlp.json otlp-file-exporter.jsonl zipkin.json jaeger.json; do
		run --separate-stderr obs_trace import --stdout "$FIX/$f"
		assert_success
		assert_equal "$stderr" ""
		diff -u "$FIX/${f%.*}.expected.ndjson" <(printf '%s\n' "$output")
	done
}

@test "--format names the format; a wrong one rejects the document" {
	run --separate-stderr obs_trace import --stdout --format jaeger "$FIX/jaeger.json"
	assert_success
	diff -u "$FIX/jaeger.expected.ndjson" <(printf '%s\n' "$output")
	run --separate-stderr obs_trace import --stdout --format otlp "$FIX/otlp-file-exporter.jsonl"
	assert_success
	run --separate-stderr obs_trace import --stdout --format zipkin "$FIX/otlp.json"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "obs-trace: $FIX/otlp.json: not a Zipkin span array"
}

@test "standard input, as - or by default, with auto-detection" {
	run --separate-stderr obs_trace import --stdout - <"$FIX/zipkin.json"
	assert_success
	diff -u "$FIX/zipkin.expected.ndjson" <(printf '%s\n' "$output")
	run --separate-stderr obs_trace import --stdout <"$FIX/jaeger.json"
	assert_success
	diff -u "$FIX/jaeger.expected.ndjson" <(printf '%s\n' "$output")
}

@test "several files in one run, -v says how many spans each gave" {
	run --separate-stderr obs_trace import -v --stdout "$FIX/otlp.json" "$FIX/zipkin.json"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 12
	assert_equal "$stderr" "obs-trace: imported 7 spans from '$FIX/otlp.json'
obs-trace: imported 5 spans from '$FIX/zipkin.json'"
	run --separate-stderr obs_trace import --verbose --stdout - <"$FIX/jaeger.json"
	assert_equal "$stderr" "obs-trace: imported 5 spans from <stdin>"
}

@test "without --stdout the records go to the store's segment for their day" {
	run --separate-stderr obs_trace import "$FIX/otlp.json" "$FIX/jaeger.json"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	cat "$FIX/otlp.expected.ndjson" "$FIX/jaeger.expected.ndjson" | diff -u - "$(segment)"
	assert_equal "$(stat -c %a "$(segment)")" 600
	# A second import appends.
	obs_trace import "$FIX/zipkin.json"
	assert_equal "$(wc -l <"$(segment)")" 17
}

@test "spans on different days go to different segments" {
	printf '[{"traceId":"1","id":"1","timestamp":1795564799000000,"duration":2000000},
	  {"traceId":"1","id":"2","parentId":"1","timestamp":1795564800500000,"duration":1}]' >"$BATS_TEST_TMPDIR/days.json"
	obs_trace import "$BATS_TEST_TMPDIR/days.json"
	assert_equal "$(jq -r .span_id "$OBS_HOME/spans/2026-11-24.ndjson")" 0000000000000001
	assert_equal "$(jq -r .span_id "$OBS_HOME/spans/2026-11-25.ndjson")" 0000000000000002
}

@test "gzip-compressed input is read transparently" {
	gzip -c "$FIX/otlp-file-exporter.jsonl" >"$BATS_TEST_TMPDIR/x.jsonl.gz"
	gzip -c "$FIX/otlp.json" >"$BATS_TEST_TMPDIR/y.json.gz"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/x.jsonl.gz" - <"$BATS_TEST_TMPDIR/y.json.gz"
	assert_success
	diff -u <(cat "$FIX/otlp-file-exporter.expected.ndjson" "$FIX/otlp.expected.ndjson") \
		<(printf '%s\n' "$output")
}

@test "truncated gzip input: what came before is kept, exit 3" {
	gzip -c "$FIX/otlp-file-exporter.jsonl" | head -c 200 >"$BATS_TEST_TMPDIR/t.gz"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/t.gz"
	assert_failure 3
	assert_equal "$stderr" "obs-trace: '$BATS_TEST_TMPDIR/t.gz': truncated gzip input"
}

@test "a malformed JSON document is reported as FILE:LINE and fails the input" {
	head -n 20 "$FIX/otlp.json" >"$BATS_TEST_TMPDIR/cut.json"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/cut.json"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" \
		"obs-trace: $BATS_TEST_TMPDIR/cut.json:20: invalid JSON: string or '}' expected near end of file at column 22"
	printf '{\n  "resourceSpans": [\n\n    oops\n  ]\n}\n' >"$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr obs_trace import "$BATS_TEST_TMPDIR/bad.json"
	assert_failure 3
	assert_equal "$stderr" \
		"obs-trace: $BATS_TEST_TMPDIR/bad.json:4: invalid JSON: invalid token near 'oops' at column 8"
	[ ! -e "$OBS_HOME/spans" ]
}

@test "JSON lines: a malformed line is skipped and counted, --strict makes it fatal" {
	{ otlp_line "$SPAN"; echo '{"resourceSpans": [oops'; otlp_line "$SPAN"; } >"$BATS_TEST_TMPDIR/l.jsonl"
	run --separate-stderr obs_trace import "$BATS_TEST_TMPDIR/l.jsonl"
	assert_success
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/l.jsonl:2: invalid JSON: invalid token near 'oops' at column 23
obs-trace: imported 2 spans from '$BATS_TEST_TMPDIR/l.jsonl' (1 line skipped)"
	assert_equal "$(wc -l <"$(segment)")" 2
	rm -rf "$OBS_HOME"
	run --separate-stderr obs_trace import --strict "$BATS_TEST_TMPDIR/l.jsonl"
	assert_failure 3
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/l.jsonl:2: invalid JSON: invalid token near 'oops' at column 23
obs-trace: stopped at the first problem (--strict); nothing stored"
	# Nothing is written when --strict stops the import.
	[ ! -e "$OBS_HOME/spans" ]
}

@test "JSON lines whose first line is damaged: the rest is still read" {
	{ echo '{"resourceSpans":[}'; otlp_line "$SPAN"; otlp_line "$SPAN"; } >"$BATS_TEST_TMPDIR/f.jsonl"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/f.jsonl"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 2
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/f.jsonl:1: invalid JSON: unexpected token near '}' at column 19
obs-trace: imported 2 spans from '$BATS_TEST_TMPDIR/f.jsonl' (1 line skipped)"
}

@test "NDJSON of Zipkin arrays, blank lines and a final line without newline" {
	printf '[{"traceId":"a","id":"1","timestamp":1,"duration":1}]\n\n[{"traceId":"a","id":"2","timestamp":2,"duration":1}]' \
		>"$BATS_TEST_TMPDIR/z.ndjson"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/z.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(printf '%s\n' "$output" | jq -r .span_id | tr '\n' ' ')" \
		"0000000000000001 0000000000000002 "
}

@test "wrong shapes: an object without resourceSpans, an unknown document" {
	echo '{"resourceLogs": []}' >"$BATS_TEST_TMPDIR/logs.json"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/logs.json"
	assert_failure 3
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/logs.json:1: unrecognised trace format: expected OTLP JSON (resourceSpans), Zipkin v2 JSON (an array of spans) or Jaeger JSON (data)"
	run --separate-stderr obs_trace import --stdout --format otlp "$BATS_TEST_TMPDIR/logs.json"
	assert_failure 3
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/logs.json:1: not an OTLP TracesData object: missing 'resourceSpans'"
	# One good line is enough for the input to count as read.
	{ otlp_line "$SPAN"; cat "$BATS_TEST_TMPDIR/logs.json"; } >"$BATS_TEST_TMPDIR/mixed.jsonl"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/mixed.jsonl"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 1
}

@test "numbers where strings belong: the span is rejected, the rest imported" {
	{
		otlp_line '"traceId":5,"spanId":"eee19b7ec3c1b174","startTimeUnixNano":1,"endTimeUnixNano":2'
		otlp_line '"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":7,"startTimeUnixNano":1,"endTimeUnixNano":2'
		otlp_line "$SPAN"
	} >"$BATS_TEST_TMPDIR/n.jsonl"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/n.jsonl"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | jq -r .name)" op
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/n.jsonl:1: span 1: trace id is not a string
obs-trace: $BATS_TEST_TMPDIR/n.jsonl:2: span 1: 'name' is not a string
obs-trace: imported 1 span from '$BATS_TEST_TMPDIR/n.jsonl' (2 spans rejected)"
	run --separate-stderr obs_trace import --strict --stdout "$BATS_TEST_TMPDIR/n.jsonl"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/n.jsonl:1: span 1: trace id is not a string
obs-trace: stopped at the first problem (--strict)"
	# A good span before the problem is not stored either.
	{ otlp_line "$SPAN"; cat "$BATS_TEST_TMPDIR/n.jsonl"; } >"$BATS_TEST_TMPDIR/n2.jsonl"
	run --separate-stderr obs_trace import --strict "$BATS_TEST_TMPDIR/n2.jsonl"
	assert_failure 3
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/n2.jsonl:2: span 1: trace id is not a string
obs-trace: stopped at the first problem (--strict); nothing stored"
	[ ! -e "$OBS_HOME/spans" ]
}

@test "invalid ids and missing times are rejected with the span's position" {
	cat >"$BATS_TEST_TMPDIR/ids.json" <<-'EOF'
	[
	  {"traceId": "463ac35c9f6413ad", "id": "1", "timestamp": 1, "duration": 1},
	  {"traceId": "463ac35c9f6413ad", "id": "2", "timestamp": 1, "duration": 1},
	  {"traceId": "abx", "id": "3", "timestamp": 1, "duration": 1},
	  {"traceId": "00000000000000000000000000000000", "id": "4", "timestamp": 1, "duration": 1},
	  {"traceId": "463ac35c9f6413ad", "id": "5", "timestamp": 1},
	  {"traceId": "463ac35c9f6413ad", "id": "0123456789abcdef0", "timestamp": 1, "duration": 1}
	]
	EOF
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/ids.json"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 2
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/ids.json: span 3: invalid trace id 'abx'
obs-trace: $BATS_TEST_TMPDIR/ids.json: span 4: invalid trace id '00000000000000000000000000000000'
obs-trace: $BATS_TEST_TMPDIR/ids.json: span 5: missing end time: no 'duration'
obs-trace: $BATS_TEST_TMPDIR/ids.json: span 6: invalid span id '0123456789abcdef0'
obs-trace: imported 2 spans from '$BATS_TEST_TMPDIR/ids.json' (4 spans rejected)"
}

@test "a 2 MiB line is imported whole" {
	big=$(head -c 2097152 /dev/zero | tr '\0' x)
	otlp_line "$SPAN,\"attributes\":[{\"key\":\"blob\",\"value\":{\"stringValue\":\"$big\"}}]" \
		>"$BATS_TEST_TMPDIR/big.jsonl"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/big.jsonl")" -gt 2097152 ]
	run --separate-stderr obs_trace import "$BATS_TEST_TMPDIR/big.jsonl"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r '.attributes.blob | length' "$(segment)")" 2097152
	# The store is written every 4 MiB: --strict then reports what was stored.
	rm -rf "$OBS_HOME"
	{ cat "$BATS_TEST_TMPDIR/big.jsonl" "$BATS_TEST_TMPDIR/big.jsonl"
	  otlp_line '"traceId":"x"'; } >"$BATS_TEST_TMPDIR/big3.jsonl"
	run --separate-stderr obs_trace import --strict "$BATS_TEST_TMPDIR/big3.jsonl"
	assert_failure 3
	assert_equal "$stderr" "obs-trace: $BATS_TEST_TMPDIR/big3.jsonl:3: span 1: invalid trace id 'x'
obs-trace: stopped at the first problem (--strict); 2 spans were already stored"
	assert_equal "$(wc -l <"$(segment)")" 2
}

@test "empty input imports nothing and succeeds" {
	: >"$BATS_TEST_TMPDIR/empty.json"
	run --separate-stderr obs_trace import -v --stdout "$BATS_TEST_TMPDIR/empty.json"
	assert_success
	assert_output ""
	assert_equal "$stderr" "obs-trace: imported 0 spans from '$BATS_TEST_TMPDIR/empty.json'"
	run --separate-stderr obs_trace import </dev/null
	assert_success
	assert_equal "$stderr" ""
	[ ! -e "$OBS_HOME/spans" ]
	# Empty documents of each format are valid too.
	printf '{}\n[]\n{"data":[]}\n' | obs_trace import --stdout --strict
}

@test "binary garbage fails the input" {
	head -c 3000 /dev/urandom | tr '\n{[' 'xyz' >"$BATS_TEST_TMPDIR/garbage.bin"
	run --separate-stderr obs_trace import --stdout "$BATS_TEST_TMPDIR/garbage.bin"
	assert_failure 3
	assert_output ""
	[[ "$stderr" == "obs-trace: $BATS_TEST_TMPDIR/garbage.bin:1: invalid JSON: "* ]]
}

@test "an unreadable input fails with exit 3, the others are still imported" {
	mkdir "$BATS_TEST_TMPDIR/dir"
	run --separate-stderr obs_trace import "$BATS_TEST_TMPDIR/missing.json" "$FIX/zipkin.json" \
		"$BATS_TEST_TMPDIR/dir"
	assert_failure 3
	assert_equal "$stderr" "obs-trace: cannot open '$BATS_TEST_TMPDIR/missing.json': No such file or directory
obs-trace: cannot read '$BATS_TEST_TMPDIR/dir': Is a directory"
	diff -u "$FIX/zipkin.expected.ndjson" "$(segment)"
}

@test "usage: unknown --format, unknown option, --help" {
	run --separate-stderr obs_trace import --format xml "$FIX/otlp.json"
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "obs-trace: unknown format 'xml': expected auto, otlp, zipkin or jaeger"
	[[ "$stderr" == *"usage: obs-trace import [--format auto|otlp|zipkin|jaeger]"* ]]
	run --separate-stderr obs_trace import --bogus
	assert_failure 2
	run --separate-stderr obs_trace import --help
	assert_success
	assert_line --index 0 "usage: obs-trace import [--format auto|otlp|zipkin|jaeger] [--stdout] [--strict] [-v] [FILE...]"
	assert_output --partial "--strict"
	[ ! -e "$OBS_HOME/spans" ]
}

@test "an unwritable store fails with exit 3" {
	mkdir -p "$OBS_HOME"
	echo x >"$OBS_HOME/spans"
	run --separate-stderr obs_trace import "$FIX/zipkin.json"
	assert_failure 3
	[[ "$stderr" == "obs-trace: "*"spans"* ]]
}
