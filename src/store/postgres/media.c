/* media.c - the PostgreSQL backend's media rows: the URL-signing secret and each conversation's media object key. */
#include <stdio.h>
#include <string.h>

#include "lib/ptime.h"
#include "store/postgres/pg.h"

/* One statement with text parameters; the first column of its first row, if
 * any, goes to out (capacity cap; NULL: none wanted). */
typedef struct pg_media_arg {
    const char *sql;
    int n;
    const char *vals[3];
    char *out;
    size_t cap;
    const char *fn;
} pg_media_arg_t;

static store_rc_t pg_media_body(pg_conn_t *c, void *arg)
{
    pg_media_arg_t *a = arg;
    PGresult *res = pg_exec_sql(c, a->sql, a->n, a->vals, a->fn);
    if (!res)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    if (a->out) {
        if (PQntuples(res) > 0)
            pg_copy(res, 0, 0, a->out, a->cap);
        else
            r = STORE_NOT_FOUND;
    }
    PQclear(res);
    return r;
}

/* pg_media_body on a pooled connection; the parameters must be valid UTF-8 (else NOT_FOUND: nothing can match). */
static store_rc_t pg_media_run(pg_store_t *st, pg_media_arg_t *a)
{
    if (!pg_utf8_all(a->vals, (size_t)a->n))
        return a->out ? STORE_NOT_FOUND : STORE_ERROR;
    return pg_run(st, pg_media_body, a, a->fn);
}

store_rc_t postgres_media_secret(store_t *base, const char *candidate, char out[STORE_MEDIA_SECRET_HEX + 1])
{
    if (!candidate)
        return STORE_ERROR;
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)ptime_now());
    /* one statement: inserted now, or the row another instance stored first; when
     * that one committed during the statement, its snapshot does not show the row
     * yet, and the next statement's does */
    pg_media_arg_t a = {"WITH ins AS (INSERT INTO media_secret(id, secret, created_at) VALUES (1, $1, $2::bigint)"
                        " ON CONFLICT (id) DO NOTHING RETURNING secret)"
                        " SELECT secret FROM ins UNION ALL SELECT secret FROM media_secret WHERE id = 1 LIMIT 1",
                        2, {candidate, now}, out, STORE_MEDIA_SECRET_HEX + 1, __func__};
    store_rc_t r = STORE_NOT_FOUND;
    for (int i = 0; i < 3 && r == STORE_NOT_FOUND; i++)
        r = pg_media_run((pg_store_t *)base, &a);
    return r == STORE_NOT_FOUND ? STORE_ERROR : r;
}

store_rc_t postgres_conv_media_set(store_t *base, const char *org_uuid, const char *conv_uuid, const char *key)
{
    if (!org_uuid || !conv_uuid || !key)
        return STORE_ERROR;
    pg_media_arg_t a = {"INSERT INTO conversation_media(conversation_uuid, org_uuid, media_key) VALUES ($1, $2, $3)"
                        " ON CONFLICT (conversation_uuid) DO UPDATE SET org_uuid = excluded.org_uuid,"
                        " media_key = excluded.media_key",
                        3, {conv_uuid, org_uuid, key}, NULL, 0, __func__};
    return pg_media_run((pg_store_t *)base, &a);
}

store_rc_t postgres_conv_media_get(store_t *base, const char *org_uuid, const char *conv_uuid,
                                   char key[STORE_MEDIA_KEY_MAX])
{
    if (!org_uuid || !conv_uuid)
        return STORE_ERROR;
    pg_media_arg_t a = {"SELECT media_key FROM conversation_media WHERE conversation_uuid = $1 AND org_uuid = $2", 2,
                        {conv_uuid, org_uuid}, key, STORE_MEDIA_KEY_MAX, __func__};
    return pg_media_run((pg_store_t *)base, &a);
}

store_rc_t postgres_conv_media_delete(store_t *base, const char *org_uuid, const char *conv_uuid)
{
    if (!org_uuid || !conv_uuid)
        return STORE_ERROR;
    pg_media_arg_t a = {"DELETE FROM conversation_media WHERE conversation_uuid = $1 AND org_uuid = $2", 2,
                        {conv_uuid, org_uuid}, NULL, 0, __func__};
    return pg_media_run((pg_store_t *)base, &a);
}

typedef struct pg_media_list {
    const char *org;
    store_media_cb cb;
    void *ctx;
} pg_media_list_t;

static store_rc_t pg_media_list_body(pg_conn_t *c, void *arg)
{
    pg_media_list_t *a = arg;
    PGresult *res = pg_exec_sql(c, "SELECT conversation_uuid, media_key FROM conversation_media WHERE org_uuid = $1"
                                   " ORDER BY conversation_uuid", 1, &a->org, "postgres_conv_media_list");
    if (!res)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    c->called_back = true; /* the callbacks ran: not to be retried */
    for (int i = 0; r == STORE_OK && i < PQntuples(res); i++)
        if (a->cb(a->ctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1)) != 0)
            r = STORE_ERROR;
    PQclear(res);
    return r;
}

store_rc_t postgres_conv_media_list(store_t *base, const char *org_uuid, store_media_cb cb, void *ctx)
{
    if (!org_uuid || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_OK;
    pg_media_list_t a = {org_uuid, cb, ctx};
    return pg_run((pg_store_t *)base, pg_media_list_body, &a, __func__);
}
