/* conversations.c - one conversation in the PostgreSQL backend: get, insert, archive, update, export. */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/ptime.h"

/* ---- conversations ---------------------------------------------------------------- */

/* What pg_row_fetch hands a conversation row to: cb with ctx, when the row
 * is visible in sc; c->called_back is set before the call. */
typedef struct pg_fetch {
    pg_conn_t *c;
    const store_scope_t *sc;
    store_conv_cb cb;
    void *ctx;
} pg_fetch_t;

/* pg_row_fn of pg_conv_fetch (arg: a pg_fetch_t): NOT_FOUND when the row is
 * not visible in the scope, else cb's answer (ERROR when it stops; OK, no
 * call, when cb is NULL). */
static store_rc_t pg_row_fetch(const PGresult *res, int row, void *arg)
{
    const pg_fetch_t *f = arg;
    conv_t conv;
    pg_read(res, row, 0, &store_shape_conv, &conv);
    if (!store_scope_sees(f->sc, conv.user_uuid, conv.is_private))
        return STORE_NOT_FOUND;
    if (!f->cb)
        return STORE_OK;
    f->c->called_back = true;
    return f->cb(f->ctx, &conv) != 0 ? STORE_ERROR : STORE_OK;
}

/* Runs P_CONV_GET or P_CONV_GET_EXT with $1 = key, $2 = org and, when the row
 * is visible in sc, calls cb with it. */
static store_rc_t pg_conv_fetch(pg_conn_t *c, int id, const store_scope_t *sc, const char *key, store_conv_cb cb,
                                void *ctx, const char *fn)
{
    const char *vals[] = {key, sc->org_uuid};
    pg_fetch_t f = {c, sc, cb, ctx};
    return pg_one(pg_q(c, id, 2, vals, NULL, fn), pg_row_fetch, &f);
}

typedef struct pg_conv_get_arg {
    int id;
    const store_scope_t *sc;
    const char *key;
    store_conv_cb cb;
    void *ctx;
} pg_conv_get_arg_t;

static store_rc_t pg_conv_get_body(pg_conn_t *c, void *arg)
{
    pg_conv_get_arg_t *a = arg;
    return pg_conv_fetch(c, a->id, a->sc, a->key, a->cb, a->ctx, "postgres_conv_get");
}

store_rc_t postgres_conv_get(store_t *base, const store_scope_t *sc, const char *uuid, store_conv_cb cb,
                             void *ctx)
{
    if (!sc || !sc->org_uuid || !uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id) || !pg_utf8_ok(sc->org_uuid))
        return STORE_NOT_FOUND;
    pg_conv_get_arg_t a = {P_CONV_GET, sc, id, cb, ctx};
    return pg_run((pg_store_t *)base, pg_conv_get_body, &a, __func__);
}

store_rc_t postgres_conv_get_by_external_id(store_t *base, const store_scope_t *sc, const char *external_id,
                                            store_conv_cb cb, void *ctx)
{
    if (!sc || !sc->org_uuid || !external_id)
        return STORE_ERROR;
    if (!pg_utf8_ok(external_id) || !pg_utf8_ok(sc->org_uuid))
        return STORE_NOT_FOUND;
    pg_conv_get_arg_t a = {P_CONV_GET_EXT, sc, external_id, cb, ctx};
    return pg_run((pg_store_t *)base, pg_conv_get_body, &a, __func__);
}

/* The parameters of a conversation's row, in store_conv_cols order, with
 * the stored document's text (conv_store_prepare) for its column; numbers[]
 * holds the numeric columns' text. Returns 0, or -1 (logged) when a text is
 * not valid UTF-8. */
static int pg_conv_vals(const conv_t *conv, const buf_t *stored, const char *vals[STORE_CONV_NCOLS],
                        char numbers[STORE_CONV_NCOLS][32], const char *fn)
{
    const char *base_ptr = (const char *)conv;
    for (int i = 0; i < STORE_CONV_NCOLS; i++) {
        const void *field = base_ptr + store_conv_cols[i].off;
        switch (store_conv_cols[i].kind) {
        case STORE_FIELD_STR:
            vals[i] = ((const char *)field)[0] ? (const char *)field : NULL;
            break;
        case STORE_FIELD_TEXT:
        case STORE_FIELD_TEXT0:
            vals[i] = *(const char *const *)field;
            break;
        case STORE_FIELD_INT:
            vals[i] = pg_i64(numbers[i], *(const int64_t *)field);
            break;
        case STORE_FIELD_BOOL:
            vals[i] = *(const bool *)field ? "t" : "f";
            break;
        case STORE_FIELD_REAL:
            snprintf(numbers[i], sizeof numbers[i], "%.17g", *(const double *)field);
            vals[i] = numbers[i];
            break;
        case STORE_FIELD_DOC:
            vals[i] = stored->data;
            break;
        }
        if (vals[i] && !pg_utf8_ok(vals[i])) {
            fprintf(stderr, "parley: store %s: column %s is not valid UTF-8\n", fn, store_conv_cols[i].name);
            return -1;
        }
    }
    return 0;
}

typedef struct pg_conv_insert_arg {
    conv_t conv;               /* prepared (conv_store_prepare) */
    const char *vals[STORE_CONV_NCOLS + 2];
    char *existing;            /* uuid_str_t or NULL */
} pg_conv_insert_arg_t;

static store_rc_t pg_conv_insert_body(pg_conn_t *c, void *arg)
{
    pg_conv_insert_arg_t *a = arg;
    const char *fn = "postgres_conv_insert";
    if (pg_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = pg_write(c, P_CONV_INSERT, STORE_CONV_NCOLS + 2, a->vals, NULL, NULL, false, fn);
    if (r == STORE_OK) /* webhooks.c: the import's events */
        r = pg_outbox_add(c, a->conv.org_uuid, a->conv.uuid, webhook_import_events(&a->conv));
    if (r == STORE_OK)
        r = pg_ask_index(c, &a->conv, fn); /* Ask Attention's segment index (ask.c) */
    if (r == STORE_OK)
        return pg_tx_commit(c, fn);
    pg_tx_rollback(c);
    if (r != STORE_CONFLICT)
        return r;
    /* Which one: the external id of the org, else the uuid itself. */
    r = STORE_NOT_FOUND;
    if (a->conv.external_id) {
        const char *v[] = {a->conv.org_uuid, a->conv.external_id};
        uuid_str_t ex = "";
        r = pg_lookup(c, P_CONV_EXT_UUID, 2, v, &store_shape_uuid, ex, fn);
        if (r == STORE_OK)
            pg_out_uuid(a->existing, ex);
    }
    if (r == STORE_NOT_FOUND)
        pg_out_uuid(a->existing, a->conv.uuid);
    return r == STORE_ERROR ? STORE_ERROR : STORE_CONFLICT;
}

/* Writes the row, its participant emails and an `import` log entry in one
 * statement and transaction (a savepoint inside a batch, so a failed insert
 * leaves the batch usable). existing may be NULL. */
store_rc_t postgres_conv_insert(store_t *base, const conv_t *conv, uuid_str_t existing)
{
    if (existing)
        existing[0] = '\0';
    if (!conv)
        return STORE_ERROR;
    pg_conv_insert_arg_t a = {*conv, {0}, existing};
    arena_t ar;
    buf_t stored;
    arena_init(&ar);
    buf_init(&stored);
    /* numbers[] owns the text of the numeric columns for the duration of the call */
    char numbers[STORE_CONV_NCOLS][32], now[32];
    store_rc_t r = STORE_ERROR;
    if (conv_store_prepare(&ar, &a.conv, &stored) != 0)
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
    else if (pg_conv_vals(&a.conv, &stored, a.vals, numbers, __func__) == 0) {
        a.vals[STORE_CONV_NCOLS] = pg_i64(now, ptime_now_ms());
        a.vals[STORE_CONV_NCOLS + 1] = conv->participants_json ? conv->participants_json : conv->participants_ext_json;
        r = pg_run((pg_store_t *)base, pg_conv_insert_body, &a, __func__);
    }
    buf_free(&stored);
    arena_free(&ar);
    return r;
}

/* What pg_row_lock reads of the row (in: the scope). */
typedef struct pg_lock {
    const store_scope_t *sc;
    bool *archived;            /* NULL: not wanted */
} pg_lock_t;

/* pg_row_fn of P_CONV_STATE (arg: a pg_lock_t): the checks of pg_conv_lock. */
static store_rc_t pg_row_lock(const PGresult *res, int row, void *arg)
{
    const pg_lock_t *l = arg;
    uuid_str_t owner;
    pg_copy(res, row, 0, owner, sizeof owner);
    bool is_private = pg_bool(res, row, 1);
    if (l->archived)
        *l->archived = pg_bool(res, row, 2);
    return store_scope_may_change(l->sc, owner, is_private);
}

/* Locks the row (FOR UPDATE) and checks sc may change it: NOT_FOUND when not
 * visible, FORBIDDEN for a user scope that does not own it. *archived gets
 * its archived flag. Inside the caller's transaction. */
static store_rc_t pg_conv_lock(pg_conn_t *c, const store_scope_t *sc, const char *id, bool *archived, const char *fn)
{
    const char *vals[] = {id, sc->org_uuid};
    pg_lock_t l = {sc, archived};
    return pg_one(pg_q(c, P_CONV_STATE, 2, vals, NULL, fn), pg_row_lock, &l);
}

/* Writes a workflow-log entry (inside the caller's transaction). */
static store_rc_t pg_log_event(pg_conn_t *c, const char *org, const char *uuid, const char *name, int64_t now,
                               const char *fn)
{
    char t[24];
    const char *vals[] = {org, uuid, name, pg_i64(t, now)};
    return pg_write(c, P_LOG_INSERT, 4, vals, NULL, NULL, false, fn);
}

/* Opens the transaction of a change of conversation id, locks the row and
 * checks that sc may make it (pg_conv_lock, which fills archived when
 * given). On any answer but STORE_OK nothing is left open. */
static store_rc_t pg_change_begin(pg_conn_t *c, const store_scope_t *sc, const char *id, bool *archived, const char *fn)
{
    if (pg_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = pg_conv_lock(c, sc, id, archived, fn);
    if (r != STORE_OK)
        pg_tx_rollback(c);
    return r;
}

/* Ends a change of pg_change_begin whose work answered r: when r is
 * STORE_OK, cb (if set) gets the row as now stored, then COMMIT; otherwise
 * (a failing cb included) everything is rolled back and r returned. */
static store_rc_t pg_change_end(pg_conn_t *c, store_rc_t r, const store_conv_change_t *ch, const char *fn)
{
    if (r == STORE_OK && ch->cb)
        r = pg_conv_fetch(c, P_CONV_GET, ch->sc, ch->id, ch->cb, ch->ctx, fn);
    return pg_tx_end(c, r, fn);
}

/* BEGIN; lock the row; scope checks; update + log only on a real change
 * (archived_at = now, 0 when unarchiving); cb with the row as stored; COMMIT.
 * A failing cb rolls everything back and returns STORE_ERROR. arg: a
 * store_conv_change_t. */
static store_rc_t pg_archive_body(pg_conn_t *c, void *arg)
{
    const store_conv_change_t *a = arg;
    const char *fn = "postgres_conv_set_archived";
    bool was = false;
    store_rc_t r = pg_change_begin(c, a->sc, a->id, &was, fn);
    if (r != STORE_OK)
        return r;
    if (was != a->archived) {
        char t[24];
        const char *vals[] = {a->id, a->archived ? "t" : "f", pg_i64(t, a->archived ? a->now : 0)};
        r = pg_write(c, P_CONV_SET_ARCHIVED, 3, vals, NULL, NULL, true, fn);
        if (r == STORE_OK)
            r = pg_log_event(c, a->sc->org_uuid, a->id, a->archived ? "archive" : "unarchive", a->now, fn);
        if (r == STORE_OK) /* webhooks.c */
            r = pg_outbox_add(c, a->sc->org_uuid, a->id, a->archived ? WEBHOOK_EV_ARCHIVED : WEBHOOK_EV_UNARCHIVED);
    }
    return pg_change_end(c, r, a, fn);
}

store_rc_t postgres_conv_set_archived(store_t *base, const store_scope_t *sc, const char *uuid, bool archived,
                                      int64_t now, store_conv_cb cb, void *ctx)
{
    if (!sc || !sc->org_uuid || !uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id) || !pg_utf8_ok(sc->org_uuid))
        return STORE_NOT_FOUND;
    store_conv_change_t a = {sc, id, archived, NULL, now, cb, ctx};
    return pg_run((pg_store_t *)base, pg_archive_body, &a, __func__);
}

/* What a change reads of the locked row (pg_change_read, a store_conv_cb). */
typedef struct pg_change_read {
    arena_t *a;
    conv_t conv;               /* the row, owned by a, with its fields filled from the document */
    bool ok;
} pg_change_read_t;

static int pg_change_read(void *ctx, const conv_t *row)
{
    pg_change_read_t *x = ctx;
    x->conv = *row;
    x->ok = conv_own(x->a, &x->conv) == 0 && conv_doc_parse(x->a, &x->conv) == 0;
    return x->ok ? 0 : 1;
}

store_rc_t pg_conv_rewrite(pg_conn_t *c, const store_scope_t *sc, const char *id, const conv_update_t *u, int64_t now,
                           const char *fn)
{
    arena_t ar;
    buf_t stored;
    arena_init(&ar);
    buf_init(&stored);
    pg_change_read_t row = {.a = &ar};
    const char *vals[STORE_CONV_NCOLS];
    char numbers[STORE_CONV_NCOLS][32];
    store_rc_t r = pg_conv_fetch(c, P_CONV_GET, sc, id, pg_change_read, &row, fn);
    store_outbox_pre_t pre; /* webhooks: what the change's events need from before it */
    store_outbox_before(r == STORE_OK && row.ok ? &row.conv : NULL, u, &pre);
    if (r == STORE_OK && (!row.ok || update_apply(&ar, &row.conv, u) != 0 ||
                          conv_store_prepare(&ar, &row.conv, &stored) != 0)) {
        fprintf(stderr, "parley: store %s: cannot rebuild conversation %s\n", fn, id);
        r = STORE_ERROR;
    }
    if (r == STORE_OK && pg_conv_vals(&row.conv, &stored, vals, numbers, fn) != 0)
        r = STORE_ERROR;
    if (r == STORE_OK)
        r = pg_write(c, P_CONV_REWRITE, STORE_CONV_NCOLS, vals, NULL, NULL, true, fn);
    buf_free(&stored);
    arena_free(&ar);
    if (r == STORE_OK)
        r = pg_log_event(c, sc->org_uuid, id, u->workflow_name, now, fn);
    return pg_outbox_change(c, sc->org_uuid, id, u, &pre, r); /* webhooks.c: the change's events */
}

/* BEGIN; lock the row; scope check; read it, apply the change and write it
 * back whole (its document rebuilt), under the row lock; one success entry
 * named u->workflow_name (always: one entry per change request); cb with the
 * row as now stored; COMMIT. The row lock is held from the read to the
 * commit, so concurrent changes from any instance serialize and none is
 * lost. A failing cb rolls everything back and returns STORE_ERROR. arg: a
 * store_conv_change_t. */
static store_rc_t pg_update_body(pg_conn_t *c, void *arg)
{
    const store_conv_change_t *a = arg;
    const char *fn = "postgres_conv_update";
    store_rc_t r = pg_change_begin(c, a->sc, a->id, NULL, fn);
    if (r != STORE_OK)
        return r;
    r = pg_conv_rewrite(c, a->sc, a->id, a->u, a->now, fn);
    return pg_change_end(c, r, a, fn);
}

store_rc_t postgres_conv_update(store_t *base, const store_scope_t *sc, const char *uuid, const conv_update_t *u,
                                int64_t now, store_conv_cb cb, void *ctx)
{
    if (!sc || !sc->org_uuid || !uuid || !u || !u->workflow_name)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id) || !pg_utf8_ok(sc->org_uuid))
        return STORE_NOT_FOUND;
    const char *texts[] = {u->title, u->labels_json, u->linked_crm_json, u->confirm_intel_json,
                           u->external_opportunity_json, u->workflow_name};
    if (!pg_utf8_all(texts, sizeof texts / sizeof texts[0]))
        return STORE_ERROR;
    store_conv_change_t a = {sc, id, false, u, now, cb, ctx};
    return pg_run((pg_store_t *)base, pg_update_body, &a, __func__);
}

/* Every conversation of the org in one result (memory grows with the org; export only). */
store_rc_t postgres_conv_each(store_t *base, const char *org_uuid, bool include_archived, store_conv_cb cb,
                              void *ctx)
{
    if (!org_uuid || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_OK;
    pg_rows_arg_t a = {P_CONV_EACH, 2, {org_uuid, include_archived ? "t" : "f"}, {.conv = cb}, ctx, -1, 0, NULL};
    return pg_run((pg_store_t *)base, pg_rows_body, &a, __func__);
}

