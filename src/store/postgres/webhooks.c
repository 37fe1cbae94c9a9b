/* webhooks.c - webhooks in the PostgreSQL backend: endpoints, the transactional outbox written by the conversation writes, and the delivery worker's session (its claims are advisory locks). */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ptime.h"

#define PG_WH_COLS "id, org_uuid, url, events, payload, secret, created_at"
#define PG_WH_PRUNE_BATCH "10000"
/* The advisory-lock class of endpoint claims ("parl" in ASCII); the object is hashtext(endpoint id). */
#define PG_WH_LOCK_CLASS "1885434476"

void pg_webhooks_sql_init(void)
{
    pg_sql[P_WH_SUBS] = "SELECT coalesce(bit_or(events), 0) FROM webhook_endpoints WHERE org_uuid = $1";
    /* ON CONFLICT: a repeated id (serve --id-seed after a restart) returns no row, and a new id is drawn */
    pg_sql[P_WH_EVENT_INSERT] = "INSERT INTO webhook_events(id, org_uuid, type, conversation_uuid, created_at, data)"
                                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING seq";
    pg_sql[P_WH_FANOUT] = "INSERT INTO webhook_deliveries(event_seq, endpoint_id, org_uuid)"
                          " SELECT $1, id, org_uuid FROM webhook_endpoints WHERE org_uuid = $2"
                          " AND (events & $3::bigint) <> 0";
    pg_sql[P_WH_RUN] = "INSERT INTO webhook_deliveries(event_seq, endpoint_id, org_uuid)"
                       " SELECT $1, id, org_uuid FROM webhook_endpoints WHERE org_uuid = $2 AND id = $3";
    pg_sql[P_WH_EVENT_DROP] = "DELETE FROM webhook_events WHERE seq = $1";
    pg_sql[P_WH_ORG_ENDPOINTS] = "SELECT id FROM webhook_endpoints WHERE org_uuid = $1 ORDER BY created_at, id";
    /* creations of one organization's endpoints serialize here (the count limit) */
    pg_sql[P_WH_ORG_LOCK] = "SELECT (SELECT count(*) FROM webhook_endpoints WHERE org_uuid = $1)"
                            " FROM organizations WHERE uuid = $1 FOR UPDATE";
    pg_sql[P_WH_INSERT] = "INSERT INTO webhook_endpoints(" PG_WH_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7)";
    pg_sql[P_WH_LIST] = "SELECT " STORE_WEBHOOK_SELECT " FROM webhook_endpoints WHERE $1::text IS NULL OR org_uuid = $1"
                        " ORDER BY created_at, id";
    pg_sql[P_WH_GET] = "SELECT " STORE_WEBHOOK_SELECT " FROM webhook_endpoints WHERE id = $1";
    pg_sql[P_WH_DROP_EVENTS] = "DELETE FROM webhook_events e WHERE seq IN (SELECT event_seq FROM webhook_deliveries"
                               " WHERE endpoint_id = $1) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
                               " WHERE d.event_seq = e.seq AND d.endpoint_id <> $1)";
    pg_sql[P_WH_DELETE] = "DELETE FROM webhook_endpoints WHERE id = $1"; /* its deliveries: ON DELETE CASCADE */
    pg_sql[P_WH_DELIVERIES] = "SELECT e.id, e.type, e.conversation_uuid, d.status, d.attempts_json, d.next_attempt_at, e.created_at"
                              " FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq"
                              " WHERE d.endpoint_id = $1 AND ($2::int < 0 OR d.status = $2::int)"
                              " ORDER BY d.event_seq DESC LIMIT $3";
    pg_sql[P_WH_DUE] = "SELECT w.id, h.next_attempt_at FROM webhook_endpoints w CROSS JOIN LATERAL"
                       " (SELECT d.next_attempt_at FROM webhook_deliveries d WHERE d.endpoint_id = w.id AND d.status = 0"
                       " ORDER BY d.event_seq LIMIT 1) h";
    pg_sql[P_WH_WINDOW] = "SELECT d.event_seq, e.id, e.org_uuid, e.conversation_uuid, e.type, e.created_at, d.attempts,"
                          " d.next_attempt_at, e.data, w.url, w.secret, w.payload FROM webhook_deliveries d"
                          " JOIN webhook_events e ON e.seq = d.event_seq JOIN webhook_endpoints w ON w.id = d.endpoint_id"
                          " WHERE d.endpoint_id = $1 AND d.status = 0 ORDER BY d.event_seq LIMIT $2";
    pg_sql[P_WH_RECORD] = "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, next_attempt_at = $4,"
                          " attempts_json = CASE WHEN attempts_json = '[]' THEN '[' || $5 || ']'"
                          " ELSE left(attempts_json, -1) || ',' || $5 || ']' END"
                          " WHERE event_seq = $1 AND endpoint_id = $6 AND status = 0"
                          " AND (SELECT id FROM webhook_events WHERE seq = $1) = $2";
    pg_sql[P_WH_PRUNE] = "DELETE FROM webhook_events WHERE seq IN (SELECT e.seq FROM webhook_events e"
                         " WHERE e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
                         " WHERE d.event_seq = e.seq AND d.status = 0) ORDER BY e.seq LIMIT " PG_WH_PRUNE_BATCH ")";
    /* every organization's; counted on the partial index of pending deliveries */
    pg_sql[P_WH_BACKLOG] = "SELECT count(*) FROM webhook_deliveries WHERE status = 0";
    pg_sql[P_WH_LOCK] = "SELECT pg_try_advisory_lock(" PG_WH_LOCK_CLASS ", hashtext($1))";
    pg_sql[P_WH_UNLOCK] = "SELECT pg_advisory_unlock(" PG_WH_LOCK_CLASS ", hashtext($1))";
}

/* ---- the outbox ------------------------------------------------------------------ */

/* The events the endpoints of org subscribe to (OR of their masks) into *mask. */
static store_rc_t pg_outbox_subs(pg_conn_t *c, const char *org, int64_t *mask)
{
    *mask = 0;
    return pg_one_int(c, P_WH_SUBS, 1, &org, mask, __func__) == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

/* The row of P_CONV_GET of conversation conv of org handed to cb (inside
 * the caller's transaction). */
static store_rc_t pg_outbox_fetch(pg_conn_t *c, const char *org, const char *conv, store_conv_cb cb, void *ctx)
{
    const char *vals[] = {conv, org};
    PGresult *res = pg_q(c, P_CONV_GET, 2, vals, NULL, __func__);
    if (!res)
        return STORE_ERROR;
    store_rc_t r = STORE_NOT_FOUND;
    if (PQntuples(res) == 1) {
        conv_t row;
        pg_read(res, 0, 0, &store_shape_conv, &row);
        r = cb(ctx, &row) == 0 ? STORE_OK : STORE_ERROR;
    }
    PQclear(res);
    return r;
}

/* Writes one event (type bit) with data, and its deliveries: to every
 * endpoint of org subscribed to it, or (endpoint non-NULL) to that one only,
 * whose run is then reported to t. An event no delivery came of is removed. */
static store_rc_t pg_outbox_event(pg_conn_t *c, const char *org, const char *conv, int64_t bit, const char *data,
                                  const char *endpoint, const conv_trigger_t *t)
{
    const char *fn = "pg_outbox_event";
    uuid_str_t eid;
    char seq[24] = "", now[24];
    for (int tries = 0; !seq[0] && tries < 8; tries++) {
        uuid_v7(eid);
        const char *vals[] = {eid, org, webhook_event_name(bit), conv, pg_i64(now, ptime_now_ms()), data};
        PGresult *res = pg_q(c, P_WH_EVENT_INSERT, 6, vals, NULL, fn);
        if (!res)
            return STORE_ERROR;
        if (PQntuples(res) == 1)
            pg_copy(res, 0, 0, seq, sizeof seq);
        PQclear(res);
    }
    if (!seq[0])
        return STORE_ERROR;
    char mask[24];
    const char *fan[] = {seq, org, endpoint ? endpoint : pg_i64(mask, bit)};
    PGresult *res = pg_q(c, endpoint ? P_WH_RUN : P_WH_FANOUT, 3, fan, NULL, fn);
    if (!res)
        return STORE_ERROR;
    bool none = strcmp(PQcmdTuples(res), "0") == 0;
    PQclear(res);
    if (none) {
        const char *v[] = {seq};
        return pg_write(c, P_WH_EVENT_DROP, 1, v, NULL, NULL, false, fn);
    }
    if (endpoint && t && t->run) {
        c->called_back = true; /* a retry of the operation would report the run twice */
        t->run(t->ctx, endpoint, eid);
    }
    c->events = true;
    return STORE_OK;
}

/* Writes the events of mask (bit order) that someone in subs listens to,
 * rendering the conversation once. */
static store_rc_t pg_outbox_write(pg_conn_t *c, const char *org, const char *conv, int64_t mask, int64_t subs)
{
    mask &= subs;
    if (!mask)
        return STORE_OK;
    buf_t data;
    buf_init(&data);
    store_rc_t r = pg_outbox_fetch(c, org, conv, store_outbox_render_cb, &data);
    for (int i = 0; r == STORE_OK && i < WEBHOOK_EV_COUNT; i++)
        if (mask & ((int64_t)1 << i))
            r = pg_outbox_event(c, org, conv, (int64_t)1 << i, data.data, NULL, NULL);
    buf_free(&data);
    return r == STORE_OK ? STORE_OK : STORE_ERROR;
}

store_rc_t pg_outbox_add(pg_conn_t *c, const char *org, const char *conv, int64_t mask)
{
    if (c->batch) /* bulk loading (seed, load) */
        return STORE_OK;
    int64_t subs;
    if (pg_outbox_subs(c, org, &subs) != STORE_OK)
        return STORE_ERROR;
    return pg_outbox_write(c, org, conv, mask, subs);
}

/* The runs of trigger t: one conversation.integration_triggered event per endpoint. */
static store_rc_t pg_outbox_trigger(pg_conn_t *c, const char *org, const char *conv, const conv_trigger_t *t)
{
    uuid_str_t all[WEBHOOK_PER_ORG_MAX];
    const uuid_str_t *ids = t->endpoints;
    size_t n = t->n;
    if (!ids) {
        PGresult *res = pg_q(c, P_WH_ORG_ENDPOINTS, 1, &org, NULL, __func__);
        if (!res)
            return STORE_ERROR;
        n = 0;
        for (int i = 0; i < PQntuples(res) && n < WEBHOOK_PER_ORG_MAX; i++)
            pg_copy(res, i, 0, all[n++], sizeof(uuid_str_t));
        PQclear(res);
        ids = all;
    }
    if (n == 0)
        return STORE_OK;
    buf_t data;
    buf_init(&data);
    store_rc_t r = pg_outbox_fetch(c, org, conv, store_outbox_render_cb, &data);
    for (size_t i = 0; r == STORE_OK && i < n; i++)
        r = pg_outbox_event(c, org, conv, WEBHOOK_EV_INTEGRATION_TRIGGERED, data.data, ids[i], t);
    buf_free(&data);
    return r == STORE_OK ? STORE_OK : STORE_ERROR;
}

store_rc_t pg_outbox_change(pg_conn_t *c, const char *org, const char *conv, const conv_update_t *u,
                            store_outbox_pre_t *pre, store_rc_t r)
{
    int64_t mask = u->trigger ? 0 : store_outbox_mask(u, pre); /* frees pre */
    if (r != STORE_OK || c->batch)
        return r;
    if (u->trigger)
        return pg_outbox_trigger(c, org, conv, u->trigger);
    return pg_outbox_add(c, org, conv, mask);
}

/* ---- endpoints ------------------------------------------------------------------ */

static store_rc_t pg_wh_create_body(pg_conn_t *c, void *arg)
{
    const store_webhook_t *w = arg;
    const char *fn = "postgres_webhook_create";
    const char *org = w->org_uuid;
    int64_t n = 0; /* the organization's endpoints; NOT_FOUND: no such organization */
    store_rc_t r = pg_one_int(c, P_WH_ORG_LOCK, 1, &org, &n, fn);
    if (r == STORE_OK && n >= WEBHOOK_PER_ORG_MAX)
        r = STORE_CONFLICT;
    if (r == STORE_OK) {
        char ev[24], at[24];
        const char *vals[] = {w->id, w->org_uuid, w->url, pg_i64(ev, w->events),
                              w->resource ? "resource" : "envelope", w->secret, pg_i64(at, w->created_at)};
        r = pg_write(c, P_WH_INSERT, 7, vals, NULL, NULL, false, fn);
        if (r == STORE_CONFLICT) /* the id exists: a programming error, not a full organization */
            r = STORE_ERROR;
    }
    return r;
}

store_rc_t postgres_webhook_create(store_t *base, const store_webhook_t *w)
{
    if (!w)
        return STORE_ERROR;
    if (!pg_utf8_ok(w->org_uuid))
        return STORE_NOT_FOUND;
    const char *texts[] = {w->url, w->secret};
    if (!pg_utf8_all(texts, 2))
        return STORE_ERROR;
    return pg_run_tx((pg_store_t *)base, pg_wh_create_body, (void *)w, __func__);
}

store_rc_t postgres_webhook_list(store_t *base, const char *org_uuid, store_webhook_cb cb, void *ctx)
{
    if (!cb)
        return STORE_ERROR;
    if (org_uuid && !pg_utf8_ok(org_uuid))
        return STORE_OK;
    pg_rows_arg_t a = {P_WH_LIST, 1, {org_uuid}, {.webhook = cb}, ctx, -1, 0, __func__};
    return pg_run((pg_store_t *)base, pg_rows_body, &a, __func__);
}

store_rc_t postgres_webhook_get(store_t *base, const char *id, store_webhook_t *out)
{
    if (!id)
        return STORE_ERROR;
    if (!pg_utf8_ok(id))
        return STORE_NOT_FOUND;
    return pg_get((pg_store_t *)base, P_WH_GET, id, NULL, &store_shape_webhook, out, __func__);
}

static store_rc_t pg_wh_delete_body(pg_conn_t *c, void *arg)
{
    const char *id = arg;
    const char *fn = "postgres_webhook_delete";
    store_rc_t r = pg_write(c, P_WH_DROP_EVENTS, 1, &id, NULL, NULL, false, fn);
    if (r == STORE_OK)
        r = pg_write(c, P_WH_DELETE, 1, &id, NULL, NULL, true, fn);
    return r;
}

store_rc_t postgres_webhook_delete(store_t *base, const char *id)
{
    if (!id)
        return STORE_ERROR;
    if (!pg_utf8_ok(id))
        return STORE_NOT_FOUND;
    return pg_run_tx((pg_store_t *)base, pg_wh_delete_body, (void *)id, __func__);
}

/* The deliveries of one endpoint (pg_wh_deliveries_body). */
typedef struct pg_wh_deliveries_arg {
    const char *id;
    int status;
    int64_t limit;
    store_wh_delivery_cb cb;
    void *ctx;
} pg_wh_deliveries_arg_t;

static store_rc_t pg_wh_deliveries_body(pg_conn_t *c, void *arg)
{
    pg_wh_deliveries_arg_t *a = arg;
    const char *fn = "postgres_webhook_deliveries";
    store_rc_t r = pg_lookup(c, P_WH_GET, 1, &a->id, &store_shape_webhook, NULL, fn);
    char st[16], lim[24];
    snprintf(st, sizeof st, "%d", a->status);
    const char *vals[] = {a->id, st, pg_i64(lim, a->limit)};
    PGresult *res = r == STORE_OK ? pg_q(c, P_WH_DELIVERIES, 3, vals, NULL, fn) : NULL;
    if (r == STORE_OK && !res)
        r = STORE_ERROR;
    for (int i = 0; r == STORE_OK && i < PQntuples(res); i++) {
        store_wh_delivery_t d;
        memset(&d, 0, sizeof d);
        pg_copy(res, i, 0, d.event_id, sizeof d.event_id);
        d.type = PQgetvalue(res, i, 1);
        pg_copy(res, i, 2, d.conversation_uuid, sizeof d.conversation_uuid);
        d.status = (store_wh_status_t)pg_int(res, i, 3);
        d.attempts_json = PQgetvalue(res, i, 4);
        d.next_attempt_at = pg_int(res, i, 5);
        d.created_at = pg_int(res, i, 6);
        c->called_back = true;
        if (a->cb(a->ctx, &d) != 0)
            r = STORE_ERROR;
    }
    PQclear(res);
    return r;
}

store_rc_t postgres_webhook_deliveries(store_t *base, const char *id, int status, int64_t limit,
                                       store_wh_delivery_cb cb, void *ctx)
{
    if (!id || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(id))
        return STORE_NOT_FOUND;
    pg_wh_deliveries_arg_t a = {id, status, limit, cb, ctx};
    /* one transaction, so one snapshot: the endpoint and its deliveries */
    return pg_run_tx((pg_store_t *)base, pg_wh_deliveries_body, &a, __func__);
}

/* ---- the delivery worker's session ----------------------------------------------------- */

/* Runs body on the worker's own connection (st->wh, outside the pool; only
 * the worker thread calls this), connecting it first when needed. Its
 * writes need not wait for the disk (synchronous_commit off): a lost one
 * only makes a delivery happen again. A lost connection is UNAVAILABLE: the
 * session's claims (advisory locks) went with it; the next call reconnects. */
static store_rc_t pg_wh_session(pg_store_t *st, pg_body_t body, void *arg, const char *fn)
{
    pg_conn_t *c = &st->wh;
    if (!c->pc || PQstatus(c->pc) != CONNECTION_OK) {
        if (pg_connect(st, c, NULL, 0) != 0)
            return STORE_UNAVAILABLE;
        PGresult *res = PQexec(c->pc, "SET synchronous_commit = off");
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            pg_log(fn, c->pc, res);
        PQclear(res);
    }
    c->lost = c->retry = c->committing = c->called_back = false;
    store_rc_t r = body(c, arg);
    if (c->lost) {
        fprintf(stderr, "parley: store %s: lost the webhook worker's database connection; its claims are gone\n",
                fn);
        c->tx = 0;
        return STORE_UNAVAILABLE;
    }
    return r;
}

/* The due scan (pg_wh_due_body). */
typedef struct pg_wh_due_arg {
    store_wh_head_cb cb;
    void *ctx;
} pg_wh_due_arg_t;

static store_rc_t pg_wh_due_body(pg_conn_t *c, void *arg)
{
    pg_wh_due_arg_t *a = arg;
    PGresult *res = pg_q(c, P_WH_DUE, 0, NULL, NULL, "postgres_webhook_due");
    if (!res)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    for (int i = 0; i < PQntuples(res) && r == STORE_OK; i++)
        if (a->cb(a->ctx, PQgetvalue(res, i, 0), pg_int(res, i, 1)) != 0)
            r = STORE_ERROR;
    PQclear(res);
    return r;
}

store_rc_t postgres_webhook_due(store_t *base, store_wh_head_cb cb, void *ctx)
{
    if (!cb)
        return STORE_ERROR;
    pg_wh_due_arg_t a = {cb, ctx};
    return pg_wh_session((pg_store_t *)base, pg_wh_due_body, &a, __func__);
}

/* A claim or its release (pg_wh_claim_body). */
typedef struct pg_wh_claim_arg {
    const char *id;
    bool take;
} pg_wh_claim_arg_t;

static store_rc_t pg_wh_claim_body(pg_conn_t *c, void *arg)
{
    pg_wh_claim_arg_t *a = arg;
    PGresult *res = pg_q(c, a->take ? P_WH_LOCK : P_WH_UNLOCK, 1, &a->id, NULL, "postgres_webhook_claim");
    if (!res)
        return STORE_ERROR;
    store_rc_t r = !a->take || (PQntuples(res) == 1 && pg_bool(res, 0, 0)) ? STORE_OK : STORE_CONFLICT;
    PQclear(res);
    return r;
}

store_rc_t postgres_webhook_claim(store_t *base, const char *id, bool take)
{
    if (!id || !pg_utf8_ok(id))
        return STORE_ERROR;
    pg_wh_claim_arg_t a = {id, take};
    return pg_wh_session((pg_store_t *)base, pg_wh_claim_body, &a, __func__);
}

/* The first pending deliveries of one endpoint (pg_wh_window_body). */
typedef struct pg_wh_window_arg {
    const char *id;
    int limit;
    store_wh_item_cb cb;
    void *ctx;
} pg_wh_window_arg_t;

static store_rc_t pg_wh_window_body(pg_conn_t *c, void *arg)
{
    pg_wh_window_arg_t *a = arg;
    char lim[24];
    const char *vals[] = {a->id, pg_i64(lim, a->limit)};
    PGresult *res = pg_q(c, P_WH_WINDOW, 2, vals, NULL, "postgres_webhook_window");
    if (!res)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    for (int i = 0; i < PQntuples(res) && r == STORE_OK; i++) {
        store_wh_item_t it;
        memset(&it, 0, sizeof it);
        it.seq = pg_int(res, i, 0);
        pg_copy(res, i, 1, it.event_id, sizeof it.event_id);
        pg_copy(res, i, 2, it.org_uuid, sizeof it.org_uuid);
        pg_copy(res, i, 3, it.conversation_uuid, sizeof it.conversation_uuid);
        it.type = PQgetvalue(res, i, 4);
        it.created_at = pg_int(res, i, 5);
        it.attempts = (int)pg_int(res, i, 6);
        it.next_attempt_at = pg_int(res, i, 7);
        it.data = PQgetvalue(res, i, 8);
        it.url = PQgetvalue(res, i, 9);
        it.secret = PQgetvalue(res, i, 10);
        it.resource = strcmp(PQgetvalue(res, i, 11), "resource") == 0;
        if (a->cb(a->ctx, &it) != 0)
            break; /* the window is full */
    }
    PQclear(res);
    return r;
}

store_rc_t postgres_webhook_window(store_t *base, const char *id, int limit, store_wh_item_cb cb, void *ctx)
{
    if (!id || !cb || !pg_utf8_ok(id))
        return STORE_ERROR;
    pg_wh_window_arg_t a = {id, limit, cb, ctx};
    return pg_wh_session((pg_store_t *)base, pg_wh_window_body, &a, __func__);
}

/* What pg_wh_record_body writes. */
typedef struct pg_wh_record_arg {
    const store_wh_result_t *r;
    size_t n;
} pg_wh_record_arg_t;

static store_rc_t pg_wh_record_body(pg_conn_t *c, void *arg)
{
    pg_wh_record_arg_t *a = arg;
    const char *fn = "postgres_webhook_record";
    if (pg_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    for (size_t i = 0; r == STORE_OK && i < a->n; i++) {
        const store_wh_result_t *x = &a->r[i];
        char id[24], status[8], next[24];
        snprintf(status, sizeof status, "%d", (int)x->status);
        const char *vals[] = {pg_i64(id, x->event_seq), x->event_id, status, pg_i64(next, x->next_attempt_at),
                              x->attempt_json, x->endpoint_id};
        r = pg_write(c, P_WH_RECORD, 6, vals, NULL, NULL, false, fn);
    }
    return pg_tx_end(c, r, fn);
}

store_rc_t postgres_webhook_record(store_t *base, const store_wh_result_t *r, size_t n)
{
    if (!r || n == 0)
        return STORE_OK;
    for (size_t i = 0; i < n; i++)
        if (!r[i].attempt_json || !pg_utf8_ok(r[i].attempt_json))
            return STORE_ERROR;
    pg_wh_record_arg_t a = {r, n};
    return pg_wh_session((pg_store_t *)base, pg_wh_record_body, &a, __func__);
}

/* What pg_wh_prune_body deletes. */
typedef struct pg_wh_prune_arg {
    int64_t before;
    int64_t deleted;
} pg_wh_prune_arg_t;

static store_rc_t pg_wh_prune_body(pg_conn_t *c, void *arg)
{
    pg_wh_prune_arg_t *a = arg;
    char t[24];
    const char *vals[] = {pg_i64(t, a->before)};
    PGresult *res = pg_q(c, P_WH_PRUNE, 1, vals, NULL, "postgres_webhook_prune");
    if (!res)
        return STORE_ERROR;
    a->deleted = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return STORE_OK;
}

store_rc_t postgres_webhook_prune(store_t *base, int64_t before_ms, int64_t *deleted)
{
    pg_wh_prune_arg_t a = {before_ms, 0};
    store_rc_t r = pg_wh_session((pg_store_t *)base, pg_wh_prune_body, &a, __func__);
    if (deleted)
        *deleted = r == STORE_OK ? a.deleted : 0;
    return r;
}

/* ---- operations ------------------------------------------------------------------ */

store_rc_t pg_webhook_backlog(pg_conn_t *c, int64_t *n)
{
    return pg_one_int(c, P_WH_BACKLOG, 0, NULL, n, __func__) == STORE_OK ? STORE_OK : STORE_ERROR;
}
