/* rows.c - the SQLite backend's row adapter: bind a cached statement's parameters, read one row through a row function or a shape, step every row into a callback, run a write. */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <string.h>

#include "lib/strutil.h"

/* Cached statement id with the n parameters p bound (the caller keeps what
 * they point to alive until sq_put). NULL (logged) on failure. */
sqlite3_stmt *sq_bind(sq_conn_t *c, int id, const sq_param_t *p, int n, const char *fn)
{
    sqlite3_stmt *s = sq_stmt(c, id, fn);
    if (!s)
        return NULL;
    int rc = SQLITE_OK;
    for (int i = 0; i < n && rc == SQLITE_OK; i++) {
        switch (p[i].kind) {
        case SQ_P_TEXT: rc = sq_bind_text(s, i + 1, p[i].p); break;
        case SQ_P_INT: rc = sqlite3_bind_int64(s, i + 1, p[i].i); break;
        case SQ_P_BLOB: rc = sqlite3_bind_blob(s, i + 1, p[i].p, (int)p[i].i, SQLITE_STATIC); break;
        }
    }
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sq_put(c, id, s);
        return NULL;
    }
    return s;
}

/* Cached statement id with ?1 = p1 and, when p2 is non-NULL, ?2 = p2 bound
 * (the caller keeps them alive until sq_put). NULL (logged) on failure. */
sqlite3_stmt *sq_stmt2(sq_conn_t *c, int id, const char *p1, const char *p2, const char *fn)
{
    const sq_param_t p[] = {SQ_TEXT(p1), SQ_TEXT(p2)};
    return sq_bind(c, id, p, p2 ? 2 : 1, fn);
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

/* Steps s (bound; it stays the caller's) once: true with *v = its first
 * column when it gave a row, else false (logged under fn). */
bool sq_step_int(sq_conn_t *c, sqlite3_stmt *s, int64_t *v, const char *fn)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sq_log(c->db, fn, rc);
        return false;
    }
    *v = sqlite3_column_int64(s, 0);
    return true;
}

/* The first column (an integer) of cached statement id bound as sq_stmt2
 * binds it, into *n; puts it back. STORE_OK, or STORE_ERROR (logged under
 * fn) when it fails or gives no row. */
store_rc_t sq_one_int(sq_conn_t *c, int id, const char *p1, const char *p2, int64_t *n, const char *fn)
{
    sqlite3_stmt *s = sq_stmt2(c, id, p1, p2, fn);
    if (!s)
        return STORE_ERROR;
    bool ok = sq_step_int(c, s, n, fn);
    sq_put(c, id, s);
    return ok ? STORE_OK : STORE_ERROR;
}

/* The columns of the current row of a statement (src: the sqlite3_stmt). */
static const char *sq_col_text(const void *src, int col)
{
    return (const char *)sqlite3_column_text((sqlite3_stmt *)src, col);
}

static size_t sq_col_len(const void *src, int col)
{
    return (size_t)sqlite3_column_bytes((sqlite3_stmt *)src, col); /* after sq_col_text: the text's bytes */
}

static int64_t sq_col_i64(const void *src, int col)
{
    return sqlite3_column_int64((sqlite3_stmt *)src, col);
}

static double sq_col_f64(const void *src, int col)
{
    return sqlite3_column_double((sqlite3_stmt *)src, col);
}

static bool sq_col_bool(const void *src, int col)
{
    return sqlite3_column_int((sqlite3_stmt *)src, col) != 0;
}

static const store_cols_t sq_cols = {sq_col_text, sq_col_len, sq_col_i64, sq_col_f64, sq_col_bool};

/* Fills out (a struct of shape sh, zeroed first) from the current row of s,
 * from column col0 on. Text fields of STORE_FIELD_TEXT(0) point into the row:
 * valid until the next step or reset of s. */
void sq_read(sqlite3_stmt *s, int col0, const store_shape_t *sh, void *out)
{
    store_shape_read(sh, out, &sq_cols, s, col0);
}

/* sq_row_fn of a row for a callback (arg: an sq_call_t): sq_read of the
 * whole row in the callback's shape, then the call; STORE_ERROR when it
 * stops (non-zero). */
store_rc_t sq_row_call(sqlite3_stmt *s, void *arg)
{
    const sq_call_t *call = arg;
    store_row_t row;
    sq_read(s, 0, store_cbs_shape(call->cb), &row);
    return store_cbs_call(call->cb, call->ctx, &row) ? STORE_ERROR : STORE_OK;
}

/* sq_row_fn of a plain copy (arg: an sq_into_t): sq_read of the whole row. */
store_rc_t sq_row_into(sqlite3_stmt *s, void *arg)
{
    const sq_into_t *into = arg;
    sq_read(s, 0, into->shape, into->out);
    return STORE_OK;
}

/* sq_one_row of cached statement id bound as sq_stmt2 binds it, the row
 * copied into out (a struct of shape sh; NULL: only checks that there is one). */
store_rc_t sq_get(sq_conn_t *c, int id, const char *p1, const char *p2, const store_shape_t *sh, void *out,
                  const char *fn)
{
    sq_into_t into = {sh, out};
    return sq_one_row(c, id, sq_stmt2(c, id, p1, p2, fn), sq_row_into, out ? &into : NULL, fn);
}

/* sq_row_fn of a row handed to a callback (arg: an sq_cbs_at_t): the set
 * callback's answer, STORE_ERROR when it stops (non-zero). */
store_rc_t sq_row_cbs(sqlite3_stmt *s, void *arg)
{
    const sq_cbs_at_t *at = arg;
    const store_shape_t *sh = store_cbs_shape(&at->cb);
    store_row_t row;
    if (sh == &store_shape_conv) { /* its document may be packed: unpacked into at->doc */
        if (!at->doc || sq_read_conv(s, &row.c, at->doc) != 0)
            return STORE_ERROR;
    } else if (sh) {
        sq_read(s, 0, sh, &row);
    }
    return store_cbs_call(&at->cb, at->ctx, &row) != 0 ? STORE_ERROR : STORE_OK;
}

/* sq_get of cached statement id with ?1 = org and ?2 = key in its canonical
 * form; NOT_FOUND, with no query, when key is not a UUID. */
store_rc_t sq_get_uuid(sq_conn_t *c, int id, const char *org, const char *key, const store_shape_t *sh, void *out,
                       const char *fn)
{
    uuid_str_t canon;
    if (!uuid_parse(key, canon))
        return STORE_NOT_FOUND;
    return sq_get(c, id, org, canon, sh, out, fn);
}

/* Steps s (bound; it stays the caller's) to its end, handing each row to the
 * set callback of cb with ctx (sq_row_cbs). STORE_ERROR when a callback
 * stops (non-zero) or a step fails (logged under fn). */
store_rc_t sq_rows(sq_conn_t *c, sqlite3_stmt *s, const store_cbs_t *cb, void *ctx, const char *fn)
{
    bool conv = store_cbs_shape(cb) == &store_shape_conv;
    sq_cbs_at_t at = {*cb, ctx, conv ? sq_doc_buf_get(c) : NULL};
    if (conv && !at.doc)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    int rc = SQLITE_DONE;
    while (r == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        r = sq_row_cbs(s, &at);
    sq_doc_buf_put(c, at.doc);
    if (r == STORE_OK && rc != SQLITE_DONE) {
        sq_log(c->db, fn, rc);
        r = STORE_ERROR;
    }
    return r;
}

/* sq_rows of cached statement id bound as sq_stmt2 binds it; puts it back. */
store_rc_t sq_list(sq_conn_t *c, int id, const char *p1, const char *p2, store_cbs_t cb, void *ctx,
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
 * it into out (shape sh; NULL: only checks). */
store_rc_t sq_resolve(sq_conn_t *c, int by_uuid, int by_name, const char *org, const char *key,
                      const store_shape_t *sh, void *out, const char *fn)
{
    uuid_str_t id;
    if (uuid_parse(key, id)) {
        store_rc_t r = sq_get(c, by_uuid, org ? org : id, org ? id : NULL, sh, out, fn);
        if (r != STORE_NOT_FOUND)
            return r;
    }
    return sq_get(c, by_name, org ? org : key, org ? key : NULL, sh, out, fn);
}

/* Copies src into the optional uuid out-parameter dst. */
void sq_out_uuid(uuid_str_t dst, const char *src)
{
    if (dst)
        str_copy(dst, sizeof(uuid_str_t), src);
}

/* Runs s (cached statement id, bound; NULL gives STORE_ERROR), which returns
 * no rows, and puts it back. STORE_OK when it ran, except: SQ_CHANGE gives
 * NOT_FOUND when it changed no row, SQ_INSERT gives CONFLICT (not logged) on
 * a unique violation. Other failures are STORE_ERROR, logged under fn. */
store_rc_t sq_done(sq_conn_t *c, int id, sqlite3_stmt *s, sq_how_t how, const char *fn)
{
    if (!s)
        return STORE_ERROR;
    int rc = sqlite3_step(s);
    store_rc_t r = STORE_OK;
    if (rc != SQLITE_DONE) {
        if (how == SQ_INSERT && sq_is_unique_violation(rc)) {
            r = STORE_CONFLICT;
        } else {
            sq_log(c->db, fn, rc);
            r = STORE_ERROR;
        }
    } else if (how == SQ_CHANGE && sqlite3_changes(c->db) == 0) {
        r = STORE_NOT_FOUND;
    }
    sq_put(c, id, s);
    return r;
}

/* sq_done of cached statement id with the n parameters p bound. */
store_rc_t sq_run(sq_conn_t *c, int id, sq_how_t how, const sq_param_t *p, int n, const char *fn)
{
    return sq_done(c, id, sq_bind(c, id, p, n, fn), how, fn);
}
