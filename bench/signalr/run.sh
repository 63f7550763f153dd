#!/usr/bin/env bash
# Connect-storm scenario: how many new SignalR connections per second one server core sets up,
# until N are open (BENCH_STORM, "5000 10000"), with negotiate (POST negotiate, then the WebSocket
# upgrade and the JSON handshake: what the official client does) and with skipNegotiation.
# (Idle memory per connection, which this script measured before, is bench/idle/run.sh now.)
#
# Per I/O backend (BENCH_STORM_BACKENDS, "uring epoll") x N x mode x run (BENCH_RUNS, 3), each run
# on a fresh server:
#   taskset -c 0 tallyhub --cores 1 --io-backend B --test-hub --keep-alive-interval 60s
#     --client-timeout 120s --data-dir off --amqp-listen off (free loopback ports);
#   taskset -c 1 tallyhub-load http://127.0.0.1:PORT/hubs/test -n N [--skip-negotiation]
#     --concurrency BENCH_CONCURRENCY (64) --warmup 0s --duration 0s --hold 30s
# connects/s and setup latency p50/p99 come from the tool's `connected` line; the server's CPU is
# its CPU time from the tool's start to that line over the tool's connect time (server CPU% and
# CPU µs per connection). Below 90 % server CPU the one-threaded load tool was the limit, and CPU µs
# per connect is the figure to compare. The connections are closed after the measurement.
#
# Bounded: each run at most the 60 s connect timeout (~1.5 s normally); the default 2 x 2 x 2 x 3
# runs take under a minute. Loopback only.
#
# Environment: BENCH_STORM, BENCH_STORM_BACKENDS, BENCH_CONCURRENCY, BENCH_RUNS, TALLYHUB_BIN,
# TALLYHUB_LOAD_BIN, BENCH_OUT (bench/results/signalr-connect.json).
# A quick check: BENCH_STORM=2000 BENCH_STORM_BACKENDS=uring BENCH_RUNS=1 bench/signalr/run.sh
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
bench_init signalr

counts=${BENCH_STORM:-5000 10000}
backends=${BENCH_STORM_BACKENDS:-uring epoll}
concurrency=${BENCH_CONCURRENCY:-64}
runs=${BENCH_RUNS:-3}
out_json=${BENCH_OUT:-$repo_root/bench/results/signalr-connect.json}
need_binaries tallyhub tallyhub-load
max_count=$(tr ' ' '\n' <<<"$counts" | sort -n | tail -n 1)
[ "$(ulimit -n)" -ge $((max_count + 200)) ] || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((max_count + 200)) ] ||
  bench_fail "$max_count connections need more descriptors than 'ulimit -n' allows ($(ulimit -n), hard $(ulimit -Hn))"

# storm_run BACKEND N MODE RUN: one run; appends a JSON line to $tmp/runs.jsonl.
storm_run() {
  local backend=$1 n=$2 mode=$3 run=$4 server=tallyhub-$1 c0 c1 connected ok=true mode_args=()
  [ "$mode" = negotiate ] || mode_args=(--skip-negotiation)
  start_tallyhub "$server" --cores 1 --io-backend "$backend" --test-hub --keep-alive-interval 60s \
    --client-timeout 120s --data-dir off --amqp-listen off || { status=1; return 0; }
  c0=$(cpu_ns "$server_pid")
  load_start "$http_url/hubs/test" -n "$n" "${mode_args[@]}" --concurrency "$concurrency" --warmup 0s --duration 0s \
    --hold 30s --connect-timeout 60s --no-progress
  connected=$(load_wait '^connected ' 70) || true
  c1=$(cpu_ns "$server_pid")
  load_finish
  stop_server
  if [ -z "$connected" ] || [ "$load_status" -ne 0 ]; then
    bench_note "$server $n $mode run $run: not every connection was established (tallyhub-load exit $load_status):"
    load_log
    ok=false; status=1
  fi
  local line
  line=$(node -e '
    const [server, n, mode, run, ok, cpu_ns, connected, report] = process.argv.slice(1);
    const c = connected ? JSON.parse(connected) : null, est = c?.established ?? 0, s = c?.seconds ?? 0;
    console.log(JSON.stringify({ server, connections: Number(n), mode, run: Number(run), ok: ok === "true" && est === Number(n),
      server_cpu_pct: s > 0 ? Math.round(1000 * Number(cpu_ns) / 1e9 / s) / 10 : null,
      server_cpu_us_per_connection: est > 0 ? Math.round(10 * Number(cpu_ns) / 1e3 / est) / 10 : null,
      connect: c, report: JSON.parse(report) }));' \
    "$server" "$n" "$mode" "$run" "$ok" "$((c1 - c0))" "${connected#connected }" "$load_report")
  echo "$line" >>"$tmp/runs.jsonl"
  node -e '
    const r = JSON.parse(process.argv[1]), c = r.connect ?? {}, ms = c.setup_ms ?? {};
    console.log(`  ${r.server.padEnd(15)} ${String(r.connections).padStart(6)} ${r.mode.padEnd(16)} run ${r.run}:` +
      ` ${String(c.per_second ?? "-").padStart(6)} connects/s  p50 ${ms.p50 ?? "-"} ms  p99 ${ms.p99 ?? "-"} ms` +
      `  server CPU ${r.server_cpu_pct ?? "-"}% (${r.server_cpu_us_per_connection ?? "-"} us/connect)` +
      `  failed ${c.failed ?? "-"}${r.ok ? "" : "  FAILED"}`);' "$line"
}

status=0
: >"$tmp/runs.jsonl"
echo "bench/signalr: tallyhub --cores 1 on core $server_cpu, tallyhub-load on core $client_cpu; load average $load_at_start"
for backend in $backends; do
  for n in $counts; do
    for run in $(seq 1 "$runs"); do
      for mode in negotiate skip-negotiation; do
        storm_run "$backend" "$n" "$mode" "$run"
      done
    done
  done
done

metrics="connects_per_second=connect.per_second,setup_p50_ms=connect.setup_ms.p50,setup_p99_ms=connect.setup_ms.p99"
metrics+=",server_cpu_pct=server_cpu_pct,server_cpu_us_per_connection=server_cpu_us_per_connection"
metrics+=",failed=connect.failed,connect_seconds=connect.seconds"
summarize_runs server,connections,mode "$metrics" <"$tmp/runs.jsonl" >"$tmp/groups.json"
settings=$(printf '{"counts": "%s", "backends": "%s", "concurrency": %d, "runs": %d, "server_cores": 1, "hub": "/hubs/test"}' \
  "$counts" "$backends" "$concurrency" "$runs")
commands=$(printf '["taskset -c %d tallyhub --cores 1 --io-backend B --test-hub --keep-alive-interval 60s --client-timeout 120s --data-dir off --amqp-listen off --http 127.0.0.1:0 --admin 127.0.0.1:0", "taskset -c %d tallyhub-load http://127.0.0.1:PORT/hubs/test -n N [--skip-negotiation] --concurrency %d --warmup 0s --duration 0s --hold 30s"]' \
  "$server_cpu" "$client_cpu" "$concurrency")
write_results signalr-connect bench/signalr/run.sh "$commands" "$settings" "$out_json"

echo
node -e '
  const { groups } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log("server           connections  mode              connects/s  min-max          p50 ms  p99 ms  server CPU%  CPU us/connect");
  for (const g of groups) {
    const m = g.median;
    console.log(`${g.server.padEnd(16)} ${String(g.connections).padStart(11)}  ${g.mode.padEnd(16)} ${String(m.connects_per_second ?? "-").padStart(11)}` +
      `  ${(g.min.connects_per_second ?? "-") + "-" + (g.max.connects_per_second ?? "-")}`.padEnd(17) +
      ` ${String(m.setup_p50_ms ?? "-").padStart(7)} ${String(m.setup_p99_ms ?? "-").padStart(7)} ${String(m.server_cpu_pct ?? "-").padStart(12)}` +
      ` ${String(m.server_cpu_us_per_connection ?? "-").padStart(15)}${g.failed_runs ? `  (${g.failed_runs} failed runs)` : ""}`);
    if (m.server_cpu_pct != null && m.server_cpu_pct < 90)
      console.log(`  note: server CPU ${m.server_cpu_pct}% < 90%: the load tool was the limit; compare CPU us per connect`);
  }' "$out_json"
echo "JSON: ${out_json#"$repo_root"/}"
exit "$status"
