/* faults.c - fault rules of the admin API (stand-in §3): parsing, listing and the per-request decision. */
#include "standin/faults.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/jsonw.h"
#include "lib/json_arena.h"
#include "lib/pathglob.h"
#include "lib/strutil.h"
#include "lib/jfield.h"

typedef struct fault_rule {
    uuid_str_t id;
    /* match: NULL / "" = any */
    char *method;                  /* upper case */
    char *path;                    /* glob */
    uuid_str_t key_id;
    /* what it does */
    int status;                    /* 0 = no respond */
    char *body;                    /* JSON text or NULL */
    size_t n_headers;
    char *header_names[FAULTS_MAX_HEADERS];
    char *header_values[FAULTS_MAX_HEADERS];
    int retry_after;               /* -1 = not given */
    int delay_ms;
    bool drop;
    double probability;
    bool has_seed;
    int64_t seed;
    int64_t times;                 /* 0 = not given */
    int64_t after;
    /* state (under faults.mu) */
    uint64_t rng;
    int64_t matches, hits;
    struct fault_rule *next;
} fault_rule_t;

struct faults {
    pthread_mutex_t mu;
    fault_rule_t *head, *tail;     /* creation order; owned */
    atomic_int count;
};

faults_t *faults_new(void)
{
    faults_t *f = calloc(1, sizeof *f); /* owner: the caller, faults_free */
    if (!f)
        return NULL;
    pthread_mutex_init(&f->mu, NULL);
    atomic_init(&f->count, 0);
    return f;
}

static void fault_rule_free(fault_rule_t *r)
{
    if (!r)
        return;
    free(r->method);
    free(r->path);
    free(r->body);
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->header_names[i]);
        free(r->header_values[i]);
    }
    free(r);
}

void faults_clear(faults_t *f)
{
    pthread_mutex_lock(&f->mu);
    fault_rule_t *r = f->head;
    f->head = f->tail = NULL;
    atomic_store(&f->count, 0);
    pthread_mutex_unlock(&f->mu);
    while (r) {
        fault_rule_t *next = r->next;
        fault_rule_free(r);
        r = next;
    }
}

void faults_free(faults_t *f)
{
    if (!f)
        return;
    faults_clear(f);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

bool faults_any(faults_t *f)
{
    return f && atomic_load_explicit(&f->count, memory_order_relaxed) > 0;
}

/* splitmix64: a small, well-mixed generator; one per rule, so a seeded rule's
 * draws depend only on its own seed and the order of its matches. */
static uint64_t fault_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double fault_rng_draw(uint64_t *s)
{
    return (double)(fault_rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* RFC 9110 token characters (header field names). */
static bool fault_is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c)))
            return false;
    }
    return true;
}

/* Parses "match" into r. */
static int fault_parse_match(const json_t *m, fault_rule_t *r, char *err, size_t errlen)
{
    static const char *const known[] = {"method", "path", "keyId", NULL};
    if (!json_is_object(m))
        return str_fail(err, errlen, "match must be an object");
    if (jfield_unknown(m, known, "match.", err, errlen) != 0)
        return -1;
    const char *s;
    int rc;
    if ((rc = jfield_string(m, "method", "match.method", 16, &s, err, errlen)) < 0)
        return -1;
    if (rc == 0) {
        static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", NULL};
        size_t i = 0;
        while (methods[i] && strcasecmp(methods[i], s) != 0)
            i++;
        char shown[STR_SHOWN_MAX + 4];
        if (!methods[i])
            return str_fail(err, errlen, "match.method \"%s\" is not one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS",
                            str_shown(s, shown, sizeof shown));
        r->method = strdup(methods[i]); /* owner: r */
        if (!r->method)
            return str_fail(err, errlen, "out of memory");
    }
    if ((rc = jfield_string(m, "path", "match.path", PATHGLOB_MAX * 4, &s, err, errlen)) < 0)
        return -1;
    if (rc == 0) {
        char why[128], shown[STR_SHOWN_MAX + 4];
        if (pathglob_check(s, why, sizeof why) != 0)
            return str_fail(err, errlen, "match.path \"%s\" cannot match any request: it %s",
                            str_shown(s, shown, sizeof shown), why);
        r->path = strdup(s); /* owner: r */
        if (!r->path)
            return str_fail(err, errlen, "out of memory");
    }
    if ((rc = jfield_string(m, "keyId", "match.keyId", 64, &s, err, errlen)) < 0)
        return -1;
    if (rc == 0 && !uuid_parse(s, r->key_id)) {
        char shown[STR_SHOWN_MAX + 4];
        return str_fail(err, errlen, "match.keyId \"%s\" is not a key id (a UUID)", str_shown(s, shown, sizeof shown));
    }
    return 0;
}

/* Parses "respond" into r. */
static int fault_parse_respond(const json_t *o, fault_rule_t *r, char *err, size_t errlen)
{
    static const char *const known[] = {"status", "body", "headers", NULL};
    if (!json_is_object(o))
        return str_fail(err, errlen, "respond must be an object");
    if (jfield_unknown(o, known, "respond.", err, errlen) != 0)
        return -1;
    int64_t status;
    int rc = jfield_int(o, "status", "respond.status", 400, 599, &status, err, errlen);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return str_fail(err, errlen, "respond.status is required (an integer from 400 to 599)");
    r->status = (int)status;
    const json_t *body = json_object_get(o, "body");
    if (body) {
        arena_t a;
        arena_init(&a);
        const char *text = json_arena_dumps(&a, body, JSON_COMPACT | JSON_ENCODE_ANY);
        size_t n = text ? strlen(text) : 0;
        if (text && n <= FAULTS_MAX_BODY)
            r->body = strdup(text); /* owner: r */
        arena_free(&a);
        if (!text || !r->body)
            return str_fail(err, errlen, "out of memory");
        if (n > FAULTS_MAX_BODY)
            return str_fail(err, errlen, "respond.body is %zu bytes as JSON; the limit is %u", n, FAULTS_MAX_BODY);
    }
    const json_t *h = json_object_get(o, "headers");
    if (h && !json_is_null(h)) {
        if (!json_is_object(h))
            return str_fail(err, errlen, "respond.headers must be an object of header name to string value");
        if (json_object_size(h) > FAULTS_MAX_HEADERS)
            return str_fail(err, errlen, "respond.headers has %zu headers; the limit is %d", json_object_size(h),
                            FAULTS_MAX_HEADERS);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)h, k, v) {
            char shown[STR_SHOWN_MAX + 4];
            if (!fault_is_token(k) || strlen(k) > 256)
                return str_fail(err, errlen, "respond.headers: \"%s\" is not a header name", str_shown(k, shown, sizeof shown));
            if (strcasecmp(k, "Content-Length") == 0 || strcasecmp(k, "Transfer-Encoding") == 0 ||
                strcasecmp(k, "Connection") == 0)
                return str_fail(err, errlen, "respond.headers: %s is set by the server and cannot be given", k);
            if (!json_is_string(v))
                return str_fail(err, errlen, "respond.headers.%s must be a string", str_shown(k, shown, sizeof shown));
            const char *val = json_string_value(v);
            size_t vl = json_string_length(v);
            if (vl > 8192 || strlen(val) != vl || strpbrk(val, "\r\n"))
                return str_fail(err, errlen,
                                "respond.headers.%s must be at most 8192 bytes without CR, LF or NUL",
                                str_shown(k, shown, sizeof shown));
            size_t i = r->n_headers;
            r->header_names[i] = strdup(k);   /* owner: r */
            r->header_values[i] = strdup(val); /* owner: r */
            r->n_headers++;
            if (!r->header_names[i] || !r->header_values[i])
                return str_fail(err, errlen, "out of memory");
        }
    }
    return 0;
}

/* Parses a whole rule body into r (zeroed by the caller). */
static int fault_parse(const json_t *body, fault_rule_t *r, char *err, size_t errlen)
{
    static const char *const known[] = {"match", "respond", "retryAfter", "delayMs", "drop",
                                        "probability", "seed", "times", "after", NULL};
    if (!json_is_object(body))
        return str_fail(err, errlen, "the body must be a JSON object (a rule)");
    if (jfield_unknown(body, known, "", err, errlen) != 0)
        return -1;
    r->retry_after = -1;
    r->probability = 1.0;
    const json_t *m = json_object_get(body, "match");
    if (m && !json_is_null(m) && fault_parse_match(m, r, err, errlen) != 0)
        return -1;
    const json_t *o = json_object_get(body, "respond");
    if (o && !json_is_null(o) && fault_parse_respond(o, r, err, errlen) != 0)
        return -1;
    int64_t v;
    int rc;
    if ((rc = jfield_int(body, "retryAfter", "retryAfter", 0, 86400, &v, err, errlen)) < 0)
        return -1;
    if (rc == 0)
        r->retry_after = (int)v;
    if ((rc = jfield_int(body, "delayMs", "delayMs", 0, FAULTS_MAX_DELAY_MS, &v, err, errlen)) < 0)
        return -1;
    if (rc == 0)
        r->delay_ms = (int)v;
    if (jfield_bool(body, "drop", "drop", &r->drop, err, errlen) < 0)
        return -1;
    if (jfield_number(body, "probability", "probability", 0.0, 1.0, &r->probability, err, errlen) < 0)
        return -1;
    if ((rc = jfield_int(body, "seed", "seed", INT64_MIN, INT64_MAX, &r->seed, err, errlen)) < 0)
        return -1;
    r->has_seed = rc == 0;
    if ((rc = jfield_int(body, "times", "times", 1, 1000000000, &v, err, errlen)) < 0)
        return -1;
    if (rc == 0)
        r->times = v;
    if ((rc = jfield_int(body, "after", "after", 0, 1000000000, &v, err, errlen)) < 0)
        return -1;
    if (rc == 0)
        r->after = v;
    if (r->drop && r->status)
        return str_fail(err, errlen, "drop and respond exclude each other: a dropped request gets no answer");
    if (r->retry_after >= 0 && !r->status)
        return str_fail(err, errlen, "retryAfter needs respond (it is a header of the fault's answer)");
    if (!r->status && !r->drop && r->delay_ms == 0)
        return str_fail(err, errlen, "the rule does nothing: give respond, delayMs (above 0) or drop");
    if (r->has_seed)
        r->rng = (uint64_t)r->seed;
    else
        randombytes_buf(&r->rng, sizeof r->rng);
    return 0;
}

/* Writes one rule as JSON (members that were given, then hits). Caller holds f->mu or owns r. */
static void fault_render(jsonw_t *w, const fault_rule_t *r)
{
    jsonw_obj_begin(w);
    jsonw_kv_string(w, "id", r->id);
    jsonw_key(w, "match");
    jsonw_obj_begin(w);
    if (r->method)
        jsonw_kv_string(w, "method", r->method);
    if (r->path)
        jsonw_kv_string(w, "path", r->path);
    if (r->key_id[0])
        jsonw_kv_string(w, "keyId", r->key_id);
    jsonw_obj_end(w);
    if (r->status) {
        jsonw_key(w, "respond");
        jsonw_obj_begin(w);
        jsonw_kv_int(w, "status", r->status);
        if (r->body)
            jsonw_kv_raw(w, "body", r->body, "null");
        if (r->n_headers) {
            jsonw_key(w, "headers");
            jsonw_obj_begin(w);
            for (size_t i = 0; i < r->n_headers; i++)
                jsonw_kv_string(w, r->header_names[i], r->header_values[i]);
            jsonw_obj_end(w);
        }
        jsonw_obj_end(w);
    }
    if (r->retry_after >= 0)
        jsonw_kv_int(w, "retryAfter", r->retry_after);
    if (r->delay_ms)
        jsonw_kv_int(w, "delayMs", r->delay_ms);
    if (r->drop)
        jsonw_kv_bool(w, "drop", true);
    jsonw_kv_number(w, "probability", r->probability);
    if (r->has_seed)
        jsonw_kv_int(w, "seed", r->seed);
    if (r->times)
        jsonw_kv_int(w, "times", r->times);
    if (r->after)
        jsonw_kv_int(w, "after", r->after);
    jsonw_kv_int(w, "hits", r->hits);
    jsonw_obj_end(w);
}

int faults_add(faults_t *f, const json_t *body, buf_t *out, char *err, size_t errlen)
{
    fault_rule_t *r = calloc(1, sizeof *r); /* owner: this function, then f's list */
    if (!r)
        return str_fail(err, errlen, "out of memory");
    if (fault_parse(body, r, err, errlen) != 0) {
        fault_rule_free(r);
        return -1;
    }
    uuid_v7(r->id);
    pthread_mutex_lock(&f->mu);
    if (atomic_load(&f->count) >= FAULTS_MAX_RULES) {
        pthread_mutex_unlock(&f->mu);
        fault_rule_free(r);
        return str_fail(err, errlen, "there are already %d rules, the limit; delete some first", FAULTS_MAX_RULES);
    }
    if (f->tail)
        f->tail->next = r;
    else
        f->head = r;
    f->tail = r;
    atomic_fetch_add(&f->count, 1);
    jsonw_t w;
    jsonw_init(&w, out);
    fault_render(&w, r);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

void faults_list(faults_t *f, buf_t *out)
{
    jsonw_t w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "data");
    jsonw_arr_begin(&w);
    pthread_mutex_lock(&f->mu);
    for (const fault_rule_t *r = f->head; r; r = r->next)
        fault_render(&w, r);
    pthread_mutex_unlock(&f->mu);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
}

/* Unlinks r (whose predecessor is prev, NULL for the head). Caller holds f->mu. */
static void fault_unlink(faults_t *f, fault_rule_t *prev, fault_rule_t *r)
{
    if (prev)
        prev->next = r->next;
    else
        f->head = r->next;
    if (f->tail == r)
        f->tail = prev;
    atomic_fetch_sub(&f->count, 1);
}

bool faults_remove(faults_t *f, const char *id)
{
    pthread_mutex_lock(&f->mu);
    fault_rule_t *prev = NULL, *r = f->head;
    while (r && strcmp(r->id, id) != 0) {
        prev = r;
        r = r->next;
    }
    if (r)
        fault_unlink(f, prev, r);
    pthread_mutex_unlock(&f->mu);
    fault_rule_free(r);
    return r != NULL;
}

/* True when r's match part accepts the request. */
static bool fault_matches(const fault_rule_t *r, const char *method, const char *path, const char *key_id)
{
    if (r->method && strcmp(r->method, method) != 0)
        return false;
    if (r->key_id[0] && (!key_id || strcmp(r->key_id, key_id) != 0))
        return false;
    return !r->path || pathglob_match(r->path, path);
}

/* Copies what r does into out, strings into a. Caller holds f->mu. */
static void fault_action_fill(const fault_rule_t *r, arena_t *a, fault_action_t *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->rule_id, r->id, sizeof out->rule_id);
    out->status = r->status;
    out->body = r->body ? arena_strdup(a, r->body) : NULL;
    for (size_t i = 0; i < r->n_headers; i++) {
        out->header_names[out->n_headers] = arena_strdup(a, r->header_names[i]);
        out->header_values[out->n_headers] = arena_strdup(a, r->header_values[i]);
        if (out->header_names[out->n_headers] && out->header_values[out->n_headers])
            out->n_headers++;
    }
    out->retry_after = r->retry_after;
    out->delay_ms = r->delay_ms;
    out->drop = r->drop;
}

bool faults_decide(faults_t *f, const char *method, const char *path, const char *key_id, arena_t *a,
                   fault_action_t *out)
{
    if (!faults_any(f))
        return false;
    fault_rule_t *done = NULL; /* a rule used up by this request, freed after the lock */
    bool fired = false;
    pthread_mutex_lock(&f->mu);
    for (fault_rule_t *prev = NULL, *r = f->head; r; prev = r, r = r->next) {
        if (!fault_matches(r, method, path, key_id))
            continue;
        if (++r->matches <= r->after)
            continue;
        if (r->probability < 1.0 && !(fault_rng_draw(&r->rng) < r->probability))
            continue;
        r->hits++;
        fault_action_fill(r, a, out);
        fired = true;
        if (r->times && r->hits >= r->times) {
            fault_unlink(f, prev, r);
            done = r;
        }
        break;
    }
    pthread_mutex_unlock(&f->mu);
    fault_rule_free(done);
    return fired;
}
