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

@test "every obs-metric command has --help, a man page section and a README mention" {
	for c in inc add set observe import collect scrape expose query; do
		run "$OBS_BIN/obs-metric" "$c" --help
		assert_success
		assert_line --index 0 --partial "usage: obs-metric $c"
		grep -q "^\.Ss .*$c" "$top/man/man1/obs-metric.1"
		grep -q "obs-metric $c" "$top/README.md"
	done
}

@test "the man page lists exactly the PromQL functions the engine supports" {
	# Supported: the functions of lib/obs_promql_func.c with an implementation.
	supported=$(sed -n 's/^\t{ "\([a-z_0-9]*\)", .*, call_[a-z_0-9]* },$/\1/p' "$top/lib/obs_promql_func.c" | sort)
	refused=$(sed -n 's/^\t{ "\([a-z_0-9]*\)", .*, NULL },$/\1/p' "$top/lib/obs_promql_func.c" | sort)
	man_functions=$(sed -n '/^\.It Functions$/,/^\.It Aggregations$/p' "$top/man/man1/obs-metric.1" |
		sed -n 's/^\.Li \([a-z_0-9]*\).*/\1/p' | sort)
	man_refused=$(sed -n '/^\.It Refused$/,/^\.El$/p' "$top/man/man1/obs-metric.1" |
		sed -n 's/^\.Li \([a-z_0-9]*\).*/\1/p' | grep -v -x -e group -e count_values -e atan2 | sort)
	[ "$supported" = "$man_functions" ]
	[ "$refused" = "$man_refused" ]
	for f in $supported; do
		run "$OBS_BIN/obs-metric" query "$f" </dev/null
		[[ "$output" != *"unsupported"* ]]
	done
}

@test "every obs-log command has --help, a man page section and a README mention" {
	for c in emit info warn error debug parse query tail stats; do
		run "$OBS_BIN/obs-log" "$c" --help
		assert_success
		assert_line --index 0 --partial "usage: obs-log $c"
		grep -q "^\.Ss .*$c" "$top/man/man1/obs-log.1"
		grep -q "obs-log $c" "$top/README.md"
	done
	grep -q -- "Fl -capture-logs" "$top/man/man1/obs-trace.1"
	grep -q -- "--capture-logs" "$top/README.md"
}

@test "every option in obs-log's help is in its man page" {
	for c in emit parse query tail stats; do
		for o in $("$OBS_BIN/obs-log" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			[ "$o" = --help ] && continue
			grep -q -E -- "(Fl |, )-${o#--}( |$)" "$top/man/man1/obs-log.1" || { echo "$c $o"; return 1; }
		done
	done
}

@test "every obs-export destination has --help, a man page section and a README mention" {
	for c in otlp pushgateway remote-write loki elasticsearch splunk datadog zipkin webhook file serve; do
		run "$OBS_BIN/obs-export" "$c" --help
		assert_success
		assert_line --index 0 --partial "usage: obs-export $c"
		grep -q "^\.Ss $c" "$top/man/man1/obs-export.1"
		grep -q "obs-export $c" "$top/README.md"
	done
}
