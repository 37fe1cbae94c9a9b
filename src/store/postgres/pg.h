/* pg.h - what the pieces of the PostgreSQL backend share (private to src/store/postgres/): statements, the pool, the row adapter. */
#ifndef PARLEY_STORE_POSTGRES_PG_H
#define PARLEY_STORE_POSTGRES_PG_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/backend.h"
#include "store/count_cache.h"
#include "store/outbox.h"
#include "store/query.h"
#include "store/shape.h"

/* The backend is split by resource: conn.c (the pool, running statements,
 * transactions, the retry of store operations, migrations, open/close,
 * batches, the vtable), sql.c (the prepared statements' SQL), rows.c (the row
 * adapter), people.c (keys, organizations, users, teams), conversations.c
 * (one conversation: get, insert, archive, update, export), json_merge.c
 * (SQLite's json_patch merge, in C), lists.c (the list queries), logs.c
 * (workflow logs). Internal names carry the prefix pg_; the vtable entries
 * postgres_ (their names are what failures are logged under). Only
 * store_postgres_open (backend.h) is meant for the rest of the program. */

/* ---- statements -------------------------------------------------------------- */

enum {
    P_KEY_LOOKUP,
    P_KEY_TOUCH,
    P_KEY_INSERT,
    P_KEY_REVOKE,
    P_KEY_GET,
    P_KEY_LIST,
    P_ORG_INSERT,
    P_ORG_BY_UUID,
    P_ORG_BY_NAME,
    P_ORG_DEFAULT_TEAM,
    P_TEAM_INSERT,
    P_TEAM_BY_UUID,
    P_TEAM_BY_NAME,
    P_TEAM_GET,
    P_TEAM_LIST,
    P_TEAM_MEMBERS,
    P_USER_TEAMS,
    P_USER_INSERT,
    P_MEMBER_INSERT,
    P_USER_BY_UUID,
    P_USER_BY_EMAIL,
    P_USER_ADMIN,
    P_USER_LIST,
    P_USER_LIST_ALL,
    /* organization administration (people_admin.c), snippets (snippets.c), the library (library.c) */
    P_ORG_GET,
    P_ORG_LOCK,
    P_USER_UPDATE,
    P_ADMIN_COUNT,
    P_MEMBER_DELETE,
    P_MEMBER_COUNT,
    P_USER_SET_PRIMARY,
    P_USER_FIX_PRIMARY,
    P_USER_DELETE,
    P_USER_KEYS_REVOKE,
    P_USER_MEMBERS_DELETE,
    P_TEAM_RENAME,
    P_TEAM_SET_PARENT,
    P_TEAM_ANCESTOR,
    P_SNIPPET_INSERT,
    P_SNIPPET_BY_CODE,
    P_FOLDER_BY_PATH,
    P_FOLDER_INSERT,
    P_FOLDER_GET,
    P_FOLDER_CHILDREN,
    /* Ask Attention, scorecards, history (ask.c, scorecards.c, gi_history.c) */
    P_ASK_INDEX,
    P_ASK_DEAL_INSERT,
    P_ASK_CONV,
    P_ASK_DEAL,
    P_ASK_SEGS,
    P_SC_INSERT,
    P_SC_UPDATE,
    P_SC_GET,
    P_SC_PAGE,
    P_SCI_INSERT,
    P_SCI_UPDATE,
    P_SCI_DELETE,
    P_SCI_GET,
    P_SCI_LIST,
    P_SCR_CONV,
    P_SCR_INSERT,
    P_SCR_ITEM_INSERT,
    P_SCR_DAILY,
    P_GI_INSERT,
    P_GI_PAGE,
    P_CONV_INSERT,
    P_LOG_INSERT,
    P_LOG_FAIL,
    P_CONV_REWRITE,
    P_CONV_GET,
    P_CONV_GET_EXT,
    P_CONV_STATE,
    P_CONV_SET_ARCHIVED,
    P_CONV_EXT_UUID,
    P_CONV_EACH,
    /* webhooks.c: endpoints, the outbox, the delivery worker's reads and writes */
    P_WH_SUBS,
    P_WH_EVENT_INSERT,
    P_WH_FANOUT,
    P_WH_RUN,
    P_WH_EVENT_DROP,
    P_WH_ORG_ENDPOINTS,
    P_WH_ORG_LOCK,
    P_WH_INSERT,
    P_WH_LIST,
    P_WH_GET,
    P_WH_DROP_EVENTS,
    P_WH_DELETE,
    P_WH_DELIVERIES,
    P_WH_DUE,
    P_WH_WINDOW,
    P_WH_RECORD,
    P_WH_PRUNE,
    P_WH_LOCK,
    P_WH_UNLOCK,
    P_WH_BACKLOG,
    P__COUNT
};

/* SQL of each prepared statement (sql.c); complete once pg_sql_init has run. */
extern const char *pg_sql[P__COUNT];

/* Builds the generated statements; run once per process (pthread_once). Can't fail. */
void pg_sql_init(void);
/* Sets the SQL of the P_WH_* statements (webhooks.c; called by pg_sql_init). */
void pg_webhooks_sql_init(void);

/* ---- the conversation statements (sql.c, from store_conv_cols) -------------------------- */

/* "c.uuid, …, c.transcript_text, u.email AS user_email, …" (written once by pg_sql_init). */
extern char pg_conv_select[4096];

/* ---- stores, connections, the pool (conn.c) ---------------------------------------- */

/* One pooled connection. `busy` and `pc` creation are guarded by the store's
 * mutex; everything else belongs to the thread that checked it out. */
typedef struct pg_conn {
    PGconn *pc;                /* NULL until first connected; owned */
    bool busy;                 /* checked out */
    bool prepared[P__COUNT];
    int depth;                 /* nested store calls of the holding thread */
    int tx;                    /* open transaction levels: 0 none, 1 BEGIN, >1 savepoints */
    bool batch;                /* a store_batch_begin transaction is open */
    bool lost;                 /* the connection broke during the current operation */
    bool retry;                /* the transaction was aborted by a serialization failure or deadlock */
    bool committing;           /* a COMMIT (or an autocommit write) was sent: a failure may have committed */
    bool called_back;          /* a callback ran during the current operation */
    bool events;               /* the open transaction wrote outbox events (webhooks.c) */
} pg_conn_t;

typedef struct pg_store {
    store_t base;              /* the vtable; must stay first */
    uint64_t id;               /* unique per store_open in this process; keys the thread-local slot */
    char *conninfo;            /* owned */
    store_durability_t durability;
    int version;
    int npool;
    pg_conn_t *pool;           /* npool connections; owned */
    pthread_mutex_t mu;        /* guards pool[].busy and connecting */
    pthread_cond_t cv;         /* signalled on checkin */
    atomic_uint_fast64_t commits; /* write transactions committed through this store (see pg_counts_maybe_compact) */
    pg_conn_t wh;              /* the webhook delivery worker's own session, outside the pool (webhooks.c) */
    store_count_cache_t *counts; /* filtered lists' counts by snapshot (lists.c); owned, NULL: none */
} pg_store_t;

void pg_log(const char *fn, PGconn *pc, const PGresult *res);
int pg_connect(pg_store_t *st, pg_conn_t *c, char *err, size_t errlen);
PGresult *pg_exec(pg_conn_t *c, int id, int n, const char *const *vals, const int *lens, const int *fmts,
                  char state[6], const char *fn);
PGresult *pg_q(pg_conn_t *c, int id, int n, const char *const *vals, char state[6], const char *fn);
PGresult *pg_exec_sql(pg_conn_t *c, const char *sql, int n, const char *const *vals, const char *fn);

/* transactions */
/* Outside any transaction only: starts a read-only REPEATABLE READ transaction
 * (one snapshot for every statement until pg_tx_rollback ends it) and copies
 * that snapshot's text (pg_current_snapshot: xmin:xmax:in-progress xids) to
 * snap. Two transactions with the same text see the same data. STORE_ERROR
 * (logged) when it could not; then no transaction is open. */
store_rc_t pg_read_snapshot(pg_conn_t *c, buf_t *snap, const char *fn);
store_rc_t pg_tx_begin(pg_conn_t *c, const char *fn);
void pg_tx_rollback(pg_conn_t *c);
store_rc_t pg_tx_commit(pg_conn_t *c, const char *fn);
store_rc_t pg_tx_end(pg_conn_t *c, store_rc_t r, const char *fn);

/* Runs the C step a migration names with a `-- @step NAME` line, on pc
 * inside the migration's transaction (upgrade.c). Returns 0, or -1 with why in err. */
int pg_upgrade_step(PGconn *pc, const char *name, char *err, size_t errlen);

/* One store operation: body(c, arg) on a pooled connection (pg_run retries it
 * once on a lost connection). */
typedef store_rc_t (*pg_body_t)(pg_conn_t *c, void *arg);
store_rc_t pg_run(pg_store_t *st, pg_body_t body, void *arg, const char *fn);
/* pg_run of body inside one transaction (BEGIN, or a savepoint when one is
 * open): committed when body answers STORE_OK, else rolled back and its
 * answer returned (pg_tx_end); BEGIN and COMMIT are logged under fn. */
store_rc_t pg_run_tx(pg_store_t *st, pg_body_t body, void *arg, const char *fn);

/* ---- the row adapter (rows.c) ------------------------------------------------------ */

void pg_out_uuid(uuid_str_t dst, const char *src);
void pg_copy(const PGresult *res, int row, int col, char *dst, size_t cap);
int64_t pg_int(const PGresult *res, int row, int col);
bool pg_bool(const PGresult *res, int row, int col);
bool pg_utf8_ok(const char *s);
bool pg_utf8_all(const char *const *texts, size_t n);
const char *pg_i64(char *buf, int64_t v);

/* A row function: reads row `row` of res (into out, or whatever it stands
 * for) and gives the answer of the lookup (STORE_OK for a plain copy). */
typedef store_rc_t (*pg_row_fn)(const PGresult *res, int row, void *out);

/* What pg_row_into copies a row into. */
typedef struct pg_into {
    const store_shape_t *shape;
    void *out;
} pg_into_t;

void pg_read(const PGresult *res, int row, int col0, const store_shape_t *sh, void *out);
store_rc_t pg_row_into(const PGresult *res, int row, void *arg);
store_rc_t pg_one(PGresult *res, pg_row_fn row, void *arg);
store_rc_t pg_lookup(pg_conn_t *c, int id, int n, const char *const *vals, const store_shape_t *sh, void *out,
                     const char *fn);
store_rc_t pg_get(pg_store_t *st, int id, const char *p1, const char *p2, const store_shape_t *sh, void *out,
                  const char *fn);
store_rc_t pg_get_uuid(pg_store_t *st, int id, const char *org, const char *key, const store_shape_t *sh, void *out,
                       const char *fn);
store_rc_t pg_one_int(pg_conn_t *c, int id, int n, const char *const *vals, int64_t *v, const char *fn);
store_rc_t pg_write(pg_conn_t *c, int id, int n, const char *const *vals, const int *lens, const int *fmts,
                    bool want_row, const char *fn);

/* One write statement with text parameters (pg_vals_write_body). */
typedef struct pg_vals_arg {
    int id;                    /* statement */
    int n;
    const char *vals[6];
    bool want_row;             /* NOT_FOUND when no row changed */
    bool in_tx;                /* run inside a transaction (not idempotent) */
} pg_vals_arg_t;
store_rc_t pg_vals_write_body(pg_conn_t *c, void *arg);


store_rc_t pg_rows(pg_conn_t *c, PGresult *res, int col0, const store_cbs_t *cb, void *ctx);

/* A list read: statement id with text parameters, then pg_rows. */
typedef struct pg_rows_arg {
    int id;
    int n;
    const char *vals[4];
    store_cbs_t cb;
    void *ctx;
    int check;                 /* statement that must return a row first (NOT_FOUND otherwise), or -1 */
    int check_n;
    const char *fn;            /* logged as; NULL: "postgres list" */
} pg_rows_arg_t;
store_rc_t pg_rows_body(pg_conn_t *c, void *arg);
store_rc_t pg_one_body(pg_conn_t *c, void *arg);

/* ---- the library (library.c) ---------------------------------------------------------- */

/* Makes sure folder path ("/a/b"; "/" is the root: "" goes to out) exists in
 * the library of org and owner, inside the caller's transaction, creating the
 * missing folders as user's at now_ms; the last is hidden when hidden. Its
 * uuid (or "") goes to out. */
store_rc_t pg_folder_ensure(pg_conn_t *c, const char *org, const char *owner, const char *path, const char *user,
                            bool hidden, int64_t now_ms, uuid_str_t out, const char *fn);

/* ---- list queries (lists.c) --------------------------------------------------------- */

/* One statement whose row 0 carries a count and whose columns from 1 are a
 * page (pg_list_body). */
typedef struct pg_list_arg {
    const char *sql;
    const store_query_t *q;    /* a STORE_Q_POSTGRES query: its parameters */
    int64_t *total;
    store_cbs_t cb;               /* .conv or .log (or none: only the count) */
    void *ctx;
    const char *fn;            /* logged as */
} pg_list_arg_t;
store_rc_t pg_list_body(pg_conn_t *c, void *arg);

/* ---- the transactional outbox (webhooks.c; same contracts as sq_outbox_* of SQLite) ------- */

store_rc_t pg_outbox_add(pg_conn_t *c, const char *org, const char *conv, int64_t mask);
/* The pending deliveries of every endpoint (the backlog /metrics shows) into
 * *n; STORE_ERROR (logged) when the count fails. */
store_rc_t pg_webhook_backlog(pg_conn_t *c, int64_t *n);
store_rc_t pg_outbox_change(pg_conn_t *c, const char *org, const char *conv, const conv_update_t *u,
                            store_outbox_pre_t *pre, store_rc_t r);

/* ---- the vtable entries (same contracts as store.h) --------------------------------- */

/* postgres_OP for every entry OP of the vtable: close, schema_version and
 * the batches in conn.c; keys, organizations, users and teams in people.c;
 * one conversation in conversations.c; conv_list in lists.c; the workflow
 * logs in logs.c. */
#define PG_FN(op) STORE_BACKEND_FN(op, postgres_##op);
STORE_VTABLE_OPS(PG_FN)
/* organization administration (people_admin.c), snippets (snippets.c), the library (library.c) */
STORE_VTABLE_OPS_ADMIN_LIBRARY(PG_FN)
/* the admin API's operations (admin.c) */
PG_FN(org_delete)
PG_FN(reset)
PG_FN(stats)
/* media (media.c) */
PG_FN(media_secret)
PG_FN(conv_media_set)
PG_FN(conv_media_get)
PG_FN(conv_media_delete)
PG_FN(conv_media_list)
/* Ask Attention, scorecards, history (ask.c, scorecards.c, gi_history.c) */
STORE_INSIGHTS_OPS(PG_FN)

/* Inside the caller's transaction, the row of conversation id locked (FOR
 * UPDATE) and scope sc allowed to change it: reads the row, applies u
 * (update_apply), writes it back whole with its document rebuilt
 * (conv_store_prepare), and logs u->workflow_name at now. The update path of
 * every conversation change (conversations.c, scorecards.c). STORE_OK, or
 * another answer (logged under fn) after which the caller rolls back. */
store_rc_t pg_conv_rewrite(pg_conn_t *c, const store_scope_t *sc, const char *id, const conv_update_t *u, int64_t now,
                           const char *fn);

/* ask.c: indexes the transcript segments of conv inside the transaction that
 * imports it. */
store_rc_t pg_ask_index(pg_conn_t *c, const conv_t *conv, const char *fn);

#endif
