/* conversation_updates.c - the conversation changes: PUT …/{id}, …/title, …/labels, …/change_privacy, …/linked-crm-records, POST …/crm/confirm, POST /changeConversationOpportunity. */
#include "api/api.h"


#include "api/conv_common.h"
#include "http/problem.h"
#include "lib/ptime.h"
#include "lib/uuid.h"
#include "model/update.h"

/* A body validator of model/update.h. */
typedef int (*upd_parse_fn)(arena_t *a, const json_t *body, conv_update_t *u, char *err, size_t errlen);

/* Applies u to conversation uuid (id = the path segment as given, for
 * messages) and replies: 200 with the resource rendered with ro, or the
 * problem for the store's answer (a 403 is also recorded in the workflow log). */
static void upd_apply(req_t *r, const char *uuid, const char *id, const conv_update_t *u, const conv_render_opts_t *ro)
{
    int64_t now = ptime_now_ms();
    jsonw_t w;
    req_json_begin(r, 200, &w);
    api_conv_out_t out = {&w, ro};
    store_rc_t rc = store_conv_update(r->store, &r->scope, uuid, u, now, api_conv_out_cb, &out);
    if (rc == STORE_FORBIDDEN)
        api_conv_log_refusal(r, uuid, u->workflow_name, now);
    if (rc != STORE_OK)
        api_conv_store_fail(r, rc, id);
}

/* The flow of every /conversations/{id}/… change: a non-UUID id is a 404,
 * then the render options (query), then the body (415/400; required or not),
 * then parse validates it into a conv_update_t (400 naming the field). */
static void upd_run(req_t *r, upd_parse_fn parse, bool body_required)
{
    const char *id = r->params[0];
    uuid_str_t u;
    if (!uuid_parse(id, u)) {
        problem_not_found(r, "conversation", id);
        return;
    }
    conv_render_opts_t ro;
    if (api_conv_single_opts(r, &ro) != 0)
        return;
    json_t *body = req_json_body(r, body_required); /* owner: this function */
    if (!body && r->status)
        return;
    conv_update_t upd;
    char err[512];
    int bad = parse(&r->arena, body, &upd, err, sizeof err);
    json_decref(body); /* upd borrows only from the request arena */
    if (bad) {
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    upd_apply(r, u, id, &upd, &ro);
}

void api_conv_update(req_t *r)
{
    upd_run(r, update_parse_conversation, true);
}

void api_conv_update_title(req_t *r)
{
    upd_run(r, update_parse_title, true);
}

void api_conv_update_labels(req_t *r)
{
    upd_run(r, update_parse_labels, true);
}

void api_conv_change_privacy(req_t *r)
{
    upd_run(r, update_parse_privacy, false);
}

void api_conv_linked_crm_records(req_t *r)
{
    upd_run(r, update_parse_linked_crm, true);
}

void api_conv_crm_confirm(req_t *r)
{
    upd_run(r, update_parse_crm_confirm, true);
}

void api_change_opportunity(req_t *r)
{
    json_t *body = req_json_body(r, true); /* owner: this function */
    if (!body)
        return;
    conv_update_t upd;
    uuid_str_t u;
    char err[512];
    int bad = update_parse_opportunity(&r->arena, body, &upd, u, err, sizeof err);
    json_decref(body);
    if (bad) {
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    int64_t now = ptime_now_ms();
    store_rc_t rc = store_conv_update(r->store, &r->scope, u, &upd, now, NULL, NULL);
    if (rc == STORE_FORBIDDEN)
        api_conv_log_refusal(r, u, upd.workflow_name, now);
    if (rc != STORE_OK) {
        api_conv_store_fail(r, rc, u);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_bool(&w, "success", true);
    jsonw_obj_end(&w);
}
