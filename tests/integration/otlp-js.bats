#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# OTLP bodies checked by the OpenTelemetry JavaScript packages (see otlp-js.sh).

@test "otlp: bodies agree with the OpenTelemetry JS definitions and serializers" {
	run "$BATS_TEST_DIRNAME/otlp-js.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" passed, 0 failed"* || "$output" == *"skipped: npm"* ]]
}
