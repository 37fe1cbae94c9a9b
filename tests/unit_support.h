/* unit_support.h - small helpers shared by the cmocka unit tests (header only: each test is one executable). */
#ifndef PARLEY_TESTS_UNIT_SUPPORT_H
#define PARLEY_TESTS_UNIT_SUPPORT_H

#include <jansson.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/jsonw.h"
#include "model/conversation.h"

/* Asserts that the list form of the transcript whose canonical v1 is v1_json
 * (NULL: none), as conv_render derives it, is want. */
static inline void unit_assert_transcript_text(const char *v1_json, const char *want)
{
    conv_t c;
    memset(&c, 0, sizeof c);
    c.transcript_v1_json = v1_json;
    buf_t b;
    jsonw_t w;
    buf_init(&b);
    jsonw_init(&w, &b);
    conv_write_transcript_text(&w, &c);
    json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(v), want);
    json_decref(v);
    buf_free(&b);
}

#endif
