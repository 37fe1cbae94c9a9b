#!/usr/bin/env bash
# run.sh - Parley's benchmark suite: builds the data once, runs every wrk scenario interleaved with its
# baselines (nginx static file, json-server 0.17.4), and writes the figures and ratios into BENCHMARKS.md.
#
# Environment:
#   BENCH_QUICK=1        100,000-conversation database, 5 s runs, one round; writes bench/data/BENCHMARKS-quick.md
#   BENCH_DURATION=10s   measured length of every wrk run        BENCH_WARMUP=3s  discarded warm-up before it
#   BENCH_CONNS=64       wrk connections                          BENCH_WRK_THREADS=2
#   BENCH_ROUNDS=2       rounds (each figure is the median over rounds; baselines run beside Parley in each)
#   BENCH_ONLY="get list archive import mixed startup"   subset of the scenarios
#   PARLEY_BIN=build/parley  PARLEY_THREADS=(cores)  PARLEY_ARGS=(extra serve options)  BENCH_OUT=BENCHMARKS.md
set -euo pipefail

ROOT=${BENCH_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BENCH=$ROOT/bench
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
    SET=100k COUNT=100000
    DURATION=${BENCH_DURATION:-5s} ROUNDS=${BENCH_ROUNDS:-1}
    OUTMD=${BENCH_OUT:-$BENCH/data/BENCHMARKS-quick.md}
else
    SET=1m COUNT=1000000
    DURATION=${BENCH_DURATION:-10s} ROUNDS=${BENCH_ROUNDS:-2}
    OUTMD=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
fi
WARMUP=${BENCH_WARMUP:-3s}
CONNS=${BENCH_CONNS:-64}
WTHREADS=${BENCH_WRK_THREADS:-2}
ONLY=${BENCH_ONLY:-get list archive import mixed startup}
PARLEY=${PARLEY_BIN:-$ROOT/build/parley}
PTHREADS=${PARLEY_THREADS:-$(nproc)}
DATA=$BENCH/data
DB=$DATA/parley-$SET.db
DIR=$DATA/$SET
RES=$DIR/results
PP=18080 NP=18081 JP=18082
LUA=$BENCH/lua/bench.lua
JSBIN=$BENCH/node/node_modules/.bin/json-server

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
secs() { local d=$1; case $d in *m) echo $((${d%m} * 60)) ;; *s) echo "${d%s}" ;; *) echo "$d" ;; esac; }

# ---- packages ---------------------------------------------------------------------------------------
deps() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    command -v curl >/dev/null || missing+=(curl)
    command -v python3 >/dev/null || missing+=(python3)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if [ ! -x "$JSBIN" ]; then
        log "installing json-server 0.17.4 (npm ci in bench/node)"
        (cd "$BENCH/node" && npm ci --no-audit --no-fund --silent)
    fi
    [ -x "$PARLEY" ] || die "no parley binary at $PARLEY (make build)"
}

# ---- data -------------------------------------------------------------------------------------------
gen_data() {
    mkdir -p "$DIR" "$RES"
    if [ ! -f "$DIR/seeded" ]; then
        local need=$((COUNT * 12 / 1024)) # KiB: ~11 KB per conversation
        local have; have=$(df -Pk "$DATA" | awk 'NR==2 {print $4}')
        [ "$have" -gt "$need" ] || die "need ~$((need / 1024 / 1024)) GB free in $DATA for $COUNT conversations"
        log "seeding $COUNT conversations into $DB (once; about $((COUNT / 3000 + 1)) s)"
        rm -f "$DB" "$DB-wal" "$DB-shm"
        "$PARLEY" org create Bench --admin-email admin@bench.example --db "$DB" > "$DIR/org.txt"
        tail -n 1 "$DIR/org.txt" > "$DIR/key"
        "$PARLEY" seed --org Bench --count "$COUNT" --now 2026-11-01T00:00:00Z --quiet --db "$DB"
        touch "$DIR/seeded"
    fi
    [ -f "$DIR/ids.txt" ] || python3 "$BENCH/prep.py" inputs "$DB" "$DIR"
    KEY=$(cat "$DIR/key")
}

# ---- servers ----------------------------------------------------------------------------------------
PARLEY_PID= NGINX_PID= JS_PID=

wait_http() { # url [tries] - until it answers at all
    local i
    for i in $(seq 1 "${2:-600}"); do
        curl -s -o /dev/null -m 2 "$1" && return 0
        sleep 0.1
    done
    return 1
}

start_parley() {
    "$PARLEY" serve --db "$DB" --listen 127.0.0.1:$PP --threads "$PTHREADS" ${PARLEY_ARGS:-} >/dev/null 2>>"$RES/parley.log" &
    PARLEY_PID=$!
    wait_http "http://127.0.0.1:$PP/healthz" || die "parley did not start (see $RES/parley.log)"
}
# stop_pid PID - SIGTERM, then SIGKILL after 15 s (a server still busy with a previous run's backlog)
stop_pid() {
    local i
    kill -TERM "$1" 2>/dev/null || return 0
    for i in $(seq 1 150); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
stop_parley() {
    [ -n "$PARLEY_PID" ] || return 0
    stop_pid "$PARLEY_PID"
    PARLEY_PID=
}

start_nginx() {
    local n=$DIR/nginx
    mkdir -p "$n/tmp"
    sed -e "s|@ROOT@|$DIR|g" -e "s|@PREFIX@|$n|g" -e "s|@PORT@|$NP|g" "$BENCH/nginx.conf.in" > "$n/nginx.conf"
    nginx -p "$n" -c "$n/nginx.conf" -e "$n/error.log" &
    NGINX_PID=$!
    wait_http "http://127.0.0.1:$NP/" || die "nginx did not start (see $n/error.log)"
}
stop_nginx() {
    [ -n "$NGINX_PID" ] || return 0
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=
}

start_js() { # fresh copy of the pristine db.json every time
    cp "$DIR/jsonserver/db.pristine.json" "$DIR/jsonserver/db.json"
    "$JSBIN" "$DIR/jsonserver/db.json" --host 127.0.0.1 --port $JP --quiet </dev/null >>"$RES/json-server.log" 2>&1 &
    JS_PID=$!
    wait_http "http://127.0.0.1:$JP/conversations/$(head -n 1 "$DIR/js-ids.txt")" || die "json-server did not start"
}
stop_js() {
    [ -n "$JS_PID" ] || return 0
    stop_pid "$JS_PID"
    JS_PID=
}

# fresh TARGET - restarts a stateful server before its run, so that no backlog of a previous run
# (requests already read, still being answered) competes with the next one. json-server is also
# stopped right after each of its runs: a list there costs ~0.5 s of CPU, so the 64 requests it
# has read when wrk stops keep one core busy for half a minute, into the next Parley run.
fresh() {
    case $1 in
    parley) stop_parley; start_parley ;;
    json-server) stop_js; start_js ;;
    esac
}

cleanup() { stop_parley; stop_nginx; stop_js; }
trap cleanup EXIT

# ---- one wrk run --------------------------------------------------------------------------------------
ROUND=0
TICK=$(getconf CLK_TCK)
# cpu_ticks TARGET - user+system CPU clock ticks so far of the target's server process and its children
# (nginx's workers); the difference over a run, per request, is the server's CPU cost of one request,
# a figure that drifts far less than requests/s when other work shares the machine
cpu_ticks() {
    local pid p t=0
    case $1 in parley) pid=$PARLEY_PID ;; nginx) pid=$NGINX_PID ;; json-server) pid=$JS_PID ;; esac
    [ -n "$pid" ] || { echo 0; return; }
    for p in $pid $(pgrep -P "$pid" 2>/dev/null); do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$t"
}
# wrk_run NAME TARGET URL [VAR=VALUE...] - warm-up (discarded), then the measured run; appends to results.tsv.
# Prints the BENCH fields of the measured run.
wrk_run() {
    local name=$1 target=$2 url=$3
    shift 3
    log "round $ROUND: $name on $target"
    # the warm-up writes its own ids (WARM_WIDS), so that the measured run changes rows nobody touched
    env "$@" ${WARM_WIDS:+BENCH_WIDS="$WARM_WIDS"} BENCH_KEY="$KEY" BENCH_THREADS="$WTHREADS" \
        BENCH_RUNID="w$(date +%s%N)" \
        wrk -t"$WTHREADS" -c"$CONNS" -d"$WARMUP" --timeout 10s -s "$LUA" "$url" >/dev/null 2>&1 || true
    if [ -n "${BETWEEN:-}" ]; then sleep 0.5; eval "$BETWEEN"; fi
    local out c0 c1
    c0=$(cpu_ticks "$target")
    out=$(env "$@" BENCH_KEY="$KEY" BENCH_THREADS="$WTHREADS" BENCH_RUNID="${RUNID:-m$(date +%s%N)}" \
        wrk -t"$WTHREADS" -c"$CONNS" -d"$DURATION" --timeout 10s -s "$LUA" "$url" 2>&1 | grep '^BENCH ' || true)
    c1=$(cpu_ticks "$target")
    [ -n "$out" ] || die "wrk produced no result for $name on $target"
    # cpu_ms: the server's CPU over the measured run (includes requests still in flight at its end)
    echo "$out cpu_ms=$(( (c1 - c0) * 1000 / TICK ))" | sed 's/^BENCH //'
}

# make_wids N - N distinct not-archived ids: $RES/wids-warm.txt (a third) and $RES/wids.txt (the rest)
make_wids() {
    python3 "$BENCH/prep.py" wids "$DB" "$RES/wids-all.txt" "$1"
    local k=$(( $1 / 3 ))
    head -n "$k" "$RES/wids-all.txt" > "$RES/wids-warm.txt"
    tail -n +"$((k + 1))" "$RES/wids-all.txt" > "$RES/wids.txt"
}

# record NAME TARGET FIELDS [rows=N]
record() {
    printf '%s\t%s\t%s\t%s\n' "$ROUND" "$1" "$2" "$3${4:+ $4}" >> "$RES/results.tsv"
    log "  $2 $1: $3${4:+ $4}"
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# ---- scenarios ---------------------------------------------------------------------------------------
sc_get() {
    local r
    r=$(wrk_run get nginx "http://127.0.0.1:$NP" BENCH_MODE=static BENCH_PATH=/v2/conversations/static)
    record get nginx "$r"
    fresh parley
    r=$(wrk_run get parley "http://127.0.0.1:$PP" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
    record get parley "$r"
    fresh json-server
    r=$(wrk_run get json-server "http://127.0.0.1:$JP" BENCH_MODE=get BENCH_IDS="$DIR/js-ids.txt" \
        BENCH_PREFIX=/conversations/)
    record get json-server "$r"
    stop_js
}

sc_list() {
    local v r
    for v in all owner title; do
        fresh json-server
        r=$(wrk_run "list-$v" json-server "http://127.0.0.1:$JP" BENCH_MODE=list BENCH_QUERIES="$DIR/js-list-$v.txt")
        record "list-$v" json-server "$r"
        stop_js
        fresh parley
        r=$(wrk_run "list-$v" parley "http://127.0.0.1:$PP" BENCH_MODE=list BENCH_QUERIES="$DIR/list-$v.txt")
        record "list-$v" parley "$r"
    done
}

# Writes: every request names a different not-yet-archived conversation; the figure counts only rows
# the database really changed that were also acknowledged (2xx) - min(acknowledged, changed).
sc_archive() {
    local n r acked before after
    n=$(( ($(secs "$DURATION") + $(secs "$WARMUP")) * 15000 * 3 / 2 ))
    make_wids "$n"
    # rows archived before the measured run (after the warm-up), then after it: the difference is
    # what the measured run really changed
    BETWEEN='python3 "$BENCH/prep.py" count-archived "$DB" 0 > "$RES/before"'
    fresh parley
    WARM_WIDS="$RES/wids-warm.txt"
    r=$(wrk_run archive parley "http://127.0.0.1:$PP" BENCH_MODE=archive BENCH_WIDS="$RES/wids.txt")
    WARM_WIDS=
    BETWEEN=
    acked=$(( $(field "$r" requests) - $(field "$r" non2xx) ))
    before=$(cat "$RES/before")
    after=$(python3 "$BENCH/prep.py" count-archived "$DB" 0)
    record archive parley "$r" "acked=$acked changed=$((after - before))"

    fresh json-server
    r=$(wrk_run archive json-server "http://127.0.0.1:$JP" BENCH_MODE=archive BENCH_WIDS="$DIR/js-ids.txt" \
        BENCH_PREFIX=/conversations/ BENCH_WMETHOD=PATCH)
    acked=$(( $(field "$r" requests) - $(field "$r" non2xx) ))
    stop_js
    changed=$(python3 "$BENCH/prep.py" count-json "$DIR/jsonserver/db.json" 2>/dev/null || echo "$acked")
    record archive json-server "$r" "acked=$acked changed=$changed"
}

sc_import() {
    local r acked
    RUNID="r$ROUND$(date +%s)"
    fresh parley
    r=$(wrk_run import parley "http://127.0.0.1:$PP" BENCH_MODE=import BENCH_BODY="$DIR/import.json")
    record import parley "$r" "changed=$(python3 "$BENCH/prep.py" count-imported "$DB" "$RUNID")"
    fresh json-server
    r=$(wrk_run import json-server "http://127.0.0.1:$JP" BENCH_MODE=import BENCH_BODY="$DIR/import.json" \
        BENCH_IMPORT=/conversations)
    acked=$(( $(field "$r" requests) - $(field "$r" non2xx) ))
    record import json-server "$r" "changed=$acked"
    stop_js
    RUNID=
}

sc_mixed() {
    local n r
    n=$(( ($(secs "$DURATION") + $(secs "$WARMUP")) * 3000 ))
    make_wids "$n"
    fresh parley
    WARM_WIDS="$RES/wids-warm.txt"
    r=$(wrk_run mixed parley "http://127.0.0.1:$PP" BENCH_MODE=mixed BENCH_IDS="$DIR/ids.txt" \
        BENCH_WIDS="$RES/wids.txt" BENCH_QUERIES="$DIR/list-all.txt")
    WARM_WIDS=
    local hwm; hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PARLEY_PID/status")
    record mixed parley "$r" "rss_kib=$hwm"
    fresh json-server
    r=$(wrk_run mixed json-server "http://127.0.0.1:$JP" BENCH_MODE=mixed BENCH_IDS="$DIR/js-ids.txt" \
        BENCH_WIDS="$DIR/js-ids.txt" BENCH_QUERIES="$DIR/js-list-all.txt" BENCH_PREFIX=/conversations/ \
        BENCH_WMETHOD=PATCH)
    local jhwm; jhwm=$(awk '/VmHWM/ {print $2}' "/proc/$JS_PID/status" 2>/dev/null || echo 0)
    record mixed json-server "$r" "rss_kib=$jhwm"
    stop_js
}

sc_startup() {
    stop_parley
    local i ms
    for i in 1 2 3 4 5; do
        ms=$(python3 "$BENCH/startup.py" "$PARLEY" "$DB" $PP "$KEY" "$(head -n 1 "$DIR/ids.txt")")
        printf '%s\tstartup\tparley\tms=%s\n' "$i" "$ms" >> "$RES/results.tsv"
        log "  start to first 200: $ms ms"
    done
    start_parley
}

# ---- main ----------------------------------------------------------------------------------------------
deps
gen_data
mkdir -p "$RES"
: > "$RES/results.tsv"
: > "$RES/parley.log"
START=$(date +%s)
# Read the database once so that every server starts from a warm OS page cache, as nginx's file does
# (the 1M database is ~11 GB; on a machine with less free memory part of it stays on disk).
log "reading $DB into the OS page cache"
cat "$DB" "$DB-wal" > /dev/null 2>&1 || true
start_parley
if [ ! -f "$DIR/static.json" ]; then
    log "fetching 10,000 conversations for nginx's file and json-server's db.json"
    python3 "$BENCH/prep.py" fetch "$DB" "$DIR" "http://127.0.0.1:$PP" "$KEY" 10000
fi
start_nginx

for ROUND in $(seq 1 "$ROUNDS"); do
    want get && sc_get
    want list && sc_list
    want archive && sc_archive
    want import && sc_import
    want mixed && sc_mixed
    if [ "$ROUND" -lt "$ROUNDS" ]; then
        # every round measures the same data: round 2 no longer reads over round 1's ~40,000 archives,
        # imports and WAL (no effect on GET or list could be told apart from noise here, but the
        # rounds are now repeats of one experiment, as a median over them assumes)
        stop_parley
        log "round $ROUND done: undoing its archives and imports before the next round"
        python3 "$BENCH/prep.py" reset "$DB" "$START"
    fi
done
want startup && sc_startup
cleanup
log "restoring the database (undoing this run's archives and imports)"
python3 "$BENCH/prep.py" reset "$DB" "$START"
python3 "$BENCH/report.py" "$RES/results.tsv" "$OUTMD" "$SET" "$DURATION" "$WARMUP" "$CONNS" "$WTHREADS" \
    "$ROUNDS" "$PTHREADS" "$DIR/sizes.txt"
log "wrote $OUTMD"
