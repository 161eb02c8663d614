#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compare what obs_collect emits with a real node_exporter on this machine: metric names, label names, series and stable values.
#
# Usage: tests/integration/collect-vs-node-exporter.sh   (after `make all`)
# Installs Debian's prometheus-node-exporter when missing (as root), runs its
# own instance on 127.0.0.1 on a free port with the collectors obs_collect
# covers and upstream's default excludes (Debian patches its defaults), and
# compares. Exit 0 when everything agrees, 1 when something differs, 77 when
# node_exporter cannot be had.
set -euo pipefail

prog=collect-vs-node-exporter
top=$(cd "$(dirname "$0")/../.." && pwd)
dump=${OBS_TEST_HELPERS:-$top/build/tests/helpers}/collect_dump
exporter=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}

[ -x "$dump" ] || { echo "$prog: no '$dump': run make all first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "$prog: python3 is needed" >&2; exit 2; }
command -v curl >/dev/null || { echo "$prog: curl is needed" >&2; exit 2; }

if [ ! -x "$exporter" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "$prog: skipped: prometheus-node-exporter is not installed (apt-get install prometheus-node-exporter)"
		exit 77
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-node-exporter >/dev/null ||
		{ echo "$prog: skipped: cannot install prometheus-node-exporter"; exit 77; }
	# the package may have started its system service: only our own instance is wanted
	if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus-node-exporter 2>/dev/null; then
		systemctl stop prometheus-node-exporter || true
	fi
	if [ -x /etc/init.d/prometheus-node-exporter ]; then
		/etc/init.d/prometheus-node-exporter stop >/dev/null 2>&1 || true
	fi
fi

tmp=$(mktemp -d /tmp/obs-collect-vs-ne-XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# upstream's defaults, as obs_collect has them (Debian's package patches its own in)
args=(
	--web.listen-address="127.0.0.1:$port"
	--collector.disable-defaults
	--collector.cpu --collector.stat --collector.meminfo --collector.loadavg
	--collector.filesystem --collector.diskstats --collector.netdev --collector.time
	'--collector.filesystem.mount-points-exclude=^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)'
	'--collector.filesystem.fs-types-exclude=^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$'
	'--collector.diskstats.device-exclude=^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$'
	'--collector.netdev.device-exclude='
)
# read /proc/net/dev as obs_collect does, not netlink (which adds receive_nohandler)
# (the help text is read whole first: grep -q closing the pipe early would
# make the exporter die of SIGPIPE and, with pipefail, the test false)
help=$("$exporter" --help 2>&1 || true)
if [[ "$help" == *--collector.netdev.netlink* ]]; then
	args+=(--no-collector.netdev.netlink)
fi

"$exporter" "${args[@]}" >"$tmp/exporter.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
	curl -sf "http://127.0.0.1:$port/metrics" -o "$tmp/theirs.txt" && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/exporter.log" >&2; echo "$prog: node_exporter died" >&2; exit 1; }
	sleep 0.1
done
[ -s "$tmp/theirs.txt" ] || { cat "$tmp/exporter.log" >&2; echo "$prog: no answer from node_exporter" >&2; exit 1; }
version=$("$exporter" --version 2>&1 || true)
printf '%s\n' "${version%%$'\n'*}" >"$tmp/version"
"$dump" --collectors cpu,stat,meminfo,loadavg,filesystem,diskstats,netdev,time >"$tmp/ours.txt"
"$dump" --process "$pid" >"$tmp/ours-process.txt"

python3 - "$tmp" <<'EOF'
import re, sys

tmp = sys.argv[1]
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')

def parse(path):
    """{(name, ((label, value), ...)): value} and {name: (type, help)}"""
    series, meta = {}, {}
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('# HELP '):
            name, _, text = line[7:].partition(' ')
            meta.setdefault(name, [None, None])[1] = text
            continue
        if line.startswith('# TYPE '):
            name, _, typ = line[7:].partition(' ')
            meta.setdefault(name, [None, None])[0] = typ
            continue
        if not line or line.startswith('#'):
            continue
        m = line_re.match(line)
        if not m:
            sys.exit('cannot parse %r in %s' % (line, path))
        labels = tuple(sorted(label_re.findall(m.group(2) or '')))
        series[(m.group(1), labels)] = float(m.group(3))
    return series, meta

theirs, their_meta = parse(tmp + '/theirs.txt')
ours, our_meta = parse(tmp + '/ours.txt')
ours_p, ours_p_meta = parse(tmp + '/ours-process.txt')
version = open(tmp + '/version').read().strip()

# node_exporter's own metrics and info metrics obs_collect leaves out on purpose
left_out = re.compile(r'^(go_|promhttp_|process_|node_exporter_build_info$|node_scrape_collector_'
                      r'|node_disk_info$|node_time_clocksource_)')
failed = []

their_names = {n for n, _ in theirs if not left_out.match(n)}
our_names = {n for n, _ in ours}
both = sorted(their_names & our_names)
print('%s against %s' % ('obs_collect', version))
print('families in both: %d' % len(both))
for n in sorted(their_names - our_names):
    failed.append('only node_exporter has %s' % n)
for n in sorted(our_names - their_names):
    failed.append('only obs_collect has %s' % n)
print('left out on purpose: %s' % ', '.join(sorted({n for n, _ in theirs if left_out.match(n)
                                                     and not n.startswith(('go_', 'promhttp_', 'process_'))})))

for n in both:
    tl = {tuple(k for k, _ in l) for m, l in theirs if m == n}
    ol = {tuple(k for k, _ in l) for m, l in ours if m == n}
    if tl != ol:
        failed.append('%s: label names %s (node_exporter) vs %s (obs_collect)' % (n, sorted(tl), sorted(ol)))
    if their_meta.get(n) != our_meta.get(n):
        failed.append('%s: TYPE/HELP %s (node_exporter) vs %s (obs_collect)' % (n, their_meta.get(n), our_meta.get(n)))

# the same series: same devices, mount points, CPUs, fields
ts = {k for k in theirs if k[0] in their_names}
os_ = set(ours)
for k in sorted(ts - os_):
    failed.append('series only node_exporter has: %s%s' % (k[0], dict(k[1])))
for k in sorted(os_ - ts):
    failed.append('series only obs_collect has: %s%s' % (k[0], dict(k[1])))

# values that do not move between the two reads; counters only grow
stable = re.compile(r'^(node_boot_time_seconds|node_memory_(MemTotal|SwapTotal|Hugepagesize|HugePages_Total|VmallocTotal)(_bytes)?'
                    r'|node_filesystem_(size_bytes|files|readonly|device_error)|node_time_zone_offset_seconds)$')
checked = 0
for k in sorted(ts & os_):
    t, o = theirs[k], ours[k]
    if stable.match(k[0]):
        checked += 1
        if t != o:
            failed.append('%s%s: %r (node_exporter) vs %r (obs_collect)' % (k[0], dict(k[1]), t, o))
    elif their_meta.get(k[0], [None])[0] == 'counter':
        checked += 1
        # the scrape itself moves lo's counters; CPU seconds can only have grown a little
        if not (t <= o and (not k[0].startswith('node_cpu') or o <= t + 60)):
            failed.append('%s%s: counter %r (node_exporter) then %r (obs_collect)' % (k[0], dict(k[1]), t, o))
t_now = theirs.get(('node_time_seconds', ()))
o_now = ours.get(('node_time_seconds', ()))
if t_now is None or o_now is None or not (t_now <= o_now <= t_now + 60):
    failed.append('node_time_seconds: %r (node_exporter) then %r (obs_collect)' % (t_now, o_now))
print('series in both: %d, values compared: %d' % (len(ts & os_), checked))

# the process collector, pointed at node_exporter itself
tp = {k: v for k, v in theirs.items() if k[0].startswith('process_')}
tpn = {n for n, _ in tp}
opn = {n for n, _ in ours_p}
extra = opn - tpn
print('process families in both: %d (%s); obs_collect adds %s' % (len(tpn & opn), ', '.join(sorted(tpn & opn)), ', '.join(sorted(extra)) or 'nothing'))
if extra - {'process_threads'}:
    failed.append('process: only obs_collect has %s' % sorted(extra - {'process_threads'}))
if tpn - opn:
    failed.append('process: only node_exporter has %s' % sorted(tpn - opn))
for n in sorted(tpn & opn):
    if their_meta.get(n) != ours_p_meta.get(n):
        failed.append('%s: TYPE/HELP %s vs %s' % (n, their_meta.get(n), ours_p_meta.get(n)))
    t, o = tp[(n, ())], ours_p[(n, ())]
    if n in ('process_max_fds', 'process_virtual_memory_max_bytes') and t != o:
        failed.append('%s: %r (node_exporter) vs %r (obs_collect)' % (n, t, o))
    if n == 'process_start_time_seconds' and abs(t - o) > 0.02:
        failed.append('%s: %r (node_exporter) vs %r (obs_collect)' % (n, t, o))
    if n == 'process_cpu_seconds_total' and not (t <= o <= t + 5):
        failed.append('%s: %r then %r' % (n, t, o))

for f in failed:
    print('DIFF ' + f)
print('%d families compared, %d differences' % (len(both) + len(tpn & opn), len(failed)))
sys.exit(1 if failed else 0)
EOF
