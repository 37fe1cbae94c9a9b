/* fuzz_common.h - helpers shared by the libFuzzer harnesses: a fake request, strict JSON checks, aborts. */
#ifndef PARLEY_FUZZ_COMMON_H
#define PARLEY_FUZZ_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/problem.h"
#include "http/request.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/json_arena.h"

/* Stops the run with a message: libFuzzer reports abort() as a crash and saves the input. */
#define FUZZ_CHECK(cond, what)                                                        \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", what, __FILE__, __LINE__); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* Starts a fake request whose body is data[0..n) with Content-Type
 * application/json. The caller owns r and must call fuzz_req_free. Installs
 * json_arena (on the first call, before the harness's first jansson call), so
 * bodies are parsed into r->arena as in the server. */
static inline void fuzz_req_init(req_t *r, const uint8_t *data, size_t n)
{
    json_arena_install();
    memset(r, 0, sizeof *r);
    arena_init(&r->arena);
    buf_init(&r->out);
    r->method = HTTP_POST;
    r->path = "/fuzz";
    r->raw_query = "";
    r->content_type = "application/json";
    r->body = n ? (const char *)data : NULL;
    r->body_len = n;
}

static inline void fuzz_req_free(req_t *r)
{
    arena_free(&r->arena);
    buf_free(&r->out);
}

/* Asserts that s[0..n) is one complete, strict JSON value (what a client will parse). */
static inline void fuzz_assert_json(const char *s, size_t n, const char *what)
{
    json_error_t e;
    json_t *v = json_loadb(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    if (!v) {
        fprintf(stderr, "%s is not valid JSON (%s at %d:%d): %.*s\n", what, e.text, e.line, e.column,
                (int)(n > 2000 ? 2000 : n), s);
        abort();
    }
    json_decref(v);
}

/* Asserts that a request that failed got a problem reply (4xx, a JSON body),
 * and that one that succeeded has no status set. */
static inline void fuzz_assert_reply(const req_t *r, bool ok)
{
    if (ok) {
        FUZZ_CHECK(r->status == 0, "success must not reply");
        return;
    }
    FUZZ_CHECK(r->status >= 400 && r->status < 500, "a rejected body gets a 4xx");
    FUZZ_CHECK(r->out.len > 0 && !r->out.oom, "a rejected body gets a problem body");
    fuzz_assert_json(r->out.data, r->out.len, "problem body");
}

/* Parses a fuzzed body the way the server does (req_json_body with every
 * spec §1 limit). Returns the value (caller owns: json_decref) or NULL after
 * checking that the rejection is a well-formed 4xx problem. */
static inline json_t *fuzz_json_body(req_t *r)
{
    json_t *root = req_json_body(r, true);
    fuzz_assert_reply(r, root != NULL);
    return root;
}

/* Asserts that s is a NUL-free, well-formed UTF-8 C string (or NULL). */
static inline void fuzz_assert_text(const char *s, const char *what)
{
    if (!s)
        return;
    json_t *v = json_string(s); /* jansson validates UTF-8; owner: this function */
    if (!v) {
        fprintf(stderr, "%s is not valid UTF-8: %.200s\n", what, s);
        abort();
    }
    json_decref(v);
}

/* Asserts that a decoder's failure message makes a valid 400 problem body. */
static inline void fuzz_assert_err(req_t *r, const char *err)
{
    FUZZ_CHECK(err[0], "a rejected body says why");
    problem_send(r, 400, "invalid_body", "%s", err);
    fuzz_assert_reply(r, false);
}

/* A bounded, NUL-terminated copy of the input (libFuzzer data is not terminated).
 * The caller frees it. */
static inline char *fuzz_strndup(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1); /* owner: the caller */
    if (!s)
        abort();
    memcpy(s, data, n);
    s[n] = '\0';
    return s;
}

#endif
