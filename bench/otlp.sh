#!/bin/sh
# SPDX-License-Identifier: MIT
# Encode span records into OTLP/HTTP request bodies: protobuf and JSON, with and without gzip.
#
#   bench/otlp.sh                  1,000,000 spans, batches of 512
#   SPANS=200000 bench/otlp.sh     smaller
#   BATCH=2048 bench/otlp.sh       other batch size
#
# The encoder is lib/obs_otlp.c driven by the test helper otlp_encode
# (build/tests/helpers), which reads NDJSON records on stdin, encodes each
# BATCH records into one body, gzips it when asked (zlib, level 1 or 6, the
# default) and writes the bodies to /dev/null. Every configuration runs
# once; wall time, CPU time (user+sys: the machine is shared) and peak RSS
# are reported. Goal: >= 200,000 spans/s for protobuf+gzip.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
HELPERS=${OBS_TEST_HELPERS:-$here/../build/tests/helpers}
SPANS=${SPANS:-1000000}
BATCH=${BATCH:-512}
TIME=/usr/bin/time

[ -x "$HELPERS/otlp_encode" ] || { echo "otlp.sh: no $HELPERS/otlp_encode; run make first" >&2; exit 2; }
[ -x "$TIME" ] || { echo "otlp.sh: GNU time is missing (apt-get install time)" >&2; exit 2; }

dir=$(mktemp -d /tmp/obs-bench-otlp.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT INT TERM
export LC_ALL=C.UTF-8

echo "generating $SPANS spans ..."
python3 "$here/gen-spans.py" --spans "$SPANS" --days 1 --out "$dir/store" >/dev/null
cat "$dir"/store/spans/*.ndjson >"$dir/spans.ndjson"
rm -rf "$dir/store"
bytes=$(wc -c <"$dir/spans.ndjson")
n=$(wc -l <"$dir/spans.ndjson")
echo "input: $n spans, $(awk "BEGIN { printf \"%.0f\", $bytes / 1048576 }") MiB ($(awk "BEGIN { printf \"%.0f\", $bytes / $n }") bytes/span); batches of $BATCH"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$dir/spans.ndjson" >/dev/null   # warm the page cache

printf '\n%-26s %8s %8s %11s %11s %9s %10s\n' "encoding" "wall s" "cpu s" "spans/s" "spans/cpu-s" "RSS MiB" "out B/span"
run() {
	label=$1
	shift
	$TIME -f '%e %U %S %M' -o "$dir/time" "$HELPERS/otlp_encode" -b "$BATCH" -s "$@" /dev/null \
		<"$dir/spans.ndjson" 2>"$dir/stats" || { cat "$dir/stats" >&2; exit 3; }
	set -- $(cat "$dir/time")
	out=$(awk '/^records/ { print $6 }' "$dir/stats")
	awk -v l="$label" -v w="$1" -v u="$2" -v s="$3" -v m="$4" -v n="$n" -v o="$out" 'BEGIN {
		printf "%-26s %8.2f %8.2f %11.0f %11.0f %9.1f %10.0f\n", l, w, u + s, n / w, n / (u + s),
			m / 1024, o / n }'
}
run "protobuf" traces http/protobuf
run "protobuf + gzip -1" -z 1 traces http/protobuf
run "protobuf + gzip -6" -z 6 traces http/protobuf
run "json" traces http/json
run "json + gzip -1" -z 1 traces http/json
t=$($TIME -f '%e' gzip -1 -c "$dir/spans.ndjson" 2>&1 >/dev/null | tail -n 1)
printf '%-26s %8s   (the NDJSON input itself, for scale)\n' "gzip -1 of the input" "$t"
echo
echo "goal: protobuf + gzip >= 200000 spans/s"
