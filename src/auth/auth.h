/* auth.h - turns an Authorization header into an authenticated key and its scope. */
#ifndef PARLEY_AUTH_AUTH_H
#define PARLEY_AUTH_AUTH_H

#include "store/store.h"

#define AUTH_TOUCH_INTERVAL 60 /* seconds between lastSeenAt writes for one key */

typedef enum {
    AUTH_OK = 0,
    AUTH_DENIED,  /* missing, malformed, unknown or revoked key: all look the same */
    AUTH_ERROR,   /* the store failed */
} auth_rc_t;

/* Authenticates header (may be NULL). On AUTH_OK fills *key and *scope (scope
 * strings point into *key) and refreshes lastSeenAt when it is older than
 * AUTH_TOUCH_INTERVAL. Never logs the key. */
auth_rc_t auth_authenticate(store_t *st, const char *header, store_key_t *key, store_scope_t *scope);

#endif
