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
    const sq_param_t p[] = {SQ_BLOB(hash, KEY_HASH_LEN)};
    sq_into_t into = {&store_shape_key_lookup, out};
    return sq_one_row(c, S_KEY_LOOKUP, sq_bind(c, S_KEY_LOOKUP, p, SQ_NPARAMS(p), __func__), sq_row_into,
                      out ? &into : NULL, __func__);
}

store_rc_t sqlite_key_touch(store_t *base, const char *key_id, int64_t now)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !key_id)
        return STORE_ERROR;
    const sq_param_t p[] = {SQ_TEXT(key_id), SQ_INT(now)};
    return sq_run(c, S_KEY_TOUCH, SQ_CHANGE, p, SQ_NPARAMS(p), __func__);
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
    store_rc_t r = user_uuid ? sq_get(c, S_USER_BY_UUID, org_uuid, uid, &store_shape_user, &u, __func__)
                             : sq_get(c, S_USER_ADMIN, org_uuid, NULL, &store_shape_user, &u, __func__);
    if (r != STORE_OK)
        return r;

    uuid_str_t id;
    uuid_v7(id);
    const sq_param_t p[] = {SQ_TEXT(id),   SQ_TEXT(org_uuid),          SQ_TEXT(u.uuid),         SQ_TEXT(name),
                            SQ_BLOB(hash, KEY_HASH_LEN), SQ_TEXT(last4 ? last4 : ""), SQ_INT(org_level ? 1 : 0),
                            SQ_INT(ptime_now_ms())};
    if ((r = sq_run(c, S_KEY_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), __func__)) == STORE_OK)
        sq_out_uuid(id_out, id);
    return r;
}

store_rc_t sqlite_key_revoke(store_t *base, const char *org_uuid, const char *key_id)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !key_id)
        return STORE_ERROR;
    const sq_param_t p[] = {SQ_TEXT(key_id), SQ_TEXT(org_uuid), SQ_INT(ptime_now_ms())};
    return sq_run(c, S_KEY_REVOKE, SQ_CHANGE, p, SQ_NPARAMS(p), __func__);
}

/* A key id that is not a UUID is NOT_FOUND (nothing is queried). */
store_rc_t sqlite_key_get(store_t *base, const char *org_uuid, const char *key_id, store_key_info_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !key_id)
        return STORE_ERROR;
    return sq_get_uuid(c, S_KEY_GET, org_uuid, key_id, &store_shape_key, out, __func__);
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
    return sq_list(c, S_KEY_LIST, org_uuid, user_uuid ? uid : NULL, (store_cbs_t){.key = cb}, ctx, __func__);
}

/* ---- organizations, users, teams ---------------------------------------- */

/* Inserts user u (its uuid, resolved primary team — may be "" — and time
 * given apart) and its team memberships (the primary team and
 * u->more_teams), inside the caller's transaction. NOT_FOUND when one of
 * more_teams is not a team of u->org_uuid. */
static store_rc_t sq_user_insert(sq_conn_t *c, const store_user_new_t *u, const char *uuid, const char *team,
                                 int64_t now, const char *fn)
{
    const sq_param_t p[] = {SQ_TEXT(uuid),          SQ_TEXT(u->org_uuid),   SQ_TEXT(u->email),
                            SQ_TEXT(u->first_name), SQ_TEXT(u->last_name),  SQ_TEXT(team[0] ? team : NULL),
                            SQ_TEXT(u->role ? u->role : "member"),          SQ_INT(now),
                            SQ_TEXT(u->transcript_lang), SQ_TEXT(u->bot_name && u->bot_name[0] ? u->bot_name : NULL),
                            SQ_TEXT(u->seat_type),  SQ_INT(u->deals_enabled ? 1 : 0)};
    store_rc_t r = sq_run(c, S_USER_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), fn);
    if (r == STORE_OK && team[0]) {
        const sq_param_t m[] = {SQ_TEXT(team), SQ_TEXT(uuid)};
        r = sq_run(c, S_MEMBER_INSERT, SQ_INSERT, m, SQ_NPARAMS(m), fn);
    }
    for (size_t i = 0; r == STORE_OK && i < u->n_more_teams; i++) {
        r = sq_get(c, S_TEAM_BY_UUID, u->org_uuid, u->more_teams[i], &store_shape_uuid, NULL, fn);
        if (r == STORE_OK) {
            const sq_param_t m[] = {SQ_TEXT(u->more_teams[i]), SQ_TEXT(uuid)};
            r = sq_run(c, S_MEMBER_INSERT, SQ_INSERT, m, SQ_NPARAMS(m), fn);
        }
    }
    return r;
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
    int64_t now = ptime_now_ms();
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;

    const sq_param_t op[] = {SQ_TEXT(org), SQ_TEXT(name), SQ_TEXT(team), SQ_INT(now)};
    store_rc_t r = sq_run(c, S_ORG_INSERT, SQ_INSERT, op, SQ_NPARAMS(op), __func__);
    if (r == STORE_OK) {
        const sq_param_t tp[] = {SQ_TEXT(team), SQ_TEXT(org), SQ_TEXT(name), SQ_TEXT(NULL), SQ_INT(now)};
        r = sq_run(c, S_TEAM_INSERT, SQ_INSERT, tp, SQ_NPARAMS(tp), __func__);
    }
    if (r == STORE_OK) {
        store_user_new_t au = {.org_uuid = org, .email = admin_email, .role = "admin"};
        r = sq_user_insert(c, &au, admin, team, now, __func__);
    }
    if ((r = sq_tx_end(c, r, __func__)) != STORE_OK)
        return r;
    sq_out_uuid(org_out, org);
    sq_out_uuid(admin_out, admin);
    sq_out_uuid(team_out, team);
    return STORE_OK;
}

store_rc_t sqlite_org_resolve(store_t *base, const char *uuid_or_name, uuid_str_t out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !uuid_or_name)
        return STORE_ERROR;
    return sq_resolve(c, S_ORG_BY_UUID, S_ORG_BY_NAME, NULL, uuid_or_name, &store_shape_uuid, out, __func__);
}

/* NOT_FOUND when the org or one of the given teams (of that org) does not
 * exist; CONFLICT on a duplicate email (case-insensitive) or uuid. The user
 * joins its primary team and u->more_teams. */
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
        r = uuid_parse(u->team_uuid, t) ? sq_get(c, S_TEAM_BY_UUID, u->org_uuid, t, &store_shape_uuid, team, __func__)
                                        : STORE_NOT_FOUND;
    } else {
        r = sq_get(c, S_ORG_DEFAULT_TEAM, u->org_uuid, NULL, &store_shape_uuid, team, __func__);
    }
    if (r == STORE_OK)
        r = sq_user_insert(c, u, uuid, team, ptime_now_ms(), __func__);
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
    return sq_resolve(c, S_USER_BY_UUID, S_USER_BY_EMAIL, org_uuid, uuid_or_email, &store_shape_user, out, __func__);
}

store_rc_t sqlite_org_admin(store_t *base, const char *org_uuid, store_user_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid)
        return STORE_ERROR;
    return sq_get(c, S_USER_ADMIN, org_uuid, NULL, &store_shape_user, out, __func__);
}

store_rc_t sqlite_user_list(store_t *base, const char *org_uuid, bool with_deleted, store_user_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    return sq_list(c, with_deleted ? S_USER_LIST_ALL : S_USER_LIST, org_uuid, NULL, (store_cbs_t){.user = cb}, ctx,
                   __func__);
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
    store_rc_t r = sq_get(c, S_ORG_BY_UUID, org_uuid, NULL, &store_shape_uuid, NULL, __func__);
    if (r == STORE_OK && parent_uuid) {
        uuid_str_t p;
        r = uuid_parse(parent_uuid, p) ? sq_get(c, S_TEAM_BY_UUID, org_uuid, p, &store_shape_uuid, parent, __func__)
                                       : STORE_NOT_FOUND;
    }
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(team), SQ_TEXT(org_uuid), SQ_TEXT(name), SQ_TEXT(parent[0] ? parent : NULL),
                                SQ_INT(ptime_now_ms())};
        r = sq_run(c, S_TEAM_INSERT, SQ_INSERT, p, SQ_NPARAMS(p), __func__);
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
    return sq_resolve(c, S_TEAM_BY_UUID, S_TEAM_BY_NAME, org_uuid, uuid_or_name, &store_shape_uuid, out, __func__);
}

/* A team id that is not a UUID is NOT_FOUND. */
store_rc_t sqlite_team_get(store_t *base, const char *org_uuid, const char *team_uuid, store_team_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !team_uuid)
        return STORE_ERROR;
    return sq_get_uuid(c, S_TEAM_GET, org_uuid, team_uuid, &store_shape_team, out, __func__);
}

store_rc_t sqlite_team_list(store_t *base, const char *org_uuid, store_team_cb cb, void *ctx)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !cb)
        return STORE_ERROR;
    return sq_list(c, S_TEAM_LIST, org_uuid, NULL, (store_cbs_t){.team = cb}, ctx, __func__);
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
    store_rc_t r = sq_get(c, S_TEAM_BY_UUID, org_uuid, id, &store_shape_uuid, NULL, __func__);
    if (r != STORE_OK)
        return r;
    return sq_list(c, S_TEAM_MEMBERS, org_uuid, id, (store_cbs_t){.user = cb}, ctx, __func__);
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
    return sq_list(c, S_USER_TEAMS, org_uuid, id, (store_cbs_t){.team = cb}, ctx, __func__);
}
