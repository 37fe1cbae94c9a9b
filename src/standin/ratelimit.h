/* ratelimit.h - the hosted API's 429 on demand (stand-in §4): a token bucket per API key. */
#ifndef PARLEY_STANDIN_RATELIMIT_H
#define PARLEY_STANDIN_RATELIMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

#define RATELIMIT_MAX_KEYS 65536 /* buckets kept; past it every bucket starts full again */

typedef struct ratelimit ratelimit_t;

/* What one request got from its key's bucket. */
typedef struct ratelimit_result {
    bool allowed;
    long limit;          /* RateLimit-Limit: the bucket's size (burst) */
    long remaining;      /* RateLimit-Remaining: whole tokens left after this request */
    long reset;          /* RateLimit-Reset: seconds until the bucket is full again */
    long retry_after;    /* when refused: whole seconds (>= 1) until a token is free */
} ratelimit_result_t;

/* No limit set. NULL when out of memory. Owner: the caller (ratelimit_free). */
ratelimit_t *ratelimit_new(void);
void ratelimit_free(ratelimit_t *rl);

/* Sets the limit: `requests` per `per_seconds` (1 or 60), buckets of `burst`
 * tokens (0 = requests); every bucket starts full. Returns 0, or -1 with a
 * message when a value is out of range (requests 1..1000000, burst 0..1000000). */
int ratelimit_set(ratelimit_t *rl, long requests, int per_seconds, long burst, char *err, size_t errlen);
/* Parses `serve --rate-limit` ("N/s", "N/m", "N/second", "N/minute") and sets it. */
int ratelimit_set_spec(ratelimit_t *rl, const char *spec, char *err, size_t errlen);
/* Parses the PUT /_parley/rate-limit body {"requests", "per": "second"|"minute",
 * "burst"?} (unknown members refused) and sets it. */
int ratelimit_set_json(ratelimit_t *rl, const json_t *body, char *err, size_t errlen);
/* Removes the limit (and every bucket). */
void ratelimit_clear(ratelimit_t *rl);
/* Writes the limit as {"requests","per","burst"} into out; false (nothing
 * written) when none is set. */
bool ratelimit_render(ratelimit_t *rl, buf_t *out);

/* Takes one token from key_id's bucket. Returns false when no limit is set
 * (res untouched), else true with res filled. Time is CLOCK_MONOTONIC, not
 * the admin clock: a frozen clock must not stop buckets from refilling.
 * Thread-safe; lock-free when no limit is set. */
bool ratelimit_take(ratelimit_t *rl, const char *key_id, ratelimit_result_t *res);

#endif
