#!/usr/bin/env bash
# AMQP ingest scenario: events per second applied AND settled through tallyhub's AMQP 1.0 listener.
# tallyhub runs with --cores 1 pinned to core 0; tallyhub-send (the project's producer, same engine
# and codec) runs on core 1 and sends synthetic OrderCreated events (~150-byte JSON bodies) over one
# connection as fast as credit allows. A run counts only when /metrics shows every event applied.
#
# Per --amqp-credit value (BENCH_CREDITS, default "1000 200000"; one link carries at most credit /
# --tick events/s, 100 ms here) and store (BENCH_STORES, default "off journal postgres": memory only,
# the journal with fsync per tick and the dedup window, or PostgreSQL with the dedup window): BENCH_RUNS (3) runs unsettled (each delivery accepted after its
# tick's commit) and BENCH_RUNS runs pre-settled; the median rate, min-max and server CPU% are kept.
#
# Environment: TALLYHUB_BIN (build/cmake-release/tallyhub), SEND_BIN (tallyhub-send next to it),
# BENCH_EVENTS (2000000; 200000 for credit 1000, which allows 10,000/s), BENCH_RUNS, BENCH_CREDITS,
# BENCH_OUT (bench/results/amqp-ingest.json), BENCH_RMQ_EVENTS (200000), BENCH_RMQ_CREDIT (5000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
bench_init amqp
trap 'pg_stop; bench_cleanup; rm -rf ${pgdir:+"$pgdir"}' EXIT

send_bin=${SEND_BIN:-$(dirname "$tallyhub_bin")/tallyhub-send}
events=${BENCH_EVENTS:-2000000}
runs=${BENCH_RUNS:-3}
credits=${BENCH_CREDITS-1000 200000}
stores=${BENCH_STORES:-off journal postgres}
out_json=${BENCH_OUT:-$repo_root/bench/results/amqp-ingest.json}
need_binaries tallyhub tallyhub-send

# A throwaway PostgreSQL 15 cluster for the postgres store: initdb into a temporary directory (as the postgres user
# when we are root), on a free loopback port, fsync and synchronous commit on (its defaults), pinned
# to the client's core so that it does not take the server's. Each run gets a fresh database.
pg_bin=/usr/lib/postgresql/15/bin
pg_pid= pg_port= pgdir=
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg_start() {
  [ -x "$pg_bin/initdb" ] || { echo "bench/amqp: $pg_bin/initdb not found: install postgresql-15" >&2; return 1; }
  pgdir=$(mktemp -d /tmp/tallyhub-bench-pg.XXXXXX)   # not under $tmp: the postgres user must reach it
  [ "$(id -u)" = 0 ] && chown postgres: "$pgdir"
  as_pg "$pg_bin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C --no-instructions >"$pgdir/initdb.log" 2>&1 ||
    { cat "$pgdir/initdb.log" >&2; return 1; }
  pg_port=$(free_port)
  local as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  taskset -c "$client_cpu" "${as[@]}" "$pg_bin/postgres" -D "$pgdir/data" -k "$pgdir" -p "$pg_port" \
    -c listen_addresses=127.0.0.1 -c max_connections=20 >"$pgdir/postgres.log" 2>&1 &
  pg_pid=$!
  for _ in $(seq 1 100); do pg_sql postgres 'select 1' >/dev/null 2>&1 && return 0; sleep 0.1; done
  cat "$pgdir/postgres.log" >&2
  return 1
}
pg_sql() { PGOPTIONS="-c client_min_messages=warning" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -At -v ON_ERROR_STOP=1 -c "$2"; }
pg_stop() {
  [ -n "$pg_pid" ] || return 0
  local pid
  pid=$(head -1 "$pgdir/data/postmaster.pid" 2>/dev/null) && kill -INT "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pg_pid" 2>/dev/null || true
  pg_pid=
}

# start_ingest CREDIT STORE: tallyhub with its AMQP listener (lib.sh's start_tallyhub); sets amqp_port.
# STORE off: --data-dir off (totals in memory, no dedup); journal: the journal in a temporary
# --data-dir (fsync tick) and the dedup window; postgres: --postgres on a fresh database of the
# throwaway cluster, and the dedup window.
start_ingest() {
  local store_args=(--data-dir "$tmp/data")
  [ "$2" = off ] && store_args=(--data-dir off --dedup-window 0s)
  if [ "$2" = postgres ]; then
    pg_sql postgres 'drop database if exists bench' >/dev/null && pg_sql postgres 'create database bench' >/dev/null || return 1
    store_args=(--data-dir off --postgres "postgresql://postgres@127.0.0.1:$pg_port/bench")
  fi
  start_tallyhub tallyhub --cores 1 --amqp-listen 127.0.0.1:0 --amqp-credit "$1" "${store_args[@]}" || return 1
  amqp_port=$(sed -n 's|^tallyhub: listening on amqp://[^ ]*:\([0-9]*\)/ (amqp)$|\1|p' "$server_out")
}

json_num() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1"; }
applied() { curl -s "$admin_url/metrics" | awk '$1 == "tallyhub_events_applied_total{type=\"OrderCreated\"}" {print $2}'; }
# commit_pct Q: the Q quantile (0.5, 0.99) of the durable commit of one tick, in ms, from the
# tallyhub_commit_latency_seconds summary on /metrics ("-" without a durable store).
commit_pct() {
  curl -s "$admin_url/metrics" | awk -v q="$1" '
    $1 == "tallyhub_commit_latency_seconds{quantile=\"" q "\"}" { printf "%.1f", $2 * 1000; found = 1 }
    END { if (!found) print "-" }'
}

case " $stores " in *" postgres "*) pg_start || exit 1 ;; esac

results=()
printf '%-8s %-8s %-10s %10s %12s %16s %10s\n' credit store mode events "events/s" "min-max" "server CPU"
for credit in $credits; do
  n=$events
  [ "$credit" -ge 20000 ] || n=$((events / 10))
  for store in $stores; do
  for mode in unsettled settled; do
    rates=() cpus=() p50s=() p99s=()
    for run in $(seq 1 "$runs"); do
      start_ingest "$credit" "$store" || exit 1
      flag=; [ "$mode" = settled ] && flag=--settled
      c0=$(cpu_ns "$server_pid")
      summary=$(taskset -c "$client_cpu" "$send_bin" "amqp://127.0.0.1:$amqp_port/events" --orders "$n" $flag --json \
        --timeout 120 --seed "$run")
      # Pre-settled: the producer is done when it wrote; wait until the server applied everything.
      for _ in $(seq 1 200); do [ "$(applied)" = "$n" ] && break; sleep 0.05; done
      c1=$(cpu_ns "$server_pid")
      got=$(applied)
      p50s+=("$(commit_pct 0.5)"); p99s+=("$(commit_pct 0.99)")
      [ "$got" = "$n" ] || { echo "bench/amqp: credit $credit $mode run $run: $got of $n applied: $summary" >&2; exit 1; }
      rate=$(json_num "$summary" rate)
      elapsed=$(json_num "$summary" elapsed_s)
      rates+=("$rate")
      cpus+=("$(awk -v c="$((c1 - c0))" -v e="$elapsed" 'BEGIN {printf "%.0f", (e > 0) ? 100 * c / 1e9 / e : 0}')")
      stop_server
      rm -rf "$tmp/data"
    done
    med=$(printf "%s\n" "${rates[@]}" | median)
    lo=$(echo "${rates[*]}" | tr ' ' '\n' | sort -n | head -1)
    hi=$(echo "${rates[*]}" | tr ' ' '\n' | sort -n | tail -1)
    cpu=$(printf "%s\n" "${cpus[@]}" | median)
    printf '%-8s %-8s %-10s %10s %12s %16s %9s%%  commit p50/p99 ms %s/%s\n' "$credit" "$store" "$mode" "$n" "$med" "$lo-$hi" \
      "$cpu" "${p50s[-1]}" "${p99s[-1]}"
    results+=("{\"credit\": $credit, \"store\": \"$store\", \"mode\": \"$mode\", \"events\": $n, \"runs\": $runs, \"events_per_s_median\": $med, \"min\": $lo, \"max\": $hi, \"server_cpu_pct_median\": $cpu, \"commit_ms_p50_last_run\": \"${p50s[-1]}\", \"commit_ms_p99_last_run\": \"${p99s[-1]}\", \"rates\": [$(IFS=,; echo "${rates[*]}")]}")
  done
  done
done

# Through RabbitMQ, when it is installed (bench/amqp/rabbitmq.mjs): its own publish rate as context.
rabbit=()
if [ "${BENCH_RABBITMQ:-1}" = 1 ] && [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && command -v node >/dev/null 2>&1; then
  printf '\n%-28s %14s %14s\n' "through RabbitMQ (${BENCH_RMQ_EVENTS:-200000} events)" "RabbitMQ pub/s" "tallyhub cons/s"
  for run in $(seq 1 "$runs"); do
    line=$(cd "$here" && TALLYHUB_BIN=$tallyhub_bin node rabbitmq.mjs)
    rabbit+=("$line")
    printf '%-28s %14s %14s\n' "run $run" "$(json_num "$line" rabbitmq_publish_per_s)" "$(json_num "$line" tallyhub_consume_per_s)"
  done
fi

mkdir -p "$(dirname "$out_json")"
{
  echo "{\"scenario\": \"amqp-ingest\", \"date\": \"$(date -u +%FT%TZ)\", \"host_cpus\": $(nproc), \"loadavg_at_start\": \"$load_at_start\","
  echo " \"command\": \"bench/amqp/run.sh\", \"tick_ms\": 100, \"results\": ["
  (IFS=$'\n'; echo "${results[*]}" | sed '$!s/$/,/')
  echo "], \"rabbitmq\": ["
  (IFS=$'\n'; echo "${rabbit[*]:-}" | sed '/^$/d; $!s/$/,/')
  echo "]}"
} >"$out_json"
echo "bench/amqp: wrote $out_json"
