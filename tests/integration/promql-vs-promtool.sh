#!/bin/sh
# SPDX-License-Identifier: MIT
# Check the PromQL engine against Prometheus (promtool test rules); see promql_vs_promtool.py.
# Usage: tests/integration/promql-vs-promtool.sh [-v]   (exit 0: all agree, 1: disagreements)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
helper=${OBS_TEST_HELPERS:-$root/build/tests/helpers}/promql_eval
promtool=${PROMTOOL:-$(command -v promtool || true)}
if [ -z "$promtool" ]; then
	echo "promql-vs-promtool: promtool not found (apt-get install prometheus)" >&2
	exit 2
fi
if [ ! -x "$helper" ]; then
	echo "promql-vs-promtool: $helper not built (make all)" >&2
	exit 2
fi
exec /usr/bin/python3 "$here/promql_vs_promtool.py" "$helper" "$promtool" "$@"
