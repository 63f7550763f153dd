#!/usr/bin/env bash
# make demo: installs what is missing, builds the Release server and runs it in the foreground with
# its embedded defaults (no Redis, PostgreSQL or broker needed), printing the URL to open.
# Extra server options: make demo ARGS="--http 0.0.0.0:8081". Ctrl-C stops it (graceful drain).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$repo_root"

scripts/install-deps.sh build
scripts/build.sh cmake-release tallyhub tallyhub-send
scripts/build-web.sh

# Rewrites the server's listener lines into URLs a browser on this machine can open.
announce() {
  trap '' INT   # keep relaying the server's last lines while it drains after Ctrl-C
  local line url='' admin='' amqp=''
  while IFS= read -r line; do
    printf '%s\n' "$line"
    case $line in
      'tallyhub: listening on '*' (http)') url=${line#tallyhub: listening on } ;;
      'tallyhub: listening on '*' (admin)') admin=${line#tallyhub: listening on } ;;
      'tallyhub: listening on '*' (amqp)') amqp=${line#tallyhub: listening on } ;;
      'tallyhub: ready')
        url=${url% (http)}; admin=${admin% (admin)}
        url=${url/\/\/0.0.0.0:/\/\/localhost:}; url=${url/\/\/\[::\]:/\/\/localhost:}
        admin=${admin/\/\/0.0.0.0:/\/\/localhost:}
        echo
        echo "  tallyhub is running. Open the dashboard: $url"
        [ -z "$admin" ] || echo "  Health and metrics: ${admin}healthz  ${admin}metrics"
        amqp=${amqp% (amqp)}; amqp=${amqp/\/\/0.0.0.0:/\/\/localhost:}
        [ -z "$amqp" ] || echo "  Send your own events: build/cmake-release/tallyhub-send ${amqp}orders --orders 1000"
        echo "  Press Ctrl-C to stop."
        echo
        ;;
    esac
  done
}

# The demo source makes the dashboard move without a broker; ARGS comes after and may override it.
demo_args="--demo-rate ${DEMO_RATE:-50}"
say "starting build/cmake-release/tallyhub $demo_args ${ARGS:-}"
# ARGS is split on blanks on purpose: it holds several options.
# shellcheck disable=SC2086
build/cmake-release/tallyhub $demo_args ${ARGS:-} | announce
exit "${PIPESTATUS[0]}"
