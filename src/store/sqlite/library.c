/* library.c - library folders in the SQLite backend: one folder, a folder's subfolders with their totals, making a folder path (beyond.md §5). */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <string.h>

#include "lib/uuid.h"

store_rc_t sq_folder_ensure(sq_conn_t *c, const char *org, const char *owner, const char *path, const char *user,
                            bool hidden, int64_t now_ms, uuid_str_t out, const char *fn)
{
    char prefix[sizeof(((store_folder_t *)0)->path)];
    uuid_str_t parent = "";
    size_t n = strlen(path);
    if (path[0] != '/' || n >= sizeof prefix) {
        fprintf(stderr, "parley: store %s: not a folder path\n", fn);
        return STORE_ERROR;
    }
    /* each segment in turn: "/a", "/a/b", ... */
    for (size_t at = 1; at < n;) {
        size_t end = at + strcspn(path + at, "/");
        memcpy(prefix, path, end);
        prefix[end] = '\0';
        const sq_param_t q[] = {SQ_TEXT(org), SQ_TEXT(owner), SQ_TEXT(prefix)};
        uuid_str_t id;
        store_rc_t r = sq_one_row(c, S_FOLDER_BY_PATH, sq_bind(c, S_FOLDER_BY_PATH, q, SQ_NPARAMS(q), fn), sq_row_into,
                                  &(sq_into_t){&store_shape_uuid, id}, fn);
        if (r == STORE_NOT_FOUND) {
            uuid_v7(id);
            char name[sizeof(((store_folder_t *)0)->name)];
            snprintf(name, sizeof name, "%.*s", (int)(end - at), path + at);
            const sq_param_t p[] = {SQ_TEXT(id),     SQ_TEXT(org),  SQ_TEXT(owner),
                                    SQ_TEXT(parent[0] ? parent : NULL), SQ_TEXT(name), SQ_TEXT(prefix),
                                    SQ_INT(hidden && end >= n ? 1 : 0), SQ_TEXT(user), SQ_INT(now_ms)};
            r = sq_run(c, S_FOLDER_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), fn);
        }
        if (r != STORE_OK)
            return r;
        memcpy(parent, id, sizeof parent);
        at = end + 1;
    }
    sq_out_uuid(out, parent);
    return STORE_OK;
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
    uuid_str_t id;
    if (!uuid_parse(folder_uuid, id))
        return STORE_NOT_FOUND;
    return sq_get(c, S_FOLDER_GET, org_uuid, id, &store_shape_folder, out, __func__);
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
    store_rc_t r = STORE_OK;
    int rc = SQLITE_DONE;
    while (r == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_folder_t f;
        sq_read(s, 0, &store_shape_folder, &f);
        if (cb(ctx, &f) != 0)
            r = STORE_ERROR;
    }
    if (r == STORE_OK && rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        r = STORE_ERROR;
    }
    sq_put(c, S_FOLDER_CHILDREN, s);
    return r;
}
