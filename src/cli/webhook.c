/* webhook.c - `parley webhook create|list|delete|deliveries`: an organization's webhook endpoints from the command line (spec §8). */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "lib/ptime.h"
#include "model/webhook.h"

#define WEBHOOK_DB_HELP "SQLite file or PostgreSQL URL (postgres://…) (default $PARLEY_DB or ./parley.db)"

/* Writes the JSON in b as one stdout line and empties b; -1 when memory ran out. */
static int webhook_emit(buf_t *b)
{
    if (b->oom) {
        fprintf(stderr, "parley: out of memory\n");
        return -1;
    }
    fwrite(b->data ? b->data : "", 1, b->len, stdout);
    putchar('\n');
    buf_reset(b);
    return 0;
}

/* The create body the admin API would get, from the options (the same
 * validation then applies). Owner: the caller (json_decref). */
static json_t *webhook_body(const char *org, const char *url, const char *events, const char *payload,
                            const char *secret)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "orgUUID", json_string(org));
    json_object_set_new(o, "url", url ? json_string(url) : json_null());
    if (payload)
        json_object_set_new(o, "payload", json_string(payload));
    if (secret)
        json_object_set_new(o, "secret", json_string(secret));
    if (events) {
        json_t *a = json_array();
        for (const char *p = events; a && *p;) {
            size_t n = strcspn(p, ",");
            json_array_append_new(a, json_stringn(p, n));
            p += n;
            if (*p == ',')
                p++;
        }
        json_object_set_new(o, "events", a ? a : json_null());
    }
    return o;
}

int cli_webhook_create(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL, *url = NULL, *events = NULL, *payload = NULL, *secret = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (required)", &org, NULL},
        {"url", "URL", "the receiver: an http or https URL without credentials (required)", &url, NULL},
        {"events", "E,…", "the events to send, comma-separated (default: * = all of them)", &events, NULL},
        {"payload", "envelope|resource",
         "envelope (default): {id, type, createdAt, organizationUUID, data}; resource: the conversation alone",
         &payload, NULL},
        {"secret", "S", "the signing secret (default: a new random one)", &secret, NULL},
        {"db", "PATH", WEBHOOK_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv,
                       "parley webhook create --org ORG --url URL [--events E,…] [--payload envelope|resource] "
                       "[--secret S] [--db PATH]",
                       "Adds a webhook endpoint to an organization. Prints `webhook id:`, `url:`, `events:`,\n"
                       "`payload:` lines, then the signing secret as the last line (shown only here).\n"
                       "Events: conversation.imported, conversation.analyzed, conversation.updated,\n"
                       "conversation.labels_changed, conversation.archived, conversation.unarchived,\n"
                       "conversation.integration_triggered.",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!org || !url) {
        fprintf(stderr, "parley webhook create: --org and --url are required\n");
        return 2;
    }
    uuid_str_t o;
    store_t *st = cli_store_org(db, STORE_DURABILITY_FULL, org, o);
    if (!st)
        return 1;
    json_t *body = webhook_body(o, url, events, payload, secret); /* owner: this function */
    webhook_create_t c;
    char err[512];
    if (!body || webhook_parse_create(body, &c, err, sizeof err) != 0) {
        fprintf(stderr, "parley webhook create: %s\n", body ? err : "out of memory");
        json_decref(body);
        store_close(st);
        return 2;
    }
    store_webhook_t w; /* holds the secret: wiped before returning */
    memset(&w, 0, sizeof w);
    uuid_v7(w.id);
    memcpy(w.org_uuid, o, sizeof w.org_uuid);
    snprintf(w.url, sizeof w.url, "%s", c.url);
    w.events = c.events;
    w.resource = c.resource;
    if (c.secret)
        snprintf(w.secret, sizeof w.secret, "%s", c.secret);
    else
        webhook_secret_new(w.secret);
    w.created_at = ptime_now_ms();
    json_decref(body);
    store_rc_t src = store_webhook_create(st, &w);
    if (src == STORE_OK) {
        buf_t b;
        buf_init(&b);
        jsonw_t jw;
        jsonw_init(&jw, &b);
        webhook_write_events(&jw, w.events);
        printf("webhook id: %s\norganization: %s\nurl: %s\nevents: %s\npayload: %s\n%s\n", w.id, w.org_uuid, w.url,
               b.data ? b.data : "", w.resource ? "resource" : "envelope", w.secret);
        buf_free(&b);
        fflush(stdout);
    } else {
        fprintf(stderr, "parley webhook create: %s\n",
                src == STORE_CONFLICT ? "the organization has the most webhook endpoints it may have (100)"
                                      : "cannot create it");
    }
    sodium_memzero(&w, sizeof w);
    store_close(st);
    return src == STORE_OK ? 0 : 1;
}

/* store_webhook_cb of `webhook list`: one JSON line (ctx: the line buffer). */
static int webhook_list_cb(void *ctx, const store_webhook_t *w)
{
    jsonw_t jw;
    jsonw_init(&jw, ctx);
    webhook_write_endpoint(&jw, w, false);
    return webhook_emit(ctx) == 0 ? 0 : -1;
}

int cli_webhook_list(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL;
    const cli_opt_t opts[] = {
        {"org", "ORG", "organization uuid or name (default: every organization)", &org, NULL},
        {"db", "PATH", WEBHOOK_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley webhook list [--org ORG] [--db PATH]",
                       "Prints the webhook endpoints, one JSON object per line as GET /_parley/webhooks\n"
                       "shows them (without their secrets).",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    uuid_str_t o;
    store_t *st = org ? cli_store_org(db, STORE_DURABILITY_FULL, org, o) : cli_store_open(db, STORE_DURABILITY_FULL);
    if (!st)
        return 1;
    buf_t b;
    buf_init(&b);
    store_rc_t src = store_webhook_list(st, org ? o : NULL, webhook_list_cb, &b);
    buf_free(&b);
    if (src != STORE_OK)
        fprintf(stderr, "parley webhook list: cannot list them (%s)\n", store_rc_str(src));
    store_close(st);
    return src == STORE_OK && fflush(stdout) == 0 ? 0 : 1;
}

int cli_webhook_delete(int argc, char **argv)
{
    const char *db = cli_default_db(), *id = NULL;
    const cli_opt_t opts[] = {
        {"id", "ID", "the endpoint's id, as printed by `webhook create` (required)", &id, NULL},
        {"db", "PATH", WEBHOOK_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley webhook delete --id ID [--db PATH]",
                       "Deletes a webhook endpoint; its pending deliveries are dropped.", opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    uuid_str_t wid;
    if (!id || !uuid_parse(id, wid)) {
        fprintf(stderr, "parley webhook delete: --id (an endpoint uuid) is required\n");
        return 2;
    }
    store_t *st = cli_store_open(db, STORE_DURABILITY_FULL);
    if (!st)
        return 1;
    store_rc_t src = store_webhook_delete(st, wid);
    if (src == STORE_OK)
        printf("deleted %s\n", wid);
    else
        fprintf(stderr, "parley webhook delete: %s\n",
                src == STORE_NOT_FOUND ? "no webhook endpoint with that id" : "cannot delete it");
    store_close(st);
    return src == STORE_OK ? 0 : 1;
}

/* store_wh_delivery_cb of `webhook deliveries`: one JSON line (ctx: the line buffer). */
static int webhook_delivery_cb(void *ctx, const store_wh_delivery_t *d)
{
    jsonw_t jw;
    jsonw_init(&jw, ctx);
    webhook_write_delivery(&jw, d);
    return webhook_emit(ctx) == 0 ? 0 : -1;
}

int cli_webhook_deliveries(int argc, char **argv)
{
    const char *db = cli_default_db(), *id = NULL, *status = NULL, *limit = "100";
    const cli_opt_t opts[] = {
        {"id", "ID", "the endpoint's id (required)", &id, NULL},
        {"status", "pending|delivered|failed", "only deliveries in that state", &status, NULL},
        {"limit", "N", "at most N, newest first (default 100; 1 to 1000)", &limit, NULL},
        {"db", "PATH", WEBHOOK_DB_HELP, &db, NULL},
        {0},
    };
    int rc = cli_parse(argc, argv, "parley webhook deliveries --id ID [--status S] [--limit N] [--db PATH]",
                       "Prints an endpoint's deliveries and their attempts, newest first, one JSON object per\n"
                       "line as GET /_parley/webhooks/{id}/deliveries shows them.",
                       opts, NULL, 0, NULL);
    if (rc)
        return rc > 0 ? 0 : 2;
    uuid_str_t wid;
    if (!id || !uuid_parse(id, wid)) {
        fprintf(stderr, "parley webhook deliveries: --id (an endpoint uuid) is required\n");
        return 2;
    }
    int st_code = status ? webhook_status_parse(status) : -1;
    if (status && st_code < 0) {
        fprintf(stderr, "parley webhook deliveries: --status must be pending, delivered or failed\n");
        return 2;
    }
    char *end;
    long n = strtol(limit, &end, 10);
    if (*end || end == limit || n < 1 || n > 1000) {
        fprintf(stderr, "parley webhook deliveries: --limit must be an integer from 1 to 1000\n");
        return 2;
    }
    store_t *st = cli_store_open(db, STORE_DURABILITY_FULL);
    if (!st)
        return 1;
    buf_t b;
    buf_init(&b);
    store_rc_t src = store_webhook_deliveries(st, wid, st_code, n, webhook_delivery_cb, &b);
    buf_free(&b);
    if (src != STORE_OK)
        fprintf(stderr, "parley webhook deliveries: %s\n",
                src == STORE_NOT_FOUND ? "no webhook endpoint with that id" : "cannot list them");
    store_close(st);
    return src == STORE_OK && fflush(stdout) == 0 ? 0 : 1;
}
