# Shared by the load scenarios, bench/*/run.sh (sourced, not run). A scenario calls
# `bench_init NAME` first; then it starts one server at a time pinned to core 0 (start_server,
# start_tallyhub), runs its load tool on core 1, reads the server's CPU and memory from /proc, and
# writes bench/results/NAME.json with env_json and summarize_runs. Loopback only: every server listens
# on 127.0.0.1 with a port the kernel picks.
#
# Variables set by bench_init: repo_root, bench_name, tmp (removed at exit), server_cpu (0),
# client_cpu (1; 0 on a one-core machine, with a warning), load_at_start, tallyhub_bin
# (TALLYHUB_BIN or build/cmake-release/tallyhub), load_bin (TALLYHUB_LOAD_BIN or tallyhub-load next
# to it). By start_server: server_pid, server_out (its stdout file). By start_tallyhub: http_url,
# admin_url (http://127.0.0.1:PORT, no slash).

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
server_pid=
load_pid=

# bench_init NAME: the scenario's name (messages, tmp dir, results file), traps and core choice.
bench_init() {
  bench_name=$1
  tallyhub_bin=${TALLYHUB_BIN:-$repo_root/build/cmake-release/tallyhub}
  load_bin=${TALLYHUB_LOAD_BIN:-$(dirname "$tallyhub_bin")/tallyhub-load}
  command -v taskset >/dev/null 2>&1 || bench_fail "taskset is missing; run 'make bench'"
  server_cpu=0
  client_cpu=1
  [ "$(nproc)" -ge 2 ] || { client_cpu=0; bench_note "one core only: the load tool shares it with the server"; }
  load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
  if awk -v l="${load_at_start%% *}" 'BEGIN {exit !(l > 1.0)}'; then
    bench_note "load average $load_at_start at the start: other work shares the cores, so rates will be low"
  fi
  tmp=$(mktemp -d "/tmp/tallyhub-bench-$bench_name.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# bench_note MSG / bench_fail MSG: a line on stderr prefixed with the scenario; bench_fail exits 1.
bench_note() { printf 'bench/%s: %s\n' "$bench_name" "$*" >&2; }
bench_fail() { bench_note "$@"; exit 1; }

bench_cleanup() {
  exec 3>&- 2>/dev/null || true
  [ -z "$load_pid" ] || kill -TERM "$load_pid" 2>/dev/null || true
  stop_server
  [ -z "$tmp" ] || rm -rf "$tmp"
}

# need_binaries TARGET...: builds the Release targets whose binaries are missing next to tallyhub.
need_binaries() {
  local t missing=()
  for t in "$@"; do [ -x "$(dirname "$tallyhub_bin")/$t" ] || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] || "$repo_root/scripts/build.sh" cmake-release "${missing[@]}"
}

# start_server LABEL READY TIMEOUT_S CMD...: runs CMD pinned to server_cpu, stdout in $tmp/LABEL.out,
# stderr in $tmp/LABEL.err, and waits until a stdout line matches the extended regex READY ("-": do
# not wait). On failure it prints both files, stops the process and returns 1.
start_server() {
  local label=$1 ready=$2 timeout=$3 i
  shift 3
  server_out=$tmp/$label.out
  taskset -c "$server_cpu" "$@" >"$server_out" 2>"$tmp/$label.err" &
  server_pid=$!
  [ "$ready" != - ] || return 0
  for ((i = 0; i < timeout * 20; i++)); do
    grep -Eq "$ready" "$server_out" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  grep -Eq "$ready" "$server_out" 2>/dev/null && return 0
  bench_note "$label did not become ready (no line matching '$ready' in ${timeout}s):"
  cat "$server_out" "$tmp/$label.err" | sed 's/^/    /' >&2
  stop_server
  return 1
}

# start_tallyhub LABEL ARGS...: tallyhub on free loopback ports (HTTP and admin) with ARGS, ready
# when it prints `tallyhub: ready`; sets http_url and admin_url.
start_tallyhub() {
  local label=$1
  shift
  start_server "$label" '^tallyhub: ready$' 10 "$tallyhub_bin" --http 127.0.0.1:0 --admin 127.0.0.1:0 \
    --drain-timeout 2s "$@" || return 1
  http_url=$(sed -n 's|^tallyhub: listening on \(http://[^ ]*\)/ (http)$|\1|p' "$server_out")
  admin_url=$(sed -n 's|^tallyhub: listening on \(http://[^ ]*\)/ (admin)$|\1|p' "$server_out")
}

# stop_server: SIGTERM, up to 10 s to exit, then SIGKILL.
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# cpu_ns PID: nanoseconds all the process's threads have run so far, from schedstat (finer than
# clock ticks, which matters for runs under a second). now_ns: the wall clock in nanoseconds.
cpu_ns() { cat "/proc/$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
now_ns() { date +%s%N; }
# cpu_percent CPU_NS WALL_NS: CPU time over wall time in percent, one decimal.
cpu_percent() { awk -v c="$1" -v w="$2" 'BEGIN {printf "%.1f", (w > 0) ? 100 * c / w : 0}'; }

# status_kb PID FIELD: a kB field of /proc/PID/status (VmRSS, RssAnon, ...).
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# median: of the numbers on stdin, one per line ("nan" for none; the mean of the middle two).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# json_str TEXT: TEXT as a JSON string (quotes, backslashes and control characters escaped).
json_str() { printf '%s' "$1" | node -e 'let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => process.stdout.write(JSON.stringify(s)))'; }

# json_get JSON PATH: the value at a dotted PATH (measure.latency_ms.p99) of JSON; objects as JSON,
# missing values as "null".
json_get() {
  node -e 'let v = JSON.parse(process.argv[1]); for (const k of process.argv[2].split(".")) v = v == null ? undefined : v[k];
           console.log(v === undefined ? "null" : typeof v === "object" ? JSON.stringify(v) : String(v))' "$1" "$2"
}

# env_json [EXTRA_JSON_MEMBERS]: the machine and build a result was measured on, as one JSON object.
env_json() {
  local version commit
  version=$("$tallyhub_bin" --version 2>/dev/null || true); version=${version%%$'\n'*}
  commit=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$repo_root" diff --quiet HEAD -- src 2>/dev/null || commit="$commit+dirty"
  printf '{"date": "%s", "kernel": %s, "cpu": %s, "cores": %d, "loadavg_at_start": "%s", "loadavg_at_end": "%s", "tallyhub": %s, "commit": "%s", "node": "%s"%s}' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(json_str "$(uname -r)")" \
    "$(json_str "$(sed -n '/^model name/{s/^model name[^:]*: //p;q}' /proc/cpuinfo)")" "$(nproc)" \
    "$load_at_start" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(json_str "$version")" "$commit" \
    "$(node --version 2>/dev/null || echo none)" "${1:+, $1}"
}

# summarize_runs KEYS METRICS [BASELINE]: reads one JSON object per line (one run each) on stdin and
# prints a JSON array with one group per distinct value of the comma-separated KEYS: the keys, `runs`
# (the lines), and `median`, `min`, `max` of each METRIC, a comma-separated list of NAME=PATH (dotted
# path into a run). BASELINE KEY=VALUE (server=ws-baseline) adds `ratio_vs_baseline`: each median
# divided by the median of the group that has VALUE for KEY and the same other keys. A run with
# `"ok": false` stays in `runs` but not in the statistics; `failed_runs` counts them.
summarize_runs() {
  node -e '
const [keys, metrics, baseline] = [process.argv[1].split(","), process.argv[2].split(",").map((m) => m.split("=")),
                                   process.argv[3] ? process.argv[3].split("=") : null];
const at = (o, path) => path.split(".").reduce((v, k) => (v == null ? undefined : v[k]), o);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b), n = s.length;
  return n === 0 ? null : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const round = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
let input = "";
process.stdin.on("data", (d) => (input += d)).on("end", () => {
  const groups = new Map();
  for (const line of input.split("\n").filter((l) => l.trim())) {
    const run = JSON.parse(line), id = JSON.stringify(keys.map((k) => run[k]));
    if (!groups.has(id)) groups.set(id, { ...Object.fromEntries(keys.map((k) => [k, run[k]])), runs: [] });
    groups.get(id).runs.push(run);
  }
  for (const g of groups.values()) {
    g.median = {}; g.min = {}; g.max = {};
    const good = g.runs.filter((r) => r.ok !== false);
    g.failed_runs = g.runs.length - good.length;
    for (const [name, path] of metrics) {
      const xs = good.map((r) => at(r, path)).filter((x) => typeof x === "number" && isFinite(x));
      g.median[name] = round(median(xs));
      g.min[name] = xs.length ? Math.min(...xs) : null; g.max[name] = xs.length ? Math.max(...xs) : null;
    }
  }
  if (baseline) {
    const [bk, bv] = baseline;
    for (const g of groups.values()) {
      if (String(g[bk]) === bv) continue;
      const base = [...groups.values()].find((b) => String(b[bk]) === bv && keys.every((k) => k === bk || b[k] === g[k]));
      if (!base) continue;
      g.ratio_vs_baseline = Object.fromEntries(metrics.map(([name]) => [name,
        base.median[name] && g.median[name] != null ? round(g.median[name] / base.median[name]) : null]));
    }
  }
  console.log(JSON.stringify([...groups.values()], null, 1));
});' "$1" "$2" "${3:-}"
}

# load_start ARGS...: runs tallyhub-load ARGS pinned to client_cpu, stdin a FIFO held open on fd 3
# (closing it ends a --hold), stdout in $tmp/load.out, stderr in $tmp/load.err; sets load_pid.
load_start() {
  rm -f "$tmp/load.in" "$tmp/load.out"
  mkfifo "$tmp/load.in"
  taskset -c "$client_cpu" "$load_bin" "$@" <"$tmp/load.in" >"$tmp/load.out" 2>"$tmp/load.err" &
  load_pid=$!
  exec 3>"$tmp/load.in"
}

# load_wait REGEX TIMEOUT_S: waits until a line of the load tool's stdout matches REGEX and prints
# that line (the first); returns 1 if the tool exited or the time passed first.
load_wait() {
  local i
  for ((i = 0; i < $2 * 50; i++)); do
    grep -Em1 "$1" "$tmp/load.out" 2>/dev/null && return 0
    kill -0 "$load_pid" 2>/dev/null || break
    sleep 0.02
  done
  grep -Em1 "$1" "$tmp/load.out" 2>/dev/null
}

# load_finish: closes the tool's stdin (ending a --hold) and waits for it; sets load_report (its
# `report` JSON, "null" if none) and load_status (its exit status). Not in $(...): it waits for a
# child of this shell.
load_finish() {
  load_status=0
  exec 3>&-
  wait "$load_pid" || load_status=$?
  load_pid=
  load_report=$(sed -n '/^report /{s/^report //p;q}' "$tmp/load.out")
  [ -n "$load_report" ] || load_report=null
}

# load_log: the load tool's output, indented, for error messages.
load_log() { cat "$tmp/load.out" "$tmp/load.err" 2>/dev/null | sed 's/^/    /' >&2; }

# write_results NAME SCRIPT COMMANDS SETTINGS OUT: a scenario's results file (NAME, the script that
# wrote it, the exact commands and settings as JSON, this machine, and the groups in $tmp/groups.json).
write_results() {
  mkdir -p "$(dirname "$5")"
  printf '{\n"scenario": "%s",\n"command": "%s",\n"commands": %s,\n"environment": %s,\n"settings": %s,\n"groups": %s\n}\n' \
    "$1" "$2" "$3" "$(env_json)" "$4" "$(cat "$tmp/groups.json")" >"$5"
}
