/* gi_history.c - the generalized-insights history (GET /gi/history) in the PostgreSQL backend (migration 008). */
#include "store/postgres/pg.h"

/* One autocommitted INSERT (joins an open batch). */
typedef struct pg_gi_add_arg {
    const char *const *vals;
} pg_gi_add_arg_t;

static store_rc_t pg_gi_add_body(pg_conn_t *c, void *arg)
{
    const pg_gi_add_arg_t *a = arg;
    c->committing = true; /* an autocommit write: no retry once sent */
    store_rc_t r = pg_write(c, P_GI_INSERT, 10, a->vals, NULL, NULL, false, "postgres_gi_add");
    return r == STORE_CONFLICT ? STORE_ERROR : r;
}

store_rc_t postgres_gi_add(store_t *base, const store_gi_entry_t *e)
{
    if (!e || !e->uuid[0] || !e->result_uuid[0] || !e->title || !e->prompt || !e->synthesis || !e->items_json || !e->conversations_json)
        return STORE_ERROR;
    char t[24];
    const char *vals[10] = {e->uuid,      e->org_uuid,    e->user_uuid,  e->title,
                            e->result_uuid, e->prompt,    e->synthesis,  e->items_json,
                            e->conversations_json, pg_i64(t, e->created_at)};
    if (!pg_utf8_all(vals, 10))
        return STORE_ERROR;
    pg_gi_add_arg_t a = {vals};
    return pg_run((pg_store_t *)base, pg_gi_add_body, &a, __func__);
}

typedef struct pg_gi_list_arg {
    const char *vals[4];
    int64_t *total;
    store_gi_cb cb;
    void *ctx;
} pg_gi_list_arg_t;

/* The count is column 0 of every row; the page's columns from 1 (NULL on
 * the one row of an empty page). */
static store_rc_t pg_gi_list_body(pg_conn_t *c, void *arg)
{
    pg_gi_list_arg_t *a = arg;
    PGresult *res = pg_q(c, P_GI_PAGE, 4, a->vals, NULL, "postgres_gi_list");
    if (res && a->total && PQntuples(res) > 0)
        *a->total = pg_int(res, 0, 0);
    return pg_rows(c, res, 1, &(store_cbs_t){.gi = a->cb}, a->ctx);
}

store_rc_t postgres_gi_list(store_t *base, const char *org_uuid, const char *user_uuid, int64_t limit, int64_t offset,
                            int64_t *total, store_gi_cb cb, void *ctx)
{
    if (total)
        *total = 0;
    if (!org_uuid || !user_uuid || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid) || !pg_utf8_ok(user_uuid))
        return STORE_OK;
    char l[24], o[24];
    pg_gi_list_arg_t a = {{org_uuid, user_uuid, pg_i64(l, limit), pg_i64(o, offset)}, total, cb, ctx};
    return pg_run((pg_store_t *)base, pg_gi_list_body, &a, __func__);
}
