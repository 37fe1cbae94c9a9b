/* webhook.h - webhook endpoints and their events (spec §8): event names, URL and body validation, payloads, signatures, the retry schedule. */
#ifndef PARLEY_MODEL_WEBHOOK_H
#define PARLEY_MODEL_WEBHOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/jsonw.h"
#include "lib/strutil.h"
#include "lib/uuid.h"
#include "model/conversation.h"

/* The events, one bit each; an endpoint's subscription is a mask of them
 * (WEBHOOK_EV_ALL, stored as -1, is "*": every event, later ones too). */
enum {
    WEBHOOK_EV_IMPORTED = 1 << 0,             /* conversation.imported */
    WEBHOOK_EV_ANALYZED = 1 << 1,             /* conversation.analyzed: a transcript was stored (import) */
    WEBHOOK_EV_UPDATED = 1 << 2,              /* conversation.updated: every change endpoint */
    WEBHOOK_EV_LABELS_CHANGED = 1 << 3,       /* conversation.labels_changed: the labels really changed */
    WEBHOOK_EV_ARCHIVED = 1 << 4,             /* conversation.archived (only on a real change) */
    WEBHOOK_EV_UNARCHIVED = 1 << 5,           /* conversation.unarchived (only on a real change) */
    WEBHOOK_EV_INTEGRATION_TRIGGERED = 1 << 6, /* conversation.integration_triggered */
};
#define WEBHOOK_EV_COUNT 7
#define WEBHOOK_EV_ALL ((int64_t)-1)

#define WEBHOOK_URL_MAX 2048        /* bytes of an endpoint URL */
#define WEBHOOK_SECRET_MAX 256      /* bytes of a secret given at creation */
#define WEBHOOK_SECRET_GEN_LEN 70   /* "whsec_" + 64 hex digits (32 random bytes) */
#define WEBHOOK_PER_ORG_MAX 100     /* endpoints of one organization */
#define WEBHOOK_FIELD_KEYS_MAX 1000 /* fieldKeys entries of a trigger */
#define WEBHOOK_FIELD_KEY_MAX 1000  /* bytes of one fieldKeys entry */
#define WEBHOOK_BODY_LIMIT (64 * 1024) /* bytes of a receiver's answer read before it is cut off */
#define WEBHOOK_SIG_LEN (2 + 20 + 4 + 64) /* "t=<up to 20 digits>,v1=<64 hex>" */

/* "conversation.archived" for the bit WEBHOOK_EV_ARCHIVED; NULL for anything
 * that is not exactly one event bit. */
const char *webhook_event_name(int64_t bit);
/* The bit of an event name, WEBHOOK_EV_ALL for "*", 0 when unknown. */
int64_t webhook_event_bit(const char *name);
/* Writes mask as a JSON array of event names in the order of the enum,
 * ["*"] for WEBHOOK_EV_ALL. */
void webhook_write_events(jsonw_t *w, int64_t mask);

/* 0 when url may be an endpoint: at most WEBHOOK_URL_MAX bytes, parsed by
 * libcurl's URL parser, scheme http or https, a host, no user name,
 * password or login options in it. Otherwise -1 with the reason (naming the
 * URL, cut) in err. */
int webhook_url_check(const char *url, char *err, size_t errlen);

/* POST /_parley/webhooks {"orgUUID", "url", "events"?, "secret"?, "payload"?}.
 * Everything borrows from the parsed body. */
typedef struct webhook_create {
    uuid_str_t org_uuid;
    const char *url;
    int64_t events;            /* default WEBHOOK_EV_ALL */
    bool resource;             /* payload "resource"; default false ("envelope") */
    const char *secret;        /* NULL: the server makes one (webhook_secret_new) */
} webhook_create_t;
/* Validates body into *out: an object with only those members; orgUUID a
 * UUID; url as webhook_url_check; events a non-empty array of event names or
 * "*" (at most 32 entries); secret 1 to WEBHOOK_SECRET_MAX printable ASCII
 * characters; payload "envelope" or "resource". JSON null counts as absent.
 * Returns 0, or -1 with a message naming the member, the rule and the value. */
int webhook_parse_create(const json_t *body, webhook_create_t *out, char *err, size_t errlen);

/* POST /v2/conversations/{id}/trigger-native-integration {workflowIds?,
 * fieldKeys?, autoExecution?}. */
typedef struct webhook_trigger {
    bool all;                                   /* no workflowIds (absent, null or empty): every endpoint */
    size_t n;                                   /* distinct ids, in the order given */
    uuid_str_t ids[WEBHOOK_PER_ORG_MAX];
    char bad[STR_SHOWN_MAX + 4]; /* the first id that is not a UUID, as str_shown quotes it ("" when none) */
} webhook_trigger_t;
/* Validates body (NULL: no body) into *out: an object (unknown members are
 * ignored, as the hosted API does); workflowIds an array of at most
 * WEBHOOK_PER_ORG_MAX strings (duplicates counted once; a string that is not
 * a UUID is remembered in out->bad, for the caller's "no such workflow");
 * fieldKeys an array of at most WEBHOOK_FIELD_KEYS_MAX strings of at most
 * WEBHOOK_FIELD_KEY_MAX bytes (checked, then ignored); autoExecution a
 * boolean (ignored). Returns 0, or -1 with the reason in err. */
int webhook_parse_trigger(const json_t *body, webhook_trigger_t *out, char *err, size_t errlen);

/* A new secret: "whsec_" and 64 hex digits of libsodium randomness. */
void webhook_secret_new(char out[WEBHOOK_SECRET_GEN_LEN + 1]);

struct store_webhook;
struct store_wh_delivery;
/* Writes an endpoint as the admin API and `parley webhook list` show it:
 * {"id","orgUUID","url","events","payload",["secret",]"createdAt"}; the
 * secret only with with_secret (its creation's answer). */
void webhook_write_endpoint(jsonw_t *w, const struct store_webhook *e, bool with_secret);
/* Writes one delivery: {"eventId","type","conversationUUID","status",
 * "attempts":[…],"nextAttemptAt"} (nextAttemptAt null unless pending). */
void webhook_write_delivery(jsonw_t *w, const struct store_wh_delivery *d);
/* "pending", "delivered", "failed" → 0, 1, 2; -1 for anything else. */
int webhook_status_parse(const char *s);

/* The body POSTed for one event, appended to out: the conversation data (the
 * resource as GET rendered it when the event was written) alone
 * (resource), or the envelope {"id","type","createdAt","organizationUUID",
 * "data"} around it. created_ms is the event's time. Can't fail (out
 * records OOM). */
void webhook_payload(buf_t *out, bool resource, const char *event_id, const char *type, int64_t created_ms,
                     const char *org_uuid, const char *data);

/* The Parley-Signature header value for body at unix time t:
 * "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>", into out. 0, or -1
 * when the MAC cannot be computed (OpenSSL out of memory; out is then ""). */
#define WEBHOOK_MAC_LEN 32 /* bytes of an HMAC-SHA256 */
int webhook_signature(const char *secret, int64_t t, const char *body, size_t len, char out[WEBHOOK_SIG_LEN + 1]);

/* The wait after the attempts-th failed attempt (attempts >= 1): 1 s doubled
 * per attempt, capped at one hour, times a jitter factor 0.75 + u/2 (u in
 * [0, 1): a uniform random number), in milliseconds. */
int64_t webhook_backoff_ms(int attempts, double u);

/* True when the labels object new_json differs from old_json as JSON values
 * (member order aside); NULL or unparsable text counts as {}. */
bool webhook_labels_changed(const char *old_json, const char *new_json);

/* The events an import of c writes: conversation.imported, and
 * conversation.analyzed when it came with a transcript (transcriptStatus
 * COMPLETED). */
int64_t webhook_import_events(const conv_t *c);

#endif
