/* seed.h - deterministic generator of realistic conversations (`parley seed`, POST /_parley/orgs with seed). */
#ifndef PARLEY_MODEL_SEED_H
#define PARLEY_MODEL_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define SEED_MAX_COUNT 100000000L /* more conversations than this is refused */

typedef struct seed_opts {
    const char *org_uuid;   /* organization to fill (must exist) */
    long count;             /* conversations to insert (0 is fine: only users/teams) */
    uint64_t seed;          /* PRNG seed: same seed + same now => same data, ids included */
    int64_t now;            /* anchor time (unix seconds); createdAt spread over [now - 365 days, now] */
    /* NULL, or called after every row with the rows done so far (the CLI's progress meter) */
    void (*progress)(void *ctx, long done);
    void *progress_ctx;
} seed_opts_t;

/* Fills the organization with o->count generated conversations. When the
 * organization has only its admin, first creates 3 teams and 12 users (uuids
 * derived from the seed; team uuids come from the store). Then puts up to 24
 * snippets of them into the library's folders (and a hidden folder
 * /Archive; beyond.md §5). Rows are committed
 * in batches of 5,000, so on failure the batches before it stay. Returns 0,
 * or -1 with a reason in err (unknown organization, this seed already loaded
 * into it, store failure, out of memory). */
int seed_run(store_t *st, const seed_opts_t *o, char *err, size_t errlen);

#endif
