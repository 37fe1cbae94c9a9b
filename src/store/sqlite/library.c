/* library.c - library folders in the SQLite backend: one folder, a folder's subfolders with their totals, making a folder path (beyond.md §5). */
#include "store/sqlite/sq.h"

#include "lib/uuid.h"
#include "store/folder_path.h"

/* store_folder_step_fn of sq_folder_ensure (conn: the sq_conn_t, inside a
 * write transaction, so nobody makes it meanwhile): the folder by its path,
 * else a new one. */
static store_rc_t sq_folder_step(void *conn, const store_folder_req_t *q, const store_folder_seg_t *seg, uuid_str_t id)
{
    sq_conn_t *c = conn;
    const sq_param_t find[] = {SQ_TEXT(q->org), SQ_TEXT(q->owner), SQ_TEXT(seg->prefix)};
    store_rc_t r = sq_one_row(c, S_FOLDER_BY_PATH, sq_bind(c, S_FOLDER_BY_PATH, find, SQ_NPARAMS(find), q->fn),
                              sq_row_into, &(sq_into_t){&store_shape_uuid, id}, q->fn);
    if (r != STORE_NOT_FOUND)
        return r;
    uuid_v7(id);
    const sq_param_t p[] = {SQ_TEXT(id),       SQ_TEXT(q->org),  SQ_TEXT(q->owner),
                            SQ_TEXT(seg->parent[0] ? seg->parent : NULL), SQ_TEXT(seg->name), SQ_TEXT(seg->prefix),
                            SQ_INT(q->hidden && seg->last ? 1 : 0), SQ_TEXT(q->user), SQ_INT(q->now_ms)};
    return sq_run(c, S_FOLDER_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), q->fn);
}

store_rc_t sq_folder_ensure(sq_conn_t *c, const char *org, const char *owner, const char *path, const char *user,
                            bool hidden, int64_t now_ms, uuid_str_t out, const char *fn)
{
    const store_folder_req_t q = {org, owner, path, user, hidden, now_ms, fn};
    return store_folder_path_ensure(&q, sq_folder_step, c, out);
}

store_rc_t sqlite_folder_ensure(store_t *base, const char *org_uuid, const char *owner_uuid, const char *path,
                                const char *user_uuid, bool hidden, int64_t now_ms, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !owner_uuid || !path || !user_uuid)
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_folder_ensure(c, org_uuid, owner_uuid, path, user_uuid, hidden, now_ms, out, __func__);
    return sq_tx_end(c, r, __func__);
}

store_rc_t sqlite_folder_get(store_t *base, const char *org_uuid, const char *folder_uuid, store_folder_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !folder_uuid)
        return STORE_ERROR;
    return sq_get_uuid(c, S_FOLDER_GET, org_uuid, folder_uuid, &store_shape_folder, out, __func__);
}

store_rc_t sqlite_folder_children(store_t *base, const char *org_uuid, const char *owner_uuid, const char *parent_uuid,
                                  bool include_hidden, store_folder_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !owner_uuid || !parent_uuid || !cb)
        return STORE_ERROR;
    const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(owner_uuid), SQ_TEXT(parent_uuid[0] ? parent_uuid : NULL),
                            SQ_INT(include_hidden ? 1 : 0)};
    sqlite3_stmt *s = sq_bind(c, S_FOLDER_CHILDREN, p, SQ_NPARAMS(p), __func__);
    if (!s)
        return STORE_ERROR;
    store_rc_t r = sq_rows(c, s, &(store_cbs_t){.folder = cb}, ctx, __func__);
    sq_put(c, S_FOLDER_CHILDREN, s);
    return r;
}
