#!/bin/sh
# SPDX-License-Identifier: MIT
# The exposition writer checked by an independent implementation: promtool (Debian's prometheus).
#
#   tests/integration/promtext-promtool.sh     (after `make all`; exit 77 = skipped)
#
# Environment: OBS_TEST_HELPERS (default build/tests/helpers), PROMTOOL (default promtool).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
helpers=${OBS_TEST_HELPERS:-$root/build/tests/helpers}
promtool=${PROMTOOL:-promtool}
fixtures=$root/tests/fixtures/prom
pass=0
fail=0

if ! command -v "$promtool" >/dev/null 2>&1; then
	echo "promtext-promtool: skipped: no promtool (apt-get install prometheus)"
	exit 77
fi
if [ ! -x "$helpers/promtext" ]; then
	echo "promtext-promtool: no '$helpers/promtext': run make all first" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok $((pass + fail)) $1"; sed 's/^/#   /' "$tmp/out" 2>/dev/null; }

# promtool check metrics exits 0 when clean, 3 with lint findings, 1 when it cannot parse.
lint_clean() {   # FILE: parses and has no lint findings
	"$promtool" check metrics <"$1" >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]
}
parses() {       # FILE: parses (lint findings allowed)
	"$promtool" check metrics <"$1" >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" -ne 1 ] && ! grep -q 'error while linting' "$tmp/out"
}

# 1. The rich fixture: exactly the expected text, and lint-clean for promtool.
if "$helpers/promtext" write "$fixtures/rich.ndjson" >"$tmp/rich.prom" 2>"$tmp/out" &&
   cmp -s "$tmp/rich.prom" "$fixtures/rich.prom"; then
	ok "writer output of rich.ndjson is rich.prom"
else
	diff "$fixtures/rich.prom" "$tmp/rich.prom" >"$tmp/out" 2>&1
	not_ok "writer output of rich.ndjson is rich.prom"
fi
if lint_clean "$tmp/rich.prom"; then ok "promtool: rich.prom is clean"; else not_ok "promtool: rich.prom is clean"; fi

# 2. With timestamps and custom buckets.
"$helpers/promtext" write --timestamps --buckets 0.01,0.1,1,10 "$fixtures/rich.ndjson" >"$tmp/ts.prom"
if lint_clean "$tmp/ts.prom"; then ok "promtool: timestamps and custom buckets"; else not_ok "promtool: timestamps and custom buckets"; fi

# 3. Parse and write again: the same text.
"$helpers/promtext" parse --format text "$tmp/rich.prom" | "$helpers/promtext" write >"$tmp/again.prom"
if cmp -s "$tmp/rich.prom" "$tmp/again.prom"; then
	ok "parse then write gives rich.prom back"
else
	diff "$tmp/rich.prom" "$tmp/again.prom" >"$tmp/out" 2>&1
	not_ok "parse then write gives rich.prom back"
fi

# 4. The 0.0.4 fixtures are valid for promtool too, and so is what we make of them.
for f in node federate; do
	if parses "$fixtures/$f.prom"; then ok "promtool parses $f.prom"; else not_ok "promtool parses $f.prom"; fi
	OBS_FAKE_TIME=2025-11-24T21:00:00Z "$helpers/promtext" parse --job node --instance web-01:9100 \
		"$fixtures/$f.prom" | "$helpers/promtext" write --timestamps >"$tmp/$f.out.prom"
	if parses "$tmp/$f.out.prom"; then ok "promtool parses rewritten $f.prom"; else not_ok "promtool parses rewritten $f.prom"; fi
done
"$helpers/promtext" parse "$fixtures/openmetrics.prom" | "$helpers/promtext" write >"$tmp/om.out.prom"
if parses "$tmp/om.out.prom"; then ok "promtool parses rewritten openmetrics.prom"; else not_ok "promtool parses rewritten openmetrics.prom"; fi

# 5. The textfile collector's way: DIR/NAME.prom, readable by others.
mkdir "$tmp/textfile"
if "$helpers/promtext" textfile "$tmp/textfile" backup "$fixtures/rich.ndjson" 2>"$tmp/out" &&
   [ "$(ls -A "$tmp/textfile")" = "backup.prom" ] &&
   [ "$(stat -c %a "$tmp/textfile/backup.prom")" = 644 ] &&
   lint_clean "$tmp/textfile/backup.prom"; then
	ok "textfile: backup.prom, mode 644, clean"
else
	not_ok "textfile: backup.prom, mode 644, clean"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
