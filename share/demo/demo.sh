#!/bin/sh
# SPDX-License-Identifier: MIT
# The obs demo: a small build-and-deploy pipeline traced end to end in a
# temporary store, then the trace shown as a tree and queried.
set -eu
bin=${OBS_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}
PATH=$bin:$PATH
export PATH
OBS_HOME=$(mktemp -d "${TMPDIR:-/tmp}/obs-demo.XXXXXX")
export OBS_HOME
trap 'rm -rf "$OBS_HOME"' EXIT
unset TRACEPARENT TRACESTATE OTEL_SDK_DISABLED OTEL_TRACES_SAMPLER
work=$OBS_HOME/work
mkdir -p "$work"
cd "$work"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# A project with a Makefile whose recipes are traced one span each.
cat >Makefile <<'MK'
SHELL = obs-trace
.SHELLFLAGS = exec --service build --name $@ -- /bin/sh -c
all: compile test
compile: lib app
lib:
	@sleep 0.12; echo "  cc  lib.o"
app:
	@sleep 0.08; echo "  cc  app.o"
test:
	@sleep 0.05; echo "  test: 42 passed"
MK

# A flaky upload that fails twice before it succeeds.
cat >upload.sh <<'SH'
#!/bin/sh
n=$(cat attempts 2>/dev/null || echo 0); n=$((n + 1)); echo $n >attempts
sleep 0.03
[ "$n" -ge 3 ] || { obs-log error "upload failed" attempt=$n reason="connection reset"; exit 75; }
obs-log info "upload done" attempts=$n bytes=48213
obs-metric observe upload_duration_seconds 0.0$n --label target=staging
echo "  upload: ok after $n attempts"
SH
chmod +x upload.sh

say "running a traced pipeline: make, a retried upload, a failing smoke test (spans, logs, metrics)"
export OBS_SERVICE=deployer
eval "$(obs-trace start --attr env=staging deploy)"
obs-trace exec --service build --name build -- make -s all
for attempt in 1 2 3; do
	if obs-trace exec --name upload --attr attempt=$attempt -- ./upload.sh; then
		break
	fi
	obs-trace event --attr attempt=$attempt retry
	obs-metric inc deploy_retries_total --label step=upload
done
obs-metric inc deploys_total --label env=staging
obs-trace exec --name smoke-test --timeout 200ms -- sleep 5 || echo "  smoke-test: timed out (exit $?)"
obs-trace end --status error --message "smoke test timed out"
trace=$(obs-trace query --name deploy --limit 1 | sed 's/.*"trace_id":"\([0-9a-f]*\)".*/\1/')

say "obs-trace show $trace"
obs-trace show -o tree "$trace"

say "obs-trace query --trace ${trace%"${trace#????????}"}... --status error -o table"
obs-trace query --trace "$trace" --status error -o table

say "obs-trace query --traces -o table"
obs-trace query --traces -o table

say "obs-log query --level warn  (logs carry the trace and span they were written in)"
obs-log query --level warn -o ndjson | jq -c '{time, level, msg, service, attempt, trace_id, span_id}'

say "obs-metric query 'sum by (step) (deploy_retries_total)' and the Prometheus text format"
obs-metric query -o table 'sum by (step) (deploy_retries_total)'
obs-metric expose | grep -v '^#' | grep -E 'deploy|upload_duration_seconds_(count|sum)'

say "one record, as stored (NDJSON, one object per line)"
obs-trace query --name upload --limit 1
echo
echo "The store was $OBS_HOME (removed now). Try: obs-trace exec -- make test"
