/* teams.c - GET/POST /organizations/teams, GET /teams, /teams/{id} and /teams/{id}/members (spec §5). */
#include "api/api.h"

#include <string.h>

#include "api/people.h"
#include "http/problem.h"

/* GET /v2/organizations/teams and GET /v2/teams: {"data":[Team]} of the
 * caller's organization, by createdAt, uuid. Any valid key may list. */
void api_teams_list(req_t *r)
{
    team_set_t all;
    if (people_teams_all(r, &all) != 0)
        return;
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < all.n; i++)
        team_render(&w, &all.v[i], &all);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}

/* Writes {"data":Team} for team_uuid of the caller's organization (200), or
 * replies 500. */
static void teams_reply_one(req_t *r, const char *team_uuid)
{
    team_set_t all;
    if (people_teams_all(r, &all) != 0)
        return;
    for (size_t i = 0; i < all.n; i++) {
        if (strcmp(all.v[i].uuid, team_uuid) != 0)
            continue;
        jsonw_t w;
        req_json_begin(r, 200, &w);
        jsonw_obj_begin(&w);
        jsonw_key(&w, "data");
        team_render(&w, &all.v[i], &all);
        jsonw_obj_end(&w);
        return;
    }
    problem_internal(r); /* created or found a moment ago: cannot be missing */
}

/* POST /v2/organizations/teams: org-level keys only (403). Body per
 * team_body_parse (400); unknown parentTeamUUID → 400; duplicate name in the
 * organization → 409. Answers 200 {"data":Team}. */
void api_teams_create(req_t *r)
{
    team_body_t b;
    json_t *root = people_create_body(r, NULL, &b); /* owner: this function */
    if (!root)
        return;
    uuid_str_t id;
    int failed = people_create_fail(r, store_team_create(r->store, r->scope.org_uuid, b.name, b.parent_uuid, NULL, id),
                                    "parentTeamUUID", b.parent_uuid, "a team named", b.name);
    json_decref(root); /* b's strings are no longer used */
    if (!failed)
        teams_reply_one(r, id);
}

/* Loads team r->params[0] of the caller's organization into *t. Returns 0, or
 * -1 after replying 404 (unknown, malformed or another organization's id) or 500. */
static int teams_find(req_t *r, store_team_t *t)
{
    store_rc_t rc = store_team_get(r->store, r->scope.org_uuid, r->params[0], t);
    if (rc == STORE_NOT_FOUND)
        problem_not_found(r, "team", r->params[0]);
    else if (rc != STORE_OK)
        problem_internal(r);
    return rc == STORE_OK ? 0 : -1;
}

/* GET /v2/teams/{id}: [decided] {"data":Team}, like the other team
 * endpoints. Unknown, malformed or another organization's id → 404. */
void api_team_get(req_t *r)
{
    store_team_t t;
    if (teams_find(r, &t) == 0)
        teams_reply_one(r, t.uuid);
}

/* Collects the members handed over by the store (copied into the arena). */
typedef struct teams_members {
    buf_t b; /* owned by the handler; store_user_t records */
} teams_members_t;

static int teams_member_cb(void *ctx, const store_user_t *u)
{
    teams_members_t *m = ctx;
    return buf_append(&m->b, u, sizeof *u);
}

/* GET /v2/teams/{id}/members: {"data":[{userUUID,teamUUID,user,team}]} with
 * user a User and team this Team, members by createdAt, uuid. Unknown,
 * malformed or another organization's id → 404. */
void api_team_members(req_t *r)
{
    store_team_t t;
    if (teams_find(r, &t) != 0)
        return;
    teams_members_t m;
    buf_init(&m.b);
    store_rc_t rc = store_team_members(r->store, r->scope.org_uuid, t.uuid, teams_member_cb, &m);
    if (rc != STORE_OK || m.b.oom) {
        buf_free(&m.b);
        if (rc == STORE_NOT_FOUND)
            problem_not_found(r, "team", r->params[0]);
        else
            problem_internal(r);
        return;
    }
    team_set_t all;
    if (people_teams_all(r, &all) != 0) {
        buf_free(&m.b);
        return;
    }
    const store_user_t *users = (const store_user_t *)m.b.data;
    size_t n = m.b.len / sizeof *users;
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kv_string(&w, "userUUID", users[i].uuid);
        jsonw_kv_string(&w, "teamUUID", t.uuid);
        jsonw_key(&w, "user");
        if (people_user_write(r, &w, &users[i], &all) != 0) {
            buf_free(&m.b);
            return;
        }
        jsonw_key(&w, "team");
        team_render(&w, &t, &all);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    buf_free(&m.b);
}
