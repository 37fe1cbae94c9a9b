/* fuzz_router.c - libFuzzer target: route matching and {param} decoding (router_match). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "http/router.h"

/* The first byte picks the method, the rest (up to a NUL) is the path.
 * Invariants: a found route has a handler and decoded params; a 405 carries
 * a non-empty Allow value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    static const http_method_t methods[] = {HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT,
                                            HTTP_DELETE, HTTP_PATCH, HTTP_OPTIONS, HTTP_OTHER};
    http_method_t m = methods[data[0] % 8];
    char *path = fuzz_strndup(data + 1, n - 1);
    arena_t a;
    arena_init(&a);
    const route_t *rt = NULL;
    const char *params[REQ_MAX_PARAMS] = {0};
    const char *allow = NULL;
    switch (router_match(&a, m, path, &rt, params, &allow)) {
    case ROUTE_FOUND:
        FUZZ_CHECK(rt && rt->handler, "a found route has a handler");
        FUZZ_CHECK(strchr(rt->pattern, '{') == NULL || params[0] != NULL, "params are decoded");
        break;
    case ROUTE_BAD_METHOD:
        FUZZ_CHECK(allow && allow[0], "405 has an Allow value");
        break;
    case ROUTE_NOT_FOUND: break;
    }
    arena_free(&a);
    free(path);
    return 0;
}
