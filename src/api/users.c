/* users.c - GET /users, GET/POST /organizations/users (spec §5), PATCH/DELETE /organizations/users/{id} (beyond.md §4). */
#include "api/api.h"

#include "api/people.h"
#include "http/problem.h"
#include "lib/ptime.h"

/* GET /v2/users and GET /v2/organizations/users: {"data":[User]} of the
 * caller's organization, ordered by createdAt, uuid, narrowed by filter[id],
 * filter[email] and teamUUID. Any valid key may list (user-level too). */
void api_users_list(req_t *r)
{
    user_filter_t f;
    char err[256];
    if (user_filter_parse(&r->arena, &r->query, &f, err, sizeof err) != 0) {
        problem_send(r, 400, "invalid_parameter", "%s", err);
        return;
    }
    team_set_t all;
    store_user_t *users;
    size_t n;
    if (people_teams_all(r, &all) != 0 || people_users_all(r, &users, &n) != 0)
        return;
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        team_set_t teams;
        if (people_user_teams(r, users[i].uuid, &teams) != 0)
            return;
        if (user_filter_match(&f, &users[i], &teams))
            user_render(&w, &users[i], &teams, &all);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}

/* Writes {"data":User} for user_uuid of the caller's organization (200), or
 * replies 500. */
static void users_reply_one(req_t *r, const char *user_uuid)
{
    store_user_t u;
    team_set_t all;
    if (store_user_resolve(r->store, r->scope.org_uuid, user_uuid, &u) != STORE_OK) {
        problem_internal(r); /* created or changed a moment ago */
        return;
    }
    if (people_teams_all(r, &all) != 0)
        return;
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    if (people_user_write(r, &w, &u, &all) != 0)
        return;
    jsonw_obj_end(&w);
}

/* The stored role roleUUID names in the caller's organization into *role.
 * Returns 0, or -1 after replying 400. */
static int users_role(req_t *r, const char *role_uuid, const char **role)
{
    const user_role_t *ro = user_role_by_uuid(r->scope.org_uuid, role_uuid);
    if (!ro) {
        problem_send(r, 400, "invalid_body",
                     "roleUUID %s is not a role of this organization (GET /v2/organizations/roles lists them)",
                     role_uuid);
        return -1;
    }
    *role = ro->stored;
    return 0;
}

/* The teams body b names are the organization's: 0, or -1 after replying
 * 400 (or 500). teams_form: b came with `teams` (else teamUUID). */
static int users_teams_known(req_t *r, const user_body_t *b, bool teams_form)
{
    if (!b->team_uuid)
        return 0;
    team_set_t all;
    if (people_teams_all(r, &all) != 0)
        return -1;
    if (!teams_form)
        return people_teams_known(r, &all, "teamUUID", NULL, &b->team_uuid, 1);
    const char *order[USER_TEAMS_MAX]; /* the uuids in the order of the body's array */
    size_t n = 1 + b->n_more_teams;
    for (size_t i = 0; i < n; i++)
        order[i] = b->teams_buf[i];
    return people_teams_known(r, &all, "teams", ".uuid", order, n);
}

/* POST /v2/organizations/users: org-level keys only (403 otherwise). Body
 * per user_body_parse, either form (400); unknown team or role → 400;
 * duplicate email → 409. A password is checked, never stored (Parley has no
 * login). Answers 200 {"data":User}. */
void api_users_create(req_t *r)
{
    user_body_t b;
    json_t *root = people_create_body(r, &b, NULL); /* owner: this function */
    if (!root)
        return;
    const char *role = b.role;
    if ((b.role_uuid && users_role(r, b.role_uuid, &role) != 0) ||
        users_teams_known(r, &b, json_object_get(root, "teams") && !json_is_null(json_object_get(root, "teams"))) !=
            0) {
        json_decref(root);
        return;
    }
    store_user_new_t nu = {.org_uuid = r->scope.org_uuid, .email = b.email, .first_name = b.first_name,
                           .last_name = b.last_name, .team_uuid = b.team_uuid, .role = role,
                           .more_teams = b.more_teams, .n_more_teams = b.n_more_teams, .seat_type = b.seat_type};
    uuid_str_t id;
    int failed = people_create_fail(r, store_user_create(r->store, &nu, id), "teamUUID", b.team_uuid,
                                    "a user with email", b.email);
    json_decref(root); /* b's strings are no longer used */
    if (!failed)
        users_reply_one(r, id);
}

/* The user of path parameter 0: its canonical uuid into id when it is a
 * UUID (anything else is a 404, like an unknown id). Returns 0, or -1
 * after replying 404. */
static int users_path_id(req_t *r, uuid_str_t id)
{
    if (uuid_parse(r->params[0], id))
        return 0;
    problem_not_found(r, "user", r->params[0]);
    return -1;
}

/* Replies for a failed store_user_update / store_user_delete of user id. */
static void users_store_fail(req_t *r, store_rc_t rc, const char *id, const char *doing)
{
    if (rc == STORE_NOT_FOUND)
        problem_not_found(r, "user", id);
    else if (rc == STORE_CONFLICT)
        problem_send(r, 409, "conflict",
                     "user %s is the organization's last admin and cannot be %s; make another user admin first", id,
                     doing);
    else if (rc == STORE_FORBIDDEN)
        problem_send(r, 400, "invalid_body", "user %s would be left in no team; a user stays in at least one", id);
    else
        problem_internal(r);
}

/* PATCH /v2/organizations/users/{id}: org-level keys only (403). Unknown,
 * malformed, deleted or another organization's id → 404; body per
 * user_patch_parse (400); unknown role or team → 400; demoting the last
 * admin → 409; leaving no team → 400. Answers 200 {"data":User}. */
void api_users_update(req_t *r)
{
    uuid_str_t id;
    store_user_t u;
    if (people_org_level(r, "changing users") != 0 || users_path_id(r, id) != 0)
        return;
    store_rc_t rc = store_user_resolve(r->store, r->scope.org_uuid, id, &u);
    if (rc != STORE_OK) {
        users_store_fail(r, rc, id, "changed");
        return;
    }
    json_t *root = req_json_body(r, true); /* owner: this function; p's strings borrow from it */
    if (!root)
        return;
    user_patch_t p;
    char err[512];
    const char *role = NULL;
    team_set_t all;
    int bad = user_patch_parse(root, &p, err, sizeof err);
    if (bad)
        problem_send(r, 400, "invalid_body", "%s", err);
    else if ((p.role_uuid && users_role(r, p.role_uuid, &role) != 0) || people_teams_all(r, &all) != 0 ||
             people_teams_known(r, &all, "teamsToAdd", ".uuid", p.add, p.n_add) != 0 ||
             people_teams_known(r, &all, "teamUUIDsToRemove", "", p.remove, p.n_remove) != 0)
        bad = -1;
    if (!bad) {
        store_user_change_t ch = {.first_name = p.first_name, .last_name = p.last_name, .bot_name = p.bot_name,
                                  .deals_enabled = p.deals_enabled, .role = role, .seat_type = p.seat_type,
                                  .teams_add = p.add, .n_add = p.n_add, .primary_team = p.primary,
                                  .teams_remove = p.remove, .n_remove = p.n_remove};
        rc = store_user_update(r->store, r->scope.org_uuid, id, &ch);
        if (rc != STORE_OK) {
            users_store_fail(r, rc, id, "demoted");
            bad = -1;
        }
    }
    json_decref(root);
    if (!bad)
        users_reply_one(r, id);
}

/* DELETE /v2/organizations/users/{id}: org-level keys only (403). The user
 * leaves every list and team and its keys are 401 at once; its
 * conversations stay and still show it as their owner. Unknown, malformed,
 * deleted or another organization's id → 404; the last admin → 409.
 * Answers 200 {}. */
void api_users_delete(req_t *r)
{
    uuid_str_t id;
    if (people_org_level(r, "deleting users") != 0 || users_path_id(r, id) != 0)
        return;
    store_rc_t rc = store_user_delete(r->store, r->scope.org_uuid, id, ptime_now_ms());
    if (rc != STORE_OK) {
        users_store_fail(r, rc, id, "deleted");
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_obj_end(&w);
}
