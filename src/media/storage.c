/* storage.c - what the media backends share: key rules, readers, closing, names. */
#include "media/storage.h"

#include <string.h>

#define MEDIA_KEY_LEN_MAX 512

/* True when s[0..n) is segments of [A-Za-z0-9_-] joined by single '/'. */
static bool media_segments_ok(const char *s, size_t n)
{
    if (n == 0 || s[0] == '/' || s[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!word && !(c == '/' && s[i + 1] != '/'))
            return false;
    }
    return true;
}

bool media_key_ok(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    return n <= MEDIA_KEY_LEN_MAX && media_segments_ok(key, n);
}

bool media_prefix_ok(const char *prefix)
{
    size_t n = prefix ? strlen(prefix) : 0;
    return n >= 2 && n <= MEDIA_KEY_LEN_MAX && prefix[n - 1] == '/' && media_segments_ok(prefix, n - 1);
}

void media_store_close(media_store_t *s)
{
    if (s)
        s->ops->close(s);
}

const char *media_rc_str(media_rc_t rc)
{
    switch (rc) {
    case MEDIA_OK: return "ok";
    case MEDIA_NOT_FOUND: return "not found";
    case MEDIA_UNAVAILABLE: return "unavailable";
    case MEDIA_ERROR: return "error";
    }
    return "?";
}
