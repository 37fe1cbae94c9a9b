/* test_media_sign.c - unit tests for the signed media URLs: keys, signatures, the checks and the URL parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/sign.h"

#define ORG "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"
#define OBJ "0190aaaa-bbbb-7ccc-8ddd-ffffffffffff"
#define KEY "uploads/" ORG "/" OBJ
#define BASE "http://127.0.0.1:8080"

static const uint8_t secret[MEDIA_SECRET_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void test_keys(void **state)
{
    (void)state;
    char key[MEDIA_KEY_MAX];
    media_key_make(key, ORG, OBJ);
    assert_string_equal(key, KEY);
    uuid_str_t org;
    assert_true(media_key_parse(KEY, org));
    assert_string_equal(org, ORG);
    static const char *const bad[] = {
        "", "uploads/", "uploads/" ORG, "uploads/" ORG "/", "uploads/" ORG "/" OBJ "/", "/uploads/" ORG "/" OBJ,
        "uploads/../" OBJ, "uploads/" ORG "/../" OBJ, "uploads/" ORG "%2F" OBJ, "Uploads/" ORG "/" OBJ,
        "uploads/0190AAAA-bbbb-7ccc-8ddd-eeeeeeeeeeee/" OBJ, /* not canonical */
        "uploads/" ORG "/" OBJ "x", "media/" ORG "/" OBJ, "uploads/" ORG "//" OBJ,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(media_key_parse(bad[i], NULL));
}

static void test_signature_known_value(void **state)
{
    (void)state;
    char sig[MEDIA_SIG_HEX + 1];
    media_sign(secret, "GET", KEY, 1710759600, sig);
    /* HMAC-SHA256(secret, "parley-media-v1\nGET\n" KEY "\n1710759600"), computed independently with Python's hmac */
    assert_string_equal(sig, "518553cff2d0e82e30b455309fb6635c40863dbea37de2a54bc99fb50a8a0229");
    char again[MEDIA_SIG_HEX + 1], put[MEDIA_SIG_HEX + 1], later[MEDIA_SIG_HEX + 1];
    media_sign(secret, "GET", KEY, 1710759600, again);
    media_sign(secret, "PUT", KEY, 1710759600, put);
    media_sign(secret, "GET", KEY, 1710759601, later);
    assert_string_equal(sig, again);
    assert_string_not_equal(sig, put);
    assert_string_not_equal(sig, later);
    assert_int_equal(strlen(sig), MEDIA_SIG_HEX);
    assert_int_equal(strspn(sig, "0123456789abcdef"), MEDIA_SIG_HEX);
}

static void test_checks(void **state)
{
    (void)state;
    char sig[MEDIA_SIG_HEX + 1];
    media_sign(secret, "PUT", KEY, 1000, sig);
    int64_t exp = 0;
    assert_int_equal(media_sig_check(secret, "PUT", KEY, "1000", sig, 999, &exp), MEDIA_SIG_OK);
    assert_int_equal(exp, 1000);
    assert_int_equal(media_sig_check(secret, "PUT", KEY, "1000", sig, 1000, NULL), MEDIA_SIG_OK); /* its last second */
    assert_int_equal(media_sig_check(secret, "PUT", KEY, "1000", sig, 1001, NULL), MEDIA_SIG_EXPIRED);
    assert_int_equal(media_sig_check(secret, "GET", KEY, "1000", sig, 999, NULL), MEDIA_SIG_WRONG_METHOD);
    assert_int_equal(media_sig_check(secret, "PUT", KEY, "1001", sig, 999, NULL), MEDIA_SIG_MISMATCH);
    assert_int_equal(media_sig_check(secret, "PUT", "uploads/" ORG "/" ORG, "1000", sig, 999, NULL), MEDIA_SIG_MISMATCH);
    char flipped[MEDIA_SIG_HEX + 1];
    memcpy(flipped, sig, sizeof flipped);
    flipped[10] = flipped[10] == '0' ? '1' : '0';
    assert_int_equal(media_sig_check(secret, "PUT", KEY, "1000", flipped, 999, NULL), MEDIA_SIG_MISMATCH);
    uint8_t other[MEDIA_SECRET_LEN] = {0};
    assert_int_equal(media_sig_check(other, "PUT", KEY, "1000", sig, 999, NULL), MEDIA_SIG_MISMATCH);
    /* malformed members */
    char upper[MEDIA_SIG_HEX + 1];
    for (int i = 0; i <= MEDIA_SIG_HEX; i++)
        upper[i] = (char)(sig[i] >= 'a' && sig[i] <= 'f' ? sig[i] - 32 : sig[i]);
    static const char *const bad_exp[] = {NULL, "", "-1", "+5", "1e3", "12345678901234567890", " 1000", "1000 "};
    for (size_t i = 0; i < sizeof bad_exp / sizeof bad_exp[0]; i++)
        assert_int_equal(media_sig_check(secret, "PUT", KEY, bad_exp[i], sig, 0, NULL), MEDIA_SIG_MALFORMED);
    assert_int_equal(media_sig_check(secret, "PUT", KEY, "1000", NULL, 0, NULL), MEDIA_SIG_MALFORMED);
    assert_int_equal(media_sig_check(secret, "PUT", KEY, "1000", "abc", 0, NULL), MEDIA_SIG_MALFORMED);
    if (strcmp(upper, sig) != 0)
        assert_int_equal(media_sig_check(secret, "PUT", KEY, "1000", upper, 0, NULL), MEDIA_SIG_MALFORMED);
}

static void test_links(void **state)
{
    (void)state;
    char sig[MEDIA_SIG_HEX + 1], url[512];
    media_sign(secret, "GET", KEY, 1700000000, sig);
    media_link_write(url, sizeof url, BASE, KEY, 1700000000, sig);
    media_link_t l;
    assert_int_equal(media_link_parse(BASE, url, &l), MEDIA_LINK_OURS);
    assert_string_equal(l.key, KEY);
    assert_string_equal(l.org, ORG);
    assert_string_equal(l.expires, "1700000000");
    assert_string_equal(l.signature, sig);
    /* members in any order, others ignored, a fragment ignored */
    char other[600];
    snprintf(other, sizeof other, BASE "/media/" KEY "?x=1&signature=%s&expires=1700000000#t", sig);
    assert_int_equal(media_link_parse(BASE, other, &l), MEDIA_LINK_OURS);
    assert_string_equal(l.signature, sig);
    /* someone else's URL */
    assert_int_equal(media_link_parse(BASE, "https://example.com/a.mp3", &l), MEDIA_LINK_OTHER);
    assert_int_equal(media_link_parse(BASE, "http://127.0.0.1:8081/media/" KEY "?expires=1&signature=x", &l),
                     MEDIA_LINK_OTHER);
    assert_int_equal(media_link_parse(BASE, BASE "/v2/media/" KEY, &l), MEDIA_LINK_OTHER);
    /* ours, but not well formed */
    static const char *const bad[] = {
        BASE "/media/" KEY,
        BASE "/media/" KEY "?expires=1",
        BASE "/media/" KEY "?signature=ab",
        BASE "/media/" KEY "?expires=1&expires=2&signature=ab",
        BASE "/media/uploads/../" OBJ "?expires=1&signature=ab",
        BASE "/media/uploads/" ORG "%2F" OBJ "?expires=1&signature=ab",
        BASE "/media/uploads/" ORG "/" OBJ "/x?expires=1&signature=ab",
        BASE "/media/?expires=1&signature=ab",
        BASE "/media/" KEY "#?expires=1&signature=ab",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(media_link_parse(BASE, bad[i], &l), MEDIA_LINK_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_signature_known_value),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
