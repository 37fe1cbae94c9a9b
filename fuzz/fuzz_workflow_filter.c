/* fuzz_workflow_filter.c - libFuzzer target: GET /conversations/workflow-logs query (workflow_filter_parse). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/workflow_filter.h"

/* The input is a query string; success must give limit 1..1000 and offset >= 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    req_t r;
    fuzz_req_init(&r, NULL, 0);
    query_t q;
    const char *why;
    if (query_parse(&r.arena, (const char *)data, n, &q, &why) == 0) {
        store_workflow_filter_t f;
        char err[512];
        err[0] = '\0';
        if (workflow_filter_parse(&r.arena, &q, &f, err, sizeof err) == 0) {
            FUZZ_CHECK(f.limit >= 1 && f.limit <= 1000, "limit in range");
            FUZZ_CHECK(f.offset >= 0, "offset non-negative");
            FUZZ_CHECK(f.success >= -1 && f.success <= 1, "success is -1, 0 or 1");
        } else {
            FUZZ_CHECK(err[0], "a rejected filter says why");
            problem_send(&r, 400, "invalid_query", "%s", err);
            fuzz_assert_reply(&r, false);
        }
    }
    fuzz_req_free(&r);
    return 0;
}
