/* unit_store_db.h - a fresh database for a store unit test: SQLite in a temporary directory, or a new PostgreSQL database on PARLEY_TEST_PG (header only). */
#ifndef PARLEY_TESTS_UNIT_STORE_DB_H
#define PARLEY_TESTS_UNIT_STORE_DB_H

#include <libpq-fe.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
