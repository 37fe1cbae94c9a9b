/* fuzz_filter.c - libFuzzer target: list filters and paging (conv_filter_parse) from a query string. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "http/problem.h"
#include "model/filter.h"

/* Parses the input as a query string and decodes it for both list endpoints.
 * Invariants: success yields page >= 1 and a size within the endpoint's
 * bound; failure yields a message that turns into a valid problem body. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    req_t r;
    fuzz_req_init(&r, NULL, 0);
    query_t q;
    const char *why = NULL;
    if (query_parse(&r.arena, (const char *)data, n, &q, &why) != 0) {
        fuzz_req_free(&r);
        return 0;
    }
    static const filter_endpoint_t eps[] = {FILTER_ENDPOINT_CONVERSATIONS, FILTER_ENDPOINT_LIST};
    for (size_t i = 0; i < 2; i++) {
        conv_filter_t f;
        conv_render_opts_t ro;
        char err[512];
        err[0] = '\0';
        if (conv_filter_parse(&r.arena, &q, eps[i], &f, &ro, err, sizeof err) == 0) {
            FUZZ_CHECK(f.page >= 1, "page >= 1");
            FUZZ_CHECK(f.size >= 1 && f.size <= (eps[i] == FILTER_ENDPOINT_LIST ? 50 : 100), "size in range");
            FUZZ_CHECK(f.crm_values.n <= FILTER_CRM_VALUES_MAX, "crm values bounded");
        } else {
            FUZZ_CHECK(err[0], "a rejected filter says why");
            problem_send(&r, 400, "invalid_query", "%s", err);
            fuzz_assert_reply(&r, false);
        }
    }
    fuzz_req_free(&r);
    return 0;
}
