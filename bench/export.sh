#!/bin/sh
# SPDX-License-Identifier: MIT
# obs-export otlp of a store of N spans to a local sink: spans/s, CPU time, peak RSS, per encoding.
#
#   bench/export.sh                  1,000,000 spans
#   SPANS=200000 bench/export.sh     smaller
#
# The store is made by gen-spans.py; the sink is faultsrv (plan 200, no
# recording) on 127.0.0.1, which checks gzip bodies by inflating them: it
# shares the 2 cores with obs-export, so obs-export's own CPU time
# (user+sys, from GNU time) is reported next to wall time. Each run starts
# from an empty cursor (--reset-cursor) and reads the whole store. Goal:
# >= 200,000 spans/s for protobuf+gzip, memory flat (peak RSS independent
# of the number of spans).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BIN=${OBS_BIN:-$here/../build/bin}
HELPERS=${OBS_TEST_HELPERS:-$here/../build/tests/helpers}
SPANS=${SPANS:-1000000}
TIME=/usr/bin/time

[ -x "$BIN/obs-export" ] || { echo "export.sh: no $BIN/obs-export; run make first" >&2; exit 2; }
[ -x "$HELPERS/faultsrv" ] || { echo "export.sh: no $HELPERS/faultsrv; run make first" >&2; exit 2; }
[ -x "$TIME" ] || { echo "export.sh: GNU time is missing (apt-get install time)" >&2; exit 2; }

dir=$(mktemp -d /tmp/obs-bench-export.XXXXXX)
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT INT TERM
export LC_ALL=C.UTF-8 OBS_HOME="$dir/store"

echo "generating $SPANS spans ..."
python3 "$here/gen-spans.py" --spans "$SPANS" --days 1 --out "$dir/store" >/dev/null
bytes=$(cat "$dir"/store/spans/*.ndjson | wc -c)
echo "store: $SPANS spans, $(awk "BEGIN { printf \"%.0f\", $bytes / 1048576 }") MiB"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$dir"/store/spans/*.ndjson >/dev/null   # warm the page cache

"$HELPERS/faultsrv" --plan 200 >"$dir/port" 2>"$dir/srv.err" &
srv=$!
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(head -n 1 "$dir/port")"

printf '\n%-24s %8s %8s %11s %12s %9s %9s\n' "encoding" "wall s" "cpu s" "spans/s" "spans/cpu-s" "RSS MiB" "requests"
run() {
	label=$1
	shift
	$TIME -f '%e %U %S %M' -o "$dir/time" "$BIN/obs-export" otlp --url "$url" -s spans \
		--reset-cursor -v "$@" </dev/null 2>"$dir/err" || { tail -n 5 "$dir/err" >&2; exit 3; }
	sent=$(sed -n 's/.*: \([0-9]*\) records\{0,1\} sent (.* in \([0-9]*\) requests\{0,1\}).*/\1 \2/p' "$dir/err")
	set -- $(cat "$dir/time") $sent
	[ "$5" = "$SPANS" ] || { echo "export.sh: $5 spans sent, not $SPANS" >&2; exit 3; }
	awk -v l="$label" -v w="$1" -v u="$2" -v s="$3" -v m="$4" -v n="$5" -v r="$6" 'BEGIN {
		printf "%-24s %8.2f %8.2f %11.0f %12.0f %9.1f %9d\n", l, w, u + s, n / w, n / (u + s),
			m / 1024, r }'
}
run "protobuf + gzip" --protocol http/protobuf
run "protobuf" --protocol http/protobuf --compression none
run "json + gzip" --protocol http/json
run "json" --protocol http/json --compression none
echo
echo "goal: protobuf + gzip >= 200000 spans/s, peak RSS flat"
