/* count_cache.h - a small shared cache of list counts (totalRecords), valid for one database epoch. */
#ifndef PARLEY_STORE_COUNT_CACHE_H
#define PARLEY_STORE_COUNT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A fixed number of slots, each holding one (key, epoch, count); a key is an
 * opaque byte string naming a count query and its parameters, and may sit in
 * any slot of a set of 8 (a new key evicts the set's least recently used). An
 * entry is only returned for the epoch it was stored with: the caller picks
 * an epoch (or key bytes) that changes whenever the counted rows may have
 * (SQLite: the snapshot's list_version; PostgreSQL: the snapshot's text in
 * the key), so a hit is always a count of the data the caller reads.
 * Thread-safe (one mutex). */
typedef struct store_count_cache store_count_cache_t;

/* Largest key cached; longer keys are never stored (the count runs each time). */
#define STORE_COUNT_CACHE_MAX_KEY 4096u

/* A cache of `slots` entries (0 = 1024; rounded down to a multiple of 8, at
 * least 8). NULL when out of memory. */
store_count_cache_t *store_count_cache_new(size_t slots);
/* Frees the cache and its keys. NULL is fine. */
void store_count_cache_free(store_count_cache_t *cc);
/* True (and *count set) when key (n bytes) is cached for epoch. */
bool store_count_cache_get(store_count_cache_t *cc, const void *key, size_t n, uint64_t epoch, int64_t *count);
/* Stores count for key under epoch, replacing the key's older entry, else an
 * empty slot of its set, else the set's least recently used. Silently
 * does nothing when n is over the limit or memory is short. */
void store_count_cache_put(store_count_cache_t *cc, const void *key, size_t n, uint64_t epoch, int64_t count);

#endif
