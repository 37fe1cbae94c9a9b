/* auth.h - turns an Authorization header into an authenticated key and its scope. */
#ifndef PARLEY_AUTH_AUTH_H
#define PARLEY_AUTH_AUTH_H

#include "store/store.h"

#define AUTH_TOUCH_INTERVAL 60000 /* milliseconds between lastSeenAt writes for one key */

typedef enum {
    AUTH_OK = 0,
    AUTH_DENIED,  /* missing, malformed, unknown or revoked key: all look the same */
    AUTH_ERROR,   /* the store failed */
} auth_rc_t;

/* Authenticates header (may be NULL). On AUTH_OK fills *key and *scope (scope
 * strings point into *key) and refreshes lastSeenAt when it is older than
 * AUTH_TOUCH_INTERVAL. Never logs the key. */
auth_rc_t auth_authenticate(store_t *st, const char *header, store_key_t *key, store_scope_t *scope);
/* The two halves of auth_authenticate, for the server, which needs to know
 * the key before deciding whether a request runs at all (fault rules match
 * on key ids): auth_lookup finds the live key of header without writing
 * anything; auth_accept then fills *scope and refreshes lastSeenAt. */
auth_rc_t auth_lookup(store_t *st, const char *header, store_key_t *key);
void auth_accept(store_t *st, store_key_t *key, store_scope_t *scope);
/* auth_accept's own two halves: auth_scope fills *scope (its strings point
 * into *key); auth_touch refreshes lastSeenAt when it is older than
 * AUTH_TOUCH_INTERVAL (a write, best effort: a failure is not reported). The
 * server touches after the handler, outside the request's read snapshot. */
void auth_scope(const store_key_t *key, store_scope_t *scope);
void auth_touch(store_t *st, store_key_t *key);

/* Creates a key of org_uuid for user_uuid (NULL = the organization's admin):
 * generates KEY_RANDOM_BYTES from the OS, stores only its SHA-256 and last 4
 * characters, and writes the key text into key_out (KEY_STR_LEN + 1 bytes,
 * caller-owned: wipe it with sodium_memzero once shown) and its id into id_out.
 * Used by the CLI and POST /api_keys alike. Returns STORE_OK, NOT_FOUND when
 * the user is not in the organization, or STORE_ERROR; key_out is wiped on
 * failure. key_lib_init() must have succeeded. */
store_rc_t auth_key_issue(store_t *st, const char *org_uuid, const char *user_uuid, bool org_level, const char *name,
                          char *key_out, uuid_str_t id_out);

#endif
