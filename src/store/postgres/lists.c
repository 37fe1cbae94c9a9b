/* lists.c - the PostgreSQL backend's list queries: parameters and WHERE built from a filter, count and page in one statement, the conversation list. */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The LIKE pattern %title% (ASCII-lowercased) with \, % and _ escaped by '\'. Owned by q. */
static const char *pg_q_like(store_query_t *q, const char *title)
{
    size_t n = strlen(title);
    char *p = store_q_own(q, malloc(2 * n + 3));
    if (!p)
        return NULL;
    char *o = p;
    *o++ = '%';
    for (const char *t = title; *t; t++) {
        if (*t == '\\' || *t == '%' || *t == '_')
            *o++ = '\\';
        *o++ = (*t >= 'A' && *t <= 'Z') ? (char)(*t - 'A' + 'a') : *t;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

/* Appends " WHERE …" for scope sc and filter f to q (conversations alias c):
 * the SQLite backend's conditions, written for the PostgreSQL indexes. */
static void pg_q_where(store_query_t *q, const store_scope_t *sc, const conv_filter_t *f)
{
    buf_t *b = &q->sql;
    buf_puts(b, " WHERE c.org_uuid = ");
    int org = store_q_param(q, sc->org_uuid);
    buf_printf(b, "$%d", org);
    if (sc->user_uuid) {
        buf_puts(b, " AND (NOT c.is_private OR c.user_uuid = ");
        store_q_text(q, store_q_lower(q, sc->user_uuid));
        buf_putc(b, ')');
    }
    if (f->archived == CONV_ARCHIVED_EXCLUDE)
        buf_puts(b, " AND NOT c.archived");
    else if (f->archived == CONV_ARCHIVED_ONLY)
        buf_puts(b, " AND c.archived");
    store_q_range(q, "c.created_at", f->has_from, f->from, f->has_to, f->to);
    store_q_in(q, " AND c.user_uuid IN ", &f->owner_ids, true);
    if (f->owner_emails.n) {
        buf_printf(b, " AND c.user_uuid IN (SELECT ou.uuid FROM users ou WHERE ou.org_uuid = $%d AND ou.email IN ", org);
        store_q_list(q, &f->owner_emails, true);
        buf_putc(b, ')');
    }
    if (f->title && f->title[0]) {
        if (pg_utf8_ok(f->title)) {
            buf_puts(b, " AND parley_ascii_lower(c.title) LIKE ");
            store_q_text(q, pg_q_like(q, f->title));
        } else {
            buf_puts(b, " AND false");
        }
    }
    if (f->participant_emails.n) {
        buf_printf(b, " AND c.uuid IN (SELECT p.conv_uuid FROM conversation_participants p WHERE p.org_uuid = $%d"
                      " AND p.email IN ", org);
        store_q_list(q, &f->participant_emails, true);
        buf_putc(b, ')');
    }
    store_q_in(q, " AND c.opportunity_uuid IN ", &f->opportunity_ids, false);
    store_q_in(q, " AND c.team_uuid IN ", &f->team_ids, true);
    bool code = f->crm_entity_code && f->crm_entity_code[0];
    if (f->crm_values.n || code) {
        /* Some linked CRM record (an object) whose "code" is the entity code
         * (when given) and whose field crm_field_name (default "id") is a
         * scalar equal, as text, to one of the values. The GIN-indexed
         * crm_terms column narrows the rows first; the EXISTS decides. */
        const char *field = f->crm_field_name && f->crm_field_name[0] ? f->crm_field_name : "id";
        bool ok = (!code || pg_utf8_ok(f->crm_entity_code)) && pg_utf8_ok(field);
        if (!ok) {
            buf_puts(b, " AND false");
        } else {
            int fp = f->crm_values.n ? store_q_param(q, field) : 0, cp = code ? store_q_param(q, f->crm_entity_code) : 0;
            buf_puts(b, " AND c.crm_terms && ARRAY[");
            if (f->crm_values.n) {
                int k = 0;
                for (size_t i = 0; i < f->crm_values.n; i++) {
                    if (!f->crm_values.v[i] || !pg_utf8_ok(f->crm_values.v[i]))
                        continue;
                    buf_printf(b, "%s$%d::text || chr(31) || ", k++ ? ", " : "", fp);
                    store_q_text(q, f->crm_values.v[i]);
                }
                if (!k)
                    buf_puts(b, "NULL");
            } else {
                buf_printf(b, "'code' || chr(31) || $%d::text", cp);
            }
            buf_puts(b, "]::text[] AND EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN"
                        " jsonb_typeof(parley_try_jsonb(c.linked_crm_json)) = 'array' THEN"
                        " parley_try_jsonb(c.linked_crm_json) ELSE '[]'::jsonb END) AS r(rec)"
                        " WHERE jsonb_typeof(r.rec) = 'object'");
            if (code)
                buf_printf(b, " AND jsonb_typeof(r.rec -> 'code') = 'string' AND r.rec ->> 'code' = $%d::text", cp);
            if (f->crm_values.n) {
                buf_printf(b, " AND jsonb_typeof(r.rec -> $%d::text) IN ('string', 'number', 'boolean')"
                              " AND parley_json_atom(r.rec -> $%d::text) IN ", fp, fp);
                store_q_list(q, &f->crm_values, false);
            }
            buf_putc(b, ')');
        }
    }
    if (f->hide_internal)
        buf_puts(b, " AND NOT c.is_internal");
    if (f->hide_non_analyzed)
        buf_puts(b, " AND c.analyzed");
    if (f->hide_pending)
        buf_puts(b, " AND coalesce(c.import_status, '') NOT IN ('PENDING', 'IN_PROGRESS')");
    if (f->hide_failed)
        buf_puts(b, " AND coalesce(c.import_status, '') NOT IN ('FAILED', 'DISCARDED')");
    if (f->hide_empty)
        buf_puts(b, " AND NOT c.is_empty");
}

/* One statement (one snapshot): the count joined with the page. Row 0 always
 * exists and carries the count; page columns (from 1) are NULL when the page
 * is empty. */
store_rc_t pg_list_body(pg_conn_t *c, void *arg)
{
    pg_list_arg_t *a = arg;
    PGresult *res = pg_exec_sql(c, a->sql, (int)a->q->n, a->q->vals, a->fn);
    if (!res)
        return STORE_ERROR;
    if (PQntuples(res) < 1) {
        PQclear(res);
        return STORE_ERROR;
    }
    if (a->total)
        *a->total = pg_int(res, 0, 0);
    return pg_rows(c, res, 1, &a->cb, a->ctx);
}

/* True when where (from pg_q_where) has only the conditions that
 * conversation_counts (migration 002) can answer: the organization, a
 * user-level scope, the archived mode and hide_empty. Any other condition,
 * including one added to pg_q_where later, leaves text behind and makes it false. */
static bool pg_where_is_plain(const char *where)
{
    static const char *const parts[] = {
        " WHERE c.org_uuid = $1", " AND (NOT c.is_private OR c.user_uuid = $2)",
        " AND NOT c.archived", " AND c.archived", " AND NOT c.is_empty",
    };
    return store_where_is_only(where, parts, sizeof(parts) / sizeof(parts[0]));
}

/* What pg_conv_list_body runs: the count's SELECT and the rest of the
 * statement (the page, joined to the count's one row), both over q's values,
 * the first nwhere of them the WHERE's. counts: the store's cache, or NULL
 * when the count is cheap anyway (conversation_counts). */
typedef struct pg_conv_list {
    const char *count_sql, *page_sql;
    const store_query_t *q;
    int nwhere;
    store_count_cache_t *counts;
    int64_t *total;
    store_conv_cb cb;
    void *ctx;
} pg_conv_list_t;

/* The count cache's key: the snapshot's text, the count's SQL, then its first
 * n values ('s' and the text, or 'n' for NULL). Appended to key (check key->oom). */
static void pg_count_key(buf_t *key, const char *snap, const char *sql, const store_query_t *q, int n)
{
    buf_append(key, snap, strlen(snap) + 1);
    buf_append(key, sql, strlen(sql) + 1);
    for (int i = 0; i < n; i++) {
        if (q->vals[i]) {
            buf_putc(key, 's');
            buf_append(key, q->vals[i], strlen(q->vals[i]) + 1);
        } else {
            buf_putc(key, 'n');
        }
    }
}

/* The list in one statement. With a cache and outside any transaction, in a
 * read-only REPEATABLE READ transaction whose snapshot names the count: a
 * count of the same query under the same snapshot (the same data: no write
 * committed anywhere since) is taken from the cache and the statement only
 * pages. The owner + date list's count at 1M reads ~15,000 index entries
 * (3-5 ms); cached, the request costs its page. */
static store_rc_t pg_conv_list_body(pg_conn_t *c, void *arg)
{
    pg_conv_list_t *a = arg;
    buf_t snap, key, sql; /* owned here */
    buf_init(&snap);
    buf_init(&key);
    buf_init(&sql);
    int64_t n = 0;
    bool snapped = false, hit = false;
    store_rc_t r = STORE_ERROR;
    if (a->counts && c->tx == 0) {
        if (pg_read_snapshot(c, &snap, __func__) != STORE_OK)
            goto out;
        snapped = true;
        pg_count_key(&key, snap.data, a->count_sql, a->q, a->nwhere);
        hit = !key.oom && store_count_cache_get(a->counts, key.data, key.len, 0, &n);
    }
    if (hit)
        buf_printf(&sql, "SELECT t.n, x.* FROM (SELECT %lld::bigint AS n) t%s", (long long)n, a->page_sql);
    else
        buf_printf(&sql, "SELECT t.n, x.* FROM (%s) t%s", a->count_sql, a->page_sql);
    if (sql.oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    pg_list_arg_t la = {sql.data, a->q, &n, {.conv = a->cb}, a->ctx, "postgres_conv_list"};
    r = pg_list_body(c, &la);
    if (r == STORE_OK && snapped && !hit && !key.oom)
        store_count_cache_put(a->counts, key.data, key.len, 0, n);
    if (r == STORE_OK && a->total)
        *a->total = n;
out:
    if (snapped)
        pg_tx_rollback(c); /* read only: nothing to commit */
    buf_free(&snap);
    buf_free(&key);
    buf_free(&sql);
    return r;
}

/* The count and the page in one statement (one snapshot) with the same WHERE
 * (every value a parameter): the count is a sum over conversation_counts when
 * the WHERE allows (pg_where_is_plain), else COUNT(*), cached per snapshot
 * (pg_conv_list_body). The page is found by uuid, a key of the list indexes,
 * so finding it reads no table row (an index-only scan: page 26 of the
 * unfiltered list at 1M took 17 ms by id, 1.5 ms by uuid); then its 20 rows
 * are read. page < 1 counts as 1; size 0 only counts. */
store_rc_t postgres_conv_list(store_t *base, const store_scope_t *sc, const conv_filter_t *f, int64_t *total,
                              store_conv_cb cb, void *ctx)
{
    pg_store_t *st = (pg_store_t *)base;
    if (total)
        *total = 0;
    if (!sc || !sc->org_uuid || !f)
        return STORE_ERROR;
    if (!pg_utf8_ok(sc->org_uuid) || (sc->user_uuid && !pg_utf8_ok(sc->user_uuid)))
        return STORE_OK;
    int64_t page = f->page < 1 ? 1 : f->page;
    int64_t size = f->size < 0 ? 0 : f->size;
    int64_t offset = (size > 0 && page - 1 > INT64_MAX / size) ? INT64_MAX : (page - 1) * size;
    if (!cb)
        size = 0;

    /* q owns its SQL buffer (the statement after the count), its parameters and the strings it made */
    store_query_t q;
    store_q_init(&q, STORE_Q_POSTGRES);
    pg_q_where(&q, sc, f);
    int nwhere = (int)q.n;
    char *where = buf_detach(&q.sql, NULL);
    buf_t count_sql;
    buf_init(&count_sql);
    bool plain = false;
    store_rc_t r = STORE_ERROR;
    if (where) {
        plain = pg_where_is_plain(where); /* the same conditions hold on the per-owner counts */
        buf_printf(&count_sql, "SELECT %s AS n FROM %s c%s", plain ? "coalesce(sum(c.n), 0)::bigint" : "count(*)",
                   plain ? "conversation_counts" : "conversations", where);
        buf_printf(&q.sql,
                   " LEFT JOIN LATERAL (SELECT %s FROM (SELECT c.uuid FROM conversations c%s"
                   " ORDER BY c.created_at DESC, c.uuid DESC LIMIT ",
                   pg_conv_select, where);
        store_q_int(&q, size);
        buf_puts(&q.sql, " OFFSET ");
        store_q_int(&q, offset);
        buf_puts(&q.sql, ") pg JOIN conversations c ON c.uuid = pg.uuid LEFT JOIN users u ON u.uuid = c.user_uuid) x"
                         " ON true ORDER BY x.created_at DESC, x.uuid DESC");
    }
    if (!where || store_q_failed(&q) || count_sql.oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
    } else {
        pg_conv_list_t a = {count_sql.data, q.sql.data, &q, nwhere, plain ? NULL : st->counts, total, cb, ctx};
        r = pg_run(st, pg_conv_list_body, &a, __func__);
    }
    free(where);
    buf_free(&count_sql);
    store_q_free(&q);
    return r;
}
