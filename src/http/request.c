/* request.c - reply helpers and JSON body decoding with the limits of spec §1. */
#include "http/request.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/problem.h"
#include "lib/json_arena.h"

void req_json_begin(req_t *r, int status, jsonw_t *w)
{
    buf_reset(&r->out);
    buf_reserve(&r->out, REQ_JSON_INITIAL); /* one allocation for most replies; failure shows later as oom */
    r->status = status;
    r->out_type = "application/json; charset=utf-8";
    jsonw_init(w, &r->out);
}

void req_success(req_t *r)
{
    jsonw_t w;
    req_json_begin(r, 200, &w);
    jsonw_obj_begin(&w);
    jsonw_kv_bool(&w, "success", true);
    jsonw_obj_end(&w);
}

void req_header(req_t *r, const char *name, const char *value)
{
    if (r->n_headers >= REQ_MAX_HEADERS)
        return;
    const char *n = arena_strdup(&r->arena, name), *v = arena_strdup(&r->arena, value);
    if (!n || !v)
        return;
    r->header_names[r->n_headers] = n;
    r->header_values[r->n_headers] = v;
    r->n_headers++;
}

void req_stream_drop(req_t *r)
{
    if (r->streamed)
        bytesrc_release(&r->stream);
    r->streamed = false;
}

void req_stream(req_t *r, int status, const char *type, bytesrc_t *src)
{
    req_stream_drop(r);
    buf_reset(&r->out);
    r->stream = *src;
    bytesrc_init(src);
    r->streamed = true;
    r->status = status;
    r->out_type = type;
}

int req_json_depth_ok(const char *s, size_t n, int max_depth)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++; /* skip the escaped character */
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return -1;
        } else if (c == '}' || c == ']')
            depth--;
    }
    return 0;
}

/* True when the media type (parameters ignored) is one we accept as JSON. */
static bool req_is_json_type(const char *ct)
{
    size_t n = strcspn(ct, "; \t");
    return (n == 16 && strncasecmp(ct, "application/json", n) == 0) ||
           (n == 24 && strncasecmp(ct, "application/vnd.api+json", n) == 0);
}

/* Walks v looking for a string longer than REQ_MAX_JSON_STRING; top-level
 * "transcript" is exempt. Writes the offending path into path. Recursion is
 * bounded by the depth check done before parsing. */
static bool req_json_strings_ok(const json_t *v, int depth, char *path, size_t pathlen)
{
    if (json_is_string(v))
        return json_string_length(v) <= REQ_MAX_JSON_STRING;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c) {
            if (depth == 0 && strcmp(k, "transcript") == 0)
                continue;
            if (strlen(k) > REQ_MAX_JSON_STRING || !req_json_strings_ok(c, depth + 1, path, pathlen)) {
                if (path[0] == '\0')
                    snprintf(path, pathlen, "%.100s", k);
                return false;
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            if (!req_json_strings_ok(c, depth + 1, path, pathlen))
                return false;
        }
    }
    return true;
}

json_t *req_json_body(req_t *r, bool required)
{
    if (!r->body || r->body_len == 0) {
        if (required)
            problem_send(r, 400, "invalid_body", "a JSON request body is required");
        return NULL;
    }
    if (!r->content_type || !req_is_json_type(r->content_type)) {
        problem_send(r, 415, "unsupported_media_type",
                     "Content-Type must be application/json or application/vnd.api+json, got \"%.100s\"",
                     r->content_type ? r->content_type : "(none)");
        return NULL;
    }
    if (req_json_depth_ok(r->body, r->body_len, REQ_MAX_JSON_DEPTH) != 0) {
        problem_send(r, 400, "invalid_json", "JSON nesting is deeper than %d levels", REQ_MAX_JSON_DEPTH);
        return NULL;
    }
    json_error_t jerr;
    /* owner: the caller, through the return value; its nodes live in the request's arena */
    json_t *root = json_arena_loadb(&r->arena, r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        problem_send(r, 400, "invalid_json", "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column,
                     jerr.text);
        return NULL;
    }
    char path[128] = "";
    if (!req_json_strings_ok(root, 0, path, sizeof path)) {
        json_decref(root);
        problem_send(r, 400, "invalid_body", "string in \"%s\" is longer than the limit of %u bytes", path,
                     REQ_MAX_JSON_STRING);
        return NULL;
    }
    return root;
}
