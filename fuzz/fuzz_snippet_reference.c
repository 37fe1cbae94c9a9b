/* fuzz_snippet_reference.c - libFuzzer target: POST /snippets bodies (snippet_body_parse) and their `reference` (snippet_reference_parse). */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/snippet.h"

/* A reference the parser accepted must be exactly what its rules allow. */
static void check_reference(const store_snippet_t *s)
{
    if (!s->has_reference)
        return;
    FUZZ_CHECK(s->ref_char_start >= 0 && s->ref_char_start <= s->ref_char_end, "characters: 0 <= start <= end");
    FUZZ_CHECK(s->ref_speaker_start >= 0 && s->ref_speaker_start <= s->ref_speaker_end, "speakers: 0 <= start <= end");
    FUZZ_CHECK(s->ref_char_end <= 999999999999999999LL && s->ref_speaker_end <= 999999999999999999LL,
               "at most 18 digits");
    FUZZ_CHECK(strcmp(s->ref_version, "V1") == 0 || strcmp(s->ref_version, "V2") == 0, "transcript_version");
}

/* Mode byte 0 (even): the rest is a whole POST /snippets body; 1 (odd): the
 * rest is the value of `reference` alone. Both are decoded like the server
 * decodes a body. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    req_t r;
    fuzz_req_init(&r, data + 1, n - 1);
    json_t *body = fuzz_json_body(&r);
    if (body) {
        char err[512];
        err[0] = '\0';
        if ((data[0] & 1) == 0) {
            snippet_body_t b;
            if (snippet_body_parse(body, &b, err, sizeof err) == 0) {
                const store_snippet_t *s = &b.s;
                check_reference(s);
                FUZZ_CHECK(uuid_parse(s->user_uuid, NULL) && uuid_parse(s->conversation_uuid, NULL), "ids are UUIDs");
                FUZZ_CHECK(s->start_time >= 0 && s->end_time > s->start_time && s->duration >= 0, "video times");
                FUZZ_CHECK(s->title && s->title[0] && s->notes, "title and notes are set");
                fuzz_assert_text(s->title, "title");
                fuzz_assert_text(s->notes, "notes");
                fuzz_assert_text(b.folder_path, "folder_path");
                FUZZ_CHECK(b.folder_path[0] == '/' && !strstr(b.folder_path, "//"), "a canonical folder path");
                FUZZ_CHECK(strlen(b.folder_path) == 1 || b.folder_path[strlen(b.folder_path) - 1] != '/',
                           "no trailing slash");
                /* the snippet renders as valid JSON */
                buf_t out;
                buf_init(&out);
                jsonw_t w;
                jsonw_init(&w, &out);
                snippet_render(&w, s);
                if (!out.oom)
                    fuzz_assert_json(out.data, out.len, "snippet");
                buf_free(&out);
            } else {
                fuzz_assert_err(&r, err);
            }
        } else {
            store_snippet_t s;
            memset(&s, 0, sizeof s);
            if (snippet_reference_parse(body, &s, err, sizeof err) == 0)
                check_reference(&s);
            else
                fuzz_assert_err(&r, err);
        }
    }
    json_decref(body);
    fuzz_req_free(&r);
    return 0;
}
