/* people_admin.c - organization administration in the SQLite backend: an organization's name, changing and deleting users, changing teams (beyond.md §4). */
#include "store/sqlite/sq.h"

#include <stdio.h>
#include <string.h>

store_rc_t sqlite_org_get(store_t *base, const char *org_uuid, store_org_t *out)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid)
        return STORE_ERROR;
    return sq_get(c, S_ORG_GET, org_uuid, NULL, &store_shape_org, out, __func__);
}

/* Opens a write transaction and loads user_uuid (canonical form into id) of
 * org into *u. STORE_OK with the transaction open; otherwise nothing is open
 * and the answer is NOT_FOUND (no such live user, or not a UUID) or ERROR. */
static store_rc_t sq_user_begin(sq_conn_t *c, const char *org, const char *user_uuid, uuid_str_t id, store_user_t *u,
                                const char *fn)
{
    if (!uuid_parse(user_uuid, id))
        return STORE_NOT_FOUND;
    if (sq_tx_begin(c, fn) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_get(c, S_USER_BY_UUID, org, id, &store_shape_user, u, fn);
    if (r != STORE_OK)
        sq_tx_rollback(c);
    return r;
}

/* STORE_CONFLICT when user u is its organization's only admin, else STORE_OK
 * (or STORE_ERROR), inside the caller's write transaction. */
static store_rc_t sq_last_admin(sq_conn_t *c, const store_user_t *u, const char *fn)
{
    if (strcmp(u->role, "admin") != 0)
        return STORE_OK;
    int64_t admins = 0;
    store_rc_t r = sq_one_int(c, S_ADMIN_COUNT, u->org_uuid, NULL, &admins, fn);
    return r == STORE_OK && admins <= 1 ? STORE_CONFLICT : r;
}

/* Team memberships of user in org: joins add (checking each is a team of
 * org: STORE_ERROR, logged, otherwise), leaves remove, sets primary, then
 * makes sure the primary team is one the user is in and that one is left
 * (FORBIDDEN otherwise). Inside the caller's transaction. */
static store_rc_t sq_user_teams_change(sq_conn_t *c, const char *org, const char *user, const store_user_change_t *ch,
                                       const char *fn)
{
    store_rc_t r = STORE_OK;
    for (size_t i = 0; r == STORE_OK && i < ch->n_add; i++) {
        r = sq_get(c, S_TEAM_BY_UUID, org, ch->teams_add[i], &store_shape_uuid, NULL, fn);
        if (r == STORE_NOT_FOUND) {
            fprintf(stderr, "parley: store %s: team %s is not the organization's\n", fn, ch->teams_add[i]);
            r = STORE_ERROR;
        }
        if (r == STORE_OK) {
            const sq_param_t m[] = {SQ_TEXT(ch->teams_add[i]), SQ_TEXT(user)};
            r = sq_run(c, S_MEMBER_INSERT, SQ_INSERT, m, SQ_NPARAMS(m), fn);
        }
    }
    for (size_t i = 0; r == STORE_OK && i < ch->n_remove; i++) {
        const sq_param_t m[] = {SQ_TEXT(ch->teams_remove[i]), SQ_TEXT(user)};
        r = sq_run(c, S_MEMBER_DELETE, SQ_EXEC, m, SQ_NPARAMS(m), fn);
    }
    if (r == STORE_OK && ch->primary_team) {
        const sq_param_t p[] = {SQ_TEXT(user), SQ_TEXT(ch->primary_team)};
        r = sq_run(c, S_USER_SET_PRIMARY, SQ_EXEC, p, SQ_NPARAMS(p), fn);
    }
    if (r == STORE_OK && (ch->n_add || ch->n_remove || ch->primary_team)) {
        int64_t teams = 0;
        r = sq_one_int(c, S_MEMBER_COUNT, user, NULL, &teams, fn);
        if (r == STORE_OK && teams == 0)
            r = STORE_FORBIDDEN;
        if (r == STORE_OK) {
            const sq_param_t p[] = {SQ_TEXT(user)};
            r = sq_run(c, S_USER_FIX_PRIMARY, SQ_EXEC, p, SQ_NPARAMS(p), fn);
        }
    }
    return r;
}

store_rc_t sqlite_user_update(store_t *base, const char *org_uuid, const char *user_uuid, const store_user_change_t *ch)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !user_uuid || !ch)
        return STORE_ERROR;
    uuid_str_t id;
    store_user_t u;
    store_rc_t r = sq_user_begin(c, org_uuid, user_uuid, id, &u, __func__);
    if (r != STORE_OK)
        return r;
    if (ch->role && strcmp(ch->role, "admin") != 0)
        r = sq_last_admin(c, &u, __func__);
    /* GET shows the owner's name with each conversation: their events not rendered yet keep the old one */
    if (r == STORE_OK && (ch->first_name || ch->last_name))
        r = sq_outbox_freeze_owned(c, org_uuid, id); /* webhooks.c */
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(org_uuid),      SQ_TEXT(id),          SQ_TEXT(ch->first_name),
                                SQ_TEXT(ch->last_name), SQ_TEXT(ch->bot_name), SQ_INT(ch->deals_enabled),
                                SQ_TEXT(ch->role),      SQ_TEXT(ch->seat_type)};
        r = sq_run(c, S_USER_UPDATE, SQ_CHANGE, p, SQ_NPARAMS(p), __func__);
    }
    if (r == STORE_OK)
        r = sq_user_teams_change(c, org_uuid, id, ch, __func__);
    return sq_tx_end(c, r, __func__);
}

store_rc_t sqlite_user_delete(store_t *base, const char *org_uuid, const char *user_uuid, int64_t now)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !user_uuid)
        return STORE_ERROR;
    uuid_str_t id;
    store_user_t u;
    store_rc_t r = sq_user_begin(c, org_uuid, user_uuid, id, &u, __func__);
    if (r != STORE_OK)
        return r;
    r = sq_last_admin(c, &u, __func__);
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(id), SQ_INT(now)};
        r = sq_run(c, S_USER_DELETE, SQ_CHANGE, p, SQ_NPARAMS(p), __func__);
    }
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(id), SQ_INT(now)};
        r = sq_run(c, S_USER_KEYS_REVOKE, SQ_EXEC, p, SQ_NPARAMS(p), __func__);
    }
    if (r == STORE_OK) {
        const sq_param_t p[] = {SQ_TEXT(id)};
        r = sq_run(c, S_USER_MEMBERS_DELETE, SQ_EXEC, p, SQ_NPARAMS(p), __func__);
    }
    return sq_tx_end(c, r, __func__);
}

store_rc_t sqlite_team_update(store_t *base, const char *org_uuid, const char *team_uuid, const char *name,
                              const char *parent_uuid)
{
    sq_conn_t *c = sq_conn((sq_store_t *)base);
    if (!c || !org_uuid || !team_uuid)
        return STORE_ERROR;
    uuid_str_t id, parent = "";
    if (!uuid_parse(team_uuid, id) || (parent_uuid && parent_uuid[0] && !uuid_parse(parent_uuid, parent)))
        return STORE_NOT_FOUND;
    if (sq_tx_begin(c, __func__) != STORE_OK)
        return STORE_ERROR;
    store_rc_t r = sq_get(c, S_TEAM_BY_UUID, org_uuid, id, &store_shape_uuid, NULL, __func__);
    if (r == STORE_OK && parent[0]) {
        r = sq_get(c, S_TEAM_BY_UUID, org_uuid, parent, &store_shape_uuid, NULL, __func__);
        if (r == STORE_OK) { /* the team must not be the new parent or one of its ancestors */
            const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(parent), SQ_TEXT(id)};
            r = sq_one_row(c, S_TEAM_ANCESTOR, sq_bind(c, S_TEAM_ANCESTOR, p, SQ_NPARAMS(p), __func__), NULL, NULL,
                           __func__);
            r = r == STORE_OK ? STORE_FORBIDDEN : r == STORE_NOT_FOUND ? STORE_OK : r;
        }
    }
    if (r == STORE_OK && name) {
        const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(id), SQ_TEXT(name)};
        r = sq_run(c, S_TEAM_RENAME, SQ_INSERT, p, SQ_NPARAMS(p), __func__);
    }
    if (r == STORE_OK && parent_uuid) {
        const sq_param_t p[] = {SQ_TEXT(org_uuid), SQ_TEXT(id), SQ_TEXT(parent[0] ? parent : NULL)};
        r = sq_run(c, S_TEAM_SET_PARENT, SQ_EXEC, p, SQ_NPARAMS(p), __func__);
    }
    return sq_tx_end(c, r, __func__);
}
