/* problem.h - RFC 9457 problem+json error responses, the only way errors leave the server. */
#ifndef PARLEY_HTTP_PROBLEM_H
#define PARLEY_HTTP_PROBLEM_H

#include "http/request.h"

/* Replies with status and body {"type":"about:blank","title":<reason phrase>,
 * "status":status,"code":code,"detail":<formatted>}. Replaces anything already
 * written to r->out. Can't fail (OOM leaves an empty body, which the server
 * turns into a plain 500). */
void problem_send(req_t *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Same, with one extra string member (e.g. "conversationUUID" on a 409). */
void problem_send_extra(req_t *r, int status, const char *code, const char *extra_key, const char *extra_val,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Writes a complete problem body into b (used by the server for errors found
 * before a request struct exists). */
void problem_write(buf_t *b, int status, const char *code, const char *detail);
/* Standard reason phrase for status ("Not Found"); "Error" when unknown. */
const char *problem_title(int status);
/* The code a problem of this status carries when nothing more specific is
 * known ("rate_limited" for 429, "unavailable" for 503, …). */
const char *problem_default_code(int status);

/* The usual ones. */
void problem_not_found(req_t *r, const char *what, const char *id);
void problem_unauthorized(req_t *r);
/* 500, or 503 (code "unavailable") when the thread's last store call found the
 * database unreachable (store_last_unavailable). */
void problem_internal(req_t *r);

#endif
