/* sqlite.c - the SQLite backend of the store interface (store.h): per-thread connections, cached statements, migrations. */
#include "store/backend.h"

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

#include "lib/buf.h"
#include "lib/ptime.h"
#include "store/checkpointer.h"
#include "store/count_cache.h"
#include "store/group.h"
#include "store/migrations.h"

/* Internal helpers carry the prefix sq_ (this backend); public ones store_. */

#define SQ_BUSY_TIMEOUT_MS 5000
#define SQ_CACHE_KIB 8192
#define SQ_TLS_SLOTS 4
#define SQ_DYN_SLOTS 32
#define SQ_FTS_PAGE_MAX 2000 /* filter[title] pages with at most this many matches are read from the trigram index */

/* ---- statements ------------------------------------------------------------ */

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
    S_KEY_GET,
    S_KEY_LIST,
    S_TEAM_GET,
    S_TEAM_LIST,
    S_TEAM_MEMBERS,
    S_USER_TEAMS,
    S_CONV_INSERT,
    S_BODY_INSERT,
    S_PART_INSERT,
    S_LOG_INSERT,
    S_CONV_GET,
    S_CONV_GET_EXT,
    S_CONV_GET_ROW,
    S_CONV_STATE,
    S_CONV_SET_ARCHIVED,
    S_CONV_EXT_UUID,
    S_CONV_UPD_ROW,
    S_CONV_UPD_BODY,
    S_LOG_FAIL,
    S_LOG_CHANGE,
    S_DATA_VERSION,
    S__COUNT
};

#define SQ_USER_COLS \
    "uuid, org_uuid, IFNULL(primary_team_uuid, ''), email, first_name, last_name, transcript_lang, role, created_at"
/* The same columns of users aliased u, and the columns of a team (sq_row_team). */
#define SQ_USER_COLS_U                                                                                             \
    "u.uuid, u.org_uuid, IFNULL(u.primary_team_uuid, ''), u.email, u.first_name, u.last_name, u.transcript_lang,"  \
    " u.role, u.created_at"
#define SQ_TEAM_COLS "t.uuid, t.org_uuid, IFNULL(t.parent_team_uuid, ''), t.name, IFNULL(t.domain, ''), t.created_at"
#define SQ_KEY_COLS "id, org_uuid, user_uuid, IFNULL(name, ''), last4, org_level, created_at, last_seen_at"

/* SQL of each cached statement. The conversation statements are generated
 * from sq_conv_cols by sq_sql_init (once per process). */
static const char *sq_sql[S__COUNT] = {
    [S_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [S_BEGIN_READ] = "BEGIN",
    [S_COMMIT] = "COMMIT",
    [S_DATA_VERSION] = "PRAGMA data_version",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT sq",
    [S_RELEASE] = "RELEASE sq",
    [S_ROLLBACK_TO] = "ROLLBACK TO sq",
    [S_KEY_LOOKUP] = "SELECT id, org_uuid, user_uuid, org_level, last_seen_at FROM api_keys"
                     " WHERE hash = ?1 AND revoked_at IS NULL",
    [S_KEY_TOUCH] = "UPDATE api_keys SET last_seen_at = ?2 WHERE id = ?1",
    [S_KEY_INSERT] = "INSERT INTO api_keys(id, org_uuid, user_uuid, name, hash, last4, org_level, created_at)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?3"
                     " WHERE id = ?1 AND org_uuid = ?2 AND revoked_at IS NULL",
    [S_ORG_INSERT] = "INSERT INTO organizations(uuid, name, default_team_uuid, created_at) VALUES (?1, ?2, ?3, ?4)",
    [S_ORG_BY_UUID] = "SELECT uuid FROM organizations WHERE uuid = ?1",
    [S_ORG_BY_NAME] = "SELECT uuid FROM organizations WHERE name = ?1",
    [S_ORG_DEFAULT_TEAM] = "SELECT IFNULL(o.default_team_uuid, (SELECT t.uuid FROM teams t WHERE t.org_uuid = o.uuid"
                           " ORDER BY t.created_at, t.uuid LIMIT 1)) FROM organizations o WHERE o.uuid = ?1",
    [S_TEAM_INSERT] = "INSERT INTO teams(uuid, org_uuid, name, parent_team_uuid, created_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_TEAM_BY_UUID] = "SELECT uuid FROM teams WHERE org_uuid = ?1 AND uuid = ?2",
    [S_TEAM_BY_NAME] = "SELECT uuid FROM teams WHERE org_uuid = ?1 AND name = ?2",
    [S_USER_INSERT] = "INSERT INTO users(uuid, org_uuid, email, first_name, last_name, primary_team_uuid, role,"
                      " created_at, transcript_lang) VALUES (?1, ?2, lower(?3), ?4, ?5, ?6, ?7, ?8, IFNULL(?9, 'en'))",
    [S_MEMBER_INSERT] = "INSERT OR IGNORE INTO team_members(team_uuid, user_uuid) VALUES (?1, ?2)",
    [S_USER_BY_UUID] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 AND uuid = ?2",
    [S_USER_BY_EMAIL] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 AND email = lower(?2)",
    [S_USER_ADMIN] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 AND role = 'admin'"
                     " ORDER BY created_at, uuid LIMIT 1",
    [S_USER_LIST] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 ORDER BY created_at, uuid",
    [S_KEY_GET] = "SELECT " SQ_KEY_COLS " FROM api_keys WHERE org_uuid = ?1 AND id = ?2 AND revoked_at IS NULL",
    [S_KEY_LIST] = "SELECT " SQ_KEY_COLS " FROM api_keys WHERE org_uuid = ?1 AND revoked_at IS NULL"
                   " AND (?2 IS NULL OR user_uuid = ?2) ORDER BY created_at, id",
    [S_TEAM_GET] = "SELECT " SQ_TEAM_COLS " FROM teams t WHERE t.org_uuid = ?1 AND t.uuid = ?2",
    [S_TEAM_LIST] = "SELECT " SQ_TEAM_COLS " FROM teams t WHERE t.org_uuid = ?1 ORDER BY t.created_at, t.uuid",
    [S_TEAM_MEMBERS] = "SELECT " SQ_USER_COLS_U " FROM team_members m JOIN users u ON u.uuid = m.user_uuid"
                       " WHERE m.team_uuid = ?2 AND u.org_uuid = ?1 ORDER BY u.created_at, u.uuid",
    [S_USER_TEAMS] = "SELECT " SQ_TEAM_COLS " FROM team_members m JOIN teams t ON t.uuid = m.team_uuid"
                     " WHERE m.user_uuid = ?2 AND t.org_uuid = ?1 ORDER BY t.created_at, t.uuid",
    [S_PART_INSERT] = "INSERT OR IGNORE INTO conversation_participants(conv_uuid, org_uuid, email)"
                      " SELECT ?1, ?2, lower(json_extract(p.value, '$.email'))"
                      " FROM json_each(CASE WHEN json_valid(?3) THEN ?3 ELSE '[]' END) AS p"
                      " WHERE p.type = 'object' AND json_type(p.value, '$.email') = 'text'"
                      " AND json_extract(p.value, '$.email') <> ''",
    [S_LOG_INSERT] = "INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                     " VALUES (?1, ?2, ?3, 1, NULL, ?4)",
    [S_CONV_STATE] = "SELECT user_uuid, is_private, archived, id FROM conversations WHERE uuid = ?1 AND org_uuid = ?2",
    /* by the row id S_CONV_STATE read: no second search of the uuid index */
    [S_CONV_SET_ARCHIVED] = "UPDATE conversations SET archived = ?2, archived_at = ?3 WHERE id = ?1",
    [S_CONV_EXT_UUID] = "SELECT uuid FROM conversations WHERE org_uuid = ?1 AND external_id = ?2",
    /* conversation changes (sqlite_conv_update): NULL parameters keep the
     * stored value; ?3 is a conv_privacy_change_t. */
    [S_CONV_UPD_ROW] = "UPDATE conversations SET title = IFNULL(?2, title),"
                       " is_private = CASE ?3 WHEN 0 THEN 0 WHEN 1 THEN 1 WHEN 2 THEN 1 - is_private"
                       " ELSE is_private END WHERE uuid = ?1",
    /* ?5 is merged key by key (each key's value replaced whole, not
     * patched): first a patch of nulls removes the keys, then ?5 adds them. */
    [S_CONV_UPD_BODY] = "UPDATE conversation_bodies SET labels_json = IFNULL(?2, labels_json),"
                        " linked_crm_json = IFNULL(?3, linked_crm_json),"
                        " external_opportunity_json = IFNULL(?4, external_opportunity_json),"
                        " confirmed_intel_json = CASE WHEN ?5 IS NULL THEN confirmed_intel_json ELSE"
                        " json_patch(json_patch(CASE WHEN json_valid(confirmed_intel_json)"
                        " AND json_type(confirmed_intel_json) = 'object' THEN confirmed_intel_json ELSE '{}' END,"
                        " (SELECT json_group_object(key, NULL) FROM json_each(?5))), ?5) END"
                        " WHERE id = (SELECT id FROM conversations WHERE uuid = ?1)",
    /* The entry of a change: its time is never older than the conversation's
     * last entry, so for one conversation newest-first is commit order even
     * when a writer read the clock before waiting for the write lock. */
    [S_LOG_CHANGE] = "INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                     " VALUES (?1, ?2, ?3, 1, NULL, MAX(?4, IFNULL((SELECT MAX(created_at) FROM workflow_logs"
                     " WHERE conversation_uuid = ?2), 0)))",
    /* A failure entry, only for a conversation of the organization (time as S_LOG_CHANGE). */
    [S_LOG_FAIL] = "INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                   " SELECT ?1, ?2, ?3, 0, ?4, MAX(?5, IFNULL((SELECT MAX(created_at) FROM workflow_logs"
                   " WHERE conversation_uuid = ?2), 0))"
                   " WHERE EXISTS (SELECT 1 FROM conversations WHERE uuid = ?2 AND org_uuid = ?1)",
};

/* ---- the conversation columns ---------------------------------------------- */

typedef enum { COL_UUID, COL_TEXT, COL_INT, COL_BOOL, COL_REAL } sq_col_kind_t;

typedef struct sq_col {
    const char *name;  /* column name = conv_t field name */
    sq_col_kind_t kind;
    size_t off;        /* offset of the field in conv_t */
    bool body;         /* in conversation_bodies (b), else in conversations (c) */
} sq_col_t;

#define SQ_COL(f, k) {#f, k, offsetof(conv_t, f), false}
#define SQ_BODY(f) {#f, COL_TEXT, offsetof(conv_t, f), true}

/* Every stored conv_t field, in the order of the SELECT list. The owner's
 * user_* fields are not columns: they come from a join with users. */
static const sq_col_t sq_conv_cols[] = {
    SQ_COL(uuid, COL_UUID),
    SQ_COL(org_uuid, COL_UUID),
    SQ_COL(user_uuid, COL_UUID),
    SQ_COL(team_uuid, COL_UUID),
    SQ_COL(created_at, COL_INT),
    SQ_COL(archived, COL_BOOL),
    SQ_COL(archived_at, COL_INT),
    SQ_COL(is_private, COL_BOOL),
    SQ_COL(is_internal, COL_BOOL),
    SQ_COL(is_empty, COL_BOOL),
    SQ_COL(referenceable, COL_BOOL),
    SQ_COL(import_status, COL_TEXT),
    SQ_COL(external_id, COL_TEXT),
    SQ_COL(finished_at, COL_INT),
    SQ_COL(live_started_at, COL_INT),
    SQ_COL(live_ended_at, COL_INT),
    SQ_COL(media_duration, COL_REAL),
    SQ_COL(video_uid, COL_TEXT),
    SQ_COL(video_status, COL_TEXT),
    SQ_COL(media_storage_status, COL_TEXT),
    SQ_COL(transcript_status, COL_TEXT),
    SQ_COL(crm_export_status, COL_TEXT),
    SQ_COL(deal_uuid, COL_TEXT),
    SQ_COL(email_template_id, COL_TEXT),
    SQ_COL(ext_intel_opp_id, COL_TEXT),
    SQ_COL(zoom_url, COL_TEXT),
    SQ_COL(gmeet_url, COL_TEXT),
    SQ_COL(teams_url, COL_TEXT),
    SQ_COL(webex_url, COL_TEXT),
    SQ_COL(application_name, COL_TEXT),
    SQ_COL(title, COL_TEXT),
    SQ_BODY(participants_json),
    SQ_BODY(participants_ext_json),
    SQ_BODY(attendees_json),
    SQ_BODY(bots_json),
    SQ_BODY(boards_json),
    SQ_BODY(talktracks_json),
    SQ_BODY(scorecards_json),
    SQ_BODY(external_opportunity_json),
    SQ_BODY(import_metadata_json),
    SQ_BODY(zoom_metadata_json),
    SQ_BODY(linked_crm_json),
    SQ_BODY(external_accounts_json),
    SQ_BODY(external_contacts_json),
    SQ_BODY(extracted_intel_json),
    SQ_BODY(confirmed_intel_json),
    SQ_BODY(labels_json),
    SQ_BODY(label_tags_na_json),
    SQ_BODY(deprecated_label_categories_json),
    SQ_BODY(transcript_v1_json),
    SQ_BODY(transcript_v2_json),
    SQ_BODY(transcript_text),
};
#define SQ_NCOLS ((int)(sizeof(sq_conv_cols) / sizeof(sq_conv_cols[0])))

/* The FROM of every conversation read: the row, its body, its owner. */
#define SQ_CONV_FROM                                                                                                \
    " FROM conversations c JOIN conversation_bodies b ON b.id = c.id LEFT JOIN users u ON u.uuid = c.user_uuid"

/* Generated SQL (static storage, written once by sq_sql_init). */
static char sq_conv_select[4096]; /* "SELECT c.uuid, …, b.transcript_text, u.…" */
static char sq_conv_insert_sql[2048];
static char sq_body_insert_sql[2048];
static char sq_conv_get_sql[4608];
static char sq_conv_get_ext_sql[4608];
static char sq_conv_get_row_sql[4608];
static pthread_once_t sq_sql_once = PTHREAD_ONCE_INIT;

/* Writes into dst (capacity cap, empty) the conversation SELECT, its FROM and where. */
static void sq_conv_sql(char *dst, size_t cap, const char *where)
{
    store_sql_cat(dst, cap, sq_conv_select);
    store_sql_cat(dst, cap, SQ_CONV_FROM);
    store_sql_cat(dst, cap, where);
}

/* Builds the conversation SELECT/INSERT SQL from sq_conv_cols. Can't fail. */
static void sq_sql_init(void)
{
    /* Before SQLite initializes: no global allocation statistics, which
     * otherwise take one process-wide mutex on every sqlite3_malloc of every
     * connection (the list profile showed it). MISUSE if already initialized. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    char values[2][512] = {"", ""}; /* "?, ?, …" of the two INSERTs */
    store_sql_cat(sq_conv_select, sizeof(sq_conv_select), "SELECT ");
    store_sql_cat(sq_conv_insert_sql, sizeof(sq_conv_insert_sql), "INSERT INTO conversations(");
    store_sql_cat(sq_body_insert_sql, sizeof(sq_body_insert_sql), "INSERT INTO conversation_bodies(id");
    store_sql_cat(values[1], sizeof(values[1]), "?");
    for (int i = 0; i < SQ_NCOLS; i++) {
        const sq_col_t *col = &sq_conv_cols[i];
        store_sql_cat(sq_conv_select, sizeof(sq_conv_select), col->body ? "b." : "c.");
        store_sql_cat(sq_conv_select, sizeof(sq_conv_select), col->name);
        store_sql_cat(sq_conv_select, sizeof(sq_conv_select), ", ");
        char *ins = col->body ? sq_body_insert_sql : sq_conv_insert_sql;
        size_t inscap = col->body ? sizeof(sq_body_insert_sql) : sizeof(sq_conv_insert_sql);
        char *val = values[col->body];
        if (val[0]) {
            store_sql_cat(ins, inscap, ", ");
            store_sql_cat(val, sizeof(values[0]), ", ");
        }
        store_sql_cat(ins, inscap, col->name);
        store_sql_cat(val, sizeof(values[0]), "?");
    }
    store_sql_cat(sq_conv_select, sizeof(sq_conv_select), "u.email, u.first_name, u.last_name, u.transcript_lang");
    store_sql_cat(sq_conv_insert_sql, sizeof(sq_conv_insert_sql), ") VALUES (");
    store_sql_cat(sq_conv_insert_sql, sizeof(sq_conv_insert_sql), values[0]);
    store_sql_cat(sq_conv_insert_sql, sizeof(sq_conv_insert_sql), ")");
    store_sql_cat(sq_body_insert_sql, sizeof(sq_body_insert_sql), ") VALUES (");
    store_sql_cat(sq_body_insert_sql, sizeof(sq_body_insert_sql), values[1]);
    store_sql_cat(sq_body_insert_sql, sizeof(sq_body_insert_sql), ")");

    sq_conv_sql(sq_conv_get_sql, sizeof(sq_conv_get_sql), " WHERE c.uuid = ?1 AND c.org_uuid = ?2");
    sq_conv_sql(sq_conv_get_ext_sql, sizeof(sq_conv_get_ext_sql), " WHERE c.external_id = ?1 AND c.org_uuid = ?2");
    sq_conv_sql(sq_conv_get_row_sql, sizeof(sq_conv_get_row_sql), " WHERE c.id = ?1");
    sq_sql[S_CONV_INSERT] = sq_conv_insert_sql;
    sq_sql[S_BODY_INSERT] = sq_body_insert_sql;
    sq_sql[S_CONV_GET] = sq_conv_get_sql;
    sq_sql[S_CONV_GET_EXT] = sq_conv_get_ext_sql;
    sq_sql[S_CONV_GET_ROW] = sq_conv_get_row_sql;
}

/* ---- stores and connections ------------------------------------------------ */

static const store_vtable_t sqlite_vtable;
static void sqlite_close(store_t *base);

/* One sqlite3 connection, used only by the thread that made it. */
typedef struct sq_conn {
    sqlite3 *db;
    pthread_t owner;
    bool batch;                    /* a store_batch_begin transaction is open */
    sqlite3_stmt *stmts[S__COUNT]; /* cached, prepared on first use */
    sqlite3_stmt *dyn[SQ_DYN_SLOTS]; /* list queries (generated SQL), cached by text: direct-mapped */
    atomic_uint_fast64_t *epoch;   /* the store's change epoch (sq_store.epoch) */
    int64_t data_version;          /* PRAGMA data_version when last observed (sq_observe) */
    bool dv_seen;
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
    atomic_uint_fast64_t epoch;    /* moves on every change seen or made (sq_epoch_bump): keys counts */
    store_count_cache_t *counts;   /* list counts of the current epoch; owned; NULL = no caching */
    checkpointer_t *ckpt;          /* WAL checkpoints off the commits; owned; NULL = SQLite's automatic ones */
} sq_store_t;

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
static void sq_log(sqlite3 *db, const char *fn, int rc)
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
    c->epoch = &st->epoch;
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
static sq_conn_t *sq_conn(sq_store_t *st)
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
static sqlite3_stmt *sq_stmt(sq_conn_t *c, int id, const char *fn)
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
static void sq_put(sq_conn_t *c, int id, sqlite3_stmt *s)
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
static int sq_exec(sq_conn_t *c, int id, const char *fn)
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
static int sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

/* Copies a text column into dst (capacity cap), "" for NULL, truncating. */
static void sq_copy_col(sqlite3_stmt *s, int i, char *dst, size_t cap)
{
    const char *v = (const char *)sqlite3_column_text(s, i);
    snprintf(dst, cap, "%s", v ? v : "");
}

static bool sq_is_unique_violation(int rc)
{
    return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

/* ---- transactions ------------------------------------------------------------ */

/* Starts a write transaction: BEGIN IMMEDIATE (waits for the write lock up to
 * the busy timeout), or a savepoint inside an open batch. */
static store_rc_t sq_tx_begin(sq_conn_t *c, const char *fn)
{
    return sq_exec(c, c->batch ? S_SAVEPOINT : S_BEGIN_WRITE, fn) == SQLITE_DONE ? STORE_OK : STORE_ERROR;
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
static void sq_tx_rollback(sq_conn_t *c)
{
    if (c->batch) {
        sq_exec_quiet(c, S_ROLLBACK_TO);
        sq_exec_quiet(c, S_RELEASE);
    } else if (!sqlite3_get_autocommit(c->db)) {
        sq_exec_quiet(c, S_ROLLBACK);
    }
}

/* Commits the work since sq_tx_begin (or releases the savepoint). On failure
 * rolls back and returns STORE_ERROR. */
static store_rc_t sq_tx_commit(sq_conn_t *c, const char *fn)
{
    if (sq_exec(c, c->batch ? S_RELEASE : S_COMMIT, fn) == SQLITE_DONE) {
        if (!c->batch)
            atomic_fetch_add(c->epoch, 1); /* cached counts are of the past now */
        return STORE_OK;
    }
    sq_tx_rollback(c);
    return STORE_ERROR;
}

/* Ends the work since sq_tx_begin: commits when r is STORE_OK (returning the
 * commit's answer), else rolls back and returns r. */
static store_rc_t sq_tx_end(sq_conn_t *c, store_rc_t r, const char *fn)
{
    if (r == STORE_OK)
        return sq_tx_commit(c, fn);
    sq_tx_rollback(c);
    return r;
}

/* Opens a read transaction (one snapshot for several statements) unless a
 * batch or another transaction is open; *in_tx says whether it did. False
 * (logged) when BEGIN fails. Pair with sq_read_end. */
static bool sq_read_begin(sq_conn_t *c, bool *in_tx, const char *fn)
{
    *in_tx = !c->batch && sqlite3_get_autocommit(c->db);
    if (*in_tx && sq_exec(c, S_BEGIN_READ, fn) != SQLITE_DONE) {
        *in_tx = false;
        return false;
    }
    return true;
}

/* Ends the read transaction of sq_read_begin, when it opened one. */
static void sq_read_end(sq_conn_t *c, bool in_tx, const char *fn)
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

static store_rc_t sq_group_begin(void *conn)
{
    sq_conn_t *c = conn;
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
    if (sqlite3_get_autocommit(c->db))
        return STORE_ERROR;
    if (sq_exec(c, S_COMMIT, __func__) != SQLITE_DONE)
        return STORE_ERROR;
    atomic_fetch_add(c->epoch, 1); /* cached counts are of the past now */
    return STORE_OK;
}

static void sq_group_rollback(void *conn)
{
    sq_conn_t *c = conn;
    c->batch = false;
    if (!sqlite3_get_autocommit(c->db))
        sq_exec(c, S_ROLLBACK, __func__);
}

static const store_group_ops_t sq_group_ops = {
    .writer_conn = sq_group_conn,
    .begin = sq_group_begin,
    .commit = sq_group_commit,
    .rollback = sq_group_rollback,
};

/* Wraps a job so that it does not run once its batch's transaction is gone. */
typedef struct sq_job {
    store_group_fn fn;
    void *arg;
} sq_job_t;

static store_rc_t sq_job_run(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    sq_job_t *j = arg;
    if (sqlite3_get_autocommit(c->db))
        return STORE_ERROR; /* an earlier job's I/O error rolled the batch back */
    return j->fn(conn, j->arg);
}

/* Runs the write job fn(conn, arg) and returns its result once durable. On
 * the calling thread's own connection when a batch (store_batch_begin) or
 * another transaction is open there, or on the writer thread itself (a
 * callback writing again); through the group commit otherwise. */
static store_rc_t sq_write(sq_store_t *st, store_group_fn fn, void *arg)
{
    sq_conn_t *c = sq_conn(st);
    if (!c)
        return STORE_ERROR;
    if (!st->group || c->batch || !sqlite3_get_autocommit(c->db) || store_group_is_writer(st->group))
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
        rc = sqlite3_exec(db, m->sql, NULL, NULL, NULL);
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
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    if (!opts || !opts->url || !opts->url[0]) {
        snprintf(err, errlen, "no database given");
        return NULL;
    }
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
static void sqlite_close(store_t *base)
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
    for (int i = 0; i < SQ_TLS_SLOTS; i++)
        if (sq_tls[i].store_id == st->id)
            sq_tls[i] = (sq_tls_slot_t){0, NULL};
    pthread_mutex_destroy(&st->mu);
    free(st->path);
    free(st);
}

static int sqlite_schema_version(store_t *base)
{
    sq_store_t *st = (sq_store_t *)base;
    return st ? st->version : 0;
}

/* ---- small query helpers ---------------------------------------------------- */

/* A row copier: fills out from the current row of s and gives the answer of
 * the lookup (STORE_OK for a plain copy). */
typedef store_rc_t (*sq_row_fn)(sqlite3_stmt *s, void *out);

/* Cached statement id with ?1 = p1 and, when p2 is non-NULL, ?2 = p2 bound
 * (the caller keeps them alive until sq_put). NULL (logged) on failure. */
static sqlite3_stmt *sq_stmt2(sq_conn_t *c, int id, const char *p1, const char *p2, const char *fn)
{
    sqlite3_stmt *s = sq_stmt(c, id, fn);
    if (!s)
        return NULL;
    int rc = sq_bind_text(s, 1, p1);
    if (rc == SQLITE_OK && p2)
        rc = sq_bind_text(s, 2, p2);
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sq_put(c, id, s);
        return NULL;
    }
    return s;
}

/* Steps s (cached statement id, bound; NULL gives STORE_ERROR) once and puts
 * it back: a row gives row(s, out)'s answer (STORE_OK, no call, when out is
 * NULL), no row STORE_NOT_FOUND, a failure STORE_ERROR (logged under fn). */
static store_rc_t sq_one_row(sq_conn_t *c, int id, sqlite3_stmt *s, sq_row_fn row, void *out, const char *fn)
{
    if (!s)
        return STORE_ERROR;
    int rc = sqlite3_step(s);
    store_rc_t r = STORE_OK;
    if (rc == SQLITE_ROW) {
        if (out)
            r = row(s, out);
    } else if (rc == SQLITE_DONE) {
        r = STORE_NOT_FOUND;
    } else {
        sq_log(c->db, fn, rc);
        r = STORE_ERROR;
    }
    sq_put(c, id, s);
    return r;
}

/* sq_one_row of cached statement id bound as sq_stmt2 binds it. */
static store_rc_t sq_get(sq_conn_t *c, int id, const char *p1, const char *p2, sq_row_fn row, void *out,
                         const char *fn)
{
    return sq_one_row(c, id, sq_stmt2(c, id, p1, p2, fn), row, out, fn);
}

/* Row copiers (sq_row_fn), one per row shape. */

/* out: a uuid_str_t, from the first column ("" for NULL). */
static store_rc_t sq_row_uuid(sqlite3_stmt *s, void *out)
{
    sq_copy_col(s, 0, out, sizeof(uuid_str_t));
    return STORE_OK;
}

/* out: a store_user_t, from a row of SQ_USER_COLS. */
static store_rc_t sq_row_user(sqlite3_stmt *s, void *out)
{
    store_user_t *u = out;
    memset(u, 0, sizeof(*u));
    sq_copy_col(s, 0, u->uuid, sizeof(u->uuid));
    sq_copy_col(s, 1, u->org_uuid, sizeof(u->org_uuid));
    sq_copy_col(s, 2, u->primary_team_uuid, sizeof(u->primary_team_uuid));
    sq_copy_col(s, 3, u->email, sizeof(u->email));
    sq_copy_col(s, 4, u->first_name, sizeof(u->first_name));
    sq_copy_col(s, 5, u->last_name, sizeof(u->last_name));
    sq_copy_col(s, 6, u->transcript_lang, sizeof(u->transcript_lang));
    sq_copy_col(s, 7, u->role, sizeof(u->role));
    u->created_at = sqlite3_column_int64(s, 8);
    return STORE_OK;
}

/* out: a store_key_t, from a row of S_KEY_LOOKUP. */
static store_rc_t sq_row_key_lookup(sqlite3_stmt *s, void *out)
{
    store_key_t *k = out;
    memset(k, 0, sizeof(*k));
    sq_copy_col(s, 0, k->id, sizeof(k->id));
    sq_copy_col(s, 1, k->org_uuid, sizeof(k->org_uuid));
    sq_copy_col(s, 2, k->user_uuid, sizeof(k->user_uuid));
    k->org_level = sqlite3_column_int(s, 3) != 0;
    k->last_seen_at = sqlite3_column_int64(s, 4);
    return STORE_OK;
}

/* out: a store_key_info_t, from a row of SQ_KEY_COLS. */
static store_rc_t sq_row_key(sqlite3_stmt *s, void *out)
{
    store_key_info_t *k = out;
    memset(k, 0, sizeof(*k));
    sq_copy_col(s, 0, k->id, sizeof(k->id));
    sq_copy_col(s, 1, k->org_uuid, sizeof(k->org_uuid));
    sq_copy_col(s, 2, k->user_uuid, sizeof(k->user_uuid));
    sq_copy_col(s, 3, k->name, sizeof(k->name));
    sq_copy_col(s, 4, k->last4, sizeof(k->last4));
    k->org_level = sqlite3_column_int(s, 5) != 0;
    k->created_at = sqlite3_column_int64(s, 6);
    k->last_seen_at = sqlite3_column_int64(s, 7);
    return STORE_OK;
}

/* out: a store_team_t, from a row of SQ_TEAM_COLS. */
static store_rc_t sq_row_team(sqlite3_stmt *s, void *out)
{
    store_team_t *t = out;
    memset(t, 0, sizeof(*t));
    sq_copy_col(s, 0, t->uuid, sizeof(t->uuid));
    sq_copy_col(s, 1, t->org_uuid, sizeof(t->org_uuid));
    sq_copy_col(s, 2, t->parent_uuid, sizeof(t->parent_uuid));
    sq_copy_col(s, 3, t->name, sizeof(t->name));
    sq_copy_col(s, 4, t->domain, sizeof(t->domain));
    t->created_at = sqlite3_column_int64(s, 5);
    return STORE_OK;
}

/* out: a conv_t, from a row of sq_conv_select. Strings point into the
 * statement's row and are valid until the next step or reset. */
static store_rc_t sq_row_conv(sqlite3_stmt *s, void *out)
{
    conv_t *c = out;
    memset(c, 0, sizeof(*c));
    char *base = (char *)c;
    for (int i = 0; i < SQ_NCOLS; i++) {
        void *field = base + sq_conv_cols[i].off;
        switch (sq_conv_cols[i].kind) {
        case COL_UUID:
            sq_copy_col(s, i, (char *)field, sizeof(uuid_str_t));
            break;
        case COL_TEXT:
            *(const char **)field = (const char *)sqlite3_column_text(s, i);
            break;
        case COL_INT:
            *(int64_t *)field = sqlite3_column_int64(s, i);
            break;
        case COL_BOOL:
            *(bool *)field = sqlite3_column_int(s, i) != 0;
            break;
        case COL_REAL:
            *(double *)field = sqlite3_column_double(s, i);
            break;
        }
    }
    c->user_email = (const char *)sqlite3_column_text(s, SQ_NCOLS);
    c->user_first_name = (const char *)sqlite3_column_text(s, SQ_NCOLS + 1);
    c->user_last_name = (const char *)sqlite3_column_text(s, SQ_NCOLS + 2);
    c->user_transcript_lang = (const char *)sqlite3_column_text(s, SQ_NCOLS + 3);
    return STORE_OK;
}

/* out: a store_workflow_log_t, from a row of sqlite_workflow_log_list's page
 * (strings point into the row, "" for NULL). */
static store_rc_t sq_row_log(sqlite3_stmt *s, void *out)
{
    store_workflow_log_t *l = out;
    memset(l, 0, sizeof(*l));
    l->id = sqlite3_column_int64(s, 0);
    sq_copy_col(s, 1, l->conversation_uuid, sizeof l->conversation_uuid);
    l->workflow_name = (const char *)sqlite3_column_text(s, 2);
    l->success = sqlite3_column_int(s, 3) != 0;
    l->error = (const char *)sqlite3_column_text(s, 4);
    l->created_at = sqlite3_column_int64(s, 5);
    if (!l->workflow_name)
        l->workflow_name = "";
    if (!l->error)
        l->error = "";
    return STORE_OK;
}

/* The callback of a row read: exactly one member is set; it gives the rows' shape. */
typedef struct sq_cbs {
    store_user_cb user; /* SQ_USER_COLS */
    store_team_cb team; /* SQ_TEAM_COLS */
    store_key_cb key;   /* SQ_KEY_COLS */
    store_conv_cb conv; /* sq_conv_select */
    store_log_cb log;   /* sq_row_log */
} sq_cbs_t;

/* Steps s (bound; it stays the caller's) to its end, handing each row to the
 * set callback of cb with ctx. STORE_ERROR when a callback stops (non-zero)
 * or a step fails (logged under fn). */
static store_rc_t sq_rows(sq_conn_t *c, sqlite3_stmt *s, const sq_cbs_t *cb, void *ctx, const char *fn)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        union {
            store_user_t u;
            store_team_t t;
            store_key_info_t k;
            conv_t c;
            store_workflow_log_t l;
        } row;
        int stop;
        if (cb->user) {
            sq_row_user(s, &row.u);
            stop = cb->user(ctx, &row.u);
        } else if (cb->team) {
            sq_row_team(s, &row.t);
            stop = cb->team(ctx, &row.t);
        } else if (cb->key) {
            sq_row_key(s, &row.k);
            stop = cb->key(ctx, &row.k);
        } else if (cb->conv) {
            sq_row_conv(s, &row.c);
            stop = cb->conv(ctx, &row.c);
        } else {
            sq_row_log(s, &row.l);
            stop = cb->log(ctx, &row.l);
        }
        if (stop != 0)
            return STORE_ERROR;
    }
    if (rc != SQLITE_DONE) {
        sq_log(c->db, fn, rc);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* sq_rows of cached statement id bound as sq_stmt2 binds it; puts it back. */
static store_rc_t sq_list(sq_conn_t *c, int id, const char *p1, const char *p2, sq_cbs_t cb, void *ctx,
                          const char *fn)
{
    sqlite3_stmt *s = sq_stmt2(c, id, p1, p2, fn);
    if (!s)
        return STORE_ERROR;
    store_rc_t r = sq_rows(c, s, &cb, ctx, fn);
    sq_put(c, id, s);
    return r;
}

/* Looks a row up by uuid (key is one) with statement by_uuid, else by name
 * with by_name; both take ?1 = org, ?2 = key, or, org NULL, ?1 = key. Copies
 * it with row into out (NULL: only checks). */
static store_rc_t sq_resolve(sq_conn_t *c, int by_uuid, int by_name, const char *org, const char *key, sq_row_fn row,
                             void *out, const char *fn)
{
    uuid_str_t id;
    if (uuid_parse(key, id)) {
        store_rc_t r = sq_get(c, by_uuid, org ? org : id, org ? id : NULL, row, out, fn);
        if (r != STORE_NOT_FOUND)
            return r;
    }
    return sq_get(c, by_name, org ? org : key, org ? key : NULL, row, out, fn);
}


/* Copies src into the optional uuid out-parameter dst. */
static void sq_out_uuid(uuid_str_t dst, const char *src)
{
    if (dst)
        snprintf(dst, sizeof(uuid_str_t), "%s", src);
}

/* ---- keys ------------------------------------------------------------------ */

static store_rc_t sqlite_key_lookup(store_t *base, const key_hash_t hash, store_key_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !hash)
        return STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_KEY_LOOKUP, __func__);
    if (s)
        sqlite3_bind_blob(s, 1, hash, KEY_HASH_LEN, SQLITE_STATIC);
    return sq_one_row(c, S_KEY_LOOKUP, s, sq_row_key_lookup, out, __func__);
}

/* Runs an UPDATE with cached statement id (already bound): STORE_OK when it
 * changed a row, NOT_FOUND when none matched. Puts s back. */
static store_rc_t sq_update(sq_conn_t *c, int id, sqlite3_stmt *s, const char *fn)
{
    int rc = sqlite3_step(s);
    store_rc_t r = STORE_OK;
    if (rc != SQLITE_DONE) {
        sq_log(c->db, fn, rc);
        r = STORE_ERROR;
    } else if (sqlite3_changes(c->db) == 0) {
        r = STORE_NOT_FOUND;
    }
    sq_put(c, id, s);
    return r;
}

/* Runs an INSERT with cached statement id (already bound). CONFLICT on a
 * unique violation (not logged), ERROR (logged) otherwise. Puts s back. */
static store_rc_t sq_insert(sq_conn_t *c, int id, sqlite3_stmt *s, const char *fn)
{
    int rc = sqlite3_step(s);
    store_rc_t r = STORE_OK;
    if (rc != SQLITE_DONE) {
        if (sq_is_unique_violation(rc)) {
            r = STORE_CONFLICT;
        } else {
            sq_log(c->db, fn, rc);
            r = STORE_ERROR;
        }
    }
    sq_put(c, id, s);
    return r;
}

static store_rc_t sqlite_key_touch(store_t *base, const char *key_id, int64_t now)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !key_id)
        return STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_KEY_TOUCH, __func__);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, key_id);
    sqlite3_bind_int64(s, 2, now);
    return sq_update(c, S_KEY_TOUCH, s, __func__);
}

/* The key's user must belong to org_uuid (NOT_FOUND otherwise); NULL means
 * the org's first admin. CONFLICT on a duplicate hash. */
static store_rc_t sqlite_key_create(store_t *base, const char *org_uuid, const char *user_uuid, bool org_level,
                            const char *name, const key_hash_t hash, const char *last4, uuid_str_t id_out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !hash)
        return STORE_ERROR;
    uuid_str_t uid;
    if (user_uuid && !uuid_parse(user_uuid, uid))
        return STORE_NOT_FOUND;
    store_user_t u;
    store_rc_t r = user_uuid ? sq_get(c, S_USER_BY_UUID, org_uuid, uid, sq_row_user, &u, __func__)
                             : sq_get(c, S_USER_ADMIN, org_uuid, NULL, sq_row_user, &u, __func__);
    if (r != STORE_OK)
        return r;

    uuid_str_t id;
    uuid_v7(id);
    sqlite3_stmt *s = sq_stmt(c, S_KEY_INSERT, __func__);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, id);
    sq_bind_text(s, 2, org_uuid);
    sq_bind_text(s, 3, u.uuid);
    sq_bind_text(s, 4, name);
    sqlite3_bind_blob(s, 5, hash, KEY_HASH_LEN, SQLITE_STATIC);
    sq_bind_text(s, 6, last4 ? last4 : "");
    sqlite3_bind_int(s, 7, org_level ? 1 : 0);
    sqlite3_bind_int64(s, 8, ptime_now());
    if ((r = sq_insert(c, S_KEY_INSERT, s, __func__)) == STORE_OK)
        sq_out_uuid(id_out, id);
    return r;
}

static store_rc_t sqlite_key_revoke(store_t *base, const char *org_uuid, const char *key_id)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !key_id)
        return STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_KEY_REVOKE, __func__);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, key_id);
    sq_bind_text(s, 2, org_uuid);
    sqlite3_bind_int64(s, 3, ptime_now());
    return sq_update(c, S_KEY_REVOKE, s, __func__);
}

/* A key id that is not a UUID is NOT_FOUND (nothing is queried). */
static store_rc_t sqlite_key_get(store_t *base, const char *org_uuid, const char *key_id, store_key_info_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !key_id)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(key_id, id))
        return STORE_NOT_FOUND;
    return sq_get(c, S_KEY_GET, org_uuid, id, sq_row_key, out, __func__);
}

/* Calls cb for each live key of the org (or of one user), oldest first.
 * STORE_ERROR when cb stops or a step fails. */
static store_rc_t sqlite_key_list(store_t *base, const char *org_uuid, const char *user_uuid, store_key_cb cb,
                                  void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t uid;
    if (user_uuid && !uuid_parse(user_uuid, uid))
        return STORE_OK; /* no key belongs to a malformed user id */
    /* ?2 left unbound (NULL) lists every user's keys */
    return sq_list(c, S_KEY_LIST, org_uuid, user_uuid ? uid : NULL, (sq_cbs_t){.key = cb}, ctx, __func__);
}

/* ---- organizations, users, teams ---------------------------------------- */

/* Inserts a user row and its team membership (team may be ""), inside the
 * caller's transaction. lang NULL stores "en". */
static store_rc_t sq_user_insert(sq_conn_t *c, const char *uuid, const char *org, const char *email,
                                 const char *first, const char *last, const char *team, const char *role,
                                 const char *lang, int64_t now, const char *fn)
{
    sqlite3_stmt *s = sq_stmt(c, S_USER_INSERT, fn);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, uuid);
    sq_bind_text(s, 2, org);
    sq_bind_text(s, 3, email);
    sq_bind_text(s, 4, first);
    sq_bind_text(s, 5, last);
    sq_bind_text(s, 6, team[0] ? team : NULL);
    sq_bind_text(s, 7, role);
    sqlite3_bind_int64(s, 8, now);
    sq_bind_text(s, 9, lang);
    store_rc_t r = sq_insert(c, S_USER_INSERT, s, fn);
    if (r != STORE_OK || !team[0])
        return r;
    s = sq_stmt(c, S_MEMBER_INSERT, fn);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, team);
    sq_bind_text(s, 2, uuid);
    return sq_insert(c, S_MEMBER_INSERT, s, fn);
}

static store_rc_t sqlite_org_create(store_t *base, const char *name, const char *admin_email, uuid_str_t org_out,
                            uuid_str_t admin_out, uuid_str_t team_out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !name || !admin_email)
        return STORE_ERROR;
    uuid_str_t org, team, admin;
    uuid_v7(org);
    uuid_v7(team);
    uuid_v7(admin);
    int64_t now = ptime_now();
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;

    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_ORG_INSERT, __func__);
    if (!s)
        goto fail;
    sq_bind_text(s, 1, org);
    sq_bind_text(s, 2, name);
    sq_bind_text(s, 3, team);
    sqlite3_bind_int64(s, 4, now);
    if ((r = sq_insert(c, S_ORG_INSERT, s, __func__)) != STORE_OK)
        goto fail;

    r = STORE_ERROR;
    if (!(s = sq_stmt(c, S_TEAM_INSERT, __func__)))
        goto fail;
    sq_bind_text(s, 1, team);
    sq_bind_text(s, 2, org);
    sq_bind_text(s, 3, name);
    sqlite3_bind_null(s, 4);
    sqlite3_bind_int64(s, 5, now);
    if ((r = sq_insert(c, S_TEAM_INSERT, s, __func__)) != STORE_OK)
        goto fail;
    if ((r = sq_user_insert(c, admin, org, admin_email, NULL, NULL, team, "admin", NULL, now, __func__)) != STORE_OK)
        goto fail;
    if ((r = sq_tx_commit(c, __func__)) != STORE_OK)
        return r;
    sq_out_uuid(org_out, org);
    sq_out_uuid(admin_out, admin);
    sq_out_uuid(team_out, team);
    return STORE_OK;
fail:
    sq_tx_rollback(c);
    return r;
}

static store_rc_t sqlite_org_resolve(store_t *base, const char *uuid_or_name, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !uuid_or_name)
        return STORE_ERROR;
    return sq_resolve(c, S_ORG_BY_UUID, S_ORG_BY_NAME, NULL, uuid_or_name, sq_row_uuid, out, __func__);
}

/* NOT_FOUND when the org or the given team (of that org) does not exist;
 * CONFLICT on a duplicate email (case-insensitive) or uuid. The user joins
 * its primary team. */
static store_rc_t sqlite_user_create(store_t *base, const store_user_new_t *u, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !u || !u->org_uuid || !u->email || !u->email[0])
        return STORE_ERROR;
    uuid_str_t uuid, team;
    if (u->uuid) {
        if (!uuid_parse(u->uuid, uuid)) {
            fprintf(stderr, "parley: store %s: not a uuid: %s\n", __func__, u->uuid);
            return STORE_ERROR;
        }
    } else {
        uuid_v7(uuid);
    }
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r;
    if (u->team_uuid) {
        uuid_str_t t;
        r = uuid_parse(u->team_uuid, t) ? sq_get(c, S_TEAM_BY_UUID, u->org_uuid, t, sq_row_uuid, team, __func__)
                                        : STORE_NOT_FOUND;
    } else {
        r = sq_get(c, S_ORG_DEFAULT_TEAM, u->org_uuid, NULL, sq_row_uuid, team, __func__);
    }
    if (r == STORE_OK)
        r = sq_user_insert(c, uuid, u->org_uuid, u->email, u->first_name, u->last_name, team,
                           u->role ? u->role : "member", u->transcript_lang, ptime_now(), __func__);
    if ((r = sq_tx_end(c, r, __func__)) != STORE_OK)
        return r;
    sq_out_uuid(out, uuid);
    return STORE_OK;
}

static store_rc_t sqlite_user_resolve(store_t *base, const char *org_uuid, const char *uuid_or_email, store_user_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !uuid_or_email)
        return STORE_ERROR;
    return sq_resolve(c, S_USER_BY_UUID, S_USER_BY_EMAIL, org_uuid, uuid_or_email, sq_row_user, out, __func__);
}

static store_rc_t sqlite_org_admin(store_t *base, const char *org_uuid, store_user_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid)
        return STORE_ERROR;
    return sq_get(c, S_USER_ADMIN, org_uuid, NULL, sq_row_user, out, __func__);
}

static store_rc_t sqlite_user_list(store_t *base, const char *org_uuid, store_user_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    return sq_list(c, S_USER_LIST, org_uuid, NULL, (sq_cbs_t){.user = cb}, ctx, __func__);
}

static store_rc_t sqlite_team_create(store_t *base, const char *org_uuid, const char *name, const char *parent_uuid,
                                     const char *uuid, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !name)
        return STORE_ERROR;
    uuid_str_t team, parent = "";
    if (!uuid)
        uuid_v7(team);
    else if (!uuid_parse(uuid, team))
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_get(c, S_ORG_BY_UUID, org_uuid, NULL, sq_row_uuid, NULL, __func__);
    if (r == STORE_OK && parent_uuid) {
        uuid_str_t p;
        r = uuid_parse(parent_uuid, p) ? sq_get(c, S_TEAM_BY_UUID, org_uuid, p, sq_row_uuid, parent, __func__)
                                       : STORE_NOT_FOUND;
    }
    if (r == STORE_OK) {
        sqlite3_stmt *s = sq_stmt(c, S_TEAM_INSERT, __func__);
        if (!s) {
            r = STORE_ERROR;
        } else {
            sq_bind_text(s, 1, team);
            sq_bind_text(s, 2, org_uuid);
            sq_bind_text(s, 3, name);
            sq_bind_text(s, 4, parent[0] ? parent : NULL);
            sqlite3_bind_int64(s, 5, ptime_now());
            r = sq_insert(c, S_TEAM_INSERT, s, __func__);
        }
    }
    if ((r = sq_tx_end(c, r, __func__)) != STORE_OK)
        return r;
    sq_out_uuid(out, team);
    return STORE_OK;
}

static store_rc_t sqlite_team_resolve(store_t *base, const char *org_uuid, const char *uuid_or_name, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !uuid_or_name)
        return STORE_ERROR;
    return sq_resolve(c, S_TEAM_BY_UUID, S_TEAM_BY_NAME, org_uuid, uuid_or_name, sq_row_uuid, out, __func__);
}

/* A team id that is not a UUID is NOT_FOUND. */
static store_rc_t sqlite_team_get(store_t *base, const char *org_uuid, const char *team_uuid, store_team_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !team_uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(team_uuid, id))
        return STORE_NOT_FOUND;
    return sq_get(c, S_TEAM_GET, org_uuid, id, sq_row_team, out, __func__);
}

static store_rc_t sqlite_team_list(store_t *base, const char *org_uuid, store_team_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    return sq_list(c, S_TEAM_LIST, org_uuid, NULL, (sq_cbs_t){.team = cb}, ctx, __func__);
}

/* NOT_FOUND when team_uuid is not a team of org_uuid (malformed ids included). */
static store_rc_t sqlite_team_members(store_t *base, const char *org_uuid, const char *team_uuid, store_user_cb cb,
                                      void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !team_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(team_uuid, id))
        return STORE_NOT_FOUND;
    store_rc_t r = sq_get(c, S_TEAM_BY_UUID, org_uuid, id, sq_row_uuid, NULL, __func__);
    if (r != STORE_OK)
        return r;
    return sq_list(c, S_TEAM_MEMBERS, org_uuid, id, (sq_cbs_t){.user = cb}, ctx, __func__);
}

/* An unknown (or malformed) user simply has no teams: STORE_OK, no calls. */
static store_rc_t sqlite_user_teams(store_t *base, const char *org_uuid, const char *user_uuid, store_team_cb cb,
                                    void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !user_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(user_uuid, id))
        return STORE_OK;
    return sq_list(c, S_USER_TEAMS, org_uuid, id, (sq_cbs_t){.team = cb}, ctx, __func__);
}

/* ---- conversations -------------------------------------------------------- */

/* Binds the columns of c that live in the body table (body) or in
 * conversations (!body) to that table's INSERT, in sq_conv_cols order from
 * parameter first. A "" uuid (team) binds NULL. */
static int sq_bind_conv(sqlite3_stmt *s, const conv_t *c, bool body, int first)
{
    const char *base = (const char *)c;
    int rc = SQLITE_OK, k = first;
    for (int i = 0; i < SQ_NCOLS && rc == SQLITE_OK; i++) {
        if (sq_conv_cols[i].body != body)
            continue;
        const void *field = base + sq_conv_cols[i].off;
        switch (sq_conv_cols[i].kind) {
        case COL_UUID:
            rc = sq_bind_text(s, k, ((const char *)field)[0] ? (const char *)field : NULL);
            break;
        case COL_TEXT:
            rc = sq_bind_text(s, k, *(const char *const *)field);
            break;
        case COL_INT:
            rc = sqlite3_bind_int64(s, k, *(const int64_t *)field);
            break;
        case COL_BOOL:
            rc = sqlite3_bind_int(s, k, *(const bool *)field ? 1 : 0);
            break;
        case COL_REAL:
            rc = sqlite3_bind_double(s, k, *(const double *)field);
            break;
        }
        k++;
    }
    return rc;
}

/* True when scope sc may see a conversation owned by owner with is_private. */
static bool sq_visible(const store_scope_t *sc, const char *owner, bool is_private)
{
    return !sc->user_uuid || !is_private || strcasecmp(owner, sc->user_uuid) == 0;
}

/* Writes a workflow-log entry for conversation uuid (inside the caller's transaction). */
static store_rc_t sq_log_event(sq_conn_t *c, const char *org, const char *uuid, const char *name, int64_t now,
                               const char *fn)
{
    sqlite3_stmt *s = sq_stmt(c, S_LOG_INSERT, fn);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, org);
    sq_bind_text(s, 2, uuid);
    sq_bind_text(s, 3, name);
    sqlite3_bind_int64(s, 4, now);
    return sq_insert(c, S_LOG_INSERT, s, fn);
}

/* The scope and callback sq_conv_fetch hands its row to. */
typedef struct sq_fetch {
    const store_scope_t *sc;
    store_conv_cb cb;
    void *ctx;
} sq_fetch_t;

/* sq_row_fn of sq_conv_fetch (out: an sq_fetch_t): NOT_FOUND when the row is
 * not visible in the scope, else cb's answer (ERROR when it stops). */
static store_rc_t sq_row_visible(sqlite3_stmt *s, void *out)
{
    const sq_fetch_t *f = out;
    conv_t conv;
    sq_row_conv(s, &conv);
    if (!sq_visible(f->sc, conv.user_uuid, conv.is_private))
        return STORE_NOT_FOUND;
    return (f->cb && f->cb(f->ctx, &conv) != 0) ? STORE_ERROR : STORE_OK;
}

/* Runs S_CONV_GET or S_CONV_GET_EXT with ?1 = key, ?2 = org and, when the row
 * is visible in sc, calls cb with it. */
static store_rc_t sq_conv_fetch(sq_conn_t *c, int id, const store_scope_t *sc, const char *key, store_conv_cb cb,
                                void *ctx, const char *fn)
{
    sq_fetch_t f = {sc, cb, ctx};
    return sq_get(c, id, key, sc->org_uuid, sq_row_visible, &f, fn);
}

/* What sq_conv_may_change reads of the row (in: the scope). */
typedef struct sq_conv_state {
    const store_scope_t *sc;
    bool archived;
    int64_t rowid;
} sq_conv_state_t;

/* sq_row_fn of S_CONV_STATE (out: an sq_conv_state_t): the checks of sq_conv_may_change. */
static store_rc_t sq_row_may_change(sqlite3_stmt *s, void *out)
{
    sq_conv_state_t *st = out;
    const char *owner = (const char *)sqlite3_column_text(s, 0);
    bool is_private = sqlite3_column_int(s, 1) != 0;
    st->archived = sqlite3_column_int(s, 2) != 0;
    st->rowid = sqlite3_column_int64(s, 3);
    if (!owner)
        owner = "";
    if (!sq_visible(st->sc, owner, is_private))
        return STORE_NOT_FOUND;
    if (st->sc->user_uuid && strcasecmp(owner, st->sc->user_uuid) != 0)
        return STORE_FORBIDDEN;
    return STORE_OK;
}

/* Inside the caller's transaction: STORE_OK when scope st->sc may change
 * conversation id (st gets its archived flag and row id); NOT_FOUND when it
 * is not a conversation of the scope's organization or not visible in it;
 * FORBIDDEN when the scope is a user-level one that does not own it. */
static store_rc_t sq_conv_may_change(sq_conn_t *c, sq_conv_state_t *st, const char *id, const char *fn)
{
    return sq_get(c, S_CONV_STATE, id, st->sc->org_uuid, sq_row_may_change, st, fn);
}

static store_rc_t sqlite_conv_get(store_t *base, const store_scope_t *sc, const char *uuid, store_conv_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !sc || !sc->org_uuid || !uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id))
        return STORE_NOT_FOUND;
    return sq_conv_fetch(c, S_CONV_GET, sc, id, cb, ctx, __func__);
}

static store_rc_t sqlite_conv_get_by_external_id(store_t *base, const store_scope_t *sc, const char *external_id,
                                         store_conv_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !sc || !sc->org_uuid || !external_id)
        return STORE_ERROR;
    return sq_conv_fetch(c, S_CONV_GET_EXT, sc, external_id, cb, ctx, __func__);
}

/* Writes the row, its body, its participant emails and an `import` log entry
 * in one transaction (a savepoint inside a batch, so a failed insert leaves
 * the batch usable). existing may be NULL. */
typedef struct sq_insert_args {
    const conv_t *conv;
    char *existing; /* uuid_str_t or NULL */
} sq_insert_args_t;

/* The write job of sqlite_conv_insert (conn: an sq_conn_t, arg: sq_insert_args_t). */
static store_rc_t sq_conv_insert_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    const sq_insert_args_t *a = arg;
    const conv_t *conv = a->conv;
    char *existing = a->existing;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;

    sqlite3_stmt *s = sq_stmt(c, S_CONV_INSERT, __func__);
    if (!s)
        goto fail;
    int rc = sq_bind_conv(s, conv, false, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        bool dup = sq_is_unique_violation(rc);
        if (!dup)
            sq_log(c->db, __func__, rc);
        sq_put(c, S_CONV_INSERT, s);
        sq_tx_rollback(c);
        if (!dup)
            return STORE_ERROR;
        /* Which one: the external id of the org, else the uuid itself. */
        store_rc_t r = STORE_NOT_FOUND;
        if (conv->external_id)
            r = sq_get(c, S_CONV_EXT_UUID, conv->org_uuid, conv->external_id, sq_row_uuid, existing, __func__);
        if (r == STORE_NOT_FOUND)
            sq_out_uuid(existing, conv->uuid);
        return r == STORE_ERROR ? STORE_ERROR : STORE_CONFLICT;
    }
    sq_put(c, S_CONV_INSERT, s);

    if (!(s = sq_stmt(c, S_BODY_INSERT, __func__)))
        goto fail;
    rc = sqlite3_bind_int64(s, 1, sqlite3_last_insert_rowid(c->db));
    if (rc == SQLITE_OK)
        rc = sq_bind_conv(s, conv, true, 2);
    if (rc != SQLITE_OK) {
        sq_log(c->db, __func__, rc);
        sq_put(c, S_BODY_INSERT, s);
        goto fail;
    }
    if (sq_insert(c, S_BODY_INSERT, s, __func__) != STORE_OK)
        goto fail;

    if (!(s = sq_stmt(c, S_PART_INSERT, __func__)))
        goto fail;
    sq_bind_text(s, 1, conv->uuid);
    sq_bind_text(s, 2, conv->org_uuid);
    sq_bind_text(s, 3, conv->participants_json);
    if (sq_insert(c, S_PART_INSERT, s, __func__) != STORE_OK)
        goto fail;
    if (sq_log_event(c, conv->org_uuid, conv->uuid, "import", ptime_now(), __func__) != STORE_OK)
        goto fail;
    return sq_tx_commit(c, __func__);
fail:
    sq_tx_rollback(c);
    return STORE_ERROR;
}

/* Group-committed (sq_write): returns once the row is durable. */
static store_rc_t sqlite_conv_insert(store_t *base, const conv_t *conv, uuid_str_t existing)
{
    if (existing)
        existing[0] = '\0';
    if (!conv)
        return STORE_ERROR;
    sq_insert_args_t a = {conv, existing};
    return sq_write((sq_store_t *)base, sq_conv_insert_tx, &a);
}

/* BEGIN IMMEDIATE; read state; scope checks; update + log only on a real
 * change (archived_at = now, 0 when unarchiving); cb with the row as stored;
 * COMMIT. A failing cb rolls everything back and returns STORE_ERROR. */
typedef struct sq_archive_args {
    const store_scope_t *sc;
    const char *id;    /* canonical uuid */
    bool archived;
    int64_t now;
    store_conv_cb cb;
    void *ctx;
} sq_archive_args_t;

/* The write job of sqlite_conv_set_archived (conn: an sq_conn_t, arg: sq_archive_args_t). */
static store_rc_t sq_conv_set_archived_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    const sq_archive_args_t *a = arg;
    const store_scope_t *sc = a->sc;
    const char *id = a->id;
    bool archived = a->archived;
    int64_t now = a->now;
    store_conv_cb cb = a->cb;
    void *ctx = a->ctx;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;

    sq_conv_state_t state = {sc, false, 0};
    store_rc_t r = sq_conv_may_change(c, &state, id, __func__);
    if (r != STORE_OK)
        goto fail;

    r = STORE_ERROR;
    if (state.archived != archived) {
        sqlite3_stmt *s = sq_stmt(c, S_CONV_SET_ARCHIVED, __func__);
        if (!s)
            goto fail;
        sqlite3_bind_int64(s, 1, state.rowid);
        sqlite3_bind_int(s, 2, archived ? 1 : 0);
        sqlite3_bind_int64(s, 3, archived ? now : 0);
        if (sq_update(c, S_CONV_SET_ARCHIVED, s, __func__) != STORE_OK)
            goto fail;
        if (sq_log_event(c, sc->org_uuid, id, archived ? "archive" : "unarchive", now, __func__) != STORE_OK)
            goto fail;
    }
    /* The row as now stored, read inside the transaction; cb runs before
     * COMMIT, so a failing commit still returns STORE_ERROR afterwards. */
    if (cb && (r = sq_conv_fetch(c, S_CONV_GET, sc, id, cb, ctx, __func__)) != STORE_OK)
        goto fail;
    return sq_tx_commit(c, __func__);
fail:
    sq_tx_rollback(c);
    return r;
}

/* Group-committed (sq_write): returns once the change is durable; cb has
 * then been called (on the writer thread) with the row as stored. */
static store_rc_t sqlite_conv_set_archived(store_t *base, const store_scope_t *sc, const char *uuid, bool archived,
                                           int64_t now, store_conv_cb cb, void *ctx)
{
    if (!sc || !sc->org_uuid || !uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id))
        return STORE_NOT_FOUND;
    sq_archive_args_t a = {sc, id, archived, now, cb, ctx};
    return sq_write((sq_store_t *)base, sq_conv_set_archived_tx, &a);
}

/* ---- asynchronous writes ------------------------------------------------------ */

/* One asynchronous write: the group job, its arguments and the caller's
 * completion. Heap-allocated by the _async function; freed just before done runs. */
typedef struct sq_async {
    store_group_job_t job;         /* must stay first: sq_async_done gets &job */
    sq_job_t wrap;
    union {
        sq_archive_args_t archive;
        sq_insert_args_t insert;
    } a;
    uuid_str_t id;                 /* the archive's canonical uuid (a.archive.id points here) */
    store_done_cb done;
    void *done_ctx;
} sq_async_t;

/* Frees x and reports rc to its submitter. */
static void sq_async_finish(sq_async_t *x, store_rc_t rc)
{
    store_done_cb done = x->done;
    void *ctx = x->done_ctx;
    free(x);
    done(ctx, rc);
}

/* store_group_done_fn: the batch holding x has committed (or failed). */
static void sq_async_done(store_group_job_t *job)
{
    sq_async_finish((sq_async_t *)job, job->rc);
}

/* Runs fn(conn, &x->a) as sq_write does, without waiting for the group
 * commit; takes ownership of x and reports through x->done exactly once. */
static void sq_write_async(sq_store_t *st, store_group_fn fn, sq_async_t *x)
{
    sq_conn_t *c = sq_conn(st);
    if (!c) {
        sq_async_finish(x, STORE_ERROR);
        return;
    }
    if (!st->group || c->batch || !sqlite3_get_autocommit(c->db) || store_group_is_writer(st->group)) {
        sq_async_finish(x, fn(c, &x->a));
        return;
    }
    x->wrap = (sq_job_t){fn, &x->a};
    x->job = (store_group_job_t){.fn = sq_job_run, .arg = &x->wrap, .done = sq_async_done};
    if (store_group_submit(st->group, &x->job) != STORE_OK)
        sq_async_finish(x, STORE_ERROR);
}

static void sqlite_conv_set_archived_async(store_t *base, const store_scope_t *sc, const char *uuid, bool archived,
                                           int64_t now, store_conv_cb cb, void *ctx, store_done_cb done,
                                           void *done_ctx)
{
    sq_async_t *x = calloc(1, sizeof(*x)); /* owner: sq_write_async, then sq_async_finish */
    if (!x || !sc || !sc->org_uuid || !uuid) {
        free(x);
        done(done_ctx, STORE_ERROR);
        return;
    }
    if (!uuid_parse(uuid, x->id)) {
        free(x);
        done(done_ctx, STORE_NOT_FOUND);
        return;
    }
    x->a.archive = (sq_archive_args_t){sc, x->id, archived, now, cb, ctx};
    x->done = done;
    x->done_ctx = done_ctx;
    sq_write_async((sq_store_t *)base, sq_conv_set_archived_tx, x);
}

static void sqlite_conv_insert_async(store_t *base, const conv_t *conv, char *existing, store_done_cb done,
                                     void *done_ctx)
{
    if (existing)
        existing[0] = '\0';
    sq_async_t *x = calloc(1, sizeof(*x)); /* owner: sq_write_async, then sq_async_finish */
    if (!x || !conv) {
        free(x);
        done(done_ctx, STORE_ERROR);
        return;
    }
    x->a.insert = (sq_insert_args_t){conv, existing};
    x->done = done;
    x->done_ctx = done_ctx;
    sq_write_async((sq_store_t *)base, sq_conv_insert_tx, x);
}

/* ---- lists ------------------------------------------------------------------ */

/* A query under construction: its SQL and its parameters, in order. */
typedef struct sq_bind {
    bool is_int;
    int64_t i;
    const char *s; /* borrowed from the filter or from owned */
} sq_bind_t;

typedef struct sq_query {
    buf_t sql;
    sq_bind_t *binds; /* malloc'd; owned */
    size_t n, cap;
    char *owned;      /* the LIKE pattern, malloc'd; owned */
    bool oom;
    bool fts;         /* in: drive filter[title] (3+ characters) by its trigram index (sq_q_title) */
} sq_query_t;

static void sq_q_text(sq_query_t *q, const char *s)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 32;
        sq_bind_t *nb = realloc(q->binds, cap * sizeof(*nb));
        if (!nb) {
            q->oom = true;
            return;
        }
        q->binds = nb;
        q->cap = cap;
    }
    q->binds[q->n++] = (sq_bind_t){false, 0, s};
}

static void sq_q_int(sq_query_t *q, int64_t v)
{
    sq_q_text(q, NULL);
    if (!q->oom) {
        q->binds[q->n - 1].is_int = true;
        q->binds[q->n - 1].i = v;
    }
}

/* Appends "(?, ?, …)" for the values of l, each wrapped as fmt ("?" or "lower(?)"). */
static void sq_q_list(sq_query_t *q, const strlist_t *l, const char *fmt)
{
    buf_putc(&q->sql, '(');
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            buf_puts(&q->sql, ", ");
        buf_puts(&q->sql, fmt);
        sq_q_text(q, l->v[i]);
    }
    buf_putc(&q->sql, ')');
}

/* Makes the LIKE pattern %title% with \, % and _ escaped by '\'. Owned by q. */
static const char *sq_q_like(sq_query_t *q, const char *title)
{
    size_t n = strlen(title);
    /* room for the FTS5 string sq_q_title appends after it */
    char *p = malloc(4 * n + 6);
    if (!p) {
        q->oom = true;
        return NULL;
    }
    char *o = p;
    *o++ = '%';
    for (const char *t = title; *t; t++) {
        if (*t == '\\' || *t == '%' || *t == '_')
            *o++ = '\\';
        *o++ = *t;
    }
    *o++ = '%';
    *o = '\0';
    q->owned = p;
    return p;
}

/* The filter[title] condition: a trigram index lookup (migration 002) when
 * the text has at least 3 characters (shorter ones cannot use it), which
 * yields a superset of the matches (Unicode case folding), then the LIKE
 * that decides, so the result is exactly the case-insensitive substring
 * match, without scanning every row for the count. */
static size_t sq_chars(const char *s)
{
    size_t chars = 0;
    for (const unsigned char *t = (const unsigned char *)s; *t; t++)
        chars += (*t & 0xC0) != 0x80;
    return chars;
}

/* With q->fts the rows come from the index (a count, or a page of few matches);
 * without, only the LIKE applies, and a page read newest first through
 * conversations_list stops after `size` matches (best when matches are many). */
static void sq_q_title(sq_query_t *q, const char *title)
{
    const char *like = sq_q_like(q, title);
    if (like && q->fts && sq_chars(title) >= 3) {
        /* an FTS5 string: "title" with " doubled, stored after the LIKE pattern in q->owned */
        char *o = (char *)like + strlen(like) + 1, *fts = o;
        *o++ = '"';
        for (const char *t = title; *t; t++) {
            if (*t == '"')
                *o++ = '"';
            *o++ = *t;
        }
        *o++ = '"';
        *o = '\0';
        buf_puts(&q->sql, " AND c.id IN (SELECT rowid FROM conversation_title_fts WHERE conversation_title_fts MATCH ?)");
        sq_q_text(q, fts);
    }
    buf_puts(&q->sql, " AND c.title LIKE ? ESCAPE '\\'");
    sq_q_text(q, like);
}

/* Appends " WHERE …" for scope sc and filter f to q (column alias c). */
static void sq_q_where(sq_query_t *q, const store_scope_t *sc, const conv_filter_t *f)
{
    buf_t *b = &q->sql;
    /* "+" keeps the planner off the org indexes when the title's trigram
     * index is to drive the query (it has no statistics to see it is cheaper) */
    bool fts = q->fts && f->title && sq_chars(f->title) >= 3;
    buf_puts(b, fts ? " WHERE +c.org_uuid = ?" : " WHERE c.org_uuid = ?");
    sq_q_text(q, sc->org_uuid);
    if (sc->user_uuid) {
        buf_puts(b, " AND (c.is_private = 0 OR c.user_uuid = lower(?))");
        sq_q_text(q, sc->user_uuid);
    }
    if (f->archived == CONV_ARCHIVED_EXCLUDE)
        buf_puts(b, " AND c.archived = 0");
    else if (f->archived == CONV_ARCHIVED_ONLY)
        buf_puts(b, " AND c.archived = 1");
    if (f->has_from) {
        buf_puts(b, " AND c.created_at >= ?");
        sq_q_int(q, f->from);
    }
    if (f->has_to) {
        buf_puts(b, " AND c.created_at <= ?");
        sq_q_int(q, f->to);
    }
    if (f->owner_ids.n) {
        buf_puts(b, " AND c.user_uuid IN ");
        sq_q_list(q, &f->owner_ids, "lower(?)");
    }
    if (f->owner_emails.n) {
        buf_puts(b, " AND c.user_uuid IN (SELECT ou.uuid FROM users ou WHERE ou.org_uuid = ? AND ou.email IN ");
        sq_q_text(q, sc->org_uuid);
        sq_q_list(q, &f->owner_emails, "lower(?)");
        buf_putc(b, ')');
    }
    if (f->title && f->title[0])
        sq_q_title(q, f->title);
    if (f->participant_emails.n) {
        buf_puts(b, " AND EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conv_uuid = c.uuid"
                    " AND p.email IN ");
        sq_q_list(q, &f->participant_emails, "lower(?)");
        buf_putc(b, ')');
    }
    if (f->opportunity_ids.n) {
        buf_puts(b, " AND c.id IN (SELECT cb.id FROM conversation_bodies cb WHERE cb.opportunity_uuid IN ");
        sq_q_list(q, &f->opportunity_ids, "?");
        buf_putc(b, ')');
    }
    if (f->team_ids.n) {
        buf_puts(b, " AND c.team_uuid IN ");
        sq_q_list(q, &f->team_ids, "lower(?)");
    }
    if (f->crm_values.n || (f->crm_entity_code && f->crm_entity_code[0])) {
        /* Some linked CRM record (an object) with code = entity code (when
         * given) and whose field crm_field_name (default "id") equals one of
         * the values (compared as text). json_each(x, fullkey) walks one
         * record without parsing it as a JSON string. */
        buf_puts(b, " AND EXISTS (SELECT 1 FROM conversation_bodies cb, json_each(CASE WHEN"
                    " json_valid(cb.linked_crm_json) THEN cb.linked_crm_json END) r"
                    " WHERE cb.id = c.id AND r.type = 'object'");
        if (f->crm_entity_code && f->crm_entity_code[0]) {
            buf_puts(b, " AND EXISTS (SELECT 1 FROM json_each(cb.linked_crm_json, r.fullkey) k"
                        " WHERE k.key = 'code' AND k.atom = ?)");
            sq_q_text(q, f->crm_entity_code);
        }
        if (f->crm_values.n) {
            buf_puts(b, " AND EXISTS (SELECT 1 FROM json_each(cb.linked_crm_json, r.fullkey) v"
                        " WHERE v.key = ? AND v.type NOT IN ('object', 'array') AND CAST(v.atom AS TEXT) IN ");
            sq_q_text(q, f->crm_field_name && f->crm_field_name[0] ? f->crm_field_name : "id");
            sq_q_list(q, &f->crm_values, "?");
            buf_putc(b, ')');
        }
        buf_putc(b, ')');
    }
    if (f->hide_internal)
        buf_puts(b, " AND c.is_internal = 0");
    if (f->hide_non_analyzed)
        buf_puts(b, " AND (SELECT cb.analyzed FROM conversation_bodies cb WHERE cb.id = c.id) = 1");
    if (f->hide_pending)
        buf_puts(b, " AND IFNULL(c.import_status, '') NOT IN ('PENDING', 'IN_PROGRESS')");
    if (f->hide_failed)
        buf_puts(b, " AND IFNULL(c.import_status, '') NOT IN ('FAILED', 'DISCARDED')");
    if (f->hide_empty)
        buf_puts(b, " AND c.is_empty = 0");
}

/* FNV-1a of a string: the slot of a generated statement in c->dyn. */
static size_t sq_dyn_slot(const char *sql)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return (size_t)(h % SQ_DYN_SLOTS);
}

/* Prepares sql and binds the first n parameters of q. NULL (logged) on failure;
 * the caller finalizes the statement. */
static sqlite3_stmt *sq_q_prepare(sq_conn_t *c, const char *sql, const sq_query_t *q, size_t n, const char *fn)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        const sq_bind_t *b = &q->binds[i];
        rc = b->is_int ? sqlite3_bind_int64(s, (int)i + 1, b->i) : sq_bind_text(s, (int)i + 1, b->s);
    }
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sqlite3_finalize(s);
        return NULL;
    }
    return s;
}

/* Like sq_q_prepare, but generated statements are kept per connection by
 * their text (c->dyn), so a repeated list query is not parsed and planned
 * again. NULL (logged) on failure; the caller hands the statement back with
 * sq_q_release (never sqlite3_finalize). */
static sqlite3_stmt *sq_q_prepare_cached(sq_conn_t *c, const char *sql, const sq_query_t *q, size_t n,
                                         const char *fn)
{
    size_t slot = sq_dyn_slot(sql);
    sqlite3_stmt *s = c->dyn[slot];
    int rc = SQLITE_OK;
    if (s && !sqlite3_stmt_busy(s) && strcmp(sqlite3_sql(s), sql) == 0) {
        sqlite3_clear_bindings(s);
    } else {
        s = NULL;
        rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
        if (rc == SQLITE_OK && (!c->dyn[slot] || !sqlite3_stmt_busy(c->dyn[slot]))) {
            sqlite3_finalize(c->dyn[slot]);
            c->dyn[slot] = s;
        }
    }
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        const sq_bind_t *b = &q->binds[i];
        rc = b->is_int ? sqlite3_bind_int64(s, (int)i + 1, b->i) : sq_bind_text(s, (int)i + 1, b->s);
    }
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        if (s && s != c->dyn[slot])
            sqlite3_finalize(s);
        else if (s)
            sqlite3_reset(s);
        return NULL;
    }
    return s;
}

/* Hands back a statement of sq_q_prepare: reset when cached (its bindings
 * cleared: they point into the caller's query), finalized otherwise. NULL is fine. */
static void sq_q_release(sq_conn_t *c, sqlite3_stmt *s)
{
    if (!s)
        return;
    for (int i = 0; i < SQ_DYN_SLOTS; i++) {
        if (c->dyn[i] == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return;
        }
    }
    sqlite3_finalize(s);
}

/* Inside an open read transaction: reads PRAGMA data_version; when it moved
 * since this connection last looked (or on its first look), another
 * connection or process committed, so the store's epoch moves and every
 * cached count becomes stale. Returns false on error (then cache nothing). */
static bool sq_observe(sq_conn_t *c)
{
    sqlite3_stmt *s = sq_stmt(c, S_DATA_VERSION, __func__);
    if (!s)
        return false;
    bool ok = sqlite3_step(s) == SQLITE_ROW;
    int64_t dv = ok ? sqlite3_column_int64(s, 0) : 0;
    sq_put(c, S_DATA_VERSION, s);
    if (ok && (!c->dv_seen || dv != c->data_version)) {
        c->dv_seen = true;
        c->data_version = dv;
        atomic_fetch_add(c->epoch, 1);
    }
    return ok;
}

/* True when where (from sq_q_where) has only the conditions that
 * conversation_counts (migration 004) can answer: the organization, a
 * user-level scope, the archived mode and hide_empty. Any other condition,
 * including one added to sq_q_where later, leaves text behind and makes it false. */
static bool sq_where_is_plain(const char *where)
{
    static const char *const parts[] = {
        " WHERE c.org_uuid = ?", " AND (c.is_private = 0 OR c.user_uuid = lower(?))",
        " AND c.archived = 0", " AND c.archived = 1", " AND c.is_empty = 0",
    };
    return store_where_is_only(where, parts, sizeof(parts) / sizeof(parts[0]));
}

/* The count cache's key for a count query: its SQL, then each of its first n
 * parameters (type, value). Appended to key (check key->oom). */
static void sq_count_key(buf_t *key, const char *sql, const sq_query_t *q, size_t n)
{
    buf_append(key, sql, strlen(sql) + 1);
    for (size_t i = 0; i < n; i++) {
        const sq_bind_t *b = &q->binds[i];
        if (b->is_int) {
            buf_putc(key, 'i');
            buf_append(key, &b->i, sizeof b->i);
        } else if (b->s) {
            buf_putc(key, 's');
            buf_append(key, b->s, strlen(b->s) + 1);
        } else {
            buf_putc(key, 'n');
        }
    }
}

/* COUNT(*) and the page run in one read transaction with the same WHERE
 * (every value bound). page < 1 counts as 1; size 0 only counts. Callbacks
 * must not write through the store on this thread (the read transaction is
 * open while they run). */
static store_rc_t sqlite_conv_list(store_t *base, const store_scope_t *sc, const conv_filter_t *f, int64_t *total,
                           store_conv_cb cb, void *ctx)
{
    sq_store_t *st = (sq_store_t *)base;
    sq_conn_t *c = sq_conn(st);
    if (total)
        *total = 0;
    if (!c || !sc || !sc->org_uuid || !f)
        return STORE_ERROR;

    int64_t page = f->page < 1 ? 1 : f->page;
    int64_t size = f->size < 0 ? 0 : f->size;
    int64_t offset = (size > 0 && page - 1 > INT64_MAX / size) ? INT64_MAX : (page - 1) * size;

    /* Two forms of the WHERE (they differ only for filter[title]): qc, driven
     * by the title's trigram index, counts, and serves the page when the
     * matches are few; q, without it, serves the page otherwise (newest
     * first through conversations_list, stopping after one page). Each owns
     * its SQL buffer, its bindings and its LIKE pattern. */
    sq_query_t q = {0}, qc = {0};
    qc.fts = true;
    buf_init(&q.sql);
    buf_init(&qc.sql);
    sq_q_where(&q, sc, f);
    sq_q_where(&qc, sc, f);
    size_t nwhere = qc.n;
    char *where = buf_detach(&q.sql, NULL), *wherec = buf_detach(&qc.sql, NULL);
    buf_t count_sql, page_sql, key;
    buf_init(&count_sql);
    buf_init(&page_sql);
    buf_init(&key);
    if (wherec && sq_where_is_plain(wherec)) /* the same conditions hold on the per-owner counts */
        buf_printf(&count_sql, "SELECT IFNULL(SUM(c.n), 0) FROM conversation_counts c%s", wherec);
    else if (wherec)
        buf_printf(&count_sql, "SELECT count(*) FROM conversations c%s", wherec);
    sq_query_t *pq = &q; /* the form of the page query, chosen once the count is known */

    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = NULL;
    int64_t *ids = NULL;
    bool in_tx = false;
    if (!where || !wherec || q.oom || qc.oom || count_sql.oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    /* The epoch is read before the snapshot starts: a count is cached, or
     * taken from the cache, only when no change was made or seen since, so a
     * cached count is always one of this snapshot (see sq_observe). */
    uint64_t epoch = atomic_load(&st->epoch);
    /* Both statements read one snapshot (a read transaction unless a batch is open). */
    if (!sq_read_begin(c, &in_tx, __func__))
        goto out;
    bool cacheable = in_tx && st->counts && sq_observe(c) && atomic_load(&st->epoch) == epoch;
    if (cacheable) {
        sq_count_key(&key, count_sql.data, &qc, nwhere);
        cacheable = !key.oom;
    }
    int64_t n = 0;
    int rc;
    if (!cacheable || !store_count_cache_get(st->counts, key.data, key.len, epoch, &n)) {
        if (!(s = sq_q_prepare_cached(c, count_sql.data, &qc, nwhere, __func__)))
            goto out;
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            sq_log(c->db, __func__, rc);
            goto out;
        }
        n = sqlite3_column_int64(s, 0);
        sq_q_release(c, s);
        s = NULL;
        if (cacheable)
            store_count_cache_put(st->counts, key.data, key.len, epoch, n);
    }
    if (total)
        *total = n;

    r = STORE_OK;
    if (size == 0 || offset >= n || !cb)
        goto out;
    r = STORE_ERROR;
    if (n <= SQ_FTS_PAGE_MAX && strcmp(where, wherec) != 0)
        pq = &qc; /* few matches: sort them rather than walk the whole list looking for them */
    /* The page's row ids first (index order, no row read), then each row by
     * its id, in that order: ordering the joined rows instead made SQLite
     * sort ~85 KB of columns per page. Both statements read the snapshot. */
    buf_printf(&page_sql, "SELECT c.id FROM conversations c%s ORDER BY c.created_at DESC, c.uuid DESC LIMIT ? OFFSET ?",
               pq == &qc ? wherec : where);
    sq_q_int(pq, size);
    sq_q_int(pq, offset);
    if (page_sql.oom || pq->oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    if (!(s = sq_q_prepare_cached(c, page_sql.data, pq, pq->n, __func__)))
        goto out;
    size_t nids = 0, cap = (size_t)(size < n - offset ? size : n - offset);
    ids = malloc((cap ? cap : 1) * sizeof(*ids)); /* owner: this function (freed at out) */
    if (!ids)
        goto out;
    while (nids < cap && (rc = sqlite3_step(s)) == SQLITE_ROW)
        ids[nids++] = sqlite3_column_int64(s, 0);
    if (nids < cap && rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        goto out;
    }
    sq_q_release(c, s);
    s = NULL;
    for (size_t i = 0; i < nids; i++) {
        sqlite3_stmt *g = sq_stmt(c, S_CONV_GET_ROW, __func__);
        if (!g)
            goto out;
        sqlite3_bind_int64(g, 1, ids[i]);
        rc = sqlite3_step(g);
        int stop = 0;
        if (rc == SQLITE_ROW) {
            conv_t conv;
            sq_row_conv(g, &conv);
            stop = cb(ctx, &conv);
        } else if (rc != SQLITE_DONE) { /* DONE cannot happen inside the snapshot; skip it if it does */
            sq_log(c->db, __func__, rc);
            stop = 1;
        }
        sq_put(c, S_CONV_GET_ROW, g);
        if (stop)
            goto out;
    }
    r = STORE_OK;
out:
    sq_q_release(c, s);
    free(ids);
    sq_read_end(c, in_tx, __func__);
    free(where);
    free(wherec);
    buf_free(&count_sql);
    buf_free(&page_sql);
    buf_free(&key);
    buf_free(&q.sql);
    buf_free(&qc.sql);
    free(q.binds);
    free(qc.binds);
    free(q.owned);
    free(qc.owned);
    return r;
}

/* ---- export ------------------------------------------------------------------ */

/* Every conversation of the org in created_at, uuid order, read in one
 * snapshot (a read transaction unless a batch is open). The statement is
 * prepared per call (export is rare). Callbacks must not write through the
 * store on this thread. */
static store_rc_t sqlite_conv_each(store_t *base, const char *org_uuid, bool include_archived, store_conv_cb cb,
                                   void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    buf_t sql;
    buf_init(&sql);
    buf_printf(&sql, "%s%s WHERE c.org_uuid = ?1 AND (?2 OR c.archived = 0) ORDER BY c.created_at, c.uuid",
               sq_conv_select, SQ_CONV_FROM);
    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = NULL;
    bool in_tx = false;
    if (sql.oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    if (!sq_read_begin(c, &in_tx, __func__))
        goto out;
    int rc = sqlite3_prepare_v2(c->db, sql.data, -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sq_bind_text(s, 1, org_uuid);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(s, 2, include_archived ? 1 : 0);
    if (rc != SQLITE_OK) {
        sq_log(c->db, __func__, rc);
        goto out;
    }
    r = sq_rows(c, s, &(sq_cbs_t){.conv = cb}, ctx, __func__);
out:
    sqlite3_finalize(s);
    sq_read_end(c, in_tx, __func__);
    buf_free(&sql);
    return r;
}

/* ---- conversation changes and workflow logs -------------------------------- */

/* BEGIN IMMEDIATE; scope check; the row update (title, privacy) and the body
 * update (labels, CRM records, opportunity, confirmed intelligence merge) only
 * when u changes something there; one success entry named u->workflow_name
 * (always, even when the values were already the same: one entry per change
 * request; its time is max(now, the conversation's last entry)); cb with the
 * row as now stored; COMMIT. The write lock is held from
 * the state read to the commit, so concurrent changes serialize and none is
 * lost. A failing cb rolls everything back and returns STORE_ERROR. */
static store_rc_t sqlite_conv_update(store_t *base, const store_scope_t *sc, const char *uuid, const conv_update_t *u,
                                     int64_t now, store_conv_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !sc || !sc->org_uuid || !uuid || !u || !u->workflow_name)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id))
        return STORE_NOT_FOUND;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;

    sq_conv_state_t state = {sc, false, 0};
    store_rc_t r = sq_conv_may_change(c, &state, id, __func__);
    if (r != STORE_OK)
        goto fail;
    r = STORE_ERROR;
    sqlite3_stmt *s;
    if (u->title || u->privacy != CONV_PRIVACY_KEEP) {
        if (!(s = sq_stmt(c, S_CONV_UPD_ROW, __func__)))
            goto fail;
        sq_bind_text(s, 1, id);
        sq_bind_text(s, 2, u->title);
        sqlite3_bind_int(s, 3, (int)u->privacy);
        if (sq_update(c, S_CONV_UPD_ROW, s, __func__) != STORE_OK)
            goto fail;
    }
    if (u->labels_json || u->linked_crm_json || u->external_opportunity_json || u->confirm_intel_json) {
        if (!(s = sq_stmt(c, S_CONV_UPD_BODY, __func__)))
            goto fail;
        sq_bind_text(s, 1, id);
        sq_bind_text(s, 2, u->labels_json);
        sq_bind_text(s, 3, u->linked_crm_json);
        sq_bind_text(s, 4, u->external_opportunity_json);
        sq_bind_text(s, 5, u->confirm_intel_json);
        if (sq_update(c, S_CONV_UPD_BODY, s, __func__) != STORE_OK)
            goto fail;
    }
    if (!(s = sq_stmt(c, S_LOG_CHANGE, __func__)))
        goto fail;
    sq_bind_text(s, 1, sc->org_uuid);
    sq_bind_text(s, 2, id);
    sq_bind_text(s, 3, u->workflow_name);
    sqlite3_bind_int64(s, 4, now);
    if (sq_insert(c, S_LOG_CHANGE, s, __func__) != STORE_OK)
        goto fail;
    if (cb) {
        /* read inside the transaction, before COMMIT (see set_archived) */
        r = sq_conv_fetch(c, S_CONV_GET, sc, id, cb, ctx, __func__);
        if (r != STORE_OK)
            goto fail;
    }
    return sq_tx_commit(c, __func__);
fail:
    sq_tx_rollback(c);
    return r;
}

/* One INSERT … SELECT (atomic on its own; joins an open batch): NOT_FOUND
 * when conv_uuid is not a UUID or not a conversation of org_uuid. */
static store_rc_t sqlite_workflow_log_fail(store_t *base, const char *org_uuid, const char *conv_uuid,
                                           const char *workflow_name, const char *error, int64_t now)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !conv_uuid || !workflow_name)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(conv_uuid, id))
        return STORE_NOT_FOUND;
    sqlite3_stmt *s = sq_stmt(c, S_LOG_FAIL, __func__);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, org_uuid);
    sq_bind_text(s, 2, id);
    sq_bind_text(s, 3, workflow_name);
    sq_bind_text(s, 4, error ? error : "");
    sqlite3_bind_int64(s, 5, now);
    return sq_update(c, S_LOG_FAIL, s, __func__);
}

/* Appends " WHERE …" for scope sc and filter f to q (table alias l). A
 * user-level scope sees the entries of conversations it can see. */
static void sq_q_log_where(sq_query_t *q, const store_scope_t *sc, const store_workflow_filter_t *f)
{
    buf_t *b = &q->sql;
    buf_puts(b, " WHERE l.org_uuid = ?");
    sq_q_text(q, sc->org_uuid);
    if (sc->user_uuid) {
        buf_puts(b, " AND EXISTS (SELECT 1 FROM conversations c WHERE c.uuid = l.conversation_uuid"
                    " AND c.org_uuid = l.org_uuid AND (c.is_private = 0 OR c.user_uuid = lower(?)))");
        sq_q_text(q, sc->user_uuid);
    }
    if (f->has_from) {
        buf_puts(b, " AND l.created_at >= ?");
        sq_q_int(q, f->from);
    }
    if (f->has_to) {
        buf_puts(b, " AND l.created_at <= ?");
        sq_q_int(q, f->to);
    }
    if (f->conversation_uuids.n) {
        buf_puts(b, " AND l.conversation_uuid IN ");
        sq_q_list(q, &f->conversation_uuids, "lower(?)");
    }
    if (f->success >= 0) {
        buf_puts(b, " AND l.success = ?");
        sq_q_int(q, f->success ? 1 : 0);
    }
}

/* COUNT(*) and the page in one read snapshot, like sqlite_conv_list (same
 * caveat: callbacks must not write through the store on this thread). */
static store_rc_t sqlite_workflow_log_list(store_t *base, const store_scope_t *sc, const store_workflow_filter_t *f,
                                           int64_t *total, store_log_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (total)
        *total = 0;
    if (!c || !sc || !sc->org_uuid || !f)
        return STORE_ERROR;

    /* q owns its SQL buffer and its bindings; the SQL strings are owned here */
    sq_query_t q = {0};
    buf_init(&q.sql);
    sq_q_log_where(&q, sc, f);
    size_t nwhere = q.n;
    char *where = buf_detach(&q.sql, NULL);
    buf_t count_sql, page_sql;
    buf_init(&count_sql);
    buf_init(&page_sql);
    if (where) {
        buf_printf(&count_sql, "SELECT count(*) FROM workflow_logs l%s", where);
        buf_printf(&page_sql,
                   "SELECT l.id, l.conversation_uuid, l.workflow_name, l.success, IFNULL(l.error, ''), l.created_at"
                   " FROM workflow_logs l%s ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?",
                   where);
    }
    sq_q_int(&q, f->limit < 0 ? 0 : f->limit);
    sq_q_int(&q, f->offset < 0 ? 0 : f->offset);

    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = NULL;
    bool in_tx = false;
    if (!where || q.oom || count_sql.oom || page_sql.oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    if (!sq_read_begin(c, &in_tx, __func__))
        goto out;
    if (!(s = sq_q_prepare(c, count_sql.data, &q, nwhere, __func__)))
        goto out;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sq_log(c->db, __func__, rc);
        goto out;
    }
    int64_t n = sqlite3_column_int64(s, 0);
    if (total)
        *total = n;
    sqlite3_finalize(s);
    s = NULL;

    r = STORE_OK;
    if (f->limit <= 0 || f->offset >= n || !cb)
        goto out;
    r = STORE_ERROR;
    if (!(s = sq_q_prepare(c, page_sql.data, &q, q.n, __func__)))
        goto out;
    r = sq_rows(c, s, &(sq_cbs_t){.log = cb}, ctx, __func__);
out:
    sqlite3_finalize(s);
    sq_read_end(c, in_tx, __func__);
    free(where);
    buf_free(&count_sql);
    buf_free(&page_sql);
    buf_free(&q.sql);
    free(q.binds);
    free(q.owned);
    return r;
}

/* ---- bulk loading ------------------------------------------------------------ */

/* BEGIN IMMEDIATE on the calling thread's connection: other writers wait
 * (busy timeout) until store_batch_end, so keep batches to loading. Nesting
 * is refused (STORE_ERROR). */
static store_rc_t sqlite_batch_begin(store_t *base)
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
    return STORE_OK;
}

/* COMMIT or ROLLBACK of the thread's batch; STORE_ERROR when none is open
 * or the commit fails (then everything is rolled back). */
static store_rc_t sqlite_batch_end(store_t *base, bool commit)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c)
        return STORE_ERROR;
    if (!c->batch) {
        fprintf(stderr, "parley: store %s: no batch is open on this thread\n", __func__);
        return STORE_ERROR;
    }
    c->batch = false;
    if (commit && sq_exec(c, S_COMMIT, __func__) == SQLITE_DONE) {
        atomic_fetch_add(c->epoch, 1);
        return STORE_OK;
    }
    if (!sqlite3_get_autocommit(c->db))
        sq_exec(c, S_ROLLBACK, __func__);
    return commit ? STORE_ERROR : STORE_OK;
}

static const store_vtable_t sqlite_vtable = {
    .close = sqlite_close,
    .schema_version = sqlite_schema_version,
    .key_lookup = sqlite_key_lookup,
    .key_touch = sqlite_key_touch,
    .key_create = sqlite_key_create,
    .key_revoke = sqlite_key_revoke,
    .key_get = sqlite_key_get,
    .key_list = sqlite_key_list,
    .org_create = sqlite_org_create,
    .org_resolve = sqlite_org_resolve,
    .user_create = sqlite_user_create,
    .user_resolve = sqlite_user_resolve,
    .org_admin = sqlite_org_admin,
    .user_list = sqlite_user_list,
    .team_create = sqlite_team_create,
    .team_resolve = sqlite_team_resolve,
    .team_get = sqlite_team_get,
    .team_list = sqlite_team_list,
    .team_members = sqlite_team_members,
    .user_teams = sqlite_user_teams,
    .conv_get = sqlite_conv_get,
    .conv_get_by_external_id = sqlite_conv_get_by_external_id,
    .conv_insert = sqlite_conv_insert,
    .conv_set_archived = sqlite_conv_set_archived,
    .conv_set_archived_async = sqlite_conv_set_archived_async,
    .conv_insert_async = sqlite_conv_insert_async,
    .conv_list = sqlite_conv_list,
    .conv_update = sqlite_conv_update,
    .workflow_log_fail = sqlite_workflow_log_fail,
    .workflow_log_list = sqlite_workflow_log_list,
    .conv_each = sqlite_conv_each,
    .batch_begin = sqlite_batch_begin,
    .batch_end = sqlite_batch_end,
};
