/* people.c - keys, organizations, users and teams in the PostgreSQL backend. */
#include "store/postgres/pg.h"

#include <stdio.h>
#include <string.h>

#include "lib/ptime.h"

/* ---- keys ------------------------------------------------------------------------------ */

typedef struct pg_key_lookup_arg {
    const uint8_t *hash;
    store_key_t *out;
} pg_key_lookup_arg_t;

static store_rc_t pg_key_lookup_body(pg_conn_t *c, void *arg)
{
    pg_key_lookup_arg_t *a = arg;
    const char *vals[] = {(const char *)a->hash};
    const int lens[] = {KEY_HASH_LEN}, fmts[] = {1};
    PGresult *res = pg_exec(c, P_KEY_LOOKUP, 1, vals, lens, fmts, NULL, "postgres_key_lookup");
    pg_into_t into = {&store_shape_key_lookup, a->out};
    return pg_one(res, pg_row_into, a->out ? &into : NULL);
}

store_rc_t postgres_key_lookup(store_t *base, const key_hash_t hash, store_key_t *out)
{
    if (!hash)
        return STORE_ERROR;
    pg_key_lookup_arg_t a = {hash, out};
    return pg_run((pg_store_t *)base, pg_key_lookup_body, &a, __func__);
}

store_rc_t postgres_key_touch(store_t *base, const char *key_id, int64_t now)
{
    if (!key_id)
        return STORE_ERROR;
    if (!pg_utf8_ok(key_id))
        return STORE_NOT_FOUND;
    char t[24];
    /* idempotent: runs in its own transaction so a lost connection before COMMIT is retried */
    pg_vals_arg_t a = {P_KEY_TOUCH, 2, {key_id, pg_i64(t, now)}, true, true};
    return pg_run((pg_store_t *)base, pg_vals_write_body, &a, __func__);
}

typedef struct pg_key_create_arg {
    const char *org, *user, *name, *last4;
    bool org_level;
    const uint8_t *hash;
    uuid_str_t id;
} pg_key_create_arg_t;

static store_rc_t pg_key_create_body(pg_conn_t *c, void *arg)
{
    pg_key_create_arg_t *a = arg;
    store_user_t u;
    const char *uv[] = {a->org, a->user};
    store_rc_t r = pg_lookup(c, a->user ? P_USER_BY_UUID : P_USER_ADMIN, a->user ? 2 : 1, uv, &store_shape_user, &u,
                             "postgres_key_create");
    if (r != STORE_OK)
        return r;
    char now[24];
    const char *vals[] = {a->id, a->org, u.uuid, a->name, (const char *)a->hash, a->last4 ? a->last4 : "",
                          a->org_level ? "t" : "f", pg_i64(now, ptime_now_ms())};
    const int lens[] = {0, 0, 0, 0, KEY_HASH_LEN, 0, 0, 0};
    const int fmts[] = {0, 0, 0, 0, 1, 0, 0, 0};
    if (pg_tx_begin(c, "postgres_key_create") != STORE_OK)
        return STORE_ERROR;
    r = pg_write(c, P_KEY_INSERT, 8, vals, lens, fmts, false, "postgres_key_create");
    return pg_tx_end(c, r, "postgres_key_create");
}

/* The key's user must belong to org_uuid (NOT_FOUND otherwise); NULL means
 * the org's first admin. CONFLICT on a duplicate hash. */
store_rc_t postgres_key_create(store_t *base, const char *org_uuid, const char *user_uuid, bool org_level,
                               const char *name, const key_hash_t hash, const char *last4, uuid_str_t id_out)
{
    if (!org_uuid || !hash)
        return STORE_ERROR;
    if ((name && !pg_utf8_ok(name)) || (last4 && !pg_utf8_ok(last4)) || !pg_utf8_ok(org_uuid))
        return STORE_ERROR;
    pg_key_create_arg_t a = {org_uuid, NULL, name, last4, org_level, hash, ""};
    uuid_str_t uid;
    if (user_uuid) {
        if (!uuid_parse(user_uuid, uid))
            return STORE_NOT_FOUND;
        a.user = uid;
    }
    uuid_v7(a.id);
    store_rc_t r = pg_run((pg_store_t *)base, pg_key_create_body, &a, __func__);
    if (r == STORE_OK)
        pg_out_uuid(id_out, a.id);
    return r;
}

store_rc_t postgres_key_revoke(store_t *base, const char *org_uuid, const char *key_id)
{
    if (!org_uuid || !key_id)
        return STORE_ERROR;
    if (!pg_utf8_ok(key_id) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    char t[24];
    pg_vals_arg_t a = {P_KEY_REVOKE, 3, {key_id, org_uuid, pg_i64(t, ptime_now_ms())}, true, true};
    return pg_run((pg_store_t *)base, pg_vals_write_body, &a, __func__);
}

store_rc_t postgres_key_get(store_t *base, const char *org_uuid, const char *key_id, store_key_info_t *out)
{
    if (!org_uuid || !key_id)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid) || !pg_utf8_ok(key_id))
        return STORE_NOT_FOUND;
    return pg_get((pg_store_t *)base, P_KEY_GET, org_uuid, key_id, &store_shape_key, out, __func__);
}

store_rc_t postgres_key_list(store_t *base, const char *org_uuid, const char *user_uuid, store_key_cb cb,
                             void *ctx)
{
    if (!org_uuid || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid) || (user_uuid && !pg_utf8_ok(user_uuid)))
        return STORE_OK;
    uuid_str_t uid;
    const char *u = user_uuid;
    if (user_uuid && uuid_parse(user_uuid, uid))
        u = uid;
    pg_rows_arg_t a = {P_KEY_LIST, 2, {org_uuid, u}, {.key = cb}, ctx, -1, 0, NULL};
    return pg_run((pg_store_t *)base, pg_rows_body, &a, __func__);
}

/* ---- organizations, users, teams ------------------------------------------------- */

/* Inserts user u (its uuid, resolved primary team — may be "" — and time
 * given apart) and its team memberships (the primary team and
 * u->more_teams), inside the caller's transaction. NOT_FOUND when one of
 * more_teams is not a team of u->org_uuid. */
static store_rc_t pg_user_insert(pg_conn_t *c, const store_user_new_t *u, const char *uuid, const char *team,
                                 int64_t now, const char *fn)
{
    char t[24];
    const char *vals[] = {uuid,          u->org_uuid,  u->email,      u->first_name,
                          u->last_name,  team[0] ? team : NULL,        u->role ? u->role : "member",
                          pg_i64(t, now), u->transcript_lang,          u->bot_name && u->bot_name[0] ? u->bot_name : NULL,
                          u->seat_type,  u->deals_enabled ? "t" : "f"};
    store_rc_t r = pg_write(c, P_USER_INSERT, 12, vals, NULL, NULL, false, fn);
    if (r == STORE_OK && team[0]) {
        const char *mv[] = {team, uuid};
        r = pg_write(c, P_MEMBER_INSERT, 2, mv, NULL, NULL, false, fn);
    }
    for (size_t i = 0; r == STORE_OK && i < u->n_more_teams; i++) {
        const char *tv[] = {u->org_uuid, u->more_teams[i]};
        r = pg_lookup(c, P_TEAM_BY_UUID, 2, tv, &store_shape_uuid, NULL, fn);
        if (r == STORE_OK) {
            const char *mv[] = {u->more_teams[i], uuid};
            r = pg_write(c, P_MEMBER_INSERT, 2, mv, NULL, NULL, false, fn);
        }
    }
    return r;
}

typedef struct pg_org_create_arg {
    const char *name, *email;
    uuid_str_t org, team, admin;
} pg_org_create_arg_t;

static store_rc_t pg_org_create_body(pg_conn_t *c, void *arg)
{
    pg_org_create_arg_t *a = arg;
    const char *fn = "postgres_org_create";
    char now[24];
    int64_t t = ptime_now_ms();
    pg_i64(now, t);
    const char *ov[] = {a->org, a->name, a->team, now};
    store_rc_t r = pg_write(c, P_ORG_INSERT, 4, ov, NULL, NULL, false, fn);
    if (r == STORE_OK) {
        const char *tv[] = {a->team, a->org, a->name, NULL, now};
        r = pg_write(c, P_TEAM_INSERT, 5, tv, NULL, NULL, false, fn);
    }
    if (r == STORE_OK) {
        store_user_new_t au = {.org_uuid = a->org, .email = a->email, .role = "admin"};
        r = pg_user_insert(c, &au, a->admin, a->team, t, fn);
    }
    return r;
}

store_rc_t postgres_org_create(store_t *base, const char *name, const char *admin_email, uuid_str_t org_out,
                               uuid_str_t admin_out, uuid_str_t team_out)
{
    if (!name || !admin_email || !pg_utf8_ok(name) || !pg_utf8_ok(admin_email))
        return STORE_ERROR;
    pg_org_create_arg_t a = {name, admin_email, "", "", ""};
    uuid_v7(a.org);
    uuid_v7(a.team);
    uuid_v7(a.admin);
    store_rc_t r = pg_run_tx((pg_store_t *)base, pg_org_create_body, &a, __func__);
    if (r != STORE_OK)
        return r;
    pg_out_uuid(org_out, a.org);
    pg_out_uuid(admin_out, a.admin);
    pg_out_uuid(team_out, a.team);
    return STORE_OK;
}

typedef struct pg_resolve_arg {
    int by_uuid, by_name;      /* statements */
    const char *org;           /* NULL for organizations */
    const char *key;
    const store_shape_t *shape;
    void *out;                 /* NULL: only checks */
    const char *fn;            /* logged as */
} pg_resolve_arg_t;

/* By uuid first (when key is one), then by name (or email); the statements
 * take $1 = org, $2 = key, or, org NULL, $1 = key. */
static store_rc_t pg_resolve_body(pg_conn_t *c, void *arg)
{
    pg_resolve_arg_t *a = arg;
    uuid_str_t id;
    if (uuid_parse(a->key, id)) {
        const char *v[] = {a->org ? a->org : id, id};
        store_rc_t r = pg_lookup(c, a->by_uuid, a->org ? 2 : 1, v, a->shape, a->out, a->fn);
        if (r != STORE_NOT_FOUND)
            return r;
    }
    const char *v[] = {a->org ? a->org : a->key, a->key};
    return pg_lookup(c, a->by_name, a->org ? 2 : 1, v, a->shape, a->out, a->fn);
}

store_rc_t postgres_org_resolve(store_t *base, const char *uuid_or_name, uuid_str_t out)
{
    if (!uuid_or_name)
        return STORE_ERROR;
    pg_resolve_arg_t a = {P_ORG_BY_UUID, P_ORG_BY_NAME, NULL, uuid_or_name, &store_shape_uuid, out, "postgres resolve"};
    return pg_run((pg_store_t *)base, pg_resolve_body, &a, __func__);
}

typedef struct pg_user_create_arg {
    const store_user_new_t *u;
    uuid_str_t uuid;
} pg_user_create_arg_t;

static store_rc_t pg_user_create_body(pg_conn_t *c, void *arg)
{
    pg_user_create_arg_t *a = arg;
    const store_user_new_t *u = a->u;
    const char *fn = "postgres_user_create";
    uuid_str_t team;
    store_rc_t r;
    if (u->team_uuid) {
        uuid_str_t t;
        const char *v[] = {u->org_uuid, t};
        r = uuid_parse(u->team_uuid, t) ? pg_lookup(c, P_TEAM_BY_UUID, 2, v, &store_shape_uuid, team, fn) : STORE_NOT_FOUND;
    } else {
        const char *v[] = {u->org_uuid};
        r = pg_lookup(c, P_ORG_DEFAULT_TEAM, 1, v, &store_shape_uuid, team, fn);
    }
    if (r == STORE_OK)
        r = pg_user_insert(c, u, a->uuid, team, ptime_now_ms(), fn);
    return r;
}

/* NOT_FOUND when the org or one of the given teams (of that org) does not
 * exist; CONFLICT on a duplicate email (case-insensitive) or uuid. The user
 * joins its primary team and u->more_teams. */
store_rc_t postgres_user_create(store_t *base, const store_user_new_t *u, uuid_str_t out)
{
    if (!u || !u->org_uuid || !u->email || !u->email[0])
        return STORE_ERROR;
    const char *texts[] = {u->org_uuid, u->email, u->first_name, u->last_name, u->role, u->transcript_lang,
                           u->bot_name, u->seat_type};
    if (!pg_utf8_all(texts, sizeof texts / sizeof texts[0]))
        return STORE_ERROR;
    for (size_t i = 0; i < u->n_more_teams; i++)
        if (!u->more_teams[i] || !pg_utf8_ok(u->more_teams[i]))
            return STORE_NOT_FOUND;
    pg_user_create_arg_t a = {u, ""};
    if (u->uuid) {
        if (!uuid_parse(u->uuid, a.uuid)) {
            fprintf(stderr, "parley: store %s: not a uuid: %s\n", __func__, u->uuid);
            return STORE_ERROR;
        }
    } else {
        uuid_v7(a.uuid);
    }
    store_rc_t r = pg_run_tx((pg_store_t *)base, pg_user_create_body, &a, __func__);
    if (r == STORE_OK)
        pg_out_uuid(out, a.uuid);
    return r;
}

store_rc_t postgres_user_resolve(store_t *base, const char *org_uuid, const char *uuid_or_email,
                                 store_user_t *out)
{
    if (!org_uuid || !uuid_or_email)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    pg_resolve_arg_t a = {P_USER_BY_UUID, P_USER_BY_EMAIL, org_uuid, uuid_or_email, &store_shape_user, out, __func__};
    return pg_run((pg_store_t *)base, pg_resolve_body, &a, __func__);
}

store_rc_t postgres_org_admin(store_t *base, const char *org_uuid, store_user_t *out)
{
    if (!org_uuid)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    return pg_get((pg_store_t *)base, P_USER_ADMIN, org_uuid, NULL, &store_shape_user, out, __func__);
}

store_rc_t postgres_user_list(store_t *base, const char *org_uuid, bool with_deleted, store_user_cb cb, void *ctx)
{
    if (!org_uuid || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_OK;
    pg_rows_arg_t a = {with_deleted ? P_USER_LIST_ALL : P_USER_LIST, 1, {org_uuid}, {.user = cb}, ctx, -1, 0,
                       NULL};
    return pg_run((pg_store_t *)base, pg_rows_body, &a, __func__);
}

typedef struct pg_team_create_arg {
    const char *org, *name, *parent_in;
    uuid_str_t team;
} pg_team_create_arg_t;

static store_rc_t pg_team_create_body(pg_conn_t *c, void *arg)
{
    pg_team_create_arg_t *a = arg;
    const char *fn = "postgres_team_create";
    uuid_str_t parent = "";
    const char *ov[] = {a->org};
    store_rc_t r = pg_lookup(c, P_ORG_BY_UUID, 1, ov, &store_shape_uuid, NULL, fn);
    if (r == STORE_OK && a->parent_in) {
        uuid_str_t p;
        const char *pv[] = {a->org, p};
        r = uuid_parse(a->parent_in, p) ? pg_lookup(c, P_TEAM_BY_UUID, 2, pv, &store_shape_uuid, parent, fn)
                                        : STORE_NOT_FOUND;
    }
    if (r == STORE_OK) {
        char now[24];
        const char *tv[] = {a->team, a->org, a->name, parent[0] ? parent : NULL, pg_i64(now, ptime_now_ms())};
        r = pg_write(c, P_TEAM_INSERT, 5, tv, NULL, NULL, false, fn);
    }
    return r;
}

store_rc_t postgres_team_create(store_t *base, const char *org_uuid, const char *name, const char *parent_uuid,
                                const char *uuid, uuid_str_t out)
{
    if (!org_uuid || !name || !pg_utf8_ok(name))
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    pg_team_create_arg_t a = {org_uuid, name, parent_uuid, ""};
    if (!uuid)
        uuid_v7(a.team);
    else if (!uuid_parse(uuid, a.team))
        return STORE_ERROR;
    store_rc_t r = pg_run_tx((pg_store_t *)base, pg_team_create_body, &a, __func__);
    if (r == STORE_OK)
        pg_out_uuid(out, a.team);
    return r;
}

store_rc_t postgres_team_resolve(store_t *base, const char *org_uuid, const char *uuid_or_name,
                                 uuid_str_t out)
{
    if (!org_uuid || !uuid_or_name)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    pg_resolve_arg_t a = {P_TEAM_BY_UUID, P_TEAM_BY_NAME, org_uuid, uuid_or_name, &store_shape_uuid, out, "postgres resolve"};
    return pg_run((pg_store_t *)base, pg_resolve_body, &a, __func__);
}

store_rc_t postgres_team_get(store_t *base, const char *org_uuid, const char *team_uuid, store_team_t *out)
{
    if (!org_uuid || !team_uuid)
        return STORE_ERROR;
    return pg_get_uuid((pg_store_t *)base, P_TEAM_GET, org_uuid, team_uuid, &store_shape_team, out, __func__);
}

store_rc_t postgres_team_list(store_t *base, const char *org_uuid, store_team_cb cb, void *ctx)
{
    if (!org_uuid || !cb)
        return STORE_ERROR;
    if (!pg_utf8_ok(org_uuid))
        return STORE_OK;
    pg_rows_arg_t a = {P_TEAM_LIST, 1, {org_uuid}, {.team = cb}, ctx, -1, 0, NULL};
    return pg_run((pg_store_t *)base, pg_rows_body, &a, __func__);
}

store_rc_t postgres_team_members(store_t *base, const char *org_uuid, const char *team_uuid, store_user_cb cb,
                                 void *ctx)
{
    if (!org_uuid || !team_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(team_uuid, id) || !pg_utf8_ok(org_uuid))
        return STORE_NOT_FOUND;
    pg_rows_arg_t a = {P_TEAM_MEMBERS, 2, {org_uuid, id}, {.user = cb}, ctx, P_TEAM_BY_UUID, 2, NULL};
    return pg_run((pg_store_t *)base, pg_rows_body, &a, __func__);
}

store_rc_t postgres_user_teams(store_t *base, const char *org_uuid, const char *user_uuid, store_team_cb cb,
                               void *ctx)
{
    if (!org_uuid || !user_uuid || !cb)
        return STORE_ERROR;
    uuid_str_t id;
    if (!uuid_parse(user_uuid, id) || !pg_utf8_ok(org_uuid))
        return STORE_OK;
    pg_rows_arg_t a = {P_USER_TEAMS, 2, {org_uuid, id}, {.team = cb}, ctx, -1, 0, NULL};
    return pg_run((pg_store_t *)base, pg_rows_body, &a, __func__);
}

