/* library.c - library folders in the PostgreSQL backend: one folder, a folder's subfolders with their totals, making a folder path (beyond.md §5). */
#include "store/postgres/pg.h"

#include "lib/uuid.h"
#include "store/folder_path.h"

/* store_folder_step_fn of pg_folder_ensure (conn: the pg_conn_t): the folder
 * by its path, else a new one; one that another transaction made meanwhile
 * (the INSERT then gives no row) is read again. */
static store_rc_t pg_folder_step(void *conn, const store_folder_req_t *q, const store_folder_seg_t *seg, uuid_str_t id)
{
    pg_conn_t *c = conn;
    const char *find[] = {q->org, q->owner, seg->prefix};
    store_rc_t r = pg_lookup(c, P_FOLDER_BY_PATH, 3, find, &store_shape_uuid, id, q->fn);
    if (r == STORE_NOT_FOUND) {
        uuid_str_t made;
        uuid_v7(made);
        char ms[24];
        const char *v[] = {made, q->org, q->owner, seg->parent[0] ? seg->parent : NULL, seg->name, seg->prefix,
                           q->hidden && seg->last ? "t" : "f", q->user, pg_i64(ms, q->now_ms)};
        r = pg_lookup(c, P_FOLDER_INSERT, 9, v, &store_shape_uuid, id, q->fn);
        if (r == STORE_NOT_FOUND) /* made meanwhile by another transaction, now committed */
            r = pg_lookup(c, P_FOLDER_BY_PATH, 3, find, &store_shape_uuid, id, q->fn);
    }
    return r == STORE_NOT_FOUND ? STORE_ERROR : r;
}

store_rc_t pg_folder_ensure(pg_conn_t *c, const char *org, const char *owner, const char *path, const char *user,
                            bool hidden, int64_t now_ms, uuid_str_t out, const char *fn)
{
    const store_folder_req_t q = {org, owner, path, user, hidden, now_ms, fn};
    return store_folder_path_ensure(&q, pg_folder_step, c, out);
}

typedef struct pg_folder_ensure_arg {
    const char *org, *owner, *path, *user;
    bool hidden;
    int64_t now_ms;
    uuid_str_t out;
} pg_folder_ensure_arg_t;

static store_rc_t pg_folder_ensure_body(pg_conn_t *c, void *arg)
{
    pg_folder_ensure_arg_t *a = arg;
    const char *fn = "postgres_folder_ensure";
    store_rc_t r = pg_folder_ensure(c, a->org, a->owner, a->path, a->user, a->hidden, a->now_ms, a->out, fn);
    return r;
}

store_rc_t postgres_folder_ensure(store_t *base, const char *org_uuid, const char *owner_uuid, const char *path,
                                  const char *user_uuid, bool hidden, int64_t now_ms, uuid_str_t out)
{
    if (!org_uuid || !owner_uuid || !path || !user_uuid)
        return STORE_ERROR;
    const char *texts[] = {org_uuid, owner_uuid, path, user_uuid};
    if (!pg_utf8_all(texts, sizeof texts / sizeof texts[0]))
        return STORE_ERROR;
    pg_folder_ensure_arg_t a = {org_uuid, owner_uuid, path, user_uuid, hidden, now_ms, ""};
    store_rc_t r = pg_run_tx((pg_store_t *)base, pg_folder_ensure_body, &a, __func__);
    if (r == STORE_OK)
        pg_out_uuid(out, a.out);
    return r;
}

store_rc_t postgres_folder_get(store_t *base, const char *org_uuid, const char *folder_uuid, store_folder_t *out)
{
    if (!org_uuid || !folder_uuid)
        return STORE_ERROR;
    return pg_get_uuid((pg_store_t *)base, P_FOLDER_GET, org_uuid, folder_uuid, &store_shape_folder, out, __func__);
}

store_rc_t postgres_folder_children(store_t *base, const char *org_uuid, const char *owner_uuid,
                                    const char *parent_uuid, bool include_hidden, store_folder_cb cb, void *ctx)
{
    if (!org_uuid || !owner_uuid || !parent_uuid || !cb)
        return STORE_ERROR;
    const char *texts[] = {org_uuid, owner_uuid, parent_uuid};
    if (!pg_utf8_all(texts, sizeof texts / sizeof texts[0]))
        return STORE_OK; /* such a folder holds nothing */
    pg_rows_arg_t a = {P_FOLDER_CHILDREN, 4, {org_uuid, owner_uuid, parent_uuid[0] ? parent_uuid : NULL,
                       include_hidden ? "t" : "f"}, {.folder = cb}, ctx, -1, 0, __func__};
    return pg_run((pg_store_t *)base, pg_rows_body, &a, __func__);
}
