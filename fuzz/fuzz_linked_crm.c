/* fuzz_linked_crm.c - libFuzzer target: the PUT /conversations/{id}/linked-crm-records body (update_parse_linked_crm). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/update.h"

/* The input is the whole request body, decoded like the server does. On
 * success the kept JSON must be valid; on failure the message must make a
 * valid problem body. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    req_t r;
    fuzz_req_init(&r, data, n);
    json_t *body = fuzz_json_body(&r);
    if (body) {
        conv_update_t u;
        char err[512];
        err[0] = '\0';
        if (update_parse_linked_crm(&r.arena, body, &u, err, sizeof err) == 0) {
            FUZZ_CHECK(u.workflow_name && u.workflow_name[0], "a change names its workflow");
            const char *kept = u.labels_json ? u.labels_json : u.linked_crm_json;
            FUZZ_CHECK(kept != NULL, "the change keeps its JSON");
            fuzz_assert_json(kept, strlen(kept), "kept JSON");
        } else {
            fuzz_assert_err(&r, err);
        }
    }
    json_decref(body);
    fuzz_req_free(&r);
    return 0;
}
