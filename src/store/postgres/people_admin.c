/* people_admin.c - organization administration in the PostgreSQL backend: an organization's name, changing and deleting users, changing teams (beyond.md §4). */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <string.h>

store_rc_t postgres_org_get(store_t *base, const char *org_uuid, store_org_t *out)
{
    if (!org_uuid)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    return pg_get((pg_store_t *)base, P_ORG_GET, org_uuid, NULL, &store_shape_org, out, __func__);
}

/* Locks organization org for the rest of the transaction (its user and team
 * changes then run one at a time) and loads user (NULL: none) into *u.
 * NOT_FOUND when either is missing. */
static store_rc_t pg_admin_begin(pg_conn_t *c, const char *org, const char *user, store_user_t *u, const char *fn)
{
    const char *ov[] = {org};
    store_rc_t r = pg_lookup(c, P_ORG_LOCK, 1, ov, &store_shape_uuid, NULL, fn);
    if (r == STORE_OK && user) {
        const char *uv[] = {org, user};
        r = pg_lookup(c, P_USER_BY_UUID, 2, uv, &store_shape_user, u, fn);
    }
    return r;
}

/* STORE_CONFLICT when user u is its organization's only admin, else STORE_OK
 * (or STORE_ERROR), inside the caller's transaction (which holds the lock). */
static store_rc_t pg_last_admin(pg_conn_t *c, const store_user_t *u, const char *fn)
{
    if (strcmp(u->role, "admin") != 0)
        return STORE_OK;
    int64_t admins = 0;
    const char *v[] = {u->org_uuid};
    store_rc_t r = pg_one_int(c, P_ADMIN_COUNT, 1, v, &admins, fn);
    return r == STORE_OK && admins <= 1 ? STORE_CONFLICT : r;
}

typedef struct pg_user_update_arg {
    const char *org, *user;
    const store_user_change_t *ch;
} pg_user_update_arg_t;

/* Team memberships (same rules as SQLite's sq_user_teams_change). */
static store_rc_t pg_user_teams_change(pg_conn_t *c, const char *org, const char *user, const store_user_change_t *ch,
                                       const char *fn)
{
    store_rc_t r = STORE_OK;
    for (size_t i = 0; r == STORE_OK && i < ch->n_add; i++) {
        const char *tv[] = {org, ch->teams_add[i]};
        r = pg_lookup(c, P_TEAM_BY_UUID, 2, tv, &store_shape_uuid, NULL, fn);
        if (r == STORE_NOT_FOUND) {
            fprintf(stderr, "parley: store %s: team %s is not the organization's\n", fn, ch->teams_add[i]);
            r = STORE_ERROR;
        }
        if (r == STORE_OK) {
            const char *mv[] = {ch->teams_add[i], user};
            r = pg_write(c, P_MEMBER_INSERT, 2, mv, NULL, NULL, false, fn);
        }
    }
    for (size_t i = 0; r == STORE_OK && i < ch->n_remove; i++) {
        const char *mv[] = {ch->teams_remove[i], user};
        r = pg_write(c, P_MEMBER_DELETE, 2, mv, NULL, NULL, false, fn);
    }
    if (r == STORE_OK && ch->primary_team) {
        const char *pv[] = {user, ch->primary_team};
        r = pg_write(c, P_USER_SET_PRIMARY, 2, pv, NULL, NULL, false, fn);
    }
    if (r == STORE_OK && (ch->n_add || ch->n_remove || ch->primary_team)) {
        int64_t teams = 0;
        const char *uv[] = {user};
        r = pg_one_int(c, P_MEMBER_COUNT, 1, uv, &teams, fn);
        if (r == STORE_OK && teams == 0)
            r = STORE_FORBIDDEN;
        if (r == STORE_OK)
            r = pg_write(c, P_USER_FIX_PRIMARY, 1, uv, NULL, NULL, false, fn);
    }
    return r;
}

static store_rc_t pg_user_update_body(pg_conn_t *c, void *arg)
{
    pg_user_update_arg_t *a = arg;
    const store_user_change_t *ch = a->ch;
    const char *fn = "postgres_user_update";
    store_user_t u;
    store_rc_t r = pg_admin_begin(c, a->org, a->user, &u, fn);
    if (r == STORE_OK && ch->role && strcmp(ch->role, "admin") != 0)
        r = pg_last_admin(c, &u, fn);
    if (r == STORE_OK) {
        char deals[24];
        const char *v[] = {a->org,     a->user,  ch->first_name, ch->last_name, ch->bot_name,
                           pg_i64(deals, ch->deals_enabled), ch->role, ch->seat_type};
        r = pg_write(c, P_USER_UPDATE, 8, v, NULL, NULL, true, fn);
    }
    if (r == STORE_OK)
        r = pg_user_teams_change(c, a->org, a->user, ch, fn);
    return r;
}

store_rc_t postgres_user_update(store_t *base, const char *org_uuid, const char *user_uuid,
                                const store_user_change_t *ch)
{
    if (!org_uuid || !user_uuid || !ch)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(user_uuid, id) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    const char *texts[] = {ch->first_name, ch->last_name, ch->bot_name, ch->role, ch->seat_type, ch->primary_team};
    if (!pg_utf8_all(texts, sizeof texts / sizeof texts[0]) || !pg_utf8_all(ch->teams_add, ch->n_add) ||
        !pg_utf8_all(ch->teams_remove, ch->n_remove))
        return STORE_ERROR;
    pg_user_update_arg_t a = {org_uuid, id, ch};
    return pg_run_tx((pg_store_t *)base, pg_user_update_body, &a, __func__);
}

typedef struct pg_user_delete_arg {
    const char *org, *user;
    int64_t now;
} pg_user_delete_arg_t;

static store_rc_t pg_user_delete_body(pg_conn_t *c, void *arg)
{
    pg_user_delete_arg_t *a = arg;
    const char *fn = "postgres_user_delete";
    store_user_t u;
    char now[24];
    pg_i64(now, a->now);
    store_rc_t r = pg_admin_begin(c, a->org, a->user, &u, fn);
    if (r == STORE_OK)
        r = pg_last_admin(c, &u, fn);
    if (r == STORE_OK) {
        const char *v[] = {a->org, a->user, now};
        r = pg_write(c, P_USER_DELETE, 3, v, NULL, NULL, true, fn);
    }
    if (r == STORE_OK) {
        const char *v[] = {a->user, now};
        r = pg_write(c, P_USER_KEYS_REVOKE, 2, v, NULL, NULL, false, fn);
    }
    if (r == STORE_OK) {
        const char *v[] = {a->user};
        r = pg_write(c, P_USER_MEMBERS_DELETE, 1, v, NULL, NULL, false, fn);
    }
    return r;
}

store_rc_t postgres_user_delete(store_t *base, const char *org_uuid, const char *user_uuid, int64_t now)
{
    if (!org_uuid || !user_uuid)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(user_uuid, id) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    pg_user_delete_arg_t a = {org_uuid, id, now};
    return pg_run_tx((pg_store_t *)base, pg_user_delete_body, &a, __func__);
}

typedef struct pg_team_update_arg {
    const char *org, *team, *name, *parent_in;
    const char *parent;        /* canonical, or "" */
} pg_team_update_arg_t;

static store_rc_t pg_team_update_body(pg_conn_t *c, void *arg)
{
    pg_team_update_arg_t *a = arg;
    const char *fn = "postgres_team_update";
    store_rc_t r = pg_admin_begin(c, a->org, NULL, NULL, fn);
    if (r == STORE_OK) {
        const char *tv[] = {a->org, a->team};
        r = pg_lookup(c, P_TEAM_BY_UUID, 2, tv, &store_shape_uuid, NULL, fn);
    }
    if (r == STORE_OK && a->parent[0]) {
        const char *pv[] = {a->org, a->parent};
        r = pg_lookup(c, P_TEAM_BY_UUID, 2, pv, &store_shape_uuid, NULL, fn);
        if (r == STORE_OK) { /* the team must not be the new parent or one of its ancestors */
            const char *av[] = {a->org, a->parent, a->team};
            r = pg_lookup(c, P_TEAM_ANCESTOR, 3, av, &store_shape_uuid, NULL, fn);
            r = r == STORE_OK ? STORE_FORBIDDEN : r == STORE_NOT_FOUND ? STORE_OK : r;
        }
    }
    if (r == STORE_OK && a->name) {
        const char *v[] = {a->org, a->team, a->name};
        r = pg_write(c, P_TEAM_RENAME, 3, v, NULL, NULL, false, fn);
    }
    if (r == STORE_OK && a->parent_in) {
        const char *v[] = {a->org, a->team, a->parent[0] ? a->parent : NULL};
        r = pg_write(c, P_TEAM_SET_PARENT, 3, v, NULL, NULL, false, fn);
    }
    return r;
}

store_rc_t postgres_team_update(store_t *base, const char *org_uuid, const char *team_uuid, const char *name,
                                const char *parent_uuid)
{
    if (!org_uuid || !team_uuid)
        return STORE_ERROR;
    uuid_str_t id, parent = "";
    if (!uuid_parse(team_uuid, id) || !pg_utf8_ok(org_uuid) ||
        (parent_uuid && parent_uuid[0] && !uuid_parse(parent_uuid, parent)))
        return STORE_NOT_FOUND;
    if (name && !pg_utf8_ok(name))
        return STORE_ERROR;
    pg_team_update_arg_t a = {org_uuid, id, name, parent_uuid, parent};
    return pg_run_tx((pg_store_t *)base, pg_team_update_body, &a, __func__);
}
