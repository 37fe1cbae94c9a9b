/* people.c - keys, organizations, users and teams in the SQLite backend. */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <string.h>

#include "lib/ptime.h"

/* ---- keys ------------------------------------------------------------------ */

store_rc_t sqlite_key_lookup(store_t *base, const key_hash_t hash, store_key_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !hash)
        return STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_KEY_LOOKUP, __func__);
    if (s)
        sqlite3_bind_blob(s, 1, hash, KEY_HASH_LEN, SQLITE_STATIC);
    return sq_one_row(c, S_KEY_LOOKUP, s, sq_row_key_lookup, out, __func__);
}

store_rc_t sqlite_key_touch(store_t *base, const char *key_id, int64_t now)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !key_id)
        return STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_KEY_TOUCH, __func__);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, key_id);
    sqlite3_bind_int64(s, 2, now);
    return sq_update(c, S_KEY_TOUCH, s, __func__);
}

/* The key's user must belong to org_uuid (NOT_FOUND otherwise); NULL means
 * the org's first admin. CONFLICT on a duplicate hash. */
store_rc_t sqlite_key_create(store_t *base, const char *org_uuid, const char *user_uuid, bool org_level,
                             const char *name, const key_hash_t hash, const char *last4, uuid_str_t id_out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !hash)
        return STORE_ERROR;
    uuid_str_t uid;
    if (user_uuid && !uuid_parse(user_uuid, uid))
        return STORE_NOT_FOUND;
    store_user_t u;
    store_rc_t r = user_uuid ? sq_get(c, S_USER_BY_UUID, org_uuid, uid, sq_row_user, &u, __func__)
                             : sq_get(c, S_USER_ADMIN, org_uuid, NULL, sq_row_user, &u, __func__);
    if (r != STORE_OK)
        return r;

    uuid_str_t id;
    uuid_v7(id);
    sqlite3_stmt *s = sq_stmt(c, S_KEY_INSERT, __func__);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, id);
    sq_bind_text(s, 2, org_uuid);
    sq_bind_text(s, 3, u.uuid);
    sq_bind_text(s, 4, name);
    sqlite3_bind_blob(s, 5, hash, KEY_HASH_LEN, SQLITE_STATIC);
    sq_bind_text(s, 6, last4 ? last4 : "");
    sqlite3_bind_int(s, 7, org_level ? 1 : 0);
    sqlite3_bind_int64(s, 8, ptime_now());
    if ((r = sq_insert(c, S_KEY_INSERT, s, __func__)) == STORE_OK)
        sq_out_uuid(id_out, id);
    return r;
}

store_rc_t sqlite_key_revoke(store_t *base, const char *org_uuid, const char *key_id)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !key_id)
        return STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_KEY_REVOKE, __func__);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, key_id);
    sq_bind_text(s, 2, org_uuid);
    sqlite3_bind_int64(s, 3, ptime_now());
    return sq_update(c, S_KEY_REVOKE, s, __func__);
}

/* A key id that is not a UUID is NOT_FOUND (nothing is queried). */
store_rc_t sqlite_key_get(store_t *base, const char *org_uuid, const char *key_id, store_key_info_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !key_id)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(key_id, id))
        return STORE_NOT_FOUND;
    return sq_get(c, S_KEY_GET, org_uuid, id, sq_row_key, out, __func__);
}

/* Calls cb for each live key of the org (or of one user), oldest first.
 * STORE_ERROR when cb stops or a step fails. */
store_rc_t sqlite_key_list(store_t *base, const char *org_uuid, const char *user_uuid, store_key_cb cb,
                           void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t uid;
    if (user_uuid && !uuid_parse(user_uuid, uid))
        return STORE_OK; /* no key belongs to a malformed user id */
    /* ?2 left unbound (NULL) lists every user's keys */
    return sq_list(c, S_KEY_LIST, org_uuid, user_uuid ? uid : NULL, (sq_cbs_t){.key = cb}, ctx, __func__);
}

/* ---- organizations, users, teams ---------------------------------------- */

/* Inserts a user row and its team membership (team may be ""), inside the
 * caller's transaction. lang NULL stores "en". */
static store_rc_t sq_user_insert(sq_conn_t *c, const char *uuid, const char *org, const char *email,
                                 const char *first, const char *last, const char *team, const char *role,
                                 const char *lang, int64_t now, const char *fn)
{
    sqlite3_stmt *s = sq_stmt(c, S_USER_INSERT, fn);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, uuid);
    sq_bind_text(s, 2, org);
    sq_bind_text(s, 3, email);
    sq_bind_text(s, 4, first);
    sq_bind_text(s, 5, last);
    sq_bind_text(s, 6, team[0] ? team : NULL);
    sq_bind_text(s, 7, role);
    sqlite3_bind_int64(s, 8, now);
    sq_bind_text(s, 9, lang);
    store_rc_t r = sq_insert(c, S_USER_INSERT, s, fn);
    if (r != STORE_OK || !team[0])
        return r;
    s = sq_stmt(c, S_MEMBER_INSERT, fn);
    if (!s)
        return STORE_ERROR;
    sq_bind_text(s, 1, team);
    sq_bind_text(s, 2, uuid);
    return sq_insert(c, S_MEMBER_INSERT, s, fn);
}

store_rc_t sqlite_org_create(store_t *base, const char *name, const char *admin_email, uuid_str_t org_out,
                             uuid_str_t admin_out, uuid_str_t team_out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !name || !admin_email)
        return STORE_ERROR;
    uuid_str_t org, team, admin;
    uuid_v7(org);
    uuid_v7(team);
    uuid_v7(admin);
    int64_t now = ptime_now();
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;

    store_rc_t r = STORE_ERROR;
    sqlite3_stmt *s = sq_stmt(c, S_ORG_INSERT, __func__);
    if (!s)
        goto fail;
    sq_bind_text(s, 1, org);
    sq_bind_text(s, 2, name);
    sq_bind_text(s, 3, team);
    sqlite3_bind_int64(s, 4, now);
    if ((r = sq_insert(c, S_ORG_INSERT, s, __func__)) != STORE_OK)
        goto fail;

    r = STORE_ERROR;
    if (!(s = sq_stmt(c, S_TEAM_INSERT, __func__)))
        goto fail;
    sq_bind_text(s, 1, team);
    sq_bind_text(s, 2, org);
    sq_bind_text(s, 3, name);
    sqlite3_bind_null(s, 4);
    sqlite3_bind_int64(s, 5, now);
    if ((r = sq_insert(c, S_TEAM_INSERT, s, __func__)) != STORE_OK)
        goto fail;
    if ((r = sq_user_insert(c, admin, org, admin_email, NULL, NULL, team, "admin", NULL, now, __func__)) != STORE_OK)
        goto fail;
    if ((r = sq_tx_commit(c, __func__)) != STORE_OK)
        return r;
    sq_out_uuid(org_out, org);
    sq_out_uuid(admin_out, admin);
    sq_out_uuid(team_out, team);
    return STORE_OK;
fail:
    sq_tx_rollback(c);
    return r;
}

store_rc_t sqlite_org_resolve(store_t *base, const char *uuid_or_name, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !uuid_or_name)
        return STORE_ERROR;
    return sq_resolve(c, S_ORG_BY_UUID, S_ORG_BY_NAME, NULL, uuid_or_name, sq_row_uuid, out, __func__);
}

/* NOT_FOUND when the org or the given team (of that org) does not exist;
 * CONFLICT on a duplicate email (case-insensitive) or uuid. The user joins
 * its primary team. */
store_rc_t sqlite_user_create(store_t *base, const store_user_new_t *u, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !u || !u->org_uuid || !u->email || !u->email[0])
        return STORE_ERROR;
    uuid_str_t uuid, team;
    if (u->uuid) {
        if (!uuid_parse(u->uuid, uuid)) {
            fprintf(stderr, "parley: store %s: not a uuid: %s\n", __func__, u->uuid);
            return STORE_ERROR;
        }
    } else {
        uuid_v7(uuid);
    }
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r;
    if (u->team_uuid) {
        uuid_str_t t;
        r = uuid_parse(u->team_uuid, t) ? sq_get(c, S_TEAM_BY_UUID, u->org_uuid, t, sq_row_uuid, team, __func__)
                                        : STORE_NOT_FOUND;
    } else {
        r = sq_get(c, S_ORG_DEFAULT_TEAM, u->org_uuid, NULL, sq_row_uuid, team, __func__);
    }
    if (r == STORE_OK)
        r = sq_user_insert(c, uuid, u->org_uuid, u->email, u->first_name, u->last_name, team,
                           u->role ? u->role : "member", u->transcript_lang, ptime_now(), __func__);
    if ((r = sq_tx_end(c, r, __func__)) != STORE_OK)
        return r;
    sq_out_uuid(out, uuid);
    return STORE_OK;
}

store_rc_t sqlite_user_resolve(store_t *base, const char *org_uuid, const char *uuid_or_email, store_user_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !uuid_or_email)
        return STORE_ERROR;
    return sq_resolve(c, S_USER_BY_UUID, S_USER_BY_EMAIL, org_uuid, uuid_or_email, sq_row_user, out, __func__);
}

store_rc_t sqlite_org_admin(store_t *base, const char *org_uuid, store_user_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid)
        return STORE_ERROR;
    return sq_get(c, S_USER_ADMIN, org_uuid, NULL, sq_row_user, out, __func__);
}

store_rc_t sqlite_user_list(store_t *base, const char *org_uuid, store_user_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    return sq_list(c, S_USER_LIST, org_uuid, NULL, (sq_cbs_t){.user = cb}, ctx, __func__);
}

store_rc_t sqlite_team_create(store_t *base, const char *org_uuid, const char *name, const char *parent_uuid,
                              const char *uuid, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !name)
        return STORE_ERROR;
    uuid_str_t team, parent = "";
    if (!uuid)
        uuid_v7(team);
    else if (!uuid_parse(uuid, team))
        return STORE_ERROR;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_get(c, S_ORG_BY_UUID, org_uuid, NULL, sq_row_uuid, NULL, __func__);
    if (r == STORE_OK && parent_uuid) {
        uuid_str_t p;
        r = uuid_parse(parent_uuid, p) ? sq_get(c, S_TEAM_BY_UUID, org_uuid, p, sq_row_uuid, parent, __func__)
                                       : STORE_NOT_FOUND;
    }
    if (r == STORE_OK) {
        sqlite3_stmt *s = sq_stmt(c, S_TEAM_INSERT, __func__);
        if (!s) {
            r = STORE_ERROR;
        } else {
            sq_bind_text(s, 1, team);
            sq_bind_text(s, 2, org_uuid);
            sq_bind_text(s, 3, name);
            sq_bind_text(s, 4, parent[0] ? parent : NULL);
            sqlite3_bind_int64(s, 5, ptime_now());
            r = sq_insert(c, S_TEAM_INSERT, s, __func__);
        }
    }
    if ((r = sq_tx_end(c, r, __func__)) != STORE_OK)
        return r;
    sq_out_uuid(out, team);
    return STORE_OK;
}

store_rc_t sqlite_team_resolve(store_t *base, const char *org_uuid, const char *uuid_or_name, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !uuid_or_name)
        return STORE_ERROR;
    return sq_resolve(c, S_TEAM_BY_UUID, S_TEAM_BY_NAME, org_uuid, uuid_or_name, sq_row_uuid, out, __func__);
}

/* A team id that is not a UUID is NOT_FOUND. */
store_rc_t sqlite_team_get(store_t *base, const char *org_uuid, const char *team_uuid, store_team_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !team_uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(team_uuid, id))
        return STORE_NOT_FOUND;
    return sq_get(c, S_TEAM_GET, org_uuid, id, sq_row_team, out, __func__);
}

store_rc_t sqlite_team_list(store_t *base, const char *org_uuid, store_team_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    return sq_list(c, S_TEAM_LIST, org_uuid, NULL, (sq_cbs_t){.team = cb}, ctx, __func__);
}

/* NOT_FOUND when team_uuid is not a team of org_uuid (malformed ids included). */
store_rc_t sqlite_team_members(store_t *base, const char *org_uuid, const char *team_uuid, store_user_cb cb,
                               void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !team_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(team_uuid, id))
        return STORE_NOT_FOUND;
    store_rc_t r = sq_get(c, S_TEAM_BY_UUID, org_uuid, id, sq_row_uuid, NULL, __func__);
    if (r != STORE_OK)
        return r;
    return sq_list(c, S_TEAM_MEMBERS, org_uuid, id, (sq_cbs_t){.user = cb}, ctx, __func__);
}

/* An unknown (or malformed) user simply has no teams: STORE_OK, no calls. */
store_rc_t sqlite_user_teams(store_t *base, const char *org_uuid, const char *user_uuid, store_team_cb cb,
                             void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !user_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(user_uuid, id))
        return STORE_OK;
    return sq_list(c, S_USER_TEAMS, org_uuid, id, (sq_cbs_t){.team = cb}, ctx, __func__);
}
