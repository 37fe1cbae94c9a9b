/* ask.c - Ask Attention in the SQLite backend: the transcript-segment index written with a conversation (FTS5, migrations 010, 013 and 017), and the search over it. */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <string.h>

#include "lib/arena.h"

/* What sq_ask_segment_put needs while ask_segments_each walks a transcript. */
typedef struct sq_ask_put {
    sq_conn_t *c;
    int64_t doc;
    int64_t first, last;       /* rowid range written so far */
    const char *fn;
} sq_ask_put_t;

/* Transcripts with at least this many segments have a transcript_segments
 * row each and are in the FTS5 index; the search reads a shorter one from
 * the conversation's stored document (sq_ask_plan). Migrations 013 and 017
 * write the same number into their SQL: keep them in step. */
#define SQ_ASK_INDEX_MIN_SEGMENTS 256

/* ask_segment_cb: inserts one segment (into the FTS5 index: sq_ask_index, after all of them). */
static int sq_ask_segment_put(void *ctx, const ask_segment_t *seg)
{
    sq_ask_put_t *p = ctx;
    sqlite3_stmt *s = sq_stmt(p->c, S_ASK_SEG_INSERT, p->fn);
    if (!s)
        return -1;
    int rc = sqlite3_bind_int64(s, 1, p->doc);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(s, 2, seg->seq);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_double(s, 3, seg->start_sec);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_double(s, 4, seg->end_sec);
    if (rc == SQLITE_OK)
        rc = sq_bind_text(s, 5, seg->text);
    if (rc != SQLITE_OK) {
        sq_log(p->c->db, p->fn, rc);
        sq_put(p->c, S_ASK_SEG_INSERT, s);
        return -1;
    }
    if (sq_done(p->c, S_ASK_SEG_INSERT, s, SQ_EXEC, p->fn) != STORE_OK)
        return -1;
    int64_t id = sqlite3_last_insert_rowid(p->c->db);
    if (p->last < p->first)
        p->first = id;
    p->last = id;
    return 0;
}

/* ask_segment_cb of sq_ask_measure: counts the words (ctx: an int64_t). */
static int sq_ask_count_words(void *ctx, const ask_segment_t *seg)
{
    *(int64_t *)ctx += ask_length(seg->text);
    return 0;
}

void sq_ask_measure(const conv_t *conv, sq_ask_pre_t *pre)
{
    pre->nwords = 0;
    pre->nseg = SQ_ASK_NO_TRANSCRIPT;
    if (conv->transcript_v1_json && conv->transcript_v1_json[0]) {
        int n = ask_segments_each(conv->transcript_v1_json, sq_ask_count_words, &pre->nwords);
        pre->nseg = n < 0 ? SQ_ASK_BAD_TRANSCRIPT : n;
    }
}

/* Inside the caller's write transaction (the import of conv, measured by
 * sq_ask_measure into pre): indexes conv's transcript for Ask Attention -
 * its transcript_index row (segment and word counts), and, for a transcript
 * of SQ_ASK_INDEX_MIN_SEGMENTS or more, a transcript_segments row per
 * segment and their FTS5 entries; its conversation_deals row when it has a
 * dealUUID. A shorter transcript's segments are read from the stored
 * document when searched: a row each cost the one writer thread ~13% of an
 * import of 50 segments. Nothing more when conv has no transcript. Returns
 * STORE_OK or STORE_ERROR (logged under fn); the caller rolls back then. */
store_rc_t sq_ask_index(sq_conn_t *c, const conv_t *conv, const sq_ask_pre_t *pre, const char *fn)
{
    if (conv->deal_uuid && conv->deal_uuid[0]) { /* Ask by deal_id: only the document holds dealUUID */
        const sq_param_t d[] = {SQ_TEXT(conv->uuid), SQ_TEXT(conv->org_uuid), SQ_TEXT(conv->deal_uuid)};
        if (sq_run(c, S_ASK_DEAL_INSERT, SQ_INSERT, d, SQ_NPARAMS(d), fn) != STORE_OK)
            return STORE_ERROR;
    }
    if (pre->nseg == SQ_ASK_NO_TRANSCRIPT)
        return STORE_OK;
    if (pre->nseg == SQ_ASK_BAD_TRANSCRIPT) {
        fprintf(stderr, "parley: store %s: the transcript of %s could not be indexed\n", fn, conv->uuid);
        return STORE_ERROR;
    }
    const sq_param_t p[] = {SQ_TEXT(conv->uuid), SQ_TEXT(conv->org_uuid), SQ_INT(pre->nseg), SQ_INT(pre->nwords)};
    if (sq_run(c, S_ASK_DOC_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), fn) != STORE_OK)
        return STORE_ERROR;
    if (pre->nseg < SQ_ASK_INDEX_MIN_SEGMENTS)
        return STORE_OK;
    sq_ask_put_t put = {c, sqlite3_last_insert_rowid(c->db), 1, 0, fn};
    if (ask_segments_each(conv->transcript_v1_json, sq_ask_segment_put, &put) != pre->nseg) {
        fprintf(stderr, "parley: store %s: the transcript of %s could not be indexed\n", fn, conv->uuid);
        return STORE_ERROR;
    }
    const sq_param_t f[] = {SQ_INT(put.doc), SQ_INT(put.first), SQ_INT(put.last)};
    if (sq_run(c, S_ASK_DOC_FINISH, SQ_CHANGE, f, SQ_NPARAMS(f), fn) != STORE_OK)
        return STORE_ERROR;
    const sq_param_t r[] = {SQ_INT(put.first), SQ_INT(put.last)};
    return sq_run(c, S_ASK_FTS_FILL, SQ_EXEC, r, SQ_NPARAMS(r), fn) == STORE_OK ? STORE_OK : STORE_ERROR;
}

/* The FTS5 query of the terms: "t1" OR "t2" … (words hold no quote). */
static void sq_ask_match(const store_ask_query_t *q, buf_t *b)
{
    for (size_t t = 0; t < q->n_terms; t++)
        buf_printf(b, "%s\"%s\"", t ? " OR " : "", q->terms[t]);
}

/* One conversation found by S_ASK_CONV / S_ASK_DEAL: its row id and its
 * segments' rowid range (empty for a short transcript: sq_ask_index). */
typedef struct sq_ask_found {
    int index;
    int64_t conv_id;
    int64_t first, last;
} sq_ask_found_t;

/* Reads a row of S_ASK_CONV / S_ASK_DEAL into *ac (texts point into the row)
 * and *range; returns whether scope sc sees it. */
static bool sq_ask_row(sqlite3_stmt *s, const store_scope_t *sc, store_ask_conv_t *ac, sq_ask_found_t *range)
{
    const char *owner = (const char *)sqlite3_column_text(s, 2);
    bool visible = store_scope_sees(sc, owner ? owner : "", sqlite3_column_int(s, 3) != 0);
    sq_copy_col(s, 0, ac->uuid, sizeof ac->uuid);
    ac->title = (const char *)sqlite3_column_text(s, 1);
    if (!ac->title)
        ac->title = "";
    ac->segments = sqlite3_column_int64(s, 4);
    ac->length = sqlite3_column_int64(s, 5);
    range->first = sqlite3_column_int64(s, 6);
    range->last = sqlite3_column_int64(s, 7);
    range->conv_id = sqlite3_column_int64(s, 8);
    ac->found = visible;
    return visible;
}

/* The conversations of q, handed to conv; the found ones with segments go
 * to found[] (*nfound; room for q's maximum). */
static store_rc_t sq_ask_convs(sq_conn_t *c, const store_scope_t *sc, const store_ask_query_t *q,
                               store_ask_conv_cb conv, void *ctx, sq_ask_found_t *found, size_t *nfound,
                               const char *fn)
{
    *nfound = 0;
    if (q->deal_id) {
        const sq_param_t p[] = {SQ_TEXT(sc->org_uuid), SQ_TEXT(q->deal_id), SQ_TEXT(sc->user_uuid),
                                SQ_INT((int64_t)q->max_conversations)};
        sqlite3_stmt *s = sq_bind(c, S_ASK_DEAL, p, SQ_NPARAMS(p), fn);
        if (!s)
            return STORE_ERROR;
        int rc, i = 0;
        store_rc_t r = STORE_OK;
        while (r == STORE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            store_ask_conv_t ac = {.index = i};
            sq_ask_found_t range = {i, 0, 1, 0};
            sq_ask_row(s, sc, &ac, &range);
            ac.id = ac.uuid;
            if (conv(ctx, &ac) != 0)
                r = STORE_ERROR;
            else if (ac.segments > 0)
                found[(*nfound)++] = range;
            i++;
        }
        if (r == STORE_OK && rc != SQLITE_DONE) {
            sq_log(c->db, fn, rc);
            r = STORE_ERROR;
        }
        sq_put(c, S_ASK_DEAL, s);
        return r;
    }
    for (size_t i = 0; i < q->n_ids; i++) {
        store_ask_conv_t ac = {.index = (int)i, .id = q->ids[i]};
        sq_ask_found_t range = {(int)i, 0, 1, 0};
        uuid_str_t id;
        sqlite3_stmt *s = NULL;
        if (uuid_parse(q->ids[i], id)) {
            if (!(s = sq_stmt2(c, S_ASK_CONV, id, sc->org_uuid, fn)))
                return STORE_ERROR;
            int rc = sqlite3_step(s);
            if (rc == SQLITE_ROW) {
                sq_ask_row(s, sc, &ac, &range);
            } else if (rc != SQLITE_DONE) {
                sq_log(c->db, fn, rc);
                sq_put(c, S_ASK_CONV, s);
                return STORE_ERROR;
            }
        }
        int stop = conv(ctx, &ac);
        if (s)
            sq_put(c, S_ASK_CONV, s);
        if (stop)
            return STORE_ERROR;
        if (ac.found && ac.segments > 0)
            found[(*nfound)++] = range;
    }
    return STORE_OK;
}

/* Segments per prompt word below which a conversation's own rows are read
 * rather than the FTS5 index (sq_ask_plan). */
#define SQ_ASK_ROWS_PER_TERM 48

/* How to find the segments of one conversation that hold a term: through the
 * FTS5 index (S_ASK_SEGS), or by reading all of them (S_ASK_RANGE, one range
 * of the rowid b-tree; S_ASK_BODY, the stored document, for a transcript
 * short enough to have no rows) and letting the ranking drop those without
 * a term.
 * SQLite's planner cannot weigh a virtual table against a range, so this is
 * that choice, made as PostgreSQL's planner makes it for its GIN index: an
 * index query costs about a seek per word and per FTS5 segment (b-tree) of
 * the index whatever the conversation's size, reading the rows costs one row
 * each; measured on a seeded database, the rows win below ~50 segments a
 * word (100 segments and 5 common words: 0.8 ms against 7-14 ms for 20
 * conversations), the index above it and for rare words in long calls.
 * Only transcripts of SQ_ASK_INDEX_MIN_SEGMENTS or more are in the index
 * (below that, its entries cost each import more than they save a search):
 * a shorter one is read whole, ~0.4 us a row. */
static int sq_ask_plan(const sq_ask_found_t *f, size_t n_terms)
{
    int64_t rows = f->last - f->first + 1;
    if (rows <= 0)
        return S_ASK_BODY;
    bool indexed = rows >= SQ_ASK_INDEX_MIN_SEGMENTS;
    return indexed && rows > SQ_ASK_ROWS_PER_TERM * (int64_t)n_terms ? S_ASK_SEGS : S_ASK_RANGE;
}

/* What sq_ask_body_segment passes each segment on to. */
typedef struct sq_ask_walk {
    store_ask_segment_cb seg;
    void *ctx;
    int index;
    bool stopped;
} sq_ask_walk_t;

/* ask_segment_cb: one segment of a stored document's transcript to the search's callback. */
static int sq_ask_body_segment(void *ctx, const ask_segment_t *s)
{
    sq_ask_walk_t *w = ctx;
    store_ask_segment_t sg = {w->index, s->seq, s->start_sec, s->end_sec, s->text};
    w->stopped = w->seg(w->ctx, &sg) != 0;
    return w->stopped;
}

/* The segments of found conversation f read from its stored document
 * (S_ASK_BODY: a transcript without rows), each handed to seg. */
static store_rc_t sq_ask_body(sq_conn_t *c, const sq_ask_found_t *f, store_ask_segment_cb seg, void *ctx,
                              const char *fn)
{
    const sq_param_t p[] = {SQ_INT(f->conv_id)};
    sqlite3_stmt *s = sq_bind(c, S_ASK_BODY, p, SQ_NPARAMS(p), fn);
    if (!s)
        return STORE_ERROR;
    store_rc_t r = STORE_ERROR;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        arena_t a; /* the transcript's copy */
        arena_init(&a);
        buf_t *unpacked = sq_doc_buf_get(c); /* the document, when it is packed (docs.c); given back below */
        size_t len = 0;
        const char *doc = unpacked ? sq_doc_text(s, 0, unpacked, &len) : NULL;
        const char *v1 = doc ? conv_stored_transcript_v1(&a, doc, len) : NULL;
        sq_ask_walk_t w = {seg, ctx, f->index, false};
        if (v1 && ask_segments_each(v1, sq_ask_body_segment, &w) >= 0)
            r = STORE_OK;
        else if (!w.stopped)
            fprintf(stderr, "parley: store %s: the stored transcript of conversation %lld does not parse\n", fn,
                    (long long)f->conv_id);
        sq_doc_buf_put(c, unpacked);
        arena_free(&a);
    } else
        sq_log(c->db, fn, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc); /* the body goes with its row */
    sq_put(c, S_ASK_BODY, s);
    return r;
}

store_rc_t sqlite_ask_search(store_t *base, const store_scope_t *sc, const store_ask_query_t *q,
                             store_ask_conv_cb conv, store_ask_segment_cb seg, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !sc || !sc->org_uuid || !q || !conv || !seg || q->n_terms == 0)
        return STORE_ERROR;
    size_t max = q->deal_id ? q->max_conversations : q->n_ids;
    sq_ask_found_t found[ASK_CONVERSATIONS_MAX];
    if (max > ASK_CONVERSATIONS_MAX)
        return STORE_ERROR;
    buf_t match; /* owned here */
    buf_init(&match);
    sq_ask_match(q, &match);
    if (match.oom) {
        buf_free(&match);
        return STORE_ERROR;
    }
    bool in_tx = false;
    store_rc_t r = STORE_ERROR;
    size_t nfound = 0;
    if (!sq_read_begin(c, &in_tx, __func__))
        goto out;
    if ((r = sq_ask_convs(c, sc, q, conv, ctx, found, &nfound, __func__)) != STORE_OK)
        goto out;
    for (size_t k = 0; k < nfound && r == STORE_OK; k++) {
        /* the index, or the conversation's own rows when there are few (sq_ask_plan) */
        int id = sq_ask_plan(&found[k], q->n_terms);
        if (id == S_ASK_BODY) {
            r = sq_ask_body(c, &found[k], seg, ctx, __func__);
            continue;
        }
        const sq_param_t pf[] = {SQ_TEXT(match.data), SQ_INT(found[k].first), SQ_INT(found[k].last)};
        const sq_param_t pr[] = {SQ_INT(found[k].first), SQ_INT(found[k].last)};
        sqlite3_stmt *s = id == S_ASK_SEGS ? sq_bind(c, id, pf, SQ_NPARAMS(pf), __func__)
                                           : sq_bind(c, id, pr, SQ_NPARAMS(pr), __func__);
        if (!s) {
            r = STORE_ERROR;
            break;
        }
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *text = (const char *)sqlite3_column_text(s, 3);
            store_ask_segment_t sg = {found[k].index, sqlite3_column_int(s, 0), sqlite3_column_double(s, 1),
                                      sqlite3_column_double(s, 2), text ? text : ""};
            if (seg(ctx, &sg) != 0) {
                r = STORE_ERROR;
                break;
            }
        }
        if (r == STORE_OK && rc != SQLITE_DONE) {
            sq_log(c->db, __func__, rc);
            r = STORE_ERROR;
        }
        sq_put(c, id, s);
    }
out:
    sq_read_end(c, in_tx, __func__);
    buf_free(&match);
    return r;
}
