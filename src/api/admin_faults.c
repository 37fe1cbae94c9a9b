/* admin_faults.c - /_parley/faults: fault rules of the admin API (stand-in §3). */
#include "api/api.h"

#include "http/problem.h"
#include "standin/standin.h"

/* POST /_parley/faults: the rule body (faults_add; any bad member → 400
 * naming it) → 201 the rule with "id" and "hits": 0. */
void api_admin_faults_create(req_t *r)
{
    json_t *body = req_json_body(r, true); /* owner: this function */
    if (!body)
        return;
    char err[512];
    buf_reset(&r->out);
    int rc = faults_add(r->standin->faults, body, &r->out, err, sizeof err);
    json_decref(body);
    if (rc != 0) {
        problem_send(r, 400, "invalid_rule", "%s", err);
        return;
    }
    r->status = 201;
    r->out_type = "application/json; charset=utf-8";
}

/* GET /_parley/faults → 200 {"data":[rule…]} in creation order, with hits. */
void api_admin_faults_list(req_t *r)
{
    buf_reset(&r->out);
    faults_list(r->standin->faults, &r->out);
    r->status = 200;
    r->out_type = "application/json; charset=utf-8";
}

/* DELETE /_parley/faults → 200 {"success":true}: every rule is gone. */
void api_admin_faults_clear(req_t *r)
{
    faults_clear(r->standin->faults);
    req_success(r);
}

/* DELETE /_parley/faults/{id} → 200 {"success":true}, or 404 for an unknown id. */
void api_admin_faults_delete(req_t *r)
{
    if (!faults_remove(r->standin->faults, r->params[0])) {
        problem_send(r, 404, "not_found", "fault rule %.64s not found", r->params[0]);
        return;
    }
    req_success(r);
}
