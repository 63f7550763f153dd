#!/usr/bin/env bash
# make bench: installs what is missing, builds Release and runs every load scenario, bench/*/run.sh,
# in name order. Each scenario prints its table and writes bench/results/<name>.json.
# Micro benchmarks (bench/bench.list) are separate programs in build/cmake-release/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$repo_root"

scripts/install-deps.sh build bench
scripts/build.sh cmake-release

status=0
for scenario in bench/*/run.sh; do
  say "bench: ${scenario%/run.sh}"
  "$scenario" || { echo "error: $scenario failed" >&2; status=1; }
done
exit "$status"
