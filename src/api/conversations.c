/* conversations.c - GET/DELETE on conversations: lists, one resource, lookups, archive and unarchive. */
#include "api/api.h"

#include <string.h>

#include "api/conv_common.h"
#include "http/problem.h"
#include "lib/ptime.h"
#include "lib/uuid.h"
#include "model/filter.h"

/* Appends "?page=P&size=S" plus the caller's other raw parameters to b. */
static void conv_link(buf_t *b, req_t *r, const char *base, long long page, long long size)
{
    buf_printf(b, "%s?page=%lld&size=%lld", base, page, size);
    const char *p = r->raw_query;
    while (p && *p) {
        size_t n = strcspn(p, "&");
        size_t kn = strcspn(p, "=&");
        char *key = query_unescape(&r->arena, p, kn, true);
        if (key) {
            size_t kl = strlen(key);
            if (kl > 2 && strcmp(key + kl - 2, "[]") == 0)
                key[kl - 2] = '\0';
            if (strcmp(key, "page") && strcmp(key, "size") && strcmp(key, "page[number]") && strcmp(key, "page[size]") &&
                n > 0) {
                buf_putc(b, '&');
                buf_append(b, p, n);
            }
        }
        p += n;
        if (*p == '&')
            p++;
    }
}

/* GET /conversations and GET /conversations/list. */
static void conv_list(req_t *r, filter_endpoint_t ep, const char *base)
{
    conv_filter_t f;
    conv_render_opts_t ro;
    char err[256];
    if (conv_filter_parse(&r->arena, &r->query, ep, &f, &ro, err, sizeof err) != 0) {
        problem_send(r, 400, "invalid_parameter", "%s", err);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    buf_reserve(&r->out, (size_t)f.size * 4608); /* ~4.5 KB a list item: one allocation, not ten */
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    api_conv_out_t out = {&w, &ro};
    int64_t total = 0;
    store_rc_t rc = store_conv_list(r->store, &r->scope, &f, &total, api_conv_out_cb, &out);
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_arr_end(&w);

    long long size = f.size, page = f.page;
    long long pages = (total + size - 1) / size;
    long long last = pages > 0 ? pages : 1;
    buf_t link;
    buf_init(&link);
    jsonw_key(&w, "links");
    jsonw_obj_begin(&w);
    struct { const char *name; long long page; bool present; } links[] = {
        {"self", page, true},
        {"related", page + 1, page < pages},
        {"first", 1, true},
        {"prev", page - 1 < last ? page - 1 : last, page > 1},
        {"next", page + 1, page < pages},
        {"last", last, true},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (!links[i].present)
            continue;
        buf_reset(&link);
        conv_link(&link, r, base, links[i].page, size);
        jsonw_key(&w, links[i].name);
        jsonw_stringn(&w, link.data ? link.data : "", link.len);
    }
    buf_free(&link);
    jsonw_obj_end(&w);
    jsonw_key(&w, "meta");
    jsonw_obj_begin(&w);
    jsonw_kv_int(&w, "totalRecords", total);
    jsonw_kv_int(&w, "pageCount", pages);
    jsonw_kv_int(&w, "pageNumber", page);
    jsonw_kv_int(&w, "pageSize", size);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
}

void api_conv_list(req_t *r)
{
    conv_list(r, FILTER_ENDPOINT_CONVERSATIONS, "/v2/conversations");
}

void api_conv_list_light(req_t *r)
{
    conv_list(r, FILTER_ENDPOINT_LIST, "/v2/conversations/list");
}

void api_conv_get(req_t *r)
{
    const char *id = r->params[0];
    const char *by = query_get(&r->query, "by");
    if (by && strcmp(by, "id") != 0 && strcmp(by, "external_id") != 0) {
        problem_send(r, 400, "invalid_parameter", "by must be \"id\" or \"external_id\", got \"%.64s\"", by);
        return;
    }
    conv_render_opts_t ro;
    if (api_conv_single_opts(r, &ro) != 0)
        return;
    jsonw_t w;
    req_json_begin(r, 200, &w);
    api_conv_out_t out = {&w, &ro};
    store_rc_t rc;
    if (by && strcmp(by, "external_id") == 0) {
        rc = store_conv_get_by_external_id(r->store, &r->scope, id, api_conv_out_cb, &out);
    } else {
        uuid_str_t u;
        if (!uuid_parse(id, u)) {
            problem_not_found(r, "conversation", id);
            return;
        }
        rc = store_conv_get(r->store, &r->scope, u, api_conv_out_cb, &out);
    }
    if (rc != STORE_OK)
        api_conv_store_fail(r, rc, id);
}

/* Copies the uuid of the row found. */
static int conv_uuid_cb(void *ctx, const conv_t *c)
{
    memcpy(ctx, c->uuid, sizeof(uuid_str_t));
    return 0;
}

void api_conv_by_external_id(req_t *r)
{
    uuid_str_t u = "";
    store_rc_t rc = store_conv_get_by_external_id(r->store, &r->scope, r->params[0], conv_uuid_cb, u);
    if (rc != STORE_OK) {
        if (rc == STORE_NOT_FOUND)
            problem_not_found(r, "conversation with external id", r->params[0]);
        else
            problem_internal(r);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "conversation_id", u);
    jsonw_obj_end(&w);
}

/* An archive or unarchive between its handler and its reply; in r's arena. */
typedef struct conv_archive_job {
    req_t *r;
    conv_render_opts_t ro;
    uuid_str_t u;
    const char *id;      /* the path segment as given, for messages */
    bool archived;
    int64_t now;
    store_rc_t rc;       /* the write's outcome (set by conv_archive_done) */
} conv_archive_job_t;

/* store_done_cb of the write (the group-commit writer's thread): only records
 * the outcome; conv_archive_reply does the rest on a worker thread, so the
 * single writer spends no time reading and rendering responses. */
static void conv_archive_done(void *ctx, store_rc_t rc)
{
    conv_archive_job_t *j = ctx;
    j->rc = rc;
    req_complete(j->r);
}

/* req_defer_then work (a worker thread, after the write is durable): replies
 * the conversation as now stored, read after the commit (a change committed
 * since by someone else may show too, as in any later GET), or the problem.
 * Rendered by default, it goes through store_conv_render, which hands it to
 * the change's webhook delivery as well. */
static void conv_archive_reply(req_t *r, void *ctx)
{
    conv_archive_job_t *j = ctx;
    store_rc_t rc = j->rc;
    if (rc == STORE_OK && conv_render_opts_is_single(&j->ro)) {
        buf_t b;
        buf_init(&b);
        rc = store_conv_render(r->store, &r->scope, j->u, &b);
        if (rc == STORE_OK) {
            jsonw_t w;
            req_json_begin(r, 200, &w);
            jsonw_rawn(&w, b.data, b.len);
        }
        buf_free(&b);
    } else if (rc == STORE_OK) {
        jsonw_t w;
        req_json_begin(r, 200, &w);
        api_conv_out_t out = {&w, &j->ro};
        rc = store_conv_get(r->store, &r->scope, j->u, api_conv_out_cb, &out);
    }
    if (rc == STORE_FORBIDDEN)
        api_conv_log_refusal(r, j->u, j->archived ? "archive" : "unarchive", j->now);
    if (rc != STORE_OK)
        api_conv_store_fail(r, rc, j->id);
}

/* DELETE /conversations/{id} and POST /conversations/{id}/unarchive. The
 * write is group-committed: the request is deferred so that this worker
 * thread serves other connections until the batch holding it is on disk. */
static void conv_set_archived(req_t *r, bool archived)
{
    const char *id = r->params[0];
    conv_archive_job_t *j = arena_alloc(&r->arena, sizeof *j); /* owner: r's arena */
    if (!j) {
        problem_internal(r);
        return;
    }
    if (!uuid_parse(id, j->u)) {
        problem_not_found(r, "conversation", id);
        return;
    }
    if (api_conv_single_opts(r, &j->ro) != 0)
        return;
    j->r = r;
    j->id = id;
    j->archived = archived;
    j->now = ptime_now_ms();
    j->rc = STORE_ERROR;
    req_defer_then(r, conv_archive_reply, j);
    store_conv_set_archived_async(r->store, &r->scope, j->u, archived, j->now, NULL, NULL, conv_archive_done, j);
}

void api_conv_archive(req_t *r)
{
    conv_set_archived(r, true);
}

void api_conv_unarchive(req_t *r)
{
    conv_set_archived(r, false);
}
