#!/usr/bin/env bash
# Where the memory of idle SignalR connections goes: runs tallyhub (--cores 1) under the allocation
# census (alloc_census.cpp, LD_PRELOAD), opens and closes 200 warm-up connections, takes a census,
# opens CENSUS_CONNECTIONS (10000) idle connections, takes another, and prints the heap blocks that
# became live in between, grouped by allocation site, in bytes per connection. A diagnostic for the
# figures of run.sh, not a benchmark (the census slows allocation down and inflates RSS).
#
# Environment: TALLYHUB_BIN (default build/cmake-release/tallyhub), LOAD_BIN (tallyhub-load next to it),
# CENSUS_CONNECTIONS (10000), CENSUS_BACKEND (uring), CENSUS_MODE (negotiate | skip-negotiation),
# CENSUS_TOP (30 sites), CENSUS_HUB (test | metrics: the dashboards' hub, which joins three groups).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)

bin=${TALLYHUB_BIN:-$repo_root/build/cmake-release/tallyhub}
load_bin=${LOAD_BIN:-$(dirname "$bin")/tallyhub-load}
n=${CENSUS_CONNECTIONS:-10000}
backend=${CENSUS_BACKEND:-uring}
mode=${CENSUS_MODE:-negotiate}
top=${CENSUS_TOP:-30}
hub=${CENSUS_HUB:-test}
for tool in g++ addr2line python3 taskset; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/signalr/census: $tool is missing" >&2; exit 1; }
done
if [ ! -x "$bin" ] || [ ! -x "$load_bin" ]; then
  "$repo_root/scripts/build.sh" cmake-release tallyhub tallyhub-load
fi

tmp=$(mktemp -d /tmp/tallyhub-census.XXXXXX)
server_pid=
load_pid=
cleanup() {
  exec 3>&- 2>/dev/null || true
  [ -z "$load_pid" ] || kill -TERM "$load_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

g++ -std=c++20 -O2 -g -Wall -Wextra -shared -fPIC -o "$tmp/alloc_census.so" "$here/alloc_census.cpp" -ldl -pthread

# census N: asks for dump N and waits (at most 20 s) until it is written.
census() {
  touch "$tmp/trigger"
  for _ in $(seq 1 200); do [ -e "$tmp/trigger" ] || break; sleep 0.1; done
  [ ! -e "$tmp/trigger" ] && [ -s "$tmp/census.$1" ] || { echo "bench/signalr/census: no census $1" >&2; exit 1; }
}

ALLOC_CENSUS_TRIGGER=$tmp/trigger ALLOC_CENSUS_OUT=$tmp/census LD_PRELOAD=$tmp/alloc_census.so \
  taskset -c 0 "$bin" --cores 1 --io-backend "$backend" --http 127.0.0.1:0 --admin 127.0.0.1:0 --test-hub \
  --keep-alive-interval 60s --client-timeout 120s --drain-timeout 2s >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^tallyhub: ready$' "$tmp/server.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^tallyhub: ready$' "$tmp/server.out" || { cat "$tmp/server.out" "$tmp/server.err" >&2; exit 1; }
url=$(sed -n 's|^tallyhub: listening on \(http://[^ ]*\)/ (http)$|\1|p' "$tmp/server.out")/hubs/$hub

mode_flag=(); [ "$mode" = skip-negotiation ] && mode_flag=(--skip-negotiation)
taskset -c 1 "$load_bin" "$url" -n 200 "${mode_flag[@]}" --duration 0s --no-progress </dev/null >"$tmp/warmup.out"
sleep 1
census 0

mkfifo "$tmp/hold"
taskset -c 1 "$load_bin" "$url" -n "$n" "${mode_flag[@]}" --duration 0s --hold 120s --no-progress <"$tmp/hold" >"$tmp/load.out" &
load_pid=$!
exec 3>"$tmp/hold"
for _ in $(seq 1 1200); do
  grep -q '^ready ' "$tmp/load.out" 2>/dev/null && break
  kill -0 "$load_pid" 2>/dev/null || break
  sleep 0.1
done
ready=$(sed -n 's/^ready //p' "$tmp/load.out")
[ -n "$ready" ] && [ "$ready" -gt 0 ] || { echo "bench/signalr/census: no connections" >&2; cat "$tmp/load.out" >&2; exit 1; }
sleep 1
census 1
exec 3>&-
wait "$load_pid" || true
load_pid=

echo "tallyhub --io-backend $backend, $ready idle connections ($mode), heap blocks added since the warm-up:"
python3 "$here/alloc_census.py" "$tmp/census.0" "$tmp/census.1" "$ready" "$top"
