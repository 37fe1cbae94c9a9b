/* store.c - the store interface: picks a backend from the URL and forwards each call to its vtable. */
#include "store/backend.h"

#include <stdio.h>
#include <string.h>

#include "store/outbox.h"

/* The result of the calling thread's most recent store call, for store_last_unavailable. */
static __thread bool store_tls_unavailable;

/* Records whether rc says the database was unreachable; returns rc (backend.h). */
store_rc_t store_note(store_rc_t rc)
{
    store_tls_unavailable = rc == STORE_UNAVAILABLE;
    return rc;
}

bool store_last_unavailable(void)
{
    return store_tls_unavailable;
}

bool store_is_postgres_url(const char *url)
{
    if (!url)
        return false;
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return true;
    /* a libpq keyword string: "host=… dbname=…" (a file path has no "word=" pair) */
    static const char *const words[] = {"host=", "hostaddr=", "dbname=", "user=", "port=", "service="};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        for (const char *p = url; (p = strstr(p, words[i])) != NULL; p++)
            if (p == url || p[-1] == ' ')
                return true;
    }
    return false;
}

void store_url_redact(const char *url, char *out, size_t n)
{
    if (!n)
        return;
    out[0] = '\0';
    if (!url)
        return;
    size_t o = 0;
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    const char *skip_from = NULL, *skip_to = NULL;
    if (at && colon && colon < at) { /* scheme://user:PASS@host */
        skip_from = colon + 1;
        skip_to = at;
    } else if (!scheme) {
        const char *pw = strstr(url, "password=");
        if (pw && (pw == url || pw[-1] == ' ')) {
            skip_from = pw + 9;
            skip_to = skip_from + strcspn(skip_from, " ");
        }
    }
    for (const char *p = url; *p && o + 1 < n; p++) {
        if (p == skip_from) {
            for (const char *m = "***"; *m && o + 1 < n; m++)
                out[o++] = *m;
            p = skip_to - 1;
            continue;
        }
        out[o++] = *p;
    }
    out[o] = '\0';
}

store_t *store_open(const store_opts_t *opts, char *err, size_t errlen)
{
    const char *u = opts && opts->url ? opts->url : "";
    if (store_is_postgres_url(u))
        return store_postgres_open(opts, err, errlen);
    return store_sqlite_open(opts, err, errlen);
}

const char *store_rc_str(store_rc_t rc)
{
    switch (rc) {
    case STORE_OK: return "ok";
    case STORE_NOT_FOUND: return "not found";
    case STORE_CONFLICT: return "conflict";
    case STORE_FORBIDDEN: return "forbidden";
    case STORE_ERROR: return "store error";
    case STORE_UNAVAILABLE: return "database unavailable";
    case STORE_NOT_SUPPORTED: return "not supported by this backend";
    }
    return "unknown";
}

void store_close(store_t *st)
{
    if (st)
        st->vt->close(st);
}

int store_schema_version(store_t *st)
{
    return st->vt->schema_version(st);
}

store_rc_t store_key_lookup(store_t *st, const key_hash_t hash, store_key_t *out)
{
    return store_note(st->vt->key_lookup(st, hash, out));
}

store_rc_t store_key_touch(store_t *st, const char *key_id, int64_t now)
{
    return store_note(st->vt->key_touch(st, key_id, now));
}

store_rc_t store_key_create(store_t *st, const char *org_uuid, const char *user_uuid, bool org_level, const char *name, const key_hash_t hash, const char *last4, uuid_str_t id_out)
{
    return store_note(st->vt->key_create(st, org_uuid, user_uuid, org_level, name, hash, last4, id_out));
}

store_rc_t store_key_revoke(store_t *st, const char *org_uuid, const char *key_id)
{
    return store_note(st->vt->key_revoke(st, org_uuid, key_id));
}

store_rc_t store_key_get(store_t *st, const char *org_uuid, const char *key_id, store_key_info_t *out)
{
    return store_note(st->vt->key_get(st, org_uuid, key_id, out));
}

store_rc_t store_key_list(store_t *st, const char *org_uuid, const char *user_uuid, store_key_cb cb, void *ctx)
{
    return store_note(st->vt->key_list(st, org_uuid, user_uuid, cb, ctx));
}

store_rc_t store_org_create(store_t *st, const char *name, const char *admin_email, uuid_str_t org_out, uuid_str_t admin_out, uuid_str_t team_out)
{
    return store_note(st->vt->org_create(st, name, admin_email, org_out, admin_out, team_out));
}

store_rc_t store_org_resolve(store_t *st, const char *uuid_or_name, uuid_str_t out)
{
    return store_note(st->vt->org_resolve(st, uuid_or_name, out));
}

store_rc_t store_user_create(store_t *st, const store_user_new_t *u, uuid_str_t out)
{
    return store_note(st->vt->user_create(st, u, out));
}

store_rc_t store_user_resolve(store_t *st, const char *org_uuid, const char *uuid_or_email, store_user_t *out)
{
    return store_note(st->vt->user_resolve(st, org_uuid, uuid_or_email, out));
}

store_rc_t store_org_admin(store_t *st, const char *org_uuid, store_user_t *out)
{
    return store_note(st->vt->org_admin(st, org_uuid, out));
}

store_rc_t store_user_list(store_t *st, const char *org_uuid, store_user_cb cb, void *ctx)
{
    return store_note(st->vt->user_list(st, org_uuid, false, cb, ctx));
}

store_rc_t store_user_list_with_deleted(store_t *st, const char *org_uuid, store_user_cb cb, void *ctx)
{
    return store_note(st->vt->user_list(st, org_uuid, true, cb, ctx));
}

store_rc_t store_team_create(store_t *st, const char *org_uuid, const char *name, const char *parent_uuid, const char *uuid, uuid_str_t out)
{
    return store_note(st->vt->team_create(st, org_uuid, name, parent_uuid, uuid, out));
}

store_rc_t store_team_resolve(store_t *st, const char *org_uuid, const char *uuid_or_name, uuid_str_t out)
{
    return store_note(st->vt->team_resolve(st, org_uuid, uuid_or_name, out));
}

store_rc_t store_team_get(store_t *st, const char *org_uuid, const char *team_uuid, store_team_t *out)
{
    return store_note(st->vt->team_get(st, org_uuid, team_uuid, out));
}

store_rc_t store_team_list(store_t *st, const char *org_uuid, store_team_cb cb, void *ctx)
{
    return store_note(st->vt->team_list(st, org_uuid, cb, ctx));
}

store_rc_t store_team_members(store_t *st, const char *org_uuid, const char *team_uuid, store_user_cb cb, void *ctx)
{
    return store_note(st->vt->team_members(st, org_uuid, team_uuid, cb, ctx));
}

store_rc_t store_user_teams(store_t *st, const char *org_uuid, const char *user_uuid, store_team_cb cb, void *ctx)
{
    return store_note(st->vt->user_teams(st, org_uuid, user_uuid, cb, ctx));
}

store_rc_t store_conv_get(store_t *st, const store_scope_t *sc, const char *uuid, store_conv_cb cb, void *ctx)
{
    return store_note(st->vt->conv_get(st, sc, uuid, cb, ctx));
}

store_rc_t store_conv_render(store_t *st, const store_scope_t *sc, const char *uuid, buf_t *out)
{
    if (st->vt->conv_render)
        return store_note(st->vt->conv_render(st, sc, uuid, out));
    store_rc_t r = st->vt->conv_get(st, sc, uuid, store_outbox_render_cb, out);
    return store_note(r == STORE_OK && out->oom ? STORE_ERROR : r);
}

store_rc_t store_conv_get_by_external_id(store_t *st, const store_scope_t *sc, const char *external_id, store_conv_cb cb, void *ctx)
{
    return store_note(st->vt->conv_get_by_external_id(st, sc, external_id, cb, ctx));
}

store_rc_t store_conv_list(store_t *st, const store_scope_t *sc, const conv_filter_t *f, int64_t *total, store_conv_cb cb, void *ctx)
{
    return store_note(st->vt->conv_list(st, sc, f, total, cb, ctx));
}

store_rc_t store_conv_insert(store_t *st, const conv_t *c, uuid_str_t existing)
{
    return store_note(st->vt->conv_insert(st, c, existing));
}

store_rc_t store_conv_set_archived(store_t *st, const store_scope_t *sc, const char *uuid, bool archived, int64_t now, store_conv_cb cb, void *ctx)
{
    return store_note(st->vt->conv_set_archived(st, sc, uuid, archived, now, cb, ctx));
}

void store_conv_insert_async(store_t *st, const conv_t *c, char *existing, store_done_cb done, void *done_ctx)
{
    if (st->vt->conv_insert_async)
        st->vt->conv_insert_async(st, c, existing, done, done_ctx);
    else
        done(done_ctx, store_note(st->vt->conv_insert(st, c, existing)));
}

void store_conv_set_archived_async(store_t *st, const store_scope_t *sc, const char *uuid, bool archived, int64_t now,
                                   store_conv_cb cb, void *ctx, store_done_cb done, void *done_ctx)
{
    if (st->vt->conv_set_archived_async)
        st->vt->conv_set_archived_async(st, sc, uuid, archived, now, cb, ctx, done, done_ctx);
    else
        done(done_ctx, store_note(st->vt->conv_set_archived(st, sc, uuid, archived, now, cb, ctx)));
}

store_rc_t store_conv_update(store_t *st, const store_scope_t *sc, const char *uuid, const conv_update_t *u, int64_t now, store_conv_cb cb, void *ctx)
{
    return store_note(st->vt->conv_update(st, sc, uuid, u, now, cb, ctx));
}

store_rc_t store_workflow_log_fail(store_t *st, const char *org_uuid, const char *conv_uuid, const char *workflow_name, const char *error, int64_t now)
{
    return store_note(st->vt->workflow_log_fail(st, org_uuid, conv_uuid, workflow_name, error, now));
}

store_rc_t store_workflow_log_list(store_t *st, const store_scope_t *sc, const store_workflow_filter_t *f, int64_t *total, store_log_cb cb, void *ctx)
{
    return store_note(st->vt->workflow_log_list(st, sc, f, total, cb, ctx));
}

store_rc_t store_conv_each(store_t *st, const char *org_uuid, bool include_archived, store_conv_cb cb, void *ctx)
{
    return store_note(st->vt->conv_each(st, org_uuid, include_archived, cb, ctx));
}

store_rc_t store_batch_begin(store_t *st)
{
    return store_note(st->vt->batch_begin(st));
}

store_rc_t store_batch_end(store_t *st, bool commit)
{
    return store_note(st->vt->batch_end(st, commit));
}

bool store_read_begin(store_t *st)
{
    return st->vt->read_begin ? st->vt->read_begin(st) : false;
}

void store_read_end(store_t *st, bool opened)
{
    if (opened && st->vt->read_end)
        st->vt->read_end(st);
}

/* ---- organization administration, snippets, the library ---- */

store_rc_t store_org_get(store_t *st, const char *org_uuid, store_org_t *out)
{
    return store_note(st->vt->org_get(st, org_uuid, out));
}

store_rc_t store_user_update(store_t *st, const char *org_uuid, const char *user_uuid, const store_user_change_t *ch)
{
    return store_note(st->vt->user_update(st, org_uuid, user_uuid, ch));
}

store_rc_t store_user_delete(store_t *st, const char *org_uuid, const char *user_uuid, int64_t now)
{
    return store_note(st->vt->user_delete(st, org_uuid, user_uuid, now));
}

store_rc_t store_team_update(store_t *st, const char *org_uuid, const char *team_uuid, const char *name,
                             const char *parent_uuid)
{
    return store_note(st->vt->team_update(st, org_uuid, team_uuid, name, parent_uuid));
}

store_rc_t store_snippet_create(store_t *st, const store_snippet_t *s, const char *folder_path, int64_t now)
{
    return store_note(st->vt->snippet_create(st, s, folder_path, now));
}

store_rc_t store_snippet_by_code(store_t *st, const char *share_code, store_snippet_cb cb, void *ctx)
{
    return store_note(st->vt->snippet_by_code(st, share_code, cb, ctx));
}

store_rc_t store_folder_get(store_t *st, const char *org_uuid, const char *folder_uuid, store_folder_t *out)
{
    return store_note(st->vt->folder_get(st, org_uuid, folder_uuid, out));
}

store_rc_t store_folder_children(store_t *st, const char *org_uuid, const char *owner_uuid, const char *parent_uuid,
                                 bool include_hidden, store_folder_cb cb, void *ctx)
{
    return store_note(st->vt->folder_children(st, org_uuid, owner_uuid, parent_uuid, include_hidden, cb, ctx));
}

store_rc_t store_folder_ensure(store_t *st, const char *org_uuid, const char *owner_uuid, const char *path,
                               const char *user_uuid, bool hidden, int64_t now_ms, uuid_str_t out)
{
    return store_note(st->vt->folder_ensure(st, org_uuid, owner_uuid, path, user_uuid, hidden, now_ms, out));
}

/* The admin API's operations are optional in a backend: NULL = not supported. */
store_rc_t store_org_delete(store_t *st, const char *org_uuid)
{
    return st->vt->org_delete ? store_note(st->vt->org_delete(st, org_uuid)) : STORE_NOT_SUPPORTED;
}

store_rc_t store_reset(store_t *st)
{
    return st->vt->reset ? store_note(st->vt->reset(st)) : STORE_NOT_SUPPORTED;
}

store_rc_t store_snapshot_write(store_t *st, const char *path, int64_t *conversations)
{
    return st->vt->snapshot_write ? store_note(st->vt->snapshot_write(st, path, conversations)) : STORE_NOT_SUPPORTED;
}

store_rc_t store_snapshot_load(store_t *st, const char *path)
{
    return st->vt->snapshot_load ? store_note(st->vt->snapshot_load(st, path)) : STORE_NOT_SUPPORTED;
}

void store_stats(store_t *st, store_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->db_bytes = -1;
    out->webhook_backlog = -1;
    out->webhook_reused = -1;
    if (st->vt->stats)
        st->vt->stats(st, out);
}

/* Media (optional in a backend: NULL = not supported). */
store_rc_t store_media_secret(store_t *st, const char *candidate, char out[STORE_MEDIA_SECRET_HEX + 1])
{
    return st->vt->media_secret ? store_note(st->vt->media_secret(st, candidate, out)) : STORE_NOT_SUPPORTED;
}

store_rc_t store_conv_media_set(store_t *st, const char *org_uuid, const char *conv_uuid, const char *key)
{
    return st->vt->conv_media_set ? store_note(st->vt->conv_media_set(st, org_uuid, conv_uuid, key))
                                  : STORE_NOT_SUPPORTED;
}

store_rc_t store_conv_media_get(store_t *st, const char *org_uuid, const char *conv_uuid,
                                char key[STORE_MEDIA_KEY_MAX])
{
    return st->vt->conv_media_get ? store_note(st->vt->conv_media_get(st, org_uuid, conv_uuid, key))
                                  : STORE_NOT_SUPPORTED;
}

store_rc_t store_conv_media_delete(store_t *st, const char *org_uuid, const char *conv_uuid)
{
    return st->vt->conv_media_delete ? store_note(st->vt->conv_media_delete(st, org_uuid, conv_uuid))
                                     : STORE_NOT_SUPPORTED;
}

store_rc_t store_conv_media_list(store_t *st, const char *org_uuid, store_media_cb cb, void *ctx)
{
    return st->vt->conv_media_list ? store_note(st->vt->conv_media_list(st, org_uuid, cb, ctx)) : STORE_NOT_SUPPORTED;
}

/* ---- webhooks ------------------------------------------------------------- */

store_rc_t store_webhook_create(store_t *st, const store_webhook_t *w)
{
    return store_note(st->vt->webhook_create(st, w));
}

store_rc_t store_webhook_list(store_t *st, const char *org_uuid, store_webhook_cb cb, void *ctx)
{
    return store_note(st->vt->webhook_list(st, org_uuid, cb, ctx));
}

store_rc_t store_webhook_get(store_t *st, const char *id, store_webhook_t *out)
{
    return store_note(st->vt->webhook_get(st, id, out));
}

store_rc_t store_webhook_delete(store_t *st, const char *id)
{
    return store_note(st->vt->webhook_delete(st, id));
}

store_rc_t store_webhook_deliveries(store_t *st, const char *id, int status, int64_t limit, store_wh_delivery_cb cb,
                                    void *ctx)
{
    return store_note(st->vt->webhook_deliveries(st, id, status, limit, cb, ctx));
}

store_rc_t store_webhook_due(store_t *st, store_wh_head_cb cb, void *ctx)
{
    return store_note(st->vt->webhook_due(st, cb, ctx));
}

store_rc_t store_webhook_claim(store_t *st, const char *id, bool take)
{
    return store_note(st->vt->webhook_claim(st, id, take));
}

store_rc_t store_webhook_window(store_t *st, const char *id, int limit, store_wh_item_cb cb, void *ctx)
{
    return store_note(st->vt->webhook_window(st, id, limit, cb, ctx));
}

store_rc_t store_webhook_record(store_t *st, const store_wh_result_t *r, size_t n)
{
    return store_note(st->vt->webhook_record(st, r, n));
}

store_rc_t store_webhook_prune(store_t *st, int64_t before_ms, int64_t *deleted)
{
    return store_note(st->vt->webhook_prune(st, before_ms, deleted));
}

void store_set_events_hook(store_t *st, void (*fn)(void *ctx), void *ctx)
{
    atomic_store_explicit(&st->events_ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&st->events_hook, fn, memory_order_release);
}
