/* admin.c - the SQLite backend's operations for the admin API (delete an organization, empty everything, snapshots) and its figures for metrics. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/sqlite/sq.h"

/* What an organization holds, deleted in this order in one transaction (the
 * conversation bodies and participants go with their conversations, ON
 * DELETE CASCADE; the triggers keep the title index and the counts in step).
 * Every table with an org_uuid column must be here: test_store_admin checks
 * that no row of a deleted organization is left anywhere. */
static const char *const sq_org_delete_sql[] = {
    "DELETE FROM webhook_deliveries WHERE org_uuid = ?1",
    "DELETE FROM webhook_events WHERE org_uuid = ?1",
    "DELETE FROM webhook_endpoints WHERE org_uuid = ?1",
    "DELETE FROM snippets WHERE org_uuid = ?1",
    "UPDATE library_folders SET parent_uuid = NULL WHERE org_uuid = ?1",
    "DELETE FROM library_folders WHERE org_uuid = ?1",
    "DELETE FROM gi_history WHERE org_uuid = ?1",
    "DELETE FROM scorecard_daily WHERE org_uuid = ?1",
    "DELETE FROM scorecard_result_items WHERE org_uuid = ?1",
    "DELETE FROM scorecard_results WHERE org_uuid = ?1",
    "DELETE FROM scorecard_items WHERE org_uuid = ?1",
    "DELETE FROM scorecards WHERE org_uuid = ?1",
    "DELETE FROM transcript_index WHERE org_uuid = ?1", /* its segments and their FTS5 entries by trigger */
    "DELETE FROM conversation_deals WHERE org_uuid = ?1",
    "DELETE FROM workflow_logs WHERE org_uuid = ?1",
    "DELETE FROM conversation_media WHERE org_uuid = ?1",
    "DELETE FROM conversations WHERE org_uuid = ?1",
    "DELETE FROM conversation_participants WHERE org_uuid = ?1",
    "DELETE FROM conversation_counts WHERE org_uuid = ?1",
    "DELETE FROM api_keys WHERE org_uuid = ?1",
    ("DELETE FROM team_members WHERE user_uuid IN (SELECT uuid FROM users WHERE org_uuid = ?1)"
     " OR team_uuid IN (SELECT uuid FROM teams WHERE org_uuid = ?1)"),
    "DELETE FROM users WHERE org_uuid = ?1",
    "UPDATE teams SET parent_team_uuid = NULL WHERE org_uuid = ?1",
    "DELETE FROM teams WHERE org_uuid = ?1",
    "DELETE FROM organizations WHERE uuid = ?1",
};

/* Runs sql once on c with ?1 bound to p1 (may be NULL: no parameter).
 * Returns the rows it changed, or -1 (logged) on failure. */
static int64_t sq_admin_exec(sq_conn_t *c, const char *sql, const char *p1, const char *fn)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK && p1)
        rc = sq_bind_text(s, 1, p1);
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            ;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE && rc != SQLITE_OK) {
        sq_log(c->db, fn, rc);
        return -1;
    }
    return sqlite3_changes64(c->db);
}

store_rc_t sqlite_org_delete(store_t *base, const char *org_uuid)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid)
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = STORE_OK;
    int64_t n = 0;
    for (size_t i = 0; r == STORE_OK && i < sizeof sq_org_delete_sql / sizeof sq_org_delete_sql[0]; i++)
        if ((n = sq_admin_exec(c, sq_org_delete_sql[i], org_uuid, __func__)) < 0)
            r = STORE_ERROR;
    if (r == STORE_OK && n == 0)
        r = STORE_NOT_FOUND; /* the last statement deleted no organization */
    return sq_tx_end(c, r, __func__);
}

/* Every ordinary table but the migrations' record, the virtual tables and
 * their shadow tables (kept in step by the triggers on their sources). */
static const char sq_reset_tables[] =
    "SELECT t.name FROM sqlite_schema t WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    " AND t.name NOT IN ('schema_migrations', 'media_secret') AND t.sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
    " AND NOT EXISTS (SELECT 1 FROM sqlite_schema v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'"
    " AND t.name LIKE v.name || '\\_%' ESCAPE '\\') ORDER BY t.name";

store_rc_t sqlite_reset(store_t *base)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c)
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_admin_exec(c, "PRAGMA defer_foreign_keys = ON", NULL, __func__) < 0 ? STORE_ERROR : STORE_OK;
    sqlite3_stmt *s = NULL;
    if (r == STORE_OK && sqlite3_prepare_v2(c->db, sq_reset_tables, -1, &s, NULL) != SQLITE_OK) {
        sq_log(c->db, __func__, sqlite3_errcode(c->db));
        r = STORE_ERROR;
    }
    /* The names are read first, then emptied: deleting while the schema
     * query steps would be fine for SQLite but harder to reason about. */
    char names[64][64];
    int n = 0;
    while (r == STORE_OK && sqlite3_step(s) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        if (n == 64 || !name || strlen(name) >= sizeof names[0] || strchr(name, '"')) {
            fprintf(stderr, "parley: store %s: unexpected table %s\n", __func__, name ? name : "(null)");
            r = STORE_ERROR;
            break;
        }
        snprintf(names[n++], sizeof names[0], "%s", name);
    }
    sqlite3_finalize(s);
    for (int i = 0; r == STORE_OK && i < n; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM \"%.63s\"", names[i]);
        if (sq_admin_exec(c, sql, NULL, __func__) < 0)
            r = STORE_ERROR;
    }
    return sq_tx_end(c, r, __func__);
}

store_rc_t sqlite_snapshot_write(store_t *base, const char *path, int64_t *conversations)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !path)
        return STORE_ERROR;
    if (!sqlite3_get_autocommit(c->db)) {
        fprintf(stderr, "parley: store %s: a transaction is open on this thread\n", __func__);
        return STORE_ERROR;
    }
    /* VACUUM INTO reads one snapshot of the database (writers go on) into a
     * new, compact file; then the copy's conversations are counted there. */
    if (sq_admin_exec(c, "VACUUM INTO ?1", path, __func__) < 0)
        return STORE_ERROR;
    sqlite3 *copy = NULL;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_open_v2(path, &copy, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(copy, "SELECT count(*) FROM conversations", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *conversations = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK)
        sq_log(copy, __func__, rc);
    sqlite3_finalize(s);
    sqlite3_close(copy);
    return rc == SQLITE_OK ? STORE_OK : STORE_ERROR;
}

store_rc_t sqlite_snapshot_load(store_t *base, const char *path)
{
    sq_store_t *st = (sq_store_t *)base;
    sq_conn_t *c = sq_conn(st);
    if (!c || !path)
        return STORE_ERROR;
    if (!sqlite3_get_autocommit(c->db)) {
        fprintf(stderr, "parley: store %s: a transaction is open on this thread\n", __func__);
        return STORE_ERROR;
    }
    sqlite3 *src = NULL;
    int rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        sq_log(src, __func__, rc);
        sqlite3_close(src);
        return STORE_ERROR;
    }
    /* The online backup API copies every page of the snapshot into the live
     * database as one write transaction of this connection (into the WAL;
     * the file stays in WAL mode). Other connections of this process are
     * idle (the caller's gate) but the checkpointer may hold a lock for a
     * moment: busy is retried for up to SQ_BUSY_TIMEOUT_MS. */
    sqlite3_backup *b = sqlite3_backup_init(c->db, "main", src, "main");
    if (!b) {
        sq_log(c->db, __func__, sqlite3_errcode(c->db));
        sqlite3_close(src);
        return STORE_ERROR;
    }
    for (int waited = 0;;) {
        rc = sqlite3_backup_step(b, -1);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= 5000)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited += 10;
    }
    int frc = sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE)
        rc = frc;
    sqlite3_close(src);
    atomic_fetch_add(&st->generation, 1); /* every cached count is of the past now */
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        sq_log(c->db, __func__, rc);
        return STORE_ERROR;
    }
    return STORE_OK;
}

void sqlite_stats(store_t *base, store_stats_t *out)
{
    sq_store_t *st = (sq_store_t *)base;
    struct stat sb;
    char wal[4096];
    if (stat(st->path, &sb) == 0) {
        out->db_bytes = (int64_t)sb.st_size;
        snprintf(wal, sizeof wal, "%s-wal", st->path);
        if (stat(wal, &sb) == 0)
            out->db_bytes += (int64_t)sb.st_size;
    }
    sq_conn_t *c = sq_conn(st);
    int64_t backlog;
    if (c && sq_webhook_backlog(c, &backlog) == STORE_OK) /* webhooks.c */
        out->webhook_backlog = backlog;
    if (st->paycache)
        out->webhook_reused = (int64_t)sq_paycache_reused(st->paycache);
    if (st->group) {
        unsigned long long batches, jobs, by_size[STORE_GROUP_SIZE_BUCKETS];
        store_group_stats(st->group, &batches, &jobs);
        store_group_sizes(st->group, by_size);
        out->have_group = true;
        out->group_batches = batches;
        out->group_jobs = jobs;
        uint64_t cum = 0;
        for (size_t k = 0; k < sizeof out->group_batch_le / sizeof out->group_batch_le[0]; k++)
            out->group_batch_le[k] = cum += by_size[k];
    }
}
