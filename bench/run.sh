#!/usr/bin/env bash
# run.sh - Parley's benchmark suite: builds the data once, runs every wrk scenario interleaved with its
# baselines (nginx static file, json-server 0.17.4, the Node http + better-sqlite3 server), the open-loop
# latency runs, the admin API's scenarios and the PostgreSQL section, and writes the figures, ratios and
# targets into BENCHMARKS.md.
#
# Environment:
#   BENCH_QUICK=1        100,000-conversation database, 5 s runs, one round; writes bench/data/BENCHMARKS-quick.md
#   BENCH_COUNT=N        another database size (bench/data/parley-N.db, seeded once; 10,000 at least)
#   BENCH_DURATION=10s   measured length of every wrk run        BENCH_WARMUP=3s  discarded warm-up before it
#   BENCH_CONNS=64       wrk connections                          BENCH_WRK_THREADS=2
#   BENCH_ROUNDS=2       rounds (each figure is the median over rounds; baselines run beside Parley in each)
#   BENCH_ONLY="get list title archive import mixed startup admin webhooks ask pg media"   a subset of the scenario groups;
#                        a subset (or BACKEND=postgres) writes bench/data/BENCHMARKS-subset.md unless BENCH_OUT
#   BACKEND=postgres     only the PostgreSQL section (same as BENCH_ONLY=pg)
#   BENCH_OL_FRACTION=0.5  open-loop rate as a fraction of the same round's closed-loop maximum
#   BENCH_NODE_WORKERS=(cores)  processes of the Node baseline   BENCH_ADMIN_PAIRS=2  admin off/on pairs a round
#   BENCH_ORG_CALLS=1000  BENCH_SNAP_CALLS=5  timed POST /_parley/orgs, snapshots and restores
#   BENCH_WH_BACKLOG=10000  undelivered events of the webhooks group's dead receiver
#   BENCH_WH_LATENCY=500  archives timed one by one to the receiver
#   BENCH_ASK_CALLS=500  BENCH_SUMMARY_CALLS=50  timed Ask Attention calls and scorecard summaries (group ask)
#   PARLEY_BIN=build/parley  PARLEY_THREADS=(cores)  PARLEY_ARGS=(extra serve options)  BENCH_OUT=BENCHMARKS.md
set -euo pipefail

ROOT=${BENCH_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BENCH=$ROOT/bench
QUICK=${BENCH_QUICK:-0}
ALL="get list title archive import mixed startup admin webhooks ask pg media"
BACKEND=${BACKEND:-sqlite}
case $BACKEND in
sqlite) ONLY=${BENCH_ONLY:-$ALL} ;;
postgres) ONLY=${BENCH_ONLY:-pg} ;;
*) echo "run.sh: BACKEND must be sqlite or postgres" >&2; exit 2 ;;
esac
if [ "$QUICK" = 1 ]; then
    SET=100k COUNT=100000
    DURATION=${BENCH_DURATION:-5s} ROUNDS=${BENCH_ROUNDS:-1}
    OUTMD=${BENCH_OUT:-$BENCH/data/BENCHMARKS-quick.md}
else
    SET=1m COUNT=1000000
    DURATION=${BENCH_DURATION:-10s} ROUNDS=${BENCH_ROUNDS:-2}
    if [ "$ONLY" = "$ALL" ]; then OUTMD=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
    else OUTMD=${BENCH_OUT:-$BENCH/data/BENCHMARKS-subset.md}; fi
fi
if [ -n "${BENCH_COUNT:-}" ]; then
    COUNT=$BENCH_COUNT SET=$BENCH_COUNT
    [ "$COUNT" -ge 10000 ] || { echo "run.sh: BENCH_COUNT must be 10000 or more" >&2; exit 2; }
fi
WARMUP=${BENCH_WARMUP:-3s}
CONNS=${BENCH_CONNS:-64}
WTHREADS=${BENCH_WRK_THREADS:-2}
PARLEY=${PARLEY_BIN:-$ROOT/build/parley}
PTHREADS=${PARLEY_THREADS:-$(nproc)}
OLFRAC=${BENCH_OL_FRACTION:-0.5}
NWORKERS=${BENCH_NODE_WORKERS:-$(nproc)}
ADMIN_PAIRS=${BENCH_ADMIN_PAIRS:-2}
ORG_CALLS=${BENCH_ORG_CALLS:-1000}
SNAP_CALLS=${BENCH_SNAP_CALLS:-5}
WH_BACKLOG=${BENCH_WH_BACKLOG:-10000}
WH_LATENCY=${BENCH_WH_LATENCY:-500}
ASK_CALLS=${BENCH_ASK_CALLS:-500}
SUMMARY_CALLS=${BENCH_SUMMARY_CALLS:-50}
DATA=$BENCH/data
DB=$DATA/parley-$SET.db
DIR=$DATA/$SET
RES=$DIR/results
NDB=$DATA/node-$SET.db            # the Node baseline's database (load.mjs, from `parley export`)
ADB=$DATA/parley-10k-admin.db     # 10,000 conversations for the snapshot and org scenarios (kept pristine)
PGDIR=$DATA/pg-$SET               # a kept PostgreSQL cluster holding the same conversations
PP=18080 NP=18081 JP=18082 NODEP=18083 WHP=18084 FLP=18085
LUA=$BENCH/lua/bench.lua
JSBIN=$BENCH/node/node_modules/.bin/json-server
OPENLOOP=$DATA/openloop           # bench/openloop.c, compiled here
RECEIVER=$DATA/receiver           # bench/receiver.c (the webhooks group's), compiled here
FLOOR=$DATA/floor                 # bench/floor.c (the get group's floor baseline), compiled here
ATOKEN=bench-admin-token

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
want_any() { local g; for g in "$@"; do want "$g" && return 0; done; return 1; }
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
    # cc for openloop.c; g++ and make for better-sqlite3's native module (npm builds it with node-gyp)
    command -v cc >/dev/null || missing+=(gcc)
    command -v g++ >/dev/null || missing+=(g++)
    command -v make >/dev/null || missing+=(make)
    if want pg; then
        command -v psql >/dev/null || missing+=(postgresql-client)
        ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    local major; major=$(node -p 'process.versions.node.split(".")[0]')
    [ "$major" -ge 20 ] || die "Node.js $major: better-sqlite3 12 needs Node.js 20 or newer (Debian 12's own nodejs is 18)"
    if [ ! -x "$JSBIN" ] || ! (cd "$BENCH/node" && node -e 'require("better-sqlite3")' 2>/dev/null); then
        log "installing json-server 0.17.4 and better-sqlite3 12 (npm ci in bench/node; builds a native module)"
        (cd "$BENCH/node" && npm ci --no-audit --no-fund --silent)
        (cd "$BENCH/node" && node -e 'require("better-sqlite3")') || die "better-sqlite3 does not load (see npm's output)"
    fi
    mkdir -p "$DATA"
    if [ ! -x "$OPENLOOP" ] || [ "$BENCH/openloop.c" -nt "$OPENLOOP" ]; then
        log "compiling bench/openloop.c"
        cc -O2 -Wall -Wextra -Werror -std=c17 -pthread -o "$OPENLOOP" "$BENCH/openloop.c" -lm
    fi
    if [ ! -x "$RECEIVER" ] || [ "$BENCH/receiver.c" -nt "$RECEIVER" ]; then
        log "compiling bench/receiver.c"
        # shellcheck disable=SC2046 # pkg-config's flags are words
        cc -O2 -Wall -Wextra -Werror -std=c17 -o "$RECEIVER" "$BENCH/receiver.c" $(pkg-config --cflags --libs libmicrohttpd)
    fi
    if [ ! -x "$FLOOR" ] || [ "$BENCH/floor.c" -nt "$FLOOR" ]; then
        log "compiling bench/floor.c"
        # shellcheck disable=SC2046 # pkg-config's flags are words
        cc -O2 -Wall -Wextra -Werror -std=c17 -pthread -o "$FLOOR" "$BENCH/floor.c" \
            $(pkg-config --cflags --libs libmicrohttpd sqlite3)
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
        log "seeding $COUNT conversations into $DB (once; about $((COUNT / 800 + 1)) s: 21 minutes for 1M on the 2-core machine, with scorecards and the Ask index)"
        rm -f "$DB" "$DB-wal" "$DB-shm"
        "$PARLEY" org create Bench --admin-email admin@bench.example --db "$DB" > "$DIR/org.txt"
        tail -n 1 "$DIR/org.txt" > "$DIR/key"
        "$PARLEY" seed --org Bench --count "$COUNT" --now 2026-11-01T00:00:00Z --quiet --db "$DB"
        touch "$DIR/seeded"
    fi
    [ -f "$DIR/title-terms.txt" ] || python3 "$BENCH/prep.py" inputs "$DB" "$DIR"
    KEY=$(cat "$DIR/key")
    if want_any get archive && [ ! -f "$NDB.loaded" ]; then
        log "loading the same conversations into the Node baseline's $NDB (parley export | load.mjs; once)"
        rm -f "$NDB.loaded"
        "$PARLEY" export --org Bench --include-archived --db "$DB" | node "$BENCH/node/load.mjs" load "$NDB"
        touch "$NDB.loaded"
    fi
    if want admin && [ ! -f "$ADB.seeded" ]; then
        log "seeding 10,000 conversations into $ADB (once; snapshots and org creation run on copies)"
        rm -f "$ADB" "$ADB-wal" "$ADB-shm"
        "$PARLEY" org create Bench --admin-email admin@bench.example --db "$ADB" >/dev/null
        "$PARLEY" seed --org Bench --count 10000 --now 2026-11-01T00:00:00Z --quiet --db "$ADB"
        touch "$ADB.seeded"
    fi
}

# ---- PostgreSQL (the pg section) ------------------------------------------------------------------------
PGURL=
# pg_up - starts the kept cluster in $PGDIR (durable: PostgreSQL's defaults, not the test suite's
# fsync=off), and the first time loads it: `parley org create`, then `parley export | parley load`.
pg_up() {
    local out
    "$ROOT/scripts/pg-test-cluster.sh" halt "$PGDIR" # left running by an interrupted run
    out=$(PG_DURABLE=1 PG_OPTS="-c shared_buffers=1GB" "$ROOT/scripts/pg-test-cluster.sh" start "$PGDIR") \
        || die "PostgreSQL did not start"
    PGURL=${out#* }
    if [ ! -f "$PGDIR/loaded" ]; then
        log "loading $COUNT conversations into PostgreSQL ($PGDIR; parley export | parley load, once)"
        "$PARLEY" org create Bench --admin-email admin@bench.example --db "$PGURL" > "$PGDIR/org.txt"
        tail -n 1 "$PGDIR/org.txt" > "$PGDIR/key"
        "$PARLEY" export --org Bench --include-archived --db "$DB" | "$PARLEY" load --org Bench --db "$PGURL" -
        psql -X -q -d "$PGURL" -c "VACUUM ANALYZE" >/dev/null
        touch "$PGDIR/loaded"
    fi
    PGKEY=$(cat "$PGDIR/key")
}
pg_down() {
    [ -n "$PGURL" ] || return 0
    "$ROOT/scripts/pg-test-cluster.sh" halt "$PGDIR"
    PGURL=
}

# ---- servers ----------------------------------------------------------------------------------------
PARLEY_PID= NGINX_PID= JS_PID= NODE_PID=

wait_http() { # url [tries] - until it answers at all
    local i
    for i in $(seq 1 "${2:-600}"); do
        curl -s -o /dev/null -m 2 "$1" && return 0
        sleep 0.1
    done
    return 1
}

# start_parley [SERVE OPTIONS...] - on $PDB (default: the benchmark database)
start_parley() {
    "$PARLEY" serve --db "${PDB:-$DB}" --listen 127.0.0.1:$PP --threads "$PTHREADS" ${PARLEY_ARGS:-} "$@" \
        >/dev/null 2>>"$RES/parley.log" &
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
start_node() {
    node "$BENCH/node/server.mjs" "$NDB" $NODEP "$NWORKERS" >>"$RES/node.log" 2>&1 &
    NODE_PID=$!
    wait_http "http://127.0.0.1:$NODEP/v2/conversations/$(head -n 1 "$DIR/ids.txt")" || die "the Node baseline did not start"
}
stop_node() {
    [ -n "$NODE_PID" ] || return 0
    stop_pid "$NODE_PID"
    NODE_PID=
}
# the floor (bench/floor.c) reads Parley's database (it never writes it): Parley is stopped around its run
FLOOR_PID=
start_floor() {
    "$FLOOR" "$DB" $FLP "$PTHREADS" >>"$RES/floor.log" 2>&1 &
    FLOOR_PID=$!
    wait_http "http://127.0.0.1:$FLP/v2/conversations/$(head -n 1 "$DIR/ids.txt")" || die "the floor did not start"
}
stop_floor() {
    [ -n "$FLOOR_PID" ] || return 0
    stop_pid "$FLOOR_PID"
    FLOOR_PID=
}

# warm FILE... - reads the files into the OS page cache before a server that reads them is measured: the
# 1M databases (Parley's ~14 GB, the Node server's ~8 GB, PostgreSQL's) do not all fit in this machine's
# memory at once, and a server whose file was evicted by another's run measured the disk, not itself
# (2026-12-06: the Node server's GETs ran at 4,530/s in a round where its file was cold, 10,324/s in the next)
warm() {
    cat "$@" > /dev/null 2>&1 || true
}

fresh() {
    case $1 in
    parley) stop_parley; start_parley ;;
    json-server) stop_js; start_js ;;
    node) stop_node; start_node ;;
    esac
}

# the webhooks group's receiver (bench/receiver.c)
RECV_PID=
start_receiver() {
    "$RECEIVER" $WHP >>"$RES/receiver.log" 2>&1 &
    RECV_PID=$!
    wait_http "http://127.0.0.1:$WHP/stats" || die "the webhook receiver did not start (see $RES/receiver.log)"
}
stop_receiver() {
    [ -n "$RECV_PID" ] || return 0
    stop_pid "$RECV_PID"
    RECV_PID=
}

cleanup() { stop_parley; stop_nginx; stop_js; stop_node; stop_floor; stop_receiver; pg_down; }
trap cleanup EXIT

# ---- one wrk run --------------------------------------------------------------------------------------
ROUND=0
TICK=$(getconf CLK_TCK)
# cpu_ticks TARGET - user+system CPU clock ticks so far of the target's server process and its children
# (nginx's workers); the difference over a run, per request, is the server's CPU cost of one request,
# a figure that drifts far less than requests/s when other work shares the machine
cpu_ticks() {
    local pid p t=0
    case $1 in
    parley*) pid=$PARLEY_PID ;; nginx) pid=$NGINX_PID ;; json-server) pid=$JS_PID ;; node) pid=$NODE_PID ;;
    floor) pid=$FLOOR_PID ;;
    esac
    [ -n "$pid" ] || { echo 0; return; }
    for p in $pid $(pgrep -P "$pid" 2>/dev/null); do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$t"
}
# wrk_run NAME TARGET URL [VAR=VALUE...] - warm-up (discarded), then the measured run; appends to results.tsv.
# Prints the BENCH fields of the measured run.
# wrk_warm URL [VAR=VALUE...] - a discarded wrk run of $WARMUP
wrk_warm() {
    local url=$1
    shift
    # the warm-up writes its own ids (WARM_WIDS), so that the measured run changes rows nobody touched
    env "$@" ${WARM_WIDS:+BENCH_WIDS="$WARM_WIDS"} BENCH_KEY="${RKEY:-$KEY}" BENCH_THREADS="$WTHREADS" \
        BENCH_RUNID="w$(date +%s%N)" \
        wrk -t"$WTHREADS" -c"$CONNS" -d"$WARMUP" --timeout 10s -s "$LUA" "$url" >/dev/null 2>&1 || true
}
wrk_run() {
    local name=$1 target=$2 url=$3
    shift 3
    log "round $ROUND: $name on $target"
    wrk_warm "$url" "$@"
    if [ -n "${BETWEEN:-}" ]; then sleep 0.5; eval "$BETWEEN"; fi
    local out c0 c1
    c0=$(cpu_ticks "$target")
    out=$(env "$@" BENCH_KEY="${RKEY:-$KEY}" BENCH_THREADS="$WTHREADS" BENCH_RUNID="${RUNID:-m$(date +%s%N)}" \
        wrk -t"$WTHREADS" -c"$CONNS" -d"$DURATION" --timeout 10s -s "$LUA" "$url" 2>&1 | grep '^BENCH ' || true)
    c1=$(cpu_ticks "$target")
    [ -n "$out" ] || die "wrk produced no result for $name on $target"
    # cpu_ms: the server's CPU over the measured run (includes requests still in flight at its end)
    echo "$out cpu_ms=$(( (c1 - c0) * 1000 / TICK ))" | sed 's/^BENCH //'
}

# ol_run NAME TARGET URL RPS PATHS [PREFIX] - the open-loop run of NAME at $OLFRAC of RPS (the closed-loop
# maximum the same round measured), latency from each request's scheduled send (bench/openloop.c): warm-up
# (not recorded), then the measured window. Prints the OPENLOOP fields.
ol_run() {
    local name=$1 target=$2 url=$3 rps=$4 paths=$5 prefix=${6:-} rate out
    rate=$(awk -v r="$rps" -v f="$OLFRAC" 'BEGIN { x = r * f; printf "%d", (x < 1 ? 1 : x) }')
    log "round $ROUND: $name on $target, open loop at $rate req/s"
    out=$("$OPENLOOP" -u "${url#http://}" -r "$rate" -c "$CONNS" -t "$WTHREADS" -d "$(secs "$DURATION")" \
        -w "$(secs "$WARMUP")" -f "$paths" ${prefix:+-p "$prefix"} -H "Authorization: Bearer ${RKEY:-$KEY}" \
        | grep '^OPENLOOP ' || true)
    [ -n "$out" ] || die "openloop produced no result for $name on $target"
    echo "$out" | sed 's/^OPENLOOP //'
}

# make_wids N - N distinct not-archived ids: $RES/wids-warm.txt (a third) and $RES/wids.txt (the rest)
make_wids() {
    python3 "$BENCH/prep.py" wids "$DB" "$RES/wids-all.txt" "$1"
    local k=$(( $(wc -l < "$RES/wids-all.txt") / 3 )) # fewer than N on a small database
    head -n "$k" "$RES/wids-all.txt" > "$RES/wids-warm.txt"
    tail -n +"$((k + 1))" "$RES/wids-all.txt" > "$RES/wids.txt"
}

# archive_run NAME TARGET URL COUNT - a fresh TARGET archives the ids of $RES/wids.txt (its warm-up those of
# $RES/wids-warm.txt); COUNT is a command that prints how many rows are archived, run after the warm-up
# and after the measured run: the difference is what the measured run really changed. Records the run;
# leaves in ARCHIVED_RUN the archives it counts (acknowledged and really changed, the lesser) and in
# $RES/t0 the wall-clock ms at which the measured run started.
ARCHIVED_RUN=0
archive_run() {
    local name=$1 target=$2 url=$3 count=$4 r acked before after
    BETWEEN="$count > \"\$RES/before\"; date +%s%3N > \"\$RES/t0\""
    fresh "$target"
    WARM_WIDS="$RES/wids-warm.txt"
    r=$(wrk_run "$name" "$target" "$url" BENCH_MODE=archive BENCH_WIDS="$RES/wids.txt")
    WARM_WIDS=
    BETWEEN=
    acked=$(( $(field "$r" requests) - $(field "$r" non2xx) ))
    before=$(cat "$RES/before")
    after=$(eval "$count")
    ARCHIVED_RUN=$(( acked < after - before ? acked : after - before ))
    record "$name" "$target" "$r" "acked=$acked changed=$((after - before))"
}

# record NAME TARGET FIELDS [rows=N]
record() {
    printf '%s\t%s\t%s\t%s\n' "$ROUND" "$1" "$2" "$3${4:+ $4}" >> "$RES/results.tsv"
    log "  $2 $1: $3${4:+ $4}"
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# ---- scenarios ---------------------------------------------------------------------------------------
# GET by id: nginx, Parley (closed loop, then open loop at half its maximum), json-server, the Node server,
# and the floor (bench/floor.c: the stored document by uuid through libmicrohttpd and SQLite, nothing else).
sc_get() {
    local r
    r=$(wrk_run get nginx "http://127.0.0.1:$NP" BENCH_MODE=static BENCH_PATH=/v2/conversations/static)
    record get nginx "$r"
    warm "$DB" "$DB-wal"
    fresh parley
    r=$(wrk_run get parley "http://127.0.0.1:$PP" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
    record get parley "$r"
    r=$(ol_run get-ol parley "http://127.0.0.1:$PP" "$(field "$r" rps)" "$DIR/ids.txt" /v2/conversations/)
    record get-ol parley "$r"
    fresh json-server
    r=$(wrk_run get json-server "http://127.0.0.1:$JP" BENCH_MODE=get BENCH_IDS="$DIR/js-ids.txt" \
        BENCH_PREFIX=/conversations/)
    record get json-server "$r"
    stop_js
    warm "$NDB" "$NDB-wal"
    fresh node
    r=$(wrk_run get node "http://127.0.0.1:$NODEP" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
    record get node "$r"
    stop_node
    stop_parley
    warm "$DB" "$DB-wal"
    start_floor
    r=$(wrk_run get floor "http://127.0.0.1:$FLP" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
    record get floor "$r"
    stop_floor
    start_parley
}

# Lists of 20, no filter and owner + date + hide_internal: json-server, then Parley closed and open loop.
sc_list() {
    local v r
    for v in all owner; do
        fresh json-server
        r=$(wrk_run "list-$v" json-server "http://127.0.0.1:$JP" BENCH_MODE=list BENCH_QUERIES="$DIR/js-list-$v.txt")
        record "list-$v" json-server "$r"
        stop_js
        fresh parley
        r=$(wrk_run "list-$v" parley "http://127.0.0.1:$PP" BENCH_MODE=list BENCH_QUERIES="$DIR/list-$v.txt")
        record "list-$v" parley "$r"
        r=$(ol_run "list-$v-ol" parley "http://127.0.0.1:$PP" "$(field "$r" rps)" "$DIR/list-$v.txt")
        record "list-$v-ol" parley "$r"
    done
}

# filter[title]: selective terms (<= 1% of titles; json-server beside); then on a fresh server, whose
# count cache is empty, the first page of each frequent term once, in turn (each term is new to the
# server, so each is counted: "uncached"), and right after, the next pages of those terms (counts cached).
# Before the first pages, unfiltered lists warm every worker thread's database connection (a connection's
# first requests read pages the others already hold, and its first look at the database moves the count
# cache's epoch): what is measured is the count of a new term, not a cold connection.
sc_title() {
    local r line
    fresh json-server
    r=$(wrk_run list-title-sel json-server "http://127.0.0.1:$JP" BENCH_MODE=list \
        BENCH_QUERIES="$DIR/js-list-title-sel.txt")
    record list-title-sel json-server "$r"
    stop_js
    fresh parley
    r=$(wrk_run list-title-sel parley "http://127.0.0.1:$PP" BENCH_MODE=list BENCH_QUERIES="$DIR/list-title-sel.txt")
    record list-title-sel parley "$r"
    fresh parley
    wrk_warm "http://127.0.0.1:$PP" BENCH_MODE=list BENCH_QUERIES="$DIR/list-all.txt"
    log "round $ROUND: list-title-first on parley, $(wc -l < "$DIR/list-title-first.txt") frequent terms once each"
    python3 "$BENCH/probe.py" first-page "http://127.0.0.1:$PP" "$KEY" "$DIR/list-title-first.txt" |
        while read -r line; do record list-title-first parley "$line"; done
    r=$(wrk_run list-title-next parley "http://127.0.0.1:$PP" BENCH_MODE=list BENCH_QUERIES="$DIR/list-title-next.txt")
    record list-title-next parley "$r"
}

# Writes: every request names a different not-yet-archived conversation; the figure counts only rows
# the database really changed that were also acknowledged (2xx) - min(acknowledged, changed).
sc_archive() {
    local n r acked changed
    n=$(( ($(secs "$DURATION") + $(secs "$WARMUP")) * 15000 * 3 / 2 ))
    make_wids "$n"
    warm "$DB" "$DB-wal"
    archive_run archive parley "http://127.0.0.1:$PP" 'python3 "$BENCH/prep.py" count-archived "$DB" 0'

    fresh json-server
    r=$(wrk_run archive json-server "http://127.0.0.1:$JP" BENCH_MODE=archive BENCH_WIDS="$DIR/js-ids.txt" \
        BENCH_PREFIX=/conversations/ BENCH_WMETHOD=PATCH)
    acked=$(( $(field "$r" requests) - $(field "$r" non2xx) ))
    stop_js
    changed=$(python3 "$BENCH/prep.py" count-json "$DIR/jsonserver/db.json" 2>/dev/null || echo "$acked")
    record archive json-server "$r" "acked=$acked changed=$changed"

    # the Node server: new ids (not archived in either database), counted in its own database, then undone
    make_wids "$n"
    warm "$NDB" "$NDB-wal"
    archive_run archive node "http://127.0.0.1:$NODEP" 'node "$BENCH/node/load.mjs" count-archived "$NDB" "$RES/wids.txt"'
    stop_node
    node "$BENCH/node/load.mjs" reset "$NDB" "$RES/wids-warm.txt" "$RES/wids.txt" >/dev/null
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

# The admin API (issue 13). GET by id with the admin API off and on (no rules; the journal on, as by
# default), alternating in pairs; then, on a copy of the 10,000-conversation database with the admin API
# on: snapshots and restores (the median of a few), and POST /_parley/orgs without seed data 1,000 times.
sc_admin() {
    local p r which line
    for p in $(seq 1 "$ADMIN_PAIRS"); do
        for which in $( [ $(( (p + ROUND) % 2 )) = 0 ] && echo "off on" || echo "on off"); do
            stop_parley
            if [ "$which" = on ]; then
                start_parley --admin-token "$ATOKEN" --snapshot-dir "$RES/snapshots"
                r=$(wrk_run admin-get parley-admin "http://127.0.0.1:$PP" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
                record admin-get parley-admin "$r" "pair=$p"
            else
                start_parley
                r=$(wrk_run admin-get parley "http://127.0.0.1:$PP" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
                record admin-get parley "$r" "pair=$p"
            fi
        done
    done
    stop_parley
    rm -rf "$RES/snapshots" "$RES/admin.db"*
    cp "$ADB" "$RES/admin.db"
    PDB=$RES/admin.db start_parley --admin-token "$ATOKEN" --snapshot-dir "$RES/admin-snapshots"
    log "round $ROUND: $SNAP_CALLS snapshots and restores of the 10,000-conversation database"
    python3 "$BENCH/probe.py" snapshots "http://127.0.0.1:$PP" "$ATOKEN" "$SNAP_CALLS" |
        while read -r which line; do record "$which" parley "$line"; done
    log "round $ROUND: $ORG_CALLS x POST /_parley/orgs"
    r=$(python3 "$BENCH/probe.py" orgs "http://127.0.0.1:$PP" "$ATOKEN" "$ORG_CALLS")
    record org-create parley "$r"
    stop_parley
    rm -rf "$RES/admin.db"* "$RES/admin-snapshots"
}

# Webhooks (issue 17), on the benchmark database's organization: (1) archive with one endpoint subscribed to
# conversation.archived at a fast loopback receiver against none, in either order by round, the endpoint's
# run also measured until its last event arrived (wh-archive-hook-all: its deliveries counted); (2) delivery
# rate: a backlog builds while the receiver holds its first delivery, then drains; (3) latency from each
# archive's 200 to the receiver, one archive at a time; (4) a dead receiver (nothing listens) with
# $WH_BACKLOG undelivered events: GET against without them (before them in odd rounds, after them in even
# ones: the backlog's archives leave the WAL and the page cache changed), archive against the live
# endpoint of (1).
# shellcheck source=bench/hooks.sh
. "$BENCH/hooks.sh"
wh_clear() { hooks_clear "$PARLEY" "$DB"; } # removes every endpoint of the organization (deliveries, events)
wh_reset() { # undoes the archives so far (each step archives conversations nobody archived yet)
    stop_parley
    python3 "$BENCH/prep.py" reset "$DB" "$START"
}
wh_hook() { # URL: an endpoint for the archives
    "$PARLEY" webhook create --org Bench --url "$1" --events conversation.archived --db "$DB" >/dev/null
}
wh_get_clean() { # GET by id with no endpoint and no outbox rows (the backlog's pair)
    local r
    fresh parley
    r=$(wrk_run wh-get-clean parley "http://127.0.0.1:$PP" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
    record wh-get-clean parley "$r"
}
sc_webhooks() {
    local n r which org ok e0 e1
    org=$(sed -n 's/^organization: //p' "$DIR/org.txt")
    start_receiver
    n=$(( ($(secs "$DURATION") + $(secs "$WARMUP")) * 15000 * 3 / 2 ))
    for which in $( [ $((ROUND % 2)) = 1 ] && echo "none hook" || echo "hook none"); do
        wh_reset
        wh_clear
        [ "$which" = none ] || wh_hook "http://127.0.0.1:$WHP/hook"
        make_wids "$n"
        e0=$(python3 "$BENCH/prep.py" count-archived "$DB" 0)
        curl -s -o /dev/null -X POST "http://127.0.0.1:$WHP/release" # the receiver counts from here
        archive_run "wh-archive-$which" parley "http://127.0.0.1:$PP" \
            'python3 "$BENCH/prep.py" count-archived "$DB" 0'
        [ "$which" = hook ] || continue
        # the same run with its deliveries counted: its archives over the time from the measured run's
        # start to the arrival of the last event (the warm-up's and the run's), however long after wrk
        e1=$(python3 "$BENCH/prep.py" count-archived "$DB" 0)
        r=$(python3 "$BENCH/probe.py" webhook-all "http://127.0.0.1:$WHP" $((e1 - e0)) "$(cat "$RES/t0")" \
            "$ARCHIVED_RUN" 300)
        record wh-archive-hook-all parley "$r"
    done
    wh_reset
    wh_clear
    wh_hook "http://127.0.0.1:$WHP/hook"
    start_parley --webhook-timeout 300
    curl -s -o /dev/null -X POST "http://127.0.0.1:$WHP/pause"
    make_wids $((WH_BACKLOG * 2))
    log "round $ROUND: a backlog of $((WH_BACKLOG * 2)) archives while the receiver holds its first delivery"
    ok=$(field "$(python3 "$BENCH/probe.py" archive-all "http://127.0.0.1:$PP" "$KEY" "$RES/wids-all.txt" 16)" ok)
    r=$(python3 "$BENCH/probe.py" webhook-drain "http://127.0.0.1:$WHP" $((ok - 1)) 300)
    record wh-rate parley "$r"
    wh_reset
    wh_clear
    start_parley --admin-token "$ATOKEN"
    make_wids "$WH_LATENCY"
    log "round $ROUND: $WH_LATENCY archives one at a time, each to its event's arrival"
    r=$(python3 "$BENCH/probe.py" webhook-latency "http://127.0.0.1:$PP" "$ATOKEN" "$org" "$KEY" \
        "$RES/wids-all.txt" "$WH_LATENCY")
    record wh-latency parley "$r"
    wh_reset
    [ $((ROUND % 2)) = 1 ] && wh_get_clean # odd rounds: GET without the backlog first, even rounds last
    wh_hook "http://127.0.0.1:9/dead" # nothing listens on port 9: every attempt is refused
    fresh parley
    make_wids "$WH_BACKLOG"
    log "round $ROUND: $WH_BACKLOG undelivered events for a dead receiver"
    r=$(python3 "$BENCH/probe.py" archive-all "http://127.0.0.1:$PP" "$KEY" "$RES/wids-all.txt" 16)
    record wh-backlog parley "$r"
    fresh parley
    r=$(wrk_run wh-get-backlog parley "http://127.0.0.1:$PP" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
    record wh-get-backlog parley "$r"
    make_wids "$n" # among the conversations the backlog left alone
    archive_run wh-archive-backlog parley "http://127.0.0.1:$PP" 'python3 "$BENCH/prep.py" count-archived "$DB" 0'
    wh_reset
    wh_clear
    [ $((ROUND % 2)) = 1 ] || wh_get_clean
    stop_receiver
    fresh parley
}

# Ask Attention (beyond.md §2): 20 conversations of 100 segments imported into the seeded database (prep.py
# reset removes them), then timed calls over them one at a time; and the scorecard summary (§3) over the
# newest 100,000 results of a seeded scorecard (a database seeded before scorecards existed has none: re-seed).
sc_ask() {
    local r
    fresh parley
    log "round $ROUND: Ask Attention over 20 conversations of 100 segments, $ASK_CALLS calls"
    r=$(python3 "$BENCH/ask.py" ask "http://127.0.0.1:$PP" "$KEY" "a$ROUND$(date +%s)" "$ASK_CALLS")
    record ask parley "$r"
    log "round $ROUND: scorecard summary, $SUMMARY_CALLS calls"
    r=$(python3 "$BENCH/ask.py" summary "http://127.0.0.1:$PP" "$KEY" "$DB" "$SUMMARY_CALLS")
    record scorecard-summary parley "$r"
    case $r in *" results=0"*) log "  no scorecard results: $DB was seeded before scorecards existed (rm $DIR/seeded to re-seed)" ;; esac
}

# The PostgreSQL section: the same conversations in a kept PostgreSQL 15 cluster; Parley on it, alone.
sc_pg() {
    local r n v
    [ -n "$PGURL" ] || pg_up
    local U=http://127.0.0.1:$PP
    RKEY=$PGKEY PDB=$PGURL
    export RKEY PDB
    fresh parley
    r=$(wrk_run pg-get parley "$U" BENCH_MODE=get BENCH_IDS="$DIR/ids.txt")
    record pg-get parley "$r"
    for v in all owner; do
        fresh parley
        r=$(wrk_run "pg-list-$v" parley "$U" BENCH_MODE=list BENCH_QUERIES="$DIR/list-$v.txt")
        record "pg-list-$v" parley "$r"
    done
    n=$(( ($(secs "$DURATION") + $(secs "$WARMUP")) * 15000 * 3 / 2 ))
    make_wids "$n"
    archive_run pg-archive parley "$U" 'python3 "$BENCH/prep.py" count-archived "$PGURL" 0'
    RUNID="p$ROUND$(date +%s)"
    fresh parley
    r=$(wrk_run pg-import parley "$U" BENCH_MODE=import BENCH_BODY="$DIR/import.json")
    record pg-import parley "$r" "changed=$(python3 "$BENCH/prep.py" count-imported "$PGURL" "$RUNID")"
    RUNID=
    stop_parley
    unset RKEY PDB
    log "round $ROUND: undoing the PostgreSQL section's archives and imports"
    python3 "$BENCH/prep.py" reset "$PGURL" "$START"
}

# Media (issue 16): a 100 MB object up and down through a fresh server's signed URLs (directory storage,
# DATABASE.media) against nginx (static GET, WebDAV PUT), then the server's peak RSS during a 1 GiB upload
# (bench/media.py). The uploaded objects are removed afterwards.
sc_media() {
    stop_parley
    start_parley
    log "round $ROUND: media, 100 MB up and down (Parley, nginx), then a 1 GiB upload's peak RSS"
    python3 "$BENCH/media.py" "http://127.0.0.1:$PP" "$PARLEY_PID" "$KEY" "http://127.0.0.1:$NP" "$DIR" \
        "${BENCH_MEDIA_ROUNDS:-2}" | while IFS= read -r row; do
        printf '%s\t%s\n' "$ROUND" "$row" >> "$RES/results.tsv"
        log "  $row"
    done
    rm -rf "$DB.media/uploads" "$DIR/upload"
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
: > "$RES/node.log"
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
    want title && sc_title
    want archive && sc_archive
    want import && sc_import
    want mixed && sc_mixed
    want admin && sc_admin
    want webhooks && sc_webhooks
    want ask && sc_ask
    want pg && sc_pg
    want media && sc_media
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
BENCH_OL_FRACTION=$OLFRAC BENCH_NODE_WORKERS=$NWORKERS BENCH_TERMS="$DIR/title-terms.txt" \
    python3 "$BENCH/report.py" "$RES/results.tsv" "$OUTMD" "$SET" "$DURATION" "$WARMUP" "$CONNS" "$WTHREADS" \
    "$ROUNDS" "$PTHREADS" "$DIR/sizes.txt"
log "wrote $OUTMD"
