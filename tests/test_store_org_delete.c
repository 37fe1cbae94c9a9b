/* test_store_org_delete.c - store_org_delete and store_reset leave no row behind, on SQLite and (with PARLEY_TEST_PG) PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include "auth/auth.h"
#include "model/seed.h"
#include "store/store.h"
#include "unit_store_db.h"

/* One database under test, with raw SQL access beside the store. */
typedef struct db {
    unit_db_t db;
    bool pg;                       /* db.pg */
    const char *url;               /* db.url */
    store_t *st;
    uuid_str_t org, admin, team;   /* "Doomed" */
    uuid_str_t org2, admin2, team2; /* "Kept" */
    char key[KEY_STR_LEN + 1], key2[KEY_STR_LEN + 1];
} db_t;

/* Runs sql (one parameter p1, may be NULL) and returns the first column of
 * its first row as an integer (-1 on failure). */
static int64_t db_int(db_t *d, const char *sql, const char *p1)
{
    int64_t v = -1;
    if (d->pg) {
        PGconn *c = PQconnectdb(d->url);
        PGresult *r = PQexecParams(c, sql, p1 ? 1 : 0, NULL, p1 ? &p1 : NULL, NULL, NULL, 0);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
            v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        else
            fprintf(stderr, "db_int %s: %s\n", sql, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        return v;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    if (sqlite3_open_v2(d->url, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (p1)
            sqlite3_bind_text(s, 1, p1, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
    } else {
        fprintf(stderr, "db_int %s: %s\n", sql, sqlite3_errmsg(db));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* The tables of the schema, as a comma-separated list into out; with_org:
 * only those with an org_uuid column. Excludes the migrations' record, the
 * media signing secret (both kept by store_reset), and (SQLite) virtual
 * tables and their shadow tables. */
static void db_tables(db_t *d, bool with_org, char *out, size_t n)
{
    out[0] = '\0';
    if (d->pg) {
        PGconn *c = PQconnectdb(d->url);
        PGresult *r = PQexec(c, with_org ? "SELECT table_name FROM information_schema.columns WHERE column_name ="
                                           " 'org_uuid' AND table_schema = current_schema() ORDER BY 1"
                                         : "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                                           " AND tablename NOT IN ('schema_migrations', 'media_secret') ORDER BY 1");
        for (int i = 0; i < PQntuples(r); i++)
            snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "", PQgetvalue(r, i, 0));
        PQclear(r);
        PQfinish(c);
        return;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open_v2(d->url, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    const char *sql = with_org ? "SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) p WHERE m.type ="
                                 " 'table' AND p.name = 'org_uuid' ORDER BY 1"
                               : "SELECT t.name FROM sqlite_schema t WHERE t.type = 'table' AND t.name NOT LIKE"
                                 " 'sqlite%' AND t.name NOT IN ('schema_migrations', 'media_secret') AND t.sql NOT LIKE"
                                 " 'CREATE VIRTUAL%'"
                                 " AND NOT EXISTS (SELECT 1 FROM sqlite_schema v WHERE v.sql LIKE 'CREATE VIRTUAL%'"
                                 " AND t.name LIKE v.name || '%') ORDER BY 1";
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    for (int i = 0; sqlite3_step(s) == SQLITE_ROW; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "", sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* Counts rows of table (where org_uuid = org when org is given). */
static int64_t db_count(db_t *d, const char *table, const char *org)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s%s", table, org ? (d->pg ? " WHERE org_uuid = $1"
                                                                             : " WHERE org_uuid = ?1") : "");
    return db_int(d, sql, org);
}

/* store_conv_cb: keeps the first conversation's uuid (ctx: a uuid_str_t). */
static int db_first_conv(void *ctx, const conv_t *c)
{
    char *out = ctx;
    if (!out[0])
        memcpy(out, c->uuid, sizeof(uuid_str_t));
    return 0;
}

/* A webhook endpoint of org, and an archive that writes an outbox event
 * and a delivery for it (seeding writes none). */
static void db_webhook(db_t *d, const char *org)
{
    store_webhook_t w;
    memset(&w, 0, sizeof w);
    uuid_v7(w.id);
    memcpy(w.org_uuid, org, sizeof w.org_uuid);
    snprintf(w.url, sizeof w.url, "http://127.0.0.1:9/hook");
    w.events = WEBHOOK_EV_ALL;
    snprintf(w.secret, sizeof w.secret, "s");
    w.created_at = 1750000000000LL;
    assert_int_equal(store_webhook_create(d->st, &w), STORE_OK);
    uuid_str_t conv = "";
    assert_int_equal(store_conv_each(d->st, org, false, db_first_conv, conv), STORE_OK);
    store_scope_t sc = {org, NULL};
    assert_int_equal(store_conv_set_archived(d->st, &sc, conv, true, 1750000000, NULL, NULL), STORE_OK);
    assert_true(db_count(d, "webhook_deliveries", org) == 1);
    assert_true(db_count(d, "webhook_events", org) == 1);
}

/* Fills both organizations: seeded conversations (with participants, logs),
 * a 300-segment transcript (in SQLite's Ask index), an extra user and team, a
 * key each, a conversation's media, a webhook endpoint with a delivery; and
 * the media signing secret. */
static void db_fill(db_t *d)
{
    assert_int_equal(store_org_create(d->st, "Doomed", "admin@doomed.test", d->org, d->admin, d->team), STORE_OK);
    assert_int_equal(store_org_create(d->st, "Kept", "admin@kept.test", d->org2, d->admin2, d->team2), STORE_OK);
    char err[256];
    const char *orgs[] = {d->org, d->org2};
    const char *admins[] = {d->admin, d->admin2};
    char *keys[] = {d->key, d->key2};
    for (int i = 0; i < 2; i++) {
        seed_opts_t so = {.org_uuid = orgs[i], .count = 30, .seed = (uint64_t)i + 1, .now = 1750000000};
        assert_int_equal(seed_run(d->st, &so, err, sizeof err), 0);
        unit_import_long(d->st, orgs[i], NULL, admins[i], 300, "marmalade");
        uuid_str_t team, kid;
        assert_int_equal(store_team_create(d->st, orgs[i], "Extra", NULL, NULL, team), STORE_OK);
        assert_int_equal(auth_key_issue(d->st, orgs[i], NULL, true, "k", keys[i], kid), STORE_OK);
        uuid_str_t conv;
        char media_key[STORE_MEDIA_KEY_MAX];
        uuid_v7(conv);
        snprintf(media_key, sizeof media_key, "uploads/%s/%s", orgs[i], conv);
        assert_int_equal(store_conv_media_set(d->st, orgs[i], conv, media_key), STORE_OK);
        db_webhook(d, orgs[i]);
    }
    char secret[STORE_MEDIA_SECRET_HEX + 1];
    assert_int_equal(store_media_secret(d->st, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                                        secret), STORE_OK);
}

static void db_open(db_t *d)
{
    d->st = unit_db_open(&d->db);
}

/* Runs fn on a fresh SQLite database, then, with PARLEY_TEST_PG, on a fresh PostgreSQL one. */
static void on_both(void (*fn)(db_t *d))
{
    assert_int_equal(sodium_init() >= 0, 1);
    for (int pg = 0; pg < 2; pg++) {
        db_t d;
        memset(&d, 0, sizeof d);
        if (!unit_db_create(&d.db, pg, "parley_orgdel"))
            continue;
        d.pg = d.db.pg;
        d.url = d.db.url;
        db_open(&d);
        fn(&d);
        store_close(d.st);
        unit_db_drop(&d.db);
    }
}

static void check_org_delete(db_t *d)
{
    db_fill(d);
    char tables[2048];
    db_tables(d, true, tables, sizeof tables);
    assert_non_null(strstr(tables, "conversations"));
    /* before: every such table holds rows of both (bar the count table's folding on PostgreSQL) */
    assert_true(db_count(d, "conversations", d->org) == 31);
    if (!d->pg)
        assert_int_equal(db_int(d, "SELECT count(*) FROM transcript_segments_fts WHERE transcript_segments_fts"
                                   " MATCH 'marmalade'", NULL), 600);
    assert_int_equal(store_org_delete(d->st, d->org), STORE_OK);
    for (char *t = strtok(tables, ","); t; t = strtok(NULL, ","))
        if (db_count(d, t, d->org) != 0)
            fail_msg("%s still holds rows of the deleted organization", t);
    assert_int_equal(db_int(d, d->pg ? "SELECT count(*) FROM organizations WHERE uuid = $1"
                                     : "SELECT count(*) FROM organizations WHERE uuid = ?1", d->org), 0);
    assert_int_equal(db_int(d, d->pg ? "SELECT count(*) FROM users WHERE org_uuid = $1"
                                     : "SELECT count(*) FROM users WHERE org_uuid = ?1", d->org), 0);
    assert_int_equal(db_int(d, "SELECT count(*) FROM team_members m WHERE NOT EXISTS (SELECT 1 FROM users u"
                               " WHERE u.uuid = m.user_uuid)", NULL), 0);
    if (!d->pg)
        assert_int_equal(db_int(d, "SELECT (SELECT count(*) FROM conversation_bodies) -"
                                   " (SELECT count(*) FROM conversations)", NULL), 0);
    /* the segments of its transcripts have no org_uuid: they went with their index rows (and, in
     * SQLite, their FTS5 entries: no indexed rowid is left without its segment) */
    assert_int_equal(db_int(d, d->pg ? "SELECT count(*) FROM transcript_segments s WHERE NOT EXISTS"
                                       " (SELECT 1 FROM transcript_index t WHERE t.conv_uuid = s.conv_uuid)"
                                     : "SELECT count(*) FROM transcript_segments s WHERE NOT EXISTS (SELECT 1 FROM"
                                       " transcript_index t WHERE s.id BETWEEN t.first_seg AND t.last_seg)", NULL), 0);
    /* (SQLite keeps rows for the long transcripts only: migration 017) */
    assert_int_equal(db_int(d, d->pg ? "SELECT (SELECT count(*) FROM transcript_segments) -"
                                       " (SELECT sum(nseg) FROM transcript_index)"
                                     : "SELECT (SELECT count(*) FROM transcript_segments) -"
                                       " (SELECT sum(nseg) FROM transcript_index WHERE nseg >= 256)", NULL), 0);
    assert_true(db_int(d, "SELECT count(*) FROM transcript_segments", NULL) > 0); /* the other one's */
    if (!d->pg) { /* the other one's long transcript alone is left in the index */
        assert_int_equal(db_int(d, "SELECT count(*) FROM transcript_segments_fts f WHERE transcript_segments_fts"
                                   " MATCH 'marmalade' AND f.rowid NOT IN (SELECT id FROM transcript_segments)", NULL), 0);
        assert_int_equal(db_int(d, "SELECT count(*) FROM transcript_segments_fts WHERE transcript_segments_fts"
                                   " MATCH 'marmalade'", NULL), 300);
    }
    /* its keys fail at once; the other organization keeps everything */
    key_hash_t h;
    store_key_t k;
    key_hash(d->key, strlen(d->key), h);
    assert_int_equal(store_key_lookup(d->st, h, &k), STORE_NOT_FOUND);
    key_hash(d->key2, strlen(d->key2), h);
    assert_int_equal(store_key_lookup(d->st, h, &k), STORE_OK);
    assert_int_equal(db_count(d, "conversations", d->org2), 31);
    assert_true(db_count(d, "workflow_logs", d->org2) >= 30);
    assert_true(db_count(d, "conversation_participants", d->org2) > 0);
    assert_int_equal(db_count(d, "conversation_media", d->org2), 1);
    assert_int_equal(db_count(d, "webhook_endpoints", d->org2), 1);
    assert_int_equal(db_count(d, "webhook_deliveries", d->org2), 1);
    /* unknown: NOT_FOUND, nothing changed; the name is free again */
    assert_int_equal(store_org_delete(d->st, d->org), STORE_NOT_FOUND);
    assert_int_equal(db_count(d, "conversations", d->org2), 31);
    uuid_str_t o, a, t;
    assert_int_equal(store_org_create(d->st, "Doomed", "admin@doomed.test", o, a, t), STORE_OK);
}

static void check_reset(db_t *d)
{
    db_fill(d);
    assert_int_equal(store_reset(d->st), STORE_OK);
    char tables[2048];
    db_tables(d, false, tables, sizeof tables);
    assert_non_null(strstr(tables, "organizations"));
    for (char *t = strtok(tables, ","); t; t = strtok(NULL, ","))
        if (db_count(d, t, NULL) != 0)
            fail_msg("%s is not empty after store_reset", t);
    assert_true(db_int(d, "SELECT count(*) FROM schema_migrations", NULL) > 0);
    /* the media signing secret is configuration, not data: URLs issued before a reset keep working */
    assert_int_equal(db_int(d, "SELECT count(*) FROM media_secret", NULL), 1);
    char secret[STORE_MEDIA_SECRET_HEX + 1];
    assert_int_equal(store_media_secret(d->st, "ff", secret), STORE_OK);
    assert_string_equal(secret, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    /* the schema works as before */
    uuid_str_t o, a, t;
    assert_int_equal(store_org_create(d->st, "Doomed", "admin@doomed.test", o, a, t), STORE_OK);
    char err[256];
    seed_opts_t so = {.org_uuid = o, .count = 5, .seed = 1, .now = 1750000000};
    assert_int_equal(seed_run(d->st, &so, err, sizeof err), 0);
}

static void test_org_delete(void **state)
{
    (void)state;
    on_both(check_org_delete);
}

static void test_reset(void **state)
{
    (void)state;
    on_both(check_reset);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_org_delete),
        cmocka_unit_test(test_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
