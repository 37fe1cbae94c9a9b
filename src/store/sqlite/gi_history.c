/* gi_history.c - the generalized-insights history (GET /gi/history) in the SQLite backend (migration 010). */
#include "store/sqlite/sq.h"

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
    r = sq_rows(c, s, &(store_cbs_t){.gi = cb}, ctx, __func__);
    sq_put(c, S_GI_PAGE, s);
out:
    sq_read_end(c, in_tx, __func__);
    return r;
}
