/* logs.c - workflow logs in the SQLite backend: a failure entry, and the filtered list with its count. */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <stdlib.h>


/* One INSERT … SELECT (atomic on its own; joins an open batch): NOT_FOUND
 * when conv_uuid is not a UUID or not a conversation of org_uuid. */
store_rc_t sqlite_workflow_log_fail(store_t *base, const char *org_uuid, const char *conv_uuid,
                                    const char *workflow_name, const char *error, int64_t now)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !conv_uuid || !workflow_name)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(conv_uuid, id))
        return STORE_NOT_FOUND;
    const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(id), SQ_TEXT(workflow_name), SQ_TEXT(error ? error : ""),
                            SQ_INT(now)};
    return sq_run(c, S_LOG_FAIL, SQ_CHANGE, p, SQ_NPARAMS(p), __func__);
}

/* Appends " WHERE …" for scope sc and filter f to q (table alias l). A
 * user-level scope sees the entries of conversations it can see. */
static void sq_q_log_where(store_query_t *q, const store_scope_t *sc, const store_workflow_filter_t *f)
{
    buf_t *b = &q->sql;
    buf_puts(b, " WHERE l.org_uuid = ");
    store_q_text(q, sc->org_uuid);
    if (sc->user_uuid) {
        buf_puts(b, " AND EXISTS (SELECT 1 FROM conversations c WHERE c.uuid = l.conversation_uuid"
                    " AND c.org_uuid = l.org_uuid AND (c.is_private = 0 OR c.user_uuid = lower(?)))");
        store_q_param(q, sc->user_uuid);
    }
    store_q_range(q, "l.created_at", f->has_from, f->from, f->has_to, f->to);
    store_q_in(q, " AND l.conversation_uuid IN ", &f->conversation_uuids, true);
    if (f->success >= 0) {
        buf_puts(b, " AND l.success = ");
        store_q_int(q, f->success ? 1 : 0);
    }
}

/* COUNT(*) and the page in one read snapshot, like sqlite_conv_list (same
 * caveat: callbacks must not write through the store on this thread). */
store_rc_t sqlite_workflow_log_list(store_t *base, const store_scope_t *sc, const store_workflow_filter_t *f,
                                    int64_t *total, store_log_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (total)
        *total = 0;
    if (!c || !sc || !sc->org_uuid || !f)
        return STORE_ERROR;

    /* q owns its SQL buffer (the WHERE, then the page query) and its
     * parameters; where and count_sql are owned here */
    store_query_t q;
    store_q_init(&q, STORE_Q_SQLITE);
    sq_q_log_where(&q, sc, f);
    size_t nwhere = q.n;
    char *where = buf_detach(&q.sql, NULL);
    buf_t count_sql;
    buf_init(&count_sql);
    if (where) {
        buf_printf(&count_sql, "SELECT count(*) FROM workflow_logs l%s", where);
        buf_printf(&q.sql,
                   "SELECT l.id, l.conversation_uuid, l.workflow_name, l.success, IFNULL(l.error, ''), l.created_at"
                   " FROM workflow_logs l%s ORDER BY l.created_at DESC, l.id DESC LIMIT ",
                   where);
    }
    store_q_int(&q, f->limit < 0 ? 0 : f->limit);
    buf_puts(&q.sql, " OFFSET ");
    store_q_int(&q, f->offset < 0 ? 0 : f->offset);

    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = NULL;
    bool in_tx = false;
    if (!where || store_q_failed(&q) || count_sql.oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    if (!sq_read_begin(c, &in_tx, __func__))
        goto out;
    if (!(s = sq_q_prepare(c, count_sql.data, &q, nwhere, __func__)))
        goto out;
    int64_t n = 0;
    if (!sq_step_int(c, s, &n, __func__))
        goto out;
    if (total)
        *total = n;
    sqlite3_finalize(s);
    s = NULL;

    r = STORE_OK;
    if (f->limit <= 0 || f->offset >= n || !cb)
        goto out;
    r = STORE_ERROR;
    if (!(s = sq_q_prepare(c, q.sql.data, &q, q.n, __func__)))
        goto out;
    r = sq_rows(c, s, &(store_cbs_t){.log = cb}, ctx, __func__);
out:
    sqlite3_finalize(s);
    sq_read_end(c, in_tx, __func__);
    free(where);
    buf_free(&count_sql);
    store_q_free(&q);
    return r;
}
