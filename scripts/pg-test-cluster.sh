#!/usr/bin/env bash
# pg-test-cluster.sh - a private, throwaway PostgreSQL cluster for the test suite (no system service needed).
#   pg-test-cluster.sh start        initdb into a new temp dir, start on a free loopback port (unix socket in
#                                   the temp dir), print "DIR URL" (URL = superuser libpq URL); exit 1 if it fails
#   pg-test-cluster.sh stop DIR     stop that cluster and remove DIR
#   pg-test-cluster.sh start DIR    a kept cluster (bench/run.sh): initdb into DIR only when DIR/data does not
#                                   exist yet, start it, print "DIR URL"; `halt DIR` stops it and keeps DIR
#   pg-test-cluster.sh run CMD...   start, export PARLEY_TEST_PG and PARLEY_TEST_PG_ADMIN, run CMD, always stop;
#                                   exits with CMD's status (or 1 when PostgreSQL cannot start)
# As root the server runs as an unprivileged user (initdb refuses root): `postgres` when it exists, else a
# `parley` system user made here.
# The test clusters trade durability for speed (fsync, synchronous_commit and full_page_writes off);
# PG_DURABLE=1 keeps PostgreSQL's defaults (a commit is on disk when acknowledged), and PG_OPTS adds
# server options (e.g. "-c shared_buffers=1GB").
set -euo pipefail

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    echo "pg-test-cluster: no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
    return 1
  fi
  echo "$d"
}

# Runs "$@" as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$OWNER" -- "$@"
  else
    "$@"
  fi
}

pick_owner() {
  OWNER=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then
      OWNER=postgres
    else
      id parley >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin parley
      OWNER=parley
    fi
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start [DIR] - a new temporary cluster, or with DIR the one kept there (made when missing).
start() {
  local bin dir port kept=${1:-} speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  bin=$(bindir)
  pick_owner
  if [ -n "$kept" ]; then
    dir=$kept
    mkdir -p "$dir"
  else
    dir=$(mktemp -d /tmp/parley-pg.XXXXXX)
  fi
  chmod 0755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$OWNER" "$dir"
  [ "${PG_DURABLE:-0}" = 1 ] && speed=
  if [ ! -d "$dir/data" ] && ! as_owner "$bin/initdb" -D "$dir/data" -U parley --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    echo "pg-test-cluster: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    [ -n "$kept" ] || rm -rf "$dir"
    return 1
  fi
  for _ in 1 2 3; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $speed -c max_connections=300 ${PG_OPTS:-}" \
         start >/dev/null 2>&1; then
      echo "$dir postgresql://parley@127.0.0.1:$port/postgres"
      return 0
    fi
  done
  echo "pg-test-cluster: PostgreSQL did not start; its log:" >&2
  cat "$dir/data/server.log" >&2 || true
  [ -n "$kept" ] || rm -rf "$dir"
  return 1
}

# halt DIR - stops the cluster kept in DIR (a fast shutdown: a checkpoint, no recovery at the next start).
halt() {
  local dir=$1 bin
  [ -n "$dir" ] && [ -d "$dir/data" ] || return 0
  bin=$(bindir) || return 0
  pick_owner
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 120 stop >/dev/null 2>&1 || true
}

stop() {
  local dir=$1 bin
  [ -n "$dir" ] && [ -d "$dir/data" ] || return 0
  bin=$(bindir) || true
  pick_owner
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
halt) halt "${2:-}" ;;
run)
  shift
  out=$(start) || { echo "pg-test-cluster: PostgreSQL is required for the test suite" >&2; exit 1; }
  PG_DIR=${out%% *}
  trap 'stop "$PG_DIR"' EXIT
  export PARLEY_TEST_PG=${out#* }
  export PARLEY_TEST_PG_ADMIN=$PARLEY_TEST_PG
  echo "pg-test-cluster: PostgreSQL at $PARLEY_TEST_PG" >&2
  set +e
  "$@"
  rc=$?
  set -e
  exit $rc
  ;;
*) echo "usage: $0 start [DIR] | stop DIR | halt DIR | run CMD..." >&2; exit 2 ;;
esac
