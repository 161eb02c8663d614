#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# obs_collect against a real node_exporter (Debian's prometheus-node-exporter), on 127.0.0.1.

@test "obs_collect agrees with node_exporter on names, label names, series and stable values" {
	run "$BATS_TEST_DIRNAME/collect-vs-node-exporter.sh"
	if [ "$status" -eq 77 ]; then
		skip "$output"
	fi
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" 0 differences"* ]]
}
