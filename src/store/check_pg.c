/* check_pg.c - `parley check` on PostgreSQL: schema version and row counts in one read-only snapshot. */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/migrations.h"
#include "store/ops.h"

/* Writes prefix and libpq's message m, without its trailing newline, into err. */
static void check_pg_message(const char *prefix, const char *m, char *err, size_t errlen)
{
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    snprintf(err, errlen, "%s%.*s", prefix, (int)n, m);
}

/* Runs sql on pc; returns the result when its status is want, else NULL
 * (the result cleared) with PostgreSQL's message in err. The caller clears
 * what it gets. */
static PGresult *check_pg_exec(PGconn *pc, const char *sql, ExecStatusType want, char *err, size_t errlen)
{
    PGresult *res = PQexec(pc, sql);
    if (res && PQresultStatus(res) == want)
        return res;
    check_pg_message("", res ? PQresultErrorMessage(res) : PQerrorMessage(pc), err, errlen);
    PQclear(res);
    return NULL;
}

/* The first column of the first row of sql as an integer into *out. Returns 0 or -1 (why in err). */
static int check_pg_int(PGconn *pc, const char *sql, int64_t *out, char *err, size_t errlen)
{
    PGresult *res = check_pg_exec(pc, sql, PGRES_TUPLES_OK, err, errlen);
    if (!res)
        return -1;
    int rc = -1;
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        *out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        rc = 0;
    } else {
        snprintf(err, errlen, "no value");
    }
    PQclear(res);
    return rc;
}

store_rc_t store_ops_check_postgres(const char *url, store_check_report_t *r, char *err, size_t errlen)
{
    r->known_version = store_migrations_latest(store_postgres_migrations);
    /* connect_timeout first: a value in url wins over it */
    const char *const keys[] = {"connect_timeout", "dbname", "fallback_application_name", NULL};
    const char *const vals[] = {"10", url, "parley-check", NULL};
    PGconn *pc = PQconnectdbParams(keys, vals, 1); /* finished below */
    if (!pc || PQstatus(pc) != CONNECTION_OK) {
        check_pg_message("cannot connect to PostgreSQL: ", pc ? PQerrorMessage(pc) : "out of memory", err, errlen);
        PQfinish(pc);
        return STORE_UNAVAILABLE;
    }
    store_rc_t rc = STORE_ERROR;
    char why[512];
    int64_t has = 0, v = 0;
    PGresult *res = check_pg_exec(pc, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, why,
                                  sizeof why);
    if (!res) {
        snprintf(err, errlen, "cannot start a transaction: %s", why);
        goto out;
    }
    PQclear(res);
    if (check_pg_int(pc, "SELECT (to_regclass('schema_migrations') IS NOT NULL)::int", &has, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot read the database: %s", why);
        goto out;
    }
    if (!has) {
        snprintf(err, errlen, "the database is not a Parley database (it has no schema_migrations table)");
        goto out;
    }
    if (check_pg_int(pc, "SELECT coalesce(max(version), 0) FROM schema_migrations", &v, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot read the schema version: %s", why);
        goto out;
    }
    r->schema_version = (int)v;
    store_ops_check_version(r);
    bool failed = false; /* after a failure the transaction is aborted: nothing else would run */
    for (int i = 0; i < STORE_COUNT__N; i++) {
        if (failed || check_pg_int(pc, store_ops_count_sql[i], &r->counts[i], why, sizeof why) != 0) {
            if (!failed)
                store_ops_problem(r, "cannot count %s: %s", store_count_label((store_count_t)i), why);
            r->counts[i] = -1;
            failed = true;
        }
    }
    rc = STORE_OK;
out:
    PQclear(PQexec(pc, "ROLLBACK"));
    PQfinish(pc);
    return rc;
}
