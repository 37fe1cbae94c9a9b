/* keys.c - API key generation, SHA-256 hashing, Authorization header parsing, masking. */
#include "auth/keys.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

int key_lib_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

/* "prl_" + base64url (no padding) of KEY_RANDOM_BYTES random bytes; the raw
 * bytes are wiped from the stack afterwards. */
void key_generate(char *out)
{
    unsigned char rnd[KEY_RANDOM_BYTES];
    randombytes_buf(rnd, sizeof(rnd));
    memcpy(out, KEY_PREFIX, sizeof(KEY_PREFIX) - 1);
    sodium_bin2base64(out + sizeof(KEY_PREFIX) - 1, KEY_STR_LEN - (sizeof(KEY_PREFIX) - 1) + 1,
                      rnd, sizeof(rnd), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(rnd, sizeof(rnd));
}

void key_hash(const char *key, size_t len, key_hash_t out)
{
    crypto_hash_sha256(out, (const unsigned char *)key, len);
}

bool key_hash_equal(const key_hash_t a, const key_hash_t b)
{
    return sodium_memcmp(a, b, KEY_HASH_LEN) == 0;
}

static bool key_is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Surrounding spaces/tabs are ignored; "Bearer" (any case) followed by one
 * or more spaces/tabs introduces the key, otherwise the whole value is the
 * key. The key must be printable ASCII without spaces. The returned pointer
 * is into value (borrowed). */
const char *key_from_header(const char *value, size_t *len)
{
    if (!value)
        return NULL;
    size_t n = strnlen(value, KEY_MAX_HEADER + 1);
    if (n > KEY_MAX_HEADER)
        return NULL;
    const char *p = value, *end = value + n;
    while (p < end && key_is_space(*p))
        p++;
    while (end > p && key_is_space(end[-1]))
        end--;
    if (end - p >= 6 && strncasecmp(p, "bearer", 6) == 0) {
        if (end - p == 6)
            return NULL; /* scheme without a key */
        if (key_is_space(p[6])) {
            p += 6;
            while (p < end && key_is_space(*p))
                p++;
        }
    }
    if (p == end)
        return NULL;
    for (const char *q = p; q < end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c <= 0x20 || c >= 0x7f)
            return NULL;
    }
    if (len)
        *len = (size_t)(end - p);
    return p;
}

/* Writes "…" (U+2026) + the last 4 characters of last4 (all of it when
 * shorter; NULL counts as ""). When outlen is too small, out becomes "". */
void key_mask(const char *last4, char *out, size_t outlen)
{
    static const char ellipsis[] = "\xe2\x80\xa6";
    if (!out || outlen == 0)
        return;
    if (!last4)
        last4 = "";
    size_t n = strlen(last4);
    if (n > 4) {
        last4 += n - 4;
        n = 4;
    }
    size_t need = sizeof(ellipsis) - 1 + n + 1;
    if (outlen < need) {
        out[0] = '\0';
        return;
    }
    memcpy(out, ellipsis, sizeof(ellipsis) - 1);
    memcpy(out + sizeof(ellipsis) - 1, last4, n);
    out[need - 1] = '\0';
}
