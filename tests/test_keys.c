/* test_keys.c - unit tests for API key generation, hashing, header parsing and masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/keys.h"

static void test_generate_shape(void **state)
{
    (void)state;
    char k[KEY_STR_LEN + 1];
    memset(k, 'X', sizeof(k));
    key_generate(k);
    assert_int_equal(strlen(k), KEY_STR_LEN);
    assert_int_equal(KEY_STR_LEN, 47);
    assert_memory_equal(k, "prl_", 4);
    for (size_t i = 4; i < KEY_STR_LEN; i++) {
        char c = k[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            fail_msg("bad char '%c' in %s", c, k);
    }
    /* a generated key is accepted by the header parser as is */
    size_t len = 0;
    assert_ptr_equal(key_from_header(k, &len), k);
    assert_int_equal(len, KEY_STR_LEN);
}

static void test_generate_unique(void **state)
{
    (void)state;
    enum { N = 500 };
    static char keys[N][KEY_STR_LEN + 1];
    for (int i = 0; i < N; i++)
        key_generate(keys[i]);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            assert_string_not_equal(keys[i], keys[j]);
    /* the random part uses the whole alphabet over many keys */
    bool seen_dash = false, seen_us = false;
    for (int i = 0; i < N; i++) {
        seen_dash |= strchr(keys[i] + 4, '-') != NULL;
        seen_us |= strchr(keys[i] + 4, '_') != NULL;
    }
    assert_true(seen_dash && seen_us);
}

static void test_hash_vector(void **state)
{
    (void)state;
    static const uint8_t abc[KEY_HASH_LEN] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    key_hash_t h;
    key_hash("abc", 3, h);
    assert_memory_equal(h, abc, KEY_HASH_LEN);
    assert_true(key_hash_equal(h, abc));
    /* only len bytes are hashed */
    key_hash_t h2;
    key_hash("abcdef", 3, h2);
    assert_true(key_hash_equal(h, h2));
    key_hash("abd", 3, h2);
    assert_false(key_hash_equal(h, h2));
    /* empty string: e3b0c442... */
    key_hash("", 0, h2);
    assert_int_equal(h2[0], 0xe3);
    assert_int_equal(h2[31], 0x55);
    /* a single differing last byte is detected */
    key_hash_t h3;
    memcpy(h3, abc, KEY_HASH_LEN);
    h3[31] ^= 1;
    assert_false(key_hash_equal(h3, abc));
}

/* Asserts that header value v yields exactly key want. */
static void expect_key(const char *v, const char *want)
{
    size_t len = 0;
    const char *k = key_from_header(v, &len);
    if (!k)
        fail_msg("no key from '%s'", v);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(k, want, len);
    assert_true(k >= v && k + len <= v + strlen(v));
}

static void test_header_forms(void **state)
{
    (void)state;
    expect_key("Bearer prl_abc", "prl_abc");
    expect_key("bearer prl_abc", "prl_abc");
    expect_key("BEARER prl_abc", "prl_abc");
    expect_key("BeArEr     prl_abc", "prl_abc");
    expect_key("Bearer\tprl_abc", "prl_abc");
    expect_key("prl_abc", "prl_abc");
    expect_key("  Bearer prl_abc  ", "prl_abc");
    expect_key("Bearerprl_abc", "Bearerprl_abc"); /* no separator: a bare key */
}

static void test_header_rejects(void **state)
{
    (void)state;
    static const char *bad[] = {
        "", "   ", "Bearer", "bearer ", "Bearer    ", "Bearer prl_a bc", "prl_a bc",
        "Basic dXNlcjpwYXNz", "Bearer prl_\x01x", "prl_\x7fx", "Bearer prl_\xc3\xa9",
        "Bearer prl_a\nb", "Token: x y",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len = 77;
        if (key_from_header(bad[i], &len) != NULL)
            fail_msg("accepted '%s'", bad[i]);
    }
    assert_null(key_from_header(NULL, NULL));
    /* length limit: exactly KEY_MAX_HEADER is fine, one more is refused */
    char big[KEY_MAX_HEADER + 2];
    memcpy(big, "Bearer ", 7);
    memset(big + 7, 'k', KEY_MAX_HEADER - 7);
    big[KEY_MAX_HEADER] = '\0';
    size_t len = 0;
    assert_non_null(key_from_header(big, &len));
    assert_int_equal(len, KEY_MAX_HEADER - 7);
    big[KEY_MAX_HEADER] = 'k';
    big[KEY_MAX_HEADER + 1] = '\0';
    assert_null(key_from_header(big, &len));
}

static void test_mask(void **state)
{
    (void)state;
    char out[32];
    key_mask("wxyz", out, sizeof(out));
    assert_string_equal(out, "\xe2\x80\xa6wxyz");
    assert_string_equal(out, "…wxyz");
    key_mask("prl_abcdefgh", out, sizeof(out)); /* longer: last four only */
    assert_string_equal(out, "…efgh");
    key_mask("ab", out, sizeof(out));
    assert_string_equal(out, "…ab");
    key_mask(NULL, out, sizeof(out));
    assert_string_equal(out, "…");
    key_mask("wxyz", out, 8); /* exactly fits: 3 + 4 + NUL */
    assert_string_equal(out, "…wxyz");
    strcpy(out, "junk");
    key_mask("wxyz", out, 7); /* too small: empty, no overflow */
    assert_string_equal(out, "");
    key_mask("wxyz", out, 0);
}

int main(void)
{
    if (key_lib_init() != 0)
        return 1;
    assert_int_equal(key_lib_init(), 0); /* idempotent */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_shape), cmocka_unit_test(test_generate_unique),
        cmocka_unit_test(test_hash_vector),    cmocka_unit_test(test_header_forms),
        cmocka_unit_test(test_header_rejects), cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
