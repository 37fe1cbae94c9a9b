/* media.c - the SQLite backend's media rows: the URL-signing secret and each conversation's media object key. */
#include <stdio.h>
#include <string.h>

#include "lib/ptime.h"
#include "store/sqlite/sq.h"

/* Runs sql (rarely used, so not a cached statement) with the text
 * parameters p[0..n) on c; the first column of its first row, if any, is
 * copied into out (capacity cap; out NULL: none wanted). STORE_OK (a row
 * was read, or none was wanted), NOT_FOUND (out wanted, no row), ERROR (logged). */
static store_rc_t sq_media_exec(sq_conn_t *c, const char *sql, const char *const *p, int n, char *out, size_t cap,
                                const char *fn)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
    for (int i = 0; rc == SQLITE_OK && i < n; i++)
        rc = sq_bind_text(s, i + 1, p[i]);
    store_rc_t r = STORE_ERROR;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && out) {
            sq_copy_col(s, 0, out, cap);
            r = STORE_OK;
        } else if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
            r = out ? STORE_NOT_FOUND : STORE_OK;
        }
    }
    if (r == STORE_ERROR)
        sq_log(c->db, fn, rc);
    sqlite3_finalize(s);
    return r;
}

store_rc_t sqlite_media_secret(store_t *base, const char *candidate, char out[STORE_MEDIA_SECRET_HEX + 1])
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !candidate)
        return STORE_ERROR;
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)ptime_now());
    const char *p[] = {candidate, now};
    store_rc_t r = sq_media_exec(c, "INSERT INTO media_secret(id, secret, created_at) VALUES (1, ?1, CAST(?2 AS INTEGER))"
                                    " ON CONFLICT(id) DO NOTHING", p, 2, NULL, 0, __func__);
    if (r == STORE_OK)
        r = sq_media_exec(c, "SELECT secret FROM media_secret WHERE id = 1", NULL, 0, out, STORE_MEDIA_SECRET_HEX + 1,
                          __func__);
    return r == STORE_NOT_FOUND ? STORE_ERROR : r;
}

store_rc_t sqlite_conv_media_set(store_t *base, const char *org_uuid, const char *conv_uuid, const char *key)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !conv_uuid || !key)
        return STORE_ERROR;
    const char *p[] = {conv_uuid, org_uuid, key};
    return sq_media_exec(c, "INSERT INTO conversation_media(conversation_uuid, org_uuid, media_key) VALUES (?1, ?2, ?3)"
                            " ON CONFLICT(conversation_uuid) DO UPDATE SET org_uuid = excluded.org_uuid,"
                            " media_key = excluded.media_key", p, 3, NULL, 0, __func__);
}

store_rc_t sqlite_conv_media_get(store_t *base, const char *org_uuid, const char *conv_uuid,
                                 char key[STORE_MEDIA_KEY_MAX])
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !conv_uuid)
        return STORE_ERROR;
    const char *p[] = {conv_uuid, org_uuid};
    return sq_media_exec(c, "SELECT media_key FROM conversation_media WHERE conversation_uuid = ?1 AND org_uuid = ?2",
                         p, 2, key, STORE_MEDIA_KEY_MAX, __func__);
}

store_rc_t sqlite_conv_media_delete(store_t *base, const char *org_uuid, const char *conv_uuid)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !conv_uuid)
        return STORE_ERROR;
    const char *p[] = {conv_uuid, org_uuid};
    return sq_media_exec(c, "DELETE FROM conversation_media WHERE conversation_uuid = ?1 AND org_uuid = ?2", p, 2,
                         NULL, 0, __func__);
}

store_rc_t sqlite_conv_media_list(store_t *base, const char *org_uuid, store_media_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, "SELECT conversation_uuid, media_key FROM conversation_media WHERE org_uuid = ?1"
                                       " ORDER BY conversation_uuid", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sq_bind_text(s, 1, org_uuid);
    store_rc_t r = STORE_OK;
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cb(ctx, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1)) != 0) {
            r = STORE_ERROR;
            break;
        }
        rc = SQLITE_OK;
    }
    if (r == STORE_OK && rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        r = STORE_ERROR;
    }
    sqlite3_finalize(s);
    return r;
}
