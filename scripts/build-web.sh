#!/usr/bin/env bash
# Builds the dashboard: web/ → web/dist (esbuild, content-hashed bundles, gzip siblings), which the
# server serves at / (--web-root). With --test it also type-checks web/ with `tsc --noEmit` and runs
# its unit tests (`node --test web/test/*.test.mjs`; those that need the server use
# build/cmake-release/tallyhub, or TALLYHUB_BIN). Each step is attempted even when one before failed.
# The TAP copy goes to build/logs/web.tap, whose closing counts are printed again, and
# build/logs/web.counts gets "PASSED FAILED SKIPPED" for scripts/test.sh (a failed build or tsc
# counts as one failure). web/node_modules comes from `scripts/install-deps.sh build` (npm:web).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
web=$repo_root/web
tap=$log_dir/web.tap
counts=$log_dir/web.counts

mkdir -p "$log_dir"
rm -f "$tap"
echo "0 1 0" >"$counts"   # until the steps below say otherwise
[ -d "$web/node_modules" ] || die "web/node_modules is missing: run scripts/install-deps.sh build"

rc=0
say "building the dashboard (web/dist)"
(cd "$web" && node build.mjs) || rc=1
[ "${1:-}" = --test ] || { [ "$rc" -eq 0 ] && echo "0 0 0" >"$counts"; exit "$rc"; }

say "type-checking the dashboard (tsc --noEmit)"
(cd "$web" && node_modules/.bin/tsc --noEmit -p tsconfig.json) || { echo "error: tsc --noEmit failed" >&2; rc=1; }
say "testing the dashboard (node --test web/test)"
(cd "$web" && TALLYHUB_BIN=${TALLYHUB_BIN:-$repo_root/build/cmake-release/tallyhub} node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" test/*.test.mjs) || rc=1
grep -E '^# (tests|pass|fail|cancelled|skipped|todo) [0-9]+$' "$tap" 2>/dev/null

n() { sed -nE "s/^# $1 ([0-9]+)\$/\1/p" "$tap" 2>/dev/null | tail -n 1 | grep . || echo 0; }
passed=$(n pass) failed=$(($(n fail) + $(n cancelled))) skipped=$(($(n skipped) + $(n todo)))
[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed $failed $skipped" >"$counts"
exit "$rc"
