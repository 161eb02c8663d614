#!/bin/sh
# SPDX-License-Identifier: MIT
# Overhead of `obs-trace exec -- true` against `env true` (both exec one
# more program than `true` alone), measured in the same run with hyperfine.
# Goal: under 1 ms added at the median.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${OBS_BIN:-$top/build/bin}
runs=${RUNS:-2000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OBS_HOME="$tmp/store"
unset TRACEPARENT OTEL_SDK_DISABLED OTEL_TRACES_SAMPLER
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
hyperfine -N --warmup 50 --runs "$runs" --export-json "$tmp/exec.json" \
	-n 'env true' 'env true' \
	-n 'true' "$(command -v true)" \
	-n 'obs-trace exec -- true' "$bin/obs-trace exec -- true" \
	-n 'obs-trace exec --attr k=v --name x -- true' "$bin/obs-trace exec --attr k=v --name x -- true" \
	>/dev/null 2>&1
/usr/bin/python3 - "$tmp/exec.json" "$OBS_HOME" <<'PY'
import glob, json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
print(f"{'command':<48} {'median':>10} {'added':>10} {'ratio':>6}")
for x in r:
    name = x["command"]
    print(f"{name:<48} {x['median']*1e3:8.3f}ms {(x['median']-base)*1e3:8.3f}ms {x['median']/base:6.2f}")
spans = sum(1 for f in glob.glob(sys.argv[2] + "/spans/*.ndjson") for _ in open(f))
print(f"spans recorded: {spans}")
PY
