/* problem.c - RFC 9457 problem+json error responses, the only way errors leave the server. */
#include "http/problem.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/strutil.h"

#define PROBLEM_TYPE "application/problem+json"
#define PROBLEM_DETAIL_MAX 1024

const char *problem_title(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
    }
}

const char *problem_default_code(int status)
{
    switch (status) {
    case 400: return "invalid_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 409: return "conflict";
    case 411: return "length_required";
    case 413: return "body_too_large";
    case 415: return "unsupported_media_type";
    case 416: return "range_not_satisfiable";
    case 429: return "rate_limited";
    case 500: return "internal_error";
    case 501: return "not_supported";
    case 502: return "bad_gateway";
    case 503: return "unavailable";
    case 504: return "gateway_timeout";
    default: return status >= 500 ? "server_error" : "client_error";
    }
}

/* Writes the body; extra_key may be NULL. */
static void problem_body(buf_t *b, int status, const char *code, const char *detail, const char *extra_key,
                         const char *extra_val, const char *request_id)
{
    jsonw_t w;
    jsonw_init(&w, b);
    jsonw_obj_begin(&w);
    jsonw_kv_string(&w, "type", "about:blank");
    jsonw_kv_string(&w, "title", problem_title(status));
    jsonw_kv_int(&w, "status", status);
    jsonw_kv_string(&w, "code", code);
    jsonw_kv_string(&w, "detail", detail);
    if (extra_key)
        jsonw_kv_string(&w, extra_key, extra_val);
    if (request_id)
        jsonw_kv_string(&w, "requestId", request_id);
    jsonw_obj_end(&w);
}

void problem_write(buf_t *b, int status, const char *code, const char *detail)
{
    buf_reset(b);
    problem_body(b, status, code, detail, NULL, NULL, NULL);
}

/* Shared tail of problem_send / problem_send_extra. */
static void problem_vsend(req_t *r, int status, const char *code, const char *extra_key, const char *extra_val,
                          const char *fmt, va_list ap)
{
    char detail[PROBLEM_DETAIL_MAX];
    vsnprintf(detail, sizeof detail, fmt, ap);
    str_utf8_sanitize(detail); /* details quote client input */
    req_stream_drop(r); /* a problem replaces a streamed body too */
    buf_reset(&r->out);
    problem_body(&r->out, status, code, detail, extra_key, extra_val, r->request_id);
    r->status = status;
    r->out_type = PROBLEM_TYPE;
}

void problem_send(req_t *r, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    problem_vsend(r, status, code, NULL, NULL, fmt, ap);
    va_end(ap);
}

void problem_send_extra(req_t *r, int status, const char *code, const char *extra_key, const char *extra_val,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    problem_vsend(r, status, code, extra_key, extra_val, fmt, ap);
    va_end(ap);
}

void problem_not_found(req_t *r, const char *what, const char *id)
{
    problem_send(r, 404, "not_found", "%s %.200s not found", what, id);
}

void problem_unauthorized(req_t *r)
{
    problem_send(r, 401, "unauthorized", "Authentication failed - valid API key required");
}

void problem_internal(req_t *r)
{
    if (store_last_unavailable()) { /* the store's last answer on this thread: database unreachable */
        problem_send(r, 503, "unavailable",
                     "the database could not be reached; retry later (a change this request asked for "
                     "may or may not have been saved)");
        return;
    }
    problem_send(r, 500, "internal_error", "the server could not complete the request; see the server log");
}
