#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The text exposition writer against promtool (from Debian's prometheus package).

@test "promtext: promtool accepts the writer's output" {
	command -v "${PROMTOOL:-promtool}" >/dev/null || skip "no promtool (apt-get install prometheus)"
	run "$BATS_TEST_DIRNAME/promtext-promtool.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" passed, 0 failed"* ]]
}
