/* gi_history.c - the generalized-insights history (GET /gi/history) in the SQLite backend (migration 010). */
#include "store/sqlite/sq.h"

#include <string.h>

store_rc_t sqlite_gi_add(store_t *base, const store_gi_entry_t *e)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !e || !e->uuid[0] || !e->result_uuid[0] || !e->title || !e->prompt || !e->synthesis || !e->items_json || !e->conversations_json)
        return STORE_ERROR;
    const sq_param_t p[] = {SQ_TEXT(e->uuid),   SQ_TEXT(e->org_uuid),   SQ_TEXT(e->user_uuid),
                            SQ_TEXT(e->title),  SQ_TEXT(e->result_uuid), SQ_TEXT(e->prompt),
                            SQ_TEXT(e->synthesis), SQ_TEXT(e->items_json), SQ_TEXT(e->conversations_json),
                            SQ_INT(e->created_at)};
    store_rc_t r = sq_run(c, S_GI_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), __func__);
    return r == STORE_CONFLICT ? STORE_ERROR : r;
}

store_rc_t sqlite_gi_list(store_t *base, const char *org_uuid, const char *user_uuid, int64_t limit, int64_t offset,
                          int64_t *total, store_gi_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (total)
        *total = 0;
    if (!c || !org_uuid || !user_uuid || !cb)
        return STORE_ERROR;
    bool in_tx = false;
    if (!sq_read_begin(c, &in_tx, __func__))
        return STORE_ERROR;
    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = sq_stmt2(c, S_GI_COUNT, org_uuid, user_uuid, __func__);
    int64_t n = 0;
    bool ok = s && sq_step_int(c, s, &n, __func__);
    sq_put(c, S_GI_COUNT, s);
    if (!ok)
        goto out;
    if (total)
        *total = n;
    const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(user_uuid), SQ_INT(limit), SQ_INT(offset)};
    if (!(s = sq_bind(c, S_GI_PAGE, p, SQ_NPARAMS(p), __func__)))
        goto out;
    int rc;
    r = STORE_OK;
    while (r == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_gi_entry_t e;
        memset(&e, 0, sizeof e);
        sq_copy_col(s, 0, e.uuid, sizeof e.uuid);
        sq_copy_col(s, 1, e.org_uuid, sizeof e.org_uuid);
        sq_copy_col(s, 2, e.user_uuid, sizeof e.user_uuid);
        e.title = (const char *)sqlite3_column_text(s, 3);
        sq_copy_col(s, 4, e.result_uuid, sizeof e.result_uuid);
        e.prompt = (const char *)sqlite3_column_text(s, 5);
        e.synthesis = (const char *)sqlite3_column_text(s, 6);
        e.items_json = (const char *)sqlite3_column_text(s, 7);
        e.conversations_json = (const char *)sqlite3_column_text(s, 8);
        e.created_at = sqlite3_column_int64(s, 9);
        if (cb(ctx, &e) != 0)
            r = STORE_ERROR;
    }
    if (r == STORE_OK && rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        r = STORE_ERROR;
    }
    sq_put(c, S_GI_PAGE, s);
out:
    sq_read_end(c, in_tx, __func__);
    return r;
}
