/* backend.h - what a storage backend provides: one vtable behind the store.h functions. */
#ifndef PARLEY_STORE_BACKEND_H
#define PARLEY_STORE_BACKEND_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/insights.h"
#include "store/store.h"

/* Appends s to the generated SQL in dst (capacity cap); aborts on overflow,
 * which would be a programming error in a backend's fixed SQL, never a
 * runtime condition. */
static inline void store_sql_cat(char *dst, size_t cap, const char *s)
{
    size_t have = strlen(dst), add = strlen(s);
    if (have + add + 1 > cap) {
        fprintf(stderr, "parley: store: generated SQL does not fit its buffer\n");
        abort();
    }
    memcpy(dst + have, s, add + 1);
}

/* True when where (a backend's generated WHERE text) is exactly parts[0]
 * followed by some of parts[1..n), each at most once and in that order: a
 * backend's check that a list's conditions are only ones its count table can
 * answer. Any other condition leaves text behind and makes it false. */
static inline bool store_where_is_only(const char *where, const char *const *parts, size_t n)
{
    const char *p = where;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(parts[i]);
        if (strncmp(p, parts[i], len) == 0)
            p += len;
        else if (i == 0)
            return false;
    }
    return *p == '\0';
}

/* True when scope sc may see a conversation owned by owner with is_private. */
static inline bool store_scope_sees(const store_scope_t *sc, const char *owner, bool is_private)
{
    return !sc->user_uuid || !is_private || strcasecmp(owner, sc->user_uuid) == 0;
}

/* Whether scope sc may change a conversation owned by owner with is_private:
 * STORE_OK; NOT_FOUND when it cannot even see it; FORBIDDEN when it sees it
 * but is a user-level scope that does not own it. */
static inline store_rc_t store_scope_may_change(const store_scope_t *sc, const char *owner, bool is_private)
{
    if (!store_scope_sees(sc, owner, is_private))
        return STORE_NOT_FOUND;
    if (sc->user_uuid && strcasecmp(owner, sc->user_uuid) != 0)
        return STORE_FORBIDDEN;
    return STORE_OK;
}

/* A change of one conversation as the backends hand it to their write jobs:
 * scope sc changes conversation id (a canonical uuid), archiving it
 * (archived) or applying u, at now; cb with ctx gets the row as then stored. */
typedef struct store_conv_change {
    const store_scope_t *sc;
    const char *id;
    bool archived;
    const conv_update_t *u;
    int64_t now;
    store_conv_cb cb;
    void *ctx;
} store_conv_change_t;

/* One function per store.h operation, same contract as the store_* function
 * of the same name (store.c forwards to these). */
typedef struct store_vtable {
    void (*close)(store_t *st);
    int (*schema_version)(store_t *st);
    store_rc_t (*key_lookup)(store_t *st, const key_hash_t hash, store_key_t *out);
    store_rc_t (*key_touch)(store_t *st, const char *key_id, int64_t now);
    store_rc_t (*key_create)(store_t *st, const char *org_uuid, const char *user_uuid, bool org_level, const char *name, const key_hash_t hash, const char *last4, uuid_str_t id_out);
    store_rc_t (*key_revoke)(store_t *st, const char *org_uuid, const char *key_id);
    store_rc_t (*key_get)(store_t *st, const char *org_uuid, const char *key_id, store_key_info_t *out);
    store_rc_t (*key_list)(store_t *st, const char *org_uuid, const char *user_uuid, store_key_cb cb, void *ctx);
    store_rc_t (*org_create)(store_t *st, const char *name, const char *admin_email, uuid_str_t org_out, uuid_str_t admin_out, uuid_str_t team_out);
    store_rc_t (*org_resolve)(store_t *st, const char *uuid_or_name, uuid_str_t out);
    store_rc_t (*user_create)(store_t *st, const store_user_new_t *u, uuid_str_t out);
    store_rc_t (*user_resolve)(store_t *st, const char *org_uuid, const char *uuid_or_email, store_user_t *out);
    store_rc_t (*org_admin)(store_t *st, const char *org_uuid, store_user_t *out);
    store_rc_t (*user_list)(store_t *st, const char *org_uuid, bool with_deleted, store_user_cb cb, void *ctx);
    store_rc_t (*team_create)(store_t *st, const char *org_uuid, const char *name, const char *parent_uuid, const char *uuid, uuid_str_t out);
    store_rc_t (*team_resolve)(store_t *st, const char *org_uuid, const char *uuid_or_name, uuid_str_t out);
    store_rc_t (*team_get)(store_t *st, const char *org_uuid, const char *team_uuid, store_team_t *out);
    store_rc_t (*team_list)(store_t *st, const char *org_uuid, store_team_cb cb, void *ctx);
    store_rc_t (*team_members)(store_t *st, const char *org_uuid, const char *team_uuid, store_user_cb cb, void *ctx);
    store_rc_t (*user_teams)(store_t *st, const char *org_uuid, const char *user_uuid, store_team_cb cb, void *ctx);
    store_rc_t (*conv_get)(store_t *st, const store_scope_t *sc, const char *uuid, store_conv_cb cb, void *ctx);
    store_rc_t (*conv_get_by_external_id)(store_t *st, const store_scope_t *sc, const char *external_id, store_conv_cb cb, void *ctx);
    store_rc_t (*conv_list)(store_t *st, const store_scope_t *sc, const conv_filter_t *f, int64_t *total, store_conv_cb cb, void *ctx);
    store_rc_t (*conv_insert)(store_t *st, const conv_t *c, uuid_str_t existing);
    store_rc_t (*conv_set_archived)(store_t *st, const store_scope_t *sc, const char *uuid, bool archived, int64_t now, store_conv_cb cb, void *ctx);
    /* Optional (NULL = store.c runs the synchronous form, then done): the _async forms of store.h. */
    void (*conv_insert_async)(store_t *st, const conv_t *c, char *existing, store_done_cb done, void *done_ctx);
    void (*conv_set_archived_async)(store_t *st, const store_scope_t *sc, const char *uuid, bool archived,
                                    int64_t now, store_conv_cb cb, void *ctx, store_done_cb done, void *done_ctx);
    /* Optional (NULL = store.c renders through conv_get): store_conv_render. */
    store_rc_t (*conv_render)(store_t *st, const store_scope_t *sc, const char *uuid, buf_t *out);
    store_rc_t (*conv_update)(store_t *st, const store_scope_t *sc, const char *uuid, const conv_update_t *u, int64_t now, store_conv_cb cb, void *ctx);
    store_rc_t (*workflow_log_fail)(store_t *st, const char *org_uuid, const char *conv_uuid, const char *workflow_name, const char *error, int64_t now);
    store_rc_t (*workflow_log_list)(store_t *st, const store_scope_t *sc, const store_workflow_filter_t *f, int64_t *total, store_log_cb cb, void *ctx);
    store_rc_t (*conv_each)(store_t *st, const char *org_uuid, bool include_archived, store_conv_cb cb, void *ctx);
    store_rc_t (*batch_begin)(store_t *st);
    store_rc_t (*batch_end)(store_t *st, bool commit);
    /* Optional (NULL = no request snapshot: each statement its own): store_read_begin/end. */
    bool (*read_begin)(store_t *st);
    void (*read_end)(store_t *st);
    /* Optional (NULL = STORE_NOT_SUPPORTED): the admin API's operations. */
    store_rc_t (*org_delete)(store_t *st, const char *org_uuid);
    store_rc_t (*reset)(store_t *st);
    store_rc_t (*snapshot_write)(store_t *st, const char *path, int64_t *conversations);
    store_rc_t (*snapshot_load)(store_t *st, const char *path);
    /* Optional (NULL = nothing known): store_stats. */
    void (*stats)(store_t *st, store_stats_t *out);
    /* Optional (NULL = STORE_NOT_SUPPORTED): media (src/store/<backend>/media.c). */
    store_rc_t (*media_secret)(store_t *st, const char *candidate, char out[STORE_MEDIA_SECRET_HEX + 1]);
    store_rc_t (*conv_media_set)(store_t *st, const char *org_uuid, const char *conv_uuid, const char *key);
    store_rc_t (*conv_media_get)(store_t *st, const char *org_uuid, const char *conv_uuid,
                                 char key[STORE_MEDIA_KEY_MAX]);
    store_rc_t (*conv_media_delete)(store_t *st, const char *org_uuid, const char *conv_uuid);
    store_rc_t (*conv_media_list)(store_t *st, const char *org_uuid, store_media_cb cb, void *ctx);
    /* Webhooks (spec §8). */
    store_rc_t (*webhook_create)(store_t *st, const store_webhook_t *w);
    store_rc_t (*webhook_list)(store_t *st, const char *org_uuid, store_webhook_cb cb, void *ctx);
    store_rc_t (*webhook_get)(store_t *st, const char *id, store_webhook_t *out);
    store_rc_t (*webhook_delete)(store_t *st, const char *id);
    store_rc_t (*webhook_deliveries)(store_t *st, const char *id, int status, int64_t limit, store_wh_delivery_cb cb,
                                     void *ctx);
    store_rc_t (*webhook_due)(store_t *st, store_wh_head_cb cb, void *ctx);
    store_rc_t (*webhook_claim)(store_t *st, const char *id, bool take);
    store_rc_t (*webhook_window)(store_t *st, const char *id, int limit, store_wh_item_cb cb, void *ctx);
    store_rc_t (*webhook_record)(store_t *st, const store_wh_result_t *r, size_t n);
    store_rc_t (*webhook_prune)(store_t *st, int64_t before_ms, int64_t *deleted);
    /* Organization administration, snippets and the library (STORE_VTABLE_OPS_ADMIN_LIBRARY). */
    store_rc_t (*org_get)(store_t *st, const char *org_uuid, store_org_t *out);
    store_rc_t (*user_update)(store_t *st, const char *org_uuid, const char *user_uuid, const store_user_change_t *ch);
    store_rc_t (*user_delete)(store_t *st, const char *org_uuid, const char *user_uuid, int64_t now);
    store_rc_t (*team_update)(store_t *st, const char *org_uuid, const char *team_uuid, const char *name, const char *parent_uuid);
    store_rc_t (*snippet_create)(store_t *st, const store_snippet_t *s, const char *folder_path, int64_t now);
    store_rc_t (*snippet_by_code)(store_t *st, const char *share_code, store_snippet_cb cb, void *ctx);
    store_rc_t (*folder_get)(store_t *st, const char *org_uuid, const char *folder_uuid, store_folder_t *out);
    store_rc_t (*folder_children)(store_t *st, const char *org_uuid, const char *owner_uuid, const char *parent_uuid, bool include_hidden, store_folder_cb cb, void *ctx);
    store_rc_t (*folder_ensure)(store_t *st, const char *org_uuid, const char *owner_uuid, const char *path, const char *user_uuid, bool hidden, int64_t now_ms, uuid_str_t out);
    /* Optional (NULL = STORE_NOT_SUPPORTED): Ask Attention, scorecards, history (store/insights.h). */
    store_rc_t (*ask_search)(store_t *st, const store_scope_t *sc, const store_ask_query_t *q, store_ask_conv_cb conv,
                             store_ask_segment_cb seg, void *ctx);
    store_rc_t (*scorecard_create)(store_t *st, const scorecard_t *s, uuid_str_t out);
    store_rc_t (*scorecard_update)(store_t *st, const scorecard_t *s);
    store_rc_t (*scorecard_get)(store_t *st, const char *org_uuid, const char *uuid, store_scorecard_cb cb, void *ctx);
    store_rc_t (*scorecard_list)(store_t *st, const char *org_uuid, int64_t page, int64_t size, int64_t *total,
                                 store_scorecard_cb cb, void *ctx);
    store_rc_t (*scorecard_item_create)(store_t *st, const scorecard_item_t *it, uuid_str_t out);
    store_rc_t (*scorecard_item_update)(store_t *st, const scorecard_item_t *it);
    store_rc_t (*scorecard_item_delete)(store_t *st, const char *org_uuid, const char *sc_uuid, const char *item_uuid,
                                        int64_t now_ms);
    store_rc_t (*scorecard_item_get)(store_t *st, const char *org_uuid, const char *sc_uuid, const char *item_uuid,
                                     bool with_deleted, store_scorecard_item_cb cb, void *ctx);
    store_rc_t (*scorecard_item_list)(store_t *st, const char *org_uuid, const char *sc_uuid, bool with_deleted,
                                      store_scorecard_item_cb cb, void *ctx);
    store_rc_t (*scorecard_result_create)(store_t *st, const store_scorecard_result_t *r, const store_scope_t *sc);
    store_rc_t (*scorecard_summary)(store_t *st, const char *org_uuid, const scorecard_summary_req_t *f,
                                    store_summary_cb cb, void *ctx);
    store_rc_t (*gi_add)(store_t *st, const store_gi_entry_t *e);
    store_rc_t (*gi_list)(store_t *st, const char *org_uuid, const char *user_uuid, int64_t limit, int64_t offset,
                          int64_t *total, store_gi_cb cb, void *ctx);
} store_vtable_t;

/* The optional entries of store/insights.h, for X-macros as STORE_VTABLE_OPS
 * (each backend declares and sets them from this list). */
#define STORE_INSIGHTS_OPS(X)                                                                                        \
    X(ask_search) X(scorecard_create) X(scorecard_update) X(scorecard_get) X(scorecard_list)                        \
    X(scorecard_item_create) X(scorecard_item_update) X(scorecard_item_delete) X(scorecard_item_get)                \
    X(scorecard_item_list) X(scorecard_result_create) X(scorecard_summary) X(gi_add) X(gi_list)

/* The names of the vtable's entries every backend provides, for X-macros:
 * a backend names its function for entry op PREFIX_op, declares them all
 * with STORE_BACKEND_FN and fills its vtable from the same list. The
 * optional entries (the _async forms, conv_render, …) are not in it. */
#define STORE_VTABLE_OPS(X)                                                                                          \
    X(close) X(schema_version) X(key_lookup) X(key_touch) X(key_create) X(key_revoke) X(key_get) X(key_list)         \
    X(org_create) X(org_resolve) X(user_create) X(user_resolve) X(org_admin) X(user_list) X(team_create)             \
    X(team_resolve) X(team_get) X(team_list) X(team_members) X(user_teams) X(conv_get) X(conv_get_by_external_id)   \
    X(conv_list) X(conv_insert) X(conv_set_archived) X(conv_update) X(workflow_log_fail) X(workflow_log_list)        \
    X(conv_each) X(batch_begin) X(batch_end) X(webhook_create) X(webhook_list) X(webhook_get) X(webhook_delete)   \
    X(webhook_deliveries) X(webhook_due) X(webhook_claim) X(webhook_window) X(webhook_record) X(webhook_prune)

/* The entries of organization administration, snippets and the library
 * (beyond.md §1, §4, §5), which every backend provides too: a backend lists
 * them beside STORE_VTABLE_OPS. */
#define STORE_VTABLE_OPS_ADMIN_LIBRARY(X)                                                                           \
    X(org_get) X(user_update) X(user_delete) X(team_update) X(snippet_create) X(snippet_by_code) X(folder_get)      \
    X(folder_children) X(folder_ensure)

/* Declares name as a function of the type of vtable entry op (its
 * definition must match, or the build fails). */
#define STORE_BACKEND_FN(op, name) __typeof__(*((store_vtable_t *)0)->op) name

/* Called after a commit that wrote outbox events (store_set_events_hook). */
typedef void (*store_events_fn)(void *ctx);
/* Records, for store_last_unavailable, whether rc (the answer of a store
 * call about to be returned) says the database was unreachable; returns rc.
 * Every store_* forward passes its answer through it (store.c, insights.c). */
store_rc_t store_note(store_rc_t rc);

/* Every backend's store struct starts with this. */
struct store {
    const store_vtable_t *vt;
    _Atomic(store_events_fn) events_hook;  /* NULL: nobody listens */
    void *_Atomic events_ctx;
};

/* A backend calls this after committing a transaction that wrote outbox
 * events (the delivery worker's wake-up). Cheap when nobody listens. */
static inline void store_events_committed(store_t *st)
{
    store_events_fn fn = atomic_load_explicit(&st->events_hook, memory_order_acquire);
    if (fn)
        fn(atomic_load_explicit(&st->events_ctx, memory_order_relaxed));
}

/* The start of every backend's open: when the caller gave no err buffer
 * (NULL or errlen 0), *err points at a scratch byte of the calling thread;
 * the message is emptied. False, with "no database given" in it, when opts
 * names no database. */
static inline bool store_open_args(const store_opts_t *opts, char **err, size_t *errlen)
{
    static __thread char scratch[1];
    if (!*err || *errlen == 0) {
        *err = scratch;
        *errlen = sizeof(scratch);
    }
    (*err)[0] = '\0';
    if (!opts || !opts->url || !opts->url[0]) {
        snprintf(*err, *errlen, "no database given");
        return false;
    }
    return true;
}

/* The uuid of a new row: given (parsed, canonical) when set, else a new
 * UUIDv7. False when given is set but not a UUID. */
static inline bool store_new_uuid(const char *given, uuid_str_t out)
{
    if (!given[0]) {
        uuid_v7(out);
        return true;
    }
    return uuid_parse(given, out);
}

/* True when r has what both backends need to store a scorecard result: its
 * texts, and its items with their weights when it has any. */
static inline bool store_scorecard_result_ok(const store_scorecard_result_t *r, const store_scope_t *sc)
{
    return r && sc && r->org_uuid && r->scorecard_uuid && r->conversation_uuid && r->summary &&
           (!r->n_items || (r->items && r->weights));
}

/* The change a stored scorecard result makes to its conversation (through
 * the conversation's update path): entry_json appended to its
 * scorecardResults, logged as scorecard_result_created. */
static inline conv_update_t store_scorecard_result_update(const char *entry_json)
{
    return (conv_update_t){.privacy = CONV_PRIVACY_KEEP, .scorecard_entry_json = entry_json,
                           .workflow_name = "scorecard_result_created"};
}

/* Backends: each returns NULL with a reason in err on failure. */
store_t *store_sqlite_open(const store_opts_t *opts, char *err, size_t errlen);
/* opts->url is a libpq URL (postgres://, postgresql://) or keyword string (host=… dbname=…). */
store_t *store_postgres_open(const store_opts_t *opts, char *err, size_t errlen);

#endif
