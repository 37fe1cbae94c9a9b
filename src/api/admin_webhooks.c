/* admin_webhooks.c - /_parley/webhooks: an organization's webhook endpoints and their deliveries (stand-in §7, spec §8). */
#include "api/api.h"

#include <sodium.h>
#include <string.h>

#include "http/problem.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "model/webhook.h"

#define ADMIN_DELIVERIES_DEFAULT 100
#define ADMIN_DELIVERIES_MAX 1000

/* POST /_parley/webhooks {"orgUUID", "url", "events"?, "secret"?, "payload"?}
 * → 201 the endpoint with its secret (the only time it is shown). A bad
 * member (a URL that is not http/https or carries credentials included) or
 * an unknown organization → 400; an organization at WEBHOOK_PER_ORG_MAX
 * endpoints → 409. */
void api_admin_webhooks_create(req_t *r)
{
    json_t *body = req_json_body(r, true); /* owner: this function */
    if (!body)
        return;
    webhook_create_t c;
    char err[512];
    if (webhook_parse_create(body, &c, err, sizeof err) != 0) {
        json_decref(body);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    store_webhook_t *w = arena_alloc(&r->arena, sizeof *w); /* owner: r's arena (wiped below: it holds the secret) */
    if (!w) {
        json_decref(body);
        problem_internal(r);
        return;
    }
    memset(w, 0, sizeof *w);
    uuid_v7(w->id);
    memcpy(w->org_uuid, c.org_uuid, sizeof w->org_uuid);
    snprintf(w->url, sizeof w->url, "%s", c.url);
    w->events = c.events;
    w->resource = c.resource;
    if (c.secret)
        snprintf(w->secret, sizeof w->secret, "%s", c.secret);
    else
        webhook_secret_new(w->secret);
    w->created_at = ptime_now_ms();
    json_decref(body);
    store_rc_t rc = store_webhook_create(r->store, w);
    if (rc == STORE_OK) {
        jsonw_t jw;
        req_json_begin(r, 201, &jw);
        webhook_write_endpoint(&jw, w, true);
    } else if (rc == STORE_NOT_FOUND) {
        problem_send(r, 400, "invalid_body", "orgUUID %s is not an organization", w->org_uuid);
    } else if (rc == STORE_CONFLICT) {
        problem_send(r, 409, "conflict", "organization %s has %d webhook endpoints already, the most it may have",
                     w->org_uuid, WEBHOOK_PER_ORG_MAX);
    } else {
        problem_internal(r);
    }
    sodium_memzero(w->secret, sizeof w->secret);
}

/* store_webhook_cb of the list: one endpoint without its secret (ctx: the writer). */
static int admin_webhook_out(void *ctx, const store_webhook_t *w)
{
    webhook_write_endpoint(ctx, w, false);
    return 0;
}

/* GET /_parley/webhooks?orgUUID= → 200 {"data":[endpoint…]} (without
 * secrets), by creation; every organization's without orgUUID. */
void api_admin_webhooks_list(req_t *r)
{
    const char *org = query_get(&r->query, "orgUUID");
    uuid_str_t id;
    if (org && !uuid_parse(org, id)) {
        char shown[STR_SHOWN_MAX + 4];
        problem_send(r, 400, "invalid_parameter", "orgUUID \"%s\" is not a UUID", str_shown(org, shown, sizeof shown));
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    if (store_webhook_list(r->store, org ? id : NULL, admin_webhook_out, &w) != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}

/* DELETE /_parley/webhooks/{id} → 200 {"success":true}: the endpoint and its
 * deliveries (pending ones dropped) are gone; unknown → 404. */
void api_admin_webhooks_delete(req_t *r)
{
    uuid_str_t id;
    if (!uuid_parse(r->params[0], id)) {
        problem_not_found(r, "webhook endpoint", r->params[0]);
        return;
    }
    store_rc_t rc = store_webhook_delete(r->store, id);
    if (rc == STORE_NOT_FOUND)
        problem_not_found(r, "webhook endpoint", id);
    else if (rc != STORE_OK)
        problem_internal(r);
    else
        req_success(r);
}

/* store_wh_delivery_cb of the deliveries list (ctx: the writer). */
static int admin_delivery_out(void *ctx, const store_wh_delivery_t *d)
{
    webhook_write_delivery(ctx, d);
    return 0;
}

/* GET /_parley/webhooks/{id}/deliveries?status=pending|delivered|failed&limit=
 * → 200 {"data":[delivery…]}, newest first; limit 1..1000 (default 100). */
void api_admin_webhooks_deliveries(req_t *r)
{
    uuid_str_t id;
    if (!uuid_parse(r->params[0], id)) {
        problem_not_found(r, "webhook endpoint", r->params[0]);
        return;
    }
    char shown[STR_SHOWN_MAX + 4];
    const char *st = query_get(&r->query, "status");
    int status = st ? webhook_status_parse(st) : -1;
    if (st && status < 0) {
        problem_send(r, 400, "invalid_parameter", "status must be pending, delivered or failed, got \"%s\"",
                     str_shown(st, shown, sizeof shown));
        return;
    }
    long long limit = ADMIN_DELIVERIES_DEFAULT;
    if (query_get_int(&r->query, "limit", 1, ADMIN_DELIVERIES_MAX, &limit) < 0) {
        problem_send(r, 400, "invalid_parameter", "limit must be an integer from 1 to %d, got \"%s\"",
                     ADMIN_DELIVERIES_MAX, str_shown(query_get(&r->query, "limit"), shown, sizeof shown));
        return;
    }
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    store_rc_t rc = store_webhook_deliveries(r->store, id, status, limit, admin_delivery_out, &w);
    if (rc == STORE_NOT_FOUND) {
        problem_not_found(r, "webhook endpoint", id);
        return;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}
