#!/bin/sh
# SPDX-License-Identifier: MIT
# PromQL engine: SERIES counters x SAMPLES 15 s samples in memory, then instant queries timed.
#
#   bench/promql.sh                          10,000 series x 5,760 samples (one day), ~1 minute
#   SERIES=1000 SAMPLES=2880 bench/promql.sh smaller
#
# Goals: `sum by (job) (rate(x[5m]))` at one instant well under 2 s; the set under 500 MB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
helper=${OBS_TEST_HELPERS:-$here/../build/tests/helpers}/promql_bench
[ -x "$helper" ] || { echo "promql.sh: no $helper; run make first" >&2; exit 2; }
exec "$helper" "${SERIES:-10000}" "${SAMPLES:-5760}"
