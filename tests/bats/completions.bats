#!/usr/bin/env bats
# Shell completions: they load, and offer the commands and options.

load common

@test "bash completion offers commands, options and values" {
	run bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		source "$0"
		complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _obs_trace; echo "${COMPREPLY[*]}"; }
		complete_words obs-trace ex
		complete_words obs-trace exec --kin
		complete_words obs-trace exec --kind cl
		complete_words obs-trace query --status e
		complete_words obs-trace show -o j
		complete_words obs-trace id s' "$BATS_TEST_DIRNAME/../../completions/obs-trace.bash"
	assert_success
	assert_line --index 0 "exec"
	assert_line --index 1 "--kind"
	assert_line --index 2 "client"
	assert_line --index 3 "error"
	assert_line --index 4 "json"
	assert_line --index 5 "span"
}

@test "every obs-trace command is in each completion file" {
	for c in exec start end event query show import id context; do
		grep -q "$c" "$BATS_TEST_DIRNAME"/../../completions/obs-trace.bash
		grep -q "'$c:" "$BATS_TEST_DIRNAME"/../../completions/_obs-trace
		grep -q -- "-a $c " "$BATS_TEST_DIRNAME"/../../completions/obs-trace.fish
	done
}

@test "zsh and fish completion files parse" {
	if command -v zsh >/dev/null; then zsh -n "$BATS_TEST_DIRNAME"/../../completions/_obs-trace; fi
	if command -v fish >/dev/null; then fish --no-execute "$BATS_TEST_DIRNAME"/../../completions/obs-trace.fish; fi
}

@test "obs completion offers store commands and options" {
	run bash -c '
		source "$0"
		complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _obs; echo "${COMPREPLY[*]}"; }
		complete_words obs sto
		complete_words obs store co
		complete_words obs store compact --dry' "$BATS_TEST_DIRNAME/../../completions/obs.bash"
	assert_success
	assert_line --index 0 "store"
	assert_line --index 1 "compact"
	assert_line --index 2 "--dry-run"
	zsh -n "$BATS_TEST_DIRNAME/../../completions/_obs"
	fish --no-execute "$BATS_TEST_DIRNAME/../../completions/obs.fish"
}

@test "obs-metric bash completion offers commands, options and values" {
	run bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		source "$0"
		complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _obs_metric; echo "${COMPREPLY[*]}"; }
		complete_words obs-metric obs
		complete_words obs-metric inc --b
		complete_words obs-metric observe --type s
		complete_words obs-metric query -o t
		complete_words obs-metric collect --collectors cpu,me
		complete_words obs-metric import --format open
		complete_words obs-metric expose --textf' "$BATS_TEST_DIRNAME/../../completions/obs-metric.bash"
	assert_success
	assert_line --index 0 "observe"
	assert_line --index 1 "--by"
	assert_line --index 2 "summary"
	assert_line --index 3 "table"
	assert_line --index 4 "cpu,meminfo"
	assert_line --index 5 "openmetrics"
	assert_line --index 6 "--textfile"
}

@test "every obs-metric command is in each completion file, and they parse" {
	for c in inc add set observe import collect scrape expose query; do
		grep -q "$c" "$BATS_TEST_DIRNAME"/../../completions/obs-metric.bash
		grep -q "'$c:" "$BATS_TEST_DIRNAME"/../../completions/_obs-metric
		grep -q -- "-a $c " "$BATS_TEST_DIRNAME"/../../completions/obs-metric.fish
	done
	if command -v zsh >/dev/null; then zsh -n "$BATS_TEST_DIRNAME"/../../completions/_obs-metric; fi
	if command -v fish >/dev/null; then fish --no-execute "$BATS_TEST_DIRNAME"/../../completions/obs-metric.fish; fi
}

@test "obs-log: bash completion offers commands, options and values" {
	run bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		source "$0"
		complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _obs_log; echo "${COMPREPLY[*]}"; }
		complete_words obs-log pa
		complete_words obs-log query --lev
		complete_words obs-log query --level e
		complete_words obs-log parse --format l
		complete_words obs-log emit w
		complete_words obs-log stats -o t' "$BATS_TEST_DIRNAME/../../completions/obs-log.bash"
	assert_success
	assert_line --index 0 "parse"
	assert_line --index 1 "--level"
	assert_line --index 2 "error"
	assert_line --index 3 "logfmt"
	assert_line --index 4 "warn"
	assert_line --index 5 "text"
}

@test "every obs-log command is in each completion file, which parse; --capture-logs in obs-trace's" {
	for c in emit info warn error debug parse query tail stats; do
		grep -q "$c" "$BATS_TEST_DIRNAME"/../../completions/obs-log.bash
		grep -q "'$c:" "$BATS_TEST_DIRNAME"/../../completions/_obs-log
		grep -q -- "-a $c " "$BATS_TEST_DIRNAME"/../../completions/obs-log.fish
	done
	for f in obs-trace.bash _obs-trace obs-trace.fish; do
		grep -q -- "capture-logs" "$BATS_TEST_DIRNAME/../../completions/$f"
	done
	if command -v zsh >/dev/null; then zsh -n "$BATS_TEST_DIRNAME"/../../completions/_obs-log; fi
	if command -v fish >/dev/null; then
		run fish -c "source '$BATS_TEST_DIRNAME/../../completions/obs-log.fish'; complete -C 'obs-log query --level e'"
		assert_success
		assert_output --partial "error"
	fi
}

@test "obs-export: bash completion offers destinations, options and values" {
	run bash -c '
		source /usr/share/bash-completion/bash_completion 2>/dev/null || true
		source "$0"
		complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _obs_export; echo "${COMPREPLY[*]}"; }
		complete_words obs-export remote
		complete_words obs-export loki --static
		complete_words obs-export otlp --protocol http/j
		complete_words obs-export pushgateway --method po
		complete_words obs-export zipkin -s s' "$BATS_TEST_DIRNAME/../../completions/obs-export.bash"
	assert_success
	assert_line --index 0 "remote-write"
	assert_line --index 1 "--static-label"
	assert_line --index 2 "http/json"
	assert_line --index 3 "post"
	assert_line --index 4 "spans"
}

@test "every obs-export destination is in each completion file, which parse" {
	for c in otlp pushgateway remote-write loki elasticsearch splunk datadog zipkin webhook file serve; do
		grep -q "$c" "$BATS_TEST_DIRNAME"/../../completions/obs-export.bash
		grep -q "'$c:" "$BATS_TEST_DIRNAME"/../../completions/_obs-export
		grep -q -- "-a $c " "$BATS_TEST_DIRNAME"/../../completions/obs-export.fish
	done
	if command -v zsh >/dev/null; then zsh -n "$BATS_TEST_DIRNAME"/../../completions/_obs-export; fi
	if command -v fish >/dev/null; then fish --no-execute "$BATS_TEST_DIRNAME"/../../completions/obs-export.fish; fi
}
