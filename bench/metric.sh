#!/bin/sh
# SPDX-License-Identifier: MIT
# obs-metric: inc per call against `env true`, import throughput against wc -l and jq,
# and a PromQL query over SERIES series of 15 s samples, with ratios from the same run.
#
#   bench/metric.sh                       10k series x 2 hours for the query (4.8M samples)
#   HOURS=24 RUNS=1 bench/metric.sh       the full day of the goal (57.6M samples, ~10 GB)
#   INC_RUNS=2000 IMPORT=4000000 ...      more calls / records
#   PARTS="query" ...                     only some of: inc import query
#   COMPACT=1 ...                         also compact the day and query the .gz
#   RANGE=1 ...                           also the range query that loads every
#                                         sample (default only when HOURS <= 4)
#   OBS_BIN=... KEEP=1 ...                other binaries; keep the data in /tmp
#
# Goals (bench/README.md): inc adds < 1 ms over env true; import >= 500k
# samples/s; the query under 2 s and 500 MB peak RSS.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OBS_BIN=${OBS_BIN:-$here/../build/bin}
INC_RUNS=${INC_RUNS:-1000}
IMPORT=${IMPORT:-2000000}
JQ_RECORDS=${JQ_RECORDS:-200000}
SERIES=${SERIES:-10000}
HOURS=${HOURS:-2}
RUNS=${RUNS:-3}
PARTS=${PARTS:-inc import query}
RANGE=${RANGE:-$([ "$HOURS" -le 4 ] && echo 1 || echo 0)}
COMPACT=${COMPACT:-0}
TIME=/usr/bin/time
M="$OBS_BIN/obs-metric"

[ -x "$M" ] || { echo "metric.sh: no $M; run make first" >&2; exit 2; }
[ -x "$TIME" ] || { echo "metric.sh: GNU time is missing (apt-get install time)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "metric.sh: hyperfine is missing" >&2; exit 2; }
command -v jq >/dev/null || { echo "metric.sh: jq is missing" >&2; exit 2; }

dir=$(mktemp -d /tmp/obs-bench-metric.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT INT TERM
export LC_ALL=C
unset OBS_FAKE_TIME
cc -O2 -o "$dir/gen" "$here/gen-metrics.c"

# best TIME_S and peak RSS (KiB) of RUNS runs of "$@" (stdout to $dir/out); BEFORE is run first each time
best() {
	b=""
	for i in $(seq "$RUNS"); do
		[ -z "${BEFORE:-}" ] || eval "$BEFORE"
		$TIME -f '%e %M' -o "$dir/time" "$@" >"$dir/out" </dev/null
		t=$(cut -d' ' -f1 "$dir/time")
		rss=$(cut -d' ' -f2 "$dir/time")
		if [ -z "$b" ] || awk "BEGIN { exit !($t < $b) }"; then b=$t; brss=$rss; fi
	done
	TIME_S=$b
	RSS_KB=$brss
}
ratio() { awk "BEGIN { printf \"%.1f\", $1 / $2 }"; }
mib() { awk "BEGIN { printf \"%.0f\", $1 / 1024 }"; }

# ---- 1. inc per call ------------------------------------------------------------
case " $PARTS " in *" inc "*) ;; *) false ;; esac && {
echo "== inc: $INC_RUNS calls each (hyperfine, medians)"
export OBS_HOME="$dir/inc"
hyperfine -N --warmup 50 --runs "$INC_RUNS" --export-json "$dir/inc.json" \
	-n 'env true' 'env true' \
	-n 'true' "$(command -v true)" \
	-n 'obs-metric inc x_total' "$M inc x_total" \
	-n 'obs-metric inc --by 2 -l job=a -l host=b x_total' "$M inc --by 2 -l job=a -l host=b x_total" \
	-n 'obs-metric set -l room=lab g 21.5' "$M set -l room=lab g 21.5" \
	>/dev/null 2>&1
python3 - "$dir/inc.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
print(f"{'command':<52} {'median':>10} {'added':>10}")
for x in r:
    print(f"{x['command']:<52} {x['median']*1e3:8.3f}ms {(x['median']-base)*1e3:8.3f}ms")
PY
echo "records stored: $(cat "$OBS_HOME"/metrics/*.ndjson | wc -l)"
}

# ---- 2. import ------------------------------------------------------------------
case " $PARTS " in *" import "*) ;; *) false ;; esac && {
echo "== import: $IMPORT records"
per=$((IMPORT / SERIES))
"$dir/gen" "$SERIES" "$per" >"$dir/import.ndjson"
head -n "$JQ_RECORDS" "$dir/import.ndjson" >"$dir/jq.ndjson"
n=$(wc -l <"$dir/import.ndjson")
mb=$(du -m "$dir/import.ndjson" | cut -f1)
cat "$dir/import.ndjson" >/dev/null
BEFORE="rm -rf '$dir/imp'"
OBS_HOME="$dir/imp" best "$M" import "$dir/import.ndjson"
t_imp=$TIME_S rss_imp=$RSS_KB
BEFORE=
stored=$(cat "$dir"/imp/metrics/*.ndjson | wc -l)
best wc -l "$dir/import.ndjson"
t_wc=$TIME_S
RUNS_SAVED=$RUNS RUNS=1
best jq -c . "$dir/jq.ndjson"
RUNS=$RUNS_SAVED
t_jq=$(awk "BEGIN { print $TIME_S * $n / $JQ_RECORDS }")
echo "input: $n records, $mb MiB; stored: $stored"
printf '%-40s %8s %12s %8s\n' command seconds samples/s RSS
printf '%-40s %8.2f %12.0f %6sMiB\n' "obs-metric import" "$t_imp" "$(awk "BEGIN { print $n / $t_imp }")" "$(mib "$rss_imp")"
printf '%-40s %8.2f %12.0f\n' "wc -l" "$t_wc" "$(awk "BEGIN { print $n / $t_wc }")"
printf '%-40s %8.2f %12.0f   (%s records, scaled)\n' "jq -c ." "$t_jq" "$(awk "BEGIN { print $n / $t_jq }")" "$JQ_RECORDS"
echo "import vs jq: $(ratio "$t_jq" "$t_imp")x faster; vs wc -l: $(ratio "$t_imp" "$t_wc")x its time"
rm -rf "$dir/imp" "$dir/import.ndjson" "$dir/jq.ndjson"
}

# ---- 3. query -------------------------------------------------------------------
case " $PARTS " in *" query "*) ;; *) exit 0 ;; esac
samples=$((HOURS * 240))
echo "== query: $SERIES series x $samples samples (15 s, $HOURS h) in one day's segment"
export OBS_HOME="$dir/store"
seg="$OBS_HOME/metrics/2026-11-24.ndjson"
idx="$OBS_HOME/metrics/.2026-11-24.ndjson.idx"
# Through the store's writer, as users' data arrives: it keeps the segment's time index.
"$dir/gen" "$SERIES" "$samples" | $TIME -f '%e %M' -o "$dir/time" "$M" import
t_load=$(cut -d' ' -f1 "$dir/time")
mb=$(du -m "$seg" | cut -f1)
cat "$seg" >/dev/null
last=$(awk -v s=$((1795478400 + (samples - 1) * 15)) 'BEGIN { print strftime("%Y-%m-%dT%H:%M:%SZ", s, 1) }')
expr='sum by (job) (rate(x[5m]))'
best "$M" query "$expr" --time "$last"
t_q=$TIME_S rss_q=$RSS_KB
groups=$(wc -l <"$dir/out")
cp "$dir/out" "$dir/out.indexed"
best wc -l "$seg"
t_wcq=$TIME_S
if [ "$RANGE" = 1 ]; then
	best "$M" query "$expr" --start 2026-11-24T00:05:00Z --end "$last" --step 5m
	t_r=$TIME_S rss_r=$RSS_KB
fi
# The same instant query reading the whole segment, as before the index (and for old segments).
mv "$idx" "$dir/idx.saved"
best "$M" query "$expr" --time "$last"
t_n=$TIME_S rss_n=$RSS_KB
cmp -s "$dir/out" "$dir/out.indexed" || { echo "metric.sh: results differ without the index" >&2; exit 1; }
mv "$dir/idx.saved" "$idx"
if [ "$COMPACT" = 1 ]; then
	# The same day compacted (as `obs store compact` does at night): one gzip member per block.
	OBS_FAKE_TIME=2026-11-27T00:00:00Z $TIME -f '%e %M' -o "$dir/time" "$OBS_BIN/obs" store compact \
		--older-than 1d -l 1 >/dev/null
	t_c=$(cut -d' ' -f1 "$dir/time")
	gz_mb=$(du -m "$seg.gz" | cut -f1)
	best "$M" query "$expr" --time "$last"
	t_g=$TIME_S rss_g=$RSS_KB
	cmp -s "$dir/out" "$dir/out.indexed" || { echo "metric.sh: results differ from the .gz" >&2; exit 1; }
	gzidx="$OBS_HOME/metrics/.2026-11-24.ndjson.gz.idx"
	mv "$gzidx" "$dir/idx.saved"
	best "$M" query "$expr" --time "$last"
	t_gn=$TIME_S
	mv "$dir/idx.saved" "$gzidx"
fi
echo "store: $mb MiB, $((SERIES * samples)) samples, loaded by obs-metric import in $t_load s; index $(cat "$OBS_HOME"/metrics/.2026-11-24.ndjson*.idx | wc -c) bytes"
printf '%-62s %8s %8s\n' command seconds RSS
printf '%-62s %8.2f %6sMiB\n' "query '$expr' (instant, at the end)" "$t_q" "$(mib "$rss_q")"
[ "$RANGE" != 1 ] ||
	printf '%-62s %8.2f %6sMiB\n' "query ... --start +5m --end END --step 5m (every sample)" "$t_r" "$(mib "$rss_r")"
printf '%-62s %8.2f %6sMiB\n' "the instant query without the segment's time index" "$t_n" "$(mib "$rss_n")"
printf '%-62s %8.2f\n' "wc -l on the segment (reading it)" "$t_wcq"
if [ "$COMPACT" = 1 ]; then
	printf '%-62s %8.2f\n' "obs store compact -l 1 of the day ($gz_mb MiB compressed)" "$t_c"
	printf '%-62s %8.2f %6sMiB\n' "the instant query on the compacted day" "$t_g" "$(mib "$rss_g")"
	printf '%-62s %8.2f\n' "the same without the .gz's index (inflating all of it)" "$t_gn"
fi
echo "instant query: $groups groups (the same without the index); $(ratio "$t_q" "$t_wcq")x the time of wc -l"
