# SPDX-License-Identifier: MIT
# fish completion for obs
complete -c obs -f
complete -c obs -n '__fish_is_first_arg' -a store -d 'keep the local store'
complete -c obs -n '__fish_is_first_arg' -a '(complete -C "obs-" | string replace -r "^obs-" "")' -d 'obs tool'
complete -c obs -n '__fish_is_first_arg' -l help -d 'show help'
complete -c obs -n '__fish_is_first_arg' -l version -d 'show version'
complete -c obs -n '__fish_seen_subcommand_from store; and not __fish_seen_subcommand_from info compact prune verify' -a 'info compact prune verify'
complete -c obs -n '__fish_seen_subcommand_from store' -s s -l signal -xa 'spans metrics logs events' -d 'only this signal'
complete -c obs -n '__fish_seen_subcommand_from store' -l older-than -x -d 'days that ended this long ago'
complete -c obs -n '__fish_seen_subcommand_from store' -s l -l level -xa '1 2 3 4 5 6 7 8 9' -d 'gzip level'
complete -c obs -n '__fish_seen_subcommand_from store' -s n -l dry-run -d 'only say what would be done'
complete -c obs -n '__fish_seen_subcommand_from store' -s o -l output -xa 'table json' -d 'format'
