# SPDX-License-Identifier: MIT
# bash completion for obs
_obs() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} tools
	if ((COMP_CWORD == 1)); then
		tools=$(compgen -c obs- | sed 's/^obs-//' | sort -u)
		COMPREPLY=($(compgen -W "store $tools --help --version" -- "$cur"))
		return
	fi
	if [[ ${COMP_WORDS[1]} != store ]]; then
		# hand over to obs-NAME's completion when it is loaded
		local f
		f=$(complete -p "obs-${COMP_WORDS[1]}" 2>/dev/null | sed -n 's/.*-F \([^ ]*\).*/\1/p')
		if [[ -n $f ]]; then
			COMP_WORDS=("obs-${COMP_WORDS[1]}" "${COMP_WORDS[@]:2}")
			((COMP_CWORD--))
			"$f"
		fi
		return
	fi
	if ((COMP_CWORD == 2)); then
		COMPREPLY=($(compgen -W "info compact prune verify" -- "$cur"))
		return
	fi
	case $prev in
	-s|--signal) COMPREPLY=($(compgen -W "spans metrics logs events" -- "$cur")); return ;;
	-o|--output) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
	--older-than|-l|--level) return ;;
	esac
	COMPREPLY=($(compgen -W "--signal --older-than --level --dry-run --output --help" -- "$cur"))
}
complete -F _obs obs
