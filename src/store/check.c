/* check.c - `parley check`: integrity, schema version and row counts of a database, read-only (SQLite part). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/migrations.h"
#include "store/ops.h"

#define CHECK_INTEGRITY_LINES 10 /* integrity_check messages kept */
#define CHECK_FK_SHOWN 3         /* foreign-key violations described */

const char *const store_ops_count_sql[STORE_COUNT__N] = {
    [STORE_COUNT_ORGANIZATIONS] = "SELECT count(*) FROM organizations",
    [STORE_COUNT_USERS] = "SELECT count(*) FROM users",
    [STORE_COUNT_TEAMS] = "SELECT count(*) FROM teams",
    [STORE_COUNT_API_KEYS] = "SELECT count(*) FROM api_keys",
    [STORE_COUNT_API_KEYS_REVOKED] = "SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL",
    [STORE_COUNT_CONVERSATIONS] = "SELECT count(*) FROM conversations",
    [STORE_COUNT_CONVERSATIONS_ARCHIVED] = "SELECT count(*) FROM conversations WHERE archived",
    [STORE_COUNT_WORKFLOW_LOGS] = "SELECT count(*) FROM workflow_logs",
};

static const char *const check_labels[STORE_COUNT__N] = {
    [STORE_COUNT_ORGANIZATIONS] = "organizations",
    [STORE_COUNT_USERS] = "users",
    [STORE_COUNT_TEAMS] = "teams",
    [STORE_COUNT_API_KEYS] = "api keys",
    [STORE_COUNT_API_KEYS_REVOKED] = "revoked api keys",
    [STORE_COUNT_CONVERSATIONS] = "conversations",
    [STORE_COUNT_CONVERSATIONS_ARCHIVED] = "archived conversations",
    [STORE_COUNT_WORKFLOW_LOGS] = "workflow logs",
};

const char *store_count_label(store_count_t c)
{
    return (unsigned)c < STORE_COUNT__N ? check_labels[c] : "?";
}

void store_ops_problem(store_check_report_t *r, const char *fmt, ...)
{
    r->ok = false;
    size_t have = strlen(r->problems);
    if (have + 1 >= sizeof r->problems)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->problems + have, sizeof r->problems - have, fmt, ap);
    va_end(ap);
    have = strlen(r->problems);
    if (have + 1 < sizeof r->problems) {
        r->problems[have] = '\n';
        r->problems[have + 1] = '\0';
    }
}

const char *store_ops_sqlite_path(const char *url)
{
    return strncmp(url, "sqlite://", 9) == 0 ? url + 9 : url;
}

/* One integer from the first row of sql on db into *out. Returns an SQLite code. */
static int check_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(s, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_EMPTY;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

sqlite3 *store_ops_sqlite_snapshot(const char *url, int *version, char *err, size_t errlen)
{
    const char *path = store_ops_sqlite_path(url);
    struct stat sb;
    if (!path[0] || strcmp(path, ":memory:") == 0) {
        snprintf(err, errlen, "the database must be a file path, got \"%s\"", url);
        return NULL;
    }
    /* SQLite only says "unable to open database file": find the reason first */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open database %s: %s", path, strerror(errno));
        return NULL;
    }
    int st_rc = fstat(fd, &sb);
    close(fd);
    if (st_rc != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "cannot open database %s: not a regular file", path);
        return NULL;
    }
    sqlite3 *db = NULL; /* returned to the caller, or closed below */
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, STORE_OPS_BUSY_TIMEOUT_MS);
    int64_t tables = 0, v = 0;
    rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK) /* the first read fixes the snapshot */
        rc = check_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
                       &tables);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_NOTADB)
            snprintf(err, errlen, "%s is not an SQLite database", path);
        else
            snprintf(err, errlen, "cannot read database %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    if (tables == 0) {
        snprintf(err, errlen, "%s is not a Parley database (it has no schema_migrations table)", path);
        sqlite3_close(db);
        return NULL;
    }
    rc = check_int(db, "SELECT IFNULL(MAX(version), 0) FROM schema_migrations", &v);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot read the schema version of %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    *version = (int)v;
    return db;
}

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

void store_ops_check_version(store_check_report_t *r)
{
    if (r->schema_version < r->known_version)
        store_ops_problem(r,
                          "schema version %d is older than this parley's %d (`parley serve` would migrate it)",
                          r->schema_version, r->known_version);
    else if (r->schema_version > r->known_version)
        store_ops_problem(r, "schema version %d is newer than this parley knows (%d): use a newer parley",
                          r->schema_version, r->known_version);
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
        if (check_int(db, store_ops_count_sql[i], &r->counts[i]) != SQLITE_OK) {
            store_ops_problem(r, "cannot count %s: %s", check_labels[i], sqlite3_errmsg(db));
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
