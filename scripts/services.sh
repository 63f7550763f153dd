#!/usr/bin/env bash
# The services the test suites talk to (Redis, PostgreSQL, RabbitMQ, ...), each a private instance
# on 127.0.0.1 with its data in build/services/, started before the tests and stopped after them.
#
# Sourced by scripts/test.sh:   source scripts/services.sh; services_start   (stops them on exit)
# By hand:                      scripts/services.sh start|stop    then: source build/services/env
#
# Adding a service NAME: add its package to [test] in scripts/packages.txt, append NAME to
# `services`, and write service_NAME_start, which starts it in the background, calls
# services_track NAME PID, waits until it answers, and calls services_export VAR VALUE for what the
# tests need to reach it (e.g. TALLYHUB_TEST_REDIS=127.0.0.1:PORT). The tests read those variables.
# Stopping is generic: SIGTERM to each tracked pid, SIGKILL after 15 s.

services=()   # none needed yet

services_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/services

# services_free_port: prints a TCP port on 127.0.0.1 that nothing listens on.
services_free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 30000))
    if ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  echo "services: no free port found" >&2
  return 1
}

# services_wait_port PORT SECONDS: waits until something accepts on 127.0.0.1:PORT.
services_wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [ $SECONDS -lt "$deadline" ] || { echo "services: nothing listens on port $port after $2 s" >&2; return 1; }
    sleep 0.2
  done
}

# services_start_time PID: the kernel's start time of PID, to tell it from a later process with the same pid.
services_start_time() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# services_track NAME PID: remembers PID so services_stop ends it.
services_track() { echo "$2 $(services_start_time "$2")" >"$services_dir/$1.pid"; }

# services_export VAR VALUE: sets VAR for the tests and records it in build/services/env.
services_export() {
  export "$1=$2"
  printf 'export %s=%q\n' "$1" "$2" >>"$services_dir/env"
}

# services_start: starts every service in `services` and stops them all when the shell exits.
services_start() {
  mkdir -p "$services_dir"
  services_stop   # leftovers of an interrupted run
  : >"$services_dir/env"
  trap services_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local name
  for name in "${services[@]}"; do
    printf '==> starting test service %s\n' "$name"
    "service_${name}_start" || { echo "services: $name did not start" >&2; return 1; }
  done
}

# services_stop: stops every tracked service; safe to call when none runs.
services_stop() {
  local f pid started
  for f in "$services_dir"/*.pid; do
    [ -f "$f" ] || continue
    read -r pid started <"$f"
    if [ -n "$pid" ] && [ "$(services_start_time "$pid")" = "$started" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case ${1:-} in
    start) services_start; trap - EXIT INT TERM ;;   # leave them running for the caller
    stop) services_stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
  esac
fi
