/* apikey.h - the API-key resource of spec §5 (GET/POST/DELETE /api_keys): its renderer and request bodies. */
#ifndef PARLEY_MODEL_APIKEY_H
#define PARLEY_MODEL_APIKEY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/jsonw.h"
#include "store/store.h"

/* Writes {id,name,organizationUUID,userUUID,value,lastSeenAt}. value is
 * full_value when given (only in the POST response, the one time a key is
 * shown), else the masked form "…" + last 4 characters (key_mask). lastSeenAt
 * is RFC 3339, "" when the key was never used. Can't fail. */
void apikey_render(jsonw_t *w, const store_key_info_t *k, const char *full_value);

/* POST /api_keys body: name (required, 1..200 characters, user_name_ok),
 * orgLevel (optional boolean, default false [decided]), userUUID (optional
 * UUID, lowercased into user_buf). JSON null counts as absent; unknown fields
 * are ignored. Strings borrow from body. */
typedef struct apikey_body {
    const char *name;
    bool org_level;
    const char *user_uuid;   /* NULL when absent */
    uuid_str_t user_buf;
} apikey_body_t;

/* Returns 0, or -1 with a message naming the field, the value and the rule in err. */
int apikey_body_parse(const json_t *body, apikey_body_t *out, char *err, size_t errlen);

/* The key id of DELETE /api_keys: query_id (the `id` query parameter, may be
 * NULL) and/or body member "id" (body may be NULL). *out borrows from one of
 * them. Returns 0, or -1 with a message in err when neither gives an id, the
 * body is not an object, its id is not a string, or the two differ. The id's
 * form is not checked: an id that is not a UUID is simply unknown (404). */
int apikey_delete_id(const char *query_id, const json_t *body, const char **out, char *err, size_t errlen);

#endif
