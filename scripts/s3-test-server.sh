#!/usr/bin/env bash
# s3-test-server.sh - the S3-compatible server of the test suite (tests/s3/s3server.js: s3rver from npm, which
# checks SigV4 signatures), throwaway, on a free loopback port.
#   s3-test-server.sh run CMD...   start it (data in a temp dir), export PARLEY_TEST_S3_ENDPOINT, run CMD, always
#                                  stop it and remove the data; exits with CMD's status (1 when it cannot start)
# The media tests make a bucket of their own on it (an anonymous PUT /BUCKET) and talk to it with the access key
# id S3RVER and the secret S3RVER. Without PARLEY_TEST_S3_ENDPOINT a test module starts a server of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = run ] && [ $# -ge 2 ] || { echo "usage: $0 run CMD..." >&2; exit 2; }
shift
dir=$(mktemp -d /tmp/parley-s3.XXXXXX)
node tests/s3/s3server.js "$dir/data" 0 2>"$dir/log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 300); do
  endpoint=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$dir/log")
  [ -n "$endpoint" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "${endpoint:-}" ]; then
  echo "s3-test-server: the S3 test server did not start:" >&2
  cat "$dir/log" >&2
  exit 1
fi
echo "s3-test-server: $endpoint" >&2
export PARLEY_TEST_S3_ENDPOINT="$endpoint"
set +e
"$@"
status=$?
exit $status
