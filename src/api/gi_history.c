/* gi_history.c - GET /gi/history: a user's generalized-insights history, the Ask Attention questions it asked (beyond.md §6). */
#include "api/api.h"

#include <string.h>

#include "http/problem.h"
#include "lib/strutil.h"
#include "lib/uuid.h"
#include "store/insights.h"

#define GI_LIMIT_DEFAULT 20
#define GI_LIMIT_MAX 100
#define GI_OFFSET_MAX 1000000000LL

/* Writes one entry {uuid, title, results:[{uuid, synthesis, prompt, status,
 * items, conversationsUsed, emailsUsed, type, result}]} (ctx: a gi_out_t). */
typedef struct gi_out {
    jsonw_t *w;
    bool without_enhancing;    /* withoutEnhancingResults: items left empty */
} gi_out_t;

static int gi_out_cb(void *ctx, const store_gi_entry_t *e)
{
    gi_out_t *o = ctx;
    jsonw_t *w = o->w;
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "uuid", e->uuid);
    jsonw_kv_string(w, "title", e->title);
    jsonw_key(w, "results");
    jsonw_arr_begin(w);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "uuid", e->result_uuid);
    jsonw_kv_string(w, "synthesis", e->synthesis);
    jsonw_kv_string(w, "prompt", e->prompt);
    jsonw_kv_string(w, "status", "FINISHED");
    jsonw_kv_raw(w, "items", o->without_enhancing ? "[]" : e->items_json, "[]");
    jsonw_kv_raw(w, "conversationsUsed", e->conversations_json, "[]");
    jsonw_kv_raw(w, "emailsUsed", "[]", "[]");
    jsonw_kv_string(w, "type", "TEXT_WITH_SOURCES");
    jsonw_kv_string(w, "result", e->synthesis);
    jsonw_obj_end(w);
    jsonw_arr_end(w);
    jsonw_obj_end(w);
    return 0;
}

/* Writes the link for offset into w under key. */
static void gi_link(jsonw_t *w, const char *key, const char *user, bool without, long long limit,
                    long long offset)
{
    buf_t b;
    buf_init(&b);
    buf_printf(&b, "/v2/gi/history?user_uuid=%s&limit=%lld&offset=%lld", user, limit, offset);
    if (without)
        buf_puts(&b, "&withoutEnhancingResults=true");
    jsonw_key(w, key);
    if (b.oom)
        w->err = 1;
    jsonw_stringn(w, b.data ? b.data : "", b.len);
    buf_free(&b);
}

/* GET /v2/gi/history?user_uuid=…: user_uuid required (a UUID: 400), a user of
 * the organization (404 otherwise); a user-level key only its own user (403);
 * withoutEnhancingResults boolean; limit 1-100 (default 20), offset >= 0.
 * Answers {data:[…], links, meta}, newest first, or {"data": null} when the
 * user has no history at all (as hosted). */
void api_gi_history(req_t *r)
{
    char shown[STR_SHOWN_MAX + 4];
    const char *user = query_get(&r->query, "user_uuid");
    uuid_str_t uid;
    if (!user || !*user) {
        problem_send(r, 400, "invalid_parameter", "user_uuid is required");
        return;
    }
    if (!uuid_parse(user, uid)) {
        problem_send(r, 400, "invalid_parameter", "user_uuid must be a UUID, got \"%s\"",
                     str_shown(user, shown, sizeof shown));
        return;
    }
    bool without = false;
    if (query_get_bool(&r->query, "withoutEnhancingResults", &without) < 0) {
        problem_send(r, 400, "invalid_parameter",
                     "withoutEnhancingResults must be a boolean (true, false, 1 or 0), got \"%s\"",
                     str_shown(query_get(&r->query, "withoutEnhancingResults"), shown, sizeof shown));
        return;
    }
    long long limit = GI_LIMIT_DEFAULT, offset = 0;
    if (query_get_int(&r->query, "limit", 1, GI_LIMIT_MAX, &limit) < 0) {
        problem_send(r, 400, "invalid_parameter", "limit must be an integer from 1 to %d, got \"%s\"", GI_LIMIT_MAX,
                     str_shown(query_get(&r->query, "limit"), shown, sizeof shown));
        return;
    }
    if (query_get_int(&r->query, "offset", 0, GI_OFFSET_MAX, &offset) < 0) {
        problem_send(r, 400, "invalid_parameter", "offset must be an integer from 0 to %lld, got \"%s\"",
                     GI_OFFSET_MAX, str_shown(query_get(&r->query, "offset"), shown, sizeof shown));
        return;
    }
    store_user_t u;
    store_rc_t rc = store_user_resolve(r->store, r->scope.org_uuid, uid, &u);
    if (rc == STORE_NOT_FOUND || (rc == STORE_OK && strcmp(u.uuid, uid) != 0)) {
        problem_not_found(r, "user", uid);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    if (r->scope.user_uuid && strcmp(r->scope.user_uuid, uid) != 0) {
        problem_send(r, 403, "forbidden", "this key acts for user %s and may only read that user's history",
                     r->scope.user_uuid);
        return;
    }
    gi_out_t o = {NULL, without};
    int64_t total = 0;
    /* the count first: a user without history answers {"data": null} */
    if (store_gi_list(r->store, r->scope.org_uuid, uid, 0, 0, &total, gi_out_cb, &o) != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    if (total == 0) {
        jsonw_null(&w);
        jsonw_obj_end(&w);
        return;
    }
    jsonw_arr_begin(&w);
    o.w = &w;
    if (store_gi_list(r->store, r->scope.org_uuid, uid, limit, offset, &total, gi_out_cb, &o) != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "links");
    jsonw_obj_begin(&w);
    gi_link(&w, "self", uid, without, limit, offset);
    gi_link(&w, "first", uid, without, limit, 0);
    if (offset > 0)
        gi_link(&w, "prev", uid, without, limit, offset > limit ? offset - limit : 0);
    if (offset + limit < total)
        gi_link(&w, "next", uid, without, limit, offset + limit);
    jsonw_obj_end(&w);
    jsonw_key(&w, "meta");
    jsonw_obj_begin(&w);
    jsonw_kv_int(&w, "totalRecords", total);
    jsonw_kv_int(&w, "limit", limit);
    jsonw_kv_int(&w, "offset", offset);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
}
