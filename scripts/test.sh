#!/usr/bin/env bash
# make test: installs what is missing, builds the project with both build systems, starts the
# services the tests need, runs every test suite, stops the services, and exits non-zero when any
# step failed. Both trees are always attempted so that one run reports everything that is broken:
#   build/cmake-release  CMake + Ninja, Release, -DTALLYHUB_WERROR=ON   tested with ctest
#   build/meson-asan     Meson, debug, ASan + UBSan                      tested with meson test
set -uo pipefail   # no -e: a failing step is recorded and the next one still runs
source "$(dirname "$0")/lib.sh"
cd "$repo_root"
started=$SECONDS

scripts/install-deps.sh build test || exit 1

failures=()
passed=0 failed=0 skipped=0

built=()
for config in cmake-release meson-asan; do
  if scripts/build.sh "$config"; then
    built+=("$config")
  else
    failures+=("$config: build failed")
  fi
done

source scripts/services.sh
services_start || { echo "error: test services did not start" >&2; exit 1; }

# ctest's closing line: "100% tests passed, 0 tests failed out of 42".
run_ctest() {
  local log=$log_dir/ctest.log
  say "testing cmake-release (ctest)"
  (cd build/cmake-release && ctest --output-on-failure -j "$jobs" --no-tests=error --timeout 300) 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line total nfail
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    nfail=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + total - nfail)); failed=$((failed + nfail))
  fi
  [ "$rc" -eq 0 ] || failures+=("cmake-release: ctest failed (exit $rc)")
}

# meson test writes one JSON object per test to meson-logs/testlog.json; count their results.
run_meson_test() {
  local dir=build/meson-asan
  say "testing meson-asan (meson test, ASan + UBSan)"
  rm -f "$dir/meson-logs/testlog.json"
  meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes "$jobs"
  local rc=$?
  local results ok bad skip
  results=$(grep -o '"result": *"[A-Z]*"' "$dir/meson-logs/testlog.json" 2>/dev/null | sed -E 's/.*"([A-Z]+)"$/\1/')
  ok=$(grep -cxE 'OK|EXPECTEDFAIL' <<<"$results")
  skip=$(grep -cx 'SKIP' <<<"$results")
  bad=$(grep -cvxE 'OK|EXPECTEDFAIL|SKIP|' <<<"$results")
  passed=$((passed + ok)); failed=$((failed + bad)); skipped=$((skipped + skip))
  if [ "$rc" -ne 0 ]; then
    failures+=("meson-asan: meson test failed (exit $rc)")
  elif [ $((ok + bad + skip)) -eq 0 ]; then
    failures+=("meson-asan: no tests were run")
  fi
}

# tap_count FILE KEY: N from node's closing TAP line "# KEY N", or 0.
tap_count() {
  local n
  n=$(sed -nE "s/^# $2 ([0-9]+)\$/\1/p" "$1" 2>/dev/null | tail -n 1)
  echo "${n:-0}"
}

# node's test runner on tests/e2e: the official SignalR client and raw WebSocket peers against the
# Release binary. The spec report goes to the terminal and a TAP copy to the log, whose closing
# "# tests N" / "# pass N" / "# fail N" lines are printed again and counted.
run_node_e2e() {
  local dir=tests/e2e
  local log=$log_dir/node-e2e.tap
  say "testing tests/e2e (node --test: @microsoft/signalr against build/cmake-release/tallyhub)"
  mkdir -p "$log_dir"
  rm -f "$log"
  # --test-timeout bounds every test and every file: a file that overruns (a hung hook, a handle that
  # keeps its process alive) is stopped with SIGTERM and reported as failed. (Not --test-force-exit:
  # it exits before the TAP file reporter has written its closing counts.)
  (cd "$dir" && TALLYHUB_BIN=$repo_root/build/cmake-release/tallyhub node --test --test-concurrency=4 \
      --test-timeout="$node_test_timeout_ms" \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$log")
  local rc=$?
  local total ok bad cancelled skip todo
  total=$(tap_count "$log" tests) ok=$(tap_count "$log" pass) bad=$(tap_count "$log" fail)
  cancelled=$(tap_count "$log" cancelled) skip=$(tap_count "$log" skipped) todo=$(tap_count "$log" todo)
  grep -E '^# (tests|pass|fail|cancelled|skipped|todo) [0-9]+$' "$log" 2>/dev/null
  passed=$((passed + ok)); failed=$((failed + bad + cancelled)); skipped=$((skipped + skip + todo))
  if [ "$rc" -ne 0 ]; then
    # A failing after hook (e.g. the server did not exit 0 on SIGTERM) fails the run but no test.
    [ $((bad + cancelled)) -gt 0 ] || failed=$((failed + 1))
    failures+=("tests/e2e: node --test failed (exit $rc)")
  elif [ "$total" -eq 0 ]; then
    failures+=("tests/e2e: no tests were run")
  fi
}

for config in "${built[@]}"; do
  case $config in
    cmake-release) run_ctest; run_node_e2e ;;
    meson-asan) run_meson_test ;;
  esac
done
scripts/build-web.sh --test || failures+=("web: dashboard build, tsc --noEmit or node --test failed")
read -r p f s <"$log_dir/web.counts" && passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
scripts/build-web.sh --browser || failures+=("web: the browser test (headless Chromium, web/test/*.e2e.mjs) failed")
read -r p f s <"$log_dir/web-browser.counts" && passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))

services_stop

echo
elapsed=$((SECONDS - started))
if [ ${#failures[@]} -eq 0 ]; then
  say "make test: all passed in $((elapsed / 60))m$((elapsed % 60))s"
else
  say "make test: FAILED after $((elapsed / 60))m$((elapsed % 60))s"
  printf '    %s\n' "${failures[@]}"
fi
printf 'tests: %d passed, %d failed%s\n' "$passed" "$failed" "$([ "$skipped" -gt 0 ] && echo ", $skipped skipped")"
[ ${#failures[@]} -eq 0 ]
