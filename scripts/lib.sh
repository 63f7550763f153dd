# Shared helpers for the scripts in scripts/ (sourced, not run). Keeps their output uniform:
# one "==>" line per step, tool output in build/logs/ and shown only when the step fails.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log_dir=$repo_root/build/logs
jobs=${TALLYHUB_JOBS:-2}
# The longest a node test file (or a test) may run before the runner stops it: nothing may hang CI.
node_test_timeout_ms=${TALLYHUB_NODE_TEST_TIMEOUT_MS:-600000}

# say MSG: one progress line.
say() { printf '==> %s\n' "$*"; }

# die MSG: error line on stderr, exit 1.
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# run_logged LOG CMD...: runs CMD with all output in LOG; on failure prints the log's tail and
# returns CMD's exit code, so quiet steps still explain themselves when they break.
run_logged() {
  local log=$1; shift
  mkdir -p "$(dirname "$log")"
  if "$@" >"$log" 2>&1; then
    return 0
  else
    local rc=$?
    printf 'error: "%s" failed (exit %d); last lines of %s:\n' "$*" "$rc" "${log#"$repo_root"/}" >&2
    tail -n 60 "$log" | sed 's/^/    /' >&2
    return "$rc"
  fi
}

# as_root CMD...: runs CMD as root, through sudo when the caller is not root.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (run as root or install sudo)"
  fi
}
