/* ops.c - what the operations on a whole database share: backup.c, check.c and check_pg.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/ops.h"

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

static const char *const ops_count_labels[STORE_COUNT__N] = {
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
    return (unsigned)c < STORE_COUNT__N ? ops_count_labels[c] : "?";
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

int store_ops_int(sqlite3 *db, const char *sql, int64_t *out)
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
        rc = store_ops_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
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
    rc = store_ops_int(db, "SELECT IFNULL(MAX(version), 0) FROM schema_migrations", &v);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot read the schema version of %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    *version = (int)v;
    return db;
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
