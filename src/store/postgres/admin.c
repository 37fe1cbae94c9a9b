/* admin.c - the PostgreSQL backend's operations for the admin API (delete an organization, empty everything) and its figures for metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* What an organization holds, deleted in this order in one transaction (the
 * participants go with their conversations, ON DELETE CASCADE; the count
 * triggers write their deltas, which the organization's count rows then
 * take with them). Every table with an org_uuid column must be here:
 * test_store_admin checks that no row of a deleted organization is left. */
static const char *const pg_org_delete_sql[] = {
    "DELETE FROM webhook_deliveries WHERE org_uuid = $1",
    "DELETE FROM webhook_events WHERE org_uuid = $1",
    "DELETE FROM webhook_endpoints WHERE org_uuid = $1",
    "DELETE FROM snippets WHERE org_uuid = $1",
    "UPDATE library_folders SET parent_uuid = NULL WHERE org_uuid = $1",
    "DELETE FROM library_folders WHERE org_uuid = $1",
    "DELETE FROM gi_history WHERE org_uuid = $1",
    "DELETE FROM scorecard_daily WHERE org_uuid = $1",
    "DELETE FROM scorecard_result_items WHERE org_uuid = $1",
    "DELETE FROM scorecard_results WHERE org_uuid = $1",
    "DELETE FROM scorecard_items WHERE org_uuid = $1",
    "DELETE FROM scorecards WHERE org_uuid = $1",
    "DELETE FROM transcript_index WHERE org_uuid = $1", /* its segments by ON DELETE CASCADE */
    "DELETE FROM conversation_deals WHERE org_uuid = $1",
    "DELETE FROM workflow_logs WHERE org_uuid = $1",
    "DELETE FROM conversation_media WHERE org_uuid = $1",
    "DELETE FROM conversations WHERE org_uuid = $1",
    "DELETE FROM conversation_participants WHERE org_uuid = $1",
    "DELETE FROM conversation_counts WHERE org_uuid = $1",
    "DELETE FROM api_keys WHERE org_uuid = $1",
    ("DELETE FROM team_members WHERE user_uuid IN (SELECT uuid FROM users WHERE org_uuid = $1)"
     " OR team_uuid IN (SELECT uuid FROM teams WHERE org_uuid = $1)"),
    "DELETE FROM users WHERE org_uuid = $1",
    "UPDATE teams SET parent_team_uuid = NULL WHERE org_uuid = $1",
    "DELETE FROM teams WHERE org_uuid = $1",
    "DELETE FROM organizations WHERE uuid = $1",
};

static store_rc_t pg_org_delete_body(pg_conn_t *c, void *arg)
{
    const char *org = arg;
    const char *fn = "postgres_org_delete";
    if (pg_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    long last = 0;
    for (size_t i = 0; r == STORE_OK && i < sizeof pg_org_delete_sql / sizeof pg_org_delete_sql[0]; i++) {
        PGresult *res = pg_exec_sql(c, pg_org_delete_sql[i], 1, &org, fn);
        if (!res)
            r = STORE_ERROR;
        else
            last = strtol(PQcmdTuples(res), NULL, 10);
        PQclear(res);
    }
    if (r == STORE_OK && last == 0)
        r = STORE_NOT_FOUND; /* the last statement deleted no organization */
    return pg_tx_end(c, r, fn);
}

store_rc_t postgres_org_delete(store_t *base, const char *org_uuid)
{
    if (!org_uuid || !pg_utf8_ok(org_uuid))
        return STORE_ERROR;
    return pg_run((pg_store_t *)base, pg_org_delete_body, (void *)org_uuid, __func__);
}

/* Every table of the schema but the migrations' record, emptied by one
 * TRUNCATE (so foreign keys between them are no obstacle; the TRUNCATE
 * trigger on conversations clears the counts), identities restarted. */
static store_rc_t pg_reset_body(pg_conn_t *c, void *arg)
{
    (void)arg;
    const char *fn = "postgres_reset";
    PGresult *res = pg_exec_sql(c,
                                "SELECT string_agg(format('%I', tablename), ', ' ORDER BY tablename) FROM pg_tables"
                                " WHERE schemaname = current_schema() AND tablename NOT IN ('schema_migrations', 'media_secret')",
                                0, NULL, fn);
    if (!res)
        return STORE_ERROR;
    store_rc_t r = STORE_ERROR;
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        buf_t sql;
        buf_init(&sql);
        buf_printf(&sql, "TRUNCATE %s RESTART IDENTITY", PQgetvalue(res, 0, 0));
        if (!sql.oom) {
            PGresult *t = pg_exec_sql(c, sql.data, 0, NULL, fn);
            r = t ? STORE_OK : STORE_ERROR;
            PQclear(t);
        }
        buf_free(&sql);
    }
    PQclear(res);
    return r;
}

store_rc_t postgres_reset(store_t *base)
{
    return pg_run((pg_store_t *)base, pg_reset_body, NULL, __func__);
}

/* What postgres_stats reads on one pooled connection (store_stats_t's
 * fields it fills; each stays -1 when its query fails). */
static store_rc_t pg_stats_body(pg_conn_t *c, void *arg)
{
    store_stats_t *out = arg;
    PGresult *res = pg_exec_sql(c, "SELECT pg_database_size(current_database())", 0, NULL, "postgres_stats");
    if (res && PQntuples(res) == 1)
        out->db_bytes = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    int64_t backlog;
    if (res && pg_webhook_backlog(c, &backlog) == STORE_OK) /* webhooks.c */
        out->webhook_backlog = backlog;
    return res ? STORE_OK : STORE_ERROR;
}

void postgres_stats(store_t *base, store_stats_t *out)
{
    pg_run((pg_store_t *)base, pg_stats_body, out, __func__);
}
