#!/usr/bin/env bash
# Builds the dashboard: web/ → web/dist (esbuild, content-hashed bundles, gzip siblings), which the
# server serves at / (--web-root). With --test it also type-checks web/ with `tsc --noEmit` and runs
# its unit tests (`node --test web/test/*.test.mjs`; those that need the server use
# build/cmake-release/tallyhub, or TALLYHUB_BIN). Each step is attempted even when one before failed.
# The TAP copy goes to build/logs/web.tap, whose closing counts are printed again, and
# build/logs/web.counts gets "PASSED FAILED SKIPPED" for scripts/test.sh (a failed build or tsc
# counts as one failure). web/node_modules comes from `scripts/install-deps.sh build` (npm:web).
# With --browser it runs only the browser tests, web/test/*.e2e.mjs: headless Chromium
# (/usr/bin/chromium, from `scripts/install-deps.sh test`) against the same binary, each test file
# building its own copy of the page; TAP in build/logs/web-browser.tap, counts in
# build/logs/web-browser.counts. It sets TALLYHUB_BROWSER_REQUIRED=1: no Chromium fails, not skips.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
mode=${1:-}
case $mode in '' | --test | --browser) ;; *) die "usage: $0 [--test | --browser]" ;; esac
web=$repo_root/web
tap=$log_dir/web$([ "$mode" = --browser ] && echo -browser).tap
counts=${tap%.tap}.counts

mkdir -p "$log_dir"
rm -f "$tap"
echo "0 1 0" >"$counts"   # until the steps below say otherwise
[ -d "$web/node_modules" ] || die "web/node_modules is missing: run scripts/install-deps.sh build"

rc=0
export TALLYHUB_BIN=${TALLYHUB_BIN:-$repo_root/build/cmake-release/tallyhub}
if [ "$mode" = --browser ]; then
  say "testing the dashboard in headless Chromium (node --test web/test/*.e2e.mjs)"
  (cd "$web" && TALLYHUB_BROWSER_REQUIRED=1 node --test --test-concurrency=1 \
      --test-timeout="$node_test_timeout_ms" \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" test/*.e2e.mjs) || rc=1
else
  say "building the dashboard (web/dist)"
  (cd "$web" && node build.mjs) || rc=1
  [ "$mode" = --test ] || { [ "$rc" -eq 0 ] && echo "0 0 0" >"$counts"; exit "$rc"; }

  say "type-checking the dashboard (tsc --noEmit)"
  (cd "$web" && node_modules/.bin/tsc --noEmit -p tsconfig.json) || { echo "error: tsc --noEmit failed" >&2; rc=1; }
  say "testing the dashboard (node --test web/test)"
  (cd "$web" && node --test --test-timeout="$node_test_timeout_ms" \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" test/*.test.mjs) || rc=1
fi
grep -E '^# (tests|pass|fail|cancelled|skipped|todo) [0-9]+$' "$tap" 2>/dev/null

n() { sed -nE "s/^# $1 ([0-9]+)\$/\1/p" "$tap" 2>/dev/null | tail -n 1 | grep . || echo 0; }
passed=$(n pass) failed=$(($(n fail) + $(n cancelled))) skipped=$(($(n skipped) + $(n todo)))
[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed $failed $skipped" >"$counts"
exit "$rc"
