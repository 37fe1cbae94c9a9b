/* admin_rate_limit.c - /_parley/rate-limit: the hosted API's 429 on demand (stand-in §4). */
#include "api/api.h"

#include "http/problem.h"
#include "standin/standin.h"

/* GET /_parley/rate-limit → 200 {"requests","per","burst"}, or 404 when no limit is set. */
void api_admin_rate_limit_get(req_t *r)
{
    buf_reset(&r->out);
    if (!ratelimit_render(r->standin->ratelimit, &r->out)) {
        problem_send(r, 404, "not_found", "no rate limit is set");
        return;
    }
    r->status = 200;
    r->out_type = "application/json; charset=utf-8";
}

/* PUT /_parley/rate-limit {"requests", "per": "second"|"minute", "burst"?} →
 * 200 the limit; every key's bucket starts full. Bad body → 400 naming the member. */
void api_admin_rate_limit_set(req_t *r)
{
    json_t *body = req_json_body(r, true); /* owner: this function */
    if (!body)
        return;
    char err[256];
    int rc = ratelimit_set_json(r->standin->ratelimit, body, err, sizeof err);
    json_decref(body);
    if (rc != 0) {
        problem_send(r, 400, "invalid_rate_limit", "%s", err);
        return;
    }
    api_admin_rate_limit_get(r);
}

/* DELETE /_parley/rate-limit → 200 {"success":true}: no limit any more. */
void api_admin_rate_limit_clear(req_t *r)
{
    ratelimit_clear(r->standin->ratelimit);
    req_success(r);
}
