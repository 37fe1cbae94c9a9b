#!/usr/bin/env bash
# threads.sh - one import or archive run against a Parley binary on the bench database, with each thread's CPU, wrk's CPU, the group commits and (optionally) where the writer thread waits.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/threads.sh [--sched] [--webhook answer|paused] MODE [BIN] [DB]

Starts BIN (default build/parley) on DB (default bench/data/parley-1m.db, made by `make bench`) on
127.0.0.1:18090 with --threads 2 and PARLEY_GROUP_STATS=1, runs wrk (2 threads, 64 connections) for a
3 s warm-up and a measured run, prints
  - wrk's BENCH line and wrk's own CPU,
  - what the server wrote to storage (write_bytes of /proc/PID/io) a request,
  - each server thread's CPU over the measured run, as a share of one core, and what it wrote a
    request (from /proc/PID/task),
  - the writer's group-commit line (batches, writes a batch, time in statements and in COMMIT),
then stops the server and undoes the run's writes (bench/prep.py reset).

MODE      import (bench/data/1m/import.json, a 50-segment transcript) or archive (distinct ids,
          drawn once into bench/data/threads-wids/)
--sched   also record the scheduler for 3 s in the middle of the run (perf sched record -g; needs perf
          and root) and print where the writer thread's wall time went: on the CPU, and off it by the
          kernel function it blocked in (fdatasync's flush, writeback, preemption, ...)
--webhook answer|paused
          archive only: one webhook endpoint of the bench organization subscribed to
          conversation.archived, delivering to bench/receiver.c on 127.0.0.1:18084 (compiled into
          bench/data/receiver by `make bench`), which answers 204 at once (answer) or holds every
          delivery (paused: the outbox rows are written, nothing is sent or recorded); the endpoint
          is deleted again afterwards. Without it, any endpoint the organization has is deleted first.

Environment: SECONDS_RUN (measured seconds, default 10), EXTRA (more `parley serve` arguments, e.g.
"--durability normal"). Never run it beside another benchmark: both would measure each other.
EOF
}

SCHED=0
HOOK=
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --sched) SCHED=1; shift ;;
    --webhook)
        HOOK=${2:-}
        case $HOOK in answer | paused) ;; *) echo "threads.sh: --webhook takes answer or paused" >&2; exit 2 ;; esac
        shift 2 ;;
    -*) echo "threads.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { usage >&2; exit 2; }
MODE=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${2:-$ROOT/build/parley}
DB=${3:-$ROOT/bench/data/parley-1m.db}
DIR=$ROOT/bench/data/1m
D=${SECONDS_RUN:-10}
PORT=18090
LUA=$ROOT/bench/lua/bench.lua
case $MODE in import | archive) ;; *) echo "threads.sh: MODE must be import or archive, got \"$MODE\"" >&2; exit 2 ;; esac
[ -x "$BIN" ] || { echo "threads.sh: no executable $BIN (make build)" >&2; exit 2; }
if [ ! -f "$DB" ] || [ ! -f "$DIR/key" ]; then
    echo "threads.sh: no bench database $DB or $DIR/key (run make bench once)" >&2
    exit 2
fi
command -v wrk >/dev/null || { echo "threads.sh: wrk is not installed (scripts/deps.sh bench)" >&2; exit 2; }
[ $SCHED = 0 ] || command -v perf >/dev/null || { echo "threads.sh: --sched needs perf" >&2; exit 2; }
RECEIVER=$ROOT/bench/data/receiver
if [ -n "$HOOK" ]; then
    [ "$MODE" = archive ] || { echo "threads.sh: --webhook goes with archive" >&2; exit 2; }
    [ -x "$RECEIVER" ] || { echo "threads.sh: no $RECEIVER (BENCH_ONLY=webhooks make bench compiles it)" >&2; exit 2; }
fi

KEY=$(cat "$DIR/key")
START=$(date +%s)
TMP=$(mktemp -d)
PID='' RPID=''
# shellcheck source=bench/hooks.sh
. "$ROOT/bench/hooks.sh"
cleanup() {
    [ -z "$PID" ] || kill "$PID" 2>/dev/null || true
    [ -z "$RPID" ] || { kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; hooks_clear "$BIN" "$DB"; } || true
    rm -rf "$TMP"
}
trap cleanup EXIT
hooks_clear "$BIN" "$DB"
if [ -n "$HOOK" ]; then
    "$RECEIVER" 18084 >/dev/null 2>&1 &
    RPID=$!
    for _ in $(seq 1 50); do curl -s -o /dev/null http://127.0.0.1:18084/stats && break; sleep 0.1; done
    [ "$HOOK" = answer ] || curl -s -o /dev/null -X POST http://127.0.0.1:18084/pause
    "$BIN" webhook create --org Bench --url http://127.0.0.1:18084/hook --events conversation.archived --db "$DB" >/dev/null
fi
if [ "$MODE" = archive ]; then
    W=$ROOT/bench/data/threads-wids
    if [ ! -f "$W/run.txt" ]; then
        mkdir -p "$W"
        python3 "$ROOT/bench/prep.py" wids "$DB" "$W/all.txt" 120000
        head -n 30000 "$W/all.txt" >"$W/warm.txt"
        tail -n +30001 "$W/all.txt" >"$W/run.txt"
    fi
    WARM=(BENCH_MODE=archive BENCH_WIDS="$W/warm.txt")
    RUN=(BENCH_MODE=archive BENCH_WIDS="$W/run.txt")
else
    WARM=(BENCH_MODE=import BENCH_BODY="$DIR/import.json" BENCH_RUNID="tw$START")
    RUN=(BENCH_MODE=import BENCH_BODY="$DIR/import.json" BENCH_RUNID="tm$START")
fi

# shellcheck disable=SC2086 # EXTRA is a list of arguments
PARLEY_GROUP_STATS=1 "$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --threads 2 ${EXTRA:-} >/dev/null 2>"$TMP/server.err" &
PID=$!
for _ in $(seq 1 300); do curl -s -o /dev/null http://127.0.0.1:$PORT/healthz && break; sleep 0.1; done
kill -0 $PID 2>/dev/null || { cat "$TMP/server.err" >&2; exit 1; }

env "${WARM[@]}" BENCH_KEY="$KEY" BENCH_THREADS=2 wrk -t2 -c64 -d3s -s "$LUA" http://127.0.0.1:$PORT >/dev/null 2>&1

# snap: "thread-name cpu-ticks bytes-written" summed by name (fields 14 and 15 of /proc/PID/task/TID/stat,
# write_bytes of its io)
snap() { for t in "/proc/$PID/task/"*; do echo "$(cat "$t/comm") $(awk '{print $14+$15}' "$t/stat") $(awk '/^write_bytes/ {print $2}' "$t/io")"; done |
    awk '{a[$1]+=$2; b[$1]+=$3} END {for (k in a) print k, a[k], b[k]}' | sort; }
snap >"$TMP/t0"
IO0=$(awk '/^write_bytes/ {print $2}' "/proc/$PID/io")
env "${RUN[@]}" BENCH_KEY="$KEY" BENCH_THREADS=2 /usr/bin/time -f "wrk cpu: user %U s, system %S s" \
    wrk -t2 -c64 -d"${D}s" -s "$LUA" http://127.0.0.1:$PORT >"$TMP/wrk.out" 2>&1 &
WRK=$!
if [ $SCHED = 1 ]; then
    sleep 3
    for t in "/proc/$PID/task/"*; do [ "$(cat "$t/comm")" = parley-writer ] && basename "$t"; done >"$TMP/wtid"
    perf sched record -g -o "$TMP/sched.data" -- sleep 3 >/dev/null 2>&1
fi
wait $WRK
snap >"$TMP/t1"
IO1=$(awk '/^write_bytes/ {print $2}' "/proc/$PID/io")
grep -E '^BENCH|^wrk cpu' "$TMP/wrk.out"
TICK=$(getconf CLK_TCK)
N=$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$TMP/wrk.out")
awk -v b=$((IO1 - IO0)) -v n="${N:-0}" 'BEGIN {printf "  written to storage: %.1f MB, %.1f KB a request\n", b/1e6, n ? b/n/1e3 : 0}'
join "$TMP/t0" "$TMP/t1" | awk -v d="$D" -v hz="$TICK" -v n="${N:-0}" '{printf "  %-16s %5.1f%% of a core, %6.1f KB written a request\n", $1, ($4-$2)*100/hz/d, n ? ($5-$3)/n/1e3 : 0}'
kill -TERM $PID
wait $PID || true
PID=
grep "group commit" "$TMP/server.err" || true
[ -z "$HOOK" ] || echo "receiver: $(curl -s http://127.0.0.1:18084/stats)"
python3 "$ROOT/bench/prep.py" reset "$DB" "$START" >/dev/null

if [ $SCHED = 1 ]; then
    # Each row of `timehist --state` is one time the writer left the CPU: its wait before that run
    # (column 4) is charged to the state and kernel stack of the previous row (where it blocked).
    echo "writer thread, 3 s: ms off the CPU by where it blocked (state, kernel stack)"
    perf sched timehist -i "$TMP/sched.data" --tid "$(cat "$TMP/wtid")" --state 2>/dev/null | awk '
        NR > 3 { run += $6; if (prev != "") { w[prev] += $4 }; prev = $7 " " $8 " " $10 " " $12 " " $14 }
        END { printf "%9.1f  on the CPU\n", run; for (k in w) printf "%9.1f  %s\n", w[k], k }' | sort -rn | head -12
fi
