/* health.c - GET /healthz (liveness) and GET /metrics (Prometheus, with serve --metrics): operations, without a key. */
#include "api/api.h"

#include "http/problem.h"

void api_health(req_t *r)
{
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "status", "ok");
    jsonw_obj_end(&w);
}

/* GET /metrics: the server's metrics in the Prometheus text format when
 * `serve --metrics` put them on this port; else a 404 like any unknown path
 * (they may be on a port of their own, --metrics-listen). */
void api_metrics(req_t *r)
{
    if (!req_metrics(r))
        problem_send(r, 404, "not_found", "no resource at /metrics (serve --metrics puts the metrics here)");
}
