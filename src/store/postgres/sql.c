/* sql.c - the SQL of the PostgreSQL backend's prepared statements, and the conversation statements generated from its column list. */
#include "store/postgres/pg.h"

#include "store/common_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_USER_COLS                                                                                                 \
    "u.uuid, u.org_uuid, coalesce(u.primary_team_uuid, ''), u.email, u.first_name, u.last_name, u.transcript_lang," \
    " u.role, u.created_at, coalesce(u.bot_name, ''), u.seat_type, u.deals_enabled"
#define PG_TEAM_COLS                                                                                                 \
    "t.uuid, t.org_uuid, coalesce(t.parent_team_uuid, ''), t.name, coalesce(t.domain, ''), t.created_at"
#define PG_KEY_COLS "k.id, k.org_uuid, k.user_uuid, coalesce(k.name, ''), k.last4, k.org_level, k.created_at, k.last_seen_at"
/* The columns scorecards.c reads into a scorecard_t / scorecard_item_t, in order. */
#define PG_SC_COLS                                                                                                 \
    "uuid, org_uuid, coalesce(team_uuid, '') AS team_uuid, title, all_teams, enabled, interaction_type,"           \
    " detailed_instructions, scorecard_prompt, expert_mode, is_default_template, criteria_json, created_at,"        \
    " updated_at"
#define PG_SCI_COLS                                                                                                \
    "uuid, org_uuid, scorecard_uuid, title, type, position, weight, version, expert_prompt, num_min, num_middle,"   \
    " num_max, min_criteria, middle_criteria, max_criteria, created_at, updated_at, deleted_at"

/* SQL of each prepared statement; the ones both backends share
 * (store/common_sql.h) and the conversation ones are set by pg_sql_init. */
const char *pg_sql[P__COUNT] = {
    [P_KEY_GET] = "SELECT " PG_KEY_COLS " FROM api_keys k WHERE k.org_uuid = $1 AND k.id = $2 AND k.revoked_at IS NULL",
    [P_KEY_LIST] = "SELECT " PG_KEY_COLS " FROM api_keys k WHERE k.org_uuid = $1 AND k.revoked_at IS NULL"
                   " AND ($2::text IS NULL OR k.user_uuid = $2) ORDER BY k.created_at, k.id",
    [P_ORG_DEFAULT_TEAM] = "SELECT coalesce(o.default_team_uuid, (SELECT t.uuid FROM teams t WHERE t.org_uuid = o.uuid"
                           " ORDER BY t.created_at, t.uuid LIMIT 1)) FROM organizations o WHERE o.uuid = $1",
    [P_TEAM_GET] = "SELECT " PG_TEAM_COLS " FROM teams t WHERE t.org_uuid = $1 AND t.uuid = $2",
    [P_TEAM_LIST] = "SELECT " PG_TEAM_COLS " FROM teams t WHERE t.org_uuid = $1 ORDER BY t.created_at, t.uuid",
    [P_TEAM_MEMBERS] = "SELECT " PG_USER_COLS " FROM team_members m JOIN users u ON u.uuid = m.user_uuid"
                       " WHERE m.team_uuid = $2 AND u.org_uuid = $1 AND u.deleted_at IS NULL ORDER BY u.created_at, u.uuid",
    [P_USER_TEAMS] = "SELECT " PG_TEAM_COLS " FROM team_members m JOIN teams t ON t.uuid = m.team_uuid"
                     " WHERE m.user_uuid = $2 AND t.org_uuid = $1 ORDER BY t.created_at, t.uuid",
    [P_USER_INSERT] = "INSERT INTO users(uuid, org_uuid, email, first_name, last_name, primary_team_uuid, role,"
                      " created_at, transcript_lang, bot_name, seat_type, deals_enabled)"
                      " VALUES ($1, $2, parley_ascii_lower($3), $4, $5, $6, $7, $8, coalesce($9, 'en'), $10,"
                      " coalesce($11, 'recording'), $12)",
    [P_MEMBER_INSERT] = "INSERT INTO team_members(team_uuid, user_uuid) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    [P_USER_BY_UUID] = "SELECT " PG_USER_COLS " FROM users u WHERE u.org_uuid = $1 AND u.uuid = $2 AND u.deleted_at IS NULL",
    [P_USER_BY_EMAIL] = "SELECT " PG_USER_COLS " FROM users u WHERE u.org_uuid = $1 AND u.email = parley_ascii_lower($2)"
                        " AND u.deleted_at IS NULL",
    [P_USER_ADMIN] = "SELECT " PG_USER_COLS " FROM users u WHERE u.org_uuid = $1 AND u.role = 'admin'"
                     " AND u.deleted_at IS NULL ORDER BY u.created_at, u.uuid LIMIT 1",
    [P_USER_LIST] = "SELECT " PG_USER_COLS " FROM users u WHERE u.org_uuid = $1 AND u.deleted_at IS NULL"
                    " ORDER BY u.created_at, u.uuid",
    [P_USER_LIST_ALL] = "SELECT " PG_USER_COLS " FROM users u WHERE u.org_uuid = $1 ORDER BY u.created_at, u.uuid",
    /* ---- organization administration (people_admin.c) ---- */
    /* serializes the organization's user and team changes (last admin, team cycles) */
    [P_ORG_LOCK] = "SELECT uuid FROM organizations WHERE uuid = $1 FOR UPDATE",
    /* NULL parameters keep the stored value; $5 '' clears bot_name; $6 < 0 keeps deals_enabled */
    [P_USER_UPDATE] = "UPDATE users SET first_name = coalesce($3, first_name), last_name = coalesce($4, last_name),"
                      " bot_name = CASE WHEN $5::text IS NULL THEN bot_name WHEN $5 = '' THEN NULL ELSE $5 END,"
                      " deals_enabled = CASE WHEN $6::int < 0 THEN deals_enabled ELSE $6::int <> 0 END,"
                      " role = coalesce($7, role), seat_type = coalesce($8, seat_type)"
                      " WHERE org_uuid = $1 AND uuid = $2 AND deleted_at IS NULL",
    /* ---- snippets (snippets.c) and the library (library.c) ---- */
    [P_SNIPPET_BY_CODE] = "SELECT uuid, org_uuid, user_uuid, conversation_uuid, share_code, title, notes, start_time,"
                          " end_time, duration, internal, notify_views, ref_char_start IS NOT NULL,"
                          " coalesce(ref_char_start, 0), coalesce(ref_char_end, 0), coalesce(ref_speaker_start, 0),"
                          " coalesce(ref_speaker_end, 0), coalesce(ref_version, ''), in_library, my_library,"
                          " coalesce(folder_uuid, ''), created_at FROM snippets WHERE share_code = $1",
    /* a folder made meanwhile by another transaction wins: no row comes back then */
    [P_FOLDER_INSERT] = "INSERT INTO library_folders(uuid, org_uuid, owner_uuid, parent_uuid, name, path, hidden,"
                        " user_uuid, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                        " ON CONFLICT (org_uuid, owner_uuid, path) DO NOTHING RETURNING uuid",
    [P_FOLDER_GET] = "SELECT uuid, org_uuid, owner_uuid, coalesce(parent_uuid, ''), user_uuid, name, path, hidden,"
                     " created_at, 0, 0 FROM library_folders WHERE org_uuid = $1 AND uuid = $2",
    /* $3 NULL: the top level; $4 true: hidden ones too */
    [P_FOLDER_CHILDREN] = "SELECT f.uuid, f.org_uuid, f.owner_uuid, coalesce(f.parent_uuid, ''), f.user_uuid, f.name,"
                          " f.path, f.hidden, f.created_at, (SELECT count(*) FROM snippets s WHERE s.org_uuid ="
                          " f.org_uuid AND s.folder_uuid = f.uuid AND s.in_library), (SELECT count(*) FROM"
                          " library_folders k WHERE k.org_uuid = f.org_uuid AND k.owner_uuid = f.owner_uuid AND"
                          " k.parent_uuid = f.uuid AND ($4::boolean OR NOT k.hidden)) FROM library_folders f"
                          " WHERE f.org_uuid = $1 AND f.owner_uuid = $2 AND (($3::text IS NULL AND f.parent_uuid IS"
                          " NULL) OR f.parent_uuid = $3) AND ($4::boolean OR NOT f.hidden) ORDER BY f.name, f.uuid",
    /* Ask Attention (ask.c): a transcript's index row and its segments in one
     * statement ($5: [{q: seq, s: start, e: end, t: text, v: tsvector literal}]) */
    [P_ASK_INDEX] = "WITH d AS (INSERT INTO transcript_index(conv_uuid, org_uuid, nseg, nwords)"
                    " VALUES ($1, $2, $3::integer, $4::bigint) RETURNING conv_uuid)"
                    " INSERT INTO transcript_segments(conv_uuid, seq, start_sec, end_sec, text, terms)"
                    " SELECT d.conv_uuid, (e ->> 'q')::integer, (e ->> 's')::double precision,"
                    " (e ->> 'e')::double precision, e ->> 't', (e ->> 'v')::tsvector"
                    " FROM d, jsonb_array_elements($5::jsonb) AS e",
    [P_ASK_CONV] = "SELECT c.uuid, c.title, c.user_uuid, c.is_private, coalesce(t.nseg, 0), coalesce(t.nwords, 0)"
                   " FROM conversations c LEFT JOIN transcript_index t ON t.conv_uuid = c.uuid"
                   " WHERE c.uuid = $1 AND c.org_uuid = $2",
    /* $3: the user of a user-level scope (NULL: org-level); $4: how many */
    [P_ASK_DEAL] = "SELECT c.uuid, c.title, c.user_uuid, c.is_private, coalesce(t.nseg, 0), coalesce(t.nwords, 0)"
                   " FROM conversations c LEFT JOIN transcript_index t ON t.conv_uuid = c.uuid"
                   " WHERE c.org_uuid = $1 AND NOT c.archived"
                   " AND ($3::text IS NULL OR NOT c.is_private OR c.user_uuid = $3)"
                   " AND (c.uuid IN (SELECT x.conv_uuid FROM conversation_deals x WHERE x.org_uuid = $1 AND x.deal_uuid = $2)"
                   " OR c.opportunity_uuid = $2)"
                   " ORDER BY c.created_at DESC, c.uuid DESC LIMIT $4::bigint",
    /* the segments of the conversations $1 (in that order) holding a term of $2 */
    [P_ASK_SEGS] = "SELECT w.k, s.seq, s.start_sec, s.end_sec, s.text"
                   " FROM unnest($1::text[]) WITH ORDINALITY AS w(id, k)"
                   " JOIN transcript_segments s ON s.conv_uuid = w.id"
                   " WHERE s.terms @@ $2::tsquery ORDER BY w.k, s.seq",
    /* scorecards (scorecards.c) */
    [P_SC_INSERT] = "INSERT INTO scorecards(uuid, org_uuid, title, team_uuid, all_teams, enabled, interaction_type,"
                    " detailed_instructions, scorecard_prompt, expert_mode, is_default_template, criteria_json,"
                    " created_at, updated_at) SELECT $1, $2, $3, $4, $5::boolean, $6::boolean, $7, $8, $9,"
                    " $10::boolean, $11::boolean, $12, $13::bigint, $13::bigint"
                    " WHERE $4::text IS NULL OR EXISTS (SELECT 1 FROM teams t WHERE t.uuid = $4 AND t.org_uuid = $2)",
    [P_SC_UPDATE] = "UPDATE scorecards SET title = $3, team_uuid = $4, all_teams = $5::boolean, enabled = $6::boolean,"
                    " interaction_type = $7, detailed_instructions = $8, scorecard_prompt = $9,"
                    " expert_mode = $10::boolean, is_default_template = $11::boolean, criteria_json = $12,"
                    " updated_at = $13::bigint WHERE uuid = $1 AND org_uuid = $2 AND ($4::text IS NULL OR EXISTS"
                    " (SELECT 1 FROM teams t WHERE t.uuid = $4 AND t.org_uuid = $2))",
    [P_SC_GET] = "SELECT " PG_SC_COLS " FROM scorecards WHERE org_uuid = $1 AND uuid = $2",
    /* the count in every row (and one row of NULLs when the page is empty) */
    [P_SC_PAGE] = "SELECT t.n, x.* FROM (SELECT count(*) AS n FROM scorecards WHERE org_uuid = $1) t LEFT JOIN LATERAL"
                  " (SELECT " PG_SC_COLS " FROM scorecards WHERE org_uuid = $1 ORDER BY created_at, uuid"
                  " LIMIT $2::bigint OFFSET $3::bigint) x ON true ORDER BY x.created_at, x.uuid",
    /* $4 < 0: after the scorecard's last live item; nothing when the scorecard is not the organization's */
    [P_SCI_INSERT] = "INSERT INTO scorecard_items(uuid, org_uuid, scorecard_uuid, title, type, position, weight, version,"
                     " expert_prompt, num_min, num_middle, num_max, min_criteria, middle_criteria, max_criteria,"
                     " created_at, updated_at) SELECT $1, $2, $3, $5, $6,"
                     " CASE WHEN $4::bigint >= 0 THEN $4::bigint ELSE (SELECT coalesce(max(i.position) + 1, 0)"
                     " FROM scorecard_items i WHERE i.scorecard_uuid = $3 AND i.deleted_at = 0) END,"
                     " $7::double precision, 1, $8, $9::double precision, $10::double precision,"
                     " $11::double precision, $12, $13, $14, $15::bigint, $15::bigint"
                     " WHERE EXISTS (SELECT 1 FROM scorecards s WHERE s.uuid = $3 AND s.org_uuid = $2)",
    [P_SCI_UPDATE] = "UPDATE scorecard_items SET title = $4, type = $5, position = $6::bigint,"
                     " weight = $7::double precision, version = version + 1, expert_prompt = $8,"
                     " num_min = $9::double precision, num_middle = $10::double precision,"
                     " num_max = $11::double precision, min_criteria = $12, middle_criteria = $13, max_criteria = $14,"
                     " updated_at = $15::bigint WHERE uuid = $1 AND org_uuid = $2 AND scorecard_uuid = $3"
                     " AND deleted_at = 0",
    [P_SCI_DELETE] = "UPDATE scorecard_items SET deleted_at = $4::bigint, updated_at = $4::bigint"
                     " WHERE uuid = $3 AND org_uuid = $1 AND scorecard_uuid = $2 AND deleted_at = 0",
    [P_SCI_GET] = "SELECT " PG_SCI_COLS " FROM scorecard_items WHERE org_uuid = $1 AND scorecard_uuid = $2"
                  " AND uuid = $3 AND ($4::boolean OR deleted_at = 0)",
    /* the scorecard's existence first (NULL item columns when it has no items) */
    [P_SCI_LIST] = "SELECT s.uuid, x.* FROM scorecards s LEFT JOIN LATERAL (SELECT " PG_SCI_COLS
                   " FROM scorecard_items i WHERE i.scorecard_uuid = s.uuid AND i.org_uuid = $1"
                   " AND ($3::boolean OR i.deleted_at = 0)) x ON true WHERE s.org_uuid = $1 AND s.uuid = $2"
                   " ORDER BY x.position, x.created_at, x.uuid",
    /* a result: the conversation locked (scope checks, owner, team, its results), the scorecard's existence */
    [P_SCR_CONV] = "SELECT c.user_uuid, c.is_private, coalesce(c.team_uuid, ''),"
                   " EXISTS (SELECT 1 FROM scorecards s WHERE s.uuid = $3 AND s.org_uuid = $2)"
                   " FROM conversations c WHERE c.uuid = $1 AND c.org_uuid = $2 FOR UPDATE OF c",
    [P_SCR_INSERT] = "INSERT INTO scorecard_results(uuid, org_uuid, scorecard_uuid, conversation_uuid, user_uuid,"
                     " team_uuid, summary, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint)",
    [P_SCR_ITEM_INSERT] = "INSERT INTO scorecard_result_items(result_uuid, item_uuid, org_uuid, scorecard_uuid,"
                          " user_uuid, team_uuid, created_at, description, score, weight)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, $8, $9::double precision, $10::double precision)",
    [P_SCR_DAILY] = "INSERT INTO scorecard_daily(org_uuid, scorecard_uuid, day, user_uuid, team_uuid, item_uuid, n,"
                    " total, lo, hi, wtotal, wsum) VALUES ($1, $2, $3::bigint, $4, $5, $6, 1, $7::double precision,"
                    " $7::double precision, $7::double precision, $7::double precision * $8::double precision,"
                    " $8::double precision)"
                    " ON CONFLICT (org_uuid, scorecard_uuid, day, user_uuid, team_uuid, item_uuid) DO UPDATE SET"
                    " n = scorecard_daily.n + 1, total = scorecard_daily.total + excluded.total,"
                    " lo = least(scorecard_daily.lo, excluded.lo), hi = greatest(scorecard_daily.hi, excluded.hi),"
                    " wtotal = scorecard_daily.wtotal + excluded.wtotal, wsum = scorecard_daily.wsum + excluded.wsum",
    /* the history (gi_history.c) */
    [P_GI_INSERT] = "INSERT INTO gi_history(uuid, org_uuid, user_uuid, title, result_uuid, prompt, synthesis, items_json,"
                    " conversations_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint)",
    [P_GI_PAGE] = "SELECT t.n, x.* FROM (SELECT count(*) AS n FROM gi_history WHERE org_uuid = $1 AND user_uuid = $2) t"
                  " LEFT JOIN LATERAL (SELECT uuid, org_uuid, user_uuid, title, result_uuid, prompt, synthesis,"
                  " items_json, conversations_json, created_at FROM gi_history WHERE org_uuid = $1 AND user_uuid = $2"
                  " ORDER BY created_at DESC, uuid DESC LIMIT $3::bigint OFFSET $4::bigint) x ON true"
                  " ORDER BY x.created_at DESC, x.uuid DESC",
    /* never older than the conversation's last entry: log order = commit order (as in SQLite) */
    [P_LOG_INSERT] = "INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                     " VALUES ($1, $2, $3, true, NULL, GREATEST($4::bigint, coalesce((SELECT max(created_at)"
                     " FROM workflow_logs WHERE conversation_uuid = $2), 0)))",
    /* a failure entry, only for a conversation of the organization */
    [P_LOG_FAIL] = "INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                   " SELECT $1, $2, $3, false, $4, GREATEST($5::bigint, coalesce((SELECT max(created_at)"
                   " FROM workflow_logs WHERE conversation_uuid = $2), 0))"
                   " WHERE EXISTS (SELECT 1 FROM conversations WHERE uuid = $2 AND org_uuid = $1)",
    [P_CONV_STATE] = "SELECT user_uuid, is_private, archived FROM conversations"
                     " WHERE uuid = $1 AND org_uuid = $2"
                     " FOR UPDATE",
    [P_CONV_SET_ARCHIVED] = "UPDATE conversations SET archived = $2, archived_at = $3 WHERE uuid = $1",
};

#define PG_COL(f, k) {#f, k, offsetof(conv_t, f)}

/* ---- the conversation statements ------------------------------------------------ */


/* Generated SQL (static storage, written once by pg_sql_init). */
char pg_conv_select[4096]; /* "c.uuid, …, c.transcript_text, u.email AS user_email, …" */
static char pg_conv_insert_sql[8192];
static char pg_conv_rewrite_sql[4096];
static char pg_conv_get_sql[4608];
static char pg_conv_get_ext_sql[4608];
static char pg_conv_each_sql[4608];

/* The shared statements with "$n" placeholders (static storage, written once by pg_sql_init). */
static char pg_common_sql[4096];

/* Appends sql to pg_common_sql (at *used) with each "?" before a digit made
 * "$", and returns the copy. Aborts when it does not fit, which would be a
 * programming error in the shared SQL, never a runtime condition. */
static const char *pg_dollars(const char *sql, size_t *used)
{
    size_t n = strlen(sql);
    if (*used + n + 1 > sizeof pg_common_sql) {
        fprintf(stderr, "parley: pg_common_sql is too small\n");
        abort();
    }
    char *out = pg_common_sql + *used;
    for (size_t i = 0; i <= n; i++)
        out[i] = sql[i] == '?' && sql[i + 1] >= '0' && sql[i + 1] <= '9' ? '$' : sql[i];
    *used += n + 1;
    return out;
}

/* Builds the shared statements' PostgreSQL text, the conversation SELECT
 * list and the statements using it. Can't fail. */
void pg_sql_init(void)
{
    size_t used = 0;
#define PG_COMMON(name, sql) pg_sql[P_##name] = pg_dollars(sql, &used);
    STORE_SQL_COMMON(PG_COMMON)
#undef PG_COMMON
    char cols[2048] = "", vals[1024] = "", num[16];
    store_sql_cat(pg_conv_rewrite_sql, sizeof(pg_conv_rewrite_sql), "UPDATE conversations SET ");
    int nset = 0;
    for (int i = 0; i < STORE_CONV_NCOLS; i++) {
        store_sql_cat(pg_conv_select, sizeof(pg_conv_select), "c.");
        store_sql_cat(pg_conv_select, sizeof(pg_conv_select), store_conv_cols[i].name);
        store_sql_cat(pg_conv_select, sizeof(pg_conv_select), ", ");
        if (i) {
            store_sql_cat(cols, sizeof(cols), ", ");
            store_sql_cat(vals, sizeof(vals), ", ");
        }
        store_sql_cat(cols, sizeof(cols), store_conv_cols[i].name);
        snprintf(num, sizeof num, "$%d", i + 1);
        store_sql_cat(vals, sizeof(vals), num);
        /* a change rewrites every column but the identity ($1 uuid, $2 org_uuid: the WHERE) */
        if (strcmp(store_conv_cols[i].name, "uuid") == 0 || strcmp(store_conv_cols[i].name, "org_uuid") == 0)
            continue;
        if (nset++)
            store_sql_cat(pg_conv_rewrite_sql, sizeof(pg_conv_rewrite_sql), ", ");
        store_sql_cat(pg_conv_rewrite_sql, sizeof(pg_conv_rewrite_sql), store_conv_cols[i].name);
        store_sql_cat(pg_conv_rewrite_sql, sizeof(pg_conv_rewrite_sql), " = ");
        store_sql_cat(pg_conv_rewrite_sql, sizeof(pg_conv_rewrite_sql), num);
    }
    store_sql_cat(pg_conv_rewrite_sql, sizeof(pg_conv_rewrite_sql), " WHERE uuid = $1 AND org_uuid = $2");
    store_sql_cat(pg_conv_select, sizeof(pg_conv_select),
           "u.email AS user_email, u.first_name AS user_first_name, u.last_name AS user_last_name,"
           " u.transcript_lang AS user_transcript_lang");

    /* One statement: the row, its participant emails (of $N+2, every participant) and its
     * `import` log entry ($N+1 = now). */
    char *ins = pg_conv_insert_sql;
    size_t cap = sizeof(pg_conv_insert_sql);
    store_sql_cat(ins, cap, "WITH c AS (INSERT INTO conversations(");
    store_sql_cat(ins, cap, cols);
    store_sql_cat(ins, cap, ") VALUES (");
    store_sql_cat(ins, cap, vals);
    store_sql_cat(ins, cap, ") RETURNING uuid, org_uuid), p AS (INSERT INTO conversation_participants(conv_uuid, org_uuid, email)"
                     " SELECT DISTINCT c.uuid, c.org_uuid, parley_ascii_lower(e.v ->> 'email') FROM c,"
                     " jsonb_array_elements(CASE WHEN jsonb_typeof(parley_try_jsonb($");
    snprintf(num, sizeof num, "%d", STORE_CONV_NCOLS + 2);
    store_sql_cat(ins, cap, num);
    store_sql_cat(ins, cap, "::text)) = 'array' THEN parley_try_jsonb($");
    store_sql_cat(ins, cap, num);
    store_sql_cat(ins, cap, "::text) ELSE '[]'::jsonb END) AS e(v) WHERE jsonb_typeof(e.v) = 'object'"
                     " AND jsonb_typeof(e.v -> 'email') = 'string' AND e.v ->> 'email' <> ''"
                     " ON CONFLICT DO NOTHING)"
                     " INSERT INTO workflow_logs(org_uuid, conversation_uuid, workflow_name, success, error, created_at)"
                     " SELECT c.org_uuid, c.uuid, 'import', true, NULL, $");
    snprintf(num, sizeof num, "%d", STORE_CONV_NCOLS + 1);
    store_sql_cat(ins, cap, num);
    store_sql_cat(ins, cap, "::bigint FROM c");

#define PG_CONV_FROM " FROM conversations c LEFT JOIN users u ON u.uuid = c.user_uuid"
    snprintf(pg_conv_get_sql, sizeof pg_conv_get_sql, "SELECT %s" PG_CONV_FROM " WHERE c.uuid = $1 AND c.org_uuid = $2",
             pg_conv_select);
    snprintf(pg_conv_get_ext_sql, sizeof pg_conv_get_ext_sql,
             "SELECT %s" PG_CONV_FROM " WHERE c.external_id = $1 AND c.org_uuid = $2", pg_conv_select);
    snprintf(pg_conv_each_sql, sizeof pg_conv_each_sql,
             "SELECT %s" PG_CONV_FROM " WHERE c.org_uuid = $1 AND ($2::boolean OR NOT c.archived)"
             " ORDER BY c.created_at, c.uuid",
             pg_conv_select);
    pg_sql[P_CONV_INSERT] = pg_conv_insert_sql;
    pg_sql[P_CONV_REWRITE] = pg_conv_rewrite_sql;
    pg_sql[P_CONV_GET] = pg_conv_get_sql;
    pg_sql[P_CONV_GET_EXT] = pg_conv_get_ext_sql;
    pg_sql[P_CONV_EACH] = pg_conv_each_sql;
    pg_webhooks_sql_init();
}
