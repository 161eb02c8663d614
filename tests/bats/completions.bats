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
