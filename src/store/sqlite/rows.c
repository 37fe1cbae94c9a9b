/* rows.c - the SQLite backend's row adapter: run a cached statement and read one row through a row function, or step every row into a callback; the row copiers. */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <string.h>



/* Cached statement id with ?1 = p1 and, when p2 is non-NULL, ?2 = p2 bound
 * (the caller keeps them alive until sq_put). NULL (logged) on failure. */
sqlite3_stmt *sq_stmt2(sq_conn_t *c, int id, const char *p1, const char *p2, const char *fn)
{
    sqlite3_stmt *s = sq_stmt(c, id, fn);
    if (!s)
        return NULL;
    int rc = sq_bind_text(s, 1, p1);
    if (rc == SQLITE_OK && p2)
        rc = sq_bind_text(s, 2, p2);
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sq_put(c, id, s);
        return NULL;
    }
    return s;
}

/* Steps s (cached statement id, bound; NULL gives STORE_ERROR) once and puts
 * it back: a row gives row(s, out)'s answer (STORE_OK, no call, when out is
 * NULL), no row STORE_NOT_FOUND, a failure STORE_ERROR (logged under fn). */
store_rc_t sq_one_row(sq_conn_t *c, int id, sqlite3_stmt *s, sq_row_fn row, void *out, const char *fn)
{
    if (!s)
        return STORE_ERROR;
    int rc = sqlite3_step(s);
    store_rc_t r = STORE_OK;
    if (rc == SQLITE_ROW) {
        if (out)
            r = row(s, out);
    } else if (rc == SQLITE_DONE) {
        r = STORE_NOT_FOUND;
    } else {
        sq_log(c->db, fn, rc);
        r = STORE_ERROR;
    }
    sq_put(c, id, s);
    return r;
}

/* sq_one_row of cached statement id bound as sq_stmt2 binds it. */
store_rc_t sq_get(sq_conn_t *c, int id, const char *p1, const char *p2, sq_row_fn row, void *out,
                  const char *fn)
{
    return sq_one_row(c, id, sq_stmt2(c, id, p1, p2, fn), row, out, fn);
}

/* Row copiers (sq_row_fn), one per row shape. */

/* out: a uuid_str_t, from the first column ("" for NULL). */
store_rc_t sq_row_uuid(sqlite3_stmt *s, void *out)
{
    sq_copy_col(s, 0, out, sizeof(uuid_str_t));
    return STORE_OK;
}

/* out: a store_user_t, from a row of SQ_USER_COLS. */
store_rc_t sq_row_user(sqlite3_stmt *s, void *out)
{
    store_user_t *u = out;
    memset(u, 0, sizeof(*u));
    sq_copy_col(s, 0, u->uuid, sizeof(u->uuid));
    sq_copy_col(s, 1, u->org_uuid, sizeof(u->org_uuid));
    sq_copy_col(s, 2, u->primary_team_uuid, sizeof(u->primary_team_uuid));
    sq_copy_col(s, 3, u->email, sizeof(u->email));
    sq_copy_col(s, 4, u->first_name, sizeof(u->first_name));
    sq_copy_col(s, 5, u->last_name, sizeof(u->last_name));
    sq_copy_col(s, 6, u->transcript_lang, sizeof(u->transcript_lang));
    sq_copy_col(s, 7, u->role, sizeof(u->role));
    u->created_at = sqlite3_column_int64(s, 8);
    return STORE_OK;
}

/* out: a store_key_t, from a row of S_KEY_LOOKUP. */
store_rc_t sq_row_key_lookup(sqlite3_stmt *s, void *out)
{
    store_key_t *k = out;
    memset(k, 0, sizeof(*k));
    sq_copy_col(s, 0, k->id, sizeof(k->id));
    sq_copy_col(s, 1, k->org_uuid, sizeof(k->org_uuid));
    sq_copy_col(s, 2, k->user_uuid, sizeof(k->user_uuid));
    k->org_level = sqlite3_column_int(s, 3) != 0;
    k->last_seen_at = sqlite3_column_int64(s, 4);
    return STORE_OK;
}

/* out: a store_key_info_t, from a row of SQ_KEY_COLS. */
store_rc_t sq_row_key(sqlite3_stmt *s, void *out)
{
    store_key_info_t *k = out;
    memset(k, 0, sizeof(*k));
    sq_copy_col(s, 0, k->id, sizeof(k->id));
    sq_copy_col(s, 1, k->org_uuid, sizeof(k->org_uuid));
    sq_copy_col(s, 2, k->user_uuid, sizeof(k->user_uuid));
    sq_copy_col(s, 3, k->name, sizeof(k->name));
    sq_copy_col(s, 4, k->last4, sizeof(k->last4));
    k->org_level = sqlite3_column_int(s, 5) != 0;
    k->created_at = sqlite3_column_int64(s, 6);
    k->last_seen_at = sqlite3_column_int64(s, 7);
    return STORE_OK;
}

/* out: a store_team_t, from a row of SQ_TEAM_COLS. */
store_rc_t sq_row_team(sqlite3_stmt *s, void *out)
{
    store_team_t *t = out;
    memset(t, 0, sizeof(*t));
    sq_copy_col(s, 0, t->uuid, sizeof(t->uuid));
    sq_copy_col(s, 1, t->org_uuid, sizeof(t->org_uuid));
    sq_copy_col(s, 2, t->parent_uuid, sizeof(t->parent_uuid));
    sq_copy_col(s, 3, t->name, sizeof(t->name));
    sq_copy_col(s, 4, t->domain, sizeof(t->domain));
    t->created_at = sqlite3_column_int64(s, 5);
    return STORE_OK;
}

/* out: a conv_t, from a row of sq_conv_select. Strings point into the
 * statement's row and are valid until the next step or reset. */
store_rc_t sq_row_conv(sqlite3_stmt *s, void *out)
{
    conv_t *c = out;
    memset(c, 0, sizeof(*c));
    char *base = (char *)c;
    for (int i = 0; i < SQ_NCOLS; i++) {
        void *field = base + sq_conv_cols[i].off;
        switch (sq_conv_cols[i].kind) {
        case COL_UUID:
            sq_copy_col(s, i, (char *)field, sizeof(uuid_str_t));
            break;
        case COL_TEXT:
            *(const char **)field = (const char *)sqlite3_column_text(s, i);
            break;
        case COL_INT:
            *(int64_t *)field = sqlite3_column_int64(s, i);
            break;
        case COL_BOOL:
            *(bool *)field = sqlite3_column_int(s, i) != 0;
            break;
        case COL_REAL:
            *(double *)field = sqlite3_column_double(s, i);
            break;
        }
    }
    c->user_email = (const char *)sqlite3_column_text(s, SQ_NCOLS);
    c->user_first_name = (const char *)sqlite3_column_text(s, SQ_NCOLS + 1);
    c->user_last_name = (const char *)sqlite3_column_text(s, SQ_NCOLS + 2);
    c->user_transcript_lang = (const char *)sqlite3_column_text(s, SQ_NCOLS + 3);
    return STORE_OK;
}

/* out: a store_workflow_log_t, from a row of sqlite_workflow_log_list's page
 * (strings point into the row, "" for NULL). */
store_rc_t sq_row_log(sqlite3_stmt *s, void *out)
{
    store_workflow_log_t *l = out;
    memset(l, 0, sizeof(*l));
    l->id = sqlite3_column_int64(s, 0);
    sq_copy_col(s, 1, l->conversation_uuid, sizeof l->conversation_uuid);
    l->workflow_name = (const char *)sqlite3_column_text(s, 2);
    l->success = sqlite3_column_int(s, 3) != 0;
    l->error = (const char *)sqlite3_column_text(s, 4);
    l->created_at = sqlite3_column_int64(s, 5);
    if (!l->workflow_name)
        l->workflow_name = "";
    if (!l->error)
        l->error = "";
    return STORE_OK;
}


/* Steps s (bound; it stays the caller's) to its end, handing each row to the
 * set callback of cb with ctx. STORE_ERROR when a callback stops (non-zero)
 * or a step fails (logged under fn). */
store_rc_t sq_rows(sq_conn_t *c, sqlite3_stmt *s, const sq_cbs_t *cb, void *ctx, const char *fn)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        union {
            store_user_t u;
            store_team_t t;
            store_key_info_t k;
            conv_t c;
            store_workflow_log_t l;
        } row;
        int stop;
        if (cb->user) {
            sq_row_user(s, &row.u);
            stop = cb->user(ctx, &row.u);
        } else if (cb->team) {
            sq_row_team(s, &row.t);
            stop = cb->team(ctx, &row.t);
        } else if (cb->key) {
            sq_row_key(s, &row.k);
            stop = cb->key(ctx, &row.k);
        } else if (cb->conv) {
            sq_row_conv(s, &row.c);
            stop = cb->conv(ctx, &row.c);
        } else {
            sq_row_log(s, &row.l);
            stop = cb->log(ctx, &row.l);
        }
        if (stop != 0)
            return STORE_ERROR;
    }
    if (rc != SQLITE_DONE) {
        sq_log(c->db, fn, rc);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* sq_rows of cached statement id bound as sq_stmt2 binds it; puts it back. */
store_rc_t sq_list(sq_conn_t *c, int id, const char *p1, const char *p2, sq_cbs_t cb, void *ctx,
                   const char *fn)
{
    sqlite3_stmt *s = sq_stmt2(c, id, p1, p2, fn);
    if (!s)
        return STORE_ERROR;
    store_rc_t r = sq_rows(c, s, &cb, ctx, fn);
    sq_put(c, id, s);
    return r;
}

/* Looks a row up by uuid (key is one) with statement by_uuid, else by name
 * with by_name; both take ?1 = org, ?2 = key, or, org NULL, ?1 = key. Copies
 * it with row into out (NULL: only checks). */
store_rc_t sq_resolve(sq_conn_t *c, int by_uuid, int by_name, const char *org, const char *key, sq_row_fn row,
                      void *out, const char *fn)
{
    uuid_str_t id;
    if (uuid_parse(key, id)) {
        store_rc_t r = sq_get(c, by_uuid, org ? org : id, org ? id : NULL, row, out, fn);
        if (r != STORE_NOT_FOUND)
            return r;
    }
    return sq_get(c, by_name, org ? org : key, org ? key : NULL, row, out, fn);
}


/* Copies src into the optional uuid out-parameter dst. */
void sq_out_uuid(uuid_str_t dst, const char *src)
{
    if (dst)
        snprintf(dst, sizeof(uuid_str_t), "%s", src);
}


/* Runs an UPDATE with cached statement id (already bound): STORE_OK when it
 * changed a row, NOT_FOUND when none matched. Puts s back. */
store_rc_t sq_update(sq_conn_t *c, int id, sqlite3_stmt *s, const char *fn)
{
    int rc = sqlite3_step(s);
    store_rc_t r = STORE_OK;
    if (rc != SQLITE_DONE) {
        sq_log(c->db, fn, rc);
        r = STORE_ERROR;
    } else if (sqlite3_changes(c->db) == 0) {
        r = STORE_NOT_FOUND;
    }
    sq_put(c, id, s);
    return r;
}

/* Runs an INSERT with cached statement id (already bound). CONFLICT on a
 * unique violation (not logged), ERROR (logged) otherwise. Puts s back. */
store_rc_t sq_insert(sq_conn_t *c, int id, sqlite3_stmt *s, const char *fn)
{
    int rc = sqlite3_step(s);
    store_rc_t r = STORE_OK;
    if (rc != SQLITE_DONE) {
        if (sq_is_unique_violation(rc)) {
            r = STORE_CONFLICT;
        } else {
            sq_log(c->db, fn, rc);
            r = STORE_ERROR;
        }
    }
    sq_put(c, id, s);
    return r;
}

