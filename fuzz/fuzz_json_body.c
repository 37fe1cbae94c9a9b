/* fuzz_json_body.c - libFuzzer target: request-body JSON decoding with the spec §1 limits (req_json_body). */
#include <stdint.h>

#include "fuzz_common.h"

/* Any bytes as a JSON body. Invariants: rejected bodies get a 4xx problem
 * with a valid JSON body; accepted ones are within the depth limit. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int depth_ok = req_json_depth_ok((const char *)data, n, REQ_MAX_JSON_DEPTH);
    req_t r;
    fuzz_req_init(&r, data, n);
    json_t *v = fuzz_json_body(&r);
    if (v) {
        FUZZ_CHECK(depth_ok == 0, "an accepted body is within the depth limit");
        json_decref(v);
    }
    fuzz_req_free(&r);
    return 0;
}
