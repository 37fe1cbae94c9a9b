/* count_cache.c - a direct-mapped, epoch-checked cache of list counts shared by a store's connections. */
#include "store/count_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cc_slot {
    void *key;         /* malloc'd copy; owned by the slot */
    size_t n;
    uint64_t epoch;
    int64_t count;
} cc_slot_t;

struct store_count_cache {
    pthread_mutex_t mu;
    size_t nslots;
    cc_slot_t *slots;  /* owned */
};

/* FNV-1a of the key. */
static uint64_t cc_hash(const void *key, size_t n)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

store_count_cache_t *store_count_cache_new(size_t slots)
{
    store_count_cache_t *cc = calloc(1, sizeof(*cc)); /* owner: the caller (store_count_cache_free) */
    if (!cc)
        return NULL;
    cc->nslots = slots ? slots : 1024;
    cc->slots = calloc(cc->nslots, sizeof(*cc->slots));
    if (!cc->slots) {
        free(cc);
        return NULL;
    }
    pthread_mutex_init(&cc->mu, NULL);
    return cc;
}

void store_count_cache_free(store_count_cache_t *cc)
{
    if (!cc)
        return;
    for (size_t i = 0; i < cc->nslots; i++)
        free(cc->slots[i].key);
    free(cc->slots);
    pthread_mutex_destroy(&cc->mu);
    free(cc);
}

bool store_count_cache_get(store_count_cache_t *cc, const void *key, size_t n, uint64_t epoch, int64_t *count)
{
    if (!cc || n > STORE_COUNT_CACHE_MAX_KEY)
        return false;
    cc_slot_t *s = &cc->slots[cc_hash(key, n) % cc->nslots];
    bool hit = false;
    pthread_mutex_lock(&cc->mu);
    if (s->key && s->epoch == epoch && s->n == n && memcmp(s->key, key, n) == 0) {
        *count = s->count;
        hit = true;
    }
    pthread_mutex_unlock(&cc->mu);
    return hit;
}

void store_count_cache_put(store_count_cache_t *cc, const void *key, size_t n, uint64_t epoch, int64_t count)
{
    if (!cc || n > STORE_COUNT_CACHE_MAX_KEY)
        return;
    void *copy = malloc(n ? n : 1); /* owner: the slot */
    if (!copy)
        return;
    memcpy(copy, key, n);
    cc_slot_t *s = &cc->slots[cc_hash(key, n) % cc->nslots];
    pthread_mutex_lock(&cc->mu);
    void *old = s->key;
    *s = (cc_slot_t){copy, n, epoch, count};
    pthread_mutex_unlock(&cc->mu);
    free(old);
}
