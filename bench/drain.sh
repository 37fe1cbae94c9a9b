#!/usr/bin/env bash
# drain.sh - what one delivered webhook event costs each thread: a backlog built while the receiver holds its first delivery, then drained with nothing else running.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/drain.sh [N] [BIN] [DB]

Starts bench/receiver.c on 127.0.0.1:18085 holding every delivery, one webhook endpoint of the bench
organization subscribed to conversation.archived delivering to it, and BIN (default build/parley) on DB
(default bench/data/parley-1m.db, made by `make bench`) on 127.0.0.1:18091 (--threads 2,
--webhook-timeout 300). Archives N (default 4,000) conversations through bench/probe.py archive-all (16 at
once), then releases the receiver and prints
  - the drain: events, seconds from the release to the last arrival, events/s,
  - each server thread's CPU and the receiver's over the drain, in µs an event (clock ticks: with the
    default N one tick is 2.5 µs an event).
Then stops both, deletes the endpoint and undoes the archives (bench/prep.py reset).

With N up to 4,096 every payload comes from the archive replies' renders (sq_paycache); more than that
and the oldest are rendered again at delivery. Never run it beside another benchmark.
EOF
}
case ${1:-} in -h | --help) usage; exit 0 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-4000}
BIN=${2:-$ROOT/build/parley}
DB=${3:-$ROOT/bench/data/parley-1m.db}
DIR=$ROOT/bench/data/1m
RECEIVER=$ROOT/bench/data/receiver
case $N in '' | *[!0-9]*) echo "drain.sh: N must be a number, got \"$N\"" >&2; exit 2 ;; esac
[ -x "$BIN" ] || { echo "drain.sh: no executable $BIN (make build)" >&2; exit 2; }
[ -f "$DB" ] && [ -f "$DIR/key" ] || { echo "drain.sh: no bench database $DB or $DIR/key (run make bench once)" >&2; exit 2; }
[ -x "$RECEIVER" ] || { echo "drain.sh: no $RECEIVER (BENCH_ONLY=webhooks make bench compiles it)" >&2; exit 2; }

KEY=$(cat "$DIR/key")
START=$(date +%s)
TMP=$(mktemp -d)
PID='' RPID=''
# shellcheck source=bench/hooks.sh
. "$ROOT/bench/hooks.sh"
cleanup() {
    [ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; } || true
    [ -z "$RPID" ] || { kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; } || true
    hooks_clear "$BIN" "$DB" || true
    python3 "$ROOT/bench/prep.py" reset "$DB" "$START" >/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
hooks_clear "$BIN" "$DB"
python3 "$ROOT/bench/prep.py" wids "$DB" "$TMP/wids.txt" "$N" >/dev/null
"$RECEIVER" 18085 >/dev/null 2>&1 &
RPID=$!
for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:18085/stats && break; sleep 0.1; done
curl -s -o /dev/null -X POST http://127.0.0.1:18085/pause
"$BIN" webhook create --org Bench --url http://127.0.0.1:18085/hook --events conversation.archived --db "$DB" >/dev/null
"$BIN" serve --db "$DB" --listen 127.0.0.1:18091 --threads 2 --webhook-timeout 300 >/dev/null 2>"$TMP/server.err" &
PID=$!
for _ in $(seq 1 300); do curl -s -o /dev/null http://127.0.0.1:18091/healthz && break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null || { cat "$TMP/server.err" >&2; exit 1; }
python3 "$ROOT/bench/probe.py" archive-all http://127.0.0.1:18091 "$KEY" "$TMP/wids.txt" 16 >/dev/null
sleep 1 # the archives' group commits and the worker's first (held) delivery settle

# ticks: "thread-name cpu-ticks" of the server's threads summed by name, and the receiver's
ticks() { for t in "/proc/$PID/task/"*; do echo "$(cat "$t/comm") $(awk '{print $14+$15}' "$t/stat")"; done |
    awk '{a[$1]+=$2} END {for (k in a) print k, a[k]}'; echo "receiver $(awk '{print $14+$15}' "/proc/$RPID/stat")"; }
ticks | sort >"$TMP/t0"
R=$(python3 "$ROOT/bench/probe.py" webhook-drain http://127.0.0.1:18085 $((N - 1)) 120)
ticks | sort >"$TMP/t1"
echo "drain: $R"
GOT=$(echo "$R" | sed -n 's/^n=\([0-9]*\).*/\1/p')
join "$TMP/t0" "$TMP/t1" | awk -v n="${GOT:-0}" -v hz="$(getconf CLK_TCK)" \
    'n > 0 && $3 > $2 {printf "  %-16s %6.1f us an event\n", $1, ($3 - $2) * 1e6 / hz / n}'
