#!/usr/bin/env bash
# HTTP load scenario: tallyhub (io_uring and epoll backends) and nginx as the reference, in one run,
# against GET /healthz and a small static file. The server under load is pinned to core 0, wrk to
# core 1. Reports median requests/s, p99 latency and the server's CPU% (it should be ~100%: the
# server, not wrk, is the bottleneck). See bench/http/README.md.
#
# Environment: TALLYHUB_BIN (default build/cmake-release/tallyhub), BENCH_RUNS (3),
# BENCH_DURATION (seconds per run, 10), BENCH_CONNECTIONS (64), BENCH_OUT (bench/results/http.json).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
source "$repo_root/scripts/services.sh"   # services_free_port, services_wait_port

bin=${TALLYHUB_BIN:-$repo_root/build/cmake-release/tallyhub}
runs=${BENCH_RUNS:-3}
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-64}
out_json=${BENCH_OUT:-$repo_root/bench/results/http.json}
[ "$duration" -le 10 ] || { echo "bench/http: BENCH_DURATION is at most 10 s" >&2; exit 2; }

for tool in wrk nginx taskset; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/http: $tool is missing; run 'make bench'" >&2; exit 1; }
done
[ -x "$bin" ] || "$repo_root/scripts/build.sh" cmake-release tallyhub
server_cpu=0
client_cpu=1
[ "$(nproc)" -ge 2 ] || { client_cpu=0; echo "bench/http: one core only: wrk shares it with the server" >&2; }
clk_tck=$(getconf CLK_TCK)

tmp=$(mktemp -d /tmp/tallyhub-bench-http.XXXXXX)
server_pid=
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The static file: 1 KiB of HTML, about the size of a small dashboard asset.
mkdir -p "$tmp/www"
static_path=/bench.html
{ printf '<!doctype html>\n<title>bench</title>\n<pre>\n'
  for _ in $(seq 1 20); do printf '%s\n' 'tallyhub bench static file: sixty-four bytes per line, ok.'; done
  printf '</pre>\n'; } | head -c 1024 >"$tmp/www/bench.html"
static_bytes=$(stat -c %s "$tmp/www/bench.html")

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# start_tallyhub BACKEND: sets server_pid, static_url and health_url; fails if it is not ready in 10 s.
start_tallyhub() {
  local out=$tmp/tallyhub-$1.out
  taskset -c "$server_cpu" "$bin" --cores 1 --io-backend "$1" --http 127.0.0.1:0 --admin 127.0.0.1:0 --amqp-listen off --data-dir off \
    --web-root "$tmp/www" --drain-timeout 2s >"$out" 2>"$tmp/tallyhub-$1.err" &
  server_pid=$!
  for _ in $(seq 1 100); do
    grep -q '^tallyhub: ready$' "$out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^tallyhub: ready$' "$out" 2>/dev/null; then
    echo "bench/http: tallyhub --io-backend $1 did not become ready:" >&2
    cat "$out" "$tmp/tallyhub-$1.err" | sed 's/^/    /' >&2
    stop_server
    return 1
  fi
  local http admin
  http=$(sed -n 's|^tallyhub: listening on \(http://[^ ]*\)/ (http)$|\1|p' "$out")
  admin=$(sed -n 's|^tallyhub: listening on \(http://[^ ]*\)/ (admin)$|\1|p' "$out")
  static_url=$http$static_path
  health_url=$admin/healthz
}

# start_nginx: one worker process, no access log, the same file, /healthz answered from config.
start_nginx() {
  local port dir=$tmp/nginx
  port=$(services_free_port)
  mkdir -p "$dir"
  {
    echo "daemon off; master_process off; worker_processes 1;"
    [ "$(id -u)" -ne 0 ] || echo "user root;"
    echo "pid $dir/nginx.pid; error_log $dir/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    echo "  access_log off; sendfile on; tcp_nopush on; tcp_nodelay on;"
    echo "  keepalive_requests 100000000; keepalive_timeout 75s;"
    echo "  types { text/html html; } default_type application/octet-stream;"
    echo "  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;"
    echo "  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;"
    echo "  server {"
    echo "    listen 127.0.0.1:$port; root $tmp/www;"
    echo "    location = /healthz { default_type text/plain; return 200 \"ok\\n\"; }"
    echo "  }"
    echo "}"
  } >"$dir/nginx.conf"
  taskset -c "$server_cpu" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout" 2>&1 &
  server_pid=$!
  if ! services_wait_port "$port" 10; then
    echo "bench/http: nginx did not start:" >&2
    cat "$dir/stdout" "$dir/error.log" 2>/dev/null | sed 's/^/    /' >&2
    stop_server
    return 1
  fi
  static_url=http://127.0.0.1:$port$static_path
  health_url=http://127.0.0.1:$port/healthz
}

# cpu_ticks PID: user + system clock ticks of all the process's threads so far.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# children_cpu_s: user + system seconds of this shell's finished children (wrk), from `times`
# (run in this shell, not in a $(...) subshell, which would count only its own children).
children_cpu_s() {
  times >"$tmp/times"
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] } printf "%.3f", t }' "$tmp/times"
}

# latency_us VALUE: wrk's "850.00us" / "1.23ms" / "1.01s" in microseconds.
latency_us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : (u == "m") ? 60000000 : -1
    if (f < 0) { print "nan"; exit } printf "%.0f", n * f }'
}

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

results=()   # one JSON object per server/target
rows=()      # "server|target|rps|p99|cpu|errors"
status=0

# measure SERVER TARGET URL: warm-up, then $runs timed wrk runs; appends to results and rows.
measure() {
  local server=$1 target=$2 url=$3 i wrk_out=$tmp/wrk.txt
  local rps_list='' p99_list='' cpu_list='' wrk_list='' runs_json='' errors_total=0
  taskset -c "$client_cpu" wrk -t1 -c"$connections" -d1s "$url" >"$wrk_out" 2>&1 || true
  if grep -q 'Non-2xx' "$wrk_out" || ! grep -q '^Requests/sec:' "$wrk_out"; then
    echo "bench/http: $server $url does not answer 2xx:" >&2
    sed 's/^/    /' "$wrk_out" >&2
    status=1
    return 0
  fi
  for i in $(seq 1 "$runs"); do
    local c0 c1 w0 w1 t0 t1 rps p99 cpu wrk_cpu errors
    children_cpu_s >"$tmp/w0"
    c0=$(cpu_ticks "$server_pid"); t0=$(date +%s%N)
    taskset -c "$client_cpu" wrk -t1 -c"$connections" -d"${duration}s" --latency "$url" >"$wrk_out" 2>&1 || true
    t1=$(date +%s%N); c1=$(cpu_ticks "$server_pid")
    children_cpu_s >"$tmp/w1"
    w0=$(<"$tmp/w0"); w1=$(<"$tmp/w1")
    if ! grep -q '^Requests/sec:' "$wrk_out"; then
      echo "bench/http: wrk failed against $server $url:" >&2
      sed 's/^/    /' "$wrk_out" >&2
      status=1
      return 0
    fi
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$wrk_out")
    p99=$(latency_us "$(awk '$1 == "99%" {print $2}' "$wrk_out")")
    cpu=$(awk -v c="$((c1 - c0))" -v hz="$clk_tck" -v ns="$((t1 - t0))" 'BEGIN {printf "%.1f", 100 * (c / hz) / (ns / 1e9)}')
    wrk_cpu=$(awk -v a="$w0" -v b="$w1" -v ns="$((t1 - t0))" 'BEGIN {printf "%.1f", 100 * (b - a) / (ns / 1e9)}')
    errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0} END {print n + 0}' "$wrk_out")
    errors_total=$((errors_total + errors))
    rps_list+="$rps"$'\n'; p99_list+="$p99"$'\n'; cpu_list+="$cpu"$'\n'; wrk_list+="$wrk_cpu"$'\n'
    runs_json+="${runs_json:+, }{\"rps\": $rps, \"p99_us\": $p99, \"cpu_pct\": $cpu, \"wrk_cpu_pct\": $wrk_cpu, \"errors\": $errors}"
    printf '  %-16s %-8s run %d/%d: %10.0f req/s  p99 %7s us  server CPU %5s%%  wrk CPU %5s%%\n' \
      "$server" "$target" "$i" "$runs" "$rps" "$p99" "$cpu" "$wrk_cpu"
  done
  local m_rps m_p99 m_cpu m_wrk
  m_rps=$(printf '%s' "$rps_list" | median)
  m_p99=$(printf '%s' "$p99_list" | median)
  m_cpu=$(printf '%s' "$cpu_list" | median)
  m_wrk=$(printf '%s' "$wrk_list" | median)
  rows+=("$server|$target|$m_rps|$m_p99|$m_cpu|$m_wrk|$errors_total")
  results+=("{\"server\": \"$server\", \"target\": \"$target\", \"url\": \"$url\", \"rps_median\": $m_rps, \"p99_us_median\": $m_p99, \"cpu_pct_median\": $m_cpu, \"wrk_cpu_pct_median\": $m_wrk, \"errors\": $errors_total, \"runs\": [$runs_json]}")
  [ "$errors_total" -eq 0 ] || status=1
}

echo "bench/http: $runs x ${duration}s per case, wrk -t1 -c$connections on core $client_cpu, server on core $server_cpu"
for backend in uring epoll; do
  if start_tallyhub "$backend"; then
    measure "tallyhub-$backend" static "$static_url"
    measure "tallyhub-$backend" healthz "$health_url"
    stop_server
  else
    status=1
  fi
done
if start_nginx; then
  measure nginx static "$static_url"
  measure nginx healthz "$health_url"
  stop_server
else
  status=1
fi

# ratio SERVER TARGET: req/s relative to nginx on the same target.
ratio() {
  local row base=''
  for row in "${rows[@]}"; do
    IFS='|' read -r s t r _ <<<"$row"
    [ "$s" = nginx ] && [ "$t" = "$2" ] && base=$r
  done
  [ -n "$base" ] && awk -v a="$1" -v b="$base" 'BEGIN {printf "%.2f", a / b}' || echo "-"
}

echo
printf '%-16s %-8s %10s %10s %11s %8s %9s %7s\n' server target 'req/s' 'p99 (us)' 'server CPU%' 'wrk CPU%' 'vs nginx' errors
markdown="| server | target | req/s | p99 µs | server CPU % | wrk CPU % | req/s vs nginx |"$'\n'"|---|---|---:|---:|---:|---:|---:|"
for row in "${rows[@]}"; do
  IFS='|' read -r s t r p c w e <<<"$row"
  x=$(ratio "$r" "$t")
  printf '%-16s %-8s %10.0f %10.0f %11s %8s %9s %7s\n' "$s" "$t" "$r" "$p" "$c" "$w" "$x" "$e"
  markdown+=$'\n'"| $s | $t | $(printf '%.0f' "$r") | $(printf '%.0f' "$p") | $c | $w | $x |"
done

for row in "${rows[@]}"; do
  IFS='|' read -r s t _ _ c _ _ <<<"$row"
  if awk -v c="$c" 'BEGIN {exit !(c < 90)}'; then
    echo "note: $s/$t: server CPU ${c}% < 90%: the server was not the bottleneck (busy machine or wrk limit)"
  fi
done

mkdir -p "$(dirname "$out_json")"
{
  printf '{\n  "scenario": "http",\n  "date": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '  "kernel": "%s",\n  "cpu": "%s",\n  "cores": %d,\n' "$(uname -r)" \
    "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1 | tr -d '"\\')" "$(nproc)"
  printf '  "tallyhub": "%s",\n' "$("$bin" --version 2>/dev/null | head -n 1 | tr -d '"\\' || true)"
  printf '  "nginx": "%s",\n' "$(nginx -v 2>&1 | sed 's/.*nginx\///' | tr -d '"\\')"
  printf '  "wrk": {"threads": 1, "connections": %d, "duration_s": %d, "runs": %d},\n' "$connections" "$duration" "$runs"
  printf '  "static_file_bytes": %d,\n  "results": [\n' "$static_bytes"
  for i in "${!results[@]}"; do
    printf '    %s%s\n' "${results[$i]}" "$([ "$i" -lt $((${#results[@]} - 1)) ] && echo ,)"
  done
  printf '  ]\n}\n'
} >"$out_json"

echo
echo "Markdown for bench/RESULTS.md (wrk -t1 -c$connections, ${duration}s, median of $runs; server on core $server_cpu, wrk on core $client_cpu; $static_bytes-byte static file):"
echo
echo "$markdown"
echo
echo "JSON: ${out_json#"$repo_root"/}"
exit "$status"
