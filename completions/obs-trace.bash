# SPDX-License-Identifier: MIT
# bash completion for obs-trace
_obs_trace() {
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="exec start end event query show import id context help"
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
	if [[ $cmd == exec ]]; then
		for ((i = 2; i < COMP_CWORD; i++)); do
			if [[ ${COMP_WORDS[i]} == -- ]]; then
				_command_offset $((i + 1))
				return
			fi
		done
	fi
	case $prev in
	-k|--kind) COMPREPLY=($(compgen -W "internal server client producer consumer" -- "$cur")); return ;;
	--status) COMPREPLY=($(compgen -W "ok error unset" -- "$cur")); return ;;
	-o|--output)
		case $cmd in
		show) COMPREPLY=($(compgen -W "tree json" -- "$cur")) ;;
		context) COMPREPLY=($(compgen -W "json table" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "ndjson json table" -- "$cur")) ;;
		esac
		return ;;
	--format) COMPREPLY=($(compgen -W "auto otlp zipkin jaeger" -- "$cur")); return ;;
	--shell) COMPREPLY=($(compgen -W "sh bash zsh fish" -- "$cur")); return ;;
	-n|--name|-s|--service|-a|--attr|-t|--timeout|--kill-after|-m|--message|-x|--exit-code|\
	--span|--time|--trace|--min-duration|--max-duration|--since|--until|--limit|\
	--traceparent|--tracestate|--baggage)
		return ;;
	esac
	local opts
	case $cmd in
	exec) opts="--name --service --attr --kind --timeout --kill-after --capture-logs --help --" ;;
	start) opts="--service --attr --kind --shell --help" ;;
	end) opts="--status --message --exit-code --attr --span --env --shell --help" ;;
	event) opts="--attr --time --span --help" ;;
	query) opts="--trace --service --name --status --min-duration --max-duration --since --until --attr --limit --traces --output --strict --help" ;;
	show) opts="--since --until --output --help" ;;
	import) opts="--format --stdout --strict --verbose --help" ;;
	id) COMPREPLY=($(compgen -W "trace span" -- "$cur")); return ;;
	context) opts="--traceparent --tracestate --baggage --output --help" ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _obs_trace obs-trace
