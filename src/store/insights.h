/* insights.h - the store operations of Ask Attention, scorecards and the generalized-insights history (beyond.md §2, §3, §6); backends implement them as optional vtable entries (backend.h). */
#ifndef PARLEY_STORE_INSIGHTS_H
#define PARLEY_STORE_INSIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/ask.h"
#include "model/scorecard.h"
#include "store/store.h"

/* ---- Ask Attention -------------------------------------------------------------- */

/* One conversation an ask names or selects, as the store found it. */
typedef struct store_ask_conv {
    int index;                  /* position in the request's conversations_ids; deal: 0, 1, … newest first */
    const char *id;             /* the id as asked (conversations_ids) or the found uuid (deal) */
    bool found;                 /* exists in the organization and is visible in the scope */
    uuid_str_t uuid;            /* when found */
    const char *title;          /* when found; valid during the callback */
    int64_t segments;           /* indexed segments (0: no transcript) */
    int64_t length;             /* their total length (ask_length) */
} store_ask_conv_t;

/* One segment holding at least one of the terms (valid during the callback). */
typedef struct store_ask_segment {
    int index;                  /* the store_ask_conv_t it belongs to */
    int seq;
    double start_sec, end_sec;
    const char *text;
} store_ask_segment_t;

typedef int (*store_ask_conv_cb)(void *ctx, const store_ask_conv_t *c);
typedef int (*store_ask_segment_cb)(void *ctx, const store_ask_segment_t *s);

typedef struct store_ask_query {
    const char *const *ids;     /* conversations_ids (NULL when deal_id) */
    size_t n_ids;
    const char *deal_id;        /* NULL when ids */
    size_t max_conversations;   /* a deal selects at most this many (newest first, unarchived) */
    const char (*terms)[ASK_TERM_MAX + 1]; /* the prompt's words (ask_request_t.terms) */
    size_t n_terms;
} store_ask_query_t;

/* In one read snapshot: calls conv for every conversation of q (ids: each
 * once, in order, found or not - another organization's, an invisible
 * private one or a malformed id is not found; deal_id: those whose dealUUID
 * or externalOpportunity.uuid is deal_id, visible in sc and not archived,
 * newest first), then seg for the indexed segments of the found ones that
 * hold a term, grouped by conversation in conv order, in seq order. Every
 * segment that holds a term is handed over; others may be too (a backend may
 * read a short transcript whole rather than its full-text index: the
 * caller's ranking drops them). STORE_ERROR when a callback stops. */
store_rc_t store_ask_search(store_t *st, const store_scope_t *sc, const store_ask_query_t *q, store_ask_conv_cb conv,
                            store_ask_segment_cb seg, void *ctx);

/* ---- scorecards ------------------------------------------------------------------ */

typedef int (*store_scorecard_cb)(void *ctx, const scorecard_t *s);
typedef int (*store_scorecard_item_cb)(void *ctx, const scorecard_item_t *it);

/* Stores s (s->uuid "" = a new UUIDv7; the id goes to out) in s->org_uuid,
 * created_at = updated_at = s->created_at. NOT_FOUND when s->team_uuid is set
 * and not a team of the organization; CONFLICT when the uuid exists. */
store_rc_t store_scorecard_create(store_t *st, const scorecard_t *s, uuid_str_t out);
/* Replaces every member of scorecard s->uuid of s->org_uuid but its id,
 * organization and created_at with s's (updated_at = s->updated_at).
 * NOT_FOUND when there is no such scorecard, or s->team_uuid is set and not a
 * team of the organization. */
store_rc_t store_scorecard_update(store_t *st, const scorecard_t *s);
/* Calls cb with scorecard uuid of org (NOT_FOUND when there is none; a
 * malformed uuid is none). */
store_rc_t store_scorecard_get(store_t *st, const char *org_uuid, const char *uuid, store_scorecard_cb cb, void *ctx);
/* One page (page from 1, size) of the organization's scorecards by
 * created_at, uuid; *total counts them all. */
store_rc_t store_scorecard_list(store_t *st, const char *org_uuid, int64_t page, int64_t size, int64_t *total,
                                store_scorecard_cb cb, void *ctx);

/* Adds it (it->uuid "" = new; position < 0 = after the last live item) to
 * scorecard it->scorecard_uuid of it->org_uuid; version 1, times it->created_at.
 * NOT_FOUND when the scorecard is not the organization's. */
store_rc_t store_scorecard_item_create(store_t *st, const scorecard_item_t *it, uuid_str_t out);
/* Replaces the members of live item it->uuid of that scorecard with it's
 * (version + 1, updated_at = it->updated_at). NOT_FOUND when there is none. */
store_rc_t store_scorecard_item_update(store_t *st, const scorecard_item_t *it);
/* Removes live item item_uuid from scorecard sc_uuid of org (deleted_at =
 * now_ms; results keep it). NOT_FOUND when there is none. */
store_rc_t store_scorecard_item_delete(store_t *st, const char *org_uuid, const char *sc_uuid, const char *item_uuid,
                                       int64_t now_ms);
/* Calls cb with item item_uuid of scorecard sc_uuid of org (deleted ones
 * when with_deleted). NOT_FOUND when none. */
store_rc_t store_scorecard_item_get(store_t *st, const char *org_uuid, const char *sc_uuid, const char *item_uuid,
                                    bool with_deleted, store_scorecard_item_cb cb, void *ctx);
/* Every item of scorecard sc_uuid of org (deleted ones too when with_deleted)
 * by position, created_at, uuid. NOT_FOUND when the scorecard is not the
 * organization's. */
store_rc_t store_scorecard_item_list(store_t *st, const char *org_uuid, const char *sc_uuid, bool with_deleted,
                                     store_scorecard_item_cb cb, void *ctx);

/* A result to store (POST /createScorecardResult, or the seed generator). */
typedef struct store_scorecard_result {
    uuid_str_t uuid;            /* "" = a new UUIDv7 */
    const char *org_uuid;
    const char *scorecard_uuid;
    const char *conversation_uuid;
    const char *summary;
    int64_t created_at;         /* ms */
    const scorecard_result_item_t *items;
    const double *weights;      /* weights[i]: the weight of items[i]'s scorecard item */
    size_t n_items;
    const char *entry_json;     /* the conversation's new scorecardResults entry; NULL: the caller
                                 * wrote it into the conversation itself (the seed generator) */
} store_scorecard_result_t;

/* In one transaction: checks that scope sc may change conversation
 * r->conversation_uuid (NOT_FOUND when not visible; FORBIDDEN when a
 * user-level scope that does not own it) and that the scorecard is the
 * organization's (NOT_FOUND), stores the result with its items (owner and
 * team: the conversation's), adds the scored ones to the daily roll-ups,
 * appends r->entry_json to the conversation's scorecardResults through the
 * conversation's update path (the stored document and `analyzed` rewritten)
 * with its `scorecard_result_created` workflow-log entry (both only when
 * entry_json is set). */
store_rc_t store_scorecard_result_create(store_t *st, const store_scorecard_result_t *r, const store_scope_t *sc);

/* One group of a summary: the scored items of one (user, item). */
typedef struct store_summary_group {
    uuid_str_t user_uuid;
    uuid_str_t item_uuid;
    int64_t n;
    double total, lo, hi;
    double wtotal, wsum;        /* sum of score * weight, sum of weight */
} store_summary_group_t;
typedef int (*store_summary_cb)(void *ctx, const store_summary_group_t *g);

/* GROUP BY user, item over the scored items of the organization's results
 * for f->scorecard_uuid created in [f->from_ms, f->to_ms] whose owner, team
 * and item are in f's lists (empty = all): whole UTC days from the roll-ups,
 * the first and last day item by item. Groups by user_uuid, item_uuid. */
store_rc_t store_scorecard_summary(store_t *st, const char *org_uuid, const scorecard_summary_req_t *f,
                                   store_summary_cb cb, void *ctx);

/* ---- generalized-insights history ---------------------------------------------- */

typedef struct store_gi_entry {
    uuid_str_t uuid;            /* set by the caller (uuid_v7, or the seed's) */
    uuid_str_t org_uuid;
    uuid_str_t user_uuid;
    const char *title;
    uuid_str_t result_uuid;     /* set by the caller */
    const char *prompt;
    const char *synthesis;
    const char *items_json;
    const char *conversations_json;
    int64_t created_at;         /* ms */
} store_gi_entry_t;
typedef int (*store_gi_cb)(void *ctx, const store_gi_entry_t *e);

/* Stores one history entry. */
store_rc_t store_gi_add(store_t *st, const store_gi_entry_t *e);
/* The entries of user_uuid of org, newest first (created_at, uuid
 * descending), offset/limit applied; *total counts them all. */
store_rc_t store_gi_list(store_t *st, const char *org_uuid, const char *user_uuid, int64_t limit, int64_t offset,
                         int64_t *total, store_gi_cb cb, void *ctx);

#endif
