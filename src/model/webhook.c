/* webhook.c - webhook endpoints and their events: names, URL and body validation, payloads, signatures, the retry schedule. */
#include "model/webhook.h"

#include <curl/curl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/jfield.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "store/store.h"

#define WEBHOOK_EVENTS_MAX 32 /* entries of an events array */

static const char *const webhook_names[WEBHOOK_EV_COUNT] = {
    "conversation.imported",   "conversation.analyzed",   "conversation.updated",
    "conversation.labels_changed", "conversation.archived", "conversation.unarchived",
    "conversation.integration_triggered",
};

const char *webhook_event_name(int64_t bit)
{
    for (int i = 0; i < WEBHOOK_EV_COUNT; i++)
        if (bit == ((int64_t)1 << i))
            return webhook_names[i];
    return NULL;
}

int64_t webhook_event_bit(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, "*") == 0)
        return WEBHOOK_EV_ALL;
    for (int i = 0; i < WEBHOOK_EV_COUNT; i++)
        if (strcmp(name, webhook_names[i]) == 0)
            return (int64_t)1 << i;
    return 0;
}

void webhook_write_events(jsonw_t *w, int64_t mask)
{
    jsonw_arr_begin(w);
    if (mask == WEBHOOK_EV_ALL) {
        jsonw_string(w, "*");
    } else {
        for (int i = 0; i < WEBHOOK_EV_COUNT; i++)
            if (mask & ((int64_t)1 << i))
                jsonw_string(w, webhook_names[i]);
    }
    jsonw_arr_end(w);
}

int webhook_url_check(const char *url, char *err, size_t errlen)
{
    char shown[STR_SHOWN_MAX + 4];
    size_t n = strlen(url);
    if (n == 0)
        return str_fail(err, errlen, "url must not be empty");
    if (n > WEBHOOK_URL_MAX)
        return str_fail(err, errlen, "url is %zu bytes; the limit is %d", n, WEBHOOK_URL_MAX);
    CURLU *h = curl_url(); /* owner: this function */
    if (!h)
        return str_fail(err, errlen, "out of memory");
    int rc = -1;
    char *scheme = NULL, *host = NULL, *part = NULL; /* owned: curl_free */
    CURLUcode uc = curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        str_fail(err, errlen, "url \"%s\" is not an http or https URL (%s)", str_shown(url, shown, sizeof shown),
                 curl_url_strerror(uc));
        goto out;
    }
    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !scheme ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        str_fail(err, errlen, "url \"%s\" must be an http or https URL", str_shown(url, shown, sizeof shown));
        goto out;
    }
    static const CURLUPart secret_parts[] = {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS};
    for (size_t i = 0; i < sizeof secret_parts / sizeof secret_parts[0]; i++) {
        if (curl_url_get(h, secret_parts[i], &part, 0) == CURLUE_OK) {
            /* not shown: the credentials would be in the message */
            str_fail(err, errlen, "url must not carry credentials (user:password@); give the receiver a secret "
                                  "and check the Parley-Signature header instead");
            goto out;
        }
    }
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !host[0]) {
        str_fail(err, errlen, "url \"%s\" has no host", str_shown(url, shown, sizeof shown));
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(part);
    curl_url_cleanup(h);
    return rc;
}

/* The member key of obj, NULL when absent or null. */
static const json_t *webhook_member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v) ? v : NULL;
}

/* Checks that v (member `name`) is an array of at most max strings of at
 * most max_bytes bytes each, without NUL. 0 or -1 with the reason. */
static int webhook_string_array(const json_t *v, const char *name, size_t max, size_t max_bytes, char *err,
                                size_t errlen)
{
    if (!json_is_array(v))
        return str_fail(err, errlen, "%s must be an array of strings", name);
    if (json_array_size(v) > max)
        return str_fail(err, errlen, "%s has %zu entries; the limit is %zu", name, json_array_size(v), max);
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e))
            return str_fail(err, errlen, "%s[%zu] must be a string", name, i);
        size_t n = json_string_length(e);
        if (n > max_bytes)
            return str_fail(err, errlen, "%s[%zu] is %zu bytes; the limit is %zu", name, i, n, max_bytes);
        if (strlen(json_string_value(e)) != n)
            return str_fail(err, errlen, "%s[%zu] must not contain a NUL character", name, i);
    }
    return 0;
}

int webhook_parse_create(const json_t *body, webhook_create_t *out, char *err, size_t errlen)
{
    static const char *const known[] = {"orgUUID", "url", "events", "secret", "payload", NULL};
    char shown[STR_SHOWN_MAX + 4];
    memset(out, 0, sizeof *out);
    out->events = WEBHOOK_EV_ALL;
    if (!json_is_object(body))
        return str_fail(err, errlen, "the body must be a JSON object {\"orgUUID\", \"url\", \"events\"?, \"secret\"?, "
                                     "\"payload\"?}");
    if (jfield_unknown(body, known, "", err, errlen) != 0)
        return -1;
    const char *org = NULL;
    int rc = jfield_string(body, "orgUUID", "orgUUID", 64, &org, err, errlen);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return str_fail(err, errlen, "orgUUID is required (the organization's uuid)");
    if (!uuid_parse(org, out->org_uuid))
        return str_fail(err, errlen, "orgUUID \"%s\" is not a UUID", str_shown(org, shown, sizeof shown));
    if ((rc = jfield_string(body, "url", "url", WEBHOOK_URL_MAX, &out->url, err, errlen)) < 0)
        return -1;
    if (rc > 0)
        return str_fail(err, errlen, "url is required (an http or https URL)");
    if (webhook_url_check(out->url, err, errlen) != 0)
        return -1;
    const json_t *ev = webhook_member(body, "events");
    if (ev) {
        if (webhook_string_array(ev, "events", WEBHOOK_EVENTS_MAX, 64, err, errlen) != 0)
            return -1;
        if (json_array_size(ev) == 0)
            return str_fail(err, errlen, "events must name at least one event (or \"*\" for all)");
        out->events = 0;
        size_t i;
        const json_t *e;
        json_array_foreach(ev, i, e) {
            int64_t bit = webhook_event_bit(json_string_value(e));
            if (!bit)
                return str_fail(err, errlen,
                                "events[%zu] \"%s\" is not an event: use \"*\" or conversation.imported, "
                                "conversation.analyzed, conversation.updated, conversation.labels_changed, "
                                "conversation.archived, conversation.unarchived, conversation.integration_triggered",
                                i, str_shown(json_string_value(e), shown, sizeof shown));
            out->events |= bit;
        }
    }
    if ((rc = jfield_string(body, "secret", "secret", WEBHOOK_SECRET_MAX, &out->secret, err, errlen)) < 0)
        return -1;
    if (rc == 0) {
        size_t n = strlen(out->secret);
        bool ok = n >= 1;
        for (size_t i = 0; ok && i < n; i++)
            ok = out->secret[i] > 0x20 && out->secret[i] < 0x7f;
        if (!ok) /* the value is not shown: it is a secret */
            return str_fail(err, errlen, "secret must be 1 to %d printable ASCII characters without spaces",
                            WEBHOOK_SECRET_MAX);
    }
    const char *payload = NULL;
    if ((rc = jfield_string(body, "payload", "payload", 64, &payload, err, errlen)) < 0)
        return -1;
    if (rc == 0) {
        if (strcmp(payload, "resource") == 0)
            out->resource = true;
        else if (strcmp(payload, "envelope") != 0)
            return str_fail(err, errlen, "payload must be \"envelope\" or \"resource\", got \"%s\"",
                            str_shown(payload, shown, sizeof shown));
    }
    return 0;
}

int webhook_parse_trigger(const json_t *body, webhook_trigger_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->all = true;
    if (!body)
        return 0;
    if (!json_is_object(body))
        return str_fail(err, errlen, "the body must be a JSON object {\"workflowIds\"?, \"fieldKeys\"?, "
                                     "\"autoExecution\"?}");
    const json_t *v = webhook_member(body, "fieldKeys");
    if (v && webhook_string_array(v, "fieldKeys", WEBHOOK_FIELD_KEYS_MAX, WEBHOOK_FIELD_KEY_MAX, err, errlen) != 0)
        return -1;
    bool b;
    if (jfield_bool(body, "autoExecution", "autoExecution", &b, err, errlen) < 0)
        return -1;
    v = webhook_member(body, "workflowIds");
    if (!v)
        return 0;
    if (webhook_string_array(v, "workflowIds", WEBHOOK_PER_ORG_MAX, 64, err, errlen) != 0)
        return -1;
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
        uuid_str_t id;
        if (!uuid_parse(json_string_value(e), id)) {
            if (!out->bad[0]) /* cut on a UTF-8 boundary: it is quoted in a JSON error */
                str_shown(json_string_value(e), out->bad, sizeof out->bad);
            continue;
        }
        bool seen = false;
        for (size_t k = 0; k < out->n && !seen; k++)
            seen = strcmp(out->ids[k], id) == 0;
        if (!seen)
            memcpy(out->ids[out->n++], id, sizeof id);
    }
    out->all = out->n == 0 && !out->bad[0];
    return 0;
}

void webhook_secret_new(char out[WEBHOOK_SECRET_GEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "whsec_", 6);
    sodium_bin2hex(out + 6, WEBHOOK_SECRET_GEN_LEN + 1 - 6, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

void webhook_write_endpoint(jsonw_t *w, const store_webhook_t *e, bool with_secret)
{
    char at[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(e->created_at, at);
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "id", e->id);
    jsonw_kv_string(w, "orgUUID", e->org_uuid);
    jsonw_kv_string(w, "url", e->url);
    jsonw_key(w, "events");
    webhook_write_events(w, e->events);
    jsonw_kv_string(w, "payload", e->resource ? "resource" : "envelope");
    if (with_secret)
        jsonw_kv_string(w, "secret", e->secret);
    jsonw_kv_string(w, "createdAt", at);
    jsonw_obj_end(w);
}

static const char *const webhook_statuses[] = {"pending", "delivered", "failed"};

int webhook_status_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, webhook_statuses[i]) == 0)
            return i;
    return -1;
}

void webhook_write_delivery(jsonw_t *w, const store_wh_delivery_t *d)
{
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "eventId", d->event_id);
    jsonw_kv_string(w, "type", d->type);
    jsonw_kv_string(w, "conversationUUID", d->conversation_uuid);
    char at[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(d->created_at, at);
    jsonw_kv_string(w, "createdAt", at);
    jsonw_kv_string(w, "status", d->status <= STORE_WH_FAILED ? webhook_statuses[d->status] : "failed");
    jsonw_kv_raw(w, "attempts", d->attempts_json, "[]");
    jsonw_key(w, "nextAttemptAt");
    if (d->status == STORE_WH_PENDING) { /* never tried: due since the event */
        ptime_format_ms(d->next_attempt_at > d->created_at ? d->next_attempt_at : d->created_at, at);
        jsonw_string(w, at);
    } else {
        jsonw_null(w);
    }
    jsonw_obj_end(w);
}

void webhook_payload(buf_t *out, bool resource, const char *event_id, const char *type, int64_t created_ms,
                     const char *org_uuid, const char *data)
{
    if (resource) {
        buf_puts(out, data);
        return;
    }
    char at[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(created_ms, at);
    jsonw_t w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "id", event_id);
    jsonw_kv_string(&w, "type", type);
    jsonw_kv_string(&w, "createdAt", at);
    jsonw_kv_string(&w, "organizationUUID", org_uuid);
    jsonw_kv_raw(&w, "data", data, "{}");
    jsonw_obj_end(&w);
}

/* HMAC-SHA256 of the three pieces (OpenSSL's EVP_MAC: libsodium's SHA-256 is
 * portable C, ~14 us for a 5 KB payload here; OpenSSL's uses the CPU's SHA
 * extensions, ~4 us; libcrypto is in the process anyway, under libcurl).
 * 0, or -1 when OpenSSL fails (out of memory). */
static int webhook_hmac(const char *key, const char *ts, size_t tn, const char *body, size_t len,
                        unsigned char mac[WEBHOOK_MAC_LEN])
{
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL); /* owner: this function */
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL; /* owner: this function */
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t got = 0;
    int ok = ctx && EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params) &&
             EVP_MAC_update(ctx, (const unsigned char *)ts, tn) && EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
             EVP_MAC_update(ctx, (const unsigned char *)body, len) && EVP_MAC_final(ctx, mac, &got, WEBHOOK_MAC_LEN) &&
             got == WEBHOOK_MAC_LEN;
    EVP_MAC_CTX_free(ctx); /* clears the key schedule */
    EVP_MAC_free(hmac);
    return ok ? 0 : -1;
}

int webhook_signature(const char *secret, int64_t t, const char *body, size_t len, char out[WEBHOOK_SIG_LEN + 1])
{
    char ts[21]; /* a 64-bit number: at most 20 characters */
    int tn = snprintf(ts, sizeof ts, "%lld", (long long)t);
    unsigned char mac[WEBHOOK_MAC_LEN];
    char hex[2 * WEBHOOK_MAC_LEN + 1];
    out[0] = '\0';
    if (webhook_hmac(secret, ts, (size_t)tn, body, len, mac) != 0)
        return -1;
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, WEBHOOK_SIG_LEN + 1, "t=%s,v1=%s", ts, hex);
    return 0;
}

int64_t webhook_backoff_ms(int attempts, double u)
{
    int64_t d = 3600 * 1000;
    if (attempts < 1)
        attempts = 1;
    if (attempts <= 12) /* 2^12 s > 1 h */
        d = (int64_t)1000 << (attempts - 1);
    if (d > 3600 * 1000)
        d = 3600 * 1000;
    if (!(u >= 0 && u < 1))
        u = 0.5;
    return (int64_t)((double)d * (0.75 + u / 2));
}

/* text parsed as a JSON object, or a new empty object (the caller decrefs). */
static json_t *webhook_labels_parse(const char *text)
{
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    if (!json_is_object(v)) {
        json_decref(v);
        v = json_object();
    }
    return v;
}

bool webhook_labels_changed(const char *old_json, const char *new_json)
{
    if (old_json && new_json && strcmp(old_json, new_json) == 0)
        return false;
    json_t *a = webhook_labels_parse(old_json), *b = webhook_labels_parse(new_json); /* owned here */
    bool changed = !json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return changed;
}

int64_t webhook_import_events(const conv_t *c)
{
    int64_t ev = WEBHOOK_EV_IMPORTED;
    if (c->transcript_status && strcmp(c->transcript_status, "COMPLETED") == 0)
        ev |= WEBHOOK_EV_ANALYZED;
    return ev;
}
