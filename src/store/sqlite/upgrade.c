/* upgrade.c - the C steps of the SQLite migrations (a `-- @step NAME` line in a migration's SQL). */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <string.h>

#include "store/upgrade.h"

/* 006: every conversation's stored document, from the columns of schema 5
 * (the SQL before the step made the times milliseconds), into the new body
 * table conversation_docs. One statement reads, one writes, in the
 * migration's transaction. */
static int sq_step_conversation_docs(sqlite3 *db, char *err, size_t errlen)
{
    buf_t sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT c.id");
    for (int i = 0; i < store_upgrade_shape.n; i++) {
        const store_field_t *f = &store_upgrade_cols[i];
        if (f->name)
            buf_printf(&sql, ", %s.%s", f->body ? "b" : "c", f->name);
    }
    buf_puts(&sql, ", u.email, u.first_name, u.last_name, u.transcript_lang FROM conversations c"
                   " JOIN conversation_bodies b ON b.id = c.id LEFT JOIN users u ON u.uuid = c.user_uuid");
    sqlite3_stmt *rd = NULL, *wr = NULL, *cnt = NULL;
    int64_t total = 0, done = 0;
    int rc = sql.oom ? SQLITE_NOMEM : sqlite3_prepare_v2(db, sql.data, -1, &rd, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO conversation_docs(id, opportunity_uuid, analyzed, linked_crm_json,"
                                " participants_json, import_metadata_json, zoom_metadata_json, doc)"
                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                -1, &wr, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM conversations", -1, &cnt, NULL)) ==
                               SQLITE_OK && sqlite3_step(cnt) == SQLITE_ROW)
        total = sqlite3_column_int64(cnt, 0);
    buf_t stored;
    buf_init(&stored);
    while (rc == SQLITE_OK && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        conv_t c;
        arena_t a;
        arena_init(&a);
        sq_read(rd, 1, &store_upgrade_shape, &c);
        if (store_upgrade_conv(&a, &c, &stored) != 0) {
            snprintf(err, errlen, "conversation %s: its stored JSON cannot be converted", c.uuid);
            arena_free(&a);
            rc = SQLITE_ERROR;
            break;
        }
        sqlite3_bind_int64(wr, 1, sqlite3_column_int64(rd, 0));
        sq_bind_text(wr, 2, c.opportunity_uuid);
        sqlite3_bind_int(wr, 3, c.analyzed ? 1 : 0);
        sq_bind_text(wr, 4, c.linked_crm_json);
        sq_bind_text(wr, 5, c.participants_json);
        sq_bind_text(wr, 6, c.import_metadata_json);
        sq_bind_text(wr, 7, c.zoom_metadata_json);
        sqlite3_bind_text(wr, 8, stored.data, (int)stored.len, SQLITE_STATIC);
        rc = sqlite3_step(wr);
        sqlite3_reset(wr);
        arena_free(&a);
        if (rc != SQLITE_DONE)
            break;
        rc = SQLITE_OK;
        if (++done % 10000 == 0)
            fprintf(stderr, "parley: migration 006: %lld/%lld conversations stored as documents\n", (long long)done,
                    (long long)total);
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc != SQLITE_OK && !err[0])
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    buf_free(&stored);
    buf_free(&sql);
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    sqlite3_finalize(cnt);
    return rc == SQLITE_OK ? 0 : -1;
}

int sq_upgrade_step(sqlite3 *db, const char *name, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        int (*fn)(sqlite3 *db, char *err, size_t errlen);
    } steps[] = {
        {"conversation_docs", sq_step_conversation_docs},
    };
    err[0] = '\0';
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (strcmp(steps[i].name, name) == 0)
            return steps[i].fn(db, err, errlen);
    snprintf(err, errlen, "no migration step named %s", name);
    return -1;
}
