/* seed.h - deterministic generator of realistic conversations for `parley seed`. */
#ifndef PARLEY_CLI_SEED_H
#define PARLEY_CLI_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "cli/progress.h"
#include "store/store.h"

#define SEED_MAX_COUNT 100000000L /* more conversations than this is refused */

typedef struct seed_opts {
    const char *org_uuid;   /* organization to fill (must exist) */
    long count;             /* conversations to insert (0 is fine: only users/teams) */
    uint64_t seed;          /* PRNG seed: same seed + same now => same data, ids included */
    int64_t now;            /* anchor time (unix seconds); createdAt spread over [now - 365 days, now] */
    progress_t *progress;   /* NULL, or a started meter updated after every row (the caller finishes it) */
} seed_opts_t;

/* Fills the organization with o->count generated conversations. When the
 * organization has only its admin, first creates 3 teams and 12 users (uuids
 * derived from the seed; team uuids come from the store). Rows are committed
 * in batches of 5,000, so on failure the batches before it stay. Returns 0,
 * or -1 with a reason in err (unknown organization, this seed already loaded
 * into it, store failure, out of memory). */
int seed_run(store_t *st, const seed_opts_t *o, char *err, size_t errlen);

#endif
