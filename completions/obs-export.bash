# SPDX-License-Identifier: MIT
# bash completion for obs-export
_obs_export() {
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="otlp pushgateway remote-write loki elasticsearch splunk datadog zipkin webhook file serve help"
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
	-s|--signal)
		case $cmd in
		zipkin) COMPREPLY=($(compgen -W "spans" -- "$cur")) ;;
		pushgateway|remote-write) COMPREPLY=($(compgen -W "metrics" -- "$cur")) ;;
		datadog) COMPREPLY=($(compgen -W "metrics logs metrics,logs" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "spans metrics logs spans,metrics,logs" -- "$cur")) ;;
		esac
		return ;;
	--compression) COMPREPLY=($(compgen -W "gzip none" -- "$cur")); return ;;
	--protocol) COMPREPLY=($(compgen -W "http/protobuf http/json" -- "$cur")); return ;;
	--method) COMPREPLY=($(compgen -W "put post" -- "$cur")); return ;;
	--op) COMPREPLY=($(compgen -W "create index" -- "$cur")); return ;;
	--line) COMPREPLY=($(compgen -W "json msg" -- "$cur")); return ;;
	--header-file|--cacert|--cert|--key|--dead-letter|--output|--token-file|--api-key-file)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-u|--url|--endpoint|--name|--since|--batch|--batch-bytes|--flush-interval|--poll-interval|\
	--timeout|--retry-deadline|--retry-initial|--retry-max|-H|--header|--buckets|--job|--group|\
	--label|--static-label|--index|--sourcetype|--source|--site|--tag|-l|--listen|--max-body|\
	--max-decompressed|--max-connections|--metrics-window|--shutdown-timeout)
		return ;;
	esac
	local common="--url --signal --name --since --reset-cursor --follow --batch --batch-bytes
		--flush-interval --poll-interval --timeout --retry-deadline --retry-initial --retry-max
		--compression --header --header-file --cacert --cert --key --insecure --dead-letter
		--progress --no-progress --verbose --quiet --help"
	local opts
	case $cmd in
	otlp) opts="--endpoint --protocol --buckets" ;;
	pushgateway) opts="--job --group --method --buckets" ;;
	remote-write) opts="--buckets" ;;
	loki) opts="--label --static-label --line" ;;
	elasticsearch) opts="--index --op --no-id" ;;
	splunk) opts="--token-file --index --sourcetype --source" ;;
	datadog) opts="--site --api-key-file --source --tag" ;;
	file) opts="--output --buckets" ;;
	zipkin|webhook) opts="" ;;
	serve)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--listen --token-file --max-body --max-decompressed
				--max-connections --metrics-window --buckets --shutdown-timeout --verbose --help" -- "$cur"))
		fi
		return ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $common" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _obs_export obs-export
