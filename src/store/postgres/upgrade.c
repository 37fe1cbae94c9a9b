/* upgrade.c - the C steps of the PostgreSQL migrations (a `-- @step NAME` line in a migration's SQL). */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/upgrade.h"

/* 004: every conversation's stored document, from the columns of schema 3
 * (the SQL before the step made the times milliseconds), with the filter
 * columns, in the migration's transaction (the migration lock keeps other
 * instances out). Rows are read a batch at a time through a cursor. */
static int pg_step_conversation_docs(PGconn *pc, char *err, size_t errlen)
{
    buf_t sql;
    buf_init(&sql);
    buf_puts(&sql, "DECLARE parley_upgrade NO SCROLL CURSOR FOR SELECT c.id");
    for (int i = 0; i < store_upgrade_shape.n; i++)
        if (store_upgrade_cols[i].name)
            buf_printf(&sql, ", c.%s", store_upgrade_cols[i].name);
    buf_puts(&sql, ", u.email, u.first_name, u.last_name, u.transcript_lang FROM conversations c"
                   " LEFT JOIN users u ON u.uuid = c.user_uuid");
    PGresult *res = sql.oom ? NULL : PQexec(pc, sql.data);
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    buf_free(&sql);
    long long done = 0;
    buf_t stored;
    buf_init(&stored);
    while (ok) {
        res = PQexec(pc, "FETCH 1000 FROM parley_upgrade");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            ok = false;
            PQclear(res);
            break;
        }
        int n = PQntuples(res);
        for (int row = 0; ok && row < n; row++) {
            conv_t c;
            arena_t a;
            arena_init(&a);
            pg_read(res, row, 1, &store_upgrade_shape, &c);
            if (store_upgrade_conv(&a, &c, &stored) != 0) {
                snprintf(err, errlen, "conversation %s: its stored JSON cannot be converted", c.uuid);
                arena_free(&a);
                ok = false;
                break;
            }
            const char *vals[] = {PQgetvalue(res, row, 0), stored.data, c.opportunity_uuid, c.analyzed ? "t" : "f",
                                  c.participants_json};
            PGresult *w = PQexecParams(pc,
                                       "UPDATE conversations SET doc = $2, opportunity_uuid_new = $3, analyzed_new = $4,"
                                       " participants_json = $5 WHERE id = $1",
                                       5, NULL, vals, NULL, NULL, 0);
            ok = PQresultStatus(w) == PGRES_COMMAND_OK;
            PQclear(w);
            arena_free(&a);
            if (ok && ++done % 10000 == 0)
                fprintf(stderr, "parley: migration 004: %lld conversations stored as documents\n", done);
        }
        PQclear(res);
        if (n == 0)
            break;
    }
    buf_free(&stored);
    if (!ok && !err[0])
        snprintf(err, errlen, "%s", PQerrorMessage(pc));
    PQclear(PQexec(pc, "CLOSE parley_upgrade"));
    return ok ? 0 : -1;
}

int pg_upgrade_step(PGconn *pc, const char *name, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        int (*fn)(PGconn *pc, char *err, size_t errlen);
    } steps[] = {
        {"conversation_docs", pg_step_conversation_docs},
    };
    err[0] = '\0';
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (strcmp(steps[i].name, name) == 0)
            return steps[i].fn(pc, err, errlen);
    snprintf(err, errlen, "no migration step named %s", name);
    return -1;
}
