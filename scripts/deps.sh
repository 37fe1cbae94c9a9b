#!/usr/bin/env bash
# deps.sh - installs the Debian packages Parley needs to build and test, only those that are missing.
set -euo pipefail
# systemd (systemd-analyze) and strace: tests/contrib/test_systemd_unit.py checks contrib/parley.service.
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      libsodium-dev libcmocka-dev python3 curl libpq-dev postgresql postgresql-client systemd strace
      python3-pytest nodejs)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Parley needs these Debian packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
