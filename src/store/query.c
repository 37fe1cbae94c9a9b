/* query.c - the generated-query builder both backends share: SQL text, placeholders in the backend's dialect, parameters in order. */
#include "store/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strutil.h"

void store_q_init(store_query_t *q, store_q_dialect_t d)
{
    memset(q, 0, sizeof *q);
    q->dialect = d;
    buf_init(&q->sql);
}

void store_q_free(store_query_t *q)
{
    buf_free(&q->sql);
    free(q->params);
    free(q->vals);
    for (size_t i = 0; i < q->nowned; i++)
        free(q->owned[i]);
    free(q->owned);
    q->params = NULL;
    q->vals = NULL;
    q->owned = NULL;
    q->n = q->cap = q->nowned = q->capowned = 0;
}

bool store_q_failed(const store_query_t *q)
{
    return q->oom || q->sql.oom;
}

/* Adds parameter p (params and vals grow together); its number, 0 on OOM (sticky). */
static int store_q_add(store_query_t *q, store_qparam_t p)
{
    if (q->oom)
        return 0;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 32;
        store_qparam_t *np = realloc(q->params, cap * sizeof(*np));
        if (np)
            q->params = np;
        const char **nv = np ? realloc(q->vals, cap * sizeof(*nv)) : NULL;
        if (!nv) {
            q->oom = true;
            return 0;
        }
        q->vals = nv;
        q->cap = cap;
    }
    q->params[q->n] = p;
    q->vals[q->n] = p.s;
    return (int)++q->n;
}

/* Appends the placeholder of parameter k (1, 2, …), with suffix after "$k". */
static void store_q_mark(store_query_t *q, int k, const char *suffix)
{
    if (q->dialect == STORE_Q_SQLITE)
        buf_putc(&q->sql, '?');
    else
        buf_printf(&q->sql, "$%d%s", k, suffix);
}

int store_q_param(store_query_t *q, const char *v)
{
    return store_q_add(q, (store_qparam_t){v, 0, false});
}

void store_q_text(store_query_t *q, const char *v)
{
    store_q_mark(q, store_q_param(q, v), "");
}

void store_q_int(store_query_t *q, int64_t v)
{
    char *s = NULL;
    if (q->dialect == STORE_Q_POSTGRES && (s = store_q_own(q, malloc(24))))
        snprintf(s, 24, "%lld", (long long)v);
    store_q_mark(q, store_q_add(q, (store_qparam_t){s, v, true}), "::bigint");
}

char *store_q_own(store_query_t *q, char *s)
{
    if (!s) {
        q->oom = true;
        return NULL;
    }
    if (q->nowned == q->capowned) {
        size_t cap = q->capowned ? q->capowned * 2 : 16;
        char **no = realloc(q->owned, cap * sizeof(*no));
        if (!no) {
            free(s);
            q->oom = true;
            return NULL;
        }
        q->owned = no;
        q->capowned = cap;
    }
    q->owned[q->nowned++] = s;
    return s;
}

const char *store_q_lower(store_query_t *q, const char *s)
{
    char *d = store_q_own(q, strdup(s));
    for (char *p = d; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

void store_q_list(store_query_t *q, const strlist_t *l, bool lower)
{
    buf_t *b = &q->sql;
    buf_putc(b, '(');
    if (q->dialect == STORE_Q_SQLITE) {
        for (size_t i = 0; i < l->n; i++) {
            if (i)
                buf_puts(b, ", ");
            buf_puts(b, lower ? "lower(?)" : "?");
            store_q_param(q, l->v[i]);
        }
    } else {
        int k = 0;
        for (size_t i = 0; i < l->n; i++) {
            if (!l->v[i] || !str_utf8_valid(l->v[i], strlen(l->v[i])))
                continue;
            if (k++)
                buf_puts(b, ", ");
            store_q_text(q, lower ? store_q_lower(q, l->v[i]) : l->v[i]);
        }
        if (!k)
            buf_puts(b, "NULL");
    }
    buf_putc(b, ')');
}

void store_q_in(store_query_t *q, const char *prefix, const strlist_t *l, bool lower)
{
    if (!l->n)
        return;
    buf_puts(&q->sql, prefix);
    store_q_list(q, l, lower);
}

void store_q_range(store_query_t *q, const char *col, bool has_from, int64_t from, bool has_to, int64_t to)
{
    if (has_from) {
        buf_printf(&q->sql, " AND %s >= ", col);
        store_q_int(q, from);
    }
    if (has_to) {
        buf_printf(&q->sql, " AND %s <= ", col);
        store_q_int(q, to);
    }
}
