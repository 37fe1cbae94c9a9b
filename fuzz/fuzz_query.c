/* fuzz_query.c - libFuzzer target: query-string decoding (query_parse and its typed getters). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "lib/query.h"

/* Decodes the input as a query string (without '?'), then reads every key it
 * found through each getter. Invariants: decoded strings contain no NUL
 * (their length equals strlen within the arena copy) and getters agree with
 * query_has. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    arena_t a;
    arena_init(&a);
    query_t q;
    const char *why = NULL;
    if (query_parse(&a, (const char *)data, n, &q, &why) == 0) {
        for (size_t i = 0; i < q.n && i < 64; i++) {
            const char *k = q.pairs[i].key;
            FUZZ_CHECK(k && q.pairs[i].value, "pairs have a key and a value");
            FUZZ_CHECK(query_has(&q, k), "a parsed key is present");
            FUZZ_CHECK(query_get(&q, k) != NULL, "a parsed key has a first value");
            size_t nv = 0;
            const char **all = query_get_all(&a, &q, k, &nv);
            for (size_t j = 0; all && j < nv; j++)
                FUZZ_CHECK(all[j] && all[j][0], "query_get_all drops empty items");
            bool b;
            (void)query_get_bool(&q, k, &b);
            long long v;
            int rc = query_get_int(&q, k, -1000, 1000, &v);
            FUZZ_CHECK(rc != 0 || (v >= -1000 && v <= 1000), "query_get_int honours its range");
            FUZZ_CHECK(rc != 1, "a present key is not reported absent");
        }
    } else {
        FUZZ_CHECK(why && why[0], "a rejected query string says why");
    }
    /* the path-segment decoder on the same bytes, both '+' modes */
    char *s = query_unescape(&a, (const char *)data, n, false);
    if (s)
        FUZZ_CHECK(strlen(s) <= n, "decoding never grows the input");
    s = query_unescape(&a, (const char *)data, n, true);
    if (s)
        FUZZ_CHECK(strlen(s) <= n, "decoding never grows the input");
    arena_free(&a);
    return 0;
}
