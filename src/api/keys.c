/* keys.c - GET, POST and DELETE /api_keys: listing (masked), creating (shown once) and revoking keys (spec §5). */
#include "api/api.h"

#include <sodium.h>
#include <string.h>

#include "auth/auth.h"
#include "http/problem.h"
#include "model/apikey.h"

/* Renders each key the store hands over; a user-level caller (user set) sees
 * only the user-level keys of its own user. */
typedef struct keys_out {
    jsonw_t *w;
    const char *user;
} keys_out_t;

static int keys_out_cb(void *ctx, const store_key_info_t *k)
{
    keys_out_t *o = ctx;
    if (o->user && (k->org_level || strcmp(k->user_uuid, o->user) != 0))
        return 0;
    apikey_render(o->w, k, NULL);
    return 0;
}

/* GET /v2/api_keys: a bare JSON array of the live keys, values masked. An
 * org-level key lists every key of its organization; a user-level key only
 * its own user's user-level keys. */
void api_keys_list(req_t *r)
{
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_arr_begin(&w);
    keys_out_t o = {&w, r->scope.user_uuid};
    if (store_key_list(r->store, r->scope.org_uuid, r->scope.user_uuid, keys_out_cb, &o) != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_arr_end(&w);
}

/* POST /v2/api_keys: body {name, orgLevel?, userUUID?} (apikey_body_parse).
 * An org-level key creates either kind, for userUUID or (absent) the
 * organization's admin; a user-level key creates only user-level keys for its
 * own user (orgLevel true or another userUUID → 403). Unknown userUUID → 400.
 * Answers 200 with the key object whose value is the full key, the only time
 * it is shown; the key is wiped from this process's memory afterwards (the
 * response buffer aside, which the server frees once sent). */
void api_keys_create(req_t *r)
{
    json_t *root = req_json_body(r, true); /* owner: this function */
    if (!root)
        return;
    apikey_body_t b;
    char err[512];
    int bad = apikey_body_parse(root, &b, err, sizeof err);
    if (bad) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    const char *self = r->scope.user_uuid;
    if (self && b.org_level) {
        json_decref(root);
        problem_send(r, 403, "forbidden", "a user-level key cannot create org-level keys (orgLevel must be false)");
        return;
    }
    if (self && b.user_uuid && strcmp(b.user_uuid, self) != 0) {
        json_decref(root);
        problem_send(r, 403, "forbidden", "this key acts for user %s and may only create keys for that user (userUUID %s)",
                     self, b.user_uuid);
        return;
    }
    const char *user = self ? self : b.user_uuid;
    char key[KEY_STR_LEN + 1]; /* wiped below */
    uuid_str_t id;
    store_rc_t rc = auth_key_issue(r->store, r->scope.org_uuid, user, b.org_level, b.name, key, id);
    json_decref(root);
    if (rc == STORE_NOT_FOUND) {
        if (user)
            problem_send(r, 400, "invalid_body", "userUUID %s is not a user of this organization", user);
        else
            problem_internal(r); /* an organization always has its admin */
        return;
    }
    store_key_info_t k;
    if (rc != STORE_OK || store_key_get(r->store, r->scope.org_uuid, id, &k) != STORE_OK) {
        sodium_memzero(key, sizeof key);
        problem_internal(r);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    apikey_render(&w, &k, key);
    sodium_memzero(key, sizeof key);
}

/* DELETE /v2/api_keys?id=<id> (or body {"id"}): revokes a live key of the
 * organization at once. Unknown, malformed, revoked or another organization's
 * id → 404; a user-level key may revoke only its own user's user-level keys
 * (403 otherwise). Revoking the key used for this request is allowed.
 * Answers 200 {"success":true} [decided]. */
void api_keys_revoke(req_t *r)
{
    json_t *body = req_json_body(r, false); /* owner: this function; NULL when absent */
    if (!body && r->status)
        return;
    const char *id;
    char err[256];
    if (apikey_delete_id(query_get(&r->query, "id"), body, &id, err, sizeof err) != 0) {
        json_decref(body);
        problem_send(r, 400, "invalid_parameter", "%s", err);
        return;
    }
    id = arena_strdup(&r->arena, id);
    json_decref(body);
    if (!id) {
        problem_internal(r);
        return;
    }
    store_key_info_t k;
    store_rc_t rc = store_key_get(r->store, r->scope.org_uuid, id, &k);
    if (rc == STORE_OK && r->scope.user_uuid && (k.org_level || strcmp(k.user_uuid, r->scope.user_uuid) != 0)) {
        problem_send(r, 403, "forbidden", "this key acts for user %s and may only revoke that user's user-level keys",
                     r->scope.user_uuid);
        return;
    }
    if (rc == STORE_OK)
        rc = store_key_revoke(r->store, r->scope.org_uuid, k.id);
    if (rc == STORE_NOT_FOUND) {
        problem_not_found(r, "api key", id);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_bool(&w, "success", true);
    jsonw_obj_end(&w);
}
