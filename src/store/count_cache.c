/* count_cache.c - a set-associative, epoch-checked cache of list counts shared by a store's connections. */
#include "store/count_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Slots are grouped in sets of CC_WAYS: a key may sit in any slot of the set
 * its hash names, and a new key replaces the set's least recently used one.
 * Direct-mapped (one slot a key) made two of the benchmark's 48 owner-list
 * queries share a slot of 1,024 and evict each other on every alternation:
 * each eviction cost a ~40 ms count at 1M rows. */
#define CC_WAYS 8

typedef struct cc_slot {
    void *key;         /* malloc'd copy; owned by the slot */
    size_t n;
    uint64_t epoch;
    uint64_t used;     /* the cache's tick at its last get or put (LRU) */
    int64_t count;
} cc_slot_t;

struct store_count_cache {
    pthread_mutex_t mu;
    size_t nsets;      /* slots / CC_WAYS */
    uint64_t tick;
    cc_slot_t *slots;  /* owned; nsets * CC_WAYS */
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
    size_t n = slots ? slots : 1024;
    cc->nsets = n / CC_WAYS ? n / CC_WAYS : 1;
    cc->slots = calloc(cc->nsets * CC_WAYS, sizeof(*cc->slots));
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
    for (size_t i = 0; i < cc->nsets * CC_WAYS; i++)
        free(cc->slots[i].key);
    free(cc->slots);
    pthread_mutex_destroy(&cc->mu);
    free(cc);
}

/* Whether slot s holds key (n bytes), whatever its epoch. */
static bool cc_holds(const cc_slot_t *s, const void *key, size_t n)
{
    return s->key && s->n == n && memcmp(s->key, key, n) == 0;
}

/* The first slot of key's set. */
static cc_slot_t *cc_set(store_count_cache_t *cc, const void *key, size_t n)
{
    return &cc->slots[(cc_hash(key, n) % cc->nsets) * CC_WAYS];
}

bool store_count_cache_get(store_count_cache_t *cc, const void *key, size_t n, uint64_t epoch, int64_t *count)
{
    if (!cc || n > STORE_COUNT_CACHE_MAX_KEY)
        return false;
    cc_slot_t *set = cc_set(cc, key, n);
    bool hit = false;
    pthread_mutex_lock(&cc->mu);
    for (int w = 0; w < CC_WAYS && !hit; w++) {
        cc_slot_t *s = &set[w];
        if (s->epoch == epoch && cc_holds(s, key, n)) {
            *count = s->count;
            s->used = ++cc->tick;
            hit = true;
        }
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
    cc_slot_t *set = cc_set(cc, key, n);
    pthread_mutex_lock(&cc->mu);
    /* the key's own slot, else an empty one, else the least recently used */
    cc_slot_t *s = NULL;
    for (int w = 0; w < CC_WAYS && !s; w++)
        if (cc_holds(&set[w], key, n))
            s = &set[w];
    for (int w = 0; w < CC_WAYS && !s; w++)
        if (!set[w].key)
            s = &set[w];
    if (!s) {
        s = &set[0];
        for (int w = 1; w < CC_WAYS; w++)
            if (set[w].used < s->used)
                s = &set[w];
    }
    void *old = s->key;
    *s = (cc_slot_t){copy, n, epoch, ++cc->tick, count};
    pthread_mutex_unlock(&cc->mu);
    free(old);
}
