/* library.c - library folders in the PostgreSQL backend: one folder, a folder's subfolders with their totals, making a folder path (beyond.md §5). */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <string.h>

#include "lib/uuid.h"

store_rc_t pg_folder_ensure(pg_conn_t *c, const char *org, const char *owner, const char *path, const char *user,
                            bool hidden, int64_t now_ms, uuid_str_t out, const char *fn)
{
    char prefix[sizeof(((store_folder_t *)0)->path)];
    uuid_str_t parent = "";
    size_t n = strlen(path);
    if (path[0] != '/' || n >= sizeof prefix) {
        fprintf(stderr, "parley: store %s: not a folder path\n", fn);
        return STORE_ERROR;
    }
    char ms[24];
    pg_i64(ms, now_ms);
    /* each segment in turn: "/a", "/a/b", ... */
    for (size_t at = 1; at < n;) {
        size_t end = at + strcspn(path + at, "/");
        memcpy(prefix, path, end);
        prefix[end] = '\0';
        const char *q[] = {org, owner, prefix};
        uuid_str_t id;
        store_rc_t r = pg_lookup(c, P_FOLDER_BY_PATH, 3, q, &store_shape_uuid, id, fn);
        if (r == STORE_NOT_FOUND) {
            uuid_str_t made;
            uuid_v7(made);
            char name[sizeof(((store_folder_t *)0)->name)];
            snprintf(name, sizeof name, "%.*s", (int)(end - at), path + at);
            const char *v[] = {made, org, owner, parent[0] ? parent : NULL, name, prefix,
                               hidden && end >= n ? "t" : "f", user, ms};
            r = pg_lookup(c, P_FOLDER_INSERT, 9, v, &store_shape_uuid, id, fn);
            if (r == STORE_NOT_FOUND) /* made meanwhile by another transaction, now committed */
                r = pg_lookup(c, P_FOLDER_BY_PATH, 3, q, &store_shape_uuid, id, fn);
        }
        if (r != STORE_OK)
            return r == STORE_NOT_FOUND ? STORE_ERROR : r;
        memcpy(parent, id, sizeof parent);
        at = end + 1;
    }
    pg_out_uuid(out, parent);
    return STORE_OK;
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
    if (pg_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = pg_folder_ensure(c, a->org, a->owner, a->path, a->user, a->hidden, a->now_ms, a->out, fn);
    return pg_tx_end(c, r, fn);
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
    store_rc_t r = pg_run((pg_store_t *)base, pg_folder_ensure_body, &a, __func__);
    if (r == STORE_OK)
        pg_out_uuid(out, a.out);
    return r;
}

store_rc_t postgres_folder_get(store_t *base, const char *org_uuid, const char *folder_uuid, store_folder_t *out)
{
    if (!org_uuid || !folder_uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(folder_uuid, id) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    return pg_get((pg_store_t *)base, P_FOLDER_GET, org_uuid, id, &store_shape_folder, out, __func__);
}

typedef struct pg_folder_children_arg {
    const char *org, *owner, *parent;
    bool include_hidden;
    store_folder_cb cb;
    void *ctx;
} pg_folder_children_arg_t;

static store_rc_t pg_folder_children_body(pg_conn_t *c, void *arg)
{
    pg_folder_children_arg_t *a = arg;
    const char *v[] = {a->org, a->owner, a->parent[0] ? a->parent : NULL, a->include_hidden ? "t" : "f"};
    PGresult *res = pg_q(c, P_FOLDER_CHILDREN, 4, v, NULL, "postgres_folder_children");
    if (!res)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    for (int i = 0; r == STORE_OK && i < PQntuples(res); i++) {
        store_folder_t f;
        pg_read(res, i, 0, &store_shape_folder, &f);
        c->called_back = true;
        if (a->cb(a->ctx, &f) != 0)
            r = STORE_ERROR;
    }
    PQclear(res);
    return r;
}

store_rc_t postgres_folder_children(store_t *base, const char *org_uuid, const char *owner_uuid,
                                    const char *parent_uuid, bool include_hidden, store_folder_cb cb, void *ctx)
{
    if (!org_uuid || !owner_uuid || !parent_uuid || !cb)
        return STORE_ERROR;
    const char *texts[] = {org_uuid, owner_uuid, parent_uuid};
    if (!pg_utf8_all(texts, sizeof texts / sizeof texts[0]))
        return STORE_OK; /* such a folder holds nothing */
    pg_folder_children_arg_t a = {org_uuid, owner_uuid, parent_uuid, include_hidden, cb, ctx};
    return pg_run((pg_store_t *)base, pg_folder_children_body, &a, __func__);
}
