/* sql.c - the SQL of the SQLite backend's cached statements, and the conversation statements generated from its column list. */
#include "store/sqlite/sq.h"

#include "store/common_sql.h"

#include <string.h>

#define SQ_USER_COLS \
    "uuid, org_uuid, IFNULL(primary_team_uuid, ''), email, first_name, last_name, transcript_lang, role, created_at," \
    " IFNULL(bot_name, ''), seat_type, deals_enabled"
/* The same columns of users aliased u, and the columns of a team (store_shape_team). */
#define SQ_USER_COLS_U                                                                                             \
    "u.uuid, u.org_uuid, IFNULL(u.primary_team_uuid, ''), u.email, u.first_name, u.last_name, u.transcript_lang,"  \
    " u.role, u.created_at, IFNULL(u.bot_name, ''), u.seat_type, u.deals_enabled"
#define SQ_TEAM_COLS "t.uuid, t.org_uuid, IFNULL(t.parent_team_uuid, ''), t.name, IFNULL(t.domain, ''), t.created_at"
#define SQ_KEY_COLS "id, org_uuid, user_uuid, IFNULL(name, ''), last4, org_level, created_at, last_seen_at"
/* The columns scorecards.c reads into a scorecard_t / scorecard_item_t, in order. */
#define SQ_SC_COLS                                                                                                 \
    "uuid, org_uuid, IFNULL(team_uuid, ''), title, all_teams, enabled, interaction_type, detailed_instructions,"  \
    " scorecard_prompt, expert_mode, is_default_template, criteria_json, created_at, updated_at"
#define SQ_SCI_COLS                                                                                                \
    "uuid, org_uuid, scorecard_uuid, title, type, position, weight, version, expert_prompt, num_min, num_middle,"   \
    " num_max, min_criteria, middle_criteria, max_criteria, created_at, updated_at, deleted_at"

/* SQL of each cached statement: the ones both backends share
 * (store/common_sql.h) and SQLite's own. The conversation statements are
 * generated from store_conv_cols by sq_sql_init (once per process). */
#define SQ_COMMON(name, sql) [S_##name] = sql,
const char *sq_sql[S__COUNT] = {
    STORE_SQL_COMMON(SQ_COMMON)
    [S_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [S_BEGIN_READ] = "BEGIN",
    [S_COMMIT] = "COMMIT",
    [S_LIST_VERSION] = "SELECT n FROM list_version WHERE id = 1",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT sq",
    [S_RELEASE] = "RELEASE sq",
    [S_ROLLBACK_TO] = "ROLLBACK TO sq",
    [S_ORG_DEFAULT_TEAM] = "SELECT IFNULL(o.default_team_uuid, (SELECT t.uuid FROM teams t WHERE t.org_uuid = o.uuid"
                           " ORDER BY t.created_at, t.uuid LIMIT 1)) FROM organizations o WHERE o.uuid = ?1",
    [S_USER_INSERT] = "INSERT INTO users(uuid, org_uuid, email, first_name, last_name, primary_team_uuid, role,"
                      " created_at, transcript_lang, bot_name, seat_type, deals_enabled)"
                      " VALUES (?1, ?2, lower(?3), ?4, ?5, ?6, ?7, ?8, IFNULL(?9, 'en'), ?10, IFNULL(?11, 'recording'), ?12)",
    [S_MEMBER_INSERT] = "INSERT OR IGNORE INTO team_members(team_uuid, user_uuid) VALUES (?1, ?2)",
    [S_USER_BY_UUID] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 AND uuid = ?2 AND deleted_at IS NULL",
    [S_USER_BY_EMAIL] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 AND email = lower(?2)"
                        " AND deleted_at IS NULL",
    [S_USER_ADMIN] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 AND role = 'admin'"
                     " AND deleted_at IS NULL ORDER BY created_at, uuid LIMIT 1",
    [S_USER_LIST] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 AND deleted_at IS NULL"
                    " ORDER BY created_at, uuid",
    [S_USER_LIST_ALL] = "SELECT " SQ_USER_COLS " FROM users WHERE org_uuid = ?1 ORDER BY created_at, uuid",
    [S_KEY_GET] = "SELECT " SQ_KEY_COLS " FROM api_keys WHERE org_uuid = ?1 AND id = ?2 AND revoked_at IS NULL",
    [S_KEY_LIST] = "SELECT " SQ_KEY_COLS " FROM api_keys WHERE org_uuid = ?1 AND revoked_at IS NULL"
                   " AND (?2 IS NULL OR user_uuid = ?2) ORDER BY created_at, id",
    [S_TEAM_GET] = "SELECT " SQ_TEAM_COLS " FROM teams t WHERE t.org_uuid = ?1 AND t.uuid = ?2",
    [S_TEAM_LIST] = "SELECT " SQ_TEAM_COLS " FROM teams t WHERE t.org_uuid = ?1 ORDER BY t.created_at, t.uuid",
    [S_TEAM_MEMBERS] = "SELECT " SQ_USER_COLS_U " FROM team_members m JOIN users u ON u.uuid = m.user_uuid"
                       " WHERE m.team_uuid = ?2 AND u.org_uuid = ?1 AND u.deleted_at IS NULL ORDER BY u.created_at, u.uuid",
    [S_USER_TEAMS] = "SELECT " SQ_TEAM_COLS " FROM team_members m JOIN teams t ON t.uuid = m.team_uuid"
                     " WHERE m.user_uuid = ?2 AND t.org_uuid = ?1 ORDER BY t.created_at, t.uuid",
    /* ---- organization administration (people_admin.c) ---- */
    /* NULL parameters keep the stored value; ?5 '' clears bot_name; ?6 < 0 keeps deals_enabled */
    [S_USER_UPDATE] = "UPDATE users SET first_name = IFNULL(?3, first_name), last_name = IFNULL(?4, last_name),"
                      " bot_name = CASE WHEN ?5 IS NULL THEN bot_name WHEN ?5 = '' THEN NULL ELSE ?5 END,"
                      " deals_enabled = CASE WHEN ?6 < 0 THEN deals_enabled ELSE ?6 END, role = IFNULL(?7, role),"
                      " seat_type = IFNULL(?8, seat_type) WHERE org_uuid = ?1 AND uuid = ?2 AND deleted_at IS NULL",
    /* ---- snippets (snippets.c) and the library (library.c) ---- */
    [S_SNIPPET_BY_CODE] = "SELECT uuid, org_uuid, user_uuid, conversation_uuid, share_code, title, notes, start_time,"
                          " end_time, duration, internal, notify_views, ref_char_start IS NOT NULL,"
                          " IFNULL(ref_char_start, 0), IFNULL(ref_char_end, 0), IFNULL(ref_speaker_start, 0),"
                          " IFNULL(ref_speaker_end, 0), IFNULL(ref_version, ''), in_library, my_library,"
                          " IFNULL(folder_uuid, ''), created_at FROM snippets WHERE share_code = ?1",
    [S_FOLDER_INSERT] = "INSERT INTO library_folders(uuid, org_uuid, owner_uuid, parent_uuid, name, path, hidden,"
                        " user_uuid, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_FOLDER_GET] = "SELECT uuid, org_uuid, owner_uuid, IFNULL(parent_uuid, ''), user_uuid, name, path, hidden,"
                     " created_at, 0, 0 FROM library_folders WHERE org_uuid = ?1 AND uuid = ?2",
    /* ?3 NULL: the top level; ?4 1: hidden ones too */
    [S_FOLDER_CHILDREN] = "SELECT f.uuid, f.org_uuid, f.owner_uuid, IFNULL(f.parent_uuid, ''), f.user_uuid, f.name,"
                          " f.path, f.hidden, f.created_at, (SELECT count(*) FROM snippets s WHERE s.org_uuid ="
                          " f.org_uuid AND s.folder_uuid = f.uuid AND s.in_library = 1), (SELECT count(*) FROM"
                          " library_folders k WHERE k.org_uuid = f.org_uuid AND k.owner_uuid = f.owner_uuid AND"
                          " k.parent_uuid = f.uuid AND (?4 OR k.hidden = 0)) FROM library_folders f"
                          " WHERE f.org_uuid = ?1 AND f.owner_uuid = ?2 AND f.parent_uuid IS ?3 AND (?4 OR f.hidden = 0)"
                          " ORDER BY f.name, f.uuid",
    /* Ask Attention (ask.c): a transcript's index row with its counts (from
     * sq_ask_measure), then a long one's segments, their rowid range and
     * their FTS5 entries. */
    [S_ASK_DOC_INSERT] = "INSERT INTO transcript_index(conv_uuid, org_uuid, nseg, nwords, first_seg, last_seg)"
                         " VALUES (?1, ?2, ?3, ?4, 1, 0)",
    [S_ASK_SEG_INSERT] = "INSERT INTO transcript_segments(doc, seq, start_sec, end_sec, text) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_ASK_DOC_FINISH] = "UPDATE transcript_index SET first_seg = ?2, last_seg = ?3 WHERE id = ?1",
    /* a long transcript's segments into the FTS5 index (migration 013: only those are in it) */
    [S_ASK_FTS_FILL] = "INSERT INTO transcript_segments_fts(rowid, text)"
                       " SELECT id, text FROM transcript_segments WHERE id BETWEEN ?1 AND ?2",
    [S_ASK_CONV] = "SELECT c.uuid, c.title, c.user_uuid, c.is_private, IFNULL(t.nseg, 0), IFNULL(t.nwords, 0),"
                   " IFNULL(t.first_seg, 1), IFNULL(t.last_seg, 0), c.id FROM conversations c"
                   " LEFT JOIN transcript_index t ON t.conv_uuid = c.uuid WHERE c.uuid = ?1 AND c.org_uuid = ?2",
    /* ?3: the user of a user-level scope (NULL: org-level); ?4: how many */
    [S_ASK_DEAL] = "SELECT c.uuid, c.title, c.user_uuid, c.is_private, IFNULL(t.nseg, 0), IFNULL(t.nwords, 0),"
                   " IFNULL(t.first_seg, 1), IFNULL(t.last_seg, 0), c.id FROM conversations c"
                   " LEFT JOIN transcript_index t ON t.conv_uuid = c.uuid"
                   " WHERE c.org_uuid = ?1 AND c.archived = 0 AND (?3 IS NULL OR c.is_private = 0 OR c.user_uuid = ?3)"
                   " AND c.id IN (SELECT d.id FROM conversation_deals x JOIN conversations d ON d.uuid = x.conv_uuid"
                   " WHERE x.org_uuid = ?1 AND x.deal_uuid = ?2"
                   " UNION SELECT b.id FROM conversation_bodies b WHERE b.opportunity_uuid = ?2)"
                   " ORDER BY c.created_at DESC, c.uuid DESC LIMIT ?4",
    /* the segments of one conversation (its rowid range): all of them, or, through the FTS5 index,
     * those holding a term of ?1 (sq_ask_plan chooses) */
    [S_ASK_RANGE] = "SELECT seq, start_sec, end_sec, text FROM transcript_segments WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
    /* a short transcript (no rows): the conversation's stored document */
    [S_ASK_BODY] = "SELECT doc FROM conversation_bodies WHERE id = ?1",
    [S_ASK_SEGS] = "SELECT s.seq, s.start_sec, s.end_sec, s.text FROM transcript_segments_fts"
                   " JOIN transcript_segments s ON s.id = transcript_segments_fts.rowid"
                   " WHERE transcript_segments_fts MATCH ?1 AND transcript_segments_fts.rowid BETWEEN ?2 AND ?3"
                   " ORDER BY transcript_segments_fts.rowid",
    /* scorecards (scorecards.c) */
    [S_SC_INSERT] = "INSERT INTO scorecards(uuid, org_uuid, title, team_uuid, all_teams, enabled, interaction_type,"
                    " detailed_instructions, scorecard_prompt, expert_mode, is_default_template, criteria_json,"
                    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
    [S_SC_UPDATE] = "UPDATE scorecards SET title = ?3, team_uuid = ?4, all_teams = ?5, enabled = ?6,"
                    " interaction_type = ?7, detailed_instructions = ?8, scorecard_prompt = ?9, expert_mode = ?10,"
                    " is_default_template = ?11, criteria_json = ?12, updated_at = ?13 WHERE uuid = ?1 AND org_uuid = ?2",
    [S_SC_GET] = "SELECT " SQ_SC_COLS " FROM scorecards WHERE org_uuid = ?1 AND uuid = ?2",
    [S_SC_COUNT] = "SELECT count(*) FROM scorecards WHERE org_uuid = ?1",
    [S_SC_PAGE] = "SELECT " SQ_SC_COLS " FROM scorecards WHERE org_uuid = ?1 ORDER BY created_at, uuid"
                  " LIMIT ?2 OFFSET ?3",
    /* ?4 < 0: after the scorecard's last live item; nothing when the scorecard is not the organization's */
    [S_SCI_INSERT] = "INSERT INTO scorecard_items(uuid, org_uuid, scorecard_uuid, title, type, position, weight, version,"
                     " expert_prompt, num_min, num_middle, num_max, min_criteria, middle_criteria, max_criteria,"
                     " created_at, updated_at) SELECT ?1, ?2, ?3, ?5, ?6,"
                     " CASE WHEN ?4 >= 0 THEN ?4 ELSE (SELECT IFNULL(max(i.position) + 1, 0) FROM scorecard_items i"
                     " WHERE i.scorecard_uuid = ?3 AND i.deleted_at = 0) END,"
                     " ?7, 1, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15"
                     " WHERE EXISTS (SELECT 1 FROM scorecards s WHERE s.uuid = ?3 AND s.org_uuid = ?2)",
    [S_SCI_UPDATE] = "UPDATE scorecard_items SET title = ?4, type = ?5, position = ?6, weight = ?7,"
                     " version = version + 1, expert_prompt = ?8, num_min = ?9, num_middle = ?10, num_max = ?11,"
                     " min_criteria = ?12, middle_criteria = ?13, max_criteria = ?14, updated_at = ?15"
                     " WHERE uuid = ?1 AND org_uuid = ?2 AND scorecard_uuid = ?3 AND deleted_at = 0",
    [S_SCI_DELETE] = "UPDATE scorecard_items SET deleted_at = ?4, updated_at = ?4"
                     " WHERE uuid = ?3 AND org_uuid = ?1 AND scorecard_uuid = ?2 AND deleted_at = 0",
    [S_SCI_GET] = "SELECT " SQ_SCI_COLS " FROM scorecard_items WHERE org_uuid = ?1 AND scorecard_uuid = ?2"
                  " AND uuid = ?3 AND (?4 OR deleted_at = 0)",
    [S_SCI_LIST] = "SELECT " SQ_SCI_COLS " FROM scorecard_items WHERE org_uuid = ?1 AND scorecard_uuid = ?2"
                   " AND (?3 OR deleted_at = 0) ORDER BY position, created_at, uuid",
    /* a result: the conversation (scope checks, owner, team), the scorecard's existence */
    [S_SCR_CONV] = "SELECT c.user_uuid, c.is_private, IFNULL(c.team_uuid, ''), c.id,"
                   " EXISTS (SELECT 1 FROM scorecards s WHERE s.uuid = ?3 AND s.org_uuid = ?2)"
                   " FROM conversations c WHERE c.uuid = ?1 AND c.org_uuid = ?2",
    [S_SCR_INSERT] = "INSERT INTO scorecard_results(uuid, org_uuid, scorecard_uuid, conversation_uuid, user_uuid,"
                     " team_uuid, summary, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_SCR_ITEM_INSERT] = "INSERT INTO scorecard_result_items(result_uuid, item_uuid, org_uuid, scorecard_uuid,"
                          " user_uuid, team_uuid, created_at, description, score, weight)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [S_SCR_DAILY] = "INSERT INTO scorecard_daily(org_uuid, scorecard_uuid, day, user_uuid, team_uuid, item_uuid, n,"
                    " total, lo, hi, wtotal, wsum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7, ?7, ?7 * ?8, ?8)"
                    " ON CONFLICT (org_uuid, scorecard_uuid, day, user_uuid, team_uuid, item_uuid) DO UPDATE SET"
                    " n = n + 1, total = total + excluded.total, lo = min(lo, excluded.lo), hi = max(hi, excluded.hi),"
                    " wtotal = wtotal + excluded.wtotal, wsum = wsum + excluded.wsum",
    /* the history (gi_history.c) */
    [S_GI_INSERT] = "INSERT INTO gi_history(uuid, org_uuid, user_uuid, title, result_uuid, prompt, synthesis, items_json,"
                    " conversations_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [S_GI_COUNT] = "SELECT count(*) FROM gi_history WHERE org_uuid = ?1 AND user_uuid = ?2",
    [S_GI_PAGE] = "SELECT uuid, org_uuid, user_uuid, title, result_uuid, prompt, synthesis, items_json,"
                  " conversations_json, created_at FROM gi_history WHERE org_uuid = ?1 AND user_uuid = ?2"
                  " ORDER BY created_at DESC, uuid DESC LIMIT ?3 OFFSET ?4",
    [S_TITLE_FTS_INSERT] = "INSERT INTO conversation_title_fts(rowid, title) VALUES (?1, ?2)",
    [S_PART_INSERT] = "INSERT OR IGNORE INTO conversation_participants(conv_uuid, org_uuid, email)"
                      " SELECT ?1, ?2, lower(json_extract(p.value, '$.email'))"
                      " FROM json_each(CASE WHEN json_valid(?3) THEN ?3 ELSE '[]' END) AS p"
                      " WHERE p.type = 'object' AND json_type(p.value, '$.email') = 'text'"
                      " AND json_extract(p.value, '$.email') <> ''",
    [S_LOG_INSERT] = "INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                     " VALUES (?1, ?2, ?3, 1, NULL, ?4)",
    [S_CONV_STATE] = "SELECT user_uuid, is_private, archived, id, webhook_lazy_seq FROM conversations"
                     " WHERE uuid = ?1 AND org_uuid = ?2",
    /* by the row id S_CONV_STATE read: no second search of the uuid index; ?4: the seq of the first outbox
     * event the change wrote, the conversation's new mark (webhooks.c), 0 when none */
    [S_CONV_SET_ARCHIVED] = "UPDATE conversations SET archived = ?2, archived_at = ?3,"
                            " webhook_lazy_seq = CASE WHEN ?4 <> 0 THEN ?4 ELSE webhook_lazy_seq END WHERE id = ?1",
    /* The entry of a change: its time is never older than the conversation's
     * last entry, so for one conversation newest-first is commit order even
     * when a writer read the clock before waiting for the write lock. */
    [S_LOG_CHANGE] = "INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                     " VALUES (?1, ?2, ?3, 1, NULL, MAX(?4, IFNULL((SELECT MAX(created_at) FROM workflow_logs"
                     " WHERE conversation_uuid = ?2), 0)))",
    /* A failure entry, only for a conversation of the organization (time as S_LOG_CHANGE). */
    [S_LOG_FAIL] = "INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                   " SELECT ?1, ?2, ?3, 0, ?4, MAX(?5, IFNULL((SELECT MAX(created_at) FROM workflow_logs"
                   " WHERE conversation_uuid = ?2), 0))"
                   " WHERE EXISTS (SELECT 1 FROM conversations WHERE uuid = ?2 AND org_uuid = ?1)",
};

/* ---- the conversation statements -------------------------------------------- */

/* Generated SQL (static storage, written once by sq_sql_init). */
char sq_conv_select[4096]; /* "SELECT c.uuid, …, b.transcript_text, u.…" */
static char sq_conv_insert_sql[2048];
static char sq_body_insert_sql[2048];
static char sq_conv_rewrite_sql[2048];
static char sq_body_rewrite_sql[2048];
static char sq_conv_get_sql[4608];
static char sq_conv_get_ext_sql[4608];
static char sq_conv_get_row_sql[4608];
static char sq_conv_get_outbox_sql[4864];

/* Writes into dst (capacity cap, empty) the conversation SELECT, its FROM and where. */
static void sq_conv_sql(char *dst, size_t cap, const char *where)
{
    store_sql_cat(dst, cap, sq_conv_select);
    store_sql_cat(dst, cap, SQ_CONV_FROM);
    store_sql_cat(dst, cap, where);
}

/* Builds the conversation SELECT/INSERT SQL from store_conv_cols (the
 * owner's user_* fields are not columns: they come from a join with users).
 * Can't fail. */
void sq_sql_init(void)
{
    /* Before SQLite initializes: no global allocation statistics, which
     * otherwise take one process-wide mutex on every sqlite3_malloc of every
     * connection (the list profile showed it). MISUSE if already initialized. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    char values[2][512] = {"", ""}; /* "?, ?, …" of the two INSERTs */
    int nset[2] = {0, 0};           /* columns in each rewrite's SET list */
    store_sql_cat(sq_conv_select, sizeof(sq_conv_select), "SELECT ");
    store_sql_cat(sq_conv_insert_sql, sizeof(sq_conv_insert_sql), "INSERT INTO conversations(");
    store_sql_cat(sq_body_insert_sql, sizeof(sq_body_insert_sql), "INSERT INTO conversation_bodies(id");
    store_sql_cat(sq_conv_rewrite_sql, sizeof(sq_conv_rewrite_sql), "UPDATE conversations SET ");
    store_sql_cat(sq_body_rewrite_sql, sizeof(sq_body_rewrite_sql), "UPDATE conversation_bodies SET ");
    store_sql_cat(values[1], sizeof(values[1]), "?");
    for (int i = 0; i < STORE_CONV_NCOLS; i++) {
        const store_field_t *col = &store_conv_cols[i];
        store_sql_cat(sq_conv_select, sizeof(sq_conv_select), col->body ? "b." : "c.");
        store_sql_cat(sq_conv_select, sizeof(sq_conv_select), col->name);
        store_sql_cat(sq_conv_select, sizeof(sq_conv_select), ", ");
        char *ins = col->body ? sq_body_insert_sql : sq_conv_insert_sql;
        size_t inscap = col->body ? sizeof(sq_body_insert_sql) : sizeof(sq_conv_insert_sql);
        char *val = values[col->body];
        if (val[0]) {
            store_sql_cat(ins, inscap, ", ");
            store_sql_cat(val, sizeof(values[0]), ", ");
        }
        store_sql_cat(ins, inscap, col->name);
        store_sql_cat(val, sizeof(values[0]), "?");
        /* the rewrite of a change sets every column but the identity (uuid, org_uuid) */
        if (strcmp(col->name, "uuid") == 0 || strcmp(col->name, "org_uuid") == 0)
            continue;
        char *set = col->body ? sq_body_rewrite_sql : sq_conv_rewrite_sql;
        size_t setcap = col->body ? sizeof(sq_body_rewrite_sql) : sizeof(sq_conv_rewrite_sql);
        if (nset[col->body]++)
            store_sql_cat(set, setcap, ", ");
        store_sql_cat(set, setcap, col->name);
        store_sql_cat(set, setcap, " = ?");
    }
    store_sql_cat(sq_conv_select, sizeof(sq_conv_select), "u.email, u.first_name, u.last_name, u.transcript_lang");
    store_sql_cat(sq_conv_insert_sql, sizeof(sq_conv_insert_sql), ") VALUES (");
    store_sql_cat(sq_conv_insert_sql, sizeof(sq_conv_insert_sql), values[0]);
    store_sql_cat(sq_conv_insert_sql, sizeof(sq_conv_insert_sql), ")");
    store_sql_cat(sq_body_insert_sql, sizeof(sq_body_insert_sql), ") VALUES (");
    store_sql_cat(sq_body_insert_sql, sizeof(sq_body_insert_sql), values[1]);
    store_sql_cat(sq_body_insert_sql, sizeof(sq_body_insert_sql), ")");
    store_sql_cat(sq_conv_rewrite_sql, sizeof(sq_conv_rewrite_sql), " WHERE id = ?");
    store_sql_cat(sq_body_rewrite_sql, sizeof(sq_body_rewrite_sql), " WHERE id = ?");
    sq_sql[S_CONV_REWRITE] = sq_conv_rewrite_sql;
    sq_sql[S_BODY_REWRITE] = sq_body_rewrite_sql;

    sq_conv_sql(sq_conv_get_sql, sizeof(sq_conv_get_sql), " WHERE c.uuid = ?1 AND c.org_uuid = ?2");
    sq_conv_sql(sq_conv_get_ext_sql, sizeof(sq_conv_get_ext_sql), " WHERE c.external_id = ?1 AND c.org_uuid = ?2");
    sq_conv_sql(sq_conv_get_row_sql, sizeof(sq_conv_get_row_sql), " WHERE c.id = ?1");
    sq_sql[S_CONV_INSERT] = sq_conv_insert_sql;
    sq_sql[S_BODY_INSERT] = sq_body_insert_sql;
    sq_sql[S_CONV_GET] = sq_conv_get_sql;
    sq_sql[S_CONV_GET_EXT] = sq_conv_get_ext_sql;
    sq_sql[S_CONV_GET_ROW] = sq_conv_get_row_sql;
    /* S_CONV_GET and, after the conversation's columns, its outbox mark and the
     * id of the mark's event if it still waits for its data (sqlite_conv_render) */
    store_sql_cat(sq_conv_get_outbox_sql, sizeof(sq_conv_get_outbox_sql), sq_conv_select);
    store_sql_cat(sq_conv_get_outbox_sql, sizeof(sq_conv_get_outbox_sql),
                  ", c.webhook_lazy_seq, (SELECT e.id FROM webhook_events e WHERE e.seq = c.webhook_lazy_seq"
                  " AND e.data = x'')");
    store_sql_cat(sq_conv_get_outbox_sql, sizeof(sq_conv_get_outbox_sql), SQ_CONV_FROM);
    store_sql_cat(sq_conv_get_outbox_sql, sizeof(sq_conv_get_outbox_sql), " WHERE c.uuid = ?1 AND c.org_uuid = ?2");
    sq_sql[S_CONV_GET_OUTBOX] = sq_conv_get_outbox_sql;
    sq_webhooks_sql_init();
}
