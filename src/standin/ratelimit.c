/* ratelimit.c - a token bucket per API key behind the admin API's rate limit (stand-in §4). */
#include "standin/ratelimit.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/jfield.h"
#include "lib/jsonw.h"
#include "lib/strutil.h"
#include "lib/uuid.h"

typedef struct rl_bucket {
    uuid_str_t key;          /* "" = free slot */
    double tokens;
    int64_t at_ns;           /* when tokens was computed */
} rl_bucket_t;

struct ratelimit {
    pthread_mutex_t mu;
    atomic_bool on;
    long requests, burst;
    int per;                 /* seconds: 1 or 60 */
    rl_bucket_t *slots;      /* open addressing, RATELIMIT_MAX_KEYS * 2 slots; owned */
    size_t used;
};

#define RL_SLOTS (RATELIMIT_MAX_KEYS * 2)

ratelimit_t *ratelimit_new(void)
{
    ratelimit_t *rl = calloc(1, sizeof *rl); /* owner: the caller, ratelimit_free */
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    atomic_init(&rl->on, false);
    return rl;
}

void ratelimit_free(ratelimit_t *rl)
{
    if (!rl)
        return;
    free(rl->slots);
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

int ratelimit_set(ratelimit_t *rl, long requests, int per_seconds, long burst, char *err, size_t errlen)
{
    if (requests < 1 || requests > 1000000)
        return str_fail(err, errlen, "requests must be an integer from 1 to 1000000, got %ld", requests);
    if (burst < 0 || burst > 1000000)
        return str_fail(err, errlen, "burst must be an integer from 1 to 1000000, got %ld", burst);
    if (per_seconds != 1 && per_seconds != 60)
        return str_fail(err, errlen, "per must be \"second\" or \"minute\"");
    pthread_mutex_lock(&rl->mu);
    if (!rl->slots)
        rl->slots = calloc(RL_SLOTS, sizeof *rl->slots); /* owner: rl */
    if (!rl->slots) {
        pthread_mutex_unlock(&rl->mu);
        return str_fail(err, errlen, "out of memory");
    }
    memset(rl->slots, 0, RL_SLOTS * sizeof *rl->slots);
    rl->used = 0;
    rl->requests = requests;
    rl->per = per_seconds;
    rl->burst = burst ? burst : requests;
    atomic_store(&rl->on, true);
    pthread_mutex_unlock(&rl->mu);
    return 0;
}

int ratelimit_set_spec(ratelimit_t *rl, const char *spec, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long n = strtol(spec, &end, 10);
    if (errno || end == spec || *end != '/')
        return str_fail(err, errlen, "--rate-limit must be N/s or N/m (requests per second or minute), got \"%.40s\"",
                        spec);
    const char *unit = end + 1;
    int per = strcmp(unit, "s") == 0 || strcmp(unit, "second") == 0   ? 1
              : strcmp(unit, "m") == 0 || strcmp(unit, "minute") == 0 ? 60
                                                                       : 0;
    if (!per || n < 1 || n > 1000000)
        return str_fail(err, errlen, "--rate-limit must be N/s or N/m with N from 1 to 1000000, got \"%.40s\"", spec);
    return ratelimit_set(rl, n, per, 0, err, errlen);
}

int ratelimit_set_json(ratelimit_t *rl, const json_t *body, char *err, size_t errlen)
{
    static const char *const known[] = {"requests", "per", "burst", NULL};
    if (!json_is_object(body))
        return str_fail(err, errlen, "the body must be a JSON object {\"requests\", \"per\", \"burst\"?}");
    if (jfield_unknown(body, known, "", err, errlen) != 0)
        return -1;
    int64_t requests, burst = 0;
    int rc = jfield_int(body, "requests", "requests", 1, 1000000, &requests, err, errlen);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return str_fail(err, errlen, "requests is required (an integer from 1 to 1000000)");
    const char *per;
    rc = jfield_string(body, "per", "per", 16, &per, err, errlen);
    if (rc < 0)
        return -1;
    if (rc > 0 || (strcmp(per, "second") != 0 && strcmp(per, "minute") != 0)) {
        char shown[STR_SHOWN_MAX + 4];
        return str_fail(err, errlen, "per must be \"second\" or \"minute\"%s%s%s", rc ? "" : ", got \"",
                        rc ? "" : str_shown(per, shown, sizeof shown), rc ? "" : "\"");
    }
    if (jfield_int(body, "burst", "burst", 1, 1000000, &burst, err, errlen) < 0)
        return -1;
    return ratelimit_set(rl, (long)requests, per[0] == 's' ? 1 : 60, (long)burst, err, errlen);
}

void ratelimit_clear(ratelimit_t *rl)
{
    pthread_mutex_lock(&rl->mu);
    atomic_store(&rl->on, false);
    free(rl->slots);
    rl->slots = NULL;
    rl->used = 0;
    pthread_mutex_unlock(&rl->mu);
}

bool ratelimit_render(ratelimit_t *rl, buf_t *out)
{
    pthread_mutex_lock(&rl->mu);
    bool on = atomic_load(&rl->on);
    if (on) {
        jsonw_t w;
        jsonw_init(&w, out);
        jsonw_obj_begin(&w);
        jsonw_kv_int(&w, "requests", rl->requests);
        jsonw_kv_string(&w, "per", rl->per == 1 ? "second" : "minute");
        jsonw_kv_int(&w, "burst", rl->burst);
        jsonw_obj_end(&w);
    }
    pthread_mutex_unlock(&rl->mu);
    return on;
}

/* FNV-1a of the key id. */
static size_t rl_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)(h % RL_SLOTS);
}

/* The bucket of key (a new, full one when there is none). Caller holds rl->mu. */
static rl_bucket_t *rl_bucket(ratelimit_t *rl, const char *key, int64_t now)
{
    if (rl->used >= RATELIMIT_MAX_KEYS) { /* forget every bucket: they all start full */
        memset(rl->slots, 0, RL_SLOTS * sizeof *rl->slots);
        rl->used = 0;
    }
    size_t i = rl_hash(key);
    while (rl->slots[i].key[0] && strcmp(rl->slots[i].key, key) != 0)
        i = (i + 1) % RL_SLOTS;
    rl_bucket_t *b = &rl->slots[i];
    if (!b->key[0]) {
        snprintf(b->key, sizeof b->key, "%s", key);
        b->tokens = (double)rl->burst;
        b->at_ns = now;
        rl->used++;
    }
    return b;
}

bool ratelimit_take(ratelimit_t *rl, const char *key_id, ratelimit_result_t *res)
{
    if (!rl || !atomic_load_explicit(&rl->on, memory_order_relaxed))
        return false;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    pthread_mutex_lock(&rl->mu);
    if (!atomic_load(&rl->on) || !rl->slots) {
        pthread_mutex_unlock(&rl->mu);
        return false;
    }
    double rate = (double)rl->requests / rl->per; /* tokens per second */
    rl_bucket_t *b = rl_bucket(rl, key_id ? key_id : "-", now);
    b->tokens = fmin((double)rl->burst, b->tokens + (double)(now - b->at_ns) / 1e9 * rate);
    b->at_ns = now;
    res->allowed = b->tokens >= 1.0;
    if (res->allowed)
        b->tokens -= 1.0;
    res->limit = rl->burst;
    res->remaining = (long)floor(b->tokens);
    res->reset = (long)ceil(((double)rl->burst - b->tokens) / rate);
    res->retry_after = res->allowed ? 0 : (long)fmax(1.0, ceil((1.0 - b->tokens) / rate));
    pthread_mutex_unlock(&rl->mu);
    return true;
}
