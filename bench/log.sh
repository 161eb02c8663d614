#!/bin/sh
# SPDX-License-Identifier: MIT
# obs-log parse throughput per format in MB/s, against `jq -c .` on the same JSON logs,
# and its memory (flat: the same peak RSS for 1x and 4x the data); then query on a store.
#
#   bench/log.sh                 uses build/bin, MB=32 of each format (under a minute)
#   MB=128 JQ_MB=32 bench/log.sh more
#   OBS_BIN=... KEEP=1 ...       other binaries; keep the data in /tmp
#
# jq is slow: it runs on a JQ_MB (16) prefix of the JSON log, and obs-log
# parses the same prefix for the ratio. Each command runs 3 times after a
# read that warms the page cache; the best time counts. Wall-clock and CPU
# (user+sys) seconds are both shown: on a shared machine the CPU time is the
# steadier one. Goals (bench/README.md): json >= 3x jq, logfmt >= 100 MB/s.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OBS_BIN=${OBS_BIN:-$here/../build/bin}
MB=${MB:-32}
JQ_MB=${JQ_MB:-16}
TIME=/usr/bin/time

[ -x "$OBS_BIN/obs-log" ] || { echo "log.sh: no $OBS_BIN/obs-log; run make first" >&2; exit 2; }
[ -x "$TIME" ] || { echo "log.sh: GNU time is missing (apt-get install time)" >&2; exit 2; }
command -v jq >/dev/null || { echo "log.sh: jq is missing" >&2; exit 2; }

dir=$(mktemp -d /tmp/obs-bench-log.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT INT TERM
export OBS_HOME="$dir/store"
export LC_ALL=C

# best of 3 runs of "$@" (stdout to $dir/out): WALL, CPU (user+sys) seconds, RSS KiB
best() {
	b=""
	for i in 1 2 3; do
		$TIME -f '%e %U %S %M' -o "$dir/time" "$@" >"$dir/out" </dev/null
		read -r w u s m <"$dir/time"
		c=$(awk "BEGIN { print $u + $s }")
		if [ -z "$b" ] || awk "BEGIN { exit !($c < $b) }"; then b=$c; bw=$w; bm=$m; fi
	done
	CPU=$b WALL=$bw RSS=$bm
}

mbps() { awk "BEGIN { t = $2; if (t < 0.005) t = 0.005; printf \"%.0f\", $1 / 1048576 / t }"; }
row() {   # name bytes
	printf '%-46s %7s %7s %8s %8s %8s\n' "$1" "$WALL" "$CPU" "$(mbps "$2" "$WALL")" \
		"$(mbps "$2" "$CPU")" "$((RSS / 1024))"
}

echo "generating $MB MiB of each format in $dir ..."
for f in json logfmt syslog access journald; do
	python3 "$here/gen-logs.py" --format $f --mb "$MB" --out "$dir/$f.log" >/dev/null
done
head -c $((JQ_MB * 1048576)) "$dir/json.log" | sed '$d' >"$dir/json-small.log"
cat "$dir"/*.log >/dev/null

echo
printf '%-46s %7s %7s %8s %8s %8s\n' "command" "wall s" "cpu s" "MB/s" "MB/s cpu" "RSS MiB"
for f in json logfmt syslog access journald; do
	bytes=$(wc -c <"$dir/$f.log")
	best "$OBS_BIN/obs-log" parse -q --format $f "$dir/$f.log"
	row "obs-log parse --format $f ($MB MiB)" "$bytes"
	eval "cpu_$f=\$CPU rss_$f=\$RSS"
	lines=$(wc -l <"$dir/out")
	[ "$lines" -eq "$(wc -l <"$dir/$f.log")" ] || echo "  note: $lines records for $(wc -l <"$dir/$f.log") lines"
	raw=$(grep -c '"raw":true' "$dir/out" || true)
	[ "$raw" -eq 0 ] || echo "  note: $raw raw records"
done
bytes=$(wc -c <"$dir/json.log")
best "$OBS_BIN/obs-log" parse -q "$dir/json.log"
row "obs-log parse (auto: detected json)" "$bytes"

# jq and obs-log on the same prefix of the JSON log.
small=$(wc -c <"$dir/json-small.log")
best jq -c . "$dir/json-small.log"
row "jq -c . ($JQ_MB MiB prefix)" "$small"
jq_cpu=$CPU jq_wall=$WALL
best "$OBS_BIN/obs-log" parse -q --format json "$dir/json-small.log"
row "obs-log parse --format json (same prefix)" "$small"
obs_cpu=$CPU obs_wall=$WALL

# Flat memory: four times the data, the same peak RSS.
for i in 1 2 3 4; do cat "$dir/json.log"; done >"$dir/json4.log"
best "$OBS_BIN/obs-log" parse -q --format json "$dir/json4.log"
row "obs-log parse --format json ($((MB * 4)) MiB)" "$(wc -c <"$dir/json4.log")"
rss4=$RSS
rm -f "$dir/json4.log"

# query: the parsed JSON logs in the store, against grep and jq.
"$OBS_BIN/obs-log" parse -q --store "$dir/json.log"
seg=$(ls "$OBS_HOME"/logs/*.ndjson)
sbytes=$(cat $seg | wc -c)
best "$OBS_BIN/obs-log" query --level error
row "obs-log query --level error (store)" "$sbytes"
nq=$(wc -l <"$dir/out")
best "$OBS_BIN/obs-log" query --service billing --grep 'declined'
row "obs-log query --service billing --grep declined" "$sbytes"
best grep -c '"level":"error"' $seg
row "grep -c '\"level\":\"error\"' (store)" "$sbytes"

# Instructions (callgrind) on the first 1000 lines: a count that the load of a
# shared machine does not change. INSTR=0 skips it.
if [ "${INSTR:-1}" != 0 ] && command -v valgrind >/dev/null; then
	instr() {
		valgrind --tool=callgrind --callgrind-out-file="$dir/cg" "$@" 2>&1 >/dev/null |
			awk '/Collected/ { print $NF }'
	}
	head -n 1000 "$dir/json.log" >"$dir/j1k.log"
	head -n 1000 "$dir/logfmt.log" >"$dir/l1k.log"
	i_jq=$(instr jq -c . "$dir/j1k.log")
	i_json=$(instr "$OBS_BIN/obs-log" parse -q --format json "$dir/j1k.log")
	i_logfmt=$(instr "$OBS_BIN/obs-log" parse -q --format logfmt "$dir/l1k.log")
	echo
	awk "BEGIN {
		printf \"instructions per byte (callgrind, 1000 lines): jq -c . %.0f, obs-log json %.0f (%.1fx fewer), obs-log logfmt %.0f\n\",
			$i_jq / $(wc -c <"$dir/j1k.log"), $i_json / $(wc -c <"$dir/j1k.log"), $i_jq / $i_json,
			$i_logfmt / $(wc -c <"$dir/l1k.log")
	}"
fi

echo
awk "BEGIN {
	printf \"json:   obs-log vs jq -c .: %.1fx faster by CPU, %.1fx by wall clock (goal >= 3x)\n\", $jq_cpu / $obs_cpu, $jq_wall / $obs_wall
	printf \"logfmt: %.0f MB/s by CPU (goal >= 100 MB/s)\n\", $(wc -c <"$dir/logfmt.log") / 1048576 / ($cpu_logfmt < 0.005 ? 0.005 : $cpu_logfmt)
	printf \"memory: peak RSS %.1f MiB for $MB MiB of JSON, %.1f MiB for $((MB * 4)) MiB\n\", $rss_json / 1024, $rss4 / 1024
}"
echo "query --level error: $nq records"
