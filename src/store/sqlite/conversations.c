/* conversations.c - one conversation in the SQLite backend: get, insert, archive (also asynchronously), update, export. */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/ptime.h"

/* ---- conversations -------------------------------------------------------- */

/* Binds the columns of c that live in the body table (body) or in
 * conversations (!body) to that table's INSERT (or, rewrite, its UPDATE of
 * a change: every column but uuid and org_uuid), in store_conv_cols order
 * from parameter first; stored is the document column's text
 * (conv_store_prepare), packed its packed form or empty (sq_doc_pack). A
 * "" uuid (team) binds NULL. Returns the next parameter number, or -1 (the
 * SQLite code in *rc) on failure. */
static int sq_bind_conv(sqlite3_stmt *s, const conv_t *c, const buf_t *stored, const buf_t *packed, bool body,
                        int first, bool rewrite, int *rc)
{
    const char *base = (const char *)c;
    int k = first;
    *rc = SQLITE_OK;
    for (int i = 0; i < STORE_CONV_NCOLS && *rc == SQLITE_OK; i++) {
        const store_field_t *f = &store_conv_cols[i];
        if (f->body != body)
            continue;
        if (rewrite && (strcmp(f->name, "uuid") == 0 || strcmp(f->name, "org_uuid") == 0))
            continue;
        const void *field = base + f->off;
        switch (f->kind) {
        case STORE_FIELD_STR:
            *rc = sq_bind_text(s, k, ((const char *)field)[0] ? (const char *)field : NULL);
            break;
        case STORE_FIELD_TEXT:
        case STORE_FIELD_TEXT0:
            *rc = sq_bind_text(s, k, *(const char *const *)field);
            break;
        case STORE_FIELD_INT:
            *rc = sqlite3_bind_int64(s, k, *(const int64_t *)field);
            break;
        case STORE_FIELD_BOOL:
            *rc = sqlite3_bind_int(s, k, *(const bool *)field ? 1 : 0);
            break;
        case STORE_FIELD_REAL:
            *rc = sqlite3_bind_double(s, k, *(const double *)field);
            break;
        case STORE_FIELD_DOC:
            *rc = sq_doc_bind(s, k, stored, packed);
            break;
        }
        k++;
    }
    return *rc == SQLITE_OK ? k : -1;
}

/* Writes a workflow-log entry for conversation uuid (inside the caller's transaction). */
static store_rc_t sq_log_event(sq_conn_t *c, const char *org, const char *uuid, const char *name, int64_t now,
                               const char *fn)
{
    const sq_param_t p[] = {SQ_TEXT(org), SQ_TEXT(uuid), SQ_TEXT(name), SQ_INT(now)};
    return sq_run(c, S_LOG_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), fn);
}

/* sq_row_fn of a conversation read (out: an sq_fetch_t): NOT_FOUND when the
 * row is not visible in the scope (no check when it is NULL), else cb's
 * answer (ERROR when it stops; OK, no call, when cb is NULL). */
store_rc_t sq_row_fetch(sqlite3_stmt *s, void *out)
{
    const sq_fetch_t *f = out;
    conv_t conv;
    buf_t *doc = sq_doc_buf_get(f->c); /* the document unpacked, when it is packed; given back after cb */
    store_rc_t r = STORE_OK;
    if (!doc || sq_read_conv(s, &conv, doc) != 0)
        r = STORE_ERROR;
    else if (f->sc && !store_scope_sees(f->sc, conv.user_uuid, conv.is_private))
        r = STORE_NOT_FOUND;
    else if (f->cb && f->cb(f->ctx, &conv) != 0)
        r = STORE_ERROR;
    sq_doc_buf_put(f->c, doc);
    return r;
}

/* Runs S_CONV_GET or S_CONV_GET_EXT with ?1 = key, ?2 = org and, when the row
 * is visible in sc, calls cb with it. */
static store_rc_t sq_conv_fetch(sq_conn_t *c, int id, const store_scope_t *sc, const char *key, store_conv_cb cb,
                                void *ctx, const char *fn)
{
    sq_fetch_t f = {c, sc, cb, ctx};
    return sq_one_row(c, id, sq_stmt2(c, id, key, sc->org_uuid, fn), sq_row_fetch, &f, fn);
}

/* What sq_conv_may_change reads of the row (in: the scope). */
typedef struct sq_conv_state {
    const store_scope_t *sc;
    bool archived;
    int64_t rowid;
    int64_t mark;                  /* webhook_lazy_seq: its outbox mark (webhooks.c) */
} sq_conv_state_t;

/* sq_row_fn of S_CONV_STATE (out: an sq_conv_state_t): the checks of sq_conv_may_change. */
static store_rc_t sq_row_may_change(sqlite3_stmt *s, void *out)
{
    sq_conv_state_t *st = out;
    const char *owner = (const char *)sqlite3_column_text(s, 0);
    bool is_private = sqlite3_column_int(s, 1) != 0;
    st->archived = sqlite3_column_int(s, 2) != 0;
    st->rowid = sqlite3_column_int64(s, 3);
    st->mark = sqlite3_column_int64(s, 4);
    return store_scope_may_change(st->sc, owner ? owner : "", is_private);
}

/* Inside the caller's transaction: STORE_OK when scope st->sc may change
 * conversation id (st gets its archived flag and row id); NOT_FOUND when it
 * is not a conversation of the scope's organization or not visible in it;
 * FORBIDDEN when the scope is a user-level one that does not own it. */
static store_rc_t sq_conv_may_change(sq_conn_t *c, sq_conv_state_t *st, const char *id, const char *fn)
{
    return sq_one_row(c, S_CONV_STATE, sq_stmt2(c, S_CONV_STATE, id, st->sc->org_uuid, fn), sq_row_may_change, st,
                      fn);
}

store_rc_t sqlite_conv_get(store_t *base, const store_scope_t *sc, const char *uuid, store_conv_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !sc || !sc->org_uuid || !uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id))
        return STORE_NOT_FOUND;
    return sq_conv_fetch(c, S_CONV_GET, sc, id, cb, ctx, __func__);
}

/* What sq_row_render hands on: sq_row_fetch's work, and what
 * S_CONV_GET_OUTBOX reads after the conversation's columns. */
typedef struct sq_render {
    sq_fetch_t f;
    int64_t mark;                  /* webhook_lazy_seq */
    uuid_str_t event_id;           /* the mark's event, "" unless it waits for its data */
} sq_render_t;

/* sq_row_fn of sqlite_conv_render (out: an sq_render_t). */
static store_rc_t sq_row_render(sqlite3_stmt *s, void *out)
{
    sq_render_t *x = out;
    x->mark = sqlite3_column_int64(s, STORE_CONV_NCOLS + 4);
    sq_copy_col(s, STORE_CONV_NCOLS + 5, x->event_id, sizeof x->event_id);
    return sq_row_fetch(s, &x->f);
}

store_rc_t sqlite_conv_render(store_t *base, const store_scope_t *sc, const char *uuid, buf_t *out)
{
    sq_store_t *st = (sq_store_t *)base;
    sq_conn_t *c = sq_conn(st);
    if (!c || !sc || !sc->org_uuid || !uuid || !out)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id))
        return STORE_NOT_FOUND;
    size_t from = out->len; /* the render is appended */
    sq_render_t x = {{c, sc, store_outbox_render_cb, out}, 0, ""};
    store_rc_t r = sq_one_row(c, S_CONV_GET_OUTBOX, sq_stmt2(c, S_CONV_GET_OUTBOX, id, sc->org_uuid, __func__),
                              sq_row_render, &x, __func__);
    if (r == STORE_OK && out->oom)
        r = STORE_ERROR;
    if (r == STORE_OK && x.event_id[0]) /* the delivery of the mark's event need not render it again */
        sq_paycache_offer(st->paycache, x.mark, x.event_id, out->data + from, out->len - from);
    return r;
}

store_rc_t sqlite_conv_get_by_external_id(store_t *base, const store_scope_t *sc, const char *external_id,
                                          store_conv_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !sc || !sc->org_uuid || !external_id)
        return STORE_ERROR;
    return sq_conv_fetch(c, S_CONV_GET_EXT, sc, external_id, cb, ctx, __func__);
}

/* ---- the title index (conversation_title_fts) ------------------------------- */

/* Inserts title (NULL: nothing) as row rowid of the title index. */
static store_rc_t sq_title_insert(sq_conn_t *c, int64_t rowid, const char *title, const char *fn)
{
    if (!title)
        return STORE_OK;
    const sq_param_t p[] = {SQ_INT(rowid), SQ_TEXT(title)};
    return sq_run(c, S_TITLE_FTS_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), fn);
}

/* The next free entry of c's deferred titles, holding a copy of title, or
 * NULL when title is NULL or memory runs out (logged). The caller counts it
 * in (c->titles.n++) once the import is kept, or frees its title. */
static sq_title_t *sq_title_reserve(sq_conn_t *c, const char *title)
{
    if (!title)
        return NULL;
    sq_titles_t *ts = &c->titles;
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 64;
        sq_title_t *v = realloc(ts->v, cap * sizeof *v); /* owner: c->titles, sq_titles_free */
        if (!v)
            goto oom;
        ts->v = v;
        ts->cap = cap;
    }
    sq_title_t *t = &ts->v[ts->n];
    t->title = strdup(title); /* owner: the entry, freed by sq_titles_clear */
    if (t->title)
        return t;
oom:
    fprintf(stderr, "parley: store %s: out of memory\n", __func__);
    return NULL;
}

void sq_titles_clear(sq_conn_t *c)
{
    for (size_t i = 0; i < c->titles.n; i++)
        free(c->titles.v[i].title);
    c->titles.n = 0;
}

void sq_titles_free(sq_conn_t *c)
{
    sq_titles_clear(c);
    free(c->titles.v);
    c->titles = (sq_titles_t){0};
}

store_rc_t sq_titles_flush(sq_conn_t *c, const char *fn)
{
    store_rc_t r = STORE_OK;
    if (!sqlite3_get_autocommit(c->db)) /* else the batch is gone, and its rows with it */
        for (size_t i = 0; r == STORE_OK && i < c->titles.n; i++)
            r = sq_title_insert(c, c->titles.v[i].rowid, c->titles.v[i].title, fn);
    sq_titles_clear(c);
    return r;
}

/* Writes the row, its body (the stored document), its participant emails
 * and an `import` log entry in one transaction (a savepoint inside a batch,
 * so a failed insert leaves the batch usable). conv is already prepared
 * (conv_store_prepare, on the caller's thread: the writer thread only
 * writes) and stored is its document; existing may be NULL. */
typedef struct sq_insert_args {
    conv_t conv;    /* the caller's, prepared: its derived fields point into ar */
    arena_t ar;     /* owned; sq_insert_args_free */
    buf_t stored;   /* conv's stored document; owned */
    buf_t packed;   /* stored packed, or empty (sq_doc_pack); owned */
    sq_ask_pre_t ask; /* conv's transcript measured for Ask Attention (ask.c) */
    char *existing; /* uuid_str_t or NULL */
} sq_insert_args_t;

/* Fills a (zeroed or uninitialised) for an import of conv: the stored
 * document is built and packed and the transcript measured here, on the
 * calling thread, so that the one writer thread spends its time on SQLite
 * only. -1 (logged) when memory runs out; release a with
 * sq_insert_args_free either way. */
static int sq_insert_prepare(sq_insert_args_t *a, const conv_t *conv, char *existing)
{
    a->conv = *conv;
    a->existing = existing;
    arena_init(&a->ar);
    buf_init(&a->stored);
    buf_init(&a->packed);
    if (conv_store_prepare(&a->ar, &a->conv, &a->stored) != 0) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        return -1;
    }
    if (sq_doc_pack(&a->stored, &a->packed) != 0)
        return -1;
    sq_ask_measure(&a->conv, &a->ask);
    return 0;
}

static void sq_insert_args_free(sq_insert_args_t *a)
{
    buf_free(&a->stored);
    buf_free(&a->packed);
    arena_free(&a->ar);
}

/* Runs a conversation statement (id: S_CONV_INSERT, S_BODY_INSERT,
 * S_CONV_REWRITE or S_BODY_REWRITE) for c with the document stored (its
 * packed form when it has one: sq_doc_pack);
 * rowid is the body's (or the rewrite's) row id. Gives the raw SQLite code:
 * SQLITE_DONE on success (the statement is put back either way). */
static int sq_conv_write(sq_conn_t *c, int id, const conv_t *conv, const buf_t *stored, const buf_t *packed,
                         int64_t rowid, const char *fn)
{
    sqlite3_stmt *s = sq_stmt(c, id, fn);
    if (!s)
        return SQLITE_ERROR;
    bool body = id == S_BODY_INSERT || id == S_BODY_REWRITE, rewrite = id == S_CONV_REWRITE || id == S_BODY_REWRITE;
    int rc = SQLITE_OK, k = 1;
    if (id == S_BODY_INSERT)
        rc = sqlite3_bind_int64(s, k++, rowid);
    if (rc == SQLITE_OK)
        k = sq_bind_conv(s, conv, stored, packed, body, k, rewrite, &rc);
    if (rc == SQLITE_OK && rewrite)
        rc = sqlite3_bind_int64(s, k, rowid);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && !(id == S_CONV_INSERT && sq_is_unique_violation(rc)))
        sq_log(c->db, fn, rc);
    sq_put(c, id, s);
    return rc;
}

/* The write job of sqlite_conv_insert (conn: an sq_conn_t, arg: sq_insert_args_t). */
static store_rc_t sq_conv_insert_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    const sq_insert_args_t *a = arg;
    const conv_t *conv = &a->conv;
    if (sq_tx_begin_import(c, __func__) != STORE_OK)
        return STORE_ERROR;
    int rc = sq_conv_write(c, S_CONV_INSERT, conv, &a->stored, &a->packed, 0, __func__);
    if (rc != SQLITE_DONE) {
        sq_tx_rollback(c);
        if (!sq_is_unique_violation(rc))
            return STORE_ERROR;
        /* Which one: the external id of the org, else the uuid itself. */
        store_rc_t r = STORE_NOT_FOUND;
        if (conv->external_id)
            r = sq_get(c, S_CONV_EXT_UUID, conv->org_uuid, conv->external_id, &store_shape_uuid, a->existing,
                       __func__);
        if (r == STORE_NOT_FOUND)
            sq_out_uuid(a->existing, conv->uuid);
        return r == STORE_ERROR ? STORE_ERROR : STORE_CONFLICT;
    }
    int64_t rowid = sqlite3_last_insert_rowid(c->db);
    const sq_param_t p[] = {SQ_TEXT(conv->uuid), SQ_TEXT(conv->org_uuid),
                            SQ_TEXT(conv->participants_json ? conv->participants_json : conv->participants_ext_json)};
    if (sq_conv_write(c, S_BODY_INSERT, conv, &a->stored, &a->packed, rowid, __func__) != SQLITE_DONE ||
        sq_run(c, S_PART_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), __func__) != STORE_OK ||
        sq_log_event(c, conv->org_uuid, conv->uuid, "import", ptime_now_ms(), __func__) != STORE_OK ||
        sq_outbox_add(c, conv->org_uuid, conv->uuid, webhook_import_events(conv)) != STORE_OK || /* webhooks.c */
        sq_ask_index(c, conv, &a->ask, __func__) != STORE_OK || /* Ask Attention's segment index (ask.c) */
        (!c->batch && sq_title_insert(c, rowid, conv->title, __func__) != STORE_OK)) {
        sq_tx_rollback(c);
        return STORE_ERROR;
    }
    if (!c->batch)
        return sq_tx_commit(c, __func__);
    /* In a batch the title waits for the batch's end (sq_titles_flush): its
     * entry is made before the savepoint is released, so that keeping it
     * afterwards cannot fail. */
    sq_title_t *t = sq_title_reserve(c, conv->title);
    if (conv->title && !t) {
        sq_tx_rollback(c);
        return STORE_ERROR;
    }
    store_rc_t r = sq_tx_commit(c, __func__);
    if (t && r == STORE_OK) {
        t->rowid = rowid;
        c->titles.n++;
    } else if (t)
        free(t->title);
    return r;
}

/* Group-committed (sq_write): returns once the row is durable. */
store_rc_t sqlite_conv_insert(store_t *base, const conv_t *conv, uuid_str_t existing)
{
    if (existing)
        existing[0] = '\0';
    if (!conv)
        return STORE_ERROR;
    sq_insert_args_t a;
    store_rc_t r = STORE_ERROR;
    if (sq_insert_prepare(&a, conv, existing) == 0)
        r = sq_write((sq_store_t *)base, sq_conv_insert_tx, &a);
    sq_insert_args_free(&a);
    return r;
}

/* Opens the transaction of a change of conversation id and checks that
 * scope st->sc may make it (sq_conv_may_change: st gets the row's state).
 * On any answer but STORE_OK nothing is left open. */
static store_rc_t sq_change_begin(sq_conn_t *c, sq_conv_state_t *st, const char *id, const char *fn)
{
    if (sq_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_conv_may_change(c, st, id, fn);
    if (r != STORE_OK)
        sq_tx_rollback(c);
    return r;
}

/* Ends a change of sq_change_begin whose work answered r: when r is
 * STORE_OK, cb (if set) gets the row as now stored, read inside the
 * transaction (cb runs before COMMIT, so a failing commit still returns
 * STORE_ERROR afterwards), then COMMIT; otherwise (a failing cb included)
 * everything is rolled back and r returned. */
static store_rc_t sq_change_end(sq_conn_t *c, store_rc_t r, const store_conv_change_t *ch, const char *fn)
{
    if (r == STORE_OK && ch->cb)
        r = sq_conv_fetch(c, S_CONV_GET, ch->sc, ch->id, ch->cb, ch->ctx, fn);
    return sq_tx_end(c, r, fn);
}

/* The write job of sqlite_conv_set_archived (conn: an sq_conn_t, arg: a
 * store_conv_change_t): BEGIN IMMEDIATE; read state; scope checks; update +
 * log only on a real change (archived_at = now, 0 when unarchiving); cb with
 * the row as stored; COMMIT. A failing cb rolls everything back and returns
 * STORE_ERROR. */
static store_rc_t sq_conv_set_archived_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    const store_conv_change_t *a = arg;
    sq_conv_state_t state = {a->sc, false, 0, 0};
    store_rc_t r = sq_change_begin(c, &state, a->id, __func__);
    if (r != STORE_OK)
        return r;
    if (state.archived != a->archived) {
        /* webhooks.c: the earlier events keep their state, then this change's
         * (without their data, so before the row's update), whose first seq
         * the update stores as the conversation's mark */
        int64_t first = 0;
        if (sq_outbox_freeze(c, a->sc->org_uuid, a->id, state.mark) != STORE_OK ||
            sq_outbox_events(c, a->sc->org_uuid, a->id, a->archived ? WEBHOOK_EV_ARCHIVED : WEBHOOK_EV_UNARCHIVED,
                             &first) != STORE_OK)
            r = STORE_ERROR;
        const sq_param_t p[] = {SQ_INT(state.rowid), SQ_INT(a->archived ? 1 : 0), SQ_INT(a->archived ? a->now : 0),
                                SQ_INT(first)};
        if (r == STORE_OK &&
            (sq_run(c, S_CONV_SET_ARCHIVED, SQ_CHANGE, p, SQ_NPARAMS(p), __func__) != STORE_OK ||
             sq_log_event(c, a->sc->org_uuid, a->id, a->archived ? "archive" : "unarchive", a->now, __func__) != STORE_OK))
            r = STORE_ERROR;
    }
    return sq_change_end(c, r, a, __func__);
}

/* Group-committed (sq_write): returns once the change is durable; cb has
 * then been called (on the writer thread) with the row as stored. */
store_rc_t sqlite_conv_set_archived(store_t *base, const store_scope_t *sc, const char *uuid, bool archived,
                                    int64_t now, store_conv_cb cb, void *ctx)
{
    if (!sc || !sc->org_uuid || !uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id))
        return STORE_NOT_FOUND;
    store_conv_change_t a = {sc, id, archived, NULL, now, cb, ctx};
    return sq_write((sq_store_t *)base, sq_conv_set_archived_tx, &a);
}

/* ---- asynchronous writes ------------------------------------------------------ */

/* One asynchronous write: the group job, its arguments and the caller's
 * completion. Heap-allocated by the _async function; freed just before done runs. */
typedef struct sq_async {
    store_group_job_t job;         /* must stay first: sq_async_done gets &job */
    sq_job_t wrap;
    union {
        store_conv_change_t archive;
        sq_insert_args_t insert;
    } a;
    uuid_str_t id;                 /* the archive's canonical uuid (a.archive.id points here) */
    bool insert;                   /* a.insert is the one in use: sq_insert_args_free it */
    store_done_cb done;
    void *done_ctx;
} sq_async_t;

/* Frees x and reports rc to its submitter. */
static void sq_async_finish(sq_async_t *x, store_rc_t rc)
{
    store_done_cb done = x->done;
    void *ctx = x->done_ctx;
    if (x->insert)
        sq_insert_args_free(&x->a.insert);
    free(x);
    done(ctx, rc);
}

/* store_group_done_fn: the batch holding x has committed (or failed). */
static void sq_async_done(store_group_job_t *job)
{
    sq_async_finish((sq_async_t *)job, job->rc);
}

/* Runs fn(conn, &x->a) as sq_write does, without waiting for the group
 * commit; takes ownership of x and reports through x->done exactly once. */
static void sq_write_async(sq_store_t *st, store_group_fn fn, sq_async_t *x)
{
    sq_conn_t *c = sq_conn(st);
    if (!c) {
        sq_async_finish(x, STORE_ERROR);
        return;
    }
    if (sq_write_inline(st, c)) {
        sq_async_finish(x, fn(c, &x->a));
        return;
    }
    x->wrap = (sq_job_t){fn, &x->a};
    x->job = (store_group_job_t){.fn = sq_job_run, .arg = &x->wrap, .done = sq_async_done};
    if (store_group_submit(st->group, &x->job) != STORE_OK)
        sq_async_finish(x, STORE_ERROR);
}

void sqlite_conv_set_archived_async(store_t *base, const store_scope_t *sc, const char *uuid, bool archived,
                                    int64_t now, store_conv_cb cb, void *ctx, store_done_cb done,
                                    void *done_ctx)
{
    sq_async_t *x = calloc(1, sizeof(*x)); /* owner: sq_write_async, then sq_async_finish */
    if (!x || !sc || !sc->org_uuid || !uuid) {
        free(x);
        done(done_ctx, STORE_ERROR);
        return;
    }
    if (!uuid_parse(uuid, x->id)) {
        free(x);
        done(done_ctx, STORE_NOT_FOUND);
        return;
    }
    x->a.archive = (store_conv_change_t){sc, x->id, archived, NULL, now, cb, ctx};
    x->done = done;
    x->done_ctx = done_ctx;
    sq_write_async((sq_store_t *)base, sq_conv_set_archived_tx, x);
}

void sqlite_conv_insert_async(store_t *base, const conv_t *conv, char *existing, store_done_cb done,
                              void *done_ctx)
{
    if (existing)
        existing[0] = '\0';
    sq_async_t *x = calloc(1, sizeof(*x)); /* owner: sq_write_async, then sq_async_finish */
    if (!x || !conv) {
        free(x);
        done(done_ctx, STORE_ERROR);
        return;
    }
    x->insert = true;
    x->done = done;
    x->done_ctx = done_ctx;
    if (sq_insert_prepare(&x->a.insert, conv, existing) != 0) {
        sq_async_finish(x, STORE_ERROR);
        return;
    }
    sq_write_async((sq_store_t *)base, sq_conv_insert_tx, x);
}

/* ---- export ------------------------------------------------------------------ */

/* Every conversation of the org in created_at, uuid order, read in one
 * snapshot (a read transaction unless a batch is open). The statement is
 * prepared per call (export is rare). Callbacks must not write through the
 * store on this thread. */
store_rc_t sqlite_conv_each(store_t *base, const char *org_uuid, bool include_archived, store_conv_cb cb,
                            void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    buf_t sql;
    buf_init(&sql);
    buf_printf(&sql, "%s%s WHERE c.org_uuid = ?1 AND (?2 OR c.archived = 0) ORDER BY c.created_at, c.uuid",
               sq_conv_select, SQ_CONV_FROM);
    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = NULL;
    bool in_tx = false;
    if (sql.oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    if (!sq_read_begin(c, &in_tx, __func__))
        goto out;
    int rc = sqlite3_prepare_v2(c->db, sql.data, -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sq_bind_text(s, 1, org_uuid);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(s, 2, include_archived ? 1 : 0);
    if (rc != SQLITE_OK) {
        sq_log(c->db, __func__, rc);
        goto out;
    }
    r = sq_rows(c, s, &(store_cbs_t){.conv = cb}, ctx, __func__);
out:
    sqlite3_finalize(s);
    sq_read_end(c, in_tx, __func__);
    buf_free(&sql);
    return r;
}

/* ---- conversation changes and workflow logs -------------------------------- */

/* BEGIN IMMEDIATE; scope check; the row update (title, privacy) and the body
 * update (labels, CRM records, opportunity, confirmed intelligence merge) only
 * when u changes something there; one success entry named u->workflow_name
 * (always, even when the values were already the same: one entry per change
 * request; its time is max(now, the conversation's last entry)); cb with the
 * row as now stored; COMMIT. The write lock is held from
 * the state read to the commit, so concurrent changes serialize and none is
 * lost. A failing cb rolls everything back and returns STORE_ERROR. */
/* What a change reads of the stored row (sq_change_read, a store_conv_cb). */
typedef struct sq_change_read {
    arena_t *a;
    conv_t conv;                   /* the row, owned by a, with its fields filled from the document */
    bool ok;
} sq_change_read_t;

static int sq_change_read(void *ctx, const conv_t *row)
{
    sq_change_read_t *x = ctx;
    x->conv = *row;
    x->ok = conv_own(x->a, &x->conv) == 0 && conv_doc_parse(x->a, &x->conv) == 0;
    return x->ok ? 0 : 1;
}

store_rc_t sq_conv_rewrite(sq_conn_t *c, const store_scope_t *sc, const char *id, int64_t rowid, int64_t mark,
                           const conv_update_t *u, int64_t now, const char *fn)
{
    /* The row is read, changed and written back whole (its document rebuilt)
     * under the caller's write lock. */
    arena_t ar;
    buf_t stored, packed; /* the rebuilt document, and its packed form (sq_doc_pack); freed below */
    arena_init(&ar);
    buf_init(&stored);
    buf_init(&packed);
    sq_change_read_t row = {.a = &ar};
    store_rc_t r = sq_outbox_freeze(c, sc->org_uuid, id, mark); /* webhooks.c: earlier events keep their state */
    if (r == STORE_OK)
        r = sq_conv_fetch(c, S_CONV_GET, sc, id, sq_change_read, &row, fn);
    store_outbox_pre_t pre; /* webhooks: what the change's events need from before it */
    store_outbox_before(r == STORE_OK && row.ok ? &row.conv : NULL, u, &pre);
    if (r == STORE_OK && (!row.ok || update_apply(&ar, &row.conv, u) != 0 ||
                          conv_store_prepare(&ar, &row.conv, &stored) != 0 || sq_doc_pack(&stored, &packed) != 0)) {
        fprintf(stderr, "parley: store %s: cannot rebuild conversation %s\n", fn, id);
        r = STORE_ERROR;
    }
    if (r == STORE_OK && (sq_conv_write(c, S_CONV_REWRITE, &row.conv, &stored, &packed, rowid, fn) != SQLITE_DONE ||
                          sq_conv_write(c, S_BODY_REWRITE, &row.conv, &stored, &packed, rowid, fn) != SQLITE_DONE))
        r = STORE_ERROR;
    const sq_param_t p[] = {SQ_TEXT(sc->org_uuid), SQ_TEXT(id), SQ_TEXT(u->workflow_name), SQ_INT(now)};
    if (r == STORE_OK && sq_run(c, S_LOG_CHANGE, SQ_INSERT, p, SQ_NPARAMS(p), fn) != STORE_OK)
        r = STORE_ERROR;
    r = sq_outbox_change(c, sc->org_uuid, id, u, &pre, r); /* webhooks.c: the change's events */
    buf_free(&stored);
    buf_free(&packed);
    arena_free(&ar);
    return r;
}

store_rc_t sqlite_conv_update(store_t *base, const store_scope_t *sc, const char *uuid, const conv_update_t *u,
                              int64_t now, store_conv_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !sc || !sc->org_uuid || !uuid || !u || !u->workflow_name)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(uuid, id))
        return STORE_NOT_FOUND;
    sq_conv_state_t state = {sc, false, 0, 0};
    store_rc_t r = sq_change_begin(c, &state, id, __func__);
    if (r != STORE_OK)
        return r;
    r = sq_conv_rewrite(c, sc, id, state.rowid, state.mark, u, now, __func__);
    /* the row read inside the transaction, before COMMIT (see set_archived) */
    store_conv_change_t ch = {sc, id, false, u, now, cb, ctx};
    return sq_change_end(c, r, &ch, __func__);
}
