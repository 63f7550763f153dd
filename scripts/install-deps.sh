#!/usr/bin/env bash
# Installs what the named sections of scripts/packages.txt need and is not there yet.
# Usage: scripts/install-deps.sh SECTION...   (e.g. build test)
# Silent when everything is installed: dpkg-query decides, and `apt-get update` runs only when
# something is missing. apt and npm output goes to build/logs/ and is shown only on failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: $0 SECTION... (sections of scripts/packages.txt)"
list=${TALLYHUB_PACKAGES:-$repo_root/scripts/packages.txt}

# Collect the entries of the requested sections.
packages=()
npm_dirs=()
want=" $* "
section=
while read -r line _; do
  case $line in
    '' | '#'*) continue ;;
    \[*\]) section=${line#[}; section=${section%]}; continue ;;
  esac
  [[ $want == *" $section "* ]] || continue
  case $line in
    npm:*) npm_dirs+=("${line#npm:}") ;;
    *) packages+=("$line") ;;
  esac
done <"$list"

# npm ci needs npm; Debian's nodejs and npm provide it where no other Node.js is installed.
if [ ${#npm_dirs[@]} -gt 0 ] && ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
if [ ${#packages[@]} -gt 0 ]; then
  # One dpkg-query for all: prints "name ii" for each installed package, nothing for unknown ones.
  # dpkg-query exits 1 when some name is unknown to dpkg: that is the "missing" answer, not an error.
  installed=" $( { dpkg-query -W -f='${Package}:${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true; } |
                awk -F: '$2 ~ /^ii/ {print $1}' | tr '\n' ' ') "
  for p in "${packages[@]}"; do
    [[ $installed == *" $p "* ]] || missing+=("$p")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${#missing[@]} Debian package(s): ${missing[*]}"
  apt=(as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
  run_logged "$log_dir/apt-update.log" "${apt[@]}" update
  run_logged "$log_dir/apt-install.log" "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
fi

for dir in "${npm_dirs[@]}"; do
  lock=$repo_root/$dir/package-lock.json
  stamp=$repo_root/$dir/node_modules/.package-lock.json   # npm writes it after every install
  [ -f "$lock" ] || die "$dir/package-lock.json is missing (named in ${list#"$repo_root"/})"
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    say "installing npm packages in $dir (npm ci)"
    run_logged "$log_dir/npm-$(echo "$dir" | tr / -).log" \
      npm ci --prefix "$repo_root/$dir" --no-audit --no-fund --loglevel=error
  fi
done
