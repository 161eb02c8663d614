#!/usr/bin/env bats
# obs: the front door (obs NAME runs obs-NAME) and store upkeep.

load common

setup() { obs_setup; }

obs() { "$OBS_BIN/obs" "$@"; }

# Spans on two past days and today.
fill_store() {
	for d in 2026-11-10 2026-11-11; do
		OBS_FAKE_TIME=${d}T10:00:00Z obs_trace exec --name "a $d" -- true
		OBS_FAKE_TIME=${d}T11:00:00Z obs_trace exec --name "b $d" -- true
	done
	OBS_FAKE_TIME=2026-11-24T09:00:00Z obs_trace exec --name today -- true
}

@test "obs runs obs-NAME from beside itself, with its arguments and status" {
	run obs trace id span
	assert_success
	[[ "$output" =~ ^[0-9a-f]{16}$ ]]
	run obs trace exec -- sh -c 'exit 5'
	assert_failure 5
}

@test "obs --help lists the store commands and the tools found; --version" {
	run obs --help
	assert_success
	assert_output --partial "store compact"
	assert_output --partial "trace       ("
	run obs --version
	assert_output --regexp '^obs [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "unknown commands and options are usage errors" {
	run obs nosuch
	assert_failure 2
	assert_output --partial "'nosuch' is not an obs command"
	run obs ../bin/x
	assert_failure 2
	run obs --bogus
	assert_failure 2
	run obs
	assert_failure 2
	run obs store frob
	assert_failure 2
	assert_output --partial "unknown command 'frob'"
}

@test "store info counts segments and bytes per signal" {
	fill_store
	run obs store info -o json
	assert_success
	run jq -c '.signals[] | [.signal, .segments, .compressed, .first, .last]' <<<"$output"
	assert_output '["spans",3,0,"2026-11-10","2026-11-24"]'
	run obs store info -o table
	assert_line --index 0 "store: $OBS_HOME"
	assert_line --index 1 --regexp '^SIGNAL +SEGMENTS +COMPRESSED +BYTES +FIRST +LAST$'
}

@test "store compact gzips closed days; queries read them unchanged" {
	fill_store
	before=$(obs_trace query -o ndjson </dev/null | sort)
	export OBS_FAKE_TIME=2026-11-24T12:00:00Z
	run obs store compact --dry-run
	assert_success
	assert_line "would compact $OBS_HOME/spans/2026-11-10.ndjson"
	[ -f "$OBS_HOME/spans/2026-11-10.ndjson" ]
	run obs store compact
	assert_success
	assert_line "compacted $OBS_HOME/spans/2026-11-10.ndjson"
	assert_line "compacted $OBS_HOME/spans/2026-11-11.ndjson"
	[ -f "$OBS_HOME/spans/2026-11-10.ndjson.gz" ]
	[ ! -e "$OBS_HOME/spans/2026-11-10.ndjson" ]
	[ -f "$OBS_HOME/spans/2026-11-24.ndjson" ]
	[ "$(obs_trace query -o ndjson </dev/null | sort)" = "$before" ]
	run obs store compact
	assert_success
	assert_output --partial "nothing to compact"
	run obs store compact --level 12
	assert_failure 2
}

@test "store prune removes days older than the retention, and needs --older-than" {
	fill_store
	export OBS_FAKE_TIME=2026-11-24T12:00:00Z
	run obs store prune
	assert_failure 2
	assert_output --partial "--older-than is needed"
	run obs store prune --older-than 13d
	assert_success
	assert_output "removed $OBS_HOME/spans/2026-11-10.ndjson"
	run obs_trace query -o ndjson </dev/null
	[ "${#lines[@]}" -eq 3 ]
}

@test "store verify reads every record back and exits 1 on problems" {
	fill_store
	run obs store verify
	assert_success
	assert_output "3 segments, 5 records, 0 problems"
	printf 'junk\n{"torn":' >>"$OBS_HOME/spans/2026-11-24.ndjson"
	run obs store verify
	assert_failure 1
	assert_output --partial "2026-11-24.ndjson:2: not a JSON object"
	assert_output --partial "torn last line"
	assert_output --partial "3 segments, 7 records, 3 problems"
}

@test "store commands on an empty or missing store" {
	run obs store info -o json
	assert_success
	assert_output "{\"root\":\"$OBS_HOME\",\"signals\":[]}"
	run obs store verify
	assert_success
	assert_output "0 segments, 0 records, 0 problems"
}
