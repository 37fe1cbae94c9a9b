/* fuzz_users.c - libFuzzer target: POST /organizations/users bodies (user_body_parse) and GET /users filters (user_filter_parse). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/user.h"

/* Mode byte 0 (even): the rest is a request body; 1 (odd): a query string. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    req_t r;
    char err[512];
    err[0] = '\0';
    if ((data[0] & 1) == 0) {
        fuzz_req_init(&r, data + 1, n - 1);
        json_t *body = fuzz_json_body(&r);
        if (body) {
            user_body_t u;
            if (user_body_parse(body, &u, err, sizeof err) == 0) {
                FUZZ_CHECK(u.email && user_email_ok(u.email), "the email is checked");
                fuzz_assert_text(u.first_name, "firstName");
                fuzz_assert_text(u.last_name, "lastName");
                FUZZ_CHECK(!u.role || strcmp(u.role, "admin") == 0 || strcmp(u.role, "member") == 0, "role");
                FUZZ_CHECK(!u.team_uuid || strlen(u.team_uuid) == UUID_STR_LEN, "teamUUID is a UUID");
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
