#!/usr/bin/env bats
# obs-export against a failing backend: retries, give-ups, dead letters, kill -9, follow, secrets.

bats_require_minimum_version 1.5.0
load common

setup() {
	obs_setup
	FAST=(--retry-initial 50ms --retry-max 300ms)
}

teardown() { faultsrv_stop; }

cursor_file() { ls "$OBS_HOME"/state/export/*/spans.json 2>/dev/null | head -n 1; }

@test "every fault class, one after the other: all records arrive, duplicates at most one batch" {
	gen_spans 500
	faultsrv_start "200,503,429:1,reset,stall:3,down:2,503:0,502,504,200"
	SECONDS=0
	run obs_export webhook --url "$FS_URL/in" --batch 100 --timeout 1s "${FAST[@]}" -s spans
	assert_success
	[ "$SECONDS" -ge 3 ]   # the Retry-After second, the stall's timeout, the 2 s outage
	ids=$(accepted_ids)
	[ "$(echo "$ids" | sort -u | wc -l)" -eq 500 ]
	total=$(echo "$ids" | wc -l)
	echo "accepted $total records for 500"
	[ "$total" -le 600 ]
	assert_output --regexp "500 records sent \(.* in 5 requests\), [0-9]+ retries, 0 dead-lettered"
	# each fault class was met
	for step in 503 429:1 reset stall:3 down:2 503:0 502 504; do
		grep -q " $step " "$FS_REC/log"
	done
	# the cursor is at the end: a second run sends nothing
	run obs_export webhook --url "$FS_URL/in" -s spans
	assert_success
	[ "$(wc -l <"$FS_REC/log")" -eq 13 ]
}

@test "Retry-After is followed: in seconds and as an HTTP date" {
	gen_spans 3
	faultsrv_start "429:2,503:@+1,200"
	SECONDS=0
	run obs_export webhook --url "$FS_URL" -v "${FAST[@]}" -s spans
	assert_success
	[ "$SECONDS" -ge 2 ]
	assert_output --partial "retrying in 2s, as the server asked"
	[ "$(accepted_ids | wc -l)" -eq 3 ]
}

@test "a backend down past the deadline: gives up, exit 3, cursor unchanged; the next run sends everything" {
	gen_spans 20
	faultsrv_start "503"
	run obs_export webhook --name t --url "$FS_URL" --batch 5 --retry-deadline 1s "${FAST[@]}" -s spans
	assert_failure 3
	assert_output --partial "giving up after"
	assert_output --partial "503 Service Unavailable"
	assert_output --partial "webhook: gave up: the cursor stays after the last acknowledged batch, the next run sends the rest"
	if [ -n "$(cursor_file)" ]; then run ! grep -q '"offset"' "$(cursor_file)"; fi
	faultsrv_stop
	faultsrv_start "200" "$BATS_TEST_TMPDIR/rec2"
	run obs_export webhook --name t --url "$FS_URL" --batch 5 -s spans
	assert_success
	[ "$(accepted_ids | sort -u | wc -l)" -eq 20 ]
	[ "$(accepted_ids | wc -l)" -eq 20 ]
}

@test "gave up after some batches: the cursor is after the last acknowledged one" {
	gen_spans 30
	faultsrv_start "200,200,503"
	run obs_export webhook --name t --url "$FS_URL" --batch 10 --retry-deadline 500ms "${FAST[@]}" -s spans
	assert_failure 3
	assert_output --partial "20 records sent"
	faultsrv_stop
	faultsrv_start "200" "$BATS_TEST_TMPDIR/rec2"
	run obs_export webhook --name t --url "$FS_URL" --batch 10 -s spans
	assert_success
	# only the last batch is sent again
	[ "$(accepted_ids | wc -l)" -eq 10 ]
	[ "$(accepted_ids | head -n 1)" = "0000000000000015" ]
}

@test "a permanent rejection goes to the dead-letter file with the response; exit 1; the cursor moves on" {
	gen_spans 4
	printf '{"error":"schema mismatch"}\n' >"$BATS_TEST_TMPDIR/400.json"
	faultsrv_start "400=$BATS_TEST_TMPDIR/400.json,200"
	run obs_export webhook --url "$FS_URL/x" --batch 2 -s spans
	assert_failure 1
	assert_output --partial "cannot send to 'http://127.0.0.1:$FS_PORT/***': 400 Bad Request: {\"error\":\"schema mismatch\"}"
	assert_output --regexp "2 records dead-lettered to '.*/state/export/webhook-[0-9a-f]{16}/dead-letter.ndjson'"
	dead=$(ls "$OBS_HOME"/state/export/*/dead-letter.ndjson)
	[ "$(wc -l <"$dead")" -eq 2 ]
	run jq -r '[.destination, .signal, (.status|tostring), .record.span_id] | join(" ")' "$dead"
	assert_output "webhook spans 400 0000000000000001
webhook spans 400 0000000000000002"
	run jq -r .response "$dead"
	assert_line --index 0 '{"error":"schema mismatch"}'
	run jq -r .source "$dead"
	assert_line --index 1 --regexp '/spans/[0-9-]+\.ndjson:2$'
	run jq -r .error "$dead"
	assert_line --index 0 --partial "400 Bad Request"
	[ "$(accepted_ids)" = "$(printf '%016x\n%016x' 3 4)" ]
	# the cursor is past the dead letters
	run obs_export webhook --url "$FS_URL/x" -s spans
	assert_success
	assert_output ""
}

@test "500 is a rejection, not retried (only 429, 502, 503, 504 and connection errors are)" {
	gen_spans 1
	faultsrv_start "500,200"
	run obs_export webhook --url "$FS_URL" -s spans
	assert_failure 1
	assert_output --partial "500 Internal Server Error"
	[ "$(wc -l <"$FS_REC/log")" -eq 1 ]
}

@test "413 splits the batch in halves until the parts fit; each record arrives once" {
	gen_spans 8
	faultsrv_start "413,413,200"
	run obs_export webhook --url "$FS_URL" -v -s spans
	assert_success
	assert_output --partial "413: splitting 8 records in two"
	assert_output --partial "413: splitting 4 records in two"
	for k in 1 2 3 4 5; do
		n[$k]=$(grep -c . "$FS_REC/000$k.body")
	done
	[ "${n[*]}" = "8 4 2 2 4" ]
	[ "$(accepted_ids | tr '\n' ' ')" = "$(printf '%016x ' 1 2 3 4 5 6 7 8)" ]
}

@test "413 for a single record: dead-lettered" {
	gen_spans 2
	faultsrv_start "413"
	run obs_export webhook --url "$FS_URL" -s spans
	assert_failure 1
	assert_output --partial "413 Content Too Large"
	assert_output --partial "2 records dead-lettered"
	[ "$(wc -l <"$FS_REC/log")" -eq 3 ]
}

@test "kill -9 in the middle of a run, then a rerun: nothing lost, duplicates at most one batch" {
	gen_spans 1000
	faultsrv_start "stall:0.15"
	"$OBS_BIN/obs-export" webhook --name t --url "$FS_URL" --batch 50 -s spans </dev/null 2>/dev/null &
	pid=$!
	for _ in $(seq 200); do
		[ -f "$FS_REC/log" ] && [ "$(wc -l <"$FS_REC/log")" -ge 4 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	first=$(accepted_ids | wc -l)
	[ "$first" -ge 150 ] && [ "$first" -lt 1000 ]
	faultsrv_stop
	all1=$(accepted_ids)
	faultsrv_start "200" "$BATS_TEST_TMPDIR/rec2"
	run obs_export webhook --name t --url "$FS_URL" --batch 50 -s spans
	assert_success
	all=$( (echo "$all1"; accepted_ids) | grep .)
	[ "$(echo "$all" | sort -u | wc -l)" -eq 1000 ]
	dups=$(( $(echo "$all" | wc -l) - 1000 ))
	echo "duplicates: $dups"
	[ "$dups" -le 50 ]
}

@test "--follow sends records as they are stored, and flushes and saves the cursor on SIGTERM" {
	faultsrv_start "200"
	"$OBS_BIN/obs-export" webhook --url "$FS_URL" -f --poll-interval 100ms \
		--flush-interval 200ms -s spans </dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 0.3
	gen_spans 10
	for _ in $(seq 100); do [ "$(accepted_ids | wc -l)" -ge 10 ] && break; sleep 0.05; done
	[ "$(accepted_ids | wc -l)" -eq 10 ]
	# a new day's segment, then records that stay in a partial batch until SIGTERM
	gen_spans 5 11 2099-01-01
	for _ in $(seq 100); do [ "$(accepted_ids | wc -l)" -ge 15 ] && break; sleep 0.05; done
	[ "$(accepted_ids | wc -l)" -eq 15 ]
	kill -TERM "$pid"
	wait "$pid"
	[ "$(accepted_ids | sort -u | wc -l)" -eq 15 ]
	run obs_export webhook --url "$FS_URL" -s spans
	assert_success
	[ "$(accepted_ids | wc -l)" -eq 15 ]
}

@test "--follow: a partial batch waits for its flush interval, SIGTERM sends it" {
	faultsrv_start "200"
	"$OBS_BIN/obs-export" webhook --url "$FS_URL" -f --poll-interval 100ms \
		--flush-interval 1h -s spans </dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	gen_spans 7
	sleep 1
	[ "$(accepted_ids | wc -l)" -eq 0 ]
	kill -INT "$pid"
	wait "$pid"
	[ "$(accepted_ids | wc -l)" -eq 7 ]
	grep -q '"offset":' "$(cursor_file)"
}

@test "--follow keeps trying while the backend is down, and catches up" {
	gen_spans 5
	faultsrv_start "down:2,200"
	"$OBS_BIN/obs-export" webhook --url "$FS_URL" -f --poll-interval 100ms --flush-interval 100ms \
		--retry-deadline 500ms "${FAST[@]}" -s spans </dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	for _ in $(seq 100); do [ "$(accepted_ids | wc -l)" -ge 5 ] && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid"
	[ "$(accepted_ids | wc -l)" -eq 5 ]
	grep -q "trying again in 0s" "$BATS_TEST_TMPDIR/err"
}

@test "secrets never appear: headers, URL user info and query, webhook paths, echoed in answers, with -v" {
	gen_spans 2
	printf 'Authorization: Bearer tok-SECRET-1234\n' >"$BATS_TEST_TMPDIR/headers"
	printf 'bad key key-SECRET-9012, bad token tok-SECRET-1234, user pw-SECRET-5678\n' \
		>"$BATS_TEST_TMPDIR/echo.txt"
	faultsrv_start "503:0,400=$BATS_TEST_TMPDIR/echo.txt"
	url="http://user:pw-SECRET-5678@127.0.0.1:$FS_PORT/hook/path-SECRET-0000?api_key=key-SECRET-9012"
	run obs_export webhook --url "$url" --header-file "$BATS_TEST_TMPDIR/headers" -v "${FAST[@]}" -s spans
	assert_failure 1
	echo "$output"
	[[ "$output" != *SECRET* ]]
	assert_output --partial "http://127.0.0.1:$FS_PORT/***"
	run ! grep -rq SECRET "$OBS_HOME/state"
	run ! sh -c "ls -R '$OBS_HOME/state' | grep -q SECRET"
	# the server did get them
	grep -q "Authorization: Bearer tok-SECRET-1234" "$FS_REC/0001.head"
	# a malformed header never echoes its value
	run obs_export webhook --url "$FS_URL" --header "X-Key=val-SECRET
x" -s spans
	assert_failure 2
	[[ "$output" != *SECRET* ]]
	run obs_export webhook --url "$FS_URL" --header "tok-SECRET-1" -s spans
	assert_failure 2
	[[ "$output" != *SECRET* ]]
}

@test "secrets from the environment: Splunk token and Datadog key stay hidden with -v" {
	mkdir -p "$OBS_HOME/logs" "$OBS_HOME/metrics"
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	echo "{\"type\":\"log\",\"time\":\"$now\",\"level\":\"info\",\"msg\":\"hi\",\"service\":\"a\"}" \
		>"$OBS_HOME/logs/$(date -u +%F).ndjson"
	printf 'echo tok-SECRET-77\n' >"$BATS_TEST_TMPDIR/echo1.txt"
	printf 'echo key-SECRET-88\n' >"$BATS_TEST_TMPDIR/echo2.txt"
	faultsrv_start "401=$BATS_TEST_TMPDIR/echo1.txt,403=$BATS_TEST_TMPDIR/echo2.txt"
	SPLUNK_HEC_TOKEN=tok-SECRET-77 run obs_export splunk --url "$FS_URL" -v
	assert_failure 1
	[[ "$output" != *SECRET* ]]
	DD_API_KEY=key-SECRET-88 run obs_export datadog --url "$FS_URL" -v -s logs
	assert_failure 1
	[[ "$output" != *SECRET* ]]
	run ! grep -rq SECRET "$OBS_HOME/state"
	grep -q "Authorization: Splunk tok-SECRET-77" "$FS_REC/0001.head"
	grep -q "DD-API-KEY: key-SECRET-88" "$FS_REC/0002.head"
}

@test "secrets of OTLP headers from the environment stay out of messages and dead letters" {
	gen_spans 1
	printf 'rejected: api-key=key-SECRET-4242 is not valid\n' >"$BATS_TEST_TMPDIR/echo.txt"
	faultsrv_start "401=$BATS_TEST_TMPDIR/echo.txt"
	OTEL_EXPORTER_OTLP_TRACES_HEADERS="api-key=key-SECRET-4242" \
		run obs_export otlp --url "$FS_URL" -s spans -v
	assert_failure 1
	[[ "$output" != *SECRET* ]]
	assert_output --partial "401 Unauthorized: rejected: api-key=*** is not valid"
	run ! grep -rq SECRET "$OBS_HOME/state"
	grep -q "^api-key: key-SECRET-4242" "$FS_REC/0001.head"
}

# ---- one batch in flight while the next is encoded (the sender thread) -------------

# Span ids of the OTLP protobuf bodies the server accepted, in order.
otlp_ids() {
	local dir=${1:-$FS_REC}
	[ -f "$dir/log" ] || return 0
	awk '$4 == "200" || $4 ~ /^stall/ { print $1 }' "$dir/log" | while read -r k; do
		"$OBS_TEST_HELPERS/otlp_decode" traces "$dir/$k.body" |
			grep -o '"span_id":"[0-9a-f]*"' | cut -d'"' -f4
	done
}

@test "otlp: the sink fails while the next batch is encoded, then recovers: every span once, in order" {
	gen_spans 100
	faultsrv_start "200,503,503,200,429:0,200,reset,200,502,200"
	run obs_export otlp --url "$FS_URL" -s spans --batch 10 "${FAST[@]}"
	assert_success
	assert_output --regexp "100 records sent \(.* in 10 requests\), [1-9][0-9]* retr(y|ies), 0 dead-lettered"
	[ "$(otlp_ids | tr '\n' ' ')" = "$(printf '%016x ' $(seq 100))" ]
	run obs_export otlp --url "$FS_URL" -s spans --batch 10
	assert_success
	[ "$(otlp_ids | wc -l)" -eq 100 ]
}

@test "otlp: gave up with the next batch encoded: exit 3, cursor after the last acknowledged batch; the rerun sends the rest once" {
	gen_spans 100
	faultsrv_start "200,200,503"
	run obs_export otlp --name p --url "$FS_URL" -s spans --batch 10 --retry-deadline 500ms "${FAST[@]}"
	assert_failure 3
	assert_output --partial "20 records sent"
	assert_output --partial "otlp: gave up: the cursor stays after the last acknowledged batch"
	faultsrv_stop
	faultsrv_start "200" "$BATS_TEST_TMPDIR/rec2"
	run obs_export otlp --name p --url "$FS_URL" -s spans --batch 10
	assert_success
	[ "$(otlp_ids | tr '\n' ' ')" = "$(printf '%016x ' $(seq 21 100))" ]
}

@test "otlp: a 413 split is encoded again while the next batch waits: each span once, in order" {
	gen_spans 40
	faultsrv_start "200,413,200,200,200,200"
	run obs_export otlp --url "$FS_URL" -s spans --batch 10 -v
	assert_success
	assert_output --partial "413: splitting 10 records in two"
	for k in 1 2 3 4 5 6; do
		n[$k]=$("$OBS_TEST_HELPERS/otlp_decode" traces "$FS_REC/000$k.body" | grep -c .)
	done
	[ "${n[*]}" = "10 10 5 5 10 10" ]
	[ "$(otlp_ids | tr '\n' ' ')" = "$(printf '%016x ' $(seq 40))" ]
}

@test "otlp: kill -9 in the middle of a run, then a rerun: nothing lost, duplicates at most one batch" {
	gen_spans 1000
	faultsrv_start "stall:0.15"
	"$OBS_BIN/obs-export" otlp --name k --url "$FS_URL" --batch 50 -s spans </dev/null 2>/dev/null &
	pid=$!
	for _ in $(seq 200); do
		[ -f "$FS_REC/log" ] && [ "$(wc -l <"$FS_REC/log")" -ge 4 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	faultsrv_stop
	first=$(otlp_ids)
	[ "$(echo "$first" | grep -c .)" -ge 150 ]
	faultsrv_start "200" "$BATS_TEST_TMPDIR/rec2"
	run obs_export otlp --name k --url "$FS_URL" --batch 50 -s spans
	assert_success
	all=$( (echo "$first"; otlp_ids) | grep .)
	[ "$(echo "$all" | sort -u | wc -l)" -eq 1000 ]
	dups=$(( $(echo "$all" | wc -l) - 1000 ))
	echo "duplicates: $dups"
	[ "$dups" -le 50 ]
}

@test "a pipe: gave up with the next batch read: the records read but not delivered are counted" {
	gen_spans 50
	faultsrv_start "200,503"
	run sh -c "'$OBS_BIN/obs-export' webhook --url '$FS_URL' --batch 10 --retry-deadline 300ms \
		--retry-initial 50ms --retry-max 100ms <'$OBS_HOME/spans/$(date -u +%Y-%m-%d).ndjson'"
	assert_failure 3
	assert_output --partial "10 records sent"
	assert_output --partial "webhook: 20 records read but not delivered"
	[ "$(accepted_ids | wc -l)" -eq 10 ]
}

@test "--follow: SIGTERM while the sender waits for a backend that is down: it stops, the cursor after the last acknowledged batch" {
	gen_spans 20
	faultsrv_start "200,503"
	"$OBS_BIN/obs-export" webhook --name f --url "$FS_URL" -f --batch 5 --poll-interval 100ms \
		--retry-deadline 300ms --retry-initial 50ms --retry-max 1h -s spans \
		</dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	for _ in $(seq 200); do
		grep -q "trying again in 3600s" "$BATS_TEST_TMPDIR/err" && break
		sleep 0.05
	done
	grep -q "trying again in 3600s" "$BATS_TEST_TMPDIR/err"
	kill -TERM "$pid"
	# It must not wait out the hour (a liveness bound, not a speed one).
	for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"
		false
	fi
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 3 ]
	grep -q "webhook: gave up: the cursor stays after the last acknowledged batch" "$BATS_TEST_TMPDIR/err"
	faultsrv_stop
	faultsrv_start "200" "$BATS_TEST_TMPDIR/rec2"
	run obs_export webhook --name f --url "$FS_URL" --batch 5 -s spans
	assert_success
	[ "$(accepted_ids | tr '\n' ' ')" = "$(printf '%016x ' $(seq 6 20))" ]
}
