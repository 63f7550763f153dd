#!/usr/bin/env bash
# HTTP load scenario: tallyhub (io_uring and epoll backends) and nginx as the reference, in one run,
# against GET /healthz and a small static file. The server under load is pinned to core 0, wrk to
# core 1. Reports median requests/s, p99 latency and the server's CPU% (it should be ~100%: the
# server, not wrk, is the bottleneck). See bench/http/README.md.
#
# Environment: TALLYHUB_BIN (default build/cmake-release/tallyhub), BENCH_RUNS (3),
# BENCH_DURATION (seconds per run, 10), BENCH_CONNECTIONS (64), BENCH_OUT (bench/results/http.json).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$repo_root/scripts/services.sh"   # services_free_port, services_wait_port
bench_init http

runs=${BENCH_RUNS:-3}
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-64}
out_json=${BENCH_OUT:-$repo_root/bench/results/http.json}
[ "$duration" -le 10 ] || bench_fail "BENCH_DURATION is at most 10 s"

for tool in wrk nginx; do
  command -v "$tool" >/dev/null 2>&1 || bench_fail "$tool is missing; run 'make bench'"
done
[ -x "$tallyhub_bin" ] || "$repo_root/scripts/build.sh" cmake-release tallyhub

# The static file: 1 KiB of HTML, about the size of a small dashboard asset.
mkdir -p "$tmp/www"
static_path=/bench.html
# (Cut in the shell, not with `| head -c`: head exiting first would kill the writer with SIGPIPE.)
static_html=$(printf '<!doctype html>\n<title>bench</title>\n<pre>\n'
  for _ in $(seq 1 20); do printf '%s\n' 'tallyhub bench static file: sixty-four bytes per line, ok.'; done
  printf '</pre>\n')
printf '%s' "${static_html:0:1024}" >"$tmp/www/bench.html"
static_bytes=$(stat -c %s "$tmp/www/bench.html")

# start_tallyhub_static BACKEND: sets static_url and health_url.
start_tallyhub_static() {
  start_tallyhub "tallyhub-$1" --cores 1 --io-backend "$1" --amqp-listen off --data-dir off --web-root "$tmp/www" || return 1
  static_url=$http_url$static_path
  health_url=$admin_url/healthz
}

# start_nginx: one worker process, no access log, the same file, /healthz answered from config.
# A free port can be taken before nginx binds it (another process's outgoing connection): then it
# tries another, three times at most.
start_nginx() {
  local port dir=$tmp/nginx attempt
  mkdir -p "$dir"
  for attempt in 1 2 3; do
    port=$(services_free_port)
    rm -f "$dir/error.log"
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
    start_server nginx - 0 nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    if services_wait_port "$port" 10; then
      static_url=http://127.0.0.1:$port$static_path
      health_url=http://127.0.0.1:$port/healthz
      return 0
    fi
    stop_server
    [ "$attempt" -lt 3 ] && grep -q 'Address already in use' "$dir/error.log" 2>/dev/null || break
  done
  bench_note "nginx did not start:"
  cat "$server_out" "$tmp/nginx.err" "$dir/error.log" 2>/dev/null | sed 's/^/    /' >&2
  return 1
}

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

results=()   # one JSON object per server/target
rows=()      # "server|target|rps|p99|cpu|errors"
status=0

# measure SERVER TARGET URL: warm-up, then $runs timed wrk runs; appends to results and rows.
measure() {
  local server=$1 target=$2 url=$3 i wrk_out=$tmp/wrk.txt
  local rps_list='' p99_list='' cpu_list='' wrk_list='' runs_json='' errors_total=0
  taskset -c "$client_cpu" wrk -t1 -c"$connections" -d1s "$url" >"$wrk_out" 2>&1 || true
  if grep -q 'Non-2xx' "$wrk_out" || ! grep -q '^Requests/sec:' "$wrk_out"; then
    bench_note "$server $url does not answer 2xx:"
    sed 's/^/    /' "$wrk_out" >&2
    status=1
    return 0
  fi
  for i in $(seq 1 "$runs"); do
    local c0 c1 w0 w1 t0 t1 rps p99 cpu wrk_cpu errors
    children_cpu_s >"$tmp/w0"
    c0=$(cpu_ns "$server_pid"); t0=$(now_ns)
    taskset -c "$client_cpu" wrk -t1 -c"$connections" -d"${duration}s" --latency "$url" >"$wrk_out" 2>&1 || true
    t1=$(now_ns); c1=$(cpu_ns "$server_pid")
    children_cpu_s >"$tmp/w1"
    w0=$(<"$tmp/w0"); w1=$(<"$tmp/w1")
    if ! grep -q '^Requests/sec:' "$wrk_out"; then
      bench_note "wrk failed against $server $url:"
      sed 's/^/    /' "$wrk_out" >&2
      status=1
      return 0
    fi
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$wrk_out")
    p99=$(latency_us "$(awk '$1 == "99%" {print $2}' "$wrk_out")")
    cpu=$(cpu_percent "$((c1 - c0))" "$((t1 - t0))")
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
  if start_tallyhub_static "$backend"; then
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
  printf '{\n  "scenario": "http",\n  "command": "bench/http/run.sh",\n  "environment": %s,\n' "$(env_json)"
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
