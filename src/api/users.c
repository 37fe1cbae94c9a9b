/* users.c - GET /users, GET /organizations/users and POST /organizations/users (spec §5). */
#include "api/api.h"

#include "api/people.h"
#include "http/problem.h"

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
    user_body_t b;
    json_t *root = people_create_body(r, &b, NULL); /* owner: this function */
    if (!root)
        return;
    store_user_new_t nu = {.org_uuid = r->scope.org_uuid, .email = b.email, .first_name = b.first_name,
                           .last_name = b.last_name, .team_uuid = b.team_uuid, .role = b.role};
    uuid_str_t id;
    int failed = people_create_fail(r, store_user_create(r->store, &nu, id), "teamUUID", b.team_uuid,
                                    "a user with email", b.email);
    json_decref(root); /* b's strings are no longer used */
    if (failed)
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
