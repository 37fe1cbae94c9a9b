/* fuzz_users.c - libFuzzer target: POST /organizations/users bodies in both forms (user_body_parse), PATCH /organizations/users/{id} bodies (user_patch_parse) and GET /users filters (user_filter_parse). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/user.h"

/* Mode byte: 0 mod 4, the rest is a POST body; 2 mod 4, a PATCH body; odd, a query string. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    req_t r;
    char err[512];
    err[0] = '\0';
    if ((data[0] & 3) == 2) {
        fuzz_req_init(&r, data + 1, n - 1);
        json_t *body = fuzz_json_body(&r);
        if (body) {
            user_patch_t p;
            if (user_patch_parse(body, &p, err, sizeof err) == 0) {
                fuzz_assert_text(p.first_name, "firstName");
                fuzz_assert_text(p.bot_name, "botName");
                FUZZ_CHECK(p.deals_enabled >= -1 && p.deals_enabled <= 1, "dealsEnabled");
                FUZZ_CHECK(!p.primary || p.n_add > 0, "the primary team is one to add");
                for (size_t i = 0; i < p.n_remove; i++)
                    for (size_t k = 0; k < p.n_add; k++)
                        FUZZ_CHECK(strcmp(p.remove[i], p.add[k]) != 0, "no team both added and removed");
            } else {
                fuzz_assert_err(&r, err);
            }
        }
        json_decref(body);
        fuzz_req_free(&r);
        return 0;
    }
    if ((data[0] & 1) == 0) {
        fuzz_req_init(&r, data + 1, n - 1);
        json_t *body = fuzz_json_body(&r);
        if (body) {
            user_body_t u;
            if (user_body_parse(body, &u, err, sizeof err) == 0) {
                FUZZ_CHECK(u.email && user_email_ok(u.email), "the email is checked");
                fuzz_assert_text(u.first_name, "firstName");
                fuzz_assert_text(u.last_name, "lastName");
                FUZZ_CHECK(!u.role || strcmp(u.role, "admin") == 0 || strcmp(u.role, "manager") == 0 ||
                               strcmp(u.role, "member") == 0,
                           "role");
                FUZZ_CHECK(!(u.role && u.role_uuid), "role and roleUUID exclude each other");
                FUZZ_CHECK(!u.role_uuid || strlen(u.role_uuid) == UUID_STR_LEN, "roleUUID is a UUID");
                FUZZ_CHECK(!u.team_uuid || strlen(u.team_uuid) == UUID_STR_LEN, "teamUUID is a UUID");
                FUZZ_CHECK(u.n_more_teams == 0 || u.team_uuid, "more teams come with a primary one");
                for (size_t i = 0; i < u.n_more_teams; i++) {
                    FUZZ_CHECK(strlen(u.more_teams[i]) == UUID_STR_LEN, "teams[].uuid are UUIDs");
                    FUZZ_CHECK(strcmp(u.more_teams[i], u.team_uuid) != 0, "the primary team is not repeated");
                }
                FUZZ_CHECK(!u.seat_type || strcmp(u.seat_type, "listener") == 0 ||
                               strcmp(u.seat_type, "recording") == 0,
                           "seat_type");
            } else {
                fuzz_assert_err(&r, err);
            }
        }
        json_decref(body);
        fuzz_req_free(&r);
        return 0;
    }
    fuzz_req_init(&r, NULL, 0);
    query_t q;
    const char *why;
    if (query_parse(&r.arena, (const char *)data + 1, n - 1, &q, &why) == 0) {
        user_filter_t f;
        if (user_filter_parse(&r.arena, &q, &f, err, sizeof err) == 0) {
            for (size_t i = 0; i < f.nids; i++)
                FUZZ_CHECK(strlen(f.ids[i]) == UUID_STR_LEN, "filter[id] values are UUIDs");
            for (size_t i = 0; i < f.nteams; i++)
                FUZZ_CHECK(strlen(f.teams[i]) == UUID_STR_LEN, "teamUUID values are UUIDs");
        } else {
            FUZZ_CHECK(err[0], "a rejected filter says why");
            problem_send(&r, 400, "invalid_query", "%s", err);
            fuzz_assert_reply(&r, false);
        }
    }
    fuzz_req_free(&r);
    return 0;
}
