#!/usr/bin/env bats
# obs-log parse: every format against the fixture corpus, detection, raw lines, mangled input.

bats_require_minimum_version 1.5.0
load common

FIX="$BATS_TEST_DIRNAME/../fixtures/logs"

setup() {
	obs_setup
	export OBS_FAKE_TIME=2026-11-24T10:00:00Z
}

# The options of fixture DIR/NAME (from NAME.opts, as the unit tests read them) into ARGS.
fixture_args() {
	local dir=$1 name=$2 k v fmt=$1 regex=
	ARGS=(--reference 2024-01-20T12:00:00Z)
	if [ -f "$FIX/$dir/$name.opts" ]; then
		while IFS='=' read -r k v; do
			case $k in
			format) fmt=$v ;;
			timezone) ARGS+=(--timezone "$v") ;;
			reference) ARGS[1]=$v ;;
			service) ARGS+=(--service "$v") ;;
			regex) ARGS+=(--regex "$v"); regex=1 ;;
			multiline) [ "$v" = 1 ] && ARGS+=(--multiline) ;;
			max_msg) ARGS+=(--max-line "$v") ;;
			esac
		done <"$FIX/$dir/$name.opts"
	fi
	[ -n "$regex" ] || ARGS+=(--format "$fmt")
}

# Every fixture of DIR parses to its expected records (SKIP: names left to the unit tests).
check_dir() {
	local dir=$1 skip=${2:-} f name
	for f in "$FIX/$dir"/*.log; do
		name=$(basename "$f" .log)
		[ "$name" = "$skip" ] && continue
		fixture_args "$dir" "$name"
		run --separate-stderr obs_log parse -q "${ARGS[@]}" "$f"
		assert_success
		if [ "$output" != "$(cat "$FIX/$dir/$name.ndjson")" ]; then
			echo "$dir/$name: records differ"
			diff <(echo "$output") "$FIX/$dir/$name.ndjson" | head -20
			return 1
		fi
	done
}

@test "parse --help prints the synopsis and every option" {
	run obs_log parse --help
	assert_success
	assert_line --index 0 "usage: obs-log parse [options] [FILE...]"
	for o in --format --regex --timezone --service --multiline --reference --max-line --store \
		--output --strict --quiet --verbose --help; do
		assert_output --partial -- "$o"
	done
}

@test "json: the fixture corpus gives its expected records" { check_dir json; }
@test "logfmt: the fixture corpus gives its expected records" { check_dir logfmt; }
@test "syslog (RFC 3164, RFC 5424, rsyslog files, DST, year rollover): the expected records" { check_dir syslog; }
@test "access logs (Apache common, nginx combined): the expected records" { check_dir access; }
@test "journalctl -o json: the expected records" { check_dir journald; }
@test "--regex with named groups (PCRE2): the expected records" { check_dir regex; }
# cut-utf8 cuts messages at 16 bytes: shorter than its lines, so only the unit tests can.
@test "--multiline joins stack traces (Java, Python, JSON crash, cut messages)" { check_dir multiline cut-utf8; }

@test "--format auto (the default) guesses each file's format from its first lines" {
	for pair in json/apps:json syslog/rfc5424:syslog access/nginx-combined:access \
		journald/journal:journald logfmt/services:logfmt auto/plain:auto; do
		f=$FIX/${pair%%:*}.log
		run --separate-stderr obs_log parse -q -v "$f"
		assert_success
		[[ "$stderr" == *"$f: ${pair##*:}"* ]] || { echo "$f: $stderr"; return 1; }
	done
	run --separate-stderr obs_log parse -v --format syslog "$FIX/syslog/rfc3164.log"
	[[ "$stderr" == *"rfc3164.log: syslog, 12 lines, 12 records, 1 raw" ]]
	run --separate-stderr obs_log parse -v "$FIX/syslog/rfc3164.log"
	[[ "$stderr" == *"rfc3164.log: syslog (detected), 12 lines, 12 records, 1 raw" ]]
}

@test "a guessed format comes first; a line in another format is still parsed" {
	printf '%s\n' '<13>Jan 15 10:23:45 web-1 app[5]: one' '<13>Jan 15 10:23:46 web-1 app[5]: two' \
		'{"level":"error","msg":"a json line among syslog ones"}' 'plain text' >"$BATS_TEST_TMPDIR/mixed.log"
	run --separate-stderr obs_log parse --reference 2024-01-20T12:00:00Z "$BATS_TEST_TMPDIR/mixed.log"
	assert_success
	run jq -r '[.level // "-", .msg, .raw // false] | join("|")' <<<"$output"
	assert_output "$(printf 'info|one|false\ninfo|two|false\nerror|a json line among syslog ones|false\n-|plain text|true')"
}

@test "lines that do not parse are kept as raw records, counted and reported on stderr" {
	printf '%s\n' 'level=info msg=one' 'this is not logfmt' 'level=warn msg=two' '=broken' >"$BATS_TEST_TMPDIR/x.log"
	touch -d 2026-11-20T08:00:00Z "$BATS_TEST_TMPDIR/x.log"
	run --separate-stderr obs_log parse --format logfmt "$BATS_TEST_TMPDIR/x.log"
	assert_success
	[ "$stderr" = "obs-log: 2 of 4 lines in '$BATS_TEST_TMPDIR/x.log' did not parse; kept as raw records" ]
	assert_line --index 1 '{"type":"log","time":"2026-11-20T08:00:00.000000000Z","msg":"this is not logfmt","raw":true}'
	[ "${#lines[@]}" -eq 4 ]
	# -q keeps quiet about it.
	run --separate-stderr obs_log parse -q --format logfmt "$BATS_TEST_TMPDIR/x.log"
	[ "$stderr" = "" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "--strict: the first line that does not parse is an error (exit 3), with its reason" {
	printf '%s\n' 'level=info msg=one' 'msg="unterminated' 'level=warn msg=two' >"$BATS_TEST_TMPDIR/x.log"
	run --separate-stderr obs_log parse --strict --format logfmt "$BATS_TEST_TMPDIR/x.log"
	[ "$status" -eq 3 ]
	[ "$stderr" = "obs-log: $BATS_TEST_TMPDIR/x.log:2: unterminated quoted value" ]
	[ "${#lines[@]}" -eq 1 ]
	# Strict and multiline: only a first line that does not parse is an error.
	run --separate-stderr obs_log parse --strict --multiline --format json "$FIX/multiline/json-crash.log"
	assert_success
}

@test "gzip input is read transparently; a truncated gzip file is an error after its records" {
	gzip -c "$FIX/json/apps.log" >"$BATS_TEST_TMPDIR/apps.log.gz"
	run obs_log parse -q --reference 2024-01-20T12:00:00Z --timezone +01:00 "$BATS_TEST_TMPDIR/apps.log.gz"
	assert_success
	assert_output "$(cat "$FIX/json/apps.ndjson")"
	# Truncated: what came before the damage is kept.
	for i in $(seq 1 2000); do echo "level=info msg=\"line $i\" i=$i"; done | gzip -c >"$BATS_TEST_TMPDIR/t.gz"
	head -c $(( $(stat -c %s "$BATS_TEST_TMPDIR/t.gz") - 100 )) "$BATS_TEST_TMPDIR/t.gz" >"$BATS_TEST_TMPDIR/trunc.gz"
	run --separate-stderr obs_log parse "$BATS_TEST_TMPDIR/trunc.gz"
	[ "$status" -eq 3 ]
	[ "$stderr" = "obs-log: '$BATS_TEST_TMPDIR/trunc.gz': truncated gzip input" ]
	[ "${#lines[@]}" -gt 1000 ]
	run jq -e -s 'all(.[]; .msg == "line \(.i)")' <<<"$output"
	assert_success
}

@test "bytes that are not UTF-8 become U+FFFD; NUL bytes stay as \\u0000; every record is JSON" {
	printf 'level=info msg="caf\xe9" k\xffey=v\x00w\n{"msg":"nul \\u0000 here","bad":"\xc3"}\n\xff\xfe binary \x00 garbage\n' >"$BATS_TEST_TMPDIR/bad.log"
	run --separate-stderr obs_log parse --format auto "$BATS_TEST_TMPDIR/bad.log"
	assert_success
	run jq -c '{msg, raw}' <<<"$output"
	assert_line --index 0 '{"msg":"caf�","raw":null}'
	assert_line --index 1 '{"msg":"nul \u0000 here","raw":null}'
	assert_line --index 2 '{"msg":"�� binary \u0000 garbage","raw":true}'
	run jq -c 'del(.time, .msg, .type, .level, .raw)' <<<"$(obs_log parse -q "$BATS_TEST_TMPDIR/bad.log" | head -2)"
	assert_line --index 0 '{"k�ey":"v\u0000w"}'
	assert_line --index 1 '{"bad":"�"}'
}

@test "a 10 MB line is kept cut as a raw record (truncated); memory stays flat; the next line parses" {
	{
		echo 'level=info msg=before'
		head -c 10485760 /dev/zero | tr '\0' 'x'
		echo
		echo 'level=warn msg=after'
	} >"$BATS_TEST_TMPDIR/huge.log"
	run --separate-stderr /usr/bin/time -f '%M' "$OBS_BIN/obs-log" parse --format logfmt "$BATS_TEST_TMPDIR/huge.log"
	assert_success
	[[ "$stderr" == "obs-log: $BATS_TEST_TMPDIR/huge.log:2: line longer than 1048576 bytes, kept cut as a raw record"* ]]
	rss=$(tail -n 1 <<<"$stderr")
	[ "$rss" -lt 40000 ]   # KiB: the line is never held whole
	[ "${#lines[@]}" -eq 3 ]
	run jq -r '[.level // "-", (.msg | length), .raw // false, .truncated // false] | join(" ")' <<<"$output"
	assert_output "$(printf 'info 6 false false\n- 1048576 true true\nwarn 5 false false')"
}

@test "--store appends to the store by each record's day and prints nothing" {
	run --separate-stderr obs_log parse --store -q "$FIX/json/apps.log" "$FIX/syslog/rfc5424.log"
	assert_success
	assert_output ""
	[ "$(log_count)" -eq "$(( $(grep -c . "$FIX/json/apps.log") + $(grep -c . "$FIX/syslog/rfc5424.log") ))" ]
	run ls "$OBS_HOME/logs"
	assert_line 2024-01-15.ndjson
	# A store that cannot be written is an error.
	rm -rf "$OBS_HOME"
	mkdir -p "$OBS_HOME"
	touch "$OBS_HOME/logs"
	run --separate-stderr obs_log parse --store -q "$FIX/json/apps.log"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"cannot"* ]]
}

@test "-o json and -o text" {
	run obs_log parse -o json --format logfmt --reference 2024-01-20T12:00:00Z - <<<'level=info msg=hi n=1'
	assert_success
	assert_output '[
{"type":"log","time":"2024-01-20T12:00:00.000000000Z","level":"info","msg":"hi","n":1}
]'
	run obs_log parse -o text --format syslog --reference 2024-01-20T12:00:00Z \
		<<<'<11>Jan 15 10:23:45 web-1 app[9]: disk failed'
	assert_success
	assert_output "2024-01-15T10:23:45.000Z ERROR app disk failed syslog.facility=user host.name=web-1 process.pid=9"
}

@test "standard input, several files, a missing file (exit 3 after the others)" {
	run obs_log parse -q --format logfmt <<<'a=1'
	assert_success
	assert_output --partial '"a":1'
	run --separate-stderr obs_log parse -q "$BATS_TEST_TMPDIR/missing.log" "$FIX/logfmt/services.log"
	[ "$status" -eq 3 ]
	[ "$stderr" = "obs-log: cannot open '$BATS_TEST_TMPDIR/missing.log': No such file or directory" ]
	[ "${#lines[@]}" -eq "$(grep -c . "$FIX/logfmt/services.log")" ]
}

@test "without input on a terminal or /dev/null, parse says how to give it one (exit 2)" {
	run -2 obs_log parse </dev/null
	assert_line --index 0 "obs-log: parse: no input: name a FILE or pipe into it"
}

@test "time zones, the reference time and the default service" {
	echo '{"time":"2024-01-15 10:00:00","msg":"no zone"}' >"$BATS_TEST_TMPDIR/z.log"
	run obs_log parse --timezone Europe/Berlin -s shop "$BATS_TEST_TMPDIR/z.log"
	assert_output '{"type":"log","time":"2024-01-15T09:00:00.000000000Z","msg":"no zone","service":"shop"}'
	# The year of an RFC 3164 date comes from the file's modification time.
	echo '<13>Dec 31 23:59:59 h app: late' >"$BATS_TEST_TMPDIR/y.log"
	touch -d 2025-01-01T00:30:00Z "$BATS_TEST_TMPDIR/y.log"
	run obs_log parse "$BATS_TEST_TMPDIR/y.log"
	assert_output --partial '"time":"2024-12-31T23:59:59.000000000Z"'
}

@test "records that are already obs log records pass through unchanged" {
	obs_log parse -q "$FIX/json/apps.log" >"$BATS_TEST_TMPDIR/once.ndjson"
	run obs_log parse -q "$BATS_TEST_TMPDIR/once.ndjson"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/once.ndjson")"
}

@test "bad options are usage errors (exit 2)" {
	run -2 obs_log parse --format yaml x
	assert_line --index 0 "obs-log: invalid format 'yaml' (expected auto, json, logfmt, syslog, access, journald or regex)"
	run -2 obs_log parse --timezone Mars/Olympus x
	assert_line --index 0 "obs-log: unknown time zone 'Mars/Olympus'"
	run -2 obs_log parse --regex '(?<a>' x
	assert_line --index 0 --partial "obs-log: invalid regular expression '(?<a>': "
	run -2 obs_log parse --format regex x
	assert_line --index 0 "obs-log: regex format needs a pattern (--regex PATTERN)"
	run -2 obs_log parse --format json --regex '(?<msg>.*)' x
	assert_line --index 0 "obs-log: --regex is for --format regex, not json"
	run -2 obs_log parse --max-line 3 x
	assert_line --index 0 "obs-log: invalid line limit '3' (expected bytes, 16 to 1073741824)"
	run -2 obs_log parse -o yaml x
	assert_line --index 0 "obs-log: invalid output format 'yaml' (expected ndjson, json or text)"
	run -2 obs_log parse --bogus
	assert_line --index 0 "obs-log: parse: unknown option '--bogus'"
}
