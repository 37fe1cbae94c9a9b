/* rows.c - the PostgreSQL backend's row adapter: run a prepared statement and read one row through a row function or a shape, hand every row to a callback, run a write with text parameters. */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strutil.h"

/* Copies src into the optional uuid out-parameter dst. */
void pg_out_uuid(uuid_str_t dst, const char *src)
{
    if (dst)
        str_copy(dst, sizeof(uuid_str_t), src);
}

/* Copies column col of row 0.. of res into dst (capacity cap), "" for NULL, truncating. */
void pg_copy(const PGresult *res, int row, int col, char *dst, size_t cap)
{
    str_copy(dst, cap, PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
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

/* One row of a result: what store_shape_read reads through pg_cols. */
typedef struct pg_at {
    const PGresult *res;
    int row;
} pg_at_t;

static const char *pg_col_text(const void *src, int col)
{
    const pg_at_t *at = src;
    return PQgetisnull(at->res, at->row, col) ? NULL : PQgetvalue(at->res, at->row, col);
}

static size_t pg_col_len(const void *src, int col)
{
    const pg_at_t *at = src;
    return (size_t)PQgetlength(at->res, at->row, col);
}

static int64_t pg_col_i64(const void *src, int col)
{
    const pg_at_t *at = src;
    return pg_int(at->res, at->row, col);
}

static double pg_col_f64(const void *src, int col)
{
    const char *v = pg_col_text(src, col);
    return v ? strtod(v, NULL) : 0;
}

static bool pg_col_bool(const void *src, int col)
{
    const pg_at_t *at = src;
    return pg_bool(at->res, at->row, col);
}

static const store_cols_t pg_cols = {pg_col_text, pg_col_len, pg_col_i64, pg_col_f64, pg_col_bool};

/* Fills out (a struct of shape sh, zeroed first) from row `row` of res,
 * from column col0 on. Text fields of STORE_FIELD_TEXT(0) point into res:
 * valid until PQclear. */
void pg_read(const PGresult *res, int row, int col0, const store_shape_t *sh, void *out)
{
    pg_at_t at = {res, row};
    store_shape_read(sh, out, &pg_cols, &at, col0);
}

/* pg_row_fn of a plain copy (arg: a pg_into_t): pg_read of the whole row. */
store_rc_t pg_row_into(const PGresult *res, int row, void *arg)
{
    const pg_into_t *into = arg;
    pg_read(res, row, 0, into->shape, into->out);
    return STORE_OK;
}

/* Takes res (a pg_exec result, PQclear'd here; NULL gives STORE_ERROR):
 * STORE_NOT_FOUND when it has no row, else row(res, 0, arg)'s answer
 * (STORE_OK, no call, when arg is NULL). */
store_rc_t pg_one(PGresult *res, pg_row_fn row, void *arg)
{
    if (!res)
        return STORE_ERROR;
    store_rc_t r = PQntuples(res) > 0 ? STORE_OK : STORE_NOT_FOUND;
    if (r == STORE_OK && arg)
        r = row(res, 0, arg);
    PQclear(res);
    return r;
}

/* pg_one of statement id run with text parameters vals (n), the row copied
 * into out (a struct of shape sh; NULL: only checks that there is one);
 * NOT_FOUND without a query when one of them is not UTF-8 (it can match
 * nothing). */
store_rc_t pg_lookup(pg_conn_t *c, int id, int n, const char *const *vals, const store_shape_t *sh, void *out,
                     const char *fn)
{
    if (!pg_utf8_all(vals, (size_t)n))
        return STORE_NOT_FOUND;
    pg_into_t into = {sh, out};
    return pg_one(pg_q(c, id, n, vals, NULL, fn), pg_row_into, out ? &into : NULL);
}

/* A lookup (pg_lookup) as one store operation: the body of pg_get. */
typedef struct pg_get_arg {
    int id;                    /* statement */
    int n;
    const char *vals[2];
    const store_shape_t *shape;
    void *out;
    const char *fn;            /* logged as */
} pg_get_arg_t;

static store_rc_t pg_get_body(pg_conn_t *c, void *arg)
{
    pg_get_arg_t *a = arg;
    return pg_lookup(c, a->id, a->n, a->vals, a->shape, a->out, a->fn);
}

/* pg_row_fn of pg_one_int (out: an int64_t): the row's first column. */
static store_rc_t pg_row_int(const PGresult *res, int row, void *out)
{
    *(int64_t *)out = pg_int(res, row, 0);
    return STORE_OK;
}

/* The first column (an integer; 0 for NULL) of the first row of statement id
 * run with vals (n), into *v: STORE_OK, STORE_NOT_FOUND when it gives no row,
 * STORE_ERROR (logged under fn) when it fails. */
store_rc_t pg_one_int(pg_conn_t *c, int id, int n, const char *const *vals, int64_t *v, const char *fn)
{
    return pg_one(pg_q(c, id, n, vals, NULL, fn), pg_row_int, v);
}

/* Runs pg_lookup of statement id with $1 = p1 and, when p2 is non-NULL,
 * $2 = p2 as one store operation (pg_run) logged as fn. */
store_rc_t pg_get(pg_store_t *st, int id, const char *p1, const char *p2, const store_shape_t *sh, void *out,
                  const char *fn)
{
    pg_get_arg_t a = {id, p2 ? 2 : 1, {p1, p2}, sh, out, fn};
    return pg_run(st, pg_get_body, &a, fn);
}

/* pg_get of statement id with $1 = org and $2 = key in its canonical form;
 * NOT_FOUND, with no query, when key is not a UUID or org not UTF-8. */
store_rc_t pg_get_uuid(pg_store_t *st, int id, const char *org, const char *key, const store_shape_t *sh, void *out,
                       const char *fn)
{
    uuid_str_t canon;
    if (!uuid_parse(key, canon) || !pg_utf8_ok(org))
        return STORE_NOT_FOUND;
    return pg_get(st, id, org, canon, sh, out, fn);
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


/* Where pg_row_cbs hands a row: the set callback of cb with ctx, the row
 * read from column col0 on. */
typedef struct pg_cbs_at {
    pg_conn_t *c;
    const store_cbs_t *cb;
    void *ctx;
    int col0;
} pg_cbs_at_t;

/* pg_row_fn of a row handed to a callback (arg: a pg_cbs_at_t): STORE_ERROR
 * when it stops (non-zero). Sets c->called_back before the call. */
static store_rc_t pg_row_cbs(const PGresult *res, int row, void *arg)
{
    const pg_cbs_at_t *at = arg;
    const store_shape_t *sh = store_cbs_shape(at->cb);
    store_row_t r;
    at->c->called_back = true;
    if (sh)
        pg_read(res, row, at->col0, sh, &r);
    return store_cbs_call(at->cb, at->ctx, &r) != 0 ? STORE_ERROR : STORE_OK;
}

/* Takes res (PQclear'd here; NULL gives STORE_ERROR) and hands each row,
 * read from column col0 on (user, team and key rows: col0 0), to the set
 * callback of cb with ctx (pg_row_cbs); rows whose column col0 is NULL (the
 * empty page's placeholder of the list statements) are skipped. STORE_ERROR
 * when a callback stops (non-zero). */
store_rc_t pg_rows(pg_conn_t *c, PGresult *res, int col0, const store_cbs_t *cb, void *ctx)
{
    if (!res)
        return STORE_ERROR;
    pg_cbs_at_t at = {c, cb, ctx, col0};
    store_rc_t r = STORE_OK;
    int rows = PQntuples(res);
    for (int i = 0; i < rows && r == STORE_OK; i++)
        if (!PQgetisnull(res, i, col0))
            r = pg_row_cbs(res, i, &at);
    PQclear(res);
    return r;
}

/* The body of a list read (arg: a pg_rows_arg_t): the check statement, when
 * there is one, must find a row (else its answer), then pg_rows of the list
 * statement; failures are logged under a->fn. */
store_rc_t pg_rows_body(pg_conn_t *c, void *arg)
{
    pg_rows_arg_t *a = arg;
    const char *fn = a->fn ? a->fn : "postgres list";
    if (a->check >= 0) {
        store_rc_t r = pg_lookup(c, a->check, a->check_n, a->vals, &store_shape_uuid, NULL, fn);
        if (r != STORE_OK)
            return r;
    }
    return pg_rows(c, pg_q(c, a->id, a->n, a->vals, NULL, fn), 0, &a->cb, a->ctx);
}

/* The body of a one-row read (arg: a pg_rows_arg_t; its check is not run):
 * the first row of the statement to the callback (pg_row_cbs), NOT_FOUND
 * when there is none; failures are logged under a->fn. */
store_rc_t pg_one_body(pg_conn_t *c, void *arg)
{
    pg_rows_arg_t *a = arg;
    pg_cbs_at_t at = {c, &a->cb, a->ctx, 0};
    return pg_one(pg_q(c, a->id, a->n, a->vals, NULL, a->fn ? a->fn : "postgres list"), pg_row_cbs, &at);
}
