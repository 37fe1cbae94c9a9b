/* check.c - `parley check`: integrity, schema version and row counts of a database, read-only (SQLite part). */
#include <stdio.h>
#include <string.h>

#include "store/migrations.h"
#include "store/ops.h"

#define CHECK_INTEGRITY_LINES 10 /* integrity_check messages kept */
#define CHECK_FK_SHOWN 3         /* foreign-key violations described */

/* PRAGMA integrity_check: sets r->integrity_ok, or records the first messages. */
static void check_integrity(sqlite3 *db, store_check_report_t *r)
{
    sqlite3_stmt *s = NULL;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA integrity_check(%d)", CHECK_INTEGRITY_LINES);
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    int lines = 0;
    bool ok = false;
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *msg = (const char *)sqlite3_column_text(s, 0);
        if (lines++ == 0 && msg && strcmp(msg, "ok") == 0)
            ok = true;
        else
            store_ops_problem(r, "integrity: %s", msg ? msg : "?");
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE)
        store_ops_problem(r, "integrity: the check failed: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    r->integrity_ok = ok && rc == SQLITE_DONE;
}

/* PRAGMA foreign_key_check: sets r->foreign_keys_ok, or records how many rows
 * refer to missing ones and the first few. */
static void check_foreign_keys(sqlite3 *db, store_check_report_t *r)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &s, NULL);
    int64_t n = 0;
    char first[CHECK_FK_SHOWN][160];
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n < CHECK_FK_SHOWN) {
            const char *table = (const char *)sqlite3_column_text(s, 0);
            const char *parent = (const char *)sqlite3_column_text(s, 2);
            snprintf(first[n], sizeof first[n], "%s row %lld refers to a missing %s row", table ? table : "?",
                     (long long)sqlite3_column_int64(s, 1), parent ? parent : "?");
        }
        n++;
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE)
        store_ops_problem(r, "foreign keys: the check failed: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    if (n) {
        store_ops_problem(r, "foreign keys: %lld row%s refer%s to missing rows", (long long)n, n == 1 ? "" : "s",
                          n == 1 ? "s" : "");
        for (int64_t i = 0; i < n && i < CHECK_FK_SHOWN; i++)
            store_ops_problem(r, "foreign keys: %s", first[i]);
    }
    r->foreign_keys_ok = n == 0 && rc == SQLITE_DONE;
}

static store_rc_t check_sqlite(const char *url, store_check_report_t *r, char *err, size_t errlen)
{
    r->known_version = store_migrations_latest(store_sqlite_migrations);
    sqlite3 *db = store_ops_sqlite_snapshot(url, &r->schema_version, err, errlen); /* closed below */
    if (!db)
        return STORE_ERROR;
    store_ops_check_version(r);
    check_integrity(db, r);
    check_foreign_keys(db, r);
    for (int i = 0; i < STORE_COUNT__N; i++) {
        if (store_ops_int(db, store_ops_count_sql[i], &r->counts[i]) != SQLITE_OK) {
            store_ops_problem(r, "cannot count %s: %s", store_count_label((store_count_t)i), sqlite3_errmsg(db));
            r->counts[i] = -1;
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return STORE_OK;
}

store_rc_t store_check(const char *url, store_check_report_t *r, char *err, size_t errlen)
{
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    *r = (store_check_report_t){.ok = true};
    if (!url || !url[0]) {
        snprintf(err, errlen, "no database given");
        return STORE_ERROR;
    }
    if (store_is_postgres_url(url)) {
        r->postgres = true;
        return store_ops_check_postgres(url, r, err, errlen);
    }
    return check_sqlite(url, r, err, errlen);
}
