#!/usr/bin/env bash
# Fan-out scenario: what one server core delivers when every connected dashboard gets every
# broadcast, tallyhub against a hand-written Node.js `ws` broadcast server (bench/baselines/
# ws-broadcast) in the same run, both driven by the same tallyhub-load on the other core.
#
# For each connection count (BENCH_FANOUT_CONNECTIONS, "1000 10000") x broadcast interval
# (BENCH_FANOUT_INTERVALS, "100ms 10ms") x run (BENCH_RUNS, 3), one after the other:
#   tallyhub:    taskset -c 0 tallyhub --cores 1 --demo-rate 20000 --broadcast-interval I --tick T
#                (T = I, at most 100ms) --data-dir off --amqp-listen off, on free loopback ports;
#                taskset -c 1 tallyhub-load http://127.0.0.1:PORT/hubs/metrics -n N --duration 5s
#   ws-baseline: taskset -c 0 node server.mjs --interval I --payload P, where P is a real tallyhub
#                broadcast of the same settings (bench/baselines/capture-payload.mjs, from the first
#                tallyhub run of each interval), broadcasting once N clients are connected (--wait-for
#                N: a Node loop busy broadcasting starves its accepts; tallyhub broadcasts throughout);
#                taskset -c 1 tallyhub-load --raw ws://127.0.0.1:PORT/
# Each run starts a fresh server. The server's CPU% (schedstat, all threads) is taken inside the
# load tool's measurement window (after its warm-up), so a run shows whether the server was the
# bottleneck; its VmRSS at the end of the window too. Every run is kept (the tool's report JSON);
# per case: medians, min-max and the ratio tallyhub / ws-baseline of every median.
#
# Measures: hub messages/s delivered (SignalR invocation records), frames/s (WebSocket messages:
# the server's socket sends), frames/s per server core (frames/s / server CPU share), latency from
# the record's Timestamp (the tick) to receipt: p50, p99, p99.9, max.
#
# A case whose connections do not all come up within BENCH_CONNECT_TIMEOUT (20 s) is recorded as
# failed and not run again.
#
# Bounded: each run is at most connect (BENCH_CONNECT_TIMEOUT) + warm-up + BENCH_DURATION; the
# default (2 x 2 x 2 servers x 3 runs of ~9 s) takes about 4 minutes. Loopback only.
#
# Environment: BENCH_FANOUT_CONNECTIONS, BENCH_FANOUT_INTERVALS, BENCH_RUNS (3), BENCH_DURATION
# (seconds measured, 5), BENCH_WARMUP (seconds, 1), BENCH_CONNECT_TIMEOUT (seconds, 20),
# BENCH_DEMO_RATE (20000), BENCH_FANOUT_SERVERS
# ("tallyhub ws-baseline"), TALLYHUB_BIN, TALLYHUB_LOAD_BIN, BENCH_OUT (bench/results/fanout.json).
# A quick check: BENCH_FANOUT_CONNECTIONS=200 BENCH_FANOUT_INTERVALS=100ms BENCH_RUNS=1 BENCH_DURATION=2
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
bench_init fanout

counts=${BENCH_FANOUT_CONNECTIONS:-1000 10000}
intervals=${BENCH_FANOUT_INTERVALS:-100ms 10ms}
servers=${BENCH_FANOUT_SERVERS:-tallyhub ws-baseline}
runs=${BENCH_RUNS:-3}
duration=${BENCH_DURATION:-5}
warmup=${BENCH_WARMUP:-1}
connect_timeout=${BENCH_CONNECT_TIMEOUT:-20}
demo_rate=${BENCH_DEMO_RATE:-20000}
out_json=${BENCH_OUT:-$repo_root/bench/results/fanout.json}
baseline_dir=$repo_root/bench/baselines/ws-broadcast
[ "$duration" -ge 2 ] && [ "$duration" -le 30 ] || bench_fail "BENCH_DURATION is 2 to 30 seconds"

command -v node >/dev/null 2>&1 || bench_fail "node is missing; run 'make bench'"
[ -d "$baseline_dir/node_modules/ws" ] || bench_fail "bench/baselines/ws-broadcast: no node_modules; run 'make bench' (npm ci)"
need_binaries tallyhub tallyhub-load
max_count=$(tr ' ' '\n' <<<"$counts" | sort -n | tail -n 1)
[ "$(ulimit -n)" -ge $((max_count + 100)) ] || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((max_count + 100)) ] ||
  bench_fail "$max_count connections need more descriptors than 'ulimit -n' allows ($(ulimit -n), hard $(ulimit -Hn))"

# interval_ms 100ms|1s: milliseconds.
interval_ms() { awk -v d="$1" 'BEGIN {n = d + 0; u = d; sub(/^[0-9.]+/, "", u); printf "%d", (u == "s") ? n * 1000 : n}'; }

# start_fanout_server SERVER INTERVAL N: sets load_url and load_mode (extra load tool options).
start_fanout_server() {
  local ms tick
  ms=$(interval_ms "$2")
  tick=$(( ms < 100 ? ms : 100 ))ms
  case $1 in
    tallyhub)
      start_tallyhub tallyhub --cores 1 --demo-rate "$demo_rate" --broadcast-interval "$2" --tick "$tick" \
        --data-dir off --amqp-listen off || return 1
      load_url=$http_url/hubs/metrics; load_mode=()
      payload=$tmp/payload-$2.bin
      if [ ! -s "$payload" ]; then
        node "$repo_root/bench/baselines/capture-payload.mjs" "ws://${http_url#http://}/hubs/metrics" "$payload" \
          --samples 10 --timeout 10s | sed 's/^/  payload: /'
      fi ;;
    ws-baseline)
      [ -s "$tmp/payload-$2.bin" ] || { bench_note "no captured payload for $2 (tallyhub runs first)"; return 1; }
      start_server ws-baseline '^listening on ws://[0-9.]+:[0-9]+/$' 10 node "$baseline_dir/server.mjs" --port 0 \
        --host 127.0.0.1 --interval "$2" --payload "$tmp/payload-$2.bin" --wait-for "$3" || return 1
      load_url=$(sed -n 's/^listening on \(ws:.*\)$/\1/p' "$server_out"); load_mode=(--raw)
      [ -n "$load_url" ] || { bench_note "ws-baseline: no URL in its output:"; sed 's/^/    /' "$server_out" >&2; stop_server; return 1; } ;;
    *) bench_fail "unknown server $1 (tallyhub | ws-baseline)" ;;
  esac
}

# fanout_run SERVER N INTERVAL RUN: one run; appends a JSON line to $tmp/runs.jsonl.
fanout_run() {
  local server=$1 n=$2 interval=$3 run=$4 c0 c1 t0 t1 cpu=0 rss=0 connected ok=true
  start_fanout_server "$server" "$interval" "$n" || { status=1; return 0; }
  load_start "$load_url" "${load_mode[@]}" -n "$n" --warmup "${warmup}s" --duration "${duration}s" \
    --connect-timeout "${connect_timeout}s" --no-progress
  connected=$(load_wait '^connected ' $((connect_timeout + 10))) || true
  if [ -z "$connected" ] || [ "$(json_get "${connected#connected }" failed)" != 0 ]; then
    # Not every connection came up (a server too busy broadcasting to accept): the run is kept as a
    # failure, and the case is not tried again.
    bench_note "$server $n $interval run $run: not every connection was established; later runs of this case are skipped:"
    load_log
    kill -TERM "$load_pid" 2>/dev/null || true
    ok=false; skip+=" $server/$n/$interval "
  else
    # The CPU window sits inside the tool's measurement: it starts after the warm-up and ends before.
    sleep "$(awk -v w="$warmup" 'BEGIN {print w + 0.2}')"
    c0=$(cpu_ns "$server_pid"); t0=$(now_ns)
    sleep "$(awk -v d="$duration" 'BEGIN {print d - 0.5}')"
    c1=$(cpu_ns "$server_pid"); t1=$(now_ns)
    rss=$(status_kb "$server_pid" VmRSS)
    cpu=$(cpu_percent "$((c1 - c0))" "$((t1 - t0))")
  fi
  load_finish
  if [ "$load_status" -ne 0 ]; then
    ok=false
    [ "$server" != tallyhub ] || status=1   # a baseline that cannot keep up is a result, not an error
    [ -z "$connected" ] || bench_note "$server $n $interval run $run: tallyhub-load exited $load_status"
  fi
  stop_server
  local line
  line=$(node -e '
    const [server, n, ms, run, cpu, rss, ok, report] = process.argv.slice(1);
    const r = JSON.parse(report), m = r?.measure ?? {};
    const per_core = Number(cpu) > 0 && m.frames_per_second != null ? Math.round(m.frames_per_second / (Number(cpu) / 100)) : null;
    const scheduled = Number(n) * 1000 / Number(ms);   // frames/s if every connection got every interval
    console.log(JSON.stringify({ server, connections: Number(n), interval_ms: Number(ms), run: Number(run), ok: ok === "true",
      server_cpu_pct: Number(cpu), server_vmrss_kb: Number(rss), frames_per_core_second: per_core,
      schedule_pct: m.frames_per_second != null ? Math.round(1000 * m.frames_per_second / scheduled) / 10 : null,
      messages_per_frame: m.frames ? Math.round(100 * m.messages / m.frames) / 100 : null, report: r }));' \
    "$server" "$n" "$(interval_ms "$interval")" "$run" "$cpu" "${rss:-0}" "$ok" "$load_report")
  echo "$line" >>"$tmp/runs.jsonl"
  node -e '
    const r = JSON.parse(process.argv[1]), m = r.report?.measure ?? {}, l = m.latency_ms ?? {};
    const f = (x, d = 0) => (x == null ? "-" : Number(x).toFixed(d));
    console.log(`  ${r.server.padEnd(11)} ${String(r.connections).padStart(6)} conns ${String(r.interval_ms).padStart(4)} ms` +
      ` run ${r.run}: ${f(m.messages_per_second).padStart(9)} msg/s ${f(m.frames_per_second).padStart(8)} frames/s` +
      ` (${f(r.schedule_pct)}% of schedule)` +
      `  p50/p99/p99.9 ${f(l.p50)}/${f(l.p99)}/${f(l.p999)} ms  server CPU ${f(r.server_cpu_pct, 1)}%` +
      `  load CPU ${f(r.report?.client_cpu_percent, 1)}%${r.ok ? "" : "  FAILED"}`);' "$line"
}

status=0
skip=''   # " server/n/interval " of the cases whose connections did not all come up
: >"$tmp/runs.jsonl"
echo "bench/fanout: servers on core $server_cpu (tallyhub --cores 1), tallyhub-load on core $client_cpu;" \
  "${warmup}s warm-up + ${duration}s per run; load average $load_at_start"
for n in $counts; do
  for interval in $intervals; do
    for run in $(seq 1 "$runs"); do
      for server in $servers; do
        [[ $skip != *" $server/$n/$interval "* ]] || continue
        fanout_run "$server" "$n" "$interval" "$run"
        sleep 0.5
      done
    done
  done
done

metrics="messages_per_second=report.measure.messages_per_second,frames_per_second=report.measure.frames_per_second"
metrics+=",frames_per_core_second=frames_per_core_second,messages_per_frame=messages_per_frame,schedule_pct=schedule_pct"
metrics+=",p50_ms=report.measure.latency_ms.p50,p99_ms=report.measure.latency_ms.p99,p999_ms=report.measure.latency_ms.p999"
metrics+=",max_ms=report.measure.latency_ms.max,server_cpu_pct=server_cpu_pct,client_cpu_pct=report.client_cpu_percent"
metrics+=",server_vmrss_kb=server_vmrss_kb,connects_per_second=report.connect.per_second"
summarize_runs server,connections,interval_ms "$metrics" server=ws-baseline <"$tmp/runs.jsonl" >"$tmp/groups.json"

payloads='{}'
for p in "$tmp"/payload-*.bin; do
  [ -e "$p" ] || continue
  payloads=$(node -e 'const fs = require("fs"); const o = JSON.parse(process.argv[1]); const t = fs.readFileSync(process.argv[2], "utf8");
    o[process.argv[3]] = {bytes: Buffer.byteLength(t), records: t.split("\x1e").filter(Boolean).length}; console.log(JSON.stringify(o))' \
    "$payloads" "$p" "$(basename "$p" .bin | sed 's/^payload-//')")
done
settings=$(printf '{"connections": "%s", "intervals": "%s", "servers": "%s", "runs": %d, "warmup_s": %s, "duration_s": %s, "demo_rate": %d, "server_cores": 1, "baseline_ws": "%s", "baseline_payloads": %s}' \
  "$counts" "$intervals" "$servers" "$runs" "$warmup" "$duration" "$demo_rate" \
  "$(node -p 'require(process.argv[1]).version' "$baseline_dir/node_modules/ws/package.json")" "$payloads")
commands=$(printf '["taskset -c %d tallyhub --cores 1 --demo-rate %d --broadcast-interval I --tick min(I,100ms) --data-dir off --amqp-listen off --http 127.0.0.1:0 --admin 127.0.0.1:0", "taskset -c %d node bench/baselines/ws-broadcast/server.mjs --port 0 --host 127.0.0.1 --interval I --payload CAPTURED --wait-for N", "taskset -c %d tallyhub-load URL [--raw] -n N --warmup %ss --duration %ss"]' \
  "$server_cpu" "$demo_rate" "$server_cpu" "$client_cpu" "$warmup" "$duration")
write_results fanout bench/fanout/run.sh "$commands" "$settings" "$out_json"

echo
node -e '
  const { groups } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const f = (x, d = 0) => (x == null ? "-" : Number(x).toFixed(d));
  console.log("server       conns  interval      msg/s   frames/s  of schedule  frames/core-s  p50 ms  p99 ms  p99.9 ms  server CPU%  msg/s vs baseline");
  for (const g of groups) {
    const m = g.median;
    console.log(`${g.server.padEnd(11)} ${String(g.connections).padStart(6)} ${String(g.interval_ms).padStart(6)} ms` +
      ` ${f(m.messages_per_second).padStart(10)} ${f(m.frames_per_second).padStart(10)} ${(f(m.schedule_pct) + "%").padStart(12)}` +
      ` ${f(m.frames_per_core_second).padStart(14)}` +
      ` ${f(m.p50_ms).padStart(7)} ${f(m.p99_ms).padStart(7)} ${f(m.p999_ms).padStart(9)} ${f(m.server_cpu_pct, 1).padStart(12)}` +
      ` ${g.ratio_vs_baseline ? f(g.ratio_vs_baseline.messages_per_second, 2).padStart(18) : ""}`);
    if (m.schedule_pct != null && m.schedule_pct < 95)
      console.log(`  note: ${g.server} sent ${m.schedule_pct}% of the frames its interval asks for, at ${m.server_cpu_pct}% server CPU` +
                  (m.server_cpu_pct >= 90 ? " (the server is the limit)" : " (not CPU: its throttle, or the load tool)"));
  }' "$out_json"
echo "JSON: ${out_json#"$repo_root"/}"
exit "$status"
