/* query.h - a generated SQL query and its parameters, with placeholders in either backend's dialect (? for SQLite, $n for PostgreSQL). */
#ifndef PARLEY_STORE_QUERY_H
#define PARLEY_STORE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "model/filter.h"

/* Which placeholders a query is written with. */
typedef enum {
    STORE_Q_SQLITE,   /* "?", parameters bound in order; integers bound as integers */
    STORE_Q_POSTGRES, /* "$n" (integers "$n::bigint"), every parameter sent as text */
} store_q_dialect_t;

/* One parameter: text s (NULL: SQL NULL), or the integer i when is_int. */
typedef struct store_qparam {
    const char *s; /* borrowed from the caller, or one of the query's owned strings */
    int64_t i;
    bool is_int;
} store_qparam_t;

/* A query under construction: its SQL and its parameters, in order. The
 * query owns sql, params, vals, owned and the strings in owned; texts the
 * caller passes are borrowed and must outlive the query's use. */
typedef struct store_query {
    store_q_dialect_t dialect;
    buf_t sql;
    store_qparam_t *params; /* n of them; malloc'd, owned */
    const char **vals;      /* params[k].s for each k, as PQexecParams wants them; malloc'd, owned */
    size_t n, cap;
    char **owned;           /* strings made here (numbers, lowercased copies, patterns); malloc'd, owned */
    size_t nowned, capowned;
    bool oom;               /* sticky: an allocation failed (see store_q_failed) */
} store_query_t;

/* An empty query in dialect d. Can't fail (allocates on first append). */
void store_q_init(store_query_t *q, store_q_dialect_t d);
/* Frees what q owns; q may then be initialized again. */
void store_q_free(store_query_t *q);
/* True when an allocation failed while q was built (its SQL or parameters
 * are then incomplete and must not run). */
bool store_q_failed(const store_query_t *q);

/* Records text parameter v without writing a placeholder; returns its number
 * (1, 2, …: "$n" on PostgreSQL), 0 when out of memory (sticky). For SQL that
 * writes its own: a backend's "?" inside a longer text, or a "$n" named more
 * than once. */
int store_q_param(store_query_t *q, const char *v);
/* Appends the placeholder of a new text parameter v ("?" or "$n"). */
void store_q_text(store_query_t *q, const char *v);
/* Appends the placeholder of a new integer parameter v ("?" or "$n::bigint";
 * on PostgreSQL its decimal text is made and owned by q). */
void store_q_int(store_query_t *q, int64_t v);
/* Keeps s (malloc'd by the caller; NULL means that allocation failed) owned
 * by q and returns it; NULL (q->oom set, s freed) when out of memory. */
char *store_q_own(store_query_t *q, char *s);
/* A copy of s with ASCII letters lowercased (what SQLite's lower() does),
 * owned by q; NULL when out of memory. */
const char *store_q_lower(store_query_t *q, const char *s);
/* Appends "(p1, p2, …)" with a text parameter for each value of l (n >= 1),
 * ASCII-lowercased when lower: on SQLite each placeholder is "?" or
 * "lower(?)" and every value is bound; on PostgreSQL the values are
 * lowercased here, and values that are not valid UTF-8 (which PostgreSQL
 * refuses and no stored text can equal) are left out; a list left empty
 * becomes "(NULL)", which matches nothing. */
void store_q_list(store_query_t *q, const strlist_t *l, bool lower);
/* Appends prefix (" AND col IN ") and store_q_list(q, l, lower) when l has
 * values; nothing when it has none. */
void store_q_in(store_query_t *q, const char *prefix, const strlist_t *l, bool lower);
/* Appends " AND col >= p" (integer from) when has_from, then " AND col <= p"
 * (integer to) when has_to: an inclusive range on column col. */
void store_q_range(store_query_t *q, const char *col, bool has_from, int64_t from, bool has_to, int64_t to);

#endif
