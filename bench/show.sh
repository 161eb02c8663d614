#!/bin/sh
# SPDX-License-Identifier: MIT
# Time `obs-trace show ID` (json and tree) on a store of 1,000,000 spans.
#
#   bench/show.sh                  uses build/bin, 1,000,000 spans over 4 days
#   SPANS=200000 bench/show.sh     smaller
#
# The trace shown (PROBE_SPANS spans in a random tree, default 2000) is in
# the middle of the data: show scans every
# segment (no --since/--until), rejecting lines by the raw bytes of the id.
# Each format runs 3 times; the best time counts. Goal: < 1 s.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OBS_BIN=${OBS_BIN:-$here/../build/bin}
SPANS=${SPANS:-1000000}
DAYS=${DAYS:-4}
PROBE_SPANS=${PROBE_SPANS:-2000}   # size of the trace shown
TIME=/usr/bin/time

[ -x "$OBS_BIN/obs-trace" ] || { echo "show.sh: no $OBS_BIN/obs-trace; run make first" >&2; exit 2; }
[ -x "$TIME" ] || { echo "show.sh: GNU time is missing (apt-get install time)" >&2; exit 2; }

dir=$(mktemp -d /tmp/obs-bench-show.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT INT TERM
export OBS_HOME="$dir/store" LC_ALL=C.UTF-8 COLUMNS=100 NO_COLOR=1

echo "generating $SPANS spans over $DAYS days in $OBS_HOME ..."
id=$(python3 "$here/gen-spans.py" --spans "$SPANS" --days "$DAYS" --out "$OBS_HOME" \
	--probe-spans "$PROBE_SPANS")
files=$(ls "$OBS_HOME"/spans/*.ndjson)
mb=$(cat $files | wc -c | awk '{printf "%.0f", $1 / 1048576}')
echo "store: $mb MiB, $(cat $files | wc -l) spans; trace $id"
cat $files >/dev/null   # warm the page cache

run() {
	b=""
	for i in 1 2 3; do
		$TIME -f '%e %M' -o "$dir/time" "$OBS_BIN/obs-trace" show "$@" "$id" >"$dir/out" </dev/null
		t=$(cut -d' ' -f1 "$dir/time")
		if [ -z "$b" ] || awk "BEGIN { exit !($t < $b) }"; then b=$t; rss=$(cut -d' ' -f2 "$dir/time"); fi
	done
	printf '%-32s %6s s   peak RSS %5.1f MiB\n' "obs-trace show $*" "$b" \
		"$(awk "BEGIN { print $rss / 1024 }")"
}

echo
run -o json
echo "  ($(jq .span_count "$dir/out") spans in the trace)"
run -o tree
t_grep=$($TIME -f '%e' grep -h "$id" $files 2>&1 >"$dir/out" | tail -n 1)
printf '%-32s %6s s\n' "grep ID (for scale)" "$t_grep"
echo
echo "goal: show < 1 s"
