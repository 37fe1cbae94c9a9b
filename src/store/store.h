/* store.h - the storage interface the API layer and the CLI use; backends implement store_vtable_t. */
#ifndef PARLEY_STORE_H
#define PARLEY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/keys.h"
#include "lib/uuid.h"
#include "model/conversation.h"
#include "model/filter.h"
#include "model/update.h"

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND,   /* no such row, or not visible in the caller's scope */
    STORE_CONFLICT,    /* unique constraint (duplicate applicationExternalID, email, name) */
    STORE_FORBIDDEN,   /* visible, but the scope may not change it */
    STORE_ERROR,       /* a real failure; details went to the log */
    STORE_UNAVAILABLE, /* the database server could not be reached (PostgreSQL); nothing was
                        * written, or it is unknown whether a write committed: answer 503 */
    STORE_NOT_SUPPORTED, /* this backend cannot do it (snapshots on PostgreSQL): answer 501 */
} store_rc_t;

typedef enum {
    STORE_DURABILITY_FULL = 0, /* acknowledged writes are on disk (synchronous=FULL) */
    STORE_DURABILITY_NORMAL,   /* survive a process crash, may lose the last writes on power loss */
} store_durability_t;

typedef struct store_opts {
    const char *url;           /* a file path (SQLite), or a libpq URL / keyword string (PostgreSQL) */
    store_durability_t durability;
    int pool_size;             /* PostgreSQL: connections in the pool; <= 0 = 4 */
} store_opts_t;

/* Who is asking. org_uuid is always set; user_uuid is NULL for an org-level key
 * (sees the whole organization) and the key's user for a user-level key (sees
 * non-private conversations plus its own private ones; changes only its own). */
typedef struct store_scope {
    const char *org_uuid;
    const char *user_uuid;
} store_scope_t;

typedef struct store_key {
    uuid_str_t id;
    uuid_str_t org_uuid;
    uuid_str_t user_uuid;      /* the key's user; for org-level keys the user it was made for (admin) */
    bool org_level;
    int64_t last_seen_at;      /* 0 = never */
} store_key_t;

typedef struct store_user {
    uuid_str_t uuid;
    uuid_str_t org_uuid;
    uuid_str_t primary_team_uuid; /* "" when none */
    char email[321];
    char first_name[256];
    char last_name[256];
    char transcript_lang[16];
    char role[32];             /* "admin" or "member" */
    int64_t created_at;
} store_user_t;

typedef struct store_user_new {
    const char *org_uuid;
    const char *email;         /* stored lowercased; unique per organization */
    const char *first_name, *last_name; /* may be NULL */
    const char *team_uuid;     /* primary team, NULL = the organization's default team */
    const char *role;          /* NULL = "member" */
    const char *uuid;          /* NULL = new UUIDv7; set by `parley load` to keep ids */
    const char *transcript_lang; /* NULL = "en"; set by `parley load` */
} store_user_new_t;

typedef struct store_team {
    uuid_str_t uuid;
    uuid_str_t org_uuid;
    uuid_str_t parent_uuid;    /* "" when none */
    char name[256];
    char domain[256];          /* "" when none */
    int64_t created_at;
} store_team_t;

/* An API key as listed (never its secret: only the last 4 characters). */
typedef struct store_key_info {
    uuid_str_t id;
    uuid_str_t org_uuid;
    uuid_str_t user_uuid;
    char name[256];
    char last4[8];
    bool org_level;
    int64_t created_at;
    int64_t last_seen_at;      /* 0 = never */
} store_key_info_t;

typedef struct store_workflow_log {
    int64_t id;
    uuid_str_t conversation_uuid;
    const char *workflow_name;
    bool success;
    const char *error;                  /* "" on success */
    int64_t created_at;
} store_workflow_log_t;

typedef struct store_workflow_filter {
    bool has_from, has_to;
    int64_t from, to;                   /* inclusive bounds on created_at */
    strlist_t conversation_uuids;       /* empty = all */
    int success;                        /* -1 any, 0 failures, 1 successes */
    int64_t limit;                      /* 1..1000 */
    int64_t offset;
} store_workflow_filter_t;

/* Called once per row; c and everything it points to are valid only during the
 * call. Return 0 to continue, non-zero to stop (the store then returns STORE_ERROR). */
typedef int (*store_conv_cb)(void *ctx, const conv_t *c);
typedef int (*store_user_cb)(void *ctx, const store_user_t *u);
typedef int (*store_team_cb)(void *ctx, const store_team_t *t);
typedef int (*store_key_cb)(void *ctx, const store_key_info_t *k);
typedef int (*store_log_cb)(void *ctx, const store_workflow_log_t *l);

typedef struct store store_t;

/* Opens (creating when missing) the database named by opts->url and runs every
 * pending migration. On failure returns NULL and writes why into err. The
 * store owns its connections: one per thread that uses it, made on first use.
 * Thread-safe: any thread may call any function below concurrently. */
store_t *store_open(const store_opts_t *opts, char *err, size_t errlen);
/* True when url names a PostgreSQL database (postgres://, postgresql://, or a
 * libpq keyword string such as "host=/tmp dbname=parley"). */
bool store_is_postgres_url(const char *url);
/* Copies url into out (capacity n, truncating) with any password replaced by
 * "***" (postgres://user:PASS@…, password=PASS), for messages. */
void store_url_redact(const char *url, char *out, size_t n);
/* True when the calling thread's most recent store call returned
 * STORE_UNAVAILABLE (problem_internal then answers 503 instead of 500). */
bool store_last_unavailable(void);
/* Closes every connection (a WAL checkpoint happens on the last close) and frees st. NULL is fine. */
void store_close(store_t *st);
/* Schema version after migrations (for `--version` output and tests). */
int store_schema_version(store_t *st);

/* ---- keys ---------------------------------------------------------------- */
/* Finds a live (not revoked) key by its hash. NOT_FOUND for unknown or revoked keys. */
store_rc_t store_key_lookup(store_t *st, const key_hash_t hash, store_key_t *out);
/* Sets last_seen_at; callers call it at most once a minute per key. */
store_rc_t store_key_touch(store_t *st, const char *key_id, int64_t now);
/* Stores a new key. user_uuid NULL on an org-level key means the org's admin.
 * last4 is the key's last 4 characters (kept for the masked listing). */
store_rc_t store_key_create(store_t *st, const char *org_uuid, const char *user_uuid, bool org_level,
                            const char *name, const key_hash_t hash, const char *last4, uuid_str_t id_out);
/* Revokes key_id of org_uuid. NOT_FOUND when it is not a live key of that org. */
store_rc_t store_key_revoke(store_t *st, const char *org_uuid, const char *key_id);
/* One live key of org_uuid by id (NOT_FOUND when unknown, revoked or of another org). */
store_rc_t store_key_get(store_t *st, const char *org_uuid, const char *key_id, store_key_info_t *out);
/* The live keys of org_uuid, all of them (user_uuid NULL) or one user's, by created_at, id. */
store_rc_t store_key_list(store_t *st, const char *org_uuid, const char *user_uuid, store_key_cb cb, void *ctx);

/* ---- organizations, users, teams ---------------------------------------- */
/* Creates an organization, its default team (named after it), and its admin
 * user (role admin, member of the default team). CONFLICT when the name exists. */
store_rc_t store_org_create(store_t *st, const char *name, const char *admin_email,
                            uuid_str_t org_out, uuid_str_t admin_out, uuid_str_t team_out);
/* Finds an organization by uuid or exact name. */
store_rc_t store_org_resolve(store_t *st, const char *uuid_or_name, uuid_str_t out);
store_rc_t store_user_create(store_t *st, const store_user_new_t *u, uuid_str_t out);
/* Finds a user of org_uuid by uuid or email (case-insensitive). */
store_rc_t store_user_resolve(store_t *st, const char *org_uuid, const char *uuid_or_email, store_user_t *out);
/* The organization's admin user. */
store_rc_t store_org_admin(store_t *st, const char *org_uuid, store_user_t *out);
/* Every user of the organization, ordered by created_at, uuid. */
store_rc_t store_user_list(store_t *st, const char *org_uuid, store_user_cb cb, void *ctx);
/* Creates a team; parent_uuid may be NULL; uuid NULL = a new UUIDv7 (set by
 * seed and `parley load` to keep ids). CONFLICT when the name exists in the org. */
store_rc_t store_team_create(store_t *st, const char *org_uuid, const char *name, const char *parent_uuid,
                             const char *uuid, uuid_str_t out);
/* Finds a team of org_uuid by uuid or exact name. */
store_rc_t store_team_resolve(store_t *st, const char *org_uuid, const char *uuid_or_name, uuid_str_t out);
/* One team of org_uuid by uuid. */
store_rc_t store_team_get(store_t *st, const char *org_uuid, const char *team_uuid, store_team_t *out);
/* Every team of the organization, by created_at, uuid. */
store_rc_t store_team_list(store_t *st, const char *org_uuid, store_team_cb cb, void *ctx);
/* The members of one team (users), by created_at, uuid. NOT_FOUND when the team is not in org_uuid. */
store_rc_t store_team_members(store_t *st, const char *org_uuid, const char *team_uuid, store_user_cb cb, void *ctx);
/* The teams one user belongs to, by created_at, uuid. */
store_rc_t store_user_teams(store_t *st, const char *org_uuid, const char *user_uuid, store_team_cb cb, void *ctx);

/* ---- conversations -------------------------------------------------------- */
/* One conversation visible in scope, by uuid. cb is called once on STORE_OK. */
store_rc_t store_conv_get(store_t *st, const store_scope_t *sc, const char *uuid, store_conv_cb cb, void *ctx);
/* Same, by applicationExternalID. */
store_rc_t store_conv_get_by_external_id(store_t *st, const store_scope_t *sc, const char *external_id,
                                         store_conv_cb cb, void *ctx);
/* One page of the filtered list (f->page, f->size) in createdAt desc, uuid
 * desc order; *total receives the count of all matching rows. */
store_rc_t store_conv_list(store_t *st, const store_scope_t *sc, const conv_filter_t *f, int64_t *total,
                           store_conv_cb cb, void *ctx);
/* Inserts c (c->uuid and c->org_uuid set by the caller) and records an
 * `import` workflow-log entry, in one transaction. CONFLICT when another
 * conversation of the org has the same external_id: its uuid goes to existing. */
store_rc_t store_conv_insert(store_t *st, const conv_t *c, uuid_str_t existing);
/* Archives (archived=true, archived_at=now) or unarchives a conversation and
 * records an `archive`/`unarchive` workflow-log entry, in one transaction, then
 * calls cb with the row as now stored (cb NULL: the row is not read; the
 * caller reads it after the write). Idempotent: archiving an archived row
 * changes nothing (no write, archived_at kept) and still calls cb. NOT_FOUND
 * when not visible in sc; FORBIDDEN when sc is a user-level scope that does
 * not own it. */
store_rc_t store_conv_set_archived(store_t *st, const store_scope_t *sc, const char *uuid, bool archived,
                                   int64_t now, store_conv_cb cb, void *ctx);

/* Completion of an asynchronous write: rc is what the synchronous form returns. */
typedef void (*store_done_cb)(void *done_ctx, store_rc_t rc);
/* The forms of store_conv_insert and store_conv_set_archived that do not
 * block the caller while the write waits for its group commit: done(done_ctx,
 * rc) is called exactly once, once the write is durable (cb, if any, has run
 * before it), on another thread or on the calling one before returning.
 * Everything passed in (sc, c and the memory it points to, existing, cb's ctx,
 * done_ctx) must stay valid until done runs; uuid is copied. A backend without
 * asynchronous writes runs the synchronous form and then calls done. */
void store_conv_insert_async(store_t *st, const conv_t *c, char *existing, store_done_cb done, void *done_ctx);
void store_conv_set_archived_async(store_t *st, const store_scope_t *sc, const char *uuid, bool archived,
                                   int64_t now, store_conv_cb cb, void *ctx, store_done_cb done, void *done_ctx);

/* Applies u in one write transaction with its workflow-log entry, then calls
 * cb with the row as now stored. Two concurrent updates of one conversation
 * never lose either change. NOT_FOUND / FORBIDDEN as store_conv_set_archived. */
store_rc_t store_conv_update(store_t *st, const store_scope_t *sc, const char *uuid, const conv_update_t *u,
                             int64_t now, store_conv_cb cb, void *ctx);
/* Records a failed attempt (success=false) at workflow_name on a conversation
 * of org_uuid, e.g. a rejected change. */
store_rc_t store_workflow_log_fail(store_t *st, const char *org_uuid, const char *conv_uuid, const char *workflow_name,
                                   const char *error, int64_t now);
/* Workflow-log entries of conversations visible in sc, newest first (created_at
 * desc, id desc), f->offset/f->limit applied; *total counts all matches. */
store_rc_t store_workflow_log_list(store_t *st, const store_scope_t *sc, const store_workflow_filter_t *f,
                                   int64_t *total, store_log_cb cb, void *ctx);
/* Every conversation of org_uuid (archived ones too when include_archived),
 * by created_at, uuid; used by `parley export`. */
store_rc_t store_conv_each(store_t *st, const char *org_uuid, bool include_archived, store_conv_cb cb, void *ctx);

/* ---- the admin API (stand-in controls) ----------------------------------- */
/* Deletes the organization and everything it holds (users, teams, keys,
 * conversations, workflow logs) in one transaction; its keys fail at once.
 * NOT_FOUND when there is no such organization. */
store_rc_t store_org_delete(store_t *st, const char *org_uuid);
/* Empties every table (the schema and migrations stay), in one transaction. */
store_rc_t store_reset(store_t *st);
/* Writes a consistent copy of the whole database to the new file path (which
 * must not exist) while writers go on, and counts its conversations into
 * *conversations. NOT_SUPPORTED on PostgreSQL. */
store_rc_t store_snapshot_write(store_t *st, const char *path, int64_t *conversations);
/* Makes the database exactly what the copy at path holds. The caller ensures
 * that no other store call runs meanwhile. NOT_SUPPORTED on PostgreSQL. */
store_rc_t store_snapshot_load(store_t *st, const char *path);

/* ---- operations (metrics) -------------------------------------------------- */
typedef struct store_stats {
    int64_t db_bytes;           /* the database's size (SQLite: file and WAL); -1 = unknown */
    bool have_group;            /* group-commit figures below are set (SQLite) */
    uint64_t group_batches, group_jobs;
    uint64_t group_batch_le[9]; /* cumulative: batches of <= 1, 2, 4, …, 256 jobs */
} store_stats_t;
/* Fills out with what the backend knows; whatever it does not is -1 / false. */
void store_stats(store_t *st, store_stats_t *out);

/* ---- bulk loading (seed, load) ------------------------------------------- */
/* Opens a transaction on the calling thread's connection; store_conv_insert
 * and the create functions then join it instead of committing each row.
 * store_batch_end commits (commit=true) or rolls back. */
store_rc_t store_batch_begin(store_t *st);
store_rc_t store_batch_end(store_t *st, bool commit);

/* ---- backup and check (parley backup, parley check; src/store/backup.c) ---- */
#define STORE_BACKUP_STEP_PAGES 256 /* pages copied per step unless the caller says otherwise */

/* Called after every step of a backup with the pages copied so far and the
 * database's pages; non-zero abandons the backup (a signal, a test). */
typedef int (*store_backup_progress_cb)(void *ctx, int64_t done, int64_t total);

typedef struct store_backup_opts {
    const char *db;            /* the SQLite file (or sqlite://PATH) to copy; a server may be writing to it */
    const char *to;            /* the copy to make */
    bool force;                /* replace an existing `to` */
    int step_pages;            /* pages per step; <= 0: STORE_BACKUP_STEP_PAGES */
    store_backup_progress_cb progress; /* NULL or called after every step */
    void *progress_ctx;
} store_backup_opts_t;

typedef struct store_backup_info {
    int64_t pages, page_size, bytes;      /* of the copy */
    int64_t conversations, archived;      /* rows in the copy */
    int64_t steps;                        /* sqlite3_backup_step calls that copied pages */
    int schema_version;                   /* of the database copied */
} store_backup_info_t;

/* Copies the SQLite database o->db into the file o->to with SQLite's online
 * backup API, in steps of o->step_pages, inside one read transaction: the copy
 * is the database as of the backup's start (every write committed before it
 * is in it), and the writers of a running server are never blocked (WAL
 * readers do not block writers; checkpoints wait for the end of the copy).
 * The copy goes to a 0600 temporary file next to o->to, is switched to
 * journal_mode=DELETE (one self-contained file; `parley serve` turns it back
 * to WAL), fsync'd and renamed over o->to (and the directory fsync'd), so a
 * failed or abandoned backup leaves no o->to and no temporary file. Fills
 * *info (may be NULL). Returns STORE_OK; STORE_CONFLICT when o->to exists
 * and !o->force; STORE_ERROR with why in err otherwise (no database, not a
 * Parley database, o->to is the database itself, I/O, abandoned, a
 * PostgreSQL URL: pg_dump is the tool for those). */
store_rc_t store_backup(const store_backup_opts_t *o, store_backup_info_t *info, char *err, size_t errlen);

/* The counts store_check reports, in the order it prints them. */
typedef enum {
    STORE_COUNT_ORGANIZATIONS,
    STORE_COUNT_USERS,
    STORE_COUNT_TEAMS,
    STORE_COUNT_API_KEYS,              /* live and revoked */
    STORE_COUNT_API_KEYS_REVOKED,
    STORE_COUNT_CONVERSATIONS,         /* archived ones included */
    STORE_COUNT_CONVERSATIONS_ARCHIVED,
    STORE_COUNT_WORKFLOW_LOGS,
    STORE_COUNT__N
} store_count_t;

#define STORE_CHECK_PROBLEMS_MAX 2048

typedef struct store_check_report {
    bool ok;                           /* every check passed */
    bool postgres;                     /* a PostgreSQL database: no integrity checks ran */
    int schema_version;                /* recorded in the database */
    int known_version;                 /* the newest this build knows (its migrations) */
    bool integrity_ok;                 /* PRAGMA integrity_check said "ok" (SQLite) */
    bool foreign_keys_ok;              /* PRAGMA foreign_key_check found nothing (SQLite) */
    int64_t counts[STORE_COUNT__N];    /* -1 when the count failed (a problem says why) */
    char problems[STORE_CHECK_PROBLEMS_MAX]; /* why not ok: one reason per line ("" when ok) */
} store_check_report_t;

/* Checks the database at url (an SQLite file, or a PostgreSQL URL) without
 * writing to it, in one read transaction (a running server is not blocked):
 * SQLite's integrity and foreign-key checks, the schema version against
 * this build's migrations (equal is ok; older would be migrated by `parley
 * serve`, newer needs a newer parley), and the counts of store_count_t.
 * Returns STORE_OK with the verdict in *r; STORE_ERROR (or STORE_UNAVAILABLE
 * for an unreachable PostgreSQL server) with why in err when the check could
 * not run: no such file, not a database, not a Parley database. */
store_rc_t store_check(const char *url, store_check_report_t *r, char *err, size_t errlen);

/* The label store_check's output uses for count c ("archived conversations"). */
const char *store_count_label(store_count_t c);

/* Human-readable name of rc. */
const char *store_rc_str(store_rc_t rc);

#endif
