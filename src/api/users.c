/* users.c - GET /users, GET /organizations/users and POST /organizations/users (spec §5). */
#include "api/api.h"

#include <string.h>

#include "api/people.h"
#include "http/problem.h"
#include "lib/strutil.h"

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

/* POST /v2/organizations/users: org-level keys only (403 otherwise). Body per
 * user_body_parse (400); unknown teamUUID → 400; duplicate email → 409.
 * Answers 200 {"data":User}. */
void api_users_create(req_t *r)
{
    if (r->scope.user_uuid) {
        problem_send(r, 403, "forbidden", "creating users needs an org-level key; this key acts for user %s",
                     r->scope.user_uuid);
        return;
    }
    json_t *root = req_json_body(r, true); /* owner: this function */
    if (!root)
        return;
    user_body_t b;
    char err[512];
    if (user_body_parse(root, &b, err, sizeof err) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    store_user_new_t nu = {.org_uuid = r->scope.org_uuid, .email = b.email, .first_name = b.first_name,
                           .last_name = b.last_name, .team_uuid = b.team_uuid, .role = b.role};
    uuid_str_t id;
    store_rc_t rc = store_user_create(r->store, &nu, id);
    char shown[STR_SHOWN_MAX + 4];
    if (rc == STORE_NOT_FOUND)
        problem_send(r, 400, "invalid_body", "teamUUID %s is not a team of this organization", b.team_uuid);
    else if (rc == STORE_CONFLICT)
        problem_send(r, 409, "conflict", "a user with email \"%s\" already exists in this organization",
                     str_shown(b.email, shown, sizeof shown));
    else if (rc != STORE_OK)
        problem_internal(r);
    json_decref(root); /* b's strings are no longer used */
    if (rc != STORE_OK)
        return;

    store_user_t u;
    team_set_t all;
    if (store_user_resolve(r->store, r->scope.org_uuid, id, &u) != STORE_OK) {
        problem_internal(r);
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
