/* integrations.c - POST /conversations/{id}/trigger-native-integration: runs the organization's workflows (webhook endpoints) for a conversation (spec §8). */
#include "api/api.h"

#include <string.h>

#include "api/conv_common.h"
#include "http/problem.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "model/webhook.h"

/* The runs of one trigger, collected by integration_run_cb (in r's arena). */
typedef struct integration_runs {
    uuid_str_t endpoint[WEBHOOK_PER_ORG_MAX];
    uuid_str_t event[WEBHOOK_PER_ORG_MAX];
    size_t n;
} integration_runs_t;

/* store_run_cb: one endpoint run (ctx: the integration_runs_t). */
static void integration_run_cb(void *ctx, const char *endpoint_id, const char *event_id)
{
    integration_runs_t *runs = ctx;
    if (runs->n == WEBHOOK_PER_ORG_MAX)
        return;
    snprintf(runs->endpoint[runs->n], sizeof(uuid_str_t), "%s", endpoint_id);
    snprintf(runs->event[runs->n], sizeof(uuid_str_t), "%s", event_id);
    runs->n++;
}

/* The endpoint ids of an organization, collected by integration_endpoint_cb. */
typedef struct integration_known {
    uuid_str_t id[WEBHOOK_PER_ORG_MAX];
    size_t n;
} integration_known_t;

static int integration_endpoint_cb(void *ctx, const store_webhook_t *w)
{
    integration_known_t *k = ctx;
    if (k->n < WEBHOOK_PER_ORG_MAX)
        memcpy(k->id[k->n++], w->id, sizeof(uuid_str_t));
    return 0;
}

/* Replies 400 and returns -1 unless every id of t is an endpoint of the
 * scope's organization. */
static int integration_check_ids(req_t *r, const webhook_trigger_t *t)
{
    if (t->bad[0]) {
        problem_send(r, 400, "invalid_body", "workflowIds: \"%s\" is not a workflow (webhook endpoint) of this "
                     "organization", t->bad);
        return -1;
    }
    integration_known_t *k = arena_alloc(&r->arena, sizeof *k); /* owner: r's arena */
    if (!k || (k->n = 0, store_webhook_list(r->store, r->scope.org_uuid, integration_endpoint_cb, k)) != STORE_OK) {
        problem_internal(r);
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        bool found = false;
        for (size_t j = 0; j < k->n && !found; j++)
            found = strcmp(t->ids[i], k->id[j]) == 0;
        if (!found) {
            problem_send(r, 400, "invalid_body",
                         "workflowIds: \"%s\" is not a workflow (webhook endpoint) of this organization", t->ids[i]);
            return -1;
        }
    }
    return 0;
}

/* POST /conversations/{id}/trigger-native-integration {workflowIds?,
 * fieldKeys?, autoExecution?} → 200 {"workflows":[{"workflowId","runId"}]}:
 * one run (a conversation.integration_triggered event of its own) per
 * endpoint named, or of the organization when none is, written with the
 * workflow-log entry native_integration in one transaction. A user-level key
 * may trigger only on conversations it may change (403, logged as refused). */
void api_conv_trigger_integration(req_t *r)
{
    const char *id = r->params[0];
    uuid_str_t u;
    if (!uuid_parse(id, u)) {
        problem_not_found(r, "conversation", id);
        return;
    }
    json_t *body = req_json_body(r, false); /* owner: this function; NULL when there is none */
    if (!body && r->status)
        return;
    webhook_trigger_t *t = arena_alloc(&r->arena, sizeof *t); /* owner: r's arena */
    integration_runs_t *runs = arena_alloc(&r->arena, sizeof *runs); /* owner: r's arena */
    if (!t || !runs) {
        json_decref(body);
        problem_internal(r);
        return;
    }
    char err[512];
    int bad = webhook_parse_trigger(body, t, err, sizeof err);
    json_decref(body);
    if (bad) {
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    if (!t->all && integration_check_ids(r, t) != 0)
        return;
    runs->n = 0;
    conv_trigger_t ct = {t->all ? NULL : (const uuid_str_t *)t->ids, t->n, integration_run_cb, runs};
    conv_update_t upd;
    memset(&upd, 0, sizeof upd);
    upd.privacy = CONV_PRIVACY_KEEP;
    upd.workflow_name = "native_integration";
    upd.trigger = &ct;
    int64_t now = ptime_now_ms();
    store_rc_t rc = store_conv_update(r->store, &r->scope, u, &upd, now, NULL, NULL);
    if (rc == STORE_FORBIDDEN)
        api_conv_log_refusal(r, u, upd.workflow_name, now);
    if (rc != STORE_OK) {
        api_conv_store_fail(r, rc, id);
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "workflows");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < runs->n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kv_string(&w, "workflowId", runs->endpoint[i]);
        jsonw_kv_string(&w, "runId", runs->event[i]);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}
