#!/usr/bin/env bash
# Builds the dashboard: web/ → web/dist (esbuild, content-hashed bundles, gzip siblings), which the
# server serves at / (--web-root). With --test it also type-checks web/ with `tsc --noEmit` and runs
# its unit tests (`node --test web/test/*.test.mjs`); their TAP copy goes to build/logs/web.tap,
# whose closing counts are printed again. Both are attempted even when one fails.
# web/node_modules comes from `scripts/install-deps.sh build` (npm:web in scripts/packages.txt).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
web=$repo_root/web
tap=$log_dir/web.tap

[ -d "$web/node_modules" ] || die "web/node_modules is missing: run scripts/install-deps.sh build"
mkdir -p "$log_dir"
rm -f "$tap"

say "building the dashboard (web/dist)"
(cd "$web" && node build.mjs) || exit 1
[ "${1:-}" = --test ] || exit 0

rc=0
say "type-checking the dashboard (tsc --noEmit)"
(cd "$web" && node_modules/.bin/tsc --noEmit -p tsconfig.json) || { echo "error: tsc --noEmit failed" >&2; rc=1; }
say "testing the dashboard (node --test web/test)"
(cd "$web" && node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" test/*.test.mjs) || rc=1
grep -E '^# (tests|pass|fail|cancelled|skipped|todo) [0-9]+$' "$tap" 2>/dev/null
exit "$rc"
