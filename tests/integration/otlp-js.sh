#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-check of the OTLP encoders and decoder against the OpenTelemetry JavaScript
# packages (protobuf definitions and serializers) from the npm registry.
# Needs the test helpers (make all) and node + npm; without npm it says so and exits 0.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${OBS_TEST_HELPERS:=$top/build/tests/helpers}"
export OBS_TEST_HELPERS

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "otlp-js: skipped: npm or node is not installed"
	exit 0
fi
for h in otlp_encode otlp_decode; do
	if [ ! -x "$OBS_TEST_HELPERS/$h" ]; then
		echo "otlp-js: missing test helper '$OBS_TEST_HELPERS/$h' (run make all)" >&2
		exit 2
	fi
done
cd "$here/otlp-js"
if ! npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1; then
	cat npm-ci.log >&2
	echo "otlp-js: npm ci failed" >&2
	exit 3
fi
rm -f npm-ci.log
exec node check.js "$top/tests/fixtures/otlp"
