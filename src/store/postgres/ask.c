/* ask.c - Ask Attention in the PostgreSQL backend: the transcript-segment index written with a conversation (tsvector + GIN, migration 008), and the search over it. */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonw.h"

/* What pg_ask_segment_put collects while ask_segments_each walks a transcript. */
typedef struct pg_ask_put {
    jsonw_t w;                 /* writes into rows */
    buf_t rows;                /* [{q,s,e,t,v}…]; owned by pg_ask_index */
    buf_t terms;               /* scratch: one tsvector literal; owned by pg_ask_index */
    int64_t words;
} pg_ask_put_t;

/* ask_segment_cb: one segment as a member of the statement's JSON array. */
static int pg_ask_segment_put(void *ctx, const ask_segment_t *seg)
{
    pg_ask_put_t *p = ctx;
    buf_reset(&p->terms);
    if (ask_tsvector(seg->text, &p->terms) != 0)
        return -1;
    jsonw_obj_begin(&p->w);
    jsonw_kv_int(&p->w, "q", seg->seq);
    jsonw_kv_number(&p->w, "s", seg->start_sec);
    jsonw_kv_number(&p->w, "e", seg->end_sec);
    jsonw_kv_string(&p->w, "t", seg->text);
    jsonw_key(&p->w, "v");
    jsonw_stringn(&p->w, p->terms.data ? p->terms.data : "", p->terms.len);
    jsonw_obj_end(&p->w);
    p->words += ask_length(seg->text);
    return p->terms.oom || p->rows.oom ? -1 : 0;
}

/* Inside the caller's transaction (the import of conv): indexes the segments
 * of conv's stored transcript - one transcript_index row and a
 * transcript_segments row (with its tsvector) per segment, in one statement,
 * and its conversation_deals row when it has a dealUUID. Nothing more when
 * conv has no transcript. Returns STORE_OK or STORE_ERROR (logged
 * under fn); the caller rolls back then. */
store_rc_t pg_ask_index(pg_conn_t *c, const conv_t *conv, const char *fn)
{
    if (conv->deal_uuid && conv->deal_uuid[0]) { /* Ask by deal_id: only the document holds dealUUID */
        const char *d[] = {conv->uuid, conv->org_uuid, conv->deal_uuid};
        store_rc_t dr = pg_write(c, P_ASK_DEAL_INSERT, 3, d, NULL, NULL, false, fn);
        if (dr != STORE_OK)
            return STORE_ERROR;
    }
    if (!conv->transcript_v1_json || !conv->transcript_v1_json[0])
        return STORE_OK;
    pg_ask_put_t p; /* its buffers are owned here */
    memset(&p, 0, sizeof p);
    buf_init(&p.rows);
    buf_init(&p.terms);
    jsonw_init(&p.w, &p.rows);
    jsonw_arr_begin(&p.w);
    int n = ask_segments_each(conv->transcript_v1_json, pg_ask_segment_put, &p);
    jsonw_arr_end(&p.w);
    store_rc_t r = STORE_ERROR;
    if (n < 0 || p.w.err || p.rows.oom) {
        fprintf(stderr, "parley: store %s: the transcript of %s could not be indexed\n", fn, conv->uuid);
    } else if (n == 0) {
        r = STORE_OK; /* no segments: nothing to find */
    } else {
        char ns[24], ws[24];
        const char *vals[] = {conv->uuid, conv->org_uuid, pg_i64(ns, n), pg_i64(ws, p.words), p.rows.data};
        r = pg_write(c, P_ASK_INDEX, 5, vals, NULL, NULL, false, fn);
        if (r == STORE_CONFLICT)
            r = STORE_ERROR;
    }
    buf_free(&p.rows);
    buf_free(&p.terms);
    return r;
}

/* The arguments of pg_ask_body. */
typedef struct pg_ask_arg {
    const store_scope_t *sc;
    const store_ask_query_t *q;
    store_ask_conv_cb conv;
    store_ask_segment_cb seg;
    void *ctx;
    const char *tsquery;       /* 't1' | 't2' … */
} pg_ask_arg_t;

/* Reads row i of a P_ASK_CONV / P_ASK_DEAL result into *ac (texts point into
 * res); sets ac->found when scope sc sees it. */
static void pg_ask_row(const PGresult *res, int i, const store_scope_t *sc, store_ask_conv_t *ac)
{
    uuid_str_t owner;
    pg_copy(res, i, 0, ac->uuid, sizeof ac->uuid);
    ac->title = PQgetisnull(res, i, 1) ? "" : PQgetvalue(res, i, 1);
    pg_copy(res, i, 2, owner, sizeof owner);
    ac->found = store_scope_sees(sc, owner, pg_bool(res, i, 3));
    ac->segments = pg_int(res, i, 4);
    ac->length = pg_int(res, i, 5);
}

/* Appends uuid to the array literal a ({u1,u2,…}; uuids need no quoting)
 * and idx to map[]. */
static void pg_ask_found(buf_t *a, int *map, size_t *n, const char *uuid, int idx)
{
    buf_putc(a, *n ? ',' : '{');
    buf_puts(a, uuid);
    map[(*n)++] = idx;
}

static store_rc_t pg_ask_body(pg_conn_t *c, void *arg)
{
    const pg_ask_arg_t *a = arg;
    const char *fn = "postgres_ask_search";
    int map[ASK_CONVERSATIONS_MAX];
    size_t nfound = 0;
    buf_t ids; /* owned here: the found conversations with segments, as a text[] literal */
    buf_init(&ids);
    store_rc_t r = STORE_OK;
    if (a->q->deal_id) {
        char lim[24];
        const char *vals[] = {a->sc->org_uuid, a->q->deal_id, a->sc->user_uuid,
                              pg_i64(lim, (int64_t)a->q->max_conversations)};
        PGresult *res = pg_q(c, P_ASK_DEAL, 4, vals, NULL, fn);
        if (!res) {
            buf_free(&ids);
            return STORE_ERROR;
        }
        for (int i = 0; i < PQntuples(res) && r == STORE_OK; i++) {
            store_ask_conv_t ac = {.index = i};
            pg_ask_row(res, i, a->sc, &ac);
            ac.id = ac.uuid;
            c->called_back = true;
            if (a->conv(a->ctx, &ac) != 0)
                r = STORE_ERROR;
            else if (ac.found && ac.segments > 0 && nfound < ASK_CONVERSATIONS_MAX)
                pg_ask_found(&ids, map, &nfound, ac.uuid, i);
        }
        PQclear(res);
    } else {
        for (size_t i = 0; i < a->q->n_ids && r == STORE_OK; i++) {
            store_ask_conv_t ac = {.index = (int)i, .id = a->q->ids[i]};
            uuid_str_t id;
            PGresult *res = NULL;
            if (uuid_parse(a->q->ids[i], id)) {
                const char *vals[] = {id, a->sc->org_uuid};
                if (!(res = pg_q(c, P_ASK_CONV, 2, vals, NULL, fn))) {
                    r = STORE_ERROR;
                    break;
                }
                if (PQntuples(res) > 0)
                    pg_ask_row(res, 0, a->sc, &ac);
            }
            c->called_back = true;
            if (a->conv(a->ctx, &ac) != 0)
                r = STORE_ERROR;
            else if (ac.found && ac.segments > 0 && nfound < ASK_CONVERSATIONS_MAX)
                pg_ask_found(&ids, map, &nfound, ac.uuid, (int)i);
            PQclear(res);
        }
    }
    if (r != STORE_OK || nfound == 0 || ids.oom) {
        buf_free(&ids);
        return ids.oom ? STORE_ERROR : r;
    }
    buf_putc(&ids, '}');
    const char *vals[] = {ids.data, a->tsquery};
    PGresult *res = ids.oom ? NULL : pg_q(c, P_ASK_SEGS, 2, vals, NULL, fn);
    buf_free(&ids);
    if (!res)
        return STORE_ERROR;
    for (int i = 0; i < PQntuples(res) && r == STORE_OK; i++) {
        int64_t k = pg_int(res, i, 0);
        if (k < 1 || k > (int64_t)nfound) {
            r = STORE_ERROR;
            break;
        }
        store_ask_segment_t sg = {map[k - 1], (int)pg_int(res, i, 1), strtod(PQgetvalue(res, i, 2), NULL),
                                  strtod(PQgetvalue(res, i, 3), NULL), PQgetvalue(res, i, 4)};
        c->called_back = true;
        if (a->seg(a->ctx, &sg) != 0)
            r = STORE_ERROR;
    }
    PQclear(res);
    return r;
}

store_rc_t postgres_ask_search(store_t *base, const store_scope_t *sc, const store_ask_query_t *q,
                               store_ask_conv_cb conv, store_ask_segment_cb seg, void *ctx)
{
    if (!sc || !sc->org_uuid || !q || !conv || !seg || q->n_terms == 0 ||
        (q->deal_id ? q->max_conversations : q->n_ids) > ASK_CONVERSATIONS_MAX)
        return STORE_ERROR;
    if (!pg_utf8_ok(sc->org_uuid) || (sc->user_uuid && !pg_utf8_ok(sc->user_uuid)) ||
        (q->deal_id && !pg_utf8_ok(q->deal_id)))
        return STORE_ERROR;
    buf_t tsq; /* owned here: 't1' | 't2' … (words hold no quote or backslash) */
    buf_init(&tsq);
    for (size_t t = 0; t < q->n_terms; t++)
        buf_printf(&tsq, "%s'%s'", t ? " | " : "", q->terms[t]);
    if (tsq.oom) {
        buf_free(&tsq);
        return STORE_ERROR;
    }
    pg_ask_arg_t a = {sc, q, conv, seg, ctx, tsq.data};
    store_rc_t r = pg_run((pg_store_t *)base, pg_ask_body, &a, __func__);
    buf_free(&tsq);
    return r;
}
