/* common_sql.h - the statements whose SQL both backends share, written once with SQLite's ?n placeholders (PostgreSQL's pg_sql_init makes them $n). */
#ifndef PARLEY_STORE_COMMON_SQL_H
#define PARLEY_STORE_COMMON_SQL_H

/* X(NAME, sql) for each statement that both backends run with the same SQL
 * but for the placeholders: S_NAME in the SQLite backend (sq_sql), P_NAME in
 * the PostgreSQL one (pg_sql). The SQL uses "?n" for parameter n and no "?"
 * anywhere else (pg_sql_init turns every "?" before a digit into "$"). A
 * statement whose SQL differs between the backends (IFNULL or coalesce,
 * casts, ON CONFLICT, booleans) stays in each backend's sql.c. */
#define STORE_SQL_COMMON(X) \
    X(KEY_LOOKUP, "SELECT id, org_uuid, user_uuid, org_level, last_seen_at FROM api_keys" \
                  " WHERE hash = ?1 AND revoked_at IS NULL") \
    X(KEY_TOUCH, "UPDATE api_keys SET last_seen_at = ?2 WHERE id = ?1") \
    X(KEY_INSERT, "INSERT INTO api_keys(id, org_uuid, user_uuid, name, hash, last4, org_level, created_at)" \
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)") \
    X(KEY_REVOKE, "UPDATE api_keys SET revoked_at = ?3" \
                  " WHERE id = ?1 AND org_uuid = ?2 AND revoked_at IS NULL") \
    X(ORG_INSERT, "INSERT INTO organizations(uuid, name, default_team_uuid, created_at) VALUES (?1, ?2, ?3, ?4)") \
    X(ORG_BY_UUID, "SELECT uuid FROM organizations WHERE uuid = ?1") \
    X(ORG_BY_NAME, "SELECT uuid FROM organizations WHERE name = ?1") \
    X(TEAM_INSERT, "INSERT INTO teams(uuid, org_uuid, name, parent_team_uuid, created_at)" \
                   " VALUES (?1, ?2, ?3, ?4, ?5)") \
    X(TEAM_BY_UUID, "SELECT uuid FROM teams WHERE org_uuid = ?1 AND uuid = ?2") \
    X(TEAM_BY_NAME, "SELECT uuid FROM teams WHERE org_uuid = ?1 AND name = ?2") \
    X(ORG_GET, "SELECT uuid, name, created_at FROM organizations WHERE uuid = ?1") \
    X(ADMIN_COUNT, "SELECT count(*) FROM users WHERE org_uuid = ?1 AND role = 'admin' AND deleted_at IS NULL") \
    X(MEMBER_DELETE, "DELETE FROM team_members WHERE team_uuid = ?1 AND user_uuid = ?2") \
    X(MEMBER_COUNT, "SELECT count(*) FROM team_members WHERE user_uuid = ?1") \
    X(USER_SET_PRIMARY, "UPDATE users SET primary_team_uuid = ?2 WHERE uuid = ?1") \
    /* a primary team the user is no longer in gives way to its earliest remaining team */ \
    X(USER_FIX_PRIMARY, "UPDATE users SET primary_team_uuid = (SELECT t.uuid FROM team_members m JOIN teams t" \
                        " ON t.uuid = m.team_uuid WHERE m.user_uuid = ?1 ORDER BY t.created_at, t.uuid LIMIT 1)" \
                        " WHERE uuid = ?1 AND (primary_team_uuid IS NULL OR NOT EXISTS (SELECT 1 FROM team_members" \
                        " WHERE user_uuid = ?1 AND team_uuid = users.primary_team_uuid))") \
    X(USER_DELETE, "UPDATE users SET deleted_at = ?3 WHERE org_uuid = ?1 AND uuid = ?2 AND deleted_at IS NULL") \
    X(USER_KEYS_REVOKE, "UPDATE api_keys SET revoked_at = ?2 WHERE user_uuid = ?1 AND revoked_at IS NULL") \
    X(USER_MEMBERS_DELETE, "DELETE FROM team_members WHERE user_uuid = ?1") \
    X(TEAM_RENAME, "UPDATE teams SET name = ?3 WHERE org_uuid = ?1 AND uuid = ?2") \
    X(TEAM_SET_PARENT, "UPDATE teams SET parent_team_uuid = ?3 WHERE org_uuid = ?1 AND uuid = ?2") \
    /* a row when ?3 is team ?2 or one of its ancestors (UNION stops on a loop) */ \
    X(TEAM_ANCESTOR, "WITH RECURSIVE up(uuid, parent) AS (SELECT uuid, parent_team_uuid FROM teams" \
                     " WHERE org_uuid = ?1 AND uuid = ?2 UNION SELECT t.uuid, t.parent_team_uuid FROM teams t" \
                     " JOIN up ON t.uuid = up.parent) SELECT uuid FROM up WHERE uuid = ?3") \
    X(SNIPPET_INSERT, "INSERT INTO snippets(uuid, org_uuid, user_uuid, conversation_uuid, share_code, title, notes," \
                      " start_time, end_time, duration, internal, notify_views, ref_char_start, ref_char_end," \
                      " ref_speaker_start, ref_speaker_end, ref_version, in_library, my_library, folder_uuid," \
                      " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16," \
                      " ?17, ?18, ?19, ?20, ?21)") \
    X(FOLDER_BY_PATH, "SELECT uuid FROM library_folders WHERE org_uuid = ?1 AND owner_uuid = ?2 AND path = ?3") \
    X(ASK_DEAL_INSERT, "INSERT INTO conversation_deals(conv_uuid, org_uuid, deal_uuid) VALUES (?1, ?2, ?3)") \
    X(CONV_EXT_UUID, "SELECT uuid FROM conversations WHERE org_uuid = ?1 AND external_id = ?2")

#endif
