#!/usr/bin/env bash
# Configures (once) and builds one of the project's build trees.
# Usage: scripts/build.sh CONFIG [NINJA_TARGET...]
#   cmake-release  CMake + Ninja, Release, warnings are errors  -> build/cmake-release
#   meson-asan     Meson, debug, ASan + UBSan                    -> build/meson-asan
# Configure output goes to build/logs/ (shown on failure); the build prints only compiler messages.
# Does not install packages: the make targets run scripts/install-deps.sh first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: $0 cmake-release|meson-asan [target...]"
config=$1; shift
dir=$repo_root/build/$config

case $config in
  cmake-release)
    # Once configured, ninja re-runs cmake by itself when CMakeLists.txt or a list file changes.
    if [ ! -f "$dir/build.ninja" ]; then
      say "configuring $config (CMake, Ninja, Release, -DTALLYHUB_WERROR=ON)"
      run_logged "$log_dir/$config-configure.log" \
        cmake -S "$repo_root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTALLYHUB_WERROR=ON
    fi
    ;;
  meson-asan)
    # Once configured, ninja re-runs meson by itself when meson.build or a list file changes.
    if [ ! -f "$dir/build.ninja" ]; then
      # A half-made tree (an earlier setup failed) cannot be reconfigured: start it afresh.
      rm -rf "$dir"
      say "configuring $config (Meson, debug, -Dsanitize=true)"
      run_logged "$log_dir/$config-configure.log" \
        meson setup "$dir" "$repo_root" --buildtype=debug -Dsanitize=true
    fi
    ;;
  *) die "unknown build config '$config' (cmake-release or meson-asan)" ;;
esac

say "building $config${*:+ ($*)} with -j$jobs"
# --quiet: no progress lines, only what the compiler says (ninja 1.11).
ninja -C "$dir" -j "$jobs" --quiet "$@" | { grep -v '^ninja: no work to do\.$' || true; }
