/* seed_insights.h - what `parley seed` adds for beyond.md §3 and §6: two scorecards with items, their results on about half the conversations, and some Ask Attention history. */
#ifndef PARLEY_MODEL_SEED_INSIGHTS_H
#define PARLEY_MODEL_SEED_INSIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "model/conversation.h"
#include "store/store.h"

typedef struct seed_insights seed_insights_t;

/* Creates the organization's two seeded scorecards and their items (ids
 * derived from seed; ones that exist already, from an earlier run of the same
 * seed, are kept). Returns the generator (the caller frees it with
 * seed_insights_free), or NULL with the reason in err. */
seed_insights_t *seed_insights_open(store_t *st, const char *org_uuid, uint64_t seed, int64_t now, char *err,
                                    size_t errlen);
void seed_insights_free(seed_insights_t *si);

/* The scorecardResults of row (conversation c, analysed, with its uuid and
 * finished_at set): on about half of the rows one result (sometimes one of
 * each scorecard), rendered as POST /createScorecardResult renders them, else
 * "[]". The string is valid until the next call; the results are kept for
 * seed_insights_store. Deterministic in the seed and row. NULL on OOM. */
const char *seed_insights_results(seed_insights_t *si, long row, const conv_t *c);

/* Stores the results of the last seed_insights_results (their rows, items and
 * roll-ups; the conversation already holds them), after c was inserted, in
 * the caller's batch. Returns 0, or -1 with the reason in err. */
int seed_insights_store(seed_insights_t *si, const conv_t *c, char *err, size_t errlen);

/* Adds 1-3 history entries (Ask Attention questions about the seeded
 * conversations) to each of the first three of users[0..n). Returns 0, or -1
 * with the reason in err. */
int seed_insights_history(seed_insights_t *si, const store_user_t *users, size_t n, char *err, size_t errlen);

#endif
