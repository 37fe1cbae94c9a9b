#!/usr/bin/env bash
# run.sh - `make run`: creates a demo organization on a new database, seeds it, prints a key, an admin token and
# curl lines, and starts the server with the admin API on.
set -euo pipefail
bin=$1 db=$2 listen=$3
if [ ! -f "$db" ]; then
  echo "creating $db with a demo organization and 200 conversations..." >&2
  key=$("$bin" org create Demo --admin-email admin@demo.example --db "$db" 2>/dev/null | tail -n 1)
  "$bin" seed --org Demo --count 200 --quiet --db "$db" >/dev/null
else
  # keys are stored hashed and cannot be shown again: make a fresh one for this run
  key=$("$bin" key create --org Demo --org-level --name make-run --db "$db" | tail -n 1)
fi
# The admin API (/_parley/: a tenant per test, snapshots, faults, rate limit, clock, request journal) is on
# with a token made for this run, unless PARLEY_ADMIN_TOKEN is set already.
token=${PARLEY_ADMIN_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export PARLEY_ADMIN_TOKEN=$token
cat >&2 <<TXT

API key (org-level, organization "Demo"): $key
Try:
  curl -s -H 'Authorization: Bearer $key' 'http://$listen/v2/conversations?size=2'

Admin token (the admin API under /_parley/, for test suites): $token
Try (an organization of its own for a test, with its key):
  curl -s -X POST -H 'Authorization: Bearer $token' 'http://$listen/_parley/orgs'

TXT
exec "$bin" serve --listen "$listen" --db "$db"
