/* fuzz_media_url.c - libFuzzer target: the signed media URL parser and checks (media_link_parse, media_sig_check) and the Range header parser (media_range_parse). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "media/range.h"
#include "media/sign.h"

#define BASE "http://127.0.0.1:8080"

static const uint8_t secret[MEDIA_SECRET_LEN] = {7};

/* The input, as text, is tried three ways: as an import's mediaURL (with and
 * without the server's base in front), and as a Range header against a few
 * object sizes. A link the parser calls ours must have a valid key naming its
 * organization and members of the right length, and a signature made for it
 * must check out at once (and fail for the other method and after expiry); a
 * satisfiable range must lie inside the object. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char *s = fuzz_strndup(data, n);
    if (!s)
        return 0;
    char *url = malloc(n + sizeof BASE "/media/");
    if (!url) {
        free(s);
        return 0;
    }
    memcpy(url, BASE "/media/", sizeof BASE "/media/" - 1);
    memcpy(url + sizeof BASE "/media/" - 1, s, strlen(s) + 1);
    const char *tries[] = {s, url};
    for (int i = 0; i < 2; i++) {
        media_link_t l;
        media_link_rc_t rc = media_link_parse(BASE, tries[i], &l);
        FUZZ_CHECK(rc == MEDIA_LINK_OTHER || rc == MEDIA_LINK_OURS || rc == MEDIA_LINK_MALFORMED, "a known answer");
        if (rc != MEDIA_LINK_OURS)
            continue;
        uuid_str_t org;
        FUZZ_CHECK(media_key_parse(l.key, org) && strcmp(org, l.org) == 0, "an accepted link has a valid key");
        FUZZ_CHECK(strlen(l.expires) <= MEDIA_EXPIRES_MAX && strlen(l.signature) <= MEDIA_SIG_HEX, "members fit");
        int64_t exp = 0;
        media_sig_rc_t sc = media_sig_check(secret, "GET", l.key, l.expires, l.signature, 0, &exp);
        FUZZ_CHECK(sc != MEDIA_SIG_OK || exp >= 0, "an accepted expiry is a unix time");
        char sig[MEDIA_SIG_HEX + 1];
        media_sign(secret, "GET", l.key, 1700000000, sig);
        FUZZ_CHECK(media_sig_check(secret, "GET", l.key, "1700000000", sig, 1700000000, NULL) == MEDIA_SIG_OK,
                   "a fresh signature holds");
        FUZZ_CHECK(media_sig_check(secret, "PUT", l.key, "1700000000", sig, 0, NULL) == MEDIA_SIG_WRONG_METHOD,
                   "not for the other method");
        FUZZ_CHECK(media_sig_check(secret, "GET", l.key, "1700000000", sig, 1700000001, NULL) == MEDIA_SIG_EXPIRED,
                   "not after its expiry");
    }
    static const int64_t sizes[] = {0, 1, 100, INT64_MAX / 2};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int64_t off = -1, len = -1;
        media_range_rc_t rc = media_range_parse(s, sizes[i], &off, &len);
        if (rc == MEDIA_RANGE_OK)
            FUZZ_CHECK(off >= 0 && len >= 1 && off + len <= sizes[i], "a satisfiable range lies inside the object");
        else
            FUZZ_CHECK(rc == MEDIA_RANGE_NONE || rc == MEDIA_RANGE_UNSATISFIABLE, "a known answer");
    }
    free(url);
    free(s);
    return 0;
}
