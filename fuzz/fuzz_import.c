/* fuzz_import.c - libFuzzer target: POST /conversations/import body → conversation (import_build) → rendered resource. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "http/problem.h"
#include "model/conversation.h"
#include "model/import.h"

/* Renders c with opts and asserts the resource is valid JSON. */
static void fuzz_render(const conv_t *c, conv_render_opts_t o)
{
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    conv_render(&w, c, &o);
    FUZZ_CHECK(!b.oom && !w.err, "resource written");
    fuzz_assert_json(b.data, b.len, "rendered conversation");
    buf_free(&b);
}

/* The input is the whole request body. It is decoded like the server does
 * (req_json_body), validated by import_build, and on success rendered in all
 * three transcript forms with every include option; on failure the message
 * must make a valid problem body. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    req_t r;
    fuzz_req_init(&r, data, n);
    json_t *root = fuzz_json_body(&r);
    if (root && json_is_object(root)) {
        conv_t c;
        memset(&c, 0, sizeof c);
        memcpy(c.org_uuid, "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", sizeof c.org_uuid);
        c.user_email = "owner@example.com";
        c.user_first_name = "Ann";
        c.user_last_name = "Owner";
        c.user_transcript_lang = "en";
        char err[512];
        err[0] = '\0';
        if (import_build(&r.arena, root, 1710756000, &c, err, sizeof err) == 0) {
            conv_render_opts_t o = conv_render_opts_single();
            o.include_internal_participants = o.include_import_metadata = o.include_zoom_metadata = true;
            fuzz_render(&c, o);
            o.transcript = CONV_TRANSCRIPT_DETAILED;
            fuzz_render(&c, o);
            fuzz_render(&c, conv_render_opts_list());
        } else {
            FUZZ_CHECK(err[0], "a rejected import says why");
            problem_send(&r, 400, "invalid_body", "%s", err);
            fuzz_assert_reply(&r, false);
        }
    }
    json_decref(root);
    fuzz_req_free(&r);
    return 0;
}
