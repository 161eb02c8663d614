#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The PromQL engine against Prometheus itself (promtool test rules, from Debian's prometheus package).

@test "promql: every expression agrees with promtool" {
	command -v "${PROMTOOL:-promtool}" >/dev/null || skip "no promtool (apt-get install prometheus)"
	run "$BATS_TEST_DIRNAME/promql-vs-promtool.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *", 0 disagree; range queries: 0 mismatches"* ]]
}
