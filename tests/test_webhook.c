/* test_webhook.c - unit tests for webhook endpoints and events (model/webhook.c) and the receiver-address check of the delivery client (webhook/client.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sodium.h>

#include "lib/buf.h"
#include "lib/strutil.h"
#include "model/webhook.h"
#include "store/store.h"
#include "webhook/client.h"

static json_t *js(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("bad test JSON: %s in %s", je.text, text);
    return v;
}

static void test_event_names(void **state)
{
    (void)state;
    for (int i = 0; i < WEBHOOK_EV_COUNT; i++) {
        const char *n = webhook_event_name((int64_t)1 << i);
        assert_non_null(n);
        assert_int_equal(webhook_event_bit(n), (int64_t)1 << i);
    }
    assert_string_equal(webhook_event_name(WEBHOOK_EV_LABELS_CHANGED), "conversation.labels_changed");
    assert_null(webhook_event_name(3));
    assert_null(webhook_event_name(0));
    assert_int_equal(webhook_event_bit("*"), WEBHOOK_EV_ALL);
    assert_int_equal(webhook_event_bit("conversation.deleted"), 0);
    assert_int_equal(webhook_event_bit("Conversation.Archived"), 0);
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    webhook_write_events(&w, WEBHOOK_EV_ARCHIVED | WEBHOOK_EV_IMPORTED);
    assert_string_equal(b.data, "[\"conversation.imported\",\"conversation.archived\"]");
    buf_reset(&b);
    jsonw_init(&w, &b);
    webhook_write_events(&w, WEBHOOK_EV_ALL);
    assert_string_equal(b.data, "[\"*\"]");
    buf_free(&b);
}

static void test_url_check(void **state)
{
    (void)state;
    char err[256];
    const char *good[] = {"http://example.com", "https://hooks.example.com:8443/in?x=1#frag",
                          "http://127.0.0.1:9000/hook", "http://[::1]:8080/", "HTTPS://EXAMPLE.COM/"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (webhook_url_check(good[i], err, sizeof err) != 0)
            fail_msg("%s refused: %s", good[i], err);
    struct { const char *url, *word; } bad[] = {
        {"", "empty"},
        {"ftp://example.com/", "http or https"},
        {"file:///etc/passwd", "http or https"},
        {"example.com/hook", "http or https"},
        {"http://user:pw@example.com/", "credentials"},
        {"http://user@example.com/", "credentials"},
        {"https://:pw@example.com/", "credentials"},
        {"http://exa mple.com/", "http or https URL"},
        {"http://", "http or https URL"},
        {"http://example.com:99999/", "http or https URL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (webhook_url_check(bad[i].url, err, sizeof err) == 0)
            fail_msg("%s accepted", bad[i].url);
        if (!strstr(err, bad[i].word))
            fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].url, err, bad[i].word);
        assert_null(strstr(err, "pw@"));
    }
    char big[WEBHOOK_URL_MAX + 32];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "https://x.example/", 18);
    assert_int_equal(webhook_url_check(big, err, sizeof err), -1);
    assert_non_null(strstr(err, "2048"));
}

static void test_parse_create(void **state)
{
    (void)state;
    char err[512];
    webhook_create_t c;
    json_t *b = js("{\"orgUUID\":\"0190AAAA-BBBB-7CCC-8DDD-EEEEEEEEEEEE\",\"url\":\"https://h.example/\"}");
    assert_int_equal(webhook_parse_create(b, &c, err, sizeof err), 0);
    assert_string_equal(c.org_uuid, "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee");
    assert_int_equal(c.events, WEBHOOK_EV_ALL);
    assert_false(c.resource);
    assert_null(c.secret);
    json_decref(b);
    b = js("{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"http://h/\",\"events\":"
           "[\"conversation.archived\",\"conversation.archived\",\"conversation.updated\"],\"payload\":\"resource\","
           "\"secret\":\"abc\",\"events2\":null}");
    assert_int_equal(webhook_parse_create(b, &c, err, sizeof err), -1); /* unknown member, even null */
    assert_non_null(strstr(err, "events2"));
    json_object_del(b, "events2");
    assert_int_equal(webhook_parse_create(b, &c, err, sizeof err), 0);
    assert_int_equal(c.events, WEBHOOK_EV_ARCHIVED | WEBHOOK_EV_UPDATED);
    assert_true(c.resource);
    assert_string_equal(c.secret, "abc");
    json_decref(b);
    struct { const char *body, *word; } bad[] = {
        {"[]", "object"},
        {"{\"url\":\"http://h/\"}", "orgUUID is required"},
        {"{\"orgUUID\":1,\"url\":\"http://h/\"}", "orgUUID"},
        {"{\"orgUUID\":\"x\",\"url\":\"http://h/\"}", "not a UUID"},
        {"{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\"}", "url is required"},
        {"{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"gopher://h/\"}", "http or https"},
        {"{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"http://h/\",\"events\":[]}", "at least one"},
        {"{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"http://h/\",\"events\":{}}", "events"},
        {"{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"http://h/\",\"events\":[\"x\"]}",
         "events[0]"},
        {"{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"http://h/\",\"payload\":\"both\"}",
         "payload"},
        {"{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"http://h/\",\"secret\":\"a b\"}", "secret"},
        {"{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"http://h/\",\"secret\":\"\"}", "secret"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = js(bad[i].body);
        err[0] = '\0';
        if (webhook_parse_create(b, &c, err, sizeof err) == 0)
            fail_msg("accepted %s", bad[i].body);
        if (!strstr(err, bad[i].word))
            fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].body, err, bad[i].word);
        json_decref(b);
    }
    b = js("{\"orgUUID\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"url\":\"http://h/\",\"secret\":\"a b-hidden\"}");
    assert_int_equal(webhook_parse_create(b, &c, err, sizeof err), -1);
    assert_null(strstr(err, "hidden")); /* a secret is never echoed */
    json_decref(b);
}

static void test_parse_trigger(void **state)
{
    (void)state;
    char err[512];
    webhook_trigger_t t;
    assert_int_equal(webhook_parse_trigger(NULL, &t, err, sizeof err), 0);
    assert_true(t.all);
    json_t *b = js("{\"workflowIds\":[],\"fieldKeys\":[\"a\"],\"autoExecution\":false,\"x\":1}");
    assert_int_equal(webhook_parse_trigger(b, &t, err, sizeof err), 0);
    assert_true(t.all);
    json_decref(b);
    b = js("{\"workflowIds\":[\"0190AAAA-BBBB-7CCC-8DDD-EEEEEEEEEEEE\",\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\","
           "\"0190aaaa-bbbb-7ccc-8ddd-ffffffffffff\"]}");
    assert_int_equal(webhook_parse_trigger(b, &t, err, sizeof err), 0);
    assert_false(t.all);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.ids[0], "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee");
    assert_string_equal(t.bad, "");
    json_decref(b);
    b = js("{\"workflowIds\":[\"nope\"]}");
    assert_int_equal(webhook_parse_trigger(b, &t, err, sizeof err), 0);
    assert_false(t.all);
    assert_string_equal(t.bad, "nope");
    json_decref(b);
    /* an id that is not one is kept whole up to STR_SHOWN_MAX bytes, never cut
     * inside a character (the fuzzer's find: an old 36-byte cut inside "é" left
     * a stray byte, which the 400 body showed as "?") */
    b = js("{\"workflowIds\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u00e9\u00e9\"]}");
    assert_int_equal(webhook_parse_trigger(b, &t, err, sizeof err), 0);
    assert_true(str_utf8_valid(t.bad, strlen(t.bad)));
    assert_string_equal(t.bad, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\xc3\xa9");
    json_decref(b);
    const char *bad[] = {"[]", "{\"workflowIds\":\"x\"}", "{\"workflowIds\":[1]}", "{\"fieldKeys\":[null]}",
                         "{\"fieldKeys\":{}}", "{\"autoExecution\":1}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = js(bad[i]);
        if (webhook_parse_trigger(b, &t, err, sizeof err) == 0)
            fail_msg("accepted %s", bad[i]);
        json_decref(b);
    }
    /* limits: 101 workflow ids, 1001 field keys */
    b = json_object();
    json_t *a = json_array();
    for (int i = 0; i < WEBHOOK_PER_ORG_MAX + 1; i++)
        json_array_append_new(a, json_string("0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"));
    json_object_set_new(b, "workflowIds", a);
    assert_int_equal(webhook_parse_trigger(b, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "101"));
    json_decref(b);
}

static void test_signature_matches_hmac_sha256(void **state)
{
    (void)state;
    char sig[WEBHOOK_SIG_LEN + 1];
    assert_int_equal(webhook_signature("whsec_test", 1700000000, "{\"a\":1}", 7, sig), 0);
    /* python3: hmac.new(b"whsec_test", b'1700000000.{"a":1}', hashlib.sha256).hexdigest() */
    assert_string_equal(sig, "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
    assert_int_equal(webhook_signature("k", 0, "", 0, sig), 0);
    assert_string_equal(sig, "t=0,v1=6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7");
    char secret[WEBHOOK_SECRET_GEN_LEN + 1], other[WEBHOOK_SECRET_GEN_LEN + 1];
    webhook_secret_new(secret);
    webhook_secret_new(other);
    assert_int_equal(strlen(secret), WEBHOOK_SECRET_GEN_LEN);
    assert_memory_equal(secret, "whsec_", 6);
    assert_string_not_equal(secret, other);
}

static void test_backoff(void **state)
{
    (void)state;
    int64_t want = 1000;
    for (int n = 1; n <= 20; n++) {
        assert_int_equal(webhook_backoff_ms(n, 0.0), want * 3 / 4);
        int64_t hi = webhook_backoff_ms(n, 0.999999);
        assert_true(hi <= want * 5 / 4 && hi >= want * 5 / 4 - want / 1000);
        assert_int_equal(webhook_backoff_ms(n, 0.5), want);
        want = want * 2 > 3600000 ? 3600000 : want * 2;
    }
    assert_int_equal(webhook_backoff_ms(0, 0.5), 1000);
    assert_int_equal(webhook_backoff_ms(1000000, 0.5), 3600000);
    assert_int_equal(webhook_backoff_ms(3, -1), 4000); /* a u out of range counts as 0.5 */
}

static void test_labels_changed(void **state)
{
    (void)state;
    assert_false(webhook_labels_changed("{\"a\":\"1\",\"b\":\"2\"}", "{\"a\":\"1\",\"b\":\"2\"}"));
    assert_false(webhook_labels_changed("{\"a\":\"1\",\"b\":\"2\"}", "{\"b\":\"2\",\"a\":\"1\"}"));
    assert_true(webhook_labels_changed("{\"a\":\"1\"}", "{\"a\":\"2\"}"));
    assert_true(webhook_labels_changed("{\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"\"}"));
    assert_false(webhook_labels_changed(NULL, "{}"));
    assert_false(webhook_labels_changed("not json", "{}"));
    assert_true(webhook_labels_changed(NULL, "{\"a\":\"b\"}"));
}

static void test_import_events_and_payload(void **state)
{
    (void)state;
    conv_t c;
    memset(&c, 0, sizeof c);
    c.transcript_status = "PENDING";
    assert_int_equal(webhook_import_events(&c), WEBHOOK_EV_IMPORTED);
    c.transcript_status = "COMPLETED";
    assert_int_equal(webhook_import_events(&c), WEBHOOK_EV_IMPORTED | WEBHOOK_EV_ANALYZED);
    buf_t b;
    buf_init(&b);
    webhook_payload(&b, true, "e", "t", 0, "o", "{\"type\":\"conversations\"}");
    assert_string_equal(b.data, "{\"type\":\"conversations\"}");
    buf_reset(&b);
    webhook_payload(&b, false, "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", "conversation.archived", 1700000000123LL,
                    "0190aaaa-bbbb-7ccc-8ddd-ffffffffffff", "{\"id\":\"x\"}");
    assert_string_equal(b.data, "{\"id\":\"0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee\",\"type\":\"conversation.archived\","
                                "\"createdAt\":\"2023-11-14T22:13:20.123Z\","
                                "\"organizationUUID\":\"0190aaaa-bbbb-7ccc-8ddd-ffffffffffff\",\"data\":{\"id\":\"x\"}}");
    buf_free(&b);
}

static void test_delivery_rendering(void **state)
{
    (void)state;
    store_wh_delivery_t d;
    memset(&d, 0, sizeof d);
    snprintf(d.event_id, sizeof d.event_id, "e");
    snprintf(d.conversation_uuid, sizeof d.conversation_uuid, "c");
    d.type = "conversation.archived";
    d.created_at = 1700000000000LL;
    d.status = STORE_WH_PENDING;
    d.attempts_json = "[]";
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    webhook_write_delivery(&w, &d); /* never tried: due since the event */
    assert_non_null(strstr(b.data, "\"nextAttemptAt\":\"2023-11-14T22:13:20.000Z\""));
    buf_reset(&b);
    jsonw_init(&w, &b);
    d.status = STORE_WH_FAILED;
    webhook_write_delivery(&w, &d);
    assert_non_null(strstr(b.data, "\"status\":\"failed\""));
    assert_non_null(strstr(b.data, "\"nextAttemptAt\":null"));
    buf_free(&b);
    assert_int_equal(webhook_status_parse("pending"), STORE_WH_PENDING);
    assert_int_equal(webhook_status_parse("delivered"), STORE_WH_DELIVERED);
    assert_int_equal(webhook_status_parse("failed"), STORE_WH_FAILED);
    assert_int_equal(webhook_status_parse("Failed"), -1);
    assert_int_equal(webhook_status_parse(NULL), -1);
}

/* wh_addr_public of one textual address. */
static bool is_public(const char *text)
{
    struct sockaddr_in6 s6;
    struct sockaddr_in s4;
    memset(&s6, 0, sizeof s6);
    memset(&s4, 0, sizeof s4);
    if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
        s4.sin_family = AF_INET;
        return wh_addr_public((struct sockaddr *)&s4);
    }
    if (inet_pton(AF_INET6, text, &s6.sin6_addr) != 1)
        fail_msg("not an address: %s", text);
    s6.sin6_family = AF_INET6;
    return wh_addr_public((struct sockaddr *)&s6);
}

static void test_private_addresses(void **state)
{
    (void)state;
    const char *private_[] = {"127.0.0.1", "127.255.0.9", "10.1.2.3",    "172.16.0.1", "172.31.255.254",
                              "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                              "255.255.255.255", "192.0.2.1", "::1", "::", "fe80::1", "fc00::1", "fd12::3",
                              "::ffff:10.0.0.1", "::ffff:127.0.0.1", "2001:db8::1", "2002:a00:1::1", "ff02::1"};
    const char *public_[] = {"8.8.8.8", "172.32.0.1", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.4.4",
                             "100.128.0.1", "172.15.255.255"};
    for (size_t i = 0; i < sizeof private_ / sizeof private_[0]; i++)
        if (is_public(private_[i]))
            fail_msg("%s counted as public", private_[i]);
    for (size_t i = 0; i < sizeof public_ / sizeof public_[0]; i++)
        if (!is_public(public_[i]))
            fail_msg("%s counted as private", public_[i]);
}

int main(void)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_names),
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_parse_create),
        cmocka_unit_test(test_parse_trigger),
        cmocka_unit_test(test_signature_matches_hmac_sha256),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_labels_changed),
        cmocka_unit_test(test_import_events_and_payload),
        cmocka_unit_test(test_delivery_rendering),
        cmocka_unit_test(test_private_addresses),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
