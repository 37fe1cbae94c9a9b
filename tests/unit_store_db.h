/* unit_store_db.h - a fresh database for a store unit test: SQLite in a temporary directory, or a new PostgreSQL database on PARLEY_TEST_PG (header only). */
#ifndef PARLEY_TESTS_UNIT_STORE_DB_H
#define PARLEY_TESTS_UNIT_STORE_DB_H

#include <jansson.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "model/import.h"
#include "store/store.h"

/* Where a test database lives. */
typedef struct unit_db {
    bool pg;
    char url[512];             /* file path or libpq URL */
    char dbname[64];           /* PostgreSQL: the database made for the test */
    char dir[64];              /* SQLite: its directory */
} unit_db_t;

/* Creates a fresh database (pg: on PARLEY_TEST_PG, named prefix_<pid>_<random>;
 * else prefix's temporary directory) into *d. Returns false, doing nothing, when
 * pg is asked for and PARLEY_TEST_PG is unset. */
static inline bool unit_db_create(unit_db_t *d, bool pg, const char *prefix)
{
    memset(d, 0, sizeof *d);
    d->pg = pg;
    if (!pg) {
        snprintf(d->dir, sizeof d->dir, "/tmp/%s_XXXXXX", prefix);
        assert_non_null(mkdtemp(d->dir));
        snprintf(d->url, sizeof d->url, "%s/t.db", d->dir);
        return true;
    }
    const char *admin = getenv("PARLEY_TEST_PG");
    if (!admin || !*admin)
        return false;
    assert_int_equal(sodium_init() >= 0, 1);
    snprintf(d->dbname, sizeof d->dbname, "%s_%d_%08x", prefix, (int)getpid(), randombytes_random());
    PGconn *c = PQconnectdb(admin);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", d->dbname);
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
    const char *slash = strchr(strstr(admin, "://") + 3, '/');
    size_t host = slash ? (size_t)(slash - admin) : strlen(admin);
    snprintf(d->url, sizeof d->url, "%.*s/%s", (int)host, admin, d->dbname);
    return true;
}

/* Opens the store on d (fails the test when it cannot). */
static inline store_t *unit_db_open(const unit_db_t *d)
{
    store_opts_t o = {.url = d->url, .durability = STORE_DURABILITY_NORMAL, .pool_size = 2};
    char err[512] = "";
    store_t *st = store_open(&o, err, sizeof err);
    if (!st)
        fail_msg("store_open: %s", err);
    return st;
}

/* Removes what unit_db_create made (the store closed first). */
static inline void unit_db_drop(const unit_db_t *d)
{
    if (d->pg) {
        PGconn *c = PQconnectdb(getenv("PARLEY_TEST_PG"));
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE \"%s\"", d->dbname);
        PQclear(PQexec(c, sql));
        PQfinish(c);
        return;
    }
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", d->dir);
    assert_int_equal(system(cmd), 0);
}

/* Imports the POST /v2/conversations/import body `body` into org (team may
 * be NULL), as the endpoint would at created 1750000000 (fails the test when
 * it cannot). */
static inline void unit_import_body(store_t *st, const char *org, const char *team, const char *body)
{
    json_t *root = json_loads(body, 0, NULL);
    assert_non_null(root);
    arena_t a; /* owns what import_build points c at */
    arena_init(&a);
    conv_t c;
    memset(&c, 0, sizeof c);
    char err[256];
    if (import_build(&a, root, 1750000000, &c, err, sizeof err) != 0)
        fail_msg("import_build: %s", err);
    memcpy(c.org_uuid, org, sizeof c.org_uuid);
    if (team)
        memcpy(c.team_uuid, team, sizeof c.team_uuid);
    uuid_str_t existing;
    assert_int_equal(store_conv_insert(st, &c, existing), STORE_OK);
    arena_free(&a);
    json_decref(root);
}

/* Imports for user (of org) a conversation whose transcript has nseg
 * segments, each "segment <n> about <word>": 256 or more puts it in SQLite's
 * Ask index (migration 013). */
static inline void unit_import_long(store_t *st, const char *org, const char *team, const char *user, int nseg,
                                    const char *word)
{
    buf_t b; /* owned here */
    buf_init(&b);
    buf_printf(&b, "{\"mediaURL\":\"https://x.example/long.mp4\",\"userID\":\"%s\",\"transcript\":{\"v1\":{\"final\":[",
               user);
    for (int i = 0; i < nseg; i++)
        buf_printf(&b, "%s{\"speaker\":\"A\",\"sentence\":\"segment %d about %s\",\"startTimestamp\":%d,"
                       "\"endTimestamp\":%d}", i ? "," : "", i, word, i, i + 1);
    buf_puts(&b, "]}}}");
    assert_false(b.oom);
    unit_import_body(st, org, team, b.data);
    buf_free(&b);
}

#endif
