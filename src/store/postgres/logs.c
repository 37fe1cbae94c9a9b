/* logs.c - workflow logs in the PostgreSQL backend: a failure entry, and the filtered list with its count. */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <string.h>

/* NOT_FOUND when conv_uuid is not a UUID or not a conversation of org_uuid.
 * In its own transaction (joins an open batch). */
store_rc_t postgres_workflow_log_fail(store_t *base, const char *org_uuid, const char *conv_uuid,
                                      const char *workflow_name, const char *error, int64_t now)
{
    if (!org_uuid || !conv_uuid || !workflow_name)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(conv_uuid, id) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    if (!pg_utf8_ok(workflow_name) || (error && !pg_utf8_ok(error)))
        return STORE_ERROR;
    char t[24];
    pg_vals_arg_t a = {P_LOG_FAIL, 5, {org_uuid, id, workflow_name, error ? error : "", pg_i64(t, now)}, true, true};
    return pg_run((pg_store_t *)base, pg_vals_write_body, &a, __func__);
}

/* COUNT(*) and the page in one statement, like postgres_conv_list. A
 * user-level scope sees the entries of the conversations it can see. */
store_rc_t postgres_workflow_log_list(store_t *base, const store_scope_t *sc, const store_workflow_filter_t *f,
                                      int64_t *total, store_log_cb cb, void *ctx)
{
    if (total)
        *total = 0;
    if (!sc || !sc->org_uuid || !f)
        return STORE_ERROR;
    if (!pg_utf8_ok(sc->org_uuid) || (sc->user_uuid && !pg_utf8_ok(sc->user_uuid)))
        return STORE_OK;
    /* q owns its SQL buffer, its parameters and the strings it made */
    store_query_t q;
    store_q_init(&q, STORE_Q_POSTGRES);
    buf_t *b = &q.sql;
    buf_puts(b, " WHERE l.org_uuid = ");
    store_q_text(&q, sc->org_uuid);
    if (sc->user_uuid) {
        buf_puts(b, " AND EXISTS (SELECT 1 FROM conversations c WHERE c.uuid = l.conversation_uuid"
                    " AND c.org_uuid = l.org_uuid AND (NOT c.is_private OR c.user_uuid = ");
        store_q_text(&q, store_q_lower(&q, sc->user_uuid));
        buf_puts(b, "))");
    }
    store_q_range(&q, "l.created_at", f->has_from, f->from, f->has_to, f->to);
    store_q_in(&q, " AND l.conversation_uuid IN ", &f->conversation_uuids, true);
    if (f->success >= 0)
        buf_puts(b, f->success ? " AND l.success" : " AND NOT l.success");
    char *where = buf_detach(&q.sql, NULL);
    store_rc_t r = STORE_ERROR;
    if (where) {
        buf_printf(&q.sql,
                   "SELECT t.n, x.* FROM (SELECT count(*) AS n FROM workflow_logs l%s) t LEFT JOIN LATERAL"
                   " (SELECT l.id, l.conversation_uuid, l.workflow_name, l.success, coalesce(l.error, '') AS error,"
                   " l.created_at FROM workflow_logs l%s ORDER BY l.created_at DESC, l.id DESC LIMIT ",
                   where, where);
        store_q_int(&q, f->limit < 0 || !cb ? 0 : f->limit);
        buf_puts(&q.sql, " OFFSET ");
        store_q_int(&q, f->offset < 0 ? 0 : f->offset);
        buf_puts(&q.sql, ") x ON true ORDER BY x.created_at DESC, x.id DESC");
    }
    if (!where || store_q_failed(&q)) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
    } else {
        pg_list_arg_t a = {q.sql.data, &q, total, {.log = cb}, ctx, __func__};
        r = pg_run((pg_store_t *)base, pg_list_body, &a, __func__);
    }
    free(where);
    store_q_free(&q);
    return r;
}

