/* standin.c - the admin API's access checks: which paths are its own, and its token. */
#include "standin/standin.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

bool standin_is_admin_path(const char *path)
{
    return strncmp(path, "/_parley", 8) == 0 && (path[8] == '\0' || path[8] == '/');
}

bool standin_token_ok(const standin_t *s, const char *authorization)
{
    if (!s || !s->admin_token || !authorization)
        return false;
    const char *t = authorization;
    if (strncasecmp(t, "Bearer ", 7) == 0)
        t += 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n && t[n - 1] == ' ')
        n--;
    /* The length is not secret (tokens are long and random); the bytes are. */
    return n == s->admin_token_len && sodium_memcmp(t, s->admin_token, n) == 0;
}
