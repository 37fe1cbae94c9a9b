/* sq.h - what the pieces of the SQLite backend share (private to src/store/sqlite/): statements, connections, the row adapter. */
#ifndef PARLEY_STORE_SQLITE_SQ_H
#define PARLEY_STORE_SQLITE_SQ_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/backend.h"
#include "store/checkpointer.h"
#include "store/count_cache.h"
#include "store/group.h"
#include "store/outbox.h"
#include "store/query.h"
#include "store/shape.h"

/* The backend is split by resource: conn.c (connections, statement cache,
 * transactions, group commit, migrations, open/close, the vtable), sql.c (the
 * cached statements' SQL), rows.c (the row adapter), people.c (keys,
 * organizations, users, teams), conversations.c (one conversation: get,
 * insert, archive, update, export), lists.c (the list queries), logs.c
 * (workflow logs), admin.c (the admin API's org delete, reset, snapshots). Internal names carry the prefix sq_; the vtable entries
 * sqlite_ (their names are what failures are logged under). Only
 * store_sqlite_open (backend.h) is meant for the rest of the program. */

#define SQ_DYN_SLOTS 32

/* ---- statements (SQL in sql.c) ---------------------------------------------- */

enum {
    S_BEGIN_WRITE,
    S_BEGIN_READ,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_KEY_LOOKUP,
    S_KEY_TOUCH,
    S_KEY_INSERT,
    S_KEY_REVOKE,
    S_ORG_INSERT,
    S_ORG_BY_UUID,
    S_ORG_BY_NAME,
    S_ORG_DEFAULT_TEAM,
    S_TEAM_INSERT,
    S_TEAM_BY_UUID,
    S_TEAM_BY_NAME,
    S_USER_INSERT,
    S_MEMBER_INSERT,
    S_USER_BY_UUID,
    S_USER_BY_EMAIL,
    S_USER_ADMIN,
    S_USER_LIST,
    S_USER_LIST_ALL,
    S_KEY_GET,
    S_KEY_LIST,
    S_TEAM_GET,
    S_TEAM_LIST,
    S_TEAM_MEMBERS,
    S_USER_TEAMS,
    /* organization administration (people_admin.c), snippets (snippets.c), the library (library.c) */
    S_ORG_GET,
    S_USER_UPDATE,
    S_ADMIN_COUNT,
    S_MEMBER_DELETE,
    S_MEMBER_COUNT,
    S_USER_SET_PRIMARY,
    S_USER_FIX_PRIMARY,
    S_USER_DELETE,
    S_USER_KEYS_REVOKE,
    S_USER_MEMBERS_DELETE,
    S_TEAM_RENAME,
    S_TEAM_SET_PARENT,
    S_TEAM_ANCESTOR,
    S_SNIPPET_INSERT,
    S_SNIPPET_BY_CODE,
    S_FOLDER_BY_PATH,
    S_FOLDER_INSERT,
    S_FOLDER_GET,
    S_FOLDER_CHILDREN,
    /* Ask Attention, scorecards, history (ask.c, scorecards.c, gi_history.c) */
    S_ASK_DOC_INSERT,
    S_ASK_DEAL_INSERT,
    S_ASK_SEG_INSERT,
    S_ASK_DOC_FINISH,
    S_ASK_FTS_FILL,
    S_ASK_CONV,
    S_ASK_DEAL,
    S_ASK_SEGS,
    S_ASK_RANGE,
    S_ASK_BODY,
    S_SC_INSERT,
    S_SC_UPDATE,
    S_SC_GET,
    S_SC_COUNT,
    S_SC_PAGE,
    S_SCI_INSERT,
    S_SCI_UPDATE,
    S_SCI_DELETE,
    S_SCI_GET,
    S_SCI_LIST,
    S_SCR_CONV,
    S_SCR_INSERT,
    S_SCR_ITEM_INSERT,
    S_SCR_DAILY,
    S_GI_INSERT,
    S_GI_COUNT,
    S_GI_PAGE,
    S_CONV_INSERT,
    S_BODY_INSERT,
    S_PART_INSERT,
    S_TITLE_FTS_INSERT,
    S_LOG_INSERT,
    S_CONV_GET,
    S_CONV_GET_EXT,
    S_CONV_GET_ROW,
    S_CONV_STATE,
    S_CONV_SET_ARCHIVED,
    S_CONV_EXT_UUID,
    S_CONV_REWRITE,
    S_BODY_REWRITE,
    S_LOG_FAIL,
    S_LOG_CHANGE,
    S_LIST_VERSION,
    /* webhooks.c: endpoints, the outbox, the delivery worker's reads and writes */
    S_WH_SUBS,
    S_WH_EVENT_INSERT,
    S_WH_FANOUT,
    S_WH_RUN,
    S_WH_EVENT_DROP,
    S_WH_ORG_ENDPOINTS,
    S_WH_COUNT,
    S_WH_INSERT,
    S_WH_LIST,
    S_WH_GET,
    S_WH_DROP_EVENTS,
    S_WH_DELETE,
    S_WH_DELIVERIES,
    S_WH_DUE,
    S_WH_WINDOW,
    S_WH_RECORD,
    S_WH_PRUNE,
    S_WH_BACKLOG,
    S_WH_LAZY_FIND,
    S_WH_LAZY_MARK,
    S_WH_LAZY_WALK,
    S_WH_FREEZE,
    S_WH_LAZY_OWNED,
    S_CONV_GET_OUTBOX,
    S__COUNT
};

/* SQL of each cached statement (sql.c); complete once sq_sql_init has run. */
extern const char *sq_sql[S__COUNT];

/* Builds the generated statements; run once per process (pthread_once). Can't fail. */
void sq_sql_init(void);
/* Sets the SQL of the S_WH_* statements (webhooks.c; called by sq_sql_init). */
void sq_webhooks_sql_init(void);

/* ---- the conversation statements (sql.c, from store_conv_cols) ---------------------- */

/* The FROM of every conversation read: the row, its body, its owner. */
#define SQ_CONV_FROM                                                                                                \
    " FROM conversations c JOIN conversation_bodies b ON b.id = c.id LEFT JOIN users u ON u.uuid = c.user_uuid"

/* "SELECT c.uuid, …, b.transcript_text, u.…" (written once by sq_sql_init). */
extern char sq_conv_select[4096];

/* ---- stores and connections (conn.c) ----------------------------------------- */

/* Titles of the conversations imported in a connection's open batch that are
 * not in conversation_title_fts yet (conversations.c): they go in together,
 * right before the batch commits or before any other write job begins, so
 * that FTS5 writes one index segment per batch instead of one per import. */
typedef struct sq_title {
    int64_t rowid;
    char *title; /* owned */
} sq_title_t;
typedef struct sq_titles {
    sq_title_t *v; /* owned, cap entries */
    size_t n, cap;
} sq_titles_t;

/* One sqlite3 connection, used only by the thread that made it. */
#define SQ_DOC_BUFS 2 /* a connection's document buffers (docs.c, sq_doc_buf_get) */

typedef struct sq_conn {
    sqlite3 *db;
    pthread_t owner;
    bool batch;                    /* a store_batch_begin transaction is open */
    bool writer;                   /* the group-commit writer's: temp_store = MEMORY is set (sq_group_begin) */
    sqlite3_stmt *stmts[S__COUNT]; /* cached, prepared on first use */
    sqlite3_stmt *dyn[SQ_DYN_SLOTS]; /* list queries (generated SQL), cached by text: direct-mapped */
    store_t *store;                /* the store it belongs to (store_events_committed) */
    bool bulk;                     /* a store_batch_begin batch (seed, load) is open: no outbox events */
    bool events;                   /* the open transaction wrote outbox events (webhooks.c) */
    struct sq_zip *zip;            /* webhooks.c's zstd contexts, made on first use; owned (sq_outbox_conn_free) */
    sq_titles_t titles;            /* imported in the open batch, not yet in the title index (conversations.c) */
    buf_t docs[SQ_DOC_BUFS];       /* packed documents unpacked by reads on c, kept for the next ones; owned (docs.c) */
    int ndocs;                     /* how many of docs are in use (a read inside a read's callback takes the next) */
    struct sq_conn *next;
} sq_conn_t;

typedef struct sq_store {
    store_t base;                  /* the vtable; must stay first */
    uint64_t id;                   /* unique per store_open in this process; keys the thread-local cache */
    char *path;                    /* owned */
    store_durability_t durability;
    int version;
    pthread_mutex_t mu;            /* guards conns */
    sq_conn_t *conns;              /* every connection of every thread; owned */
    store_group_t *group;          /* group commit of write transactions (sq_write); owned; NULL = inline */
    atomic_uint_fast64_t generation; /* moves when a restore replaces the data (admin.c; the caller's gate
                                        keeps lists out meanwhile): keys cached counts */
    store_count_cache_t *counts;   /* list counts by generation and list_version (lists.c); owned; NULL = none */
    checkpointer_t *ckpt;          /* WAL checkpoints off the commits; owned; NULL = SQLite's automatic ones */
    struct sq_paycache *paycache;  /* payloads rendered by replies, for the deliveries (webhooks.c); owned;
                                    * NULL = none (out of memory) */
} sq_store_t;

void sq_log(sqlite3 *db, const char *fn, int rc);
sq_conn_t *sq_conn(sq_store_t *st);
sqlite3_stmt *sq_stmt(sq_conn_t *c, int id, const char *fn);
void sq_put(sq_conn_t *c, int id, sqlite3_stmt *s);
int sq_exec(sq_conn_t *c, int id, const char *fn);
int sq_bind_text(sqlite3_stmt *s, int i, const char *v);
void sq_copy_col(sqlite3_stmt *s, int i, char *dst, size_t cap);
bool sq_is_unique_violation(int rc);

/* transactions */
store_rc_t sq_tx_begin(sq_conn_t *c, const char *fn);
store_rc_t sq_tx_begin_import(sq_conn_t *c, const char *fn);
void sq_tx_rollback(sq_conn_t *c);
store_rc_t sq_tx_commit(sq_conn_t *c, const char *fn);
store_rc_t sq_tx_end(sq_conn_t *c, store_rc_t r, const char *fn);
bool sq_read_begin(sq_conn_t *c, bool *in_tx, const char *fn);
void sq_read_end(sq_conn_t *c, bool in_tx, const char *fn);

/* group commit: a write job run by sq_write (or queued by an _async form) */
typedef struct sq_job {
    store_group_fn fn;
    void *arg;
} sq_job_t;
store_rc_t sq_job_run(void *conn, void *arg);
store_rc_t sq_write(sq_store_t *st, store_group_fn fn, void *arg);
bool sq_write_inline(sq_store_t *st, sq_conn_t *c);

/* ---- migrations' C steps (upgrade.c) ------------------------------------------------- */

/* Runs the C step a migration names with a `-- @step NAME` line, on db inside
 * the migration's transaction. Returns 0, or -1 with why in err. */
int sq_upgrade_step(sqlite3 *db, const char *name, char *err, size_t errlen);

/* ---- the row adapter (rows.c) ---------------------------------------------------- */

/* A row function: reads the current row of s (into out, or whatever it
 * stands for) and gives the answer of the lookup (STORE_OK for a plain copy). */
typedef store_rc_t (*sq_row_fn)(sqlite3_stmt *s, void *out);

/* What sq_row_into copies a row into. */
typedef struct sq_into {
    const store_shape_t *shape;
    void *out;
} sq_into_t;

/* One statement parameter: text (NULL binds NULL), a 64-bit integer, or a
 * blob of i bytes. Text and blobs are bound without copying. */
typedef struct sq_param {
    enum { SQ_P_TEXT, SQ_P_INT, SQ_P_BLOB } kind;
    const void *p;
    int64_t i;
} sq_param_t;
#define SQ_TEXT(v) ((sq_param_t){SQ_P_TEXT, (v), 0})
#define SQ_INT(v) ((sq_param_t){SQ_P_INT, NULL, (v)})
#define SQ_BLOB(v, n) ((sq_param_t){SQ_P_BLOB, (v), (n)})
#define SQ_NPARAMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* What a write's answer means (sq_done). */
typedef enum {
    SQ_EXEC,   /* STORE_OK once it ran */
    SQ_CHANGE, /* STORE_NOT_FOUND when it changed no row */
    SQ_INSERT, /* STORE_CONFLICT (not logged) on a unique violation */
} sq_how_t;

sqlite3_stmt *sq_bind(sq_conn_t *c, int id, const sq_param_t *p, int n, const char *fn);
sqlite3_stmt *sq_stmt2(sq_conn_t *c, int id, const char *p1, const char *p2, const char *fn);
store_rc_t sq_one_row(sq_conn_t *c, int id, sqlite3_stmt *s, sq_row_fn row, void *out, const char *fn);
bool sq_step_int(sq_conn_t *c, sqlite3_stmt *s, int64_t *v, const char *fn);
store_rc_t sq_one_int(sq_conn_t *c, int id, const char *p1, const char *p2, int64_t *n, const char *fn);
void sq_read(sqlite3_stmt *s, int col0, const store_shape_t *sh, void *out);
store_rc_t sq_row_into(sqlite3_stmt *s, void *arg);
/* What sq_row_call hands a row to: the set callback of cb, with ctx. */
typedef struct sq_call {
    const store_cbs_t *cb;
    void *ctx;
} sq_call_t;
store_rc_t sq_row_call(sqlite3_stmt *s, void *arg);
store_rc_t sq_get(sq_conn_t *c, int id, const char *p1, const char *p2, const store_shape_t *sh, void *out,
                  const char *fn);
store_rc_t sq_get_uuid(sq_conn_t *c, int id, const char *org, const char *key, const store_shape_t *sh, void *out,
                       const char *fn);
/* What sq_row_cbs hands a row to: the set callback of cb with ctx. */
typedef struct sq_cbs_at {
    store_cbs_t cb;
    void *ctx;
    buf_t *doc;                    /* a conversation row's document is unpacked here (sq_doc_buf_get); required
                                    * for .conv, else unused */
} sq_cbs_at_t;
store_rc_t sq_row_cbs(sqlite3_stmt *s, void *arg);
store_rc_t sq_rows(sq_conn_t *c, sqlite3_stmt *s, const store_cbs_t *cb, void *ctx, const char *fn);
store_rc_t sq_list(sq_conn_t *c, int id, const char *p1, const char *p2, store_cbs_t cb, void *ctx, const char *fn);
store_rc_t sq_resolve(sq_conn_t *c, int by_uuid, int by_name, const char *org, const char *key,
                      const store_shape_t *sh, void *out, const char *fn);
void sq_out_uuid(uuid_str_t dst, const char *src);
store_rc_t sq_done(sq_conn_t *c, int id, sqlite3_stmt *s, sq_how_t how, const char *fn);
store_rc_t sq_run(sq_conn_t *c, int id, sq_how_t how, const sq_param_t *p, int n, const char *fn);

/* What sq_row_fetch hands a conversation row to: cb with ctx, when the row is
 * visible in sc (NULL: no check). */
typedef struct sq_fetch {
    sq_conn_t *c;                  /* the connection of the read (its buffers hold an unpacked document) */
    const store_scope_t *sc;
    store_conv_cb cb;
    void *ctx;
} sq_fetch_t;
store_rc_t sq_row_fetch(sqlite3_stmt *s, void *out);   /* conversations.c */

/* ---- the stored documents, long ones packed (docs.c) --------------------------------- */

/* A conversation's stored document ("<slots>\n<document>", conv_store_prepare)
 * of SQ_DOC_PACK_MIN bytes or more is stored packed (LZ4) in a BLOB, a shorter
 * one as TEXT: a 50-segment transcript with its words makes a ~40 KB
 * document, ten pages written to the WAL and again by the checkpoint, which
 * packs to three; a typical document (~5 KB) is read and sent with no work. */
#define SQ_DOC_PACK_MIN 16384

/* The form of the stored document to write: packed (owned by the caller)
 * gets its packed form when it is long enough and shrinks, else is left
 * empty (store the text). 0, or -1 (logged) out of memory. */
int sq_doc_pack(const buf_t *stored, buf_t *packed);
/* Binds parameter k of s to the document: packed as a BLOB when it is not
 * empty, else stored's text. Both must outlive the statement's step. */
int sq_doc_bind(sqlite3_stmt *s, int k, const buf_t *stored, const buf_t *packed);
/* The document text of column col of s's row, unpacked into doc (owned by
 * the caller) when it is packed; *len its bytes. NULL (logged) when it cannot
 * be unpacked. Valid until the next step of s or change of doc. */
const char *sq_doc_text(sqlite3_stmt *s, int col, buf_t *doc, size_t *len);
/* sq_read of a row of store_shape_conv into out, its document unpacked into
 * doc (out->doc points into it or into the row). 0, or -1 (logged) when it
 * cannot be unpacked. */
int sq_read_conv(sqlite3_stmt *s, conv_t *out, buf_t *doc);
/* A buffer of c's for one document read (give it back with sq_doc_buf_put
 * once the row is done with): its memory is kept from read to read, since
 * allocating 40 KB for each read and freeing it made glibc return the pages
 * and fault them in again, ~35 µs a GET. A read inside a read's callback
 * gets the next one; past SQ_DOC_BUFS, a fresh one. Buffers are given back
 * in the reverse order they were taken (reads nest). NULL when out of memory. */
buf_t *sq_doc_buf_get(sq_conn_t *c);
void sq_doc_buf_put(sq_conn_t *c, buf_t *b);
/* Frees c's document buffers (at the connection's close). */
void sq_doc_bufs_free(sq_conn_t *c);

/* ---- the transactional outbox (webhooks.c) ----------------------------------------- */

/* Inside the caller's write transaction on c, after the change: writes the
 * events of mask (WEBHOOK_EV_* bits, in bit order) of conversation conv of
 * organization org, for every endpoint of org subscribed to it. Their data
 * (the conversation as GET renders it now) is left empty: the delivery
 * renders it, unless a later change freezes it first (sq_outbox_freeze).
 * Nothing (STORE_OK) when no endpoint is, or in a bulk batch. STORE_ERROR
 * (logged) otherwise. */
store_rc_t sq_outbox_add(sq_conn_t *c, const char *org, const char *conv, int64_t mask);
/* sq_outbox_add without the mark: the seq of the first event written goes
 * to *first (0 when none), and the caller stores it in the conversation's
 * column webhook_lazy_seq (if not 0) with the change's own UPDATE of the
 * row, which saves a write of it (the archive: S_CONV_SET_ARCHIVED). */
store_rc_t sq_outbox_events(sq_conn_t *c, const char *org, const char *conv, int64_t mask, int64_t *first);

/* Inside the caller's write transaction on c, before a change of
 * conversation conv of org: the events of conv whose data was left to be
 * rendered at delivery (sq_outbox_add) get it now, the conversation as GET
 * renders it before the change, so that every event keeps the state right
 * after its own change. They are found by the conversation's mark (set by
 * sq_outbox_add; 012_webhook_lazy_mark.sql), which the caller passes when
 * it read the row already (S_CONV_STATE), else SQ_OUTBOX_MARK_UNKNOWN:
 * then it is read. A mark of 0 costs nothing more, another one probe of
 * the events. STORE_ERROR (logged) when the render or the write fails. */
#define SQ_OUTBOX_MARK_UNKNOWN (-1)
store_rc_t sq_outbox_freeze(sq_conn_t *c, const char *org, const char *conv, int64_t mark);
/* sq_outbox_freeze for every conversation of org owned by user user (before
 * a change of the user's name, which GET shows with each of them). */
store_rc_t sq_outbox_freeze_owned(sq_conn_t *c, const char *org, const char *user);

/* After the change u of conversation conv (inside its transaction; pre
 * filled by store_outbox_before from the row before it), when r is
 * STORE_OK: writes conversation.updated, plus conversation.labels_changed
 * when u changed the labels, or (u->trigger) one
 * conversation.integration_triggered per endpoint to run. Frees pre;
 * returns r when r is not STORE_OK, else the outcome. */
store_rc_t sq_outbox_change(sq_conn_t *c, const char *org, const char *conv, const conv_update_t *u,
                            store_outbox_pre_t *pre, store_rc_t r);
/* After a commit on c: tells the store's listener when it wrote events. */
void sq_outbox_committed(sq_conn_t *c);
/* The pending deliveries of every endpoint (the backlog /metrics shows) into
 * *n; STORE_ERROR (logged) when the count fails. */
store_rc_t sq_webhook_backlog(sq_conn_t *c, int64_t *n);
/* Frees what the outbox keeps on c (its zstd contexts). */
void sq_outbox_conn_free(sq_conn_t *c);

/* The payloads of waiting events that a read rendered anyway (the
 * archive's reply, sqlite_conv_render), kept for the delivery, which then
 * need not read and render the conversation again. An entry is the
 * conversation's default render as a read saw it while its mark named the
 * event and the event still waited for its data; it is used only for that
 * event (its seq and id) and only by a window that sees the event still
 * waiting (why that is the state the delivery would render: webhooks.c).
 * Bounded: SQ_PAYCACHE_SLOTS entries, SQ_PAYCACHE_BYTES in all. */
typedef struct sq_paycache sq_paycache_t;
sq_paycache_t *sq_paycache_new(void);        /* NULL when out of memory */
void sq_paycache_free(sq_paycache_t *pc);    /* NULL: nothing */
/* Keeps json (len bytes) as the payload of event seq (id event_id), in
 * place of whatever its slot held. Nothing when it does not fit. */
void sq_paycache_offer(sq_paycache_t *pc, int64_t seq, const char *event_id, const char *json, size_t len);
/* The payload kept for event seq (id event_id) into out (NUL-terminated);
 * false when none is (out is then untouched) or memory ran out. */
bool sq_paycache_get(sq_paycache_t *pc, int64_t seq, const char *event_id, buf_t *out);
/* How many payloads a window took from pc since it was made. */
uint64_t sq_paycache_reused(sq_paycache_t *pc);
/* ---- the library (library.c) ---------------------------------------------------------- */

/* Makes sure folder path ("/a/b"; "/" is the root: "" goes to out) exists in
 * the library of org and owner, inside the caller's transaction, creating the
 * missing folders as user's at now_ms; the last is hidden when hidden. Its
 * uuid (or "") goes to out. */
store_rc_t sq_folder_ensure(sq_conn_t *c, const char *org, const char *owner, const char *path, const char *user,
                            bool hidden, int64_t now_ms, uuid_str_t out, const char *fn);

/* ---- list queries (lists.c) -------------------------------------------------------- */

/* Adds the SQL functions the list queries call (parley_title_has) to a new connection. */
int sq_lists_functions(sqlite3 *db);

/* Prepares sql and binds the first n parameters of q (a STORE_Q_SQLITE
 * query). NULL (logged) on failure; the caller finalizes the statement. */
sqlite3_stmt *sq_q_prepare(sq_conn_t *c, const char *sql, const store_query_t *q, size_t n, const char *fn);

/* ---- the vtable entries (same contracts as store.h) --------------------------------- */

/* sqlite_OP for every entry OP of the vtable: close, schema_version and
 * the batches in conn.c; keys, organizations, users and teams in people.c;
 * one conversation in conversations.c; conv_list in lists.c; the workflow
 * logs in logs.c. */
#define SQ_FN(op) STORE_BACKEND_FN(op, sqlite_##op);
STORE_VTABLE_OPS(SQ_FN)
/* organization administration (people_admin.c), snippets (snippets.c), the library (library.c) */
STORE_VTABLE_OPS_ADMIN_LIBRARY(SQ_FN)
SQ_FN(conv_insert_async)
SQ_FN(conv_set_archived_async)
SQ_FN(conv_render)
/* the admin API's operations (admin.c) */
SQ_FN(org_delete)
SQ_FN(reset)
SQ_FN(snapshot_write)
SQ_FN(snapshot_load)
SQ_FN(stats)
/* media (media.c) */
SQ_FN(media_secret)
SQ_FN(conv_media_set)
SQ_FN(conv_media_get)
SQ_FN(conv_media_delete)
SQ_FN(conv_media_list)
/* Ask Attention, scorecards, history (ask.c, scorecards.c, gi_history.c) */
STORE_INSIGHTS_OPS(SQ_FN)

/* Inside the caller's write transaction on conversation id (row rowid, whose
 * change scope sc may make; mark: its outbox mark, as for sq_outbox_freeze):
 * reads the row, applies u (update_apply), writes it back whole with its
 * document rebuilt (conv_store_prepare), and logs u->workflow_name at now.
 * The update path of every conversation change (conversations.c,
 * scorecards.c). STORE_OK, or another answer (logged under fn) after which
 * the caller rolls back. */
store_rc_t sq_conv_rewrite(sq_conn_t *c, const store_scope_t *sc, const char *id, int64_t rowid, int64_t mark,
                           const conv_update_t *u, int64_t now, const char *fn);

/* What an import's transcript holds for Ask Attention, measured on the
 * caller's thread (sq_ask_measure) so that the writer thread only writes it. */
#define SQ_ASK_NO_TRANSCRIPT (-1)
#define SQ_ASK_BAD_TRANSCRIPT (-2)
typedef struct sq_ask_pre {
    int nseg;       /* segments, or SQ_ASK_NO_TRANSCRIPT / SQ_ASK_BAD_TRANSCRIPT (does not parse) */
    int64_t nwords; /* the sum of ask_length over them */
} sq_ask_pre_t;

/* ask.c: fills pre for conv's transcript (parses it; no database). */
void sq_ask_measure(const conv_t *conv, sq_ask_pre_t *pre);
/* ask.c: indexes the transcript of conv (measured into pre) inside the write
 * transaction that imports it. */
store_rc_t sq_ask_index(sq_conn_t *c, const conv_t *conv, const sq_ask_pre_t *pre, const char *fn);

/* ---- titles deferred to the end of a batch (conversations.c) ----------------- */

/* Inserts c's deferred titles (sq_titles_t) into conversation_title_fts and
 * forgets them; nothing when there are none or the transaction is already
 * gone. STORE_ERROR (logged) when an insert fails: the caller's transaction
 * must then be rolled back. */
store_rc_t sq_titles_flush(sq_conn_t *c, const char *fn);
/* Forgets c's deferred titles (their transaction was rolled back). */
void sq_titles_clear(sq_conn_t *c);
/* Frees what sq_titles_t holds (c is being freed). */
void sq_titles_free(sq_conn_t *c);

#endif
