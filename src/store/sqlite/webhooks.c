/* webhooks.c - webhooks in the SQLite backend: endpoints, the transactional outbox written by the conversation writes, and the delivery worker's reads and writes. */
#include "store/sqlite/sq.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "lib/ptime.h"

#define SQ_WH_COLS "id, org_uuid, url, events, payload, secret, created_at"
#define SQ_WH_PRUNE_BATCH 10000 /* events deleted per prune call */

void sq_webhooks_sql_init(void)
{
    sq_sql[S_WH_SUBS] = "SELECT events FROM webhook_endpoints WHERE org_uuid = ?1";
    sq_sql[S_WH_EVENT_INSERT] = "INSERT INTO webhook_events(id, org_uuid, type, conversation_uuid, created_at, data)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    /* one delivery per subscribed endpoint, in the endpoints' order */
    sq_sql[S_WH_FANOUT] = "INSERT INTO webhook_deliveries(event_seq, endpoint_id, org_uuid)"
                          " SELECT ?1, id, org_uuid FROM webhook_endpoints WHERE org_uuid = ?2 AND (events & ?3) <> 0";
    sq_sql[S_WH_RUN] = "INSERT INTO webhook_deliveries(event_seq, endpoint_id, org_uuid)"
                       " SELECT ?1, id, org_uuid FROM webhook_endpoints WHERE org_uuid = ?2 AND id = ?3";
    sq_sql[S_WH_EVENT_DROP] = "DELETE FROM webhook_events WHERE seq = ?1";
    sq_sql[S_WH_ORG_ENDPOINTS] = "SELECT id FROM webhook_endpoints WHERE org_uuid = ?1 ORDER BY created_at, id";
    sq_sql[S_WH_COUNT] = "SELECT count(*) FROM webhook_endpoints WHERE org_uuid = ?1";
    sq_sql[S_WH_INSERT] = "INSERT INTO webhook_endpoints(" SQ_WH_COLS ")"
                          " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM organizations WHERE uuid = ?2)";
    sq_sql[S_WH_LIST] = "SELECT " STORE_WEBHOOK_SELECT " FROM webhook_endpoints WHERE ?1 IS NULL OR org_uuid = ?1"
                        " ORDER BY created_at, id";
    sq_sql[S_WH_GET] = "SELECT " STORE_WEBHOOK_SELECT " FROM webhook_endpoints WHERE id = ?1";
    /* the events that go with an endpoint: those no other endpoint has a delivery of */
    sq_sql[S_WH_DROP_EVENTS] = "DELETE FROM webhook_events WHERE seq IN (SELECT event_seq FROM webhook_deliveries"
                               " WHERE endpoint_id = ?1) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
                               " WHERE d.event_seq = webhook_events.seq AND d.endpoint_id <> ?1)";
    sq_sql[S_WH_DELETE] = "DELETE FROM webhook_endpoints WHERE id = ?1"; /* its deliveries: ON DELETE CASCADE */
    sq_sql[S_WH_DELIVERIES] = "SELECT e.id, e.type, e.conversation_uuid, d.status, d.attempts_json, d.next_attempt_at, e.created_at"
                              " FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq"
                              " WHERE d.endpoint_id = ?1 AND (?2 < 0 OR d.status = ?2) ORDER BY d.event_seq DESC"
                              " LIMIT ?3";
    sq_sql[S_WH_DUE] = "SELECT w.id, (SELECT d.next_attempt_at FROM webhook_deliveries d WHERE d.endpoint_id = w.id"
                       " AND d.status = 0 ORDER BY d.event_seq LIMIT 1) AS due FROM webhook_endpoints w"
                       " WHERE due IS NOT NULL";
    sq_sql[S_WH_WINDOW] = "SELECT d.event_seq, e.id, e.org_uuid, e.conversation_uuid, e.type, e.created_at, d.attempts,"
                          " d.next_attempt_at, e.data, w.url, w.secret, w.payload FROM webhook_deliveries d"
                          " JOIN webhook_events e ON e.seq = d.event_seq JOIN webhook_endpoints w ON w.id = d.endpoint_id"
                          " WHERE d.endpoint_id = ?1 AND d.status = 0 ORDER BY d.event_seq LIMIT ?2";
    /* ?5 (one attempt object) is appended to the JSON array attempts_json */
    sq_sql[S_WH_RECORD] = "UPDATE webhook_deliveries SET status = ?3, attempts = attempts + 1, next_attempt_at = ?4,"
                          " attempts_json = CASE WHEN attempts_json = '[]' THEN '[' || ?5 || ']'"
                          " ELSE substr(attempts_json, 1, length(attempts_json) - 1) || ',' || ?5 || ']' END"
                          " WHERE event_seq = ?1 AND endpoint_id = ?6 AND status = 0"
                          " AND (SELECT id FROM webhook_events WHERE seq = ?1) = ?2";
    /* every organization's; counted on the partial index of pending deliveries */
    sq_sql[S_WH_BACKLOG] = "SELECT count(*) FROM webhook_deliveries WHERE status = 0";
    /* a conversation's mark (012_webhook_lazy_mark.sql): the first seq of its latest change's events */
    sq_sql[S_WH_LAZY_FIND] = "SELECT IFNULL(MAX(webhook_lazy_seq), 0) FROM conversations WHERE uuid = ?1";
    /* the events from a mark on, in order: whether each is the conversation's, and whether it still waits
     * for its data with a delivery pending (an event delivered meanwhile needs nothing) */
    sq_sql[S_WH_LAZY_WALK] = "SELECT e.seq, e.conversation_uuid = ?2, e.data = x'' AND EXISTS (SELECT 1"
                             " FROM webhook_deliveries d WHERE d.event_seq = e.seq AND d.status = 0)"
                             " FROM webhook_events e WHERE e.seq >= ?1 ORDER BY e.seq LIMIT ?3";
    sq_sql[S_WH_LAZY_MARK] = "UPDATE conversations SET webhook_lazy_seq = ?2 WHERE uuid = ?1";
    sq_sql[S_WH_FREEZE] = "UPDATE webhook_events SET data = ?4 WHERE seq >= ?1 AND seq <= ?2"
                          " AND conversation_uuid = ?3 AND data = x''";
    sq_sql[S_WH_LAZY_OWNED] = "SELECT c.uuid FROM conversations c WHERE c.org_uuid = ?1 AND c.user_uuid = ?2"
                              " AND c.webhook_lazy_seq <> 0";
    sq_sql[S_WH_PRUNE] = "DELETE FROM webhook_events WHERE seq IN (SELECT e.seq FROM webhook_events e"
                         " WHERE e.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
                         " WHERE d.event_seq = e.seq AND d.status = 0) ORDER BY e.seq LIMIT ?2)";
}

/* ---- the outbox ------------------------------------------------------------------ */

/* The stored form of an event's data: the JSON as a zstd frame (level 1,
 * which records the length). A 5 KB conversation takes 2 KB: no overflow
 * page per event in the group commits, whose bytes (the WAL's) are what the
 * write path pays for, for a few µs of the writer thread (zlib's fastest
 * level cost ten times that). The contexts live on the connection: made
 * once, reused. */
typedef struct sq_zip {
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
} sq_zip_t;

#define SQ_ZIP_LEVEL 1

/* c's zstd contexts, made on first use (NULL when out of memory). */
static sq_zip_t *sq_zip(sq_conn_t *c)
{
    if (!c->zip)
        c->zip = calloc(1, sizeof *c->zip); /* owner: c, sq_outbox_conn_free */
    return c->zip;
}

void sq_outbox_conn_free(sq_conn_t *c)
{
    if (!c->zip)
        return;
    ZSTD_freeCCtx(c->zip->cctx);
    ZSTD_freeDCtx(c->zip->dctx);
    free(c->zip);
    c->zip = NULL;
}

/* Packs json (n bytes) into out (owned by the caller). 0, or -1 (out of
 * memory, a zstd failure). */
static int sq_outbox_pack(sq_conn_t *c, const char *json, size_t n, buf_t *out)
{
    sq_zip_t *z = sq_zip(c);
    if (!z || (!z->cctx && !(z->cctx = ZSTD_createCCtx())))
        return -1;
    size_t cap = ZSTD_compressBound(n);
    if (buf_reserve(out, cap) != 0)
        return -1;
    size_t got = ZSTD_compressCCtx(z->cctx, out->data, cap, json, n, SQ_ZIP_LEVEL);
    if (ZSTD_isError(got))
        return -1;
    out->len = got;
    return 0;
}

/* The JSON of a stored event's data (blob of n bytes) into out (NUL-terminated;
 * owned by the caller). 0, or -1 when it is damaged or memory ran out. */
static int sq_outbox_unpack(sq_conn_t *c, const void *blob, size_t n, buf_t *out)
{
    sq_zip_t *z = sq_zip(c);
    if (!z || !blob || (!z->dctx && !(z->dctx = ZSTD_createDCtx())))
        return -1;
    unsigned long long len = ZSTD_getFrameContentSize(blob, n);
    if (len == ZSTD_CONTENTSIZE_UNKNOWN || len == ZSTD_CONTENTSIZE_ERROR || len > SIZE_MAX - 1)
        return -1;
    buf_reset(out);
    if (buf_reserve(out, (size_t)len + 1) != 0)
        return -1;
    size_t got = ZSTD_decompressDCtx(z->dctx, out->data, (size_t)len, blob, n);
    if (ZSTD_isError(got) || got != len)
        return -1;
    out->len = got;
    out->data[got] = '\0';
    return 0;
}

/* The events the endpoints of org subscribe to (OR of their masks) into *mask. */
static store_rc_t sq_outbox_subs(sq_conn_t *c, const char *org, int64_t *mask)
{
    *mask = 0;
    sqlite3_stmt *s = sq_stmt2(c, S_WH_SUBS, org, NULL, __func__);
    if (!s)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        *mask |= sqlite3_column_int64(s, 0);
    sq_put(c, S_WH_SUBS, s);
    if (rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* The conversation conv of org as GET renders it now (inside the caller's
 * transaction), into out. */
static store_rc_t sq_outbox_render(sq_conn_t *c, const char *org, const char *conv, buf_t *out)
{
    store_scope_t sc = {org, NULL};
    sq_fetch_t f = {c, &sc, store_outbox_render_cb, out};
    return sq_one_row(c, S_CONV_GET, sq_stmt2(c, S_CONV_GET, conv, org, __func__), sq_row_fetch, &f, __func__);
}

/* How many events one change writes at most: one per type, or one run per
 * endpoint. They are written one after the other on the one writer
 * connection (nothing else writes events in between), so a conversation's
 * mark is followed by its latest change's events and then by another
 * conversation's (or none). */
#define SQ_WH_LAZY_SPAN ((int64_t)WEBHOOK_EV_COUNT + WEBHOOK_PER_ORG_MAX)

/* Writes one event (type bit) and its deliveries: to every endpoint of org
 * subscribed to it, or (endpoint non-NULL) to that one only, whose run is
 * then reported to t. An event no delivery came of is removed again; a kept
 * one's seq goes to *first unless that is set already.
 *
 * The event is written without its data (x''): that is rendered at delivery
 * (sqlite_webhook_window), or stored by the conversation's next change just
 * before it (sq_outbox_freeze), which finds the events by the conversation's
 * mark (the caller sets it to *first: sq_outbox_written, or the archive's
 * own UPDATE of the row). Rendering inside the write cost the single writer
 * thread the conversation's read, its render and its compression: with one
 * endpoint subscribed, archives ran at 0.6x of none (webhooks benchmark). */
static store_rc_t sq_outbox_event(sq_conn_t *c, const char *org, const char *conv, int64_t bit,
                                  const char *endpoint, const conv_trigger_t *t, int64_t *first)
{
    const char *fn = "sq_outbox_event";
    uuid_str_t eid;
    store_rc_t r = STORE_CONFLICT;
    /* a repeated id is possible only with serve --id-seed after a restart: draw again */
    for (int tries = 0; r == STORE_CONFLICT && tries < 8; tries++) {
        uuid_v7(eid);
        const sq_param_t p[] = {SQ_TEXT(eid), SQ_TEXT(org),           SQ_TEXT(webhook_event_name(bit)),
                                SQ_TEXT(conv), SQ_INT(ptime_now_ms()), SQ_BLOB("", 0)};
        r = sq_run(c, S_WH_EVENT_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), fn);
    }
    if (r != STORE_OK)
        return STORE_ERROR;
    int64_t seq = sqlite3_last_insert_rowid(c->db);
    if (endpoint) {
        const sq_param_t p[] = {SQ_INT(seq), SQ_TEXT(org), SQ_TEXT(endpoint)};
        r = sq_run(c, S_WH_RUN, SQ_EXEC, p, SQ_NPARAMS(p), fn);
    } else {
        const sq_param_t p[] = {SQ_INT(seq), SQ_TEXT(org), SQ_INT(bit)};
        r = sq_run(c, S_WH_FANOUT, SQ_EXEC, p, SQ_NPARAMS(p), fn);
    }
    if (r != STORE_OK)
        return r;
    if (sqlite3_changes(c->db) == 0) {
        const sq_param_t p[] = {SQ_INT(seq)};
        return sq_run(c, S_WH_EVENT_DROP, SQ_EXEC, p, SQ_NPARAMS(p), fn);
    }
    if (endpoint && t && t->run)
        t->run(t->ctx, endpoint, eid);
    if (*first == 0)
        *first = seq;
    c->events = true;
    return STORE_OK;
}

/* Marks conversation conv with first, the seq of the first event its change
 * wrote (none when 0), after that change's events were written with r. A
 * mark is never cleared: once its events went out or were frozen it costs
 * the next change's sq_outbox_freeze one probe of the events, which is
 * cheaper than a write of the row to clear it. Only a change that wrote
 * events moves it, so it always names the latest such change. */
static store_rc_t sq_outbox_written(sq_conn_t *c, const char *conv, int64_t first, store_rc_t r)
{
    if (r == STORE_OK && first != 0) {
        const sq_param_t p[] = {SQ_TEXT(conv), SQ_INT(first)};
        r = sq_run(c, S_WH_LAZY_MARK, SQ_EXEC, p, SQ_NPARAMS(p), "sq_outbox_written");
    }
    return r == STORE_OK ? STORE_OK : STORE_ERROR;
}

/* The payload of conversation conv's events, as GET renders it now
 * (sq_outbox_render), packed (sq_outbox_pack) into packed, which the caller
 * owns (buf_free) either way. STORE_ERROR when either fails. */
static store_rc_t sq_outbox_payload(sq_conn_t *c, const char *org, const char *conv, buf_t *packed)
{
    buf_t data;
    buf_init(&data);
    store_rc_t r = sq_outbox_render(c, org, conv, &data);
    if (r == STORE_OK && sq_outbox_pack(c, data.data, data.len, packed) != 0)
        r = STORE_ERROR;
    buf_free(&data);
    return r == STORE_OK ? STORE_OK : STORE_ERROR;
}

/* The events of conversation conv's latest change that wrote any, if one
 * of them still waits for its data: their seqs from *first to *last (0 and
 * 0 when none waits). Walks from the conversation's mark (looked up when
 * SQ_OUTBOX_MARK_UNKNOWN) while the events are conv's; a mark whose events
 * are gone stops at once. */
static store_rc_t sq_outbox_waiting(sq_conn_t *c, const char *conv, int64_t mark, int64_t *first, int64_t *last)
{
    const char *fn = "sq_outbox_waiting";
    *first = *last = 0;
    sqlite3_stmt *s;
    if (mark == SQ_OUTBOX_MARK_UNKNOWN && sq_one_int(c, S_WH_LAZY_FIND, conv, NULL, &mark, fn) != STORE_OK)
        return STORE_ERROR;
    if (mark <= 0)
        return STORE_OK;
    const sq_param_t p[] = {SQ_INT(mark), SQ_TEXT(conv), SQ_INT(SQ_WH_LAZY_SPAN)};
    if (!(s = sq_bind(c, S_WH_LAZY_WALK, p, SQ_NPARAMS(p), fn)))
        return STORE_ERROR;
    bool waiting = false;
    int64_t end = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && sqlite3_column_int(s, 1)) {
        end = sqlite3_column_int64(s, 0);
        waiting = waiting || sqlite3_column_int(s, 2);
    }
    sq_put(c, S_WH_LAZY_WALK, s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sq_log(c->db, fn, rc);
        return STORE_ERROR;
    }
    if (waiting) {
        *first = mark;
        *last = end;
    }
    return STORE_OK;
}

store_rc_t sq_outbox_freeze(sq_conn_t *c, const char *org, const char *conv, int64_t mark)
{
    int64_t first, last;
    store_rc_t r = sq_outbox_waiting(c, conv, mark, &first, &last);
    if (r != STORE_OK || first == 0)
        return r;
    buf_t packed;
    buf_init(&packed);
    r = sq_outbox_payload(c, org, conv, &packed);
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_INT(first), SQ_INT(last), SQ_TEXT(conv), SQ_BLOB(packed.data, (int64_t)packed.len)};
        r = sq_run(c, S_WH_FREEZE, SQ_EXEC, p, SQ_NPARAMS(p), "sq_outbox_freeze");
    }
    buf_free(&packed);
    return r == STORE_OK ? STORE_OK : STORE_ERROR;
}

store_rc_t sq_outbox_freeze_owned(sq_conn_t *c, const char *org, const char *user)
{
    /* the ids first: freezing updates the events the query walks */
    buf_t ids; /* uuid_str_t after uuid_str_t; owner: this function */
    buf_init(&ids);
    sqlite3_stmt *s = sq_stmt2(c, S_WH_LAZY_OWNED, org, user, __func__);
    if (!s)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        uuid_str_t id;
        sq_copy_col(s, 0, id, sizeof id);
        buf_append(&ids, id, sizeof id);
    }
    sq_put(c, S_WH_LAZY_OWNED, s);
    store_rc_t r = rc == SQLITE_DONE && !ids.oom ? STORE_OK : STORE_ERROR;
    if (rc != SQLITE_DONE)
        sq_log(c->db, __func__, rc);
    for (size_t off = 0; r == STORE_OK && off + sizeof(uuid_str_t) <= ids.len; off += sizeof(uuid_str_t))
        r = sq_outbox_freeze(c, org, ids.data + off, SQ_OUTBOX_MARK_UNKNOWN);
    buf_free(&ids);
    return r;
}

store_rc_t sq_outbox_events(sq_conn_t *c, const char *org, const char *conv, int64_t mask, int64_t *first)
{
    *first = 0;
    if (c->bulk)
        return STORE_OK;
    int64_t subs;
    if (sq_outbox_subs(c, org, &subs) != STORE_OK)
        return STORE_ERROR;
    mask &= subs;
    store_rc_t r = STORE_OK;
    for (int i = 0; r == STORE_OK && i < WEBHOOK_EV_COUNT; i++)
        if (mask & ((int64_t)1 << i))
            r = sq_outbox_event(c, org, conv, (int64_t)1 << i, NULL, NULL, first);
    return r == STORE_OK ? STORE_OK : STORE_ERROR;
}

store_rc_t sq_outbox_add(sq_conn_t *c, const char *org, const char *conv, int64_t mask)
{
    int64_t first;
    store_rc_t r = sq_outbox_events(c, org, conv, mask, &first);
    return sq_outbox_written(c, conv, first, r);
}

/* The ids of every endpoint of org, by creation, into ids (at most
 * WEBHOOK_PER_ORG_MAX); their count into *n. */
static store_rc_t sq_outbox_endpoints(sq_conn_t *c, const char *org, uuid_str_t *ids, size_t *n)
{
    *n = 0;
    sqlite3_stmt *s = sq_stmt2(c, S_WH_ORG_ENDPOINTS, org, NULL, __func__);
    if (!s)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (*n < WEBHOOK_PER_ORG_MAX)
            sq_copy_col(s, 0, ids[(*n)++], sizeof(uuid_str_t));
    sq_put(c, S_WH_ORG_ENDPOINTS, s);
    if (rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* The runs of trigger t: one conversation.integration_triggered event per endpoint. */
static store_rc_t sq_outbox_trigger(sq_conn_t *c, const char *org, const char *conv, const conv_trigger_t *t)
{
    uuid_str_t all[WEBHOOK_PER_ORG_MAX];
    const uuid_str_t *ids = t->endpoints;
    size_t n = t->n;
    if (!ids) {
        if (sq_outbox_endpoints(c, org, all, &n) != STORE_OK)
            return STORE_ERROR;
        ids = all;
    }
    store_rc_t r = STORE_OK;
    int64_t first = 0;
    for (size_t i = 0; r == STORE_OK && i < n; i++)
        r = sq_outbox_event(c, org, conv, WEBHOOK_EV_INTEGRATION_TRIGGERED, ids[i], t, &first);
    return sq_outbox_written(c, conv, first, r);
}

store_rc_t sq_outbox_change(sq_conn_t *c, const char *org, const char *conv, const conv_update_t *u,
                            store_outbox_pre_t *pre, store_rc_t r)
{
    int64_t mask = u->trigger ? 0 : store_outbox_mask(u, pre); /* frees pre */
    if (r != STORE_OK || c->bulk)
        return r;
    if (u->trigger)
        return sq_outbox_trigger(c, org, conv, u->trigger);
    return sq_outbox_add(c, org, conv, mask);
}

void sq_outbox_committed(sq_conn_t *c)
{
    if (c->events) {
        c->events = false;
        store_events_committed(c->store);
    }
}

/* ---- endpoints ------------------------------------------------------------------ */

/* The write job of sqlite_webhook_create (arg: the store_webhook_t). */
static store_rc_t sq_wh_create_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    const store_webhook_t *w = arg;
    const char *fn = "sqlite_webhook_create";
    if (sq_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    int64_t n = 0;
    store_rc_t r = sq_one_int(c, S_WH_COUNT, w->org_uuid, NULL, &n, fn);
    if (r == STORE_OK && n >= WEBHOOK_PER_ORG_MAX)
        r = STORE_CONFLICT;
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(w->id),       SQ_TEXT(w->org_uuid), SQ_TEXT(w->url),
                                SQ_INT(w->events),    SQ_TEXT(w->resource ? "resource" : "envelope"),
                                SQ_TEXT(w->secret),   SQ_INT(w->created_at)};
        r = sq_run(c, S_WH_INSERT, SQ_CHANGE, p, SQ_NPARAMS(p), fn); /* NOT_FOUND: no such organization */
    }
    return sq_tx_end(c, r, fn);
}

store_rc_t sqlite_webhook_create(store_t *base, const store_webhook_t *w)
{
    if (!w)
        return STORE_ERROR;
    return sq_write((sq_store_t *)base, sq_wh_create_tx, (void *)w);
}

store_rc_t sqlite_webhook_list(store_t *base, const char *org_uuid, store_webhook_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !cb)
        return STORE_ERROR;
    return sq_list(c, S_WH_LIST, org_uuid, NULL, (store_cbs_t){.webhook = cb}, ctx, __func__);
}

store_rc_t sqlite_webhook_get(store_t *base, const char *id, store_webhook_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !id || !out)
        return STORE_ERROR;
    return sq_get(c, S_WH_GET, id, NULL, &store_shape_webhook, out, __func__);
}

/* The write job of sqlite_webhook_delete (arg: the endpoint id). */
static store_rc_t sq_wh_delete_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    const char *id = arg;
    const char *fn = "sqlite_webhook_delete";
    if (sq_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    const sq_param_t p[] = {SQ_TEXT(id)};
    store_rc_t r = sq_run(c, S_WH_DROP_EVENTS, SQ_EXEC, p, 1, fn);
    if (r == STORE_OK)
        r = sq_run(c, S_WH_DELETE, SQ_CHANGE, p, 1, fn);
    return sq_tx_end(c, r, fn);
}

store_rc_t sqlite_webhook_delete(store_t *base, const char *id)
{
    if (!id)
        return STORE_ERROR;
    return sq_write((sq_store_t *)base, sq_wh_delete_tx, (void *)id);
}

store_rc_t sqlite_webhook_deliveries(store_t *base, const char *id, int status, int64_t limit,
                                     store_wh_delivery_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !id || !cb)
        return STORE_ERROR;
    bool in_tx;
    if (!sq_read_begin(c, &in_tx, __func__))
        return STORE_ERROR;
    store_rc_t r = sq_get(c, S_WH_GET, id, NULL, NULL, NULL, __func__);
    const sq_param_t p[] = {SQ_TEXT(id), SQ_INT(status), SQ_INT(limit)};
    sqlite3_stmt *s = r == STORE_OK ? sq_bind(c, S_WH_DELIVERIES, p, SQ_NPARAMS(p), __func__) : NULL;
    if (r == STORE_OK && !s)
        r = STORE_ERROR;
    int rc = SQLITE_DONE;
    while (r == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_wh_delivery_t d;
        memset(&d, 0, sizeof d);
        sq_copy_col(s, 0, d.event_id, sizeof d.event_id);
        d.type = (const char *)sqlite3_column_text(s, 1);
        sq_copy_col(s, 2, d.conversation_uuid, sizeof d.conversation_uuid);
        d.status = (store_wh_status_t)sqlite3_column_int(s, 3);
        d.attempts_json = (const char *)sqlite3_column_text(s, 4);
        d.next_attempt_at = sqlite3_column_int64(s, 5);
        d.created_at = sqlite3_column_int64(s, 6);
        if (cb(ctx, &d) != 0)
            r = STORE_ERROR;
    }
    if (r == STORE_OK && rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        r = STORE_ERROR;
    }
    sq_put(c, S_WH_DELIVERIES, s);
    sq_read_end(c, in_tx, __func__);
    return r;
}

/* ---- the delivery worker's side ----------------------------------------------------- */

store_rc_t sqlite_webhook_due(store_t *base, store_wh_head_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !cb)
        return STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_WH_DUE, __func__);
    if (!s)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    int rc;
    while (r == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1)) != 0)
            r = STORE_ERROR;
    if (r == STORE_OK && rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        r = STORE_ERROR;
    }
    sq_put(c, S_WH_DUE, s);
    return r;
}

/* One process delivers for a SQLite file: there is nobody to claim from. */
store_rc_t sqlite_webhook_claim(store_t *base, const char *id, bool take)
{
    (void)base;
    (void)id;
    (void)take;
    return STORE_OK;
}

/* ---- payloads rendered by replies (sq_paycache, sq.h) ----------------------------- */

/* Why an entry is the payload the delivery would render. An entry of event
 * E (conversation u) is offered by a read R (sqlite_conv_render) that saw
 * u's mark at E's seq (E's change C is the latest change of u that wrote
 * events) and E still waiting for its data (x''); a window W takes it only
 * for E, only while W sees E still waiting with a delivery pending. Every
 * change of u after C freezes E first when a delivery of E is pending
 * (sq_outbox_freeze; a change of the owner's name too, sq_outbox_freeze_owned),
 * and a pending delivery stays pending until W's lane sends it, after W.
 * So no change of u lies between C and R (it would have frozen E, or moved
 * the mark), nor between C and W (it would have frozen E): R and W see the
 * same u, and the entry is W's own render. The event id, not the seq
 * alone, names the event: a seq can be used again once its event is gone
 * (webhook_events.seq has no AUTOINCREMENT; deleting an endpoint drops its
 * events). Measured (BENCHMARKS.md, session 16): the delivery's render was
 * ~30% of the webhook thread's CPU, mostly pread, because SQLite drops a
 * connection's page cache whenever another connection committed. */

#define SQ_PAYCACHE_SLOTS 4096        /* an entry lives until an event 4096 seqs later takes its slot */
#define SQ_PAYCACHE_BYTES (32u << 20) /* what the entries hold at most */

typedef struct sq_payslot {
    int64_t seq;                      /* 0: empty */
    uuid_str_t event_id;
    char *json;                       /* owned by the cache */
    size_t len;
} sq_payslot_t;

struct sq_paycache {
    pthread_mutex_t mu;               /* guards the fields below */
    size_t bytes;                     /* sum of the slots' len */
    uint64_t reused;
    sq_payslot_t slots[SQ_PAYCACHE_SLOTS];
};

sq_paycache_t *sq_paycache_new(void)
{
    sq_paycache_t *pc = calloc(1, sizeof *pc); /* owner: the caller, sq_paycache_free */
    if (pc)
        pthread_mutex_init(&pc->mu, NULL);
    return pc;
}

void sq_paycache_free(sq_paycache_t *pc)
{
    if (!pc)
        return;
    for (size_t i = 0; i < SQ_PAYCACHE_SLOTS; i++)
        free(pc->slots[i].json);
    pthread_mutex_destroy(&pc->mu);
    free(pc);
}

void sq_paycache_offer(sq_paycache_t *pc, int64_t seq, const char *event_id, const char *json, size_t len)
{
    if (!pc || seq <= 0 || len > SQ_PAYCACHE_BYTES / 64)
        return;
    char *copy = malloc(len); /* owner: the slot, or freed below */
    if (!copy)
        return;
    memcpy(copy, json, len);
    char *old;
    pthread_mutex_lock(&pc->mu);
    sq_payslot_t *sl = &pc->slots[(uint64_t)seq % SQ_PAYCACHE_SLOTS];
    old = sl->json;
    pc->bytes -= sl->len;
    memset(sl, 0, sizeof *sl);
    if (pc->bytes + len <= SQ_PAYCACHE_BYTES) {
        sl->seq = seq;
        snprintf(sl->event_id, sizeof sl->event_id, "%s", event_id);
        sl->json = copy;
        sl->len = len;
        pc->bytes += len;
        copy = NULL;
    }
    pthread_mutex_unlock(&pc->mu);
    free(old);
    free(copy);
}

bool sq_paycache_get(sq_paycache_t *pc, int64_t seq, const char *event_id, buf_t *out)
{
    if (!pc || seq <= 0)
        return false;
    bool hit = false;
    pthread_mutex_lock(&pc->mu);
    const sq_payslot_t *sl = &pc->slots[(uint64_t)seq % SQ_PAYCACHE_SLOTS];
    if (sl->seq == seq && strcmp(sl->event_id, event_id) == 0) {
        buf_reset(out);
        hit = buf_append(out, sl->json, sl->len) == 0;
        pc->reused += hit;
    }
    pthread_mutex_unlock(&pc->mu);
    return hit;
}

uint64_t sq_paycache_reused(sq_paycache_t *pc)
{
    if (!pc)
        return 0;
    pthread_mutex_lock(&pc->mu);
    uint64_t n = pc->reused;
    pthread_mutex_unlock(&pc->mu);
    return n;
}

store_rc_t sqlite_webhook_window(store_t *base, const char *id, int limit, store_wh_item_cb cb, void *ctx)
{
    sq_store_t *st = (sq_store_t *)base;
    sq_conn_t *c = sq_conn(st);
    if (!c || !id || !cb)
        return STORE_ERROR;
    const sq_param_t p[] = {SQ_TEXT(id), SQ_INT(limit)};
    sqlite3_stmt *s = sq_bind(c, S_WH_WINDOW, p, SQ_NPARAMS(p), __func__);
    if (!s)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    buf_t data; /* the current row's JSON, unpacked */
    buf_init(&data);
    int rc = SQLITE_DONE;
    while (r == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_wh_item_t it;
        memset(&it, 0, sizeof it);
        it.seq = sqlite3_column_int64(s, 0);
        sq_copy_col(s, 1, it.event_id, sizeof it.event_id);
        sq_copy_col(s, 2, it.org_uuid, sizeof it.org_uuid);
        sq_copy_col(s, 3, it.conversation_uuid, sizeof it.conversation_uuid);
        it.type = (const char *)sqlite3_column_text(s, 4);
        it.created_at = sqlite3_column_int64(s, 5);
        it.attempts = sqlite3_column_int(s, 6);
        it.next_attempt_at = sqlite3_column_int64(s, 7);
        size_t packed = (size_t)sqlite3_column_bytes(s, 8);
        if (packed == 0) { /* left to the delivery: the conversation has not changed since (sq_outbox_freeze) */
            buf_reset(&data);
            if (sq_paycache_get(st->paycache, it.seq, it.event_id, &data))
                ; /* rendered by a reply since the change (sqlite_conv_render) */
            else if (sq_outbox_render(c, it.org_uuid, it.conversation_uuid, &data) != STORE_OK || data.oom)
                it.data_error = "the conversation could not be read and rendered (a damaged stored document, or "
                                "out of memory; the server's log says which)";
        } else if (sq_outbox_unpack(c, sqlite3_column_blob(s, 8), packed, &data) != 0) {
            it.data_error = "the event's stored payload could not be unpacked (damaged, or out of memory)";
        }
        /* a delivery without its payload is not skipped, nor does it stop the window for good (it would
         * hold its endpoint's queue back at every scan, with nothing recorded): it fails like a receiver
         * would, so it is retried on the backoff schedule and given up after --webhook-max-age */
        if (it.data_error)
            fprintf(stderr, "parley: store %s: event %s (conversation %s): %s\n", __func__, it.event_id,
                    it.conversation_uuid, it.data_error);
        it.data = it.data_error ? NULL : data.data;
        it.url = (const char *)sqlite3_column_text(s, 9);
        it.secret = (const char *)sqlite3_column_text(s, 10);
        const char *payload = (const char *)sqlite3_column_text(s, 11);
        it.resource = payload && strcmp(payload, "resource") == 0;
        if (!it.type || !it.url || !it.secret) {
            r = STORE_ERROR;
            break;
        }
        if (cb(ctx, &it) != 0)
            break; /* the window is full */
    }
    if (r == STORE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        sq_log(c->db, __func__, rc);
        r = STORE_ERROR;
    }
    sq_put(c, S_WH_WINDOW, s);
    buf_free(&data);
    return r;
}

/* What sq_wh_record_tx writes. */
typedef struct sq_wh_record_args {
    const store_wh_result_t *r;
    size_t n;
} sq_wh_record_args_t;

/* The write job of sqlite_webhook_record. */
static store_rc_t sq_wh_record_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    const sq_wh_record_args_t *a = arg;
    const char *fn = "sqlite_webhook_record";
    if (sq_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    for (size_t i = 0; r == STORE_OK && i < a->n; i++) {
        const store_wh_result_t *x = &a->r[i];
        const sq_param_t p[] = {SQ_INT(x->event_seq),       SQ_TEXT(x->event_id),     SQ_INT((int)x->status),
                                SQ_INT(x->next_attempt_at), SQ_TEXT(x->attempt_json), SQ_TEXT(x->endpoint_id)};
        r = sq_run(c, S_WH_RECORD, SQ_EXEC, p, SQ_NPARAMS(p), fn);
    }
    return sq_tx_end(c, r, fn);
}

/* Group-committed with the API's writes (sq_write): one transaction for n. */
store_rc_t sqlite_webhook_record(store_t *base, const store_wh_result_t *r, size_t n)
{
    if (!r || n == 0)
        return STORE_OK;
    sq_wh_record_args_t a = {r, n};
    return sq_write((sq_store_t *)base, sq_wh_record_tx, &a);
}

/* What sq_wh_prune_tx deletes. */
typedef struct sq_wh_prune_args {
    int64_t before;
    int64_t deleted;
} sq_wh_prune_args_t;

static store_rc_t sq_wh_prune_tx(void *conn, void *arg)
{
    sq_conn_t *c = conn;
    sq_wh_prune_args_t *a = arg;
    const char *fn = "sqlite_webhook_prune";
    if (sq_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    const sq_param_t p[] = {SQ_INT(a->before), SQ_INT(SQ_WH_PRUNE_BATCH)};
    store_rc_t r = sq_run(c, S_WH_PRUNE, SQ_EXEC, p, SQ_NPARAMS(p), fn);
    a->deleted = r == STORE_OK ? sqlite3_changes64(c->db) : 0;
    return sq_tx_end(c, r, fn);
}

store_rc_t sqlite_webhook_prune(store_t *base, int64_t before_ms, int64_t *deleted)
{
    sq_wh_prune_args_t a = {before_ms, 0};
    store_rc_t r = sq_write((sq_store_t *)base, sq_wh_prune_tx, &a);
    if (deleted)
        *deleted = r == STORE_OK ? a.deleted : 0;
    return r;
}

/* ---- operations ------------------------------------------------------------------ */

store_rc_t sq_webhook_backlog(sq_conn_t *c, int64_t *n)
{
    sqlite3_stmt *s = sq_bind(c, S_WH_BACKLOG, NULL, 0, __func__);
    store_rc_t r = s && sq_step_int(c, s, n, __func__) ? STORE_OK : STORE_ERROR;
    sq_put(c, S_WH_BACKLOG, s);
    return r;
}
