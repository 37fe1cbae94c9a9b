/* journal.c - the request journal of the admin API: a ring of the last N /v2 requests. */
#include "standin/journal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/jsonw.h"
#include "lib/pathglob.h"
#include "lib/ptime.h"
#include "lib/strutil.h"
#include "lib/uuid.h"

/* One kept request. The strings live in one block (text) owned by the entry. */
typedef struct journal_entry {
    int64_t seq;                 /* 0 = empty slot; the entry's id */
    int64_t at_ms;
    int status;
    double duration_ms;
    bool truncated;
    bool has_key, has_fault, has_body;
    uuid_str_t key_id;
    uuid_str_t fault_id;
    char method[8];
    char *text;                  /* path NUL query NUL body NUL; owned */
    size_t path_len, query_len, body_len;
} journal_entry_t;

struct journal {
    pthread_mutex_t mu;
    journal_entry_t *ring;       /* capacity slots; owned */
    size_t capacity;
    size_t next;                 /* slot of the next entry */
    int64_t seq;                 /* the last id given */
};

journal_t *journal_new(size_t capacity)
{
    if (capacity < 1 || capacity > JOURNAL_MAX)
        return NULL;
    journal_t *j = calloc(1, sizeof *j); /* owner: the caller, journal_free */
    if (!j)
        return NULL;
    j->ring = calloc(capacity, sizeof *j->ring); /* owner: j */
    if (!j->ring) {
        free(j);
        return NULL;
    }
    j->capacity = capacity;
    pthread_mutex_init(&j->mu, NULL);
    return j;
}

void journal_clear(journal_t *j)
{
    pthread_mutex_lock(&j->mu);
    for (size_t i = 0; i < j->capacity; i++) {
        free(j->ring[i].text);
        memset(&j->ring[i], 0, sizeof j->ring[i]);
    }
    j->next = 0;
    pthread_mutex_unlock(&j->mu);
}

void journal_free(journal_t *j)
{
    if (!j)
        return;
    journal_clear(j);
    pthread_mutex_destroy(&j->mu);
    free(j->ring);
    free(j);
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 when s does not start one. */
static size_t journal_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!len || len > n)
        return 0;
    return str_utf8_valid((const char *)s, len) ? len : 0;
}

/* Copies body into dst as UTF-8 text: well-formed sequences as they are, any
 * other byte as U+FFFD, stopping before JOURNAL_BODY_MAX bytes of output
 * would be exceeded. dst has room for min(3 * n, JOURNAL_BODY_MAX) + 1. Returns the
 * length written; *cut is set when input was left over. */
static size_t journal_text(char *dst, const char *body, size_t n, bool *cut)
{
    const unsigned char *s = (const unsigned char *)body;
    size_t o = 0, i = 0;
    while (i < n) {
        size_t l = journal_utf8_len(s + i, n - i);
        size_t out = l ? l : 3;
        if (o + out > JOURNAL_BODY_MAX)
            break;
        if (l)
            memcpy(dst + o, s + i, l);
        else
            memcpy(dst + o, "\xef\xbf\xbd", 3);
        o += out;
        i += l ? l : 1;
    }
    *cut = i < n;
    dst[o] = '\0';
    return o;
}

void journal_add(journal_t *j, const journal_in_t *in)
{
    if (!j)
        return;
    size_t pl = strlen(in->path), ql = strlen(in->query);
    size_t bl_max = in->body ? (in->body_len * 3 < JOURNAL_BODY_MAX ? in->body_len * 3 : JOURNAL_BODY_MAX) : 0;
    char *text = malloc(pl + ql + bl_max + 3); /* owner: the entry, freed when its slot is reused */
    if (!text)
        return;
    memcpy(text, in->path, pl + 1);
    memcpy(text + pl + 1, in->query, ql + 1);
    bool cut = false;
    size_t bl = 0;
    if (in->body) {
        /* journal_text writes at most bl_max bytes plus a NUL: each input
         * byte becomes at most 3 bytes (U+FFFD), and it stops at JOURNAL_BODY_MAX */
        bl = journal_text(text + pl + ql + 2, in->body, in->body_len, &cut);
    } else {
        text[pl + ql + 2] = '\0';
    }
    journal_entry_t e = {.at_ms = in->at_ms, .status = in->status, .duration_ms = in->duration_ms,
                         .truncated = cut, .has_body = in->body != NULL, .text = text, .path_len = pl,
                         .query_len = ql, .body_len = bl};
    snprintf(e.method, sizeof e.method, "%s", in->method);
    if (in->key_id && uuid_parse(in->key_id, e.key_id))
        e.has_key = true;
    if (in->fault_id && uuid_parse(in->fault_id, e.fault_id))
        e.has_fault = true;
    pthread_mutex_lock(&j->mu);
    e.seq = ++j->seq;
    journal_entry_t old = j->ring[j->next];
    j->ring[j->next] = e;
    j->next = (j->next + 1) % j->capacity;
    pthread_mutex_unlock(&j->mu);
    free(old.text);
}

int journal_filter_parse(const query_t *q, journal_filter_t *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->limit = 100;
    long long v;
    int rc = query_get_int(q, "limit", 1, JOURNAL_MAX, &v);
    if (rc < 0)
        return str_fail(err, errlen, "limit must be an integer from 1 to %d, got \"%.40s\"", JOURNAL_MAX,
                        query_get(q, "limit"));
    if (rc == 0)
        f->limit = (long)v;
    if ((rc = query_get_int(q, "status", 100, 599, &v)) < 0)
        return str_fail(err, errlen, "status must be an HTTP status from 100 to 599, got \"%.40s\"",
                        query_get(q, "status"));
    if (rc == 0)
        f->status = (int)v;
    f->method = query_get(q, "method");
    if (f->method && !f->method[0])
        f->method = NULL;
    f->key_id = query_get(q, "keyId");
    if (f->key_id && !f->key_id[0])
        f->key_id = NULL;
    f->path_glob = query_get(q, "path");
    if (f->path_glob) {
        char why[128], shown[STR_SHOWN_MAX + 4];
        if (pathglob_check(f->path_glob, why, sizeof why) != 0)
            return str_fail(err, errlen, "path \"%s\" cannot match any request: it %s",
                            str_shown(f->path_glob, shown, sizeof shown), why);
    }
    return 0;
}

/* True when e passes f. Caller holds the journal's lock. */
static bool journal_keep(const journal_entry_t *e, const journal_filter_t *f)
{
    if (f->status && e->status != f->status)
        return false;
    if (f->method && strcasecmp(f->method, e->method) != 0)
        return false;
    if (f->key_id && (!e->has_key || strcasecmp(f->key_id, e->key_id) != 0))
        return false;
    return !f->path_glob || pathglob_match(f->path_glob, e->text);
}

static void journal_render(jsonw_t *w, const journal_entry_t *e)
{
    char at[PTIME_MS_STR_LEN + 1];
    ptime_format_ms(e->at_ms, at);
    const char *path = e->text, *query = path + e->path_len + 1, *body = query + e->query_len + 1;
    jsonw_obj_begin(w);
    jsonw_kv_int(w, "id", e->seq);
    jsonw_kv_string(w, "at", at);
    jsonw_kv_string(w, "method", e->method);
    jsonw_kv_string(w, "path", path);
    jsonw_kv_string(w, "query", query);
    jsonw_key(w, "status");
    if (e->status > 0)
        jsonw_int(w, e->status);
    else
        jsonw_null(w); /* dropped: no answer was sent */
    jsonw_kv_number(w, "durationMs", (double)(int64_t)(e->duration_ms * 1000.0 + 0.5) / 1000.0);
    jsonw_key(w, "keyId");
    if (e->has_key)
        jsonw_string(w, e->key_id);
    else
        jsonw_null(w);
    jsonw_key(w, "requestBody");
    if (e->has_body)
        jsonw_stringn(w, body, e->body_len);
    else
        jsonw_null(w);
    jsonw_kv_bool(w, "truncated", e->truncated);
    jsonw_key(w, "fault");
    if (e->has_fault)
        jsonw_string(w, e->fault_id);
    else
        jsonw_null(w);
    jsonw_obj_end(w);
}

void journal_list(journal_t *j, const journal_filter_t *f, buf_t *out)
{
    jsonw_t w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    if (j) {
        pthread_mutex_lock(&j->mu);
        long shown = 0;
        for (size_t k = 1; k <= j->capacity && shown < f->limit; k++) {
            const journal_entry_t *e = &j->ring[(j->next + j->capacity - k) % j->capacity];
            if (!e->seq)
                break; /* older slots were never used */
            if (journal_keep(e, f)) {
                journal_render(&w, e);
                shown++;
            }
        }
        pthread_mutex_unlock(&j->mu);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}
