/* teams.c - GET/POST /organizations/teams, GET /teams, /teams/{id} and /teams/{id}/members (spec §5), PATCH /organizations/teams/{id} (beyond.md §4). */
#include "api/api.h"

#include <stdio.h>
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
 * organization → 409. The team is named "[<organization>] <name>", as the
 * hosted API names it (beyond.md §4). Answers 200 {"data":Team}. */
void api_teams_create(req_t *r)
{
    team_body_t b;
    json_t *root = people_create_body(r, NULL, &b); /* owner: this function */
    if (!root)
        return;
    store_org_t org;
    store_rc_t rc = store_org_get(r->store, r->scope.org_uuid, &org);
    if (rc != STORE_OK) {
        json_decref(root);
        problem_internal(r);
        return;
    }
    char name[sizeof org.name + USER_NAME_MAX_BYTES + 4];
    snprintf(name, sizeof name, "[%s] %s", org.name, b.name);
    uuid_str_t id;
    int failed = people_create_fail(r, store_team_create(r->store, r->scope.org_uuid, name, b.parent_uuid, NULL, id),
                                    "parentTeamUUID", b.parent_uuid, "a team named", name);
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

/* True when team is ancestor or the team itself, walking parents in all. */
static bool teams_is_ancestor(const team_set_t *all, const char *team, const char *ancestor)
{
    /* at most all->n steps: a cycle already stored cannot loop forever */
    for (size_t steps = 0; team[0] && steps <= all->n; steps++) {
        if (strcmp(team, ancestor) == 0)
            return true;
        const char *up = "";
        for (size_t i = 0; i < all->n; i++)
            if (strcmp(all->v[i].uuid, team) == 0)
                up = all->v[i].parent_uuid;
        team = up;
    }
    return false;
}

/* PATCH /v2/organizations/teams/{id}: org-level keys only (403). Unknown,
 * malformed or another organization's id → 404; body per team_patch_parse
 * (400); a parent that is not a team of the organization, or is the team or
 * one of its descendants (a cycle) → 400; a taken name → 409. The name is
 * kept as given (no prefix). Answers 200 {"data":Team}. */
void api_teams_update(req_t *r)
{
    store_team_t t;
    if (people_org_level(r, "changing teams") != 0 || teams_find(r, &t) != 0)
        return;
    json_t *root = req_json_body(r, true); /* owner: this function; p's strings borrow from it */
    if (!root)
        return;
    team_patch_t p;
    char err[512];
    team_set_t all;
    int bad = team_patch_parse(root, &p, err, sizeof err);
    if (bad)
        problem_send(r, 400, "invalid_body", "%s", err);
    else if (people_teams_all(r, &all) != 0 ||
             (p.parent_uuid && p.parent_uuid[0] &&
              people_teams_known(r, &all, "parentTeamUUID", NULL, &p.parent_uuid, 1) != 0))
        bad = -1;
    if (!bad && p.parent_uuid && p.parent_uuid[0] && teams_is_ancestor(&all, p.parent_uuid, t.uuid)) {
        problem_send(r, 400, "invalid_body",
                     "parentTeamUUID %s would make a cycle: it is team %s itself or one of its descendants",
                     p.parent_uuid, t.uuid);
        bad = -1;
    }
    if (!bad) {
        store_rc_t rc = store_team_update(r->store, r->scope.org_uuid, t.uuid, p.name, p.parent_uuid);
        if (rc == STORE_FORBIDDEN)
            problem_send(r, 400, "invalid_body", "parentTeamUUID %s would make a cycle", p.parent_uuid);
        else if (rc != STORE_OK)
            people_create_fail(r, rc, "parentTeamUUID", p.parent_uuid, "a team named", p.name ? p.name : "");
        bad = rc == STORE_OK ? 0 : -1;
    }
    json_decref(root);
    if (!bad)
        teams_reply_one(r, t.uuid);
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
