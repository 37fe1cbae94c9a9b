/* sign.c - the signed media URLs (spec §7): object keys, HMAC-SHA256 signatures over method, key and expiry, and the parser of a URL this server issued. */
#include "media/sign.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define MEDIA_KEY_PREFIX "uploads/"

void media_key_make(char out[MEDIA_KEY_MAX], const char *org, const char *id)
{
    snprintf(out, MEDIA_KEY_MAX, MEDIA_KEY_PREFIX "%.36s/%.36s", org, id);
}

/* True when s[0..36) is a canonical lowercase uuid. */
static bool media_uuid_at(const char *s, size_t n)
{
    if (n != UUID_STR_LEN)
        return false;
    char tmp[UUID_STR_LEN + 1];
    memcpy(tmp, s, UUID_STR_LEN);
    tmp[UUID_STR_LEN] = '\0';
    uuid_str_t canon;
    return uuid_parse(tmp, canon) && memcmp(canon, s, UUID_STR_LEN) == 0;
}

bool media_key_parse(const char *key, uuid_str_t org)
{
    size_t pre = sizeof MEDIA_KEY_PREFIX - 1;
    if (strlen(key) != pre + 2 * UUID_STR_LEN + 1 || memcmp(key, MEDIA_KEY_PREFIX, pre) != 0)
        return false;
    const char *o = key + pre, *id = o + UUID_STR_LEN + 1;
    if (o[UUID_STR_LEN] != '/' || !media_uuid_at(o, UUID_STR_LEN) || !media_uuid_at(id, UUID_STR_LEN))
        return false;
    if (org) {
        memcpy(org, o, UUID_STR_LEN);
        org[UUID_STR_LEN] = '\0';
    }
    return true;
}

void media_sign(const uint8_t secret[MEDIA_SECRET_LEN], const char *method, const char *key, int64_t expires,
                char out[MEDIA_SIG_HEX + 1])
{
    char msg[MEDIA_KEY_MAX + 64];
    int n = snprintf(msg, sizeof msg, "parley-media-v1\n%s\n%s\n%lld", method, key, (long long)expires);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, secret, MEDIA_SECRET_LEN);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (unsigned long long)(n > 0 ? n : 0));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, MEDIA_SIG_HEX + 1, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
}

/* Parses 1-19 decimal digits into *out; -1 for anything else. */
static int media_parse_expires(const char *s, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > MEDIA_EXPIRES_MAX || strspn(s, "0123456789") != n)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static bool media_sig_form_ok(const char *sig)
{
    return sig && strlen(sig) == MEDIA_SIG_HEX && strspn(sig, "0123456789abcdef") == MEDIA_SIG_HEX;
}

media_sig_rc_t media_sig_check(const uint8_t secret[MEDIA_SECRET_LEN], const char *method, const char *key,
                               const char *expires, const char *signature, int64_t now, int64_t *expires_out)
{
    int64_t exp;
    if (media_parse_expires(expires, &exp) != 0 || !media_sig_form_ok(signature))
        return MEDIA_SIG_MALFORMED;
    if (expires_out)
        *expires_out = exp;
    char want[MEDIA_SIG_HEX + 1];
    media_sign(secret, method, key, exp, want);
    if (sodium_memcmp(want, signature, MEDIA_SIG_HEX) != 0) {
        const char *other = strcmp(method, "PUT") == 0 ? "GET" : "PUT";
        media_sign(secret, other, key, exp, want);
        return sodium_memcmp(want, signature, MEDIA_SIG_HEX) == 0 ? MEDIA_SIG_WRONG_METHOD : MEDIA_SIG_MISMATCH;
    }
    return now > exp ? MEDIA_SIG_EXPIRED : MEDIA_SIG_OK;
}

/* Copies the value of query member name (the n bytes at q, "a=1&b=2") into
 * out (capacity cap) when it occurs exactly once with a value that fits.
 * Returns 1 found, 0 absent, -1 repeated or too long. */
static int media_query_member(const char *q, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    int found = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && q[e] != '&')
            e++;
        if (e - i > nl && memcmp(q + i, name, nl) == 0 && q[i + nl] == '=') {
            size_t vl = e - i - nl - 1;
            if (found || vl >= cap)
                return -1;
            memcpy(out, q + i + nl + 1, vl);
            out[vl] = '\0';
            found = 1;
        }
        i = e + 1;
    }
    return found;
}

media_link_rc_t media_link_parse(const char *base, const char *url, media_link_t *out)
{
    size_t bl = strlen(base);
    if (strncmp(url, base, bl) != 0 || strncmp(url + bl, "/media/", 7) != 0)
        return MEDIA_LINK_OTHER;
    const char *p = url + bl + 7;
    size_t kl = strcspn(p, "?#");
    if (kl >= MEDIA_KEY_MAX || p[kl] != '?')
        return MEDIA_LINK_MALFORMED;
    media_link_t l;
    memcpy(l.key, p, kl);
    l.key[kl] = '\0';
    if (!media_key_parse(l.key, l.org))
        return MEDIA_LINK_MALFORMED;
    const char *q = p + kl + 1;
    size_t ql = strcspn(q, "#");
    if (media_query_member(q, ql, "expires", l.expires, sizeof l.expires) != 1 ||
        media_query_member(q, ql, "signature", l.signature, sizeof l.signature) != 1)
        return MEDIA_LINK_MALFORMED;
    *out = l;
    return MEDIA_LINK_OURS;
}

void media_link_write(char *out, size_t cap, const char *base, const char *key, int64_t expires,
                      const char signature[MEDIA_SIG_HEX + 1])
{
    snprintf(out, cap, "%s/media/%s?expires=%lld&signature=%s", base, key, (long long)expires, signature);
}
