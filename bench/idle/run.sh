#!/usr/bin/env bash
# Idle-memory scenario: the user-space memory (RSS) one idle SignalR connection costs the server,
# at BENCH_IDLE_COUNTS connections ("10000 19000"; the process file limit here is ~20,000).
#
# Per I/O backend (BENCH_IDLE_BACKENDS, "uring epoll") x count x run (BENCH_RUNS, 3), each run
# on a fresh server:
#   1. taskset -c 0 tallyhub --cores 1 --io-backend B --keep-alive-interval 60s --client-timeout 120s
#      --max-connections 19500 --data-dir off --amqp-listen off (no demo source: nothing to broadcast,
#      so the connections stay silent for the whole run);
#   2. warm-up: taskset -c 1 tallyhub-load URL -n 200 --duration 0s --hold 30s, closed at `ready`
#      (pools, tables and allocator pages exist now); after 1 s VmRSS and RssAnon = baseline;
#   3. tallyhub-load URL -n N --duration 0s --hold 60s (negotiate, WebSocket upgrade, JSON handshake,
#      then silence); at `ready N` and 1 s of settling: VmRSS and RssAnon again, and the server's
#      CPU% over 2 s of hold (idle connections should cost ~0);
#   bytes per connection = (after - baseline) / established.
# URL is /hubs/metrics (BENCH_IDLE_HUB=metrics, the dashboard hub) or /hubs/test (BENCH_IDLE_HUB=test,
# with --test-hub, as measured before this script existed).
#
# Target (issue 8): <= 1 KiB user-space RSS per idle connection. The open-file limit is checked
# first (ulimit -n, raised to the hard limit when that is needed and allowed): both the server and
# the load tool hold one descriptor per connection.
#
# Bounded: each run at most ~75 s (connect timeout 60 s), normally 10-16 s; the default 2 x 2 x 3
# runs take about 2.5 minutes. Loopback only.
#
# Environment: BENCH_IDLE_COUNTS, BENCH_IDLE_BACKENDS, BENCH_IDLE_HUB, BENCH_RUNS (3), TALLYHUB_BIN,
# TALLYHUB_LOAD_BIN, BENCH_OUT (bench/results/idle.json).
# A quick check: BENCH_IDLE_COUNTS=2000 BENCH_IDLE_BACKENDS=uring BENCH_RUNS=1 bench/idle/run.sh
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
bench_init idle

counts=${BENCH_IDLE_COUNTS:-10000 19000}
backends=${BENCH_IDLE_BACKENDS:-uring epoll}
hub=${BENCH_IDLE_HUB:-metrics}
runs=${BENCH_RUNS:-3}
warmup=200
max_connections=19500
out_json=${BENCH_OUT:-$repo_root/bench/results/idle.json}
case $hub in metrics) hub_args=() ;; test) hub_args=(--test-hub) ;; *) bench_fail "BENCH_IDLE_HUB is metrics or test" ;; esac
need_binaries tallyhub tallyhub-load

# Descriptors: N sockets plus a few dozen of the process's own, in the server and in the load tool.
max_count=$(tr ' ' '\n' <<<"$counts" | sort -n | tail -n 1)
fd_limit_before=$(ulimit -n)
if [ "$fd_limit_before" -lt $((max_count + 200)) ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
fd_limit=$(ulimit -n)
echo "bench/idle: open-file limit $fd_limit (hard $(ulimit -Hn)); tallyhub --cores 1 on core $server_cpu, tallyhub-load on core $client_cpu; load average $load_at_start"
[ "$max_count" -le "$max_connections" ] || bench_fail "BENCH_IDLE_COUNTS: at most $max_connections (--max-connections)"

# hold N: opens N connections with the load tool and holds them until load_finish; returns 1 (with
# the tool's output on stderr) when they are not all up within 70 s.
hold() {
  load_start "$hub_url" -n "$1" --warmup 0s --duration 0s --hold 120s --connect-timeout 60s --no-progress
  load_wait "^ready $1\$" 70 >/dev/null && return 0
  bench_note "$1 connections did not all come up:"
  load_log
  return 1
}

# idle_run BACKEND N RUN: one run; appends a JSON line to $tmp/runs.jsonl.
idle_run() {
  local backend=$1 n=$2 run=$3 server=tallyhub-$1 ok=true base_rss base_anon rss=0 anon=0 c0 c1 t0 t1 cpu=null
  start_tallyhub "$server" --cores 1 --io-backend "$backend" --keep-alive-interval 60s --client-timeout 120s \
    --max-connections "$max_connections" --data-dir off --amqp-listen off "${hub_args[@]}" || { status=1; return 0; }
  hub_url=$http_url/hubs/$hub
  hold "$warmup" || ok=false
  load_finish
  sleep 1
  base_rss=$(status_kb "$server_pid" VmRSS); base_anon=$(status_kb "$server_pid" RssAnon)
  if [ "$ok" = true ] && hold "$n"; then
    sleep 1
    rss=$(status_kb "$server_pid" VmRSS); anon=$(status_kb "$server_pid" RssAnon)
    c0=$(cpu_ns "$server_pid"); t0=$(now_ns)
    sleep 2
    c1=$(cpu_ns "$server_pid"); t1=$(now_ns)
    cpu=$(cpu_percent "$((c1 - c0))" "$((t1 - t0))")
  else
    ok=false
  fi
  load_finish
  [ "$load_status" -eq 0 ] || ok=false
  [ "$ok" = true ] || status=1
  stop_server
  local line
  line=$(node -e '
    const [server, n, run, ok, base_rss, base_anon, rss, anon, cpu, report] = process.argv.slice(1);
    const r = JSON.parse(report), est = r?.connect?.established ?? 0, good = ok === "true" && est > 0;
    const per = (a, b) => (good ? Math.round((Number(a) - Number(b)) * 1024 / est) : null);
    console.log(JSON.stringify({ server, connections: Number(n), run: Number(run), ok: good, established: est,
      vmrss_baseline_kb: Number(base_rss), vmrss_kb: Number(rss), rssanon_baseline_kb: Number(base_anon), rssanon_kb: Number(anon),
      bytes_per_connection: per(rss, base_rss), anon_bytes_per_connection: per(anon, base_anon),
      server_cpu_pct_idle: cpu === "null" ? null : Number(cpu), report: r }));' \
    "$server" "$n" "$run" "$ok" "$base_rss" "$base_anon" "$rss" "$anon" "$cpu" "$load_report")
  echo "$line" >>"$tmp/runs.jsonl"
  node -e '
    const r = JSON.parse(process.argv[1]);
    console.log(`  ${r.server.padEnd(15)} ${String(r.connections).padStart(6)} idle, run ${r.run}: ${r.established} established,` +
      ` VmRSS ${r.vmrss_baseline_kb} -> ${r.vmrss_kb} kB: ${r.bytes_per_connection ?? "-"} bytes per connection` +
      ` (RssAnon ${r.anon_bytes_per_connection ?? "-"}), server CPU while idle ${r.server_cpu_pct_idle ?? "-"}%` +
      `${r.ok ? "" : "  FAILED"}`);' "$line"
}

status=0
: >"$tmp/runs.jsonl"
for backend in $backends; do
  for n in $counts; do
    for run in $(seq 1 "$runs"); do
      idle_run "$backend" "$n" "$run"
    done
  done
done

metrics="bytes_per_connection=bytes_per_connection,anon_bytes_per_connection=anon_bytes_per_connection"
metrics+=",vmrss_baseline_kb=vmrss_baseline_kb,vmrss_kb=vmrss_kb,established=established,server_cpu_pct_idle=server_cpu_pct_idle"
metrics+=",connects_per_second=report.connect.per_second"
summarize_runs server,connections "$metrics" <"$tmp/runs.jsonl" >"$tmp/groups.json"
settings=$(printf '{"counts": "%s", "backends": "%s", "hub": "/hubs/%s", "runs": %d, "warmup_connections": %d, "server_cores": 1, "keep_alive_interval_s": 60, "client_timeout_s": 120, "max_connections": %d, "fd_limit": %d, "fd_limit_hard": %s, "target_bytes_per_connection": 1024}' \
  "$counts" "$backends" "$hub" "$runs" "$warmup" "$max_connections" "$fd_limit" "$(ulimit -Hn | sed 's/unlimited/null/')")
commands=$(printf '["taskset -c %d tallyhub --cores 1 --io-backend B --keep-alive-interval 60s --client-timeout 120s --max-connections %d --data-dir off --amqp-listen off --http 127.0.0.1:0 --admin 127.0.0.1:0%s", "taskset -c %d tallyhub-load http://127.0.0.1:PORT/hubs/%s -n N --warmup 0s --duration 0s --hold 120s"]' \
  "$server_cpu" "$max_connections" "$([ "$hub" = test ] && echo ' --test-hub')" "$client_cpu" "$hub")
write_results idle bench/idle/run.sh "$commands" "$settings" "$out_json"

echo
node -e '
  const { groups } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log("server           connections  bytes/connection (VmRSS)  min-max        (RssAnon)  target <= 1024");
  for (const g of groups) {
    const m = g.median, b = m.bytes_per_connection;
    console.log(`${g.server.padEnd(16)} ${String(g.connections).padStart(11)} ${String(b ?? "-").padStart(25)}` +
      `  ${(g.min.bytes_per_connection ?? "-") + "-" + (g.max.bytes_per_connection ?? "-")}`.padEnd(15) +
      ` ${String(m.anon_bytes_per_connection ?? "-").padStart(10)}  ${b == null ? "-" : b <= 1024 ? "met" : "missed"}` +
      `${g.failed_runs ? `  (${g.failed_runs} failed runs)` : ""}`);
  }' "$out_json"
echo "JSON: ${out_json#"$repo_root"/}"
exit "$status"
