#!/usr/bin/env bats
# Documentation: man pages render cleanly and name every command.

load common

top="$BATS_TEST_DIRNAME/../.."

@test "man pages render without warnings" {
	for m in "$top"/man/man1/*.1; do
		run sh -c "man --warnings -l '$m' 2>&1 >/dev/null"
		assert_success
		assert_output ""
	done
}

@test "every obs-trace command has --help, a man page section and a README mention" {
	for c in exec start end event query show import id context; do
		run "$OBS_BIN/obs-trace" "$c" --help
		assert_success
		assert_line --index 0 --partial "usage: obs-trace $c"
		grep -q "^\.Ss .*$c" "$top/man/man1/obs-trace.1"
		grep -q "obs-trace $c" "$top/README.md"
	done
}

@test "every obs-export destination has --help, a man page section and a README mention" {
	for c in otlp pushgateway remote-write loki elasticsearch splunk datadog zipkin webhook file; do
		run "$OBS_BIN/obs-export" "$c" --help
		assert_success
		assert_line --index 0 --partial "usage: obs-export $c"
		grep -q "^\.Ss $c" "$top/man/man1/obs-export.1"
		grep -q "obs-export $c" "$top/README.md"
	done
}
