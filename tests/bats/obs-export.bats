#!/usr/bin/env bats
# obs-export: cursors, input, options, and what each destination sends (recorded by faultsrv).

bats_require_minimum_version 1.5.0
load common

setup() { obs_setup; }
teardown() { faultsrv_stop; }

today() { date -u +%Y-%m-%d; }

# A log record and metric records of today in the store.
gen_logs() {
	mkdir -p "$OBS_HOME/logs"
	cat >>"$OBS_HOME/logs/$(today).ndjson" <<EOF
{"type":"log","time":"$(today)T08:00:00.250000000Z","level":"info","msg":"user logged in","service":"api","user":"bob"}
{"type":"log","time":"$(today)T08:00:01.000000000Z","level":"error","msg":"disk full","service":"db","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}
EOF
}

gen_metrics() {
	mkdir -p "$OBS_HOME/metrics"
	cat >>"$OBS_HOME/metrics/$(today).ndjson" <<EOF
{"type":"metric","name":"jobs_total","metric_type":"counter","value":2,"labels":{"queue":"a"},"time":"$(today)T08:00:00Z"}
{"type":"metric","name":"jobs_total","metric_type":"counter","value":3,"labels":{"queue":"a"},"time":"$(today)T08:00:01Z"}
{"type":"metric","name":"temp_celsius","metric_type":"gauge","value":21.5,"labels":{"room":"lab"},"time":"$(today)T08:00:02Z"}
{"type":"metric","name":"build_seconds","metric_type":"histogram","value":0.3,"labels":{},"time":"$(today)T08:00:03Z"}
EOF
}

# ---- general ---------------------------------------------------------------------

@test "obs-export --help lists the destinations; each has --help" {
	run "$OBS_BIN/obs-export" --help
	assert_success
	for c in otlp pushgateway remote-write loki elasticsearch splunk datadog zipkin webhook file; do
		assert_output --partial "  $c "
		run "$OBS_BIN/obs-export" "$c" --help
		assert_success
		assert_line --index 0 --partial "usage: obs-export $c"
		assert_output --partial "Exit status: 0 everything delivered, 1 some records dead-lettered"
		run "$OBS_BIN/obs-export" --help
	done
}

@test "usage errors exit 2" {
	run obs_export webhook --url http://127.0.0.1:1 --batch 0
	assert_failure 2
	assert_output --partial "webhook: invalid batch size '0': expected a positive number"
	run obs_export webhook --url http://127.0.0.1:1 --batch-bytes 12q
	assert_failure 2
	run obs_export webhook --url http://127.0.0.1:1 --bogus
	assert_failure 2
	assert_output --partial "webhook: unknown option '--bogus'"
	run obs_export webhook --url http://127.0.0.1:1 --since yesterdayish
	assert_failure 2
	run obs_export webhook --url http://127.0.0.1:1 --name ../x
	assert_failure 2
	run obs_export zipkin -s logs
	assert_failure 2
	assert_output --partial "zipkin: invalid signal 'logs': expected spans"
	run obs_export webhook
	assert_failure 2
	assert_output --partial "webhook: no URL: give --url"
	run obs_export splunk
	assert_failure 2
	run obs_export splunk --url http://127.0.0.1:1
	assert_failure 2
	assert_output --partial "splunk: no HEC token: set SPLUNK_HEC_TOKEN or give a file"
	run obs_export datadog --url http://127.0.0.1:1
	assert_failure 2
	assert_output --partial "datadog: no API key: set DD_API_KEY or give a file"
	run obs_export remote-write --url http://127.0.0.1:1 --compression gzip
	assert_failure 2
	run obs_export webhook --url http://127.0.0.1:1 --cert a.pem
	assert_failure 2
	assert_output --partial "--cert and --key go together"
	run obs_export loki --line both
	assert_failure 2
	run obs_export pushgateway --group bad-name=x
	assert_failure 2
	run obs_export otlp --protocol grpc
	assert_failure 2
}

@test "the cursor: a second run sends nothing, then only what is new; --reset-cursor sends everything" {
	gen_spans 3
	faultsrv_start 200
	run obs_export webhook --url "$FS_URL" -s spans
	assert_success
	assert_output ""
	[ "$(accepted_ids | wc -l)" -eq 3 ]
	run obs_export webhook --url "$FS_URL" -s spans
	assert_success
	[ "$(wc -l <"$FS_REC/log")" -eq 1 ]
	gen_spans 2 4
	run obs_export webhook --url "$FS_URL" -s spans
	[ "$(accepted_ids | tail -n 2 | tr '\n' ' ')" = "0000000000000004 0000000000000005 " ]
	run obs_export webhook --url "$FS_URL" -s spans --reset-cursor
	assert_success
	[ "$(accepted_ids | wc -l)" -eq 10 ]
	# the cursor file says where it stands, and holds no secret
	f=$(ls "$OBS_HOME"/state/export/webhook-*/spans.json)
	run jq -r '[.version, .destination, .signal, (.segments[0].lineno|tostring)] | join(" ")' "$f"
	assert_output "1 webhook spans 5"
	[ "$(stat -c %a "$f")" = 600 ]
}

@test "a corrupt cursor file is reported, not a crash; --reset-cursor starts over" {
	gen_spans 2
	faultsrv_start 200
	run obs_export webhook --name c --url "$FS_URL" -s spans
	assert_success
	f="$OBS_HOME/state/export/c/spans.json"
	head -c 20 "$f" >"$f.cut" && mv "$f.cut" "$f"
	run obs_export webhook --name c --url "$FS_URL" -s spans
	assert_failure 3
	assert_output --partial "state file '$f' is corrupt: "
	assert_output --partial "(--reset-cursor starts over)"
	printf '\0\0\0\0' >"$f"
	run obs_export webhook --name c --url "$FS_URL" -s spans
	assert_failure 3
	assert_output --partial "is corrupt: contains NUL bytes"
	run obs_export webhook --name c --url "$FS_URL" -s spans --reset-cursor
	assert_success
	[ "$(accepted_ids | wc -l)" -eq 4 ]
}

@test "a segment compacted under the cursor (obs store compact) is not sent again; a late record is" {
	gen_spans 3 1 2026-11-10
	faultsrv_start 200
	run obs_export webhook --name k --url "$FS_URL" -s spans
	[ "$(accepted_ids | wc -l)" -eq 3 ]
	run "$OBS_BIN/obs" store compact
	assert_success
	[ -f "$OBS_HOME/spans/2026-11-10.ndjson.gz" ]
	[ ! -f "$OBS_HOME/spans/2026-11-10.ndjson" ]
	gen_spans 1 4 2026-11-10
	run obs_export webhook --name k --url "$FS_URL" -s spans
	assert_success
	assert_output ""
	[ "$(accepted_ids | tr '\n' ' ')" = "$(printf '%016x ' 1 2 3 4)" ]
	# compacted again: the .gz now holds both; nothing is sent twice
	run "$OBS_BIN/obs" store compact
	run obs_export webhook --name k --url "$FS_URL" -s spans
	assert_output ""
	[ "$(accepted_ids | wc -l)" -eq 4 ]
}

@test "a segment rewritten under the cursor is sent again, and the run says so" {
	gen_spans 2
	faultsrv_start 200
	run obs_export webhook --url "$FS_URL" -s spans
	seg="$OBS_HOME/spans/$(today).ndjson"
	sed -i 's/step 2/step X/' "$seg"
	run obs_export webhook --url "$FS_URL" -s spans
	assert_success
	assert_output --partial "'$seg' changed under the cursor (rewritten or truncated): reading it again from the start"
	[ "$(accepted_ids | wc -l)" -eq 4 ]
}

@test "--since skips older records and moves the cursor past them" {
	gen_spans 2 1 2026-01-10
	gen_spans 2 3
	faultsrv_start 200
	run obs_export webhook --url "$FS_URL" -s spans --since 2d -v
	assert_success
	assert_output --partial "2 records older than --since or of other signals not sent"
	[ "$(accepted_ids | tr '\n' ' ')" = "$(printf '%016x ' 3 4)" ]
	run obs_export webhook --url "$FS_URL" -s spans
	[ "$(accepted_ids | wc -l)" -eq 2 ]
}

@test "malformed lines are reported with file and line, skipped, and passed by the cursor" {
	gen_spans 1
	echo '{"type":"span", broken' >>"$OBS_HOME/spans/$(today).ndjson"
	gen_spans 1 2
	faultsrv_start 200
	run obs_export webhook --url "$FS_URL" -s spans
	assert_success
	assert_output --partial "/spans/$(today).ndjson:2: invalid JSON at byte"
	assert_output --partial "2 records sent (646 B in 1 request), 0 retries, 0 dead-lettered, 1 skipped"
	run obs_export webhook --url "$FS_URL" -s spans
	assert_output ""
}

@test "a pipe or files are read instead of the store, routed by record type, without a cursor" {
	gen_spans 2
	gen_logs
	faultsrv_start 200
	cat "$OBS_HOME/spans/$(today).ndjson" "$OBS_HOME/logs/$(today).ndjson" >"$BATS_TEST_TMPDIR/in.ndjson"
	run sh -c "cat '$BATS_TEST_TMPDIR/in.ndjson' | '$OBS_BIN/obs-export' otlp --url '$FS_URL' --protocol http/json"
	assert_success
	run awk '{print $3}' "$FS_REC/log"
	assert_output "/v1/traces
/v1/logs"
	[ ! -d "$OBS_HOME/state/export" ]
	# files named: the same; a record of a signal the destination does not take is reported
	run "$OBS_BIN/obs-export" zipkin --url "$FS_URL" "$BATS_TEST_TMPDIR/in.ndjson"
	assert_success
	assert_output --partial "in.ndjson:3: not a span record"
	run "$OBS_BIN/obs-export" zipkin --url "$FS_URL" "$BATS_TEST_TMPDIR/missing.ndjson"
	assert_failure 3
	assert_output --partial "cannot open '$BATS_TEST_TMPDIR/missing.ndjson'"
}

@test "a pipe's partial batch is sent after --flush-interval, not held until the end" {
	faultsrv_start 200
	gen_spans 2
	f="$OBS_HOME/spans/$(today).ndjson"
	run sh -c "(head -n 1 '$f'; sleep 1.2; tail -n 1 '$f') | '$OBS_BIN/obs-export' webhook --url '$FS_URL' --flush-interval 200ms"
	assert_success
	[ "$(wc -l <"$FS_REC/log")" -eq 2 ]
}

@test "another run for the same destination is refused while one holds it" {
	gen_spans 1
	faultsrv_start 200
	run obs_export webhook --name busy --url "$FS_URL" -s spans
	flock "$OBS_HOME/state/export/busy/lock" sleep 2 &
	holder=$!
	sleep 0.3
	run obs_export webhook --name busy --url "$FS_URL" -s spans
	assert_failure 3
	assert_output --partial "webhook: destination 'busy' is busy: another obs-export holds '$OBS_HOME/state/export/busy/lock'"
	wait "$holder"
}

@test "a progress bar on a terminal" {
	command -v script >/dev/null || skip "no script(1)"
	gen_spans 2000
	faultsrv_start 200
	run script -qec "OBS_HOME='$OBS_HOME' '$OBS_BIN/obs-export' webhook --url '$FS_URL' --batch 100 -s spans </dev/null" /dev/null
	assert_success
	assert_output --partial "webhook spans: 100%"
	assert_output --partial "2000 records sent"
}

# ---- destinations ------------------------------------------------------------------

@test "otlp: protobuf bodies decode back to the records; gzip; resource from OTEL_RESOURCE_ATTRIBUTES" {
	gen_spans 3
	gen_logs
	gen_metrics
	faultsrv_start 200
	OTEL_RESOURCE_ATTRIBUTES=deployment.environment=prod run obs_export otlp --url "$FS_URL"
	assert_success
	run awk '{print $2, $3}' "$FS_REC/log"
	assert_output "POST /v1/traces
POST /v1/metrics
POST /v1/logs"
	grep -q "^Content-Encoding: gzip" "$FS_REC/0001.head"
	grep -q "^Content-Type: application/x-protobuf" "$FS_REC/0001.head"
	run "$OBS_TEST_HELPERS/otlp_decode" traces "$FS_REC/0001.body"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	run sh -c "'$OBS_TEST_HELPERS/otlp_decode' traces '$FS_REC/0001.body' | jq -r '[.span_id, .name, .service, .start, .end, .resource[\"deployment.environment\"], (.attributes.n|tostring)] | join(\" \")'"
	assert_line --index 0 "0000000000000001 step 1 svc $(today)T10:00:00.000000000Z $(today)T10:00:01.500000000Z prod 1"
	run sh -c "'$OBS_TEST_HELPERS/otlp_decode' logs '$FS_REC/0003.body' | jq -r '[.level, .msg, .service, (.trace_id // \"-\")] | join(\" \")'"
	assert_output "info user logged in api -
error disk full db 4bf92f3577b34da6a3ce929d0e0e4736"
	run sh -c "'$OBS_TEST_HELPERS/otlp_decode' metrics '$FS_REC/0002.body' | jq -r '[.name, (.value|tostring)] | join(\" \")' | sort"
	assert_line "temp_celsius 21.5"
}

@test "otlp: http/json bodies read back by obs-trace import" {
	gen_spans 2
	faultsrv_start 200
	run obs_export otlp --url "$FS_URL" --protocol http/json -s traces --compression none
	assert_success
	grep -q "^Content-Type: application/json" "$FS_REC/0001.head"
	run ! grep -q "^Content-Encoding" "$FS_REC/0001.head"
	run sh -c "'$OBS_BIN/obs-trace' import --format otlp --stdout '$FS_REC/0001.body' | jq -r '.span_id + \" \" + .end'"
	assert_output "0000000000000001 $(today)T10:00:01.500000000Z
0000000000000002 $(today)T10:00:01.500000000Z"
}

@test "otlp: the OTEL_EXPORTER_OTLP_* variables" {
	gen_spans 1
	gen_logs
	faultsrv_start 200
	OTEL_EXPORTER_OTLP_ENDPOINT="$FS_URL/base/" \
	OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="$FS_URL/custom/logs/path" \
	OTEL_EXPORTER_OTLP_HEADERS="x-api-key=abc%20def,x-tenant=t1" \
	OTEL_EXPORTER_OTLP_TRACES_HEADERS="x-only-traces=1" \
	OTEL_EXPORTER_OTLP_PROTOCOL=http/json \
	OTEL_EXPORTER_OTLP_COMPRESSION=none \
	OTEL_EXPORTER_OTLP_TIMEOUT=5000 \
		run obs_export otlp -s spans,logs
	assert_success
	run awk '{print $3}' "$FS_REC/log"
	assert_output "/base/v1/traces
/custom/logs/path"
	# a per-signal variable wins over the generic one, as the specification says
	grep -q "^x-api-key: abc def" "$FS_REC/0002.head"
	grep -q "^x-tenant: t1" "$FS_REC/0002.head"
	grep -q "^x-only-traces: 1" "$FS_REC/0001.head"
	run ! grep -q "^x-api-key" "$FS_REC/0001.head"
	run ! grep -q "^x-only-traces" "$FS_REC/0002.head"
	grep -q "^Content-Type: application/json" "$FS_REC/0002.head"
	run ! grep -q "^Content-Encoding" "$FS_REC/0001.head"
	# command-line options win over the variables
	OTEL_EXPORTER_OTLP_ENDPOINT="$FS_URL/base" OTEL_EXPORTER_OTLP_PROTOCOL=http/json \
		run obs_export otlp --url "$FS_URL/cli" --protocol http/protobuf -s spans --reset-cursor
	[ "$(awk 'END {print $3}' "$FS_REC/log")" = /cli/v1/traces ]
	OTEL_EXPORTER_OTLP_PROTOCOL=grpc run obs_export otlp -s spans
	assert_failure 2
	assert_output --partial "gRPC is not supported"
	OTEL_EXPORTER_OTLP_TIMEOUT=5s run obs_export otlp -s spans --url "$FS_URL"
	assert_failure 2
	assert_output --partial "invalid OTEL_EXPORTER_OTLP_TIMEOUT '5s': expected milliseconds"
	OTEL_EXPORTER_OTLP_CERTIFICATE=/nonexistent.pem run obs_export otlp -s spans --url https://127.0.0.1:1 --reset-cursor
	assert_failure 3
	assert_output --partial "cannot read CA file '/nonexistent.pem'"
}

@test "otlp: a partial success is reported" {
	gen_spans 2
	printf '{"partialSuccess":{"rejectedSpans":"1","errorMessage":"span 2 too old"}}' >"$BATS_TEST_TMPDIR/ps.json"
	faultsrv_start "200=$BATS_TEST_TMPDIR/ps.json" "" --content-type application/json
	run obs_export otlp --url "$FS_URL" -s spans
	assert_success
	assert_output --partial "otlp: the backend accepted the request but rejected 1 record: span 2 too old"
}

@test "file: OpenTelemetry file-exporter lines that obs-trace import reads back" {
	gen_spans 3
	run obs_export file --output "$BATS_TEST_TMPDIR/out.jsonl" -s spans --batch 2
	assert_success
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out.jsonl")" -eq 2 ]
	run sh -c "'$OBS_BIN/obs-trace' import --format otlp --stdout '$BATS_TEST_TMPDIR/out.jsonl' | jq -r .span_id"
	assert_output "$(printf '%016x\n' 1 2 3)"
	run obs_export file --output "$BATS_TEST_TMPDIR/out.jsonl" -s spans
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out.jsonl")" -eq 2 ]
	"$OBS_BIN/obs-export" file -s spans <"$OBS_HOME/spans/$(today).ndjson" >"$BATS_TEST_TMPDIR/stdout.jsonl"
	run head -c 16 "$BATS_TEST_TMPDIR/stdout.jsonl"
	assert_output '{"resourceSpans"'
}

@test "zipkin: v2 JSON that obs-trace import reads back to the same spans" {
	mkdir -p "$OBS_HOME/spans"
	cat >"$OBS_HOME/spans/$(today).ndjson" <<EOF
{"type":"span","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","name":"GET /x","service":"web","kind":"server","start":"$(today)T10:00:00.000001000Z","end":"$(today)T10:00:00.250001000Z","duration_ms":250.0,"status":"error","status_message":"boom","attributes":{"http.method":"GET","network.peer.address":"10.0.0.2","network.peer.port":5432,"peer.service":"db"},"events":[{"time":"$(today)T10:00:00.100000000Z","name":"retry","attributes":{}}],"resource":{"service.name":"web","host.name":"h1"}}
{"type":"span","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b8","parent_span_id":"00f067aa0ba902b7","name":"q","service":"web","kind":"internal","start":"$(today)T10:00:00.000002000Z","end":"$(today)T10:00:00.000003000Z","duration_ms":0.001,"status":"ok","attributes":{},"events":[],"resource":{"service.name":"web"}}
EOF
	faultsrv_start 200
	run obs_export zipkin --url "$FS_URL"
	assert_success
	[ "$(awk '{print $3}' "$FS_REC/log")" = /api/v2/spans ]
	run jq -c '.[0] | [.kind, .timestamp, .duration, .localEndpoint, .remoteEndpoint, .tags.error, .tags["otel.status_code"], .tags["host.name"], .annotations]' "$FS_REC/0001.body"
	assert_output "[\"SERVER\",$(date -u -d "$(today)T10:00:00Z" +%s)000001,250000,{\"serviceName\":\"web\"},{\"serviceName\":\"db\",\"ipv4\":\"10.0.0.2\",\"port\":5432},\"boom\",\"ERROR\",\"h1\",[{\"timestamp\":$(date -u -d "$(today)T10:00:00Z" +%s)100000,\"value\":\"retry\"}]]"
	run sh -c "'$OBS_BIN/obs-trace' import --format zipkin --stdout '$FS_REC/0001.body' | jq -c '[.span_id, .parent_span_id, .name, .service, .kind, .start, .end, .status, .status_message, .attributes[\"peer.service\"], .events[0].name]'"
	assert_line --index 0 "[\"00f067aa0ba902b7\",null,\"GET /x\",\"web\",\"server\",\"$(today)T10:00:00.000001000Z\",\"$(today)T10:00:00.250001000Z\",\"error\",\"boom\",\"db\",\"retry\"]"
	assert_line --index 1 "[\"00f067aa0ba902b8\",\"00f067aa0ba902b7\",\"q\",\"web\",\"internal\",\"$(today)T10:00:00.000002000Z\",\"$(today)T10:00:00.000003000Z\",\"ok\",null,null,null]"
}

@test "loki: streams by label, nanosecond timestamps as strings, the record or its msg as the line" {
	gen_logs
	faultsrv_start 200
	run obs_export loki --url "$FS_URL" --header X-Scope-OrgID=team1
	assert_success
	[ "$(awk '{print $3}' "$FS_REC/log")" = /loki/api/v1/push ]
	grep -q "^Content-Encoding: gzip" "$FS_REC/0001.head"
	grep -q "^X-Scope-OrgID: team1" "$FS_REC/0001.head"
	run jq -c '.streams[] | [.stream, .values[0][0], (.values[0][1] | fromjson | .msg)]' "$FS_REC/0001.body"
	ns=$(date -u -d "$(today)T08:00:00Z" +%s)
	assert_output "[{\"job\":\"obs\",\"service\":\"api\",\"level\":\"info\"},\"${ns}250000000\",\"user logged in\"]
[{\"job\":\"obs\",\"service\":\"db\",\"level\":\"error\"},\"$((ns + 1))000000000\",\"disk full\"]"
	run obs_export loki --url "$FS_URL/" --label level --label user --static-label env=prod --line msg --reset-cursor
	assert_success
	run jq -c '.streams[] | [.stream, .values[0][1]]' "$FS_REC/0002.body"
	assert_output '[{"env":"prod","level":"info","user":"bob"},"user logged in"]
[{"env":"prod","level":"error"},"disk full"]'
}

@test "elasticsearch: _bulk with dated indices, @timestamp, content ids; per-item results" {
	gen_logs
	gen_logs
	cat >"$BATS_TEST_TMPDIR/bulk1.json" <<'EOF'
{"took":3,"errors":true,"items":[{"create":{"_index":"i","status":201}},{"create":{"_index":"i","status":409,"error":{"type":"version_conflict_engine_exception"}}},{"create":{"_index":"i","status":429,"error":{"type":"es_rejected_execution_exception"}}},{"create":{"_index":"i","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [user]"}}}]}
EOF
	printf '{"took":1,"errors":false,"items":[{"create":{"status":201}}]}' >"$BATS_TEST_TMPDIR/bulk2.json"
	faultsrv_start "200=$BATS_TEST_TMPDIR/bulk1.json,200=$BATS_TEST_TMPDIR/bulk2.json" "" --content-type application/json
	run obs_export elasticsearch --url "$FS_URL" --retry-initial 10ms
	assert_failure 1
	assert_output --partial "3 records sent (1.3 KiB in 2 requests), 1 retry, 1 dead-lettered"
	[ "$(awk '{print $3}' "$FS_REC/log" | sort -u)" = /_bulk ]
	grep -q "^Content-Type: application/x-ndjson" "$FS_REC/0001.head"
	run sed -n 1p "$FS_REC/0001.body"
	assert_output --regexp "^\{\"create\":\{\"_index\":\"obs-logs-$(date -u +%Y.%m.%d)\",\"_id\":\"[0-9a-f]{32}\"\}\}$"
	run sed -n 2p "$FS_REC/0001.body"
	assert_output "{\"@timestamp\":\"$(today)T08:00:00.250000000Z\",\"type\":\"log\",\"time\":\"$(today)T08:00:00.250000000Z\",\"level\":\"info\",\"msg\":\"user logged in\",\"service\":\"api\",\"user\":\"bob\"}"
	# the same record gets the same id (a resend is a conflict, not a copy)
	[ "$(sed -n 1p "$FS_REC/0001.body")" = "$(sed -n 5p "$FS_REC/0001.body")" ]
	# only the record the cluster could not take now is sent again
	[ "$(grep -c . "$FS_REC/0002.body")" -eq 2 ]
	[ "$(sed -n 2p "$FS_REC/0002.body")" = "$(sed -n 6p "$FS_REC/0001.body")" ]
	dead=$(ls "$OBS_HOME"/state/export/elasticsearch-*/dead-letter.ndjson)
	run jq -c '[.status, .error, .record.msg]' "$dead"
	assert_output '[400,"{\"type\":\"mapper_parsing_exception\",\"reason\":\"failed to parse field [user]\"}","disk full"]'
	run obs_export elasticsearch --url "$FS_URL" --index 'logs-{signal}-%Y' --op index --no-id --reset-cursor -s logs
	run sed -n 1p "$FS_REC/0003.body"
	assert_output "{\"index\":{\"_index\":\"logs-logs-$(date -u +%Y)\"}}"
}

@test "splunk: HEC events with time, source and the record" {
	gen_logs
	faultsrv_start 200
	SPLUNK_HEC_TOKEN=t0k run obs_export splunk --url "$FS_URL" --index main
	assert_success
	[ "$(awk '{print $3}' "$FS_REC/log")" = /services/collector/event ]
	grep -q "^Authorization: Splunk t0k" "$FS_REC/0001.head"
	run jq -c '[.time, .source, .sourcetype, .index, .event.msg]' "$FS_REC/0001.body"
	ns=$(date -u -d "$(today)T08:00:00Z" +%s)
	assert_output "[$ns.25,\"obs\",\"_json\",\"main\",\"user logged in\"]
[$((ns + 1)),\"obs\",\"_json\",\"main\",\"disk full\"]"
	printf 't1\n' >"$BATS_TEST_TMPDIR/token"
	run obs_export splunk --url "$FS_URL" --token-file "$BATS_TEST_TMPDIR/token" --reset-cursor
	grep -q "^Authorization: Splunk t1$" "$FS_REC/0002.head"
}

@test "datadog: metrics to the series API (counts and gauges), logs to the logs intake" {
	gen_logs
	gen_metrics
	faultsrv_start 202
	DD_API_KEY=k1 run obs_export datadog --url "$FS_URL" --tag env:ci
	assert_success
	assert_output --partial "metrics/$(today).ndjson:4: datadog: histogram observations are not sent (use otlp)"
	run awk '{print $3}' "$FS_REC/log"
	assert_output "/api/v2/series
/api/v2/logs"
	grep -q "^DD-API-KEY: k1" "$FS_REC/0001.head"
	run jq -c '.series[] | [.metric, .type, .points[0].value, .tags]' "$FS_REC/0001.body"
	assert_output '["jobs_total",1,2,["queue:a","env:ci"]]
["jobs_total",1,3,["queue:a","env:ci"]]
["temp_celsius",3,21.5,["room:lab","env:ci"]]'
	run jq -c '.[] | [.ddsource, .service, .status, .message, .ddtags, .user]' "$FS_REC/0002.body"
	assert_output '["obs","api","info","user logged in","env:ci","bob"]
["obs","db","error","disk full","env:ci",null]'
	DD_SITE=datadoghq.eu DD_API_KEY=k1 run obs_export datadog -v --retry-deadline 1ms --timeout 1ms --reset-cursor -s logs
	assert_output --partial "https://http-intake.logs.datadoghq.eu/api/v2/logs"
}

@test "pushgateway: /metrics/job/JOB/LABEL/VALUE with base64 for awkward values; PUT or POST; running totals" {
	gen_metrics
	faultsrv_start 200
	run obs_export pushgateway --url "$FS_URL" --job 'nightly/backup' --group instance=db1 --group path=/var/tmp --group empty=
	assert_success
	run awk '{print $2, $3}' "$FS_REC/log"
	assert_output "PUT /metrics/job@base64/bmlnaHRseS9iYWNrdXA=/instance/db1/path@base64/L3Zhci90bXA=/empty@base64/="
	grep -q "^Content-Type: text/plain; version=0.0.4" "$FS_REC/0001.head"
	run grep -v '^#' "$FS_REC/0001.body"
	assert_line 'jobs_total{queue="a"} 5'
	assert_line 'temp_celsius{room="lab"} 21.5'
	assert_line 'build_seconds_bucket{le="0.5"} 1'
	assert_line 'build_seconds_count 1'
	# more increments later: the push carries the running total
	echo "{\"type\":\"metric\",\"name\":\"jobs_total\",\"metric_type\":\"counter\",\"value\":1,\"labels\":{\"queue\":\"a\"},\"time\":\"$(today)T09:00:00Z\"}" >>"$OBS_HOME/metrics/$(today).ndjson"
	run obs_export pushgateway --url "$FS_URL" --job 'nightly/backup' --group instance=db1 --group path=/var/tmp --group empty= --method post
	assert_success
	[ "$(awk 'END {print $2}' "$FS_REC/log")" = POST ]
	grep -q '^jobs_total{queue="a"} 6$' "$FS_REC/0002.body"
	grep -q '^temp_celsius{room="lab"} 21.5$' "$FS_REC/0002.body"
}

@test "remote-write: snappy protobuf with the remote write headers" {
	gen_metrics
	faultsrv_start 204
	run obs_export remote-write --url "$FS_URL/api/v1/write"
	assert_success
	[ "$(awk '{print $3}' "$FS_REC/log")" = /api/v1/write ]
	grep -q "^Content-Encoding: snappy" "$FS_REC/0001.head"
	grep -q "^Content-Type: application/x-protobuf" "$FS_REC/0001.head"
	grep -q "^X-Prometheus-Remote-Write-Version: 0.1.0" "$FS_REC/0001.head"
	[ -s "$FS_REC/0001.body" ]
}

@test "webhook: NDJSON records; the URL may come from OBS_WEBHOOK_URL" {
	gen_spans 2
	faultsrv_start 200
	OBS_WEBHOOK_URL="$FS_URL/hooks/T000/B000/XXXX" run obs_export webhook -s spans -v
	assert_success
	assert_output --partial "sending to 'http://127.0.0.1:$FS_PORT/***'"
	[[ "$output" != *XXXX* ]]
	[ "$(awk '{print $3}' "$FS_REC/log")" = /hooks/T000/B000/XXXX ]
	grep -q "^Content-Type: application/x-ndjson" "$FS_REC/0001.head"
	cmp "$FS_REC/0001.body" "$OBS_HOME/spans/$(today).ndjson"
}
