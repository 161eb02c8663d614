#!/bin/sh
# SPDX-License-Identifier: MIT
# Time `obs-trace query --status error` against grep and jq on the same store, with ratios.
#
#   bench/query.sh                 uses build/bin, 1,200,000 spans (~540 MB, 4 days)
#   SPANS=300000 bench/query.sh    smaller
#   OBS_BIN=... KEEP=1 ...         other binaries; keep the data in /tmp
#
# jq is slow: it runs on a ~100 MB subset and its time is scaled to the
# whole store (said so in the output). Each command runs 3 times (jq once);
# the best time counts, after one read that warms the page cache.
# Goals (bench/README.md): >= 5x faster than jq, <= 4x grep's time, peak RSS < 16 MB.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OBS_BIN=${OBS_BIN:-$here/../build/bin}
SPANS=${SPANS:-1200000}
DAYS=${DAYS:-4}
JQ_MB=${JQ_MB:-100}
TIME=/usr/bin/time

[ -x "$OBS_BIN/obs-trace" ] || { echo "query.sh: no $OBS_BIN/obs-trace; run make first" >&2; exit 2; }
[ -x "$TIME" ] || { echo "query.sh: GNU time is missing (apt-get install time)" >&2; exit 2; }
command -v jq >/dev/null || { echo "query.sh: jq is missing" >&2; exit 2; }

dir=$(mktemp -d /tmp/obs-bench-query.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT INT TERM
export OBS_HOME="$dir/store"
export LC_ALL=C

echo "generating $SPANS spans over $DAYS days in $OBS_HOME ..."
python3 "$here/gen-spans.py" --spans "$SPANS" --days "$DAYS" --out "$OBS_HOME" >/dev/null
files=$(ls "$OBS_HOME"/spans/*.ndjson)
bytes=$(cat $files | wc -c)
mb=$(echo "$bytes" | awk '{printf "%.0f", $1 / 1048576}')
echo "store: $mb MiB in $(echo $files | wc -w) segments, $(cat $files | wc -l) lines"
cat $files >/dev/null   # warm the page cache

# best TIME_S and peak RSS (KiB) of 3 runs of "$@" with stdout to $dir/out
best() {
	b=""
	for i in 1 2 3; do
		$TIME -f '%e %M' -o "$dir/time" "$@" >"$dir/out" </dev/null
		t=$(cut -d' ' -f1 "$dir/time")
		rss=$(cut -d' ' -f2 "$dir/time")
		if [ -z "$b" ] || awk "BEGIN { exit !($t < $b) }"; then b=$t; brss=$rss; fi
	done
	TIME_S=$b
	RSS_KB=$brss
}

# obs-trace reads the store itself (standard input is /dev/null, as under cron).
best "$OBS_BIN/obs-trace" query --status error
t_obs=$TIME_S rss_obs=$RSS_KB
n_obs=$(wc -l <"$dir/out")

# No needle helps here: every line is tokenized and checked.
best "$OBS_BIN/obs-trace" query --min-duration 850ms
t_full=$TIME_S rss_full=$RSS_KB
n_full=$(wc -l <"$dir/out")
best "$OBS_BIN/obs-trace" query --traces --status error
t_traces=$TIME_S rss_traces=$RSS_KB

best grep -c '"status":"error"' $files
t_grep=$TIME_S
n_grep=$(awk -F: '{ s += $NF } END { print s }' "$dir/out")

# jq on a prefix of about JQ_MB MiB, scaled by bytes.
head -c $((JQ_MB * 1048576)) "$(echo $files | cut -d' ' -f1)" | sed '$d' >"$dir/subset.ndjson"
sub_bytes=$(wc -c <"$dir/subset.ndjson")
$TIME -f '%e %M' -o "$dir/time" jq -c 'select(.status=="error")' "$dir/subset.ndjson" >"$dir/out"
t_jq_sub=$(cut -d' ' -f1 "$dir/time")
t_jq=$(awk "BEGIN { printf \"%.2f\", $t_jq_sub * $bytes / $sub_bytes }")
# The same subset through obs-trace, to check both select the same records.
"$OBS_BIN/obs-trace" query --status error "$dir/subset.ndjson" >"$dir/out.obs"
same=$(cmp -s "$dir/out" "$dir/out.obs" && echo yes || echo "NO (jq re-serialises numbers)")

mbps() { awk "BEGIN { printf \"%.0f\", $bytes / 1048576 / $1 }"; }
echo
printf '%-44s %8s %10s %s\n' "command" "seconds" "MiB/s" "notes"
printf '%-44s %8s %10s %s\n' "obs-trace query --status error" "$t_obs" "$(mbps "$t_obs")" \
	"$n_obs spans, peak RSS $((rss_obs / 1024)) MiB"
printf '%-44s %8s %10s %s\n' "obs-trace query --min-duration 850ms" "$t_full" "$(mbps "$t_full")" \
	"$n_full spans (every line parsed), peak RSS $((rss_full / 1024)) MiB"
printf '%-44s %8s %10s %s\n' "obs-trace query --traces --status error" "$t_traces" \
	"$(mbps "$t_traces")" "peak RSS $((rss_traces / 1024)) MiB"
printf '%-44s %8s %10s %s\n' "grep -c '\"status\":\"error\"'" "$t_grep" "$(mbps "$t_grep")" \
	"$n_grep lines"
printf '%-44s %8s %10s %s\n' "jq -c 'select(.status==\"error\")'" "$t_jq" "$(mbps "$t_jq")" \
	"scaled from $t_jq_sub s on $((sub_bytes / 1048576)) MiB; same records as obs-trace: $same"
echo
awk "BEGIN {
	printf \"obs-trace vs jq:   %.1fx faster (goal >= 5x)\n\", $t_jq / $t_obs
	printf \"obs-trace vs grep: %.1fx grep's time (goal <= 4x)\n\", $t_obs / $t_grep
	printf \"peak RSS:          %.1f MiB (goal < 16 MiB)\n\", $rss_obs / 1024
}"
[ "$n_obs" = "$n_grep" ] || echo "note: grep counts $n_grep lines, obs-trace $n_obs spans"
