/* lists.c - the SQLite backend's list queries: WHERE built from a filter, generated statements cached per connection, the conversation list with its cached count. */
#include "store/sqlite/sq.h"

#include "lib/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQ_FTS_PAGE_MAX 2000 /* filter[title] pages with at most this many matches are read from the trigram index */
/* Longer filter[title] texts test each title alone: FTS5 makes one phrase term per
 * trigram and grows the phrase 8 terms at a time, so a 15,000-character title
 * spent 20 s reallocating under ASan (0.1 s in a plain build). */
#define SQ_FTS_TITLE_MAX 256


/* ASCII letters to lower case, every other byte as it is (SQLite's LIKE folds no more). */
static unsigned char sq_ascii_lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + ('a' - 'A')) : ch;
}

/* The first i in [from, end) with h[i] == a or h[i] == b, or end: eight bytes
 * a step where words are little-endian (a zero byte of w ^ a·0x0101… marks an
 * a; the lowest marked byte is exact, the carries only mark bytes above it). */
static size_t sq_find2(const unsigned char *h, size_t from, size_t end, unsigned char a, unsigned char b)
{
    size_t i = from;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const uint64_t ma = ones * a, mb = ones * b;
    for (; i + 8 <= end; i += 8) {
        uint64_t w;
        memcpy(&w, h + i, sizeof w);
        uint64_t xa = w ^ ma, xb = w ^ mb;
        uint64_t z = ((xa - ones) & ~xa & highs) | ((xb - ones) & ~xb & highs);
        if (z)
            return i + (size_t)(__builtin_ctzll(z) >> 3);
    }
#endif
    for (; i < end; i++)
        if (h[i] == a || h[i] == b)
            return i;
    return end;
}

/* parley_title_has(title, needle): 1 when needle, ASCII-lowercased by the caller (sq_q_title), occurs in
 * title with ASCII letters compared without case, else 0; NULL for a NULL argument. It decides what
 * `title LIKE '%needle%'` (escaped) decided: LIKE spent 15% of a filter[title] page's CPU in strcspn,
 * set up anew for each title it tested (a page of a term in 0.35% of titles tests ~5,700). Bytes are
 * compared: a match of valid UTF-8 in valid UTF-8 starts and ends on characters, and non-ASCII
 * characters compare exactly, as in LIKE. */
static void sq_fn_title_has(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *h = sqlite3_value_text(argv[0]), *n = sqlite3_value_text(argv[1]);
    if (!h || !n) {
        sqlite3_result_null(ctx);
        return;
    }
    size_t hn = (size_t)sqlite3_value_bytes(argv[0]), nn = (size_t)sqlite3_value_bytes(argv[1]);
    int found = nn == 0;
    if (!found && nn <= hn) {
        size_t end = hn - nn + 1; /* the starts a match can have */
        unsigned char lo = n[0], up = lo >= 'a' && lo <= 'z' ? (unsigned char)(lo - ('a' - 'A')) : lo;
        for (size_t i = sq_find2(h, 0, end, lo, up); !found && i < end; i = sq_find2(h, i + 1, end, lo, up)) {
            size_t k = 1;
            while (k < nn && sq_ascii_lower(h[i + k]) == n[k])
                k++;
            found = k == nn;
        }
    }
    sqlite3_result_int(ctx, found);
}

int sq_lists_functions(sqlite3 *db)
{
    return sqlite3_create_function_v2(db, "parley_title_has", 2,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                      sq_fn_title_has, NULL, NULL, NULL);
}

/* The filter[title] condition: a trigram index lookup (migration 002) when
 * the text has 3 to SQ_FTS_TITLE_MAX characters (shorter ones cannot use it), which
 * yields a superset of the matches (Unicode case folding), then
 * parley_title_has that decides, so the result is exactly the case-insensitive
 * substring match, without testing every row's title for the count. */
static size_t sq_chars(const char *s)
{
    size_t chars = 0;
    for (const unsigned char *t = (const unsigned char *)s; *t; t++)
        chars += (*t & 0xC0) != 0x80;
    return chars;
}

/* Whether filter[title] text title can use the trigram index. */
static bool sq_title_fts(const char *title)
{
    size_t n = sq_chars(title);
    return n >= 3 && n <= SQ_FTS_TITLE_MAX;
}

/* With fts the rows come from the index (a count, or a page of few matches);
 * without, each row's title is tested, and a page read newest first through
 * conversations_list (which holds the titles, migration 014) stops after
 * `size` matches (best when matches are many). One string owned by q holds
 * the text ASCII-lowercased, then the FTS5 string ("title" with " doubled). */
static void sq_q_title(store_query_t *q, bool fts, const char *title)
{
    size_t n = strlen(title);
    if (!str_utf8_valid(title, n)) { /* no title (valid UTF-8) holds it, as on PostgreSQL */
        buf_puts(&q->sql, " AND 0");
        return;
    }
    char *low = store_q_own(q, malloc(3 * n + 4));
    if (!low)
        return;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)sq_ascii_lower((unsigned char)title[i]);
    if (fts && sq_title_fts(title)) {
        char *o = low + n + 1, *match = o;
        *o++ = '"';
        for (const char *t = title; *t; t++) {
            if (*t == '"')
                *o++ = '"';
            *o++ = *t;
        }
        *o++ = '"';
        *o = '\0';
        buf_puts(&q->sql, " AND c.id IN (SELECT rowid FROM conversation_title_fts WHERE conversation_title_fts MATCH ");
        store_q_text(q, match);
        buf_putc(&q->sql, ')');
    }
    buf_puts(&q->sql, " AND parley_title_has(c.title, ");
    store_q_text(q, low);
    buf_putc(&q->sql, ')');
}

/* Appends " WHERE …" for scope sc and filter f to q (column alias c); with
 * fts, filter[title] (3+ characters) is driven by its trigram index
 * (sq_q_title). */
static void sq_q_where(store_query_t *q, bool fts, const store_scope_t *sc, const conv_filter_t *f)
{
    buf_t *b = &q->sql;
    /* "+" keeps the planner off the org indexes when the title's trigram
     * index is to drive the query (it has no statistics to see it is cheaper) */
    bool by_index = fts && f->title && sq_title_fts(f->title);
    buf_puts(b, by_index ? " WHERE +c.org_uuid = " : " WHERE c.org_uuid = ");
    store_q_text(q, sc->org_uuid);
    if (sc->user_uuid) {
        buf_puts(b, " AND (c.is_private = 0 OR c.user_uuid = lower(?))");
        store_q_param(q, sc->user_uuid);
    }
    if (f->archived == CONV_ARCHIVED_EXCLUDE)
        buf_puts(b, " AND c.archived = 0");
    else if (f->archived == CONV_ARCHIVED_ONLY)
        buf_puts(b, " AND c.archived = 1");
    store_q_range(q, "c.created_at", f->has_from, f->from, f->has_to, f->to);
    store_q_in(q, " AND c.user_uuid IN ", &f->owner_ids, true);
    if (f->owner_emails.n) {
        buf_puts(b, " AND c.user_uuid IN (SELECT ou.uuid FROM users ou WHERE ou.org_uuid = ? AND ou.email IN ");
        store_q_param(q, sc->org_uuid);
        store_q_list(q, &f->owner_emails, true);
        buf_putc(b, ')');
    }
    if (f->title && f->title[0])
        sq_q_title(q, fts, f->title);
    if (f->participant_emails.n) {
        buf_puts(b, " AND EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conv_uuid = c.uuid"
                    " AND p.email IN ");
        store_q_list(q, &f->participant_emails, true);
        buf_putc(b, ')');
    }
    if (f->opportunity_ids.n) {
        buf_puts(b, " AND c.id IN (SELECT cb.id FROM conversation_bodies cb WHERE cb.opportunity_uuid IN ");
        store_q_list(q, &f->opportunity_ids, false);
        buf_putc(b, ')');
    }
    store_q_in(q, " AND c.team_uuid IN ", &f->team_ids, true);
    if (f->crm_values.n || (f->crm_entity_code && f->crm_entity_code[0])) {
        /* Some linked CRM record (an object) with code = entity code (when
         * given) and whose field crm_field_name (default "id") equals one of
         * the values (compared as text). json_each(x, fullkey) walks one
         * record without parsing it as a JSON string. */
        buf_puts(b, " AND EXISTS (SELECT 1 FROM conversation_bodies cb, json_each(CASE WHEN"
                    " json_valid(cb.linked_crm_json) THEN cb.linked_crm_json END) r"
                    " WHERE cb.id = c.id AND r.type = 'object'");
        if (f->crm_entity_code && f->crm_entity_code[0]) {
            buf_puts(b, " AND EXISTS (SELECT 1 FROM json_each(cb.linked_crm_json, r.fullkey) k"
                        " WHERE k.key = 'code' AND k.atom = ?)");
            store_q_param(q, f->crm_entity_code);
        }
        if (f->crm_values.n) {
            buf_puts(b, " AND EXISTS (SELECT 1 FROM json_each(cb.linked_crm_json, r.fullkey) v"
                        " WHERE v.key = ? AND v.type NOT IN ('object', 'array') AND CAST(v.atom AS TEXT) IN ");
            store_q_param(q, f->crm_field_name && f->crm_field_name[0] ? f->crm_field_name : "id");
            store_q_list(q, &f->crm_values, false);
            buf_putc(b, ')');
        }
        buf_putc(b, ')');
    }
    if (f->hide_internal)
        buf_puts(b, " AND c.is_internal = 0");
    if (f->hide_non_analyzed)
        buf_puts(b, " AND (SELECT cb.analyzed FROM conversation_bodies cb WHERE cb.id = c.id) = 1");
    if (f->hide_pending)
        buf_puts(b, " AND IFNULL(c.import_status, '') NOT IN ('PENDING', 'IN_PROGRESS')");
    if (f->hide_failed)
        buf_puts(b, " AND IFNULL(c.import_status, '') NOT IN ('FAILED', 'DISCARDED')");
    if (f->hide_empty)
        buf_puts(b, " AND c.is_empty = 0");
}

/* FNV-1a of a string: the slot of a generated statement in c->dyn. */
static size_t sq_dyn_slot(const char *sql)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return (size_t)(h % SQ_DYN_SLOTS);
}

/* Binds the first n parameters of q to s in order: SQLITE_OK or the first error. */
static int sq_q_bind(sqlite3_stmt *s, const store_query_t *q, size_t n)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        const store_qparam_t *b = &q->params[i];
        rc = b->is_int ? sqlite3_bind_int64(s, (int)i + 1, b->i) : sq_bind_text(s, (int)i + 1, b->s);
    }
    return rc;
}

sqlite3_stmt *sq_q_prepare(sq_conn_t *c, const char *sql, const store_query_t *q, size_t n, const char *fn)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sq_q_bind(s, q, n);
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        sqlite3_finalize(s);
        return NULL;
    }
    return s;
}

/* Like sq_q_prepare, but generated statements are kept per connection by
 * their text (c->dyn), so a repeated list query is not parsed and planned
 * again. NULL (logged) on failure; the caller hands the statement back with
 * sq_q_release (never sqlite3_finalize). */
static sqlite3_stmt *sq_q_prepare_cached(sq_conn_t *c, const char *sql, const store_query_t *q, size_t n,
                                         const char *fn)
{
    size_t slot = sq_dyn_slot(sql);
    sqlite3_stmt *s = c->dyn[slot];
    int rc = SQLITE_OK;
    if (s && !sqlite3_stmt_busy(s) && strcmp(sqlite3_sql(s), sql) == 0) {
        sqlite3_clear_bindings(s);
    } else {
        s = NULL;
        rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
        if (rc == SQLITE_OK && (!c->dyn[slot] || !sqlite3_stmt_busy(c->dyn[slot]))) {
            sqlite3_finalize(c->dyn[slot]);
            c->dyn[slot] = s;
        }
    }
    if (rc == SQLITE_OK)
        rc = sq_q_bind(s, q, n);
    if (rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        if (s && s != c->dyn[slot])
            sqlite3_finalize(s);
        else if (s)
            sqlite3_reset(s);
        return NULL;
    }
    return s;
}

/* Hands back a statement of sq_q_prepare: reset when cached (its bindings
 * cleared: they point into the caller's query), finalized otherwise. NULL is fine. */
static void sq_q_release(sq_conn_t *c, sqlite3_stmt *s)
{
    if (!s)
        return;
    for (int i = 0; i < SQ_DYN_SLOTS; i++) {
        if (c->dyn[i] == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return;
        }
    }
    sqlite3_finalize(s);
}

/* Inside an open read transaction: the snapshot's list_version (migration
 * 015), which every change to the rows a list's count reads moves, in the
 * changing transaction, whichever process makes it. False (logged) on error. */
static bool sq_list_version(sq_conn_t *c, int64_t *v)
{
    sqlite3_stmt *s = sq_stmt(c, S_LIST_VERSION, __func__);
    bool ok = s && sq_step_int(c, s, v, __func__);
    sq_put(c, S_LIST_VERSION, s);
    return ok;
}

/* True when where (from sq_q_where) has only the conditions that
 * conversation_counts (migration 004) can answer: the organization, a
 * user-level scope, the archived mode and hide_empty. Any other condition,
 * including one added to sq_q_where later, leaves text behind and makes it false. */
static bool sq_where_is_plain(const char *where)
{
    static const char *const parts[] = {
        " WHERE c.org_uuid = ?", " AND (c.is_private = 0 OR c.user_uuid = lower(?))",
        " AND c.archived = 0", " AND c.archived = 1", " AND c.is_empty = 0",
    };
    return store_where_is_only(where, parts, sizeof(parts) / sizeof(parts[0]));
}

/* The count cache's key for a count query: its SQL, then each of its first n
 * parameters (type, value). Appended to key (check key->oom). */
static void sq_count_key(buf_t *key, const char *sql, const store_query_t *q, size_t n)
{
    buf_append(key, sql, strlen(sql) + 1);
    for (size_t i = 0; i < n; i++) {
        const store_qparam_t *b = &q->params[i];
        if (b->is_int) {
            buf_putc(key, 'i');
            buf_append(key, &b->i, sizeof b->i);
        } else if (b->s) {
            buf_putc(key, 's');
            buf_append(key, b->s, strlen(b->s) + 1);
        } else {
            buf_putc(key, 'n');
        }
    }
}

/* COUNT(*) and the page run in one read transaction with the same WHERE
 * (every value bound). page < 1 counts as 1; size 0 only counts. Callbacks
 * must not write through the store on this thread (the read transaction is
 * open while they run). */
store_rc_t sqlite_conv_list(store_t *base, const store_scope_t *sc, const conv_filter_t *f, int64_t *total,
                            store_conv_cb cb, void *ctx)
{
    sq_store_t *st = (sq_store_t *)base;
    sq_conn_t *c = sq_conn(st);
    if (total)
        *total = 0;
    if (!c || !sc || !sc->org_uuid || !f)
        return STORE_ERROR;

    int64_t page = f->page < 1 ? 1 : f->page;
    int64_t size = f->size < 0 ? 0 : f->size;
    int64_t offset = (size > 0 && page - 1 > INT64_MAX / size) ? INT64_MAX : (page - 1) * size;

    /* Two forms of the WHERE (they differ only for filter[title]): qc, driven
     * by the title's trigram index, counts, and serves the page when the
     * matches are few; q, without it, serves the page otherwise (newest
     * first through conversations_list, stopping after one page). Each owns
     * its SQL buffer, its parameters and its filter[title] texts. */
    store_query_t q, qc;
    store_q_init(&q, STORE_Q_SQLITE);
    store_q_init(&qc, STORE_Q_SQLITE);
    sq_q_where(&q, false, sc, f);
    sq_q_where(&qc, true, sc, f);
    size_t nwhere = qc.n;
    /* the WHEREs move out of q and qc, whose SQL buffers then hold the page query */
    char *where = buf_detach(&q.sql, NULL), *wherec = buf_detach(&qc.sql, NULL);
    buf_t count_sql, key;
    buf_init(&count_sql);
    buf_init(&key);
    if (wherec && sq_where_is_plain(wherec)) /* the same conditions hold on the per-owner counts */
        buf_printf(&count_sql, "SELECT IFNULL(SUM(c.n), 0) FROM conversation_counts c%s", wherec);
    else if (wherec)
        buf_printf(&count_sql, "SELECT count(*) FROM conversations c%s", wherec);
    store_query_t *pq = &q; /* the form of the page query, chosen once the count is known */

    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = NULL;
    int64_t *ids = NULL;
    bool in_tx = false;
    if (!where || !wherec || q.oom || qc.oom || count_sql.oom) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    /* Both statements read one snapshot (a read transaction unless a batch is open). */
    if (!sq_read_begin(c, &in_tx, __func__))
        goto out;
    /* Inside a batch, the title index gets the titles its imports deferred
     * (conversations.c), so that the batch's reads see its own rows. */
    if (!in_tx && f->title && sq_titles_flush(c, __func__) != STORE_OK)
        goto out;
    /* A count is cached under the snapshot's list_version and the store's
     * generation (the key's first bytes): the same pair means the same rows.
     * Writes that a count does not read (an API key's lastSeenAt, webhook
     * deliveries, logs) leave the cache alone. Inside a batch (the writer's
     * own uncommitted changes) nothing is cached. */
    int64_t version = 0;
    bool cacheable = in_tx && st->counts && sq_list_version(c, &version);
    if (cacheable) {
        uint64_t gen = atomic_load(&st->generation);
        buf_append(&key, &gen, sizeof gen);
        sq_count_key(&key, count_sql.data, &qc, nwhere);
        cacheable = !key.oom;
    }
    uint64_t epoch = (uint64_t)version;
    int64_t n = 0;
    int rc;
    if (!cacheable || !store_count_cache_get(st->counts, key.data, key.len, epoch, &n)) {
        if (!(s = sq_q_prepare_cached(c, count_sql.data, &qc, nwhere, __func__)))
            goto out;
        if (!sq_step_int(c, s, &n, __func__))
            goto out;
        sq_q_release(c, s);
        s = NULL;
        if (cacheable)
            store_count_cache_put(st->counts, key.data, key.len, epoch, n);
    }
    if (total)
        *total = n;

    r = STORE_OK;
    if (size == 0 || offset >= n || !cb)
        goto out;
    r = STORE_ERROR;
    if (n <= SQ_FTS_PAGE_MAX && strcmp(where, wherec) != 0)
        pq = &qc; /* few matches: sort them rather than walk the whole list looking for them */
    /* The page's row ids first (index order, no row read), then each row by
     * its id, in that order: ordering the joined rows instead made SQLite
     * sort ~85 KB of columns per page. Both statements read the snapshot. */
    buf_printf(&pq->sql, "SELECT c.id FROM conversations c%s ORDER BY c.created_at DESC, c.uuid DESC LIMIT ",
               pq == &qc ? wherec : where);
    store_q_int(pq, size);
    buf_puts(&pq->sql, " OFFSET ");
    store_q_int(pq, offset);
    if (store_q_failed(pq)) {
        fprintf(stderr, "parley: store %s: out of memory\n", __func__);
        goto out;
    }
    if (!(s = sq_q_prepare_cached(c, pq->sql.data, pq, pq->n, __func__)))
        goto out;
    size_t nids = 0, cap = (size_t)(size < n - offset ? size : n - offset);
    ids = malloc((cap ? cap : 1) * sizeof(*ids)); /* owner: this function (freed at out) */
    if (!ids)
        goto out;
    while (nids < cap && (rc = sqlite3_step(s)) == SQLITE_ROW)
        ids[nids++] = sqlite3_column_int64(s, 0);
    if (nids < cap && rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        goto out;
    }
    sq_q_release(c, s);
    s = NULL;
    sq_fetch_t fetch = {c, NULL, cb, ctx}; /* the WHERE has checked the scope */
    for (size_t i = 0; i < nids; i++) {
        const sq_param_t p[] = {SQ_INT(ids[i])};
        sqlite3_stmt *g = sq_bind(c, S_CONV_GET_ROW, p, SQ_NPARAMS(p), __func__);
        /* NOT_FOUND cannot happen inside the snapshot; skip the row if it does */
        if (sq_one_row(c, S_CONV_GET_ROW, g, sq_row_fetch, &fetch, __func__) == STORE_ERROR)
            goto out;
    }
    r = STORE_OK;
out:
    sq_q_release(c, s);
    free(ids);
    sq_read_end(c, in_tx, __func__);
    free(where);
    free(wherec);
    buf_free(&count_sql);
    buf_free(&key);
    store_q_free(&q);
    store_q_free(&qc);
    return r;
}

