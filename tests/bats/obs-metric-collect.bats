#!/usr/bin/env bats
# obs-metric collect: host metrics, process metrics (--pid, -- CMD), intervals, errors.

load common
bats_require_minimum_version 1.5.0

PROC="$BATS_TEST_DIRNAME/../fixtures/proc"
T='"time":"2026-11-24T10:00:00.000000000Z"'

setup() {
	obs_setup
	export OBS_FAKE_TIME=2026-11-24T10:00:00Z
}

@test "host metrics from a procfs, named as node_exporter names them" {
	run --separate-stderr obs_metric collect --stdout --procfs "$PROC" --collectors loadavg
	assert_success
	assert_equal "$stderr" ""
	assert_output "{\"type\":\"metric\",\"name\":\"node_load1\",\"metric_type\":\"gauge\",\"value\":2.06,\"labels\":{},$T,\"help\":\"1m load average.\"}
{\"type\":\"metric\",\"name\":\"node_load5\",\"metric_type\":\"gauge\",\"value\":1.87,\"labels\":{},$T,\"help\":\"5m load average.\"}
{\"type\":\"metric\",\"name\":\"node_load15\",\"metric_type\":\"gauge\",\"value\":1.05,\"labels\":{},$T,\"help\":\"15m load average.\"}"
}

@test "counters are cumulative records, with units; --label adds labels" {
	run obs_metric collect --stdout --procfs "$PROC" --collectors cpu,stat -l instance=h1
	assert_success
	assert_line --index 0 "{\"type\":\"metric\",\"name\":\"node_cpu_seconds_total\",\"metric_type\":\"counter\",\"value\":767.18,\"labels\":{\"cpu\":\"0\",\"mode\":\"user\",\"instance\":\"h1\"},$T,\"help\":\"Seconds the CPUs spent in each mode.\",\"unit\":\"seconds\",\"cumulative\":true}"
	[ "$(printf '%s\n' "$output" | jq -r 'select(.metric_type=="counter") | .cumulative' | sort -u)" = true ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.metric_type=="gauge") | has("cumulative")' | sort -u)" = false ]
	[ "$(printf '%s\n' "$output" | jq -r .labels.instance | sort -u)" = h1 ]
}

@test "the host's own metrics, into the store; expose gives node_exporter's families" {
	run --separate-stderr obs_metric collect
	assert_success
	for m in node_cpu_seconds_total node_memory_MemTotal_bytes node_load1 node_filesystem_size_bytes \
		node_network_receive_bytes_total node_boot_time_seconds node_time_seconds node_intr_total; do
		metrics | grep -q "\"name\":\"$m\"" || { echo "missing $m"; false; }
	done
	run obs_metric expose --match 'node_memory_MemTotal_bytes' </dev/null
	assert_success
	assert_line --index 0 "# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes."
	assert_line --index 1 "# TYPE node_memory_MemTotal_bytes gauge"
}

@test "a collector whose file is missing is skipped with a warning, exit 0" {
	mkdir -p "$BATS_TEST_TMPDIR/proc"
	cp "$PROC/loadavg" "$BATS_TEST_TMPDIR/proc/"
	run --separate-stderr obs_metric collect --stdout --procfs "$BATS_TEST_TMPDIR/proc" --collectors loadavg,diskstats
	assert_success
	assert_equal "$stderr" "obs-metric: collect: skipping diskstats: cannot open '$BATS_TEST_TMPDIR/proc/diskstats': No such file or directory"
	[ "${#lines[@]}" -eq 3 ]
}

@test "a malformed /proc file is a runtime failure, exit 3" {
	mkdir -p "$BATS_TEST_TMPDIR/proc"
	printf 'x y z\n' >"$BATS_TEST_TMPDIR/proc/loadavg"
	run --separate-stderr obs_metric collect --stdout --procfs "$BATS_TEST_TMPDIR/proc" --collectors loadavg
	assert_failure 3
	[[ "$stderr" == "obs-metric: "*"$BATS_TEST_TMPDIR/proc/loadavg"* ]]
}

@test "--pid: the process collector's metrics with pid and command labels" {
	run --separate-stderr obs_metric collect --stdout --procfs "$PROC" --pid 4242
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "{\"type\":\"metric\",\"name\":\"process_cpu_seconds_total\",\"metric_type\":\"counter\",\"value\":18.01,\"labels\":{\"pid\":\"4242\",\"command\":\"my (odd) worker\"},$T,\"help\":\"Total user and system CPU time spent in seconds.\",\"unit\":\"seconds\",\"cumulative\":true}"
	[ "$(printf '%s\n' "$output" | jq -r .name | tr '\n' ' ')" = "process_cpu_seconds_total process_virtual_memory_bytes process_resident_memory_bytes process_start_time_seconds process_open_fds process_max_fds process_virtual_memory_max_bytes process_threads " ]
}

@test "--pid of a live process, and of none (exit 3)" {
	sleep 30 &
	pid=$!
	run obs_metric collect --stdout --pid $pid
	kill $pid
	assert_success
	[ "$(printf '%s\n' "$output" | jq -r '.labels.command' | sort -u)" = sleep ]
	run --separate-stderr obs_metric collect --stdout --pid 2147483646
	assert_failure 3
	assert_equal "$stderr" "obs-metric: cannot open '/proc/2147483646/stat': No such file or directory"
}

@test "--interval and --count: that many collections, each flushed" {
	unset OBS_FAKE_TIME
	run obs_metric collect --collectors loadavg --interval 100ms --count 3
	assert_success
	[ "$(metrics | jq -r .time | sort -u | wc -l)" -eq 3 ]
	[ "$(metrics | wc -l)" -eq 9 ]
}

@test "--pid with --interval ends quietly when the process does" {
	unset OBS_FAKE_TIME
	sleep 0.3 &
	pid=$!
	run --separate-stderr obs_metric collect --stdout --pid $pid --interval 100ms
	assert_success
	[ "$(printf '%s\n' "$output" | jq -r 'select(.name=="process_threads") | .time' | wc -l)" -ge 2 ]
}

@test "-- CMD: runs it, samples it, records the final sample from getrusage, exits with its status" {
	unset OBS_FAKE_TIME
	run --separate-stderr obs_metric collect --interval 100ms -- sh -c 'sleep 0.35; exit 3'
	assert_failure 3
	assert_equal "$stderr" ""
	[ "$(metrics | jq -r 'select(.name=="process_threads") | .labels.command' | sort -u)" = sh ]
	[ "$(metrics | jq -r 'select(.name=="process_threads")' | jq -s length)" -ge 2 ]
	[ "$(metrics | jq -r 'select(.name=="process_exit_code") | .value')" = 3 ]
	[ "$(metrics | jq -r 'select(.name=="process_resident_memory_peak_bytes") | .value > 0')" = true ]
	[ "$(metrics | jq -r 'select(.name=="process_cpu_seconds_total") | .cumulative' | sort -u)" = true ]
	# The final sample is the last one.
	[ "$(metrics | tail -n 1 | jq -r .name)" = process_exit_code ]
}

@test "-- CMD: the final CPU time counts the children the command waited for" {
	run obs_metric collect --stdout -- sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'
	assert_success
	[ "$(printf '%s\n' "$output" | jq -r 'select(.name=="process_cpu_seconds_total") | .value > 0.05')" = true ]
	[ "$(printf '%s\n' "$output" | jq -r .name | tr '\n' ' ')" = "process_cpu_seconds_total process_start_time_seconds process_resident_memory_peak_bytes process_exit_code " ]
}

@test "-- CMD: signals pass through; killed gives 128+N" {
	"$OBS_BIN/obs-metric" collect -- sleep 10 &
	pid=$!
	# Once sleep runs, obs-metric waits for it with the signals blocked.
	for _ in $(seq 100); do
		pgrep -P $pid -x sleep >/dev/null && break
		sleep 0.05
	done
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	assert_equal "$rc" 143
	[ "$(metrics | jq -r 'select(.name=="process_exit_code") | .value')" = 143 ]
}

@test "-- CMD: not found 127, not executable 126" {
	run -127 --separate-stderr obs_metric collect -- /nonexistent/cmd
	assert_failure 127
	assert_equal "$stderr" "obs-metric: cannot run '/nonexistent/cmd': No such file or directory"
	run --separate-stderr obs_metric collect -- "$BATS_TEST_DIRNAME"
	assert_failure 126
	[ "$(metrics)" = "" ]
}

@test "usage errors, exit 2" {
	run --separate-stderr obs_metric collect --collectors cpu,gpu
	assert_failure 2
	assert_equal "$stderr" "obs-metric: unknown collector 'gpu' (expected cpu, stat, meminfo, loadavg, filesystem, diskstats, netdev or time)"
	run --separate-stderr obs_metric collect --count 2
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: collect: --count goes with --interval"
	run --separate-stderr obs_metric collect --interval 1s --count 2 -- true
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: collect: --count goes with --interval, without a command"
	run --separate-stderr obs_metric collect --pid 1 -- true
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: collect: --pid or a command, not both"
	run --separate-stderr obs_metric collect --interval 0s
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --interval: duration '0s' must be greater than 0"
	run --separate-stderr obs_metric collect --interval soon
	assert_failure 2
	run --separate-stderr obs_metric collect --pid abc
	assert_failure 2
	assert_equal "$stderr" "obs-metric: --pid: invalid count 'abc' (expected a number > 0)"
	run --separate-stderr obs_metric collect true
	assert_failure 2
	assert_equal "${stderr%%$'\n'*}" "obs-metric: collect: unexpected argument 'true' (a command goes after '--')"
	run --separate-stderr obs_metric collect --collectors ,
	assert_failure 2
	run obs_metric collect --help
	assert_success
	assert_line --index 0 --partial "usage: obs-metric collect"
}

@test "an unwritable store: exit 3 (a command still runs and gives its status)" {
	mkdir -p "$OBS_HOME"
	: >"$OBS_HOME/metrics"
	run --separate-stderr obs_metric collect --collectors loadavg
	assert_failure 3
	[[ "$stderr" == "obs-metric: "*"$OBS_HOME/metrics"* ]]
	run --separate-stderr obs_metric collect -- sh -c 'echo ran; exit 4'
	assert_failure 4
	assert_output "ran"
}
