/* fuzz_update.c - libFuzzer target: conversation-change bodies (PUT {id}, title, change_privacy, crm/confirm, changeConversationOpportunity). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/update.h"

/* Checks what a successful decoder produced: every JSON fragment it keeps is
 * valid JSON and the title valid UTF-8. */
static void fuzz_check_update(const conv_update_t *u)
{
    FUZZ_CHECK(u->workflow_name && u->workflow_name[0], "a change names its workflow");
    fuzz_assert_text(u->title, "title");
    const char *frags[] = {u->labels_json, u->linked_crm_json, u->confirm_intel_json, u->external_opportunity_json};
    for (size_t i = 0; i < sizeof frags / sizeof frags[0]; i++)
        if (frags[i])
            fuzz_assert_json(frags[i], strlen(frags[i]), "kept JSON fragment");
}

/* The first byte picks the decoder, the rest is the request body (decoded
 * like the server does). change_privacy also accepts no body at all. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    int mode = data[0] % 5;
    req_t r;
    fuzz_req_init(&r, data + 1, n - 1);
    json_t *body = req_json_body(&r, mode != 2);
    if (!body && r.status) {
        fuzz_assert_reply(&r, false);
        fuzz_req_free(&r);
        return 0;
    }
    conv_update_t u;
    uuid_str_t conv, u2;
    char err[512];
    err[0] = '\0';
    int rc;
    switch (mode) {
    case 0: rc = update_parse_conversation(&r.arena, body, &u, err, sizeof err); break;
    case 1: rc = update_parse_title(&r.arena, body, &u, err, sizeof err); break;
    case 2: rc = update_parse_privacy(&r.arena, body, &u, err, sizeof err); break;
    case 3: rc = update_parse_crm_confirm(&r.arena, body, &u, err, sizeof err); break;
    default: rc = update_parse_opportunity(&r.arena, body, &u, conv, err, sizeof err); break;
    }
    if (rc == 0) {
        fuzz_check_update(&u);
        if (mode == 4)
            FUZZ_CHECK(strlen(conv) == UUID_STR_LEN && uuid_parse(conv, u2), "conversation_id is a UUID");
    } else {
        fuzz_assert_err(&r, err);
    }
    json_decref(body);
    fuzz_req_free(&r);
    return 0;
}
