/* snippets.c - POST /v2/snippets and the snippet links GET /snippets/{shareCode} (beyond.md §1). */
#include "api/api.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "http/problem.h"
#include "http/public_url.h"
#include "lib/ptime.h"
#include "model/snippet.h"

/* What the conversation lookup of a snippet reads: the conversation's length. */
typedef struct snippets_len {
    arena_t *arena;            /* the request's: conv_doc_parse allocates from it */
    double len;                /* mediaDuration, seconds; -1 until read */
} snippets_len_t;

/* store_conv_get callback: notes the conversation's mediaDuration, from its
 * stored document (non-zero: it does not parse). */
static int snippets_conv_len(void *ctx, const conv_t *c)
{
    snippets_len_t *l = ctx;
    conv_t copy = *c;
    if (copy.doc && conv_doc_parse(l->arena, &copy) != 0)
        return 1;
    l->len = copy.media_duration;
    return 0;
}

/* Checks the people and the conversation b names against the caller:
 * user_uuid a user of the organization (400), the caller's own user for a
 * user-level key (403), conversation_id visible to the key (404), the video
 * within the call (400). Returns 0, or -1 after replying. */
static int snippets_check(req_t *r, const snippet_body_t *b)
{
    store_user_t u;
    store_rc_t rc = store_user_resolve(r->store, r->scope.org_uuid, b->s.user_uuid, &u);
    if (rc == STORE_NOT_FOUND) {
        problem_send(r, 400, "invalid_body", "user_uuid %s is not a user of this organization", b->s.user_uuid);
        return -1;
    }
    if (rc != STORE_OK) {
        problem_internal(r);
        return -1;
    }
    if (r->scope.user_uuid && strcmp(r->scope.user_uuid, u.uuid) != 0) {
        problem_send(r, 403, "forbidden", "this key acts for user %s and may only create snippets for that user",
                     r->scope.user_uuid);
        return -1;
    }
    snippets_len_t len = {&r->arena, -1};
    rc = store_conv_get(r->store, &r->scope, b->s.conversation_uuid, snippets_conv_len, &len);
    if (rc == STORE_NOT_FOUND) {
        problem_not_found(r, "conversation", b->s.conversation_uuid);
        return -1;
    }
    if (rc != STORE_OK || len.len < 0) {
        problem_internal(r);
        return -1;
    }
    char err[256];
    if (snippet_window_check(&b->s, len.len, err, sizeof err) != 0) {
        problem_send(r, 400, "invalid_body", "%s", err);
        return -1;
    }
    return 0;
}

/* POST /v2/snippets: any key of the organization (a user-level key only for
 * its own user). Body per snippet_body_parse (400); checks per
 * snippets_check. Stores the snippet with a fresh share code of 128 random
 * bits and its `snippet_created` workflow-log entry; answers 200
 * {"id","url","share_code"} with url = <public base>/snippets/<share code>. */
void api_snippets_create(req_t *r)
{
    json_t *root = req_json_body(r, true); /* owner: this function; b's strings borrow from it */
    if (!root)
        return;
    snippet_body_t b;
    char err[512];
    if (snippet_body_parse(root, &b, err, sizeof err) != 0) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "%s", err);
        return;
    }
    if (snippets_check(r, &b) != 0) {
        json_decref(root);
        return;
    }
    store_snippet_t *s = &b.s;
    snprintf(s->org_uuid, sizeof s->org_uuid, "%s", r->scope.org_uuid);
    uuid_v7(s->uuid);
    s->created_at = ptime_now_ms();
    store_rc_t rc = STORE_CONFLICT;
    /* a taken share code (128 random bits: never in practice) is drawn again */
    for (int tries = 0; rc == STORE_CONFLICT && tries < 3; tries++) {
        uint8_t rnd[SNIPPET_SHARE_CODE_BYTES];
        randombytes_buf(rnd, sizeof rnd);
        snippet_share_code(rnd, s->share_code, sizeof s->share_code);
        sodium_memzero(rnd, sizeof rnd);
        rc = store_snippet_create(r->store, s, b.folder_path, ptime_now_ms());
    }
    json_decref(root);
    if (rc != STORE_OK) {
        problem_internal(r);
        return;
    }
    char base[PUBLIC_URL_MAX + 1], url[PUBLIC_URL_MAX + 64];
    snprintf(url, sizeof url, "%s/snippets/%s", public_url_get(base, sizeof base), s->share_code);
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "id", s->uuid);
    jsonw_kv_string(&w, "url", url);
    jsonw_kv_string(&w, "share_code", s->share_code);
    jsonw_obj_end(&w);
}

/* What the share lookup keeps of the row: its rendering and who may see it. */
typedef struct snippets_found {
    buf_t json;              /* the rendered snippet; owned by the handler */
    bool internal;
    uuid_str_t org_uuid;
} snippets_found_t;

static int snippets_found_cb(void *ctx, const store_snippet_t *s)
{
    snippets_found_t *f = ctx;
    jsonw_t w;
    jsonw_init(&w, &f->json);
    snippet_render(&w, s);
    f->internal = s->internal;
    memcpy(f->org_uuid, s->org_uuid, sizeof f->org_uuid);
    return f->json.oom ? 1 : 0;
}

/* GET /snippets/{shareCode} (no /v2, no key needed): the snippet as JSON
 * (snippet_render) to anyone for a snippet that is not internal; an
 * internal one only with a key of its organization in Authorization (401
 * otherwise, with the usual detail). An unknown or malformed code → 404. */
void api_snippet_share(req_t *r)
{
    const char *code = r->params[0];
    if (!snippet_share_code_ok(code)) {
        problem_send(r, 404, "not_found", "no snippet has this link");
        return;
    }
    snippets_found_t f = {.internal = false};
    buf_init(&f.json);
    store_rc_t rc = store_snippet_by_code(r->store, code, snippets_found_cb, &f);
    if (rc == STORE_OK && f.internal) {
        switch (auth_authenticate(r->store, r->authorization, &r->key, &r->scope)) {
        case AUTH_OK:
            if (strcmp(r->key.org_uuid, f.org_uuid) != 0)
                rc = STORE_FORBIDDEN;
            break;
        case AUTH_DENIED: rc = STORE_FORBIDDEN; break;
        case AUTH_ERROR: rc = STORE_ERROR; break;
        }
    }
    if (rc == STORE_OK) {
        jsonw_t w;
        req_json_begin(r, 200, &w);
        buf_append(&r->out, f.json.data, f.json.len); /* failure marks r->out: the server answers 500 */
    } else if (rc == STORE_NOT_FOUND) {
        problem_send(r, 404, "not_found", "no snippet has this link");
    } else if (rc == STORE_FORBIDDEN) {
        problem_unauthorized(r); /* internal: only for a key of its organization */
    } else {
        problem_internal(r);
    }
    buf_free(&f.json);
}
