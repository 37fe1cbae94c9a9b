/* auth.c - turns an Authorization header into an authenticated key and its scope. */
#include "auth/auth.h"

#include <sodium.h>
#include <string.h>

#include "lib/ptime.h"

auth_rc_t auth_lookup(store_t *st, const char *header, store_key_t *key)
{
    size_t len = 0;
    const char *k = header ? key_from_header(header, &len) : NULL;
    if (!k)
        return AUTH_DENIED;
    key_hash_t h;
    key_hash(k, len, h);
    store_rc_t rc = store_key_lookup(st, h, key);
    sodium_memzero(h, sizeof h);
    if (rc == STORE_NOT_FOUND)
        return AUTH_DENIED;
    return rc == STORE_OK ? AUTH_OK : AUTH_ERROR;
}

void auth_scope(const store_key_t *key, store_scope_t *scope)
{
    scope->org_uuid = key->org_uuid;
    scope->user_uuid = key->org_level ? NULL : key->user_uuid;
}

void auth_touch(store_t *st, store_key_t *key)
{
    int64_t now = ptime_now_ms();
    if (now - key->last_seen_at >= AUTH_TOUCH_INTERVAL) {
        /* best effort: a failed touch must not fail the request */
        if (store_key_touch(st, key->id, now) == STORE_OK)
            key->last_seen_at = now;
    }
}

void auth_accept(store_t *st, store_key_t *key, store_scope_t *scope)
{
    auth_touch(st, key);
    auth_scope(key, scope);
}

auth_rc_t auth_authenticate(store_t *st, const char *header, store_key_t *key, store_scope_t *scope)
{
    auth_rc_t rc = auth_lookup(st, header, key);
    if (rc == AUTH_OK)
        auth_accept(st, key, scope);
    return rc;
}

store_rc_t auth_key_issue(store_t *st, const char *org_uuid, const char *user_uuid, bool org_level, const char *name,
                          char *key_out, uuid_str_t id_out)
{
    key_generate(key_out);
    size_t len = strlen(key_out);
    key_hash_t h;
    key_hash(key_out, len, h);
    store_rc_t rc = store_key_create(st, org_uuid, user_uuid, org_level, name, h, key_out + len - 4, id_out);
    sodium_memzero(h, sizeof h);
    if (rc != STORE_OK)
        sodium_memzero(key_out, KEY_STR_LEN + 1);
    return rc;
}
