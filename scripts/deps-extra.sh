#!/usr/bin/env bash
# deps-extra.sh - installs the Debian packages given as arguments, only those missing: scripts/deps.sh's
# (build and test), and those of the targets beyond `make test`: `make fuzz` (clang libclang-rt-14-dev,
# the default) and `make test-valgrind` (valgrind).
set -euo pipefail
pkgs=("$@")
[ ${#pkgs[@]} -eq 0 ] && pkgs=(clang libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Parley needs these Debian packages here; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
