/* conn.c - the SQLite backend of the store interface (store.h): per-thread connections, cached statements, transactions, group commit, migrations, open and close. */
#include "store/sqlite/sq.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ptime.h"
#include "lib/strutil.h"
#include "store/migrations.h"

#define SQ_BUSY_TIMEOUT_MS 5000
#define SQ_CACHE_KIB 8192
#define SQ_TLS_SLOTS 4

/* ---- stores and connections ------------------------------------------------ */

static const store_vtable_t sqlite_vtable;
static pthread_once_t sq_sql_once = PTHREAD_ONCE_INIT;

static atomic_uint_fast64_t sq_next_store_id;

/* Per-thread cache of (store id → this thread's connection). Ids are never
 * reused, so a slot left by a closed store never matches again. */
typedef struct sq_tls_slot {
    uint64_t store_id;
    sq_conn_t *conn;
} sq_tls_slot_t;
static __thread sq_tls_slot_t sq_tls[SQ_TLS_SLOTS];
static __thread unsigned sq_tls_next;

/* Logs a failed SQLite call of function fn (message only; never values). */
void sq_log(sqlite3 *db, const char *fn, int rc)
{
    fprintf(stderr, "parley: store %s: %s (sqlite %d)\n", fn, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
}

/* Finalizes c's statements, closes its database and frees c. NULL is fine. */
static void sq_conn_free(sq_conn_t *c)
{
    if (!c)
        return;
    for (int i = 0; i < S__COUNT; i++)
        sqlite3_finalize(c->stmts[i]);
    for (int i = 0; i < SQ_DYN_SLOTS; i++)
        sqlite3_finalize(c->dyn[i]);
    sq_outbox_conn_free(c);
    sq_titles_free(c);
    sq_doc_bufs_free(c);
    if (c->db && sqlite3_close(c->db) != SQLITE_OK)
        sq_log(c->db, __func__, SQLITE_BUSY);
    free(c);
}

/* Opens a connection to st's database with the per-connection settings.
 * Returns a new connection owned by the caller, or NULL with why in err. */
static sq_conn_t *sq_conn_open(sq_store_t *st, char *err, size_t errlen)
{
    sq_conn_t *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->owner = pthread_self();
    c->store = &st->base;
    int rc = sqlite3_open_v2(st->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", st->path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sq_conn_free(c);
        return NULL;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, SQ_BUSY_TIMEOUT_MS);
    char pragmas[160];
    snprintf(pragmas, sizeof(pragmas), "PRAGMA foreign_keys = ON; PRAGMA synchronous = %s; PRAGMA cache_size = -%d;",
             st->durability == STORE_DURABILITY_NORMAL ? "NORMAL" : "FULL", SQ_CACHE_KIB);
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sq_lists_functions(c->db);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot configure database %s: %s", st->path, sqlite3_errmsg(c->db));
        sq_conn_free(c);
        return NULL;
    }
    checkpointer_attach(st->ckpt, c->db);
    return c;
}

/* Remembers c as the calling thread's connection to st. */
static void sq_tls_put(sq_store_t *st, sq_conn_t *c)
{
    for (int i = 0; i < SQ_TLS_SLOTS; i++) {
        if (sq_tls[i].store_id == 0) {
            sq_tls[i].store_id = st->id;
            sq_tls[i].conn = c;
            return;
        }
    }
    unsigned i = sq_tls_next++ % SQ_TLS_SLOTS;
    sq_tls[i].store_id = st->id;
    sq_tls[i].conn = c;
}

/* The calling thread's connection to st, made on first use. The store owns
 * it. Returns NULL (logged) when it cannot be opened. */
sq_conn_t *sq_conn(sq_store_t *st)
{
    if (!st)
        return NULL;
    for (int i = 0; i < SQ_TLS_SLOTS; i++)
        if (sq_tls[i].store_id == st->id)
            return sq_tls[i].conn;

    pthread_t self = pthread_self();
    pthread_mutex_lock(&st->mu);
    sq_conn_t *c = st->conns;
    while (c && !pthread_equal(c->owner, self))
        c = c->next;
    if (!c) {
        char err[512];
        c = sq_conn_open(st, err, sizeof(err));
        if (c) {
            c->next = st->conns;
            st->conns = c;
        } else {
            fprintf(stderr, "parley: store: %s\n", err);
        }
    }
    pthread_mutex_unlock(&st->mu);
    if (c)
        sq_tls_put(st, c);
    return c;
}

/* Returns the cached statement id of c, ready to bind. When the cached one is
 * in use further up the stack (a callback calling back into the store), a
 * fresh statement is prepared instead; sq_put finalizes it. NULL (logged) on
 * failure. */
sqlite3_stmt *sq_stmt(sq_conn_t *c, int id, const char *fn)
{
    sqlite3_stmt *s = c->stmts[id];
    if (s && !sqlite3_stmt_busy(s))
        return s;
    sqlite3_stmt *n = NULL;
    int rc = sqlite3_prepare_v3(c->db, sq_sql[id], -1, s ? 0 : SQLITE_PREPARE_PERSISTENT, &n, NULL);
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sqlite3_finalize(n);
        return NULL;
    }
    if (!s)
        c->stmts[id] = n;
    return n;
}

/* Releases a statement from sq_stmt: resets the cached one (dropping its
 * bindings, which may point into caller memory) or finalizes a fresh one. */
void sq_put(sq_conn_t *c, int id, sqlite3_stmt *s)
{
    if (!s)
        return;
    if (s == c->stmts[id]) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    } else {
        sqlite3_finalize(s);
    }
}

/* Runs cached statement id, which returns no rows. Returns the SQLite code
 * (SQLITE_DONE on success); failures are logged under fn. */
int sq_exec(sq_conn_t *c, int id, const char *fn)
{
    sqlite3_stmt *s = sq_stmt(c, id, fn);
    if (!s)
        return SQLITE_ERROR;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        sq_log(c->db, fn, rc);
    sq_put(c, id, s);
    return rc;
}

/* Binds text v (NULL binds NULL). The caller keeps v alive until sq_put. */
int sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

/* Copies a text column into dst (capacity cap), "" for NULL, truncating. */
void sq_copy_col(sqlite3_stmt *s, int i, char *dst, size_t cap)
{
    const char *v = (const char *)sqlite3_column_text(s, i);
    str_copy(dst, cap, v);
}

bool sq_is_unique_violation(int rc)
{
    return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

/* ---- transactions ------------------------------------------------------------ */

/* sq_tx_begin for an import: leaves the titles deferred by the batch's
 * earlier imports where they are (an import only adds rows, so the title
 * index may lag behind it until the batch commits). */
store_rc_t sq_tx_begin_import(sq_conn_t *c, const char *fn)
{
    return sq_exec(c, c->batch ? S_SAVEPOINT : S_BEGIN_WRITE, fn) == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* Starts a write transaction: BEGIN IMMEDIATE (waits for the write lock up to
 * the busy timeout), or a savepoint inside an open batch, after putting the
 * batch's deferred titles in the title index (any write but an import may
 * read or change those entries: a retitle, a deletion). */
store_rc_t sq_tx_begin(sq_conn_t *c, const char *fn)
{
    if (sq_titles_flush(c, fn) != STORE_OK)
        return STORE_ERROR;
    return sq_tx_begin_import(c, fn);
}

/* Runs cached statement id of a rollback, ignoring its result. */
static void sq_exec_quiet(sq_conn_t *c, int id)
{
    sqlite3_stmt *s = sq_stmt(c, id, "sq_tx_rollback");
    if (s) {
        sqlite3_step(s);
        sq_put(c, id, s);
    }
}

/* Undoes the work since sq_tx_begin. Errors are ignored (SQLite may already
 * have rolled back after an I/O error). */
void sq_tx_rollback(sq_conn_t *c)
{
    if (c->batch) {
        sq_exec_quiet(c, S_ROLLBACK_TO);
        sq_exec_quiet(c, S_RELEASE);
    } else {
        c->events = false;
        sq_titles_clear(c);
        if (!sqlite3_get_autocommit(c->db))
            sq_exec_quiet(c, S_ROLLBACK);
    }
}

/* Commits the work since sq_tx_begin (or releases the savepoint). On failure
 * rolls back and returns STORE_ERROR. */
store_rc_t sq_tx_commit(sq_conn_t *c, const char *fn)
{
    if (sq_exec(c, c->batch ? S_RELEASE : S_COMMIT, fn) == SQLITE_DONE) {
        if (!c->batch)
            sq_outbox_committed(c);
        return STORE_OK;
    }
    sq_tx_rollback(c);
    return STORE_ERROR;
}

/* Ends the work since sq_tx_begin: commits when r is STORE_OK (returning the
 * commit's answer), else rolls back and returns r. */
store_rc_t sq_tx_end(sq_conn_t *c, store_rc_t r, const char *fn)
{
    if (r == STORE_OK)
        return sq_tx_commit(c, fn);
    sq_tx_rollback(c);
    return r;
}

/* Opens a read transaction (one snapshot for several statements) unless a
 * batch or another transaction is open; *in_tx says whether it did. False
 * (logged) when BEGIN fails. Pair with sq_read_end. */
bool sq_read_begin(sq_conn_t *c, bool *in_tx, const char *fn)
{
    *in_tx = !c->batch && sqlite3_get_autocommit(c->db);
    if (*in_tx && sq_exec(c, S_BEGIN_READ, fn) != SQLITE_DONE) {
        *in_tx = false;
        return false;
    }
    return true;
}

/* Ends the read transaction of sq_read_begin, when it opened one. */
void sq_read_end(sq_conn_t *c, bool in_tx, const char *fn)
{
    if (in_tx && sq_exec(c, S_COMMIT, fn) != SQLITE_DONE)
        sq_tx_rollback(c);
}

/* ---- group commit ------------------------------------------------------------ */

/* Write operations run as jobs of st->group (group.c): the writer thread
 * opens one BEGIN IMMEDIATE, runs every queued job inside it (each job's
 * sq_tx_begin/sq_tx_commit become a savepoint, since the writer's connection
 * is in batch mode), and COMMITs once; every caller gets its answer only
 * after that COMMIT, so with synchronous=FULL an acknowledged write is on
 * disk, at one fsync per batch instead of one per write. A write function
 * is written as a job (store_rc_t fn(void *conn, void *arg), conn an
 * sq_conn_t) doing its own sq_tx_begin .. sq_tx_commit, and called through
 * sq_write. */

/* The writer thread's connection (its own, made on first use). */
static void *sq_group_conn(void *ctx)
{
    return sq_conn((sq_store_t *)ctx);
}

/* BEGIN IMMEDIATE of a batch. The first time, the writer's connection gets
 * temp_store = MEMORY: each job is a savepoint, and SQLite copies every page
 * a savepoint first changes into its sub-journal, a temporary file by
 * default. With the webhook outbox's rows a batch of archives wrote three
 * times as many pages through pwrite as it committed (perf stat of the
 * webhooks benchmark: 32 against 10 per archive). In memory, a sub-journal
 * holds only the pages one job changed that existed before it (new pages are
 * not copied) and is emptied at its RELEASE. */
static store_rc_t sq_group_begin(void *conn)
{
    sq_conn_t *c = conn;
    if (!c->writer) {
        if (sqlite3_exec(c->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL) != SQLITE_OK) {
            sq_log(c->db, __func__, sqlite3_errcode(c->db));
            return STORE_ERROR;
        }
        c->writer = true;
    }
    if (sq_exec(c, S_BEGIN_WRITE, __func__) != SQLITE_DONE)
        return STORE_ERROR;
    c->batch = true;
    return STORE_OK;
}

/* COMMIT; STORE_ERROR when it fails or when SQLite already ended the
 * transaction (an I/O error inside a job rolls everything back). */
static store_rc_t sq_group_commit(void *conn)
{
    sq_conn_t *c = conn;
    c->batch = false;
    if (sqlite3_get_autocommit(c->db) || sq_titles_flush(c, __func__) != STORE_OK)
        return STORE_ERROR;
    if (sq_exec(c, S_COMMIT, __func__) != SQLITE_DONE)
        return STORE_ERROR;
    sq_outbox_committed(c);
    return STORE_OK;
}

static void sq_group_rollback(void *conn)
{
    sq_conn_t *c = conn;
    c->batch = false;
    c->events = false;
    sq_titles_clear(c);
    if (!sqlite3_get_autocommit(c->db))
        sq_exec(c, S_ROLLBACK, __func__);
}

static const store_group_ops_t sq_group_ops = {
    .writer_conn = sq_group_conn,
    .begin = sq_group_begin,
    .commit = sq_group_commit,
    .rollback = sq_group_rollback,
};

/* Runs the job j (an sq_job_t, which wraps it) unless its batch's
 * transaction is gone. */
store_rc_t sq_job_run(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    sq_job_t *j = arg;
    if (sqlite3_get_autocommit(c->db))
        return STORE_ERROR; /* an earlier job's I/O error rolled the batch back */
    return j->fn(conn, j->arg);
}

/* True when a write job must run on c, the calling thread's connection,
 * rather than through the group commit: no group, a batch or another
 * transaction open on c, or c is the writer thread's own. */
bool sq_write_inline(sq_store_t *st, sq_conn_t *c)
{
    return !st->group || c->batch || !sqlite3_get_autocommit(c->db) || store_group_is_writer(st->group);
}

/* Runs the write job fn(conn, arg) and returns its result once durable. On
 * the calling thread's own connection when a batch (store_batch_begin) or
 * another transaction is open there, or on the writer thread itself (a
 * callback writing again); through the group commit otherwise. */
store_rc_t sq_write(sq_store_t *st, store_group_fn fn, void *arg)
{
    sq_conn_t *c = sq_conn(st);
    if (!c)
        return STORE_ERROR;
    if (sq_write_inline(st, c))
        return fn(c, arg);
    sq_job_t j = {fn, arg};
    return store_group_run(st->group, sq_job_run, &j);
}

/* ---- open, close, migrations ---------------------------------------------- */

/* The highest version in the embedded migrations (0 when there are none). */
static int sq_known_version(void)
{
    int v = 0;
    for (const store_migration_t *m = store_sqlite_migrations; m->version; m++)
        if (m->version > v)
            v = m->version;
    return v;
}

/* Reads the highest recorded migration into *out. Returns SQLITE_OK or an error code. */
static int sq_read_version(sqlite3 *db, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT IFNULL(MAX(version), 0) FROM schema_migrations", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(s, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

/* Runs a migration's SQL: its parts in order, and between two parts the C
 * step the line `-- @step NAME` names (sq_upgrade_step). Returns SQLITE_OK,
 * or an error code (why in err when a step failed). */
static int sq_migration_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    static const char mark[] = "\n-- @step ";
    for (;;) {
        const char *at = strstr(sql, mark);
        if (!at)
            return sqlite3_exec(db, sql, NULL, NULL, NULL);
        char *part = strndup(sql, (size_t)(at - sql) + 1); /* owner: this function */
        if (!part)
            return SQLITE_NOMEM;
        int rc = sqlite3_exec(db, part, NULL, NULL, NULL);
        free(part);
        if (rc != SQLITE_OK)
            return rc;
        const char *name = at + sizeof mark - 1, *eol = strchr(name, '\n');
        char step[64];
        snprintf(step, sizeof step, "%.*s", (int)(eol ? eol - name : (long)strlen(name)), name);
        if (sq_upgrade_step(db, step, err, errlen) != 0)
            return SQLITE_ABORT;
        if (!eol)
            return SQLITE_OK;
        sql = eol + 1;
    }
}

/* Applies one migration in its own transaction unless another process did it
 * meanwhile. Returns 0, or -1 with why in err. */
static int sq_apply_migration(sqlite3 *db, const store_migration_t *m, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    rc = sqlite3_prepare_v2(db, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(s, 1, m->version);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        goto fail;
    if (rc == SQLITE_DONE) { /* not applied yet */
        char why[256] = "";
        rc = sq_migration_sql(db, m->sql, why, sizeof why);
        if (rc == SQLITE_ABORT) {
            snprintf(err, errlen, "migration %s failed: %s", m->name, why);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        if (rc != SQLITE_OK)
            goto fail;
        rc = sqlite3_prepare_v2(db, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, ?3)",
                                -1, &s, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int(s, 1, m->version);
            sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 3, ptime_now());
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            goto fail;
    }
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "migration %s failed: %s", m->name, sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Switches to WAL and brings the schema up to date. Returns 0 and sets
 * st->version, or -1 with why in err (a newer schema is refused). */
static int sq_migrate(sq_store_t *st, sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        snprintf(err, errlen, "cannot use database %s: %s", st->path, sqlite3_errmsg(db));
        sqlite3_finalize(s);
        return -1;
    }
    const char *mode = (const char *)sqlite3_column_text(s, 0);
    bool wal = mode && strcasecmp(mode, "wal") == 0;
    sqlite3_finalize(s);
    if (!wal) {
        snprintf(err, errlen, "cannot switch database %s to WAL mode", st->path);
        return -1;
    }

    rc = sqlite3_exec(db,
                      "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY,"
                      " name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                      NULL, NULL, NULL);
    int cur = 0;
    if (rc == SQLITE_OK)
        rc = sq_read_version(db, &cur);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot read schema version of %s: %s", st->path, sqlite3_errmsg(db));
        return -1;
    }
    int known = sq_known_version();
    if (cur > known) {
        snprintf(err, errlen,
                 "database %s has schema version %d, newer than this build of parley knows (%d); "
                 "use a newer parley",
                 st->path, cur, known);
        return -1;
    }
    for (const store_migration_t *m = store_sqlite_migrations; m->version; m++) {
        if (m->version <= cur)
            continue;
        if (sq_apply_migration(db, m, err, errlen) != 0)
            return -1;
    }
    if (sq_read_version(db, &cur) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read schema version of %s: %s", st->path, sqlite3_errmsg(db));
        return -1;
    }
    st->version = cur;
    return 0;
}

/* Creates the database file with mode 0600 when missing (SQLite gives its
 * -wal and -shm files the same mode). Returns 0, or -1 with why in err. */
static int sq_create_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open database file %s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* Accepts a file path, optionally prefixed "sqlite://". Creates the file
 * (0600), switches it to WAL, applies pending migrations each in its own
 * transaction and keeps the opening thread's connection. NULL + err on
 * failure, including a schema newer than this build. */
store_t *store_sqlite_open(const store_opts_t *opts, char *err, size_t errlen)
{
    if (!store_open_args(opts, &err, &errlen))
        return NULL;
    const char *path = opts->url;
    if (strncmp(path, "sqlite://", 9) == 0)
        path += 9;
    if (strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0) {
        snprintf(err, errlen, "PostgreSQL databases are not supported by this build (only SQLite files)");
        return NULL;
    }
    if (!path[0] || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0) {
        snprintf(err, errlen, "the database must be a file path, got \"%s\"", opts->url);
        return NULL;
    }
    pthread_once(&sq_sql_once, sq_sql_init);
    if (sq_create_file(path, err, errlen) != 0)
        return NULL;

    /* st owns path, mu and every connection; freed by store_close. */
    sq_store_t *st = calloc(1, sizeof(*st));
    if (!st || !(st->path = strdup(path))) {
        free(st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->base.vt = &sqlite_vtable;
    st->id = atomic_fetch_add(&sq_next_store_id, 1) + 1;
    st->durability = opts->durability;
    pthread_mutex_init(&st->mu, NULL);
    st->group = store_group_new(&sq_group_ops, st, 0); /* NULL (out of memory): writes run inline */
    st->counts = store_count_cache_new(0);             /* NULL (out of memory): counts run each time */
    st->paycache = sq_paycache_new();                  /* NULL (out of memory): deliveries render each time */

    sq_conn_t *c = sq_conn_open(st, err, errlen);
    if (!c) {
        sqlite_close(&st->base);
        return NULL;
    }
    st->conns = c;
    if (sq_migrate(st, c->db, err, errlen) != 0) {
        sqlite_close(&st->base);
        return NULL;
    }
    /* after the migrations (the WAL exists); connections opened from now on attach themselves */
    if (!(st->ckpt = checkpointer_new(st->path, st->durability != STORE_DURABILITY_NORMAL, err, errlen))) {
        sqlite_close(&st->base);
        return NULL;
    }
    checkpointer_attach(st->ckpt, c->db);
    sq_tls_put(st, c);
    return &st->base;
}

/* Closes every thread's connection; callers make sure no other thread is
 * still inside a store call. */
void sqlite_close(store_t *base)
{
    sq_store_t *st = (sq_store_t *)base;
    if (!st)
        return;
    store_group_free(st->group); /* runs what is queued, then stops the writer thread */
    st->group = NULL;
    store_count_cache_free(st->counts);
    st->counts = NULL;
    pthread_mutex_lock(&st->mu);
    sq_conn_t *c = st->conns;
    st->conns = NULL;
    pthread_mutex_unlock(&st->mu);
    while (c) {
        sq_conn_t *next = c->next;
        sq_conn_free(c);
        c = next;
    }
    checkpointer_free(st->ckpt); /* after the connections whose WAL hook points at it */
    st->ckpt = NULL;
    sq_paycache_free(st->paycache);
    st->paycache = NULL;
    for (int i = 0; i < SQ_TLS_SLOTS; i++)
        if (sq_tls[i].store_id == st->id)
            sq_tls[i] = (sq_tls_slot_t){0, NULL};
    pthread_mutex_destroy(&st->mu);
    free(st->path);
    free(st);
}

int sqlite_schema_version(store_t *base)
{
    sq_store_t *st = (sq_store_t *)base;
    return st ? st->version : 0;
}

/* ---- bulk loading ------------------------------------------------------------ */

/* BEGIN IMMEDIATE on the calling thread's connection: other writers wait
 * (busy timeout) until store_batch_end, so keep batches to loading. Nesting
 * is refused (STORE_ERROR). */
store_rc_t sqlite_batch_begin(store_t *base)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c)
        return STORE_ERROR;
    if (c->batch || !sqlite3_get_autocommit(c->db)) {
        fprintf(stderr, "parley: store %s: a transaction is already open on this thread\n", __func__);
        return STORE_ERROR;
    }
    if (sq_exec(c, S_BEGIN_WRITE, __func__) != SQLITE_DONE)
        return STORE_ERROR;
    c->batch = true;
    c->bulk = true;
    return STORE_OK;
}

/* COMMIT or ROLLBACK of the thread's batch; STORE_ERROR when none is open
 * or the commit fails (then everything is rolled back). */
store_rc_t sqlite_batch_end(store_t *base, bool commit)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c)
        return STORE_ERROR;
    if (!c->batch) {
        fprintf(stderr, "parley: store %s: no batch is open on this thread\n", __func__);
        return STORE_ERROR;
    }
    c->batch = false;
    c->bulk = false;
    if (commit && sq_titles_flush(c, __func__) == STORE_OK && sq_exec(c, S_COMMIT, __func__) == SQLITE_DONE)
        return STORE_OK;
    sq_titles_clear(c);
    if (!sqlite3_get_autocommit(c->db))
        sq_exec(c, S_ROLLBACK, __func__);
    return commit ? STORE_ERROR : STORE_OK;
}

/* ---- a request's snapshot ----------------------------------------------------- */

/* store_read_begin: sq_read_begin on the calling thread's connection (nothing
 * when a transaction is already open there). */
static bool sqlite_read_begin(store_t *base)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    bool opened = false;
    return c && sq_read_begin(c, &opened, __func__) && opened;
}

static void sqlite_read_end(store_t *base)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (c)
        sq_read_end(c, true, __func__);
}

#define SQ_ENTRY(op) .op = sqlite_##op,
static const store_vtable_t sqlite_vtable = {
    STORE_VTABLE_OPS(SQ_ENTRY)
    STORE_VTABLE_OPS_ADMIN_LIBRARY(SQ_ENTRY)
    .conv_insert_async = sqlite_conv_insert_async,
    .conv_set_archived_async = sqlite_conv_set_archived_async,
    .conv_render = sqlite_conv_render,
    .read_begin = sqlite_read_begin,
    .read_end = sqlite_read_end,
    .org_delete = sqlite_org_delete,
    .reset = sqlite_reset,
    .snapshot_write = sqlite_snapshot_write,
    .snapshot_load = sqlite_snapshot_load,
    .stats = sqlite_stats,
    .media_secret = sqlite_media_secret,
    .conv_media_set = sqlite_conv_media_set,
    .conv_media_get = sqlite_conv_media_get,
    .conv_media_delete = sqlite_conv_media_delete,
    .conv_media_list = sqlite_conv_media_list,
    STORE_INSIGHTS_OPS(SQ_ENTRY)
};
