/* fuzz_teams.c - libFuzzer target: POST /organizations/teams bodies (team_body_parse). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/user.h"

/* The input is the whole request body, decoded like the server does. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    req_t r;
    fuzz_req_init(&r, data, n);
    json_t *body = fuzz_json_body(&r);
    if (body) {
        team_body_t t;
        char err[512];
        err[0] = '\0';
        if (team_body_parse(body, &t, err, sizeof err) == 0) {
            FUZZ_CHECK(t.name && user_name_ok(t.name), "the name is checked");
            fuzz_assert_text(t.name, "team name");
            FUZZ_CHECK(!t.parent_uuid || strlen(t.parent_uuid) == UUID_STR_LEN, "parentTeamUUID is a UUID");
        } else {
            fuzz_assert_err(&r, err);
        }
    }
    json_decref(body);
    fuzz_req_free(&r);
    return 0;
}
