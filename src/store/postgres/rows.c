/* rows.c - the PostgreSQL backend's row adapter: run a prepared statement and read one row through a row function, or hand every row to a callback; writes with text parameters; the row copiers. */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strutil.h"


/* Copies src into the optional uuid out-parameter dst. */
void pg_out_uuid(uuid_str_t dst, const char *src)
{
    if (dst)
        snprintf(dst, sizeof(uuid_str_t), "%s", src);
}

/* Copies column col of row 0.. of res into dst (capacity cap), "" for NULL, truncating. */
void pg_copy(const PGresult *res, int row, int col, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

int64_t pg_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

bool pg_bool(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

/* True when s is valid UTF-8 without NUL (PostgreSQL refuses anything else
 * as a text parameter; such a value can never equal a stored one). */
bool pg_utf8_ok(const char *s)
{
    return str_utf8_valid(s, strlen(s));
}

/* True when each non-NULL of the n texts is pg_utf8_ok. */
bool pg_utf8_all(const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (texts[i] && !pg_utf8_ok(texts[i]))
            return false;
    return true;
}


/* Takes res (a pg_exec result, PQclear'd here; NULL gives STORE_ERROR):
 * STORE_NOT_FOUND when it has no row, else STORE_OK with its first row copied
 * by row into out (when out is non-NULL). */
store_rc_t pg_one(PGresult *res, pg_row_fn row, void *out)
{
    if (!res)
        return STORE_ERROR;
    store_rc_t r = PQntuples(res) > 0 ? STORE_OK : STORE_NOT_FOUND;
    if (r == STORE_OK && out)
        row(res, 0, out);
    PQclear(res);
    return r;
}

/* pg_one of statement id run with text parameters vals (n); NOT_FOUND
 * without a query when one of them is not UTF-8 (it can match nothing). */
store_rc_t pg_lookup(pg_conn_t *c, int id, int n, const char *const *vals, pg_row_fn row, void *out,
                     const char *fn)
{
    if (!pg_utf8_all(vals, (size_t)n))
        return STORE_NOT_FOUND;
    return pg_one(pg_q(c, id, n, vals, NULL, fn), row, out);
}

/* Row copiers (pg_row_fn), one per row shape. */

/* out: a uuid_str_t, from the first column ("" for NULL). */
void pg_row_uuid(const PGresult *res, int row, void *out)
{
    pg_copy(res, row, 0, out, sizeof(uuid_str_t));
}

/* out: a store_key_t, from a row of P_KEY_LOOKUP. */
void pg_row_key_lookup(const PGresult *res, int row, void *out)
{
    store_key_t *k = out;
    memset(k, 0, sizeof(*k));
    pg_copy(res, row, 0, k->id, sizeof(k->id));
    pg_copy(res, row, 1, k->org_uuid, sizeof(k->org_uuid));
    pg_copy(res, row, 2, k->user_uuid, sizeof(k->user_uuid));
    k->org_level = pg_bool(res, row, 3);
    k->last_seen_at = pg_int(res, row, 4);
}

/* out: a store_user_t, from a row of PG_USER_COLS. */
void pg_row_user(const PGresult *res, int row, void *out)
{
    store_user_t *u = out;
    memset(u, 0, sizeof(*u));
    pg_copy(res, row, 0, u->uuid, sizeof(u->uuid));
    pg_copy(res, row, 1, u->org_uuid, sizeof(u->org_uuid));
    pg_copy(res, row, 2, u->primary_team_uuid, sizeof(u->primary_team_uuid));
    pg_copy(res, row, 3, u->email, sizeof(u->email));
    pg_copy(res, row, 4, u->first_name, sizeof(u->first_name));
    pg_copy(res, row, 5, u->last_name, sizeof(u->last_name));
    pg_copy(res, row, 6, u->transcript_lang, sizeof(u->transcript_lang));
    pg_copy(res, row, 7, u->role, sizeof(u->role));
    u->created_at = pg_int(res, row, 8);
}

/* out: a store_team_t, from a row of PG_TEAM_COLS. */
void pg_row_team(const PGresult *res, int row, void *out)
{
    store_team_t *t = out;
    memset(t, 0, sizeof(*t));
    pg_copy(res, row, 0, t->uuid, sizeof(t->uuid));
    pg_copy(res, row, 1, t->org_uuid, sizeof(t->org_uuid));
    pg_copy(res, row, 2, t->parent_uuid, sizeof(t->parent_uuid));
    pg_copy(res, row, 3, t->name, sizeof(t->name));
    pg_copy(res, row, 4, t->domain, sizeof(t->domain));
    t->created_at = pg_int(res, row, 5);
}

/* out: a store_key_info_t, from a row of PG_KEY_COLS. */
void pg_row_key(const PGresult *res, int row, void *out)
{
    store_key_info_t *k = out;
    memset(k, 0, sizeof(*k));
    pg_copy(res, row, 0, k->id, sizeof(k->id));
    pg_copy(res, row, 1, k->org_uuid, sizeof(k->org_uuid));
    pg_copy(res, row, 2, k->user_uuid, sizeof(k->user_uuid));
    pg_copy(res, row, 3, k->name, sizeof(k->name));
    pg_copy(res, row, 4, k->last4, sizeof(k->last4));
    k->org_level = pg_bool(res, row, 5);
    k->created_at = pg_int(res, row, 6);
    k->last_seen_at = pg_int(res, row, 7);
}

/* A lookup (pg_lookup) as one store operation: the body of pg_get. */
typedef struct pg_get_arg {
    int id;                    /* statement */
    int n;
    const char *vals[2];
    pg_row_fn row;
    void *out;
    const char *fn;            /* logged as */
} pg_get_arg_t;

static store_rc_t pg_get_body(pg_conn_t *c, void *arg)
{
    pg_get_arg_t *a = arg;
    return pg_lookup(c, a->id, a->n, a->vals, a->row, a->out, a->fn);
}

/* Runs pg_lookup of statement id with $1 = p1 and, when p2 is non-NULL,
 * $2 = p2 as one store operation (pg_run) logged as fn. */
store_rc_t pg_get(pg_store_t *st, int id, const char *p1, const char *p2, pg_row_fn row, void *out,
                  const char *fn)
{
    pg_get_arg_t a = {id, p2 ? 2 : 1, {p1, p2}, row, out, fn};
    return pg_run(st, pg_get_body, &a, fn);
}


/* Runs a write statement: OK, CONFLICT on a unique violation, NOT_FOUND when
 * want_row and no row changed, else ERROR. */
store_rc_t pg_write(pg_conn_t *c, int id, int n, const char *const *vals, const int *lens, const int *fmts,
                    bool want_row, const char *fn)
{
    char state[6];
    PGresult *res = pg_exec(c, id, n, vals, lens, fmts, state, fn);
    if (!res)
        return strcmp(state, "23505") == 0 ? STORE_CONFLICT : STORE_ERROR;
    store_rc_t r = (want_row && strcmp(PQcmdTuples(res), "0") == 0) ? STORE_NOT_FOUND : STORE_OK;
    PQclear(res);
    return r;
}

/* Formats v into a decimal string in buf (>= 24 bytes). Returns buf. */
const char *pg_i64(char *buf, int64_t v)
{
    snprintf(buf, 24, "%lld", (long long)v);
    return buf;
}


/* One write statement with text parameters, optionally in its own transaction. */
store_rc_t pg_vals_write_body(pg_conn_t *c, void *arg)
{
    pg_vals_arg_t *a = arg;
    if (a->in_tx && pg_tx_begin(c, pg_sql[a->id]) != STORE_OK)
        return STORE_ERROR;
    if (!a->in_tx)
        c->committing = true;  /* an autocommit write: no retry once sent */
    store_rc_t r = pg_write(c, a->id, a->n, a->vals, NULL, NULL, a->want_row, "postgres write");
    return a->in_tx ? pg_tx_end(c, r, "postgres write") : r;
}



/* Takes res (PQclear'd here; NULL gives STORE_ERROR) and hands each row,
 * read from column col0 on (user, team and key rows: col0 0), to the set
 * callback of cb with ctx; rows whose column col0 is NULL (the empty page's
 * placeholder of the list statements) are skipped. STORE_ERROR when a
 * callback stops (non-zero). Sets c->called_back before a call. */
store_rc_t pg_rows(pg_conn_t *c, PGresult *res, int col0, const pg_cbs_t *cb, void *ctx)
{
    if (!res)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    int rows = PQntuples(res);
    for (int i = 0; i < rows && r == STORE_OK; i++) {
        if (PQgetisnull(res, i, col0))
            continue;
        union {
            store_user_t u;
            store_team_t t;
            store_key_info_t k;
            conv_t c;
            store_workflow_log_t l;
        } row;
        int stop = 0;
        c->called_back = true;
        if (cb->user) {
            pg_row_user(res, i, &row.u);
            stop = cb->user(ctx, &row.u);
        } else if (cb->team) {
            pg_row_team(res, i, &row.t);
            stop = cb->team(ctx, &row.t);
        } else if (cb->key) {
            pg_row_key(res, i, &row.k);
            stop = cb->key(ctx, &row.k);
        } else if (cb->conv) {
            pg_row_conv(res, i, col0, &row.c);
            stop = cb->conv(ctx, &row.c);
        } else if (cb->log) {
            pg_row_log(res, i, col0, &row.l);
            stop = cb->log(ctx, &row.l);
        }
        if (stop)
            r = STORE_ERROR;
    }
    PQclear(res);
    return r;
}


store_rc_t pg_rows_body(pg_conn_t *c, void *arg)
{
    pg_rows_arg_t *a = arg;
    if (a->check >= 0) {
        store_rc_t r = pg_lookup(c, a->check, a->check_n, a->vals, pg_row_uuid, NULL, "postgres list");
        if (r != STORE_OK)
            return r;
    }
    return pg_rows(c, pg_q(c, a->id, a->n, a->vals, NULL, "postgres list"), 0, &a->cb, a->ctx);
}

