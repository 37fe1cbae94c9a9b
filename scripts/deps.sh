#!/usr/bin/env bash
# deps.sh - installs what Parley needs to build and test, only what is missing: Debian packages, then
# the npm packages of tests/openapi (the OpenAPI 3.1 validator the suite runs on docs/openapi.json) and
# tests/s3 (the S3-compatible server the media tests start, s3rver).
set -euo pipefail
cd "$(dirname "$0")/.."
# systemd (systemd-analyze) and strace: tests/contrib/test_systemd_unit.py checks contrib/parley.service;
# prometheus: its promtool checks GET /metrics (tests/api/test_operations.py);
# libcurl4-openssl-dev: the webhook delivery worker's HTTP client; libzstd-dev: the SQLite outbox's compressed payloads;
# liblz4-dev: on SQLite, the long conversation documents are stored packed;
# libssl-dev: the webhook signatures' HMAC-SHA256 (libcrypto, which libcurl already loads).
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      libsodium-dev libcmocka-dev libcurl4-openssl-dev libssl-dev libzstd-dev liblz4-dev python3 python3-jsonschema curl libpq-dev
      postgresql postgresql-client systemd strace prometheus
      python3-pytest nodejs)
# npm: Debian's package, unless the Node.js installed brings its own (a nodesource build does).
command -v npm >/dev/null || pkgs+=(npm)
scripts/deps-extra.sh "${pkgs[@]}"

# npm ci when node_modules is missing or was installed from another package-lock.json.
for npm_dir in tests/openapi tests/s3; do
  if ! cmp -s "$npm_dir/package-lock.json" "$npm_dir/node_modules/.parley-installed-lock"; then
    echo "installing the npm packages of $npm_dir (npm ci)" >&2
    (cd "$npm_dir" && npm ci --no-audit --no-fund --silent)
    cp "$npm_dir/package-lock.json" "$npm_dir/node_modules/.parley-installed-lock"
  fi
done
