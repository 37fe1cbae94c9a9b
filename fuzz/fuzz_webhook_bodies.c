/* fuzz_webhook_bodies.c - libFuzzer target: the bodies of POST /_parley/webhooks and of POST /v2/conversations/{id}/trigger-native-integration. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/webhook.h"
#include "store/store.h"

/* What a successful create decode must give: a canonical organization id,
 * a URL that passes the rules again, some events, a printable secret; and an
 * endpoint made of it renders as valid JSON. */
static void fuzz_check_create(const webhook_create_t *c)
{
    uuid_str_t u;
    char err[512];
    FUZZ_CHECK(strlen(c->org_uuid) == UUID_STR_LEN && uuid_parse(c->org_uuid, u) && strcmp(u, c->org_uuid) == 0,
               "orgUUID is canonical");
    FUZZ_CHECK(c->url && webhook_url_check(c->url, err, sizeof err) == 0, "the URL passes the rules again");
    FUZZ_CHECK(c->events != 0, "some events");
    if (c->secret) {
        FUZZ_CHECK(strlen(c->secret) >= 1 && strlen(c->secret) <= WEBHOOK_SECRET_MAX, "secret length");
        for (const char *p = c->secret; *p; p++)
            FUZZ_CHECK(*p > 0x20 && *p < 0x7f, "secret printable");
    }
    store_webhook_t w;
    memset(&w, 0, sizeof w);
    memcpy(w.org_uuid, c->org_uuid, sizeof w.org_uuid);
    snprintf(w.url, sizeof w.url, "%s", c->url);
    w.events = c->events;
    w.resource = c->resource;
    snprintf(w.secret, sizeof w.secret, "%s", c->secret ? c->secret : "s");
    buf_t b;
    buf_init(&b);
    jsonw_t jw;
    jsonw_init(&jw, &b);
    webhook_write_endpoint(&jw, &w, true);
    FUZZ_CHECK(!b.oom, "rendered");
    fuzz_assert_json(b.data, b.len, "rendered endpoint");
    buf_free(&b);
}

/* What a successful trigger decode must give: distinct canonical ids, at most the limit. */
static void fuzz_check_trigger(const webhook_trigger_t *t)
{
    FUZZ_CHECK(t->n <= WEBHOOK_PER_ORG_MAX, "at most the limit of ids");
    FUZZ_CHECK(!t->all || (t->n == 0 && !t->bad[0]), "all means none named");
    for (size_t i = 0; i < t->n; i++) {
        uuid_str_t u;
        FUZZ_CHECK(uuid_parse(t->ids[i], u) && strcmp(u, t->ids[i]) == 0, "ids are canonical");
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(t->ids[i], t->ids[j]) != 0, "ids are distinct");
    }
    fuzz_assert_text(t->bad, "the id that is not one");
}

/* The first byte picks the decoder (even: create, odd: trigger, which also
 * takes no body), the rest is the request body, decoded as the server does. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    bool trigger = data[0] & 1;
    req_t r;
    fuzz_req_init(&r, data + 1, n - 1);
    json_t *body = req_json_body(&r, !trigger);
    if (!body && r.status) {
        fuzz_assert_reply(&r, false);
        fuzz_req_free(&r);
        return 0;
    }
    char err[512];
    err[0] = '\0';
    if (trigger) {
        webhook_trigger_t t;
        if (webhook_parse_trigger(body, &t, err, sizeof err) == 0)
            fuzz_check_trigger(&t);
        else
            fuzz_assert_err(&r, err);
    } else {
        webhook_create_t c;
        if (webhook_parse_create(body, &c, err, sizeof err) == 0)
            fuzz_check_create(&c);
        else
            fuzz_assert_err(&r, err);
    }
    json_decref(body);
    fuzz_req_free(&r);
    return 0;
}
