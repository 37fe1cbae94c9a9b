/* test_store_ask_backfill.c - migration 010 (SQLite) / 008 (PostgreSQL) indexes the transcripts and deals of the stored documents before it exactly as an import indexes them, on both backends (PostgreSQL with PARLEY_TEST_PG). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>
#include <lz4.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "model/import.h"
#include "model/seed.h"
#include "store/store.h"
#include "unit_store_db.h"

/* One database under test, with raw SQL access beside the store. */
typedef struct db {
    unit_db_t db;
    bool pg;                       /* db.pg */
    const char *url;               /* db.url */
    store_t *st;
    uuid_str_t org, admin, team;
} db_t;

/* Runs sql (no parameters) and appends every row, its columns joined by '|', one per line, to out (when set). */
static void db_exec(db_t *d, const char *sql, buf_t *out)
{
    if (d->pg) {
        PGconn *c = PQconnectdb(d->url);
        PGresult *r = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        for (int i = 0; out && i < PQntuples(r); i++) {
            for (int k = 0; k < PQnfields(r); k++)
                buf_printf(out, "%s%s", k ? "|" : "", PQgetvalue(r, i, k));
            buf_putc(out, '\n');
        }
        PQclear(r);
        PQfinish(c);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(d->url, &db), SQLITE_OK);
    const char *tail = sql;
    while (tail && *tail) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, tail, -1, &s, &tail) != SQLITE_OK)
            fail_msg("%s: %s", sql, sqlite3_errmsg(db));
        if (!s)
            break;
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            for (int k = 0; out && k < sqlite3_column_count(s); k++)
                buf_printf(out, "%s%s", k ? "|" : "", (const char *)sqlite3_column_text(s, k));
            if (out)
                buf_putc(out, '\n');
        }
        if (rc != SQLITE_DONE)
            fail_msg("%s: %s", sql, sqlite3_errmsg(db));
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
}

static void db_open(db_t *d)
{
    d->st = unit_db_open(&d->db);
}

/* Imports one conversation whose transcript has the words the tokenizer must cut alike on both sides,
 * then 260 filler segments: long enough for SQLite's FTS5 index (migration 013 keeps short ones out). */
static void db_import_tricky(db_t *d)
{
    char longw[400];
    memset(longw, 'x', 300);
    longw[300] = '\0';
    buf_t body; /* owned here */
    buf_init(&body);
    buf_printf(&body,
               "{\"mediaURL\":\"https://x.example/a.mp4\",\"userID\":\"%s\",\"transcript\":{\"v1\":{\"final\":["
               "{\"speaker\":\"A\",\"sentence\":\"Z\\u00fcrich caf\\u00e9 it\\u2019s e-mail don't \\u00d7\\u00f7 3.5\","
               "\"startTimestamp\":0,\"endTimestamp\":1.25},"
               "{\"speaker\":\"B\",\"sentence\":\"\\u00dcBER \\u00abquoted\\u00bb x\\u2014y na\\u00efve "
               "\\u00e9moji\\ud83c\\udf89yes %s tail\",\"startTimestamp\":1.25,\"endTimestamp\":3},"
               "{\"speaker\":\"A\",\"sentence\":\"\",\"startTimestamp\":3,\"endTimestamp\":3}",
               d->admin, longw);
    for (int i = 0; i < 260; i++)
        buf_printf(&body, ",{\"speaker\":\"B\",\"sentence\":\"filler %d\",\"startTimestamp\":%d,\"endTimestamp\":%d}",
                   i, 3 + i, 4 + i);
    buf_puts(&body, "]}}}");
    assert_false(body.oom);
    unit_import_body(d->st, d->org, d->team, body.data);
    buf_free(&body);
}

/* What the index holds, in an order that does not depend on row ids. */
static void db_index(db_t *d, buf_t *out)
{
    buf_reset(out);
    db_exec(d, "SELECT conv_uuid, org_uuid, nseg, nwords FROM transcript_index ORDER BY conv_uuid", out);
    db_exec(d, "SELECT conv_uuid, org_uuid, deal_uuid FROM conversation_deals ORDER BY conv_uuid", out);
    if (d->pg) {
        db_exec(d, "SELECT conv_uuid, seq, start_sec, end_sec, text, terms::text FROM transcript_segments"
                   " ORDER BY conv_uuid, seq", out);
        return;
    }
    db_exec(d, "SELECT t.conv_uuid, s.seq, s.start_sec, s.end_sec, s.text, s.id - t.first_seg = s.seq,"
               " t.last_seg - t.first_seg + 1 = t.nseg FROM transcript_segments s JOIN transcript_index t"
               " ON s.doc = t.id ORDER BY t.conv_uuid, s.seq", out);
    /* the FTS5 index finds what it found before, for words common and rare */
    static const char *const words[] = {"the", "pricing", "zurich", "café", "s", "tail", "quoted", "filler"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT '%s', count(*) FROM transcript_segments_fts WHERE transcript_segments_fts MATCH '\"%s\"'",
                 words[i], words[i]);
        db_exec(d, sql, out);
    }
}

/* SQLite: rewrites every document stored packed (migration 018: its length in 4 bytes, little-endian,
 * then one LZ4 block) as its text, the form every document had before 010, which 010's backfill reads. */
static void db_unpack_documents(db_t *d)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(d->url, &db), SQLITE_OK);
    sqlite3_stmt *rd = NULL, *wr = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, doc FROM conversation_bodies WHERE typeof(doc) = 'blob'", -1,
                                        &rd, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE conversation_bodies SET doc = ?2 WHERE id = ?1", -1, &wr, NULL),
                     SQLITE_OK);
    int n = 0;
    while (sqlite3_step(rd) == SQLITE_ROW) {
        const unsigned char *blob = sqlite3_column_blob(rd, 1);
        int len = sqlite3_column_bytes(rd, 1);
        assert_true(len > 4);
        int size = (int)(blob[0] | blob[1] << 8 | blob[2] << 16 | (unsigned)blob[3] << 24);
        char *text = malloc((size_t)size); /* owned here */
        assert_non_null(text);
        assert_int_equal(LZ4_decompress_safe((const char *)blob + 4, text, len - 4, size), size);
        sqlite3_bind_int64(wr, 1, sqlite3_column_int64(rd, 0));
        sqlite3_bind_text(wr, 2, text, size, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(wr), SQLITE_DONE);
        sqlite3_reset(wr);
        free(text);
        n++;
    }
    assert_true(n > 0); /* the long transcript's document is one */
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    sqlite3_close(db);
}

/* Undoes migration 010 / 008 (its tables and indexes), so that the next open applies it again. The
 * store applies what is above the highest version recorded: the later migrations are forgotten too,
 * and run again (SQLite's 011, 014 and 015 and PostgreSQL's 009 can; the column SQLite's 012 adds is
 * dropped here first). */
static void db_unmigrate(db_t *d)
{
    if (d->pg) {
        db_exec(d, "DROP TABLE transcript_segments, transcript_index, scorecard_daily, scorecard_result_items,"
                   " scorecard_results, scorecard_items, scorecards, gi_history, conversation_deals;"
                   " DELETE FROM schema_migrations WHERE version >= 8", NULL);
        return;
    }
    db_unpack_documents(d);
    db_exec(d, "DROP TABLE transcript_segments_fts; DROP TABLE transcript_segments; DROP TABLE transcript_index;"
               " DROP TABLE scorecard_daily; DROP TABLE scorecard_result_items; DROP TABLE scorecard_results;"
               " DROP TABLE scorecard_items; DROP TABLE scorecards; DROP TABLE gi_history;"
               " DROP TABLE conversation_deals; ALTER TABLE conversations DROP COLUMN webhook_lazy_seq;"
               " DELETE FROM schema_migrations WHERE version >= 10", NULL);
}

static void check_backfill(db_t *d)
{
    assert_int_equal(store_org_create(d->st, "Backfill", "admin@bf.test", d->org, d->admin, d->team), STORE_OK);
    char err[256];
    seed_opts_t so = {.org_uuid = d->org, .count = 40, .seed = 3, .now = 1750000000};
    assert_int_equal(seed_run(d->st, &so, err, sizeof err), 0);
    db_import_tricky(d);
    buf_t before, after;
    buf_init(&before);
    buf_init(&after);
    db_index(d, &before);
    assert_non_null(strstr(before.data, "Zürich café"));
    if (!d->pg) /* the long transcript is in the FTS5 index: its words are found */
        assert_true(strstr(before.data, "zurich|1\n") && strstr(before.data, "filler|260\n"));
    if (d->pg) /* the words as src/model/ask.c cuts them (the long one left out) */
        assert_non_null(strstr(before.data, "'3' '5' 'café' 'don' 'e' 'it' 'mail' 's' 't' 'zürich'"));
    store_close(d->st);
    db_unmigrate(d);
    db_open(d); /* the migration again: this time its backfill indexes every transcript */
    db_index(d, &after);
    assert_string_equal(after.data, before.data);
    buf_free(&before);
    buf_free(&after);
}

/* Runs fn on a fresh SQLite database, then, with PARLEY_TEST_PG, on a fresh PostgreSQL one. */
static void on_both(void (*fn)(db_t *d))
{
    assert_int_equal(sodium_init() >= 0, 1);
    for (int pg = 0; pg < 2; pg++) {
        db_t d;
        memset(&d, 0, sizeof d);
        if (!unit_db_create(&d.db, pg, "parley_backfill"))
            continue;
        d.pg = d.db.pg;
        d.url = d.db.url;
        db_open(&d);
        fn(&d);
        store_close(d.st);
        unit_db_drop(&d.db);
    }
}

static void test_backfill(void **state)
{
    (void)state;
    on_both(check_backfill);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backfill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
