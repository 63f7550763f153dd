#!/usr/bin/env bash
# SignalR connection scenario: what an idle connection costs the server in user-space memory (RSS),
# and how many new connections per second it sets up (negotiate + WebSocket upgrade + handshake).
# tallyhub runs with --cores 1 pinned to core 0, once per I/O backend (uring, then epoll); the load
# tool, tallyhub-connect-load, runs on core 1. See bench/signalr/README.md.
#
# Per backend:
#   1. warm-up: 200 connections opened and closed (pools, tables and allocator pages exist now);
#      then VmRSS = baseline;
#   2. BENCH_IDLE connections (10,000) opened and held idle; VmRSS again; bytes per connection =
#      (after - baseline) / established;
#   3. BENCH_RUNS x (BENCH_RATE connections with negotiate, then the same with skipNegotiation),
#      concurrency BENCH_CONCURRENCY; median connects/s, p50/p99 latency, server CPU%.
#
# Environment: TALLYHUB_BIN (default build/cmake-release/tallyhub), CONNECT_LOAD_BIN (default: next
# to TALLYHUB_BIN), BENCH_IDLE (10000), BENCH_RATE (5000), BENCH_CONCURRENCY (64), BENCH_RUNS (3),
# BENCH_OUT (bench/results/signalr-connect.json).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)

bin=${TALLYHUB_BIN:-$repo_root/build/cmake-release/tallyhub}
load_bin=${CONNECT_LOAD_BIN:-$(dirname "$bin")/tallyhub-connect-load}
idle=${BENCH_IDLE:-10000}
rate=${BENCH_RATE:-5000}
concurrency=${BENCH_CONCURRENCY:-64}
runs=${BENCH_RUNS:-3}
warmup=200
out_json=${BENCH_OUT:-$repo_root/bench/results/signalr-connect.json}
# Each tallyhub and the load tool hold one descriptor per connection (limit here: 20,000).
[ "$idle" -le 15000 ] && [ "$rate" -le 15000 ] || { echo "bench/signalr: BENCH_IDLE and BENCH_RATE are at most 15000" >&2; exit 2; }

command -v taskset >/dev/null 2>&1 || { echo "bench/signalr: taskset is missing; run 'make bench'" >&2; exit 1; }
if [ ! -x "$bin" ] || [ ! -x "$load_bin" ]; then
  "$repo_root/scripts/build.sh" cmake-release tallyhub tallyhub-connect-load
fi
server_cpu=0
client_cpu=1
[ "$(nproc)" -ge 2 ] || { client_cpu=0; echo "bench/signalr: one core only: the load tool shares it with the server" >&2; }
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

tmp=$(mktemp -d /tmp/tallyhub-bench-signalr.XXXXXX)
server_pid=
load_pid=
cleanup() {
  exec 3>&- 2>/dev/null || true
  [ -z "$load_pid" ] || kill -TERM "$load_pid" 2>/dev/null || true
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# start_tallyhub BACKEND: sets server_pid and hub_url. Keep-alive pings every 60 s and a 120 s client
# timeout keep the idle connections silent for the whole run.
start_tallyhub() {
  local out=$tmp/tallyhub-$1.out
  taskset -c "$server_cpu" "$bin" --cores 1 --io-backend "$1" --http 127.0.0.1:0 --admin 127.0.0.1:0 --amqp-listen off --data-dir off \
    --test-hub --keep-alive-interval 60s --client-timeout 120s --drain-timeout 2s \
    >"$out" 2>"$tmp/tallyhub-$1.err" &
  server_pid=$!
  for _ in $(seq 1 100); do
    grep -q '^tallyhub: ready$' "$out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^tallyhub: ready$' "$out" 2>/dev/null; then
    echo "bench/signalr: tallyhub --io-backend $1 did not become ready:" >&2
    cat "$out" "$tmp/tallyhub-$1.err" | sed 's/^/    /' >&2
    stop_server
    return 1
  fi
  hub_url=$(sed -n 's|^tallyhub: listening on \(http://[^ ]*\)/ (http)$|\1|p' "$out")/hubs/test
}

# cpu_ns PID: nanoseconds the process's threads have run so far (schedstat: finer than clock ticks,
# which matters for runs of half a second).
cpu_ns() { cat "/proc/$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
# status_kb PID FIELD: a kB field of /proc/PID/status (VmRSS, RssAnon, ...).
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# open_connections N MODE [SETTLE]: runs the load tool until its `ready` line (at most 60 s),
# measures the server (its CPU while the tool connected, then RSS after SETTLE seconds), then ends
# the hold and waits for the tool to close its connections. Sets stats (the tool's JSON), ready_n,
# cpu_pct (server CPU time / the tool's connect phase), cpu_us (server CPU µs per established
# connection), rss_kb, anon_kb, held, closed.
open_connections() {
  local n=$1 mode=$2 settle=${3:-0} fifo=$tmp/hold.in out=$tmp/load.out c0 c1
  rm -f "$fifo"; mkfifo "$fifo"
  c0=$(cpu_ns "$server_pid")
  taskset -c "$client_cpu" "$load_bin" --url "$hub_url" --connections "$n" --concurrency "$concurrency" \
    "--$mode" --hold 60 --timeout 10 <"$fifo" >"$out" 2>"$tmp/load.err" &
  load_pid=$!
  exec 3>"$fifo"
  for _ in $(seq 1 1200); do
    grep -q '^ready ' "$out" 2>/dev/null && break
    kill -0 "$load_pid" 2>/dev/null || break
    sleep 0.05
  done
  c1=$(cpu_ns "$server_pid")
  ready_n=$(sed -n 's/^ready //p' "$out")
  stats=$(sed -n 's/^stats //p' "$out")
  cpu_pct=$(awk -v c="$((c1 - c0))" -v e="$(json_num "$stats" elapsed_s)" 'BEGIN {printf "%.1f", (e > 0) ? 100 * c / 1e9 / e : 0}')
  cpu_us=$(awk -v c="$((c1 - c0))" -v n="${ready_n:-0}" 'BEGIN {printf "%.1f", (n > 0) ? c / 1e3 / n : 0}')
  [ "$settle" = 0 ] || sleep "$settle"
  rss_kb=$(status_kb "$server_pid" VmRSS); anon_kb=$(status_kb "$server_pid" RssAnon)
  exec 3>&-
  wait "$load_pid" || true
  load_pid=
  if [ -z "$ready_n" ] || [ -z "$stats" ]; then
    echo "bench/signalr: the load tool did not get ready ($n connections, $mode):" >&2
    cat "$out" "$tmp/load.err" | sed 's/^/    /' >&2
    ready_n=0; stats=null; status=1
  fi
  closed=$(sed -n 's/^closed //p' "$out"); held=$(sed -n 's/^held //p' "$out")
}

# json_num JSON KEY: a number from the tool's flat-ish JSON (first match).
json_num() { grep -o "\"$2\": [0-9.]*" <<<"$1" | head -n 1 | awk '{print $2}'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

status=0
results=()    # one JSON object per backend
rss_rows=()   # "server|baseline|after|anon_delta|per_conn|established"
rate_rows=()  # "server|mode|cps|p50|p99|cpu|cpu_us|load_cpu|failed"

measure() {
  local server=$1 baseline baseline_anon idle_json per_conn per_anon mode i connect_json=''
  open_connections "$warmup" negotiate 1
  baseline=$rss_kb; baseline_anon=$anon_kb
  open_connections "$idle" negotiate 1
  local after=$rss_kb after_anon=$anon_kb established=$ready_n idle_stats=$stats idle_held=$held idle_closed=$closed
  if [ "$established" -gt 0 ]; then
    per_conn=$(awk -v a="$after" -v b="$baseline" -v n="$established" 'BEGIN {printf "%.0f", (a - b) * 1024 / n}')
    per_anon=$(awk -v a="$after_anon" -v b="$baseline_anon" -v n="$established" 'BEGIN {printf "%.0f", (a - b) * 1024 / n}')
  else
    per_conn=nan; per_anon=nan
  fi
  [ "$established" -eq "$idle" ] || status=1
  printf '  %-15s idle: %d/%d established, VmRSS %d -> %d kB: %s bytes per connection (RssAnon: %s)\n' \
    "$server" "$established" "$idle" "$baseline" "$after" "$per_conn" "$per_anon"
  rss_rows+=("$server|$baseline|$after|$per_conn|$per_anon|$established")
  idle_json="{\"connections\": $idle, \"established\": $established, \"vmrss_baseline_kb\": $baseline, \"vmrss_after_kb\": $after, \"rssanon_baseline_kb\": $baseline_anon, \"rssanon_after_kb\": $after_anon, \"bytes_per_connection\": $per_conn, \"anon_bytes_per_connection\": $per_anon, \"load\": $idle_stats, \"held\": ${idle_held:-null}, \"closed\": ${idle_closed:-null}}"
  sleep 1

  for mode in negotiate skip-negotiation; do
    local cps_list='' p50_list='' p99_list='' cpu_list='' us_list='' lcpu_list='' runs_json='' failed_total=0
    for i in $(seq 1 "$runs"); do
      open_connections "$rate" "$mode" 0
      local cps p50 p99 failed elapsed lcpu
      cps=$(json_num "$stats" connects_per_s); p50=$(json_num "$stats" p50); p99=$(json_num "$stats" p99)
      failed=$(json_num "$stats" failed); elapsed=$(json_num "$stats" elapsed_s)
      lcpu=$(awk -v c="$(json_num "$stats" client_cpu_s)" -v e="$elapsed" 'BEGIN {printf "%.1f", (e > 0) ? 100 * c / e : 0}')
      failed_total=$((failed_total + ${failed:-0}))
      cps_list+="$cps"$'\n'; p50_list+="$p50"$'\n'; p99_list+="$p99"$'\n'; cpu_list+="$cpu_pct"$'\n'; us_list+="$cpu_us"$'\n'; lcpu_list+="$lcpu"$'\n'
      runs_json+="${runs_json:+, }{\"server_cpu_pct\": $cpu_pct, \"server_cpu_us_per_connection\": $cpu_us, \"load_cpu_pct\": $lcpu, \"load\": $stats}"
      printf '  %-15s %-16s run %d/%d: %6s connects/s  p50 %6s us  p99 %6s us  server CPU %5s%% (%5s us/connect)  load CPU %5s%%  failed %s\n' \
        "$server" "$mode" "$i" "$runs" "$cps" "$p50" "$p99" "$cpu_pct" "$cpu_us" "$lcpu" "$failed"
      sleep 0.5
    done
    local m_cps m_p50 m_p99 m_cpu m_us m_lcpu
    m_cps=$(printf '%s' "$cps_list" | median); m_p50=$(printf '%s' "$p50_list" | median)
    m_p99=$(printf '%s' "$p99_list" | median); m_cpu=$(printf '%s' "$cpu_list" | median)
    m_us=$(printf '%s' "$us_list" | median); m_lcpu=$(printf '%s' "$lcpu_list" | median)
    [ "$failed_total" -eq 0 ] || status=1
    rate_rows+=("$server|$mode|$m_cps|$m_p50|$m_p99|$m_cpu|$m_us|$m_lcpu|$failed_total")
    connect_json+="${connect_json:+, }{\"mode\": \"$mode\", \"connections\": $rate, \"connects_per_s_median\": $m_cps, \"p50_us_median\": $m_p50, \"p99_us_median\": $m_p99, \"server_cpu_pct_median\": $m_cpu, \"server_cpu_us_per_connection_median\": $m_us, \"load_cpu_pct_median\": $m_lcpu, \"failed\": $failed_total, \"runs\": [$runs_json]}"
  done
  results+=("{\"server\": \"$server\", \"idle\": $idle_json, \"connect\": [$connect_json]}")
}

echo "bench/signalr: load average $load_at_start; tallyhub --cores 1 on core $server_cpu, tallyhub-connect-load on core $client_cpu"
for backend in uring epoll; do
  if start_tallyhub "$backend"; then
    measure "tallyhub-$backend"
    stop_server
  else
    status=1
  fi
done

echo
md_rss="| server | idle connections | VmRSS baseline KiB | VmRSS with idle KiB | bytes per idle connection (VmRSS) | (RssAnon) |"$'\n'"|---|---:|---:|---:|---:|---:|"
for row in "${rss_rows[@]}"; do
  IFS='|' read -r s b a p pa e <<<"$row"
  md_rss+=$'\n'"| $s | $e | $b | $a | $p | $pa |"
done
md_rate="| server | mode | connects/s | p50 ms | p99 ms | server CPU % | server CPU µs per connect | load tool CPU % | failed |"$'\n'"|---|---|---:|---:|---:|---:|---:|---:|---:|"
for row in "${rate_rows[@]}"; do
  IFS='|' read -r s m c p50 p99 cpu us lcpu f <<<"$row"
  md_rate+=$'\n'"| $s | $m | $(printf '%.0f' "$c") | $(awk -v v="$p50" 'BEGIN {printf "%.2f", v / 1000}') | $(awk -v v="$p99" 'BEGIN {printf "%.2f", v / 1000}') | $cpu | $us | $lcpu | $f |"
done
for row in "${rss_rows[@]}"; do
  IFS='|' read -r s _ _ p _ _ <<<"$row"
  if awk -v p="$p" 'BEGIN {exit !(p + 0 > 2048)}'; then
    echo "note: $s: $p bytes per idle connection is above the 2 KiB target"
  fi
done
for row in "${rate_rows[@]}"; do
  IFS='|' read -r s m _ _ _ cpu _ lcpu _ <<<"$row"
  if awk -v c="$cpu" 'BEGIN {exit !(c < 90)}'; then
    echo "note: $s/$m: server CPU ${cpu}% < 90%: the server was not the bottleneck (load tool CPU ${lcpu}%; a busy machine?); compare server CPU µs per connect"
  fi
done

load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$(dirname "$out_json")"
{
  printf '{\n  "scenario": "signalr-connect",\n  "date": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '  "kernel": "%s",\n  "cpu": "%s",\n  "cores": %d,\n  "loadavg_at_start": "%s",\n  "loadavg_at_end": "%s",\n' "$(uname -r)" \
    "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1 | tr -d '"\\')" "$(nproc)" "$load_at_start" "$load_at_end"
  printf '  "tallyhub": "%s",\n' "$("$bin" --version 2>/dev/null | head -n 1 | tr -d '"\\' || true)"
  printf '  "settings": {"warmup": %d, "idle": %d, "rate": %d, "concurrency": %d, "runs": %d, "server_cores": 1, "keep_alive_interval_s": 60, "client_timeout_s": 120},\n' \
    "$warmup" "$idle" "$rate" "$concurrency" "$runs"
  printf '  "results": [\n'
  for i in "${!results[@]}"; do
    printf '    %s%s\n' "${results[$i]}" "$([ "$i" -lt $((${#results[@]} - 1)) ] && echo ,)"
  done
  printf '  ]\n}\n'
} >"$out_json"

echo
echo "Markdown for bench/RESULTS.md (tallyhub --cores 1 on core $server_cpu, tallyhub-connect-load on core $client_cpu; load average $load_at_start at start, $load_at_end at end):"
echo
echo "Idle connections ($idle, negotiated, silent: keep-alive 60 s), user-space memory of the server:"
echo
echo "$md_rss"
echo
echo "New connections ($rate per run, concurrency $concurrency, median of $runs; negotiate = POST negotiate + upgrade + handshake on two TCP connections):"
echo
echo "$md_rate"
echo
echo "JSON: ${out_json#"$repo_root"/}"
exit "$status"
