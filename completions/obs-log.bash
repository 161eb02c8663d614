# SPDX-License-Identifier: MIT
# bash completion for obs-log
_obs_log() {
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="emit info warn error debug parse query tail stats help"
	local levels="trace debug info warn error fatal"
	local formats="auto json logfmt syslog access journald regex"
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--level) COMPREPLY=($(compgen -W "$levels" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "$formats" -- "$cur")); return ;;
	-o|--output) COMPREPLY=($(compgen -W "ndjson json text" -- "$cur")); return ;;
	--by) COMPREPLY=($(compgen -W "level service time level,service,time" -- "$cur")); return ;;
	--timezone) COMPREPLY=($(compgen -W "UTC $(cd /usr/share/zoneinfo 2>/dev/null && compgen -f -- "$cur")" -- "$cur")); return ;;
	-s|--service|--time|--since|--until|--trace|--grep|--where|--regex|--reference|--max-line|\
	-n|--limit|--lines|--interval|--bucket)
		return ;;
	esac
	local opts
	case $cmd in
	emit)
		if [[ $cur != -* && $COMP_CWORD -eq $((i + 1)) ]]; then
			COMPREPLY=($(compgen -W "$levels" -- "$cur"))
			return
		fi
		opts="--service --time --tee --stdout --help" ;;
	info|warn|error|debug) opts="--service --time --tee --stdout --help" ;;
	parse) opts="--format --regex --timezone --service --multiline --reference --max-line --store --output --strict --quiet --verbose --help" ;;
	query) opts="--level --since --until --service --trace --grep --where --limit --output --strict --help" ;;
	tail) opts="--lines --follow --interval --level --since --until --service --trace --grep --where --output --format --regex --timezone --multiline --reference --max-line --help" ;;
	stats) opts="--level --since --until --service --trace --grep --where --by --bucket --output --strict --help" ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == parse || $cmd == query || $cmd == tail || $cmd == stats ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _obs_log obs-log
