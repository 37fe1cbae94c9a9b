/* workflow_logs.c - GET /conversations/workflow-logs: the events recorded on the organization's conversations. */
#include "api/api.h"

#include "http/problem.h"
#include "model/workflow_filter.h"

/* Writes one entry {conversationUUID,workflowName,success,error,createdAt}. */
static int wf_out_cb(void *ctx, const store_workflow_log_t *l)
{
    jsonw_t *w = ctx;
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "conversationUUID", l->conversation_uuid);
    jsonw_kv_string(w, "workflowName", l->workflow_name);
    jsonw_kv_bool(w, "success", l->success);
    jsonw_kv_string(w, "error", l->error);
    jsonw_kv_time(w, "createdAt", l->created_at);
    jsonw_obj_end(w);
    return 0;
}

void api_workflow_logs(req_t *r)
{
    store_workflow_filter_t f;
    char err[256];
    if (workflow_filter_parse(&r->arena, &r->query, &f, err, sizeof err) != 0) {
        problem_send(r, 400, "invalid_parameter", "%s", err);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    int64_t total = 0;
    if (store_workflow_log_list(r->store, &r->scope, &f, &total, wf_out_cb, &w) != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_arr_end(&w);
    jsonw_kv_int(&w, "total", total);
    jsonw_obj_end(&w);
}
