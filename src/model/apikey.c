/* apikey.c - the API-key resource of spec §5 (GET/POST/DELETE /api_keys): its renderer and request bodies. */
#include "model/apikey.h"

#include <stdio.h>
#include <string.h>

#include "auth/keys.h"
#include "lib/strutil.h"
#include "model/user.h"

void apikey_render(jsonw_t *w, const store_key_info_t *k, const char *full_value)
{
    char masked[16];
    if (!full_value)
        key_mask(k->last4, masked, sizeof masked);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "id", k->id);
    jsonw_kv_string(w, "name", k->name);
    jsonw_kv_string(w, "organizationUUID", k->org_uuid);
    jsonw_kv_string(w, "userUUID", k->user_uuid);
    jsonw_kv_string(w, "value", full_value ? full_value : masked);
    jsonw_kv_time(w, "lastSeenAt", k->last_seen_at);
    jsonw_obj_end(w);
}

int apikey_body_parse(const json_t *body, apikey_body_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body)) {
        snprintf(err, errlen, "the request body must be a JSON object");
        return -1;
    }
    if (user_name_member(body, "name", &out->name, err, errlen) != 0)
        return -1;
    json_t *ol = json_object_get(body, "orgLevel");
    if (ol && !json_is_null(ol)) {
        if (!json_is_boolean(ol)) {
            snprintf(err, errlen, "orgLevel must be a boolean (true or false)");
            return -1;
        }
        out->org_level = json_is_true(ol);
    }
    json_t *u = json_object_get(body, "userUUID");
    if (u && !json_is_null(u)) {
        if (!json_is_string(u)) {
            snprintf(err, errlen, "userUUID must be a string");
            return -1;
        }
        if (!uuid_parse(json_string_value(u), out->user_buf)) {
            char shown[STR_SHOWN_MAX + 4];
            snprintf(err, errlen, "userUUID must be a UUID, got \"%s\"",
                     str_shown(json_string_value(u), shown, sizeof shown));
            return -1;
        }
        out->user_uuid = out->user_buf;
    }
    return 0;
}

int apikey_delete_id(const char *query_id, const json_t *body, const char **out, char *err, size_t errlen)
{
    const char *bid = NULL;
    *out = NULL;
    if (body) {
        if (!json_is_object(body)) {
            snprintf(err, errlen, "the request body must be a JSON object {\"id\": \"<key id>\"}");
            return -1;
        }
        json_t *v = json_object_get(body, "id");
        if (v && !json_is_null(v)) {
            if (!json_is_string(v)) {
                snprintf(err, errlen, "id must be a string (the key's id)");
                return -1;
            }
            bid = json_string_value(v);
        }
    }
    if (query_id && !*query_id)
        query_id = NULL;
    if (bid && !*bid)
        bid = NULL;
    if (!query_id && !bid) {
        snprintf(err, errlen, "id is required: give the key's id as ?id=<id> or in the body {\"id\": \"<id>\"}");
        return -1;
    }
    if (query_id && bid && strcmp(query_id, bid) != 0) {
        char s1[STR_SHOWN_MAX + 4], s2[STR_SHOWN_MAX + 4];
        snprintf(err, errlen, "the id in the query (\"%s\") and in the body (\"%s\") differ",
                 str_shown(query_id, s1, sizeof s1), str_shown(bid, s2, sizeof s2));
        return -1;
    }
    *out = query_id ? query_id : bid;
    return 0;
}
