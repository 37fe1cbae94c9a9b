/* fuzz_transcript.c - libFuzzer target: transcript validation/conversion (transcript_build) and the detailed form. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "model/conversation.h"
#include "model/transcript.h"

/* Writes the detailed form from stored strings and checks it is valid JSON. */
static void fuzz_detailed(const char *v1, const char *v2, const char *parts)
{
    buf_t b;
    buf_init(&b);
    jsonw_t w;
    jsonw_init(&w, &b);
    (void)transcript_write_detailed(&w, v1, v2, parts);
    FUZZ_CHECK(!b.oom && !w.err, "detailed form written");
    fuzz_assert_json(b.data ? b.data : "", b.len, "detailed transcript");
    buf_free(&b);
}

/* Mode byte 0 (even): the rest is an import's `transcript` value; on success
 * the canonical forms must be valid JSON and the detailed form is rendered
 * from them. Mode 1 (odd): the rest is "v1\x01v2\x01participants" as if read
 * back from storage (possibly corrupt), rendered in the detailed form. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    int mode = data[0] & 1;
    char *s = fuzz_strndup(data + 1, n - 1); /* owner: this function */
    if (mode == 1) {
        char *f[3] = {s, NULL, NULL};
        for (int i = 1; i < 3; i++) {
            char *sep = f[i - 1] ? strchr(f[i - 1], '\x01') : NULL;
            if (sep) {
                *sep = '\0';
                f[i] = sep + 1;
            }
        }
        fuzz_detailed(f[0], f[1], f[2]);
        free(s);
        return 0;
    }
    json_error_t e;
    json_t *v = json_loadb(s, n - 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    free(s);
    if (!v)
        return 0;
    arena_t a;
    arena_init(&a);
    transcript_out_t out;
    char err[512];
    err[0] = '\0';
    if (transcript_build(&a, v, NULL, &out, err, sizeof err) == 0) {
        /* the list form, derived from v1 when a list renders it, is one JSON string */
        conv_t c;
        memset(&c, 0, sizeof c);
        c.transcript_v1_json = out.v1_json;
        buf_t tb;
        jsonw_t tw;
        buf_init(&tb);
        jsonw_init(&tw, &tb);
        conv_write_transcript_text(&tw, &c);
        FUZZ_CHECK(!tb.oom && tb.len >= 2 && tb.data[0] == '"', "text form is a string");
        fuzz_assert_json(tb.data, tb.len, "text form");
        buf_free(&tb);
        FUZZ_CHECK((out.segments == 0) || out.v1_json, "segments imply a v1 form");
        FUZZ_CHECK(out.last_end >= 0, "last_end non-negative");
        if (out.v1_json)
            fuzz_assert_json(out.v1_json, strlen(out.v1_json), "canonical v1");
        if (out.v2_json)
            fuzz_assert_json(out.v2_json, strlen(out.v2_json), "canonical v2");
        fuzz_detailed(out.v1_json, out.v2_json, NULL);
    } else {
        FUZZ_CHECK(err[0], "a rejected transcript says why");
    }
    arena_free(&a);
    json_decref(v);
    return 0;
}
