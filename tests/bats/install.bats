#!/usr/bin/env bats
# make install / uninstall into a DESTDIR, and the CLI-level concurrency proof.

load common

top="$BATS_TEST_DIRNAME/../.."

setup() { obs_setup; }

@test "make install puts binaries, man pages, completions and share/ in place; uninstall removes them" {
	dest="$BATS_TEST_TMPDIR/dest"
	o=$(dirname "$OBS_BIN")
	run make -s -C "$top" O="$o" DESTDIR="$dest" PREFIX=/usr install
	assert_success
	[ -x "$dest/usr/bin/obs-trace" ]
	[ -f "$dest/usr/share/man/man1/obs-trace.1" ]
	[ -f "$dest/usr/share/bash-completion/completions/obs-trace" ]
	[ -f "$dest/usr/share/zsh/site-functions/_obs-trace" ]
	[ -f "$dest/usr/share/fish/vendor_completions.d/obs-trace.fish" ]
	[ -f "$dest/usr/share/obs/schema/span.schema.json" ]
	[ -x "$dest/usr/bin/obs-log" ]
	[ -f "$dest/usr/share/man/man1/obs-log.1" ]
	[ -f "$dest/usr/share/bash-completion/completions/obs-log" ]
	[ -f "$dest/usr/share/zsh/site-functions/_obs-log" ]
	[ -f "$dest/usr/share/fish/vendor_completions.d/obs-log.fish" ]
	[ -f "$dest/usr/share/obs/schema/log.schema.json" ]
	run "$dest/usr/bin/obs-trace" --version
	assert_success
	run make -s -C "$top" O="$o" DESTDIR="$dest" PREFIX=/usr uninstall
	assert_success
	[ ! -e "$dest/usr/bin/obs-trace" ]
	[ ! -e "$dest/usr/bin/obs-log" ]
	[ ! -e "$dest/usr/share/man/man1/obs-trace.1" ]
	[ ! -e "$dest/usr/share/obs" ]
}

# 500 Zipkin spans of trace N, with distinct ids.
zipkin_batch() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps([{"traceId": "%032x" % (n + 1), "id": "%016x" % (n * 1000 + i + 1),
                   "name": "step %d" % i, "timestamp": 1764000000000000 + i,
                   "duration": 1000, "localEndpoint": {"serviceName": "w%d" % n},
                   "tags": {"pad": "x" * 200}} for i in range(500)]))
PY
}

@test "32 processes importing 500 spans each at once leave exactly 16,000 valid lines" {
	for n in $(seq 0 31); do zipkin_batch "$n" >"$BATS_TEST_TMPDIR/z$n.json"; done
	for n in $(seq 0 31); do
		obs_trace import --format zipkin "$BATS_TEST_TMPDIR/z$n.json" &
	done
	wait
	run sh -c "cat '$OBS_HOME'/spans/*.ndjson | wc -l"
	assert_output 16000
	run sh -c "cat '$OBS_HOME'/spans/*.ndjson | jq -r .span_id | sort -u | wc -l"
	assert_output 16000
	run obs_trace query --strict "$OBS_HOME"/spans/*.ndjson -o ndjson
	assert_success
	[ "${#lines[@]}" -eq 16000 ]
}
