# SPDX-License-Identifier: MIT
# bash completion for obs-metric
_obs_metric() {
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="inc add set observe import collect scrape expose query help"
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
	if [[ $cmd == collect ]]; then
		for ((i = 2; i < COMP_CWORD; i++)); do
			if [[ ${COMP_WORDS[i]} == -- ]]; then
				_command_offset $((i + 1))
				return
			fi
		done
	fi
	case $prev in
	--type) COMPREPLY=($(compgen -W "histogram summary" -- "$cur")); return ;;
	--format)
		case $cmd in
		import) COMPREPLY=($(compgen -W "auto ndjson prom openmetrics" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "auto prom openmetrics" -- "$cur")) ;;
		esac
		return ;;
	-o|--output) COMPREPLY=($(compgen -W "ndjson json table" -- "$cur")); return ;;
	--collectors)
		local all="cpu stat meminfo loadavg filesystem diskstats netdev time"
		local pre=${cur%"${cur##*,}"}
		COMPREPLY=($(compgen -P "$pre" -W "$all" -- "${cur##*,}"))
		return ;;
	--textfile|--procfs|--rootfs) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--ca-file|--bearer-token-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--pid) COMPREPLY=($(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur")); return ;;
	-l|--label|--by|--help-text|--unit|--time|--since|--until|--match|--buckets|--name|\
	-i|--interval|-c|--count|--job|--instance|--timeout|--start|--end|--step|--lookback)
		return ;;
	esac
	local opts common="--label --help-text --unit --time --stdout --help"
	case $cmd in
	inc) opts="--by $common" ;;
	add|set) opts="$common" ;;
	observe) opts="--type $common" ;;
	import) opts="--format --label --time --stdout --strict --verbose --help" ;;
	collect) opts="--collectors --pid --label --interval --count --procfs --rootfs --stdout --help --" ;;
	scrape) opts="--job --instance --label --timeout --format --ca-file --insecure --bearer-token-file --interval --count --stdout --help" ;;
	expose) opts="--since --until --match --buckets --timestamps --textfile --name --strict --help" ;;
	query) opts="--time --start --end --step --lookback --since --output --strict --help" ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == import || $cmd == expose || $cmd == query ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _obs_metric obs-metric
