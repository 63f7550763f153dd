#!/usr/bin/env bash
# make bench: installs what is missing, builds Release, runs every load scenario, bench/*/run.sh, in
# name order (each prints its table and writes bench/results/<name>.json), then regenerates the
# generated part of bench/RESULTS.md and its charts from those files (node bench/report.mjs).
# BENCH_SCENARIOS="fanout idle" runs only those. Micro benchmarks (bench/bench.list) are separate
# programs in build/cmake-release/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$repo_root"

scripts/install-deps.sh build bench
scripts/build.sh cmake-release

status=0
for scenario in bench/*/run.sh; do
  name=${scenario#bench/}; name=${name%/run.sh}
  [ -z "${BENCH_SCENARIOS:-}" ] || [[ " $BENCH_SCENARIOS " == *" $name "* ]] || continue
  say "bench: $name"
  "$scenario" || { echo "error: $scenario failed" >&2; status=1; }
done
say "bench: report"
node bench/report.mjs || status=1
exit "$status"
