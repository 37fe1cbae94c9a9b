/* health.c - GET /healthz: liveness without a key. */
#include "api/api.h"

void api_health(req_t *r)
{
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "status", "ok");
    jsonw_obj_end(&w);
}
