/* fuzz_keys.c - libFuzzer target: the /api_keys bodies (apikey_body_parse, apikey_delete_id). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/apikey.h"

/* Mode byte 0 (even): the rest is a POST /api_keys body. Mode 1 (odd): the
 * rest is "QUERY\nBODY" of DELETE /api_keys (BODY may be empty). */
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
            apikey_body_t b;
            if (apikey_body_parse(body, &b, err, sizeof err) == 0) {
                FUZZ_CHECK(b.name && b.name[0], "a key has a name");
                fuzz_assert_text(b.name, "key name");
                FUZZ_CHECK(!b.user_uuid || strlen(b.user_uuid) == UUID_STR_LEN, "userUUID is a UUID");
            } else {
                fuzz_assert_err(&r, err);
            }
        }
        json_decref(body);
        fuzz_req_free(&r);
        return 0;
    }
    const uint8_t *nl = memchr(data + 1, '\n', n - 1);
    size_t qlen = nl ? (size_t)(nl - (data + 1)) : n - 1;
    const uint8_t *b = nl ? nl + 1 : data + n;
    fuzz_req_init(&r, b, (size_t)(data + n - b));
    query_t q;
    const char *why;
    if (query_parse(&r.arena, (const char *)data + 1, qlen, &q, &why) == 0) {
        json_t *body = req_json_body(&r, false);
        if (body || !r.status) {
            const char *id = NULL;
            if (apikey_delete_id(query_get(&q, "id"), body, &id, err, sizeof err) == 0)
                FUZZ_CHECK(id != NULL, "an id was found");
            else
                fuzz_assert_err(&r, err);
        } else {
            fuzz_assert_reply(&r, false);
        }
        json_decref(body);
    }
    fuzz_req_free(&r);
    return 0;
}
