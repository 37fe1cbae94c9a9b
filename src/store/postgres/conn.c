/* conn.c - the PostgreSQL backend of the store interface (store.h): libpq, a connection pool, one retry on a lost connection, transactions, migrations under an advisory lock, open and close. */
#include "store/postgres/pg.h"

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/ptime.h"
#include "store/migrations.h"

#define PG_DEFAULT_POOL 4
#define PG_CHECKOUT_TIMEOUT_S 30
#define PG_TLS_SLOTS 4
/* pg_advisory_lock key held while migrating ("parley" in ASCII). */
#define PG_MIGRATION_LOCK "112105114108101121"

/* ---- stores, connections, the pool ---------------------------------------------- */

static const store_vtable_t postgres_vtable;
static pthread_once_t pg_sql_once = PTHREAD_ONCE_INIT;


static atomic_uint_fast64_t pg_next_store_id;

/* The connection the calling thread holds for each store it is inside of. */
typedef struct pg_tls_slot {
    uint64_t store_id;
    pg_conn_t *conn;
} pg_tls_slot_t;
static __thread pg_tls_slot_t pg_tls[PG_TLS_SLOTS];

/* Logs a failure of fn: the server's primary message (never parameter values). */
void pg_log(const char *fn, PGconn *pc, const PGresult *res)
{
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!m)
        m = pc ? PQerrorMessage(pc) : "no connection";
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    fprintf(stderr, "parley: store %s: %.*s%s%s%s\n", fn, (int)n, m, code ? " (sqlstate " : "", code ? code : "",
            code ? ")" : "");
}

/* Per-connection settings after every (re)connect. Returns 0 or -1 (logged). */
static int pg_session_init(pg_store_t *st, pg_conn_t *c)
{
    const char *sql = st->durability == STORE_DURABILITY_NORMAL
                          ? "SET synchronous_commit = off; SET client_min_messages = warning"
                          : "SET synchronous_commit = on; SET client_min_messages = warning";
    PGresult *res = PQexec(c->pc, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        pg_log(__func__, c->pc, res);
    PQclear(res);
    return ok ? 0 : -1;
}

/* Connects c (first use) or resets it (after a failure). Clears the
 * per-session state. Returns 0, or -1 (logged; err filled when non-NULL). */
int pg_connect(pg_store_t *st, pg_conn_t *c, char *err, size_t errlen)
{
    if (c->pc) {
        PQreset(c->pc);
    } else {
        const char *const keys[] = {"dbname", "fallback_application_name", NULL};
        const char *const vals[] = {st->conninfo, "parley", NULL};
        c->pc = PQconnectdbParams(keys, vals, 1);
    }
    memset(c->prepared, 0, sizeof c->prepared);
    c->tx = 0;
    c->batch = false;
    if (!c->pc || PQstatus(c->pc) != CONNECTION_OK) {
        const char *m = c->pc ? PQerrorMessage(c->pc) : "out of memory";
        size_t n = strlen(m);
        while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
            n--;
        if (err)
            snprintf(err, errlen, "cannot connect to PostgreSQL: %.*s", (int)n, m);
        fprintf(stderr, "parley: store: cannot connect to PostgreSQL: %.*s\n", (int)n, m);
        return -1;
    }
    return pg_session_init(st, c);
}

static pg_tls_slot_t *pg_tls_find(uint64_t id)
{
    for (int i = 0; i < PG_TLS_SLOTS; i++)
        if (pg_tls[i].store_id == id)
            return &pg_tls[i];
    return NULL;
}

/* The calling thread's connection to st: the one it already holds (a nested
 * call from a callback, or an open batch), else one checked out of the pool,
 * waiting up to PG_CHECKOUT_TIMEOUT_S for a free one. Connects it when it
 * never was or is broken. NULL (logged) when none can be had: the caller
 * answers STORE_UNAVAILABLE. Pair with pg_release. */
static pg_conn_t *pg_acquire(pg_store_t *st)
{
    pg_tls_slot_t *slot = pg_tls_find(st->id);
    if (slot) {
        slot->conn->depth++;
        return slot->conn;
    }
    slot = pg_tls_find(0);
    if (!slot) {
        fprintf(stderr, "parley: store: too many stores open on one thread\n");
        return NULL;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += PG_CHECKOUT_TIMEOUT_S;
    pg_conn_t *c = NULL;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        for (int i = 0; i < st->npool && !c; i++)
            if (!st->pool[i].busy)
                c = &st->pool[i];
        if (c)
            break;
        if (pthread_cond_timedwait(&st->cv, &st->mu, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&st->mu);
            fprintf(stderr, "parley: store: no free database connection within %d s (--db-pool %d)\n",
                    PG_CHECKOUT_TIMEOUT_S, st->npool);
            return NULL;
        }
    }
    c->busy = true;
    pthread_mutex_unlock(&st->mu);
    if ((!c->pc || PQstatus(c->pc) != CONNECTION_OK) && pg_connect(st, c, NULL, 0) != 0) {
        pthread_mutex_lock(&st->mu);
        c->busy = false;
        pthread_cond_signal(&st->cv);
        pthread_mutex_unlock(&st->mu);
        return NULL;
    }
    c->depth = 1;
    slot->store_id = st->id;
    slot->conn = c;
    return c;
}

/* Ends one pg_acquire: the outermost release of a connection that holds no
 * batch puts it back in the pool. */
static void pg_release(pg_store_t *st, pg_conn_t *c)
{
    if (--c->depth > 0 || c->batch)
        return;
    pg_tls_slot_t *slot = pg_tls_find(st->id);
    if (slot)
        *slot = (pg_tls_slot_t){0, NULL};
    pthread_mutex_lock(&st->mu);
    c->busy = false;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

/* ---- running statements -------------------------------------------------------- */

/* Classifies a failed result: a broken connection (or a server shutting down)
 * sets c->lost, a serialization failure or deadlock sets c->retry. Copies the
 * SQLSTATE into state (6 bytes) when given. */
static void pg_classify(pg_conn_t *c, const PGresult *res, char state[6])
{
    const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state)
        snprintf(state, 6, "%s", code ? code : "");
    if (PQstatus(c->pc) == CONNECTION_BAD || !code || strncmp(code, "08", 2) == 0 || strcmp(code, "57P01") == 0 ||
        strcmp(code, "57P02") == 0 || strcmp(code, "57P03") == 0)
        c->lost = true;
    else if (strcmp(code, "40001") == 0 || strcmp(code, "40P01") == 0)
        c->retry = true;
}

/* Runs prepared statement id (prepared on first use on this connection) with
 * n parameters: text unless fmts[i] = 1 (binary, length lens[i]); NULL values
 * are SQL NULL. Returns the result (the caller PQclears it) when it succeeded,
 * else NULL with the failure classified (pg_classify) and, unless it is a
 * unique violation (state "23505", left for the caller), logged under fn. */
PGresult *pg_exec(pg_conn_t *c, int id, int n, const char *const *vals, const int *lens, const int *fmts,
                  char state[6], const char *fn)
{
    char name[16];
    snprintf(name, sizeof name, "p%d", id);
    if (state)
        state[0] = '\0';
    if (c->lost)
        return NULL;
    if (!c->prepared[id]) {
        PGresult *res = PQprepare(c->pc, name, pg_sql[id], 0, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            pg_classify(c, res, state);
            pg_log(fn, c->pc, res);
            PQclear(res);
            return NULL;
        }
        PQclear(res);
        c->prepared[id] = true;
    }
    PGresult *res = PQexecPrepared(c->pc, name, n, vals, lens, fmts, 0);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
        return res;
    char st[6];
    pg_classify(c, res, st);
    if (state)
        memcpy(state, st, 6);
    if (strcmp(st, "23505") != 0)
        pg_log(fn, c->pc, res);
    PQclear(res);
    return NULL;
}

/* Text-parameter shorthand of pg_exec. */
PGresult *pg_q(pg_conn_t *c, int id, int n, const char *const *vals, char state[6], const char *fn)
{
    return pg_exec(c, id, n, vals, NULL, NULL, state, fn);
}

/* Runs sql (no parameters, no rows) with PQexec. Returns 0 or -1 (classified, logged). */
static int pg_simple(pg_conn_t *c, const char *sql, const char *fn)
{
    if (c->lost)
        return -1;
    PGresult *res = PQexec(c->pc, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        pg_classify(c, res, NULL);
        pg_log(fn, c->pc, res);
    }
    PQclear(res);
    return ok ? 0 : -1;
}

/* Runs a dynamic statement with n text parameters. Same contract as pg_exec. */
PGresult *pg_exec_sql(pg_conn_t *c, const char *sql, int n, const char *const *vals, const char *fn)
{
    if (c->lost)
        return NULL;
    PGresult *res = PQexecParams(c->pc, sql, n, NULL, vals, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
        return res;
    pg_classify(c, res, NULL);
    pg_log(fn, c->pc, res);
    PQclear(res);
    return NULL;
}

/* ---- transactions ---------------------------------------------------------------- */

store_rc_t pg_read_snapshot(pg_conn_t *c, buf_t *snap, const char *fn)
{
    if (c->lost || c->tx > 0)
        return STORE_ERROR;
    /* one round trip: the SELECT, first in the transaction, takes its snapshot */
    PGresult *res = PQexec(c->pc, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
                                  " SELECT pg_current_snapshot()::text");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        pg_classify(c, res, NULL);
        pg_log(fn, c->pc, res);
        PQclear(res);
        if (!c->lost) { /* the BEGIN may have run */
            res = PQexec(c->pc, "ROLLBACK");
            PQclear(res);
        }
        return STORE_ERROR;
    }
    c->tx = 1;
    buf_reset(snap);
    buf_puts(snap, PQgetvalue(res, 0, 0));
    PQclear(res);
    if (snap->oom) {
        pg_tx_rollback(c);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* Starts a transaction: BEGIN, or a savepoint inside a batch or an enclosing
 * transaction. Returns STORE_OK or STORE_ERROR. */
store_rc_t pg_tx_begin(pg_conn_t *c, const char *fn)
{
    if (pg_simple(c, c->tx > 0 ? "SAVEPOINT pg" : "BEGIN", fn) != 0)
        return STORE_ERROR;
    c->tx++;
    return STORE_OK;
}

/* Undoes the work since pg_tx_begin. Errors are ignored (the connection may be gone). */
void pg_tx_rollback(pg_conn_t *c)
{
    if (c->tx <= 0)
        return;
    c->tx--;
    if (c->lost)
        return;
    PGresult *res = PQexec(c->pc, c->tx > 0 ? "ROLLBACK TO SAVEPOINT pg; RELEASE SAVEPOINT pg" : "ROLLBACK");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        pg_classify(c, res, NULL);
    PQclear(res);
}

/* Commits the work since pg_tx_begin (or releases the savepoint). On failure
 * rolls back and returns STORE_ERROR; a COMMIT whose answer was lost sets
 * c->committing, so the caller reports STORE_UNAVAILABLE rather than retry. */
store_rc_t pg_tx_commit(pg_conn_t *c, const char *fn)
{
    if (c->tx > 1) {
        if (pg_simple(c, "RELEASE SAVEPOINT pg", fn) == 0) {
            c->tx--;
            return STORE_OK;
        }
        pg_tx_rollback(c);
        return STORE_ERROR;
    }
    c->committing = true;
    if (pg_simple(c, "COMMIT", fn) == 0) {
        c->tx = 0;
        return STORE_OK;
    }
    c->tx = c->lost ? 0 : c->tx;
    pg_tx_rollback(c);
    return STORE_ERROR;
}

/* Every PG_COMPACT_EVERY-th write transaction committed through a store, and
 * after every batch (force: seed and load insert thousands of rows in one),
 * the committing thread folds conversation_counts' deltas (migration 002) into
 * one row per key, so that a list's count sums a few rows per owner instead
 * of one per recent write. Runs after the COMMIT, outside any transaction, so
 * it cannot undo the write (the request that happens to trigger it waits the
 * few ms it takes); a failure is logged and changes nothing (the next turn
 * folds what this one left). Another session already compacting makes it
 * return at once (an advisory lock). */
#define PG_COMPACT_EVERY 256

static void pg_counts_maybe_compact(pg_store_t *st, pg_conn_t *c, bool force)
{
    bool due = (atomic_fetch_add(&st->commits, 1) + 1) % PG_COMPACT_EVERY == 0;
    if (c->lost || c->tx > 0 || !(due || force))
        return;
    PGresult *res = pg_exec_sql(c, "SELECT parley_compact_conversation_counts()", 0, NULL, "postgres count compaction");
    PQclear(res);
}


store_rc_t pg_run(pg_store_t *st, pg_body_t body, void *arg, const char *fn)
{
    pg_conn_t *c = pg_acquire(st);
    if (!c)
        return STORE_UNAVAILABLE;
    bool outer = c->depth == 1 && !c->batch;
    store_rc_t r = STORE_UNAVAILABLE;
    for (int attempt = 0;; attempt++) {
        if (outer) {
            c->lost = c->retry = c->committing = c->called_back = c->events = false;
        } else if (c->lost) {
            r = STORE_UNAVAILABLE;
            break;
        }
        r = body(c, arg);
        if (!c->lost && !c->retry)
            break;
        bool again = outer && attempt == 0 && !c->committing && !c->called_back;
        if (c->lost) {
            fprintf(stderr, "parley: store %s: lost the database connection%s\n", fn,
                    again ? "; reconnecting and retrying once" : "");
            if (outer) {
                c->tx = 0;
                if (pg_connect(st, c, NULL, 0) != 0)
                    again = false;
            }
        } else if (outer) {
            c->tx = 0;
        }
        if (!again) {
            r = c->retry && !c->lost && !c->committing ? STORE_ERROR : STORE_UNAVAILABLE;
            break;
        }
    }
    if (outer && r == STORE_OK && c->committing)
        pg_counts_maybe_compact(st, c, false);
    if (outer && c->events) { /* the transaction wrote outbox events (webhooks.c) */
        c->events = false;
        if (r == STORE_OK)
            store_events_committed(&st->base);
    }
    pg_release(st, c);
    return r;
}

/* What pg_tx_body runs inside its transaction. */
typedef struct pg_tx_arg {
    pg_body_t body;
    void *arg;
    const char *fn;
} pg_tx_arg_t;

/* The body of pg_run_tx (arg: a pg_tx_arg_t): BEGIN, the inner body, then
 * pg_tx_end of its answer; STORE_ERROR, without the body, when BEGIN fails. */
static store_rc_t pg_tx_body(pg_conn_t *c, void *arg)
{
    pg_tx_arg_t *t = arg;
    if (pg_tx_begin(c, t->fn) != STORE_OK)
        return STORE_ERROR;
    return pg_tx_end(c, t->body(c, t->arg), t->fn);
}

store_rc_t pg_run_tx(pg_store_t *st, pg_body_t body, void *arg, const char *fn)
{
    pg_tx_arg_t t = {body, arg, fn};
    return pg_run(st, pg_tx_body, &t, fn);
}

/* Runs a migration's SQL: its parts in order, and between two parts the C
 * step the line `-- @step NAME` names (pg_upgrade_step). Returns 0, or -1
 * (why in err when a step failed; else PQerrorMessage tells). */
static int pg_migration_sql(PGconn *pc, const char *sql, char *err, size_t errlen)
{
    static const char mark[] = "\n-- @step ";
    for (;;) {
        const char *at = strstr(sql, mark);
        char *part = strndup(sql, at ? (size_t)(at - sql) + 1 : strlen(sql)); /* owner: this function */
        if (!part)
            return -1;
        PGresult *res = PQexec(pc, part);
        free(part);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK ||
                  PQresultStatus(res) == PGRES_EMPTY_QUERY;
        PQclear(res);
        if (!ok)
            return -1;
        if (!at)
            return 0;
        const char *name = at + sizeof mark - 1, *eol = strchr(name, '\n');
        char step[64];
        snprintf(step, sizeof step, "%.*s", (int)(eol ? eol - name : (long)strlen(name)), name);
        if (pg_upgrade_step(pc, step, err, errlen) != 0)
            return -1;
        if (!eol)
            return 0;
        sql = eol + 1;
    }
}

/* ---- open, close, migrations --------------------------------------------------- */


/* Brings the schema up to date under a session advisory lock, so that
 * instances starting together apply each migration once. Returns 0 and sets
 * st->version, or -1 with why in err (a newer schema is refused). */
static int pg_migrate(pg_store_t *st, pg_conn_t *c, char *err, size_t errlen)
{
    PGconn *pc = c->pc;
    int rc = -1, known = 0, cur = 0;
    for (const store_migration_t *m = store_postgres_migrations; m->version; m++)
        if (m->version > known)
            known = m->version;
    PGresult *res = PQexec(pc, "SELECT pg_advisory_lock(" PG_MIGRATION_LOCK ")");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "cannot take the migration lock: %s", PQerrorMessage(pc));
        PQclear(res);
        return -1;
    }
    PQclear(res);
    res = PQexec(pc, "CREATE TABLE IF NOT EXISTS schema_migrations(version integer PRIMARY KEY,"
                     " name text NOT NULL, applied_at bigint NOT NULL)");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    res = ok ? PQexec(pc, "SELECT coalesce(max(version), 0) FROM schema_migrations") : NULL;
    if (!ok || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        snprintf(err, errlen, "cannot read the schema version: %s", PQerrorMessage(pc));
        PQclear(res);
        goto out;
    }
    cur = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (cur > known) {
        snprintf(err, errlen,
                 "the database has schema version %d, newer than this build of parley knows (%d); use a newer parley",
                 cur, known);
        goto out;
    }
    for (const store_migration_t *m = store_postgres_migrations; m->version; m++) {
        if (m->version <= cur)
            continue;
        char ver[16], now[24];
        snprintf(ver, sizeof ver, "%d", m->version);
        snprintf(now, sizeof now, "%lld", (long long)ptime_now());
        const char *vals[] = {ver, m->name, now};
        res = PQexec(pc, "BEGIN");
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        char why[256] = "";
        if (ok && !(ok = pg_migration_sql(pc, m->sql, why, sizeof why) == 0) && why[0]) {
            snprintf(err, errlen, "migration %s failed: %s", m->name, why);
            PQclear(PQexec(pc, "ROLLBACK"));
            goto out;
        }
        if (ok) {
            res = PQexecParams(pc, "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)", 3,
                               NULL, vals, NULL, NULL, 0);
            ok = PQresultStatus(res) == PGRES_COMMAND_OK;
            PQclear(res);
        }
        if (ok) {
            res = PQexec(pc, "COMMIT");
            ok = PQresultStatus(res) == PGRES_COMMAND_OK;
            PQclear(res);
        }
        if (!ok) {
            snprintf(err, errlen, "migration %s failed: %s", m->name, PQerrorMessage(pc));
            PQclear(PQexec(pc, "ROLLBACK"));
            goto out;
        }
        cur = m->version;
    }
    st->version = cur;
    rc = 0;
out:
    PQclear(PQexec(pc, "SELECT pg_advisory_unlock(" PG_MIGRATION_LOCK ")"));
    return rc;
}

/* Opens a pool of opts->pool_size connections (<= 0: PG_DEFAULT_POOL) to the
 * libpq URL or keyword string opts->url, made on first use except the first,
 * which runs the migrations now. NULL + err on failure (server unreachable,
 * missing privileges or pg_trgm, a schema newer than this build). */
store_t *store_postgres_open(const store_opts_t *opts, char *err, size_t errlen)
{
    if (!store_open_args(opts, &err, &errlen))
        return NULL;
    pthread_once(&pg_sql_once, pg_sql_init);
    /* st owns conninfo, the pool and every connection; freed by store_close. */
    pg_store_t *st = calloc(1, sizeof(*st));
    int n = opts->pool_size > 0 ? opts->pool_size : PG_DEFAULT_POOL;
    if (!st || !(st->conninfo = strdup(opts->url)) || !(st->pool = calloc((size_t)n, sizeof(pg_conn_t)))) {
        if (st)
            free(st->conninfo);
        free(st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->base.vt = &postgres_vtable;
    st->id = atomic_fetch_add(&pg_next_store_id, 1) + 1;
    st->durability = opts->durability;
    st->npool = n;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    st->counts = store_count_cache_new(0); /* NULL (out of memory): counts run each time */
    if (pg_connect(st, &st->pool[0], err, errlen) != 0 || pg_migrate(st, &st->pool[0], err, errlen) != 0) {
        postgres_close(&st->base);
        return NULL;
    }
    return &st->base;
}

/* Closes every connection; callers make sure no other thread is still inside a store call. */
void postgres_close(store_t *base)
{
    pg_store_t *st = (pg_store_t *)base;
    if (!st)
        return;
    for (int i = 0; i < st->npool; i++)
        if (st->pool[i].pc)
            PQfinish(st->pool[i].pc);
    if (st->wh.pc)
        PQfinish(st->wh.pc);
    pg_tls_slot_t *slot = pg_tls_find(st->id);
    if (slot)
        *slot = (pg_tls_slot_t){0, NULL};
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    store_count_cache_free(st->counts);
    free(st->pool);
    free(st->conninfo);
    free(st);
}

int postgres_schema_version(store_t *base)
{
    pg_store_t *st = (pg_store_t *)base;
    return st ? st->version : 0;
}

/* Ends the transaction of pg_tx_begin: commits when r is STORE_OK (returning
 * the commit's answer), else rolls back and returns r. */
store_rc_t pg_tx_end(pg_conn_t *c, store_rc_t r, const char *fn)
{
    if (r == STORE_OK)
        return pg_tx_commit(c, fn);
    pg_tx_rollback(c);
    return r;
}

/* ---- bulk loading ------------------------------------------------------------------- */

static store_rc_t pg_batch_begin_body(pg_conn_t *c, void *arg)
{
    (void)arg;
    if (c->batch || c->tx > 0) {
        fprintf(stderr, "parley: store postgres_batch_begin: a transaction is already open on this thread\n");
        return STORE_ERROR;
    }
    if (pg_tx_begin(c, "postgres_batch_begin") != STORE_OK)
        return STORE_ERROR;
    c->batch = true;   /* pg_release now keeps the connection on this thread until batch_end */
    return STORE_OK;
}

/* BEGIN on a connection the calling thread keeps until store_batch_end.
 * Nesting is refused (STORE_ERROR). */
store_rc_t postgres_batch_begin(store_t *base)
{
    return pg_run((pg_store_t *)base, pg_batch_begin_body, NULL, __func__);
}

/* COMMIT or ROLLBACK of the thread's batch; STORE_ERROR when none is open or
 * the commit fails (then everything is rolled back), STORE_UNAVAILABLE when
 * the connection was lost during the batch. */
store_rc_t postgres_batch_end(store_t *base, bool commit)
{
    pg_store_t *st = (pg_store_t *)base;
    pg_tls_slot_t *slot = pg_tls_find(st->id);
    if (!slot || !slot->conn->batch) {
        fprintf(stderr, "parley: store %s: no batch is open on this thread\n", __func__);
        return STORE_ERROR;
    }
    pg_conn_t *c = slot->conn;
    c->batch = false;
    store_rc_t r;
    if (c->lost) {
        r = STORE_UNAVAILABLE;
        c->tx = 0;
    } else if (commit) {
        r = pg_tx_commit(c, __func__);
        if (r != STORE_OK && c->lost)
            r = STORE_UNAVAILABLE;
        if (r == STORE_OK)
            pg_counts_maybe_compact(st, c, true);
    } else {
        pg_tx_rollback(c);
        r = STORE_OK;
    }
    c->depth = 1;
    pg_release(st, c);
    return r;
}

#define PG_ENTRY(op) .op = postgres_##op,
static const store_vtable_t postgres_vtable = {
    STORE_VTABLE_OPS(PG_ENTRY)
    STORE_VTABLE_OPS_ADMIN_LIBRARY(PG_ENTRY)
    .org_delete = postgres_org_delete,
    .reset = postgres_reset,
    .stats = postgres_stats,
    .media_secret = postgres_media_secret,
    .conv_media_set = postgres_conv_media_set,
    .conv_media_get = postgres_conv_media_get,
    .conv_media_delete = postgres_conv_media_delete,
    .conv_media_list = postgres_conv_media_list,
    STORE_INSIGHTS_OPS(PG_ENTRY)
    /* no snapshot_write / snapshot_load: the admin API answers 501 (use pg_dump) */
};
