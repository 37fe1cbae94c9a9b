/* journal.h - the request journal of the admin API (stand-in §6): the last N /v2 requests, in memory. */
#ifndef PARLEY_STANDIN_JOURNAL_H
#define PARLEY_STANDIN_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/query.h"

#define JOURNAL_DEFAULT 1000
#define JOURNAL_MAX 1000000
#define JOURNAL_BODY_MAX (64u * 1024) /* bytes of a request body kept; the rest is cut ("truncated") */

typedef struct journal journal_t;

/* One finished request, as the server saw it. Strings are borrowed for the
 * call; journal_add copies what it keeps. Never pass a key or a token. */
typedef struct journal_in {
    int64_t at_ms;               /* arrival, on the server's clock */
    const char *method;
    const char *path;            /* raw path */
    const char *query;           /* raw query string, "" when none */
    int status;                  /* 0: dropped, no answer sent (listed as null) */
    double duration_ms;
    const char *key_id;          /* the authenticated key's id, NULL when none */
    const char *body;            /* request body bytes (any), NULL when none */
    size_t body_len;
    const char *fault_id;        /* the rule that answered, NULL when none */
} journal_in_t;

typedef struct journal_filter {
    long limit;                  /* 1..JOURNAL_MAX */
    const char *method;          /* NULL = any */
    const char *path_glob;       /* NULL = any */
    int status;                  /* 0 = any */
    const char *key_id;          /* NULL = any */
} journal_filter_t;

/* A journal of the last capacity requests (1..JOURNAL_MAX). NULL when out of
 * memory. Owner: the caller (journal_free). */
journal_t *journal_new(size_t capacity);
void journal_free(journal_t *j);

/* Records one request, dropping the oldest when full. The body is kept up to
 * JOURNAL_BODY_MAX bytes, cut on a UTF-8 boundary, with bytes that are not
 * UTF-8 replaced by U+FFFD. Thread-safe; a failed allocation drops the entry. */
void journal_add(journal_t *j, const journal_in_t *in);
/* Parses the GET /_parley/requests query (limit, method, path glob, status, keyId).
 * Returns 0, or -1 with a message naming the parameter. */
int journal_filter_parse(const query_t *q, journal_filter_t *f, char *err, size_t errlen);
/* Writes {"data":[entry…]} newest first, at most f->limit matching entries. */
void journal_list(journal_t *j, const journal_filter_t *f, buf_t *out);
/* Forgets every entry. */
void journal_clear(journal_t *j);

#endif
