#!/usr/bin/env bash
# deps.sh - installs what Parley needs to build and test, only what is missing: Debian packages, then
# the npm packages of tests/openapi (the OpenAPI 3.1 validator the suite runs on docs/openapi.json).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      libsodium-dev libcmocka-dev python3 python3-jsonschema curl libpq-dev postgresql postgresql-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js and npm may come from elsewhere than Debian (a nodesource build bundles npm): any will do.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Parley needs these Debian packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is missing or was installed from another package-lock.json.
npm_dir=tests/openapi
if ! cmp -s "$npm_dir/package-lock.json" "$npm_dir/node_modules/.parley-installed-lock"; then
  echo "installing the npm packages of $npm_dir (npm ci)" >&2
  (cd "$npm_dir" && npm ci --no-audit --no-fund --silent)
  cp "$npm_dir/package-lock.json" "$npm_dir/node_modules/.parley-installed-lock"
fi
