/* teams.c - GET/POST /organizations/teams, GET /teams, /teams/{id} and /teams/{id}/members (spec §5). */
#include "api/api.h"

#include <string.h>

#include "api/people.h"
#include "http/problem.h"
#include "lib/strutil.h"

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
    if (r->scope.user_uuid) {
        problem_send(r, 403, "forbidden", "creating teams needs an org-level key; this key acts for user %s",
                     r->scope.user_uuid);
        return;
    }
    json_t *root = req_json_body(r, true); /* owner: this function */
    if (!root)
        return;
    team_body_t b;
    char err[512];
    if (team_body_parse(root, &b, err, sizeof err) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    uuid_str_t id;
    store_rc_t rc = store_team_create(r->store, r->scope.org_uuid, b.name, b.parent_uuid, NULL, id);
    char shown[STR_SHOWN_MAX + 4];
    if (rc == STORE_NOT_FOUND)
        problem_send(r, 400, "invalid_body", "parentTeamUUID %s is not a team of this organization", b.parent_uuid);
    else if (rc == STORE_CONFLICT)
        problem_send(r, 409, "conflict", "a team named \"%s\" already exists in this organization",
                     str_shown(b.name, shown, sizeof shown));
    else if (rc != STORE_OK)
        problem_internal(r);
    json_decref(root);
    if (rc == STORE_OK)
        teams_reply_one(r, id);
}

/* GET /v2/teams/{id}: [decided] {"data":Team}, like the other team
 * endpoints. Unknown, malformed or another organization's id → 404. */
void api_team_get(req_t *r)
{
    const char *id = r->params[0];
    store_team_t t;
    store_rc_t rc = store_team_get(r->store, r->scope.org_uuid, id, &t);
    if (rc == STORE_NOT_FOUND) {
        problem_not_found(r, "team", id);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
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
    const char *id = r->params[0];
    store_team_t t;
    store_rc_t rc = store_team_get(r->store, r->scope.org_uuid, id, &t);
    if (rc == STORE_NOT_FOUND) {
        problem_not_found(r, "team", id);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    teams_members_t m;
    buf_init(&m.b);
    rc = store_team_members(r->store, r->scope.org_uuid, t.uuid, teams_member_cb, &m);
    if (rc != STORE_OK || m.b.oom) {
        buf_free(&m.b);
        if (rc == STORE_NOT_FOUND)
            problem_not_found(r, "team", id);
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
