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
#include "model/webhook.h"

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
    char role[32];             /* "admin", "manager" or "member" (user_roles[] in model/user.h) */
    int64_t created_at;
    char bot_name[256];        /* "" = the default, "<first name>'s Notetaker" */
    char seat_type[16];        /* "listener" or "recording" */
    bool deals_enabled;
} store_user_t;

typedef struct store_user_new {
    const char *org_uuid;
    const char *email;         /* stored lowercased; unique per organization */
    const char *first_name, *last_name; /* may be NULL */
    const char *team_uuid;     /* primary team, NULL = the organization's default team */
    const char *role;          /* NULL = "member" */
    const char *uuid;          /* NULL = new UUIDv7; set by `parley load` to keep ids */
    const char *transcript_lang; /* NULL = "en"; set by `parley load` */
    const char *const *more_teams; /* further teams the user joins (canonical uuids of the org), or NULL */
    size_t n_more_teams;
    const char *bot_name;      /* NULL = the default */
    const char *seat_type;     /* NULL = "recording" */
    bool deals_enabled;
} store_user_new_t;

typedef struct store_team {
    uuid_str_t uuid;
    uuid_str_t org_uuid;
    uuid_str_t parent_uuid;    /* "" when none */
    char name[516];            /* room for "[<organization>] " before a 255-byte name (beyond.md §4) */
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

/* trigger-native-integration (spec §8): the webhook endpoints to run for a
 * conversation, each run an event of its own (conv_update_t.trigger).
 * run(ctx, endpoint_id, event_id) is called inside the change's transaction
 * for each endpoint that exists (ids of another organization or deleted
 * meanwhile are skipped); its answers are final only if the change returns
 * STORE_OK. */
typedef void (*store_run_cb)(void *ctx, const char *endpoint_id, const char *event_id);
typedef struct conv_trigger {
    const uuid_str_t *endpoints;        /* NULL: every endpoint of the organization */
    size_t n;
    store_run_cb run;
    void *ctx;
} conv_trigger_t;

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
/* The same with the deleted users too, for what still shows them (a
 * deleted user is kept for display: beyond.md §4). */
store_rc_t store_user_list_with_deleted(store_t *st, const char *org_uuid, store_user_cb cb, void *ctx);
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
/* Appends conversation uuid (visible in scope) to out as GET renders it by
 * default (conv_render_opts_single): what the archive's reply sends. The
 * SQLite backend hands the JSON to the webhook delivery too when the
 * conversation's latest events still wait for their data, which then need
 * not read and render it again (sq_paycache, src/store/sqlite/webhooks.c).
 * STORE_ERROR also when memory ran out. */
store_rc_t store_conv_render(store_t *st, const store_scope_t *sc, const char *uuid, buf_t *out);
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

/* ---- organization administration, snippets, the library (beyond.md §1, §4, §5) ---- */

typedef struct store_org {
    uuid_str_t uuid;
    char name[256];
    int64_t created_at;
} store_org_t;

/* A change of one user (PATCH /organizations/users/{id}). NULL (or -1)
 * members are unchanged. Team uuids are canonical. */
typedef struct store_user_change {
    const char *first_name, *last_name;
    const char *bot_name;              /* "" = back to the default */
    int deals_enabled;                 /* -1, 0 or 1 */
    const char *role;                  /* "admin", "manager" or "member" */
    const char *seat_type;             /* "listener" or "recording" */
    const char *const *teams_add;      /* teams the user joins */
    size_t n_add;
    const char *primary_team;          /* becomes the primary team (one of teams_add or a team it is in) */
    const char *const *teams_remove;   /* teams the user leaves (not being in one is fine) */
    size_t n_remove;
} store_user_change_t;

/* A snippet (POST /snippets). On store_snippet_create every member is input
 * (folder_uuid aside); on reads the strings point into the store's row. */
typedef struct store_snippet {
    uuid_str_t uuid;
    uuid_str_t org_uuid;
    uuid_str_t user_uuid;
    uuid_str_t conversation_uuid;
    char share_code[48];
    const char *title;
    const char *notes;
    double start_time, end_time, duration;  /* seconds */
    bool internal, notify_views;
    bool has_reference;                     /* the ref_ members are set */
    int64_t ref_char_start, ref_char_end, ref_speaker_start, ref_speaker_end;
    char ref_version[4];                    /* "V1" or "V2" */
    bool in_library, my_library;
    uuid_str_t folder_uuid;                 /* "" = the library's root (or not in the library) */
    int64_t created_at;                     /* unix milliseconds */
} store_snippet_t;

/* A library folder. A library is the organization's (owner_uuid "") or one
 * user's "My Library" (owner_uuid = the user). */
typedef struct store_folder {
    uuid_str_t uuid;
    uuid_str_t org_uuid;
    uuid_str_t owner_uuid;
    uuid_str_t parent_uuid;    /* "" = at the library's root */
    uuid_str_t user_uuid;      /* who made it */
    char name[404];
    char path[1008];           /* "/a/b" */
    bool hidden;
    int64_t created_at;        /* unix milliseconds */
    int64_t total_elements;    /* store_folder_children: library snippets directly in it */
    int64_t total_folders;     /* store_folder_children: its direct subfolders (hidden ones only when asked for) */
} store_folder_t;

typedef int (*store_snippet_cb)(void *ctx, const store_snippet_t *s);
typedef int (*store_folder_cb)(void *ctx, const store_folder_t *f);

/* One organization by uuid (its name for team names, beyond.md §4). */
store_rc_t store_org_get(store_t *st, const char *org_uuid, store_org_t *out);
/* Applies ch to user_uuid of org_uuid in one transaction. NOT_FOUND when
 * there is no such (live) user; CONFLICT when it would take the role admin
 * from the organization's last admin; FORBIDDEN when the user would be left
 * in no team; ERROR for a team that is not the organization's (callers check
 * teams first). Leaving the primary team makes the earliest remaining team
 * primary. */
store_rc_t store_user_update(store_t *st, const char *org_uuid, const char *user_uuid, const store_user_change_t *ch);
/* Deletes user_uuid of org_uuid at now (unix milliseconds), in one transaction:
 * the user leaves every list, lookup and team, its keys are revoked, its
 * email is free again; the row stays so that its conversations still render
 * their owner. NOT_FOUND when there is no such (live) user; CONFLICT when it
 * is the organization's last admin. */
store_rc_t store_user_delete(store_t *st, const char *org_uuid, const char *user_uuid, int64_t now);
/* Renames team_uuid of org_uuid (name NULL: unchanged) and/or moves it under
 * parent_uuid (NULL: unchanged; "": to the top). NOT_FOUND when the team or
 * the parent is not the organization's; FORBIDDEN when the parent is the team
 * itself or one of its descendants (a cycle); CONFLICT on a taken name. */
store_rc_t store_team_update(store_t *st, const char *org_uuid, const char *team_uuid, const char *name,
                             const char *parent_uuid);
/* Stores s (uuid, share_code and created_at set by the caller) and, in the
 * same transaction, the `snippet_created` workflow-log entry of its
 * conversation at now (unix milliseconds). With s->in_library the snippet goes
 * into folder_path ("/" = the root; "/a/b") of the organization's library,
 * or of its user's My Library with s->my_library; missing folders are made.
 * CONFLICT on a taken uuid or share code. */
store_rc_t store_snippet_create(store_t *st, const store_snippet_t *s, const char *folder_path, int64_t now);
/* The snippet whose share code is share_code (any organization): cb is
 * called once on STORE_OK. NOT_FOUND when there is none. */
store_rc_t store_snippet_by_code(store_t *st, const char *share_code, store_snippet_cb cb, void *ctx);
/* One folder of org_uuid by uuid (a malformed one is NOT_FOUND). */
store_rc_t store_folder_get(store_t *st, const char *org_uuid, const char *folder_uuid, store_folder_t *out);
/* The direct subfolders of parent_uuid ("" = the root) in the library of
 * org_uuid and owner_uuid ("" = the organization's), by name then uuid, with
 * their totals; hidden ones only with include_hidden. */
store_rc_t store_folder_children(store_t *st, const char *org_uuid, const char *owner_uuid, const char *parent_uuid,
                                 bool include_hidden, store_folder_cb cb, void *ctx);
/* Makes sure folder path ("/a/b") exists in the library of org_uuid and
 * owner_uuid, creating the missing folders as user_uuid's at now_ms (hidden
 * when hidden: only the last one); its uuid goes to out. For the seed. */
store_rc_t store_folder_ensure(store_t *st, const char *org_uuid, const char *owner_uuid, const char *path,
                               const char *user_uuid, bool hidden, int64_t now_ms, uuid_str_t out);

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

/* ---- media (spec §7; src/media) ------------------------------------------------ */
#define STORE_MEDIA_SECRET_HEX 64   /* the signing secret, as lowercase hex */
#define STORE_MEDIA_KEY_MAX 128     /* bytes of an object key, with the NUL */
/* The secret the media URLs are signed with, shared by every instance on the
 * database: the stored one, or, when none is stored yet, candidate (64 hex
 * characters), stored now. out receives it (65 bytes with the NUL). */
store_rc_t store_media_secret(store_t *st, const char *candidate, char out[STORE_MEDIA_SECRET_HEX + 1]);
/* Records that conversation conv_uuid of org_uuid has the media object key
 * (replacing any earlier one). Joins an open store_batch_begin transaction. */
store_rc_t store_conv_media_set(store_t *st, const char *org_uuid, const char *conv_uuid, const char *key);
/* The media object key of conversation conv_uuid of org_uuid into key
 * (capacity STORE_MEDIA_KEY_MAX); NOT_FOUND when it has none. */
store_rc_t store_conv_media_get(store_t *st, const char *org_uuid, const char *conv_uuid,
                                char key[STORE_MEDIA_KEY_MAX]);
/* Forgets the media of conversation conv_uuid of org_uuid (OK when there was none). */
store_rc_t store_conv_media_delete(store_t *st, const char *org_uuid, const char *conv_uuid);
/* Every conversation of org_uuid with media, by conversation uuid: cb(ctx,
 * conversation uuid, key), non-zero stops (STORE_ERROR). For `parley export`. */
typedef int (*store_media_cb)(void *ctx, const char *conv_uuid, const char *key);
store_rc_t store_conv_media_list(store_t *st, const char *org_uuid, store_media_cb cb, void *ctx);
/* ---- webhooks (spec §8; src/store/{sqlite,postgres}/webhooks.c) ------------ */
/* Every conversation write that changes something (import, archive and
 * unarchive on a real change, every change endpoint, trigger-native-
 * integration) writes its events into the outbox in its own transaction:
 * an event row holding the conversation as GET renders it right then, and
 * one delivery row per endpoint of the organization subscribed to the
 * event. Bulk loading (store_batch_begin: seed, load) writes none. */

typedef struct store_webhook {
    uuid_str_t id;
    uuid_str_t org_uuid;
    char url[WEBHOOK_URL_MAX + 1];
    int64_t events;                     /* mask of WEBHOOK_EV_*; WEBHOOK_EV_ALL = "*" */
    bool resource;                      /* payload "resource" (else "envelope") */
    char secret[WEBHOOK_SECRET_MAX + 1];
    int64_t created_at;                 /* milliseconds */
} store_webhook_t;

typedef enum { STORE_WH_PENDING = 0, STORE_WH_DELIVERED = 1, STORE_WH_FAILED = 2 } store_wh_status_t;

/* One delivery (an event for one endpoint) as the admin API lists it. */
typedef struct store_wh_delivery {
    uuid_str_t event_id;
    const char *type;                   /* the event's name */
    uuid_str_t conversation_uuid;
    int64_t created_at;                 /* the event's time, milliseconds */
    store_wh_status_t status;
    const char *attempts_json;          /* [{"at","responseStatus","error"}…] as recorded */
    int64_t next_attempt_at;            /* milliseconds (0: at once); meaningful while pending */
} store_wh_delivery_t;

/* One pending delivery as the delivery worker sends it: the event, its
 * endpoint and what was tried so far. */
typedef struct store_wh_item {
    int64_t seq;                        /* the event's seq: the order of one endpoint's deliveries (commit order) */
    uuid_str_t event_id;
    uuid_str_t org_uuid;
    uuid_str_t conversation_uuid;
    const char *type;
    int64_t created_at;                 /* the event's time, milliseconds */
    int attempts;                       /* made so far */
    int64_t next_attempt_at;            /* milliseconds; 0 = at once */
    const char *data;                   /* the conversation as GET rendered it when the event was written;
                                         * NULL when it cannot be had, data_error says why */
    const char *data_error;             /* NULL, or why data is NULL (a damaged document; out of memory):
                                         * the worker records a failed attempt instead of sending */
    const char *url;
    const char *secret;
    bool resource;
} store_wh_item_t;

/* The outcome of one attempt, as the worker records it. */
typedef struct store_wh_result {
    int64_t event_seq;                  /* the delivery: its event's seq and its endpoint */
    uuid_str_t endpoint_id;
    uuid_str_t event_id;                /* checked with the seq: a restored database may reuse seqs */
    store_wh_status_t status;           /* PENDING: retry at next_attempt_at */
    int64_t next_attempt_at;            /* milliseconds */
    const char *attempt_json;           /* {"at","responseStatus","error"}, appended to the attempts */
} store_wh_result_t;

typedef int (*store_webhook_cb)(void *ctx, const store_webhook_t *w);
typedef int (*store_wh_delivery_cb)(void *ctx, const store_wh_delivery_t *d);
typedef int (*store_wh_item_cb)(void *ctx, const store_wh_item_t *it);
/* An endpoint whose oldest pending delivery is due at due_ms (0: at once). */
typedef int (*store_wh_head_cb)(void *ctx, const char *endpoint_id, int64_t due_ms);

/* Stores endpoint w (every member set by the caller). NOT_FOUND when its
 * organization does not exist; CONFLICT when the organization has
 * WEBHOOK_PER_ORG_MAX endpoints already. */
store_rc_t store_webhook_create(store_t *st, const store_webhook_t *w);
/* The endpoints of org_uuid (NULL: of every organization), by created_at, id. */
store_rc_t store_webhook_list(store_t *st, const char *org_uuid, store_webhook_cb cb, void *ctx);
/* One endpoint by id; NOT_FOUND when there is none. */
store_rc_t store_webhook_get(store_t *st, const char *id, store_webhook_t *out);
/* Deletes an endpoint with every delivery to it (pending ones are dropped);
 * NOT_FOUND when there is none. */
store_rc_t store_webhook_delete(store_t *st, const char *id);
/* The deliveries to endpoint id, newest first, status < 0 = any, at most
 * limit. NOT_FOUND when there is no such endpoint. */
store_rc_t store_webhook_deliveries(store_t *st, const char *id, int status, int64_t limit, store_wh_delivery_cb cb,
                                    void *ctx);

/* The delivery worker's side: one thread of the process calls these (on
 * PostgreSQL on a connection of its own, outside the pool, whose session
 * holds the claims). */
/* Every endpoint with a pending delivery, with the due time of its oldest. */
store_rc_t store_webhook_due(store_t *st, store_wh_head_cb cb, void *ctx);
/* take: claims endpoint id for this process, so that no other instance
 * delivers to it meanwhile (PostgreSQL: a session advisory lock, which the
 * database releases when this process's connection ends, even by a crash);
 * CONFLICT when another instance holds it. !take releases it. SQLite: always
 * OK (one server per database file). UNAVAILABLE when the session was lost:
 * every claim of this process is gone. */
store_rc_t store_webhook_claim(store_t *st, const char *id, bool take);
/* The first limit pending deliveries to endpoint id, in delivery order; cb
 * returning non-zero stops early (not an error: the caller has enough). */
store_rc_t store_webhook_window(store_t *st, const char *id, int limit, store_wh_item_cb cb, void *ctx);
/* Records n attempts in one transaction (a delivery no longer pending, or
 * gone, is left alone). */
store_rc_t store_webhook_record(store_t *st, const store_wh_result_t *r, size_t n);
/* Deletes events older than before_ms none of whose deliveries is pending,
 * with their deliveries; *deleted (may be NULL) counts the events. */
store_rc_t store_webhook_prune(store_t *st, int64_t before_ms, int64_t *deleted);
/* fn(ctx) is called, on the committing thread, after every commit that wrote
 * outbox events (the worker's wake-up); NULL removes it. */
void store_set_events_hook(store_t *st, void (*fn)(void *ctx), void *ctx);

/* ---- operations (metrics) -------------------------------------------------- */
typedef struct store_stats {
    int64_t db_bytes;           /* the database's size (SQLite: file and WAL); -1 = unknown */
    int64_t webhook_backlog;    /* webhook deliveries not made yet (pending, retries included); -1 = unknown */
    int64_t webhook_reused;     /* payloads a delivery took from a reply's render (sq_paycache); -1 = unknown */
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

/* ---- one snapshot for a request's reads ------------------------------------ */
/* Opens a read transaction on the calling thread's connection, so that the
 * reads until store_read_end see one snapshot and pay for one transaction
 * (SQLite: every statement outside one opens and ends its own, each time
 * through the process-wide WAL-index lock). Only for reads: a write on this
 * connection inside it would have to upgrade it, and a write through the
 * group-commit writer would not be seen by the reads after it. Returns whether
 * it opened one (false: a backend without it, or one already open, or BEGIN
 * failed); pass that to store_read_end. */
bool store_read_begin(store_t *st);
void store_read_end(store_t *st, bool opened);

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
