# obs-export serve in tests: start it on a free loopback port, stop it, compare JSON.

# Start `obs-export serve --listen 127.0.0.1:0 ARGS...` in the background; sets
# SERVE_PID, SERVE_ADDR (the address it printed) and SERVE_URL. Its stderr
# goes to $BATS_TEST_TMPDIR/serve.err.
serve_start() {
	local out="$BATS_TEST_TMPDIR/serve.out" i
	: >"$out"
	"$OBS_BIN/obs-export" serve --listen 127.0.0.1:0 "$@" \
		>"$out" 2>"$BATS_TEST_TMPDIR/serve.err" 3>&- &
	SERVE_PID=$!
	for i in $(seq 200); do
		[ -s "$out" ] && break
		if ! kill -0 "$SERVE_PID" 2>/dev/null; then
			cat "$BATS_TEST_TMPDIR/serve.err" >&2
			SERVE_PID=
			return 1
		fi
		sleep 0.05
	done
	SERVE_ADDR=$(head -n 1 "$out")
	SERVE_URL="http://$SERVE_ADDR"
	[ -n "$SERVE_ADDR" ]
}

# Stop it with SIGTERM and wait; SERVE_STATUS gets its exit status.
serve_stop() {
	SERVE_STATUS=
	if [ -n "${SERVE_PID:-}" ]; then
		kill -TERM "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" && SERVE_STATUS=0 || SERVE_STATUS=$?
		SERVE_PID=
	fi
}

# Fail unless JSON values GOT and WANT are equal (key order aside), showing both.
assert_json_equal() {
	if ! jq -en --argjson a "$1" --argjson b "$2" '$a == $b' >/dev/null; then
		printf 'got:  %s\nwant: %s\n' "$(jq -cS . <<<"$1")" "$(jq -cS . <<<"$2")" >&2
		return 1
	fi
}

# The records of SIGNAL ("spans", "metrics", "logs") in the store, as one JSON array.
store_records() {
	cat "$OBS_HOME/$1"/*.ndjson 2>/dev/null | jq -cs .
}
